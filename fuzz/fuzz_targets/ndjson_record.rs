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
            let value: serde_json::Value =
                serde_json::from_slice(&out).expect("patched record is JSON");
            assert_eq!(value["country"], "DE");
            assert!(value["asn"].is_null());
        }
    }
});
