//! `GET /export/requests.csv`: the ledger (台账) for admins, streamed page by page, with the
//! `requests` filter as query-string parameters.

use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use futures_util::StreamExt;

use super::http::{app_error, reader_locale, require_caller};
use super::routes::ServerData;
use crate::stats::export;

pub async fn export_requests(request: HttpRequest, data: web::Data<ServerData>) -> HttpResponse {
    let actor = match require_caller(&data.state, &request).await {
        Ok(actor) => actor,
        Err(response) => return response,
    };
    let chunks = match export::for_admin(&data.state, &actor, request.query_string()).await {
        Ok(chunks) => chunks,
        Err(error) => {
            let status = match error.code() {
                "FORBIDDEN" => StatusCode::FORBIDDEN,
                _ => StatusCode::BAD_REQUEST,
            };
            return app_error(reader_locale(&request, Some(actor.locale)), status, &error);
        }
    };
    let chunks = chunks.map(|chunk| {
        chunk.map(web::Bytes::from).map_err(|error| {
            tracing::error!(error = ?error, "ledger export failed part-way");
            actix_web::error::ErrorInternalServerError("the export failed part-way")
        })
    });
    HttpResponse::Ok()
        .content_type("text/csv; charset=utf-8")
        .insert_header(("Content-Disposition", "attachment; filename=\"requests.csv\""))
        .insert_header(("Cache-Control", "private, no-store"))
        .streaming(chunks)
}

/// `GET /export/projects.csv` and `GET /export/procedures.csv`: the key projects and their
/// procedures for admins, through the one safe CSV writer.
async fn export_projects_as(
    request: HttpRequest,
    data: web::Data<ServerData>,
    kind: crate::projects::service::ExportKind,
    filename: &'static str,
) -> HttpResponse {
    let actor = match require_caller(&data.state, &request).await {
        Ok(actor) => actor,
        Err(response) => return response,
    };
    match crate::projects::service::export_csv(&data.state, &actor, kind).await {
        Ok(bytes) => HttpResponse::Ok()
            .content_type("text/csv; charset=utf-8")
            .insert_header(("Content-Disposition", format!("attachment; filename=\"{filename}\"")))
            .insert_header(("Cache-Control", "private, no-store"))
            .body(bytes),
        Err(error) => {
            let status = match error.code() {
                "FORBIDDEN" => StatusCode::FORBIDDEN,
                "INTERNAL" => StatusCode::INTERNAL_SERVER_ERROR,
                _ => StatusCode::BAD_REQUEST,
            };
            app_error(reader_locale(&request, Some(actor.locale)), status, &error)
        }
    }
}

pub async fn export_projects(request: HttpRequest, data: web::Data<ServerData>) -> HttpResponse {
    export_projects_as(
        request,
        data,
        crate::projects::service::ExportKind::Projects,
        "projects.csv",
    )
    .await
}

pub async fn export_procedures(request: HttpRequest, data: web::Data<ServerData>) -> HttpResponse {
    export_projects_as(
        request,
        data,
        crate::projects::service::ExportKind::Procedures,
        "procedures.csv",
    )
    .await
}
