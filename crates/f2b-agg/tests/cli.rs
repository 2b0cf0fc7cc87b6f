//! f2b-agg as a command: options, tables, errors and exit codes.

mod common;

use std::io::{BufRead, BufReader, Write};
use std::process::Stdio;

use serde_json::{json, Value};

use common::{agg, fixture, json_of, run_ok};

fn full() -> String {
    fixture("full.ndjson").to_str().unwrap().to_string()
}

fn anon() -> String {
    fixture("anon.ndjson").to_str().unwrap().to_string()
}

fn text(bytes: Vec<u8>) -> String {
    String::from_utf8(bytes).unwrap()
}

#[test]
fn help_describes_every_option_with_example_pipelines() {
    let help = text(run_ok(&["--help"]));
    for needle in [
        "--by <FIELD[,FIELD...]>",
        "--ndjson",
        "--top <N>",
        "--partial",
        "--merge",
        "--pretty",
        "--skip-bad",
        "--rejects <FILE>",
        "--output <FILE>",
        "--quiet",
        "Examples:",
        "f2b-extract mail/*.mbox | f2b-geo | f2b-asn | f2b-agg",
        "split -n l/4",
        "f2b-agg --merge",
        "docs/digest.md",
    ] {
        assert!(help.contains(needle), "--help lacks {needle:?}:\n{help}");
    }
}

#[test]
fn the_summary_counts_records_reports_notices_and_bad_lines() {
    let out = agg().arg(full()).output().unwrap();
    assert!(out.status.success());
    assert_eq!(
        text(out.stderr),
        "f2b-agg: 410 records in, 407 reports, 3 notices, 0 bad lines skipped\n"
    );
    let quiet = agg().args(["-q", &full()]).output().unwrap();
    assert!(quiet.stderr.is_empty());
}

#[test]
fn the_digest_is_one_compact_line_unless_pretty() {
    let compact = text(run_ok(&["-q", &full()]));
    assert_eq!(compact.lines().count(), 1);
    assert!(compact.starts_with("{\"digest_version\":1,\"generator\":\"f2b-agg "));
    let pretty = text(run_ok(&["-q", "--pretty", &full()]));
    assert!(pretty.lines().count() > 100);
    let a: Value = serde_json::from_str(&compact).unwrap();
    let b: Value = serde_json::from_str(&pretty).unwrap();
    assert_eq!(a, b);
}

#[test]
fn top_cuts_every_ranked_list() {
    let d = json_of(&["-q", "--top", "2", &full()]);
    for section in [
        "by_country",
        "by_region",
        "by_city",
        "by_asn",
        "by_service",
        "by_jail",
        "by_reporter_country",
        "flows",
        "top_attackers",
    ] {
        assert_eq!(d[section].as_array().unwrap().len(), 2, "{section}");
    }
    // Series are not ranked lists.
    assert_eq!(d["by_hour"].as_array().unwrap().len(), 24);
    let whole = json_of(&["-q", &full()]);
    assert_eq!(d["by_country"][0], whole["by_country"][0]);
    // The digest says it was cut; a whole one has no `top`.
    assert_eq!(d["top"], 2);
    assert!(whole.get("top").is_none());
}

#[test]
fn by_writes_csv_with_a_header_sorted_by_reports() {
    let csv = text(run_ok(&["-q", "--by", "service", &full()]));
    let mut lines = csv.lines();
    assert_eq!(lines.next(), Some("service,reports,attackers"));
    let rows: Vec<(String, u64, u64)> = lines
        .map(|l| {
            let c: Vec<&str> = l.split(',').collect();
            (
                c[0].to_string(),
                c[1].parse().unwrap(),
                c[2].parse().unwrap(),
            )
        })
        .collect();
    assert!(rows.windows(2).all(|w| w[0].1 >= w[1].1), "{csv}");
    // The same numbers as the digest's by_service.
    let digest = json_of(&["-q", &full()]);
    let expected: Vec<(String, u64, u64)> = digest["by_service"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["service"].as_str().unwrap_or("").to_string(),
                r["reports"].as_u64().unwrap(),
                r["attackers"].as_u64().unwrap(),
            )
        })
        .collect();
    let mut sorted_rows = rows.clone();
    let mut sorted_expected = expected.clone();
    sorted_rows.sort();
    sorted_expected.sort();
    assert_eq!(sorted_rows, sorted_expected);
}

