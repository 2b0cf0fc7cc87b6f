//! The `data` subcommand: small enrichment data files covering the sample
//! networks, in the formats the real sources use (FORMATS §5–§7).
//!
//! - `sample-city.mmdb`: MaxMind DB in the GeoLite2-City nested layout,
//!   `ip_version` 6 with IPv4 at `::/96`, aliased at `::ffff:0:0/96` and
//!   `2002::/16` as GeoLite2 does;
//! - `sample-dbip-city.mmdb` (IPv4 and IPv6) and `sample-dbip-city-ipv4.mmdb`
//!   (an `ip_version` 4 tree): the flat DB-IP lite layout;
//! - `routeviews-rv2-*.pfx2as.gz`, `routeviews-rv6-*.pfx2as.gz`: two dated
//!   Route Views prefix2as snapshots, the later with the origin changes of
//!   `route-changes.csv`;
//! - `autnums.html`: AS names in the CIDR Report page skeleton.
//!
//! Every file is byte-for-byte the same on each run (fixed build epoch, gzip
//! without a timestamp).

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::io::Write;
use std::net::{IpAddr, Ipv6Addr};
use std::path::{Path, PathBuf};

use f2b_core::{Error, Result};
use maxminddb_writer::metadata::IpVersion;
use maxminddb_writer::paths::IpAddrWithMask;
use maxminddb_writer::Database;
use serde::Serialize;

use crate::networks::{GeoRow, Prefix, SampleNetworks};

/// The snapshot dates of the prefix2as files: `asn.csv` is the first, the
/// changes file describes the others.
pub const SNAPSHOTS: [&str; 2] = ["20110101", "20130101"];

/// The build time written into the mmdb metadata (2014-07-01), fixed so that
/// the files are reproducible.
const BUILD_EPOCH: u64 = 1_404_172_800;

/// What `data` wrote.
#[derive(Debug, Default)]
pub struct Written {
    /// Paths of the files written, in order.
    pub files: Vec<PathBuf>,
}

/// Writes every data file into `out` (created if needed).
pub fn write_all(nets: &SampleNetworks, out: &Path) -> Result<Written> {
    std::fs::create_dir_all(out)
        .map_err(|e| Error::io(format!("creating {}", out.display()), e))?;
    let mut written = Written::default();
    let mut save = |name: &str, bytes: Vec<u8>| -> Result<()> {
        let path = out.join(name);
        std::fs::write(&path, bytes)
            .map_err(|e| Error::io(format!("cannot write {}", path.display()), e))?;
        written.files.push(path);
        Ok(())
    };
    save("sample-city.mmdb", geolite2_city(nets)?)?;
    save("sample-dbip-city.mmdb", dbip_city(nets, true)?)?;
    save("sample-dbip-city-ipv4.mmdb", dbip_city(nets, false)?)?;
    for snapshot in SNAPSHOTS {
        for v6 in [false, true] {
            let family = if v6 { "rv6" } else { "rv2" };
            let name = format!("routeviews-{family}-{snapshot}-1200.pfx2as.gz");
            save(&name, gzip(pfx2as(nets, snapshot, v6).as_bytes())?)?;
        }
    }
    save("autnums.html", autnums_html(nets))?;
    Ok(written)
}

/// A `{"en": name}` map, the only language the sample has.
#[derive(Serialize, Clone, Copy)]
struct Names<'a> {
    en: &'a str,
}

#[derive(Serialize)]
struct Coded<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    geoname_id: Option<u32>,
    iso_code: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    names: Option<Names<'a>>,
}

#[derive(Serialize)]
struct Continent<'a> {
    code: &'a str,
    names: Names<'a>,
}

#[derive(Serialize)]
struct City<'a> {
    geoname_id: u32,
    names: Names<'a>,
}

#[derive(Serialize)]
struct Location {
    accuracy_radius: u16,
    latitude: f64,
    longitude: f64,
}

/// A GeoLite2-City record (the fields f2b reads, plus continent and ids).
#[derive(Serialize)]
struct CityRecord<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    city: Option<City<'a>>,
    continent: Continent<'a>,
    country: Coded<'a>,
    location: Location,
    registered_country: Coded<'a>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    subdivisions: Vec<Coded<'a>>,
}

/// A DB-IP lite city record as ip-location-db packages it.
#[derive(Serialize)]
struct FlatRecord<'a> {
    #[serde(skip_serializing_if = "str::is_empty")]
    city: &'a str,
    country_code: &'a str,
    latitude: f32,
    longitude: f32,
    #[serde(skip_serializing_if = "str::is_empty")]
    state1: &'a str,
}

