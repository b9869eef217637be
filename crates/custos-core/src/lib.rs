//! The custos domain and its use cases, with no I/O of its own: tenants, the catalog, customers
//! and their timeline, the policy layer, audit events, and the `Store` trait that persistence
//! implements. It knows no HTTP and no SQL.

pub mod anomaly;
pub mod audit;
pub mod breakglass;
pub mod business_export;
pub mod catalog;
pub mod clock;
pub mod compliance;
pub mod consents;
pub mod devices;
pub mod doctor;
pub mod error;
pub mod export;
pub mod holds;
pub mod identity;
pub mod ids;
pub mod import;
pub mod importing;
pub mod incident_text;
pub mod incidents;
pub mod intake;
pub mod keys;
pub mod marketing;
pub mod mfa;
pub mod outbox;
pub mod password;
pub mod policy;
pub mod portal;
pub mod requests;
pub mod retention;
pub mod roles;
pub mod settings;
pub mod store;
pub mod trail;
pub mod values;
pub mod vault;
pub mod webhooks;

pub use error::CoreError;
pub use vault::Vault;
