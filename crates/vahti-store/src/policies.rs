//! Collection policies and their versions.
//!
//! A policy's body is JSON that the domain crate interprets. Every change adds a version, so the
//! step history can refer to the exact rules that applied.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use vahti_domain::ids::TenantId;

use crate::Tx;
use crate::connection::DbConnection;
use crate::convert::{from_json, to_json};
use crate::error::StoreError;
use crate::ids::{PolicyId, PolicyVersionId};
use crate::reuse::ReuseExt;
use crate::rows::{PolicyRow, PolicyVersionRow};
use crate::schema::{policies, policy_versions};
use crate::sql_types::Instant;
use crate::store::per_backend;

/// A stored policy.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Policy {
    /// The key.
    pub id: PolicyId,
    /// The owning tenant.
    pub tenant_id: TenantId,
    /// The tenant's own key of the policy, such as `consumer-default`; unique per tenant.
    pub key: String,
    /// A display name.
    pub name: String,
    /// When the policy was created.
    pub created_at: DateTime<Utc>,
    /// When the policy last got a version or a new name.
    pub updated_at: DateTime<Utc>,
}

/// One version of a policy.
#[derive(Debug, Clone, PartialEq)]
pub struct PolicyVersion {
    /// The key.
    pub id: PolicyVersionId,
    /// The owning tenant.
    pub tenant_id: TenantId,
    /// The policy.
    pub policy_id: PolicyId,
    /// 1 for the first version, counting up without gaps.
    pub version: i32,
    /// The rules as JSON.
    pub body: serde_json::Value,
    /// When the version was created.
    pub created_at: DateTime<Utc>,
}

impl From<PolicyRow> for Policy {
    fn from(row: PolicyRow) -> Self {
        Policy {
            id: PolicyId(row.id),
            tenant_id: TenantId(row.tenant_id),
            key: row.key,
            name: row.name,
            created_at: row.created_at.0,
            updated_at: row.updated_at.0,
        }
    }
}

impl TryFrom<PolicyVersionRow> for PolicyVersion {
    type Error = StoreError;

    fn try_from(row: PolicyVersionRow) -> Result<Self, StoreError> {
        Ok(PolicyVersion {
            id: PolicyVersionId(row.id),
            tenant_id: TenantId(row.tenant_id),
            policy_id: PolicyId(row.policy_id),
            version: row.version,
            body: from_json("policy_versions", "body", &row.body)?,
            created_at: row.created_at.0,
        })
    }
}

/// Creates a policy with its first version.
///
/// Fails with [`StoreError::Conflict`] when the tenant already has a policy with this key.
pub fn create(
    tx: &mut Tx<'_>,
    tenant_id: TenantId,
    key: &str,
    name: &str,
    body: &serde_json::Value,
    now: DateTime<Utc>,
) -> Result<(Policy, PolicyVersion), StoreError> {
    let row: PolicyRow = diesel::insert_into(policies::table)
        .values((
            policies::tenant_id.eq(tenant_id.0),
            policies::key.eq(key),
            policies::name.eq(name),
            policies::created_at.eq(Instant(now)),
            policies::updated_at.eq(Instant(now)),
        ))
        .returning(policies::all_columns)
        .get_result(tx.connection())
        .map_err(|error| match tx.error(error) {
            StoreError::Conflict { .. } => StoreError::Conflict {
                field: "key".to_owned(),
                detail: format!("the tenant already has a policy with key {key:?}"),
            },
            other => other,
        })?;
    let policy = Policy::from(row);
    let version = insert_version(tx, &policy, 1, body, now)?;
    Ok((policy, version))
}

/// Adds a version to a policy and returns it; its number is one more than the latest.
///
/// The policy row is locked first, so two writers cannot take the same number.
pub fn add_version(
    tx: &mut Tx<'_>,
    policy_id: PolicyId,
    body: &serde_json::Value,
    now: DateTime<Utc>,
) -> Result<PolicyVersion, StoreError> {
    let policy = lock(tx, policy_id)?;
    let latest = policy_versions::table
        .filter(policy_versions::policy_id.eq(policy_id.0))
        .select(diesel::dsl::max(policy_versions::version))
        .first::<Option<i32>>(tx.connection())
        .map_err(|error| tx.error(error))?
        .unwrap_or(0);
    let next = latest
        .checked_add(1)
        .ok_or_else(|| StoreError::InvalidInput {
            field: "version",
            detail: format!("policy {policy_id} has too many versions"),
        })?;

    diesel::update(policies::table.find(policy_id.0))
        .set(policies::updated_at.eq(Instant(now)))
        .reusable()
        .execute(tx.connection())
        .map_err(|error| tx.error(error))?;
    insert_version(tx, &policy, next, body, now)
}

