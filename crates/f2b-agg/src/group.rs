//! `--by FIELD[,FIELD...]`: one group-by table instead of the digest, as CSV
//! (with a header) or NDJSON rows: the key fields, `reports` and distinct
//! `attackers`, sorted by reports, descending, then key.
//!
//! A key field is read from the record as it is; when the record does not
//! have it (or it is null), the derived fields `date`, `month`, `year`,
//! `hour` and `weekday` are computed from `ts` (or `date`).

use std::borrow::Cow;
use std::cmp::Ordering;

use f2b_core::cli::{for_each_record, LoopStats, NdjsonArgs};
use f2b_core::output::RecordWriter;
use f2b_core::progress::Progress;
use f2b_core::{Error, Record, Result};

use crate::intern::{FastMap, FastSet, Interner};
use crate::state::{pack, ID_PREFIX, IP_PREFIX};
use crate::time::{format_day, parse_date, parse_month, parse_ts, weekday, WEEKDAYS};
use f2b_core::time::civil_from_days;

/// Fields that can be derived when a record does not have them.
const DERIVED: [&str; 5] = ["date", "month", "year", "hour", "weekday"];

/// One value of a group key.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum KeyPart {
    /// Unknown: absent or null.
    Null,
    /// A number, `true`/`false`, or an array or object: its JSON text.
    Json(String),
    /// A string.
    Text(String),
}

impl KeyPart {
    fn rank(&self) -> u8 {
        match self {
            KeyPart::Null => 0,
            KeyPart::Json(_) => 1,
            KeyPart::Text(_) => 2,
        }
    }
}

impl Ord for KeyPart {
    /// Unknown first, then numbers (by value), then text.
    fn cmp(&self, other: &Self) -> Ordering {
        match (self, other) {
            (KeyPart::Json(a), KeyPart::Json(b)) => {
                let (x, y) = (a.parse::<f64>().ok(), b.parse::<f64>().ok());
                match (x, y) {
                    (Some(x), Some(y)) => x.total_cmp(&y).then_with(|| a.cmp(b)),
                    _ => x.is_none().cmp(&y.is_none()).then_with(|| a.cmp(b)),
                }
            }
            (KeyPart::Text(a), KeyPart::Text(b)) => a.cmp(b),
            _ => self.rank().cmp(&other.rank()),
        }
    }
}

impl PartialOrd for KeyPart {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

/// Output format of the table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// CSV with a header line.
    Csv,
    /// One JSON object per row.
    Ndjson,
}

/// Parses the `--by` list: names separated by commas, none empty or
/// repeated, and none of the count columns.
pub fn parse_fields(spec: &str) -> Result<Vec<String>> {
    let fields: Vec<String> = spec.split(',').map(|f| f.trim().to_string()).collect();
    for (i, f) in fields.iter().enumerate() {
        if f.is_empty() {
            return Err(Error::usage(format!("--by {spec:?}: empty field name")));
        }
        if f == "reports" || f == "attackers" {
            return Err(Error::usage(format!(
                "--by: {f:?} is a count column, not a field"
            )));
        }
        if fields[..i].contains(f) {
            return Err(Error::usage(format!("--by: field {f:?} is given twice")));
        }
    }
    Ok(fields)
}

/// The group-by table being built.
pub struct GroupBy {
    fields: Vec<String>,
    groups: FastMap<Vec<KeyPart>, u32>,
    reports: Vec<u64>,
    attackers: Interner,
    pairs: FastSet<u64>,
    /// Records seen.
    pub records: u64,
    /// Reports among them.
    pub report_count: u64,
    /// Notices among them.
    pub notices: u64,
}

/// The date and hour a record tells, for derived fields.
struct When {
    day: Option<i32>,
    month: Option<i32>,
    hour: Option<u8>,
}

fn when(r: &Record<'_>) -> When {
    if let Some(t) = r.str("ts").and_then(|ts| parse_ts(ts.as_bytes())) {
        let (y, m, _) = civil_from_days(i64::from(t.day));
        return When {
            day: Some(t.day),
            month: Some((y * 12 + i64::from(m) - 1) as i32),
            hour: Some(t.hour()),
        };
    }
    let date = r.str("date");
    let d = date.as_deref().map(str::as_bytes).unwrap_or_default();
    let day = parse_date(d);
    let month = match day {
        Some(day) => {
            let (y, m, _) = civil_from_days(i64::from(day));
            Some((y * 12 + i64::from(m) - 1) as i32)
        }
        None => parse_month(d),
    };
    When {
        day,
        month,
        hour: None,
    }
}

