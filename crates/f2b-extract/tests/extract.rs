//! End-to-end tests of the f2b-extract binary on hand-written fixtures.

mod common;

use std::fs;
use std::io::{Read, Write};
#[cfg(unix)]
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use assert_cmd::cargo::CommandCargoExt;

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures")
}

fn fixture(name: &str) -> Vec<u8> {
    fs::read(fixtures().join(name)).unwrap()
}

fn extract() -> Command {
    Command::cargo_bin("f2b-extract").unwrap()
}

/// Runs f2b-extract in `dir` with `args`; returns (stdout, stderr, status).
fn run_in(dir: &Path, args: &[&str], stdin: Option<&[u8]>) -> (String, String, i32) {
    let mut cmd = extract();
    cmd.current_dir(dir).args(args);
    cmd.stdin(if stdin.is_some() {
        Stdio::piped()
    } else {
        Stdio::null()
    });
    cmd.stdout(Stdio::piped()).stderr(Stdio::piped());
    let mut child = cmd.spawn().unwrap();
    if let Some(bytes) = stdin {
        let mut pipe = child.stdin.take().unwrap();
        pipe.write_all(bytes).unwrap();
    }
    let out = child.wait_with_output().unwrap();
    (
        String::from_utf8(out.stdout).unwrap(),
        String::from_utf8(out.stderr).unwrap(),
        out.status.code().unwrap_or(-1),
    )
}

/// The numbers of the summary line: (read, written, from, skipped).
fn accounting(stderr: &str) -> (u64, u64, u64, u64) {
    let line = stderr
        .lines()
        .filter(|l| l.contains(" messages read"))
        .find_map(|l| l.strip_prefix("f2b-extract: "))
        .expect("a summary line");
    let n: Vec<u64> = line
        .split(|c: char| !c.is_ascii_digit())
        .filter(|s| !s.is_empty())
        .map(|s| s.parse().unwrap())
        .collect();
    (n[0], n[1], n[2], n[3])
}

