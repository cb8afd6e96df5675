//! The collection agency of each tenant: its contact details, which go into the debtor's
//! hand-over notice, and how cases reach it.
//!
//! An HTTP partner's signing secret is stored readable, because the daemon signs every request
//! with it; `Debug` hides it and this module never logs it.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel::upsert::excluded;
use vahti_domain::ids::TenantId;

use crate::Tx;
use crate::convert::{parse_column, text_enum};
use crate::error::StoreError;
use crate::ids::PartnerId;
use crate::reuse::ReuseExt;
use crate::rows::CollectionPartnerRow;
use crate::schema::collection_partners;
use crate::sql_types::Instant;
use crate::store::per_backend;

text_enum! {
    /// The channel through which cases reach a collection partner.
    pub enum PartnerKind {
        /// A signed JSON `POST` to the agency's API.
        Http => "http",
        /// JSON and CSV files written into a directory that the agency collects.
        File => "file",
    }
}

/// A tenant's collection partner as configured.
#[derive(Clone, PartialEq, Eq)]
pub struct PartnerSettings {
    /// HTTP or files.
    pub kind: PartnerKind,
    /// The agency's name, as the debtor's notice shows it.
    pub name: String,
    /// The agency's email address for debtors.
    pub email: Option<String>,
    /// The agency's phone number for debtors.
    pub phone: Option<String>,
    /// The agency's web site for debtors.
    pub website: Option<String>,
    /// The URL cases are posted to; required for [`PartnerKind::Http`].
    pub url: Option<String>,
    /// The secret requests are signed with; required for [`PartnerKind::Http`].
    pub secret: Option<String>,
}

impl std::fmt::Debug for PartnerSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PartnerSettings")
            .field("kind", &self.kind)
            .field("name", &self.name)
            .finish_non_exhaustive()
    }
}

/// A stored collection partner.
#[derive(Clone, PartialEq, Eq)]
pub struct CollectionPartner {
    /// The key.
    pub id: PartnerId,
    /// The owning tenant.
    pub tenant_id: TenantId,
    /// The settings.
    pub settings: PartnerSettings,
    /// When it was first configured.
    pub created_at: DateTime<Utc>,
    /// When it last changed.
    pub updated_at: DateTime<Utc>,
}

impl std::fmt::Debug for CollectionPartner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CollectionPartner")
            .field("id", &self.id)
            .field("tenant_id", &self.tenant_id)
            .field("settings", &self.settings)
            .finish_non_exhaustive()
    }
}

impl TryFrom<CollectionPartnerRow> for CollectionPartner {
    type Error = StoreError;

    fn try_from(row: CollectionPartnerRow) -> Result<Self, StoreError> {
        Ok(CollectionPartner {
            id: PartnerId(row.id),
            tenant_id: TenantId(row.tenant_id),
            settings: PartnerSettings {
                kind: parse_column("collection_partners", "kind", &row.kind)?,
                name: row.name,
                email: row.email,
                phone: row.phone,
                website: row.website,
                url: row.url,
                secret: row.secret,
            },
            created_at: row.created_at.0,
            updated_at: row.updated_at.0,
        })
    }
}

/// Sets the tenant's collection partner, replacing the one configured before.
///
/// Fails with [`StoreError::ConstraintViolated`] when an HTTP partner lacks its URL or secret.
pub fn put(
    tx: &mut Tx<'_>,
    tenant_id: TenantId,
    settings: &PartnerSettings,
    now: DateTime<Utc>,
) -> Result<CollectionPartner, StoreError> {
    let backend = tx.backend();
    let values = (
        collection_partners::tenant_id.eq(tenant_id.0),
        collection_partners::kind.eq(settings.kind.as_str()),
        collection_partners::name.eq(&settings.name),
        collection_partners::email.eq(settings.email.as_deref()),
        collection_partners::phone.eq(settings.phone.as_deref()),
        collection_partners::website.eq(settings.website.as_deref()),
        collection_partners::url.eq(settings.url.as_deref()),
        collection_partners::secret.eq(settings.secret.as_deref()),
        collection_partners::created_at.eq(Instant(now)),
        collection_partners::updated_at.eq(Instant(now)),
    );
    let row: CollectionPartnerRow = per_backend!(tx, |connection| {
        diesel::insert_into(collection_partners::table)
            .values(values)
            .on_conflict(collection_partners::tenant_id)
            .do_update()
            .set((
                collection_partners::kind.eq(excluded(collection_partners::kind)),
                collection_partners::name.eq(excluded(collection_partners::name)),
                collection_partners::email.eq(excluded(collection_partners::email)),
                collection_partners::phone.eq(excluded(collection_partners::phone)),
                collection_partners::website.eq(excluded(collection_partners::website)),
                collection_partners::url.eq(excluded(collection_partners::url)),
                collection_partners::secret.eq(excluded(collection_partners::secret)),
                collection_partners::updated_at.eq(excluded(collection_partners::updated_at)),
            ))
            .returning(collection_partners::all_columns)
            .reusable()
            .get_result(connection)
    })
    .map_err(|error| StoreError::from_diesel(backend, error))?;
    tracing::info!(
        tenant.id = tenant_id.0,
        partner.kind = %settings.kind,
        "set collection partner"
    );
    CollectionPartner::try_from(row)
}

/// Loads the tenant's collection partner, if one is configured.
pub fn get(tx: &mut Tx<'_>, tenant_id: TenantId) -> Result<Option<CollectionPartner>, StoreError> {
    let row: Option<CollectionPartnerRow> = collection_partners::table
        .filter(collection_partners::tenant_id.eq(tenant_id.0))
        .select(CollectionPartnerRow::as_select())
        .first(tx.connection())
        .optional()
        .map_err(|error| tx.error(error))?;
    row.map(CollectionPartner::try_from).transpose()
}

/// Removes the tenant's collection partner and returns whether one was configured.
pub fn delete(tx: &mut Tx<'_>, tenant_id: TenantId) -> Result<bool, StoreError> {
    let deleted = diesel::delete(
        collection_partners::table.filter(collection_partners::tenant_id.eq(tenant_id.0)),
    )
    .execute(tx.connection())
    .map_err(|error| tx.error(error))?;
    Ok(deleted > 0)
}
