//! Row structs of every table, in column order.
//!
//! Each struct loads with `as_select()` or, after `RETURNING table::all_columns`, by position,
//! and inserts as a whole, keys included, which the SQLite-to-PostgreSQL copy relies on. The
//! repository modules turn them into the public types.

use chrono::NaiveDate;
use diesel::prelude::*;

use crate::schema::*;
use crate::sql_types::{Instant, StoredDate, StoredOptionalDate};

#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable, Insertable)]
#[diesel(table_name = tenants, treat_none_as_default_value = false)]
pub(crate) struct TenantRow {
    pub(crate) id: i64,
    pub(crate) name: String,
    pub(crate) time_zone: String,
    pub(crate) default_locale: String,
    pub(crate) creditor: String,
    pub(crate) disabled: bool,
    pub(crate) created_at: Instant,
    pub(crate) updated_at: Instant,
}

#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable, Insertable)]
#[diesel(table_name = tenant_counters, treat_none_as_default_value = false)]
pub(crate) struct TenantCounterRow {
    pub(crate) tenant_id: i64,
    pub(crate) next_event_seq: i64,
    pub(crate) next_reference_base: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable, Insertable)]
#[diesel(table_name = api_tokens, treat_none_as_default_value = false)]
pub(crate) struct TokenRow {
    pub(crate) id: i64,
    pub(crate) tenant_id: i64,
    pub(crate) name: String,
    pub(crate) prefix: String,
    pub(crate) token_hash: String,
    pub(crate) created_at: Instant,
    pub(crate) revoked_at: Option<Instant>,
    pub(crate) last_used_at: Option<Instant>,
}

#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable, Insertable)]
#[diesel(table_name = policies, treat_none_as_default_value = false)]
pub(crate) struct PolicyRow {
    pub(crate) id: i64,
    pub(crate) tenant_id: i64,
    pub(crate) key: String,
    pub(crate) name: String,
    pub(crate) created_at: Instant,
    pub(crate) updated_at: Instant,
}

#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable, Insertable)]
#[diesel(table_name = policy_versions, treat_none_as_default_value = false)]
pub(crate) struct PolicyVersionRow {
    pub(crate) id: i64,
    pub(crate) tenant_id: i64,
    pub(crate) policy_id: i64,
    pub(crate) version: i32,
    pub(crate) body: String,
    pub(crate) created_at: Instant,
}

#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable, Insertable)]
#[diesel(table_name = accounts, treat_none_as_default_value = false)]
pub(crate) struct AccountRow {
    pub(crate) id: i64,
    pub(crate) tenant_id: i64,
    pub(crate) external_id: String,
    pub(crate) name: String,
    pub(crate) debtor_type: String,
    pub(crate) emails: String,
    pub(crate) locale: String,
    pub(crate) time_zone: Option<String>,
    pub(crate) policy_id: Option<i64>,
    pub(crate) contact: String,
    pub(crate) e_demand_consent_until: Option<NaiveDate>,
    pub(crate) paused_until: Option<NaiveDate>,
    pub(crate) pause_reason: Option<String>,
    pub(crate) last_contact_at: Option<Instant>,
    pub(crate) next_action_at: Option<Instant>,
    pub(crate) shard: i32,
    pub(crate) version: i64,
    pub(crate) created_at: Instant,
    pub(crate) updated_at: Instant,
}

