//! What every binary shares: common options, the error funnel, the summary
//! line and the NDJSON record loop.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Parser};
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

/// The `main` of every binary: parses the arguments, runs, and turns the
/// outcome into an exit status. Usage errors give 2, data and I/O errors 1, a
/// closed stdout ends quietly with 0; every message goes to stderr.
pub fn main<A: Parser>(run: fn(A) -> Result<()>) -> ExitCode {
    let bin = A::command().get_name().to_string();
    let args = match A::try_parse() {
        Ok(args) => args,
        Err(e) => {
            let code = if e.use_stderr() { 2 } else { 0 };
            // --help on a closed stdout is not worth a panic either.
            let _ = e.print();
            return ExitCode::from(code);
        }
    };
    match run(args) {
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
    let mut stats = LoopStats::default();
    let mut rejects = Rejects::create(args.rejects.as_ref())?;
    // One allocation for the fields of every record.
    let mut spare: FieldVec<'static> = Vec::with_capacity(32);
    let mut order = KeyOrder::default();
    for path in paths_or_stdin(&args.files) {
        let mut lines = Input::open(&path)?.lines();
        let name = lines.name().to_string();
        let mut line_no = 0u64;
        loop {
            line_no += 1;
            let (bytes, line) = match lines.next_line()? {
                None => break,
                Some(Line::Text(t)) if t.iter().all(u8::is_ascii_whitespace) => {
                    stats.blank += 1;
                    continue;
                }
                Some(Line::Text(t)) => {
                    match Record::parse_in(t, recycle(std::mem::take(&mut spare)), Some(&mut order))
                    {
                        Ok(record) => {
                            stats.records += 1;
                            progress.tick();
                            each(&record)?;
                            spare = record.into_spare();
                            continue;
                        }
                        Err(reason) => (Some(t), reason),
                    }
                }
                Some(Line::TooLong { len }) => (None, format!("line of {len} bytes is too long")),
            };
            if !args.skip_bad {
                return Err(Error::data(format!("{name}: line {line_no}: {line}")));
            }
            stats.bad += 1;
            if rejects.enabled() {
                let text = bytes.and_then(|b| std::str::from_utf8(b).ok());
                let hex = match (bytes, text) {
                    (Some(b), None) => Some(b.iter().map(|x| format!("{x:02x}")).collect()),
                    _ => None,
                };
                rejects.write(&BadLine {
                    input: &name,
                    line: line_no,
                    reason: &line,
                    text,
                    hex,
                })?;
            }
        }
    }
    rejects.finish()?;
    Ok(stats)
}

/// The error of a stage whose capability is not built yet (exit 2, no output).
pub fn not_built(what: &str) -> Error {
    Error::usage(format!("{what} is not built yet"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(content: &[u8], skip_bad: bool) -> (Result<LoopStats>, Vec<String>, String) {
        let dir = tempfile::tempdir().unwrap();
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
        let mut progress = Progress::new("records", true);
        let result = for_each_record(&args, &mut progress, |r| {
            seen.push(String::from_utf8(r.line().to_vec()).unwrap());
            Ok(())
        });
        let rejected = std::fs::read_to_string(rejects).unwrap_or_default();
        (result, seen, rejected)
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
    fn gzip_input_is_read_transparently() {
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        gz.write_all(b"{\"a\":1}\n{\"a\":2}\n").unwrap();
        let (result, seen, _) = run(&gz.finish().unwrap(), false);
        assert_eq!(result.unwrap().records, 2);
        assert_eq!(seen, ["{\"a\":1}", "{\"a\":2}"]);
    }
}
