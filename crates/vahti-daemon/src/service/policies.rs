//! Collection policies of a tenant: checking a body, creating a policy, saving new versions, and
//! recomputing the next wake-up of every account that a new version affects.
//!
//! A body is checked twice: by serde against the policy format (unknown fields are rejected) and
//! by [`Policy::validate`] against the general and legal rules of its debtor type. Bodies are
//! stored normalised, with every default filled in, so that a stored version shows the rules
//! that apply exactly.

use chrono::{DateTime, Utc};
use futures::StreamExt;
use serde_json::{Value, json};
use vahti_api::EventType;
use vahti_api::limits::validate_policy_key;
use vahti_domain::DebtorType;
use vahti_domain::ids::{AccountId, TenantId};
use vahti_domain::policy::{Policy, PolicyReport, PolicyViolation};
use vahti_store::ids::PolicyId;
use vahti_store::policies::{self, Policy as StoredPolicy, PolicyVersion};
use vahti_store::{StoreError, Tx, accounts};

use super::context::{DEFAULT_BUSINESS_POLICY, DEFAULT_CONSUMER_POLICY};
use super::events::emit;
use super::wake::refresh_next_action;
use crate::app::App;
use crate::error::{ServiceError, ServiceResult};

/// Accounts read per page while looking for the accounts a policy change affects.
const ACCOUNT_PAGE: i64 = 500;

/// Accounts recomputed at the same time after a policy change.
const RECOMPUTE_CONCURRENCY: usize = 8;

/// The rule code of a body that does not match the policy format at all.
pub const FORMAT_RULE: &str = "policy_format";

/// A policy with its current version and every version, oldest first.
#[derive(Debug, Clone)]
pub struct PolicyRecord {
    /// The policy.
    pub policy: StoredPolicy,
    /// The current version.
    pub current: PolicyVersion,
    /// Every version, oldest first, the current one included.
    pub versions: Vec<PolicyVersion>,
}

/// The accounts whose rules a policy change alters.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AffectedAccounts {
    /// Accounts that name this policy.
    pub policy_id: PolicyId,
    /// For a default policy, also the accounts of this debtor type that name no policy.
    pub default_for: Option<DebtorType>,
}

/// Checks a policy body and returns the parsed policy with the report of its rules.
///
/// A body that does not match the policy format gives no policy and a report with one error of
/// rule [`FORMAT_RULE`]; its field is the one serde names, when it names one.
pub fn check(body: &Value) -> (Option<Policy>, PolicyReport) {
    match serde_json::from_value::<Policy>(body.clone()) {
        Ok(policy) => {
            let report = policy.validate();
            (Some(policy), report)
        }
        Err(error) => {
            let message = error.to_string();
            let report = PolicyReport {
                errors: vec![PolicyViolation {
                    step: None,
                    field: quoted_field(&message).unwrap_or_default(),
                    rule: FORMAT_RULE.to_owned(),
                    message: format!("the policy does not match the policy format: {message}"),
                }],
                warnings: Vec::new(),
            };
            (None, report)
        }
    }
}

/// Checks a body and returns the policy, or a 422 `policy_invalid` error that lists every
/// violation. The error's field is the first violation's, under `policy.`.
pub fn parse_valid(body: &Value) -> ServiceResult<Policy> {
    let (policy, report) = check(body);
    match policy {
        Some(policy) if report.is_valid() => Ok(policy),
        _ => Err(invalid(&report)),
    }
}

fn invalid(report: &PolicyReport) -> ServiceError {
    let field = report
        .errors
        .first()
        .map(|violation| match violation.field.as_str() {
            "" => "policy".to_owned(),
            field => format!("policy.{field}"),
        });
    let listed = report
        .errors
        .iter()
        .map(|violation| {
            let place = match (&violation.step, violation.field.as_str()) {
                (Some(step), "") => format!("step {step:?}"),
                (Some(step), field) => format!("{field} (step {step:?})"),
                (None, "") => "policy".to_owned(),
                (None, field) => field.to_owned(),
            };
            format!("{place}: [{}] {}", violation.rule, violation.message)
        })
        .collect::<Vec<_>>()
        .join("; ");
    let count = report.errors.len();
    let noun = if count == 1 { "error" } else { "errors" };
    ServiceError::unprocessable(
        "policy_invalid",
        field,
        format!(
            "the policy has {count} {noun}: {listed}. POST /v1/policies/validate lists them as structured data"
        ),
    )
}

