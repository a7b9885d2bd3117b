//! Who hears of each timeline event (the table in docs/notifications.md). Called by
//! `events::record` inside the change's transaction, so a step and its notifications commit
//! together or not at all.

use chrono::NaiveDateTime;

use super::model::{Event, EventKind, Request, RequestStatus, Task, TaskStatus, Urgency};
use super::repo;
use crate::actor::Role;
use crate::auth::repo::{self as users_repo, UserFilter};
use crate::clock::to_utc;
use crate::companies::repo as companies_repo;
use crate::db::{DbConnection, PageRequest};
use crate::error::AppResult;
use crate::ids::{DepartmentId, UserId};
use crate::notifications::service::{notify_with_sms, Notice};
use crate::notifications::texts::NoticeKind;

/// Who, relative to the request, is told.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Audience {
    /// Every active staff account of the request's company (public events only).
    CompanyStaff,
    /// The company's current officer (or the officer at raise time when there is none now).
    Officer,
    /// Staff of departments whose task waits to be signed for.
    DispatchedDepartments,
    /// Staff of the department holding the event's task.
    TaskDepartment,
    /// Staff of every department still holding a task.
    ActiveDepartments,
    /// Whoever holds the limit an alert is about: the event's task's department, or the
    /// officer for the request's own limits.
    Holder,
    /// Every active admin.
    Admins,
    /// Admins marked as the zone's leaders.
    ZoneLeaders,
    /// The zone leader who looks after the request's company (领导包联), if any.
    EnterpriseLeader,
}

use crate::db::Tx;
use Audience::*;

/// The notices an event causes, given the status the request is in after it. Kept as data so
/// the docs table and the tests read the same.
pub fn notices_for(kind: EventKind, now: RequestStatus) -> &'static [(NoticeKind, Audience)] {
    use NoticeKind as N;
    match kind {
        EventKind::Raised => &[(N::RequestRaised, Officer), (N::RequestRaised, CompanyStaff)],
        EventKind::Accepted => &[(N::RequestAccepted, CompanyStaff)],
        EventKind::Rejected => &[(N::RequestRejected, CompanyStaff)],
        EventKind::Answered => &[(N::RequestAnswered, CompanyStaff)],
        EventKind::Dispatched => &[
            (N::RequestDispatched, CompanyStaff),
            (N::TaskDispatched, DispatchedDepartments),
        ],
        EventKind::Pooled => &[(N::RequestDispatched, CompanyStaff)],
        EventKind::Claimed => &[(N::RequestInProgress, CompanyStaff), (N::TaskClaimed, Officer)],
        EventKind::Signed => &[(N::RequestInProgress, CompanyStaff)],
        EventKind::Returned => &[(N::TaskReturned, Officer)],
        EventKind::Transferred => &[(N::TaskDispatched, TaskDepartment), (N::TaskTransferred, Officer)],
        EventKind::Planned => &[(N::RequestPlanned, CompanyStaff), (N::TaskPlanned, Officer)],
        // Finishing the last lead task resolves the request.
        EventKind::Completed if now == RequestStatus::Resolved => {
            &[(N::TaskCompleted, Officer), (N::RequestResolved, CompanyStaff)]
        }
        EventKind::Completed => &[(N::TaskCompleted, Officer)],
        EventKind::Note => &[(N::RequestNote, CompanyStaff)],
        EventKind::Resolved => &[(N::RequestResolved, CompanyStaff), (N::RequestResolved, Officer)],
        EventKind::Unresolvable => &[
            (N::RequestUnresolvable, CompanyStaff),
            (N::RequestUnresolvable, Officer),
        ],
        EventKind::Closed => &[(N::RequestClosed, Officer), (N::RequestClosed, CompanyStaff)],
        EventKind::Reopened => &[
            (N::RequestReopened, Officer),
            (N::RequestReopened, ActiveDepartments),
            (N::RequestReopened, CompanyStaff),
        ],
        EventKind::Withdrawn => &[
            (N::RequestWithdrawn, Officer),
            (N::RequestWithdrawn, ActiveDepartments),
            (N::RequestWithdrawn, CompanyStaff),
        ],
        EventKind::Urged => &[(N::RequestUrged, Officer), (N::RequestUrged, ActiveDepartments)],
        EventKind::AutoClosed => &[(N::RequestAutoClosed, CompanyStaff), (N::RequestAutoClosed, Officer)],
        EventKind::InfoRequested => &[(N::InfoRequested, CompanyStaff)],
        EventKind::InfoProvided => &[(N::InfoProvided, Officer), (N::InfoProvided, ActiveDepartments)],
        EventKind::ExtensionRequested => &[(N::ExtensionRequested, Admins), (N::ExtensionRequested, Officer)],
        EventKind::ExtensionApproved => &[(N::ExtensionApproved, TaskDepartment), (N::ExtensionApproved, Officer)],
        EventKind::ExtensionRefused => &[(N::ExtensionRefused, TaskDepartment), (N::ExtensionRefused, Officer)],
        EventKind::DueReminder => &[(N::DueSoon, Holder)],
        EventKind::Overdue => &[
            (N::Overdue, TaskDepartment),
            (N::Overdue, Officer),
            (N::Overdue, Admins),
        ],
        EventKind::Chased => &[(N::Chased, Holder)],
        EventKind::Supervised => &[
            (N::Supervised, Holder),
            (N::Supervised, Admins),
            (N::LeaderSupervision, EnterpriseLeader),
        ],
        EventKind::Reprimanded => &[
            (N::Reprimanded, TaskDepartment),
            (N::Reprimanded, Officer),
            (N::Reprimanded, ZoneLeaders),
        ],
        EventKind::ZoneIssueLinked => &[(N::RequestNote, CompanyStaff)],
        EventKind::ZoneIssueLeft => &[(N::RequestNote, CompanyStaff), (N::RequestNote, Officer)],
        EventKind::CallbackRecorded => &[(N::RequestNote, CompanyStaff)],
    }
}