fn records(stdout: &str) -> Vec<serde_json::Value> {
    stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

fn fixture_names() -> Vec<String> {
    let mut names: Vec<String> = fs::read_dir(fixtures())
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .filter(|n| (n.ends_with(".eml") || n.ends_with(".mbox")) && !n.contains(".expected"))
        .collect();
    names.sort();
    names
}

#[test]
fn every_fixture_gives_exactly_its_expected_records() {
    let names = fixture_names();
    assert!(names.len() >= 15, "fixtures missing: {names:?}");
    for name in names {
        let stem = name.rsplit_once('.').unwrap().0;
        let expected =
            fs::read_to_string(fixtures().join(format!("{stem}.expected.ndjson"))).unwrap();
        let (out, err, code) = run_in(&fixtures(), &["--events", "--template", &name], None);
        assert_eq!(code, 0, "{name}: {err}");
        assert_eq!(out, expected, "{name}");
    }
}

#[test]
fn messages_read_equal_messages_with_reports_plus_skipped() {
    let mut all: Vec<String> = fixture_names();
    all.insert(0, "-r".into());
    let args: Vec<&str> = all.iter().map(String::as_str).collect();
    let (out, err, code) = run_in(&fixtures(), &args, None);
    assert_eq!(code, 0, "{err}");
    let (read, written, from, skipped) = accounting(&err);
    assert_eq!(read, from + skipped, "{err}");
    assert_eq!(written as usize, out.lines().count());
    assert!(
        err.contains("notice"),
        "the started notice is skipped as a notice: {err}"
    );
    assert!(
        err.contains("not-bounce") && err.contains("not-fail2ban") && err.contains("no-address"),
        "{err}"
    );
}

#[test]
fn rejects_file_lists_every_skipped_message_with_its_reason() {
    let dir = tempfile::tempdir().unwrap();
    let rejects = dir.path().join("rejects.ndjson");
    let names = [
        "notice-started.eml",
        "unban-notice.eml",
        "spam-not-bounce.eml",
        "vacation-autoreply.eml",
        "not-fail2ban-cron.eml",
        "unsubstituted-no-address.eml",
        "warning-then-failure.mbox",
    ];
    let mut args = vec!["--rejects", rejects.to_str().unwrap()];
    args.extend(names);
    let (_, err, code) = run_in(&fixtures(), &args, None);
    assert_eq!(code, 0, "{err}");
    let lines: Vec<serde_json::Value> = fs::read_to_string(&rejects)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let mbox = fixture("warning-then-failure.mbox");
    let third = mbox
        .windows(6)
        .enumerate()
        .filter(|(_, w)| w == b"\nFrom ")
        .nth(1)
        .unwrap()
        .0
        + 1;
    let third_message = format!("warning-then-failure.mbox:{third}");
    let reasons: Vec<(&str, &str)> = lines
        .iter()
        .map(|l| (l["src"].as_str().unwrap(), l["reason"].as_str().unwrap()))
        .collect();
    assert_eq!(
        reasons,
        [
            ("notice-started.eml", "notice"),
            ("unban-notice.eml", "notice"),
            ("spam-not-bounce.eml", "not-bounce"),
            ("vacation-autoreply.eml", "not-bounce"),
            ("not-fail2ban-cron.eml", "not-fail2ban"),
            ("unsubstituted-no-address.eml", "no-address"),
            ("warning-then-failure.mbox:0", "duplicate"),
            (third_message.as_str(), "duplicate"),
        ]
    );
    let (read, _, _, skipped) = accounting(&err);
    assert_eq!((read, skipped), (9, 8));
}

#[test]
fn keep_duplicates_writes_the_warning_and_the_repeat_too() {
    let (out, _, _) = run_in(
        &fixtures(),
        &["--keep-duplicates", "warning-then-failure.mbox"],
        None,
    );
    let recs = records(&out);
    assert_eq!(recs.len(), 3);
    assert!(recs.iter().all(|r| r["ip"] == "203.0.113.171"));
    assert_eq!(
        recs[0]["failures"],
        serde_json::Value::Null,
        "the warning only quotes the subject"
    );
}

#[test]
fn notices_become_event_records_only_with_events() {
    let (out, _, _) = run_in(&fixtures(), &["notice-started.eml"], None);
    assert_eq!(out, "");
    let (out, _, _) = run_in(&fixtures(), &["--events", "notice-started.eml"], None);
    let recs = records(&out);
    assert_eq!(recs[0]["event"], "start");
    assert!(recs[0].get("ip").is_none());
}

/// The records of a fixture with `src` removed, for comparing containers.
fn without_src(stdout: &str) -> Vec<serde_json::Value> {
    records(stdout)
        .into_iter()
        .map(|mut r| {
            r.as_object_mut().unwrap().remove("src");
            r
        })
        .collect()
}

#[test]
fn crlf_bare_cr_and_cr_cr_lf_line_endings_give_the_same_records() {
    let dir = tempfile::tempdir().unwrap();
    for name in [
        "postfix-dsn-whois.eml",
        "qmail-buffered-summary.eml",
        "exim-classic-0.9-from-host.eml",
        "relay-bounce-quoted-printable.eml",
    ] {
        let lf = fixture(name);
        let crlf = common::crlf(&lf);
        let cr: Vec<u8> = lf
            .iter()
            .map(|&b| if b == b'\n' { b'\r' } else { b })
            .collect();
        // A CRLF file converted to CRLF once more.
        let crcrlf = common::crlf(&lf)
            .iter()
            .flat_map(|&b| {
                if b == b'\r' {
                    vec![b'\r', b'\r']
                } else {
                    vec![b]
                }
            })
            .collect::<Vec<u8>>();
        fs::write(dir.path().join("crlf.eml"), crlf).unwrap();
        fs::write(dir.path().join("cr.eml"), cr).unwrap();
        fs::write(dir.path().join("crcrlf.eml"), crcrlf).unwrap();
        let (lf_out, ..) = run_in(&fixtures(), &[name], None);
        let (crlf_out, ..) = run_in(dir.path(), &["crlf.eml"], None);
        let (cr_out, ..) = run_in(dir.path(), &["cr.eml"], None);
        let (crcrlf_out, ..) = run_in(dir.path(), &["crcrlf.eml"], None);
        assert_eq!(
            without_src(&crcrlf_out),
            without_src(&lf_out),
            "{name} with CR CR LF"
        );
        assert_eq!(
            without_src(&crlf_out),
            without_src(&lf_out),
            "{name} with CRLF"
        );
        assert_eq!(
            without_src(&cr_out),
            without_src(&lf_out),
            "{name} with bare CR"
        );
    }
}

#[test]
fn an_mbox_with_bare_cr_line_endings_splits_as_with_lf() {
    let dir = tempfile::tempdir().unwrap();
    let lf = mbox_of(&SHAPES);
    let cr: Vec<u8> = lf
        .iter()
        .map(|&b| if b == b'\n' { b'\r' } else { b })
        .collect();
    fs::write(dir.path().join("lf.mbox"), &lf).unwrap();
    fs::write(dir.path().join("cr.mbox"), &cr).unwrap();
    let (lf_out, ..) = run_in(dir.path(), &["lf.mbox"], None);
    let (cr_out, cr_err, _) = run_in(dir.path(), &["cr.mbox"], None);
    assert_eq!(records(&lf_out).len(), 6);
    // Same records at the same offsets (the byte counts are the same).
    assert_eq!(cr_out.replace("cr.mbox", "lf.mbox"), lf_out, "{cr_err}");
}

#[test]
fn blank_lines_or_a_bom_before_the_first_from_line_keep_an_mbox_an_mbox() {
    let dir = tempfile::tempdir().unwrap();
    let mbox = mbox_of(&SHAPES);
    fs::write(dir.path().join("plain.mbox"), &mbox).unwrap();
    let (expected, ..) = run_in(dir.path(), &["plain.mbox"], None);
    assert_eq!(records(&expected).len(), 6);
    for lead in [&b"\n"[..], b"\r\n\n", b"  \n", b"\xef\xbb\xbf"] {
        let mut led = lead.to_vec();
        led.extend_from_slice(&mbox);
        fs::write(dir.path().join("led.mbox"), &led).unwrap();
        let (out, err, _) = run_in(dir.path(), &["led.mbox"], None);
        let got = records(&out);
        assert_eq!(got.len(), 6, "{lead:?}: {err}");
        // The offsets are the file's: shifted by the bytes before.
        let first = got[0]["src"].as_str().unwrap().to_string();
        assert_eq!(first, format!("led.mbox:{}", lead.len()), "{lead:?}");
        assert_eq!(without_src(&out), without_src(&expected), "{lead:?}");
    }
}

/// An mbox made of fixtures, each behind a From line.
fn mbox_of(names: &[&str]) -> Vec<u8> {
    let mut mbox = Vec::new();
    for name in names {
        mbox.extend_from_slice(b"From MAILER-DAEMON Wed Mar  2 16:12:13 2011\n");
        mbox.extend_from_slice(&fixture(name));
        mbox.push(b'\n');
    }
    mbox
}

const SHAPES: [&str; 4] = [
    "postfix-dsn-whois.eml",
    "qmail-buffered-summary.eml",
    "sendmail-unsent-0.10-ipv6.eml",
    "courier-dsn-base64-latin1.eml",
];

#[test]
fn maildir_mh_gzip_mbox_and_stdin_give_the_same_records() {
    let dir = tempfile::tempdir().unwrap();
    let (expected, ..) = run_in(&fixtures(), &SHAPES, None);
    let expected = without_src(&expected);
    assert_eq!(expected.len(), 6);

    let maildir = dir.path().join("Maildir");
    for sub in ["cur", "new", "tmp"] {
        fs::create_dir_all(maildir.join(sub)).unwrap();
    }
    for (i, name) in SHAPES.iter().enumerate() {
        let sub = if i < 2 { "cur" } else { "new" };
        fs::write(
            maildir.join(sub).join(format!("{i}.host:2,S")),
            fixture(name),
        )
        .unwrap();
    }
    fs::write(
        maildir.join("tmp/half-written"),
        b"Subject: [Fail2Ban] SSH: banned 192.0.2.99\n",
    )
    .unwrap();
    let (out, err, code) = run_in(dir.path(), &["Maildir"], None);
    assert_eq!(code, 0, "{err}");
    assert_eq!(without_src(&out), expected, "Maildir (tmp/ ignored)");

    let mh = dir.path().join("mh");
    fs::create_dir(&mh).unwrap();
    for (i, name) in SHAPES.iter().enumerate() {
        fs::write(mh.join(format!("{}", [10, 9, 100, 11][i])), fixture(name)).unwrap();
    }
    fs::write(mh.join(".mh_sequences"), b"unseen: 1-3\n").unwrap();
    let (out, ..) = run_in(dir.path(), &["mh"], None);
    let mh_order: Vec<serde_json::Value> = [1usize, 0, 3, 2]
        .iter()
        .flat_map(|&i| {
            let (o, ..) = run_in(&fixtures(), &[SHAPES[i]], None);
            without_src(&o)
        })
        .collect();
    assert_eq!(without_src(&out), mh_order, "MH files in numeric order");

    let mbox = mbox_of(&SHAPES);
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    gz.write_all(&mbox).unwrap();
    fs::write(dir.path().join("archive.mbox.gz"), gz.finish().unwrap()).unwrap();
    let (out, ..) = run_in(dir.path(), &["archive.mbox.gz"], None);
    assert_eq!(without_src(&out), expected, "gzip mbox");
    assert!(records(&out)[0]["src"]
        .as_str()
        .unwrap()
        .starts_with("archive.mbox.gz:0"));

    let (out, ..) = run_in(dir.path(), &[], Some(&mbox));
    assert_eq!(without_src(&out), expected, "mbox on stdin");
    assert_eq!(records(&out)[0]["src"], "stdin:0");

    fs::write(dir.path().join("list"), "Maildir\narchive.mbox.gz\n").unwrap();
    let (out, ..) = run_in(
        dir.path(),
        &["--keep-duplicates", "--files-from", "list"],
        None,
    );
    assert_eq!(
        records(&out).len(),
        12,
        "--files-from reads each listed path"
    );
    // A listed path is its whole line: a name may end in a space (a CRLF
    // list's CR is not part of it); a Unix name need not be UTF-8.
    fs::copy(
        dir.path().join("archive.mbox.gz"),
        dir.path().join("old archive "),
    )
    .unwrap();
    let mut list = b"# comment\r\nold archive \r\n".to_vec();
    #[cfg(unix)]
    {
        fs::copy(
            dir.path().join("archive.mbox.gz"),
            dir.path()
                .join(std::ffi::OsStr::from_bytes(b"caf\xe9.mbox.gz")),
        )
        .unwrap();
        list.extend(b"caf\xe9.mbox.gz\n");
    }
    fs::write(dir.path().join("list2"), list).unwrap();
    let (out, err, code) = run_in(
        dir.path(),
        &["--keep-duplicates", "--files-from", "list2"],
        None,
    );
    assert_eq!(code, 0, "{err}");
    assert_eq!(
        records(&out).len(),
        if cfg!(unix) { 12 } else { 6 },
        "names with spaces and bytes"
    );
}

#[test]
fn a_file_cut_from_an_mbox_is_split_from_its_first_from_line_on() {
    let dir = tempfile::tempdir().unwrap();
    let mbox = mbox_of(&SHAPES);
    let (expected, ..) = run_in(dir.path(), &[], Some(&mbox));
    let expected = records(&expected);
    // Cut inside the first message's body: the rest of that message is one
    // message without an envelope, and every later message is read as in
    // the whole mbox.
    for cut in [700, 900] {
        fs::write(dir.path().join("part.mbox"), &mbox[cut..]).unwrap();
        let (out, err, code) = run_in(dir.path(), &["part.mbox"], None);
        assert_eq!(code, 0, "{err}");
        let got = records(&out);
        let later: Vec<_> = expected.iter().filter(|r| r["src"] != "stdin:0").collect();
        assert!(got.len() >= later.len(), "cut at {cut}: {out}");
        let tail = &got[got.len() - later.len()..];
        for (g, e) in tail.iter().zip(&later) {
            assert_eq!(g["ip"], e["ip"], "cut at {cut}");
            let offset: u64 = e["src"].as_str().unwrap()["stdin:".len()..]
                .parse()
                .unwrap();
            assert_eq!(g["src"], format!("part.mbox:{}", offset - cut as u64));
        }
        let (read, written, with, skipped) = accounting(&err);
        assert_eq!(read, with + skipped, "{err}");
        assert!(written as usize >= later.len());
    }
    // A file that starts with headers is one message, whatever envelope
    // lines it holds (a bounce may keep those of its copies): here the whole
    // mbox less its first From line.
    let from_line = mbox.iter().position(|&b| b == b'\n').unwrap() + 1;
    fs::write(dir.path().join("one.eml"), &mbox[from_line..]).unwrap();
    let (_, err, code) = run_in(dir.path(), &["one.eml"], None);
    assert_eq!(code, 0, "{err}");
    assert_eq!(accounting(&err).0, 1, "{err}");
}

#[cfg(unix)]
#[test]
fn recursion_passes_over_fifos_broken_links_and_loops() {
    let dir = tempfile::tempdir().unwrap();
    let tree = dir.path().join("tree");
    fs::create_dir_all(tree.join("sub")).unwrap();
    fs::write(tree.join("a.eml"), fixture("postfix-dsn-whois.eml")).unwrap();
    fs::write(tree.join("sub/c.eml"), fixture("exim-truncated-copy.eml")).unwrap();
    let fifo = tree.join("b.fifo");
    assert!(std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .unwrap()
        .success());
    std::os::unix::fs::symlink("..", tree.join("sub/loop")).unwrap();
    std::os::unix::fs::symlink("/nonexistent/f2b", tree.join("dangling")).unwrap();
    // The first bytes of a bzip2 file: named, it is an error; found, passed over.
    fs::write(
        tree.join("notes.txt.bz2"),
        b"BZh91AY&SY\xc1\xc0\x80\xe2\x00\x00",
    )
    .unwrap();
    // A FIFO without a writer would block the run for ever.
    let out = assert_cmd::Command::cargo_bin("f2b-extract")
        .unwrap()
        .current_dir(dir.path())
        .args(["-r", "tree"])
        .timeout(std::time::Duration::from_secs(20))
        .output()
        .unwrap();
    let (stdout, stderr) = (
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr),
    );
    assert!(out.status.success(), "{stderr}");
    assert_eq!(records(&stdout).len(), 2, "{stderr}");
    for why in [
        "b.fifo: passed over",
        "dangling: passed over",
        "loop: passed over",
        "notes.txt.bz2: passed over: compressed with bzip2",
    ] {
        assert!(stderr.contains(why), "{why}: {stderr}");
    }
    assert_eq!(accounting(&stderr), (2, 2, 2, 0));
    // A directory named twice is read twice (it is no loop).
    fs::create_dir(dir.path().join("solo")).unwrap();
    fs::write(
        dir.path().join("solo/a.eml"),
        fixture("postfix-dsn-whois.eml"),
    )
    .unwrap();
    let (out, err, code) = run_in(
        dir.path(),
        &["--keep-duplicates", "-r", "solo", "solo"],
        None,
    );
    assert_eq!((code, records(&out).len()), (0, 2), "{err}");
    let (_, err, code) = run_in(dir.path(), &["tree/notes.txt.bz2"], None);
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("compressed with bzip2"), "{err}");
}

