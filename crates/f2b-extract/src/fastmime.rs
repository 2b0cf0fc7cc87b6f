//! The fast path of MIME parsing: plainly simple mail read without
//! mail-parser's full parse (which was more than half of f2b-extract's time).
//!
//! Nearly every bounce is one of a few simple shapes: a single part (the
//! inline copies of qmail, Exim and old Sendmail, and the copies themselves),
//! or a `multipart/*` of flat parts — text, a delivery status, a binary
//! part, a `message/rfc822` whose copy is a single part, `text/rfc822-headers`.
//! For those, [`parse`] builds the [`Message`] that mail-parser (set up as
//! [`crate::bounce::Unwrapper`] sets it up) would build, as far as f2b reads
//! it: the headers f2b uses (Subject, Date, Message-Id, Received, From, and
//! the last Content-Type and Content-Transfer-Encoding of each part; the
//! others only count, by one nameless placeholder when no other header is
//! left), each part's content type, body and encoding. It finds header and
//! part ends with `memchr`/`memmem`, checks UTF-8 once per message and
//! borrows its pieces instead of copying them, and decodes base64 and
//! quoted-printable bodies and declared charsets with mail-parser's own
//! decoders (so they come out exactly as mail-parser's).
//!
//! Anything else gives `None`, and the caller falls back to mail-parser:
//! encoded words (`=?`) anywhere in a header block, header lines that are not
//! plain `Name: value` (blanks in or before the name, no colon), a header
//! block cut off before its blank line (except a message of headers only),
//! content types beyond `type/subtype; name=value; name="value"` (comments,
//! RFC 2231 parameters, escapes, empty values), nested multiparts, digests, a
//! copy that is itself multipart or a message, an encoded `message/rfc822`,
//! a missing delimiter or closing delimiter, a body the decoders reject, more
//! than [`MAX_PARTS`] parts. Where the fast path answers, it follows
//! mail-parser 0.11 to the byte (how a header ends and is trimmed, where a
//! part's body ends before its delimiter, what may follow a delimiter); the
//! differential tests (`tests/fast_path.rs`, fuzz target `fast_path`,
//! `examples/fast_path_diff.rs` for whole mailboxes) hold the two to the same
//! layers and records. `Unwrapper::without_fast_path` turns it off (tests only).

use std::borrow::Cow;

use mail_parser::decoders::charsets::map::charset_decoder;
use mail_parser::parsers::MessageStream;
use mail_parser::{
    Attribute, ContentType, Encoding, Header, HeaderName, HeaderValue, Message, MessagePart,
    PartType,
};
use memchr::arch::all::packedpair;
use memchr::memmem;

/// Most parts (the multipart itself included) a message may have on the fast path.
pub const MAX_PARTS: usize = 64;

/// Reads a whole message, or `None` when it is not one of the simple shapes.
pub fn parse(raw: &[u8]) -> Option<Message<'_>> {
    read_message(Span::new(raw))
}

/// [`parse`] for mail that is text already (a copy found in a bounce's text).
pub fn parse_str(text: &str) -> Option<Message<'_>> {
    read_message(Span::of_str(text))
}

fn read_message(mail: Span<'_>) -> Option<Message<'_>> {
    let raw = mail.bytes;
    let root = Block::read(mail, 0)?;
    if root.headers.is_empty() {
        return None;
    }
    let Some(body) = root.body else {
        // Headers up to the end and no body: mail-parser gives one empty text part.
        return Some(message(
            raw,
            vec![part(root.headers, PartType::Text("".into()))],
        ));
    };
    if let Kind::Multipart(boundary) = root.kind() {
        let boundary = boundary.as_bytes().to_vec();
        return multipart(mail, root.headers, body, &boundary);
    }
    let (body, _) = leaf(mail, &root, body, None)?;
    let encoding = root.encoding;
    let mut single = part(root.headers, body);
    single.encoding = encoding;
    Some(message(raw, vec![single]))
}

/// Reads only a header block (a `text/rfc822-headers` copy), as mail-parser's
/// `parse_headers` does; `None` when it is not plainly simple or has no header.
pub fn parse_headers(text: &str) -> Option<Message<'_>> {
    let raw = text.as_bytes();
    let block = Block::read(Span::of_str(text), 0)?;
    if block.headers.is_empty() {
        return None;
    }
    Some(message(
        raw,
        vec![part(block.headers, PartType::Text("".into()))],
    ))
}

fn message<'a>(raw: &'a [u8], parts: Vec<MessagePart<'a>>) -> Message<'a> {
    Message {
        parts,
        raw_message: Cow::Borrowed(raw),
        ..Message::default()
    }
}

