//! The command line: global options, commands and their arguments, as parsed by clap.

use std::path::PathBuf;

use chrono::{DateTime, NaiveDate, Utc};
use clap::builder::{PossibleValuesParser, TypedValueParser};
use clap::{Args, Parser, Subcommand};
use rust_decimal::Decimal;
use vahti_sdk::api::{
    CaseState, DebtorType, DeliveryState, DisputeResolution, FeeAmount, InvoiceStatus, Locale,
    PendingActionState, StepKind, WireEnum,
};

use crate::error::EXIT_CODES_HELP;

/// Address of a daemon on the same machine with the default configuration.
pub const DEFAULT_URL: &str = "http://127.0.0.1:7878";

/// The `vahti` command line.
#[derive(Debug, Parser)]
#[command(
    name = "vahti",
    version,
    about = "Operate Vahti, the payment-monitoring and collection daemon, over its HTTP API",
    long_about = "Operate Vahti, the payment-monitoring and collection daemon, over its HTTP API.\n\n\
        Dates are written YYYY-MM-DD, amounts as decimal numbers with a dot (1234.50), and \
        currencies as ISO 4217 codes (EUR). Tables go to standard output; --json prints the \
        server's JSON response instead.",
    after_help = EXIT_CODES_HELP,
    after_long_help = EXIT_CODES_HELP
)]
pub struct Cli {
    /// Settings shared by every command.
    #[command(flatten)]
    pub global: GlobalOptions,

    /// The command to run.
    #[command(subcommand)]
    pub command: Command,
}

/// Options accepted by every command.
#[derive(Debug, Args)]
pub struct GlobalOptions {
    /// Base URL of the vahtid HTTP API.
    #[arg(long, global = true, help_heading = "Global options", env = "VAHTI_URL", default_value = DEFAULT_URL, value_name = "URL")]
    pub url: String,

    /// API token of the tenant, sent as a bearer token.
    #[arg(
        long,
        global = true,
        help_heading = "Global options",
        env = "VAHTI_TOKEN",
        hide_env_values = true,
        value_name = "TOKEN"
    )]
    pub token: Option<String>,

    /// Operator token, used by the tenants commands instead of --token.
    #[arg(
        long,
        global = true,
        help_heading = "Global options",
        env = "VAHTI_ADMIN_TOKEN",
        hide_env_values = true,
        value_name = "TOKEN"
    )]
    pub admin_token: Option<String>,

    /// Time to wait for each response, in seconds.
    #[arg(long, global = true, help_heading = "Global options", default_value_t = 30, value_name = "SECONDS",
        value_parser = clap::value_parser!(u64).range(1..=3600))]
    pub timeout: u64,

    /// Print the server's JSON response instead of a table.
    #[arg(long, global = true, help_heading = "Global options")]
    pub json: bool,
}

/// The commands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Create, list and show tenants (needs the operator token).
    #[command(subcommand)]
    Tenants(TenantsCommand),

    /// Show or move the daemon's manual clock (needs the operator token).
    #[command(subcommand)]
    Clock(ClockCommand),

    /// Create, list and revoke the API tokens of the tenant.
    #[command(subcommand)]
    Tokens(TokensCommand),

    /// Create, update, list and show customer accounts.
    #[command(subcommand)]
    Accounts(AccountsCommand),

    /// Add, import, list and change invoices and credit notes.
    #[command(subcommand)]
    Invoices(InvoicesCommand),

    /// Record, import, list, match and reverse payments.
    #[command(subcommand)]
    Payments(PaymentsCommand),

    /// Show, list, apply and validate collection policies.
    #[command(subcommand)]
    Policies(PoliciesCommand),

    /// List, approve and skip steps that wait for approval.
    #[command(subcommand)]
    Pending(PendingCommand),

    /// Create and list webhook endpoints, rotate their secrets and redeliver events.
    #[command(subcommand)]
    Webhooks(WebhooksCommand),

    /// List and show collection cases, and recall them from the agency.
    #[command(subcommand)]
    Cases(CasesCommand),

    /// Pause collection of an account or one of its invoices until a day.
    Pause(PauseArgs),

    /// End a pause before its last day.
    Resume(ResumeArgs),

    /// Open or resolve a dispute on an invoice.
    #[command(subcommand)]
    Dispute(DisputeCommand),

    /// Record the debtor's promise to pay by a day.
    Promise(PromiseArgs),

    /// Send a reminder now instead of waiting for the policy's schedule.
    Remind(RemindArgs),

    /// Show an account's balances, open invoices and recent history.
    Status(StatusArgs),

    /// Show open invoices grouped by days past due.
    Aging(AgingArgs),

    /// Print events of the log, or follow new events as they happen.
    Events(EventsArgs),

    /// Print a shell completion script to standard output.
    Completions(CompletionsArgs),

    /// Run a demonstration with sample invoices and payments.
    ///
    /// Starts a daemon in this process on a temporary SQLite database with a manual clock,
    /// imports the sample invoices and a bank statement, runs 90 days of escalation one day at
    /// a time, and prints a timeline of the messages and an aging summary.
    Demo(DemoArgs),
}

