//! f2b-asn: adds the origin AS, its name and country, and the matched route to
//! f2b records, for the attacker's `ip` and the `reporter_ip` (SPEC §1).
//!
//! The modules, in the order data flows:
//! - [`prefix`]: addresses and prefixes (fast parsing, display);
//! - [`routes`]: Route Views prefix2as rows and the longest-prefix-match
//!   table ([`routes::Prefix2As`], a tree bitmap per family);
//! - [`ranges`]: `start,end,asn,name` CSV and iptoasn TSV, decomposed into
//!   CIDR blocks in the same table;
//! - [`snapshots`]: dated prefix2as snapshots, chosen per record by its `ts`;
//! - [`asn_db`]: GeoLite2-ASN as a routing source;
//! - [`as_names`]: AS names and countries from CIDR Report's `autnums.html`;
//! - [`sources`]: finding and loading all of the above;
//! - [`stage`]: the fields written per record.
//!
//! Every parser is a plain function over bytes that never panics.

#![warn(missing_docs)]

use std::path::PathBuf;
use std::time::Instant;

use clap::Parser;
use f2b_core::cli::{for_each_record, NdjsonArgs, OutputArgs, Summary};
use f2b_core::output::RecordWriter;
use f2b_core::progress::Progress;
use f2b_core::{Patch, Result};

pub mod as_names;
pub mod asn_db;
pub mod prefix;
pub mod problems;
pub mod ranges;
pub mod routes;
pub mod snapshots;
pub mod sources;
pub mod stage;
pub mod time;

use problems::RowProblems;
use sources::Routing;
use stage::Enricher;

const BIN: &str = "f2b-asn";

const AFTER_HELP: &str = "\
Fields (for `ip`, and the same with prefix `reporter_` for `reporter_ip`):
  asn         the origin AS (for a multi-origin or AS-set route, the first listed)
  asns        every origin, when there is more than one; null otherwise
  as_name     the AS name (CIDR Report; else the range file's or GeoLite2's)
  as_country  the AS's registry country (CIDR Report; iptoasn ranges)
  prefix      the matched route, a.b.c.d/n (longest-prefix match)
Unresolved addresses give nulls; every other field passes through unchanged.
IPv4-mapped IPv6 addresses (::ffff:a.b.c.d) are looked up as IPv4.

Data files are found from the options, then $F2B_PFX2AS (prefix2as files
separated by ':', or one snapshot directory) and $F2B_ASNAMES (autnums.html),
then /usr/share/GeoIP/GeoLite2-ASN.mmdb and /var/lib/GeoIP/GeoLite2-ASN.mmdb.