fn part<'a>(headers: Vec<Header<'a>>, body: PartType<'a>) -> MessagePart<'a> {
    MessagePart {
        headers,
        is_encoding_problem: false,
        body,
        encoding: Encoding::None,
        offset_header: 0,
        offset_body: 0,
        offset_end: 0,
    }
}

/// The parts of a `multipart/*` body: flat, each a text, a binary part or a
/// `message/rfc822` holding a single part.
fn multipart<'a>(
    mail: Span<'a>,
    headers: Vec<Header<'a>>,
    body: usize,
    boundary: &[u8],
) -> Option<Message<'a>> {
    let raw = mail.bytes;
    let delimiter = Delimiter::new(boundary);
    // The preamble is skipped, as are blanks after the first delimiter.
    let first = body + delimiter.find(&raw[body..])? + delimiter.len();
    let mut pos = skip_line_end(raw, first);
    let mut parts = vec![part(headers, PartType::Multipart(Vec::new()))];
    loop {
        if parts.len() >= MAX_PARTS {
            return None;
        }
        let block = Block::read(mail, pos)?;
        let start = block.body?;
        let (body, next) = leaf(mail, &block, start, Some(&delimiter))?;
        let encoding = block.encoding;
        let mut leaf = part(block.headers, body);
        leaf.encoding = encoding;
        parts.push(leaf);
        pos = next;
        // What follows a delimiter: `--` ends the multipart; a line end (or
        // blanks up to one) is skipped; anything else starts the next part.
        match (raw.get(pos), raw.get(pos + 1)) {
            (Some(b'-'), Some(b'-')) => break,
            (Some(b'\r'), Some(b'\n')) => pos += 2,
            (Some(b'\n'), _) => pos += 1,
            (Some(b), _) if b.is_ascii_whitespace() => pos = skip_line_end(raw, pos + 1),
            (None, _) => return None,
            _ => {}
        }
    }
    Some(message(raw, parts))
}

/// `--BOUNDARY`, and the boundary as mail-parser's decoders take it.
struct Delimiter<'b> {
    needle: Vec<u8>,
    search: Search,
    boundary: &'b [u8],
}

/// How a delimiter is searched for: it is set up once per multipart message,
/// and a general `memmem::Finder` costs more to set up than most of these
/// messages take to search.
enum Search {
    /// Candidates where a pair of the delimiter's rarest bytes occurs (found
    /// with `memchr`), each compared with the whole delimiter: for delimiters
    /// of at most [`SHORT_DELIMITER`] bytes, so that no search costs more
    /// than that many bytes compared per byte of mail.
    Pair(packedpair::Finder),
    /// Longer delimiters (only hostile mail has them): a search in linear time.
    Long(Box<memmem::Finder<'static>>),
}

/// The longest delimiter searched for by [`Search::Pair`]: `--` and the 70
/// bytes that RFC 2046 allows a boundary, with room to spare.
const SHORT_DELIMITER: usize = 80;

/// Candidates of [`Search::Pair`] that are not the delimiter, in one search,
/// before the search goes on with `memmem` (rare bytes make them rare in
/// real mail).
const MAX_FALSE_CANDIDATES: usize = 256;

impl<'b> Delimiter<'b> {
    fn new(boundary: &'b [u8]) -> Self {
        let needle = [&b"--"[..], boundary].concat();
        let search = match packedpair::Finder::new(&needle) {
            Some(pair) if needle.len() <= SHORT_DELIMITER => Search::Pair(pair),
            _ => Search::Long(Box::new(memmem::Finder::new(&needle).into_owned())),
        };
        Delimiter {
            needle,
            search,
            boundary,
        }
    }

    /// Where the delimiter first occurs in `haystack`.
    fn find(&self, haystack: &[u8]) -> Option<usize> {
        let pair = match &self.search {
            Search::Pair(pair) => pair,
            Search::Long(finder) => return finder.find(haystack),
        };
        let mut from = 0;
        for _ in 0..MAX_FALSE_CANDIDATES {
            let at = from + pair.find_prefilter(&haystack[from..])?;
            if haystack[at..].starts_with(&self.needle) {
                return Some(at);
            }
            from = at + 1;
        }
        // Mail made to match the pair everywhere (a run of dashes against a
        // boundary of dashes): the rest in linear time.
        memmem::find(&haystack[from..], &self.needle).map(|at| from + at)
    }

