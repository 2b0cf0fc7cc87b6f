//! Fast hashing and string interning: every distinct key is stored once and
//! handled as a `u32` id on the hot path.

use std::collections::hash_map::RandomState;
use std::collections::{HashMap, HashSet};
use std::hash::{BuildHasher, Hasher};
use std::sync::OnceLock;

/// Id of "no value" (an unknown field) wherever ids are used.
pub const NONE: u32 = u32::MAX;

const K: u64 = 0x9e37_79b9_7f4a_7c15;

/// A small, fast hasher (folded multiply over 8-byte words), seeded once per
/// process.
///
/// The keys hashed here are short strings and packed integers from one run;
/// nothing depends on hash order (every output is sorted), so there is no need
/// for the slower default hasher. The seed is random (see [`FoldBuild`]), so
/// that keys chosen to collide (the fields of records come from mail) cannot
/// be prepared in advance to make the tables' probes long.
#[derive(Default, Clone, Copy)]
pub struct FoldHasher(u64);

#[inline(always)]
fn fold(a: u64, b: u64) -> u64 {
    let p = u128::from(a).wrapping_mul(u128::from(b));
    (p as u64) ^ ((p >> 64) as u64)
}

impl Hasher for FoldHasher {
    #[inline(always)]
    fn write(&mut self, bytes: &[u8]) {
        let word = |c: &[u8]| {
            let mut w = [0u8; 8];
            w.copy_from_slice(c);
            u64::from_le_bytes(w)
        };
        let mut h = self.0 ^ (bytes.len() as u64);
        // Two independent lanes over 16-byte blocks, so that the multiplies
        // overlap; keys here are up to a few hundred bytes.
        let mut blocks = bytes.chunks_exact(16);
        for b in &mut blocks {
            h = fold(h ^ word(&b[..8]), K) ^ fold(word(&b[8..]), K.rotate_left(31));
        }
        let mut chunks = blocks.remainder().chunks_exact(8);
        for c in &mut chunks {
            h = fold(h ^ word(c), K);
        }
        let rest = chunks.remainder();
        if !rest.is_empty() {
            let mut w = [0u8; 8];
            w[..rest.len()].copy_from_slice(rest);
            h = fold(h ^ u64::from_le_bytes(w), K ^ 0xff);
        }
        self.0 = h;
    }

    #[inline]
    fn write_u8(&mut self, n: u8) {
        self.write_u64(u64::from(n));
    }

    #[inline]
    fn write_u32(&mut self, n: u32) {
        self.write_u64(u64::from(n));
    }

    #[inline]
    fn write_u64(&mut self, n: u64) {
        self.0 = fold(self.0 ^ n, K);
    }

    #[inline]
    fn write_usize(&mut self, n: usize) {
        self.write_u64(n as u64);
    }

    #[inline]
    fn finish(&self) -> u64 {
        // One more round so that both halves of the last word reach the low
        // bits (the bucket index) and the high bits (the control byte).
        fold(self.0, K.rotate_left(17))
    }
}

/// Builds [`FoldHasher`]s, all with the process's seed: random, from the
/// standard library's `RandomState`, drawn at the first use.
#[derive(Default, Clone, Copy)]
pub struct FoldBuild;

impl BuildHasher for FoldBuild {
    type Hasher = FoldHasher;
    #[inline]
    fn build_hasher(&self) -> FoldHasher {
        static SEED: OnceLock<u64> = OnceLock::new();
        let seed = *SEED.get_or_init(|| RandomState::new().hash_one(0x243f_6a88_85a3_08d3u64));
        FoldHasher(seed)
    }
}

/// A `HashMap` with the fast hasher.
pub type FastMap<K, V> = HashMap<K, V, FoldBuild>;
/// A `HashSet` with the fast hasher.
pub type FastSet<K> = HashSet<K, FoldBuild>;

/// The [`FoldHasher`] hash of a byte string.
#[inline]
pub fn hash_bytes(bytes: &[u8]) -> u64 {
    let mut h = FoldBuild.build_hasher();
    h.write(bytes);
    h.finish()
}

/// A hasher for keys that are hashes already: it keeps the one `u64`.
#[derive(Default, Clone, Copy)]
pub struct IdHasher(u64);

impl Hasher for IdHasher {
    fn write(&mut self, bytes: &[u8]) {
        // Only `u64` keys are hashed with it; this is a fallback.
        self.0 = hash_bytes(bytes);
    }

    #[inline]
    fn write_u64(&mut self, n: u64) {
        self.0 = n;
    }

    #[inline]
    fn finish(&self) -> u64 {
        self.0
    }
}

/// Builds [`IdHasher`]s.
#[derive(Default, Clone, Copy)]
pub struct IdBuild;

impl BuildHasher for IdBuild {
    type Hasher = IdHasher;
    #[inline]
    fn build_hasher(&self) -> IdHasher {
        IdHasher(0)
    }
}

