//! The database's shape: every service's migrations exist for both backends under the
//! same versions, and the diesel `table!` definitions identity compiles against match
//! what its migrations create, column by column, on SQLite and PostgreSQL.
#![expect(clippy::unwrap_used, reason = "a test fails loudly at the first thing that goes wrong")]

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use athenaeum_db::{DbConnection, DbError};
use athenaeum_identity::MIGRATIONS;
use athenaeum_identity::schema::{accounts, one_time_tokens, refresh_tokens, tenants};
use athenaeum_mail::schema::mail_outbox;
use athenaeum_testkit::both_backends;
use diesel::prelude::*;
use diesel::sql_types::{Integer, Text};

/// Diesel's own bookkeeping table, which no `table!` describes.
const MIGRATIONS_TABLE: &str = "__diesel_schema_migrations";

/// A column as one side describes it.
#[derive(Debug, Clone, PartialEq, Eq)]
struct ColumnShape {
    /// `Text`, `Integer`, `BigInt`, `Bool`, `Timestamp`, or what the database said when
    /// it is none of those.
    family: String,
    nullable: bool,
}

impl std::fmt::Display for ColumnShape {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.nullable {
            write!(formatter, "Nullable<{}>", self.family)
        } else {
            write!(formatter, "{} NOT NULL", self.family)
        }
    }
}

/// A table's columns by name.
type TableShape = BTreeMap<String, ColumnShape>;

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

