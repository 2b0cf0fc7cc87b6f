//! NDJSON records that keep every field exactly as it came.
//!
//! A stage parses a line into a [`Record`]: its top-level fields in order, each
//! value kept as the raw JSON text it was written with. The stage reads the few
//! fields it needs, collects its own fields in a [`Patch`] and writes the record
//! back with [`Record::write_patched`]: every other field is copied byte for
//! byte, in order, and the stage's fields are replaced in place or appended.
//!
//! Parsing takes the fast path of [`crate::scan`] for the common plain line
//! and falls back to serde_json for everything else, with the same result.

use std::borrow::Cow;
use std::cell::Cell;
use std::fmt;
use std::ops::{Deref, Range};

use serde::de::{self, Deserialize, Deserializer, MapAccess, Visitor};
use serde::Serialize;
use serde_json::value::RawValue;

use crate::scan::KeyOrder;

/// The raw JSON text of a value, exactly as the line has it: a string with its
/// quotes and escapes, a number as written, `null`, a nested array or object.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct Raw<'a>(&'a str);

impl<'a> Raw<'a> {
    /// Wraps raw JSON text; the caller vouches that it is one valid value.
    pub(crate) fn new(text: &'a str) -> Raw<'a> {
        Raw(text)
    }

    /// The raw JSON text.
    #[inline]
    pub fn get(&self) -> &'a str {
        self.0
    }

    /// The raw JSON text as bytes.
    #[inline]
    pub fn as_bytes(&self) -> &'a [u8] {
        self.0.as_bytes()
    }
}

impl Deref for Raw<'_> {
    type Target = str;
    fn deref(&self) -> &str {
        self.0
    }
}

impl fmt::Debug for Raw<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.0)
    }
}

impl fmt::Display for Raw<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.0)
    }
}

/// The fields of a record: keys (borrowed unless escaped) and raw values.
pub(crate) type FieldVec<'a> = Vec<(Cow<'a, str>, Raw<'a>)>;

/// An empty vector of another lifetime on the same allocation (collecting
/// into a vector of the same layout reuses the source's buffer).
pub(crate) fn recycle<'b>(mut fields: FieldVec<'_>) -> FieldVec<'b> {
    fields.clear();
    // `filter_map` because the item type changes (its lifetime); there are
    // no items.
    #[allow(clippy::unnecessary_filter_map)]
    fields.into_iter().filter_map(|_| None).collect()
}

/// One NDJSON record: the line it came from and its top-level fields in order.
pub struct Record<'a> {
    line: &'a [u8],
    /// Keys decoded, values raw: each value a slice of `line`, in order.
    fields: Vec<(Cow<'a, str>, Raw<'a>)>,
    /// The id of the key list, or 0 (see [`Record::layout`]).
    layout: u64,
}

/// A fixed list of keys, prepared for [`Record::pick`]: a stage that reads the
/// same fields of every record builds one once.
#[derive(Debug, Clone)]
pub struct Keys {
    names: Vec<Box<str>>,
    /// By [`Keys::slot`] of a key: `EMPTY` (no key has that slot), the
    /// index of the one key that has it, or `SHARED` (search `names`).
    table: Box<[u8; 256]>,
}

impl Keys {
    const EMPTY: u8 = u8::MAX;
    const SHARED: u8 = u8::MAX - 1;

    /// The keys `names`, in this order. A key given twice is picked into its
    /// first slot only.
    pub fn new(names: &[&str]) -> Keys {
        let mut table = Box::new([Keys::EMPTY; 256]);
        for (i, name) in names.iter().enumerate() {
            let slot = &mut table[Keys::slot(name)];
            *slot = match (*slot, u8::try_from(i)) {
                (Keys::SHARED, _) => Keys::SHARED,
                (Keys::EMPTY, Ok(i)) if i < Keys::SHARED => i,
                (s, _) if names.get(usize::from(s)) == Some(name) => s,
                _ => Keys::SHARED,
            };
        }
        Keys {
            names: names.iter().map(|n| Box::from(*n)).collect(),
            table,
        }
    }

