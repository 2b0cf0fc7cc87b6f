//! k-anonymity over the released quasi-identifiers.
//!
//! The quasi-identifiers are the default columns: `date`, `country`, `region`,
//! `city`, `asn`, `service`. With `--k N` every combination of them that is
//! released occurs at least N times in the output. Rows of rarer combinations
//! are generalised step by step — level 1: `city` → null; level 2: `region` →
//! null too; level 3: `date` → its month (`YYYY-MM`) too — and a row that is
//! still in a group of fewer than N at level 3 is suppressed (dropped and
//! counted; the only case where f2b-anon drops a record).
//!
//! The levels are decided per distinct combination, greedily, lowest first:
//! at level L, the rows not yet placed are counted together with the rows
//! already placed that produce the same released combination; a group of at
//! least N is placed at level L, the rest go on to L + 1. Rows are only ever
//! added to a released group, so every group placed keeps at least N rows.
//!
//! Memory: the input is not kept. Each distinct value (region, city, AS name)
//! and each distinct combination is stored once; each row keeps only 4-byte
//! ids: its combination, plus one for the other optional columns when any is
//! asked for, plus one per pseudonym column — 4 to 16 bytes per row.

use std::collections::HashMap as StdHashMap;
use std::hash::{BuildHasherDefault, Hash, Hasher};

use f2b_core::output::RecordWriter;
use f2b_core::{Error, Result};

use crate::columns::{Columns, Optional};
use crate::pseudonym::Pseudonym;
use crate::release::Released;
use crate::validate::{Country, Date, FreeText, Service};

/// A fast hasher for the tables (the Fx hash of rustc: rotate, xor, multiply).
/// The keys are validated names from the geo and AS databases, numbers, and
/// keyed pseudonyms, none of which an attacker can choose to collide.
#[derive(Default, Clone, Copy)]
struct FxHasher(u64);

impl Hasher for FxHasher {
    fn write(&mut self, bytes: &[u8]) {
        let mut chunks = bytes.chunks_exact(8);
        for chunk in &mut chunks {
            let mut word = [0u8; 8];
            word.copy_from_slice(chunk);
            self.write_u64(u64::from_le_bytes(word));
        }
        for &b in chunks.remainder() {
            self.write_u64(u64::from(b));
        }
    }

    fn write_u8(&mut self, n: u8) {
        self.write_u64(u64::from(n));
    }

    fn write_u16(&mut self, n: u16) {
        self.write_u64(u64::from(n));
    }

    fn write_u32(&mut self, n: u32) {
        self.write_u64(u64::from(n));
    }

    fn write_usize(&mut self, n: usize) {
        self.write_u64(n as u64);
    }

    fn write_u64(&mut self, n: u64) {
        self.0 = (self.0.rotate_left(5) ^ n).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
    }

    fn finish(&self) -> u64 {
        self.0
    }
}

type HashMap<K, V> = StdHashMap<K, V, BuildHasherDefault<FxHasher>>;

/// Values stored once, each named by a 4-byte id.
struct Interner<T> {
    ids: HashMap<T, u32>,
    values: Vec<T>,
}

impl<T: Hash + Eq + Clone> Interner<T> {
    fn new() -> Self {
        Interner {
            ids: HashMap::default(),
            values: Vec::new(),
        }
    }

    fn id(&mut self, value: T) -> Result<u32> {
        if let Some(&id) = self.ids.get(&value) {
            return Ok(id);
        }
        let id = u32::try_from(self.values.len()).map_err(|_| too_many())?;
        self.values.push(value.clone());
        self.ids.insert(value, id);
        Ok(id)
    }
}

fn too_many() -> Error {
    Error::data("--k: more than 4294967295 distinct values; split the input")
}

/// The free-text values, stored once.
struct Texts {
    ids: HashMap<Box<str>, u32>,
    values: Vec<FreeText<'static>>,
}

impl Texts {
    fn id(&mut self, text: Option<&FreeText<'_>>) -> Result<Option<u32>> {
        let Some(text) = text else {
            return Ok(None);
        };
        if let Some(&id) = self.ids.get(text.as_str()) {
            return Ok(Some(id));
        }
        let id = u32::try_from(self.values.len()).map_err(|_| too_many())?;
        self.values.push(text.clone().into_owned());
        self.ids.insert(text.as_str().into(), id);
        Ok(Some(id))
    }

    fn get(&self, id: Option<u32>) -> Option<FreeText<'_>> {
        id.and_then(|id| self.values.get(id as usize))
            .map(FreeText::reborrow)
    }
}

