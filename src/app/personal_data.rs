//! `GET /export/my-data.json`: the caller's own personal data (PIPL right of access) as a JSON
//! download, the same document as the `myPersonalData` query.

use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};

use super::http::{app_error, reader_locale, require_caller};
use super::routes::ServerData;

pub async fn download(request: HttpRequest, data: web::Data<ServerData>) -> HttpResponse {
    let actor = match require_caller(&data.state, &request).await {
        Ok(actor) => actor,
        Err(response) => return response,
    };
    match crate::privacy::service::my_personal_data(&data.state, &actor).await {
        Ok(document) => HttpResponse::Ok()
            .content_type("application/json; charset=utf-8")
            .insert_header(("Content-Disposition", "attachment; filename=\"my-data.json\""))
            .insert_header(("Cache-Control", "private, no-store"))
            .body(serde_json::to_string_pretty(&document).unwrap_or_default()),
        Err(error) => app_error(
            reader_locale(&request, Some(actor.locale)),
            StatusCode::SERVICE_UNAVAILABLE,
            &error,
        ),
    }
}
