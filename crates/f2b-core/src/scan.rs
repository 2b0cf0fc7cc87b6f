//! A fast, strict scanner for the common NDJSON line.
//!
//! [`Record::parse`](crate::Record::parse) runs this scanner first. In one
//! pass it checks a whole line against the JSON grammar (RFC 8259) and
//! collects the top-level fields in order, each value as its raw text.
//!
//! It is deliberately *partial*: it accepts only plain lines — one object, no
//! backslash escape in a top-level key, no duplicate top-level key, nesting
//! at most [`MAX_DEPTH`] deep, at most [`MAX_FIELDS`] fields, only JSON
//! whitespace — and says "don't know" for everything else. Every line it
//! accepts is one that the serde_json parse accepts too, with the same fields
//! (a differential property test in `tests/scan_property.rs` pins this down);
//! every other line goes to serde_json, which decides, so the accepted lines
//! and the error messages do not depend on the scanner.

use std::borrow::Cow;

use crate::record::Raw;

/// Deepest nesting the scanner follows (serde_json's limit is 128).
pub const MAX_DEPTH: usize = 64;

/// Most top-level fields the scanner takes in one line.
pub const MAX_FIELDS: usize = 256;

struct Cursor<'a> {
    b: &'a [u8],
    i: usize,
}

impl Cursor<'_> {
    #[inline(always)]
    fn peek(&self) -> Option<u8> {
        self.b.get(self.i).copied()
    }

    #[inline(always)]
    fn skip_ws(&mut self) {
        while let Some(b' ' | b'\t' | b'\n' | b'\r') = self.peek() {
            self.i += 1;
        }
    }

    #[inline(always)]
    fn eat(&mut self, c: u8) -> Option<()> {
        if self.peek() == Some(c) {
            self.i += 1;
            Some(())
        } else {
            None
        }
    }

    /// A string; the cursor is on its opening quote. Returns the range of its
    /// content. Escapes are checked by the grammar (a `\u` escape takes any
    /// four hex digits, as serde_json does for raw values) and allowed only
    /// when `escapes`; control characters never are.
    #[inline(always)]
    fn string(&mut self, escapes: bool) -> Option<(usize, usize)> {
        self.eat(b'"')?;
        let start = self.i;
        let b = self.b;
        let mut i = self.i;
        // Sixteen bytes at a time: the lowest byte flagged by these bit tricks
        // is exactly the first '"', '\\' or control character of the word
        // (false flags only ever follow a true one).
        const ONES: u128 = u128::MAX / 0xff;
        const HIGH: u128 = ONES * 0x80;
        loop {
            if let Some(word) = b.get(i..).and_then(<[u8]>::first_chunk::<16>) {
                let v = u128::from_le_bytes(*word);
                let quote = v ^ (ONES * u128::from(b'"'));
                let backslash = v ^ (ONES * u128::from(b'\\'));
                let special = ((quote.wrapping_sub(ONES) & !quote)
                    | (backslash.wrapping_sub(ONES) & !backslash)
                    | (v.wrapping_sub(ONES * 0x20) & !v))
                    & HIGH;
                if special == 0 {
                    i += 16;
                    continue;
                }
                i += (special.trailing_zeros() / 8) as usize;
            }
            match *b.get(i)? {
                b'"' => {
                    self.i = i + 1;
                    return Some((start, i));
                }
                b'\\' if escapes => match *b.get(i + 1)? {
                    b'"' | b'\\' | b'/' | b'b' | b'f' | b'n' | b'r' | b't' => i += 2,
                    b'u' => {
                        let hex = b.get(i + 2..i + 6)?;
                        if !hex.iter().all(u8::is_ascii_hexdigit) {
                            return None;
                        }
                        i += 6;
                    }
                    _ => return None,
                },
                // Escapes where they are not taken, and control characters.
                b'\\' | 0..=0x1f => return None,
                _ => i += 1,
            }
        }
    }

    #[inline(always)]
    fn digits(&mut self) -> Option<()> {
        let start = self.i;
        while let Some(b'0'..=b'9') = self.peek() {
            self.i += 1;
        }
        (self.i > start).then_some(())
    }

    fn number(&mut self) -> Option<()> {
        let _ = self.eat(b'-');
        match self.peek()? {
            b'0' => self.i += 1,
            b'1'..=b'9' => self.digits()?,
            _ => return None,
        }
        if self.eat(b'.').is_some() {
            self.digits()?;
        }
        if let Some(b'e' | b'E') = self.peek() {
            self.i += 1;
            if let Some(b'+' | b'-') = self.peek() {
                self.i += 1;
            }
            self.digits()?;
        }
        Some(())
    }

    fn literal(&mut self, word: &[u8]) -> Option<()> {
        if self.b.get(self.i..self.i + word.len())? == word {
            self.i += word.len();
            Some(())
        } else {
            None
        }
    }

    /// Any JSON value; the cursor is on its first byte.
    #[inline(always)]
    fn value(&mut self, depth: usize) -> Option<()> {
        match self.peek()? {
            b'"' => self.string(true).map(drop),
            b'-' | b'0'..=b'9' => self.number(),
            b'n' => self.literal(b"null"),
            b't' => self.literal(b"true"),
            b'f' => self.literal(b"false"),
            _ => self.nested(depth),
        }
    }

    /// An array or object.
    #[inline(never)]
    fn nested(&mut self, depth: usize) -> Option<()> {
        let close = match self.peek()? {
            b'{' => b'}',
            b'[' => b']',
            _ => return None,
        };
        if depth >= MAX_DEPTH {
            return None;
        }
        self.i += 1;
        self.skip_ws();
        if self.eat(close).is_some() {
            return Some(());
        }
        loop {
            if close == b'}' {
                self.string(true)?;
                self.skip_ws();
                self.eat(b':')?;
                self.skip_ws();
            }
            self.value(depth + 1)?;
            self.skip_ws();
            match self.peek()? {
                b',' => {
                    self.i += 1;
                    self.skip_ws();
                }
                c if c == close => {
                    self.i += 1;
                    return Some(());
                }
                _ => return None,
            }
        }
    }
}

