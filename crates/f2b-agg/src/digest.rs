//! The digest: every section of SPEC §5, computed from a [`State`].
//!
//! The JSON shape is documented in `docs/digest.md`; the structs here are in
//! the order their fields are written. Every list is in a defined order
//! (ranked lists by reports, descending, then key; series by key), so the
//! same records give the same bytes however they were split and merged.

use std::cmp::Reverse;
use std::collections::BTreeMap;
use std::hash::Hash;

use serde::Serialize;

use crate::intern::{FastMap, FastSet, NONE};
use crate::state::{unpack, Period, State, IP_PREFIX, NO_HOUR, NO_WEEKDAY};
use crate::time::{format_day, format_month, month_of_day, WEEKDAYS};

/// Version of the digest format; bumped when a section changes shape.
pub const DIGEST_VERSION: u32 = 1;

/// Entries of `top_attackers` when `--top` is not given.
pub const DEFAULT_TOP_ATTACKERS: usize = 100;

/// Shortest run of days without reports that is a gap.
pub const MIN_GAP_DAYS: i32 = 3;

/// How the digest is cut.
#[derive(Debug, Clone, Copy, Default)]
pub struct Options {
    /// Keep only the first N entries of every ranked list (`--top N`); by
    /// default ranked lists are whole and `top_attackers` has
    /// [`DEFAULT_TOP_ATTACKERS`] entries.
    pub top: Option<usize>,
}

/// The digest document.
#[derive(Serialize, Debug)]
pub struct Digest<'a> {
    /// [`DIGEST_VERSION`].
    pub digest_version: u32,
    /// The program and version that wrote it.
    pub generator: &'static str,
    /// The `--top N` the digest's ranked lists were cut to (absent when
    /// they are whole): their rows then add up to less than the totals.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub top: Option<usize>,
    /// Records read: reports and notices.
    pub records: u64,
    /// Reports (bans).
    pub reports: u64,
    /// Notices (records whose `event` is not `ban`) by event.
    pub notices: BTreeMap<&'a str, u64>,
    /// Distinct attackers; null when no report has `ip` or `attacker_id`.
    pub attackers: Option<u64>,
    /// Distinct reporters; null when no report names its reporter.
    pub reporters: Option<u64>,
    /// First day with reports.
    pub first: Option<String>,
    /// Last day with reports.
    pub last: Option<String>,
    /// Earliest `ts`, as written.
    pub first_ts: Option<&'a str>,
    /// Latest `ts`, as written.
    pub last_ts: Option<&'a str>,
    /// Reports by precision of their date.
    pub dated: Dated,
    /// Per day with reports, ascending.
    pub by_day: Vec<DayRow>,
    /// Per month with reports, ascending.
    pub by_month: Vec<MonthRow>,
    /// Runs of at least [`MIN_GAP_DAYS`] days without reports, ascending.
    pub gaps: Vec<Gap>,
    /// Per attacker country.
    pub by_country: Vec<CountryRow<'a>>,
    /// Per attacker (country, region).
    pub by_region: Vec<RegionRow<'a>>,
    /// Per attacker (country, region, city).
    pub by_city: Vec<CityRow<'a>>,
    /// Per attacker AS.
    pub by_asn: Vec<AsnRow<'a>>,
    /// Per service.
    pub by_service: Vec<ServiceRow<'a>>,
    /// Per jail.
    pub by_jail: Vec<JailRow<'a>>,
    /// Per reporter country.
    pub by_reporter_country: Vec<ReporterCountryRow<'a>>,
    /// Reports per (attacker country, reporter country).
    pub flows: Vec<FlowRow<'a>>,
    /// Reports per UTC hour, 0 to 23.
    pub by_hour: Vec<HourRow>,
    /// Reports per weekday, Monday to Sunday.
    pub by_weekday: Vec<WeekdayRow>,
    /// Reports per weekday (rows, Monday first) and UTC hour (columns).
    pub by_hour_weekday: Option<[[u64; 24]; 7]>,
    /// Reports per `failures` value, ascending.
    pub failures: Vec<FailuresRow>,
    /// The attacking addresses with the most reports.
    pub top_attackers: Vec<TopAttacker<'a>>,
}

