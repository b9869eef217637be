//! API tests through the real server (one test binary, a module per resource).
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod access;
mod alerts;
mod audit;
mod auth;
mod backup;
mod cli;
mod consents;
mod customers;
mod errors;
mod export;
mod helpers;
mod identity;
mod imports;
mod incidents;
mod intake;
mod matrix;
mod mfa;
mod portal;
mod privacy;
mod receivers;
mod requests;
mod retention;
mod scale;
mod search;
mod sessions;
