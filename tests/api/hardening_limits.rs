//! Abuse limits of the GraphQL endpoint, and the checks GraphQL security scanners make
//! (graphql-cop and the like: alias overloading, array batching, directive overloading, field
//! suggestions, GET queries and mutations, form-encoded POST, introspection, unhandled errors),
//! each with the error code a client sees. The operations the apps ship stay within all limits.

use serde_json::{json, Value};
use zhitong::graphql::limits;

use crate::backend_tests;
use crate::helpers::{Backend, TestApp};

backend_tests!(
    each_limit_answers_with_its_code,
    credential_mutations_must_stand_alone,
    scanner_batching_get_and_form_posts_are_refused,
    introspection_and_suggestions_are_for_admins,
    errors_leak_no_internals,
);

/// The first error's code and `limit`, asserting the response carries no data.
fn refusal(response: &Value) -> (String, Option<String>) {
    let error = &response["errors"][0];
    assert!(error.is_object(), "expected an error: {response:#}");
    assert!(
        response["data"].is_null(),
        "a refused document must not run: {response:#}"
    );
    (
        error["extensions"]["code"].as_str().unwrap_or("<none>").to_string(),
        error["extensions"]["limit"].as_str().map(String::from),
    )
}

async fn each_limit_answers_with_its_code(app: TestApp) {
    let token = Some(app.admin_token.as_str());
    let too_complex = |limit: &str| ("QUERY_TOO_COMPLEX".to_string(), Some(limit.to_string()));

    // Alias overloading, `__typename` included.
    let aliases: String = (0..=limits::MAX_ALIASES)
        .map(|i| format!("a{i}: __typename "))
        .collect();
    let response = app.post(token, &format!("{{ {aliases} }}"), json!({})).await;
    assert_eq!(refusal(&response), too_complex("aliases"));
    let aliased_me: String = (0..=limits::MAX_ALIASES)
        .map(|i| format!("m{i}: me {{ id }} "))
        .collect();
    let response = app.post(token, &format!("{{ {aliased_me} }}"), json!({})).await;
    assert_eq!(refusal(&response), too_complex("aliases"));

    // Depth: user → company → officer → company … beyond the limit.
    let mut deep = String::from("id");
    for i in 0..limits::MAX_DEPTH {
        deep = if i % 2 == 0 {
            format!("company {{ id officer {{ {deep} }} }}")
        } else {
            format!("id {deep}")
        };
    }
    let response = app.post(token, &format!("{{ me {{ {deep} }} }}"), json!({})).await;
    assert_eq!(refusal(&response), too_complex("depth"));

    // Complexity: pages inside pages multiply.
    let nested = "query($n: Int) { officers(first: 100) { edges { node { id servedCompanies(first: $n) { edges { node { id name } } } } } } }";
    let response = app.post(token, nested, json!({ "n": 100 })).await;
    assert_eq!(refusal(&response), too_complex("complexity"));
    let small = app.post(token, nested, json!({ "n": 5 })).await;
    assert!(small.get("errors").is_none(), "{small:#}");

    // Directive overloading: many on one field (known or not), and many across the document.
    let on_one = "@include(if: true)".repeat(limits::MAX_DIRECTIVES + 1);
    let response = app.post(token, &format!("{{ me {{ id {on_one} }} }}"), json!({})).await;
    assert_eq!(refusal(&response), too_complex("directives"));
    let unknown = "@aa".repeat(limits::MAX_DOCUMENT_DIRECTIVES + 1);
    let response = app.post(token, &format!("{{ __typename {unknown} }}"), json!({})).await;
    assert_eq!(refusal(&response), too_complex("directives"));
    let spread: String = (0..=limits::MAX_DOCUMENT_DIRECTIVES / 4)
        .map(|i| format!("f{i}: me {{ id @skip(if: false) name @skip(if: false) phone @skip(if: false) role @skip(if: false) }} "))
        .collect();
    let response = app.post(token, &format!("{{ {spread} }}"), json!({})).await;
    assert_eq!(refusal(&response), too_complex("directives"));

    // Fragments that expand exponentially.
    let mut bomb = String::from("query { ...F0 }\n");
    for i in 0..30 {
        bomb.push_str(&format!("fragment F{i} on Query {{ ...F{} ...F{} }}\n", i + 1, i + 1));
    }
    bomb.push_str("fragment F30 on Query { me { id } }\n");
    let started = std::time::Instant::now();
    let response = app.post(token, &bomb, json!({})).await;
    assert_eq!(refusal(&response), too_complex("fields"));
    assert!(started.elapsed() < std::time::Duration::from_secs(2));

    // Length and nesting of the raw text (before parsing).
    let long = format!("{{ me {{ id }} }} #{}", "x".repeat(limits::MAX_QUERY_BYTES));
    let response = app.post(token, &long, json!({})).await;
    assert_eq!(response["errors"][0]["extensions"]["code"], "QUERY_TOO_COMPLEX");

    // Page size.
    let response = app
        .post(token, "{ companies(first: 1000) { totalCount } }", json!({}))
        .await;
    assert_eq!(response["errors"][0]["extensions"]["code"], "BAD_USER_INPUT");
    assert_eq!(response["errors"][0]["extensions"]["field"], "first");
    let negative = app
        .post(token, "{ companies(first: -1) { totalCount } }", json!({}))
        .await;
    assert_eq!(negative["errors"][0]["extensions"]["code"], "BAD_USER_INPUT");

    // The operations the apps and the explorer ship pass every limit.
    legitimate_operations_stay_within_limits(&app).await;
}

