//! The whole customer list, out: in the layout of a Shopify, Fresha or Square customer import
//! (for a move to one of them), or as custos's own CSV with one column per catalog field and one
//! per consent (for anything else, and for the business's own portability). The owner's alone,
//! audited with every customer named, and flagged for review like every export.

use crate::audit::{AuditEvent, RequestMeta};
use crate::catalog::Category;
use crate::error::CoreError;
use crate::ids::CustomerId;
use crate::importing::Source;
use crate::policy::{Action, Principal};
use crate::values::CustomerNumber;
use crate::vault::{Plain, SealedFields, Vault};
use custos_api::catalog::Channel;
use custos_api::consent::ConsentState;
use serde_json::Value;
use std::collections::{BTreeMap, HashSet};

/// The header lines written (the current layouts).
const SHOPIFY: &str = "Customer ID,First Name,Last Name,Email,Accepts Email Marketing,Default Address Company,Default Address Address1,Default Address Address2,Default Address City,Default Address Province Code,Default Address Country Code,Default Address Zip,Default Address Phone,Phone,Accepts SMS Marketing,Total Spent,Total Orders,Note,Tax Exempt,Tags,Accepts WhatsApp Marketing";
const FRESHA: &str = "Client ID,First Name,Last Name,Full Name,Blocked,Block Reason,Gender,Mobile Number,Telephone,Email,Accepts Marketing,Accepts SMS Marketing,Address,Apartement Suite,Area,City,State,Post Code,Date of Birth,Added,Note,Referral Source,Tags";
const SQUARE: &str = "Reference ID,First Name,Last Name,Email Address,Phone Number,Nickname,Company Name,Street Address 1,Street Address 2,City,State,Postal Code,Birthday,Memo,Square Customer ID,Creation Source,First Visit,Last Visit,Transaction Count,Lifetime Spend,Email Subscription Status,Instant Profile,Blocked from online booking";

/// Customers read per page.
const PAGE: u32 = 500;

/// A customer list written out.
#[derive(Debug)]
pub struct ListExport {
    /// The CSV (UTF-8, with a header line).
    pub csv: Vec<u8>,
    /// How many customers.
    pub customers: u64,
    /// A file name for it.
    pub file_name: String,
}

fn text(fields: &Plain, name: &str) -> String {
    match fields.get(name) {
        Some(Value::String(s)) => s.clone(),
        Some(Value::Null) | None => String::new(),
        Some(v) => v.to_string(),
    }
}

impl Vault {
    /// The customers whose consent to (purpose, channel) counts now.
    async fn consenting(
        &self,
        t: &crate::vault::TenantKeys,
        purpose: &str,
        channel: Channel,
    ) -> Result<HashSet<CustomerId>, CoreError> {
        let mut out = HashSet::new();
        for c in self
            .store
            .consent_candidates(t.id, purpose.to_owned(), channel.as_str().to_owned())
            .await?
        {
            let rows = self.store.consents(t.id, c).await?;
            if self.states(t, c, &rows).await?.iter().any(|s| {
                s.purpose == purpose && s.channel == Some(channel) && s.state == ConsentState::Given
            }) {
                out.insert(c);
            }
        }
        Ok(out)
    }

