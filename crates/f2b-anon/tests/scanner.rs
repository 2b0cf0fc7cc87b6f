//! The fast scanner never accepts a line that f2b-core's record parser
//! rejects, and gives the same top-level fields for the lines it accepts.

use f2b_anon::scan::Scanner;
use f2b_core::Record;
use proptest::prelude::*;
use serde_json::Value;

fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        any::<f64>().prop_map(Value::from),
        "\\PC{0,12}".prop_map(Value::String),
        ".{0,6}".prop_map(Value::String),
        "[a-zA-Z0-9 é]{0,8}".prop_map(Value::String),
        "[a-zA-Z0-9 é]{0,8}".prop_map(Value::String),
        "[a-zA-Z0-9 é]{0,8}".prop_map(Value::String),
    ];
    leaf.prop_recursive(2, 12, 3, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            prop::collection::vec(("[a-z_]{0,3}", inner), 0..4)
                .prop_map(|fields| Value::Object(fields.into_iter().collect())),
        ]
    })
}

/// Snippets that turn valid JSON into nearly valid JSON.
const SNIPPETS: &[&str] = &[
    ",", ",}", ",]", ":", "0", "01", "1", "-", "-0", ".", "e", "E+", "+", "]", "}", "[", "{", "\"",
    "\\", "\\u00", " ", "\t", "\r", "\x0c", "\u{a0}", "tru", "nul", "true", "null", "\x01",
    "\u{7f}", "\"a\":1", "\"\":", "é", "/", "\n",
];

/// A JSON object line, compact or spaced out, then maybe damaged by a few
/// edits, each placed next to a structural character half of the time.
fn line() -> impl Strategy<Value = Vec<u8>> {
    let key = prop_oneof![8 => "[a-z_]{0,6}", 1 => "[a-z_\"\\\\é]{0,4}"];
    (
        prop::collection::vec((key, json_value()), 0..5),
        any::<bool>(),
        prop::collection::vec(
            (
                any::<prop::sample::Index>(),
                any::<bool>(),
                0u8..5,
                prop::sample::select(SNIPPETS),
                any::<bool>(),
            ),
            0..2,
        ),
        prop::bool::weighted(0.03),
    )
        .prop_map(|(fields, pretty, edits, invalid_utf8)| {
            let object = Value::Object(fields.into_iter().collect());
            let mut bytes: Vec<u8> = if pretty {
                serde_json::to_vec_pretty(&object)
                    .unwrap()
                    .into_iter()
                    .filter(|&b| b != b'\n')
                    .collect()
            } else {
                serde_json::to_vec(&object).unwrap()
            };
            for (at, structural, op, snippet, after) in edits {
                let marks: Vec<usize> = bytes
                    .iter()
                    .enumerate()
                    .filter(|(_, b)| b"{}[],:".contains(b))
                    .map(|(i, _)| i + usize::from(after))
                    .collect();
                let i = if structural && !marks.is_empty() {
                    marks[at.index(marks.len())]
                } else {
                    at.index(bytes.len() + 1)
                };
                let snippet = snippet.as_bytes();
                match op {
                    0..=2 => {
                        bytes.splice(i..i, snippet.iter().copied());
                    }
                    3 => {
                        let end = (i + snippet.len()).min(bytes.len());
                        bytes.splice(i.min(end)..end, std::iter::empty());
                    }
                    _ => {
                        let end = (i + 1).min(bytes.len());
                        bytes.splice(i.min(end)..end, snippet.iter().copied());
                    }
                }
            }
            if invalid_utf8 && bytes.len() > 2 {
                let at = bytes.len() / 2;
                bytes[at] = 0xff;
            }
            bytes
        })
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: 4096,
        // ChaCha is slow in debug builds; XorShift is plenty for tests.
        rng_algorithm: proptest::test_runner::RngAlgorithm::XorShift,
        ..ProptestConfig::default()
    })]

    #[test]
    fn lines_the_scanner_accepts_parse_to_the_same_fields(line in line()) {
        let mut scanned = Vec::new();
        let accepted = Scanner::new().scan(&line, |k, v| scanned.push((k.to_string(), v.to_string())));
        if accepted {
            let record = Record::parse(&line);
            prop_assert!(record.is_ok(), "scanner accepted what the parser rejects: {:?}", String::from_utf8_lossy(&line));
            let record = record.unwrap();
            let parsed: Vec<(String, String)> = record
                .fields()
                .iter()
                .map(|(k, v)| (k.to_string(), v.get().to_string()))
                .collect();
            prop_assert_eq!(scanned, parsed);
        }
    }

    #[test]
    fn plain_records_are_accepted_by_the_scanner(
        fields in prop::collection::vec(("[a-z_]{1,12}", "[a-zA-Z0-9 .,:/@-]{0,30}"), 0..30),
    ) {
        let object: serde_json::Map<String, Value> =
            fields.into_iter().map(|(k, v)| (k, Value::String(v))).collect();
        let line = serde_json::to_vec(&Value::Object(object)).unwrap();
        let accepted = Scanner::new().scan(&line, |_, _| ());
        prop_assert!(accepted, "{}", String::from_utf8_lossy(&line));
    }
}
