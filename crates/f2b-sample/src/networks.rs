//! The sample networks: `data/sample/geo.csv` (where a network is),
//! `data/sample/asn.csv` (who routes it) and `data/sample/route-changes.csv`
//! (origins that differ in a later routing snapshot).
//!
//! The mail generator draws attacker and server addresses from these networks so
//! that they resolve in the data files the `data` subcommand writes from the
//! same tables. The tables are compiled in; `--from DIR` reads other copies.

use std::fmt;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::path::Path;
use std::str::FromStr;

use f2b_core::{Error, Result};

use crate::rng::Rng;

/// The compiled-in `geo.csv`.
pub const GEO_CSV: &str = include_str!("../../../data/sample/geo.csv");
/// The compiled-in `asn.csv`.
pub const ASN_CSV: &str = include_str!("../../../data/sample/asn.csv");
/// The compiled-in `route-changes.csv`.
pub const CHANGES_CSV: &str = include_str!("../../../data/sample/route-changes.csv");

/// An IPv4 or IPv6 network prefix.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Prefix {
    /// False for IPv4, true for IPv6 (sorts IPv4 first).
    pub v6: bool,
    /// The address bits, right-aligned (an IPv4 address is the low 32 bits).
    pub bits: u128,
    /// The prefix length.
    pub len: u8,
}

impl Prefix {
    /// Address width in bits: 32 or 128.
    pub fn width(&self) -> u8 {
        if self.v6 {
            128
        } else {
            32
        }
    }

    /// The network address.
    pub fn addr(&self) -> IpAddr {
        to_ip(self.v6, self.bits)
    }

    /// The last address of the network.
    pub fn last(&self) -> IpAddr {
        to_ip(self.v6, self.bits | host_mask(self.width(), self.len))
    }

    /// True when `ip` is inside this network.
    pub fn contains(&self, ip: IpAddr) -> bool {
        let (v6, bits) = ip_bits(ip);
        v6 == self.v6 && bits & !host_mask(self.width(), self.len) == self.bits
    }

    /// True when `other` is inside (or equal to) this network.
    pub fn covers(&self, other: &Prefix) -> bool {
        other.v6 == self.v6 && other.len >= self.len && self.contains(other.addr())
    }

    /// A plausible host address inside the network: never the network or
    /// broadcast address of an IPv4 /24; for IPv6 a /64 with a short or
    /// random interface identifier, as servers and clients have.
    pub fn random_host(&self, rng: &mut Rng) -> IpAddr {
        if self.v6 {
            let subnet_bits = 64u8.saturating_sub(self.len);
            let subnet = if subnet_bits == 0 {
                0
            } else {
                u128::from(rng.next_u64()) & ((1u128 << subnet_bits) - 1)
            };
            let iid: u128 = match rng.below(3) {
                0 => u128::from(rng.range(1, 0xff) as u64),
                1 => u128::from(rng.range(1, 0xffff) as u64) | (u128::from(rng.below(16)) << 16),
                _ => u128::from(rng.next_u64()),
            };
            let net = self.bits | (subnet << 64);
            let iid_mask = host_mask(128, self.len.max(64));
            to_ip(true, net | (iid & iid_mask))
        } else {
            let size = 1u128 << (32 - self.len);
            loop {
                let host = self.bits + u128::from(rng.below(size as u64));
                let last = host & 0xff;
                if size <= 4 || (last != 0 && last != 255) {
                    return to_ip(false, host);
                }
            }
        }
    }
}

fn host_mask(width: u8, len: u8) -> u128 {
    if len >= width {
        0
    } else {
        let all = if width == 128 {
            u128::MAX
        } else {
            (1u128 << width) - 1
        };
        all >> len
    }
}

/// The address family and bits of an address (IPv4-mapped IPv6 stays IPv6).
pub fn ip_bits(ip: IpAddr) -> (bool, u128) {
    match ip {
        IpAddr::V4(a) => (false, u128::from(u32::from(a))),
        IpAddr::V6(a) => (true, u128::from(a)),
    }
}

fn to_ip(v6: bool, bits: u128) -> IpAddr {
    if v6 {
        IpAddr::V6(Ipv6Addr::from(bits))
    } else {
        IpAddr::V4(Ipv4Addr::from(bits as u32))
    }
}