/// `vahti demo`
#[derive(Debug, Args)]
pub struct DemoArgs {
    /// Number of days to move the clock forward, one day at a time.
    #[arg(long, default_value_t = 90, value_parser = clap::value_parser!(u32).range(1..=365))]
    pub days: u32,

    /// Directory for the demo's database and email files (.eml); by default a new directory
    /// under the system's temporary directory. It must not hold an earlier demo.
    #[arg(long, value_name = "DIR")]
    pub out: Option<std::path::PathBuf>,
}

/// `vahti tenants ...`
#[derive(Debug, Subcommand)]
pub enum TenantsCommand {
    /// Create a tenant and print its first API token.
    Create(Box<CreateTenantArgs>),
    /// List tenants.
    List(ListArgs),
    /// Show one tenant.
    Show {
        /// Vahti's id of the tenant.
        id: i64,
    },
}

/// `vahti clock ...`
#[derive(Debug, Subcommand)]
pub enum ClockCommand {
    /// Show the daemon's current time and whether its clock is manual.
    Show,
    /// Set the manual clock to an instant; it may not lie before the clock's current time.
    Set {
        /// The instant in RFC 3339 form, such as 2026-04-01T09:00:00+03:00.
        #[arg(value_name = "RFC3339")]
        at: DateTime<Utc>,
        #[command(flatten)]
        wait: ClockWaitArgs,
    },
    /// Move the manual clock forward.
    Advance {
        /// How far to move: a whole number with the unit d (days), h (hours), m (minutes) or
        /// s (seconds), such as 7d, 36h or 90m.
        #[arg(value_name = "DURATION", value_parser = parse_duration_seconds)]
        seconds: u32,
        #[command(flatten)]
        wait: ClockWaitArgs,
    },
}

/// Whether a clock change waits for the work that fell due.
#[derive(Debug, Args)]
pub struct ClockWaitArgs {
    /// Return at once instead of waiting until the scheduler has run the steps that fell due and
    /// the outbox has delivered their messages.
    #[arg(long)]
    pub no_wait: bool,
}

