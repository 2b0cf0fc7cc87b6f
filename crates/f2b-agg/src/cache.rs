//! The hot path's shortcut from the raw text of a group of fields to what
//! it stands for (a geo, a place, a reporter entry), so that a record whose
//! fields were seen before is neither decoded nor interned again.
//!
//! A [`RawCache`] is keyed by the raw text of a few fields of the group (the
//! address; the reporter's names and jail), and keeps per key the raw text
//! of the other fields with the id each combination stands for: a short key
//! to hash and a comparison in place, where hashing and comparing the text
//! of all the fields as one key (~150 bytes for a geo) cost three times as
//! much (callgrind). A key keeps up to [`VARIANTS`] combinations (the first
//! ones and the latest); the cache is only a shortcut, a combination that is
//! not (or no longer) in it is decoded again by the caller, so a key with
//! many combinations costs time, never memory. Records without any of the
//! fields that name a key (anonymized ones have no address and no host
//! name) are keyed by all their fields.
//!
//! With tens of thousands of attackers a lookup waits for memory, not for
//! instructions: `perf` put a third of the run in the hot path, most of it
//! on loads that missed the caches one after the other, each needing the
//! one before (a `HashMap`'s control bytes, its bucket, the key, the key's
//! own allocation of text, the entry the id stands for). So the table is
//! laid out for few dependent loads: an open-addressing table (linear
//! probing, at most half full) of 16-byte slots, each with a key's full
//! hash, the offset of its text in one arena and the id of its first
//! combination. [`RawCache::lookup`] hashes and asks for the slot's cache
//! line ahead of time; [`RawCache::get`] hands the slot's id to the caller
//! to ask for its entry *while* the text is compared: a hit is only ever
//! told by its text, never by the hash. (The interners keep their
//! `HashMap` index: an attacker is interned when it is new, and for a key
//! it does not hold, the map's one-byte control bytes answer from the
//! cache where 16-byte slots were a miss, `perf`.)

use std::hash::{BuildHasher, Hasher};

use f2b_core::scan::same;

use crate::fields::{Field, Values};
use crate::intern::{FoldBuild, NONE};

/// Combinations of the other fields a [`RawCache`] keeps per key.
pub const VARIANTS: usize = 8;

/// The fields of a group: `K` that key the cache, `O` others.
pub struct Group<const K: usize, const O: usize> {
    /// The key fields.
    pub keys: [Field; K],
    /// How many of the key fields, first, name the key (an address, a
    /// host): a record with none of them is keyed by all its fields.
    pub names: usize,
    /// The other fields, the one that most often tells the combinations of
    /// a key apart first.
    pub others: [Field; O],
}

/// The raw texts of a group's fields in one record, with their hash: what
/// [`RawCache::get`] and [`RawCache::insert`] look up.
pub struct Lookup<'a, const K: usize, const O: usize> {
    keys: [&'a [u8]; K],
    others: [&'a [u8]; O],
    /// Every field naming a key is absent: all the fields are the key.
    keyless: bool,
    hash: u64,
}

impl<const K: usize, const O: usize> Lookup<'_, K, O> {
    /// The hash of the texts, for [`RawCache::warm`] and [`RawCache::again`].
    #[inline(always)]
    pub fn hash(&self) -> u64 {
        self.hash
    }
}

/// See the module documentation.
#[derive(Default)]
pub struct RawCache {
    /// A power of two of slots (or none), at most half of them full.
    slots: Vec<Slot>,
    /// Full slots: the number of keys.
    len: usize,
    /// A key's record, at the offset its slot gives: the index of its
    /// further combinations in `more` ([`NONE`]: none yet), then the key
    /// fields' texts then the other fields' texts, each as written by
    /// [`write()`]. A keyless key (its naming fields empty, which those of
    /// another key never are all) is its own single combination.
    arena: Vec<u8>,
    /// The combinations after the first of the keys that have more.
    more: Vec<Vec<(Box<[u8]>, u32)>>,
}

/// A key of a [`RawCache`]: its hash, where its record starts in the arena
/// ([`EMPTY`] for a free slot) and the id of its first combination.
#[derive(Clone, Copy)]
struct Slot {
    hash: u64,
    at: u32,
    id: u32,
}

/// The `at` of a free slot.
const EMPTY: u32 = u32::MAX;

const FREE: Slot = Slot {
    hash: 0,
    at: EMPTY,
    id: NONE,
};

/// Where a lookup's key is.
enum Found {
    /// In this slot, with the id of the lookup's combination if the key
    /// has it.
    Key(usize, Option<u32>),
    Absent,
}

