//! The ledger (台账) as CSV: one row per request with its key times, departments, plans,
//! result and satisfaction, for Excel (UTF-8 with a byte-order mark). Rows are read in pages by
//! keyset on the id and written as they come, so the whole ledger never sits in memory.

use std::collections::HashMap;

use chrono::{DateTime, NaiveDateTime, Utc};
use chrono_tz::Tz;
use futures_util::Stream;
use serde::{Deserialize, Serialize};

use super::errors::StatsReason;
use crate::actor::Actor;
use crate::auth::repo as users_repo;
use crate::clock::to_utc;
use crate::companies::model::Company;
use crate::companies::repo as companies_repo;
use crate::db::Db;
use crate::departments::repo as departments_repo;
use crate::error::{AppError, AppResult};
use crate::graphql::ids::{self, IdKind};
use crate::ids::{CompanyId, DepartmentId, RequestId, UserId};
use crate::requests::callbacks::repo as callbacks_repo;
use crate::requests::model::{Channel, Request, RequestKind, RequestStatus, Task, TaskStatus, Urgency};
use crate::requests::repo::{self as requests_repo, RequestFilter};
use crate::requests::zone_issues::repo as zone_issues_repo;
use crate::spreadsheet::SafeCsvWriter;
use crate::state::AppState;

/// Rows read per database round trip.
pub const PAGE_ROWS: i64 = 1_000;

const BOM: &[u8] = b"\xEF\xBB\xBF";

const HEADER: [&str; 29] = [
    "编号",
    "提交时间",
    "企业",
    "统一社会信用代码",
    "渠道",
    "类型",
    "类别",
    "紧急程度",
    "标题",
    "诉求内容",
    "状态",
    "服务专员",
    "需协调",
    "主办部门",
    "协办部门",
    "办理方案",
    "首次答复时限",
    "首次答复时间",
    "办结时限",
    "办结时间",
    "关闭时间",
    "是否超期",
    "超期时间",
    "办理结果",
    "是否解决",
    "是否满意",
    "评价意见",
    "共性问题",
    "评价方式",
];

/// The `requests` filter as query-string parameters: `status` takes a comma-separated list;
/// ids are the API's opaque ids; times are RFC 3339.
#[derive(Debug, Default, Clone, Deserialize, Serialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ExportParams {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub category_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub channel: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub company_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub officer_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub department_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub urgency: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub created_from: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub created_before: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub overdue: Option<String>,
}

fn enum_param<T>(field: &str, value: Option<String>, parse: fn(&str) -> Option<T>) -> AppResult<Option<T>> {
    value
        .map(|v| {
            parse(v.trim()).ok_or_else(|| {
                AppError::bad_field(field, StatsReason::EXPORT_UNKNOWN_VALUE)
                    .arg("field", field)
                    .arg("value", format!("{v:?}"))
            })
        })
        .transpose()
}

fn id_param<T: From<i64>>(kind: IdKind, field: &str, value: Option<String>) -> AppResult<Option<T>> {
    value
        .map(|v| ids::decode(kind, &async_graphql::ID(v), field))
        .transpose()
}

fn time_param(field: &str, value: Option<String>) -> AppResult<Option<NaiveDateTime>> {
    value
        .map(|v| {
            DateTime::parse_from_rfc3339(v.trim())
                .map(|t| t.with_timezone(&Utc).naive_utc())
                .map_err(|_| AppError::bad_field(field, StatsReason::EXPORT_TIME_INVALID).arg("field", field))
        })
        .transpose()
}

impl ExportParams {
    pub fn into_filter(self) -> AppResult<RequestFilter> {
        let statuses = self
            .status
            .map(|list| {
                list.split(',')
                    .map(|s| {
                        RequestStatus::from_text(s.trim()).ok_or_else(|| {
                            AppError::bad_field("status", StatsReason::EXPORT_UNKNOWN_VALUE)
                                .arg("field", "status")
                                .arg("value", format!("{s:?}"))
                        })
                    })
                    .collect::<AppResult<Vec<_>>>()
            })
            .transpose()?;
        Ok(RequestFilter {
            statuses,
            kind: enum_param("kind", self.kind, RequestKind::from_text)?,
            category_id: id_param(IdKind::Category, "categoryId", self.category_id)?,
            channel: enum_param("channel", self.channel, Channel::from_text)?,
            company_id: id_param(IdKind::Company, "companyId", self.company_id)?,
            officer_id: id_param(IdKind::User, "officerId", self.officer_id)?,
            department_id: id_param(IdKind::Department, "departmentId", self.department_id)?,
            urgency: enum_param("urgency", self.urgency, Urgency::from_text)?,
            created_from: time_param("createdFrom", self.created_from)?,
            created_before: time_param("createdBefore", self.created_before)?,
            text: self.text,
            overdue: self
                .overdue
                .map(|v| match v.as_str() {
                    "true" => Ok(true),
                    "false" => Ok(false),
                    _ => Err(AppError::bad_field("overdue", StatsReason::EXPORT_OVERDUE_INVALID)),
                })
                .transpose()?,
            due_between: None,
            updated_since: None,
        })
    }
}

