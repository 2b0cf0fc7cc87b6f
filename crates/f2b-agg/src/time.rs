//! Dates and times of reports: days since 1970-01-01 (UTC), months, weekdays.
//!
//! `ts` is RFC 3339 (`2011-07-04T10:34:58Z`, also with a fraction or an
//! offset, which is converted to UTC); `date` is `YYYY-MM-DD`, or `YYYY-MM`
//! when f2b-anon generalised it. Nothing here allocates.

use f2b_core::time::{civil_from_days, days_in_month, format_date, parse_rfc3339_nanos};

/// Weekday of a day number: 0 = Monday ... 6 = Sunday.
pub fn weekday(day: i32) -> u8 {
    f2b_core::time::weekday(i64::from(day)) as u8
}

/// Short English weekday names, Monday first.
pub const WEEKDAYS: [&str; 7] = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];

/// Month number (`year * 12 + month - 1`) of a day number.
pub fn month_of_day(day: i32) -> i32 {
    let (y, m, _) = civil_from_days(i64::from(day));
    (y * 12 + i64::from(m) - 1) as i32
}

/// `YYYY-MM-DD` of a day number.
pub fn format_day(day: i32) -> String {
    format_date(i64::from(day))
}

/// `YYYY-MM` of a month number.
pub fn format_month(month: i32) -> String {
    format!(
        "{:04}-{:02}",
        month.div_euclid(12),
        month.rem_euclid(12) + 1
    )
}

/// Years outside this range are not dates of Fail2Ban reports; refusing them
/// keeps every day number well inside `i32`.
const YEARS: std::ops::RangeInclusive<i64> = 1900..=9999;

fn digits(b: &[u8]) -> Option<u32> {
    if b.is_empty() || !b.iter().all(u8::is_ascii_digit) {
        return None;
    }
    Some(b.iter().fold(0u32, |n, d| n * 10 + u32::from(d - b'0')))
}

/// The day number of `YYYY-MM-DD`.
pub fn parse_date(s: &[u8]) -> Option<i32> {
    if s.len() != 10 || s[4] != b'-' || s[7] != b'-' {
        return None;
    }
    let y = i64::from(digits(&s[..4])?);
    let m = digits(&s[5..7])?;
    let d = digits(&s[8..10])?;
    if !YEARS.contains(&y) || !(1..=12).contains(&m) || d < 1 || d > days_in_month(y, m) {
        return None;
    }
    Some(f2b_core::time::days_from_civil(y, m, d) as i32)
}

/// The month number of `YYYY-MM`.
pub fn parse_month(s: &[u8]) -> Option<i32> {
    if s.len() != 7 || s[4] != b'-' {
        return None;
    }
    let y = i64::from(digits(&s[..4])?);
    let m = digits(&s[5..7])?;
    if !YEARS.contains(&y) || !(1..=12).contains(&m) {
        return None;
    }
    Some((y * 12 + i64::from(m) - 1) as i32)
}

/// A point in time from `ts`, in UTC.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Instant {
    /// Day number.
    pub day: i32,
    /// Seconds into the day, 0..86400 (a leap second `:60` counts as 86399).
    pub second: u32,
    /// Nanoseconds of a fraction, if any.
    pub nano: u32,
}

impl Instant {
    /// The UTC hour, 0..=23.
    pub fn hour(&self) -> u8 {
        (self.second / 3600) as u8
    }
}

/// Parses an RFC 3339 timestamp (see [`f2b_core::time::parse_rfc3339`]):
/// `YYYY-MM-DDTHH:MM:SS[.frac](Z|+HH:MM|-HH:MM)`, `T` may be `t` or a space,
/// `Z` may be `z`. Its UTC day must be a date of a report (years 1900 to
/// 9999), like [`parse_date`]: the day is written in the digest and read
/// back by `--merge` and f2b-report.
#[inline]
pub fn parse_ts(s: &[u8]) -> Option<Instant> {
    parse_ts_str(std::str::from_utf8(s).ok()?)
}

