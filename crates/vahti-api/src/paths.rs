//! The paths of every endpoint, as route templates.
//!
//! A segment in braces is a parameter: `{id}` is one of Vahti's integer ids, `{external_id}` the
//! integrator's own id of an account or invoice, and `{key}` a policy key. Clients must
//! percent-encode an `external_id` when they put it in a path, because it may contain `/`.
//!
//! Paths under `/v1/tenants` and `/v1/admin` take the operator token; every other `/v1` path
//! takes a tenant's API token. The health paths and `/metrics` take none.

// Admin.

/// `POST` creates a tenant and its first API token; `GET` lists tenants.
pub const TENANTS: &str = "/v1/tenants";
/// `GET` reads a tenant; `PATCH` changes it.
pub const TENANT: &str = "/v1/tenants/{id}";
/// `GET` reads the daemon's clock; `POST` moves the manual clock when the daemon enables it.
pub const CLOCK: &str = "/v1/admin/clock";
/// `GET` reads the shards this daemon holds and the daemons of its cluster.
pub const CLUSTER: &str = "/v1/admin/cluster";

// API tokens.

/// `POST` creates an API token of the calling tenant; `GET` lists them.
pub const TOKENS: &str = "/v1/tokens";
/// `DELETE` revokes an API token.
pub const TOKEN: &str = "/v1/tokens/{id}";

// Policies.

/// `POST` creates a policy; `GET` lists policies.
pub const POLICIES: &str = "/v1/policies";
/// `GET` reads a policy with its version history; `PUT` saves a new version.
pub const POLICY: &str = "/v1/policies/{key}";
/// `POST` checks a policy without saving it.
pub const POLICY_VALIDATE: &str = "/v1/policies/validate";

// Accounts.

/// `GET` lists accounts.
pub const ACCOUNTS: &str = "/v1/accounts";
/// `PUT` creates or updates an account; `GET` reads it.
pub const ACCOUNT: &str = "/v1/accounts/{external_id}";
/// `GET` reads an account's balances, open invoices and timeline.
pub const ACCOUNT_STATUS: &str = "/v1/accounts/{external_id}/status";
/// `POST` pauses collection of an account or one of its invoices.
pub const ACCOUNT_PAUSE: &str = "/v1/accounts/{external_id}/pause";
/// `POST` resumes collection of an account or one of its invoices.
pub const ACCOUNT_RESUME: &str = "/v1/accounts/{external_id}/resume";
/// `POST` records a promise to pay.
pub const ACCOUNT_PROMISES: &str = "/v1/accounts/{external_id}/promises";
/// `POST` creates a payment plan; `GET` lists the account's payment plans.
pub const ACCOUNT_PAYMENT_PLANS: &str = "/v1/accounts/{external_id}/payment-plans";
/// `POST` sends a reminder now, outside the policy's schedule.
pub const ACCOUNT_REMIND: &str = "/v1/accounts/{external_id}/remind";

/// `POST` issues a new link to the account's self-service page.
pub const ACCOUNT_SELF_SERVICE_LINKS: &str = "/v1/accounts/{external_id}/self-service/links";
/// `POST` revokes every live link to the account's self-service page.
pub const ACCOUNT_SELF_SERVICE_REVOKE: &str = "/v1/accounts/{external_id}/self-service/revoke";

// Invoices and credit notes.

/// `GET` lists invoices and credit notes.
pub const INVOICES: &str = "/v1/invoices";
/// `PUT` creates or updates an invoice or credit note; `GET` reads it.
pub const INVOICE: &str = "/v1/invoices/{external_id}";
/// `POST` creates or updates up to [`crate::limits::MAX_BATCH_ITEMS`] invoices at once.
pub const INVOICES_BATCH: &str = "/v1/invoices/batch";
/// `POST` issues a draft invoice.
pub const INVOICE_ISSUE: &str = "/v1/invoices/{external_id}/issue";
/// `POST` cancels an invoice.
pub const INVOICE_CANCEL: &str = "/v1/invoices/{external_id}/cancel";
/// `POST` changes an invoice's due date.
pub const INVOICE_DUE_DATE: &str = "/v1/invoices/{external_id}/due-date";
/// `POST` opens a dispute on an invoice.
pub const INVOICE_DISPUTES: &str = "/v1/invoices/{external_id}/disputes";

// Payments.

