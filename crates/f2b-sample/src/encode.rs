//! Transfer encodings and line endings the returned copies come in:
//! quoted-printable, base64, CRLF; and mboxrd `>From ` quoting.

use crate::bounces::Copy;

/// A body's `Content-Transfer-Encoding`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Cte {
    /// Left as it is (7bit or 8bit).
    Plain,
    /// Quoted-printable, as Sendmail's 8bit-to-7bit conversion writes it.
    QuotedPrintable,
    /// Base64, as some content filters and gateways rewrite bodies.
    Base64,
    /// Base64 labelled `application/octet-stream`: what some MTAs and clients
    /// made of bodies with undeclared 8-bit text and overlong lines.
    OctetStream,
}

impl Cte {
    /// The manifest's name for it.
    pub fn name(self) -> &'static str {
        match self {
            Cte::Plain => "8bit",
            Cte::QuotedPrintable => "quoted-printable",
            Cte::Base64 => "base64",
            Cte::OctetStream => "octet-stream",
        }
    }
}

/// Quoted-printable (RFC 2045) with soft line breaks at 76 characters.
pub fn quoted_printable(body: &[u8]) -> Vec<u8> {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    let mut out = Vec::with_capacity(body.len() + body.len() / 8);
    let mut col = 0;
    let lines: Vec<&[u8]> = body.split(|&b| b == b'\n').collect();
    let last = lines.len() - 1;
    for (i, line) in lines.iter().enumerate() {
        for (j, &b) in line.iter().enumerate() {
            let trailing_space = (b == b' ' || b == b'\t') && j + 1 == line.len();
            let literal = (b == b' ' || b == b'\t' || (33..=126).contains(&b) && b != b'=')
                && !trailing_space;
            let width = if literal { 1 } else { 3 };
            if col + width > 75 {
                out.extend_from_slice(b"=\n");
                col = 0;
            }
            if literal {
                out.push(b);
            } else {
                out.push(b'=');
                out.push(HEX[usize::from(b >> 4)]);
                out.push(HEX[usize::from(b & 15)]);
            }
            col += width;
        }
        if i != last {
            out.push(b'\n');
            col = 0;
        }
    }
    out
}

/// Base64 (RFC 2045) in lines of 76 characters, ending with a newline.
pub fn base64(body: &[u8]) -> Vec<u8> {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = Vec::with_capacity(body.len() * 4 / 3 + body.len() / 57 + 4);
    for line in body.chunks(57) {
        for chunk in line.chunks(3) {
            let n = chunk.len();
            let b = [
                chunk[0],
                *chunk.get(1).unwrap_or(&0),
                *chunk.get(2).unwrap_or(&0),
            ];
            let v = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
            out.push(ALPHABET[(v >> 18) as usize & 63]);
            out.push(ALPHABET[(v >> 12) as usize & 63]);
            out.push(if n > 1 {
                ALPHABET[(v >> 6) as usize & 63]
            } else {
                b'='
            });
            out.push(if n > 2 {
                ALPHABET[v as usize & 63]
            } else {
                b'='
            });
        }
        out.push(b'\n');
    }
    out
}

/// Encodes the copy's body and declares it in its headers. `charset` names
/// the body's character set (`us-ascii`, `utf-8`, `iso-8859-1`); `note`
/// adds Sendmail's `X-MIME-Autoconverted:` line naming `host`.
pub fn encode_copy(copy: &mut Copy, cte: Cte, charset: &str, note: Option<&str>) {
    if cte == Cte::Plain {
        return;
    }
    copy.body = match cte {
        Cte::QuotedPrintable => quoted_printable(&copy.body),
        _ => base64(&copy.body),
    };
    // Drop headers a mail program already wrote; they are replaced.
    let mut head = String::with_capacity(copy.head.len() + 160);
    for line in copy.head.split_inclusive('\n') {
        let lower = line.to_ascii_lowercase();
        if lower.starts_with("mime-version:")
            || lower.starts_with("content-type:")
            || lower.starts_with("content-transfer-encoding:")
        {
            continue;
        }
        head.push_str(line);
    }
    head.push_str("MIME-Version: 1.0\n");
    if cte == Cte::OctetStream {
        head.push_str("Content-Type: application/octet-stream\n");
        head.push_str("Content-Transfer-Encoding: base64\n");
    } else {
        head.push_str(&format!(
            "Content-Type: text/plain; charset=\"{charset}\"\n"
        ));
        head.push_str(&format!("Content-Transfer-Encoding: {}\n", cte.name()));
    }
    if let Some(host) = note {
        head.push_str(&format!(
            "X-MIME-Autoconverted: from 8bit to {} by {host}\n",
            cte.name()
        ));
    }
    copy.head = head;
}

/// The message with every `\n` turned into `\r\n`.
pub fn to_crlf(message: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(message.len() + message.len() / 30);
    for &b in message {
        if b == b'\n' {
            out.push(b'\r');
        }
        out.push(b);
    }
    out
}

/// mboxrd quoting: every line that starts with `From ` after any number of
/// `>` gets one more `>`.
pub fn mboxrd_quote(message: &[u8], out: &mut Vec<u8>) {
    // "From " is rare: find each one and look back for a line start.
    let mut copied = 0;
    for pos in memchr::memmem::find_iter(message, b"From ") {
        let mut start = pos;
        while start > 0 && message[start - 1] == b'>' {
            start -= 1;
        }
        if start == 0 || message[start - 1] == b'\n' {
            out.extend_from_slice(&message[copied..start]);
            out.push(b'>');
            copied = start;
        }
    }
    out.extend_from_slice(&message[copied..]);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quoted_printable_escapes_eight_bit_and_folds_long_lines() {
        let body = "Stra\u{df}e = 1 \nok".as_bytes();
        let qp = String::from_utf8(quoted_printable(body)).unwrap();
        assert_eq!(qp, "Stra=C3=9Fe =3D 1=20\nok");
        let long = vec![b'a'; 200];
        let folded = String::from_utf8(quoted_printable(&long)).unwrap();
        assert!(folded.lines().all(|l| l.len() <= 76));
        assert_eq!(folded.replace("=\n", ""), "a".repeat(200));
    }

    #[test]
    fn base64_matches_the_rfc_examples() {
        assert_eq!(base64(b"foobar"), b"Zm9vYmFy\n");
        assert_eq!(base64(b"fooba"), b"Zm9vYmE=\n");
        assert_eq!(base64(b"foob"), b"Zm9vYg==\n");
        let long = base64(&[0u8; 100]);
        assert!(long.split(|&b| b == b'\n').all(|l| l.len() <= 76));
    }

    #[test]
    fn mboxrd_quotes_from_lines_at_any_depth() {
        let mut out = Vec::new();
        mboxrd_quote(
            b"Subject: x\n\nFrom here\n>From there\nnot From\nFromage\n",
            &mut out,
        );
        assert_eq!(
            out,
            b"Subject: x\n\n>From here\n>>From there\nnot From\nFromage\n"
        );
    }

    #[test]
    fn crlf_doubles_nothing_but_newlines() {
        assert_eq!(to_crlf(b"a\nb\n"), b"a\r\nb\r\n");
    }
}
