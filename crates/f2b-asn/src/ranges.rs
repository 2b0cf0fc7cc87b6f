//! Address ranges with their AS: ip-location-db's `start,end,asn,name` CSV and
//! iptoasn's `start<TAB>end<TAB>asn<TAB>country<TAB>name` TSV (FORMATS §7).
//!
//! Each range is decomposed into the smallest set of CIDR blocks that covers it
//! exactly (`ipnet`), and the blocks go into an ordinary [`Prefix2As`] table,
//! so lookups are the same longest-prefix match as for Route Views data. Two
//! ranges that give the same block make it multi-origin.

use std::borrow::Cow;
use std::net::IpAddr;
use std::path::Path;

use f2b_core::input::Input;
use f2b_core::Result;
use ipnet::{Ipv4Subnets, Ipv6Subnets};

use crate::as_names::AsNames;
use crate::prefix::{parse_ip, Prefix};
use crate::problems::{read_rows, RowProblem};
use crate::routes::{lossy, parse_asn, Prefix2As};

/// One range row.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RangeRow<'a> {
    /// First address of the range.
    pub start: IpAddr,
    /// Last address of the range (inclusive, same family as `start`).
    pub end: IpAddr,
    /// The AS; 0 means "not routed" in iptoasn files.
    pub asn: u32,
    /// The AS's country (iptoasn only), when given.
    pub country: Option<[u8; 2]>,
    /// The AS's name, when given.
    pub name: Option<Cow<'a, str>>,
}

/// Parses one row of a range file: TSV when the line has a tab, else CSV
/// (the name may be double-quoted, with `""` for a quote; an unquoted name is
/// the rest of the line). Blank lines, comments (`#`) and a header line (first
/// field neither digits nor an address) give `Ok(None)`. Never panics.
pub fn parse_line(line: &[u8]) -> Result<Option<RangeRow<'_>>, String> {
    let line = line.trim_ascii();
    if line.is_empty() || line.starts_with(b"#") {
        return Ok(None);
    }
    let tsv = line.contains(&b'\t');
    let mut fields: Vec<&[u8]> = if tsv {
        line.splitn(5, |b| *b == b'\t').collect()
    } else {
        line.splitn(4, |b| *b == b',').collect()
    };
    let first = fields.first().copied().map(unquote_simple).unwrap_or(b"");
    if !first.iter().any(|b| b.is_ascii_digit() || *b == b':') {
        return Ok(None);
    }
    if fields.len() < 3 {
        return Err(format!("{} fields, expected start, end, asn", fields.len()));
    }
    fields.resize(5, b"");
    let start = parse_ip(first).ok_or_else(|| format!("bad start address {:?}", lossy(first)))?;
    let end_text = unquote_simple(fields[1]);
    let end = parse_ip(end_text).ok_or_else(|| format!("bad end address {:?}", lossy(end_text)))?;
    match (start, end) {
        (IpAddr::V4(_), IpAddr::V4(_)) | (IpAddr::V6(_), IpAddr::V6(_)) => {}
        _ => return Err("start and end are of different address families".into()),
    }
    if end < start {
        return Err(format!("range {start}-{end} ends before it starts"));
    }
    let asn_text = unquote_simple(fields[2]);
    let asn = asn_text
        .strip_prefix(b"AS")
        .or_else(|| asn_text.strip_prefix(b"as"))
        .map_or_else(|| parse_asn(asn_text), parse_asn)
        .ok_or_else(|| format!("bad AS number {:?}", lossy(asn_text)))?;
    let (country, name) = if tsv {
        let country = match fields[3].trim_ascii() {
            [a, b] if a.is_ascii_uppercase() && b.is_ascii_uppercase() => Some([*a, *b]),
            _ => None,
        };
        (country, name_text(Cow::Borrowed(fields[4])))
    } else {
        (None, name_text(unquote_name(fields[3])?))
    };
    Ok(Some(RangeRow {
        start,
        end,
        asn,
        country,
        name,
    }))
}

/// A field without surrounding double quotes, if it has them.
fn unquote_simple(field: &[u8]) -> &[u8] {
    let field = field.trim_ascii();
    match field {
        [b'"', inner @ .., b'"'] => inner,
        _ => field,
    }
}

