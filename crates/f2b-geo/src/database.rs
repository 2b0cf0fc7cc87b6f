//! One GeoIP database: a memory-mapped MaxMind DB file (or a gzip-compressed
//! one, inflated into memory), checked when it is opened to hold geolocation
//! records in a layout f2b-geo reads.

use std::fs::File;
use std::io::{Read, Seek, SeekFrom};
use std::net::IpAddr;
use std::path::Path;

use f2b_core::datafile::DataFile;
use f2b_core::input::{Input, GZIP_MAGIC};
use f2b_core::{Error, Result};
use maxminddb::{LookupResult, MaxMindDbError, Mmap, Reader, WithinOptions};

use crate::cache::{Answer, Arena};
use crate::place::{GeoRecord, Shape};

/// Where GeoIP databases are looked for when no `--db` is given (SPEC §2).
pub const GEOIP_DB: DataFile = DataFile {
    what: "GeoIP database",
    option: "--db",
    env: "F2B_GEOIP_DB",
    dirs: &["/usr/share/GeoIP", "/var/lib/GeoIP"],
    names: &[
        "GeoLite2-City.mmdb",
        "GeoIP2-City.mmdb",
        "GeoLite2-Country.mmdb",
    ],
};

/// How many records are read when a database is opened to recognise its layout.
const SAMPLE: usize = 64;

/// The largest database inflated from a gzip-compressed file. GeoIP2 City,
/// the largest MaxMind sells, is a few hundred MB; more is not a database.
pub const MAX_INFLATED: u64 = 2 << 30;

/// The bytes of a database: the file mapped, or a gzip-compressed file
/// inflated into memory (a compressed file cannot be mapped).
pub enum Source {
    /// A plain `.mmdb` file, memory-mapped.
    Mapped(Mmap),
    /// The inflated contents of a gzip-compressed file.
    Inflated(Vec<u8>),
}

impl AsRef<[u8]> for Source {
    #[inline]
    fn as_ref(&self) -> &[u8] {
        match self {
            Source::Mapped(map) => map,
            Source::Inflated(bytes) => bytes,
        }
    }
}

/// The record layouts of FORMATS §5.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Layout {
    /// GeoIP2/GeoLite2 City or Country: nested `country`, `subdivisions`,
    /// `city`, `location` maps with names by language.
    GeoIp2,
    /// Flat records as in DB-IP lite: `country_code`, `state1`, `city`,
    /// `latitude`, `longitude`.
    Flat,
}

/// An opened GeoIP database.
pub struct GeoDatabase {
    name: String,
    reader: Reader<Source>,
    layout: Layout,
}

impl GeoDatabase {
    /// Memory-maps the MaxMind DB file at `path` (or inflates it into memory
    /// when it is gzip-compressed, whatever its name) and checks that it holds
    /// geolocation records. A missing, unreadable or corrupt file, or a
    /// database of another kind (ASN, ISP, ...), is an error naming the file.
    pub fn open(path: &Path) -> Result<GeoDatabase> {
        let name = path.display().to_string();
        let mut file = File::open(path)
            .map_err(|e| Error::io(format!("cannot open GeoIP database {name}"), e))?;
        let is_file = file
            .metadata()
            .map_err(|e| Error::io(format!("cannot open GeoIP database {name}"), e))?
            .is_file();
        if !is_file {
            return Err(Error::data(format!(
                "GeoIP database {name} is not a regular file"
            )));
        }
        let source = if is_gzip(&mut file)
            .map_err(|e| Error::io(format!("cannot read GeoIP database {name}"), e))?
        {
            Source::Inflated(inflate(file, &name, MAX_INFLATED)?)
        } else {
            // SAFETY: the mapping is only read, and the file must not be changed in
            // place while we run. geoipupdate and package managers replace database
            // files by renaming a new file over the old one, which leaves this
            // mapping on the old, unchanged file.
            let map = unsafe { Mmap::map(&file) }
                .map_err(|e| Error::io(format!("cannot map GeoIP database {name}"), e))?;
            Source::Mapped(map)
        };
        let reader = Reader::from_source(source)
            .map_err(|e| Error::data(format!("{name} is not a readable MaxMind DB file: {e}")))?;
        let layout = recognise(&reader, &name)?;
        Ok(GeoDatabase {
            name,
            reader,
            layout,
        })
    }

