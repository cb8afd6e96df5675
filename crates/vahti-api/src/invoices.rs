//! Invoices and credit notes, their payment codes, and batch upserts.

use chrono::{DateTime, NaiveDate, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::common::StepKind;
use crate::error::ApiError;
use crate::wire::{self, wire_enum};

wire_enum! {
    /// Whether a document is an invoice or a credit note.
    pub enum InvoiceKind {
        /// An invoice: the debtor owes its amount.
        Invoice = "invoice",
        /// A credit note: it reduces what the debtor owes on the invoice it corrects.
        CreditNote = "credit_note",
    }
}

impl Default for InvoiceKind {
    /// Returns `Invoice`, because a document is an invoice unless the request sets `kind`.
    fn default() -> Self {
        InvoiceKind::Invoice
    }
}

wire_enum! {
    /// Whether an upserted invoice is a draft or issued to the debtor.
    pub enum IssueStatus {
        /// Stored but not yet sent to the debtor; never reminded.
        Draft = "draft",
        /// Sent to the debtor; watched for payment.
        Issued = "issued",
    }
}

impl Default for IssueStatus {
    /// Returns `Issued`, because an upserted invoice is issued unless the request sets `draft`.
    fn default() -> Self {
        IssueStatus::Issued
    }
}

wire_enum! {
    /// The state of an invoice.
    pub enum InvoiceStatus {
        /// Not yet issued; never reminded.
        Draft = "draft",
        /// Issued and not fully settled.
        Open = "open",
        /// Settled by payments, possibly together with credit notes.
        Paid = "paid",
        /// Settled by credit notes alone.
        Credited = "credited",
        /// Written off by the creditor.
        WrittenOff = "written_off",
        /// Cancelled before anything was paid.
        Cancelled = "cancelled",
        /// Handed over to a collection agency; Vahti no longer reminds.
        HandedOver = "handed_over",
    }
}

wire_enum! {
    /// The state of a collection step.
    pub enum StepState {
        /// Planned for the step's `at`.
        Scheduled = "scheduled",
        /// Waiting for a person's approval as a pending action.
        AwaitingApproval = "awaiting_approval",
        /// Approved or due, and waiting in the outbox for delivery.
        Queued = "queued",
        /// Delivered to the debtor, or done for a manual task.
        Sent = "sent",
        /// Delivery failed for good after retries.
        Failed = "failed",
        /// Skipped by a person or by the catch-up rules after downtime.
        Skipped = "skipped",
    }
}

/// Body of `PUT /v1/invoices/{external_id}`: creates or updates an invoice or a credit note.
///
/// The document is keyed by the `external_id` in the path: the integrator's own id, 1 to 128
/// characters without control characters or surrounding white space. Repeating a request with
/// the same body changes nothing. The account, kind and currency cannot change once the document
/// exists.
///
/// ```
/// use rust_decimal::Decimal;
/// use vahti_api::{InvoiceKind, UpsertInvoiceRequest};
///
/// let request: UpsertInvoiceRequest = serde_json::from_str(r#"{
///     "account": "C-1001",
///     "number": "2025-0042",
///     "issue_date": "2025-03-01",
///     "due_date": "2025-03-15",
///     "currency": "EUR",
///     "amount": "1234.50"
/// }"#)?;
/// assert_eq!(request.kind, InvoiceKind::Invoice);
/// assert_eq!(request.amount, Decimal::new(123450, 2));
/// # Ok::<(), serde_json::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(
    feature = "openapi",
    schema(
        description = "Body of `PUT /v1/invoices/{external_id}`: creates or updates an invoice or a \
        credit note. The `external_id` in the path is the integrator's own id, 1 to 128 \
        characters. Repeating a request with the same body changes nothing. The account, kind \
        and currency cannot change once the document exists."
    )
)]
#[serde(deny_unknown_fields)]
pub struct UpsertInvoiceRequest {
    /// External id of the account the document belongs to; the account must exist.
    pub account: String,
    /// `invoice` or `credit_note`; `invoice` when absent.
    #[serde(default, deserialize_with = "wire::known")]
    pub kind: InvoiceKind,
    /// The document number printed on it, shown in messages.
    pub number: String,
    /// The date printed on the document.
    pub issue_date: NaiveDate,
    /// The day the document was sent to the debtor; the issue date when absent. Consumer
    /// reminder fees need at least 14 days between this day and the due date (Debt Collection
    /// Act 513/1999).
    #[serde(default)]
    pub sent_on: Option<NaiveDate>,
    /// The due date. Without one, penalty interest starts 30 days after the document was sent
    /// (Interest Act 633/1982).
    #[serde(default)]
    pub due_date: Option<NaiveDate>,
    /// ISO 4217 currency code, such as `EUR`.
    pub currency: String,
    /// The amount, above zero, as a decimal string. For a credit note, the amount credited.
    #[serde(with = "crate::decimal")]
    pub amount: Decimal,
    /// The payment reference, Finnish (`1234561`) or RF (`RF33 2348 236`), spaces allowed.
    /// Vahti generates one when absent. A reference whose check digits are wrong is replaced by
    /// a generated valid one, and the response's `reference_flagged` says so.
    #[serde(default)]
    pub reference: Option<String>,
    /// For a credit note, the external id of the invoice it corrects.
    #[serde(default)]
    pub corrects: Option<String>,
    /// `draft` or `issued`; `issued` when absent.
    #[serde(default, deserialize_with = "wire::known")]
    pub status: IssueStatus,
    /// IBAN the debtor pays to; the tenant's IBAN when absent.
    #[serde(default)]
    pub seller_iban: Option<String>,
    /// BIC of the seller IBAN.
    #[serde(default)]
    pub seller_bic: Option<String>,
}

