//! The result of replaying a ledger: balances per invoice and currency, and every allocation.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::ids::{FeeId, InvoiceId, PaymentId};
use crate::interest::InterestPeriod;
use crate::planner::InvoiceStatus;
use crate::policy::Component;
use crate::{Currency, Money};

/// The balances of one customer account at the end of a day.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LedgerState {
    /// The day the state describes, included.
    pub as_of: NaiveDate,
    /// Every invoice, issued or not.
    pub invoices: BTreeMap<InvoiceId, InvoiceBalance>,
    /// The totals of each currency that appears in the entries.
    pub balances: BTreeMap<Currency, AccountBalance>,
    /// Every allocation, in the order the ledger made them.
    pub allocations: Vec<Allocation>,
    /// Account credit not yet applied, by currency and then oldest first.
    pub credits: Vec<CreditLot>,
    /// Fees that are not owed, in charge order.
    pub waived_fees: Vec<WaivedFee>,
}

/// The balance of one invoice.
///
/// Every amount is rounded to the currency's minor unit except the amounts of the interest
/// periods. For an invoice, `principal + interest_claimed + fees_charged` equals the amounts paid,
/// outstanding, written off and waived together.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InvoiceBalance {
    /// The invoice's currency.
    pub currency: Currency,
    /// The status. [`InvoiceStatus::HandedOver`] never comes from the ledger.
    pub status: InvoiceStatus,
    /// The invoiced amount.
    pub original_amount: Money,
    /// The part of the invoice cancelled by linked credit notes, at most the invoiced amount.
    pub credited: Money,
    /// The principal owed: the invoiced amount less credit notes, or zero for an invoice that is
    /// not issued.
    pub principal: Money,
    /// Principal settled by payments and account credit, recoveries included.
    pub principal_paid: Money,
    /// Principal still unpaid.
    pub principal_outstanding: Money,
    /// Penalty interest accrued from the due date up to the day the principal was paid, the day
    /// of a write-off or the `as_of` day, whether claimed or not.
    pub interest_accrued: Money,
    /// The part of the interest that is claimed: the accrued interest once
    /// [`interest_claimed_from`](super::InvoiceEntry::interest_claimed_from) has come, otherwise
    /// zero. For a written-off invoice, the interest claimed at the write-off.
    pub interest_claimed: Money,
    /// Interest settled.
    pub interest_paid: Money,
    /// Claimed interest still unpaid.
    pub interest_outstanding: Money,
    /// Every period of accrued interest in date order, including periods already paid. A new
    /// period starts with each change of rate or principal.
    pub interest_periods: Vec<AccruedPeriod>,
    /// All fees charged on the invoice, waived ones included.
    pub fees_charged: Money,
    /// Fees not owed; see [`LedgerState::waived_fees`].
    pub fees_waived: Money,
    /// Fees settled.
    pub fees_paid: Money,
    /// Fees still unpaid.
    pub fees_outstanding: Money,
    /// The day of the write-off, if any.
    pub written_off_on: Option<NaiveDate>,
    /// The written-off balance not yet recovered by later payments.
    pub written_off: Money,
    /// Principal, claimed interest and fees still unpaid. Zero for a written-off invoice.
    pub total_outstanding: Money,
    /// The day a paid or credited invoice was settled: the day of the last allocation or credit
    /// note it needed.
    pub settled_on: Option<NaiveDate>,
}

/// A period of penalty interest on one principal at one rate.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccruedPeriod {
    /// The principal outstanding on each day of the period.
    pub principal: Money,
    /// The days, rate and interest. The amount is not rounded, so periods rounded one by one may
    /// not add up to the rounded total.
    pub period: InterestPeriod,
}

/// The totals of one currency on an account.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccountBalance {
    /// The currency.
    pub currency: Currency,
    /// Principal outstanding on all invoices.
    pub principal_outstanding: Money,
    /// Claimed interest outstanding on all invoices.
    pub interest_outstanding: Money,
    /// Fees outstanding on all invoices.
    pub fees_outstanding: Money,
    /// Account credit not yet applied.
    pub credit: Money,
    /// Everything outstanding less the credit. Negative when the credit is larger.
    pub total: Money,
}

/// A part of a payment or of account credit that settled a component of an invoice.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Allocation {
    /// The payment or account credit that provided the money.
    pub source: AllocationSource,
    /// The invoice settled.
    pub invoice: InvoiceId,
    /// The component settled.
    pub component: Component,
    /// The amount, positive and rounded.
    pub amount: Money,
    /// The day the allocation took effect: the value date of a payment, or the day credit was
    /// applied.
    pub on: NaiveDate,
    /// Whether the allocation recovers part of a written-off balance.
    pub recovery: bool,
}

/// The source of an allocation.
///
/// A credit note linked to an invoice is not an allocation: it lowers the invoice's principal
/// (see [`InvoiceBalance::credited`]). Only the part beyond the invoice becomes account credit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(tag = "kind", content = "origin", rename_all = "snake_case")]
pub enum AllocationSource {
    /// A payment, applied on its value date.
    Payment(PaymentId),
    /// Account credit, applied later.
    AccountCredit(CreditOrigin),
}

/// The source of account credit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(tag = "kind", content = "id", rename_all = "snake_case")]
pub enum CreditOrigin {
    /// The part of a payment that no invoice needed.
    Payment(PaymentId),
    /// An unlinked credit note, or the part of a linked one beyond its invoice.
    CreditNote(InvoiceId),
}

/// Account credit not yet applied.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CreditLot {
    /// The payment or credit note it came from.
    pub origin: CreditOrigin,
    /// The day it arose.
    pub arose_on: NaiveDate,
    /// The amount left.
    pub amount: Money,
}

/// A fee that is not owed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WaivedFee {
    /// The fee.
    pub fee: FeeId,
    /// The invoice it was charged on.
    pub invoice: InvoiceId,
    /// The amount.
    pub amount: Money,
    /// The reason it is not owed.
    pub reason: WaiverReason,
}

/// The reason a fee is not owed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum WaiverReason {
    /// The principal was paid in full at least the payment protection days before the fee was
    /// charged (Debt Collection Act 513/1999).
    PaymentProtection,
    /// Credit notes cancel the whole invoice, so there was no debt to remind of.
    InvoiceCredited,
    /// The invoice is a draft or cancelled.
    InvoiceNotIssued,
}
