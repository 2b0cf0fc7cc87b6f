//! Buffered output where a record is written whole or not at all.

use std::fs::File;
use std::io::{self, IsTerminal, Seek, Write};
use std::path::{Path, PathBuf};

use crate::error::{Error, Result};

/// Bytes collected before they are handed to the operating system.
const FLUSH_AT: usize = 256 * 1024;

/// Where the bytes go. A regular file is kept as a [`File`] so that a write
/// that fails part-way can be cut back to the last whole record.
enum Sink {
    File(File),
    Other(Box<dyn Write + Send>),
}

impl Sink {
    fn writer(&mut self) -> &mut dyn Write {
        match self {
            Sink::File(file) => file,
            Sink::Other(other) => other,
        }
    }
}

/// The output of a stage: stdout or `-o FILE`.
///
/// Records are appended to an in-memory buffer, which is written out only at
/// record boundaries, so a reader never sees half a record from us. On a
/// terminal every record is flushed at once; otherwise output is block-buffered.
/// When a write fails part-way (a full disk), a regular file is cut back to
/// its last whole record, and nothing more is written.
pub struct RecordWriter {
    name: String,
    sink: Sink,
    /// Writing stdout, where a closed pipe ends the run quietly (SPEC §2);
    /// on any other output it is an error.
    stdout: bool,
    buf: Vec<u8>,
    /// Where each whole record of `buf` ends.
    ends: Vec<usize>,
    flush_at: usize,
    written: u64,
    /// A write failed: the output ends at its last whole record, and stays so.
    failed: bool,
}

impl RecordWriter {
    /// Opens `path` for writing, or stdout when `None` or `-`.
    pub fn create(path: Option<&Path>) -> Result<RecordWriter> {
        match path {
            Some(p) if p.as_os_str() != "-" => {
                let name = p.display().to_string();
                let file = File::create(p)
                    .map_err(|e| Error::io(format!("cannot create output {name}"), e))?;
                let sink = if file.metadata().is_ok_and(|m| m.is_file()) {
                    Sink::File(file)
                } else {
                    Sink::Other(Box::new(file))
                };
                Ok(Self::with_sink(name, sink, FLUSH_AT, false))
            }
            _ => {
                let stdout = io::stdout();
                if let Some(file) = stdout_file() {
                    return Ok(Self::with_sink(
                        "stdout".into(),
                        Sink::File(file),
                        FLUSH_AT,
                        true,
                    ));
                }
                let flush_at = if stdout.is_terminal() { 0 } else { FLUSH_AT };
                let sink = Sink::Other(Box::new(stdout));
                Ok(Self::with_sink("stdout".into(), sink, flush_at, true))
            }
        }
    }

    /// A writer over any sink (used by tests and by stages writing to memory).
    pub fn new(name: String, sink: Box<dyn Write + Send>, flush_at: usize) -> RecordWriter {
        Self::with_sink(name, Sink::Other(sink), flush_at, false)
    }

    fn with_sink(name: String, sink: Sink, flush_at: usize, stdout: bool) -> RecordWriter {
        RecordWriter {
            name,
            sink,
            stdout,
            buf: Vec::with_capacity(FLUSH_AT + 4096),
            ends: Vec::new(),
            flush_at,
            written: 0,
            failed: false,
        }
    }

    /// The buffer to append one whole record to; call [`RecordWriter::end_record`] after.
    pub fn buffer(&mut self) -> &mut Vec<u8> {
        &mut self.buf
    }

    /// Marks the end of a record appended to [`RecordWriter::buffer`].
    pub fn end_record(&mut self) -> Result<()> {
        self.written += 1;
        self.ends.push(self.buf.len());
        if self.buf.len() > self.flush_at || self.failed {
            self.flush_buffer()?;
        }
        Ok(())
    }

    /// Writes one record, which must end with a newline.
    pub fn write_record(&mut self, record: &[u8]) -> Result<()> {
        self.buf.extend_from_slice(record);
        self.end_record()
    }

