//! The record loop of the digest: [`f2b_core::cli::for_each_record`] with the
//! fast path of [`crate::scan`], reading lines in place from the input
//! buffer (a line is copied only when it straddles two reads). Bad lines
//! are handled exactly as in every stage.

use std::io::{self, BufRead};

use f2b_core::cli::{LoopStats, NdjsonArgs};
use f2b_core::input::{paths_or_stdin, Input, MAX_LINE};
use f2b_core::output::Rejects;
use f2b_core::progress::Progress;
use f2b_core::{Error, Result};
use serde::Serialize;

use crate::scan::{Scanner, Values};

/// A rejected input line, as written to `--rejects` (the same shape as
/// every other stage writes).
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

/// A line as read: its text without the line end, or how long it was when
/// it was longer than [`MAX_LINE`].
enum Line<'a> {
    Text(&'a [u8]),
    TooLong(u64),
}

/// Calls `each` with every line of `reader` and its number, in place.
fn for_each_line(
    name: &str,
    reader: &mut dyn BufRead,
    mut each: impl FnMut(u64, Line<'_>) -> Result<()>,
) -> Result<()> {
    let mut carry: Vec<u8> = Vec::new();
    let mut carry_len: u64 = 0; // bytes of the current line seen, kept or not
    let mut line_no = 0u64;
    let mut offset = 0u64;
    let read_error = |line_no: u64, offset: u64, e: io::Error| {
        let what = if e.kind() == io::ErrorKind::UnexpectedEof {
            "truncated or corrupt compressed data"
        } else {
            "read error"
        };
        Error::io(
            format!("{name}: line {}, byte {offset}: {what}", line_no + 1),
            e,
        )
    };
    loop {
        let buf = match reader.fill_buf() {
            Ok(b) => b,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(read_error(line_no, offset, e)),
        };
        if buf.is_empty() {
            break;
        }
        let len = buf.len();
        let mut start = 0;
        for nl in memchr::memchr_iter(b'\n', buf) {
            line_no += 1;
            let piece = &buf[start..nl];
            if carry_len == 0 {
                each(line_no, Line::Text(trim_cr(piece)))?;
            } else {
                carry_len += piece.len() as u64 + 1;
                if carry_len > MAX_LINE as u64 {
                    each(line_no, Line::TooLong(carry_len))?;
                } else {
                    carry.extend_from_slice(piece);
                    each(line_no, Line::Text(trim_cr(&carry)))?;
                }
                carry.clear();
                carry_len = 0;
            }
            start = nl + 1;
        }
        let rest = &buf[start..];
        if !rest.is_empty() {
            carry_len += rest.len() as u64;
            if carry_len <= MAX_LINE as u64 {
                carry.extend_from_slice(rest);
            } else {
                carry = Vec::new();
            }
        }
        reader.consume(len);
        offset += len as u64;
    }
    if carry_len > 0 {
        line_no += 1;
        if carry_len > MAX_LINE as u64 {
            each(line_no, Line::TooLong(carry_len))?;
        } else {
            each(line_no, Line::Text(trim_cr(&carry)))?;
        }
    }
    Ok(())
}

#[inline]
fn trim_cr(line: &[u8]) -> &[u8] {
    line.strip_suffix(b"\r").unwrap_or(line)
}

/// Reads every record of the inputs in order and hands its [`Values`] to
/// `each`. A line that is not a JSON object stops the run with an error
/// naming the input, line and reason, unless `--skip-bad` is given: then it
/// is counted, and kept in the `--rejects` file when there is one. Blank
/// lines are ignored.
pub fn for_each_values(
    args: &NdjsonArgs,
    progress: &mut Progress,
    mut each: impl FnMut(&Values<'_>),
) -> Result<LoopStats> {
    let mut stats = LoopStats::default();
    let mut rejects = Rejects::create(args.rejects.as_ref())?;
    let mut scanner = Scanner::default();
    for path in paths_or_stdin(&args.files) {
        let mut input = Input::open(&path)?;
        let name = input.name.clone();
        for_each_line(&name, input.reader.as_mut(), |line_no, line| {
            let (bytes, reason) = match line {
                Line::Text(t)
                    if t.first() == Some(&b'{') || !t.iter().all(u8::is_ascii_whitespace) =>
                {
                    match scanner.values(t) {
                        Ok(v) => {
                            stats.records += 1;
                            progress.tick();
                            each(&v);
                            return Ok(());
                        }
                        Err(reason) => (Some(t), reason),
                    }
                }
                Line::Text(_) => {
                    stats.blank += 1;
                    return Ok(());
                }
                Line::TooLong(len) => (None, format!("line of {len} bytes is too long")),
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
            Ok(())
        })?;
    }
    rejects.finish()?;
    Ok(stats)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lines(bytes: &[u8], chunk: usize) -> Vec<String> {
        let mut reader = io::BufReader::with_capacity(chunk, bytes);
        let mut out = Vec::new();
        for_each_line("t", &mut reader, |n, l| {
            out.push(match l {
                Line::Text(t) => format!("{n}:{}", String::from_utf8_lossy(t)),
                Line::TooLong(len) => format!("{n}:<{len}>"),
            });
            Ok(())
        })
        .unwrap();
        out
    }

    #[test]
    fn lines_are_the_same_whatever_the_read_size() {
        let input = b"{\"a\":1}\r\n\n{\"b\":22}\nlast";
        let expected = ["1:{\"a\":1}", "2:", "3:{\"b\":22}", "4:last"];
        for chunk in 1..=input.len() + 1 {
            assert_eq!(lines(input, chunk), expected, "read size {chunk}");
        }
        assert!(lines(b"", 4).is_empty());
        assert_eq!(lines(b"\n", 4), ["1:"]);
    }
}
