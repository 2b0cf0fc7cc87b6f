//! What every binary shares: common options, the error funnel, the summary
//! line and the NDJSON record loop.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{ArgMatches, Args, Command, Parser};
use serde::Serialize;

use crate::error::{Error, Kind, Result};
use crate::input::{paths_or_stdin, Input, Line};
use crate::output::Rejects;
use crate::progress::Progress;
use crate::record::{recycle, FieldVec, Record};
use crate::scan::KeyOrder;

/// Output options of every binary.
#[derive(Args, Debug, Clone, Default)]
pub struct OutputArgs {
    /// Write the output to FILE instead of stdout.
    #[arg(short = 'o', long = "output", value_name = "FILE")]
    pub output: Option<PathBuf>,

    /// No summary line (and no progress indicator) on stderr.
    #[arg(short = 'q', long = "quiet")]
    pub quiet: bool,
}

/// Input options of the stages that read NDJSON records.
#[derive(Args, Debug, Clone, Default)]
pub struct NdjsonArgs {
    /// NDJSON inputs (gzip is read transparently); none or `-` reads stdin.
    #[arg(value_name = "FILE")]
    pub files: Vec<PathBuf>,

    /// Count and skip lines that are not JSON objects instead of stopping.
    #[arg(long = "skip-bad")]
    pub skip_bad: bool,

    /// Write every skipped line to FILE as NDJSON (input, line, reason, text).
    #[arg(long = "rejects", value_name = "FILE")]
    pub rejects: Option<PathBuf>,
}

/// The `main` of every binary: parses the arguments, refuses outputs that
/// would destroy an input ([`check_outputs`]), runs, and turns the outcome
/// into an exit status. Usage errors give 2, data and I/O errors 1, a closed
/// stdout ends quietly with 0; every message goes to stderr.
pub fn main<A: Parser>(run: fn(A) -> Result<()>) -> ExitCode {
    let mut command = A::command();
    let bin = command.get_name().to_string();
    let mut matches = match command.try_get_matches_from_mut(std::env::args_os()) {
        Ok(matches) => matches,
        Err(e) => return exit_for_clap(&bin, &e),
    };
    if let Err(e) = check_outputs(&command, &matches) {
        return exit_for(&bin, Err(e));
    }
    match A::from_arg_matches_mut(&mut matches) {
        Ok(args) => exit_for(&bin, run(args)),
        Err(e) => exit_for_clap(&bin, &e.format(&mut command)),
    }
}

/// Prints what clap answered: a usage error on stderr (exit 2), or `--help`
/// or `--version` on stdout (exit 0; 1 when it cannot be written, as on a
/// full disk; quietly 0 on a closed pipe).
fn exit_for_clap(bin: &str, e: &clap::Error) -> ExitCode {
    if e.use_stderr() {
        let _ = e.print();
        return ExitCode::from(2);
    }
    let printed = e.print().and_then(|()| std::io::stdout().flush());
    exit_for(
        bin,
        printed.map_err(|e| Error::output("cannot write stdout", e)),
    )
}

/// The exit status of a run's `result`, its error (if any) printed on stderr.
fn exit_for(bin: &str, result: Result<()>) -> ExitCode {
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) if e.is_broken_pipe() => ExitCode::SUCCESS,
        Err(e) => {
            let mut stderr = std::io::stderr().lock();
            let _ = writeln!(stderr, "{bin}: error: {e}");
            if e.kind() == Kind::Usage {
                let _ = writeln!(stderr, "Try '{bin} --help' for more information.");
            }
            ExitCode::from(e.exit_code())
        }
    }
}

/// The ids of the arguments that name outputs: `-o` of [`OutputArgs`] and
/// `--rejects` (of [`NdjsonArgs`], or a stage's own). Every other path
/// argument is read: an input, a data file, a key.
const OUTPUT_IDS: [&str; 2] = ["output", "rejects"];