#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable, Insertable)]
#[diesel(table_name = invoices, treat_none_as_default_value = false)]
pub(crate) struct InvoiceRow {
    pub(crate) id: i64,
    pub(crate) tenant_id: i64,
    pub(crate) account_id: i64,
    pub(crate) external_id: String,
    pub(crate) kind: String,
    pub(crate) number: String,
    #[diesel(deserialize_as = StoredDate)]
    pub(crate) issue_date: NaiveDate,
    #[diesel(deserialize_as = StoredOptionalDate)]
    pub(crate) sent_on: Option<NaiveDate>,
    #[diesel(deserialize_as = StoredOptionalDate)]
    pub(crate) due_date: Option<NaiveDate>,
    pub(crate) currency: String,
    pub(crate) amount_minor: i64,
    pub(crate) reference: Option<String>,
    pub(crate) reference_invalid: bool,
    pub(crate) seller_iban: Option<String>,
    pub(crate) seller_bic: Option<String>,
    pub(crate) status: String,
    pub(crate) corrects_invoice_id: Option<i64>,
    #[diesel(deserialize_as = StoredOptionalDate)]
    pub(crate) interest_claimed_from: Option<NaiveDate>,
    pub(crate) disputed: bool,
    #[diesel(deserialize_as = StoredOptionalDate)]
    pub(crate) paused_until: Option<NaiveDate>,
    #[diesel(deserialize_as = StoredOptionalDate)]
    pub(crate) promised_until: Option<NaiveDate>,
    pub(crate) handed_over_at: Option<Instant>,
    pub(crate) written_off_at: Option<Instant>,
    pub(crate) settled_at: Option<Instant>,
    pub(crate) created_at: Instant,
    pub(crate) updated_at: Instant,
}

#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable, Insertable)]
#[diesel(table_name = imports, treat_none_as_default_value = false)]
pub(crate) struct ImportRow {
    pub(crate) id: i64,
    pub(crate) tenant_id: i64,
    pub(crate) kind: String,
    pub(crate) file_sha256: String,
    pub(crate) file_name: String,
    pub(crate) summary: String,
    pub(crate) created_at: Instant,
}

#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable, Insertable)]
#[diesel(table_name = payments, treat_none_as_default_value = false)]
pub(crate) struct PaymentRow {
    pub(crate) id: i64,
    pub(crate) tenant_id: i64,
    pub(crate) account_id: Option<i64>,
    pub(crate) invoice_id: Option<i64>,
    pub(crate) currency: String,
    pub(crate) amount_minor: i64,
    pub(crate) paid_on: NaiveDate,
    pub(crate) booked_on: Option<NaiveDate>,
    pub(crate) reference: Option<String>,
    pub(crate) bank_archive_id: Option<String>,
    pub(crate) source: String,
    pub(crate) import_id: Option<i64>,
    pub(crate) payer_name: Option<String>,
    pub(crate) reversed_at: Option<Instant>,
    pub(crate) created_at: Instant,
    pub(crate) updated_at: Instant,
}

#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable, Insertable)]
#[diesel(table_name = allocations, treat_none_as_default_value = false)]
pub(crate) struct AllocationRow {
    pub(crate) id: i64,
    pub(crate) tenant_id: i64,
    pub(crate) payment_id: Option<i64>,
    pub(crate) credit_note_id: Option<i64>,
    pub(crate) invoice_id: i64,
    pub(crate) component: String,
    pub(crate) currency: String,
    pub(crate) amount_minor: i64,
    pub(crate) allocated_on: NaiveDate,
    pub(crate) created_at: Instant,
}

#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable, Insertable)]
#[diesel(table_name = outbox, treat_none_as_default_value = false)]
pub(crate) struct OutboxRow {
    pub(crate) id: i64,
    pub(crate) tenant_id: i64,
    pub(crate) kind: String,
    pub(crate) account_id: Option<i64>,
    pub(crate) message_id: String,
    pub(crate) payload: String,
    pub(crate) state: String,
    pub(crate) attempts: i32,
    pub(crate) next_attempt_at: Instant,
    pub(crate) last_error: Option<String>,
    pub(crate) claimed_by: Option<String>,
    pub(crate) claimed_until: Option<Instant>,
    pub(crate) sent_at: Option<Instant>,
    pub(crate) created_at: Instant,
    pub(crate) updated_at: Instant,
}

