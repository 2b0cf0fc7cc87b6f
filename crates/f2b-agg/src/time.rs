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
/// `Z` may be `z`. The local date must also be a date of a report (years
/// 1900 to 9999), like [`parse_date`].
#[inline]
pub fn parse_ts(s: &[u8]) -> Option<Instant> {
    let (secs, nano) = parse_rfc3339_nanos(std::str::from_utf8(s).ok()?)?;
    // The four year digits were checked by the parser.
    if s[..4] < b"1900"[..] {
        return None;
    }
    Some(Instant {
        day: secs.div_euclid(86_400) as i32,
        second: secs.rem_euclid(86_400) as u32,
        nano,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

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
        assert!(parse_ts(b"1900-01-01T00:30:00+01:00").is_some());
        let t = parse_ts(b"2011-07-04T23:59:60.5Z").unwrap();
        assert_eq!((t.second, t.nano), (86_399, 500_000_000));
    }
}
