//! A fuzz target over the schema (proptest): random documents built from GraphQL tokens and the
//! schema's own names, the apps' real operations cut and spliced, and random variables, run
//! in-process as an admin and as an anonymous caller. Nothing may panic; every error has a code
//! and no internal text. The number of cases: `ZHITONG_FUZZ_CASES` (default 2000).

use std::sync::{Arc, OnceLock};

use proptest::prelude::*;
use proptest::test_runner::{Config as ProptestConfig, TestCaseError, TestRunner};
use serde_json::Value;
use zhitong::graphql::context::RequestAuth;
use zhitong::graphql::limits::check_query_text;

/// Words of the committed SDL (type, field, argument and enum names) plus GraphQL punctuation.
fn vocabulary() -> &'static Vec<String> {
    static WORDS: OnceLock<Vec<String>> = OnceLock::new();
    WORDS.get_or_init(|| {
        let sdl = include_str!("../../schema.graphql");
        let mut words: Vec<String> = sdl
            .split(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
            .filter(|w| w.len() > 1 && w.chars().next().is_some_and(|c| c.is_ascii_alphabetic()))
            .map(String::from)
            .collect();
        words.sort();
        words.dedup();
        for token in [
            "{",
            "}",
            "(",
            ")",
            "[",
            "]",
            ":",
            "!",
            "=",
            "...",
            "|",
            "&",
            "$v",
            "$first",
            "@include(if: true)",
            "@skip(if: $v)",
            "@deprecated",
            "\"text\"",
            "\"\"\"block\"\"\"",
            "\"\\u0000\"",
            "\"\\uD800\"",
            "0",
            "-1",
            "1e309",
            "99999999999999999999",
            "3.14",
            "true",
            "null",
            "query",
            "mutation",
            "subscription",
            "fragment F on Query",
            "...F",
            "on",
            "__typename",
            "__schema",
            "__type(name: \"User\")",
            "# c\n",
            ",",
            "usr_1",
            "\"cmp_1\"",
            "\"req_1\"",
            "é",
            "直通",
            "\u{202e}",
            "\u{0}",
        ] {
            words.push(token.to_string());
        }
        words
    })
}

/// The apps' operation files, each with the names of its operations.
fn operations() -> &'static Vec<(String, Vec<String>)> {
    static OPERATIONS: OnceLock<Vec<(String, Vec<String>)>> = OnceLock::new();
    OPERATIONS.get_or_init(|| {
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/docs/operations");
        let mut files: Vec<(String, Vec<String>)> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| {
                let text = std::fs::read_to_string(e.unwrap().path()).unwrap();
                let doc = async_graphql::parser::parse_query(&text).unwrap();
                let names = doc
                    .operations
                    .iter()
                    .filter_map(|(n, _)| n.map(|n| n.to_string()))
                    .collect();
                (text, names)
            })
            .collect();
        files.sort();
        files
    })
}

/// One of the apps' operations, by name, as sent.
fn real_operation() -> impl Strategy<Value = (String, Option<String>)> {
    (0..operations().len(), any::<prop::sample::Index>()).prop_map(|(file, pick)| {
        let (text, names) = &operations()[file];
        (text.clone(), Some(pick.get(names).clone()))
    })
}

fn token_document() -> impl Strategy<Value = String> {
    let words = vocabulary().len();
    prop::collection::vec(0..words, 0..80).prop_map(|picks| {
        let words = vocabulary();
        picks.iter().map(|&i| words[i].as_str()).collect::<Vec<_>>().join(" ")
    })
}

/// A real operation file with a slice cut out and a token inserted, sent with the name of one
/// of its operations.
fn mutated_operation() -> impl Strategy<Value = (String, Option<String>)> {
    (
        real_operation(),
        any::<u16>(),
        any::<u16>(),
        any::<u16>(),
        0..vocabulary().len(),
    )
        .prop_map(|((text, name), a, b, c, word)| {
            let at = |n: u16| {
                let mut i = usize::from(n) % (text.len() + 1);
                while !text.is_char_boundary(i) {
                    i -= 1;
                }
                i
            };
            let (x, y) = (at(a).min(at(b)), at(a).max(at(b)));
            let cut_len = ((y - x) / 8).min(40);
            let mut cut_end = x + cut_len;
            while !text.is_char_boundary(cut_end) {
                cut_end -= 1;
            }
            let insert = at(c).max(cut_end);
            let mutated = format!(
                "{}{}{}{}",
                &text[..x],
                &text[cut_end..insert],
                vocabulary()[word],
                &text[insert..]
            );
            (mutated, name)
        })
}

fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        any::<f64>().prop_map(|f| serde_json::Number::from_f64(f).map_or(Value::Null, Value::Number)),
        "[a-z0-9_\\-\\u{4e00}-\\u{4e10}]{0,12}".prop_map(Value::from),
        Just(Value::from("usr_1")),
        Just(Value::from("13800000000")),
    ];
    leaf.prop_recursive(4, 24, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            prop::collection::btree_map("[a-zA-Z]{1,8}", inner, 0..4)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

fn variables() -> impl Strategy<Value = Value> {
    let names = prop::sample::select(vec![
        "v", "first", "id", "input", "phone", "password", "t", "c", "o", "after", "filter", "status", "kind",
    ]);
    prop::collection::btree_map(names, json_value(), 0..5)
        .prop_map(|m| Value::Object(m.into_iter().map(|(k, v)| (k.to_string(), v)).collect()))
}

/// Text that must never reach a client.
const INTERNALS: &[&str] = &[
    "SELECT",
    "diesel",
    "sqlite",
    "panicked",
    ".rs:",
    "/src/",
    "/tmp",
    "r2d2",
    "backtrace",
];

#[test]
fn random_documents_and_variables_never_panic_or_leak() {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let config = zhitong::config::Config::for_database(zhitong::db::DbUrl::Sqlite(dir.path().join("fuzz.db")));
    let clock = zhitong::clock::ManualClock::new(chrono::Utc::now());
    let state = zhitong::app::build_state(config, Arc::new(clock)).unwrap();
    runtime.block_on(zhitong::app::prepare(&state)).unwrap();
    let admin = {
        let db = state.db.clone();
        runtime
            .block_on(db.read(|conn| zhitong::auth::repo::find_by_phone(conn, "13800000000")))
            .unwrap()
            .unwrap()
    };
    let schema = zhitong::app::schema::build_schema(Some(state.clone()));
    let cases = std::env::var("ZHITONG_FUZZ_CASES")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(2000);
    let mut runner = TestRunner::new(ProptestConfig {
        cases,
        failure_persistence: None,
        ..ProptestConfig::default()
    });
    let document = prop_oneof![
        token_document().prop_map(|d| (d, None)),
        mutated_operation(),
        real_operation(),
    ];
    let executed = std::cell::Cell::new(0usize);
    let with_data = std::cell::Cell::new(0usize);
    runner
        .run(
            &(
                document,
                prop_oneof![Just(Value::Object(Default::default())), variables()],
                any::<bool>(),
            ),
            |((query, name), variables, as_admin)| {
                if check_query_text(&query).is_err() {
                    return Ok(());
                }
                let mut request = async_graphql::Request::new(query.clone())
                    .variables(async_graphql::Variables::from_json(variables));
                if let Some(name) = name {
                    request = request.operation_name(name);
                }
                let auth = RequestAuth {
                    actor: as_admin.then(|| zhitong::actor::Actor::from_user(&admin)),
                    ..Default::default()
                };
                let request = zhitong::app::with_request_data(request, &state, auth);
                let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                    runtime.block_on(schema.execute(request))
                }));
                let response = outcome.map_err(|_| TestCaseError::fail(format!("panicked on {query:?}")))?;
                executed.set(executed.get() + 1);
                if !matches!(response.data, async_graphql::Value::Null) {
                    with_data.set(with_data.get() + 1);
                }
                let text = serde_json::to_string(&response).unwrap();
                for error in &response.errors {
                    let code = error.extensions.as_ref().and_then(|e| e.get("code"));
                    prop_assert!(code.is_some(), "an error without a code: {error:?} for {query:?}");
                }
                for internal in INTERNALS {
                    prop_assert!(!text.contains(internal), "{internal:?} leaked: {text} for {query:?}");
                }
                Ok(())
            },
        )
        .unwrap();
    println!("{} documents executed, {} with data", executed.get(), with_data.get());
    assert!(with_data.get() > 0, "no generated document ever ran");
}
