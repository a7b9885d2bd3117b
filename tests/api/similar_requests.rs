//! Similar requests (issue 19, part 1) and the caller at intake (part 4): ten companies raise
//! the same road problem in their own words and the officer sees the others suggested, while
//! no company learns of another; the labelled set keeps the suggestions' precision and recall
//! at 3 above 0.8; a hotline caller is recorded, masked for departments and erased with the
//! person's data.

use std::collections::{HashMap, HashSet};

use chrono::Duration;
use serde::Deserialize;
use serde_json::{json, Value};

use zhitong::search::measure::AtK;

use crate::backend_tests;
use crate::helpers::{credit_code, TestApp, TestUser};

backend_tests!(
    ten_companies_raising_the_same_road_problem_see_nothing_of_each_other_while_the_officer_sees_them_suggested,
    the_labelled_set_keeps_precision_and_recall_at_three_above_the_target,
    a_hotline_caller_is_recorded_masked_for_departments_and_erased_with_the_person,
);

const RAISE: &str = "mutation($input: RaiseRequestInput!) { raiseRequest(input: $input) { request { id status version caller { name role phone masked erased } } } }";
const SIMILAR: &str = "query($id: ID!, $first: Int) { request(id: $id) { id similarRequests(first: $first) { score textScore categoryScore daysApart requestId number title status companyName raisedAt category { code } request { id } } } }";
const FIND: &str = "query($text: String!, $c: ID, $first: Int) { findSimilarRequests(text: $text, categoryId: $c, first: $first) { score requestId companyName } }";

fn reason(response: &Value) -> (String, String) {
    let error = &response["errors"][0]["extensions"];
    (
        error["code"].as_str().unwrap_or_default().to_string(),
        error["reason"].as_str().unwrap_or_default().to_string(),
    )
}

/// The same problem (the heavy vehicles' road in the east district) as ten companies put it.
const ROAD: [(&str, &str); 10] = [
    (
        "东区工业大道被重卡压坏了",
        "工业大道每天都有很多重卡经过，路面被压出大坑，我们的车进出很困难。",
    ),
    (
        "厂门口道路坑洼，货车难走",
        "我们厂门口的工业大道坑洼不平，运货的大货车经常颠坏货物，请修一下路。",
    ),
    (
        "工业大道路面破损严重",
        "东区工业大道的路面破损得厉害，下雨就积水，重型车辆一过更糟。",
    ),
    (
        "重型车辆压坏园区道路",
        "重型车辆长期通行，把东区工业大道压得到处是坑，员工骑车上下班摔倒过。",
    ),
    (
        "请求修复工业大道",
        "工业大道东段路面塌陷开裂，大车通行时很危险，请尽快修复道路。",
    ),
    (
        "东区主干道坑坑洼洼",
        "园区东区主干道工业大道被大货车压烂，物流车只能绕路，运输成本增加。",
    ),
    (
        "工业大道太烂了，车没法走",
        "工业大道路面全是坑洼，我们的货车底盘都刮坏了，希望管委会修路。",
    ),
    (
        "道路被重车压出大坑",
        "东区工业大道被重车压出好几个大坑，晚上看不清，容易出事故。",
    ),
    (
        "反映工业大道路况差",
        "我司位于工业大道旁，道路破损坑洼严重，重卡进出困难，请协调维修。",
    ),
    (
        "园区道路损坏影响运输",
        "工业大道长期被重型货车碾压，路面损坏，影响我们原料和成品的运输。",
    ),
];

