//! Partials of shards merge into exactly the digest of one run.

mod common;

use std::io::Write;
use std::path::{Path, PathBuf};

use common::{agg, fixture, run_ok};

/// Splits `lines` at `cuts` into shard files in `dir`.
fn shards(dir: &Path, lines: &[&str], cuts: &[usize]) -> Vec<PathBuf> {
    let mut bounds = vec![0];
    bounds.extend_from_slice(cuts);
    bounds.push(lines.len());
    bounds
        .windows(2)
        .enumerate()
        .map(|(i, w)| {
            let path = dir.join(format!("shard.{i}"));
            let mut text = lines[w[0]..w[1]].join("\n");
            text.push('\n');
            std::fs::write(&path, text).unwrap();
            path
        })
        .collect()
}

fn partial_of(input: &Path, dir: &Path) -> PathBuf {
    let out = dir.join(format!(
        "{}.partial",
        input.file_name().unwrap().to_str().unwrap()
    ));
    run_ok(&[
        "-q",
        "--partial",
        input.to_str().unwrap(),
        "-o",
        out.to_str().unwrap(),
    ]);
    out
}

fn strs(paths: &[PathBuf]) -> Vec<&str> {
    paths.iter().map(|p| p.to_str().unwrap()).collect()
}

#[test]
fn partials_of_shards_merge_into_the_digest_of_one_run() {
    for name in ["full.ndjson", "anon.ndjson"] {
        let path = fixture(name);
        let text = std::fs::read_to_string(&path).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        let dir = tempfile::tempdir().unwrap();
        let parts: Vec<PathBuf> = shards(dir.path(), &lines, &[1, 150, 151, 300])
            .iter()
            .map(|s| partial_of(s, dir.path()))
            .collect();
        for opts in [&[][..], &["--pretty"][..], &["--top", "3"][..]] {
            let mut one = vec!["-q", path.to_str().unwrap()];
            one.extend_from_slice(opts);
            let mut merged = vec!["-q", "--merge"];
            merged.extend(strs(&parts));
            merged.extend_from_slice(opts);
            assert_eq!(
                String::from_utf8(run_ok(&merged)).unwrap(),
                String::from_utf8(run_ok(&one)).unwrap(),
                "{name} {opts:?}"
            );
        }
    }
}

#[test]
fn merges_can_be_hierarchical_and_in_any_order() {
    let path = fixture("full.ndjson");
    let text = std::fs::read_to_string(&path).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    let dir = tempfile::tempdir().unwrap();
    let parts: Vec<PathBuf> = shards(dir.path(), &lines, &[100, 200, 300])
        .iter()
        .map(|s| partial_of(s, dir.path()))
        .collect();
    let p = strs(&parts);
    let left = dir.path().join("left.partial");
    run_ok(&[
        "-q",
        "--merge",
        "--partial",
        p[3],
        p[0],
        "-o",
        left.to_str().unwrap(),
    ]);
    let right = dir.path().join("right.partial");
    run_ok(&[
        "-q",
        "--merge",
        "--partial",
        p[2],
        p[1],
        "-o",
        right.to_str().unwrap(),
    ]);
    let top = run_ok(&[
        "-q",
        "--merge",
        "--partial",
        right.to_str().unwrap(),
        left.to_str().unwrap(),
    ]);
    // A partial is canonical: the merged one is the partial of one run.
    assert_eq!(top, run_ok(&["-q", "--partial", path.to_str().unwrap()]));
    let digest = run_ok(&[
        "-q",
        "--merge",
        right.to_str().unwrap(),
        left.to_str().unwrap(),
    ]);
    assert_eq!(digest, run_ok(&["-q", path.to_str().unwrap()]));
}