/// Continent of each sample country (GeoLite2 codes).
fn continent(country: &str) -> (&'static str, &'static str) {
    match country {
        "US" | "CA" | "MX" => ("NA", "North America"),
        "BR" | "AR" | "CO" | "CL" | "VE" | "PE" => ("SA", "South America"),
        "ZA" | "EG" | "NG" => ("AF", "Africa"),
        "AU" | "NZ" => ("OC", "Oceania"),
        "DE" | "FR" | "NL" | "GB" | "IT" | "ES" | "PL" | "UA" | "RO" | "RU" | "CZ" | "HU"
        | "BG" | "GR" | "SE" | "BY" | "CH" => ("EU", "Europe"),
        _ => ("AS", "Asia"),
    }
}

/// A stable pseudo geoname id for a name (the real ids are MaxMind's).
fn geoname_id(text: &str) -> u32 {
    (crate::rng::hash_text(text) % 9_000_000) as u32 + 1_000_000
}

/// Tree positions of an IPv4 or IPv6 network in an `ip_version` 6 database:
/// IPv6 as is; IPv4 at `::/96` and its aliases when `aliases` is set.
fn v6_positions(net: &Prefix, aliases: bool) -> Vec<IpAddrWithMask> {
    if net.v6 {
        return vec![IpAddrWithMask::new(net.addr(), net.len)];
    }
    let v4 = net.bits;
    let mut out = vec![IpAddrWithMask::new(
        IpAddr::V6(Ipv6Addr::from(v4)),
        96 + net.len,
    )];
    if aliases {
        out.push(IpAddrWithMask::new(
            IpAddr::V6(Ipv6Addr::from(0xffff_0000_0000u128 | v4)),
            96 + net.len,
        ));
        out.push(IpAddrWithMask::new(
            IpAddr::V6(Ipv6Addr::from((0x2002u128 << 112) | (v4 << 80))),
            16 + net.len,
        ));
    }
    out
}

fn mmdb_error(what: &str, e: maxminddb_writer::Error) -> Error {
    Error::data(format!("writing {what}: {e}"))
}

/// Geo rows sorted so that a covering network is inserted before the networks
/// nested in it (the writer's tree keeps the later, more specific one).
fn rows_by_length(geo: &[GeoRow]) -> Vec<&GeoRow> {
    let mut rows: Vec<&GeoRow> = geo.iter().collect();
    rows.sort_by_key(|r| (r.net.len + if r.net.v6 { 0 } else { 96 }, r.net));
    rows
}

/// The GeoLite2-City layout database.
pub fn geolite2_city(nets: &SampleNetworks) -> Result<Vec<u8>> {
    let names: HashMap<&str, &str> = nets
        .geo
        .iter()
        .map(|r| (r.country.as_str(), r.country_name.as_str()))
        .collect();
    let mut db = Database::default();
    db.metadata.ip_version = IpVersion::V6;
    db.metadata.database_type = "GeoLite2-City".into();
    db.metadata.languages = vec!["en".into()];
    db.metadata.binary_format_major_version = 2;
    db.metadata.binary_format_minor_version = 0;
    db.metadata.build_epoch = BUILD_EPOCH;
    db.metadata.description.insert(
        "en".into(),
        "f2b sample: GeoLite2-City layout over synthetic sample networks".into(),
    );
    let mut stored = BTreeMap::new();
    for row in rows_by_length(&nets.geo) {
        // The registered country is the routing registry's, which may differ
        // (an Amazon network in Singapore is registered in the US).
        let registered = nets
            .asn_of(row.net.addr())
            .map(|i| nets.asn[i].as_country.as_str())
            .filter(|c| !c.is_empty())
            .unwrap_or(row.country.as_str());
        let key = (
            row.country.clone(),
            row.region.clone(),
            row.city.clone(),
            row.lat.to_bits(),
            row.lon.to_bits(),
            registered.to_string(),
        );
        let data = match stored.get(&key) {
            Some(data) => *data,
            None => {
                let (code, continent_name) = continent(&row.country);
                let record = CityRecord {
                    city: (!row.city.is_empty()).then(|| City {
                        geoname_id: geoname_id(&format!("{}/{}", row.country, row.city)),
                        names: Names { en: &row.city },
                    }),
                    continent: Continent {
                        code,
                        names: Names { en: continent_name },
                    },
                    country: Coded {
                        geoname_id: Some(geoname_id(&row.country)),
                        iso_code: &row.country,
                        names: Some(Names {
                            en: &row.country_name,
                        }),
                    },
                    location: Location {
                        accuracy_radius: if row.city.is_empty() { 1000 } else { 50 },
                        latitude: row.lat,
                        longitude: row.lon,
                    },
                    registered_country: Coded {
                        geoname_id: Some(geoname_id(registered)),
                        iso_code: registered,
                        names: names.get(registered).map(|en| Names { en }),
                    },
                    subdivisions: if row.region.is_empty() {
                        Vec::new()
                    } else {
                        vec![Coded {
                            geoname_id: Some(geoname_id(&format!(
                                "{}-{}",
                                row.country, row.region_code
                            ))),
                            iso_code: &row.region_code,
                            names: Some(Names { en: &row.region }),
                        }]
                    },
                };
                let data = db
                    .insert_value(&record)
                    .map_err(|e| mmdb_error("sample-city.mmdb", e))?;
                stored.insert(key, data);
                data
            }
        };
        for position in v6_positions(&row.net, true) {
            db.insert_node(position, data);
        }
    }
    let mut out = Vec::new();
    db.write_to(&mut out)
        .map_err(|e| mmdb_error("sample-city.mmdb", e))?;
    Ok(out)
}

