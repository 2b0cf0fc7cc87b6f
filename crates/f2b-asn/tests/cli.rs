//! The f2b-asn binary, driven as users run it, on small hand-written fixtures.

use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Command as StdCommand, Stdio};

use assert_cmd::Command;
use predicates::prelude::*;
use serde_json::Value;

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

/// A `--pfx2as-dir` of dated snapshots, written for the test: three IPv4
/// tables a year apart that give 61.147.0.0/16 to AS 100, 200 and 300, one
/// IPv6 table, and a file that is not a snapshot (ignored). The directory
/// goes when the returned handle is dropped.
fn snapshots() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for (name, text) in [
        (
            "routeviews-rv2-20100101-1200.pfx2as",
            "61.147.0.0\t16\t100\n",
        ),
        (
            "routeviews-rv2-20110101-1200.pfx2as",
            "61.147.0.0\t16\t200\n",
        ),
        (
            "routeviews-rv2-20120101-1200.pfx2as",
            "61.147.0.0\t16\t300\n",
        ),
        (
            "routeviews-rv6-20110601-0000.pfx2as",
            "2001:db8::\t32\t600\n",
        ),
        ("README", "Not a snapshot: ignored.\n"),
    ] {
        std::fs::write(dir.path().join(name), text).unwrap();
    }
    dir
}

/// The binary with a clean environment: no data files from the developer's
/// shell leak into a test.
fn f2b_asn() -> Command {
    let mut cmd = Command::cargo_bin("f2b-asn").unwrap();
    cmd.env_remove("F2B_PFX2AS").env_remove("F2B_ASNAMES");
    cmd
}

/// The binary over the fixture tables (IPv4, IPv6, names).
fn with_tables() -> Command {
    let mut cmd = f2b_asn();
    cmd.arg("--pfx2as")
        .arg(fixture("routes-v4.tsv"))
        .arg("--pfx2as")
        .arg(fixture("routes-v6.tsv"))
        .arg("--names")
        .arg(fixture("as-names.html"));
    cmd
}

