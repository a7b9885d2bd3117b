//! The knowledge base's ranking measured on the labelled set of similar requests
//! (`tests/fixtures/similar_requests.json`): the first wording of each problem is published as
//! the answer, and every other wording is typed as a new question. Reported: how often the
//! answer to the same problem comes first, and how often it is among the three offered.

use std::collections::{BTreeMap, HashSet};

use serde::Deserialize;

use super::service::{rank, Candidate, DEFAULT_FIRST, MAX_QUERY_TERMS};
use crate::search::measure::AtK;
use crate::search::segment::{length, terms};
use crate::search::{rarest, Corpus, TermCounts};

/// Targets: the right answer first for 85 % of the questions, among the three for 90 %
/// (measured 2026-12-07: 0.903 and 0.919; the misses are the wordings the similar-request
/// measure misses too, such as 夜里总是断电 for 晚上频繁停电).
const TARGET_FIRST: f64 = 0.85;
const TARGET_THREE: f64 = 0.90;

#[derive(Deserialize)]
struct Fixture {
    requests: Vec<Labelled>,
}

#[derive(Deserialize)]
struct Labelled {
    problem: String,
    category: String,
    title: String,
    description: String,
}

fn text(r: &Labelled) -> String {
    format!("{}\n{}", r.title, r.description)
}

#[test]
fn a_question_worded_anew_finds_the_published_answer_first() {
    let fixture: Fixture =
        serde_json::from_str(include_str!("../../tests/fixtures/similar_requests.json")).expect("the set parses");
    let mut answers: Vec<&Labelled> = Vec::new();
    let mut questions: Vec<&Labelled> = Vec::new();
    for r in &fixture.requests {
        if answers.iter().any(|a| a.problem == r.problem) {
            questions.push(r);
        } else {
            answers.push(r);
        }
    }
    let categories: Vec<&str> = {
        let mut c: Vec<&str> = answers.iter().map(|a| a.category.as_str()).collect();
        c.sort_unstable();
        c.dedup();
        c
    };
    let category_id = |code: &str| categories.iter().position(|c| *c == code).unwrap() as i64;
    let docs: Vec<TermCounts> = answers.iter().map(|a| terms(&text(a))).collect();
    let mut df: BTreeMap<&str, u64> = BTreeMap::new();
    for d in &docs {
        for t in d.keys() {
            *df.entry(t.as_str()).or_default() += 1;
        }
    }
    let df_of = |t: &str| df.get(t).copied().unwrap_or(0);
    let corpus = Corpus {
        documents: docs.len() as u64,
        average_length: docs.iter().map(|d| f64::from(length(d))).sum::<f64>() / docs.len() as f64,
    };
    let (mut first, mut three) = (0usize, 0usize);
    let mut at3 = AtK::default();
    for q in &questions {
        let query = rarest(&terms(&text(q)), df_of, MAX_QUERY_TERMS);
        let candidates = docs
            .iter()
            .enumerate()
            .map(|(i, d)| Candidate {
                key: i,
                terms: d
                    .iter()
                    .filter(|(t, _)| query.contains_key(*t))
                    .map(|(t, n)| (t.clone(), *n))
                    .collect(),
                length: length(d),
                category_id: category_id(&answers[i].category),
            })
            .filter(|c| !c.terms.is_empty())
            .collect();
        let got: Vec<&str> = rank(
            corpus,
            &query,
            Some(category_id(&q.category)),
            candidates,
            df_of,
            DEFAULT_FIRST,
        )
        .into_iter()
        .map(|(i, _, _)| answers[i].problem.as_str())
        .collect();
        at3.add(DEFAULT_FIRST, &got, &HashSet::from([q.problem.as_str()]));
        first += usize::from(got.first() == Some(&q.problem.as_str()));
        three += usize::from(got.contains(&q.problem.as_str()));
        if got.first() != Some(&q.problem.as_str()) {
            println!("  {} {} → {got:?}", q.problem, q.title);
        }
    }
    let n = questions.len() as f64;
    let (at_first, at_three) = (first as f64 / n, three as f64 / n);
    println!(
        "knowledge base, {} answers, {} questions: right answer first {at_first:.3} ({first}), among three {at_three:.3} ({three}); precision@3 {:.3} ({}/{}), recall@3 {:.3}",
        answers.len(),
        questions.len(),
        at3.precision(),
        at3.correct,
        at3.suggested,
        at3.recall()
    );
    assert!(
        at_first >= TARGET_FIRST && at_three >= TARGET_THREE,
        "{at_first:.3} / {at_three:.3}"
    );
}
