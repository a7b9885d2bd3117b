//! The reader's language: errors, labels, names and notifications in zh-CN (the default) and
//! in English, chosen by the user's own locale (`setMyLocale`) or per request by
//! `Accept-Language`; reasons and versions that stay the same in both.

use serde_json::{json, Value};

use crate::backend_tests;
use crate::helpers::TestApp;
use crate::requests::{zone, ACCEPT, DISPATCH, SIGN};

backend_tests!(
    errors_speak_each_reader_s_language,
    labels_and_names_follow_the_reader,
    notifications_speak_the_recipient_s_language,
);

const SET_LOCALE: &str = "mutation($l: Locale!) { setMyLocale(locale: $l) { id locale } }";
const READ: &str = "query($id: ID!) { request(id: $id) { status statusLabel kindLabel channelLabel urgencyLabel tasks { status statusLabel } } }";

/// Posts a document with an `Accept-Language` header.
async fn post_in(app: &TestApp, token: &str, language: &str, query: &str, variables: Value) -> Value {
    app.http()
        .post(app.url("/graphql"))
        .bearer_auth(token)
        .header("Accept-Language", language)
        .json(&json!({ "query": query, "variables": variables }))
        .send()
        .await
        .expect("the server answers")
        .json()
        .await
        .expect("a JSON body")
}

fn first_error(response: &Value) -> &Value {
    &response["errors"][0]
}

async fn errors_speak_each_reader_s_language(app: TestApp) {
    let z = zone(&app).await;
    let (id, version) = z.raise(&app, "PROBLEM").await;

    // A company user may not accept: FORBIDDEN, the same reason in both languages.
    let zh = app
        .post(Some(&z.staff_a.token), ACCEPT, json!({ "id": id, "v": version }))
        .await;
    let en = post_in(
        &app,
        &z.staff_a.token,
        "en-US,en;q=0.9",
        ACCEPT,
        json!({ "id": id, "v": version }),
    )
    .await;
    for response in [&zh, &en] {
        assert_eq!(first_error(response)["extensions"]["code"], "FORBIDDEN", "{response:#}");
        assert_eq!(
            first_error(response)["extensions"]["reason"],
            "ONLY_HANDLER",
            "{response:#}"
        );
    }
    assert_eq!(
        first_error(&zh)["message"],
        "只有该诉求的服务专员或管理员可以执行此操作",
        "{zh:#}"
    );
    assert_eq!(
        first_error(&en)["message"],
        "only the request's officer or an admin may do this",
        "{en:#}"
    );

    // The officer accepts; a second accept with the stale version is a CONFLICT that says the
    // current version, in the officer's language (English after setMyLocale).
    let accepted = app
        .ok(&z.officer_a.token, ACCEPT, json!({ "id": id, "v": version }))
        .await;
    let current = accepted["acceptRequest"]["request"]["version"].as_i64().unwrap();
    let me = app.ok(&z.officer_a.token, SET_LOCALE, json!({ "l": "EN" })).await;
    assert_eq!(me["setMyLocale"]["locale"], "EN");
    let stale = app
        .post(Some(&z.officer_a.token), ACCEPT, json!({ "id": id, "v": version }))
        .await;
    let error = first_error(&stale);
    assert_eq!(error["extensions"]["code"], "CONFLICT", "{stale:#}");
    assert_eq!(error["extensions"]["reason"], "REQUEST_CHANGED", "{stale:#}");
    assert_eq!(error["extensions"]["version"], current, "{stale:#}");
    let message = error["message"].as_str().unwrap();
    assert!(
        message.is_ascii() && message.contains(&current.to_string()),
        "{message}"
    );
    // The header still wins for one request.
    let stale_zh = post_in(
        &app,
        &z.officer_a.token,
        "zh-CN",
        ACCEPT,
        json!({ "id": id, "v": version }),
    )
    .await;
    let message_zh = first_error(&stale_zh)["message"].as_str().unwrap();
    assert!(
        !message_zh.is_ascii() && message_zh.contains(&current.to_string()),
        "{message_zh}"
    );
    assert_eq!(
        app.ok(&z.officer_a.token, "{ me { locale } }", json!({})).await["me"]["locale"],
        "EN"
    );

    // A refused task step keeps the reason the apps know and names the finer cause.
    let dispatched = app
        .ok(
            &z.officer_a.token,
            DISPATCH,
            json!({ "id": id, "v": current, "d": [{ "departmentId": z.departments[0], "lead": true }] }),
        )
        .await;
    let task = dispatched["dispatchRequest"]["tasks"][0]["id"]
        .as_str()
        .unwrap()
        .to_string();
    app.ok(&z.dept_staff[0].token, SIGN, json!({ "t": task })).await;
    let twice = app.post(Some(&z.dept_staff[0].token), SIGN, json!({ "t": task })).await;
    let error = first_error(&twice);
    assert_eq!(error["extensions"]["code"], "BAD_USER_INPUT", "{twice:#}");
    assert_eq!(error["extensions"]["reason"], "INVALID_TRANSITION", "{twice:#}");
    assert_eq!(error["extensions"]["detail"], "TASK_INVALID_TRANSITION", "{twice:#}");
    assert_eq!(
        error["message"], "任务当前状态为 SIGNED，不能执行 signTask",
        "{twice:#}"
    );

    // A document the server cannot parse is refused in the header's language too.
    let broken = post_in(&app, &z.staff_a.token, "en", "{ me { name ", json!({})).await;
    assert!(broken["errors"][0]["extensions"]["reason"].is_string(), "{broken:#}");
    // The refusals changed nothing: the request is where the one signature took it.
    let read = app.ok(&z.officer_a.token, READ, json!({ "id": id })).await;
    assert_eq!(read["request"]["status"], "IN_PROGRESS");
}

