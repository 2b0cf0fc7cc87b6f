//! Days and months as numbers, so that a timeline can place them.
//!
//! A day is its number since 1970-01-01 (proleptic Gregorian calendar), a
//! month its number since year 0 (`year * 12 + month - 1`). Only the years
//! 0000 to 9999 are accepted, which keeps every computation far from
//! overflow whatever a digest says.

use f2b_core::time::{checked_days_from_civil, civil_from_days, days_from_civil, format_date};

/// Month names for tick labels.
const MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];

fn digits(text: &[u8]) -> Option<i64> {
    if text.is_empty() || !text.iter().all(u8::is_ascii_digit) {
        return None;
    }
    Some(text.iter().fold(0i64, |n, d| n * 10 + i64::from(d - b'0')))
}

/// The year and month of `YYYY-MM`.
fn year_month(text: &[u8]) -> Option<(i64, u32)> {
    if text.len() != 7 || text[4] != b'-' {
        return None;
    }
    let year = digits(&text[..4])?;
    let month = u32::try_from(digits(&text[5..7])?).ok()?;
    (1..=12).contains(&month).then_some((year, month))
}

/// The day number of `YYYY-MM-DD`, or `None` when it is not a real date.
pub fn parse_day(text: &str) -> Option<i64> {
    let b = text.as_bytes();
    if b.len() != 10 || b[7] != b'-' {
        return None;
    }
    let (year, month) = year_month(&b[..7])?;
    let day = u32::try_from(digits(&b[8..])?).ok()?;
    checked_days_from_civil(year, month, day)
}

/// The month number of `YYYY-MM`, or `None` when it is not a real month.
pub fn parse_month(text: &str) -> Option<i64> {
    let (year, month) = year_month(text.as_bytes())?;
    Some(year * 12 + i64::from(month) - 1)
}

/// The month number of a day number.
pub fn month_of_day(days: i64) -> i64 {
    let (y, m, _) = civil_from_days(days);
    y * 12 + i64::from(m) - 1
}

/// The day number of the first day of a month number.
pub fn first_day_of_month(month: i64) -> i64 {
    let year = month.div_euclid(12);
    // In 1..=12 by construction.
    let m = (month.rem_euclid(12) + 1) as u32;
    days_from_civil(year, m, 1)
}

/// The short name of a month number (`"Mar"`).
pub fn month_name(month: i64) -> &'static str {
    MONTHS[month.rem_euclid(12) as usize]
}

/// The year of a month number.
pub fn year_of_month(month: i64) -> i64 {
    month.div_euclid(12)
}

/// `YYYY-MM-DD` of a day number.
pub fn format_day(days: i64) -> String {
    format_date(days)
}

/// `YYYY-MM` of a month number.
pub fn format_month(month: i64) -> String {
    format!(
        "{:04}-{:02}",
        year_of_month(month),
        month.rem_euclid(12) + 1
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn days_round_trip_across_leap_years_and_centuries() {
        assert_eq!(parse_day("1970-01-01"), Some(0));
        assert_eq!(parse_day("2000-03-01"), Some(11_017));
        for d in [-719_528, -1, 0, 59, 60, 11_016, 15_000, 2_932_896] {
            assert_eq!(parse_day(&format_day(d)), Some(d), "{d}");
        }
        assert_eq!(parse_day("0000-01-01"), Some(-719_528));
        assert_eq!(parse_day("9999-12-31"), Some(2_932_896));
        assert_eq!(
            parse_day("2012-02-29").map(format_day).as_deref(),
            Some("2012-02-29")
        );
    }

    #[test]
    fn impossible_dates_are_refused() {
        for bad in [
            "2011-02-29",
            "2011-13-01",
            "2011-00-10",
            "2011-04-31",
            "2011-4-1",
            "",
            "x",
            "2011-04-1x",
            "+011-04-01",
            "2011/04/01",
            "2011-04-01T",
        ] {
            assert_eq!(parse_day(bad), None, "{bad}");
        }
        assert_eq!(parse_month("2011-13"), None);
        assert_eq!(parse_month("2011-1"), None);
    }

    #[test]
    fn months_number_and_name() {
        let m = parse_month("2011-07").unwrap();
        assert_eq!(format_month(m), "2011-07");
        assert_eq!(month_name(m), "Jul");
        assert_eq!(month_of_day(parse_day("2011-07-31").unwrap()), m);
        assert_eq!(format_day(first_day_of_month(m)), "2011-07-01");
    }
}
