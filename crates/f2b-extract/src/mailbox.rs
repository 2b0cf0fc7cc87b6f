//! Container splitting: mbox files, Maildir and MH folders, single messages,
//! gzip-compressed or not, on stdin or from paths.
//!
//! mbox messages start at a `From ` line whose rest reads as a date (mboxo,
//! mboxrd; `>From ` quoting is undone). A message larger than the limit is not
//! buffered: its bytes are skipped up to the next `From ` line and it is
//! reported as unreadable, so memory stays bounded whatever the input.

use std::fs;
use std::io::{self, Read};
use std::path::{Path, PathBuf};

use f2b_core::cli::FileId;
use f2b_core::error::Kind as ErrorKind;
use f2b_core::input::Input;
use f2b_core::{Error, Result};
use memchr::memmem;

use crate::time::{self, Unix};

/// The largest message read (in an mbox, counting its `From ` line); larger
/// ones are skipped as unreadable.
pub const MAX_MESSAGE: usize = 32 * 1024 * 1024;

/// Bytes asked of the reader at a time.
const CHUNK: usize = 256 * 1024;

/// The largest message buffer kept for the next message.
const SPARE_LIMIT: usize = 1024 * 1024;

/// The longest `From ` line (without its newline) that separates messages;
/// a longer one is body text.
const MAX_FROM_LINE: usize = 1023;

/// One message as read from its container.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RawMessage {
    /// `PATH:BYTE_OFFSET` for mbox, `PATH` for a file or Maildir/MH entry.
    pub src: String,
    /// The message (without the mbox `From ` line). Empty when `oversize`.
    pub bytes: Vec<u8>,
    /// The date of the mbox `From ` line, if any.
    pub envelope: Option<Unix>,
    /// The message was larger than [`MAX_MESSAGE`] and was skipped.
    pub oversize: bool,
}

/// Every message of the given paths, in order: files as mbox or single
/// messages (told apart by their first bytes), Maildir (`cur/`, `new/`) and MH
/// folders, and with `recursive` every file below a directory.
pub struct Mailboxes {
    /// Paths still to read, last first, each with whether a directory
    /// listing found it (rather than the command line naming it).
    pending: Vec<(PathBuf, bool)>,
    current: Option<Source>,
    recursive: bool,
    max_message: usize,
    /// The directories read so far, by device and inode: a symbolic link
    /// back up the tree is not followed round again.
    visited: std::collections::HashSet<(u64, u64)>,
    /// The run's own output files, never read as mail.
    outputs: Vec<FileId>,
}

enum Source {
    Mbox(MboxSplitter<Box<dyn io::BufRead + Send>>),
}

impl Mailboxes {
    /// Reads `paths` (`-` is stdin) in order.
    pub fn new(paths: Vec<PathBuf>, recursive: bool) -> Self {
        let mut pending: Vec<(PathBuf, bool)> = paths.into_iter().map(|p| (p, false)).collect();
        pending.reverse();
        Mailboxes {
            pending,
            current: None,
            recursive,
            max_message: MAX_MESSAGE,
            visited: std::collections::HashSet::new(),
            outputs: Vec::new(),
        }
    }