    /// The file name, as messages give it.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The record layout found when the database was opened.
    pub fn layout(&self) -> Layout {
        self.layout
    }

    /// The `database_type` of the metadata (`GeoLite2-City`, `city ipv4`, ...).
    pub fn database_type(&self) -> &str {
        &self.reader.metadata().database_type
    }

    /// The languages of the names in the database, from its metadata.
    pub fn languages(&self) -> &[String] {
        &self.reader.metadata().languages
    }

    /// True when the database holds IPv4 only: an IPv6 address is not
    /// looked up there at all (the reader would refuse it).
    pub fn is_ipv4_only(&self) -> bool {
        self.reader.metadata().ip_version == 4
    }

    /// Looks `ip` up. `None` when the database has no record for it, or
    /// cannot have one (IPv6 in an IPv4-only database).
    pub fn lookup(&self, ip: IpAddr) -> Result<Option<Hit<'_>>> {
        if ip.is_ipv6() && self.is_ipv4_only() {
            return Ok(None);
        }
        let result = self
            .reader
            .lookup(ip)
            .map_err(|e| self.corrupt(&format!("cannot look up {ip}"), e))?;
        Ok(result.offset().map(|offset| Hit {
            database: self,
            result,
            ip,
            offset,
        }))
    }

    fn corrupt(&self, what: &str, e: MaxMindDbError) -> Error {
        Error::data(format!("GeoIP database {}: {what}: {e}", self.name))
    }
}

/// True when the file starts with the gzip magic; leaves it at its start.
fn is_gzip(file: &mut File) -> std::io::Result<bool> {
    let mut magic = [0u8; GZIP_MAGIC.len()];
    let mut got = 0;
    while got < magic.len() {
        match file.read(&mut magic[got..])? {
            0 => break,
            n => got += n,
        }
    }
    file.seek(SeekFrom::Start(0))?;
    Ok(got == magic.len() && magic == GZIP_MAGIC)
}

/// The inflated bytes of a gzip-compressed database, at most `limit` of them.
fn inflate(file: File, name: &str, limit: u64) -> Result<Vec<u8>> {
    Input::from_reader(format!("GeoIP database {name}"), file)?.read_all(limit, "GeoIP database")
}

/// A record found for an address.
pub struct Hit<'a> {
    database: &'a GeoDatabase,
    result: LookupResult<'a, Source>,
    ip: IpAddr,
    offset: usize,
}

impl Hit<'_> {
    /// Where the record is in the database: addresses with the same offset
    /// have the same record, so it identifies the answer.
    pub fn offset(&self) -> usize {
        self.offset
    }

    /// Reads the record, with names in `lang` (else English), into `arena`.
    pub fn answer(&self, lang: &str, arena: &mut Arena) -> Result<Answer> {
        match self.result.decode::<GeoRecord>() {
            Ok(Some(record)) => Ok(arena.push(&record.values(lang))),
            Ok(None) => Ok(Answer::UNRESOLVED),
            Err(e) => Err(self
                .database
                .corrupt(&format!("cannot read the record of {}", self.ip), e)),
        }
    }
}

