//! Search end to end, against the real binary: what staff catalogue is found by readers
//! of that library and by everyone searching every library (one result per work), live;
//! the search process killed while changes stream in resumes to an index that matches the
//! catalogue exactly; and `athenaeum reindex` rebuilds while the server keeps answering.
#![allow(clippy::unwrap_used, clippy::expect_used, reason = "tests fail loudly")]

use std::collections::BTreeSet;
use std::time::{Duration, Instant};

use athenaeum_e2e::{Deployment, Library, Topology, both_backends, data, every_deployment, within};
use serde_json::{Value, json};

/// What a library-scoped search returns of each hit.
const HIT_FIELDS: &str = "recordId tenantId title authors availableNow holdings { branchName copies available } staff { barcodes }";

/// Searches one library as `token`, or as the public naming `tenant`.
async fn search(
    deployment: &Deployment,
    query: &str,
    token: Option<&str>,
    tenant: Option<&str>,
) -> Value {
    let answer = deployment
        .graphql(
            &format!(
                "query($q: String!, $tenant: String) {{ search(query: $q, tenant: $tenant, first: 100) {{ totalRecords hits {{ {HIT_FIELDS} }} }} }}"
            ),
            json!({ "q": query, "tenant": tenant }),
            token,
        )
        .await;
    data(&answer)["search"].clone()
}

/// Searches every library.
async fn search_everywhere(deployment: &Deployment, query: &str) -> Value {
    let answer = deployment
        .graphql(
            "query($q: String!) { search(query: $q, options: {scope: EVERYWHERE}) { totalRecords totalWorks works { workKey title tenantIds availableNow holdings { tenantId branchName copies available } } } }",
            json!({ "q": query }),
            None,
        )
        .await;
    data(&answer)["search"].clone()
}

/// Creates a branch and returns its id.
async fn branch(deployment: &Deployment, library: &Library, code: &str, name: &str) -> String {
    let answer = deployment
        .graphql(
            "mutation($code: String!, $name: String!) { saveBranch(input: {code: $code, name: $name}) { id } }",
            json!({ "code": code, "name": name }),
            library.admin.token(),
        )
        .await;
    data(&answer)["saveBranch"]["id"].as_str().unwrap().to_string()
}

/// Catalogues a record with the simple form and returns its id.
async fn catalogue(
    deployment: &Deployment,
    library: &Library,
    title: &str,
    author: &str,
) -> String {
    let answer = deployment
        .graphql(
            "mutation($title: String!, $author: String!) { createRecord(form: {title: $title, author: $author}) { id } }",
            json!({ "title": title, "author": author }),
            library.admin.token(),
        )
        .await;
    data(&answer)["createRecord"]["id"].as_str().unwrap().to_string()
}

/// Adds a copy and returns its id.
async fn copy(
    deployment: &Deployment,
    library: &Library,
    record: &str,
    branch: &str,
    barcode: &str,
) -> String {
    let answer = deployment
        .graphql(
            "mutation($record: ID!, $branch: ID!, $barcode: String!) { createItem(recordId: $record, input: {barcode: $barcode, branchId: $branch}) { id } }",
            json!({ "record": record, "branch": branch, "barcode": barcode }),
            library.admin.token(),
        )
        .await;
    data(&answer)["createItem"]["id"].as_str().unwrap().to_string()
}

fn record_ids(found: &Value) -> Vec<&str> {
    found["hits"].as_array().unwrap().iter().map(|hit| hit["recordId"].as_str().unwrap()).collect()
}

