//! A business's settings beyond its catalog: requiring MFA, its time zone and opening hours
//! (the off-hours anomaly rule reads them), and where alerts are pushed (an e-mail address and a
//! webhook URL, sealed under the tenant key because an address may name a person).

use crate::audit::{AuditEvent, RequestMeta};
use crate::error::CoreError;
use crate::ids::TenantId;
use crate::policy::{Action, Principal};
use crate::store::{TenantChange, TenantRow};
use crate::values::Email;
use crate::vault::{forbidden, Vault};
use custos_api::BusinessHours;
use custos_crypto as crypto;
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use zeroize::Zeroizing;

/// Opening hours and the time zone they are in.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TenantPolicy {
    /// IANA time zone name.
    pub time_zone: String,
    /// Per weekday, `HH:MM-HH:MM` or closed.
    pub business_hours: BusinessHours,
    /// Customers may erase themselves at once in the privacy portal (otherwise their request
    /// goes to staff as a data request).
    #[serde(default)]
    pub self_service_erasure: bool,
}

/// Where alerts go. Stored sealed.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AlertContacts {
    /// An e-mail address.
    pub email: Option<String>,
    /// A webhook URL.
    pub webhook_url: Option<String>,
    /// The webhook's HMAC key (hex).
    pub webhook_secret: Option<String>,
}

/// The hours assumed until a business sets its own: every day from 06:00 to 22:00, so that
/// night-time access is noticed.
pub const DEFAULT_HOURS: &str = "06:00-22:00";

/// The usual time zone of a country (the most populous one where there are several), `UTC`
/// for a country not listed.
pub fn default_time_zone(country: &str) -> &'static str {
    match country {
        "PL" => "Europe/Warsaw",
        "DE" => "Europe/Berlin",
        "AT" => "Europe/Vienna",
        "CH" => "Europe/Zurich",
        "CZ" => "Europe/Prague",
        "SK" => "Europe/Bratislava",
        "NL" => "Europe/Amsterdam",
        "BE" => "Europe/Brussels",
        "LU" => "Europe/Luxembourg",
        "FR" => "Europe/Paris",
        "IT" => "Europe/Rome",
        "ES" => "Europe/Madrid",
        "PT" => "Europe/Lisbon",
        "IE" => "Europe/Dublin",
        "GB" => "Europe/London",
        "DK" => "Europe/Copenhagen",
        "SE" => "Europe/Stockholm",
        "NO" => "Europe/Oslo",
        "FI" => "Europe/Helsinki",
        "LT" => "Europe/Vilnius",
        "LV" => "Europe/Riga",
        "EE" => "Europe/Tallinn",
        "HU" => "Europe/Budapest",
        "RO" => "Europe/Bucharest",
        "BG" => "Europe/Sofia",
        "GR" => "Europe/Athens",
        "UA" => "Europe/Kyiv",
        "US" => "America/New_York",
        "CA" => "America/Toronto",
        _ => "UTC",
    }
}

impl TenantPolicy {
    /// The defaults for a business in `country`.
    pub fn default_for(country: &str) -> Self {
        TenantPolicy {
            time_zone: default_time_zone(country).to_owned(),
            business_hours: BusinessHours::every_day(DEFAULT_HOURS),
            self_service_erasure: false,
        }
    }

    /// Checks the zone name and every day's hours.
    pub fn validate(&self) -> Result<(), CoreError> {
        jiff::tz::TimeZone::get(&self.time_zone).map_err(|_| {
            CoreError::Invalid(format!(
                "'{}' is not a time zone name (use an IANA name such as Europe/Berlin).",
                self.time_zone
            ))
        })?;
        for (day, hours) in DAY_NAMES.iter().zip(self.business_hours.days()) {
            if let Some(h) = hours {
                parse_span(h).ok_or_else(|| {
                    CoreError::Invalid(format!(
                        "business_hours.{day} must be \"HH:MM-HH:MM\" with the end after the start, or null."
                    ))
                })?;
            }
        }
        Ok(())
    }

    /// `at` in the business's zone (an unknown zone counts as UTC: it cannot be stored, so
    /// this only guards old rows); `None` only for an instant jiff cannot represent.
    fn zoned(&self, at: OffsetDateTime) -> Option<jiff::Zoned> {
        let tz = jiff::tz::TimeZone::get(&self.time_zone).unwrap_or(jiff::tz::TimeZone::UTC);
        jiff::Timestamp::from_second(at.unix_timestamp())
            .ok()
            .map(|ts| ts.to_zoned(tz))
    }