/// Arguments of `vahti tenants create`.
#[derive(Debug, Args)]
pub struct CreateTenantArgs {
    /// The creditor's name as shown in messages to debtors.
    #[arg(long)]
    pub name: String,
    /// The creditor's business id, such as the Finnish Y-tunnus 1234567-8.
    #[arg(long, value_name = "ID")]
    pub business_id: Option<String>,
    /// IANA time zone in which "today" and send windows are computed [default on the server:
    /// Europe/Helsinki].
    #[arg(long, value_name = "ZONE")]
    pub time_zone: Option<String>,
    /// Language of messages to accounts that set none [default on the server: fi].
    #[arg(long, value_parser = wire_enum::<Locale>())]
    pub locale: Option<Locale>,
    /// Address that reminder emails are sent from.
    #[arg(long, value_name = "EMAIL")]
    pub sender_email: Option<String>,
    /// Address that debtors' replies go to.
    #[arg(long, value_name = "EMAIL")]
    pub reply_to: Option<String>,
    /// IBAN that payment codes use when an invoice names none.
    #[arg(long)]
    pub iban: Option<String>,
    /// BIC of the IBAN.
    #[arg(long)]
    pub bic: Option<String>,
    /// A street line of the creditor's postal address; repeat for several, first line first.
    #[arg(long = "address-line", value_name = "TEXT")]
    pub address_lines: Vec<String>,
    /// Postal code of the creditor's address, such as 33470.
    #[arg(long, value_name = "CODE")]
    pub postal_code: Option<String>,
    /// City or post office of the creditor's address.
    #[arg(long)]
    pub city: Option<String>,
    /// Country of the creditor's address as an ISO 3166-1 alpha-2 code, such as FI.
    #[arg(long, value_name = "CODE")]
    pub country: Option<String>,
    /// Phone number shown to debtors, such as "+358 40 123 4567".
    #[arg(long)]
    pub phone: Option<String>,
    /// Name of the first API token [default on the server: default].
    #[arg(long, value_name = "NAME")]
    pub token_name: Option<String>,
}

/// Paging options of a list command.
#[derive(Debug, Args)]
pub struct ListArgs {
    /// Maximum number of items to print; all of them when absent.
    #[arg(long, value_name = "N")]
    pub limit: Option<usize>,
}

/// `vahti tokens ...`
#[derive(Debug, Subcommand)]
pub enum TokensCommand {
    /// Create an API token and print it once.
    Create {
        /// A name that says where the token is used, such as billing-prod.
        name: String,
    },
    /// List the tenant's API tokens, without their secrets.
    List(ListArgs),
    /// Revoke an API token.
    Revoke {
        /// Vahti's id of the token.
        id: i64,
    },
}

/// `vahti webhooks ...`
#[derive(Debug, Subcommand)]
pub enum WebhooksCommand {
    /// List the tenant's webhook endpoints.
    List(ListArgs),
    /// Create an endpoint and print its signing secret once.
    Create(CreateWebhookArgs),
    /// Create a new signing secret and print it once; the previous secret stays valid for the
    /// daemon's grace period (webhooks.secret_grace_hours).
    Rotate {
        /// Vahti's id of the endpoint.
        id: i64,
    },
    /// List an endpoint's deliveries with their attempts, newest first.
    Deliveries(DeliveriesArgs),
    /// Queue a delivery's event for the endpoint again, as a new delivery.
    Redeliver {
        /// Vahti's id of the endpoint.
        id: i64,
        /// The id of the delivery to repeat, as `webhooks deliveries` lists it.
        delivery_id: i64,
    },
}

/// Arguments of `vahti webhooks create`.
#[derive(Debug, Args)]
pub struct CreateWebhookArgs {
    /// The URL that receives the events: https, or http to a loopback address.
    #[arg(value_name = "URL")]
    pub endpoint: String,
    /// An event type to deliver, such as invoice_paid; repeat the option for several. Every
    /// event, present and future, when absent.
    #[arg(long = "event", value_name = "TYPE")]
    pub events: Vec<String>,
    /// A note for people, such as where the receiver runs; at most 500 characters.
    #[arg(long, value_name = "TEXT")]
    pub description: Option<String>,
}

/// Arguments of `vahti webhooks deliveries`.
#[derive(Debug, Args)]
pub struct DeliveriesArgs {
    /// Vahti's id of the endpoint.
    pub id: i64,
    /// Only deliveries in this state.
    #[arg(long, value_parser = wire_enum::<DeliveryState>())]
    pub state: Option<DeliveryState>,
    #[command(flatten)]
    pub list: ListArgs,
}

/// `vahti cases ...`
#[derive(Debug, Subcommand)]
pub enum CasesCommand {
    /// List collection cases, newest first.
    List(CaseListArgs),
    /// Show one case with its invoices and history.
    Show {
        /// Vahti's id of the case.
        id: i64,
    },
    /// Take a case back from the agency; collection of its invoices goes on in Vahti.
    Recall {
        /// Vahti's id of the case.
        id: i64,
        /// The reason sent to the agency, 1 to 1000 characters.
        #[arg(long, value_name = "TEXT")]
        reason: String,
    },
}