fn records(stdout: &[u8]) -> Vec<Value> {
    String::from_utf8(stdout.to_vec())
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

/// Runs `cmd` on `input` and returns the output records.
fn enrich(mut cmd: Command, input: &str) -> Vec<Value> {
    let out = cmd.arg("-q").write_stdin(input).assert().success();
    records(&out.get_output().stdout)
}

fn one(cmd: Command, ip: &str) -> Value {
    let line = serde_json::json!({ "ip": ip }).to_string();
    enrich(cmd, &line).remove(0)
}

#[test]
fn fixture_records_match_the_golden_output_byte_for_byte() {
    let expected = std::fs::read(fixture("records.expected.ndjson")).unwrap();
    with_tables()
        .arg("-q")
        .arg(fixture("records.ndjson"))
        .assert()
        .success()
        .stdout(expected)
        .stderr("");
}

#[test]
fn unknown_fields_pass_through_byte_for_byte_and_in_order() {
    let line = r#"{"z":1.50e3, "ip":"1.0.0.7" ,"x":{"a":[1, 2]},"s":"caf\u00e9","n":-0.0}"#;
    let out = with_tables().arg("-q").write_stdin(line).assert().success();
    let text = String::from_utf8(out.get_output().stdout.clone()).unwrap();
    let (kept, added) = text.split_at(line.len() - 1);
    assert_eq!(
        kept,
        &line[..line.len() - 1],
        "the original bytes come first"
    );
    assert!(added.starts_with(r#","asn":13335,"asns":null,"#), "{added}");
    assert!(added.ends_with("\"reporter_prefix\":null}\n"), "{added}");
}

#[test]
fn nested_prefixes_resolve_to_the_longest_match() {
    let cases = [
        ("61.1.2.3", 4134, "61.0.0.0/8"),
        ("61.147.200.1", 23650, "61.147.0.0/16"),
        ("61.147.12.134", 4837, "61.147.12.0/24"),
    ];
    for (ip, asn, prefix) in cases {
        let r = one(with_tables(), ip);
        assert_eq!(r["asn"], asn, "{ip}");
        assert_eq!(r["prefix"], prefix, "{ip}");
    }
}

#[test]
fn multi_origin_routes_give_the_first_asn_and_all_origins() {
    let r = one(with_tables(), "61.147.12.134");
    assert_eq!(r["asn"], 4837);
    assert_eq!(r["asns"], serde_json::json!([4837, 9929]));
    assert_eq!(
        r["as_name"],
        "CHINA169-BACKBONE CHINA UNICOM China169 Backbone"
    );
}

#[test]
fn as_sets_give_the_first_asn_and_all_members() {
    let r = one(with_tables(), "61.147.13.7");
    assert_eq!(r["asn"], 7545);
    assert_eq!(r["asns"], serde_json::json!([7545, 10103]));
    let r = one(with_tables(), "2001:db8:1:2::5");
    assert_eq!(
        r["asns"],
        serde_json::json!([64503, 64504]),
        "braces dropped"
    );
}

#[test]
fn single_origin_routes_have_null_asns() {
    let r = one(with_tables(), "1.0.0.1");
    assert_eq!(r["asn"], 13335);
    assert!(r["asns"].is_null());
}

#[test]
fn ipv6_addresses_resolve_in_the_ipv6_table() {
    let r = one(with_tables(), "2001:db8:1::9");
    assert_eq!(r["asn"], 64501);
    assert_eq!(r["prefix"], "2001:db8:1::/48");
    let r = one(with_tables(), "2001:db8:ffff::1");
    assert_eq!(r["prefix"], "2001:db8::/32");
}

#[test]
fn ipv4_mapped_ipv6_is_looked_up_as_ipv4() {
    let r = one(with_tables(), "::ffff:61.147.200.1");
    assert_eq!(r["asn"], 23650);
    assert_eq!(r["prefix"], "61.147.0.0/16");
}

#[test]
fn names_keep_their_commas_and_entities_are_decoded() {
    let r = one(with_tables(), "61.1.2.3");
    assert_eq!(r["as_name"], "CHINANET-BACKBONE No.31,Jin-rong Street");
    assert_eq!(r["as_country"], "CN");
    let r = one(with_tables(), "198.51.100.2");
    assert_eq!(r["as_name"], "AT&T Example <Lab>");
    assert_eq!(r["as_country"], "US");
}

#[test]
fn a_name_without_country_gives_a_null_country() {
    let r = one(with_tables(), "2001:db8:ffff::1");
    assert_eq!(r["as_name"], "Example IPv6 Networks, Inc.");
    assert!(r["as_country"].is_null());
}

#[test]
fn latin1_names_are_decoded_not_rejected() {
    let r = one(with_tables(), "2001:db8:1::9");
    assert_eq!(r["as_name"], "Bergmann & Söhne GmbH");
    assert_eq!(r["as_country"], "DE");
}

#[test]
fn unresolved_absent_and_invalid_addresses_give_nulls() {
    let input = concat!(
        r#"{"ip":"192.0.2.1","reporter_ip":"nonsense"}"#,
        "\n",
        r#"{"event":"start","reporter_ip":null}"#,
        "\n",
        r#"{"ip":42}"#,
        "\n"
    );
    for r in enrich(with_tables(), input) {
        for key in [
            "asn",
            "asns",
            "as_name",
            "as_country",
            "prefix",
            "reporter_asn",
            "reporter_asns",
            "reporter_as_name",
            "reporter_as_country",
            "reporter_prefix",
        ] {
            assert!(r[key].is_null(), "{key} in {r}");
        }
    }
}

#[test]
fn fields_come_in_spec_order_after_the_record() {
    let out = with_tables()
        .arg("-q")
        .write_stdin(r#"{"ip":"1.0.0.1","reporter_ip":"198.51.100.9"}"#)
        .assert()
        .success();
    let record = &records(&out.get_output().stdout)[0];
    let keys: Vec<&str> = record
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(
        keys,
        [
            "ip",
            "reporter_ip",
            "asn",
            "asns",
            "as_name",
            "as_country",
            "prefix",
            "reporter_asn",
            "reporter_asns",
            "reporter_as_name",
            "reporter_as_country",
            "reporter_prefix"
        ]
    );
}

#[test]
fn own_fields_from_an_earlier_run_are_replaced_in_place() {
    let out = with_tables()
        .arg("-q")
        .write_stdin(r#"{"ip":"1.0.0.8","asn":1,"keep":true,"prefix":"stale"}"#)
        .assert()
        .success();
    let text = String::from_utf8(out.get_output().stdout.clone()).unwrap();
    assert!(
        text.starts_with(r#"{"ip":"1.0.0.8","asn":13335,"keep":true,"prefix":"1.0.0.0/24","#),
        "{text}"
    );
}

#[test]
fn records_are_never_dropped_or_reordered() {
    let input: String = (0..500)
        .map(|i| format!("{{\"n\":{i},\"ip\":\"61.147.{}.{}\"}}\n", i % 256, i % 200))
        .collect();
    let out = enrich(with_tables(), &input);
    assert_eq!(out.len(), 500);
    for (i, r) in out.iter().enumerate() {
        assert_eq!(r["n"], i);
    }
}

#[test]
fn summary_counts_records_fields_and_the_table() {
    with_tables()
        .arg(fixture("records.ndjson"))
        .assert()
        .success()
        .stderr(predicate::str::starts_with(
            "f2b-asn: 10 records in, 10 out; ip: 8 resolved, 1 unresolved, 1 absent; \
             reporter_ip: 5 resolved, 0 unresolved, 4 absent, 1 not addresses; \
             table: 7 v4 + 3 v6 prefixes, loaded in ",
        ))
        .stderr(predicate::str::ends_with("; names: 8 ASes\n"));
}

#[test]
fn gzip_tables_and_inputs_are_read_transparently() {
    let dir = tempfile::tempdir().unwrap();
    let gz = |name: &str, content: &[u8]| {
        let path = dir.path().join(name);
        let mut enc = flate2::write::GzEncoder::new(
            std::fs::File::create(&path).unwrap(),
            flate2::Compression::default(),
        );
        enc.write_all(content).unwrap();
        enc.finish().unwrap();
        path
    };
    let table = gz(
        "routeviews-prefix2as.txt.gz",
        &std::fs::read(fixture("routes-v4.tsv")).unwrap(),
    );
    let names = gz(
        "as-names.html.gz",
        &std::fs::read(fixture("as-names.html")).unwrap(),
    );
    let input = gz("records.ndjson.gz", b"{\"ip\":\"61.147.200.1\"}\n");
    let out = f2b_asn()
        .args(["-q", "--pfx2as"])
        .arg(&table)
        .arg("--names")
        .arg(&names)
        .arg(&input)
        .assert()
        .success();
    let r = &records(&out.get_output().stdout)[0];
    assert_eq!(r["asn"], 23650);
    assert_eq!(r["as_country"], "CN");
}

#[test]
fn malformed_table_rows_are_reported_with_file_and_line_and_skipped() {
    let out = f2b_asn()
        .arg("--pfx2as")
        .arg(fixture("routes-malformed.tsv"))
        .arg("--no-names")
        .write_stdin("{\"ip\":\"10.4.1.1\"}\n{\"ip\":\"10.3.1.1\"}\n")
        .assert()
        .success()
        .stderr(predicate::str::contains(
            "routes-malformed.tsv: line 3: missing origin AS; malformed row skipped",
        ))
        .stderr(predicate::str::contains(
            "routes-malformed.tsv: line 4: 10.2.0.1/16 has host bits set",
        ))
        .stderr(predicate::str::contains(
            "routes-malformed.tsv: line 5: bad origin AS \"AS64498\"",
        ))
        .stderr(predicate::str::contains(
            "table: 2 v4 + 0 v6 prefixes (3 malformed rows skipped)",
        ));
    let out = records(&out.get_output().stdout);
    assert_eq!(out[0]["asn"], 64499);
    assert_eq!(out[1]["asn"], 64496, "10.3/16 was skipped: the /8 answers");
}

#[test]
fn strict_makes_a_malformed_row_fatal() {
    f2b_asn()
        .arg("--strict")
        .arg("--pfx2as")
        .arg(fixture("routes-malformed.tsv"))
        .arg("--no-names")
        .write_stdin("{\"ip\":\"10.4.1.1\"}\n")
        .assert()
        .code(1)
        .stdout("")
        .stderr(predicate::str::contains(
            "routes-malformed.tsv: line 3: missing origin AS (malformed row; --strict)",
        ));
}

#[test]
fn snapshot_directory_maps_each_record_to_the_table_of_its_time() {
    let snaps = snapshots();
    let input = [
        (
            "2009-03-01T00:00:00Z",
            "61.147.1.1",
            100,
            "before every snapshot: the earliest",
        ),
        (
            "2010-06-01T00:00:00Z",
            "61.147.1.1",
            100,
            "between 2010 and 2011",
        ),
        (
            "2011-01-01T11:59:59Z",
            "61.147.1.1",
            100,
            "a second before 2011's",
        ),
        (
            "2011-01-01T12:00:00Z",
            "61.147.1.1",
            200,
            "exactly at 2011's",
        ),
        ("2011-07-04T10:34:58Z", "61.147.1.1", 200, "the 2011 attack"),
        (
            "2013-01-01T00:00:00Z",
            "61.147.1.1",
            300,
            "after all: the newest",
        ),
        (
            "2010-01-01T00:00:00Z",
            "2001:db8::1",
            600,
            "IPv6 has its own snapshots",
        ),
    ];
    let mut lines: String = input
        .iter()
        .map(|(ts, ip, _, _)| format!("{{\"ts\":\"{ts}\",\"ip\":\"{ip}\"}}\n"))
        .collect();
    lines.push_str("{\"ip\":\"61.147.1.1\"}\n");
    lines.push_str("{\"ts\":null,\"ip\":\"61.147.1.1\"}\n");
    let mut cmd = f2b_asn();
    cmd.arg("--pfx2as-dir")
        .arg(snaps.path())
        .arg("--names")
        .arg(fixture("as-names.html"));
    let out = enrich(cmd, &lines);
    for (r, (_, _, asn, why)) in out.iter().zip(input.iter()) {
        assert_eq!(r["asn"], *asn, "{why}");
    }
    assert_eq!(out[7]["asn"], 300, "no ts: the newest");
    assert_eq!(out[8]["asn"], 300, "null ts: the newest");
}

#[test]
fn snapshot_tables_in_memory_are_bounded() {
    let snaps = snapshots();
    // The last record goes back to 2010 with another address (an address
    // seen before is answered from memory without the table).
    let input: String = [
        ("2010-06-01", "61.147.1.1"),
        ("2011-06-01", "61.147.1.1"),
        ("2012-06-01", "61.147.1.1"),
        ("2010-06-01", "61.147.2.2"),
    ]
    .iter()
    .map(|(d, ip)| format!("{{\"ts\":\"{d}T00:00:00Z\",\"ip\":\"{ip}\"}}\n"))
    .collect();
    f2b_asn()
        .args(["--max-tables", "1", "--no-names", "--pfx2as-dir"])
        .arg(snaps.path())
        .write_stdin(input)
        .assert()
        .success()
        .stderr(predicate::str::contains(
            "snapshots: 3 of 3 v4 and 0 of 1 v6 used, 4 loads",
        ));
}

#[test]
fn an_empty_snapshot_directory_is_a_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    f2b_asn()
        .arg("--pfx2as-dir")
        .arg(dir.path())
        .arg("--no-names")
        .write_stdin("")
        .assert()
        .code(1)
        .stderr(predicate::str::contains(
            "no snapshot found (looked for routeviews-rv2-YYYYMMDD-HHMM.pfx2as.gz",
        ));
}

#[test]
fn environment_names_the_data_files() {
    let snaps = snapshots();
    let tables =
        std::env::join_paths([fixture("routes-v4.tsv"), fixture("routes-v6.tsv")]).unwrap();
    let mut cmd = f2b_asn();
    cmd.env("F2B_PFX2AS", tables)
        .env("F2B_ASNAMES", fixture("as-names.html"));
    let r = one(cmd, "2001:db8:1::9");
    assert_eq!(r["asn"], 64501);
    assert_eq!(r["as_country"], "DE");

    let mut cmd = f2b_asn();
    cmd.env("F2B_PFX2AS", snaps.path()).arg("--no-names");
    let r = one(cmd, "61.147.1.1");
    assert_eq!(
        r["asn"], 300,
        "a directory in F2B_PFX2AS is a snapshot directory"
    );
}

#[test]
fn empty_entries_of_the_environment_lists_are_skipped() {
    let snaps = snapshots();
    let tables = format!(
        "{}::{}:",
        fixture("routes-v4.tsv").display(),
        fixture("routes-v6.tsv").display()
    );
    let names = format!(":{}", fixture("as-names.html").display());
    let mut cmd = f2b_asn();
    cmd.env("F2B_PFX2AS", tables).env("F2B_ASNAMES", names);
    let r = one(cmd, "2001:db8:1::9");
    assert_eq!(r["asn"], 64501);
    assert_eq!(r["as_country"], "DE");

    let mut cmd = f2b_asn();
    cmd.env("F2B_PFX2AS", format!("{}:", snaps.path().display()))
        .arg("--no-names");
    assert_eq!(one(cmd, "61.147.1.1")["asn"], 300);

    f2b_asn()
        .env("F2B_PFX2AS", ":")
        .arg("--no-names")
        .write_stdin("{}\n")
        .assert()
        .code(1)
        .stderr(predicate::str::contains("$F2B_PFX2AS names no file"));
}

#[test]
fn missing_table_is_a_clear_error_naming_what_was_looked_for() {
    if Path::new("/usr/share/GeoIP/GeoLite2-ASN.mmdb").exists()
        || Path::new("/var/lib/GeoIP/GeoLite2-ASN.mmdb").exists()
    {
        return; // this machine has a fallback database
    }
    f2b_asn()
        .write_stdin("{}\n")
        .assert()
        .code(1)
        .stdout("")
        .stderr(predicate::str::contains("no prefix2as table found"))
        .stderr(predicate::str::contains("--pfx2as FILE"))
        .stderr(predicate::str::contains("$F2B_PFX2AS"))
        .stderr(predicate::str::contains(
            "/usr/share/GeoIP/GeoLite2-ASN.mmdb",
        ));
}

#[test]
fn missing_names_are_an_error_unless_no_names_is_given() {
    f2b_asn()
        .arg("--pfx2as")
        .arg(fixture("routes-v4.tsv"))
        .write_stdin("{}\n")
        .assert()
        .code(1)
        .stderr(predicate::str::contains("no AS names file"))
        .stderr(predicate::str::contains("$F2B_ASNAMES"))
        .stderr(predicate::str::contains("--no-names"));
    let mut cmd = f2b_asn();
    cmd.arg("--pfx2as")
        .arg(fixture("routes-v4.tsv"))
        .arg("--no-names");
    let r = one(cmd, "1.0.0.1");
    assert_eq!(r["asn"], 13335);
    assert!(r["as_name"].is_null());
}

#[test]
fn a_missing_table_file_names_the_file() {
    f2b_asn()
        .args(["--pfx2as", "/nonexistent/rv2.pfx2as.gz", "--no-names"])
        .write_stdin("{}\n")
        .assert()
        .code(1)
        .stderr(predicate::str::contains(
            "cannot open /nonexistent/rv2.pfx2as.gz",
        ));
}

#[test]
fn conflicting_sources_are_a_usage_error() {
    let snaps = snapshots();
    f2b_asn()
        .arg("--pfx2as")
        .arg(fixture("routes-v4.tsv"))
        .arg("--pfx2as-dir")
        .arg(snaps.path())
        .assert()
        .code(2);
    f2b_asn().args(["--max-tables", "0"]).assert().code(2);
}

#[test]
fn bad_line_stops_the_run_naming_input_and_line() {
    with_tables()
        .write_stdin("{\"ip\":\"1.0.0.1\"}\nnot json\n{\"ip\":\"1.0.0.2\"}\n")
        .assert()
        .code(1)
        .stderr(predicate::str::contains(
            "f2b-asn: error: stdin: line 2: not a JSON object",
        ));
}

#[test]
fn skip_bad_counts_and_skips_bad_lines() {
    let dir = tempfile::tempdir().unwrap();
    let rejects = dir.path().join("rejects.ndjson");
    let out = with_tables()
        .arg("--skip-bad")
        .arg("--rejects")
        .arg(&rejects)
        .write_stdin("{\"ip\":\"1.0.0.1\"}\nnot json\n{\"ip\":\"61.1.2.3\"}\n")
        .assert()
        .success()
        .stderr(predicate::str::contains(
            "f2b-asn: 2 records in, 1 bad lines skipped, 2 out;",
        ));
    let out = records(&out.get_output().stdout);
    assert_eq!(out.len(), 2);
    assert_eq!(out[1]["asn"], 4134);
    let rejected = std::fs::read_to_string(rejects).unwrap();
    assert!(rejected.contains("\"line\":2"), "{rejected}");
}

#[test]
fn closed_stdout_ends_quietly_with_status_zero() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("many.ndjson");
    let mut f = std::io::BufWriter::new(std::fs::File::create(&input).unwrap());
    for i in 0..300_000 {
        writeln!(f, "{{\"n\":{i},\"ip\":\"61.147.{}.{}\"}}", i % 256, i % 250).unwrap();
    }
    f.into_inner().unwrap().sync_all().unwrap();
    let mut child = StdCommand::new(assert_cmd::cargo::cargo_bin("f2b-asn"))
        .env_remove("F2B_PFX2AS")
        .env_remove("F2B_ASNAMES")
        .arg("--pfx2as")
        .arg(fixture("routes-v4.tsv"))
        .arg("--names")
        .arg(fixture("as-names.html"))
        .arg(&input)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut first = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut first)
        .unwrap();
    assert!(first.starts_with("{\"n\":0,"), "{first}");
    // The reader is dropped here: the pipe is closed after one line.
    let out = child.wait_with_output().unwrap();
    assert_eq!(String::from_utf8_lossy(&out.stderr), "");
    assert_eq!(out.status.code(), Some(0));
}

#[test]
fn ranges_csv_is_decomposed_into_prefixes_with_names() {
    let mut cmd = f2b_asn();
    cmd.arg("--ranges").arg(fixture("ranges.csv"));
    let r = one(cmd, "61.147.12.200");
    assert_eq!(r["asn"], 23650);
    assert_eq!(
        r["prefix"], "61.147.12.0/24",
        "61.147.0.0-61.147.12.255 in blocks"
    );
    assert_eq!(r["as_name"], "CHINANET jiangsu");
    assert!(r["as_country"].is_null());

    let mut cmd = f2b_asn();
    cmd.arg("--ranges").arg(fixture("ranges.csv"));
    let r = one(cmd, "2001:db8::1");
    assert_eq!(r["as_name"], "Example \"v6\" Networks");
    assert_eq!(r["prefix"], "2001:db8::/32");
}

#[test]
fn iptoasn_tsv_gives_country_and_skips_unrouted_space() {
    let mut cmd = f2b_asn();
    cmd.arg("--ranges").arg(fixture("ranges.tsv"));
    let out = enrich(cmd, "{\"ip\":\"61.147.1.1\"}\n{\"ip\":\"1.0.2.1\"}\n");
    assert_eq!(out[0]["asn"], 23650);
    assert_eq!(out[0]["as_country"], "CN");
    assert_eq!(out[0]["prefix"], "61.147.0.0/16");
    assert!(out[1]["asn"].is_null(), "AS 0 is not routed");
}

#[test]
fn cidr_report_names_take_precedence_over_range_names() {
    let mut cmd = f2b_asn();
    cmd.arg("--ranges")
        .arg(fixture("ranges.tsv"))
        .arg("--names")
        .arg(fixture("as-names.html"));
    let r = one(cmd, "1.0.0.1");
    assert_eq!(r["as_name"], "CLOUDFLARENET - Cloudflare, Inc.");
    assert_eq!(r["as_country"], "US");
}

#[derive(serde::Serialize)]
struct AsnRecord {
    autonomous_system_number: u32,
    autonomous_system_organization: String,
}

fn write_asn_mmdb(path: &Path) {
    use maxminddb_writer::paths::IpAddrWithMask;
    let mut db = maxminddb_writer::Database::default();
    db.metadata.ip_version = maxminddb_writer::metadata::IpVersion::V4;
    db.metadata.database_type = "GeoLite2-ASN".into();
    db.metadata.binary_format_major_version = 2;
    let data = db
        .insert_value(AsnRecord {
            autonomous_system_number: 4134,
            autonomous_system_organization: "CHINANET-BACKBONE".into(),
        })
        .unwrap();
    db.insert_node("61.147.0.0/16".parse::<IpAddrWithMask>().unwrap(), data);
    let file = std::fs::File::create(path).unwrap();
    db.write_to(std::io::BufWriter::new(file)).unwrap();
}

#[test]
fn geolite2_asn_gives_asn_name_and_network() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("GeoLite2-ASN.mmdb");
    write_asn_mmdb(&db);
    let mut cmd = f2b_asn();
    cmd.arg("--mmdb").arg(&db);
    let out = enrich(
        cmd,
        "{\"ip\":\"61.147.9.9\",\"reporter_ip\":\"2001:db8::1\"}\n{\"ip\":\"1.2.3.4\"}\n",
    );
    assert_eq!(out[0]["asn"], 4134);
    assert!(out[0]["asns"].is_null());
    assert_eq!(out[0]["as_name"], "CHINANET-BACKBONE");
    assert!(out[0]["as_country"].is_null());
    assert_eq!(out[0]["prefix"], "61.147.0.0/16");
    assert!(out[0]["reporter_asn"].is_null(), "IPv6 in an IPv4 database");
    assert!(out[1]["asn"].is_null());

    let mut cmd = f2b_asn();
    cmd.arg("--mmdb")
        .arg(&db)
        .arg("--names")
        .arg(fixture("as-names.html"));
    let r = one(cmd, "61.147.9.9");
    assert_eq!(r["as_name"], "CHINANET-BACKBONE No.31,Jin-rong Street");
    assert_eq!(r["as_country"], "CN");
}

#[test]
fn gzip_compressed_geolite2_asn_is_read_whatever_its_name() {
    let dir = tempfile::tempdir().unwrap();
    let plain = dir.path().join("GeoLite2-ASN.mmdb");
    write_asn_mmdb(&plain);
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    gz.write_all(&std::fs::read(&plain).unwrap()).unwrap();
    let compressed = gz.finish().unwrap();
    for name in ["GeoLite2-ASN.mmdb.gz", "packed.mmdb"] {
        let path = dir.path().join(name);
        std::fs::write(&path, &compressed).unwrap();
        let mut cmd = f2b_asn();
        cmd.arg("--mmdb").arg(&path);
        let r = one(cmd, "61.147.9.9");
        assert_eq!(r["asn"], 4134, "{name}");
        assert_eq!(r["as_name"], "CHINANET-BACKBONE", "{name}");
    }
}

/// A GeoLite2-City look-alike: what users have next to GeoLite2-ASN.
fn write_city_mmdb(path: &Path) {
    use maxminddb_writer::paths::IpAddrWithMask;
    let mut db = maxminddb_writer::Database::default();
    db.metadata.ip_version = maxminddb_writer::metadata::IpVersion::V6;
    db.metadata.database_type = "GeoLite2-City".into();
    db.metadata.binary_format_major_version = 2;
    let data = db
        .insert_value(serde_json::json!({
            "city": {"names": {"en": "Nanjing"}},
            "country": {"iso_code": "CN", "names": {"en": "China"}},
            "location": {"latitude": 32.0617, "longitude": 118.7778}
        }))
        .unwrap();
    db.insert_node("::3d93:0/112".parse::<IpAddrWithMask>().unwrap(), data);
    let file = std::fs::File::create(path).unwrap();
    db.write_to(std::io::BufWriter::new(file)).unwrap();
}

#[test]
fn a_city_database_given_as_mmdb_is_refused_naming_it() {
    let dir = tempfile::tempdir().unwrap();
    let city = dir.path().join("GeoLite2-City.mmdb");
    write_city_mmdb(&city);
    f2b_asn()
        .arg("--mmdb")
        .arg(&city)
        .write_stdin("{\"ip\":\"61.147.9.9\"}\n")
        .assert()
        .code(1)
        .stdout("")
        .stderr(predicate::str::contains(format!(
            "{} is a City or Country (geolocation) database, not an ASN database",
            city.display()
        )))
        .stderr(predicate::str::contains("\"GeoLite2-City\""));
}

#[test]
fn a_file_that_is_not_an_mmdb_is_a_clear_error() {
    f2b_asn()
        .arg("--mmdb")
        .arg(fixture("as-names.html"))
        .write_stdin("{}\n")
        .assert()
        .code(1)
        .stderr(predicate::str::contains(
            "as-names.html: not a MaxMind database",
        ));
}

#[test]
fn help_describes_every_option_and_shows_a_pipeline() {
    let out = f2b_asn().arg("--help").assert().success();
    let help = String::from_utf8(out.get_output().stdout.clone()).unwrap();
    for option in [
        "--pfx2as <FILE>",
        "--pfx2as-dir <DIR>",
        "--max-tables <N>",
        "--names <FILE>",
        "--no-names",
        "--ranges <FILE>",
        "--mmdb <FILE>",
        "--strict",
        "--skip-bad",
        "--rejects <FILE>",
        "--output <FILE>",
        "--quiet",
        "Examples:",
        "f2b-extract mail/*.mbox | f2b-geo | f2b-asn",
        "F2B_PFX2AS",
        "F2B_ASNAMES",
    ] {
        assert!(help.contains(option), "--help lacks {option}:\n{help}");
    }
}
