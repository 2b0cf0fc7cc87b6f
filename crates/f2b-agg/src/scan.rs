//! Reading the few fields the digest needs from a record line, fast.
//!
//! [`Record::parse`] is the shared, validated parse of every stage, but it
//! collects every field of a record and so is too slow for a digest of
//! millions of records. [`scan`] is a strict single-pass scanner for the
//! common case: it accepts only lines that [`Record::parse`] accepts too (one
//! JSON object, UTF-8, no duplicate keys, nothing after it), and takes the
//! raw value text of the fields in [`Field`]. Anything it is not sure about
//! (an escaped key, many unknown keys, anything invalid) is handed to
//! [`Record::parse`], which gives the same values, or the reason why the
//! line is bad. So the fast path changes speed, never results.

use f2b_core::Record;

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

    /// The values of a record parsed by [`Record::parse`].
    pub fn from_record(record: &Record<'a>) -> Values<'a> {
        let mut v = Values::default();
        for f in Field::ALL {
            if let Some(raw) = record.raw(f.name()) {
                v.raw[f as usize] = raw.get().as_bytes();
            }
        }
        v
    }
}

/// Where a key goes: one of the [`Field`]s, another well-known record field
/// (only checked for duplicates), or an unknown one.
#[derive(Clone, Copy)]
enum Slot {
    Read(Field),
    Known(u8),
    Unknown,
}

/// Matches `key` against the names of length `N`; a fixed-size array
/// compares as integers, without a call to `memcmp`.
#[inline(always)]
fn pick<const N: usize>(key: &[u8], names: &[(&[u8; N], Slot)]) -> Slot {
    match <&[u8; N]>::try_from(key) {
        Ok(k) => names
            .iter()
            .find(|(name, _)| *name == k)
            .map_or(Slot::Unknown, |&(_, s)| s),
        Err(_) => Slot::Unknown,
    }
}

#[inline]
fn slot(key: &[u8]) -> Slot {
    use Field as F;
    use Slot::{Known, Read};
    // By length first, so that each key is compared with only a few names.
    match key.len() {
        2 => pick(key, &[(b"ts", Read(F::Ts)), (b"ip", Read(F::Ip))]),
        3 => pick(
            key,
            &[
                (b"asn", Read(F::Asn)),
                (b"src", Known(0)),
                (b"lat", Known(1)),
                (b"lon", Known(2)),
            ],
        ),
        4 => pick(
            key,
            &[
                (b"jail", Read(F::Jail)),
                (b"city", Read(F::City)),
                (b"date", Read(F::Date)),
                (b"hour", Read(F::Hour)),
                (b"asns", Known(3)),
            ],
        ),
        5 => pick(key, &[(b"event", Read(F::Event)), (b"msgid", Known(4))]),
        6 => pick(key, &[(b"region", Read(F::Region)), (b"prefix", Known(5))]),
        7 => pick(
            key,
            &[
                (b"service", Read(F::Service)),
                (b"country", Read(F::Country)),
                (b"as_name", Read(F::AsName)),
            ],
        ),
        8 => pick(
            key,
            &[(b"failures", Read(F::Failures)), (b"template", Known(6))],
        ),
        10 => pick(key, &[(b"as_country", Read(F::AsCountry))]),
        11 => pick(
            key,
            &[
                (b"reporter_ip", Read(F::ReporterIp)),
                (b"reporter_id", Read(F::ReporterId)),
                (b"attacker_id", Read(F::AttackerId)),
            ],
        ),
        12 => pick(
            key,
            &[
                (b"reporter_lat", Known(7)),
                (b"reporter_lon", Known(8)),
                (b"reporter_asn", Known(9)),
            ],
        ),
        13 => pick(
            key,
            &[
                (b"reporter_host", Read(F::ReporterHost)),
                (b"reporter_city", Known(10)),
                (b"reporter_asns", Known(11)),
            ],
        ),
        15 => pick(
            key,
            &[
                (b"reporter_region", Known(12)),
                (b"reporter_prefix", Known(13)),
            ],
        ),
        16 => pick(
            key,
            &[
                (b"reporter_country", Read(F::ReporterCountry)),
                (b"reporter_as_name", Known(14)),
            ],
        ),
        19 => pick(key, &[(b"reporter_as_country", Known(15))]),
        _ => Slot::Unknown,
    }
}

