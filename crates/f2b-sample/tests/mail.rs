//! `f2b-sample mail` as a user runs it: determinism, counts, containers and
//! ground truth that the messages bear out.

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::io::Read;
use std::path::Path;

use assert_cmd::Command;
use common::files;
use predicates::prelude::*;
use serde_json::Value;

fn sample() -> Command {
    Command::cargo_bin("f2b-sample").unwrap()
}

/// Runs `mail` into `dir` with the arguments shared by these tests.
fn generate(dir: &Path, messages: u32, seed: &str, extra: &[&str]) {
    let reporters = if messages >= 3000 { "1500" } else { "150" };
    sample()
        .args(["mail", "--messages", &messages.to_string(), "--seed", seed])
        .args(["--reporters", reporters, "--whois", "short", "--quiet"])
        .args(["--out", dir.to_str().unwrap()])
        .args(extra)
        .assert()
        .success();
}

/// The four containers in one run.
const MIXED: &[&str] = &[
    "--switch",
    "2011-01-01=mbox.gz",
    "--switch",
    "2012-01-01=eml",
    "--switch",
    "2013-01-01=maildir",
];

fn ndjson(path: &Path) -> Vec<Value> {
    std::fs::read_to_string(path)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

/// The bytes of the message a manifest line or truth `src` points at.
fn message_at(dir: &Path, file: &str, offset: Option<u64>) -> Vec<u8> {
    let path = dir.join(file);
    let mut data = Vec::new();
    if file.ends_with(".gz") {
        flate2::read::GzDecoder::new(std::fs::File::open(&path).unwrap())
            .read_to_end(&mut data)
            .unwrap();
    } else {
        data = std::fs::read(&path).unwrap();
    }
    match offset {
        None => data,
        Some(offset) => {
            let rest = &data[offset as usize..];
            assert!(
                rest.starts_with(b"From "),
                "{file}:{offset} is not a From line"
            );
            let end = rest
                .windows(7)
                .position(|w| w == b"\n\nFrom ")
                .map_or(rest.len(), |p| p + 2);
            rest[..end].to_vec()
        }
    }
}

#[test]
fn same_seed_gives_the_same_bytes_in_every_container() {
    let a = tempfile::tempdir().unwrap();
    let b = tempfile::tempdir().unwrap();
    generate(a.path(), 600, "same", MIXED);
    generate(b.path(), 600, "same", MIXED);
    let (fa, fb) = (files(a.path()), files(b.path()));
    assert!(fa.keys().any(|p| p.starts_with("Maildir/cur")));
    assert!(fa.keys().any(|p| p.to_string_lossy().ends_with(".mbox.gz")));
    assert!(fa.keys().any(|p| p.to_string_lossy().ends_with(".eml")));
    assert_eq!(fa.keys().collect::<Vec<_>>(), fb.keys().collect::<Vec<_>>());
    for (path, bytes) in &fa {
        assert!(bytes == &fb[path], "{} differs", path.display());
    }
}

#[test]
fn another_seed_gives_other_mail() {
    let a = tempfile::tempdir().unwrap();
    let b = tempfile::tempdir().unwrap();
    generate(a.path(), 200, "one", &[]);
    generate(b.path(), 200, "two", &[]);
    let ta = std::fs::read(a.path().join("truth.ndjson")).unwrap();
    let tb = std::fs::read(b.path().join("truth.ndjson")).unwrap();
    assert_ne!(ta, tb);
}

#[test]
fn rendering_threads_do_not_change_the_output() {
    let a = tempfile::tempdir().unwrap();
    let b = tempfile::tempdir().unwrap();
    generate(a.path(), 1500, "jobs", &["--jobs", "1"]);
    generate(b.path(), 1500, "jobs", &["--jobs", "3"]);
    assert_eq!(files(a.path()), files(b.path()));
}

#[test]
fn truth_has_one_line_per_report_the_manifest_counts() {
    let dir = tempfile::tempdir().unwrap();
    generate(dir.path(), 1000, "counts", MIXED);
    let manifest = ndjson(&dir.path().join("manifest.ndjson"));
    let truth = ndjson(&dir.path().join("truth.ndjson"));
    assert_eq!(manifest.len(), 1000);
    let numbers: Vec<u64> = manifest
        .iter()
        .map(|m| m["msg"].as_u64().unwrap())
        .collect();
    assert_eq!(numbers, (1..=1000).collect::<Vec<_>>());
    let counted: u64 = manifest
        .iter()
        .map(|m| m["reports"].as_u64().unwrap())
        .sum();
    assert_eq!(truth.len() as u64, counted);
    let mut per_message: BTreeMap<u64, u64> = BTreeMap::new();
    for t in &truth {
        *per_message.entry(t["msg"].as_u64().unwrap()).or_default() += 1;
    }
    for m in &manifest {
        let n = per_message
            .get(&m["msg"].as_u64().unwrap())
            .copied()
            .unwrap_or(0);
        assert_eq!(n, m["reports"].as_u64().unwrap(), "{m}");
    }
}

#[test]
fn the_mix_has_every_kind_shape_and_template_family() {
    let dir = tempfile::tempdir().unwrap();
    generate(dir.path(), 3000, "mix", &[]);
    let manifest = ndjson(&dir.path().join("manifest.ndjson"));
    let kinds: BTreeSet<&str> = manifest
        .iter()
        .map(|m| m["kind"].as_str().unwrap())
        .collect();
    for kind in [
        "ban",
        "summary",
        "start",
        "stop",
        "headers-only",
        "truncated",
        "warning",
        "not-f2b",
        "not-bounce",
    ] {
        assert!(kinds.contains(kind), "no {kind} in {kinds:?}");
    }
    let mtas: BTreeSet<&str> = manifest.iter().filter_map(|m| m["mta"].as_str()).collect();
    for mta in [
        "postfix",
        "exim",
        "sendmail",
        "sendmail-old",
        "qmail",
        "courier",
    ] {
        assert!(mtas.contains(mta), "no {mta} in {mtas:?}");
    }
    assert!(mtas.iter().any(|m| m.starts_with("relay:")), "{mtas:?}");
    let templates: BTreeSet<String> = manifest
        .iter()
        .filter_map(|m| m["template"].as_str())
        .map(|t| {
            let (version, action) = t.split_once('/').unwrap();
            format!("{}/{action}", &version[..version.rfind('.').unwrap()])
        })
        .collect();
    for family in [
        "0.8/sendmail-whois",
        "0.8/mail",
        "0.8/sendmail-buffered",
        "0.9/sendmail-geoip-lines",
    ] {
        assert!(templates.contains(family), "no {family} in {templates:?}");
    }
    let newer = ["0.10/", "0.11/", "1.0/"];
    assert!(
        templates
            .iter()
            .any(|t| newer.iter().any(|v| t.starts_with(v))),
        "{templates:?}"
    );
    let encodings: BTreeSet<&str> = manifest
        .iter()
        .filter_map(|m| m["encoding"].as_str())
        .collect();
    assert!(encodings.contains("quoted-printable") && encodings.contains("base64"));
    assert!(manifest.iter().any(|m| m["crlf"] == true));
    assert!(manifest.iter().any(|m| m.get("dup_of").is_some()));
}

#[test]
fn every_report_is_borne_out_by_its_message() {
    let dir = tempfile::tempdir().unwrap();
    generate(dir.path(), 1500, "truth", MIXED);
    let manifest = ndjson(&dir.path().join("manifest.ndjson"));
    let truth = ndjson(&dir.path().join("truth.ndjson"));
    let by_msg: BTreeMap<u64, &Value> = manifest
        .iter()
        .map(|m| (m["msg"].as_u64().unwrap(), m))
        .collect();
    let mut checked = 0;
    for t in &truth {
        let m = by_msg[&t["msg"].as_u64().unwrap()];
        let file = m["file"].as_str().unwrap();
        let offset = m["offset"].as_u64();
        let src = match offset {
            Some(o) => format!("{file}:{o}"),
            None => file.to_string(),
        };
        assert_eq!(t["src"], src.as_str());
        let text = String::from_utf8_lossy(&message_at(dir.path(), file, offset)).into_owned();
        // The bounce's headers and the copy's headers are never encoded.
        let host = t["reporter_host"].as_str().unwrap();
        assert!(text.to_ascii_lowercase().contains(host), "{src}: no {host}");
        if let Some(ip) = t["reporter_ip"].as_str() {
            assert!(text.contains(&format!("[{ip}]")), "{src}: no [{ip}]");
        }
        if let Some(msgid) = t["msgid"].as_str() {
            assert!(text.contains(msgid), "{src}: no {msgid}");
        }
        if m["encoding"].is_null() {
            let ip = t["ip"].as_str().unwrap();
            assert!(text.contains(ip), "{src}: no {ip}");
            let jail = t["jail"].as_str().unwrap();
            assert!(text.contains(jail), "{src}: no {jail}");
            if let Some(n) = t["failures"].as_u64() {
                let stated = text.contains(&format!("{n} attempts against {jail}"))
                    || text.contains(&format!("{ip} ({n} failures)"));
                assert!(stated, "{src}: failures {n} not stated");
            }
            checked += 1;
        }
    }
    assert!(checked > 1000, "{checked}");
}

#[test]
fn mbox_offsets_point_at_from_lines_and_body_lines_are_quoted() {
    let dir = tempfile::tempdir().unwrap();
    generate(dir.path(), 800, "mbox", &["--kinds", "not-bounce=30"]);
    let manifest = ndjson(&dir.path().join("manifest.ndjson"));
    let mut quoted = false;
    for m in &manifest {
        let bytes = message_at(
            dir.path(),
            m["file"].as_str().unwrap(),
            m["offset"].as_u64(),
        );
        let text = String::from_utf8_lossy(&bytes);
        assert!(text.lines().skip(1).all(|l| !l.starts_with("From ")), "{m}");
        quoted |= text.contains("\n>From ");
    }
    assert!(quoted, "no body line needed >From quoting");
}

#[test]
fn maildir_keeps_recent_mail_in_new_and_the_rest_in_cur() {
    let dir = tempfile::tempdir().unwrap();
    generate(dir.path(), 300, "maildir", &["--format", "maildir"]);
    let cur = std::fs::read_dir(dir.path().join("Maildir/cur"))
        .unwrap()
        .count();
    let new = std::fs::read_dir(dir.path().join("Maildir/new"))
        .unwrap()
        .count();
    assert!(dir.path().join("Maildir/tmp").is_dir());
    assert_eq!(cur + new, 300);
    assert!(new > 0 && new < cur, "{new} new, {cur} cur");
}

#[test]
fn reports_stay_inside_the_dates_and_leave_multi_week_gaps() {
    let dir = tempfile::tempdir().unwrap();
    generate(dir.path(), 2000, "gaps", &[]);
    let truth = ndjson(&dir.path().join("truth.ndjson"));
    let mut days: Vec<String> = truth
        .iter()
        .map(|t| t["ts"].as_str().unwrap()[..10].to_string())
        .collect();
    days.sort();
    days.dedup();
    assert!(
        days.first().unwrap().as_str() >= "2010-02-20",
        "{:?}",
        days.first()
    );
    assert!(
        days.last().unwrap().as_str() <= "2014-06-30",
        "{:?}",
        days.last()
    );
    let day_number = |d: &str| {
        let y: i64 = d[..4].parse().unwrap();
        let m: i64 = d[5..7].parse().unwrap();
        let dd: i64 = d[8..].parse().unwrap();
        y * 372 + m * 31 + dd
    };
    let long_gaps = days
        .windows(2)
        .filter(|w| day_number(&w[1]) - day_number(&w[0]) >= 14)
        .count();
    assert!(long_gaps >= 3, "{long_gaps} gaps of two weeks or more");
}

#[test]
fn bad_usage_is_refused_with_status_2() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().to_str().unwrap();
    for args in [
        vec![
            "mail",
            "--messages",
            "5",
            "--out",
            out,
            "--kinds",
            "bogus=1",
        ],
        vec![
            "mail",
            "--messages",
            "5",
            "--out",
            out,
            "--start",
            "2011-02-30",
        ],
        vec![
            "mail",
            "--messages",
            "5",
            "--out",
            out,
            "--format",
            "maildir",
            "--gzip",
        ],
        vec![
            "mail",
            "--messages",
            "5",
            "--out",
            out,
            "--switch",
            "2011-01-01=zip",
        ],
        vec!["mail", "--messages", "5", "--out", out, "--rates", "qp=2"],
    ] {
        sample()
            .args(&args)
            .assert()
            .code(2)
            .stderr(predicates::str::contains("Try 'f2b-sample --help'"));
    }
}

