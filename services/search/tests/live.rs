//! The index follows the catalogue live: a record's creation, edits and deletion, and an
//! item's status, show in search within a second; a search service stopped or killed
//! while the catalogue keeps changing catches up on restart with nothing missing and
//! nothing twice; rebuilds leave the index equal to the catalogue while searches keep
//! answering. On both databases.

#![allow(clippy::unwrap_used, clippy::expect_used, reason = "tests fail loudly")]

mod support;

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;
use std::time::Duration;

use athenaeum_catalogue::api::*;
use athenaeum_catalogue::{CatalogueApi, CatalogueService};
use athenaeum_kernel::ServiceError;
use athenaeum_search::api::*;
use athenaeum_search::{SearchApi, SearchService};
use athenaeum_testkit::{TestLibrary, both_backends, loc_books_1000, poll_until};
use athenaeum_transport::Call;
use support::{World, ids, item_input, request};
use tokio::sync::watch;

/// How soon a change must be searchable.
const LIVE: Duration = Duration::from_secs(1);
/// How long to keep looking before failing with a measurement.
const PATIENCE: Duration = Duration::from_secs(10);

/// Polls until `check` holds and asserts that it took less than a second.
async fn within_a_second<F, Fut>(what: &str, check: F) -> Duration
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let took = poll_until(PATIENCE, check).await;
    let took = took.unwrap_or_else(|| panic!("{what}: not seen in search within {PATIENCE:?}"));
    eprintln!("{what}: {} ms", took.as_millis());
    assert!(took < LIVE, "{what}: took {took:?}, more than a second");
    took
}

async fn search(service: &SearchService, call: &Call, request: SearchRequest) -> SearchResults {
    SearchApi::search(service, call, request).await.unwrap()
}

fn availability_count(results: &SearchResults) -> u64 {
    results
        .facets
        .iter()
        .find(|counts| counts.facet == FacetName::Availability)
        .and_then(|counts| counts.values.iter().find(|value| value.value == "available"))
        .map_or(0, |value| value.count)
}

/// Per record: its title and, per branch code, (copies, available).
type View = BTreeMap<String, (String, BTreeMap<String, (u32, u32)>)>;

/// What the index should show of one library: each record's title and, per branch code,
/// (copies, available), as the catalogue says.
async fn catalogue_view(world: &World, library: &TestLibrary) -> View {
    let branches: HashMap<String, String> = world
        .api()
        .list_branches(
            &library.staff,
            ListBranches { public_tenant_id: None, page: PageRequest { after: None, first: 100 } },
        )
        .await
        .unwrap()
        .branches
        .into_iter()
        .map(|branch| (branch.id.0, branch.code))
        .collect();
    let mut view: View = world
        .all_records(library)
        .await
        .into_iter()
        .map(|record| (record.id, (record.title.unwrap_or_default(), BTreeMap::new())))
        .collect();
    for item in world.all_items(library).await {
        if item.status == ItemStatus::Withdrawn {
            continue;
        }
        let holding = view
            .get_mut(&item.record_id)
            .unwrap()
            .1
            .entry(branches[&item.branch_id].clone())
            .or_default();
        holding.0 += 1;
        holding.1 += u32::from(item.status == ItemStatus::Available);
    }
    view
}

/// What the index shows of one library, in the same shape.
async fn index_view(world: &World, library: &TestLibrary) -> View {
    world
        .all_hits(&library.staff, request())
        .await
        .into_iter()
        .map(|hit| {
            let holdings = hit
                .holdings
                .iter()
                .map(|holding| (holding.branch_code.clone(), (holding.copies, holding.available)))
                .collect();
            (hit.record_id, (hit.title, holdings))
        })
        .collect()
}

