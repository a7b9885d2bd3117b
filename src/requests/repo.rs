//! Database access for requests, their tasks and events, and the categories.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::model::{
    Category, CategoryChanges, Event, NewCategory, NewEvent, NewRequest, NewTask, Request, RequestChanges,
    RequestStatus, Task, TaskChanges, TaskStatus, Urgency,
};
use crate::db::schema::{categories, officer_assignments, request_events, request_tasks, requests};
use crate::db::{like_pattern, lower, DbConnection, MultiBackend, Page, PageRequest};
use crate::error::AppResult;
use crate::ids::{CompanyId, DepartmentId, RequestId, TaskId, UserId};

/// The next readable number of `year`. The counter row is created or incremented in one
/// statement inside the caller's transaction, so two raises never get the same number; a
/// rolled-back raise leaves a gap, which is allowed.
pub fn next_number(conn: &mut DbConnection, year: i32) -> AppResult<i64> {
    #[derive(QueryableByName)]
    struct Counter {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        last_number: i64,
    }
    let row: Counter = diesel::sql_query(
        "INSERT INTO request_counters (year, last_number) VALUES ($1, 1) \
         ON CONFLICT (year) DO UPDATE SET last_number = request_counters.last_number + 1 \
         RETURNING last_number",
    )
    .bind::<diesel::sql_types::Integer, _>(year)
    .get_result(conn)?;
    Ok(row.last_number)
}

pub fn insert(conn: &mut DbConnection, new: &NewRequest) -> AppResult<Request> {
    Ok(diesel::insert_into(requests::table)
        .values(new)
        .returning(requests::all_columns)
        .get_result(conn)?)
}

pub fn find_by_id(conn: &mut DbConnection, id: RequestId) -> AppResult<Option<Request>> {
    Ok(requests::table
        .find(id)
        .select(Request::as_select())
        .first(conn)
        .optional()?)
}

pub fn find_by_idempotency_key(conn: &mut DbConnection, raised_by: UserId, key: &str) -> AppResult<Option<Request>> {
    Ok(requests::table
        .filter(requests::raised_by.eq(raised_by))
        .filter(requests::idempotency_key.eq(key))
        .select(Request::as_select())
        .first(conn)
        .optional()?)
}

/// Moves the request to `status` with `changes` if it still has `expected_version`; `None`
/// when someone changed it first.
pub fn advance(
    conn: &mut DbConnection,
    id: RequestId,
    expected_version: i32,
    status: RequestStatus,
    changes: &RequestChanges,
    now: NaiveDateTime,
) -> AppResult<Option<Request>> {
    Ok(diesel::update(
        requests::table
            .filter(requests::id.eq(id))
            .filter(requests::version.eq(expected_version)),
    )
    .set((
        changes,
        requests::status.eq(status),
        requests::version.eq(requests::version + 1),
        requests::updated_at.eq(now),
    ))
    .returning(requests::all_columns)
    .get_result(conn)
    .optional()?)
}

pub fn insert_task(conn: &mut DbConnection, new: &NewTask) -> AppResult<Task> {
    Ok(diesel::insert_into(request_tasks::table)
        .values(new)
        .returning(request_tasks::all_columns)
        .get_result(conn)?)
}

pub fn find_task(conn: &mut DbConnection, id: TaskId) -> AppResult<Option<Task>> {
    Ok(request_tasks::table
        .find(id)
        .select(Task::as_select())
        .first(conn)
        .optional()?)
}

pub fn tasks_of(conn: &mut DbConnection, request_id: RequestId) -> AppResult<Vec<Task>> {
    Ok(request_tasks::table
        .filter(request_tasks::request_id.eq(request_id))
        .order(request_tasks::id.asc())
        .select(Task::as_select())
        .load(conn)?)
}

pub fn tasks_for_requests(conn: &mut DbConnection, request_ids: &[RequestId]) -> AppResult<Vec<Task>> {
    Ok(request_tasks::table
        .filter(request_tasks::request_id.eq_any(request_ids))
        .order(request_tasks::id.asc())
        .select(Task::as_select())
        .load(conn)?)
}

