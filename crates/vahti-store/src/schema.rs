//! The diesel schema of Vahti's tables, shared by both backends.
//!
//! It mirrors `migrations/postgres` and `migrations/sqlite`; the column types here are the ones
//! both backends understand, with [`UtcInstant`](crate::sql_types::UtcInstant) for instants.

use diesel::{allow_tables_to_appear_in_same_query, joinable, table};

table! {
    use diesel::sql_types::*;
    use crate::sql_types::UtcInstant;

    tenants (id) {
        id -> BigInt,
        name -> Text,
        time_zone -> Text,
        default_locale -> Text,
        creditor -> Text,
        disabled -> Bool,
        created_at -> UtcInstant,
        updated_at -> UtcInstant,
    }
}

table! {
    use diesel::sql_types::*;

    tenant_counters (tenant_id) {
        tenant_id -> BigInt,
        next_event_seq -> BigInt,
        next_reference_base -> BigInt,
    }
}

table! {
    use diesel::sql_types::*;
    use crate::sql_types::UtcInstant;

    api_tokens (id) {
        id -> BigInt,
        tenant_id -> BigInt,
        name -> Text,
        prefix -> Text,
        token_hash -> Text,
        created_at -> UtcInstant,
        revoked_at -> Nullable<UtcInstant>,
        last_used_at -> Nullable<UtcInstant>,
    }
}

table! {
    use diesel::sql_types::*;
    use crate::sql_types::UtcInstant;

    policies (id) {
        id -> BigInt,
        tenant_id -> BigInt,
        key -> Text,
        name -> Text,
        created_at -> UtcInstant,
        updated_at -> UtcInstant,
    }
}

table! {
    use diesel::sql_types::*;
    use crate::sql_types::UtcInstant;

    policy_versions (id) {
        id -> BigInt,
        tenant_id -> BigInt,
        policy_id -> BigInt,
        version -> Integer,
        body -> Text,
        created_at -> UtcInstant,
    }
}

table! {
    use diesel::sql_types::*;
    use crate::sql_types::UtcInstant;

    accounts (id) {
        id -> BigInt,
        tenant_id -> BigInt,
        external_id -> Text,
        name -> Text,
        debtor_type -> Text,
        emails -> Text,
        locale -> Text,
        time_zone -> Nullable<Text>,
        policy_id -> Nullable<BigInt>,
        contact -> Text,
        e_demand_consent_until -> Nullable<Date>,
        paused_until -> Nullable<Date>,
        pause_reason -> Nullable<Text>,
        last_contact_at -> Nullable<UtcInstant>,
        next_action_at -> Nullable<UtcInstant>,
        shard -> Integer,
        version -> BigInt,
        created_at -> UtcInstant,
        updated_at -> UtcInstant,
    }
}

table! {
    use diesel::sql_types::*;
    use crate::sql_types::UtcInstant;

    invoices (id) {
        id -> BigInt,
        tenant_id -> BigInt,
        account_id -> BigInt,
        external_id -> Text,
        kind -> Text,
        number -> Text,
        issue_date -> Date,
        sent_on -> Nullable<Date>,
        due_date -> Nullable<Date>,
        currency -> Text,
        amount_minor -> BigInt,
        reference -> Nullable<Text>,
        reference_invalid -> Bool,
        seller_iban -> Nullable<Text>,
        seller_bic -> Nullable<Text>,
        status -> Text,
        corrects_invoice_id -> Nullable<BigInt>,
        interest_claimed_from -> Nullable<Date>,
        disputed -> Bool,
        paused_until -> Nullable<Date>,
        promised_until -> Nullable<Date>,
        handed_over_at -> Nullable<UtcInstant>,
        written_off_at -> Nullable<UtcInstant>,
        settled_at -> Nullable<UtcInstant>,
        created_at -> UtcInstant,
        updated_at -> UtcInstant,
    }
}

table! {
    use diesel::sql_types::*;
    use crate::sql_types::UtcInstant;

    imports (id) {
        id -> BigInt,
        tenant_id -> BigInt,
        kind -> Text,
        file_sha256 -> Text,
        file_name -> Text,
        summary -> Text,
        created_at -> UtcInstant,
    }
}

