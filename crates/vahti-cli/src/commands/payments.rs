//! `vahti payments`: incoming payments.

use vahti_sdk::api::{MatchPaymentRequest, Payment, PaymentListQuery, RecordPaymentRequest};

use super::{collect, fields, imports, page_size};
use crate::cli::{AddPaymentArgs, PaymentsCommand};
use crate::context::Context;
use crate::error::CliError;
use crate::output::{Align, Output, Table, instant, money, or_dash};

pub async fn run(context: &Context, command: PaymentsCommand) -> Result<(), CliError> {
    let client = context.client()?;
    let out = &context.out;
    let payment = match command {
        PaymentsCommand::Add(args) => client.payments().record(&record_request(args)).await?,
        PaymentsCommand::List { unmatched, limit } => {
            let query = PaymentListQuery {
                unmatched: unmatched.then_some(true),
                cursor: None,
                limit: page_size(limit),
            };
            let payments = collect(client.payments().list_all(query), limit).await?;
            return list(out, &payments);
        }
        PaymentsCommand::Match { id, invoice } => {
            client
                .payments()
                .match_invoice(id, &MatchPaymentRequest { invoice })
                .await?
        }
        PaymentsCommand::Reverse { id } => client.payments().reverse(id).await?,
        PaymentsCommand::Import(args) => {
            return imports::import_payments(&client, out, &args.files).await;
        }
    };

    if out.json {
        return out.json(&payment);
    }
    show(out, &payment)
}

fn record_request(args: AddPaymentArgs) -> RecordPaymentRequest {
    RecordPaymentRequest {
        amount: args.amount,
        currency: args.currency,
        paid_on: args.paid_on,
        booked_on: args.booked_on,
        reference: args.reference,
        invoice: args.invoice,
        archive_id: args.archive_id,
        payer_name: args.payer_name,
    }
}

fn list(out: &Output, payments: &[Payment]) -> Result<(), CliError> {
    if out.json {
        return out.json(&payments);
    }
    let mut table = Table::new(&[
        ("ID", Align::Right),
        ("PAID ON", Align::Left),
        ("AMOUNT", Align::Right),
        ("CUR", Align::Left),
        ("REFERENCE", Align::Left),
        ("ACCOUNT", Align::Left),
        ("UNALLOCATED", Align::Right),
        ("STATE", Align::Left),
    ]);
    for payment in payments {
        table.push(vec![
            payment.id.to_string(),
            payment.paid_on.to_string(),
            payment.amount.to_string(),
            payment.currency.clone(),
            or_dash(payment.reference.as_deref()),
            or_dash(payment.account.as_deref()),
            payment.unallocated.to_string(),
            state(payment).to_owned(),
        ]);
    }
    out.table(&table, "no payments")
}

fn state(payment: &Payment) -> &'static str {
    if payment.reversed_at.is_some() {
        "reversed"
    } else if payment.matched {
        "matched"
    } else {
        "unmatched"
    }
}

fn show(out: &Output, payment: &Payment) -> Result<(), CliError> {
    let currency = payment.currency.as_str();
    fields(
        out,
        &[
            ("payment", payment.id.to_string()),
            ("amount", money(payment.amount, currency)),
            ("paid on", payment.paid_on.to_string()),
            ("booked on", payment.booked_on.to_string()),
            ("reference", or_dash(payment.reference.as_deref())),
            ("archive id", or_dash(payment.archive_id.as_deref())),
            ("payer", or_dash(payment.payer_name.as_deref())),
            ("state", state(payment).to_owned()),
            ("account", or_dash(payment.account.as_deref())),
            ("unallocated", money(payment.unallocated, currency)),
            ("reversed", or_dash(payment.reversed_at.map(instant))),
        ],
    )?;
    if payment.allocations.is_empty() {
        return Ok(());
    }

    out.line("")?;
    let mut table = Table::new(&[
        ("INVOICE", Align::Left),
        ("COMPONENT", Align::Left),
        ("AMOUNT", Align::Right),
    ]);
    for allocation in &payment.allocations {
        table.push(vec![
            allocation.invoice.clone(),
            allocation.component.to_string(),
            allocation.amount.to_string(),
        ]);
    }
    out.table(&table, "")
}
