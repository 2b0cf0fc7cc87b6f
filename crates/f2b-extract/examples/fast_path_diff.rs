//! Reads mailboxes through both MIME paths and compares them message by
//! message (a development aid for the fast path; the same check runs in
//! `tests/fast_path.rs` on generated mail and in fuzz target `fast_path`):
//!
//! ```text
//! cargo run --release --example fast_path_diff -- corpus/*.mbox Maildir/
//! ```
//!
//! Prints how many messages the fast path read whole and every message whose
//! layers or outcome differ; exits non-zero on a difference.
use std::path::PathBuf;

use f2b_extract::bounce::Unwrapper;
use f2b_extract::fastmime;
use f2b_extract::mailbox::Mailboxes;
use f2b_extract::record::Fields;

fn main() -> std::process::ExitCode {
    let paths: Vec<PathBuf> = std::env::args_os().skip(1).map(PathBuf::from).collect();
    let mut mailboxes = Mailboxes::new(paths, true);
    let (fast, full) = (Unwrapper::new(), Unwrapper::without_fast_path());
    let fields = Fields {
        events: true,
        template: true,
    };
    let (mut read, mut whole, mut differ) = (0u64, 0u64, 0u64);
    loop {
        let message = match mailboxes.next_message() {
            Ok(Some(m)) => m,
            Ok(None) => break,
            Err(e) => {
                eprintln!("fast_path_diff: {e}");
                return std::process::ExitCode::from(2);
            }
        };
        read += 1;
        whole += u64::from(fastmime::parse(&message.bytes).is_some());
        let a = f2b_extract::process(&fast, &message, fields);
        let b = f2b_extract::process(&full, &message, fields);
        let (la, lb) = (fast.read(&message.bytes), full.read(&message.bytes));
        if a != b || la != lb {
            differ += 1;
            println!("DIFFERENT {}:\n  fast {a:?}\n  full {b:?}", message.src);
            if la != lb {
                println!("  fast layers {la:#?}\n  full layers {lb:#?}");
            }
        }
    }
    println!("{read} messages, {whole} read whole by the fast path, {differ} different");
    if differ > 0 {
        std::process::ExitCode::FAILURE
    } else {
        std::process::ExitCode::SUCCESS
    }
}
