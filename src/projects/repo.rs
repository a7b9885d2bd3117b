//! Every diesel query of key projects, their squads, procedures, check-ins and boards.

use chrono::NaiveDateTime;
use diesel::dsl::{exists, not};
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Text, Timestamp};

use super::model::{
    CheckIn, Contact, NewCheckIn, NewProcedure, NewProject, NewStageChange, Procedure, Project, ProjectStage, Rhythm,
    StageChange, Template,
};
use crate::db::schema::{
    checkin_alerts, key_projects, procedure_alerts, procedure_templates, project_checkins, project_contacts,
    project_members, project_procedures, project_requests, project_stage_changes,
};
use crate::db::{DbConnection, Page, PageRequest};
use crate::error::AppResult;
use crate::ids::{CompanyId, DepartmentId, ProcedureId, ProjectId, RequestId, UserId};
use crate::requests::time_limits::model::Stage;

/// Procedures read per sweep query.
const BATCH: i64 = 200;

/// Which projects to list (within what the caller may see).
#[derive(Debug, Clone, Default)]
pub struct ProjectFilter {
    pub company_id: Option<CompanyId>,
    pub stage: Option<ProjectStage>,
    /// Only projects whose squad (liaison or member) includes this user.
    pub squad_member: Option<UserId>,
    pub include_closed: bool,
}

fn filtered(filter: &ProjectFilter) -> key_projects::BoxedQuery<'static, crate::db::MultiBackend> {
    let mut query = key_projects::table.into_boxed();
    if let Some(company_id) = filter.company_id {
        query = query.filter(key_projects::company_id.eq(company_id));
    }
    if let Some(stage) = filter.stage {
        query = query.filter(key_projects::stage.eq(stage));
    }
    if let Some(user_id) = filter.squad_member {
        query = query.filter(
            key_projects::lead_liaison_id.eq(user_id).or(key_projects::id.eq_any(
                project_members::table
                    .filter(project_members::user_id.eq(user_id))
                    .select(project_members::project_id),
            )),
        );
    }
    if !filter.include_closed {
        query = query.filter(key_projects::closed_at.is_null());
    }
    query
}

pub fn list(conn: &mut DbConnection, filter: &ProjectFilter, page: PageRequest) -> AppResult<Page<Project>> {
    let total: i64 = filtered(filter).count().get_result(conn)?;
    let mut query = filtered(filter)
        .select(Project::as_select())
        .order(key_projects::id.asc())
        .limit(page.limit + 1);
    if let Some(after) = page.after {
        query = query.filter(key_projects::id.gt(after));
    }
    Ok(Page::from_rows(query.load(conn)?, page, total))
}

/// Every project matching `filter` (the boards and the export), oldest first.
pub fn all(conn: &mut DbConnection, filter: &ProjectFilter) -> AppResult<Vec<Project>> {
    Ok(filtered(filter)
        .select(Project::as_select())
        .order(key_projects::id.asc())
        .load(conn)?)
}

pub fn find(conn: &mut DbConnection, id: ProjectId) -> AppResult<Option<Project>> {
    Ok(key_projects::table
        .find(id)
        .select(Project::as_select())
        .first(conn)
        .optional()?)
}

pub fn insert(conn: &mut DbConnection, new: &NewProject) -> AppResult<Project> {
    Ok(diesel::insert_into(key_projects::table)
        .values(new)
        .returning(key_projects::all_columns)
        .get_result(conn)?)
}

/// Moves an open project from `from` to `to`; `None` when it moved or closed meanwhile.
pub fn move_stage(
    conn: &mut DbConnection,
    id: ProjectId,
    from: ProjectStage,
    to: ProjectStage,
    rhythm: Rhythm,
    now: NaiveDateTime,
) -> AppResult<Option<Project>> {
    Ok(diesel::update(
        key_projects::table
            .find(id)
            .filter(key_projects::stage.eq(from))
            .filter(key_projects::closed_at.is_null()),
    )
    .set((
        key_projects::stage.eq(to),
        key_projects::stage_since.eq(now),
        key_projects::rhythm.eq(rhythm),
        key_projects::rhythm_since.eq(now),
    ))
    .returning(key_projects::all_columns)
    .get_result(conn)
    .optional()?)
}

pub fn set_rhythm(conn: &mut DbConnection, id: ProjectId, rhythm: Rhythm, now: NaiveDateTime) -> AppResult<Project> {
    Ok(diesel::update(key_projects::table.find(id))
        .set((key_projects::rhythm.eq(rhythm), key_projects::rhythm_since.eq(now)))
        .returning(key_projects::all_columns)
        .get_result(conn)?)
}

