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
    /// Moscow time, whose offset changed: +04:00 from 2011-03-27 to
    /// 2014-10-26, +03:00 before and after.
    Moscow,
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
            Zone::Moscow => {
                // 2011-03-27 and 2014-10-26 at 02:00 local time.
                if (1_301_191_200..1_414_288_800).contains(&self.wall) {
                    240
                } else {
                    180
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
    let mut day = None;
    let mut month = None;
    let mut year = None;
    let mut time = None;
    let mut zone = Zone::Unknown;
    let mut zone_seen = false;
    for raw in text.split(|c: char| c.is_ascii_whitespace() || c == ',') {
        if raw.is_empty() {
            continue;
        }
        // A comment such as "(GMT)" or "(CEST)" ends the date.
        if raw.starts_with('(') {
            if !zone_seen {
                if let Some(z) = zone_abbreviation(raw.trim_matches(|c| c == '(' || c == ')')) {
                    zone = z;
                }
            }
            break;
        }
        if time.is_none() && raw.contains(':') {
            time = Some(parse_clock(raw)?);
        } else if raw.starts_with(['+', '-']) && raw.len() >= 3 && time.is_some() && !zone_seen {
            zone = Zone::Offset(parse_offset(raw)?);
            zone_seen = true;
        } else if let Ok(n) = raw.parse::<u32>() {
            if raw.len() >= 3 || n > 31 || (day.is_some() && month.is_some()) {
                if year.is_none() {
                    year = Some(expand_year(n, raw.len()));
                }
            } else if day.is_none() {
                day = Some(n);
            }
        } else if let Some(m) = month_number(raw) {
            month.get_or_insert(m);
        } else if raw.chars().all(|c| c.is_ascii_alphabetic()) && weekday(raw) {
            continue;
        } else if time.is_some() && !zone_seen {
            zone = zone_abbreviation(raw).unwrap_or(Zone::Unknown);
            zone_seen = true;
        }
    }
    let (day, month, year, (h, mi, s)) = (day?, month?, year?, time?);
    if !(1..=31).contains(&day) || !(1900..=2200).contains(&year) {
        return None;
    }
    let wall = days_from_civil(year as i64, month, day) * 86_400
        + i64::from(h) * 3600
        + i64::from(mi) * 60
        + i64::from(s);
    Some(LocalTime { wall, zone })
}

fn parse_clock(raw: &str) -> Option<(u32, u32, u32)> {
    let mut parts = raw.split(':');
    let h: u32 = parts.next()?.parse().ok()?;
    let m: u32 = parts.next()?.parse().ok()?;
    let s: u32 = match parts.next() {
        // Fractions of a second are dropped.
        Some(s) => s.split('.').next()?.parse().ok()?,
        None => 0,
    };
    (h < 24 && m < 60 && s <= 60).then_some((h, m, s.min(59)))
}

fn parse_offset(raw: &str) -> Option<i32> {
    let sign = if raw.starts_with('-') { -1 } else { 1 };
    let digits: String = raw[1..].chars().filter(|c| *c != ':').collect();
    if !digits.chars().all(|c| c.is_ascii_digit()) {
        return None;
    }
    let (h, m) = match digits.len() {
        2 => (digits.parse::<i32>().ok()?, 0),
        4 => (
            digits[..2].parse::<i32>().ok()?,
            digits[2..].parse::<i32>().ok()?,
        ),
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

fn month_number(token: &str) -> Option<u32> {
    const MONTHS: [&str; 12] = [
        "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec",
    ];
    if token.len() < 3 || !token.is_char_boundary(3) {
        return None;
    }
    let head = token[..3].to_ascii_lowercase();
    MONTHS.iter().position(|m| *m == head).map(|i| i as u32 + 1)
}

fn weekday(token: &str) -> bool {
    const DAYS: [&str; 7] = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];
    token.len() >= 3
        && token.is_char_boundary(3)
        && DAYS.contains(&token[..3].to_ascii_lowercase().as_str())
}

/// Time-zone abbreviations as C-locale `date` and MTAs print them, in minutes
/// east of UTC. Ambiguous ones list their meanings, the most common first.
fn zone_abbreviation(abbr: &str) -> Option<Zone> {
    let one = |o| Some(Zone::Offset(o));
    let many = |c: &'static [i32]| Some(Zone::Ambiguous(c));
    match abbr.to_ascii_uppercase().as_str() {
        "UT" | "UTC" | "GMT" | "Z" | "WET" | "UCT" => one(0),
        "WEST" | "BST" | "CET" | "MET" | "WAT" => one(60),
        "CEST" | "MEST" | "EET" | "SAST" | "CAT" => one(120),
        "EEST" | "EAT" => one(180),
        "MSK" => Some(Zone::Moscow),
        "MSD" | "GST" | "SAMT" => one(240),
        "IRST" => one(210),
        "PKT" | "UZT" => one(300),
        "IST" => many(&[330, 60, 120]),
        "NPT" => one(345),
        "ICT" | "WIB" | "KRAT" => one(420),
        "HKT" | "SGT" | "PHT" | "MYT" | "AWST" | "WITA" => one(480),
        "JST" | "KST" | "WIT" => one(540),
        "ACST" => one(570),
        "ACDT" => one(630),
        "AEST" => one(600),
        "AEDT" => one(660),
        "NZST" => one(720),
        "NZDT" => one(780),
        // Australian zones printed EST/CST all year before tzdata 2014f.
        "EST" => many(&[-300, 600, 660]),
        "EDT" => many(&[-240, 660]),
        "CST" => many(&[-360, 480, 570, 630, -300]),
        "CDT" => one(-300),
        "MST" => one(-420),
        "MDT" => one(-360),
        "PST" => one(-480),
        "PDT" => one(-420),
        "AKST" => one(-540),
        "AKDT" => one(-480),
        "HST" => one(-600),
        "AST" => many(&[-240, 180]),
        "ADT" => one(-180),
        "NST" => one(-210),
        "NDT" => one(-150),
        "BRT" | "ART" | "UYT" | "CLST" => one(-180),
        "BRST" | "UYST" => one(-120),
        "CLT" | "VET" | "BOT" => one(-240),
        "COT" | "PET" | "ECT" => one(-300),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use f2b_core::time::format_rfc3339 as rfc3339;

    fn utc(text: &str) -> Option<String> {
        parse(text).and_then(|t| t.to_utc(None)).map(rfc3339)
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
    }

    #[test]
    fn not_dates() {
        assert_eq!(parse("hello world"), None);
        assert_eq!(parse("12:00"), None);
        assert_eq!(parse("Mar 99 2011 10:00:00"), None);
        assert_eq!(parse("Wed, 2 Mar 2011 25:00:00 +0000"), None);
    }
}
