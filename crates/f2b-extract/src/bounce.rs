//! Bounce unwrapping: where is the copy?
//!
//! A message is read into a [`Layer`]: its headers, its texts, what its
//! delivery-status part says, and the copies it carries — each again a layer.
//! Copies are found as `message/rfc822` parts, `text/rfc822-headers` parts,
//! inline after the banner of qmail, Exim, Sendmail and others (indented or
//! `>`-quoted), or, as a last resort, as the "subject of the message" a
//! warning quotes. A bounce of a bounce simply nests one layer deeper.

use std::borrow::Cow;

use mail_parser::decoders::base64::base64_decode;
use mail_parser::{
    Encoding, Header, HeaderName, HeaderValue, Message, MessageParser, MimeHeaders, PartType,
};

use crate::time::{self, LocalTime};
use crate::{fastmime, net, phrases};

/// How deep copies are followed (bounce of a bounce of …).
const MAX_DEPTH: usize = 6;

/// How many MIME parts one message may have before the rest is ignored.
const MAX_PARTS: usize = 2_000;

/// The headers f2b reads from one message (`'a`: the mail it borrows from).
#[derive(Debug, Default, Clone, PartialEq)]
pub struct Headers<'a> {
    /// `Subject:`, decoded.
    pub subject: Option<Cow<'a, str>>,
    /// `Date:`.
    pub date: Option<LocalTime>,
    /// `Message-Id:` without angle brackets' surroundings trimmed of space.
    pub message_id: Option<Cow<'a, str>>,
    /// `Received:` headers, newest (top) first, as written (folded lines included).
    pub received: Vec<Cow<'a, str>>,
    /// `From:` as written.
    pub from: Option<Cow<'a, str>>,
}

/// What a delivery-status part (RFC 3464) says.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct Dsn {
    /// `Reporting-MTA: dns; HOST`.
    pub reporting_mta: Option<String>,
    /// Some recipient has `Action: delayed`.
    pub delayed: bool,
    /// Some recipient has `Action: failed`.
    pub failed: bool,
}

/// One message of the nesting: the bounce, the copy it carries, and so on.
///
/// Texts and `Received:` values borrow from the mail (`'a`) where they can;
/// decoded ones are owned.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct Layer<'a> {
    /// Its headers.
    pub headers: Headers<'a>,
    /// Its body texts in order (text parts, and binary parts read as text).
    pub texts: Vec<Cow<'a, str>>,
    /// Its delivery-status part, if any.
    pub dsn: Option<Dsn>,
    /// The messages it carries.
    pub copies: Vec<Layer<'a>>,
    /// False for a headers-only copy (`text/rfc822-headers`, or a copy cut
    /// before its body).
    pub has_body: bool,
    /// True for a copy pieced together from a bounce's prose ("The subject of
    /// the message is: ...").
    pub quoted: bool,
}

impl Layer<'_> {
    /// The same layer owning all its text.
    pub fn into_owned(self) -> Layer<'static> {
        let owned = |texts: Vec<Cow<'_, str>>| {
            texts
                .into_iter()
                .map(|t| Cow::Owned(t.into_owned()))
                .collect()
        };
        let owned_one = |text: Option<Cow<'_, str>>| text.map(|t| Cow::Owned(t.into_owned()));
        Layer {
            headers: Headers {
                subject: owned_one(self.headers.subject),
                date: self.headers.date,
                message_id: owned_one(self.headers.message_id),
                received: owned(self.headers.received),
                from: owned_one(self.headers.from),
            },
            texts: owned(self.texts),
            dsn: self.dsn,
            copies: self.copies.into_iter().map(Layer::into_owned).collect(),
            has_body: self.has_body,
            quoted: self.quoted,
        }
    }
}

/// Reads mail into layers. One reader per thread; it holds the parser set-up.
///
/// Plainly simple mail is read by [`fastmime`]; everything else by mail-parser.
pub struct Unwrapper {
    parser: MessageParser,
    fast: bool,
}

impl Default for Unwrapper {
    fn default() -> Self {
        Self::new()
    }
}

impl Unwrapper {
    /// A reader that decodes only the headers f2b needs.
    pub fn new() -> Self {
        let parser = MessageParser::new()
            .with_mime_headers()
            .header_text(HeaderName::Subject)
            .header_raw(HeaderName::Date)
            .header_raw(HeaderName::MessageId)
            .header_raw(HeaderName::Received)
            .header_raw(HeaderName::From)
            .default_header_ignore();
        Unwrapper { parser, fast: true }
    }

    /// A reader that sends every message through mail-parser, never the fast
    /// path: what the differential tests compare the fast path with.
    #[doc(hidden)]
    pub fn without_fast_path() -> Self {
        Unwrapper {
            fast: false,
            ..Unwrapper::new()
        }
    }

