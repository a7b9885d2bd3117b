//! `GET /attachments/{id}`: an attachment's file, for a caller who may see its request, streamed
//! from the file store (never read whole into memory); `?size=thumb` gives its thumbnail.
//!
//! So that a phone's image cache works, each answer carries a strong `ETag` (the content's
//! SHA-256: the file under an id never changes) and `Cache-Control: private, max-age=…`; a
//! request with a matching `If-None-Match` is answered `304 Not Modified` without touching the
//! store, and `Range: bytes=…` (with `If-Range`) is answered `206 Partial Content`, so a broken
//! download resumes. HTTP semantics: RFC 9110 §13 (conditional requests) and §14 (range
//! requests), https://www.rfc-editor.org/rfc/rfc9110#section-14.

use actix_web::body::SizedStream;
use actix_web::http::header::{self, ByteRangeSpec, EntityTag, Header, IfNoneMatch, IfRange};
use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse, HttpResponseBuilder};
use futures_util::TryStreamExt;
use percent_encoding::{utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};

use super::http::{app_error, reader_locale, request_error, require_caller, HttpReason};
use super::routes::ServerData;
use crate::attachments::errors::AttachmentsReason;
use crate::attachments::model::Attachment;
use crate::attachments::service as attachments_service;
use crate::error::{AppError, Message};
use crate::graphql::ids::{self, IdKind};
use crate::i18n::Locale;

/// What stays unescaped in `filename*=UTF-8''…`: letters, digits and `-._` (a subset of
/// RFC 5987's `attr-char`, https://www.rfc-editor.org/rfc/rfc5987#section-3.2.1).
const FILE_NAME: &AsciiSet = &NON_ALPHANUMERIC.remove(b'-').remove(b'.').remove(b'_');

/// Which representation of the attachment is asked for.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Size {
    Full,
    Thumb,
}

pub async fn download(request: HttpRequest, path: web::Path<String>, data: web::Data<ServerData>) -> HttpResponse {
    let actor = match require_caller(&data.state, &request).await {
        Ok(actor) => actor,
        Err(response) => return response,
    };
    let locale = reader_locale(&request, Some(actor.locale));
    let not_found = |reason| request_error(locale, StatusCode::NOT_FOUND, "NOT_FOUND", Message::new(reason));
    let Ok(id) = ids::decode(IdKind::Attachment, &path.into_inner().into(), "id") else {
        return not_found(AttachmentsReason::ATTACHMENT_NOT_FOUND);
    };
    let size = match web::Query::<Vec<(String, String)>>::from_query(request.query_string())
        .map(|q| q.into_inner())
        .unwrap_or_default()
        .iter()
        .find(|(name, _)| name == "size")
        .map(|(_, value)| value.as_str())
    {
        None | Some("full") => Size::Full,
        Some("thumb") => Size::Thumb,
        Some(_) => {
            return request_error(
                locale,
                StatusCode::BAD_REQUEST,
                "BAD_USER_INPUT",
                Message::new(AttachmentsReason::ATTACHMENT_SIZE_UNKNOWN),
            )
        }
    };
    let found = match size {
        Size::Full => attachments_service::open(&data.state, &actor, id)
            .await
            .map(|attachment| (attachment, None)),
        Size::Thumb => attachments_service::open_thumbnail(&data.state, &actor, id)
            .await
            .map(|(attachment, bytes)| (attachment, Some(bytes))),
    };
    let (attachment, thumbnail) = match found {
        Ok(found) => found,
        Err(AppError::NotFound(message)) => {
            return request_error(locale, StatusCode::NOT_FOUND, "NOT_FOUND", message);
        }
        Err(error) => {
            tracing::error!(error = ?error, "attachment lookup failed");
            return app_error(locale, StatusCode::SERVICE_UNAVAILABLE, &error);
        }
    };

    let etag = EntityTag::new_strong(match size {
        Size::Full => attachment.sha256.clone(),
        Size::Thumb => format!("{}-thumb", attachment.sha256),
    });
    let cache_control = format!("private, max-age={}", data.state.config.attachments_cache.as_secs());
    let headers = |builder: &mut HttpResponseBuilder| {
        builder
            .insert_header((header::ETAG, etag.to_string()))
            .insert_header((header::CACHE_CONTROL, cache_control.clone()))
            .insert_header((header::ACCEPT_RANGES, "bytes"))
            .insert_header(("X-Content-Type-Options", "nosniff"));
    };
    // The phone already has this file: nothing is read from the store (RFC 9110 §13.1.2 uses
    // the weak comparison for If-None-Match).
    if let Ok(IfNoneMatch::Any) = IfNoneMatch::parse(&request) {
        let mut builder = HttpResponse::NotModified();
        headers(&mut builder);
        return builder.finish();
    }
    if let Ok(IfNoneMatch::Items(tags)) = IfNoneMatch::parse(&request) {
        if tags.iter().any(|tag| tag.weak_eq(&etag)) {
            let mut builder = HttpResponse::NotModified();
            headers(&mut builder);
            return builder.finish();
        }
    }

    let (length, content_type, disposition) = match &thumbnail {
        Some(bytes) => (
            bytes.len() as u64,
            attachment.thumbnail_type.clone().unwrap_or_else(|| "image/jpeg".into()),
            "inline".to_string(),
        ),
        None => (
            attachment.size_bytes.max(0) as u64,
            attachment.content_type.clone(),
            format!(
                "attachment; filename*=UTF-8''{}",
                utf8_percent_encode(&attachment.file_name, FILE_NAME)
            ),
        ),
    };
    let range = match requested_range(&request, &etag, length) {
        Ok(range) => range,
        Err(()) => {
            let mut builder = HttpResponse::RangeNotSatisfiable();
            headers(&mut builder);
            return builder
                .insert_header((header::CONTENT_RANGE, format!("bytes */{length}")))
                .finish();
        }
    };
    let mut builder = match range {
        Some((first, last)) => {
            let mut builder = HttpResponse::PartialContent();
            builder.insert_header((header::CONTENT_RANGE, format!("bytes {first}-{last}/{length}")));
            builder
        }
        None => HttpResponse::Ok(),
    };
    headers(&mut builder);
    builder
        .content_type(content_type.as_str())
        .insert_header((header::CONTENT_DISPOSITION, disposition));
    let (first, last) = range.unwrap_or((0, length.saturating_sub(1)));
    if let Some(bytes) = thumbnail {
        let part = if length == 0 {
            Vec::new()
        } else {
            bytes[first as usize..=last as usize].to_vec()
        };
        return builder.body(part);
    }
    stream_file(
        builder,
        &data,
        &attachment,
        range.map(|(first, last)| first..last + 1),
        locale,
    )
    .await
}

