//! f2b-geo: adds geolocation to f2b records.

use clap::Parser;
use f2b_core::cli::{NdjsonArgs, OutputArgs};

/// adds geolocation to f2b records.
#[derive(Parser, Debug)]
#[command(name = "f2b-geo", version, about)]
pub struct Args {
    #[command(flatten)]
    pub input: NdjsonArgs,
    #[command(flatten)]
    pub output: OutputArgs,
}

/// Runs f2b-geo.
pub fn run(_args: Args) -> f2b_core::Result<()> {
    Err(f2b_core::cli::not_built("f2b-geo"))
}