#[test]
fn by_quotes_csv_cells_that_need_it() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("in.ndjson");
    std::fs::write(
        &input,
        "{\"as_name\":\"ACME, Inc. \\\"West\\\"\",\"ip\":\"192.0.2.1\"}\n{\"as_name\":null}\n",
    )
    .unwrap();
    let csv = text(run_ok(&["-q", "--by", "as_name", input.to_str().unwrap()]));
    assert_eq!(
        csv,
        "as_name,reports,attackers\n,1,0\n\"ACME, Inc. \"\"West\"\"\",1,1\n"
    );
}

#[test]
fn by_ndjson_writes_one_object_per_row() {
    let out = text(run_ok(&[
        "-q",
        "--by",
        "country,service",
        "--ndjson",
        "--top",
        "5",
        &full(),
    ]));
    let rows: Vec<Value> = out
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(rows.len(), 5);
    for r in &rows {
        let keys: Vec<&String> = r.as_object().unwrap().keys().collect();
        assert_eq!(keys, ["country", "service", "reports", "attackers"]);
    }
    assert!(rows
        .windows(2)
        .all(|w| w[0]["reports"].as_u64() >= w[1]["reports"].as_u64()));
}

#[test]
fn by_date_works_on_full_and_anonymized_records() {
    for (input, dated) in [(full(), "ts"), (anon(), "date")] {
        let out = text(run_ok(&["-q", "--by", "date", "--ndjson", &input]));
        let rows: Vec<Value> = out
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect();
        let total: u64 = rows.iter().map(|r| r["reports"].as_u64().unwrap()).sum();
        let digest = json_of(&["-q", &input]);
        assert_eq!(total, digest["reports"].as_u64().unwrap(), "{dated}");
        let day = &digest["by_day"][0];
        let row = rows
            .iter()
            .find(|r| r["date"] == day["date"])
            .expect("the first day has a row");
        assert_eq!(row["reports"], day["reports"], "{dated}");
    }
}

#[test]
fn by_derives_hour_weekday_month_and_year() {
    let out = text(run_ok(&[
        "-q",
        "--by",
        "year,month,weekday,hour",
        "--ndjson",
        "--top",
        "1",
        &full(),
    ]));
    let row: Value = serde_json::from_str(out.lines().next().unwrap()).unwrap();
    assert!(row["year"].is_u64(), "{row}");
    assert!(row["month"]
        .as_str()
        .unwrap()
        .starts_with(&row["year"].to_string()));
    assert!(["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]
        .contains(&row["weekday"].as_str().unwrap()));
    assert!(row["hour"].as_u64().unwrap() < 24);
}

#[test]
fn anonymized_records_give_the_sections_their_fields_allow() {
    let d = json_of(&["-q", &anon()]);
    assert_eq!(d["reports"], 400);
    assert!(d["attackers"].as_u64().unwrap() > 0);
    assert!(d["reporters"].as_u64().unwrap() > 0);
    assert_eq!(d["first_ts"], Value::Null);
    assert!(!d["by_day"].as_array().unwrap().is_empty());
    assert!(!d["by_month"].as_array().unwrap().is_empty());
    assert!(d["by_hour_weekday"].is_array());
    assert_eq!(d["top_attackers"], json!([]));
    // Only some records keep their jail: the others are unknown.
    assert!(d["by_jail"]
        .as_array()
        .unwrap()
        .iter()
        .any(|r| r["jail"].is_null()));
}

#[test]
fn empty_input_gives_an_empty_digest() {
    let out = agg().arg("-q").write_stdin("").output().unwrap();
    assert!(out.status.success());
    let d: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(d["reports"], 0);
    for null in [
        "attackers",
        "reporters",
        "first",
        "last",
        "first_ts",
        "by_hour_weekday",
    ] {
        assert!(d[null].is_null(), "{null}");
    }
    for empty in [
        "by_day",
        "gaps",
        "by_country",
        "by_asn",
        "flows",
        "by_hour",
        "by_weekday",
        "failures",
        "top_attackers",
    ] {
        assert_eq!(d[empty], json!([]), "{empty}");
    }
}

#[test]
fn stdin_gzip_and_output_file_give_the_same_digest() {
    let expected = run_ok(&["-q", &full()]);
    let bytes = std::fs::read(full()).unwrap();
    let out = agg().arg("-q").write_stdin(bytes.clone()).output().unwrap();
    assert_eq!(out.stdout, expected);

    let dir = tempfile::tempdir().unwrap();
    let gz = dir.path().join("full.ndjson.gz");
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    enc.write_all(&bytes).unwrap();
    std::fs::write(&gz, enc.finish().unwrap()).unwrap();
    let file = dir.path().join("digest.json");
    let out = run_ok(&["-q", gz.to_str().unwrap(), "-o", file.to_str().unwrap()]);
    assert!(out.is_empty());
    assert_eq!(std::fs::read(&file).unwrap(), expected);
}

fn bad_input() -> (tempfile::TempDir, String) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("records.ndjson");
    std::fs::write(
        &path,
        "{\"ip\":\"192.0.2.1\"}\n\n{\"ip\":\"192.0.2.2\",}\n{\"ip\":\"192.0.2.3\"}\n",
    )
    .unwrap();
    let name = path.to_str().unwrap().to_string();
    (dir, name)
}

