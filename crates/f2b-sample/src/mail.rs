//! The `mail` subcommand: plans a mailbox's worth of incidents over the
//! timeline, renders each message (report → local MTA → bounce → collecting
//! provider), stores it, and writes the ground truth (`truth.ndjson`, one line
//! per ban report) and the manifest (`manifest.ndjson`, one line per message).
//!
//! Plan first, render second: arrival order must be known before writing
//! (a delay warning arrives days before the failure that holds its report),
//! and every message is rendered from its own seed-derived stream, so the
//! output depends only on the arguments.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::time::Instant;

use clap::builder::RangedU64ValueParser;
use clap::Args;
use f2b_core::{Error, Result};
use serde::Serialize;

use crate::mailbox::{Archive, Container, Location};
use crate::networks::SampleNetworks;
use crate::plan::{self, Incident, Planned, Role, KIND_WEIGHTS};
use crate::render::{render, Rendered, Truth};
use crate::rng::{hash_text, Rng, Weighted};
use crate::templates;
use crate::time::{self, Ts};
use crate::whois::WhoisSize;
use crate::world::{self, Rates, World, WorldSpec};

/// Most messages one run writes (ten times the benchmark corpus). Every
/// message is planned before the first is written, so memory grows with it.
pub const MAX_MESSAGES: u64 = 20_000_000;
/// Most reporting servers (each is a few hundred bytes of state).
pub const MAX_REPORTERS: u64 = 1_000_000;
/// Largest attacker pool (the default for `MAX_MESSAGES` is a third of it).
pub const MAX_ATTACKERS: u64 = 10_000_000;

