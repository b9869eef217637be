//! A small POS terminal on custos: look a customer up and record a sale, keeping nothing on the
//! device.
//!
//! ```text
//! CUSTOS_URL=https://shop.local:8443 CUSTOS_DEVICE_TOKEN=… CUSTOS_PINNED_CERT=/etc/custos/cert.pem \
//!     cargo run -p custos-client --example pos -- search Wójcik
//! pos search QUERY                    list matching customers (number, id, name)
//! pos sale CUSTOMER_ID AMOUNT CURRENCY record a purchase
//! pos demo QUERY AMOUNT CURRENCY       search, open the first match twice (the second time from
//!                                     memory), record a sale, print the cache's counters
//! ```
//!
//! `CUSTOS_PINNED_CERT` is the shop server's certificate (a PEM file, or the PEM itself); the
//! device token comes from pairing and lives in the terminal's secure storage, not in a file
//! this program writes.

use custos_api::NewRecord;
use custos_client::Client;
use serde_json::json;
use std::process::ExitCode;

fn usage() -> ExitCode {
    eprintln!("usage: pos search QUERY | pos sale CUSTOMER_ID AMOUNT CURRENCY | pos demo QUERY AMOUNT CURRENCY");
    ExitCode::from(2)
}

fn name(c: &custos_api::Customer) -> String {
    let f = |k: &str| c.fields.get(k).and_then(|v| v.as_str()).unwrap_or("");
    format!("{} {}", f("first_name"), f("last_name"))
        .trim()
        .to_owned()
}

async fn sale(client: &Client, id: uuid::Uuid, amount: &str, currency: &str) -> Result<(), String> {
    let amount: f64 = amount
        .parse()
        .map_err(|_| format!("{amount} is no amount"))?;
    let record: NewRecord = serde_json::from_value(json!({
        "type": "purchase",
        "fields": {"amount": amount, "currency": currency, "store": "till 1"}
    }))
    .map_err(|e| e.to_string())?;
    let r = client
        .add_record(id, &record)
        .await
        .map_err(|e| e.to_string())?;
    println!("sale recorded: {} at {}", r.id, r.occurred_at);
    Ok(())
}

async fn run(args: &[String]) -> Result<(), String> {
    let url = std::env::var("CUSTOS_URL").map_err(|_| "set CUSTOS_URL".to_owned())?;
    let token =
        std::env::var("CUSTOS_DEVICE_TOKEN").map_err(|_| "set CUSTOS_DEVICE_TOKEN".to_owned())?;
    let mut b = Client::builder(&url).token(&token);
    if let Ok(pin) = std::env::var("CUSTOS_PINNED_CERT") {
        let pem = if pin.contains("-----BEGIN") {
            pin.into_bytes()
        } else {
            std::fs::read(&pin).map_err(|e| format!("{pin}: {e}"))?
        };
        b = b.pin_certificate_pem(&pem).map_err(|e| e.to_string())?;
    }
    let client = b.build().map_err(|e| e.to_string())?;
    match args {
        [cmd, q] if cmd == "search" => {
            for c in client.search(q).await.map_err(|e| e.to_string())? {
                println!("{}  {}  {}", c.number, c.id, name(&c));
            }
        }
        [cmd, id, amount, currency] if cmd == "sale" => {
            let id = uuid::Uuid::parse_str(id).map_err(|_| format!("{id} is no customer id"))?;
            sale(&client, id, amount, currency).await?;
        }
        [cmd, q, amount, currency] if cmd == "demo" => {
            let found = client.search(q).await.map_err(|e| e.to_string())?;
            let first = found.first().ok_or("nobody found")?;
            let c = client.customer(first.id).await.map_err(|e| e.to_string())?;
            let again = client.customer(first.id).await.map_err(|e| e.to_string())?;
            println!("{} {} (version {})", c.number, name(&again), again.version);
            sale(&client, c.id, amount, currency).await?;
            let s = client.cache_stats();
            println!(
                "cache: {} hits, {} misses, {} held",
                s.hits, s.misses, s.entries
            );
        }
        _ => return Err(String::new()),
    }
    Ok(())
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match run(&args).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) if e.is_empty() => usage(),
        Err(e) => {
            eprintln!("pos: {e}");
            ExitCode::FAILURE
        }
    }
}