/// Arguments of `vahti cases list`.
#[derive(Debug, Args)]
pub struct CaseListArgs {
    /// Only cases in this state.
    #[arg(long, value_parser = wire_enum::<CaseState>())]
    pub state: Option<CaseState>,
    /// Only cases of this account (your id).
    #[arg(long, value_name = "EXTERNAL_ID")]
    pub account: Option<String>,
    #[command(flatten)]
    pub list: ListArgs,
}

/// `vahti accounts ...`
#[derive(Debug, Subcommand)]
pub enum AccountsCommand {
    /// Create or replace an account; options left out clear the stored values.
    Upsert(UpsertAccountArgs),
    /// List accounts.
    List(ListArgs),
    /// Show one account.
    Show {
        /// Your id of the account.
        external_id: String,
    },
}

/// Arguments of `vahti accounts upsert`.
#[derive(Debug, Args)]
pub struct UpsertAccountArgs {
    /// Your id of the account, 1 to 128 characters.
    pub external_id: String,
    /// The debtor's name as used in messages.
    #[arg(long)]
    pub name: String,
    /// Whether the debtor is a consumer or a business; this decides the legal rules.
    #[arg(
        long = "debtor-type",
        visible_alias = "type",
        value_name = "TYPE",
        value_parser = wire_enum::<DebtorType>()
    )]
    pub debtor_type: DebtorType,
    /// Address that reminders are emailed to; repeat for several.
    #[arg(long = "email", value_name = "EMAIL")]
    pub emails: Vec<String>,
    /// Language of messages [default: the tenant's].
    #[arg(long, value_parser = wire_enum::<Locale>())]
    pub locale: Option<Locale>,
    /// The debtor's IANA time zone for send windows [default: the tenant's].
    #[arg(long, value_name = "ZONE")]
    pub time_zone: Option<String>,
    /// Key of the policy that drives collection [default: the tenant's default policy for the
    /// debtor type].
    #[arg(long, value_name = "KEY")]
    pub policy: Option<String>,
    /// Last day (YYYY-MM-DD) of the consumer's consent to formal demands by email, at most 12
    /// months ahead.
    #[arg(long, value_name = "DATE")]
    pub consent_until: Option<NaiveDate>,
}

/// `vahti invoices ...`
#[derive(Debug, Subcommand)]
pub enum InvoicesCommand {
    /// Create or update an invoice or credit note.
    Add(AddInvoiceArgs),
    /// Show one invoice with its outstanding amounts and payment codes.
    Show {
        /// Your id of the invoice.
        external_id: String,
    },
    /// List invoices and credit notes.
    List(ListInvoicesArgs),
    /// Import files: Finvoice or Peppol UBL XML, or JSON batches of invoices.
    Import(ImportArgs),
    /// Issue a draft invoice.
    Issue {
        /// Your id of the invoice.
        external_id: String,
    },
    /// Cancel an invoice.
    Cancel {
        /// Your id of the invoice.
        external_id: String,
    },
    /// Change an invoice's due date; later steps are rescheduled from it.
    DueDate {
        /// Your id of the invoice.
        external_id: String,
        /// The new due date, YYYY-MM-DD.
        #[arg(value_name = "DATE")]
        due_date: NaiveDate,
    },
}

