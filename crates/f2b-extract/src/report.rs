//! Report recognition: is this a Fail2Ban report, which kind, what does it say?
//!
//! The stable anchors across Fail2Ban 0.8 – 1.x and customised templates are
//! the subject tag `[Fail2Ban]` and the body sentences ("has just been banned
//! by Fail2Ban after N attempts against NAME", "These hosts have been banned
//! by Fail2Ban", "The jail NAME has been started/stopped"). Either is enough;
//! a headers-only copy is read from its subject alone.

use std::net::IpAddr;

use crate::bounce::{find_ascii_ci, fold, rfind_ascii_ci, Layer};
use crate::time::{self, LocalTime};
use crate::{net, phrases};

/// The kind of Fail2Ban message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// One ban.
    Ban,
    /// A `*-buffered` summary of several bans.
    Summary,
    /// A jail started notice.
    Started,
    /// A jail stopped notice.
    Stopped,
    /// An unban notice (a customised `actionunban` that sends mail): not a
    /// ban.
    Unbanned,
}

/// One ban a report states.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ban {
    /// The banned address, canonical.
    pub ip: IpAddr,
    /// "after N attempts" / "(N failures)".
    pub failures: Option<u32>,
    /// The summary line's own `date` (buffered summaries only).
    pub when: Option<LocalTime>,
}

/// What a Fail2Ban message says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Report {
    /// Which kind of message.
    pub kind: Kind,
    /// The jail name exactly as given.
    pub jail: Option<String>,
    /// `from HOST` / `on HOST` of 0.9+ subjects.
    pub host: Option<String>,
    /// The bans (none for notices; none when no address could be read).
    pub bans: Vec<Ban>,
}

/// True when the layer's own headers say it is a Fail2Ban message (not a
/// bounce that carries one).
pub fn is_report(layer: &Layer) -> bool {
    let h = &layer.headers;
    before_tag(h.subject.as_deref()).is_some_and(|b| b.trim().is_empty())
        || h.from
            .as_deref()
            .is_some_and(|f| find_ascii_ci(f, "fail2ban").is_some())
}

/// What a subject has before its `[Fail2Ban]` tag (`""` for a report's own,
/// `Re: ` or `Undeliverable: ` for a message about one); `None` without the tag.
pub fn before_tag(subject: Option<&str>) -> Option<&str> {
    let subject = subject?;
    Some(&subject[..find_tag(subject)?.start])
}

/// The suffixes of Fail2Ban's own mailing lists' subject tags
/// (`[Fail2ban-users]`): list mail, not a report.
const LIST_NAMES: [&str; 6] = [
    "users", "devel", "commits", "announce", "discuss", "general",
];

/// Where the first `[Fail2Ban]` tag of `text` is, any case; also a
/// customised one that names the site (`[Fail2Ban-SenecaBookStore]`,
/// `[Fail2Ban web1]`: the tag's word, then `-`, `_`, `@`, `:` or a space and
/// at most 48 characters up to the `]`).
pub fn find_tag(text: &str) -> Option<std::ops::Range<usize>> {
    const WORD: &str = "[fail2ban";
    let mut from = 0;
    while let Some(found) = find_ascii_ci(&text[from..], WORD) {
        let start = from + found;
        let rest = &text[start + WORD.len()..];
        match rest.as_bytes().first() {
            Some(b']') => return Some(start..start + WORD.len() + 1),
            Some(b'-' | b'_' | b'@' | b':' | b' ') => {
                if let Some(close) = rest
                    .char_indices()
                    .take(49)
                    .find(|&(_, c)| c == ']' || c == '[')
                    .filter(|&(_, c)| c == ']')
                {
                    // Not the project's own mailing lists (`[Fail2ban-users]`).
                    let site = rest[1..close.0].trim();
                    if !LIST_NAMES.iter().any(|n| site.eq_ignore_ascii_case(n)) {
                        return Some(start..start + WORD.len() + close.0 + 1);
                    }
                }
            }
            _ => {}
        }
        from = start + WORD.len();
    }
    None
}

