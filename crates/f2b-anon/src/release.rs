//! From an input record to a released row: the allow-list.
//!
//! [`Released`] is the whole output vocabulary of f2b-anon: typed values and
//! validated names, nothing else. The writer only ever sees a `Released`, so a
//! field that is not in it cannot reach the output, whatever the input holds.

use std::borrow::Cow;

use f2b_core::{Keys, Picker, Record};

use crate::columns::{Columns, Optional};
use crate::jails;
use crate::pseudonym::{Pseudonym, Pseudonymizer};
use crate::validate::{self, Country, Date, FreeText, Service, AS_NAME, PLACE};

/// One released row. Optional columns not asked for stay `None` and are not
/// written at all.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Released<'a> {
    /// UTC day of `ts` (or a month, once generalised).
    pub date: Option<Date>,
    /// Attacker country code.
    pub country: Option<Country>,
    /// Attacker region name.
    pub region: Option<FreeText<'a>>,
    /// Attacker city name.
    pub city: Option<FreeText<'a>>,
    /// Attacker origin AS.
    pub asn: Option<u32>,
    /// Service class.
    pub service: Option<Service>,
    /// Attacker AS name (`--with as_name`).
    pub as_name: Option<FreeText<'a>>,
    /// Well-known jail name (`--with jail`).
    pub jail: Option<&'static str>,
    /// UTC hour (`--with hour`).
    pub hour: Option<u8>,
    /// Failure count (`--with failures`).
    pub failures: Option<u32>,
    /// Reporting server's country code (`--with reporter_country`).
    pub reporter_country: Option<Country>,
    /// Keyed pseudonym of the reporting server (`--with reporter_id`).
    pub reporter_id: Option<Pseudonym>,
    /// Keyed pseudonym of the banned address (`--with attacker_id`).
    pub attacker_id: Option<Pseudonym>,
}

/// Input values that were present but not released.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Withheld {
    /// `region`, `city`, `as_name` strings that failed the free-text rules.
    pub free_text: u64,
    /// Other values of the wrong type or shape (a `country` that is not two
    /// capitals, an `asn` that is not an integer, an unparsable `ts`, ...).
    pub malformed: u64,
    /// Jail names that are not well-known (only counted with `--with jail`).
    pub unlisted_jails: u64,
}

/// A raw field value, decoded only as far as needed.
enum Value<'a> {
    Absent,
    Str(Cow<'a, str>),
    Int(i64),
    Other,
}

fn decode(raw: Option<&str>) -> Value<'_> {
    let Some(text) = raw else {
        return Value::Absent;
    };
    match text.as_bytes().first() {
        Some(b'"') => {
            let Some(inner) = text.strip_prefix('"').and_then(|t| t.strip_suffix('"')) else {
                return Value::Other;
            };
            if memchr_backslash(inner) {
                match serde_json::from_str::<String>(text) {
                    Ok(s) => Value::Str(Cow::Owned(s)),
                    Err(_) => Value::Other,
                }
            } else {
                // A JSON string without escapes is its own text.
                Value::Str(Cow::Borrowed(inner))
            }
        }
        Some(b'n') if text == "null" => Value::Absent,
        Some(b'-' | b'0'..=b'9') => parse_int(text).map_or(Value::Other, Value::Int),
        _ => Value::Other,
    }
}

fn memchr_backslash(s: &str) -> bool {
    // Values are short: a plain loop costs less than the call to memchr.
    s.bytes().any(|b| b == b'\\')
}

/// A JSON integer (no fraction, no exponent) that fits an i64.
fn parse_int(text: &str) -> Option<i64> {
    let (negative, digits) = match text.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, text),
    };
    if digits.is_empty() || digits.len() > 19 || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let mut n: i64 = 0;
    for b in digits.bytes() {
        n = n.checked_mul(10)?.checked_add(i64::from(b - b'0'))?;
    }
    Some(if negative { -n } else { n })
}

