//! Synthetic customers of realistic size, the same for custos and the baseline: a Shopify
//! export row each (names, e-mail, phone, address, consents, a note), about 1 KB of values.

const FIRST: [&str; 24] = [
    "Zofia",
    "Jan",
    "Anna",
    "Piotr",
    "Maria",
    "Tomasz",
    "Katarzyna",
    "Paweł",
    "Agnieszka",
    "Michał",
    "Ewa",
    "Krzysztof",
    "Lena",
    "Lukas",
    "Sophie",
    "Jonas",
    "Mia",
    "Felix",
    "Emma",
    "Noah",
    "Hannah",
    "Leon",
    "Olivia",
    "Elias",
];

const LAST: [&str; 32] = [
    "Nowak",
    "Kowalski",
    "Wiśniewski",
    "Wójcik",
    "Kowalczyk",
    "Kamiński",
    "Lewandowski",
    "Zieliński",
    "Szymański",
    "Woźniak",
    "Dąbrowski",
    "Kozłowski",
    "Jankowski",
    "Mazur",
    "Müller",
    "Schmidt",
    "Schneider",
    "Fischer",
    "Weber",
    "Meyer",
    "Wagner",
    "Becker",
    "Schulz",
    "Hoffmann",
    "Koch",
    "Richter",
    "Klein",
    "Wolf",
    "Schröder",
    "Neumann",
    "Schwarz",
    "Zimmermann",
];

const CITIES: [&str; 8] = [
    "Kraków", "Warszawa", "Gdańsk", "Wrocław", "Berlin", "München", "Hamburg", "Leipzig",
];

/// Customer `i` (0-based): every value derived from `i` alone.
pub struct Customer {
    pub first: &'static str,
    pub last: &'static str,
    pub email: String,
    pub phone: String,
    pub street: String,
    pub city: &'static str,
    pub zip: String,
    pub note: String,
    pub newsletter: bool,
}

pub fn customer(i: u64) -> Customer {
    let first = FIRST[(i % FIRST.len() as u64) as usize];
    let last = LAST[((i / 7) % LAST.len() as u64) as usize];
    Customer {
        first,
        last,
        email: format!("c{i}@bench.example.org"),
        phone: format!("+4860{:07}", i % 10_000_000),
        street: format!("ul. Długa {}", 1 + i % 250),
        city: CITIES[(i % CITIES.len() as u64) as usize],
        zip: format!("{:02}-{:03}", 10 + i % 89, i % 1000),
        // About 700 characters: what staff write about a regular.
        note: format!(
            "Customer {i} prefers appointments in the morning and pays by card. Likes the new autumn collection, asked to be told when the winter coats arrive. Size M for tops, 38 for shoes. Allergic to wool blends, prefers cotton and linen. Usually comes with her daughter on Saturdays; parking behind the shop is fine. Has a loyalty card since 2019. Returned one item in March (wrong size), exchange done without problems. Wants invoices by e-mail, never paper. Do not call before 10 am. Birthday gift wrapping requested last year, liked it. Interested in the sewing workshop if it runs again in spring; put her on the list. Speaks Polish and German."
        ),
        newsletter: i.is_multiple_of(2),
    }
}

/// A last-name prefix of three letters, for type-ahead.
pub fn prefix(i: u64) -> String {
    LAST[(i % LAST.len() as u64) as usize]
        .chars()
        .take(3)
        .collect()
}

/// The header of a Shopify customer export (the 2022 layout).
pub const SHOPIFY_HEADER: &str = "First Name,Last Name,Email,Accepts Email Marketing,Company,Address1,Address2,City,Province,Province Code,Country,Country Code,Zip,Phone,Accepts SMS Marketing,Total Spent,Total Orders,Tags,Note,Tax Exempt";

/// Customers `0..n` as a Shopify export.
pub fn shopify_csv(n: u64) -> String {
    let mut out = String::with_capacity(n as usize * 1100 + 200);
    out.push_str(SHOPIFY_HEADER);
    out.push_str("\r\n");
    for i in 0..n {
        let c = customer(i);
        out.push_str(&format!(
            "{},{},{},{},,{},,{},,,Poland,PL,{},{},no,{}.00,{},,\"{}\",no\r\n",
            c.first,
            c.last,
            c.email,
            if c.newsletter { "yes" } else { "no" },
            c.street,
            c.city,
            c.zip,
            c.phone,
            i % 500,
            i % 20,
            c.note
        ));
    }
    out
}

/// A purchase record's body.
pub fn purchase(i: u64, occurred_at: &str) -> serde_json::Value {
    serde_json::json!({
        "type": "purchase",
        "occurred_at": occurred_at,
        "fields": {"amount": (i % 400) as f64 + 9.99, "currency": "PLN", "items": "2× linen shirt, 1× scarf", "store": "Kraków Rynek"}
    })
}

/// A new customer's body for the create scenario: run `run`, connection `conn`, its `k`th.
pub fn new_customer(run: u64, conn: u64, k: u64) -> serde_json::Value {
    let c = customer(k);
    let phone = (run % 10) * 10_000_000 + (conn % 100) * 100_000 + k % 100_000;
    serde_json::json!({"fields": {
        "first_name": c.first, "last_name": c.last, "email": format!("new{run}.{conn}.{k}@bench.example.org"),
        "phone": format!("+49151{phone:08}"), "street": c.street, "city": c.city,
        "postal_code": c.zip, "country": "PL", "note": c.note
    }})
}
