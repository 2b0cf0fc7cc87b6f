//! The shape checks every released value passes.
//!
//! Nothing is copied from the input to the output as it came: each released
//! value is parsed into a small type (a date, a country code, an integer, a
//! service class) or, for the three free-text names (`region`, `city`,
//! `as_name`), checked against the rules of [`FreeText`]. A value that fails is
//! withheld (written as `null`) and counted.

use std::borrow::Cow;
use std::fmt;

use f2b_core::time::{civil_from_days, days_in_month, parse_rfc3339};

/// A released date: a day, or a month once k-anonymity generalised it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Date {
    /// `YYYY-MM-DD`.
    Day {
        /// Year, 0–9999.
        year: u16,
        /// Month, 1–12.
        month: u8,
        /// Day of the month, 1–31 (valid for the month).
        day: u8,
    },
    /// `YYYY-MM`.
    Month {
        /// Year, 0–9999.
        year: u16,
        /// Month, 1–12.
        month: u8,
    },
}

impl Date {
    /// The month this date falls in.
    pub fn to_month(self) -> Date {
        match self {
            Date::Day { year, month, .. } | Date::Month { year, month } => {
                Date::Month { year, month }
            }
        }
    }

    /// Appends the date as `YYYY-MM-DD` or `YYYY-MM`.
    pub fn write(self, out: &mut Vec<u8>) {
        let (year, month, day) = match self {
            Date::Day { year, month, day } => (year, month, Some(day)),
            Date::Month { year, month } => (year, month, None),
        };
        let y = year as usize;
        out.extend_from_slice(&[
            b'0' + (y / 1000 % 10) as u8,
            b'0' + (y / 100 % 10) as u8,
            b'0' + (y / 10 % 10) as u8,
            b'0' + (y % 10) as u8,
            b'-',
            b'0' + month / 10,
            b'0' + month % 10,
        ]);
        if let Some(day) = day {
            out.extend_from_slice(&[b'-', b'0' + day / 10, b'0' + day % 10]);
        }
    }
}

impl fmt::Display for Date {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut out = Vec::with_capacity(10);
        self.write(&mut out);
        f.write_str(std::str::from_utf8(&out).map_err(|_| fmt::Error)?)
    }
}

/// The UTC day and hour of a report, from its `ts`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Moment {
    /// The UTC day (always [`Date::Day`]).
    pub date: Date,
    /// The UTC hour, 0–23.
    pub hour: u8,
}

fn digits<const N: usize>(b: &[u8], at: usize) -> Option<u32> {
    let part = b.get(at..at + N)?;
    let mut n = 0u32;
    for &c in part {
        if !c.is_ascii_digit() {
            return None;
        }
        n = n * 10 + u32::from(c - b'0');
    }
    Some(n)
}

fn day(year: i64, month: u32, day: u32) -> Option<Date> {
    if !(0..=9999).contains(&year) || day == 0 || day > days_in_month(year, month) {
        return None;
    }
    Some(Date::Day {
        year: year as u16,
        month: month as u8,
        day: day as u8,
    })
}

/// Parses an RFC 3339 timestamp (`2011-07-04T10:34:58Z`, optionally with a
/// fraction of a second and a numeric offset; see
/// [`f2b_core::time::parse_rfc3339`]) into its UTC day and hour. Anything
/// else, including impossible dates and times, is `None`.
pub fn parse_ts(s: &str) -> Option<Moment> {
    let secs = parse_rfc3339(s)?;
    let (y, m, d) = civil_from_days(secs.div_euclid(86_400));
    Some(Moment {
        date: day(y, m, d)?,
        hour: (secs.rem_euclid(86_400) / 3600) as u8,
    })
}

/// Parses an already released date, `YYYY-MM-DD` or `YYYY-MM` (for input that
/// went through f2b-anon before and has no `ts`).
pub fn parse_date(s: &str) -> Option<Date> {
    let b = s.as_bytes();
    let year = digits::<4>(b, 0)?;
    let month = digits::<2>(b, 5)?;
    if b[4] != b'-' || !(1..=12).contains(&month) {
        return None;
    }
    match b.len() {
        7 => Some(Date::Month {
            year: year as u16,
            month: month as u8,
        }),
        10 if b[7] == b'-' => day(i64::from(year), month, digits::<2>(b, 8)?),
        _ => None,
    }
}

