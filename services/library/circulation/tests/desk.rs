//! The desk: lending and taking back, due dates against calendars and daylight saving,
//! loan limits with their reasons and overrides, overdue fines and lost items.
#![allow(clippy::unwrap_used, clippy::expect_used, reason = "tests fail loudly")]

mod support;

use athenaeum_catalogue::api::{GetItem, ItemStatus};
use athenaeum_circulation::api::*;
use athenaeum_kernel::ErrorCode;
use athenaeum_testkit::both_backends;
use chrono::TimeDelta;
use support::*;

both_backends! {
    async fn a_checkout_lends_the_copy_until_the_end_of_its_due_day_and_a_checkin_shelves_it(backend) {
        let world = World::start(backend).await;
        let lib = world.furnish(&world.north).await;
        let hobbit = world.record(&world.north, "The Hobbit", "Tolkien, J. R. R.").await;
        let copy = world.copy(&world.north, &hobbit, "3999900000001", &lib.central, &lib.book).await;
        world.patron(&world.north, "Sam Patel", "P001", &lib.adult, &lib.central).await;

        let loan = world.lend(&world.north, "P001", &copy, &lib.central).await;

        // 21 days from Wednesday 10 March is 31 March, after the clocks went forward on
        // 28 March: 23:59 British Summer Time is 22:59 UTC.
        assert_eq!(loan.due_at.naive_utc(), at("2027-03-31 22:59"));
        assert_eq!(loan.title.as_deref(), Some("The Hobbit"));
        assert_eq!(loan.renewals_left, 2);
        let item = world.books().get_item(&world.north.staff, GetItem { public_tenant_id: None, id: None, barcode: Some(copy.clone()) }).await.unwrap();
        assert_eq!(item.status, ItemStatus::OnLoan);
        let refused_again = world.api().checkout(&world.north.staff, checkout("P001", &copy, &lib.central)).await.unwrap();
        assert!(refused_again.loan.is_none());
        assert_eq!(messages(&refused_again.decision), vec!["Sam Patel already has item 3999900000001 on loan; renew it instead"]);

        world.advance(TimeDelta::days(3));
        let back = world.take_back(&world.north, &copy, &lib.central).await;

        assert_eq!(back.routing.kind, RouteKind::Shelf);
        assert_eq!(back.routing.instruction, "Back to the shelf at F 3999900000001");
        assert_eq!(back.fine, 0);
        assert!(back.loan.unwrap().returned_at.is_some());
        let item = world.books().get_item(&world.north.staff, GetItem { public_tenant_id: None, id: None, barcode: Some(copy) }).await.unwrap();
        assert_eq!(item.status, ItemStatus::Available);
    }

    async fn a_due_date_on_a_closed_day_moves_to_the_next_open_day_and_says_why(backend) {
        let world = World::start(backend).await;
        let lib = world.furnish(&world.north).await;
        let day = |weekday, opens: &str, closes: &str| OpeningDay { weekday, opens: opens.into(), closes: closes.into() };
        let calendar = world
            .api()
            .save_calendar(&world.north.admin, SaveCalendar {
                branch_id: lib.central.clone(),
                weekly_hours: Some(vec![
                    day(Weekday::Monday, "09:00", "17:00"),
                    day(Weekday::Tuesday, "09:00", "17:00"),
                    day(Weekday::Wednesday, "09:00", "17:00"),
                    day(Weekday::Thursday, "09:00", "17:00"),
                    day(Weekday::Friday, "09:00", "17:00"),
                    day(Weekday::Saturday, "10:00", "13:00"),
                ]),
                closed_dates: vec![ClosedDate { date: "2027-03-31".parse().unwrap(), name: "Staff training".into() }],
            })
            .await
            .unwrap();
        assert!(calendar.warnings.is_empty());
        let east = world.api().get_calendar(&world.north.staff, ByBranch { branch_id: lib.east.clone() }).await.unwrap();
        assert!(east.warnings[0].contains("East Library has no weekly opening hours"), "{:?}", east.warnings);
        let record = world.record(&world.north, "Middlemarch", "Eliot, George").await;
        let copy = world.copy(&world.north, &record, "B1", &lib.central, &lib.book).await;
        world.patron(&world.north, "Sam Patel", "P001", &lib.adult, &lib.central).await;

        let check = world.api().check(&world.north.staff, CirculationCheck {
            patron_card: Some("P001".into()), patron_id: None, item_barcode: copy.clone(),
            action: CirculationAction::Checkout, branch_id: lib.central.clone(),
        }).await.unwrap();
        let loan = world.lend(&world.north, "P001", &copy, &lib.central).await;

        // 31 March is closed for training: due the next open day, Thursday 1 April, at
        // 23:59 BST.
        assert_eq!(loan.due_at.naive_utc(), at("2027-04-01 22:59"));
        assert!(check.allowed);
        assert_eq!(check.due_at, Some(loan.due_at));
        assert_eq!(check.due_note.as_deref(), Some("Central Library is closed on Wednesday 31 March, so the loan is due on the next day it is open"));
        // A Sunday (closed every week) moves too: 18 days from Wednesday is Sunday 28 March.
        world.default_terms(&world.north, LoanTerms { loan_days: Some(18), ..standard_terms() }).await;
        let second = world.copy(&world.north, &record, "B2", &lib.central, &lib.book).await;
        let loan = world.lend(&world.north, "P001", &second, &lib.central).await;
        assert_eq!(loan.due_at.naive_utc(), at("2027-03-29 22:59"), "Monday 29 March, in summer time");
    }

    async fn an_hourly_loan_ends_at_closing_time(backend) {
        let world = World::start(backend).await;
        let lib = world.furnish(&world.north).await;
        let day = |weekday| OpeningDay { weekday, opens: "09:00".into(), closes: "17:00".into() };
        world.api().save_calendar(&world.north.admin, SaveCalendar {
            branch_id: lib.central.clone(),
            weekly_hours: Some(vec![day(Weekday::Wednesday), day(Weekday::Thursday)]),
            closed_dates: Vec::new(),
        }).await.unwrap();
        world.api().save_loan_rule(&world.north.admin, SaveLoanRule {
            id: None, name: "Short-loan DVDs".into(), branch_id: None, patron_group_id: None,
            material_type_id: Some(lib.dvd.clone()), loan_type_id: None,
            terms: LoanTerms { loan_days: None, loan_hours: Some(4), ..standard_terms() },
        }).await.unwrap();
        let record = world.record(&world.north, "Metropolis", "Lang, Fritz").await;
        let dvd = world.copy(&world.north, &record, "D1", &lib.central, &lib.dvd).await;
        let dvd2 = world.copy(&world.north, &record, "D2", &lib.central, &lib.dvd).await;
        world.patron(&world.north, "Sam Patel", "P001", &lib.adult, &lib.central).await;

        world.set_time(at("2027-03-10 11:00"));
        let morning = world.lend(&world.north, "P001", &dvd, &lib.central).await;
        world.set_time(at("2027-03-10 15:00"));
        let afternoon = world.lend(&world.north, "P001", &dvd2, &lib.central).await;

        assert_eq!(morning.due_at.naive_utc(), at("2027-03-10 15:00"), "four hours");
        assert_eq!(afternoon.due_at.naive_utc(), at("2027-03-10 17:00"), "cut at closing time (GMT in March)");
    }

    async fn the_loan_limit_for_a_material_type_refuses_with_its_reason_and_staff_may_override_it(backend) {
        let world = World::start(backend).await;
        let lib = world.furnish(&world.north).await;
        world.api().save_loan_rule(&world.north.admin, SaveLoanRule {
            id: None, name: "Adult DVDs".into(), branch_id: None, patron_group_id: Some(lib.adult.clone()),
            material_type_id: Some(lib.dvd.clone()), loan_type_id: None,
            terms: LoanTerms { loan_days: Some(7), max_loans_of_material_type: Some(2), ..standard_terms() },
        }).await.unwrap();
        let film = world.record(&world.north, "Metropolis", "Lang, Fritz").await;
        let novel = world.record(&world.north, "Emma", "Austen, Jane").await;
        for barcode in ["D1", "D2", "D3"] {
            world.copy(&world.north, &film, barcode, &lib.central, &lib.dvd).await;
        }
        world.copy(&world.north, &novel, "B1", &lib.central, &lib.book).await;
        world.patron(&world.north, "Sam Patel", "P001", &lib.adult, &lib.central).await;
        world.lend(&world.north, "P001", "D1", &lib.central).await;
        world.lend(&world.north, "P001", "D2", &lib.central).await;

        let third = world.api().checkout(&world.north.staff, checkout("P001", "D3", &lib.central)).await.unwrap();

        assert!(third.loan.is_none());
        assert_eq!(third.decision.rule.name, "Adult DVDs");
        assert_eq!(messages(&third.decision), vec!["Sam Patel has 2 DVD loans out; the limit for Adult is 2"]);
        assert_eq!(third.decision.reasons[0].code, ReasonCode::MaterialTypeLoanLimit);
        assert!(third.decision.overridable);
        // A book is under another rule and its own limits.
        let book = world.lend(&world.north, "P001", "B1", &lib.central).await;
        assert_eq!(book.renewals_left, 2);
        // Staff override with a reason; the loan records it.
        let overridden = world.api().checkout(&world.north.staff, Checkout {
            override_reason: Some("  film club night, agreed by the manager ".into()),
            ..checkout("P001", "D3", &lib.central)
        }).await.unwrap();
        assert_eq!(overridden.loan.unwrap().override_reason.as_deref(), Some("film club night, agreed by the manager"));
        let empty = refused(world.api().checkout(&world.north.staff, Checkout { override_reason: Some("  ".into()), ..checkout("P001", "D3", &lib.central) }).await, ErrorCode::Validation);
        assert_eq!(empty.field.as_deref(), Some("overrideReason"));
    }

    async fn overdue_items_at_the_limit_stop_borrowing_and_say_how_many(backend) {
        let world = World::start(backend).await;
        let lib = world.furnish(&world.north).await;
        world.default_terms(&world.north, LoanTerms { max_overdue_items: Some(1), ..standard_terms() }).await;
        let record = world.record(&world.north, "Emma", "Austen, Jane").await;
        world.copy(&world.north, &record, "B1", &lib.central, &lib.book).await;
        world.copy(&world.north, &record, "B2", &lib.central, &lib.book).await;
        world.patron(&world.north, "Sam Patel", "P001", &lib.adult, &lib.central).await;
        world.lend(&world.north, "P001", "B1", &lib.central).await;

        world.advance(TimeDelta::days(30));
        let refused_loan = world.api().checkout(&world.north.staff, checkout("P001", "B2", &lib.central)).await.unwrap();

        assert!(refused_loan.loan.is_none());
        assert_eq!(messages(&refused_loan.decision), vec!["Sam Patel has 1 overdue item; the limit for Adult is 1"]);
        // The circulation check gives the same answer without lending.
        let check = world.api().check(&world.north.staff, CirculationCheck {
            patron_card: Some("P001".into()), patron_id: None, item_barcode: "B2".into(),
            action: CirculationAction::Checkout, branch_id: lib.central.clone(),
        }).await.unwrap();
        assert_eq!(check.reasons, refused_loan.decision.reasons);
    }

    async fn overdue_fines_are_charged_at_checkin_and_stop_at_the_maximum(backend) {
        let world = World::start(backend).await;
        let lib = world.furnish(&world.north).await;
        let record = world.record(&world.north, "Emma", "Austen, Jane").await;
        for barcode in ["B1", "B2", "B3"] {
            world.copy(&world.north, &record, barcode, &lib.central, &lib.book).await;
        }
        let sam = world.patron(&world.north, "Sam Patel", "P001", &lib.adult, &lib.central).await;
        world.lend(&world.north, "P001", "B1", &lib.central).await;
        world.lend(&world.north, "P001", "B2", &lib.central).await;
        world.lend(&world.north, "P001", "B3", &lib.central).await;

        // Due 31 March. Back on 1 April: one day late, within the grace day.
        world.set_time(at("2027-04-01 12:00"));
        let on_grace = world.take_back(&world.north, "B1", &lib.central).await;
        // While out, B2 shows its fine accruing.
        world.set_time(at("2027-04-10 12:00"));
        let out = world.api().list_loans(&world.north.staff, ListLoans { patron_id: Some(sam.id.clone()), history: false, after: None, first: 10 }).await.unwrap();
        let b2 = out.loans.iter().find(|loan| loan.item_barcode == "B2").unwrap();
        assert!(b2.overdue);
        assert_eq!(b2.fine, 200, "ten days at 20p");
        let ten_days = world.take_back(&world.north, "B2", &lib.central).await;
        world.set_time(at("2027-06-01 12:00"));
        let capped = world.take_back(&world.north, "B3", &lib.central).await;

        assert_eq!(on_grace.fine, 0);
        assert_eq!(ten_days.fine, 200);
        assert_eq!(ten_days.fine_text.as_deref(), Some("£2.00"));
        assert_eq!(capped.fine, 500, "62 days late, capped at £5.00");
        let account = world.api().get_account(&world.north.staff, PatronRef { patron_id: Some(sam.id.clone()) }).await.unwrap();
        assert_eq!(account.balance, 700);
        assert_eq!(account.balance_text, "£7.00");
        assert_eq!(account.lines[0].description, "Overdue: Emma (62 days late)");
        // Paying more than is owed is refused; a waiver needs a reason.
        let too_much = refused(world.api().credit_account(&world.north.staff, Credit { patron_id: sam.id.clone(), kind: CreditKind::Payment, amount: 701, reason: None }).await, ErrorCode::Conflict);
        assert_eq!(too_much.message, "Sam Patel owes £7.00; take at most that");
        refused(world.api().credit_account(&world.north.staff, Credit { patron_id: sam.id.clone(), kind: CreditKind::Waiver, amount: 100, reason: None }).await, ErrorCode::Validation);
        world.api().credit_account(&world.north.staff, Credit { patron_id: sam.id.clone(), kind: CreditKind::Payment, amount: 300, reason: Some("cash".into()) }).await.unwrap();
        let settled = world.api().credit_account(&world.north.staff, Credit { patron_id: sam.id.clone(), kind: CreditKind::Waiver, amount: 400, reason: Some("first time; the book was returned clean".into()) }).await.unwrap();
        assert_eq!(settled.balance, 0);
        assert_eq!(settled.lines[0].kind, AccountLineKind::Waiver);
        assert_eq!(settled.lines[0].reason.as_deref(), Some("first time; the book was returned clean"));
    }

    async fn a_lost_item_is_charged_and_refunded_when_it_comes_back(backend) {
        let world = World::start(backend).await;
        let lib = world.furnish(&world.north).await;
        world.default_terms(&world.north, LoanTerms { lost_item_fee: Some(1_500), processing_fee: 250, ..standard_terms() }).await;
        let record = world.record(&world.north, "Emma", "Austen, Jane").await;
        world.copy(&world.north, &record, "B1", &lib.central, &lib.book).await;
        let sam = world.patron(&world.north, "Sam Patel", "P001", &lib.adult, &lib.central).await;
        let loan = world.lend(&world.north, "P001", "B1", &lib.central).await;

        let lost = world.api().declare_lost(&world.north.staff, ByLoan { loan_id: loan.id.clone() }).await.unwrap();
        assert!(lost.lost_at.is_some());
        let account = world.api().get_account(&world.north.staff, PatronRef { patron_id: Some(sam.id.clone()) }).await.unwrap();
        assert_eq!(account.balance, 1_750);
        let renewal = world.api().renew(&world.north.staff, Renew { loan_id: loan.id.clone(), override_reason: None }).await.unwrap();
        assert!(!renewal.renewed);
        assert_eq!(messages(&renewal.decision)[0], "item B1 was declared lost; a lost loan cannot be renewed");

        world.set_time(at("2027-06-01 12:00"));
        let found = world.take_back(&world.north, "B1", &lib.central).await;

        assert_eq!(found.fine, 0, "a lost loan is charged its fees, not overdue fines");
        let account = world.api().get_account(&world.north.staff, PatronRef { patron_id: Some(sam.id.clone()) }).await.unwrap();
        assert_eq!(account.balance, 250, "the lost-item fee came back; the processing fee stays");
        assert_eq!(account.lines[0].kind, AccountLineKind::Refund);
    }

    async fn unknown_barcodes_and_cards_are_named_in_the_refusal(backend) {
        let world = World::start(backend).await;
        let lib = world.furnish(&world.north).await;
        world.patron(&world.north, "Sam Patel", "P001", &lib.adult, &lib.central).await;

        let no_item = refused(world.api().checkout(&world.north.staff, checkout("P001", "NOPE", &lib.central)).await, ErrorCode::NotFound);
        let no_card = refused(world.api().checkout(&world.north.staff, checkout("P999", "NOPE", &lib.central)).await, ErrorCode::NotFound);
        let no_return = refused(world.api().checkin(&world.north.staff, Checkin { item_barcode: " NOPE ".into(), branch_id: lib.central.clone() }).await, ErrorCode::NotFound);

        assert_eq!(no_item.message, "no item of this library has barcode NOPE");
        assert_eq!(no_card.message, "no patron of this library has card P999");
        assert_eq!(no_return.message, "no item of this library has barcode NOPE");
        // Patrons cannot work the desk.
        refused(world.api().checkout(&world.north.patron, checkout("P001", "NOPE", &lib.central)).await, ErrorCode::Forbidden);
    }
}
