//! Dates as mail writes them, turned into UTC.
//!
//! One lenient tokenizer reads the three shapes f2b meets: RFC 2822 `Date:` and
//! `Received:` dates (`Wed,  2 Mar 2011 16:12:06 +0000 (GMT)`), C-locale
//! `date` output in buffered summaries (`Mon Jul  4 12:34:56 CEST 2011`) and
//! mbox `From ` lines (`Wed Mar  2 16:12:13 2011`). The calendar arithmetic
//! and the `ts` format are f2b-core's ([`f2b_core::time`]).

use f2b_core::time::days_from_civil;

/// Seconds since the Unix epoch, UTC.
pub type Unix = i64;

/// A parsed date: the local wall-clock time and what its zone says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LocalTime {
    /// The wall-clock time read as if it were UTC.
    pub wall: Unix,
    /// The zone as written.
    pub zone: Zone,
}

/// The zone of a parsed date.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Zone {
    /// A numeric offset (`+0200`) or an abbreviation with one meaning, in minutes east of UTC.
    Offset(i32),
    /// An abbreviation with several meanings (`CST`, `IST`): the candidates, most common first.
    Ambiguous(&'static [i32]),
    /// A zone whose offset was another for a while: `during` for wall times
    /// in `from..to` (seconds), `usual` before and after (Russia's zones an
    /// hour ahead from 2011-03-27 to 2014-10-26; Venezuela's −04:30 from
    /// 2007-12-09 to 2016-05-01).
    Changed {
        /// The offset outside the period, minutes east of UTC.
        usual: i32,
        /// The offset in the period.
        during: i32,
        /// The period, as wall times.
        from: i64,
        /// The end of the period (excluded).
        to: i64,
    },
    /// An abbreviation f2b does not know, or no zone at all.
    Unknown,
}

impl LocalTime {
    /// UTC, using `hint` (the offset of a related date, such as the report's own
    /// `Date:`) to pick among the meanings of an ambiguous abbreviation.
    pub fn to_utc(self, hint: Option<i32>) -> Option<Unix> {
        self.to_utc_near(hint, None)
    }

    /// UTC for a time known to lie shortly before `before` (a ban listed in a
    /// summary mailed at `before`): an ambiguous abbreviation takes the
    /// `hint` offset when it is one of its meanings, else the meaning that
    /// puts the time latest but not after `before`, else its usual meaning.
    pub fn to_utc_near(self, hint: Option<i32>, before: Option<Unix>) -> Option<Unix> {
        let offset = match self.zone {
            Zone::Offset(o) => o,
            Zone::Ambiguous(candidates) => match (hint, before) {
                (Some(h), _) if candidates.contains(&h) => h,
                (_, Some(limit)) => candidates
                    .iter()
                    .copied()
                    .filter(|&o| self.wall - i64::from(o) * 60 <= limit + 60)
                    .max_by_key(|&o| self.wall - i64::from(o) * 60)
                    .unwrap_or(candidates[0]),
                _ => candidates[0],
            },
            Zone::Changed {
                usual,
                during,
                from,
                to,
            } => {
                if (from..to).contains(&self.wall) {
                    during
                } else {
                    usual
                }
            }
            Zone::Unknown => return None,
        };
        Some(self.wall - i64::from(offset) * 60)
    }

    /// UTC, taking an unknown zone as UTC (RFC 2822 §4.3 says so for headers).
    pub fn to_utc_lenient(self) -> Unix {
        self.to_utc(None).unwrap_or(self.wall)
    }

    /// The numeric offset, when the zone has exactly one meaning.
    pub fn offset(self) -> Option<i32> {
        match self.zone {
            Zone::Offset(o) => Some(o),
            _ => None,
        }
    }
}

/// Parses a date in any of the shapes above; `None` when it is not a date.
pub fn parse(text: &str) -> Option<LocalTime> {
    let f = read_usual(text.as_bytes())
        .or_else(|| read_iso(text.trim().as_bytes()))
        .or_else(|| read_words(text))?;
    if !(1..=31).contains(&f.day) || !(1900..=2200).contains(&f.year) {
        return None;
    }
    let (h, mi, s) = f.time;
    let wall = days_from_civil(i64::from(f.year), f.month, f.day) * 86_400
        + i64::from(h) * 3600
        + i64::from(mi) * 60
        + i64::from(s);
    Some(LocalTime { wall, zone: f.zone })
}

