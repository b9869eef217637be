//! The incident register (GDPR art. 33(5)): every personal-data breach with its facts, effects
//! and remedial action, the 72-hour clock from the moment the business became aware, the set of
//! customers it touched as the audit trail tells it, drafted notifications to the supervisory
//! authority (art. 33(3)) and to the people concerned (art. 34) in English, German and Polish,
//! and a log of follow-ups and reasons for delay. Free texts are sealed under the tenant key:
//! whoever writes them may name a person.

use crate::audit::{AuditEvent, Outcome, RequestMeta};
use crate::error::CoreError;
use crate::ids::{AlertId, CustomerId, TenantId};
use crate::policy::{Action, Principal};
use crate::store::{AuditFilter, IncidentNoteRow, IncidentRow};
use crate::vault::{forbidden, Vault};
use custos_api::catalog::Category;
use custos_api::incident::{
    AffectedCustomer, AffectedSet, AffectedSummary, Incident, IncidentDraft, IncidentPatch,
    IncidentRisk, IncidentScope, IncidentUpdate, NewIncident, NewIncidentUpdate,
};
use custos_crypto as crypto;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};
use time::{Duration, OffsetDateTime};
use uuid::Uuid;

/// The art. 33(1) deadline.
pub const NOTIFY_WITHIN: Duration = Duration::hours(72);

/// The free-text parts of an incident, sealed together.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct IncidentText {
    /// Title.
    pub title: String,
    /// Nature.
    pub nature: Option<String>,
    /// Consequences.
    pub consequences: Option<String>,
    /// Measures.
    pub measures: Option<String>,
    /// Contact point.
    pub contact: Option<String>,
}

const MAX_TEXT: usize = 20_000;

fn check_text(name: &str, v: &Option<String>) -> Result<(), CoreError> {
    if let Some(t) = v {
        if t.trim().is_empty() || t.chars().count() > MAX_TEXT {
            return Err(CoreError::Invalid(format!(
                "{name} must be between 1 and {MAX_TEXT} characters."
            )));
        }
    }
    Ok(())
}

fn check_title(t: &str) -> Result<(), CoreError> {
    let n = t.trim().chars().count();
    if n == 0 || n > 200 {
        return Err(CoreError::Invalid(
            "title must be between 1 and 200 characters.".into(),
        ));
    }
    Ok(())
}

fn check_scope(s: &IncidentScope) -> Result<(), CoreError> {
    if s.actors.is_empty() || s.actors.len() > 100 {
        return Err(CoreError::Invalid(
            "scope.actors must name between 1 and 100 users, devices or tokens.".into(),
        ));
    }
    if let Some(to) = s.to {
        if to <= s.from {
            return Err(CoreError::Invalid(
                "scope.to must be after scope.from.".into(),
            ));
        }
    }
    Ok(())
}

fn text_aad(tenant: TenantId, id: Uuid, what: &str) -> Vec<u8> {
    let mut aad = b"custos/v1/incident/".to_vec();
    aad.extend_from_slice(what.as_bytes());
    aad.extend_from_slice(tenant.as_uuid().as_bytes());
    aad.extend_from_slice(id.as_bytes());
    aad
}

impl Vault {
    fn may_read_incidents(p: &Principal) -> Result<(), CoreError> {
        p.active()?;
        if !p.role.may(Action::AuditRead) && !p.role.may(Action::IncidentManage) {
            return Err(forbidden(Action::AuditRead));
        }
        Ok(())
    }

    fn may_manage_incidents(p: &Principal) -> Result<(), CoreError> {
        p.active()?;
        if !p.role.may(Action::IncidentManage) {
            return Err(forbidden(Action::IncidentManage));
        }
        Ok(())
    }

    async fn seal_text(
        &self,
        tenant: TenantId,
        id: Uuid,
        what: &str,
        plain: &[u8],
    ) -> Result<Vec<u8>, CoreError> {
        let keys = self.tenant_keys(tenant).await?;
        Ok(crypto::seal(&keys.kek, plain, &text_aad(tenant, id, what)))
    }

    async fn open_text(
        &self,
        tenant: TenantId,
        id: Uuid,
        what: &str,
        sealed: &[u8],
    ) -> Result<zeroize::Zeroizing<Vec<u8>>, CoreError> {
        let keys = self.tenant_keys(tenant).await?;
        Ok(keys.open(sealed, &text_aad(tenant, id, what))?)
    }

