//! The daemon's error type: every failure of a service call, with a stable code, the field at
//! fault when there is one, and the class that decides the HTTP status.

use vahti_domain::ErrorCode;
use vahti_store::StoreError;

use crate::actors::ActorError;

/// The class of a failure, which the HTTP layer maps to a status code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorClass {
    /// The request is malformed or a value is invalid (400).
    BadRequest,
    /// The request is well-formed but breaks a rule of the domain (422).
    Unprocessable,
    /// No such resource for this tenant (404).
    NotFound,
    /// The request conflicts with the current state (409).
    Conflict,
    /// The daemon or the database cannot serve the request now (503).
    Unavailable,
    /// A bug or an unexpected failure (500).
    Internal,
}

/// A failed service call.
#[derive(Debug, Clone, thiserror::Error)]
#[error("{message}")]
pub struct ServiceError {
    class: ErrorClass,
    code: String,
    field: Option<String>,
    message: String,
}

impl ServiceError {
    /// An invalid value in the request.
    pub fn invalid(
        code: &str,
        field: impl Into<Option<String>>,
        message: impl Into<String>,
    ) -> Self {
        ServiceError::new(ErrorClass::BadRequest, code, field.into(), message)
    }

    /// A request that breaks a rule of the domain.
    pub fn unprocessable(
        code: &str,
        field: impl Into<Option<String>>,
        message: impl Into<String>,
    ) -> Self {
        ServiceError::new(ErrorClass::Unprocessable, code, field.into(), message)
    }

    /// A resource that does not exist for the tenant.
    pub fn not_found(code: &str, message: impl Into<String>) -> Self {
        ServiceError::new(ErrorClass::NotFound, code, None, message)
    }

    /// A request that conflicts with the current state.
    pub fn conflict(
        code: &str,
        field: impl Into<Option<String>>,
        message: impl Into<String>,
    ) -> Self {
        ServiceError::new(ErrorClass::Conflict, code, field.into(), message)
    }

    /// An unexpected failure.
    pub fn internal(message: impl Into<String>) -> Self {
        ServiceError::new(ErrorClass::Internal, "internal_error", None, message)
    }

    /// A domain error from a value in the request, with the field it came from: a 422, like
    /// every well-formed value that a rule does not allow.
    pub fn from_domain<E: ErrorCode + std::fmt::Display>(field: &str, error: &E) -> Self {
        ServiceError::unprocessable(error.code(), Some(field.to_owned()), error.to_string())
    }

    fn new(
        class: ErrorClass,
        code: &str,
        field: Option<String>,
        message: impl Into<String>,
    ) -> Self {
        ServiceError {
            class,
            code: code.to_owned(),
            field,
            message: message.into(),
        }
    }

    /// The class of the failure.
    pub fn class(&self) -> ErrorClass {
        self.class
    }

    /// The stable machine-readable code.
    pub fn code(&self) -> &str {
        &self.code
    }

    /// The request field at fault, if any.
    pub fn field(&self) -> Option<&str> {
        self.field.as_deref()
    }

    /// The human-readable message.
    pub fn message(&self) -> &str {
        &self.message
    }

    /// Sets the field at fault.
    pub fn with_field(mut self, field: impl Into<String>) -> Self {
        self.field = Some(field.into());
        self
    }
}

impl From<StoreError> for ServiceError {
    fn from(error: StoreError) -> Self {
        let class = match &error {
            StoreError::NotFound { .. } => ErrorClass::NotFound,
            StoreError::Conflict { .. } | StoreError::ConstraintViolated { .. } => {
                ErrorClass::Conflict
            }
            StoreError::Unavailable { .. } => ErrorClass::Unavailable,
            StoreError::InvalidInput { .. } => ErrorClass::BadRequest,
            _ => ErrorClass::Internal,
        };
        let field = match &error {
            StoreError::Conflict { field, .. } | StoreError::ConstraintViolated { field, .. } => {
                Some(field.clone())
            }
            _ => None,
        };
        if class == ErrorClass::Internal {
            tracing::error!(error = %error, code = error.code(), "database error");
        }
        ServiceError::new(class, error.code(), field, error.to_string())
    }
}

impl From<ActorError> for ServiceError {
    fn from(error: ActorError) -> Self {
        let class = match &error {
            ActorError::JobPanicked { .. } => ErrorClass::Internal,
            ActorError::ShuttingDown | ActorError::Unavailable { .. } => ErrorClass::Unavailable,
        };
        ServiceError::new(class, error.code(), None, error.to_string())
    }
}

/// The result of a service call.
pub type ServiceResult<T> = Result<T, ServiceError>;
