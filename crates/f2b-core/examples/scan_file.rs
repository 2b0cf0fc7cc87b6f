//! Scans every line of a file of records with the fast scanner and prints
//! how many it accepted: a harness for profiling the scanner alone
//! (`valgrind --tool=callgrind target/release/examples/scan_file FILE`).

use f2b_core::scan::{fields_in_order, KeyOrder};

fn main() -> std::io::Result<()> {
    let path = std::env::args().nth(1).expect("usage: scan_file FILE");
    let text = std::fs::read_to_string(&path)?;
    let mut order = KeyOrder::default();
    let mut fields = Vec::with_capacity(64);
    let (mut plain, mut total, mut n_fields) = (0u64, 0u64, 0usize);
    for line in text.lines() {
        total += 1;
        fields.clear();
        if fields_in_order(line, &mut fields, &mut order) {
            plain += 1;
            n_fields += fields.len();
        }
    }
    println!("{plain} of {total} lines plain, {n_fields} fields");
    Ok(())
}