#[test]
fn counts_out_of_range_are_refused_with_status_2_before_allocating() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let out = out.to_str().unwrap();
    for (option, value, range) in [
        ("--messages", "0", "1..=20000000"),
        ("--messages", "99999999999999", "1..=20000000"),
        ("--messages", "20000001", "1..=20000000"),
        ("--reporters", "0", "1..=1000000"),
        ("--reporters", "99999999999999", "1..=1000000"),
        ("--attackers", "99999999999999", "0..=10000000"),
    ] {
        let mut args = vec!["mail", "--out", out, option, value];
        if option != "--messages" {
            args.extend(["--messages", "5"]);
        }
        sample()
            .args(&args)
            .assert()
            .code(2)
            .stderr(predicates::str::contains(option).and(predicates::str::contains(range)));
    }
    assert!(!dir.path().join("out").exists());
}

/// A copy of the sample tables in a temporary directory, `geo.csv` replaced.
fn tables_with_geo(geo: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let sample = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../data/sample");
    for name in ["asn.csv", "route-changes.csv"] {
        std::fs::copy(sample.join(name), dir.path().join(name)).unwrap();
    }
    std::fs::write(dir.path().join("geo.csv"), geo).unwrap();
    dir
}

#[test]
fn a_geo_csv_without_rows_is_a_data_error_naming_the_file() {
    for geo in [
        "network,country,country_name,region,region_code,city,lat,lon\n",
        "",
    ] {
        let tables = tables_with_geo(geo);
        let from = tables.path().to_str().unwrap();
        let out = tempfile::tempdir().unwrap();
        let out = out.path().to_str().unwrap();
        for args in [
            vec!["mail", "--messages", "5", "--out", out, "--from", from],
            vec!["data", "--out", out, "--from", from],
        ] {
            sample()
                .args(&args)
                .env_remove("RUST_BACKTRACE")
                .assert()
                .code(1)
                .stderr(
                    predicates::str::contains("geo.csv: no networks")
                        .and(predicates::str::contains(from))
                        .and(predicates::str::contains("panicked").not()),
                );
        }
    }
}

