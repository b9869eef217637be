//! Tamper evidence of the audit trail. Each event's hash covers the previous hash, its position
//! and its bytes; checkpoints of the head are signed with the Ed25519 audit key (periodically and
//! at shutdown). Verification walks the chain from the start and then checks every checkpoint, so
//! an altered, deleted, inserted or reordered event breaks a link, a truncated trail falls short
//! of a signed head, and a chain rewritten from some point on no longer matches the signed hash.
//! Only the public key is needed to verify (`audit-signing.pub`).

use crate::store::{Checkpoint, Store, StoreError};
use custos_crypto::{chain, signing};
use std::collections::HashMap;
use time::OffsetDateTime;

/// The result of a verification.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verification {
    /// No break found.
    pub ok: bool,
    /// Events read.
    pub events: u64,
    /// Checkpoints checked.
    pub checkpoints: u64,
    /// The first position that is wrong (or the earliest it can be, for a rewritten stretch).
    pub first_bad: Option<u64>,
    /// What is wrong there.
    pub problem: Option<String>,
}

const BATCH: u32 = 10_000;

/// Verifies events fed in chain order, then the checkpoints: the same check whether the events
/// come from the database or from an exported file.
pub struct Verifier {
    wanted: HashMap<u64, [u8; 32]>,
    at_checkpoint: HashMap<u64, [u8; 32]>,
    prev: [u8; 32],
    n: u64,
    broken: Option<Verification>,
    /// When the trail starts after event 1: the signed checkpoint it starts from.
    anchor: Option<u64>,
    /// Whether the trail records the pruning that removed the events up to the anchor.
    prune_recorded: bool,
}

/// The action of the event that records a pruning (its target is `seq:<anchor>`).
pub const PRUNE_ACTION: &str = "audit.prune";

fn contains(hay: &[u8], needle: &[u8]) -> bool {
    hay.windows(needle.len()).any(|w| w == needle)
}

impl Verifier {
    /// A verifier expecting these checkpoints.
    pub fn new(checkpoints: &[Checkpoint]) -> Self {
        Verifier {
            wanted: checkpoints.iter().map(|c| (c.seq, c.hash)).collect(),
            at_checkpoint: HashMap::new(),
            prev: chain::GENESIS,
            n: 0,
            broken: None,
            anchor: None,
            prune_recorded: false,
        }
    }

    fn bad(&mut self, at: u64, problem: String) {
        self.broken = Some(Verification {
            ok: false,
            events: self.n,
            checkpoints: 0,
            first_bad: Some(at),
            problem: Some(problem),
        });
    }

    /// Feeds the next event; false once the chain is broken (stop feeding).
    pub fn push(&mut self, seq: u64, body: &[u8], prev_hash: &[u8; 32], hash: &[u8; 32]) -> bool {
        if self.broken.is_some() {
            return false;
        }
        // A trail pruned by retention starts right after a signed checkpoint, whose hash the
        // first remaining event must link to.
        if self.n == 0 && seq > 1 {
            if let Some(hash) = self.wanted.get(&(seq - 1)).copied() {
                self.anchor = Some(seq - 1);
                self.prev = hash;
                self.n = seq - 1;
                self.at_checkpoint.insert(seq - 1, hash);
            }
        }
        if let Some(anchor) = self.anchor {
            if !self.prune_recorded
                && contains(body, PRUNE_ACTION.as_bytes())
                && contains(body, format!("\"target\":\"seq:{anchor}\"").as_bytes())
            {
                self.prune_recorded = serde_json::from_slice::<crate::audit::AuditEvent>(body)
                    .is_ok_and(|e| {
                        e.action == PRUNE_ACTION
                            && e.target.as_deref() == Some(&format!("seq:{anchor}"))
                    });
            }
        }
        let expected = self.n + 1;
        if seq != expected {
            self.bad(
                expected,
                format!(
                    "event {expected} is missing: the trail jumps from {} to {seq}",
                    self.n
                ),
            );
            return false;
        }
        if prev_hash != &self.prev {
            self.bad(
                seq,
                format!("event {seq} does not link to the event before it"),
            );
            return false;
        }
        let h = chain::link(&self.prev, seq, body);
        if &h != hash {
            self.bad(seq, format!("event {seq} was altered"));
            return false;
        }
        self.prev = h;
        self.n = seq;
        if self.wanted.contains_key(&seq) {
            self.at_checkpoint.insert(seq, h);
        }
        true
    }