/// An ISO 8601 / RFC 3339 date and time, as `date --rfc-3339=seconds` or
/// `date -Iseconds` write it in a customised template: `2011-07-04
/// 12:34:58+02:00`, `2011-07-04T12:34:58Z`, with or without seconds, a
/// fraction, or an offset (none: the zone is unknown). `None` for anything
/// else.
fn read_iso(b: &[u8]) -> Option<Fields> {
    let num = |at: usize, n: usize| -> Option<u32> {
        let part = b.get(at..at + n)?;
        part.iter()
            .all(u8::is_ascii_digit)
            .then(|| part.iter().fold(0, |v, &d| v * 10 + u32::from(d - b'0')))
    };
    let (year, month, day) = (num(0, 4)?, num(5, 2)?, num(8, 2)?);
    if b.get(4) != Some(&b'-')
        || b.get(7) != Some(&b'-')
        || !matches!(b.get(10), Some(b'T' | b't' | b' '))
    {
        return None;
    }
    let (h, mi) = (num(11, 2)?, num(14, 2)?);
    if b.get(13) != Some(&b':') {
        return None;
    }
    let mut p = 16;
    let mut sec = 0;
    if b.get(p) == Some(&b':') {
        sec = num(p + 1, 2)?;
        p += 3;
        if b.get(p) == Some(&b'.') || b.get(p) == Some(&b',') {
            p += 1;
            while b.get(p).is_some_and(u8::is_ascii_digit) {
                p += 1;
            }
        }
    }
    if !(1..=12).contains(&month)
        || day == 0
        || day > f2b_core::time::days_in_month(i64::from(year), month)
        || h > 23
        || mi > 59
        || sec > 60
    {
        return None;
    }
    // `Z`, a numeric offset (`+02:00`, `+0200`, `+02`), or a zone
    // abbreviation after a space (`date '+%F %T %Z'`: `CEST`, `UTC`).
    let zone = match b.get(p..).unwrap_or_default() {
        [] => Zone::Unknown,
        [b'Z' | b'z'] => Zone::Offset(0),
        [sign @ (b'+' | b'-'), rest @ ..] => {
            let two = |at: usize| num_at(rest, at);
            let (oh, om) = match rest.len() {
                2 => (two(0)?, 0),
                4 => (two(0)?, two(2)?),
                5 if rest[2] == b':' => (two(0)?, two(3)?),
                _ => return None,
            };
            let minutes = (oh * 60 + om) as i32;
            Zone::Offset(if *sign == b'-' { -minutes } else { minutes })
        }
        [b' ', abbr @ ..] if !abbr.is_empty() && abbr.iter().all(u8::is_ascii_alphabetic) => {
            zone_abbreviation(abbr)?
        }
        _ => return None,
    };
    Some(Fields {
        day,
        month,
        year,
        time: (h, mi, sec.min(59)),
        zone,
    })
}

/// Two ASCII digits at `at` of `b`, as a number.
fn num_at(b: &[u8], at: usize) -> Option<u32> {
    match b.get(at..at + 2)? {
        &[x, y] if x.is_ascii_digit() && y.is_ascii_digit() => {
            Some(u32::from(x - b'0') * 10 + u32::from(y - b'0'))
        }
        _ => None,
    }
}

/// What a date says, before the calendar arithmetic.
#[derive(Debug, PartialEq)]
struct Fields {
    day: u32,
    month: u32,
    year: u32,
    time: (u32, u32, u32),
    zone: Zone,
}

/// The general reading: word by word, each word taken for what it looks like.
fn read_words(text: &str) -> Option<Fields> {
    let mut day = None;
    let mut month = None;
    let mut year = None;
    let mut time = None;
    let mut zone = Zone::Unknown;
    let mut zone_seen = false;
    let mut month_first = false;
    // The date is a Chinese, Japanese or Korean one: its `CST` is China's.
    let mut cjk = false;
    let tokens = Tokens {
        bytes: text.as_bytes(),
        at: 0,
    };
    for token in tokens {
        let raw = token.bytes;
        // A comment such as "(GMT)" or "(CEST)" ends the date; before the
        // time, one is a weekday (Korean `date`: `2012. 09. 20. (목) 01:02:03`).
        if raw[0] == b'(' && time.is_none() && raw.ends_with(b")") {
            continue;
        }
        if raw[0] == b'(' {
            if !zone_seen {
                let inner = trim_bytes(raw, |b| b == b'(' || b == b')');
                if let Some(z) = zone_abbreviation(inner) {
                    zone = z;
                }
            }
            break;
        }
        if time.is_none() && token.any & COLON != 0 {
            time = Some(parse_clock(raw)?);
        } else if matches!(raw[0], b'+' | b'-') && raw.len() >= 3 && time.is_some() && !zone_seen {
            zone = Zone::Offset(parse_offset(raw)?);
            zone_seen = true;
        } else if let Some((n, unit)) = (token.all & DIGIT == 0 && token.any & DIGIT != 0)
            .then(|| cjk_number(raw))
            .flatten()
        {
            // Chinese, Japanese and Korean `date`: `2013年 08月 14日`.
            cjk = true;
            match unit {
                Unit::Year => year = year.or(Some(n)),
                Unit::Month if (1..=12).contains(&n) => month = month.or(Some(n)),
                Unit::Day => day = day.or(Some(n)),
                Unit::Month => {}
            }
        } else if let Some(n) = token.number() {
            // "5." is a day as German `date` writes it.
            let digits = raw.len() - usize::from(raw.ends_with(b"."));
            let year_first = year.is_some() && day.is_none() && month.is_none();
            if digits >= 3 || n > 31 || (day.is_some() && month.is_some()) {
                if year.is_none() {
                    year = Some(expand_year(n, digits));
                }
            } else if year_first && (1..=12).contains(&n) {
                // Year, month, day (`2012. 09. 20.`, Korean `date`).
                month = Some(n);
            } else if day.is_none() {
                day = Some(n);
            }
        } else if token.all & LETTER != 0 && weekday(raw) {
            continue;
        } else if let Some(m) = (time.is_none() || month.is_none())
            .then(|| {
                // Other locales' month words come before the time, as every
                // month does in the dates read here; after it (and after a
                // month), zones, years and words such as `remote from decvax`.
                english_month(raw).or_else(|| time.is_none().then(|| local_month(raw)).flatten())
            })
            .flatten()
        {
            // A second month word after one seen before any number: the
            // first was the weekday (Spanish and Italian `mar`, Tuesday).
            match month {
                Some(_) if month_first && time.is_none() => {
                    month = Some(m);
                    month_first = false;
                }
                Some(_) => {}
                None => {
                    month = Some(m);
                    month_first = day.is_none() && year.is_none() && time.is_none();
                }
            }
        } else if let Some((clock, pm)) = time
            .as_mut()
            .filter(|_| !zone_seen)
            .and_then(|clock| Some((clock, half_day(raw)?)))
        {
            // A 12-hour clock (`03:29:58 PM`, en_US `date` since glibc 2.29).
            if (1..=12).contains(&clock.0) {
                clock.0 = clock.0 % 12 + if pm { 12 } else { 0 };
            }
        } else if time.is_some() && !zone_seen {
            zone = zone_abbreviation(raw).unwrap_or(Zone::Unknown);
            zone_seen = true;
        }
    }
    if let (true, Zone::Ambiguous(meanings)) = (cjk, zone) {
        if meanings.contains(&480) {
            zone = Zone::Offset(480);
        }
    }
    Some(Fields {
        day: day?,
        month: month?,
        year: year?,
        time: time?,
        zone,
    })
}

