//! Opening inputs and reading them line by line.
//!
//! `-` is stdin; anything else is a file. Gzip is recognised by its magic bytes
//! (not by the file name), so `.gz` files, gzip on stdin and concatenated gzip
//! members are all read transparently.

use std::fs::File;
use std::io::{self, BufRead, BufReader, Read};
use std::path::Path;

use flate2::bufread::MultiGzDecoder;

use crate::error::{Error, Result};

/// Buffer size of every input reader: large reads, few system calls.
pub const BUFFER_SIZE: usize = 256 * 1024;

/// The longest line a reader hands over; longer lines are reported, not buffered.
pub const MAX_LINE: usize = 64 * 1024 * 1024;

/// The UTF-8 byte order mark, skipped at the start of a line-based input.
const UTF8_BOM: &[u8] = b"\xef\xbb\xbf";

/// One opened input: its display name and a buffered reader of its (decompressed) bytes.
pub struct Input {
    /// How messages name this input: the path as given, or `stdin`.
    pub name: String,
    /// The decompressed bytes.
    pub reader: Box<dyn BufRead + Send>,
}

/// The first bytes of a gzip stream.
pub const GZIP_MAGIC: [u8; 2] = [0x1f, 0x8b];

impl Input {
    /// Opens `path` (`-` is stdin), decompressing gzip transparently.
    pub fn open(path: &Path) -> Result<Input> {
        if path.as_os_str() == "-" {
            return Self::from_reader("stdin".to_string(), io::stdin());
        }
        let name = path.display().to_string();
        let file = File::open(path).map_err(|e| Error::io(format!("cannot open {name}"), e))?;
        Self::from_reader(name, file)
    }

    /// Wraps any reader, decompressing it when it starts with the gzip magic.
    pub fn from_reader(name: String, reader: impl Read + Send + 'static) -> Result<Input> {
        let mut buffered = BufReader::with_capacity(BUFFER_SIZE, reader);
        let head = buffered
            .fill_buf()
            .map_err(|e| Error::io(format!("cannot read {name}"), e))?;
        if let Some(format) = other_compression(head) {
            return Err(Error::data(format!(
                "{name}: compressed with {format}, which f2b does not read (gzip only): decompress it first"
            )));
        }
        let reader: Box<dyn BufRead + Send> = if head.starts_with(&GZIP_MAGIC) {
            Box::new(BufReader::with_capacity(
                BUFFER_SIZE,
                MultiGzDecoder::new(buffered),
            ))
        } else {
            Box::new(buffered)
        };
        Ok(Input { name, reader })
    }

    /// Every (decompressed) byte of the input, at most `limit` of them: a
    /// data file read whole (an .mmdb). More is an error naming the input
    /// and `what` it should be.
    pub fn read_all(self, limit: u64, what: &str) -> Result<Vec<u8>> {
        let name = self.name;
        let mut bytes = Vec::new();
        self.reader
            .take(limit + 1)
            .read_to_end(&mut bytes)
            .map_err(|e| Error::io(format!("cannot read {name}"), e))?;
        if bytes.len() as u64 > limit {
            return Err(Error::data(format!(
                "{name}: more than {} MiB, more than any {what}",
                limit >> 20
            )));
        }
        Ok(bytes)
    }

    /// Turns this input into a line reader.
    pub fn lines(self) -> LineReader {
        LineReader::new(self.name, self.reader)
    }
}

/// The compression format other than gzip that `head` starts with, by its
/// magic bytes: a file that would otherwise be read as text and give only
/// confusing errors (or one unreadable message).
fn other_compression(head: &[u8]) -> Option<&'static str> {
    if head.starts_with(&[0xfd, b'7', b'z', b'X', b'Z', 0x00]) {
        Some("xz")
    } else if head.starts_with(&[0x28, 0xb5, 0x2f, 0xfd]) {
        Some("zstd")
    } else if head.len() >= 10
        && head.starts_with(b"BZh")
        && (b'1'..=b'9').contains(&head[3])
        && (head[4..10] == *b"1AY&SY" || head[4..10] == [0x17, 0x72, 0x45, 0x38, 0x50, 0x90])
    {
        Some("bzip2")
    } else {
        None
    }
}

