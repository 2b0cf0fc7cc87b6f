//! f2b-geo as a user runs it: the real binary on tiny databases the tests
//! write themselves (both layouts, IPv4 and IPv6), no network, no real data.

use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Command as StdCommand, Stdio};

use assert_cmd::Command;
use predicates::prelude::*;
use serde_json::Value;

#[path = "../src/testdb.rs"]
mod testdb;

use testdb::TestDb;

/// A directory with the test databases and room for inputs.
struct Fixture {
    dir: tempfile::TempDir,
}

impl Fixture {
    fn new() -> Fixture {
        let dir = tempfile::tempdir().unwrap();
        let f = Fixture { dir };
        TestDb::geolite2_city().write(&f.path("city.mmdb"));
        TestDb::geolite2_country().write(&f.path("country.mmdb"));
        TestDb::dbip_ipv4().write(&f.path("dbip4.mmdb"));
        TestDb::dbip_ipv6().write(&f.path("dbip6.mmdb"));
        TestDb::asn().write(&f.path("asn.mmdb"));
        f
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    fn write(&self, name: &str, content: &str) -> PathBuf {
        let path = self.path(name);
        std::fs::write(&path, content).unwrap();
        path
    }

    /// The records f2b-geo writes for `stdin` with `--db` for each named
    /// database (it must succeed).
    fn enriched(&self, dbs: &[&str], stdin: &str) -> Vec<Value> {
        let out = self.geo(dbs).write_stdin(stdin).assert().success();
        records(&out.get_output().stdout)
    }

    /// f2b-geo with `--db` for each named database.
    fn geo(&self, dbs: &[&str]) -> Command {
        let mut cmd = Command::cargo_bin("f2b-geo").unwrap();
        cmd.env_remove("F2B_GEOIP_DB");
        for db in dbs {
            cmd.arg("--db").arg(self.path(db));
        }
        cmd
    }
}

fn records(stdout: &[u8]) -> Vec<Value> {
    String::from_utf8(stdout.to_vec())
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

/// The five added fields (with `prefix`) of a record, as JSON text.
fn geo_of(record: &Value, prefix: &str) -> [String; 5] {
    ["country", "region", "city", "lat", "lon"].map(|f| record[format!("{prefix}{f}")].to_string())
}

const NULLS: [&str; 5] = ["null", "null", "null", "null", "null"];

#[test]
fn adds_country_region_city_and_coordinates_for_ip_and_reporter_ip() {
    let f = Fixture::new();
    let r = f.enriched(
        &["city.mmdb"],
        "{\"ip\":\"81.2.69.160\",\"reporter_ip\":\"2001:218::7\"}\n\
             {\"ip\":\"61.147.12.134\",\"reporter_ip\":\"81.2.69.1\"}\n",
    );
    assert_eq!(
        geo_of(&r[0], ""),
        ["\"GB\"", "\"England\"", "\"London\"", "51.5142", "-0.0931"]
    );
    assert_eq!(
        geo_of(&r[0], "reporter_"),
        ["\"JP\"", "\"Tokyo\"", "\"Tokyo\"", "35.6893", "139.6899"]
    );
    assert_eq!(
        geo_of(&r[1], ""),
        [
            "\"CN\"",
            "\"Jiangsu\"",
            "\"Nanjing\"",
            "32.0617",
            "118.7778"
        ]
    );
    // Fields come in the documented order after the record's own.
    let keys: Vec<&str> = r[1]
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
            "country",
            "region",
            "city",
            "lat",
            "lon",
            "reporter_country",
            "reporter_region",
            "reporter_city",
            "reporter_lat",
            "reporter_lon"
        ]
    );
}

#[test]
fn unknown_fields_pass_through_byte_for_byte() {
    let f = Fixture::new();
    let line = r#"{"ts":"2011-07-04T10:34:58Z", "ip":"81.2.69.160","n":1.50e3,"x":{"a":[1, 2]},"s":"caf\u00e9 \"q\"","reporter_ip":null,"z":true}"#;
    let out = f
        .geo(&["city.mmdb"])
        .write_stdin(format!("{line}\n"))
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let text = String::from_utf8(out).unwrap();
    let prefix = &line[..line.len() - 1];
    assert!(text.starts_with(prefix), "{text}");
    assert_eq!(
        &text[prefix.len()..],
        ",\"country\":\"GB\",\"region\":\"England\",\"city\":\"London\",\"lat\":51.5142,\"lon\":-0.0931,\
         \"reporter_country\":null,\"reporter_region\":null,\"reporter_city\":null,\"reporter_lat\":null,\"reporter_lon\":null}\n"
    );
}

