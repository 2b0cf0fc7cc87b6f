//! Finding and loading the data: the routing source (prefix2as files, a
//! snapshot directory, range files or GeoLite2-ASN) and the AS names.
//!
//! Order (SPEC §2): the options; then `$F2B_PFX2AS` (prefix2as files separated
//! by `:`, or one snapshot directory) and `$F2B_ASNAMES`; then GeoLite2-ASN
//! where its updater puts it.

use std::path::{Path, PathBuf};

use f2b_core::datafile::DataFile;
use f2b_core::{Error, Result};

use crate::as_names::AsNames;
use crate::asn_db::AsnDb;
use crate::problems::RowProblems;
use crate::ranges;
use crate::routes::Prefix2As;
use crate::snapshots::Snapshots;
use crate::Args;

/// Where prefix2as data is looked for when no option names it.
pub const PFX2AS: DataFile = DataFile {
    what: "prefix2as table",
    option: "--pfx2as",
    env: "F2B_PFX2AS",
    dirs: &[],
    names: &[],
};

/// Where GeoLite2-ASN is looked for when neither an option nor `$F2B_PFX2AS`
/// names a routing source: where `geoipupdate` puts it.
pub const GEOLITE2_ASN_PLACES: &[&str] = &[
    "/usr/share/GeoIP/GeoLite2-ASN.mmdb",
    "/var/lib/GeoIP/GeoLite2-ASN.mmdb",
];

/// Where the AS names (`autnums.html`) are looked for.
pub const ASNAMES: DataFile = DataFile {
    what: "AS names file (CIDR Report autnums.html)",
    option: "--names",
    env: "F2B_ASNAMES",
    dirs: &[],
    names: &[],
};

/// The routing data records are looked up in.
pub enum Routing {
    /// One prefix2as table (from prefix2as or range files).
    Table(Box<Prefix2As>),
    /// Dated prefix2as snapshots, one chosen per record by its `ts`.
    Snapshots(Snapshots),
    /// A GeoLite2-ASN database.
    Mmdb(AsnDb),
}

/// Which kind of routing source the arguments and environment name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RoutingSource {
    /// prefix2as files.
    Pfx2As(Vec<PathBuf>),
    /// A snapshot directory.
    Snapshots(PathBuf),
    /// Range files.
    Ranges(Vec<PathBuf>),
    /// A GeoLite2-ASN database.
    Mmdb(PathBuf),
}

impl RoutingSource {
    /// The source the options name, else `$F2B_PFX2AS`, else GeoLite2-ASN in
    /// its usual places; an error naming everything looked for.
    pub fn locate(args: &Args) -> Result<RoutingSource> {
        if !args.pfx2as.is_empty() {
            return Ok(RoutingSource::Pfx2As(args.pfx2as.clone()));
        }
        if let Some(dir) = &args.pfx2as_dir {
            return Ok(RoutingSource::Snapshots(dir.clone()));
        }
        if !args.ranges.is_empty() {
            return Ok(RoutingSource::Ranges(args.ranges.clone()));
        }
        if let Some(db) = &args.mmdb {
            return Ok(RoutingSource::Mmdb(db.clone()));
        }
        if std::env::var_os(PFX2AS.env).is_some_and(|v| !v.is_empty()) {
            let paths = PFX2AS.locate(&[])?;
            return Ok(match paths.as_slice() {
                [one] if one.is_dir() => RoutingSource::Snapshots(one.clone()),
                _ => RoutingSource::Pfx2As(paths),
            });
        }
        let mut usual = GEOLITE2_ASN_PLACES.iter().map(Path::new);
        if let Some(found) = usual.find(|p| p.is_file()) {
            return Ok(RoutingSource::Mmdb(found.to_path_buf()));
        }
        Err(Error::data(format!(
            "no prefix2as table found: give one with --pfx2as FILE (or --pfx2as-dir DIR, \
             --ranges FILE, --mmdb FILE) or ${env}; also looked for {places}",
            env = PFX2AS.env,
            places = GEOLITE2_ASN_PLACES.join(", ")
        )))
    }
}

/// The loaded data and what to say about it in the summary.
pub struct Loaded {
    /// Where addresses are looked up.
    pub routing: Routing,
    /// AS names and countries: CIDR Report's, completed with those of the
    /// range files for ASes it does not list.
    pub names: Option<AsNames>,
    /// Where the names came from, for the summary ("" for CIDR Report).
    pub names_note: &'static str,
}

/// Loads the routing source and the names the arguments ask for. Malformed
/// rows go to `problems`.
pub fn load(args: &Args, problems: &mut RowProblems) -> Result<Loaded> {
    let source = RoutingSource::locate(args)?;
    let mut on_problem = |p: &crate::problems::RowProblem| problems.handle(p);
    // Names first, so that routes are bound to them as they are read.
    let mut names = load_names(args, &source, &mut on_problem)?;
    let mut source_names = AsNames::new();
    let routing = match &source {
        RoutingSource::Pfx2As(paths) => {
            let mut table = Prefix2As::new();
            for path in paths {
                if path.is_dir() {
                    return Err(Error::usage(format!(
                        "{} is a directory; use --pfx2as-dir for a directory of snapshots",
                        path.display()
                    )));
                }
                table.load_file(path, names.as_ref(), &mut on_problem)?;
            }
            Routing::Table(Box::new(table))
        }
        RoutingSource::Snapshots(dir) => {
            Routing::Snapshots(Snapshots::scan(dir, args.max_tables as usize)?)
        }
        RoutingSource::Ranges(paths) => {
            let mut table = Prefix2As::new();
            for path in paths {
                ranges::load_file(path, &mut table, &mut source_names, &mut on_problem)?;
            }
            Routing::Table(Box::new(table))
        }
        RoutingSource::Mmdb(path) => Routing::Mmdb(AsnDb::open(path)?),
    };
    let mut names_note = "";
    let mut routing = routing;
    if !source_names.is_empty() {
        // Range files carry names: CIDR Report's win, the ranges' fill in.
        match &mut names {
            Some(cidr) => cidr.add_missing(&source_names),
            None => {
                names = Some(source_names);
                names_note = " (from the ranges)";
            }
        }
        if let (Routing::Table(table), Some(names)) = (&mut routing, &names) {
            table.bind_names(names);
        }
    }
    Ok(Loaded {
        routing,
        names,
        names_note,
    })
}

/// The CIDR Report names: required with prefix2as data (unless `--no-names`),
/// optional with sources that carry names of their own.
fn load_names(
    args: &Args,
    source: &RoutingSource,
    on_problem: &mut dyn FnMut(&crate::problems::RowProblem) -> Result<()>,
) -> Result<Option<AsNames>> {
    if args.no_names {
        return Ok(None);
    }
    let given: Vec<PathBuf> = args.names.iter().cloned().collect();
    let required = matches!(
        source,
        RoutingSource::Pfx2As(_) | RoutingSource::Snapshots(_)
    );
    let paths = match ASNAMES.locate(&given) {
        Ok(paths) => paths,
        Err(e) if required => {
            return Err(Error::data(format!(
                "{e} (or --no-names to leave as_name and as_country null)"
            )))
        }
        Err(_) => return Ok(None),
    };
    let mut names = AsNames::new();
    for path in &paths {
        names.load_file(Path::new(path), on_problem)?;
    }
    Ok(Some(names))
}