/// An ISO 3166-1 alpha-2 country code: exactly two ASCII capital letters.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Country([u8; 2]);

impl Country {
    /// Accepts exactly `^[A-Z]{2}$`.
    pub fn parse(s: &str) -> Option<Country> {
        match *s.as_bytes() {
            [a, b] if a.is_ascii_uppercase() && b.is_ascii_uppercase() => Some(Country([a, b])),
            _ => None,
        }
    }

    /// The code.
    pub fn as_str(&self) -> &str {
        // Two ASCII capitals are always UTF-8.
        std::str::from_utf8(&self.0).unwrap_or("")
    }
}

/// The service classes of SPEC §4.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Service {
    /// `ssh`
    Ssh,
    /// `ftp`
    Ftp,
    /// `smtp`
    Smtp,
    /// `imap-pop`
    ImapPop,
    /// `web`
    Web,
    /// `dns`
    Dns,
    /// `voip`
    Voip,
    /// `db`
    Db,
    /// `rdp-vnc`
    RdpVnc,
    /// `recidive`
    Recidive,
    /// `other`
    Other,
}

impl Service {
    /// Every class, in SPEC order.
    pub const ALL: [Service; 11] = [
        Service::Ssh,
        Service::Ftp,
        Service::Smtp,
        Service::ImapPop,
        Service::Web,
        Service::Dns,
        Service::Voip,
        Service::Db,
        Service::RdpVnc,
        Service::Recidive,
        Service::Other,
    ];

    /// The class named `s` (ASCII case-insensitive); anything else is `None`.
    pub fn parse(s: &str) -> Option<Service> {
        Service::ALL
            .into_iter()
            .find(|c| c.as_str().eq_ignore_ascii_case(s))
    }

    /// The class name as SPEC §4 writes it.
    pub fn as_str(self) -> &'static str {
        match self {
            Service::Ssh => "ssh",
            Service::Ftp => "ftp",
            Service::Smtp => "smtp",
            Service::ImapPop => "imap-pop",
            Service::Web => "web",
            Service::Dns => "dns",
            Service::Voip => "voip",
            Service::Db => "db",
            Service::RdpVnc => "rdp-vnc",
            Service::Recidive => "recidive",
            Service::Other => "other",
        }
    }
}

/// The largest integer released in `asn` and `failures`: 2^24 − 1. Any larger
/// integer could be an IPv4 address written as a number; every value up to
/// this one would be an address in 0.0.0.0/8, which no host has.
pub const MAX_NUMBER: u32 = (1 << 24) - 1;

/// An autonomous system number, 1 to [`MAX_NUMBER`]. Every AS number
/// allocated so far is far below 2^24; the larger ones are unallocated or
/// private (4200000000 and up) and mean nothing in a public dataset.
pub fn asn(n: i64) -> Option<u32> {
    u32::try_from(n)
        .ok()
        .filter(|&n| (1..=MAX_NUMBER).contains(&n))
}

/// An hour of the day, 0–23.
pub fn hour(n: i64) -> Option<u8> {
    u8::try_from(n).ok().filter(|&h| h < 24)
}

/// A failure count, 0 to [`MAX_NUMBER`].
pub fn failures(n: i64) -> Option<u32> {
    u32::try_from(n).ok().filter(|&n| n <= MAX_NUMBER)
}

/// Limits of one free-text field.
#[derive(Clone, Copy, Debug)]
pub struct TextLimits {
    /// Most characters.
    pub max_chars: usize,
    /// Most space-separated words.
    pub max_words: usize,
}

/// Limits of `region` and `city`.
pub const PLACE: TextLimits = TextLimits {
    max_chars: 64,
    max_words: 8,
};

/// Limits of `as_name`.
pub const AS_NAME: TextLimits = TextLimits {
    max_chars: 96,
    max_words: 12,
};

/// The most characters any [`TextLimits`] may allow.
pub const MAX_TEXT_CHARS: usize = 128;

/// Punctuation a released name may hold, besides letters, digits and single
/// ASCII spaces.
const NAME_PUNCTUATION: &[char] = &[
    '-', '\'', '\u{2019}', '.', ',', '(', ')', '&', '_', '+', '!',
];

/// A free-text name (`region`, `city`, `as_name`) that passed every rule of
/// [`FreeText::check`]; the only way free text reaches the output.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct FreeText<'a>(Cow<'a, str>);

