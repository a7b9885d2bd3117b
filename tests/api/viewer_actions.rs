//! What may I do next: `Request.viewerActions` and `Task.viewerActions` against the mutations
//! themselves. For every reachable state and every role, the test reads the listed steps, then
//! tries every step on a fresh copy of that state: each listed one succeeds, each unlisted one
//! is refused (FORBIDDEN, BAD_USER_INPUT with INVALID_TRANSITION, or NOT_FOUND).

use serde_json::{json, Value};

use crate::backend_tests;
use crate::helpers::TestApp;
use crate::requests::{
    due, zone, Zone, ACCEPT, ANSWER, CLAIM, COMPLETE, CONFIRM, DISPATCH, NOTE, PLAN, REJECT, RESOLVE, RETURN, SIGN,
    TRANSFER, UNRESOLVABLE, URGE, WITHDRAW,
};

const ASK: &str =
    "mutation($id: ID!, $q: String!) { requestInformation(requestId: $id, question: $q) { request { id } } }";
const PROVIDE: &str =
    "mutation($id: ID!, $a: String!) { provideInformation(requestId: $id, answer: $a) { request { id } } }";
const ACTIONS: &str =
    "query($id: ID!) { request(id: $id) { version viewerActions tasks { id status lead viewerActions } } }";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    Submitted,
    SubmittedConsultation,
    Accepted,
    AcceptedConsultation,
    AwaitingCompany,
    Dispatched,
    Pooled,
    Signed,
    Planned,
    Resolved,
    Reopened,
    Closed,
    Rejected,
    Withdrawn,
    Unresolvable,
}

const STATES: [State; 15] = [
    State::Submitted,
    State::SubmittedConsultation,
    State::Accepted,
    State::AcceptedConsultation,
    State::AwaitingCompany,
    State::Dispatched,
    State::Pooled,
    State::Signed,
    State::Planned,
    State::Resolved,
    State::Reopened,
    State::Closed,
    State::Rejected,
    State::Withdrawn,
    State::Unresolvable,
];

const REQUEST_ACTIONS: [&str; 12] = [
    "ACCEPT_REQUEST",
    "REJECT_REQUEST",
    "ANSWER_REQUEST",
    "DISPATCH_REQUEST",
    "ADD_PROGRESS_NOTE",
    "RESOLVE_REQUEST",
    "MARK_UNRESOLVABLE",
    "CONFIRM_RESOLUTION",
    "WITHDRAW_REQUEST",
    "URGE_REQUEST",
    "REQUEST_INFORMATION",
    "PROVIDE_INFORMATION",
];

const TASK_ACTIONS: [&str; 6] = [
    "CLAIM_TASK",
    "SIGN_TASK",
    "RETURN_TASK",
    "TRANSFER_TASK",
    "SUBMIT_PLAN",
    "COMPLETE_TASK",
];

/// A request built into a state: its id and its one task, if any.
struct Built {
    id: String,
    task: Option<String>,
}

async fn version(app: &TestApp, z: &Zone, id: &str) -> i64 {
    app.ok(&z.officer_a.token, ACTIONS, json!({ "id": id })).await["request"]["version"]
        .as_i64()
        .unwrap()
}

async fn build(app: &TestApp, z: &Zone, state: State) -> Built {
    let officer = z.officer_a.token.as_str();
    let staff = z.staff_a.token.as_str();
    let dept = z.dept_staff[0].token.as_str();
    let consultation = matches!(state, State::SubmittedConsultation | State::AcceptedConsultation);
    let (id, v) = z
        .raise(app, if consultation { "CONSULTATION" } else { "PROBLEM" })
        .await;
    let built = |task: Option<String>| Built { id: id.clone(), task };
    match state {
        State::Submitted | State::SubmittedConsultation => return built(None),
        State::Withdrawn => {
            app.ok(staff, WITHDRAW, json!({ "id": id })).await;
            return built(None);
        }
        State::Rejected => {
            app.ok(officer, REJECT, json!({ "id": id, "v": v, "r": "不属于受理范围" }))
                .await;
            return built(None);
        }
        State::Unresolvable => {
            app.ok(
                officer,
                UNRESOLVABLE,
                json!({ "id": id, "v": v, "r": "政策所限", "f": "BA-7" }),
            )
            .await;
            return built(None);
        }
        _ => {}
    }
    app.ok(officer, ACCEPT, json!({ "id": id, "v": v })).await;
    match state {
        State::Accepted | State::AcceptedConsultation => return built(None),
        State::AwaitingCompany => {
            app.ok(officer, ASK, json!({ "id": id, "q": "请补充户号" })).await;
            return built(None);
        }
        State::Pooled => {
            let v = version(app, z, &id).await;
            let data = app.ok(officer, DISPATCH, json!({ "id": id, "v": v, "p": true })).await;
            return built(Some(data["dispatchRequest"]["tasks"][0]["id"].as_str().unwrap().into()));
        }
        _ => {}
    }
    let v = version(app, z, &id).await;
    let data = app
        .ok(
            officer,
            DISPATCH,
            json!({ "id": id, "v": v, "d": [{ "departmentId": z.departments[0], "lead": true }] }),
        )
        .await;
    let task: String = data["dispatchRequest"]["tasks"][0]["id"].as_str().unwrap().into();
    if state == State::Dispatched {
        return built(Some(task));
    }
    app.ok(dept, SIGN, json!({ "t": task })).await;
    if state == State::Signed {
        return built(Some(task));
    }
    app.ok(
        dept,
        PLAN,
        json!({ "t": task, "who": "张科长", "how": "抢修", "due": due(app, 5) }),
    )
    .await;
    if state == State::Planned {
        return built(Some(task));
    }
    app.ok(dept, COMPLETE, json!({ "t": task, "r": "已恢复" })).await;
    if state == State::Resolved {
        return built(Some(task));
    }
    let satisfied = state == State::Closed;
    app.ok(staff, CONFIRM, json!({ "id": id, "s": satisfied, "sat": satisfied }))
        .await;
    built(Some(task))
}

