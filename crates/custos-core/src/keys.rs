//! Key management: where master keys come from (a file by default; an external key service
//! can stand behind the same trait), the rotation of the master key (every business's keys
//! rewrapped, nothing re-encrypted), and the key status an owner or auditor reads.

use crate::audit::{AuditEvent, RequestMeta};
use crate::error::CoreError;
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
}

impl Vault {
    /// Rewraps every business's keys that are not yet under `next` (wrapped under whichever
    /// known master key holds them now). Each business is one audited transaction, so an
    /// interrupted rotation is simply run again. Answers how many businesses were rewrapped.
    pub async fn rewrap_tenants(&self, next: &Key32, meta: &RequestMeta) -> Result<u32, CoreError> {
        let id = next.fingerprint();
        let mut n = 0;
        for row in self.store.tenants().await? {
            if row.master_key_id == id {
                continue;
            }
            let (kek, index_key) = self.unwrap_tenant_keys(&row)?;
            let wrapped_kek = crypto::wrap_key(
                next,
                &kek,
                &crate::vault::tenant_kek_aad(row.id, row.kek_version),
            );
            let wrapped_index =
                crypto::wrap_key(next, &index_key, &crate::vault::tenant_index_aad(row.id));
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

    /// The key status of every business.
    pub async fn key_status(&self) -> Result<Vec<TenantKeyStatus>, CoreError> {
        let known: Vec<String> = self.master_keys()?.iter().map(Key32::fingerprint).collect();
        Ok(self
            .store
            .tenants()
            .await?
            .into_iter()
            .map(|t| TenantKeyStatus {
                master_available: known.contains(&t.master_key_id),
                slug: t.slug,
                kek_version: t.kek_version,
                master_key_id: t.master_key_id,
                created_at: t.created_at,
            })
            .collect())
    }
}
