//! Benchmark data generator: a zone of any size, written straight into a migrated database as
//! rows the server accepts as its own (every CHECK, one active officer per company, one
//! principal per company, unique `QY-<year>-<6 digits>` numbers with their counters, timelines
//! that replay the lifecycle, tasks that match the request's status, plausible due times).
//!
//! PostgreSQL is loaded with `COPY … FROM STDIN (FORMAT binary)` in one transaction, SQLite with
//! multi-row inserts in one transaction. Every account shares one password, hashed once.
//!
//!   zhitong migrate   # first, with the same ZHITONG_DATABASE_URL
//!   cargo run --release --example bench-data -- --database-url URL [--companies 10000]
//!       [--officers 500] [--departments 30] [--requests 200000] [--events 1000000]
//!       [--seed 1] [--password bench-password] [--manifest bench/out/manifest.json]

use std::collections::HashMap;
use std::time::Instant;

use chrono::{Datelike, Duration, NaiveDateTime};
use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use diesel::{PgConnection, SqliteConnection};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde_json::json;
use zhitong::db::schema::{
    companies, departments, devices, officer_assignments, request_counters, request_events, request_tasks, requests,
    users,
};
use zhitong::db::DbUrl;

#[derive(Insertable)]
#[diesel(table_name = companies, treat_none_as_default_value = false)]
struct CompanyRow {
    id: i64,
    name: String,
    credit_code: String,
    industry: String,
    address: String,
    key_enterprise: bool,
    version: i32,
    created_at: NaiveDateTime,
    updated_at: NaiveDateTime,
}

#[derive(Insertable)]
#[diesel(table_name = departments, treat_none_as_default_value = false)]
struct DepartmentRow {
    id: i64,
    name: String,
    description: String,
    version: i32,
    created_at: NaiveDateTime,
    updated_at: NaiveDateTime,
}

#[derive(Insertable)]
#[diesel(table_name = users, treat_none_as_default_value = false)]
struct UserRow {
    id: i64,
    role: &'static str,
    phone: String,
    name: String,
    password_hash: String,
    must_change_password: bool,
    company_id: Option<i64>,
    department_id: Option<i64>,
    principal: bool,
    zone_leader: bool,
    version: i32,
    created_at: NaiveDateTime,
    updated_at: NaiveDateTime,
    quiet_start_minute: i32,
    quiet_end_minute: i32,
}

#[derive(Insertable)]
#[diesel(table_name = devices, treat_none_as_default_value = false)]
struct DeviceRow {
    id: i64,
    user_id: i64,
    token: String,
    platform: &'static str,
    locale: &'static str,
    app_version: String,
    created_at: NaiveDateTime,
    last_seen_at: NaiveDateTime,
}

#[derive(Insertable)]
#[diesel(table_name = officer_assignments, treat_none_as_default_value = false)]
struct AssignmentRow {
    id: i64,
    company_id: i64,
    officer_id: i64,
    reason: String,
    assigned_by: Option<i64>,
    started_at: NaiveDateTime,
    ended_at: Option<NaiveDateTime>,
    end_reason: Option<String>,
    ended_by: Option<i64>,
}

#[derive(Insertable)]
#[diesel(table_name = requests, treat_none_as_default_value = false)]
struct RequestRow {
    id: i64,
    number: String,
    company_id: i64,
    raised_by: i64,
    channel: &'static str,
    kind: &'static str,
    category_id: i64,
    urgency: &'static str,
    title: String,
    description: String,
    officer_id: Option<i64>,
    status: &'static str,
    idempotency_key: Option<String>,
    answer: Option<String>,
    filing_number: Option<String>,
    solved: Option<bool>,
    satisfied: Option<bool>,
    feedback_comment: Option<String>,
    no_feedback: bool,
    feedback_at: Option<NaiveDateTime>,
    resolved_at: Option<NaiveDateTime>,
    closed_at: Option<NaiveDateTime>,
    version: i32,
    created_at: NaiveDateTime,
    updated_at: NaiveDateTime,
    needs_coordination: bool,
    first_reply_due_at: Option<NaiveDateTime>,
    first_reply_remind_at: Option<NaiveDateTime>,
    first_replied_at: Option<NaiveDateTime>,
    resolve_due_at: Option<NaiveDateTime>,
    resolve_remind_at: Option<NaiveDateTime>,
    awaiting_company_since: Option<NaiveDateTime>,
    paused_seconds: i64,
    overdue_at: Option<NaiveDateTime>,
}

#[derive(Insertable, Clone)]
#[diesel(table_name = request_tasks, treat_none_as_default_value = false)]
struct TaskRow {
    id: i64,
    request_id: i64,
    department_id: Option<i64>,
    lead: bool,
    status: &'static str,
    note: String,
    responsible: Option<String>,
    approach: Option<String>,
    due_at: Option<NaiveDateTime>,
    result: Option<String>,
    reason: Option<String>,
    dispatched_by: Option<i64>,
    version: i32,
    created_at: NaiveDateTime,
    updated_at: NaiveDateTime,
    reply_due_at: Option<NaiveDateTime>,
    reply_remind_at: Option<NaiveDateTime>,
    replied_at: Option<NaiveDateTime>,
    overdue_at: Option<NaiveDateTime>,
}

#[derive(Insertable)]
#[diesel(table_name = request_events, treat_none_as_default_value = false)]
struct EventRow {
    id: i64,
    request_id: i64,
    task_id: Option<i64>,
    kind: &'static str,
    actor_id: Option<i64>,
    text: String,
    internal: bool,
    from_status: Option<&'static str>,
    to_status: Option<&'static str>,
    created_at: NaiveDateTime,
}

#[derive(Insertable)]
#[diesel(table_name = request_counters, treat_none_as_default_value = false)]
struct CounterRow {
    year: i32,
    last_number: i64,
}

enum Conn {
    Pg(PgConnection),
    Sqlite(SqliteConnection),
}

/// Appends `rows` to `table`: binary COPY on PostgreSQL, multi-row inserts on SQLite.
macro_rules! load {
    ($conn:expr, $table:expr, $rows:expr) => {{
        let rows = &$rows;
        match &mut *$conn {
            Conn::Pg(c) => {
                if !rows.is_empty() {
                    diesel::copy_from($table).from_insertable(rows).execute(c)?;
                }
            }
            Conn::Sqlite(c) => {
                for chunk in rows.chunks(400) {
                    diesel::insert_into($table).values(chunk).execute(c)?;
                }
            }
        }
    }};
}

struct Options {
    companies: i64,
    officers: i64,
    departments: i64,
    requests: i64,
    events: i64,
    seed: u64,
    password: String,
}

fn arg(name: &str) -> Option<String> {
    let args: Vec<String> = std::env::args().collect();
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1).cloned())
}