#[test]
fn a_bad_line_stops_the_run_naming_input_and_line() {
    let (_dir, path) = bad_input();
    for by in [&[][..], &["--by", "ip"][..]] {
        let out = agg().arg(&path).args(by).output().unwrap();
        assert_eq!(out.status.code(), Some(1), "{by:?}");
        assert!(out.stdout.is_empty(), "nothing is written half");
        let stderr = text(out.stderr);
        assert!(
            stderr.starts_with(&format!("f2b-agg: error: {path}: line 3: invalid JSON")),
            "{stderr}"
        );
    }
}

#[test]
fn skip_bad_counts_skips_and_keeps_rejected_lines() {
    let (dir, path) = bad_input();
    let rejects = dir.path().join("rejects.ndjson");
    let out = agg()
        .args([&path, "--skip-bad", "--rejects", rejects.to_str().unwrap()])
        .output()
        .unwrap();
    assert!(out.status.success());
    assert_eq!(
        text(out.stderr),
        "f2b-agg: 2 records in, 2 reports, 0 notices, 1 bad lines skipped\n"
    );
    let d: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(d["attackers"], 2);
    let rejected: Value =
        serde_json::from_str(std::fs::read_to_string(&rejects).unwrap().trim()).unwrap();
    assert_eq!(rejected["line"], 3);
    assert_eq!(rejected["input"], path.as_str());
    assert_eq!(rejected["text"], "{\"ip\":\"192.0.2.2\",}");
}

#[test]
fn bad_usage_exits_2_with_a_hint() {
    for args in [
        &["--ndjson"][..],
        &["--by", "ip", "--partial"],
        &["--by", "ip", "--merge"],
        &["--by", ""],
        &["--by", "ip,ip"],
        &["--top", "3", "--partial"],
        &["--merge", "--skip-bad"],
        &["--top", "many"],
        &["--no-such-option"],
    ] {
        let out = agg().args(args).write_stdin("").output().unwrap();
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        assert!(out.stdout.is_empty());
        let stderr = text(out.stderr);
        assert!(stderr.contains("--help"), "{args:?}: {stderr}");
    }
}

