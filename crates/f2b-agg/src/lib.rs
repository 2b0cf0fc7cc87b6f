//! f2b-agg: writes the digest.

use clap::Parser;
use f2b_core::cli::{NdjsonArgs, OutputArgs};

/// writes the digest.
#[derive(Parser, Debug)]
#[command(name = "f2b-agg", version, about)]
pub struct Args {
    #[command(flatten)]
    pub input: NdjsonArgs,
    #[command(flatten)]
    pub output: OutputArgs,
}

/// Runs f2b-agg.
pub fn run(_args: Args) -> f2b_core::Result<()> {
    Err(f2b_core::cli::not_built("f2b-agg"))
}