/// Reads a layer as a Fail2Ban message; `None` when it is not one.
pub fn recognize(layer: &Layer) -> Option<Report> {
    let subject = layer.headers.subject.as_deref().and_then(parse_subject);
    let mut body = None;
    for text in &layer.texts {
        body = parse_body(text);
        if body.is_some() {
            break;
        }
    }
    if subject.is_none() && body.is_none() {
        return None;
    }
    let s = subject.unwrap_or_default();
    let b = body.unwrap_or_default();
    // The body's sentence says what the message is; only an unban the
    // subject states ("[Fail2ban] sshd unbanned IP", its `: unbanned ` verb)
    // outweighs a ban sentence (customised unban mail reusing the ban's).
    let kind = match (s.kind, b.kind) {
        (Some(Kind::Unbanned), _) => Kind::Unbanned,
        (subject, body) => body.or(subject).unwrap_or(Kind::Ban),
    };
    // A customised subject's NAME with words before the jail ("ALERT!
    // sshd") gives way to the body's jail when it ends with it.
    let subject_jail = match (&s.jail, &b.jail) {
        (Some(sj), Some(bj)) if sj.contains(char::is_whitespace) && sj.ends_with(bj.as_str()) => {
            None
        }
        _ => s.jail,
    };
    let jail = subject_jail.or(b.jail).or(s.guessed_jail);
    let bans = match kind {
        Kind::Started | Kind::Stopped | Kind::Unbanned => Vec::new(),
        Kind::Summary => b.bans,
        Kind::Ban => match (b.bans.into_iter().next(), s.ip) {
            // A line before the sentence ("Fail2Ban at web1 (192.0.2.10)
            // reports:") may name another machine than the subject's address.
            (Some(ban), Some(ip)) if b.ip_before && s.verb_ip && ban.ip != ip => {
                vec![Ban { ip, ..ban }]
            }
            (Some(ban), _) => vec![ban],
            // The body's sentence names a host (`<ip-host>`), the subject the address.
            (None, Some(ip)) => vec![Ban {
                ip,
                failures: b.failures,
                when: None,
            }],
            (None, None) => Vec::new(),
        },
    };
    Some(Report {
        kind,
        jail,
        host: s.host,
        bans,
    })
}

#[derive(Debug, Default)]
struct SubjectInfo {
    kind: Option<Kind>,
    /// The jail of a standard subject (`NAME: banned IP`).
    jail: Option<String>,
    /// The text before the colon of a customised subject: a jail name or
    /// not (`[Fail2Ban] srv01.example.com: ssh ban of IP`).
    guessed_jail: Option<String>,
    ip: Option<IpAddr>,
    /// `ip` is the one after the `: banned ` verb (not the first address of
    /// a customised subject, which may be the server's).
    verb_ip: bool,
    host: Option<String>,
}

/// `[Fail2Ban] NAME: banned IP [from HOST]`, `NAME: summary [from HOST]`,
/// `NAME: started [on HOST]`, `NAME: stopped [on HOST]`, or a customised
/// subject after the tag that names an address.
fn parse_subject(subject: &str) -> Option<SubjectInfo> {
    let tag = find_tag(subject)?;
    let rest = subject[tag.end..].trim();
    let mut info = SubjectInfo::default();
    let verbs = [
        (": banned ", Some(Kind::Ban)),
        (": summary", Some(Kind::Summary)),
        (": started", Some(Kind::Started)),
        (": stopped", Some(Kind::Stopped)),
        (": unbanned ", Some(Kind::Unbanned)),
        (": unban ", Some(Kind::Unbanned)),
    ];
    for (verb, kind) in verbs {
        let Some(at) = rfind_ascii_ci(rest, verb) else {
            continue;
        };
        info.kind = kind;
        info.jail = Some(rest[..at].trim().to_string()).filter(|j| !j.is_empty());
        let tail = rest[at + verb.len()..].trim();
        let mut words = tail.split_whitespace();
        if kind == Some(Kind::Ban) {
            // The address; in a customised wording ("banned IP 1.2.3.4"),
            // the first one after the verb.
            info.ip = words
                .next()
                .and_then(net::parse_ip)
                .or_else(|| net::first_ip(tail));
            info.verb_ip = info.ip.is_some();
        }
        // The host after `from` or `on`: the first such word that is a host
        // name (not `(login from user@example.net)`), without the sentence's
        // punctuation after it.
        while let Some(word) = words.next() {
            if word.eq_ignore_ascii_case("from") || word.eq_ignore_ascii_case("on") {
                info.host = words
                    .next()
                    .map(|w| {
                        w.trim_end_matches([
                            '!', '?', ',', ';', ':', ')', '"', '\'', '\u{201c}', '\u{201d}',
                            '\u{bb}', '\u{300d}', '\u{300f}',
                        ])
                    })
                    .and_then(net::host_name);
                if info.host.is_some() {
                    break;
                }
            }
        }
        return Some(info);
    }
    // A customised subject: the first address after the tag, and maybe the
    // jail before a colon (or a host name: the body's jail comes first), or
    // the one word before "banned" (`[Fail2ban] sshd banned 1.2.3.4 on web1`).
    info.ip = net::first_ip(rest);
    if let Some((name, _)) = rest.split_once(':') {
        if !name.trim().is_empty() && net::first_ip(name).is_none() {
            info.guessed_jail = Some(name.trim().to_string());
        }
    } else if let Some(at) = find_ascii_ci(rest, " banned ") {
        let name = rest[..at].trim();
        if !name.is_empty() && !name.contains(char::is_whitespace) && net::first_ip(name).is_none()
        {
            info.guessed_jail = Some(name.to_string());
        }
    }
    // Its words may say it is not a ban: an unban ("sshd: 1.2.3.4 unbanned
    // on web1", "… entsperrt"), or, without an address, a jail started or
    // stopped in the server's language.
    // Words in parentheses are a remark ("gesperrt (wird nach 10 Minuten
    // freigegeben)"), not what the subject says.
    let mut depth = 0usize;
    let outside: String = rest
        .chars()
        .map(|c| {
            match c {
                '(' => depth += 1,
                ')' => depth = depth.saturating_sub(1),
                _ => {}
            }
            if depth > 0 {
                ' '
            } else {
                c
            }
        })
        .collect();
    let words: Vec<String> = outside
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
        .collect();
    let said = |list: &[&str]| words.iter().any(|w| list.contains(&w.as_str()));
    if said(&UNBAN_WORDS) && !said(&BAN_WORDS) {
        info.kind = Some(Kind::Unbanned);
    } else if info.ip.is_none() && said(&STARTED_WORDS) {
        info.kind = Some(Kind::Started);
    } else if info.ip.is_none() && said(&STOPPED_WORDS) {
        info.kind = Some(Kind::Stopped);
    }
    Some(info)
}

