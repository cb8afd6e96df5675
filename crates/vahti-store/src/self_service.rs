//! The debtor's self-service page: personal links, the requests made through them, and the
//! secrets shared by the daemons that serve the page.
//!
//! A link's token is 32 random letters and digits (about 190 bits) and appears only in the
//! message that carries the link. The store keeps its SHA-256 hash, so a copy of the database
//! opens no page. A link belongs to one account of one tenant, expires at a fixed instant, and
//! can be revoked.

use chrono::{DateTime, Duration, Utc};
use diesel::prelude::*;
use rand::Rng;
use sha2::{Digest, Sha256};
use vahti_domain::ids::{AccountId, TenantId};

use crate::Tx;
use crate::convert::{from_json, parse_column, text_enum, to_json};
use crate::error::StoreError;
use crate::ids::{SelfServiceLinkId, SelfServiceRequestId};
use crate::reuse::ReuseExt;
use crate::rows::{SelfServiceLinkRow, SelfServiceRequestRow};
use crate::schema::{daemon_secrets, self_service_links, self_service_requests};
use crate::sql_types::Instant;
use crate::store::per_backend;

/// The number of characters of a link token.
pub const LINK_TOKEN_LENGTH: usize = 32;

/// The number of random bytes of a daemon secret.
const SECRET_BYTES: usize = 32;

/// `last_used_at` of a link is written at most this often, so that page views do not each
/// update the row.
const LAST_USED_RESOLUTION: Duration = Duration::seconds(60);

/// A newly generated link token. `Debug` hides the token.
#[derive(Clone, PartialEq, Eq)]
pub struct GeneratedLinkToken {
    /// The token to put in the link; it is not stored.
    pub token: String,
    /// The hex SHA-256 hash stored in its place.
    pub hash: String,
}

impl std::fmt::Debug for GeneratedLinkToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("GeneratedLinkToken").finish_non_exhaustive()
    }
}

/// Generates a link token from the operating system's generator.
pub fn generate_link_token() -> GeneratedLinkToken {
    let token: String = rand::rng()
        .sample_iter(rand::distr::Alphanumeric)
        .take(LINK_TOKEN_LENGTH)
        .map(char::from)
        .collect();
    GeneratedLinkToken {
        hash: hash_link_token(&token),
        token,
    }
}

/// Computes the hex SHA-256 hash of a link token.
pub fn hash_link_token(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

/// Returns whether `text` has the shape of a link token, so that other text is turned away
/// without a database lookup.
pub fn is_link_token(text: &str) -> bool {
    text.len() == LINK_TOKEN_LENGTH && text.bytes().all(|byte| byte.is_ascii_alphanumeric())
}

/// A stored link, without its hash.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SelfServiceLink {
    /// The key.
    pub id: SelfServiceLinkId,
    /// The owning tenant.
    pub tenant_id: TenantId,
    /// The one account whose page the link opens.
    pub account_id: AccountId,
    /// When the link was issued.
    pub created_at: DateTime<Utc>,
    /// When the link stops opening the page.
    pub expires_at: DateTime<Utc>,
    /// When the link was revoked.
    pub revoked_at: Option<DateTime<Utc>>,
    /// When the link last opened a page, to the minute.
    pub last_used_at: Option<DateTime<Utc>>,
}

impl SelfServiceLink {
    /// Whether the link opens the page at `now`: issued, not expired and not revoked.
    pub fn is_live(&self, now: DateTime<Utc>) -> bool {
        self.revoked_at.is_none() && now < self.expires_at
    }
}

impl From<SelfServiceLinkRow> for SelfServiceLink {
    fn from(row: SelfServiceLinkRow) -> Self {
        SelfServiceLink {
            id: SelfServiceLinkId(row.id),
            tenant_id: TenantId(row.tenant_id),
            account_id: AccountId(row.account_id),
            created_at: row.created_at.0,
            expires_at: row.expires_at.0,
            revoked_at: row.revoked_at.map(DateTime::from),
            last_used_at: row.last_used_at.map(DateTime::from),
        }
    }
}

/// Issues a link to an account's page that expires at `expires_at`, and returns it with the
/// token, which is shown once.
pub fn create_link(
    tx: &mut Tx<'_>,
    tenant_id: TenantId,
    account_id: AccountId,
    expires_at: DateTime<Utc>,
    now: DateTime<Utc>,
) -> Result<(SelfServiceLink, GeneratedLinkToken), StoreError> {
    let generated = generate_link_token();
    let link = store_link(tx, tenant_id, account_id, &generated, expires_at, now)?;
    Ok((link, generated))
}

