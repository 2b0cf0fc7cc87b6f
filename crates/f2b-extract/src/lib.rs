//! f2b-extract: every Fail2Ban ban report out of bounced mail, as NDJSON.
//!
//! The work goes in four steps, one module each:
//! 1. [`mailbox`] splits containers (mbox, Maildir, MH, single files, gzip) into messages;
//! 2. [`bounce`] unwraps a message into layers: the bounce, the copy it carries, …;
//! 3. [`report`] recognises the Fail2Ban report in the deepest layer that has one;
//! 4. [`record`] turns it into records, with the orders of trust of SPEC §1.
//!
//! Messages are independent, so steps 2–4 run on all cores; [`dedup`] then
//! drops repeated reports in input order.

pub mod bounce;
pub mod dedup;
pub mod fastmime;
pub mod mailbox;
pub mod net;
pub mod received;
pub mod record;
pub mod report;
pub mod scan;
pub mod service;
pub mod time;

use std::collections::BTreeMap;
use std::io::BufRead;
use std::path::{Path, PathBuf};
use std::sync::{mpsc, Arc, Mutex};

use clap::Parser;
use f2b_core::cli::{FileId, OutputArgs, Summary};
use f2b_core::input::Input;
use f2b_core::output::{RecordWriter, Rejects};
use f2b_core::progress::Progress;
use f2b_core::{Error, Result};
use serde::Serialize;

use bounce::Unwrapper;
use dedup::Dedup;
use mailbox::{Mailboxes, RawMessage};
use record::{BanRecord, Fields, Outcome, Reason};

/// Every Fail2Ban ban report out of bounced mail, as NDJSON records.
#[derive(Parser, Debug)]
#[command(
    name = "f2b-extract",
    version,
    about = "Every Fail2Ban ban report out of bounced mail, as NDJSON records (one per banned address).",
    long_about = "Reads mailboxes full of bounced Fail2Ban reports — mbox files, Maildir and MH \
folders, single .eml files, any of them gzip-compressed, or an mbox on stdin — finds the copy of \
the report in every bounce (RFC 3464 DSNs, qmail, Exim, Sendmail, Courier, quoted or encoded \
copies, bounces of bounces) and writes one NDJSON record per banned address: ts, ip, jail, \
service, failures, reporter_host, reporter_ip, msgid, src.\n\n\
Mail that is not a Fail2Ban report is skipped and counted by reason (not-bounce, not-fail2ban, \
notice, no-address, duplicate, unreadable); messages read = messages with reports + skipped.",
    after_help = "Examples:\n  \
f2b-extract archive/2011-*.mbox.gz > records.ndjson\n  \
f2b-extract -r Maildir/ --rejects skipped.ndjson | f2b-geo | f2b-asn | f2b-anon | f2b-agg > digest.json\n  \
zcat 2012-10.mbox.gz | f2b-extract --events -q | jq -r .jail | sort | uniq -c"
)]
pub struct Args {
    /// Mailboxes: mbox files, Maildir or MH folders, .eml files (gzip is read
    /// transparently); none or `-` reads an mbox on stdin.
    #[arg(value_name = "MAILBOX")]
    pub paths: Vec<PathBuf>,

    /// Read every file below directories, not only Maildir/MH folders.
    #[arg(short = 'r', long)]
    pub recursive: bool,

    /// Read the list of mailbox paths from FILE, one per line (`-` = stdin).
    #[arg(long, value_name = "FILE")]
    pub files_from: Option<PathBuf>,

    /// Write every skipped message to FILE as NDJSON (src, reason, detail).
    #[arg(long, value_name = "FILE")]
    pub rejects: Option<PathBuf>,

    /// Also write jail started/stopped notices as records, and an `event`
    /// field (ban, start, stop) on every record.
    #[arg(long)]
    pub events: bool,

    /// Add a `template` field: the Fail2Ban action family that wrote the report.
    #[arg(long)]
    pub template: bool,

    /// Write repeated reports (duplicate messages, delay warnings followed by
    /// the final failure) as often as they occur.
    #[arg(long)]
    pub keep_duplicates: bool,

    /// Mail just before this shard's (e.g. the previous shard's last mailbox),
    /// read only so that duplicates across the boundary are recognised:
    /// nothing of it is written or counted. Repeatable.
    #[arg(long, value_name = "MAILBOX")]
    pub context_before: Vec<PathBuf>,