/// Reports by the precision of their date.
#[derive(Serialize, Debug)]
pub struct Dated {
    /// Dated to the day (`ts`, or `date` as `YYYY-MM-DD`).
    pub day: u64,
    /// Dated to the month only (`date` as `YYYY-MM`).
    pub month: u64,
    /// Without a usable date.
    pub undated: u64,
}

/// One day of `by_day`.
#[derive(Serialize, Debug)]
pub struct DayRow {
    /// `YYYY-MM-DD`.
    pub date: String,
    /// Reports that day.
    pub reports: u64,
    /// Distinct attackers that day.
    pub attackers: Option<u64>,
    /// Distinct reporters that day.
    pub reporters: Option<u64>,
}

/// One month of `by_month`.
#[derive(Serialize, Debug)]
pub struct MonthRow {
    /// `YYYY-MM`.
    pub month: String,
    /// Reports that month.
    pub reports: u64,
    /// Distinct attackers that month.
    pub attackers: Option<u64>,
    /// Distinct reporters that month.
    pub reporters: Option<u64>,
}

/// A run of days without reports.
#[derive(Serialize, Debug)]
pub struct Gap {
    /// First day without reports.
    pub from: String,
    /// Last day without reports.
    pub to: String,
    /// Length in days.
    pub days: i32,
}

/// A row of `by_country`.
#[derive(Serialize, Debug)]
pub struct CountryRow<'a> {
    /// ISO 3166-1 alpha-2, null when unknown.
    pub country: Option<&'a str>,
    /// Reports.
    pub reports: u64,
    /// Distinct attackers.
    pub attackers: Option<u64>,
}

/// A row of `by_region`.
#[derive(Serialize, Debug)]
pub struct RegionRow<'a> {
    /// Country of the region.
    pub country: Option<&'a str>,
    /// Region (first subdivision).
    pub region: Option<&'a str>,
    /// Reports.
    pub reports: u64,
    /// Distinct attackers.
    pub attackers: Option<u64>,
}

/// A row of `by_city`.
#[derive(Serialize, Debug)]
pub struct CityRow<'a> {
    /// Country of the city.
    pub country: Option<&'a str>,
    /// Region of the city.
    pub region: Option<&'a str>,
    /// City.
    pub city: Option<&'a str>,
    /// Reports.
    pub reports: u64,
    /// Distinct attackers.
    pub attackers: Option<u64>,
}

/// A row of `by_asn`.
#[derive(Serialize, Debug)]
pub struct AsnRow<'a> {
    /// AS number, null when unknown.
    pub asn: Option<i64>,
    /// The AS name most reports gave for it.
    pub as_name: Option<&'a str>,
    /// The AS country most reports gave for it.
    pub as_country: Option<&'a str>,
    /// Reports.
    pub reports: u64,
    /// Distinct attackers.
    pub attackers: Option<u64>,
}

/// A row of `by_service`.
#[derive(Serialize, Debug)]
pub struct ServiceRow<'a> {
    /// Service class (SPEC §4).
    pub service: Option<&'a str>,
    /// Reports.
    pub reports: u64,
    /// Distinct attackers.
    pub attackers: Option<u64>,
}

/// A row of `by_jail`.
#[derive(Serialize, Debug)]
pub struct JailRow<'a> {
    /// Jail name as reported.
    pub jail: Option<&'a str>,
    /// Reports.
    pub reports: u64,
    /// Distinct attackers.
    pub attackers: Option<u64>,
}

/// A row of `by_reporter_country`.
#[derive(Serialize, Debug)]
pub struct ReporterCountryRow<'a> {
    /// Country of the reporter.
    pub reporter_country: Option<&'a str>,
    /// Reports.
    pub reports: u64,
    /// Distinct reporters.
    pub reporters: Option<u64>,
}