pub fn close(conn: &mut DbConnection, id: ProjectId, now: NaiveDateTime) -> AppResult<Option<Project>> {
    Ok(
        diesel::update(key_projects::table.find(id).filter(key_projects::closed_at.is_null()))
            .set(key_projects::closed_at.eq(now))
            .returning(key_projects::all_columns)
            .get_result(conn)
            .optional()?,
    )
}

pub fn add_member(conn: &mut DbConnection, project_id: ProjectId, user_id: UserId) -> AppResult<()> {
    diesel::insert_into(project_members::table)
        .values((
            project_members::project_id.eq(project_id),
            project_members::user_id.eq(user_id),
        ))
        .execute(conn)?;
    Ok(())
}

pub fn members(conn: &mut DbConnection, project_id: ProjectId) -> AppResult<Vec<UserId>> {
    Ok(project_members::table
        .filter(project_members::project_id.eq(project_id))
        .order(project_members::user_id.asc())
        .select(project_members::user_id)
        .load(conn)?)
}

pub fn add_contact(conn: &mut DbConnection, contact: &Contact) -> AppResult<()> {
    diesel::insert_into(project_contacts::table)
        .values(contact)
        .execute(conn)?;
    Ok(())
}

pub fn contacts(conn: &mut DbConnection, project_id: ProjectId) -> AppResult<Vec<Contact>> {
    Ok(project_contacts::table
        .filter(project_contacts::project_id.eq(project_id))
        .order(project_contacts::id.asc())
        .select(Contact::as_select())
        .load(conn)?)
}

pub fn insert_stage_change(conn: &mut DbConnection, new: &NewStageChange) -> AppResult<()> {
    diesel::insert_into(project_stage_changes::table)
        .values(new)
        .execute(conn)?;
    Ok(())
}

pub fn stage_changes(conn: &mut DbConnection, project_id: ProjectId) -> AppResult<Vec<StageChange>> {
    Ok(project_stage_changes::table
        .filter(project_stage_changes::project_id.eq(project_id))
        .order(project_stage_changes::id.asc())
        .select(StageChange::as_select())
        .load(conn)?)
}

// ---- templates ----------------------------------------------------------------------------

pub fn templates(conn: &mut DbConnection) -> AppResult<Vec<Template>> {
    Ok(procedure_templates::table
        .order(procedure_templates::procedure_type.asc())
        .select(Template::as_select())
        .load(conn)?)
}

pub fn find_template(conn: &mut DbConnection, id: i64) -> AppResult<Option<Template>> {
    Ok(procedure_templates::table
        .find(id)
        .select(Template::as_select())
        .first(conn)
        .optional()?)
}

pub fn template_by_type(conn: &mut DbConnection, procedure_type: &str) -> AppResult<Option<Template>> {
    Ok(procedure_templates::table
        .filter(procedure_templates::procedure_type.eq(procedure_type))
        .select(Template::as_select())
        .first(conn)
        .optional()?)
}

/// Creates or changes the template of a procedure type.
pub fn upsert_template(
    conn: &mut DbConnection,
    procedure_type: &str,
    name: &str,
    statutory_days: i32,
    department_id: Option<DepartmentId>,
    updated_by: UserId,
    now: NaiveDateTime,
) -> AppResult<Template> {
    if let Some(existing) = template_by_type(conn, procedure_type)? {
        return Ok(diesel::update(procedure_templates::table.find(existing.id))
            .set((
                procedure_templates::name.eq(name),
                procedure_templates::statutory_days.eq(statutory_days),
                procedure_templates::department_id.eq(department_id),
                procedure_templates::updated_by.eq(Some(updated_by)),
                procedure_templates::updated_at.eq(now),
            ))
            .returning(procedure_templates::all_columns)
            .get_result(conn)?);
    }
    Ok(diesel::insert_into(procedure_templates::table)
        .values((
            procedure_templates::procedure_type.eq(procedure_type),
            procedure_templates::name.eq(name),
            procedure_templates::statutory_days.eq(statutory_days),
            procedure_templates::department_id.eq(department_id),
            procedure_templates::updated_by.eq(Some(updated_by)),
            procedure_templates::updated_at.eq(now),
        ))
        .returning(procedure_templates::all_columns)
        .get_result(conn)?)
}

// ---- procedures ---------------------------------------------------------------------------