/// Words of a customised subject that make it a ban whatever else it says
/// ("blocked, unban in 10 min").
const BAN_WORDS: [&str; 14] = [
    "banned",
    "ban",
    "blocked",
    "gesperrt",
    "gebannt",
    "bloqué",
    "banni",
    "bloqueado",
    "baneado",
    "bloccato",
    "bannato",
    "zablokowany",
    "заблокирован",
    "забанен",
];

/// Words of a customised subject that make it an unban notice.
const UNBAN_WORDS: [&str; 16] = [
    "unbanned",
    "unban",
    "unbanning",
    "entsperrt",
    "freigegeben",
    "débanni",
    "débloqué",
    "desbloqueado",
    "desbaneado",
    "sbloccato",
    "sbannato",
    "odblokowany",
    "odbanowany",
    "разблокирован",
    "разбанен",
    "desbanido",
];

/// Words of a customised subject without an address that make it a jail
/// started notice (`sshd: gestartet auf web1`).
const STARTED_WORDS: [&str; 11] = [
    "started",
    "gestartet",
    "démarré",
    "demarre",
    "iniciado",
    "avviato",
    "uruchomiony",
    "gestart",
    "spuštěn",
    "запущен",
    "iniciada",
];

/// Words of a customised subject without an address that make it a jail
/// stopped notice.
const STOPPED_WORDS: [&str; 11] = [
    "stopped",
    "gestoppt",
    "angehalten",
    "arrêté",
    "detenido",
    "fermato",
    "arrestato",
    "zatrzymany",
    "gestopt",
    "zastaven",
    "остановлен",
];

#[derive(Debug, Default)]
struct BodyInfo {
    kind: Option<Kind>,
    jail: Option<String>,
    bans: Vec<Ban>,
    /// The failures of a ban sentence, also when it names no address.
    failures: Option<u32>,
    /// The address of `bans` is on the line before the sentence's anchor,
    /// not on its line: an address the subject names comes first.
    ip_before: bool,
}

phrases!(
    BODY_ANCHORS,
    [
        "have been banned by fail2ban",
        "unbanned by fail2ban",
        "banned by fail2ban",
        " has been started",
        " has been stopped",
    ]
);

// Customised actions seen in the wild, looked for only in Fail2Ban mail
// without a stock anchor (a second, small search: in the first, these
// common words slowed the search of every text): "Ban for IP has been
// issued by Fail2ban for jail NAME." and their unban mail, "… has been
// removed by Fail2ban …", "… has just been unbanned …", "… is no longer
// banned …".
phrases!(
    WILD_ANCHORS,
    [
        "has been issued by fail2ban",
        "has been removed by fail2ban",
        "has just been unbanned",
        "is no longer banned",
    ]
);

/// What a text of a Fail2Ban message says, from its anchor sentence; also
/// when a mail program or a person re-wrapped the sentence inside its
/// anchor ("banned by⏎Fail2Ban", "banned by⏎> Fail2Ban").
fn parse_body(text: &str) -> Option<BodyInfo> {
    // Where "Fail2Ban" first is, looked for once: the customised anchors and
    // the re-wrapped ones are only looked for in a text that names it.
    let named = find_ascii_ci(text, "fail2ban");
    parse_anchored(text, named.is_some())
        .or_else(|| parse_anchored(&unwrap_anchors(text, named?)?, true))
}

