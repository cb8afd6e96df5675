//! `vahti pending`: steps that wait for a person's approval.

use vahti_sdk::api::{ApprovePendingRequest, PendingAction, PendingListQuery, SkipPendingRequest};

use super::{collect, page_size};
use crate::cli::PendingCommand;
use crate::context::Context;
use crate::error::CliError;
use crate::output::{Align, Output, Table, instant};

pub async fn run(context: &Context, command: PendingCommand) -> Result<(), CliError> {
    let client = context.client()?;
    let out = &context.out;
    let action = match command {
        PendingCommand::List {
            account,
            state,
            limit,
        } => {
            let query = PendingListQuery {
                state,
                account,
                cursor: None,
                limit: page_size(limit),
            };
            let actions = collect(client.pending().list_all(query), limit).await?;
            return list(out, &actions);
        }
        PendingCommand::Approve {
            id,
            fees,
            text,
            note,
        } => {
            let request = ApprovePendingRequest {
                fee_amounts: fees,
                note,
                free_text: text,
            };
            client.pending().approve(id, &request).await?
        }
        PendingCommand::Skip { id, reason } => {
            client
                .pending()
                .skip(id, &SkipPendingRequest { reason })
                .await?
        }
    };

    if out.json {
        return out.json(&action);
    }
    out.line(format!(
        "pending action {} for account {} is now {}",
        action.id, action.account, action.state
    ))
}

fn list(out: &Output, actions: &[PendingAction]) -> Result<(), CliError> {
    if out.json {
        return out.json(&actions);
    }
    let mut table = Table::new(&[
        ("ID", Align::Right),
        ("ACCOUNT", Align::Left),
        ("STEP", Align::Left),
        ("OUTPUT", Align::Left),
        ("INVOICES", Align::Left),
        ("FEES", Align::Right),
        ("TOTAL", Align::Right),
        ("STATE", Align::Left),
        ("CREATED (UTC)", Align::Left),
    ]);
    for action in actions {
        let invoices: Vec<&str> = action
            .invoices
            .iter()
            .map(|invoice| invoice.invoice.as_str())
            .collect();
        let fees: Vec<String> = action
            .invoices
            .iter()
            .map(|invoice| invoice.fee.to_string())
            .collect();
        let totals: Vec<String> = action
            .totals
            .iter()
            .map(|total| format!("{} {}", total.amount, total.currency))
            .collect();
        table.push(vec![
            action.id.to_string(),
            action.account.clone(),
            action.step_kind.to_string(),
            action.kind.to_string(),
            invoices.join(", "),
            fees.join(", "),
            totals.join(", "),
            action.state.to_string(),
            instant(action.created_at),
        ]);
    }
    out.table(&table, "no pending actions")
}
