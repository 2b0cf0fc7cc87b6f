//! f2b-report as a command: the page of a digest, its charts and marks,
//! escaping, offline-ness, empty sections, errors and exit codes.

use std::io::Write;
use std::path::PathBuf;
use std::process::{Command, Stdio};

use assert_cmd::cargo::CommandCargoExt;
use serde_json::{json, Value};

fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

fn report() -> Command {
    Command::cargo_bin("f2b-report").unwrap()
}

/// Runs f2b-report with `args`, expecting success; returns the page.
fn page(args: &[&str]) -> String {
    let out = report().args(args).output().unwrap();
    assert!(
        out.status.success(),
        "f2b-report {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

/// Runs f2b-report on `digest` given on stdin; returns the page.
fn page_of(digest: &Value, args: &[&str]) -> String {
    let mut child = report()
        .args(args)
        .arg("-q")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(digest.to_string().as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

fn fixture_digest() -> Value {
    serde_json::from_str(&std::fs::read_to_string(fixture("digest.json")).unwrap()).unwrap()
}

/// The `<figure id="…">` element of the page, opening tag to closing tag.
fn figure<'a>(page: &'a str, id: &str) -> &'a str {
    let start = page
        .find(&format!("<figure id=\"{id}\""))
        .unwrap_or_else(|| panic!("no figure {id}"));
    let end = page[start..].find("</figure>").unwrap() + start;
    &page[start..end]
}

/// The value of attribute `name` on the opening tag of `element`.
fn attr<'a>(element: &'a str, name: &str) -> Option<&'a str> {
    let tag = &element[..element.find('>')?];
    let start = tag.find(&format!(" {name}=\""))? + name.len() + 3;
    let len = tag[start..].find('"')?;
    Some(&tag[start..start + len])
}

/// Marks of class `class` inside a figure.
fn marks(figure: &str, class: &str) -> usize {
    figure.matches(&format!("class=\"{class}\"")).count()
}

const CHARTS: [&str; 7] = [
    "chart-daily",
    "chart-countries",
    "chart-asn",
    "chart-services",
    "chart-reporters",
    "chart-flows",
    "chart-hours",
];

#[test]
fn help_has_every_option_and_an_example_pipeline() {
    let help = page(&["--help"]);
    for needle in [
        "[DIGEST]",
        "--output <FILE>",
        "--title <TEXT>",
        "--top <N>",
        "--quiet",
        "Examples:",
        "f2b-agg < records.ndjson | f2b-report -o report.html",
        "docs/digest.md",
    ] {
        assert!(help.contains(needle), "--help lacks {needle:?}:\n{help}");
    }
}

