//! Reads one account's rows, replays its ledger and builds the planner's snapshot.
//!
//! The ledger replays every entry of the account, settled invoices included, because an
//! untargeted payment that settled an old invoice must not be allocated again to a newer one.

use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, NaiveDate, Utc};
use vahti_domain::calendar::local_date;
use vahti_domain::ids::{AccountId, InvoiceId, TenantId};
use vahti_domain::ledger::{
    self, CreditNoteEntry, Entry, FeeEntry, InvoiceBalance, InvoiceEntry, InvoiceEntryStatus,
    LedgerState, PaymentEntry, WriteOffEntry,
};
use vahti_domain::planner::{
    AccountSnapshot, InvoiceSnapshot, InvoiceStatus, StepRecord, StepState as PlannerStepState,
};
use vahti_domain::policy::FeeKind as DomainFeeKind;
use vahti_store::accounts;
use vahti_store::claims::{self, FeeClaim, FeeKind, InterestClaim};
use vahti_store::holds::{self, PaymentPlan};
use vahti_store::invoices::{self, Invoice, InvoiceKind, InvoiceStatus as StoreInvoiceStatus};
use vahti_store::payments::{self, Payment};
use vahti_store::steps::{self, Step, StepState};
use vahti_store::{StoreError, Tx};

use super::AccountContext;
use crate::error::{ServiceError, ServiceResult};

/// One account read in one transaction, with its ledger replayed as of today.
#[derive(Debug, Clone)]
pub struct Loaded {
    /// The tenant, account and policy.
    pub context: AccountContext,
    /// Every invoice and credit note of the account.
    pub invoices: Vec<Invoice>,
    /// Every payment of the account, reversed ones included.
    pub payments: Vec<Payment>,
    /// Every fee claim on the account's invoices.
    pub fees: Vec<FeeClaim>,
    /// Every interest claim on the account's invoices.
    pub interest_claims: Vec<InterestClaim>,
    /// The step history of every invoice.
    pub steps: Vec<Step>,
    /// Payment plans of the account.
    pub plans: Vec<PaymentPlan>,
    /// The ledger as of `today`.
    pub ledger: LedgerState,
    /// Today in the tenant's time zone.
    pub today: NaiveDate,
    /// The instant the account was read at.
    pub now: DateTime<Utc>,
}

impl Loaded {
    /// Reads the account and replays its ledger as of `now`.
    pub fn load(tx: &mut Tx<'_>, account_id: AccountId, now: DateTime<Utc>) -> ServiceResult<Self> {
        let context = AccountContext::load(tx, account_id)?;
        Self::with_context(tx, context, now)
    }

    /// Reads the rows of an account whose context is already loaded.
    pub fn with_context(
        tx: &mut Tx<'_>,
        context: AccountContext,
        now: DateTime<Utc>,
    ) -> ServiceResult<Self> {
        let account_id = context.account.id;
        let rows = AccountRowsPart {
            invoices: invoices::list_for_account(tx, account_id)?,
            payments: payments::list_for_account(tx, account_id)?,
            fees: claims::fees_for_account(tx, account_id)?,
            interest_claims: claims::interest_for_account(tx, account_id)?,
            steps: steps::list_for_account_invoices(tx, account_id)?,
            plans: holds::plans_for_account(tx, account_id)?
                .into_iter()
                .map(|id| holds::get_plan(tx, id))
                .collect::<Result<Vec<_>, _>>()?,
        };
        Self::from_rows(context, rows, now)
    }

    /// Reads many accounts of one tenant with one query per table and replays their ledgers as
    /// of `now`. Returns one result per key, in the order given: an account that does not exist
    /// or cannot be replayed fails on its own.
    pub fn load_many(
        tx: &mut Tx<'_>,
        tenant_id: TenantId,
        account_ids: &[AccountId],
        now: DateTime<Utc>,
    ) -> ServiceResult<Vec<ServiceResult<Self>>> {
        let found = accounts::get_many(tx, account_ids)?;
        let contexts = AccountContext::for_accounts(tx, tenant_id, found)?;
        let mut rows = AccountRows::read(tx, account_ids)?;
        let mut by_id: HashMap<AccountId, ServiceResult<Self>> =
            HashMap::with_capacity(contexts.len());
        for (id, context) in contexts {
            let part = rows.take(id);
            by_id.insert(
                id,
                context.and_then(|context| Self::from_rows(context, part, now)),
            );
        }
        Ok(account_ids
            .iter()
            .map(|id| {
                by_id
                    .remove(id)
                    .unwrap_or_else(|| Err(StoreError::not_found("account", *id).into()))
            })
            .collect())
    }