    /// Opens an incident, by hand or from alerts.
    pub async fn open_incident(
        &self,
        p: &Principal,
        new: NewIncident,
        meta: &RequestMeta,
    ) -> Result<Incident, CoreError> {
        Self::may_manage_incidents(p)?;
        check_title(&new.title)?;
        for (n, v) in [
            ("nature", &new.nature),
            ("consequences", &new.consequences),
            ("measures", &new.measures),
            ("contact", &new.contact),
        ] {
            check_text(n, v)?;
        }
        let now = self.clock.now();
        let aware_at = new.aware_at.unwrap_or(now);
        if aware_at > now + Duration::minutes(5) {
            return Err(CoreError::Invalid(
                "aware_at cannot be in the future.".into(),
            ));
        }
        if new.alert_ids.len() > 100 {
            return Err(CoreError::Invalid("At most 100 alert_ids.".into()));
        }
        // Every alert must be the business's own; their actors make the default scope.
        let mut alert_actors = BTreeSet::new();
        let mut first_alert: Option<OffsetDateTime> = None;
        for a in &new.alert_ids {
            let alert = self
                .store
                .alert(p.tenant_id, AlertId::from_uuid(*a))
                .await?
                .ok_or(CoreError::NotFound("Alert"))?;
            let evidence: serde_json::Value =
                serde_json::from_str(&alert.evidence).unwrap_or_default();
            for key in ["actor_id", "user_id"] {
                if let Some(id) = evidence[key].as_str().and_then(|s| Uuid::try_parse(s).ok()) {
                    alert_actors.insert(id);
                }
            }
            first_alert = Some(first_alert.map_or(alert.created_at, |f| f.min(alert.created_at)));
        }
        let scope = match new.scope {
            Some(s) => Some(s),
            None if !alert_actors.is_empty() => Some(IncidentScope {
                actors: alert_actors.into_iter().collect(),
                from: first_alert.unwrap_or(aware_at) - Duration::days(7),
                to: None,
            }),
            None => None,
        };
        if let Some(s) = &scope {
            check_scope(s)?;
        }
        let id = Uuid::now_v7();
        let text = IncidentText {
            title: new.title.trim().to_owned(),
            nature: new.nature,
            consequences: new.consequences,
            measures: new.measures,
            contact: new.contact,
        };
        let plain = zeroize::Zeroizing::new(
            serde_json::to_vec(&text).map_err(|e| CoreError::Internal(e.to_string()))?,
        );
        let row = IncidentRow {
            id,
            tenant_id: p.tenant_id,
            created_at: now,
            created_by: p.actor_id,
            aware_at,
            risk: new
                .risk
                .unwrap_or(IncidentRisk::Unassessed)
                .as_str()
                .to_owned(),
            scope: scope
                .map(|s| serde_json::to_string(&s))
                .transpose()
                .map_err(|e| CoreError::Internal(e.to_string()))?,
            alert_ids: new.alert_ids,
            sealed: self.seal_text(p.tenant_id, id, "text", &plain).await?,
            authority_notified_at: None,
            customers_notified_at: None,
            closed_at: None,
            updated_at: now,
        };
        let ev = AuditEvent::by(p, "incident.open", now, meta).target(format!("incident:{id}"));
        self.store.insert_incident(row.clone(), ev).await?;
        self.incident_view(row, true).await
    }

    /// The register, newest first (without the affected sets, which `incident` computes).
    pub async fn incidents(
        &self,
        p: &Principal,
        meta: &RequestMeta,
    ) -> Result<Vec<Incident>, CoreError> {
        Self::may_read_incidents(p)?;
        let rows = self.store.incidents(p.tenant_id).await?;
        let ev = AuditEvent::by(p, "incident.read", self.clock.now(), meta).target("incidents");
        self.store.append_audit(vec![ev]).await?;
        let mut out = Vec::with_capacity(rows.len());
        for r in rows {
            out.push(self.incident_view(r, false).await?);
        }
        Ok(out)
    }

    /// One incident with its affected summary and log.
    pub async fn incident(
        &self,
        p: &Principal,
        id: Uuid,
        meta: &RequestMeta,
    ) -> Result<Incident, CoreError> {
        Self::may_read_incidents(p)?;
        let row = self.incident_row(p.tenant_id, id).await?;
        let ev = AuditEvent::by(p, "incident.read", self.clock.now(), meta)
            .target(format!("incident:{id}"));
        self.store.append_audit(vec![ev]).await?;
        self.incident_view(row, true).await
    }

