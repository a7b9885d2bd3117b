//! Rules for requests: who may raise, see and move them, checked against the state machine of
//! `lifecycle`, each change committed with its timeline event in one transaction.

use chrono::{Datelike, Duration, NaiveDateTime};
use chrono_tz::Tz;

use super::categories;
use super::events::{self, Entry};
use super::lifecycle::{self, Action, Outcome, Party};
use super::live;
use super::model::{
    Channel, EventKind, NewRequest, NewTask, Request, RequestChanges, RequestKind, RequestStatus, Task, TaskChanges,
    TaskStatus, Urgency,
};
use super::repo::{self, Awaiting, RequestFilter, Scope};
use crate::auth::model::{Actor, Role};
use crate::companies::repo as companies_repo;
use crate::db::{DbConnection, Page, PageRequest};
use crate::departments::repo as departments_repo;
use crate::error::{AppError, AppResult};
use crate::sla::deadlines;
use crate::state::AppState;

pub const MAX_TITLE_CHARS: usize = 100;
pub const MAX_DESCRIPTION_CHARS: usize = 5_000;
pub const MAX_TEXT_CHARS: usize = 2_000;
pub const MAX_SHORT_CHARS: usize = 100;
pub const MAX_IDEMPOTENCY_KEY_CHARS: usize = 100;
/// A request left RESOLVED this long without the company's confirmation closes by itself.
pub const AUTO_CLOSE_AFTER_DAYS: i64 = 7;

fn clean(field: &str, text: &str, max: usize, multiline: bool) -> AppResult<String> {
    let text = text.trim();
    if text.chars().count() > max {
        return Err(AppError::bad_field(
            field,
            format!("{field} has at most {max} characters"),
        ));
    }
    if text
        .chars()
        .any(|c| c.is_control() && !(multiline && (c == '\n' || c == '\t' || c == '\r')))
    {
        return Err(AppError::bad_field(
            field,
            format!("{field} cannot contain control characters"),
        ));
    }
    Ok(text.to_string())
}

fn required(field: &str, text: &str, max: usize) -> AppResult<String> {
    let text = clean(field, text, max, true)?;
    if text.is_empty() {
        return Err(AppError::bad_field(field, format!("{field} is required")));
    }
    Ok(text)
}

fn optional(field: &str, text: Option<&str>, max: usize) -> AppResult<Option<String>> {
    Ok(text
        .map(|t| clean(field, t, max, true))
        .transpose()?
        .filter(|t| !t.is_empty()))
}

fn stale() -> AppError {
    AppError::conflict("the request was changed by someone else; reload and try again")
}

/// The officer handles the request: recorded on it at raise time, or serving its company now.
fn handles(conn: &mut DbConnection, actor: &Actor, request: &Request) -> AppResult<bool> {
    Ok(match actor.role {
        Role::Admin => true,
        Role::Officer => {
            request.officer_id == Some(actor.user_id)
                || companies_repo::active_officer_id(conn, request.company_id)? == Some(actor.user_id)
        }
        Role::Company | Role::Department => false,
    })
}

fn can_see(conn: &mut DbConnection, actor: &Actor, request: &Request) -> AppResult<bool> {
    Ok(match actor.role {
        Role::Admin | Role::Officer => handles(conn, actor, request)?,
        Role::Company => actor.company_id == Some(request.company_id),
        Role::Department => repo::tasks_of(conn, request.id)?.iter().any(|t| {
            t.status == TaskStatus::Pooled || (t.department_id.is_some() && t.department_id == actor.department_id)
        }),
    })
}

/// The request, if `actor` may see it (NOT_FOUND otherwise, so existence does not leak).
pub fn visible(conn: &mut DbConnection, actor: &Actor, id: i64) -> AppResult<Request> {
    let request = repo::find_by_id(conn, id)?.ok_or_else(|| AppError::not_found("request"))?;
    if !can_see(conn, actor, &request)? {
        return Err(AppError::not_found("request"));
    }
    Ok(request)
}

/// Checks that `actor` is the party the state machine names for `action` (the table in
/// `lifecycle` decides who, as it decides when). Visibility has been checked before.
fn authorize(
    conn: &mut DbConnection,
    actor: &Actor,
    request: &Request,
    task: Option<&Task>,
    action: Action,
) -> AppResult<()> {
    let party = lifecycle::step(action).by;
    let allowed = match party {
        Party::Handler => handles(conn, actor, request)?,
        Party::Company => actor.role == Role::Company && actor.company_id == Some(request.company_id),
        Party::CompanyOrAdmin => {
            actor.role == Role::Admin || (actor.role == Role::Company && actor.company_id == Some(request.company_id))
        }
        Party::TaskDepartment => {
            actor.role == Role::Department
                && actor.department_id.is_some()
                && task.is_some_and(|t| t.department_id == actor.department_id)
        }
        Party::AnyDepartment => actor.role == Role::Department,
        Party::HandlerOrTaskHolder => {
            handles(conn, actor, request)?
                || (actor.role == Role::Department
                    && actor.department_id.is_some()
                    && repo::tasks_of(conn, request.id)?
                        .iter()
                        .any(|t| t.status.is_active() && t.department_id == actor.department_id))
        }
        Party::Viewer => true,
        Party::System => false,
    };
    if allowed {
        return Ok(());
    }
    Err(AppError::forbidden(match party {
        Party::Handler => "only the request's officer or an admin may do this",
        Party::Company => "only the company's staff may do this",
        Party::CompanyOrAdmin => "only the company's staff or an admin may do this",
        Party::TaskDepartment => "only staff of the department that holds the task may do this",
        Party::AnyDepartment => "only department staff may do this",
        Party::HandlerOrTaskHolder => {
            "only the request's officer, an admin or a department holding a task on it may do this"
        }
        Party::Viewer | Party::System => "this step is not yours to take",
    }))
}

fn check_version(request: &Request, version: i32) -> AppResult<()> {
    if request.version == version {
        Ok(())
    } else {
        Err(stale())
    }
}