fn derived(field: &str, w: &When) -> KeyPart {
    let part = match field {
        "date" => w.day.map(|d| KeyPart::Text(format_day(d))),
        "month" => w.month.map(|m| KeyPart::Text(crate::time::format_month(m))),
        "year" => w.month.map(|m| KeyPart::Json(m.div_euclid(12).to_string())),
        "hour" => w.hour.map(|h| KeyPart::Json(h.to_string())),
        "weekday" => w
            .day
            .map(|d| KeyPart::Text(WEEKDAYS[usize::from(weekday(d))].into())),
        _ => None,
    };
    part.unwrap_or(KeyPart::Null)
}

impl GroupBy {
    /// An empty table grouping by `fields`.
    pub fn new(fields: Vec<String>) -> GroupBy {
        GroupBy {
            fields,
            groups: FastMap::default(),
            reports: Vec::new(),
            attackers: Interner::default(),
            pairs: FastSet::default(),
            records: 0,
            report_count: 0,
            notices: 0,
        }
    }

    /// Adds one record (notices are counted, not grouped).
    pub fn add(&mut self, r: &Record<'_>) {
        self.records += 1;
        if r.str("event").is_some_and(|e| e != "ban") {
            self.notices += 1;
            return;
        }
        self.report_count += 1;
        let mut w = None;
        let key: Vec<KeyPart> = self
            .fields
            .iter()
            .map(|f| match r.raw(f).map(|v| v.get()) {
                None | Some("null") if DERIVED.contains(&f.as_str()) => {
                    derived(f, w.get_or_insert_with(|| when(r)))
                }
                None | Some("null") => KeyPart::Null,
                Some(raw) if raw.starts_with('"') => match r.str(f) {
                    Some(s) => KeyPart::Text(s.into_owned()),
                    None => KeyPart::Json(raw.to_string()),
                },
                Some(raw) => KeyPart::Json(raw.to_string()),
            })
            .collect();
        let next = self.reports.len() as u32;
        let group = *self.groups.entry(key).or_insert(next);
        if group == next {
            self.reports.push(0);
        }
        self.reports[group as usize] += 1;
        let attacker: Option<Cow<'_, str>> = match r.str("ip") {
            Some(ip) => Some(format!("{IP_PREFIX}{ip}").into()),
            None => r
                .str("attacker_id")
                .map(|id| format!("{ID_PREFIX}{id}").into()),
        };
        if let Some(a) = attacker {
            let a = self.attackers.intern(&a);
            self.pairs.insert(pack(group, a));
        }
    }

    /// The rows: key, reports, distinct attackers (`None` when no report had
    /// an attacker key), sorted and cut to `top`.
    pub fn rows(&self, top: Option<usize>) -> Vec<(&[KeyPart], u64, Option<u64>)> {
        let mut distinct = vec![0u64; self.reports.len()];
        for &k in &self.pairs {
            distinct[(k >> 32) as usize] += 1;
        }
        let known = !self.attackers.is_empty();
        let mut rows: Vec<_> = self
            .groups
            .iter()
            .map(|(key, &g)| {
                let g = g as usize;
                (
                    key.as_slice(),
                    self.reports[g],
                    known.then_some(distinct[g]),
                )
            })
            .collect();
        rows.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(b.0)));
        if let Some(n) = top {
            rows.truncate(n);
        }
        rows
    }

    /// Writes the table; returns the number of rows written.
    pub fn write(&self, out: &mut RecordWriter, format: Format, top: Option<usize>) -> Result<u64> {
        let rows = self.rows(top);
        match format {
            Format::Csv => {
                let header = self
                    .fields
                    .iter()
                    .map(String::as_str)
                    .chain(["reports", "attackers"]);
                write_csv_row(out, header)?;
                for (key, reports, attackers) in &rows {
                    let reports = reports.to_string();
                    let attackers = attackers.map(|a| a.to_string()).unwrap_or_default();
                    let cells = key
                        .iter()
                        .map(|k| match k {
                            KeyPart::Null => "",
                            KeyPart::Json(s) | KeyPart::Text(s) => s.as_str(),
                        })
                        .chain([reports.as_str(), attackers.as_str()]);
                    write_csv_row(out, cells)?;
                }
            }
            Format::Ndjson => {
                for (key, reports, attackers) in &rows {
                    let buf = out.buffer();
                    buf.push(b'{');
                    for (field, part) in self.fields.iter().zip(key.iter()) {
                        write_json_str(buf, field);
                        buf.push(b':');
                        match part {
                            KeyPart::Null => buf.extend_from_slice(b"null"),
                            KeyPart::Json(s) => buf.extend_from_slice(s.as_bytes()),
                            KeyPart::Text(s) => write_json_str(buf, s),
                        }
                        buf.push(b',');
                    }
                    buf.extend_from_slice(
                        format!("\"reports\":{reports},\"attackers\":").as_bytes(),
                    );
                    match attackers {
                        Some(a) => buf.extend_from_slice(a.to_string().as_bytes()),
                        None => buf.extend_from_slice(b"null"),
                    }
                    buf.extend_from_slice(b"}\n");
                    out.end_record()?;
                }
            }
        }
        Ok(rows.len() as u64)
    }
}

