//! Importing a customer list another system exported (Shopify, Fresha, Square, or any CSV with
//! a mapping): each row validated against the catalog and sealed like any other customer,
//! columns the catalog does not declare dropped and named, consent columns turned into consent
//! events with method `import`, and every row matched against the customers already here (by
//! e-mail, phone, or the other system's id), so that a re-run or a resumed import adds nothing
//! twice. Rows go in chunks, one transaction each, with their audit event; an interrupted import
//! leaves whole chunks, and running it again picks up where it stopped. A row belonging to a
//! customer erased here is refused: an import never brings an erased customer back.

use crate::audit::{AuditEvent, RequestMeta};
use crate::catalog::{validate_value, CatalogExt, Category, FieldError};
use crate::consents::business_lang;
use crate::error::CoreError;
use crate::ids::CustomerId;
use crate::import::{birthday, clean_cell, consent_value, CsvFile, Layout, Row};
use crate::policy::{Access, Action, Principal};
use crate::store::{
    ConsentRow, CustomerChange, CustomerRow, ImportBatch, IndexEntry, IndexKind, StoreError,
};
use crate::vault::{Plain, SealedFields, TenantKeys, Vault};
use custos_api::catalog::{Channel, FieldDef, FieldType};
use custos_api::{DroppedColumn, DuplicateRow, FileImportReport, RowProblem};
use custos_crypto as crypto;
use serde_json::Value;
use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::Arc;

/// Rows per transaction.
pub const CHUNK: usize = 5_000;

/// What kind of file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    /// A Shopify customer export, any layout since 2018.
    Shopify,
    /// Fresha's client list.
    Fresha,
    /// Square's customer export.
    Square,
    /// Any CSV, with a mapping of its columns.
    Csv,
}

impl Source {
    /// From its name on the command line and the wire.
    pub fn parse(s: &str) -> Option<Source> {
        Some(match s {
            "shopify" => Source::Shopify,
            "fresha" => Source::Fresha,
            "square" => Source::Square,
            "csv" => Source::Csv,
            _ => return None,
        })
    }

    /// Its name.
    pub fn as_str(self) -> &'static str {
        match self {
            Source::Shopify => "shopify",
            Source::Fresha => "fresha",
            Source::Square => "square",
            Source::Csv => "csv",
        }
    }
}

impl Layout {
    /// The layout's name in reports.
    pub fn as_str(self) -> &'static str {
        match self {
            Layout::Shopify2018 => "shopify-2018",
            Layout::Shopify2022 => "shopify-2022",
            Layout::Shopify2023 => "shopify-2023",
            Layout::Shopify2024 => "shopify-2024",
            Layout::Fresha => "fresha",
            Layout::Square => "square",
        }
    }

    /// The source it is an export of.
    pub fn source(self) -> Source {
        match self {
            Layout::Fresha => Source::Fresha,
            Layout::Square => Source::Square,
            _ => Source::Shopify,
        }
    }

    /// The channel a consent column is about, if it is one.
    pub fn consent_channel(self, column: &str) -> Option<Channel> {
        match (self, column) {
            (_, "Accepts Email Marketing") => Some(Channel::Email),
            (Layout::Square, "Email Subscription Status") => Some(Channel::Email),
            (Layout::Shopify2018 | Layout::Fresha, "Accepts Marketing") => Some(Channel::Email),
            (_, "Accepts SMS Marketing") => Some(Channel::Sms),
            (_, "Accepts WhatsApp Marketing") => Some(Channel::Whatsapp),
            _ => None,
        }
    }
}

/// Where a column of a generic CSV goes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    /// A catalog field.
    Field(String),
    /// The other system's id of the customer (matched on re-import).
    ExternalId,
    /// A consent column (yes/no): a purpose resting on consent, and its channel.
    Consent {
        /// The purpose.
        purpose: String,
        /// The channel, for purposes with channels.
        channel: Option<Channel>,
    },
    /// Not imported.
    Drop,
}

/// The mapping of a generic CSV's columns: a CSV file itself, `column,target` per line, where
/// the target is a catalog field, `external_id`, `consent:PURPOSE[:CHANNEL]`, or `drop` (or
/// empty). Columns it does not name are dropped.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Mapping {
    /// Column name → target.
    pub columns: Vec<(String, Target)>,
}

