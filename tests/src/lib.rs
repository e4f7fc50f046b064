//! End-to-end harness: starts the real `athenaeum` binary as an operator would (every
//! service in one process, or identity and the gateway as separate processes), on SQLite
//! or PostgreSQL, and talks to it only as its users do — GraphQL over HTTP and
//! websockets, the command line, and the mail it sends.
//!
//! It never links the product, so a test here passes only if a real deployment works.
//! The binary is found through `ATHENAEUM_BIN` (set by `./scripts/test`) or beside the
//! test executable.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "test fixtures fail loudly"
)]

mod deployment;
mod graphql;
mod mail;
mod process;
mod raw;

pub use athenaeum_testkit::{Backend, ReceivedMail, SmtpServer, both_backends};
pub use deployment::{
    Deployment, DeploymentBuilder, Library, MAIL_TIMEOUT, OPERATOR_EMAIL, PASSWORD, Topology,
    admin_email,
};
pub use graphql::{SESSION_FIELDS, Session, data, error_code, graphql, graphql_with};
pub use mail::{
    Mail, decode_quoted_printable, link_in, parse_message, read_mail_folder, token_of,
    wait_for_mail,
};
pub use process::{Environment, Process, START_TIMEOUT, athenaeum_command, binary, free_port};
pub use raw::{MULTIPART_BOUNDARY, RawRequest, multipart_upload_start};

/// Polls `probe` every 20 ms until it returns true; returns how long that took. Panics,
/// naming `what`, when `limit` passes first.
pub async fn within<F, Fut>(
    limit: std::time::Duration,
    what: &str,
    mut probe: F,
) -> std::time::Duration
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let started = std::time::Instant::now();
    loop {
        if probe().await {
            return started.elapsed();
        }
        assert!(started.elapsed() < limit, "{what}: not within {limit:?}");
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
}

/// Runs each scenario against every deployment: all-in-one and split, each on SQLite and
/// on PostgreSQL.
///
/// ```ignore
/// athenaeum_e2e::every_deployment! {
///     async fn an_operator_onboards_a_library(deployment) {
///         let operator = deployment.create_operator().await;
///         // ...
///     }
/// }
/// ```
/// expands to a module `an_operator_onboards_a_library` with the tests
/// `all_in_one_sqlite`, `all_in_one_postgres`, `split_sqlite` and `split_postgres`, so
/// every test name ends with the backend it ran on.
#[macro_export]
macro_rules! every_deployment {
    ($( $(#[$meta:meta])* async fn $name:ident($deployment:ident) $body:block )*) => {
        $(
            $(#[$meta])*
            mod $name {
                #[allow(unused_imports)]
                use super::*;

                async fn run($deployment: $crate::Deployment) $body

                async fn on(topology: $crate::Topology, backend: $crate::Backend) {
                    run($crate::Deployment::builder(topology, backend).start().await).await;
                }

                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn all_in_one_sqlite() {
                    on($crate::Topology::AllInOne, $crate::Backend::Sqlite).await;
                }

                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn all_in_one_postgres() {
                    on($crate::Topology::AllInOne, $crate::Backend::Postgres).await;
                }

                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn split_sqlite() {
                    on($crate::Topology::Split, $crate::Backend::Sqlite).await;
                }

                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn split_postgres() {
                    on($crate::Topology::Split, $crate::Backend::Postgres).await;
                }
            }
        )*
    };
}