/// Body of `POST /v1/invoices/batch`: upserts up to 10000 documents.
///
/// Each item is handled as its own `PUT /v1/invoices/{external_id}`, so one rejected item does
/// not stop the others. Items run in order, so an invoice may precede a credit note that
/// corrects it in the same batch.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct BatchInvoiceRequest {
    /// The documents, at most 10000.
    pub items: Vec<BatchInvoiceItem>,
}

/// One document of a batch.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct BatchInvoiceItem {
    /// The integrator's id of the document, as in the path of a single upsert.
    pub external_id: String,
    /// The document, as in the body of a single upsert.
    pub invoice: UpsertInvoiceRequest,
}

/// Response of `POST /v1/invoices/batch`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct BatchInvoiceResponse {
    /// One result per item, in the order of the request.
    #[serde(default)]
    pub results: Vec<BatchItemResult>,
}

wire_enum! {
    /// The outcome of one batch item.
    pub enum BatchItemStatus {
        /// A new document was stored.
        Created = "created",
        /// A stored document was changed.
        Updated = "updated",
        /// The stored document already matched the item.
        Unchanged = "unchanged",
        /// The item was rejected, for the reason in its `error`.
        Rejected = "rejected",
    }
}

/// The outcome of one batch item.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct BatchItemResult {
    /// The item's external id.
    pub external_id: String,
    /// The outcome.
    pub status: BatchItemStatus,
    /// Vahti's id of the document, unless the item was rejected.
    #[serde(default)]
    pub invoice_id: Option<i64>,
    /// The reason for a rejection, with `field` relative to the item's `invoice`.
    #[serde(default)]
    pub error: Option<ApiError>,
}

/// Body of `POST /v1/invoices/{external_id}/due-date`: changes the due date, for example after a
/// granted extension.
///
/// The schedule of later steps is recomputed from the new date.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct ChangeDueDateRequest {
    /// The new due date.
    pub due_date: NaiveDate,
}

/// Query parameters of `GET /v1/invoices`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::IntoParams))]
#[cfg_attr(feature = "openapi", into_params(parameter_in = Query))]
#[serde(deny_unknown_fields)]
pub struct InvoiceListQuery {
    /// Only documents of the account with this external id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub account: Option<String>,
    /// Only documents with this status.
    #[serde(
        default,
        deserialize_with = "wire::known_option",
        skip_serializing_if = "Option::is_none"
    )]
    pub status: Option<InvoiceStatus>,
    /// The `next_cursor` of the previous page; absent for the first page.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cursor: Option<String>,
    /// Page size, 1 to 1000; 100 when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub limit: Option<u32>,
}

/// The step an invoice is at in its collection policy.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CurrentStep {
    /// The step's key in the policy, such as `first_reminder`.
    pub key: String,
    /// The step's kind.
    pub kind: StepKind,
    /// The state of the step.
    pub state: StepState,
    /// When the step was sent, skipped or failed, or when it is planned or was queued.
    pub at: DateTime<Utc>,
}

/// The codes a debtor pays with: the reference in its forms, the virtual bank barcode and the
/// EPC QR payload.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PaymentCodes {
    /// The payment reference in its forms.
    pub reference: ReferenceCodes,
    /// The Finnish virtual bank barcode, 54 digits. Absent unless the invoice is in EUR and is
    /// paid to a Finnish IBAN.
    #[serde(default)]
    pub barcode: Option<String>,
    /// The EPC QR code payload (SEPA credit transfer, EPC069-12), lines separated by LF. Absent
    /// unless the invoice is in EUR and has an IBAN to pay to.
    #[serde(default)]
    pub epc_qr: Option<String>,
}

/// One payment reference in its forms.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ReferenceCodes {
    /// The Finnish reference without spaces or leading zeros, such as `1234561`. Absent when
    /// the reference is an RF reference whose body is not a Finnish reference.
    #[serde(default)]
    pub finnish: Option<String>,
    /// The RF creditor reference (ISO 11649) without spaces, such as `RF332348236`.
    pub rf: String,
    /// The reference as printed on paper, in groups: `12 34561` or `RF33 2348 236`.
    pub printed: String,
}

