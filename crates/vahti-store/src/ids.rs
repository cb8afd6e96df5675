//! Identifiers of rows that only the store and the daemon deal with.
//!
//! Tenants, accounts, invoices, payments and fees use the identifiers of `vahti_domain::ids`;
//! the rest are defined here in the same way. All wrap the database's 64-bit keys.

use std::fmt;

use serde::{Deserialize, Serialize};

macro_rules! store_id {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(pub i64);

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "{}", self.0)
            }
        }
    };
}

store_id!(
    /// An API token of a tenant.
    TokenId
);
store_id!(
    /// A collection policy of a tenant.
    PolicyId
);
store_id!(
    /// One version of a policy's body.
    PolicyVersionId
);
store_id!(
    /// A row of step history: one escalation step of one invoice.
    StepId
);
store_id!(
    /// An action waiting for a person's approval.
    PendingActionId
);
store_id!(
    /// A dispute raised by a debtor.
    DisputeId
);
store_id!(
    /// A pause of collection.
    PauseId
);
store_id!(
    /// A debtor's promise to pay.
    PromiseId
);
store_id!(
    /// A payment plan.
    PaymentPlanId
);
store_id!(
    /// An instalment of a payment plan.
    InstalmentId
);
store_id!(
    /// A case handed over to a collection agency.
    CaseId
);
store_id!(
    /// A message in the outbox.
    OutboxId
);
store_id!(
    /// An allocation of a payment or credit note to an invoice.
    AllocationId
);
store_id!(
    /// A claim of penalty interest on an invoice.
    InterestClaimId
);
store_id!(
    /// An imported bank or invoice file.
    ImportId
);
store_id!(
    /// A row of the event log; events are addressed by their per-tenant sequence number.
    EventId
);
store_id!(
    /// An integrator's endpoint that receives webhooks.
    WebhookEndpointId
);
store_id!(
    /// A signing secret of a webhook endpoint.
    WebhookSecretId
);
store_id!(
    /// The collection agency a tenant hands cases over to.
    PartnerId
);
store_id!(
    /// An entry in the history of a collection case.
    CaseUpdateId
);
store_id!(
    /// A personal link to a debtor's self-service page.
    SelfServiceLinkId
);
store_id!(
    /// A request a debtor made on the self-service page.
    SelfServiceRequestId
);
