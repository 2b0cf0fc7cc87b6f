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
use std::ops::Range;
use std::sync::atomic::{AtomicU64, Ordering};

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
        loop {
            i = special(b, i);
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
                _ => return None,
            }
        }
    }

    /// One or more digits: eight bytes at a time where there are eight.
    #[inline(always)]
    fn digits(&mut self) -> Option<()> {
        let start = self.i;
        while let Some(word) = self.b.get(self.i..).and_then(<[u8]>::first_chunk::<8>) {
            let run = digit_run(u64::from_le_bytes(*word));
            self.i += run;
            if run < 8 {
                return (self.i > start).then_some(());
            }
        }
        while let Some(b'0'..=b'9') = self.peek() {
            self.i += 1;
        }
        (self.i > start).then_some(())
    }

    #[inline(always)]
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

/// How many of the eight bytes of `word` (little-endian) are digits before
/// the first that is not.
#[inline(always)]
fn digit_run(word: u64) -> usize {
    const ONES: u64 = u64::MAX / 0xff;
    // A digit becomes 0..=9; a byte then has its high bit set, alone or
    // after adding 0x76, exactly when it was not a digit. A carry out of a
    // byte only comes from a flagged one and only reaches later bytes, so
    // the lowest flag is exact.
    let x = word ^ (ONES * u64::from(b'0'));
    let flags = (x.wrapping_add(ONES * 0x76) | x) & (ONES * 0x80);
    (flags.trailing_zeros() / 8) as usize
}

/// The first position from `i` on of a byte that ends the plain run of a
/// string: a quote, a backslash or a control character; `b.len()` if none.
/// Sixteen bytes at a time (SSE2 on x86-64, word tricks elsewhere): strings
/// are most of a record's bytes.
#[inline(always)]
fn special(b: &[u8], i: usize) -> usize {
    #[cfg(all(target_arch = "x86_64", target_feature = "sse2"))]
    return sse2::special(b, i);
    #[cfg(not(all(target_arch = "x86_64", target_feature = "sse2")))]
    return special_tail(b, special_blocks_swar(b, i));
}

/// [`special`] byte by byte, from `i` on.
#[cfg_attr(all(target_arch = "x86_64", target_feature = "sse2"), allow(dead_code))]
#[inline(always)]
fn special_tail(b: &[u8], mut i: usize) -> usize {
    while let Some(&x) = b.get(i) {
        if x == b'"' || x == b'\\' || x < 0x20 {
            return i;
        }
        i += 1;
    }
    b.len()
}

/// [`special`] over whole sixteen-byte blocks, in word arithmetic: the
/// lowest byte flagged is exactly the first special one (false flags only
/// ever follow a true one). Returns where the byte-by-byte search goes on.
#[cfg_attr(all(target_arch = "x86_64", target_feature = "sse2"), allow(dead_code))]
#[inline(always)]
fn special_blocks_swar(b: &[u8], mut i: usize) -> usize {
    const ONES: u128 = u128::MAX / 0xff;
    const HIGH: u128 = ONES * 0x80;
    while let Some(word) = b.get(i..).and_then(<[u8]>::first_chunk::<16>) {
        let v = u128::from_le_bytes(*word);
        let quote = v ^ (ONES * u128::from(b'"'));
        let backslash = v ^ (ONES * u128::from(b'\\'));
        let flags = ((quote.wrapping_sub(ONES) & !quote)
            | (backslash.wrapping_sub(ONES) & !backslash)
            | (v.wrapping_sub(ONES * 0x20) & !v))
            & HIGH;
        if flags != 0 {
            return i + (flags.trailing_zeros() / 8) as usize;
        }
        i += 16;
    }
    i
}

#[cfg(all(target_arch = "x86_64", target_feature = "sse2"))]
mod sse2 {
    use std::arch::x86_64::{
        __m128i, _mm_cmpeq_epi8, _mm_loadu_si128, _mm_max_epu8, _mm_movemask_epi8, _mm_or_si128,
        _mm_set1_epi8,
    };

    /// The bytes of `block` that are a quote, a backslash or a control
    /// character, as a bit mask (bit `n` for byte `n`).
    #[inline(always)]
    fn special_mask(block: &[u8; 16]) -> u32 {
        // SAFETY: SSE2 is enabled (this module is compiled only then, and
        // every x86-64 target enables it); `block` is sixteen readable bytes,
        // and the load is the unaligned one.
        unsafe {
            let v = _mm_loadu_si128(block.as_ptr().cast::<__m128i>());
            let quote = _mm_cmpeq_epi8(v, _mm_set1_epi8(b'"' as i8));
            let backslash = _mm_cmpeq_epi8(v, _mm_set1_epi8(b'\\' as i8));
            // A byte is at most 0x1f exactly when max(byte, 0x1f) is 0x1f.
            let below_space = _mm_set1_epi8(0x1f);
            let control = _mm_cmpeq_epi8(_mm_max_epu8(v, below_space), below_space);
            _mm_movemask_epi8(_mm_or_si128(_mm_or_si128(quote, backslash), control)) as u32
        }
    }