/// Every operation in `docs/operations/*.graphql` passes the document limits, and running it
/// (with whatever variables are missing) fails for any reason but a limit.
async fn legitimate_operations_stay_within_limits(app: &TestApp) {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/docs/operations");
    let mut checked = 0;
    for entry in std::fs::read_dir(dir).expect("docs/operations") {
        let path = entry.unwrap().path();
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(zhitong::graphql::limits::check_query_text(&text).is_ok(), "{path:?}");
        let doc = async_graphql::parser::parse_query(&text).unwrap_or_else(|e| panic!("{path:?}: {e}"));
        // The largest pages the apps ask for.
        let variables: async_graphql::Variables = serde_json::from_value(json!({ "first": 100 })).unwrap();
        for (name, _) in doc.operations.iter() {
            let name = name.map(|n| n.to_string());
            let single = zhitong::graphql::validation::check_document(&doc, &variables, false);
            assert!(single.is_ok(), "{path:?} {name:?}: {single:?}");
            let response = app
                .http()
                .post(app.url("/graphql"))
                .bearer_auth(&app.admin_token)
                .json(&json!({ "query": text, "operationName": name, "variables": { "first": 100 } }))
                .send()
                .await
                .unwrap()
                .json::<Value>()
                .await
                .unwrap();
            for error in response["errors"].as_array().into_iter().flatten() {
                assert_ne!(
                    error["extensions"]["code"], "QUERY_TOO_COMPLEX",
                    "{path:?} {name:?}: {error:#}"
                );
            }
            checked += 1;
        }
    }
    assert!(checked >= 10, "only {checked} operations found");
}

async fn credential_mutations_must_stand_alone(app: TestApp) {
    let user = app.create_user("OFFICER", "13900000101", "甲", json!({})).await;
    let two_logins = r#"mutation($p: String!) {
        a: login(phone: $p, password: "guess-number-1") { accessToken }
        b: login(phone: $p, password: "guess-number-2") { accessToken } }"#;
    let response = app.post(None, two_logins, json!({ "p": user.phone })).await;
    assert_eq!(refusal(&response).0, "CREDENTIAL_MUTATION_NOT_ALONE");

    // Packed with another field, through a fragment, or beside `__typename`.
    let hidden = r#"mutation($t: String!) { __typename ...R } fragment R on Mutation { refreshToken(refreshToken: $t) { accessToken } }"#;
    let response = app.post(None, hidden, json!({ "t": user.refresh_token })).await;
    assert_eq!(refusal(&response).0, "CREDENTIAL_MUTATION_NOT_ALONE");
    let beside = r#"mutation($o: String!) { changePassword(oldPassword: $o, newPassword: "new-password-1") { accessToken } createDepartment(name: "x") { department { id } } }"#;
    let response = app.post(Some(&user.token), beside, json!({ "o": user.password })).await;
    assert_eq!(refusal(&response).0, "CREDENTIAL_MUTATION_NOT_ALONE");
    assert_eq!(app.count("departments").await, 0);

    // The token from the refused request still works: nothing ran.
    let alone = "mutation($t: String!) { refreshToken(refreshToken: $t) { accessToken } }";
    let fine = app.post(None, alone, json!({ "t": user.refresh_token })).await;
    assert!(fine["data"]["refreshToken"]["accessToken"].is_string(), "{fine:#}");

    // A document with several operations runs one; each login is alone in its own.
    let two_operations = r#"mutation A($p: String!) { login(phone: $p, password: "wrong-one-1") { accessToken } }
        mutation B($p: String!) { login(phone: $p, password: "wrong-one-2") { accessToken } }"#;
    let response = app
        .http()
        .post(app.url("/graphql"))
        .json(&json!({ "query": two_operations, "operationName": "B", "variables": { "p": user.phone } }))
        .send()
        .await
        .unwrap()
        .json::<Value>()
        .await
        .unwrap();
    assert_eq!(response["errors"][0]["extensions"]["code"], "UNAUTHENTICATED");
}

