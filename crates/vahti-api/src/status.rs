//! The status of one account: balances, open invoices and the timeline of what happened.

use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::accounts::Account;
use crate::invoices::Invoice;
use crate::wire::wire_enum;

/// Response of `GET /v1/accounts/{external_id}/status`.
///
/// Amounts are computed when the response is made, penalty interest up to and including today
/// in the tenant's time zone.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AccountStatus {
    /// The account.
    pub account: Account,
    /// The debtor's balances, one entry per currency.
    #[serde(default)]
    pub balances: Vec<Balance>,
    /// The account's open invoices, each with its current step, oldest due date first.
    #[serde(default)]
    pub open_invoices: Vec<Invoice>,
    /// When the scheduler next acts on the account, or `null` when nothing is planned.
    #[serde(default)]
    pub next_action_at: Option<DateTime<Utc>>,
    /// The account's history, newest first.
    #[serde(default)]
    pub timeline: Vec<TimelineEntry>,
}

/// The balance of an account in one currency.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Balance {
    /// ISO 4217 currency code.
    pub currency: String,
    /// Principal outstanding on open invoices.
    #[serde(with = "crate::decimal")]
    pub principal: Decimal,
    /// Penalty interest accrued and not paid.
    #[serde(with = "crate::decimal")]
    pub interest: Decimal,
    /// Fees and other collection costs charged and not paid.
    #[serde(with = "crate::decimal")]
    pub fees: Decimal,
    /// Unallocated payments and credit notes in the debtor's favour, as a positive amount.
    #[serde(with = "crate::decimal")]
    pub credit: Decimal,
    /// `principal + interest + fees - credit`; negative when the creditor owes the debtor.
    #[serde(with = "crate::decimal")]
    pub total: Decimal,
}

wire_enum! {
    /// The kind of a timeline entry.
    pub enum TimelineKind {
        /// An invoice or credit note was created.
        InvoiceCreated = "invoice_created",
        /// A draft was issued.
        InvoiceIssued = "invoice_issued",
        /// An invoice's due date changed.
        DueDateChanged = "due_date_changed",
        /// An invoice was cancelled.
        InvoiceCancelled = "invoice_cancelled",
        /// A credit note was applied to an invoice.
        CreditNote = "credit_note",
        /// A collection step was sent or done.
        StepSent = "step_sent",
        /// A collection step was skipped.
        StepSkipped = "step_skipped",
        /// A collection step failed.
        StepFailed = "step_failed",
        /// A fee was charged.
        FeeCharged = "fee_charged",
        /// A fee was waived.
        FeeWaived = "fee_waived",
        /// A payment was allocated to the account.
        Payment = "payment",
        /// A payment was reversed.
        PaymentReversed = "payment_reversed",
        /// A dispute was opened.
        DisputeOpened = "dispute_opened",
        /// A dispute was resolved.
        DisputeResolved = "dispute_resolved",
        /// Collection was paused.
        Paused = "paused",
        /// Collection was resumed.
        Resumed = "resumed",
        /// The debtor promised to pay.
        PromiseMade = "promise_made",
        /// A promise to pay was broken.
        PromiseBroken = "promise_broken",
        /// A payment plan was agreed.
        PaymentPlanCreated = "payment_plan_created",
        /// A payment plan was broken.
        PaymentPlanBroken = "payment_plan_broken",
        /// A debt was handed over to a collection agency.
        HandedOver = "handed_over",
    }
}

/// One thing that happened on an account.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TimelineEntry {
    /// When it happened.
    pub at: DateTime<Utc>,
    /// What happened.
    pub kind: TimelineKind,
    /// External id of the invoice concerned, or `null` for the account as a whole.
    #[serde(default)]
    pub invoice: Option<String>,
    /// Key of the policy step concerned, for step entries.
    #[serde(default)]
    pub step: Option<String>,
    /// The amount concerned, such as a payment or a fee.
    #[serde(default, with = "crate::decimal::option")]
    pub amount: Option<Decimal>,
    /// ISO 4217 currency of `amount`.
    #[serde(default)]
    pub currency: Option<String>,
    /// A short description for people, such as a skip reason.
    #[serde(default)]
    pub detail: Option<String>,
}