/// The first reply (answer, plan, resolution, refusal) meets the first-reply limit once.
fn first_reply(request: &Request, now: NaiveDateTime) -> Option<Option<NaiveDateTime>> {
    request.first_replied_at.is_none().then_some(Some(now))
}

/// Re-stamps the request's open limits for another coordination tier, counted from receipt
/// and moved by the time already spent waiting on the company.
fn retier(
    conn: &mut DbConnection,
    zone: Tz,
    request: &Request,
    coordinated: Option<bool>,
    changes: &mut RequestChanges,
) -> AppResult<bool> {
    let Some(coordinated) = coordinated.filter(|c| *c != request.needs_coordination) else {
        return Ok(request.needs_coordination);
    };
    let due = deadlines::for_request(
        conn,
        zone,
        request.kind,
        coordinated,
        request.urgency,
        request.created_at,
    )?;
    let paused = Duration::seconds(request.paused_seconds);
    changes.needs_coordination = Some(coordinated);
    if request.first_replied_at.is_none() {
        let first = due.first_reply.map(|d| d.shifted(paused));
        changes.first_reply_due_at = Some(first.map(|d| d.due_at));
        changes.first_reply_remind_at = Some(first.map(|d| d.remind_at));
    }
    if request.resolved_at.is_none() && request.status != RequestStatus::Reopened {
        let resolve = due.resolve.map(|d| d.shifted(paused));
        changes.resolve_due_at = Some(resolve.map(|d| d.due_at));
        changes.resolve_remind_at = Some(resolve.map(|d| d.remind_at));
    }
    Ok(coordinated)
}

/// A new department task with its reply limit stamped.
fn new_task(conn: &mut DbConnection, zone: Tz, request: &Request, coordinated: bool, task: NewTask) -> AppResult<Task> {
    let due = deadlines::for_task(conn, zone, coordinated, request.urgency, task.created_at)?;
    repo::insert_task(
        conn,
        &NewTask {
            reply_due_at: due.map(|d| d.due_at),
            reply_remind_at: due.map(|d| d.remind_at),
            ..task
        },
    )
}

/// A limit met (or ended) only after it passed, which the sweeper has not recorded yet (it runs
/// every minute, or not at all in an instance without workers): overdue is never lost.
fn missed_limit(
    request: &Request,
    to: RequestStatus,
    changes: &RequestChanges,
    now: NaiveDateTime,
) -> Option<NaiveDateTime> {
    if request.overdue_at.is_some() || request.awaiting_company_since.is_some() {
        return None;
    }
    let replied = matches!(changes.first_replied_at, Some(Some(_)));
    let ends_handling = request.status.is_open() && !to.is_open();
    [
        request.first_reply_due_at.filter(|_| replied),
        request.resolve_due_at.filter(|_| ends_handling),
    ]
    .into_iter()
    .flatten()
    .filter(|due| *due < now)
    .min()
}

/// Moves the request to `to` (guarded by the version read) and writes the step's event.
fn apply(
    conn: &mut DbConnection,
    request: &Request,
    to: RequestStatus,
    mut changes: RequestChanges,
    entry: Entry,
    now: NaiveDateTime,
) -> AppResult<Request> {
    if let Some(missed) = missed_limit(request, to, &changes, now) {
        changes.overdue_at = Some(Some(missed));
    }
    let updated = repo::advance(conn, request.id, request.version, to, &changes, now)?.ok_or_else(stale)?;
    events::record(conn, &updated, Some(request.status), entry, now)?;
    Ok(updated)
}

/// Announces a committed change to live subscribers and passes the result on.
fn announced(state: &AppState, outcome: AppResult<Request>) -> AppResult<Request> {
    if let Ok(request) = &outcome {
        live::publish(state, request.id, request.company_id);
    }
    outcome
}

pub fn scope_of(actor: &Actor) -> Scope {
    match actor.role {
        Role::Admin => Scope::All,
        Role::Company => Scope::Company(actor.company_id.unwrap_or(0)),
        Role::Officer => Scope::Officer(actor.user_id),
        Role::Department => Scope::Department(actor.department_id.unwrap_or(0)),
    }
}

#[derive(Debug, Clone)]
pub struct Raise {
    pub company_id: Option<i64>,
    pub kind: RequestKind,
    pub category_id: i64,
    pub urgency: Urgency,
    pub title: String,
    pub description: String,
    pub channel: Option<Channel>,
    pub idempotency_key: Option<String>,
}

