//! Customer accounts: validating and storing the integrator's account data, and finding accounts
//! by the integrator's id.

use std::collections::HashMap;

use chrono::{DateTime, Months, NaiveDate, Utc};
use chrono_tz::Tz;
use serde_json::json;
use vahti_api::EventType;
use vahti_api::limits::{validate_external_id, validate_policy_key};
use vahti_domain::DebtorType;
use vahti_domain::calendar::local_date;
use vahti_domain::ids::TenantId;
use vahti_domain::legal::consumer::ELECTRONIC_DEMAND_CONSENT_MAX_MONTHS;
use vahti_store::accounts::{self, Account, AccountUpsert};
use vahti_store::ids::PolicyId;
use vahti_store::{Locale, StoreError, Tx, policies, tenants};

use super::context::{parse_zone, policy_for};
use super::events::emit;
use super::wake::refresh_next_action;
use crate::app::App;
use crate::error::{ServiceError, ServiceResult};

/// Maximum length of an account name, in characters.
const MAX_NAME_CHARS: usize = 200;

/// An account as the integrator sends it, before it is checked.
#[derive(Debug, Clone, PartialEq)]
pub struct AccountInput {
    /// The integrator's id of the account.
    pub external_id: String,
    /// The debtor's name.
    pub name: String,
    /// Consumer or business.
    pub debtor_type: DebtorType,
    /// Addresses that reminders go to.
    pub emails: Vec<String>,
    /// The language of messages; the tenant's default when `None`.
    pub locale: Option<Locale>,
    /// The debtor's IANA time zone; the tenant's when `None`.
    pub time_zone: Option<String>,
    /// The key of the policy; the tenant's default for the debtor type when `None`.
    pub policy: Option<String>,
    /// Postal address and phone, as the JSON form of `vahti_api::Contact`.
    pub contact: serde_json::Value,
    /// The last day of the consent to formal demands by email.
    pub electronic_demand_consent_until: Option<NaiveDate>,
}

/// The result of an upsert.
#[derive(Debug, Clone)]
pub struct UpsertedAccount {
    /// The account as stored.
    pub account: Account,
    /// Whether the upsert created the account.
    pub created: bool,
    /// The account's next wake-up after the change.
    pub next_action_at: Option<DateTime<Utc>>,
}

/// Checks the values of an account that need no database: the external id, the name, the email
/// addresses, the time zone and the form of the policy key.
pub fn validate(input: &AccountInput) -> ServiceResult<()> {
    validate_external_id(&input.external_id).map_err(|error| {
        ServiceError::unprocessable(error.code().as_str(), None, error.to_string())
    })?;

    let name = input.name.trim();
    if name.is_empty() || name.chars().count() > MAX_NAME_CHARS {
        return Err(ServiceError::unprocessable(
            "value_invalid",
            Some("name".to_owned()),
            format!(
                "invalid name {:?}: use 1 to {MAX_NAME_CHARS} characters",
                input.name
            ),
        ));
    }

    for (index, email) in input.emails.iter().enumerate() {
        if email.parse::<lettre::Address>().is_err() {
            return Err(ServiceError::unprocessable(
                "email_invalid",
                Some(format!("emails.{index}")),
                format!(
                    "invalid email address {email:?}: write it as name@domain without spaces or a display name"
                ),
            ));
        }
    }

    if let Some(zone) = &input.time_zone
        && zone.parse::<Tz>().is_err()
    {
        return Err(ServiceError::unprocessable(
            "time_zone_unknown",
            Some("time_zone".to_owned()),
            format!("unknown time zone {zone:?}: use an IANA name such as Europe/Helsinki"),
        ));
    }

    if let Some(key) = &input.policy {
        validate_policy_key(key).map_err(|error| {
            ServiceError::unprocessable(
                error.code().as_str(),
                Some("policy".to_owned()),
                error.to_string(),
            )
        })?;
    }
    Ok(())
}

