//! f2b-extract: extracts Fail2Ban reports from bounced mail.

use clap::Parser;
use f2b_core::cli::{NdjsonArgs, OutputArgs};

/// extracts Fail2Ban reports from bounced mail.
#[derive(Parser, Debug)]
#[command(name = "f2b-extract", version, about)]
pub struct Args {
    #[command(flatten)]
    pub input: NdjsonArgs,
    #[command(flatten)]
    pub output: OutputArgs,
}

/// Runs f2b-extract.
pub fn run(_args: Args) -> f2b_core::Result<()> {
    Err(f2b_core::cli::not_built("f2b-extract"))
}