/// `text` with the line breaks (and the quotation marks after them) in the
/// three gaps before each "Fail2Ban" (the first at `first`) made single
/// spaces; `None` when there is no such line break.
fn unwrap_anchors(text: &str, first: usize) -> Option<String> {
    let bytes = text.as_bytes();
    let mut gaps = Vec::new();
    let mut from = first;
    while let Some(found) = find_ascii_ci(&text[from..], "fail2ban") {
        let mut i = from + found;
        from = i + "fail2ban".len();
        for _ in 0..3 {
            let gap_end = i;
            while i > 0 && (bytes[i - 1].is_ascii_whitespace() || bytes[i - 1] == b'>') {
                i -= 1;
            }
            let gap = &bytes[i..gap_end];
            if gap.is_empty() {
                break;
            }
            if gap.contains(&b'\n') {
                gaps.push(i..gap_end);
            }
            let word_end = i;
            while i > 0 && bytes[i - 1].is_ascii_alphabetic() {
                i -= 1;
            }
            if i == word_end {
                break;
            }
        }
    }
    if gaps.is_empty() {
        return None;
    }
    gaps.sort_by_key(|g| g.start);
    let mut out = String::with_capacity(text.len());
    let mut at = 0;
    for gap in gaps {
        if gap.start < at {
            continue;
        }
        out.push_str(&text[at..gap.start]);
        out.push(' ');
        at = gap.end;
    }
    out.push_str(&text[at..]);
    Some(out)
}

/// [`parse_body`] of `text` as it is; the customised anchors only when it
/// `names_fail2ban` (a forum's "your account is no longer banned" is not
/// a Fail2Ban message).
fn parse_anchored(text: &str, names_fail2ban: bool) -> Option<BodyInfo> {
    BODY_ANCHORS
        .find_map(text, |anchor, at| {
            let kind = match anchor {
                0 => return Some(parse_summary(text, at)),
                1 => return Some(unbanned()),
                2 => return Some(parse_ban(text, at)),
                3 => Kind::Started,
                _ => Kind::Stopped,
            };
            let line_start = text[..at].rfind('\n').map_or(0, |i| i + 1);
            let head = &text[line_start..at];
            let j = find_ascii_ci(head, "the jail ")?;
            let jail = head[j + 9..].trim();
            Some(BodyInfo {
                kind: Some(kind),
                jail: (!jail.is_empty()).then(|| jail.to_string()),
                ..BodyInfo::default()
            })
        })
        .or_else(|| {
            if !names_fail2ban {
                return None;
            }
            WILD_ANCHORS.find_map(text, |anchor, at| match anchor {
                // "Unban for IP has been issued by Fail2ban …" is an unban.
                0 if find_ascii_ci(&text[start_of_line(text, at)..at], "unban").is_some() => {
                    Some(unbanned())
                }
                0 => Some(parse_ban(text, at)),
                _ => Some(unbanned()),
            })
        })
}

/// What an unban notice's text says.
fn unbanned() -> BodyInfo {
    BodyInfo {
        kind: Some(Kind::Unbanned),
        ..BodyInfo::default()
    }
}

/// Words that end a jail name in a customised ban sentence.
const JAIL_ENDS: [&str; 7] = [" for ", " from ", " on ", " at ", " with ", " by ", " ("];

/// "The IP X has just been banned by Fail2Ban after N attempts against NAME."
fn parse_ban(text: &str, at: usize) -> BodyInfo {
    // The address is before the anchor, on its line or (a sentence wrapped
    // by a mail program) the one before.
    let line_start = start_of_line(text, at);
    let mut ip = net::ip_tokens(&text[line_start..at]).last();
    let mut ip_before = false;
    if ip.is_none() && line_start > 0 {
        let prev = start_of_line(text, line_start - 1);
        ip = net::ip_tokens(&text[prev..at]).last();
        ip_before = ip.is_some();
    }
    // The rest of the sentence runs over at most three lines (the stock
    // templates break it after "after").
    let end = memchr::memchr_iter(b'\n', &text.as_bytes()[at..])
        .nth(2)
        .map_or(text.len(), |i| at + i);
    let window = &text[at..end];
    let sentence = fold(window);
    // "after N attempts" (the stock templates break the line before N) or
    // "after N" on the anchor's own line, not "Unban after 600 seconds"; else
    // a customised "(N failures)" or "Failures: N" (the number on the line of
    // its word: not a "Bantime: 600" above it).
    let first_line = window.lines().next().unwrap_or("");
    let first_words = first_line.split_whitespace().count();
    let failures = after_attempts(&sentence, first_words)
        .or_else(|| window.lines().find_map(failures_on_line));
    let jail = jail_after(window, "against").or_else(|| jail_after(window, "jail"));
    BodyInfo {
        kind: Some(Kind::Ban),
        failures,
        jail: jail.filter(|j| !j.is_empty()),
        bans: ip
            .map(|ip| Ban {
                ip,
                failures,
                when: None,
            })
            .into_iter()
            .collect(),
        ip_before,
    }
}

