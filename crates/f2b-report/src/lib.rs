//! f2b-report: one self-contained HTML page of charts from the digest that
//! `f2b-agg` writes.
//!
//! Everything is drawn here, as inline SVG: the page loads nothing from the
//! network and needs no script to show its charts.
//!
//! - [`digest`] reads the digest (`docs/digest.md`), tolerant of extra fields;
//! - [`calendar`] turns dates into numbers a timeline can place;
//! - [`svg`] holds the small drawing helpers: escaping, ticks, colours;
//! - [`charts`] draws each chart, with a table of its numbers;
//! - [`page`] puts them in the page with the headline, style and script.

pub mod calendar;
pub mod charts;
pub mod digest;
pub mod page;
pub mod svg;

use std::io::Read;
use std::path::PathBuf;

use clap::Parser;
use f2b_core::cli::{OutputArgs, Summary};
use f2b_core::input::Input;
use f2b_core::output::RecordWriter;
use f2b_core::{Error, Result};

use crate::digest::Digest;

/// The title of the page when `--title` is not given.
pub const DEFAULT_TITLE: &str = "Fail2Ban ban reports";

/// Bars of a ranked chart when `--top` is not given.
pub const DEFAULT_TOP: usize = 15;

/// The most bars `--top` allows: more would not be readable anyway.
pub const MAX_TOP: usize = 1000;

const EXAMPLES: &str = "\
Charts: reports per day with the gaps in the collection shaded; top attacker
countries; top attacking networks (AS) with their names; services attacked;
reports by reporter country; who attacks whom (attacker country x reporter
country); hour of day x weekday. Each has a table of its numbers; a chart whose
data is not in the digest says so.

Examples:
  # The page of a whole collection:
  f2b-extract mail/*.mbox | f2b-geo | f2b-asn | f2b-agg | f2b-report -o report.html

  # From records already enriched, or from the anonymized dataset:
  f2b-agg < records.ndjson | f2b-report -o report.html
  f2b-agg dataset.ndjson.gz > digest.json
  f2b-report --title 'Fail2Ban reports 2010-2014' --top 20 digest.json > report.html

The page is one HTML file with inline SVG, CSS and a few lines of script; it
loads nothing from the network. The digest format is described in
docs/digest.md.";

/// One self-contained HTML page of charts (inline SVG, no network) from the
/// digest written by f2b-agg: reports per day with the gaps, top countries,
/// networks and services, reporters by country, who attacks whom, and the
/// hour x weekday heat map.
#[derive(Parser, Debug)]
#[command(name = "f2b-report", version, about, after_help = EXAMPLES)]
pub struct Args {
    /// The digest written by f2b-agg (gzip is read transparently); none or `-`
    /// reads stdin.
    #[arg(value_name = "DIGEST")]
    pub digest: Option<PathBuf>,

    #[command(flatten)]
    pub output: OutputArgs,

    /// The title of the page.
    #[arg(long, value_name = "TEXT", default_value = DEFAULT_TITLE)]
    pub title: String,

    /// Bars of each ranked chart, and rows and columns of the who-attacks-whom
    /// matrix (1 to 1000).
    #[arg(long, value_name = "N", default_value_t = DEFAULT_TOP)]
    pub top: usize,
}

/// What a run made: the page and what the summary line says about it.
#[derive(Debug)]
pub struct Report {
    /// The HTML page.
    pub html: String,
    /// Charts on the page.
    pub charts: usize,
    /// Charts that say "no data".
    pub empty: usize,
}

/// Renders the page of a digest: the whole work of f2b-report, without I/O.
pub fn render(digest: &Digest, title: &str, top: usize) -> Report {
    let charts = charts::all(digest, top);
    let html = page::render(title, digest, &charts);
    Report {
        html,
        charts: charts.len(),
        empty: charts.iter().filter(|c| !c.has_data()).count(),
    }
}

/// Runs f2b-report.
pub fn run(args: Args) -> Result<()> {
    if !(1..=MAX_TOP).contains(&args.top) {
        return Err(Error::usage(format!(
            "--top must be between 1 and {MAX_TOP}, not {}",
            args.top
        )));
    }
    let path = args.digest.clone().unwrap_or_else(|| PathBuf::from("-"));
    let mut input = Input::open(&path)?;
    let name = input.name.clone();
    let mut bytes = Vec::new();
    input
        .reader
        .read_to_end(&mut bytes)
        .map_err(|e| Error::io(format!("cannot read {name}"), e))?;
    let digest = Digest::parse(&name, &bytes)?;
    drop(bytes);

    let report = render(&digest, &args.title, args.top);
    let mut out = RecordWriter::create(args.output.output.as_deref())?;
    out.write_record(report.html.as_bytes())?;
    out.finish()?;

    let mut summary = Summary::new("f2b-report");
    if report.empty > 0 {
        summary.part(format!(
            "{} charts ({} with no data)",
            report.charts, report.empty
        ));
    } else {
        summary.count(report.charts as u64, "charts");
    }
    summary.count(digest.reports, "reports");
    if let (Some(first), Some(last)) = (&digest.first, &digest.last) {
        summary.part(format!("{first}..{last}"));
    }
    summary.print(args.output.quiet);
    Ok(())
}
