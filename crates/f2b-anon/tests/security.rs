//! The privacy promise as a security property: whatever the input holds, the
//! output never contains an IP address, host name, e-mail address, message
//! id, path, log line or whois text, and every column has its documented
//! shape.

mod common;

use std::net::{Ipv4Addr, Ipv6Addr};
use std::sync::LazyLock;

use common::{anonymize, bin, fixture, LeakScanner, ALL_COLUMNS};
use f2b_anon::columns::{Columns, Optional};
use f2b_anon::validate::MAX_NUMBER;
use f2b_anon::Options;
use proptest::prelude::*;
use serde_json::{json, Map, Value};

const KEY: &[u8] = b"f2b-anon test key: NOT A SECRET.";

fn all_columns(k: Option<u64>, csv: bool) -> Options {
    Options {
        columns: Columns::new(&Optional::ALL),
        k,
        csv,
    }
}

/// Checks every released value against the shape of its column and the leak
/// patterns; returns what is wrong.
fn violations(output: &str, csv: bool) -> Vec<String> {
    // Compiling the patterns once keeps hundreds of cases fast.
    static SCANNER: LazyLock<LeakScanner> = LazyLock::new(LeakScanner::default);
    let scanner = &*SCANNER;
    let mut found = if csv {
        scanner.csv_leaks(output)
    } else {
        scanner.ndjson_leaks(output)
    };
    for (column, value) in cells(output, csv) {
        if let Some(why) = shape_violation(&column, &value) {
            found.push(format!("{column}={value:?}: {why}"));
        }
    }
    found
}

/// Every (column, value) of the output, nulls left out.
fn cells(output: &str, csv: bool) -> Vec<(String, String)> {
    let mut cells = Vec::new();
    if csv {
        let mut reader = csv::Reader::from_reader(output.as_bytes());
        let header: Vec<String> = reader.headers().unwrap().iter().map(String::from).collect();
        for row in reader.records() {
            for (column, value) in header.iter().zip(row.unwrap().iter()) {
                if !value.is_empty() {
                    cells.push((column.clone(), value.to_string()));
                }
            }
        }
    } else {
        for line in output.lines() {
            let map: Map<String, Value> = serde_json::from_str(line).unwrap();
            for (column, value) in map {
                match value {
                    Value::Null => {}
                    Value::String(s) => cells.push((column, s)),
                    other => cells.push((column, other.to_string())),
                }
            }
        }
    }
    cells
}

fn shape_violation(column: &str, value: &str) -> Option<&'static str> {
    let number = || value.parse::<u32>().ok();
    let ok = match column {
        "date" => {
            let b = value.as_bytes();
            (b.len() == 7 || b.len() == 10)
                && b.iter().enumerate().all(|(i, c)| {
                    if i == 4 || i == 7 {
                        *c == b'-'
                    } else {
                        c.is_ascii_digit()
                    }
                })
        }
        "country" | "reporter_country" => {
            value.len() == 2 && value.bytes().all(|b| b.is_ascii_uppercase())
        }
        "asn" => number().is_some_and(|n| (1..=MAX_NUMBER).contains(&n)),
        "failures" => number().is_some_and(|n| n <= MAX_NUMBER),
        "hour" => number().is_some_and(|n| n < 24),
        "service" => [
            "ssh", "ftp", "smtp", "imap-pop", "web", "dns", "voip", "db", "rdp-vnc", "recidive",
            "other",
        ]
        .contains(&value),
        "jail" => f2b_anon::jails::WELL_KNOWN.contains(&value),
        "reporter_id" | "attacker_id" => {
            value.len() == 16
                && value
                    .bytes()
                    .all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
        }
        "region" | "city" | "as_name" => return None,
        _ => return Some("not a released column"),
    };
    (!ok).then_some("does not have the shape of its column")
}

const KNOWN_FIELDS: &[&str] = &[
    "ts",
    "ip",
    "jail",
    "service",
    "failures",
    "reporter_host",
    "reporter_ip",
    "msgid",
    "src",
    "event",
    "template",
    "country",
    "region",
    "city",
    "lat",
    "lon",
    "reporter_country",
    "reporter_region",
    "reporter_city",
    "reporter_lat",
    "reporter_lon",
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
    "date",
    "hour",
    "reporter_id",
    "attacker_id",
    "user",
    "whois",
    "log",
    "path",
    "email",
    "host",
];