/// The part of the representation a `Range` header asks for, as an inclusive pair: `None` for
/// the whole (no `Range`, an `If-Range` that no longer matches, several ranges or a malformed
/// header, all of which RFC 9110 §14.2 lets a server answer whole); `Err` when not satisfiable.
fn requested_range(request: &HttpRequest, etag: &EntityTag, length: u64) -> Result<Option<(u64, u64)>, ()> {
    let Ok(header::Range::Bytes(specs)) = header::Range::parse(request) else {
        return Ok(None);
    };
    if request.headers().contains_key(header::IF_RANGE) {
        match IfRange::parse(request) {
            Ok(IfRange::EntityTag(tag)) if tag.strong_eq(etag) => {}
            _ => return Ok(None),
        }
    }
    let [spec]: [ByteRangeSpec; 1] = match specs.try_into() {
        Ok(one) => one,
        Err(_) => return Ok(None),
    };
    spec.to_satisfiable_range(length).map(Some).ok_or(())
}

/// The file (or a part of it) from the store, streamed chunk by chunk into the answer.
async fn stream_file(
    mut builder: HttpResponseBuilder,
    data: &ServerData,
    attachment: &Attachment,
    range: Option<std::ops::Range<u64>>,
    locale: Locale,
) -> HttpResponse {
    match attachments_service::read(&data.state, attachment, range).await {
        Ok(blob) => {
            let length = blob.range.end - blob.range.start;
            let attachment_id = attachment.id;
            let stream = blob.stream.map_err(move |error| {
                tracing::error!(error = %error, attachment_id, "reading an attachment from the store failed mid-way");
                error
            });
            builder.body(SizedStream::new(length, stream))
        }
        Err(error @ AppError::Unavailable(_)) => {
            tracing::error!(error = ?error, attachment_id = attachment.id, "attachment store unavailable");
            app_error(locale, StatusCode::SERVICE_UNAVAILABLE, &error)
        }
        Err(error) => {
            tracing::error!(error = ?error, attachment_id = attachment.id, "attachment file unreadable");
            request_error(
                locale,
                StatusCode::INTERNAL_SERVER_ERROR,
                "INTERNAL",
                Message::new(HttpReason::FILE_UNREADABLE),
            )
        }
    }
}