/// Arguments of `vahti invoices add`.
#[derive(Debug, Args)]
pub struct AddInvoiceArgs {
    /// Your id of the invoice, 1 to 128 characters.
    pub external_id: String,
    /// Your id of the account the invoice belongs to.
    #[arg(long)]
    pub account: String,
    /// The invoice number printed on it.
    #[arg(long)]
    pub number: String,
    /// The amount, above zero, as a decimal with a dot, such as 1234.50.
    #[arg(long, allow_negative_numbers = true, value_parser = parse_positive_amount)]
    pub amount: Decimal,
    /// ISO 4217 currency code.
    #[arg(long, default_value = "EUR")]
    pub currency: String,
    /// The date printed on the invoice, YYYY-MM-DD [default: today].
    #[arg(long, value_name = "DATE")]
    pub issue_date: Option<NaiveDate>,
    /// The day the invoice was sent to the debtor, YYYY-MM-DD [default: the issue date].
    #[arg(long, value_name = "DATE")]
    pub sent_on: Option<NaiveDate>,
    /// The due date, YYYY-MM-DD; without one, interest starts 30 days after sending.
    #[arg(long, value_name = "DATE")]
    pub due_date: Option<NaiveDate>,
    /// Payment reference, Finnish or RF [default: generated by Vahti].
    #[arg(long)]
    pub reference: Option<String>,
    /// Store the invoice as a draft, which is never reminded until issued.
    #[arg(long)]
    pub draft: bool,
    /// Record a credit note that corrects this invoice (your id) instead of an invoice.
    #[arg(long, value_name = "INVOICE")]
    pub corrects: Option<String>,
    /// IBAN the debtor pays to [default: the tenant's].
    #[arg(long, value_name = "IBAN")]
    pub seller_iban: Option<String>,
    /// BIC of the seller IBAN.
    #[arg(long, value_name = "BIC")]
    pub seller_bic: Option<String>,
}

/// Arguments of `vahti invoices list`.
#[derive(Debug, Args)]
pub struct ListInvoicesArgs {
    /// Only invoices of this account (your id).
    #[arg(long)]
    pub account: Option<String>,
    /// Only invoices with this status.
    #[arg(long, value_parser = wire_enum::<InvoiceStatus>())]
    pub status: Option<InvoiceStatus>,
    /// Maximum number of items to print; all of them when absent.
    #[arg(long, value_name = "N")]
    pub limit: Option<usize>,
}

/// Files to import.
#[derive(Debug, Args)]
pub struct ImportArgs {
    /// The files to import, in order; a progress bar is shown for several files or a batch.
    #[arg(required = true, value_name = "FILE")]
    pub files: Vec<PathBuf>,
}

/// `vahti payments ...`
#[derive(Debug, Subcommand)]
pub enum PaymentsCommand {
    /// Record an incoming payment.
    Add(AddPaymentArgs),
    /// List payments.
    List {
        /// Only payments not yet matched to an invoice.
        #[arg(long)]
        unmatched: bool,
        /// Maximum number of items to print; all of them when absent.
        #[arg(long, value_name = "N")]
        limit: Option<usize>,
    },
    /// Match an unmatched payment to an invoice by hand.
    Match {
        /// Vahti's id of the payment.
        id: i64,
        /// Your id of the invoice.
        invoice: String,
    },
    /// Reverse a payment; its allocations are undone.
    Reverse {
        /// Vahti's id of the payment.
        id: i64,
    },
    /// Import bank payment files: camt.053, camt.054 or KTL.
    Import(ImportArgs),
}

/// Arguments of `vahti payments add`.
#[derive(Debug, Args)]
pub struct AddPaymentArgs {
    /// The amount paid, above zero, as a decimal with a dot, such as 250.00.
    #[arg(long, allow_negative_numbers = true, value_parser = parse_positive_amount)]
    pub amount: Decimal,
    /// ISO 4217 currency code.
    #[arg(long, default_value = "EUR")]
    pub currency: String,
    /// The day the debtor paid, YYYY-MM-DD.
    #[arg(long, value_name = "DATE")]
    pub paid_on: NaiveDate,
    /// The day the bank booked the payment, YYYY-MM-DD [default: the paid-on day].
    #[arg(long, value_name = "DATE")]
    pub booked_on: Option<NaiveDate>,
    /// The payment reference the debtor used, Finnish or RF.
    #[arg(long, conflicts_with = "invoice")]
    pub reference: Option<String>,
    /// Your id of the invoice the payment is for.
    #[arg(long)]
    pub invoice: Option<String>,
    /// The bank's archive id; a payment with a known archive id is not recorded twice.
    #[arg(long, value_name = "ID")]
    pub archive_id: Option<String>,
    /// The payer's name as the bank reported it.
    #[arg(long, value_name = "NAME")]
    pub payer_name: Option<String>,
}

