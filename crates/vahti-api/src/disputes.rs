//! Disputes: a debtor contests an invoice, and collection of it stops until the dispute is
//! resolved, as the Debt Collection Act (513/1999) requires for a dispute on reasonable grounds.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::wire::{self, wire_enum};

/// Body of `POST /v1/invoices/{external_id}/disputes`: opens a dispute on an invoice.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct OpenDisputeRequest {
    /// The debtor's objection, in their words or as a summary.
    pub reason: String,
}

wire_enum! {
    /// The outcome of a dispute.
    pub enum DisputeResolution {
        /// The debtor was right; the creditor corrects the invoice, typically with a credit note.
        Upheld = "upheld",
        /// The debtor was wrong; collection resumes.
        Rejected = "rejected",
    }
}

/// Body of `POST /v1/disputes/{id}/resolve`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct ResolveDisputeRequest {
    /// The outcome of the dispute.
    #[serde(deserialize_with = "wire::known")]
    pub resolution: DisputeResolution,
    /// An explanation kept in the account's timeline.
    #[serde(default)]
    pub note: Option<String>,
}

/// A dispute, returned by `POST /v1/invoices/{external_id}/disputes` and
/// `POST /v1/disputes/{id}/resolve`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Dispute {
    /// Vahti's id of the dispute.
    pub id: i64,
    /// External id of the disputed invoice.
    pub invoice: String,
    /// External id of the invoice's account.
    pub account: String,
    /// The debtor's objection.
    pub reason: String,
    /// When the dispute was opened.
    pub opened_at: DateTime<Utc>,
    /// When the dispute was resolved, or `null` while it is open.
    #[serde(default)]
    pub resolved_at: Option<DateTime<Utc>>,
    /// The outcome of the dispute, or `null` while it is open.
    #[serde(default)]
    pub resolution: Option<DisputeResolution>,
    /// The explanation given on resolving.
    #[serde(default)]
    pub note: Option<String>,
}