impl Mapping {
    /// Reads a mapping file.
    pub fn parse(text: &str) -> Result<Mapping, String> {
        let mut reader = csv::ReaderBuilder::new()
            .has_headers(false)
            .flexible(true)
            .comment(Some(b'#'))
            .from_reader(text.strip_prefix('\u{FEFF}').unwrap_or(text).as_bytes());
        let mut columns: Vec<(String, Target)> = Vec::new();
        for (i, rec) in reader.records().enumerate() {
            let rec = rec.map_err(|e| format!("the mapping: {e}"))?;
            let column = rec.get(0).unwrap_or("").trim();
            let target = rec.get(1).unwrap_or("").trim();
            if column.is_empty() || (i == 0 && column == "column" && target == "target") {
                continue;
            }
            let t = match target {
                "" | "drop" => Target::Drop,
                "external_id" => Target::ExternalId,
                t if t.starts_with("consent:") => {
                    let mut parts = t["consent:".len()..].splitn(2, ':');
                    let purpose = parts.next().unwrap_or("").to_owned();
                    let channel = match parts.next() {
                        None => None,
                        Some(c) => Some(
                            Channel::ALL
                                .into_iter()
                                .find(|x| x.as_str() == c)
                                .ok_or_else(|| {
                                    format!("the mapping for '{column}': no channel '{c}'")
                                })?,
                        ),
                    };
                    if purpose.is_empty() {
                        return Err(format!(
                            "the mapping for '{column}': name the purpose (consent:PURPOSE[:CHANNEL])"
                        ));
                    }
                    Target::Consent { purpose, channel }
                }
                field => Target::Field(field.to_owned()),
            };
            if columns.iter().any(|(c, _)| c == column) {
                return Err(format!("the mapping names the column '{column}' twice"));
            }
            columns.push((column.to_owned(), t));
        }
        if columns.is_empty() {
            return Err("the mapping names no column (one `column,target` per line)".into());
        }
        Ok(Mapping { columns })
    }
}

/// How to import.
#[derive(Debug, Clone)]
pub struct ImportOptions {
    /// The kind of file.
    pub source: Source,
    /// The columns of a generic CSV.
    pub mapping: Option<Mapping>,
    /// The file's name (the consent events' evidence).
    pub file_name: String,
    /// Report only; write nothing.
    pub dry_run: bool,
    /// Change customers already here to the file's values (otherwise they are left alone).
    pub update: bool,
}

/// What a column is used for.
#[derive(Debug, Clone)]
enum Use {
    Field {
        name: String,
    },
    External,
    Consent {
        purpose: String,
        channel: Option<Channel>,
    },
    /// Dropped: the index into the report's dropped columns.
    Dropped(usize),
}

/// A row ready to go in.
struct Prepared {
    line: u64,
    by_cat: BTreeMap<Category, Plain>,
    index: Vec<IndexEntry>,
    /// What matches it to a customer already here or an earlier row: e-mail, phone, external.
    keys: Vec<IndexEntry>,
    /// The external key (also in `keys`).
    external: Option<IndexEntry>,
    consents: Vec<(String, Option<Channel>, String)>,
}

/// The file's plan: each column's use.
struct Plan {
    uses: Vec<Use>,
    source_key: &'static str,
}

fn on(kind: IndexKind) -> &'static str {
    match kind {
        IndexKind::Email => "email",
        IndexKind::Phone => "phone",
        _ => "external_id",
    }
}

/// The purpose a consent column of a known export records: the most specific marketing purpose
/// resting on consent over that channel (`newsletter` for e-mail in the templates).
pub(crate) fn purpose_for(t: &TenantKeys, channel: Channel) -> Option<String> {
    t.catalog
        .purposes
        .iter()
        .filter(|p| p.lawful_basis.is_consent() && p.channels.contains(&channel))
        .min_by_key(|p| (p.channels.len(), !p.marketing))
        .map(|p| p.name.clone())
}

