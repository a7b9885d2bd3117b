//! The labelled set measured offline: the same scoring as `rank`, over the fixture's requests
//! held in memory instead of the index tables, so a change to segmentation or scoring is
//! measured in a second. The API test (`tests/api/similar_requests.rs`) measures the same set
//! through GraphQL on both backends; both must meet the target.
//!
//! Besides the whole set, it reports two halves of the problems apart (every other problem, in
//! the file's order): a method fitted to one half would show it on the other.

use std::collections::{BTreeMap, HashSet};

use chrono::{Duration, NaiveDate, NaiveDateTime};
use serde::Deserialize;

use super::service::{score, Candidate, Reference, DEFAULT_FIRST, MAX_QUERY_TERMS, WINDOW_DAYS};
use crate::search::measure::AtK;
use crate::search::segment::{length, terms};
use crate::search::{rarest, Bm25, Corpus, TermCounts};

/// The target of issue 19 for precision and recall at 3.
const TARGET: f64 = 0.8;

#[derive(Deserialize)]
struct Fixture {
    requests: Vec<Labelled>,
}

#[derive(Deserialize)]
struct Labelled {
    key: String,
    problem: String,
    category: String,
    day: i64,
    title: String,
    description: String,
}

struct Doc<'a> {
    labelled: &'a Labelled,
    terms: TermCounts,
    at: NaiveDateTime,
}

/// Every request asks for its top 3 among the others; returns the counts for the requests of
/// each half of the problems, and the misses.
fn measure(fixture: &Fixture) -> ([AtK; 2], Vec<String>) {
    let start = NaiveDate::from_ymd_opt(2026, 1, 5)
        .unwrap()
        .and_hms_opt(9, 0, 0)
        .unwrap();
    let docs: Vec<Doc> = fixture
        .requests
        .iter()
        .enumerate()
        .map(|(i, r)| Doc {
            labelled: r,
            terms: terms(&format!("{}\n{}", r.title, r.description)),
            at: start + Duration::days(r.day) + Duration::minutes(i as i64),
        })
        .collect();
    let mut df: BTreeMap<&str, u64> = BTreeMap::new();
    for d in &docs {
        for t in d.terms.keys() {
            *df.entry(t.as_str()).or_default() += 1;
        }
    }
    let df_of = |t: &str| df.get(t).copied().unwrap_or(0);
    let corpus = Corpus {
        documents: docs.len() as u64,
        average_length: docs.iter().map(|d| f64::from(length(&d.terms))).sum::<f64>() / docs.len() as f64,
    };
    let mut problems: Vec<&str> = Vec::new();
    for r in &fixture.requests {
        if !problems.contains(&r.problem.as_str()) {
            problems.push(&r.problem);
        }
    }
    let half = |problem: &str| problems.iter().position(|p| *p == problem).unwrap() % 2;
    let bm25 = Bm25::default();
    let mut counts = [AtK::default(); 2];
    let mut misses = Vec::new();
    for d in &docs {
        let query = rarest(&d.terms, df_of, MAX_QUERY_TERMS);
        let candidates: Vec<Candidate<&str>> = docs
            .iter()
            .filter(|o| o.labelled.key != d.labelled.key)
            .filter(|o| (o.at - d.at).num_days().abs() <= WINDOW_DAYS)
            .map(|o| Candidate {
                key: o.labelled.key.as_str(),
                terms: o
                    .terms
                    .iter()
                    .filter(|(t, _)| query.contains_key(*t))
                    .map(|(t, n)| (t.clone(), *n))
                    .collect(),
                length: length(&o.terms),
                category: Some(o.labelled.category.clone()),
                raised_at: o.at,
            })
            .filter(|c| !c.terms.is_empty())
            .collect();
        let reference = Reference {
            query: &query,
            category: Some(&d.labelled.category),
            at: d.at,
        };
        let got: Vec<&str> = score(&bm25, corpus, &reference, candidates, df_of, DEFAULT_FIRST)
            .into_iter()
            .map(|(k, _)| k)
            .collect();
        let same: HashSet<&str> = docs
            .iter()
            .filter(|o| o.labelled.problem == d.labelled.problem && o.labelled.key != d.labelled.key)
            .map(|o| o.labelled.key.as_str())
            .collect();
        counts[half(&d.labelled.problem)].add(DEFAULT_FIRST, &got, &same);
        for k in got.iter().filter(|k| !same.contains(*k)) {
            misses.push(format!("{} → {k} (wrong)", d.labelled.key));
        }
        for k in same.iter().filter(|k| !got.contains(k)) {
            misses.push(format!("{} ↛ {k} (missed)", d.labelled.key));
        }
    }
    (counts, misses)
}

#[test]
fn the_labelled_set_measured_offline_meets_the_target_on_each_half() {
    let fixture: Fixture =
        serde_json::from_str(include_str!("../../../tests/fixtures/similar_requests.json")).expect("the set parses");
    let ([a, b], misses) = measure(&fixture);
    let whole = AtK {
        suggested: a.suggested + b.suggested,
        correct: a.correct + b.correct,
        relevant: a.relevant + b.relevant,
    };
    for (name, m) in [("whole set", whole), ("first half", a), ("second half", b)] {
        println!(
            "similar requests offline, {name}: precision@3 {:.3} ({}/{}), recall@3 {:.3} ({}/{})",
            m.precision(),
            m.correct,
            m.suggested,
            m.recall(),
            m.correct,
            m.relevant
        );
    }
    for miss in &misses {
        println!("  {miss}");
    }
    for m in [whole, a, b] {
        assert!(m.precision() >= TARGET && m.recall() >= TARGET, "{m:?}");
    }
}
