//! A property test: random sequences of steps by random people (admin, officers, company staff,
//! department staff) over the request lifecycle and officer assignments, with the invariants
//! checked after every step:
//!
//! - every company has exactly one active officer;
//! - a request's status only moves as the lifecycle table allows for the step taken, and a
//!   refused step changes nothing;
//! - no internal event is visible to a company, and no internal notice reaches company staff;
//! - every notification-causing step that succeeded wrote its notifications;
//! - a refused step answers with a client error code, never `INTERNAL`.
//!
//! Deterministic per seed: `ZHITONG_PROPERTY_SEED=n` replays a run; `ZHITONG_PROPERTY_STEPS`
//! sets its length (default 1000). The seed is printed first, so a failure shows it.

use std::collections::HashMap;

use diesel::prelude::*;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde_json::{json, Value};
use zhitong::requests::lifecycle::{self, Outcome};
use zhitong::requests::model::RequestStatus;

use crate::backend_tests;
use crate::helpers::{credit_code, TestApp, TestUser};

backend_tests!(random_steps_keep_the_invariants);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Who {
    Admin,
    Officer(usize),
    Staff(usize),
    Department(usize),
}

struct World {
    app: TestApp,
    rng: StdRng,
    officers: Vec<TestUser>,
    /// (company id, its staff member, the company's numeric id)
    companies: Vec<(String, TestUser, i64)>,
    departments: Vec<(String, TestUser)>,
    category: String,
    context: String,
}

#[derive(QueryableByName, Debug, Clone)]
struct RequestRow {
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    id: i64,
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    company_id: i64,
    #[diesel(sql_type = diesel::sql_types::Text)]
    status: String,
    #[diesel(sql_type = diesel::sql_types::Integer)]
    version: i32,
}

#[derive(QueryableByName, Debug, Clone)]
struct TaskRow {
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    id: i64,
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    request_id: i64,
}

#[derive(QueryableByName, Debug, Clone)]
struct MaxRow {
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    n: i64,
}

#[derive(QueryableByName, Debug, Clone)]
struct NoticeRow {
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    user_id: i64,
    #[diesel(sql_type = diesel::sql_types::Text)]
    kind: String,
}

#[derive(QueryableByName, Debug, Clone)]
struct CountRow {
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    company_id: i64,
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    n: i64,
}

async fn rows<T: QueryableByName<zhitong::db::MultiBackend> + Send + 'static>(app: &TestApp, sql: String) -> Vec<T> {
    app.state
        .db
        .read(move |conn| Ok(diesel::sql_query(sql).load::<T>(conn)?))
        .await
        .expect("a read")
}

fn user_id(user: &TestUser) -> i64 {
    user.id.trim_start_matches("usr_").parse().unwrap()
}

impl World {
    fn token(&self, who: Who) -> String {
        match who {
            Who::Admin => self.app.admin_token.clone(),
            Who::Officer(i) => self.officers[i].token.clone(),
            Who::Staff(i) => self.companies[i].1.token.clone(),
            Who::Department(i) => self.departments[i].1.token.clone(),
        }
    }

    fn anyone(&mut self) -> Who {
        match self.rng.random_range(0..4) {
            0 => Who::Admin,
            1 => Who::Officer(self.rng.random_range(0..self.officers.len())),
            2 => Who::Staff(self.rng.random_range(0..self.companies.len())),
            _ => Who::Department(self.rng.random_range(0..self.departments.len())),
        }
    }

    fn text(&mut self, what: &str) -> String {
        format!("{what} {}", self.rng.random_range(0..1000))
    }

    async fn requests(&self) -> Vec<RequestRow> {
        rows(
            &self.app,
            "SELECT id, company_id, status, version FROM requests ORDER BY id".into(),
        )
        .await
    }

    async fn tasks(&self) -> Vec<TaskRow> {
        rows(&self.app, "SELECT id, request_id FROM request_tasks ORDER BY id".into()).await
    }

    async fn last_notice(&self) -> i64 {
        let max: Vec<MaxRow> = rows(&self.app, "SELECT COALESCE(MAX(id), 0) AS n FROM notifications".into()).await;
        max[0].n
    }

    async fn notices_after(&self, after: i64) -> Vec<NoticeRow> {
        rows(
            &self.app,
            format!("SELECT user_id, kind FROM notifications WHERE id > {after} ORDER BY id"),
        )
        .await
    }
}

