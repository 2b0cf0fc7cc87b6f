//! The fast scanner behind `Record::parse` changes speed, never results:
//! every line gets exactly the answer of the serde_json parse
//! (`Record::parse_reference`) — accepted with the same fields in the same
//! order, or rejected with the same message — and the plain lines of a
//! pipeline do take the fast path. And what is parsed is written back as it
//! came: `Record::write_patched` changes only the values it replaces.

use std::borrow::Cow;

use f2b_core::{scan, Patch, Raw, Record};
use proptest::prelude::*;
use serde_json::value::RawValue;
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

/// Records like the pipeline writes, with odd spacing, escapes, unknown and
/// nested fields, then sometimes damaged.
fn record_line() -> impl Strategy<Value = Vec<u8>> {
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

type Outcome = Result<Vec<(String, String)>, String>;

fn outcome(parsed: Result<Record<'_>, String>) -> Outcome {
    parsed.map(|r| {
        r.fields()
            .iter()
            .map(|(k, v)| (k.to_string(), v.get().to_string()))
            .collect()
    })
}

/// Whether the fast scanner alone accepts `line`.
fn fast(line: &[u8]) -> bool {
    let mut fields: Vec<(Cow<'_, str>, Raw<'_>)> = Vec::new();
    std::str::from_utf8(line).is_ok_and(|text| scan::fields(text, &mut fields))
}

fn same_as_reference(line: &[u8]) -> Result<(), TestCaseError> {
    let reference = outcome(Record::parse_reference(line));
    if fast(line) {
        prop_assert!(
            reference.is_ok(),
            "scanner accepted what serde_json rejects: {:?}",
            String::from_utf8_lossy(line)
        );
    }
    prop_assert_eq!(
        outcome(Record::parse(line)),
        reference,
        "{:?}",
        String::from_utf8_lossy(line)
    );
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: 4096,
        // ChaCha is slow in debug builds; XorShift is plenty for tests.
        rng_algorithm: proptest::test_runner::RngAlgorithm::XorShift,
        ..ProptestConfig::default()
    })]

    #[test]
    fn damaged_json_gets_the_reference_answer(line in line()) {
        same_as_reference(&line)?;
    }

    #[test]
    fn pipeline_records_get_the_reference_answer(line in record_line()) {
        same_as_reference(&line)?;
    }

    #[test]
    fn plain_records_take_the_fast_path(
        fields in prop::collection::vec(("[a-z_]{1,12}", "[a-zA-Z0-9 .,:/@\\\\\"é-]{0,30}"), 0..30),
    ) {
        let object: serde_json::Map<String, Value> =
            fields.into_iter().map(|(k, v)| (k, Value::String(v))).collect();
        let line = serde_json::to_vec(&Value::Object(object)).unwrap();
        prop_assert!(fast(&line), "{}", String::from_utf8_lossy(&line));
    }

    #[test]
    fn patched_records_keep_every_byte_but_the_values_replaced(
        line in record_line(),
        replace in prop::collection::vec(any::<prop::sample::Index>(), 0..3),
        add in prop::collection::vec("[a-z]{1,3}", 0..3),
    ) {
        keeps_every_byte_but_the_values_replaced(&line, &replace, add)?;
    }
}

/// Some of a record's fields replaced and others added, as a stage that runs
/// twice does: the fields come out with the new values in place and the new
/// fields at the end; setting the old values back gives the line with only
/// the fields added — keys with their escapes and spacing as they came.
fn keeps_every_byte_but_the_values_replaced(
    line: &[u8],
    replace: &[prop::sample::Index],
    mut add: Vec<String>,
) -> Result<(), TestCaseError> {
    let Ok(record) = Record::parse(line) else {
        return Ok(());
    };
    let fields: Vec<(String, String)> = record
        .fields()
        .iter()
        .map(|(k, v)| (k.to_string(), v.get().to_string()))
        .collect();
    let mut replaced: Vec<usize> = match fields.len() {
        0 => Vec::new(),
        n => replace.iter().map(|i| i.index(n)).collect(),
    };
    replaced.sort_unstable();
    replaced.dedup();
    add.sort();
    add.dedup();
    add.retain(|k| fields.iter().all(|(key, _)| key != k));

    let (mut patch, mut additions) = (Patch::new(), Patch::new());
    let mut want = fields.clone();
    for &i in &replaced {
        let value = format!("new \"{i}\"");
        patch.set(&fields[i].0, &value);
        want[i].1 = serde_json::to_string(&value).unwrap();
    }
    for (n, key) in add.iter().enumerate() {
        patch.set(key, &n);
        additions.set(key, &n);
        want.push((key.clone(), n.to_string()));
    }
    let mut once = Vec::new();
    record.write_patched(&patch, &mut once);
    let shown = String::from_utf8_lossy(line);
    let patched = Record::parse(once.strip_suffix(b"\n").unwrap_or(&once));
    prop_assert_eq!(outcome(patched), Ok(want), "{:?}", shown);

    let patched = Record::parse(once.strip_suffix(b"\n").unwrap_or(&once)).unwrap();
    let mut undo = Patch::new();
    for &i in &replaced {
        let old = RawValue::from_string(fields[i].1.clone()).unwrap();
        undo.set(&fields[i].0, &*old);
    }
    let (mut back, mut added) = (Vec::new(), Vec::new());
    patched.write_patched(&undo, &mut back);
    record.write_patched(&additions, &mut added);
    prop_assert_eq!(
        String::from_utf8_lossy(&back),
        String::from_utf8_lossy(&added),
        "{:?}",
        shown
    );
    Ok(())
}

