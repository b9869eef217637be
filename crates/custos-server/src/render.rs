//! A customer's export (GDPR arts. 15 and 20) rendered for people and spreadsheets: CSV with
//! one value per row (`section,item,field,value`), and an HTML page in English, German or
//! Polish. Every value is escaped; CSV cells a spreadsheet would run as a formula are defused.

use custos_api::CustomerExport;
use custos_core::consents::html_escape;
use serde_json::Value;
use std::fmt::Write as _;

pub use custos_core::values::defuse;

fn scalar(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Null => String::new(),
        other => other.to_string(),
    }
}

fn rfc3339(t: time::OffsetDateTime) -> String {
    custos_core::values::rfc3339(t)
}

/// The export as CSV: a header, then one row per value.
pub fn export_csv(e: &CustomerExport) -> String {
    let mut w = csv::WriterBuilder::new()
        .terminator(csv::Terminator::CRLF)
        .from_writer(Vec::new());
    let mut row = |section: &str, item: &str, field: &str, value: &str| {
        let _ = w.write_record([section, item, field, &defuse(value)]);
    };
    row("section", "item", "field", "value");
    let c = &e.customer;
    row("export", &e.format, "business", &e.business);
    row("export", &e.format, "exported_at", &rfc3339(e.exported_at));
    row("customer", &c.number, "id", &c.id.to_string());
    row("customer", &c.number, "created_at", &rfc3339(c.created_at));
    row("customer", &c.number, "updated_at", &rfc3339(c.updated_at));
    for (k, v) in &c.fields {
        row("customer", &c.number, k, &scalar(v));
    }
    for r in &e.records {
        let id = r.id.to_string();
        row("record", &id, "type", &r.type_);
        row("record", &id, "occurred_at", &rfc3339(r.occurred_at));
        for (k, v) in &r.fields {
            row("record", &id, k, &scalar(v));
        }
    }
    for s in &e.consents.current {
        let item = format!("{}:{}", s.purpose, s.channel.map_or("-", |c| c.as_str()));
        row("consent", &item, "state", s.state.as_str());
        row("consent", &item, "since", &rfc3339(s.since));
    }
    for h in &e.consents.history {
        let id = h.id.to_string();
        row("consent_event", &id, "purpose", &h.purpose);
        row(
            "consent_event",
            &id,
            "channel",
            h.channel.map_or("", |c| c.as_str()),
        );
        row("consent_event", &id, "state", h.state.as_str());
        row("consent_event", &id, "method", &h.method);
        row("consent_event", &id, "at", &rfc3339(h.at));
        if let Some(v) = h.text_version {
            row("consent_event", &id, "text_version", &v.to_string());
        }
    }
    let i = &e.information;
    row("information", "controller", "", &i.controller);
    for p in &i.purposes {
        let basis = serde_json::to_value(p.lawful_basis)
            .map(|v| scalar(&v))
            .unwrap_or_default();
        row(
            "information",
            &format!("purpose:{}", p.name),
            "description",
            &p.description,
        );
        row(
            "information",
            &format!("purpose:{}", p.name),
            "lawful_basis",
            &basis,
        );
        let cats: Vec<&str> = p.categories.iter().map(|c| c.as_str()).collect();
        row(
            "information",
            &format!("purpose:{}", p.name),
            "categories",
            &cats.join(" "),
        );
    }
    let held: Vec<&str> = i.categories.iter().map(|c| c.as_str()).collect();
    row("information", "categories", "", &held.join(" "));
    row("information", "recipients", "", &i.recipients);
    row("information", "retention", "", &i.retention);
    for (n, r) in i.rights.iter().enumerate() {
        row("information", "rights", &(n + 1).to_string(), r);
    }
    row("information", "complaint", "", &i.complaint);
    row("information", "source", "", &i.source);
    row(
        "information",
        "automated_decisions",
        "",
        &i.automated_decisions,
    );
    let omitted: Vec<&str> = e.omitted_categories.iter().map(|c| c.as_str()).collect();
    row(
        "export",
        &e.format,
        "omitted_categories",
        &omitted.join(" "),
    );
    String::from_utf8(w.into_inner().unwrap_or_default()).unwrap_or_default()
}