/// Stores a link whose token was generated beforehand with [`generate_link_token`], for a
/// message composed before the write transaction that records it.
pub fn store_link(
    tx: &mut Tx<'_>,
    tenant_id: TenantId,
    account_id: AccountId,
    generated: &GeneratedLinkToken,
    expires_at: DateTime<Utc>,
    now: DateTime<Utc>,
) -> Result<SelfServiceLink, StoreError> {
    let row: SelfServiceLinkRow = per_backend!(tx, |connection| {
        diesel::insert_into(self_service_links::table)
            .values((
                self_service_links::tenant_id.eq(tenant_id.0),
                self_service_links::account_id.eq(account_id.0),
                self_service_links::token_hash.eq(&generated.hash),
                self_service_links::created_at.eq(Instant(now)),
                self_service_links::expires_at.eq(Instant(expires_at)),
            ))
            .returning(self_service_links::all_columns)
            .get_result(connection)
    })
    .map_err(|error| tx.error(error))?;
    tracing::debug!(
        tenant.id = tenant_id.0,
        account.id = account_id.0,
        link.id = row.id,
        "issued self-service link"
    );
    Ok(row.into())
}

/// Finds the link that `token` opens, live or not. Returns `None` for an unknown or malformed
/// token.
pub fn find_link(tx: &mut Tx<'_>, token: &str) -> Result<Option<SelfServiceLink>, StoreError> {
    if !is_link_token(token) {
        return Ok(None);
    }
    let row: Option<SelfServiceLinkRow> = self_service_links::table
        .filter(self_service_links::token_hash.eq(hash_link_token(token)))
        .select(SelfServiceLinkRow::as_select())
        .first(tx.connection())
        .optional()
        .map_err(|error| tx.error(error))?;
    Ok(row.map(SelfServiceLink::from))
}

/// Records that a link opened a page, at most once per minute.
pub fn touch_link(
    tx: &mut Tx<'_>,
    link: &SelfServiceLink,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    let stale = link
        .last_used_at
        .is_none_or(|used| now.signed_duration_since(used) >= LAST_USED_RESOLUTION);
    if stale {
        diesel::update(self_service_links::table.find(link.id.0))
            .set(self_service_links::last_used_at.eq(Instant(now)))
            .reusable()
            .execute(tx.connection())
            .map_err(|error| tx.error(error))?;
    }
    Ok(())
}

/// Revokes every live link of an account and returns how many it revoked. Links that already
/// expired or were revoked keep their state.
pub fn revoke_links(
    tx: &mut Tx<'_>,
    account_id: AccountId,
    now: DateTime<Utc>,
) -> Result<usize, StoreError> {
    let revoked = diesel::update(
        self_service_links::table
            .filter(self_service_links::account_id.eq(account_id.0))
            .filter(self_service_links::revoked_at.is_null())
            .filter(self_service_links::expires_at.gt(Instant(now))),
    )
    .set(self_service_links::revoked_at.eq(Instant(now)))
    .reusable()
    .execute(tx.connection())
    .map_err(|error| tx.error(error))?;
    tracing::info!(
        account.id = account_id.0,
        links = revoked,
        "revoked self-service links"
    );
    Ok(revoked)
}

/// Lists an account's links in every state, oldest first.
pub fn links_for_account(
    tx: &mut Tx<'_>,
    account_id: AccountId,
) -> Result<Vec<SelfServiceLink>, StoreError> {
    let rows: Vec<SelfServiceLinkRow> = self_service_links::table
        .filter(self_service_links::account_id.eq(account_id.0))
        .order(self_service_links::id)
        .select(SelfServiceLinkRow::as_select())
        .load(tx.connection())
        .map_err(|error| tx.error(error))?;
    Ok(rows.into_iter().map(SelfServiceLink::from).collect())
}

text_enum! {
    /// What a debtor asked for on the self-service page.
    pub enum RequestKind {
        /// Dispute an invoice.
        Dispute => "dispute",
        /// Promise to pay by a date.
        Promise => "promise",
        /// Pay in instalments.
        PaymentPlan => "payment_plan",
        /// Move an invoice's due date.
        Extension => "extension",
        /// Correct the email address.
        EmailChange => "email_change",
    }
}

text_enum! {
    /// The state of a self-service request.
    pub enum RequestState {
        /// It took effect when it was made.
        Applied => "applied",
        /// It waits for the creditor's decision.
        Pending => "pending",
        /// The creditor approved it, and it took effect then.
        Approved => "approved",
        /// The creditor rejected it.
        Rejected => "rejected",
    }
}