/// The paths to read: the given ones, or stdin when none are given.
pub fn paths_or_stdin(files: &[std::path::PathBuf]) -> Vec<std::path::PathBuf> {
    if files.is_empty() {
        vec!["-".into()]
    } else {
        files.to_vec()
    }
}

/// A line handed out by [`LineReader`].
pub enum Line<'a> {
    /// A line without its terminator (`\n` or `\r\n`).
    Text(&'a [u8]),
    /// A line longer than the limit; its bytes were skipped, `len` counts them.
    TooLong {
        /// Length of the skipped line in bytes.
        len: u64,
    },
}

/// A line without its `\n` or `\r\n`.
fn trim_line_end(line: &[u8]) -> &[u8] {
    let line = line.strip_suffix(b"\n").unwrap_or(line);
    line.strip_suffix(b"\r").unwrap_or(line)
}

/// Reads lines with their numbers and byte offsets, never buffering more than
/// [`MAX_LINE`] bytes of one line.
pub struct LineReader {
    name: String,
    reader: Box<dyn BufRead + Send>,
    buf: Vec<u8>,
    /// Bytes of the line last returned in place, consumed at the next call.
    pending: usize,
    line_no: u64,
    offset: u64,
    line_start: u64,
    max_line: usize,
}

impl LineReader {
    /// A reader of `reader`, named `name` in messages.
    pub fn new(name: String, reader: Box<dyn BufRead + Send>) -> Self {
        LineReader {
            name,
            reader,
            buf: Vec::with_capacity(4096),
            pending: 0,
            line_no: 0,
            offset: 0,
            line_start: 0,
            max_line: MAX_LINE,
        }
    }

    /// Sets a lower line-length limit (used by tests).
    pub fn with_max_line(mut self, max_line: usize) -> Self {
        self.max_line = max_line;
        self
    }

    /// The input's display name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Number of the line last returned (1-based).
    pub fn line_no(&self) -> u64 {
        self.line_no
    }

    /// Byte offset (in the decompressed stream) where the last returned line starts.
    pub fn line_offset(&self) -> u64 {
        self.line_start
    }

