//! Helpers shared by the integration tests.
#![allow(dead_code)]

use std::path::PathBuf;

use assert_cmd::Command;

/// Path of a fixture in `tests/fixtures`.
pub fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

/// The f2b-agg binary, quiet unless a test asks for the summary.
pub fn agg() -> Command {
    Command::cargo_bin("f2b-agg").expect("the f2b-agg binary is built")
}

/// Runs f2b-agg with `args` and returns its stdout, asserting success.
pub fn run_ok(args: &[&str]) -> Vec<u8> {
    let out = agg().args(args).output().expect("f2b-agg runs");
    assert!(
        out.status.success(),
        "f2b-agg {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out.stdout
}

/// Runs f2b-agg with `args` and parses its stdout as one JSON document.
pub fn json_of(args: &[&str]) -> serde_json::Value {
    serde_json::from_slice(&run_ok(args)).expect("the output is JSON")
}