/// A request to record.
#[derive(Debug, Clone, PartialEq)]
pub struct NewSelfServiceRequest {
    /// The account the request concerns.
    pub account_id: AccountId,
    /// The link it was made through.
    pub link_id: SelfServiceLinkId,
    /// What was asked for.
    pub kind: RequestKind,
    /// `Applied` or `Pending`.
    pub state: RequestState,
    /// The request's fields, which depend on the kind.
    pub details: serde_json::Value,
}

/// A stored self-service request.
#[derive(Debug, Clone, PartialEq)]
pub struct SelfServiceRequest {
    /// The key.
    pub id: SelfServiceRequestId,
    /// The owning tenant.
    pub tenant_id: TenantId,
    /// The account it concerns.
    pub account_id: AccountId,
    /// The link it was made through.
    pub link_id: SelfServiceLinkId,
    /// What was asked for.
    pub kind: RequestKind,
    /// The state.
    pub state: RequestState,
    /// The request's fields, as updated when it took effect.
    pub details: serde_json::Value,
    /// The creditor's note on deciding.
    pub note: Option<String>,
    /// When the creditor decided.
    pub decided_at: Option<DateTime<Utc>>,
    /// When it was made.
    pub created_at: DateTime<Utc>,
    /// When it last changed.
    pub updated_at: DateTime<Utc>,
}

impl TryFrom<SelfServiceRequestRow> for SelfServiceRequest {
    type Error = StoreError;

    fn try_from(row: SelfServiceRequestRow) -> Result<Self, StoreError> {
        Ok(SelfServiceRequest {
            id: SelfServiceRequestId(row.id),
            tenant_id: TenantId(row.tenant_id),
            account_id: AccountId(row.account_id),
            link_id: SelfServiceLinkId(row.link_id),
            kind: parse_column("self_service_requests", "kind", &row.kind)?,
            state: parse_column("self_service_requests", "state", &row.state)?,
            details: from_json("self_service_requests", "details", &row.details)?,
            note: row.note,
            decided_at: row.decided_at.map(DateTime::from),
            created_at: row.created_at.0,
            updated_at: row.updated_at.0,
        })
    }
}

/// Records a request.
pub fn create_request(
    tx: &mut Tx<'_>,
    tenant_id: TenantId,
    request: &NewSelfServiceRequest,
    now: DateTime<Utc>,
) -> Result<SelfServiceRequest, StoreError> {
    let details = to_json("details", &request.details)?;
    let row: SelfServiceRequestRow = diesel::insert_into(self_service_requests::table)
        .values((
            self_service_requests::tenant_id.eq(tenant_id.0),
            self_service_requests::account_id.eq(request.account_id.0),
            self_service_requests::link_id.eq(request.link_id.0),
            self_service_requests::kind.eq(request.kind.as_str()),
            self_service_requests::state.eq(request.state.as_str()),
            self_service_requests::details.eq(&details),
            self_service_requests::created_at.eq(Instant(now)),
            self_service_requests::updated_at.eq(Instant(now)),
        ))
        .returning(self_service_requests::all_columns)
        .get_result(tx.connection())
        .map_err(|error| tx.error(error))?;
    tracing::info!(
        tenant.id = tenant_id.0,
        account.id = request.account_id.0,
        request.id = row.id,
        kind = request.kind.as_str(),
        state = request.state.as_str(),
        "recorded self-service request"
    );
    SelfServiceRequest::try_from(row)
}

/// Loads a request.
pub fn get_request(
    tx: &mut Tx<'_>,
    id: SelfServiceRequestId,
) -> Result<SelfServiceRequest, StoreError> {
    let row: SelfServiceRequestRow = self_service_requests::table
        .find(id.0)
        .select(SelfServiceRequestRow::as_select())
        .first(tx.connection())
        .map_err(|error| tx.lookup_error("self-service request", id, error))?;
    SelfServiceRequest::try_from(row)
}

/// Lists an account's requests in every state, oldest first.
pub fn requests_for_account(
    tx: &mut Tx<'_>,
    account_id: AccountId,
) -> Result<Vec<SelfServiceRequest>, StoreError> {
    let rows: Vec<SelfServiceRequestRow> = self_service_requests::table
        .filter(self_service_requests::account_id.eq(account_id.0))
        .order(self_service_requests::id)
        .select(SelfServiceRequestRow::as_select())
        .load(tx.connection())
        .map_err(|error| tx.error(error))?;
    rows.into_iter().map(SelfServiceRequest::try_from).collect()
}