    /// Checks, before anything is read or written, that every directory
    /// named on the command line can be read without `-r` (a Maildir or an
    /// MH folder): a usage error found half-way through the inputs would come
    /// after records were written.
    pub fn check_named(&self) -> Result<()> {
        if self.recursive {
            return Ok(());
        }
        for (path, _) in self.pending.iter().rev() {
            if path.as_os_str() == "-" || !path.is_dir() {
                continue;
            }
            if path.join("cur").is_dir() || path.join("new").is_dir() {
                continue;
            }
            // An MH folder: one numbered entry is enough (no stat of each).
            let numbered = fs::read_dir(path)
                .map_err(|e| Error::io(format!("cannot read directory {}", path.display()), e))?
                .filter_map(|e| e.ok())
                .any(|e| {
                    e.file_name()
                        .to_str()
                        .is_some_and(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
                        && e.file_type().is_ok_and(|t| !t.is_dir())
                });
            if !numbered {
                self.folder_entries(path)?;
            }
        }
        Ok(())
    }

    /// Passes over the files `ids` (the run's own outputs) when a
    /// directory listing finds them.
    pub fn skipping(mut self, ids: Vec<FileId>) -> Self {
        self.outputs = ids;
        self
    }

    /// Sets a lower message-size limit (tests).
    pub fn with_max_message(mut self, max: usize) -> Self {
        self.max_message = max;
        self
    }

    /// Takes back the bytes of a message that is done with, so that reading
    /// the next one does not allocate (see [`MboxSplitter::recycle`]).
    pub fn recycle(&mut self, bytes: Vec<u8>) {
        if let Some(Source::Mbox(splitter)) = &mut self.current {
            splitter.recycle(bytes);
        }
    }

    /// The next message, `None` at the end of all inputs.
    pub fn next_message(&mut self) -> Result<Option<RawMessage>> {
        loop {
            if let Some(Source::Mbox(splitter)) = &mut self.current {
                match splitter.next_message()? {
                    Some(m) => return Ok(Some(m)),
                    None => self.current = None,
                }
            }
            let Some((path, found)) = self.pending.pop() else {
                return Ok(None);
            };
            if path.as_os_str() != "-" && path.is_dir() {
                if !self.first_visit(&path) && found {
                    pass_over(&path, "a directory read already (a symbolic link loop)");
                    continue;
                }
                let entries = self.folder_entries(&path)?;
                self.pending
                    .extend(entries.into_iter().rev().map(|p| (p, true)));
                continue;
            }
            if found
                && !self.outputs.is_empty()
                && FileId::of_path(&path).is_some_and(|id| self.outputs.iter().any(|o| o.is(&id)))
            {
                pass_over(&path, "the run's own output");
                continue;
            }
            match self.open_file(&path) {
                Ok(Some(m)) => return Ok(Some(m)),
                Ok(None) => {}
                // A file a listing found that f2b cannot read at all (bzip2,
                // xz, zstd) is passed over; named on the command line, it is
                // an error.
                Err(e) if found && e.kind() == ErrorKind::Data => {
                    let why = e.to_string();
                    let prefix = format!("{}: ", path.display());
                    pass_over(&path, why.strip_prefix(&prefix).unwrap_or(&why));
                }
                Err(e) => return Err(e),
            }
        }
    }

    /// Opens a file: an mbox becomes the current source; a single message is returned.
    fn open_file(&mut self, path: &Path) -> Result<Option<RawMessage>> {
        let input = Input::open(path)?;
        let name = input.name.clone();
        let mut reader = input.reader;
        let head = reader
            .fill_buf()
            .map_err(|e| Error::io(format!("cannot read {name}"), e))?;
        // Blank lines (or a byte-order mark) before the first From line, as
        // some exporters and files cut at a separator leave, are skipped.
        let lead = leading_blank(head);
        if head[lead..].starts_with(b"From ") {
            reader.consume(lead);
            let head = reader
                .fill_buf()
                .map_err(|e| Error::io(format!("cannot read {name}"), e))?;
            // Lines ended by a bare CR (classic Mac OS): the From line ends in
            // one, and no LF comes in what is read.
            let bare_cr = memchr::memchr(b'\n', head).is_none()
                && head
                    .get(..MAX_FROM_LINE + 1)
                    .unwrap_or(head)
                    .contains(&b'\r');
            if bare_cr {
                reader = Box::new(io::BufReader::new(BareCr(reader)));
            }
            let mut splitter = MboxSplitter::new(name, reader).with_max_message(self.max_message);
            splitter.base = lead as u64;
            self.current = Some(Source::Mbox(splitter));
            return Ok(None);
        }
        if head.is_empty() {
            return Ok(None);
        }
        // A file too big to be one message may start with the end of one's
        // headers; a smaller one that starts with headers is a message. (The
        // size is asked only of a file with a From line in it.)
        let too_big = || fs::metadata(path).is_ok_and(|m| m.len() > self.max_message as u64);
        if starts_inside_an_mbox(head, too_big) {
            // The file was cut from an mbox (by `split`, a download cut
            // short): what comes before its first From line is one message,
            // without an envelope, and the rest is split as usual.
            let mut splitter = MboxSplitter::new(name, reader).with_max_message(self.max_message);
            splitter.headless = true;
            self.current = Some(Source::Mbox(splitter));
            return Ok(None);
        }
        let mut bytes = Vec::new();
        let limit = self.max_message as u64 + 1;
        reader
            .take(limit)
            .read_to_end(&mut bytes)
            .map_err(|e| Error::io(format!("cannot read {name}"), e))?;
        let oversize = bytes.len() > self.max_message;
        if oversize {
            bytes = Vec::new();
        }
        Ok(Some(RawMessage {
            src: name,
            bytes,
            envelope: None,
            oversize,
        }))
    }

    /// True the first time the directory `dir` is seen (always where inodes
    /// are not known).
    fn first_visit(&mut self, dir: &Path) -> bool {
        #[cfg(unix)]
        {
            use std::os::unix::fs::MetadataExt;
            if let Ok(m) = fs::metadata(dir) {
                return self.visited.insert((m.dev(), m.ino()));
            }
        }
        true
    }

    /// The entries of a directory to read: Maildir `cur/` and `new/`, MH
    /// numbered files, or with `-r` everything below it, sorted.
    fn folder_entries(&self, dir: &Path) -> Result<Vec<PathBuf>> {
        let listing = |d: &Path| -> Result<Vec<PathBuf>> {
            let mut entries: Vec<PathBuf> = fs::read_dir(d)
                .map_err(|e| Error::io(format!("cannot read directory {}", d.display()), e))?
                .filter_map(|e| e.ok().map(|e| e.path()))
                .collect();
            entries.sort_by_key(|p| natural_key(p));
            Ok(entries)
        };
        let is_maildir = dir.join("cur").is_dir() || dir.join("new").is_dir();
        if is_maildir {
            let mut files = Vec::new();
            for sub in ["cur", "new"] {
                let sub = dir.join(sub);
                if sub.is_dir() {
                    files.extend(
                        listing(&sub)?
                            .into_iter()
                            .filter(|p| p.is_file() && !hidden(p)),
                    );
                }
            }
            if self.recursive {
                // Maildir++ sub-folders (.Sent, .Junk, ...) are directories beside cur/new/tmp.
                for entry in listing(dir)? {
                    let name = entry.file_name().and_then(|n| n.to_str()).unwrap_or("");
                    if entry.is_dir() && !matches!(name, "cur" | "new" | "tmp") {
                        files.push(entry);
                    }
                }
            }
            return Ok(files);
        }
        let entries = listing(dir)?;
        if self.recursive {
            return Ok(entries
                .into_iter()
                .filter(|p| !hidden(p) && worth_reading(p))
                .collect());
        }
        let numbered: Vec<PathBuf> = entries
            .into_iter()
            .filter(|p| {
                p.is_file()
                    && p.file_name()
                        .and_then(|n| n.to_str())
                        .is_some_and(|n| n.bytes().all(|b| b.is_ascii_digit()))
            })
            .collect();
        if numbered.is_empty() {
            return Err(Error::usage(format!(
                "{} is a directory but neither a Maildir (cur/, new/) nor an MH folder (numbered files); use -r to read every file below it",
                dir.display()
            )));
        }
        Ok(numbered)
    }
}

/// Whether `head`, the start of a file that does not open with a From line,
/// is the rest of an mbox all the same: a dated From line follows a blank
/// line, and the file starts inside a message's body (not with a header) or
/// is `too_big` to be one message. A smaller file that starts with headers
/// is a message, whatever envelope lines it quotes (a bounce may keep those
/// of its copies).
fn starts_inside_an_mbox(head: &[u8], too_big: impl FnOnce() -> bool) -> bool {
    let mut blank_before = false;
    let separated = head.split(|&b| b == b'\n').any(|line| {
        let line = line.trim_ascii_end();
        let separator = blank_before && from_line_date(line).is_some();
        blank_before = line.is_empty();
        separator
    });
    separated && (!crate::bounce::starts_with_a_header(head) || too_big())
}

/// How many bytes at the start of `head` are blank lines or a UTF-8
/// byte-order mark (none when no From line comes after them).
fn leading_blank(head: &[u8]) -> usize {
    let bom = if head.starts_with(b"\xef\xbb\xbf") {
        3
    } else {
        0
    };
    let blank = head[bom..]
        .iter()
        .take_while(|b| matches!(b, b'\n' | b'\r' | b' ' | b'\t'))
        .count();
    // Up to the start of the line the first non-blank byte is on.
    let line = head[bom..bom + blank]
        .iter()
        .rposition(|&b| b == b'\n' || b == b'\r')
        .map_or(0, |i| i + 1);
    bom + line
}

/// A reader of an mbox whose lines end in a bare CR: every CR becomes an
/// LF, byte for byte, so that offsets stay those of the file.
struct BareCr<R>(R);

impl<R: Read> Read for BareCr<R> {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        let n = self.0.read(out)?;
        for b in &mut out[..n] {
            if *b == b'\r' {
                *b = b'\n';
            }
        }
        Ok(n)
    }
}