/// Dense ids (0, 1, 2... in order of insertion) found by the hash of what
/// they stand for, which the caller keeps and compares: a hash table whose
/// keys are the 64-bit hashes, ids with the same hash chained.
///
/// Against a `HashMap` keyed by the strings themselves: a lookup compares
/// the candidate in place (no call to `memcmp`), and growing the table moves
/// `u64`s without hashing any string again, which was a fifth of the cost
/// of adding a new attacker (callgrind). The caller hashes each key once.
#[derive(Default)]
pub struct HashIndex {
    heads: HashMap<u64, u32, IdBuild>,
    /// Per id: the next id with the same hash, or [`NONE`].
    next: Vec<u32>,
}

impl HashIndex {
    /// The first id with hash `hash` for which `is` says yes.
    #[inline]
    pub fn find(&self, hash: u64, mut is: impl FnMut(u32) -> bool) -> Option<u32> {
        let mut id = *self.heads.get(&hash)?;
        loop {
            if is(id) {
                return Some(id);
            }
            id = *self.next.get(id as usize)?;
            if id == NONE {
                return None;
            }
        }
    }

    /// Adds the next id (the number of ids so far), of hash `hash`; returns it.
    pub fn push(&mut self, hash: u64) -> u32 {
        let id = self.next.len() as u32;
        let before = self.heads.insert(hash, id).unwrap_or(NONE);
        self.next.push(before);
        id
    }

    /// Number of ids.
    pub fn len(&self) -> usize {
        self.next.len()
    }

    /// True when there are no ids.
    pub fn is_empty(&self) -> bool {
        self.next.is_empty()
    }
}

/// Distinct strings, each with a dense id in order of first appearance.
///
/// The strings are kept one after the other in one buffer (an allocation
/// per string cost more than the lookup), found by a [`HashIndex`].
#[derive(Default)]
pub struct Interner {
    index: HashIndex,
    text: String,
    /// Where each string ends in `text`.
    ends: Vec<usize>,
}

impl Interner {
    /// The id of `s`, adding it when new.
    pub fn intern(&mut self, s: &str) -> u32 {
        let hash = hash_bytes(s.as_bytes());
        if let Some(id) = self.find(hash, s) {
            return id;
        }
        self.text.push_str(s);
        self.ends.push(self.text.len());
        self.index.push(hash)
    }

    #[inline]
    fn find(&self, hash: u64, s: &str) -> Option<u32> {
        self.index.find(hash, |id| {
            f2b_core::scan::same(self.resolve(id).as_bytes(), s.as_bytes())
        })
    }

    /// The id of `s`, if it was interned.
    pub fn get(&self, s: &str) -> Option<u32> {
        self.find(hash_bytes(s.as_bytes()), s)
    }

    /// The string of `id`.
    pub fn resolve(&self, id: u32) -> &str {
        let i = id as usize;
        let start = if i == 0 { 0 } else { self.ends[i - 1] };
        &self.text[start..self.ends[i]]
    }

    /// The string of `id`, or `None` for [`NONE`].
    pub fn resolve_opt(&self, id: u32) -> Option<&str> {
        (id != NONE).then(|| self.resolve(id))
    }

    /// Number of distinct strings.
    pub fn len(&self) -> usize {
        self.ends.len()
    }

    /// True when nothing was interned.
    pub fn is_empty(&self) -> bool {
        self.ends.is_empty()
    }

    /// Every string, by id.
    pub fn strings(&self) -> impl ExactSizeIterator<Item = &str> {
        (0..self.ends.len() as u32).map(|id| self.resolve(id))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn interning_gives_dense_stable_ids() {
        let mut i = Interner::default();
        assert_eq!(i.intern("b"), 0);
        assert_eq!(i.intern("a"), 1);
        assert_eq!(i.intern("b"), 0);
        assert_eq!(i.len(), 2);
        assert_eq!(i.resolve(1), "a");
        assert_eq!(i.get("a"), Some(1));
        assert_eq!(i.get("c"), None);
        assert_eq!(i.resolve_opt(NONE), None);
        assert_eq!(i.intern(""), 2);
        assert_eq!(i.strings().collect::<Vec<_>>(), ["b", "a", ""]);
    }

    #[test]
    fn ids_with_the_same_hash_are_told_apart_by_the_caller() {
        let mut index = HashIndex::default();
        let keys = ["x", "y", "z"];
        for _ in keys {
            index.push(7);
        }
        for (i, k) in keys.iter().enumerate() {
            assert_eq!(index.find(7, |id| keys[id as usize] == *k), Some(i as u32));
        }
        assert_eq!(index.find(7, |_| false), None);
        assert_eq!(index.find(8, |_| true), None);
        assert_eq!(index.len(), 3);
    }

    #[test]
    fn high_and_low_halves_of_packed_keys_both_spread() {
        // (day << 32 | attacker): keys differing only in the day must not
        // share a bucket, or per-day sets degrade to lists.
        let b = FoldBuild;
        let buckets: FastSet<u64> = (0..1000u64)
            .map(|d| b.hash_one((d << 32) | 7) & 0xfff)
            .collect();
        assert!(buckets.len() > 800, "{}", buckets.len());
    }
}
