//! The embedded SQLite schema, as numbered migrations applied in order and recorded in
//! `PRAGMA user_version`. The audit trail lives in its own file so that appending to it never
//! holds the data file's write lock (DESIGN.md, "Measured on this machine").

/// Migrations of the data file (`custos.db`).
pub const DATA: &[&str] = &[
    r#"
CREATE TABLE tenants (
    id BLOB PRIMARY KEY,
    slug TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    catalog TEXT NOT NULL,
    wrapped_kek BLOB NOT NULL,
    wrapped_index_key BLOB NOT NULL,
    kek_version INTEGER NOT NULL,
    master_key_id TEXT NOT NULL,
    next_number INTEGER NOT NULL DEFAULT 1,
    created_at INTEGER NOT NULL
);
CREATE TABLE users (
    id BLOB PRIMARY KEY,
    tenant_id BLOB NOT NULL REFERENCES tenants(id),
    username TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    role TEXT NOT NULL,
    disabled INTEGER NOT NULL DEFAULT 0,
    created_at INTEGER NOT NULL,
    UNIQUE (tenant_id, username)
);
CREATE TABLE tokens (
    id BLOB PRIMARY KEY,
    tenant_id BLOB NOT NULL REFERENCES tenants(id),
    user_id BLOB NOT NULL REFERENCES users(id),
    name TEXT NOT NULL,
    kind TEXT NOT NULL,
    role TEXT NOT NULL,
    hash BLOB NOT NULL UNIQUE,
    expires_at INTEGER,
    revoked INTEGER NOT NULL DEFAULT 0,
    created_at INTEGER NOT NULL
);
CREATE TABLE customers (
    id BLOB PRIMARY KEY,
    tenant_id BLOB NOT NULL REFERENCES tenants(id),
    number INTEGER NOT NULL,
    kek_version INTEGER NOT NULL,
    wrapped_dek BLOB NOT NULL,
    sealed BLOB NOT NULL,
    version INTEGER NOT NULL,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    UNIQUE (tenant_id, number)
);
CREATE INDEX customers_tenant_id ON customers(tenant_id, id);
CREATE TABLE blind_index (
    tenant_id BLOB NOT NULL,
    kind INTEGER NOT NULL,
    hash BLOB NOT NULL,
    customer_id BLOB NOT NULL REFERENCES customers(id) ON DELETE CASCADE,
    PRIMARY KEY (tenant_id, kind, hash, customer_id)
) WITHOUT ROWID;
CREATE INDEX blind_index_customer ON blind_index(customer_id);
CREATE TABLE records (
    id BLOB PRIMARY KEY,
    tenant_id BLOB NOT NULL REFERENCES tenants(id),
    customer_id BLOB NOT NULL REFERENCES customers(id) ON DELETE CASCADE,
    type TEXT NOT NULL,
    category TEXT NOT NULL,
    occurred_at INTEGER NOT NULL,
    sealed BLOB NOT NULL,
    created_at INTEGER NOT NULL
);
CREATE INDEX records_customer ON records(customer_id, id);
CREATE TABLE idempotency (
    tenant_id BLOB NOT NULL,
    scope TEXT NOT NULL,
    key TEXT NOT NULL,
    fingerprint BLOB NOT NULL,
    resource_id BLOB NOT NULL,
    customer_id BLOB,
    created_at INTEGER NOT NULL,
    PRIMARY KEY (tenant_id, scope, key)
) WITHOUT ROWID;
CREATE INDEX idempotency_customer ON idempotency(customer_id);
CREATE TABLE tombstones (
    customer_id BLOB PRIMARY KEY,
    tenant_id BLOB NOT NULL,
    erased_at INTEGER NOT NULL
);
CREATE TABLE audit_outbox (
    n INTEGER PRIMARY KEY,
    id BLOB NOT NULL UNIQUE,
    body BLOB NOT NULL
);
"#,
    r#"
ALTER TABLE users ADD COLUMN must_change_password INTEGER NOT NULL DEFAULT 0;
CREATE TABLE throttle (
    key TEXT PRIMARY KEY,
    failures INTEGER NOT NULL,
    last_failure INTEGER NOT NULL
) WITHOUT ROWID;
"#,
    r#"
ALTER TABLE users ADD COLUMN mfa_secret BLOB;
ALTER TABLE users ADD COLUMN mfa_enabled INTEGER NOT NULL DEFAULT 0;
ALTER TABLE users ADD COLUMN mfa_last_step INTEGER NOT NULL DEFAULT 0;
ALTER TABLE tenants ADD COLUMN require_mfa INTEGER NOT NULL DEFAULT 0;
CREATE TABLE recovery_codes (
    user_id BLOB NOT NULL REFERENCES users(id),
    hash BLOB NOT NULL,
    used_at INTEGER,
    PRIMARY KEY (user_id, hash)
) WITHOUT ROWID;
"#,
    r#"
ALTER TABLE tokens ADD COLUMN device_id BLOB;
ALTER TABLE tokens ADD COLUMN last_seen_at INTEGER;
CREATE INDEX tokens_user ON tokens(user_id);
CREATE TABLE devices (
    id BLOB PRIMARY KEY,
    tenant_id BLOB NOT NULL REFERENCES tenants(id),
    name TEXT NOT NULL,
    pairing_hash BLOB UNIQUE,
    pairing_expires_at INTEGER,
    created_by BLOB NOT NULL REFERENCES users(id),
    created_at INTEGER NOT NULL,
    paired_at INTEGER,
    revoked INTEGER NOT NULL DEFAULT 0,
    UNIQUE (tenant_id, name)
);
"#,
    r#"
CREATE TABLE roles (
    tenant_id BLOB NOT NULL REFERENCES tenants(id),
    name TEXT NOT NULL,
    definition TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    PRIMARY KEY (tenant_id, name)
) WITHOUT ROWID;
"#,
    r#"
CREATE TABLE alerts (
    id BLOB PRIMARY KEY,
    tenant_id BLOB NOT NULL REFERENCES tenants(id),
    kind TEXT NOT NULL,
    severity TEXT NOT NULL,
    message TEXT NOT NULL,
    evidence TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    acknowledged_at INTEGER,
    acknowledged_by BLOB
);
CREATE INDEX alerts_tenant ON alerts(tenant_id, id);
CREATE TABLE break_glass (
    id BLOB PRIMARY KEY,
    tenant_id BLOB NOT NULL REFERENCES tenants(id),
    user_id BLOB NOT NULL REFERENCES users(id),
    role TEXT NOT NULL,
    reason TEXT NOT NULL,
    granted_by BLOB NOT NULL,
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    ended INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX break_glass_user ON break_glass(user_id, expires_at);
"#,
    r#"
ALTER TABLE alerts ADD COLUMN dedup_key TEXT;
CREATE UNIQUE INDEX alerts_dedup ON alerts(dedup_key);
"#,
    r#"
CREATE TABLE scanner_state (
    name TEXT PRIMARY KEY,
    position INTEGER NOT NULL
) WITHOUT ROWID;
"#,
    r#"
ALTER TABLE tenants ADD COLUMN settings TEXT;
ALTER TABLE tenants ADD COLUMN sealed_contacts BLOB;
"#,
    r#"
CREATE TABLE incidents (
    id BLOB PRIMARY KEY,
    tenant_id BLOB NOT NULL REFERENCES tenants(id),
    created_at INTEGER NOT NULL,
    created_by BLOB NOT NULL,
    aware_at INTEGER NOT NULL,
    risk TEXT NOT NULL,
    scope TEXT,
    alert_ids TEXT NOT NULL,
    sealed BLOB NOT NULL,
    authority_notified_at INTEGER,
    customers_notified_at INTEGER,
    closed_at INTEGER,
    updated_at INTEGER NOT NULL
);
CREATE INDEX incidents_tenant ON incidents(tenant_id, id);
CREATE TABLE incident_notes (
    id BLOB PRIMARY KEY,
    incident_id BLOB NOT NULL REFERENCES incidents(id),
    tenant_id BLOB NOT NULL,
    at INTEGER NOT NULL,
    by BLOB NOT NULL,
    kind TEXT NOT NULL,
    sealed BLOB NOT NULL
);
CREATE INDEX incident_notes_incident ON incident_notes(incident_id, id);
"#,
    r#"
CREATE TABLE deliveries (
    id BLOB PRIMARY KEY,
    tenant_id BLOB NOT NULL REFERENCES tenants(id),
    channel TEXT NOT NULL,
    topic TEXT NOT NULL,
    sealed BLOB NOT NULL,
    created_at INTEGER NOT NULL,
    attempts INTEGER NOT NULL,
    next_at INTEGER NOT NULL,
    status TEXT NOT NULL,
    last_error TEXT,
    done_at INTEGER
);
CREATE INDEX deliveries_due ON deliveries(status, next_at);
CREATE INDEX deliveries_topic ON deliveries(tenant_id, topic);
"#,
    r#"
CREATE TABLE consents (
    id BLOB PRIMARY KEY,
    tenant_id BLOB NOT NULL REFERENCES tenants(id),
    customer_id BLOB NOT NULL,
    purpose TEXT NOT NULL,
    channel TEXT,
    state TEXT NOT NULL,
    method TEXT NOT NULL,
    text_version INTEGER,
    lang TEXT,
    at INTEGER NOT NULL,
    actor_kind TEXT NOT NULL,
    actor_id BLOB,
    evidence TEXT NOT NULL,
    expires_at INTEGER
);
CREATE INDEX consents_customer ON consents(customer_id, id);
CREATE INDEX consents_purpose ON consents(tenant_id, purpose, channel);
CREATE TABLE restrictions (
    customer_id BLOB PRIMARY KEY,
    tenant_id BLOB NOT NULL,
    reason TEXT NOT NULL,
    since INTEGER NOT NULL
) WITHOUT ROWID;
"#,
    r#"
CREATE TABLE data_requests (
    id BLOB PRIMARY KEY,
    tenant_id BLOB NOT NULL REFERENCES tenants(id),
    customer_id BLOB NOT NULL,
    kind TEXT NOT NULL,
    received_at INTEGER NOT NULL,
    due_at INTEGER NOT NULL,
    extended_months INTEGER NOT NULL,
    identity_check TEXT NOT NULL,
    state TEXT NOT NULL,
    sealed BLOB NOT NULL,
    handled_by BLOB,
    created_at INTEGER NOT NULL,
    closed_at INTEGER
);
CREATE INDEX data_requests_tenant ON data_requests(tenant_id, id);
CREATE INDEX data_requests_open ON data_requests(closed_at, due_at);
CREATE TABLE legal_holds (
    customer_id BLOB PRIMARY KEY,
    tenant_id BLOB NOT NULL,
    sealed_reason BLOB NOT NULL,
    since INTEGER NOT NULL,
    placed_by BLOB NOT NULL
) WITHOUT ROWID;
"#,
    r#"
CREATE INDEX records_type_time ON records(tenant_id, type, occurred_at);
CREATE INDEX records_customer_time ON records(customer_id, occurred_at);
CREATE TABLE retention_aggregates (
    tenant_id BLOB NOT NULL REFERENCES tenants(id),
    record_type TEXT NOT NULL,
    month TEXT NOT NULL,
    grp TEXT NOT NULL,
    count INTEGER NOT NULL,
    sums TEXT NOT NULL,
    PRIMARY KEY (tenant_id, record_type, month, grp)
) WITHOUT ROWID;
CREATE TABLE retention_runs (
    id BLOB PRIMARY KEY,
    tenant_id BLOB NOT NULL REFERENCES tenants(id),
    started_at INTEGER NOT NULL,
    finished_at INTEGER,
    report TEXT
);
CREATE INDEX retention_runs_tenant ON retention_runs(tenant_id, id);
CREATE TABLE portal_tokens (
    hash BLOB PRIMARY KEY,
    tenant_id BLOB NOT NULL REFERENCES tenants(id),
    customer_id BLOB NOT NULL,
    kind TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    used_at INTEGER
) WITHOUT ROWID;
CREATE INDEX portal_tokens_customer ON portal_tokens(customer_id);
"#,
    r#"
CREATE TABLE tenant_key_ring (
    tenant_id BLOB NOT NULL REFERENCES tenants(id),
    version INTEGER NOT NULL,
    wrapped_kek BLOB NOT NULL,
    master_key_id TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    PRIMARY KEY (tenant_id, version)
) WITHOUT ROWID;
INSERT INTO tenant_key_ring (tenant_id, version, wrapped_kek, master_key_id, created_at)
    SELECT id, kek_version, wrapped_kek, master_key_id, created_at FROM tenants;
CREATE INDEX customers_key_version ON customers(tenant_id, kek_version);
"#,
    r#"
CREATE TABLE erased_index (
    tenant_id BLOB NOT NULL REFERENCES tenants(id),
    kind INTEGER NOT NULL,
    hash BLOB NOT NULL,
    erased_at INTEGER NOT NULL,
    PRIMARY KEY (tenant_id, kind, hash)
) WITHOUT ROWID;
CREATE TABLE webhooks (
    id BLOB PRIMARY KEY,
    tenant_id BLOB NOT NULL REFERENCES tenants(id),
    sealed BLOB NOT NULL,
    events TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    disabled INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX webhooks_tenant ON webhooks(tenant_id, id);
"#,
    r#"
CREATE TABLE self_audits (
    id BLOB PRIMARY KEY,
    tenant_id BLOB NOT NULL REFERENCES tenants(id),
    at INTEGER NOT NULL,
    report TEXT NOT NULL
);
CREATE INDEX self_audits_tenant ON self_audits(tenant_id, at);
"#,
];

/// Migrations of the audit file (`audit.db`).
pub const AUDIT: &[&str] = &[
    r#"
CREATE TABLE audit_events (
    seq INTEGER PRIMARY KEY,
    id BLOB NOT NULL UNIQUE,
    tenant_id BLOB,
    at INTEGER NOT NULL,
    action TEXT NOT NULL,
    actor_id BLOB,
    body BLOB NOT NULL,
    prev_hash BLOB NOT NULL,
    hash BLOB NOT NULL
);
CREATE INDEX audit_tenant_at ON audit_events(tenant_id, at);
CREATE TABLE audit_customers (
    customer_id BLOB NOT NULL,
    seq INTEGER NOT NULL,
    PRIMARY KEY (customer_id, seq)
) WITHOUT ROWID;
"#,
    r#"
CREATE TABLE audit_checkpoints (
    seq INTEGER PRIMARY KEY,
    hash BLOB NOT NULL,
    at INTEGER NOT NULL,
    signature BLOB NOT NULL
);
"#,
    // The bulk-read rule reads one actor's events of a window and their customers; pruning
    // deletes customers by position. Without these both scanned the whole trail.
    r#"
CREATE INDEX audit_actor_at ON audit_events(actor_id, at);
CREATE INDEX audit_customers_seq ON audit_customers(seq);
"#,
];