/// Unknown keys remembered per line for the duplicate check; a line with
/// more goes to the slow path.
const MAX_UNKNOWN: usize = 16;

const ONES: u64 = 0x0101_0101_0101_0101;
const HIGHS: u64 = 0x8080_8080_8080_8080;

/// The lowest byte of `w` that is `"` or `\` has its high bit set in the result.
#[inline(always)]
fn quote_or_backslash(w: u64) -> u64 {
    let q = w ^ (ONES * u64::from(b'"'));
    let b = w ^ (ONES * u64::from(b'\\'));
    (q.wrapping_sub(ONES) & !q | b.wrapping_sub(ONES) & !b) & HIGHS
}

/// True when every byte is printable ASCII: the common case, checked in a way
/// that compiles to vector instructions.
#[inline]
fn printable_ascii(line: &[u8]) -> bool {
    let mut chunks = line.chunks_exact(32);
    for c in &mut chunks {
        let bad = c
            .iter()
            .fold(0u8, |acc, &b| acc | u8::from(b.wrapping_sub(0x20) >= 0x5f));
        if bad != 0 {
            return false;
        }
    }
    chunks
        .remainder()
        .iter()
        .all(|&b| (0x20..0x7f).contains(&b))
}

struct Cursor<'a> {
    s: &'a [u8],
    i: usize,
}

impl<'a> Cursor<'a> {
    #[inline(always)]
    fn peek(&self) -> Option<u8> {
        self.s.get(self.i).copied()
    }

    #[inline(always)]
    fn ws(&mut self) {
        while let Some(b' ' | b'\t' | b'\n' | b'\r') = self.peek() {
            self.i += 1;
        }
    }

    /// After the opening quote: to just past the closing quote. Returns
    /// whether the string had escapes. The line has no control characters
    /// (checked before), so only `"` and `\` stop the run.
    #[inline(always)]
    fn string(&mut self) -> Option<bool> {
        let mut escaped = false;
        loop {
            // Eight bytes at a time while there are eight.
            while let Some(chunk) = self.s.get(self.i..self.i + 8) {
                let mut w = [0u8; 8];
                w.copy_from_slice(chunk);
                let hit = quote_or_backslash(u64::from_le_bytes(w));
                if hit != 0 {
                    self.i += (hit.trailing_zeros() / 8) as usize;
                    break;
                }
                self.i += 8;
            }
            while !matches!(self.peek()?, b'"' | b'\\') {
                self.i += 1;
            }
            if self.s[self.i] == b'"' {
                self.i += 1;
                return Some(escaped);
            }
            escaped = true;
            match self.s.get(self.i + 1)? {
                b'"' | b'\\' | b'/' | b'b' | b'f' | b'n' | b'r' | b't' => self.i += 2,
                b'u' => {
                    let hex = self.s.get(self.i + 2..self.i + 6)?;
                    if !hex.iter().all(u8::is_ascii_hexdigit) {
                        return None;
                    }
                    self.i += 6;
                }
                _ => return None,
            }
        }
    }

    #[inline(always)]
    fn digits(&mut self) -> usize {
        let start = self.i;
        while let Some(b'0'..=b'9') = self.peek() {
            self.i += 1;
        }
        self.i - start
    }

    /// A number, by the JSON grammar.
    fn number(&mut self) -> Option<()> {
        if self.peek() == Some(b'-') {
            self.i += 1;
        }
        match self.peek()? {
            b'0' => {
                self.i += 1;
                if let Some(b'0'..=b'9') = self.peek() {
                    return None;
                }
            }
            b'1'..=b'9' => {
                self.digits();
            }
            _ => return None,
        }
        if self.peek() == Some(b'.') {
            self.i += 1;
            if self.digits() == 0 {
                return None;
            }
        }
        if let Some(b'e' | b'E') = self.peek() {
            self.i += 1;
            if let Some(b'+' | b'-') = self.peek() {
                self.i += 1;
            }
            if self.digits() == 0 {
                return None;
            }
        }
        Some(())
    }