/// Refuses, before any output is opened (and so truncated), an output that
/// would destroy what the run reads or mix with the other output (usage
/// errors, exit 2):
/// - `-o FILE` or `--rejects FILE` that is the same file (device and inode)
///   as a path argument read, or as stdin when stdin is read;
/// - `--rejects` that is the same file as the records' output (`-o`, or
///   stdout), unless a terminal or another character device;
/// - `--rejects -`: rejected lines (raw input) never go to stdout.
pub fn check_outputs(command: &Command, matches: &ArgMatches) -> Result<()> {
    let paths = |id: &str| -> Vec<&PathBuf> {
        match matches.try_get_many::<PathBuf>(id) {
            Ok(Some(values)) => values.collect(),
            _ => Vec::new(),
        }
    };
    let is_stdio = |p: &&PathBuf| p.as_os_str() == "-";
    let rejects = paths("rejects").first().copied();
    if rejects.is_some_and(|p| is_stdio(&p)) {
        return Err(Error::usage(
            "--rejects needs a FILE: rejected lines are raw input and never go to \
             stdout, where they would mix with the records",
        ));
    }
    let output = paths("output").first().copied().filter(|p| !is_stdio(p));
    // What the run reads: every other path argument, and stdin for `-` or
    // when no positional path is given.
    let mut read = Vec::new();
    let mut positional = false;
    for arg in command.get_arguments() {
        let id = arg.get_id().as_str();
        if !OUTPUT_IDS.contains(&id) {
            let given = paths(id);
            positional |= arg.is_positional() && !given.is_empty();
            read.extend(given);
        }
    }
    let stdin = (read.iter().any(is_stdio) || !positional)
        .then(|| FileId::of_stream(&std::io::stdin()))
        .flatten();
    for (flag, path) in [("--output", output), ("--rejects", rejects)] {
        let Some(path) = path else { continue };
        // Only a regular file is destroyed by opening it for output.
        let Some(out) = FileId::of_path(path).filter(|id| id.regular) else {
            continue;
        };
        let input = read
            .iter()
            .find(|p| FileId::of_path(p).is_some_and(|id| id.is(&out)));
        let input = match input {
            Some(input) => input.display().to_string(),
            None if stdin.is_some_and(|id| id.is(&out)) => "on stdin".to_string(),
            None => continue,
        };
        return Err(Error::usage(format!(
            "{flag} {} is also an input ({input}): opening it for output would \
             destroy it; write to another file",
            path.display()
        )));
    }
    if let Some(rejects) = rejects {
        let records = match output {
            Some(path) => FileId::of_path(path),
            None => FileId::of_stream(&std::io::stdout()),
        };
        let same = match (FileId::of_path(rejects), records) {
            (Some(kept), Some(records)) => kept.is(&records) && !kept.shareable,
            (None, None) => output.is_some_and(|o| same_path(o, rejects)),
            _ => false,
        };
        if same {
            return Err(Error::usage(format!(
                "--rejects {} is where the records go: the rejected lines would mix \
                 with them",
                rejects.display()
            )));
        }
    }
    Ok(())
}

/// Two paths of files that do not exist yet name the same one.
fn same_path(a: &Path, b: &Path) -> bool {
    matches!((std::path::absolute(a), std::path::absolute(b)), (Ok(a), Ok(b)) if a == b)
}

/// Which file a path or a standard stream is, to tell when two are one.
#[derive(Debug, Clone, Copy)]
pub struct FileId {
    device: u64,
    inode: u64,
    /// A regular file, which opening for output truncates.
    pub regular: bool,
    /// A character device (a terminal, `/dev/null`): two outputs may share it.
    pub shareable: bool,
}

impl FileId {
    /// The same file.
    pub fn is(&self, other: &FileId) -> bool {
        (self.device, self.inode) == (other.device, other.inode)
    }

    /// The file at `path` (following links); `None` when there is none.
    pub fn of_path(path: &Path) -> Option<FileId> {
        FileId::of(&std::fs::metadata(path).ok()?)
    }

