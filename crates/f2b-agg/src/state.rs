//! The state of a digest: exact counts, sets and maps from which every
//! section is computed, built from records in one pass or merged from partials.
//!
//! Strings are interned to `u32` ids. What an attacker is in a report (its
//! geography, network, service and jail) is kept as a [`Profile`] with a
//! report count, and what a reporter is (its country) as a
//! [`ReporterProfile`]: an address has one profile or a few, so these tables
//! grow with the distinct keys, not with the records, and every section is a
//! sum over them. Distinct attackers and reporters per day are sets of
//! `(day, id)` pairs.
//!
//! On the hot path a report costs two hash lookups, keyed by the raw text
//! of the attacker's and the reporter's names, so that nothing is decoded
//! or interned twice (see [`RawCache`]): the attacker's address finds its
//! place and network (a [`Geo`]), the reporter's host name and jail find
//! the reporter with the service and jail (the report's kind); a profile is
//! a (geo, kind) pair. The sets of the current day are kept out of the map
//! of days while the records stay on that day.
//!
//! With many attackers the hot path waits for memory more than it
//! computes, so it is laid out for few cache misses, one after the other:
//! both lookups ask for their table slots first, the entries they find
//! (a geo's entry is one cache line) are asked for while the key's text
//! is compared, and a new attacker is added without a map lookup. On
//! 198,000 real enriched records (33,000 attackers) this took the hot path
//! from 2,560 to 2,340 instructions a record but from about 95 to 55 ms
//! (36 % to 25 % of the `perf` samples); on 2,000,000 (280,000 attackers),
//! from 1.4 to 0.7 s. Within one record the loads still wait one after the
//! other, so records are added in batches ([`State::add_batch`]): the loads
//! of a batch's records are all asked for before the first is added (1.99
//! to 1.83 s of CPU for the 2,000,000, best of 10, for 4 % more
//! instructions).

use std::collections::BTreeMap;

use crate::cache::{prefetch, Group, Lookup, RawCache};
use crate::fields::{raw_i64, Field, Values};
use crate::intern::{FastMap, FastSet, Interner, NONE};
use crate::time::{parse_month, weekday, DateParser, Instant, TsParser};

/// What is known of an attacker in one or more reports: the attacker key
/// (`ip`, else `attacker_id`) and the fields that describe it. Ids are
/// [`NONE`] for an unknown value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Profile {
    /// Attacker id.
    pub attacker: u32,
    /// `country` label.
    pub country: u32,
    /// `region` label.
    pub region: u32,
    /// `city` label.
    pub city: u32,
    /// `asn`.
    pub asn: Option<i64>,
    /// `as_name` label.
    pub as_name: u32,
    /// `as_country` label.
    pub as_country: u32,
    /// `service` label.
    pub service: u32,
    /// `jail` label.
    pub jail: u32,
}

/// What is known of a reporter in one or more reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ReporterProfile {
    /// Reporter id.
    pub reporter: u32,
    /// `reporter_country` label.
    pub country: u32,
}

/// An attacker and where it is (the attacker part of a [`Profile`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Geo {
    /// Attacker id.
    pub attacker: u32,
    /// `country` label.
    pub country: u32,
    /// `region` label.
    pub region: u32,
    /// `city` label.
    pub city: u32,
    /// `asn`.
    pub asn: Option<i64>,
    /// `as_name` label.
    pub as_name: u32,
    /// `as_country` label.
    pub as_country: u32,
}

/// Where an attacker is: the [`Geo`] without the attacker.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
struct Place {
    country: u32,
    region: u32,
    city: u32,
    asn: Option<i64>,
    as_name: u32,
    as_country: u32,
}

/// The fields of a [`Geo`], keyed by the attacker.
const GEO: Group<2, 6> = Group {
    keys: [Field::Ip, Field::AttackerId],
    names: 2,
    others: [
        Field::City,
        Field::Region,
        Field::Country,
        Field::Asn,
        Field::AsName,
        Field::AsCountry,
    ],
};

/// The fields of a [`Place`]. A new attacker is most often in a known
/// place: one lookup instead of five labels to decode and intern.
const PLACE: Group<4, 2> = Group {
    keys: [Field::City, Field::Region, Field::Country, Field::Asn],
    names: 4,
    others: [Field::AsName, Field::AsCountry],
};

/// The fields of a [`ReporterEntry`], keyed by the reporter and the jail:
/// most reporters name a few jails, and a key whose first combination is
/// not the record's looks further (4,347 reporters had 9,132 entries at
/// 200,000 records; keyed by the reporter alone, a fifth of the lookups
/// went on to the key's other combinations, one allocation each, 2 % of
/// the run's `perf` samples).
const REPORTER: Group<4, 2> = Group {
    keys: [
        Field::ReporterHost,
        Field::ReporterIp,
        Field::ReporterId,
        Field::Jail,
    ],
    // Without a reporter's name, a jail would be a key with a combination
    // per reporter country.
    names: 3,
    others: [Field::Service, Field::ReporterCountry],
};

/// Geos an attacker's chain holds (see `State::attacker_geos`).
const CHAIN: usize = 8;

/// Kinds (service, jail) whose report counts a [`GeoEntry`] keeps itself;
/// an attacker seen with more kinds counts the others in [`KindChunk`]s.
const INLINE_KINDS: usize = 6;
/// Kinds a [`KindChunk`] counts.
const CHUNK_KINDS: usize = 7;
/// [`KindChunk`]s a geo chains at most: the kinds beyond (jails come from
/// the mail, so a hostile input can give one address any number) are
/// counted in the (geo, kind) map, where a longer chain searched report by
/// report made the run quadratic in them.
const MAX_CHUNKS: usize = 4;