    async fn incident_row(&self, tenant: TenantId, id: Uuid) -> Result<IncidentRow, CoreError> {
        self.store
            .incident(tenant, id)
            .await?
            .ok_or(CoreError::NotFound("Incident"))
    }

    /// Changes an incident: its texts, risk, scope, notification times, or closes it.
    pub async fn update_incident(
        &self,
        p: &Principal,
        id: Uuid,
        patch: IncidentPatch,
        meta: &RequestMeta,
    ) -> Result<Incident, CoreError> {
        Self::may_manage_incidents(p)?;
        let mut row = self.incident_row(p.tenant_id, id).await?;
        if row.closed_at.is_some() && patch.closed != Some(false) {
            return Err(CoreError::Conflict(
                "The incident is closed; reopen it first (\"closed\": false).".into(),
            ));
        }
        let mut text = self.incident_text(&row).await?;
        if let Some(t) = &patch.title {
            check_title(t)?;
            text.title = t.trim().to_owned();
        }
        for (name, given, field) in [
            ("nature", &patch.nature, &mut text.nature),
            ("consequences", &patch.consequences, &mut text.consequences),
            ("measures", &patch.measures, &mut text.measures),
            ("contact", &patch.contact, &mut text.contact),
        ] {
            check_text(name, given)?;
            if given.is_some() {
                field.clone_from(given);
            }
        }
        if let Some(r) = patch.risk {
            row.risk = r.as_str().to_owned();
        }
        if let Some(s) = &patch.scope {
            check_scope(s)?;
            row.scope =
                Some(serde_json::to_string(s).map_err(|e| CoreError::Internal(e.to_string()))?);
        }
        let now = self.clock.now();
        if let Some(at) = patch.authority_notified_at {
            if at < row.aware_at || at > now + Duration::minutes(5) {
                return Err(CoreError::Invalid(
                    "authority_notified_at must lie between aware_at and now.".into(),
                ));
            }
            if at > row.aware_at + NOTIFY_WITHIN {
                let notes = self.store.incident_notes(p.tenant_id, id).await?;
                if !notes.iter().any(|n| n.kind == "delay_reason") {
                    return Err(CoreError::Invalid(
                        "The authority was notified after 72 hours: record the reasons for the delay first (POST /v1/incidents/{id}/updates with kind delay_reason), art. 33(1).".into(),
                    ));
                }
            }
            row.authority_notified_at = Some(at);
        }
        if let Some(at) = patch.customers_notified_at {
            if at < row.aware_at || at > now + Duration::minutes(5) {
                return Err(CoreError::Invalid(
                    "customers_notified_at must lie between aware_at and now.".into(),
                ));
            }
            row.customers_notified_at = Some(at);
        }
        match patch.closed {
            Some(true) => row.closed_at = Some(now),
            Some(false) => row.closed_at = None,
            None => {}
        }
        let plain = zeroize::Zeroizing::new(
            serde_json::to_vec(&text).map_err(|e| CoreError::Internal(e.to_string()))?,
        );
        row.sealed = self.seal_text(p.tenant_id, id, "text", &plain).await?;
        row.updated_at = now;
        let action = match patch.closed {
            Some(true) => "incident.close",
            Some(false) => "incident.reopen",
            None => "incident.update",
        };
        let ev = AuditEvent::by(p, action, now, meta).target(format!("incident:{id}"));
        self.store.update_incident(row.clone(), ev).await?;
        self.incident_view(row, true).await
    }

    /// Appends a follow-up or a reason for delay to an incident's log.
    pub async fn add_incident_update(
        &self,
        p: &Principal,
        id: Uuid,
        new: NewIncidentUpdate,
        meta: &RequestMeta,
    ) -> Result<Incident, CoreError> {
        Self::may_manage_incidents(p)?;
        if new.kind != "follow_up" && new.kind != "delay_reason" {
            return Err(CoreError::Invalid(
                "kind must be follow_up or delay_reason.".into(),
            ));
        }
        check_text("text", &Some(new.text.clone()))?;
        let row = self.incident_row(p.tenant_id, id).await?;
        let now = self.clock.now();
        let note_id = Uuid::now_v7();
        let note = IncidentNoteRow {
            id: note_id,
            incident_id: id,
            tenant_id: p.tenant_id,
            at: now,
            by: p.actor_id,
            kind: new.kind.clone(),
            sealed: self
                .seal_text(p.tenant_id, note_id, "note", new.text.as_bytes())
                .await?,
        };
        let ev = AuditEvent::by(p, &format!("incident.{}", new.kind), now, meta)
            .target(format!("incident:{id}"));
        self.store.insert_incident_note(note, ev).await?;
        self.incident_view(row, true).await
    }