#[test]
fn existing_geo_fields_are_replaced_in_place() {
    let f = Fixture::new();
    f.geo(&["city.mmdb"])
        .args(["--field", "ip"])
        .write_stdin("{\"city\":\"stale\",\"ip\":\"81.2.69.160\",\"k\":1}\n")
        .assert()
        .success()
        .stdout(
            "{\"city\":\"London\",\"ip\":\"81.2.69.160\",\"k\":1,\"country\":\"GB\",\
             \"region\":\"England\",\"lat\":51.5142,\"lon\":-0.0931}\n",
        );
}

#[test]
fn record_without_the_address_gets_nulls_and_is_kept() {
    let f = Fixture::new();
    let out = f
        .geo(&["city.mmdb"])
        .write_stdin("{\"event\":\"start\",\"jail\":\"ssh\"}\n{}\n")
        .assert()
        .success()
        .stderr(predicate::str::contains(
            "ip: 0 resolved, 0 unresolved, 0 private, 2 absent",
        ))
        .get_output()
        .stdout
        .clone();
    let r = records(&out);
    assert_eq!(r.len(), 2);
    assert_eq!(r[0]["jail"], "ssh");
    assert_eq!(geo_of(&r[0], ""), NULLS);
    assert_eq!(geo_of(&r[1], "reporter_"), NULLS);
}

#[test]
fn summary_counts_resolved_unresolved_and_private_per_field() {
    let f = Fixture::new();
    let input = [
        r#"{"ip":"81.2.69.160","reporter_ip":"81.2.69.1"}"#,
        r#"{"ip":"9.9.9.9","reporter_ip":"81.2.69.1"}"#,
        r#"{"ip":"10.1.2.3","reporter_ip":"81.2.69.1"}"#,
        r#"{"ip":"fe80::1","reporter_ip":null}"#,
        r#"{"ip":"not an address","reporter_ip":7}"#,
    ]
    .join("\n");
    let out = f
        .geo(&["city.mmdb"])
        .write_stdin(input)
        .assert()
        .success()
        .stderr(
            "f2b-geo: 5 records in, 5 out; \
             ip: 1 resolved, 1 unresolved, 2 private, 1 not an address; \
             reporter_ip: 3 resolved, 0 unresolved, 0 private, 1 absent, 1 not an address\n",
        )
        .get_output()
        .stdout
        .clone();
    let r = records(&out);
    for record in &r[1..] {
        assert_eq!(geo_of(record, ""), NULLS, "{record}");
    }
}

#[test]
fn quiet_prints_no_summary() {
    let f = Fixture::new();
    f.geo(&["city.mmdb"])
        .arg("-q")
        .write_stdin("{\"ip\":\"81.2.69.160\"}\n")
        .assert()
        .success()
        .stderr("");
}

#[test]
fn ipv4_mapped_ipv6_is_looked_up_as_ipv4() {
    let f = Fixture::new();
    let r = f.enriched(&["dbip4.mmdb"], "{\"ip\":\"::ffff:81.2.69.160\"}\n");
    assert_eq!(geo_of(&r[0], "")[2], "\"London\"");
}