fn staff_of(conn: &mut DbConnection, filter: UserFilter) -> AppResult<Vec<UserId>> {
    let page = users_repo::list(
        conn,
        &filter,
        PageRequest {
            after: None,
            limit: 10_000,
        },
    )?;
    Ok(page.items.into_iter().map(|u| u.id).collect())
}

fn department_staff(
    conn: &mut DbConnection,
    department_ids: impl IntoIterator<Item = DepartmentId>,
) -> AppResult<Vec<UserId>> {
    let mut ids = Vec::new();
    for department_id in department_ids {
        ids.extend(staff_of(
            conn,
            UserFilter {
                department_id: Some(department_id),
                ..Default::default()
            },
        )?);
    }
    Ok(ids)
}

/// Staff of the department holding the event's task.
fn task_staff(conn: &mut DbConnection, tasks: &[Task], event: &Event) -> AppResult<Vec<UserId>> {
    department_staff(
        conn,
        tasks
            .iter()
            .filter(|t| Some(t.id) == event.task_id)
            .filter_map(|t| t.department_id),
    )
}

fn officer_of(conn: &mut DbConnection, request: &Request) -> AppResult<Vec<UserId>> {
    Ok(companies_repo::active_officer_id(conn, request.company_id)?
        .or(request.officer_id)
        .into_iter()
        .collect())
}

fn admins(conn: &mut DbConnection, zone_leaders_only: bool) -> AppResult<Vec<UserId>> {
    let page = users_repo::list(
        conn,
        &UserFilter {
            role: Some(Role::Admin),
            ..Default::default()
        },
        PageRequest {
            after: None,
            limit: 10_000,
        },
    )?;
    Ok(page
        .items
        .into_iter()
        .filter(|u| !zone_leaders_only || u.zone_leader)
        .map(|u| u.id)
        .collect())
}

