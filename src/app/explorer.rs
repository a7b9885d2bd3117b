//! The explorer: the GraphiQL page on `GET /graphql` and every asset it needs on
//! `GET /graphql/assets/{name}`, all embedded in the binary (`assets/explorer/`, see its
//! README), so the explorer works on an intranet with no way out. The page and its scripts
//! name only this server's paths, and its Content-Security-Policy lets the browser load
//! nothing from anywhere else.

use std::sync::OnceLock;

use actix_web::http::header;
use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use sha2::{Digest, Sha256};

use super::http::{reader_locale, request_error, HttpReason};
use crate::error::Message;

/// The page's policy: scripts, styles, fonts and images from this server only (the bundled
/// CSS carries its icons and fonts as `data:` URLs), requests to this server only (`'self'`
/// covers the same host's websocket in CSP Level 3), no frames, no plugins, no `<base>`.
/// https://www.w3.org/TR/CSP3/#match-url-to-source-expression
pub const CONTENT_SECURITY_POLICY: &str = "default-src 'none'; script-src 'self'; style-src 'self'; \
     img-src 'self' data:; font-src 'self' data:; connect-src 'self'; form-action 'self'; \
     frame-ancestors 'none'; base-uri 'none'; object-src 'none'";

struct Asset {
    name: &'static str,
    content_type: &'static str,
    bytes: &'static [u8],
}

const PAGE: &[u8] = include_bytes!("../../assets/explorer/index.html");

const ASSETS: &[Asset] = &[
    Asset {
        name: "graphiql-bundle.min.js",
        content_type: "text/javascript; charset=utf-8",
        bytes: include_bytes!("../../assets/explorer/vendor/graphiql-bundle.min.js"),
    },
    Asset {
        name: "graphiql-bundle.min.css",
        content_type: "text/css; charset=utf-8",
        bytes: include_bytes!("../../assets/explorer/vendor/graphiql-bundle.min.css"),
    },
    Asset {
        name: "explorer.js",
        content_type: "text/javascript; charset=utf-8",
        bytes: include_bytes!("../../assets/explorer/explorer.js"),
    },
    Asset {
        name: "explorer.css",
        content_type: "text/css; charset=utf-8",
        bytes: include_bytes!("../../assets/explorer/explorer.css"),
    },
];

/// A strong validator for each asset: the first 16 bytes of its SHA-256, computed once.
fn etag(index: usize) -> &'static str {
    static TAGS: OnceLock<Vec<String>> = OnceLock::new();
    &TAGS.get_or_init(|| {
        ASSETS
            .iter()
            .map(|asset| {
                let digest = Sha256::digest(asset.bytes);
                let hex: String = digest[..16].iter().map(|b| format!("{b:02x}")).collect();
                format!("\"{hex}\"")
            })
            .collect()
    })[index]
}

/// `GET /graphql`: the explorer page (operations are never executed from a GET).
pub async fn page(request: HttpRequest) -> HttpResponse {
    if request.query_string().contains("query=") {
        return request_error(
            reader_locale(&request, None),
            StatusCode::METHOD_NOT_ALLOWED,
            "BAD_REQUEST",
            Message::new(HttpReason::GET_NOT_ALLOWED),
        );
    }
    HttpResponse::Ok()
        .content_type("text/html; charset=utf-8")
        .insert_header((header::CONTENT_SECURITY_POLICY, CONTENT_SECURITY_POLICY))
        .insert_header((header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
        .insert_header((header::REFERRER_POLICY, "no-referrer"))
        // The page is small and names the assets; it is fetched again each time so that a new
        // binary's page never points at an old cached script.
        .insert_header((header::CACHE_CONTROL, "no-cache"))
        .body(PAGE)
}

/// `GET /graphql/assets/{name}`: one embedded asset. Browsers revalidate with the ETag
/// (`no-cache`), so an upgrade is seen at once and an unchanged asset costs a `304`.
/// https://www.rfc-editor.org/rfc/rfc9111#section-5.2.2.4
pub async fn asset(request: HttpRequest, name: web::Path<String>) -> HttpResponse {
    let Some(index) = ASSETS.iter().position(|a| a.name == name.as_str()) else {
        return request_error(
            reader_locale(&request, None),
            StatusCode::NOT_FOUND,
            "NOT_FOUND",
            Message::new(HttpReason::NO_SUCH_ASSET),
        );
    };
    let asset = &ASSETS[index];
    let tag = etag(index);
    let matches = request
        .headers()
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| {
            v.split(',')
                .any(|candidate| candidate.trim() == tag || candidate.trim() == "*")
        });
    let mut response = if matches {
        HttpResponse::NotModified()
    } else {
        HttpResponse::Ok()
    };
    response
        .insert_header((header::ETAG, tag))
        .insert_header((header::CACHE_CONTROL, "no-cache"))
        .insert_header((header::X_CONTENT_TYPE_OPTIONS, "nosniff"));
    if matches {
        return response.finish();
    }
    response.content_type(asset.content_type).body(asset.bytes)
}
