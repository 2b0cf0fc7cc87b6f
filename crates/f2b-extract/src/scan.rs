//! Finding phrases in mail text: one pass per text for a whole set of
//! phrases, ignoring ASCII case (aho-corasick), instead of one scan each.
//!
//! The text is searched in ASCII lower case (a per-thread copy) for the
//! phrases in lower case: the same matches at the same offsets as an
//! ASCII-case-insensitive search, but aho-corasick can then skip ahead with
//! its SIMD prefilters instead of stepping its automaton over every byte.
//! The copy is made of a first kilobyte, and of the rest only if the search
//! gets there: most phrases are found near the start of a text.

use std::cell::RefCell;
use std::sync::LazyLock;

use aho_corasick::{AhoCorasick, AhoCorasickBuilder, AhoCorasickKind, Input, MatchKind};

/// Bytes lower-cased at a time.
const CHUNK: usize = 1024;

/// A set of phrases searched for together.
pub struct Phrases {
    automaton: AhoCorasick,
    /// Length of the longest phrase.
    longest: usize,
}

impl Phrases {
    /// Builds the set; earlier phrases win where matches start at the same place.
    pub fn new(phrases: &[&str]) -> Phrases {
        let lower: Vec<String> = phrases.iter().map(|p| p.to_ascii_lowercase()).collect();
        let automaton = AhoCorasickBuilder::new()
            .kind(Some(AhoCorasickKind::DFA))
            .match_kind(MatchKind::LeftmostFirst)
            .build(&lower)
            .unwrap_or_else(|e| panic!("phrase set does not build: {e}"));
        let longest = lower.iter().map(String::len).max().unwrap_or(1).max(1);
        Phrases { automaton, longest }
    }

    /// The first match in `text`: (phrase index, byte offset).
    pub fn first(&self, text: &str) -> Option<(usize, usize)> {
        self.find_map(text, |phrase, at| Some((phrase, at)))
    }

    /// Every non-overlapping match in `text`: (phrase index, byte offset).
    pub fn all(&self, text: &str) -> Vec<(usize, usize)> {
        let mut all = Vec::new();
        self.find_map(text, |phrase, at| {
            all.push((phrase, at));
            None::<()>
        });
        all
    }

    /// The first `Some` that `f` makes of the matches in `text`, taken in
    /// order (non-overlapping): (phrase index, byte offset). The search
    /// stops there.
    pub fn find_map<R>(
        &self,
        text: &str,
        mut f: impl FnMut(usize, usize) -> Option<R>,
    ) -> Option<R> {
        let text = text.as_bytes();
        with_buffer(|lower| {
            lower.clear();
            let mut from = 0;
            while let Some((phrase, start, end)) = self.find_from(text, lower, from) {
                if let Some(found) = f(phrase, start) {
                    return Some(found);
                }
                from = end;
            }
            None
        })
    }

    /// True when any phrase occurs in `text`.
    pub fn any(&self, text: &str) -> bool {
        let text = text.as_bytes();
        with_buffer(|lower| {
            lower.clear();
            let mut from = 0;
            while from < text.len() {
                let (until, window) = self.window(text, lower, from);
                if self
                    .automaton
                    .is_match(Input::new(&lower[..window]).range(from..window))
                {
                    return true;
                }
                from = until;
            }
            false
        })
    }

    /// The next stretch to search from `from`: matches starting before
    /// `until` end within `window`, up to which `lower` is made to reach.
    fn window(&self, text: &[u8], lower: &mut Vec<u8>, from: usize) -> (usize, usize) {
        // A first kilobyte, then the rest at once.
        let step = if lower.len() < CHUNK {
            CHUNK
        } else {
            text.len()
        };
        let until = (from + step).min(text.len());
        let window = (until + self.longest - 1).min(text.len());
        if lower.len() < window {
            let start = lower.len();
            lower.extend_from_slice(&text[start..window]);
            lower[start..].make_ascii_lowercase();
        }
        (until, window)
    }

