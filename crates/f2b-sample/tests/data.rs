//! `f2b-sample data`: the files read back as the formats document them
//! (FORMATS §5–§7), with the answers the sample tables promise.

use std::collections::{BTreeMap, BTreeSet};
use std::io::Read;
use std::net::IpAddr;
use std::path::Path;

use assert_cmd::Command;
use maxminddb::{geoip2, path, Reader};

fn write_data(dir: &Path) {
    Command::cargo_bin("f2b-sample")
        .unwrap()
        .args(["data", "--quiet", "--out", dir.to_str().unwrap()])
        .assert()
        .success();
}

fn reader(dir: &Path, name: &str) -> Reader<Vec<u8>> {
    Reader::from_source(std::fs::read(dir.join(name)).unwrap()).unwrap()
}

fn gunzip(path: &Path) -> String {
    let mut text = String::new();
    flate2::read::GzDecoder::new(std::fs::File::open(path).unwrap())
        .read_to_string(&mut text)
        .unwrap();
    text
}

struct Place {
    country: Option<String>,
    region: Option<String>,
    region_code: Option<String>,
    city: Option<String>,
    registered: Option<String>,
}

fn city(reader: &Reader<Vec<u8>>, ip: &str) -> Option<Place> {
    let ip: IpAddr = ip.parse().unwrap();
    let found = reader.lookup(ip).unwrap();
    let record: geoip2::City = found.decode().unwrap()?;
    let sub = record.subdivisions.first();
    Some(Place {
        country: record.country.iso_code.map(str::to_string),
        region: sub.and_then(|s| s.names.english).map(str::to_string),
        region_code: sub.and_then(|s| s.iso_code).map(str::to_string),
        city: record.city.names.english.map(str::to_string),
        registered: record.registered_country.iso_code.map(str::to_string),
    })
}

#[test]
fn city_database_has_the_geolite2_layout_and_metadata() {
    let dir = tempfile::tempdir().unwrap();
    write_data(dir.path());
    let db = reader(dir.path(), "sample-city.mmdb");
    assert_eq!(db.metadata().database_type, "GeoLite2-City");
    assert_eq!(db.metadata().ip_version, 6);
    assert_eq!(db.metadata().binary_format_major_version, 2);
    db.verify().unwrap();
    let nanjing = city(&db, "61.147.12.134").unwrap();
    assert_eq!(nanjing.country.as_deref(), Some("CN"));
    assert_eq!(nanjing.region.as_deref(), Some("Jiangsu"));
    assert_eq!(nanjing.region_code.as_deref(), Some("JS"));
    assert_eq!(nanjing.city.as_deref(), Some("Nanjing"));
    let found = db.lookup("61.147.12.134".parse().unwrap()).unwrap();
    let lat: Option<f64> = found.decode_path(&path!["location", "latitude"]).unwrap();
    let name: Option<String> = found.decode_path(&path!["country", "names", "en"]).unwrap();
    assert_eq!(lat, Some(32.0617));
    assert_eq!(name.as_deref(), Some("China"));
}

#[test]
fn nested_networks_answer_with_the_more_specific_place() {
    let dir = tempfile::tempdir().unwrap();
    write_data(dir.path());
    let db = reader(dir.path(), "sample-city.mmdb");
    assert_eq!(
        city(&db, "58.218.200.1").unwrap().city.as_deref(),
        Some("Wuxi")
    );
    assert_eq!(
        city(&db, "58.218.10.1").unwrap().city.as_deref(),
        Some("Nanjing")
    );
    // An Amazon network in Singapore, registered in the US.
    let sg = city(&db, "54.251.10.20").unwrap();
    assert_eq!(sg.country.as_deref(), Some("SG"));
    assert_eq!(sg.registered.as_deref(), Some("US"));
    assert_eq!(
        city(&db, "54.240.1.1").unwrap().country.as_deref(),
        Some("US")
    );
}

