//! f2b-agg: the digest behind the f2b charts, in one pass over full or
//! anonymized records, and mergeable across shards.
//!
//! - [`fields`] picks the few fields the digest needs out of each record, read
//!   by the shared record loop ([`f2b_core::cli::for_each_record`]);
//! - [`cache`] finds what the raw text of a group of fields stands for;
//! - [`state`] is the digest's exact state: interned keys, attacker and
//!   reporter profiles with report counts, per-day sets;
//! - [`partial`] writes a state as a partial and merges partials back;
//! - [`digest`] computes the sections of SPEC §5 from a state;
//! - [`group`] is `--by`: one group-by table as CSV or NDJSON.
//!
//! The digest format is described in `docs/digest.md`.

pub mod cache;
pub mod digest;
pub mod fields;
pub mod group;
pub mod intern;
pub mod partial;
pub mod state;
pub mod time;

use std::io::Read;
use std::path::PathBuf;

use clap::Parser;
use f2b_core::cli::{for_each_batch, NdjsonArgs, OutputArgs, Summary};
use f2b_core::input::{paths_or_stdin, Input};
use f2b_core::output::RecordWriter;
use f2b_core::progress::Progress;
use f2b_core::{Error, Result};

use crate::digest::Options;
use crate::fields::{Picker, Values};
use crate::group::Format;
use crate::partial::Partial;
use crate::state::State;

/// Records added together (see [`State::add_batch`]).
const BATCH: usize = 16;

/// What wrote a digest or partial: `f2b-agg VERSION`.
pub const GENERATOR: &str = concat!("f2b-agg ", env!("CARGO_PKG_VERSION"));

