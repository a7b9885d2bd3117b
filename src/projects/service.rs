//! The rules of key projects. Who sees what: admins every project; officers and department
//! staff the projects whose squad they are on (lead liaison or member); company staff their own
//! company's projects (stages, procedures and dates, never the squad's check-ins). Admins create
//! and close projects and keep the procedure templates and the enterprises' leaders; the squad
//! moves the stage, lists and steps procedures; the lead liaison records check-ins and raises
//! findings as requests.

use chrono::{DateTime, Utc};

use super::errors::ProjectsReason;
use super::model::{
    CheckIn, CheckInKind, Contact, MissedLine, NewCheckIn, NewProcedure, NewProject, NewStageChange, Procedure,
    Project, ProjectStage, Rhythm, SavedLine, StageChange, Template,
};
use super::repo::{self, ProjectFilter};
use crate::actor::{Actor, Role};
use crate::auth::model::User;
use crate::auth::repo::{self as users_repo, UserFilter};
use crate::clock::to_utc;
use crate::companies::repo as companies_repo;
use crate::db::{DbConnection, Page, PageRequest};
use crate::departments::repo as departments_repo;
use crate::error::{AppError, AppResult};
use crate::ids::{CompanyId, DepartmentId, ProcedureId, ProjectId, RequestId, UserId};
use crate::requests::model::{Channel, Request, RequestKind, Urgency};
use crate::requests::service::{self as requests_service, Raise};
use crate::sla::limits::{calendar_from, Due};
use crate::state::AppState;
use crate::text::{multi_line, single_line};

const NAME: crate::text::TextRule = single_line(100);
const SHORT: crate::text::TextRule = single_line(50);
const NOTE: crate::text::TextRule = multi_line(2_000);
const FINDINGS: crate::text::TextRule = multi_line(5_000);
pub const MAX_DOCUMENTS: usize = 50;
pub const MAX_MEMBERS: usize = 30;
pub const MAX_CONTACTS: usize = 20;
pub const MAX_STATUTORY_DAYS: i32 = 365;

fn not_found() -> AppError {
    AppError::not_found(ProjectsReason::PROJECT_NOT_FOUND)
}

/// Every active admin.
pub(crate) fn admin_ids(conn: &mut DbConnection) -> AppResult<Vec<UserId>> {
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
    Ok(page.items.into_iter().map(|u| u.id).collect())
}

fn active_user(conn: &mut DbConnection, id: UserId) -> AppResult<Option<User>> {
    Ok(users_repo::find_by_id(conn, id)?.filter(|u| u.disabled_at.is_none()))
}

/// Whether `user_id` is on the project's squad (the lead liaison or a member).
pub fn on_squad(conn: &mut DbConnection, project: &Project, user_id: UserId) -> AppResult<bool> {
    Ok(project.lead_liaison_id == user_id || repo::members(conn, project.id)?.contains(&user_id))
}

/// Who may see `project`.
fn may_see(conn: &mut DbConnection, actor: &Actor, project: &Project) -> AppResult<bool> {
    Ok(match actor.role {
        Role::Admin => true,
        Role::Company => actor.company_id == Some(project.company_id),
        Role::Officer | Role::Department => on_squad(conn, project, actor.user_id)?,
    })
}

fn visible_in(conn: &mut DbConnection, actor: &Actor, id: ProjectId) -> AppResult<Project> {
    let project = repo::find(conn, id)?.ok_or_else(not_found)?;
    if !may_see(conn, actor, &project)? {
        return Err(not_found());
    }
    Ok(project)
}

/// The project, if `actor` may see it.
pub async fn visible(state: &AppState, actor: &Actor, id: ProjectId) -> AppResult<Project> {
    let actor = actor.clone();
    state.db.read(move |conn| visible_in(conn, &actor, id)).await
}

/// The project for a squad action: seen, open, and `actor` on its squad (admins too).
fn for_squad(conn: &mut DbConnection, actor: &Actor, id: ProjectId) -> AppResult<Project> {
    let project = visible_in(conn, actor, id)?;
    if !(actor.is_admin() || on_squad(conn, &project, actor.user_id)?) {
        return Err(AppError::forbidden(ProjectsReason::PROJECT_SQUAD_ONLY));
    }
    if project.closed_at.is_some() {
        return Err(AppError::conflict(ProjectsReason::PROJECT_CLOSED));
    }
    Ok(project)
}

/// Whether the caller sees the squad's internal work (check-ins, findings' notes).
pub fn sees_internal(actor: &Actor) -> bool {
    actor.role != Role::Company
}

