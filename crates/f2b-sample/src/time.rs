//! Calendar arithmetic, the time zones the reporting servers ran in, and the
//! date formats that appear in mail (RFC 2822 in its MTA dialects, `date`,
//! syslog, qmail, the mbox `From ` line).
//!
//! Time is Unix seconds (UTC). Zone rules are the ones in force in 2007–2014,
//! simplified where history was messier (Brazil); what matters is that every
//! printed local time, offset and abbreviation agree with each other and with
//! the UTC time the ground truth states.

use std::fmt::Write;

use f2b_core::time::{civil_from_days, days_from_civil};

/// Unix time in seconds.
pub type Ts = i64;

/// Seconds per day.
pub const DAY: Ts = 86_400;
/// Seconds per hour.
pub const HOUR: Ts = 3_600;

const WEEKDAYS: [&str; 7] = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];
const MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];

/// Unix time of a UTC date and time.
pub fn timestamp(year: i64, month: u32, day: u32, hour: u32, min: u32, sec: u32) -> Ts {
    days_from_civil(year, month, day) * DAY
        + i64::from(hour) * HOUR
        + i64::from(min) * 60
        + i64::from(sec)
}

/// Parses `YYYY-MM-DD` as midnight UTC.
pub fn parse_date(text: &str) -> Option<Ts> {
    let mut parts = text.trim().splitn(3, '-');
    let year: i64 = parts.next()?.parse().ok()?;
    let month: u32 = parts.next()?.parse().ok()?;
    let day: u32 = parts.next()?.parse().ok()?;
    let valid = (1..=12).contains(&month) && (1..=31).contains(&day);
    let ts = timestamp(year, month, day, 0, 0, 0);
    // Reject dates such as 2011-02-30 that would silently roll over.
    (valid && civil_from_days(ts.div_euclid(DAY)) == (year, month, day)).then_some(ts)
}

/// Broken-down time.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Civil {
    /// Year, e.g. 2011.
    pub year: i64,
    /// Month 1–12.
    pub month: u32,
    /// Day of the month 1–31.
    pub day: u32,
    /// Hour 0–23.
    pub hour: u32,
    /// Minute 0–59.
    pub min: u32,
    /// Second 0–59.
    pub sec: u32,
    /// Day of the week, 0 = Sunday.
    pub weekday: usize,
}

impl Civil {
    /// The broken-down form of `ts` (already shifted to local time if wanted).
    pub fn of(ts: Ts) -> Civil {
        let days = ts.div_euclid(DAY);
        let secs = ts.rem_euclid(DAY) as u32;
        let (year, month, day) = civil_from_days(days);
        Civil {
            year,
            month,
            day,
            hour: secs / 3600,
            min: secs / 60 % 60,
            sec: secs % 60,
            // f2b-core counts from Monday, this from Sunday.
            weekday: (f2b_core::time::weekday(days) as usize + 1) % 7,
        }
    }

    /// Three-letter English weekday.
    pub fn weekday_name(&self) -> &'static str {
        WEEKDAYS[self.weekday]
    }

    /// Three-letter English month.
    pub fn month_name(&self) -> &'static str {
        MONTHS[self.month as usize - 1]
    }
}

/// How a zone switches to daylight saving time.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Rule {
    /// No DST.
    Fixed,
    /// EU: last Sunday of March to last Sunday of October, 01:00 UTC.
    Eu,
    /// US and Canada since 2007: second Sunday of March to first Sunday of
    /// November, 02:00 local.
    Us,
    /// Moscow: EU-like DST until March 2011, then permanent +4 until October 2014.
    Moscow,
    /// Brazil (simplified): third Sunday of October to third Sunday of February.
    Brazil,
    /// South-east Australia since 2008: first Sunday of October to first Sunday of April.
    Australia,
}

/// A time zone as the servers' `date` and MTAs print it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Zone {
    /// Olson name, for the manifest and the reader.
    pub name: &'static str,
    std_abbr: &'static str,
    dst_abbr: &'static str,
    std_offset: i32,
    rule: Rule,
}

