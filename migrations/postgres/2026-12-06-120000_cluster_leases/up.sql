-- Several daemons on one database split the accounts between them by shard: a daemon runs the
-- scheduler only for the shards it holds a lease on. Every time in these tables is the database
-- server's clock (now()), so the daemons' own clocks never decide who holds a lease. The SQLite
-- twin of this file declares the same tables, which SQLite never writes: it serves one daemon.

-- One row per daemon that takes part, renewed with every heartbeat. A row whose expires_at has
-- passed belongs to a daemon that stopped or lost the database. session is random per process,
-- so that a second process with the same node_id cannot renew the first one's row.
CREATE TABLE cluster_nodes (
    node_id TEXT PRIMARY KEY,
    session TEXT NOT NULL,
    started_at TIMESTAMPTZ NOT NULL,
    heartbeat_at TIMESTAMPTZ NOT NULL,
    expires_at TIMESTAMPTZ NOT NULL
);

-- One row per shard. holder and expires_at are set together while a daemon holds the lease and
-- are both NULL after it released it; a lease whose expires_at has passed is free as well. epoch
-- counts the acquisitions of the shard and is the fencing token of the holder.
CREATE TABLE shard_leases (
    shard INTEGER PRIMARY KEY CHECK (shard >= 0),
    holder TEXT,
    expires_at TIMESTAMPTZ,
    epoch BIGINT NOT NULL DEFAULT 0 CHECK (epoch >= 0),
    acquired_at TIMESTAMPTZ,
    CHECK ((holder IS NULL) = (expires_at IS NULL))
);