    /// Whether `at` falls within the opening hours, in the business's time zone.
    pub fn is_open_at(&self, at: OffsetDateTime) -> bool {
        let Some(local) = self.zoned(at) else {
            return true;
        };
        let day = local.weekday().to_monday_zero_offset() as usize;
        let minute = u16::from(local.hour() as u8) * 60 + u16::from(local.minute() as u8);
        match self.business_hours.days()[day]
            .as_deref()
            .and_then(parse_span)
        {
            Some((start, end)) => minute >= start && minute < end,
            None => false,
        }
    }

    /// `at` in the business's zone for documents, e.g. `2026-11-22 03:14 (Europe/Warsaw)`.
    pub fn stamp(&self, at: OffsetDateTime) -> String {
        self.zoned(at).map_or_else(
            || at.to_string(),
            |z| format!("{} ({})", z.strftime("%Y-%m-%d %H:%M"), self.time_zone),
        )
    }

    /// `at` as local time with its weekday, e.g. `2026-11-22 03:14 (Sun) Europe/Warsaw`.
    pub fn local_time(&self, at: OffsetDateTime) -> String {
        self.zoned(at).map_or_else(
            || at.to_string(),
            |z| format!("{} {}", z.strftime("%Y-%m-%d %H:%M (%a)"), self.time_zone),
        )
    }
}

const DAY_NAMES: [&str; 7] = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];

/// `HH:MM-HH:MM` → minutes since midnight, the end after the start (`24:00` allowed as end).
fn parse_span(s: &str) -> Option<(u16, u16)> {
    let (a, b) = s.trim().split_once('-')?;
    let minutes = |t: &str| -> Option<u16> {
        let (h, m) = t.trim().split_once(':')?;
        if h.len() != 2 || m.len() != 2 {
            return None;
        }
        let (h, m): (u16, u16) = (h.parse().ok()?, m.parse().ok()?);
        (m < 60 && (h < 24 || (h == 24 && m == 0))).then_some(h * 60 + m)
    };
    let (start, end) = (minutes(a)?, minutes(b)?);
    (start < end && start < 24 * 60).then_some((start, end))
}

/// A change of settings as asked for (`None` leaves a setting alone).
#[derive(Debug, Clone, Default)]
pub struct SettingsUpdate {
    /// Require MFA.
    pub require_mfa: Option<bool>,
    /// Time zone.
    pub time_zone: Option<String>,
    /// Opening hours.
    pub business_hours: Option<BusinessHours>,
    /// Alert e-mail (`Some(None)` clears).
    pub alert_email: Option<Option<String>>,
    /// Alert webhook URL (`Some(None)` clears).
    pub alert_webhook_url: Option<Option<String>>,
    /// Self-service erasure in the privacy portal.
    pub self_service_erasure: Option<bool>,
}

/// A business's settings as its owner sees them.
#[derive(Debug, Clone)]
pub struct Settings {
    /// The tenant.
    pub tenant: TenantRow,
    /// Hours and zone.
    pub policy: TenantPolicy,
    /// Alert contacts, for callers allowed to change settings.
    pub contacts: Option<AlertContacts>,
    /// A webhook secret generated by this change (shown once).
    pub new_webhook_secret: Option<String>,
}

fn contacts_aad(tenant: TenantId) -> Vec<u8> {
    let mut aad = b"custos/v1/alert-contacts".to_vec();
    aad.extend_from_slice(tenant.as_uuid().as_bytes());
    aad
}

/// Checks a webhook URL: `https://`, or `http://` to a loopback address only.
pub fn check_webhook_url(url: &str) -> Result<(), CoreError> {
    let bad = || {
        CoreError::Invalid(
            "A webhook URL must start with https:// (http:// only for a loopback address) and name a host.".into(),
        )
    };
    if url.len() > 2000 || url.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(bad());
    }
    let rest = if let Some(r) = url.strip_prefix("https://") {
        r
    } else if let Some(r) = url.strip_prefix("http://") {
        let host = r.split(['/', '?', '#']).next().unwrap_or("");
        let host = host.rsplit_once('@').map_or(host, |(_, h)| h);
        let name = if host.starts_with('[') {
            host.split(']').next().unwrap_or("").trim_start_matches('[')
        } else {
            host.split(':').next().unwrap_or("")
        };
        let loopback = name == "localhost"
            || name
                .parse::<std::net::IpAddr>()
                .map(|ip| ip.is_loopback())
                .unwrap_or(false);
        if !loopback {
            return Err(bad());
        }
        r
    } else {
        return Err(bad());
    };
    if rest.split(['/', '?', '#']).next().unwrap_or("").is_empty() {
        return Err(bad());
    }
    Ok(())
}