#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable, Insertable)]
#[diesel(table_name = step_history, treat_none_as_default_value = false)]
pub(crate) struct StepRow {
    pub(crate) id: i64,
    pub(crate) tenant_id: i64,
    pub(crate) account_id: i64,
    pub(crate) invoice_id: i64,
    pub(crate) policy_version_id: i64,
    pub(crate) step_index: i32,
    pub(crate) step_key: String,
    pub(crate) step_kind: String,
    pub(crate) due_at: Instant,
    pub(crate) executed_at: Option<Instant>,
    pub(crate) state: String,
    pub(crate) detail: Option<String>,
    pub(crate) balance_currency: String,
    pub(crate) balance_minor: i64,
    pub(crate) outbox_id: Option<i64>,
    pub(crate) created_at: Instant,
    pub(crate) updated_at: Instant,
}

#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable, Insertable)]
#[diesel(table_name = fee_claims, treat_none_as_default_value = false)]
pub(crate) struct FeeClaimRow {
    pub(crate) id: i64,
    pub(crate) tenant_id: i64,
    pub(crate) invoice_id: i64,
    pub(crate) step_id: Option<i64>,
    pub(crate) kind: String,
    pub(crate) currency: String,
    pub(crate) amount_minor: i64,
    pub(crate) charged_on: NaiveDate,
    pub(crate) waived_at: Option<Instant>,
    pub(crate) created_at: Instant,
}

#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable, Insertable)]
#[diesel(table_name = interest_claims, treat_none_as_default_value = false)]
pub(crate) struct InterestClaimRow {
    pub(crate) id: i64,
    pub(crate) tenant_id: i64,
    pub(crate) invoice_id: i64,
    pub(crate) claimed_from: NaiveDate,
    pub(crate) contractual_rate: Option<String>,
    pub(crate) created_at: Instant,
}

#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable, Insertable)]
#[diesel(table_name = pending_actions, treat_none_as_default_value = false)]
pub(crate) struct PendingActionRow {
    pub(crate) id: i64,
    pub(crate) tenant_id: i64,
    pub(crate) account_id: i64,
    pub(crate) kind: String,
    pub(crate) action: String,
    pub(crate) state: String,
    pub(crate) edited_currency: Option<String>,
    pub(crate) edited_amount_minor: Option<i64>,
    pub(crate) edited_text: Option<String>,
    pub(crate) decided_at: Option<Instant>,
    pub(crate) decided_by: Option<String>,
    pub(crate) created_at: Instant,
    pub(crate) updated_at: Instant,
}

#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable, Insertable)]
#[diesel(table_name = disputes, treat_none_as_default_value = false)]
pub(crate) struct DisputeRow {
    pub(crate) id: i64,
    pub(crate) tenant_id: i64,
    pub(crate) account_id: i64,
    pub(crate) invoice_id: Option<i64>,
    pub(crate) reason: String,
    pub(crate) opened_at: Instant,
    pub(crate) resolved_at: Option<Instant>,
    pub(crate) resolution: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable, Insertable)]
#[diesel(table_name = pauses, treat_none_as_default_value = false)]
pub(crate) struct PauseRow {
    pub(crate) id: i64,
    pub(crate) tenant_id: i64,
    pub(crate) account_id: i64,
    pub(crate) invoice_id: Option<i64>,
    pub(crate) paused_until: NaiveDate,
    pub(crate) reason: String,
    pub(crate) created_at: Instant,
    pub(crate) lifted_at: Option<Instant>,
}

#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable, Insertable)]
#[diesel(table_name = promises, treat_none_as_default_value = false)]
pub(crate) struct PromiseRow {
    pub(crate) id: i64,
    pub(crate) tenant_id: i64,
    pub(crate) account_id: i64,
    pub(crate) invoice_id: Option<i64>,
    pub(crate) currency: String,
    pub(crate) amount_minor: i64,
    pub(crate) promised_on: NaiveDate,
    pub(crate) state: String,
    pub(crate) created_at: Instant,
    pub(crate) updated_at: Instant,
}

#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable, Insertable)]
#[diesel(table_name = payment_plans, treat_none_as_default_value = false)]
pub(crate) struct PaymentPlanRow {
    pub(crate) id: i64,
    pub(crate) tenant_id: i64,
    pub(crate) account_id: i64,
    pub(crate) state: String,
    pub(crate) currency: String,
    pub(crate) total_minor: i64,
    pub(crate) created_at: Instant,
    pub(crate) updated_at: Instant,
}

