//! Faults, each binary as a user runs it: a truncated `.gz`, a full disk, a
//! data file corrupt or replaced mid-run, a stream far larger than the memory
//! a stage uses, invalid UTF-8 among good records. Each ends in a clear
//! answer, never a panic, and nothing read before the fault is lost.

mod common;

use std::fs::{self, File};
use std::io::{Read, Write};
use std::process::{Child, Command, Stdio};

use common::{asn_args, bin_dir, geo_args, sample, strs};

/// Runs `bin args` on nothing; returns (stdout, stderr, exit code).
fn run(bin: &str, args: &[&str], stdout: Stdio) -> (Vec<u8>, String, Option<i32>) {
    let out = Command::new(bin_dir().join(bin))
        .args(args)
        .stdin(Stdio::null())
        .stdout(stdout)
        .stderr(Stdio::piped())
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(!stderr.contains("panicked"), "{bin} panicked: {stderr}");
    (out.stdout, stderr, out.status.code())
}

fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    gz.write_all(bytes).unwrap();
    gz.finish().unwrap()
}

/// The whole lines a gzip reader gets out of `gz` before it fails.
fn whole_lines_before_the_cut(gz: &[u8]) -> usize {
    let mut decoder = flate2::read::MultiGzDecoder::new(gz);
    let mut text = Vec::new();
    let mut chunk = [0u8; 4096];
    while let Ok(n @ 1..) = decoder.read(&mut chunk) {
        text.extend_from_slice(&chunk[..n]);
    }
    memchr_count(&text)
}

fn memchr_count(bytes: &[u8]) -> usize {
    bytes.iter().filter(|&&b| b == b'\n').count()
}

fn records(n: usize) -> String {
    (0..n)
        .map(|i| {
            format!(
                "{{\"ts\":\"2011-07-04T10:34:58Z\",\"ip\":\"198.51.{}.{}\",\"jail\":\"ssh\",\"service\":\"ssh\",\"n\":{i}}}\n",
                i % 250,
                i % 199
            )
        })
        .collect()
}

#[test]
fn truncated_gzip_writes_what_was_read_and_names_the_file_and_offset() {
    let s = sample();
    let dir = tempfile::tempdir().unwrap();
    let gz = gzip(records(60_000).as_bytes());
    let cut = &gz[..gz.len() * 2 / 3];
    let path = dir.path().join("cut.ndjson.gz");
    fs::write(&path, cut).unwrap();
    let expected = whole_lines_before_the_cut(cut);
    assert!(expected > 1000);
    let path = path.to_str().unwrap();
    let stages: [(&str, Vec<String>); 3] = [
        ("f2b-geo", geo_args(s)),
        ("f2b-asn", asn_args(s)),
        ("f2b-anon", vec!["-q".into()]),
    ];
    for (bin, args) in stages {
        let mut args = strs(&args);
        args.push(path);
        let (out, err, code) = run(bin, &args, Stdio::piped());
        assert_eq!(code, Some(1), "{bin}: {err}");
        assert!(
            err.contains("cut.ndjson.gz: line ")
                && err.contains(", byte ")
                && err.contains("truncated"),
            "{bin}: {err}"
        );
        assert_eq!(
            memchr_count(&out),
            expected,
            "{bin} lost records read before the cut"
        );
        assert!(out.ends_with(b"\n"), "{bin} wrote a record half");
    }
    // f2b-agg's digest of part of the input would mislead: it writes nothing.
    let (out, err, code) = run("f2b-agg", &["-q", path], Stdio::piped());
    assert_eq!((code, out.len()), (Some(1), 0), "{err}");

    // f2b-extract: every message read before the cut is processed and counted.
    let message =
        fs::read(common::root().join("crates/f2b-extract/tests/fixtures/postfix-dsn-whois.eml"))
            .unwrap();
    let mut mbox = Vec::new();
    for i in 0..400 {
        mbox.extend_from_slice(format!("From x Wed Mar  2 16:{:02}:13 2011\n", i % 60).as_bytes());
        mbox.extend_from_slice(&message);
    }
    let gz = gzip(&mbox);
    let cut = &gz[..gz.len() / 2];
    let path = dir.path().join("cut.mbox.gz");
    fs::write(&path, cut).unwrap();
    let mut text = Vec::new();
    let _ = flate2::read::MultiGzDecoder::new(cut).read_to_end(&mut text);
    let from_lines = text
        .split(|&b| b == b'\n')
        .filter(|l| l.starts_with(b"From x"))
        .count();
    for jobs in ["-j1", "-j2"] {
        let (out, err, code) = run(
            "f2b-extract",
            &[jobs, "--keep-duplicates", path.to_str().unwrap()],
            Stdio::piped(),
        );
        assert_eq!(code, Some(1), "{err}");
        assert!(
            err.contains("cut.mbox.gz: byte ") && err.contains("truncated"),
            "{err}"
        );
        assert!(
            err.contains(&format!("{from_lines} messages read")),
            "every message begun before the cut is counted ({from_lines}): {err}"
        );
        assert!(
            memchr_count(&out) + 1 >= from_lines,
            "{jobs}: {} records",
            memchr_count(&out)
        );
    }
}