/// The zones reporting servers run in. Abbreviations are chosen so that each
/// one means one offset (US `CST`, never China's).
pub const ZONES: &[Zone] = &[
    zone("UTC", "UTC", "UTC", 0, Rule::Fixed),
    zone("Europe/London", "GMT", "BST", 0, Rule::Eu),
    zone("Europe/Lisbon", "WET", "WEST", 0, Rule::Eu),
    zone("Europe/Berlin", "CET", "CEST", 3600, Rule::Eu),
    zone("Europe/Bucharest", "EET", "EEST", 7200, Rule::Eu),
    zone("Europe/Moscow", "MSK", "MSD", 10_800, Rule::Moscow),
    zone("America/New_York", "EST", "EDT", -18_000, Rule::Us),
    zone("America/Chicago", "CST", "CDT", -21_600, Rule::Us),
    zone("America/Denver", "MST", "MDT", -25_200, Rule::Us),
    zone("America/Phoenix", "MST", "MST", -25_200, Rule::Fixed),
    zone("America/Los_Angeles", "PST", "PDT", -28_800, Rule::Us),
    zone("America/Sao_Paulo", "BRT", "BRST", -10_800, Rule::Brazil),
    zone("Asia/Tokyo", "JST", "JST", 32_400, Rule::Fixed),
    zone("Asia/Seoul", "KST", "KST", 32_400, Rule::Fixed),
    zone("Asia/Hong_Kong", "HKT", "HKT", 28_800, Rule::Fixed),
    zone("Asia/Singapore", "SGT", "SGT", 28_800, Rule::Fixed),
    zone("Australia/Sydney", "AEST", "AEDT", 36_000, Rule::Australia),
];

const fn zone(
    name: &'static str,
    std_abbr: &'static str,
    dst_abbr: &'static str,
    std_offset: i32,
    rule: Rule,
) -> Zone {
    Zone {
        name,
        std_abbr,
        dst_abbr,
        std_offset,
        rule,
    }
}

/// The zone named `name` (one of [`ZONES`]); UTC when unknown.
pub fn zone_named(name: &str) -> Zone {
    ZONES
        .iter()
        .copied()
        .find(|z| z.name == name)
        .unwrap_or(ZONES[0])
}

/// Day number of the `n`-th (1-based) Sunday of a month; `n = 0` is the last.
fn sunday(year: i64, month: u32, n: u32) -> i64 {
    if n == 0 {
        let next = if month == 12 {
            days_from_civil(year + 1, 1, 1)
        } else {
            days_from_civil(year, month + 1, 1)
        };
        let last = next - 1;
        last - (last + 4).rem_euclid(7)
    } else {
        let first = days_from_civil(year, month, 1);
        let to_sunday = (7 - (first + 4).rem_euclid(7)) % 7;
        first + to_sunday + 7 * i64::from(n - 1)
    }
}

impl Zone {
    /// The offset from UTC in seconds and the abbreviation in force at `ts`.
    pub fn at(&self, ts: Ts) -> (i32, &'static str) {
        let year = Civil::of(ts).year;
        let std = i64::from(self.std_offset);
        let dst = match self.rule {
            Rule::Fixed => false,
            Rule::Eu => {
                let start = sunday(year, 3, 0) * DAY + HOUR;
                let end = sunday(year, 10, 0) * DAY + HOUR;
                ts >= start && ts < end
            }
            Rule::Us => {
                let start = sunday(year, 3, 2) * DAY + 2 * HOUR - std;
                let end = sunday(year, 11, 1) * DAY + 2 * HOUR - std - HOUR;
                ts >= start && ts < end
            }
            Rule::Moscow => {
                let permanent = timestamp(2011, 3, 26, 23, 0, 0);
                let back = timestamp(2014, 10, 25, 22, 0, 0);
                if ts >= permanent && ts < back {
                    return (14_400, "MSK");
                }
                let start = sunday(year, 3, 0) * DAY - HOUR;
                let end = sunday(year, 10, 0) * DAY - HOUR;
                ts < permanent && ts >= start && ts < end
            }
            Rule::Brazil => {
                let start = sunday(year, 10, 3) * DAY - std;
                let end = sunday(year, 2, 3) * DAY - std - HOUR;
                ts >= start || ts < end
            }
            Rule::Australia => {
                let start = sunday(year, 10, 1) * DAY + 2 * HOUR - std;
                let end = sunday(year, 4, 1) * DAY + 3 * HOUR - std - HOUR;
                ts >= start || ts < end
            }
        };
        if dst {
            (self.std_offset + 3600, self.dst_abbr)
        } else {
            (self.std_offset, self.std_abbr)
        }
    }

    /// `ts` as local time in this zone.
    pub fn local(&self, ts: Ts) -> Local {
        let (offset, abbr) = self.at(ts);
        Local {
            civil: Civil::of(ts + i64::from(offset)),
            offset,
            abbr,
        }
    }
}

/// A local time with its offset and zone abbreviation.
#[derive(Clone, Copy, Debug)]
pub struct Local {
    /// The local wall-clock time.
    pub civil: Civil,
    /// Offset from UTC in seconds.
    pub offset: i32,
    /// Zone abbreviation (`CEST`).
    pub abbr: &'static str,
}