    /// Checks the checkpoints against what was fed, with `public_key_hex`.
    pub fn finish(self, checkpoints: &[Checkpoint], public_key_hex: &str) -> Verification {
        if let Some(b) = self.broken {
            return b;
        }
        let n = self.n;
        let bad = |i: usize, at: u64, problem: String| Verification {
            ok: false,
            events: n,
            checkpoints: i as u64,
            first_bad: Some(at),
            problem: Some(problem),
        };
        if let Some(anchor) = self.anchor {
            if !self.prune_recorded {
                return bad(
                    0,
                    1,
                    format!(
                        "events 1..={anchor} are missing and the trail records no pruning of them"
                    ),
                );
            }
        }
        let mut previous_good = self.anchor.unwrap_or(0);
        for (i, cp) in checkpoints.iter().enumerate() {
            if !signing::verify(
                public_key_hex,
                &Checkpoint::message(cp.seq, &cp.hash, cp.at),
                &cp.signature,
            ) {
                return bad(
                    i,
                    cp.seq,
                    format!("the checkpoint at event {} has no valid signature", cp.seq),
                );
            }
            if cp.seq > n {
                return bad(i, n + 1, format!("the trail ends at event {n}, but a signed checkpoint covers up to {}: it was truncated", cp.seq));
            }
            if self.at_checkpoint.get(&cp.seq) != Some(&cp.hash) {
                return bad(
                    i,
                    previous_good + 1,
                    format!(
                        "events {}..={} differ from the signed checkpoint: the trail was rewritten",
                        previous_good + 1,
                        cp.seq
                    ),
                );
            }
            previous_good = cp.seq;
        }
        Verification {
            ok: true,
            events: n,
            checkpoints: checkpoints.len() as u64,
            first_bad: None,
            problem: None,
        }
    }
}

/// Verifies the whole trail in the store against its checkpoints, signed by `public_key_hex`.
pub async fn verify(store: &dyn Store, public_key_hex: &str) -> Result<Verification, StoreError> {
    let checkpoints = store.checkpoints().await?;
    let mut v = Verifier::new(&checkpoints);
    let mut batch = store.audit_range(1, BATCH).await?;
    while let Some(last) = batch.last().map(|e| e.seq) {
        // The next batch is read (on a reader thread) while this one is hashed: polled first,
        // the read is under way before the hashing takes this thread.
        let hash = async {
            batch
                .iter()
                .all(|e| v.push(e.seq, &e.body, &e.prev_hash, &e.hash))
        };
        let (next, intact) = tokio::join!(biased; store.audit_range(last + 1, BATCH), hash);
        if !intact {
            break;
        }
        batch = next?;
    }
    Ok(v.finish(&checkpoints, public_key_hex))
}

/// Removes the events older than `cutoff` that a signed checkpoint covers: the trail then
/// starts right after that checkpoint, which stays as its anchor, and an `audit.prune` event
/// (target `seq:<anchor>`) records the pruning first. Answers the anchor and how many events
/// were removed; nothing when no checkpoint is old enough.
pub async fn prune(
    store: &dyn Store,
    cutoff: OffsetDateTime,
    now: OffsetDateTime,
    retention_days: i64,
) -> Result<Option<(u64, u64)>, StoreError> {
    let checkpoints = store.checkpoints().await?;
    let first = match store.audit_range(1, 1).await?.first() {
        Some(e) => e.seq,
        None => return Ok(None),
    };
    let mut anchor = None;
    for cp in checkpoints.iter().rev() {
        if cp.seq < first {
            break;
        }
        let Some(e) = store.audit_range(cp.seq, 1).await?.into_iter().next() else {
            continue;
        };
        let at = serde_json::from_slice::<crate::audit::AuditEvent>(&e.body)
            .map(|ev| ev.at)
            .map_err(|_| StoreError::Other(format!("audit event {} does not parse", e.seq)))?;
        if e.seq == cp.seq && at < cutoff {
            anchor = Some(cp.seq);
            break;
        }
    }
    let Some(anchor) = anchor else {
        return Ok(None);
    };
    let mut ev = crate::audit::AuditEvent::anonymous(
        PRUNE_ACTION,
        "system",
        None,
        now,
        &crate::audit::RequestMeta::default(),
    )
    .target(format!("seq:{anchor}"));
    ev.reason = Some(format!(
        "retention: events older than {retention_days} days"
    ));
    store.append_audit(vec![ev]).await?;
    let removed = store.prune_audit(anchor).await?;
    Ok(Some((anchor, removed)))
}

