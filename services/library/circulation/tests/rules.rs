//! Loan rules, "what would happen if", patrons, blocks and online registration.
#![allow(clippy::unwrap_used, clippy::expect_used, reason = "tests fail loudly")]

mod support;

use async_graphql::ID;
use athenaeum_auth::Role;
use athenaeum_circulation::api::*;
use athenaeum_kernel::ErrorCode;
use athenaeum_testkit::both_backends;
use support::*;

fn rule(
    name: &str,
    branch: Option<&ID>,
    group: Option<&ID>,
    material: Option<&ID>,
    days: i32,
) -> SaveLoanRule {
    SaveLoanRule {
        id: None,
        name: name.into(),
        branch_id: branch.cloned(),
        patron_group_id: group.cloned(),
        material_type_id: material.cloned(),
        loan_type_id: None,
        terms: LoanTerms { loan_days: Some(days), ..standard_terms() },
    }
}

fn situation(branch: &ID, group: &ID, material: Option<&ID>) -> WhatIf {
    WhatIf {
        branch_id: branch.clone(),
        patron_group_id: group.clone(),
        material_type_id: material.cloned(),
        loan_type_id: None,
        rules: None,
    }
}

both_backends! {
    async fn the_most_specific_rule_applies_in_the_documented_order(backend) {
        let world = World::start(backend).await;
        let lib = world.furnish(&world.north).await;
        let api = world.api();
        let admin = &world.north.admin;
        let initial = api.list_loan_rules(&world.north.staff, Nothing {}).await.unwrap();
        assert_eq!(initial.rules.len(), 1, "one default rule always exists");
        assert!(initial.rules[0].is_default);
        api.save_loan_rule(admin, rule("Children", None, Some(&lib.child), None, 28)).await.unwrap();
        api.save_loan_rule(admin, rule("Children's DVDs", None, Some(&lib.child), Some(&lib.dvd), 7)).await.unwrap();
        api.save_loan_rule(admin, rule("East Library", Some(&lib.east), None, None, 14)).await.unwrap();

        let child_dvd = api.what_if(admin, situation(&lib.central, &lib.child, Some(&lib.dvd))).await.unwrap();
        let child_book = api.what_if(admin, situation(&lib.central, &lib.child, Some(&lib.book))).await.unwrap();
        let east_child_dvd = api.what_if(admin, situation(&lib.east, &lib.child, Some(&lib.dvd))).await.unwrap();
        let adult = api.what_if(admin, situation(&lib.central, &lib.adult, None)).await.unwrap();

        assert_eq!(child_dvd.rule.name, "Children's DVDs");
        assert_eq!(child_book.rule.name, "Children");
        assert_eq!(east_child_dvd.rule.name, "East Library", "a rule naming the branch beats any that does not");
        assert!(east_child_dvd.explanation.starts_with("“East Library” applies: it is the most specific rule that matches, naming branch East Library."), "{}", east_child_dvd.explanation);
        assert_eq!(adult.rule.name, "Default rule");
        assert_eq!(child_dvd.due_at.naive_utc(), at("2027-03-17 23:59"), "7 days, in GMT");
        // Trying a rule set before saving it changes nothing saved.
        let proposed = WhatIf {
            rules: Some(vec![rule("Adults, proposed", None, Some(&lib.adult), None, 35)]),
            ..situation(&lib.central, &lib.adult, None)
        };
        let tried = api.what_if(admin, proposed).await.unwrap();
        assert_eq!(tried.rule.name, "Adults, proposed");
        assert_eq!(tried.rule.terms.loan_days, Some(35));
        assert_eq!(api.list_loan_rules(&world.north.staff, Nothing {}).await.unwrap().rules.len(), 4);
        // One rule per combination; the default cannot be deleted.
        refused(api.save_loan_rule(admin, rule("Children again", None, Some(&lib.child), None, 21)).await, ErrorCode::Conflict);
        let default_id = api.list_loan_rules(&world.north.staff, Nothing {}).await.unwrap().rules.into_iter().find(|rule| rule.is_default).unwrap().id;
        // The built-in default has no row until saved; saving it by its id replaces it.
        let saved_default = api.save_loan_rule(admin, SaveLoanRule { id: Some(default_id), ..rule("House default", None, None, None, 21) }).await.unwrap();
        refused(api.delete_loan_rule(admin, ByLoanRule { rule_id: saved_default.id }).await, ErrorCode::Conflict);
        // Bad terms name their field.
        let bad = refused(api.save_loan_rule(admin, SaveLoanRule { terms: LoanTerms { loan_days: Some(7), loan_hours: Some(3), ..standard_terms() }, ..rule("Both", None, None, Some(&lib.book), 7) }).await, ErrorCode::Validation);
        assert_eq!(bad.field.as_deref(), Some("terms.loanDays"));
        // Staff read rules; only admins change them.
        refused(api.save_loan_rule(&world.north.staff, rule("Staff rule", None, None, Some(&lib.book), 7)).await, ErrorCode::Forbidden);
    }

    async fn staff_find_patrons_by_card_name_or_email_and_cards_are_unique(backend) {
        let world = World::start(backend).await;
        let lib = world.furnish(&world.north).await;
        let sam = world.patron(&world.north, "Sam Patel", "P001", &lib.adult, &lib.central).await;
        world.patron(&world.north, "Samira Khan", "P002", &lib.adult, &lib.central).await;
        world.patron(&world.north, "Ann O'Neill", "P003", &lib.child, &lib.east).await;
        let find = |query: &str| FindPatrons { query: query.into(), after: None, first: 10 };
        let names = |page: PatronPage| page.patrons.into_iter().map(|patron| patron.name).collect::<Vec<_>>();
        let api = world.api();

        assert_eq!(names(api.find_patrons(&world.north.staff, find("P003")).await.unwrap()), vec!["Ann O'Neill"]);
        assert_eq!(names(api.find_patrons(&world.north.staff, find("sam")).await.unwrap()), vec!["Sam Patel", "Samira Khan"]);
        assert_eq!(names(api.find_patrons(&world.north.staff, find("  SAM   PATEL")).await.unwrap()), vec!["Sam Patel"]);
        assert_eq!(names(api.find_patrons(&world.north.staff, find("P001@EXAMPLE.ORG")).await.unwrap()), vec!["Sam Patel"]);
        assert_eq!(names(api.find_patrons(&world.north.staff, find("%")).await.unwrap()), Vec::<String>::new(), "wildcards are literal");
        let first = api.find_patrons(&world.north.staff, FindPatrons { first: 1, ..find("sam") }).await.unwrap();
        let next = api.find_patrons(&world.north.staff, FindPatrons { first: 1, after: first.end_cursor.clone(), ..find("sam") }).await.unwrap();
        assert_eq!(names(next), vec!["Samira Khan"]);

        let save = |id: Option<ID>, version: Option<i32>, cards: Vec<&str>| SavePatron {
            id, version, name: "Sam Patel".into(), email: None, phone: None, address: None,
            home_branch_id: lib.central.clone(), patron_group_id: lib.adult.clone(), expires_on: None, staff_note: None, status: None,
            cards: cards.into_iter().map(str::to_string).collect(),
        };
        let taken = refused(api.save_patron(&world.north.staff, save(None, None, vec!["P002"])).await, ErrorCode::Conflict);
        assert_eq!(taken.message, "one of these card barcodes belongs to another patron of the library");
        let two_cards = api.save_patron(&world.north.staff, save(Some(sam.id.clone()), Some(sam.version), vec!["P001", "P001B"])).await.unwrap();
        assert_eq!(two_cards.cards, vec!["P001", "P001B"]);
        let stale = refused(api.save_patron(&world.north.staff, save(Some(sam.id.clone()), Some(sam.version), vec!["P001"])).await, ErrorCode::Conflict);
        assert!(stale.message.starts_with("patron Sam Patel is at version 2, not 1"), "{}", stale.message);
        let bad_card = refused(api.save_patron(&world.north.staff, save(None, None, vec!["P 9"])).await, ErrorCode::Validation);
        assert_eq!(bad_card.field.as_deref(), Some("cards.0"));
        // The same card number is free in another library.
        let south = world.furnish(&world.south).await;
        world.patron(&world.south, "Sam Patel", "P001", &south.adult, &south.central).await;
    }

    async fn a_block_refuses_lending_with_its_reason_until_it_is_lifted(backend) {
        let world = World::start(backend).await;
        let lib = world.furnish(&world.north).await;
        let record = world.record(&world.north, "Emma", "Austen, Jane").await;
        world.copy(&world.north, &record, "B1", &lib.central, &lib.book).await;
        let sam = world.patron(&world.north, "Sam Patel", "P001", &lib.adult, &lib.central).await;

        let blocked = world.api().add_block(&world.north.staff, AddBlock { patron_id: sam.id.clone(), reason: "returned a damaged DVD; see the note".into() }).await.unwrap();
        let refused_loan = world.api().checkout(&world.north.staff, checkout("P001", "B1", &lib.central)).await.unwrap();

        assert_eq!(blocked.blocks.len(), 1);
        assert!(refused_loan.loan.is_none());
        assert_eq!(messages(&refused_loan.decision), vec!["Sam Patel is blocked: returned a damaged DVD; see the note"]);
        world.api().lift_block(&world.north.staff, LiftBlock { block_id: blocked.blocks[0].id.clone() }).await.unwrap();
        world.lend(&world.north, "P001", "B1", &lib.central).await;
        refused(world.api().lift_block(&world.north.staff, LiftBlock { block_id: blocked.blocks[0].id.clone() }).await, ErrorCode::NotFound);
    }

    async fn an_online_registration_waits_for_staff_unless_the_library_confirms_at_once(backend) {
        let world = World::start(backend).await;
        let lib = world.furnish(&world.north).await;
        let record = world.record(&world.north, "Emma", "Austen, Jane").await;
        world.copy(&world.north, &record, "B1", &lib.central, &lib.book).await;
        let person = world.north.person(&[Role::Patron]);
        let register = RegisterPatron { name: "Dana Reid".into(), email: Some("Dana@Example.org".into()), phone: None, address: None, home_branch_id: lib.central.clone() };
        let closed = refused(world.api().register_patron(&person, register.clone()).await, ErrorCode::Forbidden);
        assert_eq!(closed.message, "this library does not take registrations online yet; please register at a branch");
        world.api().save_settings(&world.north.admin, SaveCirculationSettings {
            time_zone: "Europe/London".into(), currency: "gbp".into(), courtesy_notice_days: 3,
            refund_lost_fee_on_return: true, confirm_registrations: false, registration_group_id: Some(lib.adult.clone()), library_name: None,
        }).await.unwrap();

        let provisional = world.api().register_patron(&person, register.clone()).await.unwrap();

        assert_eq!(provisional.status, PatronStatus::Provisional);
        assert_eq!(provisional.email.as_deref(), Some("dana@example.org"));
        assert!(provisional.has_online_account);
        refused(world.api().register_patron(&person, register).await, ErrorCode::Conflict);
        let with_card = world.api().save_patron(&world.north.staff, SavePatron {
            id: Some(provisional.id.clone()), version: Some(provisional.version), name: provisional.name.clone(), email: provisional.email.clone(),
            phone: None, address: None, home_branch_id: lib.central.clone(), patron_group_id: lib.adult.clone(), expires_on: None,
            staff_note: None, status: None, cards: vec!["W100".into()],
        }).await.unwrap();
        assert_eq!(with_card.status, PatronStatus::Provisional, "saving keeps the status");
        let waiting = world.api().checkout(&world.north.staff, checkout("W100", "B1", &lib.central)).await.unwrap();
        assert_eq!(waiting.decision.reasons[0].code, ReasonCode::PatronNotConfirmed);
        let confirmed = world.api().confirm_patron(&world.north.staff, PatronRef { patron_id: Some(provisional.id.clone()) }).await.unwrap();
        assert_eq!(confirmed.status, PatronStatus::Active);
        world.lend(&world.north, "W100", "B1", &lib.central).await;
        let mine = world.api().get_patron(&person, PatronRef::default()).await.unwrap();
        assert_eq!(mine.id, provisional.id);
        // Bad settings name their field.
        let zone = refused(world.api().save_settings(&world.north.admin, SaveCirculationSettings {
            time_zone: "Mars/Olympus".into(), currency: "GBP".into(), courtesy_notice_days: 3,
            refund_lost_fee_on_return: true, confirm_registrations: false, registration_group_id: None, library_name: None,
        }).await, ErrorCode::Validation);
        assert_eq!(zone.field.as_deref(), Some("timeZone"));
    }
}
