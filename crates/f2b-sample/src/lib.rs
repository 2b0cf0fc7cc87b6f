//! f2b-sample: the project's own sample data, made from scratch.
//!
//! - `mail`: synthetic mailboxes of bounced Fail2Ban reports in the real
//!   shapes (Fail2Ban templates × MTA bounce shapes × encodings × containers),
//!   with ground truth (`truth.ndjson`) and a manifest (`manifest.ndjson`);
//!   deterministic by seed and fast enough for benchmark corpora of millions
//!   of messages.
//! - `data`: small GeoIP (`.mmdb`, two layouts), prefix2as and `autnums.html`
//!   files covering the sample networks of `data/sample/geo.csv` and
//!   `data/sample/asn.csv`, so the whole pipeline runs offline.
//!
//! Modules, in the order a message is made: [`rng`] and [`time`] (seeded
//! randomness, zones and date formats), [`networks`] (the sample tables),
//! [`world`] (servers, relays, attackers, timeline), [`templates`] (Fail2Ban's
//! text), [`whois`] and [`logs`] (what reports paste in), [`bounces`] (MTA
//! stamps and bounce shapes), [`encode`] (QP, base64, CRLF, mboxrd),
//! [`noise`] (mail that is not a report), [`plan`] (incidents and arrival
//! order), [`render`] (one message and its truth), [`mailbox`] (containers),
//! [`mail`] (the subcommand: options, output files); and [`datafiles`] for `data`.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

pub mod bounces;
pub mod datafiles;
pub mod encode;
pub mod logs;
pub mod mail;
pub mod mailbox;
pub mod networks;
pub mod noise;
pub mod plan;
pub mod render;
pub mod rng;
pub mod templates;
pub mod time;
pub mod whois;
pub mod world;

const EXAMPLES: &str = "\
Examples:
  # The embedded sample (mbox 2010, mbox.gz 2011, mbox 2012, Maildir 2013-14):
  f2b-sample mail --messages 2500 --seed sample --reporters 800 --whois short \\
      --switch 2011-01-01=mbox.gz --switch 2012-01-01=mbox --switch 2013-01-01=maildir \\
      --out data/sample/mail
  # Its data files, then the whole pipeline offline:
  f2b-sample data --out out/data
  f2b-extract data/sample/mail/*.mbox* data/sample/mail/Maildir \\
      | f2b-geo --db out/data/sample-city.mmdb \\
      | f2b-asn --pfx2as-dir out/data --names out/data/autnums.html \\
      | f2b-anon | f2b-agg > digest.json
  # A benchmark corpus:
  f2b-sample mail --messages 200000 --seed bench --gzip --gzip-level 1 --out /tmp/corpus";

/// Sample data for f2b: synthetic bounce mailboxes with ground truth, and
/// small GeoIP, prefix2as and AS-name files covering their addresses.
#[derive(Parser, Debug)]
#[command(name = "f2b-sample", version, about, after_help = EXAMPLES)]
pub struct Cli {
    /// What to make.
    #[command(subcommand)]
    pub command: Command,
}

/// The subcommands.
#[derive(Subcommand, Debug)]
#[allow(clippy::large_enum_variant)] // parsed once per run
pub enum Command {
    /// Write mailboxes of bounced Fail2Ban reports (and other mail) with
    /// truth.ndjson (one line per ban report) and manifest.ndjson (one line
    /// per message).
    #[command(after_help = EXAMPLES)]
    Mail(mail::MailArgs),
    /// Write sample-city.mmdb (GeoLite2-City layout), sample-dbip-city*.mmdb
    /// (DB-IP lite layout), two dated prefix2as snapshots (IPv4 and IPv6) and
    /// autnums.html from the sample tables.
    #[command(after_help = EXAMPLES)]
    Data(DataArgs),
}

/// Options of `f2b-sample data`.
#[derive(Args, Debug, Clone)]
pub struct DataArgs {
    /// Output directory (created if needed).
    #[arg(long, value_name = "DIR")]
    pub out: PathBuf,

    /// Read geo.csv, asn.csv and route-changes.csv from DIR (e.g.
    /// data/sample) instead of the copies compiled in.
    #[arg(long, value_name = "DIR")]
    pub from: Option<PathBuf>,

    /// No summary line on stderr.
    #[arg(short, long)]
    pub quiet: bool,
}

/// Runs f2b-sample.
pub fn run(cli: Cli) -> f2b_core::Result<()> {
    match cli.command {
        Command::Mail(args) => mail::run(&args),
        Command::Data(args) => {
            let nets = match &args.from {
                Some(dir) => networks::SampleNetworks::load(dir)?,
                None => networks::SampleNetworks::embedded()?,
            };
            let written = datafiles::write_all(&nets, &args.out)?;
            if !args.quiet {
                eprintln!(
                    "f2b-sample: {} files written to {} ({} networks, {} routes)",
                    written.files.len(),
                    args.out.display(),
                    nets.geo.len(),
                    nets.asn.len()
                );
            }
            Ok(())
        }
    }
}
