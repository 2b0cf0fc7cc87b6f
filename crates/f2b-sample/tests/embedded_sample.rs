//! The embedded sample in `data/sample/mail` is exactly what the command in
//! `data/sample/README.md` makes: after a change to the generator, this test
//! says the sample must be regenerated (and committed with the change).

mod common;

use std::path::Path;

use assert_cmd::Command;
use common::files;

/// The arguments documented in `data/sample/README.md`.
const ARGS: &[&str] = &[
    "mail",
    "--messages",
    "2500",
    "--seed",
    "sample",
    "--reporters",
    "800",
    "--whois",
    "short",
    "--switch",
    "2011-01-01=mbox.gz",
    "--switch",
    "2012-01-01=mbox",
    "--switch",
    "2013-01-01=maildir",
];

#[test]
fn embedded_sample_is_what_its_readme_command_makes() {
    let sample = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../data/sample/mail");
    assert!(sample.is_dir(), "{} is missing", sample.display());
    let readme = std::fs::read_to_string(sample.join("../README.md")).unwrap();
    let readme = readme.replace("\\\n", " ");
    let readme = readme.split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(
        readme.contains(&ARGS.join(" ")),
        "data/sample/README.md no longer documents these arguments"
    );
    let dir = tempfile::tempdir().unwrap();
    Command::cargo_bin("f2b-sample")
        .unwrap()
        .args(ARGS)
        .args(["--quiet", "--out", dir.path().to_str().unwrap()])
        .assert()
        .success();
    let made = files(dir.path());
    let kept = files(&sample);
    assert_eq!(
        made.keys().collect::<Vec<_>>(),
        kept.keys().collect::<Vec<_>>(),
        "regenerate data/sample/mail with the command in data/sample/README.md"
    );
    for (path, bytes) in &made {
        assert!(
            bytes == &kept[path],
            "{} differs: regenerate data/sample/mail with the command in data/sample/README.md",
            path.display()
        );
    }
}
