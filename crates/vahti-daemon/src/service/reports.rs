//! The aging report: the tenant's open invoices grouped by days past their due date, per
//! currency.
//!
//! The report reads every account of the tenant once, page by page in one read transaction, and
//! replays each account's ledger as of the report's day. Policies are loaded once per policy, not
//! once per account.

use std::collections::hash_map::Entry;
use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use chrono::{DateTime, Days, NaiveDate, Utc};
use rust_decimal::Decimal;
use vahti_domain::calendar::local_date;
use vahti_domain::ids::{AccountId, InvoiceId, TenantId};
use vahti_domain::ledger::{self, LedgerSettings};
use vahti_domain::planner::InvoiceStatus;
use vahti_domain::policy::ValidatedPolicy;
use vahti_domain::{Currency, DebtorType};
use vahti_store::accounts::{self, Account};
use vahti_store::ids::{PolicyId, PolicyVersionId};
use vahti_store::invoices::{self, InvoiceKind, InvoiceStatus as StoreInvoiceStatus};
use vahti_store::{Tx, claims, payments, tenants};

use super::context::{AccountContext, load_rates, parse_zone, policy_for};
use super::snapshot::ledger_entries;
use crate::error::{ServiceError, ServiceResult};

/// Accounts read per page.
const ACCOUNT_PAGE: i64 = 500;

/// Days after sending at which an invoice without a due date counts as due, as for penalty
/// interest (Interest Act 633/1982).
pub const DAYS_DUE_WITHOUT_DUE_DATE: u64 = 30;

/// The number and total outstanding of the invoices in one bucket.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Bucket {
    /// Number of invoices.
    pub count: u64,
    /// Sum of what they owe: principal, claimed interest and fees still unpaid.
    pub amount: Decimal,
}

impl Bucket {
    fn add(&mut self, amount: Decimal) {
        self.count = self.count.saturating_add(1);
        self.amount = self.amount.saturating_add(amount);
    }
}

/// The buckets of one currency.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CurrencyAging {
    /// Invoices whose due date is the report's day or later.
    pub not_due: Bucket,
    /// 1 to 14 days overdue.
    pub days_1_14: Bucket,
    /// 15 to 30 days overdue.
    pub days_15_30: Bucket,
    /// 31 to 60 days overdue.
    pub days_31_60: Bucket,
    /// 61 to 90 days overdue.
    pub days_61_90: Bucket,
    /// More than 90 days overdue.
    pub days_over_90: Bucket,
    /// Every open invoice of the currency.
    pub total: Bucket,
}

impl CurrencyAging {
    /// Counts an invoice `days_overdue` days past its due date that owes `outstanding`.
    pub fn add(&mut self, days_overdue: i64, outstanding: Decimal) {
        let bucket = match days_overdue {
            ..=0 => &mut self.not_due,
            1..=14 => &mut self.days_1_14,
            15..=30 => &mut self.days_15_30,
            31..=60 => &mut self.days_31_60,
            61..=90 => &mut self.days_61_90,
            _ => &mut self.days_over_90,
        };
        bucket.add(outstanding);
        self.total.add(outstanding);
    }
}

/// The aging report of a tenant.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AgingReport {
    /// The day invoices were aged against.
    pub as_of: NaiveDate,
    /// The buckets per currency, by currency code.
    pub currencies: BTreeMap<Currency, CurrencyAging>,
}

/// Computes the aging report as of `as_of`, today in the tenant's time zone when `None`.
///
/// An invoice counts when it is issued on or before `as_of` and the ledger as of that day shows
/// it open and owing something, with its total outstanding: principal, claimed interest and
/// fees, as an accounts-receivable aging shows what each customer owes. Handed-over invoices
/// count, since the debt is still owed.
/// Fails when an account's ledger cannot be computed, naming the account.
pub fn aging(
    tx: &mut Tx<'_>,
    tenant_id: TenantId,
    as_of: Option<NaiveDate>,
    now: DateTime<Utc>,
) -> ServiceResult<AgingReport> {
    let tenant = tenants::get(tx, tenant_id)?;
    let zone = parse_zone(&tenant.time_zone);
    let as_of = as_of.unwrap_or_else(|| local_date(now, zone));
    let rates = load_rates(tx)?;

    let mut policies: HashMap<
        (Option<PolicyId>, DebtorType),
        (Arc<ValidatedPolicy>, PolicyVersionId),
    > = HashMap::new();
    let mut report = AgingReport {
        as_of,
        currencies: BTreeMap::new(),
    };
    let mut after: Option<AccountId> = None;
    loop {
        let page = accounts::list(tx, tenant_id, after, ACCOUNT_PAGE)?;
        let full = i64::try_from(page.len()).unwrap_or(i64::MAX) >= ACCOUNT_PAGE;
        after = page.last().map(|account| account.id);

        for account in page {
            let key = (account.policy_id, account.debtor_type);
            let (policy, version) = match policies.entry(key) {
                Entry::Occupied(entry) => entry.get().clone(),
                Entry::Vacant(entry) => entry
                    .insert(policy_for(
                        tx,
                        &tenant,
                        account.policy_id,
                        account.debtor_type,
                    )?)
                    .clone(),
            };
            let context = AccountContext {
                tenant: tenant.clone(),
                debtor_time_zone: zone,
                business_time_zone: zone,
                policy,
                policy_version: version,
                rates: rates.clone(),
                account,
            };
            age_account(tx, &context, as_of, &mut report)?;
        }
        if !full {
            break;
        }
    }
    Ok(report)
}

