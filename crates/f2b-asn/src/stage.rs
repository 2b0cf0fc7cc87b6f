//! The stage: for `ip` and `reporter_ip`, the origin AS, all origins, the AS
//! name and country, and the matched prefix (SPEC §1).

use std::net::IpAddr;

use f2b_core::{Patch, Record, Result};

use crate::as_names::AsNames;
use crate::asn_db::AsnRecord;
use crate::prefix::{canonical, parse_ip, Prefix};
use crate::problems::{RowProblem, RowProblems};
use crate::routes::Match;
use crate::snapshots::Family;
use crate::sources::{Loaded, Routing};
use f2b_core::time::parse_rfc3339;

/// The fields written for one address field, in order.
#[derive(Clone, Copy, Debug)]
pub struct FieldKeys {
    /// The address field read (`ip`).
    pub address: &'static str,
    /// `asn`: the first origin AS.
    pub asn: &'static str,
    /// `asns`: every origin, or null when there is only one.
    pub asns: &'static str,
    /// `as_name`.
    pub as_name: &'static str,
    /// `as_country`.
    pub as_country: &'static str,
    /// `prefix`: the matched route.
    pub prefix: &'static str,
}

/// The fields for the banned address.
pub const IP_FIELDS: FieldKeys = FieldKeys {
    address: "ip",
    asn: "asn",
    asns: "asns",
    as_name: "as_name",
    as_country: "as_country",
    prefix: "prefix",
};

/// The fields for the reporting server's address.
pub const REPORTER_FIELDS: FieldKeys = FieldKeys {
    address: "reporter_ip",
    asn: "reporter_asn",
    asns: "reporter_asns",
    as_name: "reporter_as_name",
    as_country: "reporter_as_country",
    prefix: "reporter_prefix",
};

/// What happened to one address field over the run.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct FieldStats {
    /// Addresses found in the table.
    pub resolved: u64,
    /// Addresses not in the table.
    pub unresolved: u64,
    /// Records where the field is absent or null.
    pub absent: u64,
    /// Records where the field is not an address.
    pub invalid: u64,
}

impl FieldStats {
    /// `ip: 990 resolved, 10 unresolved` (and absent / invalid when any).
    pub fn describe(&self, field: &str) -> String {
        let mut s = format!(
            "{field}: {} resolved, {} unresolved",
            self.resolved, self.unresolved
        );
        if self.absent > 0 {
            s.push_str(&format!(", {} absent", self.absent));
        }
        if self.invalid > 0 {
            s.push_str(&format!(", {} not addresses", self.invalid));
        }
        s
    }
}

/// One lookup's answer, ready to be written.
struct Resolved<'a> {
    asn: u32,
    /// Every origin, when there is more than one.
    asns: Option<&'a [u32]>,
    name: Option<&'a str>,
    country: Option<[u8; 2]>,
    prefix: Prefix,
}

/// Enriches records; holds the data and the counters.
pub struct Enricher {
    routing: Routing,
    names: Option<AsNames>,
    names_note: &'static str,
    problems: RowProblems,
    /// Counters for `ip` and `reporter_ip`.
    pub stats: [FieldStats; 2],
    /// Records whose `ts` could not be read (they use the newest snapshot).
    pub bad_ts: u64,
    cache: AnswerCache,
}

impl Enricher {
    /// An enricher over loaded data; `problems` handles malformed rows of
    /// snapshot tables loaded on the way.
    pub fn new(loaded: Loaded, problems: RowProblems) -> Self {
        Enricher {
            routing: loaded.routing,
            names: loaded.names,
            names_note: loaded.names_note,
            problems,
            stats: Default::default(),
            bad_ts: 0,
            cache: AnswerCache::new(),
        }
    }

    /// The routing data.
    pub fn routing(&self) -> &Routing {
        &self.routing
    }

    /// The AS names (CIDR Report, completed by range files), if any.
    pub fn names(&self) -> Option<&AsNames> {
        self.names.as_ref()
    }

