//! Importing customer lists: every Shopify layout, Fresha, Square and a mapped CSV, with what
//! real files hold (byte-order marks, CRLF, quoted line breaks, spreadsheet apostrophes, phone
//! numbers without a country code, birthdays without a year); minimisation; consents with
//! method `import`; refused and repeated rows by line; re-runs, dry runs, updates, erased
//! customers; and an import killed halfway and run again. All data is made up.

use crate::cli::{custos, stderr};
use crate::helpers::*;
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

const SHOPIFY_2024: &str = "Customer ID,First Name,Last Name,Email,Accepts Email Marketing,Default Address Company,Default Address Address1,Default Address Address2,Default Address City,Default Address Province Code,Default Address Country Code,Default Address Zip,Default Address Phone,Phone,Accepts SMS Marketing,Total Spent,Total Orders,Note,Tax Exempt,Tags,Accepts WhatsApp Marketing,Empresa (customer.metafields.custom.empresa),Tipo de Cliente (customer.metafields.custom.tipo_de_cliente)";
const SHOPIFY_2022: &str = "First Name,Last Name,Email,Accepts Email Marketing,Company,Address1,Address2,City,Province,Province Code,Country,Country Code,Zip,Phone,Accepts SMS Marketing,Total Spent,Total Orders,Tags,Note,Tax Exempt";
const SHOPIFY_2018: &str = "First Name,Last Name,Email,Company,Address1,Address2,City,Province,Province Code,Country,Country Code,Zip,Phone,Accepts Marketing,Total Spent,Total Orders,Tags,Note,Tax Exempt";
const FRESHA: &str = "\"Client ID\",\"First Name\",\"Last Name\",\"Full Name\",\"Blocked\",\"Block Reason\",\"Gender\",\"Mobile Number\",\"Telephone\",\"Email\",\"Accepts Marketing\",\"Accepts SMS Marketing\",\"Address\",\"Apartement Suite\",\"Area\",\"City\",\"State\",\"Post Code\",\"Date of Birth\",\"Added\",\"Note\",\"Referral Source\",\"Tags\"";
const SQUARE: &str = "Reference ID,First Name,Last Name,Email Address,Phone Number,Nickname,Company Name,Street Address 1,Street Address 2,City,State,Postal Code,Birthday,Memo,Square Customer ID,Creation Source,First Visit,Last Visit,Transaction Count,Lifetime Spend,Email Subscription Status,Instant Profile,Blocked from online booking";

/// Uploads a file; answers the status and the body.
async fn upload(app: &TestApp, query: &str, file: &[u8]) -> (StatusCode, Value) {
    let r = app
        .req(Method::POST, &format!("/v1/imports?{query}"), &app.owner)
        .header("content-type", "text/csv")
        .body(file.to_vec())
        .send()
        .await
        .unwrap();
    let status = r.status();
    let text = r.text().await.unwrap();
    (
        status,
        serde_json::from_str(&text).unwrap_or_else(|_| json!({"text": text})),
    )
}

async fn imported(app: &TestApp, query: &str, file: &[u8]) -> Value {
    let (status, report) = upload(app, query, file).await;
    assert_eq!(status, 200, "{report}");
    report
}

/// The customer with that e-mail address, as the owner sees it.
async fn by_email(app: &TestApp, email: &str) -> Value {
    let found = app.search(&app.owner, &[("email", email)]).await;
    assert_eq!(found.len(), 1, "{email}: {found:?}");
    let id = found[0]["id"].as_str().unwrap();
    app.get(&app.owner, &format!("/v1/customers/{id}"))
        .await
        .json()
        .await
        .unwrap()
}

async fn consents_of(app: &TestApp, c: &Value) -> Value {
    app.get(
        &app.owner,
        &format!("/v1/customers/{}/consents", c["id"].as_str().unwrap()),
    )
    .await
    .json()
    .await
    .unwrap()
}

fn customers(app: &TestApp) -> i64 {
    app.sql_count("SELECT count(*) FROM customers")
}

fn consents(app: &TestApp) -> i64 {
    app.sql_count("SELECT count(*) FROM consents")
}

fn lines(report: &Value, key: &str) -> Vec<u64> {
    report[key]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["line"].as_u64().unwrap())
        .collect()
}

fn dropped<'a>(report: &'a Value, column: &str) -> &'a Value {
    report["columns_dropped"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["column"] == column)
        .unwrap_or_else(|| panic!("{column} not dropped: {report}"))
}

/// The current Shopify layout with a byte-order mark, CRLF line ends and the cases real files
/// hold. Lines: 1 header, 2–3 Zofia (a quoted line break in her note), 4 a bad e-mail, 5 a card
/// number, 6 Zofia's address again, 7 empty, 8 Ewa (a German mobile, SMS consent), 9 no name.
fn shopify_2024_file() -> Vec<u8> {
    let rows = [
        "'7001,Zofia,Wójcik,zofia@example.org,yes,Acme,\"ul. Długa 5, m. 3\",,Warszawa,,PL,00-950,,'601 234 567,no,4711.93,2,\"likes \"\"green\"\"\r\nsecond line\",no,vip,yes,Acme,retail",
        "7002,Jan,Kowalski,jan(at)example.org,no,,,,,,,,,,,0.00,0,,no,,,,",
        "7003,Anna,Nowak,anna@example.org,no,,,,,,,,,,,0.00,0,paid with 4111 1111 1111 1111,no,,,,",
        "7004,Piotr,Zieliński,ZOFIA@EXAMPLE.ORG,yes,,,,,,,,,,,0.00,0,,no,,,,",
        ",,,,,,,,,,,,,,,,,,,,,,",
        "7005,Ewa,Schmidt,,no,,,,Berlin,,DE,10115,,0049 170 1234567,yes,99.00,3,,no,,,,",
        "7006,,Anonym,anon@example.org,no,,,,,,,,,,,0.00,0,,no,,,,",
    ];
    let mut f = "\u{FEFF}".to_owned() + SHOPIFY_2024 + "\r\n";
    for r in rows {
        f.push_str(r);
        f.push_str("\r\n");
    }
    f.into_bytes()
}