fn num(name: &str, default: i64) -> i64 {
    arg(name)
        .map(|v| {
            v.replace('_', "")
                .parse()
                .unwrap_or_else(|_| panic!("{name} takes a number"))
        })
        .unwrap_or(default)
}

const DEPARTMENT_NAMES: &[&str] = &[
    "城市管理局",
    "供电公司",
    "自来水公司",
    "燃气公司",
    "自然资源和规划局",
    "住房和城乡建设局",
    "交通运输局",
    "人力资源和社会保障局",
    "教育局",
    "金融工作局",
    "发展和改革委员会",
    "生态环境分局",
    "市场监督管理局",
    "税务局",
    "消防救援大队",
    "公安分局",
    "行政审批局",
    "商务局",
    "科技局",
    "应急管理局",
];
const INDUSTRIES: &[&str] = &[
    "制造业",
    "软件和信息技术",
    "批发零售",
    "物流",
    "新材料",
    "生物医药",
    "建筑业",
    "餐饮住宿",
];
const SURNAMES: &[&str] = &[
    "王", "李", "张", "刘", "陈", "杨", "赵", "黄", "周", "吴", "徐", "孙", "胡", "朱", "高", "林",
];
const GIVEN: &[&str] = &[
    "伟", "芳", "娜", "敏", "静", "强", "磊", "军", "洋", "勇", "艳", "杰", "涛", "明", "超", "霞",
];
/// Titles per category (ids 1..=12 as seeded by the migrations).
const TITLES: &[&[&str]] = &[
    &["施工许可办理进度咨询", "环评批复材料补正", "消防验收预约"],
    &["厂区供水压力不足", "新建车间接水申请", "水费账单异常"],
    &["夜间生产经常跳闸", "增容报装进度缓慢", "临时用电申请"],
    &["天然气接驳时间", "燃气管道迁改", "用气价格咨询"],
    &["用地指标咨询", "土地证办理进度", "厂区红线调整"],
    &["厂房建设审批", "竣工验收咨询", "施工围挡影响通行"],
    &["货车通行证办理", "园区道路破损", "公交线路延伸申请"],
    &["招聘会场地申请", "员工社保转移", "技工培训补贴"],
    &["员工子女入学", "外地员工子女转学", "幼儿园学位咨询"],
    &["贴息贷款申请", "应急转贷咨询", "上市辅导政策"],
    &["高企认定政策咨询", "稳岗补贴申领", "研发费用加计扣除"],
    &["排污许可证延续", "噪声投诉处理", "危废处置渠道"],
];

fn person(rng: &mut StdRng) -> String {
    format!(
        "{}{}{}",
        SURNAMES[rng.random_range(0..SURNAMES.len())],
        GIVEN[rng.random_range(0..GIVEN.len())],
        if rng.random_bool(0.5) {
            GIVEN[rng.random_range(0..GIVEN.len())]
        } else {
            ""
        }
    )
}

fn credit_code(i: i64) -> String {
    let first17 = format!("91320500{:09}", 100_000_000 + i);
    let check = zhitong::companies::credit_code::check_char(&first17).expect("digits only");
    format!("{first17}{check}")
}

/// The zone's people, with the ids the rows get.
struct People {
    officers: Vec<(i64, String)>,
    /// Staff per department (index = department id - 1).
    department_staff: Vec<Vec<(i64, String)>>,
    department_names: Vec<String>,
    /// (principal, other staff) per company (index = company id - 1).
    company_staff: Vec<(i64, Option<i64>)>,
    company_officer: Vec<i64>,
    /// A former officer and when the change happened, for a few companies.
    former_officer: HashMap<i64, (i64, NaiveDateTime)>,
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Target {
    Submitted,
    Accepted,
    Dispatched,
    InProgress,
    Resolved,
    Reopened,
    Closed,
    Rejected,
    Withdrawn,
    Unresolvable,
}

fn pick_target(rng: &mut StdRng) -> Target {
    let r: f64 = rng.random();
    let table = [
        (0.02, Target::Submitted),
        (0.04, Target::Accepted),
        (0.06, Target::Dispatched),
        (0.11, Target::InProgress),
        (0.14, Target::Resolved),
        (0.15, Target::Reopened),
        (0.19, Target::Rejected),
        (0.23, Target::Withdrawn),
        (0.25, Target::Unresolvable),
    ];
    table
        .iter()
        .find(|(p, _)| r < *p)
        .map(|(_, t)| *t)
        .unwrap_or(Target::Closed)
}

/// One event of a request's path, as an offset from its raising.
#[derive(Clone)]
struct Step {
    at: Duration,
    kind: &'static str,
    actor: Option<i64>,
    /// Index into the request's tasks.
    task: Option<usize>,
    text: String,
    internal: bool,
    from: Option<&'static str>,
    to: &'static str,
    /// Counts as a versioned change of the request (not notes).
    versioned: bool,
}

struct TaskPlan {
    department: Option<i64>,
    lead: bool,
    status: &'static str,
    created: Duration,
    updated: Duration,
    version: i32,
    responsible: Option<String>,
    approach: Option<String>,
    due_at: Option<Duration>,
    result: Option<String>,
    replied: Option<Duration>,
}

/// A request before its times are anchored: everything relative to its raising.
struct Skeleton {
    company: i64,
    raised_by: i64,
    channel: &'static str,
    kind: &'static str,
    category: i64,
    urgency: &'static str,
    coordinated: bool,
    title: String,
    officer: i64,
    steps: Vec<Step>,
    tasks: Vec<TaskPlan>,
    first_reply_limit: Duration,
    resolve_limit: Duration,
    /// The latest the request may have been raised before now (the age of its last step plus
    /// some waiting since), and how old it may be at most.
    min_age: Duration,
    max_age: Duration,
    status: &'static str,
    answer: Option<String>,
    filing_number: Option<String>,
    feedback: Option<(bool, bool, Option<String>, bool, Duration)>,
    resolved: Option<Duration>,
    closed: Option<Duration>,
    first_replied: Option<Duration>,
    /// When it was first resolved (a reopened request keeps it, for the overdue record).
    first_resolved: Option<Duration>,
    /// One of the few requests that miss a limit.
    late: bool,
    created_at: NaiveDateTime,
}

fn hours(h: f64) -> Duration {
    Duration::seconds((h * 3600.0) as i64)
}

fn between(rng: &mut StdRng, lo: Duration, hi: Duration) -> Duration {
    if hi <= lo {
        return lo;
    }
    lo + Duration::seconds(rng.random_range(0..(hi - lo).num_seconds().max(1)))
}

struct Builder<'a> {
    rng: &'a mut StdRng,
    people: &'a People,
    sk: Skeleton,
    status: &'static str,
    now: Duration,
}

