//! The structured timeline: one request driven through its steps, read by a zh-CN company user
//! and an English admin. Each event's text is rendered in the reader's language from its
//! parts; the user's own words are the same in both; the parts come as typed `details`; the
//! database holds the parts as JSON (and a zh-CN sentence). Events written before the timeline
//! was structured keep their text.

use diesel::sql_types::{Nullable, Text};
use serde_json::{json, Value};

use crate::backend_tests;
use crate::helpers::TestApp;
use crate::requests::{
    zone, ACCEPT, COMPLETE, CONFIRM, DISPATCH, NOTE, PLAN, RESOLVE, SIGN, UNRESOLVABLE, URGE, WITHDRAW,
};

backend_tests!(
    one_request_reads_in_each_reader_s_language,
    the_last_event_and_the_other_steps_render_too,
    an_event_written_before_keeps_its_text,
);

const TIMELINE: &str = "query($id: ID!) { request(id: $id) { timeline { kind internal text
    details { actorName byAdministration channel departments { id name nameEn displayName lead }
      fromDepartment { id name } toDepartment { id name }
      note reason answer result comment question message responsible approach dueAt previousDueAt
      filingNumber waitedMinutes days stage limit solved satisfied } }
    lastEvent { kind text } } }";
const ASK: &str =
    "mutation($id: ID!, $q: String!) { requestInformation(requestId: $id, question: $q) { request { version } } }";
const ANSWER_INFO: &str =
    "mutation($id: ID!, $a: String!) { provideInformation(requestId: $id, answer: $a) { request { version } } }";
const SET_LOCALE: &str = "mutation($l: Locale!) { setMyLocale(locale: $l) { id } }";

async fn timeline(app: &TestApp, token: &str, id: &str) -> Value {
    app.ok(token, TIMELINE, json!({ "id": id })).await["request"].clone()
}