async fn ten_companies_raising_the_same_road_problem_see_nothing_of_each_other_while_the_officer_sees_them_suggested(
    app: TestApp,
) {
    let cats = app.category_ids().await;
    let officer = app.create_user("OFFICER", "13900000001", "雷均", json!({})).await;
    let mut companies = Vec::new();
    let mut staff: Vec<TestUser> = Vec::new();
    for i in 0..12u32 {
        let company = app
            .create_company(&format!("第{i}号企业有限公司"), &credit_code(700 + i))
            .await;
        app.assign_officer(&company, &officer.id).await;
        let user = app
            .create_user(
                "COMPANY",
                &format!("139100000{i:02}"),
                &format!("员工{i}"),
                json!({ "companyId": company }),
            )
            .await;
        companies.push(company);
        staff.push(user);
    }
    let raise = |token: String, category: String, title: &'static str, description: &'static str| {
        let app = &app;
        async move {
            let data = app
                .ok(
                    &token,
                    RAISE,
                    json!({ "input": { "kind": "PROBLEM", "categoryId": category, "title": title, "description": description } }),
                )
                .await;
            data["raiseRequest"]["request"]["id"].as_str().unwrap().to_string()
        }
    };
    let mut road = Vec::new();
    for (i, (title, description)) in ROAD.iter().enumerate() {
        road.push(raise(staff[i].token.clone(), cats["transport"].clone(), title, description).await);
    }
    // Other companies' problems: another transport problem, and two unrelated ones.
    let pass = raise(
        staff[10].token.clone(),
        cats["transport"].clone(),
        "货车通行证办理",
        "我们的送货车辆要进城区，请问货车通行证在哪里办理？",
    )
    .await;
    let power = raise(
        staff[11].token.clone(),
        cats["power"].clone(),
        "夜间频繁跳闸停电",
        "厂区晚上经常跳闸，生产线停机，请供电公司检修线路。",
    )
    .await;
    let school = raise(
        staff[10].token.clone(),
        cats["schooling"].clone(),
        "员工子女入学",
        "外地员工的孩子今年要上小学，请问怎么办理入学？",
    )
    .await;
    let unrelated: HashSet<&str> = [pass.as_str(), power.as_str(), school.as_str()].into();
    // Every request was indexed in its raising transaction.
    assert_eq!(app.count("request_search_docs").await, 13);

    // The officer sees the nine others suggested for the first, best first, and nothing else.
    let data = app
        .ok(&officer.token, SIMILAR, json!({ "id": road[0], "first": 10 }))
        .await;
    let suggested = data["request"]["similarRequests"].as_array().unwrap().clone();
    let ids: Vec<&str> = suggested.iter().map(|s| s["requestId"].as_str().unwrap()).collect();
    let others: HashSet<&str> = road[1..].iter().map(String::as_str).collect();
    assert!(!ids.contains(&road[0].as_str()), "a request is not similar to itself");
    assert!(
        ids.iter().all(|id| !unrelated.contains(id)),
        "unrelated requests suggested: {suggested:#?}"
    );
    let found = ids.iter().filter(|id| others.contains(*id)).count();
    assert!(found >= 8, "only {found} of the 9 others suggested: {suggested:#?}");
    let scores: Vec<f64> = suggested.iter().map(|s| s["score"].as_f64().unwrap()).collect();
    assert!(scores.windows(2).all(|w| w[0] >= w[1]), "best first: {scores:?}");
    assert!(scores.iter().all(|s| (0.0..=1.0).contains(s)), "{scores:?}");
    let first = &suggested[0];
    assert_eq!(first["status"], "SUBMITTED");
    assert_eq!(first["category"]["code"], "transport");
    assert_eq!(first["categoryScore"], 1.0);
    assert!(first["companyName"].as_str().unwrap().starts_with('第'));
    assert!(
        first["request"]["id"].is_string(),
        "the officer serves that company: {first:#}"
    );
    // Three by default.
    let data = app.ok(&officer.token, SIMILAR, json!({ "id": road[3] })).await;
    let three = data["request"]["similarRequests"].as_array().unwrap();
    assert_eq!(three.len(), 3);
    assert!(three
        .iter()
        .all(|s| others.contains(s["requestId"].as_str().unwrap()) || s["requestId"] == road[0].as_str()));
    // The unrelated ones find no road requests.
    let data = app
        .ok(&app.admin_token, SIMILAR, json!({ "id": school, "first": 10 }))
        .await;
    assert_eq!(data["request"]["similarRequests"], json!([]), "{data:#}");

    // A hotline call taken down: the officer searches with the caller's words.
    let data = app
        .ok(
            &officer.token,
            FIND,
            json!({ "text": "工业大道被大车压得全是坑，能不能修一下", "c": cats["transport"] }),
        )
        .await;
    let hits = data["findSimilarRequests"].as_array().unwrap();
    assert_eq!(hits.len(), 3, "{data:#}");
    assert!(
        hits.iter().all(|h| road.iter().any(|r| h["requestId"] == r.as_str())),
        "{data:#}"
    );

    // A withdrawn request is no longer open, so no longer suggested.
    app.ok(
        &staff[1].token,
        "mutation($id: ID!) { withdrawRequest(id: $id) { request { status } } }",
        json!({ "id": road[1] }),
    )
    .await;
    let data = app
        .ok(&officer.token, SIMILAR, json!({ "id": road[0], "first": 10 }))
        .await;
    assert!(data["request"]["similarRequests"]
        .as_array()
        .unwrap()
        .iter()
        .all(|s| s["requestId"] != road[1].as_str()));

    // A company asking is refused, clearly; so is a department; both ways in.
    let response = app.post(Some(&staff[0].token), SIMILAR, json!({ "id": road[0] })).await;
    assert_eq!(
        reason(&response),
        ("FORBIDDEN".into(), "COMPANIES_SEE_NO_OTHERS".into()),
        "{response:#}"
    );
    assert!(response["data"]["request"].is_null() || response["data"]["request"]["similarRequests"].is_null());
    let response = app
        .post(Some(&staff[0].token), FIND, json!({ "text": "工业大道坑洼" }))
        .await;
    assert_eq!(
        reason(&response),
        ("FORBIDDEN".into(), "COMPANIES_SEE_NO_OTHERS".into()),
        "{response:#}"
    );
    assert!(response["data"].is_null() || response["data"]["findSimilarRequests"].is_null());
    let department = app.create_department("城市管理局").await;
    let dept = app
        .create_user(
            "DEPARTMENT",
            "13920000001",
            "城管员工",
            json!({ "departmentId": department }),
        )
        .await;
    let response = app
        .post(Some(&dept.token), FIND, json!({ "text": "工业大道坑洼" }))
        .await;
    assert_eq!(
        reason(&response),
        ("FORBIDDEN".into(), "DEPARTMENTS_SEE_NO_SIMILAR".into()),
        "{response:#}"
    );
    // Bad input is refused with its field.
    let response = app.post(Some(&officer.token), FIND, json!({ "text": "   " })).await;
    assert_eq!(reason(&response).0, "BAD_USER_INPUT", "{response:#}");
    let response = app
        .post(Some(&officer.token), SIMILAR, json!({ "id": road[0], "first": 11 }))
        .await;
    assert_eq!(
        reason(&response),
        ("BAD_USER_INPUT".into(), "SIMILAR_FIRST_RANGE".into()),
        "{response:#}"
    );

    // A company's own request, read in full, names no other company and none of their words.
    let own = app
        .ok(
            &staff[0].token,
            "query($id: ID!) { request(id: $id) { id number title description company { id name } raisedBy { id name }
              timeline { kind text actor { id name } } lastEvent { text } viewerActions caller { name } } }",
            json!({ "id": road[0] }),
        )
        .await
        .to_string();
    for (i, company) in companies.iter().enumerate().skip(1) {
        assert!(!own.contains(company.as_str()), "company {i}'s id shows: {own}");
        assert!(
            !own.contains(&format!("第{i}号企业")),
            "company {i}'s name shows: {own}"
        );
    }
    for (title, _) in &ROAD[1..] {
        assert!(!own.contains(title), "another company's title shows: {own}");
    }
    let mine = app
        .ok(
            &staff[0].token,
            "{ requests(first: 50) { totalCount edges { node { id } } } }",
            json!({}),
        )
        .await;
    assert_eq!(mine["requests"]["totalCount"], 1, "{mine:#}");
}