struct Words {
    title: &'static str,
    intro: &'static str,
    profile: &'static str,
    records: &'static str,
    consents: &'static str,
    history: &'static str,
    information: &'static str,
    field: &'static str,
    value: &'static str,
    when: &'static str,
    what: &'static str,
    purpose: &'static str,
    channel: &'static str,
    state: &'static str,
    method: &'static str,
    none: &'static str,
    purposes: &'static str,
    categories: &'static str,
    recipients: &'static str,
    retention: &'static str,
    rights: &'static str,
    complaint: &'static str,
    source: &'static str,
    automated: &'static str,
    omitted: &'static str,
}

fn words(lang: &str) -> Words {
    match lang {
        "de" => Words {
            title: "Ihre Daten",
            intro: "Alles, was gespeichert ist, mit den Angaben nach Art. 15 DSGVO.",
            profile: "Stammdaten",
            records: "Verlauf",
            consents: "Einwilligungen",
            history: "Einwilligungsverlauf",
            information: "Angaben zur Verarbeitung",
            field: "Feld",
            value: "Wert",
            when: "Wann",
            what: "Was",
            purpose: "Zweck",
            channel: "Kanal",
            state: "Stand",
            method: "Weg",
            none: "Keine.",
            purposes: "Zwecke und Rechtsgrundlagen",
            categories: "Gespeicherte Kategorien",
            recipients: "Empfänger",
            retention: "Speicherdauer",
            rights: "Ihre Rechte",
            complaint: "Beschwerde",
            source: "Herkunft",
            automated: "Automatisierte Entscheidungen",
            omitted: "Nicht enthaltene Kategorien (eine vollständige Auskunft erteilt die Inhaberin oder der Inhaber)",
        },
        "pl" => Words {
            title: "Państwa dane",
            intro: "Wszystko, co jest przechowywane, wraz z informacjami z art. 15 RODO.",
            profile: "Dane podstawowe",
            records: "Historia",
            consents: "Zgody",
            history: "Historia zgód",
            information: "Informacje o przetwarzaniu",
            field: "Pole",
            value: "Wartość",
            when: "Kiedy",
            what: "Co",
            purpose: "Cel",
            channel: "Kanał",
            state: "Stan",
            method: "Sposób",
            none: "Brak.",
            purposes: "Cele i podstawy prawne",
            categories: "Przechowywane kategorie",
            recipients: "Odbiorcy",
            retention: "Okres przechowywania",
            rights: "Państwa prawa",
            complaint: "Skarga",
            source: "Źródło",
            automated: "Zautomatyzowane decyzje",
            omitted: "Kategorie pominięte (pełną kopię wydaje właściciel)",
        },
        _ => Words {
            title: "Your data",
            intro: "Everything that is stored, with the information of GDPR art. 15.",
            profile: "Profile",
            records: "Timeline",
            consents: "Consents",
            history: "Consent history",
            information: "How your data is processed",
            field: "Field",
            value: "Value",
            when: "When",
            what: "What",
            purpose: "Purpose",
            channel: "Channel",
            state: "State",
            method: "How",
            none: "None.",
            purposes: "Purposes and lawful bases",
            categories: "Categories held",
            recipients: "Recipients",
            retention: "How long it is kept",
            rights: "Your rights",
            complaint: "Complaints",
            source: "Source",
            automated: "Automated decisions",
            omitted: "Categories left out (ask the owner for a complete copy)",
        },
    }
}

/// The style of custos's own pages (inline, as the pages' Content-Security-Policy allows no
/// other source).
pub const STYLE: &str = "body{font-family:system-ui,sans-serif;max-width:48rem;margin:2rem auto;padding:0 1rem;line-height:1.5;color:#1a1a1a}table{border-collapse:collapse;width:100%;margin:.5rem 0 1.5rem}th,td{border:1px solid #bbb;padding:.35rem .5rem;text-align:left;vertical-align:top}th{background:#eee}button,input[type=submit]{font-size:1rem;padding:.5rem 1rem}label{display:block;margin:.6rem 0 .2rem}input[type=text],input[type=email],input[type=tel],input[type=date],textarea,select{font-size:1rem;padding:.4rem;width:100%;box-sizing:border-box}.note{background:#f4f4f4;padding:.6rem;border-left:4px solid #555}a{color:#0645ad}.hp{position:absolute;left:-10000px}fieldset{border:1px solid #bbb;padding:.5rem 1rem;margin:1rem 0}legend{font-size:1.3rem;font-weight:bold;padding:0 .3rem}li{margin:.3rem 0}.scroll{overflow-x:auto}td{overflow-wrap:anywhere}";

