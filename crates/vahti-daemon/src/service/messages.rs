//! Composes the content of a message to the debtor from the account's ledger.
//!
//! Amounts come from the ledger as it stands when the message is composed, so the total in the
//! message equals the ledger balance of the listed invoices after the step's fee, to the cent.

use chrono::{Days, NaiveDate};
use vahti_domain::ident::{Bic, Iban, PaymentReference};
use vahti_domain::ids::InvoiceId;
use vahti_domain::ledger::InvoiceBalance;
use vahti_domain::{Currency, Money};
use vahti_mail::Locale as MailLocale;
use vahti_mail::model::{
    Creditor, Debtor, DisputeTerms, FeeKind, FeeLine, InterestLine, InvoiceLine, MessageInput,
    MessageKind,
};
use vahti_store::Locale;
use vahti_store::claims::FeeKind as StoreFeeKind;

use super::Loaded;
use super::snapshot::is_plausible_email;
use crate::error::{ServiceError, ServiceResult};

/// Days a debtor has to dispute when the message sets no new due date.
const DEFAULT_DISPUTE_DAYS: u64 = 14;

/// What a message says, before the amounts are filled in from the ledger.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Composition {
    /// The kind of message.
    pub kind: MessageKind,
    /// The invoices the message lists, oldest first.
    pub listed: Vec<InvoiceId>,
    /// The new due date printed on the message.
    pub new_due_date: Option<NaiveDate>,
    /// The link to the debtor's self-service page, when one was issued.
    pub self_service_url: Option<String>,
}

/// Fills in a message from the ledger.
///
/// Fails with an unprocessable error when the tenant's creditor details are incomplete, the
/// account has no usable email address, or no listed invoice has a valid reference.
pub fn compose(loaded: &Loaded, composition: &Composition) -> ServiceResult<MessageInput> {
    let tenant = &loaded.context.tenant;
    let account = &loaded.context.account;

    let creditor = creditor(loaded)?;
    let email = account
        .emails
        .iter()
        .find(|email| is_plausible_email(email))
        .cloned()
        .ok_or_else(|| {
            ServiceError::unprocessable(
                "account_email_missing",
                Some("emails".to_owned()),
                format!(
                    "account {} has no valid email address; add one or send a letter instead",
                    account.external_id
                ),
            )
        })?;
    let debtor = Debtor {
        name: account.name.clone(),
        email,
        locale: mail_locale(account.locale),
        country: account
            .contact
            .get("country")
            .and_then(|country| country.as_str())
            .map(str::to_owned),
    };

    let mut lines = Vec::new();
    let mut fees = Vec::new();
    let mut currency: Option<Currency> = None;
    let mut reference: Option<PaymentReference> = None;
    for id in &composition.listed {
        let (Some(invoice), Some(balance)) = (loaded.invoice(*id), loaded.balance(*id)) else {
            continue;
        };
        if !balance.total_outstanding.is_positive() {
            continue;
        }
        currency.get_or_insert(balance.currency);
        // A flagged invoice carries the valid reference Vahti generated in place of the
        // integrator's, so its stored reference is usable like any other.
        if reference.is_none() {
            reference = invoice
                .reference
                .as_deref()
                .and_then(|text| PaymentReference::parse(text).ok());
        }

        lines.push(InvoiceLine {
            number: invoice.number.clone(),
            invoice_date: invoice.issue_date,
            original_due_date: invoice.due_date.unwrap_or(invoice.issue_date),
            original_amount: balance.principal,
            outstanding_principal: balance.principal_outstanding,
            interest: interest_lines(balance),
        });
        fees.extend(fee_lines(loaded, *id, balance.fees_outstanding));
    }

    let currency = currency.ok_or_else(|| {
        ServiceError::unprocessable(
            "message_nothing_owed",
            None,
            "none of the message's invoices has anything outstanding, so there is nothing to remind of",
        )
    })?;
    let reference = reference.ok_or_else(|| {
        ServiceError::unprocessable(
            "message_reference_missing",
            None,
            "none of the message's invoices has a valid payment reference; send the invoice again with a valid reference or let Vahti generate one",
        )
    })?;

    let ledger_balance = Money::sum(
        currency,
        composition
            .listed
            .iter()
            .filter_map(|id| loaded.balance(*id))
            .filter(|balance| balance.total_outstanding.is_positive())
            .map(|balance| balance.total_outstanding),
    )
    .map_err(|error| ServiceError::internal(format!("message total: {error}")))?;

    let deadline = composition.new_due_date.unwrap_or_else(|| {
        loaded
            .today
            .checked_add_days(Days::new(DEFAULT_DISPUTE_DAYS))
            .unwrap_or(loaded.today)
    });

    Ok(MessageInput {
        kind: composition.kind,
        issue_date: loaded.today,
        dispute: DisputeTerms {
            deadline,
            email: creditor.email.clone(),
            phone: creditor.phone.clone(),
            self_service_url: composition.self_service_url.clone(),
        },
        creditor,
        debtor,
        invoices: lines,
        fees,
        total: ledger_balance,
        ledger_balance,
        reference,
        new_due_date: if composition.kind.requests_payment() {
            composition.new_due_date
        } else {
            None
        },
        agency: None,
        instalments: Vec::new(),
        received: None,
    })
    .inspect(|_| {
        tracing::debug!(
            tenant.id = tenant.id.0,
            account.id = account.id.0,
            "composed message"
        );
    })
}