    /// Parses a message: by the fast path when it is simple enough.
    fn parse<'a>(&self, raw: &'a [u8]) -> Option<Message<'a>> {
        if self.fast {
            if let Some(message) = fastmime::parse(raw) {
                return Some(message);
            }
        }
        self.parser.parse(raw)
    }

    /// Parses a message that is text already (a copy found in a text).
    fn parse_text<'a>(&self, text: &'a str) -> Option<Message<'a>> {
        if self.fast {
            if let Some(message) = fastmime::parse_str(text) {
                return Some(message);
            }
        }
        self.parser.parse(text)
    }

    /// Parses a header block (a headers-only copy).
    fn parse_headers<'a>(&self, text: &'a str) -> Option<Message<'a>> {
        if self.fast {
            if let Some(message) = fastmime::parse_headers(text) {
                return Some(message);
            }
        }
        self.parser.parse_headers(text)
    }

    /// Reads one whole message. `None` when it has no headers at all.
    pub fn read<'a>(&self, raw: &'a [u8]) -> Option<Layer<'a>> {
        if !starts_with_a_header(raw) {
            return None;
        }
        let message = self.parse(raw)?;
        if message.headers().is_empty() {
            return None;
        }
        let mut budget = MAX_PARTS;
        Some(self.layer(&message, 0, &mut budget))
    }

    fn layer<'a>(&self, message: &Message<'a>, depth: usize, budget: &mut usize) -> Layer<'a> {
        let mut layer = Layer {
            headers: headers_of(message.headers(), &message.raw_message),
            has_body: true,
            ..Layer::default()
        };
        for (i, part) in message.parts.iter().enumerate() {
            if *budget == 0 {
                break;
            }
            *budget -= 1;
            // A copy returned as a part of its own without part headers
            // (X1's OpenMail): its header lines follow the boundary and are
            // read as the part's; its body is the part's.
            if i > 0 && depth < MAX_DEPTH && has_message_headers(&part.headers) {
                if let PartType::Text(text) = &part.body {
                    layer.copies.push(Layer {
                        headers: headers_of(&part.headers, &message.raw_message),
                        has_body: !text.trim().is_empty(),
                        texts: vec![reborrow(text)],
                        ..Layer::default()
                    });
                    continue;
                }
            }
            let (ctype, subtype) = match part.content_type() {
                Some(ct) => (
                    lower_case(ct.ctype()),
                    lower_case(ct.subtype().unwrap_or_default()),
                ),
                None => (Cow::Borrowed("text"), Cow::Borrowed("plain")),
            };
            match &part.body {
                PartType::Message(inner) if depth < MAX_DEPTH => {
                    layer.copies.push(self.layer(inner, depth + 1, budget));
                }
                PartType::Message(_) | PartType::Multipart(_) => {}
                PartType::Text(text) | PartType::Html(text) => {
                    // A base64 part with junk after it (a stray boundary) is
                    // left encoded by the parser: decode what is base64.
                    let base64 = part.encoding == Encoding::Base64
                        || part
                            .content_transfer_encoding()
                            .is_some_and(|e| bare_encoding(e).eq_ignore_ascii_case("base64"));
                    let text = if base64 && looks_base64(text) {
                        Cow::Owned(lenient_base64(text))
                    } else {
                        reborrow(text)
                    };
                    self.text_part(&mut layer, &ctype, &subtype, text, depth);
                }
                PartType::Binary(bytes) | PartType::InlineBinary(bytes) => {
                    let text = match bytes {
                        Cow::Borrowed(bytes) => lossy(bytes),
                        Cow::Owned(bytes) => Cow::Owned(lossy(bytes).into_owned()),
                    };
                    self.text_part(&mut layer, &ctype, &subtype, text, depth);
                }
            }
        }
        // A report is what we look for; its own text (whois, log lines) is not searched for copies.
        if layer.copies.is_empty() && depth < MAX_DEPTH && !crate::report::is_report(&layer) {
            self.inline_copies(&mut layer, depth, budget);
        }
        layer
    }

    fn text_part<'a>(
        &self,
        layer: &mut Layer<'a>,
        ctype: &str,
        subtype: &str,
        text: Cow<'a, str>,
        depth: usize,
    ) {
        match (ctype, subtype) {
            ("message", "delivery-status") | ("message", "global-delivery-status") => {
                let dsn = parse_dsn(&text);
                match &mut layer.dsn {
                    Some(d) => {
                        d.delayed |= dsn.delayed;
                        d.failed |= dsn.failed;
                        d.reporting_mta = d.reporting_mta.take().or(dsn.reporting_mta);
                    }
                    None => layer.dsn = Some(dsn),
                }
            }
            (_, "rfc822-headers") | ("message", "global-headers") if depth < MAX_DEPTH => {
                let copy = match &text {
                    Cow::Borrowed(text) => self.headers_copy(text),
                    Cow::Owned(text) => self.headers_copy(text).map(Layer::into_owned),
                };
                layer.copies.extend(copy);
            }
            ("message", "rfc822") | ("message", "global") if depth < MAX_DEPTH => {
                // A message part mail-parser left undecoded (too deeply nested encodings).
                let copy = match &text {
                    Cow::Borrowed(text) => self.message_copy(text, depth),
                    Cow::Owned(text) => self.message_copy(text, depth).map(Layer::into_owned),
                };
                layer.copies.extend(copy);
            }
            ("text", "html") => layer.texts.push(Cow::Owned(html_text(&text))),
            // The copy's headers returned as a text attachment (X6's
            // "mailheaders-….txt"): a part that starts as a message does.
            // A whole copy so returned ("original message.txt") whose body
            // has its own transfer encoding is read as the message it is.
            ("text", "plain") if depth < MAX_DEPTH && starts_as_a_message(&text) => {
                let encoded = encoded_body(&text);
                let copy = match &text {
                    Cow::Borrowed(text) if encoded => self.message_copy(text, depth),
                    Cow::Borrowed(text) => self.headers_copy(text),
                    Cow::Owned(text) if encoded => {
                        self.message_copy(text, depth).map(Layer::into_owned)
                    }
                    Cow::Owned(text) => self.headers_copy(text).map(Layer::into_owned),
                };
                match copy {
                    Some(copy) => layer.copies.push(copy),
                    None => layer.texts.push(text),
                }
            }
            _ => layer.texts.push(text),
        }
    }

    /// The copy in a `text/rfc822-headers` part.
    fn headers_copy<'t>(&self, text: &'t str) -> Option<Layer<'t>> {
        let copy = self.parse_headers(text)?;
        let mut copy = Layer {
            headers: headers_of(copy.headers(), &copy.raw_message),
            has_body: false,
            ..Layer::default()
        };
        // Some MTAs put the start of the body after the headers anyway.
        if let Some(body) = body_after_headers(text) {
            copy.has_body = !body.trim().is_empty();
            copy.texts.push(Cow::Borrowed(body));
        }
        Some(copy)
    }

    /// The copy in a `message/rfc822` part that reached us as text.
    fn message_copy<'t>(&self, text: &'t str, depth: usize) -> Option<Layer<'t>> {
        let inner = self.parse_text(text)?;
        let mut budget = MAX_PARTS;
        Some(self.layer(&inner, depth + 1, &mut budget))
    }

    /// Looks for a copy inside the texts: inline after a banner, or quoted.
    fn inline_copies<'a>(&self, layer: &mut Layer<'a>, depth: usize, budget: &mut usize) {
        let mut found: Option<Layer<'a>> = None;
        for text in &layer.texts {
            let copy = match text {
                Cow::Borrowed(text) => self.inline_copy(text, depth, budget),
                Cow::Owned(text) => self.inline_copy(text, depth, budget).map(Layer::into_owned),
            };
            let Some(copy) = copy else {
                continue;
            };
            // The first copy, unless it is only headers (a notice listing
            // the original's From, Subject and Date) and a later text holds
            // the whole report (an attached original.eml).
            let whole = copy.has_body;
            if found.is_none() || (whole && crate::report::recognize(&copy).is_some()) {
                found = Some(copy);
            }
            if found.as_ref().is_some_and(|f| f.has_body) {
                break;
            }
        }
        if found.is_none() {
            found = quoted_subject(&layer.texts);
        }
        layer.copies.extend(found);
    }

    /// The copy inline in one text, if any.
    fn inline_copy<'t>(
        &self,
        text: &'t str,
        depth: usize,
        budget: &mut usize,
    ) -> Option<Layer<'t>> {
        match find_inline_copy(text)? {
            Cow::Borrowed(copy) => self.copy_layer(copy, depth, budget),
            Cow::Owned(copy) => self.copy_layer(&copy, depth, budget).map(Layer::into_owned),
        }
    }

    /// A copy found inline, read as a message of its own.
    fn copy_layer<'c>(&self, copy: &'c str, depth: usize, budget: &mut usize) -> Option<Layer<'c>> {
        let message = self.parse_text(copy)?;
        if message.headers().is_empty() {
            return None;
        }
        let mut inner = self.layer(&message, depth + 1, budget);
        inner.has_body = body_after_headers(copy).is_some_and(|b| !b.trim().is_empty());
        Some(inner)
    }
}

