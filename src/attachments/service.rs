use std::io::Read;
use std::ops::Range;

use bytes::Bytes;

use super::errors::AttachmentsReason;
use super::model::{Attachment, NewAttachment};
use super::{repo, storage};
use crate::actor::{Actor, Role};
use crate::blobs::{Blob, BlobError};
use crate::db::{run_blocking, DbConnection, Once, Replay};
use crate::error::{AppError, AppResult};
use crate::ids::RequestId;
use crate::requests::service::visible;
use crate::state::AppState;

pub const MAX_ATTACHMENTS_PER_REQUEST: i64 = 30;
const MAX_FILE_NAME_CHARS: usize = 100;

/// A file as it arrived in the multipart request.
pub struct IncomingFile {
    pub file_name: String,
    pub content: std::fs::File,
}

fn clean_file_name(name: &str) -> AppResult<String> {
    // Browsers may send a full path; keep the last part only.
    let base = name.rsplit(['/', '\\']).next().unwrap_or("").trim();
    if base.is_empty() || base.chars().any(char::is_control) {
        return Err(AppError::bad_field("file", AttachmentsReason::ATTACHMENT_NAME_MISSING));
    }
    Ok(base.chars().take(MAX_FILE_NAME_CHARS).collect())
}

/// Adds a file to a request (or one of its events). Company staff add public files only.
pub async fn attach(
    state: &AppState,
    actor: &Actor,
    request_id: RequestId,
    event_id: Option<i64>,
    internal: bool,
    file: IncomingFile,
    idempotency_key: Option<&str>,
) -> AppResult<Attachment> {
    if internal && actor.role == Role::Company {
        return Err(AppError::forbidden(AttachmentsReason::ATTACHMENT_INTERNAL_FORBIDDEN));
    }
    let file_name = clean_file_name(&file.file_name)?;
    let max_bytes = state.config.max_attachment_bytes;
    let name_for_sniff = file_name.clone();
    let (bytes, content_type, sha256, thumbnail) = run_blocking(move || {
        let mut bytes = Vec::new();
        file.content
            .take(max_bytes as u64 + 1)
            .read_to_end(&mut bytes)
            .map_err(|e| AppError::internal(format!("reading an upload: {e}")))?;
        if bytes.len() > max_bytes {
            return Err(AppError::bad_field("file", AttachmentsReason::ATTACHMENT_TOO_LARGE).arg("max", max_bytes));
        }
        if bytes.is_empty() {
            return Err(AppError::bad_field("file", AttachmentsReason::ATTACHMENT_EMPTY));
        }
        let content_type = storage::sniff(&bytes, &name_for_sniff)
            .ok_or_else(|| AppError::bad_field("file", AttachmentsReason::ATTACHMENT_TYPE_NOT_ACCEPTED))?;
        let sha256 = storage::sha256_hex(&bytes);
        let thumbnail = storage::thumbnail(&bytes, content_type);
        Ok((Bytes::from(bytes), content_type, sha256, thumbnail))
    })
    .await?;

    let now = state.clock.now_naive();
    let key = storage::new_key(now);
    // The same file sent again under the same key is the same upload; another file is refused.
    let once = Once::new(
        actor.user_id,
        idempotency_key,
        "addAttachment",
        &(request_id, event_id, internal, &file_name, &sha256),
    )?;
    // Refusals first, before anything goes to the store; checked again in the write. With a
    // key, the upload may be a repeat, answered in the write even when the request is full.
    {
        let actor = actor.clone();
        let may_be_repeat = once.is_some();
        state
            .db
            .read(move |conn| may_attach(conn, &actor, request_id, event_id, may_be_repeat))
            .await?;
    }
    let size_bytes = bytes.len() as i64;
    // One object, written whole or not at all (a store that fails half-way keeps nothing), and
    // outside the transaction: the database is not held while the file travels.
    state.blobs.put(&key, bytes).await.map_err(|error| {
        tracing::error!(error = %error, "storing an attachment failed");
        store_failed(error)
    })?;
    let writer = actor.clone();
    let stored_key = key.clone();
    let written = state
        .db
        .write_once(once, now, move |conn| {
            let request_id = may_attach(conn, &writer, request_id, event_id, false)?;
            repo::insert(
                conn,
                &NewAttachment {
                    request_id,
                    event_id,
                    uploaded_by: writer.user_id,
                    file_name,
                    content_type: content_type.to_string(),
                    size_bytes,
                    sha256,
                    storage_key: stored_key,
                    internal,
                    created_at: now,
                    thumbnail_type: thumbnail.as_ref().map(|t| t.content_type.to_string()),
                    thumbnail: thumbnail.map(|t| t.bytes),
                },
            )
        })
        .await;
    // A refusal in the write, or a repeat answered with the first upload's attachment: the
    // object just stored belongs to no row.
    if !matches!(&written, Ok(attachment) if attachment.storage_key == key) {
        if let Err(error) = state.blobs.delete(&key).await {
            tracing::error!(error = %error, key = %key, "removing an unused attachment object failed");
        }
    }
    written
}