/// The shape nearly every `Date:` and `Received:` date has,
/// `[Www,] D Mmm YYYY HH:MM:SS +HHMM` (single spaces or runs of them), read
/// at fixed places; `None` for any other text, which [`read_words`] reads.
/// Where this answers, [`read_words`] gives the same: it reads these words
/// the same way, and once all of them are set no later word changes any.
fn read_usual(b: &[u8]) -> Option<Fields> {
    let mut p = b.iter().position(|c| !c.is_ascii_whitespace())?;
    if b.get(p + 3) == Some(&b',') && b[p..p + 3].iter().all(u8::is_ascii_alphabetic) {
        if !weekday(&b[p..p + 3]) {
            return None;
        }
        p = spaces(b, p + 4)?;
    }
    let day_len = if b.get(p + 1).is_some_and(u8::is_ascii_digit) {
        2
    } else {
        1
    };
    let day = number(b, p, day_len).filter(|d| (1..=31).contains(d))?;
    p = spaces(b, p + day_len)?;
    let month = b
        .get(p..p + 3)
        .filter(|m| m.iter().all(u8::is_ascii_alphabetic));
    let month = month_number(month?)?;
    p = spaces(b, p + 3)?;
    let year = number(b, p, 4)?;
    p = spaces(b, p + 4)?;
    if b.get(p + 2) != Some(&b':') || b.get(p + 5) != Some(&b':') {
        return None;
    }
    let (h, mi, s) = (number(b, p, 2)?, number(b, p + 3, 2)?, number(b, p + 6, 2)?);
    if h >= 24 || mi >= 60 || s > 60 {
        return None;
    }
    p = spaces(b, p + 8)?;
    let sign = match b.get(p)? {
        b'+' => 1,
        b'-' => -1,
        _ => return None,
    };
    let hhmm = number(b, p + 1, 4)?;
    if b.get(p + 5)
        .is_some_and(|&c| !c.is_ascii_whitespace() && c != b',')
    {
        return None;
    }
    let (oh, om) = (hhmm / 100, hhmm % 100);
    if oh > 14 || om >= 60 {
        return None;
    }
    Some(Fields {
        day,
        month,
        year,
        time: (h, mi, s.min(59)),
        zone: Zone::Offset(sign * (oh * 60 + om) as i32),
    })
}

/// The position after a run of at least one space at `p`.
fn spaces(b: &[u8], mut p: usize) -> Option<usize> {
    let start = p;
    while b.get(p) == Some(&b' ') {
        p += 1;
    }
    (p > start).then_some(p)
}

/// The `len` bytes at `p` as a decimal number, when they are all digits.
fn number(b: &[u8], p: usize, len: usize) -> Option<u32> {
    b.get(p..p + len)?.iter().try_fold(0, |n, &c| {
        let digit = c.wrapping_sub(b'0');
        (digit < 10).then(|| n * 10 + u32::from(digit))
    })
}

/// Byte classes of [`CLASS`].
const SEPARATOR: u8 = 1;
const DIGIT: u8 = 2;
const LETTER: u8 = 4;
const COLON: u8 = 8;

/// The class of each byte: ASCII white space and commas separate words.
static CLASS: [u8; 256] = {
    let mut class = [0u8; 256];
    let mut b = 0;
    while b < 256 {
        let c = b as u8;
        class[b] = if c.is_ascii_whitespace() || c == b',' {
            SEPARATOR
        } else if c.is_ascii_digit() {
            DIGIT
        } else if c.is_ascii_alphabetic() {
            LETTER
        } else if c == b':' {
            COLON
        } else {
            0
        };
        b += 1;
    }
    class
};

/// One word of a date, with the classes of its bytes.
struct Token<'a> {
    bytes: &'a [u8],
    /// The classes of any of its bytes, or-ed.
    any: u8,
    /// The classes of all of its bytes, and-ed.
    all: u8,
}

impl Token<'_> {
    /// The word as a decimal `u32`, as `str::parse` reads it (an optional
    /// `+`, then digits).
    fn number(&self) -> Option<u32> {
        if self.all & DIGIT != 0 {
            parse_digits(self.bytes)
        } else if let Some(digits) = self
            .bytes
            .strip_suffix(b".")
            .filter(|d| !d.is_empty() && d.len() <= 4 && d.iter().all(u8::is_ascii_digit))
        {
            // A number with its dot (`5.`, German `date`; `2012. 09. 20.`, Korean).
            parse_digits(digits)
        } else if self.bytes[0] == b'+' {
            parse_u32(self.bytes)
        } else {
            None
        }
    }
}

