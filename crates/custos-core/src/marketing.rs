//! Marketing: the audience export (exactly the customers whose consent for a purpose and channel
//! counts now, with only the fields that channel needs and an unsubscribe link each), the
//! objection to direct marketing (art. 21(2)), the restriction of processing (art. 18), which
//! keeps a customer out of every audience. (Imported consent columns: `importing`.)

use crate::audit::{AuditEvent, RequestMeta};
use crate::consents::{LinkToken, METHODS};
use crate::error::CoreError;
use crate::ids::CustomerId;
use crate::policy::{Action, Principal};
use crate::store::ConsentRow;
use crate::vault::Vault;
use custos_api::catalog::{Category, Channel};
use custos_api::consent::{
    ChannelReport, ConsentReport, ConsentState, LapsedConsent, NewObjection, Restriction, OBJECTION,
};
use uuid::Uuid;

/// The grounds for restricting processing, art. 18(1)(a) to (d): the accuracy is contested,
/// the processing is unlawful and the customer wants restriction instead of erasure, the
/// customer needs the data for legal claims, an objection awaits its decision.
pub const RESTRICTION_GROUNDS: [&str; 4] = [
    "accuracy_contested",
    "unlawful_processing",
    "legal_claims",
    "objection_pending",
];

/// An audience: a header and one row per customer.
#[derive(Debug, Clone)]
pub struct Audience {
    /// Column names.
    pub columns: Vec<&'static str>,
    /// Rows, by customer number.
    pub rows: Vec<Vec<String>>,
}

/// The fields a channel needs, after `customer_id` and `number`, and before `unsubscribe_url`.
fn channel_fields(c: Channel) -> (&'static [&'static str], &'static [Category]) {
    match c {
        Channel::Email => (
            &["first_name", "last_name", "email"],
            &[Category::Identity, Category::Contact],
        ),
        Channel::Sms | Channel::Phone | Channel::Whatsapp => (
            &["first_name", "last_name", "phone"],
            &[Category::Identity, Category::Contact],
        ),
        Channel::Post => (
            &[
                "first_name",
                "last_name",
                "street",
                "postal_code",
                "city",
                "country",
            ],
            &[Category::Identity, Category::Address],
        ),
    }
}

impl Vault {
    /// Records an objection to direct marketing: every marketing purpose stops at once.
    pub async fn object_to_marketing(
        &self,
        p: &Principal,
        customer: CustomerId,
        o: NewObjection,
        meta: &RequestMeta,
    ) -> Result<(), CoreError> {
        let t = self
            .authorize(p, Action::CustomerUpdate, &[customer], meta)
            .await?;
        if !METHODS.contains(&o.method.as_str()) && o.method != "email" {
            return Err(CoreError::Invalid(
                "method must be one of in_store, web_form, phone, paper, email.".into(),
            ));
        }
        if self.store.customer(p.tenant_id, customer).await?.is_none() {
            return Err(CoreError::NotFound("Customer"));
        }
        let now = self.clock.now();
        let id = Uuid::now_v7();
        let mut evidence = serde_json::Map::new();
        if let Some(h) = Self::client_hash(&t, meta) {
            evidence.insert("client_address_hash".into(), h.into());
        }
        let row = ConsentRow {
            id,
            tenant_id: p.tenant_id,
            customer_id: customer,
            purpose: OBJECTION.into(),
            channel: None,
            state: ConsentState::Withdrawn.as_str().into(),
            method: o.method,
            text_version: None,
            lang: None,
            at: now,
            actor_kind: p.kind.as_str().into(),
            actor_id: Some(p.actor_id),
            evidence: serde_json::Value::Object(evidence).to_string(),
            expires_at: None,
        };
        let ev = AuditEvent::by(p, "consent.object", now, meta)
            .customers([customer.as_uuid()])
            .target(format!("consent:{id}"));
        self.store.insert_consent(row, Vec::new(), ev).await?;
        Ok(())
    }

