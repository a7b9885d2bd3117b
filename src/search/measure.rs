//! How good a ranking is, measured against labels: precision and recall of the top `k`
//! suggestions, summed over many searches (micro-averaged, as information-retrieval evaluations
//! usually report them). A search's recall counts at most `k` relevant items (a search with five
//! right answers can show only three), so a perfect top `k` scores 1 on both.
//!
//! Used by the tests that hold similar requests to their targets (the API test on both
//! backends and the offline measure in `requests::similar`), so both count alike.

use std::collections::HashSet;
use std::hash::Hash;

/// Counts over the searches measured so far.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct AtK {
    /// Suggestions shown.
    pub suggested: usize,
    /// Suggestions shown that were relevant.
    pub correct: usize,
    /// Relevant items that could have been shown (at most `k` per search).
    pub relevant: usize,
}

impl AtK {
    /// Adds one search: what it suggested (best first, already cut to `k`) and what was relevant.
    pub fn add<T: Eq + Hash>(&mut self, k: usize, suggested: &[T], relevant: &HashSet<T>) {
        let shown = &suggested[..suggested.len().min(k)];
        self.suggested += shown.len();
        self.correct += shown.iter().filter(|s| relevant.contains(*s)).count();
        self.relevant += relevant.len().min(k);
    }

    /// The share of suggestions that were right (1 when nothing was suggested).
    pub fn precision(&self) -> f64 {
        if self.suggested == 0 {
            1.0
        } else {
            self.correct as f64 / self.suggested as f64
        }
    }

    /// The share of what could have been found that was (1 when nothing was relevant).
    pub fn recall(&self) -> f64 {
        if self.relevant == 0 {
            1.0
        } else {
            self.correct as f64 / self.relevant as f64
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_the_top_k_and_caps_what_could_be_found() {
        let mut m = AtK::default();
        let relevant: HashSet<&str> = ["a", "b", "c", "d"].into_iter().collect();
        m.add(3, &["a", "x", "b", "c"], &relevant);
        assert_eq!(
            m,
            AtK {
                suggested: 3,
                correct: 2,
                relevant: 3
            }
        );
        m.add(3, &[], &["e"].into_iter().collect());
        assert_eq!(m.relevant, 4);
        assert!((m.precision() - 2.0 / 3.0).abs() < 1e-12);
        assert!((m.recall() - 0.5).abs() < 1e-12);
        assert_eq!(AtK::default().precision(), 1.0);
    }
}
