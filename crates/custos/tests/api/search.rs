//! Search by e-mail, phone (any format), customer number and name type-ahead.

use crate::helpers::*;
use serde_json::{json, Value};

fn names(items: &[Value]) -> Vec<String> {
    items
        .iter()
        .map(|c| {
            format!(
                "{} {}",
                c["fields"]["first_name"].as_str().unwrap_or(""),
                c["fields"]["last_name"].as_str().unwrap_or("")
            )
            .trim()
            .to_owned()
        })
        .collect()
}

#[tokio::test]
async fn search_by_every_key() {
    let app = spawn_app().await;
    let zofia = app.customer(json!({"first_name": "Zofia", "last_name": "Wójcik", "email": "Zofia.W@Example.org", "phone": "+48 601 234 567"})).await;
    app.customer(json!({"first_name": "Hans", "last_name": "Müller", "email": "hans@example.de", "phone": "+49 30 12345678"})).await;
    app.customer(json!({"first_name": "Anna", "last_name": "Mullins"}))
        .await;
    app.customer(json!({"first_name": "Annabelle", "last_name": "Łukasiewicz-Nowak"}))
        .await;
    app.customer(json!({"first_name": "Li", "last_name": "Wu"}))
        .await;
    let o = &app.owner;

    // E-mail: exact, case-insensitive, via q or email=.
    for q in [
        ("email", "zofia.w@example.org"),
        ("email", " ZOFIA.W@EXAMPLE.ORG "),
        ("q", "Zofia.W@example.ORG"),
    ] {
        assert_eq!(names(&app.search(o, &[q]).await), ["Zofia Wójcik"], "{q:?}");
    }
    assert!(
        app.search(o, &[("email", "zofia@example.org")])
            .await
            .is_empty(),
        "exact, not prefix"
    );

    // Phone: every common format of the same number.
    for p in [
        "601234567",
        "601 234 567",
        "+48 601-234-567",
        "0048601234567",
        "(+48) 601 234 567",
        "'601234567",
    ] {
        assert_eq!(
            names(&app.search(o, &[("phone", p)]).await),
            ["Zofia Wójcik"],
            "phone {p}"
        );
        assert_eq!(
            names(&app.search(o, &[("q", p)]).await),
            ["Zofia Wójcik"],
            "q {p}"
        );
    }
    assert_eq!(
        names(&app.search(o, &[("q", "+49 30 1234 5678")]).await),
        ["Hans Müller"]
    );

    // Customer number.
    for n in ["C-000001", "c1", "C 000001"] {
        let hits = app.search(o, &[("q", n)]).await;
        assert_eq!(hits.len(), 1, "{n}");
        assert_eq!(hits[0]["id"], zofia["id"]);
    }

    // Names: accent- and case-insensitive word prefixes from three letters.
    assert_eq!(
        names(&app.search(o, &[("q", "mull")]).await).len(),
        2,
        "Müller and Mullins"
    );
    assert_eq!(
        names(&app.search(o, &[("q", "MÜLLER")]).await),
        ["Hans Müller"]
    );
    assert_eq!(
        names(&app.search(o, &[("q", "muller")]).await),
        ["Hans Müller"]
    );
    assert_eq!(
        names(&app.search(o, &[("q", "woj")]).await),
        ["Zofia Wójcik"]
    );
    assert_eq!(
        names(&app.search(o, &[("q", "zofia woj")]).await),
        ["Zofia Wójcik"]
    );
    assert_eq!(
        names(&app.search(o, &[("q", "luka")]).await),
        ["Annabelle Łukasiewicz-Nowak"]
    );
    assert_eq!(
        names(&app.search(o, &[("q", "nowak")]).await),
        ["Annabelle Łukasiewicz-Nowak"]
    );
    assert_eq!(
        names(&app.search(o, &[("q", "li")]).await),
        ["Li Wu"],
        "short names are found whole"
    );
    assert!(app.search(o, &[("q", "xyz")]).await.is_empty());
    assert!(
        app.search(o, &[("q", "zofia müller")]).await.is_empty(),
        "every word must match"
    );

    // Ranked: a whole-word match first; capped by limit.
    let anns = names(&app.search(o, &[("q", "anna")]).await);
    assert_eq!(anns, ["Anna Mullins", "Annabelle Łukasiewicz-Nowak"]);
    assert_eq!(
        app.search(o, &[("q", "ann"), ("limit", "1")]).await.len(),
        1
    );
}

#[tokio::test]
async fn a_whole_name_comes_before_names_that_only_begin_with_it() {
    let app = spawn_app().await;
    let o = &app.owner;
    // Three customers whose names only begin with "ann", then one named "Ann": more prefix
    // matches than the limit, all older than the whole-word match.
    for (first, last) in [("Annabelle", "Kos"), ("Annika", "Lis"), ("Annette", "Bak")] {
        app.customer(json!({"first_name": first, "last_name": last}))
            .await;
    }
    app.customer(json!({"first_name": "Ann", "last_name": "Wrona"}))
        .await;
    assert_eq!(
        names(&app.search(o, &[("q", "ann"), ("limit", "1")]).await),
        ["Ann Wrona"]
    );
    // Then the others, oldest first, up to the limit.
    assert_eq!(
        names(&app.search(o, &[("q", "ann"), ("limit", "3")]).await),
        ["Ann Wrona", "Annabelle Kos", "Annika Lis"]
    );
    assert_eq!(app.search(o, &[("q", "ann")]).await.len(), 4);
    assert_eq!(
        names(&app.search(o, &[("q", "anni")]).await),
        ["Annika Lis"]
    );
}

#[tokio::test]
async fn the_index_holds_no_plaintext() {
    let app = spawn_app().await;
    app.customer(json!({"first_name": "Grzegorz", "last_name": "Brzęczyszczykiewicz", "email": "g.b@example.pl", "phone": "601 999 888"})).await;
    let n = app.sql_count("SELECT count(*) FROM blind_index");
    assert!(
        n > 10,
        "prefixes, words, e-mail and phone are indexed ({n})"
    );
    let len = app.sql_count("SELECT max(length(hash)) FROM blind_index");
    assert_eq!(len, 16);
    let hashes = app
        .raw()
        .query(
            custos_store::Scope::System,
            false,
            "SELECT hash FROM blind_index",
            vec![],
        )
        .unwrap();
    for row in hashes {
        let custos_store::sql::Value::Blob(h) = &row[0] else {
            panic!("a hash is bytes")
        };
        for plain in ["grz", "brz", "g.b@example.pl", "+48601999888"] {
            assert!(!h.windows(plain.len()).any(|w| w == plain.as_bytes()));
        }
    }
}
