//! Reading the digest written by `f2b-agg` (the format of `docs/digest.md`).
//!
//! Only the sections the charts use are read; other sections and extra fields
//! are ignored, so a digest with more in it still renders. A section the
//! charts need must be there (it may be empty or `null` where the format
//! allows it), and dates must be real dates: a digest that breaks this is an
//! error naming the input and the section, not a chart that silently lies.

use serde::de::DeserializeOwned;
use serde::Deserialize;
use serde_json::{Map, Value};

use f2b_core::{Error, Result};

use crate::calendar::{parse_day, parse_month};

/// The version of the digest format this program reads.
pub const DIGEST_VERSION: u64 = 1;

/// The sections every digest has and the charts read.
pub const REQUIRED: [&str; 14] = [
    "reports",
    "attackers",
    "reporters",
    "first",
    "last",
    "by_day",
    "by_month",
    "gaps",
    "by_country",
    "by_asn",
    "by_service",
    "by_reporter_country",
    "flows",
    "by_hour_weekday",
];

/// The parts of a digest the report shows.
#[derive(Debug, Clone, Default)]
pub struct Digest {
    /// What wrote the digest (`"f2b-agg 0.1.0"`), when it says.
    pub generator: Option<String>,
    /// The `f2b-agg --top N` its ranked lists were cut to, when they were:
    /// their rows then add up to less than the totals.
    pub cut: Option<u64>,
    /// Reports (bans).
    pub reports: u64,
    /// Distinct attackers; `None` when the dataset has no attacker key.
    pub attackers: Option<u64>,
    /// Distinct reporters; `None` when no report names its reporter.
    pub reporters: Option<u64>,
    /// First day with reports (`YYYY-MM-DD`).
    pub first: Option<String>,
    /// Last day with reports.
    pub last: Option<String>,
    /// Reports by precision of their date, when the digest has it.
    pub dated: Option<Dated>,
    /// Reports per day with reports, ascending.
    pub by_day: Vec<DayRow>,
    /// Reports per month with reports, ascending.
    pub by_month: Vec<MonthRow>,
    /// Runs of at least three days without reports.
    pub gaps: Vec<Gap>,
    /// Reports per attacker country, ranked.
    pub by_country: Vec<CountryRow>,
    /// Reports per attacker AS, ranked.
    pub by_asn: Vec<AsnRow>,
    /// Reports per service, ranked.
    pub by_service: Vec<ServiceRow>,
    /// Reports per reporter country, ranked.
    pub by_reporter_country: Vec<ReporterCountryRow>,
    /// Reports per (attacker country, reporter country), ranked.
    pub flows: Vec<FlowRow>,
    /// Reports per weekday (rows, Monday first) and UTC hour (columns).
    pub by_hour_weekday: Option<[[u64; 24]; 7]>,
}

/// Reports by the precision of their date.
#[derive(Debug, Clone, Copy, Default, Deserialize)]
pub struct Dated {
    /// Dated to the day.
    #[serde(default)]
    pub day: u64,
    /// Dated to the month only (generalised dates of anonymized data).
    #[serde(default)]
    pub month: u64,
    /// Without a usable date.
    #[serde(default)]
    pub undated: u64,
}

/// One day of `by_day`.
#[derive(Debug, Clone, Deserialize)]
pub struct DayRow {
    /// `YYYY-MM-DD`.
    pub date: String,
    /// The day number of `date` (see [`crate::calendar`]), set on reading.
    #[serde(skip)]
    pub day: i64,
    /// Reports that day.
    pub reports: u64,
    /// Distinct attackers that day.
    #[serde(default)]
    pub attackers: Option<u64>,
    /// Distinct reporters that day.
    #[serde(default)]
    pub reporters: Option<u64>,
}

/// One month of `by_month`.
#[derive(Debug, Clone, Deserialize)]
pub struct MonthRow {
    /// `YYYY-MM`.
    pub month: String,
    /// The month number of `month`, set on reading.
    #[serde(skip)]
    pub index: i64,
    /// Reports that month.
    pub reports: u64,
    /// Distinct attackers that month.
    #[serde(default)]
    pub attackers: Option<u64>,
    /// Distinct reporters that month.
    #[serde(default)]
    pub reporters: Option<u64>,
}

/// A run of days without reports.
#[derive(Debug, Clone, Deserialize)]
pub struct Gap {
    /// First day without reports.
    pub from: String,
    /// Last day without reports.
    pub to: String,
    /// Days in the run.
    pub days: i64,
    /// Day number of `from`, set on reading.
    #[serde(skip)]
    pub from_day: i64,
    /// Day number of `to`, set on reading.
    #[serde(skip)]
    pub to_day: i64,
}

/// One row of `by_country`.
#[derive(Debug, Clone, Deserialize)]
pub struct CountryRow {
    /// Attacker country code; `None` for reports that do not know it.
    pub country: Option<String>,
    /// Reports.
    pub reports: u64,
    /// Distinct attackers.
    #[serde(default)]
    pub attackers: Option<u64>,
}