/// The words of a date: runs of bytes between separators (never empty),
/// classified as they are cut.
struct Tokens<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl<'a> Iterator for Tokens<'a> {
    type Item = Token<'a>;

    fn next(&mut self) -> Option<Token<'a>> {
        let bytes = self.bytes;
        let mut i = self.at;
        while i < bytes.len() && CLASS[usize::from(bytes[i])] == SEPARATOR {
            i += 1;
        }
        let start = i;
        let (mut any, mut all) = (0, u8::MAX);
        while let Some(&b) = bytes.get(i) {
            let class = CLASS[usize::from(b)];
            if class == SEPARATOR {
                break;
            }
            any |= class;
            all &= class;
            i += 1;
        }
        self.at = i;
        (i > start).then(|| Token {
            bytes: &bytes[start..i],
            any,
            all,
        })
    }
}

/// `bytes` without the leading and trailing bytes that `strip` matches.
fn trim_bytes(bytes: &[u8], strip: impl Fn(u8) -> bool) -> &[u8] {
    let start = bytes.iter().position(|&b| !strip(b)).unwrap_or(bytes.len());
    let end = bytes
        .iter()
        .rposition(|&b| !strip(b))
        .map_or(start, |e| e + 1);
    &bytes[start..end]
}

/// A decimal `u32` as `str::parse` reads it (an optional `+`, then digits).
fn parse_u32(token: &[u8]) -> Option<u32> {
    let digits = token.strip_prefix(b"+").unwrap_or(token);
    if digits.is_empty() || !digits.iter().all(u8::is_ascii_digit) {
        return None;
    }
    parse_digits(digits)
}

/// Digits (and nothing else) as a `u32`; `None` when it overflows.
fn parse_digits(digits: &[u8]) -> Option<u32> {
    digits.iter().try_fold(0u32, |n, &d| {
        n.checked_mul(10)?.checked_add(u32::from(d - b'0'))
    })
}

fn parse_clock(raw: &[u8]) -> Option<(u32, u32, u32)> {
    let mut parts = raw.split(|&b| b == b':');
    let h = parse_u32(parts.next()?)?;
    let m = parse_u32(parts.next()?)?;
    let s = match parts.next() {
        // Fractions of a second are dropped.
        Some(s) => parse_u32(s.split(|&b| b == b'.').next()?)?,
        None => 0,
    };
    (h < 24 && m < 60 && s <= 60).then_some((h, m, s.min(59)))
}

fn parse_offset(raw: &[u8]) -> Option<i32> {
    let sign = if raw[0] == b'-' { -1 } else { 1 };
    // The digits after the sign, colons left out: two (hours) or four.
    let mut digits = [0i32; 4];
    let mut n = 0;
    for &b in raw[1..].iter().filter(|&&b| b != b':') {
        if !b.is_ascii_digit() {
            return None;
        }
        if n < digits.len() {
            digits[n] = i32::from(b - b'0');
        }
        n += 1;
    }
    let (h, m) = match n {
        2 => (digits[0] * 10 + digits[1], 0),
        4 => (digits[0] * 10 + digits[1], digits[2] * 10 + digits[3]),
        _ => return None,
    };
    (h <= 14 && m < 60).then_some(sign * (h * 60 + m))
}

fn expand_year(n: u32, digits: usize) -> u32 {
    match (digits, n) {
        (2, n) if n < 50 => 2000 + n,
        (2, n) => 1900 + n,
        _ => n,
    }
}

/// The first three letters of `token`, lower-cased.
fn head3(token: &[u8]) -> Option<[u8; 3]> {
    match token {
        [a, b, c, ..] => Some([a, b, c].map(u8::to_ascii_lowercase)),
        _ => None,
    }
}

/// The month a word names: English (by its first three letters, as C-locale
/// `date` and RFC 2822 write it), else the usual abbreviations and names of
/// other locales (`Mär`, `juil.`, `ago`, `Okt`, `июл`...): Fail2Ban's
/// actions ran `date` in the server's locale before 0.9 forced `LC_ALL=C`
/// on the Date header, and still do for the lines of buffered summaries.
fn month_number(token: &[u8]) -> Option<u32> {
    english_month(token).or_else(|| local_month(token))
}

/// Month names and abbreviations of other locales, lower case, each the
/// start of the words that mean it: German, French, Spanish, Italian,
/// Portuguese, Dutch, Polish, Hungarian, Russian and Czech (the English ones, and
/// the words that start like them, are [`english_month`]'s). A word matches
/// the first entry it starts with; no entry starts another month's.
const LOCAL_MONTHS: [(&str, u32); 69] = [
    ("janv", 1),
    ("ene", 1),
    ("gen", 1),
    ("sty", 1),
    ("янв", 1),
    ("fév", 2),
    ("fev", 2),
    ("lut", 2),
    ("фев", 2),
    ("mär", 3),
    ("mrz", 3),
    ("mrt", 3),
    ("márc", 3),
    ("мар", 3),
    ("avr", 4),
    ("abr", 4),
    ("kwi", 4),
    ("ápr", 4),
    ("апр", 4),
    ("mai", 5),
    ("mag", 5),
    ("mei", 5),
    ("maj", 5),
    ("máj", 5),
    ("май", 5),
    ("мая", 5),
    ("juin", 6),
    ("giu", 6),
    ("cze", 6),
    ("jún", 6),
    ("июн", 6),
    ("juil", 7),
    ("lug", 7),
    ("lip", 7),
    ("júl", 7),
    ("июл", 7),
    ("aoû", 8),
    ("ago", 8),
    ("sie", 8),
    ("авг", 8),
    ("set", 9),
    ("wrz", 9),
    ("szept", 9),
    ("сен", 9),
    ("okt", 10),
    ("ott", 10),
    ("out", 10),
    ("paź", 10),
    ("říj", 10),
    ("окт", 10),
    ("lis", 11),
    ("ноя", 11),
    ("déc", 12),
    ("dez", 12),
    ("dic", 12),
    ("gru", 12),
    ("дек", 12),
    // Czech.
    ("led", 1),
    ("úno", 2),
    ("bře", 3),
    ("dub", 4),
    ("kvě", 5),
    ("čvn", 6),
    ("čen", 6),
    ("čvc", 7),
    ("čec", 7),
    ("srp", 8),
    ("zář", 9),
    ("pro", 12),
];