#[test]
fn a_plain_directory_needs_recursive() {
    let dir = tempfile::tempdir().unwrap();
    fs::create_dir(dir.path().join("mail")).unwrap();
    fs::write(
        dir.path().join("mail/a.eml"),
        fixture("postfix-dsn-whois.eml"),
    )
    .unwrap();
    let (_, err, code) = run_in(dir.path(), &["mail"], None);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("use -r"), "{err}");
    let (out, _, code) = run_in(dir.path(), &["-r", "mail"], None);
    assert_eq!((code, records(&out).len()), (0, 1));
    // Named after a mailbox, it is refused before anything is written.
    fs::write(dir.path().join("a.eml"), fixture("postfix-dsn-whois.eml")).unwrap();
    let (out, err, code) = run_in(dir.path(), &["a.eml", "mail"], None);
    assert_eq!((code, out.as_str()), (2, ""), "{err}");
}

/// An output that the run reads is refused before it is opened (named
/// through --files-from, or inside a directory read with -r); a new output
/// inside such a directory is passed over, never read as mail.
#[test]
fn outputs_the_run_reads_are_refused_or_passed_over() {
    let dir = tempfile::tempdir().unwrap();
    fs::create_dir(dir.path().join("arch")).unwrap();
    let mbox = mbox_of(&["postfix-dsn-whois.eml"]);
    fs::write(dir.path().join("arch/a.mbox"), &mbox).unwrap();
    fs::write(dir.path().join("list.txt"), "arch/a.mbox\n").unwrap();
    let (_, err, code) = run_in(
        dir.path(),
        &["--files-from", "list.txt", "-o", "arch/a.mbox"],
        None,
    );
    assert_eq!(code, 2, "{err}");
    let (_, err, code) = run_in(
        dir.path(),
        &["-r", "arch", "--rejects", "arch/a.mbox"],
        None,
    );
    assert_eq!(code, 2, "{err}");
    assert_eq!(fs::read(dir.path().join("arch/a.mbox")).unwrap(), mbox);
    let (_, err, code) = run_in(dir.path(), &["-r", "arch", "-o", "arch/out.ndjson"], None);
    assert_eq!(code, 0, "{err}");
    assert!(
        err.contains("arch/out.ndjson: passed over: the run's own output"),
        "{err}"
    );
    assert_eq!(accounting(&err).0, 1, "{err}");
}