table! {
    use diesel::sql_types::*;
    use crate::sql_types::UtcInstant;

    payments (id) {
        id -> BigInt,
        tenant_id -> BigInt,
        account_id -> Nullable<BigInt>,
        invoice_id -> Nullable<BigInt>,
        currency -> Text,
        amount_minor -> BigInt,
        paid_on -> Date,
        booked_on -> Nullable<Date>,
        reference -> Nullable<Text>,
        bank_archive_id -> Nullable<Text>,
        source -> Text,
        import_id -> Nullable<BigInt>,
        payer_name -> Nullable<Text>,
        reversed_at -> Nullable<UtcInstant>,
        created_at -> UtcInstant,
        updated_at -> UtcInstant,
    }
}

table! {
    use diesel::sql_types::*;
    use crate::sql_types::UtcInstant;

    allocations (id) {
        id -> BigInt,
        tenant_id -> BigInt,
        payment_id -> Nullable<BigInt>,
        credit_note_id -> Nullable<BigInt>,
        invoice_id -> BigInt,
        component -> Text,
        currency -> Text,
        amount_minor -> BigInt,
        allocated_on -> Date,
        created_at -> UtcInstant,
    }
}

table! {
    use diesel::sql_types::*;
    use crate::sql_types::UtcInstant;

    outbox (id) {
        id -> BigInt,
        tenant_id -> BigInt,
        kind -> Text,
        account_id -> Nullable<BigInt>,
        message_id -> Text,
        payload -> Text,
        state -> Text,
        attempts -> Integer,
        next_attempt_at -> UtcInstant,
        last_error -> Nullable<Text>,
        claimed_by -> Nullable<Text>,
        claimed_until -> Nullable<UtcInstant>,
        sent_at -> Nullable<UtcInstant>,
        created_at -> UtcInstant,
        updated_at -> UtcInstant,
    }
}

table! {
    use diesel::sql_types::*;
    use crate::sql_types::UtcInstant;

    step_history (id) {
        id -> BigInt,
        tenant_id -> BigInt,
        account_id -> BigInt,
        invoice_id -> BigInt,
        policy_version_id -> BigInt,
        step_index -> Integer,
        step_key -> Text,
        step_kind -> Text,
        due_at -> UtcInstant,
        executed_at -> Nullable<UtcInstant>,
        state -> Text,
        detail -> Nullable<Text>,
        balance_currency -> Text,
        balance_minor -> BigInt,
        outbox_id -> Nullable<BigInt>,
        created_at -> UtcInstant,
        updated_at -> UtcInstant,
    }
}

table! {
    use diesel::sql_types::*;
    use crate::sql_types::UtcInstant;

    fee_claims (id) {
        id -> BigInt,
        tenant_id -> BigInt,
        invoice_id -> BigInt,
        step_id -> Nullable<BigInt>,
        kind -> Text,
        currency -> Text,
        amount_minor -> BigInt,
        charged_on -> Date,
        waived_at -> Nullable<UtcInstant>,
        created_at -> UtcInstant,
    }
}

table! {
    use diesel::sql_types::*;
    use crate::sql_types::UtcInstant;

    interest_claims (id) {
        id -> BigInt,
        tenant_id -> BigInt,
        invoice_id -> BigInt,
        claimed_from -> Date,
        contractual_rate -> Nullable<Text>,
        created_at -> UtcInstant,
    }
}

table! {
    use diesel::sql_types::*;
    use crate::sql_types::UtcInstant;

    pending_actions (id) {
        id -> BigInt,
        tenant_id -> BigInt,
        account_id -> BigInt,
        kind -> Text,
        action -> Text,
        state -> Text,
        edited_currency -> Nullable<Text>,
        edited_amount_minor -> Nullable<BigInt>,
        edited_text -> Nullable<Text>,
        decided_at -> Nullable<UtcInstant>,
        decided_by -> Nullable<Text>,
        created_at -> UtcInstant,
        updated_at -> UtcInstant,
    }
}

