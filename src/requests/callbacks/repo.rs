//! Database access for callbacks.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::model::{Callback, CallbackAnswers};
use crate::db::schema::{request_callbacks, requests};
use crate::db::{DbConnection, Page, PageRequest};
use crate::error::AppResult;
use crate::ids::{RequestId, UserId};
use crate::requests::model::Request;

/// Flags a request for a callback (it closed without the company's answer).
pub fn flag(conn: &mut DbConnection, request_id: RequestId, now: NaiveDateTime) -> AppResult<()> {
    diesel::insert_into(request_callbacks::table)
        .values((
            request_callbacks::request_id.eq(request_id),
            request_callbacks::flagged_at.eq(Some(now)),
        ))
        .execute(conn)?;
    Ok(())
}

/// The request's flag still waiting for its call, if any.
pub fn open_flag(conn: &mut DbConnection, request_id: RequestId) -> AppResult<Option<Callback>> {
    Ok(request_callbacks::table
        .filter(request_callbacks::request_id.eq(request_id))
        .filter(request_callbacks::flagged_at.is_not_null())
        .filter(request_callbacks::recorded_at.is_null())
        .select(Callback::as_select())
        .first(conn)
        .optional()?)
}

/// Records a call's answers: on the waiting flag when there is one, else as a new row.
pub fn record(conn: &mut DbConnection, flag: Option<&Callback>, answers: &CallbackAnswers) -> AppResult<Callback> {
    Ok(match flag {
        Some(flag) => diesel::update(request_callbacks::table.find(flag.id))
            .set(answers)
            .returning(request_callbacks::all_columns)
            .get_result(conn)?,
        None => diesel::insert_into(request_callbacks::table)
            .values(answers)
            .returning(request_callbacks::all_columns)
            .get_result(conn)?,
    })
}

/// The callbacks of many requests (flags and calls), oldest first.
pub fn for_requests(conn: &mut DbConnection, request_ids: &[RequestId]) -> AppResult<Vec<Callback>> {
    Ok(request_callbacks::table
        .filter(request_callbacks::request_id.eq_any(request_ids))
        .order(request_callbacks::id.asc())
        .select(Callback::as_select())
        .load(conn)?)
}

fn due(officer: Option<UserId>) -> request_callbacks::BoxedQuery<'static, crate::db::MultiBackend> {
    let mut query = request_callbacks::table
        .filter(request_callbacks::flagged_at.is_not_null())
        .filter(request_callbacks::recorded_at.is_null())
        .into_boxed();
    if let Some(officer) = officer {
        query = query.filter(
            request_callbacks::request_id.eq_any(
                requests::table
                    .filter(requests::officer_id.eq(officer))
                    .select(requests::id),
            ),
        );
    }
    query
}

/// Requests flagged for a callback and not called yet, oldest flag first (paged by flag id).
pub fn due_requests(
    conn: &mut DbConnection,
    officer: Option<UserId>,
    page: PageRequest,
) -> AppResult<Page<(i64, Request)>> {
    let total: i64 = due(officer).count().get_result(conn)?;
    let mut query = due(officer)
        .select((request_callbacks::id, request_callbacks::request_id))
        .order(request_callbacks::id.asc())
        .limit(page.limit + 1);
    if let Some(after) = page.after {
        query = query.filter(request_callbacks::id.gt(after));
    }
    let rows: Vec<(i64, RequestId)> = query.load(conn)?;
    let ids: Vec<RequestId> = rows.iter().map(|(_, r)| *r).collect();
    let found: Vec<Request> = requests::table
        .filter(requests::id.eq_any(&ids))
        .select(Request::as_select())
        .load(conn)?;
    let items = rows
        .into_iter()
        .filter_map(|(flag, id)| found.iter().find(|r| r.id == id).map(|r| (flag, r.clone())))
        .collect();
    Ok(Page::from_rows(items, page, total))
}
