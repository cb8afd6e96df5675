//! The one mapping from service errors to HTTP responses.
//!
//! Every error response has the body `{"error": {"code", "message", "field"}}` with a stable code
//! and the status of its class. Malformed JSON, paths and query strings get the same shape, so a
//! client never sees a bare text error and bad input never yields a 500.

use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpResponse, ResponseError};
use vahti_api::{ApiError as WireError, ApiErrorBody, ErrorCode};

use crate::error::{ErrorClass, ServiceError};

/// An error as the HTTP layer returns it.
#[derive(Debug)]
pub struct ApiError {
    status: StatusCode,
    body: ApiErrorBody,
}

impl ApiError {
    /// An error with an explicit status.
    pub fn new(
        status: StatusCode,
        code: &str,
        field: Option<String>,
        message: impl Into<String>,
    ) -> Self {
        ApiError {
            status,
            body: ApiErrorBody {
                error: WireError {
                    code: ErrorCode::parse(code),
                    message: message.into(),
                    field,
                },
            },
        }
    }

    /// A 400 for an invalid value.
    pub fn bad_request(code: &str, field: Option<String>, message: impl Into<String>) -> Self {
        ApiError::new(StatusCode::BAD_REQUEST, code, field, message)
    }

    /// A 401 for a missing or wrong token.
    pub fn unauthorized(message: impl Into<String>) -> Self {
        ApiError::new(StatusCode::UNAUTHORIZED, "unauthorized", None, message)
    }

    /// A 404 for a resource the tenant does not have.
    pub fn not_found(code: &str, message: impl Into<String>) -> Self {
        ApiError::new(StatusCode::NOT_FOUND, code, None, message)
    }

    /// The HTTP status.
    pub fn status(&self) -> StatusCode {
        self.status
    }

    /// The stable code.
    pub fn code(&self) -> &str {
        self.body.error.code.as_str()
    }
}

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} ({}): {}",
            self.status,
            self.code(),
            self.body.error.message
        )
    }
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        self.status
    }

    fn error_response(&self) -> HttpResponse {
        let mut response = HttpResponse::build(self.status);
        if self.status == StatusCode::UNAUTHORIZED {
            response.insert_header((
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static("Bearer realm=\"vahti\""),
            ));
        }
        if self.status == StatusCode::SERVICE_UNAVAILABLE
            || self.status == StatusCode::TOO_MANY_REQUESTS
        {
            response.insert_header((header::RETRY_AFTER, HeaderValue::from_static("1")));
        }
        response.json(&self.body)
    }
}

impl From<ServiceError> for ApiError {
    fn from(error: ServiceError) -> Self {
        let status = match error.class() {
            ErrorClass::BadRequest => StatusCode::BAD_REQUEST,
            ErrorClass::Unprocessable => StatusCode::UNPROCESSABLE_ENTITY,
            ErrorClass::NotFound => StatusCode::NOT_FOUND,
            ErrorClass::Conflict => StatusCode::CONFLICT,
            ErrorClass::Unavailable => StatusCode::SERVICE_UNAVAILABLE,
            ErrorClass::Internal => StatusCode::INTERNAL_SERVER_ERROR,
        };
        ApiError::new(
            status,
            error.code(),
            error.field().map(str::to_owned),
            error.message(),
        )
    }
}

impl From<vahti_store::StoreError> for ApiError {
    fn from(error: vahti_store::StoreError) -> Self {
        ApiError::from(ServiceError::from(error))
    }
}

/// The result of a handler.
pub type ApiResult<T> = Result<T, ApiError>;

/// Turns actix-web's JSON body errors into the API's error shape.
pub fn json_error(
    error: actix_web::error::JsonPayloadError,
    _request: &actix_web::HttpRequest,
) -> actix_web::Error {
    use actix_web::error::JsonPayloadError;
    let api = match &error {
        JsonPayloadError::Overflow { limit }
        | JsonPayloadError::OverflowKnownLength { limit, .. } => ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "body_too_large",
            None,
            format!(
                "the request body is larger than the limit of {limit} bytes; send fewer items per request"
            ),
        ),
        JsonPayloadError::ContentType => ApiError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "content_type_unsupported",
            None,
            "the request body must be JSON with Content-Type: application/json",
        ),
        JsonPayloadError::Deserialize(inner) => {
            let field = field_of(&inner.to_string());
            ApiError::bad_request("body_invalid", field, format!("invalid JSON body: {inner}"))
        }
        other => ApiError::bad_request(
            "body_invalid",
            None,
            format!("invalid request body: {other}"),
        ),
    };
    api.into()
}

/// Turns path parameter errors into the API's error shape.
pub fn path_error(
    error: actix_web::error::PathError,
    _request: &actix_web::HttpRequest,
) -> actix_web::Error {
    ApiError::bad_request(
        "path_invalid",
        None,
        format!("invalid path parameter: {error}"),
    )
    .into()
}

/// Turns query string errors into the API's error shape.
pub fn query_error(
    error: actix_web::error::QueryPayloadError,
    _request: &actix_web::HttpRequest,
) -> actix_web::Error {
    ApiError::bad_request(
        "query_invalid",
        None,
        format!("invalid query string: {error}"),
    )
    .into()
}

/// Picks the field name out of a serde message such as "unknown field `foo`" or "missing field
/// `bar`".
fn field_of(message: &str) -> Option<String> {
    let start = message.find('`')? + 1;
    let end = start + message.get(start..)?.find('`')?;
    message.get(start..end).map(str::to_owned)
}
