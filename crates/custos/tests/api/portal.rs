//! The customers' privacy portal, over real SMTP: a sign-in link that works once and expires,
//! no account enumeration, the customer's data, downloads and access history, a consent
//! withdrawn and given, a correction and an erasure requested, self-service erasure stopped by a
//! legal hold; and after the erasure nothing of the customer is found anywhere.

use crate::helpers::*;
use crate::receivers::SmtpServer;
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

fn link_in(body: &str, prefix: &str) -> String {
    let start = body
        .find(prefix)
        .unwrap_or_else(|| panic!("no {prefix} in {body}"));
    body[start..].split_whitespace().next().unwrap().to_owned()
}

fn csrf_in(html: &str) -> String {
    let at = html.find("name=\"csrf\" value=\"").expect("a csrf field") + 19;
    html[at..].split('"').next().unwrap().to_owned()
}

struct Portal {
    client: reqwest::Client,
    base: String,
    cookie: String,
}

impl Portal {
    async fn get(&self, path: &str) -> reqwest::Response {
        self.client
            .get(format!("{}{path}", self.base))
            .header("cookie", &self.cookie)
            .send()
            .await
            .unwrap()
    }
    async fn post(&self, path: &str, form: &[(&str, &str)]) -> reqwest::Response {
        self.client
            .post(format!("{}{path}", self.base))
            .header("cookie", &self.cookie)
            .form(form)
            .send()
            .await
            .unwrap()
    }
}

async fn ask_link(app: &TestApp, email: &str) -> (StatusCode, String) {
    let r = app
        .page_client()
        .post(format!("{}/privacy/portal/link", app.base))
        .form(&[("email", email), ("lang", "en")])
        .send()
        .await
        .unwrap();
    (r.status(), r.text().await.unwrap())
}