fn channel_label(channel: Channel) -> &'static str {
    match channel {
        Channel::App => "APP",
        Channel::Hotline => "热线",
        Channel::Visit => "走访",
        Channel::GroupChat => "直通群",
        Channel::Other => "其他",
    }
}

fn kind_label(kind: RequestKind) -> &'static str {
    match kind {
        RequestKind::Consultation => "咨询",
        RequestKind::Problem => "诉求",
        RequestKind::Suggestion => "建议",
        RequestKind::Complaint => "投诉",
    }
}

fn status_label(status: RequestStatus) -> &'static str {
    match status {
        RequestStatus::Submitted => "待受理",
        RequestStatus::Accepted => "已受理",
        RequestStatus::Dispatched => "已交办",
        RequestStatus::InProgress => "办理中",
        RequestStatus::Resolved => "已办结待确认",
        RequestStatus::Closed => "已关闭",
        RequestStatus::Rejected => "不予受理",
        RequestStatus::Withdrawn => "已撤回",
        RequestStatus::Unresolvable => "无法解决（已备案）",
        RequestStatus::Reopened => "重办",
    }
}

fn yes_no(value: Option<bool>) -> &'static str {
    match value {
        Some(true) => "是",
        Some(false) => "否",
        None => "",
    }
}

/// Names looked up once per export, whatever the number of pages.
#[derive(Default)]
struct Names {
    companies: HashMap<CompanyId, Company>,
    categories: HashMap<i64, String>,
    users: HashMap<UserId, String>,
    departments: HashMap<DepartmentId, String>,
}

impl Names {
    fn fill(&mut self, conn: &mut crate::db::DbConnection, rows: &[Request], tasks: &[Task]) -> AppResult<()> {
        fn missing<K: Copy + Ord + std::hash::Hash, V>(map: &HashMap<K, V>, ids: impl Iterator<Item = K>) -> Vec<K> {
            let mut ids: Vec<_> = ids.filter(|id| !map.contains_key(id)).collect();
            ids.sort_unstable();
            ids.dedup();
            ids
        }
        let ids = missing(&self.companies, rows.iter().map(|r| r.company_id));
        if !ids.is_empty() {
            self.companies
                .extend(companies_repo::find_by_ids(conn, &ids)?.into_iter().map(|c| (c.id, c)));
        }
        let ids = missing(&self.categories, rows.iter().map(|r| r.category_id));
        if !ids.is_empty() {
            self.categories.extend(
                requests_repo::categories_by_ids(conn, &ids)?
                    .into_iter()
                    .map(|c| (c.id, c.name)),
            );
        }
        let ids = missing(&self.users, rows.iter().filter_map(|r| r.officer_id));
        if !ids.is_empty() {
            self.users
                .extend(users_repo::find_by_ids(conn, &ids)?.into_iter().map(|u| (u.id, u.name)));
        }
        let ids = missing(&self.departments, tasks.iter().filter_map(|t| t.department_id));
        if !ids.is_empty() {
            self.departments.extend(
                departments_repo::find_by_ids(conn, &ids)?
                    .into_iter()
                    .map(|d| (d.id, d.name)),
            );
        }
        Ok(())
    }

    fn department(&self, task: &Task) -> &str {
        task.department_id
            .and_then(|id| self.departments.get(&id))
            .map_or("待认领", String::as_str)
    }
}

/// Where an export stands between pages.
struct Cursor {
    db: Db,
    zone: Tz,
    filter: RequestFilter,
    page_rows: i64,
    after: i64,
    started: bool,
    finished: bool,
    names: Names,
}