/// The number after "after" in a folded ban sentence that is followed by
/// a word of attempts ("after 6 attempts", "after 3 failures", "after 5
/// tries"), or, for the first `first_words` words (the anchor's line), by
/// anything: the count, not a later "Unban after 600 seconds".
fn after_attempts(sentence: &str, first_words: usize) -> Option<u32> {
    const ATTEMPTS: [&str; 6] = ["attempt", "failure", "tries", "try", "fail", "retr"];
    let mut words = sentence.split_whitespace().enumerate();
    while let Some((i, w)) = words.next() {
        if !w.eq_ignore_ascii_case("after") {
            continue;
        }
        let mut ahead = words.clone().map(|(_, w)| w);
        let Some(n) = ahead.next().and_then(|w| w.parse::<u32>().ok()) else {
            continue;
        };
        let next = ahead.next().unwrap_or("");
        let attempts = ATTEMPTS.iter().any(|a| {
            next.as_bytes()
                .get(..a.len())
                .is_some_and(|start| start.eq_ignore_ascii_case(a.as_bytes()))
        });
        if i < first_words || attempts {
            return Some(n);
        }
    }
    None
}

/// The failures a line of a customised sentence states: `N failures`
/// (`(6 failures)`) or a `Failures: N` label.
fn failures_on_line(line: &str) -> Option<u32> {
    let line = line.trim();
    const LABEL: &str = "failures:";
    if let Some(value) = line
        .get(..LABEL.len())
        .filter(|label| label.eq_ignore_ascii_case(LABEL))
        .map(|_| line[LABEL.len()..].trim())
    {
        return value.parse().ok();
    }
    let before = &line[..find_ascii_ci(line, " failure")?];
    let digits = before.len() - before.bytes().rev().take_while(u8::is_ascii_digit).count();
    before[digits..].parse().ok()
}

/// The jail of a ban sentence: the name after `word` (`against NAME`, a
/// customised `for jail NAME`), which ends the sentence on its line: up to
/// ". ", the end of the line, or where a customised sentence goes on
/// ("against dovecot for user joe", "against SSH on host"). Never the lines
/// after it (a template without the full stop goes on with "Regards," or
/// the whois heading).
fn jail_after(window: &str, word: &str) -> Option<String> {
    let bytes = window.as_bytes();
    let mut from = 0;
    let after = loop {
        let i = from + find_ascii_ci(&window[from..], word)?;
        let end = i + word.len();
        let before_ok = i == 0 || bytes[i - 1].is_ascii_whitespace();
        let after_ok = bytes.get(end).is_some_and(u8::is_ascii_whitespace);
        if before_ok && after_ok {
            break &window[end..];
        }
        from = end;
    };
    // The name may start on the next line (a wrapped sentence), no further.
    let rest = after.trim_start_matches([' ', '\t']);
    let rest = rest
        .strip_prefix("\r\n")
        .or_else(|| rest.strip_prefix('\n'))
        .map_or(rest, |r| r.trim_start_matches([' ', '\t']));
    let line = &rest[..rest.find(['\r', '\n']).unwrap_or(rest.len())];
    let line = fold(line);
    let end = memchr::memchr_iter(b'.', line.as_bytes())
        .find(|&e| line.as_bytes().get(e + 1) == Some(&b' '))
        .unwrap_or(line.len());
    let name = &line[..end];
    let end = if name.contains(' ') {
        JAIL_ENDS
            .iter()
            .filter_map(|w| find_ascii_ci(name, w))
            .min()
            .unwrap_or(name.len())
    } else {
        name.len()
    };
    Some(name[..end].trim().trim_end_matches('.').trim().to_string())
}

/// Where the line of byte `at` starts: after the last line end before `at`.
fn start_of_line(text: &str, at: usize) -> usize {
    memchr::memrchr(b'\n', &text.as_bytes()[..at]).map_or(0, |i| i + 1)
}

