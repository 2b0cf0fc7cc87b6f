//! f2b-anon: turns enriched f2b records into the publishable, anonymized dataset.
//!
//! The output is an allow-list (SPEC §1, "Written by f2b-anon"): `date`,
//! `country`, `region`, `city`, `asn`, `service`, and only on request
//! `as_name`, `jail`, `hour`, `failures`, `reporter_country`, `reporter_id`,
//! `attacker_id`. Nothing is copied from input to output: each value is parsed
//! or checked by type and shape ([`validate`], [`jails`]), pseudonyms are
//! keyed HMACs ([`pseudonym`]), and the writer ([`write`]) sees only a
//! [`release::Released`] row, so no address, host name, e-mail address,
//! message id, path, log line or whois text can reach the output.
//! [`kanon`] generalises rare combinations of the quasi-identifiers.
//!
//! The order of a run: read every record (the core record loop,
//! [`f2b_core::cli::for_each_record`]) → release its allow-listed values ([`release`])
//! → write them at once ([`write`]), or with `--k` keep their ids, plan the
//! generalisation and write everything at the end ([`kanon`]).

#![warn(missing_docs)]

pub mod columns;
pub mod jails;
pub mod kanon;
pub mod pseudonym;
pub mod release;
pub mod validate;
pub mod write;

use std::io::Write;
use std::path::PathBuf;

use clap::Parser;
use f2b_core::cli::{for_each_record, LoopStats, NdjsonArgs, OutputArgs, Summary};
use f2b_core::output::RecordWriter;
use f2b_core::progress::Progress;
use f2b_core::{Error, Record, Result};

use crate::columns::{Columns, Optional};
use crate::kanon::{KAnonymizer, Outcome};
use crate::pseudonym::{Key, Pseudonymizer, KEY_FILE_ENV};
use crate::release::{InputFields, InputPicker, Releaser, Withheld};
use crate::write::RowWriter;

const AFTER_HELP: &str = "\
Output columns, in this order: date, country, region, city, asn, service, then
those asked for with --with, in this order: as_name, jail, hour, failures,
reporter_country, reporter_id, attacker_id. Unknown or invalid values are null
(an empty cell in CSV).

What is never written, whatever the input holds: IP addresses, host names,
e-mail addresses, message ids, paths, log lines, whois text, and any field not
listed above. Every value is checked by type and shape; region, city and
as_name must look like a name (letters, digits, spaces, - ' . , ( ) & _ + !;
no address, host name or number run) or they are withheld and counted. jail is
released only when it is a stock Fail2Ban jail name (lower-cased).

Pseudonyms: reporter_id and attacker_id are the first 64 bits (16 hex digits)
of HMAC-SHA-256 under a secret key you keep: stable under one key, unlinkable
without it. The key file's bytes are the key (at least 16; make one with
`head -c 32 /dev/urandom > anon.key`). No key, no pseudonyms.

--k N needs the whole input before it writes anything, and writes the rows sorted
by their released combination (their input order could undo it); memory grows with the
number of distinct values and combinations, plus 4 to 16 bytes per record.

Examples:
  f2b-extract -r mail/ | f2b-geo | f2b-asn | f2b-anon --csv -o dataset.csv
  f2b-anon --with jail,hour --k 5 enriched.ndjson.gz > dataset.ndjson
  f2b-anon --key-file anon.key --with attacker_id,reporter_id enriched.ndjson
  F2B_ANON_KEY_FILE=anon.key f2b-anon --with attacker_id < enriched.ndjson";

/// Turns enriched f2b records (NDJSON) into the publishable, anonymized
/// dataset: an allow-list of validated columns, optional keyed pseudonyms and
/// k-anonymity, as NDJSON or CSV.
#[derive(Parser, Debug)]
#[command(name = "f2b-anon", version, long_about = None, after_help = AFTER_HELP)]
pub struct Args {
    /// Inputs, `--skip-bad`, `--rejects`.
    #[command(flatten)]
    pub input: NdjsonArgs,

    /// Also release these optional columns (comma-separated, repeatable).
    /// reporter_id and attacker_id need a key.
    #[arg(
        long = "with",
        value_name = "FIELD,...",
        value_delimiter = ',',
        value_enum
    )]
    pub with: Vec<Optional>,

    /// Secret key for reporter_id and attacker_id: the raw bytes of FILE, at
    /// least 16. Default: the file named by $F2B_ANON_KEY_FILE.
    #[arg(long = "key-file", value_name = "FILE")]
    pub key_file: Option<PathBuf>,

    /// k-anonymity: generalise rows whose date, country, region, city, asn,
    /// service combination occurs fewer than N times (city → null, then
    /// region → null, then date → month), or suppress them. Reads the whole
    /// input first.
    #[arg(short = 'k', long = "k", value_name = "N", value_parser = clap::value_parser!(u64).range(1..))]
    pub k: Option<u64>,

    /// Write CSV with a header row instead of NDJSON.
    #[arg(long = "csv")]
    pub csv: bool,

    /// `-o`, `-q`.
    #[command(flatten)]
    pub output: OutputArgs,
}

/// What to release and how.
#[derive(Clone, Copy, Debug, Default)]
pub struct Options {
    /// The optional columns.
    pub columns: Columns,
    /// k-anonymity threshold, if any.
    pub k: Option<u64>,
    /// CSV instead of NDJSON.
    pub csv: bool,
}

/// What an [`Anonymizer`] did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Report {
    /// Rows written.
    pub rows_out: u64,
    /// Rows generalised and suppressed by k-anonymity.
    pub outcome: Outcome,
    /// Input values not released.
    pub withheld: Withheld,
}

