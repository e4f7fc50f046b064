//! Fixtures for tests: a fresh database per test on either backend (PostgreSQL databases
//! are cloned from a migrated template), a real SMTP server process, the
//! `both_backends!` macro that runs one test body on SQLite and on PostgreSQL, the shared
//! test data, libraries and their people with signed tokens, and waiting with a deadline.
//!
//! It depends on no service: every service's tests use it.
//!
//! Test-only: nothing in the product depends on this crate.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "test fixtures fail loudly"
)]

mod data;
mod database;
mod forms;
pub mod koha;
mod people;
pub mod schema;
mod smtp;
mod waiting;

pub use athenaeum_db::Backend;
pub use data::{SHARED_DATA_VARIABLE, loc_books_1000, loc_books_10000, marc_file, shared_data};
pub use database::{
    TestDatabase, TestDatabases, postgres_admin_url, prepare_databases, test_database,
};
pub use forms::form_cookie_and_token;
pub use people::{PLATFORM_TENANT_ID, PLATFORM_TENANT_SLUG, TestIssuer, TestLibrary};
pub use smtp::{ReceivedMail, SmtpServer};
pub use waiting::poll_until;

/// Asserts that `outcome` was refused with `code` and returns the refusal.
#[track_caller]
pub fn refused<T: std::fmt::Debug>(
    outcome: Result<T, athenaeum_kernel::ApiError>,
    code: athenaeum_kernel::ErrorCode,
) -> athenaeum_kernel::ApiError {
    match outcome {
        Ok(value) => panic!("expected a {code} refusal, got success: {value:?}"),
        Err(error) => {
            assert_eq!(error.code, code, "refused with another code than expected: {error:?}");
            error
        }
    }
}

/// Runs each test body once on SQLite and once on PostgreSQL.
///
/// ```ignore
/// athenaeum_testkit::both_backends! {
///     async fn sign_in_returns_a_token(backend) {
///         let database = athenaeum_testkit::test_database(backend, &MIGRATIONS).await;
///         // ...
///     }
/// }
/// ```
/// expands to a module `sign_in_returns_a_token` with the tests `sqlite` and `postgres`,
/// so test names end with the backend they ran on.
#[macro_export]
macro_rules! both_backends {
    ($( $(#[$meta:meta])* async fn $name:ident($backend:ident) $body:block )*) => {
        $(
            $(#[$meta])*
            #[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, reason = "a test body")]
            mod $name {
                #[allow(unused_imports)]
                use super::*;

                async fn run($backend: $crate::Backend) $body

                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn sqlite() {
                    run($crate::Backend::Sqlite).await;
                }

                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn postgres() {
                    run($crate::Backend::Postgres).await;
                }
            }
        )*
    };
}