/// Options of `f2b-sample mail`.
#[derive(Args, Debug, Clone)]
pub struct MailArgs {
    /// Number of messages to write, 1 to 20,000,000 (the plan is held in
    /// memory: about 90 bytes a message, ~6 GB of mbox per 2,000,000).
    #[arg(long, value_name = "N",
          value_parser = clap::value_parser!(u64).range(1..=MAX_MESSAGES))]
    pub messages: u64,

    /// Seed (any text): the same arguments and seed give the same bytes.
    #[arg(long, value_name = "S", default_value = "1")]
    pub seed: String,

    /// Output directory (created if needed; files of the same names are replaced).
    #[arg(long, value_name = "DIR")]
    pub out: PathBuf,

    /// Container: mbox files per arrival month, a Maildir, or one .eml file per message.
    #[arg(long, value_enum, default_value_t = Format::Mbox)]
    pub format: Format,

    /// Compress mbox files (and eml files) with gzip.
    #[arg(long)]
    pub gzip: bool,

    /// gzip level, 1 (fastest, for big benchmark corpora) to 9 (smallest).
    #[arg(long, value_name = "N", default_value_t = 6,
          value_parser = clap::value_parser!(u32).range(1..=9))]
    pub gzip_level: u32,

    /// Switch container for messages arriving from DATE on (repeatable):
    /// FORMAT is mbox, mbox.gz, maildir, eml or eml.gz.
    #[arg(long = "switch", value_name = "DATE=FORMAT")]
    pub switches: Vec<String>,

    /// First day of reports.
    #[arg(long, value_name = "DATE", default_value = "2010-03-01")]
    pub start: String,

    /// Last day of reports.
    #[arg(long, value_name = "DATE", default_value = "2014-06-30")]
    pub end: String,

    /// Number of reporting servers, 1 to 1,000,000.
    #[arg(long, value_name = "N", default_value_t = 5000,
          value_parser = RangedU64ValueParser::<usize>::new().range(1..=MAX_REPORTERS))]
    pub reporters: usize,

    /// Size of the attacker pool, up to 10,000,000 [default: messages / 3, at least 300].
    #[arg(long, value_name = "N",
          value_parser = RangedU64ValueParser::<usize>::new().range(0..=MAX_ATTACKERS))]
    pub attackers: Option<usize>,

    /// Length of pasted whois output.
    #[arg(long, value_enum, default_value_t = WhoisSize::Full)]
    pub whois: WhoisSize,

    /// Message kind weights, e.g. `ban=70,summary=5` (others keep their defaults).
    ///
    /// Kinds and default weights: ban=74, summary=4, start=3, stop=3,
    /// headers-only=4, truncated=3, warning=3.5, duplicate=1.5, not-f2b=2.5,
    /// not-bounce=2.
    #[arg(long, value_name = "KIND=W,...")]
    pub kinds: Option<String>,

    /// MTA weights of reporting servers, e.g. `qmail=20,relay=10`.
    ///
    /// Defaults: postfix=38, exim=24, sendmail=22 (a quarter of them old
    /// plain-text Sendmail), qmail=11, courier=5, relay=8 (the share of servers
    /// whose bounces a smarthost writes: Postfix, Exim, Exchange or Sendmail).
    #[arg(long, value_name = "MTA=W,...")]
    pub mtas: Option<String>,

    /// Fail2Ban template weights, e.g. `0.8/sendmail-whois=50,0.10/sendmail=5`.
    ///
    /// Defaults: 0.8/sendmail-whois=40, 0.8/sendmail=14,
    /// 0.8/sendmail-whois-lines=7, 0.8/sendmail-buffered=4, 0.8/mail-whois=5,
    /// 0.8/mail=4, 0.8/mail-whois-lines=2, 0.9/sendmail-whois=6, 0.9/sendmail=3,
    /// 0.9/sendmail-whois-lines=2, 0.9/sendmail-geoip-lines=3,
    /// 0.9/sendmail-buffered=1, 0.10/sendmail-whois=3, 0.10/sendmail=2,
    /// 0.10/sendmail-whois-lines=1, 0.10/sendmail-geoip-lines=1,
    /// 0.10/sendmail-buffered=1 (0.10 stands for 0.10 – 1.x).
    #[arg(long, value_name = "TEMPLATE=W,...")]
    pub templates: Option<String>,

    /// Feature rates (0–1), e.g. `qp=0.1,crlf=0.05,ipv6=0.03`.
    ///
    /// Defaults: qp=0.06, base64=0.04, octet=0.01 (servers whose copies come
    /// back encoded), crlf=0.03 (messages), ipv6=0.02 (attackers), mapped=0.03
    /// (servers logging ::ffff:a.b.c.d), unresolved=0.05 (attackers outside the
    /// sample networks), latin1=0.5 (accented whois blocks in ISO-8859-1),
    /// long-lines=0.03, no-provider=0.02, fetchmail=0.03, no-date=0.02,
    /// no-msgid=0.01, amavis=0.15, missing-whois=0.15.
    #[arg(long, value_name = "FEATURE=P,...")]
    pub rates: Option<String>,

    /// Read geo.csv and asn.csv from DIR instead of the compiled-in sample tables.
    #[arg(long, value_name = "DIR")]
    pub from: Option<PathBuf>,

    /// Rendering threads [default: the number of CPUs]; the output does not depend on it.
    #[arg(long, value_name = "N")]
    pub jobs: Option<usize>,

    /// No summary line on stderr.
    #[arg(short, long)]
    pub quiet: bool,
}

/// The base container format.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// mbox files per arrival month.
    Mbox,
    /// A Maildir.
    Maildir,
    /// One .eml file per message.
    Eml,
}

#[derive(Serialize)]
struct TruthLine<'a> {
    msg: u64,
    src: &'a str,
    event: &'static str,
    ts: String,
    ip: String,
    jail: &'a str,
    failures: Option<u32>,
    reporter_host: &'a str,
    reporter_ip: Option<String>,
    msgid: Option<&'a str>,
}

#[derive(Serialize)]
struct ManifestLine<'a> {
    msg: u64,
    file: &'a str,
    offset: Option<u64>,
    kind: &'a str,
    reports: usize,
    #[serde(skip_serializing_if = "Option::is_none")]
    dup_of: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    mta: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    template: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    copy: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    encoding: Option<&'a str>,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    crlf: bool,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    fetchmail: bool,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    no_provider: bool,
}