    /// Its length in bytes.
    fn len(&self) -> usize {
        self.needle.len()
    }
}

/// A part that is not a multipart, whose body starts at `start` and ends at
/// the delimiter (or, without one, at the end): its body and where reading
/// goes on. A `message/rfc822` part holds a copy of a single part.
fn leaf<'a>(
    mail: Span<'a>,
    block: &Block<'a>,
    start: usize,
    delimiter: Option<&Delimiter<'_>>,
) -> Option<(PartType<'a>, usize)> {
    match block.kind() {
        Kind::Text(html) => {
            let (bytes, next) = body(mail.bytes, start, block.encoding, delimiter)?;
            let text = match bytes {
                Cow::Borrowed(bytes) => {
                    let end = start + bytes.len();
                    text(mail.sub(start..end), block.content_type())
                }
                Cow::Owned(bytes) => Cow::Owned(decoded_text(bytes, block.content_type())),
            };
            let text = if html {
                PartType::Html(text)
            } else {
                PartType::Text(text)
            };
            Some((text, next))
        }
        Kind::Binary => {
            let (bytes, next) = body(mail.bytes, start, block.encoding, delimiter)?;
            Some((PartType::Binary(bytes), next))
        }
        // The copy in a multipart, not encoded (an encoded one is parsed
        // from its decoded bytes, which the fast path does not keep).
        Kind::Message if delimiter.is_some() && block.encoding == Encoding::None => {
            let copy = Block::read(mail, start)?;
            let copy_start = copy.body?;
            if copy.headers.is_empty() || matches!(copy.kind(), Kind::Message | Kind::Multipart(_))
            {
                return None;
            }
            let (body, next) = leaf(mail, &copy, copy_start, delimiter)?;
            let encoding = copy.encoding;
            let mut single = part(copy.headers, body);
            single.encoding = encoding;
            let end = next - delimiter.map_or(0, Delimiter::len);
            let copy = message(&mail.bytes[start..end], vec![single]);
            Some((PartType::Message(copy), next))
        }
        Kind::Message | Kind::Multipart(_) | Kind::Unsupported => None,
    }
}

/// The bytes of a body starting at `start`, decoded, and where reading goes on.
fn body<'a>(
    raw: &'a [u8],
    start: usize,
    encoding: Encoding,
    delimiter: Option<&Delimiter<'_>>,
) -> Option<(Cow<'a, [u8]>, usize)> {
    if encoding == Encoding::None {
        return Some(match delimiter {
            Some(d) => {
                let (end, next) = part_end(raw, start, d)?;
                (Cow::Borrowed(&raw[start..end]), next)
            }
            None => (Cow::Borrowed(&raw[start..]), raw.len()),
        });
    }
    // mail-parser's own decoders, on the body onwards: they read nothing before it.
    let mut stream = MessageStream::new(&raw[start..]);
    let boundary = delimiter.map_or(&b""[..], |d| d.boundary);
    let (end, bytes) = match encoding {
        Encoding::Base64 => stream.decode_base64_mime(boundary),
        _ => stream.decode_quoted_printable_mime(boundary),
    };
    // A body that does not decode is for mail-parser's recovery.
    (end != usize::MAX).then(|| (bytes, start + stream.offset()))
}

/// Where a part that starts at `start` ends, and where reading goes on after
/// its delimiter: the first `--BOUNDARY` anywhere after `start`. A delimiter
/// at the start of a line takes the line break before it (LF or CRLF) with it.
fn part_end(raw: &[u8], start: usize, delimiter: &Delimiter<'_>) -> Option<(usize, usize)> {
    let at = start + delimiter.find(&raw[start..])?;
    let end = if at > start && raw[at - 1] == b'\n' {
        let lf = at - 1;
        if lf > start && raw[lf - 1] == b'\r' {
            lf - 1
        } else {
            lf
        }
    } else {
        at
    };
    Some((end, at + delimiter.len()))
}

/// Skips spaces, tabs and CRs, then one LF.
fn skip_line_end(raw: &[u8], mut pos: usize) -> usize {
    while matches!(raw.get(pos), Some(b'\r' | b' ' | b'\t')) {
        pos += 1;
    }
    if raw.get(pos) == Some(&b'\n') {
        pos += 1;
    }
    pos
}

/// A body as text: undecoded UTF-8 (invalid sequences replaced), or through
/// the declared charset's decoder. ASCII text in a charset that leaves ASCII
/// as it is needs no decoding.
fn text<'a>(body: Span<'a>, content_type: Option<&ContentType<'_>>) -> Cow<'a, str> {
    let charset = content_type.and_then(|ct| ct.attribute("charset"));
    match charset.and_then(|c| charset_decoder(c.as_bytes()).map(|d| (c, d))) {
        Some((name, decoder)) if !(ascii_transparent(name) && body.bytes.is_ascii()) => {
            Cow::Owned(decoder(body.bytes))
        }
        _ => body.to_str(),
    }
}