impl Builder<'_> {
    fn push(&mut self, kind: &'static str, actor: Option<i64>, task: Option<usize>, text: String, to: &'static str) {
        let from = Some(self.status);
        self.sk.steps.push(Step {
            at: self.now,
            kind,
            actor,
            task,
            text,
            internal: false,
            from,
            to,
            versioned: true,
        });
        self.status = to;
    }

    fn advance(&mut self, lo: Duration, hi: Duration) {
        let gap = between(self.rng, lo, hi);
        self.now += gap;
    }

    fn company_actor(&self) -> i64 {
        let (principal, other) = self.people.company_staff[(self.sk.company - 1) as usize];
        if self.sk.raised_by == principal || Some(self.sk.raised_by) == other {
            self.sk.raised_by
        } else {
            principal
        }
    }

    fn department_actor(&mut self, department: i64) -> (i64, String) {
        let staff = &self.people.department_staff[(department - 1) as usize];
        let (id, _) = staff[self.rng.random_range(0..staff.len())];
        (id, self.people.department_names[(department - 1) as usize].clone())
    }
}

fn plan_request(rng: &mut StdRng, people: &People, options: &Options, company: i64) -> Skeleton {
    let target = pick_target(rng);
    let kind_roll: f64 = rng.random();
    let kind = if kind_roll < 0.5 {
        "CONSULTATION"
    } else if kind_roll < 0.85 {
        "PROBLEM"
    } else if kind_roll < 0.93 {
        "SUGGESTION"
    } else {
        "COMPLAINT"
    };
    let category = rng.random_range(1..=12i64);
    let coordinated = kind != "CONSULTATION" && rng.random_bool(0.2);
    let urgency = if rng.random_bool(0.1) { "URGENT" } else { "NORMAL" };
    let (principal, other) = people.company_staff[(company - 1) as usize];
    let officer = people.company_officer[(company - 1) as usize];
    let by_officer = rng.random_bool(0.15);
    let (raised_by, channel) = if by_officer {
        let channels = ["HOTLINE", "VISIT", "GROUP_CHAT", "OTHER"];
        (officer, channels[rng.random_range(0..channels.len())])
    } else {
        (
            match other {
                Some(o) if rng.random_bool(0.4) => o,
                _ => principal,
            },
            "APP",
        )
    };
    let titles = TITLES[(category - 1) as usize];
    let title = titles[rng.random_range(0..titles.len())].to_string();
    // Limits as the zone's defaults give them, without the working-day arithmetic.
    let (first_reply_limit, resolve_limit) = match (kind, coordinated) {
        ("CONSULTATION", _) => (hours(8.0), hours(8.0)),
        (_, false) => (hours(24.0), hours(24.0)),
        (_, true) => (hours(48.0), hours(7.0 * 24.0)),
    };
    let raiser_name = if raised_by == officer {
        people.officers[(officer - 2) as usize].1.clone()
    } else {
        "企业用户".to_string()
    };
    let sk = Skeleton {
        company,
        raised_by,
        channel,
        kind,
        category,
        urgency,
        coordinated,
        title,
        officer,
        steps: Vec::new(),
        tasks: Vec::new(),
        first_reply_limit,
        resolve_limit,
        min_age: Duration::zero(),
        max_age: Duration::days(730),
        status: "SUBMITTED",
        answer: None,
        filing_number: None,
        feedback: None,
        resolved: None,
        closed: None,
        first_replied: None,
        first_resolved: None,
        late: false,
        created_at: NaiveDateTime::default(),
    };
    let mut b = Builder {
        rng,
        people,
        sk,
        status: "SUBMITTED",
        now: Duration::zero(),
    };
    b.sk.steps.push(Step {
        at: Duration::zero(),
        kind: "RAISED",
        actor: Some(raised_by),
        task: None,
        text: format!("raised by {raiser_name} via {channel}"),
        internal: false,
        from: None,
        to: "SUBMITTED",
        versioned: false,
    });
    let officer_name = people.officers[(officer - 2) as usize].1.clone();
    // About 4 % of requests miss a limit; the rest are handled within it.
    let late = b.rng.random_bool(0.04);
    b.sk.late = late;
    let resolve_in = if late {
        hours(resolve_limit.num_seconds() as f64 / 3600.0 * b.rng.random_range(1.05..2.5))
    } else {
        hours(resolve_limit.num_seconds() as f64 / 3600.0 * b.rng.random_range(0.25..0.95))
    };
    let accept_in = if late && b.rng.random_bool(0.3) {
        hours(first_reply_limit.num_seconds() as f64 / 3600.0 * b.rng.random_range(1.05..1.5))
    } else {
        hours(first_reply_limit.num_seconds() as f64 / 3600.0 * b.rng.random_range(0.02..0.1))
    }
    .min(resolve_in - hours(0.2));

    if target == Target::Submitted {
        return finish(b, Duration::zero(), first_reply_limit * 6 / 5);
    }
    if target == Target::Withdrawn && b.rng.random_bool(0.5) {
        b.advance(hours(0.1), hours(6.0));
        let actor = b.company_actor();
        b.push(
            "WITHDRAWN",
            Some(actor),
            None,
            "withdrawn by the company".into(),
            "WITHDRAWN",
        );
        b.sk.closed = Some(b.now);
        return finish(b, Duration::zero(), Duration::days(730));
    }
    if target == Target::Rejected && b.rng.random_bool(0.5) {
        b.advance(hours(0.1), accept_in);
        let reason = "不属于园区服务事项，请向属地街道反映".to_string();
        b.push("REJECTED", Some(officer), None, reason.clone(), "REJECTED");
        b.sk.first_replied = Some(b.now);
        b.sk.answer = Some(reason);
        b.sk.closed = Some(b.now);
        return finish(b, Duration::zero(), Duration::days(730));
    }
    b.now = accept_in.max(hours(0.05));
    b.push(
        "ACCEPTED",
        Some(officer),
        None,
        format!("accepted by {officer_name}"),
        "ACCEPTED",
    );
    b.sk.first_replied = Some(b.now);
    match target {
        Target::Accepted => return finish(b, Duration::zero(), hours(24.0)),
        Target::Rejected => {
            b.advance(hours(0.1), hours(4.0));
            let reason = "诉求涉及民事纠纷，建议通过司法途径解决".to_string();
            b.push("REJECTED", Some(officer), None, reason.clone(), "REJECTED");
            b.sk.answer = Some(reason);
            b.sk.closed = Some(b.now);
            return finish(b, Duration::zero(), Duration::days(730));
        }
        Target::Withdrawn => {
            b.advance(hours(0.1), hours(8.0));
            let actor = b.company_actor();
            b.push(
                "WITHDRAWN",
                Some(actor),
                None,
                "withdrawn by the company: 问题已自行解决".into(),
                "WITHDRAWN",
            );
            b.sk.closed = Some(b.now);
            return finish(b, Duration::zero(), Duration::days(730));
        }
        _ => {}
    }
    let direct = kind == "CONSULTATION" || (kind == "SUGGESTION" && b.rng.random_bool(0.6));
    if direct && matches!(target, Target::Dispatched | Target::InProgress) {
        return finish(b, Duration::zero(), hours(8.0));
    }
    if !direct {
        // Dispatch to the category's department as lead, sometimes with an assisting one, or
        // to the open pool.
        b.advance(hours(0.05), hours(0.5));
        let lead_department = (category - 1) % options.departments + 1;
        let pooled = b.rng.random_bool(0.1);
        let dispatched_at = b.now;
        b.sk.tasks.push(TaskPlan {
            department: if pooled { None } else { Some(lead_department) },
            lead: true,
            status: if pooled { "POOLED" } else { "DISPATCHED" },
            created: dispatched_at,
            updated: dispatched_at,
            version: 1,
            responsible: None,
            approach: None,
            due_at: None,
            result: None,
            replied: None,
        });
        let assist = !pooled && options.departments > 1 && b.rng.random_bool(0.15);
        if assist {
            let other = (lead_department + b.rng.random_range(1..options.departments) - 1) % options.departments + 1;
            b.sk.tasks.push(TaskPlan {
                department: Some(other),
                lead: false,
                status: "DISPATCHED",
                created: dispatched_at,
                updated: dispatched_at,
                version: 1,
                responsible: None,
                approach: None,
                due_at: None,
                result: None,
                replied: None,
            });
        }
        if pooled {
            b.push(
                "POOLED",
                Some(officer),
                None,
                "put in the open pool for departments to claim".into(),
                "DISPATCHED",
            );
        } else {
            let mut names = vec![format!(
                "{} (lead)",
                people.department_names[(lead_department - 1) as usize]
            )];
            if let Some(t) = b.sk.tasks.get(1) {
                names.push(people.department_names[(t.department.unwrap() - 1) as usize].clone());
            }
            b.push(
                "DISPATCHED",
                Some(officer),
                None,
                format!("dispatched to {}", names.join(", ")),
                "DISPATCHED",
            );
        }
        if target == Target::Dispatched {
            return finish(b, Duration::zero(), hours(24.0));
        }
        if target == Target::Withdrawn {
            b.advance(hours(1.0), hours(24.0));
            let actor = b.company_actor();
            b.push(
                "WITHDRAWN",
                Some(actor),
                None,
                "withdrawn by the company".into(),
                "WITHDRAWN",
            );
            b.sk.closed = Some(b.now);
            return finish(b, Duration::zero(), Duration::days(730));
        }
        // Each task is signed (or claimed) and planned; the lead finishes last.
        let span = resolve_in - b.now;
        let planned_by = b.now + span / 3;
        for i in 0..b.sk.tasks.len() {
            b.now = between(b.rng, dispatched_at + hours(0.2), planned_by - hours(0.1));
            let department = b.sk.tasks[i].department.unwrap_or(lead_department);
            let (actor, name) = b.department_actor(department);
            let to = if b.status == "DISPATCHED" {
                "IN_PROGRESS"
            } else {
                b.status
            };
            if b.sk.tasks[i].status == "POOLED" {
                b.push(
                    "CLAIMED",
                    Some(actor),
                    Some(i),
                    format!("claimed from the pool by {name}"),
                    to,
                );
                b.sk.tasks[i].department = Some(department);
            } else {
                b.push("SIGNED", Some(actor), Some(i), format!("signed for by {name}"), to);
            }
            let t = &mut b.sk.tasks[i];
            t.status = "SIGNED";
            t.version += 1;
            t.updated = b.now;
            if target == Target::InProgress && b.rng.random_bool(0.4) {
                continue;
            }
            b.advance(hours(0.1), hours(3.0));
            let responsible = person(b.rng);
            let due = resolve_in.max(b.now + hours(2.0));
            let approach = "现场勘查后制定整改方案并跟踪落实".to_string();
            let text = format!(
                "plan of {name}: {responsible} handles it by {{due}}: {approach}" // due filled when anchored
            );
            b.push("PLANNED", Some(actor), Some(i), text, "IN_PROGRESS");
            let t = &mut b.sk.tasks[i];
            t.status = "PLANNED";
            t.version += 1;
            t.updated = b.now;
            t.responsible = Some(responsible);
            t.approach = Some(approach);
            t.due_at = Some(due);
            t.replied = Some(b.now);
        }
        // Keep the steps in time order (tasks were worked in parallel), and replay the
        // statuses in that order: the first sign-for starts the work.
        b.sk.steps.sort_by_key(|s| s.at);
        let mut status = "SUBMITTED";
        for s in b.sk.steps.iter_mut().skip(1) {
            s.from = Some(status);
            if matches!(s.kind, "SIGNED" | "CLAIMED" | "PLANNED") {
                s.to = if matches!(status, "DISPATCHED" | "REOPENED") {
                    "IN_PROGRESS"
                } else {
                    status
                };
            }
            status = s.to;
        }
        b.status = status;
        b.now = b.sk.steps.last().map(|s| s.at).unwrap_or(b.now);
        if target == Target::InProgress {
            return finish(b, Duration::zero(), hours(48.0));
        }
        if target == Target::Unresolvable {
            b.advance(hours(1.0), hours(48.0));
            let filing = format!("BA-{}", b.rng.random_range(10000..99999));
            let reason = "现行政策不支持，已向上级部门报备".to_string();
            b.push(
                "UNRESOLVABLE",
                Some(officer),
                None,
                format!("cannot be solved under current policy (filed as {filing}): {reason}"),
                "UNRESOLVABLE",
            );
            b.sk.answer = Some(reason);
            b.sk.filing_number = Some(filing);
            b.sk.closed = Some(b.now);
            return finish(b, Duration::zero(), Duration::days(730));
        }
        // Finish the tasks: assisting first, the lead last (which resolves the request).
        complete_tasks(&mut b, resolve_in);
    } else {
        if target == Target::Unresolvable {
            b.advance(hours(0.5), hours(8.0));
            let filing = format!("BA-{}", b.rng.random_range(10000..99999));
            let reason = "该事项暂无政策依据".to_string();
            b.push(
                "UNRESOLVABLE",
                Some(officer),
                None,
                format!("cannot be solved under current policy (filed as {filing}): {reason}"),
                "UNRESOLVABLE",
            );
            b.sk.answer = Some(reason);
            b.sk.filing_number = Some(filing);
            b.sk.closed = Some(b.now);
            return finish(b, Duration::zero(), Duration::days(730));
        }
        b.now = resolve_in.max(b.now + hours(0.1));
        let answer = "已按政策口径答复，相关材料清单已发送".to_string();
        let kind = if kind == "CONSULTATION" { "ANSWERED" } else { "RESOLVED" };
        b.push(kind, Some(officer), None, answer.clone(), "RESOLVED");
        b.sk.answer = Some(answer);
        b.sk.resolved = Some(b.now);
        b.sk.first_resolved = Some(b.now);
    }
    // RESOLVED: the company confirms, or not yet (the auto-close worker closes after 7 days).
    if target == Target::Resolved {
        return finish(b, Duration::zero(), Duration::days(6) + hours(20.0));
    }
    let reopen = target == Target::Reopened || b.rng.random_bool(0.05);
    if reopen {
        b.advance(hours(1.0), hours(72.0));
        let actor = b.company_actor();
        b.push(
            "REOPENED",
            Some(actor),
            None,
            "not solved, not satisfied: 问题仍然存在".into(),
            "REOPENED",
        );
        b.sk.feedback = Some((false, false, Some("问题仍然存在".into()), false, b.now));
        b.sk.resolved = None;
        for t in b.sk.tasks.iter_mut().filter(|t| t.status == "DONE") {
            t.status = "PLANNED";
            t.version += 1;
            t.updated = b.now;
        }
        if target == Target::Reopened {
            return finish(b, Duration::zero(), hours(72.0));
        }
        let again = b.now + hours(b.rng.random_range(4.0..72.0));
        if b.sk.tasks.is_empty() {
            b.now = again;
            let answer = "已重新核实并补充答复".to_string();
            let kind = if kind == "CONSULTATION" { "ANSWERED" } else { "RESOLVED" };
            b.push(kind, Some(officer), None, answer.clone(), "RESOLVED");
            b.sk.answer = Some(answer);
            b.sk.resolved = Some(b.now);
        } else {
            complete_tasks(&mut b, again);
        }
    }
    // Closed by the company's confirmation, or automatically after 7 days without feedback.
    if b.rng.random_bool(0.15) {
        b.now += Duration::days(7) + Duration::seconds(b.rng.random_range(0..600));
        b.push(
            "AUTO_CLOSED",
            None,
            None,
            "closed automatically: no feedback from the company within 7 days".into(),
            "CLOSED",
        );
        b.sk.feedback = Some((false, false, None, true, b.now));
    } else {
        b.advance(hours(0.5), hours(120.0));
        let actor = b.company_actor();
        let (text, comment) = if b.rng.random_bool(0.3) {
            (
                "solved, satisfied: 感谢及时处理".to_string(),
                Some("感谢及时处理".to_string()),
            )
        } else {
            ("solved, satisfied".to_string(), None)
        };
        b.push("CLOSED", Some(actor), None, text, "CLOSED");
        b.sk.feedback = Some((true, true, comment, false, b.now));
    }
    b.sk.closed = Some(b.now);
    finish(b, Duration::zero(), Duration::days(730))
}