/// Report counts for up to `N` kinds, in order of first report.
#[derive(Clone, Copy)]
struct KindCounts<const N: usize> {
    /// Kind ids; [`NONE`] for room not taken yet.
    kinds: [u32; N],
    reports: [u32; N],
}

/// What [`KindCounts::count`] did.
#[derive(PartialEq, Eq)]
enum Counted {
    Yes,
    /// The kind's count is `u32::MAX`, or there is no room for a new kind
    /// in the chunks a geo may have: the report is for the caller to count.
    Full,
    /// No room for a new kind.
    NoRoom,
}

impl<const N: usize> KindCounts<N> {
    const EMPTY: Self = KindCounts {
        kinds: [NONE; N],
        reports: [0; N],
    };

    /// Counts a report of `kind`.
    #[inline(always)]
    fn count(&mut self, kind: u32) -> Counted {
        for (k, n) in self.kinds.iter_mut().zip(&mut self.reports) {
            if *k == kind {
                if *n == u32::MAX {
                    return Counted::Full;
                }
                *n += 1;
                return Counted::Yes;
            }
            if *k == NONE {
                *k = kind;
                *n = 1;
                return Counted::Yes;
            }
        }
        Counted::NoRoom
    }

    /// Takes the counts of the kinds, in order.
    fn take(&mut self) -> impl Iterator<Item = (u32, u64)> + '_ {
        self.kinds
            .iter()
            .zip(&mut self.reports)
            .take_while(|(&k, _)| k != NONE)
            .map(|(&k, n)| (k, u64::from(std::mem::take(n))))
    }
}

/// The hot-path counts of a [`Geo`] (by its id): its report counts per kind
/// (moved to the profiles by [`State::settle`]) and the last day its
/// attacker was added to that day's set (a repeat that day needs no set
/// lookup; the set holds the attacker whenever this says so).
///
/// One cache line, aligned: with many attackers the entry is a cache miss
/// of its own (88 bytes, unaligned, were two). An attacker seen with more
/// kinds counts the others in a chain of [`KindChunk`]s, which keep the
/// kinds of one geo together where a map keyed by (geo, kind) spread them
/// (at 2,000,000 records its lookups were 6 % of the hot path's `perf`
/// samples). A count that would pass `u32::MAX` goes on in a map.
#[derive(Clone, Copy)]
#[repr(align(64))]
struct GeoEntry {
    who: u32,
    country: u32,
    last_day: i32,
    /// The first [`KindChunk`], or [`NONE`].
    chunk: u32,
    counts: KindCounts<INLINE_KINDS>,
}

/// More report counts of a [`GeoEntry`], with the next chunk ([`NONE`]: none).
#[derive(Clone, Copy)]
#[repr(align(64))]
struct KindChunk {
    counts: KindCounts<CHUNK_KINDS>,
    next: u32,
}

impl GeoEntry {
    fn new(who: u32, country: u32) -> GeoEntry {
        GeoEntry {
            who,
            country,
            last_day: i32::MIN,
            chunk: NONE,
            counts: KindCounts::EMPTY,
        }
    }

    /// Counts a report of kind `kind` of geo `geo` (this entry's).
    #[inline(always)]
    fn count(
        &mut self,
        geo: u32,
        kind: u32,
        chunks: &mut Vec<KindChunk>,
        full: &mut FastMap<u64, u64>,
    ) {
        let mut counted = self.counts.count(kind);
        if counted == Counted::NoRoom {
            counted = count_in_chunks(&mut self.chunk, kind, chunks);
        }
        if counted == Counted::Full {
            *full.entry(pack(geo, kind)).or_insert(0) += 1;
        }
    }
}

/// Counts a report of `kind` in the chain of chunks from `*first` on,
/// adding a chunk to it when they have no room, up to [`MAX_CHUNKS`].
#[cold]
fn count_in_chunks(first: &mut u32, kind: u32, chunks: &mut Vec<KindChunk>) -> Counted {
    let new = |chunks: &mut Vec<KindChunk>| {
        chunks.push(KindChunk {
            counts: KindCounts::EMPTY,
            next: NONE,
        });
        chunks.len() as u32 - 1
    };
    if *first == NONE {
        *first = new(chunks);
    }
    let mut i = *first as usize;
    for chained in 1..=MAX_CHUNKS {
        let c = &mut chunks[i];
        let counted = c.counts.count(kind);
        if counted != Counted::NoRoom {
            return counted;
        }
        i = match c.next {
            NONE if chained == MAX_CHUNKS => break,
            NONE => {
                let next = new(chunks);
                chunks[i].next = next;
                next as usize
            }
            next => next as usize,
        };
    }
    // Every chunk a geo may have is taken by other kinds.
    Counted::Full
}

/// The hot-path counts of a reporter profile with a kind of report (by the
/// entry's id; see [`GeoEntry`]).
#[derive(Clone, Copy)]
struct ReporterEntry {
    profile: u32,
    who: u32,
    country: u32,
    kind: u32,
    last_day: i32,
    reports: u64,
}

/// Reports of one day (or month) with their distinct attackers and reporters.
#[derive(Default, Debug)]
pub struct Period {
    /// Reports.
    pub reports: u64,
    /// Distinct attacker ids.
    pub attackers: FastSet<u32>,
    /// Distinct reporter ids.
    pub reporters: FastSet<u32>,
}

/// The day the records are on, with its [`Period`] taken out of
/// [`State::days`] (records come in time order, so most reports find their
/// day here without a lookup). [`State::settle`] puts it back.
struct Today {
    day: i32,
    weekday: usize,
    period: Period,
}