/// [`parse_ts`] of text.
#[inline]
pub fn parse_ts_str(s: &str) -> Option<Instant> {
    let (secs, nano) = parse_rfc3339_nanos(s)?;
    let day = secs.div_euclid(86_400);
    let first = f2b_core::time::days_from_civil(*YEARS.start(), 1, 1);
    let last = f2b_core::time::days_from_civil(*YEARS.end(), 12, 31);
    if !(first..=last).contains(&day) {
        return None;
    }
    Some(Instant {
        day: day as i32,
        second: secs.rem_euclid(86_400) as u32,
        nano,
    })
}

/// [`parse_ts_str`] for a stream of timestamps: it remembers the date of
/// the last plain UTC timestamp (`YYYY-MM-DDTHH:MM:SSZ`), and a timestamp
/// of that form on that date needs only its time read. Reports come in
/// time order, so this is most of them; the full parse was 5 % of the
/// digest's instructions on enriched records (callgrind).
#[derive(Debug, Default, Clone)]
pub struct TsParser {
    /// The date as written, and its day number.
    date: Option<([u8; 10], i32)>,
}

impl TsParser {
    /// [`parse_ts_str`] of `s`.
    #[inline]
    pub fn parse(&mut self, s: &str) -> Option<Instant> {
        let b = s.as_bytes();
        if let Some((date, day)) = self.date {
            if b.get(..10) == Some(&date[..]) {
                if let Some(second) = utc_time(b) {
                    return Some(Instant {
                        day,
                        second,
                        nano: 0,
                    });
                }
            }
        }
        let t = parse_ts_str(s)?;
        if let (Some(date), Some(_)) = (b.first_chunk::<10>(), utc_time(b)) {
            // Without a fraction or an offset, the day is the date's.
            self.date = Some((*date, t.day));
        }
        Some(t)
    }
}

/// [`parse_date`] for a stream of dates: the last date is remembered with
/// its day number, and most reports repeat the date of the one before.
#[derive(Debug, Default, Clone)]
pub struct DateParser {
    last: Option<([u8; 10], i32)>,
}

impl DateParser {
    /// [`parse_date`] of `s`.
    #[inline]
    pub fn parse(&mut self, s: &[u8]) -> Option<i32> {
        match self.last {
            Some((text, day)) if s == text => Some(day),
            _ => {
                let day = parse_date(s)?;
                self.last = s.first_chunk::<10>().map(|t| (*t, day));
                Some(day)
            }
        }
    }
}

