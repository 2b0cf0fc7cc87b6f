//! Tiny MaxMind DB files written by the tests themselves, in both layouts of
//! FORMATS §5, so that no test needs a real database or the network.
//!
//! Used by the unit tests and, through `#[path]`, by the integration tests.
//! The places are real, the networks are small, the values are what the real
//! databases say for them.

#![allow(dead_code)]

use std::net::IpAddr;
use std::path::Path;

use maxminddb_writer::metadata::IpVersion;
use maxminddb_writer::paths::IpAddrWithMask;
use maxminddb_writer::Database;
use serde::Serialize;
use serde_json::json;

/// A MaxMind DB under construction.
pub struct TestDb {
    db: Database,
    ipv6: bool,
}

/// A record in the flat layout of DB-IP lite, coordinates as 32-bit floats.
#[derive(Serialize)]
pub struct FlatRecord<'a> {
    pub city: &'a str,
    pub country_code: &'a str,
    pub latitude: f32,
    pub longitude: f32,
    pub postcode: &'a str,
    pub state1: &'a str,
    pub state2: &'a str,
    pub timezone: &'a str,
}

impl TestDb {
    /// An empty database of `database_type` with an IPv4 (4) or IPv6 (6) tree.
    pub fn new(database_type: &str, ip_version: u8) -> TestDb {
        let mut db = Database::default();
        db.metadata.ip_version = if ip_version == 6 {
            IpVersion::V6
        } else {
            IpVersion::V4
        };
        db.metadata.database_type = database_type.to_string();
        db.metadata.binary_format_major_version = 2;
        db.metadata.binary_format_minor_version = 0;
        db.metadata.build_epoch = 1_577_145_600;
        db.metadata
            .description
            .insert("en".into(), "f2b-geo test database".into());
        TestDb {
            db,
            ipv6: ip_version == 6,
        }
    }

    /// Sets the languages the metadata announces.
    pub fn languages(mut self, languages: &[&str]) -> TestDb {
        self.db.metadata.languages = languages.iter().map(|l| l.to_string()).collect();
        self
    }

    /// Adds `record` for `network` (`81.2.69.0/24`, `2001:218::/32`). In an
    /// IPv6 tree an IPv4 network goes where readers look IPv4 up (`::a.b.c.d`).
    pub fn insert(&mut self, network: &str, record: impl Serialize) {
        let (addr, len) = network.split_once('/').expect("network/len");
        let addr: IpAddr = addr.parse().expect("network address");
        let len: u8 = len.parse().expect("prefix length");
        let path = match addr {
            IpAddr::V4(v4) if self.ipv6 => {
                IpAddrWithMask::new(IpAddr::V6(v4.to_ipv6_compatible()), 96 + len)
            }
            _ => IpAddrWithMask::new(addr, len),
        };
        let data = self.db.insert_value(record).expect("serializable record");
        self.db.insert_node(path, data);
    }

    /// The database file's bytes.
    pub fn bytes(&self) -> Vec<u8> {
        self.db.write_to(Vec::new()).expect("written to memory")
    }

    /// Writes the database file.
    pub fn write(&self, path: &Path) {
        std::fs::write(path, self.bytes()).expect("database written");
    }

    /// A GeoLite2-City look-alike (IPv6 tree, nested layout, three languages).
    pub fn geolite2_city() -> TestDb {
        let mut db = TestDb::new("GeoLite2-City", 6).languages(&["de", "en", "fr"]);
        db.insert(
            "81.2.69.0/24",
            json!({
                "city": {"geoname_id": 2643743, "names": {"de": "London", "en": "London", "fr": "Londres"}},
                "continent": {"code": "EU", "names": {"en": "Europe"}},
                "country": {"iso_code": "GB", "names": {"de": "Vereinigtes Königreich", "en": "United Kingdom"}},
                "location": {"accuracy_radius": 100, "latitude": 51.5142, "longitude": -0.0931, "time_zone": "Europe/London"},
                "registered_country": {"iso_code": "GB"},
                "subdivisions": [
                    {"iso_code": "ENG", "names": {"de": "England", "en": "England", "fr": "Angleterre"}},
                    {"iso_code": "WSM", "names": {"en": "Westminster"}}
                ]
            }),
        );
        db.insert(
            "61.147.12.0/24",
            json!({
                "city": {"names": {"de": "Nanking", "en": "Nanjing"}},
                "country": {"iso_code": "CN", "names": {"en": "China"}},
                "location": {"latitude": 32.0617, "longitude": 118.7778},
                "subdivisions": [{"iso_code": "JS", "names": {"en": "Jiangsu", "fr": "Province de Jiangsu"}}]
            }),
        );
        db.insert(
            "2.125.160.0/20",
            json!({
                "country": {"iso_code": "GB", "names": {"en": "United Kingdom"}},
                "location": {"latitude": 51.4964, "longitude": -0.1224}
            }),
        );
        // Places that DB-IP (below) gives otherwise: another country, the
        // same country with a city, and no country at all.
        for network in ["38.158.13.0/24", "12.47.36.0/24"] {
            db.insert(
                network,
                json!({
                    "continent": {"code": "NA"},
                    "country": {"iso_code": "US", "names": {"en": "United States"}},
                    "location": {"accuracy_radius": 1000, "latitude": 37.751, "longitude": -97.822}
                }),
            );
        }
        db.insert(
            "177.3.254.0/24",
            json!({
                "country": {"iso_code": "BR", "names": {"en": "Brazil"}},
                "location": {"latitude": -13.5891, "longitude": -56.1519},
                "subdivisions": [{"iso_code": "MT", "names": {"en": "Mato Grosso"}}]
            }),
        );
        db.insert(
            "2.16.4.0/23",
            json!({
                "continent": {"code": "EU"},
                "location": {"accuracy_radius": 50, "latitude": 47.0, "longitude": 8.0}
            }),
        );
        db.insert(
            "2001:218::/32",
            json!({
                "city": {"names": {"en": "Tokyo", "fr": "Tokyo"}},
                "country": {"iso_code": "JP", "names": {"en": "Japan"}},
                "location": {"latitude": 35.6893, "longitude": 139.6899},
                "subdivisions": [{"iso_code": "13", "names": {"en": "Tokyo"}}]
            }),
        );
        db
    }

