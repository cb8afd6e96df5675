//! A small HTTP server that receives Vahti's webhooks, verifies their signatures with the SDK's
//! verifier and prints the events.
//!
//! ```sh
//! export VAHTI_WEBHOOK_SECRET=whsec_...            # the endpoint's secret
//! export VAHTI_WEBHOOK_PREVIOUS_SECRET=whsec_...   # optional, while the secret is rotated
//! export VAHTI_URL=http://127.0.0.1:7878 VAHTI_TOKEN=vht_...   # optional, see below
//! cargo run -p vahti-sdk --example webhook_receiver -- 127.0.0.1:8088
//! ```
//!
//! With `VAHTI_TOKEN` set, the receiver also reads the invoice an event names and prints its
//! outstanding amount. Events are handled once by sequence number (`Vahti-Event-Id`): a repeated
//! delivery is acknowledged and ignored. Deliveries can arrive out of order, because a retry
//! waits while later events go out, so the receiver keeps every sequence number it handled, not
//! only the highest. A real receiver keeps them in its database, in the same transaction as the
//! work the event causes.

#![expect(
    clippy::print_stdout,
    reason = "an example prints its results for the reader"
)]

use std::collections::HashSet;
use std::process::ExitCode;
use std::sync::Mutex;

use actix_web::{App, HttpRequest, HttpResponse, HttpServer, web};
use vahti_sdk::Client;
use vahti_sdk::webhook::{SIGNATURE_HEADER, TIMESTAMP_HEADER, WebhookVerifier};

struct Receiver {
    verifier: WebhookVerifier,
    client: Option<Client>,
    /// The sequence numbers of the events handled so far.
    handled: Mutex<HashSet<i64>>,
}

#[actix_web::main]
async fn main() -> ExitCode {
    let listen = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "127.0.0.1:8088".to_owned());
    let Ok(secret) = std::env::var("VAHTI_WEBHOOK_SECRET") else {
        eprintln!("error: missing VAHTI_WEBHOOK_SECRET: set it to the webhook endpoint's secret");
        return ExitCode::from(2);
    };
    let mut verifier = WebhookVerifier::new(secret);
    if let Ok(previous) = std::env::var("VAHTI_WEBHOOK_PREVIOUS_SECRET") {
        verifier = verifier.with_secret(previous);
    }

    let client = match optional_client_from_env() {
        Ok(client) => client,
        Err(message) => {
            eprintln!("error: {message}");
            return ExitCode::from(2);
        }
    };

    let receiver = web::Data::new(Receiver {
        verifier,
        client,
        handled: Mutex::new(HashSet::new()),
    });
    let server = HttpServer::new(move || {
        App::new()
            .app_data(receiver.clone())
            .route("/webhooks/vahti", web::post().to(receive))
    })
    .bind(&listen);
    let server = match server {
        Ok(server) => server,
        Err(error) => {
            eprintln!("error: cannot listen on {listen}: {error}");
            return ExitCode::FAILURE;
        }
    };

    eprintln!("listening on http://{listen}/webhooks/vahti");
    match server.run().await {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: the server stopped: {error}");
            ExitCode::FAILURE
        }
    }
}

/// Builds a client from `VAHTI_URL` (default `http://127.0.0.1:7878`) and `VAHTI_TOKEN`, or
/// returns `None` when no token is set.
fn optional_client_from_env() -> Result<Option<Client>, String> {
    let Ok(token) = std::env::var("VAHTI_TOKEN") else {
        return Ok(None);
    };
    let url = std::env::var("VAHTI_URL").unwrap_or_else(|_| "http://127.0.0.1:7878".to_owned());
    Client::builder()
        .base_url(url)
        .token(token)
        .build()
        .map(Some)
        .map_err(|error| error.to_string())
}

async fn receive(
    request: HttpRequest,
    body: web::Bytes,
    receiver: web::Data<Receiver>,
) -> HttpResponse {
    let header = |name: &str| {
        request
            .headers()
            .get(name)
            .and_then(|value| value.to_str().ok())
    };
    let event = match receiver.verifier.verify_event(
        header(TIMESTAMP_HEADER),
        header(SIGNATURE_HEADER),
        &body,
    ) {
        Ok(event) => event,
        Err(error) => {
            eprintln!("rejected a webhook: {error}");
            return HttpResponse::Unauthorized().body(error.to_string());
        }
    };

    {
        let Ok(mut handled) = receiver.handled.lock() else {
            return HttpResponse::InternalServerError().finish();
        };
        if !handled.insert(event.seq) {
            eprintln!(
                "event {} was already handled; ignoring the repeated delivery",
                event.seq
            );
            return HttpResponse::NoContent().finish();
        }
    }

    println!(
        "{:>8}  {}  {:<22}  {:<12}  {}",
        event.seq,
        event.at.format("%Y-%m-%d %H:%M:%S"),
        event.event_type.as_str(),
        event.account.as_deref().unwrap_or("-"),
        event.invoice.as_deref().unwrap_or("-")
    );
    if let (Some(client), Some(invoice)) = (&receiver.client, &event.invoice) {
        match client.invoices().get(invoice).await {
            Ok(invoice) => println!(
                "          {} outstanding {} {} ({})",
                invoice.external_id, invoice.total_outstanding, invoice.currency, invoice.status
            ),
            Err(error) => eprintln!("cannot read invoice {invoice}: {error}"),
        }
    }
    HttpResponse::NoContent().finish()
}
