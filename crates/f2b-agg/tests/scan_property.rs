//! Property: the fast path of the scanner accepts only lines that
//! `Record::parse` accepts, and reads the same values from them; with the
//! fallback, every line gets exactly `Record::parse`'s answer.

use f2b_agg::scan::{Scanner, Values};
use f2b_core::Record;
use proptest::prelude::*;

fn slow(line: &[u8]) -> Result<Values<'_>, String> {
    Record::parse(line).map(|r| Values::from_record(&r))
}

/// Records like the pipeline writes, with odd spacing, escapes, unknown and
/// nested fields, then sometimes damaged.
fn line() -> impl Strategy<Value = Vec<u8>> {
    let key = prop_oneof![
        proptest::sample::select(vec![
            "ts",
            "ip",
            "jail",
            "service",
            "failures",
            "reporter_host",
            "reporter_ip",
            "country",
            "region",
            "city",
            "asn",
            "as_name",
            "date",
            "hour",
            "event",
            "src",
            "asns",
            "x",
            "y",
            "reporter_as_country",
            "attacker_id",
            "\\u0069p",
        ])
        .prop_map(str::to_string),
        "[a-z_]{1,40}",
    ];
    let value = prop_oneof![
        Just("null".to_string()),
        Just("true".to_string()),
        "-?[0-9]{1,4}(\\.[0-9]{1,3})?([eE][+-]?[0-9])?",
        "[ -~]{0,20}".prop_map(|s| serde_json::to_string(&s).unwrap()),
        Just("\"caf\\u00e9 \\\"q\\\" \\/\"".to_string()),
        Just("\"Zürich\"".to_string()),
        Just("[1,{\"a\":[]},\"x\"]".to_string()),
        Just("{}".to_string()),
    ];
    let ws = prop_oneof![20 => Just(""), 4 => Just(" "), 1 => Just("\t"), 1 => Just("\r\n ")];
    let fields = proptest::collection::vec((key, value, ws.clone()), 0..12);
    let damage = prop_oneof![
        6 => Just(None),
        1 => (any::<prop::sample::Index>(), any::<u8>()).prop_map(Some),
    ];
    (fields, ws, damage).prop_map(|(fields, ws, damage)| {
        let body: Vec<String> = fields
            .iter()
            .map(|(k, v, w)| format!("{w}\"{k}\"{w}:{w}{v}{w}"))
            .collect();
        let mut line = format!("{ws}{{{}}}{ws}", body.join(",")).into_bytes();
        if let Some((at, byte)) = damage {
            let i = at.index(line.len());
            line[i] = byte;
        }
        line
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(400))]

    #[test]
    fn fast_path_agrees_with_record_parse(lines in proptest::collection::vec(line(), 1..24)) {
        // One scanner for all lines, so that the layout memory is exercised.
        let mut scanner = Scanner::default();
        for l in &lines {
            let fast = scanner.scan(l);
            let reference = slow(l);
            if let Some(v) = fast {
                prop_assert_eq!(Ok(v), reference.clone(), "{}", String::from_utf8_lossy(l));
            }
            prop_assert_eq!(scanner.values(l), reference, "{}", String::from_utf8_lossy(l));
        }
    }
}

#[test]
fn the_generated_lines_mostly_take_the_fast_path() {
    use proptest::strategy::ValueTree;
    use proptest::test_runner::TestRunner;
    let mut runner = TestRunner::deterministic();
    let mut scanner = Scanner::default();
    let (mut fast, mut valid) = (0, 0);
    for _ in 0..2000 {
        let l = line().new_tree(&mut runner).unwrap().current();
        fast += usize::from(scanner.scan(&l).is_some());
        valid += usize::from(Record::parse(&l).is_ok());
    }
    // Otherwise the property above would say little about the fast path.
    assert!(
        fast * 2 > valid && valid > 500,
        "fast {fast}, valid {valid}"
    );
}
