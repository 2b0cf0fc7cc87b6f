//! Placing an address with a list of databases, and caching the answers per
//! address and per database record.
//!
//! An address gets one place, from one database: values from databases that
//! disagree are never mixed (a country from one, a city of another country
//! from the next; a country-level point of one beside the city of another).
//! The first database that knows the country decides it; among it and the
//! databases after it that give the same country, the answer that places the
//! address most closely is taken whole — the first with a city, else with a
//! region, else with coordinates. While no database knows a country, the
//! first answer is taken.

use std::net::IpAddr;

use f2b_core::Result;

use crate::address;
use crate::cache::{Answer, Arena, Ipv4Cache, WideCache};
use crate::database::GeoDatabase;

/// Where an address is, as far as the databases know.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Located {
    /// At least one field is known; the values are read with
    /// [`Locator::values`] before the next look-up.
    Found(Answer),
    /// A public address no database knows.
    Unresolved,
    /// A private or reserved address, which no database can place.
    Reserved,
}

/// Where the country is among an answer's values ([`crate::place::FIELD_NAMES`]).
const COUNTRY: usize = 0;

/// How closely an answer places an address, by the most local value it has.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Precision {
    /// The country, or nothing below it.
    Country,
    /// Coordinates without a region or city: often a country's centre.
    Point,
    /// A region, without a city.
    Region,
    /// A city.
    City,
}

impl Precision {
    fn of(values: &[Option<&[u8]>; 5]) -> Precision {
        match values {
            [_, _, Some(_), _, _] => Precision::City,
            [_, Some(_), _, _, _] => Precision::Region,
            [_, _, _, Some(_), _] => Precision::Point,
            _ => Precision::Country,
        }
    }
}

/// Bytes of answers kept per cached address before the caches start over.
/// Addresses share answers (a city's), and one answer takes about 60 bytes.
const ARENA_BYTES_PER_ADDRESS: usize = 64;

/// The databases, in order of preference, with the answer caches.
pub struct Locator {
    databases: Vec<GeoDatabase>,
    lang: String,
    /// The values of every cached answer.
    arena: Arena,
    /// Answers by IPv4 address.
    ipv4: Ipv4Cache,
    /// Answers by IPv6 address (fewer: most attackers and reporters are IPv4).
    ipv6: WideCache,
    /// Answers by database and record: many addresses share a record, which
    /// is then read once.
    records: WideCache,
}

impl Locator {
    /// A locator over `databases` (first preferred), names in `lang`, with
    /// caches of about `cache` addresses: all of them IPv4, a quarter IPv6.
    pub fn new(databases: Vec<GeoDatabase>, lang: &str, cache: usize) -> Locator {
        Locator {
            databases,
            lang: lang.to_string(),
            arena: Arena::new(cache.saturating_mul(ARENA_BYTES_PER_ADDRESS)),
            ipv4: Ipv4Cache::new(cache),
            ipv6: WideCache::new(cache / 4),
            records: WideCache::new(cache / 4),
        }
    }

    /// Starts fetching the cache entry of `ip`: a record's addresses are
    /// prefetched together before they are placed in turn.
    #[inline]
    pub fn prefetch(&self, ip: IpAddr) {
        match address::unmap(ip) {
            IpAddr::V4(v4) => self.ipv4.prefetch(u32::from(v4)),
            IpAddr::V6(v6) => self.ipv6.prefetch(u128::from(v6)),
        }
    }

    /// Places `ip`; IPv4-mapped IPv6 is placed as IPv4. An error means a
    /// database is corrupt.
    #[inline]
    pub fn locate(&mut self, ip: IpAddr) -> Result<Located> {
        let ip = address::unmap(ip);
        if address::is_reserved(ip) {
            return Ok(Located::Reserved);
        }
        let cached = match ip {
            IpAddr::V4(v4) => self.ipv4.get(u32::from(v4)),
            IpAddr::V6(v6) => self.ipv6.get(u128::from(v6)),
        };
        let answer = match cached {
            Some(answer) => answer,
            None => {
                let answer = self.resolve(ip)?;
                match ip {
                    IpAddr::V4(v4) => self.ipv4.insert(u32::from(v4), answer),
                    IpAddr::V6(v6) => self.ipv6.insert(u128::from(v6), answer),
                }
                answer
            }
        };
        Ok(if answer.is_unresolved() {
            Located::Unresolved
        } else {
            Located::Found(answer)
        })
    }

    /// The JSON texts of the values (country, region, city, lat, lon) of an
    /// answer of the last [`Locator::locate`]; `None` is null.
    #[inline]
    pub fn values(&self, answer: Answer) -> [Option<&[u8]>; 5] {
        self.arena.get(answer)
    }

