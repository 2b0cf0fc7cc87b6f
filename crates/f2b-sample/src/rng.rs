//! Deterministic pseudo-random numbers.
//!
//! Everything the generator writes follows from the user's seed, so the same
//! arguments give the same bytes on every machine. SplitMix64 is small, fast
//! and good enough for shaping test data; independent streams (the world, the
//! plan, each incident) are derived from the seed and a label so that changing
//! one part of the generator does not reshuffle all the others.

/// The SplitMix64 increment (the golden ratio in 64-bit fixed point).
const GOLDEN: u64 = 0x9E37_79B9_7F4A_7C15;

/// SplitMix64's output function: a strong 64-bit mixer.
fn mix(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// FNV-1a over bytes: turns a seed string or stream label into 64 bits.
pub fn hash_text(text: &str) -> u64 {
    text.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3)
    })
}

/// A SplitMix64 generator.
#[derive(Clone, Debug)]
pub struct Rng {
    state: u64,
}

impl Rng {
    /// A generator seeded with `seed`.
    pub fn new(seed: u64) -> Rng {
        Rng { state: mix(seed) }
    }

    /// An independent stream for (`seed`, `label`, `index`).
    pub fn derive(seed: u64, label: &str, index: u64) -> Rng {
        Rng::new(mix(seed ^ hash_text(label)) ^ mix(index.wrapping_mul(GOLDEN) ^ 0x5bd1_e995))
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.state = self.state.wrapping_add(GOLDEN);
        mix(self.state)
    }

    /// A number in `0..n` (0 when `n` is 0), without modulo bias worth noting.
    pub fn below(&mut self, n: u64) -> u64 {
        ((u128::from(self.next_u64()) * u128::from(n)) >> 64) as u64
    }

    /// An index in `0..n`.
    pub fn index(&mut self, n: usize) -> usize {
        self.below(n as u64) as usize
    }

    /// A number in `lo..=hi`.
    pub fn range(&mut self, lo: i64, hi: i64) -> i64 {
        if hi <= lo {
            return lo;
        }
        lo + self.below((hi - lo) as u64 + 1) as i64
    }

    /// A number in `[0, 1)`.
    pub fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }

    /// True with probability `p`.
    pub fn chance(&mut self, p: f64) -> bool {
        p > 0.0 && self.unit() < p
    }

    /// An exponentially distributed number with the given mean.
    pub fn exp(&mut self, mean: f64) -> f64 {
        -mean * (1.0 - self.unit()).ln()
    }

    /// One item of a non-empty slice.
    pub fn pick<T: Copy>(&mut self, items: &[T]) -> T {
        items[self.index(items.len())]
    }
}

/// Items with weights, drawn in proportion to the weights.
#[derive(Clone, Debug)]
pub struct Weighted<T> {
    items: Vec<T>,
    cumulative: Vec<f64>,
}

impl<T> Weighted<T> {
    /// A table from (item, weight) pairs; items of weight 0 are never drawn.
    pub fn new(pairs: impl IntoIterator<Item = (T, f64)>) -> Weighted<T> {
        let mut items = Vec::new();
        let mut cumulative = Vec::new();
        let mut total = 0.0;
        for (item, weight) in pairs {
            if weight > 0.0 {
                total += weight;
                items.push(item);
                cumulative.push(total);
            }
        }
        Weighted { items, cumulative }
    }

    /// True when nothing can be drawn.
    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    /// Draws one item (the table must not be empty).
    pub fn pick(&self, rng: &mut Rng) -> &T {
        &self.items[draw(&self.cumulative, rng)]
    }

    /// The items in table order.
    pub fn items(&self) -> &[T] {
        &self.items
    }
}

/// Index of a cumulative-weight table drawn in proportion to the weights.
fn draw(cumulative: &[f64], rng: &mut Rng) -> usize {
    let total = cumulative.last().copied().unwrap_or(0.0);
    let x = rng.unit() * total;
    cumulative
        .partition_point(|&c| c <= x)
        .min(cumulative.len().saturating_sub(1))
}

/// A popularity ranking: index `i` of `n` is drawn with weight
/// `1 / (i + offset)^exponent` — a few very busy items and a long tail, as
/// with attackers that come back again and again and servers that report a lot.
#[derive(Clone, Debug)]
pub struct Popularity {
    cumulative: Vec<f64>,
}

impl Popularity {
    /// A ranking of `n` items.
    pub fn new(n: usize, offset: f64, exponent: f64) -> Popularity {
        let mut total = 0.0;
        let cumulative = (0..n)
            .map(|i| {
                total += 1.0 / (i as f64 + offset).powf(exponent);
                total
            })
            .collect();
        Popularity { cumulative }
    }

    /// A ranking with explicit weights.
    pub fn from_weights(weights: impl IntoIterator<Item = f64>) -> Popularity {
        let mut total = 0.0;
        let cumulative = weights
            .into_iter()
            .map(|w| {
                total += w.max(0.0);
                total
            })
            .collect();
        Popularity { cumulative }
    }

    /// Draws an index (the ranking must not be empty).
    pub fn pick(&self, rng: &mut Rng) -> usize {
        draw(&self.cumulative, rng)
    }

    /// Number of ranked items.
    pub fn len(&self) -> usize {
        self.cumulative.len()
    }

    /// True when there is nothing to draw.
    pub fn is_empty(&self) -> bool {
        self.cumulative.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_seed_gives_same_numbers() {
        let a: Vec<u64> = {
            let mut r = Rng::derive(7, "x", 3);
            (0..5).map(|_| r.next_u64()).collect()
        };
        let mut r = Rng::derive(7, "x", 3);
        assert_eq!(a, (0..5).map(|_| r.next_u64()).collect::<Vec<_>>());
        let mut other = Rng::derive(7, "x", 4);
        assert_ne!(a[0], other.next_u64());
    }

    #[test]
    fn below_and_range_stay_in_bounds() {
        let mut r = Rng::new(1);
        for _ in 0..10_000 {
            assert!(r.below(7) < 7);
            let x = r.range(-3, 3);
            assert!((-3..=3).contains(&x));
            let u = r.unit();
            assert!((0.0..1.0).contains(&u));
        }
    }

    #[test]
    fn weighted_draws_follow_weights_and_skip_zero() {
        let table = Weighted::new([("a", 3.0), ("never", 0.0), ("b", 1.0)]);
        let mut r = Rng::new(2);
        let a = (0..40_000).filter(|_| *table.pick(&mut r) == "a").count();
        assert!((29_000..31_000).contains(&a), "{a}");
        assert_eq!(table.items(), ["a", "b"]);
    }

    #[test]
    fn popularity_favours_the_first_items() {
        let p = Popularity::new(1000, 1.0, 1.0);
        let mut r = Rng::new(3);
        let first = (0..10_000).filter(|_| p.pick(&mut r) == 0).count();
        assert!(first > 1000, "{first}");
    }
}