impl Default for Today {
    fn default() -> Self {
        Today {
            day: i32::MIN,
            weekday: NO_WEEKDAY,
            period: Period::default(),
        }
    }
}

/// Asks for the cache line of `entries[i]`.
#[inline(always)]
fn prefetch_at<T>(entries: &[T], i: u32) {
    if let Some(e) = entries.get(i as usize) {
        prefetch(e);
    }
}

/// Adds `who` to the set of the report's day (or month), unless `last_day`
/// says it is there already.
#[inline(always)]
fn see(
    who: u32,
    last_day: &mut i32,
    when: When,
    today: &mut Period,
    months: &mut FastMap<i32, Period>,
    set: fn(&mut Period) -> &mut FastSet<u32>,
) {
    if who == NONE {
        return;
    }
    match when {
        When::Day(day) if day != *last_day => {
            *last_day = day;
            set(today).insert(who);
        }
        When::Month(month) => {
            set(months.entry(month).or_default()).insert(who);
        }
        _ => {}
    }
}

/// Attacker keys carry their kind, so that `top_attackers` can list
/// addresses only and an address never equals a pseudonym.
pub const IP_PREFIX: char = 'i';
/// Prefix of attacker keys from `attacker_id`.
pub const ID_PREFIX: char = 'a';

/// Index of "unknown" in the hour and weekday dimensions of [`State::hour_weekday`].
pub const NO_HOUR: usize = 24;
/// See [`NO_HOUR`].
pub const NO_WEEKDAY: usize = 7;

/// When a report happened, as far as its fields tell.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum When {
    Day(i32),
    Month(i32),
    Unknown,
}

/// Every count, set and map behind the digest.
#[derive(Default)]
pub struct State {
    /// Records read (reports and notices).
    pub records: u64,
    /// Reports (records that are not notices).
    pub reports: u64,
    /// Notices by `event` (records whose `event` is a string other than `ban`).
    pub notices: BTreeMap<String, u64>,
    /// Reports with neither a usable `ts` nor a usable `date`.
    pub undated: u64,
    /// The earliest `ts`, as written.
    pub first_ts: Option<(Instant, String)>,
    /// The latest `ts`, as written.
    pub last_ts: Option<(Instant, String)>,

    /// Attacker keys (prefixed, see [`IP_PREFIX`]).
    pub attackers: Interner,
    /// Reporter keys (`reporter_host`, else `reporter_ip`, else `reporter_id`).
    pub reporters: Interner,
    /// Every other string: countries, regions, cities, AS names, services, jails.
    pub labels: Interner,

    /// Attacker profiles, by id.
    pub profiles: Vec<Profile>,
    /// Reports per attacker profile.
    pub profile_reports: Vec<u64>,
    /// Ids of the first `profiles_indexed` profiles, brought up to date by
    /// [`State::profile_id`] (a state's first settle adds its profiles
    /// without hashing them; see there).
    profile_ids: FastMap<Profile, u32>,
    profiles_indexed: usize,

    /// Geos by id, with their hot-path counts.
    geos: Vec<Geo>,
    geo_entries: Vec<GeoEntry>,
    /// Geo ids by attacker: its latest geo by attacker id ([`NONE`]: none
    /// yet); per geo, its place and the geo before it of the same attacker
    /// (an attacker is in one place or a few). A new attacker's geo is
    /// added without a lookup, where a map of (attacker, place) pairs was
    /// a cache miss per new attacker.
    attacker_geos: Vec<u32>,
    geo_links: Vec<(u32, u32)>,
    /// The geos of attackers in more than [`CHAIN`] places beyond the
    /// first [`CHAIN`], by (attacker, place): a hostile input can give one
    /// address any number of places, and a chain walked for each would
    /// make the run quadratic in them.
    far_geos: FastMap<u64, u32>,
    /// The geos without an attacker, by place id.
    placed_geos: Vec<u32>,
    geo_cache: RawCache,
    places: Vec<Place>,
    place_ids: FastMap<Place, u32>,
    place_cache: RawCache,
    /// (service, jail) labels.
    kinds: Vec<(u32, u32)>,
    kind_ids: FastMap<(u32, u32), u32>,
    /// The kind counts of geos beyond the ones a [`GeoEntry`] keeps.
    kind_chunks: Vec<KindChunk>,
    /// Reports per (geo, kind), packed by [`pack`], beyond `u32::MAX`;
    /// moved to the profiles by [`State::settle`].
    geo_kind_reports: FastMap<u64, u64>,

    /// Reporter profiles, by id.
    pub reporter_profiles: Vec<ReporterProfile>,
    /// Reports per reporter profile.
    pub reporter_profile_reports: Vec<u64>,
    reporter_profile_ids: FastMap<ReporterProfile, u32>,
    /// (reporter profile, kind) pairs by id, with their hot-path counts.
    reporter_entries: Vec<ReporterEntry>,
    reporter_entry_ids: FastMap<(u32, u32), u32>,
    reporter_cache: RawCache,

    /// Reports per (`country` label, `reporter_country` label), packed by [`pack`].
    pub flows: FastMap<u64, u64>,

    /// Reports dated to the day, per day number. (Sets per day rather than
    /// one set of (day, id) pairs: the current day's sets stay in the cache.)
    /// Up to date after [`State::settle`].
    pub days: FastMap<i32, Period>,
    today: Today,
    /// Reports dated to the month only, per month number.
    pub months: FastMap<i32, Period>,