table! {
    use diesel::sql_types::*;
    use crate::sql_types::UtcInstant;

    disputes (id) {
        id -> BigInt,
        tenant_id -> BigInt,
        account_id -> BigInt,
        invoice_id -> Nullable<BigInt>,
        reason -> Text,
        opened_at -> UtcInstant,
        resolved_at -> Nullable<UtcInstant>,
        resolution -> Nullable<Text>,
    }
}

table! {
    use diesel::sql_types::*;
    use crate::sql_types::UtcInstant;

    pauses (id) {
        id -> BigInt,
        tenant_id -> BigInt,
        account_id -> BigInt,
        invoice_id -> Nullable<BigInt>,
        paused_until -> Date,
        reason -> Text,
        created_at -> UtcInstant,
        lifted_at -> Nullable<UtcInstant>,
    }
}

table! {
    use diesel::sql_types::*;
    use crate::sql_types::UtcInstant;

    promises (id) {
        id -> BigInt,
        tenant_id -> BigInt,
        account_id -> BigInt,
        invoice_id -> Nullable<BigInt>,
        currency -> Text,
        amount_minor -> BigInt,
        promised_on -> Date,
        state -> Text,
        created_at -> UtcInstant,
        updated_at -> UtcInstant,
    }
}

table! {
    use diesel::sql_types::*;
    use crate::sql_types::UtcInstant;

    payment_plans (id) {
        id -> BigInt,
        tenant_id -> BigInt,
        account_id -> BigInt,
        state -> Text,
        currency -> Text,
        total_minor -> BigInt,
        created_at -> UtcInstant,
        updated_at -> UtcInstant,
    }
}

table! {
    use diesel::sql_types::*;
    use crate::sql_types::UtcInstant;

    payment_plan_instalments (id) {
        id -> BigInt,
        tenant_id -> BigInt,
        plan_id -> BigInt,
        seq -> Integer,
        due_on -> Date,
        currency -> Text,
        amount_minor -> BigInt,
        paid_at -> Nullable<UtcInstant>,
    }
}

table! {
    use diesel::sql_types::*;

    payment_plan_invoices (plan_id, invoice_id) {
        plan_id -> BigInt,
        invoice_id -> BigInt,
        tenant_id -> BigInt,
    }
}

table! {
    use diesel::sql_types::*;
    use crate::sql_types::UtcInstant;

    collection_cases (id) {
        id -> BigInt,
        tenant_id -> BigInt,
        account_id -> BigInt,
        state -> Text,
        agency -> Text,
        payload -> Text,
        created_at -> UtcInstant,
        updated_at -> UtcInstant,
    }
}

table! {
    use diesel::sql_types::*;

    collection_case_invoices (case_id, invoice_id) {
        case_id -> BigInt,
        invoice_id -> BigInt,
        tenant_id -> BigInt,
        currency -> Text,
        amount_minor -> BigInt,
    }
}

table! {
    use diesel::sql_types::*;
    use crate::sql_types::UtcInstant;

    events (id) {
        id -> BigInt,
        tenant_id -> BigInt,
        seq -> BigInt,
        kind -> Text,
        account_id -> Nullable<BigInt>,
        invoice_id -> Nullable<BigInt>,
        payload -> Text,
        created_at -> UtcInstant,
    }
}

table! {
    use diesel::sql_types::*;
    use crate::sql_types::UtcInstant;

    idempotency_keys (tenant_id, key) {
        tenant_id -> BigInt,
        key -> Text,
        request_hash -> Text,
        response_status -> Integer,
        response_body -> Text,
        created_at -> UtcInstant,
    }
}

table! {
    use diesel::sql_types::*;

    reference_rates (year, half) {
        year -> Integer,
        half -> Integer,
        rate -> Text,
    }
}

table! {
    use diesel::sql_types::*;
    use crate::sql_types::UtcInstant;

    webhook_endpoints (id) {
        id -> BigInt,
        tenant_id -> BigInt,
        url -> Text,
        description -> Text,
        event_types -> Text,
        enabled -> Bool,
        disabled_reason -> Nullable<Text>,
        consecutive_failures -> Integer,
        last_success_at -> Nullable<UtcInstant>,
        last_failure_at -> Nullable<UtcInstant>,
        created_at -> UtcInstant,
        updated_at -> UtcInstant,
        deleted_at -> Nullable<UtcInstant>,
    }
}