#[test]
fn every_chart_of_the_fixture_has_its_expected_marks() {
    let html = page(&[fixture("digest.json").to_str().unwrap()]);
    // (figure, kind, bars or cells): the fixture has 11 days, 18 countries
    // (15 shown), 4 networks, 3 services, 5 reporter countries, flows from 6
    // attacker to 3 reporter countries, and the 7 x 24 hours.
    let expected = [
        ("chart-daily", "bars", 11),
        ("chart-countries", "bars", 15),
        ("chart-asn", "bars", 4),
        ("chart-services", "bars", 3),
        ("chart-reporters", "bars", 5),
        ("chart-flows", "cells", 18),
        ("chart-hours", "cells", 168),
    ];
    for (id, kind, n) in expected {
        let fig = figure(&html, id);
        let mark = if kind == "bars" { "bar" } else { "cell" };
        assert_eq!(marks(fig, mark), n, "{id}");
        assert_eq!(attr(fig, "data-kind"), Some(kind), "{id}");
        assert_eq!(
            attr(fig, "data-count"),
            Some(n.to_string().as_str()),
            "{id}"
        );
        assert!(fig.contains("<details><summary>Table</summary>"), "{id}");
        assert!(!fig.contains("No data"), "{id}");
    }
    let flows = figure(&html, "chart-flows");
    assert_eq!(attr(flows, "data-rows"), Some("6"));
    assert_eq!(attr(flows, "data-cols"), Some("3"));
    // The 10 empty cells of the matrix are drawn, visibly.
    assert_eq!(
        flows
            .matches(r##"fill="#f4f4f4" stroke="#c0c0c0""##)
            .count(),
        10
    );
}

#[test]
fn the_headline_says_reports_hosts_reporters_and_period() {
    let html = page(&[fixture("digest.json").to_str().unwrap()]);
    let head = &html[html.find("<section id=\"headline\"").unwrap()..];
    let head = &head[..head.find("</section>").unwrap()];
    assert_eq!(attr(head, "data-reports"), Some("42"));
    assert_eq!(attr(head, "data-attackers"), Some("20"));
    assert_eq!(attr(head, "data-reporters"), Some("6"));
    assert!(head.contains("<strong>42</strong> reports from <strong>20</strong> hosts"));
    assert!(head.contains("<p>Sent by 6 reporting servers, from 2011-06-01 to 2011-07-10.</p>"));
}

#[test]
fn gaps_are_shaded_and_labelled_on_the_daily_chart() {
    let html = page(&[fixture("digest.json").to_str().unwrap()]);
    let daily = figure(&html, "chart-daily");
    assert_eq!(marks(daily, "gap"), 2);
    assert_eq!(attr(daily, "data-gaps"), Some("2"));
    assert_eq!(attr(daily, "data-unit"), Some("day"));
    assert!(daily.contains("<title>No reports from 2011-06-06 to 2011-06-19 (14 days)</title>"));
    assert!(daily.contains(">14 d</text>") && daily.contains(">15 d</text>"));
    assert!(daily.contains("Shaded: 2 gaps of 3 or more days without reports"));
    // Axes are labelled.
    assert!(daily.contains(">reports per day</text>"));
    assert!(daily.contains(">date (UTC)</text>"));
    assert!(daily.contains(">Jun 1 2011</text>"));
}

#[test]
fn text_from_the_digest_is_escaped() {
    let html = page(&[fixture("digest.json").to_str().unwrap()]);
    assert!(!html.contains("<b>&"), "raw markup from the digest");
    let asn = figure(&html, "chart-asn");
    assert!(asn.contains("AS64500 ACME &lt;b&gt;&amp; Sons &quot;Hosting&quot;"));
    assert!(asn.contains("<td>ACME &lt;b&gt;&amp; Sons &quot;Hosting&quot;</td>"));

    let mut digest = fixture_digest();
    digest["by_service"][0]["service"] = json!("</svg><script>alert(1)</script>");
    digest["generator"] = json!("x\"><img src=x>");
    let html = page_of(&digest, &["--title", "A & <B>"]);
    assert!(html.contains("<title>A &amp; &lt;B&gt;</title>"));
    assert!(html.contains("&lt;/svg&gt;&lt;script&gt;alert(1)&lt;/script&gt;"));
    assert_eq!(html.matches("<script>").count(), 1);
    assert!(!html.contains("<img"));
}

#[test]
fn the_page_is_self_contained() {
    for name in ["digest.json", "agg-full.json", "agg-anon.json"] {
        let html = page(&[fixture(name).to_str().unwrap()]);
        for needle in ["http://", "https://", "src=", "@import", "//cdn"] {
            assert!(!html.contains(needle), "{name}: {needle:?} in the page");
        }
        // The only references are to the page's own gradients.
        assert_eq!(
            html.matches("url(").count(),
            html.matches("url(#chart-").count()
        );
        assert!(!html.contains("href="));
        assert!(html.starts_with("<!DOCTYPE html>\n<html lang=\"en\">"));
        assert!(html.contains("<meta name=\"viewport\""));
        assert!(html.ends_with("</html>\n"));
    }
}

#[test]
fn real_digests_of_f2b_agg_render_every_chart() {
    // agg-full.json and agg-anon.json are what f2b-agg wrote for its own test
    // fixtures (full and anonymized records).
    for (name, days, gaps) in [("agg-full.json", 168, 65), ("agg-anon.json", 160, 63)] {
        let html = page(&[fixture(name).to_str().unwrap()]);
        let digest: Value =
            serde_json::from_str(&std::fs::read_to_string(fixture(name)).unwrap()).unwrap();
        let daily = figure(&html, "chart-daily");
        assert_eq!(marks(daily, "bar"), days, "{name}");
        assert_eq!(marks(daily, "gap"), gaps, "{name}");
        let countries = digest["by_country"].as_array().unwrap().len();
        assert_eq!(
            marks(figure(&html, "chart-countries"), "bar"),
            countries.min(15),
            "{name}"
        );
        assert_eq!(marks(figure(&html, "chart-hours"), "cell"), 168, "{name}");
        for id in CHARTS {
            assert!(!figure(&html, id).contains("No data"), "{name}: {id}");
        }
    }
}

#[test]
fn an_empty_digest_says_no_data_for_every_chart() {
    let empty = json!({
        "digest_version": 1, "generator": "f2b-agg 0.1.0", "records": 0, "reports": 0,
        "notices": {}, "attackers": null, "reporters": null, "first": null, "last": null,
        "first_ts": null, "last_ts": null, "dated": {"day": 0, "month": 0, "undated": 0},
        "by_day": [], "by_month": [], "gaps": [], "by_country": [], "by_region": [],
        "by_city": [], "by_asn": [], "by_service": [], "by_jail": [],
        "by_reporter_country": [], "flows": [], "by_hour": [], "by_weekday": [],
        "by_hour_weekday": null, "failures": [], "top_attackers": []
    });
    let html = page_of(&empty, &[]);
    for id in CHARTS {
        let fig = figure(&html, id);
        assert_eq!(attr(fig, "data-count"), Some("0"), "{id}");
        assert!(fig.contains("<p class=\"nodata\">No data."), "{id}");
        assert!(!fig.contains("<svg"), "{id}");
    }
    assert!(html.contains("<strong>0</strong> reports</p>"));

    let out = report()
        .stdin(Stdio::from(
            std::fs::File::open(write_temp(&empty)).unwrap(),
        ))
        .output()
        .unwrap();
    assert_eq!(
        String::from_utf8_lossy(&out.stderr),
        "f2b-report: 7 charts (7 with no data), 0 reports\n"
    );
}

#[test]
fn an_anonymized_digest_without_hosts_or_reporters_still_renders() {
    let mut digest = fixture_digest();
    for key in ["attackers", "reporters"] {
        digest[key] = Value::Null;
    }
    digest["by_reporter_country"] = json!([]);
    digest["flows"] = json!([]);
    let html = page_of(&digest, &[]);
    assert!(html.contains("<strong>42</strong> reports</p>"));
    assert!(html.contains("The attacking hosts are not in this dataset."));
    assert!(figure(&html, "chart-reporters").contains("No data."));
    assert!(figure(&html, "chart-flows").contains("No data."));
    assert_eq!(marks(figure(&html, "chart-countries"), "bar"), 15);
}

#[test]
fn month_generalised_dates_give_a_chart_per_month() {
    let mut digest = fixture_digest();
    digest["by_day"] = json!([]);
    digest["gaps"] = json!([]);
    digest["first"] = Value::Null;
    digest["last"] = Value::Null;
    digest["dated"] = json!({"day": 0, "month": 42, "undated": 0});
    let html = page_of(&digest, &[]);
    let daily = figure(&html, "chart-daily");
    assert_eq!(attr(daily, "data-unit"), Some("month"));
    assert_eq!(marks(daily, "bar"), 2);
    assert!(daily.contains("<h2>Reports per month</h2>"));
    assert!(daily.contains(">reports per month</text>"));
}

#[test]
fn top_cuts_the_ranked_charts_and_the_matrix() {
    let path = fixture("digest.json");
    let html = page(&["--top", "3", path.to_str().unwrap()]);
    assert_eq!(marks(figure(&html, "chart-countries"), "bar"), 3);
    assert_eq!(marks(figure(&html, "chart-asn"), "bar"), 3);
    assert_eq!(marks(figure(&html, "chart-flows"), "cell"), 9);
    assert_eq!(marks(figure(&html, "chart-hours"), "cell"), 168);
    let out = report().args(["--top", "0"]).arg(&path).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--top must be between 1 and 1000"));
}

#[test]
fn the_summary_names_charts_reports_and_period() {
    let dir = tempfile::tempdir().unwrap();
    let html = dir.path().join("r.html");
    let out = report()
        .arg(fixture("digest.json"))
        .arg("-o")
        .arg(&html)
        .output()
        .unwrap();
    assert!(out.status.success());
    assert!(out.stdout.is_empty());
    assert_eq!(
        String::from_utf8_lossy(&out.stderr),
        "f2b-report: 7 charts, 42 reports, 2011-06-01..2011-07-10\n"
    );
    assert!(std::fs::read_to_string(&html)
        .unwrap()
        .contains("chart-daily"));
    let quiet = report()
        .args(["-q", "-o"])
        .arg(&html)
        .arg(fixture("digest.json"))
        .output()
        .unwrap();
    assert!(quiet.status.success() && quiet.stderr.is_empty());
}

fn write_temp(digest: &Value) -> PathBuf {
    let dir = tempfile::tempdir().unwrap().keep();
    let path = dir.join("digest.json");
    std::fs::write(&path, digest.to_string()).unwrap();
    path
}

#[test]
fn bad_input_is_an_error_naming_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let cases: [(&str, &[u8], &str); 5] = [
        (
            "bad.json",
            b"{\"digest_version\": 1,",
            "bad.json: not valid JSON: ",
        ),
        ("empty.json", b"", "empty.json: empty input"),
        ("list.json", b"[1, 2]", "list.json: not an f2b digest"),
        (
            "partial.json",
            b"{\"f2b_agg_partial\": 1}",
            "partial.json: this is an f2b-agg partial",
        ),
        (
            "short.json",
            b"{\"digest_version\": 1, \"reports\": 3}",
            "short.json: not a complete f2b digest: section `attackers` is missing",
        ),
    ];
    for (name, content, message) in cases {
        let path = dir.path().join(name);
        std::fs::write(&path, content).unwrap();
        let out = report().arg(&path).output().unwrap();
        assert_eq!(out.status.code(), Some(1), "{name}");
        assert!(out.stdout.is_empty(), "{name}");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stderr.starts_with("f2b-report: error: "), "{stderr}");
        assert!(stderr.contains(message), "{name}: {stderr}");
    }
    let mut digest = fixture_digest();
    digest["by_country"][0]["reports"] = json!("many");
    let out = report().arg(write_temp(&digest)).output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("section `by_country`: invalid type"));

    let out = report()
        .arg(dir.path().join("missing.json"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("cannot open"));
}