/// Asserts that the index holds exactly the catalogue's records, once each, and shows
/// the titles and copies of `library` as the catalogue has them.
async fn assert_index_matches(world: &World, library: &TestLibrary, when: &str) {
    let catalogue = world.catalogue_documents().await;
    let index = world.index_documents();
    let missing: Vec<_> = catalogue.iter().filter(|doc| !index.contains(doc)).take(5).collect();
    let extra: Vec<_> = index.iter().filter(|doc| !catalogue.contains(doc)).take(5).collect();
    let mut doubled = index.clone();
    doubled.dedup();
    assert!(missing.is_empty(), "{when}: records missing from the index: {missing:?}");
    assert!(extra.is_empty(), "{when}: records in the index but not the catalogue: {extra:?}");
    assert_eq!(doubled.len(), index.len(), "{when}: records indexed twice");
    assert_eq!(index, catalogue, "{when}");
    assert_eq!(
        index_view(world, library).await,
        catalogue_view(world, library).await,
        "{when}: titles and copies"
    );
}

/// What the change maker did.
#[derive(Debug, Default)]
struct Changes {
    created: usize,
    updated: usize,
    deleted: usize,
    items: usize,
    statuses: usize,
}

/// Keeps changing a library's catalogue until told to stop: creates records, retitles
/// some, deletes some, adds copies and changes their status.
async fn keep_changing(
    catalogue: Arc<CatalogueService>,
    staff: Call,
    branch: Branch,
    prefix: String,
    mut stop: watch::Receiver<bool>,
) -> Changes {
    let api: &dyn CatalogueApi = catalogue.as_ref();
    let mut changes = Changes::default();
    let mut plain: Vec<CatalogueRecord> = Vec::new();
    let mut items: Vec<Item> = Vec::new();
    let mut step = 0usize;
    while !*stop.borrow() {
        step += 1;
        let form = RecordForm {
            title: format!("{prefix} ledger number {step}"),
            author: Some("Clerk, Busy".into()),
            year: Some(2000 + i32::try_from(step % 20).unwrap()),
            ..RecordForm::default()
        };
        let record = api
            .create_record(&staff, CreateRecord { content: RecordContent::Form(Box::new(form)) })
            .await
            .unwrap();
        changes.created += 1;
        if step.is_multiple_of(3) {
            let form = RecordForm {
                title: format!("{prefix} revised ledger {step}"),
                ..RecordForm::default()
            };
            let updated = api
                .update_record(
                    &staff,
                    UpdateRecord {
                        id: record.id.clone(),
                        version: record.version,
                        content: RecordContent::Form(Box::new(form)),
                    },
                )
                .await
                .unwrap();
            changes.updated += 1;
            plain.push(updated);
        } else if step.is_multiple_of(4) {
            let barcode = format!("{prefix}-{step:06}");
            let item = api
                .create_item(
                    &staff,
                    CreateItem {
                        record_id: record.id.clone(),
                        item: item_input(&barcode, &branch),
                    },
                )
                .await
                .unwrap();
            changes.items += 1;
            items.push(item);
        } else {
            plain.push(record);
        }
        if step.is_multiple_of(5) && plain.len() > 2 {
            let gone = plain.remove(plain.len() / 2);
            api.delete_record(&staff, ById { id: gone.id }).await.unwrap();
            changes.deleted += 1;
        }
        if step.is_multiple_of(7) && !items.is_empty() {
            let item = &items[step % items.len()];
            let status =
                if step.is_multiple_of(2) { ItemStatus::Missing } else { ItemStatus::Available };
            api.set_item_status(
                &staff,
                SetItemStatus { id: item.id.clone(), status, reason: None },
            )
            .await
            .unwrap();
            changes.statuses += 1;
        }
        tokio::select! {
            _ = stop.changed() => {}
            () = tokio::time::sleep(Duration::from_millis(5)) => {}
        }
    }
    changes
}

