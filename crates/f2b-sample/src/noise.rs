//! The other mail such a mailbox receives: bounces of mail that is not a
//! Fail2Ban report (spam with a forged `fail2ban@mail.com` sender, cron
//! output that lists banned addresses) and plain spam and phishing, some in
//! KOI8-R or ISO-8859-1. None of it holds a ban report, though some of it
//! mentions addresses and bans.

use std::fmt::Write;

use crate::bounces::Copy;
use crate::encode;
use crate::rng::Rng;
use crate::templates::{DEST, SENDER};
use crate::time::{self, DateStyle, Ts, Zone};

/// KOI8-R bytes of lower-case Russian letters `а`..`я` (then `ё`).
const KOI8_LOWER: [u8; 33] = [
    0xC1, 0xC2, 0xD7, 0xC7, 0xC4, 0xC5, 0xD6, 0xDA, 0xC9, 0xCA, 0xCB, 0xCC, 0xCD, 0xCE, 0xCF, 0xD0,
    0xD2, 0xD3, 0xD4, 0xD5, 0xC6, 0xC8, 0xC3, 0xDE, 0xDB, 0xDD, 0xDF, 0xD9, 0xD8, 0xDC, 0xC0, 0xD1,
    0xA3,
];

/// Russian text in KOI8-R (other characters pass through as ASCII).
fn koi8r(text: &str) -> Vec<u8> {
    text.chars()
        .map(|c| {
            let lower = c.to_lowercase().next().unwrap_or(c);
            let index = match lower {
                'а'..='я' => Some(lower as usize - 'а' as usize),
                'ё' => Some(32),
                _ => None,
            };
            match index {
                Some(i) if c.is_uppercase() => KOI8_LOWER[i] ^ 0x20,
                Some(i) => KOI8_LOWER[i],
                None if c.is_ascii() => c as u8,
                None => b'?',
            }
        })
        .collect()
}

/// An RFC 2047 base64 encoded word.
fn encoded_word(charset: &str, bytes: &[u8]) -> String {
    let b64 = encode::base64(bytes);
    let text = String::from_utf8_lossy(&b64).replace('\n', "");
    format!("=?{charset}?B?{text}?=")
}

