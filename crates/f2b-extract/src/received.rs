//! `Received:` headers: who handed the message to whom, and when.

use std::borrow::Cow;
use std::net::IpAddr;

use crate::time::{self, LocalTime};
use crate::{net, phrases};

/// One folded `Received:` value, read part by part as asked: most hops
/// need only some of them.
#[derive(Debug, Clone, Copy)]
pub struct Hop<'a> {
    /// The value up to its last `;` (the date is after it).
    clauses: &'a str,
    /// Where `by` starts (outside comments).
    by: Option<usize>,
    /// Where `from` starts (outside comments).
    from: Option<usize>,
}

// Signs of a mailbox fetch ("with pop3" and "with imap4" are covered by
// "with pop" and "with imap").
phrases!(FETCH, ["fetchmail", "getmail", "with pop", "with imap"]);

impl<'a> Hop<'a> {
    /// Finds the clauses of a `Received:` value.
    pub fn new(value: &'a str) -> Hop<'a> {
        let clauses = memchr::memrchr(b';', value.as_bytes()).map_or(value, |i| &value[..i]);
        let [by, from] = keywords_outside_comments(clauses, ["by", "from"]);
        Hop { clauses, by, from }
    }

    /// The address of the sending machine as the receiving one saw it
    /// (`from HOST (RDNS [IP])`, `from [IP]`, qmail's `from HOST (IP)`).
    pub fn from_ip(&self) -> Option<IpAddr> {
        let start = self.from?;
        let end = self.by.filter(|&b| b > start).unwrap_or(self.clauses.len());
        let part = &self.clauses[start..end];
        // Most often the first `[IP]` is the comment's (`(RDNS [IP])`): no
        // need to look further.
        let first = bracketed_ip(part);
        if let Some((at, ip)) = first {
            let before = &part[..at];
            let open = memchr::memchr_iter(b'(', before.as_bytes()).count();
            let closed = memchr::memchr_iter(b')', before.as_bytes()).count();
            if open > closed && !names_helo(before) {
                return Some(ip);
            }
        }
        comment_ip(part)
            .or(first.map(|(_, ip)| ip))
            .or_else(|| net::first_ip(part))
    }

    /// The sending machine's own name when it handed the message over from
    /// a public address: the name it gave itself, qualified (not
    /// `localhost`, not an address). That is the HELO name of Exim's
    /// `([IP] helo=NAME)` and of qmail's and CommuniGate's `(HELO NAME)`
    /// when the hop has one (their first word is the reverse-DNS name, an
    /// address or `unknown`), else `from HOST` (Postfix's and Sendmail's
    /// first word is the HELO name).
    pub fn public_sender(&self) -> Option<String> {
        let ip = self.from_ip()?;
        if net::scope(ip) != net::Scope::Public {
            return None;
        }
        let qualified =
            |name: String| (name.contains('.') && !name.starts_with("localhost")).then_some(name);
        helo_name(self.sender_clause()?)
            .and_then(qualified)
            .or_else(|| self.from_name().and_then(qualified))
    }

    /// The name the sending machine gave itself: `from HOST` outside
    /// comments, when it is a host name.
    pub fn from_name(&self) -> Option<String> {
        first_word_outside_comments(self.sender_clause()?).and_then(|w| net::host_name(&w))
    }

    /// The `from` clause after its keyword, up to `by` (or the date).
    fn sender_clause(&self) -> Option<&'a str> {
        let start = self.from?;
        let end = self.by.filter(|&b| b > start).unwrap_or(self.clauses.len());
        self.clauses.get(start + 4..end)
    }

    /// The receiving machine: `by HOST` outside comments.
    pub fn by_host(&self) -> Option<String> {
        let start = self.by?;
        first_word_outside_comments(&self.clauses[start + 2..]).and_then(|w| net::host_name(&w))
    }

    /// A mailbox fetch (fetchmail, getmail; `with POP3`/`IMAP`), not a
    /// hand-over from the sending side: its `from` names the mail provider.
    pub fn fetch(&self) -> bool {
        FETCH.any(self.clauses)
    }
}

