//! AS names and countries from CIDR Report's `autnums.html` (FORMATS §7).
//!
//! One AS per line:
//! `<a href="/cgi-bin/as-report?as=AS4134&view=2.0">AS4134 </a> CHINANET-BACKBONE No.31,Jin-rong Street, CN`.
//! The name is the text after the link, up to a final `, CC` (two capital
//! letters) which is the registry country; entities are decoded. A line
//! without that suffix gives the whole text as name and no country. The real
//! page declares ISO-8859-1 and mixes encodings: text that is valid UTF-8 is
//! read as UTF-8, anything else as ISO-8859-1, so decoding never fails.

use std::borrow::Cow;
use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};
use std::path::Path;

use f2b_core::input::Input;
use f2b_core::Result;

use crate::problems::{read_rows, RowProblem};
use crate::routes::{lossy, parse_asn};

/// One parsed line of `autnums.html`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AsNameLine<'a> {
    /// The AS number.
    pub asn: u32,
    /// The name, entities decoded; `None` when the line has no name.
    pub name: Option<Cow<'a, str>>,
    /// The registry country (ISO 3166-1 alpha-2), when the line ends in `, CC`.
    pub country: Option<[u8; 2]>,
}

/// Parses one line of `autnums.html`.
///
/// Lines that are not an AS link (the page's HTML around the list) give
/// `Ok(None)`; a link line that cannot be read gives the reason. Never panics.
pub fn parse_line(line: &[u8]) -> Result<Option<AsNameLine<'_>>, String> {
    let line = line.trim_ascii();
    if line.len() < 3 || !line[..3].eq_ignore_ascii_case(b"<a ") {
        return Ok(None);
    }
    let open_end = line
        .iter()
        .position(|b| *b == b'>')
        .ok_or("unterminated <a> tag")?;
    let after_open = &line[open_end + 1..];
    let close = find_ignore_case(after_open, b"</a>").ok_or("no </a> after the AS number")?;
    let label = after_open[..close].trim_ascii();
    let asn = label
        .get(..2)
        .filter(|p| p.eq_ignore_ascii_case(b"AS"))
        .and_then(|_| parse_asn(&label[2..]))
        .ok_or_else(|| format!("link text {:?} is not an AS number", lossy(label)))?;
    let text = after_open[close + 4..].trim_ascii();
    let (name, country) = split_country(text);
    let name = clean_name(decode_text(name.trim_ascii_end()));
    Ok(Some(AsNameLine {
        asn,
        name: (!name.is_empty()).then_some(name),
        country,
    }))
}

/// A name as it may be written anywhere (a CSV cell, a terminal, a chart):
/// control characters, raw or from entities such as `&#10;`, become spaces,
/// and space around it (an `&nbsp;` at the end, say) goes.
fn clean_name(name: Cow<'_, str>) -> Cow<'_, str> {
    if !name.chars().any(char::is_control) && name.trim().len() == name.len() {
        return name;
    }
    let spaced: String = name
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    Cow::Owned(spaced.trim().to_string())
}

/// Splits a final `, CC` (two ASCII capitals) off `text`.
fn split_country(text: &[u8]) -> (&[u8], Option<[u8; 2]>) {
    if let [name @ .., b',', b' ', a, b] = text {
        if a.is_ascii_uppercase() && b.is_ascii_uppercase() {
            return (name, Some([*a, *b]));
        }
    }
    (text, None)
}

fn find_ignore_case(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack
        .windows(needle.len())
        .position(|w| w.eq_ignore_ascii_case(needle))
}

/// Bytes as text: UTF-8 when they are valid UTF-8, else ISO-8859-1; then
/// HTML entities decoded.
pub fn decode_text(bytes: &[u8]) -> Cow<'_, str> {
    let text: Cow<'_, str> = match std::str::from_utf8(bytes) {
        Ok(s) => Cow::Borrowed(s),
        Err(_) => Cow::Owned(bytes.iter().map(|&b| char::from(b)).collect()),
    };
    if !text.contains('&') {
        return text;
    }
    Cow::Owned(decode_entities(&text))
}