#[test]
fn flat_layout_with_an_ipv4_file_and_an_ipv6_file() {
    let f = Fixture::new();
    let r = f.enriched(
        &["dbip4.mmdb", "dbip6.mmdb"],
        "{\"ip\":\"81.2.69.160\"}\n{\"ip\":\"2001:4860:4860::8888\"}\n\
         {\"ip\":\"2001:218::1\"}\n{\"ip\":\"9.9.9.9\"}\n",
    );
    // Float coordinates are written with the digits of the stored float.
    assert_eq!(
        geo_of(&r[0], ""),
        [
            "\"GB\"",
            "\"England\"",
            "\"London\"",
            "51.5143",
            "-0.0912244"
        ]
    );
    assert_eq!(
        geo_of(&r[1], ""),
        [
            "\"CA\"",
            "\"Quebec\"",
            "\"Montreal\"",
            "45.5019",
            "-73.5674"
        ]
    );
    // In neither file: a miss, not an error from the IPv4-only one.
    assert_eq!(geo_of(&r[2], ""), NULLS);
    // Empty names in the flat layout are unknown.
    assert_eq!(
        geo_of(&r[3], ""),
        ["\"US\"", "null", "null", "37.751", "-97.822"]
    );
}

#[test]
fn city_database_with_a_country_database_behind_it() {
    let f = Fixture::new();
    let r = f.enriched(
        &["city.mmdb", "country.mmdb"],
        "{\"ip\":\"9.9.9.9\"}\n{\"ip\":\"81.2.69.160\"}\n",
    );
    assert_eq!(
        geo_of(&r[0], ""),
        ["\"US\"", "null", "null", "null", "null"]
    );
    assert_eq!(geo_of(&r[1], "")[2], "\"London\"");
}

#[test]
fn one_place_per_address_from_databases_that_agree() {
    let f = Fixture::new();
    let r = f.enriched(
        &["city.mmdb", "dbip4.mmdb", "dbip6.mmdb"],
        "{\"ip\":\"38.158.13.55\",\"reporter_ip\":\"12.47.36.105\"}\n\
         {\"ip\":\"2.16.4.1\",\"reporter_ip\":\"2001:4860::1\"}\n",
    );
    // GeoLite2 says the US (its centre point), DB-IP Canada: no Canadian
    // city beside the US country.
    assert_eq!(
        geo_of(&r[0], ""),
        ["\"US\"", "null", "null", "37.751", "-97.822"]
    );
    // Both say the US: DB-IP's city comes with its own region and point.
    assert_eq!(
        geo_of(&r[0], "reporter_"),
        [
            "\"US\"",
            "\"Minnesota\"",
            "\"Minneapolis\"",
            "44.9778",
            "-93.265"
        ]
    );
    // GeoLite2 knows no country there (a European point): DB-IP's place.
    assert_eq!(
        geo_of(&r[1], ""),
        ["\"IT\"", "\"Lombardy\"", "\"Milan\"", "45.4685", "9.1824"]
    );
    assert_eq!(geo_of(&r[1], "reporter_")[2], "\"Montreal\"");
}

#[test]
fn address_no_database_knows_gets_nulls() {
    let f = Fixture::new();
    let out = f
        .geo(&["city.mmdb"])
        .write_stdin("{\"ip\":\"8.8.8.8\",\"reporter_ip\":\"2a00:1450::1\"}\n")
        .assert()
        .success()
        .stderr(predicate::str::contains("ip: 0 resolved, 1 unresolved"))
        .get_output()
        .stdout
        .clone();
    let r = records(&out);
    assert_eq!(geo_of(&r[0], ""), NULLS);
    assert_eq!(geo_of(&r[0], "reporter_"), NULLS);
}

#[test]
fn lang_chooses_the_language_of_names_and_falls_back_to_english() {
    let f = Fixture::new();
    let out = f
        .geo(&["city.mmdb"])
        .args(["--lang", "fr"])
        .write_stdin("{\"ip\":\"81.2.69.160\"}\n{\"ip\":\"61.147.12.134\"}\n")
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let r = records(&out);
    assert_eq!(r[0]["city"], "Londres");
    assert_eq!(r[0]["region"], "Angleterre");
    assert_eq!(r[1]["region"], "Province de Jiangsu");
    assert_eq!(r[1]["city"], "Nanjing");
}

#[test]
fn a_language_no_database_has_is_a_usage_error() {
    let f = Fixture::new();
    f.geo(&["city.mmdb"])
        .args(["--lang", "xx"])
        .write_stdin("")
        .assert()
        .code(2)
        .stdout("")
        .stderr(predicate::str::contains(
            "--lang xx: no database has names in \"xx\"",
        ))
        .stderr(predicate::str::contains("city.mmdb has de, en, fr"))
        .stderr(predicate::str::contains("Try 'f2b-geo --help'"));
}

