//! GeoLite2-ASN (`.mmdb`) as the routing source, for users who have it instead
//! of Route Views data. It gives the AS number and organisation name of the
//! network containing an address; it has no country and a single origin.

use std::net::IpAddr;
use std::path::Path;

use f2b_core::input::Input;
use f2b_core::{Error, Result};
use maxminddb::geoip2::Asn;
use maxminddb::{Reader, WithinOptions};
use serde::de::IgnoredAny;
use serde::Deserialize;

use crate::prefix::Prefix;

/// The largest database read (inflated, when gzip-compressed). GeoLite2-ASN
/// is about 10 MB; more than this is not an ASN database.
pub const MAX_BYTES: u64 = 2 << 30;

/// How many records are read when a database is opened to tell its kind.
const SAMPLE: usize = 64;

/// An opened GeoLite2-ASN database.
pub struct AsnDb {
    name: String,
    reader: Reader<Vec<u8>>,
}

/// What the database says about an address.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct AsnRecord<'a> {
    /// The AS number.
    pub asn: u32,
    /// The organisation name, if any.
    pub name: Option<&'a str>,
    /// The network the answer holds for.
    pub prefix: Prefix,
}

impl AsnDb {
    /// Opens a database file (gzip is read transparently, up to
    /// [`MAX_BYTES`] inflated) and checks that it is an ASN database.
    pub fn open(path: &Path) -> Result<AsnDb> {
        let input = Input::open(path)?;
        let name = input.name.clone();
        let bytes = input.read_all(MAX_BYTES, "ASN database")?;
        Self::from_bytes(name, bytes)
    }

    /// A database from its bytes; `name` names it in messages. A database
    /// of another kind (City, Country, ...) or without records is an error:
    /// it would leave every `asn` null.
    pub fn from_bytes(name: String, bytes: Vec<u8>) -> Result<AsnDb> {
        let reader = Reader::from_source(bytes)
            .map_err(|e| Error::data(format!("{name}: not a MaxMind database: {e}")))?;
        check_kind(&reader, &name)?;
        Ok(AsnDb { name, reader })
    }

    /// The database type its metadata declares (`GeoLite2-ASN`).
    pub fn database_type(&self) -> &str {
        &self.reader.metadata().database_type
    }

    /// The AS of `ip`, `None` when the database has none. An IPv6 address in
    /// an IPv4-only database is simply not found; a corrupt record is an error.
    pub fn lookup(&self, ip: IpAddr) -> Result<Option<AsnRecord<'_>>> {
        if ip.is_ipv6() && self.reader.metadata().ip_version == 4 {
            return Ok(None);
        }
        let bad = |e: maxminddb::MaxMindDbError| {
            Error::data(format!("{}: lookup of {ip}: {e}", self.name))
        };
        let result = self.reader.lookup(ip).map_err(bad)?;
        if !result.has_data() {
            return Ok(None);
        }
        let Some(record) = result.decode::<Asn<'_>>().map_err(bad)? else {
            return Ok(None);
        };
        let Some(asn) = record.autonomous_system_number else {
            return Ok(None);
        };
        let network = result.network().map_err(bad)?;
        Ok(Some(AsnRecord {
            asn,
            name: record
                .autonomous_system_organization
                .filter(|n| !n.is_empty()),
            prefix: Prefix::containing(network.ip(), network.prefix()),
        }))
    }
}

/// The fields of a record that tell what kind of database it is from.
#[derive(Deserialize)]
struct KindOfRecord {
    autonomous_system_number: Option<IgnoredAny>,
    country: Option<IgnoredAny>,
    city: Option<IgnoredAny>,
    location: Option<IgnoredAny>,
    country_code: Option<IgnoredAny>,
}