    /// Builds the account from its rows and replays its ledger.
    fn from_rows(
        context: AccountContext,
        rows: AccountRowsPart,
        now: DateTime<Utc>,
    ) -> ServiceResult<Self> {
        let today = local_date(now, context.business_time_zone);
        let ledger = replay(&context, &rows.invoices, &rows.payments, &rows.fees, today)?;
        Ok(Loaded {
            context,
            invoices: rows.invoices,
            payments: rows.payments,
            fees: rows.fees,
            interest_claims: rows.interest_claims,
            steps: rows.steps,
            plans: rows.plans,
            ledger,
            today,
            now,
        })
    }

    /// Returns the account after a change that wrote nothing but these of its documents: they
    /// replace the documents of the same key or join them, and the ledger is replayed. The rest
    /// is kept as read.
    pub fn with_documents_written(self, written: Vec<Invoice>) -> ServiceResult<Self> {
        if written.is_empty() {
            return Ok(self);
        }
        let mut by_id: BTreeMap<InvoiceId, Invoice> = self
            .invoices
            .into_iter()
            .map(|invoice| (invoice.id, invoice))
            .collect();
        for invoice in written {
            by_id.insert(invoice.id, invoice);
        }
        let invoices: Vec<Invoice> = by_id.into_values().collect();
        let ledger = replay(
            &self.context,
            &invoices,
            &self.payments,
            &self.fees,
            self.today,
        )?;
        Ok(Loaded {
            invoices,
            ledger,
            ..self
        })
    }

    /// The invoice with `id`.
    pub fn invoice(&self, id: InvoiceId) -> Option<&Invoice> {
        self.invoices.iter().find(|invoice| invoice.id == id)
    }

    /// The ledger balance of an invoice.
    pub fn balance(&self, id: InvoiceId) -> Option<&InvoiceBalance> {
        self.ledger.invoices.get(&id)
    }

    /// The steps of one invoice.
    pub fn steps_of(&self, id: InvoiceId) -> impl Iterator<Item = &Step> {
        self.steps.iter().filter(move |step| step.invoice_id == id)
    }

    /// The planner's status of an invoice: the integrator's status first, then hand-over, then
    /// the ledger's verdict.
    pub fn status_of(&self, invoice: &Invoice) -> InvoiceStatus {
        match invoice.status {
            StoreInvoiceStatus::Draft => return InvoiceStatus::Draft,
            StoreInvoiceStatus::Cancelled => return InvoiceStatus::Cancelled,
            StoreInvoiceStatus::Issued => {}
        }
        if invoice.handed_over_at.is_some() {
            return InvoiceStatus::HandedOver;
        }
        self.balance(invoice.id)
            .map_or(InvoiceStatus::Open, |balance| balance.status)
    }

    /// Whether the account has an active payment plan.
    pub fn has_active_plan(&self) -> bool {
        self.plans
            .iter()
            .any(|plan| plan.state == vahti_store::holds::PlanState::Active)
    }

    /// Returns whether an active payment plan covers the invoice, so that escalation of it pauses
    /// while the plan runs. A plan without recorded invoices covers every invoice of the account.
    pub fn in_payment_plan(&self, invoice: InvoiceId) -> bool {
        self.plans
            .iter()
            .filter(|plan| plan.state == vahti_store::holds::PlanState::Active)
            .any(|plan| plan.invoices.is_empty() || plan.invoices.contains(&invoice))
    }