#[tokio::test]
async fn a_current_shopify_export_goes_in_value_by_value_and_a_rerun_adds_nothing() {
    let app = spawn_app().await;
    let file = shopify_2024_file();
    let r = imported(&app, "source=shopify&file_name=customers_export.csv", &file).await;
    assert_eq!(r["layout"], "shopify-2024");
    assert_eq!(r["rows"], 6, "the empty row is not a row: {r}");
    assert_eq!(r["imported"], 2, "{r}");
    assert_eq!(
        (r["updated"].as_u64(), r["skipped"].as_u64()),
        (Some(0), Some(0))
    );
    assert_eq!(r["consents_recorded"], 2, "Zofia's e-mail, Ewa's SMS");
    assert_eq!(lines(&r, "refused"), vec![4, 5, 9], "{r}");
    let reasons: Vec<&str> = r["refused"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["reason"].as_str().unwrap())
        .collect();
    assert!(
        reasons[0].contains("Email") && reasons[0].contains("e-mail"),
        "{reasons:?}"
    );
    assert!(reasons[1].contains("card number"), "{reasons:?}");
    assert!(
        reasons[2].contains("first_name") && reasons[2].contains("required"),
        "{reasons:?}"
    );
    let text = r.to_string();
    for value in ["jan(at)example.org", "4111", "anon@example.org", "Anonym"] {
        assert!(!text.contains(value), "the report repeats {value}");
    }
    assert_eq!(
        r["duplicates"],
        json!([{"line": 6, "same_as_line": 2, "on": "email"}])
    );
    // Minimisation: what the catalog does not declare is named and not stored.
    let spent = dropped(&r, "Total Spent");
    assert_eq!(spent["values"], 6, "every row read has a value there");
    assert_eq!(spent["reason"], "not declared in the catalog");
    for c in [
        "Total Orders",
        "Tags",
        "Default Address Company",
        "Empresa (customer.metafields.custom.empresa)",
        "Tipo de Cliente (customer.metafields.custom.tipo_de_cliente)",
    ] {
        dropped(&r, c);
    }
    assert!(dropped(&r, "Accepts WhatsApp Marketing")["reason"]
        .as_str()
        .unwrap()
        .contains("whatsapp"));

    // Every value as meant.
    let zofia = by_email(&app, "zofia@example.org").await;
    assert_eq!(
        zofia["fields"],
        json!({
            "first_name": "Zofia", "last_name": "Wójcik", "email": "zofia@example.org",
            "phone": "+48601234567", "street": "ul. Długa 5, m. 3", "city": "Warszawa",
            "postal_code": "00-950", "country": "PL", "note": "likes \"green\"\nsecond line"
        })
    );
    let ewa = app.search(&app.owner, &[("phone", "+491701234567")]).await;
    assert_eq!(ewa.len(), 1);
    let ewa: Value = app
        .get(
            &app.owner,
            &format!("/v1/customers/{}", ewa[0]["id"].as_str().unwrap()),
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        ewa["fields"],
        json!({"first_name": "Ewa", "last_name": "Schmidt", "phone": "+491701234567",
               "city": "Berlin", "postal_code": "10115", "country": "DE"})
    );
    // Consents with method import and the file as their evidence.
    let zc = consents_of(&app, &zofia).await;
    assert_eq!(zc["history"].as_array().unwrap().len(), 1, "{zc}");
    let e = &zc["history"][0];
    assert_eq!(
        (&e["purpose"], &e["channel"], &e["state"], &e["method"]),
        (
            &json!("newsletter"),
            &json!("email"),
            &json!("given"),
            &json!("import")
        )
    );
    assert_eq!(e["evidence"]["source"], "customers_export.csv");
    assert_eq!(e["evidence"]["line"], 2);
    assert_eq!(e["evidence"]["column"], "Accepts Email Marketing");
    let ec = consents_of(&app, &ewa).await;
    assert_eq!(ec["history"][0]["purpose"], "sms_offers");
    assert_eq!(ec["history"][0]["channel"], "sms");
    // Imported consent counts: Zofia is in the newsletter audience.
    let audience = app
        .get(
            &app.owner,
            "/v1/marketing/audience?purpose=newsletter&channel=email",
        )
        .await
        .text()
        .await
        .unwrap();
    assert!(audience.contains("zofia@example.org"), "{audience}");

    // Nothing in plaintext where it is stored (the dropped spend is a value no timestamp
    // holds: "12.50" turned up in fractional seconds of an RFC 3339 time now and then).
    let stored = app.stored_bytes();
    for v in ["Wójcik", "zofia@example.org", "Długa", "4711.93"] {
        assert!(
            !stored.windows(v.len()).any(|w| w == v.as_bytes()),
            "{v} is stored in plaintext"
        );
    }

    // The same file again: nothing new.
    let (n, k) = (customers(&app), consents(&app));
    let again = imported(&app, "source=shopify", &file).await;
    assert_eq!(again["imported"], 0, "{again}");
    assert_eq!(again["skipped"], 2, "{again}");
    assert_eq!(again["consents_recorded"], 0);
    assert_eq!(lines(&again, "refused"), vec![4, 5, 9]);
    assert_eq!((customers(&app), consents(&app)), (n, k));

    // The audit trail names the customers imported, and no value.
    let events: Vec<Value> = app
        .audit_bodies()
        .into_iter()
        .filter(|e| e["action"] == "customer.import")
        .collect();
    assert_eq!(
        events.len(),
        2,
        "one for the import's chunk, one for the re-run"
    );
    assert_eq!(events[0]["customer_ids"].as_array().unwrap().len(), 2);
    assert!(events[1]["reason"].as_str().unwrap().contains("2 skipped"));
    let trail = serde_json::to_string(&app.audit_bodies()).unwrap();
    assert!(!trail.contains("Zofia") && !trail.contains("zofia@"));
}