/// "These hosts have been banned by Fail2Ban." then `` `date`: IP (N failures) `` lines.
fn parse_summary(text: &str, at: usize) -> BodyInfo {
    let mut bans = Vec::new();
    for line in text[at..].lines().skip(1) {
        let Some((date, rest)) = line.split_once(": ") else {
            continue;
        };
        let mut words = rest.split_whitespace();
        let Some(ip) = words.next().and_then(net::parse_ip) else {
            continue;
        };
        let failures = rest
            .split_once('(')
            .and_then(|(_, r)| r.split_whitespace().next())
            .and_then(|n| n.parse::<u32>().ok());
        bans.push(Ban {
            ip,
            failures,
            when: time::parse(date),
        });
    }
    BodyInfo {
        kind: Some(Kind::Summary),
        bans,
        ..BodyInfo::default()
    }
}

phrases!(
    EXTRAS,
    [
        "information about",
        "lines containing",
        // geoiplookup's "AS: AS4134 Chinanet" line; whois "country:" lines are not it.
        "\nAS: AS",
        // sendmail-geoip-lines' links, there also when geoiplookup printed nothing.
        "bgp.he.net/ip/",
        // The 0.9+ sendmail-whois-*matches actions' headings.
        "\nmatches:",
        "\nmatches with ",
        "\nmatches for ",
    ]
);

