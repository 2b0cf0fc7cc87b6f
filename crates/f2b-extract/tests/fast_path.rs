//! The fast MIME path (`fastmime`) against mail-parser: every message must
//! give the same layers and the same outcome (records or skip reason) with
//! and without the fast path. Run over the fixtures, over generated mail of
//! every shape the fast path reads (and many it must leave alone), and over
//! mangled copies of both (cut short, lines dropped or doubled, CRLF).

mod common;

use std::fs;
use std::path::Path;

use f2b_extract::bounce::Unwrapper;
use f2b_extract::fastmime;
use f2b_extract::mailbox::RawMessage;
use f2b_extract::record::Fields;

/// Compares both paths on one message; true when the fast path read it whole.
fn same_either_way(bytes: &[u8], what: &str) -> bool {
    let (fast, full) = (Unwrapper::new(), Unwrapper::without_fast_path());
    let message = RawMessage {
        src: "t".into(),
        bytes: bytes.to_vec(),
        envelope: Some(1_300_000_000),
        oversize: false,
    };
    for fields in [
        Fields::default(),
        Fields {
            events: true,
            template: true,
        },
    ] {
        let a = f2b_extract::process(&fast, &message, fields);
        let b = f2b_extract::process(&full, &message, fields);
        assert_eq!(
            a,
            b,
            "{what}: outcomes differ for\n{}",
            String::from_utf8_lossy(bytes)
        );
    }
    // The layers too, where mail-parser reads the message without panicking
    // (it may, on mangled MIME, in builds with debug assertions).
    let layers = |u: &Unwrapper| {
        std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            u.read(bytes).map(|l| format!("{l:?}"))
        }))
    };
    if let (Ok(a), Ok(b)) = (layers(&fast), layers(&full)) {
        assert_eq!(
            a,
            b,
            "{what}: layers differ for\n{}",
            String::from_utf8_lossy(bytes)
        );
    }
    fastmime::parse(bytes).is_some()
}

/// Deterministic pseudo-random choices (no dependency, same run every time).
struct Dice(u64);

impl Dice {
    fn roll(&mut self, n: usize) -> usize {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        ((self.0 >> 33) % n as u64) as usize
    }

    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.roll(items.len())]
    }

    fn chance(&mut self, percent: usize) -> bool {
        self.roll(100) < percent
    }
}

const SUBJECTS: &[&str] = &[
    "[Fail2Ban] SSH: banned 203.0.113.7",
    "[Fail2Ban] sshd: banned 2001:db8::7 from web1.example.org",
    "[Fail2Ban] SSH,IPFW: banned ::ffff:198.51.100.9",
    "[Fail2Ban] SSH: summary from web1.example.org",
    "[Fail2Ban] sshd: started on web1.example.org",
    "[FAIL2BAN] Alerte: 192.0.2.44 bloquée",
    "[Fail2Ban] SSH:\n\tbanned 203.0.113.8",
    "=?utf-8?q?=5BFail2Ban=5D_SSH=3A_banned_203.0.113.9?=",
    "Cron <root@x> fail2ban-client status",
    "",
];

const BODIES: &[&str] = &[
    "Hi,\n\nThe IP 203.0.113.7 has just been banned by Fail2Ban after\n6 attempts against SSH.\n\n\nHere are more information about 203.0.113.7:\n\ninetnum: 203.0.113.0 - 203.0.113.255\ncountry: BR\nresponsible: Jo\u{e3}o Silva\n\nRegards,\n\nFail2Ban\n",
    "Hi,\n\nThese hosts have been banned by Fail2Ban.\n\nMon Jul  4 12:34:56 CEST 2011: 203.0.113.7 (6 failures)\nMon Jul  4 13:00:00 CST 2011: 198.51.100.9 (3 failures)\nRegards,\n\nFail2Ban\n",
    "Hi,\n\nThe jail SSH has been started successfully.\n\nRegards,\n\nFail2Ban\n",
    "L'IP 192.0.2.45 has just been banned by Fail2Ban against ssh.\n-- \nthe end --boundary-like --\n",
    "Lines containing IP:203.0.113.7 in /var/log/secure\n\nMar  1 sshd[1]: Invalid user x from 203.0.113.7\n",
    "",
];

