//! The fast MIME path against mail-parser: for any input, f2b-extract reads
//! the same layers and gives the same outcome (records or skip reason) with
//! and without `fastmime` (see `crates/f2b-extract/tests/fast_path.rs`).
#![no_main]

use std::panic::{catch_unwind, AssertUnwindSafe};

use f2b_extract::bounce::Unwrapper;
use libfuzzer_sys::fuzz_target;

#[path = "common/extract.rs"]
mod common;
use common::{let_mime_parser_panics_unwind, raw_message, ALL_FIELDS};

fuzz_target!(|data: &[u8]| {
    let_mime_parser_panics_unwind();
    let (fast, full) = (Unwrapper::new(), Unwrapper::without_fast_path());
    // Where mail-parser stops on a debug assertion there is nothing to compare.
    let Ok(expected) = catch_unwind(AssertUnwindSafe(|| full.read(data))) else {
        return;
    };
    let Ok(got) = catch_unwind(AssertUnwindSafe(|| fast.read(data))) else {
        return;
    };
    assert_eq!(got, expected, "layers differ");
    let message = raw_message(data);
    let fields = ALL_FIELDS;
    let a = f2b_extract::process(&fast, &message, fields);
    let b = f2b_extract::process(&full, &message, fields);
    assert_eq!(a, b, "outcomes differ");
});
