-- Vahti's schema on SQLite. The PostgreSQL twin of this file declares the same tables, columns,
-- constraints and indexes with PostgreSQL's types; keep the two in step.
--
-- Conventions: surrogate keys are INTEGER PRIMARY KEY AUTOINCREMENT, so a deleted key is never
-- handed out again; every tenant-owned row carries tenant_id; money is an integer amount of minor
-- units beside its ISO 4217 currency code; instants are UTC text of fixed width,
-- 'YYYY-MM-DDTHH:MM:SS.ffffffZ', so text order is time order; calendar dates are 'YYYY-MM-DD'
-- text; booleans are 0 or 1; JSON documents are TEXT.

CREATE TABLE tenants (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    name TEXT NOT NULL,
    time_zone TEXT NOT NULL DEFAULT 'Europe/Helsinki',
    default_locale TEXT NOT NULL DEFAULT 'fi' CHECK (default_locale IN ('fi', 'sv', 'en')),
    creditor TEXT NOT NULL DEFAULT '{}',
    disabled INTEGER NOT NULL DEFAULT 0 CHECK (disabled IN (0, 1)),
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);

-- One row per tenant. Writers take numbers from it with UPDATE ... RETURNING inside their own
-- transaction, which holds the database's write lock until commit, so the numbers have no gaps.
CREATE TABLE tenant_counters (
    tenant_id BIGINT PRIMARY KEY REFERENCES tenants (id),
    next_event_seq BIGINT NOT NULL DEFAULT 1 CHECK (next_event_seq >= 1),
    next_reference_base BIGINT NOT NULL DEFAULT 100 CHECK (next_reference_base >= 1)
);

CREATE TABLE api_tokens (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    tenant_id BIGINT NOT NULL REFERENCES tenants (id),
    name TEXT NOT NULL,
    prefix TEXT NOT NULL UNIQUE,
    token_hash TEXT NOT NULL,
    created_at TEXT NOT NULL,
    revoked_at TEXT,
    last_used_at TEXT
);
CREATE INDEX api_tokens_tenant_idx ON api_tokens (tenant_id);

CREATE TABLE policies (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    tenant_id BIGINT NOT NULL REFERENCES tenants (id),
    key TEXT NOT NULL,
    name TEXT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    UNIQUE (tenant_id, key)
);

CREATE TABLE policy_versions (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    tenant_id BIGINT NOT NULL REFERENCES tenants (id),
    policy_id BIGINT NOT NULL REFERENCES policies (id),
    version INTEGER NOT NULL CHECK (version >= 1),
    body TEXT NOT NULL,
    created_at TEXT NOT NULL,
    UNIQUE (policy_id, version)
);

CREATE TABLE accounts (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    tenant_id BIGINT NOT NULL REFERENCES tenants (id),
    external_id TEXT NOT NULL,
    name TEXT NOT NULL,
    debtor_type TEXT NOT NULL CHECK (debtor_type IN ('consumer', 'business')),
    emails TEXT NOT NULL DEFAULT '[]',
    locale TEXT NOT NULL CHECK (locale IN ('fi', 'sv', 'en')),
    time_zone TEXT,
    policy_id BIGINT REFERENCES policies (id),
    contact TEXT NOT NULL DEFAULT '{}',
    e_demand_consent_until TEXT,
    paused_until TEXT,
    pause_reason TEXT,
    last_contact_at TEXT,
    next_action_at TEXT,
    shard INTEGER NOT NULL DEFAULT 0 CHECK (shard >= 0),
    version BIGINT NOT NULL DEFAULT 1,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    UNIQUE (tenant_id, external_id)
);
CREATE INDEX accounts_next_action_idx ON accounts (next_action_at, id);
CREATE INDEX accounts_policy_idx ON accounts (policy_id);

CREATE TABLE invoices (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    tenant_id BIGINT NOT NULL REFERENCES tenants (id),
    account_id BIGINT NOT NULL REFERENCES accounts (id),
    external_id TEXT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('invoice', 'credit_note')),
    number TEXT NOT NULL,
    issue_date TEXT NOT NULL,
    sent_on TEXT,
    due_date TEXT,
    currency TEXT NOT NULL,
    amount_minor BIGINT NOT NULL,
    reference TEXT,
    reference_invalid INTEGER NOT NULL DEFAULT 0 CHECK (reference_invalid IN (0, 1)),
    seller_iban TEXT,
    seller_bic TEXT,
    status TEXT NOT NULL CHECK (status IN ('draft', 'issued', 'cancelled')),
    corrects_invoice_id BIGINT REFERENCES invoices (id),
    interest_claimed_from TEXT,
    disputed INTEGER NOT NULL DEFAULT 0 CHECK (disputed IN (0, 1)),
    paused_until TEXT,
    promised_until TEXT,
    handed_over_at TEXT,
    written_off_at TEXT,
    settled_at TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    UNIQUE (tenant_id, external_id)
);
CREATE INDEX invoices_reference_idx ON invoices (tenant_id, reference);
CREATE INDEX invoices_account_idx ON invoices (account_id);
CREATE INDEX invoices_corrects_idx ON invoices (corrects_invoice_id);