/// What one import cell says for its catalog field, validated and normalised as stored
/// (a birthday without a year, "Yes" for true, a decimal comma, spreadsheet line breaks), or
/// why it is refused, naming the column and never the value.
pub fn cell_value(
    def: &FieldDef,
    value: &str,
    column: &str,
    default_country: &str,
) -> Result<Value, String> {
    let v = match &def.type_ {
        FieldType::Date => Value::String(birthday(value).map_err(|e| format!("{column}: {e}"))?),
        FieldType::Number { .. } => value
            .replace(',', ".")
            .parse::<f64>()
            .ok()
            .and_then(serde_json::Number::from_f64)
            .map(Value::Number)
            .ok_or_else(|| format!("{column}: is not a number"))?,
        FieldType::Bool => {
            Value::Bool(consent_value(value).ok_or_else(|| format!("{column}: is not yes or no"))?)
        }
        // Line breaks as a spreadsheet wrote them (CRLF, or CR) become LF.
        FieldType::Text { .. } if value.contains('\r') => {
            Value::String(value.replace("\r\n", "\n").replace('\r', "\n"))
        }
        _ => Value::String(value.to_owned()),
    };
    validate_value(def, &v, default_country).map_err(|e| match e {
        FieldError::CardNumber(_) => format!(
            "{column}: holds what looks like a payment card number; custos never stores card numbers"
        ),
        FieldError::Invalid { reason, .. } => format!("{column}: {reason}"),
        FieldError::Unknown(f) => format!("{column}: {f} is not declared"),
    })
}

impl Vault {
    fn import_plan(
        &self,
        p: &Principal,
        t: &TenantKeys,
        headers: &[String],
        opts: &ImportOptions,
        report: &mut FileImportReport,
    ) -> Result<Plan, CoreError> {
        let mut dropped: Vec<DroppedColumn> = Vec::new();
        let mut drop = |column: &str, reason: String| {
            dropped.push(DroppedColumn {
                column: column.to_owned(),
                reason,
                values: 0,
            });
            Use::Dropped(dropped.len() - 1)
        };
        let field_use = |name: &str| -> Result<Use, String> {
            let def = t
                .catalog
                .field(name)
                .ok_or_else(|| "not declared in the catalog".to_owned())?;
            if p.role.access(def.category) != Access::Full {
                return Err("your role may not write it".into());
            }
            Ok(Use::Field {
                name: def.name.clone(),
            })
        };
        let mut uses = Vec::with_capacity(headers.len());
        let source_key;
        match opts.source {
            Source::Csv => {
                let mapping = opts.mapping.as_ref().ok_or_else(|| {
                    CoreError::Invalid(
                        "A generic CSV needs a mapping of its columns (column,target per line)."
                            .into(),
                    )
                })?;
                for (column, _) in &mapping.columns {
                    if !headers.iter().any(|h| h == column) {
                        return Err(CoreError::Invalid(format!(
                            "The mapping names the column '{column}', which the file does not have."
                        )));
                    }
                }
                for h in headers {
                    let target = mapping.columns.iter().find(|(c, _)| c == h).map(|(_, t)| t);
                    uses.push(match target {
                        None => drop(h, "not in the mapping".into()),
                        Some(Target::Drop) => drop(h, "dropped by the mapping".into()),
                        Some(Target::ExternalId) => Use::External,
                        Some(Target::Field(f)) => field_use(f).map_err(|e| {
                            CoreError::Invalid(format!(
                                "The mapping puts '{h}' into the field '{f}': {e}."
                            ))
                        })?,
                        Some(Target::Consent { purpose, channel }) => {
                            let pp = Self::consent_purpose(t, purpose)?;
                            let fits = match channel {
                                Some(c) => pp.channels.contains(c),
                                None => pp.channels.is_empty(),
                            };
                            if !fits {
                                return Err(CoreError::Invalid(format!(
                                    "The mapping records '{h}' as consent to '{purpose}' over {}, which that purpose does not use.",
                                    channel.map_or("no channel", |c| c.as_str())
                                )));
                            }
                            Use::Consent {
                                purpose: purpose.clone(),
                                channel: *channel,
                            }
                        }
                    });
                }
                report.layout = "csv".into();
                source_key = "csv";
            }
            source => {
                let layout = Layout::detect(headers)
                    .filter(|l| l.source() == source)
                    .ok_or_else(|| {
                        CoreError::Invalid(format!(
                            "The header line is not that of a {} customer export{}.",
                            source.as_str(),
                            match Layout::detect(headers) {
                                Some(l) => format!(" (it looks like {})", l.as_str()),
                                None => String::new(),
                            }
                        ))
                    })?;
                for h in headers {
                    uses.push(if Some(h.as_str()) == layout.external_id_column() {
                        Use::External
                    } else if let Some(channel) = layout.consent_channel(h) {
                        match purpose_for(t, channel) {
                            Some(purpose) => Use::Consent {
                                purpose,
                                channel: Some(channel),
                            },
                            None => drop(
                                h,
                                format!("no purpose resting on consent over {}", channel.as_str()),
                            ),
                        }
                    } else {
                        match layout.field_of(h) {
                            Some(f) => field_use(f).unwrap_or_else(|e| drop(h, e)),
                            None => drop(h, "not declared in the catalog".into()),
                        }
                    });
                }
                report.layout = layout.as_str().into();
                source_key = source.as_str();
            }
        }
        report.columns_dropped = dropped;
        Ok(Plan { uses, source_key })
    }