const CHARSETS: &[&str] = &[
    "",
    "; charset=us-ascii",
    "; charset=\"ISO-8859-1\"",
    "; charset=utf-8",
    "; charset=unicode-1-1-utf-7",
    "; charset=windows-1252; format=flowed",
    "; charset=koi8-r",
];

const ENCODINGS: &[&str] = &["", "7bit", "8bit", "quoted-printable", "base64", "Base64 "];

/// A body in the transfer encoding named.
fn encode(body: &[u8], encoding: &str) -> Vec<u8> {
    match encoding.trim().to_ascii_lowercase().as_str() {
        "base64" => {
            const ALPHABET: &[u8] =
                b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
            let mut out = Vec::new();
            for (i, chunk) in body.chunks(3).enumerate() {
                if i > 0 && i % 19 == 0 {
                    out.push(b'\n');
                }
                let n = chunk.iter().fold(0u32, |n, &b| n << 8 | u32::from(b))
                    << (8 * (3 - chunk.len()));
                for j in 0..4 {
                    out.push(if j <= chunk.len() {
                        ALPHABET[(n >> (18 - 6 * j) & 63) as usize]
                    } else {
                        b'='
                    });
                }
            }
            out.push(b'\n');
            out
        }
        "quoted-printable" => {
            let mut out = Vec::new();
            let mut column = 0;
            for &b in body {
                if b == b'\n' {
                    out.push(b'\n');
                    column = 0;
                    continue;
                }
                if column > 70 {
                    out.extend_from_slice(b"=\n");
                    column = 0;
                }
                if b == b'=' || !(0x20..0x7f).contains(&b) {
                    out.extend_from_slice(format!("={b:02X}").as_bytes());
                    column += 3;
                } else {
                    out.push(b);
                    column += 1;
                }
            }
            out
        }
        _ => body.to_vec(),
    }
}

/// Headers of a report (the copy), then its body.
fn report(d: &mut Dice) -> Vec<u8> {
    let mut m = Vec::new();
    if d.chance(80) {
        m.extend_from_slice(
            b"Received: by web1.example.org (Postfix, from userid 0)\n\tid 6DBB884B09; Wed,  2 Mar 2011 16:12:06 +0000 (GMT)\n",
        );
    }
    if d.chance(30) {
        m.extend_from_slice(b"Received: from web1 (localhost [127.0.0.1])\n  by web1.example.org with ESMTP; Wed, 2 Mar 2011 16:12:05 +0000\n");
    }
    let subject = d.pick(SUBJECTS);
    if !subject.is_empty() {
        m.extend_from_slice(format!("Subject: {subject}\n").as_bytes());
    }
    if d.chance(70) {
        m.extend_from_slice(b"From: Fail2Ban <fail2ban@mail.com>\nTo: you@mail.com\n");
    }
    if d.chance(60) {
        m.extend_from_slice(
            d.pick(&[
                "Date: Wed,  2 Mar 2011 16:12:06 +0000 (GMT)\n",
                "Date: 1 Mar 2011 08:53:54 -0000\n",
                "Date: nonsense\n",
            ])
            .as_bytes(),
        );
    }
    if d.chance(60) {
        m.extend_from_slice(b"Message-Id: <20110302161206.6DBB884B09@web1.example.org>\n");
    }
    let encoding = d.pick(ENCODINGS);
    if d.chance(50) {
        let charset = d.pick(CHARSETS);
        m.extend_from_slice(format!("Content-Type: text/plain{charset}\n").as_bytes());
    }
    if !encoding.is_empty() {
        m.extend_from_slice(format!("Content-Transfer-Encoding: {encoding}\n").as_bytes());
    }
    m.push(b'\n');
    let mut body: Vec<u8> = d.pick(BODIES).as_bytes().to_vec();
    if d.chance(30) {
        // Latin-1, as whois output often is.
        body.extend_from_slice(b"address: Rua Lauro M\xfcller, 116\n");
    }
    m.extend(encode(&body, encoding));
    m
}