// ---- templates ----------------------------------------------------------------------------

fn clean_type(value: &str) -> AppResult<String> {
    let value = SHORT.required("procedureType", value)?;
    if !value
        .chars()
        .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_')
    {
        return Err(AppError::bad_field(
            "procedureType",
            ProjectsReason::PROJECT_TYPE_INVALID,
        ));
    }
    Ok(value)
}

/// Creates or changes the template of a procedure type (admins).
pub async fn set_template(
    state: &AppState,
    actor: &Actor,
    procedure_type: &str,
    name: &str,
    statutory_days: i32,
    department_id: Option<DepartmentId>,
) -> AppResult<Template> {
    actor.require_admin()?;
    let procedure_type = clean_type(procedure_type)?;
    let name = NAME.required("name", name)?;
    if !(1..=MAX_STATUTORY_DAYS).contains(&statutory_days) {
        return Err(AppError::bad_field(
            "statutoryDays",
            ProjectsReason::PROJECT_TEMPLATE_DAYS_INVALID,
        ));
    }
    let actor_id = actor.user_id;
    let now = state.clock.now_naive();
    state
        .db
        .write(move |conn| {
            if let Some(id) = department_id {
                if departments_repo::find_by_id(conn, id)?.is_none() {
                    return Err(AppError::bad_field(
                        "departmentId",
                        ProjectsReason::PROJECT_DEPARTMENT_NOT_FOUND,
                    ));
                }
            }
            let before = repo::template_by_type(conn, &procedure_type)?;
            let after = repo::upsert_template(
                conn,
                &procedure_type,
                &name,
                statutory_days,
                department_id,
                actor_id,
                now,
            )?;
            crate::audit::record(
                conn,
                actor_id,
                "procedureTemplate.set",
                before.as_ref(),
                Some(&after),
                now,
            )?;
            Ok(after)
        })
        .await
}

/// The procedure templates (any signed-in caller).
pub async fn templates(state: &AppState) -> AppResult<Vec<Template>> {
    state.db.read(repo::templates).await
}

// ---- leaders ------------------------------------------------------------------------------

/// Sets or removes the zone leader (an active admin) of a key enterprise (admins).
pub async fn set_leader(
    state: &AppState,
    actor: &Actor,
    company_id: CompanyId,
    leader_id: Option<UserId>,
) -> AppResult<Option<UserId>> {
    actor.require_admin()?;
    let actor_id = actor.user_id;
    let now = state.clock.now_naive();
    state
        .db
        .write(move |conn| {
            let company = companies_repo::find_by_id(conn, company_id)?
                .ok_or_else(|| AppError::not_found(ProjectsReason::PROJECT_COMPANY_NOT_FOUND))?;
            if let Some(id) = leader_id {
                if !active_user(conn, id)?.is_some_and(|u| u.role == Role::Admin) {
                    return Err(AppError::bad_field("leaderId", ProjectsReason::LEADER_NOT_ADMIN));
                }
            }
            let before = companies_repo::leader_of(conn, company_id)?;
            companies_repo::set_leader(conn, company_id, leader_id, actor_id, now)?;
            let snapshot = |leader: Option<UserId>| super::model::LeaderAssignment {
                company_id: company.id,
                leader_id: leader,
            };
            crate::audit::record(
                conn,
                actor_id,
                "company.setLeader",
                Some(&snapshot(before)),
                Some(&snapshot(leader_id)),
                now,
            )?;
            Ok(leader_id)
        })
        .await
}

/// The zone leader of a company (admins and the company's own staff).
pub async fn leader_of(state: &AppState, company_id: CompanyId) -> AppResult<Option<UserId>> {
    state
        .db
        .read(move |conn| companies_repo::leader_of(conn, company_id))
        .await
}

// ---- projects -----------------------------------------------------------------------------

/// One of the company's people on a new project.
#[derive(Debug, Clone)]
pub struct ContactInput {
    pub name: String,
    pub phone: String,
    pub title: String,
}

#[derive(Debug, Clone)]
pub struct CreateProject {
    pub company_id: CompanyId,
    pub name: String,
    pub investment_wan: i64,
    pub industry: String,
    pub location: String,
    pub stage: Option<ProjectStage>,
    pub lead_liaison_id: UserId,
    pub member_ids: Vec<UserId>,
    pub contacts: Vec<ContactInput>,
}