fn texts(request: &Value) -> Vec<(String, String)> {
    request["timeline"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["kind"].as_str().unwrap().to_string(),
                e["text"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

fn row_id(opaque: &str) -> i64 {
    opaque.rsplit('_').next().unwrap().parse().unwrap()
}

async fn sql(app: &TestApp, statement: String) {
    app.state
        .db
        .write(move |conn| {
            use diesel::RunQueryDsl;
            diesel::sql_query(statement).execute(&mut **conn)?;
            Ok(())
        })
        .await
        .expect("fixture statement");
}

#[derive(diesel::QueryableByName, Debug)]
struct StoredEvent {
    #[diesel(sql_type = Text)]
    kind: String,
    #[diesel(sql_type = Text)]
    text: String,
    #[diesel(sql_type = Nullable<Text>)]
    details: Option<String>,
}

async fn stored_events(app: &TestApp, request_id: i64) -> Vec<StoredEvent> {
    app.state
        .db
        .read(move |conn| {
            use diesel::RunQueryDsl;
            Ok(diesel::sql_query(format!(
                "SELECT kind, text, details FROM request_events WHERE request_id = {request_id} ORDER BY id"
            ))
            .load::<StoredEvent>(conn)?)
        })
        .await
        .expect("the stored events")
}

async fn one_request_reads_in_each_reader_s_language(app: TestApp) {
    let mut z = zone(&app).await;
    // The power company has an English name; the water bureau has none and reads in Chinese.
    sql(
        &app,
        format!(
            "UPDATE departments SET name_en = 'Power Supply Company' WHERE id = {}",
            row_id(&z.departments[0])
        ),
    )
    .await;
    let (id, version) = z.raise(&app, "PROBLEM").await;
    let officer = z.officer_a.token.clone();
    let staff = z.staff_a.token.clone();
    let power = z.dept_staff[0].token.clone();

    let v = app.ok(&officer, ACCEPT, json!({ "id": id, "v": version })).await["acceptRequest"]["request"]["version"]
        .as_i64()
        .unwrap();
    let dispatched = app
        .ok(
            &officer,
            DISPATCH,
            json!({ "id": id, "v": v, "n": "请协调抢修",
                    "d": [{ "departmentId": z.departments[0], "lead": true },
                          { "departmentId": z.departments[1], "lead": false }] }),
        )
        .await;
    let task = dispatched["dispatchRequest"]["tasks"][0]["id"]
        .as_str()
        .unwrap()
        .to_string();
    app.ok(&staff, URGE, json!({ "id": id, "m": "请尽快" })).await;
    app.ok(&power, SIGN, json!({ "t": task })).await;
    app.ok(&power, ASK, json!({ "id": id, "q": "请提供用电负荷表" })).await;
    app.clock.advance(chrono::Duration::minutes(12));
    app.ok(&staff, ANSWER_INFO, json!({ "id": id, "a": "负荷表见附件" }))
        .await;
    app.ok(
        &power,
        PLAN,
        json!({ "t": task, "who": "王工", "how": "更换故障电缆", "due": "2026-03-06T09:00:00Z" }),
    )
    .await;
    app.ok(&power, COMPLETE, json!({ "t": task, "r": "已恢复供电" })).await;
    app.ok(
        &staff,
        CONFIRM,
        json!({ "id": id, "s": true, "sat": false, "c": "电压仍有波动" }),
    )
    .await;
    app.ok(&officer, NOTE, json!({ "id": id, "text": "已电话回访" })).await;
    let v = app
        .ok(
            &staff,
            "query($id: ID!) { request(id: $id) { version } }",
            json!({ "id": id }),
        )
        .await["request"]["version"]
        .as_i64()
        .unwrap();
    app.ok(&officer, RESOLVE, json!({ "id": id, "v": v, "a": "已更换稳压设备" }))
        .await;
    app.ok(&staff, CONFIRM, json!({ "id": id, "s": true, "sat": true }))
        .await;

    // The company's staff read in zh-CN (the default).
    let zh = timeline(&app, &staff, &id).await;
    let expected_zh = [
        ("RAISED", "甲员工提交诉求（企业自主提交）"),
        ("ACCEPTED", "甲专员受理诉求"),
        ("DISPATCHED", "派单至供电公司（牵头）、水务局：请协调抢修"),
        ("URGED", "企业催办：请尽快"),
        ("SIGNED", "供电公司签收"),
        ("INFO_REQUESTED", "请企业补充材料：请提供用电负荷表"),
        ("INFO_PROVIDED", "企业于0.2小时后补充材料，时限相应顺延：负荷表见附件"),
        (
            "PLANNED",
            "供电公司办理计划：王工负责，2026-03-06 17:00 +08:00前办结：更换故障电缆",
        ),
        ("COMPLETED", "供电公司办结任务：已恢复供电"),
        ("REOPENED", "企业评价：已解决，不满意：电压仍有波动"),
        ("NOTE", "进展说明：已电话回访"),
        ("RESOLVED", "办结：已更换稳压设备"),
        ("CLOSED", "企业评价：已解决，满意"),
    ];
    let as_owned = |list: &[(&str, &str)]| -> Vec<(String, String)> {
        list.iter().map(|(k, t)| (k.to_string(), t.to_string())).collect()
    };
    assert_eq!(texts(&zh), as_owned(&expected_zh));
    assert_eq!(
        zh["lastEvent"],
        json!({ "kind": "CLOSED", "text": "企业评价：已解决，满意" })
    );

    // The admin reads in English, the same request.
    app.ok(&app.admin_token, SET_LOCALE, json!({ "l": "EN" })).await;
    let en = timeline(&app, &app.admin_token, &id).await;
    let expected_en = [
        ("RAISED", "raised by 甲员工 (in the app)"),
        ("ACCEPTED", "accepted by 甲专员"),
        (
            "DISPATCHED",
            "dispatched to Power Supply Company (lead), 水务局: 请协调抢修",
        ),
        ("URGED", "urged by the company: 请尽快"),
        ("SIGNED", "signed for by Power Supply Company"),
        ("INFO_REQUESTED", "information asked of the company: 请提供用电负荷表"),
        (
            "INFO_PROVIDED",
            "the company answered after 0.2 h; the time limits moved by that much: 负荷表见附件",
        ),
        (
            "PLANNED",
            "plan of Power Supply Company: 王工 handles it by 2026-03-06 17:00 +08:00: 更换故障电缆",
        ),
        ("COMPLETED", "Power Supply Company finished its task: 已恢复供电"),
        ("REOPENED", "the company's verdict: solved, not satisfied: 电压仍有波动"),
        ("NOTE", "progress note: 已电话回访"),
        ("RESOLVED", "resolved: 已更换稳压设备"),
        ("CLOSED", "the company's verdict: solved, satisfied"),
    ];
    assert_eq!(texts(&en), as_owned(&expected_en));
    // An Accept-Language header overrides the caller's locale for one request.
    let response = app
        .http()
        .post(app.url("/graphql"))
        .bearer_auth(&staff)
        .header("Accept-Language", "en")
        .json(&json!({ "query": TIMELINE, "variables": { "id": id } }))
        .send()
        .await
        .unwrap()
        .json::<Value>()
        .await
        .unwrap();
    assert_eq!(texts(&response["data"]["request"]), as_owned(&expected_en));

    // The user's own words are the same in both languages.
    for words in [
        "请协调抢修",
        "请尽快",
        "请提供用电负荷表",
        "负荷表见附件",
        "王工",
        "更换故障电缆",
        "已恢复供电",
        "电压仍有波动",
        "已电话回访",
        "已更换稳压设备",
    ] {
        let holds = |texts: &[(String, String)]| texts.iter().any(|(_, t)| t.contains(words));
        assert!(holds(&texts(&zh)) && holds(&texts(&en)), "{words} in both languages");
    }

    // The parts, typed.
    let event = |view: &Value, kind: &str| -> Value {
        view["timeline"]
            .as_array()
            .unwrap()
            .iter()
            .find(|e| e["kind"] == kind)
            .unwrap_or_else(|| panic!("a {kind} event"))["details"]
            .clone()
    };
    assert_eq!(event(&en, "RAISED")["actorName"], "甲员工");
    assert_eq!(event(&en, "RAISED")["channel"], "APP");
    let dispatch = event(&en, "DISPATCHED");
    assert_eq!(dispatch["actorName"], "甲专员");
    assert_eq!(dispatch["note"], "请协调抢修");
    assert_eq!(
        dispatch["departments"],
        json!([
            { "id": z.departments[0], "name": "供电公司", "nameEn": "Power Supply Company",
              "displayName": "Power Supply Company", "lead": true },
            { "id": z.departments[1], "name": "水务局", "nameEn": null, "displayName": "水务局", "lead": false },
        ])
    );
    assert_eq!(
        event(&zh, "DISPATCHED")["departments"][0]["displayName"],
        "供电公司",
        "the display name follows the reader"
    );
    assert!(dispatch["reason"].is_null() && dispatch["dueAt"].is_null());
    assert_eq!(event(&en, "URGED")["message"], "请尽快");
    assert_eq!(event(&en, "URGED")["byAdministration"], false);
    assert_eq!(event(&en, "SIGNED")["departments"][0]["id"], z.departments[0].as_str());
    assert_eq!(event(&en, "SIGNED")["actorName"], "供电公司员工");
    assert!(
        event(&zh, "SIGNED")["actorName"].is_null(),
        "company staff see a department's staff only by role, as with `actor`"
    );
    assert_eq!(event(&en, "INFO_REQUESTED")["question"], "请提供用电负荷表");
    assert_eq!(event(&en, "INFO_PROVIDED")["answer"], "负荷表见附件");
    assert_eq!(event(&en, "INFO_PROVIDED")["waitedMinutes"], 12);
    let plan = event(&en, "PLANNED");
    assert_eq!(plan["responsible"], "王工");
    assert_eq!(plan["approach"], "更换故障电缆");
    assert_eq!(plan["dueAt"], "2026-03-06T09:00:00+00:00");
    assert_eq!(event(&en, "COMPLETED")["result"], "已恢复供电");
    let reopened = event(&en, "REOPENED");
    assert_eq!(
        (&reopened["solved"], &reopened["satisfied"], &reopened["comment"]),
        (&json!(true), &json!(false), &json!("电压仍有波动"))
    );
    assert_eq!(event(&en, "NOTE")["note"], "已电话回访");
    assert_eq!(event(&en, "RESOLVED")["answer"], "已更换稳压设备");

    // On the database: the parts as JSON, and a Chinese sentence, not English prose.
    let stored = stored_events(&app, row_id(&id)).await;
    assert_eq!(stored.len(), expected_zh.len());
    for (row, (kind, text)) in stored.iter().zip(expected_zh) {
        assert_eq!(row.kind, kind);
        assert_eq!(row.text, text, "the stored text of {kind} is the zh-CN sentence");
        let details: Value = serde_json::from_str(row.details.as_deref().expect("details")).expect("JSON details");
        assert!(details.is_object(), "{details}");
    }
    let dispatch: Value = serde_json::from_str(stored[2].details.as_deref().unwrap()).unwrap();
    assert_eq!(
        dispatch,
        json!({ "actorName": "甲专员", "note": "请协调抢修", "departments": [
            { "id": row_id(&z.departments[0]), "name": "供电公司", "nameEn": "Power Supply Company", "lead": true },
            { "id": row_id(&z.departments[1]), "name": "水务局", "lead": false } ] })
    );

    // Renaming a department later does not rewrite history.
    sql(
        &app,
        format!(
            "UPDATE departments SET name = '供电局' WHERE id = {}",
            row_id(&z.departments[0])
        ),
    )
    .await;
    app.relogin(&mut z.staff_a).await;
    let again = timeline(&app, &z.staff_a.token, &id).await;
    assert_eq!(texts(&again), as_owned(&expected_zh));
}

async fn the_last_event_and_the_other_steps_render_too(mut app: TestApp) {
    let z = zone(&app).await;
    let officer = z.officer_a.token.clone();
    let staff = z.staff_a.token.clone();

    // Marked unresolvable, with its filing number.
    let (a, v) = z.raise(&app, "PROBLEM").await;
    let v = app.ok(&officer, ACCEPT, json!({ "id": a, "v": v })).await["acceptRequest"]["request"]["version"]
        .as_i64()
        .unwrap();
    app.ok(
        &officer,
        UNRESOLVABLE,
        json!({ "id": a, "v": v, "r": "现行政策不支持", "f": "BA-2026-017" }),
    )
    .await;
    // Withdrawn with a reason; urged by the administration first.
    let (b, _) = z.raise(&app, "PROBLEM").await;
    app.ok(&app.admin_token, URGE, json!({ "id": b, "m": "限期办理" }))
        .await;
    app.ok(&staff, WITHDRAW, json!({ "id": b, "r": "问题已自行解决" }))
        .await;
    // Withdrawn without a reason.
    let (c, _) = z.raise(&app, "PROBLEM").await;
    app.ok(&staff, WITHDRAW, json!({ "id": c })).await;

    let last = |view: &Value| view["lastEvent"]["text"].as_str().unwrap().to_string();
    let zh_a = timeline(&app, &staff, &a).await;
    assert_eq!(
        last(&zh_a),
        "按现行政策暂不能解决（备案号 BA-2026-017）：现行政策不支持"
    );
    let details = &zh_a["timeline"][2]["details"];
    assert_eq!(details["filingNumber"], "BA-2026-017");
    assert_eq!(details["reason"], "现行政策不支持");
    let zh_b = timeline(&app, &staff, &b).await;
    assert_eq!(texts(&zh_b)[1].1, "管委会督办催促：限期办理");
    assert_eq!(zh_b["timeline"][1]["details"]["byAdministration"], true);
    assert_eq!(last(&zh_b), "企业撤回诉求：问题已自行解决");
    assert_eq!(last(&timeline(&app, &staff, &c).await), "企业撤回诉求");

    app.ok(&app.admin_token, SET_LOCALE, json!({ "l": "EN" })).await;
    let admin = app.admin_token.clone();
    assert_eq!(
        last(&timeline(&app, &admin, &a).await),
        "cannot be solved under current policy (filed as BA-2026-017): 现行政策不支持"
    );
    let en_b = timeline(&app, &admin, &b).await;
    assert_eq!(texts(&en_b)[1].1, "urged by the administration (督办): 限期办理");
    assert_eq!(last(&en_b), "withdrawn by the company: 问题已自行解决");
    assert_eq!(last(&timeline(&app, &admin, &c).await), "withdrawn by the company");

    // Closed automatically: a consultation answered, then 7 days without feedback.
    let (d, v) = z.raise(&app, "CONSULTATION").await;
    let v = app.ok(&officer, ACCEPT, json!({ "id": d, "v": v })).await["acceptRequest"]["request"]["version"]
        .as_i64()
        .unwrap();
    app.ok(
        &officer,
        "mutation($id: ID!, $v: Int!, $a: String!) { answerRequest(id: $id, version: $v, answer: $a) { request { status } } }",
        json!({ "id": d, "v": v, "a": "可申请电费补贴" }),
    )
    .await;
    app.clock
        .advance(chrono::Duration::days(7) + chrono::Duration::minutes(1));
    assert_eq!(zhitong::requests::worker::run_once(&app.state).await.unwrap(), 1);
    app.relogin_admin().await;
    let en_d = timeline(&app, &app.admin_token, &d).await;
    assert_eq!(texts(&en_d)[2].1, "answered: 可申请电费补贴");
    assert_eq!(
        last(&en_d),
        "closed automatically: no feedback from the company within 7 days"
    );
    assert_eq!(en_d["lastEvent"]["kind"], "AUTO_CLOSED");
    assert_eq!(en_d["timeline"][3]["details"]["days"], 7);
    let session = app.login(&z.staff_a.phone, &z.staff_a.password).await;
    let zh_d = timeline(&app, session["accessToken"].as_str().unwrap(), &d).await;
    assert_eq!(last(&zh_d), "企业7天内未反馈，自动关闭");
}

async fn an_event_written_before_keeps_its_text(app: TestApp) {
    let z = zone(&app).await;
    let (id, _) = z.raise(&app, "PROBLEM").await;
    // A row written before the timeline was structured: English prose, no details.
    sql(
        &app,
        format!(
            "INSERT INTO request_events (request_id, task_id, kind, actor_id, text, internal, from_status, to_status, created_at, details) \
             SELECT request_id, NULL, 'ACCEPTED', actor_id, 'accepted by 雷均', internal, 'SUBMITTED', 'ACCEPTED', created_at, NULL \
             FROM request_events WHERE request_id = {} AND kind = 'RAISED'",
            row_id(&id)
        ),
    )
    .await;
    let zh = timeline(&app, &z.staff_a.token, &id).await;
    assert_eq!(
        texts(&zh),
        vec![
            ("RAISED".to_string(), "甲员工提交诉求（企业自主提交）".to_string()),
            ("ACCEPTED".to_string(), "accepted by 雷均".to_string()),
        ]
    );
    assert!(zh["timeline"][1]["details"].is_null());
    app.ok(&app.admin_token, SET_LOCALE, json!({ "l": "EN" })).await;
    let en = timeline(&app, &app.admin_token, &id).await;
    assert_eq!(texts(&en)[1].1, "accepted by 雷均", "as written, in every language");
    assert_eq!(texts(&en)[0].1, "raised by 甲员工 (in the app)");
}