/// One row of `by_asn`.
#[derive(Debug, Clone, Deserialize)]
pub struct AsnRow {
    /// AS number; `None` for reports that do not know it.
    pub asn: Option<i64>,
    /// AS name.
    #[serde(default)]
    pub as_name: Option<String>,
    /// Country of the AS.
    #[serde(default)]
    pub as_country: Option<String>,
    /// Reports.
    pub reports: u64,
    /// Distinct attackers.
    #[serde(default)]
    pub attackers: Option<u64>,
}

/// One row of `by_service`.
#[derive(Debug, Clone, Deserialize)]
pub struct ServiceRow {
    /// Service attacked; `None` for reports that do not know it.
    pub service: Option<String>,
    /// Reports.
    pub reports: u64,
    /// Distinct attackers.
    #[serde(default)]
    pub attackers: Option<u64>,
}

/// One row of `by_reporter_country`.
#[derive(Debug, Clone, Deserialize)]
pub struct ReporterCountryRow {
    /// Reporter country code; `None` for reports that do not know it.
    pub reporter_country: Option<String>,
    /// Reports.
    pub reports: u64,
    /// Distinct reporters.
    #[serde(default)]
    pub reporters: Option<u64>,
}

/// One row of `flows`.
#[derive(Debug, Clone, Deserialize)]
pub struct FlowRow {
    /// Attacker country.
    pub country: Option<String>,
    /// Reporter country.
    pub reporter_country: Option<String>,
    /// Reports.
    pub reports: u64,
}

impl Digest {
    /// Reads a digest from the bytes of input `name` (named in every error).
    pub fn parse(name: &str, bytes: &[u8]) -> Result<Digest> {
        let bad = |why: String| Error::data(format!("{name}: {why}"));
        if bytes.iter().all(u8::is_ascii_whitespace) {
            return Err(bad(
                "empty input, expected a digest written by f2b-agg".into()
            ));
        }
        let value: Value =
            serde_json::from_slice(bytes).map_err(|e| bad(format!("not valid JSON: {e}")))?;
        let Value::Object(mut map) = value else {
            return Err(bad(
                "not an f2b digest: expected a JSON object (written by f2b-agg)".into(),
            ));
        };
        if map.contains_key("f2b_agg_partial") {
            return Err(bad(
                "this is an f2b-agg partial, not a digest: turn it into \
                 one with `f2b-agg --merge FILE` first"
                    .into(),
            ));
        }
        match map.get("digest_version") {
            None => return Err(bad("not an f2b digest: no `digest_version`".into())),
            Some(Value::Number(n)) if n.as_u64() == Some(DIGEST_VERSION) => {}
            Some(other) => {
                return Err(bad(format!(
                    "digest_version {other} is not supported (f2b-report reads version \
                     {DIGEST_VERSION})"
                )))
            }
        }
        if let Some(missing) = REQUIRED.iter().find(|key| !map.contains_key(**key)) {
            return Err(bad(format!(
                "not a complete f2b digest: section `{missing}` is missing"
            )));
        }
        let mut digest = Digest {
            generator: match map.get("generator") {
                Some(Value::String(s)) => Some(s.clone()),
                _ => None,
            },
            cut: map.get("top").and_then(Value::as_u64),
            reports: section(&mut map, "reports", name)?,
            attackers: section(&mut map, "attackers", name)?,
            reporters: section(&mut map, "reporters", name)?,
            first: section(&mut map, "first", name)?,
            last: section(&mut map, "last", name)?,
            // Not needed for any chart: a digest without it still renders.
            dated: match map.remove("dated") {
                Some(v) => serde_json::from_value(v).ok(),
                None => None,
            },
            by_day: section(&mut map, "by_day", name)?,
            by_month: section(&mut map, "by_month", name)?,
            gaps: section(&mut map, "gaps", name)?,
            by_country: section(&mut map, "by_country", name)?,
            by_asn: section(&mut map, "by_asn", name)?,
            by_service: section(&mut map, "by_service", name)?,
            by_reporter_country: section(&mut map, "by_reporter_country", name)?,
            flows: section(&mut map, "flows", name)?,
            by_hour_weekday: section(&mut map, "by_hour_weekday", name)?,
        };
        digest.number_dates().map_err(bad)?;
        Ok(digest)
    }

