//! The page in a real browser: `tests/browser/check-page.sh` loads it in
//! headless Chromium and checks there is no console error and that every
//! chart has its bars and cells.
//!
//! Skipped (with a note) when no Chromium is installed, unless
//! `F2B_REQUIRE_BROWSER=1`: then the script runs anyway, and installs Debian's
//! `chromium` itself when it is root with apt-get, or fails.

use std::path::{Path, PathBuf};
use std::process::Command;

use assert_cmd::cargo::CommandCargoExt;

fn here(path: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(path)
}

fn browser_available() -> bool {
    let path = std::env::var_os("PATH").unwrap_or_default();
    let found = std::env::split_paths(&path).any(|dir| {
        [
            "chromium",
            "chromium-browser",
            "google-chrome",
            "google-chrome-stable",
        ]
        .iter()
        .any(|name| dir.join(name).is_file())
    });
    if !found && std::env::var("F2B_REQUIRE_BROWSER").as_deref() != Ok("1") {
        eprintln!("skipped: no chromium (set F2B_REQUIRE_BROWSER=1 to require it)");
        return false;
    }
    true
}

/// Renders `digest` to `dir/name.html` and returns the page's path.
fn render(digest: &Path, dir: &Path, name: &str) -> PathBuf {
    let html = dir.join(format!("{name}.html"));
    let status = Command::cargo_bin("f2b-report")
        .unwrap()
        .arg("-q")
        .arg(digest)
        .arg("-o")
        .arg(&html)
        .status()
        .unwrap();
    assert!(status.success());
    html
}

fn check(page: &Path, expect: &Path) -> (bool, String) {
    let out = Command::new("bash")
        .arg(here("tests/browser/check-page.sh"))
        .arg(page)
        .arg(expect)
        .output()
        .unwrap();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.success(), text)
}

#[test]
fn the_fixture_page_loads_cleanly_with_every_mark() {
    if !browser_available() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let page = render(&here("tests/fixtures/digest.json"), dir.path(), "fixture");
    let (ok, text) = check(&page, &here("tests/fixtures/expect.json"));
    assert!(ok, "{text}");
    assert!(text.contains("chart-hours: 168 marks"), "{text}");
}

#[test]
fn the_check_fails_on_a_script_error_and_on_missing_marks() {
    if !browser_available() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let page = render(&here("tests/fixtures/digest.json"), dir.path(), "fixture");
    let html = std::fs::read_to_string(&page).unwrap();

    let throwing = dir.path().join("throwing.html");
    let injected = html.replacen("<script>", "<script>throw new Error('injected');", 1);
    assert_ne!(injected, html);
    std::fs::write(&throwing, injected).unwrap();
    let (ok, text) = check(&throwing, &here("tests/fixtures/expect.json"));
    assert!(!ok, "a throwing page passed:\n{text}");
    assert!(text.contains("Uncaught Error: injected"), "{text}");

    let fewer = dir.path().join("fewer.html");
    std::fs::write(&fewer, html.replacen("class=\"cell\"", "class=\"x\"", 1)).unwrap();
    let (ok, text) = check(&fewer, &here("tests/fixtures/expect.json"));
    assert!(!ok, "a page with a missing cell passed:\n{text}");
    assert!(
        text.contains("chart-flows: 17 bars/cells, expected 18"),
        "{text}"
    );
}

#[test]
fn an_empty_page_says_no_data_in_the_browser() {
    if !browser_available() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let digest = dir.path().join("empty.json");
    std::fs::write(
        &digest,
        r#"{"digest_version":1,"reports":0,"attackers":null,"reporters":null,"first":null,
            "last":null,"by_day":[],"by_month":[],"gaps":[],"by_country":[],"by_asn":[],
            "by_service":[],"by_reporter_country":[],"flows":[],"by_hour_weekday":null}"#,
    )
    .unwrap();
    let page = render(&digest, dir.path(), "empty");
    let expect = dir.path().join("expect.json");
    std::fs::write(
        &expect,
        r#"{"chart-daily": {"marks": 0, "gaps": 0}, "chart-countries": 0, "chart-asn": 0,
            "chart-services": 0, "chart-reporters": 0, "chart-flows": 0, "chart-hours": 0}"#,
    )
    .unwrap();
    let (ok, text) = check(&page, &expect);
    assert!(ok, "{text}");
}