    #[cfg(unix)]
    fn of(meta: &std::fs::Metadata) -> Option<FileId> {
        use std::os::unix::fs::{FileTypeExt, MetadataExt};
        Some(FileId {
            device: meta.dev(),
            inode: meta.ino(),
            regular: meta.is_file(),
            shareable: meta.file_type().is_char_device(),
        })
    }

    /// The file a standard stream is open on.
    #[cfg(unix)]
    pub fn of_stream(stream: &impl std::os::fd::AsFd) -> Option<FileId> {
        let file = std::fs::File::from(stream.as_fd().try_clone_to_owned().ok()?);
        FileId::of(&file.metadata().ok()?)
    }

    /// Without inodes no file is known to be another.
    #[cfg(not(unix))]
    fn of(_: &std::fs::Metadata) -> Option<FileId> {
        None
    }

    #[cfg(not(unix))]
    pub fn of_stream<T>(_: &T) -> Option<FileId> {
        None
    }
}

/// The one-line summary printed on stderr at the end of a run.
pub struct Summary {
    bin: &'static str,
    parts: Vec<String>,
}

impl Summary {
    /// A summary for binary `bin`.
    pub fn new(bin: &'static str) -> Summary {
        Summary {
            bin,
            parts: Vec::new(),
        }
    }

    /// Adds a part, such as `"1000 records in"`.
    pub fn part(&mut self, part: impl Into<String>) -> &mut Self {
        self.parts.push(part.into());
        self
    }

    /// Adds `"N label"`.
    pub fn count(&mut self, n: u64, label: &str) -> &mut Self {
        self.part(format!("{n} {label}"))
    }

    /// The summary as one line.
    pub fn line(&self) -> String {
        format!("{}: {}", self.bin, self.parts.join(", "))
    }

    /// Prints the summary on stderr unless `quiet`.
    pub fn print(&self, quiet: bool) {
        if !quiet {
            let _ = writeln!(std::io::stderr().lock(), "{}", self.line());
        }
    }
}

/// What the record loop saw.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct LoopStats {
    /// Records handed to the stage.
    pub records: u64,
    /// Bad lines skipped with `--skip-bad`.
    pub bad: u64,
    /// Blank lines, which are not records and are ignored.
    pub blank: u64,
}

impl LoopStats {
    /// Adds "N records in" and, when there were any, the bad lines skipped.
    pub fn describe(&self, summary: &mut Summary) {
        summary.count(self.records, "records in");
        if self.bad > 0 {
            summary.count(self.bad, "bad lines skipped");
        }
    }
}

/// A rejected input line, as written to `--rejects`.
#[derive(Serialize)]
struct BadLine<'a> {
    input: &'a str,
    line: u64,
    reason: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    text: Option<&'a str>,
    /// Lines that are not UTF-8 are kept losslessly as hex.
    #[serde(skip_serializing_if = "Option::is_none")]
    hex: Option<String>,
}

