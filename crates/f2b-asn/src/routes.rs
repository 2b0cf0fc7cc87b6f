//! Route Views prefix2as (CAIDA pfx2as) rows and the longest-prefix-match table.
//!
//! A row is `PREFIX<TAB>LENGTH<TAB>ORIGIN` (FORMATS §6); pyasn's `ipasn` form
//! `PREFIX/LENGTH<TAB>ORIGIN` is read too. The origin column is one ASN, a
//! multi-origin list `A_B` or an AS set `A,B` (braces, if any, are dropped).
//! Rows are parsed without allocating: this is the measured fast path of the
//! table load.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::path::Path;

use f2b_core::input::Input;
use f2b_core::{Error, Result};
use ip_network_table_deps_treebitmap::IpLookupTable;

use crate::as_names::{AsNames, NameRef};
use crate::prefix::{parse_ip, Prefix};
use crate::problems::{read_rows, RowProblem};

/// Parses one prefix2as row into its prefix, filling `origins` with the
/// origin ASNs in the order given (duplicates dropped).
///
/// Blank lines and comments (`#`, `;`) give `Ok(None)`. A malformed row gives
/// the reason. Never panics, whatever the bytes.
pub fn parse_row(line: &[u8], origins: &mut Vec<u32>) -> Result<Option<Prefix>, String> {
    origins.clear();
    let mut fields = line
        .split(u8::is_ascii_whitespace)
        .filter(|f| !f.is_empty());
    let Some(first) = fields.next() else {
        return Ok(None);
    };
    if first.starts_with(b"#") || first.starts_with(b";") {
        return Ok(None);
    }
    let (addr_text, len_text) = match first.iter().position(|b| *b == b'/') {
        Some(slash) => (&first[..slash], &first[slash + 1..]),
        None => (first, fields.next().ok_or("missing prefix length")?),
    };
    let addr =
        parse_ip(addr_text).ok_or_else(|| format!("bad prefix address {:?}", lossy(addr_text)))?;
    let len = parse_u32(len_text)
        .and_then(|n| u8::try_from(n).ok())
        .ok_or_else(|| format!("bad prefix length {:?}", lossy(len_text)))?;
    let prefix = Prefix::new(addr, len)?;
    let origin = fields.next().ok_or("missing origin AS")?;
    if let Some(extra) = fields.next() {
        return Err(format!("unexpected field {:?}", lossy(extra)));
    }
    parse_origins(origin, origins)?;
    Ok(Some(prefix))
}

/// Parses an origin column (`13335`, `4837_9929`, `7545,10103`, `{1,2}`,
/// asdot `1.10`) into `origins`, in order, without duplicates.
pub fn parse_origins(field: &[u8], origins: &mut Vec<u32>) -> Result<(), String> {
    origins.clear();
    for token in field.split(|b| *b == b'_' || *b == b',') {
        let token = trim_braces(token);
        let asn = parse_asn(token).ok_or_else(|| format!("bad origin AS {:?}", lossy(field)))?;
        if !origins.contains(&asn) {
            origins.push(asn);
        }
    }
    Ok(())
}

/// Parses an AS number: asplain (`4200000000`) or asdot (`64086.59904`).
pub fn parse_asn(bytes: &[u8]) -> Option<u32> {
    match bytes.iter().position(|b| *b == b'.') {
        None => parse_u32(bytes),
        Some(dot) => {
            let high = u16::try_from(parse_u32(&bytes[..dot])?).ok()?;
            let low = u16::try_from(parse_u32(&bytes[dot + 1..])?).ok()?;
            Some((u32::from(high) << 16) | u32::from(low))
        }
    }
}

/// A decimal `u32` of 1 to 10 digits, nothing else.
pub(crate) fn parse_u32(bytes: &[u8]) -> Option<u32> {
    if bytes.is_empty() || bytes.len() > 10 {
        return None;
    }
    let mut value: u64 = 0;
    for &b in bytes {
        if !b.is_ascii_digit() {
            return None;
        }
        value = value * 10 + u64::from(b - b'0');
    }
    u32::try_from(value).ok()
}