fn complete_tasks(b: &mut Builder<'_>, lead_done_at: Duration) {
    let order: Vec<usize> = (0..b.sk.tasks.len())
        .filter(|&i| !b.sk.tasks[i].lead)
        .chain([0])
        .collect();
    let start = b.now;
    for i in order {
        b.now = if b.sk.tasks[i].lead {
            lead_done_at.max(b.now + hours(0.1))
        } else {
            between(b.rng, start + hours(0.1), lead_done_at.max(start + hours(0.2)))
        };
        let department = b.sk.tasks[i].department.expect("worked tasks have a department");
        let (actor, name) = b.department_actor(department);
        let result = "已完成现场处置，企业确认恢复正常".to_string();
        let to = if b.sk.tasks[i].lead { "RESOLVED" } else { "IN_PROGRESS" };
        b.push(
            "COMPLETED",
            Some(actor),
            Some(i),
            format!("{name} finished its task: {result}"),
            to,
        );
        let t = &mut b.sk.tasks[i];
        t.status = "DONE";
        t.version += 1;
        t.updated = b.now;
        t.result = Some(result.clone());
        if t.lead {
            b.sk.answer = Some(result);
            b.sk.resolved = Some(b.now);
            b.sk.first_resolved.get_or_insert(b.now);
        }
    }
}

