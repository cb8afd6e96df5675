//! Async Rust client of Vahti, the payment-monitoring and collection daemon.
//!
//! The crate wraps every endpoint of Vahti's HTTP API with typed requests and responses from
//! [`vahti_api`] (re-exported as [`api`]), and adds what an integrator needs around them:
//!
//! - retries of connection failures, timeouts, 429 and 503 with exponential backoff, honouring
//!   `Retry-After` ([`RetryPolicy`]);
//! - an `Idempotency-Key` on every `POST`, generated once per call and kept across its retries
//!   ([`IdempotencyKey`]);
//! - streams over every item of a list ([`ItemStream`]) and over the event log, resumable from
//!   a saved sequence number ([`EventStream`]);
//! - verification of webhook signatures ([`webhook`]);
//! - one error type, [`SdkError`], with the server's error code when there is one.
//!
//! # Quick start
//!
//! ```no_run
//! use chrono::NaiveDate;
//! use rust_decimal::Decimal;
//! use vahti_sdk::Client;
//! use vahti_sdk::api::{
//!     DebtorType, InvoiceKind, IssueStatus, RecordPaymentRequest, UpsertAccountRequest,
//!     UpsertInvoiceRequest,
//! };
//!
//! # async fn run() -> Result<(), vahti_sdk::SdkError> {
//! let client = Client::builder()
//!     .base_url("http://127.0.0.1:7878")
//!     .token("vht_example_token")
//!     .build()?;
//!
//! client
//!     .accounts()
//!     .upsert(
//!         "C-1001",
//!         &UpsertAccountRequest {
//!             name: "Maija Meikäläinen".to_owned(),
//!             debtor_type: DebtorType::Consumer,
//!             emails: vec!["maija@example.fi".to_owned()],
//!             locale: None,
//!             time_zone: None,
//!             policy: None,
//!             contact: None,
//!             electronic_demand_consent_until: None,
//!         },
//!     )
//!     .await?;
//!
//! let invoice = client
//!     .invoices()
//!     .upsert(
//!         "INV-2026-0001",
//!         &UpsertInvoiceRequest {
//!             account: "C-1001".to_owned(),
//!             kind: InvoiceKind::Invoice,
//!             number: "2026-0001".to_owned(),
//!             issue_date: NaiveDate::from_ymd_opt(2026, 3, 2).unwrap_or_default(),
//!             sent_on: None,
//!             due_date: NaiveDate::from_ymd_opt(2026, 3, 16),
//!             currency: "EUR".to_owned(),
//!             amount: Decimal::new(12450, 2),
//!             reference: None,
//!             corrects: None,
//!             status: IssueStatus::Issued,
//!             seller_iban: None,
//!             seller_bic: None,
//!         },
//!     )
//!     .await?;
//!
//! client
//!     .payments()
//!     .record(&RecordPaymentRequest {
//!         amount: Decimal::new(12450, 2),
//!         currency: "EUR".to_owned(),
//!         paid_on: NaiveDate::from_ymd_opt(2026, 3, 10).unwrap_or_default(),
//!         booked_on: None,
//!         reference: Some(invoice.payment_codes.reference.rf.clone()),
//!         invoice: None,
//!         archive_id: None,
//!         payer_name: None,
//!     })
//!     .await?;
//!
//! let invoice = client.invoices().get("INV-2026-0001").await?;
//! println!("{}: {}", invoice.external_id, invoice.status);
//! # Ok(())
//! # }
//! ```
//!
//! # Errors
//!
//! Every call returns [`SdkError`]. Errors the server reports carry its stable
//! [`ErrorCode`](api::ErrorCode), the message and the offending field; codes added by later
//! server versions decode as `ErrorCode::Unknown`, so match with a fallback arm.
//!
//! ```no_run
//! # async fn run(client: vahti_sdk::Client) -> Result<(), vahti_sdk::SdkError> {
//! use vahti_sdk::api::ErrorCode;
//!
//! match client.invoices().get("INV-404").await {
//!     Ok(invoice) => println!("{}", invoice.status),
//!     Err(error) if error.code() == Some(&ErrorCode::InvoiceNotFound) => println!("not found"),
//!     Err(error) => return Err(error),
//! }
//! # Ok(())
//! # }
//! ```

#![warn(missing_docs)]

mod client;
mod endpoint;
mod error;
mod events;
mod idempotency;
mod pagination;
mod resources;
pub mod retry;
pub mod webhook;

pub use client::{Client, ClientBuilder, DEFAULT_CONNECT_TIMEOUT, DEFAULT_REQUEST_TIMEOUT};
pub use endpoint::encode_path_segment;
pub use error::{ConfigError, SdkError};
pub use events::{DEFAULT_STREAM_WAIT, EventCursor, EventStream, Events};
pub use idempotency::IdempotencyKey;
pub use pagination::ItemStream;
pub use resources::{
    Accounts, Admin, AdminClock, Cases, CollectionPartners, Disputes, Imports, Invoices,
    PaymentPlans, Payments, Pending, Policies, Reports, Server, Tenants, Tokens, Webhooks,
    import_content_type,
};
pub use retry::RetryPolicy;

/// The wire types of the API: every request and response body, query, error code and limit.
pub use vahti_api as api;