    /// Validates one row against the catalog: its fields by category, index entries, keys and
    /// consents, or why it is refused (naming columns and fields, never values).
    fn import_row(
        &self,
        t: &TenantKeys,
        plan: &Plan,
        headers: &[String],
        row: &Row,
        dropped_values: &mut [u64],
    ) -> Result<Prepared, String> {
        let country = &t.catalog.default_country;
        let mut by_cat: BTreeMap<Category, Plain> = BTreeMap::new();
        let mut external = None;
        let mut consents = Vec::new();
        // What the file holds beyond the catalog, counted over every row read.
        for (use_, cell) in plan.uses.iter().zip(&row.cells) {
            if let Use::Dropped(i) = use_ {
                if !clean_cell(cell).is_empty() {
                    dropped_values[*i] += 1;
                }
            }
        }
        for ((use_, cell), column) in plan.uses.iter().zip(&row.cells).zip(headers) {
            let value = clean_cell(cell);
            if value.is_empty() {
                continue;
            }
            match use_ {
                Use::Dropped(_) => {}
                Use::External => {
                    external = Some(IndexEntry {
                        kind: IndexKind::External,
                        hash: crypto::blind_index(
                            &t.index_key,
                            IndexKind::External.as_str(),
                            &format!("{}:{value}", plan.source_key),
                        ),
                    });
                }
                // A "no" records nothing: no history is no consent.
                Use::Consent { purpose, channel } => {
                    if consent_value(value) == Some(true) {
                        consents.push((purpose.clone(), *channel, column.clone()));
                    }
                }
                Use::Field { name } => {
                    let def = t
                        .catalog
                        .field(name)
                        .ok_or_else(|| format!("{name}: not declared"))?;
                    let v = cell_value(def, value, column, country)?;
                    by_cat
                        .entry(def.category)
                        .or_default()
                        .insert(def.name.clone(), v);
                }
            }
        }
        if by_cat.is_empty() {
            return Err("has no value for any field of the catalog".into());
        }
        for def in t.catalog.fields.iter().filter(|d| d.required) {
            if !by_cat
                .get(&def.category)
                .is_some_and(|m| m.contains_key(&def.name))
            {
                return Err(format!("{}: is required by the catalog", def.name));
            }
        }
        let index = self.index_entries(t, &by_cat);
        let mut keys: Vec<IndexEntry> = index
            .iter()
            .filter(|e| matches!(e.kind, IndexKind::Email | IndexKind::Phone))
            .copied()
            .collect();
        // A row with nothing to know it by is known by what it holds: running the same file
        // again matches it still.
        if external.is_none() && keys.is_empty() {
            let content = serde_json::to_string(&by_cat).unwrap_or_default();
            external = Some(IndexEntry {
                kind: IndexKind::External,
                hash: crypto::blind_index(
                    &t.index_key,
                    IndexKind::External.as_str(),
                    &format!("{}:row:{content}", plan.source_key),
                ),
            });
        }
        keys.extend(external);
        Ok(Prepared {
            line: row.line,
            by_cat,
            index,
            keys,
            external,
            consents,
        })
    }

