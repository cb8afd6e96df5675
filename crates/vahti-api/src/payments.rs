//! Incoming payments and how they are allocated to invoices.

use chrono::{DateTime, NaiveDate, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::wire::wire_enum;

/// Body of `POST /v1/payments`: records an incoming payment.
///
/// Vahti finds the invoice by `invoice` when given, otherwise by `reference`. A payment that
/// names neither, or whose reference matches no invoice, is stored as unmatched and can be
/// matched later with `POST /v1/payments/{id}/match`. Give at most one of the two.
///
/// ```
/// use vahti_api::RecordPaymentRequest;
///
/// let request: RecordPaymentRequest = serde_json::from_str(r#"{
///     "amount": "250.00", "currency": "EUR", "paid_on": "2025-04-02",
///     "reference": "RF34 1234 561", "archive_id": "20250402123456789"
/// }"#)?;
/// assert_eq!(request.amount.to_string(), "250.00");
/// # Ok::<(), serde_json::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(
    feature = "openapi",
    schema(
        description = "Body of `POST /v1/payments`: records an incoming payment. Vahti finds the \
        invoice by `invoice` when given, otherwise by `reference`; a payment that matches no \
        invoice is stored as unmatched. Give at most one of the two."
    )
)]
#[serde(deny_unknown_fields)]
pub struct RecordPaymentRequest {
    /// The amount paid, above zero, as a decimal string.
    #[serde(with = "crate::decimal")]
    pub amount: Decimal,
    /// ISO 4217 currency code.
    pub currency: String,
    /// The day the debtor paid. Penalty interest runs up to and including this day.
    pub paid_on: NaiveDate,
    /// The day the creditor's bank booked the payment; `paid_on` when absent.
    #[serde(default)]
    pub booked_on: Option<NaiveDate>,
    /// The payment reference the debtor used, Finnish or RF, spaces allowed.
    #[serde(default)]
    pub reference: Option<String>,
    /// External id of the invoice the payment is for.
    #[serde(default)]
    pub invoice: Option<String>,
    /// The bank's archive id of the payment. A second payment with the same archive id is a
    /// duplicate: the server returns the first one and records nothing.
    #[serde(default)]
    pub archive_id: Option<String>,
    /// The payer's name as the bank reported it.
    #[serde(default)]
    pub payer_name: Option<String>,
}

/// Body of `POST /v1/payments/{id}/match`: matches an unmatched payment to an invoice by hand.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct MatchPaymentRequest {
    /// External id of the invoice to allocate the payment to.
    pub invoice: String,
}

/// Query parameters of `GET /v1/payments`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::IntoParams))]
#[cfg_attr(feature = "openapi", into_params(parameter_in = Query))]
#[serde(deny_unknown_fields)]
pub struct PaymentListQuery {
    /// `true` lists only unmatched payments, `false` only matched ones; all when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unmatched: Option<bool>,
    /// The `next_cursor` of the previous page; absent for the first page.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cursor: Option<String>,
    /// Page size, 1 to 1000; 100 when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub limit: Option<u32>,
}

wire_enum! {
    /// The part of a debt that a payment was allocated to.
    pub enum AllocationComponent {
        /// The invoice's principal.
        Principal = "principal",
        /// Penalty interest.
        Interest = "interest",
        /// Reminder fees and other collection costs.
        Costs = "costs",
    }
}

/// One part of a payment, allocated to one component of one invoice.
///
/// Consumer debts are paid principal first, then interest, then costs (Debt Collection Act
/// 513/1999); business debts follow the account's policy.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Allocation {
    /// External id of the invoice.
    pub invoice: String,
    /// The component paid.
    pub component: AllocationComponent,
    /// The amount allocated, in the payment's currency.
    #[serde(with = "crate::decimal")]
    pub amount: Decimal,
}

/// A recorded payment, returned by `POST /v1/payments`, by its reverse and match actions, and in
/// the pages of `GET /v1/payments`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Payment {
    /// Vahti's id of the payment.
    pub id: i64,
    /// The amount paid.
    #[serde(with = "crate::decimal")]
    pub amount: Decimal,
    /// ISO 4217 currency code.
    pub currency: String,
    /// The day the debtor paid.
    pub paid_on: NaiveDate,
    /// The day the bank booked the payment.
    pub booked_on: NaiveDate,
    /// The reference the debtor used, without spaces.
    #[serde(default)]
    pub reference: Option<String>,
    /// The bank's archive id.
    #[serde(default)]
    pub archive_id: Option<String>,
    /// The payer's name as the bank reported it.
    #[serde(default)]
    pub payer_name: Option<String>,
    /// Whether the payment was matched to an account's invoices.
    #[serde(default)]
    pub matched: bool,
    /// External id of the account the payment was matched to, or `null` while unmatched.
    #[serde(default)]
    pub account: Option<String>,
    /// The allocations of the payment, empty while it is unmatched or after a reversal.
    #[serde(default)]
    pub allocations: Vec<Allocation>,
    /// The part of the amount not allocated to any invoice: all of it while unmatched, or an
    /// overpayment, which counts as credit on the account.
    #[serde(with = "crate::decimal")]
    pub unallocated: Decimal,
    /// When the payment was reversed, or `null`.
    #[serde(default)]
    pub reversed_at: Option<DateTime<Utc>>,
    /// When the payment was recorded in Vahti.
    pub created_at: DateTime<Utc>,
}