#[tokio::test]
async fn older_shopify_layouts_fresha_and_square_go_in_from_the_command_line() {
    let app = spawn_app().await;
    let dir = tempfile::tempdir().unwrap();
    let data = app.data.to_str().unwrap().to_owned();
    let run = |source: &str, name: &str, text: String| {
        let path = dir.path().join(name);
        std::fs::write(&path, text).unwrap();
        let o = custos(
            &[
                "import",
                source,
                path.to_str().unwrap(),
                "--data-dir",
                &data,
                "--json",
            ],
            &[],
        );
        assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
        serde_json::from_slice::<Value>(&o.stdout).unwrap()
    };

    // Shopify 2018: one marketing column, for e-mail.
    let r = run(
        "shopify",
        "2018.csv",
        format!("{SHOPIFY_2018}\nOla,Lis,ola@example.org,,Rynek 1,,Kraków,,,Poland,PL,31-001,+48 12 345 67 89,yes,10,1,,\"\",no\n"),
    );
    assert_eq!(
        (r["layout"].as_str(), r["imported"].as_u64()),
        (Some("shopify-2018"), Some(1))
    );
    let ola = by_email(&app, "ola@example.org").await;
    assert_eq!(ola["fields"]["phone"], "+48123456789");
    assert_eq!(ola["fields"]["street"], "Rynek 1");
    assert_eq!(
        consents_of(&app, &ola).await["history"][0]["method"],
        "import"
    );
    dropped(&r, "Country"); // the name; the code is kept

    // Shopify 2022: e-mail and SMS apart, no customer id; a row with a name only matches on a
    // re-run by what it holds.
    let f2022 = format!("{SHOPIFY_2022}\nIga,Mak,iga@example.org,no,,,,,,,,,,'601 000 111,yes,,,,,no\nTylko,Imię,,no,,,,,,,,,,,no,,,,,no\n");
    let r = run("shopify", "2022.csv", f2022.clone());
    assert_eq!(
        (r["layout"].as_str(), r["imported"].as_u64()),
        (Some("shopify-2022"), Some(2))
    );
    let iga = by_email(&app, "iga@example.org").await;
    assert_eq!(
        iga["fields"]["phone"], "+48601000111",
        "the tenant's country"
    );
    let h = consents_of(&app, &iga).await;
    assert_eq!(h["history"].as_array().unwrap().len(), 1);
    assert_eq!(h["history"][0]["channel"], "sms");
    let n = customers(&app);
    let r = run("shopify", "2022.csv", f2022);
    assert_eq!(
        (r["imported"].as_u64(), r["skipped"].as_u64()),
        (Some(0), Some(2)),
        "{r}"
    );
    assert_eq!(customers(&app), n);

    // Fresha: quoted headers, a mobile without the country code, a birthday with the year.
    let r = run(
        "fresha",
        "fresha.csv",
        format!("{FRESHA}\r\n\"F-1\",\"Kasia\",\"Wrona\",\"Kasia Wrona\",\"No\",\"\",\"Female\",\"601 234 568\",\"\",\"kasia@example.org\",\"Yes\",\"No\",\"ul. Polna 2\",\"\",\"\",\"Gdańsk\",\"\",\"80-001\",\"1985-04-12\",\"2021-03-01\",\"\",\"Instagram\",\"\"\r\n"),
    );
    assert_eq!(r["layout"], "fresha");
    let kasia = by_email(&app, "kasia@example.org").await;
    assert_eq!(
        kasia["fields"],
        json!({"first_name": "Kasia", "last_name": "Wrona", "email": "kasia@example.org",
               "phone": "+48601234568", "street": "ul. Polna 2", "city": "Gdańsk",
               "postal_code": "80-001", "birth_date": "1985-04-12"})
    );
    assert_eq!(dropped(&r, "Gender")["values"], 1, "not declared, not kept");
    dropped(&r, "Referral Source");
    let h = consents_of(&app, &kasia).await;
    assert_eq!(
        h["history"].as_array().unwrap().len(),
        1,
        "Yes to e-mail, No to SMS"
    );

    // Square: a birthday without the year, subscription states.
    let r = run(
        "square",
        "square.csv",
        format!("{SQUARE}\nR1,Marek,Sowa,marek@example.org,'+48 601 999 000,Maro,,Długa 1,,Łódź,,90-001,04-12,regular,SQ-1,Directory,2020-01-01,2024-01-01,7,120.00,subscribed,false,false\nR2,Lena,Kos,lena@example.org,,,,,,,,,,,SQ-2,,,,1,5.00,unsubscribed,false,false\nR3,Olaf,Bąk,olaf@example.org,,,,,,,,,02-30,,SQ-3,,,,1,5.00,unknown,false,false\n"),
    );
    assert_eq!(r["imported"], 2, "{r}");
    assert_eq!(lines(&r, "refused"), vec![4], "no 30 February");
    let marek = by_email(&app, "marek@example.org").await;
    assert_eq!(marek["fields"]["birth_date"], "--04-12");
    assert_eq!(marek["fields"]["note"], "regular");
    assert_eq!(
        consents_of(&app, &marek).await["history"][0]["channel"],
        "email"
    );
    let lena = by_email(&app, "lena@example.org").await;
    assert_eq!(
        consents_of(&app, &lena).await["history"],
        json!([]),
        "unsubscribed records nothing"
    );
    for c in [
        "Lifetime Spend",
        "Transaction Count",
        "Nickname",
        "First Visit",
    ] {
        dropped(&r, c);
    }
    // The command line's summary, for people.
    let path = dir.path().join("square.csv");
    let o = custos(
        &[
            "import",
            "square",
            path.to_str().unwrap(),
            "--data-dir",
            &data,
            "--dry-run",
        ],
        &[],
    );
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(
        out.contains("dry run") && out.contains("refused   line 4"),
        "{out}"
    );
    // A file of another kind is named for what it is.
    let o = custos(
        &[
            "import",
            "shopify",
            path.to_str().unwrap(),
            "--data-dir",
            &data,
        ],
        &[],
    );
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("looks like square"), "{}", stderr(&o));
    let o = custos(
        &["import", "csv", path.to_str().unwrap(), "--data-dir", &data],
        &[],
    );
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("--mapping"), "{}", stderr(&o));
}