pub fn insert_procedure(conn: &mut DbConnection, new: &NewProcedure) -> AppResult<Procedure> {
    Ok(diesel::insert_into(project_procedures::table)
        .values(new)
        .returning(project_procedures::all_columns)
        .get_result(conn)?)
}

pub fn find_procedure(conn: &mut DbConnection, id: ProcedureId) -> AppResult<Option<Procedure>> {
    Ok(project_procedures::table
        .find(id)
        .select(Procedure::as_select())
        .first(conn)
        .optional()?)
}

pub fn procedures_of(conn: &mut DbConnection, project_ids: &[ProjectId]) -> AppResult<Vec<Procedure>> {
    Ok(project_procedures::table
        .filter(project_procedures::project_id.eq_any(project_ids))
        .order(project_procedures::id.asc())
        .select(Procedure::as_select())
        .load(conn)?)
}

pub fn set_submitted(conn: &mut DbConnection, id: ProcedureId, at: NaiveDateTime) -> AppResult<Procedure> {
    Ok(diesel::update(project_procedures::table.find(id))
        .set(project_procedures::submitted_at.eq(Some(at)))
        .returning(project_procedures::all_columns)
        .get_result(conn)?)
}

pub fn set_accepted(
    conn: &mut DbConnection,
    id: ProcedureId,
    at: NaiveDateTime,
    due_at: NaiveDateTime,
    remind_at: NaiveDateTime,
) -> AppResult<Procedure> {
    Ok(diesel::update(project_procedures::table.find(id))
        .set((
            project_procedures::accepted_at.eq(Some(at)),
            project_procedures::due_at.eq(Some(due_at)),
            project_procedures::remind_at.eq(Some(remind_at)),
        ))
        .returning(project_procedures::all_columns)
        .get_result(conn)?)
}

pub fn set_approved(conn: &mut DbConnection, id: ProcedureId, at: NaiveDateTime, taken: i32) -> AppResult<Procedure> {
    Ok(diesel::update(project_procedures::table.find(id))
        .set((
            project_procedures::approved_at.eq(Some(at)),
            project_procedures::working_days_taken.eq(Some(taken)),
        ))
        .returning(project_procedures::all_columns)
        .get_result(conn)?)
}

pub fn set_handler(conn: &mut DbConnection, id: ProcedureId, handler_id: Option<UserId>) -> AppResult<Procedure> {
    Ok(diesel::update(project_procedures::table.find(id))
        .set(project_procedures::handler_id.eq(handler_id))
        .returning(project_procedures::all_columns)
        .get_result(conn)?)
}

pub fn set_documents(conn: &mut DbConnection, id: ProcedureId, documents: &str) -> AppResult<Procedure> {
    Ok(diesel::update(project_procedures::table.find(id))
        .set(project_procedures::documents.eq(documents))
        .returning(project_procedures::all_columns)
        .get_result(conn)?)
}

/// Running procedures past their reminder whose last threshold has not fired yet.
pub fn due_procedures(conn: &mut DbConnection, now: NaiveDateTime) -> AppResult<Vec<Procedure>> {
    Ok(project_procedures::table
        .inner_join(key_projects::table)
        .filter(key_projects::closed_at.is_null())
        .filter(project_procedures::approved_at.is_null())
        .filter(project_procedures::remind_at.le(now))
        .filter(not(exists(
            procedure_alerts::table
                .filter(procedure_alerts::procedure_id.eq(project_procedures::id))
                .filter(procedure_alerts::stage.eq(Stage::Reprimand.as_str()))
                .filter(procedure_alerts::due_at.nullable().eq(project_procedures::due_at)),
        )))
        .order(project_procedures::remind_at.asc())
        .limit(BATCH)
        .select(Procedure::as_select())
        .load(conn)?)
}

/// Claims one threshold of a procedure's limit; true only for the transaction that inserted it.
pub fn claim(
    conn: &mut DbConnection,
    procedure_id: ProcedureId,
    stage: Stage,
    due_at: NaiveDateTime,
    now: NaiveDateTime,
) -> AppResult<bool> {
    let inserted = diesel::sql_query(
        "INSERT INTO procedure_alerts (procedure_id, stage, due_at, fired_at) \
         VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING",
    )
    .bind::<BigInt, _>(procedure_id)
    .bind::<Text, _>(stage.as_str())
    .bind::<Timestamp, _>(due_at)
    .bind::<Timestamp, _>(now)
    .execute(conn)?;
    Ok(inserted == 1)
}

