//! Helpers shared by the integration tests: the binary, fixtures, and the leak
//! scanner used by the security tests.

#![allow(dead_code)]

use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use f2b_anon::pseudonym::{Key, Pseudonymizer};
use f2b_anon::{Anonymizer, Options, Report};
use f2b_core::output::RecordWriter;
use f2b_core::Record;
use predicates::prelude::*;
use predicates::str::RegexPredicate;

/// The f2b-anon binary under test.
pub fn bin() -> assert_cmd::Command {
    assert_cmd::Command::new(env!("CARGO_BIN_EXE_f2b-anon"))
}

/// A fixture file of this crate.
pub fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

/// Every column f2b-anon may write.
pub const ALL_COLUMNS: [&str; 13] = [
    "date",
    "country",
    "region",
    "city",
    "asn",
    "service",
    "as_name",
    "jail",
    "hour",
    "failures",
    "reporter_country",
    "reporter_id",
    "attacker_id",
];

#[derive(Clone, Default)]
struct Shared(Arc<Mutex<Vec<u8>>>);

impl std::io::Write for Shared {
    fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(b);
        Ok(b.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Runs the library on NDJSON lines in memory, with `key` for pseudonyms.
pub fn anonymize(lines: &[String], options: Options, key: Option<&[u8]>) -> (String, Report) {
    let sink = Shared::default();
    let mut out = RecordWriter::new("memory".into(), Box::new(sink.clone()), 0);
    let pseudonymizer = key.map(|k| Pseudonymizer::new(&Key::from_bytes(k.to_vec()).unwrap()));
    let mut anonymizer = Anonymizer::new(options, pseudonymizer);
    anonymizer.start(&mut out).unwrap();
    for line in lines {
        let record = Record::parse(line.as_bytes()).expect("test records are JSON objects");
        anonymizer.push(&record, &mut out).unwrap();
    }
    let report = anonymizer.finish(&mut out).unwrap();
    out.finish().unwrap();
    let bytes = sink.0.lock().unwrap().clone();
    (String::from_utf8(bytes).expect("output is UTF-8"), report)
}

/// Patterns of what must never be released. They are deliberately broader
/// than f2b-anon's own rules and written independently of them.
/// The patterns of addresses in disguise, which only the text columns are
/// scanned for.
const DISGUISES: [&str; 5] = [
    "IPv4 address with other separators",
    "address in hexadecimal",
    "IPv6 address with dashes",
    "letter that looks like a dot, colon or slash",
    "punycode host label",
];

pub struct LeakScanner {
    patterns: Vec<(&'static str, RegexPredicate)>,
}

impl Default for LeakScanner {
    fn default() -> Self {
        let patterns = [
            ("IPv4 address", r"\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}"),
            ("dotted numbers", r"\d\.\d"),
            ("IPv6 address", r"(?i)[0-9a-f]{0,4}:[0-9a-f]{0,4}:"),
            ("e-mail address or message id", r"[^\s@]*@[^\s@]*"),
            (
                "host name",
                r"(?i)(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z][a-z0-9-]*[a-z0-9]",
            ),
            (
                "host name (any script)",
                r"[\p{L}\p{N}_-]\.(?:\p{L}[\p{L}\p{N}_-]|[\p{N}_-]+\p{L})",
            ),
            ("path or URL", r"[/\\]"),
            ("colon (URL, IPv6, log line, whois)", r":"),
            ("line break or control character", r"[\x00-\x1f\x7f]"),
            // Addresses in disguise: other separators, hexadecimal, IPv6
            // without colons, look-alike letters, punycode host labels.
            (
                "IPv4 address with other separators",
                r"\b\d{1,3}(?:[^\p{L}\p{N}]+\d{1,3}){3}\b",
            ),
            ("address in hexadecimal", r"(?i)\b(?:0x)?[0-9a-f]{8,}\b"),
            (
                "IPv6 address with dashes",
                r"(?i)\b[0-9a-f]{1,4}(?:--?[0-9a-f]{1,4}){2,}(?:--)?\b",
            ),
            (
                "letter that looks like a dot, colon or slash",
                r"[A-Za-z0-9][\x{A4F8}-\x{A4FF}\x{1427}\x{02D0}\x{02D1}\x{30CE}\x{4E3F}\x{A718}]|[\x{A4F8}-\x{A4FF}\x{1427}\x{02D0}\x{02D1}\x{30CE}\x{4E3F}\x{A718}][A-Za-z0-9]",
            ),
            ("punycode host label", r"(?i)\bxn--"),
            // An IPv4 address written as a number is at least 16,777,216 (1.0.0.0);
            // asn and failures are capped just below that.
            (
                "address as a number",
                r"\d{9,}|\b(?:1677721[6-9]|167772[2-9]\d|16777[3-9]\d\d|1677[89]\d{3}|167[89]\d{4}|16[89]\d{5}|1[7-9]\d{6}|[2-9]\d{7})\b",
            ),
        ];
        LeakScanner {
            patterns: patterns
                .into_iter()
                .map(|(name, re)| (name, predicates::str::is_match(re).unwrap()))
                .collect(),
        }
    }
}

impl LeakScanner {
    /// What `value` (one released value of `column`, as text) looks like, if
    /// anything forbidden. Pseudonyms are random hex, where long runs of
    /// decimal digits are expected, so that pattern is not applied to them.
    pub fn leak(&self, column: &str, value: &str) -> Option<&'static str> {
        // Pseudonyms are hex, dates have dashes and numbers digits by
        // design: the patterns of addresses in disguise are for the text
        // columns (the typed ones are checked for their shape).
        let pseudonym = column.ends_with("_id");
        let typed = !matches!(column, "region" | "city" | "as_name" | "jail");
        self.patterns
            .iter()
            .filter(|(name, _)| !(pseudonym && *name == "address as a number"))
            .filter(|(name, _)| !(typed && DISGUISES.contains(name)))
            .find(|(_, re)| re.eval(value))
            .map(|(name, _)| *name)
    }

    /// Every forbidden thing found in an NDJSON output: unknown keys and
    /// values matching a pattern.
    pub fn ndjson_leaks(&self, output: &str) -> Vec<String> {
        let mut found = Vec::new();
        for line in output.lines() {
            let Ok(serde_json::Value::Object(map)) =
                serde_json::from_str::<serde_json::Value>(line)
            else {
                found.push(format!("not a JSON object: {line:?}"));
                continue;
            };
            for (key, value) in &map {
                if !ALL_COLUMNS.contains(&key.as_str()) {
                    found.push(format!("unknown column {key:?} in {line}"));
                }
                let text = match value {
                    serde_json::Value::Null => continue,
                    serde_json::Value::String(s) => s.clone(),
                    serde_json::Value::Number(n) if n.is_u64() => n.to_string(),
                    other => {
                        found.push(format!("{key}: not a string or integer: {other}"));
                        continue;
                    }
                };
                if let Some(what) = self.leak(key, &text) {
                    found.push(format!("{what} in {key}: {text:?}"));
                }
            }
        }
        found
    }

    /// Every forbidden thing found in a CSV output (header checked too).
    pub fn csv_leaks(&self, output: &str) -> Vec<String> {
        let mut found = Vec::new();
        let mut reader = csv::ReaderBuilder::new()
            .has_headers(false)
            .from_reader(output.as_bytes());
        let mut header: Vec<String> = Vec::new();
        for (i, row) in reader.records().enumerate() {
            let Ok(row) = row else {
                found.push(format!("unreadable CSV row {i}"));
                continue;
            };
            if i == 0 {
                header = row.iter().map(String::from).collect();
            }
            for (j, cell) in row.iter().enumerate() {
                let column = header.get(j).map_or("", String::as_str);
                if i == 0 && !ALL_COLUMNS.contains(&cell) {
                    found.push(format!("unknown column {cell:?}"));
                }
                if let Some(what) = self.leak(column, cell) {
                    found.push(format!("{what} in {column}: {cell:?}"));
                }
                if cell.starts_with(['=', '+', '-', '@']) {
                    found.push(format!("spreadsheet formula: {cell:?}"));
                }
            }
        }
        found
    }
}