#[test]
fn ipv6_and_mapped_ipv4_resolve_and_others_do_not() {
    let dir = tempfile::tempdir().unwrap();
    write_data(dir.path());
    let db = reader(dir.path(), "sample-city.mmdb");
    let hetzner = city(&db, "2a01:4f8:1:2::3").unwrap();
    assert_eq!(hetzner.country.as_deref(), Some("DE"));
    assert_eq!(hetzner.city.as_deref(), Some("Nuremberg"));
    assert_eq!(
        city(&db, "::ffff:61.147.1.1").unwrap().country.as_deref(),
        Some("CN")
    );
    assert_eq!(
        city(&db, "2002:3d93:0101::1").unwrap().country.as_deref(),
        Some("CN"),
        "6to4 alias of 61.147.1.1"
    );
    assert!(city(&db, "192.0.2.1").is_none());
    assert!(city(&db, "2001:db8::1").is_none());
    // A country-only network has no subdivision and no city.
    let us = city(&db, "12.34.56.78").unwrap();
    assert_eq!(us.country.as_deref(), Some("US"));
    assert!(us.region.is_none() && us.city.is_none());
}

#[test]
fn flat_databases_have_the_dbip_layout() {
    let dir = tempfile::tempdir().unwrap();
    write_data(dir.path());
    let both = reader(dir.path(), "sample-dbip-city.mmdb");
    assert_eq!(both.metadata().database_type, "DBIP-City-Lite");
    assert_eq!(both.metadata().ip_version, 6);
    let found = both.lookup("177.1.2.3".parse().unwrap()).unwrap();
    let cc: Option<String> = found.decode_path(&path!["country_code"]).unwrap();
    let state: Option<String> = found.decode_path(&path!["state1"]).unwrap();
    let town: Option<String> = found.decode_path(&path!["city"]).unwrap();
    let lat: Option<f32> = found.decode_path(&path!["latitude"]).unwrap();
    assert_eq!(cc.as_deref(), Some("BR"));
    assert_eq!(state.as_deref(), Some("São Paulo"));
    assert_eq!(town.as_deref(), Some("São Paulo"));
    assert!((lat.unwrap() - -23.5475).abs() < 1e-3);
    let v6 = both.lookup("2001:470:1::1".parse().unwrap()).unwrap();
    let cc: Option<String> = v6.decode_path(&path!["country_code"]).unwrap();
    assert_eq!(cc.as_deref(), Some("US"));

    let v4 = reader(dir.path(), "sample-dbip-city-ipv4.mmdb");
    assert_eq!(v4.metadata().ip_version, 4);
    let found = v4.lookup("88.198.1.1".parse().unwrap()).unwrap();
    let town: Option<String> = found.decode_path(&path!["city"]).unwrap();
    assert_eq!(town.as_deref(), Some("Nuremberg"));
}

/// One prefix2as line: `PREFIX<TAB>LENGTH<TAB>ASN`, ASN `A`, `A_B` or `A,B`.
fn parse_pfx2as(text: &str) -> BTreeMap<(IpAddr, u8), Vec<u32>> {
    text.lines()
        .map(|line| {
            let fields: Vec<&str> = line.split('\t').collect();
            assert_eq!(fields.len(), 3, "{line:?}");
            let addr: IpAddr = fields[0].parse().unwrap();
            let len: u8 = fields[1].parse().unwrap();
            let origins: Vec<u32> = fields[2]
                .split(['_', ','])
                .map(|a| a.parse().unwrap())
                .collect();
            ((addr, len), origins)
        })
        .collect()
}

#[test]
fn prefix2as_snapshots_parse_as_documented_and_differ_by_a_few_origins() {
    let dir = tempfile::tempdir().unwrap();
    write_data(dir.path());
    let old_text = gunzip(&dir.path().join("routeviews-rv2-20110101-1200.pfx2as.gz"));
    let new_text = gunzip(&dir.path().join("routeviews-rv2-20130101-1200.pfx2as.gz"));
    let v6_text = gunzip(&dir.path().join("routeviews-rv6-20110101-1200.pfx2as.gz"));
    let old = parse_pfx2as(&old_text);
    let new = parse_pfx2as(&new_text);
    let v6 = parse_pfx2as(&v6_text);
    assert!(old.keys().all(|(a, _)| a.is_ipv4()));
    assert!(!v6.is_empty() && v6.keys().all(|(a, _)| a.is_ipv6()));
    assert!(
        old_text.lines().any(|l| l.ends_with("\t4837_9929")),
        "multi-origin"
    );
    assert!(
        old_text.lines().any(|l| l.ends_with("\t7552,24086")),
        "AS set"
    );
    assert_eq!(old[&("61.147.0.0".parse().unwrap(), 16)], vec![4134]);
    let changed: Vec<_> = old
        .keys()
        .chain(new.keys())
        .collect::<BTreeSet<_>>()
        .into_iter()
        .filter(|k| old.get(k) != new.get(k))
        .collect();
    assert!((3..=10).contains(&changed.len()), "{changed:?}");
    // Sorted by address, as the published files are.
    let keys: Vec<_> = old_text
        .lines()
        .map(|l| l.split('\t').next().unwrap().parse::<IpAddr>().unwrap())
        .collect();
    assert!(keys.windows(2).all(|w| w[0] <= w[1]));
}