/// Whether a file found by `-r` can hold mail: a FIFO, socket or device
/// (which could block the run or never end) and a broken symbolic link are
/// passed over, with a note. Other errors are left for the read to report.
fn worth_reading(path: &Path) -> bool {
    match fs::metadata(path) {
        Ok(m) if m.is_file() || m.is_dir() => true,
        Ok(_) => {
            pass_over(path, "not a regular file (a FIFO, socket or device)");
            false
        }
        Err(_) if fs::symlink_metadata(path).is_ok_and(|m| m.file_type().is_symlink()) => {
            pass_over(path, "a broken symbolic link");
            false
        }
        Err(_) => true,
    }
}

/// Says on stderr that `-r` passes `path` over, and why.
fn pass_over(path: &Path, why: &str) {
    eprintln!("f2b-extract: {}: passed over: {why}", path.display());
}

fn hidden(path: &Path) -> bool {
    path.file_name()
        .and_then(|n| n.to_str())
        .is_some_and(|n| n.starts_with('.'))
}

/// Sorts numbered MH files numerically and everything else by name.
fn natural_key(path: &Path) -> (u64, String) {
    let name = path
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or("")
        .to_string();
    let number = name.parse::<u64>().unwrap_or(u64::MAX);
    (number, name)
}

/// Splits an mbox stream into messages.
pub struct MboxSplitter<R> {
    name: String,
    reader: R,
    /// Read bytes in `buf[..filled]`; the rest is room for the next read,
    /// zeroed once when the buffer grows rather than before every read.
    buf: Vec<u8>,
    filled: usize,
    /// Where the current message's `From ` line starts in `buf`.
    start: usize,
    /// Where the search for the next separator resumes.
    scan: usize,
    /// The search saw a `>From ` in the current message's body: its
    /// quoting is to be undone (one search finds separators and these).
    quoted: bool,
    /// Stream offset of `buf[0]`.
    base: u64,
    eof: bool,
    /// The current message outgrew the limit and its bytes are being
    /// dropped: its `src` and envelope date, taken before.
    oversize: Option<(String, Option<Unix>)>,
    max_message: usize,
    finder: memmem::Finder<'static>,
    /// A read error, reported after the messages read before it.
    failed: Option<Error>,
    /// A message buffer handed back by [`MboxSplitter::recycle`], for the
    /// next message.
    spare: Vec<u8>,
    /// The envelope date of the `From ` line at this stream offset, read
    /// when the line was recognised (so that it is not read twice).
    next_envelope: Option<(u64, Option<Unix>)>,
    /// The current message is the first of a stream cut from an mbox: it
    /// has no From line.
    headless: bool,
}

