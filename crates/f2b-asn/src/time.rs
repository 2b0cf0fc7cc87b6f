//! Timestamps as seconds since the Unix epoch, from a record's `ts` (RFC 3339)
//! and from a snapshot's file name (`YYYYMMDD-HHMM`, UTC).

/// Parses an RFC 3339 timestamp (`2011-07-04T10:34:58Z`, also with a
/// fraction, a lower-case `t`/`z`, a space for `T`, or a `±HH:MM` offset) into
/// seconds since 1970-01-01T00:00:00Z. Anything else gives `None`.
pub fn parse_rfc3339(text: &str) -> Option<i64> {
    let b = text.as_bytes();
    if b.len() < 20 {
        return None;
    }
    let year = digits(b, 0, 4)?;
    let month = digits(b, 5, 2)?;
    let day = digits(b, 8, 2)?;
    let hour = digits(b, 11, 2)?;
    let minute = digits(b, 14, 2)?;
    let second = digits(b, 17, 2)?;
    if b[4] != b'-' || b[7] != b'-' || !matches!(b[10], b'T' | b't' | b' ') {
        return None;
    }
    if b[13] != b':' || b[16] != b':' {
        return None;
    }
    let mut rest = &b[19..];
    if let [b'.', frac @ ..] = rest {
        let n = frac.iter().take_while(|c| c.is_ascii_digit()).count();
        if n == 0 {
            return None;
        }
        rest = &frac[n..];
    }
    let offset = match rest {
        [b'Z' | b'z'] => 0,
        [sign @ (b'+' | b'-'), h1, h2, b':', m1, m2] => {
            let hh = digits(&[*h1, *h2], 0, 2)?;
            let mm = digits(&[*m1, *m2], 0, 2)?;
            if hh > 23 || mm > 59 {
                return None;
            }
            let secs = hh * 3600 + mm * 60;
            if *sign == b'+' {
                secs
            } else {
                -secs
            }
        }
        _ => return None,
    };
    let days = days_from_civil(year, month, day)?;
    if hour > 23 || minute > 59 || second > 60 {
        return None;
    }
    Some(days * 86_400 + hour * 3600 + minute * 60 + second - offset)
}

/// Seconds since the epoch of a snapshot stamp: `yyyymmdd` and `hhmm`, UTC.
pub fn snapshot_time(yyyymmdd: &[u8], hhmm: &[u8]) -> Option<i64> {
    if yyyymmdd.len() != 8 || hhmm.len() != 4 {
        return None;
    }
    let days = days_from_civil(
        digits(yyyymmdd, 0, 4)?,
        digits(yyyymmdd, 4, 2)?,
        digits(yyyymmdd, 6, 2)?,
    )?;
    let (hour, minute) = (digits(hhmm, 0, 2)?, digits(hhmm, 2, 2)?);
    if hour > 23 || minute > 59 {
        return None;
    }
    Some(days * 86_400 + hour * 3600 + minute * 60)
}

/// Formats seconds since the epoch as `YYYY-MM-DDTHH:MMZ` (for messages).
pub fn format_minutes(secs: i64) -> String {
    let days = secs.div_euclid(86_400);
    let rem = secs.rem_euclid(86_400);
    let (y, m, d) = civil_from_days(days);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}Z",
        rem / 3600,
        rem % 3600 / 60
    )
}

fn digits(b: &[u8], at: usize, n: usize) -> Option<i64> {
    let field = b.get(at..at + n)?;
    let mut v = 0i64;
    for c in field {
        if !c.is_ascii_digit() {
            return None;
        }
        v = v * 10 + i64::from(c - b'0');
    }
    Some(v)
}

/// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's
/// algorithm); `None` for an impossible date.
fn days_from_civil(year: i64, month: i64, day: i64) -> Option<i64> {
    if !(1..=12).contains(&month) || day < 1 || day > days_in_month(year, month) {
        return None;
    }
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (month + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    Some(era * 146_097 + doe - 719_468)
}

fn civil_from_days(days: i64) -> (i64, i64, i64) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d)
}

fn days_in_month(year: i64, month: i64) -> i64 {
    match month {
        2 if (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc3339_gives_unix_seconds() {
        assert_eq!(parse_rfc3339("1970-01-01T00:00:00Z"), Some(0));
        assert_eq!(parse_rfc3339("2011-07-04T10:34:58Z"), Some(1_309_775_698));
        assert_eq!(
            parse_rfc3339("2011-07-04T10:34:58.123z"),
            Some(1_309_775_698)
        );
        assert_eq!(
            parse_rfc3339("2011-07-04 12:34:58+02:00"),
            Some(1_309_775_698)
        );
        assert_eq!(parse_rfc3339("2000-02-29T00:00:00Z"), Some(951_782_400));
    }

    #[test]
    fn impossible_or_sloppy_timestamps_are_rejected() {
        for bad in [
            "2011-07-04",
            "2011-07-04T10:34:58",
            "2011-13-04T10:34:58Z",
            "2011-02-29T10:34:58Z",
            "2011-07-04T24:00:00Z",
            "2011-07-04T10:34:58+0200",
            "2011-07-04T10:34:58.Z",
            "2011-07-04X10:34:58Z",
            "20११-07-04T10:34:58Z",
            "",
        ] {
            assert_eq!(parse_rfc3339(bad), None, "{bad}");
        }
    }

    #[test]
    fn snapshot_stamps_and_formatting_round_trip() {
        let t = snapshot_time(b"20110704", b"1200").unwrap();
        assert_eq!(format_minutes(t), "2011-07-04T12:00Z");
        assert_eq!(snapshot_time(b"20110231", b"1200"), None);
        assert_eq!(snapshot_time(b"2011070", b"1200"), None);
        assert_eq!(snapshot_time(b"20110704", b"2400"), None);
    }
}