#[test]
fn autnums_has_one_as_per_line_with_name_and_country() {
    let dir = tempfile::tempdir().unwrap();
    write_data(dir.path());
    let bytes = std::fs::read(dir.path().join("autnums.html")).unwrap();
    // The page mixes encodings, as the real one does: read bytes as Latin-1.
    let text: String = bytes.iter().map(|&b| b as char).collect();
    let mut names = BTreeMap::new();
    for line in text.lines().filter(|l| l.starts_with("<a href")) {
        let (link, rest) = line.split_once("</a> ").unwrap();
        let label = link.rsplit('>').next().unwrap().trim();
        let asn: u32 = label.strip_prefix("AS").unwrap().parse().unwrap();
        assert!(link.contains(&format!("as=AS{asn}&view=2.0")), "{line}");
        names.insert(asn, rest.to_string());
    }
    assert!(names[&4134].starts_with("CHINANET-BACKBONE No.31,Jin-rong Street, CN"));
    assert!(names[&8560].contains("1&amp;1 Internet AG, DE"));
    assert!(!names[&58466].ends_with(", CN"), "one AS has no country");
    let routed: BTreeSet<u32> = [
        "routeviews-rv2-20110101-1200.pfx2as.gz",
        "routeviews-rv2-20130101-1200.pfx2as.gz",
        "routeviews-rv6-20110101-1200.pfx2as.gz",
    ]
    .iter()
    .flat_map(|f| {
        parse_pfx2as(&gunzip(&dir.path().join(f)))
            .into_values()
            .flatten()
    })
    .collect();
    for asn in routed {
        assert!(
            names.contains_key(&asn),
            "AS{asn} is routed but has no name"
        );
    }
}

#[test]
fn data_files_are_the_same_on_every_run() {
    let a = tempfile::tempdir().unwrap();
    let b = tempfile::tempdir().unwrap();
    write_data(a.path());
    write_data(b.path());
    let names: Vec<_> = std::fs::read_dir(a.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(names.len(), 8);
    for name in names {
        assert_eq!(
            std::fs::read(a.path().join(&name)).unwrap(),
            std::fs::read(b.path().join(&name)).unwrap(),
            "{name:?}"
        );
    }
}

#[test]
fn generated_mail_resolves_in_the_generated_data() {
    let dir = tempfile::tempdir().unwrap();
    write_data(dir.path());
    let mail = dir.path().join("mail");
    Command::cargo_bin("f2b-sample")
        .unwrap()
        .args([
            "mail",
            "--messages",
            "800",
            "--seed",
            "resolve",
            "--reporters",
            "200",
        ])
        .args(["--quiet", "--out", mail.to_str().unwrap()])
        .assert()
        .success();
    let db = reader(dir.path(), "sample-city.mmdb");
    let truth = std::fs::read_to_string(mail.join("truth.ndjson")).unwrap();
    let (mut total, mut resolved, mut reporters, mut reporters_resolved) = (0, 0, 0, 0);
    for line in truth.lines() {
        let t: serde_json::Value = serde_json::from_str(line).unwrap();
        total += 1;
        if city(&db, t["ip"].as_str().unwrap()).is_some() {
            resolved += 1;
        }
        if let Some(ip) = t["reporter_ip"].as_str() {
            reporters += 1;
            if city(&db, ip).is_some() {
                reporters_resolved += 1;
            }
        }
    }
    assert!(
        resolved * 100 >= total * 88,
        "{resolved} of {total} attackers resolve"
    );
    assert!(
        resolved < total,
        "some attackers are outside the sample networks"
    );
    assert!(
        reporters_resolved * 100 >= reporters * 80,
        "{reporters_resolved} of {reporters}"
    );
}
