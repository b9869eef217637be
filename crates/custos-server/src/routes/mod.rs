//! One module per HTTP resource, each exporting `router()`.

pub mod alerts;
pub mod audit;
pub mod auth;
pub mod backups;
pub mod catalog;
pub mod compliance;
pub mod consents;
pub mod customers;
pub mod devices;
pub mod docs;
pub mod health;
pub mod imports;
pub mod incidents;
pub mod intake;
pub mod portal;
pub mod requests;
pub mod retention;
pub mod roles;
pub mod tenant;
pub mod tokens;
pub mod users;
pub mod webhooks;