/// A `Cow` with the lifetime of what it borrows (the mail), not of the reference.
fn reborrow<'a>(text: &Cow<'a, str>) -> Cow<'a, str> {
    match text {
        Cow::Borrowed(text) => Cow::Borrowed(text),
        Cow::Owned(text) => Cow::Owned(text.clone()),
    }
}

/// `text` in ASCII lower case, copied only when it is not already.
fn lower_case(text: &str) -> Cow<'_, str> {
    if text.bytes().any(|b| b.is_ascii_uppercase()) {
        Cow::Owned(text.to_ascii_lowercase())
    } else {
        Cow::Borrowed(text)
    }
}

/// Bytes as text, invalid UTF-8 replaced (checked the fast way first:
/// simdutf8 gives std's answer several times faster).
fn lossy(bytes: &[u8]) -> Cow<'_, str> {
    match simdutf8::basic::from_utf8(bytes) {
        Ok(text) => Cow::Borrowed(text),
        Err(_) => String::from_utf8_lossy(bytes),
    }
}

/// The headers f2b uses, from a parsed header list.
fn headers_of<'a>(headers: &[Header<'a>], raw: &[u8]) -> Headers<'a> {
    let mut out = Headers::default();
    for header in headers {
        if header.name == HeaderName::Subject
            && header.value == HeaderValue::Empty
            && out.subject.is_none()
        {
            out.subject = cut_subject(header, raw).map(Cow::Owned);
            continue;
        }
        let value = match &header.value {
            HeaderValue::Text(t) => t,
            HeaderValue::TextList(list) => match list.first() {
                Some(t) => t,
                None => continue,
            },
            _ => continue,
        };
        let text = value.as_ref();
        // Folded, borrowing from the mail where the value does.
        let folded = || match value {
            Cow::Borrowed(text) => fold(text),
            Cow::Owned(text) => Cow::Owned(fold(text).into_owned()),
        };
        match header.name {
            HeaderName::Subject if out.subject.is_none() => out.subject = Some(folded()),
            HeaderName::Date if out.date.is_none() => out.date = time::parse(text),
            HeaderName::MessageId if out.message_id.is_none() => {
                let id = folded();
                if !id.is_empty() {
                    out.message_id = Some(id);
                }
            }
            HeaderName::Received => out.received.push(reborrow(value)),
            HeaderName::From if out.from.is_none() => out.from = Some(folded()),
            _ => {}
        }
    }
    out
}

/// True when `text` starts with a header block that is a message's: a
/// header field first, and a Subject, Message-Id, Received or From among the
/// fields before the first blank line.
fn starts_as_a_message(text: &str) -> bool {
    if !starts_with_a_header(text.as_bytes()) {
        return false;
    }
    header_fields(text).any(|(name, _)| {
        ["subject", "message-id", "received", "from"]
            .iter()
            .any(|n| name.eq_ignore_ascii_case(n))
    })
}

/// The `name: value` lines of the header block at the start of `text` (up
/// to its first blank line), each name without the spaces before its colon.
fn header_fields(text: &str) -> impl Iterator<Item = (&str, &str)> {
    text.lines()
        .take_while(|l| !l.trim().is_empty())
        .filter_map(|l| l.split_once(':'))
        .map(|(name, value)| (name.trim_end(), value))
}

