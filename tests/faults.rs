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

/// `sh -c SCRIPT` with `args` as `$1`... (`$0` is `sh`), from the workspace
/// root, the binaries first on the PATH; returns (stdout, stderr, exit code).
fn sh(script: &str, args: &[&str]) -> (Vec<u8>, String, Option<i32>) {
    let path = format!(
        "{}:{}",
        bin_dir().display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let out = Command::new("sh")
        .args(["-c", script, "sh"])
        .args(args)
        .env("PATH", path)
        .current_dir(common::root())
        .stdin(Stdio::null())
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(!stderr.contains("panicked"), "{script}: {stderr}");
    (out.stdout, stderr, out.status.code())
}

/// `count` messages that are not Fail2Ban reports: each one a skip, and a
/// line in `--rejects`.
fn other_mail(count: usize) -> String {
    (0..count)
        .map(|i| {
            format!("From a@example.org Mon Jan  3 10:00:00 2011\nSubject: note {i}\n\nhello\n\n")
        })
        .collect()
}

#[test]
fn an_output_naming_an_input_is_refused_and_the_input_kept() {
    let s = sample();
    let dir = tempfile::tempdir().unwrap();
    let file = |name: &str, bytes: &[u8]| {
        let path = dir.path().join(name);
        fs::write(&path, bytes).unwrap();
        path.to_str().unwrap().to_string()
    };
    let ndjson = file("in.ndjson", records(10).as_bytes());
    let mbox = file("in.mbox", other_mail(3).as_bytes());
    let digest = file(
        "digest.json",
        &common::stage("f2b-agg", &["-q"], records(10).as_bytes()),
    );
    let db = s.data.join("sample-city.mmdb");
    let db_copy = file("city.mmdb", &fs::read(&db).unwrap());
    let geo = geo_args(s).join(" ");
    let asn = asn_args(s).join(" ");
    let runs = [
        format!("f2b-geo {geo} {ndjson} -o {ndjson}"),
        format!("f2b-asn {asn} {ndjson} -o {ndjson}"),
        format!("f2b-anon {ndjson} -o {ndjson}"),
        format!("f2b-agg {ndjson} -o {ndjson}"),
        format!("f2b-agg --merge {digest} --output={digest}"),
        format!("f2b-report {digest} -o {digest}"),
        format!("f2b-extract {mbox} -o {mbox}"),
        format!("f2b-extract {mbox} --rejects {mbox}"),
        format!("f2b-geo {geo} --skip-bad --rejects {ndjson} {ndjson} -o /dev/null"),
        format!("f2b-geo -q --db {db_copy} {ndjson} -o {db_copy}"),
        format!("f2b-anon -o {ndjson} < {ndjson}"),
        format!("f2b-anon - -o {ndjson} < {ndjson}"),
    ];
    let before: Vec<Vec<u8>> = [&ndjson, &mbox, &digest, &db_copy]
        .iter()
        .map(|p| fs::read(p).unwrap())
        .collect();
    for run in &runs {
        let (_, err, code) = sh(run, &[]);
        assert_eq!(code, Some(2), "{run}: {err}");
        assert!(err.contains("is also an input"), "{run}: {err}");
        let now: Vec<Vec<u8>> = [&ndjson, &mbox, &digest, &db_copy]
            .iter()
            .map(|p| fs::read(p).unwrap())
            .collect();
        assert!(now == before, "{run}: an input was changed");
    }
    // Rejected lines never mix with the records.
    for run in [
        format!("f2b-anon --skip-bad --rejects - {ndjson}"),
        format!(
            "f2b-anon --skip-bad --rejects {dir}/r -o {dir}/r {ndjson}",
            dir = dir.path().display()
        ),
    ] {
        let (_, err, code) = sh(&run, &[]);
        assert_eq!(code, Some(2), "{run}: {err}");
        assert!(err.contains("--rejects"), "{run}: {err}");
    }
}

#[test]
fn a_closed_rejects_pipe_is_an_error_naming_it_not_a_quiet_end() {
    let s = sample();
    let dir = tempfile::tempdir().unwrap();
    let interleaved: String = records(20_000)
        .lines()
        .enumerate()
        .map(|(i, r)| format!("{r}\n[\"bad line {i}\"]\n"))
        .collect();
    let ndjson = dir.path().join("interleaved.ndjson");
    fs::write(&ndjson, interleaved).unwrap();
    let mbox = dir.path().join("other.mbox");
    fs::write(&mbox, other_mail(5_000)).unwrap();
    let fifo = dir.path().join("rejects.fifo");
    assert!(Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .unwrap()
        .success());
    let (ndjson, mbox, fifo_arg) = (
        ndjson.to_str().unwrap(),
        mbox.to_str().unwrap(),
        fifo.to_str().unwrap(),
    );
    let skip = ["--skip-bad", "--rejects", fifo_arg, ndjson];
    let geo = geo_args(s);
    let runs: [(&str, Vec<&str>); 3] = [
        ("f2b-geo", [strs(&geo), skip.to_vec()].concat()),
        ("f2b-agg", skip.to_vec()),
        ("f2b-extract", vec!["--rejects", fifo_arg, mbox]),
    ];
    for (bin, mut args) in runs {
        // A reader that takes a little and goes away.
        let fifo = fifo.clone();
        let reader = std::thread::spawn(move || {
            let mut head = [0u8; 100];
            File::open(fifo).unwrap().read_exact(&mut head).unwrap();
        });
        args.extend(["-o", "/dev/null"]);
        let (_, err, code) = run(bin, &args, Stdio::null());
        reader.join().unwrap();
        assert_eq!(code, Some(1), "{bin}: {err}");
        assert!(
            err.contains("rejects.fifo") && err.contains("Broken pipe"),
            "{bin}: {err}"
        );
    }
}

#[test]
fn help_and_version_on_a_full_disk_are_errors() {
    let bins = [
        "f2b-extract",
        "f2b-geo",
        "f2b-asn",
        "f2b-anon",
        "f2b-agg",
        "f2b-report",
        "f2b-sample",
    ];
    for bin in bins {
        for flag in ["--help", "--version"] {
            let full = Stdio::from(File::options().write(true).open("/dev/full").unwrap());
            let (_, err, code) = run(bin, &[flag], full);
            assert_eq!(code, Some(1), "{bin} {flag}: {err}");
            assert!(err.contains("No space left"), "{bin} {flag}: {err}");
        }
    }
}

#[test]
fn a_full_disk_leaves_the_output_file_at_a_record_boundary() {
    let s = sample();
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("in.ndjson");
    fs::write(&input, records(20_000)).unwrap();
    let (input, out) = (input.to_str().unwrap(), dir.path().join("out"));
    let geo = geo_args(s).join(" ");
    // A file size limit (SIGXFSZ ignored) fails a write part-way, as a full
    // disk does: -o FILE and stdout on a file.
    let runs = [
        format!("f2b-geo {geo} {input} -o {}", out.display()),
        format!("f2b-anon {input} > {}", out.display()),
        format!("f2b-extract -r data/sample/mail -o {}", out.display()),
    ];
    for run in &runs {
        let _ = fs::remove_file(&out);
        let (_, err, code) = sh(&format!("trap '' XFSZ; ulimit -f 64 && {run}"), &[]);
        assert_eq!(code, Some(1), "{run}: {err}");
        assert!(err.contains("File too large"), "{run}: {err}");
        let written = fs::read(&out).unwrap();
        assert!(!written.is_empty(), "{run}");
        assert!(written.ends_with(b"\n"), "{run}: half a record at the end");
        // f2b-extract's summary counts only the records that reached the file.
        if let Some(at) = err.find(" records written") {
            let claimed = err[..at].rsplit(' ').next().unwrap();
            assert_eq!(claimed, memchr_count(&written).to_string(), "{run}: {err}");
        }
    }
}

#[test]
fn a_byte_order_mark_at_the_start_of_an_input_is_skipped() {
    let s = sample();
    let plain = records(20);
    let marked = [b"\xef\xbb\xbf".as_slice(), plain.as_bytes()].concat();
    let stages: [(&str, Vec<String>); 4] = [
        ("f2b-geo", geo_args(s)),
        ("f2b-asn", asn_args(s)),
        ("f2b-anon", vec!["-q".into()]),
        ("f2b-agg", vec!["-q".into()]),
    ];
    for (bin, args) in stages {
        let args = strs(&args);
        assert_eq!(
            common::stage(bin, &args, &marked),
            common::stage(bin, &args, plain.as_bytes()),
            "{bin}"
        );
    }
}