/// A row of `flows`.
#[derive(Serialize, Debug)]
pub struct FlowRow<'a> {
    /// Attacker country.
    pub country: Option<&'a str>,
    /// Reporter country.
    pub reporter_country: Option<&'a str>,
    /// Reports.
    pub reports: u64,
}

/// A row of `by_hour`.
#[derive(Serialize, Debug)]
pub struct HourRow {
    /// UTC hour, 0 to 23.
    pub hour: u8,
    /// Reports.
    pub reports: u64,
}

/// A row of `by_weekday`.
#[derive(Serialize, Debug)]
pub struct WeekdayRow {
    /// `Mon` ... `Sun`.
    pub weekday: &'static str,
    /// Reports.
    pub reports: u64,
}

/// A row of `failures`.
#[derive(Serialize, Debug)]
pub struct FailuresRow {
    /// The `failures` value.
    pub failures: i64,
    /// Reports with it.
    pub reports: u64,
}

/// An entry of `top_attackers`.
#[derive(Serialize, Debug)]
pub struct TopAttacker<'a> {
    /// The address.
    pub ip: &'a str,
    /// Reports.
    pub reports: u64,
    /// Distinct days with reports of it.
    pub days: u64,
    /// First day with a report of it.
    pub first: Option<String>,
    /// Last day with a report of it.
    pub last: Option<String>,
    /// Its country (as most of its reports give it).
    pub country: Option<&'a str>,
    /// Its AS number (idem).
    pub asn: Option<i64>,
    /// Its AS name (idem).
    pub as_name: Option<&'a str>,
}

/// Reports and distinct members (attackers or reporters) per key, from
/// `(key, member, reports)` items in which the items of each member come
/// together (see [`grouped`]): a key counts a member when it meets another
/// member than the last one it met, so each (key, member) pair once,
/// without the sort of every pair this took before (a quarter of the
/// digest's instructions on 200,000 enriched records).
fn tally<K: Copy + Eq + Hash>(items: impl Iterator<Item = (K, u32, u64)>) -> Vec<(K, u64, u64)> {
    // Per key: reports, distinct members, the last member met.
    let mut rows: FastMap<K, (u64, u64, u32)> = FastMap::default();
    for (k, member, n) in items {
        let row = rows.entry(k).or_insert((0, 0, NONE));
        row.0 += n;
        if member != NONE && member != row.2 {
            row.2 = member;
            row.1 += 1;
        }
    }
    rows.into_iter()
        .map(|(k, (n, members, _))| (k, n, members))
        .collect()
}

/// The indices of the items with reports, in an order where the items of
/// each member come together, by member id (ids are dense, below
/// `members`, or [`NONE`]): a counting sort, linear in the items and
/// members, four bytes an item.
fn grouped(reports: &[u64], member: impl Fn(usize) -> u32, members: usize) -> Vec<u32> {
    let bucket = |i: usize| match member(i) {
        NONE => members,
        m => (m as usize).min(members),
    };
    let with_reports = || (0..reports.len()).filter(|&i| reports[i] > 0);
    let mut start = vec![0usize; members + 2];
    for i in with_reports() {
        start[bucket(i) + 1] += 1;
    }
    for b in 1..start.len() {
        start[b] += start[b - 1];
    }
    let mut order = vec![0u32; start[members + 1]];
    for i in with_reports() {
        let b = bucket(i);
        order[start[b]] = i as u32;
        start[b] += 1;
    }
    order
}

/// Sorts by reports, descending, then key, and keeps the first `top`.
fn rank<R, K: Ord>(
    mut rows: Vec<R>,
    reports: impl Fn(&R) -> u64,
    key: impl Fn(&R) -> K,
    top: Option<usize>,
) -> Vec<R> {
    rows.sort_by(|a, b| {
        reports(b)
            .cmp(&reports(a))
            .then_with(|| key(a).cmp(&key(b)))
    });
    if let Some(n) = top {
        rows.truncate(n);
    }
    rows
}

