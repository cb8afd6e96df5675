//! Payment plans: the debtor pays one or more invoices in agreed instalments.

use chrono::{DateTime, NaiveDate, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::wire::wire_enum;

/// Body of `POST /v1/accounts/{external_id}/payment-plans`: agrees a payment plan.
///
/// While the plan is active, the invoices it covers are not reminded. An instalment that is not
/// paid by its due date breaks the plan, and collection continues.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct CreatePaymentPlanRequest {
    /// External ids of the invoices the plan covers, all of the account and in one currency.
    pub invoices: Vec<String>,
    /// The instalments in date order. Their amounts add up to the outstanding total of the
    /// invoices.
    pub instalments: Vec<InstalmentInput>,
}

/// One instalment of a plan in a request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct InstalmentInput {
    /// The day the instalment is due.
    pub due_date: NaiveDate,
    /// The amount due, above zero, in the invoices' currency.
    #[serde(with = "crate::decimal")]
    pub amount: Decimal,
}

wire_enum! {
    /// The state of a payment plan.
    pub enum PaymentPlanState {
        /// Instalments are being paid as agreed.
        Active = "active",
        /// Every instalment was paid.
        Completed = "completed",
        /// An instalment was not paid on time; collection continued.
        Broken = "broken",
        /// Cancelled by the creditor.
        Cancelled = "cancelled",
    }
}

wire_enum! {
    /// The state of one instalment.
    pub enum InstalmentStatus {
        /// Not yet due and not fully paid.
        Pending = "pending",
        /// Fully paid.
        Paid = "paid",
        /// Past its due date and not fully paid.
        Overdue = "overdue",
    }
}

/// One instalment of a plan, with what was paid towards it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Instalment {
    /// The day the instalment is due.
    pub due_date: NaiveDate,
    /// The amount due.
    #[serde(with = "crate::decimal")]
    pub amount: Decimal,
    /// The amount paid towards it so far.
    #[serde(with = "crate::decimal")]
    pub paid: Decimal,
    /// The state of the instalment.
    pub status: InstalmentStatus,
}

/// A payment plan, returned by `POST /v1/accounts/{external_id}/payment-plans`, in the pages of
/// `GET` on the same path, and by `POST /v1/payment-plans/{id}/cancel`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PaymentPlan {
    /// Vahti's id of the plan.
    pub id: i64,
    /// External id of the account.
    pub account: String,
    /// The state of the plan.
    pub state: PaymentPlanState,
    /// External ids of the invoices the plan covers.
    #[serde(default)]
    pub invoices: Vec<String>,
    /// ISO 4217 currency of the instalments.
    pub currency: String,
    /// The sum of the instalments.
    #[serde(with = "crate::decimal")]
    pub total: Decimal,
    /// The instalments in date order.
    #[serde(default)]
    pub instalments: Vec<Instalment>,
    /// When the plan was agreed.
    pub created_at: DateTime<Utc>,
    /// When the plan's state last changed.
    pub updated_at: DateTime<Utc>,
}