/// A decoded (base64, quoted-printable) body as text, as mail-parser makes it.
fn decoded_text(bytes: Vec<u8>, content_type: Option<&ContentType<'_>>) -> String {
    let charset = content_type.and_then(|ct| ct.attribute("charset"));
    match charset.and_then(|c| charset_decoder(c.as_bytes())) {
        Some(decoder) => decoder(&bytes),
        None => String::from_utf8(bytes)
            .unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned()),
    }
}

/// Charsets whose mail-parser decoder maps every ASCII byte to itself
/// (checked by a test against the decoders).
pub const ASCII_CHARSETS: &[&str] = &[
    "us_ascii",
    "ascii",
    "iso_8859_1",
    "iso8859_1",
    "latin1",
    "cp1252",
    "windows_1252",
    "iso_8859_15",
    "iso8859_15",
    "iso_8859_2",
    "iso8859_2",
];

fn ascii_transparent(charset: &str) -> bool {
    // Named as mail-parser's lookup names them: lower case, `-` as `_`.
    let matches = |known: &str| {
        known.len() == charset.len()
            && known.bytes().zip(charset.bytes()).all(|(k, c)| {
                let c = match c.to_ascii_lowercase() {
                    b'-' => b'_',
                    c => c,
                };
                k == c
            })
    };
    ASCII_CHARSETS.iter().any(|known| matches(known))
}

/// What a part's content type makes of it.
enum Kind<'a> {
    /// `multipart/*` (not a digest) with its boundary.
    Multipart(&'a str),
    /// `text/*`, or no content type; `true` for `text/html`.
    Text(bool),
    /// `message/rfc822` or `message/global`.
    Message,
    /// Any other single part (`message/delivery-status`, `application/*`, …).
    Binary,
    /// A multipart without a usable boundary, or a digest.
    Unsupported,
}

/// One header block: the headers f2b reads and where the body starts.
struct Block<'a> {
    headers: Vec<Header<'a>>,
    /// Where in `headers` the last Content-Type is, parsed.
    content_type: Option<usize>,
    /// The body's encoding, by the last Content-Transfer-Encoding.
    encoding: Encoding,
    /// Offset of the body; `None` when the headers run to the end.
    body: Option<usize>,
}

impl<'a> Block<'a> {
    /// Reads the header block at `pos`; `None` when it is not plainly simple.
    fn read(mail: Span<'a>, mut pos: usize) -> Option<Block<'a>> {
        let raw = mail.bytes;
        let start = pos;
        let mut headers = Vec::with_capacity(8);
        let mut content_type = None;
        let mut encoding = None;
        let mut others = false;
        let body = loop {
            match raw.get(pos) {
                None => break None,
                Some(b'\n') => break Some(pos + 1),
                Some(b'\r') if raw.get(pos + 1) == Some(&b'\n') => break Some(pos + 2),
                Some(_) => {}
            }
            // `Name:` of printable ASCII, no blanks: anything else is not simple.
            let colon = pos + memchr::memchr(b':', &raw[pos..])?;
            let name = &raw[pos..colon];
            if name.is_empty() || !name.iter().all(|b| (0x21..=0x7e).contains(b)) {
                return None;
            }
            // A header ends at the first line break not followed by a blank.
            let mut end = colon + 1;
            let terminated = loop {
                match memchr::memchr(b'\n', &raw[end..]) {
                    None => {
                        end = raw.len();
                        break false;
                    }
                    Some(i) => {
                        end += i + 1;
                        if !matches!(raw.get(end), Some(b' ' | b'\t')) {
                            break true;
                        }
                    }
                }
            };
            pos = end;
            let Some(name) = known_name(name) else {
                others = true;
                continue;
            };
            let value = mail.sub(colon + 1..end);
            let value = match name {
                // A Subject cut off by the end of the input is read all the
                // same (mail-parser reads it as empty; f2b reads it again,
                // see `bounce::cut_subject`).
                HeaderName::Subject => unstructured(value, true),
                // Only the last of these counts; they are read below.
                HeaderName::ContentTransferEncoding => {
                    encoding = Some((value, terminated));
                    continue;
                }
                HeaderName::ContentType => {
                    content_type = Some((value, terminated));
                    continue;
                }
                _ => raw_value(value),
            };
            headers.push(header(name, value));
        };
        // Encoded words make mail-parser decode, and may move where it reads.
        let block = &raw[start..body.unwrap_or(raw.len())];
        if memchr::memchr_iter(b'=', block).any(|i| block.get(i + 1) == Some(&b'?')) {
            return None;
        }
        // Headers f2b does not read only count: one stands for them all.
        if others && headers.is_empty() && encoding.is_none() && content_type.is_none() {
            headers.push(header(
                HeaderName::Other(Cow::Borrowed("")),
                HeaderValue::Empty,
            ));
        }
        let mut block = Block {
            headers,
            content_type: None,
            encoding: Encoding::None,
            body,
        };
        if let Some((value, terminated)) = encoding {
            let value = unstructured(value, terminated);
            if let HeaderValue::Text(e) = &value {
                // A comment may follow the value (RFC 2045): `BASE64
                // (generated)`. Only base64 is read past one, as the full
                // parser's path does (bounce.rs: `lenient_base64`).
                if crate::bounce::bare_encoding(e).eq_ignore_ascii_case("base64") {
                    block.encoding = Encoding::Base64;
                } else if e.eq_ignore_ascii_case("quoted-printable") {
                    block.encoding = Encoding::QuotedPrintable;
                }
            }
            block
                .headers
                .push(header(HeaderName::ContentTransferEncoding, value));
        }
        if let Some((value, terminated)) = content_type {
            let value = if terminated {
                HeaderValue::ContentType(parse_content_type(value)?)
            } else {
                HeaderValue::Empty
            };
            if let HeaderValue::ContentType(_) = &value {
                block.content_type = Some(block.headers.len());
            }
            block.headers.push(header(HeaderName::ContentType, value));
        }
        Some(block)
    }

    /// The last Content-Type, if it is one.
    fn content_type(&self) -> Option<&ContentType<'a>> {
        match &self.headers.get(self.content_type?)?.value {
            HeaderValue::ContentType(ct) => Some(ct),
            _ => None,
        }
    }

