//! Dates and times of reports: days since 1970-01-01 (UTC), months, weekdays.
//!
//! `ts` is RFC 3339 (`2011-07-04T10:34:58Z`, also with a fraction or an
//! offset, which is converted to UTC); `date` is `YYYY-MM-DD`, or `YYYY-MM`
//! when f2b-anon generalised it. Nothing here allocates.

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
pub fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let m = i64::from(m);
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(d) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The (year, month, day) of a day number.
pub fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (if m <= 2 { y + 1 } else { y }, m, d)
}

/// Weekday of a day number: 0 = Monday ... 6 = Sunday.
pub fn weekday(day: i32) -> u8 {
    // 1970-01-01 was a Thursday (3).
    (i64::from(day) + 3).rem_euclid(7) as u8
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
    let (y, m, d) = civil_from_days(i64::from(day));
    format!("{y:04}-{m:02}-{d:02}")
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

fn days_in_month(y: i64, m: u32) -> u32 {
    match m {
        2 if (y % 4 == 0 && y % 100 != 0) || y % 400 == 0 => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
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
    Some(days_from_civil(y, m, d) as i32)
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

/// Remembers the last date parsed: consecutive reports mostly share it.
#[derive(Default)]
pub struct DateCache {
    text: [u8; 10],
    day: Option<i32>,
}

impl DateCache {
    /// [`parse_date`], from the cache when `s` is the date parsed last.
    #[inline]
    pub fn parse(&mut self, s: &[u8]) -> Option<i32> {
        if self.day.is_some() && s == self.text {
            return self.day;
        }
        let day = parse_date(s)?;
        self.text.copy_from_slice(s);
        self.day = Some(day);
        Some(day)
    }
}

/// Parses an RFC 3339 timestamp: `YYYY-MM-DDTHH:MM:SS[.frac](Z|+HH:MM|-HH:MM)`
/// (`T` may be `t` or a space, `Z` may be `z`).
pub fn parse_ts(s: &[u8]) -> Option<Instant> {
    parse_ts_cached(s, &mut DateCache::default())
}

/// [`parse_ts`] with a [`DateCache`].
#[inline]
pub fn parse_ts_cached(s: &[u8], cache: &mut DateCache) -> Option<Instant> {
    if s.len() < 20 || !matches!(s[10], b'T' | b't' | b' ') || s[13] != b':' || s[16] != b':' {
        return None;
    }
    let day = cache.parse(&s[..10])?;
    let h = digits(&s[11..13])?;
    let mi = digits(&s[14..16])?;
    let sec = digits(&s[17..19])?;
    if h > 23 || mi > 59 || sec > 60 {
        return None;
    }
    let mut rest = &s[19..];
    let mut nano = 0u32;
    if let Some(frac) = rest.strip_prefix(b".") {
        let n = frac.iter().take_while(|b| b.is_ascii_digit()).count();
        if n == 0 {
            return None;
        }
        for (i, d) in frac[..n].iter().enumerate().take(9) {
            nano += u32::from(d - b'0') * 10u32.pow(8 - i as u32);
        }
        rest = &frac[n..];
    }
    let offset: i64 = match rest {
        [b'Z' | b'z'] => 0,
        [sign @ (b'+' | b'-'), oh @ .., b':', om1, om2] if oh.len() == 2 => {
            let oh = i64::from(digits(oh)?);
            let om = i64::from(digits(&[*om1, *om2])?);
            if oh > 23 || om > 59 {
                return None;
            }
            let o = oh * 3600 + om * 60;
            if *sign == b'+' {
                o
            } else {
                -o
            }
        }
        _ => return None,
    };
    let local = i64::from(h) * 3600 + i64::from(mi) * 60 + i64::from(sec.min(59));
    let utc = i64::from(day) * 86_400 + local - offset;
    Some(Instant {
        day: utc.div_euclid(86_400) as i32,
        second: utc.rem_euclid(86_400) as u32,
        nano,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn civil_round_trip_over_centuries() {
        for z in -200_000..200_000i64 {
            let (y, m, d) = civil_from_days(z);
            assert_eq!(days_from_civil(y, m, d), z);
        }
        assert_eq!(days_from_civil(1970, 1, 1), 0);
        assert_eq!(format_day(days_from_civil(2011, 7, 4) as i32), "2011-07-04");
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
        let mut cache = DateCache::default();
        assert!(parse_ts_cached(b"2011-02-30T10:00:00Z", &mut cache).is_none());
        assert!(parse_ts_cached(b"2011-02-28T10:00:00Z", &mut cache).is_some());
        assert!(parse_ts_cached(b"2011-02-30T10:00:00Z", &mut cache).is_none());
        assert_eq!(
            parse_ts_cached(b"2011-02-28T11:00:00Z", &mut cache)
                .unwrap()
                .hour(),
            11
        );
    }
}
