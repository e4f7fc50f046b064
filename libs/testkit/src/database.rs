//! A fresh, migrated database per test.
//!
//! SQLite: a temporary data directory. PostgreSQL: a new database created from a template
//! that holds every requested service's migrations; the template is built once per set
//! of migrations by whichever test gets there first (an advisory lock serialises the test
//! processes) and published by renaming, so no test ever sees a half-migrated template.

use std::collections::hash_map::DefaultHasher;
use std::hash::{Hash, Hasher};
use std::path::PathBuf;
use std::time::Duration;

use athenaeum_db::{Backend, Database, DatabaseConfig, ServiceMigrations};
use diesel::connection::SimpleConnection;
use diesel::{Connection, PgConnection, QueryableByName, RunQueryDsl};

// The template is keyed by migration names: the test script starts a new server every
// run, so a migration edited in place during development is picked up on the next run.

/// The environment variable the test script sets to its throwaway server's URL.
pub const POSTGRES_URL_VARIABLE: &str = "ATHENAEUM_TEST_POSTGRES_URL";

/// Returns the URL of the throwaway PostgreSQL server's maintenance database.
///
/// Panics with instructions when it is not set: PostgreSQL tests never skip.
pub fn postgres_admin_url() -> String {
    match std::env::var(POSTGRES_URL_VARIABLE) {
        Ok(url) if !url.is_empty() => url,
        _ => panic!(
            "{POSTGRES_URL_VARIABLE} is not set: PostgreSQL tests need the throwaway server \
             that ./scripts/test starts; run the suite with ./scripts/test"
        ),
    }
}

/// Databases for a whole application: the configuration that points at them and the data
/// directory. Dropping it removes them.
pub struct TestDatabases {
    /// The backend.
    pub backend: Backend,
    /// Database configuration to hand to the application.
    pub config: DatabaseConfig,
    /// A fresh data directory (SQLite files live here on the SQLite backend).
    pub data_dir: tempfile::TempDir,
    postgres_database: Option<String>,
}

impl TestDatabases {
    /// Returns the data directory's path.
    pub fn data_path(&self) -> PathBuf {
        self.data_dir.path().to_path_buf()
    }
}

