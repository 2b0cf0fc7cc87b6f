//! Finding phrases in mail text: one pass per text for a whole set of
//! phrases, ignoring ASCII case (aho-corasick), instead of one scan each.

use std::sync::LazyLock;

use aho_corasick::{AhoCorasick, AhoCorasickBuilder, AhoCorasickKind, MatchKind};

/// A set of phrases searched for together.
pub struct Phrases {
    automaton: AhoCorasick,
}

impl Phrases {
    /// Builds the set; earlier phrases win where matches start at the same place.
    pub fn new(phrases: &[&str]) -> Phrases {
        let automaton = AhoCorasickBuilder::new()
            .kind(Some(AhoCorasickKind::DFA))
            .ascii_case_insensitive(true)
            .match_kind(MatchKind::LeftmostFirst)
            .build(phrases)
            .unwrap_or_else(|e| panic!("phrase set does not build: {e}"));
        Phrases { automaton }
    }

    /// The first match in `text`: (phrase index, byte offset).
    pub fn first(&self, text: &str) -> Option<(usize, usize)> {
        self.automaton
            .find(text)
            .map(|m| (m.pattern().as_usize(), m.start()))
    }

    /// Every non-overlapping match in `text`: (phrase index, byte offset).
    pub fn all<'a>(&'a self, text: &'a str) -> impl Iterator<Item = (usize, usize)> + 'a {
        self.automaton
            .find_iter(text)
            .map(|m| (m.pattern().as_usize(), m.start()))
    }

    /// True when any phrase occurs in `text`.
    pub fn any(&self, text: &str) -> bool {
        self.automaton.is_match(text)
    }
}

/// Declares a lazily built, shared phrase set.
#[macro_export]
macro_rules! phrases {
    ($name:ident, [$($p:expr),+ $(,)?]) => {
        static $name: std::sync::LazyLock<$crate::scan::Phrases> =
            std::sync::LazyLock::new(|| $crate::scan::Phrases::new(&[$($p),+]));
    };
}

/// `[fail2ban]` anywhere, any case.
pub static TAG: LazyLock<Phrases> = LazyLock::new(|| Phrases::new(&["[fail2ban]"]));

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
}
