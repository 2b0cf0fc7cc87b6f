//! Timestamps as seconds since the Unix epoch, from a record's `ts` (RFC 3339,
//! parsed by f2b-core) and from a snapshot's file name (`YYYYMMDD-HHMM`, UTC).

use f2b_core::time::{checked_days_from_civil, civil_from_days};

/// A record's `ts` in seconds since 1970-01-01T00:00:00Z (the shared parser
/// of every stage).
pub use f2b_core::time::parse_rfc3339;

/// Seconds since the epoch of a snapshot stamp: `yyyymmdd` and `hhmm`, UTC.
pub fn snapshot_time(yyyymmdd: &[u8], hhmm: &[u8]) -> Option<i64> {
    if yyyymmdd.len() != 8 || hhmm.len() != 4 {
        return None;
    }
    let days = checked_days_from_civil(
        digits(yyyymmdd, 0, 4)?,
        u32::try_from(digits(yyyymmdd, 4, 2)?).ok()?,
        u32::try_from(digits(yyyymmdd, 6, 2)?).ok()?,
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn snapshot_stamps_and_formatting_round_trip() {
        let t = snapshot_time(b"20110704", b"1200").unwrap();
        assert_eq!(format_minutes(t), "2011-07-04T12:00Z");
        assert_eq!(snapshot_time(b"20110231", b"1200"), None);
        assert_eq!(snapshot_time(b"2011070", b"1200"), None);
        assert_eq!(snapshot_time(b"20110704", b"2400"), None);
    }
}