/// Raises a request: company staff for their own company from the app; officers (for the
/// companies they serve) and admins on a company's behalf from another channel.
pub async fn raise(state: &AppState, actor: &Actor, input: Raise) -> AppResult<Request> {
    let (company_id, channel) = match actor.role {
        Role::Company => {
            let own = actor.company_id.ok_or_else(|| AppError::forbidden("no company"))?;
            if input.company_id.is_some_and(|c| c != own) {
                return Err(AppError::forbidden(
                    "company staff raise requests for their own company",
                ));
            }
            if input.channel.is_some_and(|c| c != Channel::App) {
                return Err(AppError::bad_field(
                    "channel",
                    "requests raised in the app use the channel APP",
                ));
            }
            (own, Channel::App)
        }
        Role::Officer | Role::Admin => {
            let company_id = input
                .company_id
                .ok_or_else(|| AppError::bad_field("companyId", "say which company the request is for"))?;
            match input.channel {
                None => {
                    return Err(AppError::bad_field(
                        "channel",
                        "say how the request came in: HOTLINE, VISIT, GROUP_CHAT or OTHER",
                    ))
                }
                Some(Channel::App) => {
                    return Err(AppError::bad_field(
                        "channel",
                        "APP is for requests the company raises itself: use HOTLINE, VISIT, GROUP_CHAT or OTHER",
                    ))
                }
                Some(channel) => (company_id, channel),
            }
        }
        Role::Department => return Err(AppError::forbidden("department staff do not raise requests")),
    };
    let title = required("title", &input.title, MAX_TITLE_CHARS)?;
    if title.contains('\n') {
        return Err(AppError::bad_field("title", "a title is one line"));
    }
    let description = required("description", &input.description, MAX_DESCRIPTION_CHARS)?;
    let idempotency_key = optional(
        "idempotencyKey",
        input.idempotency_key.as_deref(),
        MAX_IDEMPOTENCY_KEY_CHARS,
    )?;
    let now_local = state.clock.now().with_timezone(&state.config.time_zone);
    let year = now_local.year();
    let now = state.clock.now_naive();
    let zone = state.config.time_zone;
    let actor_owned = actor.clone();
    let key = idempotency_key.clone();
    let category_id = input.category_id;
    let (kind, urgency) = (input.kind, input.urgency);
    let outcome = state
        .db
        .write(move |conn| {
            let actor = actor_owned;
            if let Some(key) = &key {
                if let Some(existing) = repo::find_by_idempotency_key(conn, actor.user_id, key)? {
                    return Ok(existing);
                }
            }
            let company =
                companies_repo::find_by_id(conn, company_id)?.ok_or_else(|| AppError::not_found("company"))?;
            let officer_id = companies_repo::active_officer_id(conn, company_id)?;
            if actor.role == Role::Officer && officer_id != Some(actor.user_id) {
                return Err(AppError::forbidden(
                    "officers raise requests only for the companies they serve",
                ));
            }
            if company.disabled_at.is_some() {
                return Err(AppError::bad_field("companyId", "the company is disabled"));
            }
            let category = categories::find_by_id(conn, category_id)?
                .ok_or_else(|| AppError::bad_field("categoryId", "no such category"))?;
            if category.disabled_at.is_some() {
                return Err(AppError::bad_field("categoryId", "this category is no longer in use"));
            }
            let number = repo::next_number(conn, year)?;
            let due = deadlines::for_request(conn, zone, kind, false, urgency, now)?;
            let request = repo::insert(
                conn,
                &NewRequest {
                    number: format!("QY-{year}-{number:06}"),
                    company_id,
                    raised_by: actor.user_id,
                    channel,
                    kind,
                    category_id,
                    urgency,
                    title,
                    description,
                    officer_id,
                    status: RequestStatus::Submitted,
                    idempotency_key: key,
                    created_at: now,
                    updated_at: now,
                    first_reply_due_at: due.first_reply.map(|d| d.due_at),
                    first_reply_remind_at: due.first_reply.map(|d| d.remind_at),
                    resolve_due_at: due.resolve.map(|d| d.due_at),
                    resolve_remind_at: due.resolve.map(|d| d.remind_at),
                },
            )?;
            events::record(
                conn,
                &request,
                None,
                Entry::public(
                    EventKind::Raised,
                    Some(actor.user_id),
                    format!("raised by {} via {channel}", actor.name),
                ),
                now,
            )?;
            Ok(request)
        })
        .await;
    let outcome = announced(state, outcome);
    match (outcome, idempotency_key) {
        // Two retries raced past the look-up: the unique index let one in; return that one.
        (Err(AppError::Conflict(_)), Some(key)) => {
            let user_id = actor.user_id;
            state
                .db
                .read(move |conn| repo::find_by_idempotency_key(conn, user_id, &key))
                .await?
                .ok_or_else(|| AppError::conflict("a concurrent change interfered; try again"))
        }
        (outcome, _) => outcome,
    }
}

/// Runs one step on a request in a write transaction, after the visibility check.
async fn request_step<F>(state: &AppState, actor: &Actor, id: i64, step: F) -> AppResult<Request>
where
    F: FnOnce(&mut DbConnection, &Actor, Request, NaiveDateTime) -> AppResult<Request> + Send + 'static,
{
    let actor = actor.clone();
    let now = state.clock.now_naive();
    let outcome = state
        .db
        .write(move |conn| {
            let request = visible(conn, &actor, id)?;
            step(conn, &actor, request, now)
        })
        .await;
    announced(state, outcome)
}

/// The common shape of the officer's versioned steps: role, version, transition.
fn handler_step(
    conn: &mut DbConnection,
    actor: &Actor,
    request: &Request,
    version: i32,
    action: Action,
) -> AppResult<RequestStatus> {
    authorize(conn, actor, request, None, action)?;
    check_version(request, version)?;
    let step = lifecycle::check(request.status, action)?;
    Ok(lifecycle::next_status(request.status, step.outcome))
}

pub async fn accept(
    state: &AppState,
    actor: &Actor,
    id: i64,
    version: i32,
    needs_coordination: Option<bool>,
) -> AppResult<Request> {
    let zone = state.config.time_zone;
    request_step(state, actor, id, move |conn, actor, request, now| {
        let to = handler_step(conn, actor, &request, version, Action::Accept)?;
        let mut changes = RequestChanges::default();
        retier(conn, zone, &request, needs_coordination, &mut changes)?;
        let entry = Entry::public(
            EventKind::Accepted,
            Some(actor.user_id),
            format!("accepted by {}", actor.name),
        );
        apply(conn, &request, to, changes, entry, now)
    })
    .await
}

pub async fn reject(state: &AppState, actor: &Actor, id: i64, version: i32, reason: &str) -> AppResult<Request> {
    let reason = required("reason", reason, MAX_TEXT_CHARS)?;
    request_step(state, actor, id, move |conn, actor, request, now| {
        let to = handler_step(conn, actor, &request, version, Action::Reject)?;
        let changes = RequestChanges {
            answer: Some(Some(reason.clone())),
            closed_at: Some(Some(now)),
            first_replied_at: first_reply(&request, now),
            ..Default::default()
        };
        apply(
            conn,
            &request,
            to,
            changes,
            Entry::public(EventKind::Rejected, Some(actor.user_id), reason),
            now,
        )
    })
    .await
}