/// Creates or updates an account, emits `account_updated` and recomputes its next wake-up.
///
/// Fails with 422 naming `policy` when the policy does not exist or follows the rules of the
/// other debtor type, and naming `electronic_demand_consent_until` when the consent runs longer
/// than the Debt Collection Act allows.
pub fn upsert(
    tx: &mut Tx<'_>,
    tenant_id: TenantId,
    input: &AccountInput,
    now: DateTime<Utc>,
) -> ServiceResult<UpsertedAccount> {
    validate(input)?;
    let tenant = tenants::get(tx, tenant_id)?;
    let existing = find(tx, tenant_id, &input.external_id)?;
    let policy_id = resolve_policy(tx, &tenant, input)?;

    if let Some(until) = input.electronic_demand_consent_until {
        let today = local_date(now, parse_zone(&tenant.time_zone));
        let latest = today
            .checked_add_months(Months::new(ELECTRONIC_DEMAND_CONSENT_MAX_MONTHS))
            .unwrap_or(today);
        if until > latest {
            return Err(ServiceError::unprocessable(
                "consent_too_long",
                Some("electronic_demand_consent_until".to_owned()),
                format!(
                    "consent to formal demands by email until {until} runs longer than {ELECTRONIC_DEMAND_CONSENT_MAX_MONTHS} months from today ({today}), the most the Debt Collection Act 513/1999 allows; ask the debtor to renew it later"
                ),
            ));
        }
    }

    let upsert = AccountUpsert {
        external_id: input.external_id.clone(),
        name: input.name.trim().to_owned(),
        debtor_type: input.debtor_type,
        emails: input.emails.clone(),
        locale: input.locale.unwrap_or(tenant.default_locale),
        time_zone: input.time_zone.clone(),
        policy_id,
        contact: input.contact.clone(),
        e_demand_consent_until: input.electronic_demand_consent_until,
    };
    let account = accounts::upsert(tx, tenant_id, &upsert, now)?;
    let created = existing.is_none();
    emit(
        tx,
        tenant_id,
        EventType::AccountUpdated,
        Some(account.id),
        None,
        json!({
            "account_id": account.id,
            "external_id": account.external_id,
            "debtor_type": account.debtor_type.as_str(),
            "created": created,
        }),
        now,
    )?;
    let next_action_at = refresh_next_action(tx, account.id, now)?;
    tracing::info!(
        tenant.id = tenant_id.0,
        account.id = account.id.0,
        created,
        "account upserted"
    );

    let account = accounts::get(tx, account.id)?;
    Ok(UpsertedAccount {
        account,
        created,
        next_action_at,
    })
}

/// Finds the policy the input names and checks that it follows the rules of the account's
/// debtor type.
fn resolve_policy(
    tx: &mut Tx<'_>,
    tenant: &tenants::Tenant,
    input: &AccountInput,
) -> ServiceResult<Option<PolicyId>> {
    let Some(key) = &input.policy else {
        return Ok(None);
    };
    let policy = match policies::get_by_key(tx, tenant.id, key) {
        Ok(policy) => policy,
        Err(StoreError::NotFound { .. }) => {
            return Err(ServiceError::unprocessable(
                "value_invalid",
                Some("policy".to_owned()),
                format!(
                    "policy {key:?} not found: create it with POST /v1/policies, or leave policy out to use the default"
                ),
            ));
        }
        Err(error) => return Err(error.into()),
    };
    let (validated, _) = policy_for(tx, tenant, Some(policy.id), input.debtor_type)?;
    if validated.debtor_type != input.debtor_type {
        return Err(ServiceError::unprocessable(
            "value_invalid",
            Some("policy".to_owned()),
            format!(
                "policy {key:?} follows the rules for {} debtors, but the account is a {}; choose a {} policy",
                validated.debtor_type.as_str(),
                input.debtor_type.as_str(),
                input.debtor_type.as_str()
            ),
        ));
    }
    Ok(Some(policy.id))
}

/// Loads the tenant's account with this external id, or `None` when there is none.
pub fn find(
    tx: &mut Tx<'_>,
    tenant_id: TenantId,
    external_id: &str,
) -> ServiceResult<Option<Account>> {
    match accounts::get_by_external_id(tx, tenant_id, external_id) {
        Ok(account) => Ok(Some(account)),
        Err(StoreError::NotFound { .. }) => Ok(None),
        Err(error) => Err(error.into()),
    }
}

/// Loads the tenant's account with this external id, or fails with 404 `account_not_found`.
pub fn get(tx: &mut Tx<'_>, tenant_id: TenantId, external_id: &str) -> ServiceResult<Account> {
    find(tx, tenant_id, external_id)?.ok_or_else(|| not_found(external_id))
}

/// Builds the 404 error of an account that the tenant does not have.
pub fn not_found(external_id: &str) -> ServiceError {
    ServiceError::not_found(
        "account_not_found",
        format!(
            "account {external_id:?} not found: create it first with PUT /v1/accounts/{{external_id}}"
        ),
    )
}

/// Loads the keys of the tenant's policies by id, to show which policy an account follows.
pub fn policy_keys(
    tx: &mut Tx<'_>,
    tenant_id: TenantId,
) -> ServiceResult<HashMap<PolicyId, String>> {
    Ok(policies::list(tx, tenant_id)?
        .into_iter()
        .map(|policy| (policy.id, policy.key))
        .collect())
}

/// Runs `work` on the actor of the tenant's account with this external id, or in a plain write
/// transaction when the account does not exist yet, so that work which creates an account
/// still runs in one transaction.
pub async fn on_external_id<R, F>(
    app: &App,
    tenant_id: TenantId,
    external_id: &str,
    work: F,
) -> ServiceResult<R>
where
    F: FnOnce(&mut Tx<'_>) -> ServiceResult<R> + Send + 'static,
    R: Send + 'static,
{
    let key = external_id.to_owned();
    let existing = app
        .read(move |tx| Ok(find(tx, tenant_id, &key)?.map(|account| account.id)))
        .await?;
    match existing {
        Some(account_id) => app.on_account(tenant_id, account_id, work).await,
        None => app.write(work).await,
    }
}