/// A 256-bit set of key hashes: a key whose bit is clear is certainly new, so
/// the duplicate check compares keys only on the rare hit.
#[derive(Default)]
struct Seen([u64; 4]);

impl Seen {
    /// Adds `key`; true when its bit was set already.
    #[inline(always)]
    fn insert(&mut self, key: &[u8]) -> bool {
        let len = key.len() as u64;
        let head = match key.first_chunk::<8>() {
            Some(w) => u64::from_le_bytes(*w),
            None => key.iter().fold(len, |acc, &x| (acc << 8) | u64::from(x)),
        };
        let tail = key.last_chunk::<8>().map_or(0, |w| u64::from_le_bytes(*w));
        let x = head ^ tail.rotate_left(29) ^ len.rotate_left(50);
        let bit = (x.wrapping_mul(0x9e37_79b9_7f4a_7c15) >> 56) as usize;
        let (word, mask) = (bit / 64, 1u64 << (bit % 64));
        let hit = self.0[word] & mask != 0;
        self.0[word] |= mask;
        hit
    }
}

/// `text[start..end]`, where both ends are next to an ASCII delimiter of
/// the JSON grammar (a quote, `:`, `,`, a bracket, whitespace, or the first
/// or last byte of a number or literal), so char boundaries: the scanner
/// only calls it with such positions, and they are checked in debug builds.
#[inline(always)]
fn between_delimiters(text: &str, start: usize, end: usize) -> &str {
    debug_assert!(start <= end && text.is_char_boundary(start) && text.is_char_boundary(end));
    // SAFETY: `start <= end <= text.len()` (positions the cursor reached in
    // `text`) and both are char boundaries, as said above. The checked
    // `text.get` costs 7 % of a stage's instructions here (callgrind).
    unsafe { text.get_unchecked(start..end) }
}

/// Short byte strings compared without a call to `memcmp` (keys are a few
/// bytes; the call costs more than the comparison): word by word, the last
/// word overlapping the one before.
#[inline(always)]
pub(crate) fn same(a: &[u8], b: &[u8]) -> bool {
    let n = a.len();
    if n != b.len() {
        return false;
    }
    let word = |s: &[u8], i: usize| {
        s.get(i..i + 8)
            .map(|w| u64::from_le_bytes(w.try_into().unwrap_or_default()))
    };
    let half = |s: &[u8], i: usize| {
        s.get(i..i + 4)
            .map(|w| u32::from_le_bytes(w.try_into().unwrap_or_default()))
    };
    if n >= 8 {
        let mut i = 0;
        while i + 8 < n {
            if word(a, i) != word(b, i) {
                return false;
            }
            i += 8;
        }
        word(a, n - 8) == word(b, n - 8)
    } else if n >= 4 {
        half(a, 0) == half(b, 0) && half(a, n - 4) == half(b, n - 4)
    } else {
        a.iter().zip(b).all(|(x, y)| x == y)
    }
}