impl TenantRow {
    /// The business's hours and zone (the defaults for its country until it sets its own).
    pub fn policy(&self) -> TenantPolicy {
        self.policy
            .clone()
            .unwrap_or_else(|| TenantPolicy::default_for(&self.catalog.default_country))
    }
}

impl Vault {
    /// Opens a tenant's alert contacts.
    pub(crate) async fn alert_contacts(
        &self,
        tenant: &TenantRow,
    ) -> Result<AlertContacts, CoreError> {
        let Some(sealed) = &tenant.sealed_contacts else {
            return Ok(AlertContacts::default());
        };
        let keys = self.tenant_keys(tenant.id).await?;
        let plain = keys.open(sealed, &contacts_aad(tenant.id))?;
        serde_json::from_slice(&plain).map_err(|e| CoreError::Internal(e.to_string()))
    }

    /// Whether this server holds exactly one business (then its owner is also the operator,
    /// and may take and check the server's backups from the web UI).
    pub async fn hosts_one_business(&self) -> Result<bool, CoreError> {
        Ok(self.store.tenants().await?.len() == 1)
    }

    /// Records an operation on the server done by the owner from the web UI (a backup taken or
    /// checked), with its outcome; refuses anyone else.
    pub async fn record_operation(
        &self,
        p: &Principal,
        action: &str,
        target: String,
        ok: bool,
        meta: &RequestMeta,
    ) -> Result<(), CoreError> {
        p.active()?;
        if !p.role.may(Action::TenantManage) {
            return Err(forbidden(Action::TenantManage));
        }
        let mut ev = AuditEvent::by(p, action, self.clock.now(), meta).target(target);
        if !ok {
            ev = ev.outcome(crate::audit::Outcome::Failed);
        }
        self.store.append_audit(vec![ev]).await?;
        Ok(())
    }

    /// The caller's business name and time zone, for the frame of a page (any principal,
    /// even one that must set up MFA first).
    pub async fn business_of(&self, p: &Principal) -> Result<(String, String), CoreError> {
        let tenant = self
            .store
            .tenant(p.tenant_id)
            .await?
            .ok_or(CoreError::NotFound("Business"))?;
        let tz = tenant.policy().time_zone;
        Ok((tenant.name, tz))
    }

    /// The caller's business and its settings (any active staff member; alert contacts only
    /// for those who may change them).
    pub async fn tenant_settings(&self, p: &Principal) -> Result<Settings, CoreError> {
        p.active()?;
        let tenant = self
            .store
            .tenant(p.tenant_id)
            .await?
            .ok_or(CoreError::NotFound("Business"))?;
        let contacts = if p.role.may(Action::TenantManage) {
            Some(self.alert_contacts(&tenant).await?)
        } else {
            None
        };
        Ok(Settings {
            policy: tenant.policy(),
            tenant,
            contacts,
            new_webhook_secret: None,
        })
    }