pub async fn answer(state: &AppState, actor: &Actor, id: i64, version: i32, answer: &str) -> AppResult<Request> {
    let answer = required("answer", answer, MAX_DESCRIPTION_CHARS)?;
    request_step(state, actor, id, move |conn, actor, request, now| {
        let to = handler_step(conn, actor, &request, version, Action::Answer)?;
        if request.kind != RequestKind::Consultation {
            return Err(AppError::BadInput {
                message: "answerRequest is for consultations: dispatch or resolve other requests".into(),
                field: None,
                reason: Some("INVALID_TRANSITION"),
            });
        }
        let changes = RequestChanges {
            answer: Some(Some(answer.clone())),
            resolved_at: Some(Some(now)),
            first_replied_at: first_reply(&request, now),
            ..Default::default()
        };
        apply(
            conn,
            &request,
            to,
            changes,
            Entry::public(EventKind::Answered, Some(actor.user_id), answer),
            now,
        )
    })
    .await
}

#[derive(Debug, Clone, Copy)]
pub struct DispatchTarget {
    pub department_id: i64,
    pub lead: bool,
}

/// Where a request goes.
#[derive(Debug, Clone, Default)]
pub struct Dispatch {
    pub targets: Vec<DispatchTarget>,
    pub note: Option<String>,
    /// Into the open pool instead of to named departments.
    pub to_pool: bool,
    /// Switches the request's coordination tier (and its time limits) when given.
    pub needs_coordination: Option<bool>,
}

/// Dispatches to departments (exactly one lead among the request's active tasks afterwards),
/// or, with `to_pool`, puts one lead task in the open pool for any department to claim.
pub async fn dispatch(
    state: &AppState,
    actor: &Actor,
    id: i64,
    version: i32,
    dispatch: Dispatch,
) -> AppResult<(Request, Vec<Task>)> {
    let Dispatch {
        targets,
        note,
        to_pool,
        needs_coordination,
    } = dispatch;
    let note = optional("note", note.as_deref(), MAX_TEXT_CHARS)?.unwrap_or_default();
    if to_pool && !targets.is_empty() {
        return Err(AppError::bad_field(
            "departments",
            "a request goes either to departments or to the pool",
        ));
    }
    if !to_pool && targets.is_empty() {
        return Err(AppError::bad_field(
            "departments",
            "name at least one department (or send toPool: true)",
        ));
    }
    let mut seen = std::collections::HashSet::new();
    if !targets.iter().all(|t| seen.insert(t.department_id)) {
        return Err(AppError::bad_field("departments", "a department is named twice"));
    }
    let actor = actor.clone();
    let now = state.clock.now_naive();
    let zone = state.config.time_zone;
    let outcome = state
        .db
        .write(move |conn| {
            let request = visible(conn, &actor, id)?;
            let to = handler_step(conn, &actor, &request, version, Action::Dispatch)?;
            let mut changes = RequestChanges::default();
            let coordinated = retier(conn, zone, &request, needs_coordination, &mut changes)?;
            let active: Vec<Task> = repo::tasks_of(conn, id)?
                .into_iter()
                .filter(|t| t.status.is_active())
                .collect();
            let existing_leads = active.iter().filter(|t| t.lead).count();
            let new_leads = if to_pool {
                1
            } else {
                targets.iter().filter(|t| t.lead).count()
            };
            if existing_leads + new_leads != 1 {
                return Err(AppError::bad_field(
                    "departments",
                    if existing_leads > 0 {
                        "the request already has a lead department (主办): add assisting departments only"
                    } else {
                        "name exactly one lead department (主办)"
                    },
                ));
            }
            let mut names = Vec::new();
            let mut tasks = Vec::new();
            if to_pool {
                tasks.push(new_task(
                    conn,
                    zone,
                    &request,
                    coordinated,
                    NewTask {
                        request_id: id,
                        department_id: None,
                        lead: true,
                        status: TaskStatus::Pooled,
                        note: note.clone(),
                        dispatched_by: Some(actor.user_id),
                        created_at: now,
                        updated_at: now,
                        reply_due_at: None,
                        reply_remind_at: None,
                    },
                )?);
            }
            for target in &targets {
                let department = departments_repo::find_by_id(conn, target.department_id)?
                    .ok_or_else(|| AppError::bad_field("departments", "no such department"))?;
                if department.disabled_at.is_some() {
                    return Err(AppError::bad_field(
                        "departments",
                        format!("{} is disabled", department.name),
                    ));
                }
                if active.iter().any(|t| t.department_id == Some(department.id)) {
                    return Err(AppError::bad_field(
                        "departments",
                        format!("{} already holds a task on this request", department.name),
                    ));
                }
                names.push(if target.lead {
                    format!("{} (lead)", department.name)
                } else {
                    department.name
                });
                tasks.push(new_task(
                    conn,
                    zone,
                    &request,
                    coordinated,
                    NewTask {
                        request_id: id,
                        department_id: Some(department.id),
                        lead: target.lead,
                        status: TaskStatus::Dispatched,
                        note: note.clone(),
                        dispatched_by: Some(actor.user_id),
                        created_at: now,
                        updated_at: now,
                        reply_due_at: None,
                        reply_remind_at: None,
                    },
                )?);
            }
            let (kind, mut text) = if to_pool {
                (
                    EventKind::Pooled,
                    "put in the open pool for departments to claim".to_string(),
                )
            } else {
                (EventKind::Dispatched, format!("dispatched to {}", names.join(", ")))
            };
            if !note.is_empty() {
                text.push_str(&format!(": {note}"));
            }
            let entry = Entry::public(kind, Some(actor.user_id), text);
            let request = apply(conn, &request, to, changes, entry, now)?;
            Ok((request, tasks))
        })
        .await?;
    live::publish(state, outcome.0.id, outcome.0.company_id);
    Ok(outcome)
}