    fn kind(&self) -> Kind<'_> {
        let Some(ct) = self.content_type() else {
            return Kind::Text(false);
        };
        let subtype = ct.c_subtype.as_deref();
        match ct.c_type.as_ref() {
            "multipart" if subtype == Some("digest") => Kind::Unsupported,
            "multipart" => match ct.attribute("boundary") {
                Some(b) if !b.is_empty() => Kind::Multipart(b),
                _ => Kind::Unsupported,
            },
            "text" => Kind::Text(subtype == Some("html")),
            "message" if matches!(subtype, Some("rfc822" | "global")) => Kind::Message,
            _ => Kind::Binary,
        }
    }
}

fn header<'a>(name: HeaderName<'a>, value: HeaderValue<'a>) -> Header<'a> {
    Header {
        name,
        value,
        offset_field: 0,
        offset_start: 0,
        offset_end: 0,
    }
}

/// The headers f2b reads, by name (any case).
fn known_name(name: &[u8]) -> Option<HeaderName<'static>> {
    let is = |known: &str| name.eq_ignore_ascii_case(known.as_bytes());
    Some(match name.len() {
        4 if is("date") => HeaderName::Date,
        4 if is("from") => HeaderName::From,
        7 if is("subject") => HeaderName::Subject,
        8 if is("received") => HeaderName::Received,
        10 if is("message-id") => HeaderName::MessageId,
        12 if is("content-type") => HeaderName::ContentType,
        25 if is("content-transfer-encoding") => HeaderName::ContentTransferEncoding,
        _ => return None,
    })
}

