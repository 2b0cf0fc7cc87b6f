//! Buffered output where a record is written whole or not at all.

use std::fs::File;
use std::io::{self, IsTerminal, Write};
use std::path::{Path, PathBuf};

use crate::error::{Error, Result};

/// Bytes collected before they are handed to the operating system.
const FLUSH_AT: usize = 256 * 1024;

/// The output of a stage: stdout or `-o FILE`.
///
/// Records are appended to an in-memory buffer, which is written out only at
/// record boundaries, so a reader never sees half a record from us. On a
/// terminal every record is flushed at once; otherwise output is block-buffered.
pub struct RecordWriter {
    name: String,
    sink: Box<dyn Write + Send>,
    buf: Vec<u8>,
    flush_at: usize,
    written: u64,
    /// Bytes of `buf` that are whole records.
    whole: usize,
}

impl RecordWriter {
    /// Opens `path` for writing, or stdout when `None` or `-`.
    pub fn create(path: Option<&Path>) -> Result<RecordWriter> {
        match path {
            Some(p) if p.as_os_str() != "-" => {
                let name = p.display().to_string();
                let file = File::create(p)
                    .map_err(|e| Error::io(format!("cannot create output {name}"), e))?;
                Ok(Self::new(name, Box::new(file), FLUSH_AT))
            }
            _ => {
                let stdout = io::stdout();
                let flush_at = if stdout.is_terminal() { 0 } else { FLUSH_AT };
                Ok(Self::new("stdout".into(), Box::new(stdout), flush_at))
            }
        }
    }

    /// A writer over any sink (used by tests and by stages writing to memory).
    pub fn new(name: String, sink: Box<dyn Write + Send>, flush_at: usize) -> RecordWriter {
        RecordWriter {
            name,
            sink,
            buf: Vec::with_capacity(FLUSH_AT + 4096),
            flush_at,
            written: 0,
            whole: 0,
        }
    }

    /// The buffer to append one whole record to; call [`RecordWriter::end_record`] after.
    pub fn buffer(&mut self) -> &mut Vec<u8> {
        &mut self.buf
    }

    /// Marks the end of a record appended to [`RecordWriter::buffer`].
    pub fn end_record(&mut self) -> Result<()> {
        self.written += 1;
        self.whole = self.buf.len();
        if self.buf.len() > self.flush_at {
            self.flush_buffer()?;
        }
        Ok(())
    }

    /// Writes one record, which must end with a newline.
    pub fn write_record(&mut self, record: &[u8]) -> Result<()> {
        self.buf.extend_from_slice(record);
        self.end_record()
    }

    /// Records written so far.
    pub fn records(&self) -> u64 {
        self.written
    }

    /// Writes out everything buffered and flushes the sink.
    pub fn finish(&mut self) -> Result<()> {
        self.flush_buffer()?;
        let name = &self.name;
        self.sink
            .flush()
            .map_err(|e| Error::output(format!("cannot write {name}"), e))
    }

    fn flush_buffer(&mut self) -> Result<()> {
        if self.buf.is_empty() {
            return Ok(());
        }
        let result = self.sink.write_all(&self.buf);
        self.buf.clear();
        self.whole = 0;
        result.map_err(|e| Error::output(format!("cannot write {}", self.name), e))
    }
}

/// A run that stops on an error (bad input, a truncated file) still writes
/// the whole records it made before: they are valid, and the error names
/// where the input stopped. A record being built when it stopped is dropped.
impl Drop for RecordWriter {
    fn drop(&mut self) {
        if self.whole > 0 {
            let _ = self.sink.write_all(&self.buf[..self.whole]);
        }
        let _ = self.sink.flush();
    }
}

/// Where rejected input goes with `--rejects FILE`: one NDJSON line per item.
pub struct Rejects {
    writer: Option<RecordWriter>,
    line: Vec<u8>,
}

impl Rejects {
    /// Opens the rejects file, or a no-op when `path` is `None`.
    pub fn create(path: Option<&PathBuf>) -> Result<Rejects> {
        let writer = match path {
            Some(p) => Some(RecordWriter::create(Some(p))?),
            None => None,
        };
        Ok(Rejects {
            writer,
            line: Vec::new(),
        })
    }

    /// True when rejects are kept.
    pub fn enabled(&self) -> bool {
        self.writer.is_some()
    }

    /// Writes one reject, a JSON object.
    pub fn write<T: serde::Serialize>(&mut self, reject: &T) -> Result<()> {
        if let Some(w) = &mut self.writer {
            self.line.clear();
            serde_json::to_writer(&mut self.line, reject)
                .map_err(|e| Error::data(format!("cannot encode a reject: {e}")))?;
            self.line.push(b'\n');
            w.write_record(&self.line)?;
        }
        Ok(())
    }

    /// Flushes the rejects file.
    pub fn finish(&mut self) -> Result<()> {
        match &mut self.writer {
            Some(w) => w.finish(),
            None => Ok(()),
        }
    }
}

/// Appends `ip` as its `Display` text (the dotted quad) without the
/// formatting machinery: records carry one or two addresses each.
pub fn push_ipv4(out: &mut String, ip: std::net::Ipv4Addr) {
    for (i, octet) in ip.octets().into_iter().enumerate() {
        if i > 0 {
            out.push('.');
        }
        if octet >= 100 {
            out.push(char::from(b'0' + octet / 100));
        }
        if octet >= 10 {
            out.push(char::from(b'0' + octet / 10 % 10));
        }
        out.push(char::from(b'0' + octet % 10));
    }
}