    fn literal(&mut self, word: &[u8]) -> Option<()> {
        if self.s.get(self.i..self.i + word.len())? == word {
            self.i += word.len();
            Some(())
        } else {
            None
        }
    }

    /// Any JSON value: scalars here, arrays and objects in [`Cursor::nested`].
    #[inline(always)]
    fn value(&mut self, depth: u32) -> Option<()> {
        match self.peek()? {
            b'"' => {
                self.i += 1;
                self.string().map(|_| ())
            }
            b'-' | b'0'..=b'9' => self.number(),
            b'n' => self.literal(b"null"),
            b't' => self.literal(b"true"),
            b'f' => self.literal(b"false"),
            _ => self.nested(depth),
        }
    }

    /// An array or object (rare in records, such as `asns`).
    #[inline(never)]
    fn nested(&mut self, depth: u32) -> Option<()> {
        match self.peek()? {
            b'[' if depth < 64 => {
                self.i += 1;
                self.ws();
                if self.peek()? == b']' {
                    self.i += 1;
                    return Some(());
                }
                loop {
                    self.ws();
                    self.value(depth + 1)?;
                    self.ws();
                    match self.peek()? {
                        b',' => self.i += 1,
                        b']' => {
                            self.i += 1;
                            return Some(());
                        }
                        _ => return None,
                    }
                }
            }
            b'{' if depth < 64 => {
                self.i += 1;
                self.ws();
                if self.peek()? == b'}' {
                    self.i += 1;
                    return Some(());
                }
                loop {
                    self.ws();
                    if self.peek()? != b'"' {
                        return None;
                    }
                    self.i += 1;
                    self.string()?;
                    self.ws();
                    if self.peek()? != b':' {
                        return None;
                    }
                    self.i += 1;
                    self.ws();
                    self.value(depth + 1)?;
                    self.ws();
                    match self.peek()? {
                        b',' => self.i += 1,
                        b'}' => {
                            self.i += 1;
                            return Some(());
                        }
                        _ => return None,
                    }
                }
            }
            _ => None,
        }
    }
}

/// The longest key kept in a [`Layout`].
const LAYOUT_KEY_MAX: usize = 32;

/// One key of the previous line, as little-endian words for a quick compare.
#[derive(Clone, Copy)]
struct LayoutKey {
    len: usize,
    words: [u64; LAYOUT_KEY_MAX / 8],
    last_mask: u64,
    slot: Slot,
}

#[inline(always)]
fn word_at(line: &[u8], at: usize) -> Option<u64> {
    let chunk: [u8; 8] = line.get(at..at + 8)?.try_into().ok()?;
    Some(u64::from_le_bytes(chunk))
}

impl LayoutKey {
    fn new(key: &[u8], slot: Slot) -> Option<LayoutKey> {
        if key.len() > LAYOUT_KEY_MAX {
            return None;
        }
        let mut bytes = [0u8; LAYOUT_KEY_MAX];
        bytes[..key.len()].copy_from_slice(key);
        let mut words = [0u64; LAYOUT_KEY_MAX / 8];
        for (w, chunk) in words.iter_mut().zip(bytes.chunks_exact(8)) {
            let mut b = [0u8; 8];
            b.copy_from_slice(chunk);
            *w = u64::from_le_bytes(b);
        }
        let tail = key.len() % 8;
        let last_mask = if tail == 0 {
            u64::MAX
        } else {
            (1u64 << (8 * tail)) - 1
        };
        Some(LayoutKey {
            len: key.len(),
            words,
            last_mask,
            slot,
        })
    }

    /// True when the key at `i` (just after its opening quote) is this one.
    #[inline(always)]
    fn matches(&self, line: &[u8], i: usize) -> bool {
        let end = i + self.len;
        if line.get(end) != Some(&b'"') {
            return false;
        }
        let w = |j: usize| word_at(line, i + 8 * j);
        // Straight-line compares by the number of words; the key's last word
        // is masked to its length.
        let (k, m) = (&self.words, self.last_mask);
        let same = match self.len.div_ceil(8) {
            1 => w(0).map(|a| a & m == k[0]),
            2 => w(0).zip(w(1)).map(|(a, b)| a == k[0] && b & m == k[1]),
            3 => w(0)
                .zip(w(1))
                .zip(w(2))
                .map(|((a, b), c)| a == k[0] && b == k[1] && c & m == k[2]),
            _ => None,
        };
        same.unwrap_or_else(|| self.matches_bytewise(line, i))
    }

