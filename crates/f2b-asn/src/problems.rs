//! Malformed rows in data files: counted, reported with file and line, skipped
//! (or fatal with `--strict`).

use std::fmt;
use std::io::Write;

use f2b_core::input::{Input, Line};
use f2b_core::{Error, Result};

/// Reads a data file line by line: `each` reads one line (a row, or a line
/// that is not one) and says why it is malformed when it is; such lines, and
/// lines too long to read, are handed to `problem`. Returns how many were.
pub fn read_rows(
    input: Input,
    problem: &mut dyn FnMut(&RowProblem) -> Result<()>,
    mut each: impl FnMut(&[u8]) -> std::result::Result<(), String>,
) -> Result<u64> {
    let mut lines = input.lines();
    let mut malformed = 0;
    while let Some(line) = lines.next_line()? {
        let outcome = match line {
            Line::Text(text) => each(text),
            Line::TooLong { len } => Err(format!("line of {len} bytes is too long")),
        };
        if let Err(reason) = outcome {
            malformed += 1;
            problem(&RowProblem {
                input: lines.name().to_string(),
                line: lines.line_no(),
                reason,
            })?;
        }
    }
    Ok(malformed)
}

/// A malformed row of a data file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RowProblem {
    /// The file, as messages name it.
    pub input: String,
    /// 1-based line number.
    pub line: u64,
    /// Why the row was rejected.
    pub reason: String,
}

impl fmt::Display for RowProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: line {}: {}", self.input, self.line, self.reason)
    }
}

/// How many warnings are printed per file before the rest are only counted.
const SHOWN_PER_FILE: u64 = 10;

/// Decides what a malformed row does: with `strict` it stops the run; without,
/// it is counted and the first few of each file are printed on stderr.
pub struct RowProblems {
    bin: &'static str,
    strict: bool,
    total: u64,
    file: String,
    in_file: u64,
}

impl RowProblems {
    /// A handler for binary `bin`.
    pub fn new(bin: &'static str, strict: bool) -> Self {
        RowProblems {
            bin,
            strict,
            total: 0,
            file: String::new(),
            in_file: 0,
        }
    }

    /// Malformed rows skipped so far.
    pub fn total(&self) -> u64 {
        self.total
    }

    /// Handles one problem: an error under `--strict`, else a warning.
    pub fn handle(&mut self, problem: &RowProblem) -> Result<()> {
        if self.strict {
            return Err(Error::data(format!("{problem} (malformed row; --strict)")));
        }
        self.total += 1;
        if problem.input != self.file {
            self.file.clone_from(&problem.input);
            self.in_file = 0;
        }
        self.in_file += 1;
        let mut stderr = std::io::stderr().lock();
        if self.in_file <= SHOWN_PER_FILE {
            let _ = writeln!(
                stderr,
                "{}: warning: {problem}; malformed row skipped",
                self.bin
            );
        } else if self.in_file == SHOWN_PER_FILE + 1 {
            let _ = writeln!(
                stderr,
                "{}: warning: {}: more malformed rows skipped without a message",
                self.bin, problem.input
            );
        }
        Ok(())
    }
}
