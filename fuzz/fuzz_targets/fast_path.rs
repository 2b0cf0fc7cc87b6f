//! The fast MIME path against mail-parser: for any input, f2b-extract reads
//! the same layers and gives the same outcome (records or skip reason) with
//! and without `fastmime` (see `crates/f2b-extract/tests/fast_path.rs`).
#![no_main]

use std::panic::{catch_unwind, AssertUnwindSafe};

use f2b_extract::bounce::Unwrapper;
use f2b_extract::mailbox::RawMessage;
use f2b_extract::record::Fields;
use libfuzzer_sys::fuzz_target;

/// As in `extract_message`: only mail-parser's own panics (its debug
/// assertions, on mangled MIME) may unwind; any other panic is a finding.
fn let_mime_parser_panics_unwind() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        let abort = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            if !info
                .location()
                .is_some_and(|l| l.file().contains("/mail-parser-"))
            {
                abort(info);
            }
        }));
    });
}

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
    let message = RawMessage {
        src: "fuzz".into(),
        bytes: data.to_vec(),
        envelope: None,
        oversize: false,
    };
    let fields = Fields {
        events: true,
        template: true,
    };
    let a = f2b_extract::process(&fast, &message, fields);
    let b = f2b_extract::process(&full, &message, fields);
    assert_eq!(a, b, "outcomes differ");
});
