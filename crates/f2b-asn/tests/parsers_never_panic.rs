//! Every public parser answers arbitrary bytes with a value or an error,
//! never a panic (they will be fuzzed; this is the cheap first line).

use f2b_asn::{as_names, prefix, ranges, routes, snapshots, time};
use proptest::prelude::*;

/// Bytes that look like data-file lines often enough to reach deep branches.
fn linelike() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        prop::collection::vec(any::<u8>(), 0..80),
        prop::collection::vec(
            prop::sample::select(b"0123456789abcdef.:/_,{}\t \"<>a=&#;ASx\\-TZ+".to_vec()),
            0..80
        ),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn prefix2as_rows(line in linelike()) {
        let mut origins = Vec::new();
        if let Ok(Some(p)) = routes::parse_row(&line, &mut origins) {
            prop_assert!(!origins.is_empty());
            prop_assert!(p.prefix_len() <= prefix::max_len(p.addr()));
        }
    }

    #[test]
    fn autnums_lines(mut line in linelike(), anchor in any::<bool>()) {
        if anchor {
            let mut l = b"<a href=\"/cgi-bin/as-report?as=AS1&view=2.0\">AS".to_vec();
            l.append(&mut line);
            line = l;
        }
        let _ = as_names::parse_line(&line);
        let _ = as_names::decode_text(&line);
    }

    #[test]
    fn range_lines(line in linelike()) {
        if let Ok(Some(r)) = ranges::parse_line(&line) {
            prop_assert!(r.start <= r.end);
        }
    }

    #[test]
    fn addresses_timestamps_and_snapshot_names(bytes in linelike()) {
        let _ = prefix::parse_ip(&bytes);
        let text = String::from_utf8_lossy(&bytes);
        let _ = time::parse_rfc3339(&text);
        let _ = snapshots::parse_file_name(&text);
        let _ = routes::parse_asn(&bytes);
    }
}