/// A whole page of custos's own (consent links, the privacy portal, the intake form): escaped
/// title, the body as given, never cached.
pub fn page(lang: &str, title: &str, body: String) -> axum::response::Response {
    use axum::http::{header, HeaderValue};
    use axum::response::IntoResponse;
    let html = format!(
        "<!doctype html><html lang=\"{lang}\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"><meta name=\"referrer\" content=\"no-referrer\"><title>{title}</title><style>{STYLE}</style></head><body><main><h1>{title}</h1>{body}</main></body></html>",
        lang = html_escape(lang),
        title = html_escape(title)
    );
    let mut r = axum::response::Html(html).into_response();
    r.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    r
}

/// A field's label for people.
pub fn field_label(name: &str, lang: &str) -> String {
    let l = match (name, lang) {
        ("first_name", "de") => "Vorname",
        ("first_name", "pl") => "Imię",
        ("first_name", _) => "First name",
        ("last_name", "de") => "Nachname",
        ("last_name", "pl") => "Nazwisko",
        ("last_name", _) => "Last name",
        ("birth_date", "de") => "Geburtsdatum",
        ("birth_date", "pl") => "Data urodzenia",
        ("birth_date", _) => "Date of birth",
        ("email", "de") => "E-Mail-Adresse",
        ("email", "pl") => "Adres e-mail",
        ("email", _) => "E-mail address",
        ("phone", "de") => "Telefon",
        ("phone", "pl") => "Telefon",
        ("phone", _) => "Phone",
        ("street", "de") => "Straße und Hausnummer",
        ("street", "pl") => "Ulica i numer",
        ("street", _) => "Street and number",
        ("postal_code", "de") => "Postleitzahl",
        ("postal_code", "pl") => "Kod pocztowy",
        ("postal_code", _) => "Postal code",
        ("city", "de") => "Ort",
        ("city", "pl") => "Miejscowość",
        ("city", _) => "City",
        ("country", "de") => "Land (z. B. DE)",
        ("country", "pl") => "Kraj (np. PL)",
        ("country", _) => "Country (e.g. GB)",
        ("preferences", "de") => "Vorlieben",
        ("preferences", "pl") => "Preferencje",
        ("preferences", _) => "Preferences",
        ("note", "de") => "Notiz",
        ("note", "pl") => "Notatka",
        ("note", _) => "Note",
        _ => return name.replace('_', " "),
    };
    l.to_owned()
}

/// A time for people: `YYYY-MM-DD HH:MM UTC`.
pub fn human_time(t: time::OffsetDateTime) -> String {
    let t = t.to_offset(time::UtcOffset::UTC);
    format!(
        "{:04}-{:02}-{:02} {:02}:{:02} UTC",
        t.year(),
        t.month() as u8,
        t.day(),
        t.hour(),
        t.minute()
    )
}

fn table(out: &mut String, head: &[&str], rows: Vec<Vec<String>>, none: &str) {
    if rows.is_empty() {
        let _ = write!(out, "<p>{}</p>", html_escape(none));
        return;
    }
    out.push_str("<div class=\"scroll\"><table><thead><tr>");
    for h in head {
        let _ = write!(out, "<th scope=\"col\">{}</th>", html_escape(h));
    }
    out.push_str("</tr></thead><tbody>");
    for r in rows {
        out.push_str("<tr>");
        for c in r {
            let _ = write!(out, "<td>{}</td>", html_escape(&c));
        }
        out.push_str("</tr>");
    }
    out.push_str("</tbody></table></div>");
}