/// A combination of quasi-identifiers, texts by id.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
struct Combo {
    date: Option<Date>,
    country: Option<Country>,
    region: Option<u32>,
    city: Option<u32>,
    asn: Option<u32>,
    service: Option<Service>,
}

/// The highest generalisation level.
const TOP_LEVEL: u8 = 3;

impl Combo {
    fn at_level(self, level: u8) -> Combo {
        Combo {
            city: if level >= 1 { None } else { self.city },
            region: if level >= 2 { None } else { self.region },
            date: if level >= 3 {
                self.date.map(Date::to_month)
            } else {
                self.date
            },
            ..self
        }
    }
}

/// The optional columns other than pseudonyms, texts by id.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
struct Extras {
    as_name: Option<u32>,
    jail: Option<&'static str>,
    hour: Option<u8>,
    failures: Option<u32>,
    reporter_country: Option<Country>,
}

/// What k-anonymity did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Outcome {
    /// Rows released with at least one value coarsened.
    pub generalised: u64,
    /// Rows dropped because no generalisation made their group large enough.
    pub suppressed: u64,
}

/// Collects released rows, then writes them k-anonymized, sorted by their
/// released combination.
pub struct KAnonymizer {
    k: u64,
    columns: Columns,
    texts: Texts,
    combos: Interner<Combo>,
    counts: Vec<u64>,
    extras: Interner<Extras>,
    ids: Interner<Option<Pseudonym>>,
    has_extras: bool,
    stride: usize,
    rows: Vec<u32>,
}

impl KAnonymizer {
    /// Collects rows of `columns` for k-anonymity with `k`.
    pub fn new(k: u64, columns: Columns) -> KAnonymizer {
        let has_extras = columns.optional().any(|o| !o.is_pseudonym());
        let stride = 1
            + usize::from(has_extras)
            + usize::from(columns.has(Optional::ReporterId))
            + usize::from(columns.has(Optional::AttackerId));
        KAnonymizer {
            k,
            columns,
            texts: Texts {
                ids: HashMap::default(),
                values: Vec::new(),
            },
            combos: Interner::new(),
            counts: Vec::new(),
            extras: Interner::new(),
            ids: Interner::new(),
            has_extras,
            stride,
            rows: Vec::new(),
        }
    }

    /// Bytes kept per row.
    pub fn bytes_per_row(&self) -> usize {
        self.stride * 4
    }

    /// Keeps one row.
    pub fn push(&mut self, row: &Released<'_>) -> Result<()> {
        let combo = Combo {
            date: row.date,
            country: row.country,
            region: self.texts.id(row.region.as_ref())?,
            city: self.texts.id(row.city.as_ref())?,
            asn: row.asn,
            service: row.service,
        };
        let combo = self.combos.id(combo)?;
        match self.counts.get_mut(combo as usize) {
            Some(n) => *n += 1,
            None => self.counts.push(1),
        }
        self.rows.push(combo);
        if self.has_extras {
            let extras = Extras {
                as_name: self.texts.id(row.as_name.as_ref())?,
                jail: row.jail,
                hour: row.hour,
                failures: row.failures,
                reporter_country: row.reporter_country,
            };
            let id = self.extras.id(extras)?;
            self.rows.push(id);
        }
        if self.columns.has(Optional::ReporterId) {
            let id = self.ids.id(row.reporter_id)?;
            self.rows.push(id);
        }
        if self.columns.has(Optional::AttackerId) {
            let id = self.ids.id(row.attacker_id)?;
            self.rows.push(id);
        }
        Ok(())
    }

    /// The level of every distinct combination (`None`: suppressed).
    fn plan(&self) -> (Vec<Option<u8>>, Outcome) {
        let combos = &self.combos.values;
        let mut level: Vec<Option<u8>> = vec![None; combos.len()];
        // Rows already placed, by the combination they are released as.
        let mut placed: HashMap<Combo, u64> = HashMap::default();
        let mut outcome = Outcome::default();
        for l in 0..=TOP_LEVEL {
            let mut waiting: HashMap<Combo, u64> = HashMap::default();
            for (i, c) in combos.iter().enumerate() {
                if level[i].is_none() {
                    *waiting.entry(c.at_level(l)).or_default() += self.counts[i];
                }
            }
            let mut newly: Vec<(Combo, u64)> = Vec::new();
            for (i, c) in combos.iter().enumerate() {
                if level[i].is_some() {
                    continue;
                }
                let g = c.at_level(l);
                let group =
                    waiting.get(&g).copied().unwrap_or(0) + placed.get(&g).copied().unwrap_or(0);
                if group >= self.k {
                    level[i] = Some(l);
                    newly.push((g, self.counts[i]));
                    if g != *c {
                        outcome.generalised += self.counts[i];
                    }
                }
            }
            for (g, n) in newly {
                *placed.entry(g).or_default() += n;
            }
        }
        outcome.suppressed = level
            .iter()
            .zip(&self.counts)
            .filter(|(l, _)| l.is_none())
            .map(|(_, n)| n)
            .sum();
        (level, outcome)
    }