async fn raw(app: &TestApp, content_type: &str, body: &str) -> (u16, Value) {
    let response = app
        .http()
        .post(app.url("/graphql"))
        .header("content-type", content_type)
        .body(body.to_string())
        .send()
        .await
        .unwrap();
    (response.status().as_u16(), response.json().await.unwrap_or(Value::Null))
}

async fn scanner_batching_get_and_form_posts_are_refused(app: TestApp) {
    let user = app.create_user("OFFICER", "13900000102", "乙", json!({})).await;
    // Array batching: ten logins in one body run none of them.
    let one = json!({ "query": "mutation($p: String!, $w: String!) { login(phone: $p, password: $w) { accessToken } }",
                      "variables": { "p": user.phone, "w": user.password } });
    let batch = Value::Array(vec![one; 10]).to_string();
    let (status, body) = raw(&app, "application/json", &batch).await;
    assert_eq!(
        (status, body["errors"][0]["extensions"]["code"].clone()),
        (400, json!("BAD_REQUEST"))
    );
    assert!(!body.to_string().contains("accessToken"));

    // GET with a query or a mutation: refused, never executed.
    for query in [
        "{__typename}",
        "mutation{createDepartment(name:\"get\"){department{id}}}",
    ] {
        let response = app
            .http()
            .get(app.url("/graphql"))
            .query(&[("query", query)])
            .bearer_auth(&app.admin_token)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status().as_u16(), 405, "{query}");
        let body: Value = response.json().await.unwrap();
        assert!(body["data"].is_null());
    }
    assert_eq!(app.count("departments").await, 0);

    // Form-encoded and plain-text POSTs (what a cross-site form can send) are refused.
    let form = "query=mutation%7BcreateDepartment(name:%22csrf%22)%7Bdepartment%7Bid%7D%7D%7D";
    for content_type in [
        "application/x-www-form-urlencoded",
        "text/plain",
        "multipart/form-data; boundary=x",
    ] {
        let response = app
            .http()
            .post(app.url("/graphql"))
            .header("content-type", content_type)
            .bearer_auth(&app.admin_token)
            .body(form)
            .send()
            .await
            .unwrap();
        assert!(
            [400, 415].contains(&response.status().as_u16()),
            "{content_type}: {}",
            response.status()
        );
    }
    assert_eq!(app.count("departments").await, 0);

    // Trace mode: no tracing or timing data in extensions.
    let response = app.post(None, "{ __typename }", json!({})).await;
    assert_eq!(response["data"]["__typename"], "Query");
    assert!(response.get("extensions").is_none(), "{response:#}");
}

async fn introspection_and_suggestions_are_for_admins(app: TestApp) {
    let officer = app.create_user("OFFICER", "13900000103", "丙", json!({})).await;
    for query in [
        "{ __schema { types { name } } }",
        "{ __type(name: \"User\") { fields { name } } }",
        "query { ... on Query { __schema { queryType { name } } } }",
    ] {
        for token in [None, Some(officer.token.as_str())] {
            let response = app.post(token, query, json!({})).await;
            assert_eq!(refusal(&response).0, "FORBIDDEN", "{query}");
        }
        let admin = app.post(Some(&app.admin_token), query, json!({})).await;
        assert!(admin.get("errors").is_none(), "{admin:#}");
    }
    // `__typename` is not introspection of the schema: anyone may ask.
    let response = app.post(None, "{ __typename }", json!({})).await;
    assert_eq!(response["data"]["__typename"], "Query");

    // Field suggestions reveal the schema one typo at a time.
    for (token, query) in [
        (None, "{ __typenam }"),
        (Some(officer.token.as_str()), "{ me { nam } }"),
    ] {
        let response = app.post(token, query, json!({})).await;
        let message = response["errors"][0]["message"].as_str().unwrap();
        assert_eq!(response["errors"][0]["extensions"]["code"], "GRAPHQL_VALIDATION_FAILED");
        assert!(!message.contains("Did you mean"), "{message}");
        assert!(!message.contains("\"name\""), "{message}");
    }
    let admin = app.post(Some(&app.admin_token), "{ me { nam } }", json!({})).await;
    assert!(
        admin["errors"][0]["message"].as_str().unwrap().contains("Did you mean"),
        "{admin:#}"
    );
}

