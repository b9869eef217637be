//! Audit events: who did what to which customer (ids only, never a value), when, with what
//! result. The store chains each event to the previous one by hash.

use crate::ids::{EventId, TenantId};
use crate::policy::Principal;
use custos_api::catalog::Category;
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use uuid::Uuid;

/// The outcome recorded in an event.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// Done.
    Ok,
    /// Refused by policy.
    Denied,
    /// Attempted and failed (e.g. a wrong password).
    Failed,
}

/// One audit event. Its JSON form (field order as declared) is what the chain hashes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AuditEvent {
    /// The event id.
    pub id: EventId,
    /// When, in UTC.
    #[serde(with = "time::serde::rfc3339")]
    pub at: OffsetDateTime,
    /// The tenant, when the event belongs to one.
    pub tenant_id: Option<TenantId>,
    /// `user`, `device`, `token`, `system` or `anonymous`.
    pub actor_kind: String,
    /// The actor's id, when known.
    pub actor_id: Option<Uuid>,
    /// The actor's role, when known.
    pub actor_role: Option<String>,
    /// What was done, e.g. `customer.read`.
    pub action: String,
    /// The customers touched (ids only).
    pub customer_ids: Vec<Uuid>,
    /// The field categories touched.
    pub categories: Vec<Category>,
    /// Another object touched, e.g. `record:<id>`, `user:<id>`.
    pub target: Option<String>,
    /// Purpose or reason, where given.
    pub reason: Option<String>,
    /// The outcome.
    pub outcome: Outcome,
    /// The request id.
    pub request_id: Option<String>,
    /// The client address.
    pub client_addr: Option<String>,
}

/// Where a request came from: the request id and client address, copied into its audit events.
#[derive(Debug, Clone, Default)]
pub struct RequestMeta {
    /// The request id (also answered in `x-request-id`).
    pub request_id: Option<String>,
    /// The client's address.
    pub client_addr: Option<String>,
}

impl AuditEvent {
    /// An event by `principal`, with no customers or categories yet.
    pub fn by(principal: &Principal, action: &str, at: OffsetDateTime, meta: &RequestMeta) -> Self {
        let mut ev = Self::anonymous(
            action,
            principal.kind.as_str(),
            Some(principal.tenant_id),
            at,
            meta,
        );
        ev.actor_id = Some(principal.actor_id);
        ev.actor_role = Some(principal.role.name.clone());
        if principal.break_glass {
            ev.reason = Some("break-glass".into());
        }
        ev
    }

    /// An event with no authenticated actor (failed logins, the command line).
    pub fn anonymous(
        action: &str,
        kind: &str,
        tenant_id: Option<TenantId>,
        at: OffsetDateTime,
        meta: &RequestMeta,
    ) -> Self {
        AuditEvent {
            id: EventId::new_at(at),
            at,
            tenant_id,
            actor_kind: kind.to_owned(),
            actor_id: None,
            actor_role: None,
            action: action.to_owned(),
            customer_ids: Vec::new(),
            categories: Vec::new(),
            target: None,
            reason: None,
            outcome: Outcome::Ok,
            request_id: meta.request_id.clone(),
            client_addr: meta.client_addr.clone(),
        }
    }

    /// Sets the customers.
    pub fn customers(mut self, ids: impl IntoIterator<Item = Uuid>) -> Self {
        self.customer_ids = ids.into_iter().collect();
        self
    }

    /// Sets the categories (sorted, without repeats).
    pub fn categories(mut self, cats: impl IntoIterator<Item = Category>) -> Self {
        let mut v: Vec<Category> = cats.into_iter().collect();
        v.sort();
        v.dedup();
        self.categories = v;
        self
    }

    /// Sets the outcome.
    pub fn outcome(mut self, o: Outcome) -> Self {
        self.outcome = o;
        self
    }

    /// Sets the target.
    pub fn target(mut self, t: impl Into<String>) -> Self {
        self.target = Some(t.into());
        self
    }

    /// The canonical bytes hashed into the chain.
    pub fn canonical_bytes(&self) -> Vec<u8> {
        // Serialising a struct of plain fields to JSON cannot fail.
        serde_json::to_vec(self).unwrap_or_default()
    }
}
