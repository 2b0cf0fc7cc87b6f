//! A fast, strict scanner for the common NDJSON line.
//!
//! f2b-anon reads a dozen of the ~30 fields of an enriched record and needs
//! none of the others, so building a full [`f2b_core::Record`] for every line
//! costs more than everything else it does. This scanner checks the whole
//! line against the JSON grammar (RFC 8259) in one pass and hands out the raw
//! text of the top-level values it is asked for.
//!
//! It is deliberately *partial*: it accepts only plain lines — valid UTF-8,
//! one object, no backslash escape anywhere, no duplicate top-level key,
//! nesting at most [`MAX_DEPTH`] deep, only JSON whitespace — and says
//! "don't know" for everything else. Every line it accepts is one that
//! [`f2b_core::Record::parse`] accepts too (a differential property test pins
//! this down); every other line goes to `Record::parse`, which decides, so the
//! error messages and `--skip-bad` behaviour stay those of f2b-core.

/// Deepest nesting the scanner follows (serde_json's limit is 128).
pub const MAX_DEPTH: usize = 64;

/// Most top-level fields the scanner tracks for duplicates.
pub const MAX_FIELDS: usize = 96;

/// Slots of the duplicate-key table ([`hash`] gives 8 bits).
const TABLE: usize = 256;

/// Reusable state of the scanner (the duplicate-key table).
pub struct Scanner {
    /// Open addressing: an entry is `line << 8 | index into keys`, and only
    /// entries of the current line count, so the table is never cleared.
    table: [u32; TABLE],
    /// The number of the current line, from 1 (wraps, then clears the table).
    line: u32,
    /// Byte ranges of the keys seen in the current line.
    keys: Vec<(u32, u32)>,
}

impl Default for Scanner {
    fn default() -> Self {
        Scanner {
            table: [0; TABLE],
            line: 0,
            keys: Vec::with_capacity(MAX_FIELDS),
        }
    }
}

struct Cursor<'a> {
    b: &'a [u8],
    i: usize,
}

impl<'a> Cursor<'a> {
    #[inline]
    fn peek(&self) -> Option<u8> {
        self.b.get(self.i).copied()
    }

    #[inline]
    fn skip_ws(&mut self) {
        while let Some(b' ' | b'\t' | b'\n' | b'\r') = self.peek() {
            self.i += 1;
        }
    }

    #[inline]
    fn eat(&mut self, c: u8) -> Option<()> {
        if self.peek() == Some(c) {
            self.i += 1;
            Some(())
        } else {
            None
        }
    }

    /// A string without escapes; the cursor is on its opening quote. Returns
    /// the range of its content.
    #[inline]
    fn string(&mut self) -> Option<(usize, usize)> {
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
                // Escapes and control characters: left to the full parser.
                b'\\' | 0..=0x1f => return None,
                _ => i += 1,
            }
        }
    }

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
    fn value(&mut self, depth: usize) -> Option<()> {
        match self.peek()? {
            b'"' => self.string().map(drop),
            b'{' => {
                if depth >= MAX_DEPTH {
                    return None;
                }
                self.i += 1;
                self.skip_ws();
                if self.eat(b'}').is_some() {
                    return Some(());
                }
                loop {
                    self.string()?;
                    self.skip_ws();
                    self.eat(b':')?;
                    self.skip_ws();
                    self.value(depth + 1)?;
                    self.skip_ws();
                    match self.peek()? {
                        b',' => {
                            self.i += 1;
                            self.skip_ws();
                        }
                        b'}' => {
                            self.i += 1;
                            return Some(());
                        }
                        _ => return None,
                    }
                }
            }
            b'[' => {
                if depth >= MAX_DEPTH {
                    return None;
                }
                self.i += 1;
                self.skip_ws();
                if self.eat(b']').is_some() {
                    return Some(());
                }
                loop {
                    self.value(depth + 1)?;
                    self.skip_ws();
                    match self.peek()? {
                        b',' => {
                            self.i += 1;
                            self.skip_ws();
                        }
                        b']' => {
                            self.i += 1;
                            return Some(());
                        }
                        _ => return None,
                    }
                }
            }
            b't' => self.literal(b"true"),
            b'f' => self.literal(b"false"),
            b'n' => self.literal(b"null"),
            b'-' | b'0'..=b'9' => self.number(),
            _ => None,
        }
    }
}

/// Spreads a key over the table (equal hashes are then compared byte for
/// byte): its first and last eight bytes and its length, mixed by one
/// multiplication. `line[k0..k1]` is the key; the bytes after it (its closing
/// quote at least) are read and masked off, so short keys need no byte loop.
#[inline]
fn hash(line: &[u8], k0: usize, k1: usize) -> usize {
    let len = k1 - k0;
    let head = match line.get(k0..).and_then(<[u8]>::first_chunk::<8>) {
        Some(w) if len >= 8 => u64::from_le_bytes(*w),
        Some(w) => u64::from_le_bytes(*w) & ((1u64 << (8 * len)) - 1),
        None => line[k0..k1]
            .iter()
            .rev()
            .fold(0, |acc, &x| (acc << 8) | u64::from(x)),
    };
    let tail = line[k0..k1]
        .last_chunk::<8>()
        .map_or(0, |w| u64::from_le_bytes(*w));
    let x = head ^ tail.rotate_left(29) ^ len as u64;
    (x.wrapping_mul(0x9e37_79b9_7f4a_7c15) >> 56) as usize
}

