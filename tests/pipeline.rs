//! End-to-end tests of the whole pipeline on the embedded sample:
//! `f2b-extract | f2b-geo | f2b-asn | f2b-anon | f2b-agg`, each stage its own
//! binary, as a user runs them.

mod common;

use std::fs;

use common::{asn_args, geo_args, lines, root, sample, stage, strs};

/// `out` is `input` with fields spliced in before its closing brace.
fn passes_through(input: &str, out: &str) -> bool {
    let head = input.trim_end().strip_suffix('}').unwrap();
    out.starts_with(head) && (head.ends_with('{') || out[head.len()..].starts_with(','))
}

#[test]
fn extract_finds_every_report_of_the_sample() {
    let s = sample();
    let truth = fs::read_to_string(root().join("data/sample/mail/truth.ndjson")).unwrap();
    assert_eq!(lines(&s.records).len(), truth.lines().count());
}

#[test]
fn enrichment_keeps_every_record_and_every_byte() {
    let s = sample();
    let geo = stage("f2b-geo", &strs(&geo_args(s)), &s.records);
    let asn = stage("f2b-asn", &strs(&asn_args(s)), &geo);
    let (records, geo, asn) = (lines(&s.records), lines(&geo), lines(&asn));
    assert_eq!(records.len(), geo.len());
    assert_eq!(records.len(), asn.len());
    for i in 0..records.len() {
        assert!(
            passes_through(records[i], geo[i]),
            "geo changed record {i}:\n{}\n{}",
            records[i],
            geo[i]
        );
        assert!(passes_through(geo[i], asn[i]), "asn changed record {i}");
    }
    let resolved = |key: &str| {
        asn.iter()
            .filter(|l| {
                serde_json::from_str::<serde_json::Value>(l).unwrap()[key]
                    != serde_json::Value::Null
            })
            .count()
    };
    // The sample's attackers come from the sample's networks, but for a few.
    assert!(
        resolved("country") * 100 >= asn.len() * 90,
        "countries resolved: {}",
        resolved("country")
    );
    assert!(
        resolved("asn") * 100 >= asn.len() * 90,
        "ASNs resolved: {}",
        resolved("asn")
    );
}

#[test]
fn anonymized_dataset_holds_only_the_allow_list() {
    let s = sample();
    let geo = stage("f2b-geo", &strs(&geo_args(s)), &s.records);
    let asn = stage("f2b-asn", &strs(&asn_args(s)), &geo);
    let anon = stage("f2b-anon", &["-q"], &asn);
    let rows = lines(&anon);
    assert_eq!(rows.len(), lines(&s.records).len());
    let allowed = ["date", "country", "region", "city", "asn", "service"];
    for row in rows {
        let value: serde_json::Value = serde_json::from_str(row).unwrap();
        let keys: Vec<&String> = value.as_object().unwrap().keys().collect();
        assert_eq!(keys, allowed, "{row}");
        assert!(!row.contains('@'), "{row}");
    }
}

#[test]
fn digest_counts_every_report_and_merges_from_shards() {
    let s = sample();
    let geo = stage("f2b-geo", &strs(&geo_args(s)), &s.records);
    let enriched = stage("f2b-asn", &strs(&asn_args(s)), &geo);
    let digest = stage("f2b-agg", &["-q"], &enriched);
    let value: serde_json::Value = serde_json::from_slice(&digest).unwrap();
    assert_eq!(value["reports"], lines(&s.records).len());

    // Three shards through independent pipelines, merged at the end.
    let all = lines(&enriched);
    let dir = tempfile::tempdir().unwrap();
    let mut partials = Vec::new();
    for (i, shard) in all.chunks(all.len() / 3 + 1).enumerate() {
        let input = shard.join("\n") + "\n";
        let partial = stage("f2b-agg", &["-q", "--partial"], input.as_bytes());
        let path = dir.path().join(format!("part{i}.json"));
        fs::write(&path, partial).unwrap();
        partials.push(path.display().to_string());
    }
    let mut args = vec!["-q", "--merge"];
    args.extend(partials.iter().map(String::as_str));
    assert_eq!(stage("f2b-agg", &args, b""), digest);
}

#[test]
fn stages_can_be_skipped() {
    let s = sample();
    let anon = stage("f2b-anon", &["-q"], &s.records);
    let digest: serde_json::Value =
        serde_json::from_slice(&stage("f2b-agg", &["-q"], &anon)).unwrap();
    assert_eq!(digest["reports"], lines(&s.records).len());
    assert_eq!(
        digest["by_country"],
        serde_json::json!([]),
        "no geo stage, no countries"
    );
}