/// `vahti policies ...`
#[derive(Debug, Subcommand)]
pub enum PoliciesCommand {
    /// Show a policy with its body and versions.
    Show {
        /// The policy's key.
        key: String,
    },
    /// List policies.
    List(ListArgs),
    /// Check a policy file (TOML or JSON) offline, then create it or save a new version.
    Apply {
        /// The policy file; .toml or .json.
        file: PathBuf,
        /// The policy's key [default: the file name without its extension].
        #[arg(long)]
        key: Option<String>,
    },
    /// Check a policy file (TOML or JSON) against the legal rules, offline.
    Validate {
        /// The policy file; .toml or .json.
        file: PathBuf,
    },
}

/// `vahti pending ...`
#[derive(Debug, Subcommand)]
pub enum PendingCommand {
    /// List actions; by default those still waiting for approval.
    List {
        /// Only actions of this account (your id).
        #[arg(long)]
        account: Option<String>,
        /// Only actions in this state [default on the server: pending].
        #[arg(long, value_parser = wire_enum::<PendingActionState>())]
        state: Option<PendingActionState>,
        /// Maximum number of items to print; all of them when absent.
        #[arg(long, value_name = "N")]
        limit: Option<usize>,
    },
    /// Approve an action, optionally with lower fees and a paragraph for the debtor.
    Approve {
        /// Vahti's id of the pending action.
        id: i64,
        /// A lower fee for one invoice, as INVOICE=AMOUNT (your id, decimal with a dot);
        /// repeat for several invoices. Fees may only be lowered.
        #[arg(long = "fee", value_name = "INVOICE=AMOUNT", value_parser = parse_fee)]
        fees: Vec<FeeAmount>,
        /// A paragraph added as written to the message, in the account's language.
        #[arg(long, value_name = "TEXT")]
        text: Option<String>,
        /// A note for the audit log; not sent to the debtor.
        #[arg(long, value_name = "TEXT")]
        note: Option<String>,
    },
    /// Skip an action; the step is recorded as skipped and not offered again.
    Skip {
        /// Vahti's id of the pending action.
        id: i64,
        /// The reason, kept in the audit log.
        #[arg(long)]
        reason: String,
    },
}

/// Arguments of `vahti pause`.
#[derive(Debug, Args)]
pub struct PauseArgs {
    /// Your id of the account.
    pub account: String,
    /// The last day of the pause, YYYY-MM-DD, today or later.
    #[arg(long, value_name = "DATE")]
    pub until: NaiveDate,
    /// The reason, kept in the account's timeline.
    #[arg(long)]
    pub reason: String,
    /// Pause only this invoice (your id) instead of the whole account.
    #[arg(long)]
    pub invoice: Option<String>,
}

/// Arguments of `vahti resume`.
#[derive(Debug, Args)]
pub struct ResumeArgs {
    /// Your id of the account.
    pub account: String,
    /// Resume only this invoice (your id) instead of the whole account.
    #[arg(long)]
    pub invoice: Option<String>,
}

/// `vahti dispute ...`
#[derive(Debug, Subcommand)]
pub enum DisputeCommand {
    /// Open a dispute; collection of the invoice stops until it is resolved.
    Open {
        /// Your id of the disputed invoice.
        invoice: String,
        /// The debtor's objection.
        #[arg(long)]
        reason: String,
    },
    /// Resolve a dispute.
    Resolve {
        /// Vahti's id of the dispute.
        id: i64,
        /// The outcome: upheld (the debtor was right) or rejected (collection resumes).
        #[arg(long, value_parser = wire_enum::<DisputeResolution>())]
        resolution: DisputeResolution,
        /// An explanation kept in the account's timeline.
        #[arg(long)]
        note: Option<String>,
    },
}

/// Arguments of `vahti promise`.
#[derive(Debug, Args)]
pub struct PromiseArgs {
    /// Your id of the account.
    pub account: String,
    /// The day by which the debtor promised to pay, YYYY-MM-DD.
    #[arg(long, value_name = "DATE")]
    pub pay_by: NaiveDate,
    /// The promised amount as a decimal with a dot [default: everything outstanding].
    #[arg(long, allow_negative_numbers = true, value_parser = parse_positive_amount)]
    pub amount: Option<Decimal>,
    /// ISO 4217 currency of the amount; needed when the account owes in several currencies.
    #[arg(long)]
    pub currency: Option<String>,
    /// Only this invoice (your id) [default: every overdue invoice of the account].
    #[arg(long)]
    pub invoice: Option<String>,
}