/// Signs the current head if it moved since the last checkpoint; answers the new checkpoint.
pub async fn checkpoint(
    store: &dyn Store,
    key: &signing::AuditSigningKey,
    now: OffsetDateTime,
) -> Result<Option<Checkpoint>, StoreError> {
    let Some((seq, hash)) = store.audit_head().await? else {
        return Ok(None);
    };
    if store
        .checkpoints()
        .await?
        .last()
        .is_some_and(|c| c.seq >= seq)
    {
        return Ok(None);
    }
    let cp = Checkpoint {
        seq,
        hash,
        at: now,
        signature: key.sign(&Checkpoint::message(seq, &hash, now)).to_vec(),
    };
    store.insert_checkpoint(cp.clone()).await?;
    Ok(Some(cp))
}

impl crate::Vault {
    /// The business's audit events matching `filter`, newest first, with the next cursor (roles
    /// that read the audit trail). Reading the trail is itself audited.
    pub async fn audit_events(
        &self,
        p: &crate::policy::Principal,
        filter: crate::store::AuditFilter,
        limit: Option<u32>,
        meta: &crate::audit::RequestMeta,
    ) -> Result<(Vec<(u64, crate::audit::AuditEvent)>, Option<u64>), crate::CoreError> {
        p.active()?;
        if !p.role.may(crate::policy::Action::AuditRead) {
            return Err(crate::vault::forbidden(crate::policy::Action::AuditRead));
        }
        let limit = limit.unwrap_or(100).clamp(1, 1000);
        let customer = filter.customer;
        let rows = self
            .store
            .audit_query(p.tenant_id, filter, limit + 1)
            .await?;
        let more = rows.len() > limit as usize;
        let mut out = Vec::with_capacity(rows.len().min(limit as usize));
        for (seq, body) in rows.into_iter().take(limit as usize) {
            let ev: crate::audit::AuditEvent = serde_json::from_slice(&body).map_err(|_| {
                crate::CoreError::Internal(format!("audit event {seq} is not an event"))
            })?;
            out.push((seq, ev));
        }
        let next = if more {
            out.last().map(|(s, _)| *s)
        } else {
            None
        };
        let ev = crate::audit::AuditEvent::by(p, "audit.read", self.clock.now(), meta)
            .customers(customer.map(|c| c.as_uuid()));
        self.store.append_audit(vec![ev]).await?;
        Ok((out, next))
    }
}

impl crate::Vault {
    /// Verifies the audit trail (roles that read the audit trail); the check is itself audited.
    pub async fn verify_audit(
        &self,
        p: &crate::policy::Principal,
        public_key_hex: &str,
        meta: &crate::audit::RequestMeta,
    ) -> Result<Verification, crate::CoreError> {
        p.active()?;
        if !p.role.may(crate::policy::Action::AuditRead) {
            return Err(crate::vault::forbidden(crate::policy::Action::AuditRead));
        }
        let v = verify(self.store.as_ref(), public_key_hex).await?;
        let mut ev = crate::audit::AuditEvent::by(p, "audit.verify", self.clock.now(), meta);
        if !v.ok {
            ev = ev.outcome(crate::audit::Outcome::Failed);
            let at = v.first_bad.unwrap_or(0);
            self.raise(
                p.tenant_id,
                "audit_verification_failed",
                "critical",
                format!("The audit trail does not verify from event {at}: {}", v.problem.clone().unwrap_or_default()),
                serde_json::json!({"first_bad": v.first_bad, "problem": v.problem, "events": v.events}),
                &at.to_string(),
            )
            .await?;
        }
        self.store.append_audit(vec![ev]).await?;
        Ok(v)
    }
}