    /// Spreads keys by length and first and last byte, which tell most
    /// field names apart.
    #[inline(always)]
    fn slot(key: &str) -> usize {
        let b = key.as_bytes();
        let (first, last) = (b.first().map_or(0, |&x| x), b.last().map_or(0, |&x| x));
        let x = (b.len() as u32).wrapping_mul(0x9e37)
            ^ u32::from(first).wrapping_mul(0x85eb)
            ^ u32::from(last).wrapping_mul(0xc2b3);
        ((x ^ (x >> 8)) & 0xff) as usize
    }

    /// Number of keys.
    pub fn len(&self) -> usize {
        self.names.len()
    }

    /// True when there are no keys.
    pub fn is_empty(&self) -> bool {
        self.names.is_empty()
    }

    /// The index of `key` in the list, if it is one of the keys.
    #[inline]
    pub fn find(&self, key: &str) -> Option<usize> {
        match self.table[Keys::slot(key)] {
            Keys::EMPTY => None,
            Keys::SHARED => self.names.iter().position(|n| **n == *key),
            i => {
                let i = usize::from(i);
                (self.names.get(i).is_some_and(|n| **n == *key)).then_some(i)
            }
        }
    }
}

impl<'a> Record<'a> {
    /// Parses one line. Anything but a single JSON object (with UTF-8 text) is
    /// an error whose text says why; duplicate keys are an error too, since a
    /// later stage could not tell which one is meant.
    pub fn parse(line: &'a [u8]) -> Result<Record<'a>, String> {
        Self::parse_in(line, Vec::with_capacity(32), None)
    }

    /// [`Record::parse`] into `fields` (empty), so that a loop can reuse one
    /// allocation: see [`Record::into_spare`].
    /// With `order`, the scanner guesses keys from the lines before (see
    /// [`crate::scan::KeyOrder`]).
    pub(crate) fn parse_in(
        line: &'a [u8],
        mut fields: FieldVec<'a>,
        order: Option<&mut KeyOrder>,
    ) -> Result<Record<'a>, String> {
        // simdutf8 checks a valid line several times faster than std (which
        // was 7 % of a stage's instructions); the answer is the same.
        let text = simdutf8::basic::from_utf8(line).ok();
        if let Some(text) = text {
            let (plain, layout) = match order {
                Some(order) => (
                    crate::scan::fields_in_order(text, &mut fields, order),
                    order.layout(),
                ),
                None => (crate::scan::fields(text, &mut fields), 0),
            };
            if plain {
                return Ok(Record {
                    line,
                    fields,
                    layout,
                });
            }
            fields.clear();
        }
        Self::parse_with(line, text)
    }

    /// The allocation of the fields, emptied, for [`Record::parse_in`].
    pub(crate) fn into_spare<'b>(mut self) -> FieldVec<'b> {
        if self.layout != 0 {
            // Scanned fields (a layout is only given to them) have borrowed
            // keys only: nothing to drop, one by one (that loop was 2 % of
            // f2b-agg's instructions, callgrind).
            // SAFETY: a length of 0 is within the capacity and leaves no
            // element to be initialized; the elements are forgotten, which
            // for borrowed keys and raw values frees nothing.
            unsafe { self.fields.set_len(0) };
        }
        recycle(self.fields)
    }