/// Records the final status and how long ago the request may have been raised: at least long
/// enough for its path plus `wait_min`, at most `wait_max` after its last step for open ones.
fn finish(b: Builder<'_>, wait_min: Duration, wait_max: Duration) -> Skeleton {
    let mut sk = b.sk;
    sk.status = b.status;
    let last = b.now;
    sk.min_age = last + wait_min + Duration::minutes(1);
    let terminal = matches!(sk.status, "CLOSED" | "REJECTED" | "WITHDRAWN" | "UNRESOLVABLE");
    // Open requests wait within their limits, except the few late ones.
    let limit = match sk.status {
        "SUBMITTED" => Some(sk.first_reply_limit),
        "ACCEPTED" | "DISPATCHED" | "IN_PROGRESS" => Some(sk.resolve_limit),
        _ => None,
    };
    let wait_max = match limit {
        Some(limit) if sk.late => wait_max.max(limit * 2 - last),
        Some(limit) => wait_max.min(limit * 9 / 10 - last),
        None => wait_max,
    };
    sk.max_age = if terminal {
        Duration::days(730).max(sk.min_age)
    } else {
        last + wait_max.max(Duration::minutes(2))
    };
    sk
}

/// Adds `count` notes at random moments while the request was open.
fn add_notes(rng: &mut StdRng, sk: &mut Skeleton, count: u32, people: &People, open_until: Duration) {
    if count == 0 {
        return;
    }
    let (principal, _) = people.company_staff[(sk.company - 1) as usize];
    let end = sk
        .steps
        .iter()
        .filter(|s| matches!(s.to, "CLOSED" | "REJECTED" | "WITHDRAWN" | "UNRESOLVABLE"))
        .map(|s| s.at)
        .next()
        .unwrap_or(open_until);
    for _ in 0..count {
        let at = between(
            rng,
            Duration::minutes(1),
            end.max(Duration::minutes(2)) - Duration::seconds(1),
        );
        let status = sk
            .steps
            .iter()
            .rfind(|s| s.at <= at)
            .map(|s| s.to)
            .unwrap_or("SUBMITTED");
        let (actor, text, internal) = match rng.random_range(0..10) {
            0..=3 => (sk.officer, "已电话联系企业，了解具体情况".to_string(), false),
            4..=6 => (sk.officer, "内部备注：需协调分管领导".to_string(), true),
            _ => (principal, "请尽快处理，谢谢".to_string(), false),
        };
        sk.steps.push(Step {
            at,
            kind: "NOTE",
            actor: Some(actor),
            task: None,
            text,
            internal,
            from: Some(status),
            to: status,
            versioned: false,
        });
    }
    sk.steps.sort_by_key(|s| s.at);
}

