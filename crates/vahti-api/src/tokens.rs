//! API tokens of a tenant.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// Body of `POST /v1/tokens`: creates an API token for the calling tenant.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct CreateTokenRequest {
    /// A name that says where the token is used, such as `billing-prod`.
    pub name: String,
}

/// A new API token with its plain value, returned once by `POST /v1/tokens` and
/// `POST /v1/tenants`.
///
/// The server stores only a hash of the token, so the plain value cannot be read again. Send it
/// as `Authorization: Bearer <token>`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CreatedToken {
    /// Vahti's id of the token.
    pub id: i64,
    /// The token's name.
    pub name: String,
    /// The first characters of the token, which lists show so that a person can recognise it.
    pub prefix: String,
    /// The plain token. It is shown only in this response.
    pub token: String,
    /// When the token was created.
    pub created_at: DateTime<Utc>,
}

/// An API token without its secret, in the pages of `GET /v1/tokens` and as the response of
/// `DELETE /v1/tokens/{id}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ApiToken {
    /// Vahti's id of the token.
    pub id: i64,
    /// The token's name.
    pub name: String,
    /// The first characters of the token.
    pub prefix: String,
    /// When the token was created.
    pub created_at: DateTime<Utc>,
    /// When the token last authenticated a request, or `null` if it never has.
    #[serde(default)]
    pub last_used_at: Option<DateTime<Utc>>,
    /// When the token was revoked; `null` while it is valid.
    #[serde(default)]
    pub revoked_at: Option<DateTime<Utc>>,
}
