//! Allocation across an account: payments to their invoice or to the oldest open invoices, and
//! account credit kept per currency and applied oldest first.
//!
//! Open invoices are kept per currency in a set ordered by age, holding only issued invoices
//! with something outstanding. Each allocation either settles the invoice it reaches, which then
//! leaves the set, or uses up the money, so a payment costs time in proportion to the invoices it
//! settles.

use std::collections::{BTreeMap, BTreeSet, VecDeque};

use chrono::NaiveDate;
use rust_decimal::Decimal;

use super::entry::{FeeEntry, PaymentEntry};
use super::error::EntryRef;
use super::invoice::{AgeKey, InvoiceLedger, ReplayError, Rules, add, sub};
use super::state::{
    AccountBalance, Allocation, AllocationSource, CreditLot, CreditOrigin, InvoiceBalance,
    LedgerState, WaivedFee,
};
use crate::ids::InvoiceId;
use crate::{Currency, Money};

/// Account credit not yet applied, as it is kept during the replay.
#[derive(Debug)]
struct Lot {
    origin: CreditOrigin,
    arose_on: NaiveDate,
    amount: Decimal,
}

/// The running state of a whole account.
#[derive(Debug)]
pub(super) struct Account<'a> {
    rules: Rules<'a>,
    /// Every invoice, sorted by id.
    invoices: Vec<InvoiceLedger>,
    open: BTreeMap<Currency, BTreeSet<AgeKey>>,
    credit: BTreeMap<Currency, VecDeque<Lot>>,
    allocations: Vec<Allocation>,
    waived_fees: Vec<WaivedFee>,
}

impl<'a> Account<'a> {
    /// Starts an account from its invoices, sorted by id.
    pub(super) fn new(rules: Rules<'a>, invoices: Vec<InvoiceLedger>) -> Self {
        Account {
            rules,
            invoices,
            open: BTreeMap::new(),
            credit: BTreeMap::new(),
            allocations: Vec::new(),
            waived_fees: Vec::new(),
        }
    }

    /// Opens an invoice on its issue day to untargeted payments and account credit.
    pub(super) fn issue(&mut self, index: usize, day: NaiveDate) -> Result<(), ReplayError> {
        let Some(invoice) = self.invoices.get_mut(index) else {
            return Ok(());
        };
        invoice.opened = true;
        let currency = invoice.currency;
        self.refresh(index, day)?;
        self.apply_credit(currency, day)
    }

    /// Makes claimed interest part of the debt from its claim day.
    pub(super) fn claim_interest(
        &mut self,
        index: usize,
        day: NaiveDate,
    ) -> Result<(), ReplayError> {
        let Some(invoice) = self.invoices.get_mut(index) else {
            return Ok(());
        };
        invoice.accrue_through(day, &self.rules)?;
        let currency = invoice.currency;
        self.refresh(index, day)?;
        self.apply_credit(currency, day)
    }

    /// Charges a fee, or records it as waived.
    pub(super) fn charge_fee(&mut self, index: usize, fee: &FeeEntry) -> Result<(), ReplayError> {
        let Some(invoice) = self.invoices.get_mut(index) else {
            return Ok(());
        };
        let currency = invoice.currency;
        if let Some(reason) = invoice.charge_fee(fee, self.rules.protection_days)? {
            self.waived_fees.push(WaivedFee {
                fee: fee.id,
                invoice: fee.invoice,
                amount: fee.amount.round(),
                reason,
            });
        }
        self.refresh(index, fee.charged_on)?;
        self.apply_credit(currency, fee.charged_on)
    }

    /// Writes off an invoice's balance.
    pub(super) fn write_off(&mut self, index: usize, day: NaiveDate) -> Result<(), ReplayError> {
        let Some(invoice) = self.invoices.get_mut(index) else {
            return Ok(());
        };
        invoice.write_off(day, &self.rules)?;
        self.refresh(index, day)
    }

    /// Allocates a payment to `target`, or to the oldest open invoices without one, and keeps
    /// what is left as account credit.
    pub(super) fn pay(
        &mut self,
        payment: &PaymentEntry,
        target: Option<usize>,
    ) -> Result<(), ReplayError> {
        let day = payment.paid_on;
        let currency = payment.amount.currency();
        let source = AllocationSource::Payment(payment.id);

        let remaining = match target {
            Some(index) => self.settle(index, payment.amount.amount(), day, source)?,
            None => self.settle_oldest(currency, payment.amount.amount(), day, source)?,
        };
        self.add_credit(CreditOrigin::Payment(payment.id), currency, remaining, day)
    }

    /// Keeps an amount as account credit and applies it when automatic application is on.
    pub(super) fn add_credit(
        &mut self,
        origin: CreditOrigin,
        currency: Currency,
        amount: Decimal,
        day: NaiveDate,
    ) -> Result<(), ReplayError> {
        if amount <= Decimal::ZERO {
            return Ok(());
        }
        self.credit.entry(currency).or_default().push_back(Lot {
            origin,
            arose_on: day,
            amount,
        });
        self.apply_credit(currency, day)
    }

    /// Settles one invoice and updates its place among the open invoices.
    fn settle(
        &mut self,
        index: usize,
        amount: Decimal,
        day: NaiveDate,
        source: AllocationSource,
    ) -> Result<Decimal, ReplayError> {
        let Some(invoice) = self.invoices.get_mut(index) else {
            return Ok(amount);
        };
        let remaining = invoice.settle(amount, day, source, &self.rules, &mut self.allocations)?;
        self.refresh(index, day)?;
        Ok(remaining)
    }