    /// Reports by weekday (0 = Monday; [`NO_WEEKDAY`] unknown) and UTC hour
    /// ([`NO_HOUR`] unknown).
    pub hour_weekday: [[u64; NO_HOUR + 1]; NO_WEEKDAY + 1],
    /// Reports by `failures`.
    pub failures: BTreeMap<i64, u64>,
    failures_small: SmallCounts,
    /// A buffer for building attacker keys.
    scratch: String,
    ts_parser: TsParser,
    date_parser: DateParser,
}

const SMALL_FAILURES: usize = 256;

/// Counts of the small `failures` values, by value: an array index is
/// cheaper than a map lookup per report.
struct SmallCounts([u64; SMALL_FAILURES]);

impl Default for SmallCounts {
    fn default() -> Self {
        SmallCounts([0; SMALL_FAILURES])
    }
}

/// Packs two 32-bit values into one set key.
#[inline(always)]
pub fn pack(hi: u32, lo: u32) -> u64 {
    (u64::from(hi) << 32) | u64::from(lo)
}

/// Unpacks [`pack`].
#[inline(always)]
pub fn unpack(k: u64) -> (u32, u32) {
    ((k >> 32) as u32, k as u32)
}

fn label(labels: &mut Interner, v: &Values<'_>, f: Field) -> u32 {
    v.str(f).map_or(NONE, |s| labels.intern(&s))
}

impl State {
    /// An empty state.
    pub fn new() -> State {
        State::default()
    }

    /// Adds one record.
    #[inline]
    pub fn add(&mut self, v: &Values<'_>) {
        self.records += 1;
        if !self.is_notice(v) {
            self.add_report(v);
        }
    }

    /// Whether `v` is a notice (start, stop...) rather than a report: then
    /// it is counted, no more.
    #[inline(always)]
    fn is_notice(&mut self, v: &Values<'_>) -> bool {
        let event = v.raw(Field::Event);
        if event.first() == Some(&b'"') && event != b"\"ban\"" {
            if let Some(e) = v.str(Field::Event) {
                if e != "ban" {
                    *self.notices.entry(e.into_owned()).or_insert(0) += 1;
                    return true;
                }
            }
        }
        false
    }