/// Parses `NAME=W,NAME=W` over `defaults`; unknown names are a usage error.
pub fn parse_weights(
    what: &str,
    text: Option<&str>,
    defaults: &[(&str, f64)],
) -> Result<Vec<(String, f64)>> {
    let mut table: Vec<(String, f64)> = defaults.iter().map(|(n, w)| (n.to_string(), *w)).collect();
    for item in text
        .unwrap_or("")
        .split(',')
        .filter(|s| !s.trim().is_empty())
    {
        let (name, value) = item
            .split_once('=')
            .ok_or_else(|| Error::usage(format!("--{what}: {item:?} is not NAME=WEIGHT")))?;
        let value: f64 = value
            .trim()
            .parse()
            .ok()
            .filter(|v: &f64| v.is_finite() && *v >= 0.0)
            .ok_or_else(|| Error::usage(format!("--{what}: {value:?} is not a weight")))?;
        let slot = table
            .iter_mut()
            .find(|(n, _)| n == name.trim())
            .ok_or_else(|| {
                let names: Vec<&str> = defaults.iter().map(|(n, _)| *n).collect();
                Error::usage(format!(
                    "--{what}: unknown name {:?} (one of {})",
                    name.trim(),
                    names.join(", ")
                ))
            })?;
        slot.1 = value;
    }
    if table.iter().all(|(_, w)| *w == 0.0) {
        return Err(Error::usage(format!("--{what}: every weight is 0")));
    }
    Ok(table)
}

fn parse_rates(text: Option<&str>) -> Result<Rates> {
    let mut rates = Rates::default();
    for item in text
        .unwrap_or("")
        .split(',')
        .filter(|s| !s.trim().is_empty())
    {
        let (name, value) = item
            .split_once('=')
            .ok_or_else(|| Error::usage(format!("--rates: {item:?} is not NAME=P")))?;
        let value: f64 = value
            .trim()
            .parse()
            .ok()
            .filter(|v: &f64| (0.0..=1.0).contains(v))
            .ok_or_else(|| Error::usage(format!("--rates: {value:?} is not a rate in 0..1")))?;
        if !rates.set(name.trim(), value) {
            return Err(Error::usage(format!(
                "--rates: unknown name {:?} (one of {})",
                name.trim(),
                Rates::NAMES.join(", ")
            )));
        }
    }
    Ok(rates)
}

fn parse_day(option: &str, text: &str) -> Result<Ts> {
    time::parse_date(text)
        .ok_or_else(|| Error::usage(format!("--{option}: {text:?} is not a date (YYYY-MM-DD)")))
}

/// The container schedule from `--format`, `--gzip` and `--switch`.
fn schedule(args: &MailArgs) -> Result<Vec<(Ts, Container)>> {
    let base = match (args.format, args.gzip) {
        (Format::Mbox, false) => Container::Mbox,
        (Format::Mbox, true) => Container::MboxGz,
        (Format::Eml, false) => Container::Eml,
        (Format::Eml, true) => Container::EmlGz,
        (Format::Maildir, true) => {
            return Err(Error::usage("--gzip applies to mbox and eml, not maildir"))
        }
        (Format::Maildir, false) => Container::Maildir,
    };
    let mut out = vec![(i64::MIN, base)];
    for switch in &args.switches {
        let (date, format) = switch
            .split_once('=')
            .ok_or_else(|| Error::usage(format!("--switch: {switch:?} is not DATE=FORMAT")))?;
        let container = format
            .parse::<Container>()
            .map_err(|e| Error::usage(format!("--switch: {e}")))?;
        out.push((parse_day("switch", date)?, container));
    }
    Ok(out)
}