every_deployment! {
    async fn what_staff_catalogue_is_found_at_once_in_its_library_and_everywhere(deployment) {
        let operator = deployment.create_operator().await;
        let north = deployment.onboard_library(&operator, "northshire").await;
        let south = deployment.onboard_library(&operator, "southmoor").await;
        let north_branch = branch(&deployment, &north, "MAIN", "Northshire Central").await;
        let south_branch = branch(&deployment, &south, "HQ", "Southmoor Library").await;

        // Both libraries catalogue the same work and shelve a copy.
        let north_record = catalogue(&deployment, &north, "Wuthering Heights", "Brontë, Emily").await;
        let north_item = copy(&deployment, &north, &north_record, &north_branch, "N0001").await;
        let south_record = catalogue(&deployment, &south, "Wuthering heights", "Bronte, Emily").await;
        copy(&deployment, &south, &south_record, &south_branch, "S0001").await;

        // The public of each library finds its own record, folded and stemmed, soon.
        let took = within(Duration::from_secs(5), "north's record searchable", || async {
            record_ids(&search(&deployment, "bronte wuthering", None, Some("northshire")).await) == [north_record.as_str()]
        })
        .await;
        eprintln!("searchable after {took:?} (from the createItem answer)");
        within(Duration::from_secs(5), "south's copy searchable", || async {
            let found = search(&deployment, "wuthering", None, Some("southmoor")).await;
            record_ids(&found) == [south_record.as_str()] && found["hits"][0]["holdings"][0]["copies"] == 1
        })
        .await;

        // Staff see barcodes in the results and find a copy by it; so does the public of
        // that library (a barcode is printed on the copy), without the staff details.
        let staff_view = search(&deployment, "N0001", north.admin.token(), None).await;
        assert_eq!(record_ids(&staff_view), [north_record.as_str()]);
        assert_eq!(staff_view["hits"][0]["staff"]["barcodes"], json!(["N0001"]));
        let public_view = search(&deployment, "N0001", None, Some("northshire")).await;
        assert_eq!(record_ids(&public_view), [north_record.as_str()], "{public_view}");
        assert_eq!(public_view["hits"][0]["staff"], Value::Null);
        let elsewhere = search(&deployment, "N0001", None, Some("southmoor")).await;
        assert_eq!(elsewhere["totalRecords"], 0, "south's public found north's barcode: {elsewhere}");
        let public_hit = search(&deployment, "wuthering", None, Some("northshire")).await;
        assert_eq!(public_hit["hits"][0]["staff"], Value::Null);
        // Another library's staff never see it, not even by its barcode.
        let other = search(&deployment, "N0001", south.admin.token(), None).await;
        assert_eq!(other["totalRecords"], 0, "{other}");
        let other = search(&deployment, "wuthering", south.admin.token(), None).await;
        assert_eq!(record_ids(&other), [south_record.as_str()]);

        // Everyone searching every library sees one work held by both.
        let everywhere = search_everywhere(&deployment, "wuthering heights").await;
        assert_eq!(everywhere["totalWorks"], 1, "{everywhere}");
        let work = &everywhere["works"][0];
        let tenants: BTreeSet<&str> = work["tenantIds"].as_array().unwrap().iter().map(|id| id.as_str().unwrap()).collect();
        assert_eq!(tenants, BTreeSet::from([north.tenant_id.as_str(), south.tenant_id.as_str()]));
        let branches: BTreeSet<&str> = work["holdings"].as_array().unwrap().iter().map(|holding| holding["branchName"].as_str().unwrap()).collect();
        assert_eq!(branches, BTreeSet::from(["Northshire Central", "Southmoor Library"]));
        assert_eq!(work["availableNow"], true);

        // The copy goes missing: availability follows within the same second or so.
        let missing = deployment
            .graphql(
                "mutation($id: ID!) { setItemStatus(id: $id, status: MISSING, reason: \"not on the shelf\") { status } }",
                json!({ "id": north_item }),
                north.admin.token(),
            )
            .await;
        assert_eq!(data(&missing)["setItemStatus"]["status"], "MISSING");
        let took = within(Duration::from_secs(5), "availability after the copy went missing", || async {
            let found = search(&deployment, "wuthering", None, Some("northshire")).await;
            found["hits"][0]["availableNow"] == false && found["hits"][0]["holdings"][0]["available"] == 0
        })
        .await;
        eprintln!("availability live after {took:?}");

        // A deleted record leaves the index.
        let answer = deployment
            .graphql("mutation($id: ID!) { deleteItem(id: $id) }", json!({ "id": north_item }), north.admin.token())
            .await;
        data(&answer);
        let answer = deployment
            .graphql("mutation($id: ID!) { deleteRecord(id: $id) }", json!({ "id": north_record }), north.admin.token())
            .await;
        data(&answer);
        within(Duration::from_secs(5), "the deleted record gone", || async {
            search(&deployment, "wuthering", None, Some("northshire")).await["totalRecords"] == 0
        })
        .await;
    }
}

