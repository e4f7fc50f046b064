//! One transaction across the wings: code outside the catalogue (as circulation will be)
//! changes an item's status through `athenaeum_catalogue::desk` and writes a row of its
//! own in the same library transaction; both commit together, and a failure of either
//! rolls back both, the change feed included. On SQLite and PostgreSQL.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, reason = "tests")]

use std::sync::Arc;

use athenaeum_auth::TenantScope;
use athenaeum_catalogue::api::*;
use athenaeum_catalogue::desk::{self, StatusMove};
use athenaeum_catalogue::{CatalogueApi, CatalogueConfig, CatalogueError, CatalogueService};
use athenaeum_db::DbConnection;
use athenaeum_kernel::{ErrorCode, ServiceError, now};
use athenaeum_library::{LibraryDatabase, MIGRATIONS};
use athenaeum_library_db::feed::{self, FeedChange, FeedEntity};
use athenaeum_testkit::{Backend, TestDatabase, TestIssuer, both_backends};
use diesel::RunQueryDsl;
use diesel::connection::SimpleConnection;

/// A library with one item on the shelf, and a desk log table that stands for a wing's
/// own table (circulation's loans).
struct Desk {
    library: LibraryDatabase,
    scope: TenantScope,
    other_scope: TenantScope,
    item_id: String,
    _catalogue: Arc<CatalogueService>,
    _db: TestDatabase,
}

async fn desk(backend: Backend) -> Desk {
    let db = athenaeum_testkit::test_database(backend, &MIGRATIONS).await;
    let library = LibraryDatabase::new(db.database.clone());
    let people = TestIssuer::new();
    let catalogue = Arc::new(CatalogueService::new(
        library.clone(),
        people.verifier(),
        CatalogueConfig::default(),
        &db.databases.data_path(),
    ));
    let north = people.library("north");
    let admin = north.admin.clone();
    let branch = catalogue
        .save_branch(
            &admin,
            SaveBranch {
                id: None,
                code: "main".into(),
                name: "Main".into(),
                address: None,
                opening_hours: None,
            },
        )
        .await
        .unwrap();
    let record = catalogue
        .create_record(
            &admin,
            CreateRecord {
                content: RecordContent::Marc {
                    syntax: MarcSyntax::MarcXml,
                    text: concat!(
                        "<record><leader>00000nam a2200000 a 4500</leader>",
                        "<datafield tag=\"245\" ind1=\"0\" ind2=\"0\">",
                        "<subfield code=\"a\">A desk test</subfield></datafield></record>"
                    )
                    .into(),
                },
            },
        )
        .await
        .unwrap();
    let item = catalogue
        .create_item(
            &admin,
            CreateItem {
                record_id: record.id.clone(),
                item: ItemInput::new("39999000000001", branch.id.clone()),
            },
        )
        .await
        .unwrap();
    let scope = people.caller(&admin).tenant_scope();
    let other_scope = people.caller(&people.library("south").staff).tenant_scope();
    library
        .database()
        .write(|connection: &mut DbConnection| {
            connection.batch_execute(
                "CREATE TABLE desk_log (id TEXT PRIMARY KEY, item_id TEXT NOT NULL)",
            )?;
            Ok::<_, athenaeum_db::DbError>(())
        })
        .await
        .unwrap();
    Desk { library, scope, other_scope, item_id: item.id, _catalogue: catalogue, _db: db }
}

fn log(connection: &mut DbConnection, id: &str, item_id: &str) -> Result<(), CatalogueError> {
    diesel::sql_query(format!("INSERT INTO desk_log (id, item_id) VALUES ('{id}', '{item_id}')"))
        .execute(connection)
        .map_err(|error| CatalogueError::Database(error.into()))?;
    Ok(())
}

fn checkout(at: athenaeum_kernel::Timestamp) -> StatusMove<'static> {
    StatusMove {
        from: ItemStatus::Available,
        to: ItemStatus::OnLoan,
        reason: Some("checked out"),
        at,
    }
}

impl Desk {
    async fn status(&self) -> ItemStatus {
        let scope = self.scope.clone();
        let id = self.item_id.clone();
        self.library
            .read(move |connection| {
                Ok::<_, CatalogueError>(desk::find_item(connection, &scope, &id)?.unwrap().status)
            })
            .await
            .unwrap()
    }