/// The thresholds fired on each procedure, as (procedure, stage) pairs.
pub fn alerts_of(conn: &mut DbConnection, procedure_ids: &[ProcedureId]) -> AppResult<Vec<(ProcedureId, String)>> {
    Ok(procedure_alerts::table
        .filter(procedure_alerts::procedure_id.eq_any(procedure_ids))
        .order(procedure_alerts::id.asc())
        .select((procedure_alerts::procedure_id, procedure_alerts::stage))
        .load(conn)?)
}

pub fn mark_overdue(conn: &mut DbConnection, id: ProcedureId, due_at: NaiveDateTime) -> AppResult<()> {
    diesel::update(
        project_procedures::table
            .find(id)
            .filter(project_procedures::overdue_at.is_null()),
    )
    .set(project_procedures::overdue_at.eq(Some(due_at)))
    .execute(conn)?;
    Ok(())
}

// ---- check-ins ----------------------------------------------------------------------------

pub fn insert_checkin(conn: &mut DbConnection, new: &NewCheckIn) -> AppResult<CheckIn> {
    Ok(diesel::insert_into(project_checkins::table)
        .values(new)
        .returning(project_checkins::all_columns)
        .get_result(conn)?)
}

pub fn checkins_of(conn: &mut DbConnection, project_id: ProjectId) -> AppResult<Vec<CheckIn>> {
    Ok(project_checkins::table
        .filter(project_checkins::project_id.eq(project_id))
        .order(project_checkins::checked_at.desc())
        .select(CheckIn::as_select())
        .load(conn)?)
}

/// Whether the project has a check-in at or after `from` (and before `to`, when given).
pub fn checked_in_between(
    conn: &mut DbConnection,
    project_id: ProjectId,
    from: NaiveDateTime,
    to: Option<NaiveDateTime>,
) -> AppResult<bool> {
    let mut query = project_checkins::table
        .filter(project_checkins::project_id.eq(project_id))
        .filter(project_checkins::checked_at.ge(from))
        .into_boxed();
    if let Some(to) = to {
        query = query.filter(project_checkins::checked_at.lt(to));
    }
    Ok(!query
        .select(project_checkins::id)
        .limit(1)
        .load::<i64>(conn)?
        .is_empty())
}

/// Claims the alert of a missed window at one level; true only for the inserting transaction.
pub fn claim_missed(
    conn: &mut DbConnection,
    project_id: ProjectId,
    window_start: NaiveDateTime,
    level: &str,
    now: NaiveDateTime,
) -> AppResult<bool> {
    let inserted = diesel::sql_query(
        "INSERT INTO checkin_alerts (project_id, window_start, level, fired_at) \
         VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING",
    )
    .bind::<BigInt, _>(project_id)
    .bind::<Timestamp, _>(window_start)
    .bind::<Text, _>(level)
    .bind::<Timestamp, _>(now)
    .execute(conn)?;
    Ok(inserted == 1)
}

/// Missed windows per project (counted once, at the liaison's level).
pub fn missed_counts(conn: &mut DbConnection, level: &str) -> AppResult<Vec<(ProjectId, i64)>> {
    Ok(checkin_alerts::table
        .filter(checkin_alerts::level.eq(level))
        .group_by(checkin_alerts::project_id)
        .select((checkin_alerts::project_id, diesel::dsl::count_star()))
        .load(conn)?)
}

// ---- findings raised as requests ----------------------------------------------------------

/// Links a request to the project and stage it was raised from; false when it already was.
pub fn link_request(
    conn: &mut DbConnection,
    project_id: ProjectId,
    stage: ProjectStage,
    request_id: RequestId,
) -> AppResult<bool> {
    let existing: Option<i64> = project_requests::table
        .find(request_id)
        .select(project_requests::project_id)
        .first(conn)
        .optional()?;
    if existing.is_some() {
        return Ok(false);
    }
    diesel::insert_into(project_requests::table)
        .values((
            project_requests::request_id.eq(request_id),
            project_requests::project_id.eq(project_id),
            project_requests::stage.eq(stage),
        ))
        .execute(conn)?;
    Ok(true)
}

pub fn requests_of(conn: &mut DbConnection, project_id: ProjectId) -> AppResult<Vec<(RequestId, ProjectStage)>> {
    Ok(project_requests::table
        .filter(project_requests::project_id.eq(project_id))
        .order(project_requests::request_id.asc())
        .select((project_requests::request_id, project_requests::stage))
        .load(conn)?)
}
