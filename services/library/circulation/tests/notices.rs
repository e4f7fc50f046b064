//! Notices: a courtesy reminder, first and second overdue notices, a hold ready and a
//! block, each queued once per event — also when the job runs twice at once or again
//! after a restart — and delivered to a real SMTP server in plain English with the
//! library's and branch's names.
#![allow(clippy::unwrap_used, clippy::expect_used, reason = "tests fail loudly")]

mod support;

use std::sync::Arc;
use std::time::Duration;

use async_graphql::ID;
use athenaeum_circulation::CirculationService;
use athenaeum_circulation::api::*;
use athenaeum_library_db::LibraryDatabase;
use athenaeum_mail::{
    MailConfig, MailTransport, MailWorker, SmtpConfig, SmtpSecurity, TransportKind,
};
use athenaeum_testkit::{SmtpServer, both_backends};
use support::*;

async fn outbox_size(world: &World) -> i64 {
    let counts = world.db.database.read(athenaeum_mail::count_by_status).await.unwrap();
    counts.pending + counts.sent + counts.parked
}

fn mail_worker(world: &World, server: &SmtpServer) -> MailWorker {
    let config = MailConfig {
        transport: TransportKind::Smtp,
        from: "Northshire Libraries <no-reply@library.example>".to_string(),
        smtp: SmtpConfig {
            host: server.host().to_string(),
            port: server.port(),
            security: SmtpSecurity::None,
            timeout_seconds: 5,
            ..SmtpConfig::default()
        },
        retry_base_seconds: 0,
        ..MailConfig::default()
    };
    let transport =
        MailTransport::from_config(&config, &world.db.databases.data_path().join("mail")).unwrap();
    MailWorker::new(
        world.db.database.clone(),
        Arc::new(athenaeum_circulation::mail::CirculationMail),
        transport,
        config,
    )
    .unwrap()
}

both_backends! {
    async fn each_event_is_noticed_once_even_run_twice_at_once_or_after_a_restart(backend) {
        let world = World::start(backend).await;
        let lib = world.furnish(&world.north).await;
        let (_person, _dana) = world.online_patron(&world.north, &lib, "Dana Reid").await; // names the library
        let record = world.record(&world.north, "Emma", "Austen, Jane").await;
        world.copy(&world.north, &record, "B1", &lib.central, &lib.book).await;
        world.patron(&world.north, "Sam Patel", "P001", &lib.adult, &lib.central).await;
        world.lend(&world.north, "P001", "B1", &lib.central).await;
        let scope = world.people.operator_scope(&world.north.tenant_id);

        // Due 31 March; three days before, the courtesy reminder is due.
        world.set_time(at("2027-03-29 12:00"));
        let (first, second) = tokio::join!(world.circulation.send_notices(scope.clone()), world.circulation.send_notices(scope.clone()));
        let queued: usize = [first, second].into_iter().filter_map(Result::ok).map(|round| round.queued).sum();
        assert_eq!(queued, 1, "two runs at once queue the reminder once");
        assert_eq!(outbox_size(&world).await, 1);
        // The job restarts: a new service on the same database finds nothing new to send.
        let restarted = CirculationService::new(LibraryDatabase::new(world.db.database.clone()), world.people.verifier());
        let at_restart = at("2027-03-29 12:05");
        let restarted = restarted.with_clock(Arc::new(move || at_restart));
        assert_eq!(restarted.send_notices(scope.clone()).await.unwrap().queued, 0);
        assert_eq!(outbox_size(&world).await, 1);

        world.set_time(at("2027-04-02 08:00"));
        assert_eq!(world.circulation.send_notices(scope.clone()).await.unwrap().queued, 1, "first overdue notice");
        assert_eq!(world.circulation.send_notices(scope.clone()).await.unwrap().queued, 0);
        world.set_time(at("2027-04-09 08:00"));
        assert_eq!(world.circulation.send_notices(scope.clone()).await.unwrap().queued, 1, "second overdue notice");
        assert_eq!(outbox_size(&world).await, 3);
        // Renewed, the loan has a new due date: a new reminder when that one nears.
        let loans = world.api().list_loans(&world.north.staff, ListLoans { patron_id: world.api().find_patrons(&world.north.staff, FindPatrons { query: "P001".into(), after: None, first: 1 }).await.unwrap().patrons.first().map(|patron| patron.id.clone()), history: false, after: None, first: 5 }).await.unwrap();
        let renewed = world.api().renew(&world.north.staff, Renew { loan_id: loans.loans[0].id.clone(), override_reason: None }).await.unwrap();
        assert!(renewed.renewed, "{:?}", renewed.decision.reasons);
        world.set_time(at("2027-04-28 08:00"));
        assert_eq!(world.circulation.send_notices(scope.clone()).await.unwrap().queued, 1, "a reminder for the new due date");
    }

    async fn notices_reach_the_patron_in_plain_english_with_the_librarys_names(backend) {
        let world = World::start(backend).await;
        let server = SmtpServer::start().await;
        let lib = world.furnish(&world.north).await;
        let (_person, dana) = world.online_patron(&world.north, &lib, "Dana Reid").await;
        let dana = world.api().save_patron(&world.north.staff, SavePatron {
            id: Some(dana.id.clone()), version: Some(dana.version), name: dana.name.clone(), email: Some("dana@example.org".into()),
            phone: None, address: None, home_branch_id: lib.central.clone(), patron_group_id: lib.adult.clone(), expires_on: None,
            staff_note: None, status: None, cards: dana.cards.clone(),
        }).await.unwrap();
        let record = world.record(&world.north, "Emma", "Austen, Jane").await;
        world.copy(&world.north, &record, "B1", &lib.central, &lib.book).await;
        world.patron(&world.north, "Sam Patel", "P001", &lib.adult, &lib.central).await;
        world.lend(&world.north, "P001", "B1", &lib.central).await;
        world.api().place_hold(&world.north.staff, PlaceHold {
            patron_id: Some(dana.id.clone()), record_id: Some(ID::from(record)), item_barcode: None,
            pickup_branch_id: lib.central.clone(), expires_on: None, override_reason: None,
        }).await.unwrap().hold.unwrap();
        world.set_time(at("2027-03-29 12:00"));
        world.take_back(&world.north, "B1", &lib.central).await;
        world.api().add_block(&world.north.staff, AddBlock { patron_id: dana.id.clone(), reason: "three unpaid replacement charges".into() }).await.unwrap();
        let scope = world.people.operator_scope(&world.north.tenant_id);

        let round = world.circulation.send_notices(scope).await.unwrap();
        let worker = mail_worker(&world, &server);
        while worker.deliver_due().await.unwrap().attempted() > 0 {}
        let received = server.wait_for_messages(2, Duration::from_secs(10)).await;

        assert_eq!(round.queued, 2, "Dana's hold is ready and her account blocked; Sam's loan is back");
        let ready = received.iter().find(|mail| mail.subject == "Ready to collect: Emma").expect("the hold-ready notice");
        assert_eq!(ready.to, "dana@example.org");
        assert!(ready.body.contains("“Emma”, which you asked for, is waiting for you at Central Library. Please collect it by Monday 5 April 2027"), "{}", ready.body);
        assert!(ready.body.ends_with("Central Library\nNorthshire Libraries"), "{}", ready.body);
        let blocked = received.iter().find(|mail| mail.subject == "Your library account is blocked").expect("the block notice");
        assert!(blocked.body.contains("The reason given: three unpaid replacement charges."), "{}", blocked.body);
    }
}