#[test]
fn a_full_disk_is_an_error_with_a_message_not_a_panic() {
    let s = sample();
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("in.ndjson");
    fs::write(&input, records(20_000)).unwrap();
    let input = input.to_str().unwrap().to_string();
    let full = || Stdio::from(File::options().write(true).open("/dev/full").unwrap());
    let mut runs: Vec<(&str, Vec<String>)> = vec![
        ("f2b-extract", vec!["-r".into(), "data/sample/mail".into()]),
        ("f2b-geo", geo_args(s)),
        ("f2b-asn", asn_args(s)),
        ("f2b-anon", vec![]),
        ("f2b-anon", vec!["--csv".into()]),
        ("f2b-agg", vec![]),
    ];
    for (_, args) in &mut runs[1..] {
        args.push(input.clone());
    }
    for (bin, args) in &runs {
        let mut cmd = Command::new(bin_dir().join(bin));
        let out = cmd
            .args(args)
            .current_dir(common::root())
            .stdout(full())
            .stderr(Stdio::piped())
            .output()
            .unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{bin} {args:?}: {err}");
        assert!(
            err.contains("cannot write stdout") && err.contains("No space left"),
            "{bin}: {err}"
        );
        assert!(!err.contains("panicked"), "{bin}: {err}");
    }
}

#[test]
fn corrupt_or_missing_data_files_are_clear_errors_naming_them() {
    let dir = tempfile::tempdir().unwrap();
    let junk = dir.path().join("GeoLite2-City.mmdb");
    fs::write(&junk, b"<html>404 Not Found</html>\n").unwrap();
    let (_, err, code) = run("f2b-geo", &["--db", junk.to_str().unwrap()], Stdio::piped());
    assert_eq!(code, Some(1), "{err}");
    assert!(
        err.contains("GeoLite2-City.mmdb") && err.contains("not a readable MaxMind DB"),
        "{err}"
    );

    // A database cut short, as by an interrupted download.
    let s = sample();
    let whole = fs::read(s.data.join("sample-city.mmdb")).unwrap();
    let cut = dir.path().join("cut.mmdb");
    fs::write(&cut, &whole[..whole.len() / 3]).unwrap();
    let (_, err, code) = run("f2b-geo", &["--db", cut.to_str().unwrap()], Stdio::piped());
    assert_eq!(code, Some(1), "{err}");
    assert!(err.contains("cut.mmdb"), "{err}");

    // A prefix2as download cut short.
    let pfx = fs::read(s.data.join("routeviews-rv2-20110101-1200.pfx2as.gz")).unwrap();
    let cut = dir.path().join("routeviews-rv2-20110101-1200.pfx2as.gz");
    fs::write(&cut, &pfx[..pfx.len() / 2]).unwrap();
    let (_, err, code) = run(
        "f2b-asn",
        &["--no-names", "--pfx2as", cut.to_str().unwrap()],
        Stdio::piped(),
    );
    assert_eq!(code, Some(1), "{err}");
    assert!(
        err.contains("routeviews-rv2-20110101-1200.pfx2as.gz: line ") && err.contains("truncated"),
        "{err}"
    );

    // Names that are not a CIDR Report page at all, and a missing file.
    let names = dir.path().join("autnums.html");
    fs::write(&names, [0u8, 159, 146, 150, 255, 10].repeat(100)).unwrap();
    let (_, err, code) = run(
        "f2b-asn",
        &[
            "--names",
            names.to_str().unwrap(),
            "--pfx2as",
            s.data
                .join("routeviews-rv2-20110101-1200.pfx2as.gz")
                .to_str()
                .unwrap(),
        ],
        Stdio::piped(),
    );
    assert_eq!(code, Some(1), "{err}");
    assert!(err.contains("autnums.html: not one valid row"), "{err}");
    let (_, err, code) = run(
        "f2b-geo",
        &["--db", "/nonexistent/City.mmdb"],
        Stdio::piped(),
    );
    assert_eq!(code, Some(1), "{err}");
    assert!(err.contains("/nonexistent/City.mmdb"), "{err}");
}