/// The mutation and variables of one step on the built request.
fn attempt(
    app: &TestApp,
    z: &Zone,
    built: &Built,
    version: i64,
    has_lead: bool,
    action: &str,
) -> (&'static str, Value) {
    let id = &built.id;
    let task = built.task.clone().unwrap_or_default();
    match action {
        "ACCEPT_REQUEST" => (ACCEPT, json!({ "id": id, "v": version })),
        "REJECT_REQUEST" => (REJECT, json!({ "id": id, "v": version, "r": "不属于受理范围" })),
        "ANSWER_REQUEST" => (ANSWER, json!({ "id": id, "v": version, "a": "按政策执行" })),
        "DISPATCH_REQUEST" => (
            DISPATCH,
            json!({ "id": id, "v": version, "d": [{ "departmentId": z.departments[2], "lead": !has_lead }] }),
        ),
        "ADD_PROGRESS_NOTE" => (NOTE, json!({ "id": id, "text": "进展" })),
        "RESOLVE_REQUEST" => (RESOLVE, json!({ "id": id, "v": version, "a": "已处理" })),
        "MARK_UNRESOLVABLE" => (
            UNRESOLVABLE,
            json!({ "id": id, "v": version, "r": "政策所限", "f": "BA-9" }),
        ),
        "CONFIRM_RESOLUTION" => (CONFIRM, json!({ "id": id, "s": true, "sat": true })),
        "WITHDRAW_REQUEST" => (WITHDRAW, json!({ "id": id })),
        "URGE_REQUEST" => (URGE, json!({ "id": id })),
        "REQUEST_INFORMATION" => (ASK, json!({ "id": id, "q": "请补充材料" })),
        "PROVIDE_INFORMATION" => (PROVIDE, json!({ "id": id, "a": "材料已补充" })),
        "CLAIM_TASK" => (CLAIM, json!({ "t": task })),
        "SIGN_TASK" => (SIGN, json!({ "t": task })),
        "RETURN_TASK" => (RETURN, json!({ "t": task, "r": "非本部门职责" })),
        "TRANSFER_TASK" => (
            TRANSFER,
            json!({ "t": task, "d": z.departments[2], "r": "兄弟部门职责" }),
        ),
        "SUBMIT_PLAN" => (
            PLAN,
            json!({ "t": task, "who": "李科长", "how": "现场处置", "due": due(app, 6) }),
        ),
        "COMPLETE_TASK" => (COMPLETE, json!({ "t": task, "r": "办结" })),
        other => panic!("unknown action {other}"),
    }
}

fn names(list: &Value) -> Vec<String> {
    list.as_array()
        .map(|a| a.iter().map(|v| v.as_str().unwrap().to_string()).collect())
        .unwrap_or_default()
}