fn trim_braces(mut token: &[u8]) -> &[u8] {
    while let [b'{', rest @ ..] = token {
        token = rest;
    }
    while let [rest @ .., b'}'] = token {
        token = rest;
    }
    token
}

pub(crate) fn lossy(bytes: &[u8]) -> String {
    const SHOWN: usize = 60;
    let text = String::from_utf8_lossy(&bytes[..bytes.len().min(SHOWN)]);
    if bytes.len() > SHOWN {
        format!("{text}…")
    } else {
        text.into_owned()
    }
}

/// What the table stores per prefix: the first origin inline, the others (if
/// any) in the table's list of multi-origin sets, and the first origin's name,
/// bound once after loading so that a lookup needs no name search.
#[derive(Clone, Copy, Debug)]
struct Route {
    asn: u32,
    /// Index into `multi`, or `SINGLE`.
    multi: u32,
    name: NameRef,
}

const SINGLE: u32 = u32::MAX;

/// A longest-prefix match: the matched route and its origin ASNs (at least one).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Match<'a> {
    /// The matched route.
    pub prefix: Prefix,
    /// Every origin AS of the route, the first listed first.
    pub origins: &'a [u32],
    /// The first origin's name and country, as bound by
    /// [`Prefix2As::bind_names`] ([`NameRef::NONE`] before).
    pub name: NameRef,
}

impl Match<'_> {
    /// The origin AS: the first listed.
    pub fn asn(&self) -> u32 {
        self.origins.first().copied().unwrap_or_default()
    }
}

/// What loading one file added.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct LoadStats {
    /// IPv4 rows read.
    pub v4_rows: u64,
    /// IPv6 rows read.
    pub v6_rows: u64,
    /// Malformed rows skipped.
    pub malformed: u64,
}

/// The routing table: IPv4 and IPv6 prefixes with their origin ASes, looked
/// up by longest-prefix match (a tree bitmap per family).
pub struct Prefix2As {
    v4: IpLookupTable<Ipv4Addr, Route>,
    v6: IpLookupTable<Ipv6Addr, Route>,
    multi: Vec<Box<[u32]>>,
}

impl Default for Prefix2As {
    fn default() -> Self {
        Self::new()
    }
}

impl Prefix2As {
    /// An empty table.
    pub fn new() -> Self {
        Prefix2As {
            v4: IpLookupTable::new(),
            v6: IpLookupTable::new(),
            multi: Vec::new(),
        }
    }

    /// Number of IPv4 prefixes.
    pub fn len_v4(&self) -> usize {
        self.v4.len()
    }

    /// Number of IPv6 prefixes.
    pub fn len_v6(&self) -> usize {
        self.v6.len()
    }

    /// True when the table holds no prefix.
    pub fn is_empty(&self) -> bool {
        self.v4.is_empty() && self.v6.is_empty()
    }

    /// Bytes held by the tries (nodes and results) and the multi-origin lists.
    pub fn mem_usage(&self) -> usize {
        let (n4, r4) = self.v4.mem_usage();
        let (n6, r6) = self.v6.mem_usage();
        let multi: usize = self
            .multi
            .iter()
            .map(|m| std::mem::size_of::<Box<[u32]>>() + 4 * m.len())
            .sum();
        n4 + r4 + n6 + r6 + multi
    }

    /// Adds a route. When the prefix is already present, the new origins are
    /// added after the known ones (a prefix announced by several ASes is
    /// multi-origin). An empty `origins` adds nothing.
    pub fn insert(&mut self, prefix: Prefix, origins: &[u32]) {
        self.insert_named(prefix, origins, NameRef::NONE);
    }

