//! The NDJSON record reader every stage shares: the fast scanner must agree
//! with the serde reference on every line — also when it guesses a line's
//! keys from the line before, as the record loop does — and a patched record
//! must still be a record with the patch's values, with one patch reused from
//! line to line as the stages reuse theirs.
#![no_main]

use std::borrow::Cow;

use f2b_core::record::{Patch, Record};
use f2b_core::{scan, Raw};
use libfuzzer_sys::fuzz_target;

type Pairs = Vec<(String, Vec<u8>)>;

fn pairs(r: &Record) -> Pairs {
    r.fields()
        .iter()
        .map(|(k, v)| (k.to_string(), v.as_bytes().to_vec()))
        .collect()
}

fn scanned(text: &str, order: Option<&mut scan::KeyOrder>) -> Option<Pairs> {
    let mut fields: Vec<(Cow<'_, str>, Raw<'_>)> = Vec::new();
    let plain = match order {
        Some(order) => scan::fields_in_order(text, &mut fields, order),
        None => scan::fields(text, &mut fields),
    };
    plain.then(|| {
        fields
            .iter()
            .map(|(k, v)| (k.to_string(), v.as_bytes().to_vec()))
            .collect()
    })
}

fuzz_target!(|data: &[u8]| {
    let mut order = scan::KeyOrder::default();
    let mut patch = Patch::new();
    for (n, line) in data.split(|&b| b == b'\n').enumerate() {
        let fast = Record::parse(line);
        let reference = Record::parse_reference(line);
        match (&fast, &reference) {
            (Ok(a), Ok(b)) => assert_eq!(pairs(a), pairs(b), "scanner and serde disagree"),
            (Err(_), Err(_)) => {}
            _ => panic!(
                "one parser accepts, the other refuses: fast {:?} reference {:?}",
                fast.as_ref().map(|_| ()),
                reference.as_ref().map(|_| ())
            ),
        }
        if let Ok(text) = std::str::from_utf8(line) {
            assert_eq!(
                scanned(text, Some(&mut order)),
                scanned(text, None),
                "guessing keys changed the answer"
            );
        }
        if let Ok(record) = fast {
            // Keys that change from line to line now and then, as a stage's
            // would not, to reach every path of the reused patch.
            patch.clear();
            patch.set("country", "DE");
            if n % 3 == 1 {
                patch.set_str("city", "Zürich \"Q\"");
            }
            patch.set_opt::<u32>("asn", None);
            let mut out = Vec::new();
            record.write_patched(&patch, &mut out);
            // JSON by the reference parser (serde_json's `Value` would refuse
            // numbers beyond f64, which are valid JSON and pass through).
            let patched = Record::parse_reference(&out[..out.len() - 1])
                .unwrap_or_else(|e| panic!("patched record is not a record ({e})"));
            assert_eq!(patched.raw("country").map(|r| r.get()), Some("\"DE\""));
            assert_eq!(patched.raw("asn").map(|r| r.get()), Some("null"));
            let city = patched.raw("city").map(|r| r.get());
            if n % 3 == 1 {
                assert_eq!(city, Some("\"Zürich \\\"Q\\\"\""));
            } else {
                assert_eq!(city, record.raw("city").map(|r| r.get()));
            }
        }
    }
});
