//! The staff web UI: the main journeys in real headless Chromium (`e2e/journeys.mjs`, driven by
//! playwright-core, axe-core injected), and what the server must refuse or escape whatever the
//! browser does.

use crate::helpers::{spawn_app, spawn_untouched, OWNER_PW};
use reqwest::redirect::Policy;
use reqwest::StatusCode;
use std::path::PathBuf;

fn workspace() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

#[tokio::test]
async fn the_main_journeys_work_in_chromium() {
    let root = workspace();
    assert!(
        root.join("e2e/node_modules/playwright-core").is_dir(),
        "the browser tests need their npm packages: run `npm ci --prefix e2e` (scripts/test does)"
    );
    let chromium = std::env::var("CUSTOS_CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".into());
    assert!(
        std::path::Path::new(&chromium).exists(),
        "the browser tests need Chromium at {chromium} (Debian: apt-get install chromium)"
    );
    let app = spawn_untouched("optician").await;
    let url = app.base.replace("localhost", "127.0.0.1");
    let shots = root.join("target/ui-screenshots");
    let out = tokio::task::spawn_blocking(move || {
        std::process::Command::new("node")
            .arg(root.join("e2e/journeys.mjs"))
            .env("CUSTOS_URL", url)
            .env("CUSTOS_OWNER_PASSWORD", OWNER_PW)
            .env("CUSTOS_SCREENSHOTS", &shots)
            .env("CUSTOS_CHROMIUM", chromium)
            .output()
            .expect("node runs")
    })
    .await
    .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success(),
        "the browser journeys failed:\n{stdout}\n{stderr}"
    );
    // What the browser did is in the store: the erased customer left her keyed identifiers on
    // the suppression list, and nothing else of her.
    assert!(app.sql_count("SELECT count(*) FROM erased_index") >= 2);
    assert_eq!(app.sql_count("SELECT count(*) FROM users"), 4);
}

/// A client for the UI that keeps no cookies and follows no redirects.
fn raw_client(app: &crate::helpers::TestApp) -> reqwest::Client {
    let cert =
        reqwest::Certificate::from_pem(&std::fs::read(app.data.join("tls/cert.pem")).unwrap())
            .unwrap();
    let addr: std::net::SocketAddr = app
        .base
        .trim_start_matches("https://localhost:")
        .parse::<u16>()
        .map(|port| std::net::SocketAddr::from(([127, 0, 0, 1], port)))
        .unwrap();
    reqwest::Client::builder()
        .add_root_certificate(cert)
        .resolve("localhost", addr)
        .redirect(Policy::none())
        .build()
        .unwrap()
}

/// Signs in through the UI's form; answers the session cookie and its CSRF token.
async fn ui_session(app: &crate::helpers::TestApp, c: &reqwest::Client) -> (String, String) {
    let r = c.get(format!("{}/login", app.base)).send().await.unwrap();
    let pre = r
        .headers()
        .get_all("set-cookie")
        .iter()
        .find_map(|v| {
            v.to_str()
                .ok()?
                .strip_prefix("__Host-custos_pre=")?
                .split(';')
                .next()
                .map(str::to_owned)
        })
        .unwrap();
    let r = c
        .post(format!("{}/login", app.base))
        .header("cookie", format!("__Host-custos_pre={pre}"))
        .form(&[
            ("csrf", pre.as_str()),
            ("username", "owner"),
            ("password", OWNER_PW),
        ])
        .send()
        .await
        .unwrap();
    // The retail owner has no MFA to give here: the template does not require it.
    assert_eq!(
        r.status(),
        StatusCode::SEE_OTHER,
        "{}",
        r.text().await.unwrap()
    );
    let session = r
        .headers()
        .get_all("set-cookie")
        .iter()
        .find_map(|v| {
            v.to_str()
                .ok()?
                .strip_prefix("__Host-custos_session=")?
                .split(';')
                .next()
                .map(str::to_owned)
        })
        .unwrap();
    (
        format!("__Host-custos_session={session}"),
        custos_crypto::csrf_token(&session),
    )
}

