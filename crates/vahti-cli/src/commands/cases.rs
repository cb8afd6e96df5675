//! `vahti cases`: the cases handed over to the tenant's collection agency.

use vahti_sdk::api::{CasesQuery, CollectionCase, RecallCaseRequest};

use super::{collect, fields, page_size};
use crate::cli::CasesCommand;
use crate::context::Context;
use crate::error::CliError;
use crate::output::{Align, Output, Table, instant, money};

pub async fn run(context: &Context, command: CasesCommand) -> Result<(), CliError> {
    let client = context.client()?;
    let out = &context.out;
    match command {
        CasesCommand::List(args) => {
            let query = CasesQuery {
                cursor: None,
                limit: page_size(args.list.limit),
                state: args.state,
                account: args.account,
            };
            let cases = collect(client.cases().list_all(query), args.list.limit).await?;
            list(out, &cases)
        }
        CasesCommand::Show { id } => {
            let case = client.cases().get(id).await?;
            show(out, &case)
        }
        CasesCommand::Recall { id, reason } => {
            let case = client
                .cases()
                .recall(id, &RecallCaseRequest { reason })
                .await?;
            if out.json {
                return out.json(&case);
            }
            out.line(format!(
                "case {} of account {} is now {}",
                case.id, case.account, case.state
            ))
        }
    }
}

/// The case's totals, such as `120.00 EUR`, joined by commas.
fn totals(case: &CollectionCase) -> String {
    case.totals
        .iter()
        .map(|total| money(total.amount, &total.currency))
        .collect::<Vec<_>>()
        .join(", ")
}

fn list(out: &Output, cases: &[CollectionCase]) -> Result<(), CliError> {
    if out.json {
        return out.json(&cases);
    }
    let mut table = Table::new(&[
        ("ID", Align::Right),
        ("ACCOUNT", Align::Left),
        ("STATE", Align::Left),
        ("AGENCY", Align::Left),
        ("INVOICES", Align::Right),
        ("TOTAL", Align::Right),
        ("UPDATED", Align::Left),
    ]);
    for case in cases {
        table.push(vec![
            case.id.to_string(),
            case.account.clone(),
            case.state.to_string(),
            case.agency.clone(),
            case.invoices.len().to_string(),
            totals(case),
            instant(case.updated_at),
        ]);
    }
    out.table(&table, "no collection cases")
}

fn show(out: &Output, case: &CollectionCase) -> Result<(), CliError> {
    if out.json {
        return out.json(case);
    }
    fields(
        out,
        &[
            ("id", case.id.to_string()),
            ("account", case.account.clone()),
            ("state", case.state.to_string()),
            ("agency", case.agency.clone()),
            ("total", totals(case)),
            ("created", instant(case.created_at)),
            ("updated", instant(case.updated_at)),
        ],
    )?;
    let mut invoices = Table::new(&[
        ("INVOICE", Align::Left),
        ("NUMBER", Align::Left),
        ("AMOUNT", Align::Right),
    ]);
    for invoice in &case.invoices {
        invoices.push(vec![
            invoice.invoice.clone(),
            invoice.number.clone(),
            money(invoice.amount, &invoice.currency),
        ]);
    }
    out.line("")?;
    out.table(&invoices, "no invoices")?;
    let mut history = Table::new(&[
        ("AT", Align::Left),
        ("CHANGE", Align::Left),
        ("STATE", Align::Left),
        ("NOTE", Align::Left),
    ]);
    for update in &case.history {
        history.push(vec![
            instant(update.at),
            update.change.to_string(),
            update.state.to_string(),
            update.note.clone().unwrap_or_default(),
        ]);
    }
    out.line("")?;
    out.table(&history, "no history")
}