/// What a task step does once its checks have passed.
struct TaskContext<'a> {
    conn: &'a mut DbConnection,
    zone: Tz,
    actor: &'a Actor,
    request: Request,
    task: Task,
    next: TaskStatus,
    outcome: Outcome,
    now: NaiveDateTime,
}

async fn task_step<F>(
    state: &AppState,
    actor: &Actor,
    task_id: i64,
    action: Action,
    step: F,
) -> AppResult<(Task, Request)>
where
    F: FnOnce(TaskContext<'_>) -> AppResult<(Task, Request)> + Send + 'static,
{
    let actor = actor.clone();
    let now = state.clock.now_naive();
    let zone = state.config.time_zone;
    let outcome = state
        .db
        .write(move |conn| {
            let task = repo::find_task(conn, task_id)?.ok_or_else(|| AppError::not_found("task"))?;
            let request = repo::find_by_id(conn, task.request_id)?.ok_or_else(|| AppError::not_found("task"))?;
            if !can_see(conn, &actor, &request)? {
                return Err(AppError::not_found("task"));
            }
            authorize(conn, &actor, &request, Some(&task), action)?;
            let outcome = lifecycle::check(request.status, action)?.outcome;
            let next = lifecycle::check_task(task.status, action)?;
            step(TaskContext {
                conn,
                zone,
                actor: &actor,
                request,
                task,
                next,
                outcome,
                now,
            })
        })
        .await?;
    live::publish(state, outcome.1.id, outcome.1.company_id);
    Ok(outcome)
}

impl TaskContext<'_> {
    fn move_task(&mut self, changes: TaskChanges) -> AppResult<Task> {
        repo::update_task(self.conn, self.task.id, self.task.status, self.next, &changes, self.now)?
            .ok_or_else(|| AppError::conflict("the task was changed by someone else; reload and try again"))
    }

    fn finish(
        self,
        task: Task,
        to: RequestStatus,
        changes: RequestChanges,
        entry: Entry,
    ) -> AppResult<(Task, Request)> {
        let request = apply(self.conn, &self.request, to, changes, entry.on_task(task.id), self.now)?;
        Ok((task, request))
    }

    fn department_name(&mut self, id: Option<i64>) -> AppResult<String> {
        Ok(match id {
            Some(id) => departments_repo::find_by_id(self.conn, id)?
                .map(|d| d.name)
                .unwrap_or_default(),
            None => String::new(),
        })
    }

    fn simple_next(&self) -> RequestStatus {
        lifecycle::next_status(self.request.status, self.outcome)
    }
}

pub async fn claim(state: &AppState, actor: &Actor, task_id: i64) -> AppResult<(Task, Request)> {
    task_step(state, actor, task_id, Action::Claim, |mut cx| {
        let department_id = cx.actor.department_id;
        let holds_one = repo::tasks_of(cx.conn, cx.request.id)?
            .iter()
            .any(|t| t.status.is_active() && t.department_id.is_some() && t.department_id == department_id);
        if holds_one {
            return Err(AppError::bad_field(
                "taskId",
                "your department already holds a task on this request",
            ));
        }
        let task = cx.move_task(TaskChanges {
            department_id: Some(department_id),
            ..Default::default()
        })?;
        let name = cx.department_name(department_id)?;
        let to = cx.simple_next();
        let entry = Entry::public(
            EventKind::Claimed,
            Some(cx.actor.user_id),
            format!("claimed from the pool by {name}"),
        );
        cx.finish(task, to, RequestChanges::default(), entry)
    })
    .await
}

pub async fn sign(state: &AppState, actor: &Actor, task_id: i64) -> AppResult<(Task, Request)> {
    task_step(state, actor, task_id, Action::Sign, |mut cx| {
        let task = cx.move_task(TaskChanges::default())?;
        let name = cx.department_name(task.department_id)?;
        let to = cx.simple_next();
        let entry = Entry::public(
            EventKind::Signed,
            Some(cx.actor.user_id),
            format!("signed for by {name}"),
        );
        cx.finish(task, to, RequestChanges::default(), entry)
    })
    .await
}

pub async fn return_task(state: &AppState, actor: &Actor, task_id: i64, reason: &str) -> AppResult<(Task, Request)> {
    let reason = required("reason", reason, MAX_TEXT_CHARS)?;
    task_step(state, actor, task_id, Action::Return, move |mut cx| {
        let task = cx.move_task(TaskChanges {
            reason: Some(Some(reason.clone())),
            ..Default::default()
        })?;
        let name = cx.department_name(task.department_id)?;
        let lead_remains = repo::tasks_of(cx.conn, cx.request.id)?
            .iter()
            .any(|t| t.lead && t.status.is_active());
        let to = if lead_remains {
            cx.request.status
        } else {
            RequestStatus::Accepted
        };
        let entry = Entry::internal(
            EventKind::Returned,
            Some(cx.actor.user_id),
            format!("returned by {name} as not its remit: {reason}"),
        );
        cx.finish(task, to, RequestChanges::default(), entry)
    })
    .await
}

pub async fn transfer(
    state: &AppState,
    actor: &Actor,
    task_id: i64,
    to_department_id: i64,
    reason: &str,
) -> AppResult<(Task, Request)> {
    let reason = required("reason", reason, MAX_TEXT_CHARS)?;
    task_step(state, actor, task_id, Action::Transfer, move |mut cx| {
        let target = departments_repo::find_by_id(cx.conn, to_department_id)?
            .ok_or_else(|| AppError::bad_field("toDepartmentId", "no such department"))?;
        if target.disabled_at.is_some() {
            return Err(AppError::bad_field("toDepartmentId", "this department is disabled"));
        }
        let held = repo::tasks_of(cx.conn, cx.request.id)?
            .iter()
            .any(|t| t.status.is_active() && t.department_id == Some(target.id));
        if held {
            return Err(AppError::bad_field(
                "toDepartmentId",
                "this department already holds a task on this request",
            ));
        }
        let old = cx.move_task(TaskChanges {
            reason: Some(Some(reason.clone())),
            ..Default::default()
        })?;
        let from_name = cx.department_name(old.department_id)?;
        let task = new_task(
            cx.conn,
            cx.zone,
            &cx.request,
            cx.request.needs_coordination,
            NewTask {
                request_id: cx.request.id,
                department_id: Some(target.id),
                lead: old.lead,
                status: TaskStatus::Dispatched,
                note: reason.clone(),
                dispatched_by: Some(cx.actor.user_id),
                created_at: cx.now,
                updated_at: cx.now,
                reply_due_at: None,
                reply_remind_at: None,
            },
        )?;
        let to = cx.simple_next();
        let entry = Entry::internal(
            EventKind::Transferred,
            Some(cx.actor.user_id),
            format!("transferred from {from_name} to {}: {reason}", target.name),
        );
        cx.finish(task, to, RequestChanges::default(), entry)
    })
    .await
}