/// The last CSV field: a quoted field (with `""` for a quote) that must end
/// the line, or the unquoted rest of the line.
fn unquote_name(field: &[u8]) -> Result<Cow<'_, [u8]>, String> {
    let field = field.trim_ascii();
    let Some(quoted) = field.strip_prefix(b"\"") else {
        return Ok(Cow::Borrowed(field));
    };
    let mut value = Vec::with_capacity(quoted.len());
    let mut i = 0;
    loop {
        match quoted.get(i) {
            None => return Err("unterminated quoted name".into()),
            Some(b'"') if quoted.get(i + 1) == Some(&b'"') => {
                value.push(b'"');
                i += 2;
            }
            Some(b'"') => break,
            Some(&b) => {
                value.push(b);
                i += 1;
            }
        }
    }
    if quoted.len() > i + 1 {
        return Err("text after the quoted name".into());
    }
    Ok(Cow::Owned(value))
}

fn name_text(field: Cow<'_, [u8]>) -> Option<Cow<'_, str>> {
    let decoded = match field {
        Cow::Borrowed(b) => String::from_utf8_lossy(b.trim_ascii()),
        Cow::Owned(b) => Cow::Owned(String::from_utf8_lossy(b.trim_ascii()).into_owned()),
    };
    // iptoasn writes "Not routed" / "None" for unassigned space.
    match decoded.as_ref() {
        "" | "Not routed" | "None" => None,
        _ => Some(decoded),
    }
}

/// What loading a range file added.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct RangeStats {
    /// Range rows read (not counting "not routed" ones).
    pub ranges: u64,
    /// CIDR blocks inserted.
    pub blocks: u64,
    /// iptoasn rows with AS 0 ("not routed"), skipped.
    pub not_routed: u64,
    /// Malformed rows skipped.
    pub malformed: u64,
}

/// Inserts the CIDR blocks of `start..=end` into `table` with origin `asn`;
/// returns how many blocks it took.
pub fn insert_range(table: &mut Prefix2As, start: IpAddr, end: IpAddr, asn: u32) -> u64 {
    let mut blocks = 0;
    match (start, end) {
        (IpAddr::V4(s), IpAddr::V4(e)) => {
            for net in Ipv4Subnets::new(s, e, 0) {
                if let Ok(p) = Prefix::new(IpAddr::V4(net.network()), net.prefix_len()) {
                    table.insert(p, &[asn]);
                    blocks += 1;
                }
            }
        }
        (IpAddr::V6(s), IpAddr::V6(e)) => {
            for net in Ipv6Subnets::new(s, e, 0) {
                if let Ok(p) = Prefix::new(IpAddr::V6(net.network()), net.prefix_len()) {
                    table.insert(p, &[asn]);
                    blocks += 1;
                }
            }
        }
        _ => {}
    }
    blocks
}

/// Reads a range file (gzip or plain) into `table`, and the names and
/// countries it carries into `names` (first one per AS wins). Each malformed
/// row is handed to `problem`, which decides whether the load goes on.
pub fn load_file(
    path: &Path,
    table: &mut Prefix2As,
    names: &mut AsNames,
    problem: &mut dyn FnMut(&RowProblem) -> Result<()>,
) -> Result<RangeStats> {
    let stats = load(Input::open(path)?, table, names, problem)?;
    if stats.ranges + stats.not_routed == 0 {
        return Err(crate::routes::not_a(
            path,
            "range file (start,end,asn,name CSV or iptoasn TSV)",
        ));
    }
    Ok(stats)
}

