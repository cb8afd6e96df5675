//! `vahti pause`, `resume`, `dispute`, `promise` and `remind`: interventions in collection.

use vahti_sdk::api::{
    OpenDisputeRequest, PauseRequest, PauseState, PromiseRequest, RemindOutcome, RemindRequest,
    ResolveDisputeRequest, ResumeRequest,
};

use crate::cli::{DisputeCommand, PauseArgs, PromiseArgs, RemindArgs, ResumeArgs};
use crate::context::Context;
use crate::error::CliError;
use crate::output::{Output, money, or_dash};

pub async fn pause(context: &Context, args: PauseArgs) -> Result<(), CliError> {
    let request = PauseRequest {
        until: args.until,
        reason: args.reason,
        invoice: args.invoice,
    };
    let state = context
        .client()?
        .accounts()
        .pause(&args.account, &request)
        .await?;
    print_pause(&context.out, &state)
}

pub async fn resume(context: &Context, args: ResumeArgs) -> Result<(), CliError> {
    let request = ResumeRequest {
        invoice: args.invoice,
    };
    let state = context
        .client()?
        .accounts()
        .resume(&args.account, &request)
        .await?;
    print_pause(&context.out, &state)
}

fn print_pause(out: &Output, state: &PauseState) -> Result<(), CliError> {
    if out.json {
        return out.json(state);
    }
    let target = match &state.invoice {
        Some(invoice) => format!("invoice {invoice} of account {}", state.account),
        None => format!("account {}", state.account),
    };
    match state.paused_until {
        Some(until) => out.line(format!(
            "{target} is paused until {until}: {}",
            or_dash(state.reason.as_deref())
        )),
        None => out.line(format!("{target} is not paused")),
    }
}

pub async fn dispute(context: &Context, command: DisputeCommand) -> Result<(), CliError> {
    let client = context.client()?;
    let dispute = match command {
        DisputeCommand::Open { invoice, reason } => {
            client
                .disputes()
                .open(&invoice, &OpenDisputeRequest { reason })
                .await?
        }
        DisputeCommand::Resolve {
            id,
            resolution,
            note,
        } => {
            client
                .disputes()
                .resolve(id, &ResolveDisputeRequest { resolution, note })
                .await?
        }
    };

    let out = &context.out;
    if out.json {
        return out.json(&dispute);
    }
    match dispute.resolution {
        Some(resolution) => out.line(format!(
            "dispute {} on invoice {} is resolved: {resolution}",
            dispute.id, dispute.invoice
        )),
        None => out.line(format!(
            "dispute {} is open on invoice {}; its collection is stopped",
            dispute.id, dispute.invoice
        )),
    }
}

pub async fn promise(context: &Context, args: PromiseArgs) -> Result<(), CliError> {
    let request = PromiseRequest {
        invoice: args.invoice,
        pay_by: args.pay_by,
        amount: args.amount,
        currency: args.currency,
    };
    let promise = context
        .client()?
        .accounts()
        .promise(&args.account, &request)
        .await?;

    let out = &context.out;
    if out.json {
        return out.json(&promise);
    }
    out.line(format!(
        "promise {}: account {} pays {} by {} ({})",
        promise.id,
        promise.account,
        money(promise.amount, &promise.currency),
        promise.pay_by,
        promise.state
    ))
}

pub async fn remind(context: &Context, args: RemindArgs) -> Result<(), CliError> {
    let request = RemindRequest {
        kind: args.kind,
        invoices: args.invoices,
    };
    let response = context
        .client()?
        .accounts()
        .remind(&args.account, &request)
        .await?;

    let out = &context.out;
    if out.json {
        return out.json(&response);
    }
    let invoices = response.invoices.join(", ");
    match (response.outcome, response.pending_action_id) {
        (RemindOutcome::AwaitingApproval, Some(id)) => out.line(format!(
            "the reminder for {invoices} waits for approval as pending action {id}"
        )),
        (RemindOutcome::Queued, _) => out.line(format!(
            "the reminder for {invoices} is queued for the next send window"
        )),
        (outcome, _) => out.line(format!("reminder for {invoices}: {outcome}")),
    }
}