/// The body of the export as HTML sections (also shown in the privacy portal).
pub fn export_sections(e: &CustomerExport, lang: &str) -> String {
    let w = words(lang);
    let mut out = String::new();
    let _ = write!(out, "<h2>{}</h2>", html_escape(w.profile));
    let mut rows = vec![vec!["#".to_owned(), e.customer.number.clone()]];
    rows.extend(
        e.customer
            .fields
            .iter()
            .map(|(k, v)| vec![field_label(k, lang), scalar(v)]),
    );
    table(&mut out, &[w.field, w.value], rows, w.none);
    let _ = write!(out, "<h2>{}</h2>", html_escape(w.records));
    let rows = e
        .records
        .iter()
        .map(|r| {
            let fields: Vec<String> = r
                .fields
                .iter()
                .map(|(k, v)| format!("{k}: {}", scalar(v)))
                .collect();
            vec![
                human_time(r.occurred_at),
                r.type_.clone(),
                fields.join("; "),
            ]
        })
        .collect();
    table(&mut out, &[w.when, w.what, w.value], rows, w.none);
    let _ = write!(out, "<h2>{}</h2>", html_escape(w.consents));
    let rows = e
        .consents
        .current
        .iter()
        .map(|s| {
            vec![
                s.purpose.clone(),
                s.channel.map_or("-", |c| c.as_str()).to_owned(),
                s.state.as_str().to_owned(),
                human_time(s.since),
            ]
        })
        .collect();
    table(
        &mut out,
        &[w.purpose, w.channel, w.state, w.when],
        rows,
        w.none,
    );
    let _ = write!(out, "<h3>{}</h3>", html_escape(w.history));
    let rows = e
        .consents
        .history
        .iter()
        .map(|h| {
            vec![
                human_time(h.at),
                h.purpose.clone(),
                h.channel.map_or("-", |c| c.as_str()).to_owned(),
                h.state.as_str().to_owned(),
                h.method.clone(),
            ]
        })
        .collect();
    table(
        &mut out,
        &[w.when, w.purpose, w.channel, w.state, w.method],
        rows,
        w.none,
    );
    let i = &e.information;
    let _ = write!(out, "<h2>{}</h2>", html_escape(w.information));
    let _ = write!(out, "<h3>{}</h3><ul>", html_escape(w.purposes));
    for p in &i.purposes {
        let basis = serde_json::to_value(p.lawful_basis)
            .map(|v| scalar(&v))
            .unwrap_or_default();
        let _ = write!(
            out,
            "<li><strong>{}</strong> ({}): {}</li>",
            html_escape(&p.name),
            html_escape(&basis.replace('_', " ")),
            html_escape(&p.description)
        );
    }
    out.push_str("</ul>");
    let held: Vec<&str> = i.categories.iter().map(|c| c.as_str()).collect();
    for (h, text) in [
        (w.categories, held.join(", ")),
        (w.recipients, i.recipients.clone()),
        (w.retention, i.retention.clone()),
        (w.complaint, i.complaint.clone()),
        (w.source, i.source.clone()),
        (w.automated, i.automated_decisions.clone()),
    ] {
        let _ = write!(
            out,
            "<h3>{}</h3><p>{}</p>",
            html_escape(h),
            html_escape(&text).replace('\n', "<br>")
        );
    }
    let _ = write!(out, "<h3>{}</h3><ul>", html_escape(w.rights));
    for r in &i.rights {
        let _ = write!(out, "<li>{}</li>", html_escape(r));
    }
    out.push_str("</ul>");
    if !e.omitted_categories.is_empty() {
        let cats: Vec<&str> = e.omitted_categories.iter().map(|c| c.as_str()).collect();
        let _ = write!(
            out,
            "<p class=\"note\">{}: {}</p>",
            html_escape(w.omitted),
            html_escape(&cats.join(", "))
        );
    }
    out
}

/// The export as a whole HTML page.
pub fn export_html(e: &CustomerExport, lang: &str) -> String {
    let w = words(lang);
    format!(
        "<!doctype html><html lang=\"{lang}\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"><title>{title} — {business}</title><style>{STYLE}</style></head><body><h1>{title} — {business}</h1><p>{intro} ({at})</p>{body}</body></html>",
        lang = html_escape(lang),
        title = html_escape(w.title),
        business = html_escape(&e.business),
        intro = html_escape(w.intro),
        at = html_escape(&human_time(e.exported_at)),
        body = export_sections(e, lang),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formulas_are_defused_phone_numbers_kept() {
        assert_eq!(defuse("=HYPERLINK(\"x\")"), "'=HYPERLINK(\"x\")");
        assert_eq!(defuse("+48 601 234 567"), "+48 601 234 567");
        assert_eq!(defuse("-12.5"), "-12.5");
        assert_eq!(defuse("+cmd|' /C calc'!A0"), "'+cmd|' /C calc'!A0");
        assert_eq!(defuse("@SUM(A1)"), "'@SUM(A1)");
        assert_eq!(defuse("Zofia"), "Zofia");
    }
}
