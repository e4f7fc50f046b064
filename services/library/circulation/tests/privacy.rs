//! Privacy and isolation: loans anonymised at checkin unless the patron keeps their
//! history, statistics that survive it, and no reach into another library's or another
//! patron's circulation.
#![allow(clippy::unwrap_used, clippy::expect_used, reason = "tests fail loudly")]

mod support;

use async_graphql::ID;
use athenaeum_circulation::api::*;
use athenaeum_kernel::ErrorCode;
use athenaeum_testkit::both_backends;
use chrono::TimeDelta;
use support::*;

fn history(patron: Option<ID>) -> ListLoans {
    ListLoans { patron_id: patron, history: true, after: None, first: 50 }
}

both_backends! {
    async fn a_loan_is_anonymised_at_checkin_unless_the_patron_keeps_their_history(backend) {
        let world = World::start(backend).await;
        let lib = world.furnish(&world.north).await;
        let record = world.record(&world.north, "Emma", "Austen, Jane").await;
        for barcode in ["B1", "B2", "B3"] {
            world.copy(&world.north, &record, barcode, &lib.central, &lib.book).await;
        }
        let walk_in = world.patron(&world.north, "Sam Patel", "P001", &lib.adult, &lib.central).await;
        let (person, reader) = world.online_patron(&world.north, &lib, "Dana Reid").await;
        let card = reader.cards[0].clone();
        let kept = world.api().set_keep_history(&person, SetKeepHistory { keep: true }).await.unwrap();
        assert!(kept.keep_history);

        world.lend(&world.north, "P001", "B1", &lib.central).await;
        world.lend(&world.north, &card, "B2", &lib.central).await;
        world.advance(TimeDelta::days(2));
        world.lend(&world.north, &card, "B3", &lib.central).await;
        world.advance(TimeDelta::days(2));
        for barcode in ["B1", "B2", "B3"] {
            world.take_back(&world.north, barcode, &lib.central).await;
        }

        let sams = world.api().list_loans(&world.north.staff, history(Some(walk_in.id.clone()))).await.unwrap();
        assert!(sams.loans.is_empty(), "Sam did not opt in: nothing links him to what he read");
        let danas = world.api().list_loans(&person, history(None)).await.unwrap();
        let titles: Vec<&str> = danas.loans.iter().map(|loan| loan.item_barcode.as_str()).collect();
        assert_eq!(titles, vec!["B3", "B2"], "Dana's kept history, newest return first");
        // Paging through the history.
        let first_page = world.api().list_loans(&person, ListLoans { first: 1, ..history(None) }).await.unwrap();
        assert!(first_page.has_next_page);
        let second_page = world.api().list_loans(&person, ListLoans { first: 1, after: first_page.end_cursor, ..history(None) }).await.unwrap();
        assert_eq!(second_page.loans[0].item_barcode, "B2");
        // Dana deletes her history; the statistics still count every loan.
        world.api().delete_history(&person, Nothing {}).await.unwrap();
        assert!(world.api().list_loans(&person, history(None)).await.unwrap().loans.is_empty());
        let statistics = world
            .api()
            .loan_statistics(&world.north.staff, LoanStatisticsRequest { from: "2027-03-01".parse().unwrap(), to: "2027-03-31".parse().unwrap() })
            .await
            .unwrap();
        assert_eq!(statistics.total, 3);
        let tenth: Vec<&LoanCount> = statistics.by_day.iter().filter(|count| count.day.to_string() == "2027-03-10").collect();
        assert_eq!(tenth.len(), 1);
        assert_eq!(tenth[0].loans, 2);
        assert_eq!(tenth[0].patron_group_id, lib.adult);
        assert_eq!(tenth[0].branch_id, lib.central);
        assert_eq!(statistics.by_item.len(), 3);
        // Turning keeping off anonymises too.
        world.api().set_keep_history(&person, SetKeepHistory { keep: true }).await.unwrap();
        world.lend(&world.north, &card, "B1", &lib.central).await;
        world.take_back(&world.north, "B1", &lib.central).await;
        assert_eq!(world.api().list_loans(&person, history(None)).await.unwrap().loans.len(), 1);
        world.api().set_keep_history(&person, SetKeepHistory { keep: false }).await.unwrap();
        assert!(world.api().list_loans(&person, history(None)).await.unwrap().loans.is_empty());
    }

    async fn staff_of_one_library_cannot_see_or_change_anything_of_another(backend) {
        let world = World::start(backend).await;
        let north = world.furnish(&world.north).await;
        let south = world.furnish(&world.south).await;
        let record = world.record(&world.north, "Emma", "Austen, Jane").await;
        world.copy(&world.north, &record, "B1", &north.central, &north.book).await;
        let sam = world.patron(&world.north, "Sam Patel", "P001", &north.adult, &north.central).await;
        let loan = world.lend(&world.north, "P001", "B1", &north.central).await;
        let staff = &world.south.staff;
        let api = world.api();

        refused(api.checkout(staff, checkout("P001", "B1", &south.central)).await, ErrorCode::NotFound);
        refused(api.checkout(staff, Checkout { patron_card: None, patron_id: Some(sam.id.clone()), ..checkout("P001", "B1", &south.central) }).await, ErrorCode::NotFound);
        refused(api.checkin(staff, Checkin { item_barcode: "B1".into(), branch_id: south.central.clone() }).await, ErrorCode::NotFound);
        refused(api.checkin(staff, Checkin { item_barcode: "B1".into(), branch_id: north.central.clone() }).await, ErrorCode::Validation);
        refused(api.get_patron(staff, PatronRef { patron_id: Some(sam.id.clone()) }).await, ErrorCode::NotFound);
        assert!(api.find_patrons(staff, FindPatrons { query: "P001".into(), after: None, first: 10 }).await.unwrap().patrons.is_empty());
        assert!(api.find_patrons(staff, FindPatrons { query: "sam".into(), after: None, first: 10 }).await.unwrap().patrons.is_empty());
        refused(api.list_loans(staff, ListLoans { patron_id: Some(sam.id.clone()), history: false, after: None, first: 10 }).await, ErrorCode::NotFound);
        refused(api.renew(staff, Renew { loan_id: loan.id.clone(), override_reason: None }).await, ErrorCode::NotFound);
        refused(api.declare_lost(staff, ByLoan { loan_id: loan.id.clone() }).await, ErrorCode::NotFound);
        refused(api.get_account(staff, PatronRef { patron_id: Some(sam.id.clone()) }).await, ErrorCode::NotFound);
        refused(api.credit_account(staff, Credit { patron_id: sam.id.clone(), kind: CreditKind::Payment, amount: 1, reason: None }).await, ErrorCode::NotFound);
        refused(api.add_block(staff, AddBlock { patron_id: sam.id.clone(), reason: "no".into() }).await, ErrorCode::NotFound);
        refused(api.place_hold(staff, PlaceHold { patron_id: Some(sam.id.clone()), record_id: Some(ID::from(record.clone())), item_barcode: None, pickup_branch_id: south.central.clone(), expires_on: None, override_reason: None }).await, ErrorCode::NotFound);
        refused(api.holds_shelf(staff, ByBranch { branch_id: north.central.clone() }).await, ErrorCode::Validation);
        refused(api.save_patron(&world.south.staff, SavePatron {
            id: Some(sam.id.clone()), version: Some(sam.version), name: "Taken Over".into(), email: None, phone: None, address: None,
            home_branch_id: south.central.clone(), patron_group_id: south.adult.clone(), expires_on: None, staff_note: None, status: None, cards: vec!["X1".into()],
        }).await, ErrorCode::NotFound);
        refused(api.save_loan_rule(&world.south.admin, SaveLoanRule {
            id: None, name: "Theirs".into(), branch_id: Some(north.central.clone()), patron_group_id: None, material_type_id: None, loan_type_id: None, terms: standard_terms(),
        }).await, ErrorCode::Validation);
        // The south library's statistics count none of the north's loans.
        let statistics = api.loan_statistics(staff, LoanStatisticsRequest { from: "2027-03-01".parse().unwrap(), to: "2027-03-31".parse().unwrap() }).await.unwrap();
        assert_eq!(statistics.total, 0);
        // And the north's loan is untouched.
        let still = api.list_loans(&world.north.staff, ListLoans { patron_id: Some(sam.id.clone()), history: false, after: None, first: 10 }).await.unwrap();
        assert_eq!(still.loans.len(), 1);
        assert_eq!(still.loans[0].id, loan.id);
    }

    async fn a_patron_sees_only_their_own_loans_holds_and_fines(backend) {
        let world = World::start(backend).await;
        let lib = world.furnish(&world.north).await;
        let record = world.record(&world.north, "Emma", "Austen, Jane").await;
        world.copy(&world.north, &record, "B1", &lib.central, &lib.book).await;
        world.copy(&world.north, &record, "B2", &lib.central, &lib.book).await;
        let (dana, dana_patron) = world.online_patron(&world.north, &lib, "Dana Reid").await;
        let (eli, eli_patron) = world.online_patron(&world.north, &lib, "Eli Shah").await;
        world.api().save_patron(&world.north.staff, SavePatron {
            id: Some(eli_patron.id.clone()), version: Some(eli_patron.version), name: eli_patron.name.clone(), email: None, phone: None, address: None,
            home_branch_id: lib.central.clone(), patron_group_id: lib.adult.clone(), expires_on: None,
            staff_note: Some("prefers large print".into()), status: None, cards: eli_patron.cards.clone(),
        }).await.unwrap();
        let elis_loan = world.lend(&world.north, &eli_patron.cards[0], "B1", &lib.central).await;
        let elis_hold = world.api().place_hold(&eli, PlaceHold {
            patron_id: None, record_id: Some(ID::from(record.clone())), item_barcode: None,
            pickup_branch_id: lib.central.clone(), expires_on: None, override_reason: None,
        }).await.unwrap();
        // Eli has a copy on loan: the hold is refused with its reason, placed by override.
        assert!(elis_hold.hold.is_none());
        let elis_hold = world.api().place_hold(&world.north.staff, PlaceHold {
            patron_id: Some(eli_patron.id.clone()), record_id: Some(ID::from(record)), item_barcode: None,
            pickup_branch_id: lib.central.clone(), expires_on: None, override_reason: Some("wants a second copy for a reading group".into()),
        }).await.unwrap().hold.unwrap();

        let api = world.api();
        refused(api.list_loans(&dana, ListLoans { patron_id: Some(eli_patron.id.clone()), history: false, after: None, first: 10 }).await, ErrorCode::NotFound);
        refused(api.list_holds(&dana, ListHolds { patron_id: Some(eli_patron.id.clone()) }).await, ErrorCode::NotFound);
        refused(api.get_account(&dana, PatronRef { patron_id: Some(eli_patron.id.clone()) }).await, ErrorCode::NotFound);
        refused(api.get_patron(&dana, PatronRef { patron_id: Some(eli_patron.id.clone()) }).await, ErrorCode::NotFound);
        refused(api.renew(&dana, Renew { loan_id: elis_loan.id.clone(), override_reason: None }).await, ErrorCode::NotFound);
        refused(api.cancel_hold(&dana, ByHold { hold_id: elis_hold.id.clone() }).await, ErrorCode::NotFound);
        refused(api.change_pickup(&dana, ChangePickup { hold_id: elis_hold.id.clone(), pickup_branch_id: lib.east.clone() }).await, ErrorCode::NotFound);
        refused(api.renew_all(&dana, PatronRef { patron_id: Some(eli_patron.id.clone()) }).await, ErrorCode::NotFound);
        refused(api.find_patrons(&dana, FindPatrons { query: "Eli".into(), after: None, first: 10 }).await, ErrorCode::Forbidden);
        refused(api.credit_account(&dana, Credit { patron_id: dana_patron.id.clone(), kind: CreditKind::Waiver, amount: 1, reason: Some("mine".into()) }).await, ErrorCode::Forbidden);
        assert!(api.list_loans(&dana, ListLoans { patron_id: None, history: false, after: None, first: 10 }).await.unwrap().loans.is_empty());
        // Eli sees his own, without the staff note.
        let own = api.get_patron(&eli, PatronRef::default()).await.unwrap();
        assert_eq!(own.staff_note, None);
        let mine = api.list_loans(&eli, ListLoans { patron_id: None, history: false, after: None, first: 10 }).await.unwrap();
        assert_eq!(mine.loans[0].id, elis_loan.id);
        let renewed = api.renew(&eli, Renew { loan_id: elis_loan.id.clone(), override_reason: None }).await.unwrap();
        assert!(renewed.renewed, "his own hold is not someone else waiting: {:?}", renewed.decision.reasons);
        refused(api.renew(&eli, Renew { loan_id: elis_loan.id, override_reason: Some("please".into()) }).await, ErrorCode::Validation);
    }
}
