-- Reverts up.sql. Messages to collection partners are deleted, and case states that the old
-- schema does not know become the nearest old state.

PRAGMA foreign_keys = OFF;
BEGIN IMMEDIATE;

DROP TABLE collection_case_updates;
DROP TABLE collection_partners;
DROP TABLE webhook_attempts;
DROP TABLE webhook_deliveries;
DROP TABLE webhook_secrets;
DROP TABLE webhook_endpoints;

CREATE TABLE outbox_rebuilt (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    tenant_id BIGINT NOT NULL REFERENCES tenants (id),
    kind TEXT NOT NULL CHECK (kind IN ('email', 'webhook')),
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
FROM outbox
WHERE kind <> 'collection';
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
    state TEXT NOT NULL CHECK (state IN ('preparing', 'handed_over', 'returned', 'closed')),
    agency TEXT NOT NULL,
    payload TEXT NOT NULL DEFAULT '{}',
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
INSERT INTO collection_cases_rebuilt (id, tenant_id, account_id, state, agency, payload,
    created_at, updated_at)
SELECT id, tenant_id, account_id,
    CASE state
        WHEN 'acknowledged' THEN 'handed_over'
        WHEN 'paid_to_agency' THEN 'handed_over'
        WHEN 'recalled' THEN 'returned'
        ELSE state
    END,
    agency, payload, created_at, updated_at
FROM collection_cases;
DELETE FROM sqlite_sequence WHERE name = 'collection_cases_rebuilt';
INSERT INTO sqlite_sequence (name, seq)
SELECT 'collection_cases_rebuilt', seq FROM sqlite_sequence WHERE name = 'collection_cases';
DROP TABLE collection_cases;
ALTER TABLE collection_cases_rebuilt RENAME TO collection_cases;
CREATE INDEX collection_cases_account_idx ON collection_cases (account_id);

COMMIT;
PRAGMA foreign_keys = ON;
