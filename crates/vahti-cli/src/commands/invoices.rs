//! `vahti invoices`: invoices and credit notes.

use vahti_sdk::api::{
    ChangeDueDateRequest, Invoice, InvoiceKind, InvoiceListQuery, IssueStatus, UpsertInvoiceRequest,
};

use super::{collect, fields, imports, page_size};
use crate::cli::{AddInvoiceArgs, InvoicesCommand};
use crate::context::Context;
use crate::error::CliError;
use crate::output::{Align, Output, Table, iban, instant, money, or_dash};

pub async fn run(context: &Context, command: InvoicesCommand) -> Result<(), CliError> {
    let client = context.client()?;
    let out = &context.out;
    let invoice = match command {
        InvoicesCommand::Add(args) => {
            let external_id = args.external_id.clone();
            client
                .invoices()
                .upsert(&external_id, &upsert_request(args))
                .await?
        }
        InvoicesCommand::Show { external_id } => client.invoices().get(&external_id).await?,
        InvoicesCommand::List(args) => {
            let query = InvoiceListQuery {
                account: args.account,
                status: args.status,
                cursor: None,
                limit: page_size(args.limit),
            };
            let invoices = collect(client.invoices().list_all(query), args.limit).await?;
            return list(out, &invoices);
        }
        InvoicesCommand::Import(args) => {
            return imports::import_invoices(&client, out, &args.files).await;
        }
        InvoicesCommand::Issue { external_id } => client.invoices().issue(&external_id).await?,
        InvoicesCommand::Cancel { external_id } => client.invoices().cancel(&external_id).await?,
        InvoicesCommand::DueDate {
            external_id,
            due_date,
        } => {
            client
                .invoices()
                .change_due_date(&external_id, &ChangeDueDateRequest { due_date })
                .await?
        }
    };

    if out.json {
        return out.json(&invoice);
    }
    show(out, &invoice)
}

fn upsert_request(args: AddInvoiceArgs) -> UpsertInvoiceRequest {
    let issue_date = args
        .issue_date
        .unwrap_or_else(|| chrono::Local::now().date_naive());
    let kind = if args.corrects.is_some() {
        InvoiceKind::CreditNote
    } else {
        InvoiceKind::Invoice
    };
    let status = if args.draft {
        IssueStatus::Draft
    } else {
        IssueStatus::Issued
    };
    UpsertInvoiceRequest {
        account: args.account,
        kind,
        number: args.number,
        issue_date,
        sent_on: args.sent_on,
        due_date: args.due_date,
        currency: args.currency,
        amount: args.amount,
        reference: args.reference,
        corrects: args.corrects,
        status,
        seller_iban: args.seller_iban,
        seller_bic: args.seller_bic,
    }
}

fn list(out: &Output, invoices: &[Invoice]) -> Result<(), CliError> {
    if out.json {
        return out.json(&invoices);
    }
    out.table(&invoice_table(invoices), "no invoices")
}

/// Builds the table of invoices used by `invoices list` and `status`.
pub fn invoice_table(invoices: &[Invoice]) -> Table {
    let mut table = Table::new(&[
        ("INVOICE", Align::Left),
        ("ACCOUNT", Align::Left),
        ("NUMBER", Align::Left),
        ("DUE", Align::Left),
        ("AMOUNT", Align::Right),
        ("OUTSTANDING", Align::Right),
        ("CUR", Align::Left),
        ("STATUS", Align::Left),
        ("STEP", Align::Left),
    ]);
    for invoice in invoices {
        let step = invoice
            .current_step
            .as_ref()
            .map(|step| format!("{} ({})", step.key, step.state));
        let status = if invoice.disputed {
            format!("{}, disputed", invoice.status)
        } else {
            invoice.status.to_string()
        };
        table.push(vec![
            invoice.external_id.clone(),
            invoice.account.clone(),
            invoice.number.clone(),
            or_dash(invoice.due_date),
            invoice.amount.to_string(),
            invoice.total_outstanding.to_string(),
            invoice.currency.clone(),
            status,
            or_dash(step),
        ]);
    }
    table
}

/// Writes an invoice with its amounts and payment codes as labelled lines.
pub fn show(out: &Output, invoice: &Invoice) -> Result<(), CliError> {
    let currency = invoice.currency.as_str();
    let codes = &invoice.payment_codes;
    let step = invoice.current_step.as_ref().map(|step| {
        // A policy's step key often equals its kind; print the kind only when it adds something.
        let kind = step.kind.to_string();
        let name = if kind == step.key {
            step.key.clone()
        } else {
            format!("{} ({kind})", step.key)
        };
        format!("{name}, {} at {} UTC", step.state, instant(step.at))
    });
    fields(
        out,
        &[
            ("invoice", invoice.external_id.clone()),
            ("kind", invoice.kind.to_string()),
            ("account", invoice.account.clone()),
            ("number", invoice.number.clone()),
            ("status", invoice.status.to_string()),
            ("issue date", invoice.issue_date.to_string()),
            ("sent on", invoice.sent_on.to_string()),
            ("due date", or_dash(invoice.due_date)),
            ("amount", money(invoice.amount, currency)),
            ("credited", money(invoice.credited, currency)),
            ("paid", money(invoice.paid, currency)),
            (
                "principal due",
                money(invoice.principal_outstanding, currency),
            ),
            (
                "interest due",
                money(invoice.interest_outstanding, currency),
            ),
            ("fees due", money(invoice.fees_outstanding, currency)),
            ("total due", money(invoice.total_outstanding, currency)),
            (
                "disputed",
                if invoice.disputed { "yes" } else { "no" }.to_owned(),
            ),
            ("paused until", or_dash(invoice.paused_until)),
            ("promised until", or_dash(invoice.promised_until)),
            ("step", or_dash(step)),
            (
                "next action (UTC)",
                or_dash(invoice.next_action_at.map(instant)),
            ),
            ("corrects", or_dash(invoice.corrects.as_deref())),
            ("reference", codes.reference.printed.clone()),
            ("RF reference", codes.reference.rf.clone()),
            ("IBAN", or_dash(invoice.seller_iban.as_deref().map(iban))),
            ("barcode", or_dash(codes.barcode.as_deref())),
        ],
    )?;
    if invoice.reference_flagged {
        eprintln!(
            "warning: the reference's check digits are wrong; payments may not find this invoice"
        );
    }
    Ok(())
}
