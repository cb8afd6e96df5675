-- Webhook endpoints and their deliveries, collection partners, and the agency's view of a
-- collection case. The SQLite twin of this file makes the same changes; keep the two in step.

ALTER TABLE outbox DROP CONSTRAINT outbox_kind_check;
ALTER TABLE outbox ADD CONSTRAINT outbox_kind_check
    CHECK (kind IN ('email', 'webhook', 'collection'));

ALTER TABLE collection_cases DROP CONSTRAINT collection_cases_state_check;
ALTER TABLE collection_cases ADD CONSTRAINT collection_cases_state_check
    CHECK (state IN ('preparing', 'handed_over', 'acknowledged', 'paid_to_agency', 'returned',
        'closed', 'recalled'));
CREATE INDEX collection_cases_tenant_idx ON collection_cases (tenant_id, id);

-- An integrator's HTTPS endpoint that receives events. event_types is a JSON array of event
-- type names, or ["*"] for every type. A deleted endpoint keeps its row for the delivery log.
CREATE TABLE webhook_endpoints (
    id BIGSERIAL PRIMARY KEY,
    tenant_id BIGINT NOT NULL REFERENCES tenants (id),
    url TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    event_types TEXT NOT NULL,
    enabled BOOLEAN NOT NULL DEFAULT TRUE,
    disabled_reason TEXT,
    consecutive_failures INTEGER NOT NULL DEFAULT 0 CHECK (consecutive_failures >= 0),
    last_success_at TIMESTAMPTZ,
    last_failure_at TIMESTAMPTZ,
    created_at TIMESTAMPTZ NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL,
    deleted_at TIMESTAMPTZ
);
CREATE INDEX webhook_endpoints_tenant_idx ON webhook_endpoints (tenant_id, id);

-- Signing secrets. They are kept readable because the daemon signs with them; an expired
-- secret is deleted at the next rotation.
CREATE TABLE webhook_secrets (
    id BIGSERIAL PRIMARY KEY,
    tenant_id BIGINT NOT NULL REFERENCES tenants (id),
    endpoint_id BIGINT NOT NULL REFERENCES webhook_endpoints (id),
    secret TEXT NOT NULL,
    prefix TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    expires_at TIMESTAMPTZ
);
CREATE INDEX webhook_secrets_endpoint_idx ON webhook_secrets (endpoint_id);

-- One row per webhook outbox row: which endpoint and event it delivers.
CREATE TABLE webhook_deliveries (
    id BIGSERIAL PRIMARY KEY,
    tenant_id BIGINT NOT NULL REFERENCES tenants (id),
    endpoint_id BIGINT NOT NULL REFERENCES webhook_endpoints (id),
    outbox_id BIGINT NOT NULL UNIQUE REFERENCES outbox (id),
    event_seq BIGINT NOT NULL CHECK (event_seq >= 1),
    event_type TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX webhook_deliveries_endpoint_idx ON webhook_deliveries (endpoint_id, outbox_id);

-- Every attempt to deliver a webhook: the HTTP status, or the error when there was none.
CREATE TABLE webhook_attempts (
    id BIGSERIAL PRIMARY KEY,
    tenant_id BIGINT NOT NULL REFERENCES tenants (id),
    endpoint_id BIGINT NOT NULL REFERENCES webhook_endpoints (id),
    outbox_id BIGINT NOT NULL REFERENCES outbox (id),
    attempted_at TIMESTAMPTZ NOT NULL,
    status_code INTEGER,
    error TEXT,
    duration_ms BIGINT NOT NULL CHECK (duration_ms >= 0)
);
CREATE INDEX webhook_attempts_outbox_idx ON webhook_attempts (outbox_id);

-- The collection agency of a tenant and how cases reach it: an HTTP API or files.
CREATE TABLE collection_partners (
    id BIGSERIAL PRIMARY KEY,
    tenant_id BIGINT NOT NULL UNIQUE REFERENCES tenants (id),
    kind TEXT NOT NULL CHECK (kind IN ('http', 'file')),
    name TEXT NOT NULL,
    email TEXT,
    phone TEXT,
    website TEXT,
    url TEXT,
    secret TEXT,
    created_at TIMESTAMPTZ NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL,
    CHECK (kind <> 'http' OR (url IS NOT NULL AND secret IS NOT NULL))
);

-- The history of a collection case: deliveries, state changes reported by the agency,
-- forwarded payments and credit notes, and recalls.
CREATE TABLE collection_case_updates (
    id BIGSERIAL PRIMARY KEY,
    tenant_id BIGINT NOT NULL REFERENCES tenants (id),
    case_id BIGINT NOT NULL REFERENCES collection_cases (id),
    change TEXT NOT NULL CHECK (change IN ('created', 'delivered', 'delivery_failed',
        'state_changed', 'payment_forwarded', 'credit_note_forwarded', 'recalled')),
    state TEXT NOT NULL,
    note TEXT,
    currency TEXT,
    amount_minor BIGINT,
    reference TEXT,
    token_id BIGINT REFERENCES api_tokens (id),
    created_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX collection_case_updates_case_idx ON collection_case_updates (case_id, id);