const EXAMPLES: &str = "\
Examples:
  # The digest of a whole collection, behind the charts:
  f2b-extract mail/*.mbox | f2b-geo | f2b-asn | f2b-agg --pretty > digest.json

  # The digest of the published, anonymized dataset:
  f2b-agg dataset.ndjson.gz > digest.json

  # Reports and distinct attackers per country and service, as CSV:
  f2b-agg --by country,service --top 20 records.ndjson > top.csv

  # Per day, as NDJSON (date comes from ts when a record has no date):
  f2b-agg --by date --ndjson records.ndjson | head

  # Scale out: shards processed apart, then merged (the same digest as one run):
  split -n l/4 -d records.ndjson shard.
  for s in shard.0?; do f2b-agg -q --partial $s > $s.partial & done; wait
  f2b-agg --merge shard.0?.partial > digest.json

Records whose `event` is a string other than `ban` (start/stop notices) are
counted as notices, not as reports. The digest format is described in
docs/digest.md.";

/// The digest behind the f2b charts, from full or anonymized records.
///
/// Reads NDJSON records in one pass and writes one JSON document: reports,
/// attackers and reporters by day, place, network, service, hour and weekday
/// (see docs/digest.md). Or, instead, a group-by table (--by), or a partial
/// digest (--partial) that --merge combines with others into exactly the
/// digest of one run.
#[derive(Parser, Debug)]
#[command(name = "f2b-agg", version, after_help = EXAMPLES)]
pub struct Args {
    #[command(flatten)]
    pub input: NdjsonArgs,

    #[command(flatten)]
    pub output: OutputArgs,

    /// Write a group-by table instead of the digest: one row per distinct
    /// value of the FIELDs (any record field; date, month, year, hour and
    /// weekday are derived from ts when absent) with reports and distinct
    /// attackers, sorted by reports.
    #[arg(long, value_name = "FIELD[,FIELD...]")]
    pub by: Option<String>,

    /// With --by: write NDJSON rows instead of CSV with a header.
    #[arg(long)]
    pub ndjson: bool,

    /// Keep only the first N entries of every ranked list of the digest
    /// (top_attackers has 100 by default), or the first N rows of --by.
    #[arg(long, value_name = "N")]
    pub top: Option<usize>,

    /// Write a partial digest (the exact state, mergeable) instead of the digest.
    #[arg(long)]
    pub partial: bool,

    /// The FILEs are partials written by --partial (gzip and several in one
    /// file are fine): merge them into the digest, or into one partial with
    /// --partial.
    #[arg(long)]
    pub merge: bool,

    /// Indent the digest JSON (it is one compact line by default).
    #[arg(long)]
    pub pretty: bool,
}

/// Runs f2b-agg.
pub fn run(args: Args) -> Result<()> {
    check_usage(&args)?;
    let quiet = args.output.quiet;
    let mut progress = Progress::new(if args.merge { "partials" } else { "records" }, quiet);
    if let Some(by) = &args.by {
        let fields = group::parse_fields(by)?;
        let (table, stats) = group::build(fields, &args.input, &mut progress)?;
        progress.finish();
        let mut out = RecordWriter::create(args.output.output.as_deref())?;
        let format = if args.ndjson {
            Format::Ndjson
        } else {
            Format::Csv
        };
        let rows = table.write(&mut out, format, args.top)?;
        out.finish()?;
        let mut summary = Summary::new("f2b-agg");
        summary
            .count(stats.records, "records in")
            .count(table.report_count, "reports")
            .count(table.notices, "notices")
            .count(stats.bad, "bad lines skipped")
            .count(rows, "rows out");
        summary.print(quiet);
        return Ok(());
    }

    let mut state = State::new();
    let mut summary = Summary::new("f2b-agg");
    if args.merge {
        let partials = merge_inputs(&args.input.files, &mut state, &mut progress)?;
        summary
            .count(partials, "partials merged")
            .count(state.records, "records")
            .count(state.reports, "reports")
            .count(state.notices.values().sum(), "notices");
    } else {
        let mut picker = Picker::new();
        let stats = for_each_batch(&args.input, &mut progress, BATCH, |records| {
            let mut values = vec![Values::default(); records.len()];
            for (r, v) in records.iter().zip(&mut values) {
                picker.pick(r, v);
            }
            state.add_batch(&values);
            Ok(())
        })?;
        summary
            .count(stats.records, "records in")
            .count(state.reports, "reports")
            .count(state.notices.values().sum(), "notices")
            .count(stats.bad, "bad lines skipped");
    }
    progress.finish();
    state.settle();

    let mut text = Vec::new();
    let encoded = if args.partial {
        serde_json::to_writer(&mut text, &Partial::of(&state))
    } else {
        let digest = state.digest(Options { top: args.top });
        if args.pretty {
            serde_json::to_writer_pretty(&mut text, &digest)
        } else {
            serde_json::to_writer(&mut text, &digest)
        }
    };
    encoded.map_err(|e| Error::data(format!("cannot encode the output: {e}")))?;
    text.push(b'\n');
    let mut out = RecordWriter::create(args.output.output.as_deref())?;
    out.write_record(&text)?;
    out.finish()?;
    summary.print(quiet);
    // The process ends here: freeing the state piece by piece (a few
    // hundred thousand strings, boxes and sets) would cost 2 % of a run's
    // instructions for nothing (callgrind).
    std::mem::forget(state);
    Ok(())
}

fn check_usage(args: &Args) -> Result<()> {
    let conflict = |a: &str, b: &str| Err(Error::usage(format!("{a} cannot be used with {b}")));
    if args.by.is_some() {
        if args.partial {
            return conflict("--by", "--partial");
        }
        if args.merge {
            return conflict("--by", "--merge");
        }
        if args.pretty {
            return conflict("--by", "--pretty");
        }
    } else if args.ndjson {
        return Err(Error::usage("--ndjson needs --by"));
    }
    if args.partial && args.top.is_some() {
        return conflict("--top", "--partial (a partial is exact)");
    }
    if args.partial && args.pretty {
        return conflict("--pretty", "--partial");
    }
    if args.merge && (args.input.skip_bad || args.input.rejects.is_some()) {
        return conflict("--merge", "--skip-bad/--rejects (they are for records)");
    }
    Ok(())
}

/// Merges every partial of every input into `state`; returns how many.
fn merge_inputs(files: &[PathBuf], state: &mut State, progress: &mut Progress) -> Result<u64> {
    let mut count = 0;
    for path in paths_or_stdin(files) {
        let mut input = Input::open(&path)?;
        let name = input.name.clone();
        let mut bytes = Vec::new();
        input
            .reader
            .read_to_end(&mut bytes)
            .map_err(|e| Error::io(format!("cannot read {name}"), e))?;
        let mut n = 0u64;
        for doc in serde_json::Deserializer::from_slice(&bytes).into_iter::<Partial>() {
            n += 1;
            let partial = doc.map_err(|e| {
                Error::data(format!("{name}: partial {n}: not an f2b-agg partial ({e})"))
            })?;
            partial
                .merge_into(state)
                .map_err(|e| Error::data(format!("{name}: partial {n}: {e}")))?;
            progress.tick();
        }
        if n == 0 {
            return Err(Error::data(format!(
                "{name}: no partial in it (empty input)"
            )));
        }
        count += n;
    }
    Ok(count)
}