    fn import_consent(
        t: &TenantKeys,
        p: &Principal,
        customer: CustomerId,
        (purpose, channel, column): &(String, Option<Channel>, String),
        line: u64,
        opts: &ImportOptions,
        now: time::OffsetDateTime,
    ) -> ConsentRow {
        let lang = business_lang(&t.catalog.default_country);
        let text_version = t
            .catalog
            .purposes
            .iter()
            .find(|x| &x.name == purpose)
            .and_then(|x| x.current_text(lang))
            .map(|x| x.version);
        ConsentRow {
            id: uuid::Uuid::now_v7(),
            tenant_id: t.id,
            customer_id: customer,
            purpose: purpose.clone(),
            channel: channel.map(|c| c.as_str().to_owned()),
            state: "given".into(),
            method: "import".into(),
            text_version,
            lang: Some(lang.to_owned()),
            at: now,
            actor_kind: p.kind.as_str().to_owned(),
            actor_id: Some(p.actor_id),
            evidence: serde_json::json!({
                "source": opts.file_name,
                "format": opts.source.as_str(),
                "line": line,
                "column": column,
            })
            .to_string(),
            expires_at: None,
        }
    }

    /// Imports a customer list (or, with `dry_run`, reports what an import would do).
    /// `progress(bytes read, bytes in all)` is called after each chunk.
    pub async fn import_file(
        &self,
        p: &Principal,
        bytes: &[u8],
        opts: &ImportOptions,
        progress: &(dyn Fn(u64, u64) + Send + Sync),
        meta: &RequestMeta,
    ) -> Result<FileImportReport, CoreError> {
        let t = self.authorize(p, Action::CustomerImport, &[], meta).await?;
        let mut file =
            CsvFile::open(bytes).map_err(|e| CoreError::Invalid(format!("The file: {e}.")))?;
        let headers = file.headers.clone();
        let mut report = FileImportReport {
            source: opts.source.as_str().into(),
            dry_run: opts.dry_run,
            ..Default::default()
        };
        let plan = self.import_plan(p, &t, &headers, opts, &mut report)?;
        let mut dropped_values = vec![0u64; report.columns_dropped.len()];
        // Every key seen in the file, with the line of its first row.
        let mut seen: HashMap<(i64, [u8; 16]), u64> = HashMap::new();
        let mut done = false;
        let mut wrote = false;
        let mut chunks = 0u64;
        // The write of the chunk before, running (on the store's writer) while this one is read,
        // checked, matched and sealed. Matching need not wait for it: a key of a row in this
        // chunk was never in an earlier one (`seen`), so an earlier chunk cannot be matched.
        let mut writing: Option<PendingWrite> = None;
        let run = ImportRun { p, opts, meta };
        while !done {
            let mut chunk = Vec::with_capacity(CHUNK);
            while chunk.len() < CHUNK {
                match file.next_row() {
                    None => {
                        done = true;
                        break;
                    }
                    Some(Err((line, reason))) => {
                        report.rows += 1;
                        report.refused.push(RowProblem { line, reason });
                    }
                    Some(Ok(row)) => {
                        report.rows += 1;
                        match self.import_row(&t, &plan, &headers, &row, &mut dropped_values) {
                            Err(reason) => report.refused.push(RowProblem {
                                line: row.line,
                                reason,
                            }),
                            Ok(prep) => {
                                let first = prep.keys.iter().find_map(|k| {
                                    seen.get(&(k.kind.code(), k.hash)).map(|l| (k, *l))
                                });
                                match first {
                                    Some((k, same_as_line)) => {
                                        report.duplicates.push(DuplicateRow {
                                            line: prep.line,
                                            same_as_line,
                                            on: on(k.kind).into(),
                                        })
                                    }
                                    None => {
                                        for k in &prep.keys {
                                            seen.insert((k.kind.code(), k.hash), prep.line);
                                        }
                                        chunk.push(prep);
                                    }
                                }
                            }
                        }
                    }
                }
            }
            if !chunk.is_empty() {
                let batch = self
                    .import_chunk(&run, &t, chunk, &mut report, &mut writing)
                    .await?;
                if let Some(w) = writing.take() {
                    join_write(w).await?;
                }
                if let Some(batch) = batch {
                    wrote = true;
                    let store = self.store.clone();
                    let tenant = t.id;
                    writing = Some(tokio::spawn(async move {
                        store.import_batch(tenant, batch).await.map_err(|e| match e {
                            StoreError::VersionMismatch(_) | StoreError::NotFound => CoreError::Conflict(
                                "A customer the file updates was changed or erased meanwhile; run the import again (nothing is imported twice).".into(),
                            ),
                            e => e.into(),
                        })
                    }));
                }
                chunks += 1;
                // After the first chunk and whenever the list has doubled since: the planner
                // must know the index has grown, or it stops using it for the lookups (the
                // statistics lag one chunk behind the write still running; they are estimates).
                if !opts.dry_run && chunks.is_power_of_two() {
                    self.store.refresh_statistics().await?;
                }
            }
            progress(file.position(), file.len());
        }
        if let Some(w) = writing.take() {
            join_write(w).await?;
        }
        for (d, n) in report.columns_dropped.iter_mut().zip(dropped_values) {
            d.values = n;
        }
        // Rows refused while matching come after their chunk's other refusals: in file order.
        report.refused.sort_by_key(|r| r.line);
        if wrote {
            // Each chunk has its event, naming its customers.
            return Ok(report);
        }
        // Nothing written (a dry run, a re-run, a file of bad rows): one event says so.
        let mut ev = AuditEvent::by(p, Action::CustomerImport.as_str(), self.clock.now(), meta);
        ev.reason = Some(format!(
            "{}{} import: {} rows, {} imported, {} updated, {} skipped, {} refused, {} duplicates",
            if opts.dry_run { "dry run of a " } else { "" },
            report.layout,
            report.rows,
            report.imported,
            report.updated,
            report.skipped,
            report.refused.len(),
            report.duplicates.len()
        ));
        self.store.append_audit(vec![ev]).await?;
        Ok(report)
    }