#[tokio::test]
async fn a_generic_csv_goes_by_its_mapping() {
    let app = spawn_app().await;
    let file = "Kundennr;Vorname;Nachname;E-Mail;Newsletter;Umsatz;Lieblingsfarbe\n".replace(';', ",")
        + "K-1,Jonas,Weber,jonas@example.org,ja,100,grün\nK-2,Mia,Vogel,mia@example.org,Nein,50,blau\n";
    let mapping = "column,target\nKundennr,external_id\nVorname,first_name\nNachname,last_name\nE-Mail,email\nNewsletter,consent:newsletter:email\nUmsatz,drop\n";
    let form = |file: String, mapping: &str| {
        reqwest::multipart::Form::new()
            .part(
                "file",
                reqwest::multipart::Part::text(file).file_name("kunden.csv"),
            )
            .text("mapping", mapping.to_owned())
    };
    let r = app
        .req(Method::POST, "/v1/imports?source=csv", &app.owner)
        .multipart(form(file.clone(), mapping))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let r: Value = r.json().await.unwrap();
    assert_eq!(
        (r["layout"].as_str(), r["imported"].as_u64()),
        (Some("csv"), Some(2)),
        "{r}"
    );
    assert_eq!(dropped(&r, "Umsatz")["reason"], "dropped by the mapping");
    assert_eq!(
        dropped(&r, "Lieblingsfarbe")["reason"],
        "not in the mapping"
    );
    let jonas = by_email(&app, "jonas@example.org").await;
    assert_eq!(
        jonas["fields"],
        json!({"first_name": "Jonas", "last_name": "Weber", "email": "jonas@example.org"})
    );
    let h = consents_of(&app, &jonas).await;
    assert_eq!(h["history"][0]["evidence"]["source"], "kunden.csv");
    assert_eq!(
        consents_of(&app, &by_email(&app, "mia@example.org").await).await["history"],
        json!([])
    );
    // Matched again by the mapped id, even with a new address.
    let moved = file.replace("jonas@example.org", "jonas.weber@example.org");
    let r: Value = app
        .req(Method::POST, "/v1/imports?source=csv", &app.owner)
        .multipart(form(moved, mapping))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        (r["imported"].as_u64(), r["skipped"].as_u64()),
        (Some(0), Some(2)),
        "{r}"
    );
    // Mappings that cannot work are refused before anything is read.
    for (bad, why) in [
        ("Kundennr,shoe_size\n", "shoe_size"),
        ("Wohnort,city\n", "Wohnort"),
        ("Newsletter,consent:newsletter:sms\n", "sms"),
        ("Newsletter,consent:service\n", "service"),
        ("Newsletter,consent:newsletter:pigeon\n", "pigeon"),
        ("", "names no column"),
    ] {
        let r = app
            .req(Method::POST, "/v1/imports?source=csv", &app.owner)
            .multipart(form(file.clone(), bad))
            .send()
            .await
            .unwrap();
        let p = assert_problem(r, 422, "invalid_request").await;
        assert!(p["detail"].as_str().unwrap().contains(why), "{bad}: {p}");
    }
    let r = app
        .req(Method::POST, "/v1/imports?source=csv", &app.owner)
        .header("content-type", "text/csv")
        .body(file.clone())
        .send()
        .await
        .unwrap();
    assert_problem(r, 422, "invalid_request").await;
}