#[test]
fn field_option_enriches_other_address_fields() {
    let f = Fixture::new();
    f.geo(&["city.mmdb"])
        .args(["--field", "src_ip:src_", "-q"])
        .write_stdin("{\"src_ip\":\"61.147.12.134\",\"ip\":\"81.2.69.160\"}\n")
        .assert()
        .success()
        .stdout(
            "{\"src_ip\":\"61.147.12.134\",\"ip\":\"81.2.69.160\",\"src_country\":\"CN\",\
             \"src_region\":\"Jiangsu\",\"src_city\":\"Nanjing\",\"src_lat\":32.0617,\"src_lon\":118.7778}\n",
        );
}

#[test]
fn two_fields_with_the_same_prefix_are_a_usage_error() {
    let f = Fixture::new();
    f.geo(&["city.mmdb"])
        .args(["--field", "ip", "--field", "src_ip"])
        .write_stdin("")
        .assert()
        .code(2)
        .stderr(predicate::str::contains("would both write \"country\""));
}

#[test]
fn a_field_that_another_field_adds_is_named_with_the_field_adding_it() {
    let f = Fixture::new();
    f.geo(&["city.mmdb"])
        .args(["--field", "ip:x_", "--field", "x_city:y_"])
        .write_stdin("")
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "--field ip:x_ adds \"x_city\", the address field that --field x_city:y_ reads",
        ))
        .stderr(predicate::str::contains("give --field x_city:PREFIX").not());
}

#[test]
fn a_cache_beyond_reason_is_a_usage_error() {
    let f = Fixture::new();
    f.geo(&["city.mmdb"])
        .args(["--cache", "1000000000000"])
        .write_stdin("")
        .assert()
        .code(2)
        .stderr(predicate::str::contains("--cache"));
    f.geo(&["city.mmdb"])
        .args(["--cache", "0", "-q"])
        .write_stdin("{\"ip\":\"81.2.69.160\"}\n{\"ip\":\"81.2.69.160\"}\n")
        .assert()
        .success()
        .stdout(predicate::str::contains("\"city\":\"London\"").count(2));
}

#[test]
fn corrupt_database_is_a_clear_error() {
    let f = Fixture::new();
    let mut bytes = TestDb::geolite2_city().bytes();
    bytes.truncate(bytes.len() / 2);
    std::fs::write(f.path("broken.mmdb"), bytes).unwrap();
    f.write("junk.mmdb", "GIF89a, not a database");
    for db in ["broken.mmdb", "junk.mmdb"] {
        f.geo(&[db])
            .write_stdin("{\"ip\":\"81.2.69.160\"}\n")
            .assert()
            .code(1)
            .stdout("")
            .stderr(predicate::str::contains(format!(
                "{db} is not a readable MaxMind DB file"
            )))
            .stderr(predicate::str::contains("panicked").not());
    }
}

#[test]
fn asn_database_given_as_db_is_refused() {
    let f = Fixture::new();
    f.geo(&["asn.mmdb"])
        .write_stdin("{\"ip\":\"8.8.8.8\"}\n")
        .assert()
        .code(1)
        .stdout("")
        .stderr(predicate::str::contains("asn.mmdb is an ASN database"))
        .stderr(predicate::str::contains("GeoLite2-ASN"));
}

#[test]
fn missing_database_names_the_file() {
    let f = Fixture::new();
    f.geo(&["nonexistent.mmdb"])
        .write_stdin("")
        .assert()
        .code(1)
        .stderr(predicate::str::contains("cannot open GeoIP database"))
        .stderr(predicate::str::contains("nonexistent.mmdb"));
}

#[test]
fn databases_come_from_the_environment_when_no_db_is_given() {
    let f = Fixture::new();
    let list = std::env::join_paths([f.path("city.mmdb"), f.path("country.mmdb")]).unwrap();
    let out = f
        .geo(&[])
        .env("F2B_GEOIP_DB", list)
        .write_stdin("{\"ip\":\"9.9.9.9\"}\n{\"ip\":\"81.2.69.160\"}\n")
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let r = records(&out);
    assert_eq!(r[0]["country"], "US");
    assert_eq!(r[1]["city"], "London");
}