impl RawCache {
    /// The texts of the fields `group` of `v`, hashed. Asks for the cache
    /// line of the key's slot, so that it comes in while the caller does
    /// other work before [`RawCache::get`].
    #[inline(always)]
    pub fn lookup<'a, const K: usize, const O: usize>(
        &self,
        v: &Values<'a>,
        group: &Group<K, O>,
    ) -> Lookup<'a, K, O> {
        let l = Self::texts(v, group, |keys, others, keyless| {
            if keyless {
                hash_texts(keys, others) ^ KEYLESS
            } else {
                hash_texts(keys, [])
            }
        });
        if let Some(slot) = self.slots.get(self.home(l.hash)) {
            prefetch(slot);
        }
        l
    }

    /// [`RawCache::lookup`] again for the same `v`, whose hash it gave:
    /// neither hashed nor asked for again.
    #[inline(always)]
    pub fn again<'a, const K: usize, const O: usize>(
        v: &Values<'a>,
        group: &Group<K, O>,
        hash: u64,
    ) -> Lookup<'a, K, O> {
        Self::texts(v, group, |_, _, _| hash)
    }

    /// The texts of the fields `group` of `v`, hashed by `hash`.
    #[inline(always)]
    fn texts<'a, const K: usize, const O: usize>(
        v: &Values<'a>,
        group: &Group<K, O>,
        hash: impl FnOnce([&[u8]; K], [&[u8]; O], bool) -> u64,
    ) -> Lookup<'a, K, O> {
        let keys = group.keys.map(|f| v.raw(f));
        let others = group.others.map(|f| v.raw(f));
        // Without a name (anonymized records have no addresses and no host
        // names), all the fields are the key: one key with all the
        // combinations would keep only a few of them.
        let keyless = keys.iter().take(group.names).all(|k| k.is_empty());
        Lookup {
            keys,
            others,
            keyless,
            hash: hash(keys, others, keyless),
        }
    }

    /// The id the texts of `l` stand for, if they were seen before. The id
    /// of every slot with the key's hash goes to `prefetch` (to load what
    /// the id stands for) before the texts are compared.
    #[inline(always)]
    pub fn get<const K: usize, const O: usize>(
        &self,
        l: &Lookup<'_, K, O>,
        prefetch: impl FnMut(u32),
    ) -> Option<u32> {
        match self.find(l, prefetch) {
            Found::Key(_, id) => id,
            Found::Absent => None,
        }
    }

    /// Asks for what [`RawCache::get`] will read for a lookup of `hash`: the
    /// text of the key in the home slot of the hash, when it has that hash, and
    /// (through `prefetch`) what the slot's id stands for. Only a hint, for
    /// when the slot has had time to come in since [`RawCache::lookup`].
    #[inline(always)]
    pub fn warm(&self, hash: u64, mut prefetch: impl FnMut(u32)) {
        if let Some(s) = self.slots.get(self.home(hash)) {
            if s.hash == hash && s.at != EMPTY {
                // A key's record is a few cache lines (a geo's ~150 bytes).
                for line in 0..3 {
                    if let Some(text) = self.arena.get(s.at as usize + 64 * line) {
                        self::prefetch(text);
                    }
                }
                prefetch(s.id);
            }
        }
    }

    /// Remembers that the texts of `l`, looked up in vain with
    /// [`RawCache::get`], stand for `id`.
    #[cold]
    pub fn insert<const K: usize, const O: usize>(&mut self, l: &Lookup<'_, K, O>, id: u32) {
        // Lengths are written in four bytes: longer texts are not cached.
        if l.keys
            .iter()
            .chain(&l.others)
            .any(|t| u32::try_from(t.len()).is_err())
        {
            return;
        }
        match self.find(l, |_| {}) {
            Found::Key(slot, None) => self.add_variant(slot, l.others, id),
            Found::Key(_, Some(_)) => {}
            Found::Absent => self.add_key(l, id),
        }
    }

    /// Adds the combination `others` → `id` to the key of `slot`.
    fn add_variant<const O: usize>(&mut self, slot: usize, others: [&[u8]; O], id: u32) {
        let Some(at) = self.slots.get(slot).map(|s| s.at as usize) else {
            return;
        };
        let Some(header) = self.arena.get_mut(at..at + 4) else {
            return;
        };
        let mut index = more_index(header);
        if index == NONE {
            index = self.more.len() as u32;
            header.copy_from_slice(&index.to_le_bytes());
            self.more.push(Vec::new());
        }
        let Some(more) = self.more.get_mut(index as usize) else {
            return;
        };
        let mut bytes = Vec::with_capacity(written_len(others));
        write(&mut bytes, others);
        let variant = (bytes.into_boxed_slice(), id);
        if more.len() + 1 < VARIANTS {
            more.push(variant);
        } else {
            more[VARIANTS - 2] = variant;
        }
    }

    /// Adds the key of `l` with its first combination, `id`.
    fn add_key<const K: usize, const O: usize>(&mut self, l: &Lookup<'_, K, O>, id: u32) {
        // Offsets are `u32`: past 4 GiB of text, keys are no longer cached.
        let Some(at) = u32::try_from(self.arena.len())
            .ok()
            .filter(|&at| at != EMPTY)
        else {
            return;
        };
        if 2 * (self.len + 1) > self.slots.len() {
            self.grow();
        }
        self.arena
            .reserve(4 + written_len(l.keys) + written_len(l.others));
        self.arena.extend_from_slice(&NONE.to_le_bytes());
        write(&mut self.arena, l.keys);
        write(&mut self.arena, l.others);
        place(
            &mut self.slots,
            Slot {
                hash: l.hash,
                at,
                id,
            },
        );
        self.len += 1;
    }

    /// Doubles the slots (16 at first), putting the keys back by their hash.
    #[cold]
    fn grow(&mut self) {
        let n = (2 * self.slots.len()).max(16);
        let old = std::mem::replace(&mut self.slots, vec![FREE; n]);
        for s in old.into_iter().filter(|s| s.at != EMPTY) {
            place(&mut self.slots, s);
        }
    }

    /// The slot where the probe for `hash` starts.
    #[inline(always)]
    fn home(&self, hash: u64) -> usize {
        hash as usize & self.slots.len().wrapping_sub(1)
    }

    /// Finds the key of `l` and its combination: the slots from the key's
    /// home on, up to a free one (there always is one).
    #[inline(always)]
    fn find<const K: usize, const O: usize>(
        &self,
        l: &Lookup<'_, K, O>,
        mut prefetch: impl FnMut(u32),
    ) -> Found {
        let mask = self.slots.len().wrapping_sub(1);
        let mut i = self.home(l.hash);
        while let Some(s) = self.slots.get(i) {
            if s.at == EMPTY {
                break;
            }
            if s.hash == l.hash {
                prefetch(s.id);
                if let Some(id) = self.in_record(s, l) {
                    return Found::Key(i, id);
                }
            }
            i = (i + 1) & mask;
        }
        Found::Absent
    }

    /// Whether the key of slot `s` is the key of `l` (`None`: another key)
    /// and then the id of the combination of `l`, if the key has it.
    #[inline(always)]
    fn in_record<const K: usize, const O: usize>(
        &self,
        s: &Slot,
        l: &Lookup<'_, K, O>,
    ) -> Option<Option<u32>> {
        let (header, rest) = self.arena.get(s.at as usize..)?.split_at_checked(4)?;
        let rest = strip(rest, l.keys)?;
        if strip(rest, l.others).is_some() {
            return Some(Some(s.id));
        }
        if l.keyless {
            // All the fields are this key's: it is another key.
            return None;
        }
        let more = self
            .more
            .get(more_index(header) as usize)
            .map_or(&[][..], Vec::as_slice);
        Some(
            more.iter()
                .find(|(raw, _)| strip(raw, l.others).is_some())
                .map(|&(_, id)| id),
        )
    }

    /// Number of keys.
    pub fn len(&self) -> usize {
        self.len
    }

    /// True when nothing is cached.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Number of combinations cached for the key of `l` (0: not cached).
    pub fn variants<const K: usize, const O: usize>(&self, l: &Lookup<'_, K, O>) -> usize {
        let Found::Key(slot, _) = self.find(l, |_| {}) else {
            return 0;
        };
        let at = self.slots.get(slot).map_or(0, |s| s.at as usize);
        let more = self.arena.get(at..at + 4).map_or(NONE, more_index);
        1 + self.more.get(more as usize).map_or(0, Vec::len)
    }
}