/// Hand-written records stuffed with what must never come out, in every
/// field known to the pipeline and in unknown ones.
fn hostile_records() -> Vec<String> {
    let stuffing = [
        "192.0.2.1",
        "10.0.0.1",
        "2001:db8::1",
        "2001:0db8:0000:0000:0000:ff00:0042:8329",
        "::ffff:192.0.2.1",
        "::1",
        "fe80::1%eth0",
        "mail.example.org",
        "MAIL.EXAMPLE.ORG.",
        "münchen.example",
        "root@mail.example.org",
        "<20110704103458.GA1234@mail.example.org>",
        "20110704103458.GA1234",
        "/var/log/auth.log",
        "mail/fail2ban.mbox:123456",
        "C:\\Users\\admin",
        "http://www.example.com/wp-login.php",
        "Jul  4 10:34:58 mail sshd[1234]: Failed password for root from 192.0.2.1 port 22 ssh2",
        "% whois\ninetnum: 192.0.2.0 - 192.0.2.255\nnetname: EXAMPLE\nabuse-mailbox: abuse@example.net",
        "Beijing 192.0.2.1",
        "Beijing (abuse@example.cn)",
        "Hetzner Online GmbH, see hetzner.de",
        "\u{ff11}\u{ff19}\u{ff12}.\u{ff10}.\u{ff12}.\u{ff11}",
        "example\u{ff0e}com",
        "admin\u{ff20}example",
        "=HYPERLINK(\"http://example.com\")",
        "3221225985",
        // Addresses in disguise (found by a red-team round): other
        // separators, grouped or hexadecimal numbers, IPv6 without colons,
        // letters of other scripts that look like dots, colons and slashes.
        "ip-203-0-113-9",
        "ec2-203-0-113-9",
        "203 0 113 9",
        "203,0,113,9",
        "203_0_113_9",
        "203. 0. 113. 9",
        "Invalid user test from 203-0-113-9",
        "3,405,803,785",
        "3405803'785",
        "0xCB007109",
        "cb007109",
        "2001-db8--1",
        "2001_0db8__1",
        "2001 db8 0 0 0 0 0 1",
        "mail\u{a4f8}victim\u{a4f8}example",
        "mail\u{1427}victim\u{1427}example",
        "203\u{a4f8}0\u{a4f8}113\u{a4f8}9",
        "2001\u{2d0}db8\u{2d0}\u{2d0}1",
        "var\u{30ce}log\u{30ce}auth",
        "var\u{4e3f}log\u{4e3f}auth",
        "xn--victim-3ya",
    ];
    let mut records = Vec::new();
    for (i, s) in stuffing.iter().enumerate() {
        let mut map = Map::new();
        for field in KNOWN_FIELDS {
            map.insert((*field).to_string(), json!(s));
        }
        map.insert(format!("x_{i}"), json!(s));
        map.insert((*s).to_string(), json!(s));
        records.push(Value::Object(map).to_string());
        // The same in non-string shapes: numbers, arrays, objects.
        let mut map = Map::new();
        for field in KNOWN_FIELDS {
            map.insert((*field).to_string(), json!([s, { "v": s }]));
        }
        map.insert("asn".into(), json!(3_221_225_985u64));
        map.insert("failures".into(), json!(3_221_225_985u64));
        map.insert("hour".into(), json!(192));
        records.push(Value::Object(map).to_string());
    }
    records
}

#[test]
fn hostile_records_release_nothing_but_nulls() {
    let records = hostile_records();
    for csv in [false, true] {
        let (output, report) = anonymize(&records, all_columns(None, csv), Some(KEY));
        assert_eq!(violations(&output, csv), Vec::<String>::new(), "{output}");
        assert_eq!(report.rows_out, records.len() as u64);
        // Only the pseudonyms of parseable addresses may be non-null.
        for (column, _) in cells(&output, csv) {
            assert!(
                column == "attacker_id" || column == "reporter_id",
                "{column} released from a hostile record:\n{output}"
            );
        }
    }
    let (_, report) = anonymize(&records, all_columns(None, false), Some(KEY));
    // region, city and as_name of every all-strings record.
    assert_eq!(
        report.withheld.free_text,
        3 * records.len() as u64 / 2,
        "{report:?}"
    );
    assert!(report.withheld.malformed > 0 && report.withheld.unlisted_jails > 0);
}