#[test]
fn partials_may_be_gzipped_or_several_on_stdin() {
    let path = fixture("full.ndjson");
    let text = std::fs::read_to_string(&path).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    let dir = tempfile::tempdir().unwrap();
    let parts: Vec<PathBuf> = shards(dir.path(), &lines, &[123])
        .iter()
        .map(|s| partial_of(s, dir.path()))
        .collect();
    let mut both = Vec::new();
    for p in &parts {
        both.extend(std::fs::read(p).unwrap());
    }
    let one = run_ok(&["-q", path.to_str().unwrap()]);
    let out = agg()
        .args(["-q", "--merge"])
        .write_stdin(both.clone())
        .output()
        .unwrap();
    assert!(out.status.success());
    assert_eq!(out.stdout, one);

    let gz_path = dir.path().join("both.partial.gz");
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    gz.write_all(&both).unwrap();
    std::fs::write(&gz_path, gz.finish().unwrap()).unwrap();
    assert_eq!(run_ok(&["-q", "--merge", gz_path.to_str().unwrap()]), one);
}

#[test]
fn the_summary_of_a_merge_counts_partials_and_records() {
    let path = fixture("full.ndjson");
    let dir = tempfile::tempdir().unwrap();
    let p = partial_of(&path, dir.path());
    let out = agg()
        .args(["--merge", p.to_str().unwrap(), p.to_str().unwrap()])
        .output()
        .unwrap();
    assert_eq!(
        String::from_utf8(out.stderr).unwrap(),
        "f2b-agg: 2 partials merged, 820 records, 814 reports, 6 notices\n"
    );
}

/// Runs `--merge` on a file with `content` and returns (exit code, stderr).
fn merge_bad(content: &[u8]) -> (i32, String, String) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("bad.partial");
    std::fs::write(&path, content).unwrap();
    let out = agg()
        .args(["--merge", path.to_str().unwrap()])
        .output()
        .unwrap();
    assert!(out.stdout.is_empty(), "nothing is written half");
    (
        out.status.code().unwrap(),
        String::from_utf8(out.stderr).unwrap(),
        path.display().to_string(),
    )
}

#[test]
fn a_bad_partial_is_an_error_naming_the_file() {
    let good = run_ok(&["-q", "--partial", fixture("full.ndjson").to_str().unwrap()]);
    let digest = run_ok(&["-q", fixture("full.ndjson").to_str().unwrap()]);
    let text = String::from_utf8(good.clone()).unwrap();
    // The first attacker index of the first profile, made too large.
    let at = text.find("\"attacker_profiles\":[[").unwrap() + "\"attacker_profiles\":[[".len();
    let end = at + text[at..].find(',').unwrap();
    let out_of_range = format!("{}99999999{}", &text[..at], &text[end..]);
    let cases: Vec<(&str, Vec<u8>, &str)> = vec![
        ("a digest", digest, "not an f2b-agg partial"),
        (
            "truncated",
            good[..good.len() / 2].to_vec(),
            "not an f2b-agg partial",
        ),
        ("empty", Vec::new(), "no partial in it"),
        (
            "records",
            b"{\"ip\":\"192.0.2.1\"}\n".to_vec(),
            "not an f2b-agg partial",
        ),
        ("out of range", out_of_range.into_bytes(), "out of range"),
        (
            "a later format",
            text.replacen("\"f2b_agg_partial\":1", "\"f2b_agg_partial\":2", 1)
                .into_bytes(),
            "partial format 2 is not supported",
        ),
        (
            "binary",
            vec![0xff, 0xfe, 0x00, 0x01],
            "not an f2b-agg partial",
        ),
    ];
    for (what, content, expected) in cases {
        let (code, stderr, path) = merge_bad(&content);
        assert_eq!(code, 1, "{what}: {stderr}");
        assert!(stderr.starts_with("f2b-agg: error: "), "{what}: {stderr}");
        assert!(stderr.contains(&path), "{what}: {stderr}");
        assert!(stderr.contains(expected), "{what}: {stderr}");
        assert!(!stderr.contains("panicked"), "{what}: {stderr}");
    }
}
