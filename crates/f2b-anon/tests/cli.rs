//! The f2b-anon binary: options, output formats, keys, errors, pipes.

mod common;

use std::io::{BufRead, BufReader, Write};
use std::process::{Command, Stdio};

use common::{bin, fixture};
use predicates::prelude::*;
use predicates::str::contains;

const ALL: &str = "as_name,jail,hour,failures,reporter_country,reporter_id,attacker_id";

fn stdout_of(args: &[&str]) -> String {
    let out = bin().args(args).assert().success().get_output().clone();
    String::from_utf8(out.stdout).unwrap()
}

fn json_lines(output: &str) -> Vec<serde_json::Value> {
    output
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

#[test]
fn help_describes_every_option_and_shows_a_pipeline() {
    let help = stdout_of(&["--help"]);
    for needle in [
        "--with",
        "--key-file",
        "--k",
        "--csv",
        "--skip-bad",
        "--rejects",
        "--output",
        "--quiet",
        "F2B_ANON_KEY_FILE",
        "whole input",
        "Examples:",
        "f2b-extract -r mail/ | f2b-geo | f2b-asn | f2b-anon --csv -o dataset.csv",
        "date, country, region, city, asn, service",
    ] {
        assert!(help.contains(needle), "--help lacks {needle:?}:\n{help}");
    }
}

#[test]
fn default_output_is_the_six_allow_listed_columns_as_in_the_golden_file() {
    let fixture_path = fixture("enriched.ndjson");
    let output = stdout_of(&["-q", fixture_path.to_str().unwrap()]);
    let expected = std::fs::read_to_string(fixture("enriched.expected.ndjson")).unwrap();
    assert_eq!(output, expected);
    for row in json_lines(&output) {
        let keys: Vec<&str> = row
            .as_object()
            .unwrap()
            .keys()
            .map(String::as_str)
            .collect();
        assert_eq!(
            keys,
            ["date", "country", "region", "city", "asn", "service"]
        );
    }
}

#[test]
fn every_optional_column_with_a_key_as_csv_matches_the_golden_file() {
    let output = stdout_of(&[
        "-q",
        "--csv",
        "--with",
        ALL,
        "--key-file",
        fixture("test.key").to_str().unwrap(),
        fixture("enriched.ndjson").to_str().unwrap(),
    ]);
    let expected = std::fs::read_to_string(fixture("enriched.all.expected.csv")).unwrap();
    assert_eq!(output, expected);
}

#[test]
fn csv_header_is_in_documented_order_whatever_the_order_asked() {
    let output = stdout_of(&[
        "--csv",
        "--with",
        "failures,hour",
        "--with",
        "jail,as_name,reporter_country",
        fixture("enriched.ndjson").to_str().unwrap(),
    ]);
    assert_eq!(
        output.lines().next(),
        Some("date,country,region,city,asn,service,as_name,jail,hour,failures,reporter_country")
    );
}

#[test]
fn csv_of_an_empty_input_is_just_the_header() {
    bin()
        .arg("--csv")
        .write_stdin("")
        .assert()
        .success()
        .stdout("date,country,region,city,asn,service\n");
}

#[test]
fn unknown_with_field_is_a_usage_error() {
    bin()
        .args(["--with", "ip"])
        .write_stdin("{}\n")
        .assert()
        .code(2)
        .stdout("")
        .stderr(contains("invalid value 'ip'"));
}

#[test]
fn k_of_zero_is_a_usage_error() {
    bin()
        .args(["--k", "0"])
        .write_stdin("{}\n")
        .assert()
        .code(2);
}

#[test]
fn pseudonyms_without_a_key_are_a_usage_error() {
    bin()
        .args(["--with", "attacker_id,reporter_id"])
        .env_remove("F2B_ANON_KEY_FILE")
        .write_stdin("{\"ip\":\"192.0.2.1\"}\n")
        .assert()
        .code(2)
        .stdout("")
        .stderr(contains("reporter_id and attacker_id need a secret key"))
        .stderr(contains("Try 'f2b-anon --help'"));
}

#[test]
fn no_key_means_no_pseudonym_columns() {
    let output = stdout_of(&["-q", fixture("enriched.ndjson").to_str().unwrap()]);
    assert!(!output.contains("_id"));
}

#[test]
fn pseudonyms_are_stable_under_one_key_and_differ_under_another() {
    let dir = tempfile::tempdir().unwrap();
    let other_key = dir.path().join("other.key");
    std::fs::write(&other_key, b"another test key, not a secret!!").unwrap();
    let input = fixture("enriched.ndjson");
    let run = |key: &std::path::Path| {
        json_lines(&stdout_of(&[
            "-q",
            "--with",
            "reporter_id,attacker_id",
            "--key-file",
            key.to_str().unwrap(),
            input.to_str().unwrap(),
        ]))
    };
    let first = run(&fixture("test.key"));
    let again = run(&fixture("test.key"));
    let other = run(&other_key);
    assert_eq!(first, again);
    // Records 1 and 2 share the attacking address; 1 and 6 share the reporter,
    // and 6 bans the IPv4-mapped spelling of another address.
    assert_eq!(first[0]["attacker_id"], first[1]["attacker_id"]);
    assert_ne!(first[0]["attacker_id"], first[2]["attacker_id"]);
    assert_eq!(first[0]["reporter_id"], first[5]["reporter_id"]);
    assert_ne!(first[0]["reporter_id"], first[1]["reporter_id"]);
    for (a, b) in first.iter().zip(&other) {
        if !a["attacker_id"].is_null() {
            assert_ne!(a["attacker_id"], b["attacker_id"]);
        }
        if !a["reporter_id"].is_null() {
            assert_ne!(a["reporter_id"], b["reporter_id"]);
        }
    }
}

#[test]
fn the_key_file_can_come_from_the_environment() {
    let from_option = stdout_of(&[
        "-q",
        "--with",
        "attacker_id",
        "--key-file",
        fixture("test.key").to_str().unwrap(),
        fixture("enriched.ndjson").to_str().unwrap(),
    ]);
    bin()
        .args(["-q", "--with", "attacker_id"])
        .arg(fixture("enriched.ndjson"))
        .env("F2B_ANON_KEY_FILE", fixture("test.key"))
        .assert()
        .success()
        .stdout(from_option);
}

#[test]
fn a_short_key_is_refused_without_showing_it() {
    let dir = tempfile::tempdir().unwrap();
    let key = dir.path().join("short.key");
    std::fs::write(&key, "hunter2-secret").unwrap();
    let out = dir.path().join("out.ndjson");
    bin()
        .args(["--with", "attacker_id", "--key-file"])
        .arg(&key)
        .arg("-o")
        .arg(&out)
        .write_stdin("{\"ip\":\"192.0.2.1\"}\n")
        .assert()
        .code(1)
        .stderr(contains(
            "short.key holds 14 bytes; a key needs at least 16",
        ))
        .stderr(contains("hunter2").not());
    assert!(!out.exists(), "no output is created when the key is bad");
}

#[test]
fn a_missing_key_file_is_named() {
    bin()
        .args([
            "--with",
            "reporter_id",
            "--key-file",
            "/nonexistent/anon.key",
        ])
        .write_stdin("{}\n")
        .assert()
        .code(1)
        .stderr(contains("cannot open key file /nonexistent/anon.key"));
}

#[test]
fn a_key_without_pseudonyms_asked_for_only_warns() {
    bin()
        .args(["--key-file"])
        .arg(fixture("test.key"))
        .write_stdin("{\"ip\":\"192.0.2.1\"}\n")
        .assert()
        .success()
        .stdout(contains("_id").not())
        .stderr(contains(
            "warning: --key-file is used only by --with reporter_id or attacker_id",
        ));
}

#[test]
fn a_bad_line_stops_the_run_naming_input_and_line() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("in.ndjson");
    std::fs::write(
        &input,
        "{\"country\":\"CN\"}\n\n{\"country\":\"CN\",}\n{}\n",
    )
    .unwrap();
    bin()
        .arg(&input)
        .assert()
        .code(1)
        .stderr(contains("in.ndjson: line 3: invalid JSON"));
}