/// A spam or phishing message: header block and body.
fn spam(rng: &mut Rng, ts: Ts, from: &str, to: &str, zone: Zone) -> Copy {
    let date = time::rfc2822(&zone.local(ts), DateStyle::UnpaddedNoComment);
    let msgid = format!(
        "<{:x}{:x}@{}>",
        rng.next_u64(),
        rng.below(1 << 20),
        from.rsplit('@').next().unwrap_or("mail.com")
    );
    let mut head = String::new();
    let body: Vec<u8>;
    let subject: String;
    match rng.below(6) {
        0 => {
            subject = "Unusual sign-in activity detected".into();
            let _ = write!(
                head,
                "From: \"Security Team\" <{from}>\nTo: {to}\nSubject: {subject}\nDate: {date}\nMessage-ID: {msgid}\nContent-Type: text/plain; charset=us-ascii\n"
            );
            body = format!(
                "We detected a sign-in attempt from IP {}.{}.{}.{} ({}).\nThe address has been banned after {} failed attempts.\nIf this was you, confirm at http://{}/verify\n",
                rng.range(5, 220),
                rng.range(0, 255),
                rng.range(0, 255),
                rng.range(1, 254),
                rng.pick(&["CN", "RU", "BR", "IR"]),
                rng.range(3, 9),
                rng.pick(&["secure-login.example.com", "account-check.example.net"])
            )
            .into_bytes();
        }
        1 => {
            subject = format!("Re: Your order #{}", rng.range(10_000, 99_999));
            let _ = write!(
                head,
                "From: \"Pharmacy Online\" <{from}>\nTo: {to}\nSubject: {subject}\nDate: {date}\nMessage-ID: {msgid}\nMIME-Version: 1.0\nContent-Type: text/plain; charset=\"us-ascii\"\n"
            );
            body = b"From the desk of our sales department:\n\nBest prices on meds, 80% off, no prescription needed.\nFrom today only. Click: http://pills.example.com/\n"
                .to_vec();
        }
        2 => {
            let russian = "Здравствуйте! Выгодное предложение для вашего бизнеса.";
            subject = encoded_word("koi8-r", &koi8r("Деловое предложение"));
            let _ = write!(
                head,
                "From: {from}\nTo: {to}\nSubject: {subject}\nDate: {date}\nMessage-ID: {msgid}\nMIME-Version: 1.0\nContent-Type: text/plain; charset=\"koi8-r\"\nContent-Transfer-Encoding: 8bit\n"
            );
            let mut b = koi8r(russian);
            b.extend_from_slice(b"\nhttp://biz.example.ru/\n");
            body = b;
        }
        3 => {
            subject = "Ihre Bestellung wurde versandt".into();
            let _ = write!(
                head,
                "From: \"Versand\" <{from}>\nTo: {to}\nSubject: {subject}\nDate: {date}\nMessage-ID: {msgid}\nMIME-Version: 1.0\nContent-Type: text/plain; charset=\"iso-8859-1\"\nContent-Transfer-Encoding: 8bit\n"
            );
            body = "Sehr geehrte Kundin, sehr geehrter Kunde,\n\nIhre Bestellung über 349,00 € wurde heute versandt. Die Rechnung finden Sie unter http://rechnung.example.de/\n\nMit freundlichen Grüßen\n"
                .replace('€', "EUR")
                .chars()
                .map(|c| if u32::from(c) <= 0xff { c as u8 } else { b'?' })
                .collect();
        }
        4 => {
            subject = "URGENT BUSINESS PROPOSAL".into();
            let text = "Dear Friend,\n\nI am Mr. James Okoro, a bank manager. I have a business proposal of USD 18.5 million for you.\n>From my position I can transfer the funds safely.\nReply with your full name and phone number.\n";
            let _ = write!(
                head,
                "From: \"Mr. James Okoro\" <{from}>\nTo: {to}\nSubject: {subject}\nDate: {date}\nMessage-ID: {msgid}\nMIME-Version: 1.0\nContent-Type: text/plain; charset=\"utf-8\"\nContent-Transfer-Encoding: base64\n"
            );
            body = encode::base64(text.as_bytes());
        }
        _ => {
            subject = "Your mailbox is almost full".into();
            let _ = write!(
                head,
                "From: \"Mail Administrator\" <{from}>\nTo: {to}\nSubject: {subject}\nDate: {date}\nMessage-ID: {msgid}\nContent-Type: text/plain; charset=us-ascii\n"
            );
            body = b"Your mailbox has exceeded the storage limit set by your administrator.\nYou may not be able to send or receive new mail until you re-validate\nyour mailbox at http://webmail-upgrade.example.com/\n"
                .to_vec();
        }
    }
    Copy {
        head,
        body,
        msgid: Some(msgid),
        subject,
        date,
        queue_id: String::new(),
    }
}

/// Spam that forged `fail2ban@mail.com` as sender, returned by the server it
/// was sent to (backscatter): the copy the bounce carries.
pub fn backscatter_copy(rng: &mut Rng, ts: Ts, host: &str, zone: Zone, spammer: &str) -> Copy {
    let user = rng.pick(&["info", "sales", "admin", "office", "jobs", "contact"]);
    let domain = host.split_once('.').map_or(host, |(_, d)| d);
    let mut copy = spam(rng, ts, SENDER, &format!("{user}@{domain}"), zone);
    let received = format!(
        "Received: from [{spammer}] (unknown [{spammer}])\n\tby {host} with SMTP; {}\n",
        time::rfc2822(&zone.local(ts), DateStyle::ZeroPadded)
    );
    copy.head.insert_str(0, &received);
    copy
}

