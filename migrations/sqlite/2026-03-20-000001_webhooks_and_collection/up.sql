-- Webhook endpoints and their deliveries, collection partners, and the agency's view of a
-- collection case. The PostgreSQL twin of this file makes the same changes; keep the two in step.
--
-- The outbox gets the kind 'collection' (messages to a collection partner) and collection cases
-- get the states the agency reports. SQLite cannot alter a CHECK constraint, so both tables are
-- rebuilt with the procedure of the SQLite manual ("Making Other Kinds Of Table Schema Changes"):
-- foreign keys off, copy into a new table, drop the old one, rename the new one. Rows, keys and
-- the AUTOINCREMENT counters are kept.

PRAGMA foreign_keys = OFF;
BEGIN IMMEDIATE;

CREATE TABLE outbox_rebuilt (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    tenant_id BIGINT NOT NULL REFERENCES tenants (id),
    kind TEXT NOT NULL CHECK (kind IN ('email', 'webhook', 'collection')),
    account_id BIGINT REFERENCES accounts (id),
    message_id TEXT NOT NULL,
    payload TEXT NOT NULL,
    state TEXT NOT NULL CHECK (state IN ('pending', 'sending', 'sent', 'failed', 'cancelled')),
    attempts INTEGER NOT NULL DEFAULT 0 CHECK (attempts >= 0),
    next_attempt_at TEXT NOT NULL,
    last_error TEXT,
    claimed_by TEXT,
    claimed_until TEXT,
    sent_at TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    UNIQUE (tenant_id, message_id)
);
INSERT INTO outbox_rebuilt (id, tenant_id, kind, account_id, message_id, payload, state, attempts,
    next_attempt_at, last_error, claimed_by, claimed_until, sent_at, created_at, updated_at)
SELECT id, tenant_id, kind, account_id, message_id, payload, state, attempts, next_attempt_at,
    last_error, claimed_by, claimed_until, sent_at, created_at, updated_at
FROM outbox;
-- Keep the highest key ever handed out, even when its row was deleted.
DELETE FROM sqlite_sequence WHERE name = 'outbox_rebuilt';
INSERT INTO sqlite_sequence (name, seq)
SELECT 'outbox_rebuilt', seq FROM sqlite_sequence WHERE name = 'outbox';
DROP TABLE outbox;
ALTER TABLE outbox_rebuilt RENAME TO outbox;
CREATE INDEX outbox_due_idx ON outbox (state, next_attempt_at);
CREATE INDEX outbox_lease_idx ON outbox (state, claimed_until);

CREATE TABLE collection_cases_rebuilt (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    tenant_id BIGINT NOT NULL REFERENCES tenants (id),
    account_id BIGINT NOT NULL REFERENCES accounts (id),
    state TEXT NOT NULL CHECK (state IN ('preparing', 'handed_over', 'acknowledged',
        'paid_to_agency', 'returned', 'closed', 'recalled')),
    agency TEXT NOT NULL,
    payload TEXT NOT NULL DEFAULT '{}',
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
INSERT INTO collection_cases_rebuilt (id, tenant_id, account_id, state, agency, payload,
    created_at, updated_at)
SELECT id, tenant_id, account_id, state, agency, payload, created_at, updated_at
FROM collection_cases;
DELETE FROM sqlite_sequence WHERE name = 'collection_cases_rebuilt';
INSERT INTO sqlite_sequence (name, seq)
SELECT 'collection_cases_rebuilt', seq FROM sqlite_sequence WHERE name = 'collection_cases';
DROP TABLE collection_cases;
ALTER TABLE collection_cases_rebuilt RENAME TO collection_cases;
CREATE INDEX collection_cases_account_idx ON collection_cases (account_id);
CREATE INDEX collection_cases_tenant_idx ON collection_cases (tenant_id, id);

-- An integrator's HTTPS endpoint that receives events. event_types is a JSON array of event
-- type names, or ["*"] for every type. A deleted endpoint keeps its row for the delivery log.
CREATE TABLE webhook_endpoints (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    tenant_id BIGINT NOT NULL REFERENCES tenants (id),
    url TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    event_types TEXT NOT NULL,
    enabled INTEGER NOT NULL DEFAULT 1 CHECK (enabled IN (0, 1)),
    disabled_reason TEXT,
    consecutive_failures INTEGER NOT NULL DEFAULT 0 CHECK (consecutive_failures >= 0),
    last_success_at TEXT,
    last_failure_at TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    deleted_at TEXT
);
CREATE INDEX webhook_endpoints_tenant_idx ON webhook_endpoints (tenant_id, id);

-- Signing secrets. They are kept readable because the daemon signs with them; an expired
-- secret is deleted at the next rotation.
CREATE TABLE webhook_secrets (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    tenant_id BIGINT NOT NULL REFERENCES tenants (id),
    endpoint_id BIGINT NOT NULL REFERENCES webhook_endpoints (id),
    secret TEXT NOT NULL,
    prefix TEXT NOT NULL,
    created_at TEXT NOT NULL,
    expires_at TEXT
);
CREATE INDEX webhook_secrets_endpoint_idx ON webhook_secrets (endpoint_id);

-- One row per webhook outbox row: which endpoint and event it delivers.
CREATE TABLE webhook_deliveries (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    tenant_id BIGINT NOT NULL REFERENCES tenants (id),
    endpoint_id BIGINT NOT NULL REFERENCES webhook_endpoints (id),
    outbox_id BIGINT NOT NULL UNIQUE REFERENCES outbox (id),
    event_seq BIGINT NOT NULL CHECK (event_seq >= 1),
    event_type TEXT NOT NULL,
    created_at TEXT NOT NULL
);
CREATE INDEX webhook_deliveries_endpoint_idx ON webhook_deliveries (endpoint_id, outbox_id);

-- Every attempt to deliver a webhook: the HTTP status, or the error when there was none.
CREATE TABLE webhook_attempts (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    tenant_id BIGINT NOT NULL REFERENCES tenants (id),
    endpoint_id BIGINT NOT NULL REFERENCES webhook_endpoints (id),
    outbox_id BIGINT NOT NULL REFERENCES outbox (id),
    attempted_at TEXT NOT NULL,
    status_code INTEGER,
    error TEXT,
    duration_ms BIGINT NOT NULL CHECK (duration_ms >= 0)
);
CREATE INDEX webhook_attempts_outbox_idx ON webhook_attempts (outbox_id);

-- The collection agency of a tenant and how cases reach it: an HTTP API or files.
CREATE TABLE collection_partners (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    tenant_id BIGINT NOT NULL UNIQUE REFERENCES tenants (id),
    kind TEXT NOT NULL CHECK (kind IN ('http', 'file')),
    name TEXT NOT NULL,
    email TEXT,
    phone TEXT,
    website TEXT,
    url TEXT,
    secret TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    CHECK (kind <> 'http' OR (url IS NOT NULL AND secret IS NOT NULL))
);

-- The history of a collection case: deliveries, state changes reported by the agency,
-- forwarded payments and credit notes, and recalls.
CREATE TABLE collection_case_updates (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
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
    created_at TEXT NOT NULL
);
CREATE INDEX collection_case_updates_case_idx ON collection_case_updates (case_id, id);

COMMIT;
PRAGMA foreign_keys = ON;
