//! Every log line of a request carries its id: the one the caller (or the proxy) sent in
//! `X-Request-Id`, or one generated for it, returned in the same header. Lines logged by
//! services on the blocking pool (the login lockout) and the `correlationId` line of an
//! INTERNAL error are the request's too. The lines are read from this process's log capture
//! (`helpers::capture_logs`, text format).

use diesel::RunQueryDsl;
use serde_json::{json, Value};

use crate::backend_tests;
use crate::helpers::{suite_log_file, TestApp};

backend_tests!(
    the_request_id_is_on_every_line_of_its_request,
    a_request_without_a_usable_id_gets_one
);

/// Posts `query` with `X-Request-Id: id`; returns the answer and the id the server sent back.
async fn post_with_id(app: &TestApp, id: &str, token: Option<&str>, query: &str, variables: Value) -> (Value, String) {
    let mut request = app
        .http()
        .post(app.url("/graphql"))
        .header("x-request-id", id)
        .json(&json!({ "query": query, "variables": variables }));
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    let response = request.send().await.unwrap();
    let echoed = response.headers()["x-request-id"].to_str().unwrap().to_string();
    (response.json().await.unwrap(), echoed)
}

/// The captured log lines that carry `request_id=<id>`.
fn lines_of(id: &str) -> Vec<String> {
    let text = std::fs::read_to_string(suite_log_file()).expect("the captured log");
    let marker = format!("request_id={id}");
    text.lines()
        .filter(|line| line.contains(&marker))
        .map(str::to_string)
        .collect()
}

async fn the_request_id_is_on_every_line_of_its_request(app: TestApp) {
    let staff = app.create_user("OFFICER", "13900000931", "追踪", json!({})).await;
    let id = format!("trace-{}", uuid::Uuid::new_v4().simple());
    let login = "mutation TracedLogin($p: String!, $w: String!) { login(phone: $p, password: $w) { accessToken } }";
    for i in 0..6 {
        let (_, echoed) = post_with_id(
            &app,
            &id,
            None,
            login,
            json!({ "p": staff.phone, "w": format!("wrong-{i}") }),
        )
        .await;
        assert_eq!(echoed, id, "the id sent is the id returned");
    }
    let lines = lines_of(&id);
    assert!(
        lines.iter().any(|l| l.contains("login locked after repeated failures")),
        "the lockout, logged inside the write transaction on the blocking pool, is the request's:\n{}",
        lines.join("\n")
    );
    assert!(
        lines
            .iter()
            .filter(|l| l.contains(" request ") || l.ends_with(" request"))
            .count()
            >= 6,
        "each request's closing line:\n{}",
        lines.join("\n")
    );
    assert!(
        lines
            .iter()
            .any(|l| l.contains("graphql.operation.name=\"TracedLogin\"")),
        "the operation's name is on the request's span:\n{}",
        lines.join("\n")
    );

    // An INTERNAL error: its correlationId line is the request's.
    app.state
        .db
        .read(|conn| {
            diesel::sql_query("DROP TABLE audit_log").execute(conn)?;
            Ok(())
        })
        .await
        .unwrap();
    let failing = format!("trace-{}", uuid::Uuid::new_v4().simple());
    let (answer, _) = post_with_id(
        &app,
        &failing,
        Some(&app.admin_token),
        "{ auditLog(first: 1) { totalCount } }",
        json!({}),
    )
    .await;
    let error = &answer["errors"][0];
    assert_eq!(error["extensions"]["code"], "INTERNAL", "{answer:#}");
    let correlation = error["extensions"]["correlationId"].as_str().unwrap();
    let lines = lines_of(&failing);
    assert!(
        lines
            .iter()
            .any(|l| l.contains(" ERROR ") && l.contains(&format!("correlation_id={correlation}"))),
        "the INTERNAL error's line carries the request id:\n{}",
        lines.join("\n")
    );
    for line in &lines {
        assert!(!line.contains(&id), "another request's id on this one's line: {line}");
    }
}

async fn a_request_without_a_usable_id_gets_one(app: TestApp) {
    let mut generated = Vec::new();
    for sent in [None, Some("has spaces in it"), Some(&"x".repeat(65)[..]), Some("a/b")] {
        let mut request = app.http().get(app.url("/healthz"));
        if let Some(sent) = sent {
            request = request.header("x-request-id", sent);
        }
        let response = request.send().await.unwrap();
        let id = response.headers()["x-request-id"].to_str().unwrap().to_string();
        assert_eq!(id.len(), 12, "a generated id: {id:?} (sent {sent:?})");
        assert!(id.bytes().all(|b| b.is_ascii_hexdigit()), "{id}");
        generated.push(id);
    }
    generated.sort();
    generated.dedup();
    assert_eq!(generated.len(), 4, "each request its own id");
    // A well-formed id from the proxy is kept.
    let response = app
        .http()
        .get(app.url("/healthz"))
        .header("x-request-id", "nginx-5f2b9c0e.1_A")
        .send()
        .await
        .unwrap();
    assert_eq!(response.headers()["x-request-id"], "nginx-5f2b9c0e.1_A");
}