/// Moves a task from `expected` to `status` with `changes`; `None` when it was no longer in
/// `expected` (someone acted on it first).
pub fn update_task(
    conn: &mut DbConnection,
    id: TaskId,
    expected: TaskStatus,
    status: TaskStatus,
    changes: &TaskChanges,
    now: NaiveDateTime,
) -> AppResult<Option<Task>> {
    Ok(diesel::update(
        request_tasks::table
            .filter(request_tasks::id.eq(id))
            .filter(request_tasks::status.eq(expected)),
    )
    .set((
        changes,
        request_tasks::status.eq(status),
        request_tasks::version.eq(request_tasks::version + 1),
        request_tasks::updated_at.eq(now),
    ))
    .returning(request_tasks::all_columns)
    .get_result(conn)
    .optional()?)
}

/// Moves the reply limit of every active task not yet replied to by `by` (the company answered
/// a request for information).
pub fn shift_open_task_deadlines(
    conn: &mut DbConnection,
    request_id: RequestId,
    by: chrono::Duration,
) -> AppResult<()> {
    let open: Vec<Task> = request_tasks::table
        .filter(request_tasks::request_id.eq(request_id))
        .filter(request_tasks::replied_at.is_null())
        .filter(request_tasks::status.eq_any(TaskStatus::AWAITING_REPLY))
        .select(Task::as_select())
        .load(conn)?;
    for task in open {
        diesel::update(request_tasks::table.find(task.id))
            .set((
                request_tasks::reply_due_at.eq(task.reply_due_at.map(|t| t + by)),
                request_tasks::reply_remind_at.eq(task.reply_remind_at.map(|t| t + by)),
            ))
            .execute(conn)?;
    }
    Ok(())
}

/// Puts finished tasks back to work when the company reopens the request (重办).
pub fn reopen_done_tasks(conn: &mut DbConnection, request_id: RequestId, now: NaiveDateTime) -> AppResult<usize> {
    Ok(diesel::update(
        request_tasks::table
            .filter(request_tasks::request_id.eq(request_id))
            .filter(request_tasks::status.eq(TaskStatus::Done)),
    )
    .set((
        request_tasks::status.eq(TaskStatus::Planned),
        request_tasks::version.eq(request_tasks::version + 1),
        request_tasks::updated_at.eq(now),
    ))
    .execute(conn)?)
}

pub fn insert_event(conn: &mut DbConnection, new: &NewEvent) -> AppResult<Event> {
    Ok(diesel::insert_into(request_events::table)
        .values(new)
        .returning(request_events::all_columns)
        .get_result(conn)?)
}

pub fn events_for_requests(conn: &mut DbConnection, request_ids: &[RequestId]) -> AppResult<Vec<Event>> {
    Ok(request_events::table
        .filter(request_events::request_id.eq_any(request_ids))
        .order(request_events::id.asc())
        .select(Event::as_select())
        .load(conn)?)
}

/// Which requests a caller may see.
#[derive(Debug, Clone, Copy)]
pub enum Scope {
    All,
    Company(CompanyId),
    /// Requests the officer was recorded on, or of companies the officer serves now.
    Officer(UserId),
    /// Requests with a task of the department, or a task waiting in the open pool.
    Department(DepartmentId),
}

/// The requests `scope` may see. An officer's companies are looked up first and passed as a
/// list: PostgreSQL cannot use an index for `IN (subquery)` under an `OR`, and scanned every
/// open request of the zone for each queue (measured in bench/, docs/benchmarks.md).
fn scoped(conn: &mut DbConnection, scope: Scope) -> AppResult<requests::BoxedQuery<'static, MultiBackend>> {
    let query = requests::table.into_boxed();
    Ok(match scope {
        Scope::All => query,
        Scope::Company(company_id) => query.filter(requests::company_id.eq(company_id)),
        Scope::Officer(officer_id) => {
            let served: Vec<i64> = officer_assignments::table
                .filter(officer_assignments::officer_id.eq(officer_id))
                .filter(officer_assignments::ended_at.is_null())
                .select(officer_assignments::company_id)
                .load(conn)?;
            query.filter(
                requests::officer_id
                    .assume_not_null()
                    .eq(officer_id)
                    .or(requests::company_id.eq_any(served)),
            )
        }
        Scope::Department(department_id) => query.filter(
            requests::id.eq_any(
                request_tasks::table
                    .filter(
                        request_tasks::department_id
                            .assume_not_null()
                            .eq(department_id)
                            .or(request_tasks::status.eq(TaskStatus::Pooled)),
                    )
                    .select(request_tasks::request_id),
            ),
        ),
    })
}