/// The flat DB-IP lite layout: with `with_v6`, one `ip_version` 6 tree for
/// both families (IPv4 at `::/96` only, as DB-IP's own files have it);
/// without, an `ip_version` 4 tree of the IPv4 networks.
pub fn dbip_city(nets: &SampleNetworks, with_v6: bool) -> Result<Vec<u8>> {
    let name = if with_v6 {
        "sample-dbip-city.mmdb"
    } else {
        "sample-dbip-city-ipv4.mmdb"
    };
    let mut db = Database::default();
    db.metadata.ip_version = if with_v6 {
        IpVersion::V6
    } else {
        IpVersion::V4
    };
    db.metadata.database_type = "DBIP-City-Lite".into();
    db.metadata.languages = vec!["en".into()];
    db.metadata.binary_format_major_version = 2;
    db.metadata.binary_format_minor_version = 0;
    db.metadata.build_epoch = BUILD_EPOCH;
    db.metadata.description.insert(
        "en".into(),
        "f2b sample: DB-IP lite city layout over synthetic sample networks".into(),
    );
    let mut stored = BTreeMap::new();
    for row in rows_by_length(&nets.geo) {
        if row.net.v6 && !with_v6 {
            continue;
        }
        let key = (
            row.country.clone(),
            row.region.clone(),
            row.city.clone(),
            row.lat.to_bits(),
        );
        let data = match stored.get(&key) {
            Some(data) => *data,
            None => {
                let record = FlatRecord {
                    city: &row.city,
                    country_code: &row.country,
                    latitude: row.lat as f32,
                    longitude: row.lon as f32,
                    state1: &row.region,
                };
                let data = db.insert_value(&record).map_err(|e| mmdb_error(name, e))?;
                stored.insert(key, data);
                data
            }
        };
        if with_v6 {
            for position in v6_positions(&row.net, false) {
                db.insert_node(position, data);
            }
        } else {
            db.insert_node(IpAddrWithMask::new(row.net.addr(), row.net.len), data);
        }
    }
    let mut out = Vec::new();
    db.write_to(&mut out).map_err(|e| mmdb_error(name, e))?;
    Ok(out)
}

/// The routes of a snapshot: `asn.csv` with that snapshot's changes applied.
pub fn routes(nets: &SampleNetworks, snapshot: &str) -> BTreeMap<Prefix, String> {
    let mut routes: BTreeMap<Prefix, String> =
        nets.asn.iter().map(|r| (r.net, r.origin.clone())).collect();
    for change in nets
        .changes
        .iter()
        .filter(|c| c.snapshot.as_str() <= snapshot)
    {
        if change.origin == "-" {
            routes.remove(&change.net);
        } else {
            routes.insert(change.net, change.origin.clone());
        }
    }
    routes
}

/// A prefix2as snapshot as text: `PREFIX<TAB>LENGTH<TAB>ASN`, sorted by address.
pub fn pfx2as(nets: &SampleNetworks, snapshot: &str, v6: bool) -> String {
    let mut text = String::new();
    for (net, origin) in routes(nets, snapshot).iter().filter(|(n, _)| n.v6 == v6) {
        text.push_str(&format!("{}\t{}\t{}\n", net.addr(), net.len, origin));
    }
    text
}

