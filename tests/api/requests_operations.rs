//! `docs/operations/*.graphql` hold the real operations of the phone apps and the explorer;
//! every one must validate against the schema (which `schema.rs` keeps equal to
//! `schema.graphql`). Only parsing and validation run: an extension stops each operation
//! before any resolver.

use std::sync::{Arc, Mutex};

use async_graphql::extensions::{Extension, ExtensionContext, ExtensionFactory, NextExecute, NextValidation};
use async_graphql::{Request, Response, Schema, ServerError, ValidationResult};
use futures::StreamExt;
use zhitong::app::schema::{MutationRoot, QueryRoot, SubscriptionRoot};

type Outcome = Arc<Mutex<Option<Vec<String>>>>;

/// Records the validation outcome and stops before execution.
struct ValidateOnly(Outcome);

impl ExtensionFactory for ValidateOnly {
    fn create(&self) -> Arc<dyn Extension> {
        Arc::new(ValidateOnlyExtension(self.0.clone()))
    }
}

struct ValidateOnlyExtension(Outcome);

#[async_trait::async_trait]
impl Extension for ValidateOnlyExtension {
    async fn validation(
        &self,
        ctx: &ExtensionContext<'_>,
        next: NextValidation<'_>,
    ) -> Result<ValidationResult, Vec<ServerError>> {
        let result = next.run(ctx).await;
        let messages = match &result {
            Ok(_) => Vec::new(),
            Err(errors) => errors.iter().map(|e| e.message.clone()).collect(),
        };
        *self.0.lock().unwrap() = Some(messages);
        result
    }

    async fn execute(&self, _ctx: &ExtensionContext<'_>, _name: Option<&str>, _next: NextExecute<'_>) -> Response {
        Response::default()
    }
}

/// The validation errors of one operation of a document; `Err` when it did not even parse.
async fn validate(document: &str, operation: &str) -> Result<Vec<String>, String> {
    let outcome: Outcome = Arc::default();
    let schema = Schema::build(
        QueryRoot::default(),
        MutationRoot::default(),
        SubscriptionRoot::default(),
    )
    .extension(ValidateOnly(outcome.clone()))
    .finish();
    let request = Request::new(document).operation_name(operation);
    // Take one response: a subscription that passed validation would otherwise wait for events.
    let responses: Vec<Response> = schema.execute_stream(request).take(1).collect().await;
    let recorded = outcome.lock().unwrap().clone();
    recorded.ok_or_else(|| format!("{:?}", responses.first().map(|r| &r.errors)))
}

fn operation_names(document: &str) -> Vec<String> {
    let parsed = async_graphql::parser::parse_query(document).expect("the document parses");
    parsed
        .operations
        .iter()
        .map(|(name, _)| name.expect("every operation is named").to_string())
        .collect()
}

#[actix_rt::test]
async fn every_documented_operation_validates_against_the_schema() {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/docs/operations");
    let mut files: Vec<_> = std::fs::read_dir(dir)
        .expect("docs/operations")
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.extension().is_some_and(|e| e == "graphql"))
        .collect();
    files.sort();
    assert!(!files.is_empty());
    let mut checked = 0;
    let mut failures = Vec::new();
    for path in files {
        let document = std::fs::read_to_string(&path).unwrap();
        for name in operation_names(&document) {
            match validate(&document, &name).await {
                Ok(errors) if errors.is_empty() => checked += 1,
                Ok(errors) => failures.push(format!("{}#{name}: {errors:?}", path.display())),
                Err(parse) => failures.push(format!("{}#{name}: {parse}", path.display())),
            }
        }
    }
    assert!(failures.is_empty(), "{failures:#?}");
    assert!(checked >= 30, "only {checked} operations documented");
}

#[actix_rt::test]
async fn the_check_catches_an_operation_that_does_not_match() {
    let errors = validate("query Wrong { request(id: \"req_1\") { noSuchField } }", "Wrong")
        .await
        .unwrap();
    assert!(!errors.is_empty());
    let errors = validate(
        "mutation Wrong { acceptRequest(id: \"req_1\") { request { id } } }",
        "Wrong",
    )
    .await
    .unwrap();
    assert!(!errors.is_empty(), "a missing required argument is caught");
    let errors = validate("subscription Wrong { requestUpdated { id } }", "Wrong")
        .await
        .unwrap();
    assert!(!errors.is_empty(), "subscriptions are validated too");
}

/// Client generators (graphql-codegen, Apollo iOS and Kotlin) take every file at once: an
/// operation or fragment name defined twice, even in two files, breaks the build of the apps.
#[test]
fn operation_and_fragment_names_are_unique_across_every_file() {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/docs/operations");
    let mut operations: std::collections::BTreeMap<String, Vec<String>> = Default::default();
    let mut fragments: std::collections::BTreeMap<String, Vec<String>> = Default::default();
    for entry in std::fs::read_dir(dir).expect("docs/operations") {
        let path = entry.unwrap().path();
        if path.extension().is_none_or(|e| e != "graphql") {
            continue;
        }
        let file = path.file_name().unwrap().to_string_lossy().to_string();
        let document = std::fs::read_to_string(&path).unwrap();
        // Counted from the text as well as from the parse: the parser keeps one entry per
        // name, so a name repeated within one file would hide there.
        for line in document.lines() {
            let words: Vec<&str> = line
                .split(|c: char| c.is_whitespace() || c == '(' || c == '{')
                .collect();
            match words.as_slice() {
                ["query" | "mutation" | "subscription", name, ..] if !name.is_empty() => {
                    operations.entry(name.to_string()).or_default().push(file.clone())
                }
                ["fragment", name, ..] => fragments.entry(name.to_string()).or_default().push(file.clone()),
                _ => {}
            }
        }
        let parsed = async_graphql::parser::parse_query(&document).expect("the document parses");
        for (name, _) in parsed.operations.iter() {
            let name = name.expect("every operation is named").to_string();
            assert!(
                operations.contains_key(&name),
                "{file}: {name} was not seen in the text"
            );
        }
    }
    let twice = |names: &std::collections::BTreeMap<String, Vec<String>>| -> Vec<String> {
        names
            .iter()
            .filter(|(_, files)| files.len() > 1)
            .map(|(name, files)| format!("{name} in {files:?}"))
            .collect()
    };
    assert_eq!(
        twice(&operations),
        Vec::<String>::new(),
        "operation names defined more than once"
    );
    assert_eq!(
        twice(&fragments),
        Vec::<String>::new(),
        "fragment names defined more than once"
    );
    // The account and visit operations are part of the contract.
    for name in [
        "Login",
        "RefreshToken",
        "Logout",
        "Me",
        "ChangePassword",
        "RecordVisit",
        "MyVisits",
    ] {
        assert!(operations.contains_key(name), "no {name} operation in docs/operations");
    }
}