#[derive(Debug, Default, Clone)]
pub struct RequestFilter {
    pub statuses: Option<Vec<RequestStatus>>,
    pub kind: Option<super::model::RequestKind>,
    pub category_id: Option<i64>,
    pub channel: Option<super::model::Channel>,
    pub company_id: Option<CompanyId>,
    pub officer_id: Option<UserId>,
    pub department_id: Option<DepartmentId>,
    pub urgency: Option<Urgency>,
    pub created_from: Option<NaiveDateTime>,
    pub created_before: Option<NaiveDateTime>,
    pub text: Option<String>,
    /// Overdue on the record: the request's own limits, or a task's reply limit.
    pub overdue: Option<bool>,
    /// An open, running limit (request or task) falls due in `[from, before)`.
    pub due_between: Option<(NaiveDateTime, NaiveDateTime)>,
    /// Changed at or after this time (see [`changed_since`]).
    pub updated_since: Option<NaiveDateTime>,
}

/// Requests changed at or after `since`: the request or one of its tasks moved (every step
/// stamps the request's `updated_at`), or its timeline gained an event (notes and urges add an
/// event without changing the request).
fn changed_since(
    query: requests::BoxedQuery<'static, MultiBackend>,
    since: Option<NaiveDateTime>,
) -> requests::BoxedQuery<'static, MultiBackend> {
    match since {
        Some(since) => query.filter(
            requests::updated_at.ge(since).or(requests::id.eq_any(
                request_events::table
                    .filter(request_events::created_at.ge(since))
                    .select(request_events::request_id),
            )),
        ),
        None => query,
    }
}

pub fn filtered(
    conn: &mut DbConnection,
    scope: Scope,
    filter: &RequestFilter,
) -> AppResult<requests::BoxedQuery<'static, MultiBackend>> {
    let mut query = changed_since(scoped(conn, scope)?, filter.updated_since);
    if let Some(statuses) = filter.statuses.clone() {
        query = query.filter(requests::status.eq_any(statuses));
    }
    if let Some(kind) = filter.kind {
        query = query.filter(requests::kind.eq(kind));
    }
    if let Some(category_id) = filter.category_id {
        query = query.filter(requests::category_id.eq(category_id));
    }
    if let Some(channel) = filter.channel {
        query = query.filter(requests::channel.eq(channel));
    }
    if let Some(company_id) = filter.company_id {
        query = query.filter(requests::company_id.eq(company_id));
    }
    if let Some(officer_id) = filter.officer_id {
        query = query.filter(requests::officer_id.eq(officer_id));
    }
    if let Some(department_id) = filter.department_id {
        query = query.filter(
            requests::id.eq_any(
                request_tasks::table
                    .filter(request_tasks::department_id.eq(department_id))
                    .select(request_tasks::request_id),
            ),
        );
    }
    if let Some(urgency) = filter.urgency {
        query = query.filter(requests::urgency.eq(urgency));
    }
    if let Some(from) = filter.created_from {
        query = query.filter(requests::created_at.ge(from));
    }
    if let Some(before) = filter.created_before {
        query = query.filter(requests::created_at.lt(before));
    }
    if let Some(overdue) = filter.overdue {
        let with_overdue_task = request_tasks::table
            .filter(request_tasks::overdue_at.is_not_null())
            .select(request_tasks::request_id);
        query = if overdue {
            query.filter(
                requests::overdue_at
                    .is_not_null()
                    .or(requests::id.eq_any(with_overdue_task)),
            )
        } else {
            query.filter(
                requests::overdue_at
                    .is_null()
                    .and(requests::id.ne_all(with_overdue_task)),
            )
        };
    }
    if let Some((from, before)) = filter.due_between {
        let task_due = request_tasks::table
            .filter(request_tasks::status.eq_any(TaskStatus::AWAITING_REPLY))
            .filter(request_tasks::replied_at.is_null())
            .filter(request_tasks::reply_due_at.ge(from))
            .filter(request_tasks::reply_due_at.lt(before))
            .select(request_tasks::request_id);
        query = query
            .filter(requests::status.eq_any(RequestStatus::OPEN))
            .filter(requests::awaiting_company_since.is_null())
            .filter(
                requests::first_replied_at
                    .is_null()
                    .and(requests::first_reply_due_at.ge(from))
                    .and(requests::first_reply_due_at.lt(before))
                    .or(requests::resolve_due_at
                        .ge(from)
                        .and(requests::resolve_due_at.lt(before)))
                    .or(requests::id.eq_any(task_due)),
            );
    }
    if let Some(text) = filter.text.as_deref().map(str::trim).filter(|t| !t.is_empty()) {
        let pattern = like_pattern(text);
        query = query.filter(
            lower(requests::title)
                .like(pattern.clone())
                .escape('\\')
                .or(lower(requests::description).like(pattern).escape('\\')),
        );
    }
    Ok(query)
}

