//! Plumbing the benchmark programs share: the test data and the corpora built from it,
//! the command line, the figures of measured runs, the application running in process
//! with its HTTP client, imports through the catalogue, the revocation check's cost
//! (which it measures when the gateway benchmark asks), the website assembled without a
//! server with the pages its benchmark asks for, and searches sampled from the source
//! file. Nothing else here measures.
#![allow(
    dead_code,
    reason = "each benchmark program includes the whole support folder and uses its own part"
)]

pub mod app;
pub mod catalogue;
pub mod data;
pub mod figures;
pub mod http;
pub mod options;
pub mod revocation;
pub mod web_pages;
pub mod website;
pub mod words;

/// Names the PostgreSQL server's maintenance database, as for the tests.
pub const POSTGRES_URL_VARIABLE: &str = "ATHENAEUM_TEST_POSTGRES_URL";

/// Returns the PostgreSQL server [`POSTGRES_URL_VARIABLE`] names, if it names one.
pub fn postgres_url() -> Option<String> {
    std::env::var(POSTGRES_URL_VARIABLE).ok().filter(|url| !url.is_empty())
}