CREATE TABLE imports (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    tenant_id BIGINT NOT NULL REFERENCES tenants (id),
    kind TEXT NOT NULL,
    file_sha256 TEXT NOT NULL,
    file_name TEXT NOT NULL,
    summary TEXT NOT NULL DEFAULT '{}',
    created_at TEXT NOT NULL,
    UNIQUE (tenant_id, file_sha256)
);

CREATE TABLE payments (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    tenant_id BIGINT NOT NULL REFERENCES tenants (id),
    account_id BIGINT REFERENCES accounts (id),
    invoice_id BIGINT REFERENCES invoices (id),
    currency TEXT NOT NULL,
    amount_minor BIGINT NOT NULL,
    paid_on TEXT NOT NULL,
    booked_on TEXT,
    reference TEXT,
    bank_archive_id TEXT,
    source TEXT NOT NULL CHECK (source IN ('api', 'camt', 'ktl')),
    import_id BIGINT REFERENCES imports (id),
    payer_name TEXT,
    reversed_at TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
-- NULLs never collide in a unique index, so payments without an archive id are not constrained.
CREATE UNIQUE INDEX payments_archive_id_idx ON payments (tenant_id, bank_archive_id);
CREATE INDEX payments_account_idx ON payments (tenant_id, account_id);
CREATE INDEX payments_invoice_idx ON payments (invoice_id);

CREATE TABLE allocations (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    tenant_id BIGINT NOT NULL REFERENCES tenants (id),
    payment_id BIGINT REFERENCES payments (id),
    credit_note_id BIGINT REFERENCES invoices (id),
    invoice_id BIGINT NOT NULL REFERENCES invoices (id),
    component TEXT NOT NULL CHECK (component IN ('principal', 'interest', 'costs')),
    currency TEXT NOT NULL,
    amount_minor BIGINT NOT NULL,
    allocated_on TEXT NOT NULL,
    created_at TEXT NOT NULL
);
CREATE INDEX allocations_invoice_idx ON allocations (invoice_id);
CREATE INDEX allocations_payment_idx ON allocations (payment_id);

CREATE TABLE outbox (
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
CREATE INDEX outbox_due_idx ON outbox (state, next_attempt_at);
CREATE INDEX outbox_lease_idx ON outbox (state, claimed_until);

CREATE TABLE step_history (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    tenant_id BIGINT NOT NULL REFERENCES tenants (id),
    account_id BIGINT NOT NULL REFERENCES accounts (id),
    invoice_id BIGINT NOT NULL REFERENCES invoices (id),
    policy_version_id BIGINT NOT NULL REFERENCES policy_versions (id),
    step_index INTEGER NOT NULL CHECK (step_index >= 0),
    step_key TEXT NOT NULL,
    step_kind TEXT NOT NULL,
    due_at TEXT NOT NULL,
    executed_at TEXT,
    state TEXT NOT NULL CHECK (state IN ('pending_approval', 'queued', 'sent', 'skipped', 'failed')),
    detail TEXT,
    balance_currency TEXT NOT NULL,
    balance_minor BIGINT NOT NULL,
    outbox_id BIGINT REFERENCES outbox (id),
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    -- A step is executed at most once per invoice, however many workers try.
    UNIQUE (invoice_id, step_key)
);
CREATE INDEX step_history_account_idx ON step_history (account_id);

CREATE TABLE fee_claims (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    tenant_id BIGINT NOT NULL REFERENCES tenants (id),
    invoice_id BIGINT NOT NULL REFERENCES invoices (id),
    step_id BIGINT REFERENCES step_history (id),
    kind TEXT NOT NULL CHECK (kind IN ('reminder_fee', 'standard_compensation')),
    currency TEXT NOT NULL,
    amount_minor BIGINT NOT NULL,
    charged_on TEXT NOT NULL,
    waived_at TEXT,
    created_at TEXT NOT NULL
);
CREATE INDEX fee_claims_invoice_idx ON fee_claims (invoice_id);

CREATE TABLE interest_claims (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    tenant_id BIGINT NOT NULL REFERENCES tenants (id),
    invoice_id BIGINT NOT NULL REFERENCES invoices (id),
    claimed_from TEXT NOT NULL,
    contractual_rate TEXT,
    created_at TEXT NOT NULL
);
CREATE INDEX interest_claims_invoice_idx ON interest_claims (invoice_id);

CREATE TABLE pending_actions (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    tenant_id BIGINT NOT NULL REFERENCES tenants (id),
    account_id BIGINT NOT NULL REFERENCES accounts (id),
    kind TEXT NOT NULL CHECK (kind IN ('message', 'letter', 'task')),
    action TEXT NOT NULL,
    state TEXT NOT NULL CHECK (state IN ('pending', 'approved', 'skipped')),
    edited_currency TEXT,
    edited_amount_minor BIGINT,
    edited_text TEXT,
    decided_at TEXT,
    decided_by TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX pending_actions_state_idx ON pending_actions (tenant_id, state, id);
CREATE INDEX pending_actions_account_idx ON pending_actions (account_id);

CREATE TABLE disputes (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    tenant_id BIGINT NOT NULL REFERENCES tenants (id),
    account_id BIGINT NOT NULL REFERENCES accounts (id),
    invoice_id BIGINT REFERENCES invoices (id),
    reason TEXT NOT NULL,
    opened_at TEXT NOT NULL,
    resolved_at TEXT,
    resolution TEXT
);
CREATE INDEX disputes_account_idx ON disputes (account_id);

CREATE TABLE pauses (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    tenant_id BIGINT NOT NULL REFERENCES tenants (id),
    account_id BIGINT NOT NULL REFERENCES accounts (id),
    invoice_id BIGINT REFERENCES invoices (id),
    paused_until TEXT NOT NULL,
    reason TEXT NOT NULL,
    created_at TEXT NOT NULL,
    lifted_at TEXT
);
CREATE INDEX pauses_account_idx ON pauses (account_id);

CREATE TABLE promises (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    tenant_id BIGINT NOT NULL REFERENCES tenants (id),
    account_id BIGINT NOT NULL REFERENCES accounts (id),
    invoice_id BIGINT REFERENCES invoices (id),
    currency TEXT NOT NULL,
    amount_minor BIGINT NOT NULL,
    promised_on TEXT NOT NULL,
    state TEXT NOT NULL CHECK (state IN ('open', 'kept', 'broken', 'cancelled')),
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX promises_account_idx ON promises (account_id);

CREATE TABLE payment_plans (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    tenant_id BIGINT NOT NULL REFERENCES tenants (id),
    account_id BIGINT NOT NULL REFERENCES accounts (id),
    state TEXT NOT NULL CHECK (state IN ('proposed', 'active', 'completed', 'broken', 'cancelled')),
    currency TEXT NOT NULL,
    total_minor BIGINT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX payment_plans_account_idx ON payment_plans (account_id);

CREATE TABLE payment_plan_instalments (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    tenant_id BIGINT NOT NULL REFERENCES tenants (id),
    plan_id BIGINT NOT NULL REFERENCES payment_plans (id),
    seq INTEGER NOT NULL CHECK (seq >= 1),
    due_on TEXT NOT NULL,
    currency TEXT NOT NULL,
    amount_minor BIGINT NOT NULL,
    paid_at TEXT,
    UNIQUE (plan_id, seq)
);

CREATE TABLE collection_cases (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    tenant_id BIGINT NOT NULL REFERENCES tenants (id),
    account_id BIGINT NOT NULL REFERENCES accounts (id),
    state TEXT NOT NULL CHECK (state IN ('preparing', 'handed_over', 'returned', 'closed')),
    agency TEXT NOT NULL,
    payload TEXT NOT NULL DEFAULT '{}',
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX collection_cases_account_idx ON collection_cases (account_id);

CREATE TABLE collection_case_invoices (
    case_id BIGINT NOT NULL REFERENCES collection_cases (id),
    invoice_id BIGINT NOT NULL REFERENCES invoices (id),
    tenant_id BIGINT NOT NULL REFERENCES tenants (id),
    currency TEXT NOT NULL,
    amount_minor BIGINT NOT NULL,
    PRIMARY KEY (case_id, invoice_id)
);
CREATE INDEX collection_case_invoices_invoice_idx ON collection_case_invoices (invoice_id);

-- Append-only audit log. seq comes from tenant_counters in the writing transaction.
CREATE TABLE events (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    tenant_id BIGINT NOT NULL REFERENCES tenants (id),
    seq BIGINT NOT NULL CHECK (seq >= 1),
    kind TEXT NOT NULL,
    account_id BIGINT,
    invoice_id BIGINT,
    payload TEXT NOT NULL,
    created_at TEXT NOT NULL,
    UNIQUE (tenant_id, seq)
);

CREATE TABLE idempotency_keys (
    tenant_id BIGINT NOT NULL REFERENCES tenants (id),
    key TEXT NOT NULL,
    request_hash TEXT NOT NULL,
    response_status INTEGER NOT NULL,
    response_body TEXT NOT NULL,
    created_at TEXT NOT NULL,
    PRIMARY KEY (tenant_id, key)
);
CREATE INDEX idempotency_keys_created_idx ON idempotency_keys (created_at);

CREATE TABLE reference_rates (
    year INTEGER NOT NULL,
    half INTEGER NOT NULL CHECK (half IN (1, 2)),
    rate TEXT NOT NULL,
    PRIMARY KEY (year, half)
);
