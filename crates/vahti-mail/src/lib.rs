//! Debtor-facing email for Vahti: the render model, templates in Finnish, Swedish and English,
//! payment codes in mail, MIME assembly, and delivery over SMTP or into files.
//!
//! The flow for one outbox row:
//!
//! 1. The daemon builds a [`model::MessageInput`] from the ledger and validates it into a
//!    [`model::RenderModel`], which it stores in the outbox as JSON.
//! 2. At send time [`message::build_message`] renders the model with the tenant's
//!    [`overrides::TemplateOverrides`] and assembles the MIME message, with a `Message-ID`
//!    derived from the outbox row.
//! 3. [`transport::Mailer::send`] delivers it, and [`retry::RetryPolicy::decide`] turns a
//!    failure into a retry time or a final failure.
//!
//! Claiming outbox rows and recording outcomes belong to the daemon and the store.

pub mod example;
pub mod format;
mod locale;
pub mod message;
pub mod model;
pub mod overrides;
pub mod qr;
pub mod render;
pub mod retry;
pub mod transport;

pub use locale::Locale;
pub use message::{Message, OutboxId, SenderIdentity, build_message};
pub use transport::{Delivered, DeliveryError, Mailer};