/// A month of [`LOCAL_MONTHS`]; only for words that are not ASCII-English.
/// Only words of letters are months: not a sender (`maj@…`,
/// `mailer-daemon`) or a host.
fn local_month(token: &[u8]) -> Option<u32> {
    let word = token.strip_suffix(b".").unwrap_or(token);
    // Month words are short: a longer word costs a length check, and an
    // ASCII one is lower-cased without an allocation.
    if word.len() < 3 || word.len() > 24 {
        return None;
    }
    let month = |lower: &[u8]| {
        LOCAL_MONTHS
            .iter()
            .find(|(name, _)| lower.starts_with(name.as_bytes()))
            .map(|&(_, m)| m)
    };
    if word.is_ascii() {
        if !word.iter().all(u8::is_ascii_alphabetic) {
            return None;
        }
        let mut buf = [0u8; 24];
        let lower = buf.get_mut(..word.len())?;
        lower.copy_from_slice(word);
        lower.make_ascii_lowercase();
        return month(lower);
    }
    let lower = std::str::from_utf8(word).ok()?.to_lowercase();
    if !lower.chars().all(char::is_alphabetic) {
        return None;
    }
    month(lower.as_bytes())
}

/// What a number of a Chinese, Japanese or Korean date counts.
#[derive(Clone, Copy)]
enum Unit {
    Year,
    Month,
    Day,
}

/// A number with the CJK unit after it: `2013年`, `8月`, `14日`, `2012년`,
/// `9월`, `20일`.
fn cjk_number(token: &[u8]) -> Option<(u32, Unit)> {
    let digits = token.iter().take_while(|b| b.is_ascii_digit()).count();
    if digits == 0 || digits > 4 {
        return None;
    }
    let unit = match std::str::from_utf8(&token[digits..]).ok()? {
        "年" | "년" => Unit::Year,
        "月" | "월" => Unit::Month,
        "日" | "일" => Unit::Day,
        _ => return None,
    };
    Some((parse_digits(&token[..digits])?, unit))
}

/// "AM" or "PM" (also `a.m.`, `p.m.`): whether it is PM.
fn half_day(token: &[u8]) -> Option<bool> {
    let (first, rest) = token.split_first()?;
    let rest: &[u8] = match rest {
        [b'.', m, b'.'] | [m, b'.'] | [m] => std::slice::from_ref(m),
        _ => return None,
    };
    if !rest.eq_ignore_ascii_case(b"m") {
        return None;
    }
    match first.to_ascii_lowercase() {
        b'a' => Some(false),
        b'p' => Some(true),
        _ => None,
    }
}

fn english_month(token: &[u8]) -> Option<u32> {
    Some(match &head3(token)? {
        b"jan" => 1,
        b"feb" => 2,
        b"mar" => 3,
        b"apr" => 4,
        b"may" => 5,
        b"jun" => 6,
        b"jul" => 7,
        b"aug" => 8,
        b"sep" => 9,
        b"oct" => 10,
        b"nov" => 11,
        b"dec" => 12,
        _ => return None,
    })
}

fn weekday(token: &[u8]) -> bool {
    matches!(
        head3(token).as_ref(),
        Some(b"mon" | b"tue" | b"wed" | b"thu" | b"fri" | b"sat" | b"sun")
    )
}

