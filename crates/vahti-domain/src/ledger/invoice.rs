//! One invoice during the replay: what it owes per component, and how money settles it.

use chrono::NaiveDate;
use rust_decimal::Decimal;

use super::accrual::Accrual;
use super::entry::{FeeEntry, InvoiceEntry, InvoiceEntryStatus};
use super::state::{Allocation, AllocationSource, InvoiceBalance, WaiverReason};
use crate::ids::InvoiceId;
use crate::interest::{InterestError, PenaltyTerms, ReferenceRateTable};
use crate::planner::InvoiceStatus;
use crate::policy::{AllocationOrder, Component};
use crate::{Currency, Money};

/// The fixed inputs of a replay.
#[derive(Debug, Clone, Copy)]
pub(super) struct Rules<'a> {
    pub(super) rates: &'a ReferenceRateTable,
    pub(super) terms: &'a PenaltyTerms,
    pub(super) order: AllocationOrder,
    pub(super) protection_days: u32,
    pub(super) apply_credit: bool,
}

/// A failure inside the replay, which the caller turns into a
/// [`LedgerError`](super::LedgerError) naming the entry being applied.
#[derive(Debug)]
pub(super) enum ReplayError {
    Overflow,
    Interest {
        invoice: InvoiceId,
        source: InterestError,
    },
}

pub(super) fn add(left: Decimal, right: Decimal) -> Result<Decimal, ReplayError> {
    left.checked_add(right).ok_or(ReplayError::Overflow)
}

pub(super) fn sub(left: Decimal, right: Decimal) -> Result<Decimal, ReplayError> {
    left.checked_sub(right).ok_or(ReplayError::Overflow)
}

/// An amount per component of an invoice.
#[derive(Debug, Clone, Copy, Default)]
struct Components {
    principal: Decimal,
    interest: Decimal,
    costs: Decimal,
}

impl Components {
    fn get(&self, component: Component) -> Decimal {
        match component {
            Component::Principal => self.principal,
            Component::Interest => self.interest,
            Component::Costs => self.costs,
        }
    }

    fn add(&mut self, component: Component, amount: Decimal) -> Result<(), ReplayError> {
        let slot = match component {
            Component::Principal => &mut self.principal,
            Component::Interest => &mut self.interest,
            Component::Costs => &mut self.costs,
        };
        *slot = add(*slot, amount)?;
        Ok(())
    }

    fn total(&self) -> Result<Decimal, ReplayError> {
        add(add(self.principal, self.interest)?, self.costs)
    }
}

/// The sort key that makes an invoice older than another: due date (or the issue date when it
/// has none), then issue date, then id.
pub(super) type AgeKey = (NaiveDate, NaiveDate, InvoiceId);

/// The running state of one invoice.
#[derive(Debug)]
pub(super) struct InvoiceLedger {
    pub(super) id: InvoiceId,
    pub(super) currency: Currency,
    pub(super) age: AgeKey,
    entry_status: InvoiceEntryStatus,
    original: Decimal,
    /// The part of the invoice cancelled by linked credit notes.
    credited: Decimal,
    /// The invoiced amount less `credited`, or zero when the invoice is not issued.
    principal: Decimal,
    claimed_from: Option<NaiveDate>,
    accrual: Accrual,
    /// Whether untargeted money and account credit may reach the invoice: set on its issue day.
    pub(super) opened: bool,
    /// Everything allocated, recoveries included.
    allocated: Components,
    fees_charged: Decimal,
    fees_waived: Decimal,
    /// Fees charged and not waived, written-off ones included.
    fees_owed: Decimal,
    /// The day payments or credit first settled the whole principal.
    principal_paid_on: Option<NaiveDate>,
    written_off_on: Option<NaiveDate>,
    /// The balance at the write-off, with fees charged after it.
    written_off: Components,
    recovered: Components,
    settled_on: Option<NaiveDate>,
    last_credit_on: Option<NaiveDate>,
}

impl InvoiceLedger {
    /// Starts an invoice with nothing paid.
    pub(super) fn new(entry: &InvoiceEntry) -> Result<Self, InterestError> {
        let issued = entry.status == InvoiceEntryStatus::Issued;
        let accrual = if issued {
            Accrual::new(entry.due_date, entry.sent_on)?
        } else {
            Accrual::new(None, None)?
        };
        let original = entry.amount.amount();

        Ok(InvoiceLedger {
            id: entry.id,
            currency: entry.amount.currency(),
            age: (
                entry.due_date.unwrap_or(entry.issued_on),
                entry.issued_on,
                entry.id,
            ),
            entry_status: entry.status,
            original,
            credited: Decimal::ZERO,
            principal: if issued { original } else { Decimal::ZERO },
            claimed_from: entry.interest_claimed_from,
            accrual,
            opened: false,
            allocated: Components::default(),
            fees_charged: Decimal::ZERO,
            fees_waived: Decimal::ZERO,
            fees_owed: Decimal::ZERO,
            principal_paid_on: None,
            written_off_on: None,
            written_off: Components::default(),
            recovered: Components::default(),
            settled_on: None,
            last_credit_on: None,
        })
    }