/// One random step: the mutation, its variables, who takes it, and the request it is about.
struct Step {
    mutation: &'static str,
    document: &'static str,
    variables: Value,
    who: Who,
    request: Option<i64>,
    /// For `addProgressNote`: whether the note is internal.
    internal: bool,
}

/// Who would usually take `mutation` on a request of company `company` (an index).
fn natural(world: &mut World, mutation: &str, company: Option<usize>) -> Option<Who> {
    let company = company?;
    Some(match mutation {
        "raiseRequest" | "confirmResolution" | "withdrawRequest" | "urgeRequest" => Who::Staff(company),
        "signTask" | "submitPlan" | "completeTask" | "returnTask" => {
            Who::Department(world.rng.random_range(0..world.departments.len()))
        }
        "addProgressNote" => world.anyone(),
        _ if world.rng.random_bool(0.5) => Who::Admin,
        _ => Who::Officer(world.rng.random_range(0..world.officers.len())),
    })
}

async fn choose(world: &mut World, step_no: usize) -> Step {
    let mut step = choose_step(world, step_no).await;
    if step.request.is_some() && world.rng.random_bool(0.6) {
        let requests = world.requests().await;
        let company = requests
            .iter()
            .find(|r| Some(r.id) == step.request)
            .and_then(|r| world.companies.iter().position(|c| c.2 == r.company_id));
        if let Some(who) = natural(world, step.mutation, company) {
            step.who = who;
        }
    }
    step
}