impl FromStr for Prefix {
    type Err = String;

    fn from_str(text: &str) -> std::result::Result<Prefix, String> {
        let (addr, len) = text
            .trim()
            .split_once('/')
            .ok_or_else(|| format!("{text:?} is not a prefix (ADDRESS/LENGTH)"))?;
        let ip: IpAddr = addr
            .parse()
            .map_err(|_| format!("{addr:?} is not an IP address"))?;
        let len: u8 = len
            .parse()
            .map_err(|_| format!("{len:?} is not a prefix length"))?;
        let (v6, bits) = ip_bits(ip);
        let prefix = Prefix { v6, bits, len };
        if len > prefix.width() {
            return Err(format!("prefix length {len} is too long in {text:?}"));
        }
        if bits & host_mask(prefix.width(), len) != 0 {
            return Err(format!("{text:?} has host bits set"));
        }
        Ok(prefix)
    }
}

impl fmt::Display for Prefix {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.addr(), self.len)
    }
}

/// One row of `geo.csv`: where a network is.
#[derive(Clone, Debug, PartialEq)]
pub struct GeoRow {
    /// The network.
    pub net: Prefix,
    /// ISO 3166-1 alpha-2 country code.
    pub country: String,
    /// English country name.
    pub country_name: String,
    /// First subdivision (province, state), possibly empty.
    pub region: String,
    /// The subdivision's ISO 3166-2 code without the country part, possibly empty.
    pub region_code: String,
    /// City, possibly empty.
    pub city: String,
    /// Latitude.
    pub lat: f64,
    /// Longitude.
    pub lon: f64,
}

/// One row of `asn.csv`: who originates a network.
#[derive(Clone, Debug, PartialEq)]
pub struct AsnRow {
    /// The routed prefix.
    pub net: Prefix,
    /// The origin column as prefix2as writes it: `4134`, `4837_9929` (several
    /// origins) or `7552,24086` (an AS set).
    pub origin: String,
    /// The AS name of the first origin, as CIDR Report spells it.
    pub as_name: String,
    /// Registry country of the first origin; empty when unknown.
    pub as_country: String,
}

impl AsnRow {
    /// Every AS number named in the origin column, first origin first.
    pub fn origins(&self) -> Vec<u32> {
        parse_origins(&self.origin).unwrap_or_default()
    }

    /// The first origin AS.
    pub fn first_origin(&self) -> u32 {
        self.origins().first().copied().unwrap_or(0)
    }
}

/// One row of `route-changes.csv`: a route as a later snapshot has it.
#[derive(Clone, Debug, PartialEq)]
pub struct OriginChange {
    /// The snapshot date, `YYYYMMDD`.
    pub snapshot: String,
    /// The route.
    pub net: Prefix,
    /// Its origin column in that snapshot; `-` when the route is withdrawn.
    pub origin: String,
    /// Name of the new first origin (for `autnums.html`); may be empty.
    pub as_name: String,
    /// Its registry country; may be empty.
    pub as_country: String,
}

/// Parses an origin column: `A`, `A_B` or `A,B`.
pub fn parse_origins(text: &str) -> Option<Vec<u32>> {
    text.split(['_', ','])
        .map(|a| a.trim().parse::<u32>().ok())
        .collect()
}

/// The three sample tables.
#[derive(Clone, Debug)]
pub struct SampleNetworks {
    /// `geo.csv` rows in file order.
    pub geo: Vec<GeoRow>,
    /// `asn.csv` rows in file order.
    pub asn: Vec<AsnRow>,
    /// `route-changes.csv` rows in file order.
    pub changes: Vec<OriginChange>,
}

impl SampleNetworks {
    /// The compiled-in tables.
    pub fn embedded() -> Result<SampleNetworks> {
        SampleNetworks::parse(
            ("geo.csv", GEO_CSV),
            ("asn.csv", ASN_CSV),
            ("route-changes.csv", CHANGES_CSV),
        )
    }

