//! What every account operation needs besides the account's own rows: its tenant, the policy
//! version in force, the time zones and the reference rates.

use std::collections::HashMap;
use std::str::FromStr;
use std::sync::Arc;

use chrono_tz::Tz;
use serde::Deserialize;
use vahti_domain::DebtorType;
use vahti_domain::ids::{AccountId, TenantId};
use vahti_domain::interest::{
    AfterTableEnd, Half, HalfYear, PenaltyTerms, ReferenceRateEntry, ReferenceRateTable,
};
use vahti_domain::ledger::LedgerSettings;
use vahti_domain::policy::{Policy, ValidatedPolicy};
use vahti_store::accounts::{self, Account};
use vahti_store::ids::{PolicyId, PolicyVersionId};
use vahti_store::tenants::{self, Tenant};
use vahti_store::{Tx, policies, rates};

use crate::error::{ServiceError, ServiceResult};

/// The key of the default policy each tenant gets for consumer accounts.
pub const DEFAULT_CONSUMER_POLICY: &str = "default-consumer";

/// The key of the default policy each tenant gets for business accounts.
pub const DEFAULT_BUSINESS_POLICY: &str = "default-business";

/// The time zone used when a tenant or account names none.
pub const DEFAULT_TIME_ZONE: Tz = chrono_tz::Europe::Helsinki;

/// An account with its tenant and the policy version that applies to it.
#[derive(Debug, Clone)]
pub struct AccountContext {
    /// The tenant.
    pub tenant: Tenant,
    /// The account as read in this transaction.
    pub account: Account,
    /// The policy in force, shared with the other accounts of its version.
    pub policy: Arc<ValidatedPolicy>,
    /// The stored version of that policy, which step history refers to.
    pub policy_version: PolicyVersionId,
    /// The tenant's zone, in which calendar dates are read.
    pub business_time_zone: Tz,
    /// The debtor's zone, in which the send window applies.
    pub debtor_time_zone: Tz,
    /// The reference rates of the Interest Act.
    pub rates: ReferenceRateTable,
}

impl AccountContext {
    /// Loads the context of an account.
    pub fn load(tx: &mut Tx<'_>, account_id: AccountId) -> ServiceResult<Self> {
        let account = accounts::get(tx, account_id)?;
        Self::for_account(tx, account)
    }

    /// Loads the context of an account already read in this transaction.
    pub fn for_account(tx: &mut Tx<'_>, account: Account) -> ServiceResult<Self> {
        let tenant = tenants::get(tx, account.tenant_id)?;
        let (policy, policy_version) =
            policy_for(tx, &tenant, account.policy_id, account.debtor_type)?;
        let business_time_zone = parse_zone(&tenant.time_zone);
        let debtor_time_zone = account
            .time_zone
            .as_deref()
            .map_or(business_time_zone, parse_zone);
        let rates = load_rates(tx)?;

        Ok(AccountContext {
            tenant,
            account,
            policy,
            policy_version,
            business_time_zone,
            debtor_time_zone,
            rates,
        })
    }

    /// Loads the contexts of many accounts of one tenant already read in this transaction,
    /// reading the tenant, the reference rates and each policy once. An account of another
    /// tenant gets an internal error of its own; the others are unaffected.
    pub fn for_accounts(
        tx: &mut Tx<'_>,
        tenant_id: TenantId,
        accounts: Vec<Account>,
    ) -> ServiceResult<Vec<(AccountId, ServiceResult<Self>)>> {
        let tenant = tenants::get(tx, tenant_id)?;
        let business_time_zone = parse_zone(&tenant.time_zone);
        let rates = load_rates(tx)?;
        type PolicyKey = (Option<PolicyId>, DebtorType);
        let mut policies: HashMap<PolicyKey, (Arc<ValidatedPolicy>, PolicyVersionId)> =
            HashMap::new();
        let mut contexts = Vec::with_capacity(accounts.len());
        for account in accounts {
            if account.tenant_id != tenant_id {
                contexts.push((
                    account.id,
                    Err(ServiceError::internal(format!(
                        "account {} does not belong to tenant {tenant_id}",
                        account.id
                    ))),
                ));
                continue;
            }
            let key = (account.policy_id, account.debtor_type);
            let (policy, policy_version) = match policies.get(&key) {
                Some(found) => found.clone(),
                None => {
                    let found = policy_for(tx, &tenant, account.policy_id, account.debtor_type)?;
                    policies.insert(key, found.clone());
                    found
                }
            };
            let debtor_time_zone = account
                .time_zone
                .as_deref()
                .map_or(business_time_zone, parse_zone);
            contexts.push((
                account.id,
                Ok(AccountContext {
                    tenant: tenant.clone(),
                    account,
                    policy,
                    policy_version,
                    business_time_zone,
                    debtor_time_zone,
                    rates: rates.clone(),
                }),
            ));
        }
        Ok(contexts)
    }