/// How many requests of `filter` there are (any company): the ledger export's row count.
pub fn count_all(conn: &mut DbConnection, filter: &RequestFilter) -> AppResult<i64> {
    Ok(filtered(conn, Scope::All, filter)?.count().get_result(conn)?)
}

/// Up to `limit` requests of `filter` (any company) with ids above `after`, oldest first: the
/// ledger export's keyset pages.
pub fn page_after(conn: &mut DbConnection, filter: &RequestFilter, after: i64, limit: i64) -> AppResult<Vec<Request>> {
    Ok(filtered(conn, Scope::All, filter)?
        .filter(requests::id.gt(after))
        .order(requests::id.asc())
        .limit(limit)
        .select(Request::as_select())
        .load(conn)?)
}

/// A page of requests, newest first.
pub fn list(
    conn: &mut DbConnection,
    scope: Scope,
    filter: &RequestFilter,
    page: PageRequest,
) -> AppResult<Page<Request>> {
    let total: i64 = filtered(conn, scope, filter)?.count().get_result(conn)?;
    let mut query = filtered(conn, scope, filter)?
        .select(Request::as_select())
        .order(requests::id.desc())
        .limit(page.limit + 1);
    if let Some(after) = page.after {
        query = query.filter(requests::id.lt(after));
    }
    Ok(Page::from_rows(query.load(conn)?, page, total))
}

/// How many requests the caller may see, per status. Diesel cannot group a boxed query, so
/// this is one indexed count per status (a fixed ten).
pub fn counts_by_status(conn: &mut DbConnection, scope: Scope) -> AppResult<Vec<(RequestStatus, i64)>> {
    RequestStatus::ALL
        .iter()
        .map(|status| {
            let n: i64 = scoped(conn, scope)?
                .filter(requests::status.eq(*status))
                .count()
                .get_result(conn)?;
            Ok((*status, n))
        })
        .collect()
}

/// What waits for someone's action.
#[derive(Debug, Clone, Copy)]
pub enum Awaiting {
    /// Requests the officer handles that wait for the officer: new, accepted (to answer or
    /// dispatch, including after a lead task was returned) or reopened.
    Officer(UserId),
    /// Requests with a task of the department to sign, plan or finish, or in the open pool.
    Department(DepartmentId),
}

const OFFICER_STATES: [RequestStatus; 3] = [
    RequestStatus::Submitted,
    RequestStatus::Accepted,
    RequestStatus::Reopened,
];
const HANDLING_STATES: [RequestStatus; 3] = [
    RequestStatus::Dispatched,
    RequestStatus::InProgress,
    RequestStatus::Reopened,
];

fn awaiting_query(
    conn: &mut DbConnection,
    awaiting: Awaiting,
) -> AppResult<requests::BoxedQuery<'static, MultiBackend>> {
    Ok(match awaiting {
        Awaiting::Officer(officer_id) => {
            scoped(conn, Scope::Officer(officer_id))?.filter(requests::status.eq_any(OFFICER_STATES))
        }
        Awaiting::Department(department_id) => requests::table
            .into_boxed()
            .filter(requests::status.eq_any(HANDLING_STATES))
            .filter(
                requests::id.eq_any(
                    request_tasks::table
                        .filter(
                            request_tasks::department_id
                                .assume_not_null()
                                .eq(department_id)
                                .and(request_tasks::status.eq_any([
                                    TaskStatus::Dispatched,
                                    TaskStatus::Signed,
                                    TaskStatus::Planned,
                                ]))
                                .or(request_tasks::status.eq(TaskStatus::Pooled)),
                        )
                        .select(request_tasks::request_id),
                ),
            ),
    })
}

