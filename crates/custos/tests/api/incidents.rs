//! The incident register: the affected set from the audit trail, the 72-hour clock, drafted
//! notifications in three languages, delay reasons and follow-ups.

use crate::helpers::*;
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};
use std::collections::BTreeSet;
use time::format_description::well_known::Rfc3339;
use time::macros::datetime;
use time::OffsetDateTime;

fn rfc(t: OffsetDateTime) -> String {
    t.format(&Rfc3339).unwrap()
}

async fn post(app: &TestApp, token: &str, path: &str, body: Value) -> reqwest::Response {
    app.req(Method::POST, path, token)
        .json(&body)
        .send()
        .await
        .unwrap()
}

async fn patch(app: &TestApp, token: &str, path: &str, body: Value) -> reqwest::Response {
    app.req(Method::PATCH, path, token)
        .json(&body)
        .send()
        .await
        .unwrap()
}

fn id_of(v: &Value) -> String {
    v["id"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn an_incident_for_a_compromised_user_lists_exactly_what_that_user_touched() {
    let t0 = datetime!(2026-11-20 09:00 UTC);
    let (mut app, clock) = spawn_clocked_tuned("retail", t0, |_| {}).await;
    let mut ids = Vec::new();
    for (first, email) in [
        ("Ada", "ada@example.org"),
        ("Bea", "bea@example.org"),
        ("Cyd", "cyd@example.org"),
        ("Dot", "dot@example.org"),
        ("Eve", "eve@example.org"),
        ("Fay", "fay@example.org"),
    ] {
        ids.push(id_of(
            &app.customer(json!({"first_name": first, "last_name": "Kowalska", "email": email, "phone": "+48601234567"}))
                .await,
        ));
    }
    let (a, b, c, d, e, f) = (&ids[0], &ids[1], &ids[2], &ids[3], &ids[4], &ids[5]);
    let mallory = app.user("mallory", "staff").await;
    let sam = app.user("sam", "staff").await;
    let mallory_id = app.user_id("mallory").await;

    // Before the window: Mallory reads A.
    clock.advance(time::Duration::hours(1));
    assert_eq!(
        app.get(&mallory, &format!("/v1/customers/{a}"))
            .await
            .status(),
        StatusCode::OK
    );

    // The window, T1 to T2: B and C read, D found by a search, a purchase added to C, a
    // refused list; Sam reads E meanwhile.
    clock.advance(time::Duration::hours(1));
    let t1 = t0 + time::Duration::hours(2);
    for id in [b, c] {
        assert_eq!(
            app.get(&mallory, &format!("/v1/customers/{id}"))
                .await
                .status(),
            StatusCode::OK
        );
    }
    let hits = app.search(&mallory, &[("email", "dot@example.org")]).await;
    assert_eq!(hits.len(), 1);
    let r = post(
        &app,
        &mallory,
        &format!("/v1/customers/{c}/records"),
        json!({"type": "purchase", "occurred_at": rfc(t1), "fields": {"amount": 19.99}}),
    )
    .await;
    assert_eq!(
        r.status(),
        StatusCode::CREATED,
        "{}",
        r.text().await.unwrap()
    );
    assert_eq!(
        app.get(&mallory, "/v1/customers").await.status(),
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        app.get(&sam, &format!("/v1/customers/{e}")).await.status(),
        StatusCode::OK
    );
    clock.advance(time::Duration::minutes(59));

    // After the window: Mallory reads F.
    clock.advance(time::Duration::minutes(2));
    let t2 = t1 + time::Duration::hours(1);
    assert_eq!(
        app.get(&mallory, &format!("/v1/customers/{f}"))
            .await
            .status(),
        StatusCode::OK
    );

    let r = post(
        &app,
        &app.owner,
        "/v1/incidents",
        json!({
            "title": "Mallory's password phished",
            "aware_at": rfc(t2),
            "scope": {"actors": [mallory_id], "from": rfc(t1), "to": rfc(t2)},
            "nature": "A staff password was phished and used to read customer profiles.",
            "risk": "risk"
        }),
    )
    .await;
    assert_eq!(r.status(), StatusCode::CREATED);
    let inc: Value = r.json().await.unwrap();
    let inc_id = id_of(&inc);
    assert_eq!(inc["status"], "open");
    assert_eq!(inc["affected"]["customers"], 3, "{inc}");
    assert_eq!(
        inc["affected"]["accesses"], 4,
        "two reads, one search, one record"
    );

    let set: Value = app
        .get(&app.owner, &format!("/v1/incidents/{inc_id}/affected"))
        .await
        .json()
        .await
        .unwrap();
    let got: BTreeSet<&str> = set["customers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["id"].as_str().unwrap())
        .collect();
    let want: BTreeSet<&str> = [b, c, d].iter().map(|s| s.as_str()).collect();
    assert_eq!(got, want, "exactly B, C and D");
    let cc = set["customers"]
        .as_array()
        .unwrap()
        .iter()
        .find(|x| x["id"] == c.as_str())
        .unwrap();
    assert_eq!(cc["accesses"], 2);
    let cats: Vec<&str> = cc["categories"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c.as_str().unwrap())
        .collect();
    assert!(
        cats.contains(&"identity") && cats.contains(&"purchase"),
        "{cats:?}"
    );

    // An open-ended scope takes in what came after, up to now: F joins, A still does not.
    let r = patch(
        &app,
        &app.owner,
        &format!("/v1/incidents/{inc_id}"),
        json!({"scope": {"actors": [mallory_id], "from": rfc(t1)}}),
    )
    .await;
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(r.json::<Value>().await.unwrap()["affected"]["customers"], 4);

    // Erasing B afterwards shows in the set: B cannot be told any more.
    app.owner = app.login("owner", OWNER_PW, None).await;
    let r = app
        .req(Method::DELETE, &format!("/v1/customers/{b}"), &app.owner)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::NO_CONTENT);
    let set: Value = app
        .get(&app.owner, &format!("/v1/incidents/{inc_id}/affected"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(set["summary"]["erased"], 1);
    assert!(set["customers"]
        .as_array()
        .unwrap()
        .iter()
        .any(|x| x["id"] == b.as_str() && x["erased"] == true));
}

#[tokio::test]
async fn the_72_hour_clock_delay_reasons_follow_ups_and_drafts() {
    // The optician template requires MFA: the clock starts at the real time so that the test
    // helpers' TOTP codes match, and API tokens (which outlive logins) act after it moves.
    let now = OffsetDateTime::now_utc().replace_nanosecond(0).unwrap();
    let (app, clock) = spawn_clocked_tuned("optician", now, |_| {}).await;
    let token_for = |role: &'static str| {
        let app = &app;
        async move {
            let r = post(
                app,
                &app.owner,
                "/v1/tokens",
                json!({"name": format!("incident-{role}"), "role": role}),
            )
            .await;
            assert_eq!(r.status(), StatusCode::CREATED);
            r.json::<Value>().await.unwrap()["token"]
                .as_str()
                .unwrap()
                .to_owned()
        }
    };
    let owner = token_for("owner").await;
    let clinician = app.user("cleo", "clinician").await;
    let cleo_id = app.user_id("cleo").await;
    let cust = id_of(
        &app.customer(json!({"first_name": "Zofia", "last_name": "Wójcik"}))
            .await,
    );
    let r = post(
        &app,
        &clinician,
        &format!("/v1/customers/{cust}/records"),
        json!({"type": "eye_exam", "occurred_at": rfc(now), "fields": {"sphere_right": -1.25, "remarks": "Canary-Remark-Incident"}}),
    )
    .await;
    assert_eq!(
        r.status(),
        StatusCode::CREATED,
        "{}",
        r.text().await.unwrap()
    );

    let auditor = token_for("auditor").await;
    let staff = token_for("staff").await;
    let body = json!({
        "title": "Lost laptop",
        "aware_at": rfc(now - time::Duration::hours(70)),
        "scope": {"actors": [cleo_id], "from": rfc(now - time::Duration::hours(1))},
        "nature": "Canary-Nature-Incident: a laptop with an open session was stolen.",
        "contact": "Data protection: dpo@optik.example",
        "consequences": "Eye-exam results may be seen by strangers.",
        "measures": "Sessions ended, password reset, police report filed."
    });

    // Who may: owner and manager open; auditor reads; staff neither.
    assert_problem(
        post(&app, &staff, "/v1/incidents", body.clone()).await,
        403,
        "forbidden",
    )
    .await;
    assert_problem(
        post(&app, &auditor, "/v1/incidents", body.clone()).await,
        403,
        "forbidden",
    )
    .await;
    assert_problem(app.get(&staff, "/v1/incidents").await, 403, "forbidden").await;
    // Bad input.
    for (bad, code) in [
        (json!({"title": ""}), "invalid_request"),
        (
            json!({"title": "x", "aware_at": rfc(now + time::Duration::days(1))}),
            "invalid_request",
        ),
        (
            json!({"title": "x", "scope": {"actors": [], "from": rfc(now)}}),
            "invalid_request",
        ),
        (
            json!({"title": "x", "scope": {"actors": [cleo_id], "from": rfc(now), "to": rfc(now - time::Duration::hours(1))}}),
            "invalid_request",
        ),
        (json!({"title": "x", "risk": "apocalyptic"}), "invalid_json"),
        (
            json!({"title": "x", "alert_ids": ["0190f5c6-0000-7000-8000-000000000000"]}),
            "not_found",
        ),
        (json!({"title": "x", "colour": "red"}), "invalid_json"),
    ] {
        let r = post(&app, &owner, "/v1/incidents", bad.clone()).await;
        let status = r.status().as_u16();
        assert!((400..500).contains(&status), "{bad}: {status}");
        assert_problem(r, status, code).await;
    }
    assert!(app
        .get(&owner, "/v1/incidents")
        .await
        .json::<Value>()
        .await
        .unwrap()
        .as_array()
        .unwrap()
        .is_empty());

    let r = post(&app, &owner, "/v1/incidents", body).await;
    assert_eq!(r.status(), StatusCode::CREATED);
    let inc: Value = r.json().await.unwrap();
    let id = id_of(&inc);
    let path = format!("/v1/incidents/{id}");
    assert_eq!(inc["seconds_left"], 2 * 3600);
    assert_eq!(inc["overdue"], false);
    assert_eq!(
        inc["authority_notification_required"], true,
        "unassessed counts as needed"
    );
    assert_eq!(inc["affected"]["customers"], 1);
    assert_eq!(inc["affected"]["special_categories"], true);

    // Three hours on: past the deadline.
    clock.advance(time::Duration::hours(3));
    let inc: Value = app.get(&auditor, &path).await.json().await.unwrap();
    assert_eq!(inc["overdue"], true, "{inc}");
    assert_eq!(inc["seconds_left"], -3600);

    // Late notification needs a reason for the delay first.
    let late = json!({"authority_notified_at": rfc(now + time::Duration::hours(3))});
    let p = assert_problem(
        patch(&app, &owner, &path, late.clone()).await,
        422,
        "invalid_request",
    )
    .await;
    assert!(p["detail"].as_str().unwrap().contains("delay"), "{p}");
    for (kind, text) in [
        (
            "delay_reason",
            "The theft was reported to us by the police only on Monday.",
        ),
        ("follow_up", "The laptop was found; the disk was encrypted."),
    ] {
        let r = post(
            &app,
            &owner,
            &format!("{path}/updates"),
            json!({"kind": kind, "text": text}),
        )
        .await;
        assert_eq!(r.status(), StatusCode::CREATED);
    }
    assert_problem(
        post(
            &app,
            &owner,
            &format!("{path}/updates"),
            json!({"kind": "gossip", "text": "x"}),
        )
        .await,
        422,
        "invalid_request",
    )
    .await;

    // Drafts in three languages carry every art. 33(3) point and the delay reason.
    for (lang, must) in [
        (
            "en",
            vec![
                "Article 33",
                "Reasons for the delay",
                "Art. 33(3)(a)",
                "Art. 33(3)(b)",
                "Art. 33(3)(c)",
                "Art. 33(3)(d)",
                "health data",
                "Approximate number of data subjects concerned: 1",
                "police only on Monday",
                "The laptop was found",
                "dpo@optik.example",
            ],
        ),
        (
            "de",
            vec![
                "Art. 33 DSGVO",
                "Gründe für die Verzögerung",
                "lit. a",
                "lit. b",
                "lit. c",
                "lit. d",
                "Gesundheitsdaten",
                "betroffenen Personen: 1",
                "police only on Monday",
            ],
        ),
        (
            "pl",
            vec![
                "art. 33 RODO",
                "Przyczyny opóźnienia",
                "lit. a",
                "lit. b",
                "lit. c",
                "lit. d",
                "dane dotyczące zdrowia",
                "osób, których dane dotyczą: 1",
                "police only on Monday",
            ],
        ),
    ] {
        let d: Value = app
            .get(
                &auditor,
                &format!("{path}/draft?audience=authority&lang={lang}"),
            )
            .await
            .json()
            .await
            .unwrap();
        let text = d["text"].as_str().unwrap();
        if std::env::var("SHOW_DRAFTS").is_ok() {
            eprintln!("{}\n{text}", d["subject"]);
        }
        for m in must {
            assert!(text.contains(m), "{lang}: '{m}' missing in\n{text}");
        }
        assert!(d["subject"].as_str().unwrap().contains("Test Shop"));
        let n: Value = app
            .get(
                &auditor,
                &format!("{path}/draft?audience=customers&lang={lang}"),
            )
            .await
            .json()
            .await
            .unwrap();
        let notice = n["text"].as_str().unwrap();
        if std::env::var("SHOW_DRAFTS").is_ok() {
            eprintln!("{}\n{notice}", n["subject"]);
        }
        assert!(notice.contains("Eye-exam results may be seen"), "{notice}");
        assert!(
            !notice.contains("Art. 33"),
            "plain language, no article numbers"
        );
    }
    for q in ["audience=press&lang=en", "audience=authority&lang=fr"] {
        assert_problem(
            app.get(&auditor, &format!("{path}/draft?{q}")).await,
            422,
            "invalid_request",
        )
        .await;
    }
    assert_problem(
        app.get(&auditor, "/v1/incidents/not-an-id").await,
        404,
        "not_found",
    )
    .await;

    let r = patch(&app, &owner, &path, late).await;
    assert_eq!(r.status(), StatusCode::OK);
    let inc: Value = r.json().await.unwrap();
    assert_eq!(
        (inc["status"].as_str(), inc["overdue"].as_bool()),
        (Some("notified"), Some(false))
    );
    assert!(inc["seconds_left"].is_null());
    assert_eq!(inc["updates"].as_array().unwrap().len(), 2);

    // Closed: frozen until reopened.
    let r = patch(&app, &owner, &path, json!({"closed": true})).await;
    assert_eq!(r.json::<Value>().await.unwrap()["status"], "closed");
    assert_problem(
        patch(&app, &owner, &path, json!({"title": "y"})).await,
        409,
        "conflict",
    )
    .await;
    let r = patch(
        &app,
        &owner,
        &path,
        json!({"closed": false, "risk": "unlikely"}),
    )
    .await;
    let inc: Value = r.json().await.unwrap();
    assert_eq!(inc["status"], "notified");
    assert_eq!(inc["authority_notification_required"], false);

    // Free texts are sealed; the trail names incidents, never their words.
    let needles = vec![
        "Canary-Nature-Incident".to_owned(),
        "dpo@optik.example".to_owned(),
        "police only on Monday".to_owned(),
        "Canary-Remark-Incident".to_owned(),
    ];
    let found = find_in_files(&app.stored_files(), &needles);
    assert!(found.is_empty(), "{found:?}");
    let actions: Vec<String> = app
        .audit_bodies()
        .iter()
        .map(|e| e["action"].as_str().unwrap().to_owned())
        .collect();
    for a in [
        "incident.open",
        "incident.read",
        "incident.draft",
        "incident.delay_reason",
        "incident.follow_up",
        "incident.update",
        "incident.close",
        "incident.reopen",
    ] {
        assert!(actions.iter().any(|x| x == a), "{a} not audited");
    }
}

#[tokio::test]
async fn an_incident_opened_from_an_alert_takes_its_actor_as_scope() {
    let app = spawn_tuned("retail", |s| {
        s.anomaly_scan_every = std::time::Duration::from_millis(100);
        s.anomaly.bulk_read_customers = 2;
    })
    .await;
    let mut ids = Vec::new();
    for i in 0..3 {
        ids.push(id_of(
            &app.customer(json!({"first_name": format!("Bulk{i}")}))
                .await,
        ));
    }
    let staff = app.user("sam", "staff").await;
    let sam_id = app.user_id("sam").await;
    for id in &ids {
        app.get(&staff, &format!("/v1/customers/{id}")).await;
    }
    let alert = app.await_alerts("bulk_reads", 1).await.remove(0);
    let r = post(
        &app,
        &app.owner,
        "/v1/incidents",
        json!({"title": "Bulk reading by sam", "alert_ids": [alert["id"]]}),
    )
    .await;
    assert_eq!(r.status(), StatusCode::CREATED);
    let inc: Value = r.json().await.unwrap();
    assert_eq!(inc["scope"]["actors"], json!([sam_id]));
    assert!(inc["scope"]["to"].is_null());
    assert_eq!(inc["alert_ids"], json!([alert["id"]]));
    assert_eq!(inc["affected"]["customers"], 3);
}