/// The raw JSON text of the input fields f2b-anon reads; every other field
/// of a record is never looked at.
#[derive(Default, Debug, Clone, PartialEq, Eq)]
pub struct InputFields<'a> {
    ts: Option<&'a str>,
    date: Option<&'a str>,
    hour: Option<&'a str>,
    country: Option<&'a str>,
    region: Option<&'a str>,
    city: Option<&'a str>,
    asn: Option<&'a str>,
    service: Option<&'a str>,
    as_name: Option<&'a str>,
    jail: Option<&'a str>,
    failures: Option<&'a str>,
    reporter_country: Option<&'a str>,
    ip: Option<&'a str>,
    reporter_host: Option<&'a str>,
    reporter_ip: Option<&'a str>,
}

/// The keys of [`InputFields`], in the order [`InputPicker`] picks them.
const INPUT_KEYS: [&str; 15] = [
    "ts",
    "date",
    "hour",
    "country",
    "region",
    "city",
    "asn",
    "service",
    "as_name",
    "jail",
    "failures",
    "reporter_country",
    "ip",
    "reporter_host",
    "reporter_ip",
];

impl<'a> InputFields<'a> {
    /// Keeps the raw value of `key` when it is a field f2b-anon reads.
    #[inline]
    pub fn set(&mut self, key: &str, raw: &'a str) {
        if let Some(slot) = INPUT_KEYS.iter().position(|k| *k == key) {
            *self.slot(slot) = Some(raw);
        }
    }

    /// The field of `INPUT_KEYS[n]`.
    fn slot(&mut self, n: usize) -> &mut Option<&'a str> {
        match n {
            0 => &mut self.ts,
            1 => &mut self.date,
            2 => &mut self.hour,
            3 => &mut self.country,
            4 => &mut self.region,
            5 => &mut self.city,
            6 => &mut self.asn,
            7 => &mut self.service,
            8 => &mut self.as_name,
            9 => &mut self.jail,
            10 => &mut self.failures,
            11 => &mut self.reporter_country,
            12 => &mut self.ip,
            13 => &mut self.reporter_host,
            _ => &mut self.reporter_ip,
        }
    }

    /// The fields of a parsed record.
    pub fn of(record: &Record<'a>) -> InputFields<'a> {
        InputPicker::new().fields(record)
    }
}

/// Reads the [`InputFields`] of a stream of records: the records of one
/// producer repeat their keys, and a [`Picker`] finds the fields where they
/// were in the record before.
#[derive(Debug, Clone)]
pub struct InputPicker(Picker);

impl Default for InputPicker {
    fn default() -> Self {
        Self::new()
    }
}

impl InputPicker {
    /// A picker of the fields f2b-anon reads.
    pub fn new() -> InputPicker {
        InputPicker(Picker::new(Keys::new(&INPUT_KEYS)))
    }

    /// The fields of `record` that f2b-anon reads.
    #[inline]
    pub fn fields<'a>(&mut self, record: &Record<'a>) -> InputFields<'a> {
        let mut picked = [None; INPUT_KEYS.len()];
        self.0.pick(record, &mut picked);
        let [ts, date, hour, country, region, city, asn, service, as_name, jail, failures, reporter_country, ip, reporter_host, reporter_ip] =
            picked.map(|raw| raw.map(|r| r.get()));
        InputFields {
            ts,
            date,
            hour,
            country,
            region,
            city,
            asn,
            service,
            as_name,
            jail,
            failures,
            reporter_country,
            ip,
            reporter_host,
            reporter_ip,
        }
    }
}

/// Builds released rows from records, counting what it withholds.
pub struct Releaser {
    columns: Columns,
    pseudonymizer: Option<Pseudonymizer>,
    /// What was withheld so far.
    pub withheld: Withheld,
}

impl Releaser {
    /// A releaser of `columns`; pseudonyms need `pseudonymizer`, and without
    /// one they stay `null` (the command line refuses that case earlier).
    pub fn new(columns: Columns, pseudonymizer: Option<Pseudonymizer>) -> Releaser {
        Releaser {
            columns,
            pseudonymizer,
            withheld: Withheld::default(),
        }
    }

    /// The columns released.
    pub fn columns(&self) -> Columns {
        self.columns
    }