/// Writes one CSV row (RFC 4180 quoting, `\n` line ends) as one output record.
fn write_csv_row<'a>(
    out: &mut RecordWriter,
    cells: impl IntoIterator<Item = &'a str>,
) -> Result<()> {
    let encode = |e: csv::Error| Error::data(format!("cannot encode a CSV row: {e}"));
    let mut csv = csv::WriterBuilder::new()
        .terminator(csv::Terminator::Any(b'\n'))
        .buffer_capacity(1024)
        .from_writer(out.buffer());
    csv.write_record(cells).map_err(encode)?;
    csv.flush().map_err(|e| encode(e.into()))?;
    drop(csv);
    out.end_record()
}

fn write_json_str(buf: &mut Vec<u8>, s: &str) {
    // Serializing a str into a Vec cannot fail.
    let _ = serde_json::to_writer(&mut *buf, s);
}

/// Reads the records and builds the table.
pub fn build(
    fields: Vec<String>,
    input: &NdjsonArgs,
    progress: &mut Progress,
) -> Result<(GroupBy, LoopStats)> {
    let mut table = GroupBy::new(fields);
    let stats = for_each_record(input, progress, |r| {
        table.add(r);
        Ok(())
    })?;
    Ok((table, stats))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table(fields: &str, lines: &[&str]) -> GroupBy {
        let mut t = GroupBy::new(parse_fields(fields).unwrap());
        for l in lines {
            t.add(&Record::parse(l.as_bytes()).unwrap());
        }
        t
    }

    fn text(s: &str) -> KeyPart {
        KeyPart::Text(s.into())
    }

    #[test]
    fn groups_count_reports_and_distinct_attackers() {
        let t = table(
            "country,service",
            &[
                r#"{"ip":"192.0.2.1","country":"CN","service":"ssh"}"#,
                r#"{"ip":"192.0.2.1","country":"CN","service":"ssh"}"#,
                r#"{"ip":"192.0.2.2","country":"CN","service":"ssh"}"#,
                r#"{"ip":"192.0.2.3","country":"BR","service":"ftp"}"#,
                r#"{"ip":"192.0.2.4","service":"ftp"}"#,
                r#"{"event":"start","service":"ssh"}"#,
            ],
        );
        let rows = t.rows(None);
        assert_eq!(rows[0], (&[text("CN"), text("ssh")][..], 3, Some(2)));
        assert_eq!(rows[1], (&[KeyPart::Null, text("ftp")][..], 1, Some(1)));
        assert_eq!(rows[2], (&[text("BR"), text("ftp")][..], 1, Some(1)));
        assert_eq!(t.notices, 1);
        assert_eq!(t.rows(Some(1)).len(), 1);
    }

    #[test]
    fn derived_fields_come_from_ts_or_date() {
        let t = table(
            "date,month,year,hour,weekday",
            &[
                r#"{"ts":"2011-07-04T10:34:58Z"}"#,
                r#"{"date":"2011-07-04"}"#,
                r#"{"date":"2011-07"}"#,
            ],
        );
        let rows = t.rows(None);
        let n = |s: &str| KeyPart::Json(s.into());
        // All tied on reports: in key order, unknown before known.
        assert_eq!(
            rows[0].0,
            [
                text("2011-07"),
                text("2011-07"),
                n("2011"),
                KeyPart::Null,
                KeyPart::Null
            ]
        );
        assert_eq!(
            rows[1].0,
            [
                text("2011-07-04"),
                text("2011-07"),
                n("2011"),
                KeyPart::Null,
                text("Mon")
            ]
        );
        assert_eq!(
            rows[2].0,
            [
                text("2011-07-04"),
                text("2011-07"),
                n("2011"),
                n("10"),
                text("Mon")
            ]
        );
        assert_eq!(rows[0].2, None);
    }

    #[test]
    fn numbers_sort_by_value_after_unknown() {
        let t = table("asn", &[r#"{"asn":10}"#, r#"{"asn":9}"#, r#"{"asn":null}"#]);
        let keys: Vec<_> = t.rows(None).into_iter().map(|r| r.0[0].clone()).collect();
        assert_eq!(
            keys,
            [
                KeyPart::Null,
                KeyPart::Json("9".into()),
                KeyPart::Json("10".into())
            ]
        );
    }

    #[test]
    fn bad_field_lists_are_usage_errors() {
        for spec in ["", "a,,b", "a,a", "reports"] {
            assert_eq!(parse_fields(spec).unwrap_err().exit_code(), 2, "{spec}");
        }
        assert_eq!(parse_fields("a, b").unwrap(), ["a", "b"]);
    }
}
