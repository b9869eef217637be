//! Key management: where master keys come from (a file by default; an external key service
//! can stand behind the same trait), the rotation of the master key (every business's keys
//! rewrapped, nothing re-encrypted), and the key status an owner or auditor reads.

use crate::audit::{AuditEvent, RequestMeta};
use crate::error::CoreError;
use crate::ids::TenantId;
use crate::store::StoreError;
use crate::vault::Vault;
use custos_crypto::{self as crypto, Key32};

/// Where the master keys come from.
///
/// The default is a file (`master.key`, or `CUSTOS_MASTER_KEY_FILE`), with the key a rotation
/// moves to beside it and retired keys kept for older backups. An external key service (a KMS,
/// an HSM, a secrets manager) implements this trait: `current` answers the key new business
/// keys are wrapped under, `all` every key the service still holds, current first. Keys are
/// answered as [`Key32`], which zeroizes itself when dropped; the vault keeps them in memory
/// only while it runs. A service that never hands out key bytes (wrap/unwrap inside the HSM)
/// would need the vault's two wrapping calls behind the trait instead; custos's own files do
/// not need that.
pub trait MasterKeySource: Send + Sync + 'static {
    /// The key new business keys are wrapped under.
    fn current(&self) -> Result<Key32, CoreError>;
    /// Every key the source holds, the current one first.
    fn all(&self) -> Result<Vec<Key32>, CoreError>;
}

/// One fixed master key (tests, and tools that were handed a key).
pub struct StaticMasterKey(pub Key32);

impl MasterKeySource for StaticMasterKey {
    fn current(&self) -> Result<Key32, CoreError> {
        Ok(self.0.clone())
    }
    fn all(&self) -> Result<Vec<Key32>, CoreError> {
        Ok(vec![self.0.clone()])
    }
}

/// What a business-key rotation did.
#[derive(Debug, Clone)]
pub struct TenantRotation {
    /// The version before.
    pub from: u32,
    /// The version now.
    pub to: u32,
    /// Customer data keys rewrapped.
    pub rewrapped: u64,
    /// An interrupted rotation was finished (no new version made).
    pub resumed: bool,
}

/// A business's keys as `custos keys status` shows them.
#[derive(Debug, Clone)]
pub struct TenantKeyStatus {
    /// The business.
    pub slug: String,
    /// The business key's version.
    pub kek_version: u32,
    /// The fingerprint of the master key wrapping it.
    pub master_key_id: String,
    /// Whether that master key is available here.
    pub master_available: bool,
    /// When the business was created.
    pub created_at: time::OffsetDateTime,
    /// Older versions in the business's key ring.
    pub older_versions: Vec<u32>,
    /// Some customer keys still wait to be rewrapped under the current version.
    pub rewrap_pending: bool,
}

impl Vault {
    /// Rewraps every business's keys that are not yet under `next` (wrapped under whichever
    /// known master key holds them now). Each business is one audited transaction, so an
    /// interrupted rotation is simply run again. Answers how many businesses were rewrapped.
    pub async fn rewrap_tenants(&self, next: &Key32, meta: &RequestMeta) -> Result<u32, CoreError> {
        let id = next.fingerprint();
        let masters = self.master_keys()?;
        let mut n = 0;
        for row in self.store.tenants().await? {
            let ring = self.store.key_ring(row.id).await?;
            if row.master_key_id == id && ring.iter().all(|e| e.master_key_id == id) {
                continue;
            }
            let (kek, index_key) = Self::unwrap_tenant_keys(&masters, &row)?;
            let wrapped_kek = crypto::wrap_key(
                next,
                &kek,
                &crate::vault::tenant_kek_aad(row.id, row.kek_version),
            );
            let wrapped_index =
                crypto::wrap_key(next, &index_key, &crate::vault::tenant_index_aad(row.id));
            // Every older version of the business key moves to the new master key too.
            let mut rewrapped_ring = Vec::new();
            for e in &ring {
                let master = masters
                    .iter()
                    .find(|k| k.fingerprint() == e.master_key_id)
                    .ok_or_else(|| {
                        CoreError::Internal(format!(
                            "tenant {} key version {} is wrapped under master key {}, which is not available here",
                            row.id, e.version, e.master_key_id
                        ))
                    })?;
                let aad = crate::vault::tenant_kek_aad(row.id, e.version);
                let k = crypto::unwrap_key(master, &e.wrapped_kek, &aad).map_err(|_| {
                    CoreError::Internal(format!(
                        "tenant {} key version {} does not unwrap",
                        row.id, e.version
                    ))
                })?;
                rewrapped_ring.push((e.version, crypto::wrap_key(next, &k, &aad)));
            }
            let mut ev = AuditEvent::anonymous(
                "key.rotate_master",
                "system",
                Some(row.id),
                self.now(),
                meta,
            )
            .target(format!("tenant:{}", row.id));
            ev.reason = Some(format!("{}->{}", row.master_key_id, id));
            match self
                .store
                .rewrap_tenant(
                    row.id,
                    &row.master_key_id,
                    wrapped_kek,
                    wrapped_index,
                    rewrapped_ring,
                    id.clone(),
                    ev,
                )
                .await
            {
                Ok(()) => n += 1,
                // Rewrapped meanwhile by another run: nothing to do.
                Err(StoreError::VersionMismatch(_)) => {}
                Err(e) => return Err(e.into()),
            }
            self.forget_tenant(row.id);
        }
        Ok(n)
    }