async fn labels_and_names_follow_the_reader(app: TestApp) {
    let z = zone(&app).await;
    let (id, version) = z.raise(&app, "PROBLEM").await;
    let created = app
        .ok(
            &app.admin_token,
            "mutation { createDepartment(name: \"生态环境局\", nameEn: \"Ecology and Environment Bureau\") { department { id name nameEn displayName } } }",
            json!({}),
        )
        .await;
    let department = &created["createDepartment"]["department"];
    assert_eq!(department["nameEn"], "Ecology and Environment Bureau");
    assert_eq!(
        department["displayName"], "生态环境局",
        "the admin reads zh-CN by default"
    );
    let department_id = department["id"].as_str().unwrap().to_string();
    let query = "query($id: ID!) { department(id: $id) { name displayName } }";
    let en = post_in(&app, &app.admin_token, "en", query, json!({ "id": department_id })).await;
    assert_eq!(
        en["data"]["department"]["displayName"],
        "Ecology and Environment Bureau"
    );
    assert_eq!(en["data"]["department"]["name"], "生态环境局");
    // Without an English name, English readers see the Chinese one.
    let plain = post_in(&app, &app.admin_token, "en", query, json!({ "id": z.departments[0] })).await;
    assert_eq!(
        plain["data"]["department"]["displayName"],
        plain["data"]["department"]["name"]
    );
    // Clearing the English name.
    let cleared = app
        .ok(
            &app.admin_token,
            "mutation($id: ID!) { updateDepartment(id: $id, nameEn: \"\") { department { nameEn } } }",
            json!({ "id": department_id }),
        )
        .await;
    assert_eq!(cleared["updateDepartment"]["department"]["nameEn"], Value::Null);

    // The request's labels: zh-CN for the company user, English for an English header.
    app.ok(&z.officer_a.token, ACCEPT, json!({ "id": id, "v": version }))
        .await;
    let zh = app.ok(&z.staff_a.token, READ, json!({ "id": id })).await;
    assert_eq!(zh["request"]["status"], "ACCEPTED");
    assert_eq!(zh["request"]["statusLabel"], "已受理");
    let en = post_in(&app, &z.staff_a.token, "en", READ, json!({ "id": id })).await;
    assert_eq!(en["data"]["request"]["statusLabel"], "accepted", "{en:#}");
    for field in ["kindLabel", "channelLabel", "urgencyLabel"] {
        let zh_label = zh["request"][field].as_str().unwrap();
        let en_label = en["data"]["request"][field].as_str().unwrap();
        assert!(
            !zh_label.is_ascii() && en_label.is_ascii(),
            "{field}: {zh_label} / {en_label}"
        );
    }

    // The labels table, one call per language, the same values in both.
    let labels = "{ labels { enumName value label } }";
    let zh = app.post(None, labels, json!({})).await;
    let en = app
        .http()
        .post(app.url("/graphql"))
        .header("Accept-Language", "en")
        .json(&json!({ "query": labels }))
        .send()
        .await
        .unwrap()
        .json::<Value>()
        .await
        .unwrap();
    let zh = zh["data"]["labels"].as_array().unwrap().clone();
    let en = en["data"]["labels"].as_array().unwrap().clone();
    assert_eq!(zh.len(), en.len());
    assert!(zh.len() > 40, "{}", zh.len());
    let find = |rows: &[Value], table: &str, value: &str| {
        rows.iter()
            .find(|r| r["enumName"] == table && r["value"] == value)
            .map(|r| r["label"].as_str().unwrap().to_string())
            .unwrap_or_else(|| panic!("no label for {table}.{value}"))
    };
    assert_eq!(find(&zh, "RequestStatus", "SUBMITTED"), "待受理");
    assert_eq!(find(&en, "RequestStatus", "SUBMITTED"), "submitted");
    for table in [
        "RequestStatus",
        "TaskStatus",
        "RequestKind",
        "Channel",
        "Urgency",
        "EventKind",
        "Role",
    ] {
        assert!(zh.iter().any(|r| r["enumName"] == table), "{table} has labels");
    }
}