    /// [`super::special`] with SSE2: sixteen bytes at a time, the last few
    /// in a block that overlaps the one before (or, in a slice shorter than
    /// a block, a padded copy): a quarter of the instructions of the word
    /// arithmetic and no byte-by-byte tail (callgrind).
    #[inline(always)]
    pub(super) fn special(b: &[u8], mut i: usize) -> usize {
        while let Some(block) = b.get(i..).and_then(<[u8]>::first_chunk::<16>) {
            let mask = special_mask(block);
            if mask != 0 {
                return i + mask.trailing_zeros() as usize;
            }
            i += 16;
        }
        let rest = b.len().saturating_sub(i);
        if rest == 0 {
            return b.len();
        }
        let mask = match b.last_chunk::<16>() {
            // The last block, of which the first `16 - rest` bytes are done.
            Some(last) => special_mask(last) >> (16 - rest),
            None => {
                let mut block = [b'a'; 16];
                block[..rest].copy_from_slice(&b[i..]);
                special_mask(&block)
            }
        };
        if mask != 0 {
            i + mask.trailing_zeros() as usize
        } else {
            b.len()
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
pub fn same(a: &[u8], b: &[u8]) -> bool {
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
/// backslash, no control character (sixteen bytes at a time).
#[inline]
pub fn plain(bytes: &[u8]) -> bool {
    special(bytes, 0) == bytes.len()
}

/// The keys of the last line scanned, in order: the lines of one producer
/// nearly always repeat them, so the next line's keys are first compared
/// with these (a few bytes each) instead of being scanned and checked for
/// duplicates one by one. Only ever a guess: a line that differs is scanned
/// in full from where it differs.
#[derive(Default, Debug, Clone)]
pub struct KeyOrder {
    /// Each key as a compact line opens its field, `"key":`, concatenated;
    /// every key is plain (no escape, quote or control character).
    bytes: Vec<u8>,
    /// Each opening, where it is in `bytes` and ready to compare with a line.
    openings: Vec<Opening>,
    /// The id of this key list: unique in the process, new whenever the
    /// list changes (0 before the first line).
    layout: u64,
}

impl KeyOrder {
    /// The opening of the `n`-th field, `"key":`.
    #[inline(always)]
    fn opening(&self, n: usize) -> Option<&[u8]> {
        self.bytes.get(self.openings.get(n)?.span.clone())
    }

    /// The `n`-th key.
    #[inline(always)]
    fn key(&self, n: usize) -> Option<&[u8]> {
        let opening = self.opening(n)?;
        opening.get(1..opening.len() - 2)
    }

    /// The id of the keys of the last line scanned (see
    /// [`crate::Record::layout`]).
    pub(crate) fn layout(&self) -> u64 {
        self.layout
    }

    fn set<'a>(&mut self, fields: &[(Cow<'a, str>, Raw<'a>)]) {
        static LAYOUTS: AtomicU64 = AtomicU64::new(1);
        self.layout = LAYOUTS.fetch_add(1, Ordering::Relaxed);
        self.bytes.clear();
        let spans: Vec<Range<usize>> = fields
            .iter()
            .map(|(key, _)| {
                let start = self.bytes.len();
                self.bytes.push(b'"');
                self.bytes.extend_from_slice(key.as_bytes());
                self.bytes.extend_from_slice(b"\":");
                start..self.bytes.len()
            })
            .collect();
        self.openings = spans
            .into_iter()
            .map(|span| Opening::new(&self.bytes, span))
            .collect();
    }
}

/// A field's opening, `"key":`, as two sixteen-byte words and masks: a line
/// is compared with it in a few word operations, without a loop or a
/// branch on its length (the byte-string comparison's branches, taken
/// differently field after field, were a third of the scanner's
/// mispredictions under callgrind's branch simulation).
#[derive(Debug, Clone)]
struct Opening {
    words: [u128; 2],
    masks: [u128; 2],
    /// Where the opening is in [`KeyOrder::bytes`]; an opening longer than
    /// the two words is compared byte string to byte string.
    span: Range<usize>,
}

impl Opening {
    const WIDTH: usize = 32;

    fn new(bytes: &[u8], span: Range<usize>) -> Opening {
        let mut padded = [0u8; Self::WIDTH];
        let text = &bytes[span.clone()];
        let n = text.len().min(Self::WIDTH);
        padded[..n].copy_from_slice(&text[..n]);
        let mut mask = [0u8; Self::WIDTH];
        mask[..n].fill(0xff);
        let word = |b: &[u8; Self::WIDTH], half: usize| {
            u128::from_le_bytes(b[16 * half..16 * half + 16].try_into().unwrap_or_default())
        };
        Opening {
            words: [word(&padded, 0), word(&padded, 1)],
            masks: [word(&mask, 0), word(&mask, 1)],
            span,
        }
    }

    #[inline(always)]
    fn len(&self) -> usize {
        self.span.end - self.span.start
    }

    /// True when `line` has this opening at `i`; `bytes` are the
    /// [`KeyOrder::bytes`] it was made from.
    #[inline(always)]
    fn is_at(&self, line: &[u8], i: usize, bytes: &[u8]) -> bool {
        match line
            .get(i..)
            .and_then(<[u8]>::first_chunk::<{ Self::WIDTH }>)
        {
            Some(w) if self.len() <= Self::WIDTH => {
                let (a, b) = w.split_at(16);
                let a = u128::from_le_bytes(a.try_into().unwrap_or_default());
                let b = u128::from_le_bytes(b.try_into().unwrap_or_default());
                ((a ^ self.words[0]) & self.masks[0]) | ((b ^ self.words[1]) & self.masks[1]) == 0
            }
            _ => match (line.get(i..i + self.len()), bytes.get(self.span.clone())) {
                (Some(k), Some(opening)) => same(k, opening),
                _ => false,
            },
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

/// The fields of a compact line with the guessed keys, `"key":value,` after
/// `"key":value,`, from the cursor on (at the first key): the common line,
/// scanned without the general loop's whitespace and key handling. Stops at
/// the first field that differs, on its key, and returns false; or after
/// the value of a field not followed by a comma (the last one, or one with
/// whitespace after it), and returns true. `None` when the line is not JSON.
#[inline(always)]
fn guessed_run<'a>(
    text: &'a str,
    c: &mut Cursor<'a>,
    fields: &mut Vec<(Cow<'a, str>, Raw<'a>)>,
    order: &KeyOrder,
) -> Option<bool> {
    let line = text.as_bytes();
    fields.reserve(order.openings.len());
    // The position in a local, the cursor only for what is not inlined here.
    let mut i = c.i;
    for opening in &order.openings {
        let k0 = i;
        if !opening.is_at(line, k0, &order.bytes) {
            c.i = k0;
            return Some(false);
        }
        let key_end = k0 + opening.len();
        // Strings, numbers and nulls are nearly every value: matched here,
        // the general dispatch only sees the rest.
        let mut v0 = key_end;
        i = match *line.get(key_end)? {
            b'"' => {
                let close = special(line, key_end + 1);
                if line.get(close) == Some(&b'"') {
                    close + 1
                } else {
                    c.i = key_end;
                    c.string(true)?;
                    c.i
                }
            }
            b'n' if line.get(key_end..key_end + 4) == Some(b"null") => key_end + 4,
            b'-' | b'0'..=b'9' => {
                c.i = key_end;
                c.number()?;
                c.i
            }
            _ => {
                c.i = key_end;
                c.skip_ws();
                v0 = c.i;
                c.value(1)?;
                c.i
            }
        };
        let key = between_delimiters(text, k0 + 1, key_end - 2);
        fields.push((
            Cow::Borrowed(key),
            Raw::new(between_delimiters(text, v0, i)),
        ));
        if line.get(i) != Some(&b',') {
            c.i = i;
            return Some(true);
        }
        i += 1;
        if let Some(b' ' | b'\t' | b'\n' | b'\r') = line.get(i) {
            c.i = i;
            c.skip_ws();
            i = c.i;
        }
    }
    c.i = i;
    Some(false)
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
    let mut guessing = order.as_ref().is_some_and(|o| !o.openings.is_empty());
    c.skip_ws();
    c.eat(b'{')?;
    c.skip_ws();
    if c.eat(b'}').is_none() {
        // Whether the cursor is after a value rather than on a key.
        let mut after_value = match order.as_deref() {
            Some(order) if guessing => guessed_run(text, &mut c, fields, order)?,
            _ => false,
        };
        loop {
            if !after_value {
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
            }
            after_value = false;
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
        if !guessing || fields.len() - first != order.openings.len() {
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
    fn the_block_searches_find_the_first_special_byte_wherever_it_is() {
        let naive = |b: &[u8], i: usize| {
            (i..b.len())
                .find(|&j| b[j] == b'"' || b[j] == b'\\' || b[j] < 0x20)
                .unwrap_or(b.len())
        };
        let swar = |b: &[u8], i: usize| special_tail(b, special_blocks_swar(b, i));
        for len in 0..40 {
            for at in 0..=len {
                for byte in [b'"', b'\\', 0, 0x1f, b'\n', 0x7f, 0x80, 0xff, b' '] {
                    let mut b = vec![b'a'; len];
                    if at < len {
                        b[at] = byte;
                    }
                    for start in 0..=len {
                        assert_eq!(special(&b, start), naive(&b, start), "{b:?} from {start}");
                        assert_eq!(swar(&b, start), naive(&b, start), "{b:?} from {start}");
                    }
                }
            }
        }
    }

    #[test]
    fn digit_runs_end_at_the_first_byte_that_is_not_a_digit() {
        for len in 0..=8 {
            for byte in (0..=255u8).filter(|b| !b.is_ascii_digit()) {
                for fill in [b'0', b'5', b'9'] {
                    let mut word = [fill; 8];
                    if len < 8 {
                        word[len] = byte;
                        // Whatever follows the first non-digit.
                        for b in word.iter_mut().skip(len + 1) {
                            *b = 0xff;
                        }
                    }
                    assert_eq!(digit_run(u64::from_le_bytes(word)), len, "{word:?}");
                }
            }
        }
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