    /// Rotates a business's key: a new version becomes current (wrapped under the current
    /// master key), then every customer's data key is rewrapped under it in batches (each a
    /// transaction; nothing is re-encrypted). Older versions stay in the business's key ring,
    /// for what was sealed under them and for customers a running server wraps meanwhile;
    /// running it again finishes an interrupted rotation (or, with nothing left, starts a new
    /// one).
    pub async fn rotate_tenant_key(
        &self,
        tenant: TenantId,
        batch: u32,
        meta: &RequestMeta,
    ) -> Result<TenantRotation, CoreError> {
        self.forget_tenant(tenant);
        let mut t = self.tenant_keys(tenant).await?;
        let left = self
            .store
            .customers_below_key_version(tenant, t.kek_version, 1)
            .await?;
        let from = t.kek_version;
        let resumed = !left.is_empty();
        if !resumed {
            let master = self.masters_current()?;
            let version = t.kek_version + 1;
            let kek = Key32::generate();
            let entry = crate::store::KeyRingEntry {
                version,
                wrapped_kek: crypto::wrap_key(
                    &master,
                    &kek,
                    &crate::vault::tenant_kek_aad(tenant, version),
                ),
                master_key_id: master.fingerprint(),
                created_at: self.now(),
            };
            let mut ev = AuditEvent::anonymous(
                "key.rotate_tenant",
                "system",
                Some(tenant),
                self.now(),
                meta,
            )
            .target(format!("tenant:{tenant}"));
            ev.reason = Some(format!("v{from}->v{version}"));
            self.store
                .begin_tenant_rotation(tenant, from, entry, ev)
                .await
                .map_err(|e| match e {
                    StoreError::VersionMismatch(_) => CoreError::Conflict(
                        "The business key changed meanwhile (another rotation?); run it again."
                            .into(),
                    ),
                    other => other.into(),
                })?;
            self.forget_tenant(tenant);
            t = self.tenant_keys(tenant).await?;
        }
        let mut rewrapped = 0u64;
        loop {
            let rows = self
                .store
                .customers_below_key_version(tenant, t.kek_version, batch.max(1))
                .await?;
            if rows.is_empty() {
                break;
            }
            t = self.keys_for(t, rows.iter()).await?;
            let mut items = Vec::with_capacity(rows.len());
            for row in &rows {
                let dek = Self::unwrap_dek(&t, row)?;
                items.push(crate::store::DekRewrap {
                    customer: row.id,
                    from_version: row.kek_version,
                    to_version: t.kek_version,
                    wrapped_dek: Self::wrap_dek(&t, row.id, &dek),
                });
            }
            rewrapped += self
                .store
                .rewrap_customers(tenant, items, Vec::new())
                .await?;
        }
        let mut ev = AuditEvent::anonymous(
            "key.rewrap_customers",
            "system",
            Some(tenant),
            self.now(),
            meta,
        )
        .target(format!("tenant:{tenant}"));
        ev.reason = Some(format!("v{}:{rewrapped}", t.kek_version));
        self.store.append_audit(vec![ev]).await?;
        Ok(TenantRotation {
            from,
            to: t.kek_version,
            rewrapped,
            resumed,
        })
    }

    /// The key status of every business.
    pub async fn key_status(&self) -> Result<Vec<TenantKeyStatus>, CoreError> {
        let known: Vec<String> = self.master_keys()?.iter().map(Key32::fingerprint).collect();
        let mut out = Vec::new();
        for t in self.store.tenants().await? {
            let ring = self.store.key_ring(t.id).await?;
            let pending = !self
                .store
                .customers_below_key_version(t.id, t.kek_version, 1)
                .await?
                .is_empty();
            out.push(TenantKeyStatus {
                master_available: known.contains(&t.master_key_id)
                    && ring.iter().all(|e| known.contains(&e.master_key_id)),
                older_versions: ring
                    .iter()
                    .map(|e| e.version)
                    .filter(|v| *v != t.kek_version)
                    .collect(),
                rewrap_pending: pending,
                slug: t.slug,
                kek_version: t.kek_version,
                master_key_id: t.master_key_id,
                created_at: t.created_at,
            });
        }
        Ok(out)
    }
}