#[test]
fn a_closed_pipe_ends_by_ndjson_quietly() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("many.ndjson");
    let mut w = std::io::BufWriter::new(std::fs::File::create(&input).unwrap());
    for i in 0..150_000u32 {
        writeln!(
            w,
            "{{\"ip\":\"10.{}.{}.{}\",\"service\":\"ssh\"}}",
            i >> 16,
            (i >> 8) & 255,
            i & 255
        )
        .unwrap();
    }
    w.flush().unwrap();
    drop(w);
    let bin = assert_cmd::cargo::cargo_bin("f2b-agg");
    let mut child = std::process::Command::new(bin)
        .args(["--by", "ip", "--ndjson", input.to_str().unwrap()])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut reader = BufReader::new(child.stdout.take().unwrap());
    let mut first = String::new();
    reader.read_line(&mut first).unwrap();
    assert!(first.starts_with("{\"ip\":"), "{first}");
    drop(reader);
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(text(out.stderr), "");
}

/// The digest of `records` (lines given on stdin).
fn digest_of_lines(records: &str) -> Value {
    let out = agg()
        .arg("-q")
        .write_stdin(records.to_string())
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    serde_json::from_slice(&out).unwrap()
}

/// Strings are read decoded: an escaped `ts` or `date` is the same date.
#[test]
fn escaped_dates_are_dates() {
    let d = digest_of_lines(
        "{\"ts\":\"2011-07-04T10:34:58\\u005a\",\"ip\":\"192.0.2.1\"}\n\
         {\"date\":\"2011\\u002d07-05\",\"ip\":\"192.0.2.2\"}\n",
    );
    assert_eq!(d["dated"], json!({"day": 2, "month": 0, "undated": 0}));
    assert_eq!(
        (d["first"].as_str(), d["last"].as_str()),
        (Some("2011-07-04"), Some("2011-07-05"))
    );
    assert_eq!(d["first_ts"], "2011-07-04T10:34:58Z");
}

/// On a tie of reports, a top attacker's known AS name comes before none.
#[test]
fn a_top_attackers_known_as_name_wins_a_tie() {
    let d = digest_of_lines(
        "{\"ip\":\"192.0.2.1\",\"country\":\"CN\",\"asn\":4134}\n\
         {\"ip\":\"192.0.2.1\",\"country\":\"CN\",\"asn\":4134,\"as_name\":\"CHINANET\"}\n",
    );
    assert_eq!(d["top_attackers"][0]["as_name"], "CHINANET", "{d}");
}

/// A `ts` whose UTC day is outside the years 1900–9999 is undated, so that
/// every day a digest holds merges and reports.
#[test]
fn a_ts_whose_utc_day_is_out_of_range_is_undated() {
    let d = digest_of_lines(
        "{\"ts\":\"1900-01-01T00:30:00+01:00\",\"ip\":\"192.0.2.1\"}\n\
         {\"ts\":\"9999-12-31T23:00:00-05:00\",\"ip\":\"192.0.2.1\"}\n",
    );
    assert_eq!(d["dated"], json!({"day": 0, "month": 0, "undated": 2}));
}

/// Partials whose counts exceed their records, or whose merged records
/// would pass 2^53, are refused: never a wrapped-around digest.
#[test]
fn merged_counts_never_wrap() {
    let dir = tempfile::tempdir().unwrap();
    let partial = run_ok(&["-q", "--partial", &full()]);
    let mut p: Value = serde_json::from_slice(&partial).unwrap();
    p["reports"] = json!(p["records"].as_u64().unwrap() + 1);
    let bad = dir.path().join("bad.json");
    std::fs::write(&bad, p.to_string()).unwrap();
    let out = agg().args(["-q", "--merge"]).arg(&bad).output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(text(out.stderr).contains("larger than its"));

    let mut p: Value = serde_json::from_slice(&partial).unwrap();
    p["records"] = json!((1u64 << 52) + 1);
    let huge = dir.path().join("huge.json");
    std::fs::write(&huge, p.to_string()).unwrap();
    let out = agg()
        .args(["-q", "--merge"])
        .arg(&huge)
        .arg(&huge)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", text(out.stderr.clone()));
    assert!(text(out.stderr).contains("would pass"));
}
