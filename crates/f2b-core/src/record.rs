//! NDJSON records that keep every field exactly as it came.
//!
//! A stage parses a line into a [`Record`]: its top-level fields in order, each
//! value kept as the raw JSON text it was written with. The stage reads the few
//! fields it needs, collects its own fields in a [`Patch`] and writes the record
//! back with [`Record::write_patched`]: every other field is copied byte for
//! byte, in order, and the stage's fields are replaced in place or appended.

use std::borrow::Cow;
use std::fmt;
use std::ops::Range;

use serde::de::{self, Deserialize, Deserializer, MapAccess, Visitor};
use serde::Serialize;
use serde_json::value::RawValue;

/// One NDJSON record: the line it came from and its top-level fields in order.
pub struct Record<'a> {
    line: &'a [u8],
    fields: Vec<(Cow<'a, str>, &'a RawValue)>,
}

impl<'a> Record<'a> {
    /// Parses one line. Anything but a single JSON object (with UTF-8 text) is
    /// an error whose text says why; duplicate keys are an error too, since a
    /// later stage could not tell which one is meant.
    pub fn parse(line: &'a [u8]) -> Result<Record<'a>, String> {
        let first = line.iter().find(|b| !b.is_ascii_whitespace());
        match first {
            Some(b'{') => {}
            Some(_) => return Err("not a JSON object".into()),
            None => return Err("empty line".into()),
        }
        let Fields(fields) = serde_json::from_slice(line).map_err(|e| {
            let msg = e.to_string();
            // serde_json reports "line 1 column N"; the column is what helps.
            match msg.rfind(" at line 1 column ") {
                Some(i) => format!("invalid JSON ({}, column {})", &msg[..i], e.column()),
                None => format!("invalid JSON ({msg})"),
            }
        })?;
        for (i, (key, _)) in fields.iter().enumerate() {
            if fields[..i].iter().any(|(k, _)| k == key) {
                return Err(format!("duplicate field {key:?}"));
            }
        }
        Ok(Record { line, fields })
    }

    /// The line this record was parsed from.
    pub fn line(&self) -> &'a [u8] {
        self.line
    }

    /// The top-level fields in order, with their raw JSON values.
    pub fn fields(&self) -> &[(Cow<'a, str>, &'a RawValue)] {
        &self.fields
    }

    /// The raw JSON value of `key`, if present.
    pub fn raw(&self, key: &str) -> Option<&'a RawValue> {
        self.fields.iter().find(|(k, _)| k == key).map(|(_, v)| *v)
    }

    /// The string value of `key`; `None` when absent, null or not a string.
    pub fn str(&self, key: &str) -> Option<Cow<'a, str>> {
        let raw = self.raw(key)?;
        if !raw.get().starts_with('"') {
            return None;
        }
        serde_json::from_str::<Cow<'a, str>>(raw.get()).ok()
    }

    /// The integer value of `key`; `None` when absent, null or not an integer.
    pub fn i64(&self, key: &str) -> Option<i64> {
        serde_json::from_str::<i64>(self.raw(key)?.get()).ok()
    }

    /// Deserializes the value of `key`; `None` when absent or null.
    pub fn get<T: Deserialize<'a>>(&self, key: &str) -> Result<Option<T>, String> {
        match self.raw(key) {
            None => Ok(None),
            Some(raw) if raw.get() == "null" => Ok(None),
            Some(raw) => serde_json::from_str(raw.get())
                .map(Some)
                .map_err(|e| format!("field {key:?}: {e}")),
        }
    }

    /// Appends this record with `patch` applied, and a newline, to `out`.
    ///
    /// Fields not in the patch keep their bytes and order. A patched field that
    /// already exists keeps its position and takes the new value; the others are
    /// appended in patch order. With nothing to replace the line itself is
    /// copied and the new fields are spliced in before its closing brace.
    pub fn write_patched(&self, patch: &Patch, out: &mut Vec<u8>) {
        let replaces =
            !patch.is_empty() && self.fields.iter().any(|(k, _)| patch.find(k).is_some());
        if !replaces {
            let end = self
                .line
                .iter()
                .rposition(|&b| b == b'}')
                .unwrap_or(self.line.len());
            out.extend_from_slice(&self.line[..end]);
            let mut first = self.fields.is_empty();
            for i in 0..patch.len() {
                patch.write_entry(i, first, out);
                first = false;
            }
            out.extend_from_slice(&self.line[end..]);
            out.push(b'\n');
            return;
        }
        out.push(b'{');
        let mut first = true;
        let mut used = vec![false; patch.len()];
        for (key, value) in &self.fields {
            if let Some(i) = patch.find(key) {
                patch.write_entry(i, first, out);
                used[i] = true;
            } else {
                if !first {
                    out.push(b',');
                }
                write_key(key, out);
                out.extend_from_slice(value.get().as_bytes());
            }
            first = false;
        }
        for (i, done) in used.iter().enumerate() {
            if !done {
                patch.write_entry(i, first, out);
                first = false;
            }
        }
        out.extend_from_slice(b"}\n");
    }
}