impl<'a> FreeText<'a> {
    /// Accepts `s` when it looks like a place or network name and like nothing
    /// that could identify a host, a person or a message:
    ///
    /// 1. 1 to `max_chars` characters and at most `max_words` words;
    /// 2. only letters, digits (any script), single spaces and
    ///    `- ' ’ . , ( ) & _ + !` — so no `@` (e-mail, message id), `:` (IPv6,
    ///    URL, time of a log line), `/` or `\` (path, URL, prefix), `<>[]{}"=;|`,
    ///    no control characters, tabs or line breaks, no look-alike dots or at
    ///    signs from other scripts;
    /// 3. no `.` between two digits (IPv4 address, dotted numbers);
    /// 4. no `.` after a letter, digit, `-` or `_` and followed by a label of two
    ///    or more letters, digits, `-` or `_` holding a letter (host and domain
    ///    names, `file.ext`): `St. Petersburg`, `D.C.` and `No.31` pass,
    ///    `mail.example.com` and `Amazon.com` do not;
    /// 5. no run of 8 or more digits (an address written as a number);
    /// 6. it starts with a letter, a digit or `'` (`'s-Hertogenbosch`), so that
    ///    no spreadsheet reads a CSV cell as a formula (`=`, `+`, `-`, `@`);
    /// 7. no address in disguise: at most 7 digits in all, at most two words
    ///    that read as numbers (hexadecimal digits with a decimal one:
    ///    `203-0-113-9`, `2001-db8--1`) and none of 8 characters (`cb007109`),
    ///    no word starting `xn--` (punycode host label);
    /// 8. with an ASCII letter, no letter of a script other than Latin; and
    ///    no such letter next to an ASCII digit (`mailꓸvictim`, `203ꓸ0`,
    ///    `varノlog`: letters that look like `.`, `:` or `/`).
    pub fn check(s: Cow<'a, str>, limits: TextLimits) -> Option<FreeText<'a>> {
        if s.is_empty() || s.len() > limits.max_chars * 4 {
            return None;
        }
        let ok = if s.is_ascii() {
            // Bytes are characters: no decoding, no copy.
            follows_name_rules(s.as_bytes(), limits)
        } else {
            // The characters on the stack: no allocation per value.
            let mut buf = ['\0'; MAX_TEXT_CHARS];
            let mut len = 0;
            for c in s.chars() {
                if len == limits.max_chars.min(MAX_TEXT_CHARS) {
                    return None;
                }
                buf[len] = c;
                len += 1;
            }
            follows_name_rules(&buf[..len], limits)
        };
        ok.then_some(FreeText(s))
    }

    /// The text.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The same text, owned.
    pub fn into_owned(self) -> FreeText<'static> {
        FreeText(Cow::Owned(self.0.into_owned()))
    }

    /// The same text, borrowed.
    pub fn reborrow(&self) -> FreeText<'_> {
        FreeText(Cow::Borrowed(&self.0))
    }
}

