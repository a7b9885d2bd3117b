//! Okapi BM25, the ranking function of most search engines (Lucene's default), over the terms of
//! `segment`. A score is a sum over the query's terms found in a document: each term weighs its
//! rarity in the corpus (idf) times its count in the document, damped (`k1`) and normalised by
//! the document's length against the average (`b`). `similarity` divides by the score the query
//! would get against itself, so a text search gives a figure between 0 and 1 that can be mixed
//! with other signals and held to a threshold.

use super::segment::TermCounts;

/// The corpus a score is taken in: how many documents, and their average length in terms.
#[derive(Debug, Clone, Copy)]
pub struct Corpus {
    pub documents: u64,
    pub average_length: f64,
}

impl Corpus {
    /// The corpus of `documents` documents whose lengths add up to `total_length` (as a COUNT
    /// and a SUM come back from the database).
    pub fn from_totals(documents: i64, total_length: Option<i64>) -> Corpus {
        let documents = u64::try_from(documents).unwrap_or(0);
        Corpus {
            documents,
            average_length: if documents == 0 {
                0.0
            } else {
                total_length.unwrap_or(0) as f64 / documents as f64
            },
        }
    }
}

/// BM25's two parameters.
#[derive(Debug, Clone, Copy)]
pub struct Bm25 {
    /// How fast a term's repeats stop adding (1.2: the usual value).
    pub k1: f64,
    /// How much a long document is discounted (0.75: the usual value).
    pub b: f64,
}

impl Default for Bm25 {
    fn default() -> Self {
        Bm25 { k1: 1.2, b: 0.75 }
    }
}

impl Bm25 {
    /// The rarity of a term found in `df` of the corpus's documents (Lucene's form, never
    /// negative).
    pub fn idf(&self, corpus: Corpus, df: u64) -> f64 {
        let n = corpus.documents.max(df) as f64;
        let df = df as f64;
        (1.0 + (n - df + 0.5) / (df + 0.5)).ln()
    }

    /// One term's part of a document's score.
    pub fn weight(&self, idf: f64, tf: u32, length: u32, corpus: Corpus) -> f64 {
        if tf == 0 {
            return 0.0;
        }
        let tf = f64::from(tf);
        let average = if corpus.average_length > 0.0 {
            corpus.average_length
        } else {
            1.0
        };
        let norm = 1.0 - self.b + self.b * f64::from(length) / average;
        idf * tf * (self.k1 + 1.0) / (tf + self.k1 * norm)
    }

    /// The score of a document (its term counts `doc` and length) for the query's terms;
    /// `df` gives each query term's document frequency.
    pub fn score(
        &self,
        corpus: Corpus,
        query: &TermCounts,
        doc: &TermCounts,
        length: u32,
        df: impl Fn(&str) -> u64,
    ) -> f64 {
        query
            .keys()
            .filter_map(|term| doc.get(term).map(|tf| (term, *tf)))
            .map(|(term, tf)| self.weight(self.idf(corpus, df(term)), tf, length, corpus))
            .sum()
    }

    /// The score as a share of the query's score against itself: 1 when the document holds
    /// every query term as often (at the query's length), 0 when it holds none.
    pub fn similarity(
        &self,
        corpus: Corpus,
        query: &TermCounts,
        doc: &TermCounts,
        length: u32,
        df: impl Fn(&str) -> u64,
    ) -> f64 {
        let own_length = super::segment::length(query);
        let best = self.score(corpus, query, query, own_length, &df);
        if best <= 0.0 {
            return 0.0;
        }
        (self.score(corpus, query, doc, length, &df) / best).min(1.0)
    }
}

/// The terms a text is searched by: all of them, or for a long text its `max` rarest (the ones
/// that tell it apart; ties by the term), with their counts.
pub fn rarest(terms: &TermCounts, df: impl Fn(&str) -> u64, max: usize) -> TermCounts {
    let mut by_rarity: Vec<&String> = terms.keys().collect();
    by_rarity.sort_by_key(|t| (df(t), (*t).clone()));
    by_rarity.into_iter().take(max).map(|t| (t.clone(), terms[t])).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::search::segment::{length, terms};

    #[test]
    fn rare_terms_weigh_more_and_length_discounts() {
        let bm = Bm25::default();
        let corpus = Corpus {
            documents: 1000,
            average_length: 10.0,
        };
        assert!(bm.idf(corpus, 1) > bm.idf(corpus, 500));
        assert!(bm.idf(corpus, 1000) >= 0.0);
        assert!(bm.weight(2.0, 1, 5, corpus) > bm.weight(2.0, 1, 50, corpus));
        assert!(bm.weight(2.0, 3, 10, corpus) > bm.weight(2.0, 1, 10, corpus));
    }

    #[test]
    fn similarity_ranks_the_same_problem_above_another() {
        let bm = Bm25::default();
        let corpus = Corpus {
            documents: 100,
            // Words and their character pairs: some 20 terms a short request.
            average_length: 20.0,
        };
        let df = |t: &str| if t == "道路" { 20 } else { 3 };
        let query = terms("园区道路被重卡压坏，路面坑洼");
        let same = terms("大货车把厂门口的马路压得坑洼不平");
        let other = terms("员工子女入学需要哪些材料");
        let s_same = bm.similarity(corpus, &query, &same, length(&same), df);
        let s_other = bm.similarity(corpus, &query, &other, length(&other), df);
        assert!(s_same > 0.2, "{s_same}");
        assert_eq!(s_other, 0.0);
        let itself = bm.similarity(corpus, &query, &query, length(&query), df);
        assert!((itself - 1.0).abs() < 1e-9);
    }
}