    /// The planner's view of the account.
    pub fn planner_snapshot(&self) -> AccountSnapshot {
        let account = &self.context.account;
        let fee_by_step: BTreeMap<i64, DomainFeeKind> = self
            .fees
            .iter()
            .filter(|fee| fee.waived_at.is_none())
            .filter_map(|fee| fee.step_id.map(|step| (step.0, domain_fee_kind(fee.kind))))
            .collect();

        let invoices = self
            .invoices
            .iter()
            .filter(|invoice| invoice.kind == InvoiceKind::Invoice)
            .filter_map(|invoice| {
                let balance = self.balance(invoice.id)?;
                let history = self
                    .steps_of(invoice.id)
                    .map(|step| StepRecord {
                        step_key: step.step_key.clone(),
                        state: planner_state(step),
                        fee: fee_by_step.get(&step.id.0).copied(),
                    })
                    .collect();
                Some(InvoiceSnapshot {
                    id: invoice.id,
                    status: self.status_of(invoice),
                    original_amount: balance.principal,
                    principal_outstanding: balance.principal_outstanding,
                    total_outstanding: balance.total_outstanding,
                    sent_on: invoice.sent_on.or(Some(invoice.issue_date)),
                    due_date: invoice.due_date,
                    disputed: invoice.disputed,
                    paused_until: invoice.paused_until,
                    promised_until: invoice.promised_until,
                    in_payment_plan: self.in_payment_plan(invoice.id),
                    history,
                })
            })
            .collect();

        AccountSnapshot {
            account_id: account.id,
            debtor_type: account.debtor_type,
            business_time_zone: self.context.business_time_zone,
            debtor_time_zone: self.context.debtor_time_zone,
            can_email: account.emails.iter().any(|email| is_plausible_email(email)),
            electronic_demand_consent_until: account.e_demand_consent_until,
            last_contact_at: account.last_contact_at,
            paused_until: account.paused_until,
            invoices,
        }
    }
}

/// Replays the account's ledger as of `today`.
fn replay(
    context: &AccountContext,
    invoices: &[Invoice],
    payments: &[Payment],
    fees: &[FeeClaim],
    today: NaiveDate,
) -> ServiceResult<LedgerState> {
    let entries = ledger_entries(invoices, payments, fees);
    let settings = context.ledger_settings()?;
    ledger::compute(&entries, &settings, &context.rates, today).map_err(|error| {
        tracing::error!(
            account.id = context.account.id.0,
            code = vahti_domain::ErrorCode::code(&error),
            error = %error,
            "ledger replay failed"
        );
        ServiceError::unprocessable(
            vahti_domain::ErrorCode::code(&error),
            None,
            format!("the account's ledger cannot be computed: {error}"),
        )
    })
}

/// Turns the stored rows into ledger entries.
pub fn ledger_entries(invoices: &[Invoice], payments: &[Payment], fees: &[FeeClaim]) -> Vec<Entry> {
    let mut entries = Vec::with_capacity(invoices.len() + payments.len() + fees.len());

    for invoice in invoices {
        match invoice.kind {
            InvoiceKind::Invoice => entries.push(Entry::Invoice(InvoiceEntry {
                id: invoice.id,
                issued_on: invoice.issue_date,
                sent_on: invoice.sent_on,
                due_date: invoice.due_date,
                amount: invoice.amount,
                status: match invoice.status {
                    StoreInvoiceStatus::Draft => InvoiceEntryStatus::Draft,
                    StoreInvoiceStatus::Issued => InvoiceEntryStatus::Issued,
                    StoreInvoiceStatus::Cancelled => InvoiceEntryStatus::Cancelled,
                },
                interest_claimed_from: invoice.interest_claimed_from,
            })),
            InvoiceKind::CreditNote => {
                if invoice.status == StoreInvoiceStatus::Issued {
                    entries.push(Entry::CreditNote(CreditNoteEntry {
                        id: invoice.id,
                        credited_on: invoice.issue_date,
                        amount: invoice.amount,
                        invoice: invoice.corrects_invoice_id,
                    }));
                }
            }
        }
        if let Some(at) = invoice.written_off_at {
            entries.push(Entry::WriteOff(WriteOffEntry {
                invoice: invoice.id,
                written_off_on: at.date_naive(),
            }));
        }
    }

    for payment in payments {
        entries.push(Entry::Payment(PaymentEntry {
            id: payment.id,
            paid_on: payment.paid_on,
            booked_on: payment.booked_on.unwrap_or(payment.paid_on),
            amount: payment.amount,
            invoice: payment.invoice_id,
            reversed: payment.reversed_at.is_some(),
        }));
    }

    for fee in fees.iter().filter(|fee| fee.waived_at.is_none()) {
        entries.push(Entry::Fee(FeeEntry {
            id: fee.id,
            invoice: fee.invoice_id,
            charged_on: fee.charged_on,
            amount: fee.amount,
            kind: domain_fee_kind(fee.kind),
        }));
    }

    entries
}

fn domain_fee_kind(kind: FeeKind) -> DomainFeeKind {
    match kind {
        FeeKind::ReminderFee => DomainFeeKind::ReminderFee,
        FeeKind::StandardCompensation => DomainFeeKind::StandardCompensation,
    }
}