#[derive(Deserialize)]
struct Fixture {
    requests: Vec<Labelled>,
    pairs: Vec<Pair>,
}

#[derive(Deserialize)]
struct Labelled {
    key: String,
    problem: String,
    category: String,
    day: i64,
    title: String,
    description: String,
}

#[derive(Deserialize)]
struct Pair {
    a: String,
    b: String,
    label: String,
}

/// The target of issue 19 for both figures.
const TARGET: f64 = 0.8;

async fn the_labelled_set_keeps_precision_and_recall_at_three_above_the_target(mut app: TestApp) {
    let fixture: Fixture =
        serde_json::from_str(include_str!("../fixtures/similar_requests.json")).expect("the labelled set parses");
    // The set is what it says: at least 300 pairs, of the three kinds, labelled consistently.
    let by_key: HashMap<&str, &Labelled> = fixture.requests.iter().map(|r| (r.key.as_str(), r)).collect();
    assert!(fixture.pairs.len() >= 300, "{} pairs", fixture.pairs.len());
    let mut kinds: HashMap<&str, usize> = HashMap::new();
    for pair in &fixture.pairs {
        let (a, b) = (by_key[pair.a.as_str()], by_key[pair.b.as_str()]);
        let expected = if a.problem == b.problem {
            "same"
        } else if a.category == b.category {
            "same_category"
        } else {
            "unrelated"
        };
        assert_eq!(pair.label, expected, "{} / {}", pair.a, pair.b);
        *kinds.entry(pair.label.as_str()).or_default() += 1;
    }
    assert!(kinds.values().all(|n| *n >= 50) && kinds.len() == 3, "{kinds:?}");

    // Raised on the hotline for six companies, in the order of their days.
    let cats = app.category_ids().await;
    let mut companies = Vec::new();
    for i in 0..6u32 {
        companies.push(app.create_company(&format!("标注企业{i}"), &credit_code(800 + i)).await);
    }
    let mut order: Vec<&Labelled> = fixture.requests.iter().collect();
    order.sort_by_key(|r| r.day);
    let start = app.state.clock.now();
    let mut ids: HashMap<String, String> = HashMap::new();
    for (i, r) in order.iter().enumerate() {
        let at = start + Duration::days(r.day) + Duration::minutes(i as i64);
        let new_day = at - app.state.clock.now() > Duration::minutes(5);
        app.clock.set(at);
        if new_day {
            // Access tokens live minutes: a new day, a new login.
            app.relogin_admin().await;
        }
        let data = app
            .ok(
                &app.admin_token,
                RAISE,
                json!({ "input": { "companyId": companies[i % companies.len()], "channel": "HOTLINE", "kind": "PROBLEM",
                    "categoryId": cats[&r.category], "title": r.title, "description": r.description } }),
            )
            .await;
        ids.insert(
            r.key.clone(),
            data["raiseRequest"]["request"]["id"].as_str().unwrap().to_string(),
        );
    }
    let key_of: HashMap<&str, &str> = ids.iter().map(|(k, id)| (id.as_str(), k.as_str())).collect();
    // The rarity of terms comes from counts the job folds: the counts are exact before and
    // after a fold, and when a request is indexed again (as the job does for one indexed by
    // other tools).
    assert_term_counts_exact(&app, "after the raises").await;
    let folded = zhitong::requests::similar::fold_term_counts(&app.state).await.unwrap();
    assert!(folded > 1000, "{folded} changes folded");
    assert_eq!(app.count("request_search_term_changes").await, 0);
    assert_term_counts_exact(&app, "after the fold").await;
    let now = app.state.clock.now_naive();
    app.state
        .db
        .write(move |conn| {
            use diesel::prelude::*;
            use zhitong::db::schema::requests;
            let some: Vec<zhitong::requests::model::Request> = requests::table
                .order(requests::id.asc())
                .limit(5)
                .select(zhitong::requests::model::Request::as_select())
                .load(&mut **conn)?;
            for request in &some {
                zhitong::requests::similar::index(conn, request, now)?;
            }
            Ok(())
        })
        .await
        .unwrap();
    assert_term_counts_exact(&app, "after indexing five requests again").await;

    // Every request asks for its top 3; the relevant ones are those of the same problem.
    let mut counts = AtK::default();
    let mut shown: HashSet<(String, String)> = HashSet::new();
    let mut misses = Vec::new();
    for r in &fixture.requests {
        let data = app
            .ok(&app.admin_token, SIMILAR, json!({ "id": ids[&r.key], "first": 3 }))
            .await;
        let got: Vec<&str> = data["request"]["similarRequests"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| key_of[s["requestId"].as_str().unwrap()])
            .collect();
        let same: HashSet<&str> = fixture
            .requests
            .iter()
            .filter(|o| o.problem == r.problem && o.key != r.key)
            .map(|o| o.key.as_str())
            .collect();
        counts.add(3, &got, &same);
        for k in &got {
            shown.insert((r.key.clone(), (*k).to_string()));
            if !same.contains(k) {
                misses.push(format!("{} → {} (wrong)", r.key, k));
            }
        }
        for k in same.iter().filter(|k| !got.contains(k)) {
            misses.push(format!("{} ↛ {} (missed)", r.key, k));
        }
    }
    let (precision, recall) = (counts.precision(), counts.recall());
    let AtK {
        suggested,
        correct,
        relevant,
    } = counts;
    // The pairs, each way: how often a same-problem pair is suggested, and how often another.
    let mut pair_rates: HashMap<&str, (usize, usize)> = HashMap::new();
    for pair in &fixture.pairs {
        let hit =
            shown.contains(&(pair.a.clone(), pair.b.clone())) || shown.contains(&(pair.b.clone(), pair.a.clone()));
        let entry = pair_rates.entry(pair.label.as_str()).or_default();
        entry.0 += usize::from(hit);
        entry.1 += 1;
    }
    println!(
        "similar requests, labelled set ({} requests, {} pairs): precision@3 = {precision:.3} ({correct}/{suggested}), recall@3 = {recall:.3} ({correct}/{relevant}); pairs suggested: {pair_rates:?}",
        fixture.requests.len(),
        fixture.pairs.len()
    );
    for miss in &misses {
        println!("  {miss}");
    }
    assert!(precision >= TARGET, "precision@3 {precision:.3} below {TARGET}");
    assert!(recall >= TARGET, "recall@3 {recall:.3} below {TARGET}");
}