#[test]
fn tables_without_hosting_networks_still_make_mail() {
    // One network in an AS that is neither a hoster nor an access provider:
    // servers then live outside the tables.
    let tables = tables_with_geo(
        "network,country,country_name,region,region_code,city,lat,lon\n\
         192.0.1.0/24,CN,China,Jiangsu,JS,Nanjing,32.06,118.78\n",
    );
    std::fs::write(
        tables.path().join("asn.csv"),
        "network,asn,as_name,as_country\n192.0.1.0/24,64500,EXAMPLE-AS,CN\n",
    )
    .unwrap();
    std::fs::remove_file(tables.path().join("route-changes.csv")).unwrap();
    let out = tempfile::tempdir().unwrap();
    generate(
        out.path(),
        300,
        "tiny",
        &["--from", tables.path().to_str().unwrap()],
    );
    let truth = ndjson(&out.path().join("truth.ndjson"));
    assert!(!truth.is_empty());
    assert!(truth
        .iter()
        .any(|t| t["ip"].as_str().unwrap().starts_with("192.0.1.")));
}

/// Tables that cover the whole address space leave no address outside
/// them: generation settles for one inside instead of searching for ever.
#[test]
fn tables_covering_every_address_still_make_mail() {
    let tables = tables_with_geo(
        "network,country,country_name,region,region_code,city,lat,lon\n\
         0.0.0.0/1,CN,China,Jiangsu,JS,Nanjing,32.06,118.78\n\
         128.0.0.0/1,DE,Germany,Berlin,BE,Berlin,52.52,13.40\n",
    );
    std::fs::write(
        tables.path().join("asn.csv"),
        "network,asn,as_name,as_country\n0.0.0.0/1,64500,EXAMPLE-AS,CN\n128.0.0.0/1,64501,OTHER-AS,DE\n",
    )
    .unwrap();
    std::fs::remove_file(tables.path().join("route-changes.csv")).unwrap();
    let out = tempfile::tempdir().unwrap();
    generate(
        out.path(),
        50,
        "whole",
        &["--from", tables.path().to_str().unwrap()],
    );
    assert!(!ndjson(&out.path().join("truth.ndjson")).is_empty());
}

