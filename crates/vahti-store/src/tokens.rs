//! API tokens: generation, hashing and lookup.
//!
//! A token is `vahti_` followed by 40 random letters and digits (about 238 bits). Only its
//! SHA-256 hash and a short public prefix for lookup are stored, never the token itself. The
//! daemon authenticates a request with [`authenticate`]; the hash comparison runs in constant
//! time.

use chrono::{DateTime, Duration, Utc};
use diesel::prelude::*;
use rand::Rng;
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;
use vahti_domain::ids::TenantId;

use crate::Tx;
use crate::error::StoreError;
use crate::ids::TokenId;
use crate::reuse::ReuseExt;
use crate::rows::TokenRow;
use crate::schema::api_tokens;
use crate::sql_types::Instant;

/// The fixed start of every token, which lets secret scanners recognise leaked tokens.
pub const TOKEN_PREFIX: &str = "vahti_";

/// The number of random characters after [`TOKEN_PREFIX`].
const RANDOM_LENGTH: usize = 40;

/// The number of leading characters of a token stored in clear for lookup: the fixed prefix and
/// 8 random characters, which reveal about 48 of the token's 238 bits.
const LOOKUP_LENGTH: usize = TOKEN_PREFIX.len() + 8;

/// `last_used_at` is written at most this often per token, so that reads do not turn every
/// request into a write.
const LAST_USED_RESOLUTION: Duration = Duration::seconds(60);

/// A newly generated token. `Debug` hides the secret.
#[derive(Clone, PartialEq, Eq)]
pub struct GeneratedToken {
    /// The secret token to hand to the client once; it is not stored.
    pub token: String,
    /// The public lookup prefix stored beside the hash.
    pub prefix: String,
    /// The hex SHA-256 hash stored in place of the token.
    pub hash: String,
}

impl std::fmt::Debug for GeneratedToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("GeneratedToken")
            .field("prefix", &self.prefix)
            .finish_non_exhaustive()
    }
}

/// Generates a random token from the operating system's generator.
pub fn generate_token() -> GeneratedToken {
    let random: String = rand::rng()
        .sample_iter(rand::distr::Alphanumeric)
        .take(RANDOM_LENGTH)
        .map(char::from)
        .collect();
    let token = format!("{TOKEN_PREFIX}{random}");
    GeneratedToken {
        prefix: lookup_prefix(&token).unwrap_or_default().to_owned(),
        hash: hash_token(&token),
        token,
    }
}

/// Computes the hex SHA-256 hash of a token.
pub fn hash_token(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

/// Checks whether `token` hashes to `stored_hash`, comparing in constant time.
pub fn token_matches(token: &str, stored_hash: &str) -> bool {
    let computed = hash_token(token);
    computed.as_bytes().ct_eq(stored_hash.as_bytes()).into()
}

/// Returns the lookup prefix of a token, or `None` when the text cannot be a token.
pub fn lookup_prefix(token: &str) -> Option<&str> {
    if !token.starts_with(TOKEN_PREFIX) || !token.is_ascii() {
        return None;
    }
    token.get(..LOOKUP_LENGTH)
}

/// A stored API token, without its hash.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiToken {
    /// The key.
    pub id: TokenId,
    /// The tenant the token acts for.
    pub tenant_id: TenantId,
    /// A name given by the operator, such as `erp-production`.
    pub name: String,
    /// The public lookup prefix.
    pub prefix: String,
    /// When the token was created.
    pub created_at: DateTime<Utc>,
    /// When the token was revoked; a revoked token never authenticates.
    pub revoked_at: Option<DateTime<Utc>>,
    /// When the token last authenticated a request, to the minute.
    pub last_used_at: Option<DateTime<Utc>>,
}

impl From<TokenRow> for ApiToken {
    fn from(row: TokenRow) -> Self {
        ApiToken {
            id: TokenId(row.id),
            tenant_id: TenantId(row.tenant_id),
            name: row.name,
            prefix: row.prefix,
            created_at: row.created_at.0,
            revoked_at: row.revoked_at.map(DateTime::from),
            last_used_at: row.last_used_at.map(DateTime::from),
        }
    }
}