/// Asserts that the folded counts plus the changes not folded give, for every term, the number
/// of indexed requests holding it.
async fn assert_term_counts_exact(app: &TestApp, when: &'static str) {
    use diesel::prelude::*;
    use zhitong::db::schema::request_search_terms as postings;
    use zhitong::db::schema::{request_search_term_changes as changes, request_search_term_counts as counts};
    let (held, counted) = app
        .state
        .db
        .read(|conn| {
            let held: Vec<(String, i64)> = postings::table
                .group_by(postings::term)
                .select((postings::term, diesel::dsl::count_star()))
                .load(conn)?;
            let folded: Vec<(String, i64)> = counts::table.select((counts::term, counts::documents)).load(conn)?;
            let pending: Vec<(String, i64)> = changes::table.select((changes::term, changes::delta)).load(conn)?;
            Ok((held, folded.into_iter().chain(pending).collect::<Vec<_>>()))
        })
        .await
        .unwrap();
    let held: HashMap<String, i64> = held.into_iter().collect();
    let mut sums: HashMap<String, i64> = HashMap::new();
    for (term, n) in counted {
        *sums.entry(term).or_default() += n;
    }
    sums.retain(|_, n| *n != 0);
    assert!(held.len() > 500, "{} distinct terms", held.len());
    let wrong: Vec<_> = held
        .iter()
        .filter(|(t, n)| sums.get(*t) != Some(n))
        .chain(sums.iter().filter(|(t, _)| !held.contains_key(*t)))
        .take(5)
        .collect();
    assert!(
        wrong.is_empty(),
        "{when}: term counts differ from the postings: {wrong:?}"
    );
}

