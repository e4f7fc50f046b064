//! Holds: the queue, renewal refused while others wait, checkin routing to the holds
//! shelf or another branch, uncollected holds passing the copy on, the pull list.
#![allow(clippy::unwrap_used, clippy::expect_used, reason = "tests fail loudly")]

mod support;

use async_graphql::ID;
use athenaeum_catalogue::api::{GetItem, ItemStatus};
use athenaeum_circulation::api::*;
use athenaeum_kernel::ErrorCode;
use athenaeum_testkit::both_backends;
use chrono::TimeDelta;
use support::*;

/// A library with one title, one copy at Central, and three patrons: Sam (who borrows
/// it), Alex Jones and Beth Okafor (who will wait for it).
struct Scene {
    world: World,
    lib: Furnished,
    record: String,
    sam: Patron,
    alex: Patron,
    beth: Patron,
}

async fn scene(backend: athenaeum_testkit::Backend) -> Scene {
    let world = World::start(backend).await;
    let lib = world.furnish(&world.north).await;
    let record = world.record(&world.north, "Small Island", "Levy, Andrea").await;
    world.copy(&world.north, &record, "B1", &lib.central, &lib.book).await;
    let sam = world.patron(&world.north, "Sam Patel", "P001", &lib.adult, &lib.central).await;
    let alex = world.patron(&world.north, "Alex Jones", "P002", &lib.adult, &lib.central).await;
    let beth = world.patron(&world.north, "Beth Okafor", "P003", &lib.adult, &lib.east).await;
    Scene { world, lib, record, sam, alex, beth }
}

async fn hold_for(world: &World, patron: &Patron, record: &str, pickup: &ID) -> Hold {
    let placed = world
        .api()
        .place_hold(
            &world.north.staff,
            PlaceHold {
                patron_id: Some(patron.id.clone()),
                record_id: Some(ID::from(record)),
                item_barcode: None,
                pickup_branch_id: pickup.clone(),
                expires_on: None,
                override_reason: None,
            },
        )
        .await
        .unwrap();
    placed.hold.unwrap_or_else(|| panic!("hold refused: {:?}", placed.decision.reasons))
}

async fn status_of(world: &World, barcode: &str) -> ItemStatus {
    world
        .books()
        .get_item(
            &world.north.staff,
            GetItem { public_tenant_id: None, id: None, barcode: Some(barcode.into()) },
        )
        .await
        .unwrap()
        .status
}