fn age_account(
    tx: &mut Tx<'_>,
    context: &AccountContext,
    as_of: NaiveDate,
    report: &mut AgingReport,
) -> ServiceResult<()> {
    let account: &Account = &context.account;
    let invoices = invoices::list_for_account(tx, account.id)?;
    if invoices.is_empty() {
        return Ok(());
    }
    let ids: Vec<InvoiceId> = invoices.iter().map(|invoice| invoice.id).collect();
    let payments = payments::list_for_account(tx, account.id)?;
    let fees = claims::fees_for_invoices(tx, &ids)?;
    let settings: LedgerSettings = context.ledger_settings()?;
    let state = ledger::compute(
        &ledger_entries(&invoices, &payments, &fees),
        &settings,
        &context.rates,
        as_of,
    )
    .map_err(|error| {
        ServiceError::unprocessable(
            vahti_domain::ErrorCode::code(&error),
            None,
            format!(
                "the ledger of account {:?} cannot be computed, so the report cannot be made: {error}",
                account.external_id
            ),
        )
    })?;

    for invoice in invoices
        .iter()
        .filter(|invoice| invoice.kind == InvoiceKind::Invoice)
        .filter(|invoice| invoice.status == StoreInvoiceStatus::Issued)
        .filter(|invoice| invoice.issue_date <= as_of)
    {
        let Some(balance) = state.invoices.get(&invoice.id) else {
            continue;
        };
        if balance.status != InvoiceStatus::Open || !balance.total_outstanding.is_positive() {
            continue;
        }
        let due = invoice.due_date.unwrap_or_else(|| {
            let sent = invoice.sent_on.unwrap_or(invoice.issue_date);
            sent.checked_add_days(Days::new(DAYS_DUE_WITHOUT_DUE_DATE))
                .unwrap_or(sent)
        });
        let days_overdue = as_of.signed_duration_since(due).num_days();
        report
            .currencies
            .entry(balance.currency)
            .or_default()
            .add(days_overdue, balance.total_outstanding.amount());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn buckets_split_at_edges() {
        let cases = [
            (-3, "not_due"),
            (0, "not_due"),
            (1, "days_1_14"),
            (14, "days_1_14"),
            (15, "days_15_30"),
            (30, "days_15_30"),
            (31, "days_31_60"),
            (60, "days_31_60"),
            (61, "days_61_90"),
            (90, "days_61_90"),
            (91, "days_over_90"),
        ];
        for (days, expected) in cases {
            let mut aging = CurrencyAging::default();
            aging.add(days, Decimal::ONE);
            let buckets = [
                ("not_due", aging.not_due),
                ("days_1_14", aging.days_1_14),
                ("days_15_30", aging.days_15_30),
                ("days_31_60", aging.days_31_60),
                ("days_61_90", aging.days_61_90),
                ("days_over_90", aging.days_over_90),
            ];
            for (name, bucket) in buckets {
                let wanted = u64::from(name == expected);
                assert_eq!(bucket.count, wanted, "{days} days in {name}");
            }
            assert_eq!(aging.total.count, 1, "{days} days in total");
        }
    }

    #[test]
    fn total_sums_every_bucket() {
        let mut aging = CurrencyAging::default();
        aging.add(5, Decimal::new(1050, 2));
        aging.add(100, Decimal::new(2000, 2));
        assert_eq!(aging.total.amount, Decimal::new(3050, 2));
        assert_eq!(aging.total.count, 2);
    }
}