    /// The next line, or `None` at the end of the input.
    pub fn next_line(&mut self) -> Result<Option<Line<'_>>> {
        self.reader.consume(std::mem::take(&mut self.pending));
        if self.offset == 0 {
            self.skip_bom()?;
        }
        self.buf.clear();
        self.line_start = self.offset;
        // The common case: the whole line is in the read buffer, and is handed
        // out in place (consumed at the next call), without a copy.
        let whole = loop {
            match self.reader.fill_buf() {
                Ok(chunk) => break memchr::memchr(b'\n', chunk).map(|i| i + 1),
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(self.read_error(e)),
            }
        };
        if let Some(take) = whole.filter(|&take| take <= self.max_line) {
            // The buffer is filled, so this only hands it out again.
            let chunk = match self.reader.fill_buf() {
                Ok(chunk) => chunk,
                Err(e) => return Err(read_error(&self.name, self.line_no, self.offset, e)),
            };
            self.pending = take;
            self.offset += take as u64;
            self.line_no += 1;
            let line = trim_line_end(chunk.get(..take).unwrap_or_default());
            return Ok(Some(Line::Text(line)));
        }
        let mut too_long = false;
        let mut skipped: u64 = 0;
        loop {
            let chunk = match self.reader.fill_buf() {
                Ok(chunk) => chunk,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(self.read_error(e)),
            };
            if chunk.is_empty() {
                break;
            }
            let (take, done) = match memchr::memchr(b'\n', chunk) {
                Some(i) => (i + 1, true),
                None => (chunk.len(), false),
            };
            if too_long || self.buf.len() + take > self.max_line {
                too_long = true;
                skipped += take as u64;
                skipped += std::mem::take(&mut self.buf).len() as u64;
            } else {
                self.buf.extend_from_slice(&chunk[..take]);
            }
            self.reader.consume(take);
            self.offset += take as u64;
            if done {
                break;
            }
        }
        if self.offset == self.line_start {
            return Ok(None);
        }
        self.line_no += 1;
        if too_long {
            return Ok(Some(Line::TooLong { len: skipped }));
        }
        Ok(Some(Line::Text(trim_line_end(&self.buf))))
    }

    /// Up to `max` lines (at least one) at once, for loops that work on
    /// several records together: the complete lines already in the read
    /// buffer, handed out in place (consumed at the next call), or else the
    /// one next line as [`LineReader::next_line`] gives it. Empty at the end
    /// of the input.
    pub fn next_lines(&mut self, max: usize) -> Result<Vec<Line<'_>>> {
        self.reader.consume(std::mem::take(&mut self.pending));
        if self.offset == 0 {
            self.skip_bom()?;
        }
        let first = loop {
            match self.reader.fill_buf() {
                Ok(chunk) => break memchr::memchr(b'\n', chunk).map(|i| i + 1),
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(self.read_error(e)),
            }
        };
        let Some(mut end) = first.filter(|&n| n <= self.max_line && max > 0) else {
            return Ok(self.next_line()?.into_iter().collect());
        };
        // The buffer is filled, so this only hands it out again.
        let chunk = match self.reader.fill_buf() {
            Ok(chunk) => chunk,
            Err(e) => return Err(read_error(&self.name, self.line_no, self.offset, e)),
        };
        let mut lines = Vec::with_capacity(max);
        let mut start = 0;
        loop {
            lines.push(Line::Text(trim_line_end(
                chunk.get(start..end).unwrap_or_default(),
            )));
            self.line_start = self.offset + start as u64;
            start = end;
            if lines.len() == max {
                break;
            }
            match chunk
                .get(start..)
                .and_then(|rest| memchr::memchr(b'\n', rest))
            {
                Some(i) if i < self.max_line => end = start + i + 1,
                _ => break,
            }
        }
        self.pending = start;
        self.offset += start as u64;
        self.line_no += lines.len() as u64;
        Ok(lines)
    }

    /// Skips a UTF-8 byte order mark at the very start of the input (some
    /// Windows editors write one): it is not part of the first line. Byte
    /// offsets still count it.
    fn skip_bom(&mut self) -> Result<()> {
        let chunk = loop {
            match self.reader.fill_buf() {
                Ok(chunk) => break chunk,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(self.read_error(e)),
            }
        };
        if chunk.starts_with(UTF8_BOM) {
            self.reader.consume(UTF8_BOM.len());
            self.offset = UTF8_BOM.len() as u64;
        }
        Ok(())
    }

    fn read_error(&self, e: io::Error) -> Error {
        read_error(&self.name, self.line_no, self.offset, e)
    }
}