impl Local {
    /// The same instant in UTC.
    pub fn utc(ts: Ts) -> Local {
        Local {
            civil: Civil::of(ts),
            offset: 0,
            abbr: "UTC",
        }
    }
}

/// How an MTA or program spells an RFC 2822 date.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DateStyle {
    /// `Mon, 04 Jul 2011 10:34:58 +0200` (Exim, `date +"%a, %d %h %Y %T %z"`).
    ZeroPadded,
    /// `Mon,  4 Jul 2011 10:34:58 +0200 (CEST)` (Postfix).
    SpacePadded,
    /// `Mon, 4 Jul 2011 10:34:58 +0200 (CEST)` (Sendmail).
    Unpadded,
    /// `Mon, 4 Jul 2011 10:34:58 +0200` (Courier, mailx, Exchange).
    UnpaddedNoComment,
}

fn offset_text(out: &mut String, offset: i32) {
    let sign = if offset < 0 { '-' } else { '+' };
    let abs = offset.unsigned_abs();
    let _ = write!(out, "{sign}{:02}{:02}", abs / 3600, abs / 60 % 60);
}

/// Appends an RFC 2822 date in the given style.
pub fn push_rfc2822(out: &mut String, t: &Local, style: DateStyle) {
    let c = &t.civil;
    let _ = match style {
        DateStyle::ZeroPadded => write!(out, "{}, {:02} ", c.weekday_name(), c.day),
        DateStyle::SpacePadded => write!(out, "{}, {:>2} ", c.weekday_name(), c.day),
        DateStyle::Unpadded | DateStyle::UnpaddedNoComment => {
            write!(out, "{}, {} ", c.weekday_name(), c.day)
        }
    };
    let _ = write!(
        out,
        "{} {} {:02}:{:02}:{:02} ",
        c.month_name(),
        c.year,
        c.hour,
        c.min,
        c.sec
    );
    offset_text(out, t.offset);
    if matches!(style, DateStyle::SpacePadded | DateStyle::Unpadded) {
        let _ = write!(out, " ({})", t.abbr);
    }
}

/// An RFC 2822 date in the given style.
pub fn rfc2822(t: &Local, style: DateStyle) -> String {
    let mut s = String::with_capacity(40);
    push_rfc2822(&mut s, t, style);
    s
}

/// C-locale `date` output: `Mon Jul  4 12:34:56 CEST 2011`.
pub fn ctime(t: &Local) -> String {
    let c = &t.civil;
    format!(
        "{} {} {:>2} {:02}:{:02}:{:02} {} {}",
        c.weekday_name(),
        c.month_name(),
        c.day,
        c.hour,
        c.min,
        c.sec,
        t.abbr,
        c.year
    )
}

/// The mbox `From ` line date (asctime, UTC): `Tue Mar  1 06:38:07 2011`.
pub fn asctime(ts: Ts) -> String {
    let c = Civil::of(ts);
    format!(
        "{} {} {:>2} {:02}:{:02}:{:02} {}",
        c.weekday_name(),
        c.month_name(),
        c.day,
        c.hour,
        c.min,
        c.sec,
        c.year
    )
}

/// A syslog timestamp: `Mar  4 22:40:41`.
pub fn syslog(t: &Local) -> String {
    let c = &t.civil;
    format!(
        "{} {:>2} {:02}:{:02}:{:02}",
        c.month_name(),
        c.day,
        c.hour,
        c.min,
        c.sec
    )
}

/// qmail's date (always UTC): `1 Mar 2011 08:53:54 -0000`.
pub fn qmail(ts: Ts) -> String {
    let c = Civil::of(ts);
    format!(
        "{} {} {} {:02}:{:02}:{:02} -0000",
        c.day,
        c.month_name(),
        c.year,
        c.hour,
        c.min,
        c.sec
    )
}

/// Exchange's short date: `3/4/2011 10:40 PM`.
pub fn exchange(t: &Local) -> String {
    let c = &t.civil;
    let (h12, ampm) = match c.hour {
        0 => (12, "AM"),
        1..=11 => (c.hour, "AM"),
        12 => (12, "PM"),
        _ => (c.hour - 12, "PM"),
    };
    format!(
        "{}/{}/{} {}:{:02} {}",
        c.month, c.day, c.year, h12, c.min, ampm
    )
}