/// True when `bytes` need no escaping in a JSON string: no quote, no
/// backslash, no control character (eight bytes at a time).
#[inline]
pub(crate) fn plain(bytes: &[u8]) -> bool {
    const ONES: u64 = u64::MAX / 0xff;
    const HIGH: u64 = ONES * 0x80;
    let special = |v: u64| {
        let quote = v ^ (ONES * u64::from(b'"'));
        let backslash = v ^ (ONES * u64::from(b'\\'));
        ((quote.wrapping_sub(ONES) & !quote)
            | (backslash.wrapping_sub(ONES) & !backslash)
            | (v.wrapping_sub(ONES * 0x20) & !v))
            & HIGH
    };
    let (words, rest) = bytes.as_chunks::<8>();
    words.iter().all(|w| special(u64::from_le_bytes(*w)) == 0)
        && rest.iter().all(|&b| b >= 0x20 && b != b'"' && b != b'\\')
}

/// The keys of the last line scanned, in order: the lines of one producer
/// nearly always repeat them, so the next line's keys are first compared
/// with these (a few bytes each) instead of being scanned and checked for
/// duplicates one by one. Only ever a guess: a line that differs is scanned
/// in full from where it differs.
#[derive(Default, Debug, Clone)]
pub struct KeyOrder {
    /// The keys, concatenated; each is plain (no escape, quote or control).
    bytes: Vec<u8>,
    /// Where each key ends in `bytes`.
    ends: Vec<usize>,
}

impl KeyOrder {
    /// The `n`-th key.
    #[inline(always)]
    fn key(&self, n: usize) -> Option<&[u8]> {
        let end = *self.ends.get(n)?;
        let start = if n == 0 { 0 } else { self.ends[n - 1] };
        self.bytes.get(start..end)
    }

    fn set<'a>(&mut self, fields: &[(Cow<'a, str>, Raw<'a>)]) {
        self.bytes.clear();
        self.ends.clear();
        for (key, _) in fields {
            self.bytes.extend_from_slice(key.as_bytes());
            self.ends.push(self.bytes.len());
        }
    }
}

/// Scans `line`. When it is a plain JSON object (see the module
/// documentation), appends its top-level fields in order to `fields` and
/// returns true; otherwise returns false, and `fields` holds some fields of
/// the line (callers clear it).
pub fn fields<'a>(line: &'a str, fields: &mut Vec<(Cow<'a, str>, Raw<'a>)>) -> bool {
    scan(line, fields, None).is_some()
}

/// [`fields`] for a stream of lines: `order` carries the key order from line
/// to line. Same answers as [`fields`], only faster when lines repeat their keys.
pub fn fields_in_order<'a>(
    line: &'a str,
    fields: &mut Vec<(Cow<'a, str>, Raw<'a>)>,
    order: &mut KeyOrder,
) -> bool {
    scan(line, fields, Some(order)).is_some()
}