pub async fn submit_plan(
    state: &AppState,
    actor: &Actor,
    task_id: i64,
    responsible: &str,
    approach: &str,
    due_at: NaiveDateTime,
) -> AppResult<(Task, Request)> {
    let responsible = required("responsible", responsible, MAX_SHORT_CHARS)?;
    let approach = required("approach", approach, MAX_TEXT_CHARS)?;
    if due_at <= state.clock.now_naive() {
        return Err(AppError::bad_field("dueAt", "a plan's deadline is in the future"));
    }
    task_step(state, actor, task_id, Action::Plan, move |mut cx| {
        let task = cx.move_task(TaskChanges {
            responsible: Some(Some(responsible.clone())),
            approach: Some(Some(approach.clone())),
            due_at: Some(Some(due_at)),
            replied_at: cx.task.replied_at.is_none().then_some(Some(cx.now)),
            overdue_at: (cx.task.overdue_at.is_none()
                && cx.task.replied_at.is_none()
                && cx.request.awaiting_company_since.is_none())
            .then_some(cx.task.reply_due_at.filter(|due| *due < cx.now))
            .flatten()
            .map(Some),
            ..Default::default()
        })?;
        let name = cx.department_name(task.department_id)?;
        let to = cx.simple_next();
        let entry = Entry::public(
            EventKind::Planned,
            Some(cx.actor.user_id),
            format!(
                "plan of {name}: {responsible} handles it by {}: {approach}",
                due_at.format("%Y-%m-%d %H:%M UTC")
            ),
        );
        let changes = RequestChanges {
            first_replied_at: first_reply(&cx.request, cx.now),
            ..Default::default()
        };
        cx.finish(task, to, changes, entry)
    })
    .await
}

/// A department reports its task done; when every active lead task is done, the request is
/// resolved with the lead's result as its answer.
pub async fn complete_task(state: &AppState, actor: &Actor, task_id: i64, result: &str) -> AppResult<(Task, Request)> {
    let result = required("result", result, MAX_DESCRIPTION_CHARS)?;
    task_step(state, actor, task_id, Action::Complete, move |mut cx| {
        let task = cx.move_task(TaskChanges {
            result: Some(Some(result.clone())),
            ..Default::default()
        })?;
        let name = cx.department_name(task.department_id)?;
        let leads: Vec<Task> = repo::tasks_of(cx.conn, cx.request.id)?
            .into_iter()
            .filter(|t| t.lead && t.status.is_active())
            .collect();
        let resolved = !leads.is_empty() && leads.iter().all(|t| t.status == TaskStatus::Done);
        let (to, changes) = if resolved {
            let answer = leads
                .iter()
                .filter_map(|t| t.result.clone())
                .collect::<Vec<_>>()
                .join("\n");
            (
                RequestStatus::Resolved,
                RequestChanges {
                    answer: Some(Some(answer)),
                    resolved_at: Some(Some(cx.now)),
                    first_replied_at: first_reply(&cx.request, cx.now),
                    ..Default::default()
                },
            )
        } else {
            (RequestStatus::InProgress, RequestChanges::default())
        };
        let actor_id = cx.actor.user_id;
        let entry = Entry::public(
            EventKind::Completed,
            Some(actor_id),
            format!("{name} finished its task: {result}"),
        );
        cx.finish(task, to, changes, entry)
    })
    .await
}

pub async fn add_note(state: &AppState, actor: &Actor, id: i64, text: &str, internal: bool) -> AppResult<Request> {
    let text = required("text", text, MAX_TEXT_CHARS)?;
    if internal && actor.role == Role::Company {
        return Err(AppError::forbidden("company staff write public notes only"));
    }
    request_step(state, actor, id, move |conn, actor, request, now| {
        authorize(conn, actor, &request, None, Action::Note)?;
        lifecycle::check(request.status, Action::Note)?;
        let entry = if internal {
            Entry::internal(EventKind::Note, Some(actor.user_id), text)
        } else {
            Entry::public(EventKind::Note, Some(actor.user_id), text)
        };
        // A note adds to the timeline without changing the request, so it takes no version.
        events::record(conn, &request, Some(request.status), entry, now)?;
        Ok(request)
    })
    .await
}

pub async fn resolve(state: &AppState, actor: &Actor, id: i64, version: i32, answer: &str) -> AppResult<Request> {
    let answer = required("answer", answer, MAX_DESCRIPTION_CHARS)?;
    request_step(state, actor, id, move |conn, actor, request, now| {
        let to = handler_step(conn, actor, &request, version, Action::Resolve)?;
        let changes = RequestChanges {
            answer: Some(Some(answer.clone())),
            resolved_at: Some(Some(now)),
            first_replied_at: first_reply(&request, now),
            ..Default::default()
        };
        apply(
            conn,
            &request,
            to,
            changes,
            Entry::public(EventKind::Resolved, Some(actor.user_id), answer),
            now,
        )
    })
    .await
}