    /// Writes every customer of the business in `format`'s layout (owner only). Audited with
    /// every customer named.
    pub async fn export_customer_list(
        &self,
        p: &Principal,
        format: Source,
        meta: &RequestMeta,
    ) -> Result<ListExport, CoreError> {
        let t = self
            .authorize(p, Action::CustomerExportAll, &[], meta)
            .await?;
        // The consent columns: for the known layouts the purpose an import maps them to; for
        // custos's own CSV every purpose resting on consent, per channel.
        let consent_columns: Vec<(String, Option<Channel>)> = t
            .catalog
            .purposes
            .iter()
            .filter(|x| x.lawful_basis.is_consent())
            .flat_map(|x| {
                let channels: Vec<Option<Channel>> = if x.channels.is_empty() {
                    vec![None]
                } else {
                    x.channels.iter().copied().map(Some).collect()
                };
                channels.into_iter().map(|c| (x.name.clone(), c))
            })
            .collect();
        let mut consenting: BTreeMap<(String, Option<Channel>), HashSet<CustomerId>> =
            BTreeMap::new();
        for (purpose, channel) in &consent_columns {
            let set = match channel {
                Some(c) => self.consenting(&t, purpose, *c).await?,
                None => HashSet::new(),
            };
            consenting.insert((purpose.clone(), *channel), set);
        }
        let for_channel = |id: CustomerId, channel: Channel| -> bool {
            crate::importing::purpose_for(&t, channel).is_some_and(|purpose| {
                consenting
                    .get(&(purpose, Some(channel)))
                    .is_some_and(|s| s.contains(&id))
            })
        };
        let yes_no = |b: bool| if b { "yes" } else { "no" }.to_owned();
        let fields: Vec<String> = t.catalog.fields.iter().map(|f| f.name.clone()).collect();
        let mut w = csv::WriterBuilder::new().from_writer(Vec::new());
        let header: Vec<String> = match format {
            Source::Shopify => SHOPIFY.split(',').map(str::to_owned).collect(),
            Source::Fresha => FRESHA.split(',').map(str::to_owned).collect(),
            Source::Square => SQUARE.split(',').map(str::to_owned).collect(),
            Source::Csv => {
                let mut h = vec!["number".to_owned()];
                h.extend(fields.iter().cloned());
                h.extend(consent_columns.iter().map(|(p, c)| match c {
                    Some(c) => format!("consent:{p}:{}", c.as_str()),
                    None => format!("consent:{p}"),
                }));
                h
            }
        };
        let csv_err = |e: csv::Error| CoreError::Internal(format!("writing the list: {e}"));
        w.write_record(&header).map_err(csv_err)?;
        let mut ids = Vec::new();
        let mut cats: HashSet<Category> = HashSet::new();
        let mut after = None;
        loop {
            let page = self.store.list_customers(t.id, after, PAGE).await?;
            let Some(last) = page.last() else { break };
            after = Some(last.id);
            let t = self.keys_for(t.clone(), page.iter()).await?;
            for row in &page {
                let dek = Self::unwrap_dek(&t, row)?;
                let sealed = SealedFields::decode(&row.sealed)?;
                let mut all = Plain::new();
                for (cat, blob) in &sealed.0 {
                    cats.insert(*cat);
                    all.extend(Self::open_category(&t, row.id, &dek, *cat, blob)?);
                }
                let number = CustomerNumber(row.number).to_string();
                let f = |n: &str| text(&all, n);
                let email = for_channel(row.id, Channel::Email);
                let sms = for_channel(row.id, Channel::Sms);
                let record: Vec<String> = match format {
                    Source::Shopify => header
                        .iter()
                        .map(|h| match h.as_str() {
                            "Customer ID" => number.clone(),
                            "First Name" => f("first_name"),
                            "Last Name" => f("last_name"),
                            "Email" => f("email"),
                            "Accepts Email Marketing" => yes_no(email),
                            "Default Address Address1" => f("street"),
                            "Default Address City" => f("city"),
                            "Default Address Country Code" => f("country"),
                            "Default Address Zip" => f("postal_code"),
                            "Phone" => f("phone"),
                            "Accepts SMS Marketing" => yes_no(sms),
                            "Accepts WhatsApp Marketing" => {
                                yes_no(for_channel(row.id, Channel::Whatsapp))
                            }
                            "Note" => f("note"),
                            _ => String::new(),
                        })
                        .collect(),
                    Source::Fresha => header
                        .iter()
                        .map(|h| match h.as_str() {
                            "Client ID" => number.clone(),
                            "First Name" => f("first_name"),
                            "Last Name" => f("last_name"),
                            "Full Name" => format!("{} {}", f("first_name"), f("last_name"))
                                .trim()
                                .to_owned(),
                            "Mobile Number" => f("phone"),
                            "Email" => f("email"),
                            "Accepts Marketing" => yes_no(email),
                            "Accepts SMS Marketing" => yes_no(sms),
                            "Address" => f("street"),
                            "City" => f("city"),
                            "Post Code" => f("postal_code"),
                            "Date of Birth" => f("birth_date"),
                            "Added" => row.created_at.date().to_string(),
                            "Note" => f("note"),
                            _ => String::new(),
                        })
                        .collect(),
                    Source::Square => header
                        .iter()
                        .map(|h| match h.as_str() {
                            "Reference ID" => number.clone(),
                            "First Name" => f("first_name"),
                            "Last Name" => f("last_name"),
                            "Email Address" => f("email"),
                            "Phone Number" => f("phone"),
                            "Street Address 1" => f("street"),
                            "City" => f("city"),
                            "Postal Code" => f("postal_code"),
                            // Square writes a birthday without the year as MM-DD.
                            "Birthday" => {
                                let b = f("birth_date");
                                b.strip_prefix("--").map_or(b.clone(), str::to_owned)
                            }
                            "Memo" => f("note"),
                            "Email Subscription Status" => {
                                if email { "subscribed" } else { "unsubscribed" }.to_owned()
                            }
                            _ => String::new(),
                        })
                        .collect(),
                    Source::Csv => {
                        let mut r = vec![number.clone()];
                        r.extend(fields.iter().map(|n| f(n)));
                        r.extend(consent_columns.iter().map(|k| {
                            yes_no(consenting.get(k).is_some_and(|s| s.contains(&row.id)))
                        }));
                        r
                    }
                };
                // Cells a spreadsheet would run as a formula are defused (an import here takes
                // the apostrophe off again).
                w.write_record(record.iter().map(|c| crate::values::defuse(c)))
                    .map_err(csv_err)?;
                ids.push(row.id.as_uuid());
            }
            if page.len() < PAGE as usize {
                break;
            }
        }
        let csv = w
            .into_inner()
            .map_err(|e| CoreError::Internal(format!("writing the list: {e}")))?;
        let customers = ids.len() as u64;
        let mut ev = AuditEvent::by(
            p,
            Action::CustomerExportAll.as_str(),
            self.clock.now(),
            meta,
        )
        .customers(ids)
        .categories(cats);
        ev.reason = Some(format!(
            "customer list as {}: {customers} customers",
            format.as_str()
        ));
        self.store.append_audit(vec![ev]).await?;
        Ok(ListExport {
            csv,
            customers,
            file_name: format!(
                "{}-customers-{}-{}.csv",
                p.tenant_slug,
                format.as_str(),
                self.clock.now().date()
            ),
        })
    }
}