table! {
    use diesel::sql_types::*;
    use crate::sql_types::UtcInstant;

    webhook_secrets (id) {
        id -> BigInt,
        tenant_id -> BigInt,
        endpoint_id -> BigInt,
        secret -> Text,
        prefix -> Text,
        created_at -> UtcInstant,
        expires_at -> Nullable<UtcInstant>,
    }
}

table! {
    use diesel::sql_types::*;
    use crate::sql_types::UtcInstant;

    webhook_deliveries (id) {
        id -> BigInt,
        tenant_id -> BigInt,
        endpoint_id -> BigInt,
        outbox_id -> BigInt,
        event_seq -> BigInt,
        event_type -> Text,
        created_at -> UtcInstant,
    }
}

table! {
    use diesel::sql_types::*;
    use crate::sql_types::UtcInstant;

    webhook_attempts (id) {
        id -> BigInt,
        tenant_id -> BigInt,
        endpoint_id -> BigInt,
        outbox_id -> BigInt,
        attempted_at -> UtcInstant,
        status_code -> Nullable<Integer>,
        error -> Nullable<Text>,
        duration_ms -> BigInt,
    }
}

table! {
    use diesel::sql_types::*;
    use crate::sql_types::UtcInstant;

    collection_partners (id) {
        id -> BigInt,
        tenant_id -> BigInt,
        kind -> Text,
        name -> Text,
        email -> Nullable<Text>,
        phone -> Nullable<Text>,
        website -> Nullable<Text>,
        url -> Nullable<Text>,
        secret -> Nullable<Text>,
        created_at -> UtcInstant,
        updated_at -> UtcInstant,
    }
}

table! {
    use diesel::sql_types::*;
    use crate::sql_types::UtcInstant;

    collection_case_updates (id) {
        id -> BigInt,
        tenant_id -> BigInt,
        case_id -> BigInt,
        change -> Text,
        state -> Text,
        note -> Nullable<Text>,
        currency -> Nullable<Text>,
        amount_minor -> Nullable<BigInt>,
        reference -> Nullable<Text>,
        token_id -> Nullable<BigInt>,
        created_at -> UtcInstant,
    }
}

table! {
    use diesel::sql_types::*;
    use crate::sql_types::UtcInstant;

    self_service_links (id) {
        id -> BigInt,
        tenant_id -> BigInt,
        account_id -> BigInt,
        token_hash -> Text,
        created_at -> UtcInstant,
        expires_at -> UtcInstant,
        revoked_at -> Nullable<UtcInstant>,
        last_used_at -> Nullable<UtcInstant>,
    }
}

table! {
    use diesel::sql_types::*;
    use crate::sql_types::UtcInstant;

    self_service_requests (id) {
        id -> BigInt,
        tenant_id -> BigInt,
        account_id -> BigInt,
        link_id -> BigInt,
        kind -> Text,
        state -> Text,
        details -> Text,
        note -> Nullable<Text>,
        decided_at -> Nullable<UtcInstant>,
        created_at -> UtcInstant,
        updated_at -> UtcInstant,
    }
}

table! {
    use diesel::sql_types::*;
    use crate::sql_types::UtcInstant;

    daemon_secrets (name) {
        name -> Text,
        secret -> Text,
        created_at -> UtcInstant,
    }
}