#[test]
fn jobs_beyond_the_limit_are_a_usage_error() {
    let (_, err, code) = run_in(
        &fixtures(),
        &["-j", "99999999999", "bounce-of-bounce.eml"],
        None,
    );
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("1..=256"), "{err}");
    let (_, err, code) = run_in(&fixtures(), &["-j", "0", "bounce-of-bounce.eml"], None);
    assert_eq!(code, 2, "{err}");
}

#[test]
fn missing_input_is_an_error_naming_it() {
    let (_, err, code) = run_in(&fixtures(), &["no-such.mbox"], None);
    assert_eq!(code, 1);
    assert!(err.contains("no-such.mbox"), "{err}");
}

#[test]
fn parallel_output_is_in_input_order_and_equals_one_thread() {
    let dir = tempfile::tempdir().unwrap();
    let names: Vec<&str> = fixture_names()
        .leak()
        .iter()
        .map(String::as_str)
        .filter(|n| n.ends_with(".eml"))
        .collect();
    let mut mbox = Vec::new();
    for _ in 0..200 {
        mbox.extend(mbox_of(&names));
    }
    fs::write(dir.path().join("big.mbox"), &mbox).unwrap();
    let (one, ..) = run_in(
        dir.path(),
        &["-j", "1", "--keep-duplicates", "big.mbox"],
        None,
    );
    let (four, ..) = run_in(
        dir.path(),
        &["-j", "4", "--keep-duplicates", "big.mbox"],
        None,
    );
    assert!(one.lines().count() > 2000);
    assert_eq!(one, four);
}

