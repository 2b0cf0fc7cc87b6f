//! Writing a record with the added fields.
//!
//! The output is exactly what [`Record::write_patched`] gives for a [`Patch`]
//! of the added fields (a property test checks it). In the usual case, a record
//! without any of the added fields yet, the line is copied and the fields,
//! whose keys are encoded once for the whole run, are written straight after
//! it, before its closing brace: write_patched's own fast path, without
//! building a patch, which would cost more than a look-up that hits the cache.
//! A record that already has one of the fields goes through write_patched,
//! which replaces them in place.

use std::ops::Range;

use f2b_core::{Patch, Record, Result};
use serde_json::value::RawValue;

/// The fields added to every record, in output order.
pub struct Additions {
    names: Vec<String>,
    /// `,"name":` for each name: the key as write_patched encodes it, after
    /// the comma that separates it from the field before.
    keys: Vec<Vec<u8>>,
    /// A bit for each length of a name (up to 63): a cheap first test of
    /// whether a record's key can be one of ours.
    lengths: u64,
    /// The values of a record that goes through write_patched.
    values: Vec<u8>,
    ranges: Vec<Option<Range<usize>>>,
    patch: Patch,
}

/// Where the values of one record's added fields go, in order.
pub struct Fields<'a> {
    additions: &'a mut Additions,
    out: &'a mut Vec<u8>,
    /// Writing straight to `out` (no field to replace) or collecting.
    splicing: bool,
    /// No comma before the next field (the record had no field at all).
    first: bool,
    next: usize,
}

impl Fields<'_> {
    /// Sets the next field to `value` (JSON text), or null.
    #[inline]
    pub fn push(&mut self, value: Option<&[u8]>) {
        if self.splicing {
            let key = self
                .additions
                .keys
                .get(self.next)
                .map_or(&b","[..], Vec::as_slice);
            let key = if self.first { &key[1..] } else { key };
            self.first = false;
            let value = value.unwrap_or(b"null");
            self.out.reserve(key.len() + value.len());
            self.out.extend_from_slice(key);
            self.out.extend_from_slice(value);
        } else {
            let values = &mut self.additions.values;
            self.additions.ranges.push(value.map(|v| {
                let start = values.len();
                values.extend_from_slice(v);
                start..values.len()
            }));
        }
        self.next += 1;
    }
}

impl Additions {
    /// Additions of the fields `names`, whose values are then pushed in this order.
    pub fn new(names: Vec<String>) -> Additions {
        let keys = names
            .iter()
            .map(|n| {
                let mut k = vec![b','];
                // Serializing a string into a Vec cannot fail.
                let _ = serde_json::to_writer(&mut k, n);
                k.push(b':');
                k
            })
            .collect();
        let lengths = names.iter().fold(0u64, |m, n| {
            m | 1u64.checked_shl(n.len() as u32).unwrap_or(0)
        });
        Additions {
            keys,
            lengths,
            values: Vec::with_capacity(1024),
            ranges: Vec::with_capacity(names.len()),
            names,
            patch: Patch::new(),
        }
    }

