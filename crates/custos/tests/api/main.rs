//! API tests through the real server (one test binary, a module per resource).

mod access;
mod auth;
mod customers;
mod errors;
mod helpers;
mod privacy;
mod search;