/// Distinct attackers and reporters per month, over the days of each month
/// and the month-only reports. The periods are taken month by month, in
/// order, and an id counts for a month when the last month it was counted
/// for is another one: an array index per (period, id) pair instead of a
/// set per month.
fn per_month(state: &State) -> FastMap<i32, (u64, u64)> {
    let mut periods: Vec<(i32, &Period)> = state
        .days
        .iter()
        .map(|(&d, p)| (month_of_day(d), p))
        .chain(state.months.iter().map(|(&m, p)| (m, p)))
        .collect();
    periods.sort_unstable_by_key(|&(m, _)| m);
    let mut last_attacker = vec![i32::MIN; state.attackers.len()];
    let mut last_reporter = vec![i32::MIN; state.reporters.len()];
    let mut months: FastMap<i32, (u64, u64)> = FastMap::default();
    for (m, p) in periods {
        let e = months.entry(m).or_default();
        e.0 += first_this_month(&mut last_attacker, &p.attackers, m);
        e.1 += first_this_month(&mut last_reporter, &p.reporters, m);
    }
    months
}

/// How many of `ids` were not counted for month `m` yet; marks them counted.
fn first_this_month(last: &mut [i32], ids: &FastSet<u32>, m: i32) -> u64 {
    let mut n = 0;
    for &id in ids {
        if let Some(l) = last.get_mut(id as usize) {
            if *l != m {
                *l = m;
                n += 1;
            }
        }
    }
    n
}

impl State {
    /// The digest of this state.
    pub fn digest(&self, options: Options) -> Digest<'_> {
        let top = options.top;
        let label = |id: u32| self.labels.resolve_opt(id);
        let has_attackers = !self.attackers.is_empty();
        let has_reporters = !self.reporters.is_empty();
        let att = |n: u64| has_attackers.then_some(n);
        let rep = |n: u64| has_reporters.then_some(n);
        let profiles = || {
            self.profiles
                .iter()
                .zip(self.profile_reports.iter().copied())
                .filter(|(_, n)| *n > 0)
        };
        let known = |f: fn(&crate::state::Profile) -> u32| profiles().any(|(p, _)| f(p) != NONE);
        // The profiles of each attacker together, for `tally`.
        let by_attacker = grouped(
            &self.profile_reports,
            |i| self.profiles[i].attacker,
            self.attackers.len(),
        );
        let by_attacker = || {
            by_attacker
                .iter()
                .map(|&i| (&self.profiles[i as usize], self.profile_reports[i as usize]))
        };

        // Time.
        let mut days: Vec<(i32, u64)> = self.days.iter().map(|(&d, p)| (d, p.reports)).collect();
        days.sort_unstable();
        let by_day = days
            .iter()
            .map(|&(d, n)| DayRow {
                date: format_day(d),
                reports: n,
                attackers: att(self.days[&d].attackers.len() as u64),
                reporters: rep(self.days[&d].reporters.len() as u64),
            })
            .collect();
        let gaps = days
            .windows(2)
            // w[1] - w[0] - 1 days without reports lie between two report days.
            .filter(|w| w[1].0 - w[0].0 > MIN_GAP_DAYS)
            .map(|w| Gap {
                from: format_day(w[0].0 + 1),
                to: format_day(w[1].0 - 1),
                days: w[1].0 - w[0].0 - 1,
            })
            .collect();
        let mut month_reports: BTreeMap<i32, u64> =
            self.months.iter().map(|(&m, p)| (m, p.reports)).collect();
        for &(d, n) in &days {
            *month_reports.entry(month_of_day(d)).or_insert(0) += n;
        }
        let month_sets = per_month(self);
        let distinct = |m: &i32| month_sets.get(m).copied().unwrap_or((0, 0));
        let by_month = month_reports
            .iter()
            .map(|(&m, &n)| MonthRow {
                month: format_month(m),
                reports: n,
                attackers: att(distinct(&m).0),
                reporters: rep(distinct(&m).1),
            })
            .collect();

