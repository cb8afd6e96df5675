//! The endpoints of the API, grouped by resource. Each group is a short-lived handle that
//! [`Client`] returns, such as [`Client::invoices`].

mod accounts;
mod admin;
mod cases;
mod invoices;
mod payments;
mod pending;
mod policies;
mod reports;
mod tokens;
mod webhooks;

pub use accounts::{Accounts, PaymentPlans};
pub use admin::{Admin, AdminClock, Tenants};
pub use cases::{Cases, CollectionPartners};
pub use invoices::{Disputes, Invoices};
pub use payments::{Imports, Payments, import_content_type};
pub use pending::Pending;
pub use policies::Policies;
pub use reports::{Reports, Server};
pub use tokens::Tokens;
pub use webhooks::Webhooks;

use vahti_api::limits::page_limit;

use crate::client::Client;
use crate::error::SdkError;
use crate::events::Events;

/// Declares the handle of a resource that has `POST` endpoints: a struct that borrows the client
/// and carries an optional idempotency key for the `POST` requests made through it.
macro_rules! resource_handle {
    ($(#[$meta:meta])* $name:ident) => {
        $(#[$meta])*
        #[derive(Debug, Clone)]
        pub struct $name<'a> {
            client: &'a $crate::client::Client,
            idempotency_key: Option<$crate::idempotency::IdempotencyKey>,
        }

        impl<'a> $name<'a> {
            pub(crate) fn new(client: &'a $crate::client::Client) -> Self {
                $name {
                    client,
                    idempotency_key: None,
                }
            }

            /// Sends `key` as the `Idempotency-Key` of the `POST` requests made through this
            /// handle, instead of a generated key per call.
            ///
            /// The server answers a repeated request with the same key and body with the first
            /// response, and rejects the key with a different body (`idempotency_key_reused`).
            /// So use a handle with your own key for one logical call only.
            pub fn with_idempotency_key(mut self, key: $crate::idempotency::IdempotencyKey) -> Self {
                self.idempotency_key = Some(key);
                self
            }

            /// Starts a `POST` to `path` with this handle's idempotency key, if any.
            fn post(&self, path: String) -> $crate::client::Request {
                $crate::client::Request::new(reqwest::Method::POST, path)
                    .idempotency_key(self.idempotency_key.clone())
            }
        }
    };
}

pub(crate) use resource_handle;

/// Checks the page size of a list request before it is sent.
pub(crate) fn check_limit(limit: Option<u32>) -> Result<(), SdkError> {
    if limit.is_some() {
        page_limit(limit)?;
    }
    Ok(())
}

impl Client {
    /// Operator endpoints: tenants and the manual clock. They need the operator token.
    pub fn admin(&self) -> Admin<'_> {
        Admin::new(self)
    }

    /// API tokens of the calling tenant.
    pub fn tokens(&self) -> Tokens<'_> {
        Tokens::new(self)
    }

    /// Collection policies.
    pub fn policies(&self) -> Policies<'_> {
        Policies::new(self)
    }

    /// Customer accounts, their status, and interventions such as pauses and promises.
    pub fn accounts(&self) -> Accounts<'_> {
        Accounts::new(self)
    }

    /// Payment plans of accounts.
    pub fn payment_plans(&self) -> PaymentPlans<'_> {
        PaymentPlans::new(self)
    }

    /// Invoices and credit notes.
    pub fn invoices(&self) -> Invoices<'_> {
        Invoices::new(self)
    }

    /// Disputes on invoices.
    pub fn disputes(&self) -> Disputes<'_> {
        Disputes::new(self)
    }

    /// Incoming payments.
    pub fn payments(&self) -> Payments<'_> {
        Payments::new(self)
    }

    /// Webhook endpoints, their signing secrets and delivery logs.
    pub fn webhooks(&self) -> Webhooks<'_> {
        Webhooks::new(self)
    }

    /// Collection cases handed over to the tenant's collection agency.
    pub fn cases(&self) -> Cases<'_> {
        Cases::new(self)
    }

    /// The tenant's collection agency.
    pub fn collection_partner(&self) -> CollectionPartners<'_> {
        CollectionPartners::new(self)
    }

    /// Imports of e-invoice files and bank payment files.
    pub fn imports(&self) -> Imports<'_> {
        Imports::new(self)
    }

    /// Pending actions: steps that wait for a person's approval.
    pub fn pending(&self) -> Pending<'_> {
        Pending::new(self)
    }

    /// The event log, as single requests or as a resumable stream.
    pub fn events(&self) -> Events<'_> {
        Events::new(self)
    }

    /// Reports over all accounts of the tenant.
    pub fn reports(&self) -> Reports<'_> {
        Reports::new(self)
    }

    /// Health checks, metrics and the OpenAPI document of the daemon. They need no token.
    pub fn server(&self) -> Server<'_> {
        Server::new(self)
    }
}