/// Creates a key project with its squad and contacts (admins).
pub async fn create_project(state: &AppState, actor: &Actor, input: CreateProject) -> AppResult<Project> {
    actor.require_admin()?;
    let name = NAME.required("name", &input.name)?;
    let industry = SHORT.required("industry", &input.industry)?;
    let location = NAME.required("location", &input.location)?;
    if input.investment_wan <= 0 {
        return Err(AppError::bad_field(
            "investmentWan",
            ProjectsReason::PROJECT_INVESTMENT_INVALID,
        ));
    }
    if input.member_ids.len() > MAX_MEMBERS {
        return Err(AppError::bad_field(
            "memberIds",
            ProjectsReason::PROJECT_TOO_MANY_MEMBERS,
        ));
    }
    if input.contacts.len() > MAX_CONTACTS {
        return Err(AppError::bad_field(
            "contacts",
            ProjectsReason::PROJECT_TOO_MANY_CONTACTS,
        ));
    }
    let mut contacts = Vec::with_capacity(input.contacts.len());
    for contact in &input.contacts {
        contacts.push((
            SHORT.required("contacts.name", &contact.name)?,
            SHORT.required("contacts.phone", &contact.phone)?,
            SHORT.blank_allowed("contacts.title", &contact.title)?,
        ));
    }
    let stage = input.stage.unwrap_or(ProjectStage::Signed);
    let actor_id = actor.user_id;
    let now = state.clock.now_naive();
    state
        .db
        .write(move |conn| {
            if companies_repo::find_by_id(conn, input.company_id)?.is_none() {
                return Err(AppError::bad_field(
                    "companyId",
                    ProjectsReason::PROJECT_COMPANY_NOT_FOUND,
                ));
            }
            if !active_user(conn, input.lead_liaison_id)?.is_some_and(|u| u.role == Role::Officer) {
                return Err(AppError::bad_field(
                    "leadLiaisonId",
                    ProjectsReason::PROJECT_LIAISON_NOT_OFFICER,
                ));
            }
            let mut members = input.member_ids.clone();
            members.sort();
            members.dedup();
            members.retain(|m| *m != input.lead_liaison_id);
            for member in &members {
                if !active_user(conn, *member)?.is_some_and(|u| matches!(u.role, Role::Officer | Role::Department)) {
                    return Err(AppError::bad_field("memberIds", ProjectsReason::PROJECT_MEMBER_INVALID));
                }
            }
            let project = repo::insert(
                conn,
                &NewProject {
                    company_id: input.company_id,
                    name,
                    investment_wan: input.investment_wan,
                    industry,
                    location,
                    stage,
                    stage_since: now,
                    rhythm: stage.default_rhythm(),
                    rhythm_since: now,
                    lead_liaison_id: input.lead_liaison_id,
                    created_by: actor_id,
                    created_at: now,
                },
            )?;
            for member in members {
                repo::add_member(conn, project.id, member)?;
            }
            for (name, phone, title) in contacts {
                repo::add_contact(
                    conn,
                    &Contact {
                        id: 0,
                        project_id: project.id,
                        name,
                        phone,
                        title,
                    },
                )?;
            }
            repo::insert_stage_change(
                conn,
                &NewStageChange {
                    project_id: project.id,
                    from_stage: None,
                    to_stage: stage,
                    note: String::new(),
                    changed_by: actor_id,
                    changed_at: now,
                },
            )?;
            crate::audit::record(conn, actor_id, "keyProject.create", None, Some(&project), now)?;
            Ok(project)
        })
        .await
}

/// Closes a project (admins): nothing more moves on it and its sweeps stop.
pub async fn close_project(state: &AppState, actor: &Actor, id: ProjectId) -> AppResult<Project> {
    actor.require_admin()?;
    let actor_id = actor.user_id;
    let now = state.clock.now_naive();
    state
        .db
        .write(move |conn| {
            let before = repo::find(conn, id)?.ok_or_else(not_found)?;
            let after =
                repo::close(conn, id, now)?.ok_or_else(|| AppError::conflict(ProjectsReason::PROJECT_CLOSED))?;
            crate::audit::record(conn, actor_id, "keyProject.close", Some(&before), Some(&after), now)?;
            Ok(after)
        })
        .await
}

