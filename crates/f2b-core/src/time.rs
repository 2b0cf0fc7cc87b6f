//! Civil dates and the record field `ts`.
//!
//! A day is its number since 1970-01-01 in the proleptic Gregorian calendar
//! (negative before), a time is Unix seconds in UTC. `ts` is RFC 3339 in UTC
//! as every stage writes it (`2011-07-04T10:34:58Z`); [`parse_rfc3339`] also
//! reads the forms other producers write: a fraction of a second, a lower-case
//! `t`/`z`, a space for `T`, a `±HH:MM` offset. Nothing here panics, whatever
//! the input.

/// Seconds per day.
const DAY: i64 = 86_400;

/// Whether `year` is a leap year of the proleptic Gregorian calendar.
pub fn is_leap_year(year: i64) -> bool {
    year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)
}

/// The number of days of `month` (1–12) in `year`; 0 for a month out of range.
pub fn days_in_month(year: i64, month: u32) -> u32 {
    match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if is_leap_year(year) => 29,
        2 => 28,
        _ => 0,
    }
}

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's
/// `days_from_civil`).
///
/// The date is not checked: a day past the end of its month rolls over into
/// the next (2011-02-30 is 2011-03-02), which the lenient mail-date readers
/// rely on; use [`checked_days_from_civil`] to refuse such dates. Meant for
/// years within ±10¹⁵ (far beyond any date f2b meets), where nothing overflows.
pub fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let m = i64::from(m);
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(d) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// [`days_from_civil`] of a real date only: `None` when the month is not
/// 1–12 or the day not within the month (2011-02-29, 2011-04-31).
pub fn checked_days_from_civil(y: i64, m: u32, d: u32) -> Option<i64> {
    (d >= 1 && d <= days_in_month(y, m)).then(|| days_from_civil(y, m, d))
}

/// The date `(year, month 1–12, day 1–31)` of a day number (Howard Hinnant's
/// `civil_from_days`, the inverse of [`days_from_civil`]).
pub fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    // Both are small and positive by construction.
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (yoe + era * 400 + i64::from(m <= 2), m, d)
}

/// The weekday of a day number: 0 = Monday … 6 = Sunday (1970-01-01 was a
/// Thursday, 3).
pub fn weekday(days: i64) -> u32 {
    (days + 3).rem_euclid(7) as u32
}

/// `YYYY-MM-DD` of a day number (the record field `date`).
pub fn format_date(days: i64) -> String {
    let (y, m, d) = civil_from_days(days);
    format!("{y:04}-{m:02}-{d:02}")
}

/// `YYYY-MM-DDTHH:MM:SSZ` of Unix seconds: `ts` as the stages write it.
/// Years 0–9999 are put together digit by digit (f2b-extract writes one for
/// every record, and the formatting machinery was a measurable share of its
/// run); others go through `format!`, which writes the same for them all.
pub fn format_rfc3339(secs: i64) -> String {
    let (days, rem) = (secs.div_euclid(DAY), secs.rem_euclid(DAY));
    let (year, month, day) = civil_from_days(days);
    let Some(year) = u32::try_from(year).ok().filter(|&y| y <= 9999) else {
        return formatted_rfc3339(secs);
    };
    let rem = rem as u32; // 0..86_400
    let two = |n: u32| [b'0' + (n / 10 % 10) as u8, b'0' + (n % 10) as u8];
    let [y1, y2] = two(year / 100);
    let [y3, y4] = two(year % 100);
    let [mo1, mo2] = two(month);
    let [d1, d2] = two(day);
    let [h1, h2] = two(rem / 3600);
    let [mi1, mi2] = two(rem % 3600 / 60);
    let [s1, s2] = two(rem % 60);
    let text = [
        y1, y2, y3, y4, b'-', mo1, mo2, b'-', d1, d2, b'T', h1, h2, b':', mi1, mi2, b':', s1, s2,
        b'Z',
    ];
    // ASCII digits and separators: always UTF-8.
    String::from_utf8(text.to_vec()).unwrap_or_else(|_| formatted_rfc3339(secs))
}

