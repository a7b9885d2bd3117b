use std::io::Read;
use std::path::PathBuf;

use super::errors::AttachmentsReason;
use super::model::{Attachment, NewAttachment};
use super::{repo, storage};
use crate::actor::{Actor, Role};
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
    let (bytes, content_type, sha256) = run_blocking(move || {
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
        Ok((bytes, content_type, sha256))
    })
    .await?;

    let root = state.config.attachments_dir.clone();
    let now = state.clock.now_naive();
    let key = storage::new_key(now);
    // The same file sent again under the same key is the same upload; another file is refused.
    let once = Once::new(
        actor.user_id,
        idempotency_key,
        "addAttachment",
        &(request_id, event_id, internal, &file_name, &sha256),
    )?;
    let actor = actor.clone();
    state
        .db
        .write_once(once, now, move |conn| {
            let request = visible(conn, &actor, request_id)?;
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
            if repo::count_of_request(conn, request.id)? >= MAX_ATTACHMENTS_PER_REQUEST {
                return Err(AppError::bad_input(AttachmentsReason::ATTACHMENTS_LIMIT_REACHED)
                    .arg("max", MAX_ATTACHMENTS_PER_REQUEST));
            }
            storage::store(&root, &key, &bytes)
                .map_err(|e| AppError::internal(format!("storing an attachment: {e}")))?;
            let inserted = repo::insert(
                conn,
                &NewAttachment {
                    request_id: request.id,
                    event_id,
                    uploaded_by: actor.user_id,
                    file_name,
                    content_type: content_type.to_string(),
                    size_bytes: bytes.len() as i64,
                    sha256,
                    storage_key: key.clone(),
                    internal,
                    created_at: now,
                },
            );
            if inserted.is_err() {
                storage::remove(&root, &key);
            }
            inserted
        })
        .await
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

/// An attachment and its file, for download, if `actor` may see it.
pub async fn open(state: &AppState, actor: &Actor, id: i64) -> AppResult<(Attachment, PathBuf)> {
    let actor = actor.clone();
    let root = state.config.attachments_dir.clone();
    state
        .db
        .read(move |conn| {
            let attachment = repo::find_by_id(conn, id)?
                .ok_or_else(|| AppError::not_found(AttachmentsReason::ATTACHMENT_NOT_FOUND))?;
            visible(conn, &actor, attachment.request_id)
                .map_err(|_| AppError::not_found(AttachmentsReason::ATTACHMENT_NOT_FOUND))?;
            if attachment.internal && actor.role == Role::Company {
                return Err(AppError::not_found(AttachmentsReason::ATTACHMENT_NOT_FOUND));
            }
            let path = storage::path_of(&root, &attachment.storage_key);
            Ok((attachment, path))
        })
        .await
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