#[test]
fn help_example_pipeline_names_files_that_data_writes() {
    let help = sample().arg("--help").assert().success();
    let help = String::from_utf8(help.get_output().stdout.clone()).unwrap();
    // The offline pipeline passes every data file explicitly: f2b-geo and
    // f2b-asn do not look in out/data by themselves.
    for option in [
        "f2b-geo --db out/data/",
        "--pfx2as-dir out/data",
        "--names out/data/",
    ] {
        assert!(help.contains(option), "{option:?} missing from --help");
    }
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("out/data");
    sample()
        .args(["data", "-q", "--out", data.to_str().unwrap()])
        .assert()
        .success();
    let named: Vec<&str> = help
        .split_whitespace()
        .filter_map(|word| word.strip_prefix("out/data/"))
        .collect();
    assert!(named.len() >= 2, "{named:?}");
    for name in named {
        assert!(data.join(name).is_file(), "data does not write {name}");
    }
    let snapshots = std::fs::read_dir(&data)
        .unwrap()
        .filter(|e| {
            let name = e.as_ref().unwrap().file_name();
            name.to_string_lossy().ends_with(".pfx2as.gz")
        })
        .count();
    assert!(snapshots >= 2, "{snapshots} prefix2as snapshots");
}

#[test]
fn help_shows_both_subcommands_and_an_example() {
    let out = sample()
        .arg("--help")
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let text = String::from_utf8(out).unwrap();
    assert!(text.contains("mail") && text.contains("data") && text.contains("Examples:"));
    let out = sample()
        .args(["mail", "--help"])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let text = String::from_utf8(out).unwrap();
    for option in [
        "--messages",
        "--seed",
        "--format",
        "--gzip",
        "--switch",
        "--kinds",
        "--rates",
    ] {
        assert!(text.contains(option), "{option} missing from mail --help");
    }
}
