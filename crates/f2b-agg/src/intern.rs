//! Fast hashing and string interning: every distinct key is stored once and
//! handled as a `u32` id on the hot path.

use std::collections::{HashMap, HashSet};
use std::hash::{BuildHasher, Hasher};
use std::rc::Rc;

/// Id of "no value" (an unknown field) wherever ids are used.
pub const NONE: u32 = u32::MAX;

const K: u64 = 0x9e37_79b9_7f4a_7c15;

/// A small, fast, deterministic hasher (folded multiply over 8-byte words).
///
/// The keys hashed here are short strings and packed integers from one run;
/// nothing depends on hash order (every output is sorted), so there is no need
/// for the DoS-resistant but slower default hasher.
#[derive(Default, Clone, Copy)]
pub struct FoldHasher(u64);

#[inline(always)]
fn fold(a: u64, b: u64) -> u64 {
    let p = u128::from(a).wrapping_mul(u128::from(b));
    (p as u64) ^ ((p >> 64) as u64)
}

impl Hasher for FoldHasher {
    #[inline]
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

/// Builds [`FoldHasher`]s.
#[derive(Default, Clone, Copy)]
pub struct FoldBuild;

impl BuildHasher for FoldBuild {
    type Hasher = FoldHasher;
    #[inline]
    fn build_hasher(&self) -> FoldHasher {
        FoldHasher(0x243f_6a88_85a3_08d3)
    }
}

/// A `HashMap` with the fast hasher.
pub type FastMap<K, V> = HashMap<K, V, FoldBuild>;
/// A `HashSet` with the fast hasher.
pub type FastSet<K> = HashSet<K, FoldBuild>;

/// Distinct strings, each with a dense id in order of first appearance.
#[derive(Default)]
pub struct Interner {
    ids: FastMap<Rc<str>, u32>,
    strings: Vec<Rc<str>>,
}

impl Interner {
    /// The id of `s`, adding it when new.
    pub fn intern(&mut self, s: &str) -> u32 {
        if let Some(&id) = self.ids.get(s) {
            return id;
        }
        let id = self.strings.len() as u32;
        let rc: Rc<str> = Rc::from(s);
        self.strings.push(rc.clone());
        self.ids.insert(rc, id);
        id
    }

    /// The id of `s`, if it was interned.
    pub fn get(&self, s: &str) -> Option<u32> {
        self.ids.get(s).copied()
    }

    /// The string of `id`.
    pub fn resolve(&self, id: u32) -> &str {
        &self.strings[id as usize]
    }

    /// The string of `id`, or `None` for [`NONE`].
    pub fn resolve_opt(&self, id: u32) -> Option<&str> {
        (id != NONE).then(|| self.resolve(id))
    }

    /// Number of distinct strings.
    pub fn len(&self) -> usize {
        self.strings.len()
    }

    /// True when nothing was interned.
    pub fn is_empty(&self) -> bool {
        self.strings.is_empty()
    }

    /// Every string, by id.
    pub fn strings(&self) -> impl ExactSizeIterator<Item = &str> {
        self.strings.iter().map(|s| &**s)
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