/// A `Content-Transfer-Encoding` value without the comment RFC 2045 allows
/// after it (`BASE64 (generated)` is `BASE64`).
pub(crate) fn bare_encoding(value: &str) -> &str {
    value.split('(').next().unwrap_or_default().trim()
}

/// True when the headers at the start of `text` give its body a base64 or
/// quoted-printable transfer encoding, and a body follows them (a list of
/// headers alone may name its message's encoding).
fn encoded_body(text: &str) -> bool {
    body_after_headers(text).is_some_and(|b| !b.trim().is_empty())
        && header_fields(text).any(|(name, value)| {
            let value = bare_encoding(value);
            name.eq_ignore_ascii_case("content-transfer-encoding")
                && (value.eq_ignore_ascii_case("base64")
                    || value.eq_ignore_ascii_case("quoted-printable"))
        })
}

/// True when part headers are a message's rather than a MIME part's: they
/// hold a Subject, Message-Id, Received or From.
fn has_message_headers(headers: &[Header<'_>]) -> bool {
    headers.iter().any(|h| {
        matches!(
            h.name,
            HeaderName::Subject | HeaderName::MessageId | HeaderName::Received | HeaderName::From
        )
    })
}

/// The text of an HTML part as prose, as a browser shows it: white space
/// (line breaks of the source too) collapsed to one space outside `<pre>`,
/// tags dropped (those that break a line become one line break), `<style>`
/// and `<script>` content dropped, the common named and every numeric
/// entity decoded (a no-break space as a space that stays). Enough for the sentences
/// f2b reads (`after <b>9</b> attempts`, `<td>[Fail2Ban] …</td>`, a
/// sentence the source wraps, header lines one per `<br>`).
fn html_text(html: &str) -> String {
    const BREAKS: [&str; 12] = [
        "br",
        "p",
        "div",
        "tr",
        "li",
        "table",
        "h1",
        "h2",
        "h3",
        "h4",
        "pre",
        "blockquote",
    ];
    let mut out = String::with_capacity(html.len());
    // Inside <pre>, the source's white space is the text's.
    let mut pre = false;
    let push_text = |out: &mut String, text: &str, pre: bool| {
        if pre {
            out.push_str(text);
            return;
        }
        for c in text.chars() {
            if c.is_ascii_whitespace() {
                // One space between words; none at the start of a line.
                if !out.is_empty() && !out.ends_with([' ', '\n']) {
                    out.push(' ');
                }
            } else {
                out.push(c);
            }
        }
    };
    let mut rest = html;
    while let Some(open) = rest.find(['<', '&']) {
        push_text(&mut out, &rest[..open], pre);
        rest = &rest[open..];
        if rest.starts_with('<') {
            let Some(close) = rest.find('>') else {
                rest = "";
                break;
            };
            let tag = &rest[1..close];
            let closing = tag.starts_with('/');
            let name = tag
                .trim_start_matches('/')
                .split(|c: char| c.is_whitespace() || c == '/')
                .next()
                .unwrap_or("");
            rest = &rest[close + 1..];
            if !closing
                && !tag.ends_with('/')
                && (name.eq_ignore_ascii_case("style") || name.eq_ignore_ascii_case("script"))
            {
                // Up to its closing tag: CSS and code are not prose. (Without
                // one, nothing is dropped: `<style/>` or a stray tag.)
                if let Some(end) = find_ascii_ci(rest, &format!("</{name}")) {
                    rest = &rest[end..];
                }
                continue;
            }
            if name.eq_ignore_ascii_case("pre") {
                pre = !closing;
            }
            if BREAKS.iter().any(|b| name.eq_ignore_ascii_case(b)) {
                if out.ends_with(' ') {
                    out.pop();
                }
                out.push('\n');
            }
        } else {
            match html_entity(rest) {
                Some((c, len)) => {
                    let mut buf = [0u8; 4];
                    // A no-break space does not collapse (it indents a
                    // header's continuation line in an HTML NDR).
                    let c = if c == '\u{a0}' { ' ' } else { c };
                    out.push_str(c.encode_utf8(&mut buf));
                    rest = &rest[len..];
                }
                None => {
                    out.push('&');
                    rest = &rest[1..];
                }
            }
        }
    }
    push_text(&mut out, rest, pre);
    out
}

/// The character of the HTML entity `text` starts with (`&amp;`, `&#160;`,
/// `&#xA0;`) and the entity's length; `None` for anything else.
fn html_entity(text: &str) -> Option<(char, usize)> {
    const NAMED: [(&str, char); 6] = [
        ("&nbsp;", '\u{a0}'),
        ("&amp;", '&'),
        ("&lt;", '<'),
        ("&gt;", '>'),
        ("&quot;", '"'),
        ("&apos;", '\''),
    ];
    if let Some(&(e, c)) = NAMED.iter().find(|(e, _)| {
        text.get(..e.len())
            .is_some_and(|t| t.eq_ignore_ascii_case(e))
    }) {
        return Some((c, e.len()));
    }
    let digits = text.strip_prefix("&#")?;
    let (radix, digits, skip) = match digits.strip_prefix(['x', 'X']) {
        Some(hex) => (16, hex, 3),
        None => (10, digits, 2),
    };
    // The `;` within the longest reference (7 digits): never a search of
    // the rest of the text, which made a text of `&#` quadratic.
    let n = digits
        .bytes()
        .take(8)
        .position(|b| b == b';')
        .filter(|&n| n >= 1)?;
    let number = &digits[..n];
    if !number.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    let c = u32::from_str_radix(number, radix)
        .ok()
        .and_then(char::from_u32)
        .filter(|&c| c != '\0')?;
    Some((c, skip + n + 1))
}

/// The text of a Subject cut off by the end of its message before its line
/// break (a copy cut short, the last header before a MIME boundary), which
/// mail-parser reads as empty: read again from the raw bytes, with the line
/// break added.
fn cut_subject(header: &Header<'_>, raw: &[u8]) -> Option<String> {
    let value = raw.get(header.offset_start as usize..header.offset_end as usize)?;
    if value.iter().all(u8::is_ascii_whitespace) {
        return None;
    }
    let mut line = b"Subject:".to_vec();
    line.extend_from_slice(value);
    line.extend_from_slice(b"\n\n");
    let parsed = mail_parser::MessageParser::new().parse(&line)?;
    let subject = parsed.subject()?;
    Some(fold(subject).into_owned())
}

/// True when the text still reads as base64 (its first line is all base64).
fn looks_base64(text: &str) -> bool {
    let first = text.lines().find(|l| !l.trim().is_empty()).unwrap_or("");
    first.len() >= 16 && first.trim_end().bytes().all(is_base64_byte)
}

fn is_base64_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'+' | b'/' | b'=')
}

