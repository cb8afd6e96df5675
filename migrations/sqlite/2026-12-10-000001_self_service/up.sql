-- The debtor's self-service page: the personal links sent in messages, the requests made through
-- them, and the secrets of the daemons that serve the page. The PostgreSQL twin of this file
-- declares the same tables.

-- Only the SHA-256 hash of a link's token is stored; the token itself is only in the message.
CREATE TABLE self_service_links (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    tenant_id BIGINT NOT NULL REFERENCES tenants (id),
    account_id BIGINT NOT NULL REFERENCES accounts (id),
    token_hash TEXT NOT NULL UNIQUE,
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL,
    revoked_at TEXT,
    last_used_at TEXT
);
CREATE INDEX self_service_links_account_idx ON self_service_links (account_id);

-- details is a JSON object whose fields depend on the kind.
CREATE TABLE self_service_requests (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    tenant_id BIGINT NOT NULL REFERENCES tenants (id),
    account_id BIGINT NOT NULL REFERENCES accounts (id),
    link_id BIGINT NOT NULL REFERENCES self_service_links (id),
    kind TEXT NOT NULL CHECK (kind IN ('dispute', 'promise', 'payment_plan', 'extension', 'email_change')),
    state TEXT NOT NULL CHECK (state IN ('applied', 'pending', 'approved', 'rejected')),
    details TEXT NOT NULL,
    note TEXT,
    decided_at TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX self_service_requests_state_idx ON self_service_requests (tenant_id, state, id);
CREATE INDEX self_service_requests_account_idx ON self_service_requests (account_id);

-- Random keys shared by every daemon on this database, such as the key of the page's form tokens.
CREATE TABLE daemon_secrets (
    name TEXT PRIMARY KEY,
    secret TEXT NOT NULL,
    created_at TEXT NOT NULL
);