#[test]
fn legitimate_values_do_come_out_so_the_scan_is_not_vacuous() {
    let fixture = std::fs::read_to_string(fixture("enriched.ndjson")).unwrap();
    let lines: Vec<String> = fixture.lines().map(String::from).collect();
    for csv in [false, true] {
        let (output, _) = anonymize(&lines, all_columns(None, csv), Some(KEY));
        assert_eq!(violations(&output, csv), Vec::<String>::new(), "{output}");
        let released: Vec<String> = cells(&output, csv).into_iter().map(|(c, _)| c).collect();
        for column in ALL_COLUMNS {
            assert!(
                released.iter().any(|c| c == column),
                "{column} never released"
            );
        }
    }
}

#[test]
fn the_binary_releases_nothing_from_hostile_records() {
    let input = hostile_records().join("\n");
    let runs: [&[&str]; 2] = [
        &[
            "--with",
            "as_name,jail,hour,failures,reporter_country,reporter_id,attacker_id",
        ],
        &[
            "--csv",
            "--k",
            "2",
            "--with",
            "as_name,jail,reporter_id,attacker_id",
        ],
    ];
    for args in runs {
        let out = bin()
            .args(args)
            .arg("--key-file")
            .arg(fixture("test.key"))
            .write_stdin(input.clone())
            .assert()
            .success()
            .get_output()
            .clone();
        let output = String::from_utf8(out.stdout).unwrap();
        let csv = args.contains(&"--csv");
        assert_eq!(violations(&output, csv), Vec::<String>::new(), "{output}");
    }
}

// ---- Property tests --------------------------------------------------------

fn host() -> BoxedStrategy<String> {
    (
        "[a-z0-9]{1,10}",
        prop::collection::vec("[a-z0-9][a-z0-9-]{0,8}", 0..3),
        prop_oneof!["com", "org", "net", "de", "cn", "ru", "local", "example", "xn--p1ai", "info"],
        any::<bool>(),
    )
        .prop_map(|(first, middle, tld, upper)| {
            let mut labels = vec![first];
            labels.extend(middle);
            labels.push(tld);
            let host = labels.join(".");
            if upper {
                host.to_uppercase()
            } else {
                host
            }
        })
        .boxed()
}

fn ipv4() -> BoxedStrategy<String> {
    any::<[u8; 4]>()
        .prop_map(|b| Ipv4Addr::from(b).to_string())
        .boxed()
}

fn ipv6() -> BoxedStrategy<String> {
    prop_oneof![
        any::<[u16; 8]>().prop_map(|s| Ipv6Addr::from(s).to_string()),
        any::<[u16; 8]>().prop_map(|s| s.map(|x| format!("{x:04X}")).join(":")),
        any::<[u8; 4]>().prop_map(|b| format!("::ffff:{}", Ipv4Addr::from(b))),
        (any::<u16>(), "[a-z0-9]{1,5}").prop_map(|(x, zone)| format!("fe80::{x:x}%{zone}")),
    ]
    .boxed()
}

fn email() -> BoxedStrategy<String> {
    ("[a-zA-Z0-9._%+-]{1,16}", host())
        .prop_map(|(user, host)| format!("{user}@{host}"))
        .boxed()
}

fn hostile_atom() -> BoxedStrategy<String> {
    prop_oneof![
        ipv4(),
        ipv6(),
        host(),
        email(),
        ("[0-9A-Za-z.$]{4,24}", host()).prop_map(|(l, h)| format!("<{l}@{h}>")),
        "(/[a-z0-9._-]{1,10}){1,5}",
        "[A-Z]:(\\\\[a-z0-9._ -]{1,10}){1,4}",
        "mail/[a-z]{1,8}\\.mbox:[0-9]{1,9}",
        (host(), "(/[a-z0-9._-]{1,10}){0,3}").prop_map(|(h, p)| format!("https://{h}{p}")),
        (host(), ipv4(), "[a-z]{3,8}").prop_map(|(h, ip, user)| format!(
            "Jul  4 10:34:58 {h} sshd[1234]: Failed password for {user} from {ip} port 22 ssh2"
        )),
        (ipv4(), ipv4(), email()).prop_map(|(a, b, e)| format!(
            "inetnum:        {a} - {b}\nnetname:        EXAMPLE-NET\nabuse-mailbox:  {e}\n"
        )),
        any::<u32>().prop_map(|n| n.to_string()),
    ]
    .boxed()
}

fn legit_text() -> BoxedStrategy<String> {
    prop_oneof![
        Just("Beijing".to_string()),
        Just("São Paulo".to_string()),
        Just("St. Petersburg".to_string()),
        Just("CHINANET-BACKBONE No.31,Jin-rong Street".to_string()),
        Just("AT&T Services, Inc.".to_string()),
        "[A-Z][a-z]{2,10}( [A-Z][a-z]{2,10}){0,2}",
    ]
    .boxed()
}