/// Whether `actor` may add a file to the request (and event): the request's id if so. The
/// count is not checked for an upload that `may_be_repeat`.
fn may_attach(
    conn: &mut DbConnection,
    actor: &Actor,
    request_id: RequestId,
    event_id: Option<i64>,
    may_be_repeat: bool,
) -> AppResult<RequestId> {
    let request = visible(conn, actor, request_id)?;
    if let Some(event_id) = event_id {
        match repo::event_owner(conn, event_id)? {
            Some((owner, event_internal))
                if owner == request.id && !(event_internal && actor.role == Role::Company) => {}
            _ => {
                return Err(AppError::bad_field(
                    "eventId",
                    AttachmentsReason::ATTACHMENT_EVENT_NOT_FOUND,
                ))
            }
        }
    }
    if !may_be_repeat && repo::count_of_request(conn, request.id)? >= MAX_ATTACHMENTS_PER_REQUEST {
        return Err(
            AppError::bad_input(AttachmentsReason::ATTACHMENTS_LIMIT_REACHED).arg("max", MAX_ATTACHMENTS_PER_REQUEST)
        );
    }
    Ok(request.id)
}

/// The file store failed: the upload is refused as unavailable (try again), nothing is kept.
fn store_failed(error: BlobError) -> AppError {
    AppError::Unavailable(format!("the attachment store: {error}"))
}

/// The attachments of a request that `actor` may see (internal ones are hidden from companies).
pub async fn of_request(state: &AppState, actor: &Actor, request_id: RequestId) -> AppResult<Vec<Attachment>> {
    let actor = actor.clone();
    state
        .db
        .read(move |conn| {
            let request = visible(conn, &actor, request_id)?;
            repo::of_request(conn, request.id, actor.role != Role::Company)
        })
        .await
}

/// An attachment, for download, if `actor` may see it (otherwise not found, whether it exists
/// or not): company staff their requests' public files, officers their companies', department
/// staff those of their tasks' requests, admins all.
pub async fn open(state: &AppState, actor: &Actor, id: i64) -> AppResult<Attachment> {
    let actor = actor.clone();
    state.db.read(move |conn| visible_attachment(conn, &actor, id)).await
}

fn visible_attachment(conn: &mut DbConnection, actor: &Actor, id: i64) -> AppResult<Attachment> {
    let attachment =
        repo::find_by_id(conn, id)?.ok_or_else(|| AppError::not_found(AttachmentsReason::ATTACHMENT_NOT_FOUND))?;
    visible(conn, actor, attachment.request_id)
        .map_err(|_| AppError::not_found(AttachmentsReason::ATTACHMENT_NOT_FOUND))?;
    if attachment.internal && actor.role == Role::Company {
        return Err(AppError::not_found(AttachmentsReason::ATTACHMENT_NOT_FOUND));
    }
    Ok(attachment)
}

/// An attachment `actor` may see and its thumbnail's bytes (not found when it has none).
pub async fn open_thumbnail(state: &AppState, actor: &Actor, id: i64) -> AppResult<(Attachment, Vec<u8>)> {
    let actor = actor.clone();
    state
        .db
        .read(move |conn| {
            let attachment = visible_attachment(conn, &actor, id)?;
            let bytes = repo::thumbnail(conn, attachment.id)?
                .ok_or_else(|| AppError::not_found(AttachmentsReason::ATTACHMENT_NO_THUMBNAIL))?;
            Ok((attachment, bytes))
        })
        .await
}

/// The file of an attachment opened with [`open`], or the part `range` of it, streamed from
/// the store. A store that does not answer is `SERVICE_UNAVAILABLE`; a file missing from it is
/// an internal error (the row says it was stored).
pub async fn read(state: &AppState, attachment: &Attachment, range: Option<Range<u64>>) -> AppResult<Blob> {
    state
        .blobs
        .get(&attachment.storage_key, range)
        .await
        .map_err(|error| match error {
            BlobError::NotFound => AppError::internal(format!(
                "attachment {} has no object under {}",
                attachment.id, attachment.storage_key
            )),
            other => store_failed(other),
        })
}

/// A repeated upload answers the first one's attachment (`db::idempotency`).
impl Replay for Attachment {
    type Ref = i64;

    fn reference(&self) -> i64 {
        self.id
    }

    fn replay(conn: &mut DbConnection, id: i64) -> AppResult<Attachment> {
        repo::find_by_id(conn, id)?.ok_or_else(|| AppError::not_found(AttachmentsReason::ATTACHMENT_NOT_FOUND))
    }
}