    fn resolve(&mut self, ip: IpAddr) -> Result<Answer> {
        if !self.arena.has_room() {
            // Start over rather than grow: memory stays bounded.
            self.arena.clear();
            self.ipv4.clear();
            self.ipv6.clear();
            self.records.clear();
        }
        // The answer that decides the country (see the module's comment),
        // and the one taken, with how closely it places the address.
        let mut anchor = Answer::UNRESOLVED;
        let mut answer = Answer::UNRESOLVED;
        let mut precision = Precision::Country;
        for (index, database) in self.databases.iter().enumerate() {
            let Some(hit) = database.lookup(ip)? else {
                continue;
            };
            let key = (index as u128) << 64 | hit.offset() as u128;
            let found = match self.records.get(key) {
                Some(found) => found,
                None => {
                    let found = hit.answer(&self.lang, &mut self.arena)?;
                    self.records.insert(key, found);
                    found
                }
            };
            if found.is_unresolved() {
                continue;
            }
            let values = self.arena.get(found);
            let country = values[COUNTRY];
            let decided = self.arena.get(anchor)[COUNTRY];
            if anchor.is_unresolved() || (decided.is_none() && country.is_some()) {
                anchor = found;
                answer = found;
                precision = Precision::of(&values);
            } else if country.is_some() && country == decided {
                let closer = Precision::of(&values);
                if closer > precision {
                    answer = found;
                    precision = closer;
                }
            }
            // A city in the decided country: no later database does better.
            if precision == Precision::City && self.arena.get(answer)[COUNTRY].is_some() {
                break;
            }
        }
        Ok(answer)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testdb::TestDb;

    struct Fixture {
        _dir: tempfile::TempDir,
        locator: Locator,
    }

    fn locator(dbs: &[TestDb], lang: &str, cache: usize) -> Fixture {
        let dir = tempfile::tempdir().unwrap();
        let mut opened = Vec::new();
        for (i, db) in dbs.iter().enumerate() {
            let path = dir.path().join(format!("{i}.mmdb"));
            db.write(&path);
            opened.push(GeoDatabase::open(&path).unwrap());
        }
        Fixture {
            _dir: dir,
            locator: Locator::new(opened, lang, cache),
        }
    }

    fn values(l: &mut Locator, ip: &str) -> Option<[String; 5]> {
        match l.locate(ip.parse().unwrap()).unwrap() {
            Located::Found(answer) => Some(
                l.values(answer)
                    .map(|v| String::from_utf8(v.unwrap_or(b"null").to_vec()).unwrap()),
            ),
            _ => None,
        }
    }

    #[test]
    fn city_database_with_country_behind_fills_what_the_city_lacks() {
        let mut f = locator(
            &[TestDb::geolite2_city(), TestDb::geolite2_country()],
            "en",
            100,
        );
        assert_eq!(
            values(&mut f.locator, "9.9.9.9").unwrap(),
            ["\"US\"", "null", "null", "null", "null"]
        );
        assert_eq!(
            values(&mut f.locator, "81.2.69.160").unwrap(),
            ["\"GB\"", "\"England\"", "\"London\"", "51.5142", "-0.0931"]
        );
    }

    #[test]
    fn a_place_is_never_made_of_databases_that_disagree_on_the_country() {
        // GeoLite2 puts 38.158.13.55 in the US (its centre), DB-IP in Canada.
        let us_centre = ["\"US\"", "null", "null", "37.751", "-97.822"];
        let mut f = locator(&[TestDb::geolite2_city(), TestDb::dbip_ipv4()], "en", 100);
        assert_eq!(values(&mut f.locator, "38.158.13.55").unwrap(), us_centre);
        let mut f = locator(
            &[TestDb::geolite2_country(), TestDb::dbip_ipv4()],
            "en",
            100,
        );
        assert_eq!(
            values(&mut f.locator, "38.158.13.55").unwrap(),
            ["\"US\"", "null", "null", "null", "null"]
        );
        // The first database that knows the country decides it.
        let mut f = locator(&[TestDb::dbip_ipv4(), TestDb::geolite2_city()], "en", 100);
        assert_eq!(
            values(&mut f.locator, "38.158.13.55").unwrap(),
            [
                "\"CA\"",
                "\"British Columbia\"",
                "\"Burns Lake\"",
                "54.2297",
                "-125.761"
            ]
        );
    }

    #[test]
    fn of_the_databases_that_agree_the_closest_answer_is_taken_whole() {
        let minneapolis = [
            "\"US\"",
            "\"Minnesota\"",
            "\"Minneapolis\"",
            "44.9778",
            "-93.265",
        ];
        let dbs = [TestDb::geolite2_city(), TestDb::dbip_ipv4()];
        let mut f = locator(&dbs, "en", 100);
        // A city with its own coordinates, not beside the country's centre.
        assert_eq!(values(&mut f.locator, "12.47.36.105").unwrap(), minneapolis);
        // A city with its own region, not beside another database's region.
        assert_eq!(
            values(&mut f.locator, "177.3.254.226").unwrap(),
            [
                "\"BR\"",
                "\"Sao Paulo\"",
                "\"Sao Jose do Rio Preto\"",
                "-21.2922",
                "-50.3428"
            ]
        );
        // The first city wins: the later database is not asked.
        assert_eq!(
            values(&mut f.locator, "81.2.69.160").unwrap(),
            ["\"GB\"", "\"England\"", "\"London\"", "51.5142", "-0.0931"]
        );
        // A Country database in front decides the country only.
        let mut f = locator(
            &[TestDb::geolite2_country(), TestDb::dbip_ipv4()],
            "en",
            100,
        );
        assert_eq!(values(&mut f.locator, "12.47.36.105").unwrap(), minneapolis);
        assert_eq!(
            values(&mut f.locator, "9.9.9.9").unwrap(),
            ["\"US\"", "null", "null", "37.751", "-97.822"]
        );
    }

    #[test]
    fn an_answer_without_a_country_is_taken_only_when_no_database_knows_one() {
        // GeoLite2 has a European point for 2.16.4.0/23, DB-IP has Milan.
        let milan = ["\"IT\"", "\"Lombardy\"", "\"Milan\"", "45.4685", "9.1824"];
        let mut f = locator(&[TestDb::geolite2_city(), TestDb::dbip_ipv4()], "en", 100);
        assert_eq!(values(&mut f.locator, "2.16.4.1").unwrap(), milan);
        let mut f = locator(&[TestDb::dbip_ipv4(), TestDb::geolite2_city()], "en", 100);
        assert_eq!(values(&mut f.locator, "2.16.4.1").unwrap(), milan);
        let mut f = locator(
            &[TestDb::geolite2_city(), TestDb::geolite2_country()],
            "en",
            100,
        );
        assert_eq!(
            values(&mut f.locator, "2.16.4.1").unwrap(),
            ["null", "null", "null", "47.0", "8.0"]
        );
    }

    #[test]
    fn ipv4_and_ipv6_files_each_answer_their_own_addresses() {
        let mut f = locator(&[TestDb::dbip_ipv4(), TestDb::dbip_ipv6()], "en", 100);
        assert_eq!(
            values(&mut f.locator, "61.147.12.134").unwrap()[2],
            "\"Nanjing\""
        );
        assert_eq!(
            values(&mut f.locator, "2001:4860:4860::8888").unwrap(),
            [
                "\"CA\"",
                "\"Quebec\"",
                "\"Montreal\"",
                "45.5019",
                "-73.5674"
            ]
        );
        assert_eq!(
            values(&mut f.locator, "::ffff:81.2.69.160").unwrap()[2],
            "\"London\""
        );
    }

    #[test]
    fn unknown_and_reserved_addresses_are_told_apart() {
        let mut f = locator(&[TestDb::geolite2_city()], "en", 100);
        assert_eq!(
            f.locator.locate("8.8.8.8".parse().unwrap()).unwrap(),
            Located::Unresolved
        );
        assert_eq!(
            f.locator.locate("10.1.2.3".parse().unwrap()).unwrap(),
            Located::Reserved
        );
        assert_eq!(
            f.locator.locate("fe80::1".parse().unwrap()).unwrap(),
            Located::Reserved
        );
    }

    #[test]
    fn answers_are_the_same_with_and_without_the_cache() {
        let ips = [
            "81.2.69.160",
            "81.2.69.1",
            "9.9.9.9",
            "2001:218::5",
            "81.2.69.160",
            "38.158.13.55",
            "12.47.36.105",
            "2.16.4.1",
            "12.47.36.7",
            "61.147.12.134",
        ];
        let dbs = [
            TestDb::geolite2_city(),
            TestDb::geolite2_country(),
            TestDb::dbip_ipv4(),
        ];
        let mut cached = locator(&dbs, "de", 2);
        let mut uncached = locator(&dbs, "de", 0);
        for _ in 0..3 {
            for ip in ips {
                assert_eq!(
                    values(&mut cached.locator, ip),
                    values(&mut uncached.locator, ip),
                    "{ip}"
                );
            }
        }
        assert_eq!(
            values(&mut cached.locator, "61.147.12.134").unwrap()[2],
            "\"Nanking\""
        );
    }
}