async fn choose_step(world: &mut World, step_no: usize) -> Step {
    let requests = world.requests().await;
    let tasks = world.tasks().await;
    let who = world.anyone();
    // Mostly requests still open, so steps reach deep into the lifecycle.
    let open: Vec<&RequestRow> = requests
        .iter()
        .filter(|r| !["REJECTED", "WITHDRAWN", "UNRESOLVABLE", "CLOSED"].contains(&r.status.as_str()))
        .collect();
    let pick = |rng: &mut StdRng| -> Option<RequestRow> {
        if !open.is_empty() && rng.random_bool(0.85) {
            return Some(open[rng.random_range(0..open.len())].clone());
        }
        (!requests.is_empty()).then(|| requests[rng.random_range(0..requests.len())].clone())
    };
    let request = pick(&mut world.rng);
    // Usually the current version; sometimes a stale one.
    let version = request.as_ref().map(|r| {
        if world.rng.random_bool(0.9) {
            r.version
        } else {
            r.version - 1
        }
    });
    let id = request.as_ref().map(|r| format!("req_{}", r.id));
    let task = {
        let of_request: Vec<&TaskRow> = tasks
            .iter()
            .filter(|t| Some(t.request_id) == request.as_ref().map(|r| r.id))
            .collect();
        // A request without tasks: a task that does not exist (NOT_FOUND).
        match of_request.len() {
            0 => "tsk_999999".to_string(),
            n => format!("tsk_{}", of_request[world.rng.random_range(0..n)].id),
        }
    };
    let choice = if request.is_none() {
        0
    } else {
        world.rng.random_range(0..28)
    };
    let text = world.text("text");
    let step = |mutation: &'static str, document: &'static str, variables: Value| Step {
        mutation,
        document,
        variables,
        who,
        request: request.as_ref().map(|r| r.id),
        internal: false,
    };
    match choice {
        0..=2 => {
            let company = world.rng.random_range(0..world.companies.len());
            let kind = if world.rng.random_bool(0.3) { "CONSULTATION" } else { "PROBLEM" };
            let mut input = json!({ "kind": kind, "categoryId": world.category, "title": text,
                "description": "说明", "idempotencyKey": format!("step-{step_no}") });
            let who = if world.rng.random_bool(0.7) {
                Who::Staff(company)
            } else {
                input["companyId"] = json!(world.companies[company].0);
                input["channel"] = json!("HOTLINE");
                who
            };
            Step {
                who,
                request: None,
                ..step(
                    "raiseRequest",
                    "mutation($input: RaiseRequestInput!) { raiseRequest(input: $input) { request { id } } }",
                    json!({ "input": input }),
                )
            }
        }
        3..=5 => step(
            "acceptRequest",
            "mutation($id: ID!, $v: Int!) { acceptRequest(id: $id, version: $v) { request { id } } }",
            json!({ "id": id, "v": version }),
        ),
        6 => step(
            "rejectRequest",
            "mutation($id: ID!, $v: Int!, $t: String!) { rejectRequest(id: $id, version: $v, reason: $t) { request { id } } }",
            json!({ "id": id, "v": version, "t": text }),
        ),
        7 => step(
            "answerRequest",
            "mutation($id: ID!, $v: Int!, $t: String!) { answerRequest(id: $id, version: $v, answer: $t) { request { id } } }",
            json!({ "id": id, "v": version, "t": text }),
        ),
        8..=10 => {
            let department = world.rng.random_range(0..world.departments.len());
            let departments = json!([{ "departmentId": world.departments[department].0, "lead": true }]);
            step(
                "dispatchRequest",
                "mutation($id: ID!, $v: Int!, $d: [DispatchDepartmentInput!]) { dispatchRequest(id: $id, version: $v, departments: $d, note: \"交办\") { request { id } } }",
                json!({ "id": id, "v": version, "d": departments }),
            )
        }
        11..=13 => step(
            "signTask",
            "mutation($t: ID!) { signTask(taskId: $t) { task { id } } }",
            json!({ "t": task }),
        ),
        14 | 15 => step(
            "submitPlan",
            "mutation($t: ID!) { submitPlan(taskId: $t, responsible: \"张科长\", approach: \"现场处理\", dueAt: \"2026-03-09T08:00:00Z\") { task { id } } }",
            json!({ "t": task }),
        ),
        16 | 17 => step(
            "completeTask",
            "mutation($t: ID!, $r: String!) { completeTask(taskId: $t, result: $r) { task { id } } }",
            json!({ "t": task, "r": text }),
        ),
        18 => step(
            "returnTask",
            "mutation($t: ID!, $r: String!) { returnTask(taskId: $t, reason: $r) { task { id } } }",
            json!({ "t": task, "r": text }),
        ),
        19 => {
            let internal = world.rng.random_bool(0.5);
            Step {
                internal,
                ..step(
                    "addProgressNote",
                    "mutation($id: ID!, $t: String!, $i: Boolean) { addProgressNote(requestId: $id, text: $t, internal: $i) { request { id } } }",
                    json!({ "id": id, "t": text, "i": internal }),
                )
            }
        }
        20 | 21 => step(
            "resolveRequest",
            "mutation($id: ID!, $v: Int!, $t: String!) { resolveRequest(id: $id, version: $v, answer: $t) { request { id } } }",
            json!({ "id": id, "v": version, "t": text }),
        ),
        22 => step(
            "markUnresolvable",
            "mutation($id: ID!, $v: Int!, $t: String!) { markUnresolvable(id: $id, version: $v, reason: $t, filingNumber: \"备-2026-001\") { request { id } } }",
            json!({ "id": id, "v": version, "t": text }),
        ),
        23 | 24 => {
            let (solved, satisfied) = (world.rng.random_bool(0.7), world.rng.random_bool(0.7));
            step(
                "confirmResolution",
                "mutation($id: ID!, $s: Boolean!, $f: Boolean!) { confirmResolution(id: $id, solved: $s, satisfied: $f) { request { id } } }",
                json!({ "id": id, "s": solved, "f": satisfied }),
            )
        }
        25 => step(
            "withdrawRequest",
            "mutation($id: ID!, $t: String) { withdrawRequest(id: $id, reason: $t) { request { id } } }",
            json!({ "id": id, "t": text }),
        ),
        26 => step(
            "urgeRequest",
            "mutation($id: ID!) { urgeRequest(id: $id, message: \"请尽快\") { request { id } } }",
            json!({ "id": id }),
        ),
        _ => {
            let company = world.rng.random_range(0..world.companies.len());
            let officer = world.rng.random_range(0..world.officers.len());
            Step {
                request: None,
                ..step(
                    "assignOfficer",
                    "mutation($c: ID!, $o: ID!) { assignOfficer(companyId: $c, officerId: $o, reason: \"调整\") { assignment { id } } }",
                    json!({ "c": world.companies[company].0, "o": world.officers[officer].id }),
                )
            }
        }
    }
}