    /// Settles the open invoices of a currency oldest first and returns what is left.
    fn settle_oldest(
        &mut self,
        currency: Currency,
        amount: Decimal,
        day: NaiveDate,
        source: AllocationSource,
    ) -> Result<Decimal, ReplayError> {
        let mut remaining = amount;
        while remaining > Decimal::ZERO {
            let Some(key) = self.oldest_open(currency) else {
                break;
            };
            let Some(index) = self.index_of(key.2) else {
                self.close(currency, key);
                continue;
            };
            remaining = self.settle(index, remaining, day, source)?;
            if remaining > Decimal::ZERO && self.oldest_open(currency) == Some(key) {
                // Money is left only when the invoice is settled, which takes it out of the
                // set. Stopping here keeps the loop finite should that ever fail.
                break;
            }
        }
        Ok(remaining)
    }

    /// Applies account credit in a currency to its open invoices, oldest credit and oldest
    /// invoice first, unless automatic application is off.
    fn apply_credit(&mut self, currency: Currency, day: NaiveDate) -> Result<(), ReplayError> {
        if !self.rules.apply_credit {
            return Ok(());
        }
        while let Some((origin, amount)) = self.oldest_credit(currency) {
            if self.oldest_open(currency).is_none() {
                break;
            }
            let remaining = self.settle_oldest(
                currency,
                amount,
                day,
                AllocationSource::AccountCredit(origin),
            )?;

            let Some(lots) = self.credit.get_mut(&currency) else {
                break;
            };
            if remaining > Decimal::ZERO {
                if let Some(lot) = lots.front_mut() {
                    lot.amount = remaining;
                }
                break;
            }
            lots.pop_front();
        }
        Ok(())
    }

    fn oldest_credit(&self, currency: Currency) -> Option<(CreditOrigin, Decimal)> {
        let lot = self.credit.get(&currency)?.front()?;
        Some((lot.origin, lot.amount))
    }

    fn oldest_open(&self, currency: Currency) -> Option<AgeKey> {
        self.open.get(&currency)?.first().copied()
    }

    fn close(&mut self, currency: Currency, key: AgeKey) {
        if let Some(set) = self.open.get_mut(&currency) {
            set.remove(&key);
        }
    }

    fn index_of(&self, id: InvoiceId) -> Option<usize> {
        self.invoices
            .binary_search_by_key(&id, |invoice| invoice.id)
            .ok()
    }

    /// Puts an invoice among the open invoices of its currency when it is issued, opened and
    /// owes something on `day`, takes it out otherwise, and notes when it became settled.
    fn refresh(&mut self, index: usize, day: NaiveDate) -> Result<(), ReplayError> {
        let Some(invoice) = self.invoices.get_mut(index) else {
            return Ok(());
        };
        invoice.note_settlement(day)?;
        let is_open = invoice.opened
            && invoice.is_issued()
            && !invoice.is_written_off()
            && invoice.has_balance(day)?;

        let set = self.open.entry(invoice.currency).or_default();
        if is_open {
            set.insert(invoice.age);
        } else {
            set.remove(&invoice.age);
        }
        Ok(())
    }

    /// Builds the state at the end of `as_of`. An error names the entry whose amounts overflowed.
    pub(super) fn finish(self, as_of: NaiveDate) -> Result<LedgerState, (EntryRef, ReplayError)> {
        let mut balances: BTreeMap<Currency, AccountBalance> = BTreeMap::new();
        let mut invoices = BTreeMap::new();

        for ledger in self.invoices {
            let id = ledger.id;
            let entry = EntryRef::Invoice(id);
            let balance = ledger
                .finish(as_of, &self.rules)
                .map_err(|error| (entry, error))?;
            let totals = balances
                .entry(balance.currency)
                .or_insert_with(|| empty_balance(balance.currency));
            add_outstanding(totals, &balance).map_err(|error| (entry, error))?;
            invoices.insert(id, balance);
        }

        let mut credits = Vec::new();
        for (currency, lots) in self.credit {
            for lot in lots {
                let entry = match lot.origin {
                    CreditOrigin::Payment(id) => EntryRef::Payment(id),
                    CreditOrigin::CreditNote(id) => EntryRef::CreditNote(id),
                };
                let totals = balances
                    .entry(currency)
                    .or_insert_with(|| empty_balance(currency));
                let amount = Money::new(lot.amount, currency).round();
                add_to(&mut totals.credit, amount).map_err(|error| (entry, error))?;
                let net =
                    sub(totals.total.amount(), amount.amount()).map_err(|error| (entry, error))?;
                totals.total = Money::new(net, currency).round();
                credits.push(CreditLot {
                    origin: lot.origin,
                    arose_on: lot.arose_on,
                    amount,
                });
            }
        }

        Ok(LedgerState {
            as_of,
            invoices,
            balances,
            allocations: self.allocations,
            credits,
            waived_fees: self.waived_fees,
        })
    }
}

fn empty_balance(currency: Currency) -> AccountBalance {
    let zero = Money::zero(currency).round();
    AccountBalance {
        currency,
        principal_outstanding: zero,
        interest_outstanding: zero,
        fees_outstanding: zero,
        credit: zero,
        total: zero,
    }
}

fn add_to(sum: &mut Money, amount: Money) -> Result<(), ReplayError> {
    *sum = Money::new(add(sum.amount(), amount.amount())?, sum.currency()).round();
    Ok(())
}

/// Adds an invoice's outstanding amounts to its currency's totals.
fn add_outstanding(
    totals: &mut AccountBalance,
    invoice: &InvoiceBalance,
) -> Result<(), ReplayError> {
    add_to(
        &mut totals.principal_outstanding,
        invoice.principal_outstanding,
    )?;
    add_to(
        &mut totals.interest_outstanding,
        invoice.interest_outstanding,
    )?;
    add_to(&mut totals.fees_outstanding, invoice.fees_outstanding)?;
    add_to(&mut totals.total, invoice.total_outstanding)
}