    /// The tables in `dir` (`geo.csv`, `asn.csv`, and `route-changes.csv` when present).
    pub fn load(dir: &Path) -> Result<SampleNetworks> {
        let read = |name: &str| -> Result<(String, String)> {
            let path = dir.join(name);
            let text = std::fs::read_to_string(&path)
                .map_err(|e| Error::io(format!("reading {}", path.display()), e))?;
            Ok((path.display().to_string(), text))
        };
        let geo = read("geo.csv")?;
        let asn = read("asn.csv")?;
        let changes_path = dir.join("route-changes.csv");
        let changes = if changes_path.exists() {
            read("route-changes.csv")?
        } else {
            (
                changes_path.display().to_string(),
                "snapshot,network,asn,as_name,as_country\n".into(),
            )
        };
        SampleNetworks::parse((&geo.0, &geo.1), (&asn.0, &asn.1), (&changes.0, &changes.1))
    }

    /// Parses the three tables, each given as (name for messages, text);
    /// `geo.csv` and `asn.csv` must have at least one row.
    pub fn parse(
        geo: (&str, &str),
        asn: (&str, &str),
        changes: (&str, &str),
    ) -> Result<SampleNetworks> {
        let (geo_name, asn_name) = (geo.0, asn.0);
        let geo = parse_table(geo.0, geo.1, 8, |f| {
            Ok(GeoRow {
                net: f[0].parse()?,
                country: f[1].to_string(),
                country_name: f[2].to_string(),
                region: f[3].to_string(),
                region_code: f[4].to_string(),
                city: f[5].to_string(),
                lat: f[6]
                    .parse()
                    .map_err(|_| format!("bad latitude {:?}", f[6]))?,
                lon: f[7]
                    .parse()
                    .map_err(|_| format!("bad longitude {:?}", f[7]))?,
            })
        })?;
        let asn = parse_table(asn.0, asn.1, 4, |f| {
            parse_origins(f[1]).ok_or_else(|| format!("bad origin {:?}", f[1]))?;
            Ok(AsnRow {
                net: f[0].parse()?,
                origin: f[1].to_string(),
                as_name: f[2].to_string(),
                as_country: f[3].to_string(),
            })
        })?;
        let changes = parse_table(changes.0, changes.1, 5, |f| {
            if f[2] != "-" {
                parse_origins(f[2]).ok_or_else(|| format!("bad origin {:?}", f[2]))?;
            }
            Ok(OriginChange {
                snapshot: f[0].to_string(),
                net: f[1].parse()?,
                origin: f[2].to_string(),
                as_name: f[3].to_string(),
                as_country: f[4].to_string(),
            })
        })?;
        // route-changes.csv may be empty (no later snapshot differs), but a
        // geo.csv or asn.csv without one row gives nothing to place or route.
        for (table, rows) in [(geo_name, geo.len()), (asn_name, asn.len())] {
            if rows == 0 {
                return Err(Error::data(format!(
                    "{table}: no networks (a header line, then at least one row)"
                )));
            }
        }
        Ok(SampleNetworks { geo, asn, changes })
    }

    /// Index of the most specific `geo.csv` row containing `ip`.
    pub fn geo_of(&self, ip: IpAddr) -> Option<usize> {
        longest(self.geo.iter().map(|r| &r.net), ip)
    }

    /// Index of the most specific `asn.csv` row containing `ip`.
    pub fn asn_of(&self, ip: IpAddr) -> Option<usize> {
        longest(self.asn.iter().map(|r| &r.net), ip)
    }

    /// True when `ip` is inside any sample network.
    pub fn covers(&self, ip: IpAddr) -> bool {
        self.geo_of(ip).is_some() || self.asn_of(ip).is_some()
    }
}

fn longest<'a>(nets: impl Iterator<Item = &'a Prefix>, ip: IpAddr) -> Option<usize> {
    nets.enumerate()
        .filter(|(_, n)| n.contains(ip))
        .max_by_key(|(i, n)| (n.len, std::cmp::Reverse(*i)))
        .map(|(i, _)| i)
}