impl<R: Read> MboxSplitter<R> {
    /// A splitter of `reader`, named `name` in `src` and messages.
    pub fn new(name: String, reader: R) -> Self {
        MboxSplitter {
            name,
            reader,
            buf: Vec::with_capacity(CHUNK * 2),
            filled: 0,
            start: 0,
            scan: 0,
            quoted: false,
            base: 0,
            eof: false,
            oversize: None,
            max_message: MAX_MESSAGE,
            finder: memmem::Finder::new(b"From "),
            failed: None,
            spare: Vec::new(),
            next_envelope: None,
            headless: false,
        }
    }

    /// Sets the message-size limit.
    pub fn with_max_message(mut self, max: usize) -> Self {
        self.max_message = max;
        self
    }

    /// Takes back the bytes of a message that is done with, to hold the
    /// next one (a buffer of ordinary size is kept, a huge one dropped).
    pub fn recycle(&mut self, bytes: Vec<u8>) {
        if bytes.capacity() <= SPARE_LIMIT {
            self.spare = bytes;
        }
    }

    /// The next message, `None` at the end of the stream.
    pub fn next_message(&mut self) -> Result<Option<RawMessage>> {
        loop {
            // Look for the next separator after the current message's From line.
            let from_line_end =
                memchr::memchr(b'\n', &self.data()[self.start..]).map(|i| self.start + i + 1);
            if let Some(first_body) = from_line_end {
                // Each `From ` in the body: after a line end it may start the
                // next message; after a `>` it is quoted.
                let mut at = self.scan.max(first_body);
                while let Some(i) = self.finder.find(&self.data()[at..]) {
                    let line = at + i;
                    match self.buf[line - 1] {
                        b'\n' => {}
                        b'>' => {
                            self.quoted = true;
                            at = line + 1;
                            continue;
                        }
                        _ => {
                            at = line + 1;
                            continue;
                        }
                    }
                    let Some(len) = memchr::memchr(b'\n', &self.data()[line..]) else {
                        at = line;
                        break;
                    };
                    if let Some(date) = from_line_date(&self.buf[line..line + len]) {
                        let message = self.take(line);
                        let envelope = Some(date.to_utc_lenient());
                        self.next_envelope = Some((self.base + line as u64, envelope));
                        self.scan = self.start;
                        return Ok(Some(message));
                    }
                    at = line + 1;
                }
                self.scan = at;
            }
            if self.eof {
                if self.start >= self.filled && self.oversize.is_none() {
                    return self.failed.take().map_or(Ok(None), Err);
                }
                let end = self.filled;
                let message = self.take(end);
                return Ok(Some(message));
            }
            self.fill()?;
        }
    }

    /// Cuts the current message at `end` (the next From line, or the end).
    fn take(&mut self, end: usize) -> RawMessage {
        let quoted = std::mem::take(&mut self.quoted);
        let message = match self.oversize.take() {
            Some((src, envelope)) => RawMessage {
                src,
                bytes: Vec::new(),
                envelope,
                oversize: true,
            },
            None => {
                let (src, envelope, line_len) = self.head(self.start);
                if end - self.start > self.max_message {
                    // Complete in the buffer, but over the limit all the same.
                    self.start = end;
                    self.headless = false;
                    return RawMessage {
                        src,
                        bytes: Vec::new(),
                        envelope,
                        oversize: true,
                    };
                }
                let mut bytes = std::mem::take(&mut self.spare);
                bytes.clear();
                let body = &self.buf[self.start + line_len..end];
                if quoted {
                    unquote_from(body, &mut bytes);
                } else {
                    bytes.extend_from_slice(body);
                }
                RawMessage {
                    src,
                    bytes,
                    envelope,
                    oversize: false,
                }
            }
        };
        self.start = end;
        self.headless = false;
        message
    }