fn load_batch(
    conn: &mut Conn,
    requests_batch: &mut Vec<RequestRow>,
    tasks_batch: &mut Vec<TaskRow>,
    events_batch: &mut Vec<EventRow>,
    totals: &mut (usize, usize, usize),
) -> Result<(), Box<dyn std::error::Error>> {
    load!(conn, requests::table, *requests_batch);
    load!(conn, request_tasks::table, *tasks_batch);
    load!(conn, request_events::table, *events_batch);
    totals.0 += requests_batch.len();
    totals.1 += tasks_batch.len();
    totals.2 += events_batch.len();
    requests_batch.clear();
    tasks_batch.clear();
    events_batch.clear();
    Ok(())
}

fn opt_at(base: NaiveDateTime, d: Option<Duration>) -> Option<NaiveDateTime> {
    d.map(|d| base + d)
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let url = arg("--database-url")
        .or_else(|| std::env::var("ZHITONG_DATABASE_URL").ok())
        .ok_or("give --database-url (or ZHITONG_DATABASE_URL)")?;
    let options = Options {
        companies: num("--companies", 10_000).max(1),
        officers: num("--officers", 500).max(1),
        departments: num("--departments", 30).clamp(1, 1000),
        requests: num("--requests", 200_000).max(0),
        events: num("--events", 1_000_000).max(0),
        seed: num("--seed", 1) as u64,
        password: arg("--password").unwrap_or_else(|| "bench-password".into()),
    };
    let started = Instant::now();
    let mut conn = match DbUrl::parse(&url)? {
        DbUrl::Postgres(url) => Conn::Pg(PgConnection::establish(&url)?),
        DbUrl::Sqlite(path) => {
            let mut c = SqliteConnection::establish(&path.to_string_lossy())?;
            c.batch_execute(
                "PRAGMA busy_timeout = 10000; PRAGMA journal_mode = WAL; PRAGMA synchronous = OFF; \
                 PRAGMA foreign_keys = ON;",
            )?;
            Conn::Sqlite(c)
        }
    };
    let existing: i64 = match &mut conn {
        Conn::Pg(c) => companies::table.count().get_result(c)?,
        Conn::Sqlite(c) => companies::table.count().get_result(c)?,
    };
    if existing > 0 {
        return Err("the database already has companies: generate into a freshly migrated database".into());
    }
    let hash = zhitong::auth::password::hash(&options.password).map_err(|e| format!("{e:?}"))?;
    let now = chrono::Utc::now().naive_utc();
    let mut rng = StdRng::seed_from_u64(options.seed);
    let zone_start = now - Duration::days(800);

    // People and organisation.
    let mut next_user = 1i64;
    let mut user_rows = Vec::new();
    let mut user = |role: &'static str,
                    phone: String,
                    name: String,
                    company: Option<i64>,
                    department: Option<i64>,
                    principal: bool| {
        let id = next_user;
        next_user += 1;
        user_rows.push(UserRow {
            id,
            role,
            phone,
            name,
            password_hash: hash.clone(),
            must_change_password: false,
            company_id: company,
            department_id: department,
            principal,
            zone_leader: false,
            version: 1,
            created_at: zone_start,
            updated_at: zone_start,
            quiet_start_minute: 1320,
            quiet_end_minute: 420,
        });
        id
    };
    let admin = user("ADMIN", "13800000000".into(), "Administrator".into(), None, None, false);
    let officers: Vec<(i64, String)> = (0..options.officers)
        .map(|k| {
            let name = format!("{}专员{k}", person(&mut rng));
            (
                user("OFFICER", format!("139{:08}", k + 1), name.clone(), None, None, false),
                name,
            )
        })
        .collect();
    let department_names: Vec<String> = (0..options.departments as usize)
        .map(|d| match DEPARTMENT_NAMES.get(d) {
            Some(n) => n.to_string(),
            None => format!(
                "{}第{}分局",
                DEPARTMENT_NAMES[d % DEPARTMENT_NAMES.len()],
                d / DEPARTMENT_NAMES.len() + 1
            ),
        })
        .collect();
    let mut dept_phone = 0;
    let department_staff: Vec<Vec<(i64, String)>> = (1..=options.departments)
        .map(|d| {
            (0..3)
                .map(|_| {
                    dept_phone += 1;
                    let name = person(&mut rng);
                    (
                        user(
                            "DEPARTMENT",
                            format!("137{dept_phone:08}"),
                            name.clone(),
                            None,
                            Some(d),
                            false,
                        ),
                        name,
                    )
                })
                .collect()
        })
        .collect();
    let mut company_phone = 0;
    let mut company_staff = Vec::with_capacity(options.companies as usize);
    for c in 1..=options.companies {
        company_phone += 1;
        let principal = user(
            "COMPANY",
            format!("150{company_phone:08}"),
            person(&mut rng),
            Some(c),
            None,
            true,
        );
        let other = if c % 2 == 0 {
            company_phone += 1;
            Some(user(
                "COMPANY",
                format!("150{company_phone:08}"),
                person(&mut rng),
                Some(c),
                None,
                false,
            ))
        } else {
            None
        };
        company_staff.push((principal, other));
    }
    let company_officer: Vec<i64> = (0..options.companies)
        .map(|c| officers[(c % options.officers) as usize].0)
        .collect();
    let mut former_officer = HashMap::new();
    if options.officers > 1 {
        for c in 1..=options.companies {
            if rng.random_bool(0.03) {
                let current = company_officer[(c - 1) as usize];
                let former = officers[((c + 7) % options.officers) as usize].0;
                if former != current {
                    former_officer.insert(c, (former, now - Duration::days(rng.random_range(60..500))));
                }
            }
        }
    }
    let people = People {
        officers,
        department_staff,
        department_names,
        company_staff,
        company_officer,
        former_officer,
    };

    let company_rows: Vec<CompanyRow> = (1..=options.companies)
        .map(|c| CompanyRow {
            id: c,
            name: format!(
                "{}{}有限公司{c}",
                ["苏州", "园区", "华东", "东方", "金鸡湖"][(c % 5) as usize],
                INDUSTRIES[(c % 8) as usize]
            ),
            credit_code: credit_code(c),
            industry: INDUSTRIES[(c % 8) as usize].into(),
            address: format!("星湖街{}号", c % 900 + 1),
            key_enterprise: c % 10 == 0,
            version: 1,
            created_at: zone_start,
            updated_at: zone_start,
        })
        .collect();
    let department_rows: Vec<DepartmentRow> = people
        .department_names
        .iter()
        .enumerate()
        .map(|(i, name)| DepartmentRow {
            id: i as i64 + 1,
            name: name.clone(),
            description: String::new(),
            version: 1,
            created_at: zone_start,
            updated_at: zone_start,
        })
        .collect();
    let mut assignment_rows = Vec::new();
    for c in 1..=options.companies {
        let current = people.company_officer[(c - 1) as usize];
        let since = match people.former_officer.get(&c) {
            Some(&(former, changed)) => {
                assignment_rows.push(AssignmentRow {
                    id: assignment_rows.len() as i64 + 1,
                    company_id: c,
                    officer_id: former,
                    reason: String::new(),
                    assigned_by: Some(admin),
                    started_at: zone_start,
                    ended_at: Some(changed),
                    end_reason: Some("工作调整".into()),
                    ended_by: Some(admin),
                });
                changed
            }
            None => zone_start,
        };
        assignment_rows.push(AssignmentRow {
            id: assignment_rows.len() as i64 + 1,
            company_id: c,
            officer_id: current,
            reason: String::new(),
            assigned_by: Some(admin),
            started_at: since,
            ended_at: None,
            end_reason: None,
            ended_by: None,
        });
    }
    let device_rows: Vec<DeviceRow> = user_rows
        .iter()
        .filter(|u| u.role != "ADMIN" && (u.role != "COMPANY" || u.id % 10 < 7))
        .enumerate()
        .map(|(i, u)| DeviceRow {
            id: i as i64 + 1,
            user_id: u.id,
            token: format!("bench-device-{}", u.id),
            platform: if u.id % 3 == 0 { "IOS" } else { "ANDROID" },
            locale: if u.id % 10 == 0 { "en-US" } else { "zh-CN" },
            app_version: "2.3.1".into(),
            created_at: zone_start,
            last_seen_at: now - Duration::days(u.id % 30),
        })
        .collect();

    // Requests: plan every path, anchor them in time, number them in raising order.
    let mut skeletons: Vec<Skeleton> = (0..options.requests)
        .map(|_| {
            // Key enterprises raise about three times as much as the others.
            let company = loop {
                let c = rng.random_range(1..=options.companies);
                if c % 10 == 0 || rng.random_bool(0.4) {
                    break c;
                }
            };
            plan_request(&mut rng, &people, &options, company)
        })
        .collect();
    let base_events: i64 = skeletons.iter().map(|s| s.steps.len() as i64).sum();
    let extra = (options.events - base_events).max(0);
    let mut notes = vec![0u32; skeletons.len()];
    if !skeletons.is_empty() {
        for _ in 0..extra {
            notes[rng.random_range(0..skeletons.len())] += 1;
        }
    }
    for (sk, n) in skeletons.iter_mut().zip(&notes) {
        // Recent requests are more common: the zone's use has grown.
        let span = (sk.max_age - sk.min_age).num_seconds().max(1) as f64;
        let u: f64 = rng.random();
        let age = sk.min_age + Duration::seconds((span * u.powf(1.6)) as i64);
        sk.created_at = now - age;
        // A request's officer is the one serving its company when it was raised.
        if let Some(&(former, changed)) = people.former_officer.get(&sk.company) {
            if sk.created_at < changed {
                let current = sk.officer;
                sk.officer = former;
                if sk.raised_by == current {
                    sk.raised_by = former;
                }
                for step in &mut sk.steps {
                    if step.actor == Some(current) && !matches!(step.kind, "NOTE") {
                        step.actor = Some(former);
                    }
                }
            }
        }
        add_notes(&mut rng, sk, *n, &people, age);
    }
    skeletons.sort_by_key(|s| s.created_at);

    let mut counters: HashMap<i32, i64> = HashMap::new();
    let mut request_rows = Vec::new();
    let mut task_rows = Vec::new();
    let mut event_rows = Vec::new();
    let (mut next_task, mut next_event) = (1i64, 1i64);
    let mut totals = (0usize, 0usize, 0usize);
    let mut status_counts: HashMap<&str, i64> = HashMap::new();
    let mut overdue = 0;
    let load_started = Instant::now();

    match &mut conn {
        Conn::Pg(c) => c.batch_execute("BEGIN")?,
        Conn::Sqlite(c) => c.batch_execute("BEGIN IMMEDIATE")?,
    }
    load!(&mut conn, companies::table, company_rows);
    load!(&mut conn, departments::table, department_rows);
    load!(&mut conn, users::table, user_rows);
    load!(&mut conn, officer_assignments::table, assignment_rows);
    load!(&mut conn, devices::table, device_rows);

    for (index, sk) in skeletons.iter().enumerate() {
        let id = index as i64 + 1;
        let base = sk.created_at;
        let local_year = (base + Duration::hours(8)).year();
        let number = counters.entry(local_year).or_insert(0);
        *number += 1;
        let number = format!("QY-{local_year}-{:06}", *number);
        let first_task_id = next_task;
        for t in &sk.tasks {
            let created = base + t.created;
            // A department replies within 3 working days (weekends skipped, holidays ignored).
            let mut reply_due = created + Duration::days(3);
            if matches!(reply_due.weekday(), chrono::Weekday::Sat | chrono::Weekday::Sun)
                || reply_due.weekday().num_days_from_monday() < created.weekday().num_days_from_monday()
            {
                reply_due += Duration::days(2);
            }
            let replied = opt_at(base, t.replied);
            let task_overdue = match replied {
                Some(r) if r > reply_due => Some(reply_due),
                None if now > reply_due && matches!(t.status, "DISPATCHED" | "SIGNED" | "POOLED") => Some(reply_due),
                _ => None,
            };
            let closed_task = sk.closed.is_some() && t.status != "DONE";
            task_rows.push(TaskRow {
                id: next_task,
                request_id: id,
                department_id: t.department,
                lead: t.lead,
                status: t.status,
                note: String::new(),
                responsible: t.responsible.clone(),
                approach: t.approach.clone(),
                due_at: opt_at(base, t.due_at),
                result: t.result.clone(),
                reason: None,
                dispatched_by: Some(sk.officer),
                version: t.version,
                created_at: created,
                updated_at: base + t.updated,
                reply_due_at: Some(reply_due),
                reply_remind_at: Some(created + (reply_due - created) * 3 / 4),
                replied_at: replied,
                overdue_at: if closed_task { None } else { task_overdue },
            });
            next_task += 1;
        }
        let mut version = 1;
        let mut updated = base;
        for step in &sk.steps {
            let at = base + step.at;
            let text = match (step.kind, step.task) {
                ("PLANNED", Some(i)) => {
                    let due = base + sk.tasks[i].due_at.unwrap_or(step.at);
                    step.text
                        .replace("{due}", &due.format("%Y-%m-%d %H:%M UTC").to_string())
                }
                _ => step.text.clone(),
            };
            event_rows.push(EventRow {
                id: next_event,
                request_id: id,
                task_id: step.task.map(|i| first_task_id + i as i64),
                kind: step.kind,
                actor_id: step.actor,
                text,
                internal: step.internal,
                from_status: step.from,
                to_status: Some(step.to),
                created_at: at,
            });
            next_event += 1;
            if step.versioned {
                version += 1;
                updated = at;
            }
        }
        // Due times, roughly: consultations within the working day (8 hours), problems in 24
        // hours, coordinated ones a reply in 48 hours and resolution in 5 working days (7 days).
        let (first_due, resolve_due) = (base + sk.first_reply_limit, base + sk.resolve_limit);
        let first_replied = opt_at(base, sk.first_replied);
        let resolved_or_closed = opt_at(base, sk.first_resolved).or(opt_at(base, sk.closed));
        let overdue_at = match (first_replied, resolved_or_closed) {
            (Some(r), _) if r > first_due => Some(first_due),
            (None, _) if now > first_due && sk.closed.is_none() => Some(first_due),
            (_, Some(r)) if r > resolve_due => Some(resolve_due),
            (_, None) if now > resolve_due => Some(resolve_due),
            _ => None,
        };
        if overdue_at.is_some() {
            overdue += 1;
        }
        *status_counts.entry(sk.status).or_default() += 1;
        let feedback = sk.feedback.clone();
        request_rows.push(RequestRow {
            id,
            number,
            company_id: sk.company,
            raised_by: sk.raised_by,
            channel: sk.channel,
            kind: sk.kind,
            category_id: sk.category,
            urgency: sk.urgency,
            title: sk.title.clone(),
            description: format!("{}。具体情况：{}，请相关部门协助解决。", sk.title, sk.title),
            officer_id: Some(sk.officer),
            status: sk.status,
            idempotency_key: if sk.channel == "APP" {
                Some(format!("gen-{id}"))
            } else {
                None
            },
            answer: sk.answer.clone(),
            filing_number: sk.filing_number.clone(),
            solved: feedback.as_ref().filter(|f| !f.3).map(|f| f.0),
            satisfied: feedback.as_ref().filter(|f| !f.3).map(|f| f.1),
            feedback_comment: feedback.as_ref().and_then(|f| f.2.clone()),
            no_feedback: feedback.as_ref().is_some_and(|f| f.3),
            feedback_at: feedback.as_ref().filter(|f| !f.3).map(|f| base + f.4),
            resolved_at: opt_at(base, sk.resolved),
            closed_at: opt_at(base, sk.closed),
            version,
            created_at: base,
            updated_at: updated,
            needs_coordination: sk.coordinated,
            first_reply_due_at: Some(first_due),
            first_reply_remind_at: Some(base + (first_due - base) * 3 / 4),
            first_replied_at: first_replied,
            resolve_due_at: Some(resolve_due),
            resolve_remind_at: Some(base + (resolve_due - base) * 3 / 4),
            awaiting_company_since: None,
            paused_seconds: 0,
            overdue_at,
        });
        if request_rows.len() >= 20_000 {
            load_batch(
                &mut conn,
                &mut request_rows,
                &mut task_rows,
                &mut event_rows,
                &mut totals,
            )?;
            eprint!("\r  {} requests, {} events", totals.0, totals.2);
        }
    }
    load_batch(
        &mut conn,
        &mut request_rows,
        &mut task_rows,
        &mut event_rows,
        &mut totals,
    )?;
    eprintln!();
    let counter_rows: Vec<CounterRow> = counters
        .iter()
        .map(|(&year, &last_number)| CounterRow { year, last_number })
        .collect();
    load!(&mut conn, request_counters::table, counter_rows);
    match &mut conn {
        Conn::Pg(c) => {
            // COPY with explicit ids leaves the identity sequences behind.
            for table in [
                "companies",
                "departments",
                "users",
                "officer_assignments",
                "devices",
                "requests",
                "request_tasks",
                "request_events",
            ] {
                c.batch_execute(&format!(
                    "SELECT setval(pg_get_serial_sequence('{table}', 'id'), GREATEST((SELECT max(id) FROM {table}), 1))"
                ))?;
            }
            c.batch_execute("COMMIT")?;
            c.batch_execute("ANALYZE")?;
        }
        Conn::Sqlite(c) => {
            c.batch_execute("COMMIT")?;
            c.batch_execute("ANALYZE")?;
        }
    }
    let load_secs = load_started.elapsed().as_secs_f64();

    let mut statuses: Vec<_> = status_counts.into_iter().collect();
    statuses.sort();
    println!(
        "generated {} companies, {} users ({} officers, {} department staff), {} departments",
        options.companies,
        next_user - 1,
        options.officers,
        options.departments * 3,
        options.departments
    );
    println!(
        "{} requests, {} tasks, {} events ({} planned by the lifecycle, {} notes); {} overdue",
        totals.0,
        totals.1,
        totals.2,
        base_events,
        totals.2 as i64 - base_events,
        overdue
    );
    println!(
        "statuses: {}",
        statuses
            .iter()
            .map(|(s, n)| format!("{s} {n}"))
            .collect::<Vec<_>>()
            .join(", ")
    );
    println!(
        "loaded in {load_secs:.1} s (total {:.1} s)",
        started.elapsed().as_secs_f64()
    );

    if let Some(path) = arg("--manifest") {
        // Who the load driver logs in as: spread over the zone, not the first ids.
        let stride = |n: i64, want: i64| (n / want.max(1)).max(1);
        let company_step = stride(options.companies, 400);
        let company_phones: Vec<String> = (0..options.companies)
            .step_by(company_step as usize)
            .map(|c| format!("150{:08}", phone_of_principal(c + 1)))
            .collect();
        let officer_phones: Vec<String> = (1..=options.officers)
            .step_by(stride(options.officers, 100) as usize)
            .map(|k| format!("139{k:08}"))
            .collect();
        let department_phones: Vec<String> = (1..=options.departments * 3).map(|k| format!("137{k:08}")).collect();
        let manifest = json!({
            "password": options.password,
            "admin_phone": "13800000000",
            "company_phones": company_phones,
            "officer_phones": officer_phones,
            "department_phones": department_phones,
            "companies": options.companies,
            "officers": options.officers,
            "departments": options.departments,
            "requests": totals.0,
            "tasks": totals.1,
            "events": totals.2,
            "load_seconds": load_secs,
        });
        if let Some(dir) = std::path::Path::new(&path).parent() {
            std::fs::create_dir_all(dir)?;
        }
        std::fs::write(&path, serde_json::to_string_pretty(&manifest)?)?;
    }
    Ok(())
}

/// The phone suffix of company `c`'s principal: companies alternate one and two accounts.
fn phone_of_principal(c: i64) -> i64 {
    // Companies 1..c-1 used (c-1) + (c-1)/2 phones (every even company has a second account).
    (c - 1) + (c - 1) / 2 + 1
}