pub async fn mark_unresolvable(
    state: &AppState,
    actor: &Actor,
    id: i64,
    version: i32,
    reason: &str,
    filing_number: &str,
) -> AppResult<Request> {
    let reason = required("reason", reason, MAX_DESCRIPTION_CHARS)?;
    let filing_number = required("filingNumber", filing_number, MAX_SHORT_CHARS)?;
    request_step(state, actor, id, move |conn, actor, request, now| {
        let to = handler_step(conn, actor, &request, version, Action::MarkUnresolvable)?;
        let text = format!("cannot be solved under current policy (filed as {filing_number}): {reason}");
        let changes = RequestChanges {
            answer: Some(Some(reason.clone())),
            filing_number: Some(Some(filing_number.clone())),
            closed_at: Some(Some(now)),
            first_replied_at: first_reply(&request, now),
            ..Default::default()
        };
        apply(
            conn,
            &request,
            to,
            changes,
            Entry::public(EventKind::Unresolvable, Some(actor.user_id), text),
            now,
        )
    })
    .await
}

/// The company's two answers: solved (解决) and satisfied (满意). Both yes closes the request;
/// either no reopens it for re-handling (重办), putting finished tasks back to work.
pub async fn confirm(
    state: &AppState,
    actor: &Actor,
    id: i64,
    solved: bool,
    satisfied: bool,
    comment: Option<&str>,
) -> AppResult<Request> {
    let comment = optional("comment", comment, MAX_TEXT_CHARS)?;
    let zone = state.config.time_zone;
    request_step(state, actor, id, move |conn, actor, request, now| {
        authorize(conn, actor, &request, None, Action::Confirm)?;
        lifecycle::check(request.status, Action::Confirm)?;
        let closes = solved && satisfied;
        let mut changes = RequestChanges {
            solved: Some(Some(solved)),
            satisfied: Some(Some(satisfied)),
            feedback_comment: Some(comment.clone()),
            no_feedback: Some(false),
            feedback_at: Some(Some(now)),
            ..Default::default()
        };
        let verdict = format!(
            "{}, {}",
            if solved { "solved" } else { "not solved" },
            if satisfied { "satisfied" } else { "not satisfied" }
        );
        let text = match &comment {
            Some(comment) => format!("{verdict}: {comment}"),
            None => verdict,
        };
        let (to, kind) = if closes {
            changes.closed_at = Some(Some(now));
            (RequestStatus::Closed, EventKind::Closed)
        } else {
            changes.resolved_at = Some(None);
            // Handling again (重办) gets a fresh resolution limit from now.
            let due = deadlines::for_request(
                conn,
                zone,
                request.kind,
                request.needs_coordination,
                request.urgency,
                now,
            )?;
            changes.resolve_due_at = Some(due.resolve.map(|d| d.due_at));
            changes.resolve_remind_at = Some(due.resolve.map(|d| d.remind_at));
            repo::reopen_done_tasks(conn, request.id, now)?;
            (RequestStatus::Reopened, EventKind::Reopened)
        };
        apply(
            conn,
            &request,
            to,
            changes,
            Entry::public(kind, Some(actor.user_id), text),
            now,
        )
    })
    .await
}

pub async fn withdraw(state: &AppState, actor: &Actor, id: i64, reason: Option<&str>) -> AppResult<Request> {
    let reason = optional("reason", reason, MAX_TEXT_CHARS)?;
    request_step(state, actor, id, move |conn, actor, request, now| {
        authorize(conn, actor, &request, None, Action::Withdraw)?;
        let step = lifecycle::check(request.status, Action::Withdraw)?;
        let to = lifecycle::next_status(request.status, step.outcome);
        let text = match reason {
            Some(reason) => format!("withdrawn by the company: {reason}"),
            None => "withdrawn by the company".into(),
        };
        let changes = RequestChanges {
            closed_at: Some(Some(now)),
            ..Default::default()
        };
        apply(
            conn,
            &request,
            to,
            changes,
            Entry::public(EventKind::Withdrawn, Some(actor.user_id), text),
            now,
        )
    })
    .await
}

pub async fn urge(state: &AppState, actor: &Actor, id: i64, message: Option<&str>) -> AppResult<Request> {
    let message = optional("message", message, MAX_TEXT_CHARS)?;
    request_step(state, actor, id, move |conn, actor, request, now| {
        authorize(conn, actor, &request, None, Action::Urge)?;
        lifecycle::check(request.status, Action::Urge)?;
        let by = if actor.role == Role::Admin {
            "the administration (督办)"
        } else {
            "the company"
        };
        let text = match message {
            Some(message) => format!("urged by {by}: {message}"),
            None => format!("urged by {by}"),
        };
        events::record(
            conn,
            &request,
            Some(request.status),
            Entry::public(EventKind::Urged, Some(actor.user_id), text),
            now,
        )?;
        Ok(request)
    })
    .await
}

/// Asks the company for missing information (AWAITING_COMPANY): every time limit of the request
/// and its tasks stands still until the company answers.
pub async fn request_information(state: &AppState, actor: &Actor, id: i64, question: &str) -> AppResult<Request> {
    let question = required("question", question, MAX_TEXT_CHARS)?;
    request_step(state, actor, id, move |conn, actor, request, now| {
        authorize(conn, actor, &request, None, Action::AskCompany)?;
        lifecycle::check(request.status, Action::AskCompany)?;
        if request.awaiting_company_since.is_some() {
            return Err(AppError::BadInput {
                message: "the request already waits for the company's answer".into(),
                field: None,
                reason: Some("INVALID_TRANSITION"),
            });
        }
        let task_id = match actor.role {
            Role::Department => repo::tasks_of(conn, request.id)?
                .into_iter()
                .find(|t| t.status.is_active() && t.department_id == actor.department_id)
                .map(|t| t.id),
            _ => None,
        };
        let changes = RequestChanges {
            awaiting_company_since: Some(Some(now)),
            ..Default::default()
        };
        let mut entry = Entry::public(
            EventKind::InfoRequested,
            Some(actor.user_id),
            format!("information asked of the company: {question}"),
        );
        if let Some(task_id) = task_id {
            entry = entry.on_task(task_id);
        }
        apply(conn, &request, request.status, changes, entry, now)
    })
    .await
}