    /// `src`, envelope date and From-line length of the message starting at `at`.
    fn head(&self, at: usize) -> (String, Option<Unix>, usize) {
        let chunk = &self.data()[at..];
        let line_len = match self.headless {
            true => 0,
            false => memchr::memchr(b'\n', chunk).map_or(chunk.len(), |i| i + 1),
        };
        let offset = self.base + at as u64;
        let envelope = match self.next_envelope {
            _ if self.headless => None,
            Some((known, envelope)) if known == offset => envelope,
            _ => std::str::from_utf8(&chunk[..line_len.min(MAX_FROM_LINE + 1)])
                .ok()
                .and_then(|l| l.strip_prefix("From "))
                .and_then(time::parse)
                .map(|t| t.to_utc_lenient()),
        };
        // `PATH:OFFSET`, without the formatting machinery (once per message).
        let mut src = String::with_capacity(self.name.len() + 21);
        src.push_str(&self.name);
        src.push(':');
        let digits = offset.checked_ilog10().unwrap_or(0) + 1;
        for i in (0..digits).rev() {
            src.push(char::from(b'0' + (offset / 10u64.pow(i) % 10) as u8));
        }
        (src, envelope, line_len)
    }

    /// Reads more; keeps memory bounded by compacting and by dropping the body
    /// of a message that outgrew the limit.
    fn fill(&mut self) -> Result<()> {
        if self.oversize.is_some() || self.filled - self.start > self.max_message {
            self.drop_oversize();
        }
        if self.start > 0 && self.start >= self.filled / 2 {
            self.discard(self.start);
            self.base += self.start as u64;
            self.scan -= self.start.min(self.scan);
            self.start = 0;
        }
        let old = self.filled;
        if self.buf.len() < old + CHUNK {
            self.buf.resize(old + CHUNK, 0);
        }
        let n = loop {
            match self.reader.read(&mut self.buf[old..old + CHUNK]) {
                Ok(n) => break n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => {
                    // The messages read so far are handed out first; the
                    // error comes after the last of them.
                    self.eof = true;
                    let what = if e.kind() == io::ErrorKind::UnexpectedEof
                        || e.kind() == io::ErrorKind::InvalidInput
                        || e.kind() == io::ErrorKind::InvalidData
                    {
                        "truncated or corrupt compressed data"
                    } else {
                        "read error"
                    };
                    self.failed = Some(Error::io(
                        format!("{}: byte {}: {what}", self.name, self.base + old as u64),
                        e,
                    ));
                    return Ok(());
                }
            }
        };
        self.filled = old + n;
        self.eof = n == 0;
        Ok(())
    }

    /// If the current message is over the limit, drops its bytes read so far
    /// but the last unfinished line, which may yet be the next `From ` line,
    /// with the line end before it (so at most [`MAX_FROM_LINE`] + 1 bytes
    /// stay): the next message is found whole wherever the reads end. Only
    /// the bytes before that line count towards the limit, so whether a
    /// message is over it does not depend on the reads either.
    fn drop_oversize(&mut self) {
        let unread = &self.data()[self.start..];
        // From `keep` on, the bytes may be the next message's; the current
        // one runs at least to `known_end`.
        let (keep, known_end) = match memchr::memrchr(b'\n', unread) {
            Some(i) if unread.len() - i - 1 <= MAX_FROM_LINE => {
                (self.start + i, self.start + i + 1)
            }
            // Only (part of) the message's first line, or an unfinished line
            // too long to be a From line: all of it is the message's, and
            // the next read goes on with that line (the first line in the
            // buffer is never taken for a separator).
            _ => (self.filled, self.filled),
        };
        if self.oversize.is_none() {
            if known_end - self.start <= self.max_message {
                return;
            }
            let (src, envelope, _) = self.head(self.start);
            self.oversize = Some((src, envelope));
        }
        self.discard(keep);
        self.base += keep as u64;
        self.start = 0;
        self.scan = 0;
    }

    /// The bytes read and not yet discarded.
    fn data(&self) -> &[u8] {
        &self.buf[..self.filled]
    }

    /// Drops the first `n` bytes read: the rest moves to the front.
    fn discard(&mut self, n: usize) {
        self.buf.copy_within(n..self.filled, 0);
        self.filled -= n;
    }
}

/// The date of a `From ` line (without its newline); `None` when the line
/// is not one (its rest does not read as a date).
fn from_line_date(line: &[u8]) -> Option<time::LocalTime> {
    if !line.starts_with(b"From ") || line.len() > MAX_FROM_LINE {
        return None;
    }
    std::str::from_utf8(&line[5..]).ok().and_then(time::parse)
}