/// Decodes HTML character references: the named ones that occur in AS names
/// (`&amp; &lt; &gt; &quot; &apos; &nbsp;`) and numeric ones (`&#39;`,
/// `&#x27;`). Anything else is kept as written.
pub fn decode_entities(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(amp) = rest.find('&') {
        out.push_str(&rest[..amp]);
        rest = &rest[amp..];
        let decoded = rest
            .get(1..rest.len().min(12))
            .and_then(|s| s.find(';').map(|semi| (&s[..semi], semi + 2)))
            .and_then(|(entity, used)| entity_char(entity).map(|c| (c, used)));
        match decoded {
            Some((c, used)) => {
                out.push(c);
                rest = &rest[used..];
            }
            None => {
                out.push('&');
                rest = &rest[1..];
            }
        }
    }
    out.push_str(rest);
    out
}

fn entity_char(entity: &str) -> Option<char> {
    let code = match entity {
        "amp" => return Some('&'),
        "lt" => return Some('<'),
        "gt" => return Some('>'),
        "quot" => return Some('"'),
        "apos" => return Some('\''),
        "nbsp" => return Some('\u{a0}'),
        _ => {
            let num = entity.strip_prefix('#')?;
            match num.strip_prefix(['x', 'X']) {
                Some(hex) => u32::from_str_radix(hex, 16).ok()?,
                None => num.parse::<u32>().ok()?,
            }
        }
    };
    char::from_u32(code).filter(|c| *c != '\0')
}

/// A name and country looked up by AS number.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct AsName<'a> {
    /// The AS name, if known.
    pub name: Option<&'a str>,
    /// The registry country (two ASCII capitals), if known.
    pub country: Option<[u8; 2]>,
}

/// Where an AS's name and country are in an [`AsNames`]: a small handle that
/// routes carry, so that a lookup finds the name without a search. Only
/// meaningful with the `AsNames` it came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct NameRef {
    start: u32,
    len: u16,
    country: [u8; 2],
}

impl NameRef {
    /// No name and no country.
    pub const NONE: NameRef = NameRef {
        start: 0,
        len: 0,
        country: [0, 0],
    };
}

/// A hasher for AS numbers: one multiplication instead of SipHash (a names
/// file is trusted data, and a collision-heavy one would only cost speed).
#[derive(Default, Clone, Copy)]
pub struct AsnHasher(u64);

impl Hasher for AsnHasher {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.write_u32(u32::from(b) ^ (self.0 as u32).rotate_left(8));
        }
    }

    fn write_u32(&mut self, n: u32) {
        let h = (u64::from(n) ^ self.0).wrapping_mul(0x9E37_79B9_7F4A_7C15);
        self.0 = h ^ (h >> 29);
    }
}

/// The longest name kept, in bytes (longer ones are cut at a character).
const MAX_NAME: usize = u16::MAX as usize;

/// AS number → name and country.
#[derive(Default)]
pub struct AsNames {
    index: HashMap<u32, NameRef, BuildHasherDefault<AsnHasher>>,
    text: String,
}

/// What loading a names file added.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct NamesStats {
    /// AS lines read.
    pub entries: u64,
    /// Malformed AS lines skipped.
    pub malformed: u64,
}

impl AsNames {
    /// An empty table.
    pub fn new() -> Self {
        Self::default()
    }

    /// Number of ASes with a name or country.
    pub fn len(&self) -> usize {
        self.index.len()
    }

    /// True when no AS is known.
    pub fn is_empty(&self) -> bool {
        self.index.is_empty()
    }