/// Whether `audience` is who must act on `event`, and so may also get it as SMS when its kind
/// is critical (`notifications::sms`): officers and departments, never company staff or the
/// admins; for a time-limit alert only the holder of the limit (the task's department, or the
/// officer for the request's own limits).
pub fn sms_reaches(event: &Event, audience: Audience) -> bool {
    let alert = matches!(
        event.kind,
        EventKind::DueReminder
            | EventKind::Overdue
            | EventKind::Chased
            | EventKind::Supervised
            | EventKind::Reprimanded
    );
    match audience {
        CompanyStaff | Admins | ZoneLeaders | EnterpriseLeader => false,
        Holder => true,
        TaskDepartment if alert => event.task_id.is_some(),
        Officer if alert => event.task_id.is_none(),
        Officer | TaskDepartment | DispatchedDepartments | ActiveDepartments => !alert,
    }
}

/// Writes the notifications `event` causes.
pub fn on_event(conn: &mut Tx<'_>, request: &Request, event: &Event, at: NaiveDateTime) -> AppResult<()> {
    notify(conn, request, event, at, false)
}

/// Writes only the company staff's notifications of `event`: a zone issue's shared step
/// copied onto a member request tells that member's company (the officer and departments
/// heard of it once, on the issue's carrier request).
pub fn on_shared_event(conn: &mut Tx<'_>, request: &Request, event: &Event, at: NaiveDateTime) -> AppResult<()> {
    notify(conn, request, event, at, true)
}

fn notify(conn: &mut Tx<'_>, request: &Request, event: &Event, at: NaiveDateTime, company_only: bool) -> AppResult<()> {
    let plan = notices_for(event.kind, request.status);
    if plan.is_empty() {
        return Ok(());
    }
    let tasks = repo::tasks_of(conn, request.id)?;
    for &(kind, audience) in plan {
        let recipients = match audience {
            CompanyStaff if event.internal => continue,
            _ if company_only && audience != CompanyStaff => continue,
            CompanyStaff => staff_of(
                conn,
                UserFilter {
                    company_id: Some(request.company_id),
                    ..Default::default()
                },
            )?,
            Officer => officer_of(conn, request)?,
            DispatchedDepartments => department_staff(
                conn,
                tasks
                    .iter()
                    .filter(|t| t.status == TaskStatus::Dispatched)
                    .filter_map(|t| t.department_id),
            )?,
            TaskDepartment => task_staff(conn, &tasks, event)?,
            Holder if event.task_id.is_some() => task_staff(conn, &tasks, event)?,
            ActiveDepartments => department_staff(
                conn,
                tasks
                    .iter()
                    .filter(|t| t.status.is_active() && t.status != TaskStatus::Done)
                    .filter_map(|t| t.department_id),
            )?,
            Holder => officer_of(conn, request)?,
            Admins => admins(conn, false)?,
            ZoneLeaders => admins(conn, true)?,
            EnterpriseLeader => companies_repo::leader_of(conn, request.company_id)?
                .into_iter()
                .collect(),
        };
        let notice = Notice {
            kind,
            subject: request.number.clone(),
            request_id: Some(request.id.get()),
            company_id: Some(request.company_id),
            urgent: request.urgency == Urgency::Urgent
                || matches!(
                    event.kind,
                    EventKind::Urged
                        | EventKind::Overdue
                        | EventKind::Chased
                        | EventKind::Supervised
                        | EventKind::Reprimanded
                ),
        };
        let sms_reach = sms_reaches(event, audience);
        notify_with_sms(conn, to_utc(at), event.actor_id, recipients, &notice, sms_reach)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_event_kind_tells_someone() {
        for kind in EventKind::ALL {
            for status in RequestStatus::ALL {
                assert!(!notices_for(*kind, *status).is_empty(), "{kind:?} tells nobody");
            }
        }
    }
}