/// Text that must never reach a client.
const INTERNALS: &[&str] = &[
    "SELECT",
    "INSERT",
    "UPDATE ",
    "diesel",
    "sqlite",
    "SQLite",
    "postgres",
    "PostgreSQL",
    "relation ",
    "panicked",
    "backtrace",
    "stack",
    ".rs:",
    "/src/",
    "/root",
    "/tmp",
    "/home",
    "127.0.0.1",
    "localhost",
    "thread '",
    "r2d2",
    "tokio",
];

async fn errors_leak_no_internals(app: TestApp) {
    let officer = app.create_user("OFFICER", "13900000104", "丁", json!({})).await;
    let cases: Vec<(Option<&str>, &str, Value)> = vec![
        (None, "qwerty cop { abc }", json!({})),
        (None, "{ me { id } }", json!({})),
        (Some(&officer.token), "{ companies { totalCount } }", json!({})),
        (
            Some(&app.admin_token),
            "{ user(id: \"usr_99999999999999999999\") { id } }",
            json!({}),
        ),
        (Some(&app.admin_token), "{ user(id: \"cmp_1\") { id } }", json!({})),
        (Some(&app.admin_token), "{ company(id: \"\\u0000\") { id } }", json!({})),
        (
            Some(&app.admin_token),
            "{ companies(after: \"bm90IGEgY3Vyc29y\") { totalCount } }",
            json!({}),
        ),
        (
            Some(&app.admin_token),
            "mutation($n: String!) { createDepartment(name: $n) { department { id } } }",
            json!({ "n": "nul\u{0}byte" }),
        ),
        (
            Some(&app.admin_token),
            "mutation($n: String!) { createDepartment(name: $n) { department { id } } }",
            json!({ "n": "x".repeat(10_000) }),
        ),
        (
            Some(&app.admin_token),
            "query($n: Int) { companies(first: $n) { totalCount } }",
            json!({ "n": 1e40 }),
        ),
        (Some(&app.admin_token), "{ request(id: \"req_1\") { id } }", json!({})),
        (
            Some(&app.admin_token),
            "subscription { notificationReceived { id } }",
            json!({}),
        ),
    ];
    for (token, query, variables) in cases {
        let response = app.post(token, query, variables).await;
        let text = response.to_string();
        for internal in INTERNALS {
            assert!(!text.contains(internal), "{internal:?} leaked for {query}: {text}");
        }
        for error in response["errors"].as_array().into_iter().flatten() {
            assert!(error["extensions"]["code"].is_string(), "{error:#}");
            if error["extensions"]["code"] == "INTERNAL" {
                assert_eq!(error["message"], "服务器内部错误");
                assert_eq!(error["extensions"]["reason"], "INTERNAL");
                assert!(error["extensions"]["correlationId"].is_string());
            }
        }
    }
    // Refusals before GraphQL (body, content type, endpoint) leak nothing either.
    for (content_type, body) in [
        ("application/json", "{\"query\": 12}"),
        ("application/json", "\u{0}\u{1}garbage"),
        (
            "multipart/form-data; boundary=zz",
            "--zz\r\nContent-Disposition: form-data; name=\"operations\"\r\n\r\n{\r\n--zz--",
        ),
    ] {
        let (_, response) = raw(&app, content_type, body).await;
        let text = response.to_string();
        for internal in INTERNALS {
            assert!(!text.contains(internal), "{internal:?} leaked: {text}");
        }
    }
}

#[actix_rt::test]
async fn open_introspection_is_open_to_all() {
    let app = TestApp::spawn_configured(Backend::Sqlite, |c| c.open_introspection = true).await;
    let response = app.post(None, "{ __schema { queryType { name } } }", json!({})).await;
    assert_eq!(
        response["data"]["__schema"]["queryType"]["name"], "Query",
        "{response:#}"
    );
    let suggestion = app.post(None, "{ __typenam }", json!({})).await;
    assert!(
        suggestion["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("Did you mean"),
        "{suggestion:#}"
    );
}
