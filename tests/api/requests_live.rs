//! Live updates over graphql-ws at /graphql/ws, with the visibility rules of the queries.

use serde_json::{json, Value};

use crate::backend_tests;
use crate::helpers::TestApp;
use crate::requests::{zone, ACCEPT, NOTE, RAISE};
use crate::requests_ws::WsClient;

const UPDATED: &str =
    "subscription($id: ID!) { requestUpdated(id: $id) { id status version timeline { kind internal text } } }";
const MINE: &str = "subscription { myRequestUpdates { id status company { id } } }";

backend_tests!(
    request_updates_reach_subscribers_without_internal_notes,
    subscriptions_keep_to_what_the_caller_may_see,
    a_disabled_account_stops_hearing,
    one_person_s_subscriptions_share_one_read_of_a_change,
);

/// An officer's phone following their requests; a snapshot of `synced` proves its
/// subscriptions run.
async fn officer_phone(app: &TestApp, token: &str, synced: &str) -> WsClient {
    let mut phone = WsClient::init(&app.address, token);
    phone.subscribe("1", "subscription { myRequestUpdates { id status } }", json!({}));
    phone.subscribe("2", UPDATED, json!({ "id": synced }));
    let (phone, snapshot) = next(phone).await;
    assert_eq!(snapshot["id"], "2", "{snapshot}");
    phone
}

/// Five phones of one officer hear a change with the database read of one: their
/// subscriptions share the read of the change they all heard.
async fn one_person_s_subscriptions_share_one_read_of_a_change(app: TestApp) {
    let z = zone(&app).await;
    let (synced, _) = z.raise(&app, "PROBLEM").await;
    let (first, v1) = z.raise(&app, "PROBLEM").await;
    let (second, v2) = z.raise(&app, "PROBLEM").await;
    let mut phones = vec![officer_phone(&app, &z.officer_a.token, &synced).await];

    let before = crate::helpers::reads(&app);
    app.ok(&z.officer_a.token, ACCEPT, json!({ "id": first, "v": v1 }))
        .await;
    let (phone, heard) = next(phones.pop().unwrap()).await;
    assert_eq!(
        heard["payload"]["data"]["myRequestUpdates"]["id"],
        first.as_str(),
        "{heard}"
    );
    let one_phone = crate::helpers::reads(&app) - before;
    phones.push(phone);

    for _ in 0..4 {
        phones.push(officer_phone(&app, &z.officer_a.token, &synced).await);
    }
    let before = crate::helpers::reads(&app);
    app.ok(&z.officer_a.token, ACCEPT, json!({ "id": second, "v": v2 }))
        .await;
    for phone in phones {
        let (_, heard) = next(phone).await;
        assert_eq!(
            heard["payload"]["data"]["myRequestUpdates"]["id"],
            second.as_str(),
            "{heard}"
        );
        assert_eq!(heard["payload"]["data"]["myRequestUpdates"]["status"], "ACCEPTED");
    }
    let five_phones = crate::helpers::reads(&app) - before;
    assert_eq!(
        five_phones, one_phone,
        "five phones of one person read a change more often than one"
    );
}

/// Waits (on a blocking socket, off the async runtime) for the next message of a client.
async fn next(client: WsClient) -> (WsClient, Value) {
    tokio::task::spawn_blocking(move || {
        let mut client = client;
        let message = client.next_message().expect("a message before the connection closed");
        (client, message)
    })
    .await
    .unwrap()
}

