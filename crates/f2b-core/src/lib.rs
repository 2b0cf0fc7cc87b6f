//! Shared plumbing of the f2b filters.
//!
//! Every stage needs the same few things, and they live here so that each stage
//! crate holds only its own logic:
//! - [`input`]: opening inputs (`-`, files, transparent gzip) and reading lines
//!   with their numbers and a bounded length;
//! - [`record`]: a validated NDJSON record that keeps every field byte for byte,
//!   and the patch a stage applies to it;
//! - [`scan`]: the fast, strict scanner behind [`Record::parse`];
//! - [`output`]: buffered output where a record is written whole or not at all;
//! - [`error`]: the error type with its exit code (SPEC §2: 0, 1, 2);
//! - [`cli`]: common options, the one error funnel of every binary, the summary
//!   line, the NDJSON record loop with `--skip-bad` / `--rejects`;
//! - [`progress`]: a progress indicator shown only when stderr is a terminal;
//! - [`datafile`]: finding data files (option → environment → usual places);
//! - [`time`]: civil-date arithmetic and the record field `ts` (RFC 3339, UTC).

pub mod address;
pub mod cli;
pub mod datafile;
pub mod error;
pub mod input;
pub mod output;
pub mod progress;
pub mod record;
pub mod scan;
pub mod time;

pub use error::{Error, Result};
pub use record::{Keys, Patch, Picker, Raw, Record};
