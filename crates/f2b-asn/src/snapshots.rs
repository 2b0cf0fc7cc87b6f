//! Dated prefix2as snapshots: a directory of `routeviews-rv2-YYYYMMDD-HHMM.pfx2as.gz`
//! (IPv4) and `routeviews-rv6-YYYYMMDD-HHMM.pfx2as.gz` (IPv6) files, one table
//! per date, so that a report is mapped with the routing of its own time.
//!
//! A record is looked up in the latest snapshot of its address family that is
//! not after its `ts`; in the earliest when every snapshot is later; in the
//! newest when it has no `ts`. Tables are loaded on first use and at most
//! `capacity` of them stay in memory: the least recently used one goes.

use std::path::{Path, PathBuf};

use f2b_core::{Error, Result};

use crate::as_names::AsNames;
use crate::problems::RowProblem;
use crate::routes::Prefix2As;

/// An address family.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Family {
    /// IPv4 (`rv2` files).
    V4,
    /// IPv6 (`rv6` files).
    V6,
}

/// One snapshot file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SnapshotFile {
    /// The family its file name says it holds.
    pub family: Family,
    /// Its date, in seconds since the epoch (UTC).
    pub time: i64,
    /// Where it is.
    pub path: PathBuf,
}

/// Reads a snapshot file name: `routeviews-rv2-YYYYMMDD-HHMM.pfx2as` or
/// `routeviews-rv6-...`, optionally ending in `.gz`. Other names give `None`.
pub fn parse_file_name(name: &str) -> Option<(Family, i64)> {
    let rest = name.strip_prefix("routeviews-rv")?;
    let (family, rest) = match rest.as_bytes().first()? {
        b'2' => (Family::V4, &rest[1..]),
        b'6' => (Family::V6, &rest[1..]),
        _ => return None,
    };
    let rest = rest.strip_prefix('-')?;
    let rest = rest.strip_suffix(".gz").unwrap_or(rest);
    let stamp = rest.strip_suffix(".pfx2as")?.as_bytes();
    match stamp {
        [date @ .., b'-', h1, h2, m1, m2] => {
            crate::time::snapshot_time(date, &[*h1, *h2, *m1, *m2]).map(|t| (family, t))
        }
        _ => None,
    }
}

/// Which of `times` (sorted, ascending) a record at `ts` uses: the latest not
/// after `ts`, the earliest if all are later, the newest without `ts`.
pub fn select(times: &[i64], ts: Option<i64>) -> Option<usize> {
    if times.is_empty() {
        return None;
    }
    Some(match ts {
        None => times.len() - 1,
        Some(ts) => times.partition_point(|t| *t <= ts).saturating_sub(1),
    })
}

struct Cached {
    family: Family,
    index: usize,
    table: Prefix2As,
    last_used: u64,
}

/// Counters for the summary.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SnapshotStats {
    /// Tables read from disk (a table evicted and needed again counts twice).
    pub loads: u64,
    /// Distinct IPv4 snapshots used.
    pub used_v4: usize,
    /// Distinct IPv6 snapshots used.
    pub used_v6: usize,
    /// Malformed rows skipped over all loads.
    pub malformed: u64,
}

/// The snapshots of a directory, with a bounded cache of loaded tables.
pub struct Snapshots {
    v4: Vec<SnapshotFile>,
    v6: Vec<SnapshotFile>,
    times_v4: Vec<i64>,
    times_v6: Vec<i64>,
    used_v4: Vec<bool>,
    used_v6: Vec<bool>,
    cache: Vec<Cached>,
    capacity: usize,
    clock: u64,
    stats: SnapshotStats,
}

impl Snapshots {
    /// The snapshots found in `dir`; an error when it cannot be read or
    /// holds none. `capacity` (at least 1) bounds the tables kept in memory.
    pub fn scan(dir: &Path, capacity: usize) -> Result<Snapshots> {
        let name = dir.display();
        let entries = std::fs::read_dir(dir)
            .map_err(|e| Error::io(format!("cannot read snapshot directory {name}"), e))?;
        let mut files = Vec::new();
        for entry in entries {
            let entry = entry
                .map_err(|e| Error::io(format!("cannot read snapshot directory {name}"), e))?;
            let file_name = entry.file_name();
            if let Some((family, time)) = file_name.to_str().and_then(parse_file_name) {
                files.push(SnapshotFile {
                    family,
                    time,
                    path: entry.path(),
                });
            }
        }
        if files.is_empty() {
            return Err(Error::data(format!(
                "{name}: no snapshot found (looked for routeviews-rv2-YYYYMMDD-HHMM.pfx2as.gz \
                 and routeviews-rv6-YYYYMMDD-HHMM.pfx2as.gz)"
            )));
        }
        Ok(Self::from_files(files, capacity))
    }

    /// Snapshots from a list of files (any order; for one family and date the
    /// first path in name order is kept).
    pub fn from_files(mut files: Vec<SnapshotFile>, capacity: usize) -> Snapshots {
        files.sort_by(|a, b| a.time.cmp(&b.time).then_with(|| a.path.cmp(&b.path)));
        let (mut v4, mut v6): (Vec<_>, Vec<_>) =
            files.into_iter().partition(|f| f.family == Family::V4);
        v4.dedup_by_key(|f| f.time);
        v6.dedup_by_key(|f| f.time);
        Snapshots {
            times_v4: v4.iter().map(|f| f.time).collect(),
            times_v6: v6.iter().map(|f| f.time).collect(),
            used_v4: vec![false; v4.len()],
            used_v6: vec![false; v6.len()],
            v4,
            v6,
            cache: Vec::new(),
            capacity: capacity.max(1),
            clock: 0,
            stats: SnapshotStats::default(),
        }
    }