async fn sign_in(app: &TestApp, link: &str) -> Portal {
    let client = app.page_client();
    // Following the link shows a button (mail scanners follow links); the POST signs in.
    let page = client.get(link).send().await.unwrap();
    assert_eq!(page.status(), StatusCode::OK);
    assert!(page
        .text()
        .await
        .unwrap()
        .contains("<form method=\"post\" action=\"/privacy/portal/open\""));
    let token = link.split_once("t=").unwrap().1;
    let r = client
        .post(format!("{}/privacy/portal/open", app.base))
        .form(&[("t", token), ("lang", "en")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(r.headers()["location"], "/privacy/portal/me?lang=en");
    let set = r.headers()["set-cookie"].to_str().unwrap().to_owned();
    assert!(
        set.starts_with("__Host-custos_portal=")
            && set.contains("Secure")
            && set.contains("HttpOnly")
            && set.contains("SameSite=Strict"),
        "{set}"
    );
    // The link works once.
    let again = client
        .post(format!("{}/privacy/portal/open", app.base))
        .form(&[("t", token)])
        .send()
        .await
        .unwrap();
    assert_eq!(again.status(), StatusCode::GONE);
    Portal {
        client,
        base: app.base.clone(),
        cookie: set.split(';').next().unwrap().to_owned(),
    }
}

#[tokio::test]
async fn a_customer_signs_in_by_mail_withdraws_a_consent_asks_for_corrections_and_erases_their_data(
) {
    let smtp = SmtpServer::start().await;
    let url = smtp.url();
    let (mut app, clock) = spawn_clocked_tuned("retail", time::OffsetDateTime::now_utc(), |s| {
        s.smtp_url = Some(url);
        s.mail_from = "Test Shop <shop@example.org>".into();
        s.outbox_poll_every = std::time::Duration::from_millis(100);
        s.retention_sweep = None;
    })
    .await;
    let canaries = ["Portalcanary", "zofia.portal@example.org", "Dluga-Canary 5"];
    let id = app
        .customer(json!({"first_name": "Zofia", "last_name": canaries[0], "email": canaries[1], "street": canaries[2], "phone": "601 777 999"}))
        .await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let r = app
        .req(Method::POST, &format!("/v1/customers/{id}/consents"), &app.owner)
        .json(&json!({"purpose": "sms_offers", "channel": "sms", "state": "given", "method": "in_store"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::CREATED);
    let staff = app.user("sam", "staff").await;
    assert_eq!(
        app.get(&staff, &format!("/v1/customers/{id}"))
            .await
            .status(),
        200
    );

    // The same answer whether or not the address is known; a mail only for the known one.
    let known = ask_link(&app, canaries[1]).await;
    let unknown = ask_link(&app, "nobody@example.org").await;
    assert_eq!(known.0, StatusCode::OK);
    assert_eq!(known, unknown, "no account enumeration");
    assert!(known.1.contains("If this address is known to us"));
    let (st, _) = ask_link(&app, "not an address").await;
    assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY);
    let mail = smtp.wait_for(1).await.remove(0);
    assert_eq!(mail.to, vec![canaries[1].to_owned()]);
    let link = link_in(
        &mail.body(),
        &format!("{}/privacy/portal/open?t=", app.base),
    );
    tokio::time::sleep(std::time::Duration::from_millis(400)).await;
    assert_eq!(
        smtp.wait_for(1).await.len(),
        1,
        "nothing was sent to the unknown address"
    );

    // A link expires after 30 minutes.
    let _ = ask_link(&app, canaries[1]).await;
    let stale = link_in(
        &smtp.wait_for(2).await[1].body(),
        &format!("{}/privacy/portal/open?t=", app.base),
    );
    clock.advance(time::Duration::minutes(31));
    let r = app
        .page_client()
        .post(format!("{}/privacy/portal/open", app.base))
        .form(&[("t", stale.split_once("t=").unwrap().1)])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::GONE);
    let _ = ask_link(&app, canaries[1]).await;
    let link_fresh = link_in(
        &smtp.wait_for(3).await[2].body(),
        &format!("{}/privacy/portal/open?t=", app.base),
    );
    drop(link);
    let portal = sign_in(&app, &link_fresh).await;

    // Their data, with downloads, consents and the way to erase it.
    let r = portal.get("/privacy/portal/me?lang=en").await;
    assert_eq!(r.status(), StatusCode::OK);
    assert!(r.headers()["content-security-policy"]
        .to_str()
        .unwrap()
        .contains("default-src 'none'"));
    let html = r.text().await.unwrap();
    for s in [
        "Zofia",
        canaries[0],
        canaries[2],
        "+48601777999",
        "Your consents",
        "Erase my data",
        "/privacy/portal/me/export?format=json",
    ] {
        assert!(html.contains(s), "{s} missing");
    }
    let csrf = csrf_in(&html);
    let exported: Value = portal
        .get("/privacy/portal/me/export?format=json")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(exported["customer"]["fields"]["email"], canaries[1]);
    let csv = portal
        .get("/privacy/portal/me/export?format=csv")
        .await
        .text()
        .await
        .unwrap();
    assert!(csv.contains(canaries[0]));
    // Who accessed it: the owner and the staff member by role, and the customer.
    let access = portal
        .get("/privacy/portal/me/access?lang=en")
        .await
        .text()
        .await
        .unwrap();
    assert!(
        access.contains("Test Shop (staff)")
            && access.contains("Test Shop (owner)")
            && access.contains("<td>You</td>"),
        "{access}"
    );
    // Without a session, nothing.
    let r = app
        .page_client()
        .get(format!("{}/privacy/portal/me", app.base))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);

    // Withdraw the SMS consent: a wrong form token changes nothing; the right one does.
    let r = portal
        .post(
            "/privacy/portal/me/consent",
            &[
                ("csrf", "forged"),
                ("purpose", "sms_offers"),
                ("channel", "sms"),
                ("state", "withdrawn"),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let r = portal
        .post(
            "/privacy/portal/me/consent",
            &[
                ("csrf", &csrf),
                ("purpose", "sms_offers"),
                ("channel", "sms"),
                ("state", "withdrawn"),
                ("lang", "en"),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let consents: Value = app
        .get(&app.owner, &format!("/v1/customers/{id}/consents"))
        .await
        .json()
        .await
        .unwrap();
    let last = consents["history"]
        .as_array()
        .unwrap()
        .last()
        .unwrap()
        .clone();
    assert_eq!(
        (
            last["purpose"].as_str(),
            last["state"].as_str(),
            last["method"].as_str(),
            last["recorded_by_kind"].as_str()
        ),
        (
            Some("sms_offers"),
            Some("withdrawn"),
            Some("privacy_portal"),
            Some("customer")
        )
    );
    let audience = |app: &TestApp| {
        let owner = app.owner.clone();
        let r = app
            .req(
                Method::GET,
                "/v1/marketing/audience?purpose=sms_offers&channel=sms",
                &owner,
            )
            .send();
        async move { r.await.unwrap().text().await.unwrap() }
    };
    assert!(!audience(&app).await.contains(&id));
    // …and give it again (the address is proven by the link: no second confirmation).
    let r = portal
        .post(
            "/privacy/portal/me/consent",
            &[
                ("csrf", &csrf),
                ("purpose", "sms_offers"),
                ("channel", "sms"),
                ("state", "given"),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert!(audience(&app).await.contains(&id));
    // Staff cannot pretend to be the portal.
    let r = app
        .req(Method::POST, &format!("/v1/customers/{id}/consents"), &app.owner)
        .json(&json!({"purpose": "newsletter", "channel": "email", "state": "given", "method": "privacy_portal"}))
        .send()
        .await
        .unwrap();
    assert_problem(r, 422, "invalid_request").await;

    // A correction becomes a data request with its deadline, identity verified by the link.
    let r = portal
        .post(
            "/privacy/portal/me/request",
            &[
                ("csrf", &csrf),
                ("kind", "rectification"),
                ("note", "My street is Długa 7, not 5"),
                ("lang", "en"),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    assert!(r.text().await.unwrap().contains("will be answered by"));
    // Erasure, not self-service by default: a request for staff.
    let r = portal
        .post(
            "/privacy/portal/me/erase",
            &[("csrf", &csrf), ("confirm", "yes"), ("lang", "en")],
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    assert!(r
        .text()
        .await
        .unwrap()
        .contains("erasure request has been received"));
    let requests: Value = app
        .get(&app.owner, "/v1/data-requests")
        .await
        .json()
        .await
        .unwrap();
    let kinds: Vec<(&str, &str, &str)> = requests
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["kind"].as_str().unwrap(),
                r["identity_check"].as_str().unwrap(),
                r["customer_id"].as_str().unwrap(),
            )
        })
        .collect();
    assert!(
        kinds.contains(&("rectification", "verified", id.as_str())),
        "{kinds:?}"
    );
    assert!(
        kinds.contains(&("erasure", "verified", id.as_str())),
        "{kinds:?}"
    );
    assert_eq!(
        app.get(&app.owner, &format!("/v1/customers/{id}"))
            .await
            .status(),
        200
    );

    // The business allows self-service erasure; a legal hold still keeps the data.
    let r = app
        .req(Method::PATCH, "/v1/tenant", &app.owner)
        .json(&json!({"self_service_erasure": true}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(
        r.json::<Value>().await.unwrap()["self_service_erasure"],
        true
    );
    let r = app
        .req(
            Method::PUT,
            &format!("/v1/customers/{id}/legal-hold"),
            &app.owner,
        )
        .json(&json!({"reason": "Warranty claim pending"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let r = portal
        .post(
            "/privacy/portal/me/erase",
            &[("csrf", &csrf), ("confirm", "yes"), ("lang", "en")],
        )
        .await;
    assert!(r.text().await.unwrap().contains("must still be kept"));
    assert_eq!(
        app.get(&app.owner, &format!("/v1/customers/{id}"))
            .await
            .status(),
        200
    );
    let r = app
        .req(
            Method::DELETE,
            &format!("/v1/customers/{id}/legal-hold"),
            &app.owner,
        )
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::NO_CONTENT);
    // Without ticking the box nothing happens.
    let r = portal
        .post(
            "/privacy/portal/me/erase",
            &[("csrf", &csrf), ("lang", "en")],
        )
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let r = portal
        .post(
            "/privacy/portal/me/erase",
            &[("csrf", &csrf), ("confirm", "yes"), ("lang", "en")],
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    assert!(r.headers()["set-cookie"]
        .to_str()
        .unwrap()
        .contains("Max-Age=0"));
    assert!(r
        .text()
        .await
        .unwrap()
        .contains("Your data has been erased"));

    // Gone everywhere: the session, reads, search, export, audience, the files.
    assert_eq!(
        portal.get("/privacy/portal/me").await.status(),
        StatusCode::UNAUTHORIZED
    );
    assert_problem(
        app.get(&app.owner, &format!("/v1/customers/{id}")).await,
        404,
        "not_found",
    )
    .await;
    assert_problem(
        app.get(&app.owner, &format!("/v1/customers/{id}/export"))
            .await,
        404,
        "not_found",
    )
    .await;
    for q in [canaries[0], canaries[1], "+48601777999", "Zofia"] {
        assert!(app.search(&app.owner, &[("q", q)]).await.is_empty(), "{q}");
    }
    assert!(!audience(&app).await.contains(&id));
    let (st, _) = ask_link(&app, canaries[1]).await;
    assert_eq!(st, StatusCode::OK);
    tokio::time::sleep(std::time::Duration::from_millis(400)).await;
    assert_eq!(
        smtp.wait_for(3).await.len(),
        3,
        "no link for an erased customer"
    );
    let erased = app
        .audit_bodies()
        .into_iter()
        .find(|e| e["action"] == "customer.erase")
        .unwrap();
    assert_eq!(erased["actor_kind"], "customer");
    app.stop().await;
    let found = find_in_files(&app.stored_files(), &canaries.map(String::from));
    assert!(found.is_empty(), "{found:?}");
}

#[tokio::test]
async fn portal_pages_speak_the_customers_language() {
    let app = spawn_app().await;
    let c = app.page_client();
    let de = c
        .get(format!("{}/privacy/portal", app.base))
        .header("accept-language", "de-DE,de;q=0.9,en;q=0.5")
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(de.contains("lang=\"de\"") && de.contains("Link senden"));
    let pl = c
        .get(format!("{}/privacy/portal?lang=pl", app.base))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(pl.contains("Wyślij link"));
    // Garbage is a clear page, never a 5xx.
    let r = c
        .post(format!("{}/privacy/portal/link", app.base))
        .body("%%%")
        .header("content-type", "application/x-www-form-urlencoded")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    let r = c
        .post(format!("{}/privacy/portal/open", app.base))
        .form(&[("t", "x")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::GONE);
    let r = c
        .post(format!("{}/privacy/portal/me/consent", app.base))
        .form(&[("csrf", "x"), ("purpose", "p"), ("state", "given")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    let r = c
        .get(format!("{}/privacy/portal/me/export?format=exe", app.base))
        .header("cookie", "__Host-custos_portal=abc")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
}