fn local(zone: Tz, at: Option<NaiveDateTime>) -> String {
    at.map(|t| to_utc(t).with_timezone(&zone).format("%Y-%m-%d %H:%M:%S").to_string())
        .unwrap_or_default()
}

/// Per page: the zone issue (一事多企) each request is handled in now, and the requests whose
/// latest answers were recorded from a callback (回访).
#[derive(Default)]
struct Shared {
    issues: HashMap<RequestId, String>,
    by_callback: std::collections::HashSet<RequestId>,
}

fn shared(conn: &mut crate::db::DbConnection, rows: &[Request]) -> AppResult<Shared> {
    let ids: Vec<RequestId> = rows.iter().map(|r| r.id).collect();
    if ids.is_empty() {
        return Ok(Shared::default());
    }
    let members = zone_issues_repo::active_memberships(conn, &ids)?;
    let mut issue_ids: Vec<i64> = members.iter().map(|m| m.zone_issue_id).collect();
    issue_ids.sort_unstable();
    issue_ids.dedup();
    let numbers: HashMap<i64, String> = zone_issues_repo::by_ids(conn, &issue_ids)?
        .into_iter()
        .map(|i| (i.id, i.number()))
        .collect();
    let issues = members
        .into_iter()
        .filter_map(|m| numbers.get(&m.zone_issue_id).map(|n| (m.request_id, n.clone())))
        .collect();
    let by_callback = callbacks_repo::for_requests(conn, &ids)?
        .into_iter()
        .filter(|c| {
            rows.iter().any(|r| {
                r.id == c.request_id
                    && r.feedback_at.is_some()
                    && c.recorded_at.is_some_and(|at| Some(at) >= r.feedback_at)
            })
        })
        .map(|c| c.request_id)
        .collect();
    Ok(Shared { issues, by_callback })
}

fn write_rows(cursor: &Cursor, rows: &[Request], tasks: &[Task], shared: &Shared, out: &mut Vec<u8>) -> AppResult<()> {
    let mut writer = SafeCsvWriter::new(out);
    if !cursor.started {
        writer.write_row(HEADER)?;
    }
    let zone = cursor.zone;
    let names = &cursor.names;
    for request in rows {
        let held: Vec<&Task> = tasks
            .iter()
            .filter(|t| t.request_id == request.id && t.status.is_active())
            .collect();
        let lead: Vec<&str> = held.iter().filter(|t| t.lead).map(|t| names.department(t)).collect();
        let assisting: Vec<&str> = held.iter().filter(|t| !t.lead).map(|t| names.department(t)).collect();
        let plans: Vec<String> = held
            .iter()
            .filter(|t| t.responsible.is_some() || t.approach.is_some())
            .map(|t| {
                let mut plan = format!(
                    "{}：{}，{}",
                    names.department(t),
                    t.responsible.as_deref().unwrap_or(""),
                    t.approach.as_deref().unwrap_or("")
                );
                if t.due_at.is_some() {
                    plan.push_str(&format!("，{}前", local(zone, t.due_at)));
                }
                if t.status == TaskStatus::Done {
                    plan.push_str("（已完成）");
                }
                plan
            })
            .collect();
        let company = names.companies.get(&request.company_id);
        let answered_how = if request.feedback_at.is_none() {
            ""
        } else if shared.by_callback.contains(&request.id) {
            "回访"
        } else {
            "企业自评"
        };
        let record: [&str; 29] = [
            &request.number,
            &local(zone, Some(request.created_at)),
            company.map_or("", |c| c.name.as_str()),
            company.map_or("", |c| c.credit_code.as_str()),
            channel_label(request.channel),
            kind_label(request.kind),
            names.categories.get(&request.category_id).map_or("", String::as_str),
            if request.urgency == Urgency::Urgent {
                "紧急"
            } else {
                "一般"
            },
            &request.title,
            &request.description,
            status_label(request.status),
            request
                .officer_id
                .and_then(|id| names.users.get(&id))
                .map_or("", String::as_str),
            if request.needs_coordination { "是" } else { "否" },
            &lead.join("、"),
            &assisting.join("、"),
            &plans.join("\n"),
            &local(zone, request.first_reply_due_at),
            &local(zone, request.first_replied_at),
            &local(zone, request.resolve_due_at),
            &local(zone, request.resolved_at),
            &local(zone, request.closed_at),
            if request.overdue_at.is_some() { "是" } else { "否" },
            &local(zone, request.overdue_at),
            request.answer.as_deref().unwrap_or(""),
            yes_no(request.solved),
            if request.no_feedback {
                "未评价（自动关闭）"
            } else {
                yes_no(request.satisfied)
            },
            request.feedback_comment.as_deref().unwrap_or(""),
            shared.issues.get(&request.id).map_or("", String::as_str),
            answered_how,
        ];
        writer.write_row(record)?;
    }
    writer.flush()?;
    Ok(())
}

