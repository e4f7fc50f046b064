//! The real Koha sample catalogue (`koha/koha_sample_bibs.clean.marcxml` with the copies
//! of `koha/items.tsv`) as one library's collection, lent and returned across its three
//! branches.
#![allow(clippy::unwrap_used, clippy::expect_used, reason = "tests fail loudly")]

mod support;

use async_graphql::ID;
use athenaeum_catalogue::api::{
    GetItem, ImportMode, ImportOptions, ListBranches, MatchRule, PageRequest,
};
use athenaeum_circulation::api::*;
use athenaeum_testkit::both_backends;
use support::*;

both_backends! {
    async fn the_koha_sample_library_lends_holds_and_routes_its_real_copies(backend) {
        let world = World::start(backend).await;
        let (path, _dir, expected) = athenaeum_testkit::koha::koha_bibs_with_items();
        let scope = world.people.operator_scope(&world.north.tenant_id);
        let options = ImportOptions { match_on: vec![MatchRule::ControlNumber], ..ImportOptions::default() };
        let (job, _) = world.catalogue.local_import_job(&scope, &path, &options, ImportMode::Import).await.unwrap();
        let reader = athenaeum_marc::RecordReader::open(&path).unwrap();
        let (_, stop) = tokio::sync::watch::channel(false);
        let (_, finished) = world.catalogue.run_job(&scope, job, reader, stop, |_| {}).await.unwrap();
        assert_eq!(usize::try_from(finished.items_created).unwrap(), expected.len());
        let branches = world.books().list_branches(&world.north.staff, ListBranches { public_tenant_id: None, page: PageRequest { after: None, first: 100 } }).await.unwrap().branches;
        let branch = |code: &str| branches.iter().find(|branch| branch.code == code).unwrap().id.clone();
        let adult = world.api().save_patron_group(&world.north.admin, SavePatronGroup { id: None, code: "PT".into(), name: "Patron".into() }).await.unwrap().id;
        world.patron(&world.north, "Sam Patel", "23529000000001", &adult, &branch("CPL")).await;
        let alex = world.patron(&world.north, "Alex Jones", "23529000000002", &adult, &branch("FPL")).await;
        // Biblionumber 9 has three copies at MPL and one at FPL.
        let copy = world.books().get_item(&world.north.staff, GetItem { public_tenant_id: None, id: None, barcode: Some("39999000000337".into()) }).await.unwrap();

        world.lend(&world.north, "23529000000001", "39999000000337", &branch("MPL")).await;
        world.lend(&world.north, "23529000000001", "39999000000351", &branch("MPL")).await;
        let hold = world.api().place_hold(&world.north.staff, PlaceHold {
            patron_id: Some(alex.id.clone()), record_id: Some(ID::from(copy.record_id.clone())), item_barcode: None,
            pickup_branch_id: branch("FPL"), expires_on: None, override_reason: None,
        }).await.unwrap().hold.unwrap();
        let pull = world.api().pull_list(&world.north.staff, ByBranch { branch_id: branch("FPL") }).await.unwrap();
        let at_fpl = world.take_back(&world.north, "39999000000337", &branch("FPL")).await;
        let at_cpl = world.take_back(&world.north, "39999000000351", &branch("CPL")).await;

        assert_eq!(pull.entries.len(), 1);
        assert_eq!(pull.entries[0].item_barcode, "39999000000399", "the copy on FPL's shelf fills the hold collected there");
        assert_eq!(pull.entries[0].hold_id, hold.id);
        assert_eq!(at_fpl.routing.kind, RouteKind::HoldShelf, "{}", at_fpl.routing.instruction);
        assert!(at_fpl.routing.instruction.starts_with("Hold shelf: for A. Jones, until "), "{}", at_fpl.routing.instruction);
        assert_eq!(at_cpl.routing.kind, RouteKind::Transit);
        assert_eq!(at_cpl.routing.to_branch_id, Some(branch("MPL")), "an MPL copy returned at CPL goes home");
        let incoming = world.api().transits(&world.north.staff, ByBranch { branch_id: branch("MPL") }).await.unwrap().incoming;
        assert_eq!(incoming.len(), 1);
        assert_eq!(incoming[0].item_barcode, "39999000000351");
    }
}