impl Drop for TestDatabases {
    fn drop(&mut self) {
        let Some(name) = self.postgres_database.take() else { return };
        if let Ok(mut admin) = PgConnection::establish(&postgres_admin_url()) {
            let _ =
                admin.batch_execute(&format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"));
        }
    }
}

/// One service's database, migrated and fresh.
pub struct TestDatabase {
    /// The open database.
    pub database: Database,
    /// Where it lives; dropped after `database`.
    pub databases: TestDatabases,
}

/// Creates fresh, migrated databases for the given services on `backend`.
pub async fn prepare_databases(
    backend: Backend,
    services: &[&'static ServiceMigrations],
) -> TestDatabases {
    let data_dir = tempfile::Builder::new().prefix("athenaeum-test-").tempdir().unwrap();
    match backend {
        Backend::Sqlite => {
            let config = DatabaseConfig::default();
            for migrations in services {
                let database = Database::open(&config, data_dir.path(), migrations).unwrap();
                database.migrate().await.unwrap();
            }
            TestDatabases { backend, config, data_dir, postgres_database: None }
        }
        Backend::Postgres => {
            let services = services.to_vec();
            let name =
                tokio::task::spawn_blocking(move || clone_template(&services)).await.unwrap();
            let config = DatabaseConfig {
                url: database_url(&postgres_admin_url(), &name),
                pool_size: 4,
                ..DatabaseConfig::default()
            };
            TestDatabases { backend, config, data_dir, postgres_database: Some(name) }
        }
    }
}

/// Creates a fresh, migrated database for one service on `backend`.
pub async fn test_database(
    backend: Backend,
    migrations: &'static ServiceMigrations,
) -> TestDatabase {
    let databases = prepare_databases(backend, &[migrations]).await;
    let database =
        Database::open(&databases.config, databases.data_dir.path(), migrations).unwrap();
    TestDatabase { database, databases }
}

#[derive(QueryableByName)]
struct Found {
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    count: i64,
}

fn clone_template(services: &[&'static ServiceMigrations]) -> String {
    let admin_url = postgres_admin_url();
    let mut admin = PgConnection::establish(&admin_url)
        .unwrap_or_else(|error| panic!("cannot reach the test PostgreSQL server: {error}"));
    let template = template_name(services);
    admin.batch_execute("SELECT pg_advisory_lock(7262351)").unwrap();
    let found: Found = diesel::sql_query(format!(
        "SELECT count(*) AS count FROM pg_database WHERE datname = '{template}'"
    ))
    .get_result(&mut admin)
    .unwrap();
    if found.count == 0 {
        build_template(&mut admin, &admin_url, &template, services);
    }
    admin.batch_execute("SELECT pg_advisory_unlock(7262351)").unwrap();

    let name = format!("athenaeum_test_{}", uuid::Uuid::new_v4().simple());
    // CREATE DATABASE refuses while another session is connected to the template; that
    // only happens for an instant while a sibling test clones it, so retry briefly.
    for attempt in 0.. {
        match admin.batch_execute(&format!("CREATE DATABASE \"{name}\" TEMPLATE \"{template}\"")) {
            Ok(()) => break,
            Err(error) if attempt < 200 && error.to_string().contains("being accessed") => {
                std::thread::sleep(Duration::from_millis(25));
            }
            Err(error) => panic!("cannot create test database from {template}: {error}"),
        }
    }
    name
}

fn build_template(
    admin: &mut PgConnection,
    admin_url: &str,
    template: &str,
    services: &[&'static ServiceMigrations],
) {
    let building = format!("{template}_building");
    admin.batch_execute(&format!("DROP DATABASE IF EXISTS \"{building}\" WITH (FORCE)")).unwrap();
    admin.batch_execute(&format!("CREATE DATABASE \"{building}\"")).unwrap();
    let config = DatabaseConfig {
        url: database_url(admin_url, &building),
        pool_size: 1,
        ..DatabaseConfig::default()
    };
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    for migrations in services {
        let database = Database::open(&config, std::path::Path::new("."), migrations).unwrap();
        runtime.block_on(database.migrate()).unwrap();
    }
    admin
        .batch_execute(&format!(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity
             WHERE datname = '{building}' AND pid <> pg_backend_pid()"
        ))
        .unwrap();
    admin
        .batch_execute(&format!("ALTER DATABASE \"{building}\" RENAME TO \"{template}\""))
        .unwrap();
}

fn template_name(services: &[&'static ServiceMigrations]) -> String {
    let mut hasher = DefaultHasher::new();
    for migrations in services {
        migrations.service.hash(&mut hasher);
        migrations.names(Backend::Postgres).unwrap().hash(&mut hasher);
    }
    format!("athenaeum_template_{:016x}", hasher.finish())
}

fn database_url(admin_url: &str, database: &str) -> String {
    let (without_query, query) = match admin_url.split_once('?') {
        Some((head, query)) => (head, format!("?{query}")),
        None => (admin_url, String::new()),
    };
    let base = match without_query.rsplit_once('/') {
        Some((base, _)) if base.contains("://") && base.len() > base.find("://").unwrap() + 3 => {
            base.to_string()
        }
        _ => without_query.trim_end_matches('/').to_string(),
    };
    format!("{base}/{database}{query}")
}

#[cfg(test)]
mod tests {
    use super::database_url;

    #[test]
    fn database_url_replaces_the_database_name_only() {
        assert_eq!(
            database_url("postgres://postgres@127.0.0.1:5433/postgres", "t1"),
            "postgres://postgres@127.0.0.1:5433/t1"
        );
        assert_eq!(
            database_url("postgres://u:p@h:1/postgres?sslmode=disable", "t2"),
            "postgres://u:p@h:1/t2?sslmode=disable"
        );
    }
}
