use async_graphql::{Context, Object, SimpleObject, Upload, ID};
use chrono::{DateTime, Utc};

use super::errors::AttachmentsReason;
use super::model::Attachment;
use super::service::{self, IncomingFile};
use crate::auth::graphql::{load_user, UserNode};
use crate::clock::to_utc;
use crate::error::{AppError, AppResult};
use crate::graphql::context::ContextExt;
use crate::graphql::ids::{self, IdKind};
use crate::ids::RequestId;

/// A photo or document on a request.
pub struct AttachmentNode(pub Attachment);

/// A photo or document on a request.
#[Object(name = "Attachment")]
impl AttachmentNode {
    /// Opaque id.
    async fn id(&self) -> ID {
        ids::encode(IdKind::Attachment, self.0.id)
    }

    /// The file's name as uploaded.
    async fn file_name(&self) -> &str {
        &self.0.file_name
    }

    /// The file's type, as read from its bytes.
    async fn content_type(&self) -> &str {
        &self.0.content_type
    }

    /// Size in bytes.
    async fn size_bytes(&self) -> i64 {
        self.0.size_bytes
    }

    /// SHA-256 of the content, hex.
    async fn sha256(&self) -> &str {
        &self.0.sha256
    }

    /// True when only officials see it.
    async fn internal(&self) -> bool {
        self.0.internal
    }

    /// The timeline event it belongs to, if any.
    async fn event_id(&self) -> Option<ID> {
        self.0.event_id.map(|id| ids::encode(IdKind::Event, id))
    }

    /// Who uploaded it.
    async fn uploaded_by(&self, ctx: &Context<'_>) -> AppResult<Option<UserNode>> {
        load_user(ctx, self.0.uploaded_by).await
    }

    /// Where to download it: `GET` this path with the same `Authorization` header. The answer
    /// has a strong `ETag` and `Cache-Control: private, max-age=…`: send `If-None-Match` to get
    /// `304`, and `Range: bytes=…` to resume a download (`206`).
    async fn download_path(&self) -> String {
        format!("/attachments/{}", ids::encode(IdKind::Attachment, self.0.id).as_str())
    }

    /// A small preview for list screens (a JPEG, or a PNG for images with transparency, at
    /// most 320 pixels a side, upright): `GET` this path as `downloadPath`. Null for documents,
    /// HEIC photos and images that could not be read.
    async fn thumbnail_path(&self) -> Option<String> {
        self.0.thumbnail_type.as_ref().map(|_| {
            format!(
                "/attachments/{}?size=thumb",
                ids::encode(IdKind::Attachment, self.0.id).as_str()
            )
        })
    }

    /// When it was uploaded.
    async fn created_at(&self) -> DateTime<Utc> {
        to_utc(self.0.created_at)
    }
}

#[derive(Default)]
pub struct AttachmentQuery;

#[Object]
impl AttachmentQuery {
    /// The attachments of a request the caller may see (company staff see the public ones).
    async fn request_attachments(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The request's id.")] request_id: ID,
    ) -> AppResult<Vec<AttachmentNode>> {
        let actor = ctx.actor()?;
        let request_id = ids::decode::<RequestId>(IdKind::Request, &request_id, "requestId")?;
        Ok(service::of_request(ctx.state(), actor, request_id)
            .await?
            .into_iter()
            .map(AttachmentNode)
            .collect())
    }
}

/// The stored attachment.
#[derive(SimpleObject)]
pub struct AddAttachmentPayload {
    /// The attachment.
    pub attachment: AttachmentNode,
}

#[derive(Default)]
pub struct AttachmentMutation;

#[Object]
impl AttachmentMutation {
    /// Adds a photo or document to a request (send as a GraphQL multipart request). Accepted:
    /// JPEG, PNG, WebP, HEIC, PDF, Word and Excel, up to the configured size.
    async fn add_attachment(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The request's id.")] request_id: ID,
        #[graphql(desc = "The file (multipart upload).")] file: Upload,
        #[graphql(desc = "A timeline event of the request the file belongs to.")] event_id: Option<ID>,
        #[graphql(desc = "Visible to officials only (not for company staff; default false).")] internal: Option<bool>,
        #[graphql(
            desc = "A client-generated key (e.g. a UUID): sending the same file again with the same key returns the first attachment and stores nothing."
        )]
        idempotency_key: Option<String>,
    ) -> AppResult<AddAttachmentPayload> {
        let actor = ctx.actor()?;
        let request_id = ids::decode::<RequestId>(IdKind::Request, &request_id, "requestId")?;
        let event_id = event_id
            .map(|id| ids::decode(IdKind::Event, &id, "eventId"))
            .transpose()?;
        let upload = file
            .value(ctx)
            .map_err(|_| AppError::bad_field("file", AttachmentsReason::ATTACHMENT_NOT_AN_UPLOAD))?;
        let incoming = IncomingFile {
            file_name: upload.filename,
            content: upload.content,
        };
        let attachment = service::attach(
            ctx.state(),
            actor,
            request_id,
            event_id,
            internal.unwrap_or(false),
            incoming,
            idempotency_key.as_deref(),
        )
        .await?;
        Ok(AddAttachmentPayload {
            attachment: AttachmentNode(attachment),
        })
    }
}