    /// Every customer the incident's scope touched, by id, with what and when.
    pub async fn incident_affected(
        &self,
        p: &Principal,
        id: Uuid,
        meta: &RequestMeta,
    ) -> Result<AffectedSet, CoreError> {
        Self::may_read_incidents(p)?;
        let row = self.incident_row(p.tenant_id, id).await?;
        let set = match scope_of(&row)? {
            Some(scope) => self.affected(p.tenant_id, &scope).await?,
            None => AffectedSet {
                summary: summarise(&[], 0),
                customers: Vec::new(),
            },
        };
        let mut ev = AuditEvent::by(p, "incident.affected", self.clock.now(), meta)
            .target(format!("incident:{id}"));
        ev.reason = Some(format!("{} customers listed", set.customers.len()));
        self.store.append_audit(vec![ev]).await?;
        Ok(set)
    }

    /// A draft notification to the authority (art. 33) or to the people concerned (art. 34).
    pub async fn incident_draft(
        &self,
        p: &Principal,
        id: Uuid,
        audience: &str,
        lang: &str,
        meta: &RequestMeta,
    ) -> Result<IncidentDraft, CoreError> {
        Self::may_read_incidents(p)?;
        if audience != "authority" && audience != "customers" {
            return Err(CoreError::Invalid(
                "audience must be authority or customers.".into(),
            ));
        }
        let words = crate::incident_text::words(lang)
            .ok_or_else(|| CoreError::Invalid("lang must be en, de or pl.".into()))?;
        let row = self.incident_row(p.tenant_id, id).await?;
        let tenant = self
            .store
            .tenant(p.tenant_id)
            .await?
            .ok_or(CoreError::NotFound("Business"))?;
        let view = self.incident_view(row, true).await?;
        let delays: Vec<String> = view
            .updates
            .iter()
            .filter(|u| u.kind == "delay_reason")
            .map(|u| u.text.clone())
            .collect();
        let follow_ups: Vec<String> = view
            .updates
            .iter()
            .filter(|u| u.kind == "follow_up")
            .map(|u| u.text.clone())
            .collect();
        let policy = tenant.policy();
        let (subject, text) = {
            let input = crate::incident_text::DraftInput {
                business: &tenant.name,
                incident: &view,
                stamp: &|t| policy.stamp(t),
                delays: &delays,
                follow_ups: &follow_ups,
                now: self.clock.now(),
            };
            if audience == "authority" {
                crate::incident_text::authority(words, &input)
            } else {
                crate::incident_text::customers(words, &input)
            }
        };
        let ev = AuditEvent::by(p, "incident.draft", self.clock.now(), meta)
            .target(format!("incident:{id}"));
        self.store.append_audit(vec![ev]).await?;
        Ok(IncidentDraft {
            audience: audience.to_owned(),
            lang: lang.to_owned(),
            subject,
            text,
        })
    }

    async fn incident_text(&self, row: &IncidentRow) -> Result<IncidentText, CoreError> {
        let plain = self
            .open_text(row.tenant_id, row.id, "text", &row.sealed)
            .await?;
        serde_json::from_slice(&plain).map_err(|e| CoreError::Internal(e.to_string()))
    }

