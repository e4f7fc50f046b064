//! Libraries share one index but never each other's catalogues: a library search sees one
//! library, a union search groups every library's copies of a work, staff details and
//! staff-only searches stay with staff of their own library, only operators see or
//! rebuild the index, and a suspended library is found by nobody. On both databases.

#![allow(clippy::unwrap_used, clippy::expect_used, reason = "tests fail loudly")]

mod support;

use std::collections::BTreeSet;
use std::time::Duration;

use athenaeum_auth::{Revocations, SuspendedTenant};
use athenaeum_catalogue::api::*;
use athenaeum_kernel::ErrorCode;
use athenaeum_search::api::*;
use athenaeum_testkit::{TestIssuer, TestLibrary, both_backends, poll_until};
use athenaeum_transport::Call;
use support::{World, ids, refused, request};

/// What one library holds for these tests.
struct Holdings {
    /// Its copy of the shared work.
    shared: CatalogueRecord,
    /// A record only it holds.
    own: CatalogueRecord,
    /// Barcodes of its copies of the shared work.
    barcodes: Vec<String>,
}

/// Gives a library its copy of the shared work (with copies in two branches, one of them
/// not on the shelf), a record of its own and a few others.
async fn stock(world: &World, library: &TestLibrary, prefix: &str, own_title: &str) -> Holdings {
    let main = world.branch(library, &format!("{prefix}-MAIN"), &format!("{prefix} Central")).await;
    let east = world.branch(library, &format!("{prefix}-EAST"), &format!("{prefix} East")).await;
    // The same work as another library catalogued it, with a control number of its own.
    let control = format!("{}hob{}", prefix.to_lowercase(), 1000 + prefix.len());
    let xml = format!(
        r#"<record xmlns="http://www.loc.gov/MARC21/slim">
  <leader>00000nam a2200000 a 4500</leader>
  <controlfield tag="001">{control}</controlfield>
  <controlfield tag="008">851010s1937    enk           000 1 eng d</controlfield>
  <datafield tag="100" ind1="1" ind2=" "><subfield code="a">Tolkien, J. R. R.</subfield></datafield>
  <datafield tag="245" ind1="1" ind2="4"><subfield code="a">The hobbit :</subfield><subfield code="b">or, There and back again /</subfield><subfield code="c">J.R.R. Tolkien.</subfield></datafield>
  <datafield tag="500" ind1=" " ind2=" "><subfield code="a">Copy catalogued by {prefix}.</subfield></datafield>
</record>"#
    );
    let shared = world.create_marcxml(library, &xml).await;
    assert_eq!(shared.control_number.as_deref(), Some(control.as_str()));
    let own = world
        .create_form(
            library,
            RecordForm {
                title: own_title.into(),
                author: Some(format!("{prefix} Local Historian")),
                year: Some(1990),
                ..RecordForm::default()
            },
        )
        .await;
    for title in ["Gardening for beginners", "A history of bridges"] {
        world
            .create_form(library, RecordForm { title: title.into(), ..RecordForm::default() })
            .await;
    }
    let digits = if prefix == "N" { "3910" } else { "3920" };
    let barcodes: Vec<String> = (1..=3).map(|n| format!("{digits}0000{n:05}")).collect();
    let first = world.add_item(library, &shared.id, &main, &barcodes[0]).await;
    world.add_item(library, &shared.id, &main, &barcodes[1]).await;
    let third = world.add_item(library, &shared.id, &east, &barcodes[2]).await;
    world.add_item(library, &own.id, &main, &format!("{digits}9999{:05}", 1)).await;
    // One copy missing in each library; in the south the east branch's only copy too.
    world
        .api()
        .set_item_status(
            &library.staff,
            SetItemStatus { id: first.id, status: ItemStatus::Missing, reason: None },
        )
        .await
        .unwrap();
    if prefix == "S" {
        world
            .api()
            .set_item_status(
                &library.staff,
                SetItemStatus { id: third.id, status: ItemStatus::Lost, reason: None },
            )
            .await
            .unwrap();
    }
    Holdings { shared, own, barcodes }
}