#[test]
fn empty_entries_of_the_environment_list_are_skipped() {
    let f = Fixture::new();
    let city = f.path("city.mmdb");
    let country = f.path("country.mmdb");
    for list in [
        format!("{}:", city.display()),
        format!(":{}::{}", city.display(), country.display()),
    ] {
        let out = f
            .geo(&[])
            .env("F2B_GEOIP_DB", &list)
            .write_stdin("{\"ip\":\"81.2.69.160\"}\n")
            .assert()
            .success()
            .get_output()
            .stdout
            .clone();
        assert_eq!(records(&out)[0]["city"], "London", "{list}");
    }
    f.geo(&[])
        .env("F2B_GEOIP_DB", ":")
        .write_stdin("")
        .assert()
        .code(1)
        .stderr(predicate::str::contains("$F2B_GEOIP_DB names no file"));
}

fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    encoder.write_all(bytes).unwrap();
    encoder.finish().unwrap()
}

#[test]
fn gzip_compressed_database_is_read_whatever_its_name() {
    let f = Fixture::new();
    let compressed = gzip(&TestDb::geolite2_city().bytes());
    std::fs::write(f.path("city.mmdb.gz"), &compressed).unwrap();
    // Recognised by its magic bytes, not by its name.
    std::fs::write(f.path("packed.mmdb"), &compressed).unwrap();
    let input = "{\"ip\":\"81.2.69.160\",\"reporter_ip\":\"2001:218::7\"}\n";
    let plain = f.enriched(&["city.mmdb"], input);
    for db in ["city.mmdb.gz", "packed.mmdb"] {
        let r = f.enriched(&[db], input);
        assert_eq!(r, plain, "{db}");
        assert_eq!(r[0]["city"], "London", "{db}");
    }
    // A City file gzip'ed behind a plain Country file: both are used.
    let r = f.enriched(
        &["country.mmdb", "city.mmdb.gz"],
        "{\"ip\":\"81.2.69.160\"}\n",
    );
    assert_eq!(r[0]["country"], "GB");
    assert_eq!(r[0]["city"], "London");
}

#[test]
fn damaged_gzip_database_is_a_clear_error() {
    let f = Fixture::new();
    let compressed = gzip(&TestDb::geolite2_city().bytes());
    std::fs::write(f.path("cut.mmdb.gz"), &compressed[..compressed.len() / 2]).unwrap();
    let mut flipped = compressed.clone();
    let at = flipped.len() - 6;
    flipped[at] ^= 0xff; // the CRC
    std::fs::write(f.path("badcrc.mmdb.gz"), &flipped).unwrap();
    std::fs::write(f.path("text.mmdb.gz"), gzip(b"hello\n")).unwrap();
    for db in ["cut.mmdb.gz", "badcrc.mmdb.gz", "text.mmdb.gz"] {
        f.geo(&[db])
            .write_stdin("{\"ip\":\"81.2.69.160\"}\n")
            .assert()
            .code(1)
            .stdout("")
            .stderr(predicate::str::contains(db))
            .stderr(predicate::str::contains("panicked").not());
    }
}

#[test]
fn no_database_anywhere_says_what_was_looked_for() {
    let usual = ["/usr/share/GeoIP", "/var/lib/GeoIP"];
    let names = [
        "GeoLite2-City.mmdb",
        "GeoIP2-City.mmdb",
        "GeoLite2-Country.mmdb",
    ];
    if usual
        .iter()
        .any(|d| names.iter().any(|n| Path::new(d).join(n).exists()))
    {
        return; // This machine has a GeoIP database where geoipupdate puts it.
    }
    let f = Fixture::new();
    f.geo(&[])
        .write_stdin("")
        .assert()
        .code(1)
        .stderr(predicate::str::contains("no GeoIP database found"))
        .stderr(predicate::str::contains("--db FILE"))
        .stderr(predicate::str::contains("$F2B_GEOIP_DB"))
        .stderr(predicate::str::contains(
            "/var/lib/GeoIP/GeoLite2-City.mmdb",
        ));
}

