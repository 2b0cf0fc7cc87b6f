//! The NDJSON record reader every stage shares: the fast scanner must agree
//! with the serde reference on every line, and a patched record must still
//! be one valid JSON object with the patch's fields.
#![no_main]

use f2b_core::record::{Patch, Record};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    for line in data.split(|&b| b == b'\n') {
        let fast = Record::parse(line);
        let reference = Record::parse_reference(line);
        match (&fast, &reference) {
            (Ok(a), Ok(b)) => {
                let pairs = |r: &Record| -> Vec<(String, Vec<u8>)> {
                    r.fields()
                        .iter()
                        .map(|(k, v)| (k.to_string(), v.as_bytes().to_vec()))
                        .collect()
                };
                assert_eq!(pairs(a), pairs(b), "scanner and serde disagree");
            }
            (Err(_), Err(_)) => {}
            _ => panic!(
                "one parser accepts, the other refuses: fast {:?} reference {:?}",
                fast.as_ref().map(|_| ()),
                reference.as_ref().map(|_| ())
            ),
        }
        if let Ok(record) = fast {
            let mut patch = Patch::new();
            patch.set("country", "DE");
            patch.set_opt::<u32>("asn", None);
            let mut out = Vec::new();
            record.write_patched(&patch, &mut out);
            // JSON by the reference parser (serde_json's `Value` would refuse
            // numbers beyond f64, which are valid JSON and pass through).
            let patched = Record::parse_reference(&out[..out.len() - 1])
                .unwrap_or_else(|e| panic!("patched record is not a record ({e})"));
            assert_eq!(patched.raw("country").map(|r| r.get()), Some("\"DE\""));
            assert_eq!(patched.raw("asn").map(|r| r.get()), Some("null"));
        }
    }
});