/// The rules of [`FreeText::check`] over the characters of a value.
fn follows_name_rules<C: Copy>(chars: &[C], limits: TextLimits) -> bool
where
    char: From<C>,
{
    let at = |i: usize| chars.get(i).map(|&c| char::from(c));
    if chars.len() > limits.max_chars.min(MAX_TEXT_CHARS) {
        return false;
    }
    match at(0) {
        Some(c) if c.is_alphanumeric() || c == '\'' => {}
        _ => return false,
    }
    let mut words = 1;
    let mut digits = 0;
    // Alphanumeric runs (between any other characters) that read as numbers.
    let mut numbers = NumberWords::default();
    // An ASCII letter: then every other letter is a Latin one.
    let ascii = chars.iter().any(|&c| char::from(c).is_ascii_alphabetic());

    for (i, &c) in chars.iter().enumerate() {
        let c = char::from(c);
        if c.is_alphanumeric() {
            if c.is_numeric() {
                digits += 1;
                if digits >= 8 {
                    return false;
                }
            }
            if !c.is_ascii() && !is_latin(c) {
                // Nor does a letter of another script touch an ASCII digit
                // (`203ꓸ0ꓸ113ꓸ9`; `Горки-10` passes).
                let digit = |i: Option<usize>| i.and_then(at).is_some_and(|d| d.is_ascii_digit());
                if ascii || digit(i.checked_sub(1)) || digit(Some(i + 1)) {
                    return false;
                }
            }
            if !numbers.push(c) {
                return false;
            }
            continue;
        }
        if !numbers.end() {
            return false;
        }
        let prev = i.checked_sub(1).and_then(at);
        let next = at(i + 1);
        match c {
            ' ' => {
                if prev == Some(' ') || prev.is_none() || next.is_none() {
                    return false;
                }
                words += 1;
                if words > limits.max_words {
                    return false;
                }
            }
            '.' => {
                if prev.is_some_and(char::is_numeric) && next.is_some_and(char::is_numeric) {
                    return false;
                }
                if prev.is_some_and(is_label_char) && starts_domain_label(&chars[i + 1..]) {
                    return false;
                }
            }
            // A punycode label (`xn--…`, an internationalised host name)
            // starting a word.
            '-' if next == Some('-')
                && i >= 2
                && matches!((at(i - 2), at(i - 1)), (Some('x' | 'X'), Some('n' | 'N')))
                && (i == 2 || at(i - 3).is_some_and(|c| !c.is_alphanumeric())) =>
            {
                return false;
            }
            c if NAME_PUNCTUATION.contains(&c) => {}
            _ => return false,
        }
    }
    numbers.end() && !hex_chain(chars)
}

/// True when a name holds three or more hexadecimal words joined only by
/// `-` or `_` (empty words of `--` allowed), one of them with a decimal
/// digit: an IPv6 address written with dashes (`2a0e-dead-beef--1`), whose
/// words of letters only (`dead`, `beef`) no other rule counts.
fn hex_chain<C: Copy>(chars: &[C]) -> bool
where
    char: From<C>,
{
    let mut words = 0;
    let mut decimal = false;
    let mut hex = true;
    let mut in_word = false;
    let end = |words: &mut usize, decimal: &mut bool, hex: &mut bool| {
        let chain = *words >= 3 && *decimal && *hex;
        (*words, *decimal, *hex) = (0, false, true);
        chain
    };
    for &c in chars {
        let c = char::from(c);
        if c.is_alphanumeric() {
            if !in_word {
                words += 1;
                in_word = true;
            }
            hex &= c.is_ascii_hexdigit();
            decimal |= c.is_ascii_digit();
        } else if c == '-' || c == '_' {
            in_word = false;
        } else {
            in_word = false;
            if end(&mut words, &mut decimal, &mut hex) {
                return true;
            }
        }
    }
    end(&mut words, &mut decimal, &mut hex)
}

/// Counts the words of a name (alphanumeric runs) that read as numbers:
/// only hexadecimal digits (after an `0x`) and at least one decimal digit.
/// Three of them (`203-0-113-9`, `ip 203 0 113 9`, `2001-db8--1`) or one of
/// eight characters (`cb007109`, an address in hexadecimal) make a name an
/// address in disguise; no place or network name has them.
#[derive(Default)]
struct NumberWords {
    /// The current word: its characters, its first one, whether it is
    /// still number-like and whether it has a decimal digit.
    len: usize,
    first: char,
    hex: bool,
    decimal: bool,
    /// Number-like words so far.
    count: usize,
}

impl NumberWords {
    /// Adds a character of the current word; false when the name is out.
    fn push(&mut self, c: char) -> bool {
        if self.len == 0 {
            (self.first, self.hex, self.decimal) = (c, true, false);
        }
        self.len += 1;
        let prefix = self.len == 2 && self.first == '0' && (c == 'x' || c == 'X');
        self.hex &= c.is_ascii_hexdigit() || c.is_numeric() || prefix;
        self.decimal |= c.is_numeric();
        !(self.hex && self.decimal && self.len >= 8)
    }

    /// Ends the current word, if any; false when the name is out.
    fn end(&mut self) -> bool {
        if self.len > 0 && self.hex && self.decimal {
            self.count += 1;
        }
        self.len = 0;
        self.count < 3
    }
}