/// The sender's address as a comment of the `from` clause gives it: the
/// `(RDNS [IP])` of Sendmail, Postfix and Exchange, Exim's `([IP] helo=…)`,
/// qmail's `(IP)`. It comes before a bracketed address outside the
/// comments, which is the HELO name when the sender gave an address literal
/// (`from [192.168.1.5] (p5DE8.dip.t-dialin.net [93.232.161.178])`). An
/// address given as the HELO name inside a comment (`helo=[IP]`, qmail's
/// `(HELO [IP])`) is not the sender's.
fn comment_ip(text: &str) -> Option<IpAddr> {
    let mut depth = 0usize;
    let mut start = 0;
    for (i, b) in text.bytes().enumerate() {
        match b {
            b'(' => {
                if depth == 0 {
                    start = i + 1;
                }
                depth += 1;
            }
            b')' if depth > 0 => {
                depth -= 1;
                if depth == 0 {
                    if let Some(ip) = ip_in_comment(&text[start..i]) {
                        return Some(ip);
                    }
                }
            }
            _ => {}
        }
    }
    None
}

/// The host name given in a `helo=NAME` or `HELO NAME` of a `from` clause's
/// comments (not an address literal).
fn helo_name(part: &str) -> Option<String> {
    let bytes = part.as_bytes();
    let mut from = 0;
    while let Some(found) = crate::bounce::find_ascii_ci(&part[from..], "helo") {
        let at = from + found;
        from = at + 4;
        if at > 0 && bytes[at - 1].is_ascii_alphanumeric() {
            continue;
        }
        let Some(rest) = part[from..]
            .strip_prefix('=')
            .or_else(|| part[from..].strip_prefix(' '))
        else {
            continue;
        };
        let word = rest
            .trim_start()
            .split(|c: char| c.is_whitespace() || c == ')')
            .next()
            .unwrap_or("");
        if net::parse_ip(word).is_none() {
            return net::host_name(word);
        }
    }
    None
}

/// The first address in a comment that is not a HELO name; an address
/// after a login (qmail's `(user@domain@IP)`, an authenticated relay's
/// `(user@IP with login)`) is the sender's.
fn ip_in_comment(comment: &str) -> Option<IpAddr> {
    // `helo=[IP]` is never an address word (see `may_be_an_address`); an
    // address after `HELO ` is the name the sender gave.
    comment
        .split_whitespace()
        .map(|word| word.rsplit_once('@').map_or(word, |(_, after)| after))
        .filter(|word| may_be_an_address(word))
        .filter(|word| {
            let at = word.as_ptr() as usize - comment.as_ptr() as usize;
            !names_helo(&comment[..at])
        })
        .find_map(net::parse_ip)
}

/// Whether `word` can be an address, as [`net::parse_ip`] reads one: hex
/// digits, dots and colons between brackets, or an `IPv6:` literal (most
/// words of a comment are host names, not worth parsing).
fn may_be_an_address(word: &str) -> bool {
    let core = word.trim_matches(|c| matches!(c, '[' | ']' | '(' | ')' | '<' | '>' | ',' | ';'));
    core.len() >= 2
        && (core
            .bytes()
            .all(|b| b.is_ascii_hexdigit() || b == b'.' || b == b':' || b == b'%')
            || core
                .get(..5)
                .is_some_and(|p| p.eq_ignore_ascii_case("ipv6:")))
}

/// True when `before` ends by naming a HELO (`helo=`, `HELO `): what comes
/// next is the name the sender gave, not its address.
fn names_helo(before: &str) -> bool {
    let ends = |s: &str, w: &str| {
        s.len() >= w.len() && s.as_bytes()[s.len() - w.len()..].eq_ignore_ascii_case(w.as_bytes())
    };
    ends(before, "helo=") || ends(before.trim_end(), "helo")
}

/// The first `[IP]` in `text`, with where its `[` is.
fn bracketed_ip(text: &str) -> Option<(usize, IpAddr)> {
    let mut from = 0;
    while let Some(open) = text[from..].find('[') {
        let at = from + open;
        let after = &text[at + 1..];
        let close = after.find(']')?;
        if let Some(ip) = net::parse_ip(&after[..close]) {
            return Some((at, ip));
        }
        from = at + 1 + close;
    }
    None
}

/// The date after the last `;` of a `Received:` value.
pub fn date(value: &str) -> Option<LocalTime> {
    time::parse(&value[value.rfind(';')? + 1..])
}

