//! Partial digests: the whole [`State`] as one JSON document, so that shards
//! processed apart can be merged into exactly the digest of one run.
//!
//! A partial is canonical: its string tables are sorted and every list is in
//! key order, so the same records give the same bytes however they were
//! split, processed and merged. Strings are written once, in the tables
//! `labels`, `attackers` and `reporters`; everything else refers to them by
//! index. The format is internal to f2b-agg and versioned by
//! `f2b_agg_partial`.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::intern::{FastMap, NONE};
use crate::state::{pack, unpack, Period, Profile, ReporterProfile, State, NO_HOUR, NO_WEEKDAY};
use crate::time::{format_day, format_month, parse_date, parse_month, parse_ts};

/// The version of the partial format this build writes and reads.
pub const FORMAT: u32 = 1;

/// Reports of one period with its distinct attackers and reporters
/// (indices into the tables).
type PeriodRow = (String, u64, Vec<u32>, Vec<u32>);

/// An attacker profile: attacker, country, region, city, asn, as_name,
/// as_country, service, jail, reports.
type ProfileRow = (
    Option<u32>,
    Option<u32>,
    Option<u32>,
    Option<u32>,
    Option<i64>,
    Option<u32>,
    Option<u32>,
    Option<u32>,
    Option<u32>,
    u64,
);

/// A partial digest as written by `--partial`.
#[derive(Serialize, Deserialize, Debug, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Partial {
    /// Format version ([`FORMAT`]).
    pub f2b_agg_partial: u32,
    /// The program that wrote it.
    pub generator: String,
    /// Records read.
    pub records: u64,
    /// Reports.
    pub reports: u64,
    /// Notices by event.
    pub notices: BTreeMap<String, u64>,
    /// Reports without a usable date.
    pub undated: u64,
    /// Earliest `ts`.
    pub first_ts: Option<String>,
    /// Latest `ts`.
    pub last_ts: Option<String>,
    /// Every label, sorted.
    pub labels: Vec<String>,
    /// Every attacker key (with its prefix), sorted.
    pub attackers: Vec<String>,
    /// Every reporter key, sorted.
    pub reporters: Vec<String>,
    /// Day-precision reports per day (`YYYY-MM-DD`).
    pub days: Vec<PeriodRow>,
    /// Month-precision reports per month (`YYYY-MM`).
    pub months: Vec<PeriodRow>,
    /// Attacker profiles with their reports.
    pub attacker_profiles: Vec<ProfileRow>,
    /// Reporter profiles: reporter, reporter_country, reports.
    pub reporter_profiles: Vec<(Option<u32>, Option<u32>, u64)>,
    /// Reports per (country, reporter_country).
    pub flows: Vec<(Option<u32>, Option<u32>, u64)>,
    /// Reports per (weekday 0 = Monday, UTC hour); null is unknown.
    pub hours: Vec<(Option<u8>, Option<u8>, u64)>,
    /// Reports per `failures` value.
    pub failures: Vec<(i64, u64)>,
}

/// Maps the ids of an interner to positions in its sorted strings.
fn sorted_table<'a>(strings: impl ExactSizeIterator<Item = &'a str>) -> (Vec<String>, Vec<u32>) {
    let strings: Vec<&str> = strings.collect();
    let mut order: Vec<u32> = (0..strings.len() as u32).collect();
    order.sort_unstable_by_key(|&i| strings[i as usize]);
    let mut position = vec![0u32; strings.len()];
    for (pos, &id) in order.iter().enumerate() {
        position[id as usize] = pos as u32;
    }
    let table = order
        .iter()
        .map(|&i| strings[i as usize].to_string())
        .collect();
    (table, position)
}

fn opt(position: &[u32], id: u32) -> Option<u32> {
    (id != NONE).then(|| position[id as usize])
}

fn periods(
    periods: &FastMap<i32, Period>,
    attacker_pos: &[u32],
    reporter_pos: &[u32],
    format: fn(i32) -> String,
) -> Vec<PeriodRow> {
    let mut rows: Vec<(i32, PeriodRow)> = periods
        .iter()
        .map(|(&d, p)| {
            let mut a: Vec<u32> = p
                .attackers
                .iter()
                .map(|&a| attacker_pos[a as usize])
                .collect();
            let mut r: Vec<u32> = p
                .reporters
                .iter()
                .map(|&r| reporter_pos[r as usize])
                .collect();
            a.sort_unstable();
            r.sort_unstable();
            (d, (format(d), p.reports, a, r))
        })
        .collect();
    rows.sort_unstable_by_key(|(d, _)| *d);
    rows.into_iter().map(|(_, row)| row).collect()
}