async fn request_updates_reach_subscribers_without_internal_notes(app: TestApp) {
    let z = zone(&app).await;
    let (id, v) = z.raise(&app, "PROBLEM").await;

    let mut company = WsClient::init(&app.address, &z.staff_a.token);
    company.subscribe("1", UPDATED, json!({ "id": id }));
    let (company, snapshot) = next(company).await;
    assert_eq!(snapshot["type"], "next", "{snapshot}");
    assert_eq!(snapshot["payload"]["data"]["requestUpdated"]["status"], "SUBMITTED");

    let mut officer = WsClient::init(&app.address, &z.officer_a.token);
    officer.subscribe("1", UPDATED, json!({ "id": id }));
    let (officer, _) = next(officer).await;

    app.ok(
        &z.officer_a.token,
        NOTE,
        json!({ "id": id, "text": "内部核查", "internal": true }),
    )
    .await;
    app.ok(&z.officer_a.token, ACCEPT, json!({ "id": id, "v": v })).await;

    // Each answer differs from the one before; the last shows the acceptance. The internal note
    // changes nothing the company sees, so nothing of it reaches the company.
    let (_company, heard) = until_status(company, "ACCEPTED").await;
    for message in &heard {
        assert!(
            !message.to_string().contains("内部核查"),
            "internal notes never reach the company: {message}"
        );
        let timeline = message["payload"]["data"]["requestUpdated"]["timeline"]
            .as_array()
            .unwrap();
        assert!(timeline.iter().all(|e| e["internal"] == false), "{message}");
    }
    assert!(
        heard.len() <= 2,
        "the company heard the same request more often than it changed: {heard:?}"
    );

    let (_officer, heard) = until_status(officer, "ACCEPTED").await;
    let last = heard.last().unwrap();
    assert!(
        last.to_string().contains("内部核查"),
        "the officer sees internal notes: {last}"
    );
    assert_eq!(last["payload"]["data"]["requestUpdated"]["version"], v + 1);
    for pair in heard.windows(2) {
        assert_ne!(
            pair[0]["payload"], pair[1]["payload"],
            "an answer repeated the one before it"
        );
    }
}

/// Reads a `requestUpdated` subscriber's answers until one has `status`; all of them, in order.
async fn until_status(mut client: WsClient, status: &str) -> (WsClient, Vec<Value>) {
    let mut heard = Vec::new();
    loop {
        let (next_client, message) = next(client).await;
        client = next_client;
        assert_eq!(message["type"], "next", "{message}");
        let reached = message["payload"]["data"]["requestUpdated"]["status"] == status;
        heard.push(message);
        if reached {
            return (client, heard);
        }
    }
}

async fn subscriptions_keep_to_what_the_caller_may_see(app: TestApp) {
    let z = zone(&app).await;
    let (id_a, _) = z.raise(&app, "PROBLEM").await;

    // Another company cannot follow the request.
    let mut other = WsClient::init(&app.address, &z.staff_b.token);
    other.subscribe("1", UPDATED, json!({ "id": id_a }));
    let (other, refused) = next(other).await;
    let refusal = refused.to_string();
    assert!(refusal.contains("NOT_FOUND"), "{refused}");
    assert!(!refusal.contains("厂区停电"));

    // myRequestUpdates: company B hears only about its own requests.
    let mut other = other;
    other.subscribe("2", MINE, json!({}));
    let mut own = WsClient::init(&app.address, &z.staff_a.token);
    own.subscribe("1", MINE, json!({}));
    // Synchronise: a snapshot of a visible request proves the connection's subscriptions run.
    own.subscribe("2", UPDATED, json!({ "id": id_a }));
    let (own, _) = next(own).await;
    app.ok(&z.officer_a.token, NOTE, json!({ "id": id_a, "text": "跟进" }))
        .await;
    let raised_b = app
        .ok(&z.staff_b.token, RAISE, json!({ "input": { "kind": "PROBLEM", "categoryId": z.category, "title": "乙", "description": "乙的问题" } }))
        .await;
    let id_b = raised_b["raiseRequest"]["request"]["id"].as_str().unwrap().to_string();

    let (mut other, mut first_b) = next(other).await;
    while first_b["type"] == "complete" {
        (other, first_b) = next(other).await;
    }
    assert_eq!(first_b["id"], "2", "{first_b}");
    assert_eq!(
        first_b["payload"]["data"]["myRequestUpdates"]["id"],
        id_b.as_str(),
        "company B hears about its own request, not company A's note"
    );
    // Company A hears about its note on both subscriptions, and never about B's request.
    let mut heard = Vec::new();
    let mut own = own;
    for _ in 0..2 {
        let (client, message) = next(own).await;
        own = client;
        heard.push(message);
    }
    for message in &heard {
        assert!(!message.to_string().contains(&id_b), "{message}");
    }
    assert!(
        heard
            .iter()
            .any(|m| m["payload"]["data"]["myRequestUpdates"]["id"] == id_a.as_str()),
        "{heard:?}"
    );

    // A bad token closes the connection at init.
    let mut bad = WsClient::connect(&app.address);
    bad.send(json!({ "type": "connection_init", "payload": { "Authorization": "Bearer not-a-token" } }));
    let outcome = tokio::task::spawn_blocking(move || bad.next_message()).await.unwrap();
    assert!(
        outcome.as_ref().is_none_or(|m| m["type"] != "connection_ack"),
        "{outcome:?}"
    );
}