    /// The leftmost-first match that starts at `from` or later: (phrase,
    /// start, end). `lower` holds a lower-cased prefix of `text` and is
    /// extended as far as needed.
    fn find_from(
        &self,
        text: &[u8],
        lower: &mut Vec<u8>,
        mut from: usize,
    ) -> Option<(usize, usize, usize)> {
        while from < text.len() {
            // Matches starting before `until` are all seen whole, so the
            // leftmost of them is the leftmost of all.
            let (until, window) = self.window(text, lower, from);
            let input = Input::new(&lower[..window]).range(from..window);
            match self.automaton.find(input) {
                Some(m) if m.start() < until || window == text.len() => {
                    return Some((m.pattern().as_usize(), m.start(), m.end()));
                }
                // None starts before `until`.
                _ if window == text.len() => return None,
                _ => from = until,
            }
        }
        None
    }
}

/// Runs `search` with this thread's lower-case buffer.
fn with_buffer<R>(search: impl FnOnce(&mut Vec<u8>) -> R) -> R {
    thread_local! {
        static LOWER: RefCell<Vec<u8>> = const { RefCell::new(Vec::new()) };
    }
    LOWER.with(|buffer| match buffer.try_borrow_mut() {
        Ok(mut lower) => {
            let found = search(&mut lower);
            // Do not keep a huge text's buffer for the rest of the run.
            if lower.capacity() > 1 << 20 {
                *lower = Vec::new();
            }
            found
        }
        // Only if a search ran inside a search: use a buffer of its own.
        Err(_) => search(&mut Vec::new()),
    })
}

/// Declares a lazily built, shared phrase set.
#[macro_export]
macro_rules! phrases {
    ($name:ident, [$($p:expr),+ $(,)?]) => {
        static $name: std::sync::LazyLock<$crate::scan::Phrases> =
            std::sync::LazyLock::new(|| $crate::scan::Phrases::new(&[$($p),+]));
    };
}

/// The start of a `[Fail2Ban]` tag (`[fail2ban]`, `[Fail2Ban-site]`)
/// anywhere, any case.
pub static TAG: LazyLock<Phrases> = LazyLock::new(|| Phrases::new(&["[fail2ban"]));

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn first_match_ignores_case_and_prefers_earlier_phrases_at_one_place() {
        let p = Phrases::new(&["have been banned by fail2ban", "banned by fail2ban"]);
        assert_eq!(
            p.first("These hosts HAVE BEEN banned by Fail2Ban."),
            Some((0, 12))
        );
        assert_eq!(p.first("has just been banned by Fail2Ban"), Some((1, 14)));
        assert_eq!(p.first("nothing"), None);
    }

    /// The search goes a chunk at a time: matches across chunk edges, and
    /// every match, are found as by one search over the whole text.
    #[test]
    fn chunked_search_finds_what_one_search_finds() {
        let phrases = ["will be retried", "retried", "be", "zz"];
        let p = Phrases::new(&phrases);
        let whole = aho_corasick::AhoCorasick::builder()
            .ascii_case_insensitive(true)
            .match_kind(MatchKind::LeftmostFirst)
            .build(phrases)
            .unwrap();
        for len in [0, 5, 1000, 1020, 1024, 1030, 2048, 2050, 5000] {
            for at in [0, 1, 1010, 1015, 1023, 1024, 2040, 4990] {
                let mut text = "x".repeat(len);
                if at + 15 <= len {
                    text.replace_range(at..at + 15, "Will BE Retried");
                }
                let expected: Vec<(usize, usize)> = whole
                    .find_iter(&text)
                    .map(|m| (m.pattern().as_usize(), m.start()))
                    .collect();
                assert_eq!(p.all(&text), expected, "{len} {at}");
                assert_eq!(p.first(&text), expected.first().copied(), "{len} {at}");
                assert_eq!(p.any(&text), !expected.is_empty());
            }
        }
    }
}