/// Adds a partial's period rows to `into`.
fn merge_periods(
    rows: Vec<PeriodRow>,
    into: &mut FastMap<i32, Period>,
    parse: fn(&[u8]) -> Option<i32>,
    attackers: &[u32],
    reporters: &[u32],
) -> Result<(), String> {
    for (text, n, a, r) in rows {
        let key = parse(text.as_bytes()).ok_or_else(|| format!("bad date {text:?}"))?;
        let period = into.entry(key).or_default();
        period.reports += n;
        for i in a {
            let id = attackers
                .get(i as usize)
                .ok_or_else(|| format!("attacker index {i} is out of range"))?;
            period.attackers.insert(*id);
        }
        for i in r {
            let id = reporters
                .get(i as usize)
                .ok_or_else(|| format!("reporter index {i} is out of range"))?;
            period.reporters.insert(*id);
        }
    }
    Ok(())
}

/// The largest count a partial, or a merge of partials, may hold: the
/// largest integer JSON readers keep exactly. Every count of a partial is
/// at most its `records`, and merged `records` stay at most this: no sum
/// can overflow.
const MAX_COUNT: u64 = 1 << 53;

impl Partial {
    fn check_counts(&self) -> Result<(), String> {
        let counts = [self.records, self.reports, self.undated]
            .into_iter()
            .chain(self.notices.values().copied())
            .chain(self.days.iter().chain(&self.months).map(|p| p.1))
            .chain(self.attacker_profiles.iter().map(|p| p.9))
            .chain(self.reporter_profiles.iter().map(|p| p.2))
            .chain(self.flows.iter().map(|f| f.2))
            .chain(self.hours.iter().map(|h| h.2))
            .chain(self.failures.iter().map(|f| f.1));
        for n in counts {
            if n > MAX_COUNT {
                return Err(format!("count {n} is too large"));
            }
            if n > self.records {
                return Err(format!(
                    "count {n} is larger than its {} records: not a partial f2b-agg wrote",
                    self.records
                ));
            }
        }
        Ok(())
    }

    /// The partial of a state.
    pub fn of(state: &State) -> Partial {
        let (labels, lp) = sorted_table(state.labels.strings());
        let (attackers, ap) = sorted_table(state.attackers.strings());
        let (reporters, rp) = sorted_table(state.reporters.strings());
        let days = periods(&state.days, &ap, &rp, format_day);
        let months = periods(&state.months, &ap, &rp, format_month);
        let mut attacker_profiles: Vec<ProfileRow> = state
            .profiles
            .iter()
            .zip(&state.profile_reports)
            .filter(|(_, &n)| n > 0)
            .map(|(p, &n)| {
                (
                    opt(&ap, p.attacker),
                    opt(&lp, p.country),
                    opt(&lp, p.region),
                    opt(&lp, p.city),
                    p.asn,
                    opt(&lp, p.as_name),
                    opt(&lp, p.as_country),
                    opt(&lp, p.service),
                    opt(&lp, p.jail),
                    n,
                )
            })
            .collect();
        attacker_profiles.sort_unstable();
        let mut reporter_profiles: Vec<_> = state
            .reporter_profiles
            .iter()
            .zip(&state.reporter_profile_reports)
            .filter(|(_, &n)| n > 0)
            .map(|(p, &n)| (opt(&rp, p.reporter), opt(&lp, p.country), n))
            .collect();
        reporter_profiles.sort_unstable();
        let mut flows: Vec<_> = state
            .flows
            .iter()
            .map(|(&k, &n)| {
                let (c, rc) = unpack(k);
                (opt(&lp, c), opt(&lp, rc), n)
            })
            .collect();
        flows.sort_unstable();
        let mut hours = Vec::new();
        for (wd, row) in state.hour_weekday.iter().enumerate() {
            for (h, &n) in row.iter().enumerate() {
                if n > 0 {
                    let wd = (wd != NO_WEEKDAY).then_some(wd as u8);
                    let h = (h != NO_HOUR).then_some(h as u8);
                    hours.push((wd, h, n));
                }
            }
        }
        hours.sort_unstable();
        Partial {
            f2b_agg_partial: FORMAT,
            generator: crate::GENERATOR.to_string(),
            records: state.records,
            reports: state.reports,
            notices: state.notices.clone(),
            undated: state.undated,
            first_ts: state.first_ts.as_ref().map(|(_, s)| s.clone()),
            last_ts: state.last_ts.as_ref().map(|(_, s)| s.clone()),
            labels,
            attackers,
            reporters,
            days,
            months,
            attacker_profiles,
            reporter_profiles,
            flows,
            hours,
            failures: state.failures.iter().map(|(&k, &n)| (k, n)).collect(),
        }
    }