/// A string built to look harmless and hide something.
fn hostile_string() -> BoxedStrategy<String> {
    prop_oneof![
        3 => hostile_atom(),
        1 => (legit_text(), hostile_atom()).prop_map(|(a, b)| format!("{a} {b}")),
        1 => (hostile_atom(), legit_text()).prop_map(|(a, b)| format!("{a} {b}")),
        1 => (legit_text(), hostile_atom()).prop_map(|(a, b)| format!("{a}({b})")),
        1 => ipv4().prop_map(|ip| ip.chars().map(|c| match c {
            '0'..='9' => char::from_u32(0xff10 + c as u32 - '0' as u32).unwrap_or(c),
            other => other,
        }).collect()),
        1 => host().prop_map(|h| h.replace('.', "\u{ff0e}")),
        1 => host().prop_map(|h| h.replace('.', "\u{3002}")),
        1 => "\\PC{0,40}",
    ]
    .boxed()
}

/// A value for any field: hostile strings in every JSON shape, and now and
/// then a legitimate value so that some rows are released at all.
fn value() -> BoxedStrategy<Value> {
    prop_oneof![
        6 => hostile_string().prop_map(Value::String),
        1 => any::<u32>().prop_map(|n| json!(n)),
        1 => any::<i64>().prop_map(|n| json!(n)),
        1 => prop::collection::vec(hostile_string(), 0..3).prop_map(|v| json!(v)),
        1 => (hostile_string(), hostile_string()).prop_map(|(k, v)| json!({ k: v })),
        1 => Just(Value::Null),
        1 => prop_oneof![
            Just(json!("2011-07-04T10:34:58Z")),
            Just(json!("CN")),
            Just(json!("ssh")),
            Just(json!("SSH")),
            Just(json!(4134)),
            Just(json!(6)),
            legit_text().prop_map(Value::String),
        ],
    ]
    .boxed()
}

fn key() -> BoxedStrategy<String> {
    prop_oneof![
        3 => prop::sample::select(KNOWN_FIELDS).prop_map(String::from),
        1 => "[a-z_]{1,12}",
        1 => hostile_string(),
    ]
    .boxed()
}

fn record() -> BoxedStrategy<String> {
    prop::collection::vec((key(), value()), 0..24)
        .prop_map(|fields| {
            let map: Map<String, Value> = fields.into_iter().collect();
            Value::Object(map).to_string()
        })
        .boxed()
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: 256,
        // ChaCha is slow in debug builds; XorShift is plenty for tests.
        rng_algorithm: proptest::test_runner::RngAlgorithm::XorShift,
        ..ProptestConfig::default()
    })]

    #[test]
    fn no_address_host_mail_path_or_free_text_ever_reaches_the_output(
        records in prop::collection::vec(record(), 1..40),
        k in prop_oneof![Just(None), (1u64..4).prop_map(Some)],
        csv in any::<bool>(),
    ) {
        let (output, report) = anonymize(&records, all_columns(k, csv), Some(KEY));
        let found = violations(&output, csv);
        prop_assert!(found.is_empty(), "{found:#?}\n--- output ---\n{output}");
        prop_assert_eq!(report.rows_out + report.outcome.suppressed, records.len() as u64);
    }
}

proptest! {
    // Each case starts the binary, so fewer of them.
    #![proptest_config(ProptestConfig {
        cases: 24,
        // ChaCha is slow in debug builds; XorShift is plenty for tests.
        rng_algorithm: proptest::test_runner::RngAlgorithm::XorShift,
        ..ProptestConfig::default()
    })]

    #[test]
    fn the_binary_never_releases_what_it_must_not(
        records in prop::collection::vec(record(), 1..60),
        csv in any::<bool>(),
    ) {
        let mut cmd = bin();
        cmd.args(["--with", "as_name,jail,hour,failures,reporter_country,reporter_id,attacker_id"])
            .arg("--key-file")
            .arg(fixture("test.key"));
        if csv {
            cmd.arg("--csv");
        }
        let out = cmd.write_stdin(records.join("\n")).output().unwrap();
        prop_assert!(out.status.success());
        let output = String::from_utf8(out.stdout).unwrap();
        let found = violations(&output, csv);
        prop_assert!(found.is_empty(), "{found:#?}\n--- output ---\n{output}");
    }
}
