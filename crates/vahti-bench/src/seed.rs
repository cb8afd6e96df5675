//! Test data: accounts with open invoices written straight into the store, as an integrator's
//! upserts would leave them, and the same invoices as API requests and as raw rows.

use anyhow::{Context, anyhow};
use chrono::{DateTime, Days, NaiveDate, Utc};
use rust_decimal::Decimal;
use vahti_api::invoices::{
    BatchInvoiceItem, InvoiceKind as WireKind, IssueStatus, UpsertInvoiceRequest,
};
use vahti_daemon::app::App;
use vahti_daemon::service::wake;
use vahti_domain::ident::FinnishReference;
use vahti_domain::ids::TenantId;
use vahti_domain::{Currency, DebtorType, Money};
use vahti_store::accounts::{self, AccountUpsert};
use vahti_store::invoices::{self, InvoiceKind, InvoiceStatus, InvoiceUpsert};

/// Accounts written per transaction while seeding.
const ACCOUNTS_PER_TRANSACTION: usize = 500;

/// The amount of every seeded invoice, in cents.
pub const AMOUNT_CENTS: i64 = 12_000;

/// The external id of account number `index`.
pub fn account_external_id(index: usize) -> String {
    format!("acct-{index:07}")
}

/// The external id of invoice `number` of account `index`.
pub fn invoice_external_id(index: usize, number: usize) -> String {
    format!("inv-{index:07}-{number:02}")
}

/// A valid Finnish reference that is unique per account and invoice number.
pub fn reference(index: usize, number: usize) -> anyhow::Result<String> {
    let base = format!("1{index:07}{number:02}");
    let reference = FinnishReference::from_base(&base)
        .map_err(|error| anyhow!("invalid reference base {base}: {error}"))?;
    Ok(reference.as_str().to_owned())
}

/// The due date of the seeded invoices: `days_overdue` days before `now`'s date.
pub fn due_date(now: DateTime<Utc>, days_overdue: u64) -> NaiveDate {
    now.date_naive()
        .checked_sub_days(Days::new(days_overdue))
        .unwrap_or(NaiveDate::MIN)
}

/// What to seed: `count` consumer accounts from number `first` on, each with
/// `invoices_per_account` open invoices due `days_overdue` days before the daemon's clock.
#[derive(Debug, Clone, Copy)]
pub struct Accounts {
    /// The number of the first account.
    pub first: usize,
    /// How many accounts.
    pub count: usize,
    /// Open invoices per account.
    pub invoices_per_account: usize,
    /// How many days before the clock's date the invoices fell due.
    pub days_overdue: u64,
}

/// Writes the accounts and invoices of `spec` into the store and schedules each account, in
/// transactions of [`ACCOUNTS_PER_TRANSACTION`] accounts.
pub async fn accounts(app: &App, tenant: TenantId, spec: Accounts) -> anyhow::Result<()> {
    let now = app.now();
    let end = spec.first + spec.count;
    let mut start = spec.first;
    while start < end {
        let stop = (start + ACCOUNTS_PER_TRANSACTION).min(end);
        let rows: Vec<(AccountUpsert, Vec<InvoiceUpsertDraft>)> = (start..stop)
            .map(|index| account_rows(index, spec, now))
            .collect::<anyhow::Result<_>>()?;
        app.write(move |tx| {
            for (account, drafts) in &rows {
                let stored = accounts::upsert(tx, tenant, account, now)?;
                if drafts.is_empty() {
                    continue;
                }
                let invoices: Vec<InvoiceUpsert> = drafts
                    .iter()
                    .map(|draft| draft.for_account(stored.id))
                    .collect();
                invoices::upsert_batch(tx, tenant, &invoices, now)?;
                wake::refresh_next_action(tx, stored.id, now)?;
            }
            Ok(())
        })
        .await
        .map_err(|error| anyhow!("seeding accounts {start}..{stop} failed: {error}"))?;
        start = stop;
    }
    Ok(())
}

/// An invoice row waiting for its account's key.
struct InvoiceUpsertDraft {
    external_id: String,
    number: String,
    issue_date: NaiveDate,
    due_date: NaiveDate,
    amount: Money,
    reference: String,
}

impl InvoiceUpsertDraft {
    fn for_account(&self, account_id: vahti_domain::ids::AccountId) -> InvoiceUpsert {
        InvoiceUpsert {
            external_id: self.external_id.clone(),
            account_id,
            kind: InvoiceKind::Invoice,
            number: self.number.clone(),
            issue_date: self.issue_date,
            sent_on: Some(self.issue_date),
            due_date: Some(self.due_date),
            amount: self.amount,
            reference: Some(self.reference.clone()),
            reference_invalid: false,
            seller_iban: None,
            seller_bic: None,
            status: InvoiceStatus::Issued,
            corrects_external_id: None,
        }
    }
}

fn account_rows(
    index: usize,
    spec: Accounts,
    now: DateTime<Utc>,
) -> anyhow::Result<(AccountUpsert, Vec<InvoiceUpsertDraft>)> {
    let external_id = account_external_id(index);
    let account = AccountUpsert {
        name: format!("Debtor {index}"),
        debtor_type: DebtorType::Consumer,
        emails: vec![format!("debtor{index}@example.com")],
        locale: vahti_store::Locale::Fi,
        time_zone: None,
        policy_id: None,
        contact: serde_json::json!({}),
        e_demand_consent_until: None,
        external_id,
    };
    let due = due_date(now, spec.days_overdue);
    let issue = due
        .checked_sub_days(Days::new(30))
        .unwrap_or(NaiveDate::MIN);
    let drafts = (0..spec.invoices_per_account)
        .map(|number| {
            Ok(InvoiceUpsertDraft {
                external_id: invoice_external_id(index, number),
                number: format!("{index}-{number}"),
                issue_date: issue,
                due_date: due,
                amount: Money::from_minor_units(AMOUNT_CENTS, Currency::EUR),
                reference: reference(index, number)?,
            })
        })
        .collect::<anyhow::Result<_>>()?;
    Ok((account, drafts))
}

/// The API request that upserts invoice `number` of account `index`, due on `due`.
pub fn invoice_request(
    index: usize,
    number: usize,
    due: NaiveDate,
) -> anyhow::Result<BatchInvoiceItem> {
    let issue = due
        .checked_sub_days(Days::new(30))
        .context("due date too early")?;
    Ok(BatchInvoiceItem {
        external_id: invoice_external_id(index, number),
        invoice: UpsertInvoiceRequest {
            account: account_external_id(index),
            kind: WireKind::Invoice,
            number: format!("{index}-{number}"),
            issue_date: issue,
            sent_on: Some(issue),
            due_date: Some(due),
            currency: "EUR".to_owned(),
            amount: Decimal::new(AMOUNT_CENTS, 2),
            reference: Some(reference(index, number)?),
            corrects: None,
            status: IssueStatus::Issued,
            seller_iban: None,
            seller_bic: None,
        },
    })
}