    /// Where the names came from, for the summary ("" for CIDR Report).
    pub fn names_note(&self) -> &'static str {
        self.names_note
    }

    /// Malformed data rows skipped so far.
    pub fn malformed_rows(&self) -> u64 {
        self.problems.total()
    }

    /// Sets the fields of `record` in `patch`: the five for `ip`, then the
    /// five for `reporter_ip`; null where unknown.
    pub fn enrich(&mut self, record: &Record<'_>, patch: &mut Patch) -> Result<()> {
        let ts = match self.routing {
            Routing::Snapshots(_) => self.record_time(record),
            _ => None,
        };
        for (i, keys) in [IP_FIELDS, REPORTER_FIELDS].iter().enumerate() {
            let outcome = match address(record, keys.address) {
                Address::Absent => {
                    self.stats[i].absent += 1;
                    write_null(patch, keys);
                    continue;
                }
                Address::Invalid => {
                    self.stats[i].invalid += 1;
                    write_null(patch, keys);
                    continue;
                }
                Address::Ip(ip) => self.resolve_into(ip, ts, keys, patch)?,
            };
            if outcome {
                self.stats[i].resolved += 1;
            } else {
                self.stats[i].unresolved += 1;
            }
        }
        Ok(())
    }

    fn record_time(&mut self, record: &Record<'_>) -> Option<i64> {
        let text = record.str("ts")?;
        let t = parse_rfc3339(&text);
        if t.is_none() {
            self.bad_ts += 1;
        }
        t
    }

    /// Looks `ip` up (through the answer cache) and writes its fields; true
    /// when it was found.
    fn resolve_into(
        &mut self,
        ip: IpAddr,
        ts: Option<i64>,
        keys: &FieldKeys,
        patch: &mut Patch,
    ) -> Result<bool> {
        // Which table answers: tables never change once loaded, so an answer
        // is cached under (address, table).
        let snapshot = match &self.routing {
            Routing::Snapshots(snaps) => {
                let family = match ip {
                    IpAddr::V4(_) => Family::V4,
                    IpAddr::V6(_) => Family::V6,
                };
                match snaps.pick(family, ts) {
                    Some(index) => Some((family, index)),
                    None => {
                        write_null(patch, keys);
                        return Ok(false);
                    }
                }
            }
            _ => None,
        };
        let table_id = snapshot.map_or(0, |(family, index)| {
            (index as u32).wrapping_mul(2) | u32::from(family == Family::V6)
        });
        let slot = self.cache.slot(ip, table_id);
        if !self.cache.holds(slot, ip, table_id) {
            let names = self.names.as_ref();
            let resolved = match (&mut self.routing, snapshot) {
                (Routing::Table(table), _) => table.lookup(ip).map(|m| from_match(m, names)),
                (Routing::Snapshots(snaps), Some((family, index))) => {
                    let problems = &mut self.problems;
                    let mut on_problem = |p: &RowProblem| problems.handle(p);
                    snaps
                        .table(family, index, names, &mut on_problem)?
                        .lookup(ip)
                        .map(|m| from_match(m, names))
                }
                (Routing::Snapshots(_), None) => None,
                (Routing::Mmdb(db), _) => db.lookup(ip)?.map(|r| from_mmdb(r, names)),
            };
            self.cache.fill(slot, ip, table_id, resolved.as_ref());
        }
        match self.cache.slots.get(slot) {
            Some(answer) => {
                answer.write(patch, keys);
                Ok(answer.found)
            }
            None => {
                write_null(patch, keys);
                Ok(false)
            }
        }
    }
}

/// Number of answers kept (a power of two): enough for the attackers that
/// come back again and again, small enough for the keys to stay in a CPU
/// cache (a probe that misses memory costs as much as the lookup it saves).
const CACHE_SLOTS: usize = 1 << 11;

/// Recent answers, direct-mapped by address: ban logs repeat addresses a
/// lot, and a hit skips the trie walk, the name lookup and the formatting.
/// The keys are apart from the answers so that probing touches little memory.
struct AnswerCache {
    keys: Vec<Option<(IpAddr, u32)>>,
    slots: Vec<Answer>,
}

impl AnswerCache {
    fn new() -> Self {
        AnswerCache {
            keys: vec![None; CACHE_SLOTS],
            slots: (0..CACHE_SLOTS).map(|_| Answer::default()).collect(),
        }
    }

    #[inline]
    fn slot(&self, ip: IpAddr, table_id: u32) -> usize {
        let bits = match ip {
            IpAddr::V4(a) => u64::from(a.to_bits()),
            IpAddr::V6(a) => {
                let b = a.to_bits();
                (b as u64) ^ ((b >> 64) as u64).rotate_left(17) ^ 0x5555
            }
        };
        let h = (bits ^ u64::from(table_id).rotate_left(40)).wrapping_mul(0x9E37_79B9_7F4A_7C15);
        (h >> (64 - CACHE_SLOTS.trailing_zeros())) as usize & (CACHE_SLOTS - 1)
    }

