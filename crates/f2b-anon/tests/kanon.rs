//! k-anonymity as a property: every released combination of date, country,
//! region, city, asn and service occurs at least k times, every released row is
//! its record generalised as documented, in input order, and every record is
//! either released or counted as suppressed.

mod common;

use std::collections::HashMap;

use common::anonymize;
use f2b_anon::columns::{Columns, Optional};
use f2b_anon::Options;
use proptest::prelude::*;
use serde_json::{json, Value};

const QUASI: [&str; 6] = ["date", "country", "region", "city", "asn", "service"];

fn maybe<T: Clone + std::fmt::Debug + 'static>(values: &[T]) -> BoxedStrategy<Option<T>> {
    prop::option::weighted(0.85, prop::sample::select(values.to_vec())).boxed()
}

fn record() -> BoxedStrategy<String> {
    (
        maybe(&[
            "2011-07-04T10:00:00Z",
            "2011-07-05T11:00:00Z",
            "2011-07-30T12:00:00Z",
            "2011-08-01T13:00:00Z",
        ]),
        maybe(&["FR", "DE"]),
        maybe(&["Bretagne", "Alsace", "Bavaria"]),
        maybe(&["Rennes", "Brest", "Colmar", "Munich"]),
        maybe(&[3215u32, 3320]),
        maybe(&["ssh", "smtp"]),
        0u8..24,
    )
        .prop_map(|(ts, country, region, city, asn, service, hour)| {
            json!({
                "ts": ts, "ip": "192.0.2.1", "country": country, "region": region,
                "city": city, "asn": asn, "service": service, "failures": hour,
                "jail": "sshd",
            })
            .to_string()
        })
        .boxed()
}

fn quasi(row: &Value) -> Vec<Value> {
    QUASI.iter().map(|c| row[c].clone()).collect()
}

/// The released forms a record may take: levels 0 to 3.
fn generalisations(row: &Value) -> Vec<Vec<Value>> {
    let mut forms = vec![quasi(row)];
    let mut r = row.clone();
    r["city"] = Value::Null;
    forms.push(quasi(&r));
    r["region"] = Value::Null;
    forms.push(quasi(&r));
    if let Some(date) = r["date"].as_str() {
        r["date"] = json!(date[..7]);
    }
    forms.push(quasi(&r));
    forms
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: 256,
        // ChaCha is slow in debug builds; XorShift is plenty for tests.
        rng_algorithm: proptest::test_runner::RngAlgorithm::XorShift,
        ..ProptestConfig::default()
    })]

    #[test]
    fn every_released_combination_occurs_at_least_k_times(
        records in prop::collection::vec(record(), 0..160),
        k in 1u64..12,
        with_extras in any::<bool>(),
    ) {
        let columns = if with_extras {
            Columns::new(&[Optional::Hour, Optional::Failures, Optional::Jail, Optional::AttackerId])
        } else {
            Columns::default()
        };
        let options = Options { columns, k: Some(k), csv: false };
        let key = b"0123456789abcdef0123456789abcdef";
        let (output, report) = anonymize(&records, options, Some(key));
        let rows: Vec<Value> = output.lines().map(|l| serde_json::from_str(l).unwrap()).collect();

        let mut groups: HashMap<String, u64> = HashMap::new();
        for row in &rows {
            *groups.entry(format!("{:?}", quasi(row))).or_default() += 1;
        }
        for (combination, n) in &groups {
            prop_assert!(*n >= k, "{combination} occurs {n} < {k} times");
        }
        prop_assert_eq!(rows.len() as u64, report.rows_out);
        prop_assert_eq!(report.rows_out + report.outcome.suppressed, records.len() as u64);

        // In input order, each released row is a generalisation of its record
        // and keeps the record's other columns.
        let originals: Vec<Value> = {
            let (plain, _) = anonymize(&records, Options { columns, k: None, csv: false }, Some(key));
            plain.lines().map(|l| serde_json::from_str(l).unwrap()).collect()
        };
        let mut next = 0;
        let mut generalised = 0;
        for original in &originals {
            let Some(row) = rows.get(next) else { break };
            let forms = generalisations(original);
            let mut others_equal = true;
            if let (Value::Object(a), Value::Object(b)) = (row, original) {
                for (column, value) in a {
                    if !QUASI.contains(&column.as_str()) && b.get(column) != Some(value) {
                        others_equal = false;
                    }
                }
            }
            if others_equal && forms.contains(&quasi(row)) {
                next += 1;
                if quasi(row) != forms[0] {
                    generalised += 1;
                }
            }
        }
        prop_assert_eq!(next, rows.len(), "released rows are not the records in order");
        prop_assert_eq!(generalised, report.outcome.generalised);
    }
}

#[test]
fn k_of_one_changes_nothing() {
    let records: Vec<String> = (0..20)
        .map(|i| {
            json!({"ts": format!("2011-07-{:02}T00:00:00Z", i + 1), "city": format!("Town{i}")})
                .to_string()
        })
        .collect();
    let plain = anonymize(&records, Options::default(), None);
    let k1 = anonymize(
        &records,
        Options {
            k: Some(1),
            ..Options::default()
        },
        None,
    );
    assert_eq!(plain.0, k1.0);
    assert_eq!(k1.1.outcome.generalised + k1.1.outcome.suppressed, 0);
}
