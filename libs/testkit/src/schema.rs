//! The database's shape as diesel is told it and as the migrations make it: the
//! `table!` definitions a service compiles against, read back from diesel's own types,
//! and the tables a freshly migrated database holds, read from its catalogue, compared
//! column by column so a drift names its table and column.

use std::collections::BTreeMap;

use athenaeum_db::{DbConnection, DbError};
use diesel::prelude::*;
use diesel::sql_types::{Integer, Text};

/// Diesel's own bookkeeping table, which no `table!` describes.
pub const MIGRATIONS_TABLE: &str = "__diesel_schema_migrations";

/// A column as one side describes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ColumnShape {
    /// `Text`, `Integer`, `BigInt`, `Bool`, `Timestamp`, or what the database said when
    /// it is none of those.
    pub family: String,
    /// Whether it may be NULL.
    pub nullable: bool,
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
pub type TableShape = BTreeMap<String, ColumnShape>;

/// Describes a diesel table from what `table!` generated: the column names from the SQL
/// of `SELECT all_columns`, their SQL types from the type of `all_columns`.
///
/// ```ignore
/// let tables = BTreeMap::from([athenaeum_testkit::diesel_shape!(accounts)]);
/// ```
#[macro_export]
macro_rules! diesel_shape {
    ($table:ident) => {{
        use diesel::{Expression, QueryDsl, Table};
        let query = $table::table.select($table::all_columns);
        let sql = diesel::debug_query::<diesel::pg::Pg, _>(&query).to_string();
        let types =
            std::any::type_name::<<<$table::table as Table>::AllColumns as Expression>::SqlType>();
        (
            stringify!($table).to_string(),
            $crate::schema::parse_diesel_shape(stringify!($table), &sql, types),
        )
    }};
}

/// Pairs the column names of `SELECT "t"."a", "t"."b" FROM "t"` with the members of
/// the tuple type `(diesel::sql_types::Text, diesel::sql_types::Nullable<…>)`.
pub fn parse_diesel_shape(table: &str, sql: &str, types: &str) -> TableShape {
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
    #[diesel(sql_type = Integer)]
    primary_key: i32,
}

fn postgres_family(data_type: &str) -> String {
    match data_type {
        "text" => "Text".into(),
        "integer" => "Integer".into(),
        "bigint" => "BigInt".into(),
        "boolean" => "Bool".into(),
        "timestamp without time zone" => "Timestamp".into(),
        "date" => "Date".into(),
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
        "DATE" => "Date".into(),
        other => format!("unmapped SQLite type {other:?}"),
    }
}

/// Reads every table of the service's schema (PostgreSQL) or file (SQLite) with its
/// columns, from the database's own catalogue.
pub fn introspect(connection: &mut DbConnection) -> Result<BTreeMap<String, TableShape>, DbError> {
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
                    "SELECT name, type AS declared_type, \"notnull\" AS not_null, pk AS primary_key
                     FROM pragma_table_info(?)",
                )
                .bind::<Text, _>(&table.name)
                .load(sqlite)?;
                let shape = columns
                    .into_iter()
                    .map(|column| {
                        // INTEGER PRIMARY KEY is SQLite's rowid: 64 bits, never NULL.
                        let rowid = column.primary_key == 1
                            && column.declared_type.eq_ignore_ascii_case("INTEGER");
                        let shape = ColumnShape {
                            family: if rowid {
                                "BigInt".into()
                            } else {
                                sqlite_family(&column.declared_type)
                            },
                            nullable: column.not_null == 0 && !rowid,
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
pub fn differences(
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