    /// Adds a route whose first origin has the name `name` (see
    /// [`Prefix2As::insert`]).
    pub fn insert_named(&mut self, prefix: Prefix, origins: &[u32], name: NameRef) {
        let Some(&first) = origins.first() else {
            return;
        };
        let route = Route {
            asn: first,
            multi: SINGLE,
            name,
        };
        let Some(old) = self.set(prefix, route) else {
            if origins.len() > 1 {
                let route = self.intern(origins, route);
                self.set(prefix, route);
            }
            return;
        };
        let mut merged = self.origins(&old).to_vec();
        let known = merged.len();
        for asn in origins {
            if !merged.contains(asn) {
                merged.push(*asn);
            }
        }
        let route = if merged.len() == known {
            old
        } else {
            self.intern(&merged, old)
        };
        self.set(prefix, route);
    }

    fn set(&mut self, prefix: Prefix, route: Route) -> Option<Route> {
        let len = u32::from(prefix.prefix_len());
        match prefix.addr() {
            IpAddr::V4(a) => self.v4.insert(a, len, route),
            IpAddr::V6(a) => self.v6.insert(a, len, route),
        }
    }

    /// `route` with `origins` (more than one) stored in the multi-origin list.
    fn intern(&mut self, origins: &[u32], route: Route) -> Route {
        // More than 4 billion multi-origin sets cannot come from a real file;
        // should it happen, the route keeps its first origin only.
        match u32::try_from(self.multi.len()) {
            Ok(i) if i != SINGLE => {
                self.multi.push(origins.into());
                Route { multi: i, ..route }
            }
            _ => route,
        }
    }

    fn origins<'a>(&'a self, route: &'a Route) -> &'a [u32] {
        match self.multi.get(route.multi as usize) {
            Some(all) if route.multi != SINGLE => all,
            _ => std::slice::from_ref(&route.asn),
        }
    }

    /// Binds every route to the name and country of its first origin in
    /// `names`, so that lookups return them without searching.
    pub fn bind_names(&mut self, names: &AsNames) {
        for (_, _, route) in self.v4.iter_mut() {
            route.name = names.name_ref(route.asn);
        }
        for (_, _, route) in self.v6.iter_mut() {
            route.name = names.name_ref(route.asn);
        }
    }

    /// The longest prefix containing `ip`, with its origins. IPv4 addresses
    /// are looked up in the IPv4 table, IPv6 in the IPv6 one (callers map
    /// `::ffff:a.b.c.d` to IPv4 first, see [`crate::prefix::canonical`]).
    #[inline]
    pub fn lookup(&self, ip: IpAddr) -> Option<Match<'_>> {
        let (addr, len, route) = match ip {
            IpAddr::V4(a) => {
                let (net, len, v) = self.v4.longest_match(a)?;
                (IpAddr::V4(net), len, v)
            }
            IpAddr::V6(a) => {
                let (net, len, v) = self.v6.longest_match(a)?;
                (IpAddr::V6(net), len, v)
            }
        };
        let len = u8::try_from(len).unwrap_or(u8::MAX);
        Some(Match {
            prefix: Prefix::containing(addr, len),
            origins: self.origins(route),
            name: route.name,
        })
    }

    /// Reads a prefix2as file (gzip or plain) into the table, each route
    /// bound to its first origin's entry in `names`. Each malformed row is
    /// handed to `problem`, which decides whether the load goes on (returns
    /// `Ok`) or stops (returns the error).
    pub fn load_file(
        &mut self,
        path: &Path,
        names: Option<&AsNames>,
        problem: &mut dyn FnMut(&RowProblem) -> Result<()>,
    ) -> Result<LoadStats> {
        let stats = self.load(Input::open(path)?, names, problem)?;
        if stats.v4_rows + stats.v6_rows == 0 {
            return Err(not_a(
                path,
                "prefix2as file (prefix, length, origin AS rows)",
            ));
        }
        Ok(stats)
    }

    /// Reads prefix2as rows from an opened input; see [`Prefix2As::load_file`].
    pub fn load(
        &mut self,
        input: Input,
        names: Option<&AsNames>,
        problem: &mut dyn FnMut(&RowProblem) -> Result<()>,
    ) -> Result<LoadStats> {
        let mut stats = LoadStats::default();
        let mut origins = Vec::with_capacity(8);
        // Neighbouring rows often share their origin: remember the last name.
        let mut last: Option<(u32, NameRef)> = None;
        stats.malformed = read_rows(input, problem, |text| {
            let Some(prefix) = parse_row(text, &mut origins)? else {
                return Ok(());
            };
            match prefix.addr() {
                IpAddr::V4(_) => stats.v4_rows += 1,
                IpAddr::V6(_) => stats.v6_rows += 1,
            }
            let name = match (names, origins.first()) {
                (Some(names), Some(&asn)) => match last {
                    Some((a, r)) if a == asn => r,
                    _ => {
                        let r = names.name_ref(asn);
                        last = Some((asn, r));
                        r
                    }
                },
                _ => NameRef::NONE,
            };
            self.insert_named(prefix, &origins, name);
            Ok(())
        })?;
        Ok(stats)
    }
}