    async fn logged(&self) -> usize {
        self.library
            .read(|connection| {
                #[derive(diesel::QueryableByName)]
                struct Count {
                    #[diesel(sql_type = diesel::sql_types::BigInt)]
                    n: i64,
                }
                let count: Count = diesel::sql_query("SELECT COUNT(*) AS n FROM desk_log")
                    .get_result(connection)?;
                Ok::<_, athenaeum_db::DbError>(usize::try_from(count.n).unwrap())
            })
            .await
            .unwrap()
    }

    async fn status_changes(&self) -> usize {
        let item_id = self.item_id.clone();
        self.library
            .read(move |connection| {
                let events = feed::read_changes(connection, 0, 10_000)?;
                Ok::<_, athenaeum_db::DbError>(
                    events
                        .iter()
                        .filter(|event| {
                            event.entity == FeedEntity::Item
                                && event.entity_id == item_id
                                && event.change == FeedChange::StatusChanged
                        })
                        .count(),
                )
            })
            .await
            .unwrap()
    }
}

both_backends! {
    async fn a_status_change_and_a_wing_s_own_write_commit_together(backend) {
        let desk = desk(backend).await;
        let (scope, item_id) = (desk.scope.clone(), desk.item_id.clone());

        desk.library
            .write(move |transaction| {
                desk::change_item_status(transaction, &scope, &item_id, checkout(now()))?;
                log(transaction, "loan-1", &item_id)
            })
            .await
            .unwrap();

        assert_eq!(desk.status().await, ItemStatus::OnLoan);
        assert_eq!(desk.logged().await, 1);
        assert_eq!(desk.status_changes().await, 1, "the feed tells the index the item is out");
    }

    async fn a_failed_write_of_the_wing_rolls_back_the_status_change_and_its_feed_event(backend) {
        let desk = desk(backend).await;
        let (scope, item_id) = (desk.scope.clone(), desk.item_id.clone());
        let first = item_id.clone();
        desk.library
            .write(move |transaction| log(transaction, "loan-1", &first))
            .await
            .unwrap();

        let outcome = desk
            .library
            .write(move |transaction| {
                desk::change_item_status(transaction, &scope, &item_id, checkout(now()))?;
                // The same key again: the wing's own write fails after the status change.
                log(transaction, "loan-1", &item_id)
            })
            .await;

        assert!(outcome.is_err(), "the duplicate key must fail the transaction");
        assert_eq!(desk.status().await, ItemStatus::Available, "the item stays on the shelf");
        assert_eq!(desk.logged().await, 1);
        assert_eq!(desk.status_changes().await, 0, "no feed event for a change that never was");
    }

    async fn a_refused_status_change_rolls_back_the_wing_s_own_write(backend) {
        let desk = desk(backend).await;
        let (scope, item_id) = (desk.scope.clone(), desk.item_id.clone());

        let outcome = desk
            .library
            .write(move |transaction| {
                log(transaction, "checkin-1", &item_id)?;
                // The desk believes the item is on loan; it is on the shelf.
                let checkin = StatusMove {
                    from: ItemStatus::OnLoan,
                    to: ItemStatus::Available,
                    reason: Some("checked in"),
                    at: now(),
                };
                desk::change_item_status(transaction, &scope, &item_id, checkin)
            })
            .await;

        let refusal = outcome.unwrap_err().into_api("test");
        assert_eq!(refusal.code, ErrorCode::Conflict);
        assert!(refusal.message.contains("39999000000001"), "{refusal:?}");
        assert_eq!(desk.logged().await, 0, "the wing's write went with the refused change");
        assert_eq!(desk.status().await, ItemStatus::Available);
    }

    async fn another_library_s_scope_cannot_change_the_item(backend) {
        let desk = desk(backend).await;
        let (other, item_id) = (desk.other_scope.clone(), desk.item_id.clone());

        let outcome = desk
            .library
            .write(move |transaction| {
                desk::change_item_status(transaction, &other, &item_id, checkout(now()))
            })
            .await;

        assert_eq!(outcome.unwrap_err().into_api("test").code, ErrorCode::NotFound);
        assert_eq!(desk.status().await, ItemStatus::Available);
        assert_eq!(desk.status_changes().await, 0);
    }
}