/// The index in `more` that a record's first four bytes give.
#[inline(always)]
fn more_index(header: &[u8]) -> u32 {
    header.try_into().map_or(NONE, u32::from_le_bytes)
}

/// Puts `s` in the first free slot from its hash's home on.
fn place(slots: &mut [Slot], s: Slot) {
    let mask = slots.len() - 1;
    let mut i = s.hash as usize & mask;
    while slots[i].at != EMPTY {
        i = (i + 1) & mask;
    }
    slots[i] = s;
}

/// Asks the processor to start loading the cache line of `value`, so that
/// a load that depends on another need not wait for it in turn.
#[inline(always)]
pub fn prefetch<T>(value: &T) {
    #[cfg(target_arch = "x86_64")]
    // SAFETY: PREFETCHT0 belongs to SSE, which every x86_64 processor has; a
    // prefetch is a hint about a valid reference and never faults.
    unsafe {
        use std::arch::x86_64::{_mm_prefetch, _MM_HINT_T0};
        _mm_prefetch::<_MM_HINT_T0>((value as *const T).cast());
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = value;
}

/// Mixed into the hash of a keyless key (all the fields).
const KEYLESS: u64 = 0x5851_f42d_4c95_7f2d;

/// The hash of a few texts, `a` then `b`.
#[inline(always)]
fn hash_texts<const A: usize, const B: usize>(a: [&[u8]; A], b: [&[u8]; B]) -> u64 {
    // One hasher over all (each text's length goes in before it).
    let mut h = FoldBuild.build_hasher();
    for t in a {
        h.write(t);
    }
    for t in b {
        h.write(t);
    }
    h.finish()
}

/// Appends `texts` to `out`: the length of each (four bytes), then the texts.
fn write<const N: usize>(out: &mut Vec<u8>, texts: [&[u8]; N]) {
    out.extend_from_slice(texts.map(|t| (t.len() as u32).to_le_bytes()).as_flattened());
    for t in texts {
        out.extend_from_slice(t);
    }
}

/// How many bytes [`write()`] appends.
fn written_len<const N: usize>(texts: [&[u8]; N]) -> usize {
    texts.iter().map(|t| 4 + t.len()).sum()
}

/// What follows `texts` in `raw` when it starts with them (as [`write()`]
/// writes them); `None` when it does not.
#[inline(always)]
fn strip<'r, const N: usize>(raw: &'r [u8], texts: [&[u8]; N]) -> Option<&'r [u8]> {
    let (lens, mut body) = raw.split_at_checked(4 * N)?;
    let lens_match = lens
        .chunks_exact(4)
        .zip(texts)
        .all(|(n, t)| n.try_into().ok().map(|n| u32::from_le_bytes(n) as usize) == Some(t.len()));
    if !lens_match {
        return None;
    }
    for t in texts {
        let (known, rest) = body.split_at_checked(t.len())?;
        if !same(known, t) {
            return None;
        }
        body = rest;
    }
    Some(body)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fields::values;

    const GROUP: Group<1, 2> = Group {
        keys: [Field::Ip],
        names: 1,
        others: [Field::Country, Field::City],
    };

    /// A record with these raw texts (an empty one: the field is absent).
    fn record(ip: &str, country: &str, city: &str) -> String {
        let fields: Vec<String> = [("ip", ip), ("country", country), ("city", city)]
            .iter()
            .filter(|(_, raw)| !raw.is_empty())
            .map(|(k, raw)| format!("\"{k}\":{raw}"))
            .collect();
        format!("{{{}}}", fields.join(","))
    }

    fn get(c: &RawCache, record: &str) -> Option<u32> {
        let v = values(record.as_bytes()).unwrap();
        c.get(&c.lookup(&v, &GROUP), |_| {})
    }

    fn insert(c: &mut RawCache, record: &str, id: u32) {
        let v = values(record.as_bytes()).unwrap();
        let l = c.lookup(&v, &GROUP);
        c.insert(&l, id);
    }

    fn variants(c: &RawCache, record: &str) -> usize {
        let v = values(record.as_bytes()).unwrap();
        c.variants(&c.lookup(&v, &GROUP))
    }

    #[test]
    fn combinations_are_found_by_all_their_texts() {
        let mut c = RawCache::default();
        let a = record("\"192.0.2.1\"", "12", "3");
        assert_eq!(get(&c, &a), None);
        insert(&mut c, &a, 7);
        assert_eq!(get(&c, &a), Some(7));
        // Same texts split differently between the fields: another combination.
        let b = record("\"192.0.2.1\"", "1", "23");
        assert_eq!(get(&c, &b), None);
        insert(&mut c, &b, 8);
        assert_eq!(get(&c, &b), Some(8));
        assert_eq!(get(&c, &a), Some(7));
        // A field absent is not a field empty or null.
        assert_eq!(get(&c, &record("\"192.0.2.1\"", "123", "")), None);
        assert_eq!(get(&c, &record("", "12", "3")), None);
        assert_eq!((c.len(), variants(&c, &a)), (1, 2));
    }

    #[test]
    fn without_a_key_field_every_combination_is_its_own_key() {
        let mut c = RawCache::default();
        for round in 0..2 {
            for i in 0..20u32 {
                let v = record("", "\"FR\"", &format!("\"c{i}\""));
                if round == 0 {
                    assert_eq!(get(&c, &v), None);
                    insert(&mut c, &v, i);
                }
                assert_eq!(get(&c, &v), Some(i));
                assert_eq!(variants(&c, &v), 1);
            }
        }
        assert_eq!(c.len(), 20);
        // The same texts with a key field are another key.
        assert_eq!(get(&c, &record("\"c0\"", "\"FR\"", "\"c0\"")), None);
    }

    #[test]
    fn a_key_is_named_by_its_first_fields() {
        // Keyed by the address and the city, named by the address.
        const NAMED: Group<2, 1> = Group {
            keys: [Field::Ip, Field::City],
            names: 1,
            others: [Field::Country],
        };
        let mut c = RawCache::default();
        let mut add = |record: &str, id: u32| {
            let v = values(record.as_bytes()).unwrap();
            let l = c.lookup(&v, &NAMED);
            assert_eq!(c.get(&l, |_| {}), None);
            c.insert(&l, id);
            assert_eq!(c.get(&l, |_| {}), Some(id));
            c.variants(&l)
        };
        // Without an address, every combination is a key, however many
        // countries a city has.
        for i in 0..20 {
            assert_eq!(add(&record("", &format!("\"C{i}\""), "\"c\""), i), 1);
        }
        // With one, the city is part of the key and the countries are its
        // combinations.
        let ip = "\"192.0.2.1\"";
        assert_eq!(add(&record(ip, "\"FR\"", "\"c\""), 20), 1);
        assert_eq!(add(&record(ip, "\"DE\"", "\"c\""), 21), 2);
        assert_eq!(add(&record(ip, "\"DE\"", "\"d\""), 22), 1);
        assert_eq!(c.len(), 22);
    }

    #[test]
    fn a_key_keeps_a_bounded_number_of_combinations() {
        let mut c = RawCache::default();
        let ip = "\"192.0.2.1\"";
        for i in 0..20 {
            let v = record(ip, "\"FR\"", &format!("\"c{i}\""));
            assert_eq!(get(&c, &v), None);
            insert(&mut c, &v, i);
            assert_eq!(get(&c, &v), Some(i));
        }
        let first = record(ip, "\"FR\"", "\"c0\"");
        assert_eq!((c.len(), variants(&c, &first)), (1, VARIANTS));
        // The first ones and the latest are kept.
        assert_eq!(get(&c, &first), Some(0));
        assert_eq!(get(&c, &record(ip, "\"FR\"", "\"c19\"")), Some(19));
        assert_eq!(get(&c, &record(ip, "\"FR\"", "\"c18\"")), None);
    }

    #[test]
    fn many_keys_are_all_found_as_the_table_grows() {
        let mut c = RawCache::default();
        let ip = |i: u32| format!("\"10.0.{}.{}\"", i / 256, i % 256);
        for i in 0..5000 {
            insert(&mut c, &record(&ip(i), "\"FR\"", "null"), i);
        }
        assert_eq!(c.len(), 5000);
        for i in 0..5000 {
            assert_eq!(get(&c, &record(&ip(i), "\"FR\"", "null")), Some(i));
            assert_eq!(get(&c, &record(&ip(i), "\"DE\"", "null")), None);
        }
    }

    #[test]
    fn keys_with_the_same_hash_are_told_apart_by_their_text() {
        let mut c = RawCache::default();
        let same_hash = |ip: &'static str, country: &'static str| Lookup {
            keys: [ip.as_bytes()],
            others: [country.as_bytes(), b"null".as_slice()],
            keyless: false,
            hash: 42,
        };
        let keys = ["\"192.0.2.1\"", "\"192.0.2.2\"", "\"192.0.2.3\""];
        for (i, ip) in keys.iter().enumerate() {
            let l = same_hash(ip, "\"FR\"");
            let mut seen = Vec::new();
            assert_eq!(c.get(&l, |id| seen.push(id)), None);
            // Every key of that hash was a candidate, none was taken.
            assert_eq!(seen, (0..i as u32).collect::<Vec<_>>());
            c.insert(&l, i as u32);
        }
        c.insert(&same_hash(keys[1], "\"DE\""), 9);
        assert_eq!(c.len(), 3);
        for (i, ip) in keys.iter().enumerate() {
            assert_eq!(c.get(&same_hash(ip, "\"FR\""), |_| {}), Some(i as u32));
        }
        assert_eq!(c.get(&same_hash(keys[1], "\"DE\""), |_| {}), Some(9));
        assert_eq!(c.get(&same_hash(keys[0], "\"DE\""), |_| {}), None);
        assert_eq!(c.get(&same_hash("\"192.0.2.4\"", "\"FR\""), |_| {}), None);
    }
}