#[test]
fn closed_stdout_ends_quietly_with_status_zero() {
    let dir = tempfile::tempdir().unwrap();
    let mut mbox = Vec::new();
    for _ in 0..3000 {
        mbox.extend(mbox_of(&SHAPES));
    }
    fs::write(dir.path().join("big.mbox"), &mbox).unwrap();
    let mut child = extract()
        .current_dir(dir.path())
        .args(["--keep-duplicates", "big.mbox"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdout = child.stdout.take().unwrap();
    let mut first = [0u8; 64];
    stdout.read_exact(&mut first).unwrap();
    drop(stdout);
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(String::from_utf8_lossy(&out.stderr), "");
}

#[test]
fn hostile_mail_is_skipped_or_read_never_a_crash() {
    let dir = tempfile::tempdir().unwrap();
    let mut mbox = Vec::new();
    let from = b"From x Wed Mar  2 16:12:13 2011\n";
    // Thousands of nested multiparts.
    mbox.extend_from_slice(from);
    mbox.extend_from_slice(b"Subject: nest\n");
    for i in 0..3000 {
        mbox.extend_from_slice(
            format!("Content-Type: multipart/mixed; boundary=\"b{i}\"\n\n--b{i}\n").as_bytes(),
        );
    }
    mbox.extend_from_slice(b"\n");
    // Binary junk and NULs.
    mbox.extend_from_slice(from);
    mbox.extend(
        (0..20_000u32)
            .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
            .filter(|&b| b != b'\n'),
    );
    mbox.extend_from_slice(b"\n\n");
    // A header of a megabyte, and a subject with a megabyte of addresses.
    mbox.extend_from_slice(from);
    mbox.extend_from_slice(b"X-Long: ");
    mbox.extend(std::iter::repeat_n(b'a', 1 << 20));
    mbox.extend_from_slice(b"\nSubject: [Fail2Ban] SSH: banned ");
    for i in 0..50_000 {
        mbox.extend_from_slice(format!("192.0.{}.{} ", i % 250, i % 200).as_bytes());
    }
    mbox.extend_from_slice(b"\n\n");
    // Nothing but a From line.
    mbox.extend_from_slice(from);
    // A good report after all that.
    mbox.extend(mbox_of(&["postfix-dsn-whois.eml"]));
    fs::write(dir.path().join("hostile.mbox"), &mbox).unwrap();
    let (out, err, code) = run_in(dir.path(), &["hostile.mbox"], None);
    assert_eq!(code, 0, "{err}");
    let (read, _, from, skipped) = accounting(&err);
    assert_eq!(read, 5, "{err}");
    assert_eq!(read, from + skipped);
    assert!(
        out.contains("\"ip\":\"203.0.113.7\""),
        "the good report after the junk is read"
    );
}

/// Found by fuzz target `extract_message` (tests/regressions/): a mangled
/// Courier DSN trips an internal assertion of the MIME parser (a panic in
/// debug builds). The message is skipped as unreadable and the run goes on.
#[test]
fn fuzz_extract_message_mime_part_id_is_skipped_not_a_crash() {
    let dir = tempfile::tempdir().unwrap();
    let crash = fs::read(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/regressions/fuzz-extract_message-mime-part-id.eml"),
    )
    .unwrap();
    let mut mbox = b"From x Wed Mar  2 16:12:13 2011\n".to_vec();
    mbox.extend_from_slice(&crash);
    mbox.extend(mbox_of(&["postfix-dsn-whois.eml"]));
    fs::write(dir.path().join("crash.mbox"), &mbox).unwrap();
    let (out, err, code) = run_in(
        dir.path(),
        &["-j1", "--rejects", "rejects.ndjson", "crash.mbox"],
        None,
    );
    assert_eq!(code, 0, "{err}");
    let (read, _, from, skipped) = accounting(&err);
    assert_eq!((read, from, skipped), (2, 1, 1), "{err}");
    assert!(out.contains("\"ip\":\"203.0.113.7\""));
    let rejects = fs::read_to_string(dir.path().join("rejects.ndjson")).unwrap();
    // The panic inside mail-parser is an arithmetic overflow, which only
    // debug builds check: a release build reads on and finds no report.
    let reason = if cfg!(debug_assertions) {
        "\"unreadable\""
    } else {
        "\"not-fail2ban\""
    };
    assert!(
        rejects.contains("crash.mbox:0") && rejects.contains(reason),
        "{rejects}"
    );
}

/// Splits the warning-then-failure mbox into one file per message.
fn split_mbox(dir: &Path, name: &str) -> Vec<String> {
    let mbox = fixture(name);
    let mut starts: Vec<usize> = vec![0];
    starts.extend(
        mbox.windows(6)
            .enumerate()
            .filter(|(_, w)| w == b"\nFrom ")
            .map(|(i, _)| i + 1),
    );
    starts.push(mbox.len());
    let mut files = Vec::new();
    for (n, w) in starts.windows(2).enumerate() {
        let file = format!("part{n}.mbox");
        fs::write(dir.join(&file), &mbox[w[0]..w[1]]).unwrap();
        files.push(file);
    }
    files
}

#[test]
fn shards_with_context_give_exactly_the_records_of_one_run() {
    let dir = tempfile::tempdir().unwrap();
    let files = split_mbox(dir.path(), "warning-then-failure.mbox");
    assert!(files.len() >= 3, "{files:?}");
    let one: Vec<&str> = files.iter().map(String::as_str).collect();
    let (single, err, _) = run_in(dir.path(), &one, None);
    let single_counts = accounting(&err);

    let mut with_context = String::new();
    let mut without = String::new();
    let mut counts = (0, 0, 0, 0);
    for (i, file) in files.iter().enumerate() {
        let mut args = vec![file.as_str()];
        if i > 0 {
            args.extend(["--context-before", &files[i - 1]]);
        }
        if i + 1 < files.len() {
            args.extend(["--context-after", &files[i + 1]]);
        }
        let (out, err, code) = run_in(dir.path(), &args, None);
        assert_eq!(code, 0, "{err}");
        with_context.push_str(&out);
        let c = accounting(&err);
        counts = (
            counts.0 + c.0,
            counts.1 + c.1,
            counts.2 + c.2,
            counts.3 + c.3,
        );
        without.push_str(&run_in(dir.path(), &[file], None).0);
    }
    let sorted = |s: &str| {
        let mut v: Vec<String> = s.lines().map(String::from).collect();
        v.sort();
        v
    };
    assert_eq!(sorted(&with_context), sorted(&single));
    assert_eq!(
        counts, single_counts,
        "the shards' summaries add up to one run's"
    );
    assert!(
        without.lines().count() > single.lines().count(),
        "without context a shard cannot know the warning was settled"
    );
}

#[test]
fn a_mailbox_cannot_be_its_own_context() {
    let dir = fixtures();
    let (_, err, code) = run_in(
        &dir,
        &[
            "warning-then-failure.mbox",
            "--context-before",
            "./warning-then-failure.mbox",
        ],
        None,
    );
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("both a mailbox to read and context"), "{err}");
}