/// Moves a project to its next stage with a note (the squad); the new stage starts its
/// default rhythm.
pub async fn advance_stage(state: &AppState, actor: &Actor, id: ProjectId, note: &str) -> AppResult<Project> {
    let note = NOTE.required("note", note)?;
    let actor = actor.clone();
    let now = state.clock.now_naive();
    state
        .db
        .write(move |conn| {
            let project = for_squad(conn, &actor, id)?;
            let next = project
                .stage
                .next()
                .ok_or_else(|| AppError::conflict(ProjectsReason::PROJECT_STAGE_NOT_NEXT))?;
            let moved = repo::move_stage(conn, id, project.stage, next, next.default_rhythm(), now)?
                .ok_or_else(|| AppError::conflict(ProjectsReason::PROJECT_STAGE_NOT_NEXT))?;
            repo::insert_stage_change(
                conn,
                &NewStageChange {
                    project_id: id,
                    from_stage: Some(project.stage),
                    to_stage: next,
                    note,
                    changed_by: actor.user_id,
                    changed_at: now,
                },
            )?;
            Ok(moved)
        })
        .await
}

/// Sets the check-in rhythm of the project's current stage (the squad).
pub async fn set_rhythm(state: &AppState, actor: &Actor, id: ProjectId, rhythm: Rhythm) -> AppResult<Project> {
    let actor = actor.clone();
    let now = state.clock.now_naive();
    state
        .db
        .write(move |conn| {
            for_squad(conn, &actor, id)?;
            repo::set_rhythm(conn, id, rhythm, now)
        })
        .await
}

/// Projects `actor` may see, narrowed by `filter`.
pub async fn list(
    state: &AppState,
    actor: &Actor,
    mut filter: ProjectFilter,
    page: PageRequest,
) -> AppResult<Page<Project>> {
    match actor.role {
        Role::Admin => {}
        Role::Company => {
            let own = actor
                .company_id
                .ok_or_else(|| AppError::forbidden(ProjectsReason::PROJECTS_NO_COMPANY))?;
            if filter.company_id.is_some_and(|c| c != own) {
                return Ok(Page::from_rows(Vec::new(), page, 0));
            }
            filter.company_id = Some(own);
        }
        Role::Officer | Role::Department => filter.squad_member = Some(actor.user_id),
    }
    state.db.read(move |conn| repo::list(conn, &filter, page)).await
}

/// The squad (lead liaison first), the contacts and the stage history of a project `actor`
/// has been shown.
pub async fn squad(state: &AppState, project: &Project) -> AppResult<Vec<User>> {
    let (id, lead) = (project.id, project.lead_liaison_id);
    state
        .db
        .read(move |conn| {
            let mut ids = vec![lead];
            ids.extend(repo::members(conn, id)?);
            let users = users_repo::find_by_ids(conn, &ids)?;
            Ok(ids
                .iter()
                .filter_map(|id| users.iter().find(|u| u.id == *id).cloned())
                .collect())
        })
        .await
}

pub async fn contacts(state: &AppState, project_id: ProjectId) -> AppResult<Vec<Contact>> {
    state.db.read(move |conn| repo::contacts(conn, project_id)).await
}

pub async fn stage_changes(state: &AppState, project_id: ProjectId) -> AppResult<Vec<StageChange>> {
    state.db.read(move |conn| repo::stage_changes(conn, project_id)).await
}

// ---- procedures ---------------------------------------------------------------------------

fn clean_documents(documents: &[String]) -> AppResult<String> {
    if documents.len() > MAX_DOCUMENTS {
        return Err(AppError::bad_field(
            "documents",
            ProjectsReason::PROCEDURE_TOO_MANY_DOCUMENTS,
        ));
    }
    let mut names = Vec::with_capacity(documents.len());
    for name in documents {
        names.push(NAME.required("documents", name)?);
    }
    Ok(names.join("\n"))
}

fn check_handler(conn: &mut DbConnection, project: &Project, handler_id: Option<UserId>) -> AppResult<()> {
    if let Some(handler) = handler_id {
        if !on_squad(conn, project, handler)? || active_user(conn, handler)?.is_none() {
            return Err(AppError::bad_field(
                "handlerId",
                ProjectsReason::PROCEDURE_HANDLER_INVALID,
            ));
        }
    }
    Ok(())
}