/// A bounce of one of the shapes MTAs write, carrying `copy`.
fn bounce(d: &mut Dice, copy: &[u8]) -> Vec<u8> {
    let mut m = Vec::new();
    m.extend_from_slice(b"Return-Path: <>\nReceived: from web1.example.org (web1.example.org [198.51.100.2])\n\tby mx01.mail.com (8.13.8/8.13.8) with ESMTP id p22GCDOl075820\n\tfor <fail2ban@mail.com>; Wed, 2 Mar 2011 11:12:13 -0500\n");
    m.extend_from_slice(b"From: MAILER-DAEMON@web1.example.org (Mail Delivery System)\nTo: fail2ban@mail.com\nDate: Wed,  2 Mar 2011 16:12:13 +0000 (GMT)\n");
    m.extend_from_slice(
        d.pick(&[
            "Subject: Undelivered Mail Returned to Sender\n",
            "Subject: Delayed Mail (still being retried)\n",
            "Subject: failure notice\n",
            "",
        ])
        .as_bytes(),
    );
    match d.roll(4) {
        // Inline copies: qmail, Exim, old Sendmail; quoted or indented.
        0 | 1 => {
            m.push(b'\n');
            m.extend_from_slice(d.pick(&[
                "Hi. This is the qmail-send program at web1.example.org.\n\n--- Below this line is a copy of the message.\n\n",
                "This message was created automatically by mail delivery software.\n\n------ This is a copy of the message, including all the headers. ------\n\n",
                "   ----- Unsent message follows -----\n",
                "The message has not yet been delivered.\n\n",
            ]).as_bytes());
            let quote = d.pick(&["", "", "> ", "   "]);
            for line in copy.split_inclusive(|&b| b == b'\n') {
                m.extend_from_slice(quote.as_bytes());
                m.extend_from_slice(line);
            }
        }
        // RFC 3464 DSNs.
        _ => {
            let boundary = d.pick(&[
                "6DBB884B09.1299082326/web1.example.org",
                "=_courier_0",
                "9B095B5ADSN=_01CB6907BA69C7A2EXCH03",
                "b",
            ]);
            let quoted = d.chance(70);
            m.extend_from_slice(b"MIME-Version: 1.0\n");
            if quoted {
                m.extend_from_slice(format!("Content-Type: multipart/report; report-type=delivery-status;\n\tboundary=\"{boundary}\"\n").as_bytes());
            } else {
                m.extend_from_slice(
                    format!("Content-Type: Multipart/Mixed; boundary={boundary}\n").as_bytes(),
                );
            }
            if d.chance(30) {
                m.extend_from_slice(b"Content-Transfer-Encoding: 8bit\n");
            }
            m.extend_from_slice(b"\nThis is a MIME-encapsulated message.\n\n");
            m.extend_from_slice(format!("--{boundary}\n").as_bytes());
            if d.chance(60) {
                m.extend_from_slice(b"Content-Description: Notification\nContent-Type: text/plain; charset=us-ascii\n");
            }
            m.extend_from_slice(
                b"\nThis is the mail system at host web1.example.org.\n\nI'm sorry.\n\n",
            );
            m.extend_from_slice(format!("--{boundary}\n").as_bytes());
            m.extend_from_slice(b"Content-Type: message/delivery-status\n\nReporting-MTA: dns; web1.example.org\n\nFinal-Recipient: rfc822; you@mail.com\n");
            m.extend_from_slice(
                d.pick(&["Action: failed\n", "Action: delayed\n", "ACTION: Delayed\n"])
                    .as_bytes(),
            );
            m.extend_from_slice(format!("\n--{boundary}\n").as_bytes());
            match d.roll(4) {
                0 => {
                    m.extend_from_slice(b"Content-Type: text/rfc822-headers\n\n");
                    let end = copy
                        .windows(2)
                        .position(|w| w == b"\n\n")
                        .map_or(copy.len(), |i| i + 1);
                    m.extend_from_slice(&copy[..end]);
                }
                1 => {
                    m.extend_from_slice(b"Content-Type: application/octet-stream\nContent-Transfer-Encoding: base64\n\n");
                    m.extend(encode(copy, "base64"));
                }
                _ => {
                    m.extend_from_slice(b"Content-Type: message/rfc822\n");
                    if d.chance(20) {
                        m.extend_from_slice(b"Content-Transfer-Encoding: 7bit\n");
                    }
                    m.push(b'\n');
                    m.extend_from_slice(copy);
                }
            }
            if d.chance(85) {
                m.extend_from_slice(format!("\n--{boundary}--\n").as_bytes());
            }
            if d.chance(20) {
                m.extend_from_slice(b"epilogue\n");
            }
        }
    }
    m
}