/// A value as written, from its first to its last non-blank byte (mail-parser's
/// raw header parser: Date, Message-Id, Received, From as f2b sets it up).
fn raw_value(value: Span<'_>) -> HeaderValue<'_> {
    let blank = |b: &u8| matches!(b, b' ' | b'\t' | b'\r' | b'\n');
    let Some(first) = value.bytes.iter().position(|b| !blank(b)) else {
        return HeaderValue::Empty;
    };
    let last = value.bytes.iter().rposition(|b| !blank(b)).unwrap_or(first);
    HeaderValue::Text(value.sub(first..last + 1).to_str())
}

/// An unstructured value (Subject, Content-Transfer-Encoding): each line
/// trimmed, the non-empty ones joined with a space. mail-parser gives no value
/// for a header cut off by the end of the input before its line break.
fn unstructured(value: Span<'_>, terminated: bool) -> HeaderValue<'_> {
    if !terminated {
        return HeaderValue::Empty;
    }
    let blank = |b: &u8| matches!(b, b' ' | b'\t' | b'\r');
    let mut start = 0;
    let mut words = std::iter::from_fn(|| {
        if start > value.bytes.len() {
            return None;
        }
        let rest = &value.bytes[start..];
        let len = memchr::memchr(b'\n', rest).unwrap_or(rest.len());
        let line = &rest[..len];
        let first = line.iter().position(|b| !blank(b)).unwrap_or(len);
        let last = line
            .iter()
            .rposition(|b| !blank(b))
            .map_or(first, |l| l + 1);
        let word = value.sub(start + first..start + last.max(first));
        start += len + 1;
        Some(word)
    })
    .filter(|word| !word.bytes.is_empty());
    let Some(first) = words.next() else {
        return HeaderValue::Empty;
    };
    let Some(second) = words.next() else {
        return HeaderValue::Text(first.to_str());
    };
    let mut text = String::with_capacity(value.bytes.len());
    for (i, word) in [first, second].into_iter().chain(words).enumerate() {
        if i > 0 {
            text.push(' ');
        }
        text.push_str(&word.to_str());
    }
    HeaderValue::Text(Cow::Owned(text))
}

/// Bytes of the mail, and the same as text when they are valid UTF-8: the
/// mail is checked once (by simdutf8, which gives std's answer several
/// times faster), and its pieces (cut at ASCII bytes) need no check of
/// their own.
#[derive(Clone, Copy)]
struct Span<'a> {
    bytes: &'a [u8],
    text: Option<&'a str>,
}

impl<'a> Span<'a> {
    fn new(bytes: &'a [u8]) -> Self {
        Span {
            bytes,
            text: simdutf8::basic::from_utf8(bytes).ok(),
        }
    }

    fn of_str(text: &'a str) -> Self {
        Span {
            bytes: text.as_bytes(),
            text: Some(text),
        }
    }

    fn sub(&self, range: std::ops::Range<usize>) -> Span<'a> {
        Span {
            bytes: &self.bytes[range.clone()],
            text: self.text.and_then(|t| t.get(range)),
        }
    }

    /// As text, invalid UTF-8 replaced.
    fn to_str(self) -> Cow<'a, str> {
        match self.text {
            Some(text) => Cow::Borrowed(text),
            None => match simdutf8::basic::from_utf8(self.bytes) {
                Ok(text) => Cow::Borrowed(text),
                Err(_) => String::from_utf8_lossy(self.bytes),
            },
        }
    }
}

/// `type/subtype` and `; name=value` or `; name="value"` parameters, with
/// blanks (and folding) only around the semicolons; `None` for anything
/// else (comments, escapes, RFC 2231 parameters, empty values).
fn parse_content_type(value: Span<'_>) -> Option<ContentType<'_>> {
    let mut p = Cursor {
        bytes: value.bytes,
        text: value.text,
        at: 0,
    };
    p.skip_blanks();
    let c_type = p.token()?;
    p.expect(b'/')?;
    let c_subtype = p.token()?;
    let mut attributes = Vec::new();
    loop {
        p.skip_blanks();
        if p.at_end() {
            break;
        }
        p.expect(b';')?;
        p.skip_blanks();
        if p.at_end() {
            break;
        }
        let name = p.token()?;
        p.expect(b'=')?;
        let value = if p.peek() == Some(b'"') {
            p.quoted()?
        } else {
            p.value()?
        };
        attributes.push(Attribute { name, value });
    }
    Some(ContentType {
        c_type,
        c_subtype: Some(c_subtype),
        attributes: (!attributes.is_empty()).then_some(attributes),
    })
}

struct Cursor<'a> {
    bytes: &'a [u8],
    text: Option<&'a str>,
    at: usize,
}

impl<'a> Cursor<'a> {
    fn peek(&self) -> Option<u8> {
        self.bytes.get(self.at).copied()
    }

    fn at_end(&self) -> bool {
        self.at >= self.bytes.len()
    }

    fn skip_blanks(&mut self) {
        while matches!(self.peek(), Some(b' ' | b'\t' | b'\r' | b'\n')) {
            self.at += 1;
        }
    }

    fn expect(&mut self, byte: u8) -> Option<()> {
        (self.peek() == Some(byte)).then(|| self.at += 1)
    }

