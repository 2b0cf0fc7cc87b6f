//! Scans every line of a file of records with the fast scanner and prints
//! how many it accepted, and the fastest of `ROUNDS` passes per line: a
//! harness for profiling the scanner alone
//! (`valgrind --tool=callgrind target/release/examples/scan_file FILE`) and
//! for timing it on a busy machine (the fastest pass is the least disturbed).

use std::time::Instant;

use f2b_core::scan::{fields_in_order, KeyOrder};

fn main() -> std::io::Result<()> {
    let mut args = std::env::args().skip(1);
    let path = args.next().expect("usage: scan_file FILE [ROUNDS]");
    let rounds: u32 = args.next().and_then(|r| r.parse().ok()).unwrap_or(1);
    let text = std::fs::read_to_string(&path)?;
    let mut order = KeyOrder::default();
    let mut fields = Vec::with_capacity(64);
    let mut best = f64::INFINITY;
    for _ in 0..rounds {
        let start = Instant::now();
        let (mut plain, mut total, mut n_fields) = (0u64, 0u64, 0usize);
        for line in text.lines() {
            total += 1;
            fields.clear();
            if fields_in_order(line, &mut fields, &mut order) {
                plain += 1;
                n_fields += fields.len();
            }
        }
        best = best.min(start.elapsed().as_secs_f64() * 1e9 / total as f64);
        if rounds == 1 {
            println!("{plain} of {total} lines plain, {n_fields} fields");
        }
    }
    if rounds > 1 {
        println!("fastest pass: {best:.1} ns a line");
    }
    Ok(())
}
