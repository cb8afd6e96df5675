//! Reports over all accounts of a tenant.

use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

/// Query parameters of `GET /v1/reports/aging`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::IntoParams))]
#[cfg_attr(feature = "openapi", into_params(parameter_in = Query))]
#[serde(deny_unknown_fields)]
pub struct AgingQuery {
    /// The day to age invoices against; today in the tenant's time zone when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub as_of: Option<NaiveDate>,
}

/// Response of `GET /v1/reports/aging`: open invoices grouped by how many days they are past their
/// due date.
///
/// An invoice counts in one bucket with its total outstanding: principal, claimed penalty
/// interest and fees still unpaid, which is what the debtor owes on it. Days overdue are calendar
/// days from the due date to `as_of`, so an invoice due on `as_of` is not yet due. Invoices
/// without a due date count as overdue from 30 days after they were sent, as for penalty
/// interest (Interest Act 633/1982).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AgingReport {
    /// The day invoices were aged against.
    pub as_of: NaiveDate,
    /// One entry per currency with open invoices.
    #[serde(default)]
    pub currencies: Vec<AgingByCurrency>,
}

/// The aging buckets of one currency.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AgingByCurrency {
    /// ISO 4217 currency code.
    pub currency: String,
    /// Open invoices whose due date is `as_of` or later.
    pub not_due: AgingBucket,
    /// 1 to 14 days overdue.
    pub days_1_14: AgingBucket,
    /// 15 to 30 days overdue.
    pub days_15_30: AgingBucket,
    /// 31 to 60 days overdue.
    pub days_31_60: AgingBucket,
    /// 61 to 90 days overdue.
    pub days_61_90: AgingBucket,
    /// More than 90 days overdue.
    pub days_over_90: AgingBucket,
    /// All open invoices of the currency.
    pub total: AgingBucket,
}

/// The number and total outstanding of the invoices in one aging bucket.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AgingBucket {
    /// Number of invoices.
    pub count: u64,
    /// Sum of their total outstanding: principal, claimed interest and fees still unpaid.
    #[serde(with = "crate::decimal")]
    pub amount: Decimal,
}
