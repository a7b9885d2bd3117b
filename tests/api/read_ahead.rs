//! Reading ahead (issue 16): the request lists and the request detail read what their
//! selection asks for (categories, companies, people, tasks and their departments, the
//! timeline and who acted in it) in one visit to the database. Their answers must be the ones
//! the loaders give: each role's lists and details over `POST /graphql` (which reads ahead) are
//! compared field by field with the same documents sent over the websocket (whose sessions read
//! nothing ahead and resolve every field through the loaders). The database is asked fewer
//! times for the home screen, counted by the server's own read figures.

use serde_json::{json, Value};

use crate::backend_tests;
use crate::helpers::{reads, TestApp, TestUser};
use crate::requests::{dispatched, due, zone, NOTE, PLAN, RAISE, SIGN};
use crate::requests_ws::WsClient;

backend_tests!(
    every_role_sees_the_same_lists_and_details_read_ahead_as_through_the_loaders,
    the_home_screen_takes_two_reads_instead_of_nine,
);

/// Every field of a request the apps and the explorer show, with the people and departments.
const FIELDS: &str = "id number status kind urgency channel title description version answer filingNumber
    createdAt updatedAt
    category { id code name } company { id name } officer { id name phone role } raisedBy { id name role }
    tasks { id lead status department { id name } plan { responsible approach dueAt } dueAt result }
    timeline { id kind kindLabel actor { id name } actorRole at text internal taskId fromStatus toStatus
        details { actorName note departments { id name lead } } }
    lastEvent { kind text at actor { id name } actorRole }
    satisfaction { solved satisfied comment noFeedback at }";

fn list(field: &str) -> String {
    format!("query {{ {field}(first: 50) {{ totalCount edges {{ cursor node {{ {FIELDS} }} }} pageInfo {{ hasNextPage endCursor }} }} }}")
}

fn detail() -> String {
    format!("query($id: ID!) {{ request(id: $id) {{ {FIELDS} }} }}")
}

/// The same document over the websocket: its `data`, or its errors as they came.
async fn over_websocket(app: &TestApp, token: &str, query: &str, variables: Value) -> Value {
    let (address, token, query) = (app.address.clone(), token.to_string(), query.to_string());
    tokio::task::spawn_blocking(move || {
        let mut ws = WsClient::init(&address, &token);
        ws.subscribe("1", &query, variables);
        let message = ws.next_message().expect("an answer over the websocket");
        assert_eq!(message["type"], "next", "{message}");
        message["payload"].clone()
    })
    .await
    .unwrap()
}

/// A zone with requests in many states: dispatched to two departments with a sign, a plan and
/// notes (one internal), a consultation just raised, another company's request, one an admin
/// took down on the hotline, and one with the third department.
async fn many_states(app: &TestApp) -> crate::requests::Zone {
    let z = zone(app).await;
    let (id, _, tasks) = dispatched(app, &z, &[0, 1]).await;
    app.ok(&z.dept_staff[0].token, SIGN, json!({ "t": tasks[0] })).await;
    app.ok(
        &z.dept_staff[0].token,
        PLAN,
        json!({ "t": tasks[0], "who": "张工", "how": "更换电缆", "due": due(app, 3) }),
    )
    .await;
    for (token, text, internal) in [
        (&z.officer_a.token, "已与供电公司电话沟通", true),
        (&z.officer_a.token, "正在协调处理", false),
        (&z.dept_staff[1].token, "水务局已到现场", false),
    ] {
        app.ok(token, NOTE, json!({ "id": id, "text": text, "internal": internal }))
            .await;
    }
    z.raise(app, "CONSULTATION").await;
    app.ok(
        &z.staff_b.token,
        RAISE,
        json!({ "input": { "kind": "PROBLEM", "categoryId": z.category, "title": "路灯不亮", "description": "园区北路路灯全部不亮" } }),
    )
    .await;
    app.ok(
        &app.admin_token,
        RAISE,
        json!({ "input": { "companyId": z.company_a, "channel": "HOTLINE", "kind": "PROBLEM", "categoryId": z.category,
            "title": "电压不稳", "description": "热线来电：车间电压忽高忽低" } }),
    )
    .await;
    let (_, _, third) = dispatched(app, &z, &[2]).await;
    app.ok(&z.dept_staff[2].token, SIGN, json!({ "t": third[0] })).await;
    z
}