/// Creates a policy at version 1 and records a `policy_updated` event.
pub fn create(
    tx: &mut Tx<'_>,
    tenant: TenantId,
    key: &str,
    body: &Value,
    now: DateTime<Utc>,
) -> ServiceResult<PolicyRecord> {
    validate_policy_key(key).map_err(|error| {
        ServiceError::unprocessable(
            "policy_key_invalid",
            Some("key".to_owned()),
            error.to_string(),
        )
    })?;
    let policy = parse_valid(body)?;
    let normalised = encode(&policy)?;

    let (stored, version) = policies::create(tx, tenant, key, &policy.name, &normalised, now)
        .map_err(|error| match error {
            StoreError::Conflict { .. } => ServiceError::conflict(
                "policy_exists",
                Some("key".to_owned()),
                format!(
                    "a policy with key {key:?} already exists; save a new version with PUT /v1/policies/{key}"
                ),
            ),
            other => other.into(),
        })?;
    emit(
        tx,
        tenant,
        EventType::PolicyUpdated,
        None,
        None,
        json!({"policy_id": stored.id, "key": key, "version": version.version}),
        now,
    )?;
    tracing::info!(
        tenant.id = tenant.0,
        policy.id = stored.id.0,
        "policy created"
    );
    Ok(PolicyRecord {
        policy: stored,
        versions: vec![version.clone()],
        current: version,
    })
}

/// Saves a new version of a policy, records a `policy_updated` event, and returns the policy
/// with the accounts whose next wake-up must be recomputed.
///
/// The debtor type cannot change, because accounts of the other type may use the policy.
pub fn update(
    tx: &mut Tx<'_>,
    tenant: TenantId,
    key: &str,
    body: &Value,
    now: DateTime<Utc>,
) -> ServiceResult<(PolicyRecord, AffectedAccounts)> {
    let stored = find(tx, tenant, key)?;
    let policy = parse_valid(body)?;

    let current = policies::current_version(tx, stored.id)?;
    let current_type = current
        .body
        .get("debtor_type")
        .and_then(Value::as_str)
        .map(str::to_owned);
    if let Some(current_type) = current_type
        && current_type != policy.debtor_type.as_str()
    {
        return Err(ServiceError::unprocessable(
            "policy_invalid",
            Some("policy.debtor_type".to_owned()),
            format!(
                "policy {key:?} is for debtor type {current_type}, and a new version cannot change it because accounts of that type use it; create a new policy for {} debtors",
                policy.debtor_type.as_str()
            ),
        ));
    }

    let normalised = encode(&policy)?;
    let version = policies::add_version(tx, stored.id, &normalised, now)?;
    emit(
        tx,
        tenant,
        EventType::PolicyUpdated,
        None,
        None,
        json!({"policy_id": stored.id, "key": key, "version": version.version}),
        now,
    )?;
    tracing::info!(
        tenant.id = tenant.0,
        policy.id = stored.id.0,
        policy.version = version.version,
        "policy version saved"
    );

    let affected = AffectedAccounts {
        policy_id: stored.id,
        default_for: default_debtor_type(key),
    };
    Ok((record(tx, stored.id)?, affected))
}

/// Loads a policy of the tenant with its versions.
pub fn get(tx: &mut Tx<'_>, tenant: TenantId, key: &str) -> ServiceResult<PolicyRecord> {
    let stored = find(tx, tenant, key)?;
    record(tx, stored.id)
}

/// Lists the tenant's policies by key, each with its current version.
pub fn list(
    tx: &mut Tx<'_>,
    tenant: TenantId,
) -> ServiceResult<Vec<(StoredPolicy, PolicyVersion)>> {
    policies::list(tx, tenant)?
        .into_iter()
        .map(|policy| {
            let current = policies::current_version(tx, policy.id)?;
            Ok((policy, current))
        })
        .collect()
}

fn record(tx: &mut Tx<'_>, id: PolicyId) -> ServiceResult<PolicyRecord> {
    let policy = policies::get(tx, id)?;
    let versions = policies::versions(tx, id)?;
    let current = versions
        .last()
        .cloned()
        .ok_or_else(|| ServiceError::internal(format!("policy {id} has no version")))?;
    Ok(PolicyRecord {
        policy,
        current,
        versions,
    })
}

