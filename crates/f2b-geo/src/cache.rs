//! Bounded caches of answers: attackers come back and reporters come back a
//! lot, so most records are answered without touching the database.
//!
//! The answers themselves (the five JSON values) are kept back to back in an
//! [`Arena`]; the caches map a key (an address, or a database record) to an
//! [`Answer`] there. The caches are set-associative tables, as in a CPU: a key
//! has one set of slots, a set fills one 64-byte cache line, and a hit costs
//! one memory access for the set and one for the values. An IPv4 slot takes 8
//! bytes, so that the table of a few hundred thousand attackers stays in the
//! processor's cache. Memory is bounded by the capacity; nothing is allocated
//! per entry.

use std::hash::{BuildHasher, RandomState};

use crate::place::{Value, FIELD_NAMES};

/// An answer in the [`Arena`]: where its values are, or [`Answer::UNRESOLVED`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Answer(u32);

impl Answer {
    /// No value is known: the address is unresolved.
    pub const UNRESOLVED: Answer = Answer(u32::MAX);

    /// True for [`Answer::UNRESOLVED`].
    pub fn is_unresolved(self) -> bool {
        self == Answer::UNRESOLVED
    }
}

/// The longest JSON value an answer keeps (a name of 4 KiB is not a name);
/// a longer one counts as unknown.
pub const MAX_VALUE: usize = 4096;

/// Bytes of the length header of an answer: five little-endian `u16`.
const HEADER: usize = 2 * FIELD_NAMES.len();

/// The answers' values, back to back: a header of five lengths (0 for null),
/// then the JSON texts.
pub struct Arena {
    bytes: Vec<u8>,
    limit: usize,
}

impl Arena {
    /// An arena that asks to be cleared (see [`Arena::has_room`]) once it
    /// holds about `limit` bytes.
    pub fn new(limit: usize) -> Arena {
        Arena {
            bytes: Vec::new(),
            limit: limit.min(u32::MAX as usize / 2),
        }
    }

    /// True when a few more answers of any size fit under the limit (or when
    /// the arena is empty: one answer always fits).
    pub fn has_room(&self) -> bool {
        self.bytes.is_empty() || self.bytes.len() + 3 * (HEADER + 5 * MAX_VALUE) <= self.limit
    }

    /// Forgets every answer: every [`Answer`] handed out so far is invalid.
    pub fn clear(&mut self) {
        self.bytes.clear();
    }

    /// Stores `values` (JSON-encoded here, once); [`Answer::UNRESOLVED`] when
    /// none is known.
    pub fn push(&mut self, values: &[Option<Value<'_>>; 5]) -> Answer {
        if values.iter().all(Option::is_none) {
            return Answer::UNRESOLVED;
        }
        let start = self.bytes.len();
        self.bytes.resize(start + HEADER, 0);
        for (i, value) in values.iter().enumerate() {
            let Some(value) = value else { continue };
            let at = self.bytes.len();
            value.write_json(&mut self.bytes);
            let len = self.bytes.len() - at;
            if len > MAX_VALUE {
                self.bytes.truncate(at);
            } else {
                self.bytes[start + 2 * i..start + 2 * i + 2]
                    .copy_from_slice(&(len as u16).to_le_bytes());
            }
        }
        if self.bytes[start..start + HEADER].iter().all(|&b| b == 0) {
            self.bytes.truncate(start);
            return Answer::UNRESOLVED;
        }
        Answer(start as u32)
    }

    /// Where each value of `answer` is: (start, length), length 0 for null.
    #[inline]
    fn ranges(&self, answer: Answer) -> [(usize, usize); 5] {
        let mut ranges = [(0, 0); 5];
        if answer.is_unresolved() {
            return ranges;
        }
        let start = answer.0 as usize;
        let Some(header) = self.bytes.get(start..start + HEADER) else {
            return ranges;
        };
        let mut at = start + HEADER;
        for (i, range) in ranges.iter_mut().enumerate() {
            let len = usize::from(u16::from_le_bytes([header[2 * i], header[2 * i + 1]]));
            *range = (at, len);
            at += len;
        }
        ranges
    }

    /// The JSON texts of an answer's values, in [`FIELD_NAMES`] order; `None` is null.
    #[inline]
    pub fn get(&self, answer: Answer) -> [Option<&[u8]>; 5] {
        self.ranges(answer).map(|(at, len)| {
            if len == 0 {
                None
            } else {
                self.bytes.get(at..at + len)
            }
        })
    }
}

/// Slots per IPv4 set: eight 8-byte slots fill one cache line.
const NARROW_WAYS: usize = 8;

/// One cache line of IPv4 slots, each `address << 32 | answer`, 0 when empty
/// (0.0.0.0 is reserved, so it is never a key). The first is the most
/// recently used.
#[derive(Clone, Copy, Default)]
#[repr(C, align(64))]
struct NarrowSet([u64; NARROW_WAYS]);

/// A bounded map from IPv4 addresses to answers.
pub struct Ipv4Cache {
    sets: Vec<NarrowSet>,
    seed: u64,
}

impl Ipv4Cache {
    /// A cache of about `capacity` addresses (whole sets of eight); 0 keeps nothing.
    pub fn new(capacity: usize) -> Ipv4Cache {
        Ipv4Cache {
            sets: vec![NarrowSet::default(); capacity.div_ceil(NARROW_WAYS)],
            seed: seed(),
        }
    }

