//! Tenants: creation with their default policies and first token, and changes to their
//! creditor details.

use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use vahti_domain::ident::{Bic, Iban};
use vahti_domain::ids::TenantId;
use vahti_domain::policy::Policy;
use vahti_store::tenants::{self, CreditorSettings, NewTenant, Tenant};
use vahti_store::tokens::{self, ApiToken, GeneratedToken};
use vahti_store::{Locale, Tx, policies};

use super::context::{DEFAULT_BUSINESS_POLICY, DEFAULT_CONSUMER_POLICY};
use crate::error::{ServiceError, ServiceResult};

/// A tenant as created, with its first API token.
#[derive(Debug, Clone)]
pub struct CreatedTenant {
    /// The tenant.
    pub tenant: Tenant,
    /// The first token's stored record.
    pub token: ApiToken,
    /// The first token's secret, shown once.
    pub secret: GeneratedToken,
}

/// Checks the values of a tenant before they are stored.
pub fn validate(tenant: &NewTenant) -> ServiceResult<()> {
    if tenant.name.trim().is_empty() || tenant.name.chars().count() > 200 {
        return Err(ServiceError::unprocessable(
            "value_invalid",
            Some("name".to_owned()),
            "name must be 1 to 200 characters",
        ));
    }
    if tenant.time_zone.parse::<Tz>().is_err() {
        return Err(ServiceError::unprocessable(
            "time_zone_unknown",
            Some("time_zone".to_owned()),
            format!(
                "unknown time zone {:?}: use an IANA name such as Europe/Helsinki",
                tenant.time_zone
            ),
        ));
    }
    let creditor = &tenant.creditor;
    if let Some(iban) = &creditor.iban {
        Iban::parse(iban).map_err(|error| ServiceError::from_domain("iban", &error))?;
    }
    if let Some(bic) = &creditor.bic {
        Bic::parse(bic).map_err(|error| ServiceError::from_domain("bic", &error))?;
    }
    for (field, address) in [
        ("sender_email", &creditor.mail_from),
        ("reply_to", &creditor.mail_reply_to),
    ] {
        if let Some(address) = address
            && address.parse::<lettre::Address>().is_err()
        {
            return Err(ServiceError::unprocessable(
                "email_invalid",
                Some(field.to_owned()),
                format!("{field} {address:?} is not a valid email address"),
            ));
        }
    }
    Ok(())
}

/// Creates a tenant with the default consumer and business policies and a first API token.
pub fn create(
    tx: &mut Tx<'_>,
    new: &NewTenant,
    token_name: &str,
    now: DateTime<Utc>,
) -> ServiceResult<CreatedTenant> {
    validate(new)?;
    let tenant = tenants::create(tx, new, now)?;
    install_default_policies(tx, tenant.id, now)?;
    let (token, secret) = tokens::create(tx, tenant.id, token_name, now)?;
    tracing::info!(tenant.id = tenant.id.0, "tenant created");
    Ok(CreatedTenant {
        tenant,
        token,
        secret,
    })
}

/// Stores the default consumer and business policies under their well-known keys.
pub fn install_default_policies(
    tx: &mut Tx<'_>,
    tenant: TenantId,
    now: DateTime<Utc>,
) -> ServiceResult<()> {
    for (key, policy) in [
        (DEFAULT_CONSUMER_POLICY, Policy::default_consumer()),
        (DEFAULT_BUSINESS_POLICY, Policy::default_business()),
    ] {
        let body = serde_json::to_value(&policy).map_err(|error| {
            ServiceError::internal(format!("cannot encode the default policy: {error}"))
        })?;
        policies::create(tx, tenant, key, &policy.name, &body, now)?;
    }
    Ok(())
}

/// The store's locale for an API locale.
pub fn store_locale(locale: vahti_api::Locale) -> Locale {
    match locale {
        vahti_api::Locale::Sv => Locale::Sv,
        vahti_api::Locale::En => Locale::En,
        _ => Locale::Fi,
    }
}

/// The API's locale for a stored locale.
pub fn api_locale(locale: Locale) -> vahti_api::Locale {
    match locale {
        Locale::Fi => vahti_api::Locale::Fi,
        Locale::Sv => vahti_api::Locale::Sv,
        Locale::En => vahti_api::Locale::En,
    }
}

/// Default creditor settings for a tenant name.
pub fn creditor_named(name: &str) -> CreditorSettings {
    CreditorSettings {
        legal_name: name.to_owned(),
        ..CreditorSettings::default()
    }
}