    /// A GeoLite2-Country look-alike: countries only, and one network
    /// (9.9.9.0/24) that the City database above lacks.
    pub fn geolite2_country() -> TestDb {
        let mut db = TestDb::new("GeoLite2-Country", 6).languages(&["en"]);
        for (network, code) in [
            ("81.2.69.0/24", "GB"),
            ("9.9.9.0/24", "US"),
            ("61.147.12.0/24", "CN"),
            ("38.158.13.0/24", "US"),
            ("12.47.36.0/24", "US"),
        ] {
            db.insert(
                network,
                json!({"continent": {"code": "XX"}, "country": {"iso_code": code}}),
            );
        }
        db
    }

    /// A DB-IP city lite look-alike for IPv4 (IPv4-only tree, flat layout).
    pub fn dbip_ipv4() -> TestDb {
        let mut db = TestDb::new("city ipv4", 4);
        db.insert(
            "81.2.69.0/24",
            FlatRecord {
                city: "London",
                country_code: "GB",
                latitude: 51.5143,
                longitude: -0.0912244,
                postcode: "",
                state1: "England",
                state2: "",
                timezone: "",
            },
        );
        db.insert(
            "61.147.12.0/24",
            FlatRecord {
                city: "Nanjing",
                country_code: "CN",
                latitude: 32.0607,
                longitude: 118.763,
                postcode: "",
                state1: "Jiangsu",
                state2: "",
                timezone: "",
            },
        );
        for (network, country_code, state1, city, latitude, longitude) in [
            (
                "38.158.13.0/24",
                "CA",
                "British Columbia",
                "Burns Lake",
                54.2297,
                -125.761,
            ),
            (
                "12.47.36.0/24",
                "US",
                "Minnesota",
                "Minneapolis",
                44.9778,
                -93.265,
            ),
            (
                "177.3.254.0/24",
                "BR",
                "Sao Paulo",
                "Sao Jose do Rio Preto",
                -21.2922,
                -50.3428,
            ),
            ("2.16.4.0/23", "IT", "Lombardy", "Milan", 45.4685, 9.1824),
        ] {
            db.insert(
                network,
                FlatRecord {
                    city,
                    country_code,
                    latitude,
                    longitude,
                    postcode: "",
                    state1,
                    state2: "",
                    timezone: "",
                },
            );
        }
        db.insert(
            "9.9.9.0/24",
            FlatRecord {
                city: "",
                country_code: "US",
                latitude: 37.751,
                longitude: -97.822,
                postcode: "",
                state1: "",
                state2: "",
                timezone: "",
            },
        );
        db
    }

    /// A DB-IP city lite look-alike for IPv6 (IPv6 tree, no IPv4 data).
    pub fn dbip_ipv6() -> TestDb {
        let mut db = TestDb::new("city ipv6", 6);
        db.insert(
            "2001:4860::/32",
            FlatRecord {
                city: "Montreal",
                country_code: "CA",
                latitude: 45.5019,
                longitude: -73.5674,
                postcode: "",
                state1: "Quebec",
                state2: "",
                timezone: "",
            },
        );
        db
    }

    /// A GeoLite2-ASN look-alike: the wrong kind of database for f2b-geo.
    pub fn asn() -> TestDb {
        let mut db = TestDb::new("GeoLite2-ASN", 6);
        db.insert(
            "8.8.8.0/24",
            json!({"autonomous_system_number": 15169, "autonomous_system_organization": "GOOGLE"}),
        );
        db
    }
}