/// The notice kinds a successful step must have written (at least one of them). Nobody is
/// notified of their own step: a public note by company staff has no other recipient here
/// (each company has one staff member).
fn required_notices(mutation: &str, internal: bool, who: Who) -> &'static [&'static str] {
    match mutation {
        "addProgressNote" if matches!(who, Who::Staff(_)) => &[],
        "raiseRequest" => &["REQUEST_RAISED"],
        "acceptRequest" => &["REQUEST_ACCEPTED"],
        "rejectRequest" => &["REQUEST_REJECTED"],
        "answerRequest" => &["REQUEST_ANSWERED"],
        "dispatchRequest" => &["REQUEST_DISPATCHED", "TASK_DISPATCHED"],
        "submitPlan" => &["REQUEST_PLANNED", "TASK_PLANNED"],
        "completeTask" => &["TASK_COMPLETED"],
        "returnTask" => &["TASK_RETURNED"],
        "addProgressNote" if !internal => &["REQUEST_NOTE"],
        "resolveRequest" => &["REQUEST_RESOLVED"],
        "markUnresolvable" => &["REQUEST_UNRESOLVABLE"],
        "confirmResolution" => &["REQUEST_CLOSED", "REQUEST_REOPENED"],
        "withdrawRequest" => &["REQUEST_WITHDRAWN"],
        "urgeRequest" => &["REQUEST_URGED"],
        _ => &[],
    }
}

/// Whether `from → to` is what `mutation` may do by the lifecycle table.
fn legal(mutation: &str, from: RequestStatus, to: RequestStatus) -> bool {
    let Some(step) = lifecycle::STEPS.iter().find(|s| s.mutation == mutation) else {
        return from == to;
    };
    if !step.from.contains(&from) {
        return false;
    }
    use RequestStatus::*;
    match step.outcome {
        Outcome::To(next) => to == next,
        Outcome::Unchanged => to == from,
        Outcome::Starts | Outcome::Dispatches => to == lifecycle::next_status(from, step.outcome),
        Outcome::BackToOfficerWithoutLead => to == Accepted || to == from,
        Outcome::ResolvesWhenLeadsDone => [Resolved, InProgress, from].contains(&to),
        Outcome::ClosesOrReopens => to == Closed || to == Reopened,
    }
}

async fn check_invariants(world: &World, before: &[RequestRow], step: &Step, outcome: &Value, notices: &[NoticeRow]) {
    let context = &world.context;
    let succeeded = outcome.get("errors").is_none();
    if !succeeded {
        let code = outcome["errors"][0]["extensions"]["code"].as_str().unwrap_or("<none>");
        assert!(
            ["FORBIDDEN", "NOT_FOUND", "BAD_USER_INPUT", "CONFLICT"].contains(&code),
            "{context}: {} by {:?} failed with {code}: {outcome:#}",
            step.mutation,
            step.who
        );
    }

    // One active officer per company.
    let counts: Vec<CountRow> = rows(
        &world.app,
        "SELECT company_id, COUNT(*) AS n FROM officer_assignments WHERE ended_at IS NULL GROUP BY company_id".into(),
    )
    .await;
    let mut served: Vec<i64> = counts.iter().map(|c| c.company_id).collect();
    served.sort();
    let companies: Vec<i64> = world.companies.iter().map(|c| c.2).collect();
    assert_eq!(served, companies, "{context}: a company without an officer: {counts:?}");
    assert!(counts.iter().all(|c| c.n == 1), "{context}: {counts:?}");

    // Statuses move only as the step allows; a refused step changes nothing.
    let after = world.requests().await;
    let before: HashMap<i64, &RequestRow> = before.iter().map(|r| (r.id, r)).collect();
    for row in &after {
        let Some(old) = before.get(&row.id) else {
            assert!(
                succeeded && step.mutation == "raiseRequest",
                "{context}: request {} appeared",
                row.id
            );
            assert_eq!(row.status, "SUBMITTED", "{context}");
            continue;
        };
        let touched = succeeded && step.request == Some(row.id);
        if !touched {
            assert_eq!(
                (&old.status, old.version),
                (&row.status, row.version),
                "{context}: request {} changed",
                row.id
            );
            continue;
        }
        let from = RequestStatus::from_text(&old.status).unwrap();
        let to = RequestStatus::from_text(&row.status).unwrap();
        assert!(
            legal(step.mutation, from, to),
            "{context}: {} moved request {} from {from} to {to}",
            step.mutation,
            row.id
        );
    }

    // Notifications: written for every notification-causing step, never internal to a company.
    let staff: HashMap<i64, usize> = world
        .companies
        .iter()
        .enumerate()
        .map(|(i, c)| (user_id(&c.1), i))
        .collect();
    if succeeded {
        let required = required_notices(step.mutation, step.internal, step.who);
        if !required.is_empty() {
            assert!(
                notices.iter().any(|n| required.contains(&n.kind.as_str())),
                "{context}: {} wrote none of {required:?}: {notices:?}",
                step.mutation
            );
        }
        if step.mutation == "addProgressNote" && step.internal {
            assert!(
                notices.iter().all(|n| !staff.contains_key(&n.user_id)),
                "{context}: an internal note reached company staff: {notices:?}"
            );
        }
    } else {
        assert!(notices.is_empty(), "{context}: a refused step notified: {notices:?}");
    }
    for notice in notices {
        if staff.contains_key(&notice.user_id) {
            assert!(
                !notice.kind.starts_with("TASK_"),
                "{context}: company staff got the internal notice {}",
                notice.kind
            );
        }
    }

    // The company never sees internal events on the request the step touched.
    if let Some(id) = step.request {
        let Some(row) = after.iter().find(|r| r.id == id) else {
            return;
        };
        let (_, staff_user, _) = world.companies.iter().find(|c| c.2 == row.company_id).unwrap();
        let seen = world
            .app
            .ok(
                &staff_user.token,
                "query($id: ID!) { request(id: $id) { timeline { kind internal } } }",
                json!({ "id": format!("req_{id}") }),
            )
            .await;
        for event in seen["request"]["timeline"].as_array().unwrap() {
            assert_eq!(event["internal"], false, "{context}: the company sees {event}");
        }
    }
}