#[tokio::test]
async fn pages_send_a_visitor_without_a_session_to_sign_in() {
    let app = spawn_app().await;
    let c = raw_client(&app);
    for path in [
        "/",
        "/customers?q=x",
        "/customers/new",
        "/staff",
        "/account",
    ] {
        let r = c.get(format!("{}{path}", app.base)).send().await.unwrap();
        assert_eq!(r.status(), StatusCode::SEE_OTHER, "{path}");
        let to = r.headers()["location"].to_str().unwrap();
        assert!(
            to.starts_with("/login?next=%2F") || to.starts_with("/login?next=/"),
            "{path} → {to}"
        );
    }
    // A form sent without a session is not replayed after signing in.
    let r = c
        .post(format!("{}/customers/new", app.base))
        .form(&[("f.first_name", "Late")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(r.headers()["location"], "/login?next=/");
    // The sign-in page goes back only to a page of this server.
    let r = c
        .get(format!("{}/login?next=https://evil.example/", app.base))
        .send()
        .await
        .unwrap();
    let html = r.text().await.unwrap();
    assert!(
        html.contains(r#"name="next" value="/""#),
        "an outside address is dropped"
    );
}

#[tokio::test]
async fn forms_need_the_session_csrf_token_and_nothing_changes_without_it() {
    let app = spawn_app().await;
    let c = raw_client(&app);
    let (cookie, csrf) = ui_session(&app, &c).await;
    let before = app.sql_count("SELECT count(*) FROM customers");
    for token in [None, Some("wrong"), Some(&csrf[..csrf.len() - 1])] {
        let mut form = vec![("f.first_name", "Forged")];
        if let Some(t) = token {
            form.push(("csrf", t));
        }
        let r = c
            .post(format!("{}/customers/new", app.base))
            .header("cookie", &cookie)
            .form(&form)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::FORBIDDEN, "{token:?}");
        let html = r.text().await.unwrap();
        assert!(html.contains("This form has expired or did not come from this site"));
    }
    assert_eq!(app.sql_count("SELECT count(*) FROM customers"), before);
    let r = c
        .post(format!("{}/customers/new", app.base))
        .header("cookie", &cookie)
        .form(&[("f.first_name", "Real"), ("csrf", csrf.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(app.sql_count("SELECT count(*) FROM customers"), before + 1);
    // Signing in without the pre-session token is refused too (login CSRF).
    let r = c
        .post(format!("{}/login", app.base))
        .form(&[("username", "owner"), ("password", OWNER_PW)])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn markup_in_data_is_shown_as_text_and_every_page_has_the_strict_policy() {
    let app = spawn_app().await;
    let c = raw_client(&app);
    let (cookie, csrf) = ui_session(&app, &c).await;
    let evil = "<img src=x onerror=alert(1)>";
    let r = c
        .post(format!("{}/customers/new", app.base))
        .header("cookie", &cookie)
        .form(&[
            ("f.first_name", evil),
            ("f.last_name", "\"><script>alert(2)</script>"),
            ("csrf", csrf.as_str()),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let profile = r.headers()["location"]
        .to_str()
        .unwrap()
        .split('?')
        .next()
        .unwrap()
        .to_owned();
    for path in [
        profile.as_str(),
        &format!("{profile}/edit"),
        &format!("{profile}/erase"),
        "/customers?q=img",
    ] {
        let r = c
            .get(format!("{}{path}", app.base))
            .header("cookie", &cookie)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::OK, "{path}");
        let csp = r.headers()["content-security-policy"]
            .to_str()
            .unwrap()
            .to_owned();
        assert!(
            csp.contains("script-src 'self'") && !csp.contains("unsafe"),
            "{path}: {csp}"
        );
        let html = r.text().await.unwrap();
        assert!(
            !html.contains("<img src=x"),
            "{path} made markup of the name"
        );
        assert!(
            !html.contains("<script>alert"),
            "{path} made a script of the name"
        );
        assert!(
            html.contains("&lt;img src=x onerror=alert(1)&gt;") || html.contains("&#60;img"),
            "{path} shows it as text"
        );
    }
}

#[tokio::test]
async fn two_step_sign_in_is_turned_off_with_a_code_where_the_business_allows() {
    let app = spawn_app().await;
    let c = raw_client(&app);
    let (cookie, csrf) = ui_session(&app, &c).await;
    let (secret, _, confirmed_at) = app.enrol_mfa(&app.owner).await;
    let off = |code: String| {
        c.post(format!("{}/account/mfa/disable", app.base))
            .header("cookie", &cookie)
            .form(&[("code", code), ("csrf", csrf.clone())])
            .send()
    };
    // A wrong code is refused on the page and changes nothing.
    let r = off("000000".into()).await.unwrap();
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    assert!(r.text().await.unwrap().contains("The code is wrong"));
    let r = app
        .try_login(serde_json::json!({"username": "owner", "password": OWNER_PW}))
        .await;
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED, "still needs a code");
    // The next code turns it off.
    let code = custos_crypto::totp::code_at(&secret, confirmed_at + 30).unwrap();
    let r = off(code).await.unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(r.headers()["location"], "/account?notice=mfa-off");
    app.login("owner", OWNER_PW, None).await;
}