/// Starts a change maker on a library; returns its stop switch and its task.
async fn start_changing(
    world: &World,
    library: &TestLibrary,
    prefix: &str,
) -> (watch::Sender<bool>, tokio::task::JoinHandle<Changes>) {
    let branch = world.branch(library, &format!("{prefix}B"), &format!("{prefix} branch")).await;
    let (stop, signal) = watch::channel(false);
    let task = tokio::spawn(keep_changing(
        Arc::clone(&world.catalogue),
        library.staff.clone(),
        branch,
        prefix.to_string(),
        signal,
    ));
    (stop, task)
}

both_backends! {
    async fn a_record_and_its_copies_change_in_search_within_a_second(backend) {
        let world = World::start(backend).await;
        world.import_file(&world.north, &loc_books_1000()).await;
        world.wait_until_indexed().await;
        let service = Arc::clone(world.search());
        let patron = world.north.patron.clone();
        let find = |query: &'static str| {
            let service = Arc::clone(&service);
            let patron = patron.clone();
            async move { ids(&search(&service, &patron, SearchRequest { query: query.into(), ..request() }).await) }
        };

        // Created: found by its title within a second.
        let record = world
            .create_form(&world.north, RecordForm { title: "Zephyrine lighthouse chronicles".into(), year: Some(2020), ..RecordForm::default() })
            .await;
        within_a_second("a new record is found", || async { find("zephyrine lighthouse").await == vec![record.id.clone()] }).await;

        // Retitled: found by the new title and no longer by the old one.
        let updated = world
            .api()
            .update_record(
                &world.north.staff,
                UpdateRecord {
                    id: record.id.clone(),
                    version: record.version,
                    content: RecordContent::Form(Box::new(RecordForm { title: "Quenbury harbour chronicles".into(), ..RecordForm::default() })),
                },
            )
            .await
            .unwrap();
        assert_eq!(updated.title.as_deref(), Some("Quenbury harbour chronicles"));
        within_a_second("a new title is found and the old one is not", || async {
            find("quenbury harbour").await == vec![record.id.clone()] && find("zephyrine").await.is_empty()
        })
        .await;

        // Copies: availability follows the item's status.
        let branch = world.branch(&world.north, "HARB", "Harbour Branch").await;
        let item = world.add_item(&world.north, &record.id, &branch, "39500000000011").await;
        let shows = |available: bool| {
            let service = Arc::clone(&service);
            let patron = patron.clone();
            let record_id = record.id.clone();
            async move {
                let results = search(&service, &patron, SearchRequest { query: "quenbury".into(), facets: true, ..request() }).await;
                let Some(hit) = results.hits.iter().find(|hit| hit.record_id == record_id) else { return false };
                let harbour = hit.holdings.iter().find(|holding| holding.branch_code == "HARB");
                let filtered = search(
                    &service,
                    &patron,
                    SearchRequest {
                        query: "quenbury".into(),
                        filters: vec![FacetFilter { facet: FacetName::Availability, value: "available".into() }],
                        ..request()
                    },
                )
                .await;
                hit.available_now == available
                    && harbour.is_some_and(|holding| holding.copies == 1 && holding.available == u32::from(available))
                    && availability_count(&results) == u64::from(available)
                    && ids(&filtered).contains(&record_id) == available
            }
        };
        within_a_second("a new copy shows as available", || shows(true)).await;
        for status in [ItemStatus::Missing, ItemStatus::Available, ItemStatus::Lost] {
            world
                .api()
                .set_item_status(&world.north.staff, SetItemStatus { id: item.id.clone(), status, reason: Some("stocktake".into()) })
                .await
                .unwrap();
            let available = status == ItemStatus::Available;
            within_a_second(&format!("a copy set {status:?} shows available = {available}"), || shows(available)).await;
        }

        // Deleted: gone from search.
        world.api().delete_item(&world.north.staff, ById { id: item.id.clone() }).await.unwrap();
        world.api().delete_record(&world.north.staff, ById { id: record.id.clone() }).await.unwrap();
        within_a_second("a deleted record is gone", || async { find("quenbury harbour").await.is_empty() }).await;
        world.wait_until_indexed().await;
        assert_index_matches(&world, &world.north, "after the changes").await;
    }

    async fn a_restarted_search_service_catches_up_with_nothing_missing_or_doubled(backend) {
        let mut world = World::start(backend).await;
        world.import_file(&world.north, &loc_books_1000()).await;
        world.wait_until_indexed().await;
        let (stop, changer) = start_changing(&world, &world.south, "S").await;
        let pause = || tokio::time::sleep(Duration::from_millis(400));

        // Stopped politely while changes go on, then opened again on the same folder.
        pause().await;
        world.stop_search().await;
        pause().await;
        world.start_search();
        pause().await;
        // Killed in the middle of whatever it was doing, then opened again.
        world.kill_search().await;
        pause().await;
        world.start_search();
        pause().await;
        stop.send(true).unwrap();
        let changes = changer.await.unwrap();
        eprintln!("changes made meanwhile: {changes:?}");
        assert!(changes.created > 10 && changes.updated > 0 && changes.deleted > 0 && changes.statuses > 0, "{changes:?}");
        world.wait_until_indexed_within(Duration::from_secs(60)).await;
        assert_index_matches(&world, &world.south, "after two restarts").await;

        // A restart with nothing new changes nothing.
        world.stop_search().await;
        world.start_search();
        world.wait_until_indexed().await;
        assert_index_matches(&world, &world.south, "after a quiet restart").await;
    }

    async fn rebuilds_leave_the_index_equal_to_the_catalogue_while_searches_answer(backend) {
        let world = World::start(backend).await;
        world.import_file(&world.north, &loc_books_1000()).await;
        world.wait_until_indexed().await;
        // A query with many results of the north library, which nothing below changes.
        let expected = world.search_as(&world.north.patron, "history").await.total_records;
        assert!(expected > 20);

        let (stop_searching, searching) = watch::channel(false);
        let searcher = {
            let service = Arc::clone(world.search());
            let patron = world.north.patron.clone();
            tokio::spawn(async move {
                let mut answered = 0usize;
                while !*searching.borrow() {
                    let results = search(&service, &patron, SearchRequest { query: "history".into(), ..request() }).await;
                    assert_eq!(results.total_records, expected, "a search during a rebuild saw another index");
                    answered += 1;
                    tokio::time::sleep(Duration::from_millis(5)).await;
                }
                answered
            })
        };
        let (stop_changing, changer) = start_changing(&world, &world.south, "R").await;
        let north = world.north.tenant_id.clone();
        let south = world.south.tenant_id.clone();
        for tenant in [None, Some(south.as_str()), Some(north.as_str()), None] {
            let documents = world.search().rebuild_exclusive(tenant).await.unwrap();
            eprintln!("rebuilt {tenant:?}: {documents} records");
            assert!(documents > 0);
        }
        // A rebuild is refused while another runs.
        let service = Arc::clone(world.search());
        let (first, second) = tokio::join!(service.rebuild_exclusive(None), async {
            tokio::time::sleep(Duration::from_millis(5)).await;
            service.rebuild_exclusive(Some(north.as_str())).await
        });
        first.unwrap();
        athenaeum_testkit::refused(second.map_err(|error| error.into_api("test")), athenaeum_kernel::ErrorCode::Conflict);
        drop(service);

        stop_changing.send(true).unwrap();
        let changes = changer.await.unwrap();
        stop_searching.send(true).unwrap();
        let answered = searcher.await.unwrap();
        eprintln!("changes during the rebuilds: {changes:?}; searches answered: {answered}");
        assert!(answered > 10, "searches kept answering during the rebuilds");
        assert!(changes.created > 0);
        world.wait_until_indexed_within(Duration::from_secs(60)).await;
        assert_index_matches(&world, &world.south, "after the rebuilds").await;
        assert_index_matches(&world, &world.north, "after the rebuilds").await;
    }
}