/// Runs `f2b-sample mail`.
pub fn run(args: &MailArgs) -> Result<()> {
    let started = Instant::now();
    if args.messages == 0 {
        return Err(Error::usage("--messages must be at least 1"));
    }
    if args.reporters == 0 {
        return Err(Error::usage("--reporters must be at least 1"));
    }
    let start = parse_day("start", &args.start)?;
    let end = parse_day("end", &args.end)?;
    if end < start {
        return Err(Error::usage("--end is before --start"));
    }
    let schedule = schedule(args)?;
    let kind_defaults: Vec<(&str, f64)> = KIND_WEIGHTS.iter().map(|(n, _, w)| (*n, *w)).collect();
    let kind_weights = parse_weights("kinds", args.kinds.as_deref(), &kind_defaults)?;
    let mtas = parse_weights("mtas", args.mtas.as_deref(), world::MTA_WEIGHTS)?;
    let template_defaults: Vec<(&str, f64)> = templates::FAMILIES
        .iter()
        .map(|(n, _, _, w)| (*n, *w))
        .collect();
    let templates = parse_weights("templates", args.templates.as_deref(), &template_defaults)?;
    let rates = parse_rates(args.rates.as_deref())?;
    let nets = match &args.from {
        Some(dir) => SampleNetworks::load(dir)?,
        None => SampleNetworks::embedded()?,
    };
    let seed = hash_text(&args.seed);
    let spec = WorldSpec {
        seed,
        reporters: args.reporters,
        attackers: args
            .attackers
            .unwrap_or((args.messages / 3) as usize)
            .max(300),
        start,
        end,
        mtas,
        templates,
        rates,
        whois: args.whois,
    };
    let world = World::build(&spec, nets);
    let kinds = Weighted::new(KIND_WEIGHTS.iter().map(|(name, kind, _)| {
        let w = kind_weights
            .iter()
            .find(|(n, _)| n == name)
            .map_or(0.0, |(_, w)| *w);
        (*kind, w)
    }));
    let (incidents, plan) = plan::plan(&world, &kinds, args.messages, seed);
    let jobs = args
        .jobs
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()))
        .max(1);
    let archive = Archive::new(&args.out, schedule)?.with_gzip_level(args.gzip_level);
    let stats = write(&world, &incidents, &plan, seed, &args.out, archive, jobs)?;
    if !args.quiet {
        let secs = started.elapsed().as_secs_f64().max(1e-9);
        eprintln!(
            "f2b-sample: {} messages, {} reports, {:.1} MB written to {} in {:.1} s ({:.0} messages/s)",
            plan.len(),
            stats.reports,
            stats.bytes as f64 / 1e6,
            args.out.display(),
            secs,
            plan.len() as f64 / secs
        );
    }
    Ok(())
}

struct Stats {
    reports: u64,
    bytes: u64,
}

fn output_error(path: &Path, e: std::io::Error) -> Error {
    Error::io(format!("cannot write {}", path.display()), e)
}

/// Where rendered messages go: the archive, the truth and the manifest.
struct Sink<'p> {
    archive: Archive,
    truth: BufWriter<File>,
    manifest: BufWriter<File>,
    truth_path: PathBuf,
    manifest_path: PathBuf,
    line: Vec<u8>,
    stats: Stats,
    /// Which message holds each incident's report (1-based; 0 = none).
    holder: Vec<u64>,
    /// Messages from this index on go to a Maildir's `new/`.
    fresh_from: usize,
    seed: u64,
    plan: &'p [Planned],
}

impl Sink<'_> {
    /// Stores message `i` and writes its truth and manifest lines.
    fn store(&mut self, i: usize, rendered: &Rendered) -> Result<()> {
        let p = &self.plan[i];
        let number = i as u64 + 1;
        let mut rng = Rng::derive(self.seed, "store", number);
        let location = self.archive.add(
            number,
            p.arrival,
            &rendered.envelope,
            &rendered.bytes,
            i >= self.fresh_from,
            &mut rng,
        )?;
        self.stats.bytes += rendered.bytes.len() as u64;
        let holder = self.holder[p.incident as usize];
        let holds = holder == number;
        let dup_of = (!holds && matches!(p.role, Role::Repeat | Role::Warning) && holder != 0)
            .then_some(holder);
        let reports = if holds { &rendered.reports[..] } else { &[] };
        write_lines(
            &mut self.truth,
            &mut self.manifest,
            &mut self.line,
            number,
            &location,
            rendered,
            reports,
            dup_of,
        )
        .map_err(|e| output_error(&self.truth_path, e))?;
        self.stats.reports += reports.len() as u64;
        Ok(())
    }

    fn finish(mut self) -> Result<Stats> {
        self.archive.finish()?;
        self.truth
            .flush()
            .map_err(|e| output_error(&self.truth_path, e))?;
        self.manifest
            .flush()
            .map_err(|e| output_error(&self.manifest_path, e))?;
        Ok(self.stats)
    }
}

