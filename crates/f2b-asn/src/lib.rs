//! f2b-asn: adds origin AS data to f2b records.

use clap::Parser;
use f2b_core::cli::{NdjsonArgs, OutputArgs};

/// adds origin AS data to f2b records.
#[derive(Parser, Debug)]
#[command(name = "f2b-asn", version, about)]
pub struct Args {
    #[command(flatten)]
    pub input: NdjsonArgs,
    #[command(flatten)]
    pub output: OutputArgs,
}

/// Runs f2b-asn.
pub fn run(_args: Args) -> f2b_core::Result<()> {
    Err(f2b_core::cli::not_built("f2b-asn"))
}