/// `POST` records a payment; `GET` lists payments.
pub const PAYMENTS: &str = "/v1/payments";
/// `POST` reverses a payment.
pub const PAYMENT_REVERSE: &str = "/v1/payments/{id}/reverse";
/// `POST` matches an unmatched payment to an invoice by hand.
pub const PAYMENT_MATCH: &str = "/v1/payments/{id}/match";

// Imports.

/// `POST` imports an e-invoice file (Finvoice or Peppol UBL); the body is the file.
pub const IMPORT_INVOICES: &str = "/v1/imports/invoices";
/// `POST` imports a bank payment file (camt.053, camt.054 or KTL); the body is the file.
pub const IMPORT_PAYMENTS: &str = "/v1/imports/payments";

// Disputes and payment plans.

/// `POST` resolves a dispute.
pub const DISPUTE_RESOLVE: &str = "/v1/disputes/{id}/resolve";
/// `POST` cancels a payment plan.
pub const PAYMENT_PLAN_CANCEL: &str = "/v1/payment-plans/{id}/cancel";

// Pending actions (guided mode).

/// `GET` lists actions waiting for approval.
pub const PENDING_ACTIONS: &str = "/v1/pending";
/// `GET` reads one pending action.
pub const PENDING_ACTION: &str = "/v1/pending/{id}";
/// `POST` approves a pending action, optionally with lower fees and an added paragraph.
pub const PENDING_ACTION_APPROVE: &str = "/v1/pending/{id}/approve";
/// `POST` skips a pending action.
pub const PENDING_ACTION_SKIP: &str = "/v1/pending/{id}/skip";

// Self-service requests.

/// `GET` lists requests that debtors made on their self-service pages.
pub const SELF_SERVICE_REQUESTS: &str = "/v1/self-service/requests";
/// `GET` reads one self-service request.
pub const SELF_SERVICE_REQUEST: &str = "/v1/self-service/requests/{id}";
/// `POST` approves a pending self-service request, which then takes effect.
pub const SELF_SERVICE_REQUEST_APPROVE: &str = "/v1/self-service/requests/{id}/approve";
/// `POST` rejects a pending self-service request.
pub const SELF_SERVICE_REQUEST_REJECT: &str = "/v1/self-service/requests/{id}/reject";

// Webhooks.

/// `POST` creates a webhook endpoint; `GET` lists them.
pub const WEBHOOKS: &str = "/v1/webhooks";
/// `GET` reads a webhook endpoint; `PATCH` changes it; `DELETE` deletes it.
pub const WEBHOOK: &str = "/v1/webhooks/{id}";
/// `POST` creates a new signing secret and keeps the previous one valid for a grace period.
pub const WEBHOOK_SECRET_ROTATE: &str = "/v1/webhooks/{id}/secrets/rotate";
/// `GET` lists an endpoint's deliveries with their attempts, newest first.
pub const WEBHOOK_DELIVERIES: &str = "/v1/webhooks/{id}/deliveries";
/// `POST` queues a delivery's event for the endpoint again.
pub const WEBHOOK_REDELIVER: &str = "/v1/webhooks/{id}/deliveries/{delivery_id}/redeliver";

// Collection agency.

/// `PUT` sets the tenant's collection partner; `GET` reads it; `DELETE` removes it.
pub const COLLECTION_PARTNER: &str = "/v1/collection/partner";
/// `GET` lists collection cases, newest first.
pub const CASES: &str = "/v1/cases";
/// `GET` reads a collection case with its document and history.
pub const CASE: &str = "/v1/cases/{id}";
/// `POST` records a state the agency reports.
pub const CASE_STATE: &str = "/v1/cases/{id}/state";
/// `POST` takes a case back from the agency.
pub const CASE_RECALL: &str = "/v1/cases/{id}/recall";

// Events and reports.

/// `GET` reads events after a sequence number, long-polling up to 60 seconds.
pub const EVENTS: &str = "/v1/events";
/// `GET` reads the aging report.
pub const AGING_REPORT: &str = "/v1/reports/aging";

// Operations.

/// `GET` reports whether the process is alive.
pub const HEALTHZ: &str = "/healthz";
/// `GET` reports whether the daemon is ready to serve requests.
pub const READYZ: &str = "/readyz";
/// `GET` returns metrics in the Prometheus text format.
pub const METRICS: &str = "/metrics";
/// `GET` returns the OpenAPI document of this API.
pub const OPENAPI: &str = "/openapi.json";