fn write_key(key: &str, out: &mut Vec<u8>) {
    // Serializing a str into a Vec cannot fail.
    let _ = serde_json::to_writer(&mut *out, key);
    out.push(b':');
}

/// The fields one stage sets on a record: keys with their JSON-encoded values.
///
/// A patch is reused from record to record (`clear`), so that setting fields
/// allocates nothing in the steady state.
#[derive(Default, Debug, Clone)]
pub struct Patch {
    keys: String,
    values: Vec<u8>,
    entries: Vec<(Range<usize>, Range<usize>)>,
}

impl Patch {
    /// An empty patch.
    pub fn new() -> Self {
        Self::default()
    }

    /// Removes every field, keeping the allocations.
    pub fn clear(&mut self) {
        self.keys.clear();
        self.values.clear();
        self.entries.clear();
    }

    /// Number of fields set.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// True when no field is set.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Sets `key` to the JSON encoding of `value`. Setting a key twice keeps both;
    /// callers set each key once.
    pub fn set<V: Serialize + ?Sized>(&mut self, key: &str, value: &V) {
        let k0 = self.keys.len();
        self.keys.push_str(key);
        let v0 = self.values.len();
        if serde_json::to_writer(&mut self.values, value).is_err() {
            // Only non-string map keys or failing Serialize impls get here; a
            // record must stay valid JSON, so the value becomes unknown.
            self.values.truncate(v0);
            self.values.extend_from_slice(b"null");
        }
        self.entries
            .push((k0..self.keys.len(), v0..self.values.len()));
    }

    /// Sets `key` to `null`.
    pub fn set_null(&mut self, key: &str) {
        self.set(key, &());
    }

    /// Sets `key` to `value`, or `null` when there is none.
    pub fn set_opt<V: Serialize>(&mut self, key: &str, value: Option<V>) {
        match value {
            Some(v) => self.set(key, &v),
            None => self.set_null(key),
        }
    }

    fn key(&self, i: usize) -> &str {
        &self.keys[self.entries[i].0.clone()]
    }

    fn find(&self, key: &str) -> Option<usize> {
        (0..self.entries.len()).find(|&i| self.key(i) == key)
    }

    fn write_entry(&self, i: usize, first: bool, out: &mut Vec<u8>) {
        if !first {
            out.push(b',');
        }
        write_key(self.key(i), out);
        out.extend_from_slice(&self.values[self.entries[i].1.clone()]);
    }
}

/// The top-level entries of a JSON object, in order, values kept raw.
struct Fields<'a>(Vec<(Cow<'a, str>, &'a RawValue)>);

impl<'de> Deserialize<'de> for Fields<'de> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct FieldsVisitor;
        impl<'de> Visitor<'de> for FieldsVisitor {
            type Value = Fields<'de>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a JSON object")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
                let mut fields = Vec::with_capacity(map.size_hint().unwrap_or(16));
                while let Some(key) = map.next_key::<Key<'de>>()? {
                    let value: &'de RawValue = map.next_value()?;
                    fields.push((key.0, value));
                }
                Ok(Fields(fields))
            }
        }
        deserializer.deserialize_map(FieldsVisitor)
    }
}