/// Byte offsets of the first of each whole-word keyword that is not inside
/// a `( … )` comment.
fn keywords_outside_comments<const N: usize>(text: &str, words: [&str; N]) -> [Option<usize>; N] {
    let bytes = text.as_bytes();
    let mut found = [None; N];
    let mut depth = 0usize;
    for (i, &b) in bytes.iter().enumerate() {
        match b {
            b'(' => depth += 1,
            b')' => depth = depth.saturating_sub(1),
            _ if depth == 0 && (i == 0 || bytes[i - 1].is_ascii_whitespace()) => {
                for (word, slot) in words.iter().zip(found.iter_mut()) {
                    let end = i + word.len();
                    if slot.is_none()
                        && end <= bytes.len()
                        && bytes[i..end].eq_ignore_ascii_case(word.as_bytes())
                        && (end == bytes.len() || bytes[end].is_ascii_whitespace())
                    {
                        *slot = Some(i);
                    }
                }
                if found.iter().all(Option::is_some) {
                    break;
                }
            }
            _ => {}
        }
    }
    found
}

/// The first white-space separated word of `text` once its `( … )` comments
/// are taken out (a word broken by a comment is joined up).
fn first_word_outside_comments(text: &str) -> Option<Cow<'_, str>> {
    let mut depth = 0usize;
    // The word so far: where it starts and ends, and whether a comment is inside it.
    let mut word: Option<(usize, usize)> = None;
    let mut broken = false;
    for (i, c) in text.char_indices() {
        match c {
            '(' => depth += 1,
            ')' => depth = depth.saturating_sub(1),
            _ if depth > 0 => {}
            c if c.is_whitespace() => {
                if word.is_some() {
                    break;
                }
                continue;
            }
            c => {
                match &mut word {
                    None => word = Some((i, i + c.len_utf8())),
                    Some((_, end)) => {
                        broken |= *end != i;
                        *end = i + c.len_utf8();
                    }
                }
                continue;
            }
        }
    }
    let (start, end) = word?;
    if !broken {
        return Some(Cow::Borrowed(&text[start..end]));
    }
    // Rare: rebuild the word without its comments.
    let mut out = String::new();
    let mut depth = 0usize;
    for c in text[start..end].chars() {
        match c {
            '(' => depth += 1,
            ')' => depth = depth.saturating_sub(1),
            _ if depth == 0 => out.push(c),
            _ => {}
        }
    }
    Some(Cow::Owned(out))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> Option<IpAddr> {
        Some(s.parse().unwrap())
    }

    #[test]
    fn provider_header_names_the_sender_address() {
        let r = Hop::new("from debian.localdomain (unknown [78.31.16.119]) by mx03.mail.com (8.13.8/8.13.8) with ESMTP id p22GCDOl075820 for <fail2ban@mail.com>; Wed, 2 Mar 2011 11:12:13 -0500");
        assert_eq!(r.from_ip(), ip("78.31.16.119"));
        assert_eq!(r.by_host().as_deref(), Some("mx03.mail.com"));
        assert!(date("from a by b; Wed, 2 Mar 2011 11:12:13 -0500").is_some());
    }

    #[test]
    fn local_submission_headers_name_the_server() {
        let r = Hop::new("by debian.localdomain (Postfix, from userid 0) id 6DBB884B09; Wed,  2 Mar 2011 16:12:06 +0000 (GMT)");
        assert_eq!(
            (r.from_ip(), r.by_host().as_deref()),
            (None, Some("debian.localdomain"))
        );
        let r = Hop::new("from root by ns2.zental.org with local (Exim 4.72) (envelope-from <fail2ban@mail.com>) id 1PurRO-0001rL-Hn for you@mail.com; Wed, 02 Mar 2011 20:10:30 +0100");
        assert_eq!(
            (r.from_ip(), r.by_host().as_deref()),
            (None, Some("ns2.zental.org"))
        );
        let r = Hop::new("(qmail 14425 invoked by uid 0); 1 Mar 2011 08:53:54 -0000");
        assert_eq!((r.from_ip(), r.by_host()), (None, None));
        let r = Hop::new("(from root@localhost) by web1.example.org (8.14.3/8.14.3/Submit) id p2; Wed, 2 Mar 2011 16:12:06 +0000");
        assert_eq!(r.by_host().as_deref(), Some("web1.example.org"));
    }

    #[test]
    fn other_from_shapes() {
        assert_eq!(
            Hop::new("from [203.0.113.5] (port=1234 helo=web1) by mx.example.net").from_ip(),
            ip("203.0.113.5")
        );
        assert_eq!(
            Hop::new("from unknown (HELO web1) (203.0.113.6) by mx.example.net with SMTP")
                .from_ip(),
            ip("203.0.113.6")
        );
        assert_eq!(
            Hop::new("from web1 (web1 [IPv6:2001:db8::5]) by mx.example.net").from_ip(),
            ip("2001:db8::5")
        );
        assert_eq!(
            Hop::new("from localhost (localhost [127.0.0.1]) by h.example.org").from_ip(),
            ip("127.0.0.1")
        );
        // An address literal as the HELO name: the address is in the comment.
        assert_eq!(
            Hop::new("from [192.168.178.20] (p5DE8A1B2.dip.t-dialin.net [93.232.161.178]) by mrelayeu.kundenserver.de (node=mrbap2) with ESMTP").from_ip(),
            ip("93.232.161.178")
        );
        assert_eq!(
            Hop::new("from unknown (HELO [10.0.0.2]) (189.27.140.201) by smtp.example-isp.com.br with SMTP").from_ip(),
            ip("189.27.140.201")
        );
        assert_eq!(
            Hop::new("from [10.0.0.5] (helo=[10.0.0.5]) by mx.example.net with esmtp (Exim 4.69)")
                .from_ip(),
            ip("10.0.0.5")
        );
        assert_eq!(
            Hop::new("from mail.example.com ([198.51.100.7] helo=[10.1.1.1]) by mx.example.net")
                .from_ip(),
            ip("198.51.100.7")
        );
        assert_eq!(
            Hop::new("from web1 (user@rdns.example.net [198.51.100.8] (may be forged)) by mx.example.net").from_ip(),
            ip("198.51.100.8")
        );
        // A login before the address: qmail-smtpd's `(user@domain@IP)`, an
        // authenticated relay's `(user@IP with login)`.
        assert_eq!(
            Hop::new("from unknown (HELO vps1.example-hosting.de) (fail2ban@mail.com@85.214.120.9) by relay.example-hosting.de with SMTP").from_ip(),
            ip("85.214.120.9")
        );
        assert_eq!(
            Hop::new("from web1.example.com (fail2ban@74.54.12.34 with login) by smtp101.biz.mail.example.com with SMTP").from_ip(),
            ip("74.54.12.34")
        );
        // The name a sender gave itself, when it handed over from a public address.
        let sender = |h: &str| Hop::new(h).public_sender();
        // Exim's, qmail's and CommuniGate's HELO name in a comment comes
        // before their first word (reverse DNS, an address, `unknown`).
        assert_eq!(
            sender("from static.88-198-71-7.clients.your-server.de ([88.198.71.7] helo=web1.example.de) by mail.your-server.de with esmtpsa (Exim 4.80)").as_deref(),
            Some("web1.example.de")
        );
        assert_eq!(
            sender("from unknown (HELO vps1235.example-hosting.de) (85.214.120.11) by relay.example-hosting.de with SMTP").as_deref(),
            Some("vps1235.example-hosting.de")
        );
        assert_eq!(
            sender("from [188.120.230.17] (HELO web1.example.ru) by mail.example.ru (CommuniGate Pro SMTP 5.4.2)").as_deref(),
            Some("web1.example.ru")
        );
        // An address literal or a bare word as the HELO: the first word, if qualified.
        assert_eq!(
            sender("from web1.example.org ([85.214.12.34] helo=[85.214.12.34]) by mx.example.net")
                .as_deref(),
            Some("web1.example.org")
        );
        assert_eq!(
            sender("from nas.example-family.de (p4FD2C3A1.dip.t-dialin.net [79.210.195.161]) by mrelayeu.kundenserver.de").as_deref(),
            Some("nas.example-family.de")
        );
        assert_eq!(
            sender("from localhost (localhost [127.0.0.1]) by h.example.org"),
            None
        );
        assert_eq!(
            sender("from web1 (web1 [198.51.100.8]) by mx.example.net"),
            None
        );
        assert_eq!(
            sender("from [192.168.1.5] (rdns.example.net [198.51.100.8]) by mx.example.net"),
            None
        );
        assert_eq!(
            sender("from nas.example.de (nas [192.168.1.5]) by mx.example.net"),
            None
        );
        assert_eq!(sender("by web1.example.org (Postfix, from userid 0)"), None);
        let fetched = Hop::new("from pop.mail.com [74.208.5.20] by localhost with POP3 (fetchmail-6.3.21) for <c@localhost> (single-drop); Thu,  6 Jun 2013 06:21:17 +0200 (CEST)");
        assert!(fetched.fetch());
    }
}