/// Reads every record of the inputs in order and hands it to `each`.
///
/// A line that is not a JSON object stops the run with an error naming the
/// input, line and reason, unless `--skip-bad` is given: then it is counted,
/// and kept in the `--rejects` file when there is one. Blank lines are ignored.
pub fn for_each_record(
    args: &NdjsonArgs,
    progress: &mut Progress,
    mut each: impl FnMut(&Record<'_>) -> Result<()>,
) -> Result<LoopStats> {
    let mut bad = BadLines::create(args)?;
    // One allocation for the fields of every record.
    let mut spare: FieldVec<'static> = Vec::with_capacity(32);
    let mut order = KeyOrder::default();
    for path in paths_or_stdin(&args.files) {
        let mut lines = Input::open(&path)?.lines();
        let name = lines.name().to_string();
        let mut line_no = 0u64;
        while let Some(line) = lines.next_line()? {
            line_no += 1;
            match parse_line(line, &mut spare, &mut order) {
                Parsed::Blank => bad.stats.blank += 1,
                Parsed::Record(record) => {
                    bad.stats.records += 1;
                    progress.tick();
                    each(&record)?;
                    spare = record.into_spare();
                }
                Parsed::Bad(bytes, reason) => bad.see(&name, line_no, bytes, &reason)?,
            }
        }
    }
    bad.finish()
}

/// [`for_each_record`] for loops that work on several records together
/// (to have the memory each one needs come in while the others are
/// worked on): `each` gets the same records in the same order, up to `max`
/// at a time. A bad line ends the batch before it.
pub fn for_each_batch(
    args: &NdjsonArgs,
    progress: &mut Progress,
    max: usize,
    mut each: impl FnMut(&[Record<'_>]) -> Result<()>,
) -> Result<LoopStats> {
    let mut bad = BadLines::create(args)?;
    // One allocation for the fields of each record of a batch.
    let mut spares: Vec<FieldVec<'static>> = Vec::new();
    let mut order = KeyOrder::default();
    for path in paths_or_stdin(&args.files) {
        let mut lines = Input::open(&path)?.lines();
        let name = lines.name().to_string();
        let mut line_no = 0u64;
        loop {
            let batch = lines.next_lines(max.max(1))?;
            if batch.is_empty() {
                break;
            }
            let mut records = Vec::with_capacity(batch.len());
            for line in batch {
                line_no += 1;
                let mut spare = spares.pop().unwrap_or_default();
                match parse_line(line, &mut spare, &mut order) {
                    Parsed::Blank => {
                        bad.stats.blank += 1;
                        spares.push(spare);
                    }
                    Parsed::Record(record) => {
                        bad.stats.records += 1;
                        progress.tick();
                        records.push(record);
                    }
                    Parsed::Bad(bytes, reason) => {
                        // The records before a bad line are handed over
                        // before it stops the run or is counted.
                        hand_over(&mut records, &mut spares, &mut each)?;
                        bad.see(&name, line_no, bytes, &reason)?;
                    }
                }
            }
            hand_over(&mut records, &mut spares, &mut each)?;
        }
    }
    bad.finish()
}

/// Hands `records` (if any) to `each`, and their allocations back to `spares`.
fn hand_over(
    records: &mut Vec<Record<'_>>,
    spares: &mut Vec<FieldVec<'static>>,
    each: &mut impl FnMut(&[Record<'_>]) -> Result<()>,
) -> Result<()> {
    if !records.is_empty() {
        each(records)?;
        spares.extend(records.drain(..).map(Record::into_spare));
    }
    Ok(())
}

/// A line of NDJSON input, parsed.
enum Parsed<'a> {
    /// Empty or whitespace only: not a record, not bad either.
    Blank,
    Record(Record<'a>),
    /// Not a record: its bytes (unless too long to keep) and why.
    Bad(Option<&'a [u8]>, String),
}

/// Parses `line` into the allocation of `spare` (taken when the line is
/// parsed), with `order` the key order of the lines before.
#[inline(always)]
fn parse_line<'a>(
    line: Line<'a>,
    spare: &mut FieldVec<'static>,
    order: &mut KeyOrder,
) -> Parsed<'a> {
    match line {
        Line::Text(t) if t.iter().all(u8::is_ascii_whitespace) => Parsed::Blank,
        Line::Text(t) => match Record::parse_in(t, recycle(std::mem::take(spare)), Some(order)) {
            Ok(record) => Parsed::Record(record),
            Err(reason) => Parsed::Bad(Some(t), reason),
        },
        Line::TooLong { len } => Parsed::Bad(None, format!("line of {len} bytes is too long")),
    }
}

/// What the record loops do with a line that is not a record, and their
/// counts.
struct BadLines {
    stats: LoopStats,
    skip_bad: bool,
    rejects: Rejects,
}

impl BadLines {
    fn create(args: &NdjsonArgs) -> Result<BadLines> {
        Ok(BadLines {
            stats: LoopStats::default(),
            skip_bad: args.skip_bad,
            rejects: Rejects::create(args.rejects.as_ref())?,
        })
    }

    /// Line `line_no` of input `name` (its `bytes`, unless too long) is not
    /// a record, for `reason`: an error, or counted and kept with
    /// `--skip-bad`.
    fn see(&mut self, name: &str, line_no: u64, bytes: Option<&[u8]>, reason: &str) -> Result<()> {
        if !self.skip_bad {
            return Err(Error::data(format!("{name}: line {line_no}: {reason}")));
        }
        self.stats.bad += 1;
        if self.rejects.enabled() {
            let text = bytes.and_then(|b| std::str::from_utf8(b).ok());
            let hex = match (bytes, text) {
                (Some(b), None) => Some(b.iter().map(|x| format!("{x:02x}")).collect()),
                _ => None,
            };
            self.rejects.write(&BadLine {
                input: name,
                line: line_no,
                reason,
                text,
                hex,
            })?;
        }
        Ok(())
    }

    fn finish(mut self) -> Result<LoopStats> {
        self.rejects.finish()?;
        Ok(self.stats)
    }
}

/// The error of a stage whose capability is not built yet (exit 2, no output).
pub fn not_built(what: &str) -> Error {
    Error::usage(format!("{what} is not built yet"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    /// How the tests read: record by record, or in batches of at most N.
    #[derive(Clone, Copy, Debug)]
    enum Loop {
        One,
        Batch(usize),
    }

    const LOOPS: [Loop; 4] = [Loop::One, Loop::Batch(1), Loop::Batch(3), Loop::Batch(16)];

    /// The outcome of a loop over `content`: its result, the lines of the
    /// records handed over, the rejects file, and the sizes of the batches.
    fn run_with(
        content: &[u8],
        skip_bad: bool,
        how: Loop,
    ) -> (Result<LoopStats>, Vec<String>, String, Vec<usize>) {
        run_in(&tempfile::tempdir().unwrap(), content, skip_bad, how)
    }

    /// [`run_with`] in `dir`.
    fn run_in(
        dir: &tempfile::TempDir,
        content: &[u8],
        skip_bad: bool,
        how: Loop,
    ) -> (Result<LoopStats>, Vec<String>, String, Vec<usize>) {
        let input = dir.path().join("in.ndjson");
        std::fs::File::create(&input)
            .unwrap()
            .write_all(content)
            .unwrap();
        let rejects = dir.path().join("rejects.ndjson");
        let args = NdjsonArgs {
            files: vec![input],
            skip_bad,
            rejects: Some(rejects.clone()),
        };
        let mut seen = Vec::new();
        let mut sizes = Vec::new();
        let mut progress = Progress::new("records", true);
        let line = |r: &Record<'_>| String::from_utf8(r.line().to_vec()).unwrap();
        let result = match how {
            Loop::One => for_each_record(&args, &mut progress, |r| {
                seen.push(line(r));
                Ok(())
            }),
            Loop::Batch(max) => for_each_batch(&args, &mut progress, max, |records| {
                sizes.push(records.len());
                seen.extend(records.iter().map(line));
                Ok(())
            }),
        };
        let rejected = std::fs::read_to_string(rejects).unwrap_or_default();
        (result, seen, rejected, sizes)
    }

    /// The same outcome whichever way the loop reads (checked), without
    /// the batch sizes.
    fn run(content: &[u8], skip_bad: bool) -> (Result<LoopStats>, Vec<String>, String) {
        let dir = tempfile::tempdir().unwrap();
        let outcome = |how| {
            let (result, seen, rejected, _) = run_in(&dir, content, skip_bad, how);
            (result.map_err(|e| e.to_string()), seen, rejected)
        };
        let one = outcome(Loop::One);
        for how in LOOPS {
            assert_eq!(outcome(how), one, "{how:?}");
        }
        let (result, seen, rejected, _) = run_with(content, skip_bad, Loop::One);
        (result, seen, rejected)
    }

    #[test]
    fn batches_hand_over_the_same_records_in_order_whatever_their_size() {
        // Over a megabyte, so lines straddle the read buffer's refills;
        // blank, bad and long lines here and there.
        let mut content = Vec::new();
        for i in 0..20_000 {
            match i % 997 {
                5 => content.extend_from_slice(b"\n"),
                7 => content.extend_from_slice(b"{\"broken\n"),
                11 => content.extend(format!("{{\"long\":\"{}\"}}\n", "x".repeat(300_000)).bytes()),
                _ => content
                    .extend(format!("{{\"n\":{i},\"pad\":\"{}\"}}\n", "y".repeat(i % 50)).bytes()),
            }
        }
        content.extend_from_slice(b"{\"last\":true}");
        let dir = tempfile::tempdir().unwrap();
        let (one, seen, rejected, _) = run_in(&dir, &content, true, Loop::One);
        let one = one.unwrap();
        // 21 blank and 21 broken lines, and the last one without a newline.
        assert_eq!(one.records, 20_000 - 2 * 21 + 1);
        assert_eq!(one.bad, 21);
        for max in [1, 2, 16, 400] {
            let (stats, batch_seen, batch_rejected, sizes) =
                run_in(&dir, &content, true, Loop::Batch(max));
            assert_eq!(stats.unwrap(), one, "batches of {max}");
            assert!(batch_seen == seen, "batches of {max}: other records");
            assert_eq!(batch_rejected, rejected, "batches of {max}");
            assert!(sizes.iter().all(|&n| n <= max), "batches of {max}");
            assert_eq!(sizes.iter().sum::<usize>(), seen.len());
            if max > 1 {
                assert!(sizes.contains(&max), "batches of {max}: {sizes:?}");
            }
        }
    }

    #[test]
    fn an_error_in_a_batch_comes_after_the_records_before_it() {
        let content = b"{\"a\":1}\n{\"a\":2}\nnot json\n{\"a\":3}\n";
        let (result, seen, _, sizes) = run_with(content, false, Loop::Batch(16));
        assert!(result
            .unwrap_err()
            .to_string()
            .ends_with("line 3: not a JSON object"));
        assert_eq!(seen, ["{\"a\":1}", "{\"a\":2}"]);
        assert_eq!(sizes, [2]);
    }

    #[test]
    fn bad_line_stops_the_run_naming_input_and_line() {
        let (result, seen, _) = run(b"{\"a\":1}\n\nnot json\n{\"a\":2}\n", false);
        let err = result.unwrap_err();
        assert_eq!(err.exit_code(), 1);
        let msg = err.to_string();
        assert!(
            msg.ends_with("in.ndjson: line 3: not a JSON object"),
            "{msg}"
        );
        assert_eq!(seen, ["{\"a\":1}"]);
    }

    #[test]
    fn skip_bad_counts_skips_and_keeps_rejects_losslessly() {
        let (result, seen, rejected) = run(b"{\"a\":1}\n[1]\n\n\xff\xfe\n{\"a\":2}\n", true);
        let stats = result.unwrap();
        assert_eq!(
            stats,
            LoopStats {
                records: 2,
                bad: 2,
                blank: 1
            }
        );
        assert_eq!(seen, ["{\"a\":1}", "{\"a\":2}"]);
        let lines: Vec<serde_json::Value> = rejected
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect();
        assert_eq!(lines.len(), 2);
        assert_eq!(lines[0]["line"], 2);
        assert_eq!(lines[0]["text"], "[1]");
        assert_eq!(lines[1]["line"], 4);
        assert_eq!(lines[1]["hex"], "fffe");
    }

    #[test]
    fn a_byte_order_mark_before_the_first_record_is_not_part_of_it() {
        let (result, seen, _) = run(b"\xef\xbb\xbf{\"a\":1}\n{\"a\":2}\n", false);
        assert_eq!(result.unwrap().records, 2);
        assert_eq!(seen, ["{\"a\":1}", "{\"a\":2}"]);
    }

    /// A stage's arguments: NDJSON inputs, a data file, the outputs.
    #[derive(Parser)]
    #[command(name = "f2b-test")]
    struct StageArgs {
        #[command(flatten)]
        input: NdjsonArgs,
        #[arg(long = "db")]
        db: Option<PathBuf>,
        #[command(flatten)]
        output: OutputArgs,
    }

    /// [`check_outputs`] on the command line `args` (paths in `dir`).
    fn check(dir: &Path, args: &[&str]) -> Result<()> {
        let args = args.iter().map(|a| {
            if a.starts_with('-') || a.starts_with('/') {
                PathBuf::from(a)
            } else {
                dir.join(a)
            }
        });
        let mut command = StageArgs::command();
        let matches = command
            .try_get_matches_from_mut(std::iter::once(PathBuf::from("f2b-test")).chain(args))
            .unwrap();
        check_outputs(&command, &matches)
    }

    #[test]
    fn an_output_that_is_an_input_is_refused_before_it_is_opened() {
        let dir = tempfile::tempdir().unwrap();
        let dir = dir.path();
        for name in ["in.ndjson", "other.ndjson", "city.mmdb"] {
            std::fs::write(dir.join(name), b"{\"a\":1}\n").unwrap();
        }
        std::fs::hard_link(dir.join("in.ndjson"), dir.join("link.ndjson")).unwrap();
        let refused = [
            &["in.ndjson", "-o", "in.ndjson"][..],
            &[
                "other.ndjson",
                "in.ndjson",
                "--skip-bad",
                "--rejects",
                "in.ndjson",
            ],
            &["in.ndjson", "-o", "link.ndjson"],
            &["--db", "city.mmdb", "in.ndjson", "-o", "city.mmdb"],
        ];
        for args in refused {
            let err = check(dir, args).unwrap_err();
            assert_eq!(err.exit_code(), 2, "{args:?}");
            let msg = err.to_string();
            assert!(msg.contains("is also an input"), "{args:?}: {msg}");
        }
        let allowed = [
            &["in.ndjson", "-o", "other.ndjson"][..],
            &[
                "in.ndjson",
                "-o",
                "new.ndjson",
                "--rejects",
                "rejects.ndjson",
            ],
            &["in.ndjson", "-o", "-"],
            &["/dev/null", "-o", "/dev/null"],
        ];
        for args in allowed {
            check(dir, args).unwrap();
        }
        assert_eq!(
            std::fs::read(dir.join("in.ndjson")).unwrap(),
            b"{\"a\":1}\n"
        );
    }

    #[test]
    fn rejects_never_go_where_the_records_go() {
        let dir = tempfile::tempdir().unwrap();
        let dir = dir.path();
        std::fs::write(dir.join("old.ndjson"), b"").unwrap();
        let refused = [
            &["--rejects", "-"][..],
            &["-o", "-", "--rejects", "-"],
            &["-o", "new.ndjson", "--rejects", "-"],
            &["-o", "new.ndjson", "--rejects", "new.ndjson"],
            &["-o", "new.ndjson", "--rejects", "./new.ndjson"],
            &["-o", "old.ndjson", "--rejects", "old.ndjson"],
        ];
        for args in refused {
            let err = check(dir, args).unwrap_err();
            assert_eq!(err.exit_code(), 2, "{args:?}");
            assert!(err.to_string().starts_with("--rejects "), "{args:?}: {err}");
        }
        check(dir, &["-o", "/dev/null", "--rejects", "/dev/null"]).unwrap();
        check(dir, &["-o", "new.ndjson", "--rejects", "old.ndjson"]).unwrap();
    }

    #[test]
    fn gzip_input_is_read_transparently() {
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        gz.write_all(b"{\"a\":1}\n{\"a\":2}\n").unwrap();
        let (result, seen, _) = run(&gz.finish().unwrap(), false);
        assert_eq!(result.unwrap().records, 2);
        assert_eq!(seen, ["{\"a\":1}", "{\"a\":2}"]);
    }
}