    /// Records written so far: those handed over, less those a failed write
    /// did not get out whole.
    pub fn records(&self) -> u64 {
        self.written
    }

    /// Writes out every whole record buffered and flushes the sink; a record
    /// begun in [`RecordWriter::buffer`] but not ended is dropped.
    pub fn finish(&mut self) -> Result<()> {
        self.flush_buffer()?;
        let flushed = self.sink.writer().flush();
        flushed.map_err(|e| self.error(e))
    }

    fn flush_buffer(&mut self) -> Result<()> {
        let result = if self.failed {
            // Nothing goes out after a failed write.
            self.written -= self.ends.len() as u64;
            Err(self.error(io::Error::other("an earlier write failed")))
        } else {
            self.write_whole()
        };
        self.buf.clear();
        self.ends.clear();
        result
    }

    /// Writes the whole records of `buf`. When the sink takes only part of
    /// them, the bytes after its last whole record are taken back (a regular
    /// file is cut there), and the records not out whole are not counted.
    fn write_whole(&mut self) -> Result<()> {
        let whole = self.ends.last().copied().unwrap_or(0);
        let mut done = 0;
        let failure = loop {
            if done == whole {
                return Ok(());
            }
            match self.sink.writer().write(&self.buf[done..whole]) {
                Ok(0) => break io::Error::from(io::ErrorKind::WriteZero),
                Ok(n) => done += n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => break e,
            }
        };
        self.failed = true;
        let out = self.ends.partition_point(|&end| end <= done);
        self.written -= (self.ends.len() - out) as u64;
        let kept = out.checked_sub(1).map_or(0, |i| self.ends[i]);
        if let Sink::File(file) = &mut self.sink {
            // Best effort: if the file cannot be cut, the error still stops the run.
            let half = (done - kept) as u64;
            // The offset goes back with the end: a later writer on the same
            // open file (`{ …; echo; } > out`) must not leave a hole of NULs.
            if let Ok(end) = file.stream_position() {
                let cut = end.saturating_sub(half);
                if file.set_len(cut).is_ok() {
                    let _ = file.seek(io::SeekFrom::Start(cut));
                }
            }
        }
        Err(self.error(failure))
    }

    /// The error of a failed write: a closed stdout is a quiet end, a closed
    /// pipe given as `-o FILE` or `--rejects FILE` is not.
    fn error(&self, e: io::Error) -> Error {
        let context = format!("cannot write {}", self.name);
        if self.stdout {
            Error::output(context, e)
        } else {
            Error::io(context, e)
        }
    }
}

/// Stdout as a [`File`] when it is a regular file (`> out.ndjson`), so that
/// a full disk leaves it at a record boundary as with `-o FILE`.
#[cfg(unix)]
fn stdout_file() -> Option<File> {
    use std::os::fd::AsFd;
    let file = File::from(io::stdout().as_fd().try_clone_to_owned().ok()?);
    file.metadata().ok()?.is_file().then_some(file)
}

#[cfg(not(unix))]
fn stdout_file() -> Option<File> {
    None
}

