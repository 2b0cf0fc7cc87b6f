//! The hot path's shortcut from the raw text of a group of fields to what
//! it stands for (a geo, a place, a reporter entry), so that a record whose
//! fields were seen before is neither decoded nor interned again.
//!
//! A [`RawCache`] is keyed by the raw text of a few fields of the group (the
//! address; the reporter's names), and keeps per key the raw text of the
//! other fields with the id each combination stands for: a short key to
//! hash and a comparison in place, where hashing and comparing the text of
//! all the fields as one key (~150 bytes for a geo) cost three times as
//! much (callgrind). A key keeps up to [`VARIANTS`] combinations (the first
//! ones and the latest); the cache is only a shortcut, a combination that is
//! not (or no longer) in it is decoded again by the caller, so a key with
//! many combinations costs time, never memory. Records without any key
//! field (anonymized ones) are keyed by all their fields.

use std::hash::{BuildHasher, Hasher};

use f2b_core::scan::same;

use crate::fields::{Field, Values};
use crate::intern::{FoldBuild, HashIndex};

/// Combinations of the other fields a [`RawCache`] keeps per key.
pub const VARIANTS: usize = 8;

/// The fields of a group: `K` that key the cache, `O` others.
pub struct Group<const K: usize, const O: usize> {
    /// The key fields.
    pub keys: [Field; K],
    /// The other fields, the one that most often tells the combinations of
    /// a key apart first.
    pub others: [Field; O],
}

/// See the module documentation.
#[derive(Default)]
pub struct RawCache {
    index: HashIndex,
    keys: Vec<CachedKey>,
    /// What the last [`RawCache::get`] found: the hash of its key and its
    /// entry in `keys`, if it has one.
    last: (u64, Option<u32>),
}

/// A key of a [`RawCache`] with its combinations of the other fields, each
/// written as the lengths of its texts (four bytes each) then the texts.
/// The key and its first combination share one allocation.
struct CachedKey {
    /// The key, then the first combination (nothing when `keyless`).
    bytes: Box<[u8]>,
    key_len: usize,
    /// The key is the other fields, the key fields being all absent.
    keyless: bool,
    first: u32,
    more: Vec<(Box<[u8]>, u32)>,
}

impl RawCache {
    /// The id the fields `group` of `v` stand for, if they were seen before.
    /// Remembers what it found for [`RawCache::insert`].
    #[inline(always)]
    pub fn get<const K: usize, const O: usize>(
        &mut self,
        v: &Values<'_>,
        group: &Group<K, O>,
    ) -> Option<u32> {
        let keys = group.keys.map(|f| v.raw(f));
        let others = group.others.map(|f| v.raw(f));
        // Without a key field (anonymized records have no addresses and no
        // host names), the others are the key: one key with all the
        // combinations would keep only a few of them.
        let keyless = keys.iter().all(|k| k.is_empty());
        let hash = if keyless {
            hash_texts(others) ^ KEYLESS
        } else {
            hash_texts(keys)
        };
        let found = self.index.find(hash, |i| {
            self.keys.get(i as usize).is_some_and(|k| {
                let key = k.bytes.get(..k.key_len).unwrap_or_default();
                k.keyless == keyless
                    && if keyless {
                        holds(key, others)
                    } else {
                        holds(key, keys)
                    }
            })
        });
        self.last = (hash, found);
        let k = self.keys.get(found? as usize)?;
        if keyless || holds(k.bytes.get(k.key_len..).unwrap_or_default(), others) {
            return Some(k.first);
        }
        k.more
            .iter()
            .find(|(raw, _)| holds(raw, others))
            .map(|&(_, id)| id)
    }

    /// Remembers that the fields `group` of `v`, just looked up in vain
    /// with [`RawCache::get`], stand for `id`.
    #[cold]
    pub fn insert<const K: usize, const O: usize>(
        &mut self,
        v: &Values<'_>,
        group: &Group<K, O>,
        id: u32,
    ) {
        let (hash, found) = self.last;
        let keys = group.keys.map(|f| v.raw(f));
        let others = group.others.map(|f| v.raw(f));
        let keyless = keys.iter().all(|k| k.is_empty());
        match found.and_then(|i| self.keys.get_mut(i as usize)) {
            Some(k) if !keyless => {
                let mut bytes = Vec::with_capacity(written_len(others));
                write(&mut bytes, others);
                let variant = (bytes.into_boxed_slice(), id);
                if k.more.len() + 1 < VARIANTS {
                    k.more.push(variant);
                } else {
                    k.more[VARIANTS - 2] = variant;
                }
            }
            _ => {
                let mut bytes = Vec::with_capacity(written_len(keys) + written_len(others));
                if keyless {
                    write(&mut bytes, others);
                } else {
                    write(&mut bytes, keys);
                }
                let key_len = bytes.len();
                if !keyless {
                    write(&mut bytes, others);
                }
                self.keys.push(CachedKey {
                    bytes: bytes.into_boxed_slice(),
                    key_len,
                    keyless,
                    first: id,
                    more: Vec::new(),
                });
                self.index.push(hash);
            }
        }
    }