    /// Matches a chunk against the customers here; answers what to write in one transaction,
    /// if anything.
    async fn import_chunk(
        &self,
        run: &ImportRun<'_>,
        t: &Arc<TenantKeys>,
        chunk: Vec<Prepared>,
        report: &mut FileImportReport,
        writing: &mut Option<PendingWrite>,
    ) -> Result<Option<ImportBatch>, CoreError> {
        let ImportRun { p, opts, meta } = *run;
        let keys: Vec<IndexEntry> = chunk.iter().flat_map(|r| r.keys.iter().copied()).collect();
        let mut owner: HashMap<IndexEntry, Vec<CustomerId>> = HashMap::new();
        for (e, id) in self.store.index_matches(t.id, keys).await? {
            owner.entry(e).or_default().push(id);
        }
        let mut matched: Vec<(Prepared, CustomerId)> = Vec::new();
        let mut fresh: Vec<Prepared> = Vec::new();
        for r in chunk {
            let ids: HashSet<CustomerId> = r
                .keys
                .iter()
                .filter_map(|k| owner.get(k))
                .flatten()
                .copied()
                .collect();
            match ids.len() {
                0 => fresh.push(r),
                1 => {
                    let id = ids.into_iter().next().unwrap_or_else(|| unreachable!());
                    matched.push((r, id));
                }
                _ => report.refused.push(RowProblem {
                    line: r.line,
                    reason: "matches more than one customer already here (by e-mail, phone or id); merge them first".into(),
                }),
            }
        }
        // An erased customer stays erased.
        let erased: HashSet<IndexEntry> = if fresh.is_empty() {
            HashSet::new()
        } else {
            self.store
                .erased_matches(
                    t.id,
                    fresh.iter().flat_map(|r| r.keys.iter().copied()).collect(),
                )
                .await?
                .into_iter()
                .collect()
        };
        let now = self.clock.now();
        let mut batch = ImportBatch::default();
        // Customers created, and customers here changed (fields, consents, their key).
        let mut created: Vec<uuid::Uuid> = Vec::new();
        let mut touched: Vec<uuid::Uuid> = Vec::new();
        let mut cats: HashSet<Category> = HashSet::new();
        let lines = fresh
            .iter()
            .chain(matched.iter().map(|(r, _)| r))
            .map(|r| r.line);
        let (first_line, last_line) = (lines.clone().min().unwrap_or(0), lines.max().unwrap_or(0));
        for r in fresh {
            if r.keys.iter().any(|k| erased.contains(k)) {
                report.refused.push(RowProblem {
                    line: r.line,
                    reason: "belongs to a customer erased here; an import never brings an erased customer back".into(),
                });
                continue;
            }
            report.imported += 1;
            report.consents_recorded += r.consents.len() as u64;
            if opts.dry_run {
                continue;
            }
            let (row, _dek) = self.new_customer_row(t, &r.by_cat, now);
            let mut index = r.index;
            index.extend(r.external);
            let consents = r
                .consents
                .iter()
                .map(|c| Self::import_consent(t, p, row.id, c, r.line, opts, now))
                .collect();
            created.push(row.id.as_uuid());
            cats.extend(r.by_cat.keys().copied());
            batch.new.push((row, index, consents));
        }
        if !matched.is_empty() {
            // Rows with different keys may match one customer from two chunks: the chunk
            // before must be written before this one reads what it changes.
            if let Some(w) = writing.take() {
                join_write(w).await?;
            }
            let ids: Vec<CustomerId> = matched.iter().map(|(_, id)| *id).collect();
            let mut has_history: HashSet<(CustomerId, String, Option<String>)> = self
                .store
                .consent_keys(t.id, ids.clone())
                .await?
                .into_iter()
                .collect();
            // Their rows: whether processing is restricted, and (with `update`) their values.
            let rows: HashMap<CustomerId, CustomerRow> = self
                .store
                .customers(t.id, &ids)
                .await?
                .into_iter()
                .map(|r| (r.id, r))
                .collect();
            let t = self.keys_for(t.clone(), rows.values()).await?;
            for (r, id) in matched {
                let Some(row) = rows.get(&id) else {
                    // Erased since it was matched a moment ago.
                    report.refused.push(RowProblem {
                        line: r.line,
                        reason: "matches a customer erased while the import ran".into(),
                    });
                    continue;
                };
                // Restricted (art. 18): nothing about the customer changes, by import either.
                if row.restricted {
                    report.refused.push(RowProblem {
                        line: r.line,
                        reason: "matches a customer whose processing is restricted (art. 18); left as it is".into(),
                    });
                    continue;
                }
                let mut changed = false;
                if let Some(e) = r.external {
                    if !owner.get(&e).is_some_and(|o| o.contains(&id)) {
                        batch.index.push((id, e));
                        changed = true;
                    }
                }
                // The consents only where custos knows nothing of that purpose and channel
                // yet: what was recorded here (a withdrawal above all) is newer than the file.
                for c in &r.consents {
                    let key = (id, c.0.clone(), c.1.map(|x| x.as_str().to_owned()));
                    if has_history.insert(key) {
                        report.consents_recorded += 1;
                        batch
                            .consents
                            .push(Self::import_consent(&t, p, id, c, r.line, opts, now));
                        changed = true;
                    }
                }
                let mut updated = false;
                if opts.update {
                    if let Some(change) = self.import_change(&t, row, &r.by_cat, now)? {
                        cats.extend(r.by_cat.keys().copied());
                        batch.changes.push((id, change));
                        updated = true;
                    }
                }
                if updated {
                    report.updated += 1;
                } else {
                    report.skipped += 1;
                }
                if updated || changed {
                    touched.push(id.as_uuid());
                }
            }
        }
        if opts.dry_run || (created.is_empty() && touched.is_empty()) {
            return Ok(None);
        }
        // One event for the customers created and one for those changed (what webhooks tell
        // connected systems apart by).
        for (ids, target) in [(created, "import:created"), (touched, "import:updated")] {
            if ids.is_empty() {
                continue;
            }
            let mut ev = AuditEvent::by(p, Action::CustomerImport.as_str(), now, meta)
                .customers(ids)
                .categories(cats.iter().copied())
                .target(target.to_owned());
            ev.reason = Some(format!(
                "{} import, lines {first_line}-{last_line}",
                report.layout
            ));
            batch.audit.push(ev);
        }
        Ok(Some(batch))
    }