    /// The released row of `record`.
    pub fn release<'a>(&mut self, record: &Record<'a>) -> Released<'a> {
        self.release_fields(&InputFields::of(record))
    }

    /// The released row of a record's fields.
    pub fn release_fields<'a>(&mut self, input: &InputFields<'a>) -> Released<'a> {
        let columns = self.columns;
        let mut row = Released::default();

        let moment = self.typed(input.ts, |v| match v {
            Value::Str(s) => validate::parse_ts(&s),
            _ => None,
        });
        row.date = match moment {
            Some(m) => Some(m.date),
            None => self.typed(input.date, |v| match v {
                Value::Str(s) => validate::parse_date(&s),
                _ => None,
            }),
        };
        row.country = self.typed(input.country, country);
        row.region = self.text(input.region, |s| FreeText::check(s, PLACE));
        row.city = self.text(input.city, |s| FreeText::check(s, PLACE));
        row.asn = self.typed(input.asn, |v| match v {
            Value::Int(n) => validate::asn(n),
            _ => None,
        });
        row.service = self.typed(input.service, |v| match v {
            Value::Str(s) => Service::parse(&s),
            _ => None,
        });

        if columns.has(Optional::AsName) {
            row.as_name = self.text(input.as_name, |s| FreeText::check(s, AS_NAME));
        }
        if columns.has(Optional::Jail) {
            row.jail = match decode(input.jail) {
                Value::Absent => None,
                Value::Str(s) => {
                    let known = jails::well_known(&s);
                    self.withheld.unlisted_jails += u64::from(known.is_none());
                    known
                }
                _ => self.malformed(),
            };
        }
        if columns.has(Optional::Hour) {
            row.hour = match moment {
                Some(m) => Some(m.hour),
                None => self.typed(input.hour, |v| match v {
                    Value::Int(n) => validate::hour(n),
                    _ => None,
                }),
            };
        }
        if columns.has(Optional::Failures) {
            row.failures = self.typed(input.failures, |v| match v {
                Value::Int(n) => validate::failures(n),
                _ => None,
            });
        }
        if columns.has(Optional::ReporterCountry) {
            row.reporter_country = self.typed(input.reporter_country, country);
        }
        if columns.has(Optional::ReporterId) {
            let host = string(decode(input.reporter_host));
            let ip = string(decode(input.reporter_ip));
            let present = host.is_some() || ip.is_some();
            row.reporter_id = self
                .pseudonymizer
                .as_mut()
                .and_then(|p| p.reporter(host.as_deref(), ip.as_deref()));
            if present && row.reporter_id.is_none() {
                self.withheld.malformed += 1;
            }
        }
        if columns.has(Optional::AttackerId) {
            let ip = string(decode(input.ip));
            row.attacker_id = match (&mut self.pseudonymizer, ip) {
                (Some(p), Some(ip)) => {
                    let id = p.attacker(&ip);
                    self.withheld.malformed += u64::from(id.is_none());
                    id
                }
                _ => None,
            };
        }
        row
    }

    fn malformed<T>(&mut self) -> Option<T> {
        self.withheld.malformed += 1;
        None
    }

    /// A typed value: absent is unknown, anything that does not convert is
    /// withheld and counted as malformed.
    fn typed<'a, T>(
        &mut self,
        raw: Option<&'a str>,
        convert: impl FnOnce(Value<'a>) -> Option<T>,
    ) -> Option<T> {
        match decode(raw) {
            Value::Absent => None,
            v => convert(v).or_else(|| self.malformed()),
        }
    }

    /// A free-text value: strings failing the rules are counted as withheld
    /// free text, other types as malformed.
    fn text<'a>(
        &mut self,
        raw: Option<&'a str>,
        check: impl FnOnce(Cow<'a, str>) -> Option<FreeText<'a>>,
    ) -> Option<FreeText<'a>> {
        match decode(raw) {
            Value::Absent => None,
            Value::Str(s) if s.is_empty() => None,
            Value::Str(s) => {
                let text = check(s);
                self.withheld.free_text += u64::from(text.is_none());
                text
            }
            _ => self.malformed(),
        }
    }
}

fn country(v: Value<'_>) -> Option<Country> {
    match v {
        Value::Str(s) => Country::parse(&s),
        _ => None,
    }
}

