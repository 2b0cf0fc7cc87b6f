//! f2b: composable Unix filters that turn bounced Fail2Ban ban reports into an
//! enriched, anonymized dataset and a digest of charts.
//!
//! The stages live in `crates/`; this package only holds the end-to-end tests
//! of the whole pipeline (`tests/`). See the README for the pipeline.