Examples:
  f2b-extract mail/*.mbox | f2b-geo | f2b-asn \\
      --pfx2as routeviews-rv2-20110704-1200.pfx2as.gz \\
      --pfx2as routeviews-rv6-20110704-1200.pfx2as.gz \\
      --names autnums.html | f2b-anon | f2b-agg > digest.json

  # each report mapped with the routing table of its own day
  f2b-asn --pfx2as-dir routeviews/ --names autnums.html reports.ndjson.gz

  export F2B_PFX2AS=rv2.pfx2as.gz:rv6.pfx2as.gz F2B_ASNAMES=autnums.html
  f2b-asn -q < records.ndjson | head

  f2b-asn --mmdb GeoLite2-ASN.mmdb records.ndjson -o enriched.ndjson";

/// Adds origin AS, AS name and country, and the matched route to f2b records,
/// by longest-prefix match on Route Views prefix2as data.
#[derive(Parser, Debug)]
#[command(name = "f2b-asn", version, about, long_about = None, after_help = AFTER_HELP)]
pub struct Args {
    /// Route Views prefix2as file, IPv4 or IPv6, gzip or plain (repeatable).
    #[arg(long = "pfx2as", value_name = "FILE", help_heading = "Data")]
    pub pfx2as: Vec<PathBuf>,

    /// Directory of dated snapshots (routeviews-rv2-YYYYMMDD-HHMM.pfx2as.gz,
    /// routeviews-rv6-...): each record is looked up in the latest snapshot not
    /// after its `ts` (the earliest if all are later; no `ts`: the newest).
    #[arg(
        long = "pfx2as-dir",
        value_name = "DIR",
        help_heading = "Data",
        conflicts_with = "pfx2as"
    )]
    pub pfx2as_dir: Option<PathBuf>,

    /// With --pfx2as-dir: at most N tables in memory; the least recently used
    /// goes. Records sorted by time load each table once.
    #[arg(
        long = "max-tables",
        value_name = "N",
        default_value_t = 4,
        value_parser = clap::value_parser!(u32).range(1..=1024),
        help_heading = "Data"
    )]
    pub max_tables: u32,

    /// CIDR Report autnums.html, for AS names and countries.
    #[arg(long = "names", value_name = "FILE", help_heading = "Data")]
    pub names: Option<PathBuf>,

    /// Do not look for AS names: as_name and as_country stay null (unless the
    /// routing source carries names).
    #[arg(long = "no-names", conflicts_with = "names", help_heading = "Data")]
    pub no_names: bool,

    /// Address-range file instead of prefix2as (repeatable): `start,end,asn,name`
    /// CSV (ip-location-db) or iptoasn's TSV; ranges become CIDR blocks.
    #[arg(
        long = "ranges",
        value_name = "FILE",
        help_heading = "Data",
        conflicts_with_all = ["pfx2as", "pfx2as_dir"]
    )]
    pub ranges: Vec<PathBuf>,

    /// GeoLite2-ASN database instead of prefix2as (single origin, no country
    /// unless --names gives one).
    #[arg(
        long = "mmdb",
        value_name = "FILE",
        help_heading = "Data",
        conflicts_with_all = ["pfx2as", "pfx2as_dir", "ranges"]
    )]
    pub mmdb: Option<PathBuf>,

    /// Stop at the first malformed row of a data file instead of reporting
    /// and skipping it.
    #[arg(long = "strict", help_heading = "Data")]
    pub strict: bool,

    #[command(flatten)]
    #[allow(missing_docs)]
    pub input: NdjsonArgs,

    #[command(flatten)]
    #[allow(missing_docs)]
    pub output: OutputArgs,
}

/// Runs f2b-asn: loads the data, enriches every record, prints the summary.
pub fn run(args: Args) -> Result<()> {
    let started = Instant::now();
    let mut problems = RowProblems::new(BIN, args.strict);
    let loaded = sources::load(&args, &mut problems)?;
    let load_time = started.elapsed();
    let mut enricher = Enricher::new(loaded, problems);

    let mut out = RecordWriter::create(args.output.output.as_deref())?;
    let mut progress = Progress::new("records", args.output.quiet);
    let mut patch = Patch::new();
    let stats = for_each_record(&args.input, &mut progress, |record| {
        patch.clear();
        enricher.enrich(record, &mut patch)?;
        record.write_patched(&patch, out.buffer());
        out.end_record()
    })?;
    out.finish()?;
    progress.finish();

    let mut summary = Summary::new(BIN);
    stats.describe(&mut summary);
    summary.part(describe_run(
        &enricher,
        out.records(),
        load_time.as_secs_f64(),
    ));
    summary.print(args.output.quiet);
    // Tearing down a million-node trie takes longer than the exit that
    // frees it anyway.
    std::mem::forget(enricher);
    Ok(())
}

/// The summary after "N records in": records out, per-field counts, the data.
fn describe_run(e: &Enricher, out: u64, load_secs: f64) -> String {
    let mut s = format!(
        "{out} out; {}; {}; ",
        e.stats[0].describe("ip"),
        e.stats[1].describe("reporter_ip")
    );
    match e.routing() {
        Routing::Table(t) => s.push_str(&format!(
            "table: {} v4 + {} v6 prefixes",
            t.len_v4(),
            t.len_v6()
        )),
        Routing::Snapshots(snaps) => {
            let st = snaps.stats();
            s.push_str(&format!(
                "snapshots: {} of {} v4 and {} of {} v6 used, {} loads",
                st.used_v4,
                snaps.files(snapshots::Family::V4).len(),
                st.used_v6,
                snaps.files(snapshots::Family::V6).len(),
                st.loads
            ));
            if e.bad_ts > 0 {
                s.push_str(&format!(
                    ", {} records with an unreadable ts used the newest",
                    e.bad_ts
                ));
            }
        }
        Routing::Mmdb(db) => s.push_str(&format!("table: {}", db.database_type())),
    }
    if e.malformed_rows() > 0 {
        s.push_str(&format!(" ({} malformed rows skipped)", e.malformed_rows()));
    }
    s.push_str(&format!(", loaded in {load_secs:.2} s"));
    if let Some(n) = e.names() {
        s.push_str(&format!("; names: {} ASes{}", n.len(), e.names_note()));
    }
    s
}