    /// Mail just after this shard's (the next shard's first mailbox), read only
    /// to settle this shard's delay warnings whose final failure came there.
    /// With both, a shard gives exactly the records one run over all the mail
    /// gives for it (duplicates further apart than the context are not seen).
    #[arg(long, value_name = "MAILBOX")]
    pub context_after: Vec<PathBuf>,

    /// Worker threads parsing messages, 1 to 256 (default: the number of cores).
    #[arg(short = 'j', long, value_name = "N", value_parser = clap::value_parser!(u16).range(1..=MAX_JOBS))]
    pub jobs: Option<u16>,

    #[command(flatten)]
    pub output: OutputArgs,
}

/// Counts for the summary line.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Counts {
    /// Messages read.
    pub messages: u64,
    /// Messages that gave at least one record.
    pub with_records: u64,
    /// Records written.
    pub records: u64,
    /// Messages skipped, per reason (in [`Reason::ALL`] order).
    pub skipped: [u64; 6],
}

impl Counts {
    fn skip(&mut self, reason: Reason, n: u64) {
        self.skipped[Reason::ALL.iter().position(|r| *r == reason).unwrap_or(0)] += n;
    }

    /// Messages skipped, all reasons.
    pub fn skipped_total(&self) -> u64 {
        self.skipped.iter().sum()
    }
}

#[derive(Serialize)]
struct Reject<'a> {
    src: &'a str,
    reason: &'static str,
    detail: &'a str,
}

/// Refuses (a usage error, before anything is opened for writing) an
/// output that the run would read: a mailbox named through `--files-from`
/// (the command line's own are checked by f2b-core), or an existing file
/// inside a directory read with `-r`. Opening it for output would empty it.
fn check_outputs_not_read(outputs: &[&Path], paths: &[PathBuf], recursive: bool) -> Result<()> {
    for &out in outputs {
        let Some(id) = FileId::of_path(out).filter(|id| id.regular) else {
            continue;
        };
        let canonical = out.canonicalize().ok();
        for path in paths.iter().filter(|p| p.as_os_str() != "-") {
            let named = FileId::of_path(path).is_some_and(|p| p.is(&id));
            let inside = recursive
                && path.is_dir()
                && canonical
                    .as_ref()
                    .zip(path.canonicalize().ok())
                    .is_some_and(|(o, d)| o.starts_with(d));
            if named || inside {
                return Err(Error::usage(format!(
                    "{} is also read ({}{}): opening it for output would destroy it; \
                     write to another file",
                    out.display(),
                    if inside { "inside " } else { "" },
                    path.display()
                )));
            }
        }
    }
    Ok(())
}

/// The most worker threads `-j` takes: far more than cores, far fewer than
/// would exhaust memory (each holds a batch of messages in flight).
const MAX_JOBS: i64 = 256;

/// Messages handed to a worker at once.
const BATCH: usize = 256;