    /// Changes settings (owner). Each group changed leaves its own audit event: the
    /// MFA requirement, the hours, the alert contacts (never the addresses themselves).
    pub async fn update_settings(
        &self,
        p: &Principal,
        update: SettingsUpdate,
        meta: &RequestMeta,
    ) -> Result<Settings, CoreError> {
        p.active()?;
        if !p.role.may(Action::TenantManage) {
            return Err(forbidden(Action::TenantManage));
        }
        let tenant = self
            .store
            .tenant(p.tenant_id)
            .await?
            .ok_or(CoreError::NotFound("Business"))?;
        let now = self.clock.now();
        let mut events = Vec::new();
        let mut change = TenantChange::default();
        let target = format!("tenant:{}", p.tenant_id);
        if let Some(on) = update.require_mfa {
            change.require_mfa = Some(on);
            let action = if on {
                "tenant.require_mfa"
            } else {
                "tenant.allow_no_mfa"
            };
            events.push(AuditEvent::by(p, action, now, meta).target(target.clone()));
        }
        if update.time_zone.is_some() || update.business_hours.is_some() {
            let mut policy = tenant.policy();
            if let Some(tz) = update.time_zone {
                policy.time_zone = tz;
            }
            if let Some(h) = update.business_hours {
                policy.business_hours = h;
            }
            policy.validate()?;
            change.policy = Some(policy);
            events.push(AuditEvent::by(p, "tenant.hours", now, meta).target(target.clone()));
        }
        if let Some(on) = update.self_service_erasure {
            let mut policy = change.policy.take().unwrap_or_else(|| tenant.policy());
            policy.self_service_erasure = on;
            change.policy = Some(policy);
            events.push(
                AuditEvent::by(p, "tenant.self_service_erasure", now, meta).target(target.clone()),
            );
        }
        let mut new_secret = None;
        if update.alert_email.is_some() || update.alert_webhook_url.is_some() {
            let mut contacts = self.alert_contacts(&tenant).await?;
            if let Some(email) = update.alert_email {
                contacts.email = match email {
                    Some(e) => Some(
                        Email::parse(&e)
                            .map_err(|_| {
                                CoreError::Invalid("alert_email is not an e-mail address.".into())
                            })?
                            .as_str()
                            .to_owned(),
                    ),
                    None => None,
                };
            }
            if let Some(url) = update.alert_webhook_url {
                match url {
                    Some(u) => {
                        check_webhook_url(&u)?;
                        let secret = crypto::Key32::generate().to_hex();
                        contacts.webhook_url = Some(u);
                        contacts.webhook_secret = Some(secret.to_string());
                        new_secret = Some(secret.to_string());
                    }
                    None => {
                        contacts.webhook_url = None;
                        contacts.webhook_secret = None;
                    }
                }
            }
            let keys = self.tenant_keys(tenant.id).await?;
            let plain = Zeroizing::new(
                serde_json::to_vec(&contacts).map_err(|e| CoreError::Internal(e.to_string()))?,
            );
            change.sealed_contacts = Some(
                (contacts != AlertContacts::default())
                    .then(|| crypto::seal(&keys.kek, &plain, &contacts_aad(tenant.id))),
            );
            events.push(AuditEvent::by(p, "tenant.alert_contacts", now, meta).target(target));
        }
        if events.is_empty() {
            return Err(CoreError::Invalid("Nothing to change.".into()));
        }
        self.store
            .update_tenant(p.tenant_id, change, events)
            .await?;
        let mut settings = self.tenant_settings(p).await?;
        settings.new_webhook_secret = new_secret;
        Ok(settings)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    #[test]
    fn spans() {
        assert_eq!(parse_span("08:00-18:30"), Some((480, 1110)));
        assert_eq!(parse_span("00:00-24:00"), Some((0, 1440)));
        for bad in [
            "18:00-08:00",
            "8:00-18:00",
            "08:00",
            "08:60-09:00",
            "25:00-26:00",
            "10:00-10:00",
        ] {
            assert_eq!(parse_span(bad), None, "{bad}");
        }
    }

    #[test]
    fn opening_hours_follow_the_local_zone_and_its_summer_time() {
        let mut p = TenantPolicy::default_for("PL");
        p.business_hours = BusinessHours::every_day("09:00-17:00");
        p.business_hours.sun = None;
        // Winter: UTC+1. 08:30 UTC is 09:30 in Warsaw.
        assert!(p.is_open_at(datetime!(2026-01-14 08:30 UTC)));
        assert!(!p.is_open_at(datetime!(2026-01-14 07:30 UTC)));
        // Summer: UTC+2. 07:30 UTC is 09:30 in Warsaw; 15:30 UTC is 17:30, closed.
        assert!(p.is_open_at(datetime!(2026-07-15 07:30 UTC)));
        assert!(!p.is_open_at(datetime!(2026-07-15 15:30 UTC)));
        // Sunday is closed all day.
        assert!(!p.is_open_at(datetime!(2026-07-19 10:00 UTC)));
        assert!(p
            .local_time(datetime!(2026-07-15 07:30 UTC))
            .starts_with("2026-07-15 09:30"));
    }

    #[test]
    fn validation_names_the_problem() {
        let mut p = TenantPolicy::default_for("DE");
        assert_eq!(p.time_zone, "Europe/Berlin");
        p.validate().unwrap();
        p.time_zone = "Mars/Olympus".into();
        assert!(p
            .validate()
            .unwrap_err()
            .to_string()
            .contains("Mars/Olympus"));
        p.time_zone = "UTC".into();
        p.business_hours.wed = Some("late".into());
        assert!(p
            .validate()
            .unwrap_err()
            .to_string()
            .contains("business_hours.wed"));
    }

    #[test]
    fn webhook_urls() {
        for ok in [
            "https://hooks.example.org/custos",
            "http://127.0.0.1:9000/x",
            "http://localhost/x",
            "http://[::1]:8080/",
        ] {
            check_webhook_url(ok).unwrap();
        }
        for bad in [
            "http://example.org/x",
            "ftp://x",
            "https://",
            "https:///path",
            "http://10.0.0.1/",
            "https://a b",
        ] {
            assert!(check_webhook_url(bad).is_err(), "{bad}");
        }
    }
}