/// `YYYY-MM` of a UTC time, the mbox file a message arriving then goes to.
pub fn month_key(ts: Ts) -> String {
    let c = Civil::of(ts);
    format!("{:04}-{:02}", c.year, c.month)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps_and_weekdays() {
        assert_eq!(timestamp(2011, 7, 4, 10, 34, 58), 1_309_775_698);
        assert_eq!(Civil::of(1_309_775_698).weekday_name(), "Mon");
        assert_eq!(Civil::of(timestamp(2012, 1, 1, 12, 0, 0)).weekday, 0);
        assert_eq!(Civil::of(timestamp(2011, 12, 31, 12, 0, 0)).weekday, 6);
        assert_eq!(Civil::of(-1).weekday_name(), "Wed");
    }

    #[test]
    fn dates_parse_strictly() {
        assert_eq!(
            parse_date("2010-03-01"),
            Some(timestamp(2010, 3, 1, 0, 0, 0))
        );
        assert_eq!(parse_date("2011-02-30"), None);
        assert_eq!(parse_date("2011-13-01"), None);
        assert_eq!(parse_date("x"), None);
    }

    #[test]
    fn european_summer_time_starts_on_last_sunday_of_march() {
        let berlin = zone_named("Europe/Berlin");
        // 2011-03-27 01:00 UTC is the switch.
        assert_eq!(berlin.at(timestamp(2011, 3, 27, 0, 59, 59)), (3600, "CET"));
        assert_eq!(berlin.at(timestamp(2011, 3, 27, 1, 0, 0)), (7200, "CEST"));
        assert_eq!(berlin.at(timestamp(2011, 10, 30, 1, 0, 0)), (3600, "CET"));
    }

    #[test]
    fn us_daylight_time_follows_the_2007_rules() {
        let ny = zone_named("America/New_York");
        // 2011-03-13 02:00 EST = 07:00 UTC.
        assert_eq!(ny.at(timestamp(2011, 3, 13, 6, 59, 59)).1, "EST");
        assert_eq!(ny.at(timestamp(2011, 3, 13, 7, 0, 0)).1, "EDT");
        // 2011-11-06 02:00 EDT = 06:00 UTC.
        assert_eq!(ny.at(timestamp(2011, 11, 6, 5, 59, 59)).1, "EDT");
        assert_eq!(ny.at(timestamp(2011, 11, 6, 6, 0, 0)).1, "EST");
    }

    #[test]
    fn moscow_stayed_on_summer_time_from_2011() {
        let msk = zone_named("Europe/Moscow");
        assert_eq!(msk.at(timestamp(2010, 1, 10, 0, 0, 0)), (10_800, "MSK"));
        assert_eq!(msk.at(timestamp(2010, 7, 10, 0, 0, 0)), (14_400, "MSD"));
        assert_eq!(msk.at(timestamp(2012, 1, 10, 0, 0, 0)), (14_400, "MSK"));
    }

    #[test]
    fn southern_zones_have_summer_time_around_new_year() {
        let syd = zone_named("Australia/Sydney");
        assert_eq!(syd.at(timestamp(2012, 1, 10, 0, 0, 0)).1, "AEDT");
        assert_eq!(syd.at(timestamp(2012, 7, 10, 0, 0, 0)).1, "AEST");
        let sp = zone_named("America/Sao_Paulo");
        assert_eq!(sp.at(timestamp(2012, 1, 10, 0, 0, 0)).1, "BRST");
        assert_eq!(sp.at(timestamp(2012, 7, 10, 0, 0, 0)).1, "BRT");
    }

    #[test]
    fn formats_match_what_mail_programs_print() {
        let t = timestamp(2011, 7, 4, 10, 34, 56);
        let cest = zone_named("Europe/Berlin").local(t);
        assert_eq!(ctime(&cest), "Mon Jul  4 12:34:56 CEST 2011");
        assert_eq!(
            rfc2822(&cest, DateStyle::SpacePadded),
            "Mon,  4 Jul 2011 12:34:56 +0200 (CEST)"
        );
        assert_eq!(
            rfc2822(&cest, DateStyle::ZeroPadded),
            "Mon, 04 Jul 2011 12:34:56 +0200"
        );
        let pdt = zone_named("America/Los_Angeles").local(t);
        assert_eq!(
            rfc2822(&pdt, DateStyle::Unpadded),
            "Mon, 4 Jul 2011 03:34:56 -0700 (PDT)"
        );
        assert_eq!(asctime(t), "Mon Jul  4 10:34:56 2011");
        assert_eq!(qmail(t), "4 Jul 2011 10:34:56 -0000");
        assert_eq!(syslog(&cest), "Jul  4 12:34:56");
        assert_eq!(exchange(&pdt), "7/4/2011 3:34 AM");
        assert_eq!(month_key(t), "2011-07");
    }
}