/// Reads the next page and turns it into CSV bytes (with the BOM and header first).
fn next_chunk(mut cursor: Cursor) -> AppResult<(Vec<u8>, Cursor)> {
    let mut conn = cursor.db.connection()?;
    let rows = requests_repo::page_after(&mut conn, &cursor.filter, cursor.after, cursor.page_rows)?;
    let ids: Vec<RequestId> = rows.iter().map(|r| r.id).collect();
    let tasks = if ids.is_empty() {
        Vec::new()
    } else {
        requests_repo::tasks_for_requests(&mut conn, &ids)?
    };
    cursor.names.fill(&mut conn, &rows, &tasks)?;
    let shared = shared(&mut conn, &rows)?;
    let mut out = Vec::with_capacity(rows.len() * 400 + 512);
    if !cursor.started {
        out.extend_from_slice(BOM);
    }
    write_rows(&cursor, &rows, &tasks, &shared, &mut out)?;
    cursor.started = true;
    cursor.finished = (rows.len() as i64) < cursor.page_rows;
    if let Some(last) = ids.last() {
        cursor.after = last.get();
    }
    Ok((out, cursor))
}

/// What the audit log keeps of one ledger export: the filter as given and the rows it matched.
pub struct LedgerExport {
    pub params: ExportParams,
    pub rows: i64,
}

impl crate::audit::Audited for LedgerExport {
    const TARGET: &'static str = "ledger";
    fn target_id(&self) -> String {
        "requests.csv".into()
    }
    fn snapshot(&self) -> serde_json::Value {
        serde_json::json!({ "filter": self.params, "rows": self.rows })
    }
}

/// The ledger for `actor` (admins only), with the `requests` filter read from the URL's query
/// string (`query`, without the `?`), as a stream of CSV chunks. The export is written to the
/// audit log (who, which filter, how many rows) before the first byte is sent.
pub async fn for_admin(
    state: &AppState,
    actor: &Actor,
    query: &str,
) -> AppResult<impl Stream<Item = AppResult<Vec<u8>>> + Send + 'static> {
    actor.require_admin()?;
    let params: ExportParams = serde_urlencoded::from_str(query)
        .map_err(|e| AppError::bad_input(StatsReason::EXPORT_PARAMETERS_INVALID).arg("detail", e))?;
    let filter = params.clone().into_filter()?;
    let counted = filter.clone();
    let by = actor.user_id;
    let now = state.clock.now_naive();
    let rows = state
        .db
        .write(move |conn| {
            let rows = requests_repo::count_all(conn, &counted)?;
            let entry = LedgerExport { params, rows };
            crate::audit::record(conn, by, "exportLedger", None, Some(&entry), now)?;
            Ok(rows)
        })
        .await?;
    tracing::info!(by = by.get(), rows, "ledger exported");
    Ok(ledger_csv(state.db.clone(), state.config.time_zone, filter, PAGE_ROWS))
}

/// The ledger of the requests `filter` selects, as a stream of CSV chunks, oldest first.
/// Only call it for an admin.
pub fn ledger_csv(
    db: Db,
    zone: Tz,
    filter: RequestFilter,
    page_rows: i64,
) -> impl Stream<Item = AppResult<Vec<u8>>> + Send + 'static {
    let cursor = Cursor {
        db,
        zone,
        filter,
        page_rows: page_rows.max(1),
        after: 0,
        started: false,
        finished: false,
        names: Names::default(),
    };
    futures_util::stream::unfold(Some(cursor), |cursor| async move {
        let cursor = cursor.filter(|c| !c.finished)?;
        match crate::db::run_blocking(move || next_chunk(cursor)).await {
            Ok((bytes, cursor)) => Some((Ok(bytes), Some(cursor))),
            Err(error) => Some((Err(error), None)),
        }
    })
}
