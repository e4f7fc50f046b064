//! The database's shape: every service's migrations exist for both backends under the
//! same versions, and the diesel `table!` definitions identity compiles against match
//! what its migrations create, column by column, on SQLite and PostgreSQL.
#![expect(clippy::unwrap_used, reason = "a test fails loudly at the first thing that goes wrong")]

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use athenaeum_identity::MIGRATIONS;
use athenaeum_identity::schema::{accounts, one_time_tokens, refresh_tokens, tenants};
use athenaeum_mail::schema::mail_outbox;
use athenaeum_testkit::schema::{ColumnShape, TableShape, differences, introspect};
use athenaeum_testkit::{both_backends, diesel_shape};

fn migrations_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../schema/migrations")
}

/// Returns the names of the directories directly inside `dir`.
fn directory_names(dir: &Path) -> BTreeSet<String> {
    std::fs::read_dir(dir)
        .unwrap_or_else(|error| panic!("cannot read {}: {error}", dir.display()))
        .map(|entry| entry.unwrap())
        .filter(|entry| entry.file_type().unwrap().is_dir())
        .map(|entry| entry.file_name().to_string_lossy().into_owned())
        .collect()
}

/// Every table identity's `schema.rs` (and the mail outbox's, whose table identity's
/// migrations create) describes.
fn diesel_tables() -> BTreeMap<String, TableShape> {
    BTreeMap::from([
        diesel_shape!(tenants),
        diesel_shape!(accounts),
        diesel_shape!(refresh_tokens),
        diesel_shape!(one_time_tokens),
        diesel_shape!(mail_outbox),
    ])
}

#[test]
fn every_services_migrations_have_the_same_versions_for_both_backends() {
    let root = migrations_root();
    let services = directory_names(&root);
    assert!(services.contains("identity"), "no identity migrations in {}", root.display());

    let mut problems = Vec::new();
    for service in &services {
        let folder = root.join(service);
        let backends = directory_names(&folder);
        for backend in ["postgres", "sqlite"] {
            if !backends.contains(backend) {
                problems.push(format!("schema/migrations/{service} has no {backend}/ folder"));
            }
        }
        if !(backends.contains("postgres") && backends.contains("sqlite")) {
            continue;
        }
        let postgres = directory_names(&folder.join("postgres"));
        let sqlite = directory_names(&folder.join("sqlite"));
        for only in postgres.difference(&sqlite) {
            problems.push(format!("schema/migrations/{service}: {only} exists for postgres only"));
        }
        for only in sqlite.difference(&postgres) {
            problems.push(format!("schema/migrations/{service}: {only} exists for sqlite only"));
        }
        if postgres.is_empty() && sqlite.is_empty() {
            problems.push(format!("schema/migrations/{service} holds no migration"));
        }
    }

    assert!(problems.is_empty(), "migration folders disagree:\n{}", problems.join("\n"));
}

#[test]
fn the_comparison_names_the_table_and_column_of_each_drift() {
    let described = diesel_tables();
    let mut migrated = described.clone();
    let accounts = migrated.get_mut("accounts").unwrap();
    accounts.remove("display_name");
    accounts.insert("nickname".into(), ColumnShape { family: "Text".into(), nullable: true });
    migrated.get_mut("tenants").unwrap().get_mut("status").unwrap().nullable = true;

    let found = differences(&described, &migrated, "sqlite");

    assert_eq!(
        found,
        vec![
            "table accounts, column nickname: in the sqlite migrations (Nullable<Text>) but not \
             in schema.rs",
            "table accounts, column display_name: in schema.rs (Text NOT NULL) but not in the \
             sqlite migrations",
            "table tenants, column status: schema.rs says Text NOT NULL, the sqlite migrations \
             make it Nullable<Text>",
        ]
    );
}

both_backends! {
    async fn schema_rs_matches_the_freshly_migrated_database(backend) {
        let db = athenaeum_testkit::test_database(backend, &MIGRATIONS).await;

        let database = db.database.read(introspect).await.unwrap();

        let found = differences(&diesel_tables(), &database, backend.name());
        assert!(
            found.is_empty(),
            "schema.rs and the {backend} migrations disagree:\n{}",
            found.join("\n")
        );
        // The comparison saw real tables, not two empty lists.
        assert!(database.get("accounts").is_some_and(|columns| columns.contains_key("email")));
    }
}