/// Decodes the leading run of base64 lines, ignoring what follows them.
fn lenient_base64(text: &str) -> String {
    let mut encoded = Vec::with_capacity(text.len());
    for line in text.lines() {
        let line = line.trim();
        if line.is_empty() || !line.bytes().all(is_base64_byte) {
            if encoded.is_empty() {
                continue;
            }
            break;
        }
        encoded.extend_from_slice(line.as_bytes());
    }
    // Drop a partial last quantum rather than the whole text.
    encoded.truncate(encoded.len() / 4 * 4);
    match base64_decode(&encoded) {
        Some(bytes) => String::from_utf8_lossy(&bytes).into_owned(),
        None => text.to_string(),
    }
}

/// Folds runs of white space (header continuation lines) into one space;
/// borrows the text when it is folded already.
pub fn fold(text: &str) -> Cow<'_, str> {
    if !text.is_ascii() {
        let mut out = String::with_capacity(text.len());
        for word in text.split_whitespace() {
            if !out.is_empty() {
                out.push(' ');
            }
            out.push_str(word);
        }
        return Cow::Owned(out);
    }
    // ASCII (nearly every header): the same, byte by byte. The ASCII
    // characters that `char::is_whitespace` knows:
    let blank = |b: u8| matches!(b, b' ' | b'\t' | b'\n' | b'\x0b' | b'\x0c' | b'\r');
    let bytes = text.as_bytes();
    // Most values are folded already: single spaces between words, none
    // around. The blanks other than space are the bytes 9 to 13; the pairs
    // are looked at without an early exit, which the compiler vectorises.
    let other_blank = |b: u8| b.wrapping_sub(9) < 5;
    let next = bytes.get(1..).unwrap_or_default();
    let odd_pairs = bytes.iter().zip(next).fold(0u8, |odd, (&a, &b)| {
        odd | u8::from(other_blank(b) | (a == b' ' && b == b' '))
    });
    let folded = odd_pairs == 0
        && bytes.first().is_none_or(|&b| !blank(b))
        && bytes.last().is_none_or(|&b| !blank(b));
    if folded {
        return Cow::Borrowed(text);
    }
    let mut out = Vec::with_capacity(text.len());
    let mut space = false;
    for &b in bytes {
        if blank(b) {
            space = !out.is_empty();
        } else {
            if space {
                out.push(b' ');
                space = false;
            }
            out.push(b);
        }
    }
    Cow::Owned(String::from_utf8(out).unwrap_or_default())
}

fn parse_dsn(text: &str) -> Dsn {
    let mut dsn = Dsn::default();
    let bytes = text.as_bytes();
    let mut start = 0;
    // Line by line (a CR before the LF is trimmed with the value).
    while start < bytes.len() {
        let end = memchr::memchr(b'\n', &bytes[start..]).map_or(bytes.len(), |i| start + i);
        let line = &text[start..end];
        start = end + 1;
        let Some(colon) = line.bytes().position(|b| b == b':') else {
            continue;
        };
        let value = line[colon + 1..].trim();
        let name = line[..colon].trim();
        if name.eq_ignore_ascii_case("reporting-mta") && dsn.reporting_mta.is_none() {
            let host = value.rsplit(';').next().unwrap_or(value).trim();
            dsn.reporting_mta = host.split_whitespace().next().and_then(net::host_name);
        } else if name.eq_ignore_ascii_case("action") {
            let starts = |word: &str| {
                value
                    .as_bytes()
                    .get(..word.len())
                    .is_some_and(|head| head.eq_ignore_ascii_case(word.as_bytes()))
            };
            dsn.delayed |= starts("delayed");
            dsn.failed |= starts("failed");
        }
    }
    dsn
}

/// The text after the blank line that ends a header block.
fn body_after_headers(text: &str) -> Option<&str> {
    let bytes = text.as_bytes();
    let mut start = 0;
    while start < bytes.len() {
        let end = memchr::memchr(b'\n', &bytes[start..]).map_or(bytes.len(), |i| start + i + 1);
        if bytes[start..end].iter().all(|&b| b == b'\r' || b == b'\n') {
            return Some(&text[end..]);
        }
        start = end;
    }
    None
}

// Lines that announce a copy of the original message in a plain-text bounce.
phrases!(
    COPY_MARKERS,
    [
        "below this line is a copy of the message",
        "this is a copy of the message",
        "original message follows",
        "unsent message follows",
        "returned mail follows",
        "returned message follows",
        "message text follows",
        "undelivered message follows",
        "original message header",
        "headers of the original message",
        "copy of the original message",
        "original message ----",
        "forwarded message",
        "rfc822 message follows",
        "text of the message follows",
    ]
);

