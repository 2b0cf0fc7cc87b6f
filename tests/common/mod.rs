//! Helpers of the end-to-end tests: the workspace's binaries, run as a user
//! runs them, and the embedded sample's data files made once per test binary.
#![allow(dead_code)]

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::OnceLock;

/// The directory holding the workspace's binaries (`target/debug`).
pub fn bin_dir() -> PathBuf {
    let exe = std::env::current_exe().unwrap();
    let dir = exe.parent().unwrap().parent().unwrap().to_path_buf();
    assert!(
        dir.join("f2b-extract").exists(),
        "the stage binaries are not built in {}: run `cargo test --workspace`",
        dir.display()
    );
    dir
}

pub fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// Runs a stage with `args`, feeding `stdin`; returns stdout, panicking with
/// stderr when it fails.
pub fn stage(name: &str, args: &[&str], stdin: &[u8]) -> Vec<u8> {
    let mut child = Command::new(bin_dir().join(name))
        .args(args)
        .current_dir(root())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut input = child.stdin.take().unwrap();
    let bytes = stdin.to_vec();
    let writer = std::thread::spawn(move || {
        let _ = input.write_all(&bytes);
    });
    let out = child.wait_with_output().unwrap();
    writer.join().unwrap();
    assert!(
        out.status.success(),
        "{name} {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out.stdout
}

pub fn lines(bytes: &[u8]) -> Vec<&str> {
    std::str::from_utf8(bytes).unwrap().lines().collect()
}

pub struct Sample {
    _dir: tempfile::TempDir,
    pub data: PathBuf,
    pub records: Vec<u8>,
}

/// The sample's data files and extracted records, made once for all tests.
pub fn sample() -> &'static Sample {
    static SAMPLE: OnceLock<Sample> = OnceLock::new();
    SAMPLE.get_or_init(|| {
        let dir = tempfile::tempdir().unwrap();
        let data = dir.path().join("data");
        stage(
            "f2b-sample",
            &[
                "data",
                "--from",
                "data/sample",
                "--out",
                data.to_str().unwrap(),
                "-q",
            ],
            b"",
        );
        let records = stage("f2b-extract", &["-q", "-r", "data/sample/mail"], b"");
        Sample {
            _dir: dir,
            data,
            records,
        }
    })
}

pub fn geo_args(s: &Sample) -> Vec<String> {
    vec![
        "-q".into(),
        "--db".into(),
        s.data.join("sample-city.mmdb").display().to_string(),
    ]
}

pub fn asn_args(s: &Sample) -> Vec<String> {
    vec![
        "-q".into(),
        "--pfx2as-dir".into(),
        s.data.display().to_string(),
        "--names".into(),
        s.data.join("autnums.html").display().to_string(),
    ]
}

pub fn strs(v: &[String]) -> Vec<&str> {
    v.iter().map(String::as_str).collect()
}