/// Mangled variants of a message: cut short, a line dropped or doubled, CRLF.
fn mangled(d: &mut Dice, bytes: &[u8]) -> Vec<Vec<u8>> {
    let mut out = vec![bytes.to_vec()];
    let lines: Vec<&[u8]> = bytes.split_inclusive(|&b| b == b'\n').collect();
    for _ in 0..3 {
        if !bytes.is_empty() {
            out.push(bytes[..d.roll(bytes.len())].to_vec());
        }
        if !lines.is_empty() {
            let (i, double) = (d.roll(lines.len()), d.chance(50));
            let mut v = Vec::new();
            for (j, line) in lines.iter().enumerate() {
                if j != i || double {
                    v.extend_from_slice(line);
                }
                if j == i && double {
                    v.extend_from_slice(line);
                }
            }
            out.push(v);
        }
    }
    // Blanks or junk after the delimiters (`--b  `, `--bx`).
    for tail in [&b" \t"[..], b"x"] {
        let mut v = Vec::new();
        for line in &lines {
            if line.starts_with(b"--") && line.ends_with(b"\n") && d.chance(50) {
                v.extend_from_slice(&line[..line.len() - 1]);
                v.extend_from_slice(tail);
                v.push(b'\n');
            } else {
                v.extend_from_slice(line);
            }
        }
        out.push(v);
    }
    out.push(common::crlf(bytes));
    out
}

#[test]
fn fixtures_give_the_same_with_and_without_the_fast_path() {
    let mut d = Dice(7);
    let (mut read, mut fast) = (0, 0);
    for dir in ["tests/fixtures", "tests/regressions"] {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join(dir);
        let mut names: Vec<_> = fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().path())
            .collect();
        names.sort();
        for path in names {
            let name = path.file_name().unwrap().to_string_lossy().into_owned();
            if !(name.ends_with(".eml") || name.ends_with(".mbox")) {
                continue;
            }
            let bytes = fs::read(&path).unwrap();
            // An mbox fixture is compared message by message.
            let messages = if name.ends_with(".mbox") {
                split_mbox(&bytes)
            } else {
                vec![bytes]
            };
            for message in messages {
                for variant in mangled(&mut d, &message) {
                    read += 1;
                    fast += usize::from(same_either_way(&variant, &name));
                }
            }
        }
    }
    assert!(fast * 2 > read, "the fast path read only {fast} of {read}");
}

fn split_mbox(bytes: &[u8]) -> Vec<Vec<u8>> {
    let mut out: Vec<Vec<u8>> = Vec::new();
    for line in bytes.split_inclusive(|&b| b == b'\n') {
        if line.starts_with(b"From ") {
            out.push(Vec::new());
        } else if let Some(last) = out.last_mut() {
            last.extend_from_slice(line);
        }
    }
    out
}

#[test]
fn generated_mail_gives_the_same_with_and_without_the_fast_path() {
    let mut d = Dice(2011);
    let (mut read, mut fast) = (0, 0);
    for i in 0..400 {
        let copy = report(&mut d);
        let message = match i % 5 {
            0 => copy,
            _ => bounce(&mut d, &copy),
        };
        for variant in mangled(&mut d, &message) {
            read += 1;
            fast += usize::from(same_either_way(&variant, &format!("generated #{i}")));
        }
    }
    assert!(fast * 2 > read, "the fast path read only {fast} of {read}");
}
