//! Data-subject requests (GDPR arts. 12–21): access, portability, rectification, erasure,
//! restriction and objection, each with the month to answer it (art. 12(3), counted as a
//! calendar month: 31 January → the end of February), an extension of up to two more months
//! with reasons, the identity check, state, outcome and who handled it. Requests close to their
//! deadline and overdue ones raise alerts. Free texts are sealed under the tenant key.

use crate::audit::{AuditEvent, RequestMeta};
use crate::error::CoreError;
use crate::ids::{CustomerId, TenantId};
use crate::policy::{Action, ActorKind, Principal};
use crate::store::DataRequestRow;
use crate::vault::{forbidden, Vault};
use custos_api::request::{DataRequest, DataRequestPatch, NewDataRequest, RequestKind};
use custos_crypto as crypto;
use serde::{Deserialize, Serialize};
use time::{Date, Duration, Month, OffsetDateTime};
use uuid::Uuid;

/// How long before the deadline an open request raises a warning.
pub const DUE_SOON: Duration = Duration::days(7);

/// `t` plus `months` calendar months; a day the target month lacks becomes its last day.
pub fn add_months(t: OffsetDateTime, months: u8) -> OffsetDateTime {
    let d = t.date();
    let total = d.year() * 12 + (d.month() as i32 - 1) + i32::from(months);
    let (year, month0) = (total.div_euclid(12), total.rem_euclid(12));
    let month = Month::try_from(month0 as u8 + 1).unwrap_or(Month::December);
    let last = month.length(year);
    let date = Date::from_calendar_date(year, month, d.day().min(last)).unwrap_or(d);
    t.replace_date(date)
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
struct Texts {
    note: Option<String>,
    outcome: Option<String>,
    extension_reason: Option<String>,
}

fn texts_aad(tenant: TenantId, id: Uuid) -> Vec<u8> {
    let mut aad = b"custos/v1/data-request".to_vec();
    aad.extend_from_slice(tenant.as_uuid().as_bytes());
    aad.extend_from_slice(id.as_bytes());
    aad
}

fn check_text(name: &str, v: &Option<String>) -> Result<(), CoreError> {
    if v.as_ref()
        .is_some_and(|t| t.trim().is_empty() || t.chars().count() > 5000)
    {
        return Err(CoreError::Invalid(format!(
            "{name} must be between 1 and 5000 characters."
        )));
    }
    Ok(())
}

impl Vault {
    fn may_handle_requests(p: &Principal) -> Result<(), CoreError> {
        p.active()?;
        if !p.role.may(Action::DataRequestManage) {
            return Err(forbidden(Action::DataRequestManage));
        }
        Ok(())
    }

    async fn seal_texts(&self, row: &mut DataRequestRow, texts: &Texts) -> Result<(), CoreError> {
        let keys = self.tenant_keys(row.tenant_id).await?;
        let plain = zeroize::Zeroizing::new(
            serde_json::to_vec(texts).map_err(|e| CoreError::Internal(e.to_string()))?,
        );
        row.sealed = crypto::seal(&keys.kek, &plain, &texts_aad(row.tenant_id, row.id));
        Ok(())
    }

    async fn request_view(&self, row: &DataRequestRow) -> Result<DataRequest, CoreError> {
        let keys = self.tenant_keys(row.tenant_id).await?;
        let plain = keys.open(&row.sealed, &texts_aad(row.tenant_id, row.id))?;
        let texts: Texts =
            serde_json::from_slice(&plain).map_err(|e| CoreError::Internal(e.to_string()))?;
        let open = row.closed_at.is_none();
        Ok(DataRequest {
            id: row.id,
            customer_id: row.customer_id.as_uuid(),
            kind: RequestKind::parse(&row.kind).unwrap_or(RequestKind::Access),
            received_at: row.received_at,
            due_at: row.due_at,
            extended_months: row.extended_months,
            extension_reason: texts.extension_reason,
            identity_check: row.identity_check.clone(),
            state: row.state.clone(),
            overdue: open && self.clock.now() > row.due_at,
            outcome: texts.outcome,
            note: texts.note,
            handled_by: row.handled_by,
            closed_at: row.closed_at,
        })
    }

    /// Records a request (owner, manager); the deadline follows from its receipt.
    pub async fn open_data_request(
        &self,
        p: &Principal,
        new: NewDataRequest,
        meta: &RequestMeta,
    ) -> Result<DataRequest, CoreError> {
        Self::may_handle_requests(p)?;
        check_text("note", &new.note)?;
        let now = self.clock.now();
        let received = new.received_at.unwrap_or(now);
        if received > now + Duration::minutes(5) {
            return Err(CoreError::Invalid(
                "received_at cannot be in the future.".into(),
            ));
        }
        let customer = CustomerId::from_uuid(new.customer_id);
        // A request may outlive the customer's data (an erasure request is kept as proof),
        // but it must be about a customer of this business.
        if self.store.customer(p.tenant_id, customer).await?.is_none()
            && !self.store.is_erased(p.tenant_id, customer).await?
        {
            return Err(CoreError::NotFound("Customer"));
        }
        let mut row = DataRequestRow {
            id: Uuid::now_v7(),
            tenant_id: p.tenant_id,
            customer_id: customer,
            kind: new.kind.as_str().to_owned(),
            received_at: received,
            due_at: add_months(received, 1),
            extended_months: 0,
            // From the portal the customer proved control of their address by its link.
            identity_check: if p.kind == ActorKind::Customer {
                "verified"
            } else {
                "pending"
            }
            .into(),
            state: "open".into(),
            sealed: Vec::new(),
            handled_by: (p.kind != ActorKind::Customer).then_some(p.actor_id),
            created_at: now,
            closed_at: None,
        };
        self.seal_texts(
            &mut row,
            &Texts {
                note: new.note,
                ..Default::default()
            },
        )
        .await?;
        let mut ev = AuditEvent::by(p, "data_request.open", now, meta)
            .customers([customer.as_uuid()])
            .target(format!("data_request:{}", row.id));
        ev.reason = Some(row.kind.clone());
        self.store.insert_data_request(row.clone(), ev).await?;
        self.request_view(&row).await
    }

    /// The business's requests, newest first; only open ones with `open_only`.
    pub async fn data_requests(
        &self,
        p: &Principal,
        open_only: bool,
        meta: &RequestMeta,
    ) -> Result<Vec<DataRequest>, CoreError> {
        Self::may_handle_requests(p)?;
        let rows = self.store.data_requests(p.tenant_id).await?;
        let ev =
            AuditEvent::by(p, "data_request.read", self.clock.now(), meta).target("data_requests");
        self.store.append_audit(vec![ev]).await?;
        let mut out = Vec::new();
        for r in rows.iter().filter(|r| !open_only || r.closed_at.is_none()) {
            out.push(self.request_view(r).await?);
        }
        Ok(out)
    }

    /// Changes a request: identity check, extension, state, outcome.
    pub async fn update_data_request(
        &self,
        p: &Principal,
        id: Uuid,
        patch: DataRequestPatch,
        meta: &RequestMeta,
    ) -> Result<DataRequest, CoreError> {
        Self::may_handle_requests(p)?;
        let mut row = self
            .store
            .data_request(p.tenant_id, id)
            .await?
            .ok_or(CoreError::NotFound("Data request"))?;
        if row.closed_at.is_some() {
            return Err(CoreError::Conflict("The request is closed.".into()));
        }
        let keys = self.tenant_keys(row.tenant_id).await?;
        let plain = keys.open(&row.sealed, &texts_aad(row.tenant_id, row.id))?;
        let mut texts: Texts =
            serde_json::from_slice(&plain).map_err(|e| CoreError::Internal(e.to_string()))?;
        check_text("outcome", &patch.outcome)?;
        check_text("extension_reason", &patch.extension_reason)?;
        let now = self.clock.now();
        if let Some(c) = &patch.identity_check {
            if !["pending", "verified", "failed"].contains(&c.as_str()) {
                return Err(CoreError::Invalid(
                    "identity_check must be pending, verified or failed.".into(),
                ));
            }
            row.identity_check = c.clone();
        }
        if let Some(m) = patch.extend_months {
            let total = u32::from(row.extended_months) + u32::from(m);
            if m == 0 || total > 2 {
                return Err(CoreError::Invalid(
                    "A request may be extended by two further months at most (art. 12(3)).".into(),
                ));
            }
            if patch.extension_reason.is_none() {
                return Err(CoreError::Invalid(
                    "An extension needs extension_reason: the customer must be told why.".into(),
                ));
            }
            if now > add_months(row.received_at, 1) {
                return Err(CoreError::Invalid(
                    "An extension must be decided within the first month (art. 12(3)).".into(),
                ));
            }
            row.extended_months = u8::try_from(total).unwrap_or(2);
            row.due_at = add_months(row.received_at, 1 + row.extended_months);
            texts.extension_reason.clone_from(&patch.extension_reason);
        }
        if let Some(o) = &patch.outcome {
            texts.outcome = Some(o.clone());
        }
        if let Some(st) = &patch.state {
            match st.as_str() {
                "in_progress" => row.state = st.clone(),
                "completed" | "refused" => {
                    if texts.outcome.is_none() {
                        return Err(CoreError::Invalid(
                            "Closing a request needs an outcome: what was done, or why it was refused."
                                .into(),
                        ));
                    }
                    if st == "completed" && row.identity_check != "verified" {
                        return Err(CoreError::Invalid(
                            "Verify the customer's identity before completing the request.".into(),
                        ));
                    }
                    row.state = st.clone();
                    row.closed_at = Some(now);
                }
                _ => {
                    return Err(CoreError::Invalid(
                        "state must be in_progress, completed or refused.".into(),
                    ))
                }
            }
        }
        row.handled_by = Some(p.actor_id);
        self.seal_texts(&mut row, &texts).await?;
        let mut ev = AuditEvent::by(p, "data_request.update", now, meta)
            .customers([row.customer_id.as_uuid()])
            .target(format!("data_request:{id}"));
        ev.reason = Some(format!("{}:{}", row.kind, row.state));
        self.store.update_data_request(row.clone(), ev).await?;
        self.request_view(&row).await
    }

    /// Raises an alert for each open request within a week of its deadline (once) and for
    /// each overdue one (once).
    pub async fn scan_deadlines(&self) -> Result<(), CoreError> {
        let now = self.clock.now();
        for r in self
            .store
            .open_data_requests_due_before(now + DUE_SOON)
            .await?
        {
            let evidence = serde_json::json!({"data_request_id": r.id, "customer_id": r.customer_id, "kind": r.kind, "due_at": crate::values::rfc3339(r.due_at)});
            if r.due_at <= now {
                self.raise_for(
                    r.tenant_id,
                    "data_request_overdue",
                    "high",
                    format!(
                        "The {} request {} was due on {} and is still open.",
                        r.kind,
                        r.id,
                        crate::values::rfc3339(r.due_at)
                    ),
                    evidence,
                    &r.id.to_string(),
                    r.due_at,
                )
                .await?;
            } else {
                self.raise_for(
                    r.tenant_id,
                    "data_request_due_soon",
                    "warning",
                    format!(
                        "The {} request {} is due on {}.",
                        r.kind,
                        r.id,
                        crate::values::rfc3339(r.due_at)
                    ),
                    evidence,
                    &r.id.to_string(),
                    r.due_at - DUE_SOON,
                )
                .await?;
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    #[test]
    fn a_month_is_a_calendar_month_ending_early_when_the_day_is_missing() {
        assert_eq!(
            add_months(datetime!(2026-01-31 10:00 UTC), 1),
            datetime!(2026-02-28 10:00 UTC)
        );
        assert_eq!(
            add_months(datetime!(2028-01-31 10:00 UTC), 1),
            datetime!(2028-02-29 10:00 UTC)
        );
        assert_eq!(
            add_months(datetime!(2026-03-15 08:30 UTC), 1),
            datetime!(2026-04-15 08:30 UTC)
        );
        assert_eq!(
            add_months(datetime!(2026-12-31 00:00 UTC), 1),
            datetime!(2027-01-31 00:00 UTC)
        );
        assert_eq!(
            add_months(datetime!(2026-01-31 00:00 UTC), 3),
            datetime!(2026-04-30 00:00 UTC)
        );
    }
}