/// Undoes mboxrd/mboxo quoting: `>From ` → `From `, `>>From ` → `>From `;
/// the result is appended to `out`.
fn unquote_from(body: &[u8], out: &mut Vec<u8>) {
    out.reserve(body.len());
    for line in body.split_inclusive(|&b| b == b'\n') {
        let quotes = line.iter().take_while(|&&b| b == b'>').count();
        if quotes > 0 && line[quotes..].starts_with(b"From ") {
            out.extend_from_slice(&line[1..]);
        } else {
            out.extend_from_slice(line);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn split(data: &[u8], max: usize) -> Vec<RawMessage> {
        let mut s =
            MboxSplitter::new("t".into(), io::Cursor::new(data.to_vec())).with_max_message(max);
        let mut out = Vec::new();
        while let Some(m) = s.next_message().unwrap() {
            out.push(m);
        }
        out
    }

    const MBOX: &[u8] = b"From MAILER-DAEMON Wed Mar  2 16:12:13 2011\nSubject: a\n\nFrom here on, body.\n>From quoted\n\nFrom MAILER-DAEMON Thu Mar  3 10:00:00 2011\r\nSubject: b\r\n\r\nx\r\n";

    #[test]
    fn mbox_splits_on_from_lines_with_dates_and_keeps_offsets() {
        let messages = split(MBOX, MAX_MESSAGE);
        assert_eq!(messages.len(), 2);
        assert_eq!(messages[0].src, "t:0");
        assert_eq!(
            messages[0].bytes,
            b"Subject: a\n\nFrom here on, body.\nFrom quoted\n\n"
        );
        assert_eq!(messages[0].envelope, Some(1_299_082_333));
        let offset = memmem::rfind(MBOX, b"From MAILER").unwrap();
        assert_eq!(messages[1].src, format!("t:{offset}"));
        assert_eq!(messages[1].bytes, b"Subject: b\r\n\r\nx\r\n");
    }

    #[test]
    fn splitting_is_the_same_whatever_the_chunking() {
        let mut data = Vec::new();
        for i in 0..5000 {
            data.extend_from_slice(
                format!("From x Wed Mar  2 16:12:13 2011\nSubject: {i}\n\nbody {i}\n\n").as_bytes(),
            );
        }
        let messages = split(&data, MAX_MESSAGE);
        assert_eq!(messages.len(), 5000);
        for (i, m) in messages.iter().enumerate() {
            assert_eq!(m.bytes, format!("Subject: {i}\n\nbody {i}\n\n").as_bytes());
            let offset: usize = m.src.rsplit(':').next().unwrap().parse().unwrap();
            assert!(data[offset..].starts_with(b"From x"));
        }
    }

    #[test]
    fn oversize_message_is_skipped_without_buffering_it() {
        let mut data = b"From x Wed Mar  2 16:12:13 2011\nSubject: big\n\n".to_vec();
        data.extend(std::iter::repeat_n(b'z', 3_000_000));
        data.extend_from_slice(b"\n\nFrom y Wed Mar  2 16:12:14 2011\nSubject: small\n\nok\n");
        let messages = split(&data, 100_000);
        assert_eq!(messages.len(), 2);
        assert!(messages[0].oversize);
        assert_eq!(messages[0].src, "t:0");
        assert!(!messages[1].oversize);
        assert_eq!(messages[1].bytes, b"Subject: small\n\nok\n");
        let offset = memmem::rfind(&data, b"From y").unwrap();
        assert_eq!(messages[1].src, format!("t:{offset}"));
    }

    /// Found by fuzz target `mbox_split`: a message over the limit that was
    /// already whole in the buffer (the limit was only checked when reading
    /// more) was handed on instead of being skipped.
    #[test]
    fn fuzz_mbox_split_limit_holds_for_messages_already_buffered() {
        let mut data = b"From x Wed Mar  2 16:12:13 2011\nSubject: big\n\n".to_vec();
        data.extend(std::iter::repeat_n(b'z', 5000));
        data.extend_from_slice(b"\nFrom y Wed Mar  2 16:12:14 2011\nSubject: small\n\nok\n");
        let messages = split(&data, 4096);
        assert_eq!(messages.len(), 2);
        assert!(messages[0].oversize && messages[0].bytes.is_empty());
        assert_eq!(messages[1].bytes, b"Subject: small\n\nok\n");
        // The limit counts the From line; exactly at it is still a message.
        let exact = b"From x Wed Mar  2 16:12:13 2011\nabcd";
        assert_eq!(split(exact, exact.len())[0].bytes, b"abcd");
        assert!(split(exact, exact.len() - 1)[0].oversize);
    }

    #[test]
    fn recycled_buffers_hold_the_next_messages_whole() {
        let mut data = Vec::new();
        for i in 0..50 {
            let body = "x".repeat(i * 37 % 300);
            data.extend_from_slice(
                format!("From x Wed Mar  2 16:12:13 2011\nSubject: {i}\n\n>From {body}\n\n")
                    .as_bytes(),
            );
        }
        let expected = split(&data, MAX_MESSAGE);
        let mut s = MboxSplitter::new("t".into(), io::Cursor::new(data));
        let mut got = Vec::new();
        while let Some(m) = s.next_message().unwrap() {
            got.push(m.clone());
            s.recycle(m.bytes);
        }
        assert_eq!(got, expected);
    }

    /// A reader that hands out at most `step` bytes at a time.
    struct Trickle {
        data: Vec<u8>,
        at: usize,
        step: usize,
    }

    impl Read for Trickle {
        fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
            let n = self.step.min(out.len()).min(self.data.len() - self.at);
            out[..n].copy_from_slice(&self.data[self.at..self.at + n]);
            self.at += n;
            Ok(n)
        }
    }

    /// The messages of an mbox by the definition, line by line: a complete
    /// line after the first that starts with `From ` and a date begins the
    /// next message; lines `>…>From ` lose one `>`.
    fn split_reference(data: &[u8]) -> Vec<(u64, Vec<u8>)> {
        let mut messages: Vec<(u64, Vec<u8>)> = Vec::new();
        let mut offset = 0;
        for line in data.split_inclusive(|&b| b == b'\n') {
            let separator =
                line.ends_with(b"\n") && from_line_date(&line[..line.len() - 1]).is_some();
            if messages.is_empty() || separator {
                messages.push((offset, Vec::new()));
            } else {
                let quotes = line.iter().take_while(|&&b| b == b'>').count();
                let unquote = quotes > 0 && line[quotes..].starts_with(b"From ");
                let body = &mut messages.last_mut().unwrap().1;
                body.extend_from_slice(&line[usize::from(unquote)..]);
            }
            offset += line.len() as u64;
        }
        messages
    }

    /// A reader whose reads end at each of `cuts` (ascending stream
    /// offsets) and otherwise fill what they are given.
    struct Cuts {
        data: Vec<u8>,
        at: usize,
        cuts: Vec<usize>,
    }

    impl Cuts {
        /// A reader of `data` whose reads end at each of `cuts`.
        fn new(data: &[u8], cuts: Vec<usize>) -> Cuts {
            Cuts {
                data: data.to_vec(),
                at: 0,
                cuts,
            }
        }
    }

    impl Read for Cuts {
        fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
            let end = self.cuts.iter().copied().find(|&c| c > self.at);
            let end = end.unwrap_or(usize::MAX).min(self.data.len());
            let n = (end - self.at).min(out.len());
            out[..n].copy_from_slice(&self.data[self.at..self.at + n]);
            self.at += n;
            Ok(n)
        }
    }

    /// Splits what `reader` gives with the limit `max` and checks it against
    /// [`split_reference`] of `data`: every message there, at its offset,
    /// with its exact bytes, or skipped as oversize exactly when it (From
    /// line included) is over `max`.
    fn assert_split_as_reference(data: &[u8], reader: impl Read, max: usize, case: &str) {
        let expected = split_reference(data);
        let mut s = MboxSplitter::new("t".into(), reader).with_max_message(max);
        let mut got = Vec::new();
        while let Some(m) = s.next_message().unwrap() {
            got.push(m.clone());
            s.recycle(m.bytes);
        }
        assert_eq!(got.len(), expected.len(), "{case}: messages read");
        for (i, (m, (offset, bytes))) in got.iter().zip(&expected).enumerate() {
            let end = expected.get(i + 1).map_or(data.len() as u64, |next| next.0);
            let oversize = end - offset > max as u64;
            assert_eq!(m.src, format!("t:{offset}"), "{case}: message {i}");
            assert_eq!(m.oversize, oversize, "{case}: message {i} oversize");
            let bytes: &[u8] = if oversize { &[] } else { bytes };
            assert_eq!(m.bytes, bytes, "{case}: message {i} bytes");
        }
    }

    /// `n` bytes of body lines (63 bytes each, the last one shorter).
    fn filler(n: usize, eol: &str) -> Vec<u8> {
        let mut lines = Vec::with_capacity(n);
        while lines.len() < n {
            let len = (n - lines.len()).min(63);
            lines.extend(std::iter::repeat_n(b'z', len.saturating_sub(eol.len())));
            lines.extend(&eol.as_bytes()[eol.len().saturating_sub(len)..]);
        }
        lines
    }

    /// A message over the limit was cut down to its last 8 bytes when the
    /// read that took it over the limit ended inside the next From line:
    /// that line's start was lost and the next message with it.
    #[test]
    fn oversize_message_does_not_swallow_the_next_however_the_reads_fall() {
        const MAX: usize = 4096;
        // The oversize message's last line: short, or too long to be a From line.
        for (eol, last_line) in [("\n", 10), ("\r\n", 10), ("\n", 3000), ("\r\n", 1030)] {
            let line = |s: &str| format!("{s}{eol}").into_bytes();
            let mut data = line("From a Wed Mar  2 16:12:13 2011");
            data.extend(line("Subject: before"));
            data.extend(line(">From a"));
            data.extend(line("From b Wed Mar  2 16:12:14 2011"));
            data.extend(filler(MAX, eol));
            data.extend(line(&"y".repeat(last_line)));
            let next = data.len();
            data.extend(line("From c Wed Mar  2 16:12:15 2011"));
            data.extend(line("Subject: after"));
            data.extend(line(">From c"));
            data.extend(line(">>From c"));
            data.extend(line("From d Wed Mar  2 16:12:16 2011"));
            data.extend(line("Subject: last"));
            assert_eq!(split_reference(&data).len(), 4);
            for cut in next - 40..next + 60 {
                let reader = Cuts::new(&data, vec![cut]);
                let case = format!("eol {eol:?}, last line {last_line}, read cut at {cut}");
                assert_split_as_reference(&data, reader, MAX, &case);
            }
        }
    }

    /// Whether a message is over the limit does not depend on how much of
    /// the next From line a read brought along.
    #[test]
    fn message_at_the_limit_is_kept_however_the_reads_fall() {
        const MAX: usize = 4096;
        for eol in ["\n", "\r\n"] {
            for len in MAX - 2..=MAX + 2 {
                let from = format!("From b Wed Mar  2 16:12:14 2011{eol}");
                let mut data = from.clone().into_bytes();
                data.extend(filler(len - from.len(), eol));
                let next = data.len();
                data.extend(format!("From c Wed Mar  2 16:12:15 2011{eol}>From c{eol}").bytes());
                for cut in next - 4..next + 40 {
                    let reader = Cuts::new(&data, vec![cut]);
                    let case = format!("eol {eol:?}, length {len}, read cut at {cut}");
                    assert_split_as_reference(&data, reader, MAX, &case);
                }
            }
        }
    }

    /// Messages under and over a small limit, with LF and CRLF, quoting,
    /// long lines (some From lines too long to separate) and no line end at
    /// the end, read a few bytes at a time or all at once.
    #[test]
    fn messages_around_a_small_limit_split_as_the_reference_in_any_chunking() {
        const MAX: usize = 300;
        let from = "From x Wed Mar  2 16:12:13 2011";
        let mut data = Vec::new();
        for i in 0..120 {
            let eol = if i % 3 == 0 { "\r\n" } else { "\n" };
            data.extend(format!("{from}{eol}Subject: {i}{eol}").bytes());
            data.extend(format!(">From {i}{eol}From nowhere{eol}").bytes());
            data.extend(filler(i * 7 % 400, eol));
            let long_line = match i % 4 {
                0 => "q".repeat(1100 + i),
                1 => format!("{from} {}", "p".repeat(1000)),
                _ => continue,
            };
            data.extend(format!("{long_line}{eol}").bytes());
        }
        // Last, one over the limit that ends in a long unfinished line.
        data.extend(format!("{from}\n{}", "q".repeat(2000)).bytes());
        for step in [1, 2, 7, 31, 64, 1000, usize::MAX] {
            let reader = Trickle {
                data: data.clone(),
                at: 0,
                step,
            };
            assert_split_as_reference(&data, reader, MAX, &format!("step {step}"));
        }
    }

    #[test]
    fn separators_and_quoting_are_found_however_the_input_arrives() {
        let mut data = Vec::new();
        for i in 0..300 {
            data.extend_from_slice(b"From x Wed Mar  2 16:12:13 2011\n");
            let body: &[u8] = match i % 6 {
                0 => b"Subject: a\n\n>From here\n",
                1 => b">>From there\r\nFrom nowhere, no date\n",
                2 => b"a >From mid-line\nFrom x Wed Mar  2 16:12:13 2011 and more\n",
                3 => b">From \n>\n>From",
                4 => b"\nFrom \n",
                _ => b"x",
            };
            data.extend_from_slice(body);
            if i % 5 == 0 {
                data.extend_from_slice(b"\n");
            }
        }
        let expected = split_reference(&data);
        for step in [1, 2, 7, 64, 1000, usize::MAX] {
            let reader = Trickle {
                data: data.clone(),
                at: 0,
                step,
            };
            let mut s = MboxSplitter::new("t".into(), reader);
            let mut got = Vec::new();
            while let Some(m) = s.next_message().unwrap() {
                let offset = m.src.rsplit(':').next().unwrap().parse().unwrap();
                got.push((offset, m.bytes.clone()));
                s.recycle(m.bytes);
            }
            assert_eq!(got, expected, "step {step}");
        }
    }
}