async fn notifications_speak_the_recipient_s_language(app: TestApp) {
    let z = zone(&app).await;
    // The officer reads English; the company's staff keep zh-CN. Both have a phone whose
    // locale says otherwise: the user's own choice decides.
    app.ok(&z.officer_a.token, SET_LOCALE, json!({ "l": "EN" })).await;
    app.register_device(&z.officer_a.token, "tok-officer", "zh-CN").await;
    app.register_device(&z.staff_a.token, "tok-staff", "en-US").await;
    let (id, version) = z.raise(&app, "PROBLEM").await;
    app.ok(&z.officer_a.token, ACCEPT, json!({ "id": id, "v": version }))
        .await;

    let inbox = "{ notifications(first: 10) { edges { node { kind title body locale } } } }";
    let officer = app.ok(&z.officer_a.token, inbox, json!({})).await;
    let raised = officer["notifications"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| &e["node"])
        .find(|n| n["kind"] == "REQUEST_RAISED")
        .expect("the officer is told of the new request")
        .clone();
    assert_eq!(raised["locale"], "en");
    assert!(raised["title"].as_str().unwrap().is_ascii(), "{raised}");

    let staff = app.ok(&z.staff_a.token, inbox, json!({})).await;
    let accepted = staff["notifications"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| &e["node"])
        .find(|n| n["kind"] == "REQUEST_ACCEPTED")
        .expect("the company is told its request was accepted")
        .clone();
    assert_eq!(accepted["locale"], "zh-CN");
    assert_eq!(accepted["title"], "诉求已受理", "{accepted}");

    // The pushes waiting for each phone carry the same texts as the inbox.
    let rows = push_titles(&app).await;
    assert!(
        rows.iter()
            .any(|(token, title)| token == "tok-officer" && *title == raised["title"].as_str().unwrap()),
        "{rows:?}"
    );
    assert!(
        rows.iter()
            .any(|(token, title)| token == "tok-staff" && title == "诉求已受理"),
        "{rows:?}"
    );
}

/// Every push waiting in the outbox: its device token and title, straight from the database.
async fn push_titles(app: &TestApp) -> Vec<(String, String)> {
    use diesel::prelude::*;
    #[derive(QueryableByName)]
    struct Row {
        #[diesel(sql_type = diesel::sql_types::Text)]
        token: String,
        #[diesel(sql_type = diesel::sql_types::Text)]
        title: String,
    }
    app.state
        .db
        .read(|conn| {
            let rows: Vec<Row> = diesel::sql_query("SELECT token, title FROM push_deliveries").load(conn)?;
            Ok(rows.into_iter().map(|r| (r.token, r.title)).collect())
        })
        .await
        .expect("the outbox")
}