impl Scanner {
    /// A scanner.
    pub fn new() -> Scanner {
        Scanner::default()
    }

    /// Scans `line`. When it is a plain JSON object (see the module
    /// documentation), calls `field` with every top-level key and the raw JSON
    /// text of its value, in order, and returns true; otherwise returns false
    /// (`field` may have been called for some fields already).
    pub fn scan<'a>(&mut self, line: &'a [u8], mut field: impl FnMut(&'a str, &'a str)) -> bool {
        let Ok(text) = std::str::from_utf8(line) else {
            return false;
        };
        if line.len() > u32::MAX as usize {
            return false;
        }
        self.line = match self.line.checked_add(1).filter(|&l| l < 1 << 24) {
            Some(line) => line,
            None => {
                self.table = [0; TABLE];
                1
            }
        };
        self.keys.clear();
        let mut c = Cursor { b: line, i: 0 };
        c.skip_ws();
        if c.eat(b'{').is_none() {
            return false;
        }
        c.skip_ws();
        if c.eat(b'}').is_none() {
            loop {
                let Some((k0, k1)) = c.string() else {
                    return false;
                };
                if !self.insert_key(line, k0, k1) {
                    return false;
                }
                c.skip_ws();
                if c.eat(b':').is_none() {
                    return false;
                }
                c.skip_ws();
                let v0 = c.i;
                let ok = match c.peek() {
                    Some(b'"') => c.string().is_some(),
                    _ => c.value(1).is_some(),
                };
                if !ok {
                    return false;
                }
                // Both ranges lie on ASCII delimiters, so they are char boundaries.
                let (Some(key), Some(value)) = (text.get(k0..k1), text.get(v0..c.i)) else {
                    return false;
                };
                field(key, value);
                c.skip_ws();
                match c.peek() {
                    Some(b',') => {
                        c.i += 1;
                        c.skip_ws();
                    }
                    Some(b'}') => {
                        c.i += 1;
                        break;
                    }
                    _ => return false,
                }
            }
        }
        c.skip_ws();
        c.i == line.len()
    }

    /// Records a key; false when it is a duplicate or there are too many.
    fn insert_key(&mut self, line: &[u8], k0: usize, k1: usize) -> bool {
        if self.keys.len() >= MAX_FIELDS {
            return false;
        }
        let key = &line[k0..k1];
        let mut slot = hash(line, k0, k1);
        while let Some(&entry) = self.table.get(slot).filter(|&&e| e >> 8 == self.line) {
            let (s, e) = self.keys[(entry & 0xff) as usize];
            if &line[s as usize..e as usize] == key {
                return false;
            }
            slot = (slot + 1) % TABLE;
        }
        // At most MAX_FIELDS (< 256) keys, so the index fits in 8 bits.
        let entry = (self.line << 8) | self.keys.len() as u32;
        self.keys.push((k0 as u32, k1 as u32));
        if let Some(e) = self.table.get_mut(slot) {
            *e = entry;
        }
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fields(line: &str) -> Option<Vec<(String, String)>> {
        let mut seen = Vec::new();
        let ok = Scanner::new().scan(line.as_bytes(), |k, v| {
            seen.push((k.to_string(), v.to_string()))
        });
        ok.then_some(seen)
    }

    #[test]
    fn plain_objects_give_their_top_level_fields_raw() {
        assert_eq!(
            fields(r#" {"a":1, "b" : [1,{"c":null}],"d":"x y","e":{},"f":-0.5e+3,"g":true} "#),
            Some(vec![
                ("a".into(), "1".into()),
                ("b".into(), r#"[1,{"c":null}]"#.into()),
                ("d".into(), r#""x y""#.into()),
                ("e".into(), "{}".into()),
                ("f".into(), "-0.5e+3".into()),
                ("g".into(), "true".into()),
            ])
        );
        assert_eq!(fields("{}"), Some(vec![]));
        assert_eq!(fields(r#"{"":"São Paulo 北京"}"#).map(|f| f.len()), Some(1));
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
            r#"{"a":"x\"y"}"#,
            r#"{"\u0061":1}"#,
            "{\"a\":\"x\ty\"}",
            r#"{"a":1,"a":2}"#,
            "\x0c{}",
            r#"{"a":[1,]}"#,
            r#"{"a":{"b"}}"#,
            r#"{'a':1}"#,
        ] {
            assert_eq!(fields(line), None, "{line:?}");
        }
        assert!(!Scanner::new().scan(b"{\"a\":\"\xff\"}", |_, _| {}));
        let deep = format!(
            "{{\"a\":{}{}}}",
            "[".repeat(MAX_DEPTH),
            "]".repeat(MAX_DEPTH)
        );
        assert_eq!(fields(&deep), None);
        let many: Vec<String> = (0..=MAX_FIELDS).map(|i| format!("\"k{i}\":{i}")).collect();
        assert_eq!(fields(&format!("{{{}}}", many.join(","))), None);
    }

    #[test]
    fn the_word_at_a_time_search_finds_quotes_anywhere_in_a_word() {
        for n in 0..20 {
            let s = "x".repeat(n);
            let line = format!(r#"{{"{s}":"{s}","z":"{s}\u0000"}}"#);
            assert_eq!(fields(&line), None, "{line}");
            let line = format!(r#"{{"{s}":"{s}é"}}"#);
            assert_eq!(fields(&line), Some(vec![(s.clone(), format!("\"{s}é\""))]));
        }
    }
}