    /// Parses one line with serde_json alone, as [`Record::parse`] does for
    /// the lines its fast scanner leaves alone: the reference the fast path
    /// is tested against. Same result as [`Record::parse`], only slower.
    pub fn parse_reference(line: &'a [u8]) -> Result<Record<'a>, String> {
        Self::parse_with(line, std::str::from_utf8(line).ok())
    }

    /// The serde_json parse; `text` is the line when it is UTF-8, so that
    /// serde_json need not check the strings again.
    fn parse_with(line: &'a [u8], text: Option<&'a str>) -> Result<Record<'a>, String> {
        let first = line.iter().find(|b| !b.is_ascii_whitespace());
        match first {
            Some(b'{') => {}
            Some(_) => return Err("not a JSON object".into()),
            None => return Err("empty line".into()),
        }
        let parsed = match text {
            Some(text) => serde_json::from_str(text),
            None => serde_json::from_slice(line),
        };
        let Fields(fields) = parsed.map_err(|e| {
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
        Ok(Record {
            line,
            fields,
            layout: 0,
        })
    }

    /// The line this record was parsed from.
    pub fn line(&self) -> &'a [u8] {
        self.line
    }

    /// The top-level fields in order, with their raw JSON values.
    pub fn fields(&self) -> &[(Cow<'a, str>, Raw<'a>)] {
        &self.fields
    }

    /// An id of this record's list of keys, or 0 when there is none: two
    /// records of one [`crate::cli::for_each_record`] loop with the same
    /// nonzero id have the same keys in the same order. (The ids come from
    /// the scanner's guess of the keys; see [`Picker`].)
    pub fn layout(&self) -> u64 {
        self.layout
    }

    /// The raw JSON value of `key`, if present.
    pub fn raw(&self, key: &str) -> Option<Raw<'a>> {
        self.fields.iter().find(|(k, _)| k == key).map(|(_, v)| *v)
    }

    /// The raw values of `keys` in one pass over the fields: `out[i]` becomes
    /// the value of the `i`-th key, or `None` when the record does not have
    /// it. `out` should have [`Keys::len`] slots; extra keys are not picked.
    pub fn pick(&self, keys: &Keys, out: &mut [Option<Raw<'a>>]) {
        out.fill(None);
        let mut left = keys.len().min(out.len());
        for (key, value) in &self.fields {
            if left == 0 {
                break;
            }
            if let Some(slot) = keys.find(key).and_then(|i| out.get_mut(i)) {
                if slot.is_none() {
                    left -= 1;
                }
                *slot = Some(*value);
            }
        }
    }

    /// The string value of `key`; `None` when absent, null or not a string.
    pub fn str(&self, key: &str) -> Option<Cow<'a, str>> {
        let raw = self.raw(key)?.get();
        let inner = raw.strip_prefix('"')?;
        match inner.strip_suffix('"') {
            // A valid string without escapes is its own text.
            Some(text) if !text.contains('\\') => Some(Cow::Borrowed(text)),
            _ => serde_json::from_str::<Cow<'a, str>>(raw).ok(),
        }
    }