fn string(v: Value<'_>) -> Option<Cow<'_, str>> {
    match v {
        Value::Str(s) => Some(s),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pseudonym::Key;

    fn release<'a>(line: &'a str, with: &[Optional]) -> (Released<'a>, Withheld) {
        let record = Record::parse(line.as_bytes()).unwrap();
        let key = Key::from_bytes(b"release test key, not a secret".to_vec()).unwrap();
        let mut r = Releaser::new(Columns::new(with), Some(Pseudonymizer::new(&key)));
        let row = r.release(&record);
        (row, r.withheld)
    }

    const ENRICHED: &str = r#"{"ts":"2011-07-04T10:34:58Z","ip":"192.0.2.7","jail":"SSH","service":"ssh","failures":6,"reporter_host":"mail.example.org","reporter_ip":"198.51.100.2","msgid":"<x@mail.example.org>","src":"mbox:12","country":"CN","region":"Beijing","city":"Beijing","lat":39.9,"lon":116.4,"reporter_country":"DE","asn":4134,"as_name":"CHINANET-BACKBONE No.31,Jin-rong Street","prefix":"192.0.2.0/24"}"#;

    #[test]
    fn an_enriched_record_releases_its_allow_listed_values() {
        let (row, withheld) = release(ENRICHED, &Optional::ALL);
        assert_eq!(
            row.date.map(|d| d.to_string()).as_deref(),
            Some("2011-07-04")
        );
        assert_eq!(
            row.country.map(|c| c.as_str().to_string()).as_deref(),
            Some("CN")
        );
        assert_eq!(row.region.as_ref().map(FreeText::as_str), Some("Beijing"));
        assert_eq!(row.asn, Some(4134));
        assert_eq!(row.service, Some(Service::Ssh));
        assert_eq!(row.jail, Some("ssh"));
        assert_eq!(row.hour, Some(10));
        assert_eq!(row.failures, Some(6));
        assert_eq!(
            row.reporter_country
                .map(|c| c.as_str().to_string())
                .as_deref(),
            Some("DE")
        );
        assert!(row.reporter_id.is_some() && row.attacker_id.is_some());
        assert_eq!(withheld, Withheld::default());
    }

    #[test]
    fn optional_columns_not_asked_for_are_not_read() {
        let (row, _) = release(ENRICHED, &[]);
        assert_eq!((row.jail, row.hour, row.failures), (None, None, None));
        assert!(row.as_name.is_none() && row.attacker_id.is_none());
    }

    #[test]
    fn wrong_types_and_shapes_are_withheld_and_counted() {
        let line = r#"{"ts":"yesterday","country":"cn","region":"10.0.0.1","city":42,"asn":"AS4134","service":"sshd","jail":"acme-intranet","failures":-1,"hour":"7"}"#;
        let (row, withheld) = release(line, &[Optional::Jail, Optional::Failures, Optional::Hour]);
        assert_eq!(row, Released::default());
        assert_eq!(
            withheld,
            Withheld {
                free_text: 1,
                malformed: 7,
                unlisted_jails: 1
            }
        );
    }

    #[test]
    fn already_released_dates_and_hours_are_read_back_when_there_is_no_ts() {
        let (row, _) = release(
            r#"{"date":"2011-07","hour":23,"ts":null}"#,
            &[Optional::Hour],
        );
        assert_eq!(row.date.map(|d| d.to_string()).as_deref(), Some("2011-07"));
        assert_eq!(row.hour, Some(23));
    }

    #[test]
    fn escaped_strings_are_decoded_before_they_are_checked() {
        let (row, withheld) = release(
            r#"{"city":"Saint-\u00c9tienne","region":"mail\u002eexample\u002ecom"}"#,
            &[],
        );
        assert_eq!(
            row.city.as_ref().map(FreeText::as_str),
            Some("Saint-Étienne")
        );
        assert_eq!(row.region, None);
        assert_eq!(withheld.free_text, 1);
    }

    #[test]
    fn integers_are_json_integers_only() {
        assert_eq!(parse_int("4134"), Some(4134));
        assert_eq!(parse_int("-3"), Some(-3));
        assert_eq!(parse_int("4134.0"), None);
        assert_eq!(parse_int("1e3"), None);
        assert_eq!(parse_int("99999999999999999999"), None);
        assert_eq!(parse_int("-"), None);
    }
}
