//! The department tasks' steps: claiming, signing, returning, transferring, planning and
//! completing.

use super::*;
use crate::clock::to_utc;
use crate::ids::DepartmentId;

/// What a task step does once its checks have passed.
pub(super) struct TaskContext<'a, 'c> {
    conn: &'a mut Tx<'c>,
    zone: Tz,
    actor: &'a Actor,
    request: Request,
    task: Task,
    next: TaskStatus,
    outcome: Outcome,
    now: NaiveDateTime,
}

pub(super) async fn task_step<F>(
    state: &AppState,
    actor: &Actor,
    task_id: TaskId,
    action: Action,
    once: Option<Once>,
    step: F,
) -> AppResult<(Task, Request)>
where
    F: FnOnce(TaskContext<'_, '_>) -> AppResult<(Task, Request)> + Send + 'static,
{
    let actor = actor.clone();
    let now = state.clock.now_naive();
    let zone = state.config.time_zone;
    let outcome = state
        .db
        .write_once(once, now, move |conn| {
            let task =
                repo::find_task(conn, task_id)?.ok_or_else(|| AppError::not_found(RequestsReason::TASK_NOT_FOUND))?;
            let request = repo::find_by_id(conn, task.request_id)?
                .ok_or_else(|| AppError::not_found(RequestsReason::TASK_NOT_FOUND))?;
            if !can_see(conn, &actor, &request)? {
                return Err(AppError::not_found(RequestsReason::TASK_NOT_FOUND));
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
    Ok(outcome)
}

impl TaskContext<'_, '_> {
    fn move_task(&mut self, changes: TaskChanges) -> AppResult<Task> {
        repo::update_task(self.conn, self.task.id, self.task.status, self.next, &changes, self.now)?
            .ok_or_else(|| AppError::conflict(RequestsReason::TASK_CHANGED))
    }

    fn finish(
        self,
        task: Task,
        to: RequestStatus,
        changes: RequestChanges,
        entry: Entry,
    ) -> AppResult<(Task, Request)> {
        let request = apply(
            self.conn,
            self.zone,
            &self.request,
            to,
            changes,
            entry.on_task(task.id),
            self.now,
        )?;
        Ok((task, request))
    }

    /// The department of a task as the timeline names it.
    fn department(&mut self, id: Option<DepartmentId>, lead: bool) -> AppResult<Option<EventDepartment>> {
        Ok(match id {
            Some(id) => departments_repo::find_by_id(self.conn, id)?
                .map(|d| EventDepartment::new(d.id, d.name, d.name_en, lead)),
            None => None,
        })
    }

    /// Details naming the actor and the department of `task`.
    fn task_details(&mut self, task: &Task) -> AppResult<EventDetails> {
        let department = self.department(task.department_id, task.lead)?;
        Ok(EventDetails {
            departments: department.map(|d| vec![d]),
            ..EventDetails::by(&self.actor.name)
        })
    }

    fn simple_next(&self) -> RequestStatus {
        lifecycle::next_status(self.request.status, self.outcome)
    }
}

pub async fn claim(
    state: &AppState,
    actor: &Actor,
    task_id: TaskId,
    idempotency_key: Option<&str>,
) -> AppResult<(Task, Request)> {
    let once = once(actor, idempotency_key, Action::Claim, &task_id)?;
    task_step(state, actor, task_id, Action::Claim, once, |mut cx| {
        let department_id = cx.actor.department_id;
        if holds_task(cx.conn, cx.actor, &cx.request)? {
            return Err(AppError::bad_field(
                "taskId",
                RequestsReason::DEPARTMENT_ALREADY_HOLDS_TASK,
            ));
        }
        let task = cx.move_task(TaskChanges {
            department_id: Some(department_id),
            ..Default::default()
        })?;
        let details = cx.task_details(&task)?;
        let to = cx.simple_next();
        let entry = Entry::public(EventKind::Claimed, Some(cx.actor.user_id), details);
        cx.finish(task, to, RequestChanges::default(), entry)
    })
    .await
}

pub async fn sign(
    state: &AppState,
    actor: &Actor,
    task_id: TaskId,
    idempotency_key: Option<&str>,
) -> AppResult<(Task, Request)> {
    let once = once(actor, idempotency_key, Action::Sign, &task_id)?;
    task_step(state, actor, task_id, Action::Sign, once, |mut cx| {
        let task = cx.move_task(TaskChanges::default())?;
        let details = cx.task_details(&task)?;
        let to = cx.simple_next();
        let entry = Entry::public(EventKind::Signed, Some(cx.actor.user_id), details);
        cx.finish(task, to, RequestChanges::default(), entry)
    })
    .await
}

pub async fn return_task(
    state: &AppState,
    actor: &Actor,
    task_id: TaskId,
    reason: &str,
    idempotency_key: Option<&str>,
) -> AppResult<(Task, Request)> {
    let reason = NOTE.required("reason", reason)?;
    let once = once(actor, idempotency_key, Action::Return, &(task_id, &reason))?;
    task_step(state, actor, task_id, Action::Return, once, move |mut cx| {
        let task = cx.move_task(TaskChanges {
            reason: Some(Some(reason.clone())),
            ..Default::default()
        })?;
        let details = EventDetails {
            reason: Some(reason.clone()),
            ..cx.task_details(&task)?
        };
        let lead_remains = repo::tasks_of(cx.conn, cx.request.id)?
            .iter()
            .any(|t| t.lead && t.status.is_active());
        let to = if lead_remains {
            cx.request.status
        } else {
            RequestStatus::Accepted
        };
        let entry = Entry::internal(EventKind::Returned, Some(cx.actor.user_id), details);
        cx.finish(task, to, RequestChanges::default(), entry)
    })
    .await
}

pub async fn transfer(
    state: &AppState,
    actor: &Actor,
    task_id: TaskId,
    to_department_id: DepartmentId,
    reason: &str,
    idempotency_key: Option<&str>,
) -> AppResult<(Task, Request)> {
    let reason = NOTE.required("reason", reason)?;
    let once = once(
        actor,
        idempotency_key,
        Action::Transfer,
        &(task_id, to_department_id, &reason),
    )?;
    task_step(state, actor, task_id, Action::Transfer, once, move |mut cx| {
        let target = departments_repo::find_by_id(cx.conn, to_department_id)?
            .ok_or_else(|| AppError::bad_field("toDepartmentId", RequestsReason::NO_SUCH_DEPARTMENT))?;
        if target.disabled_at.is_some() {
            return Err(AppError::bad_field(
                "toDepartmentId",
                RequestsReason::DEPARTMENT_DISABLED,
            ));
        }
        let held = repo::tasks_of(cx.conn, cx.request.id)?
            .iter()
            .any(|t| t.status.is_active() && t.department_id == Some(target.id));
        if held {
            return Err(AppError::bad_field(
                "toDepartmentId",
                RequestsReason::TARGET_ALREADY_HOLDS_TASK,
            ));
        }
        let old = cx.move_task(TaskChanges {
            reason: Some(Some(reason.clone())),
            ..Default::default()
        })?;
        let from_department = cx.department(old.department_id, old.lead)?;
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
        let details = EventDetails {
            from_department,
            to_department: Some(EventDepartment::new(target.id, target.name, target.name_en, old.lead)),
            reason: Some(reason),
            ..EventDetails::by(&cx.actor.name)
        };
        let entry = Entry::internal(EventKind::Transferred, Some(cx.actor.user_id), details);
        cx.finish(task, to, RequestChanges::default(), entry)
    })
    .await
}

pub async fn submit_plan(
    state: &AppState,
    actor: &Actor,
    task_id: TaskId,
    responsible: &str,
    approach: &str,
    due_at: NaiveDateTime,
    idempotency_key: Option<&str>,
) -> AppResult<(Task, Request)> {
    let responsible = SHORT.required("responsible", responsible)?;
    let approach = NOTE.required("approach", approach)?;
    if due_at <= state.clock.now_naive() {
        return Err(AppError::bad_field("dueAt", RequestsReason::PLAN_DUE_IN_PAST));
    }
    let once = once(
        actor,
        idempotency_key,
        Action::Plan,
        &(task_id, &responsible, &approach, due_at),
    )?;
    task_step(state, actor, task_id, Action::Plan, once, move |mut cx| {
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
        let details = EventDetails {
            responsible: Some(responsible),
            approach: Some(approach),
            due_at: Some(to_utc(due_at)),
            ..cx.task_details(&task)?
        };
        let to = cx.simple_next();
        let entry = Entry::public(EventKind::Planned, Some(cx.actor.user_id), details);
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
pub async fn complete_task(
    state: &AppState,
    actor: &Actor,
    task_id: TaskId,
    result: &str,
    idempotency_key: Option<&str>,
) -> AppResult<(Task, Request)> {
    let result = LONG.required("result", result)?;
    let once = once(actor, idempotency_key, Action::Complete, &(task_id, &result))?;
    task_step(state, actor, task_id, Action::Complete, once, move |mut cx| {
        let task = cx.move_task(TaskChanges {
            result: Some(Some(result.clone())),
            ..Default::default()
        })?;
        let details = EventDetails {
            result: Some(result),
            ..cx.task_details(&task)?
        };
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
        let entry = Entry::public(EventKind::Completed, Some(actor_id), details);
        cx.finish(task, to, changes, entry)
    })
    .await
}