/// Arguments of `vahti remind`.
#[derive(Debug, Args)]
pub struct RemindArgs {
    /// Your id of the account.
    pub account: String,
    /// The kind of message [default on the server: a reminder without a fee].
    #[arg(long, value_parser = wire_enum::<StepKind>())]
    pub kind: Option<StepKind>,
    /// Include this invoice (your id); repeat for several [default: every overdue invoice].
    #[arg(long = "invoice", value_name = "INVOICE")]
    pub invoices: Vec<String>,
}

/// Arguments of `vahti status`.
#[derive(Debug, Args)]
pub struct StatusArgs {
    /// Your id of the account.
    pub account: String,
    /// Number of timeline entries to show, newest first.
    #[arg(long, default_value_t = 10, value_name = "N")]
    pub history: usize,
}

/// Arguments of `vahti aging`.
#[derive(Debug, Args)]
pub struct AgingArgs {
    /// The day to age invoices against, YYYY-MM-DD [default: today in the tenant's time zone].
    #[arg(long, value_name = "DATE")]
    pub as_of: Option<NaiveDate>,
}

/// Arguments of `vahti events`.
#[derive(Debug, Args)]
pub struct EventsArgs {
    /// Keep running and print new events as they happen.
    #[arg(long)]
    pub follow: bool,
    /// Start after this sequence number [default: from the first event].
    #[arg(long, value_name = "SEQ")]
    pub after: Option<i64>,
    /// Maximum number of events to print without --follow.
    #[arg(long, default_value_t = 100, value_name = "N",
        value_parser = clap::value_parser!(u32).range(1..=1000))]
    pub limit: u32,
}

/// Arguments of `vahti completions`.
#[derive(Debug, Args)]
pub struct CompletionsArgs {
    /// The shell to write the script for.
    pub shell: clap_complete::Shell,
}

/// Parses a value of one of the API's enums, listing the allowed values in `--help`.
fn wire_enum<T>() -> impl TypedValueParser<Value = T>
where
    T: WireEnum + Clone + Send + Sync + 'static,
{
    PossibleValuesParser::new(T::VALUES)
        .try_map(|value| T::from_wire(&value).ok_or_else(|| format!("unknown value {value:?}")))
}

/// Parses an amount written as a decimal with a dot, such as `1234.50`.
pub fn parse_amount(text: &str) -> Result<Decimal, String> {
    vahti_sdk::api::decimal::parse(text).ok_or_else(|| {
        format!("invalid amount {text:?}: write a decimal number with a dot, such as 1234.50")
    })
}

/// Parses an amount that must be above zero, such as an invoice or payment amount.
///
/// A negative value parses as a number first, so the error names the sign rather than the syntax.
pub fn parse_positive_amount(text: &str) -> Result<Decimal, String> {
    let amount = parse_amount(text)?;
    if amount <= Decimal::ZERO {
        return Err(format!(
            "invalid amount {text:?}: the amount must be greater than zero"
        ));
    }
    Ok(amount)
}

/// Parses a duration such as `7d`, `36h`, `90m` or `45s` into seconds.
pub fn parse_duration_seconds(text: &str) -> Result<u32, String> {
    let invalid = || {
        format!(
            "invalid duration {text:?}: write a whole number and a unit d, h, m or s, such as 7d"
        )
    };
    let split = text.len().checked_sub(1).ok_or_else(invalid)?;
    let (number, unit) = text.split_at_checked(split).ok_or_else(invalid)?;
    if number.is_empty() || !number.bytes().all(|byte| byte.is_ascii_digit()) {
        return Err(invalid());
    }
    let count: u64 = number.parse().map_err(|_| invalid())?;
    let unit_seconds: u64 = match unit {
        "d" => 86_400,
        "h" => 3_600,
        "m" => 60,
        "s" => 1,
        _ => return Err(invalid()),
    };
    count
        .checked_mul(unit_seconds)
        .and_then(|seconds| u32::try_from(seconds).ok())
        .ok_or_else(|| format!("invalid duration {text:?}: at most {} seconds", u32::MAX))
}