    /// The number of addresses the cache can hold.
    pub fn capacity(&self) -> usize {
        self.sets.len() * NARROW_WAYS
    }

    fn set(&mut self, ip: u32) -> Option<&mut NarrowSet> {
        let i = index(hash(u128::from(ip), self.seed), self.sets.len());
        self.sets.get_mut(i)
    }

    /// Starts fetching the set of `ip` into the processor's cache.
    #[inline]
    pub fn prefetch(&self, ip: u32) {
        let i = index(hash(u128::from(ip), self.seed), self.sets.len());
        if let Some(set) = self.sets.get(i) {
            prefetch(set);
        }
    }

    /// The answer cached for `ip`.
    #[inline]
    pub fn get(&mut self, ip: u32) -> Option<Answer> {
        if ip == 0 {
            return None;
        }
        let set = &mut self.set(ip)?.0;
        let j = set.iter().position(|&s| (s >> 32) as u32 == ip)?;
        let slot = set[j];
        // Least recently used last: move the hit to the front.
        set.copy_within(0..j, 1);
        set[0] = slot;
        Some(Answer(slot as u32))
    }

    /// Caches `answer` for `ip`, evicting the least recently used of its set.
    pub fn insert(&mut self, ip: u32, answer: Answer) {
        if ip == 0 {
            return;
        }
        if let Some(set) = self.set(ip) {
            set.0.copy_within(0..NARROW_WAYS - 1, 1);
            set.0[0] = u64::from(ip) << 32 | u64::from(answer.0);
        }
    }

    /// Forgets every entry.
    pub fn clear(&mut self) {
        self.sets.fill(NarrowSet::default());
    }
}

/// A slot with a 128-bit key.
#[derive(Clone, Copy, Default)]
struct WideSlot {
    key_hi: u64,
    key_lo: u64,
    answer: u32,
    full: bool,
}

/// Two wide slots in one cache line; the first is the more recently used.
#[derive(Clone, Copy, Default)]
#[repr(C, align(64))]
struct WideSet([WideSlot; 2]);

/// A bounded map from 128-bit keys (IPv6 addresses, database records) to
/// answers.
pub struct WideCache {
    sets: Vec<WideSet>,
    seed: u64,
}

impl WideCache {
    /// A cache of about `capacity` keys (rounded up to even); 0 keeps nothing.
    pub fn new(capacity: usize) -> WideCache {
        WideCache {
            sets: vec![WideSet::default(); capacity.div_ceil(2)],
            seed: seed(),
        }
    }

