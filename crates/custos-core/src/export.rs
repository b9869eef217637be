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
        let mut categories_held: Vec<Category> = crate::vault::SealedFields::decode(&row.sealed)?
            .0
            .keys()
            .copied()
            .chain(record_categories.iter().copied())
            .collect();
        categories_held.sort();
        categories_held.dedup();
        // Not even the existence of a category the role may not see.
        categories_held.retain(|c| full.contains(c));
        let categories: Vec<Category> = opened
            .into_iter()
            .filter(|c| full.contains(c))
            .chain(record_categories)
            .collect();
        let ev = AuditEvent::by(p, Action::CustomerExport.as_str(), now, meta)
            .customers([id.as_uuid()])
            .categories(categories);
        self.store.append_audit(vec![ev]).await?;
        let consents = self.consents_for_export(p.tenant_id, id).await?;
        let information = information(&t.catalog, &t.name, &categories_held, &consents);
        Ok(CustomerExport {
            format: "custos-export/1".into(),
            exported_at: now,
            business: t.name.clone(),
            customer,
            records,
            consents,
            information,
            omitted_categories: omitted,
        })
    }
}

/// The art. 15(1) information for a customer of a business with this catalog.
fn information(
    catalog: &custos_api::catalog::Catalog,
    business: &str,
    held: &[Category],
    consents: &custos_api::consent::Consents,
) -> custos_api::ExportInformation {
    let purposes = catalog
        .purposes
        .iter()
        .map(|p| {
            let mut cats: Vec<Category> = catalog
                .fields
                .iter()
                .chain(catalog.record_types.iter().flat_map(|r| r.fields.iter()))
                .filter(|f| f.purposes.contains(&p.name))
                .map(|f| f.category)
                .collect();
            cats.sort();
            cats.dedup();
            custos_api::ExportPurpose {
                name: p.name.clone(),
                description: p.description.clone(),
                lawful_basis: p.lawful_basis,
                categories: cats,
            }
        })
        .collect();
    let imported: Vec<String> = consents
        .history
        .iter()
        .filter(|e| e.method == "import")
        .filter_map(|e| e.evidence["source"].as_str().map(str::to_owned))
        .collect();
    let source = if imported.is_empty() {
        format!("Collected by {business} from you.")
    } else {
        format!(
            "Collected by {business} from you; part of it was imported from the business's earlier system ({}).",
            imported.join(", ")
        )
    };
    custos_api::ExportInformation {
        controller: business.to_owned(),
        purposes,
        categories: held.to_vec(),
        recipients: format!(
            "Staff of {business} whose role needs the data. No other recipient; the server that stores it acts on {business}'s behalf."
        ),
        retention: "Kept while you are a customer and as long as the law requires for records such as purchases; erased on request unless a legal obligation or claim requires keeping it.".into(),
        rights: [
            "Access to your data and a copy of it (art. 15).",
            "Correction of inaccurate data (art. 16).",
            "Erasure (art. 17).",
            "Restriction of processing (art. 18).",
            "Your data in a portable format (art. 20).",
            "Objection, and in particular to direct marketing at any time (art. 21).",
            "Withdrawal of consent at any time, without affecting earlier processing (art. 7(3)).",
        ]
        .map(String::from)
        .to_vec(),
        complaint: "You may complain to a data-protection supervisory authority, in particular where you live or work.".into(),
        source,
        automated_decisions: "No decision about you is made by automated means, and no profiling takes place (art. 22).".into(),
    }
}