joinable!(tenant_counters -> tenants (tenant_id));
joinable!(api_tokens -> tenants (tenant_id));
joinable!(policies -> tenants (tenant_id));
joinable!(policy_versions -> tenants (tenant_id));
joinable!(policy_versions -> policies (policy_id));
joinable!(accounts -> tenants (tenant_id));
joinable!(accounts -> policies (policy_id));
joinable!(invoices -> tenants (tenant_id));
joinable!(invoices -> accounts (account_id));
joinable!(imports -> tenants (tenant_id));
joinable!(payments -> tenants (tenant_id));
joinable!(payments -> accounts (account_id));
joinable!(payments -> invoices (invoice_id));
joinable!(payments -> imports (import_id));
joinable!(allocations -> tenants (tenant_id));
joinable!(allocations -> payments (payment_id));
joinable!(allocations -> invoices (invoice_id));
joinable!(outbox -> tenants (tenant_id));
joinable!(outbox -> accounts (account_id));
joinable!(step_history -> tenants (tenant_id));
joinable!(step_history -> accounts (account_id));
joinable!(step_history -> invoices (invoice_id));
joinable!(step_history -> policy_versions (policy_version_id));
joinable!(step_history -> outbox (outbox_id));
joinable!(fee_claims -> tenants (tenant_id));
joinable!(fee_claims -> invoices (invoice_id));
joinable!(fee_claims -> step_history (step_id));
joinable!(interest_claims -> tenants (tenant_id));
joinable!(interest_claims -> invoices (invoice_id));
joinable!(pending_actions -> tenants (tenant_id));
joinable!(pending_actions -> accounts (account_id));
joinable!(disputes -> tenants (tenant_id));
joinable!(disputes -> accounts (account_id));
joinable!(disputes -> invoices (invoice_id));
joinable!(pauses -> tenants (tenant_id));
joinable!(pauses -> accounts (account_id));
joinable!(pauses -> invoices (invoice_id));
joinable!(promises -> tenants (tenant_id));
joinable!(promises -> accounts (account_id));
joinable!(promises -> invoices (invoice_id));
joinable!(payment_plans -> tenants (tenant_id));
joinable!(payment_plans -> accounts (account_id));
joinable!(payment_plan_instalments -> tenants (tenant_id));
joinable!(payment_plan_instalments -> payment_plans (plan_id));
joinable!(payment_plan_invoices -> payment_plans (plan_id));
joinable!(payment_plan_invoices -> invoices (invoice_id));
joinable!(payment_plan_invoices -> tenants (tenant_id));
joinable!(collection_cases -> tenants (tenant_id));
joinable!(collection_cases -> accounts (account_id));
joinable!(collection_case_invoices -> collection_cases (case_id));
joinable!(collection_case_invoices -> invoices (invoice_id));
joinable!(collection_case_invoices -> tenants (tenant_id));
joinable!(events -> tenants (tenant_id));
joinable!(idempotency_keys -> tenants (tenant_id));
joinable!(webhook_endpoints -> tenants (tenant_id));
joinable!(webhook_secrets -> tenants (tenant_id));
joinable!(webhook_secrets -> webhook_endpoints (endpoint_id));
joinable!(webhook_deliveries -> tenants (tenant_id));
joinable!(webhook_deliveries -> webhook_endpoints (endpoint_id));
joinable!(webhook_deliveries -> outbox (outbox_id));
joinable!(webhook_attempts -> tenants (tenant_id));
joinable!(webhook_attempts -> webhook_endpoints (endpoint_id));
joinable!(webhook_attempts -> outbox (outbox_id));
joinable!(collection_partners -> tenants (tenant_id));
joinable!(collection_case_updates -> tenants (tenant_id));
joinable!(collection_case_updates -> collection_cases (case_id));
joinable!(collection_case_updates -> api_tokens (token_id));
joinable!(self_service_links -> tenants (tenant_id));
joinable!(self_service_links -> accounts (account_id));
joinable!(self_service_requests -> tenants (tenant_id));
joinable!(self_service_requests -> accounts (account_id));
joinable!(self_service_requests -> self_service_links (link_id));

allow_tables_to_appear_in_same_query!(
    tenants,
    tenant_counters,
    api_tokens,
    policies,
    policy_versions,
    accounts,
    invoices,
    imports,
    payments,
    allocations,
    outbox,
    step_history,
    fee_claims,
    interest_claims,
    pending_actions,
    disputes,
    pauses,
    promises,
    payment_plans,
    payment_plan_instalments,
    payment_plan_invoices,
    collection_cases,
    collection_case_invoices,
    events,
    idempotency_keys,
    reference_rates,
    webhook_endpoints,
    webhook_secrets,
    webhook_deliveries,
    webhook_attempts,
    collection_partners,
    collection_case_updates,
    self_service_links,
    self_service_requests,
    daemon_secrets,
);