        // Attackers: where from, on what.
        let by_country = if known(|p| p.country) {
            let rows = tally(by_attacker().map(|(p, n)| (p.country, p.attacker, n)))
                .into_iter()
                .map(|(c, n, a)| CountryRow {
                    country: label(c),
                    reports: n,
                    attackers: att(a),
                })
                .collect();
            rank(rows, |r| r.reports, |r| r.country, top)
        } else {
            Vec::new()
        };
        let by_region = if known(|p| p.region) {
            let rows = tally(by_attacker().map(|(p, n)| ((p.country, p.region), p.attacker, n)))
                .into_iter()
                .map(|((c, r), n, a)| RegionRow {
                    country: label(c),
                    region: label(r),
                    reports: n,
                    attackers: att(a),
                })
                .collect();
            rank(rows, |r| r.reports, |r| (r.country, r.region), top)
        } else {
            Vec::new()
        };
        let by_city = if known(|p| p.city) {
            let rows =
                tally(by_attacker().map(|(p, n)| ((p.country, p.region, p.city), p.attacker, n)))
                    .into_iter()
                    .map(|((c, r, ci), n, a)| CityRow {
                        country: label(c),
                        region: label(r),
                        city: label(ci),
                        reports: n,
                        attackers: att(a),
                    })
                    .collect();
            rank(rows, |r| r.reports, |r| (r.country, r.region, r.city), top)
        } else {
            Vec::new()
        };
        let by_asn = if profiles().any(|(p, _)| p.asn.is_some()) {
            // The name and country of an AS are the ones most of its reports give.
            let mut names: FastMap<(Option<i64>, u32, u32), u64> = FastMap::default();
            for (p, n) in profiles() {
                *names.entry((p.asn, p.as_name, p.as_country)).or_insert(0) += n;
            }
            type Name<'s> = (u64, Option<&'s str>, Option<&'s str>);
            // More reports first; on a tie, known before unknown, then the smaller text.
            #[allow(clippy::type_complexity)]
            fn key<'s>(
                x: &Name<'s>,
            ) -> (u64, Reverse<(bool, Option<&'s str>, bool, Option<&'s str>)>) {
                (x.0, Reverse((x.1.is_none(), x.1, x.2.is_none(), x.2)))
            }
            let mut best: FastMap<Option<i64>, Name<'_>> = FastMap::default();
            for ((asn, name, country), n) in names {
                let cand = (n, label(name), label(country));
                let e = best.entry(asn).or_insert(cand);
                if key(&cand) > key(e) {
                    *e = cand;
                }
            }
            let rows = tally(by_attacker().map(|(p, n)| (p.asn, p.attacker, n)))
                .into_iter()
                .map(|(asn, n, a)| {
                    let (_, as_name, as_country) = best.get(&asn).copied().unwrap_or_default();
                    AsnRow {
                        asn,
                        as_name,
                        as_country,
                        reports: n,
                        attackers: att(a),
                    }
                })
                .collect();
            rank(rows, |r| r.reports, |r| r.asn, top)
        } else {
            Vec::new()
        };
        let by_service = if known(|p| p.service) {
            let rows = tally(by_attacker().map(|(p, n)| (p.service, p.attacker, n)))
                .into_iter()
                .map(|(s, n, a)| ServiceRow {
                    service: label(s),
                    reports: n,
                    attackers: att(a),
                })
                .collect();
            rank(rows, |r| r.reports, |r| r.service, top)
        } else {
            Vec::new()
        };
        let by_jail = if known(|p| p.jail) {
            let rows = tally(by_attacker().map(|(p, n)| (p.jail, p.attacker, n)))
                .into_iter()
                .map(|(j, n, a)| JailRow {
                    jail: label(j),
                    reports: n,
                    attackers: att(a),
                })
                .collect();
            rank(rows, |r| r.reports, |r| r.jail, top)
        } else {
            Vec::new()
        };

        // Reporters, and who attacks whom.
        let reporter_profiles = || {
            self.reporter_profiles
                .iter()
                .zip(self.reporter_profile_reports.iter().copied())
                .filter(|(_, n)| *n > 0)
        };
        let by_reporter_country = if reporter_profiles().any(|(p, _)| p.country != NONE) {
            let by_reporter = grouped(
                &self.reporter_profile_reports,
                |i| self.reporter_profiles[i].reporter,
                self.reporters.len(),
            );
            let rows = tally(by_reporter.iter().map(|&i| {
                let (p, n) = (
                    &self.reporter_profiles[i as usize],
                    self.reporter_profile_reports[i as usize],
                );
                (p.country, p.reporter, n)
            }))
            .into_iter()
            .map(|(c, n, r)| ReporterCountryRow {
                reporter_country: label(c),
                reports: n,
                reporters: rep(r),
            })
            .collect();
            rank(rows, |r| r.reports, |r| r.reporter_country, top)
        } else {
            Vec::new()
        };
        let flows = if self
            .flows
            .keys()
            .any(|&k| unpack(k).0 != NONE && unpack(k).1 != NONE)
        {
            let rows = self
                .flows
                .iter()
                .map(|(&k, &n)| {
                    let (c, rc) = unpack(k);
                    FlowRow {
                        country: label(c),
                        reporter_country: label(rc),
                        reports: n,
                    }
                })
                .collect();
            rank(
                rows,
                |r| r.reports,
                |r| (r.country, r.reporter_country),
                top,
            )
        } else {
            Vec::new()
        };

        // Hours and weekdays.
        let m = &self.hour_weekday;
        let hour_total = |h: usize| (0..=NO_WEEKDAY).map(|wd| m[wd][h]).sum::<u64>();
        let weekday_total = |wd: usize| m[wd].iter().sum::<u64>();
        let by_hour = if (0..NO_HOUR).any(|h| hour_total(h) > 0) {
            (0..NO_HOUR)
                .map(|h| HourRow {
                    hour: h as u8,
                    reports: hour_total(h),
                })
                .collect()
        } else {
            Vec::new()
        };
        let by_weekday = if (0..NO_WEEKDAY).any(|wd| weekday_total(wd) > 0) {
            (0..NO_WEEKDAY)
                .map(|wd| WeekdayRow {
                    weekday: WEEKDAYS[wd],
                    reports: weekday_total(wd),
                })
                .collect()
        } else {
            Vec::new()
        };
        let by_hour_weekday = if (0..NO_WEEKDAY).any(|wd| m[wd][..NO_HOUR].iter().any(|&n| n > 0)) {
            let mut matrix = [[0u64; 24]; 7];
            for (wd, row) in matrix.iter_mut().enumerate() {
                row.copy_from_slice(&m[wd][..NO_HOUR]);
            }
            Some(matrix)
        } else {
            None
        };
        let failures = self
            .failures
            .iter()
            .map(|(&f, &n)| FailuresRow {
                failures: f,
                reports: n,
            })
            .collect();

        Digest {
            digest_version: DIGEST_VERSION,
            generator: crate::GENERATOR,
            top: options.top,
            records: self.records,
            reports: self.reports,
            notices: self.notices.iter().map(|(k, &n)| (k.as_str(), n)).collect(),
            attackers: has_attackers.then_some(self.attackers.len() as u64),
            reporters: has_reporters.then_some(self.reporters.len() as u64),
            first: days.first().map(|&(d, _)| format_day(d)),
            last: days.last().map(|&(d, _)| format_day(d)),
            first_ts: self.first_ts.as_ref().map(|(_, s)| s.as_str()),
            last_ts: self.last_ts.as_ref().map(|(_, s)| s.as_str()),
            dated: Dated {
                day: days.iter().map(|&(_, n)| n).sum(),
                month: self.months.values().map(|p| p.reports).sum(),
                undated: self.undated,
            },
            by_day,
            by_month,
            gaps,
            by_country,
            by_region,
            by_city,
            by_asn,
            by_service,
            by_jail,
            by_reporter_country,
            flows,
            by_hour,
            by_weekday,
            by_hour_weekday,
            failures,
            top_attackers: self.top_attackers(top.unwrap_or(DEFAULT_TOP_ATTACKERS)),
        }
    }

    /// The `n` addresses with the most reports, with their days and where
    /// most of their reports place them.
    fn top_attackers(&self, n: usize) -> Vec<TopAttacker<'_>> {
        // Reports per attacker id, then the addresses among them.
        let mut totals = vec![0u64; self.attackers.len()];
        for (p, &r) in self.profiles.iter().zip(&self.profile_reports) {
            if let Some(t) = totals.get_mut(p.attacker as usize) {
                *t += r;
            }
        }
        let mut ranked: Vec<(u32, u64)> = (0..)
            .zip(totals)
            .filter(|&(a, r)| r > 0 && self.attackers.resolve(a).starts_with(IP_PREFIX))
            .collect();
        let order = |a: &(u32, u64), b: &(u32, u64)| {
            b.1.cmp(&a.1)
                .then_with(|| self.attackers.resolve(a.0).cmp(self.attackers.resolve(b.0)))
        };
        // The first n of a total order, without sorting the others.
        if n < ranked.len() {
            ranked.select_nth_unstable_by(n, order);
            ranked.truncate(n);
        }
        ranked.sort_unstable_by(order);
        // Per attacker id: its place in `ranked`, or NONE.
        let mut chosen = vec![NONE; self.attackers.len()];
        for (i, &(a, _)) in ranked.iter().enumerate() {
            chosen[a as usize] = i as u32;
        }
        let rank_of = |a: u32| chosen.get(a as usize).copied().filter(|&i| i != NONE);

        // Where: the (country, asn, as_name) most of its reports give.
        type Place<'s> = (Option<&'s str>, Option<i64>, Option<&'s str>);
        let mut places: FastMap<(u32, u32, Option<i64>, u32), u64> = FastMap::default();
        for (p, &r) in self.profiles.iter().zip(&self.profile_reports) {
            if r > 0 && rank_of(p.attacker).is_some() {
                *places
                    .entry((p.attacker, p.country, p.asn, p.as_name))
                    .or_insert(0) += r;
            }
        }
        let mut best: Vec<Option<(u64, Place<'_>)>> = vec![None; ranked.len()];
        for ((a, c, asn, name), r) in places {
            let cand = (
                r,
                (
                    self.labels.resolve_opt(c),
                    asn,
                    self.labels.resolve_opt(name),
                ),
            );
            let Some(slot) = rank_of(a).and_then(|i| best.get_mut(i as usize)) else {
                continue;
            };
            // More reports first; on a tie, known before unknown, then the smaller key.
            #[allow(clippy::type_complexity)]
            fn key<'s>(
                x: &(u64, Place<'s>),
            ) -> (
                u64,
                Reverse<(
                    bool,
                    Option<&'s str>,
                    bool,
                    Option<i64>,
                    bool,
                    Option<&'s str>,
                )>,
            ) {
                let (n, (country, asn, name)) = *x;
                (
                    n,
                    Reverse((
                        country.is_none(),
                        country,
                        asn.is_none(),
                        asn,
                        name.is_none(),
                        name,
                    )),
                )
            }
            if slot.as_ref().is_none_or(|s| key(&cand) > key(s)) {
                *slot = Some(cand);
            }
        }

        let mut days: Vec<(u64, i32, i32)> = vec![(0, i32::MAX, i32::MIN); ranked.len()];
        for (&d, p) in &self.days {
            for a in &p.attackers {
                if let Some(e) = rank_of(*a).and_then(|i| days.get_mut(i as usize)) {
                    e.0 += 1;
                    e.1 = e.1.min(d);
                    e.2 = e.2.max(d);
                }
            }
        }
        ranked
            .iter()
            .enumerate()
            .map(|(i, &(a, reports))| {
                let (country, asn, as_name) = best[i].map(|b| b.1).unwrap_or_default();
                let (n_days, first, last) = days[i];
                TopAttacker {
                    ip: &self.attackers.resolve(a)[IP_PREFIX.len_utf8()..],
                    reports,
                    days: n_days,
                    first: (n_days > 0).then(|| format_day(first)),
                    last: (n_days > 0).then(|| format_day(last)),
                    country,
                    asn,
                    as_name,
                }
            })
            .collect()
    }
}