/// Runs f2b-extract.
pub fn run(args: Args) -> Result<()> {
    let mut paths = args.paths.clone();
    if let Some(list) = &args.files_from {
        paths.extend(read_path_list(list)?);
    }
    if paths.is_empty() {
        paths.push("-".into());
    }
    let fields = Fields {
        events: args.events,
        template: args.template,
    };
    let jobs = args
        .jobs
        .map(usize::from)
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()))
        .max(1);
    for named in [&args.context_before, &paths, &args.context_after] {
        Mailboxes::new(named.clone(), args.recursive).check_named()?;
    }
    let outputs: Vec<&Path> = [args.output.output.as_deref(), args.rejects.as_deref()]
        .into_iter()
        .flatten()
        .filter(|p| p.as_os_str() != "-")
        .collect();
    check_outputs_not_read(&outputs, &paths, args.recursive)?;
    let out = RecordWriter::create(args.output.output.as_deref())?;
    let mut sink = Sink {
        context: false,
        seq: 0,
        out,
        rejects: Rejects::create(args.rejects.as_ref())?,
        dedup: (!args.keep_duplicates).then(Dedup::new),
        counts: Counts::default(),
        progress: Progress::new("messages", args.output.quiet),
    };
    let same = |a: &PathBuf, b: &PathBuf| {
        a == b || matches!((a.canonicalize(), b.canonicalize()), (Ok(x), Ok(y)) if x == y)
    };
    for c in args.context_before.iter().chain(&args.context_after) {
        if paths.iter().any(|p| same(p, c)) {
            return Err(Error::usage(format!(
                "{} is both a mailbox to read and context: context is the mail \
                 around this shard's, not in it",
                c.display()
            )));
        }
    }
    let mut read = Ok(());
    // Context mail only matters to the duplicate filter.
    let context = !args.keep_duplicates;
    let parts = [
        (args.context_before.clone(), true),
        (paths, false),
        (args.context_after.clone(), true),
    ];
    for (paths, is_context) in parts {
        if paths.is_empty() || (is_context && !context) {
            continue;
        }
        sink.context = is_context;
        // An output inside a directory read with -r is never read as mail.
        let written = outputs
            .iter()
            .filter_map(|p| FileId::of_path(p))
            .chain(FileId::of_stream(&std::io::stdout()))
            .filter(|id| id.regular)
            .collect();
        let mailboxes = Mailboxes::new(paths, args.recursive).skipping(written);
        read = if jobs == 1 {
            run_inline(mailboxes, fields, &mut sink)
        } else {
            run_parallel(mailboxes, fields, jobs, &mut sink)
        };
        if read.is_err() {
            break;
        }
    }
    // A read error (a truncated .gz, say) still writes and counts every
    // message read before it; then the error is reported.
    let result = read.and(sink.finish());
    sink.counts.records = sink.out.records(); // only those out whole, after a failed write
    sink.progress.finish();
    // A closed stdout (`| head`) ends quietly.
    if !matches!(&result, Err(e) if e.is_broken_pipe()) {
        summary(&sink.counts).print(args.output.quiet);
    }
    result
}

/// The summary line of a run.
pub fn summary(c: &Counts) -> Summary {
    let mut s = Summary::new("f2b-extract");
    s.count(c.messages, "messages read");
    s.part(format!(
        "{} records written from {} messages",
        c.records, c.with_records
    ));
    let mut skipped = format!("{} skipped", c.skipped_total());
    let parts: Vec<String> = Reason::ALL
        .iter()
        .zip(c.skipped)
        .filter(|(_, n)| *n > 0)
        .map(|(r, n)| format!("{n} {}", r.name()))
        .collect();
    if !parts.is_empty() {
        skipped.push_str(&format!(" ({})", parts.join(", ")));
    }
    s.part(skipped);
    s
}

fn read_path_list(list: &std::path::Path) -> Result<Vec<PathBuf>> {
    let input = Input::open(list)?;
    let name = input.name.clone();
    let mut paths = Vec::new();
    for (n, line) in input.reader.split(b'\n').enumerate() {
        let line = line.map_err(|e| Error::io(format!("cannot read {name}"), e))?;
        // A path is the whole line (spaces are part of a name), but a
        // Windows line end is not; blank lines and # comments are skipped.
        let line = line.strip_suffix(b"\r").unwrap_or(&line);
        if line.iter().all(u8::is_ascii_whitespace) || line.starts_with(b"#") {
            continue;
        }
        paths.push(path_of_bytes(line).ok_or_else(|| {
            Error::data(format!(
                "{name}: line {}: a path that is not UTF-8 (only a Unix path may be)",
                n + 1
            ))
        })?);
    }
    Ok(paths)
}

/// A path from the bytes of its name: any bytes on Unix, UTF-8 elsewhere.
fn path_of_bytes(bytes: &[u8]) -> Option<PathBuf> {
    #[cfg(unix)]
    {
        use std::os::unix::ffi::OsStrExt;
        Some(PathBuf::from(std::ffi::OsStr::from_bytes(bytes)))
    }
    #[cfg(not(unix))]
    {
        std::str::from_utf8(bytes).ok().map(PathBuf::from)
    }
}

