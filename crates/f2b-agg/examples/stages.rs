//! Where the time goes: the digest's stages over records in memory, timed
//! cumulatively (split lines; + scan; + aggregate), best of a few rounds.
//!
//!     cargo run --release --example stages -p f2b-agg -- RECORDS.ndjson
use std::time::Instant;

use f2b_agg::fields::Picker;
use f2b_core::Record;

fn best(rounds: usize, mut f: impl FnMut() -> usize) -> (f64, usize) {
    let mut best = f64::MAX;
    let mut out = 0;
    for _ in 0..rounds {
        let t = Instant::now();
        out = f();
        best = best.min(t.elapsed().as_secs_f64());
    }
    (best, out)
}

fn main() {
    let path = std::env::args()
        .nth(1)
        .expect("usage: stages RECORDS.ndjson");
    let data = std::fs::read(&path).expect("readable input");
    let n = memchr::memchr_iter(b'\n', &data).count() as f64;
    let lines = || data.split(|&b| b == b'\n').filter(|l| !l.is_empty());
    let (t1, _) = best(3, || lines().map(|l| l.len()).sum());
    // The fields read as f2b-agg reads them: picked by position (Picker).
    let (t2, _) = best(3, || {
        let mut picker = Picker::new();
        lines()
            .filter_map(|l| Record::parse(l).ok().map(|r| picker.values(&r)))
            .count()
    });
    let (t3, _) = best(3, || {
        let mut picker = Picker::new();
        let mut st = f2b_agg::state::State::new();
        for l in lines() {
            if let Ok(r) = Record::parse(l) {
                st.add(&picker.values(&r));
            }
        }
        st.settle();
        st.reports as usize
    });
    let ns = |t: f64| t / n * 1e9;
    println!("split lines        {:6.0} ns/record", ns(t1));
    println!(
        "+ scan             {:6.0} ns/record (scan {:.0})",
        ns(t2),
        ns(t2 - t1)
    );
    println!(
        "+ aggregate        {:6.0} ns/record (aggregate {:.0}) = {:.0} records/s",
        ns(t3),
        ns(t3 - t2),
        n / t3
    );
}