fn gzip(bytes: &[u8]) -> Result<Vec<u8>> {
    let mut gz = flate2::GzBuilder::new()
        .mtime(0)
        .write(Vec::new(), flate2::Compression::best());
    gz.write_all(bytes)
        .and_then(|_| gz.finish())
        .map_err(|e| Error::io("compressing a prefix2as file", e))
}

fn html_escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// The AS whose line the page writes in ISO-8859-1, as the real page mixes encodings.
const LATIN1_AS: u32 = 27699;

/// `autnums.html`: one line per AS named in any snapshot, in AS order, in the
/// CIDR Report page skeleton.
pub fn autnums_html(nets: &SampleNetworks) -> Vec<u8> {
    let mut names: BTreeMap<u32, (String, String)> = BTreeMap::new();
    names.insert(0, ("-Reserved AS-".into(), "ZZ".into()));
    names.insert(
        1,
        ("LVLT-1 - Level 3 Communications, Inc.".into(), "US".into()),
    );
    names.insert(23456, ("-Reserved AS-".into(), "ZZ".into()));
    let rows = nets
        .asn
        .iter()
        .map(|r| (&r.origin, &r.as_name, &r.as_country))
        .chain(
            nets.changes
                .iter()
                .filter(|c| c.origin != "-" && !c.as_name.is_empty())
                .map(|c| (&c.origin, &c.as_name, &c.as_country)),
        );
    for (origin, name, country) in rows {
        let first = crate::networks::parse_origins(origin)
            .and_then(|o| o.first().copied())
            .unwrap_or(0);
        // A row's name is its first origin's; keep the first name seen.
        names
            .entry(first)
            .or_insert_with(|| (name.clone(), country.clone()));
    }
    let mut page = Vec::new();
    page.extend_from_slice(
        b"<html>\n<head>\n<title>AS Names</title>\n\
          <meta http-equiv=\"Content-Type\" content=\"text/html; charset=iso-8859-1\">\n\
          </head>\n<body>\n<h2>AS Names</h2>\n<pre>\n",
    );
    for (asn, (name, country)) in &names {
        let label = format!("AS{asn}");
        let text = if country.is_empty() {
            html_escape(name)
        } else {
            format!("{}, {country}", html_escape(name))
        };
        page.extend_from_slice(
            format!("<a href=\"/cgi-bin/as-report?as=AS{asn}&view=2.0\">{label:<7}</a> ")
                .as_bytes(),
        );
        if *asn == LATIN1_AS && text.chars().all(|c| u32::from(c) <= 0xff) {
            page.extend(text.chars().map(|c| c as u8));
        } else {
            page.extend_from_slice(text.as_bytes());
        }
        page.push(b'\n');
    }
    page.extend_from_slice(b"</pre>\n</body>\n</html>\n");
    page
}

/// Every AS number routed in any snapshot (for checks).
pub fn routed_asns(nets: &SampleNetworks) -> BTreeSet<u32> {
    SNAPSHOTS
        .iter()
        .flat_map(|s| routes(nets, s).into_values())
        .flat_map(|o| crate::networks::parse_origins(&o).unwrap_or_default())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn later_snapshot_applies_the_changes() {
        let nets = SampleNetworks::embedded().unwrap();
        let old = routes(&nets, SNAPSHOTS[0]);
        let new = routes(&nets, SNAPSHOTS[1]);
        let linode: Prefix = "173.255.192.0/18".parse().unwrap();
        assert_eq!(old[&linode], "6939");
        assert_eq!(new[&linode], "63949");
        let withdrawn: Prefix = "58.218.192.0/18".parse().unwrap();
        assert!(old.contains_key(&withdrawn) && !new.contains_key(&withdrawn));
    }

    #[test]
    fn autnums_names_every_routed_as_and_escapes_ampersands() {
        let nets = SampleNetworks::embedded().unwrap();
        let page = String::from_utf8_lossy(&autnums_html(&nets)).into_owned();
        for asn in routed_asns(&nets) {
            assert!(
                page.contains(&format!("as=AS{asn}&view=2.0\">")),
                "AS{asn} missing"
            );
        }
        assert!(page.contains("AANET Andrews &amp; Arnold Ltd, GB"));
        assert!(page.contains(">AS4134 </a> CHINANET-BACKBONE No.31,Jin-rong Street, CN\n"));
    }
}