/// Lists a procedure of the project's current stage from a template (the squad).
pub async fn add_procedure(
    state: &AppState,
    actor: &Actor,
    project_id: ProjectId,
    template_id: i64,
    handler_id: Option<UserId>,
    documents: Vec<String>,
) -> AppResult<Procedure> {
    let documents = clean_documents(&documents)?;
    let actor = actor.clone();
    let now = state.clock.now_naive();
    state
        .db
        .write(move |conn| {
            let project = for_squad(conn, &actor, project_id)?;
            let template = repo::find_template(conn, template_id)?
                .ok_or_else(|| AppError::bad_field("templateId", ProjectsReason::PROJECT_TEMPLATE_NOT_FOUND))?;
            check_handler(conn, &project, handler_id)?;
            repo::insert_procedure(
                conn,
                &NewProcedure {
                    project_id,
                    stage: project.stage,
                    procedure_type: template.procedure_type,
                    name: template.name,
                    department_id: template.department_id,
                    statutory_days: template.statutory_days,
                    handler_id,
                    documents,
                    created_at: now,
                },
            )
        })
        .await
}

/// A step of a procedure.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProcedureStep {
    Submitted,
    Accepted,
    Approved,
}

/// The procedure, if `actor` may see its project.
pub async fn visible_procedure(state: &AppState, actor: &Actor, id: ProcedureId) -> AppResult<Procedure> {
    let actor = actor.clone();
    state
        .db
        .read(move |conn| {
            let procedure = repo::find_procedure(conn, id)?
                .ok_or_else(|| AppError::not_found(ProjectsReason::PROCEDURE_NOT_FOUND))?;
            visible_in(conn, &actor, procedure.project_id)
                .map_err(|_| AppError::not_found(ProjectsReason::PROCEDURE_NOT_FOUND))?;
            Ok(procedure)
        })
        .await
}

/// Records that a procedure was submitted, accepted (the statutory clock starts: due after its
/// statutory working days on the zone's calendar, reminded at 75 %) or approved (its working
/// days taken are stamped), at `at` (default now; never in the future, never before the
/// previous step). The squad.
pub async fn record_step(
    state: &AppState,
    actor: &Actor,
    id: ProcedureId,
    step: ProcedureStep,
    at: Option<DateTime<Utc>>,
) -> AppResult<Procedure> {
    let now = state.clock.now_naive();
    let at = at.map(|t| t.naive_utc()).unwrap_or(now);
    if at > now {
        return Err(AppError::bad_field("at", ProjectsReason::PROCEDURE_TIME_IN_FUTURE));
    }
    let actor = actor.clone();
    let zone = state.config.time_zone;
    state
        .db
        .write(move |conn| {
            let procedure = repo::find_procedure(conn, id)?
                .ok_or_else(|| AppError::not_found(ProjectsReason::PROCEDURE_NOT_FOUND))?;
            for_squad(conn, &actor, procedure.project_id)?;
            let previous = match step {
                ProcedureStep::Submitted => (procedure.submitted_at.is_none(), None),
                ProcedureStep::Accepted => (
                    procedure.submitted_at.is_some() && procedure.accepted_at.is_none(),
                    procedure.submitted_at,
                ),
                ProcedureStep::Approved => (
                    procedure.accepted_at.is_some() && procedure.approved_at.is_none(),
                    procedure.accepted_at,
                ),
            };
            if !previous.0 {
                return Err(AppError::conflict(ProjectsReason::PROCEDURE_STEP_OUT_OF_ORDER));
            }
            if previous.1.is_some_and(|before| at < before) {
                return Err(AppError::bad_field(
                    "at",
                    ProjectsReason::PROCEDURE_TIME_BEFORE_PREVIOUS,
                ));
            }
            match step {
                ProcedureStep::Submitted => repo::set_submitted(conn, id, at),
                ProcedureStep::Accepted => {
                    let calendar = calendar_from(conn, zone, at)?;
                    let due_at = calendar
                        .add_working_days(to_utc(at), i64::from(procedure.statutory_days))
                        .naive_utc();
                    let due = Due::between(at, due_at);
                    repo::set_accepted(conn, id, at, due.due_at, due.remind_at)
                }
                ProcedureStep::Approved => {
                    let accepted = procedure.accepted_at.unwrap_or(at);
                    let calendar = calendar_from(conn, zone, accepted)?;
                    let taken = calendar.working_days_taken(to_utc(accepted), to_utc(at));
                    repo::set_approved(conn, id, at, i32::try_from(taken).unwrap_or(i32::MAX))
                }
            }
        })
        .await
}