    /// The rank of each combination's released form in the output's order
    /// (`u32::MAX`: suppressed): by date (a month before its days), country,
    /// region, city, AS and service; equal released forms share a rank.
    fn ranks(&self, levels: &[Option<u8>]) -> Vec<u32> {
        let released: Vec<Option<Combo>> = self
            .combos
            .values
            .iter()
            .zip(levels)
            .map(|(c, l)| l.map(|l| c.at_level(l)))
            .collect();
        let key = |c: &Combo| {
            let date = c.date.map(|d| match d {
                Date::Day { year, month, day } => (year, month, day),
                Date::Month { year, month } => (year, month, 0),
            });
            (
                date,
                c.country,
                c.region
                    .and_then(|id| self.texts.values.get(id as usize))
                    .map(FreeText::as_str),
                c.city
                    .and_then(|id| self.texts.values.get(id as usize))
                    .map(FreeText::as_str),
                c.asn,
                c.service.map(Service::as_str),
            )
        };
        // The texts are borrowed, not copied: one key per combination.
        let mut sorted: Vec<(usize, _)> = released
            .iter()
            .enumerate()
            .filter_map(|(i, c)| Some((i, key(c.as_ref()?))))
            .collect();
        sorted.sort_by(|a, b| a.1.cmp(&b.1));
        let mut rank = vec![u32::MAX; released.len()];
        let mut r = 0u32;
        for (n, (i, k)) in sorted.iter().enumerate() {
            if n > 0 && sorted[n - 1].1 != *k {
                r += 1;
            }
            rank[*i] = r;
        }
        rank
    }

