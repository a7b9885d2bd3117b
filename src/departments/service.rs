use super::errors::DepartmentsReason;
use super::model::{Department, DepartmentChanges, NewDepartment};
use super::repo;
use crate::actor::{Actor, Role};
use crate::auth::model::User;
use crate::auth::repo::{self as users_repo, UserFilter};
use crate::db::{Page, PageRequest};
use crate::error::{AppError, AppResult};
use crate::ids::DepartmentId;
use crate::state::AppState;
use crate::text::{multi_line, single_line};

pub const MAX_DEPARTMENT_NAME_CHARS: usize = 50;
pub const MAX_DESCRIPTION_CHARS: usize = 500;

fn clean_name(name: &str) -> AppResult<String> {
    single_line(MAX_DEPARTMENT_NAME_CHARS).required("name", name)
}

/// The English name: optional, blank clears it.
fn clean_name_en(name: &str) -> AppResult<Option<String>> {
    let name = single_line(MAX_DEPARTMENT_NAME_CHARS).blank_allowed("nameEn", name)?;
    Ok(Some(name).filter(|n| !n.is_empty()))
}

fn clean_description(text: &str) -> AppResult<String> {
    multi_line(MAX_DESCRIPTION_CHARS).blank_allowed("description", text)
}

pub async fn create_department(
    state: &AppState,
    actor: &Actor,
    name: &str,
    name_en: Option<&str>,
    description: Option<&str>,
) -> AppResult<Department> {
    actor.require_admin()?;
    let now = state.clock.now_naive();
    let new = NewDepartment {
        name: clean_name(name)?,
        name_en: clean_name_en(name_en.unwrap_or(""))?,
        description: clean_description(description.unwrap_or(""))?,
        created_at: now,
        updated_at: now,
    };
    let actor_id = actor.user_id;
    state
        .db
        .write(move |conn| {
            if repo::name_taken(conn, &new.name, None)? {
                return Err(AppError::conflict(DepartmentsReason::DEPARTMENT_NAME_TAKEN));
            }
            let department = repo::insert(conn, &new)?;
            crate::audit::record(conn, actor_id, "createDepartment", None, Some(&department), now)?;
            Ok(department)
        })
        .await
}

pub async fn update_department(
    state: &AppState,
    actor: &Actor,
    id: DepartmentId,
    version: Option<i32>,
    name: Option<&str>,
    name_en: Option<&str>,
    description: Option<&str>,
) -> AppResult<Department> {
    actor.require_admin()?;
    let changes = DepartmentChanges {
        name: name.map(clean_name).transpose()?,
        name_en: name_en.map(clean_name_en).transpose()?,
        description: description.map(clean_description).transpose()?,
        disabled_at: None,
    };
    let clock = state.clock.clone();
    let actor_id = actor.user_id;
    state
        .db
        .write(move |conn| {
            let before = repo::find_by_id(conn, id)?
                .ok_or_else(|| AppError::not_found(DepartmentsReason::DEPARTMENT_NOT_FOUND))?;
            if let Some(name) = &changes.name {
                if repo::name_taken(conn, name, Some(id))? {
                    return Err(AppError::conflict(DepartmentsReason::DEPARTMENT_NAME_TAKEN));
                }
            }
            let after = repo::update_versioned(conn, id, version, &changes, clock.now_naive())?.ok_or_else(|| {
                AppError::conflict(DepartmentsReason::DEPARTMENT_CHANGED_MEANWHILE)
                    .with_version(i64::from(before.version))
            })?;
            crate::audit::record(
                conn,
                actor_id,
                "updateDepartment",
                Some(&before),
                Some(&after),
                after.updated_at,
            )?;
            Ok(after)
        })
        .await
}

pub async fn set_disabled(state: &AppState, actor: &Actor, id: DepartmentId, disabled: bool) -> AppResult<Department> {
    actor.require_admin()?;
    let clock = state.clock.clone();
    let actor_id = actor.user_id;
    state
        .db
        .write(move |conn| {
            let department = repo::find_by_id(conn, id)?
                .ok_or_else(|| AppError::not_found(DepartmentsReason::DEPARTMENT_NOT_FOUND))?;
            if department.disabled_at.is_some() == disabled {
                return Ok(department);
            }
            let now = clock.now_naive();
            let changes = DepartmentChanges {
                disabled_at: Some(disabled.then_some(now)),
                ..Default::default()
            };
            let after = repo::update_versioned(conn, id, None, &changes, now)?
                .ok_or_else(|| AppError::not_found(DepartmentsReason::DEPARTMENT_NOT_FOUND))?;
            let action = if disabled {
                "disableDepartment"
            } else {
                "enableDepartment"
            };
            crate::audit::record(conn, actor_id, action, Some(&department), Some(&after), now)?;
            Ok(after)
        })
        .await
}

/// Departments are listed for admins and officers (who dispatch to them) and for department
/// staff (who transfer between them); company staff meet them only on their requests' tasks.
pub async fn list_departments(
    state: &AppState,
    actor: &Actor,
    search: Option<String>,
    include_disabled: bool,
    page: PageRequest,
) -> AppResult<Page<Department>> {
    actor.require_role(&[Role::Admin, Role::Officer, Role::Department])?;
    let include_disabled = include_disabled && actor.is_admin();
    state
        .db
        .read(move |conn| repo::list(conn, search.as_deref(), include_disabled, page))
        .await
}

pub async fn visible_department(state: &AppState, actor: &Actor, id: DepartmentId) -> AppResult<Department> {
    if actor.role == Role::Company {
        return Err(AppError::not_found(DepartmentsReason::DEPARTMENT_NOT_FOUND));
    }
    state
        .db
        .read(move |conn| {
            repo::find_by_id(conn, id)?.ok_or_else(|| AppError::not_found(DepartmentsReason::DEPARTMENT_NOT_FOUND))
        })
        .await
}

/// The department's staff accounts (admins and the department's own staff may see them).
pub async fn staff(state: &AppState, actor: &Actor, department_id: DepartmentId) -> AppResult<Vec<User>> {
    if !(actor.is_admin() || (actor.role == Role::Department && actor.department_id == Some(department_id))) {
        return Err(AppError::forbidden(DepartmentsReason::DEPARTMENT_STAFF_FORBIDDEN));
    }
    let filter = UserFilter {
        department_id: Some(department_id),
        ..Default::default()
    };
    let page = PageRequest {
        after: None,
        limit: 500,
    };
    Ok(state
        .db
        .read(move |conn| users_repo::list(conn, &filter, page))
        .await?
        .items)
}