/// The company's answer to a request for information: the clock runs again and every open due
/// time (request and tasks) moves by exactly the time waited.
pub async fn provide_information(state: &AppState, actor: &Actor, id: i64, answer: &str) -> AppResult<Request> {
    let answer = required("answer", answer, MAX_DESCRIPTION_CHARS)?;
    request_step(state, actor, id, move |conn, actor, request, now| {
        authorize(conn, actor, &request, None, Action::AnswerCompanyQuestion)?;
        lifecycle::check(request.status, Action::AnswerCompanyQuestion)?;
        let Some(since) = request.awaiting_company_since else {
            return Err(AppError::BadInput {
                message: "nobody is waiting for information from the company".into(),
                field: None,
                reason: Some("INVALID_TRANSITION"),
            });
        };
        let waited = (now - since).max(Duration::zero());
        let shift = |at: Option<NaiveDateTime>| Some(at.map(|t| t + waited));
        let mut changes = RequestChanges {
            awaiting_company_since: Some(None),
            paused_seconds: Some(request.paused_seconds + waited.num_seconds()),
            ..Default::default()
        };
        if request.first_replied_at.is_none() {
            changes.first_reply_due_at = shift(request.first_reply_due_at);
            changes.first_reply_remind_at = shift(request.first_reply_remind_at);
        }
        if request.resolved_at.is_none() {
            changes.resolve_due_at = shift(request.resolve_due_at);
            changes.resolve_remind_at = shift(request.resolve_remind_at);
        }
        repo::shift_open_task_deadlines(conn, request.id, waited)?;
        let hours = waited.num_minutes() as f64 / 60.0;
        let entry = Entry::public(
            EventKind::InfoProvided,
            Some(actor.user_id),
            format!("the company answered after {hours:.1} h; the time limits moved by that much: {answer}"),
        );
        apply(conn, &request, request.status, changes, entry, now)
    })
    .await
}

/// Closes one request left RESOLVED past the confirmation window; false when it changed
/// meanwhile (confirmed, or reopened).
pub fn auto_close(conn: &mut DbConnection, request: &Request, now: NaiveDateTime) -> AppResult<bool> {
    let Some(current) = repo::find_by_id(conn, request.id)? else {
        return Ok(false);
    };
    if current.version != request.version || lifecycle::check(current.status, Action::AutoClose).is_err() {
        return Ok(false);
    }
    let changes = RequestChanges {
        no_feedback: Some(true),
        closed_at: Some(Some(now)),
        ..Default::default()
    };
    let entry = Entry::public(
        EventKind::AutoClosed,
        None,
        format!("closed automatically: no feedback from the company within {AUTO_CLOSE_AFTER_DAYS} days"),
    );
    match apply(conn, &current, RequestStatus::Closed, changes, entry, now) {
        Ok(_) => Ok(true),
        Err(AppError::Conflict(_)) => Ok(false),
        Err(other) => Err(other),
    }
}

/// The request as a live subscriber may see it now: `None` when the subscriber's account is
/// gone or disabled (a long-lived connection must not outlive the account), or when the request
/// is not (or no longer) visible to them.
pub async fn for_subscriber(state: &AppState, user_id: i64, id: i64) -> AppResult<Option<Request>> {
    state
        .db
        .read(move |conn| {
            let Some(user) = crate::auth::repo::find_by_id(conn, user_id)? else {
                return Ok(None);
            };
            if user.disabled_at.is_some() {
                return Ok(None);
            }
            match visible(conn, &Actor::from_user(&user), id) {
                Ok(request) => Ok(Some(request)),
                Err(AppError::NotFound(_)) => Ok(None),
                Err(other) => Err(other),
            }
        })
        .await
}

pub async fn get(state: &AppState, actor: &Actor, id: i64) -> AppResult<Request> {
    let actor = actor.clone();
    state.db.read(move |conn| visible(conn, &actor, id)).await
}

pub async fn list(
    state: &AppState,
    actor: &Actor,
    filter: RequestFilter,
    page: PageRequest,
) -> AppResult<Page<Request>> {
    let scope = scope_of(actor);
    state.db.read(move |conn| repo::list(conn, scope, &filter, page)).await
}

pub async fn my_requests(
    state: &AppState,
    actor: &Actor,
    status: Option<Vec<RequestStatus>>,
    page: PageRequest,
) -> AppResult<Page<Request>> {
    actor.require_role(&[Role::Company])?;
    let filter = RequestFilter {
        statuses: status,
        ..Default::default()
    };
    list(state, actor, filter, page).await
}

pub async fn my_tasks(state: &AppState, actor: &Actor, page: PageRequest) -> AppResult<Page<Request>> {
    let awaiting = match actor.role {
        Role::Officer => Awaiting::Officer(actor.user_id),
        Role::Department => Awaiting::Department(actor.department_id.unwrap_or(0)),
        _ => return Err(AppError::forbidden("myTasks is for officers and department staff")),
    };
    state.db.read(move |conn| repo::awaiting(conn, awaiting, page)).await
}

/// How many requests the caller may see in each status (every status listed, zeros included).
pub async fn counts(state: &AppState, actor: &Actor) -> AppResult<Vec<(RequestStatus, i64)>> {
    let scope = scope_of(actor);
    let rows = state.db.read(move |conn| repo::counts_by_status(conn, scope)).await?;
    Ok(RequestStatus::ALL
        .iter()
        .map(|status| {
            let n = rows.iter().find(|(s, _)| s == status).map(|(_, n)| *n).unwrap_or(0);
            (*status, n)
        })
        .collect())
}

/// Whether the caller sees internal events and notes.
pub fn sees_internal(actor: &Actor) -> bool {
    actor.role != Role::Company
}