/// Appends `text` as a JSON string, escaped as `serde_json` escapes it: `\"`
/// and `\\`, the short escapes `\b \f \n \r \t`, other control characters as
/// `\u00xx` (lower-case hex); everything else, DEL and non-ASCII included, as
/// it is. Plain text (the common case) is one copy.
pub fn push_json_str(out: &mut Vec<u8>, text: &str) {
    let bytes = text.as_bytes();
    out.push(b'"');
    if crate::scan::plain(bytes) {
        out.extend_from_slice(bytes);
    } else {
        for &b in bytes {
            match b {
                b'"' => out.extend_from_slice(b"\\\""),
                b'\\' => out.extend_from_slice(b"\\\\"),
                0x08 => out.extend_from_slice(b"\\b"),
                0x0c => out.extend_from_slice(b"\\f"),
                b'\n' => out.extend_from_slice(b"\\n"),
                b'\r' => out.extend_from_slice(b"\\r"),
                b'\t' => out.extend_from_slice(b"\\t"),
                0..=0x1f => {
                    const HEX: &[u8; 16] = b"0123456789abcdef";
                    out.extend_from_slice(b"\\u00");
                    out.push(HEX[usize::from(b >> 4)]);
                    out.push(HEX[usize::from(b & 0xf)]);
                }
                _ => out.push(b),
            }
        }
    }
    out.push(b'"');
}

/// Appends the decimal digits of `n` (the JSON and CSV text of an unsigned
/// number) without the formatting machinery.
pub fn push_decimal(out: &mut Vec<u8>, mut n: u64) {
    let mut digits = [0u8; 20];
    let mut i = digits.len();
    loop {
        i -= 1;
        digits[i] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    out.extend_from_slice(&digits[i..]);
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every ASCII character and the non-ASCII ones JSON writers treat
    /// specially (or might), alone, between letters and in pairs.
    #[test]
    fn json_strings_are_escaped_as_serde_json_escapes_them() {
        let same = |text: &str| {
            let mut ours = Vec::new();
            push_json_str(&mut ours, text);
            assert_eq!(
                String::from_utf8_lossy(&ours),
                serde_json::to_string(text).unwrap(),
                "{text:?}"
            );
        };
        let mut chars: Vec<char> = (0u8..=0x7f).map(char::from).collect();
        chars.extend([
            '\u{80}', '\u{9f}', 'é', '\u{2028}', '\u{2029}', '\u{fffd}', '\u{feff}',
        ]);
        chars.extend(['\u{10ffff}', '😀']);
        for &a in &chars {
            same(&a.to_string());
            same(&format!("x{a}y"));
            for &b in &chars {
                same(&format!("{a}{b}"));
            }
        }
        // Long enough for the sixteen-byte blocks of the plain-text check.
        same(&format!("{}\"{}\u{1}", "a".repeat(17), "b".repeat(40)));
    }
    use std::sync::{Arc, Mutex};

    #[derive(Clone, Default)]
    struct Chunks(Arc<Mutex<Vec<Vec<u8>>>>);
    impl Write for Chunks {
        fn write(&mut self, b: &[u8]) -> io::Result<usize> {
            self.0.lock().unwrap().push(b.to_vec());
            Ok(b.len())
        }
        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn a_writer_dropped_on_an_error_writes_its_whole_records_only() {
        let chunks = Chunks::default();
        let mut w = RecordWriter::new("t".into(), Box::new(chunks.clone()), 1 << 20);
        w.write_record(b"{\"n\":1}\n").unwrap();
        w.write_record(b"{\"n\":2}\n").unwrap();
        w.buffer().extend_from_slice(b"{\"n\":3,"); // the run stops here
        drop(w);
        assert_eq!(chunks.0.lock().unwrap().concat(), b"{\"n\":1}\n{\"n\":2}\n");
    }

    #[test]
    fn every_write_ends_at_a_record_boundary() {
        let chunks = Chunks::default();
        let mut w = RecordWriter::new("t".into(), Box::new(chunks.clone()), 10);
        for i in 0..100 {
            w.write_record(format!("{{\"n\":{i}}}\n").as_bytes())
                .unwrap();
        }
        w.finish().unwrap();
        let chunks = chunks.0.lock().unwrap();
        assert!(chunks.len() > 1);
        assert!(chunks.iter().all(|c| c.ends_with(b"\n")));
        assert_eq!(chunks.concat().split(|&b| b == b'\n').count(), 101);
    }

    #[test]
    fn a_full_device_is_an_error_not_a_broken_pipe() {
        struct Full;
        impl Write for Full {
            fn write(&mut self, _: &[u8]) -> io::Result<usize> {
                Err(io::Error::from_raw_os_error(28))
            }
            fn flush(&mut self) -> io::Result<()> {
                Ok(())
            }
        }
        let mut w = RecordWriter::new("out".into(), Box::new(Full), 0);
        let err = w.write_record(b"{}\n").unwrap_err();
        assert!(!err.is_broken_pipe());
        assert!(err.to_string().starts_with("cannot write out"), "{err}");
    }
}