    /// The change a row's values make to a customer already here, if any.
    fn import_change(
        &self,
        t: &TenantKeys,
        row: &CustomerRow,
        file: &BTreeMap<Category, Plain>,
        now: time::OffsetDateTime,
    ) -> Result<Option<CustomerChange>, CoreError> {
        let dek = Self::unwrap_dek(t, row)?;
        let mut sealed = SealedFields::decode(&row.sealed)?;
        let mut all: BTreeMap<Category, Plain> = BTreeMap::new();
        for (cat, blob) in &sealed.0 {
            all.insert(*cat, Self::open_category(t, row.id, &dek, *cat, blob)?);
        }
        let mut changed_cats = Vec::new();
        for (cat, fields) in file {
            let current = all.entry(*cat).or_default();
            let mut changed = false;
            for (name, value) in fields {
                if current.get(name) != Some(value) {
                    current.insert(name.clone(), value.clone());
                    changed = true;
                }
            }
            if changed {
                changed_cats.push(*cat);
            }
        }
        if changed_cats.is_empty() {
            return Ok(None);
        }
        for cat in changed_cats {
            if let Some(fields) = all.get(&cat) {
                sealed
                    .0
                    .insert(cat, Self::seal_category(t, row.id, &dek, cat, fields));
            }
        }
        Ok(Some(CustomerChange {
            expected_version: row.version,
            sealed: sealed.encode(),
            index: Some(self.index_entries(t, &all)),
            updated_at: now,
        }))
    }
}