/// Header names that start a copied header block.
const COPY_HEADERS: &[&str] = &[
    "received",
    "return-path",
    "subject",
    "from",
    "to",
    "date",
    "message-id",
    "mime-version",
    "content-type",
    "delivered-to",
    "sender",
    "reply-to",
    "x-original-to",
    "envelope-to",
    "content-transfer-encoding",
    "cc",
    "user-agent",
    "x-mailer",
];

/// Finds a copied message in a plain-text bounce: the header block after a
/// banner line, or any block of at least two header lines that names a
/// Received, Subject, From, Date or Message-Id. Indentation and `>` quoting
/// common to the block are removed (only then is the copy copied).
pub fn find_inline_copy(text: &str) -> Option<Cow<'_, str>> {
    let start = COPY_MARKERS
        .first(text)
        .map(|(_, i)| i + text[i..].find('\n').unwrap_or(text.len() - i))
        .unwrap_or(0);
    let mut lines = line_offsets(&text[start..]);
    while let Some((offset, line)) = lines.next() {
        let Some((prefix, name)) = header_line(line) else {
            continue;
        };
        if !COPY_HEADERS.iter().any(|h| h.eq_ignore_ascii_case(name)) {
            continue;
        }
        // The next lines with the same prefix must be headers or continuations.
        let mut headers = 1;
        let mut key = is_key_header(name);
        for (_, next) in lines.clone() {
            let Some(rest) = next.strip_prefix(prefix) else {
                break;
            };
            if rest.starts_with([' ', '\t']) && !rest.trim().is_empty() {
                continue;
            }
            match header_line(next) {
                Some((p, name)) if p == prefix => {
                    headers += 1;
                    key |= is_key_header(name);
                }
                _ => break,
            }
            if headers >= 2 && key {
                return Some(unquote(&text[start + offset..], prefix));
            }
        }
    }
    None
}

fn is_key_header(name: &str) -> bool {
    ["received", "subject", "from", "date", "message-id"]
        .iter()
        .any(|h| h.eq_ignore_ascii_case(name))
}

/// `(prefix, name)` of a header line, where the prefix is the quoting or
/// indentation before the name.
fn header_line(line: &str) -> Option<(&str, &str)> {
    let body = line.trim_start_matches(['>', ' ', '\t']);
    let prefix = &line[..line.len() - body.len()];
    let colon = memchr::memchr(b':', body.as_bytes()).filter(|&c| c <= 40)?;
    let name = &body[..colon];
    let valid = !name.is_empty()
        && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
        && name.as_bytes()[0].is_ascii_alphabetic();
    valid.then_some((prefix, name))
}

fn unquote<'t>(text: &'t str, prefix: &str) -> Cow<'t, str> {
    if prefix.is_empty() {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len());
    let trimmed = prefix.trim_end();
    for line in text.split_inclusive('\n') {
        let rest = line
            .strip_prefix(prefix)
            .or_else(|| line.strip_prefix(trimmed))
            .unwrap_or(line);
        out.push_str(rest);
    }
    Cow::Owned(out)
}

fn line_offsets(text: &str) -> impl Iterator<Item = (usize, &str)> + Clone {
    let mut offset = 0;
    text.split_inclusive('\n').map(move |line| {
        let start = offset;
        offset += line.len();
        (start, line.trim_end_matches(['\r', '\n']))
    })
}

/// Case-insensitive search for an ASCII needle.
pub fn find_ascii_ci(haystack: &str, needle: &str) -> Option<usize> {
    let (h, n) = (haystack.as_bytes(), needle.as_bytes());
    let (k, lower, upper, last) = candidates(h, n)?;
    // Candidates come in order, so the first that matches is the leftmost.
    let mut i = k;
    while i <= last {
        let at = i + memchr::memchr2(lower, upper, &h[i..=last])?;
        let start = at - k;
        if h[start..start + n.len()].eq_ignore_ascii_case(n) {
            return Some(start);
        }
        i = at + 1;
    }
    None
}

/// [`find_ascii_ci`] for the last match (the rightmost start).
pub fn rfind_ascii_ci(haystack: &str, needle: &str) -> Option<usize> {
    let (h, n) = (haystack.as_bytes(), needle.as_bytes());
    let (k, lower, upper, last) = candidates(h, n)?;
    // From the right: the first that matches is the rightmost.
    let mut end = last + 1;
    while end > k {
        let at = k + memchr::memrchr2(lower, upper, &h[k..end])?;
        let start = at - k;
        if h[start..start + n.len()].eq_ignore_ascii_case(n) {
            return Some(start);
        }
        end = at;
    }
    None
}

/// How a case-insensitive search looks for candidates: by the needle's
/// rarest byte (in mail text), at `k` in the needle, in either case; that
/// byte of a match lies in `h[k..=last]`. `None` when nothing can match.
fn candidates(h: &[u8], n: &[u8]) -> Option<(usize, u8, u8, usize)> {
    if n.is_empty() || h.len() < n.len() {
        return None;
    }
    let mut k = 0;
    for (i, &b) in n.iter().enumerate() {
        if commonness(b) < commonness(n[k]) {
            k = i;
        }
    }
    let b = n[k];
    Some((
        k,
        b.to_ascii_lowercase(),
        b.to_ascii_uppercase(),
        h.len() - n.len() + k,
    ))
}

/// How common a byte is in mail text (English letter frequencies; blanks
/// most common, digits and punctuation rather rare): lower is rarer.
fn commonness(b: u8) -> u8 {
    const TABLE: [u8; 256] = {
        const LETTERS: &[u8; 26] = b"zqxjkvbpygfwmucldrhsnioate";
        let mut table = [5u8; 256];
        table[b' ' as usize] = 40;
        let mut i = 0;
        while i < 26 {
            table[LETTERS[i] as usize] = 10 + i as u8;
            table[LETTERS[i].to_ascii_uppercase() as usize] = 10 + i as u8;
            i += 1;
        }
        table
    };
    TABLE[usize::from(b)]
}