/// Every record id of a library, as its staff list them.
async fn catalogue_ids(deployment: &Deployment, library: &Library) -> BTreeSet<String> {
    let mut ids = BTreeSet::new();
    let mut after: Option<String> = None;
    loop {
        let answer = deployment
            .graphql(
                "query($after: String) { records(first: 100, after: $after) { pageInfo { hasNextPage endCursor } nodes { id } } }",
                json!({ "after": after }),
                library.admin.token(),
            )
            .await;
        let page = &data(&answer)["records"];
        for node in page["nodes"].as_array().unwrap() {
            ids.insert(node["id"].as_str().unwrap().to_string());
        }
        if page["pageInfo"]["hasNextPage"] != true {
            return ids;
        }
        after = page["pageInfo"]["endCursor"].as_str().map(str::to_string);
    }
}

/// Every record id the index holds for a library (an empty query matches all), and how
/// many hits there were in all (to see doubles).
async fn indexed_ids(deployment: &Deployment, library: &Library) -> (BTreeSet<String>, usize) {
    let mut ids = BTreeSet::new();
    let mut hits = 0;
    let mut after: Option<String> = None;
    loop {
        let answer = deployment
            .graphql(
                "query($after: String) { search(query: \"\", first: 100, after: $after, options: {facets: false, sort: TITLE}) { hasNextPage endCursor hits { recordId } } }",
                json!({ "after": after }),
                library.admin.token(),
            )
            .await;
        let page = &data(&answer)["search"];
        for hit in page["hits"].as_array().unwrap() {
            hits += 1;
            ids.insert(hit["recordId"].as_str().unwrap().to_string());
        }
        if page["hasNextPage"] != true {
            return (ids, hits);
        }
        after = page["endCursor"].as_str().map(str::to_string);
    }
}

