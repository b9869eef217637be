//! The sender of the outbox: e-mails over SMTP (lettre, rustls) and webhooks over HTTPS
//! (reqwest, rustls), each webhook signed with HMAC-SHA-256. It claims due deliveries, sends
//! them, and records the outcome; failures are retried with exponential backoff by the core.

use crate::config::Settings;
use custos_core::outbox::Outbound;
use custos_core::Vault;
use hmac::{Hmac, Mac};
use lettre::message::header::{ContentType, HeaderName, HeaderValue};
use lettre::message::Mailbox;
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use sha2::Sha256;
use std::sync::Arc;
use std::time::Duration;

/// How long a claimed delivery is held before another attempt may take it.
const LEASE: time::Duration = time::Duration::minutes(5);

/// Sends what the outbox holds.
pub struct Sender {
    smtp: Option<AsyncSmtpTransport<Tokio1Executor>>,
    from: Mailbox,
    http: reqwest::Client,
}

/// The signature header of a webhook body: `t=<unix seconds>,v1=<hex HMAC-SHA-256 of
/// "<t>.<body>" under the secret's UTF-8 bytes>`.
pub fn signature(secret: &str, t: i64, body: &str) -> String {
    // HMAC accepts keys of any length.
    let mut mac = match Hmac::<Sha256>::new_from_slice(secret.as_bytes()) {
        Ok(m) => m,
        Err(_) => return String::new(),
    };
    mac.update(t.to_string().as_bytes());
    mac.update(b".");
    mac.update(body.as_bytes());
    format!("t={t},v1={}", hex::encode(mac.finalize().into_bytes()))
}

impl Sender {
    /// A sender from the settings (mail is refused, and retried later, without an SMTP URL).
    pub fn new(s: &Settings) -> anyhow::Result<Self> {
        let smtp = match &s.smtp_url {
            Some(url) => {
                // API.md spells STARTTLS `tls=starttls`; lettre calls it `tls=required`.
                let url = url.replace("tls=starttls", "tls=required");
                Some(
                    AsyncSmtpTransport::<Tokio1Executor>::from_url(&url)
                        .map_err(|e| anyhow::anyhow!("smtp_url is not usable: {e}"))?
                        .timeout(Some(Duration::from_secs(30)))
                        .build(),
                )
            }
            None => None,
        };
        let from: Mailbox = s
            .mail_from
            .parse()
            .map_err(|e| anyhow::anyhow!("mail_from: {e}"))?;
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(15))
            .redirect(reqwest::redirect::Policy::none())
            .user_agent(concat!("custos/", env!("CARGO_PKG_VERSION")))
            .build()?;
        Ok(Sender { smtp, from, http })
    }

    /// Sends one message.
    pub async fn send(&self, id: uuid::Uuid, msg: &Outbound) -> Result<(), String> {
        match msg {
            Outbound::Email {
                to,
                subject,
                text,
                headers,
            } => {
                let smtp = self
                    .smtp
                    .as_ref()
                    .ok_or("no SMTP server is configured (CUSTOS_SMTP_URL)")?;
                let to: Mailbox = to.parse().map_err(|_| "the recipient is not an address")?;
                let mut b = Message::builder()
                    .from(self.from.clone())
                    .to(to)
                    .subject(subject.as_str())
                    .header(ContentType::TEXT_PLAIN);
                for (name, value) in headers {
                    let name = HeaderName::new_from_ascii(name.clone())
                        .map_err(|_| "a header name is not ASCII")?;
                    b = b.raw_header(HeaderValue::new(name, value.clone()));
                }
                let m = b.body(text.clone()).map_err(|e| e.to_string())?;
                smtp.send(m).await.map(|_| ()).map_err(|e| {
                    // lettre's errors name the server's answer, never the message.
                    format!("SMTP: {e}")
                })
            }
            Outbound::Webhook {
                url,
                secret,
                event,
                body,
            } => {
                let t = time::OffsetDateTime::now_utc().unix_timestamp();
                let r = self
                    .http
                    .post(url)
                    .header("content-type", "application/json")
                    .header("custos-event", event)
                    .header("custos-delivery", id.to_string())
                    .header("custos-signature", signature(secret, t, body))
                    .body(body.clone())
                    .send()
                    .await
                    .map_err(|e| format!("webhook: {}", e.without_url()))?;
                if r.status().is_success() {
                    Ok(())
                } else {
                    Err(format!("webhook answered {}", r.status()))
                }
            }
        }
    }
}

/// Delivers due messages every `every` until aborted.
pub async fn run(vault: Arc<Vault>, sender: Sender, every: Duration, retry: time::Duration) {
    let mut tick = tokio::time::interval(every);
    loop {
        tick.tick().await;
        loop {
            let batch = match vault.claim_deliveries(20, LEASE).await {
                Ok(b) => b,
                Err(e) => {
                    tracing::warn!(error = %e, "cannot read the outbox");
                    break;
                }
            };
            if batch.is_empty() {
                break;
            }
            for (row, msg) in batch {
                let outcome = match &msg {
                    Ok(m) => sender.send(row.id, m).await,
                    Err(e) => Err(e.clone()),
                };
                if let Err(e) = &outcome {
                    tracing::warn!(delivery = %row.id, channel = %row.channel, topic = %row.topic, attempt = row.attempts + 1, error = %e, "delivery failed");
                } else {
                    tracing::info!(delivery = %row.id, channel = %row.channel, topic = %row.topic, "delivered");
                }
                if let Err(e) = vault.finish_delivery(row, outcome, retry).await {
                    tracing::warn!(error = %e, "cannot record a delivery");
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signature_is_hmac_sha256_of_time_dot_body() {
        // The expected value computed independently (Python's hmac module).
        let body = r#"{"type":"alert.raised"}"#;
        assert_eq!(
            signature("whsec-test", 1_700_000_000, body),
            "t=1700000000,v1=77d43b39b3fce772f652e1e5c7a4055dbe0247da7d7bb6c5dafef0cd507783ee"
        );
        assert_ne!(
            signature("whsec-other", 1_700_000_000, body),
            signature("whsec-test", 1_700_000_000, body)
        );
    }
}