/// Anonymizes records one by one into a [`RecordWriter`].
pub struct Anonymizer {
    picker: InputPicker,
    releaser: Releaser,
    writer: RowWriter,
    kanon: Option<KAnonymizer>,
}

impl Anonymizer {
    /// An anonymizer with `options`; `pseudonymizer` is needed for the
    /// pseudonym columns (without one they are null).
    pub fn new(options: Options, pseudonymizer: Option<Pseudonymizer>) -> Anonymizer {
        Anonymizer {
            picker: InputPicker::new(),
            releaser: Releaser::new(options.columns, pseudonymizer),
            writer: RowWriter::new(options.columns, options.csv),
            kanon: options.k.map(|k| KAnonymizer::new(k, options.columns)),
        }
    }

    /// Writes what comes before the first row (the CSV header).
    pub fn start(&mut self, out: &mut RecordWriter) -> Result<()> {
        self.writer.header(out)
    }

    /// Anonymizes one record: written at once, or kept for k-anonymity.
    pub fn push(&mut self, record: &Record<'_>, out: &mut RecordWriter) -> Result<()> {
        let fields = self.picker.fields(record);
        self.push_fields(&fields, out)
    }

    /// Anonymizes one record given by its fields.
    pub fn push_fields(&mut self, fields: &InputFields<'_>, out: &mut RecordWriter) -> Result<()> {
        let row = self.releaser.release_fields(fields);
        match &mut self.kanon {
            Some(kanon) => kanon.push(&row),
            None => self.writer.write(&row, out),
        }
    }

    /// Writes what is left (every row, with k-anonymity) and says what was done.
    pub fn finish(mut self, out: &mut RecordWriter) -> Result<Report> {
        let outcome = match self.kanon.take() {
            Some(kanon) => {
                let writer = &mut self.writer;
                kanon.finish(out, |row, out| writer.write(row, out))?
            }
            None => Outcome::default(),
        };
        Ok(Report {
            rows_out: self.writer.rows(),
            outcome,
            withheld: self.releaser.withheld,
        })
    }
}

/// The summary line: records in and out, generalised, suppressed, withheld.
pub fn summary(stats: &LoopStats, report: &Report) -> Summary {
    let mut summary = Summary::new("f2b-anon");
    stats.describe(&mut summary);
    summary
        .count(report.rows_out, "out")
        .count(report.outcome.generalised, "generalised")
        .count(report.outcome.suppressed, "suppressed")
        .count(report.withheld.free_text, "free-text values withheld");
    if report.withheld.malformed > 0 {
        summary.count(report.withheld.malformed, "malformed values withheld");
    }
    if report.withheld.unlisted_jails > 0 {
        summary.count(report.withheld.unlisted_jails, "unlisted jails withheld");
    }
    summary
}

/// The pseudonymizer the options call for. Asking for a pseudonym without a
/// key is a usage error; a key given but not needed is only a warning.
fn pseudonymizer(args: &Args, columns: Columns) -> Result<Option<Pseudonymizer>> {
    if !columns.needs_key() {
        if args.key_file.is_some() && !args.output.quiet {
            // A closed stderr is no reason to stop (eprintln! would panic).
            let _ = writeln!(
                std::io::stderr(),
                "f2b-anon: warning: --key-file is used only by --with reporter_id or \
                 attacker_id; no pseudonyms written"
            );
        }
        return Ok(None);
    }
    let asked: Vec<&str> = columns
        .optional()
        .filter(|o| o.is_pseudonym())
        .map(Optional::name)
        .collect();
    let Some(path) = Key::locate(args.key_file.as_deref()) else {
        let verb = if asked.len() == 1 { "needs" } else { "need" };
        return Err(Error::usage(format!(
            "{} {verb} a secret key: give --key-file FILE or set {KEY_FILE_ENV} \
             (no key, no pseudonyms)",
            asked.join(" and ")
        )));
    };
    Ok(Some(Pseudonymizer::new(&Key::read(&path)?)))
}

/// Runs f2b-anon.
pub fn run(args: Args) -> Result<()> {
    let options = Options {
        columns: Columns::new(&args.with),
        k: args.k,
        csv: args.csv,
    };
    // The key is read before the output is created, so a bad key leaves no file.
    let pseudonymizer = pseudonymizer(&args, options.columns)?;
    let mut anonymizer = Anonymizer::new(options, pseudonymizer);
    let mut out = RecordWriter::create(args.output.output.as_deref())?;
    let mut progress = Progress::new("records", args.output.quiet);
    anonymizer.start(&mut out)?;
    let stats = for_each_record(&args.input, &mut progress, |record| {
        anonymizer.push(record, &mut out)
    })?;
    let report = anonymizer.finish(&mut out)?;
    out.finish()?;
    progress.finish();
    summary(&stats, &report).print(args.output.quiet);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn the_command_line_is_well_formed() {
        Args::command().debug_assert();
    }

    #[test]
    fn the_summary_names_records_in_out_generalised_suppressed_and_withheld() {
        let stats = LoopStats {
            records: 1000,
            bad: 0,
            blank: 0,
        };
        let report = Report {
            rows_out: 990,
            outcome: Outcome {
                generalised: 12,
                suppressed: 10,
            },
            withheld: Withheld {
                free_text: 3,
                ..Withheld::default()
            },
        };
        assert_eq!(
            summary(&stats, &report).line(),
            "f2b-anon: 1000 records in, 990 out, 12 generalised, 10 suppressed, \
             3 free-text values withheld"
        );
    }
}