/// Lists a tenant's requests, in `state` when given, by key, after `after` and at most
/// `limit`.
pub fn list_requests(
    tx: &mut Tx<'_>,
    tenant_id: TenantId,
    state: Option<RequestState>,
    after: Option<SelfServiceRequestId>,
    limit: i64,
) -> Result<Vec<SelfServiceRequest>, StoreError> {
    let states: Vec<&str> = match state {
        Some(state) => vec![state.as_str()],
        None => RequestState::ALL
            .iter()
            .map(|state| state.as_str())
            .collect(),
    };
    let rows: Vec<SelfServiceRequestRow> = self_service_requests::table
        .filter(self_service_requests::tenant_id.eq(tenant_id.0))
        .filter(self_service_requests::state.eq_any(states))
        .filter(self_service_requests::id.gt(after.map_or(0, |id| id.0)))
        .order(self_service_requests::id)
        .limit(limit)
        .select(SelfServiceRequestRow::as_select())
        .load(tx.connection())
        .map_err(|error| tx.error(error))?;
    rows.into_iter().map(SelfServiceRequest::try_from).collect()
}

/// Records the creditor's decision on a pending request, with the details as they took effect.
///
/// Fails with [`StoreError::Conflict`] on field `state` when the request is not pending.
pub fn decide_request(
    tx: &mut Tx<'_>,
    id: SelfServiceRequestId,
    state: RequestState,
    details: &serde_json::Value,
    note: Option<&str>,
    now: DateTime<Utc>,
) -> Result<SelfServiceRequest, StoreError> {
    let details = to_json("details", details)?;
    let row: Option<SelfServiceRequestRow> = diesel::update(
        self_service_requests::table
            .find(id.0)
            .filter(self_service_requests::state.eq(RequestState::Pending.as_str())),
    )
    .set((
        self_service_requests::state.eq(state.as_str()),
        self_service_requests::details.eq(&details),
        self_service_requests::note.eq(note),
        self_service_requests::decided_at.eq(Instant(now)),
        self_service_requests::updated_at.eq(Instant(now)),
    ))
    .returning(self_service_requests::all_columns)
    .reusable()
    .get_result(tx.connection())
    .optional()
    .map_err(|error| tx.error(error))?;

    match row {
        Some(row) => SelfServiceRequest::try_from(row),
        None => {
            let current = get_request(tx, id)?;
            Err(StoreError::Conflict {
                field: "state".to_owned(),
                detail: format!("self-service request {id} is already {}", current.state),
            })
        }
    }
}

/// Returns the daemon secret called `name`, creating a random one when there is none yet.
/// Daemons that start together agree on one secret, because the first insert wins and the
/// others read it.
pub fn daemon_secret(
    tx: &mut Tx<'_>,
    name: &str,
    now: DateTime<Utc>,
) -> Result<Vec<u8>, StoreError> {
    let mut random = [0_u8; SECRET_BYTES];
    rand::rng().fill(&mut random);
    let candidate = hex::encode(random);
    let backend = tx.backend();
    per_backend!(tx, |connection| {
        diesel::insert_into(daemon_secrets::table)
            .values((
                daemon_secrets::name.eq(name),
                daemon_secrets::secret.eq(&candidate),
                daemon_secrets::created_at.eq(Instant(now)),
            ))
            .on_conflict(daemon_secrets::name)
            .do_nothing()
            .execute(connection)
    })
    .map_err(|error| StoreError::from_diesel(backend, error))?;

    let stored: String = daemon_secrets::table
        .find(name)
        .select(daemon_secrets::secret)
        .first(tx.connection())
        .map_err(|error| tx.lookup_error("daemon secret", name, error))?;
    hex::decode(&stored).map_err(|error| StoreError::InvalidData {
        table: "daemon_secrets",
        column: "secret",
        detail: format!("secret {name:?} is not hex: {error}"),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_token_has_shape() {
        let generated = generate_link_token();
        assert_eq!(generated.token.len(), LINK_TOKEN_LENGTH);
        assert!(is_link_token(&generated.token));
        assert_eq!(generated.hash, hash_link_token(&generated.token));
    }

    #[test]
    fn tokens_differ() {
        assert_ne!(generate_link_token().token, generate_link_token().token);
    }

    #[test]
    fn foreign_text_is_no_token() {
        assert!(!is_link_token("short"));
        assert!(!is_link_token(&"a".repeat(LINK_TOKEN_LENGTH + 1)));
        assert!(!is_link_token(&format!(
            "{}-",
            "a".repeat(LINK_TOKEN_LENGTH - 1)
        )));
        assert!(!is_link_token(&"ä".repeat(LINK_TOKEN_LENGTH / 2)));
    }

    #[test]
    fn debug_hides_token() {
        let generated = generate_link_token();
        assert!(!format!("{generated:?}").contains(&generated.token));
    }
}