async fn random_steps_keep_the_invariants(app: TestApp) {
    let seed: u64 = std::env::var("ZHITONG_PROPERTY_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(rand::random);
    let steps: usize = std::env::var("ZHITONG_PROPERTY_STEPS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(1000);
    println!("property seed: {seed} ({steps} steps); replay with ZHITONG_PROPERTY_SEED={seed}");

    let mut officers = Vec::new();
    for i in 0..2 {
        officers.push(
            app.create_user("OFFICER", &format!("1390000{:04}", 600 + i), "专员", json!({}))
                .await,
        );
    }
    let mut companies = Vec::new();
    for i in 0..3 {
        let id = app.create_company(&format!("公司{i}"), &credit_code(600 + i)).await;
        app.assign_officer(&id, &officers[i as usize % 2].id).await;
        let staff = app
            .create_user(
                "COMPANY",
                &format!("1390000{:04}", 610 + i),
                "员工",
                json!({ "companyId": id, "principal": true }),
            )
            .await;
        let numeric = id.trim_start_matches("cmp_").parse().unwrap();
        companies.push((id, staff, numeric));
    }
    let mut departments = Vec::new();
    for i in 0..2 {
        let id = app.create_department(&format!("部门{i}")).await;
        let staff = app
            .create_user(
                "DEPARTMENT",
                &format!("1390000{:04}", 620 + i),
                "科员",
                json!({ "departmentId": id }),
            )
            .await;
        departments.push((id, staff));
    }
    let categories = app.ok(&app.admin_token, "{ categories { id } }", json!({})).await;
    let category = categories["categories"][0]["id"].as_str().unwrap().to_string();
    let mut world = World {
        app,
        rng: StdRng::seed_from_u64(seed),
        officers,
        companies,
        departments,
        category,
        context: String::new(),
    };
    let mut succeeded = 0;
    for step_no in 0..steps {
        let before = world.requests().await;
        let last_notice = world.last_notice().await;
        let step = choose(&mut world, step_no).await;
        world.context = format!("seed {seed}, step {step_no} ({} by {:?})", step.mutation, step.who);
        let outcome = world
            .app
            .post(Some(&world.token(step.who)), step.document, step.variables.clone())
            .await;
        if outcome.get("errors").is_none() {
            succeeded += 1;
        }
        let notices = world.notices_after(last_notice).await;
        check_invariants(&world, &before, &step, &outcome, &notices).await;
    }
    let statuses: Vec<String> = world.requests().await.into_iter().map(|r| r.status).collect();
    println!("{succeeded} of {steps} steps succeeded; final statuses: {statuses:?}");
    assert!(
        succeeded * 10 >= steps,
        "too few steps succeeded ({succeeded}) to exercise anything"
    );
}