/// [`format_rfc3339`] through `format!`, for any year.
fn formatted_rfc3339(secs: i64) -> String {
    let (days, rem) = (secs.div_euclid(DAY), secs.rem_euclid(DAY));
    let (y, m, d) = civil_from_days(days);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

/// Parses an RFC 3339 timestamp into Unix seconds (UTC).
///
/// The shape is `YYYY-MM-DDTHH:MM:SS[.frac](Z|±HH:MM)`, where `T` may also be
/// `t` or a space and `Z` may be `z`; the fraction has at least one digit and
/// is dropped. The date must exist (no 2011-02-29), the hour be 0–23, the
/// minute 0–59, the second 0–60 — a leap second `:60` counts as `:59`, so it
/// stays in its minute and day — and the offset hours 0–23 and minutes 0–59.
/// Anything else, including a missing zone, is `None`.
pub fn parse_rfc3339(text: &str) -> Option<i64> {
    parse_rfc3339_nanos(text).map(|(secs, _)| secs)
}

/// [`parse_rfc3339`] that also gives the fraction of a second, in
/// nanoseconds (digits past the ninth are dropped).
pub fn parse_rfc3339_nanos(text: &str) -> Option<(i64, u32)> {
    let b = text.as_bytes();
    if b.len() < 20 {
        return None;
    }
    if b[4] != b'-' || b[7] != b'-' || !matches!(b[10], b'T' | b't' | b' ') {
        return None;
    }
    if b[13] != b':' || b[16] != b':' {
        return None;
    }
    let year = digits(&b[0..4])?;
    let (month, day) = (digits(&b[5..7])?, digits(&b[8..10])?);
    let (hour, minute, second) = (
        digits(&b[11..13])?,
        digits(&b[14..16])?,
        digits(&b[17..19])?,
    );
    if hour > 23 || minute > 59 || second > 60 {
        return None;
    }
    let mut rest = &b[19..];
    let mut nanos = 0u32;
    if let [b'.', frac @ ..] = rest {
        let n = frac.iter().take_while(|c| c.is_ascii_digit()).count();
        if n == 0 {
            return None;
        }
        for (i, c) in frac[..n.min(9)].iter().enumerate() {
            nanos += u32::from(c - b'0') * 10u32.pow(8 - i as u32);
        }
        rest = &frac[n..];
    }
    let offset = match rest {
        [b'Z' | b'z'] => 0,
        [sign @ (b'+' | b'-'), h1, h2, b':', m1, m2] => {
            let (oh, om) = (digits(&[*h1, *h2])?, digits(&[*m1, *m2])?);
            if oh > 23 || om > 59 {
                return None;
            }
            let o = i64::from(oh * 3600 + om * 60);
            if *sign == b'+' {
                o
            } else {
                -o
            }
        }
        _ => return None,
    };
    let days = checked_days_from_civil(i64::from(year), month, day)?;
    let local = i64::from(hour * 3600 + minute * 60 + second.min(59));
    Some((days * DAY + local - offset, nanos))
}

/// The value of a non-empty run of ASCII digits (at most 4 here).
fn digits(b: &[u8]) -> Option<u32> {
    if b.is_empty() || !b.iter().all(u8::is_ascii_digit) {
        return None;
    }
    Some(b.iter().fold(0u32, |n, c| n * 10 + u32::from(c - b'0')))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ts_text_by_digits_is_the_formatted_text() {
        let mut secs: i64 = -2_300_000_000;
        while secs < 7_500_000_000 {
            assert_eq!(format_rfc3339(secs), formatted_rfc3339(secs), "{secs}");
            secs += 86_399 * 7 + 3_517;
        }
        for secs in [
            0,
            -1,
            59,
            86_399,
            86_400,
            951_782_400,
            253_402_300_799,
            253_402_300_800,
            -62_200_000_000,
        ] {
            assert_eq!(format_rfc3339(secs), formatted_rfc3339(secs), "{secs}");
        }
    }

    #[test]
    fn civil_round_trip_over_centuries_and_before_1970() {
        for z in -800_000..3_000_000i64 {
            let (y, m, d) = civil_from_days(z);
            assert!((1..=12).contains(&m) && d >= 1 && d <= days_in_month(y, m));
            assert_eq!(days_from_civil(y, m, d), z);
            assert_eq!(checked_days_from_civil(y, m, d), Some(z));
        }
        assert_eq!(days_from_civil(1970, 1, 1), 0);
        assert_eq!(civil_from_days(-1), (1969, 12, 31));
        assert_eq!(civil_from_days(-719_528), (0, 1, 1));
        assert_eq!(civil_from_days(-719_529), (-1, 12, 31));
        assert_eq!(days_from_civil(9999, 12, 31), 2_932_896);
        assert_eq!(days_from_civil(2000, 3, 1), 11_017);
    }

    #[test]
    fn leap_years_and_month_lengths() {
        assert!(is_leap_year(2000) && is_leap_year(2012) && is_leap_year(0));
        assert!(!is_leap_year(1900) && !is_leap_year(2011) && !is_leap_year(2100));
        assert_eq!(days_in_month(2012, 2), 29);
        assert_eq!(days_in_month(1900, 2), 28);
        assert_eq!(days_in_month(2011, 4), 30);
        assert_eq!(days_in_month(2011, 0), 0);
        assert_eq!(days_in_month(2011, 13), 0);
        assert_eq!(checked_days_from_civil(2011, 2, 29), None);
        assert_eq!(checked_days_from_civil(2011, 4, 31), None);
        assert_eq!(checked_days_from_civil(2011, 1, 0), None);
        assert_eq!(checked_days_from_civil(2011, 13, 1), None);
        assert_eq!(
            checked_days_from_civil(2012, 2, 29),
            Some(days_from_civil(2012, 3, 1) - 1)
        );
        // Unchecked, a day past the month's end rolls over.
        assert_eq!(days_from_civil(2011, 2, 30), days_from_civil(2011, 3, 2));
    }

    #[test]
    fn weekdays_start_on_monday() {
        assert_eq!(weekday(0), 3); // 1970-01-01, Thursday
        assert_eq!(weekday(days_from_civil(2011, 7, 4)), 0);
        assert_eq!(weekday(days_from_civil(2012, 1, 1)), 6);
        assert_eq!(weekday(-1), 2);
        assert_eq!(weekday(-719_528), 5); // 0000-01-01, Saturday
    }

    #[test]
    fn formatting() {
        assert_eq!(format_rfc3339(0), "1970-01-01T00:00:00Z");
        assert_eq!(format_rfc3339(1_309_775_698), "2011-07-04T10:34:58Z");
        assert_eq!(format_rfc3339(-1), "1969-12-31T23:59:59Z");
        assert_eq!(format_rfc3339(253_402_300_799), "9999-12-31T23:59:59Z");
        assert_eq!(format_date(0), "1970-01-01");
        assert_eq!(format_date(-719_528), "0000-01-01");
        assert_eq!(format_date(15_399), "2012-02-29");
    }

    #[test]
    fn rfc3339_gives_unix_seconds() {
        assert_eq!(parse_rfc3339("1970-01-01T00:00:00Z"), Some(0));
        assert_eq!(parse_rfc3339("2011-07-04T10:34:58Z"), Some(1_309_775_698));
        assert_eq!(
            parse_rfc3339("2011-07-04t10:34:58.123z"),
            Some(1_309_775_698)
        );
        assert_eq!(
            parse_rfc3339("2011-07-04 12:34:58+02:00"),
            Some(1_309_775_698)
        );
        assert_eq!(
            parse_rfc3339("2011-07-04T09:04:58-01:30"),
            Some(1_309_775_698)
        );
        assert_eq!(parse_rfc3339("2000-02-29T00:00:00Z"), Some(951_782_400));
        assert_eq!(parse_rfc3339("1969-12-31T23:59:59Z"), Some(-1));
        assert_eq!(parse_rfc3339("0000-01-01T00:00:00Z"), Some(-62_167_219_200));
        assert_eq!(parse_rfc3339("9999-12-31T23:59:59Z"), Some(253_402_300_799));
        // Offsets may cross a day or year boundary.
        assert_eq!(
            parse_rfc3339("2011-01-01T00:30:00+01:00"),
            parse_rfc3339("2010-12-31T23:30:00Z")
        );
        // A leap second stays in its minute.
        assert_eq!(
            parse_rfc3339("2016-12-31T23:59:60Z"),
            parse_rfc3339("2016-12-31T23:59:59Z")
        );
    }

    #[test]
    fn fractions_give_nanoseconds() {
        assert_eq!(
            parse_rfc3339_nanos("2011-07-04T23:30:00.25-01:00"),
            Some((1_309_825_800, 250_000_000))
        );
        assert_eq!(
            parse_rfc3339_nanos("1970-01-01T00:00:00.1234567891234Z"),
            Some((0, 123_456_789))
        );
        assert_eq!(parse_rfc3339_nanos("1970-01-01T00:00:00Z"), Some((0, 0)));
    }

    #[test]
    fn round_trips() {
        for secs in [
            -62_167_219_200,
            -86_401,
            -1,
            0,
            951_782_400,
            1_309_775_698,
            253_402_300_799,
        ] {
            assert_eq!(parse_rfc3339(&format_rfc3339(secs)), Some(secs), "{secs}");
        }
        for secs in (0..400 * 366).map(|d| d * 86_400 * 7 + d * 3_607 - 5_000_000_000) {
            assert_eq!(parse_rfc3339(&format_rfc3339(secs)), Some(secs), "{secs}");
        }
    }

    #[test]
    fn impossible_or_sloppy_timestamps_are_rejected() {
        for bad in [
            "",
            "2011-07-04",
            "2011-07-04T10:34:58",
            "2011-07-04T10:34Z",
            "2011-13-04T10:34:58Z",
            "2011-00-04T10:34:58Z",
            "2011-02-29T10:34:58Z",
            "2011-02-30T10:34:58Z",
            "2011-04-31T10:34:58Z",
            "2011-07-00T10:34:58Z",
            "2011-07-04T24:00:00Z",
            "2011-07-04T10:60:00Z",
            "2011-07-04T10:34:61Z",
            "2011-07-04T10:34:58+0200",
            "2011-07-04T10:34:58+2:00",
            "2011-07-04T10:34:58+24:00",
            "2011-07-04T10:34:58+02:60",
            "2011-07-04T10:34:58.Z",
            "2011-07-04T10:34:58.5",
            "2011-07-04T10:34:58ZZ",
            "2011-07-04T10:34:58Z ",
            "2011-07-04X10:34:58Z",
            "2011-7-04T10:34:58Z",
            "+011-07-04T10:34:58Z",
            "2011-07-04T1:34:58Z ",
            "20११-07-04T10:34:58Z",
            "2011-07-04T10:34:५८Z",
        ] {
            assert_eq!(parse_rfc3339(bad), None, "{bad}");
        }
    }

    #[test]
    fn arbitrary_text_never_panics() {
        let alphabet = "0123456789-:.TtZz+ \u{e9}";
        let chars: Vec<char> = alphabet.chars().collect();
        let mut seed = 0x2545_f491_4f6c_dd1du64;
        for _ in 0..50_000 {
            let mut s = String::new();
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            let len = (seed % 32) as usize;
            for i in 0..len {
                s.push(chars[((seed >> (i % 48)) as usize + i) % chars.len()]);
            }
            let _ = parse_rfc3339_nanos(&s);
            let mut fixed = *b"2011-07-04T10:34:58.5+01:00";
            fixed[(seed % 27) as usize] = (seed >> 8) as u8 & 0x7f;
            if let Ok(t) = std::str::from_utf8(&fixed) {
                let _ = parse_rfc3339_nanos(t);
            }
        }
    }
}
