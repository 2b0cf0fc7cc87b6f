//! Properties every enrichment stage keeps, on arbitrary records: as many
//! records out as in, in order, and every field the stage does not own passed
//! through byte for byte and in order — whatever its key or value looks like.

mod common;

use common::{asn_args, geo_args, lines, sample, stage, strs};
use proptest::prelude::*;

/// A JSON string literal of `text`, each character escaped or not at random.
fn string_literal() -> impl Strategy<Value = String> {
    prop::collection::vec((any::<char>(), any::<u8>()), 0..12).prop_map(|chars| {
        let mut out = String::from("\"");
        for (c, coin) in chars {
            match c {
                '"' => out.push_str("\\\""),
                '\\' => out.push_str("\\\\"),
                c if (c as u32) < 0x20 || coin % 4 == 0 => {
                    let mut units = [0u16; 2];
                    for unit in c.encode_utf16(&mut units) {
                        out.push_str(&format!("\\u{unit:04x}"));
                    }
                }
                c if coin % 4 == 1 && c.is_ascii() => out.push(c),
                c => out.push(c),
            }
        }
        out.push('"');
        out
    })
}

/// Any JSON value, as compact text.
fn json_value() -> impl Strategy<Value = String> {
    let leaf = prop_oneof![
        Just("null".to_string()),
        Just("true".to_string()),
        Just("false".to_string()),
        any::<i64>().prop_map(|n| n.to_string()),
        (any::<i32>(), 0u32..6, -30i32..30).prop_map(|(m, f, e)| format!("{m}.{f}e{e}")),
        Just("-0".to_string()),
        string_literal(),
    ];
    leaf.prop_recursive(3, 24, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(|v| format!("[{}]", v.join(","))),
            prop::collection::vec((string_literal(), inner), 0..4).prop_map(|v| {
                let members: Vec<String> = v.into_iter().map(|(k, v)| format!("{k}:{v}")).collect();
                format!("{{{}}}", members.join(","))
            }),
        ]
    })
}

/// Fields no stage owns: keys `zzN#…` (the `z` escaped or not; `N` keeps
/// them distinct, since a duplicate key is bad input), any value.
fn unknown_members() -> impl Strategy<Value = Vec<String>> {
    prop::collection::vec((string_literal(), any::<bool>(), json_value()), 0..6).prop_map(
        |fields| {
            let member = |(i, (key, escaped, value)): (usize, (String, bool, String))| {
                let prefix = if escaped { "\\u007az" } else { "zz" };
                format!("\"{prefix}{i}#{}:{value}", &key[1..])
            };
            fields.into_iter().enumerate().map(member).collect()
        },
    )
}

/// Values of the fields the stages read: good, odd and wrong.
fn ip_value() -> impl Strategy<Value = String> {
    prop_oneof![
        any::<[u8; 4]>().prop_map(|o| format!("\"{}.{}.{}.{}\"", o[0], o[1], o[2], o[3])),
        any::<u128>().prop_map(|n| format!("\"{}\"", std::net::Ipv6Addr::from(n))),
        any::<[u8; 4]>().prop_map(|o| format!("\"::ffff:{}.{}.{}.{}\"", o[0], o[1], o[2], o[3])),
        Just("null".to_string()),
        Just("42".to_string()),
        string_literal(),
    ]
}

fn ts_value() -> impl Strategy<Value = String> {
    prop_oneof![
        (0i64..2_000_000_000).prop_map(|s| format!("\"{}\"", f2b_core::time::format_rfc3339(s))),
        Just("null".to_string()),
        string_literal(),
    ]
}

/// One record: the fields the stages read, optional, among unknown ones, in any order.
fn record() -> impl Strategy<Value = (String, Vec<String>)> {
    (
        prop::option::of(ip_value()),
        prop::option::of(ip_value()),
        prop::option::of(ts_value()),
        unknown_members(),
        any::<u64>(),
    )
        .prop_map(|(ip, reporter_ip, ts, unknown, seed)| {
            let mut members = unknown.clone();
            let known = [("ip", ip), ("reporter_ip", reporter_ip), ("ts", ts)];
            for (i, (key, value)) in known.into_iter().enumerate() {
                if let Some(value) = value {
                    let at = (seed >> (i * 8)) as usize % (members.len() + 1);
                    members.insert(at, format!("\"{key}\":{value}"));
                }
            }
            (format!("{{{}}}", members.join(",")), unknown)
        })
}

/// `out` holds every unknown member of its input, verbatim and in order.
fn check(stage: &str, inputs: &[(String, Vec<String>)], out: &[u8]) -> Result<(), TestCaseError> {
    let out = lines(out);
    prop_assert_eq!(
        out.len(),
        inputs.len(),
        "{}: records in ≠ records out",
        stage
    );
    for ((line, unknown), out) in inputs.iter().zip(out) {
        let mut from = 0;
        for member in unknown {
            let at = out[from..].find(member.as_str());
            prop_assert!(
                at.is_some(),
                "{}: lost or moved {}\nin:  {}\nout: {}",
                stage,
                member,
                line,
                out
            );
            from += at.unwrap() + member.len();
        }
        serde_json::from_str::<serde_json::Value>(out)
            .map_err(|e| TestCaseError::fail(format!("{stage}: not JSON ({e}): {out}")))?;
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    #[test]
    fn enrichment_stages_pass_unknown_fields_through(
        inputs in prop::collection::vec(record(), 1..40)
    ) {
        let s = sample();
        let text: String = inputs.iter().map(|(line, _)| format!("{line}\n")).collect();
        let geo = stage("f2b-geo", &strs(&geo_args(s)), text.as_bytes());
        check("f2b-geo", &inputs, &geo)?;
        let asn = stage("f2b-asn", &strs(&asn_args(s)), text.as_bytes());
        check("f2b-asn", &inputs, &asn)?;
        let both = stage("f2b-asn", &strs(&asn_args(s)), &geo);
        check("f2b-geo | f2b-asn", &inputs, &both)?;
    }
}
