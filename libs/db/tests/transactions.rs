//! Write transactions on both backends: concurrent writers serialise instead of failing,
//! and a failed unit of work leaves nothing behind.
#![allow(clippy::unwrap_used, clippy::expect_used, reason = "tests fail loudly")]

use athenaeum_db::diesel::prelude::*;
use athenaeum_db::diesel_migrations::embed_migrations;
use athenaeum_db::{DbError, ServiceMigrations};
use athenaeum_testkit::{both_backends, test_database};

static MIGRATIONS: ServiceMigrations = ServiceMigrations {
    service: "dbtest",
    postgres: embed_migrations!("tests/migrations/postgres"),
    sqlite: embed_migrations!("tests/migrations/sqlite"),
};

diesel::table! {
    counters (name) {
        name -> Text,
        value -> BigInt,
    }
}

#[derive(QueryableByName)]
struct Locked {
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    value: i64,
}

#[derive(Debug, thiserror::Error)]
enum Failure {
    #[error(transparent)]
    Db(#[from] DbError),
    #[error("refused on purpose")]
    OnPurpose,
}

impl From<diesel::result::Error> for Failure {
    fn from(error: diesel::result::Error) -> Self {
        Failure::Db(DbError::Query(error))
    }
}

both_backends! {
    async fn concurrent_read_modify_write_transactions_lose_no_update(backend) {
        let test = test_database(backend, &MIGRATIONS).await;
        let database = test.database.clone();
        database
            .write(|connection| {
                diesel::insert_into(counters::table).values((counters::name.eq("loans"), counters::value.eq(0_i64))).execute(connection)?;
                Ok::<_, Failure>(())
            })
            .await
            .unwrap();
        let mut writers = Vec::new();
        for _ in 0..4 {
            let database = database.clone();
            writers.push(tokio::spawn(async move {
                for _ in 0..25 {
                    database
                        .write(|connection| {
                            // Read, then write: on SQLite a deferred transaction would fail
                            // here with "database is locked" when two writers interleave.
                            let value: i64 = counters::table.find("loans").select(counters::value).first(connection)?;
                            let value = if connection.backend() == athenaeum_db::Backend::Postgres {
                                // PostgreSQL runs READ COMMITTED: a read that a later write
                                // depends on takes the row lock.
                                diesel::sql_query("SELECT value FROM counters WHERE name = 'loans' FOR UPDATE")
                                    .get_result::<Locked>(connection)?
                                    .value
                            } else {
                                value
                            };
                            diesel::update(counters::table.find("loans")).set(counters::value.eq(value + 1)).execute(connection)?;
                            Ok::<_, Failure>(())
                        })
                        .await
                        .unwrap();
                }
            }));
        }
        for writer in writers {
            writer.await.unwrap();
        }
        let total: i64 = database
            .read(|connection| Ok::<_, Failure>(counters::table.find("loans").select(counters::value).first(connection)?))
            .await
            .unwrap();
        assert_eq!(total, 100);
    }

    async fn a_unit_of_work_that_fails_leaves_nothing_behind(backend) {
        let test = test_database(backend, &MIGRATIONS).await;
        let outcome = test
            .database
            .write(|connection| {
                diesel::insert_into(counters::table).values((counters::name.eq("holds"), counters::value.eq(1_i64))).execute(connection)?;
                Err::<(), _>(Failure::OnPurpose)
            })
            .await;
        assert!(matches!(outcome, Err(Failure::OnPurpose)));
        let rows: i64 = test.database.read(|connection| Ok::<_, Failure>(counters::table.count().get_result(connection)?)).await.unwrap();
        assert_eq!(rows, 0, "the insert of a failed transaction must be rolled back");
        // The connection went back to the pool in a usable state.
        test.database
            .write(|connection| {
                diesel::insert_into(counters::table).values((counters::name.eq("holds"), counters::value.eq(2_i64))).execute(connection)?;
                Ok::<_, Failure>(())
            })
            .await
            .unwrap();
    }

    async fn a_fresh_database_reports_ready_and_a_duplicate_key_is_a_conflict(backend) {
        let test = test_database(backend, &MIGRATIONS).await;
        assert_eq!(test.database.readiness().await, Ok(()));
        let insert = |value: i64| {
            let database = test.database.clone();
            async move {
                database
                    .write(move |connection| {
                        diesel::insert_into(counters::table).values((counters::name.eq("fines"), counters::value.eq(value))).execute(connection)?;
                        Ok::<_, Failure>(())
                    })
                    .await
            }
        };
        insert(1).await.unwrap();
        match insert(2).await {
            Err(Failure::Db(error)) => {
                assert!(error.is_unique_violation(), "{error}");
                assert_eq!(error.code(), athenaeum_kernel::ErrorCode::Conflict);
            }
            other => panic!("expected a unique violation, got {other:?}"),
        }
    }
}

#[test]
fn sqlite_connections_are_tuned_for_durability() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    runtime.block_on(async {
        let test = test_database(athenaeum_db::Backend::Sqlite, &MIGRATIONS).await;
        #[derive(QueryableByName)]
        struct Setting {
            #[diesel(sql_type = diesel::sql_types::Text)]
            value: String,
        }
        let settings = test
            .database
            .read(|connection| {
                let mut read = |pragma: &str| -> Result<String, Failure> {
                    Ok(diesel::sql_query(format!("SELECT CAST(({pragma}) AS TEXT) AS value"))
                        .get_result::<Setting>(connection)?
                        .value)
                };
                Ok::<_, Failure>((
                    read("SELECT journal_mode FROM pragma_journal_mode")?,
                    read("SELECT synchronous FROM pragma_synchronous")?,
                    read("SELECT foreign_keys FROM pragma_foreign_keys")?,
                    read("SELECT timeout FROM pragma_busy_timeout")?,
                ))
            })
            .await
            .unwrap();
        assert_eq!(
            settings,
            ("wal".to_string(), "2".to_string(), "1".to_string(), "5000".to_string())
        );
    });
}