both_backends! {
    async fn renewal_is_refused_while_others_wait_and_allowed_once_they_stop(backend) {
        let Scene { world, lib, record, sam, alex, .. } = scene(backend).await;
        world.default_terms(&world.north, LoanTerms { renewals_allowed: 1, ..standard_terms() }).await;
        let loan = world.lend(&world.north, "P001", "B1", &lib.central).await;
        let hold = hold_for(&world, &alex, &record, &lib.central).await;
        assert_eq!(hold.position, Some(1));

        let refused_renewal = world.api().renew(&world.north.staff, Renew { loan_id: loan.id.clone(), override_reason: None }).await.unwrap();

        assert!(!refused_renewal.renewed);
        assert_eq!(messages(&refused_renewal.decision), vec!["1 other patron is waiting for item B1, so it cannot be renewed"]);
        assert_eq!(refused_renewal.loan.due_at, loan.due_at);
        world.api().cancel_hold(&world.north.staff, ByHold { hold_id: hold.id.clone() }).await.unwrap();
        world.advance(TimeDelta::days(10));
        let renewed = world.api().renew(&world.north.staff, Renew { loan_id: loan.id.clone(), override_reason: None }).await.unwrap();
        assert!(renewed.renewed, "{:?}", renewed.decision.reasons);
        assert_eq!(renewed.loan.renewals, 1);
        assert_eq!(renewed.loan.due_at.naive_utc(), at("2027-04-10 22:59"), "21 days from 20 March");
        let again = world.api().renew(&world.north.staff, Renew { loan_id: loan.id.clone(), override_reason: None }).await.unwrap();
        assert_eq!(messages(&again.decision), vec!["item B1 has been renewed 1 time; the limit for Adult is 1"]);
        // Sam's own loans list shows what is left; a renew-all says why each failed.
        let all = world.api().renew_all(&world.north.staff, PatronRef { patron_id: Some(sam.id.clone()) }).await.unwrap();
        assert_eq!(all.renewed, 0);
        assert_eq!(all.results.len(), 1);
    }

    async fn a_returned_copy_goes_to_the_holds_shelf_here_or_in_transit_to_the_pickup_branch(backend) {
        let Scene { world, lib, record, alex, beth, .. } = scene(backend).await;
        world.lend(&world.north, "P001", "B1", &lib.central).await;
        hold_for(&world, &alex, &record, &lib.central).await;
        world.advance(TimeDelta::minutes(1));
        let beths = hold_for(&world, &beth, &record, &lib.east).await;
        assert_eq!(beths.position, Some(2));

        let first = world.take_back(&world.north, "B1", &lib.central).await;

        assert_eq!(first.routing.kind, RouteKind::HoldShelf);
        assert_eq!(first.routing.instruction, "Hold shelf: for A. Jones, until 17 March");
        assert_eq!(status_of(&world, "B1").await, ItemStatus::OnHoldShelf);
        let shelf = world.api().holds_shelf(&world.north.staff, ByBranch { branch_id: lib.central.clone() }).await.unwrap();
        assert_eq!(shelf.holds.len(), 1);
        assert_eq!(shelf.holds[0].patron_shelf_name, "A. Jones");
        assert_eq!(shelf.holds[0].item_barcode.as_deref(), Some("B1"));
        // Beth is now first in the queue.
        let beths_now = world.api().list_holds(&world.north.staff, ListHolds { patron_id: Some(beth.id.clone()) }).await.unwrap();
        assert_eq!(beths_now.holds[0].position, Some(1));
        // Someone else cannot borrow the copy held for Alex.
        let taken = world.api().checkout(&world.north.staff, checkout("P003", "B1", &lib.central)).await.unwrap();
        assert_eq!(taken.decision.reasons[0].code, ReasonCode::HeldForAnotherPatron);
        assert!(!taken.decision.overridable);
        // Alex collects: the hold is fulfilled.
        let collected = world.api().checkout(&world.north.staff, checkout("P002", "B1", &lib.central)).await.unwrap();
        assert!(collected.filled_hold);
        assert!(world.api().list_holds(&world.north.staff, ListHolds { patron_id: Some(alex.id.clone()) }).await.unwrap().holds.is_empty());

        let second = world.take_back(&world.north, "B1", &lib.central).await;

        assert_eq!(second.routing.kind, RouteKind::Transit);
        assert_eq!(second.routing.instruction, "Send to East Library: a patron is waiting for it there");
        assert_eq!(status_of(&world, "B1").await, ItemStatus::InTransit);
        let incoming = world.api().transits(&world.north.staff, ByBranch { branch_id: lib.east.clone() }).await.unwrap().incoming;
        assert_eq!(incoming.len(), 1);
        assert_eq!(incoming[0].item_barcode, "B1");
        // Beth cannot change the pickup branch while the copy travels.
        refused(world.api().change_pickup(&world.north.staff, ChangePickup { hold_id: beths.id.clone(), pickup_branch_id: lib.central.clone() }).await, ErrorCode::Conflict);

        let arrived = world.take_back(&world.north, "B1", &lib.east).await;

        assert_eq!(arrived.routing.kind, RouteKind::HoldShelf);
        assert_eq!(arrived.routing.instruction, "Hold shelf: for B. Okafor, until 17 March");
        assert!(world.api().transits(&world.north.staff, ByBranch { branch_id: lib.east.clone() }).await.unwrap().incoming.is_empty());
    }

    async fn an_uncollected_hold_expires_and_passes_the_copy_to_the_next_patron(backend) {
        let Scene { world, lib, record, alex, beth, .. } = scene(backend).await;
        let alexs = hold_for(&world, &alex, &record, &lib.central).await;
        world.advance(TimeDelta::minutes(1));
        let beths = hold_for(&world, &beth, &record, &lib.central).await;
        // The copy is on the shelf: the pull list says to fetch it for Alex.
        let pull = world.api().pull_list(&world.north.staff, ByBranch { branch_id: lib.central.clone() }).await.unwrap();
        assert_eq!(pull.entries.len(), 1);
        assert_eq!(pull.entries[0].item_barcode, "B1");
        assert_eq!(pull.entries[0].hold_id, alexs.id);
        let shelved = world.take_back(&world.north, "B1", &lib.central).await;
        assert_eq!(shelved.routing.hold_id, Some(alexs.id.clone()));
        assert!(world.api().pull_list(&world.north.staff, ByBranch { branch_id: lib.central.clone() }).await.unwrap().entries.is_empty());

        // Alex does not come within the seven days.
        world.set_time(at("2027-03-18 09:00"));
        let round = world.api().expire_holds(&world.north.staff, Nothing {}).await.unwrap();

        assert_eq!(round.uncollected_expired, 1);
        let alex_now = world.api().list_holds(&world.north.staff, ListHolds { patron_id: Some(alex.id.clone()) }).await.unwrap();
        assert!(alex_now.holds.is_empty(), "Alex's hold is over");
        let beth_now = world.api().list_holds(&world.north.staff, ListHolds { patron_id: Some(beth.id.clone()) }).await.unwrap();
        assert_eq!(beth_now.holds[0].id, beths.id);
        assert_eq!(beth_now.holds[0].status, HoldStatus::Ready);
        assert_eq!(beth_now.holds[0].item_barcode.as_deref(), Some("B1"));
        assert_eq!(status_of(&world, "B1").await, ItemStatus::OnHoldShelf);
        assert_eq!(world.api().expire_holds(&world.north.staff, Nothing {}).await.unwrap().uncollected_expired, 0, "nothing left to expire");
    }

    async fn a_hold_on_a_title_is_filled_by_another_edition_of_the_same_work(backend) {
        let world = World::start(backend).await;
        let lib = world.furnish(&world.north).await;
        let first = world.record(&world.north, "Small Island", "Levy, Andrea").await;
        let second = world.record(&world.north, "Small Island", "Levy, Andrea").await;
        let mut works = Vec::new();
        for id in [&first, &second] {
            let record = world.books().get_record(&world.north.staff, athenaeum_catalogue::api::GetRecord { public_tenant_id: None, id: id.clone() }).await.unwrap();
            works.push(record.work_key);
        }
        assert!(works[0].is_some());
        assert_eq!(works[0], works[1], "two editions of one work");
        world.copy(&world.north, &second, "E2", &lib.central, &lib.book).await;
        let sam = world.patron(&world.north, "Sam Patel", "P001", &lib.adult, &lib.central).await;
        world.patron(&world.north, "Alex Jones", "P002", &lib.adult, &lib.central).await;
        world.lend(&world.north, "P002", "E2", &lib.central).await;
        hold_for(&world, &sam, &first, &lib.central).await;

        let back = world.take_back(&world.north, "E2", &lib.central).await;

        assert_eq!(back.routing.instruction, "Hold shelf: for S. Patel, until 17 March");
    }

    async fn hold_refusals_give_their_reasons(backend) {
        let Scene { world, lib, record, sam, .. } = scene(backend).await;
        world.default_terms(&world.north, LoanTerms { max_holds: Some(1), ..standard_terms() }).await;
        let empty = world.record(&world.north, "No Copies Here", "Nobody, A.").await;
        let other = world.record(&world.north, "White Teeth", "Smith, Zadie").await;
        world.copy(&world.north, &other, "W1", &lib.central, &lib.book).await;
        world.lend(&world.north, "P001", "B1", &lib.central).await;

        let place = |record: String| PlaceHold {
            patron_id: Some(sam.id.clone()), record_id: Some(ID::from(record)), item_barcode: None,
            pickup_branch_id: lib.central.clone(), expires_on: None, override_reason: None,
        };
        let on_loan = world.api().place_hold(&world.north.staff, place(record.clone())).await.unwrap();
        let no_copies = world.api().place_hold(&world.north.staff, place(empty)).await.unwrap();
        world.api().place_hold(&world.north.staff, place(other.clone())).await.unwrap().hold.unwrap();
        let twice = world.api().place_hold(&world.north.staff, place(other)).await.unwrap();

        assert_eq!(messages(&on_loan.decision), vec!["Sam Patel has a copy of “Small Island” on loan now"]);
        assert_eq!(messages(&no_copies.decision), vec!["the library has no copy of “No Copies Here” that a hold could be filled with"]);
        assert_eq!(
            messages(&twice.decision),
            vec!["Sam Patel already has a hold on “White Teeth”".to_string(), "Sam Patel has 1 hold; the limit for Adult is 1".to_string()]
        );
        assert!(!twice.decision.overridable, "a second hold on the same title cannot be forced");
    }

    async fn a_patron_places_cancels_and_moves_their_own_holds(backend) {
        let Scene { world, lib, record, .. } = scene(backend).await;
        let (person, me) = world.online_patron(&world.north, &lib, "Dana Reid").await;

        let placed = world.api().place_hold(&person, PlaceHold {
            patron_id: None, record_id: Some(ID::from(record.clone())), item_barcode: None,
            pickup_branch_id: lib.central.clone(), expires_on: Some("2027-04-30".parse().unwrap()), override_reason: None,
        }).await.unwrap().hold.unwrap();
        assert_eq!(placed.patron_id, me.id);
        let moved = world.api().change_pickup(&person, ChangePickup { hold_id: placed.id.clone(), pickup_branch_id: lib.east.clone() }).await.unwrap();
        assert_eq!(moved.pickup_branch_id, lib.east);
        // A patron cannot override, nor place holds for someone else.
        refused(world.api().place_hold(&person, PlaceHold {
            patron_id: None, record_id: Some(ID::from(record.clone())), item_barcode: None,
            pickup_branch_id: lib.central.clone(), expires_on: None, override_reason: Some("please".into()),
        }).await, ErrorCode::Validation);
        let cancelled = world.api().cancel_hold(&person, ByHold { hold_id: placed.id.clone() }).await.unwrap();
        assert_eq!(cancelled.status, HoldStatus::Cancelled);
        assert_eq!(cancelled.closed_reason.as_deref(), Some("cancelled by the patron"));
        // An unfilled hold past the date it was wanted by expires.
        let again = world.api().place_hold(&person, PlaceHold {
            patron_id: None, record_id: Some(ID::from(record)), item_barcode: None,
            pickup_branch_id: lib.central.clone(), expires_on: Some("2027-03-20".parse().unwrap()), override_reason: None,
        }).await.unwrap().hold.unwrap();
        world.set_time(at("2027-03-21 08:00"));
        assert_eq!(world.api().expire_holds(&world.north.staff, Nothing {}).await.unwrap().unfilled_expired, 1);
        assert!(world.api().list_holds(&person, ListHolds { patron_id: None }).await.unwrap().holds.iter().all(|hold| hold.id != again.id));
    }
}