#[test]
fn bad_line_stops_the_run_naming_input_and_line() {
    let f = Fixture::new();
    let input = f.write(
        "in.ndjson",
        "{\"ip\":\"81.2.69.160\"}\nnot json\n{\"ip\":\"9.9.9.9\"}\n",
    );
    let out = f
        .geo(&["city.mmdb"])
        .arg(&input)
        .assert()
        .code(1)
        .stderr(predicate::str::contains(
            "in.ndjson: line 2: not a JSON object",
        ))
        .get_output()
        .stdout
        .clone();
    // The whole records before the bad line are out, nothing after it.
    let r = records(&out);
    assert_eq!(r.len(), 1);
    assert_eq!(r[0]["city"], "London");
}

#[test]
fn skip_bad_counts_and_keeps_going() {
    let f = Fixture::new();
    let input = f.write(
        "in.ndjson",
        "{\"ip\":\"81.2.69.160\"}\n[1,2]\n{\"ip\":\"9.9.9.9\"}\n",
    );
    let rejects = f.path("rejects.ndjson");
    let out = f
        .geo(&["city.mmdb"])
        .arg("--skip-bad")
        .arg("--rejects")
        .arg(&rejects)
        .arg(&input)
        .assert()
        .success()
        .stderr(predicate::str::starts_with(
            "f2b-geo: 2 records in, 1 bad lines skipped, 2 out;",
        ))
        .get_output()
        .stdout
        .clone();
    assert_eq!(records(&out).len(), 2);
    let rejected = std::fs::read_to_string(rejects).unwrap();
    assert!(rejected.contains("\"line\":2"), "{rejected}");
}

#[test]
fn gzip_input_and_output_file() {
    let f = Fixture::new();
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    gz.write_all(b"{\"ip\":\"81.2.69.160\"}\n").unwrap();
    let input = f.path("in.ndjson.gz");
    std::fs::write(&input, gz.finish().unwrap()).unwrap();
    let output = f.path("out.ndjson");
    f.geo(&["city.mmdb"])
        .arg("-q")
        .arg("-o")
        .arg(&output)
        .arg(&input)
        .assert()
        .success()
        .stdout("");
    let written = std::fs::read(output).unwrap();
    assert_eq!(records(&written)[0]["city"], "London");
}

#[test]
fn closed_pipe_ends_quietly() {
    let f = Fixture::new();
    let line = "{\"ip\":\"81.2.69.160\",\"reporter_ip\":\"61.147.12.134\",\"pad\":\"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\"}\n";
    let input = f.write("big.ndjson", &line.repeat(200_000));
    let mut child = StdCommand::new(assert_cmd::cargo::cargo_bin("f2b-geo"))
        .env_remove("F2B_GEOIP_DB")
        .arg("--db")
        .arg(f.path("city.mmdb"))
        .arg(&input)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdout = BufReader::new(child.stdout.take().unwrap());
    let mut first = String::new();
    stdout.read_line(&mut first).unwrap();
    assert!(first.contains("\"city\":\"London\""), "{first}");
    drop(stdout);
    let output = child.wait_with_output().unwrap();
    assert_eq!(output.status.code(), Some(0));
    assert_eq!(String::from_utf8_lossy(&output.stderr), "");
}

#[test]
fn help_describes_every_option_with_an_example_pipeline() {
    let out = Command::cargo_bin("f2b-geo")
        .unwrap()
        .arg("--help")
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let help = String::from_utf8(out).unwrap();
    for needle in [
        "--db <FILE>",
        "--lang <LANG>",
        "--field <NAME[:PREFIX]>",
        "--cache <N>",
        "--skip-bad",
        "--rejects <FILE>",
        "--output <FILE>",
        "--quiet",
        "F2B_GEOIP_DB",
        "/usr/share/GeoIP",
        "Examples:",
        "f2b-extract mail.mbox | f2b-geo --db GeoLite2-City.mmdb | f2b-asn",
    ] {
        assert!(help.contains(needle), "--help lacks {needle:?}:\n{help}");
    }
}
