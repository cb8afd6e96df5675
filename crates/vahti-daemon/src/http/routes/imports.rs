//! `POST /v1/imports/invoices` and `POST /v1/imports/payments`: the body is the file itself.

use actix_web::http::StatusCode;
use actix_web::http::header::{self, ContentDisposition};
use actix_web::{HttpRequest, HttpResponse, web};
use futures::StreamExt;
use vahti_api::limits::MAX_IMPORT_BODY_BYTES;
use vahti_api::paths;

use crate::app::App;
use crate::http::auth::TenantAuth;
use crate::http::error::{ApiError, ApiResult};
use crate::service::imports;

/// The media types an imported file may be sent as. A request without `Content-Type` is read
/// as `application/octet-stream`.
const ACCEPTED_TYPES: [&str; 4] = [
    "application/xml",
    "text/xml",
    "text/plain",
    "application/octet-stream",
];

/// Registers the import routes.
pub fn configure(config: &mut web::ServiceConfig) {
    config
        .route(paths::IMPORT_INVOICES, web::post().to(import_invoices))
        .route(paths::IMPORT_PAYMENTS, web::post().to(import_payments));
}

async fn import_invoices(
    auth: TenantAuth,
    app: web::Data<App>,
    request: HttpRequest,
    payload: web::Payload,
) -> ApiResult<HttpResponse> {
    let (bytes, file_name) = read_file(&request, payload).await?;
    let report = imports::import_invoices(&app, auth.tenant, bytes, file_name).await?;
    Ok(HttpResponse::Ok().json(report))
}

async fn import_payments(
    auth: TenantAuth,
    app: web::Data<App>,
    request: HttpRequest,
    payload: web::Payload,
) -> ApiResult<HttpResponse> {
    let (bytes, file_name) = read_file(&request, payload).await?;
    let report = imports::import_payments(&app, auth.tenant, bytes, file_name).await?;
    Ok(HttpResponse::Ok().json(report))
}

/// Checks the media type and reads the body up to the import limit. The file name comes from a
/// `Content-Disposition` header when the client sends one.
async fn read_file(
    request: &HttpRequest,
    mut payload: web::Payload,
) -> Result<(Vec<u8>, String), ApiError> {
    check_content_type(request)?;

    let mut bytes = Vec::new();
    while let Some(chunk) = payload.next().await {
        let chunk = chunk.map_err(|error| {
            ApiError::bad_request(
                "body_invalid",
                None,
                format!("the file could not be read: {error}"),
            )
        })?;
        if bytes.len().saturating_add(chunk.len()) > MAX_IMPORT_BODY_BYTES {
            return Err(ApiError::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                "body_too_large",
                None,
                format!(
                    "the file is larger than the limit of {MAX_IMPORT_BODY_BYTES} bytes; split it into smaller files"
                ),
            ));
        }
        bytes.extend_from_slice(&chunk);
    }

    let file_name = request
        .headers()
        .get(header::CONTENT_DISPOSITION)
        .and_then(|value| ContentDisposition::from_raw(value).ok())
        .and_then(|disposition| disposition.get_filename().map(str::to_owned))
        .unwrap_or_default();
    Ok((bytes, file_name))
}

fn check_content_type(request: &HttpRequest) -> Result<(), ApiError> {
    let Some(value) = request.headers().get(header::CONTENT_TYPE) else {
        return Ok(());
    };
    let media_type = value
        .to_str()
        .ok()
        .and_then(|text| text.split(';').next())
        .map(|text| text.trim().to_ascii_lowercase())
        .unwrap_or_default();
    if ACCEPTED_TYPES.contains(&media_type.as_str()) {
        Ok(())
    } else {
        Err(ApiError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "content_type_unsupported",
            None,
            format!(
                "Content-Type {media_type:?} is not accepted for an imported file: send the file as {}",
                ACCEPTED_TYPES.join(", ")
            ),
        ))
    }
}