/// Parses one message: the work done on every core.
///
/// A panic while reading the message (a bug, ours or the MIME parser's, that
/// hostile mail reached) skips that message as unreadable instead of ending
/// the run; it is counted like any other skip.
pub fn process(unwrapper: &Unwrapper, message: &RawMessage, fields: Fields) -> Outcome {
    if message.oversize {
        return Outcome::Skipped(Reason::Unreadable, "message larger than the 32 MiB limit");
    }
    let read = || {
        let bytes = bare_cr_to_lf(&message.bytes);
        match unwrapper.read(&bytes) {
            None => Outcome::Skipped(Reason::Unreadable, "no mail headers"),
            Some(layer) => record::records_of(&layer, &message.src, message.envelope, fields),
        }
    };
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(read)).unwrap_or(Outcome::Skipped(
        Reason::Unreadable,
        "the message broke the MIME parser (an internal error; please report it)",
    ))
}

/// Old Mac mail ends lines with a bare CR, which MIME parsers do not see as
/// line ends; such lines get an LF. CRLF is left alone, and the extra CRs of
/// a `\r\r\n` (a CRLF file converted to CRLF once more) are dropped.
fn bare_cr_to_lf(bytes: &[u8]) -> std::borrow::Cow<'_, [u8]> {
    let bare = |i: usize| bytes.get(i + 1) != Some(&b'\n');
    if !memchr::memchr_iter(b'\r', bytes).any(bare) {
        return std::borrow::Cow::Borrowed(bytes);
    }
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while let Some(&b) = bytes.get(i) {
        if b != b'\r' {
            out.push(b);
            i += 1;
            continue;
        }
        let run = bytes[i..].iter().take_while(|&&c| c == b'\r').count();
        if bytes.get(i + run) == Some(&b'\n') {
            out.push(b'\r');
        } else {
            out.extend(std::iter::repeat_n(b'\n', run));
        }
        i += run;
    }
    std::borrow::Cow::Owned(out)
}

fn run_inline(mut mailboxes: Mailboxes, fields: Fields, sink: &mut Sink) -> Result<()> {
    let unwrapper = Unwrapper::new();
    while let Some(message) = mailboxes.next_message()? {
        let outcome = process(&unwrapper, &message, fields);
        sink.accept(&message.src, outcome)?;
        mailboxes.recycle(message.bytes);
    }
    Ok(())
}

type Batch = Vec<RawMessage>;
type Done = Vec<(String, Outcome)>;

/// Reader thread → workers → this thread, which writes in input order.
fn run_parallel(
    mut mailboxes: Mailboxes,
    fields: Fields,
    jobs: usize,
    sink: &mut Sink,
) -> Result<()> {
    let (job_tx, job_rx) = mpsc::sync_channel::<(u64, Batch)>(jobs * 2);
    let job_rx = Arc::new(Mutex::new(job_rx));
    let (done_tx, done_rx) = mpsc::sync_channel::<(u64, Done)>(jobs * 2);
    std::thread::scope(|scope| {
        let reader = scope.spawn(move || -> Result<()> {
            let mut seq = 0;
            let mut batch = Vec::with_capacity(BATCH);
            let mut bytes = 0;
            loop {
                let message = match mailboxes.next_message() {
                    Ok(Some(message)) => message,
                    Ok(None) => break,
                    Err(e) => {
                        // What was read before the error is still processed.
                        let _ = job_tx.send((seq, batch));
                        return Err(e);
                    }
                };
                bytes += message.bytes.len();
                batch.push(message);
                if batch.len() >= BATCH || bytes >= 4 << 20 {
                    if job_tx.send((seq, std::mem::take(&mut batch))).is_err() {
                        return Ok(()); // the writer stopped; its error is reported
                    }
                    seq += 1;
                    bytes = 0;
                }
            }
            if !batch.is_empty() {
                let _ = job_tx.send((seq, batch));
            }
            Ok(())
        });
        for _ in 0..jobs {
            let job_rx = Arc::clone(&job_rx);
            let done_tx = done_tx.clone();
            scope.spawn(move || {
                let unwrapper = Unwrapper::new();
                loop {
                    let job = match job_rx.lock() {
                        Ok(rx) => rx.recv(),
                        Err(_) => return,
                    };
                    let Ok((seq, batch)) = job else { return };
                    let done: Done = batch
                        .into_iter()
                        .map(|m| {
                            let outcome = process(&unwrapper, &m, fields);
                            (m.src, outcome)
                        })
                        .collect();
                    if done_tx.send((seq, done)).is_err() {
                        return;
                    }
                }
            });
        }
        // Only the workers may hold these: when they stop, the reader's sends
        // fail and it stops too.
        drop(job_rx);
        drop(done_tx);
        let mut next = 0;
        let mut pending: BTreeMap<u64, Done> = BTreeMap::new();
        let written = (|| -> Result<()> {
            for (seq, done) in done_rx.iter() {
                pending.insert(seq, done);
                while let Some(done) = pending.remove(&next) {
                    for (src, outcome) in done {
                        sink.accept(&src, outcome)?;
                    }
                    next += 1;
                }
            }
            Ok(())
        })();
        // On a write error, dropping the receiver stops workers and reader.
        drop(done_rx);
        let read = reader
            .join()
            .unwrap_or_else(|_| Err(Error::data("the mailbox reader failed")));
        written.and(read)
    })
}

