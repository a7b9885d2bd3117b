//! The projects' background round (`run_once`, listed in `workers::jobs`):
//!
//! - **Procedures**: the same ladder as the requests' time limits
//!   (`requests::time_limits::model::Stage`: reminder at 75 % of the statutory time, OVERDUE at
//!   the due time, then chasing, supervision and the report after each escalation interval),
//!   each threshold fired once through a row of `procedure_alerts` claimed in the same
//!   transaction as its notices. The reminder goes to the handler and the lead liaison; overdue
//!   and chasing to them and the admins; supervision also to the enterprise's zone leader; the
//!   report to the zone leaders.
//! - **Check-ins**: the rhythm cuts the time since the stage (or the rhythm) started into
//!   windows (a day, a week, ten days, thirty days). A window that ended without a check-in
//!   reminds the lead liaison; a day later, still without one, the admins. Only the last two
//!   windows are looked at, so a long-quiet project is not told of every window at once.

use chrono::{Duration, NaiveDateTime};

use super::model::{Procedure, Project};
use super::repo::{self, ProjectFilter};
use super::service::admin_ids;
use crate::auth::repo::{self as users_repo, UserFilter};
use crate::clock::to_utc;
use crate::companies::repo as companies_repo;
use crate::db::{DbConnection, PageRequest, Tx};
use crate::error::AppResult;
use crate::ids::UserId;
use crate::notifications::service::{notify, notify_with_sms, Notice};
use crate::notifications::texts::NoticeKind;
use crate::requests::time_limits::model::Stage;
use crate::state::AppState;

/// The level of a missed check-in told to the lead liaison.
pub const LIAISON: &str = "LIAISON";
/// The level of a missed check-in told to the admins.
pub const ADMINS: &str = "ADMINS";
/// How long after a missed window the admins are told, when still no check-in came.
pub const ADMINS_AFTER: Duration = Duration::days(1);

/// What one round did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ProjectSweep {
    pub procedures_checked: usize,
    pub thresholds_fired: usize,
    pub check_ins_missed: usize,
}

fn zone_leaders(conn: &mut DbConnection) -> AppResult<Vec<UserId>> {
    let page = users_repo::list(
        conn,
        &UserFilter {
            role: Some(crate::actor::Role::Admin),
            ..Default::default()
        },
        PageRequest {
            after: None,
            limit: 10_000,
        },
    )?;
    Ok(page.items.into_iter().filter(|u| u.zone_leader).map(|u| u.id).collect())
}

fn notice(kind: NoticeKind, project: &Project, urgent: bool) -> Notice {
    Notice {
        kind,
        subject: project.name.clone(),
        request_id: None,
        company_id: Some(project.company_id),
        urgent,
    }
}

