use super::model::{Department, DepartmentChanges, NewDepartment};
use super::repo;
use crate::auth::model::{Actor, Role};
use crate::db::{Page, PageRequest};
use crate::error::{AppError, AppResult};
use crate::state::AppState;

pub const MAX_DEPARTMENT_NAME_CHARS: usize = 50;
pub const MAX_DESCRIPTION_CHARS: usize = 500;

fn clean_name(name: &str) -> AppResult<String> {
    let name = name.trim();
    if name.is_empty() {
        return Err(AppError::bad_field("name", "a department name cannot be empty"));
    }
    if name.chars().count() > MAX_DEPARTMENT_NAME_CHARS {
        return Err(AppError::bad_field(
            "name",
            format!("a department name has at most {MAX_DEPARTMENT_NAME_CHARS} characters"),
        ));
    }
    if name.chars().any(char::is_control) {
        return Err(AppError::bad_field(
            "name",
            "a department name cannot contain control characters",
        ));
    }
    Ok(name.to_string())
}

fn clean_description(text: &str) -> AppResult<String> {
    let text = text.trim();
    if text.chars().count() > MAX_DESCRIPTION_CHARS {
        return Err(AppError::bad_field(
            "description",
            format!("a description has at most {MAX_DESCRIPTION_CHARS} characters"),
        ));
    }
    Ok(text.to_string())
}

pub async fn create_department(
    state: &AppState,
    actor: &Actor,
    name: &str,
    description: Option<&str>,
) -> AppResult<Department> {
    actor.require_admin()?;
    let now = state.clock.now_naive();
    let new = NewDepartment {
        name: clean_name(name)?,
        description: clean_description(description.unwrap_or(""))?,
        created_at: now,
        updated_at: now,
    };
    let actor_id = actor.user_id;
    state
        .db
        .write(move |conn| {
            if repo::name_taken(conn, &new.name, None)? {
                return Err(AppError::conflict("a department with this name already exists"));
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
    id: i64,
    version: Option<i32>,
    name: Option<&str>,
    description: Option<&str>,
) -> AppResult<Department> {
    actor.require_admin()?;
    let changes = DepartmentChanges {
        name: name.map(clean_name).transpose()?,
        description: description.map(clean_description).transpose()?,
        disabled_at: None,
    };
    let clock = state.clock.clone();
    let actor_id = actor.user_id;
    state
        .db
        .write(move |conn| {
            let before = repo::find_by_id(conn, id)?.ok_or_else(|| AppError::not_found("department"))?;
            if let Some(name) = &changes.name {
                if repo::name_taken(conn, name, Some(id))? {
                    return Err(AppError::conflict("a department with this name already exists"));
                }
            }
            let after = repo::update_versioned(conn, id, version, &changes, clock.now_naive())?.ok_or_else(|| {
                AppError::conflict("the department was changed by someone else; reload and try again")
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

pub async fn set_disabled(state: &AppState, actor: &Actor, id: i64, disabled: bool) -> AppResult<Department> {
    actor.require_admin()?;
    let clock = state.clock.clone();
    let actor_id = actor.user_id;
    state
        .db
        .write(move |conn| {
            let department = repo::find_by_id(conn, id)?.ok_or_else(|| AppError::not_found("department"))?;
            if department.disabled_at.is_some() == disabled {
                return Ok(department);
            }
            let now = clock.now_naive();
            let changes = DepartmentChanges {
                disabled_at: Some(disabled.then_some(now)),
                ..Default::default()
            };
            let after = repo::update_versioned(conn, id, None, &changes, now)?
                .ok_or_else(|| AppError::not_found("department"))?;
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

pub async fn visible_department(state: &AppState, actor: &Actor, id: i64) -> AppResult<Department> {
    if actor.role == Role::Company {
        return Err(AppError::not_found("department"));
    }
    state
        .db
        .read(move |conn| repo::find_by_id(conn, id)?.ok_or_else(|| AppError::not_found("department")))
        .await
}