/// Where outcomes go, in input order: dedup, output, rejects, counts.
struct Sink {
    /// The messages now read are context (`--context-before/-after`).
    context: bool,
    /// Messages seen, context included: their numbers in the duplicate filter.
    seq: usize,
    out: RecordWriter,
    rejects: Rejects,
    dedup: Option<Dedup>,
    counts: Counts,
    progress: Progress,
}

impl Sink {
    fn accept(&mut self, src: &str, outcome: Outcome) -> Result<()> {
        self.seq += 1;
        if self.context {
            return self.accept_context(outcome);
        }
        self.counts.messages += 1;
        self.progress.tick();
        match outcome {
            Outcome::Skipped(reason, detail) => self.skip(src, reason, detail),
            Outcome::Records { records, delayed } => {
                let Some(dedup) = &mut self.dedup else {
                    self.counts.with_records += 1;
                    return self.write(&records);
                };
                if delayed {
                    let held = dedup.hold(self.seq, records, false);
                    if held == 0 {
                        return self.skip(
                            src,
                            Reason::Duplicate,
                            "a delay warning for a report already written",
                        );
                    }
                    let released = dedup.release(false);
                    return self.released(released);
                }
                let mut settled = Vec::new();
                let records = dedup.admit(records, &mut settled);
                self.skip_settled(settled)?;
                if records.is_empty() {
                    return self.skip(
                        src,
                        Reason::Duplicate,
                        "every report in it was already written",
                    );
                }
                self.counts.with_records += 1;
                self.write(&records)
            }
        }
    }

    /// A context message: it only feeds the duplicate filter. A final failure
    /// in it may still settle (make duplicates of) this run's own warnings.
    fn accept_context(&mut self, outcome: Outcome) -> Result<()> {
        let (Some(dedup), Outcome::Records { records, delayed }) = (&mut self.dedup, outcome)
        else {
            return Ok(());
        };
        if delayed {
            dedup.hold(self.seq, records, true);
            let released = dedup.release(false);
            return self.released(released);
        }
        let mut settled = Vec::new();
        dedup.admit(records, &mut settled);
        self.skip_settled(settled)
    }

    /// Warnings that a final failure settled: they are duplicates now.
    fn skip_settled(&mut self, settled: Vec<String>) -> Result<()> {
        for warning in settled {
            self.skip(
                &warning,
                Reason::Duplicate,
                "a delay warning for a report whose final failure came later",
            )?;
        }
        Ok(())
    }

    fn released(&mut self, released: dedup::Released) -> Result<()> {
        self.counts.with_records += released.messages_with_records as u64;
        self.write(&released.records)
    }

    fn skip(&mut self, src: &str, reason: Reason, detail: &str) -> Result<()> {
        self.counts.skip(reason, 1);
        self.rejects.write(&Reject {
            src,
            reason: reason.name(),
            detail,
        })
    }

    fn write(&mut self, records: &[BanRecord]) -> Result<()> {
        for record in records {
            let line = self.out.buffer();
            record.write_json(line);
            line.push(b'\n');
            self.out.end_record()?;
            self.counts.records += 1;
        }
        Ok(())
    }

    fn finish(&mut self) -> Result<()> {
        if let Some(dedup) = &mut self.dedup {
            let released = dedup.release(true);
            self.released(released)?;
        }
        self.rejects.finish()?;
        self.out.finish()
    }
}
