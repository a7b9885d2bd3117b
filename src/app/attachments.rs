//! `GET /attachments/{id}`: an attachment's file, for a caller who may see its request.

use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use percent_encoding::{utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};

use super::http::{app_error, reader_locale, request_error, require_caller, HttpReason};
use super::routes::ServerData;
use crate::attachments::service as attachments_service;
use crate::db::run_blocking;
use crate::error::{AppError, Message};
use crate::graphql::ids::{self, IdKind};

/// What stays unescaped in `filename*=UTF-8''…`: letters, digits and `-._` (a subset of
/// RFC 5987's `attr-char`, https://www.rfc-editor.org/rfc/rfc5987#section-3.2.1).
const FILE_NAME: &AsciiSet = &NON_ALPHANUMERIC.remove(b'-').remove(b'.').remove(b'_');

pub async fn download(request: HttpRequest, path: web::Path<String>, data: web::Data<ServerData>) -> HttpResponse {
    let actor = match require_caller(&data.state, &request).await {
        Ok(actor) => actor,
        Err(response) => return response,
    };
    let locale = reader_locale(&request, Some(actor.locale));
    let not_found = || {
        request_error(
            locale,
            StatusCode::NOT_FOUND,
            "NOT_FOUND",
            Message::new(crate::attachments::errors::AttachmentsReason::ATTACHMENT_NOT_FOUND),
        )
    };
    let Ok(id) = ids::decode(IdKind::Attachment, &path.into_inner().into(), "id") else {
        return not_found();
    };
    let (attachment, file) = match attachments_service::open(&data.state, &actor, id).await {
        Ok(found) => found,
        Err(AppError::NotFound(_)) => return not_found(),
        Err(error) => {
            tracing::error!(error = ?error, "attachment lookup failed");
            return app_error(locale, StatusCode::SERVICE_UNAVAILABLE, &error);
        }
    };
    let bytes = match run_blocking(move || std::fs::read(&file).map_err(|e| AppError::internal(format!("{e}")))).await {
        Ok(bytes) => bytes,
        Err(error) => {
            tracing::error!(error = ?error, attachment_id = attachment.id, "attachment file unreadable");
            return request_error(
                locale,
                StatusCode::INTERNAL_SERVER_ERROR,
                "INTERNAL",
                Message::new(HttpReason::FILE_UNREADABLE),
            );
        }
    };
    let encoded = utf8_percent_encode(&attachment.file_name, FILE_NAME);
    HttpResponse::Ok()
        .content_type(attachment.content_type.as_str())
        .insert_header(("Content-Disposition", format!("attachment; filename*=UTF-8''{encoded}")))
        .insert_header(("X-Content-Type-Options", "nosniff"))
        .insert_header(("Cache-Control", "private, no-store"))
        .body(bytes)
}