async fn every_role_sees_the_same_lists_and_details_read_ahead_as_through_the_loaders(app: TestApp) {
    let z = many_states(&app).await;
    let admin = TestUser {
        token: app.admin_token.clone(),
        ..z.staff_c.clone()
    };
    let roles: Vec<(&str, &TestUser, Vec<&str>)> = vec![
        ("company A", &z.staff_a, vec!["requests", "myRequests"]),
        ("company B", &z.staff_b, vec!["requests", "myRequests"]),
        ("company C", &z.staff_c, vec!["requests", "myRequests"]),
        ("officer A", &z.officer_a, vec!["requests", "myTasks"]),
        ("officer B", &z.officer_b, vec!["requests", "myTasks"]),
        ("department 0", &z.dept_staff[0], vec!["requests", "myTasks"]),
        ("department 1", &z.dept_staff[1], vec!["requests", "myTasks"]),
        ("department 2", &z.dept_staff[2], vec!["requests", "myTasks"]),
        ("admin", &admin, vec!["requests"]),
    ];
    let (mut compared, mut with_tasks, mut with_internal) = (0, 0, 0);
    for (role, user, lists) in &roles {
        let mut ids = Vec::new();
        for field in lists {
            let query = list(field);
            let http = app.post(Some(&user.token), &query, json!({})).await;
            let ws = over_websocket(&app, &user.token, &query, json!({})).await;
            assert!(http.get("errors").is_none(), "{role} {field}: {http}");
            assert_eq!(
                http, ws,
                "{role} {field}: read ahead (left) and through the loaders (right)"
            );
            for edge in http["data"][field]["edges"].as_array().unwrap() {
                let node = &edge["node"];
                ids.push(node["id"].as_str().unwrap().to_string());
                with_tasks += usize::from(!node["tasks"].as_array().unwrap().is_empty());
                with_internal += node["timeline"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .filter(|e| e["internal"] == true)
                    .count();
            }
        }
        ids.sort();
        ids.dedup();
        for id in &ids {
            let http = app.post(Some(&user.token), &detail(), json!({ "id": id })).await;
            let ws = over_websocket(&app, &user.token, &detail(), json!({ "id": id })).await;
            assert!(http.get("errors").is_none(), "{role} request {id}: {http}");
            assert_eq!(
                http, ws,
                "{role} request {id}: read ahead (left) and through the loaders (right)"
            );
            compared += 1;
        }
        match *role {
            "company C" => assert!(ids.is_empty(), "{role} sees {ids:?}"),
            "company A" => assert_eq!(ids.len(), 4, "{role}"),
            "company B" | "department 0" | "department 1" | "department 2" => assert!(!ids.is_empty(), "{role}"),
            "admin" => assert_eq!(ids.len(), 5, "{role}"),
            _ => {}
        }
    }
    // The comparison covered what reading ahead reads: tasks with departments, internal events.
    assert!(compared >= 15, "{compared} details compared");
    assert!(with_tasks >= 6, "{with_tasks} listed requests with tasks");
    assert!(with_internal >= 2, "{with_internal} internal events listed");

    // A company never sees another's requests, nor internal events, read ahead or not.
    let mine = app.post(Some(&z.staff_b.token), &list("myRequests"), json!({})).await;
    let texts = mine.to_string();
    assert!(
        !texts.contains("厂区停电") && !texts.contains("已与供电公司电话沟通"),
        "{texts}"
    );
}

async fn the_home_screen_takes_two_reads_instead_of_nine(app: TestApp) {
    let z = many_states(&app).await;
    // The company home screen as bench/load.rs sends it.
    let home = "query Home { myRequests(first: 20) { totalCount edges { cursor node { id number status kind \
        urgency title category { id name } officer { id name phone } tasks { id lead status department { id name } } \
        lastEvent { kind text at } version updatedAt } } pageInfo { hasNextPage endCursor } } }";
    app.ok(&z.staff_a.token, home, json!({})).await;
    let before = reads(&app);
    let data = app.ok(&z.staff_a.token, home, json!({})).await;
    let after = reads(&app);
    let edges = data["myRequests"]["edges"].as_array().unwrap();
    assert_eq!(edges.len(), 4);
    assert!(edges
        .iter()
        .any(|e| e["node"]["tasks"][0]["department"]["name"] == "供电公司"));
    // The page (with its count) and everything the page's selection asks for: two reads,
    // whatever the page holds; the caller is remembered from the first screen. Through the
    // loaders, with the caller read on every request, it took nine.
    assert_eq!(after - before, 2.0, "read transactions for one home screen");
}