/// Reads a CSV table with a header line and exactly `columns` fields per row.
fn parse_table<T>(
    name: &str,
    text: &str,
    columns: usize,
    row: impl Fn(&[&str]) -> std::result::Result<T, String>,
) -> Result<Vec<T>> {
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(true)
        .comment(Some(b'#'))
        .from_reader(text.as_bytes());
    let mut rows = Vec::new();
    for (i, record) in reader.records().enumerate() {
        let record = record.map_err(|e| Error::data(format!("{name}: {e}")))?;
        let line = record.position().map_or(i as u64 + 2, |p| p.line());
        let fields: Vec<&str> = record.iter().collect();
        if fields.len() != columns {
            return Err(Error::data(format!(
                "{name}: line {line}: {} fields, expected {columns}",
                fields.len()
            )));
        }
        rows.push(row(&fields).map_err(|e| Error::data(format!("{name}: line {line}: {e}")))?);
    }
    Ok(rows)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prefixes_parse_print_and_contain() {
        let p: Prefix = "61.147.0.0/16".parse().unwrap();
        assert_eq!(p.to_string(), "61.147.0.0/16");
        assert!(p.contains("61.147.12.134".parse().unwrap()));
        assert!(!p.contains("61.148.0.1".parse().unwrap()));
        assert_eq!(p.last().to_string(), "61.147.255.255");
        let v6: Prefix = "2a01:4f8::/29".parse().unwrap();
        assert!(v6.contains("2a01:4f8:1:2::3".parse().unwrap()));
        assert!("61.147.0.1/16".parse::<Prefix>().is_err());
        assert!("61.147.0.0/33".parse::<Prefix>().is_err());
        let zero: Prefix = "0.0.0.0/0".parse().unwrap();
        assert!(zero.contains("8.8.8.8".parse().unwrap()));
    }

    #[test]
    fn random_hosts_stay_inside_their_network() {
        let mut rng = Rng::new(5);
        for text in [
            "61.147.0.0/16",
            "81.169.128.0/17",
            "2a01:4f8::/29",
            "2001:470::/32",
        ] {
            let p: Prefix = text.parse().unwrap();
            for _ in 0..200 {
                let ip = p.random_host(&mut rng);
                assert!(p.contains(ip), "{ip} not in {p}");
            }
        }
    }

    #[test]
    fn origins_parse_in_all_three_forms() {
        assert_eq!(parse_origins("4134"), Some(vec![4134]));
        assert_eq!(parse_origins("4837_9929"), Some(vec![4837, 9929]));
        assert_eq!(parse_origins("7552,24086"), Some(vec![7552, 24086]));
        assert_eq!(parse_origins("x"), None);
    }

    #[test]
    fn embedded_tables_parse_and_every_geo_network_has_an_origin() {
        let nets = SampleNetworks::embedded().unwrap();
        assert!(nets.geo.len() >= 100, "{}", nets.geo.len());
        for row in &nets.geo {
            assert!(
                nets.asn_of(row.net.addr()).is_some(),
                "{} has no route in asn.csv",
                row.net
            );
        }
        let countries: std::collections::BTreeSet<&str> =
            nets.geo.iter().map(|r| r.country.as_str()).collect();
        assert!(countries.len() >= 40, "{}", countries.len());
    }

    #[test]
    fn a_geo_or_asn_table_without_rows_is_a_data_error() {
        let geo_header = GEO_CSV.lines().next().unwrap();
        let asn_header = ASN_CSV.lines().next().unwrap();
        for (geo, asn, missing) in [
            (geo_header, ASN_CSV, "dir/geo.csv"),
            ("", ASN_CSV, "dir/geo.csv"),
            (GEO_CSV, asn_header, "dir/asn.csv"),
            (GEO_CSV, "", "dir/asn.csv"),
        ] {
            let err = SampleNetworks::parse(
                ("dir/geo.csv", geo),
                ("dir/asn.csv", asn),
                ("dir/route-changes.csv", ""),
            )
            .unwrap_err();
            assert_eq!(err.exit_code(), 1);
            let text = err.to_string();
            assert!(
                text.contains(missing) && text.contains("no networks"),
                "{text}"
            );
        }
        // route-changes.csv may be empty.
        SampleNetworks::parse(
            ("geo.csv", GEO_CSV),
            ("asn.csv", ASN_CSV),
            ("route-changes.csv", ""),
        )
        .unwrap();
    }

    #[test]
    fn longest_match_prefers_the_nested_network() {
        let nets = SampleNetworks::embedded().unwrap();
        let nested = nets
            .asn
            .iter()
            .find(|inner| {
                nets.asn
                    .iter()
                    .any(|outer| outer.net != inner.net && outer.net.covers(&inner.net))
            })
            .expect("asn.csv has nested prefixes");
        let i = nets.asn_of(nested.net.addr()).unwrap();
        assert_eq!(nets.asn[i].net, nested.net);
    }
}