/// A copy pieced together from a bounce that only quotes the subject (Exim
/// delay warnings: "The subject of the message is: ..."; Exchange and Notes:
/// "Subject: ..." in prose).
fn quoted_subject(texts: &[Cow<'_, str>]) -> Option<Layer<'static>> {
    for text in texts {
        if !crate::scan::TAG.any(text) {
            continue;
        }
        let lines: Vec<&str> = text.lines().collect();
        for (i, line) in lines.iter().enumerate() {
            let Some(tag) = crate::report::find_tag(line).map(|t| t.start) else {
                continue;
            };
            // The subject ends the line, or a quotation or markup around it
            // (`The message "[Fail2Ban] …" that you sent`, `<td>…</td>`).
            let end = line[tag..]
                .find([
                    '"', '<', '&', '\u{201c}', '\u{201d}', '\u{bb}', '\u{300d}', '\u{300f}',
                ])
                .map_or(line.len(), |e| tag + e);
            let subject = Cow::Owned(fold(&line[tag..end]).into_owned());
            let date = lines
                .iter()
                .skip(i.saturating_sub(3))
                .take(7)
                .find_map(|l| {
                    // The labels of the report's date in the MTAs' prose, in
                    // the languages of their templates (ASCII case ignored).
                    const SENTENCES: [&str; 3] = [
                        "date of the message is:",
                        "la date du message est :",
                        "das datum der nachricht lautet:",
                    ];
                    const LABELS: [&str; 10] = [
                        "date:",
                        "sent:",
                        "gesendet:",
                        "envoyé :",
                        "envoyé:",
                        "inviato:",
                        "enviado:",
                        "verzonden:",
                        "wysłano:",
                        "отправлено:",
                    ];
                    // Unicode's lower case where it keeps the byte offsets
                    // (`Отправлено:`, `ENVOYÉ :`), else ASCII's.
                    let lower = Some(l.to_lowercase())
                        .filter(|u| u.len() == l.len())
                        .unwrap_or_else(|| l.to_ascii_lowercase());
                    let at = SENTENCES
                        .iter()
                        .find_map(|s| lower.find(s).map(|p| p + s.len()))
                        .or_else(|| {
                            let t = lower.trim_start();
                            LABELS
                                .iter()
                                .find(|label| t.starts_with(*label))
                                .map(|label| lower.len() - t.len() + label.len())
                        })?;
                    time::parse(l.get(at..)?)
                });
            return Some(Layer {
                headers: Headers {
                    subject: Some(subject),
                    date,
                    ..Headers::default()
                },
                has_body: false,
                quoted: true,
                ..Layer::default()
            });
        }
    }
    None
}

/// True when `raw` starts as mail does, with a header field: a name of
/// printable ASCII then a colon (after blank lines or a UTF-8 byte-order
/// mark). Random bytes may hold something a lenient parser takes for a
/// header further on; they are not mail.
pub(crate) fn starts_with_a_header(raw: &[u8]) -> bool {
    let raw = raw.strip_prefix(b"\xef\xbb\xbf").unwrap_or(raw);
    let start = raw
        .iter()
        .position(|&b| b != b'\r' && b != b'\n')
        .unwrap_or(raw.len());
    let line = &raw[start..];
    let name = line
        .iter()
        .position(|&b| !(33..=126).contains(&b) || b == b':')
        .unwrap_or(line.len());
    let rest = &line[name..];
    let after_space = rest
        .iter()
        .position(|&b| b != b' ' && b != b'\t')
        .unwrap_or(rest.len());
    name > 0 && rest.get(after_space) == Some(&b':')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn html_parts_read_as_prose() {
        assert_eq!(
            html_text("<p>The IP <b>192.0.2.1</b> has just been banned by Fail2Ban after <b>9</b>&nbsp;attempts against <i>ssh</i>.</p><br/>Regards &amp; bye"),
            "\nThe IP 192.0.2.1 has just been banned by Fail2Ban after 9 attempts against ssh.\n\nRegards & bye"
        );
        assert_eq!(
            html_text("<td>[Fail2Ban] SSH: banned 192.0.2.2</td></tr>"),
            "[Fail2Ban] SSH: banned 192.0.2.2\n"
        );
        assert_eq!(html_text("a < b &unknown; <unclosed"), "a ");
        assert_eq!(html_text("x &unknown; y"), "x &unknown; y");
        // The source's line breaks and runs of blanks are one space, as a
        // browser shows them; a line break tag ends the line once.
        assert_eq!(
            html_text("banned by\n  Fail2Ban after&#160;7&#xA0;attempts<br>\nRegards"),
            "banned by Fail2Ban after 7 attempts\nRegards"
        );
        // A no-break space stays (it indents a continuation line); <pre>
        // keeps its white space; style and script are not prose.
        assert_eq!(
            html_text("Received: x<br>\n&nbsp;by y<br>\n<pre>a\n  b</pre><style>p {}</style>&#64;"),
            "Received: x\n by y\n\na\n  b\n@"
        );
        // A self-closing or unclosed <style> drops nothing.
        assert_eq!(
            html_text("<style/>banned by <style>Fail2Ban"),
            "banned by Fail2Ban"
        );
        // A reference is 1 to 7 digits and its `;`: anything else stays text.
        assert_eq!(
            html_text("&#12345678; &#+65; &#x; &#65"),
            "&#12345678; &#+65; &#x; &#65"
        );
        assert_eq!(html_entity("&#65;x"), Some(('A', 5)));
    }

    #[test]
    fn mail_starts_with_a_header_field() {
        for raw in [
            &b"Return-Path: <>\n"[..],
            b"\r\n\nReceived: from a by b\n",
            b"\xef\xbb\xbfSubject: x\n",
            b"X-Odd_Name! : y\n",
        ] {
            assert!(starts_with_a_header(raw), "{raw:?}");
        }
        for raw in [
            &b""[..],
            b": no name\n",
            b"no colon on this line\nSubject: x\n",
            b"\x7c\x80\x98\x0c: binary\n",
            b"two words: not a field name\n",
        ] {
            assert!(!starts_with_a_header(raw), "{raw:?}");
        }
    }

    #[test]
    fn inline_copy_after_qmail_banner() {
        let text = "Hi. This is the qmail-send program at x.\nSorry.\n\n--- Below this line is a copy of the message.\n\nReceived: (qmail 1 invoked by uid 0); 1 Mar 2011\nSubject: [Fail2Ban] SSH: banned 192.0.2.1\n\nbody\n";
        let copy = find_inline_copy(text).unwrap();
        assert!(copy.starts_with("Received: (qmail"), "{copy}");
    }

    #[test]
    fn quoted_and_indented_copies_are_unquoted() {
        let text = "Failed.\n\n> Subject: [Fail2Ban] SSH: banned 192.0.2.1\n> From: Fail2Ban <a@b>\n>\n> The IP 192.0.2.1 has\n";
        let copy = find_inline_copy(text).unwrap();
        assert_eq!(copy, "Subject: [Fail2Ban] SSH: banned 192.0.2.1\nFrom: Fail2Ban <a@b>\n\nThe IP 192.0.2.1 has\n");
        let text = "Failed.\n\n   Subject: x\n   Date: Wed, 2 Mar 2011 16:12:06 +0000\n\n   body\n";
        assert!(find_inline_copy(text)
            .unwrap()
            .starts_with("Subject: x\nDate:"));
    }

    #[test]
    fn prose_is_not_a_copy() {
        assert_eq!(
            find_inline_copy("Note: this is prose.\nReason: none\n"),
            None
        );
    }

    #[test]
    fn case_insensitive_search() {
        assert_eq!(find_ascii_ci("abc [FAIL2BAN] x", "[fail2ban]"), Some(4));
        assert_eq!(find_ascii_ci("ab", "abc"), None);
        assert_eq!(find_ascii_ci("ééé [Fail2Ban]", "[fail2ban]"), Some(7));
        assert_eq!(find_ascii_ci("xAGAINST against", " against "), None);
        assert_eq!(find_ascii_ci("xAGAINST AGAINST y", " against "), Some(8));
        assert_eq!(find_ascii_ci("gg", "g"), Some(0));
        assert_eq!(find_ascii_ci("ab-g", "-g"), Some(2));
        assert_eq!(find_ascii_ci("a jail x", "the jail "), None);
    }

    /// The fold of a text as `str` methods define it.
    fn fold_reference(text: &str) -> String {
        text.split_whitespace().collect::<Vec<_>>().join(" ")
    }

    /// `parse_dsn` as it read lines before (`lines`, `split_once`).
    fn parse_dsn_reference(text: &str) -> Dsn {
        let mut dsn = Dsn::default();
        for line in text.lines() {
            let Some((name, value)) = line.split_once(':') else {
                continue;
            };
            let (name, value) = (name.trim(), value.trim());
            if name.eq_ignore_ascii_case("reporting-mta") && dsn.reporting_mta.is_none() {
                let host = value.rsplit(';').next().unwrap_or(value).trim();
                dsn.reporting_mta = host.split_whitespace().next().and_then(net::host_name);
            } else if name.eq_ignore_ascii_case("action") {
                let starts = |word: &str| {
                    value
                        .as_bytes()
                        .get(..word.len())
                        .is_some_and(|head| head.eq_ignore_ascii_case(word.as_bytes()))
                };
                dsn.delayed |= starts("delayed");
                dsn.failed |= starts("failed");
            }
        }
        dsn
    }

    proptest::proptest! {
        #[test]
        fn folding_joins_the_words_with_single_spaces(
            text in proptest::prop_oneof![
                "[ab ]{0,12}",
                "[a-c \\t\\n\\r\\x0b\\x0c\\x1f.é\\u{a0}\\u{2003}]{0,40}",
            ]
        ) {
            proptest::prop_assert_eq!(fold(&text), fold_reference(&text));
        }

        #[test]
        fn delivery_status_lines_are_read_as_before(
            lines in proptest::collection::vec(
                "[ \\t]{0,2}(Reporting-MTA|action|ACTION|X-Other|Action)[ \\t]{0,2}(:|)[ \\t]{0,2}(dns; mx.example.org|failed|delayed|Delayed (x)|x: y|)[ \\t\\r\\u{a0}]{0,2}",
                0..6,
            ),
            ending in "(\\n|\\r\\n|)",
        ) {
            let text = lines.join("\n") + &ending;
            proptest::prop_assert_eq!(parse_dsn(&text), parse_dsn_reference(&text));
        }
    }

    /// Every match of an ASCII needle, any case, by the definition.
    fn matches_ci(haystack: &str, needle: &str) -> Vec<usize> {
        let (h, n) = (haystack.as_bytes(), needle.as_bytes());
        (0..h.len())
            .filter(|&i| {
                !n.is_empty()
                    && h.get(i..i + n.len())
                        .is_some_and(|w| w.eq_ignore_ascii_case(n))
            })
            .collect()
    }

    proptest::proptest! {
        #[test]
        fn case_insensitive_search_finds_the_first_and_last_match(
            haystack in "[abAB: é]{0,24}",
            needle in "[abAB: ]{0,3}",
        ) {
            let all = matches_ci(&haystack, &needle);
            proptest::prop_assert_eq!(find_ascii_ci(&haystack, &needle), all.first().copied());
            proptest::prop_assert_eq!(rfind_ascii_ci(&haystack, &needle), all.last().copied());
        }
    }
}