/// Starts `bin` with a piped stdin and stdout (drained by a thread).
fn start(bin: &str, args: &[&str]) -> (Child, std::thread::JoinHandle<Vec<u8>>) {
    let mut child = Command::new(bin_dir().join(bin))
        .args(args)
        .current_dir(common::root())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdout = child.stdout.take().unwrap();
    let drain = std::thread::spawn(move || {
        let mut out = Vec::new();
        stdout.read_to_end(&mut out).unwrap();
        out
    });
    (child, drain)
}

#[test]
fn a_database_replaced_during_the_run_does_not_disturb_it() {
    // geoipupdate and package managers rename a new file over the old one.
    let s = sample();
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("City.mmdb");
    fs::copy(s.data.join("sample-city.mmdb"), &db).unwrap();
    let input: Vec<u8> = s.records.clone();
    let half = input.len() / 2;
    let half = half + input[half..].iter().position(|&b| b == b'\n').unwrap() + 1;

    let reference = {
        let (mut child, drain) = start("f2b-geo", &["-q", "--db", db.to_str().unwrap()]);
        child.stdin.take().unwrap().write_all(&input).unwrap();
        assert!(child.wait().unwrap().success());
        drain.join().unwrap()
    };
    let (mut child, drain) = start("f2b-geo", &["-q", "--db", db.to_str().unwrap()]);
    let mut stdin = child.stdin.take().unwrap();
    stdin.write_all(&input[..half]).unwrap();
    stdin.flush().unwrap();
    std::thread::sleep(std::time::Duration::from_millis(200));
    let new = dir.path().join("City.mmdb.new");
    fs::write(&new, b"not a database at all").unwrap();
    fs::rename(&new, &db).unwrap();
    stdin.write_all(&input[half..]).unwrap();
    drop(stdin);
    assert!(child.wait().unwrap().success());
    assert_eq!(drain.join().unwrap(), reference);
}

/// The peak resident memory of a running process, in kB.
fn peak_rss_kb(pid: u32) -> u64 {
    let status = fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches(" kB").trim().parse().ok())
        .unwrap()
}

/// Feeds `chunk` to a stage `rounds` times; returns its peak memory after the
/// first 8 rounds and at the end.
fn peak_memory_while_streaming(
    bin: &str,
    args: &[&str],
    chunk: &[u8],
    rounds: usize,
) -> (u64, u64) {
    let (mut child, drain) = start(bin, args);
    let pid = child.id();
    let mut stdin = child.stdin.take().unwrap();
    let mut early = 0;
    for round in 0..rounds {
        stdin.write_all(chunk).unwrap();
        if round == 7 {
            stdin.flush().unwrap();
            std::thread::sleep(std::time::Duration::from_millis(300));
            early = peak_rss_kb(pid);
        }
    }
    stdin.flush().unwrap();
    std::thread::sleep(std::time::Duration::from_millis(300));
    let late = peak_rss_kb(pid);
    drop(stdin);
    assert!(child.wait().unwrap().success(), "{bin}");
    let out = drain.join().unwrap();
    assert!(!out.is_empty());
    (early, late)
}

