//! Which answers are compressed. actix-web's `Compress` middleware encodes with gzip or brotli
//! whatever the client accepts (`Accept-Encoding`) unless the answer already has a
//! `Content-Encoding` (https://docs.rs/actix-web/4.18.1/actix_web/middleware/struct.Compress.html);
//! on a phone's mobile data only text worth it should be: JSON, the explorer's scripts and
//! styles, the CSV ledger, above [`MIN_BYTES`]. Files (photos, PDFs) are compressed already.
//!
//! [`choose`] runs inside `Compress` and marks the answers to leave alone with
//! `Content-Encoding: identity`; [`unmark`] runs outside it and takes the marker off again, so
//! the client never sees it (RFC 9110 §8.4.1 keeps `identity` out of `Content-Encoding`).

use actix_web::body::{BodySize, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{self, HeaderValue};
use actix_web::middleware::Next;

/// Answers smaller than this are sent as they are: below about one packet the saving is nil.
pub const MIN_BYTES: u64 = 1024;

/// True for the content types worth compressing.
fn compressible(content_type: Option<&str>) -> bool {
    let Some(content_type) = content_type else {
        return false;
    };
    let essence = content_type.split(';').next().unwrap_or("").trim().to_ascii_lowercase();
    essence.starts_with("text/")
        || essence == "application/json"
        || essence.ends_with("+json")
        || essence == "application/javascript"
        || essence == "application/xml"
        || essence == "image/svg+xml"
}

/// Marks the answers that are not to be compressed (inside `Compress`).
pub async fn choose(
    request: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let mut response = next.call(request).await?;
    let head = response.response();
    let content_type = head.headers().get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok());
    let small = match head.body().size() {
        BodySize::Sized(n) => n < MIN_BYTES,
        BodySize::None => true,
        BodySize::Stream => false,
    };
    if !head.headers().contains_key(header::CONTENT_ENCODING) && (small || !compressible(content_type)) {
        response
            .headers_mut()
            .insert(header::CONTENT_ENCODING, HeaderValue::from_static("identity"));
    }
    Ok(response)
}

/// Takes the marker of [`choose`] off (outside `Compress`).
pub async fn unmark(
    request: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let mut response = next.call(request).await?;
    let marked = response
        .headers()
        .get(header::CONTENT_ENCODING)
        .is_some_and(|v| v.as_bytes().eq_ignore_ascii_case(b"identity"));
    if marked {
        response.headers_mut().remove(header::CONTENT_ENCODING);
    }
    Ok(response)
}

#[cfg(test)]
mod tests {
    use super::compressible;

    #[test]
    fn text_is_compressible_and_files_are_not() {
        for yes in [
            "application/json",
            "application/graphql-response+json; charset=utf-8",
            "text/csv; charset=utf-8",
            "text/html",
            "application/javascript",
        ] {
            assert!(compressible(Some(yes)), "{yes}");
        }
        for no in [
            "image/jpeg",
            "application/pdf",
            "application/zip",
            "application/octet-stream",
        ] {
            assert!(!compressible(Some(no)), "{no}");
        }
        assert!(!compressible(None));
    }
}