    /// Parses every date of the timeline once, refusing dates that are not real.
    fn number_dates(&mut self) -> std::result::Result<(), String> {
        let day = |section: &str, i: usize, text: &str| {
            parse_day(text).ok_or_else(|| format!("{section}[{i}]: {text:?} is not a date"))
        };
        for (i, row) in self.by_day.iter_mut().enumerate() {
            row.day = day("by_day", i, &row.date)?;
        }
        for (i, row) in self.by_month.iter_mut().enumerate() {
            row.index = parse_month(&row.month)
                .ok_or_else(|| format!("by_month[{i}]: {:?} is not a month", row.month))?;
        }
        for (i, gap) in self.gaps.iter_mut().enumerate() {
            gap.from_day = day("gaps", i, &gap.from)?;
            gap.to_day = day("gaps", i, &gap.to)?;
            if gap.to_day < gap.from_day {
                return Err(format!("gaps[{i}]: ends before it starts"));
            }
        }
        for (key, value) in [("first", &self.first), ("last", &self.last)] {
            if let Some(text) = value {
                parse_day(text).ok_or_else(|| format!("`{key}`: {text:?} is not a date"))?;
            }
        }
        Ok(())
    }

    /// The first and last day of the timeline as day numbers: `first` and
    /// `last`, widened to every `by_day` row and gap.
    pub fn day_span(&self) -> Option<(i64, i64)> {
        let days = self
            .by_day
            .iter()
            .map(|r| r.day)
            .chain(self.gaps.iter().flat_map(|g| [g.from_day, g.to_day]))
            .chain(self.first.as_deref().and_then(parse_day))
            .chain(self.last.as_deref().and_then(parse_day));
        days.fold(None, |span, d| match span {
            None => Some((d, d)),
            Some((lo, hi)) => Some((lo.min(d), hi.max(d))),
        })
    }
}

/// Reads one section, naming it in the error.
fn section<T: DeserializeOwned>(map: &mut Map<String, Value>, key: &str, name: &str) -> Result<T> {
    let value = map.remove(key).unwrap_or(Value::Null);
    serde_json::from_value(value).map_err(|e| Error::data(format!("{name}: section `{key}`: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn empty() -> Value {
        json!({
            "digest_version": 1, "generator": "f2b-agg 0.1.0", "records": 0, "reports": 0,
            "notices": {}, "attackers": null, "reporters": null, "first": null, "last": null,
            "first_ts": null, "last_ts": null, "dated": {"day": 0, "month": 0, "undated": 0},
            "by_day": [], "by_month": [], "gaps": [], "by_country": [], "by_region": [],
            "by_city": [], "by_asn": [], "by_service": [], "by_jail": [],
            "by_reporter_country": [], "flows": [], "by_hour": [], "by_weekday": [],
            "by_hour_weekday": null, "failures": [], "top_attackers": []
        })
    }

    fn parse(v: &Value) -> Result<Digest> {
        Digest::parse("d.json", v.to_string().as_bytes())
    }

    #[test]
    fn an_empty_digest_reads() {
        let d = parse(&empty()).unwrap();
        assert_eq!(d.reports, 0);
        assert_eq!(d.generator.as_deref(), Some("f2b-agg 0.1.0"));
        assert!(d.by_hour_weekday.is_none());
        assert_eq!(d.day_span(), None);
    }

    #[test]
    fn extra_fields_and_sections_are_ignored() {
        let mut v = empty();
        v["future_section"] = json!([1, 2]);
        v["by_country"] = json!([{"country": "CN", "reports": 3, "attackers": 1, "new": true}]);
        let d = parse(&v).unwrap();
        assert_eq!(d.by_country[0].country.as_deref(), Some("CN"));
    }

    #[test]
    fn a_missing_section_is_named() {
        let mut v = empty();
        v.as_object_mut().unwrap().remove("flows");
        let e = parse(&v).unwrap_err().to_string();
        assert_eq!(
            e,
            "d.json: not a complete f2b digest: section `flows` is missing"
        );
    }

    #[test]
    fn a_section_of_the_wrong_shape_is_named() {
        let mut v = empty();
        v["by_hour_weekday"] = json!([[1, 2, 3]]);
        let e = parse(&v).unwrap_err().to_string();
        assert!(e.starts_with("d.json: section `by_hour_weekday`: "), "{e}");
    }

    #[test]
    fn bad_dates_partials_and_other_versions_are_refused() {
        let mut v = empty();
        v["by_day"] = json!([{"date": "2011-02-30", "reports": 1}]);
        let e = parse(&v).unwrap_err().to_string();
        assert_eq!(e, "d.json: by_day[0]: \"2011-02-30\" is not a date");
        let mut v = empty();
        v["digest_version"] = json!(2);
        assert!(parse(&v)
            .unwrap_err()
            .to_string()
            .contains("version 2 is not supported"));
        let e = parse(&json!({"f2b_agg_partial": 1}))
            .unwrap_err()
            .to_string();
        assert!(e.contains("partial"), "{e}");
        let e = Digest::parse("d.json", b"{\"reports\": ")
            .unwrap_err()
            .to_string();
        assert!(e.starts_with("d.json: not valid JSON: "), "{e}");
        let e = Digest::parse("d.json", b" \n").unwrap_err().to_string();
        assert!(e.contains("empty input"), "{e}");
    }
}