    /// Whether the invoice is a debt, as opposed to a draft or a cancelled invoice.
    pub(super) fn is_issued(&self) -> bool {
        self.entry_status == InvoiceEntryStatus::Issued
    }

    /// Whether the invoice was written off.
    pub(super) fn is_written_off(&self) -> bool {
        self.written_off_on.is_some()
    }

    /// Lowers the principal by a linked credit note from the start, as if the credited part had
    /// never been invoiced. Returns the part beyond the principal left, which becomes account
    /// credit.
    pub(super) fn apply_credit_note(
        &mut self,
        amount: Decimal,
        on: NaiveDate,
    ) -> Result<Decimal, ReplayError> {
        let credited = amount.min(self.principal);
        self.principal = sub(self.principal, credited)?;
        self.credited = add(self.credited, credited)?;
        if credited > Decimal::ZERO {
            self.last_credit_on = Some(on);
        }
        sub(amount, credited)
    }

    /// Accrues interest on the principal outstanding up to and including `through`.
    pub(super) fn accrue_through(
        &mut self,
        through: NaiveDate,
        rules: &Rules<'_>,
    ) -> Result<(), ReplayError> {
        if self.is_written_off() {
            return Ok(());
        }
        let outstanding = Money::new(
            sub(self.principal, self.allocated.principal)?,
            self.currency,
        );
        self.accrual
            .accrue_through(outstanding, through, rules.rates, rules.terms)
            .map_err(|source| ReplayError::Interest {
                invoice: self.id,
                source,
            })
    }

    fn is_claimed_on(&self, day: NaiveDate) -> bool {
        self.claimed_from.is_some_and(|from| from <= day)
    }

    /// The amount of a component still to settle on `day`: the outstanding amount, or for a
    /// written-off invoice the written-off amount not yet recovered. Interest must be accrued
    /// through `day` first.
    fn due(&self, component: Component, day: NaiveDate) -> Result<Decimal, ReplayError> {
        if self.is_written_off() {
            return sub(
                self.written_off.get(component),
                self.recovered.get(component),
            );
        }
        let charged = match component {
            Component::Principal => self.principal,
            Component::Interest if self.is_claimed_on(day) => self.accrual.rounded(self.currency),
            Component::Interest => Decimal::ZERO,
            Component::Costs => self.fees_owed,
        };
        sub(charged, self.allocated.get(component))
    }

    /// Principal, claimed interest and fees outstanding on `day`; zero once written off. Interest
    /// must be accrued through `day` first.
    pub(super) fn outstanding(&self, day: NaiveDate) -> Result<Decimal, ReplayError> {
        if self.is_written_off() {
            return Ok(Decimal::ZERO);
        }
        let mut total = Decimal::ZERO;
        for component in [Component::Principal, Component::Interest, Component::Costs] {
            total = add(total, self.due(component, day)?)?;
        }
        Ok(total)
    }

    /// Settles the invoice's components in allocation order with up to `amount`, recording each
    /// allocation, and returns what is left. On a written-off invoice the money recovers the
    /// written-off balance instead.
    pub(super) fn settle(
        &mut self,
        amount: Decimal,
        on: NaiveDate,
        source: AllocationSource,
        rules: &Rules<'_>,
        allocations: &mut Vec<Allocation>,
    ) -> Result<Decimal, ReplayError> {
        self.accrue_through(on, rules)?;
        let recovery = self.is_written_off();

        let mut remaining = amount;
        for component in rules.order.components() {
            let take = remaining.min(self.due(component, on)?);
            if take <= Decimal::ZERO {
                continue;
            }
            remaining = sub(remaining, take)?;
            self.allocated.add(component, take)?;
            if recovery {
                self.recovered.add(component, take)?;
            }
            allocations.push(Allocation {
                source,
                invoice: self.id,
                component,
                amount: Money::new(take, self.currency).round(),
                on,
                recovery,
            });
        }

        let principal_paid = self.principal > Decimal::ZERO
            && self.allocated.principal >= self.principal
            && !recovery;
        if principal_paid && self.principal_paid_on.is_none() {
            self.principal_paid_on = Some(on);
        }
        Ok(remaining)
    }

    /// Charges a fee, or returns why it is waived. A fee charged after a write-off is written off
    /// with the rest.
    pub(super) fn charge_fee(
        &mut self,
        fee: &FeeEntry,
        protection_days: u32,
    ) -> Result<Option<WaiverReason>, ReplayError> {
        let amount = fee.amount.amount();
        self.fees_charged = add(self.fees_charged, amount)?;

        let protected = self.principal_paid_on.is_some_and(|paid_on| {
            fee.charged_on.signed_duration_since(paid_on).num_days() >= i64::from(protection_days)
        });
        let waiver = if !self.is_issued() {
            Some(WaiverReason::InvoiceNotIssued)
        } else if self.principal.is_zero() {
            Some(WaiverReason::InvoiceCredited)
        } else if protected {
            Some(WaiverReason::PaymentProtection)
        } else {
            None
        };

        match waiver {
            Some(_) => self.fees_waived = add(self.fees_waived, amount)?,
            None => {
                self.fees_owed = add(self.fees_owed, amount)?;
                if self.is_written_off() {
                    self.written_off.add(Component::Costs, amount)?;
                }
            }
        }
        Ok(waiver)
    }