/// Reads range rows from an opened input; see [`load_file`].
pub fn load(
    input: Input,
    table: &mut Prefix2As,
    names: &mut AsNames,
    problem: &mut dyn FnMut(&RowProblem) -> Result<()>,
) -> Result<RangeStats> {
    let mut stats = RangeStats::default();
    stats.malformed = read_rows(input, problem, |text| {
        match parse_line(text)? {
            None => {}
            Some(row) if row.asn == 0 => stats.not_routed += 1,
            Some(row) => {
                stats.ranges += 1;
                stats.blocks += insert_range(table, row.start, row.end, row.asn);
                if row.name.is_some() || row.country.is_some() {
                    names.insert(row.asn, row.name.as_deref(), row.country);
                }
            }
        }
        Ok(())
    })?;
    Ok(stats)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(line: &str) -> RangeRow<'_> {
        parse_line(line.as_bytes()).unwrap().unwrap()
    }

    #[test]
    fn csv_rows_with_quoted_and_plain_names() {
        let r = row(r#"1.0.0.0,1.0.0.255,13335,"Cloudflare, Inc.""#);
        assert_eq!(r.start, "1.0.0.0".parse::<IpAddr>().unwrap());
        assert_eq!(r.end, "1.0.0.255".parse::<IpAddr>().unwrap());
        assert_eq!((r.asn, r.country), (13335, None));
        assert_eq!(r.name.as_deref(), Some("Cloudflare, Inc."));
        let r = row(r#"2001:200::,2001:200:1b9:ffff:ffff:ffff:ffff:ffff,2500,WIDE Project"#);
        assert_eq!(r.name.as_deref(), Some("WIDE Project"));
        assert_eq!(
            row(r#"1.0.0.0,1.0.0.255,1,"say ""hi"", please""#)
                .name
                .as_deref(),
            Some(r#"say "hi", please"#)
        );
        assert_eq!(
            row("1.0.0.0,1.0.0.255,1,a, b").name.as_deref(),
            Some("a, b")
        );
        assert_eq!(row("1.0.0.0,1.0.0.255,AS7").asn, 7);
    }

    #[test]
    fn iptoasn_tsv_rows_carry_country_and_name() {
        let r = row("1.0.0.0\t1.0.0.255\t13335\tUS\tCLOUDFLARENET - Cloudflare, Inc.");
        assert_eq!(r.country, Some(*b"US"));
        assert_eq!(r.name.as_deref(), Some("CLOUDFLARENET - Cloudflare, Inc."));
        let r = row("1.0.1.0\t1.0.3.255\t0\tNone\tNot routed");
        assert_eq!((r.asn, r.country, r.name), (0, None, None));
    }

    #[test]
    fn headers_comments_and_blank_lines_are_not_rows() {
        for line in [
            "start,end,asn,name",
            "range_start\trange_end\tAS_number",
            "# x",
            "",
        ] {
            assert_eq!(parse_line(line.as_bytes()), Ok(None), "{line}");
        }
    }

    #[test]
    fn malformed_ranges_say_why() {
        let err = |l: &str| parse_line(l.as_bytes()).unwrap_err();
        assert!(err("1.0.0.0,1.0.0.255").contains("2 fields"));
        assert!(err("1.0.0.9,1.0.0.1,1,x").contains("ends before"));
        assert!(err("1.0.0.0,::1,1,x").contains("different address families"));
        assert!(err("1.0.0.0,1.0.0.300,1,x").contains("bad end"));
        assert!(err("1.0.0.0,1.0.0.3,x,y").contains("bad AS"));
        assert!(err(r#"1.0.0.0,1.0.0.3,1,"open"#).contains("unterminated"));
        assert!(err(r#"1.0.0.0,1.0.0.3,1,"a"b"#).contains("after the quoted"));
    }

    #[test]
    fn ranges_become_exact_cidr_blocks() {
        let mut t = Prefix2As::new();
        let ip = |s: &str| s.parse::<IpAddr>().unwrap();
        assert_eq!(insert_range(&mut t, ip("10.0.0.0"), ip("10.0.0.255"), 1), 1);
        assert_eq!(insert_range(&mut t, ip("10.0.1.0"), ip("10.0.2.127"), 2), 2);
        assert_eq!(
            insert_range(&mut t, ip("0.0.0.0"), ip("255.255.255.255"), 3),
            1
        );
        let m = t.lookup(ip("10.0.2.100")).unwrap();
        assert_eq!(
            (m.prefix.to_string(), m.origins),
            ("10.0.2.0/25".into(), &[2][..])
        );
        let m = t.lookup(ip("10.0.2.200")).unwrap();
        assert_eq!(
            (m.prefix.to_string(), m.origins),
            ("0.0.0.0/0".into(), &[3][..])
        );
        assert_eq!(insert_range(&mut t, ip("::"), ip("::1"), 4), 1);
        assert_eq!(t.lookup(ip("::1")).unwrap().prefix.to_string(), "::/127");
    }
}
