use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::model::{Department, DepartmentChanges, NewDepartment};
use crate::db::schema::departments;
use crate::db::{like_pattern, lower, DbConnection, Page, PageRequest};
use crate::error::AppResult;
use crate::ids::DepartmentId;

pub fn find_by_id(conn: &mut DbConnection, id: DepartmentId) -> AppResult<Option<Department>> {
    Ok(departments::table
        .find(id)
        .select(Department::as_select())
        .first(conn)
        .optional()?)
}

pub fn find_by_ids(conn: &mut DbConnection, ids: &[DepartmentId]) -> AppResult<Vec<Department>> {
    Ok(departments::table
        .filter(departments::id.eq_any(ids))
        .select(Department::as_select())
        .load(conn)?)
}

pub fn name_taken(conn: &mut DbConnection, name: &str, except_id: Option<DepartmentId>) -> AppResult<bool> {
    let mut query = departments::table
        .filter(lower(departments::name).eq(name.to_lowercase()))
        .select(departments::id)
        .into_boxed();
    if let Some(id) = except_id {
        query = query.filter(departments::id.ne(id));
    }
    Ok(query.first::<i64>(conn).optional()?.is_some())
}

pub fn insert(conn: &mut DbConnection, new: &NewDepartment) -> AppResult<Department> {
    Ok(diesel::insert_into(departments::table)
        .values(new)
        .returning(departments::all_columns)
        .get_result(conn)?)
}

pub fn update_versioned(
    conn: &mut DbConnection,
    id: DepartmentId,
    expected_version: Option<i32>,
    changes: &DepartmentChanges,
    now: NaiveDateTime,
) -> AppResult<Option<Department>> {
    let mut update = diesel::update(departments::table.filter(departments::id.eq(id))).into_boxed();
    if let Some(version) = expected_version {
        update = update.filter(departments::version.eq(version));
    }
    Ok(update
        .set((
            changes,
            departments::version.eq(departments::version + 1),
            departments::updated_at.eq(now),
        ))
        .returning(departments::all_columns)
        .get_result(conn)
        .optional()?)
}

pub fn list(
    conn: &mut DbConnection,
    search: Option<&str>,
    include_disabled: bool,
    page: PageRequest,
) -> AppResult<Page<Department>> {
    let filtered = || {
        let mut query = departments::table.into_boxed();
        if let Some(search) = search.map(str::trim).filter(|s| !s.is_empty()) {
            query = query.filter(lower(departments::name).like(like_pattern(search)).escape('\\'));
        }
        if !include_disabled {
            query = query.filter(departments::disabled_at.is_null());
        }
        query
    };
    let total: i64 = filtered().count().get_result(conn)?;
    let mut query = filtered()
        .select(Department::as_select())
        .order(departments::id.asc())
        .limit(page.limit + 1);
    if let Some(after) = page.after {
        query = query.filter(departments::id.gt(after));
    }
    Ok(Page::from_rows(query.load(conn)?, page, total))
}