const READ_CALLER: &str = "query($id: ID!) { request(id: $id) { id caller { name role phone masked erased } } }";

async fn a_hotline_caller_is_recorded_masked_for_departments_and_erased_with_the_person(app: TestApp) {
    let cats = app.category_ids().await;
    let officer = app.create_user("OFFICER", "13900000001", "雷均", json!({})).await;
    let company = app.create_company("攀华板材有限公司", &credit_code(901)).await;
    app.assign_officer(&company, &officer.id).await;
    let caller = app
        .create_user("COMPANY", "13900000011", "张三丰", json!({ "companyId": company }))
        .await;
    let department = app.create_department("供电公司").await;
    let dept = app
        .create_user(
            "DEPARTMENT",
            "13900000021",
            "供电员工",
            json!({ "departmentId": department }),
        )
        .await;
    let input = |channel: &str, caller: Value| {
        json!({ "input": { "companyId": company, "channel": channel, "kind": "PROBLEM", "categoryId": cats["power"],
            "title": "厂区夜间跳闸", "description": "夜里经常跳闸停电", "caller": caller } })
    };
    let who = json!({ "name": " 张三丰 ", "role": "行政主管", "phone": "139-0000-0011" });

    // Refused, with nothing written: on another channel, by company staff, with a bad phone.
    let before = app.count("requests").await;
    let response = app
        .post(Some(&officer.token), RAISE, input("GROUP_CHAT", who.clone()))
        .await;
    assert_eq!(
        reason(&response),
        ("BAD_USER_INPUT".into(), "CALLER_ONLY_HOTLINE_OR_VISIT".into()),
        "{response:#}"
    );
    let mut own = input("APP", who.clone());
    own["input"].as_object_mut().unwrap().remove("companyId");
    let response = app.post(Some(&caller.token), RAISE, own).await;
    assert_eq!(
        reason(&response),
        ("BAD_USER_INPUT".into(), "CALLER_ONLY_HANDLERS".into()),
        "{response:#}"
    );
    let response = app
        .post(
            Some(&officer.token),
            RAISE,
            input("HOTLINE", json!({ "name": "张三丰", "phone": "12345" })),
        )
        .await;
    assert_eq!(reason(&response).0, "BAD_USER_INPUT", "{response:#}");
    assert_eq!(
        response["errors"][0]["extensions"]["field"], "caller.phone",
        "{response:#}"
    );
    assert_eq!(app.count("requests").await, before);
    assert_eq!(app.count("request_callers").await, 0);

    // Recorded on the hotline: the officer sees it in full.
    let data = app.ok(&officer.token, RAISE, input("HOTLINE", who.clone())).await;
    let request = data["raiseRequest"]["request"]["id"].as_str().unwrap().to_string();
    let raised_version = data["raiseRequest"]["request"]["version"].as_i64().unwrap();
    assert_eq!(
        data["raiseRequest"]["request"]["caller"],
        json!({ "name": "张三丰", "role": "行政主管", "phone": "13900000011", "masked": false, "erased": false })
    );
    // Someone else met on a visit, without an account.
    let data = app
        .ok(
            &officer.token,
            RAISE,
            input(
                "VISIT",
                json!({ "name": "王五", "role": "厂长", "phone": "13700000099" }),
            ),
        )
        .await;
    let visit_request = data["raiseRequest"]["request"]["id"].as_str().unwrap().to_string();
    // Dispatched to the department, which sees the caller masked; so do the company's staff.
    let version = app
        .ok(
            &officer.token,
            "mutation($id: ID!, $v: Int!) { acceptRequest(id: $id, version: $v) { request { version } } }",
            json!({ "id": request, "v": raised_version }),
        )
        .await["acceptRequest"]["request"]["version"]
        .as_i64()
        .unwrap();
    app.ok(
        &officer.token,
        "mutation($id: ID!, $v: Int!, $d: [DispatchDepartmentInput!]) { dispatchRequest(id: $id, version: $v, departments: $d) { request { status } } }",
        json!({ "id": request, "v": version, "d": [{ "departmentId": department, "lead": true }] }),
    )
    .await;
    let masked = json!({ "name": "张**", "role": "行政主管", "phone": "139****0011", "masked": true, "erased": false });
    let seen = app.ok(&dept.token, READ_CALLER, json!({ "id": request })).await;
    assert_eq!(seen["request"]["caller"], masked, "{seen:#}");
    let seen = app.ok(&caller.token, READ_CALLER, json!({ "id": request })).await;
    assert_eq!(seen["request"]["caller"], masked, "{seen:#}");
    // A request without a caller shows none.
    let data = app
        .ok(&caller.token, RAISE, json!({ "input": { "kind": "PROBLEM", "categoryId": cats["power"], "title": "电费咨询", "description": "电费怎么算" } }))
        .await;
    assert!(data["raiseRequest"]["request"]["caller"].is_null());

    // The person's erasure masks the caller for good; the other caller stays.
    let erased = app
        .ok(
            &app.admin_token,
            "mutation($id: ID!) { erasePersonalData(userId: $id) { tables { table rows } } }",
            json!({ "id": caller.id }),
        )
        .await;
    let tables = erased["erasePersonalData"]["tables"].as_array().unwrap();
    let callers = tables
        .iter()
        .find(|t| t["table"] == "request_callers")
        .expect("the callers' step");
    assert_eq!(callers["rows"], 1, "{erased:#}");
    let gone = json!({ "name": "已注销用户", "role": "", "phone": null, "masked": false, "erased": true });
    let seen = app.ok(&officer.token, READ_CALLER, json!({ "id": request })).await;
    assert_eq!(seen["request"]["caller"], gone, "{seen:#}");
    let seen = app.ok(&dept.token, READ_CALLER, json!({ "id": request })).await;
    assert_eq!(seen["request"]["caller"], gone, "{seen:#}");
    let seen = app
        .ok(&officer.token, READ_CALLER, json!({ "id": visit_request }))
        .await;
    assert_eq!(seen["request"]["caller"]["name"], "王五", "{seen:#}");
    let raw = app
        .state
        .db
        .read(|conn| {
            use diesel::prelude::*;
            use zhitong::db::schema::request_callers::dsl::*;
            Ok(request_callers
                .select((name, phone))
                .order(request_id.asc())
                .load::<(String, Option<String>)>(conn)?)
        })
        .await
        .unwrap();
    assert_eq!(
        raw,
        vec![
            ("已注销用户".to_string(), None),
            ("王五".to_string(), Some("13700000099".to_string()))
        ]
    );
}
