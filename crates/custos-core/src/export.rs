//! The customer's export (GDPR art. 15 access, art. 20 portability): the profile unmasked,
//! every consent with its evidence, and every timeline record in the categories the exporting role may see in full; the others are
//! named as omitted, never shown masked. Each export is audited with its categories, and the
//! export anomaly rule raises an alert for it.

use crate::audit::{AuditEvent, RequestMeta};
use crate::error::CoreError;
use crate::ids::CustomerId;
use crate::policy::{Access, Action, Principal};
use crate::vault::Vault;
use custos_api::catalog::Category;
use custos_api::CustomerExport;

impl Vault {
    /// Exports a customer (owner, manager).
    pub async fn export_customer(
        &self,
        p: &Principal,
        id: CustomerId,
        meta: &RequestMeta,
    ) -> Result<CustomerExport, CoreError> {
        let t = self
            .authorize(p, Action::CustomerExport, &[id], meta)
            .await?;
        let row = self
            .store
            .customer(p.tenant_id, id)
            .await?
            .ok_or(CoreError::NotFound("Customer"))?;
        let (mut customer, opened) = self.view(p, &t, &row)?;
        // Masked values are not an export: leave those fields out and say which categories.
        for name in std::mem::take(&mut customer.masked) {
            customer.fields.remove(&name);
        }
        let full: Vec<Category> = Category::ALL
            .into_iter()
            .filter(|c| p.role.access(*c) == Access::Full)
            .collect();
        let omitted: Vec<Category> = Category::ALL
            .into_iter()
            .filter(|c| p.role.access(*c) != Access::Full)
            .collect();
        let dek = Self::unwrap_dek(&t, &row)?;
        let mut records = Vec::new();
        let mut record_categories = Vec::new();
        let mut after = None;
        loop {
            let rows = self
                .store
                .list_records(p.tenant_id, id, &full, after, 500)
                .await?;
            for r in &rows {
                let mut rec = self.record_view(p, &t, r, None, &dek)?;
                for name in std::mem::take(&mut rec.masked) {
                    rec.fields.remove(&name);
                }
                records.push(rec);
                record_categories.push(r.category);
            }
            if rows.len() < 500 {
                break;
            }
            after = rows.last().map(|r| r.id);
        }
        let now = self.clock.now();
        let categories: Vec<Category> = opened
            .into_iter()
            .filter(|c| full.contains(c))
            .chain(record_categories)
            .collect();
        let ev = AuditEvent::by(p, Action::CustomerExport.as_str(), now, meta)
            .customers([id.as_uuid()])
            .categories(categories);
        self.store.append_audit(vec![ev]).await?;
        Ok(CustomerExport {
            format: "custos-export/1".into(),
            exported_at: now,
            business: t.name.clone(),
            customer,
            records,
            consents: self.consents_for_export(p.tenant_id, id).await?,
            omitted_categories: omitted,
        })
    }
}