fn insert_version(
    tx: &mut Tx<'_>,
    policy: &Policy,
    version: i32,
    body: &serde_json::Value,
    now: DateTime<Utc>,
) -> Result<PolicyVersion, StoreError> {
    let text = to_json("body", body)?;
    let row: PolicyVersionRow = diesel::insert_into(policy_versions::table)
        .values((
            policy_versions::tenant_id.eq(policy.tenant_id.0),
            policy_versions::policy_id.eq(policy.id.0),
            policy_versions::version.eq(version),
            policy_versions::body.eq(&text),
            policy_versions::created_at.eq(Instant(now)),
        ))
        .returning(policy_versions::all_columns)
        .get_result(tx.connection())
        .map_err(|error| tx.error(error))?;
    tracing::info!(
        tenant.id = policy.tenant_id.0,
        policy.id = policy.id.0,
        policy.version = version,
        "stored policy version"
    );
    PolicyVersion::try_from(row)
}

/// Loads a policy and locks its row until the transaction ends (PostgreSQL `FOR UPDATE`; on
/// SQLite the write transaction already excludes other writers).
pub fn lock(tx: &mut Tx<'_>, id: PolicyId) -> Result<Policy, StoreError> {
    let backend = tx.backend();
    let query = policies::table.find(id.0).select(policies::all_columns);
    let row: PolicyRow = match tx.connection() {
        DbConnection::Postgres(connection) => query.for_update().first(connection),
        DbConnection::Sqlite(connection) => query.first(connection),
    }
    .map_err(|error| StoreError::from_lookup(backend, "policy", id, error))?;
    Ok(row.into())
}

/// Loads a policy.
pub fn get(tx: &mut Tx<'_>, id: PolicyId) -> Result<Policy, StoreError> {
    let row: PolicyRow = policies::table
        .find(id.0)
        .select(PolicyRow::as_select())
        .first(tx.connection())
        .map_err(|error| tx.lookup_error("policy", id, error))?;
    Ok(row.into())
}

/// Loads a policy by the tenant's key.
pub fn get_by_key(tx: &mut Tx<'_>, tenant_id: TenantId, key: &str) -> Result<Policy, StoreError> {
    let row: PolicyRow = per_backend!(tx, |connection| {
        policies::table
            .filter(policies::tenant_id.eq(tenant_id.0))
            .filter(policies::key.eq(key))
            .select(PolicyRow::as_select())
            .first(connection)
    })
    .map_err(|error| tx.lookup_error("policy", format!("key {key:?}"), error))?;
    Ok(row.into())
}

/// Lists a tenant's policies by key.
pub fn list(tx: &mut Tx<'_>, tenant_id: TenantId) -> Result<Vec<Policy>, StoreError> {
    let rows = policies::table
        .filter(policies::tenant_id.eq(tenant_id.0))
        .order(policies::key)
        .select(PolicyRow::as_select())
        .load(tx.connection())
        .map_err(|error| tx.error(error))?;
    Ok(rows.into_iter().map(Policy::from).collect())
}

/// Loads the latest version of a policy.
pub fn current_version(tx: &mut Tx<'_>, policy_id: PolicyId) -> Result<PolicyVersion, StoreError> {
    let row: PolicyVersionRow = per_backend!(tx, |connection| {
        policy_versions::table
            .filter(policy_versions::policy_id.eq(policy_id.0))
            .order(policy_versions::version.desc())
            .select(PolicyVersionRow::as_select())
            .first(connection)
    })
    .map_err(|error| tx.lookup_error("policy version of policy", policy_id, error))?;
    PolicyVersion::try_from(row)
}

/// The key and stored text of a policy version, read without parsing the text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredBody {
    /// The version's key.
    pub id: PolicyVersionId,
    /// The rules as stored JSON text.
    pub body: String,
}

/// Loads the key and stored text of the latest version of a policy. The text is parsed by
/// [`Tx::derive_policy`] only when no value derived from it is kept.
pub fn current_body(tx: &mut Tx<'_>, policy_id: PolicyId) -> Result<StoredBody, StoreError> {
    let (id, body): (i64, String) = per_backend!(tx, |connection| {
        policy_versions::table
            .filter(policy_versions::policy_id.eq(policy_id.0))
            .order(policy_versions::version.desc())
            .select((policy_versions::id, policy_versions::body))
            .first(connection)
    })
    .map_err(|error| tx.lookup_error("policy version of policy", policy_id, error))?;
    Ok(StoredBody {
        id: PolicyVersionId(id),
        body,
    })
}

/// Lists every version of a policy, oldest first.
pub fn versions(tx: &mut Tx<'_>, policy_id: PolicyId) -> Result<Vec<PolicyVersion>, StoreError> {
    let rows: Vec<PolicyVersionRow> = policy_versions::table
        .filter(policy_versions::policy_id.eq(policy_id.0))
        .order(policy_versions::version)
        .select(PolicyVersionRow::as_select())
        .load(tx.connection())
        .map_err(|error| tx.error(error))?;
    rows.into_iter().map(PolicyVersion::try_from).collect()
}

/// Loads one policy version.
pub fn get_version(tx: &mut Tx<'_>, id: PolicyVersionId) -> Result<PolicyVersion, StoreError> {
    let row: PolicyVersionRow = policy_versions::table
        .find(id.0)
        .select(PolicyVersionRow::as_select())
        .first(tx.connection())
        .map_err(|error| tx.lookup_error("policy version", id, error))?;
    PolicyVersion::try_from(row)
}