/// Creates a token for a tenant and returns it with the secret, which is shown once.
pub fn create(
    tx: &mut Tx<'_>,
    tenant_id: TenantId,
    name: &str,
    now: DateTime<Utc>,
) -> Result<(ApiToken, GeneratedToken), StoreError> {
    let generated = generate_token();
    let row: TokenRow = diesel::insert_into(api_tokens::table)
        .values((
            api_tokens::tenant_id.eq(tenant_id.0),
            api_tokens::name.eq(name),
            api_tokens::prefix.eq(&generated.prefix),
            api_tokens::token_hash.eq(&generated.hash),
            api_tokens::created_at.eq(Instant(now)),
        ))
        .returning(api_tokens::all_columns)
        .get_result(tx.connection())
        .map_err(|error| tx.error(error))?;
    tracing::info!(
        tenant.id = tenant_id.0,
        token.id = row.id,
        "created API token"
    );
    Ok((row.into(), generated))
}

/// Finds the live token that `token` is, and records its use.
///
/// Returns `None` for an unknown, malformed or revoked token or a wrong secret, without saying
/// which. Whether the tenant is disabled is for the caller to check.
pub fn authenticate(
    tx: &mut Tx<'_>,
    token: &str,
    now: DateTime<Utc>,
) -> Result<Option<ApiToken>, StoreError> {
    let Some(prefix) = lookup_prefix(token) else {
        return Ok(None);
    };
    let row: Option<TokenRow> = api_tokens::table
        .filter(api_tokens::prefix.eq(prefix))
        .select(TokenRow::as_select())
        .first(tx.connection())
        .optional()
        .map_err(|error| tx.error(error))?;

    let Some(mut row) = row else {
        return Ok(None);
    };
    if !token_matches(token, &row.token_hash) || row.revoked_at.is_some() {
        return Ok(None);
    }

    let stale = row
        .last_used_at
        .is_none_or(|used| now.signed_duration_since(used.0) >= LAST_USED_RESOLUTION);
    if stale {
        diesel::update(api_tokens::table.find(row.id))
            .set(api_tokens::last_used_at.eq(Instant(now)))
            .reusable()
            .execute(tx.connection())
            .map_err(|error| tx.error(error))?;
        row.last_used_at = Some(Instant(now));
    }
    Ok(Some(row.into()))
}

/// Revokes a token. Revoking a revoked token keeps the first revocation time.
pub fn revoke(tx: &mut Tx<'_>, id: TokenId, now: DateTime<Utc>) -> Result<(), StoreError> {
    let revoked = diesel::update(
        api_tokens::table
            .find(id.0)
            .filter(api_tokens::revoked_at.is_null()),
    )
    .set(api_tokens::revoked_at.eq(Instant(now)))
    .reusable()
    .execute(tx.connection())
    .map_err(|error| tx.error(error))?;

    if revoked == 0 {
        let exists = api_tokens::table
            .find(id.0)
            .count()
            .get_result::<i64>(tx.connection())
            .map_err(|error| tx.error(error))?;
        if exists == 0 {
            return Err(StoreError::not_found("api token", id));
        }
        return Ok(());
    }
    tracing::info!(token.id = id.0, "revoked API token");
    Ok(())
}

/// Lists a tenant's tokens, revoked ones included, in creation order.
pub fn list(tx: &mut Tx<'_>, tenant_id: TenantId) -> Result<Vec<ApiToken>, StoreError> {
    let rows = api_tokens::table
        .filter(api_tokens::tenant_id.eq(tenant_id.0))
        .order(api_tokens::id)
        .select(TokenRow::as_select())
        .load(tx.connection())
        .map_err(|error| tx.error(error))?;
    Ok(rows.into_iter().map(ApiToken::from).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_token_has_shape() {
        let generated = generate_token();
        assert_eq!(generated.token.len(), TOKEN_PREFIX.len() + RANDOM_LENGTH);
        assert!(generated.token.starts_with("vahti_"));
        assert!(generated.token.starts_with(&generated.prefix));
        assert_eq!(generated.prefix.len(), LOOKUP_LENGTH);
    }

    #[test]
    fn generated_token_matches_hash() {
        let generated = generate_token();
        assert!(token_matches(&generated.token, &generated.hash));
        assert!(!token_matches("vahti_wrong", &generated.hash));
    }

    #[test]
    fn hash_is_sha256_hex() {
        // SHA-256 of "abc" from FIPS 180-2, appendix B.1.
        assert_eq!(
            hash_token("abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }

    #[test]
    fn lookup_prefix_rejects_foreign_text() {
        assert_eq!(lookup_prefix("Bearer abc"), None);
        assert_eq!(lookup_prefix("vahti_short"), None);
        assert_eq!(lookup_prefix("vahti_äääää"), None);
    }

    #[test]
    fn debug_hides_secret() {
        let generated = generate_token();
        assert!(!format!("{generated:?}").contains(&generated.token));
    }
}