/// Changes who handles a procedure and its documents (the squad).
pub async fn update_procedure(
    state: &AppState,
    actor: &Actor,
    id: ProcedureId,
    handler_id: Option<Option<UserId>>,
    documents: Option<Vec<String>>,
) -> AppResult<Procedure> {
    let documents = documents.map(|d| clean_documents(&d)).transpose()?;
    let actor = actor.clone();
    state
        .db
        .write(move |conn| {
            let mut procedure = repo::find_procedure(conn, id)?
                .ok_or_else(|| AppError::not_found(ProjectsReason::PROCEDURE_NOT_FOUND))?;
            let project = for_squad(conn, &actor, procedure.project_id)?;
            if let Some(handler_id) = handler_id {
                check_handler(conn, &project, handler_id)?;
                procedure = repo::set_handler(conn, id, handler_id)?;
            }
            if let Some(documents) = documents {
                procedure = repo::set_documents(conn, id, &documents)?;
            }
            Ok(procedure)
        })
        .await
}

/// The procedures of projects already shown to the caller.
pub async fn procedures_of(state: &AppState, project_ids: Vec<ProjectId>) -> AppResult<Vec<Procedure>> {
    state.db.read(move |conn| repo::procedures_of(conn, &project_ids)).await
}

/// The ladder's thresholds fired on a procedure so far (REMINDER, OVERDUE, …), in order.
pub async fn alerts_of(state: &AppState, id: ProcedureId) -> AppResult<Vec<String>> {
    state
        .db
        .read(move |conn| Ok(repo::alerts_of(conn, &[id])?.into_iter().map(|(_, s)| s).collect()))
        .await
}

// ---- check-ins and findings ---------------------------------------------------------------

/// Records a check-in by the lead liaison (a visit or a call, with what was found).
pub async fn record_checkin(
    state: &AppState,
    actor: &Actor,
    project_id: ProjectId,
    kind: CheckInKind,
    findings: &str,
    at: Option<DateTime<Utc>>,
) -> AppResult<CheckIn> {
    let findings = FINDINGS.blank_allowed("findings", findings)?;
    let now = state.clock.now_naive();
    let at = at.map(|t| t.naive_utc()).unwrap_or(now);
    if at > now {
        return Err(AppError::bad_field("checkedAt", ProjectsReason::CHECK_IN_IN_FUTURE));
    }
    let actor = actor.clone();
    state
        .db
        .write(move |conn| {
            let project = for_squad(conn, &actor, project_id)?;
            if project.lead_liaison_id != actor.user_id {
                return Err(AppError::forbidden(ProjectsReason::PROJECT_LIAISON_ONLY));
            }
            repo::insert_checkin(
                conn,
                &NewCheckIn {
                    project_id,
                    stage: project.stage,
                    kind,
                    findings,
                    recorded_by: actor.user_id,
                    checked_at: at,
                    created_at: now,
                },
            )
        })
        .await
}

pub async fn checkins(state: &AppState, actor: &Actor, project_id: ProjectId) -> AppResult<Vec<CheckIn>> {
    if !sees_internal(actor) {
        return Ok(Vec::new());
    }
    state.db.read(move |conn| repo::checkins_of(conn, project_id)).await
}

#[derive(Debug, Clone)]
pub struct FindingInput {
    pub kind: RequestKind,
    pub category_id: i64,
    pub urgency: Urgency,
    pub title: String,
    pub description: String,
    pub idempotency_key: Option<String>,
}

/// Raises a finding as a request on the company's behalf (channel VISIT), linked to the project
/// and its current stage. The lead liaison, who must serve the company (the requests' rule).
pub async fn raise_finding(
    state: &AppState,
    actor: &Actor,
    project_id: ProjectId,
    input: FindingInput,
) -> AppResult<(Project, Request)> {
    let project = {
        let actor = actor.clone();
        state
            .db
            .read(move |conn| {
                let project = for_squad(conn, &actor, project_id)?;
                if project.lead_liaison_id != actor.user_id {
                    return Err(AppError::forbidden(ProjectsReason::PROJECT_LIAISON_ONLY));
                }
                Ok(project)
            })
            .await?
    };
    let raise = Raise {
        company_id: Some(project.company_id),
        kind: input.kind,
        category_id: input.category_id,
        urgency: input.urgency,
        title: input.title,
        description: input.description,
        channel: Some(Channel::Visit),
        idempotency_key: input.idempotency_key,
        caller: None,
    };
    let request = requests_service::raise(state, actor, raise).await?;
    if request.company_id != project.company_id || request.channel != Channel::Visit {
        return Err(AppError::conflict(
            ProjectsReason::PROJECT_REQUEST_IDEMPOTENCY_KEY_REUSED,
        ));
    }
    let (request_id, stage) = (request.id, project.stage);
    state
        .db
        .write(move |conn| repo::link_request(conn, project_id, stage, request_id))
        .await?;
    Ok((project, request))
}

