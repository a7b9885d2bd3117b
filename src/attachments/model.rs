use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::schema::attachments;
use crate::ids::{RequestId, UserId};

#[derive(Debug, Clone, Queryable, Selectable, Identifiable)]
#[diesel(table_name = attachments)]
pub struct Attachment {
    pub id: i64,
    pub request_id: RequestId,
    pub event_id: Option<i64>,
    pub uploaded_by: UserId,
    pub file_name: String,
    pub content_type: String,
    pub size_bytes: i64,
    pub sha256: String,
    pub storage_key: String,
    pub internal: bool,
    pub created_at: NaiveDateTime,
    /// The type of its thumbnail, when it has one (the bytes are read on their own).
    pub thumbnail_type: Option<String>,
}

#[derive(Insertable)]
#[diesel(table_name = attachments)]
pub struct NewAttachment {
    pub request_id: RequestId,
    pub event_id: Option<i64>,
    pub uploaded_by: UserId,
    pub file_name: String,
    pub content_type: String,
    pub size_bytes: i64,
    pub sha256: String,
    pub storage_key: String,
    pub internal: bool,
    pub created_at: NaiveDateTime,
    pub thumbnail_type: Option<String>,
    pub thumbnail: Option<Vec<u8>>,
}
