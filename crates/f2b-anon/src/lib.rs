//! f2b-anon: writes the anonymized dataset.

use clap::Parser;
use f2b_core::cli::{NdjsonArgs, OutputArgs};

/// writes the anonymized dataset.
#[derive(Parser, Debug)]
#[command(name = "f2b-anon", version, about)]
pub struct Args {
    #[command(flatten)]
    pub input: NdjsonArgs,
    #[command(flatten)]
    pub output: OutputArgs,
}

/// Runs f2b-anon.
pub fn run(_args: Args) -> f2b_core::Result<()> {
    Err(f2b_core::cli::not_built("f2b-anon"))
}
