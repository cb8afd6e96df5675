//! The debtor's self-service page: personal links to it, and the requests debtors make there.
//!
//! Every message to a debtor links to a page where the debtor sees what they owe and can
//! dispute an invoice, promise to pay, ask for a payment plan or a due-date extension, or
//! correct their email address. Requests that the account's policy lets take effect at once are
//! `applied`; the others are `pending` until the creditor approves or rejects them here.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::wire::{self, wire_enum};

/// Body of `POST /v1/accounts/{external_id}/self-service/links`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct CreateSelfServiceLinkRequest {
    /// Revoke the account's other live links first. Other links stay valid when absent or
    /// `false`.
    #[serde(default)]
    pub revoke_others: bool,
}

/// A new link to an account's self-service page, returned once by
/// `POST /v1/accounts/{external_id}/self-service/links`.
///
/// The URL carries the link's secret token; Vahti stores only its hash and cannot show it again.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SelfServiceLink {
    /// Vahti's id of the link.
    pub id: i64,
    /// External id of the account.
    pub account: String,
    /// The link to hand to the debtor.
    pub url: String,
    /// When the link stops working.
    pub expires_at: DateTime<Utc>,
    /// How many other live links were revoked first.
    #[serde(default)]
    pub revoked_others: u64,
}

/// Response of `POST /v1/accounts/{external_id}/self-service/revoke`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RevokedSelfServiceLinks {
    /// External id of the account.
    pub account: String,
    /// How many live links were revoked.
    pub revoked: u64,
}

wire_enum! {
    /// What a debtor asked for.
    pub enum SelfServiceRequestKind {
        /// Disputed an invoice; collection of it stopped at once.
        Dispute = "dispute",
        /// Promised to pay by a date; collection waits until the day after.
        Promise = "promise",
        /// Asked to pay in monthly instalments.
        PaymentPlan = "payment_plan",
        /// Asked to move an invoice's due date.
        Extension = "extension",
        /// Corrected the email address that messages go to.
        EmailChange = "email_change",
    }
}

wire_enum! {
    /// The state of a self-service request.
    pub enum SelfServiceRequestState {
        /// It took effect when it was made.
        Applied = "applied",
        /// It waits for the creditor's decision.
        Pending = "pending",
        /// The creditor approved it, and it took effect then.
        Approved = "approved",
        /// The creditor rejected it; nothing changed.
        Rejected = "rejected",
    }
}

/// A request a debtor made on the self-service page.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SelfServiceRequest {
    /// Vahti's id of the request.
    pub id: i64,
    /// External id of the account.
    pub account: String,
    /// What was asked for.
    pub kind: SelfServiceRequestKind,
    /// The state.
    pub state: SelfServiceRequestState,
    /// External ids of the invoices the request concerns.
    #[serde(default)]
    pub invoices: Vec<String>,
    /// The request's fields, which depend on the kind: `reason` and `dispute_id` of a dispute;
    /// `pay_by` and `promise_id` of a promise; `instalments`, `first_due_date`, `fee` and
    /// `plan_id` of a payment plan; `new_due_date`, `fee` and `pause_id` of an extension. The
    /// ids appear once the request took effect. An email change carries no address here.
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub details: serde_json::Value,
    /// The creditor's note on approving or rejecting, shown to the debtor.
    #[serde(default)]
    pub note: Option<String>,
    /// When the request was made.
    pub created_at: DateTime<Utc>,
    /// When the creditor decided, or `null`.
    #[serde(default)]
    pub decided_at: Option<DateTime<Utc>>,
}

/// Query parameters of `GET /v1/self-service/requests`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::IntoParams))]
#[cfg_attr(feature = "openapi", into_params(parameter_in = Query))]
#[serde(deny_unknown_fields)]
pub struct SelfServiceRequestsQuery {
    /// Only requests in this state; every state when absent.
    #[serde(
        default,
        deserialize_with = "wire::known_option",
        skip_serializing_if = "Option::is_none"
    )]
    pub state: Option<SelfServiceRequestState>,
    /// The `next_cursor` of the previous page; absent for the first page.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cursor: Option<String>,
    /// Page size, 1 to 1000; 100 when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub limit: Option<u32>,
}

/// Body of `POST /v1/self-service/requests/{id}/approve` and `.../reject`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct DecideSelfServiceRequest {
    /// A note shown to the debtor on their page, at most 2000 characters.
    #[serde(default)]
    pub note: Option<String>,
}
