//! Tenants (creditor companies), their settings and their counters.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use serde::{Deserialize, Serialize};
use vahti_domain::ids::TenantId;

use crate::Tx;
use crate::convert::{from_json, parse_column, to_json};
use crate::error::StoreError;
use crate::locale::Locale;
use crate::reuse::ReuseExt;
use crate::rows::TenantRow;
use crate::schema::{tenant_counters, tenants};
use crate::sql_types::Instant;
use crate::store::per_backend;

/// The creditor's details printed on messages and used for payments, stored as JSON.
///
/// Values are stored as given; the daemon validates IBAN, BIC and addresses before storing.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct CreditorSettings {
    /// The registered name of the company.
    pub legal_name: String,
    /// The business identity code, such as the Finnish Y-tunnus `1234567-8`.
    pub business_id: Option<String>,
    /// Street address lines, first line first. Tenants stored before the postal code, city and
    /// country had their own fields carry them here as further lines.
    pub address: Vec<String>,
    /// The postal code of the address.
    pub postal_code: Option<String>,
    /// The city or post office of the address.
    pub city: Option<String>,
    /// The country of the address as an ISO 3166-1 alpha-2 code, such as `FI`.
    pub country: Option<String>,
    /// Contact email shown to debtors.
    pub contact_email: Option<String>,
    /// Contact phone shown to debtors.
    pub contact_phone: Option<String>,
    /// The account debtors pay to.
    pub iban: Option<String>,
    /// The BIC of that account's bank.
    pub bic: Option<String>,
    /// The `From` address of outgoing mail.
    pub mail_from: Option<String>,
    /// The `Reply-To` address of outgoing mail.
    pub mail_reply_to: Option<String>,
    /// A `Bcc` address that receives a copy of every message.
    pub mail_bcc: Option<String>,
}

impl CreditorSettings {
    /// Returns the postal address without the country: the street lines, then the postal code and
    /// city on one line.
    pub fn postal_lines(&self) -> Vec<String> {
        let mut lines = self.address.clone();
        let city_line = [self.postal_code.as_deref(), self.city.as_deref()]
            .into_iter()
            .flatten()
            .collect::<Vec<_>>()
            .join(" ");
        if !city_line.is_empty() {
            lines.push(city_line);
        }
        lines
    }
}

/// A tenant to create.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewTenant {
    /// A display name.
    pub name: String,
    /// The IANA time zone in which "today" is computed, such as `Europe/Helsinki`.
    pub time_zone: String,
    /// The language for accounts that do not choose one.
    pub default_locale: Locale,
    /// The creditor's details.
    pub creditor: CreditorSettings,
}

/// A stored tenant.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tenant {
    /// The key.
    pub id: TenantId,
    /// A display name.
    pub name: String,
    /// The IANA time zone in which "today" is computed.
    pub time_zone: String,
    /// The language for accounts that do not choose one.
    pub default_locale: Locale,
    /// The creditor's details.
    pub creditor: CreditorSettings,
    /// A disabled tenant's API tokens are rejected and its accounts are not escalated.
    pub disabled: bool,
    /// When the tenant was created.
    pub created_at: DateTime<Utc>,
    /// When the tenant was last changed.
    pub updated_at: DateTime<Utc>,
}

impl TenantRow {
    fn into_tenant(self) -> Result<Tenant, StoreError> {
        Ok(Tenant {
            id: TenantId(self.id),
            default_locale: parse_column("tenants", "default_locale", &self.default_locale)?,
            creditor: from_json("tenants", "creditor", &self.creditor)?,
            name: self.name,
            time_zone: self.time_zone,
            disabled: self.disabled,
            created_at: self.created_at.0,
            updated_at: self.updated_at.0,
        })
    }
}

/// Creates a tenant and its counter row.
pub fn create(tx: &mut Tx<'_>, new: &NewTenant, now: DateTime<Utc>) -> Result<Tenant, StoreError> {
    let creditor = to_json("creditor", &new.creditor)?;
    let row: TenantRow = diesel::insert_into(tenants::table)
        .values((
            tenants::name.eq(&new.name),
            tenants::time_zone.eq(&new.time_zone),
            tenants::default_locale.eq(new.default_locale.as_str()),
            tenants::creditor.eq(&creditor),
            tenants::disabled.eq(false),
            tenants::created_at.eq(Instant(now)),
            tenants::updated_at.eq(Instant(now)),
        ))
        .returning(tenants::all_columns)
        .get_result(tx.connection())
        .map_err(|error| tx.error(error))?;

    diesel::insert_into(tenant_counters::table)
        .values(tenant_counters::tenant_id.eq(row.id))
        .execute(tx.connection())
        .map_err(|error| tx.error(error))?;

    tracing::info!(tenant.id = row.id, "created tenant");
    row.into_tenant()
}

