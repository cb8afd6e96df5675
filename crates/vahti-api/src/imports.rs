//! Imports of e-invoice files and bank payment files.
//!
//! The body of `POST /v1/imports/invoices` is a Finvoice or Peppol UBL file; the body of
//! `POST /v1/imports/payments` is a camt.053, camt.054 or KTL file. The body is the file's bytes
//! as they are, at most [`crate::limits::MAX_IMPORT_BODY_BYTES`]; the server detects the format
//! from the content. Importing the same file again changes nothing and reports `already_imported`.

use serde::{Deserialize, Serialize};

use crate::wire::wire_enum;

wire_enum! {
    /// The format of an imported file.
    pub enum ImportFormat {
        /// Finvoice, the Finnish e-invoice XML format.
        Finvoice = "finvoice",
        /// Peppol BIS Billing 3.0 (EN 16931 UBL) invoices and credit notes.
        PeppolUbl = "peppol_ubl",
        /// ISO 20022 camt.053 bank-to-customer statement.
        Camt053 = "camt_053",
        /// ISO 20022 camt.054 bank-to-customer debit and credit notification.
        Camt054 = "camt_054",
        /// Finnish KTL incoming reference payments file (saapuvat viitemaksut).
        Ktl = "ktl",
    }
}

/// Response of `POST /v1/imports/invoices` and `POST /v1/imports/payments`: what the file held
/// and what Vahti did with it.
///
/// Records are rejected one by one; a file that cannot be read as a whole is rejected with an
/// error response instead.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ImportReport {
    /// Vahti's id of the import.
    pub import_id: i64,
    /// The detected format.
    pub format: ImportFormat,
    /// The format version the file declares, such as `3.0` for Finvoice or `001.02` for camt.
    #[serde(default)]
    pub version: Option<String>,
    /// Number of invoices or payments stored for the first time.
    #[serde(default)]
    pub created: u32,
    /// Number of invoices changed by the file.
    #[serde(default)]
    pub updated: u32,
    /// Number of records already stored unchanged, such as payments with a known archive id.
    #[serde(default)]
    pub duplicates_skipped: u32,
    /// Records imported with a caveat, such as a reference found only in free text.
    #[serde(default)]
    pub warnings: Vec<ImportWarning>,
    /// Records not imported.
    #[serde(default)]
    pub rejected: Vec<ImportRejection>,
    /// Whether this exact file was imported before; nothing was changed then.
    #[serde(default)]
    pub already_imported: bool,
}

/// A record imported with a caveat.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ImportWarning {
    /// The record's position in the file, such as `line 17` or `entry 3, transaction 2`.
    pub position: String,
    /// A stable code of the caveat, such as `reference_in_free_text`.
    pub code: String,
    /// The caveat and its effect on the record.
    pub message: String,
}

/// A record that was not imported.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ImportRejection {
    /// The record's position in the file, such as `line 17` or `invoice 3`.
    pub position: String,
    /// A stable code of the reason, such as `amount_invalid`, when one applies.
    #[serde(default)]
    pub code: Option<String>,
    /// The reason for the rejection and how to fix it.
    pub reason: String,
}
