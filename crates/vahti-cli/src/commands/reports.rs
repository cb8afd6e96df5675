//! `vahti status` and `vahti aging`: an account's state and the aging report.

use vahti_sdk::api::{AccountStatus, AgingQuery, AgingReport};

use super::invoices::invoice_table;
use crate::cli::{AgingArgs, StatusArgs};
use crate::context::Context;
use crate::error::CliError;
use crate::output::{Align, Output, Table, instant, or_dash};

pub async fn status(context: &Context, args: StatusArgs) -> Result<(), CliError> {
    let status = context.client()?.accounts().status(&args.account).await?;
    let out = &context.out;
    if out.json {
        return out.json(&status);
    }
    print_status(out, &status, args.history)
}

fn print_status(out: &Output, status: &AccountStatus, history: usize) -> Result<(), CliError> {
    let account = &status.account;
    out.line(format!(
        "{} {} ({}, {}, policy {})",
        account.external_id,
        account.name,
        account.debtor_type,
        account.locale,
        account.effective_policy
    ))?;
    if let Some(until) = account.paused_until {
        out.line(format!("paused until {until}"))?;
    }
    out.line(format!(
        "next action: {}",
        or_dash(
            status
                .next_action_at
                .map(|at| format!("{} UTC", instant(at)))
        )
    ))?;

    out.line("")?;
    let mut balances = Table::new(&[
        ("CURRENCY", Align::Left),
        ("PRINCIPAL", Align::Right),
        ("INTEREST", Align::Right),
        ("FEES", Align::Right),
        ("CREDIT", Align::Right),
        ("TOTAL", Align::Right),
    ]);
    for balance in &status.balances {
        balances.push(vec![
            balance.currency.clone(),
            balance.principal.to_string(),
            balance.interest.to_string(),
            balance.fees.to_string(),
            balance.credit.to_string(),
            balance.total.to_string(),
        ]);
    }
    out.table(&balances, "nothing owed")?;

    out.line("")?;
    out.table(&invoice_table(&status.open_invoices), "no open invoices")?;

    if history == 0 {
        return Ok(());
    }
    out.line("")?;
    let mut timeline = Table::new(&[
        ("AT (UTC)", Align::Left),
        ("EVENT", Align::Left),
        ("INVOICE", Align::Left),
        ("STEP", Align::Left),
        ("AMOUNT", Align::Right),
        ("DETAIL", Align::Left),
    ]);
    for entry in status.timeline.iter().take(history) {
        let amount = entry
            .amount
            .map(|amount| format!("{amount} {}", entry.currency.as_deref().unwrap_or("")));
        timeline.push(vec![
            instant(entry.at),
            entry.kind.to_string(),
            or_dash(entry.invoice.as_deref()),
            or_dash(entry.step.as_deref()),
            or_dash(amount.map(|amount| amount.trim_end().to_owned())),
            entry.detail.clone().unwrap_or_default(),
        ]);
    }
    out.table(&timeline, "no history")
}

pub async fn aging(context: &Context, args: AgingArgs) -> Result<(), CliError> {
    let query = AgingQuery { as_of: args.as_of };
    let report = context.client()?.reports().aging(&query).await?;
    let out = &context.out;
    if out.json {
        return out.json(&report);
    }
    print_aging(out, &report)
}

fn print_aging(out: &Output, report: &AgingReport) -> Result<(), CliError> {
    out.line(format!("aging as of {}", report.as_of))?;
    let mut table = Table::new(&[
        ("CURRENCY", Align::Left),
        ("BUCKET", Align::Left),
        ("INVOICES", Align::Right),
        ("OUTSTANDING", Align::Right),
    ]);
    for currency in &report.currencies {
        let buckets = [
            ("not due", &currency.not_due),
            ("1-14 days", &currency.days_1_14),
            ("15-30 days", &currency.days_15_30),
            ("31-60 days", &currency.days_31_60),
            ("61-90 days", &currency.days_61_90),
            ("over 90 days", &currency.days_over_90),
            ("total", &currency.total),
        ];
        for (name, bucket) in buckets {
            table.push(vec![
                currency.currency.clone(),
                name.to_owned(),
                bucket.count.to_string(),
                format!("{:.2}", bucket.amount),
            ]);
        }
    }
    out.table(&table, "no open invoices")
}