#[test]
fn the_generated_lines_mostly_take_the_fast_path() {
    use proptest::strategy::ValueTree;
    use proptest::test_runner::TestRunner;
    let mut runner = TestRunner::deterministic();
    let (mut fast_lines, mut valid) = (0, 0);
    for _ in 0..2000 {
        let l = record_line().new_tree(&mut runner).unwrap().current();
        fast_lines += usize::from(fast(&l));
        valid += usize::from(Record::parse_reference(&l).is_ok());
    }
    // Otherwise the properties above would say little about the fast path.
    assert!(
        fast_lines * 2 > valid && valid > 500,
        "fast {fast_lines}, valid {valid}"
    );
}

#[test]
fn hostile_lines_neither_panic_nor_differ() {
    let deep = |n: usize| format!("{{\"a\":{}{}}}", "[".repeat(n), "]".repeat(n));
    for line in [
        deep(63),
        deep(64),
        deep(127),
        deep(128),
        deep(10_000),
        r#"{"a":"\ud800"}"#.to_string(),
        r#"{"a":"\u12"}"#.to_string(),
        r#"{"a":1e999999}"#.to_string(),
        r#"{"a":-0}"#.to_string(),
        r#"{"a":""#.to_string(),
        r#"{"a"#.to_string(),
        "{".to_string(),
        r#"{"a":1,"b":2,"a":3}"#.to_string(),
    ] {
        same_as_reference(line.as_bytes()).unwrap();
    }
}

/// What the stateless scanner says of `line`: its fields, or refusal.
fn scanned(line: &[u8], order: Option<&mut scan::KeyOrder>) -> Option<Vec<(String, String)>> {
    let text = std::str::from_utf8(line).ok()?;
    let mut fields: Vec<(Cow<'_, str>, Raw<'_>)> = Vec::new();
    let plain = match order {
        Some(order) => scan::fields_in_order(text, &mut fields, order),
        None => scan::fields(text, &mut fields),
    };
    plain.then(|| {
        fields
            .iter()
            .map(|(k, v)| (k.to_string(), v.get().to_string()))
            .collect()
    })
}

/// Lines that mostly repeat one key order, and the ways a line can leave
/// it: fewer keys, more keys, a renamed key, a key repeated (a duplicate
/// the guessing must still catch), keys swapped; keys short and long; with
/// values of every kind, whitespace in any of the places a compact line has
/// none, and now and then a damaged byte.
fn line_sequence() -> impl Strategy<Value = Vec<Vec<u8>>> {
    // Keys of every length around the scanner's 32-byte comparison of an
    // opening `"key":`, and past it.
    let key = || prop_oneof![4 => "[a-z_]{1,10}", 1 => "[a-z_]{26,40}"];
    let base = prop::collection::vec(key(), 1..10);
    let value = prop::sample::select(vec![
        "0",
        "-12.5e3",
        "01",
        "1.",
        "null",
        "nul",
        "true",
        "false",
        r#""x""#,
        r#""a longer string of text, past sixteen bytes""#,
        r#""caf\u00e9 \"q\"""#,
        "\"tab\there\"",
        r#"["a",{"b":[1,2]}]"#,
        "{}",
        r#""unterminated"#,
    ]);
    let ws = prop::sample::select(vec!["", "", "", "", " ", "\t", "\r\n"]);
    let variants = prop::collection::vec(
        (
            0u8..7,
            any::<prop::sample::Index>(),
            key(),
            prop::collection::vec(value, 1..12),
            (any::<prop::sample::Index>(), 0u8..4, ws),
            prop::option::weighted(0.1, (any::<prop::sample::Index>(), any::<u8>())),
        ),
        1..16,
    );
    (base, variants).prop_map(|(base, variants)| {
        let mut keys: Vec<String> = Vec::new();
        for k in base {
            if !keys.contains(&k) {
                keys.push(k);
            }
        }
        variants
            .into_iter()
            .map(|(kind, at, name, values, (ws_at, ws_where, ws), damage)| {
                let mut ks = keys.clone();
                let i = at.index(ks.len());
                match kind {
                    0 | 1 => {}
                    2 => ks.truncate(i),
                    3 => ks.push(name),
                    4 => ks[i] = name,
                    5 => {
                        let k = ks[i].clone();
                        ks.push(k);
                    }
                    _ => ks.swap(0, i),
                }
                let spaced = ws_at.index(ks.len().max(1));
                let body: Vec<String> = ks
                    .iter()
                    .enumerate()
                    .map(|(j, k)| {
                        let v = values[j % values.len()];
                        let w = |place: u8| {
                            if j == spaced && ws_where == place {
                                ws
                            } else {
                                ""
                            }
                        };
                        format!("{}\"{k}\"{}:{}{v}{}", w(0), w(1), w(2), w(3))
                    })
                    .collect();
                let mut line = format!("{{{}}}", body.join(",")).into_bytes();
                if let Some((at, byte)) = damage {
                    let i = at.index(line.len());
                    line[i] = byte;
                }
                line
            })
            .collect()
    })
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: 2048,
        rng_algorithm: proptest::test_runner::RngAlgorithm::XorShift,
        ..ProptestConfig::default()
    })]

    /// Guessing keys from the line before changes speed, never answers.
    #[test]
    fn key_order_guessing_gives_the_stateless_answer(
        lines in line_sequence(),
        noise in prop::collection::vec(record_line(), 0..4),
    ) {
        let mut order = scan::KeyOrder::default();
        for line in lines.iter().chain(&noise).chain(&lines) {
            prop_assert_eq!(
                scanned(line, Some(&mut order)),
                scanned(line, None),
                "{}",
                String::from_utf8_lossy(line)
            );
        }
    }
}