    /// The integer value of `key`; `None` when absent, null or not an integer.
    pub fn i64(&self, key: &str) -> Option<i64> {
        let raw = self.raw(key)?.get();
        let digits = raw.strip_prefix('-').unwrap_or(raw);
        let plain = matches!(digits.as_bytes(), [b'1'..=b'9', rest @ ..] if rest.iter().all(u8::is_ascii_digit))
            || raw == "0";
        if plain {
            // What serde_json gives for these, overflow included (None).
            return raw.parse().ok();
        }
        serde_json::from_str::<i64>(raw).ok()
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
    /// appended in patch order, before the closing brace. Everything but the
    /// replaced values is copied from the line as it is: keys with their
    /// escapes, and the spacing between tokens.
    pub fn write_patched(&self, patch: &Patch, out: &mut Vec<u8>) {
        let end = self
            .line
            .iter()
            .rposition(|&b| b == b'}')
            .unwrap_or(self.line.len());
        let mut copied = 0;
        let mut used = Vec::new();
        if !patch.is_empty() && patch.replaces_a_field_of(self) {
            let written = out.len();
            used = vec![false; patch.len()];
            for (key, value) in &self.fields {
                let Some(i) = patch.may_have(key).then(|| patch.find(key)).flatten() else {
                    continue;
                };
                let Some(at) = self.offset_of(*value).filter(|&at| at >= copied) else {
                    out.truncate(written);
                    return self.write_rebuilt(patch, out);
                };
                out.extend_from_slice(&self.line[copied..at]);
                patch.write_value(i, out);
                copied = at + value.len();
                used[i] = true;
            }
        }
        out.extend_from_slice(&self.line[copied.min(end)..end]);
        if used.is_empty() {
            patch.write_all(self.fields.is_empty(), out);
        } else {
            for (i, _) in used.iter().enumerate().filter(|(_, &done)| !done) {
                patch.write_entry(i, false, out);
            }
        }
        out.extend_from_slice(&self.line[end..]);
        out.push(b'\n');
    }

    /// Where `value` starts in the line. Both parsers borrow every value
    /// from the line, so it is always there.
    fn offset_of(&self, value: Raw<'_>) -> Option<usize> {
        let at = (value.as_bytes().as_ptr() as usize).checked_sub(self.line.as_ptr() as usize)?;
        (at + value.len() <= self.line.len()).then_some(at)
    }

    /// [`Record::write_patched`] from the fields alone, keys encoded anew and
    /// spacing dropped: only for a value that is not in the line, which
    /// the parsers never give (kept so that a broken invariant would cost
    /// escapes and spaces, not a record).
    fn write_rebuilt(&self, patch: &Patch, out: &mut Vec<u8>) {
        out.push(b'{');
        let mut first = true;
        let mut used = vec![false; patch.len()];
        for (key, value) in &self.fields {
            if let Some(i) = patch.may_have(key).then(|| patch.find(key)).flatten() {
                patch.write_entry(i, first, out);
                used[i] = true;
            } else {
                if !first {
                    out.push(b',');
                }
                write_key(key, out);
                out.extend_from_slice(value.as_bytes());
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
    if crate::scan::plain(key.as_bytes()) {
        // Nothing to escape: the common case, without the escaper.
        out.push(b'"');
        out.extend_from_slice(key.as_bytes());
        out.extend_from_slice(b"\":");
        return;
    }
    // Serializing a str into a Vec cannot fail.
    let _ = serde_json::to_writer(&mut *out, key);
    out.push(b':');
}

/// [`Record::pick`] for a stream of records. Lines of one producer repeat
/// their keys, so a picker remembers where its keys were in the record
/// before and, for a record with the same key list (same
/// [`Record::layout`]), takes the values from there without looking at a
/// key.
#[derive(Debug, Clone)]
pub struct Picker {
    keys: Keys,
    /// The layout `plan` is for (0: none yet).
    layout: u64,
    /// (field index, slot) of each key found in a record of that layout.
    plan: Vec<(usize, usize)>,
}

impl Picker {
    /// A picker of `keys`.
    pub fn new(keys: Keys) -> Picker {
        Picker {
            keys,
            layout: 0,
            plan: Vec::new(),
        }
    }

    /// The keys picked.
    pub fn keys(&self) -> &Keys {
        &self.keys
    }

    /// What [`Record::pick`] gives for this picker's keys.
    #[inline]
    pub fn pick<'a>(&mut self, record: &Record<'a>, out: &mut [Option<Raw<'a>>]) {
        if record.layout == 0 {
            return record.pick(&self.keys, out);
        }
        if record.layout != self.layout {
            self.plan.clear();
            let mut taken = vec![false; self.keys.len()];
            for (i, (key, _)) in record.fields.iter().enumerate() {
                if let Some(slot) = self.keys.find(key) {
                    if !std::mem::replace(&mut taken[slot], true) {
                        self.plan.push((i, slot));
                    }
                }
            }
            self.layout = record.layout;
        }
        out.fill(None);
        for &(i, slot) in &self.plan {
            if let (Some(out), Some((_, value))) = (out.get_mut(slot), record.fields.get(i)) {
                *out = Some(*value);
            }
        }
    }
}

/// The fields one stage sets on a record: keys with their JSON-encoded values.
///
/// A patch is reused from record to record (`clear`), so that setting fields
/// allocates nothing in the steady state; a stage sets the same keys in the
/// same order for every record, and the keys of the record before are kept
/// (encoded) for as long as they repeat. The fields are kept as they are
/// written, `,"key":value` after `,"key":value`, so that appending them all
/// to a record is one copy.
#[derive(Default, Debug, Clone)]
pub struct Patch {
    keys: String,
    /// Each key as it opens a field, `,"key":`, ready to write.
    openings: Vec<u8>,
    /// The fields set for this record, `,"key":value` each, in order.
    written: Vec<u8>,
    /// Per field: its key in `keys`, its opening in `openings`, and itself in
    /// `written`. Entries from `len` on are the keys of the record before,
    /// kept for reuse.
    entries: Vec<(Range<usize>, Range<usize>, Range<usize>)>,
    /// Fields set for this record.
    len: usize,
    /// A one-word Bloom filter of the keys set (see `key_bit`).
    bits: u64,
    /// Changes whenever an entry's key changes: the keys set are known by
    /// (`keys_version`, `len`).
    keys_version: u64,
    /// The last answer of [`Patch::replaces_a_field_of`]: (record layout,
    /// keys version, len, answer).
    replaces: Cell<(u64, u64, usize, bool)>,
}

impl Patch {
    /// An empty patch.
    pub fn new() -> Self {
        Self::default()
    }

    /// Removes every field, keeping the allocations.
    pub fn clear(&mut self) {
        self.written.clear();
        self.len = 0;
        self.bits = 0;
    }

    /// Number of fields set.
    pub fn len(&self) -> usize {
        self.len
    }

    /// True when no field is set.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Sets `key` to the JSON encoding of `value`. Setting a key twice keeps both;
    /// callers set each key once.
    pub fn set<V: Serialize + ?Sized>(&mut self, key: &str, value: &V) {
        self.push(key, |out| {
            let v0 = out.len();
            if serde_json::to_writer(&mut *out, value).is_err() {
                // Only non-string map keys or failing Serialize impls get here;
                // a record must stay valid JSON, so the value becomes unknown.
                out.truncate(v0);
                out.extend_from_slice(b"null");
            }
        });
    }

    /// Adds `key` with the value `write` appends to the written fields.
    #[inline]
    fn push(&mut self, key: &str, write: impl FnOnce(&mut Vec<u8>)) {
        let n = self.len;
        let kept = self.entries.get(n).is_some_and(|(k, _, _)| {
            k.len() == key.len()
                && crate::scan::same(&self.keys.as_bytes()[k.clone()], key.as_bytes())
        });
        if !kept {
            // A new key here: the kept keys from here on are another order's.
            let (k0, o0) = match self.entries.get(n) {
                Some((k, o, _)) => (k.start, o.start),
                None => (self.keys.len(), self.openings.len()),
            };
            self.entries.truncate(n);
            self.keys_version += 1;
            self.keys.truncate(k0);
            self.openings.truncate(o0);
            self.keys.push_str(key);
            self.openings.push(b',');
            write_key(key, &mut self.openings);
            self.entries
                .push((k0..self.keys.len(), o0..self.openings.len(), 0..0));
        }
        let field_start = self.written.len();
        if let Some((_, opening, field)) = self.entries.get_mut(n) {
            self.written
                .extend_from_slice(&self.openings[opening.clone()]);
            write(&mut self.written);
            *field = field_start..self.written.len();
        }
        self.len = n + 1;
        self.bits |= key_bit(key);
    }

    /// Sets `key` to the string `value`: [`Patch::set`] for the most common
    /// value, without the serializer when there is nothing to escape.
    pub fn set_str(&mut self, key: &str, value: &str) {
        if !crate::scan::plain(value.as_bytes()) {
            return self.set(key, value);
        }
        self.push(key, |out| {
            out.push(b'"');
            out.extend_from_slice(value.as_bytes());
            out.push(b'"');
        });
    }

    /// Sets `key` to `value`, or `null` when there is none.
    pub fn set_opt_str(&mut self, key: &str, value: Option<&str>) {
        match value {
            Some(v) => self.set_str(key, v),
            None => self.set_null(key),
        }
    }

    /// Sets `key` to the number `value` ([`Patch::set`] without the serializer).
    pub fn set_u64(&mut self, key: &str, value: u64) {
        self.push(key, |out| crate::output::push_decimal(out, value));
    }

    /// Sets `key` to `null`.
    pub fn set_null(&mut self, key: &str) {
        self.push(key, |out| out.extend_from_slice(b"null"));
    }

    /// Sets `key` to `value`, or `null` when there is none.
    pub fn set_opt<V: Serialize>(&mut self, key: &str, value: Option<V>) {
        match value {
            Some(v) => self.set(key, &v),
            None => self.set_null(key),
        }
    }

    /// False when `key` is certainly not set, so `find` would fail.
    #[inline]
    fn may_have(&self, key: &str) -> bool {
        self.bits & key_bit(key) != 0
    }

    /// True when `record` has a field this patch sets. Records of one
    /// producer repeat their keys, and a stage sets the same keys every
    /// time: the answer for the record before is reused when both are the
    /// same (a scan of every key of the record otherwise).
    fn replaces_a_field_of(&self, record: &Record<'_>) -> bool {
        let (layout, version, len, answer) = self.replaces.get();
        if record.layout != 0
            && record.layout == layout
            && version == self.keys_version
            && len == self.len
        {
            return answer;
        }
        let answer = record
            .fields
            .iter()
            .any(|(k, _)| self.may_have(k) && self.find(k).is_some());
        self.replaces
            .set((record.layout, self.keys_version, self.len, answer));
        answer
    }

    fn find(&self, key: &str) -> Option<usize> {
        let (keys, key) = (self.keys.as_bytes(), key.as_bytes());
        self.entries[..self.len]
            .iter()
            .position(|(k, _, _)| k.len() == key.len() && crate::scan::same(&keys[k.clone()], key))
    }

    /// Writes every field set, in order; `first` when nothing precedes them
    /// in their object (no leading comma then).
    fn write_all(&self, first: bool, out: &mut Vec<u8>) {
        let from = usize::from(first && !self.written.is_empty());
        out.extend_from_slice(&self.written[from..]);
    }

    fn write_entry(&self, i: usize, first: bool, out: &mut Vec<u8>) {
        let field = &self.written[self.entries[i].2.clone()];
        out.extend_from_slice(&field[usize::from(first)..]);
    }

    /// Writes the value of the `i`-th field set, without its key.
    fn write_value(&self, i: usize, out: &mut Vec<u8>) {
        let (_, opening, field) = &self.entries[i];
        out.extend_from_slice(&self.written[field.start + opening.len()..field.end]);
    }
}

/// A key's bit in [`Patch`]'s filter: from its length and first and last
/// bytes, which tell most field names apart, so a record's other fields
/// rarely need a comparison.
#[inline]
fn key_bit(key: &str) -> u64 {
    1u64 << (Keys::slot(key) & 63)
}

/// The top-level entries of a JSON object, in order, values kept raw.
struct Fields<'a>(Vec<(Cow<'a, str>, Raw<'a>)>);

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
                    fields.push((key.0, Raw(value.get())));
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
    fn a_reused_patch_writes_each_records_own_keys() {
        let record = Record::parse(br#"{"ip":"192.0.2.1","b":0}"#).unwrap();
        let mut patch = Patch::new();
        let mut write = |keys: &[&str]| {
            patch.clear();
            for (i, key) in keys.iter().enumerate() {
                patch.set(key, &i);
            }
            let mut out = Vec::new();
            record.write_patched(&patch, &mut out);
            String::from_utf8(out).unwrap()
        };
        assert_eq!(
            write(&["a", "b"]),
            "{\"ip\":\"192.0.2.1\",\"b\":1,\"a\":0}\n"
        );
        assert_eq!(
            write(&["a", "c", "d"]),
            "{\"ip\":\"192.0.2.1\",\"b\":0,\"a\":0,\"c\":1,\"d\":2}\n"
        );
        assert_eq!(write(&["a"]), "{\"ip\":\"192.0.2.1\",\"b\":0,\"a\":0}\n");
        assert_eq!(
            write(&["x\"y", "a"]),
            "{\"ip\":\"192.0.2.1\",\"b\":0,\"x\\\"y\":0,\"a\":1}\n"
        );
        assert_eq!(write(&[]), "{\"ip\":\"192.0.2.1\",\"b\":0}\n");
        assert_eq!(
            write(&["b", "a"]),
            "{\"ip\":\"192.0.2.1\",\"b\":0,\"a\":1}\n"
        );
    }

    #[test]
    fn the_typed_setters_write_what_the_serializer_would() {
        for n in [0, 7, 10, 6697, 4_294_967_295, u64::MAX] {
            let fast = patched("{}", |p| p.set_u64("n", n));
            assert_eq!(fast, patched("{}", |p| p.set("n", &n)), "{n}");
        }
        let fast = patched(r#"{"a":1}"#, |p| {
            p.set_null("x");
            p.set_str("y", "plain");
            p.set_str("z", "quote \" and \u{1}");
            p.set_opt_str("w", None);
        });
        let slow = patched(r#"{"a":1}"#, |p| {
            p.set("x", &());
            p.set("y", "plain");
            p.set("z", "quote \" and \u{1}");
            p.set("w", &None::<&str>);
        });
        assert_eq!(fast, slow);
    }

    #[test]
    fn a_reused_patch_over_records_of_one_layout_replaces_what_it_should() {
        // One key list: the layout stays, the patch's keys change.
        let lines: [&[u8]; 2] = [
            br#"{"ip":"192.0.2.1","b":0}"#,
            br#"{"ip":"192.0.2.2","b":1}"#,
        ];
        let key_sets: [&[&str]; 6] = [&["x"], &["b"], &["x"], &["x", "b"], &["x"], &[]];
        let mut order = KeyOrder::default();
        let mut patch = Patch::new();
        for keys in key_sets.iter().chain(key_sets.iter().rev()) {
            for line in lines {
                let record = Record::parse_in(line, Vec::new(), Some(&mut order)).unwrap();
                patch.clear();
                let mut fresh = Patch::new();
                for (i, key) in keys.iter().enumerate() {
                    patch.set(key, &i);
                    fresh.set(key, &i);
                }
                let (mut got, mut want) = (Vec::new(), Vec::new());
                record.write_patched(&patch, &mut got);
                Record::parse(line)
                    .unwrap()
                    .write_patched(&fresh, &mut want);
                assert_eq!(got, want, "{keys:?} on {}", String::from_utf8_lossy(line));
            }
        }
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
    fn replacing_a_field_keeps_the_other_keys_and_the_spacing_as_written() {
        // A stage run twice: its own fields replaced, every other byte kept.
        let line = r#" {"x\u0079":1, "asn" : 5 ,"\u0069p":"10.9.9.9"} "#;
        let out = patched(line, |p| {
            p.set_u64("asn", 7);
            p.set_null("as_name");
        });
        assert_eq!(
            out,
            r#" {"x\u0079":1, "asn" : 7 ,"\u0069p":"10.9.9.9","as_name":null} "#.to_string() + "\n"
        );
        let out = patched(
            r#"{"ip":"10.9.9.9","city":"old","\u0063ountry":{"a":[1, 2]}}"#,
            |p| {
                p.set_str("country", "FR");
                p.set_null("city");
            },
        );
        assert_eq!(
            out,
            "{\"ip\":\"10.9.9.9\",\"city\":null,\"\\u0063ountry\":\"FR\"}\n"
        );
    }

    #[test]
    fn a_value_outside_the_line_is_written_rebuilt_not_lost() {
        // The parsers never give one; the fallback keeps the record whole.
        let line = br#"{"a\u0062":1, "c":2}"#.to_vec();
        let mut record = Record::parse(&line).unwrap();
        record.fields[1].1 = Raw::new("3");
        let mut patch = Patch::new();
        patch.set_u64("c", 4);
        patch.set_u64("d", 5);
        let mut out = b"before ".to_vec();
        record.write_patched(&patch, &mut out);
        assert_eq!(out, b"before {\"ab\":1,\"c\":4,\"d\":5}\n");
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

    #[test]
    fn typed_access_agrees_with_serde_json() {
        for raw in [
            "0",
            "-0",
            "7",
            "-7",
            "1.0",
            "1e3",
            "9223372036854775807",
            "9223372036854775808",
            "-9223372036854775808",
            "-9223372036854775809",
            r#""5""#,
            r#""a\"b""#,
            r#""\u00e9""#,
            r#""""#,
            "null",
            "[1]",
        ] {
            let line = format!("{{\"v\":{raw}}}");
            let r = Record::parse(line.as_bytes()).unwrap();
            assert_eq!(r.i64("v"), serde_json::from_str::<i64>(raw).ok(), "{raw}");
            let s = serde_json::from_str::<String>(raw).ok();
            assert_eq!(r.str("v").map(Cow::into_owned), s, "{raw}");
        }
    }

    #[test]
    fn picked_keys_land_in_their_slots() {
        let keys = Keys::new(&[
            "ip",
            "country",
            "missing",
            "a_rather_long_key_of_more_than_63_bytes_to_check_the_last_bucket",
        ]);
        let r = Record::parse(
            br#"{"country":"FR","x":1,"ip":"192.0.2.1","a_rather_long_key_of_more_than_63_bytes_to_check_the_last_bucket":2}"#,
        )
        .unwrap();
        let mut out = [None; 4];
        r.pick(&keys, &mut out);
        let got: Vec<Option<&str>> = out.iter().map(|v| v.map(|r| r.get())).collect();
        assert_eq!(
            got,
            [Some(r#""192.0.2.1""#), Some(r#""FR""#), None, Some("2")]
        );
        assert_eq!(keys.find("x"), None);
        assert_eq!(keys.len(), 4);
        // Every key is found, whatever shares its slot, over 300 keys.
        let names: Vec<String> = (0..300).map(|i| format!("k{i}")).collect();
        let refs: Vec<&str> = names.iter().map(String::as_str).chain(["k5"]).collect();
        let keys = Keys::new(&refs);
        for (i, n) in names.iter().enumerate() {
            assert_eq!(keys.find(n), Some(i), "{n}");
        }
        assert_eq!(keys.find("k300"), None);
    }

    #[test]
    fn a_picker_picks_what_pick_does_whatever_the_key_lists_do() {
        let lines: [&[u8]; 9] = [
            br#"{"ip":"192.0.2.1","country":"FR","x":1}"#,
            br#"{"ip":"192.0.2.2","country":"DE","x":2}"#,
            br#"{"country":"IT","ip":"192.0.2.3"}"#,
            br#"{"country":"IT","ip":"192.0.2.3","asn":7}"#,
            br#"{"x":1}"#,
            br#"{"\u0069p":"192.0.2.4","country":"ES"}"#,
            br#"{"ip":"192.0.2.5", "country" : "PT"}"#,
            br#"{"ip":"192.0.2.1","country":"FR","x":1}"#,
            br#"{}"#,
        ];
        let keys = Keys::new(&["country", "asn", "ip", "missing"]);
        let mut picker = Picker::new(keys.clone());
        let mut order = KeyOrder::default();
        for round in 0..3 {
            for (n, line) in lines.iter().enumerate() {
                let record = Record::parse_in(line, Vec::new(), Some(&mut order)).unwrap();
                let (mut fast, mut slow) = ([None; 4], [None; 4]);
                picker.pick(&record, &mut fast);
                record.pick(&keys, &mut slow);
                assert_eq!(fast, slow, "round {round}, line {n}");
            }
        }
        // Same keys, same layout; other keys, another one.
        let a = Record::parse_in(lines[0], Vec::new(), Some(&mut order)).unwrap();
        let b = Record::parse_in(lines[1], Vec::new(), Some(&mut order)).unwrap();
        assert!(a.layout() != 0 && a.layout() == b.layout());
        let c = Record::parse_in(lines[2], Vec::new(), Some(&mut order)).unwrap();
        assert_ne!(c.layout(), b.layout());
        assert_eq!(Record::parse(lines[0]).unwrap().layout(), 0);
    }

    #[test]
    fn keys_with_escapes_are_written_escaped() {
        let out = patched(r#"{"a\"b":1,"c\u0001":2,"d":3}"#, |p| {
            p.set("d", &4);
            p.set("e\"", &5);
        });
        assert_eq!(out, "{\"a\\\"b\":1,\"c\\u0001\":2,\"d\":4,\"e\\\"\":5}\n");
    }

    #[test]
    fn a_recycled_vector_keeps_its_allocation() {
        let line = br#"{"a":1,"b":2}"#;
        let record = Record::parse_in(line, Vec::with_capacity(64), None).unwrap();
        let spare = record.into_spare();
        assert!(spare.is_empty() && spare.capacity() >= 64);
    }
}