/// The requests raised from a project's findings, with their stage.
pub async fn requests_of(state: &AppState, project_id: ProjectId) -> AppResult<Vec<(Request, ProjectStage)>> {
    state
        .db
        .read(move |conn| {
            let links: Vec<(RequestId, ProjectStage)> = repo::requests_of(conn, project_id)?;
            let mut out = Vec::with_capacity(links.len());
            for (id, stage) in links {
                if let Some(request) = crate::requests::repo::find_by_id(conn, id)? {
                    out.push((request, stage));
                }
            }
            Ok(out)
        })
        .await
}

// ---- boards -------------------------------------------------------------------------------

/// The admins' board of key projects.
#[derive(Debug, Clone)]
pub struct Board {
    /// Open projects per stage, in the stages' order.
    pub by_stage: Vec<(ProjectStage, i64)>,
    /// Running procedures past their due time.
    pub late: Vec<Procedure>,
    pub saved_by_type: Vec<SavedLine>,
    pub saved_by_department: Vec<SavedLine>,
    /// Projects with missed check-ins, most missed first.
    pub missed: Vec<MissedLine>,
}

fn add_to(lines: &mut Vec<SavedLine>, key: (Option<String>, Option<DepartmentId>), procedure: &Procedure) {
    let taken = i64::from(procedure.working_days_taken.unwrap_or(0));
    let position = lines
        .iter()
        .position(|l| (l.procedure_type.clone(), l.department_id) == key);
    let line = match position {
        Some(at) => &mut lines[at],
        None => {
            lines.push(SavedLine {
                procedure_type: key.0,
                department_id: key.1,
                approved: 0,
                statutory_days: 0,
                working_days_taken: 0,
            });
            lines.last_mut().expect("just pushed")
        }
    };
    line.approved += 1;
    line.statutory_days += i64::from(procedure.statutory_days);
    line.working_days_taken += taken;
}

/// The board (admins): projects by stage, late procedures, days saved per procedure type and
/// per department over approved procedures, and missed check-ins per project.
pub async fn board(state: &AppState, actor: &Actor) -> AppResult<Board> {
    if !actor.is_admin() {
        return Err(AppError::forbidden(ProjectsReason::PROJECTS_ADMINS_ONLY));
    }
    let now = state.clock.now_naive();
    state
        .db
        .read(move |conn| {
            let projects = repo::all(conn, &ProjectFilter::default())?;
            let by_stage = ProjectStage::ORDER
                .iter()
                .map(|stage| (*stage, projects.iter().filter(|p| p.stage == *stage).count() as i64))
                .collect();
            let ids: Vec<ProjectId> = projects.iter().map(|p| p.id).collect();
            let procedures = repo::procedures_of(conn, &ids)?;
            let late = procedures.iter().filter(|p| p.is_late(now)).cloned().collect();
            let mut saved_by_type = Vec::new();
            let mut saved_by_department = Vec::new();
            for procedure in procedures.iter().filter(|p| p.working_days_taken.is_some()) {
                add_to(
                    &mut saved_by_type,
                    (Some(procedure.procedure_type.clone()), None),
                    procedure,
                );
                add_to(&mut saved_by_department, (None, procedure.department_id), procedure);
            }
            saved_by_type.sort_by(|a, b| a.procedure_type.cmp(&b.procedure_type));
            saved_by_department.sort_by_key(|l| l.department_id);
            let mut missed: Vec<MissedLine> = repo::missed_counts(conn, super::sweeper::LIAISON)?
                .into_iter()
                .filter_map(|(id, missed)| {
                    projects.iter().find(|p| p.id == id).map(|project| MissedLine {
                        project: project.clone(),
                        missed,
                    })
                })
                .collect();
            missed.sort_by(|a, b| b.missed.cmp(&a.missed).then(a.project.id.cmp(&b.project.id)));
            Ok(Board {
                by_stage,
                late,
                saved_by_type,
                saved_by_department,
                missed,
            })
        })
        .await
}

// ---- the ledger's export ------------------------------------------------------------------

fn stamp(at: Option<chrono::NaiveDateTime>, zone: chrono_tz::Tz) -> String {
    at.map(|t| to_utc(t).with_timezone(&zone).format("%Y-%m-%d %H:%M").to_string())
        .unwrap_or_default()
}

/// Which table the ledger exports.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExportKind {
    Projects,
    Procedures,
}

/// What the audit log keeps of one export of key projects.
#[derive(Debug, Clone)]
pub struct ProjectExport {
    pub kind: ExportKind,
    pub rows: usize,
}