/// Checks, before any fee is charged, that an email listing `listed` can be composed: the
/// creditor details are complete, the account has an email address, and a listed invoice has a
/// valid reference.
pub fn precheck(loaded: &Loaded, listed: &[InvoiceId], needs_email: bool) -> ServiceResult<()> {
    creditor(loaded)?;

    let account = &loaded.context.account;
    if needs_email && !account.emails.iter().any(|email| is_plausible_email(email)) {
        return Err(ServiceError::unprocessable(
            "account_email_missing",
            Some("emails".to_owned()),
            format!(
                "account {} has no valid email address; add one or send a letter instead",
                account.external_id
            ),
        ));
    }

    let has_reference = listed
        .iter()
        .filter_map(|id| loaded.invoice(*id))
        .any(|invoice| {
            invoice
                .reference
                .as_deref()
                .is_some_and(|text| PaymentReference::parse(text).is_ok())
        });
    if has_reference {
        Ok(())
    } else {
        Err(ServiceError::unprocessable(
            "message_reference_missing",
            None,
            "none of the message's invoices has a valid payment reference; send the invoice again with a valid reference or let Vahti generate one",
        ))
    }
}

/// The creditor block of a message, from the tenant's settings.
pub fn creditor(loaded: &Loaded) -> ServiceResult<Creditor> {
    let settings = &loaded.context.tenant.creditor;
    let missing = |field: &str| {
        ServiceError::unprocessable(
            "tenant_creditor_incomplete",
            Some(format!("creditor.{field}")),
            format!(
                "the tenant's creditor details lack {field}, which every message to a debtor must show; set it with PATCH /v1/tenants/{}",
                loaded.context.tenant.id
            ),
        )
    };

    let iban_text = settings.iban.as_deref().ok_or_else(|| missing("iban"))?;
    let iban = Iban::parse(iban_text)
        .map_err(|error| ServiceError::from_domain("creditor.iban", &error))?;
    let bic = settings
        .bic
        .as_deref()
        .map(Bic::parse)
        .transpose()
        .map_err(|error| ServiceError::from_domain("creditor.bic", &error))?;
    let name = if settings.legal_name.trim().is_empty() {
        return Err(missing("legal_name"));
    } else {
        settings.legal_name.clone()
    };

    Ok(Creditor {
        name,
        business_id: settings
            .business_id
            .clone()
            .ok_or_else(|| missing("business_id"))?,
        address: settings.postal_lines(),
        country: settings.country.clone(),
        email: settings
            .contact_email
            .clone()
            .ok_or_else(|| missing("contact_email"))?,
        phone: settings.contact_phone.clone(),
        iban,
        bic,
    })
}

/// The mail crate's locale for a stored locale.
pub fn mail_locale(locale: Locale) -> MailLocale {
    match locale {
        Locale::Fi => MailLocale::Finnish,
        Locale::Sv => MailLocale::Swedish,
        Locale::En => MailLocale::English,
    }
}