    /// Adds the records of `batch`, in order, as [`State::add`] does one
    /// by one; only faster: the memory each record needs is asked for
    /// before the records are added, so that its loads overlap instead of
    /// waiting one after the other.
    pub fn add_batch(&mut self, batch: &[Values<'_>]) {
        // Each record's slots are asked for as it is hashed; what they point
        // to, when the record hashed AHEAD after it is (the slots have come
        // in by then).
        const AHEAD: usize = 8;
        let mut hashes: Vec<(u64, u64)> = Vec::with_capacity(batch.len());
        for v in batch {
            hashes.push((
                self.geo_cache.lookup(v, &GEO).hash(),
                self.reporter_cache.lookup(v, &REPORTER).hash(),
            ));
            if let Some(&h) = hashes
                .len()
                .checked_sub(AHEAD + 1)
                .and_then(|i| hashes.get(i))
            {
                self.warm(h);
            }
        }
        for &h in &hashes[hashes.len().saturating_sub(AHEAD)..] {
            self.warm(h);
        }
        for (v, (attacker, reporter)) in batch.iter().zip(hashes) {
            self.records += 1;
            if !self.is_notice(v) {
                let attacker = RawCache::again(v, &GEO, attacker);
                let reporter = RawCache::again(v, &REPORTER, reporter);
                self.add_looked_up(v, attacker, reporter);
            }
        }
    }

    /// Asks for the keys and entries of the attacker and reporter lookups
    /// hashed `h`.
    #[inline(always)]
    fn warm(&self, (attacker, reporter): (u64, u64)) {
        let (geos, reporters) = (&self.geo_entries, &self.reporter_entries);
        self.geo_cache.warm(attacker, |id| prefetch_at(geos, id));
        self.reporter_cache
            .warm(reporter, |id| prefetch_at(reporters, id));
    }

    #[inline]
    fn add_report(&mut self, v: &Values<'_>) {
        // Both lookups start here, so that their slots come in from memory
        // while the date is read.
        let attacker = self.geo_cache.lookup(v, &GEO);
        let reporter = self.reporter_cache.lookup(v, &REPORTER);
        self.add_looked_up(v, attacker, reporter);
    }

    #[inline(always)]
    fn add_looked_up(
        &mut self,
        v: &Values<'_>,
        attacker: Lookup<'_, 2, 6>,
        reporter: Lookup<'_, 4, 2>,
    ) {
        self.reports += 1;
        let (when, hour) = self.when(v);
        let mut wd = NO_WEEKDAY;
        match when {
            When::Day(day) => {
                if day != self.today.day {
                    self.move_to_day(day);
                }
                wd = self.today.weekday;
                self.today.period.reports += 1;
            }
            When::Month(month) => self.months.entry(month).or_default().reports += 1,
            When::Unknown => self.undated += 1,
        }
        // The attacker first: the reporter's slot has more time to come in.
        let geo = self.see_attacker(v, &attacker, when);
        let (reporter_country, kind) = self.count_reporter(v, &reporter, when);
        let attacker_country = self.count_attacker(geo, kind);
        *self
            .flows
            .entry(pack(attacker_country, reporter_country))
            .or_insert(0) += 1;
        self.hour_weekday[wd][hour.map_or(NO_HOUR, usize::from)] += 1;

        if let Some(n) = raw_i64(v.raw(Field::Failures)) {
            match usize::try_from(n) {
                Ok(i) if i < SMALL_FAILURES => self.failures_small.0[i] += 1,
                _ => *self.failures.entry(n).or_insert(0) += 1,
            }
        }
    }

    /// Makes `day` the day of [`Today`], putting the one before back.
    #[cold]
    fn move_to_day(&mut self, day: i32) {
        // A new day right after the current one starts its sets with room
        // for as many ids as that day has: they fill up without growing
        // step by step (the rehashing was 1 % of the instructions). Only
        // the next day, so that the room given never adds up to more than
        // the ids held, whatever the order of the records.
        let next = self.today.day != i32::MIN && day == self.today.day.wrapping_add(1);
        let room = |set: &FastSet<u32>| if next { set.len() } else { 0 };
        let sizes = (
            room(&self.today.period.attackers),
            room(&self.today.period.reporters),
        );
        self.put_today_back();
        let period = self.days.remove(&day).unwrap_or_else(|| Period {
            reports: 0,
            attackers: FastSet::with_capacity_and_hasher(sizes.0, Default::default()),
            reporters: FastSet::with_capacity_and_hasher(sizes.1, Default::default()),
        });
        self.today = Today {
            day,
            weekday: usize::from(weekday(day)),
            period,
        };
    }

    /// Puts the period of [`Today`] back into [`State::days`].
    fn put_today_back(&mut self) {
        let today = std::mem::take(&mut self.today);
        if today.day != i32::MIN {
            self.days.insert(today.day, today.period);
        }
    }

    /// The date (day, else month) and UTC hour of a report: from `ts`, else
    /// from `date` and `hour`. Also keeps the earliest and latest `ts`.
    #[inline]
    fn when(&mut self, v: &Values<'_>) -> (When, Option<u8>) {
        // Strings decoded (borrowed when they have no escape:
        // `"2011-07-04T10:34:58\u005a"` is the same time).
        let ts = v.str(Field::Ts);
        let ts_parser = &mut self.ts_parser;
        if let Some((t, text)) = ts
            .as_deref()
            .filter(|t| !t.is_empty())
            .and_then(|t| Some((ts_parser.parse(t)?, t)))
        {
            self.see_first_last(t, text);
            return (When::Day(t.day), Some(t.hour()));
        }
        let when = match v.str(Field::Date) {
            Some(d) => match (
                self.date_parser.parse(d.as_bytes()),
                parse_month(d.as_bytes()),
            ) {
                (Some(day), _) => When::Day(day),
                (None, Some(month)) => When::Month(month),
                _ => When::Unknown,
            },
            None => When::Unknown,
        };
        let hour = raw_i64(v.raw(Field::Hour))
            .filter(|h| (0..24).contains(h))
            .map(|h| h as u8);
        (when, hour)
    }

    /// Keeps `t` (written as `text`) when it is earlier or later than the
    /// ones kept; equal instants keep the smaller text, so that the result
    /// does not depend on record order.
    pub fn see_first_last(&mut self, t: Instant, text: &str) {
        // Most reports are neither, or a new latest one (in time order):
        // decided without comparing texts.
        if let (Some((first, _)), Some((last, s))) = (&self.first_ts, &mut self.last_ts) {
            if *first < t && t < *last {
                return;
            }
            if *first < t && t > *last {
                *last = t;
                s.clear();
                s.push_str(text);
                return;
            }
        }
        fn keep(slot: &mut Option<(Instant, String)>, t: Instant, text: &str, earlier: bool) {
            let better = match slot {
                None => true,
                Some((k, s)) => {
                    let by_time = if earlier { t.cmp(k) } else { (*k).cmp(&t) };
                    // Earlier (later) first; on the same instant, the smaller text.
                    by_time.then_with(|| text.cmp(s.as_str())).is_lt()
                }
            };
            if better {
                match slot {
                    Some((k, s)) => {
                        *k = t;
                        s.clear();
                        s.push_str(text);
                    }
                    None => *slot = Some((t, text.to_string())),
                }
            }
        }
        keep(&mut self.first_ts, t, text, true);
        keep(&mut self.last_ts, t, text, false);
    }

    /// The geo of a report's attacker, whose attacker is then in the set of
    /// the report's day.
    #[inline]
    fn see_attacker(&mut self, v: &Values<'_>, l: &Lookup<'_, 2, 6>, when: When) -> u32 {
        let entries = &self.geo_entries;
        let found = self.geo_cache.get(l, |geo| prefetch_at(entries, geo));
        let geo = match found {
            Some(geo) => geo,
            None => {
                let geo = self.geo_id(v);
                self.geo_cache.insert(l, geo);
                geo
            }
        };
        let e = &mut self.geo_entries[geo as usize];
        see(
            e.who,
            &mut e.last_day,
            when,
            &mut self.today.period,
            &mut self.months,
            |p| &mut p.attackers,
        );
        geo
    }

    /// Counts a report of kind `kind` for geo `geo`; returns its country label.
    #[inline]
    fn count_attacker(&mut self, geo: u32, kind: u32) -> u32 {
        let e = &mut self.geo_entries[geo as usize];
        e.count(geo, kind, &mut self.kind_chunks, &mut self.geo_kind_reports);
        e.country
    }

    /// The id of the geo of a report, decoded from its fields; a new one
    /// is added.
    #[cold]
    fn geo_id(&mut self, v: &Values<'_>) -> u32 {
        let l = self.place_cache.lookup(v, &PLACE);
        let place = match self.place_cache.get(&l, |_| {}) {
            Some(place) => place,
            None => {
                let place = self.place_id(v);
                self.place_cache.insert(&l, place);
                place
            }
        };
        let attacker = self.attacker_key(v);
        let (heads, head) = match attacker {
            NONE => (&mut self.placed_geos, place as usize),
            _ => (&mut self.attacker_geos, attacker as usize),
        };
        if heads.len() <= head {
            heads.resize(head + 1, NONE);
        }
        let mut geo = heads[head];
        let mut chained = 0;
        while let Some(&(at, before)) = self.geo_links.get(geo as usize) {
            if at == place {
                return geo;
            }
            chained += 1;
            geo = before;
        }
        // A chain is full at CHAIN geos (only an attacker's can be: a
        // place's holds one); the geos beyond are in `far_geos`.
        let far = chained >= CHAIN;
        if far {
            if let Some(&geo) = self.far_geos.get(&pack(attacker, place)) {
                return geo;
            }
        }
        let id = self.geos.len() as u32;
        if far {
            self.far_geos.insert(pack(attacker, place), id);
            self.geo_links.push((place, NONE));
        } else {
            self.geo_links.push((place, heads[head]));
            heads[head] = id;
        }
        let p = self.places[place as usize];
        let g = Geo {
            attacker,
            country: p.country,
            region: p.region,
            city: p.city,
            asn: p.asn,
            as_name: p.as_name,
            as_country: p.as_country,
        };
        self.geos.push(g);
        self.geo_entries.push(GeoEntry::new(attacker, p.country));
        id
    }

    /// Counts a report for its reporter profile; returns its country label
    /// and the report's kind. The kind (service, jail) is looked up with the
    /// reporter: the jail names are those of the reporting server's
    /// configuration, so the pairs are few, and one lookup does for both.
    #[inline]
    fn count_reporter(&mut self, v: &Values<'_>, l: &Lookup<'_, 4, 2>, when: When) -> (u32, u32) {
        let entries = &self.reporter_entries;
        let found = self
            .reporter_cache
            .get(l, |entry| prefetch_at(entries, entry));
        let entry = match found {
            Some(entry) => entry,
            None => {
                let entry = self.reporter_entry_id(v);
                self.reporter_cache.insert(l, entry);
                entry
            }
        };
        let e = &mut self.reporter_entries[entry as usize];
        e.reports += 1;
        see(
            e.who,
            &mut e.last_day,
            when,
            &mut self.today.period,
            &mut self.months,
            |p| &mut p.reporters,
        );
        (e.country, e.kind)
    }

    /// The id of the place of a report, decoded from its fields; a new one
    /// is added.
    #[cold]
    fn place_id(&mut self, v: &Values<'_>) -> u32 {
        let p = Place {
            country: label(&mut self.labels, v, Field::Country),
            region: label(&mut self.labels, v, Field::Region),
            city: label(&mut self.labels, v, Field::City),
            asn: raw_i64(v.raw(Field::Asn)),
            as_name: label(&mut self.labels, v, Field::AsName),
            as_country: label(&mut self.labels, v, Field::AsCountry),
        };
        let next = self.places.len() as u32;
        let id = *self.place_ids.entry(p).or_insert(next);
        if id == next {
            self.places.push(p);
        }
        id
    }

    /// The id of the (reporter profile, kind) entry of a report, decoded
    /// from its fields; a new one is added.
    #[cold]
    fn reporter_entry_id(&mut self, v: &Values<'_>) -> u32 {
        let who = [Field::ReporterHost, Field::ReporterIp, Field::ReporterId]
            .into_iter()
            .find_map(|f| v.str(f))
            .map_or(NONE, |s| self.reporters.intern(&s));
        let p = ReporterProfile {
            reporter: who,
            country: label(&mut self.labels, v, Field::ReporterCountry),
        };
        let k = (
            label(&mut self.labels, v, Field::Service),
            label(&mut self.labels, v, Field::Jail),
        );
        let next = self.kinds.len() as u32;
        let kind = *self.kind_ids.entry(k).or_insert(next);
        if kind == next {
            self.kinds.push(k);
        }
        let profile = self.reporter_profile_id(p);
        let next = self.reporter_entries.len() as u32;
        let id = *self
            .reporter_entry_ids
            .entry((profile, kind))
            .or_insert(next);
        if id == next {
            self.reporter_entries.push(ReporterEntry {
                profile,
                who,
                country: p.country,
                kind,
                last_day: i32::MIN,
                reports: 0,
            });
        }
        id
    }

    fn attacker_key(&mut self, v: &Values<'_>) -> u32 {
        let (prefix, key) = match (v.str(Field::Ip), v.str(Field::AttackerId)) {
            (Some(ip), _) => (IP_PREFIX, ip),
            (None, Some(id)) => (ID_PREFIX, id),
            (None, None) => return NONE,
        };
        let mut s = std::mem::take(&mut self.scratch);
        s.clear();
        s.push(prefix);
        s.push_str(&key);
        let id = self.attackers.intern(&s);
        self.scratch = s;
        id
    }

    /// The id of an attacker profile, adding it (with no reports) when new.
    pub fn profile_id(&mut self, p: Profile) -> u32 {
        for (id, q) in (self.profiles_indexed as u32..).zip(&self.profiles[self.profiles_indexed..])
        {
            self.profile_ids.insert(*q, id);
        }
        self.profiles_indexed = self.profiles.len();
        let next = self.profiles.len() as u32;
        let id = *self.profile_ids.entry(p).or_insert(next);
        if id == next {
            self.profiles.push(p);
            self.profile_reports.push(0);
        }
        id
    }

    /// The id of a reporter profile, adding it (with no reports) when new.
    pub fn reporter_profile_id(&mut self, p: ReporterProfile) -> u32 {
        let next = self.reporter_profiles.len() as u32;
        let id = *self.reporter_profile_ids.entry(p).or_insert(next);
        if id == next {
            self.reporter_profiles.push(p);
            self.reporter_profile_reports.push(0);
        }
        id
    }

    /// Moves the counts kept on the hot path (per geo and reporter entry,
    /// per small `failures` value, the current day's period) to where they
    /// are read: call before reading the profile counts, `failures` or
    /// `days`. Settling twice changes nothing.
    pub fn settle(&mut self) {
        self.put_today_back();
        // The hot path's shortcuts are not needed to read the state (and
        // are rebuilt if more records come): their memory goes to the
        // digest.
        self.geo_cache = RawCache::default();
        self.place_cache = RawCache::default();
        self.reporter_cache = RawCache::default();
        // Per (geo, kind), in geo order, then the counts past `u32::MAX` in
        // key order, so that profile ids do not depend on hash order.
        let mut by_geo_kind: Vec<(u64, u64)> = Vec::new();
        for (geo, e) in self.geo_entries.iter_mut().enumerate() {
            let pair = |(kind, n)| (pack(geo as u32, kind), n);
            by_geo_kind.extend(e.counts.take().map(pair));
            let mut chunk = e.chunk;
            while let Some(c) = self.kind_chunks.get_mut(chunk as usize) {
                by_geo_kind.extend(c.counts.take().map(pair));
                chunk = c.next;
            }
        }
        by_geo_kind.retain(|&(_, n)| n > 0);
        let inline = by_geo_kind.len();
        by_geo_kind.extend(self.geo_kind_reports.drain());
        by_geo_kind[inline..].sort_unstable();
        // Before any profile (no settle nor merge yet), each pair of the
        // first part is a profile of its own (a geo is an attacker in a
        // place, a kind a service and jail, each numbered once): they are
        // added as they come, without a map lookup, which with many
        // profiles waited for memory (3 % of the `perf` samples).
        let fresh = if self.profiles.is_empty() { inline } else { 0 };
        for (i, (k, n)) in by_geo_kind.into_iter().enumerate() {
            let (geo, kind) = unpack(k);
            let g = self.geos[geo as usize];
            let (service, jail) = self.kinds[kind as usize];
            let p = Profile {
                attacker: g.attacker,
                country: g.country,
                region: g.region,
                city: g.city,
                asn: g.asn,
                as_name: g.as_name,
                as_country: g.as_country,
                service,
                jail,
            };
            if i < fresh {
                self.profiles.push(p);
                self.profile_reports.push(n);
            } else {
                let id = self.profile_id(p);
                self.profile_reports[id as usize] += n;
            }
        }
        for e in &mut self.reporter_entries {
            self.reporter_profile_reports[e.profile as usize] += std::mem::take(&mut e.reports);
        }
        for (n, c) in self.failures_small.0.iter_mut().enumerate() {
            if *c > 0 {
                *self.failures.entry(n as i64).or_insert(0) += std::mem::take(c);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fields::values;

    fn state(lines: &[&str]) -> State {
        let mut s = State::new();
        for l in lines {
            s.add(&values(l.as_bytes()).unwrap());
        }
        s.settle();
        s
    }

    #[test]
    fn notices_are_counted_apart_from_reports() {
        let s = state(&[
            r#"{"event":"start","jail":"ssh"}"#,
            r#"{"event":"ban","ip":"192.0.2.1"}"#,
            r#"{"ip":"192.0.2.2","event":null}"#,
            r#"{"event":"stop"}"#,
            r#"{"event":"start"}"#,
        ]);
        assert_eq!((s.records, s.reports), (5, 2));
        assert_eq!(s.notices.get("start"), Some(&2));
        assert_eq!(s.notices.get("stop"), Some(&1));
        assert_eq!(s.attackers.len(), 2);
    }

    #[test]
    fn same_attacker_same_day_counts_once_whatever_the_order() {
        let s = state(&[
            r#"{"ts":"2011-07-04T10:00:00Z","ip":"192.0.2.1","reporter_host":"a"}"#,
            r#"{"ts":"2011-07-05T10:00:00Z","ip":"192.0.2.1","reporter_host":"a"}"#,
            r#"{"ts":"2011-07-04T11:00:00Z","ip":"192.0.2.1","reporter_host":"b"}"#,
            r#"{"date":"2011-07-04","attacker_id":"x","reporter_id":"r"}"#,
        ]);
        let day = |d: &str| &s.days[&crate::time::parse_date(d.as_bytes()).unwrap()];
        assert_eq!(day("2011-07-04").attackers.len(), 2);
        assert_eq!(day("2011-07-05").attackers.len(), 1);
        assert_eq!(day("2011-07-04").reporters.len(), 3);
        assert_eq!(day("2011-07-04").reports, 3);
        assert_eq!(s.attackers.len(), 2);
        assert_eq!(s.first_ts.as_ref().unwrap().1, "2011-07-04T10:00:00Z");
        assert_eq!(s.last_ts.as_ref().unwrap().1, "2011-07-05T10:00:00Z");
    }

    #[test]
    fn first_and_last_ts_break_ties_on_the_smaller_text() {
        for order in [[0, 1, 2], [2, 1, 0], [1, 2, 0]] {
            let lines = [
                r#"{"ts":"2011-07-04T12:00:00+02:00"}"#,
                r#"{"ts":"2011-07-04T10:00:00Z"}"#,
                r#"{"ts":"2011-07-03T10:00:00Z"}"#,
            ];
            let s = state(&order.map(|i| lines[i]));
            assert_eq!(s.first_ts.as_ref().unwrap().1, "2011-07-03T10:00:00Z");
            // 12:00+02:00 is 10:00Z: the smaller text wins.
            assert_eq!(s.last_ts.as_ref().unwrap().1, "2011-07-04T10:00:00Z");
        }
        let s = state(&[
            r#"{"ts":"2011-07-04T12:00:00+02:00"}"#,
            r#"{"ts":"2011-07-04T10:00:00Z"}"#,
        ]);
        assert_eq!(s.first_ts.as_ref().unwrap().1, "2011-07-04T10:00:00Z");
    }

    #[test]
    fn equal_raw_values_written_differently_share_a_profile() {
        let lines = [
            r#"{"ip":"192.0.2.1","country":"FR"}"#,
            r#"{"ip":"192.0.2.1","country":"\u0046R"}"#,
            r#"{"ip":"192.0.2.1","country":"FR","region":null}"#,
        ];
        let mut s = State::new();
        for l in lines.iter().chain(&lines) {
            s.add(&values(l.as_bytes()).unwrap());
        }
        let l = s
            .geo_cache
            .lookup(&values(lines[0].as_bytes()).unwrap(), &GEO);
        assert_eq!((s.geo_cache.len(), s.geo_cache.variants(&l)), (1, 3));
        assert_eq!(s.geos.len(), 1);
        s.settle();
        assert_eq!(s.profiles.len(), 1);
        assert_eq!(s.profile_reports, [6]);
        // Records after a settle find the same profile.
        s.add(&values(lines[1].as_bytes()).unwrap());
        s.settle();
        assert_eq!(s.profile_reports, [7]);
    }

    #[test]
    fn an_attacker_seen_with_many_kinds_counts_each() {
        // More kinds than a geo entry and a chunk keep, each seen i + 1 times,
        // and the first ones again after the others.
        let kinds = INLINE_KINDS + CHUNK_KINDS + 3;
        let line = |k: usize| format!(r#"{{"ip":"192.0.2.1","jail":"j{k}","reporter_host":"r"}}"#);
        let mut lines = Vec::new();
        for k in 0..kinds {
            lines.extend(std::iter::repeat_n(line(k), k));
        }
        lines.extend((0..kinds).map(line));
        let s = state(&lines.iter().map(String::as_str).collect::<Vec<_>>());
        assert_eq!(s.kind_chunks.len(), 2);
        assert_eq!(s.profiles.len(), kinds);
        for (p, &n) in s.profiles.iter().zip(&s.profile_reports) {
            let jail = s.labels.resolve(p.jail);
            assert_eq!(format!("j{}", n - 1), jail);
        }
    }

    #[test]
    fn an_attacker_in_many_places_with_many_kinds_counts_each_once() {
        // One address in more places than its chain holds, and in one of
        // them with more kinds than its chunks hold; combination i seen
        // i % 3 + 1 times, then all once more.
        let kinds = 2 * (INLINE_KINDS + MAX_CHUNKS * CHUNK_KINDS);
        let places = 4 * CHAIN;
        let pairs: Vec<(String, String)> = (0..kinds)
            .map(|k| ("c0".to_string(), format!("j{k}")))
            .chain((1..=places).map(|c| (format!("c{c}"), "j0".to_string())))
            .collect();
        let line = |(city, jail): &(String, String)| {
            format!(r#"{{"ip":"192.0.2.1","city":"{city}","jail":"{jail}","reporter_host":"r"}}"#)
        };
        let mut lines = Vec::new();
        for (i, pair) in pairs.iter().enumerate() {
            lines.extend(std::iter::repeat_n(line(pair), i % 3 + 1));
        }
        lines.extend(pairs.iter().map(line));
        let s = state(&lines.iter().map(String::as_str).collect::<Vec<_>>());
        assert!(s.far_geos.len() >= places - CHAIN, "{}", s.far_geos.len());
        // The kinds past the chunks went to the map (emptied by settle).
        assert_eq!(s.kind_chunks.len(), MAX_CHUNKS);
        let expected: std::collections::BTreeMap<_, _> = pairs
            .iter()
            .enumerate()
            .map(|(i, pair)| (pair.clone(), i as u64 % 3 + 2))
            .collect();
        let label = |id| s.labels.resolve(id).to_string();
        let got: std::collections::BTreeMap<_, _> = s
            .profiles
            .iter()
            .zip(&s.profile_reports)
            .map(|(p, &r)| ((label(p.city), label(p.jail)), r))
            .collect();
        assert_eq!(got, expected);
        assert_eq!(s.attackers.len(), 1);
    }

    #[test]
    fn a_kind_count_past_u32_max_goes_on_in_the_map() {
        let line = r#"{"ip":"192.0.2.1","jail":"ssh","reporter_host":"r"}"#;
        let mut s = State::new();
        s.add(&values(line.as_bytes()).unwrap());
        s.geo_entries[0].counts.reports[0] = u32::MAX - 1;
        for _ in 0..3 {
            s.add(&values(line.as_bytes()).unwrap());
        }
        s.settle();
        assert_eq!(s.profile_reports, [u64::from(u32::MAX) + 2]);
        // Profiles found again by a later settle, through their map.
        s.add(&values(line.as_bytes()).unwrap());
        s.settle();
        assert_eq!(s.profile_reports, [u64::from(u32::MAX) + 3]);
    }

    #[test]
    fn month_only_dates_hours_and_failures() {
        let s = state(&[
            r#"{"date":"2011-07","hour":5,"failures":3}"#,
            r#"{"date":"2011-07-04","hour":25,"failures":-1}"#,
            r#"{"date":"bad","failures":"3"}"#,
        ]);
        assert_eq!(s.months[&(2011 * 12 + 6)].reports, 1);
        assert_eq!(s.days.len(), 1);
        assert_eq!(s.undated, 1);
        assert_eq!(s.hour_weekday[NO_WEEKDAY][5], 1);
        assert_eq!(s.hour_weekday[0][NO_HOUR], 1);
        assert_eq!(s.failures, BTreeMap::from([(-1, 1), (3, 1)]));
    }
}
