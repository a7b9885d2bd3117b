use diesel::prelude::*;

use super::model::{Attachment, NewAttachment};
use crate::db::schema::{attachments, request_events};
use crate::db::DbConnection;
use crate::error::AppResult;
use crate::ids::RequestId;

pub fn insert(conn: &mut DbConnection, new: &NewAttachment) -> AppResult<Attachment> {
    Ok(diesel::insert_into(attachments::table)
        .values(new)
        .returning(<Attachment as Selectable<crate::db::MultiBackend>>::construct_selection())
        .get_result(conn)?)
}

pub fn find_by_id(conn: &mut DbConnection, id: i64) -> AppResult<Option<Attachment>> {
    Ok(attachments::table
        .find(id)
        .select(Attachment::as_select())
        .first(conn)
        .optional()?)
}

/// The thumbnail's bytes of an attachment, if it has one.
pub fn thumbnail(conn: &mut DbConnection, id: i64) -> AppResult<Option<Vec<u8>>> {
    Ok(attachments::table
        .find(id)
        .select(attachments::thumbnail)
        .first::<Option<Vec<u8>>>(conn)
        .optional()?
        .flatten())
}

pub fn of_request(
    conn: &mut DbConnection,
    request_id: RequestId,
    include_internal: bool,
) -> AppResult<Vec<Attachment>> {
    let mut query = attachments::table
        .filter(attachments::request_id.eq(request_id))
        .into_boxed();
    if !include_internal {
        query = query.filter(attachments::internal.eq(false));
    }
    Ok(query
        .order(attachments::id.asc())
        .select(Attachment::as_select())
        .load(conn)?)
}

pub fn count_of_request(conn: &mut DbConnection, request_id: RequestId) -> AppResult<i64> {
    Ok(attachments::table
        .filter(attachments::request_id.eq(request_id))
        .count()
        .get_result(conn)?)
}

/// The request an event belongs to, and whether the event is internal.
pub fn event_owner(conn: &mut DbConnection, event_id: i64) -> AppResult<Option<(RequestId, bool)>> {
    Ok(request_events::table
        .find(event_id)
        .select((request_events::request_id, request_events::internal))
        .first(conn)
        .optional()?)
}