    /// Restricts processing of a customer's data (owner, manager): the customer stays, but
    /// appears in no audience until the restriction is lifted.
    pub async fn restrict(
        &self,
        p: &Principal,
        customer: CustomerId,
        reason: &str,
        meta: &RequestMeta,
    ) -> Result<Restriction, CoreError> {
        self.authorize(p, Action::CustomerErase, &[customer], meta)
            .await?;
        let reason = reason.trim();
        if !RESTRICTION_GROUNDS.contains(&reason) {
            return Err(CoreError::Invalid(format!(
                "reason must be one of the grounds of art. 18(1): {}.",
                RESTRICTION_GROUNDS.join(", ")
            )));
        }
        let now = self.clock.now();
        let mut ev =
            AuditEvent::by(p, "customer.restrict", now, meta).customers([customer.as_uuid()]);
        ev.reason = Some(reason.to_owned());
        self.store
            .set_restriction(p.tenant_id, customer, Some((reason.to_owned(), now)), ev)
            .await
            .map_err(|e| match e {
                crate::store::StoreError::NotFound => CoreError::NotFound("Customer"),
                e => e.into(),
            })?;
        let (reason, since) = self
            .store
            .restriction(p.tenant_id, customer)
            .await?
            .ok_or_else(|| CoreError::Internal("the restriction just set is missing".into()))?;
        Ok(Restriction {
            customer_id: customer.as_uuid(),
            reason,
            since,
        })
    }

    /// The customer's restriction, if any (roles that read customers).
    pub async fn restriction(
        &self,
        p: &Principal,
        customer: CustomerId,
        meta: &RequestMeta,
    ) -> Result<Restriction, CoreError> {
        self.authorize(p, Action::CustomerRead, &[customer], meta)
            .await?;
        let (reason, since) = self
            .store
            .restriction(p.tenant_id, customer)
            .await?
            .ok_or(CoreError::NotFound("Restriction"))?;
        let ev = AuditEvent::by(p, "restriction.read", self.clock.now(), meta)
            .customers([customer.as_uuid()]);
        self.store.append_audit(vec![ev]).await?;
        Ok(Restriction {
            customer_id: customer.as_uuid(),
            reason,
            since,
        })
    }

    /// Lifts a restriction.
    pub async fn lift_restriction(
        &self,
        p: &Principal,
        customer: CustomerId,
        meta: &RequestMeta,
    ) -> Result<(), CoreError> {
        self.authorize(p, Action::CustomerErase, &[customer], meta)
            .await?;
        if self
            .store
            .restriction(p.tenant_id, customer)
            .await?
            .is_none()
        {
            return Err(CoreError::NotFound("Restriction"));
        }
        let ev = AuditEvent::by(p, "customer.unrestrict", self.clock.now(), meta)
            .customers([customer.as_uuid()]);
        self.store
            .set_restriction(p.tenant_id, customer, None, ev)
            .await?;
        Ok(())
    }

