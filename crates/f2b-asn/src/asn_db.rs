//! GeoLite2-ASN (`.mmdb`) as the routing source, for users who have it instead
//! of Route Views data. It gives the AS number and organisation name of the
//! network containing an address; it has no country and a single origin.

use std::io::Read;
use std::net::IpAddr;
use std::path::Path;

use f2b_core::input::Input;
use f2b_core::{Error, Result};
use maxminddb::geoip2::Asn;
use maxminddb::Reader;

use crate::prefix::Prefix;

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
    /// Opens a database file (gzip is read transparently).
    pub fn open(path: &Path) -> Result<AsnDb> {
        let input = Input::open(path)?;
        let name = input.name;
        let mut bytes = Vec::new();
        let mut reader = input.reader;
        reader
            .read_to_end(&mut bytes)
            .map_err(|e| Error::io(format!("cannot read {name}"), e))?;
        Self::from_bytes(name, bytes)
    }

    /// A database from its bytes; `name` names it in messages.
    pub fn from_bytes(name: String, bytes: Vec<u8>) -> Result<AsnDb> {
        let reader = Reader::from_source(bytes)
            .map_err(|e| Error::data(format!("{name}: not a MaxMind database: {e}")))?;
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