    /// The number of keys the cache can hold.
    pub fn capacity(&self) -> usize {
        self.sets.len() * 2
    }

    fn set(&mut self, key: u128) -> Option<&mut WideSet> {
        let i = index(hash(key, self.seed), self.sets.len());
        self.sets.get_mut(i)
    }

    /// Starts fetching the set of `key` into the processor's cache.
    #[inline]
    pub fn prefetch(&self, key: u128) {
        let i = index(hash(key, self.seed), self.sets.len());
        if let Some(set) = self.sets.get(i) {
            prefetch(set);
        }
    }

    /// The answer cached for `key`.
    #[inline]
    pub fn get(&mut self, key: u128) -> Option<Answer> {
        let (hi, lo) = ((key >> 64) as u64, key as u64);
        let [a, b] = &mut self.set(key)?.0;
        if a.full && a.key_hi == hi && a.key_lo == lo {
            return Some(Answer(a.answer));
        }
        if b.full && b.key_hi == hi && b.key_lo == lo {
            std::mem::swap(a, b);
            return Some(Answer(a.answer));
        }
        None
    }

    /// Caches `answer` for `key`, evicting the less recently used of its set.
    pub fn insert(&mut self, key: u128, answer: Answer) {
        if let Some(set) = self.set(key) {
            set.0[1] = set.0[0];
            set.0[0] = WideSlot {
                key_hi: (key >> 64) as u64,
                key_lo: key as u64,
                answer: answer.0,
                full: true,
            };
        }
    }