/// Parses a fee change written as `INVOICE=AMOUNT`.
pub fn parse_fee(text: &str) -> Result<FeeAmount, String> {
    let (invoice, amount) = text
        .rsplit_once('=')
        .ok_or_else(|| format!("invalid fee {text:?}: write INVOICE=AMOUNT, such as INV-1=2.50"))?;
    if invoice.is_empty() {
        return Err(format!(
            "invalid fee {text:?}: the invoice id before '=' is missing"
        ));
    }
    Ok(FeeAmount {
        invoice: invoice.to_owned(),
        amount: parse_amount(amount)?,
    })
}

#[cfg(test)]
mod tests {
    use clap::CommandFactory;

    use super::*;

    #[test]
    fn command_definition_is_consistent() {
        Cli::command().debug_assert();
    }

    #[test]
    fn amount_parsing_cases() {
        assert_eq!(parse_amount("1234.50"), Ok(Decimal::new(123_450, 2)));
        assert_eq!(parse_amount("5"), Ok(Decimal::new(5, 0)));
        for text in ["1,50", "1e3", " 1", "", "+1"] {
            assert!(parse_amount(text).is_err(), "{text:?}");
        }
    }

    #[test]
    fn positive_amount_cases() {
        assert_eq!(parse_positive_amount("0.01"), Ok(Decimal::new(1, 2)));
        for text in ["0", "0.00", "-5", "-0.01"] {
            let error = parse_positive_amount(text).unwrap_err();
            assert!(error.contains("greater than zero"), "{text:?}: {error}");
        }
        assert!(parse_positive_amount("abc").is_err());
    }

    #[test]
    fn duration_parsing_cases() {
        assert_eq!(parse_duration_seconds("7d"), Ok(604_800));
        assert_eq!(parse_duration_seconds("36h"), Ok(129_600));
        assert_eq!(parse_duration_seconds("90m"), Ok(5_400));
        assert_eq!(parse_duration_seconds("0s"), Ok(0));
        for text in ["", "d", "7", "7w", "-1d", "1.5h", " 7d", "99999999d"] {
            assert!(parse_duration_seconds(text).is_err(), "{text:?}");
        }
    }

    #[test]
    fn fee_parsing_cases() {
        let fee = parse_fee("INV=1=2.50").unwrap();
        assert_eq!(fee.invoice, "INV=1");
        assert_eq!(fee.amount, Decimal::new(250, 2));
        for text in ["INV-1", "=2.50", "INV-1=", "INV-1=abc"] {
            assert!(parse_fee(text).is_err(), "{text:?}");
        }
    }

    #[test]
    fn enum_options_reject_unknown_values() {
        let parsed = Cli::try_parse_from([
            "vahti", "accounts", "upsert", "C-1", "--name", "X", "--type", "robot",
        ]);
        assert!(parsed.is_err());
    }

    #[test]
    fn debtor_type_has_api_name() {
        let parsed = Cli::try_parse_from([
            "vahti",
            "accounts",
            "upsert",
            "C-1",
            "--name",
            "X",
            "--debtor-type",
            "consumer",
        ])
        .unwrap();
        let Command::Accounts(AccountsCommand::Upsert(args)) = parsed.command else {
            panic!("parsed another command");
        };
        assert_eq!(args.debtor_type, DebtorType::Consumer);
    }

    #[test]
    fn enum_options_parse_known_values() {
        let parsed = Cli::try_parse_from([
            "vahti", "accounts", "upsert", "C-1", "--name", "X", "--type", "business",
        ])
        .unwrap();
        let Command::Accounts(AccountsCommand::Upsert(args)) = parsed.command else {
            panic!("parsed another command");
        };
        assert_eq!(args.debtor_type, DebtorType::Business);
    }
}