/// (tenant, branch code) → (copies, available), from the catalogue's own answers.
async fn expected_holdings(
    world: &World,
    library: &TestLibrary,
    record_id: &str,
) -> BTreeSet<(String, String, u32, u32)> {
    let branches = world
        .api()
        .list_branches(
            &library.patron,
            ListBranches { public_tenant_id: None, page: PageRequest { after: None, first: 100 } },
        )
        .await
        .unwrap()
        .branches;
    let availability = world
        .api()
        .get_availability(
            &library.patron,
            GetAvailability { public_tenant_id: None, record_ids: vec![record_id.into()] },
        )
        .await
        .unwrap();
    let mut out = BTreeSet::new();
    for record in availability.records {
        for branch in record.branches {
            let code = branches.iter().find(|known| known.id.0 == branch.branch_id).unwrap();
            out.insert((
                library.tenant_id.clone(),
                code.code.clone(),
                u32::try_from(branch.total).unwrap(),
                u32::try_from(branch.available).unwrap(),
            ));
        }
    }
    out
}

fn tenants(results: &SearchResults) -> BTreeSet<String> {
    results.hits.iter().map(|hit| hit.tenant_id.clone()).collect()
}

/// The records of every work a union search found.
fn edition_ids(results: &SearchResults) -> Vec<String> {
    results
        .works
        .iter()
        .flat_map(|work| work.editions.iter().map(|edition| edition.record_id.clone()))
        .collect()
}

async fn setup(world: &World) -> (Holdings, Holdings) {
    let north = stock(world, &world.north, "N", "Northtown parish records").await;
    let south = stock(world, &world.south, "S", "Southport harbour records").await;
    world.wait_until_indexed_within(Duration::from_secs(30)).await;
    (north, south)
}

