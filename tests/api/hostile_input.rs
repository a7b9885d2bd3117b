//! Input meant to crash or stall the server gets an error, and the same process answers the
//! next request.

use serde_json::{json, Value};

use crate::backend_tests;
use crate::helpers::TestApp;

backend_tests!(
    hostile_requests_are_refused_and_the_server_survives,
    graphql_errors_carry_codes
);

async fn still_alive(app: &TestApp) {
    let me = app.ok(&app.admin_token, "{ me { role } }", json!({})).await;
    assert_eq!(me["me"]["role"], "ADMIN");
}

async fn raw(app: &TestApp, content_type: &str, body: Vec<u8>) -> (u16, Value) {
    let response = app
        .http()
        .post(app.url("/graphql"))
        .header("content-type", content_type)
        .bearer_auth(&app.admin_token)
        .body(body)
        .send()
        .await
        .expect("the server answers");
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

async fn hostile_requests_are_refused_and_the_server_survives(app: TestApp) {
    // A megabyte body.
    let huge = json!({ "query": format!("{{ me {{ id }} }} #{}", "x".repeat(1 << 20)) })
        .to_string()
        .into_bytes();
    let (status, body) = raw(&app, "application/json", huge).await;
    assert_eq!(status, 413);
    assert_eq!(body["errors"][0]["extensions"]["code"], "PAYLOAD_TOO_LARGE");
    still_alive(&app).await;

    // Arguments nested thousands of levels deep (async-graphql's parser would overflow its stack).
    let deep = format!(
        "{{ companies(filter: {{ search: {}\"x\"{} }}) {{ totalCount }} }}",
        "[".repeat(5_000),
        "]".repeat(5_000)
    );
    let (status, body) = raw(
        &app,
        "application/json",
        json!({ "query": deep }).to_string().into_bytes(),
    )
    .await;
    assert_eq!(status, 400);
    assert_eq!(body["errors"][0]["extensions"]["code"], "QUERY_TOO_COMPLEX");
    still_alive(&app).await;

    // Selection sets nested deeply.
    let deep_selection = format!("{}{}", "{ me ".repeat(200), "}".repeat(200));
    let (status, _) = raw(
        &app,
        "application/json",
        json!({ "query": deep_selection }).to_string().into_bytes(),
    )
    .await;
    assert_eq!(status, 400);
    still_alive(&app).await;

    // Variables nested thousands of levels deep.
    let deep_variables = format!(
        "{{\"query\":\"{{ me {{ id }} }}\",\"variables\":{{\"v\":{}1{}}}}}",
        "[".repeat(5_000),
        "]".repeat(5_000)
    );
    let (status, body) = raw(&app, "application/json", deep_variables.into_bytes()).await;
    assert_eq!(status, 400);
    assert_eq!(body["errors"][0]["extensions"]["code"], "BAD_REQUEST");
    still_alive(&app).await;

    // Malformed JSON, the wrong content type, a batch, a GET with a query.
    let (status, body) = raw(&app, "application/json", b"{\"query\": \"{ me { id } }\"".to_vec()).await;
    assert_eq!(
        (status, body["errors"][0]["extensions"]["code"].clone()),
        (400, json!("BAD_REQUEST"))
    );
    let (status, _) = raw(
        &app,
        "application/x-www-form-urlencoded",
        b"query=%7B%20me%20%7B%20id%20%7D%20%7D".to_vec(),
    )
    .await;
    assert_eq!(status, 415);
    let (status, body) = raw(
        &app,
        "application/json",
        br#"[{"query":"{ me { id } }"},{"query":"{ me { id } }"}]"#.to_vec(),
    )
    .await;
    assert_eq!(
        (status, body["errors"][0]["extensions"]["code"].clone()),
        (400, json!("BAD_REQUEST"))
    );
    let get = app
        .http()
        .get(app.url("/graphql?query=mutation%7BcreateDepartment(name:%22x%22)%7Bdepartment%7Bid%7D%7D%7D"))
        .send()
        .await
        .unwrap();
    assert_eq!(get.status().as_u16(), 405);
    let graphiql = app.http().get(app.url("/graphql")).send().await.unwrap();
    assert_eq!(graphiql.status().as_u16(), 200);
    assert!(graphiql.text().await.unwrap().contains("graphiql"));
    assert_eq!(app.count("departments").await, 0);
    still_alive(&app).await;

    let health = app.http().get(app.url("/healthz")).send().await.unwrap();
    assert_eq!(health.status().as_u16(), 200);
    let ready = app.http().get(app.url("/readyz")).send().await.unwrap();
    assert_eq!(ready.status().as_u16(), 200);
    let missing = app.http().get(app.url("/nowhere")).send().await.unwrap();
    assert_eq!(missing.status().as_u16(), 404);
}

async fn graphql_errors_carry_codes(app: TestApp) {
    let syntax = app.post(Some(&app.admin_token), "{ me { id ", json!({})).await;
    assert_eq!(syntax["errors"][0]["extensions"]["code"], "GRAPHQL_PARSE_FAILED");
    let unknown = app
        .post(Some(&app.admin_token), "{ me { id salary } }", json!({}))
        .await;
    assert_eq!(unknown["errors"][0]["extensions"]["code"], "GRAPHQL_VALIDATION_FAILED");
    let wrong_type = app
        .post(
            Some(&app.admin_token),
            "query($n: Int) { companies(first: $n) { totalCount } }",
            json!({ "n": "many" }),
        )
        .await;
    let code = wrong_type["errors"][0]["extensions"]["code"].as_str().unwrap();
    assert!(
        ["GRAPHQL_VALIDATION_FAILED", "BAD_USER_INPUT"].contains(&code),
        "{wrong_type:#}"
    );
    let bad_enum = app
        .post(
            Some(&app.admin_token),
            "mutation { createUser(input: { role: KING, phone: \"13600000100\", name: \"x\" }) { user { id } } }",
            json!({}),
        )
        .await;
    assert!(bad_enum["errors"][0]["extensions"]["code"].is_string(), "{bad_enum:#}");
    // Every error of every response in this suite has a code; internal ones never show detail.
    for response in [&syntax, &unknown, &wrong_type, &bad_enum] {
        for error in response["errors"].as_array().unwrap() {
            let message = error["message"].as_str().unwrap();
            assert!(
                !message.contains("SELECT") && !message.contains("diesel") && !message.contains("/src/"),
                "{message}"
            );
        }
    }
}