    /// The customers whose consent to `purpose` on `channel` counts now (given, confirmed, not
    /// lapsed, not objected to), leaving out restricted and erased customers, with only the
    /// fields the channel needs and an unsubscribe link each (owner, manager, marketing).
    /// Audited with every customer included.
    pub async fn audience(
        &self,
        p: &Principal,
        purpose: &str,
        channel: Channel,
        meta: &RequestMeta,
    ) -> Result<Audience, CoreError> {
        let t = self
            .authorize(p, Action::MarketingAudience, &[], meta)
            .await?;
        let decl = t
            .catalog
            .purposes
            .iter()
            .find(|x| x.name == purpose)
            .ok_or_else(|| {
                CoreError::Invalid(format!(
                    "The purpose '{purpose}' is not declared for this business."
                ))
            })?;
        if !decl.lawful_basis.is_consent() || !decl.channels.contains(&channel) {
            return Err(CoreError::Invalid(format!(
                "The purpose '{purpose}' asks no consent for '{}'.",
                channel.as_str()
            )));
        }
        let (fields, categories) = channel_fields(channel);
        let mut columns = vec!["customer_id", "number"];
        columns.extend_from_slice(fields);
        columns.push("unsubscribe_url");
        let candidates = self
            .store
            .consent_candidates(p.tenant_id, purpose.to_owned(), channel.as_str().to_owned())
            .await?;
        let mut included = Vec::new();
        for c in candidates {
            if self.store.restriction(p.tenant_id, c).await?.is_some() {
                continue;
            }
            let rows = self.store.consents(p.tenant_id, c).await?;
            let counts = self.states(&t, c, &rows).await?.iter().any(|s| {
                s.purpose == purpose && s.channel == Some(channel) && s.state == ConsentState::Given
            });
            if counts {
                included.push(c);
            }
        }
        let mut out = Vec::with_capacity(included.len());
        let mut customers = self.store.customers(p.tenant_id, &included).await?;
        customers.sort_by_key(|c| c.number);
        let t = self.keys_for(t, customers.iter()).await?;
        for row in &customers {
            let dek = Self::unwrap_dek(&t, row)?;
            let sealed = crate::vault::SealedFields::decode(&row.sealed)?;
            let mut values = std::collections::BTreeMap::new();
            for cat in categories {
                if let Some(blob) = sealed.0.get(cat) {
                    for (k, v) in Self::open_category(&t, row.id, &dek, *cat, blob)? {
                        values.insert(k, v);
                    }
                }
            }
            // Nobody to reach on this channel: leave the customer out.
            let contact = match channel {
                Channel::Email => "email",
                Channel::Post => "street",
                _ => "phone",
            };
            if !values.contains_key(contact) {
                continue;
            }
            let mut line = vec![
                row.id.to_string(),
                crate::values::CustomerNumber(row.number).to_string(),
            ];
            for f in fields {
                line.push(match values.get(*f) {
                    Some(serde_json::Value::String(s)) => s.clone(),
                    Some(serde_json::Value::Null) | None => String::new(),
                    Some(v) => v.to_string(),
                });
            }
            let token = LinkToken::Unsubscribe {
                tenant: t.id,
                customer: row.id,
                purpose: purpose.to_owned(),
                channel,
            };
            line.push(self.link("/privacy/unsubscribe", &token.sign(&t.index_key)));
            out.push((row.id, line));
        }
        let mut ev = AuditEvent::by(
            p,
            Action::MarketingAudience.as_str(),
            self.clock.now(),
            meta,
        )
        .customers(out.iter().map(|(id, _)| id.as_uuid()))
        .categories(categories.iter().copied());
        ev.reason = Some(format!(
            "{purpose}:{}: {} customers",
            channel.as_str(),
            out.len()
        ));
        self.store.append_audit(vec![ev]).await?;
        Ok(Audience {
            columns,
            rows: out.into_iter().map(|(_, l)| l).collect(),
        })
    }
}

impl Vault {
    /// How consents to a purpose stand per channel, with the lapsed ones listed (owner,
    /// manager, marketing). Audited.
    pub async fn consent_report(
        &self,
        p: &Principal,
        purpose: &str,
        meta: &RequestMeta,
    ) -> Result<ConsentReport, CoreError> {
        let t = self
            .authorize(p, Action::MarketingAudience, &[], meta)
            .await?;
        let decl = t
            .catalog
            .purposes
            .iter()
            .find(|x| x.name == purpose && x.lawful_basis.is_consent())
            .ok_or_else(|| {
                CoreError::Invalid(format!(
                    "The purpose '{purpose}' is not a declared purpose resting on consent."
                ))
            })?
            .clone();
        let mut channels = Vec::new();
        for ch in &decl.channels {
            let mut r = ChannelReport {
                channel: *ch,
                given: 0,
                pending_confirmation: 0,
                withdrawn: 0,
                lapsed: 0,
                lapsed_customers: Vec::new(),
            };
            let candidates = self
                .store
                .consent_candidates(p.tenant_id, purpose.to_owned(), ch.as_str().to_owned())
                .await?;
            for c in candidates {
                let rows = self.store.consents(p.tenant_id, c).await?;
                let states = self.states(&t, c, &rows).await?;
                let Some(s) = states
                    .iter()
                    .find(|s| s.purpose == purpose && s.channel == Some(*ch))
                else {
                    continue;
                };
                match s.state {
                    ConsentState::Given => r.given += 1,
                    ConsentState::PendingConfirmation => r.pending_confirmation += 1,
                    ConsentState::Withdrawn => r.withdrawn += 1,
                    ConsentState::Lapsed => {
                        r.lapsed += 1;
                        r.lapsed_customers.push(LapsedConsent {
                            customer_id: c.as_uuid(),
                            since: s.since,
                        });
                    }
                }
            }
            channels.push(r);
        }
        let mut ev = AuditEvent::by(p, "marketing.report", self.clock.now(), meta);
        ev.reason = Some(purpose.to_owned());
        self.store.append_audit(vec![ev]).await?;
        Ok(ConsentReport {
            purpose: purpose.to_owned(),
            channels,
        })
    }
}