    fn matches_bytewise(&self, line: &[u8], i: usize) -> bool {
        (0..self.len)
            .all(|j| line.get(i + j).copied() == Some((self.words[j / 8] >> (8 * (j % 8))) as u8))
    }
}

/// The fast path, which remembers the keys of the previous line: records of
/// one stream have the same fields in the same order, so a key is usually
/// recognised by comparing a few words instead of searching for its end and
/// its name. (Only ever a shortcut: a key that differs is read in full.)
#[derive(Default)]
pub struct Scanner {
    layout: Vec<LayoutKey>,
    /// Keys of the current line from the first one that differed from the
    /// layout: (start, length, slot).
    fresh: Vec<(usize, usize, Slot)>,
}

impl Scanner {
    /// The values of `line`: by the fast path when it can, else by
    /// [`Record::parse`], whose message says why a bad line is bad.
    #[inline]
    pub fn values<'a>(&mut self, line: &'a [u8]) -> Result<Values<'a>, String> {
        match self.scan(line) {
            Some(v) => Ok(v),
            None => Record::parse(line).map(|r| Values::from_record(&r)),
        }
    }

    /// Scans `line` on the fast path: `Some` with the values of the
    /// [`Field`]s when the line is certainly a valid record, `None` when it
    /// must go to [`Record::parse`] (which may still accept it).
    pub fn scan<'a>(&mut self, line: &'a [u8]) -> Option<Values<'a>> {
        // Strings can hold no raw control characters, and only valid UTF-8 is
        // text; checking the whole line first keeps the string scan simple.
        // (A tab between tokens is valid but rare: the slow path takes it.)
        if !printable_ascii(line)
            && (line.iter().any(|&b| b < 0x20) || std::str::from_utf8(line).is_err())
        {
            return None;
        }
        let mut c = Cursor { s: line, i: 0 };
        let mut v = Values::default();
        let mut read_seen: u32 = 0;
        let mut known_seen: u32 = 0;
        let mut unknown: [&[u8]; MAX_UNKNOWN] = [&[]; MAX_UNKNOWN];
        let mut n_unknown = 0;
        let mut n_keys = 0;
        let mut differs_at: Option<usize> = None;
        self.fresh.clear();
        c.ws();
        if c.peek()? != b'{' {
            return None;
        }
        c.i += 1;
        c.ws();
        if c.peek()? == b'}' {
            c.i += 1;
        } else {
            loop {
                if c.peek()? != b'"' {
                    return None;
                }
                c.i += 1;
                let k0 = c.i;
                let (key_len, slot) = match self.layout.get(n_keys) {
                    Some(lk) if differs_at.is_none() && lk.matches(line, k0) => {
                        c.i = k0 + lk.len + 1;
                        (lk.len, lk.slot)
                    }
                    _ => {
                        if c.string()? {
                            return None; // escaped key: matched by its value on the slow path
                        }
                        let key = &line[k0..c.i - 1];
                        let slot = slot(key);
                        differs_at.get_or_insert(n_keys);
                        self.fresh.push((k0, key.len(), slot));
                        (key.len(), slot)
                    }
                };
                n_keys += 1;
                c.ws();
                if c.peek()? != b':' {
                    return None;
                }
                c.i += 1;
                c.ws();
                let v0 = c.i;
                c.value(0)?;
                let raw = &line[v0..c.i];
                match slot {
                    Slot::Read(f) => {
                        let bit = 1u32 << (f as u32);
                        if read_seen & bit != 0 {
                            return None;
                        }
                        read_seen |= bit;
                        v.raw[f as usize] = raw;
                    }
                    Slot::Known(k) => {
                        let bit = 1u32 << k;
                        if known_seen & bit != 0 {
                            return None;
                        }
                        known_seen |= bit;
                    }
                    Slot::Unknown => {
                        let key = &line[k0..k0 + key_len];
                        if n_unknown == MAX_UNKNOWN || unknown[..n_unknown].contains(&key) {
                            return None;
                        }
                        unknown[n_unknown] = key;
                        n_unknown += 1;
                    }
                }
                c.ws();
                match c.peek()? {
                    b',' => {
                        c.i += 1;
                        c.ws();
                    }
                    b'}' => {
                        c.i += 1;
                        break;
                    }
                    _ => return None,
                }
            }
        }
        c.ws();
        if c.i != line.len() {
            return None;
        }
        // This line is the layout of the next one: the keys that matched,
        // then the ones read in full (all of them from the first that differed).
        let same = differs_at.unwrap_or(n_keys);
        if same != self.layout.len() || differs_at.is_some() {
            self.layout.truncate(same);
            for &(start, len, slot) in &self.fresh {
                match line
                    .get(start..start + len)
                    .and_then(|key| LayoutKey::new(key, slot))
                {
                    Some(k) => self.layout.push(k),
                    None => break,
                }
            }
        }
        Some(v)
    }
}