/// Loads a tenant.
pub fn get(tx: &mut Tx<'_>, id: TenantId) -> Result<Tenant, StoreError> {
    let row: TenantRow = per_backend!(tx, |connection| {
        tenants::table
            .find(id.0)
            .select(TenantRow::as_select())
            .first(connection)
    })
    .map_err(|error| tx.lookup_error("tenant", id, error))?;
    row.into_tenant()
}

/// Lists all tenants in key order.
pub fn list(tx: &mut Tx<'_>) -> Result<Vec<Tenant>, StoreError> {
    tenants::table
        .order(tenants::id)
        .select(TenantRow::as_select())
        .load(tx.connection())
        .map_err(|error| tx.error(error))?
        .into_iter()
        .map(TenantRow::into_tenant)
        .collect()
}

/// Replaces a tenant's name, time zone, default locale and creditor settings.
pub fn update(
    tx: &mut Tx<'_>,
    id: TenantId,
    changes: &NewTenant,
    now: DateTime<Utc>,
) -> Result<Tenant, StoreError> {
    let creditor = to_json("creditor", &changes.creditor)?;
    diesel::update(tenants::table.find(id.0))
        .set((
            tenants::name.eq(&changes.name),
            tenants::time_zone.eq(&changes.time_zone),
            tenants::default_locale.eq(changes.default_locale.as_str()),
            tenants::creditor.eq(&creditor),
            tenants::updated_at.eq(Instant(now)),
        ))
        .returning(tenants::all_columns)
        .reusable()
        .get_result::<TenantRow>(tx.connection())
        .map_err(|error| tx.lookup_error("tenant", id, error))?
        .into_tenant()
}

/// Disables or enables a tenant.
pub fn set_disabled(
    tx: &mut Tx<'_>,
    id: TenantId,
    disabled: bool,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    let changed = diesel::update(tenants::table.find(id.0))
        .set((
            tenants::disabled.eq(disabled),
            tenants::updated_at.eq(Instant(now)),
        ))
        .reusable()
        .execute(tx.connection())
        .map_err(|error| tx.error(error))?;
    if changed == 0 {
        return Err(StoreError::not_found("tenant", id));
    }
    tracing::info!(tenant.id = id.0, disabled, "changed tenant state");
    Ok(())
}

/// Hands out the tenant's next reference base, a number from which the daemon builds a Finnish
/// reference by appending the check digit.
///
/// The numbers start at 100 and have no gaps: the counter row is updated inside the caller's
/// transaction and stays locked until it commits, and a rollback returns the number.
pub fn next_reference_base(tx: &mut Tx<'_>, id: TenantId) -> Result<i64, StoreError> {
    let next = diesel::update(tenant_counters::table.find(id.0))
        .set(tenant_counters::next_reference_base.eq(tenant_counters::next_reference_base + 1))
        .returning(tenant_counters::next_reference_base)
        .reusable()
        .get_result::<i64>(tx.connection())
        .map_err(|error| tx.lookup_error("tenant", id, error))?;
    Ok(next - 1)
}

/// Hands out `count` consecutive reference bases at once and returns the first, with the
/// guarantees of [`next_reference_base`]. A batch of invoices takes its bases in one statement.
pub fn next_reference_bases(tx: &mut Tx<'_>, id: TenantId, count: u32) -> Result<i64, StoreError> {
    let count = i64::from(count);
    let next = diesel::update(tenant_counters::table.find(id.0))
        .set(tenant_counters::next_reference_base.eq(tenant_counters::next_reference_base + count))
        .returning(tenant_counters::next_reference_base)
        .reusable()
        .get_result::<i64>(tx.connection())
        .map_err(|error| tx.lookup_error("tenant", id, error))?;
    Ok(next - count)
}

/// Hands out `count` consecutive event sequence numbers and returns the first, with the
/// guarantees of [`next_reference_base`].
pub(crate) fn next_event_seqs(
    tx: &mut Tx<'_>,
    id: TenantId,
    count: u32,
) -> Result<i64, StoreError> {
    let count = i64::from(count);
    let next = diesel::update(tenant_counters::table.find(id.0))
        .set(tenant_counters::next_event_seq.eq(tenant_counters::next_event_seq + count))
        .returning(tenant_counters::next_event_seq)
        .reusable()
        .get_result::<i64>(tx.connection())
        .map_err(|error| tx.lookup_error("tenant", id, error))?;
    Ok(next - count)
}

/// Hands out the tenant's next event sequence number, with the guarantees of
/// [`next_reference_base`].
pub(crate) fn next_event_seq(tx: &mut Tx<'_>, id: TenantId) -> Result<i64, StoreError> {
    let next = diesel::update(tenant_counters::table.find(id.0))
        .set(tenant_counters::next_event_seq.eq(tenant_counters::next_event_seq + 1))
        .returning(tenant_counters::next_event_seq)
        .reusable()
        .get_result::<i64>(tx.connection())
        .map_err(|error| tx.lookup_error("tenant", id, error))?;
    Ok(next - 1)
}