#[test]
fn a_gzip_digest_and_stdin_are_read() {
    let bytes = std::fs::read(fixture("digest.json")).unwrap();
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    gz.write_all(&bytes).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("digest.json.gz");
    std::fs::write(&path, gz.finish().unwrap()).unwrap();
    let from_gzip = page(&["-q", path.to_str().unwrap()]);
    let from_file = page(&["-q", fixture("digest.json").to_str().unwrap()]);
    assert_eq!(from_gzip, from_file);
    let from_stdin = page_of(&fixture_digest(), &["-"]);
    assert_eq!(from_stdin, from_file);
}

#[test]
fn a_closed_stdout_ends_quietly() {
    // A digest of many days makes a page far larger than a pipe's buffer.
    let mut digest = fixture_digest();
    let days: Vec<Value> = (0..3000)
        .map(|i| {
            let (y, rest) = (2000 + i / 300, i % 300);
            let date = format!("{y}-{:02}-{:02}", rest / 28 + 1, rest % 28 + 1);
            json!({"date": date, "reports": i % 50 + 1, "attackers": 1, "reporters": 1})
        })
        .collect();
    digest["by_day"] = Value::Array(days);
    digest["gaps"] = json!([]);
    digest["first"] = json!("2000-01-01");
    digest["last"] = json!("2009-11-20");
    let path = write_temp(&digest);
    let mut child = report()
        .arg(&path)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stdout.take());
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(String::from_utf8_lossy(&out.stderr), "");
}

/// A digest cut with `f2b-agg --top N` says so, and the page does not
/// take its lists for whole ones.
#[test]
fn a_cut_digest_is_not_read_as_a_whole_one() {
    let mut digest = fixture_digest();
    let whole = page_of(&digest, &[]);
    assert!(!whole.contains("cut with f2b-agg --top"));
    digest["top"] = json!(3);
    let cut = page_of(&digest, &[]);
    assert!(
        cut.contains("the digest keeps (it was cut with f2b-agg --top 3)"),
        "{cut}"
    );
    assert!(cut.contains("The digest was cut with f2b-agg --top 3"));
}