    /// Forgets every entry.
    pub fn clear(&mut self) {
        self.sets.fill(WideSet::default());
    }
}

/// Asks the processor to start loading the cache line of `value`, so that
/// the look-ups of a record's addresses wait for memory together, not in turn.
#[inline]
fn prefetch<T>(value: &T) {
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

fn seed() -> u64 {
    RandomState::new().hash_one(0x6765_6f5f_6361_6368_u64)
}

/// Two multiply-folds, keyed per process so that crafted input cannot aim at
/// one set. Much cheaper than SipHash, which would cost more than a hit.
#[inline]
fn hash(key: u128, seed: u64) -> u64 {
    const MUL1: u64 = 0x9e37_79b9_7f4a_7c15;
    const MUL2: u64 = 0xd6e8_feb8_6659_fd93;
    let fold = |a: u64, b: u64| {
        let p = u128::from(a) * u128::from(b);
        (p as u64) ^ ((p >> 64) as u64)
    };
    let lo = fold(seed ^ key as u64, MUL1);
    fold(lo ^ (key >> 64) as u64, MUL2)
}

/// Maps a hash onto `0..n` without a division.
#[inline]
fn index(hash: u64, n: usize) -> usize {
    ((u128::from(hash) * n as u128) >> 64) as usize
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::place::Coordinate;

    #[test]
    fn ipv4_cache_holds_what_was_put_in_while_there_is_room() {
        let mut cache = Ipv4Cache::new(1000);
        let ips: Vec<u32> = (1..=200u32)
            .map(|k| k.wrapping_mul(2_654_435_761))
            .collect();
        for &ip in &ips {
            cache.insert(ip, Answer(ip / 2));
        }
        // "Room" is per set: the hash is keyed per process, so now and then
        // nine of the 200 addresses share a set of eight (about one run in a
        // few hundred), and one of those may go. Every other must be there.
        let (seed, sets) = (cache.seed, cache.sets.len());
        let set_of = |ip: u32| index(hash(u128::from(ip), seed), sets);
        let mut per_set = std::collections::HashMap::new();
        for &ip in &ips {
            *per_set.entry(set_of(ip)).or_insert(0usize) += 1;
        }
        for &ip in &ips {
            match cache.get(ip) {
                Some(answer) => assert_eq!(answer, Answer(ip / 2)),
                None => assert!(
                    per_set[&set_of(ip)] > NARROW_WAYS,
                    "{ip} lost with room left"
                ),
            }
        }
        assert_eq!(cache.get(12345), None);
        assert_eq!(cache.capacity(), 1000);
    }

    #[test]
    fn an_address_comes_back_with_its_own_answer_or_not_at_all() {
        let mut v4 = Ipv4Cache::new(16);
        let mut wide = WideCache::new(16);
        for k in 1..10_000u32 {
            v4.insert(k, Answer(k));
            wide.insert(u128::from(k) << 64 | 7, Answer(k));
            for probe in k.saturating_sub(40).max(1)..=k {
                if let Some(a) = v4.get(probe) {
                    assert_eq!(a, Answer(probe));
                }
                if let Some(a) = wide.get(u128::from(probe) << 64 | 7) {
                    assert_eq!(a, Answer(probe));
                }
            }
        }
        assert_eq!(v4.get(9_999), Some(Answer(9_999)));
        assert_eq!(wide.get(9_999 << 64 | 7), Some(Answer(9_999)));
    }

    #[test]
    fn recently_used_entries_survive_eviction() {
        let mut v4 = Ipv4Cache::new(8);
        let mut wide = WideCache::new(2);
        v4.insert(1, Answer(1));
        wide.insert(1, Answer(1));
        for k in 100..1000u32 {
            // The reporter comes back between every two attackers.
            assert_eq!(v4.get(1), Some(Answer(1)), "lost at {k}");
            assert_eq!(wide.get(1), Some(Answer(1)), "lost at {k}");
            v4.insert(k, Answer(k));
            wide.insert(u128::from(k), Answer(k));
        }
    }

    #[test]
    fn zero_capacity_keeps_nothing() {
        let mut v4 = Ipv4Cache::new(0);
        let mut wide = WideCache::new(0);
        v4.insert(1, Answer(1));
        wide.insert(1, Answer(1));
        assert_eq!(v4.get(1), None);
        assert_eq!(wide.get(1), None);
    }

    fn text(answer: [Option<&[u8]>; 5]) -> [String; 5] {
        answer.map(|v| String::from_utf8(v.unwrap_or(b"null").to_vec()).unwrap())
    }

    #[test]
    fn arena_keeps_values() {
        let mut arena = Arena::new(1 << 20);
        let country = arena.push(&[Some(Value::Text("DE")), None, None, None, None]);
        let place = arena.push(&[
            Some(Value::Text("AT")),
            Some(Value::Text("Wien")),
            None,
            Some(Value::Number(Coordinate::Double(48.2))),
            Some(Value::Number(Coordinate::Float(16.37))),
        ]);
        assert_eq!(
            text(arena.get(place)),
            ["\"AT\"", "\"Wien\"", "null", "48.2", "16.37"]
        );
        assert_eq!(
            text(arena.get(country)),
            ["\"DE\"", "null", "null", "null", "null"]
        );
        assert_eq!(
            arena.push(&[None, None, None, None, None]),
            Answer::UNRESOLVED
        );
        assert_eq!(
            text(arena.get(Answer::UNRESOLVED)),
            ["null"; 5].map(String::from)
        );
    }

    #[test]
    fn arena_asks_to_be_cleared_at_its_limit() {
        let long = "x".repeat(MAX_VALUE - 2);
        let big = [Some(Value::Text(&long)), None, None, None, None];
        let mut arena = Arena::new(3 * (HEADER + 5 * MAX_VALUE) + 2 * (HEADER + MAX_VALUE) - 1);
        assert!(arena.has_room());
        arena.push(&big);
        assert!(arena.has_room());
        arena.push(&big);
        assert!(!arena.has_room());
        arena.clear();
        assert!(arena.has_room());
        let too_long = "x".repeat(MAX_VALUE);
        let answer = arena.push(&[Some(Value::Text(&too_long)), None, None, None, None]);
        assert_eq!(answer, Answer::UNRESOLVED);
    }
}