/// Accepts a database whose first records carry `autonomous_system_number`
/// (GeoLite2-ASN, GeoIP2-ISP, DB-IP ASN), or, failing that, whose metadata
/// says it is one; refuses the rest, naming what the file is instead.
fn check_kind(reader: &Reader<Vec<u8>>, name: &str) -> Result<()> {
    let database_type = &reader.metadata().database_type;
    let bad = |e: maxminddb::MaxMindDbError| {
        Error::data(format!("{name}: cannot list its networks: {e}"))
    };
    let (mut records, mut with_asn, mut with_place) = (0, 0, 0);
    for network in reader
        .networks(WithinOptions::default())
        .map_err(bad)?
        .take(SAMPLE)
    {
        let network = network.map_err(bad)?;
        records += 1;
        // A record that is not a map is of no known kind.
        if let Ok(Some(r)) = network.decode::<KindOfRecord>() {
            if r.autonomous_system_number.is_some() {
                with_asn += 1;
            }
            if r.country.is_some()
                || r.city.is_some()
                || r.location.is_some()
                || r.country_code.is_some()
            {
                with_place += 1;
            }
        }
    }
    if with_asn > 0 {
        return Ok(());
    }
    if records == 0 {
        return Err(Error::data(format!(
            "{name} has no records (database_type {database_type:?}): not a usable ASN database"
        )));
    }
    if database_type.to_ascii_uppercase().contains("ASN") {
        return Ok(());
    }
    let what = if with_place > 0 {
        "a City or Country (geolocation) database, not an ASN database"
    } else {
        "not an ASN database"
    };
    Err(Error::data(format!(
        "{name} is {what} (database_type {database_type:?}; its records have no \
         autonomous_system_number): f2b-asn reads GeoLite2-ASN, or prefix2as data with --pfx2as"
    )))
}

#[cfg(test)]
mod tests {
    use super::*;
    use maxminddb_writer::paths::IpAddrWithMask;
    use serde::Serialize;

    fn database<T: Serialize>(database_type: &str, records: &[(&str, T)]) -> Vec<u8> {
        let mut db = maxminddb_writer::Database::default();
        db.metadata.ip_version = maxminddb_writer::metadata::IpVersion::V4;
        db.metadata.database_type = database_type.into();
        db.metadata.binary_format_major_version = 2;
        for (net, record) in records {
            let data = db.insert_value(record).unwrap();
            db.insert_node(net.parse::<IpAddrWithMask>().unwrap(), data);
        }
        let mut bytes = Vec::new();
        db.write_to(&mut bytes).unwrap();
        bytes
    }

    fn open(bytes: Vec<u8>) -> Result<AsnDb> {
        AsnDb::from_bytes("test.mmdb".into(), bytes)
    }

    #[derive(Serialize)]
    struct AsnRecord {
        autonomous_system_number: u32,
    }

    #[test]
    fn asn_records_are_accepted_whatever_the_type_says() {
        let record = AsnRecord {
            autonomous_system_number: 4134,
        };
        for database_type in ["GeoLite2-ASN", "DBIP-ASN-Lite", "asn", "Custom"] {
            let db = open(database(database_type, &[("61.147.0.0/16", &record)])).unwrap();
            let hit = db.lookup("61.147.1.1".parse().unwrap()).unwrap().unwrap();
            assert_eq!(hit.asn, 4134);
        }
    }

    #[test]
    fn a_city_database_is_refused_naming_file_and_kind() {
        let city = serde_json::json!({
            "country": {"iso_code": "CN"},
            "city": {"names": {"en": "Nanjing"}},
            "location": {"latitude": 32.06, "longitude": 118.78}
        });
        let msg = open(database("GeoLite2-City", &[("61.147.0.0/16", &city)]))
            .err()
            .unwrap()
            .to_string();
        assert!(
            msg.contains("test.mmdb is a City or Country (geolocation) database, not an ASN")
                && msg.contains("\"GeoLite2-City\"")
                && msg.contains("GeoLite2-ASN"),
            "{msg}"
        );
    }

    #[test]
    fn databases_of_no_known_kind_or_without_records_are_refused() {
        let odd = serde_json::json!({"colour": "blue"});
        let msg = open(database("Custom-Thing", &[("1.0.0.0/8", &odd)]))
            .err()
            .unwrap()
            .to_string();
        assert!(msg.contains("test.mmdb is not an ASN database"), "{msg}");
        let text = serde_json::json!("just a string");
        assert!(open(database("Custom-Thing", &[("1.0.0.0/8", &text)])).is_err());
        let none: [(&str, serde_json::Value); 0] = [];
        let msg = open(database("GeoLite2-ASN", &none))
            .err()
            .unwrap()
            .to_string();
        assert!(msg.starts_with("test.mmdb"), "{msg}");
    }

    #[test]
    fn an_asn_type_is_trusted_when_the_first_records_lack_numbers() {
        let unnumbered = serde_json::json!({"autonomous_system_organization": "X"});
        open(database("GeoLite2-ASN", &[("1.0.0.0/8", &unnumbered)])).unwrap();
    }
}