/// Describes a diesel table from what `table!` generated: the column names from the SQL
/// of `SELECT all_columns`, their SQL types from the type of `all_columns`.
macro_rules! diesel_shape {
    ($table:ident) => {{
        use diesel::{Expression, Table};
        let query = $table::table.select($table::all_columns);
        let sql = diesel::debug_query::<diesel::pg::Pg, _>(&query).to_string();
        let types =
            std::any::type_name::<<<$table::table as Table>::AllColumns as Expression>::SqlType>();
        (stringify!($table).to_string(), parse_diesel_shape(stringify!($table), &sql, types))
    }};
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

/// Pairs the column names of `SELECT "t"."a", "t"."b" FROM "t"` with the members of
/// the tuple type `(diesel::sql_types::Text, diesel::sql_types::Nullable<…>)`.
fn parse_diesel_shape(table: &str, sql: &str, types: &str) -> TableShape {
    let select_list = sql
        .strip_prefix("SELECT ")
        .and_then(|rest| rest.split(" FROM ").next())
        .unwrap_or_else(|| panic!("unexpected SQL for {table}: {sql}"));
    let names: Vec<String> = select_list
        .split(", ")
        .map(|qualified| qualified.rsplit('.').next().unwrap().trim_matches('"').to_string())
        .collect();
    let plain = types.replace("diesel::sql_types::", "");
    let inner = plain.strip_prefix('(').and_then(|rest| rest.strip_suffix(')')).unwrap_or(&plain);
    let mut members = Vec::new();
    let mut depth = 0_usize;
    let mut current = String::new();
    for character in inner.chars() {
        match character {
            '<' => depth += 1,
            '>' => depth -= 1,
            ',' if depth == 0 => {
                members.push(std::mem::take(&mut current).trim().to_string());
                continue;
            }
            _ => {}
        }
        current.push(character);
    }
    if !current.trim().is_empty() {
        members.push(current.trim().to_string());
    }
    assert_eq!(
        names.len(),
        members.len(),
        "cannot pair the columns of {table} ({names:?}) with their types ({types})"
    );
    names
        .into_iter()
        .zip(members)
        .map(|(name, member)| {
            let shape = match member.strip_prefix("Nullable<").and_then(|m| m.strip_suffix('>')) {
                Some(family) => ColumnShape { family: family.to_string(), nullable: true },
                None => ColumnShape { family: member, nullable: false },
            };
            (name, shape)
        })
        .collect()
}

#[derive(QueryableByName)]
struct TableName {
    #[diesel(sql_type = Text)]
    name: String,
}

#[derive(QueryableByName)]
struct PostgresColumn {
    #[diesel(sql_type = Text)]
    name: String,
    #[diesel(sql_type = Text)]
    data_type: String,
    #[diesel(sql_type = Text)]
    is_nullable: String,
}

#[derive(QueryableByName)]
struct SqliteColumn {
    #[diesel(sql_type = Text)]
    name: String,
    #[diesel(sql_type = Text)]
    declared_type: String,
    #[diesel(sql_type = Integer)]
    not_null: i32,
}

fn postgres_family(data_type: &str) -> String {
    match data_type {
        "text" => "Text".into(),
        "integer" => "Integer".into(),
        "bigint" => "BigInt".into(),
        "boolean" => "Bool".into(),
        "timestamp without time zone" => "Timestamp".into(),
        other => format!("unmapped PostgreSQL type {other:?}"),
    }
}

fn sqlite_family(declared_type: &str) -> String {
    match declared_type.to_ascii_uppercase().as_str() {
        "TEXT" => "Text".into(),
        "INTEGER" => "Integer".into(),
        "BIGINT" => "BigInt".into(),
        "BOOLEAN" => "Bool".into(),
        "TIMESTAMP" => "Timestamp".into(),
        other => format!("unmapped SQLite type {other:?}"),
    }
}

/// Reads every table of the service's schema (PostgreSQL) or file (SQLite) with its
/// columns, from the database's own catalogue.
fn introspect(connection: &mut DbConnection) -> Result<BTreeMap<String, TableShape>, DbError> {
    let mut tables = BTreeMap::new();
    match connection {
        DbConnection::Pg(pg) => {
            let names: Vec<TableName> = diesel::sql_query(
                "SELECT table_name::text AS name FROM information_schema.tables
                 WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'",
            )
            .load(pg)?;
            for table in names {
                let columns: Vec<PostgresColumn> = diesel::sql_query(
                    "SELECT column_name::text AS name, data_type::text AS data_type,
                            is_nullable::text AS is_nullable
                     FROM information_schema.columns
                     WHERE table_schema = current_schema() AND table_name = $1",
                )
                .bind::<Text, _>(&table.name)
                .load(pg)?;
                let shape = columns
                    .into_iter()
                    .map(|column| {
                        let shape = ColumnShape {
                            family: postgres_family(&column.data_type),
                            nullable: column.is_nullable == "YES",
                        };
                        (column.name, shape)
                    })
                    .collect();
                tables.insert(table.name, shape);
            }
        }
        DbConnection::Sqlite(sqlite) => {
            let names: Vec<TableName> = diesel::sql_query(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'",
            )
            .load(sqlite)?;
            for table in names {
                let columns: Vec<SqliteColumn> = diesel::sql_query(
                    "SELECT name, type AS declared_type, \"notnull\" AS not_null
                     FROM pragma_table_info(?)",
                )
                .bind::<Text, _>(&table.name)
                .load(sqlite)?;
                let shape = columns
                    .into_iter()
                    .map(|column| {
                        let shape = ColumnShape {
                            family: sqlite_family(&column.declared_type),
                            nullable: column.not_null == 0,
                        };
                        (column.name, shape)
                    })
                    .collect();
                tables.insert(table.name, shape);
            }
        }
    }
    tables.remove(MIGRATIONS_TABLE);
    Ok(tables)
}

/// Lists every difference between what diesel is told and what the database holds, one
/// line each, naming the table and column.
fn differences(
    diesel_side: &BTreeMap<String, TableShape>,
    database: &BTreeMap<String, TableShape>,
    backend: &str,
) -> Vec<String> {
    let mut found = Vec::new();
    for (table, migrated) in database {
        let Some(described) = diesel_side.get(table) else {
            found.push(format!(
                "table {table} is created by the {backend} migrations but no table! in \
                 schema.rs describes it"
            ));
            continue;
        };
        for (column, shape) in migrated {
            match described.get(column) {
                None => found.push(format!(
                    "table {table}, column {column}: in the {backend} migrations ({shape}) \
                     but not in schema.rs"
                )),
                Some(declared) if declared != shape => found.push(format!(
                    "table {table}, column {column}: schema.rs says {declared}, the {backend} \
                     migrations make it {shape}"
                )),
                Some(_) => {}
            }
        }
        for (column, declared) in described {
            if !migrated.contains_key(column) {
                found.push(format!(
                    "table {table}, column {column}: in schema.rs ({declared}) but not in the \
                     {backend} migrations"
                ));
            }
        }
    }
    for table in diesel_side.keys() {
        if !database.contains_key(table) {
            found.push(format!(
                "table {table} is described in schema.rs but the {backend} migrations do not \
                 create it"
            ));
        }
    }
    found
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
