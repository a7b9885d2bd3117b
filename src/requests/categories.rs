//! The admin-managed list of request categories (permits, water, power, …).

use super::model::{Category, CategoryChanges, NewCategory};
use super::repo;
use crate::actor::Actor;
use crate::error::{AppError, AppResult};
use crate::requests::errors::RequestsReason;
use crate::state::AppState;
use crate::text::single_line;

pub const MAX_CODE_CHARS: usize = 40;
pub const MAX_NAME_CHARS: usize = 50;

fn clean_code(code: &str) -> AppResult<String> {
    let code = code.trim().to_lowercase();
    if code.is_empty() || code.chars().count() > MAX_CODE_CHARS {
        return Err(AppError::bad_field("code", RequestsReason::CATEGORY_CODE_LENGTH).arg("max", MAX_CODE_CHARS));
    }
    if !code.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-') {
        return Err(AppError::bad_field("code", RequestsReason::CATEGORY_CODE_CHARACTERS));
    }
    Ok(code)
}

fn clean_name(field: &str, name: &str, required: bool) -> AppResult<String> {
    let rule = single_line(MAX_NAME_CHARS);
    if required {
        rule.required(field, name)
    } else {
        rule.blank_allowed(field, name)
    }
}

/// Every category, enabled ones only unless `include_disabled`, in the order they were made.
pub async fn list(state: &AppState, include_disabled: bool) -> AppResult<Vec<Category>> {
    state
        .db
        .read(move |conn| repo::categories(conn, include_disabled))
        .await
}

pub async fn create(
    state: &AppState,
    actor: &Actor,
    code: &str,
    name: &str,
    name_en: Option<&str>,
) -> AppResult<Category> {
    actor.require_admin()?;
    let now = state.clock.now_naive();
    let new = NewCategory {
        code: clean_code(code)?,
        name: clean_name("name", name, true)?,
        name_en: clean_name("nameEn", name_en.unwrap_or(""), false)?,
        created_at: now,
        updated_at: now,
    };
    let actor_id = actor.user_id;
    state
        .db
        .write(move |conn| {
            if repo::category_code_taken(conn, &new.code, None)? {
                return Err(AppError::conflict(RequestsReason::CATEGORY_CODE_TAKEN));
            }
            let category = repo::insert_category(conn, &new)?;
            crate::audit::record(conn, actor_id, "createCategory", None, Some(&category), now)?;
            Ok(category)
        })
        .await
}

pub async fn update(
    state: &AppState,
    actor: &Actor,
    id: i64,
    mut changes: CategoryChanges,
    enabled: Option<bool>,
) -> AppResult<Category> {
    actor.require_admin()?;
    changes.code = changes.code.as_deref().map(clean_code).transpose()?;
    changes.name = changes
        .name
        .as_deref()
        .map(|n| clean_name("name", n, true))
        .transpose()?;
    changes.name_en = changes
        .name_en
        .as_deref()
        .map(|n| clean_name("nameEn", n, false))
        .transpose()?;
    let now = state.clock.now_naive();
    changes.disabled_at = enabled.map(|enabled| (!enabled).then_some(now));
    let actor_id = actor.user_id;
    state
        .db
        .write(move |conn| {
            let current =
                repo::category(conn, id)?.ok_or_else(|| AppError::not_found(RequestsReason::CATEGORY_NOT_FOUND))?;
            if let Some(code) = &changes.code {
                if repo::category_code_taken(conn, code, Some(id))? {
                    return Err(AppError::conflict(RequestsReason::CATEGORY_CODE_TAKEN));
                }
            }
            if matches!(changes.disabled_at, Some(Some(_))) && current.disabled_at.is_some() {
                changes.disabled_at = None;
            }
            let updated = repo::update_category(conn, id, &changes, now)?;
            crate::audit::record(conn, actor_id, "updateCategory", Some(&current), Some(&updated), now)?;
            Ok(updated)
        })
        .await
}