    /// The ledger settings of the account: its policy's allocation order, payment protection and
    /// interest terms. A half-year after the end of the rate table carries the last known rate
    /// forward, so that the daemon keeps working until the operator adds the new rate.
    pub fn ledger_settings(&self) -> ServiceResult<LedgerSettings> {
        let mut terms = PenaltyTerms::statutory(self.account.debtor_type)
            .with_after_table_end(AfterTableEnd::CarryLastRateForward);
        if let Some(rate) = self.policy.interest.contractual_rate {
            terms = terms.with_contractual_rate(rate).map_err(|error| {
                ServiceError::from_domain("policy.interest.contractual_rate", &error)
            })?;
        }
        Ok(LedgerSettings::new(terms)
            .with_allocation_order(self.policy.effective_allocation_order())
            .with_payment_protection_days(self.policy.payment_protection_days))
    }
}

/// Parses an IANA zone name; names that were valid when stored but are unknown now fall back to
/// the default zone with a warning.
pub fn parse_zone(name: &str) -> Tz {
    match Tz::from_str(name) {
        Ok(zone) => zone,
        Err(_) => {
            tracing::warn!(
                time_zone = name,
                "unknown stored time zone; using Europe/Helsinki"
            );
            DEFAULT_TIME_ZONE
        }
    }
}

/// The key of the default policy of a debtor type.
pub fn default_policy_key(debtor_type: DebtorType) -> &'static str {
    match debtor_type {
        DebtorType::Consumer => DEFAULT_CONSUMER_POLICY,
        DebtorType::Business => DEFAULT_BUSINESS_POLICY,
    }
}

/// Loads the current version of the account's policy, or the tenant's default for the debtor
/// type. A version's rules are parsed and validated once and then shared (see
/// [`Tx::derive_policy`]).
pub fn policy_for(
    tx: &mut Tx<'_>,
    tenant: &Tenant,
    policy_id: Option<PolicyId>,
    debtor_type: DebtorType,
) -> ServiceResult<(Arc<ValidatedPolicy>, PolicyVersionId)> {
    let policy_id = match policy_id {
        Some(id) => id,
        None => policies::get_by_key(tx, tenant.id, default_policy_key(debtor_type))?.id,
    };
    let version = policies::current_body(tx, policy_id)?;
    let validated = tx.derive_policy(&version, |body| {
        // Through a JSON value, as the API reads a policy, so that numbers parse the same way.
        let policy = serde_json::from_str::<serde_json::Value>(body)
            .and_then(|value| Policy::deserialize(&value))
            .map_err(|error| {
                ServiceError::internal(format!(
                    "stored policy version {} cannot be read: {error}",
                    version.id
                ))
            })?;
        policy.into_validated().map_err(|error| {
            ServiceError::internal(format!(
                "stored policy version {} no longer passes validation: {error}",
                version.id
            ))
        })
    })?;
    Ok((validated, version.id))
}

/// Loads the reference rate table from the database.
pub fn load_rates(tx: &mut Tx<'_>) -> ServiceResult<ReferenceRateTable> {
    let entries = rates::list(tx)?
        .into_iter()
        .map(|rate| {
            let half = if rate.half == 1 { Half::H1 } else { Half::H2 };
            let half_year = HalfYear::new(rate.year, half).map_err(|error| {
                ServiceError::internal(format!("stored reference rate: {error}"))
            })?;
            Ok(ReferenceRateEntry {
                half_year,
                rate_percent: rate.rate,
            })
        })
        .collect::<ServiceResult<Vec<_>>>()?;
    ReferenceRateTable::new(entries)
        .map_err(|error| ServiceError::internal(format!("stored reference rates: {error}")))
}