#[tokio::test]
async fn a_dry_run_writes_nothing_and_only_update_changes_customers_already_here() {
    let app = spawn_app().await;
    let file = format!("{SQUARE}\n,Ada,Lange,ada@example.org,,,,,,,,,,,SQ-A,,,,,,subscribed,,\n");
    let before = (customers(&app), consents(&app), app.audit_bodies().len());
    let r = imported(&app, "source=square&dry_run=true", file.as_bytes()).await;
    assert_eq!(
        (r["dry_run"].as_bool(), r["imported"].as_u64()),
        (Some(true), Some(1))
    );
    assert_eq!(r["consents_recorded"], 1);
    assert_eq!(
        (customers(&app), consents(&app)),
        (before.0, before.1),
        "nothing written"
    );
    let trail = app.audit_bodies();
    assert_eq!(trail.len(), before.2 + 1, "the dry run is on the record");
    assert!(trail.last().unwrap()["reason"]
        .as_str()
        .unwrap()
        .starts_with("dry run"));

    imported(&app, "source=square", file.as_bytes()).await;
    let ada = by_email(&app, "ada@example.org").await;
    // Newer values in the file: left alone without `update`…
    let newer = file.replace(",Lange,", ",Lange-Berg,");
    let r = imported(&app, "source=square", newer.as_bytes()).await;
    assert_eq!(
        (r["updated"].as_u64(), r["skipped"].as_u64()),
        (Some(0), Some(1))
    );
    assert_eq!(
        by_email(&app, "ada@example.org").await["fields"]["last_name"],
        "Lange"
    );
    // …counted by a dry run with it, and changed with it.
    let r = imported(
        &app,
        "source=square&update=true&dry_run=true",
        newer.as_bytes(),
    )
    .await;
    assert_eq!(r["updated"], 1);
    assert_eq!(
        by_email(&app, "ada@example.org").await["fields"]["last_name"],
        "Lange"
    );
    let r = imported(&app, "source=square&update=true", newer.as_bytes()).await;
    assert_eq!(
        (r["updated"].as_u64(), r["imported"].as_u64()),
        (Some(1), Some(0))
    );
    let now = by_email(&app, "ada@example.org").await;
    assert_eq!(now["fields"]["last_name"], "Lange-Berg");
    assert_eq!(now["version"], ada["version"].as_u64().unwrap() + 1);
    // The new name is searchable, the old one is not.
    assert_eq!(app.search(&app.owner, &[("q", "Berg")]).await.len(), 1);
    // A withdrawal here is newer than any file: the import does not give consent again.
    let r = app
        .req(Method::POST, &format!("/v1/customers/{}/consents", ada["id"].as_str().unwrap()), &app.owner)
        .json(&json!({"purpose": "newsletter", "channel": "email", "state": "withdrawn", "method": "in_store"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    let r = imported(&app, "source=square&update=true", newer.as_bytes()).await;
    assert_eq!(
        (r["updated"].as_u64(), r["consents_recorded"].as_u64()),
        (Some(0), Some(0))
    );
    let h = consents_of(&app, &ada).await;
    assert_eq!(h["current"][0]["state"], "withdrawn", "{h}");
    // Restricted (art. 18): an import changes nothing about the customer either.
    let r = app
        .req(
            Method::PUT,
            &format!("/v1/customers/{}/restriction", ada["id"].as_str().unwrap()),
            &app.owner,
        )
        .json(&json!({"reason": "accuracy_contested"}))
        .send()
        .await
        .unwrap();
    assert!(r.status().is_success(), "{}", r.status());
    let k = consents(&app);
    let changed = newer.replace(",Lange-Berg,", ",Lange-Kos,")
        + ",Ada,Lange,ada@example.org,,,,,,,,,,,SQ-A2,,,,,,subscribed,,\n";
    let r = imported(&app, "source=square&update=true", changed.as_bytes()).await;
    assert_eq!(
        (r["updated"].as_u64(), r["skipped"].as_u64()),
        (Some(0), Some(0)),
        "{r}"
    );
    assert_eq!(lines(&r, "refused"), vec![2]);
    assert!(r["refused"][0]["reason"]
        .as_str()
        .unwrap()
        .contains("restricted"));
    assert_eq!(r["duplicates"][0]["same_as_line"], 2);
    assert_eq!(consents(&app), k);
}

#[tokio::test]
async fn a_customer_matched_from_two_chunks_takes_both_changes() {
    // A chunk is written while the next is read: rows of two chunks that match one customer by
    // different keys must still both land, in file order, without a conflict.
    let row = |cells: &[(usize, &str)]| {
        let mut r = vec![""; 23];
        for (i, v) in cells {
            r[*i] = v;
        }
        r.join(",") + "\n"
    };
    let app = spawn_app().await;
    let first = format!(
        "{SQUARE}\n{}",
        row(&[
            (1, "Ada"),
            (2, "Lange"),
            (3, "ada@example.org"),
            (4, "+48 600 000 001"),
            (9, "Krakow")
        ])
    );
    imported(&app, "source=square", first.as_bytes()).await;
    let ada = by_email(&app, "ada@example.org").await;

    let chunk = custos_core::importing::CHUNK;
    let mut file = format!("{SQUARE}\n");
    // By e-mail, in the first chunk…
    file.push_str(&row(&[
        (1, "Ada"),
        (2, "Lange-Berg"),
        (3, "ada@example.org"),
    ]));
    for i in 1..chunk {
        let email = format!("filler{i}@example.org");
        file.push_str(&row(&[(1, "Filler"), (2, "Row"), (3, &email)]));
    }
    // …and by phone, in the second.
    file.push_str(&row(&[(1, "Ada"), (4, "+48 600 000 001"), (9, "Gdansk")]));
    let r = imported(&app, "source=square&update=true", file.as_bytes()).await;
    assert_eq!(
        (r["updated"].as_u64(), r["imported"].as_u64()),
        (Some(2), Some(chunk as u64 - 1)),
        "{r}"
    );
    let now = by_email(&app, "ada@example.org").await;
    assert_eq!(now["fields"]["last_name"], "Lange-Berg", "{now}");
    assert_eq!(now["fields"]["city"], "Gdansk", "{now}");
    assert_eq!(now["version"], ada["version"].as_u64().unwrap() + 2);
    assert_eq!(customers(&app), chunk as i64);
}

#[tokio::test]
async fn an_import_never_brings_an_erased_customer_back() {
    let app = spawn_app().await;
    let file = format!("{SQUARE}\n,Rob,Lee,rob@example.org,,,,,,,,,,,SQ-R,,,,,,,,\n,Uma,Kay,,601 555 444,,,,,,,,,,SQ-U,,,,,,,,\n");
    imported(&app, "source=square", file.as_bytes()).await;
    for email in ["rob@example.org"] {
        let c = by_email(&app, email).await;
        let r = app
            .req(
                Method::DELETE,
                &format!("/v1/customers/{}", c["id"].as_str().unwrap()),
                &app.owner,
            )
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 204);
    }
    let uma = app.search(&app.owner, &[("phone", "601555444")]).await;
    let r = app
        .req(
            Method::DELETE,
            &format!("/v1/customers/{}", uma[0]["id"].as_str().unwrap()),
            &app.owner,
        )
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 204);
    // By e-mail, by phone, and by the other system's id with a changed address.
    let again = file.replace("rob@example.org", "rob.lee@example.org")
        + ",Eve,Ng,eve@example.org,,,,,,,,,,,SQ-E,,,,,,,,\n";
    let n = customers(&app);
    let r = imported(&app, "source=square", again.as_bytes()).await;
    assert_eq!(r["imported"], 1, "only Eve: {r}");
    assert_eq!(lines(&r, "refused"), vec![2, 3]);
    assert!(r["refused"][0]["reason"]
        .as_str()
        .unwrap()
        .contains("erased"));
    assert_eq!(customers(&app), n + 1);
    // The person may still come back in person: a new customer made by staff is no import.
    let r = app
        .create(
            &app.owner,
            json!({"first_name": "Rob", "email": "rob@example.org"}),
        )
        .await;
    assert_eq!(r.status(), 201);
}

#[tokio::test]
async fn bad_uploads_get_clear_problems_and_bad_rows_their_lines() {
    let app = spawn_app().await;
    let staff = app.user("imp-staff", "staff").await;
    let square = format!("{SQUARE}\n,Ala,Ma,ala@example.org,,,,,,,,,,,SQ-1,,,,,,,,\n");
    let r = app
        .req(Method::POST, "/v1/imports?source=square", &staff)
        .header("content-type", "text/csv")
        .body(square.clone())
        .send()
        .await
        .unwrap();
    assert_problem(r, 403, "forbidden").await;
    let (s, p) = upload(&app, "source=excel", square.as_bytes()).await;
    assert_eq!(
        (s.as_u16(), p["code"].as_str()),
        (400, Some("invalid_query"))
    );
    let (s, p) = upload(&app, "dry_run=true", square.as_bytes()).await;
    assert_eq!(
        (s.as_u16(), p["code"].as_str()),
        (400, Some("invalid_query"))
    );
    let r = app
        .req(Method::POST, "/v1/imports?source=square", &app.owner)
        .json(&json!({"file": square}))
        .send()
        .await
        .unwrap();
    assert_problem(r, 415, "unsupported_media_type").await;
    let (s, p) = upload(&app, "source=square", b"").await;
    assert_eq!(
        (s.as_u16(), p["code"].as_str()),
        (422, Some("invalid_request"))
    );
    let (s, p) = upload(&app, "source=fresha", square.as_bytes()).await;
    assert_eq!(s, 422, "{p}");
    assert!(
        p["detail"].as_str().unwrap().contains("looks like square"),
        "{p}"
    );
    let (s, _) = upload(&app, "source=square", b"just some text\nno header\n").await;
    assert_eq!(s, 422);
    // A form without the file.
    let r = app
        .req(Method::POST, "/v1/imports?source=square", &app.owner)
        .multipart(reqwest::multipart::Form::new().text("mapping", "a,b"))
        .send()
        .await
        .unwrap();
    assert_problem(r, 422, "invalid_request").await;
    // Too large for an upload: the command line is named.
    let big = vec![b'a'; 65 * 1024 * 1024];
    let (s, p) = upload(&app, "source=square", &big).await;
    assert_eq!(s, 413, "{p}");
    assert!(p["detail"].as_str().unwrap().contains("custos import"));
    let r = app
        .req(Method::POST, "/v1/imports?source=square", &app.owner)
        .multipart(reqwest::multipart::Form::new().part(
            "file",
            reqwest::multipart::Part::bytes(big).file_name("big.csv"),
        ))
        .send()
        .await
        .unwrap();
    assert_problem(r, 413, "payload_too_large").await;
    // A row in another encoding is refused with its line; the others go in.
    let mut file = format!("{SQUARE}\n").into_bytes();
    file.extend_from_slice(b",J\xfcrgen,M\xfcller,jm@example.org,,,,,,,,,,,SQ-J,,,,,,,,\n");
    file.extend_from_slice(b",Ala,Ma,ala@example.org,,,,,,,,,,,SQ-1,,,,,,,,\n");
    let r = imported(&app, "source=square", &file).await;
    assert_eq!(r["imported"], 1);
    assert_eq!(lines(&r, "refused"), vec![2]);
    assert!(r["refused"][0]["reason"]
        .as_str()
        .unwrap()
        .contains("UTF-8"));
    // Nothing broke: the server answers and the trail verifies.
    let v: Value = app
        .get(&app.owner, "/v1/audit/verify")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(v["ok"], true);
}

#[tokio::test]
async fn an_import_killed_halfway_and_run_again_ends_as_one_clean_run() {
    // Three whole chunks and a bit: killed after the first or second.
    const ROWS: usize = 3 * custos_core::importing::CHUNK + 500;
    let mut file = format!("{SQUARE}\n");
    for i in 0..ROWS {
        // Every third row has only a name: matched on a re-run by what it holds.
        let email = if i % 3 == 0 {
            String::new()
        } else {
            format!("p{i}@example.org")
        };
        let id = if i % 3 == 0 {
            String::new()
        } else {
            format!("SQ{i}")
        };
        file.push_str(&format!(
            ",Name{i},Surname{i},{email},,,,Street {i},,City,,00-{:03},,,{id},,,,3,12.50,{},,\n",
            i % 1000,
            if i % 2 == 0 {
                "subscribed"
            } else {
                "unsubscribed"
            }
        ));
    }
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("big.csv");
    std::fs::write(&path, &file).unwrap();

    let app = spawn_app().await;
    let data = app.data.to_str().unwrap().to_owned();
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_custos"))
        .args([
            "import",
            "square",
            path.to_str().unwrap(),
            "--data-dir",
            &data,
        ])
        .env_remove("CUSTOS_DATA_DIR")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    // Killed once a few chunks are in.
    let mut at_kill = 0;
    for _ in 0..3000 {
        at_kill = customers(&app);
        if at_kill >= 1 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    child.kill().unwrap();
    let status = child.wait().unwrap();
    assert!(!status.success(), "killed, not finished");
    let after_kill = customers(&app);
    assert!(
        (1..ROWS as i64).contains(&after_kill),
        "killed halfway: {at_kill} then {after_kill}"
    );
    assert_eq!(
        after_kill % custos_core::importing::CHUNK as i64,
        0,
        "whole chunks only: {after_kill}"
    );
    let o = custos(
        &[
            "import",
            "square",
            path.to_str().unwrap(),
            "--data-dir",
            &data,
            "--json",
        ],
        &[],
    );
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let r: Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(r["skipped"].as_i64().unwrap(), after_kill, "{r}");
    assert_eq!(r["imported"].as_i64().unwrap(), ROWS as i64 - after_kill);

    // One clean run elsewhere.
    let clean = spawn_app().await;
    let o = custos(
        &[
            "import",
            "square",
            path.to_str().unwrap(),
            "--data-dir",
            clean.data.to_str().unwrap(),
            "--json",
        ],
        &[],
    );
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    for sql in [
        "SELECT count(*) FROM customers",
        "SELECT count(*) FROM consents",
        "SELECT count(*) FROM consents WHERE method = 'import' AND state = 'given'",
        "SELECT count(*) FROM blind_index",
        "SELECT count(*) FROM blind_index WHERE kind = 5",
    ] {
        assert_eq!(app.sql_count(sql), clean.sql_count(sql), "{sql}");
    }
    assert_eq!(app.sql_count("SELECT count(*) FROM customers"), ROWS as i64);
    assert_eq!(
        app.sql_count("SELECT count(*) FROM consents"),
        (ROWS / 2) as i64
    );
    // And the values are there: a sample.
    let last = ROWS - 1;
    assert_ne!(last % 3, 0, "the last row has an e-mail address");
    let c = by_email(&app, &format!("p{last}@example.org")).await;
    assert_eq!(c["fields"]["street"], format!("Street {last}"));
    let v: Value = app
        .get(&app.owner, "/v1/audit/verify")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(v["ok"], true);
}

/// A few customers with what the layouts carry: names with commas and quotes, a note with a
/// line break and a formula, a birthday without a year, consents given and withdrawn.
async fn seed_for_export(app: &TestApp) {
    let file = format!(
        "{SQUARE}\n\
         ,Zofia,Wójcik,zofia@example.org,'601 234 567,,,\"ul. Długa 5, m. 3\",,Warszawa,,00-950,1985-04-12,\"line one\nline two\",SQ-1,,,,,,subscribed,,\n\
         ,Jan,\"O'Neil \"\"Jack\"\"\",jan@example.org,,,,,,,,,04-12,=HYPERLINK(\"http://x\"),SQ-2,,,,,,unsubscribed,,\n\
         ,Ewa,Lis,,+49 170 1234567,,,,,Berlin,,10115,,,SQ-3,,,,,,,,\n"
    );
    let r = imported(app, "source=square", file.as_bytes()).await;
    assert_eq!(r["imported"], 3, "{r}");
    // SMS consent for Ewa, given in store.
    let ewa = app.search(&app.owner, &[("phone", "+491701234567")]).await;
    let r = app
        .req(Method::POST, &format!("/v1/customers/{}/consents", ewa[0]["id"].as_str().unwrap()), &app.owner)
        .json(&json!({"purpose": "sms_offers", "channel": "sms", "state": "given", "method": "in_store"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
}

async fn list_of(app: &TestApp, format: &str) -> String {
    let r = app
        .get(
            &app.owner,
            &format!("/v1/exports/customers?format={format}"),
        )
        .await;
    assert_eq!(r.status(), 200);
    assert!(r.headers()["content-disposition"]
        .to_str()
        .unwrap()
        .contains(&format!("customers-{format}")));
    assert_eq!(r.headers()["cache-control"], "no-store");
    r.text().await.unwrap()
}

/// The fields of every customer, by e-mail or phone.
async fn everyone(app: &TestApp) -> Vec<Value> {
    let page: Value = app
        .get(&app.owner, "/v1/customers")
        .await
        .json()
        .await
        .unwrap();
    let mut out: Vec<Value> = page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["fields"].clone())
        .collect();
    out.sort_by_key(|f| f["first_name"].as_str().unwrap_or("").to_owned());
    out
}

async fn consenting(app: &TestApp, purpose: &str, channel: &str) -> usize {
    let csv = app
        .get(
            &app.owner,
            &format!("/v1/marketing/audience?purpose={purpose}&channel={channel}"),
        )
        .await
        .text()
        .await
        .unwrap();
    csv.lines().count() - 1
}

#[tokio::test]
async fn the_list_goes_out_in_each_layout_and_comes_back_in_whole() {
    let app = spawn_tuned("retail", |s| {
        s.anomaly_scan_every = std::time::Duration::from_millis(100);
    })
    .await;
    seed_for_export(&app).await;
    let want = everyone(&app).await;
    assert_eq!(want.len(), 3);
    for format in ["shopify", "fresha", "square", "csv"] {
        let list = list_of(&app, format).await;
        assert!(list.lines().next().unwrap().split(',').count() > 5);
        assert!(
            list.contains("'=HYPERLINK"),
            "{format}: the formula is defused"
        );
        let other = spawn_app().await;
        let r = if format == "csv" {
            // Custos's own columns: the mapping writes itself.
            let header = list.lines().next().unwrap();
            let mapping: String = header
                .split(',')
                .map(|c| match c {
                    "number" => "number,external_id\n".to_owned(),
                    c => format!("{c},{c}\n"),
                })
                .collect();
            let r = other
                .req(Method::POST, "/v1/imports?source=csv", &other.owner)
                .multipart(
                    reqwest::multipart::Form::new()
                        .part(
                            "file",
                            reqwest::multipart::Part::text(list.clone()).file_name("list.csv"),
                        )
                        .text("mapping", mapping),
                )
                .send()
                .await
                .unwrap();
            assert_eq!(r.status(), 200);
            r.json::<Value>().await.unwrap()
        } else {
            imported(&other, &format!("source={format}"), list.as_bytes()).await
        };
        assert_eq!(r["imported"], 3, "{format}: {r}");
        assert_eq!(r["refused"], json!([]), "{format}");
        let mut got = everyone(&other).await;
        let mut want = want.clone();
        // What a layout has no column for does not travel.
        for f in want.iter_mut().chain(got.iter_mut()) {
            let f = f.as_object_mut().unwrap();
            match format {
                "shopify" => {
                    f.remove("birth_date");
                }
                "fresha" | "square" => {
                    f.remove("country");
                }
                _ => {}
            }
        }
        assert_eq!(got, want, "{format}");
        assert_eq!(
            consenting(&other, "newsletter", "email").await,
            1,
            "{format}"
        );
        assert_eq!(
            consenting(&other, "sms_offers", "sms").await,
            usize::from(format != "square"),
            "{format}: Square's export has no SMS column"
        );
    }
    // Every export is on the record, naming every customer, and raises an alert for review.
    let events: Vec<Value> = app
        .audit_bodies()
        .into_iter()
        .filter(|e| e["action"] == "customer.export_all")
        .collect();
    assert_eq!(events.len(), 4);
    assert!(events
        .iter()
        .all(|e| e["customer_ids"].as_array().unwrap().len() == 3));
    // (One alert per actor and hour, however many exports.)
    let alerts = app.await_alerts("export", 1).await;
    assert!(
        alerts[0].to_string().contains("of 3 customer"),
        "{alerts:?}"
    );
}

#[tokio::test]
async fn only_the_owner_exports_the_list_from_the_api_or_the_command_line() {
    let app = spawn_app().await;
    seed_for_export(&app).await;
    let manager = app.user("list-manager", "manager").await;
    assert_problem(
        app.get(&manager, "/v1/exports/customers?format=csv").await,
        403,
        "forbidden",
    )
    .await;
    assert_problem(
        app.get(&app.owner, "/v1/exports/customers?format=xlsx")
            .await,
        400,
        "invalid_query",
    )
    .await;
    assert_problem(
        app.get(&app.owner, "/v1/exports/customers").await,
        400,
        "invalid_query",
    )
    .await;
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("list.csv");
    let o = custos(
        &[
            "export",
            "shopify",
            "--out",
            out.to_str().unwrap(),
            "--data-dir",
            app.data.to_str().unwrap(),
        ],
        &[],
    );
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(stderr(&o).contains("3 customers") && stderr(&o).contains("plaintext"));
    use std::os::unix::fs::PermissionsExt;
    assert_eq!(
        std::fs::metadata(&out).unwrap().permissions().mode() & 0o777,
        0o600
    );
    let text = std::fs::read_to_string(&out).unwrap();
    assert!(text.starts_with("Customer ID,First Name,Last Name,Email,Accepts Email Marketing"));
    assert!(text.contains("zofia@example.org"));
    // An existing file is not overwritten.
    let o = custos(
        &[
            "export",
            "csv",
            "--out",
            out.to_str().unwrap(),
            "--data-dir",
            app.data.to_str().unwrap(),
        ],
        &[],
    );
    assert_eq!(o.status.code(), Some(1));
    assert_eq!(std::fs::read_to_string(&out).unwrap(), text);
}