/// Scans `line` on the fast path, without a layout (see [`Scanner::scan`]).
pub fn scan(line: &[u8]) -> Option<Values<'_>> {
    Scanner::default().scan(line)
}

/// The values of `line` (see [`Scanner::values`]).
pub fn values(line: &[u8]) -> Result<Values<'_>, String> {
    Scanner::default().values(line)
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

    fn both(line: &str) -> (Option<Values<'_>>, Result<Values<'_>, String>) {
        let slow = Record::parse(line.as_bytes()).map(|r| Values::from_record(&r));
        (scan(line.as_bytes()), slow)
    }

    #[test]
    fn fast_path_reads_the_same_values_as_record_parse() {
        let line = r#"{"ts":"2011-07-04T10:34:58Z","ip":"192.0.2.1","jail":"ssh","asns":[1,{"a":[]}],"lat":-1.5e3,"x":true,"country":null,"as_name":"A \"B\" \u00e9"}"#;
        let (fast, slow) = both(line);
        let fast = fast.expect("fast path");
        assert_eq!(Ok(fast), slow);
        assert_eq!(fast.raw(Field::Ip), br#""192.0.2.1""#);
        assert_eq!(fast.raw(Field::Country), b"null");
        assert_eq!(fast.raw(Field::City), b"");
        assert_eq!(
            raw_str(fast.raw(Field::AsName)).as_deref(),
            Some("A \"B\" é")
        );
    }

    #[test]
    fn whitespace_between_tokens_is_fine() {
        let line = " { \"ip\" : \"192.0.2.1\" , \"failures\" : 3 } ";
        let (fast, slow) = both(line);
        assert_eq!(fast.map(Ok), Some(slow));
        assert_eq!(fast.unwrap().raw(Field::Failures), b"3");
        // A tab is valid JSON whitespace but rare: the slow path reads it.
        let line = "{\"ip\":\"192.0.2.1\",\t\"failures\":3}";
        let (fast, slow) = both(line);
        assert_eq!(fast, None);
        assert_eq!(slow.unwrap().raw(Field::Failures), b"3");
    }

    #[test]
    fn what_the_fast_path_refuses_goes_to_record_parse() {
        for line in [
            r#"{"\u0069p":"192.0.2.1"}"#, // escaped key
            r#"{"ip":"a","ip":"b"}"#,     // duplicate
            r#"{"zz":1,"zz":2}"#,         // duplicate unknown key
            r#"{"src":1,"src":2}"#,       // duplicate known key
            r#"{"a":01}"#,
            r#"{"a":1.}"#,
            r#"{"a":-}"#,
            r#"{"a":"x\q"}"#,
            "{\"a\":\"\x01\"}",
            r#"{"a":1} x"#,
            r#"{"a":1,}"#,
            r#"[1]"#,
            r#"{"a":nul}"#,
            "\x0c{}",
        ] {
            assert!(scan(line.as_bytes()).is_none(), "{line}");
            let fallback = values(line.as_bytes());
            let slow = Record::parse(line.as_bytes()).map(|r| Values::from_record(&r));
            assert_eq!(fallback, slow, "{line}");
        }
        assert!(values(br#"{"\u0069p":"192.0.2.1"}"#).is_ok());
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