    async fn incident_view(&self, row: IncidentRow, full: bool) -> Result<Incident, CoreError> {
        let text = self.incident_text(&row).await?;
        let scope = scope_of(&row)?;
        let now = self.clock.now();
        let risk = IncidentRisk::parse(&row.risk).unwrap_or(IncidentRisk::Unassessed);
        let required = risk != IncidentRisk::Unlikely;
        let deadline = row.aware_at + NOTIFY_WITHIN;
        let pending = required && row.authority_notified_at.is_none() && row.closed_at.is_none();
        let (affected, updates) = if full {
            let affected = match &scope {
                Some(s) => Some(self.affected(row.tenant_id, s).await?.summary),
                None => None,
            };
            let mut updates = Vec::new();
            for n in self.store.incident_notes(row.tenant_id, row.id).await? {
                let plain = self
                    .open_text(row.tenant_id, n.id, "note", &n.sealed)
                    .await?;
                updates.push(IncidentUpdate {
                    id: n.id,
                    kind: n.kind,
                    text: String::from_utf8_lossy(&plain).into_owned(),
                    at: n.at,
                    by: n.by,
                });
            }
            (affected, updates)
        } else {
            (None, Vec::new())
        };
        Ok(Incident {
            id: row.id,
            title: text.title,
            status: if row.closed_at.is_some() {
                "closed"
            } else if row.authority_notified_at.is_some() {
                "notified"
            } else {
                "open"
            }
            .to_owned(),
            risk,
            aware_at: row.aware_at,
            deadline,
            seconds_left: pending.then(|| (deadline - now).whole_seconds()),
            overdue: pending && now > deadline,
            authority_notification_required: required,
            customer_notice_required: risk == IncidentRisk::HighRisk,
            nature: text.nature,
            consequences: text.consequences,
            measures: text.measures,
            contact: text.contact,
            scope,
            alert_ids: row.alert_ids,
            affected,
            authority_notified_at: row.authority_notified_at,
            customers_notified_at: row.customers_notified_at,
            closed_at: row.closed_at,
            updates,
            created_by: row.created_by,
            created_at: row.created_at,
        })
    }

    /// Walks the trail for the scope's actors and period: every successful event that touched
    /// customers counts, whatever its action.
    async fn affected(
        &self,
        tenant: TenantId,
        scope: &IncidentScope,
    ) -> Result<AffectedSet, CoreError> {
        struct Acc {
            categories: BTreeSet<Category>,
            accesses: u64,
            first: OffsetDateTime,
            last: OffsetDateTime,
        }
        let mut by_customer: BTreeMap<Uuid, Acc> = BTreeMap::new();
        let mut accesses = 0u64;
        const PAGE: u32 = 1000;
        for actor in &scope.actors {
            let mut before = None;
            loop {
                let filter = AuditFilter {
                    actor: Some(*actor),
                    from: Some(scope.from),
                    to: scope.to,
                    before,
                    ..Default::default()
                };
                let rows = self.store.audit_query(tenant, filter, PAGE).await?;
                for (_, body) in &rows {
                    let Ok(ev) = serde_json::from_slice::<AuditEvent>(body) else {
                        return Err(CoreError::Internal("an audit event does not parse".into()));
                    };
                    if ev.outcome != Outcome::Ok || ev.customer_ids.is_empty() {
                        continue;
                    }
                    accesses += 1;
                    for c in &ev.customer_ids {
                        let acc = by_customer.entry(*c).or_insert(Acc {
                            categories: BTreeSet::new(),
                            accesses: 0,
                            first: ev.at,
                            last: ev.at,
                        });
                        acc.categories.extend(ev.categories.iter().copied());
                        acc.accesses += 1;
                        acc.first = acc.first.min(ev.at);
                        acc.last = acc.last.max(ev.at);
                    }
                }
                if rows.len() < PAGE as usize {
                    break;
                }
                before = rows.last().map(|(seq, _)| *seq);
            }
        }
        let mut customers = Vec::with_capacity(by_customer.len());
        for (id, acc) in by_customer {
            let erased = self
                .store
                .is_erased(tenant, CustomerId::from_uuid(id))
                .await?;
            customers.push(AffectedCustomer {
                id,
                categories: acc.categories.into_iter().collect(),
                accesses: acc.accesses,
                first_access: acc.first,
                last_access: acc.last,
                erased,
            });
        }
        Ok(AffectedSet {
            summary: summarise(&customers, accesses),
            customers,
        })
    }
}

fn scope_of(row: &IncidentRow) -> Result<Option<IncidentScope>, CoreError> {
    row.scope
        .as_deref()
        .map(serde_json::from_str)
        .transpose()
        .map_err(|e| CoreError::Internal(e.to_string()))
}

fn summarise(customers: &[AffectedCustomer], accesses: u64) -> AffectedSummary {
    let categories: BTreeSet<Category> = customers
        .iter()
        .flat_map(|c| c.categories.iter().copied())
        .collect();
    AffectedSummary {
        customers: customers.len() as u64,
        erased: customers.iter().filter(|c| c.erased).count() as u64,
        accesses,
        special_categories: categories.contains(&Category::Health),
        categories: categories.into_iter().collect(),
    }
}
