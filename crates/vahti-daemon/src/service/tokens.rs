//! API tokens of a tenant: creation with the secret shown once, listing and revocation.

use chrono::{DateTime, Utc};
use vahti_domain::ids::TenantId;
use vahti_store::Tx;
use vahti_store::ids::TokenId;
use vahti_store::tokens::{self, ApiToken, GeneratedToken};

use crate::error::{ServiceError, ServiceResult};

/// Maximum length in characters of a token's name.
pub const MAX_TOKEN_NAME_CHARS: usize = 100;

/// Checks a token name and returns it without surrounding white space.
pub fn validate_name(name: &str) -> ServiceResult<String> {
    let trimmed = name.trim();
    let length = trimmed.chars().count();
    if length == 0 || length > MAX_TOKEN_NAME_CHARS || trimmed.chars().any(char::is_control) {
        return Err(ServiceError::unprocessable(
            "value_invalid",
            Some("name".to_owned()),
            format!(
                "token name {name:?} is invalid: use 1 to {MAX_TOKEN_NAME_CHARS} characters without control characters, such as \"billing-prod\""
            ),
        ));
    }
    Ok(trimmed.to_owned())
}

/// Creates a token for the tenant and returns it with its secret, which is not stored.
pub fn create(
    tx: &mut Tx<'_>,
    tenant: TenantId,
    name: &str,
    now: DateTime<Utc>,
) -> ServiceResult<(ApiToken, GeneratedToken)> {
    let name = validate_name(name)?;
    Ok(tokens::create(tx, tenant, &name, now)?)
}

/// Lists the tenant's tokens, revoked ones included, oldest first.
pub fn list(tx: &mut Tx<'_>, tenant: TenantId) -> ServiceResult<Vec<ApiToken>> {
    Ok(tokens::list(tx, tenant)?)
}

/// Revokes one of the tenant's tokens and returns it. Revoking a revoked token keeps the first
/// revocation time. A token of another tenant is not found.
///
/// The caller must also drop the token from the authentication cache
/// ([`crate::http::auth::forget_token`]) so that it stops working at once.
pub fn revoke(
    tx: &mut Tx<'_>,
    tenant: TenantId,
    id: TokenId,
    now: DateTime<Utc>,
) -> ServiceResult<ApiToken> {
    let owned = tokens::list(tx, tenant)?
        .into_iter()
        .any(|token| token.id == id);
    if !owned {
        return Err(not_found(id));
    }
    tokens::revoke(tx, id, now)?;
    tokens::list(tx, tenant)?
        .into_iter()
        .find(|token| token.id == id)
        .ok_or_else(|| not_found(id))
}

fn not_found(id: TokenId) -> ServiceError {
    ServiceError::not_found(
        "token_not_found",
        format!("API token {id} not found; list the tenant's tokens with GET /v1/tokens"),
    )
}