/// Letters of the Latin script beyond ASCII (accented letters, IPA, the
/// Latin extensions, the modifier letters of transliteration such as `ʻ`
/// and `ʿ`; not `ː`, the click letters `ǀ ǁ ǂ ǃ` nor the sinological dot
/// `ꞏ`): the only
/// non-ASCII letters a name with ASCII letters or digits may have, so that a
/// letter of another script that looks like a dot, a colon or a slash (`ꓸ`,
/// `ᐧ`, `ː`, `ノ`, `丿`) cannot join the labels of a host name or address.
fn is_latin(c: char) -> bool {
    matches!(c,
        '\u{aa}' | '\u{ba}' | '\u{c0}'..='\u{d6}' | '\u{d8}'..='\u{f6}' | '\u{f8}'..='\u{1bf}'
        | '\u{1c4}'..='\u{2c1}'
        | '\u{1e00}'..='\u{1eff}' | '\u{2c60}'..='\u{2c7f}'
        | '\u{a722}'..='\u{a787}' | '\u{a78b}'..='\u{a78e}' | '\u{a790}'..='\u{a7ff}' | '\u{ab30}'..='\u{ab6f}'
        | '\u{fb00}'..='\u{fb06}')
}

fn is_label_char(c: char) -> bool {
    c.is_alphanumeric() || c == '-' || c == '_'
}