#[inline]
fn scan<'a>(
    text: &'a str,
    fields: &mut Vec<(Cow<'a, str>, Raw<'a>)>,
    order: Option<&mut KeyOrder>,
) -> Option<()> {
    let line = text.as_bytes();
    let mut c = Cursor { b: line, i: 0 };
    let mut seen = Seen::default();
    let first = fields.len();
    // While every key so far is the guessed one, the keys are distinct
    // (they were in the line that set the order) and need no check.
    let mut guessing = order.as_ref().is_some_and(|o| !o.ends.is_empty());
    c.skip_ws();
    c.eat(b'{')?;
    c.skip_ws();
    if c.eat(b'}').is_none() {
        loop {
            let n = fields.len() - first;
            let guessed = match order.as_ref().and_then(|o| o.key(n)) {
                Some(key) if guessing => {
                    let end = c.i + 1 + key.len();
                    let hit = line.get(c.i) == Some(&b'"')
                        && line.get(end) == Some(&b'"')
                        && same(&line[c.i + 1..end], key);
                    hit.then(|| {
                        c.i = end + 1;
                        between_delimiters(text, end - key.len(), end)
                    })
                }
                _ => None,
            };
            let key = match guessed {
                Some(key) => key,
                None => {
                    if guessing {
                        // The guess failed here: the keys so far join the
                        // duplicate check.
                        guessing = false;
                        for (key, _) in &fields[first..] {
                            seen.insert(key.as_bytes());
                        }
                    }
                    let (k0, k1) = c.string(false)?;
                    let key = between_delimiters(text, k0, k1);
                    if n >= MAX_FIELDS
                        || (seen.insert(key.as_bytes())
                            && fields[first..].iter().any(|(k, _)| k == key))
                    {
                        return None;
                    }
                    key
                }
            };
            c.skip_ws();
            c.eat(b':')?;
            c.skip_ws();
            let v0 = c.i;
            c.value(1)?;
            let value = between_delimiters(text, v0, c.i);
            fields.push((Cow::Borrowed(key), Raw::new(value)));
            c.skip_ws();
            match c.peek()? {
                b',' => {
                    c.i += 1;
                    c.skip_ws();
                }
                b'}' => {
                    c.i += 1;
                    break;
                }
                _ => return None,
            }
        }
    }
    c.skip_ws();
    if c.i != line.len() {
        return None;
    }
    if let Some(order) = order {
        if !guessing || fields.len() - first != order.ends.len() {
            order.set(&fields[first..]);
        }
    }
    Some(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scanned(line: &str) -> Option<Vec<(String, String)>> {
        let mut v = Vec::new();
        fields(line, &mut v).then(|| {
            v.iter()
                .map(|(k, r)| (k.to_string(), r.get().to_string()))
                .collect()
        })
    }

    #[test]
    fn plain_objects_give_their_top_level_fields_raw() {
        assert_eq!(
            scanned(
                r#" {"a":1, "b" : [1,{"c":null}],"d":"x y","e":{},"f":-0.5e+3,"g":true,"h":"\"\u00e9"} "#
            ),
            Some(vec![
                ("a".into(), "1".into()),
                ("b".into(), r#"[1,{"c":null}]"#.into()),
                ("d".into(), r#""x y""#.into()),
                ("e".into(), "{}".into()),
                ("f".into(), "-0.5e+3".into()),
                ("g".into(), "true".into()),
                ("h".into(), r#""\"\u00e9""#.into()),
            ])
        );
        assert_eq!(scanned("{}"), Some(vec![]));
        assert_eq!(
            scanned(r#"{"":"São Paulo 北京"}"#).map(|f| f.len()),
            Some(1)
        );
    }

    #[test]
    fn anything_unusual_is_left_to_the_full_parser() {
        for line in [
            "",
            "[1]",
            "{",
            "{}}",
            "{} {}",
            r#"{"a":1,}"#,
            r#"{"a" 1}"#,
            r#"{"a":01}"#,
            r#"{"a":1.}"#,
            r#"{"a":-}"#,
            r#"{"a":tru}"#,
            r#"{"a":"x\q"}"#,
            r#"{"a":"x\u12"}"#,
            r#"{"\u0061":1}"#,
            "{\"a\":\"x\ty\"}",
            r#"{"a":1,"a":2}"#,
            "\x0c{}",
            r#"{"a":[1,]}"#,
            r#"{"a":{"b"}}"#,
            r#"{'a':1}"#,
        ] {
            assert_eq!(scanned(line), None, "{line:?}");
        }
        let deep = format!(
            "{{\"a\":{}{}}}",
            "[".repeat(MAX_DEPTH),
            "]".repeat(MAX_DEPTH)
        );
        assert_eq!(scanned(&deep), None);
        let many: Vec<String> = (0..=MAX_FIELDS).map(|i| format!("\"k{i}\":{i}")).collect();
        assert_eq!(scanned(&format!("{{{}}}", many.join(","))), None);
        let dups: Vec<String> = (0..MAX_FIELDS).map(|i| format!("\"k{i}\":{i}")).collect();
        let line = format!("{{{},\"k7\":0}}", dups[..40].join(","));
        assert_eq!(scanned(&line), None);
        assert_eq!(
            scanned(&format!("{{{}}}", dups.join(","))).map(|f| f.len()),
            Some(MAX_FIELDS)
        );
    }

    #[test]
    fn the_word_at_a_time_search_finds_quotes_anywhere_in_a_word() {
        for n in 0..20 {
            let s = "x".repeat(n);
            let line = format!("{{\"{s}\":\"{s}\",\"z\":\"{s}\u{1}\"}}");
            assert_eq!(scanned(&line), None, "{line}");
            let line = format!(r#"{{"{s}":"{s}é"}}"#);
            assert_eq!(scanned(&line), Some(vec![(s.clone(), format!("\"{s}é\""))]));
        }
    }
}