both_backends! {
    async fn each_library_searches_only_its_own_catalogue_and_union_search_groups_the_work(backend) {
        let world = World::start(backend).await;
        let (north, south) = setup(&world).await;
        assert_eq!(north.shared.work_key, south.shared.work_key, "the same work in both libraries");
        assert!(north.shared.work_key.is_some());

        // Everything each library's patron can find is that library's, and all of it.
        for (library, holdings) in [(&world.north, &north), (&world.south, &south)] {
            let everything = world.search_as(&library.patron, "").await;
            let catalogue = world.all_records(library).await;
            assert_eq!(everything.total_records as usize, catalogue.len());
            assert_eq!(tenants(&everything), BTreeSet::from([library.tenant_id.clone()]));
            let hobbit = world.search_as(&library.patron, "hobbit tolkien").await;
            assert_eq!(ids(&hobbit), vec![holdings.shared.id.clone()], "only its own copy of the work");
        }
        // A library's own record is not found from the other library.
        let south_only = world.search_as(&world.north.patron, "southport harbour").await;
        assert_eq!(south_only.total_records, 0, "north's patron finds south's record: {:?}", ids(&south_only));
        let found = world.search_as(&world.south.patron, "southport harbour").await;
        assert_eq!(ids(&found), vec![south.own.id.clone()]);

        // An anonymous reader of one library sees that library only.
        for (library, holdings) in [(&world.north, &north), (&world.south, &south)] {
            let results = world
                .search_with(
                    &Call::anonymous(),
                    SearchRequest { query: "hobbit".into(), public_tenant_id: Some(library.tenant_id.clone()), ..request() },
                )
                .await;
            assert_eq!(ids(&results), vec![holdings.shared.id.clone()]);
            let all = world
                .search_with(&Call::anonymous(), SearchRequest { public_tenant_id: Some(library.tenant_id.clone()), ..request() })
                .await;
            assert_eq!(tenants(&all), BTreeSet::from([library.tenant_id.clone()]));
        }
        // Without a token or a library to read, a library search is refused.
        refused(world.search_api().search(&Call::anonymous(), SearchRequest { query: "hobbit".into(), ..request() }).await, ErrorCode::Validation);

        // A union search finds the work once, with both libraries, their records and
        // their branches' copies as the catalogue counts them.
        let mut expected = expected_holdings(&world, &world.north, &north.shared.id).await;
        expected.extend(expected_holdings(&world, &world.south, &south.shared.id).await);
        assert_eq!(expected.len(), 4, "two branches in each library hold the work");
        for caller in [Call::anonymous(), world.north.patron.clone(), world.south.staff.clone()] {
            let union = world
                .search_with(&caller, SearchRequest { query: "hobbit tolkien".into(), scope: SearchScope::Everywhere, ..request() })
                .await;
            assert_eq!(union.total_works, 1, "one work: {:?}", union.works);
            assert_eq!(union.total_records, 2);
            let work = &union.works[0];
            assert_eq!(Some(&work.work_key), north.shared.work_key.as_ref());
            let tenant_ids: BTreeSet<String> = work.tenant_ids.iter().cloned().collect();
            assert_eq!(tenant_ids, BTreeSet::from([world.north.tenant_id.clone(), world.south.tenant_id.clone()]));
            assert_eq!(work.tenant_ids.len(), 2, "each library listed once");
            let editions: BTreeSet<(String, String)> =
                work.editions.iter().map(|edition| (edition.tenant_id.clone(), edition.record_id.clone())).collect();
            assert_eq!(
                editions,
                BTreeSet::from([
                    (world.north.tenant_id.clone(), north.shared.id.clone()),
                    (world.south.tenant_id.clone(), south.shared.id.clone()),
                ])
            );
            let shown: BTreeSet<(String, String, u32, u32)> = work
                .holdings
                .iter()
                .map(|holding| (holding.tenant_id.clone(), holding.branch_code.clone(), holding.copies, holding.available))
                .collect();
            assert_eq!(shown, expected, "the work's copies per library and branch");
            assert_eq!(work.holdings.len(), 4, "each branch listed once");
            assert!(work.available_now);
        }
        // A union search of everything lists every record of both libraries.
        let union = world.search_with(&Call::anonymous(), SearchRequest { scope: SearchScope::Everywhere, first: 100, ..request() }).await;
        assert_eq!(union.total_records as usize, world.catalogue_documents().await.len());
    }

    async fn staff_details_stay_with_staff_and_identifiers_with_their_own_library(backend) {
        let world = World::start(backend).await;
        let (north, south) = setup(&world).await;

        // North's staff see barcodes and the control number of their own records...
        let results = world.search_as(&world.north.staff, "hobbit").await;
        assert_eq!(ids(&results), vec![north.shared.id.clone()]);
        let staff = results.hits[0].staff.clone().expect("staff details for staff");
        assert_eq!(staff.control_number, north.shared.control_number);
        let shown: BTreeSet<String> = staff.barcodes.into_iter().collect();
        let copies: BTreeSet<String> = north.barcodes.iter().cloned().collect();
        assert_eq!(shown, copies);
        // ...find a copy by its barcode and a record by its control number...
        for barcode in &north.barcodes {
            let found = world.search_as(&world.north.staff, barcode).await;
            assert_eq!(ids(&found), vec![north.shared.id.clone()], "barcode {barcode}");
        }
        let control = north.shared.control_number.clone().unwrap();
        let found = world.search_as(&world.north.staff, &control).await;
        assert_eq!(ids(&found), vec![north.shared.id.clone()], "control number {control}");
        // ...but never south's, not even by south's barcodes or control number.
        for barcode in &south.barcodes {
            let found = world.search_as(&world.north.staff, barcode).await;
            assert_eq!(found.total_records, 0, "north's staff found south's barcode {barcode}");
            let found = world.search_as(&world.north.admin, barcode).await;
            assert_eq!(found.total_records, 0, "north's admin found south's barcode {barcode}");
        }
        let south_control = south.shared.control_number.clone().unwrap();
        let found = world.search_as(&world.north.staff, &south_control).await;
        assert!(tenants(&found).iter().all(|tenant| *tenant == world.north.tenant_id), "{:?}", found.hits);
        assert!(!ids(&found).contains(&south.shared.id));
        // ...and a copy by its call number, as patrons and anonymous readers do: call
        // numbers, barcodes and control numbers are public (on the spine, on the copy, in
        // the record the catalogue gives everyone).
        let stacks = world.branch(&world.north, "N-STACKS", "North stacks").await;
        let mut shelved = support::item_input("3910555000001", &stacks);
        shelved.call_number = Some("942.74 HAR".into());
        world.api().create_item(&world.north.staff, CreateItem { record_id: north.own.id.clone(), item: shelved }).await.unwrap();
        world.wait_until_indexed().await;
        let found = world.search_as(&world.north.staff, "942.74 HAR").await;
        assert_eq!(ids(&found), vec![north.own.id.clone()], "staff find a copy by call number");
        let found = world.search_as(&world.north.patron, "942.74 HAR").await;
        assert_eq!(ids(&found), vec![north.own.id.clone()], "patrons find a copy by call number");
        let found = world.search_as(&world.south.patron, "942.74 HAR").await;
        assert_eq!(found.total_records, 0, "south's patrons search south's shelves");
        // South's staff find their own copy by barcode: the barcodes are indexed.
        let found = world.search_as(&world.south.staff, &south.barcodes[0]).await;
        assert_eq!(ids(&found), vec![south.shared.id.clone()]);

        // Patrons and anonymous readers get no staff details; a barcode finds its library's
        // copy for them too, and never another library's.
        let anonymous = |library: &TestLibrary| SearchRequest { public_tenant_id: Some(library.tenant_id.clone()), ..request() };
        for (library, holdings) in [(&world.north, &north), (&world.south, &south)] {
            let patron = world.search_as(&library.patron, "hobbit").await;
            assert_eq!(patron.hits.len(), 1);
            assert!(patron.hits.iter().all(|hit| hit.staff.is_none()), "patrons see no staff details");
            let reader = world.search_with(&Call::anonymous(), SearchRequest { query: "hobbit".into(), ..anonymous(library) }).await;
            assert_eq!(reader.hits.len(), 1);
            assert!(reader.hits.iter().all(|hit| hit.staff.is_none()), "anonymous readers see no staff details");
            for barcode in &holdings.barcodes {
                let found = world.search_as(&library.patron, barcode).await;
                assert_eq!(ids(&found), vec![holdings.shared.id.clone()], "a patron searched barcode {barcode}");
                let reader = world.search_with(&Call::anonymous(), SearchRequest { query: barcode.clone(), ..anonymous(library) }).await;
                assert_eq!(ids(&reader), vec![holdings.shared.id.clone()], "an anonymous reader searched barcode {barcode}");
            }
        }
        for barcode in &south.barcodes {
            let found = world.search_as(&world.north.patron, barcode).await;
            assert_eq!(found.total_records, 0, "north's patron found south's barcode {barcode}");
        }
        // Union search shows no staff details, even to staff, and no barcode search (a
        // barcode is unique only within its library).
        let union = world
            .search_with(&world.north.staff, SearchRequest { query: north.barcodes[1].clone(), scope: SearchScope::Everywhere, ..request() })
            .await;
        assert_eq!(union.total_records, 0, "barcodes are not searched across libraries");
        // A token that does not verify is refused.
        let forged = TestIssuer::new().call(&world.north.tenant_id, "north", &[athenaeum_auth::Role::Staff]);
        refused(world.search_api().search(&forged, SearchRequest { query: "hobbit".into(), ..request() }).await, ErrorCode::Unauthenticated);
    }

    async fn only_operators_see_the_index_status_and_rebuild_it(backend) {
        let world = World::start(backend).await;
        setup(&world).await;
        let api = world.search_api();
        for caller in [
            &world.north.staff,
            &world.north.admin,
            &world.north.patron,
            &world.south.staff,
            &world.south.admin,
            &world.south.patron,
        ] {
            refused(api.index_status(caller, GetIndexStatus {}).await, ErrorCode::Forbidden);
            refused(api.rebuild(caller, Rebuild { tenant_id: None }).await, ErrorCode::Forbidden);
            refused(
                api.rebuild(caller, Rebuild { tenant_id: Some(world.north.tenant_id.clone()) }).await,
                ErrorCode::Forbidden,
            );
        }
        refused(api.index_status(&Call::anonymous(), GetIndexStatus {}).await, ErrorCode::Unauthenticated);
        refused(api.rebuild(&Call::anonymous(), Rebuild { tenant_id: None }).await, ErrorCode::Unauthenticated);

        let expected = world.catalogue_documents().await;
        let status = api.index_status(&world.operator, GetIndexStatus {}).await.unwrap();
        assert_eq!(status.documents as usize, expected.len());
        assert_eq!(status.position, world.feed_head().await);

        for tenant_id in [Some(world.south.tenant_id.clone()), None] {
            let before = api.index_status(&world.operator, GetIndexStatus {}).await.unwrap().last_rebuild;
            let started = api.rebuild(&world.operator, Rebuild { tenant_id: tenant_id.clone() }).await.unwrap();
            assert!(started.rebuilding);
            let finished = poll_until(Duration::from_secs(60), || async {
                let status = api.index_status(&world.operator, GetIndexStatus {}).await.unwrap();
                !status.rebuilding && status.last_rebuild != before
            })
            .await;
            assert!(finished.is_some(), "the rebuild of {tenant_id:?} did not finish within a minute");
            let status = api.index_status(&world.operator, GetIndexStatus {}).await.unwrap();
            let outcome = status.last_rebuild.unwrap();
            assert!(outcome.starts_with("rebuilt"), "{outcome}");
            assert_eq!(world.index_documents(), expected, "after rebuilding {tenant_id:?}");
        }
    }

    async fn a_suspended_library_leaves_union_search_its_facets_and_autocomplete_and_its_readers_are_refused(backend) {
        let world = World::start(backend).await;
        let (north, south) = setup(&world).await;
        let union = |query: &str| SearchRequest { query: query.into(), scope: SearchScope::Everywhere, first: 100, facets: true, ..request() };
        let suggest = |prefix: &str, public_tenant_id: Option<String>| {
            let request = AutocompleteRequest {
                prefix: prefix.into(),
                scope: if public_tenant_id.is_some() { SearchScope::Library } else { SearchScope::Everywhere },
                public_tenant_id,
                limit: 8,
            };
            let world = &world;
            async move { world.search_api().autocomplete(&Call::anonymous(), request).await }
        };
        assert_eq!(world.search_with(&Call::anonymous(), union("hobbit tolkien")).await.works[0].tenant_ids.len(), 2);
        assert!(!suggest("northtown", None).await.unwrap().suggestions.is_empty());

        world.revocations.replace(Revocations {
            suspended_tenants: vec![SuspendedTenant { tenant_id: world.north.tenant_id.clone(), name: "North Libraries".into() }],
            ..Revocations::default()
        });

        // Whoever searches every library finds the shared work as the south alone holds it.
        let south_only = vec![world.south.tenant_id.clone()];
        for caller in [Call::anonymous(), world.south.patron.clone(), world.south.staff.clone()] {
            let found = world.search_with(&caller, union("hobbit tolkien")).await;
            assert_eq!(edition_ids(&found), vec![south.shared.id.clone()]);
            let work = &found.works[0];
            assert_eq!(work.tenant_ids, south_only);
            assert!(work.editions.iter().all(|edition| edition.tenant_id == world.south.tenant_id), "{:?}", work.editions);
            assert!(work.holdings.iter().all(|holding| holding.tenant_id == world.south.tenant_id), "{:?}", work.holdings);
            assert!(!work.holdings.is_empty());
        }
        // Nothing of the north is counted, offered as a facet value or suggested.
        let everything = world.search_with(&Call::anonymous(), union("")).await;
        assert_eq!(everything.total_records as usize, world.all_records(&world.south).await.len());
        let holders: BTreeSet<String> = everything.works.iter().flat_map(|work| work.tenant_ids.iter().cloned()).collect();
        assert_eq!(holders, BTreeSet::from([world.south.tenant_id.clone()]));
        let north_values: Vec<&FacetValue> = everything
            .facets
            .iter()
            .flat_map(|facet| facet.values.iter())
            .filter(|value| value.value.contains(&world.north.tenant_id) || value.label.contains("N Central"))
            .collect();
        assert!(north_values.is_empty(), "the suspended library's branches are facet values: {north_values:?}");
        assert_eq!(world.search_with(&Call::anonymous(), union("northtown parish")).await.total_records, 0);
        assert!(suggest("northtown", None).await.unwrap().suggestions.is_empty(), "its records are suggested");
        assert!(!suggest("southport", None).await.unwrap().suggestions.is_empty());
        // Its own people, and readers naming it, are refused.
        let own_search = world.search_api().search(&world.north.patron, SearchRequest { query: "hobbit".into(), ..request() }).await;
        let error = refused(own_search, ErrorCode::Forbidden);
        assert!(error.message.contains("North Libraries is not in service"), "{error:?}");
        let public = SearchRequest { public_tenant_id: Some(world.north.tenant_id.clone()), ..request() };
        refused(world.search_api().search(&Call::anonymous(), public).await, ErrorCode::Forbidden);
        refused(suggest("northtown", Some(world.north.tenant_id.clone())).await, ErrorCode::Forbidden);

        // Reactivated, it is found again.
        world.revocations.replace(Revocations::default());
        assert_eq!(edition_ids(&world.search_with(&Call::anonymous(), union("northtown parish")).await), vec![north.own.id.clone()]);
        assert!(!suggest("northtown", None).await.unwrap().suggestions.is_empty());
    }
}
