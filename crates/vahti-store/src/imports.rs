//! Records of imported files, so the same bank or invoice file is never applied twice.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use vahti_domain::ids::TenantId;

use crate::Tx;
use crate::convert::{from_json, to_json};
use crate::error::StoreError;
use crate::ids::ImportId;
use crate::reuse::ReuseExt;
use crate::rows::ImportRow;
use crate::schema::imports;
use crate::sql_types::Instant;

/// A file to record.
#[derive(Debug, Clone, PartialEq)]
pub struct NewImport {
    /// The file type, such as `camt054` or `ktl`.
    pub kind: String,
    /// The hex SHA-256 of the file's bytes.
    pub file_sha256: String,
    /// The file's name as uploaded.
    pub file_name: String,
    /// Counts and totals of the import, as JSON.
    pub summary: serde_json::Value,
}

/// A recorded import.
#[derive(Debug, Clone, PartialEq)]
pub struct Import {
    /// The key.
    pub id: ImportId,
    /// The owning tenant.
    pub tenant_id: TenantId,
    /// The file type.
    pub kind: String,
    /// The hex SHA-256 of the file.
    pub file_sha256: String,
    /// The file's name.
    pub file_name: String,
    /// A summary of the import.
    pub summary: serde_json::Value,
    /// When the file was imported.
    pub created_at: DateTime<Utc>,
}

impl TryFrom<ImportRow> for Import {
    type Error = StoreError;

    fn try_from(row: ImportRow) -> Result<Self, StoreError> {
        Ok(Import {
            id: ImportId(row.id),
            tenant_id: TenantId(row.tenant_id),
            summary: from_json("imports", "summary", &row.summary)?,
            kind: row.kind,
            file_sha256: row.file_sha256,
            file_name: row.file_name,
            created_at: row.created_at.0,
        })
    }
}

/// Records an import. Fails with [`StoreError::Conflict`] on field `file_sha256` when the tenant
/// already imported a file with the same hash.
pub fn record(
    tx: &mut Tx<'_>,
    tenant_id: TenantId,
    import: &NewImport,
    now: DateTime<Utc>,
) -> Result<Import, StoreError> {
    let summary = to_json("summary", &import.summary)?;
    let row: ImportRow = diesel::insert_into(imports::table)
        .values((
            imports::tenant_id.eq(tenant_id.0),
            imports::kind.eq(&import.kind),
            imports::file_sha256.eq(&import.file_sha256),
            imports::file_name.eq(&import.file_name),
            imports::summary.eq(&summary),
            imports::created_at.eq(Instant(now)),
        ))
        .returning(imports::all_columns)
        .get_result(tx.connection())
        .map_err(|error| match tx.error(error) {
            StoreError::Conflict { .. } => StoreError::Conflict {
                field: "file_sha256".to_owned(),
                detail: format!(
                    "a file with SHA-256 {} was already imported",
                    import.file_sha256
                ),
            },
            other => other,
        })?;
    tracing::info!(tenant.id = tenant_id.0, import.id = row.id, import.kind = %row.kind, "recorded import");
    Import::try_from(row)
}

/// Replaces the summary of an import, once its rows are processed.
pub fn set_summary(
    tx: &mut Tx<'_>,
    id: ImportId,
    summary: &serde_json::Value,
) -> Result<(), StoreError> {
    let text = to_json("summary", summary)?;
    let changed = diesel::update(imports::table.find(id.0))
        .set(imports::summary.eq(&text))
        .reusable()
        .execute(tx.connection())
        .map_err(|error| tx.error(error))?;
    if changed == 0 {
        return Err(StoreError::not_found("import", id));
    }
    Ok(())
}

/// Finds the import of a file by its hash.
pub fn find_by_hash(
    tx: &mut Tx<'_>,
    tenant_id: TenantId,
    file_sha256: &str,
) -> Result<Option<Import>, StoreError> {
    let row: Option<ImportRow> = imports::table
        .filter(imports::tenant_id.eq(tenant_id.0))
        .filter(imports::file_sha256.eq(file_sha256))
        .select(ImportRow::as_select())
        .first(tx.connection())
        .optional()
        .map_err(|error| tx.error(error))?;
    row.map(Import::try_from).transpose()
}