    /// Number of keys.
    pub fn len(&self) -> usize {
        self.keys.len()
    }

    /// True when nothing is cached.
    pub fn is_empty(&self) -> bool {
        self.keys.is_empty()
    }

    /// Number of combinations cached for the `i`-th key.
    pub fn variants(&self, i: usize) -> usize {
        self.keys.get(i).map_or(0, |k| 1 + k.more.len())
    }
}

/// Mixed into the hash of the other fields used as the key.
const KEYLESS: u64 = 0x5851_f42d_4c95_7f2d;

/// The hash of a few texts.
#[inline(always)]
fn hash_texts<const N: usize>(texts: [&[u8]; N]) -> u64 {
    // One hasher over all (each text's length goes in before it).
    let mut h = FoldBuild.build_hasher();
    for t in texts {
        h.write(t);
    }
    h.finish()
}

/// Appends `texts` to `out` as a [`CachedKey`] keeps them.
fn write<const N: usize>(out: &mut Vec<u8>, texts: [&[u8]; N]) {
    for t in texts {
        out.extend_from_slice(&(t.len() as u32).to_le_bytes());
    }
    for t in texts {
        out.extend_from_slice(t);
    }
}

/// How many bytes [`write()`] appends.
fn written_len<const N: usize>(texts: [&[u8]; N]) -> usize {
    texts.iter().map(|t| 4 + t.len()).sum()
}

/// True when `raw` (as [`write()`] writes them) holds exactly `texts`.
#[inline(always)]
fn holds<const N: usize>(raw: &[u8], texts: [&[u8]; N]) -> bool {
    let Some((lens, mut body)) = raw.split_at_checked(4 * N) else {
        return false;
    };
    let lens_match = lens
        .chunks_exact(4)
        .zip(texts)
        .all(|(n, t)| n == (t.len() as u32).to_le_bytes());
    if !lens_match {
        return false;
    }
    for t in texts {
        match body.split_at_checked(t.len()) {
            Some((known, rest)) if same(known, t) => body = rest,
            _ => return false,
        }
    }
    body.is_empty()
}

#[cfg(test)]
mod tests {
    use super::*;

    const GROUP: Group<1, 2> = Group {
        keys: [Field::Ip],
        others: [Field::Country, Field::City],
    };

    fn values<'a>(ip: &'a str, country: &'a str, city: &'a str) -> Values<'a> {
        let mut v = Values::default();
        v.set(Field::Ip, ip);
        v.set(Field::Country, country);
        v.set(Field::City, city);
        v
    }

    #[test]
    fn combinations_are_found_by_all_their_texts() {
        let mut c = RawCache::default();
        let a = values("\"192.0.2.1\"", "\"FR\"", "null");
        assert_eq!(c.get(&a, &GROUP), None);
        c.insert(&a, &GROUP, 7);
        assert_eq!(c.get(&a, &GROUP), Some(7));
        // Same texts split differently between the fields: another combination.
        let b = values("\"192.0.2.1\"", "\"FR\"nul", "l");
        assert_eq!(c.get(&b, &GROUP), None);
        c.insert(&b, &GROUP, 8);
        assert_eq!(c.get(&b, &GROUP), Some(8));
        assert_eq!(c.get(&a, &GROUP), Some(7));
        assert_eq!(c.get(&values("", "\"FR\"", "null"), &GROUP), None);
        assert_eq!((c.len(), c.variants(0)), (1, 2));
    }

    #[test]
    fn without_a_key_field_every_combination_is_its_own_key() {
        let mut c = RawCache::default();
        for round in 0..2 {
            for i in 0..20u32 {
                let city = format!("\"c{i}\"");
                let v = values("", "\"FR\"", &city);
                if round == 0 {
                    assert_eq!(c.get(&v, &GROUP), None);
                    c.insert(&v, &GROUP, i);
                }
                assert_eq!(c.get(&v, &GROUP), Some(i));
            }
        }
        assert_eq!(c.len(), 20);
        // The same texts with a key field are another key.
        assert_eq!(c.get(&values("\"c0\"", "\"FR\"", "\"c0\""), &GROUP), None);
    }

    #[test]
    fn a_key_keeps_a_bounded_number_of_combinations() {
        let mut c = RawCache::default();
        let cities: Vec<String> = (0..20).map(|i| format!("\"c{i}\"")).collect();
        for (i, city) in cities.iter().enumerate() {
            let v = values("\"192.0.2.1\"", "\"FR\"", city);
            assert_eq!(c.get(&v, &GROUP), None);
            c.insert(&v, &GROUP, i as u32);
            assert_eq!(c.get(&v, &GROUP), Some(i as u32));
        }
        assert_eq!((c.len(), c.variants(0)), (1, VARIANTS));
        let first = values("\"192.0.2.1\"", "\"FR\"", &cities[0]);
        assert_eq!(c.get(&first, &GROUP), Some(0));
    }
}