impl crate::audit::Audited for ProjectExport {
    const TARGET: &'static str = "keyProjectExport";
    fn target_id(&self) -> String {
        match self.kind {
            ExportKind::Projects => "projects".to_string(),
            ExportKind::Procedures => "procedures".to_string(),
        }
    }
    fn snapshot(&self) -> serde_json::Value {
        serde_json::json!({ "export": self.target_id(), "rows": self.rows })
    }
}

/// UTF-8 byte-order mark, so Excel reads the Chinese text right (as the requests' ledger).
const BOM: &[u8] = b"\xEF\xBB\xBF";

/// The projects or their procedures as CSV (admins), through the one safe CSV writer; the
/// export is in the audit log (`exportKeyProjects`: which table, how many rows).
pub async fn export_csv(state: &AppState, actor: &Actor, kind: ExportKind) -> AppResult<Vec<u8>> {
    actor.require_admin()?;
    let zone = state.config.time_zone;
    let locale = actor.locale;
    let actor_id = actor.user_id;
    let now = state.clock.now_naive();
    state
        .db
        .write(move |conn| {
            let mut rows = 0usize;
            let projects = repo::all(
                conn,
                &ProjectFilter {
                    include_closed: true,
                    ..Default::default()
                },
            )?;
            let company_ids: Vec<CompanyId> = projects.iter().map(|p| p.company_id).collect();
            let companies = companies_repo::find_by_ids(conn, &company_ids)?;
            let company_name = |id: CompanyId| {
                companies
                    .iter()
                    .find(|c| c.id == id)
                    .map(|c| c.name.clone())
                    .unwrap_or_default()
            };
            let mut buf = BOM.to_vec();
            let mut out = crate::spreadsheet::SafeCsvWriter::new(&mut buf);
            match kind {
                ExportKind::Projects => {
                    out.write_row([
                        "project",
                        "company",
                        "investment_wan",
                        "industry",
                        "location",
                        "stage",
                        "stage_since",
                        "rhythm",
                        "created_at",
                        "closed_at",
                    ])?;
                    for p in &projects {
                        rows += 1;
                        out.write_row([
                            p.name.clone(),
                            company_name(p.company_id),
                            p.investment_wan.to_string(),
                            p.industry.clone(),
                            p.location.clone(),
                            p.stage.label(locale).to_string(),
                            stamp(Some(p.stage_since), zone),
                            p.rhythm.as_str().to_string(),
                            stamp(Some(p.created_at), zone),
                            stamp(p.closed_at, zone),
                        ])?;
                    }
                }
                ExportKind::Procedures => {
                    let ids: Vec<ProjectId> = projects.iter().map(|p| p.id).collect();
                    let procedures = repo::procedures_of(conn, &ids)?;
                    let department_ids: Vec<DepartmentId> = procedures.iter().filter_map(|p| p.department_id).collect();
                    let departments = departments_repo::find_by_ids(conn, &department_ids)?;
                    out.write_row([
                        "project",
                        "company",
                        "stage",
                        "procedure_type",
                        "procedure",
                        "department",
                        "statutory_days",
                        "submitted_at",
                        "accepted_at",
                        "due_at",
                        "approved_at",
                        "working_days_taken",
                        "days_saved",
                    ])?;
                    for p in &procedures {
                        rows += 1;
                        let project = projects.iter().find(|x| x.id == p.project_id);
                        out.write_row([
                            project.map(|x| x.name.clone()).unwrap_or_default(),
                            project.map(|x| company_name(x.company_id)).unwrap_or_default(),
                            p.stage.label(locale).to_string(),
                            p.procedure_type.clone(),
                            p.name.clone(),
                            p.department_id
                                .and_then(|id| departments.iter().find(|d| d.id == id))
                                .map(|d| d.name.clone())
                                .unwrap_or_default(),
                            p.statutory_days.to_string(),
                            stamp(p.submitted_at, zone),
                            stamp(p.accepted_at, zone),
                            stamp(p.due_at, zone),
                            stamp(p.approved_at, zone),
                            p.working_days_taken.map(|d| d.to_string()).unwrap_or_default(),
                            p.days_saved().map(|d| d.to_string()).unwrap_or_default(),
                        ])?;
                    }
                }
            }
            out.flush()?;
            drop(out);
            crate::audit::record(
                conn,
                actor_id,
                "exportKeyProjects",
                None,
                Some(&ProjectExport { kind, rows }),
                now,
            )?;
            Ok(buf)
        })
        .await
}