fn planner_state(step: &Step) -> PlannerStepState {
    let completed = step.executed_at.unwrap_or(step.updated_at);
    match step.state {
        StepState::PendingApproval => PlannerStepState::PendingApproval {
            since: step.created_at,
        },
        StepState::Queued => PlannerStepState::Queued {
            at: step.created_at,
        },
        StepState::Sent => PlannerStepState::Sent { at: completed },
        StepState::Skipped => PlannerStepState::Skipped { at: completed },
        StepState::Failed => PlannerStepState::Failed {
            at: step.updated_at,
        },
    }
}

/// A cheap plausibility check of a stored email address; addresses are validated properly when
/// they are accepted through the API.
pub fn is_plausible_email(email: &str) -> bool {
    let trimmed = email.trim();
    match trimmed.split_once('@') {
        Some((local, domain)) => {
            !local.is_empty() && domain.contains('.') && !trimmed.contains(' ')
        }
        None => false,
    }
}

/// The rows of many accounts, read with one query per table and grouped by account.
struct AccountRows {
    invoices: HashMap<AccountId, Vec<Invoice>>,
    payments: HashMap<AccountId, Vec<Payment>>,
    fees: HashMap<AccountId, Vec<FeeClaim>>,
    interest_claims: HashMap<AccountId, Vec<InterestClaim>>,
    steps: HashMap<AccountId, Vec<Step>>,
    plans: HashMap<AccountId, Vec<PaymentPlan>>,
}

/// The rows of one account, taken out of [`AccountRows`].
struct AccountRowsPart {
    invoices: Vec<Invoice>,
    payments: Vec<Payment>,
    fees: Vec<FeeClaim>,
    interest_claims: Vec<InterestClaim>,
    steps: Vec<Step>,
    plans: Vec<PaymentPlan>,
}

impl AccountRows {
    fn read(tx: &mut Tx<'_>, account_ids: &[AccountId]) -> ServiceResult<Self> {
        let invoice_rows = invoices::list_for_accounts(tx, account_ids)?;
        // Claims and steps name their invoice, and an invoice names its account now.
        let owner: HashMap<InvoiceId, AccountId> = invoice_rows
            .iter()
            .map(|invoice| (invoice.id, invoice.account_id))
            .collect();
        let payments = group_by_account(payments::list_for_accounts(tx, account_ids)?, |payment| {
            payment.account_id
        });
        let fees = group_by_account(claims::fees_for_accounts(tx, account_ids)?, |fee| {
            owner.get(&fee.invoice_id).copied()
        });
        let interest_claims =
            group_by_account(claims::interest_for_accounts(tx, account_ids)?, |claim| {
                owner.get(&claim.invoice_id).copied()
            });
        let steps = group_by_account(
            steps::list_for_accounts_invoices(tx, account_ids)?,
            |step| owner.get(&step.invoice_id).copied(),
        );
        let mut plans: HashMap<AccountId, Vec<PaymentPlan>> = HashMap::new();
        for (account, plan) in holds::plans_for_accounts(tx, account_ids)? {
            plans
                .entry(account)
                .or_default()
                .push(holds::get_plan(tx, plan)?);
        }
        let invoices = group_by_account(invoice_rows, |invoice| Some(invoice.account_id));
        Ok(AccountRows {
            invoices,
            payments,
            fees,
            interest_claims,
            steps,
            plans,
        })
    }

    fn take(&mut self, account: AccountId) -> AccountRowsPart {
        AccountRowsPart {
            invoices: self.invoices.remove(&account).unwrap_or_default(),
            payments: self.payments.remove(&account).unwrap_or_default(),
            fees: self.fees.remove(&account).unwrap_or_default(),
            interest_claims: self.interest_claims.remove(&account).unwrap_or_default(),
            steps: self.steps.remove(&account).unwrap_or_default(),
            plans: self.plans.remove(&account).unwrap_or_default(),
        }
    }
}

/// Groups rows by their account, keeping their order within each account. Rows without an
/// account are left out.
fn group_by_account<T>(
    rows: Vec<T>,
    account_of: impl Fn(&T) -> Option<AccountId>,
) -> HashMap<AccountId, Vec<T>> {
    let mut groups: HashMap<AccountId, Vec<T>> = HashMap::new();
    for row in rows {
        if let Some(account) = account_of(&row) {
            groups.entry(account).or_default().push(row);
        }
    }
    groups
}
