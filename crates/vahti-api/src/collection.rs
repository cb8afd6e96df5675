//! Manual interventions in collection: pauses, promises to pay, and reminders sent now.

use chrono::{DateTime, NaiveDate, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::common::StepKind;
use crate::wire::{self, wire_enum};

/// Body of `POST /v1/accounts/{external_id}/pause`: pauses collection of the whole account or of
/// one invoice.
///
/// No step is taken while the pause lasts; the schedule resumes the day after `until`, or at
/// once after `POST /v1/accounts/{external_id}/resume`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct PauseRequest {
    /// The last day of the pause, today or later.
    pub until: NaiveDate,
    /// The reason for the pause, kept in the account's timeline.
    pub reason: String,
    /// External id of the one invoice to pause; the whole account when absent.
    #[serde(default)]
    pub invoice: Option<String>,
}

/// Body of `POST /v1/accounts/{external_id}/resume`: ends a pause before its last day.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct ResumeRequest {
    /// External id of the one invoice to resume; the whole account when absent.
    #[serde(default)]
    pub invoice: Option<String>,
}

/// The pause state after a pause or resume request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PauseState {
    /// External id of the account.
    pub account: String,
    /// External id of the paused invoice, or `null` for the whole account.
    #[serde(default)]
    pub invoice: Option<String>,
    /// The last day of the pause, or `null` when collection is not paused.
    #[serde(default)]
    pub paused_until: Option<NaiveDate>,
    /// The reason for the pause, or `null` when collection is not paused.
    #[serde(default)]
    pub reason: Option<String>,
}

/// Body of `POST /v1/accounts/{external_id}/promises`: records the debtor's promise to pay by a
/// date.
///
/// No step is taken on the promised invoices until `pay_by` has passed. If the promised amount
/// has not arrived by then, the promise is broken and collection continues.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct PromiseRequest {
    /// External id of the one invoice promised; every overdue invoice of the account when
    /// absent.
    #[serde(default)]
    pub invoice: Option<String>,
    /// The day by which the debtor promised to pay, today or later.
    pub pay_by: NaiveDate,
    /// The amount promised; everything outstanding on the promised invoices when absent.
    #[serde(default, with = "crate::decimal::option")]
    pub amount: Option<Decimal>,
    /// ISO 4217 currency of `amount`; required with an amount when the account has open
    /// invoices in more than one currency.
    #[serde(default)]
    pub currency: Option<String>,
}

wire_enum! {
    /// The state of a promise to pay.
    pub enum PromiseState {
        /// The promised day has not passed.
        Open = "open",
        /// The promised amount arrived in time.
        Kept = "kept",
        /// The promised day passed without the promised amount.
        Broken = "broken",
    }
}

/// A promise to pay, returned by `POST /v1/accounts/{external_id}/promises`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Promise {
    /// Vahti's id of the promise.
    pub id: i64,
    /// External id of the account.
    pub account: String,
    /// External id of the promised invoice, or `null` for the account's overdue invoices.
    #[serde(default)]
    pub invoice: Option<String>,
    /// The promised day.
    pub pay_by: NaiveDate,
    /// The promised amount.
    #[serde(with = "crate::decimal")]
    pub amount: Decimal,
    /// ISO 4217 currency of the amount.
    pub currency: String,
    /// The state of the promise.
    pub state: PromiseState,
    /// When the promise was recorded.
    pub created_at: DateTime<Utc>,
}

/// Body of `POST /v1/accounts/{external_id}/remind`: sends a message to the debtor now instead of
/// waiting for the policy's schedule.
///
/// The legal rules still apply: a fee-bearing kind is refused when the rules for the debtor type
/// do not allow a fee yet, and the minimum interval between messages holds.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct RemindRequest {
    /// The kind of message; a reminder without a fee when absent.
    #[serde(default, deserialize_with = "wire::known_option")]
    pub kind: Option<StepKind>,
    /// External ids of the invoices to include; every overdue invoice of the account when empty.
    #[serde(default)]
    pub invoices: Vec<String>,
}

wire_enum! {
    /// The outcome of a remind request.
    pub enum RemindOutcome {
        /// The message is in the outbox and goes out in the next send window.
        Queued = "queued",
        /// The account's policy needs approval first, so a pending action was created.
        AwaitingApproval = "awaiting_approval",
    }
}

/// Response of `POST /v1/accounts/{external_id}/remind`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RemindResponse {
    /// The outcome of the request.
    pub outcome: RemindOutcome,
    /// External ids of the invoices the message covers.
    #[serde(default)]
    pub invoices: Vec<String>,
    /// The id of the pending action to approve, when `outcome` is `awaiting_approval`.
    #[serde(default)]
    pub pending_action_id: Option<i64>,
}