/// The error of a failed read after line `line_no`, at byte `offset`.
fn read_error(name: &str, line_no: u64, offset: u64, e: io::Error) -> Error {
    let what = if e.kind() == io::ErrorKind::UnexpectedEof {
        "truncated or corrupt compressed data"
    } else {
        "read error"
    };
    Error::io(
        format!("{name}: line {}, byte {offset}: {what}", line_no + 1),
        e,
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn reader(bytes: &[u8]) -> LineReader {
        Input::from_reader("t".into(), io::Cursor::new(bytes.to_vec()))
            .unwrap()
            .lines()
    }

    fn texts(mut r: LineReader) -> Vec<String> {
        let mut out = Vec::new();
        while let Some(line) = r.next_line().unwrap() {
            match line {
                Line::Text(t) => out.push(String::from_utf8_lossy(t).into_owned()),
                Line::TooLong { len } => out.push(format!("<{len}>")),
            }
        }
        out
    }

    #[test]
    fn lines_strip_lf_and_crlf_and_keep_a_last_line_without_newline() {
        assert_eq!(texts(reader(b"a\r\nb\n\nc")), ["a", "b", "", "c"]);
    }

    /// [`texts`] read with [`LineReader::next_lines`], `max` at a time.
    fn texts_in_batches(mut r: LineReader, max: usize) -> Vec<String> {
        let mut out = Vec::new();
        loop {
            let lines = r.next_lines(max).unwrap();
            if lines.is_empty() {
                return out;
            }
            assert!(lines.len() <= max.max(1));
            for line in lines {
                match line {
                    Line::Text(t) => out.push(String::from_utf8_lossy(t).into_owned()),
                    Line::TooLong { len } => out.push(format!("<{len}>")),
                }
            }
        }
    }

    #[test]
    fn lines_in_batches_are_the_lines_one_by_one() {
        let mut input = b"a\r\nb\n\nc\n".to_vec();
        input.extend(std::iter::repeat_n(b'z', 100));
        input.extend(b"\nnext\nlast");
        let expected = texts(reader(&input).with_max_line(10));
        assert_eq!(expected, ["a", "b", "", "c", "<101>", "next", "last"]);
        for max in [0, 1, 2, 3, 100] {
            let got = texts_in_batches(reader(&input).with_max_line(10), max);
            assert_eq!(got, expected, "batches of {max}");
        }
    }

    #[test]
    fn a_byte_order_mark_at_the_start_is_skipped_and_counted_in_offsets() {
        let input = b"\xef\xbb\xbf{\"a\":1}\n\xef\xbb\xbf{\"a\":2}\n";
        let mut r = reader(input);
        assert!(matches!(
            r.next_line().unwrap(),
            Some(Line::Text(b"{\"a\":1}"))
        ));
        assert_eq!(r.line_offset(), 3);
        // Only at the very start: anywhere else it belongs to the line.
        assert_eq!(texts(reader(input))[1].as_bytes(), b"\xef\xbb\xbf{\"a\":2}");
        assert_eq!(texts_in_batches(reader(input), 4), texts(reader(input)));
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        gz.write_all(input).unwrap();
        assert_eq!(texts(reader(&gz.finish().unwrap()))[0], "{\"a\":1}");
        assert_eq!(texts(reader(b"\xef\xbb\xbf")), Vec::<String>::new());
    }

    #[test]
    fn gzip_is_recognised_by_magic() {
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        gz.write_all(b"x\ny\n").unwrap();
        let bytes = gz.finish().unwrap();
        assert_eq!(texts(reader(&bytes)), ["x", "y"]);
    }

    #[test]
    fn other_compression_formats_are_named_not_read_as_text() {
        // The first bytes of `printf 'hello\n' | bzip2` (and `xz`, `zstd`).
        let bzip2 = b"BZh91AY&SY\xc1\xc0\x80\xe2\x00\x00\x01\x41";
        let xz = b"\xfd7zXZ\x00\x00\x04\xe6\xd6\xb4\x46";
        let zstd = b"\x28\xb5\x2f\xfd\x04\x58\x31\x00\x00hello";
        for (bytes, format) in [(&bzip2[..], "bzip2"), (&xz[..], "xz"), (&zstd[..], "zstd")] {
            let err = Input::from_reader("t.mbox".into(), io::Cursor::new(bytes.to_vec()))
                .err()
                .expect("an error");
            assert!(
                err.to_string()
                    .contains(&format!("t.mbox: compressed with {format}")),
                "{err}"
            );
        }
        // Text that merely starts like a magic number is text.
        assert_eq!(texts(reader(b"BZh9 is not bzip2\n")), ["BZh9 is not bzip2"]);
    }

    #[test]
    fn too_long_lines_are_skipped_whole_and_counted() {
        let mut input = b"ok\n".to_vec();
        input.extend(std::iter::repeat_n(b'z', 100));
        input.extend(b"\nnext\n");
        let r = reader(&input).with_max_line(10);
        assert_eq!(texts(r), ["ok", "<101>", "next"]);
    }

    #[test]
    fn truncated_gzip_is_an_error_naming_the_input() {
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        for i in 0..10_000 {
            writeln!(gz, "line {i}").unwrap();
        }
        let bytes = gz.finish().unwrap();
        let mut r = reader(&bytes[..bytes.len() / 2]);
        let err = loop {
            match r.next_line() {
                Ok(Some(_)) => continue,
                Ok(None) => panic!("truncated gzip read to the end without an error"),
                Err(e) => break e,
            }
        };
        let msg = err.to_string();
        assert!(msg.starts_with("t: line "), "{msg}");
        assert!(msg.contains("truncated"), "{msg}");
    }
}