#[test]
fn skip_bad_counts_bad_lines_and_keeps_them_in_rejects() {
    let dir = tempfile::tempdir().unwrap();
    let rejects = dir.path().join("rejects.ndjson");
    let out = bin()
        .arg("--skip-bad")
        .arg("--rejects")
        .arg(&rejects)
        .write_stdin("{\"country\":\"CN\"}\n[1]\n{\"country\":\"DE\"}\nnot json\n")
        .assert()
        .success()
        .stderr(contains(
            "f2b-anon: 2 records in, 2 bad lines skipped, 2 out, 0 generalised, 0 suppressed",
        ))
        .get_output()
        .clone();
    assert_eq!(String::from_utf8(out.stdout).unwrap().lines().count(), 2);
    let rejected = std::fs::read_to_string(rejects).unwrap();
    let lines = json_lines(&rejected);
    assert_eq!(lines.len(), 2);
    assert_eq!(lines[0]["line"], 2);
    assert_eq!(lines[1]["text"], "not json");
}

#[test]
fn gzip_input_is_read_transparently() {
    let dir = tempfile::tempdir().unwrap();
    let gz = dir.path().join("enriched.ndjson.gz");
    let mut enc = flate2::write::GzEncoder::new(
        std::fs::File::create(&gz).unwrap(),
        flate2::Compression::fast(),
    );
    enc.write_all(&std::fs::read(fixture("enriched.ndjson")).unwrap())
        .unwrap();
    enc.finish().unwrap();
    let expected = std::fs::read_to_string(fixture("enriched.expected.ndjson")).unwrap();
    bin().arg("-q").arg(&gz).assert().success().stdout(expected);
}