/// Which action family wrote a report's text: `sendmail*` actions write a
/// `From: Fail2Ban` header, `mail*` ones do not; the body tells whois, log
/// lines and geoip lines apart. `None` when only headers are left.
pub fn template(layer: &Layer, kind: Kind) -> Option<&'static str> {
    if !layer.has_body || layer.quoted {
        return None;
    }
    let from = layer.headers.from.as_deref();
    let sendmail = from.is_some_and(|f| find_ascii_ci(f, "fail2ban").is_some());
    let (mut whois, mut lines, mut geoip, mut matches) = (false, false, false, None);
    for text in &layer.texts {
        for (extra, _) in EXTRAS.all(text) {
            match extra {
                0 => whois = true,
                1 => lines = true,
                2 | 3 => geoip = true,
                4 => matches = Some("sendmail-whois-matches"),
                5 => matches = Some("sendmail-whois-ipmatches"),
                _ => matches = Some("sendmail-whois-ipjailmatches"),
            }
        }
    }
    if let (Some(matches), true, true, Kind::Ban) = (matches, sendmail, whois, kind) {
        return Some(matches);
    }
    Some(match (kind, sendmail, geoip, lines, whois) {
        (Kind::Summary, true, ..) => "sendmail-buffered",
        (Kind::Summary, false, ..) => "mail-buffered",
        (Kind::Started | Kind::Stopped, true, ..) => "sendmail",
        (Kind::Started | Kind::Stopped, false, ..) => "mail",
        (_, _, true, ..) => "sendmail-geoip-lines",
        (_, true, _, true, _) => "sendmail-whois-lines",
        (_, false, _, true, _) => "mail-whois-lines",
        (_, true, _, _, true) => "sendmail-whois",
        (_, false, _, _, true) => "mail-whois",
        (_, true, ..) => "sendmail",
        (_, false, ..) => "mail",
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bounce::Headers;

    fn layer<'a>(subject: Option<&str>, body: Option<&'a str>) -> Layer<'a> {
        Layer {
            headers: Headers {
                subject: subject.map(|s| s.to_string().into()),
                ..Headers::default()
            },
            texts: body.map(std::borrow::Cow::Borrowed).into_iter().collect(),
            has_body: body.is_some(),
            ..Layer::default()
        }
    }

    #[test]
    fn ban_sentence_gives_address_failures_and_jail() {
        let body = "Hi,\n\nThe IP 203.0.113.7 has just been banned by Fail2Ban after\n6 attempts against SSH,IPFW.\n\n\nRegards,\n";
        let r = recognize(&layer(
            Some("[Fail2Ban] SSH,IPFW: banned 203.0.113.7"),
            Some(body),
        ))
        .unwrap();
        assert_eq!(r.kind, Kind::Ban);
        assert_eq!(r.jail.as_deref(), Some("SSH,IPFW"));
        assert_eq!(
            r.bans,
            [Ban {
                ip: "203.0.113.7".parse().unwrap(),
                failures: Some(6),
                when: None
            }]
        );
    }

    #[test]
    fn subject_from_host_of_newer_versions() {
        let r = recognize(&layer(
            Some("[Fail2Ban] sshd: banned 2001:db8::7 from Web1.Example.org"),
            None,
        ))
        .unwrap();
        assert_eq!(r.host.as_deref(), Some("web1.example.org"));
        assert_eq!(r.bans[0].ip.to_string(), "2001:db8::7");
        assert_eq!(r.bans[0].failures, None);
        assert_eq!(r.jail.as_deref(), Some("sshd"));
    }

    #[test]
    fn buffered_summary_gives_one_ban_per_line() {
        let body = "Hi,\n\nThese hosts have been banned by Fail2Ban.\n\nMon Jul  4 12:34:56 CEST 2011: 203.0.113.7 (6 failures)\nMon Jul  4 13:00:00 CEST 2011: ::ffff:198.51.100.9 (3 failures)\nRegards,\n";
        let r = recognize(&layer(Some("[Fail2Ban] SSH: summary"), Some(body))).unwrap();
        assert_eq!(r.kind, Kind::Summary);
        assert_eq!(r.bans.len(), 2);
        assert_eq!(r.bans[1].ip.to_string(), "198.51.100.9");
        assert_eq!(r.bans[1].failures, Some(3));
        assert_eq!(
            f2b_core::time::format_rfc3339(r.bans[0].when.unwrap().to_utc(None).unwrap()),
            "2011-07-04T10:34:56Z"
        );
    }

    #[test]
    fn notices_are_not_bans() {
        let r = recognize(&layer(
            Some("[Fail2Ban] SSH: started"),
            Some("Hi,\n\nThe jail SSH has been started successfully.\n"),
        ))
        .unwrap();
        assert_eq!(
            (r.kind, r.bans.len(), r.jail.as_deref()),
            (Kind::Started, 0, Some("SSH"))
        );
        let r = recognize(&layer(
            Some("[Fail2Ban] sshd: stopped on h.example.org"),
            None,
        ))
        .unwrap();
        assert_eq!(
            (r.kind, r.host.as_deref()),
            (Kind::Stopped, Some("h.example.org"))
        );
        // Unban mail of a customised action: by its subject, by its body
        // ("unbanned by" holds "banned by"), or both.
        let subject = Some("[Fail2Ban] ssh-iptables: unbanned 61.153.110.5");
        let body = Some("Hi,\n\nThe IP 61.153.110.5 has just been unbanned by Fail2Ban.\n");
        for (subject, body) in [(subject, body), (None, body), (subject, None)] {
            let r = recognize(&layer(subject, body)).unwrap();
            assert_eq!(
                (r.kind, r.bans.len()),
                (Kind::Unbanned, 0),
                "{subject:?} {body:?}"
            );
        }
    }

    #[test]
    fn customised_template_keeps_the_anchors() {
        let r = recognize(&layer(
            Some("[Fail2Ban] Alerte: 192.0.2.44 bloquée"),
            Some("Bonjour"),
        ))
        .unwrap();
        assert_eq!(r.bans[0].ip.to_string(), "192.0.2.44");
        assert_eq!(r.jail.as_deref(), Some("Alerte"));
        let r = recognize(&layer(
            None,
            Some("L'IP 192.0.2.45 has just been banned by Fail2Ban against ssh."),
        ))
        .unwrap();
        assert_eq!(r.bans[0].ip.to_string(), "192.0.2.45");
        assert_eq!(r.jail.as_deref(), Some("ssh"));
        // What a customised subject has before its colon may be a host: the
        // body's jail comes first.
        let r = recognize(&layer(
            Some("[Fail2Ban] srv01.example.com: ssh-iptables ban of 192.0.2.46"),
            Some("The IP 192.0.2.46 has just been banned by Fail2Ban after 6 attempts against ssh-iptables."),
        ))
        .unwrap();
        assert_eq!(
            (r.bans[0].ip.to_string().as_str(), r.jail.as_deref()),
            ("192.0.2.46", Some("ssh-iptables"))
        );
        // "(N failures)" in a customised sentence.
        let r = recognize(&layer(
            None,
            Some(
                "The IP 192.0.2.48 has been banned by Fail2Ban (4 failures) in jail postfix-sasl.",
            ),
        ))
        .unwrap();
        assert_eq!(r.bans[0].failures, Some(4));
        // "banned IP 192.0.2.47": the first address after the verb.
        let r = recognize(&layer(Some("[Fail2Ban] sshd: banned IP 192.0.2.47"), None)).unwrap();
        assert_eq!(
            (r.bans[0].ip.to_string().as_str(), r.jail.as_deref()),
            ("192.0.2.47", Some("sshd"))
        );
    }

    #[test]
    fn other_mail_is_not_a_report() {
        assert_eq!(
            recognize(&layer(
                Some("Cron <root@x> fail2ban-client status"),
                Some("Banned IP list: 192.0.2.1")
            )),
            None
        );
    }

    #[test]
    fn customised_wordings_of_later_versions_and_admins() {
        // The sentence names the host (`<ip-host>`), the subject the address:
        // the failures are the sentence's all the same.
        let r = recognize(&layer(
            Some("[Fail2Ban] sshd: banned 192.0.2.50 from h.example.org"),
            Some("The host 50.2.0.192.example.net has just been banned by Fail2Ban after 6 attempts against sshd."),
        ))
        .unwrap();
        assert_eq!(
            (r.bans[0].ip.to_string().as_str(), r.bans[0].failures),
            ("192.0.2.50", Some(6))
        );
        // The host is the first word after `from`/`on` that is one, without
        // the sentence's punctuation.
        let r = recognize(&layer(
            Some("[Fail2Ban] sshd: banned 192.0.2.51 (login from info@example.net) on mx9.example.net"),
            None,
        ))
        .unwrap();
        assert_eq!(r.host.as_deref(), Some("mx9.example.net"));
        let r = recognize(&layer(
            Some("[Fail2Ban] sshd: banned 192.0.2.52 from srv3.example.net!"),
            None,
        ))
        .unwrap();
        assert_eq!(r.host.as_deref(), Some("srv3.example.net"));
        // `Unban` is a notice like `unbanned`.
        let r = recognize(&layer(
            Some("[Fail2Ban] sshd: Unban 192.0.2.53 on h.example.org"),
            Some("Hi,\n\n192.0.2.53 was released from jail sshd.\n"),
        ))
        .unwrap();
        assert_eq!((r.kind, r.bans.len()), (Kind::Unbanned, 0));
        // A customised sentence goes on after the jail.
        let r = recognize(&layer(
            None,
            Some("The IP 192.0.2.54 has just been banned by Fail2Ban after 3 attempts against dovecot for user info@example.co.uk."),
        ))
        .unwrap();
        assert_eq!(r.jail.as_deref(), Some("dovecot"));
        // Words before the jail in the subject's NAME give way to the body's jail.
        let r = recognize(&layer(
            Some("[Fail2Ban] ALERT! sshd: banned 192.0.2.55"),
            Some(
                "The IP 192.0.2.55 has just been banned by Fail2Ban after 6 attempts against sshd.",
            ),
        ))
        .unwrap();
        assert_eq!(r.jail.as_deref(), Some("sshd"));
        // A jail named with a space keeps its name when the body agrees.
        let r = recognize(&layer(
            Some("[Fail2Ban] ssh ddos: banned 192.0.2.56"),
            Some("The IP 192.0.2.56 has just been banned by Fail2Ban after 6 attempts against ssh ddos."),
        ))
        .unwrap();
        assert_eq!(r.jail.as_deref(), Some("ssh ddos"));
    }

    #[test]
    fn template_families_by_sender_and_body() {
        let ban =
            "The IP 192.0.2.60 has just been banned by Fail2Ban after 6 attempts against sshd.\n\n";
        let cases = [
            (None, "These hosts have been banned by Fail2Ban.\n\nx", Kind::Summary, "mail-buffered"),
            (Some("Fail2Ban <f@x>"), "These hosts have been banned by Fail2Ban.\n\nx", Kind::Summary, "sendmail-buffered"),
            (Some("Fail2Ban <f@x>"), "Here is more information about 192.0.2.60:\n\nhttp://bgp.he.net/ip/192.0.2.60\n\nCountry: \nAS:\n", Kind::Ban, "sendmail-geoip-lines"),
            (Some("Fail2Ban <f@x>"), "Here is more information about 192.0.2.60 :\n\nwhois\n\nMatches for sshd with 6 failures IP:192.0.2.60\nlog\n", Kind::Ban, "sendmail-whois-ipjailmatches"),
            (Some("Fail2Ban <f@x>"), "Here is more information about 192.0.2.60 :\n\nwhois\n\nMatches with 6 failures IP:192.0.2.60\nlog\n", Kind::Ban, "sendmail-whois-ipmatches"),
            (Some("Fail2Ban <f@x>"), "Here is more information about 192.0.2.60 :\n\nwhois\n\nMatches:\nlog\n", Kind::Ban, "sendmail-whois-matches"),
            (Some("Fail2Ban <f@x>"), "Here is more information about 192.0.2.60 :\n\nwhois\n", Kind::Ban, "sendmail-whois"),
            (None, "Here is more information about 192.0.2.60 :\n\nwhois\n", Kind::Ban, "mail-whois"),
        ];
        for (from, extra, kind, expected) in cases {
            let body = format!("{ban}{extra}");
            let mut l = layer(Some("[Fail2Ban] sshd: banned 192.0.2.60"), Some(&body));
            l.headers.from = from.map(|f: &str| f.to_string().into());
            assert_eq!(template(&l, kind), Some(expected), "{extra}");
        }
    }

    #[test]
    fn tagged_subject_without_address_is_a_report_without_bans() {
        let r = recognize(&layer(Some("[Fail2Ban] SSH: banned <ip>"), None)).unwrap();
        assert_eq!((r.kind, r.bans.len()), (Kind::Ban, 0));
    }
}