    /// Adds this partial to `state`. An inconsistent partial (an index out of
    /// range, a bad date) is an error that says what is wrong; `state` may then
    /// hold part of it.
    pub fn merge_into(self, state: &mut State) -> Result<(), String> {
        if self.f2b_agg_partial != FORMAT {
            return Err(format!(
                "partial format {} is not supported (this f2b-agg reads format {FORMAT})",
                self.f2b_agg_partial
            ));
        }
        self.check_counts()?;
        let labels: Vec<u32> = self.labels.iter().map(|s| state.labels.intern(s)).collect();
        let attackers: Vec<u32> = self
            .attackers
            .iter()
            .map(|s| state.attackers.intern(s))
            .collect();
        let reporters: Vec<u32> = self
            .reporters
            .iter()
            .map(|s| state.reporters.intern(s))
            .collect();
        let id = |table: &[u32], what: &str, i: Option<u32>| -> Result<u32, String> {
            match i {
                None => Ok(NONE),
                Some(i) => table
                    .get(i as usize)
                    .copied()
                    .ok_or_else(|| format!("{what} index {i} is out of range")),
            }
        };
        let label = |i| id(&labels, "label", i);

        state.records = state
            .records
            .checked_add(self.records)
            .filter(|&n| n <= MAX_COUNT)
            .ok_or_else(|| format!("the merged records would pass {MAX_COUNT}"))?;
        state.reports += self.reports;
        for (e, n) in self.notices {
            *state.notices.entry(e).or_insert(0) += n;
        }
        state.undated += self.undated;
        for ts in [self.first_ts, self.last_ts].into_iter().flatten() {
            let t = parse_ts(ts.as_bytes()).ok_or_else(|| format!("bad timestamp {ts:?}"))?;
            state.see_first_last(t, &ts);
        }
        merge_periods(
            self.days,
            &mut state.days,
            parse_date,
            &attackers,
            &reporters,
        )?;
        merge_periods(
            self.months,
            &mut state.months,
            parse_month,
            &attackers,
            &reporters,
        )?;
        for (a, c, rg, ci, asn, an, ac, s, j, n) in self.attacker_profiles {
            let p = Profile {
                attacker: id(&attackers, "attacker", a)?,
                country: label(c)?,
                region: label(rg)?,
                city: label(ci)?,
                asn,
                as_name: label(an)?,
                as_country: label(ac)?,
                service: label(s)?,
                jail: label(j)?,
            };
            let pid = state.profile_id(p);
            state.profile_reports[pid as usize] += n;
        }
        for (r, c, n) in self.reporter_profiles {
            let p = ReporterProfile {
                reporter: id(&reporters, "reporter", r)?,
                country: label(c)?,
            };
            let pid = state.reporter_profile_id(p);
            state.reporter_profile_reports[pid as usize] += n;
        }
        for (c, rc, n) in self.flows {
            *state.flows.entry(pack(label(c)?, label(rc)?)).or_insert(0) += n;
        }
        for (wd, h, n) in self.hours {
            let wd = wd.map_or(Some(NO_WEEKDAY), |w| (w < 7).then_some(usize::from(w)));
            let h = h.map_or(Some(NO_HOUR), |h| (h < 24).then_some(usize::from(h)));
            match (wd, h) {
                (Some(wd), Some(h)) => state.hour_weekday[wd][h] += n,
                _ => return Err("weekday or hour out of range".into()),
            }
        }
        for (k, n) in self.failures {
            *state.failures.entry(k).or_insert(0) += n;
        }
        Ok(())
    }
}
