//! Many desks at once: the same copies lent from many concurrent clients end with exactly
//! one open loan per copy, every loser told why; a waiting hold is filled once.
#![allow(clippy::unwrap_used, clippy::expect_used, reason = "tests fail loudly")]

mod support;

use std::collections::BTreeSet;
use std::sync::Arc;

use async_graphql::ID;
use athenaeum_catalogue::api::{GetItem, ItemStatus};
use athenaeum_circulation::api::*;
use athenaeum_kernel::ErrorCode;
use athenaeum_testkit::both_backends;
use support::*;

const COPIES: usize = 8;
const PATRONS: usize = 12;
const CLIENTS: usize = 24;

both_backends! {
    async fn copies_hammered_from_many_desks_end_with_exactly_one_open_loan_each(backend) {
        let world = Arc::new(World::start(backend).await);
        let lib = world.furnish(&world.north).await;
        world.default_terms(&world.north, LoanTerms { max_loans: None, ..standard_terms() }).await;
        let record = world.record(&world.north, "Emma", "Austen, Jane").await;
        let mut barcodes = Vec::new();
        for copy in 0..COPIES {
            barcodes.push(world.copy(&world.north, &record, &format!("H{copy:03}"), &lib.central, &lib.book).await);
        }
        let mut patrons = Vec::new();
        for patron in 0..PATRONS {
            patrons.push(world.patron(&world.north, &format!("Reader {patron}"), &format!("R{patron:03}"), &lib.adult, &lib.central).await);
        }

        let mut desks = Vec::new();
        for client in 0..CLIENTS {
            let world = Arc::clone(&world);
            let branch = lib.central.clone();
            let barcodes = barcodes.clone();
            let card = format!("R{:03}", client % PATRONS);
            desks.push(tokio::spawn(async move {
                let mut outcomes = Vec::new();
                for turn in 0..COPIES {
                    let barcode = &barcodes[(client + turn) % COPIES];
                    outcomes.push(world.api().checkout(&world.north.staff, checkout(&card, barcode, &branch)).await);
                }
                outcomes
            }));
        }
        let mut lent = Vec::new();
        let mut refusals = 0;
        let mut conflicts = 0;
        for desk in desks {
            for outcome in desk.await.unwrap() {
                match outcome {
                    Ok(CheckoutResult { loan: Some(loan), .. }) => lent.push(loan),
                    Ok(refused) => {
                        assert!(!refused.decision.reasons.is_empty());
                        refusals += 1;
                    }
                    Err(error) => {
                        assert_eq!(error.code, ErrorCode::Conflict, "a loser is told why: {error:?}");
                        assert!(error.message.contains("another desk") || error.message.contains("on loan already"), "{}", error.message);
                        conflicts += 1;
                    }
                }
            }
        }

        assert_eq!(lent.len(), COPIES, "each copy was lent exactly once ({refusals} refusals, {conflicts} conflicts)");
        let copies: BTreeSet<&str> = lent.iter().map(|loan| loan.item_barcode.as_str()).collect();
        assert_eq!(copies.len(), COPIES);
        assert_eq!(refusals + conflicts + COPIES, CLIENTS * COPIES);
        let mut open = 0;
        for patron in &patrons {
            open += world.api().list_loans(&world.north.staff, ListLoans { patron_id: Some(patron.id.clone()), history: false, after: None, first: 100 }).await.unwrap().loans.len();
        }
        assert_eq!(open, COPIES, "the database holds one open loan per copy");
        for barcode in &barcodes {
            let item = world.books().get_item(&world.north.staff, GetItem { public_tenant_id: None, id: None, barcode: Some(barcode.clone()) }).await.unwrap();
            assert_eq!(item.status, ItemStatus::OnLoan);
        }
        // Returned from two desks at once, each copy is taken back once.
        let returns: Vec<_> = barcodes
            .iter()
            .flat_map(|barcode| [barcode.clone(), barcode.clone()])
            .map(|barcode| {
                let world = Arc::clone(&world);
                let branch = lib.central.clone();
                tokio::spawn(async move { world.api().checkin(&world.north.staff, Checkin { item_barcode: barcode, branch_id: branch }).await })
            })
            .collect();
        let mut closed = 0;
        for checkin in returns {
            if let Ok(result) = checkin.await.unwrap()
                && result.loan.is_some()
            {
                closed += 1;
            }
        }
        assert_eq!(closed, COPIES);
    }

    async fn two_copies_returned_at_once_fill_one_waiting_hold_once(backend) {
        let world = Arc::new(World::start(backend).await);
        let lib = world.furnish(&world.north).await;
        let record = world.record(&world.north, "Emma", "Austen, Jane").await;
        world.copy(&world.north, &record, "B1", &lib.central, &lib.book).await;
        world.copy(&world.north, &record, "B2", &lib.central, &lib.book).await;
        world.patron(&world.north, "Sam Patel", "P001", &lib.adult, &lib.central).await;
        let alex = world.patron(&world.north, "Alex Jones", "P002", &lib.adult, &lib.central).await;
        world.lend(&world.north, "P001", "B1", &lib.central).await;
        world.lend(&world.north, "P001", "B2", &lib.central).await;
        world.api().place_hold(&world.north.staff, PlaceHold {
            patron_id: Some(alex.id.clone()), record_id: Some(ID::from(record)), item_barcode: None,
            pickup_branch_id: lib.central.clone(), expires_on: None, override_reason: None,
        }).await.unwrap().hold.unwrap();

        let returns: Vec<_> = ["B1", "B2"]
            .into_iter()
            .map(|barcode| {
                let world = Arc::clone(&world);
                let branch = lib.central.clone();
                tokio::spawn(async move { world.take_back(&world.north, barcode, &branch).await })
            })
            .collect();
        let mut kinds = Vec::new();
        for checkin in returns {
            kinds.push(checkin.await.unwrap().routing.kind);
        }
        kinds.sort_by_key(|kind| format!("{kind:?}"));

        assert_eq!(kinds, vec![RouteKind::HoldShelf, RouteKind::Shelf]);
        let shelf = world.api().holds_shelf(&world.north.staff, ByBranch { branch_id: lib.central.clone() }).await.unwrap();
        assert_eq!(shelf.holds.len(), 1);
    }

    async fn the_database_itself_refuses_a_second_open_loan_of_a_copy(backend) {
        let world = World::start(backend).await;
        let lib = world.furnish(&world.north).await;
        let record = world.record(&world.north, "Emma", "Austen, Jane").await;
        world.copy(&world.north, &record, "B1", &lib.central, &lib.book).await;
        world.patron(&world.north, "Sam Patel", "P001", &lib.adult, &lib.central).await;
        let loan = world.lend(&world.north, "P001", "B1", &lib.central).await;
        let scope = world.people.operator_scope(&world.north.tenant_id);
        let library = athenaeum_library_db::LibraryDatabase::new(world.db.database.clone());

        let second = library
            .write(move |transaction| {
                let mut row = athenaeum_circulation::store::find_loan(transaction, &scope, &loan.id)?.unwrap();
                row.id = athenaeum_kernel::new_id();
                athenaeum_circulation::store::insert_loan(transaction, &scope, &row)
            })
            .await;

        assert!(second.unwrap_err().is_unique_violation(), "loans_one_open_per_item holds even if the code forgot");
    }
}