/// The outstanding penalty interest of an invoice, one line per rate period.
///
/// Each period is rounded to the cent and the last line absorbs the rounding difference, so the
/// lines add up to the interest the ledger claims. Interest already paid is taken off the oldest
/// periods first.
fn interest_lines(balance: &InvoiceBalance) -> Vec<InterestLine> {
    if !balance.interest_outstanding.is_positive() {
        return Vec::new();
    }

    let mut lines: Vec<InterestLine> = balance
        .interest_periods
        .iter()
        .filter(|accrued| accrued.period.days > 0)
        .map(|accrued| InterestLine {
            rate_percent: accrued.period.annual_rate_percent,
            first_day: accrued.period.first_day,
            last_day: accrued.period.last_day,
            amount: accrued.period.amount.round(),
        })
        .collect();

    let claimed = balance.interest_claimed;
    let sum = Money::sum(claimed.currency(), lines.iter().map(|line| line.amount));
    if let (Ok(sum), Some(last)) = (sum, lines.last_mut())
        && let Ok(difference) = claimed.checked_sub(sum)
        && let Ok(adjusted) = last.amount.checked_add(difference)
    {
        last.amount = adjusted;
    }

    let mut paid = balance.interest_paid;
    for line in &mut lines {
        if !paid.is_positive() {
            break;
        }
        let taken = match line.amount.checked_min(paid) {
            Ok(taken) => taken,
            Err(_) => break,
        };
        line.amount = line.amount.checked_sub(taken).unwrap_or(line.amount);
        paid = paid.checked_sub(taken).unwrap_or(paid);
    }
    lines.retain(|line| line.amount.is_positive());
    lines
}

/// The outstanding fees of an invoice, one line per fee claim with the step that charged it.
///
/// Fees already paid are taken off the oldest claims first, the same way as interest. When the
/// claims do not cover `outstanding`, a line without a step carries the rest, so the lines always
/// add up to what the ledger claims.
fn fee_lines(loaded: &Loaded, invoice: InvoiceId, outstanding: Money) -> Vec<FeeLine> {
    if !outstanding.is_positive() {
        return Vec::new();
    }

    let mut claims: Vec<_> = loaded
        .fees
        .iter()
        .filter(|fee| fee.invoice_id == invoice && fee.waived_at.is_none())
        .collect();
    claims.sort_by_key(|fee| (fee.charged_on, fee.id));
    let mut lines: Vec<FeeLine> = claims
        .iter()
        .map(|fee| FeeLine {
            kind: match fee.kind {
                StoreFeeKind::StandardCompensation => FeeKind::StandardCompensation,
                StoreFeeKind::ReminderFee => FeeKind::ReminderFee,
            },
            amount: fee.amount,
            charged_by: fee
                .step_id
                .and_then(|step| loaded.steps.iter().find(|candidate| candidate.id == step))
                .and_then(|step| message_kind_of_step(&step.step_kind)),
            charged_on: Some(fee.charged_on),
        })
        .collect();

    let claimed = Money::sum(outstanding.currency(), lines.iter().map(|line| line.amount))
        .unwrap_or(outstanding);
    let mut paid = claimed.checked_sub(outstanding).unwrap_or(claimed);
    for line in &mut lines {
        if !paid.is_positive() {
            break;
        }
        let Ok(taken) = line.amount.checked_min(paid) else {
            break;
        };
        line.amount = line.amount.checked_sub(taken).unwrap_or(line.amount);
        paid = paid.checked_sub(taken).unwrap_or(paid);
    }
    lines.retain(|line| line.amount.is_positive());

    let listed = Money::sum(outstanding.currency(), lines.iter().map(|line| line.amount));
    if let Ok(listed) = listed
        && let Ok(rest) = outstanding.checked_sub(listed)
        && rest.is_positive()
    {
        lines.push(FeeLine {
            kind: FeeKind::ReminderFee,
            amount: rest,
            charged_by: None,
            charged_on: None,
        });
    }
    lines
}

/// The message kind named like a stored step kind, for the steps that send a message.
fn message_kind_of_step(step_kind: &str) -> Option<MessageKind> {
    match step_kind {
        "friendly_reminder" => Some(MessageKind::FriendlyReminder),
        "reminder" => Some(MessageKind::Reminder),
        "final_demand" => Some(MessageKind::FinalDemand),
        "collection_handover" => Some(MessageKind::CollectionHandover),
        _ => None,
    }
}