    /// Bytes while `keep` holds; `None` when there are none.
    fn run(&mut self, keep: impl Fn(u8) -> bool) -> Option<&'a str> {
        let start = self.at;
        while self.peek().is_some_and(&keep) {
            self.at += 1;
        }
        // Only ASCII is kept, so this cannot fail.
        let run = match self.text {
            Some(text) => text.get(start..self.at),
            None => std::str::from_utf8(&self.bytes[start..self.at]).ok(),
        };
        run.filter(|s| !s.is_empty())
    }

    /// A type, subtype or parameter name, lower-cased as mail-parser does.
    fn token(&mut self) -> Option<Cow<'a, str>> {
        let token = self.run(|b| {
            b.is_ascii_alphanumeric()
                || matches!(
                    b,
                    b'-' | b'.'
                        | b'+'
                        | b'_'
                        | b'!'
                        | b'#'
                        | b'$'
                        | b'%'
                        | b'&'
                        | b'^'
                        | b'`'
                        | b'{'
                        | b'|'
                        | b'}'
                        | b'~'
                )
        })?;
        Some(if token.bytes().any(|b| b.is_ascii_uppercase()) {
            Cow::Owned(token.to_ascii_lowercase())
        } else {
            Cow::Borrowed(token)
        })
    }

    /// An unquoted parameter value.
    fn value(&mut self) -> Option<Cow<'a, str>> {
        self.run(|b| (0x21..=0x7e).contains(&b) && !matches!(b, b'"' | b'\\' | b'(' | b')' | b';'))
            .map(Cow::Borrowed)
    }

    /// A quoted parameter value without escapes or line breaks.
    fn quoted(&mut self) -> Option<Cow<'a, str>> {
        self.expect(b'"')?;
        let value =
            self.run(|b| (b == b'\t' || (0x20..=0x7e).contains(&b)) && b != b'"' && b != b'\\')?;
        self.expect(b'"')?;
        Some(Cow::Borrowed(value))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_delimiter_is_found_first_wherever_candidates_abound() {
        let naive = |haystack: &[u8], needle: &[u8]| {
            haystack.windows(needle.len()).position(|w| w == needle)
        };
        // Fillers that make the pair search's candidates abound: runs of
        // dashes, and near-misses of a boundary of dashes around an `x`.
        let cases = [
            ("----------", "-"),
            ("-----=_x", "-"),
            ("-----x-----", "---x"),
            ("-----x-----", "-------x----"),
            ("abc", "-"),
            ("=_Part_1", "-"),
        ];
        for (boundary, filler) in cases {
            let d = Delimiter::new(boundary.as_bytes());
            for n in [0, 10, 300, 5_000] {
                for tail in ["", "\n", "--", "\n----------=_x--\n", "\n--=_Part_1\n"] {
                    let mut haystack = filler.repeat(n).into_bytes();
                    haystack.extend_from_slice(tail.as_bytes());
                    haystack.extend_from_slice(b"\n--");
                    haystack.extend_from_slice(boundary.as_bytes());
                    haystack.extend_from_slice(b"--\n");
                    assert_eq!(
                        d.find(&haystack),
                        naive(&haystack, &d.needle),
                        "{boundary} after {n} dashes and {tail:?}"
                    );
                }
            }
        }
    }

    #[test]
    fn ascii_charsets_leave_ascii_as_it_is() {
        let ascii: Vec<u8> = (0u8..128).collect();
        let expected = std::str::from_utf8(&ascii).unwrap();
        for name in ASCII_CHARSETS {
            let decoder = charset_decoder(name.as_bytes()).expect(name);
            assert_eq!(decoder(&ascii), expected, "{name}");
            let dashed = name.replace('_', "-").to_uppercase();
            assert!(ascii_transparent(&dashed), "{dashed}");
        }
        assert!(!ascii_transparent("utf-7"));
    }

    #[test]
    fn content_types_of_bounces() {
        let ct = parse_content_type(Span::new(
            b" multipart/report; report-type=delivery-status;\n\tboundary=\"9B09/x=_01\"\n",
        ))
        .unwrap();
        assert_eq!((ct.ctype(), ct.subtype()), ("multipart", Some("report")));
        assert_eq!(ct.attribute("boundary"), Some("9B09/x=_01"));
        assert_eq!(ct.attribute("report-type"), Some("delivery-status"));
        let ct = parse_content_type(Span::new(b" Text/Plain; Charset=US-ASCII\r\n")).unwrap();
        assert_eq!((ct.ctype(), ct.subtype()), ("text", Some("plain")));
        assert_eq!(ct.attribute("charset"), Some("US-ASCII"));
        for odd in [
            &b" text/plain; charset=\"a\\\"b\"\n"[..],
            b" text/plain (comment)\n",
            b" text/plain; name*0=a\n",
            b" text\n",
            b" text/plain; charset=\n",
            b" text/plain; charset=\"\"\n",
            b" text /plain\n",
        ] {
            assert!(
                parse_content_type(Span::new(odd)).is_none(),
                "{}",
                String::from_utf8_lossy(odd)
            );
        }
    }

    #[test]
    fn header_values_as_mail_parser_gives_them() {
        assert_eq!(
            raw_value(Span::new(b" from a\r\n\tby b; Wed, 2 Mar 2011\r\n")),
            HeaderValue::Text("from a\r\n\tby b; Wed, 2 Mar 2011".into())
        );
        assert_eq!(raw_value(Span::new(b" \r\n")), HeaderValue::Empty);
        assert_eq!(
            unstructured(
                Span::new(b" [Fail2Ban] SSH:\n\t banned  192.0.2.1 \n"),
                true
            ),
            HeaderValue::Text("[Fail2Ban] SSH: banned  192.0.2.1".into())
        );
        assert_eq!(unstructured(Span::new(b" x"), false), HeaderValue::Empty);
    }

    #[test]
    fn part_ends_before_the_line_break_of_its_delimiter() {
        let delimiter = Delimiter::new(b"b");
        assert_eq!(part_end(b"ab\r\n--b\n", 0, &delimiter), Some((2, 7)));
        assert_eq!(part_end(b"ab\n--b", 0, &delimiter), Some((2, 6)));
        assert_eq!(part_end(b"ab--b", 0, &delimiter), Some((2, 5)));
        assert_eq!(part_end(b"--b", 0, &delimiter), Some((0, 3)));
        assert_eq!(part_end(b"\n--b", 0, &delimiter), Some((0, 4)));
        assert_eq!(part_end(b"ab", 0, &delimiter), None);
    }

    #[test]
    fn encoded_bodies_are_decoded_by_mail_parsers_decoders() {
        let m = parse(b"Subject: x\nContent-Transfer-Encoding: base64\n\nYWJj\n").unwrap();
        assert_eq!(m.parts[0].body, PartType::Text("abc".into()));
        assert_eq!(m.parts[0].encoding, Encoding::Base64);
        let m = parse(
            b"Subject: x\nContent-Type: multipart/mixed; boundary=b\n\n--b\n\
Content-Transfer-Encoding: quoted-printable\n\na=3Db=\nc\n--b--\n",
        )
        .unwrap();
        assert_eq!(m.parts[1].body, PartType::Text("a=bc".into()));
    }

    #[test]
    fn odd_shapes_are_left_to_mail_parser() {
        for odd in [
            &b"Subject: =?utf-8?q?x?=\n\nbody\n"[..],
            b"Subject x\nFrom: y\n\nbody\n",
            b" Subject: x\n\nbody\n",
            b"Subject: x\nContent-Transfer-Encoding: base64\n\nYWJj\n-- junk\n",
            b"Subject: x\nContent-Type: message/rfc822\n\nSubject: y\n\nz\n",
            b"Subject: x\nContent-Type: multipart/mixed; boundary=b\n\n--b\nContent-Type: multipart/alternative; boundary=c\n\n--c\n\nx\n--c--\n--b--\n",
            b"Subject: x\nContent-Type: multipart/mixed; boundary=b\n\nno delimiter\n",
            b"\nbody\n",
        ] {
            assert!(parse(odd).is_none(), "{}", String::from_utf8_lossy(odd));
        }
    }

    proptest::proptest! {
        /// The delimiter search finds what `memmem` finds, for boundaries
        /// short (searched by a pair of rare bytes) and long.
        #[test]
        fn delimiters_are_found_where_memmem_finds_them(
            boundary in proptest::prop_oneof!["[a=_-]{1,6}", "[a=_-]{79,90}"],
            pieces in proptest::collection::vec("[a=_\\n-]{0,8}", 0..12),
            at in proptest::collection::vec(proptest::bool::ANY, 12),
        ) {
            let delimiter = Delimiter::new(boundary.as_bytes());
            let needle = [&b"--"[..], boundary.as_bytes()].concat();
            let mut haystack = Vec::new();
            for (piece, with) in pieces.iter().zip(&at) {
                haystack.extend_from_slice(piece.as_bytes());
                if *with {
                    haystack.extend_from_slice(&needle[..needle.len() - 1]);
                    haystack.extend_from_slice(&needle);
                }
            }
            for start in 0..=haystack.len() {
                proptest::prop_assert_eq!(
                    delimiter.find(&haystack[start..]),
                    memmem::find(&haystack[start..], &needle)
                );
            }
        }
    }
}