/// True when `rest` starts with a host-name label: two or more label
/// characters, at least one of them a letter.
fn starts_domain_label<C: Copy>(rest: &[C]) -> bool
where
    char: From<C>,
{
    let label = rest
        .iter()
        .take_while(|&&c| is_label_char(char::from(c)))
        .count();
    label >= 2 && rest[..label].iter().any(|&c| char::from(c).is_alphabetic())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ts(s: &str) -> Option<(String, u8)> {
        parse_ts(s).map(|m| (m.date.to_string(), m.hour))
    }

    #[test]
    fn ts_gives_the_utc_day_and_hour() {
        assert_eq!(ts("2011-07-04T10:34:58Z"), Some(("2011-07-04".into(), 10)));
        assert_eq!(ts("2011-07-04t23:59:60z"), Some(("2011-07-04".into(), 23)));
        assert_eq!(
            ts("2011-07-04 00:00:00.123Z"),
            Some(("2011-07-04".into(), 0))
        );
        assert_eq!(
            ts("2011-07-04T01:30:00+02:00"),
            Some(("2011-07-03".into(), 23))
        );
        assert_eq!(
            ts("2011-12-31T22:30:00-02:00"),
            Some(("2012-01-01".into(), 0))
        );
        assert_eq!(ts("2012-02-29T12:00:00Z"), Some(("2012-02-29".into(), 12)));
    }

    #[test]
    fn impossible_or_foreign_timestamps_are_refused() {
        for bad in [
            "",
            "2011-07-04",
            "2011-07-04T10:34:58",
            "2011-07-04T10:34:58Z 192.0.2.1",
            "2011-02-29T10:00:00Z",
            "2011-13-01T10:00:00Z",
            "2011-07-00T10:00:00Z",
            "2011-07-04T24:00:00Z",
            "2011-07-04T10:60:00Z",
            "2011-07-04T10:34:58.Z",
            "2011-07-04T10:34:58+2:00",
            "Mon, 4 Jul 2011 10:34:58 +0000",
            "2011-07-04T10:34:58\u{ff3a}",
            "20११-07-04T10:34:58Z",
        ] {
            assert_eq!(parse_ts(bad), None, "{bad}");
        }
    }

    #[test]
    fn released_dates_are_read_back() {
        assert_eq!(
            parse_date("2011-07-04").map(|d| d.to_string()).as_deref(),
            Some("2011-07-04")
        );
        assert_eq!(
            parse_date("2011-07").map(|d| d.to_string()).as_deref(),
            Some("2011-07")
        );
        for bad in [
            "2011-7-4",
            "2011-07-32",
            "2011-00",
            "2011-07-04T",
            "192.0.2.1",
            "2011-07-",
        ] {
            assert_eq!(parse_date(bad), None, "{bad}");
        }
    }

    #[test]
    fn country_codes_are_two_capitals() {
        assert_eq!(
            Country::parse("CN")
                .map(|c| c.as_str().to_string())
                .as_deref(),
            Some("CN")
        );
        for bad in ["cn", "C", "CHN", "C1", "", "ÇN", "1.2.3.4"] {
            assert_eq!(Country::parse(bad), None, "{bad}");
        }
    }

    #[test]
    fn services_are_the_spec_classes_only() {
        assert_eq!(Service::parse("imap-pop"), Some(Service::ImapPop));
        assert_eq!(Service::parse("SSH"), Some(Service::Ssh));
        assert_eq!(Service::parse("ssh-iptables"), None);
        assert_eq!(Service::parse("ssh 192.0.2.1"), None);
    }

    #[test]
    fn integers_stay_in_range() {
        assert_eq!(asn(3320), Some(3320));
        assert_eq!(asn(0), None);
        assert_eq!(asn(-1), None);
        assert_eq!(asn(1 << 33), None);
        assert_eq!(asn(3_221_225_985), None);
        assert_eq!(asn(401_308), Some(401_308));
        assert_eq!(hour(23), Some(23));
        assert_eq!(hour(24), None);
        assert_eq!(failures(6), Some(6));
        assert_eq!(failures(3_221_225_985), None);
    }

    fn text(s: &str) -> bool {
        FreeText::check(Cow::Borrowed(s), AS_NAME).is_some()
    }

    #[test]
    fn place_and_network_names_pass() {
        for ok in [
            "Beijing",
            "Saint-Étienne",
            "L'Aquila",
            "St. Petersburg",
            "Washington, D.C.",
            "Provence-Alpes-Côte d’Azur",
            "北京市",
            "São Paulo",
            "CHINANET-BACKBONE No.31,Jin-rong Street",
            "AT&T Services, Inc.",
            "YAHOO-1 - Yahoo! Inc.",
            "TELEFONICA_DE_ASN",
            "AS-2914 (NTT)",
            "'s-Hertogenbosch",
            // Numbers, scripts and transliteration that stay legitimate.
            "Level 3 Parent, LLC",
            "1&1 Internet SE",
            "Горки-10",
            "ʿAlma ash-Shaʿb",
            "Hawaiʻi",
            "Москва",
            "Route 66",
            "Deadbeef Ltd",
        ] {
            assert!(text(ok), "{ok}");
        }
    }

    #[test]
    fn addresses_hosts_mail_and_paths_are_withheld() {
        for bad in [
            "10.0.0.1",
            "Beijing 192.0.2.1",
            "1.2",
            "2001:db8::1",
            "::ffff:192.0.2.1",
            "fe80::1%eth0",
            "mail.example.com",
            "Amazon.com, Inc.",
            "MAIL.EXAMPLE.COM",
            "münchen.de",
            "root@example.org",
            "<20110704103458.GA1234@mail.example.org>",
            "20110704103458.GA1234",
            "/var/log/auth.log",
            "C:\\Windows",
            "http://example.org",
            "auth.log",
            "Jul  4 10:34:58 host sshd[123]: Failed password",
            "line one\nline two",
            "tab\there",
            " leading",
            "trailing ",
            "double  space",
            "3232235777",
            "example\u{ff0e}com",
            "user\u{ff20}example",
            "a b c d e f g h i j k l m",
            "",
            "=HYPERLINK(1)",
            "+SUM(1,2)",
            "-2+3",
            // Addresses in disguise: other separators, grouped or
            // hexadecimal numbers, IPv6 without colons, look-alike letters
            // of other scripts, punycode labels.
            "ip-203-0-113-9",
            "203 0 113 9",
            "203,0,113,9",
            "Invalid user test from 203-0-113-9",
            "3,405,803,785",
            "3405803'785",
            "0xCB007109",
            "cb007109",
            "2001-db8--1",
            "2001 db8 0 0 0 0 0 1",
            "mail\u{a4f8}victim\u{a4f8}example",
            "203\u{a4f8}0\u{a4f8}113\u{a4f8}9",
            "2001\u{2d0}db8\u{2d0}\u{2d0}1",
            "var\u{30ce}log\u{30ce}auth",
            "xn--victim-3ya",
            "Xn--80ak6aa92e",
            "2a0e-dead-beef--1",
            "2001-dead-beef--cafe",
            "mail\u{a78f}victim\u{a78f}example",
            "victim\u{1c0}var\u{1c0}log",
        ] {
            assert!(!text(bad), "{bad:?}");
        }
        let long = "x".repeat(AS_NAME.max_chars + 1);
        assert!(!text(&long));
        assert!(FreeText::check(Cow::Borrowed("a b c d e f g h i"), PLACE).is_none());
    }
}