both_backends! {
    async fn the_search_process_killed_while_changes_stream_resumes_to_match_the_catalogue(backend) {
        let mut deployment = Deployment::builder(Topology::Split, backend).start().await;
        let operator = deployment.create_operator().await;
        let north = deployment.onboard_library(&operator, "northshire").await;
        let main = branch(&deployment, &north, "MAIN", "Central").await;

        // Changes stream in: records created, some given copies, some deleted. The search
        // process is killed part-way and started again later, while the stream goes on.
        let mut created = Vec::new();
        for number in 0..90 {
            let id = catalogue(&deployment, &north, &format!("Streamed record {number}"), "Writer, Some").await;
            if number % 3 == 0 {
                copy(&deployment, &north, &id, &main, &format!("B{number:04}")).await;
            } else if number % 7 == 0 {
                let answer = deployment
                    .graphql("mutation($id: ID!) { deleteRecord(id: $id) }", json!({ "id": id }), north.admin.token())
                    .await;
                data(&answer);
                continue;
            }
            created.push(id);
            if number == 25 {
                deployment.search().kill();
            }
            if number == 60 {
                deployment.search().restart(&[]).await;
            }
        }
        let expected = catalogue_ids(&deployment, &north).await;
        assert_eq!(expected, created.iter().cloned().collect::<BTreeSet<_>>());

        let started = Instant::now();
        loop {
            let (ids, hits) = indexed_ids(&deployment, &north).await;
            if ids == expected {
                assert_eq!(hits, expected.len(), "no record is indexed twice");
                break;
            }
            assert!(
                started.elapsed() < Duration::from_secs(30),
                "the index does not match the catalogue: {} indexed, {} catalogued, missing {:?}, extra {:?}",
                ids.len(),
                expected.len(),
                expected.difference(&ids).collect::<Vec<_>>(),
                ids.difference(&expected).collect::<Vec<_>>()
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        let status = deployment
            .graphql("{ searchIndexStatus { documents position rebuilding } }", json!({}), operator.token())
            .await;
        assert_eq!(data(&status)["searchIndexStatus"]["documents"].as_u64().unwrap() as usize, expected.len());

        // Killed again with nothing in flight: it comes back to the same index.
        deployment.search().kill();
        deployment.search().restart(&[]).await;
        let (ids, hits) = indexed_ids(&deployment, &north).await;
        assert_eq!((ids, hits), (expected.clone(), expected.len()));
    }

    async fn reindex_rebuilds_while_the_server_keeps_answering_and_a_lost_index_rebuilds_itself(backend) {
        let mut deployment = Deployment::builder(Topology::AllInOne, backend).start().await;
        let operator = deployment.create_operator().await;
        let north = deployment.onboard_library(&operator, "northshire").await;
        let mut ids = BTreeSet::new();
        for number in 0..20 {
            ids.insert(catalogue(&deployment, &north, &format!("Rebuilt title {number}"), "Author, An").await);
        }
        within(Duration::from_secs(10), "indexed", || async { indexed_ids(&deployment, &north).await.0 == ids }).await;

        // The command finds the server holding the index and has it rebuild.
        let output = deployment.cli(&["reindex"], None).await;
        assert!(output.contains("is rebuilding"), "{output}");
        assert!(output.contains("rebuilt the whole index: 20 records"), "{output}");
        let (found, hits) = indexed_ids(&deployment, &north).await;
        assert_eq!((found, hits), (ids.clone(), ids.len()));
        let output = deployment.cli(&["reindex", "--tenant", "northshire"], None).await;
        assert!(output.contains("rebuilt library"), "{output}");
        assert_eq!(indexed_ids(&deployment, &north).await.0, ids);
        // Searching keeps working after the swap, and new changes still arrive.
        let added = catalogue(&deployment, &north, "Added after the rebuild", "Author, An").await;
        within(Duration::from_secs(10), "a change after the rebuild", || async {
            record_ids(&search(&deployment, "added after rebuild", north.admin.token(), None).await) == [added.as_str()]
        })
        .await;
        ids.insert(added);

        // The index is derived data: with its folder gone, a restart builds it again.
        deployment.kill();
        std::fs::remove_dir_all(deployment.data_dir().join("search")).unwrap();
        deployment.restart(&[]).await;
        within(Duration::from_secs(20), "the index rebuilt after its folder was deleted", || async {
            indexed_ids(&deployment, &north).await == (ids.clone(), ids.len())
        })
        .await;
    }
}

both_backends! {
    async fn under_a_steady_stream_of_edits_changes_are_searchable_within_a_second(backend) {
        let deployment = Deployment::builder(Topology::Split, backend).start().await;
        let operator = deployment.create_operator().await;
        let north = deployment.onboard_library(&operator, "northshire").await;

        // A cataloguer saves a record every 50 ms for five seconds, while a reader keeps
        // searching; each record's delay is from its save being answered to its first
        // appearance in results.
        let total = 100;
        let (saved_sender, mut saved) = tokio::sync::mpsc::unbounded_channel();
        let writer = {
            let deployment = &deployment;
            let north = &north;
            async move {
                let mut ticker = tokio::time::interval(Duration::from_millis(50));
                for number in 0..total {
                    ticker.tick().await;
                    catalogue(deployment, north, &format!("Steadystream {number}"), "Stream, Ed").await;
                    saved_sender.send((number, Instant::now())).unwrap();
                }
            }
        };
        let reader = async {
            let mut saved_at = std::collections::HashMap::new();
            let mut delays = Vec::new();
            let mut seen = BTreeSet::new();
            let deadline = Instant::now() + Duration::from_secs(60);
            while seen.len() < total {
                assert!(Instant::now() < deadline, "only {} of {total} records became searchable", seen.len());
                let found = search(&deployment, "steadystream", None, Some("northshire")).await;
                let now = Instant::now();
                while let Ok((number, at)) = saved.try_recv() {
                    saved_at.insert(number, at);
                }
                for hit in found["hits"].as_array().unwrap() {
                    let number: usize = hit["title"].as_str().unwrap().rsplit(' ').next().unwrap().parse().unwrap();
                    if let Some(at) = saved_at.get(&number)
                        && seen.insert(number)
                    {
                        delays.push(now.duration_since(*at));
                    }
                }
                tokio::time::sleep(Duration::from_millis(10)).await;
            }
            delays
        };
        let ((), mut delays) = tokio::join!(writer, reader);
        delays.sort();
        let at = |fraction: f64| delays[((delays.len() as f64 * fraction).ceil() as usize).saturating_sub(1)];
        eprintln!(
            "{} edits at 20/s: searchable after p50 {:?}, p95 {:?}, max {:?}",
            delays.len(),
            at(0.50),
            at(0.95),
            delays.last().unwrap()
        );
        assert!(at(0.95) < Duration::from_secs(1), "p95 {:?} is a second or more", at(0.95));
    }
}