async fn a_disabled_account_stops_hearing(app: TestApp) {
    let z = zone(&app).await;
    let (id, v) = z.raise(&app, "PROBLEM").await;
    let mut company = WsClient::init(&app.address, &z.staff_a.token);
    company.subscribe("1", UPDATED, json!({ "id": id }));
    let (company, _) = next(company).await;
    let mut officer = WsClient::init(&app.address, &z.officer_a.token);
    officer.subscribe("1", UPDATED, json!({ "id": id }));
    let (officer, _) = next(officer).await;

    app.ok(
        &app.admin_token,
        "mutation($id: ID!) { disableUser(id: $id) { user { disabled } } }",
        json!({ "id": z.staff_a.id }),
    )
    .await;
    app.ok(&z.officer_a.token, ACCEPT, json!({ "id": id, "v": v })).await;
    let (_officer, accepted) = next(officer).await;
    assert_eq!(accepted["payload"]["data"]["requestUpdated"]["status"], "ACCEPTED");
    let quiet = tokio::task::spawn_blocking(move || {
        let mut company = company;
        company.stays_quiet(std::time::Duration::from_millis(500))
    })
    .await
    .unwrap();
    assert!(quiet, "the disabled account heard about the change");
}

/// On PostgreSQL, a change committed by one instance reaches subscribers of another: a second
/// server on the same database, and a writer outside this process (a plain connection that
/// commits a change and its notification, as another instance would).
async fn changes_cross_instances_on_postgres(app: TestApp) {
    use diesel::connection::SimpleConnection;
    use diesel::Connection;

    let z = zone(&app).await;
    let (id, v) = z.raise(&app, "PROBLEM").await;
    let state = zhitong::app::build_state(
        zhitong::config::Config::for_database(app.state.db.url().clone()),
        std::sync::Arc::new(app.clock.clone()),
    )
    .expect("a second instance");
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let second = format!("http://{}", listener.local_addr().unwrap());
    actix_rt::spawn(zhitong::app::start(listener, state, 1).unwrap());

    // Connect off the runtime, which must keep running to start the second server.
    let token = z.staff_a.token.clone();
    let mut subscriber = tokio::task::spawn_blocking(move || WsClient::init(&second, &token))
        .await
        .unwrap();
    subscriber.subscribe("1", UPDATED, json!({ "id": id }));
    let (subscriber, _) = next(subscriber).await;
    app.ok(&z.officer_a.token, ACCEPT, json!({ "id": id, "v": v })).await;
    let (subscriber, accepted) = next(subscriber).await;
    assert_eq!(accepted["payload"]["data"]["requestUpdated"]["status"], "ACCEPTED");

    let zhitong::db::DbUrl::Postgres(url) = app.state.db.url().clone() else {
        unreachable!("a PostgreSQL test")
    };
    let numeric_id: i64 = id.trim_start_matches("req_").parse().unwrap();
    tokio::task::spawn_blocking(move || {
        let mut outside = diesel::PgConnection::establish(&url).unwrap();
        outside
            .batch_execute(&format!(
                "BEGIN; UPDATE requests SET title = '外部实例修改', version = version + 1 WHERE id = {numeric_id}; \
                 SELECT pg_notify('zhitong_requests_' || current_schema(), '{numeric_id}:' || \
                 (SELECT company_id FROM requests WHERE id = {numeric_id})); COMMIT;"
            ))
            .unwrap();
    })
    .await
    .unwrap();
    let (_subscriber, changed) = next(subscriber).await;
    assert_eq!(
        changed["payload"]["data"]["requestUpdated"]["version"],
        v + 2,
        "{changed}"
    );
}

mod changes_cross_instances_on_postgres {
    #[actix_rt::test]
    #[cfg_attr(not(zhitong_pg_tests), ignore = "PostgreSQL: set ZHITONG_TEST_DATABASE_URL to run")]
    async fn postgres() {
        super::changes_cross_instances_on_postgres(
            crate::helpers::TestApp::spawn(crate::helpers::Backend::Postgres).await,
        )
        .await
    }
}
