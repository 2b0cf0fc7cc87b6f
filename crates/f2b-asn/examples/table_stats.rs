//! Loads prefix2as files and an autnums.html and prints what they hold, how
//! long each took and how much memory the tables use.
//!
//! ```text
//! cargo run --release -p f2b-asn --example table_stats -- \
//!     --names autnums.html rv2.pfx2as.gz rv6.pfx2as.gz
//! ```

use std::io::Write;
use std::path::PathBuf;
use std::time::Instant;

use f2b_asn::as_names::AsNames;
use f2b_asn::routes::Prefix2As;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut names_path: Option<PathBuf> = None;
    let mut tables = Vec::new();
    let mut args = std::env::args_os().skip(1);
    while let Some(arg) = args.next() {
        if arg == "--names" {
            names_path = args.next().map(PathBuf::from);
        } else {
            tables.push(PathBuf::from(arg));
        }
    }
    let mut out = std::io::stdout().lock();
    let mut ignore = |p: &f2b_asn::problems::RowProblem| {
        eprintln!("malformed: {p}");
        Ok(())
    };
    let names = match &names_path {
        Some(path) => {
            let t = Instant::now();
            let mut names = AsNames::new();
            let stats = names.load_file(path, &mut ignore)?;
            writeln!(
                out,
                "names: {} ASes ({} lines) in {:.3} s, {:.1} MB",
                names.len(),
                stats.entries,
                t.elapsed().as_secs_f64(),
                names.mem_usage() as f64 / 1e6
            )?;
            Some(names)
        }
        None => None,
    };
    let mut table = Prefix2As::new();
    for path in &tables {
        let t = Instant::now();
        let stats = table.load_file(path, names.as_ref(), &mut ignore)?;
        writeln!(
            out,
            "{}: {} v4 + {} v6 rows ({} malformed) in {:.3} s",
            path.display(),
            stats.v4_rows,
            stats.v6_rows,
            stats.malformed,
            t.elapsed().as_secs_f64()
        )?;
    }
    writeln!(
        out,
        "table: {} v4 + {} v6 prefixes, {:.1} MB (tries and multi-origin lists)",
        table.len_v4(),
        table.len_v6(),
        table.mem_usage() as f64 / 1e6
    )?;
    Ok(())
}