    /// Appends `record`, with the fields `fill` pushes (one value per name, in
    /// order), and a newline to `out`. When `fill` fails nothing is appended.
    pub fn write<F>(&mut self, record: &Record<'_>, out: &mut Vec<u8>, fill: F) -> Result<()>
    where
        F: FnOnce(&mut Fields<'_>) -> Result<()>,
    {
        let mark = out.len();
        let line = record.line();
        let end = line.iter().rposition(|&b| b == b'}').unwrap_or(line.len());
        let splicing = !self.has_any_of_ours(record);
        if splicing {
            out.extend_from_slice(&line[..end]);
        } else {
            self.values.clear();
            self.ranges.clear();
        }
        let mut fields = Fields {
            additions: self,
            out,
            splicing,
            first: record.fields().is_empty(),
            next: 0,
        };
        if let Err(e) = fill(&mut fields) {
            out.truncate(mark);
            return Err(e);
        }
        if splicing {
            out.extend_from_slice(&line[end..]);
            out.push(b'\n');
        } else {
            self.write_replacing(record, out);
        }
        Ok(())
    }

    fn has_any_of_ours(&self, record: &Record<'_>) -> bool {
        record.fields().iter().any(|(key, _)| {
            key.len() < 64
                && self.lengths & (1u64 << key.len()) != 0
                && self.names.iter().any(|n| same_key(n, key))
        })
    }

    fn write_replacing(&mut self, record: &Record<'_>, out: &mut Vec<u8>) {
        self.patch.clear();
        for (i, name) in self.names.iter().enumerate() {
            let range = self.ranges.get(i).cloned().flatten();
            let raw = range.and_then(|r| serde_json::from_slice::<&RawValue>(&self.values[r]).ok());
            match raw {
                Some(raw) => self.patch.set(name, raw),
                None => self.patch.set_null(name),
            }
        }
        record.write_patched(&self.patch, out);
    }
}

/// `a == b` for field names, telling most different names apart by their
/// length and first byte before comparing them whole (called for every field
/// of every record, where a library comparison costs more than the test).
#[inline]
pub fn same_key(a: &str, b: &str) -> bool {
    a.len() == b.len() && a.as_bytes().first() == b.as_bytes().first() && a == b
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn names() -> Vec<String> {
        [
            "country",
            "region",
            "city",
            "lat",
            "lon",
            "reporter_country",
        ]
        .map(String::from)
        .to_vec()
    }

    const VALUES: [Option<&str>; 6] = [
        Some("\"CN\""),
        None,
        Some("\"Xi'an \\\"old\\\" town\""),
        Some("34.2598"),
        Some("-108.9"),
        None,
    ];

    /// What write_patched gives for the same fields.
    fn reference(line: &str) -> String {
        let record = Record::parse(line.as_bytes()).unwrap();
        let mut patch = Patch::new();
        for (name, value) in names().iter().zip(VALUES) {
            match value {
                Some(v) => patch.set(name, &serde_json::from_str::<&RawValue>(v).unwrap()),
                None => patch.set_null(name),
            }
        }
        let mut out = Vec::new();
        record.write_patched(&patch, &mut out);
        String::from_utf8(out).unwrap()
    }

    fn spliced(line: &str) -> String {
        let record = Record::parse(line.as_bytes()).unwrap();
        let mut added = Additions::new(names());
        let mut out = b"before\n".to_vec();
        added
            .write(&record, &mut out, |fields| {
                for value in VALUES {
                    fields.push(value.map(str::as_bytes));
                }
                Ok(())
            })
            .unwrap();
        String::from_utf8(out).unwrap().split_off(7)
    }

    #[test]
    fn a_failed_record_leaves_nothing_behind() {
        for line in [r#"{"ip":"1.2.3.4"}"#, r#"{"city":"x"}"#] {
            let record = Record::parse(line.as_bytes()).unwrap();
            let mut added = Additions::new(names());
            let mut out = b"before\n".to_vec();
            let result = added.write(&record, &mut out, |fields| {
                fields.push(Some(b"\"CN\""));
                Err(f2b_core::Error::data("database broke"))
            });
            assert!(result.is_err());
            assert_eq!(out, b"before\n");
        }
    }

    #[test]
    fn fields_are_spliced_before_the_closing_brace() {
        let line = r#"{"ts":"2011-07-04T10:34:58Z", "ip":"61.147.12.134","x":{"a":[1, 2.50]}}  "#;
        assert_eq!(spliced(line), reference(line));
        assert!(spliced(line).starts_with(
            r#"{"ts":"2011-07-04T10:34:58Z", "ip":"61.147.12.134","x":{"a":[1, 2.50]},"country":"CN","region":null,"#
        ));
        assert!(spliced(line).ends_with("\"reporter_country\":null}  \n"));
    }

    #[test]
    fn existing_fields_are_replaced_in_place() {
        let line = r#"{"city":"old","ip":"1.2.3.4","lat":0}"#;
        let out = spliced(line);
        assert_eq!(out, reference(line));
        assert!(out.starts_with(r#"{"city":"Xi'an \"old\" town","ip":"1.2.3.4","lat":34.2598,"#));
    }

    #[test]
    fn empty_object_gets_fields_without_a_leading_comma() {
        assert_eq!(spliced("{}"), reference("{}"));
        assert_eq!(spliced(" { } "), reference(" { } "));
    }

    fn json_value() -> impl Strategy<Value = String> {
        prop_oneof![
            Just("null".to_string()),
            any::<i64>().prop_map(|n| n.to_string()),
            "[a-z\\\\\"é ]{0,8}".prop_map(|s| serde_json::to_string(&s).unwrap()),
            Just("{\"a\": [1, {\"b\": null}] }".to_string()),
            Just("1.50e3".to_string()),
        ]
    }

    fn key() -> impl Strategy<Value = String> {
        prop_oneof![
            4 => "[a-z_]{1,12}",
            1 => prop::sample::select(names()),
            1 => Just("ci\\u0074y".to_string()),
        ]
    }

    proptest! {
        #[test]
        fn output_is_what_write_patched_gives(
            entries in prop::collection::vec((key(), json_value(), " {0,2}"), 0..8),
            tail in " {0,2}",
        ) {
            let mut seen = std::collections::HashSet::new();
            let body: Vec<String> = entries
                .iter()
                .filter(|(k, _, _)| seen.insert(k.replace("\\u0074", "t")))
                .map(|(k, v, ws)| format!("\"{k}\":{ws}{v}"))
                .collect();
            let line = format!("{{{}}}{tail}", body.join(","));
            prop_assert_eq!(spliced(&line), reference(&line));
        }
    }
}