#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable, Insertable)]
#[diesel(table_name = payment_plan_instalments, treat_none_as_default_value = false)]
pub(crate) struct InstalmentRow {
    pub(crate) id: i64,
    pub(crate) tenant_id: i64,
    pub(crate) plan_id: i64,
    pub(crate) seq: i32,
    pub(crate) due_on: NaiveDate,
    pub(crate) currency: String,
    pub(crate) amount_minor: i64,
    pub(crate) paid_at: Option<Instant>,
}

#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable, Insertable)]
#[diesel(table_name = collection_cases, treat_none_as_default_value = false)]
pub(crate) struct CaseRow {
    pub(crate) id: i64,
    pub(crate) tenant_id: i64,
    pub(crate) account_id: i64,
    pub(crate) state: String,
    pub(crate) agency: String,
    pub(crate) payload: String,
    pub(crate) created_at: Instant,
    pub(crate) updated_at: Instant,
}

#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable, Insertable)]
#[diesel(table_name = payment_plan_invoices, treat_none_as_default_value = false)]
pub(crate) struct PlanInvoiceRow {
    pub(crate) plan_id: i64,
    pub(crate) invoice_id: i64,
    pub(crate) tenant_id: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable, Insertable)]
#[diesel(table_name = collection_case_invoices, treat_none_as_default_value = false)]
pub(crate) struct CaseInvoiceRow {
    pub(crate) case_id: i64,
    pub(crate) invoice_id: i64,
    pub(crate) tenant_id: i64,
    pub(crate) currency: String,
    pub(crate) amount_minor: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable, Insertable)]
#[diesel(table_name = events, treat_none_as_default_value = false)]
pub(crate) struct EventRow {
    pub(crate) id: i64,
    pub(crate) tenant_id: i64,
    pub(crate) seq: i64,
    pub(crate) kind: String,
    pub(crate) account_id: Option<i64>,
    pub(crate) invoice_id: Option<i64>,
    pub(crate) payload: String,
    pub(crate) created_at: Instant,
}

#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable, Insertable)]
#[diesel(table_name = idempotency_keys, treat_none_as_default_value = false)]
pub(crate) struct IdempotencyKeyRow {
    pub(crate) tenant_id: i64,
    pub(crate) key: String,
    pub(crate) request_hash: String,
    pub(crate) response_status: i32,
    pub(crate) response_body: String,
    pub(crate) created_at: Instant,
}

#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable, Insertable)]
#[diesel(table_name = reference_rates, treat_none_as_default_value = false)]
pub(crate) struct ReferenceRateRow {
    pub(crate) year: i32,
    pub(crate) half: i32,
    pub(crate) rate: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable, Insertable)]
#[diesel(table_name = webhook_endpoints, treat_none_as_default_value = false)]
pub(crate) struct WebhookEndpointRow {
    pub(crate) id: i64,
    pub(crate) tenant_id: i64,
    pub(crate) url: String,
    pub(crate) description: String,
    pub(crate) event_types: String,
    pub(crate) enabled: bool,
    pub(crate) disabled_reason: Option<String>,
    pub(crate) consecutive_failures: i32,
    pub(crate) last_success_at: Option<Instant>,
    pub(crate) last_failure_at: Option<Instant>,
    pub(crate) created_at: Instant,
    pub(crate) updated_at: Instant,
    pub(crate) deleted_at: Option<Instant>,
}

#[derive(Clone, PartialEq, Eq, Queryable, Selectable, Insertable)]
#[diesel(table_name = webhook_secrets, treat_none_as_default_value = false)]
pub(crate) struct WebhookSecretRow {
    pub(crate) id: i64,
    pub(crate) tenant_id: i64,
    pub(crate) endpoint_id: i64,
    pub(crate) secret: String,
    pub(crate) prefix: String,
    pub(crate) created_at: Instant,
    pub(crate) expires_at: Option<Instant>,
}