#[test]
fn the_summary_counts_records_in_and_out_and_what_was_withheld() {
    bin()
        .args(["--with", "jail"])
        .arg(fixture("enriched.ndjson"))
        .assert()
        .success()
        .stderr(
            "f2b-anon: 7 records in, 7 out, 0 generalised, 0 suppressed, \
             4 free-text values withheld, 2 malformed values withheld, \
             1 unlisted jails withheld\n",
        );
}

#[test]
fn output_goes_to_a_file_with_o() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("dataset.csv");
    bin()
        .args(["-q", "--csv", "-o"])
        .arg(&out)
        .arg(fixture("enriched.ndjson"))
        .assert()
        .success()
        .stdout("");
    let written = std::fs::read_to_string(out).unwrap();
    assert!(written.starts_with("date,country,region,city,asn,service\n"));
    assert_eq!(written.lines().count(), 8);
}

#[test]
fn k_anonymity_generalises_then_suppresses_and_says_so() {
    let mut input = String::new();
    for _ in 0..3 {
        input.push_str(r#"{"ts":"2011-07-04T10:00:00Z","country":"FR","region":"Bretagne","city":"Rennes","asn":3215,"service":"ssh"}"#);
        input.push('\n');
    }
    for city in ["Brest", "Quimper", "Lorient"] {
        input.push_str(&format!(
            r#"{{"ts":"2011-07-05T10:00:00Z","country":"FR","region":"Bretagne","city":"{city}","asn":3215,"service":"ssh"}}"#
        ));
        input.push('\n');
    }
    input.push_str(r#"{"ts":"2011-07-05T10:00:00Z","country":"FR","region":"Alsace","city":"Colmar","asn":3215,"service":"web"}"#);
    input.push('\n');
    let out = bin()
        .args(["--k", "3"])
        .write_stdin(input)
        .assert()
        .success()
        .stderr("f2b-anon: 7 records in, 6 out, 3 generalised, 1 suppressed, 0 free-text values withheld\n")
        .get_output()
        .clone();
    let rows = json_lines(&String::from_utf8(out.stdout).unwrap());
    assert_eq!(rows.len(), 6);
    assert_eq!(rows[0]["city"], "Rennes");
    for row in &rows[3..] {
        assert_eq!(row["city"], serde_json::Value::Null);
        assert_eq!(row["region"], "Bretagne");
        assert_eq!(row["date"], "2011-07-05");
    }
}

fn big_input(dir: &std::path::Path) -> std::path::PathBuf {
    let path = dir.join("big.ndjson");
    let mut f = std::io::BufWriter::new(std::fs::File::create(&path).unwrap());
    for i in 0..200_000 {
        writeln!(
            f,
            r#"{{"ts":"2011-07-04T10:34:58Z","ip":"192.0.2.{}","country":"CN","region":"Jiangsu","city":"Nanjing","asn":4134,"service":"ssh"}}"#,
            i % 250
        )
        .unwrap();
    }
    f.flush().unwrap();
    path
}

#[test]
fn a_closed_pipe_ends_the_run_quietly_with_status_0() {
    let dir = tempfile::tempdir().unwrap();
    let input = big_input(dir.path());
    for extra in [&[][..], &["--k", "2"][..], &["--csv"][..]] {
        let mut child = Command::new(env!("CARGO_BIN_EXE_f2b-anon"))
            .args(extra)
            .arg(&input)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let mut stdout = BufReader::new(child.stdout.take().unwrap());
        let mut first = String::new();
        stdout.read_line(&mut first).unwrap();
        assert!(!first.is_empty());
        drop(stdout);
        let out = child.wait_with_output().unwrap();
        assert_eq!(out.status.code(), Some(0), "{extra:?}");
        assert_eq!(String::from_utf8_lossy(&out.stderr), "", "{extra:?}");
    }
}