/// What `token` is offered on the built request: its own steps and its task's.
async fn offered(app: &TestApp, token: &str, built: &Built) -> (Vec<String>, Vec<String>) {
    let response = app.post(Some(token), ACTIONS, json!({ "id": built.id })).await;
    if let Some(errors) = response.get("errors") {
        assert_eq!(errors[0]["extensions"]["code"], "NOT_FOUND", "{response:#}");
        return (Vec::new(), Vec::new());
    }
    let request = &response["data"]["request"];
    let task_actions = request["tasks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| Some(t["id"].as_str().unwrap()) == built.task.as_deref())
        .map(|t| names(&t["viewerActions"]))
        .unwrap_or_default();
    (names(&request["viewerActions"]), task_actions)
}

backend_tests!(
    every_listed_step_succeeds_and_every_other_is_refused,
    action_names_are_the_lifecycle_mutations
);

async fn every_listed_step_succeeds_and_every_other_is_refused(app: TestApp) {
    let z = zone(&app).await;
    let roles: Vec<(&str, String)> = vec![
        ("company", z.staff_a.token.clone()),
        ("other company", z.staff_b.token.clone()),
        ("officer", z.officer_a.token.clone()),
        ("other officer", z.officer_b.token.clone()),
        ("department", z.dept_staff[0].token.clone()),
        ("other department", z.dept_staff[1].token.clone()),
        ("admin", app.admin_token.clone()),
    ];
    let mut succeeded = 0;
    let mut refused = 0;
    for state in STATES {
        for (role, token) in &roles {
            let mut built = build(&app, &z, state).await;
            let (request_listed, task_listed) = offered(&app, token, &built).await;
            match (state, *role) {
                (State::Submitted, "officer") => assert_eq!(
                    request_listed,
                    [
                        "ACCEPT_REQUEST",
                        "REJECT_REQUEST",
                        "ADD_PROGRESS_NOTE",
                        "MARK_UNRESOLVABLE"
                    ]
                ),
                (State::Submitted, "company") => assert_eq!(
                    request_listed,
                    ["ADD_PROGRESS_NOTE", "WITHDRAW_REQUEST", "URGE_REQUEST"]
                ),
                (State::Dispatched, "department") => {
                    assert_eq!(task_listed, ["SIGN_TASK", "RETURN_TASK", "TRANSFER_TASK"])
                }
                (State::Pooled, "other department") => assert_eq!(task_listed, ["CLAIM_TASK"]),
                (State::Resolved, "company") => {
                    assert!(request_listed.contains(&"CONFIRM_RESOLUTION".to_string()))
                }
                (State::AwaitingCompany, "company") => {
                    assert!(request_listed.contains(&"PROVIDE_INFORMATION".to_string()))
                }
                (State::Closed | State::Rejected | State::Withdrawn | State::Unresolvable, _) => {
                    assert!(request_listed.is_empty() && task_listed.is_empty(), "{state:?} {role}")
                }
                (_, "other company" | "other officer") => {
                    assert!(request_listed.is_empty() && task_listed.is_empty(), "{state:?} {role}")
                }
                _ => {}
            }
            let task_actions: &[&str] = if built.task.is_some() { &TASK_ACTIONS } else { &[] };
            for action in REQUEST_ACTIONS.iter().chain(task_actions) {
                let listed = request_listed.iter().chain(&task_listed).any(|a| a == action);
                let read = app.ok(&z.officer_a.token, ACTIONS, json!({ "id": built.id })).await;
                let version = read["request"]["version"].as_i64().unwrap();
                let has_lead = read["request"]["tasks"].as_array().unwrap().iter().any(|t| {
                    t["lead"] == true && !["RETURNED", "TRANSFERRED"].contains(&t["status"].as_str().unwrap())
                });
                let (query, variables) = attempt(&app, &z, &built, version, has_lead, action);
                let response = app.post(Some(token), query, variables).await;
                if listed {
                    assert!(
                        response.get("errors").is_none(),
                        "{role} was offered {action} in {state:?}, which failed: {response:#}"
                    );
                    succeeded += 1;
                    built = build(&app, &z, state).await;
                } else {
                    let error = &response["errors"][0]["extensions"];
                    let code = error["code"].as_str().unwrap_or_else(|| {
                        panic!("{role} was not offered {action} in {state:?}, which succeeded: {response:#}")
                    });
                    match code {
                        "FORBIDDEN" | "NOT_FOUND" => {}
                        "BAD_USER_INPUT" => assert_eq!(
                            error["reason"], "INVALID_TRANSITION",
                            "{role} {action} in {state:?}: {response:#}"
                        ),
                        other => panic!("{role} {action} in {state:?}: unexpected {other}: {response:#}"),
                    }
                    refused += 1;
                }
            }
        }
    }
    assert!(succeeded > 60, "only {succeeded} steps were offered");
    assert!(refused > 600, "only {refused} steps were refused");
}

async fn action_names_are_the_lifecycle_mutations(app: TestApp) {
    let mutations: Vec<&str> = zhitong::requests::lifecycle::STEPS.iter().map(|s| s.mutation).collect();
    for (type_name, expected) in [
        ("RequestAction", &REQUEST_ACTIONS[..]),
        ("TaskAction", &TASK_ACTIONS[..]),
    ] {
        let data = app
            .ok(
                &app.admin_token,
                "query($n: String!) { __type(name: $n) { enumValues { name description } } }",
                json!({ "n": type_name }),
            )
            .await;
        let values = data["__type"]["enumValues"].as_array().unwrap();
        let listed: Vec<&str> = values.iter().map(|v| v["name"].as_str().unwrap()).collect();
        assert_eq!(listed, expected, "{type_name}");
        for value in values {
            let name = value["name"].as_str().unwrap();
            let camel: String = name
                .split('_')
                .enumerate()
                .map(|(i, part)| {
                    let lower = part.to_lowercase();
                    if i == 0 {
                        lower
                    } else {
                        let mut chars = lower.chars();
                        chars.next().unwrap().to_uppercase().chain(chars).collect()
                    }
                })
                .collect();
            assert!(
                mutations.contains(&camel.as_str()),
                "{name} is no step of the lifecycle table"
            );
            assert!(
                !value["description"].as_str().unwrap_or("").is_empty(),
                "{name} is described"
            );
        }
    }
}
