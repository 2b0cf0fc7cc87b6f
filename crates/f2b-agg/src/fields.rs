//! The fields the digest reads from each record, picked out of the shared
//! [`Record`]: by position when the record repeats the keys of the one
//! before ([`Picker`]), else in one pass over its fields ([`Record::pick`]).

use std::borrow::Cow;
use std::sync::OnceLock;

use f2b_core::{Keys, Raw, Record};

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
///
/// Kept as the picker writes it, so that picking a record's values is no
/// more than that (converting them and moving the result cost ~300
/// instructions a record, callgrind).
#[derive(Default, Clone, Copy, Debug, PartialEq, Eq)]
pub struct Values<'a> {
    raw: [Option<Raw<'a>>; FIELDS],
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
        self.text(f).as_bytes()
    }

    /// The raw JSON text of `f` as text.
    #[inline]
    pub fn text(&self, f: Field) -> &'a str {
        self.raw[f as usize].map_or("", |r| r.get())
    }

    /// The string value of `f`; `None` when it is absent, null or not a
    /// string (as [`raw_str`] says).
    #[inline]
    pub fn str(&self, f: Field) -> Option<Cow<'a, str>> {
        let raw = self.text(f);
        let inner = raw.strip_prefix('"')?.strip_suffix('"')?;
        // The text of a record is UTF-8 already: only escapes need decoding.
        if !inner.as_bytes().contains(&b'\\') {
            return Some(Cow::Borrowed(inner));
        }
        serde_json::from_str::<String>(raw).ok().map(Cow::Owned)
    }

    /// The values of a record.
    #[inline]
    pub fn from_record(record: &Record<'a>) -> Values<'a> {
        let mut v = Values::default();
        record.pick(keys(), &mut v.raw);
        v
    }
}

/// Picks the [`Values`] of records that mostly repeat the keys of the record
/// before, as the records of one producer do: an [`f2b_core::Picker`], which
/// takes the fields from where they were in the record before when the
/// scanner says the key list is the same ([`Record::layout`]), and picks
/// them with [`Record::pick`] otherwise. On enriched records (34 fields, 19
/// read) [`Record::pick`] alone costs ~1,650 instructions a record
/// (callgrind).
#[derive(Debug, Clone)]
pub struct Picker(f2b_core::Picker);

impl Default for Picker {
    fn default() -> Self {
        Self::new()
    }
}

impl Picker {
    /// A picker that remembers no record yet.
    pub fn new() -> Picker {
        Picker(f2b_core::Picker::new(keys().clone()))
    }

    /// The values of `record`.
    #[inline]
    pub fn values<'a>(&mut self, record: &Record<'a>) -> Values<'a> {
        let mut v = Values::default();
        self.pick(record, &mut v);
        v
    }

    /// Puts the values of `record` in `v` (no copy of them as
    /// [`Picker::values`] returns them).
    #[inline]
    pub fn pick<'a>(&mut self, record: &Record<'a>, v: &mut Values<'a>) {
        self.0.pick(record, &mut v.raw);
    }
}

/// The values of `line`, or why it is not a record (as [`Record::parse`] says).
pub fn values(line: &[u8]) -> Result<Values<'_>, String> {
    Record::parse(line).map(|r| Values::from_record(&r))
}

/// The string value of a raw JSON value; `None` when it is not a string (or
/// a string that is not valid text, such as a lone surrogate escape).
pub fn raw_str(raw: &[u8]) -> Option<Cow<'_, str>> {
    let inner = raw.strip_prefix(b"\"")?.strip_suffix(b"\"")?;
    if !inner.contains(&b'\\') {
        return std::str::from_utf8(inner).ok().map(Cow::Borrowed);
    }
    serde_json::from_slice::<String>(raw).ok().map(Cow::Owned)
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
    fn the_picker_gives_what_pick_gives_whatever_the_keys() {
        let lines = [
            r#"{"ts":"2011-07-04T10:34:58Z","ip":"192.0.2.1","msgid":"<a@b>","reporter_as_country":"FR"}"#,
            r#"{"ts":"2011-07-04T10:34:59Z","ip":"192.0.2.2","msgid":"<c@d>","reporter_as_country":"DE"}"#,
            // The same lengths, another key: a notice must not pass for a report.
            r#"{"ts":"2011-07-04T10:35:00Z","ip":"192.0.2.3","event":"start","reporter_as_country":"DE"}"#,
            r#"{"ts":"2011-07-04T10:35:00Z","ip":"192.0.2.3","event":"start","reporter_xx_country":"DE"}"#,
            r#"{"ts":"2011-07-04T10:35:00Z","ip":"192.0.2.3","event":"start","reporter_as_country":"DE"}"#,
            r#"{"ts":"2011-07-04T10:35:00Z","\u0069p":"192.0.2.4","event":"start","reporter_as_country":"DE"}"#,
            r#"{"ts":"2011-07-04T10:35:00Z","ix":"192.0.2.4","event":"start","reporter_as_country":"DE"}"#,
            r#"{"ip":"192.0.2.5","ts":"2011-07-04T10:35:00Z","event":"ban","reporter_as_country":"DE"}"#,
            r#"{"ip":"192.0.2.5","ts":"2011-07-04T10:35:00Z","event":"ban"}"#,
            r#"{"ip":"192.0.2.5","ts":"2011-07-04T10:35:00Z","event":"ban","city":null}"#,
            r#"{"ip":"192.0.2.5","ts":"2011-07-04T10:35:00Z","event":"ban","citz":null}"#,
            r#"{}"#,
            r#"{"date":"2011-07-04","country":"FR","service":"ssh"}"#,
            r#"{"date":"2011-07-05","country":"DE","service":"ftp"}"#,
        ];
        let mut picker = Picker::new();
        for line in lines.iter().chain(lines.iter().rev()) {
            let record = Record::parse(line.as_bytes()).unwrap();
            assert_eq!(
                picker.values(&record),
                Values::from_record(&record),
                "{line}"
            );
        }
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
