//! k-anonymity as a property: every released combination of date, country,
//! region, city, asn and service occurs at least k times, every released row is
//! its record generalised as documented, sorted by combination, and every record is
//! either released or counted as suppressed.

mod common;

use std::collections::{HashMap, HashSet};

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

        // Rows come out sorted by their released combination (so that a
        // row's place does not undo its generalisation), equal ones in
        // input order.
        let sort_key = |row: &Value| {
            quasi(row)
                .into_iter()
                .map(|v| match v {
                    Value::String(s) => (1, s, 0),
                    Value::Number(n) => (1, String::new(), n.as_u64().unwrap_or(u64::MAX)),
                    _ => (0, String::new(), 0),
                })
                .collect::<Vec<_>>()
        };
        for pair in rows.windows(2) {
            prop_assert!(sort_key(&pair[0]) <= sort_key(&pair[1]), "not sorted: {:?}", pair);
        }
        // Each released row is a generalisation of a record of its own and
        // keeps that record's other columns: a one-to-one matching of rows
        // to records exists (augmenting paths), and "generalised" counts the
        // rows whose combination is not their record's own.
        let originals: Vec<Value> = {
            let (plain, _) = anonymize(&records, Options { columns, k: None, csv: false }, Some(key));
            plain.lines().map(|l| serde_json::from_str(l).unwrap()).collect()
        };
        let fits = |row: &Value, original: &Value| {
            let others_equal = match (row, original) {
                (Value::Object(a), Value::Object(b)) => a
                    .iter()
                    .all(|(c, v)| QUASI.contains(&c.as_str()) || b.get(c) == Some(v)),
                _ => false,
            };
            others_equal && generalisations(original).contains(&quasi(row))
        };
        let candidates: Vec<Vec<usize>> = rows
            .iter()
            .map(|r| (0..originals.len()).filter(|&o| fits(r, &originals[o])).collect())
            .collect();
        let mut owner: Vec<Option<usize>> = vec![None; originals.len()];
        fn augment(r: usize, c: &[Vec<usize>], owner: &mut [Option<usize>], seen: &mut [bool]) -> bool {
            for &o in &c[r] {
                if !seen[o] {
                    seen[o] = true;
                    if owner[o].is_none_or(|r2| augment(r2, c, owner, seen)) {
                        owner[o] = Some(r);
                        return true;
                    }
                }
            }
            false
        }
        for r in 0..rows.len() {
            let mut seen = vec![false; originals.len()];
            prop_assert!(augment(r, &candidates, &mut owner, &mut seen), "row {} is no record's", r);
        }
        // "Generalised" counts rows released under another combination than
        // their record's own: at least the rows whose combination is no
        // record's own, at most all rows (the exact count is a unit test's).
        let own: HashSet<Vec<Value>> = originals.iter().map(quasi).collect();
        let foreign = rows.iter().filter(|r| !own.contains(&quasi(r))).count() as u64;
        prop_assert!(foreign <= report.outcome.generalised, "{} rows of no record's combination, {} counted", foreign, report.outcome.generalised);
        prop_assert!(report.outcome.generalised <= rows.len() as u64);
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