impl std::fmt::Debug for WebhookSecretRow {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WebhookSecretRow")
            .field("id", &self.id)
            .field("endpoint_id", &self.endpoint_id)
            .field("prefix", &self.prefix)
            .finish_non_exhaustive()
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable, Insertable)]
#[diesel(table_name = webhook_deliveries, treat_none_as_default_value = false)]
pub(crate) struct WebhookDeliveryRow {
    pub(crate) id: i64,
    pub(crate) tenant_id: i64,
    pub(crate) endpoint_id: i64,
    pub(crate) outbox_id: i64,
    pub(crate) event_seq: i64,
    pub(crate) event_type: String,
    pub(crate) created_at: Instant,
}

#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable, Insertable)]
#[diesel(table_name = webhook_attempts, treat_none_as_default_value = false)]
pub(crate) struct WebhookAttemptRow {
    pub(crate) id: i64,
    pub(crate) tenant_id: i64,
    pub(crate) endpoint_id: i64,
    pub(crate) outbox_id: i64,
    pub(crate) attempted_at: Instant,
    pub(crate) status_code: Option<i32>,
    pub(crate) error: Option<String>,
    pub(crate) duration_ms: i64,
}

#[derive(Clone, PartialEq, Eq, Queryable, Selectable, Insertable)]
#[diesel(table_name = collection_partners, treat_none_as_default_value = false)]
pub(crate) struct CollectionPartnerRow {
    pub(crate) id: i64,
    pub(crate) tenant_id: i64,
    pub(crate) kind: String,
    pub(crate) name: String,
    pub(crate) email: Option<String>,
    pub(crate) phone: Option<String>,
    pub(crate) website: Option<String>,
    pub(crate) url: Option<String>,
    pub(crate) secret: Option<String>,
    pub(crate) created_at: Instant,
    pub(crate) updated_at: Instant,
}

impl std::fmt::Debug for CollectionPartnerRow {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CollectionPartnerRow")
            .field("id", &self.id)
            .field("tenant_id", &self.tenant_id)
            .field("kind", &self.kind)
            .finish_non_exhaustive()
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable, Insertable)]
#[diesel(table_name = collection_case_updates, treat_none_as_default_value = false)]
pub(crate) struct CaseUpdateRow {
    pub(crate) id: i64,
    pub(crate) tenant_id: i64,
    pub(crate) case_id: i64,
    pub(crate) change: String,
    pub(crate) state: String,
    pub(crate) note: Option<String>,
    pub(crate) currency: Option<String>,
    pub(crate) amount_minor: Option<i64>,
    pub(crate) reference: Option<String>,
    pub(crate) token_id: Option<i64>,
    pub(crate) created_at: Instant,
}

#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable, Insertable)]
#[diesel(table_name = self_service_links, treat_none_as_default_value = false)]
pub(crate) struct SelfServiceLinkRow {
    pub(crate) id: i64,
    pub(crate) tenant_id: i64,
    pub(crate) account_id: i64,
    pub(crate) token_hash: String,
    pub(crate) created_at: Instant,
    pub(crate) expires_at: Instant,
    pub(crate) revoked_at: Option<Instant>,
    pub(crate) last_used_at: Option<Instant>,
}

#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable, Insertable)]
#[diesel(table_name = self_service_requests, treat_none_as_default_value = false)]
pub(crate) struct SelfServiceRequestRow {
    pub(crate) id: i64,
    pub(crate) tenant_id: i64,
    pub(crate) account_id: i64,
    pub(crate) link_id: i64,
    pub(crate) kind: String,
    pub(crate) state: String,
    pub(crate) details: String,
    pub(crate) note: Option<String>,
    pub(crate) decided_at: Option<Instant>,
    pub(crate) created_at: Instant,
    pub(crate) updated_at: Instant,
}

#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable, Insertable)]
#[diesel(table_name = daemon_secrets, treat_none_as_default_value = false)]
pub(crate) struct DaemonSecretRow {
    pub(crate) name: String,
    pub(crate) secret: String,
    pub(crate) created_at: Instant,
}