/// An invoice or credit note, returned by `GET` and `PUT /v1/invoices/{external_id}`, by the
/// actions on it, and in the pages of `GET /v1/invoices`.
///
/// Amounts are in `currency`. The outstanding amounts are computed when the response is made,
/// penalty interest up to and including today in the tenant's time zone.
///
/// ```
/// use vahti_api::{Invoice, InvoiceStatus};
///
/// let invoice: Invoice = serde_json::from_str(r#"{
///     "id": 17, "external_id": "INV-42", "account": "C-1001", "kind": "invoice",
///     "number": "2025-0042", "issue_date": "2025-03-01", "sent_on": "2025-03-01",
///     "due_date": "2025-03-31", "currency": "EUR", "amount": "1234.50",
///     "credited": "0.00", "paid": "200.00", "principal_outstanding": "1034.50",
///     "interest_outstanding": "3.12", "fees_outstanding": "5.00",
///     "total_outstanding": "1042.62", "status": "open",
///     "payment_codes": {"reference": {"finnish": "1234561", "rf": "RF341234561",
///         "printed": "12 34561"}, "barcode": null, "epc_qr": null},
///     "created_at": "2025-03-01T08:00:00Z", "updated_at": "2025-04-15T06:30:00Z"
/// }"#)?;
/// assert_eq!(invoice.status, InvoiceStatus::Open);
/// assert_eq!(invoice.total_outstanding.to_string(), "1042.62");
/// assert!(!invoice.disputed);
/// # Ok::<(), serde_json::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(
    feature = "openapi",
    schema(
        description = "An invoice or credit note. Amounts are in `currency`. The outstanding amounts \
        are computed when the response is made, penalty interest up to and including today in \
        the tenant's time zone."
    )
)]
pub struct Invoice {
    /// Vahti's id of the document.
    pub id: i64,
    /// The integrator's id of the document.
    pub external_id: String,
    /// External id of the account.
    pub account: String,
    /// `invoice` or `credit_note`.
    pub kind: InvoiceKind,
    /// The document number.
    pub number: String,
    /// The date printed on the document.
    pub issue_date: NaiveDate,
    /// The day the document was sent to the debtor.
    pub sent_on: NaiveDate,
    /// The current due date, or `null` when none was agreed.
    #[serde(default)]
    pub due_date: Option<NaiveDate>,
    /// ISO 4217 currency code.
    pub currency: String,
    /// The invoiced amount, or for a credit note the amount credited.
    #[serde(with = "crate::decimal")]
    pub amount: Decimal,
    /// The sum of credit notes that correct this invoice.
    #[serde(with = "crate::decimal")]
    pub credited: Decimal,
    /// The sum of payments allocated to this invoice, to any component.
    #[serde(with = "crate::decimal")]
    pub paid: Decimal,
    /// Principal still owed.
    #[serde(with = "crate::decimal")]
    pub principal_outstanding: Decimal,
    /// Penalty interest accrued and not yet paid.
    #[serde(with = "crate::decimal")]
    pub interest_outstanding: Decimal,
    /// Reminder fees and other collection costs charged and not yet paid.
    #[serde(with = "crate::decimal")]
    pub fees_outstanding: Decimal,
    /// The sum of the three outstanding amounts.
    #[serde(with = "crate::decimal")]
    pub total_outstanding: Decimal,
    /// The state of the invoice.
    pub status: InvoiceStatus,
    /// Whether an open dispute stops collection.
    #[serde(default)]
    pub disputed: bool,
    /// Last day of a pause of this invoice or its account, while one is in force.
    #[serde(default)]
    pub paused_until: Option<NaiveDate>,
    /// The day by which the debtor promised to pay, while the promise holds.
    #[serde(default)]
    pub promised_until: Option<NaiveDate>,
    /// The latest or next step of collection, or `null` before the first one.
    #[serde(default)]
    pub current_step: Option<CurrentStep>,
    /// When the scheduler next acts on this invoice, or `null` when nothing is planned.
    #[serde(default)]
    pub next_action_at: Option<DateTime<Utc>>,
    /// For a credit note, the external id of the invoice it corrects.
    #[serde(default)]
    pub corrects: Option<String>,
    /// IBAN the debtor pays to, after the tenant's default is applied.
    #[serde(default)]
    pub seller_iban: Option<String>,
    /// BIC of the seller IBAN.
    #[serde(default)]
    pub seller_bic: Option<String>,
    /// The codes the debtor pays with.
    pub payment_codes: PaymentCodes,
    /// Whether the integrator's reference failed its check-digit test. Vahti then stores a
    /// generated valid reference instead, which the payment codes carry and payments match by.
    #[serde(default)]
    pub reference_flagged: bool,
    /// When the document was created in Vahti.
    pub created_at: DateTime<Utc>,
    /// When the document was last changed.
    pub updated_at: DateTime<Utc>,
}
