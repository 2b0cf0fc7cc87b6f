//! The fields the digest reads from each record, picked out of the shared
//! [`Record`] in one pass over its fields (see [`Record::pick`]).

use std::sync::OnceLock;

use f2b_core::{Keys, Record};

/// The fields the digest reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
pub enum Field {
    /// `ts`
    Ts,
    /// `date`
    Date,
    /// `hour`
    Hour,
    /// `ip`
    Ip,
    /// `attacker_id`
    AttackerId,
    /// `reporter_host`
    ReporterHost,
    /// `reporter_ip`
    ReporterIp,
    /// `reporter_id`
    ReporterId,
    /// `country`
    Country,
    /// `region`
    Region,
    /// `city`
    City,
    /// `asn`
    Asn,
    /// `as_name`
    AsName,
    /// `as_country`
    AsCountry,
    /// `service`
    Service,
    /// `jail`
    Jail,
    /// `reporter_country`
    ReporterCountry,
    /// `failures`
    Failures,
    /// `event`
    Event,
}

/// Number of [`Field`]s.
pub const FIELDS: usize = 19;

impl Field {
    /// Every field, in index order.
    pub const ALL: [Field; FIELDS] = [
        Field::Ts,
        Field::Date,
        Field::Hour,
        Field::Ip,
        Field::AttackerId,
        Field::ReporterHost,
        Field::ReporterIp,
        Field::ReporterId,
        Field::Country,
        Field::Region,
        Field::City,
        Field::Asn,
        Field::AsName,
        Field::AsCountry,
        Field::Service,
        Field::Jail,
        Field::ReporterCountry,
        Field::Failures,
        Field::Event,
    ];

    /// The field's name in records.
    pub fn name(self) -> &'static str {
        match self {
            Field::Ts => "ts",
            Field::Date => "date",
            Field::Hour => "hour",
            Field::Ip => "ip",
            Field::AttackerId => "attacker_id",
            Field::ReporterHost => "reporter_host",
            Field::ReporterIp => "reporter_ip",
            Field::ReporterId => "reporter_id",
            Field::Country => "country",
            Field::Region => "region",
            Field::City => "city",
            Field::Asn => "asn",
            Field::AsName => "as_name",
            Field::AsCountry => "as_country",
            Field::Service => "service",
            Field::Jail => "jail",
            Field::ReporterCountry => "reporter_country",
            Field::Failures => "failures",
            Field::Event => "event",
        }
    }
}

/// The raw JSON text of each [`Field`] of one record; empty when absent.
#[derive(Default, Clone, Copy, Debug, PartialEq, Eq)]
pub struct Values<'a> {
    raw: [&'a [u8]; FIELDS],
}

/// The names of the [`Field`]s, prepared once.
fn keys() -> &'static Keys {
    static KEYS: OnceLock<Keys> = OnceLock::new();
    KEYS.get_or_init(|| Keys::new(&Field::ALL.map(Field::name)))
}

impl<'a> Values<'a> {
    /// The raw JSON text of `f` (`"..."` with its quotes for a string, `null`,
    /// a number...), or an empty slice when the record does not have it.
    #[inline]
    pub fn raw(&self, f: Field) -> &'a [u8] {
        self.raw[f as usize]
    }

    /// Sets the raw text of `f`.
    pub fn set(&mut self, f: Field, raw: &'a [u8]) {
        self.raw[f as usize] = raw;
    }

    /// The values of a record.
    #[inline]
    pub fn from_record(record: &Record<'a>) -> Values<'a> {
        let mut picked = [None; FIELDS];
        record.pick(keys(), &mut picked);
        Values {
            raw: picked.map(|v| v.map_or(&[][..], |r| r.as_bytes())),
        }
    }
}

/// The values of `line`, or why it is not a record (as [`Record::parse`] says).
pub fn values(line: &[u8]) -> Result<Values<'_>, String> {
    Record::parse(line).map(|r| Values::from_record(&r))
}

/// The string value of a raw JSON value; `None` when it is not a string (or
/// a string that is not valid text, such as a lone surrogate escape).
pub fn raw_str(raw: &[u8]) -> Option<std::borrow::Cow<'_, str>> {
    let inner = raw.strip_prefix(b"\"")?.strip_suffix(b"\"")?;
    if !inner.contains(&b'\\') {
        return std::str::from_utf8(inner)
            .ok()
            .map(std::borrow::Cow::Borrowed);
    }
    serde_json::from_slice::<String>(raw)
        .ok()
        .map(std::borrow::Cow::Owned)
}

/// The integer value of a raw JSON value; `None` when it is not an integer
/// that fits in `i64` (as [`Record::i64`] does).
pub fn raw_i64(raw: &[u8]) -> Option<i64> {
    let (neg, digits) = match raw.strip_prefix(b"-") {
        Some(d) => (true, d),
        None => (false, raw),
    };
    if digits.is_empty() || digits.len() > 19 || !digits.iter().all(u8::is_ascii_digit) {
        return None;
    }
    if digits.len() > 1 && digits[0] == b'0' {
        return None;
    }
    let mut n: i64 = 0;
    for d in digits {
        n = n.checked_mul(10)?.checked_add(i64::from(d - b'0'))?;
    }
    Some(if neg { -n } else { n })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_are_the_raw_text_of_the_fields_read() {
        let line = r#"{"ts":"2011-07-04T10:34:58Z","ip":"192.0.2.1","asns":[1],"country":null,"as_name":"A \"B\" \u00e9","\u0069p_x":1}"#;
        let v = values(line.as_bytes()).unwrap();
        assert_eq!(v.raw(Field::Ip), br#""192.0.2.1""#);
        assert_eq!(v.raw(Field::Country), b"null");
        assert_eq!(v.raw(Field::City), b"");
        assert_eq!(raw_str(v.raw(Field::AsName)).as_deref(), Some("A \"B\" é"));
        assert_eq!(
            values(br#"{"\u0069p":"192.0.2.1"}"#)
                .unwrap()
                .raw(Field::Ip),
            br#""192.0.2.1""#
        );
        assert!(values(b"{\"a\":1} x").is_err());
    }

    #[test]
    fn raw_integers_follow_record_i64() {
        for raw in [
            "0",
            "-7",
            "9223372036854775807",
            "9223372036854775808",
            "1.0",
            "1e3",
            "01",
            "\"5\"",
            "null",
            "-",
        ] {
            let line = format!("{{\"n\":{raw}}}");
            let expected = Record::parse(line.as_bytes()).ok().and_then(|r| r.i64("n"));
            assert_eq!(raw_i64(raw.as_bytes()), expected, "{raw}");
        }
    }

    #[test]
    fn raw_strings_follow_record_str() {
        for raw in [r#""plain""#, r#""esc\n\u00e9""#, r#""\ud800""#, "5", "null"] {
            let line = format!("{{\"s\":{raw}}}");
            let r = Record::parse(line.as_bytes()).unwrap();
            assert_eq!(raw_str(raw.as_bytes()), r.str("s"), "{raw}");
        }
    }
}