/// A page of what waits for action, most urgent first, then oldest first. The cursor is the
/// last row's id; its urgency is looked up so the page continues in the same order.
/// What waits for `awaiting`, changed at or after `since` when given.
pub fn awaiting(
    conn: &mut DbConnection,
    awaiting: Awaiting,
    since: Option<NaiveDateTime>,
    page: PageRequest,
) -> AppResult<Page<Request>> {
    let total: i64 = changed_since(awaiting_query(conn, awaiting)?, since)
        .count()
        .get_result(conn)?;
    let mut query = changed_since(awaiting_query(conn, awaiting)?, since)
        .select(Request::as_select())
        .order((requests::urgency.desc(), requests::id.asc()))
        .limit(page.limit + 1);
    if let Some(after) = page.after {
        let urgency: Option<Urgency> = requests::table
            .find(after)
            .select(requests::urgency)
            .first(conn)
            .optional()?;
        if let Some(urgency) = urgency {
            query = query.filter(
                requests::urgency
                    .lt(urgency)
                    .or(requests::urgency.eq(urgency).and(requests::id.gt(after))),
            );
        }
    }
    Ok(Page::from_rows(query.load(conn)?, page, total))
}

/// Requests resolved at or before `cutoff` and still waiting for the company's confirmation.
pub fn resolved_before(conn: &mut DbConnection, cutoff: NaiveDateTime, limit: i64) -> AppResult<Vec<Request>> {
    Ok(requests::table
        .filter(requests::status.eq(RequestStatus::Resolved))
        .filter(requests::resolved_at.le(cutoff))
        .order(requests::id.asc())
        .limit(limit)
        .select(Request::as_select())
        .load(conn)?)
}

// Categories.

/// One category.
pub fn category(conn: &mut DbConnection, id: i64) -> AppResult<Option<Category>> {
    Ok(categories::table
        .find(id)
        .select(Category::as_select())
        .first(conn)
        .optional()?)
}

/// The categories with these ids.
pub fn categories_by_ids(conn: &mut DbConnection, ids: &[i64]) -> AppResult<Vec<Category>> {
    Ok(categories::table
        .filter(categories::id.eq_any(ids))
        .select(Category::as_select())
        .load(conn)?)
}

/// True when another category than `except_id` has this code.
pub fn category_code_taken(conn: &mut DbConnection, code: &str, except_id: Option<i64>) -> AppResult<bool> {
    let mut query = categories::table
        .filter(categories::code.eq(code))
        .select(categories::id)
        .into_boxed();
    if let Some(id) = except_id {
        query = query.filter(categories::id.ne(id));
    }
    Ok(query.first::<i64>(conn).optional()?.is_some())
}

/// Every category, enabled ones only unless `include_disabled`, in the order they were made.
pub fn categories(conn: &mut DbConnection, include_disabled: bool) -> AppResult<Vec<Category>> {
    let mut query = categories::table.into_boxed();
    if !include_disabled {
        query = query.filter(categories::disabled_at.is_null());
    }
    Ok(query
        .order(categories::id.asc())
        .select(Category::as_select())
        .load(conn)?)
}

pub fn insert_category(conn: &mut DbConnection, new: &NewCategory) -> AppResult<Category> {
    Ok(diesel::insert_into(categories::table)
        .values(new)
        .returning(categories::all_columns)
        .get_result(conn)?)
}

/// Applies `changes` to the category, bumping its version.
pub fn update_category(
    conn: &mut DbConnection,
    id: i64,
    changes: &CategoryChanges,
    now: NaiveDateTime,
) -> AppResult<Category> {
    Ok(diesel::update(categories::table.find(id))
        .set((
            changes,
            categories::version.eq(categories::version + 1),
            categories::updated_at.eq(now),
        ))
        .returning(categories::all_columns)
        .get_result(conn)?)
}