    #[inline]
    fn holds(&self, slot: usize, ip: IpAddr, table_id: u32) -> bool {
        self.keys.get(slot) == Some(&Some((ip, table_id)))
    }

    fn fill(&mut self, slot: usize, ip: IpAddr, table_id: u32, resolved: Option<&Resolved<'_>>) {
        if let (Some(key), Some(answer)) = (self.keys.get_mut(slot), self.slots.get_mut(slot)) {
            *key = Some((ip, table_id));
            answer.fill(resolved);
        }
    }
}

/// One cached answer, with the values already in the form they are written.
/// The strings keep their allocations from answer to answer: a hit reads
/// little memory beyond the answer itself, and a miss allocates nothing once
/// the strings are long enough.
#[derive(Default)]
struct Answer {
    found: bool,
    asn: u32,
    asns: Vec<u32>,
    name: Option<String>,
    /// The registry country; empty when unknown.
    country: String,
    /// The matched prefix, as text.
    prefix: String,
}

impl Answer {
    fn fill(&mut self, resolved: Option<&Resolved<'_>>) {
        self.asns.clear();
        self.country.clear();
        self.prefix.clear();
        let Some(r) = resolved else {
            self.found = false;
            self.name = None;
            return;
        };
        self.found = true;
        self.asn = r.asn;
        self.asns.extend_from_slice(r.asns.unwrap_or_default());
        match (&mut self.name, r.name) {
            (Some(buf), Some(name)) => {
                buf.clear();
                buf.push_str(name);
            }
            (slot, name) => *slot = name.map(str::to_owned),
        }
        if let Some(country) = r.country {
            // Two ASCII capitals (`AsNames` keeps no other country).
            self.country.extend(country.iter().map(|&b| char::from(b)));
        }
        r.prefix.push_text(&mut self.prefix);
    }

    #[inline]
    fn write(&self, patch: &mut Patch, keys: &FieldKeys) {
        if !self.found {
            write_null(patch, keys);
            return;
        }
        patch.set_u64(keys.asn, u64::from(self.asn));
        if self.asns.len() > 1 {
            patch.set(keys.asns, &self.asns);
        } else {
            patch.set_null(keys.asns);
        }
        patch.set_opt_str(keys.as_name, self.name.as_deref());
        patch.set_opt_str(
            keys.as_country,
            Some(self.country.as_str()).filter(|c| !c.is_empty()),
        );
        patch.set_str(keys.prefix, &self.prefix);
    }
}

/// A table match with the name bound to its route.
fn from_match<'a>(m: Match<'a>, names: Option<&'a AsNames>) -> Resolved<'a> {
    let name = names.map(|n| n.resolve(m.name));
    Resolved {
        asn: m.asn(),
        asns: (m.origins.len() > 1).then_some(m.origins),
        name: name.and_then(|n| n.name),
        country: name.and_then(|n| n.country),
        prefix: m.prefix,
    }
}

/// A GeoLite2-ASN answer: the CIDR Report name when there is one, else the
/// database's organisation name.
fn from_mmdb<'a>(r: AsnRecord<'a>, names: Option<&'a AsNames>) -> Resolved<'a> {
    let name = names.and_then(|n| n.get(r.asn));
    Resolved {
        asn: r.asn,
        asns: None,
        name: name.and_then(|n| n.name).or(r.name),
        country: name.and_then(|n| n.country),
        prefix: r.prefix,
    }
}

enum Address {
    Absent,
    Invalid,
    Ip(IpAddr),
}

fn address(record: &Record<'_>, key: &str) -> Address {
    let Some(raw) = record.raw(key) else {
        return Address::Absent;
    };
    let raw = raw.get();
    if raw == "null" {
        return Address::Absent;
    }
    // An address has no backslash, so when the text between the quotes
    // parses, it is the address; anything else goes through the JSON decoder.
    let parsed = match raw.as_bytes() {
        [b'"', inner @ .., b'"'] => parse_ip(inner),
        _ => None,
    }
    .or_else(|| record.str(key).and_then(|text| parse_ip(text.as_bytes())));
    match parsed {
        Some(ip) => Address::Ip(canonical(ip)),
        None => Address::Invalid,
    }
}

fn write_null(patch: &mut Patch, keys: &FieldKeys) {
    patch.set_null(keys.asn);
    patch.set_null(keys.asns);
    patch.set_null(keys.as_name);
    patch.set_null(keys.as_country);
    patch.set_null(keys.prefix);
}