/// A key, borrowed when it has no escapes.
struct Key<'a>(Cow<'a, str>);

impl<'de> Deserialize<'de> for Key<'de> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct KeyVisitor;
        impl<'de> Visitor<'de> for KeyVisitor {
            type Value = Key<'de>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a string key")
            }
            fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Self::Value, E> {
                Ok(Key(Cow::Borrowed(v)))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
                Ok(Key(Cow::Owned(v.to_owned())))
            }
        }
        deserializer.deserialize_str(KeyVisitor)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn patched(line: &str, f: impl FnOnce(&mut Patch)) -> String {
        let record = Record::parse(line.as_bytes()).unwrap();
        let mut patch = Patch::new();
        f(&mut patch);
        let mut out = Vec::new();
        record.write_patched(&patch, &mut out);
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn unknown_fields_survive_byte_for_byte_and_in_order() {
        let line = r#"{"z":1.50e3, "ip":"192.0.2.1","x":{"a":[1, 2]},"s":"caf\u00e9"}"#;
        let out = patched(line, |p| {
            p.set("country", "FR");
            p.set_null("city");
        });
        assert_eq!(
            out,
            r#"{"z":1.50e3, "ip":"192.0.2.1","x":{"a":[1, 2]},"s":"caf\u00e9","country":"FR","city":null}"#
                .to_string()
                + "\n"
        );
    }

    #[test]
    fn existing_own_fields_are_replaced_in_place() {
        let out = patched(r#"{"country":"XX","ip":"192.0.2.1","n":1.0}"#, |p| {
            p.set("city", "Paris");
            p.set("country", "FR");
        });
        assert_eq!(
            out,
            "{\"country\":\"FR\",\"ip\":\"192.0.2.1\",\"n\":1.0,\"city\":\"Paris\"}\n"
        );
    }

    #[test]
    fn empty_object_gets_fields_without_a_leading_comma() {
        assert_eq!(patched("{}", |p| p.set("a", &1)), "{\"a\":1}\n");
        assert_eq!(patched(" { } ", |p| p.set("a", &1)), " { \"a\":1} \n");
    }

    #[test]
    fn non_objects_and_broken_json_are_rejected_with_a_reason() {
        assert_eq!(Record::parse(b"[1,2]").err().unwrap(), "not a JSON object");
        assert_eq!(Record::parse(b"  ").err().unwrap(), "empty line");
        let err = Record::parse(b"{\"a\":1,}").err().unwrap();
        assert!(err.starts_with("invalid JSON"), "{err}");
        assert!(Record::parse(b"{\"a\":1} {").is_err());
        assert!(Record::parse(b"{\"a\":\"\xff\"}").is_err());
        assert_eq!(
            Record::parse(br#"{"a":1,"a":2}"#).err().unwrap(),
            "duplicate field \"a\""
        );
    }

    #[test]
    fn typed_access_treats_null_and_wrong_types_as_unknown() {
        let r = Record::parse(br#"{"ip":"192.0.2.1","ts":null,"n":7,"f":"x"}"#).unwrap();
        assert_eq!(r.str("ip").as_deref(), Some("192.0.2.1"));
        assert_eq!(r.str("ts"), None);
        assert_eq!(r.str("n"), None);
        assert_eq!(r.i64("n"), Some(7));
        assert_eq!(r.i64("f"), None);
        assert_eq!(r.get::<u32>("ts"), Ok(None));
        assert!(r.get::<u32>("f").is_err());
    }

    #[test]
    fn escaped_keys_are_matched_by_their_value() {
        let r = Record::parse(br#"{"\u0069p":"192.0.2.1"}"#).unwrap();
        assert_eq!(r.str("ip").as_deref(), Some("192.0.2.1"));
    }
}
