-- The daemons of a cluster and their shard leases. Only PostgreSQL serves several daemons, so
-- SQLite never writes these tables; they exist so that both backends keep one schema. The
-- PostgreSQL twin of this file explains the columns.

CREATE TABLE cluster_nodes (
    node_id TEXT PRIMARY KEY,
    session TEXT NOT NULL,
    started_at TEXT NOT NULL,
    heartbeat_at TEXT NOT NULL,
    expires_at TEXT NOT NULL
);

CREATE TABLE shard_leases (
    shard INTEGER PRIMARY KEY CHECK (shard >= 0),
    holder TEXT,
    expires_at TEXT,
    epoch BIGINT NOT NULL DEFAULT 0 CHECK (epoch >= 0),
    acquired_at TEXT,
    CHECK ((holder IS NULL) = (expires_at IS NULL))
);
