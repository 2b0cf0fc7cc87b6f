//! One message → records: the whole of f2b-extract's per-message work
//! (MIME layers, bounce shapes, report recognition, dates, addresses).
//!
//! Beyond "no panic, no hang, bounded memory", every record must keep the
//! promises of SPEC §1: a canonical IP address, a parseable RFC 3339 `ts`.
#![no_main]

use std::net::IpAddr;

use f2b_extract::bounce::Unwrapper;
use f2b_extract::record::Outcome;
use libfuzzer_sys::fuzz_target;

#[path = "common/extract.rs"]
mod common;
use common::{let_mime_parser_panics_unwind, raw_message, ALL_FIELDS};

fuzz_target!(|data: &[u8]| {
    let_mime_parser_panics_unwind();
    let unwrapper = Unwrapper::new();
    let message = raw_message(data);
    let fields = ALL_FIELDS;
    if let Outcome::Records { records, .. } = f2b_extract::process(&unwrapper, &message, fields) {
        for record in &records {
            if let Some(ip) = &record.ip {
                let parsed: IpAddr = ip.parse().expect("record ip is an address");
                assert_eq!(&parsed.to_canonical().to_string(), ip, "ip is canonical");
            }
            if let Some(ts) = &record.ts {
                assert!(f2b_core::time::parse_rfc3339(ts).is_some(), "bad ts {ts:?}");
            }
            let line = serde_json::to_string(record).expect("record serialises");
            assert!(!line.contains('\n'));
        }
    }
});