    /// Adds an AS unless it is already known (the first entry wins). A
    /// country must be two ASCII capitals, otherwise it is dropped; a name
    /// longer than 65535 bytes is cut.
    pub fn insert(&mut self, asn: u32, name: Option<&str>, country: Option<[u8; 2]>) {
        if self.index.contains_key(&asn) {
            return;
        }
        let mut name = name.unwrap_or("");
        if name.len() > MAX_NAME {
            let cut = (0..=MAX_NAME)
                .rev()
                .find(|&i| name.is_char_boundary(i))
                .unwrap_or(0);
            name = &name[..cut];
        }
        let (Ok(start), Ok(len)) = (u32::try_from(self.text.len()), u16::try_from(name.len()))
        else {
            return;
        };
        self.text.push_str(name);
        let country = country
            .filter(|c| c.iter().all(u8::is_ascii_uppercase))
            .unwrap_or([0, 0]);
        self.index.insert(
            asn,
            NameRef {
                start,
                len,
                country,
            },
        );
    }

    /// Adds every AS of `other` that this table does not know.
    pub fn add_missing(&mut self, other: &AsNames) {
        for (&asn, &r) in &other.index {
            let name = other.resolve(r);
            self.insert(asn, name.name, name.country);
        }
    }

    /// The handle of `asn`'s name and country ([`NameRef::NONE`] when unknown).
    pub fn name_ref(&self, asn: u32) -> NameRef {
        self.index.get(&asn).copied().unwrap_or(NameRef::NONE)
    }