/// Cron output mailed to `you@mail.com` from a server whose cron mails as
/// `fail2ban@mail.com`: `fail2ban-client status` listing banned addresses.
pub fn cron_copy(rng: &mut Rng, ts: Ts, host: &str, zone: Zone, banned: &[String]) -> Copy {
    let date = time::rfc2822(&zone.local(ts), DateStyle::SpacePadded);
    let jail = rng.pick(&["ssh-iptables", "ssh", "sshd"]);
    let subject = format!(
        "Cron <root@{}> /usr/bin/fail2ban-client status {jail}",
        host.split('.').next().unwrap_or(host)
    );
    let msgid = format!(
        "<{}.{:X}@{host}>",
        f2b_core::time::format_rfc3339(ts).replace(['-', ':', 'T', 'Z'], ""),
        rng.below(1 << 40)
    );
    let head = format!(
        "Received: by {host} (Postfix, from userid 0)\n\tid {:X}; {date}\nFrom: root@{host} (Cron Daemon)\nTo: {DEST}\nSubject: {subject}\nContent-Type: text/plain; charset=UTF-8\nX-Cron-Env: <SHELL=/bin/sh>\nX-Cron-Env: <MAILTO={DEST}>\nX-Cron-Env: <MAILFROM={SENDER}>\nMessage-Id: {msgid}\nDate: {date}\n",
        rng.below(1 << 40)
    );
    let mut body = String::new();
    let _ = write!(
        body,
        "Status for the jail: {jail}\n|- filter\n|  |- Currently failed:\t{}\n|  `- Total failed:\t{}\n`- action\n   |- Currently banned:\t{}\n   |  `- IP list:\t{}\n   `- Total banned:\t{}\n",
        rng.range(0, 9),
        rng.range(100, 9000),
        banned.len(),
        banned.join(" "),
        rng.range(10, 900)
    );
    Copy {
        head,
        body: body.into_bytes(),
        msgid: Some(msgid),
        subject,
        date,
        queue_id: String::new(),
    }
}

/// A plain spam or phishing message to `fail2ban@mail.com`, not a bounce:
/// its header block and body.
pub fn plain_spam(rng: &mut Rng, ts: Ts) -> (Copy, String) {
    let sender_domain = format!(
        "{}{}.{}",
        rng.pick(&["secure", "mail", "info", "promo", "news"]),
        rng.range(1, 999),
        rng.pick(&["com", "net", "ru", "info", "biz"])
    );
    let from = format!(
        "{}@{sender_domain}",
        rng.pick(&["security", "sales", "noreply", "admin", "support"])
    );
    let copy = spam(rng, ts, &from, SENDER, time::zone_named("UTC"));
    (copy, from)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn koi8r_maps_russian_letters() {
        assert_eq!(koi8r("Да"), vec![0xE4, 0xC1]);
        assert_eq!(koi8r("я ё"), vec![0xD1, b' ', 0xA3]);
    }

    #[test]
    fn cron_output_lists_the_banned_addresses() {
        let mut rng = Rng::new(1);
        let banned = vec!["198.51.100.7".to_string(), "203.0.113.9".to_string()];
        let copy = cron_copy(
            &mut rng,
            1_300_000_000,
            "web1.example.org",
            time::zone_named("UTC"),
            &banned,
        );
        let body = String::from_utf8(copy.body).unwrap();
        assert!(body.contains("IP list:\t198.51.100.7 203.0.113.9"));
        assert!(!copy.subject.contains("[Fail2Ban]"));
    }

    #[test]
    fn every_spam_variant_has_headers_and_a_body() {
        let mut rng = Rng::new(2);
        for _ in 0..50 {
            let (copy, from) = plain_spam(&mut rng, 1_300_000_000);
            assert!(copy.head.contains("Subject: "));
            assert!(copy.head.contains(&format!("To: {SENDER}")));
            assert!(!copy.body.is_empty());
            assert!(from.contains('@'));
        }
    }
}