/// A run that stops on an error (bad input, a truncated file) still writes
/// the whole records it made before: they are valid, and the error names
/// where the input stopped. A record being built when it stopped is dropped.
impl Drop for RecordWriter {
    fn drop(&mut self) {
        if !self.failed {
            let _ = self.write_whole();
        }
        let _ = self.sink.writer().flush();
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

    /// A sink that takes `room` bytes, then fails as a full disk does.
    struct FillsUp {
        taken: Chunks,
        room: usize,
    }
    impl Write for FillsUp {
        fn write(&mut self, b: &[u8]) -> io::Result<usize> {
            if self.room == 0 {
                return Err(io::Error::from_raw_os_error(28));
            }
            let n = b.len().min(self.room);
            self.room -= n;
            self.taken.write(&b[..n])
        }
        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn a_write_failing_part_way_counts_only_the_records_out_whole() {
        let taken = Chunks::default();
        let sink = FillsUp {
            taken: taken.clone(),
            room: 20,
        };
        let mut w = RecordWriter::new("out".into(), Box::new(sink), 1 << 20);
        for i in 0..5 {
            w.write_record(format!("{{\"n\":{i}}}\n").as_bytes())
                .unwrap();
        }
        assert_eq!(w.records(), 5);
        let err = w.finish().unwrap_err();
        assert!(err.to_string().starts_with("cannot write out: "), "{err}");
        // 20 bytes reached the sink: two whole records of 8 bytes and half one.
        assert_eq!(w.records(), 2);
        // Nothing more goes out, from a later record or from the drop.
        w.write_record(b"{}\n").unwrap_err();
        drop(w);
        assert_eq!(taken.0.lock().unwrap().concat().len(), 20);
    }

    /// With `F2B_TEST_FULL_FILE` set, this test is the child of
    /// [`a_file_on_a_full_disk_is_cut_back_to_its_last_whole_record`]: it
    /// writes that file under a file size limit of one 512-byte block or two.
    #[test]
    #[cfg(unix)]
    fn a_file_on_a_full_disk_is_cut_back_to_its_last_whole_record() {
        let record = |i: usize| format!("{{\"n\":{i:05}}}\n"); // 12 bytes
        if let Some(path) = std::env::var_os("F2B_TEST_FULL_FILE") {
            let mut w = RecordWriter::create(Some(Path::new(&path))).unwrap();
            for i in 0..1000 {
                w.write_record(record(i).as_bytes()).unwrap();
            }
            let err = w.finish().unwrap_err();
            assert!(err.to_string().contains("File too large"), "{err}");
            let len = std::fs::metadata(&path).unwrap().len();
            assert_eq!(len, w.records() * 12);
            return;
        }
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("out.ndjson");
        // A file size limit fails a write part-way as a full disk does
        // (SIGXFSZ ignored, the write returns EFBIG).
        let child = std::process::Command::new("sh")
            .args(["-c", "trap '' XFSZ; ulimit -f 1 && exec \"$0\" \"$@\""])
            .arg(std::env::current_exe().unwrap())
            .args(["--exact", "--nocapture"])
            .arg("output::tests::a_file_on_a_full_disk_is_cut_back_to_its_last_whole_record")
            .env("F2B_TEST_FULL_FILE", &path)
            .output()
            .unwrap();
        assert!(
            child.status.success() && String::from_utf8_lossy(&child.stdout).contains("1 passed"),
            "{}",
            String::from_utf8_lossy(&child.stdout)
        );
        let written = std::fs::read(&path).unwrap();
        assert!(!written.is_empty() && written.len() < 12_000);
        let expected: String = (0..written.len() / 12).map(record).collect();
        assert_eq!(String::from_utf8_lossy(&written), expected);
    }

    #[test]
    #[cfg(unix)]
    fn a_closed_rejects_pipe_is_an_error_naming_it_not_a_quiet_end() {
        let dir = tempfile::tempdir().unwrap();
        let fifo = dir.path().join("rejects.fifo");
        let made = std::process::Command::new("mkfifo").arg(&fifo).status();
        assert!(made.unwrap().success());
        // A reader that goes away at once.
        let reader = {
            let fifo = fifo.clone();
            std::thread::spawn(move || drop(File::open(fifo).unwrap()))
        };
        let mut rejects = Rejects::create(Some(&fifo)).unwrap();
        reader.join().unwrap();
        let err = (0..100_000)
            .map(|line| rejects.write(&serde_json::json!({ "line": line })))
            .find_map(Result::err)
            .or_else(|| rejects.finish().err())
            .expect("an error");
        assert!(!err.is_broken_pipe(), "{err}");
        assert_eq!(err.exit_code(), 1);
        let msg = err.to_string();
        assert!(
            msg.contains("rejects.fifo") && msg.contains("Broken pipe"),
            "{msg}"
        );
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
