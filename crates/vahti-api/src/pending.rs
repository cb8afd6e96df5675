//! Pending actions: steps that wait for a person's approval when a policy runs in guided mode.

use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::common::{Amount, StepKind};
use crate::wire::{self, wire_enum};

wire_enum! {
    /// The output of a pending action once approved.
    pub enum PendingActionKind {
        /// An email to the debtor.
        Message = "message",
        /// A paper letter, such as a formal demand to a consumer without consent to email.
        Letter = "letter",
        /// A task for a person; nothing is sent.
        Task = "task",
    }
}

wire_enum! {
    /// The state of a pending action.
    pub enum PendingActionState {
        /// Waiting for approval.
        Pending = "pending",
        /// Approved and handed to delivery.
        Approved = "approved",
        /// Skipped by a person.
        Skipped = "skipped",
        /// Dropped because it no longer applies, such as after the invoices were paid.
        Cancelled = "cancelled",
    }
}

/// One invoice covered by a pending action.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PendingInvoice {
    /// External id of the invoice.
    pub invoice: String,
    /// Key of the policy step the invoice is at.
    pub step: String,
    /// ISO 4217 currency of the invoice.
    pub currency: String,
    /// The amount outstanding before the fee, interest to date included.
    #[serde(with = "crate::decimal")]
    pub outstanding: Decimal,
    /// The fee the step charges on this invoice; zero for a step without a fee.
    #[serde(with = "crate::decimal")]
    pub fee: Decimal,
}

/// A step waiting for approval, returned by `GET /v1/pending/{id}`, by its approve and skip
/// actions, and in the pages of `GET /v1/pending`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PendingAction {
    /// Vahti's id of the pending action.
    pub id: i64,
    /// External id of the account.
    pub account: String,
    /// The output of the action once approved.
    pub kind: PendingActionKind,
    /// The kind of the policy step.
    pub step_kind: StepKind,
    /// The invoices the action covers, with their step keys and fees.
    #[serde(default)]
    pub invoices: Vec<PendingInvoice>,
    /// The totals the debtor is asked to pay, fees included, one entry per currency.
    #[serde(default)]
    pub totals: Vec<Amount>,
    /// The state of the action.
    pub state: PendingActionState,
    /// When the action was created.
    pub created_at: DateTime<Utc>,
    /// When the action was approved, skipped or cancelled, or `null` while pending.
    #[serde(default)]
    pub decided_at: Option<DateTime<Utc>>,
    /// The note given on approval or the reason given on skipping.
    #[serde(default)]
    pub note: Option<String>,
}

/// Query parameters of `GET /v1/pending`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::IntoParams))]
#[cfg_attr(feature = "openapi", into_params(parameter_in = Query))]
#[serde(deny_unknown_fields)]
pub struct PendingListQuery {
    /// Only actions in this state; `pending` when absent.
    #[serde(
        default,
        deserialize_with = "wire::known_option",
        skip_serializing_if = "Option::is_none"
    )]
    pub state: Option<PendingActionState>,
    /// Only actions of the account with this external id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub account: Option<String>,
    /// The `next_cursor` of the previous page; absent for the first page.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cursor: Option<String>,
    /// Page size, 1 to 1000; 100 when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub limit: Option<u32>,
}

/// Body of `POST /v1/pending/{id}/approve`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct ApprovePendingRequest {
    /// New fees for some invoices. A fee may only be lowered, down to zero.
    #[serde(default)]
    pub fee_amounts: Vec<FeeAmount>,
    /// A note for the audit log; not sent to the debtor.
    #[serde(default)]
    pub note: Option<String>,
    /// A paragraph added as written to the message to the debtor; write it in the account's
    /// language.
    #[serde(default)]
    pub free_text: Option<String>,
}

/// A changed fee for one invoice of a pending action.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct FeeAmount {
    /// External id of the invoice.
    pub invoice: String,
    /// The new fee, from zero up to the proposed fee, in the invoice's currency.
    #[serde(with = "crate::decimal")]
    pub amount: Decimal,
}

/// Body of `POST /v1/pending/{id}/skip`.
///
/// A skipped step is recorded as skipped and is not offered again. Collection moves on to the
/// next step of the policy when that step falls due.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct SkipPendingRequest {
    /// The reason for skipping, kept in the audit log.
    pub reason: String,
}