/// The seconds into the day of `YYYY-MM-DDTHH:MM:SSZ` (`z` too; the date
/// is not looked at), as [`parse_ts_str`] reads them; `None` for any other
/// form.
#[inline]
fn utc_time(b: &[u8]) -> Option<u32> {
    let [_, _, _, _, _, _, _, _, _, _, b'T', h1, h2, b':', m1, m2, b':', s1, s2, b'Z' | b'z'] = *b
    else {
        return None;
    };
    let two = |a: u8, b: u8| {
        (a.is_ascii_digit() && b.is_ascii_digit())
            .then(|| u32::from(a - b'0') * 10 + u32::from(b - b'0'))
    };
    let (h, m, s) = (two(h1, h2)?, two(m1, m2)?, two(s1, s2)?);
    // A leap second counts as the last second of its minute.
    (h <= 23 && m <= 59 && s <= 60).then(|| h * 3600 + m * 60 + s.min(59))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_remembered_date_gives_what_the_full_parse_gives() {
        let mut p = TsParser::default();
        for ts in [
            "2011-07-04T10:34:58Z",
            "2011-07-04T10:34:59Z",
            "2011-07-04T23:59:60Z",
            "2011-07-04T24:00:00Z",
            "2011-07-04T10:60:00Z",
            "2011-07-04t10:34:58Z",
            "2011-07-04T10:34:58z",
            "2011-07-04T1x:34:58Z",
            "2011-07-04T10:34:58.5Z",
            "2011-07-04T10:34:58+02:00",
            "2011-07-04T01:34:58-02:00",
            "2011-07-05T00:00:00Z",
            "2011-07-04T10:34:58Z",
            "1899-12-31T10:34:58Z",
            "1899-12-31T10:34:59Z",
            "2011-02-30T10:34:58Z",
            "2011-02-30T10:34:59Z",
        ] {
            assert_eq!(p.parse(ts), parse_ts_str(ts), "{ts}");
        }
    }

    #[test]
    fn a_remembered_date_is_the_parsed_one() {
        let mut p = DateParser::default();
        for d in [
            "2011-07-04",
            "2011-07-04",
            "2011-02-30",
            "2011-07-04",
            "2011-07",
            "2011-07-05",
        ] {
            assert_eq!(p.parse(d.as_bytes()), parse_date(d.as_bytes()), "{d}");
        }
    }

    #[test]
    fn days_format() {
        assert_eq!(format_day(0), "1970-01-01");
        assert_eq!(format_day(parse_date(b"2011-07-04").unwrap()), "2011-07-04");
    }

    #[test]
    fn weekdays_start_on_monday() {
        // 2011-07-04 was a Monday, 2012-01-01 a Sunday.
        assert_eq!(weekday(parse_date(b"2011-07-04").unwrap()), 0);
        assert_eq!(weekday(parse_date(b"2012-01-01").unwrap()), 6);
        assert_eq!(weekday(-1), 2);
    }

    #[test]
    fn dates_and_months_are_validated() {
        assert!(parse_date(b"2012-02-29").is_some());
        assert!(parse_date(b"2011-02-29").is_none());
        assert!(parse_date(b"2011-13-01").is_none());
        assert!(parse_date(b"2011-7-04").is_none());
        assert!(parse_date(b"20110704").is_none());
        assert_eq!(parse_month(b"2011-07"), Some(2011 * 12 + 6));
        assert_eq!(format_month(2011 * 12 + 6), "2011-07");
        assert!(parse_month(b"2011-00").is_none());
        assert_eq!(
            month_of_day(parse_date(b"2011-07-31").unwrap()),
            2011 * 12 + 6
        );
    }

    #[test]
    fn timestamps_are_converted_to_utc() {
        let t = parse_ts(b"2011-07-04T10:34:58Z").unwrap();
        assert_eq!(
            (format_day(t.day), t.hour(), t.second % 60),
            ("2011-07-04".into(), 10, 58)
        );
        let t = parse_ts(b"2011-07-04T01:30:00+02:00").unwrap();
        assert_eq!((format_day(t.day), t.hour()), ("2011-07-03".into(), 23));
        let t = parse_ts(b"2011-07-04T23:30:00.25-01:00").unwrap();
        assert_eq!(
            (format_day(t.day), t.hour(), t.nano),
            ("2011-07-05".into(), 0, 250_000_000)
        );
        assert!(parse_ts(b"2011-07-04").is_none());
        assert!(parse_ts(b"2011-07-04T24:00:00Z").is_none());
        assert!(parse_ts(b"2011-07-04T10:34:58").is_none());
        assert!(parse_ts(b"2011-07-04T10:34:58.Z").is_none());
        assert!(parse_ts(b"2011-07-04T10:34:58+2:00").is_none());
        assert!(parse_ts(b"2011-02-30T10:00:00Z").is_none());
        assert!(parse_ts(b"1899-12-31T23:00:00Z").is_none());
        // The UTC day decides: 1899-12-31 and 10000-01-01 are not dates of
        // a digest (merging and f2b-report read them back).
        assert!(parse_ts(b"1900-01-01T00:30:00+01:00").is_none());
        assert!(parse_ts(b"1900-01-01T00:30:00-01:00").is_some());
        assert!(parse_ts(b"9999-12-31T23:00:00-05:00").is_none());
        let t = parse_ts(b"2011-07-04T23:59:60.5Z").unwrap();
        assert_eq!((t.second, t.nano), (86_399, 500_000_000));
    }
}