/// The error for a data file that holds not one row of its kind: a wrong
/// file, or an error page saved in its place.
pub(crate) fn not_a(path: &Path, what: &str) -> Error {
    Error::data(format!(
        "{}: not one valid row: is it a {what}?",
        path.display()
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(text: &str) -> Result<Option<(String, Vec<u32>)>, String> {
        let mut origins = Vec::new();
        parse_row(text.as_bytes(), &mut origins).map(|p| p.map(|p| (p.to_string(), origins)))
    }

    fn ok(text: &str) -> (String, Vec<u32>) {
        row(text).unwrap().unwrap()
    }

    #[test]
    fn rows_give_prefix_and_origins_in_order() {
        assert_eq!(ok("1.0.0.0\t24\t13335"), ("1.0.0.0/24".into(), vec![13335]));
        assert_eq!(
            ok("2001:200::\t40\t2500"),
            ("2001:200::/40".into(), vec![2500])
        );
        assert_eq!(
            ok("1.0.4.0\t22\t4837_9929"),
            ("1.0.4.0/22".into(), vec![4837, 9929])
        );
        assert_eq!(
            ok("1.0.8.0\t21\t7545,10103"),
            ("1.0.8.0/21".into(), vec![7545, 10103])
        );
        assert_eq!(
            ok("1.0.8.0\t21\t3_{7545,10103,3}"),
            ("1.0.8.0/21".into(), vec![3, 7545, 10103])
        );
        assert_eq!(ok("1.0.0.0/24\t13335"), ("1.0.0.0/24".into(), vec![13335]));
        assert_eq!(ok("1.0.0.0 24  1.10\r"), ("1.0.0.0/24".into(), vec![65546]));
    }

    #[test]
    fn blank_and_comment_lines_are_not_rows() {
        assert_eq!(row(""), Ok(None));
        assert_eq!(row(" \t "), Ok(None));
        assert_eq!(row("# generated"), Ok(None));
        assert_eq!(row("; IP-ASN32-DAT file"), Ok(None));
    }

    #[test]
    fn malformed_rows_say_why() {
        let err = |t: &str| row(t).unwrap_err();
        assert!(err("1.0.0.0\t24").contains("missing origin"));
        assert!(err("1.0.0.0").contains("missing prefix length"));
        assert!(err("1.0.0.300\t24\t1").contains("bad prefix address"));
        assert!(err("1.0.0.0\t33\t1").contains("longer than 32"));
        assert!(err("1.0.0.1\t24\t1").contains("host bits"));
        assert!(err("1.0.0.0\tx\t1").contains("bad prefix length"));
        assert!(err("1.0.0.0\t24\tAS1").contains("bad origin"));
        assert!(err("1.0.0.0\t24\t1__2").contains("bad origin"));
        assert!(err("1.0.0.0\t24\t4294967296").contains("bad origin"));
        assert!(err("1.0.0.0\t24\t1\t2").contains("unexpected field"));
        assert!(err("\u{ff}\t24\t1").contains("bad prefix address"));
    }

    fn table(rows: &[(&str, &[u32])]) -> Prefix2As {
        let mut t = Prefix2As::new();
        for (p, o) in rows {
            let (a, l) = p.split_once('/').unwrap();
            t.insert(
                Prefix::new(a.parse().unwrap(), l.parse().unwrap()).unwrap(),
                o,
            );
        }
        t
    }

    fn look(t: &Prefix2As, ip: &str) -> Option<(String, Vec<u32>)> {
        t.lookup(ip.parse().unwrap())
            .map(|m| (m.prefix.to_string(), m.origins.to_vec()))
    }

    #[test]
    fn nested_prefixes_resolve_to_the_longest() {
        let t = table(&[
            ("10.0.0.0/8", &[1]),
            ("10.1.0.0/16", &[2]),
            ("10.1.2.0/24", &[3, 4]),
            ("2001:db8::/32", &[6]),
            ("2001:db8:1::/48", &[7]),
        ]);
        assert_eq!(look(&t, "10.9.9.9"), Some(("10.0.0.0/8".into(), vec![1])));
        assert_eq!(look(&t, "10.1.9.9"), Some(("10.1.0.0/16".into(), vec![2])));
        assert_eq!(
            look(&t, "10.1.2.3"),
            Some(("10.1.2.0/24".into(), vec![3, 4]))
        );
        assert_eq!(look(&t, "11.0.0.1"), None);
        assert_eq!(
            look(&t, "2001:db8:1::5"),
            Some(("2001:db8:1::/48".into(), vec![7]))
        );
        assert_eq!(
            look(&t, "2001:db8:2::5"),
            Some(("2001:db8::/32".into(), vec![6]))
        );
        assert_eq!(look(&t, "2001:db9::"), None);
        assert_eq!((t.len_v4(), t.len_v6()), (3, 2));
    }

    #[test]
    fn a_prefix_listed_twice_becomes_multi_origin() {
        let t = table(&[
            ("215.0.0.0/16", &[749]),
            ("215.0.0.0/16", &[721]),
            ("215.0.0.0/16", &[749]),
        ]);
        assert_eq!(
            look(&t, "215.0.1.1"),
            Some(("215.0.0.0/16".into(), vec![749, 721]))
        );
        assert_eq!(t.len_v4(), 1);
    }

    #[test]
    fn default_routes_match_everything_of_their_family() {
        let t = table(&[("0.0.0.0/0", &[1]), ("::/0", &[2]), ("1.2.3.4/32", &[3])]);
        assert_eq!(look(&t, "9.9.9.9"), Some(("0.0.0.0/0".into(), vec![1])));
        assert_eq!(look(&t, "1.2.3.4"), Some(("1.2.3.4/32".into(), vec![3])));
        assert_eq!(look(&t, "ffff::1"), Some(("::/0".into(), vec![2])));
    }

    #[test]
    fn load_counts_rows_and_reports_malformed_ones_with_line_numbers() {
        let text = "# comment\n1.0.0.0\t24\t1\nbroken\n2001:db8::\t32\t2\n";
        let input = Input::from_reader("t.txt".into(), std::io::Cursor::new(text)).unwrap();
        let mut seen = Vec::new();
        let mut t = Prefix2As::new();
        let stats = t
            .load(input, None, &mut |p| {
                seen.push(p.to_string());
                Ok(())
            })
            .unwrap();
        assert_eq!(
            stats,
            LoadStats {
                v4_rows: 1,
                v6_rows: 1,
                malformed: 1
            }
        );
        assert_eq!(seen, ["t.txt: line 3: missing prefix length"]);
    }
}
