//! The record loop of f2b-anon: [`f2b_core::cli::for_each_record`] with the
//! fast scanner in front.
//!
//! Same inputs, same line numbers, same blank-line, `--skip-bad` and
//! `--rejects` behaviour and the same error messages as the core loop (a test
//! runs both on the same bad input and compares): a line the
//! [`Scanner`] accepts is handed over as its fields at once, and every other
//! line goes through [`Record::parse`], which accepts it or says why not.

use serde::Serialize;

use f2b_core::cli::{LoopStats, NdjsonArgs};
use f2b_core::input::{paths_or_stdin, Input, Line};
use f2b_core::output::Rejects;
use f2b_core::progress::Progress;
use f2b_core::{Error, Record, Result};

use crate::release::InputFields;
use crate::scan::Scanner;

/// A rejected input line, as the core loop writes it to `--rejects`.
#[derive(Serialize)]
struct BadLine<'a> {
    input: &'a str,
    line: u64,
    reason: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    text: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    hex: Option<String>,
}

/// Reads every record of the inputs in order and hands its fields to `each`.
pub fn for_each_record_fields(
    args: &NdjsonArgs,
    progress: &mut Progress,
    mut each: impl FnMut(&InputFields<'_>) -> Result<()>,
) -> Result<LoopStats> {
    let mut stats = LoopStats::default();
    let mut rejects = Rejects::create(args.rejects.as_ref())?;
    let mut scanner = Scanner::new();
    for path in paths_or_stdin(&args.files) {
        let mut lines = Input::open(&path)?.lines();
        let name = lines.name().to_string();
        let mut line_no = 0u64;
        loop {
            line_no += 1;
            let (bytes, reason) = match lines.next_line()? {
                None => break,
                Some(Line::Text(t)) if t.iter().all(u8::is_ascii_whitespace) => {
                    stats.blank += 1;
                    continue;
                }
                Some(Line::Text(t)) => {
                    let mut fields = InputFields::default();
                    if scanner.scan(t, |key, raw| fields.set(key, raw)) {
                        stats.records += 1;
                        progress.tick();
                        each(&fields)?;
                        continue;
                    }
                    match Record::parse(t) {
                        Ok(record) => {
                            stats.records += 1;
                            progress.tick();
                            each(&InputFields::of(&record))?;
                            continue;
                        }
                        Err(reason) => (Some(t), reason),
                    }
                }
                Some(Line::TooLong { len }) => (None, format!("line of {len} bytes is too long")),
            };
            if !args.skip_bad {
                return Err(Error::data(format!("{name}: line {line_no}: {reason}")));
            }
            stats.bad += 1;
            if rejects.enabled() {
                let text = bytes.and_then(|b| std::str::from_utf8(b).ok());
                let hex = match (bytes, text) {
                    (Some(b), None) => Some(b.iter().map(|x| format!("{x:02x}")).collect()),
                    _ => None,
                };
                rejects.write(&BadLine {
                    input: &name,
                    line: line_no,
                    reason: &reason,
                    text,
                    hex,
                })?;
            }
        }
    }
    rejects.finish()?;
    Ok(stats)
}

#[cfg(test)]
mod tests {
    use super::*;
    use f2b_core::cli::for_each_record;
    use std::io::Write;

    /// Runs the core loop and this one over the same input and returns, for
    /// each, the outcome, the fields seen and the rejects file.
    fn both(content: &[u8], skip_bad: bool) -> [(String, Vec<String>, String); 2] {
        let dir = tempfile::tempdir().unwrap();
        let input = dir.path().join("in.ndjson");
        std::fs::File::create(&input)
            .unwrap()
            .write_all(content)
            .unwrap();
        let run = |fast: bool| {
            let rejects = dir.path().join(if fast { "fast.rej" } else { "core.rej" });
            let args = NdjsonArgs {
                files: vec![input.clone()],
                skip_bad,
                rejects: Some(rejects.clone()),
            };
            let mut progress = Progress::new("records", true);
            let mut seen = Vec::new();
            let result = if fast {
                for_each_record_fields(&args, &mut progress, |f| {
                    seen.push(format!("{f:?}"));
                    Ok(())
                })
            } else {
                for_each_record(&args, &mut progress, |r| {
                    seen.push(format!("{:?}", InputFields::of(r)));
                    Ok(())
                })
            };
            let outcome = match result {
                Ok(stats) => format!("{stats:?}"),
                Err(e) => format!("exit {}: {e}", e.exit_code()),
            };
            (
                outcome,
                seen,
                std::fs::read_to_string(rejects).unwrap_or_default(),
            )
        };
        [run(false), run(true)]
    }

    const TRICKY: &[u8] = b"{\"ts\":\"2011-07-04T10:34:58Z\",\"country\":\"CN\"}\n\
        \n   \r\n\
        {\"c\\u006funtry\":\"DE\",\"city\":\"K\\u00f6ln\"}\n\
        [1]\n\
        {\"a\":1,\"a\":2}\n\
        \xff\xfe\n\
        {\"asn\":4134,}\n\
        {\"ip\":\"192.0.2.1\"} x\n\
        \x0c{\"asn\":1}\n\
        {\"asn\":3320}";

    #[test]
    fn skip_bad_counts_rejects_and_fields_match_the_core_loop() {
        let [core, fast] = both(TRICKY, true);
        assert_eq!(fast, core);
        assert!(
            core.0.contains("records: 3, bad: 6, blank: 2"),
            "{}",
            core.0
        );
    }

    #[test]
    fn the_first_bad_line_stops_the_run_with_the_core_message() {
        let [core, fast] = both(TRICKY, false);
        assert_eq!(fast, core);
        assert!(
            core.0.ends_with("in.ndjson: line 5: not a JSON object"),
            "{}",
            core.0
        );
    }
}