fn find(tx: &mut Tx<'_>, tenant: TenantId, key: &str) -> ServiceResult<StoredPolicy> {
    policies::get_by_key(tx, tenant, key).map_err(|error| match error {
        StoreError::NotFound { .. } => ServiceError::not_found(
            "policy_not_found",
            format!("policy {key:?} not found; list the tenant's policies with GET /v1/policies"),
        ),
        other => other.into(),
    })
}

fn encode(policy: &Policy) -> ServiceResult<Value> {
    serde_json::to_value(policy)
        .map_err(|error| ServiceError::internal(format!("cannot encode a policy: {error}")))
}

/// Returns the debtor type whose accounts without a policy use the policy with this key.
fn default_debtor_type(key: &str) -> Option<DebtorType> {
    match key {
        DEFAULT_CONSUMER_POLICY => Some(DebtorType::Consumer),
        DEFAULT_BUSINESS_POLICY => Some(DebtorType::Business),
        _ => None,
    }
}

/// Lists one page of the tenant's accounts after `after` and returns those the change affects,
/// with the key of the last account read, or `None` after the last page.
pub fn affected_page(
    tx: &mut Tx<'_>,
    tenant: TenantId,
    affected: AffectedAccounts,
    after: Option<AccountId>,
) -> ServiceResult<(Vec<AccountId>, Option<AccountId>)> {
    let page = accounts::list(tx, tenant, after, ACCOUNT_PAGE)?;
    let last = if i64::try_from(page.len()).unwrap_or(i64::MAX) < ACCOUNT_PAGE {
        None
    } else {
        page.last().map(|account| account.id)
    };
    let ids = page
        .into_iter()
        .filter(|account| match account.policy_id {
            Some(policy) => policy == affected.policy_id,
            None => affected.default_for == Some(account.debtor_type),
        })
        .map(|account| account.id)
        .collect();
    Ok((ids, last))
}

/// Recomputes the next wake-up of every account a policy change affects, each on its actor,
/// page by page, and returns how many were recomputed. Wakes the scheduler when one became due.
///
/// An account whose recomputation fails keeps its old wake-up, which is harmless when early
/// (the wake-up plans with the new version) and is logged.
pub async fn recompute_affected(
    app: &App,
    tenant: TenantId,
    affected: AffectedAccounts,
) -> ServiceResult<usize> {
    let mut after: Option<AccountId> = None;
    let mut recomputed = 0;
    let mut due_now = false;
    loop {
        let cursor = after;
        let (ids, last) = app
            .read(move |tx| affected_page(tx, tenant, affected, cursor))
            .await?;

        let now = app.now();
        let results: Vec<(AccountId, ServiceResult<Option<DateTime<Utc>>>)> =
            futures::stream::iter(ids)
                .map(|account| async move {
                    let result = app
                        .on_account(tenant, account, move |tx| {
                            refresh_next_action(tx, account, now)
                        })
                        .await;
                    (account, result)
                })
                .buffer_unordered(RECOMPUTE_CONCURRENCY)
                .collect()
                .await;
        for (account, result) in results {
            match result {
                Ok(next) => {
                    recomputed += 1;
                    due_now |= next.is_some_and(|at| at <= now);
                }
                Err(error) => tracing::error!(
                    tenant.id = tenant.0,
                    account.id = account.0,
                    code = error.code(),
                    error = %error,
                    "failed to recompute the next wake-up after a policy change"
                ),
            }
        }

        match last {
            Some(last) => after = Some(last),
            None => break,
        }
    }
    if due_now {
        app.nudge_scheduler();
    }
    Ok(recomputed)
}

/// Picks the field name out of a serde message such as "unknown field `foo`" or "missing field
/// `steps`". Other messages, such as of an unknown enum value, name no field.
fn quoted_field(message: &str) -> Option<String> {
    if !message.starts_with("unknown field") && !message.starts_with("missing field") {
        return None;
    }
    let start = message.find('`')? + 1;
    let end = start + message.get(start..)?.find('`')?;
    message.get(start..end).map(str::to_owned)
}
