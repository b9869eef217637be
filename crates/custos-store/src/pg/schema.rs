//! The PostgreSQL schema, as numbered migrations recorded in `custos_schema`. Same tables and
//! columns as the embedded schema (so a shop moves between the two without re-encrypting), plus
//! row-level security on every table that carries a tenant.

/// Migrations, applied in order under an advisory lock.
pub const MIGRATIONS: &[&str] = &[
    r#"
CREATE TABLE tenants (
    id BYTEA PRIMARY KEY,
    slug TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    catalog TEXT NOT NULL,
    wrapped_kek BYTEA NOT NULL,
    wrapped_index_key BYTEA NOT NULL,
    kek_version BIGINT NOT NULL,
    master_key_id TEXT NOT NULL,
    next_number BIGINT NOT NULL DEFAULT 1,
    created_at BIGINT NOT NULL,
    require_mfa BIGINT NOT NULL DEFAULT 0, settings TEXT, sealed_contacts BYTEA);
CREATE TABLE users (
    id BYTEA PRIMARY KEY,
    tenant_id BYTEA NOT NULL REFERENCES tenants(id),
    username TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    role TEXT NOT NULL,
    disabled BIGINT NOT NULL DEFAULT 0,
    created_at BIGINT NOT NULL, must_change_password BIGINT NOT NULL DEFAULT 0, mfa_secret BYTEA, mfa_enabled BIGINT NOT NULL DEFAULT 0, mfa_last_step BIGINT NOT NULL DEFAULT 0,
    UNIQUE (tenant_id, username)
);
CREATE TABLE tokens (
    id BYTEA PRIMARY KEY,
    tenant_id BYTEA NOT NULL REFERENCES tenants(id),
    user_id BYTEA NOT NULL REFERENCES users(id),
    name TEXT NOT NULL,
    kind TEXT NOT NULL,
    role TEXT NOT NULL,
    hash BYTEA NOT NULL UNIQUE,
    expires_at BIGINT,
    revoked BIGINT NOT NULL DEFAULT 0,
    created_at BIGINT NOT NULL,
    device_id BYTEA, last_seen_at BIGINT);
CREATE TABLE customers (
    id BYTEA PRIMARY KEY,
    tenant_id BYTEA NOT NULL REFERENCES tenants(id),
    number BIGINT NOT NULL,
    kek_version BIGINT NOT NULL,
    wrapped_dek BYTEA NOT NULL,
    sealed BYTEA NOT NULL,
    version BIGINT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    UNIQUE (tenant_id, number)
);
CREATE INDEX customers_tenant_id ON customers(tenant_id, id);
CREATE TABLE blind_index (
    tenant_id BYTEA NOT NULL,
    kind BIGINT NOT NULL,
    hash BYTEA NOT NULL,
    customer_id BYTEA NOT NULL REFERENCES customers(id) ON DELETE CASCADE,
    PRIMARY KEY (tenant_id, kind, hash, customer_id)
);
CREATE INDEX blind_index_customer ON blind_index(customer_id);
CREATE TABLE records (
    id BYTEA PRIMARY KEY,
    tenant_id BYTEA NOT NULL REFERENCES tenants(id),
    customer_id BYTEA NOT NULL REFERENCES customers(id) ON DELETE CASCADE,
    type TEXT NOT NULL,
    category TEXT NOT NULL,
    occurred_at BIGINT NOT NULL,
    sealed BYTEA NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX records_customer ON records(customer_id, id);
CREATE TABLE idempotency (
    tenant_id BYTEA NOT NULL,
    scope TEXT NOT NULL,
    key TEXT NOT NULL,
    fingerprint BYTEA NOT NULL,
    resource_id BYTEA NOT NULL,
    customer_id BYTEA,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (tenant_id, scope, key)
);
CREATE INDEX idempotency_customer ON idempotency(customer_id);
CREATE TABLE tombstones (
    customer_id BYTEA PRIMARY KEY,
    tenant_id BYTEA NOT NULL,
    erased_at BIGINT NOT NULL
);
CREATE TABLE throttle (
    key TEXT PRIMARY KEY,
    failures BIGINT NOT NULL,
    last_failure BIGINT NOT NULL
);
CREATE TABLE recovery_codes (
    user_id BYTEA NOT NULL REFERENCES users(id),
    hash BYTEA NOT NULL,
    used_at BIGINT,
    PRIMARY KEY (user_id, hash)
);
CREATE INDEX tokens_user ON tokens(user_id);
CREATE TABLE devices (
    id BYTEA PRIMARY KEY,
    tenant_id BYTEA NOT NULL REFERENCES tenants(id),
    name TEXT NOT NULL,
    pairing_hash BYTEA UNIQUE,
    pairing_expires_at BIGINT,
    created_by BYTEA NOT NULL REFERENCES users(id),
    created_at BIGINT NOT NULL,
    paired_at BIGINT,
    revoked BIGINT NOT NULL DEFAULT 0,
    UNIQUE (tenant_id, name)
);
CREATE TABLE roles (
    tenant_id BYTEA NOT NULL REFERENCES tenants(id),
    name TEXT NOT NULL,
    definition TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (tenant_id, name)
);
CREATE TABLE alerts (
    id BYTEA PRIMARY KEY,
    tenant_id BYTEA NOT NULL REFERENCES tenants(id),
    kind TEXT NOT NULL,
    severity TEXT NOT NULL,
    message TEXT NOT NULL,
    evidence TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    acknowledged_at BIGINT,
    acknowledged_by BYTEA,
    dedup_key TEXT);
CREATE INDEX alerts_tenant ON alerts(tenant_id, id);
CREATE TABLE break_glass (
    id BYTEA PRIMARY KEY,
    tenant_id BYTEA NOT NULL REFERENCES tenants(id),
    user_id BYTEA NOT NULL REFERENCES users(id),
    role TEXT NOT NULL,
    reason TEXT NOT NULL,
    granted_by BYTEA NOT NULL,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    ended BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX break_glass_user ON break_glass(user_id, expires_at);
CREATE UNIQUE INDEX alerts_dedup ON alerts(dedup_key);
CREATE TABLE scanner_state (
    name TEXT PRIMARY KEY,
    position BIGINT NOT NULL
);
CREATE TABLE incidents (
    id BYTEA PRIMARY KEY,
    tenant_id BYTEA NOT NULL REFERENCES tenants(id),
    created_at BIGINT NOT NULL,
    created_by BYTEA NOT NULL,
    aware_at BIGINT NOT NULL,
    risk TEXT NOT NULL,
    scope TEXT,
    alert_ids TEXT NOT NULL,
    sealed BYTEA NOT NULL,
    authority_notified_at BIGINT,
    customers_notified_at BIGINT,
    closed_at BIGINT,
    updated_at BIGINT NOT NULL
);
CREATE INDEX incidents_tenant ON incidents(tenant_id, id);
CREATE TABLE incident_notes (
    id BYTEA PRIMARY KEY,
    incident_id BYTEA NOT NULL REFERENCES incidents(id),
    tenant_id BYTEA NOT NULL,
    at BIGINT NOT NULL,
    "by" BYTEA NOT NULL,
    kind TEXT NOT NULL,
    sealed BYTEA NOT NULL
);
CREATE INDEX incident_notes_incident ON incident_notes(incident_id, id);
CREATE TABLE deliveries (
    id BYTEA PRIMARY KEY,
    tenant_id BYTEA NOT NULL REFERENCES tenants(id),
    channel TEXT NOT NULL,
    topic TEXT NOT NULL,
    sealed BYTEA NOT NULL,
    created_at BIGINT NOT NULL,
    attempts BIGINT NOT NULL,
    next_at BIGINT NOT NULL,
    status TEXT NOT NULL,
    last_error TEXT,
    done_at BIGINT
);
CREATE INDEX deliveries_due ON deliveries(status, next_at);
CREATE INDEX deliveries_topic ON deliveries(tenant_id, topic);
CREATE TABLE consents (
    id BYTEA PRIMARY KEY,
    tenant_id BYTEA NOT NULL REFERENCES tenants(id),
    customer_id BYTEA NOT NULL,
    purpose TEXT NOT NULL,
    channel TEXT,
    state TEXT NOT NULL,
    method TEXT NOT NULL,
    text_version BIGINT,
    lang TEXT,
    at BIGINT NOT NULL,
    actor_kind TEXT NOT NULL,
    actor_id BYTEA,
    evidence TEXT NOT NULL,
    expires_at BIGINT
);
CREATE INDEX consents_customer ON consents(customer_id, id);
CREATE INDEX consents_purpose ON consents(tenant_id, purpose, channel);
CREATE TABLE restrictions (
    customer_id BYTEA PRIMARY KEY,
    tenant_id BYTEA NOT NULL,
    reason TEXT NOT NULL,
    since BIGINT NOT NULL
);
CREATE TABLE data_requests (
    id BYTEA PRIMARY KEY,
    tenant_id BYTEA NOT NULL REFERENCES tenants(id),
    customer_id BYTEA NOT NULL,
    kind TEXT NOT NULL,
    received_at BIGINT NOT NULL,
    due_at BIGINT NOT NULL,
    extended_months BIGINT NOT NULL,
    identity_check TEXT NOT NULL,
    state TEXT NOT NULL,
    sealed BYTEA NOT NULL,
    handled_by BYTEA,
    created_at BIGINT NOT NULL,
    closed_at BIGINT
);
CREATE INDEX data_requests_tenant ON data_requests(tenant_id, id);
CREATE INDEX data_requests_open ON data_requests(closed_at, due_at);
CREATE TABLE legal_holds (
    customer_id BYTEA PRIMARY KEY,
    tenant_id BYTEA NOT NULL,
    sealed_reason BYTEA NOT NULL,
    since BIGINT NOT NULL,
    placed_by BYTEA NOT NULL
);
CREATE INDEX records_type_time ON records(tenant_id, type, occurred_at);
CREATE INDEX records_customer_time ON records(customer_id, occurred_at);
CREATE TABLE retention_aggregates (
    tenant_id BYTEA NOT NULL REFERENCES tenants(id),
    record_type TEXT NOT NULL,
    month TEXT NOT NULL,
    grp TEXT NOT NULL,
    count BIGINT NOT NULL,
    sums TEXT NOT NULL,
    PRIMARY KEY (tenant_id, record_type, month, grp)
);
CREATE TABLE retention_runs (
    id BYTEA PRIMARY KEY,
    tenant_id BYTEA NOT NULL REFERENCES tenants(id),
    started_at BIGINT NOT NULL,
    finished_at BIGINT,
    report TEXT
);
CREATE INDEX retention_runs_tenant ON retention_runs(tenant_id, id);
CREATE TABLE portal_tokens (
    hash BYTEA PRIMARY KEY,
    tenant_id BYTEA NOT NULL REFERENCES tenants(id),
    customer_id BYTEA NOT NULL,
    kind TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    used_at BIGINT
);
CREATE INDEX portal_tokens_customer ON portal_tokens(customer_id);
CREATE TABLE tenant_key_ring (
    tenant_id BYTEA NOT NULL REFERENCES tenants(id),
    version BIGINT NOT NULL,
    wrapped_kek BYTEA NOT NULL,
    master_key_id TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (tenant_id, version)
);
CREATE INDEX customers_key_version ON customers(tenant_id, kek_version);
CREATE TABLE audit_events (
    seq BIGINT PRIMARY KEY,
    id BYTEA NOT NULL UNIQUE,
    tenant_id BYTEA,
    at BIGINT NOT NULL,
    action TEXT NOT NULL,
    actor_id BYTEA,
    body BYTEA NOT NULL,
    prev_hash BYTEA NOT NULL,
    hash BYTEA NOT NULL
);
CREATE INDEX audit_tenant_at ON audit_events(tenant_id, at);
CREATE TABLE audit_customers (
    customer_id BYTEA NOT NULL,
    seq BIGINT NOT NULL,
    PRIMARY KEY (customer_id, seq)
);
CREATE TABLE audit_checkpoints (
    seq BIGINT PRIMARY KEY,
    hash BYTEA NOT NULL,
    at BIGINT NOT NULL,
    signature BYTEA NOT NULL
);

-- The second wall between tenants: every transaction names whose rows it may see
-- (`custos.tenant` = the tenant's id in hex, or '*' for work across tenants); a row of any other
-- tenant is invisible to it and cannot be written by it, whatever the query says.
CREATE FUNCTION custos_may_see(tenant BYTEA) RETURNS BOOLEAN
    LANGUAGE sql STABLE PARALLEL SAFE
    AS $$ SELECT current_setting('custos.tenant', true) = '*'
              OR tenant = decode(NULLIF(current_setting('custos.tenant', true), '*'), 'hex') $$;

ALTER TABLE tenants ENABLE ROW LEVEL SECURITY;
ALTER TABLE tenants FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_wall ON tenants USING (custos_may_see(id));
ALTER TABLE users ENABLE ROW LEVEL SECURITY;
ALTER TABLE users FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_wall ON users USING (custos_may_see(tenant_id));
ALTER TABLE tokens ENABLE ROW LEVEL SECURITY;
ALTER TABLE tokens FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_wall ON tokens USING (custos_may_see(tenant_id));
ALTER TABLE customers ENABLE ROW LEVEL SECURITY;
ALTER TABLE customers FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_wall ON customers USING (custos_may_see(tenant_id));
ALTER TABLE blind_index ENABLE ROW LEVEL SECURITY;
ALTER TABLE blind_index FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_wall ON blind_index USING (custos_may_see(tenant_id));
ALTER TABLE records ENABLE ROW LEVEL SECURITY;
ALTER TABLE records FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_wall ON records USING (custos_may_see(tenant_id));
ALTER TABLE idempotency ENABLE ROW LEVEL SECURITY;
ALTER TABLE idempotency FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_wall ON idempotency USING (custos_may_see(tenant_id));
ALTER TABLE tombstones ENABLE ROW LEVEL SECURITY;
ALTER TABLE tombstones FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_wall ON tombstones USING (custos_may_see(tenant_id));
ALTER TABLE devices ENABLE ROW LEVEL SECURITY;
ALTER TABLE devices FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_wall ON devices USING (custos_may_see(tenant_id));
ALTER TABLE roles ENABLE ROW LEVEL SECURITY;
ALTER TABLE roles FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_wall ON roles USING (custos_may_see(tenant_id));
ALTER TABLE alerts ENABLE ROW LEVEL SECURITY;
ALTER TABLE alerts FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_wall ON alerts USING (custos_may_see(tenant_id));
ALTER TABLE break_glass ENABLE ROW LEVEL SECURITY;
ALTER TABLE break_glass FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_wall ON break_glass USING (custos_may_see(tenant_id));
ALTER TABLE incidents ENABLE ROW LEVEL SECURITY;
ALTER TABLE incidents FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_wall ON incidents USING (custos_may_see(tenant_id));
ALTER TABLE incident_notes ENABLE ROW LEVEL SECURITY;
ALTER TABLE incident_notes FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_wall ON incident_notes USING (custos_may_see(tenant_id));
ALTER TABLE deliveries ENABLE ROW LEVEL SECURITY;
ALTER TABLE deliveries FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_wall ON deliveries USING (custos_may_see(tenant_id));
ALTER TABLE consents ENABLE ROW LEVEL SECURITY;
ALTER TABLE consents FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_wall ON consents USING (custos_may_see(tenant_id));
ALTER TABLE restrictions ENABLE ROW LEVEL SECURITY;
ALTER TABLE restrictions FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_wall ON restrictions USING (custos_may_see(tenant_id));
ALTER TABLE data_requests ENABLE ROW LEVEL SECURITY;
ALTER TABLE data_requests FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_wall ON data_requests USING (custos_may_see(tenant_id));
ALTER TABLE legal_holds ENABLE ROW LEVEL SECURITY;
ALTER TABLE legal_holds FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_wall ON legal_holds USING (custos_may_see(tenant_id));
ALTER TABLE retention_aggregates ENABLE ROW LEVEL SECURITY;
ALTER TABLE retention_aggregates FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_wall ON retention_aggregates USING (custos_may_see(tenant_id));
ALTER TABLE retention_runs ENABLE ROW LEVEL SECURITY;
ALTER TABLE retention_runs FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_wall ON retention_runs USING (custos_may_see(tenant_id));
ALTER TABLE portal_tokens ENABLE ROW LEVEL SECURITY;
ALTER TABLE portal_tokens FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_wall ON portal_tokens USING (custos_may_see(tenant_id));
ALTER TABLE tenant_key_ring ENABLE ROW LEVEL SECURITY;
ALTER TABLE tenant_key_ring FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_wall ON tenant_key_ring USING (custos_may_see(tenant_id));
ALTER TABLE audit_events ENABLE ROW LEVEL SECURITY;
ALTER TABLE audit_events FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_wall ON audit_events USING (custos_may_see(tenant_id));
"#,
    r#"
CREATE TABLE erased_index (
    tenant_id BYTEA NOT NULL REFERENCES tenants(id),
    kind BIGINT NOT NULL,
    hash BYTEA NOT NULL,
    erased_at BIGINT NOT NULL,
    PRIMARY KEY (tenant_id, kind, hash)
);
CREATE TABLE webhooks (
    id BYTEA PRIMARY KEY,
    tenant_id BYTEA NOT NULL REFERENCES tenants(id),
    sealed BYTEA NOT NULL,
    events TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    disabled BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX webhooks_tenant ON webhooks(tenant_id, id);
ALTER TABLE erased_index ENABLE ROW LEVEL SECURITY;
ALTER TABLE erased_index FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_wall ON erased_index USING (custos_may_see(tenant_id));
ALTER TABLE webhooks ENABLE ROW LEVEL SECURITY;
ALTER TABLE webhooks FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_wall ON webhooks USING (custos_may_see(tenant_id));
"#,
    r#"
CREATE TABLE self_audits (
    id BYTEA PRIMARY KEY,
    tenant_id BYTEA NOT NULL REFERENCES tenants(id),
    at BIGINT NOT NULL,
    report TEXT NOT NULL
);
CREATE INDEX self_audits_tenant ON self_audits(tenant_id, at);
ALTER TABLE self_audits ENABLE ROW LEVEL SECURITY;
ALTER TABLE self_audits FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_wall ON self_audits USING (custos_may_see(tenant_id));
"#,
    // The bulk-read rule reads one actor's events of a window and their customers; pruning
    // deletes customers by position. Without these both scanned the whole trail.
    r#"
CREATE INDEX audit_actor_at ON audit_events(actor_id, at);
CREATE INDEX audit_customers_seq ON audit_customers(seq);
"#,
];

/// Tables under row-level security, with the column naming the tenant.
pub const TENANT_TABLES: &[(&str, &str)] = &[
    ("tenants", "id"),
    ("users", "tenant_id"),
    ("tokens", "tenant_id"),
    ("customers", "tenant_id"),
    ("blind_index", "tenant_id"),
    ("records", "tenant_id"),
    ("idempotency", "tenant_id"),
    ("tombstones", "tenant_id"),
    ("devices", "tenant_id"),
    ("roles", "tenant_id"),
    ("alerts", "tenant_id"),
    ("break_glass", "tenant_id"),
    ("incidents", "tenant_id"),
    ("incident_notes", "tenant_id"),
    ("deliveries", "tenant_id"),
    ("consents", "tenant_id"),
    ("restrictions", "tenant_id"),
    ("data_requests", "tenant_id"),
    ("legal_holds", "tenant_id"),
    ("retention_aggregates", "tenant_id"),
    ("retention_runs", "tenant_id"),
    ("portal_tokens", "tenant_id"),
    ("tenant_key_ring", "tenant_id"),
    ("audit_events", "tenant_id"),
    ("erased_index", "tenant_id"),
    ("webhooks", "tenant_id"),
    ("self_audits", "tenant_id"),
];
