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
use std::collections::BTreeMap;

impl Vault {
    /// Exports a customer (owner, manager).
    pub async fn export_customer(
        &self,
        p: &Principal,
        id: CustomerId,
        meta: &RequestMeta,
    ) -> Result<CustomerExport, CoreError> {
        self.export_as(p, id, Action::CustomerExport.as_str(), None, meta)
            .await
    }

    /// Exports a customer (owner, manager) with the art. 15(1) information in `lang` (`en`,
    /// `de`, `pl`; default: the business's language).
    pub async fn export_customer_in(
        &self,
        p: &Principal,
        id: CustomerId,
        lang: Option<&str>,
        meta: &RequestMeta,
    ) -> Result<CustomerExport, CoreError> {
        self.export_as(p, id, Action::CustomerExport.as_str(), lang, meta)
            .await
    }

    /// Exports a customer, audited under `action` (the portal's own reads are not staff
    /// exports and raise no export alert).
    pub(crate) async fn export_as(
        &self,
        p: &Principal,
        id: CustomerId,
        action: &str,
        lang: Option<&str>,
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
        let t = self.keys_for(t, [&row]).await?;
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
        let ev = AuditEvent::by(p, action, now, meta)
            .customers([id.as_uuid()])
            .categories(categories);
        self.store.append_audit(vec![ev]).await?;
        let consents = self.consents_for_export(p.tenant_id, id).await?;
        let lang = match lang {
            Some(l @ ("en" | "de" | "pl")) => l,
            _ => crate::consents::business_lang(&t.catalog.default_country),
        };
        let information = information(&t.catalog, &t.name, &categories_held, &consents, lang);
        Ok(CustomerExport {
            format: "custos-export/1".into(),
            lang: lang.to_owned(),
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

/// A period in words: whole years where the days make whole years (with their leap days).
fn period(days: u32, lang: &str) -> String {
    let years = (f64::from(days) / 365.25).round() as u32;
    let whole =
        years > 0 && (i64::from(days) - i64::from(years * 365 + years.div_ceil(4))).abs() <= 1;
    match (whole, lang) {
        (true, "de") => format!("{years} {}", if years == 1 { "Jahr" } else { "Jahre" }),
        (true, "pl") => format!(
            "{years} {}",
            match years {
                1 => "rok",
                n if (2..=4).contains(&(n % 10)) && !(12..=14).contains(&(n % 100)) => "lata",
                _ => "lat",
            }
        ),
        (true, _) => format!("{years} {}", if years == 1 { "year" } else { "years" }),
        (false, "de") => format!("{days} Tage"),
        (false, "pl") => format!("{days} dni"),
        (false, _) => format!("{days} days"),
    }
}

/// The retention rules in words, one line each, in `lang` (`en`, `de`, `pl`); the legal
/// references stay as the business wrote them.
pub fn retention_text(catalog: &custos_api::catalog::Catalog, lang: &str) -> String {
    use custos_api::retention::{RetentionAction, RetentionTarget};
    let t = |en: &str, de: &str, pl: &str| -> String {
        match lang {
            "de" => de,
            "pl" => pl,
            _ => en,
        }
        .to_owned()
    };
    if catalog.retention.is_empty() {
        return t(
            "Kept while you are a customer and as long as the law requires; erased on request unless a legal obligation or claim requires keeping it.",
            "Gespeichert, solange Sie Kundin oder Kunde sind und das Gesetz es verlangt; auf Wunsch gelöscht, außer eine gesetzliche Pflicht oder ein Rechtsanspruch verlangt die Aufbewahrung.",
            "Przechowywane, dopóki są Państwo klientem i jak długo wymaga tego prawo; usuwane na żądanie, chyba że obowiązek prawny lub roszczenie wymaga ich zachowania.",
        );
    }
    let mut lines: Vec<String> = catalog
        .retention
        .iter()
        .map(|r| {
            let p = period(r.keep_days, lang);
            let what = match &r.applies_to {
                RetentionTarget::RecordType(ty) => match lang {
                    "de" => format!("Einträge der Art „{ty}“: {p} ab dem Ereignis"),
                    "pl" => format!("Wpisy typu „{ty}”: {p} od zdarzenia"),
                    _ => format!("Records of type '{ty}': {p} from when they happened"),
                },
                RetentionTarget::Category(c) => {
                    let c = c.as_str().replace('_', " ");
                    match lang {
                        "de" => format!(
                            "Ihre Angaben der Kategorie „{c}“: {p} nach Ihrem letzten Kontakt"
                        ),
                        "pl" => format!("Dane z kategorii „{c}”: {p} od ostatniego kontaktu"),
                        _ => {
                            format!("Your {c} data: {p} after your last dealings with the business")
                        }
                    }
                }
                RetentionTarget::InactiveCustomers => match lang {
                    "de" => format!("Alles Übrige: {p} nach Ihrem letzten Kontakt"),
                    "pl" => format!("Pozostałe dane: {p} od ostatniego kontaktu"),
                    _ => format!("Everything else: {p} after your last dealings with the business"),
                },
            };
            let then = match r.action {
                RetentionAction::Delete => t("then deleted", "dann gelöscht", "następnie usuwane"),
                RetentionAction::Anonymise => t(
                    "then deleted, leaving only totals that name nobody",
                    "dann gelöscht; es bleiben nur Summen, die niemanden nennen",
                    "następnie usuwane; zostają tylko sumy bez danych osobowych",
                ),
            };
            format!(
                "{what}, {then} ({}).",
                r.legal_reference.trim_end_matches('.')
            )
        })
        .collect();
    lines.push(t(
        "A legal hold (e.g. a pending legal claim) keeps data until it is lifted; you may ask for erasure at any time.",
        "Eine Aufbewahrungspflicht wegen eines Rechtsstreits hält Daten, bis sie aufgehoben ist; Sie können jederzeit die Löschung verlangen.",
        "Blokada prawna (np. toczące się roszczenie) zatrzymuje dane do jej zniesienia; w każdej chwili mogą Państwo zażądać usunięcia.",
    ));
    lines.join("\n")
}

/// `en`, `de` or `pl` of three texts.
pub(crate) fn pick(lang: &str, en: &str, de: &str, pl: &str) -> String {
    match lang {
        "de" => de,
        "pl" => pl,
        _ => en,
    }
    .to_owned()
}

/// The data subject's rights (arts. 7(3), 15–18, 20, 21), one line each, in `lang`.
pub fn rights(lang: &str) -> Vec<String> {
    let rights: [(&str, &str, &str); 7] = [
        ("Access to your data and a copy of it (art. 15).", "Auskunft über Ihre Daten und eine Kopie (Art. 15).", "Dostęp do danych i ich kopia (art. 15)."),
        ("Correction of inaccurate data (art. 16).", "Berichtigung unrichtiger Daten (Art. 16).", "Sprostowanie nieprawidłowych danych (art. 16)."),
        ("Erasure (art. 17).", "Löschung (Art. 17).", "Usunięcie danych (art. 17)."),
        ("Restriction of processing (art. 18).", "Einschränkung der Verarbeitung (Art. 18).", "Ograniczenie przetwarzania (art. 18)."),
        ("Your data in a portable format (art. 20).", "Ihre Daten in einem übertragbaren Format (Art. 20).", "Przeniesienie danych (art. 20)."),
        ("Objection, and in particular to direct marketing at any time (art. 21).", "Widerspruch, gegen Direktwerbung jederzeit (Art. 21).", "Sprzeciw, wobec marketingu bezpośredniego w każdej chwili (art. 21)."),
        ("Withdrawal of consent at any time, without affecting earlier processing (art. 7(3)).", "Widerruf einer Einwilligung jederzeit, ohne Wirkung auf die frühere Verarbeitung (Art. 7 Abs. 3).", "Wycofanie zgody w każdej chwili, bez wpływu na wcześniejsze przetwarzanie (art. 7 ust. 3)."),
    ];
    rights
        .iter()
        .map(|(en, de, pl)| pick(lang, en, de, pl))
        .collect()
}

/// The right to complain to a supervisory authority (art. 13(2)(d)), in `lang`.
pub fn complaint(lang: &str) -> String {
    pick(
        lang,
        "You may complain to a data-protection supervisory authority, in particular where you live or work.",
        "Sie können sich bei einer Datenschutz-Aufsichtsbehörde beschweren, insbesondere dort, wo Sie wohnen oder arbeiten.",
        "Mogą Państwo złożyć skargę do organu nadzorczego ochrony danych (w Polsce: Prezes UODO), zwłaszcza w miejscu zamieszkania lub pracy.",
    )
}

/// That there is no automated decision-making (art. 13(2)(f)), in `lang`.
pub fn automated_decisions(lang: &str) -> String {
    pick(
        lang,
        "No decision about you is made by automated means, and no profiling takes place (art. 22).",
        "Es gibt keine automatisierte Entscheidung über Sie und kein Profiling (Art. 22).",
        "Nie podejmujemy wobec Państwa zautomatyzowanych decyzji i nie stosujemy profilowania (art. 22).",
    )
}

/// The art. 15(1) information for a customer of a business with this catalog.
fn information(
    catalog: &custos_api::catalog::Catalog,
    business: &str,
    held: &[Category],
    consents: &custos_api::consent::Consents,
    lang: &str,
) -> custos_api::ExportInformation {
    let t = |en: String, de: String, pl: String| -> String {
        match lang {
            "de" => de,
            "pl" => pl,
            _ => en,
        }
    };
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
        t(
            format!("Collected by {business} from you."),
            format!("Von {business} bei Ihnen erhoben."),
            format!("Zebrane przez {business} od Państwa."),
        )
    } else {
        let files = imported.join(", ");
        t(
            format!("Collected by {business} from you; part of it was imported from the business's earlier system ({files})."),
            format!("Von {business} bei Ihnen erhoben; ein Teil stammt aus dem früheren System des Geschäfts ({files})."),
            format!("Zebrane przez {business} od Państwa; część przeniesiono z wcześniejszego systemu firmy ({files})."),
        )
    };
    custos_api::ExportInformation {
        controller: business.to_owned(),
        purposes,
        categories: held.to_vec(),
        recipients: crate::compliance::recipients_text(catalog, business, lang),
        retention: retention_text(catalog, lang),
        retention_rules: catalog.retention.clone(),
        rights: rights(lang),
        complaint: complaint(lang),
        source,
        automated_decisions: automated_decisions(lang),
    }
}

impl Vault {
    /// Imports a customer's export (`custos-export/1`, from this or another custos server) into
    /// the principal's business as a new customer, in one transaction: the fields and records
    /// this business declares (others are dropped and listed, never stored), and the consent
    /// history for the purposes and channels it declares (with method `import`, the original
    /// time and the source as evidence). A customer erased here is never brought back, and an
    /// address already on file is refused as a duplicate.
    pub async fn import_customer(
        &self,
        p: &Principal,
        export: &CustomerExport,
        meta: &RequestMeta,
    ) -> Result<custos_api::ImportReport, CoreError> {
        use crate::catalog::{validate_value, CatalogExt};
        use crate::store::{ConsentRow, CustomerBundle, IndexKind, RecordRow};
        let t = self.authorize(p, Action::CustomerImport, &[], meta).await?;
        if export.format != "custos-export/1" {
            return Err(CoreError::Invalid(
                "format must be custos-export/1 (a custos customer export).".into(),
            ));
        }
        let original = CustomerId::from_uuid(export.customer.id);
        if self.store.is_erased(t.id, original).await? {
            return Err(CoreError::Conflict(
                "This customer was erased here; an import never brings an erased customer back."
                    .into(),
            ));
        }
        let country = t.catalog.default_country.clone();
        let mut dropped = Vec::new();
        let mut by_cat: BTreeMap<Category, BTreeMap<String, serde_json::Value>> = BTreeMap::new();
        for (name, value) in &export.customer.fields {
            match t.catalog.field(name) {
                Some(def) => match validate_value(def, value, &country) {
                    Ok(v) => {
                        by_cat
                            .entry(def.category)
                            .or_default()
                            .insert(name.clone(), v);
                    }
                    Err(e) => dropped.push(format!("{name}: {e}")),
                },
                None => dropped.push(name.clone()),
            }
        }
        for def in t.catalog.fields.iter().filter(|d| d.required) {
            if !by_cat
                .get(&def.category)
                .is_some_and(|m| m.contains_key(&def.name))
            {
                return Err(CoreError::Field(crate::catalog::FieldError::Invalid {
                    field: def.name.clone(),
                    reason: "is required".into(),
                }));
            }
        }
        // An address already on file: the same person, most likely; refuse a duplicate.
        if let Some(email) = by_cat
            .get(&Category::Contact)
            .and_then(|m| m.get("email"))
            .and_then(|v| v.as_str())
            .and_then(|e| crate::values::Email::parse(e).ok())
        {
            let h = custos_crypto::blind_index(
                &t.index_key,
                IndexKind::Email.as_str(),
                &email.search_key(),
            );
            if !self
                .store
                .index_lookup(t.id, IndexKind::Email, &[h], 1)
                .await?
                .is_empty()
            {
                return Err(CoreError::Conflict(
                    "A customer with this e-mail address exists already in this business.".into(),
                ));
            }
        }
        let now = self.clock.now();
        let (mut row, index, dek) = self.new_customer(&t, &by_cat, now);
        let id = row.id;
        let mut records = Vec::new();
        let mut records_dropped = Vec::new();
        for (n, r) in export.records.iter().enumerate() {
            let Some(rt) = t.catalog.record_type(&r.type_) else {
                records_dropped.push(format!("{}: record type not declared", r.type_));
                continue;
            };
            let mut fields = BTreeMap::new();
            for (name, value) in &r.fields {
                match rt.fields.iter().find(|f| &f.name == name) {
                    Some(def) => match validate_value(def, value, &country) {
                        Ok(v) => {
                            fields.insert(name.clone(), v);
                        }
                        Err(e) => dropped.push(format!("{}.{name}: {e}", r.type_)),
                    },
                    None => dropped.push(format!("{}.{name}", r.type_)),
                }
            }
            // Ids in time order of creation, one apart, so the timeline keeps its order.
            let rid = crate::ids::RecordId::new_at(now + time::Duration::milliseconds(n as i64));
            records.push(RecordRow {
                id: rid,
                tenant_id: t.id,
                customer_id: id,
                type_: rt.name.clone(),
                category: rt.category,
                occurred_at: r.occurred_at,
                sealed: Self::seal_record(&t, id, &dek, rid, &fields),
                created_at: now,
            });
        }
        let mut consents = Vec::new();
        let mut consents_dropped = 0u32;
        for h in &export.consents.history {
            let purpose = t.catalog.purposes.iter().find(|x| x.name == h.purpose);
            let fits = match purpose {
                Some(pp) => {
                    pp.lawful_basis.is_consent()
                        && match h.channel {
                            Some(c) => pp.channels.contains(&c),
                            None => pp.channels.is_empty(),
                        }
                }
                // An objection to direct marketing travels with the customer.
                None => h.purpose == custos_api::consent::OBJECTION,
            };
            let state_ok = matches!(
                h.state,
                custos_api::consent::ConsentState::Given
                    | custos_api::consent::ConsentState::Withdrawn
            );
            if !fits || !state_ok {
                consents_dropped += 1;
                continue;
            }
            let text_version = h.text_version.filter(|v| {
                purpose.is_some_and(|pp| {
                    pp.consent_texts
                        .iter()
                        .any(|x| x.version == *v && Some(&x.lang) == h.lang.as_ref())
                })
            });
            consents.push(ConsentRow {
                id: uuid::Uuid::now_v7(),
                tenant_id: t.id,
                customer_id: id,
                purpose: h.purpose.clone(),
                channel: h.channel.map(|c| c.as_str().to_owned()),
                state: h.state.as_str().to_owned(),
                method: "import".into(),
                text_version,
                lang: h.lang.clone(),
                at: h.at,
                actor_kind: p.kind.as_str().to_owned(),
                actor_id: Some(p.actor_id),
                evidence: serde_json::json!({
                    "source": format!("custos export from {}", export.business),
                    "original_event": h.id,
                    "original_method": h.method,
                    "original_evidence": h.evidence,
                })
                .to_string(),
                expires_at: None,
            });
        }
        let mut cats: Vec<Category> = by_cat.keys().copied().collect();
        cats.extend(records.iter().map(|r| r.category));
        let mut ev = AuditEvent::by(p, Action::CustomerImport.as_str(), now, meta)
            .customers([id.as_uuid()])
            .categories(cats);
        ev.reason = Some("custos-export".into());
        let (records_imported, consents_imported) = (records.len() as u32, consents.len() as u32);
        row.number = self
            .store
            .insert_customer_bundle(CustomerBundle {
                customer: row.clone(),
                index,
                records,
                consents,
                deliveries: Vec::new(),
                audit: vec![ev],
            })
            .await?;
        let (customer, _) = self.view(p, &t, &row)?;
        Ok(custos_api::ImportReport {
            customer,
            fields_dropped: dropped,
            records_imported,
            records_dropped,
            consents_imported,
            consents_dropped,
        })
    }
}