    /// Writes off everything outstanding on `on`: principal, claimed interest to that day, and
    /// fees. Interest stops accruing.
    pub(super) fn write_off(
        &mut self,
        on: NaiveDate,
        rules: &Rules<'_>,
    ) -> Result<(), ReplayError> {
        self.accrue_through(on, rules)?;
        let mut written_off = Components::default();
        for component in [Component::Principal, Component::Interest, Component::Costs] {
            written_off.add(component, self.due(component, on)?)?;
        }
        self.written_off = written_off;
        self.written_off_on = Some(on);
        Ok(())
    }

    fn written_off_left(&self) -> Result<Decimal, ReplayError> {
        sub(self.written_off.total()?, self.recovered.total()?)
    }

    /// Whether anything is left to settle or recover on `day`.
    pub(super) fn has_balance(&self, day: NaiveDate) -> Result<bool, ReplayError> {
        let left = if self.is_written_off() {
            self.written_off_left()?
        } else {
            self.outstanding(day)?
        };
        Ok(left > Decimal::ZERO)
    }

    /// Records the day the invoice became settled, or clears it when something is owed again.
    pub(super) fn note_settlement(&mut self, day: NaiveDate) -> Result<(), ReplayError> {
        if self.has_balance(day)? {
            self.settled_on = None;
        } else if self.settled_on.is_none() {
            self.settled_on = Some(day);
        }
        Ok(())
    }

    /// The invoice's balance at the end of `as_of`.
    pub(super) fn finish(
        mut self,
        as_of: NaiveDate,
        rules: &Rules<'_>,
    ) -> Result<InvoiceBalance, ReplayError> {
        if self.is_issued() {
            self.accrue_through(as_of, rules)?;
        }
        let interest_accrued = self.accrual.rounded(self.currency);
        let interest_claimed = if self.is_written_off() {
            add(
                sub(self.allocated.interest, self.recovered.interest)?,
                self.written_off.interest,
            )?
        } else if self.is_claimed_on(as_of) {
            interest_accrued
        } else {
            self.allocated.interest
        };

        let (principal_outstanding, interest_outstanding, fees_outstanding) =
            if self.is_written_off() {
                (Decimal::ZERO, Decimal::ZERO, Decimal::ZERO)
            } else {
                (
                    self.due(Component::Principal, as_of)?,
                    sub(interest_claimed, self.allocated.interest)?,
                    self.due(Component::Costs, as_of)?,
                )
            };
        let total_outstanding = add(
            add(principal_outstanding, interest_outstanding)?,
            fees_outstanding,
        )?;
        let written_off = self.written_off_left()?;

        let status = self.status(total_outstanding, written_off);
        let settled_on = match status {
            InvoiceStatus::Paid | InvoiceStatus::Credited => {
                self.settled_on.max(self.last_credit_on)
            }
            _ => None,
        };

        let money = |amount: Decimal| Money::new(amount, self.currency).round();
        Ok(InvoiceBalance {
            currency: self.currency,
            status,
            original_amount: money(self.original),
            credited: money(self.credited),
            principal: money(self.principal),
            principal_paid: money(self.allocated.principal),
            principal_outstanding: money(principal_outstanding),
            interest_accrued: money(interest_accrued),
            interest_claimed: money(interest_claimed),
            interest_paid: money(self.allocated.interest),
            interest_outstanding: money(interest_outstanding),
            interest_periods: self.accrual.into_periods(),
            fees_charged: money(self.fees_charged),
            fees_waived: money(self.fees_waived),
            fees_paid: money(self.allocated.costs),
            fees_outstanding: money(fees_outstanding),
            written_off_on: self.written_off_on,
            written_off: money(written_off),
            total_outstanding: money(total_outstanding),
            settled_on,
        })
    }

    fn status(&self, total_outstanding: Decimal, written_off: Decimal) -> InvoiceStatus {
        match self.entry_status {
            InvoiceEntryStatus::Draft => return InvoiceStatus::Draft,
            InvoiceEntryStatus::Cancelled => return InvoiceStatus::Cancelled,
            InvoiceEntryStatus::Issued => {}
        }
        if written_off > Decimal::ZERO {
            InvoiceStatus::WrittenOff
        } else if self.principal.is_zero() {
            InvoiceStatus::Credited
        } else if total_outstanding > Decimal::ZERO {
            InvoiceStatus::Open
        } else {
            InvoiceStatus::Paid
        }
    }
}