/// Fires every threshold of one procedure's limit that is due and not fired yet.
fn fire(conn: &mut Tx<'_>, procedure: &Procedure, now: NaiveDateTime, escalation: Duration) -> AppResult<usize> {
    // Still running, with the same due time, on an open project?
    let Some(current) = repo::find_procedure(conn, procedure.id)? else {
        return Ok(0);
    };
    let (Some(due_at), Some(remind_at)) = (current.due_at, current.remind_at) else {
        return Ok(0);
    };
    if current.approved_at.is_some() || Some(due_at) != procedure.due_at {
        return Ok(0);
    }
    let Some(project) = repo::find(conn, current.project_id)?.filter(|p| p.closed_at.is_none()) else {
        return Ok(0);
    };
    let holder: Vec<UserId> = current
        .handler_id
        .into_iter()
        .chain([project.lead_liaison_id])
        .collect();
    let mut fired = 0;
    for stage in Stage::reached(due_at, remind_at, escalation, now) {
        if !repo::claim(conn, current.id, stage, due_at, now)? {
            continue;
        }
        let at = to_utc(now);
        match stage {
            Stage::Reminder => {
                notify_with_sms(
                    conn,
                    at,
                    None,
                    holder.clone(),
                    &notice(NoticeKind::ProcedureDueSoon, &project, false),
                    true,
                )?;
            }
            Stage::Overdue | Stage::Chasing => {
                if stage == Stage::Overdue {
                    repo::mark_overdue(conn, current.id, due_at)?;
                }
                let mut to = holder.clone();
                to.extend(admin_ids(conn)?);
                notify(
                    conn,
                    at,
                    None,
                    to,
                    &notice(NoticeKind::ProcedureOverdue, &project, true),
                )?;
            }
            Stage::Supervision => {
                let mut to = holder.clone();
                to.extend(admin_ids(conn)?);
                notify(
                    conn,
                    at,
                    None,
                    to,
                    &notice(NoticeKind::ProcedureSupervised, &project, true),
                )?;
                if let Some(leader) = companies_repo::leader_of(conn, project.company_id)? {
                    notify(
                        conn,
                        at,
                        None,
                        [leader],
                        &notice(NoticeKind::LeaderSupervision, &project, true),
                    )?;
                }
            }
            Stage::Reprimand => {
                let mut to = zone_leaders(conn)?;
                to.extend(companies_repo::leader_of(conn, project.company_id)?);
                notify(
                    conn,
                    at,
                    None,
                    to,
                    &notice(NoticeKind::ProcedureSupervised, &project, true),
                )?;
            }
        }
        fired += 1;
    }
    Ok(fired)
}

/// Tells of the missed windows among the last two of one project; returns how many were told.
fn missed(conn: &mut Tx<'_>, project_id: crate::ids::ProjectId, now: NaiveDateTime) -> AppResult<usize> {
    let Some(project) = repo::find(conn, project_id)?.filter(|p| p.closed_at.is_none()) else {
        return Ok(0);
    };
    let window = project.rhythm.window();
    let elapsed = now - project.rhythm_since;
    if elapsed < window {
        return Ok(0);
    }
    let completed = elapsed.num_seconds() / window.num_seconds();
    let mut told = 0;
    for k in [completed - 2, completed - 1].into_iter().filter(|k| *k >= 0) {
        let start = project.rhythm_since + window * k as i32;
        let end = start + window;
        if repo::checked_in_between(conn, project.id, start, Some(end))? {
            continue;
        }
        let at = to_utc(now);
        if repo::claim_missed(conn, project.id, start, LIAISON, now)? {
            notify_with_sms(
                conn,
                at,
                None,
                [project.lead_liaison_id],
                &notice(NoticeKind::CheckInMissed, &project, false),
                true,
            )?;
            told += 1;
        }
        if now >= end + ADMINS_AFTER
            && !repo::checked_in_between(conn, project.id, start, None)?
            && repo::claim_missed(conn, project.id, start, ADMINS, now)?
        {
            let admins = admin_ids(conn)?;
            notify(
                conn,
                at,
                None,
                admins,
                &notice(NoticeKind::CheckInMissed, &project, false),
            )?;
            told += 1;
        }
    }
    Ok(told)
}

/// One round over running procedures and open projects; tests call it after moving the clock.
pub async fn run_once(state: &AppState) -> AppResult<ProjectSweep> {
    let now = state.clock.now_naive();
    let escalation = Duration::from_std(state.config.sla_escalation).unwrap_or(Duration::hours(24));
    let procedures = state.db.read(move |conn| repo::due_procedures(conn, now)).await?;
    let mut sweep = ProjectSweep {
        procedures_checked: procedures.len(),
        ..Default::default()
    };
    for procedure in procedures {
        sweep.thresholds_fired += state
            .db
            .write(move |conn| fire(conn, &procedure, now, escalation))
            .await?;
    }
    let projects = state.db.read(|conn| repo::all(conn, &ProjectFilter::default())).await?;
    for project in projects {
        let id = project.id;
        sweep.check_ins_missed += state.db.write(move |conn| missed(conn, id, now)).await?;
    }
    Ok(sweep)
}