    /// Writes every row that is not suppressed, sorted by its released
    /// combination (see [`KAnonymizer::ranks`]), generalised as planned,
    /// through `write`.
    pub fn finish(
        self,
        out: &mut RecordWriter,
        mut write: impl FnMut(&Released<'_>, &mut RecordWriter) -> Result<()>,
    ) -> Result<Outcome> {
        let (levels, outcome) = self.plan();
        let no_extras = Extras {
            as_name: None,
            jail: None,
            hour: None,
            failures: None,
            reporter_country: None,
        };
        // Rows go out sorted by their released combination, not in input
        // order: a row generalised to its month between the rows of two
        // days would give its day away, and the input's order (mailbox by
        // mailbox, server by server) would link rows. Equal combinations
        // keep their input order.
        let rank = self.ranks(&levels);
        let mut order: Vec<(u32, u32)> = self
            .rows
            .chunks_exact(self.stride)
            .enumerate()
            .filter_map(|(i, ids)| {
                let r = *rank.get(*ids.first()? as usize)?;
                (r != u32::MAX).then_some((r, i as u32))
            })
            .collect();
        order.sort_by_key(|&(r, _)| r);
        for (_, i) in order {
            let at = i as usize * self.stride;
            let Some(ids) = self.rows.get(at..at + self.stride) else {
                continue;
            };
            let mut ids = ids.iter().copied();
            let Some(combo_id) = ids.next() else { continue };
            let (Some(Some(level)), Some(combo)) = (
                levels.get(combo_id as usize),
                self.combos.values.get(combo_id as usize),
            ) else {
                continue;
            };
            let c = combo.at_level(*level);
            let extras = if self.has_extras {
                ids.next()
                    .and_then(|id| self.extras.values.get(id as usize))
                    .copied()
                    .unwrap_or(no_extras)
            } else {
                no_extras
            };
            let mut pseudonym = |wanted: bool| {
                if wanted {
                    ids.next()
                        .and_then(|id| self.ids.values.get(id as usize))
                        .copied()
                        .flatten()
                } else {
                    None
                }
            };
            let reporter_id = pseudonym(self.columns.has(Optional::ReporterId));
            let attacker_id = pseudonym(self.columns.has(Optional::AttackerId));
            let row = Released {
                date: c.date,
                country: c.country,
                region: self.texts.get(c.region),
                city: self.texts.get(c.city),
                asn: c.asn,
                service: c.service,
                as_name: self.texts.get(extras.as_name),
                jail: extras.jail,
                hour: extras.hour,
                failures: extras.failures,
                reporter_country: extras.reporter_country,
                reporter_id,
                attacker_id,
            };
            write(&row, out)?;
        }
        Ok(outcome)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::borrow::Cow;
    use std::collections::HashMap;

    use crate::validate::{parse_date, PLACE};

    fn row(date: &str, region: &str, city: &str) -> Released<'static> {
        Released {
            date: parse_date(date),
            country: Country::parse("FR"),
            region: FreeText::check(Cow::Owned(region.to_string()), PLACE),
            city: FreeText::check(Cow::Owned(city.to_string()), PLACE),
            asn: Some(3215),
            service: Some(Service::Ssh),
            ..Released::default()
        }
    }

    fn run(k: u64, rows: &[Released<'_>]) -> (Vec<String>, Outcome) {
        let mut kanon = KAnonymizer::new(k, Columns::default());
        for r in rows {
            kanon.push(r).unwrap();
        }
        let mut seen = Vec::new();
        let mut out = RecordWriter::new("t".into(), Box::new(std::io::sink()), 0);
        let outcome = kanon
            .finish(&mut out, |r, _| {
                seen.push(format!(
                    "{} {} {}",
                    r.date.map(|d| d.to_string()).unwrap_or_default(),
                    r.region.as_ref().map(|t| t.as_str()).unwrap_or("-"),
                    r.city.as_ref().map(|t| t.as_str()).unwrap_or("-"),
                ));
                Ok(())
            })
            .unwrap();
        (seen, outcome)
    }

    #[test]
    fn common_combinations_are_released_unchanged() {
        let rows = vec![row("2011-07-04", "Bretagne", "Rennes"); 3];
        let (seen, outcome) = run(3, &rows);
        assert_eq!(seen, vec!["2011-07-04 Bretagne Rennes"; 3]);
        assert_eq!(outcome, Outcome::default());
    }

    #[test]
    fn rare_cities_are_dropped_first_then_regions_then_days() {
        let rows = vec![
            row("2011-07-04", "Bretagne", "Rennes"),
            row("2011-07-04", "Bretagne", "Brest"),
            row("2011-07-04", "Normandie", "Caen"),
            row("2011-07-05", "Alsace", "Colmar"),
            row("2011-07-05", "Alsace", "Colmar"),
            row("2011-07-09", "Corse", "Ajaccio"),
            row("2011-09-01", "Corse", "Bastia"),
        ];
        let (seen, outcome) = run(2, &rows);
        // Sorted, the month's rows come before its days: where Caen's row was
        // (between the 4th and the 5th) does not give its day away.
        assert_eq!(
            seen,
            [
                "2011-07 - -",
                "2011-07 - -",
                "2011-07-04 Bretagne -",
                "2011-07-04 Bretagne -",
                "2011-07-05 Alsace Colmar",
                "2011-07-05 Alsace Colmar",
            ]
        );
        assert_eq!(
            outcome,
            Outcome {
                generalised: 4,
                suppressed: 1
            }
        );
    }

    #[test]
    fn a_generalised_row_may_join_a_group_released_unchanged() {
        let mut rows = vec![row("2011-07-04", "Bretagne", ""); 2];
        rows.push(row("2011-07-04", "Bretagne", "Brest"));
        let (seen, outcome) = run(2, &rows);
        assert_eq!(seen, vec!["2011-07-04 Bretagne -"; 3]);
        assert_eq!(outcome.generalised, 1);
    }

    #[test]
    fn every_released_combination_occurs_at_least_k_times() {
        let cities = ["A", "B", "C", "D"];
        let regions = ["R", "S"];
        let mut rows = Vec::new();
        for i in 0..200usize {
            let date = format!("2011-0{}-1{}", 1 + i % 3, i % 7);
            rows.push(row(&date, regions[i * 7 % 2], cities[i * 13 % 4]));
        }
        for k in [1, 2, 5, 17, 60, 250] {
            let (seen, outcome) = run(k, &rows);
            let mut groups: HashMap<&str, u64> = HashMap::new();
            for s in &seen {
                *groups.entry(s).or_default() += 1;
            }
            assert!(groups.values().all(|&n| n >= k), "k={k}: {groups:?}");
            assert_eq!(seen.len() as u64 + outcome.suppressed, 200);
        }
    }
}