/// Renders every planned message in arrival order and writes it, the truth
/// and the manifest.
fn write(
    world: &World,
    incidents: &[Incident],
    plan: &[Planned],
    seed: u64,
    out: &Path,
    archive: Archive,
    jobs: usize,
) -> Result<Stats> {
    let truth_path = out.join("truth.ndjson");
    let manifest_path = out.join("manifest.ndjson");
    let truth = File::create(&truth_path).map_err(|e| output_error(&truth_path, e))?;
    let manifest = File::create(&manifest_path).map_err(|e| output_error(&manifest_path, e))?;
    let mut holder = vec![0u64; incidents.len()];
    for (i, p) in plan.iter().enumerate() {
        let holds = match p.role {
            Role::Only | Role::Original | Role::Final => true,
            Role::Warning => !incidents[p.incident as usize].has_final,
            Role::Repeat => false,
        };
        if holds {
            holder[p.incident as usize] = i as u64 + 1;
        }
    }
    let mut sink = Sink {
        archive,
        truth: BufWriter::with_capacity(256 * 1024, truth),
        manifest: BufWriter::with_capacity(256 * 1024, manifest),
        truth_path,
        manifest_path,
        line: Vec::with_capacity(512),
        stats: Stats {
            reports: 0,
            bytes: 0,
        },
        holder,
        fresh_from: plan.len() - plan.len().div_ceil(33),
        seed,
        plan,
    };
    let render_all = |batch: &[Planned]| -> Vec<Rendered> {
        batch
            .iter()
            .map(|p| render(world, &incidents[p.incident as usize], p, seed))
            .collect()
    };
    // Messages are rendered in parallel batches and written in order; each
    // is rendered from its own stream, so the bytes do not depend on `jobs`.
    const BATCH: usize = 4096;
    for (b, batch) in plan.chunks(BATCH).enumerate() {
        let rendered: Vec<Rendered> = if jobs == 1 || batch.len() < 256 {
            render_all(batch)
        } else {
            let per = batch.len().div_ceil(jobs);
            std::thread::scope(|scope| {
                let handles: Vec<_> = batch
                    .chunks(per)
                    .map(|chunk| scope.spawn(move || render_all(chunk)))
                    .collect();
                handles
                    .into_iter()
                    .flat_map(|h| h.join().unwrap_or_else(|e| std::panic::resume_unwind(e)))
                    .collect()
            })
        };
        for (j, rendered) in rendered.iter().enumerate() {
            sink.store(b * BATCH + j, rendered)?;
        }
    }
    sink.finish()
}

#[allow(clippy::too_many_arguments)]
fn write_lines(
    truth: &mut impl Write,
    manifest: &mut impl Write,
    line: &mut Vec<u8>,
    number: u64,
    location: &Location,
    rendered: &Rendered,
    reports: &[Truth],
    dup_of: Option<u64>,
) -> std::io::Result<()> {
    let src = location.src();
    for t in reports {
        line.clear();
        serde_json::to_writer(
            &mut *line,
            &TruthLine {
                msg: number,
                src: &src,
                event: "ban",
                ts: f2b_core::time::format_rfc3339(t.ts),
                ip: t.ip.to_string(),
                jail: t.jail,
                failures: t.failures,
                reporter_host: &t.reporter_host,
                reporter_ip: t.reporter_ip.map(|ip| ip.to_string()),
                msgid: t.msgid.as_deref(),
            },
        )?;
        line.push(b'\n');
        truth.write_all(line)?;
    }
    line.clear();
    serde_json::to_writer(
        &mut *line,
        &ManifestLine {
            msg: number,
            file: &location.file,
            offset: location.offset,
            kind: rendered.kind,
            reports: reports.len(),
            dup_of,
            mta: rendered.mta.as_deref(),
            template: rendered.template.as_deref(),
            copy: rendered.copy,
            encoding: rendered.encoding,
            crlf: rendered.crlf,
            fetchmail: rendered.fetchmail,
            no_provider: rendered.no_provider,
        },
    )?;
    line.push(b'\n');
    manifest.write_all(line)
}