/// Time-zone abbreviations as C-locale `date` and MTAs print them, in minutes
/// east of UTC. Ambiguous ones list their meanings, the most common first.
fn zone_abbreviation(abbr: &[u8]) -> Option<Zone> {
    let one = |o| Some(Zone::Offset(o));
    // Russia's zones kept summer time all year from 2011-03-27 to
    // 2014-10-26 (02:00 local), under their winter names.
    let russian = |usual| {
        Some(Zone::Changed {
            usual,
            during: usual + 60,
            from: 1_301_191_200,
            to: 1_414_288_800,
        })
    };
    let many = |c: &'static [i32]| Some(Zone::Ambiguous(c));
    // Every abbreviation is at most four letters.
    let mut upper = [0u8; 4];
    let upper = match upper.get_mut(..abbr.len()) {
        Some(buf) => {
            buf.copy_from_slice(abbr);
            buf.make_ascii_uppercase();
            &*buf
        }
        None => return None,
    };
    match upper {
        b"UT" | b"UTC" | b"GMT" | b"Z" | b"WET" | b"UCT" => one(0),
        b"WEST" | b"BST" | b"CET" | b"MET" | b"WAT" => one(60),
        b"CEST" | b"MEST" | b"EET" | b"SAST" | b"CAT" => one(120),
        b"EEST" | b"EAT" => one(180),
        b"MSK" => russian(180),
        b"YEKT" => russian(300),
        b"OMST" | b"NOVT" => russian(360),
        b"KRAT" => russian(420),
        b"IRKT" => russian(480),
        b"YAKT" => russian(540),
        b"VLAT" => russian(600),
        b"MAGT" => russian(660),
        b"MSD" | b"GST" | b"SAMT" | b"GET" | b"AZT" | b"MUT" => one(240),
        b"IDT" => one(180),
        b"IRST" => one(210),
        b"IRDT" => one(270),
        b"PKT" | b"UZT" | b"AZST" | b"TJT" | b"TMT" => one(300),
        b"KGT" | b"ALMT" | b"BDT" => one(360),
        b"MMT" => one(390),
        b"FJT" => one(720),
        b"IST" => many(&[330, 60, 120]),
        b"NPT" => one(345),
        b"ICT" | b"WIB" => one(420),
        b"HKT" | b"SGT" | b"PHT" | b"MYT" | b"AWST" | b"WITA" => one(480),
        b"JST" | b"KST" | b"WIT" => one(540),
        b"ACST" => one(570),
        b"ACDT" => one(630),
        b"AEST" => one(600),
        b"AEDT" => one(660),
        b"NZST" => one(720),
        b"NZDT" => one(780),
        // Australian zones printed EST/CST all year before tzdata 2014f.
        b"EST" => many(&[-300, 600, 660]),
        b"EDT" => many(&[-240, 660]),
        b"CST" => many(&[-360, 480, 570, 630, -300]),
        b"CDT" => one(-300),
        b"MST" => one(-420),
        b"MDT" => one(-360),
        b"PST" => one(-480),
        b"PDT" => one(-420),
        b"AKST" => one(-540),
        b"AKDT" => one(-480),
        b"HST" => one(-600),
        b"AST" => many(&[-240, 180]),
        b"ADT" => one(-180),
        b"NST" => one(-210),
        b"NDT" => one(-150),
        b"BRT" | b"ART" | b"UYT" | b"CLST" => one(-180),
        b"BRST" | b"UYST" => one(-120),
        b"CLT" | b"BOT" | b"PYT" => one(-240),
        b"PYST" => one(-180),
        // Venezuela: −04:30 from 2007-12-09 03:00 to 2016-05-01 02:30.
        b"VET" => Some(Zone::Changed {
            usual: -240,
            during: -270,
            from: 1_197_169_200,
            to: 1_462_069_800,
        }),
        b"COT" | b"PET" | b"ECT" => one(-300),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use f2b_core::time::format_rfc3339 as rfc3339;
    use proptest::prelude::*;
    use proptest::sample::select;

    fn utc(text: &str) -> Option<String> {
        parse(text).and_then(|t| t.to_utc(None)).map(rfc3339)
    }

    #[test]
    fn zones_whose_offset_changed_take_the_offset_of_the_date() {
        let cases = [
            ("Sun Mar 20 12:00:00 MSK 2011", "2011-03-20T09:00:00Z"),
            ("Mon Jul  4 12:00:00 MSK 2011", "2011-07-04T08:00:00Z"),
            ("Mon Nov  3 12:00:00 MSK 2014", "2014-11-03T09:00:00Z"),
            ("Mon Jan 10 12:00:00 KRAT 2011", "2011-01-10T05:00:00Z"),
            ("Tue Jan 10 12:00:00 KRAT 2012", "2012-01-10T04:00:00Z"),
            ("Sat Jan  1 12:00:00 VET 2011", "2011-01-01T16:30:00Z"),
            ("Thu Jun  1 12:00:00 VET 2017", "2017-06-01T16:00:00Z"),
        ];
        for (text, expected) in cases {
            assert_eq!(utc(text).as_deref(), Some(expected), "{text}");
        }
    }

    #[test]
    fn rfc2822_dates_with_offsets_and_comments() {
        assert_eq!(
            utc("Wed,  2 Mar 2011 16:12:06 +0000 (GMT)").unwrap(),
            "2011-03-02T16:12:06Z"
        );
        assert_eq!(
            utc("Wed, 2 Mar 2011 20:10:53 +0100").unwrap(),
            "2011-03-02T19:10:53Z"
        );
        assert_eq!(
            utc("1 Mar 2011 08:53:54 -0000").unwrap(),
            "2011-03-01T08:53:54Z"
        );
        assert_eq!(
            utc("Mon, 04 Jul 2011 10:34:58 -0430").unwrap(),
            "2011-07-04T15:04:58Z"
        );
        assert_eq!(
            utc("Tue, 15 Mar 2011 22:01 +01:00").unwrap(),
            "2011-03-15T21:01:00Z"
        );
        assert_eq!(
            utc("Thu, 1 Jan 70 00:00:00 GMT").unwrap(),
            "1970-01-01T00:00:00Z"
        );
    }

    /// `date --rfc-3339=seconds` and `date -Iseconds` in a customised template.
    #[test]
    fn iso_8601_dates() {
        let cases = [
            ("2011-07-04 12:34:58+02:00", Some("2011-07-04T10:34:58Z")),
            ("2011-07-04T12:34:58-0430", Some("2011-07-04T17:04:58Z")),
            ("2011-07-04T10:34:58Z", Some("2011-07-04T10:34:58Z")),
            ("2011-07-04T10:34:58.123456Z", Some("2011-07-04T10:34:58Z")),
            ("2011-07-04T10:34+00:00", Some("2011-07-04T10:34:00Z")),
            // No offset: a wall time of an unknown zone.
            ("2011-07-04 12:34:58", None),
            ("2011-13-04 12:34:58Z", None),
            ("2011-07-04 25:34:58Z", None),
            ("2011-07-04 12:34:58+02:00 trailing", None),
            ("2011-07-04 12:34:58+02", Some("2011-07-04T10:34:58Z")),
            ("2011-07-04 12:34:58 CEST", Some("2011-07-04T10:34:58Z")),
            ("2011-07-04 12:34:58 UTC", Some("2011-07-04T12:34:58Z")),
            ("2011-02-31 12:34:58Z", None),
            ("2011-07-04 12:34:58+0:200", None),
            ("2011-07-04 12:34:58+:0200", None),
        ];
        for (text, want) in cases {
            assert_eq!(utc(text).as_deref(), want, "{text}");
        }
        assert!(parse("2011-07-04 12:34:58").is_some());
    }

    #[test]
    fn date_command_output_uses_zone_abbreviations() {
        assert_eq!(
            utc("Mon Jul  4 12:34:56 CEST 2011").unwrap(),
            "2011-07-04T10:34:56Z"
        );
        assert_eq!(
            utc("Tue Mar  1 08:27:18 UTC 2011").unwrap(),
            "2011-03-01T08:27:18Z"
        );
        assert_eq!(
            utc("Sun Jan  9 23:00:00 EST 2011").unwrap(),
            "2011-01-10T04:00:00Z"
        );
        assert_eq!(
            utc("Fri Aug 12 09:00:00 JST 2011").unwrap(),
            "2011-08-12T00:00:00Z"
        );
        assert_eq!(
            utc("Fri Aug 12 09:00:00 PDT 2011").unwrap(),
            "2011-08-12T16:00:00Z"
        );
        assert_eq!(
            utc("Fri Aug 12 09:00:00 +03 2011").unwrap(),
            "2011-08-12T06:00:00Z"
        );
    }

    #[test]
    fn dates_of_other_locales_and_12_hour_clocks() {
        let cases = [
            // Date headers of pre-0.9 actions without LC_ALL=C.
            ("Mi, 02 Mär 2011 17:12:05 +0100", "2011-03-02T16:12:05Z"),
            ("mer., 2 févr. 2011 17:12:05 +0100", "2011-02-02T16:12:05Z"),
            // Buffered-summary lines from `date` in the server's locale.
            ("Mo 5. Jul 08:14:03 CEST 2021", "2021-07-05T06:14:03Z"),
            ("Do 14. Okt 23:59:00 CEST 2010", "2010-10-14T21:59:00Z"),
            ("lun. 5 juil. 2021 08:14:03 CEST", "2021-07-05T06:14:03Z"),
            ("mar 6 jul 2021 08:14:03 CEST", "2021-07-06T06:14:03Z"),
            ("mar. 3 ago 2010, 10:00:00 CEST", "2010-08-03T08:00:00Z"),
            ("mié 1 dic 2010 10:00:00 CET", "2010-12-01T09:00:00Z"),
            ("ma 4 mrt 2013 10:00:00 CET", "2013-03-04T09:00:00Z"),
            ("Пн 5 июл 2021 08:14:03 MSK", "2021-07-05T05:14:03Z"),
            ("sob, 3 wrz 2011, 10:00:00 CEST", "2011-09-03T08:00:00Z"),
            ("Mon Jul  4 03:29:58 PM CEST 2022", "2022-07-04T13:29:58Z"),
            ("Mon Jul  4 12:05:09 AM CEST 2022", "2022-07-03T22:05:09Z"),
            ("Mon Jul  4 12:05:09 PM UTC 2022", "2022-07-04T12:05:09Z"),
            ("Mon Jul  4 11:05:09 p.m. UTC 2022", "2022-07-04T23:05:09Z"),
            ("Mon Jul  4 11:05:09 a.m. UTC 2022", "2022-07-04T11:05:09Z"),
            ("Mon Jul  4 11:05:09 UTC PM 2022", "2022-07-04T11:05:09Z"),
            ("Sun Jun 12 10:00:00 IDT 2011", "2011-06-12T07:00:00Z"),
            (
                "MAILER-DAEMON Wed Mar  2 16:12:13 2011 UTC",
                "2011-03-02T16:12:13Z",
            ),
            (
                "setup@example.org Wed Mar  2 16:12:13 2011 UTC",
                "2011-03-02T16:12:13Z",
            ),
            ("st, 02 bře 2011 17:12:06 +0100", "2011-03-02T16:12:06Z"),
            (
                "2013年 08月 14日 星期三 17:12:06 CST",
                "2013-08-14T09:12:06Z",
            ),
            (
                "2013年  8月 14日 水曜日 17:12:06 JST",
                "2013-08-14T08:12:06Z",
            ),
            ("水, 02  3月 2011 17:12:06 +0900", "2011-03-02T08:12:06Z"),
            ("2012. 09. 20. (목) 01:02:03 KST", "2012-09-19T16:02:03Z"),
            (
                "2012년 9월 20일 목요일 01:02:03 KST",
                "2012-09-19T16:02:03Z",
            ),
            (
                "Wed, 2 Mar 2011 16:12:06 +0000 (GMT)",
                "2011-03-02T16:12:06Z",
            ),
            // After the time and the month, a word is no month: a zone
            // (`NOVT`), or a UUCP host (`remote from decvax`).
            ("Thu Mar  5 09:02:35 NOVT 2015", "2015-03-05T03:02:35Z"),
            ("Thu Mar  5 09:02:35 UTC 2015 Dec", "2015-03-05T09:02:35Z"),
        ];
        for (text, expected) in cases {
            assert_eq!(utc(text).as_deref(), Some(expected), "{text}");
        }
        assert_eq!(parse("Mo 5. Foo 08:14:03 CEST 2021"), None);
    }

    #[test]
    fn unknown_abbreviation_has_no_utc_time() {
        let t = parse("Mon Jul  4 12:34:56 XYZT 2011").unwrap();
        assert_eq!(t.zone, Zone::Unknown);
        assert_eq!(t.to_utc(None), None);
        assert_eq!(rfc3339(t.to_utc_lenient()), "2011-07-04T12:34:56Z");
    }

    #[test]
    fn ambiguous_abbreviation_follows_the_hint() {
        let t = parse("Mon Jul  4 12:00:00 CST 2011").unwrap();
        assert_eq!(rfc3339(t.to_utc(None).unwrap()), "2011-07-04T18:00:00Z");
        assert_eq!(
            rfc3339(t.to_utc(Some(480)).unwrap()),
            "2011-07-04T04:00:00Z"
        );
    }

    #[test]
    fn ambiguous_abbreviation_fits_before_the_mail_that_lists_it() {
        let t = parse("Wed Oct 12 12:34:12 CST 2011").unwrap();
        let mailed = parse("12 Oct 2011 04:49:12 -0000").unwrap().to_utc(None);
        assert_eq!(
            rfc3339(t.to_utc_near(Some(0), mailed).unwrap()),
            "2011-10-12T04:34:12Z"
        );
        let t = parse("Tue Oct  4 14:23:10 EST 2011").unwrap();
        assert_eq!(
            rfc3339(t.to_utc_near(Some(660), None).unwrap()),
            "2011-10-04T03:23:10Z"
        );
    }

    #[test]
    fn mbox_from_line_dates() {
        let t = parse("MAILER-DAEMON Wed Mar  2 16:12:13 2011").unwrap();
        assert_eq!(rfc3339(t.to_utc_lenient()), "2011-03-02T16:12:13Z");
        // UUCP's `remote from HOST`: a host named like a month is no month.
        for host in ["decvax", "mayhem", "junkbox"] {
            let t = parse(&format!("root Wed Mar  2 16:12:13 2011 remote from {host}")).unwrap();
            assert_eq!(
                rfc3339(t.to_utc_lenient()),
                "2011-03-02T16:12:13Z",
                "{host}"
            );
        }
    }

    #[test]
    fn not_dates() {
        assert_eq!(parse("hello world"), None);
        assert_eq!(parse("12:00"), None);
        assert_eq!(parse("Mar 99 2011 10:00:00"), None);
        assert_eq!(parse("Wed, 2 Mar 2011 25:00:00 +0000"), None);
    }

    #[test]
    fn the_usual_shape_is_read_directly() {
        for text in [
            "Wed, 2 Mar 2011 16:12:06 +0000",
            "Wed,  2 Mar 2011 16:12:06 +0000 (GMT)",
            " 1 Mar 2011 08:53:54 -0000",
            "Mon, 04 Jul 2011 10:34:58 -0430",
        ] {
            let usual = read_usual(text.as_bytes());
            assert!(usual.is_some(), "{text}");
            assert_eq!(usual, read_words(text), "{text}");
        }
    }

    /// One part of a date: mostly one of the `good` texts, else one of the `bad`.
    fn part(good: &[&'static str], bad: &[&'static str]) -> BoxedStrategy<&'static str> {
        prop_oneof![4 => select(good.to_vec()), 1 => select(bad.to_vec())].boxed()
    }

    // Dates near the usual shape, right and wrong in every part.
    proptest! {
        #![proptest_config(ProptestConfig::with_cases(4096))]
        #[test]
        fn where_the_usual_shape_is_read_directly_the_words_say_the_same(
            parts in (
                part(&["", " ", "\t"], &["  ", ",", "\u{a0}"]),
                part(&["", "Wed, ", "wed,", "SUN,  "], &["Wedn, ", "Xyz, ", "Mar, ", "Wed,, ", "Wed "]),
                part(&["2", "02", "31"], &["0", "32", "123", "2x", " 2", "+2"]),
                part(&[" ", "  "], &["\t", ",", ""]),
                part(&["Mar", "mar", "DEC"], &["MARCH", "Mrz", "Ma", "Mar."]),
                part(&[" 2011 ", "  2011  ", " 1900 "], &[" 11 ", " 20111 ", " 1899 ", " 2201 ", " 2011,", " 2011"]),
                part(&["16:12:06", "00:00:60", "23:59:59"], &["6:12:06", "16:12", "24:00:00", "16:60:00", "16:12:61", "16:12:06.5", "1a:12:06", "16:12:065"]),
                part(&[" +0000", "  -0430", " +1400"], &[" +01:00", " +03", " +1500", " -0060", " GMT", " +00000", "", "+0000", " +0a00"]),
                part(&["", " (GMT)", "\r\n", " 2012", " -0100"], &["(X)", " extra", ",", " 13:00:00", "x"]),
            )
        ) {
            let (lead, weekday, day, sep, month, year, time, zone, trailer) = parts;
            let text = format!("{lead}{weekday}{day}{sep}{month}{year}{time}{zone}{trailer}");
            if let Some(usual) = read_usual(text.as_bytes()) {
                prop_assert_eq!(Some(usual), read_words(&text), "{:?}", text);
            }
        }
    }
}