/// Tells the layout from the fields of the first records. The metadata's
/// `database_type` only names the kind in messages: it is free text, and
/// repackaged databases (DB-IP's is `city ipv4`) do not follow MaxMind's names.
fn recognise(reader: &Reader<Source>, name: &str) -> Result<Layout> {
    let database_type = &reader.metadata().database_type;
    let bad =
        |what: &str, e: MaxMindDbError| Error::data(format!("GeoIP database {name}: {what}: {e}"));
    let mut shape = Shape::default();
    let mut records = 0;
    let networks = reader
        .networks(WithinOptions::default())
        .map_err(|e| bad("cannot list its networks", e))?;
    for network in networks.take(SAMPLE) {
        let network = network.map_err(|e| bad("cannot list its networks", e))?;
        if let Some(record) = network
            .decode::<GeoRecord>()
            .map_err(|e| bad("cannot read its records", e))?
        {
            shape = shape.union(record.shape);
            records += 1;
        }
    }
    if shape.nested {
        Ok(Layout::GeoIp2)
    } else if shape.flat {
        Ok(Layout::Flat)
    } else if shape.asn {
        Err(Error::data(format!(
            "{name} is an ASN database (database_type {database_type:?}; its records have \
             autonomous_system_number), not a City or Country database: f2b-geo needs \
             country, city or location fields"
        )))
    } else if records == 0 {
        Err(Error::data(format!(
            "{name} has no records (database_type {database_type:?}): not a usable GeoIP database"
        )))
    } else {
        Err(Error::data(format!(
            "{name} is not a City or Country database (database_type {database_type:?}): its \
             records have none of country, city, location (GeoIP2) or country_code, city, \
             latitude (flat)"
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testdb::TestDb;
    use serde_json::json;

    fn open(db: &TestDb) -> (tempfile::TempDir, Result<GeoDatabase>) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("test.mmdb");
        db.write(&path);
        let opened = GeoDatabase::open(&path);
        (dir, opened)
    }

    fn lookup(db: &GeoDatabase, ip: &str) -> Option<[String; 5]> {
        let hit = db.lookup(ip.parse().unwrap()).unwrap()?;
        let mut arena = Arena::new(1 << 20);
        let answer = hit.answer("en", &mut arena).unwrap();
        Some(
            arena
                .get(answer)
                .map(|v| String::from_utf8(v.unwrap_or(b"null").to_vec()).unwrap()),
        )
    }

    #[test]
    fn geolite2_city_layout_is_recognised_and_read() {
        let (_dir, db) = open(&TestDb::geolite2_city());
        let db = db.unwrap();
        assert_eq!(db.layout(), Layout::GeoIp2);
        assert_eq!(db.database_type(), "GeoLite2-City");
        assert_eq!(
            lookup(&db, "81.2.69.160").unwrap(),
            ["\"GB\"", "\"England\"", "\"London\"", "51.5142", "-0.0931"]
        );
        assert_eq!(lookup(&db, "2001:218::1").unwrap()[0], "\"JP\"");
        assert_eq!(lookup(&db, "9.9.9.9"), None);
    }

    #[test]
    fn flat_ipv4_database_skips_ipv6_addresses() {
        let (_dir, db) = open(&TestDb::dbip_ipv4());
        let db = db.unwrap();
        assert_eq!(db.layout(), Layout::Flat);
        assert!(db.is_ipv4_only());
        assert_eq!(
            lookup(&db, "81.2.69.160").unwrap(),
            [
                "\"GB\"",
                "\"England\"",
                "\"London\"",
                "51.5143",
                "-0.0912244"
            ]
        );
        assert!(db.lookup("2001:218::1".parse().unwrap()).unwrap().is_none());
    }

    #[test]
    fn asn_database_is_refused_by_kind() {
        let (_dir, db) = open(&TestDb::asn());
        let msg = db.err().unwrap().to_string();
        assert!(msg.contains("is an ASN database"), "{msg}");
        assert!(msg.contains("GeoLite2-ASN"), "{msg}");
    }

    #[test]
    fn database_without_geolocation_fields_is_refused() {
        let mut db = TestDb::new("Custom-Thing", 4);
        db.insert("1.0.0.0/8", json!({"colour": "blue"}));
        let (_dir, db) = open(&db);
        let msg = db.err().unwrap().to_string();
        assert!(msg.contains("is not a City or Country database"), "{msg}");
    }

    #[test]
    fn corrupt_file_is_a_clear_error() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("bad.mmdb");
        std::fs::write(&path, b"this is not a MaxMind DB file at all").unwrap();
        let msg = GeoDatabase::open(&path).err().unwrap().to_string();
        assert!(
            msg.contains("bad.mmdb is not a readable MaxMind DB file"),
            "{msg}"
        );
    }

    #[test]
    fn damaged_databases_give_errors_never_panics() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("damaged.mmdb");
        let sound = TestDb::geolite2_city().bytes();
        let ips = [
            "81.2.69.160",
            "61.147.12.134",
            "2001:218::1",
            "9.9.9.9",
            "2.125.160.1",
        ];
        let mut state = 0x2545_f491_4f6c_dd1d_u64;
        let mut next = move || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        let (mut opened, mut refused) = (0, 0);
        for _ in 0..400 {
            let mut bytes = sound.clone();
            for _ in 0..1 + next() % 8 {
                let at = (next() % bytes.len() as u64) as usize;
                bytes[at] = next() as u8;
            }
            std::fs::write(&path, &bytes).unwrap();
            match GeoDatabase::open(&path) {
                Ok(db) => {
                    opened += 1;
                    let mut arena = Arena::new(1 << 20);
                    for ip in ips {
                        if let Ok(Some(hit)) = db.lookup(ip.parse().unwrap()) {
                            let _ = hit.answer("en", &mut arena);
                        }
                    }
                }
                Err(e) => {
                    refused += 1;
                    assert!(e.to_string().contains("damaged.mmdb"), "{e}");
                }
            }
        }
        assert!(
            opened > 0 && refused > 0,
            "{opened} opened, {refused} refused"
        );
    }

    #[test]
    fn gzip_compressed_database_is_inflated_and_read() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("city.mmdb.gz");
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        std::io::Write::write_all(&mut gz, &TestDb::geolite2_city().bytes()).unwrap();
        std::fs::write(&path, gz.finish().unwrap()).unwrap();
        let db = GeoDatabase::open(&path).unwrap();
        assert_eq!(db.layout(), Layout::GeoIp2);
        assert_eq!(lookup(&db, "81.2.69.160").unwrap()[2], "\"London\"");
    }

    #[test]
    fn inflating_stops_at_the_limit_with_a_clear_error() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("big.mmdb.gz");
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        std::io::Write::write_all(&mut gz, &vec![0u8; 3 << 20]).unwrap();
        std::fs::write(&path, gz.finish().unwrap()).unwrap();
        let msg = inflate(File::open(&path).unwrap(), "big.mmdb.gz", 2 << 20)
            .unwrap_err()
            .to_string();
        assert!(
            msg.contains("big.mmdb.gz") && msg.contains("more than 2 MiB"),
            "{msg}"
        );
        assert_eq!(
            inflate(File::open(&path).unwrap(), "big.mmdb.gz", 3 << 20)
                .unwrap()
                .len(),
            3 << 20
        );
    }

    #[test]
    fn short_and_empty_files_are_not_taken_for_gzip() {
        let dir = tempfile::tempdir().unwrap();
        for (name, bytes) in [("empty.mmdb", &b""[..]), ("one.mmdb", &b"\x1f"[..])] {
            let path = dir.path().join(name);
            std::fs::write(&path, bytes).unwrap();
            let msg = GeoDatabase::open(&path).err().unwrap().to_string();
            assert!(
                msg.contains(&format!("{name} is not a readable MaxMind DB file")),
                "{msg}"
            );
        }
    }

    #[test]
    fn missing_file_names_the_file() {
        let msg = GeoDatabase::open(Path::new("/nonexistent/x.mmdb"))
            .err()
            .unwrap()
            .to_string();
        assert!(
            msg.starts_with("cannot open GeoIP database /nonexistent/x.mmdb"),
            "{msg}"
        );
    }
}