    /// The snapshot files of `family`, oldest first.
    pub fn files(&self, family: Family) -> &[SnapshotFile] {
        match family {
            Family::V4 => &self.v4,
            Family::V6 => &self.v6,
        }
    }

    /// Counters so far.
    pub fn stats(&self) -> SnapshotStats {
        self.stats
    }

    /// Tables currently in memory.
    pub fn loaded(&self) -> usize {
        self.cache.len()
    }

    /// The index of the snapshot of `family` a record at `ts` uses.
    pub fn pick(&self, family: Family, ts: Option<i64>) -> Option<usize> {
        match family {
            Family::V4 => select(&self.times_v4, ts),
            Family::V6 => select(&self.times_v6, ts),
        }
    }

    /// The table of snapshot `index` of `family`, loaded if needed (evicting
    /// the least recently used table when the cache is full), its routes
    /// bound to `names`.
    pub fn table(
        &mut self,
        family: Family,
        index: usize,
        names: Option<&AsNames>,
        problem: &mut dyn FnMut(&RowProblem) -> Result<()>,
    ) -> Result<&Prefix2As> {
        self.clock += 1;
        let pos = match self
            .cache
            .iter()
            .position(|c| c.family == family && c.index == index)
        {
            Some(pos) => pos,
            None => {
                let path = match self.files(family).get(index) {
                    Some(f) => f.path.clone(),
                    None => return Err(Error::data(format!("no snapshot number {index}"))),
                };
                if self.cache.len() >= self.capacity {
                    if let Some(lru) =
                        (0..self.cache.len()).min_by_key(|&i| self.cache[i].last_used)
                    {
                        // Dropped before the next load, so memory stays bounded.
                        self.cache.swap_remove(lru);
                    }
                }
                let mut table = Prefix2As::new();
                let loaded = table.load_file(&path, names, problem)?;
                self.stats.loads += 1;
                self.stats.malformed += loaded.malformed;
                let used = match family {
                    Family::V4 => &mut self.used_v4,
                    Family::V6 => &mut self.used_v6,
                };
                if let Some(u) = used.get_mut(index) {
                    if !*u {
                        *u = true;
                        match family {
                            Family::V4 => self.stats.used_v4 += 1,
                            Family::V6 => self.stats.used_v6 += 1,
                        }
                    }
                }
                self.cache.push(Cached {
                    family,
                    index,
                    table,
                    last_used: 0,
                });
                self.cache.len() - 1
            }
        };
        let cached = &mut self.cache[pos];
        cached.last_used = self.clock;
        Ok(&cached.table)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::time::snapshot_time;

    #[test]
    fn snapshot_names_give_family_and_time() {
        let t = snapshot_time(b"20110704", b"1200");
        assert_eq!(
            parse_file_name("routeviews-rv2-20110704-1200.pfx2as.gz"),
            t.map(|t| (Family::V4, t))
        );
        assert_eq!(
            parse_file_name("routeviews-rv6-20110704-1200.pfx2as"),
            t.map(|t| (Family::V6, t))
        );
        for other in [
            "routeviews-rv2-20110704-1200.pfx2as.bz2",
            "routeviews-rv4-20110704-1200.pfx2as.gz",
            "routeviews-rv2-20111304-1200.pfx2as.gz",
            "routeviews-rv2-20110704.pfx2as.gz",
            "routeviews-rv",
            "README",
        ] {
            assert_eq!(parse_file_name(other), None, "{other}");
        }
    }

    #[test]
    fn records_use_the_latest_snapshot_not_after_their_time() {
        let times = [100, 200, 300];
        assert_eq!(select(&times, Some(50)), Some(0), "before all: earliest");
        assert_eq!(select(&times, Some(100)), Some(0));
        assert_eq!(select(&times, Some(199)), Some(0));
        assert_eq!(select(&times, Some(250)), Some(1));
        assert_eq!(select(&times, Some(1000)), Some(2));
        assert_eq!(select(&times, None), Some(2), "no ts: newest");
        assert_eq!(select(&[], Some(1)), None);
    }

    #[test]
    fn the_least_recently_used_table_is_evicted() {
        let dir = tempfile::tempdir().unwrap();
        let mut files = Vec::new();
        for (i, day) in ["20100101", "20110101", "20120101"].iter().enumerate() {
            let path = dir.path().join(format!("routeviews-rv2-{day}-0000.pfx2as"));
            std::fs::write(&path, format!("10.0.0.0\t8\t{}\n", i + 1)).unwrap();
            files.push(SnapshotFile {
                family: Family::V4,
                time: snapshot_time(day.as_bytes(), b"0000").unwrap(),
                path,
            });
        }
        let mut snaps = Snapshots::from_files(files, 2);
        let mut none = |_: &RowProblem| Ok(());
        let asn = |s: &mut Snapshots, i, p: &mut dyn FnMut(&RowProblem) -> Result<()>| {
            let t = s.table(Family::V4, i, None, p).unwrap();
            t.lookup("10.1.1.1".parse().unwrap()).unwrap().origins[0]
        };
        assert_eq!(asn(&mut snaps, 0, &mut none), 1);
        assert_eq!(asn(&mut snaps, 1, &mut none), 2);
        assert_eq!(asn(&mut snaps, 0, &mut none), 1);
        assert_eq!(snaps.stats().loads, 2);
        assert_eq!(asn(&mut snaps, 2, &mut none), 3, "evicts 1, not 0");
        assert_eq!(snaps.loaded(), 2);
        assert_eq!(asn(&mut snaps, 0, &mut none), 1);
        assert_eq!(snaps.stats().loads, 3);
        assert_eq!(asn(&mut snaps, 1, &mut none), 2);
        assert_eq!(snaps.stats().loads, 4);
        assert_eq!(snaps.stats().used_v4, 3);
    }
}
