//! Creates an account with two invoices, records a payment for the first one, and prints the
//! account's status.
//!
//! ```sh
//! export VAHTI_URL=http://127.0.0.1:7878 VAHTI_TOKEN=vht_...
//! cargo run -p vahti-sdk --example quickstart
//! ```

#![expect(
    clippy::print_stdout,
    reason = "an example prints its results for the reader"
)]

use std::process::ExitCode;

use chrono::{Days, NaiveDate, Utc};
use rust_decimal::Decimal;
use vahti_sdk::api::{
    DebtorType, InvoiceKind, IssueStatus, Locale, RecordPaymentRequest, UpsertAccountRequest,
    UpsertInvoiceRequest,
};
use vahti_sdk::{Client, SdkError};

const ACCOUNT: &str = "QUICKSTART-1";

#[tokio::main]
async fn main() -> ExitCode {
    let client = match client_from_env() {
        Ok(client) => client,
        Err(message) => {
            eprintln!("error: {message}");
            return ExitCode::from(2);
        }
    };
    match run(&client).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {error}");
            ExitCode::FAILURE
        }
    }
}

/// Builds a client from `VAHTI_URL` (default `http://127.0.0.1:7878`) and `VAHTI_TOKEN`.
fn client_from_env() -> Result<Client, String> {
    let url = std::env::var("VAHTI_URL").unwrap_or_else(|_| "http://127.0.0.1:7878".to_owned());
    let token = std::env::var("VAHTI_TOKEN")
        .map_err(|_| "missing VAHTI_TOKEN: set it to a tenant's API token".to_owned())?;
    Client::builder()
        .base_url(url)
        .token(token)
        .build()
        .map_err(|error| error.to_string())
}

async fn run(client: &Client) -> Result<(), SdkError> {
    let account = client
        .accounts()
        .upsert(
            ACCOUNT,
            &UpsertAccountRequest {
                name: "Maija Meikäläinen".to_owned(),
                debtor_type: DebtorType::Consumer,
                emails: vec!["maija@example.fi".to_owned()],
                locale: Some(Locale::Fi),
                time_zone: None,
                policy: None,
                contact: None,
                electronic_demand_consent_until: None,
            },
        )
        .await?;
    println!(
        "account {} ({}) uses policy {}",
        account.external_id, account.name, account.effective_policy
    );

    let today = Utc::now().date_naive();
    let first = invoice(today, "QS-0001", Decimal::new(12_450, 2));
    let second = invoice(today, "QS-0002", Decimal::new(4_990, 2));
    for (external_id, request) in [("QS-0001", &first), ("QS-0002", &second)] {
        let invoice = client.invoices().upsert(external_id, request).await?;
        println!(
            "invoice {} of {} {} due {}, reference {}",
            invoice.external_id,
            invoice.amount,
            invoice.currency,
            invoice
                .due_date
                .map_or_else(|| "-".to_owned(), |date| date.to_string()),
            invoice.payment_codes.reference.printed
        );
    }

    let invoice = client.invoices().get("QS-0001").await?;
    let payment = client
        .payments()
        .record(&RecordPaymentRequest {
            amount: invoice.total_outstanding,
            currency: invoice.currency.clone(),
            paid_on: today,
            booked_on: None,
            reference: Some(invoice.payment_codes.reference.rf.clone()),
            invoice: None,
            archive_id: None,
            payer_name: Some("Maija Meikäläinen".to_owned()),
        })
        .await?;
    println!(
        "payment {} of {} {} matched: {}",
        payment.id, payment.amount, payment.currency, payment.matched
    );

    let status = client.accounts().status(ACCOUNT).await?;
    println!();
    println!("status of {}", status.account.external_id);
    for balance in &status.balances {
        println!(
            "  {}: principal {}, interest {}, fees {}, total {}",
            balance.currency, balance.principal, balance.interest, balance.fees, balance.total
        );
    }
    for invoice in &status.open_invoices {
        println!(
            "  open {} {} {} ({})",
            invoice.external_id, invoice.total_outstanding, invoice.currency, invoice.status
        );
    }
    Ok(())
}

fn invoice(today: NaiveDate, number: &str, amount: Decimal) -> UpsertInvoiceRequest {
    UpsertInvoiceRequest {
        account: ACCOUNT.to_owned(),
        kind: InvoiceKind::Invoice,
        number: number.to_owned(),
        issue_date: today,
        sent_on: None,
        due_date: today.checked_add_days(Days::new(14)),
        currency: "EUR".to_owned(),
        amount,
        reference: None,
        corrects: None,
        status: IssueStatus::Issued,
        seller_iban: None,
        seller_bic: None,
    }
}