/// Who imports, how, and from where.
#[derive(Clone, Copy)]
struct ImportRun<'a> {
    p: &'a Principal,
    opts: &'a ImportOptions,
    meta: &'a RequestMeta,
}

/// A chunk's write, running.
type PendingWrite = tokio::task::JoinHandle<Result<(), CoreError>>;

/// Waits for a chunk's write.
async fn join_write(w: PendingWrite) -> Result<(), CoreError> {
    w.await
        .map_err(|e| CoreError::from(StoreError::Other(format!("the import's write: {e}"))))?
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn header_of(file: &str, fallback: &str) -> Vec<String> {
        let text = std::fs::read_to_string(format!(
            "{}/../../../shared/formats/{file}",
            env!("CARGO_MANIFEST_DIR")
        ))
        .unwrap_or_else(|_| fallback.to_owned());
        CsvFile::open(text.as_bytes()).unwrap().headers
    }

    #[test]
    fn consent_columns_are_known_by_layout() {
        // The real header lines where the shared formats are at hand, the same names otherwise.
        let h = header_of(
            "shopify_customers_export_2024plus.header.csv",
            "Customer ID,Email,Accepts Email Marketing,Default Address Address1,Phone,Accepts SMS Marketing,Accepts WhatsApp Marketing",
        );
        let l = Layout::detect(&h).unwrap();
        let channels: Vec<Channel> = h.iter().filter_map(|c| l.consent_channel(c)).collect();
        assert_eq!(channels, [Channel::Email, Channel::Sms, Channel::Whatsapp]);
        let h = header_of(
            "fresha_export_customer_list.header.csv",
            "Client ID,Full Name,Email,Accepts Marketing,Accepts SMS Marketing",
        );
        let l = Layout::detect(&h).unwrap();
        let channels: Vec<Channel> = h.iter().filter_map(|c| l.consent_channel(c)).collect();
        assert_eq!(channels, [Channel::Email, Channel::Sms]);
        assert_eq!(
            Layout::Square.consent_channel("Email Subscription Status"),
            Some(Channel::Email)
        );
        // "Accepts Marketing" is e-mail only where a layout has it.
        assert_eq!(
            Layout::Shopify2024.consent_channel("Accepts Marketing"),
            None
        );
    }

    #[test]
    fn mappings_are_read_and_bad_ones_refused() {
        let m = Mapping::parse(
            "\u{FEFF}column,target\n# a comment\nKundennr,external_id\nE-Mail,email\nNewsletter,consent:newsletter:email\nUmsatz,drop\nFarbe,\n",
        )
        .unwrap();
        assert_eq!(
            m.columns,
            vec![
                ("Kundennr".into(), Target::ExternalId),
                ("E-Mail".into(), Target::Field("email".into())),
                (
                    "Newsletter".into(),
                    Target::Consent {
                        purpose: "newsletter".into(),
                        channel: Some(Channel::Email)
                    }
                ),
                ("Umsatz".into(), Target::Drop),
                ("Farbe".into(), Target::Drop),
            ]
        );
        for bad in ["", "a,b\na,c\n", "a,consent:\n", "a,consent:x:pigeon\n"] {
            assert!(Mapping::parse(bad).is_err(), "{bad:?}");
        }
    }
}