    /// The name and country a handle from this table stands for.
    #[inline]
    pub fn resolve(&self, r: NameRef) -> AsName<'_> {
        let start = r.start as usize;
        let name = self
            .text
            .get(start..start + usize::from(r.len))
            .filter(|n| !n.is_empty());
        let country = Some(r.country).filter(|c| c[0] != 0);
        AsName { name, country }
    }

    /// The name and country of `asn`.
    pub fn get(&self, asn: u32) -> Option<AsName<'_>> {
        self.index.get(&asn).map(|r| self.resolve(*r))
    }

    /// Bytes held (approximately: the text and the index).
    pub fn mem_usage(&self) -> usize {
        self.text.capacity() + self.index.capacity() * (std::mem::size_of::<(u32, NameRef)>() + 1)
    }

    /// Reads an `autnums.html` file (gzip or plain). Each malformed AS line is
    /// handed to `problem`, which decides whether the load goes on.
    pub fn load_file(
        &mut self,
        path: &Path,
        problem: &mut dyn FnMut(&RowProblem) -> Result<()>,
    ) -> Result<NamesStats> {
        let stats = self.load(Input::open(path)?, problem)?;
        if stats.entries == 0 {
            return Err(crate::routes::not_a(path, "CIDR Report autnums.html page"));
        }
        Ok(stats)
    }

    /// Reads `autnums.html` lines from an opened input; see [`AsNames::load_file`].
    pub fn load(
        &mut self,
        input: Input,
        problem: &mut dyn FnMut(&RowProblem) -> Result<()>,
    ) -> Result<NamesStats> {
        let mut stats = NamesStats::default();
        stats.malformed = read_rows(input, problem, |text| {
            if let Some(entry) = parse_line(text)? {
                stats.entries += 1;
                self.insert(entry.asn, entry.name.as_deref(), entry.country);
            }
            Ok(())
        })?;
        Ok(stats)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(line: &str) -> (u32, Option<String>, Option<String>) {
        let e = parse_line(line.as_bytes()).unwrap().unwrap();
        (
            e.asn,
            e.name.map(|n| n.into_owned()),
            e.country.map(|c| String::from_utf8(c.to_vec()).unwrap()),
        )
    }

    fn s(x: &str) -> Option<String> {
        Some(x.to_string())
    }

    #[test]
    fn name_is_everything_before_the_last_comma_country() {
        assert_eq!(
            parse(
                r#"<a href="/cgi-bin/as-report?as=AS4134&view=2.0">AS4134 </a> CHINANET-BACKBONE No.31,Jin-rong Street, CN"#
            ),
            (4134, s("CHINANET-BACKBONE No.31,Jin-rong Street"), s("CN"))
        );
        assert_eq!(
            parse(
                r#"<a href="/cgi-bin/as-report?as=AS13335&view=2.0">AS13335</a> Cloudflare, Inc., US"#
            ),
            (13335, s("Cloudflare, Inc."), s("US"))
        );
    }

    #[test]
    fn entities_are_decoded() {
        assert_eq!(
            parse(r#"<a href="x">AS7   </a> AT&amp;T &lt;Labs&gt; &#39;x&#x27; &bogus; &amp, US"#),
            (7, s("AT&T <Labs> 'x' &bogus; &amp"), s("US"))
        );
    }

    #[test]
    fn a_line_without_country_keeps_the_whole_text_as_name() {
        assert_eq!(
            parse(r#"<a href="x">AS64512</a> Example Networks, Inc."#),
            (64512, s("Example Networks, Inc."), None)
        );
        assert_eq!(
            parse(r#"<a href="x">AS64513</a> lower case, us"#),
            (64513, s("lower case, us"), None)
        );
        assert_eq!(parse(r#"<a href="x">AS64514</a>"#), (64514, None, None));
        assert_eq!(parse(r#"<A HREF="x">as5</A>  ZZ"#), (5, s("ZZ"), None));
    }

    /// Found by fuzz target `as_names`: `&#10;` (and raw control bytes) put a
    /// line break or a NUL into an AS name, which then reached CSV cells and
    /// the report.
    #[test]
    fn fuzz_autnums_control_characters_never_reach_a_name() {
        let line = b"<a href=\"/cgi-bin/as-report?as=AS2&view=2.0\">AS2</a> Evil&#10;Net\x7f &#x85;Co&#9;, US";
        let entry = parse_line(line).unwrap().unwrap();
        assert_eq!(entry.name.as_deref(), Some("Evil Net   Co"));
        assert_eq!(entry.country, Some(*b"US"));
        let only = parse_line(b"<a href=\"x\">AS3</a> &#10;&#13;")
            .unwrap()
            .unwrap();
        assert_eq!(only.name, None, "a name of nothing but controls is no name");
        let nbsp = parse_line(b"<a href=\"x\">AS4</a> Foo&nbsp;")
            .unwrap()
            .unwrap();
        assert_eq!(nbsp.name.as_deref(), Some("Foo"));
    }

    #[test]
    fn latin1_bytes_are_read_as_latin1_and_utf8_as_utf8() {
        let e = parse_line(b"<a href=\"x\">AS1</a> Caf\xe9 \xa9, FR")
            .unwrap()
            .unwrap();
        assert_eq!(e.name.as_deref(), Some("Café ©"));
        let e = parse_line("<a href=\"x\">AS1</a> Café, FR".as_bytes())
            .unwrap()
            .unwrap();
        assert_eq!(e.name.as_deref(), Some("Café"));
    }

    #[test]
    fn html_around_the_list_is_not_an_entry_and_broken_links_are_errors() {
        for line in ["<html><head><title>AS Names</title>", "<PRE>", "", "</PRE>"] {
            assert_eq!(parse_line(line.as_bytes()), Ok(None), "{line}");
        }
        assert!(parse_line(b"<a href=\"x\">AS12").is_err());
        assert!(parse_line(b"<a href=\"x\">ASX</a> y, US").is_err());
        assert!(parse_line(b"<a href=\"x\">4134</a> y, US").is_err());
        assert!(parse_line(b"<a href").is_err());
    }

    #[test]
    fn first_entry_wins_and_lookups_give_name_and_country() {
        let mut names = AsNames::new();
        names.insert(1, Some("One"), Some(*b"US"));
        names.insert(1, Some("Other"), Some(*b"FR"));
        names.insert(2, Some("Two"), None);
        names.insert(3, None, Some(*b"DE"));
        names.insert(4, Some("Bad"), Some(*b"u1"));
        let got = |asn| names.get(asn).map(|n| (n.name, n.country));
        assert_eq!(got(1), Some((Some("One"), Some(*b"US"))));
        assert_eq!(got(2), Some((Some("Two"), None)));
        assert_eq!(got(3), Some((None, Some(*b"DE"))));
        assert_eq!(got(4), Some((Some("Bad"), None)));
        assert_eq!(got(5), None);
    }
}