#[test]
fn streams_far_larger_than_a_stage_run_in_constant_memory() {
    let s = sample();
    let chunk = records(20_000); // 2.2 MB a round
    let stages: [(&str, Vec<String>); 4] = [
        ("f2b-geo", geo_args(s)),
        ("f2b-asn", asn_args(s)),
        ("f2b-anon", vec!["-q".into()]),
        ("f2b-agg", vec!["-q".into()]),
    ];
    for (bin, args) in stages {
        let (early, late) = peak_memory_while_streaming(bin, &strs(&args), chunk.as_bytes(), 40);
        assert!(
            late <= early + 4096,
            "{bin}: peak memory grew from {early} kB after 18 MB to {late} kB after 90 MB"
        );
    }
    // Mail: the same month of reports again and again (--keep-duplicates, so
    // that even the duplicate filter's memory is not what is measured).
    let mbox = fs::read(common::root().join("data/sample/mail/2010-06.mbox")).unwrap();
    let (early, late) = peak_memory_while_streaming(
        "f2b-extract",
        &["-q", "--keep-duplicates", "-j2"],
        &mbox,
        40,
    );
    assert!(
        late <= early + 8192,
        "f2b-extract: peak memory grew from {early} kB to {late} kB"
    );
}

#[test]
fn invalid_utf8_lines_among_records_are_counted_and_kept_byte_for_byte() {
    let s = sample();
    let good = records(50);
    let mut input = Vec::new();
    let mut bad_lines = Vec::new();
    for (i, line) in good.lines().enumerate() {
        input.extend_from_slice(line.as_bytes());
        input.push(b'\n');
        if i % 7 == 3 {
            let bad = [
                b"{\"ip\":\"192.0.2.1\",\"x\":\"".as_slice(),
                &[0xff, 0xfe, i as u8 | 0x80, 0xc3],
                b"\"}",
            ]
            .concat();
            input.extend_from_slice(&bad);
            input.push(b'\n');
            bad_lines.push(bad);
        }
    }
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("mixed.ndjson");
    fs::write(&path, &input).unwrap();
    let path = path.to_str().unwrap();
    let stages: [(&str, Vec<String>); 4] = [
        ("f2b-geo", geo_args(s)),
        ("f2b-asn", asn_args(s)),
        ("f2b-anon", vec![]),
        ("f2b-agg", vec![]),
    ];
    for (bin, args) in stages {
        // Without --skip-bad: the first such line stops the run, named.
        let mut plain = strs(&args);
        plain.push(path);
        let (_, err, code) = run(bin, &plain, Stdio::piped());
        assert_eq!(code, Some(1), "{bin}: {err}");
        assert!(err.contains("mixed.ndjson: line 5:"), "{bin}: {err}");

        let rejects = dir.path().join(format!("{bin}.rejects"));
        let mut skip: Vec<&str> = strs(&args).into_iter().filter(|a| *a != "-q").collect();
        let rejects_arg = rejects.to_str().unwrap().to_string();
        skip.extend(["--skip-bad", "--rejects", &rejects_arg, path]);
        let (out, err, code) = run(bin, &skip, Stdio::piped());
        assert_eq!(code, Some(0), "{bin}: {err}");
        assert!(
            err.contains(&format!("{} bad", bad_lines.len())),
            "{bin}: {err}"
        );
        if bin != "f2b-agg" {
            assert_eq!(memchr_count(&out), 50, "{bin}");
        }
        let kept: Vec<Vec<u8>> = fs::read_to_string(&rejects)
            .unwrap()
            .lines()
            .map(|l| {
                let v: serde_json::Value = serde_json::from_str(l).unwrap();
                let hex = v["hex"].as_str().expect("non-UTF-8 lines are kept as hex");
                (0..hex.len() / 2)
                    .map(|i| u8::from_str_radix(&hex[2 * i..2 * i + 2], 16).unwrap())
                    .collect()
            })
            .collect();
        assert_eq!(
            kept, bad_lines,
            "{bin}: rejects are the bad lines, byte for byte"
        );
    }
}
