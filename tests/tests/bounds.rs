//! Every way into the gateway is bounded before it is read, against the real binary:
//! the parts of a multipart request, who may upload and how many uploads run at once,
//! how long a body may take, what a query may cost, and what `/metrics` may grow by; and
//! an ordinary search keeps its latency while all of these are tried at once.
#![allow(clippy::unwrap_used, clippy::expect_used, reason = "tests fail loudly")]

use std::time::{Duration, Instant};

use athenaeum_e2e::{
    Deployment, Library, MULTIPART_BOUNDARY, RawRequest, Topology, both_backends, data, error_code,
    multipart_upload_start,
};
use serde_json::{Value, json};

/// Body timeouts short enough for a test: a body must arrive within 3 s and never pause
/// for 2 s.
const SHORT_BODY_TIMEOUTS: [(&str, &str); 2] = [
    ("ATHENAEUM__SERVER__BODY_TIMEOUT_SECONDS", "3"),
    ("ATHENAEUM__SERVER__BODY_IDLE_TIMEOUT_SECONDS", "2"),
];

async fn start(backend: athenaeum_e2e::Backend, settings: &[(&str, &str)]) -> Deployment {
    let mut builder = Deployment::builder(Topology::AllInOne, backend);
    for (name, value) in settings {
        builder = builder.setting(name, value);
    }
    builder.start().await
}

async fn library(deployment: &Deployment, slug: &str) -> Library {
    let operator = deployment.create_operator().await;
    deployment.onboard_library(&operator, slug).await
}

/// Posts a GraphQL multipart request (`importMarc` of `file`) whose `operations` part
/// carries `padding` bytes more in a variable nobody reads.
async fn upload_padded(
    deployment: &Deployment,
    token: Option<&str>,
    padding: usize,
) -> (u16, Value) {
    let operations = json!({
        "query": "mutation($file: Upload!) { importMarc(file: $file) { id } }",
        "variables": { "file": null, "padding": "x".repeat(padding) }
    });
    let form = reqwest::multipart::Form::new()
        .text("operations", operations.to_string())
        .text("map", json!({ "0": ["variables.file"] }).to_string())
        .part("0", reqwest::multipart::Part::bytes(b"not MARC".to_vec()).file_name("records.mrc"));
    let mut request = deployment.http().post(deployment.graphql_url()).multipart(form);
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    let response = request.send().await.unwrap();
    let status = response.status().as_u16();
    let text = response.text().await.unwrap();
    (status, serde_json::from_str(&text).unwrap_or(Value::String(text)))
}

/// Starts an upload of a 150 MiB file and sends only the start of its body.
async fn start_large_upload(deployment: &Deployment, token: Option<&str>) -> RawRequest {
    let start = multipart_upload_start();
    let mut headers = vec![
        ("Content-Type", format!("multipart/form-data; boundary={MULTIPART_BOUNDARY}")),
        ("Content-Length", (150_u64 << 20).to_string()),
        ("Accept", "application/json".to_string()),
    ];
    if let Some(token) = token {
        headers.push(("Authorization", format!("Bearer {token}")));
    }
    RawRequest::start(deployment.url(), "POST", "/graphql", &headers, &start).await
}

both_backends! {
    async fn an_oversized_operations_part_of_a_multipart_request_is_refused_with_413(backend) {
        let deployment = start(backend, &[("ATHENAEUM__GRAPHQL__BODY_BYTES", "65536")]).await;
        let north = library(&deployment, "northshire").await;

        let (status, answer) = upload_padded(&deployment, north.admin.token(), 1 << 20).await;
        let (small_status, small) = upload_padded(&deployment, north.admin.token(), 10).await;

        assert_eq!(status, 413, "{answer}");
        assert_eq!(error_code(&answer), Some("TOO_LARGE"), "{answer}");
        assert!(answer.to_string().contains("operations"), "the refusal names the part: {answer}");
        assert_eq!(small_status, 200, "an upload within the limits is taken: {small}");
        assert!(data(&small)["importMarc"]["id"].is_string(), "{small}");
    }

    async fn an_upload_is_refused_to_anyone_but_staff_before_its_body_is_read(backend) {
        let deployment = start(backend, &[]).await;
        let north = library(&deployment, "northshire").await;
        let patron = deployment
            .add_member(&north.admin, "pat.patron@northshire.test", &["PATRON"])
            .await;

        // 150 MiB announced, a few hundred bytes sent: the answer comes without the rest.
        let mut anonymous = start_large_upload(&deployment, None).await;
        let anonymous_status = anonymous.status_within(Duration::from_secs(5)).await;
        let mut as_patron = start_large_upload(&deployment, patron.token()).await;
        let patron_status = as_patron.status_within(Duration::from_secs(5)).await;

        assert_eq!(anonymous_status, Some(401), "{}", anonymous.received());
        assert!(anonymous.received().contains("UNAUTHENTICATED"), "{}", anonymous.received());
        assert_eq!(patron_status, Some(403), "{}", as_patron.received());
        assert!(as_patron.received().contains("FORBIDDEN"), "{}", as_patron.received());
    }

    async fn uploads_in_flight_are_capped_per_library_and_in_all_and_the_room_is_freed(backend) {
        let deployment = start(backend, &[
            ("ATHENAEUM__GRAPHQL__CONCURRENT_UPLOADS", "2"),
            ("ATHENAEUM__GRAPHQL__CONCURRENT_UPLOADS_PER_LIBRARY", "1"),
        ]).await;
        let operator = deployment.create_operator().await;
        let north = deployment.onboard_library(&operator, "northshire").await;
        let south = deployment.onboard_library(&operator, "southmoor").await;
        let west = deployment.onboard_library(&operator, "westvale").await;

        // North's first upload is admitted and keeps sending.
        let mut north_first = start_large_upload(&deployment, north.admin.token()).await;
        assert!(north_first.send(&[b'x'; 4096]).await);
        let mut north_second = start_large_upload(&deployment, north.admin.token()).await;
        let north_refused = north_second.status_within(Duration::from_secs(5)).await;
        let mut south_first = start_large_upload(&deployment, south.admin.token()).await;
        let south_admitted = south_first.status_within(Duration::from_millis(500)).await;
        let mut west_first = start_large_upload(&deployment, west.admin.token()).await;
        let west_refused = west_first.status_within(Duration::from_secs(5)).await;
        // North's first upload stops: its room is freed.
        drop(north_first);
        tokio::time::sleep(Duration::from_millis(500)).await;
        let (after_status, after) = upload_padded(&deployment, north.admin.token(), 0).await;

        assert_eq!(north_refused, Some(429), "{}", north_second.received());
        assert!(north_second.received().contains("RATE_LIMITED"), "{}", north_second.received());
        assert!(north_second.received().to_ascii_lowercase().contains("retry-after"));
        assert_eq!(south_admitted, None, "another library's upload is being read: {}", south_first.received());
        assert_eq!(west_refused, Some(429), "over the cap in all: {}", west_first.received());
        assert_eq!(after_status, 200, "{after}");
        assert!(data(&after)["importMarc"]["id"].is_string(), "{after}");
    }

    async fn a_body_sent_slowly_or_left_unfinished_is_cut_with_408(backend) {
        let deployment = start(backend, &SHORT_BODY_TIMEOUTS).await;
        let headers = [
            ("Content-Type", "application/json".to_string()),
            ("Content-Length", "2000".to_string()),
            ("Accept", "application/json".to_string()),
        ];

        // One byte every half second: never idle for long, but never done.
        let started = Instant::now();
        let mut trickle = RawRequest::start(deployment.url(), "POST", "/graphql", &headers, b"{").await;
        let mut trickle_status = None;
        while trickle_status.is_none() && started.elapsed() < Duration::from_secs(10) {
            trickle.send(b" ").await;
            trickle_status = trickle.status_within(Duration::from_millis(500)).await;
        }
        let trickle_took = started.elapsed();
        // Half a body, then silence.
        let started = Instant::now();
        let mut idle = RawRequest::start(deployment.url(), "POST", "/graphql", &headers, b"{\"query\":").await;
        let idle_status = idle.status_within(Duration::from_secs(10)).await;
        let idle_took = started.elapsed();

        assert_eq!(trickle_status, Some(408), "{}", trickle.received());
        assert!(trickle_took < Duration::from_secs(5), "cut after {trickle_took:?}");
        assert_eq!(idle_status, Some(408), "{}", idle.received());
        assert!(idle_took < Duration::from_secs(4), "cut after {idle_took:?}");
        let answer = deployment.graphql("{ __typename }", json!({}), None).await;
        assert_eq!(data(&answer)["__typename"], "Query");
    }

    async fn a_query_costs_what_its_fields_fetch_so_many_large_pages_or_searches_are_refused(backend) {
        let deployment = start(backend, &[]).await;
        let _north = library(&deployment, "northshire").await;
        let searches: String = (0..60)
            .map(|n| format!("s{n}: search(query: \"a\", first: 100, options: {{scope: EVERYWHERE}}) {{ totalRecords works {{ title }} }} "))
            .collect();
        let marc: String = (0..200)
            .map(|n| format!("r{n}: records(tenant: \"northshire\", first: 100) {{ nodes {{ marc }} }} "))
            .collect();

        let started = Instant::now();
        let many_searches = deployment.graphql(&format!("{{ {searches} }}"), json!({}), None).await;
        let many_marc = deployment.graphql(&format!("{{ {marc} }}"), json!({}), None).await;
        let refused_in = started.elapsed();
        let one_search = deployment.graphql(
            "{ search(query: \"a\", first: 20, options: {scope: EVERYWHERE}) { totalRecords works { title } } }",
            json!({}),
            None,
        ).await;
        let wide_page = deployment.graphql(
            "{ search(query: \"a\", tenant: \"northshire\", first: 100) { totalRecords hits { recordId tenantId title authors availableNow holdings { branchName copies available } } } }",
            json!({}),
            None,
        ).await;
        let one_marc_page = deployment.graphql(
            "{ records(tenant: \"northshire\", first: 100) { nodes { title marc } } }",
            json!({}),
            None,
        ).await;

        assert_eq!(error_code(&many_searches), Some("TOO_LARGE"), "{many_searches}");
        assert!(many_searches["data"].is_null(), "nothing ran: {many_searches}");
        assert!(
            many_searches["errors"][0]["message"].as_str().unwrap().contains("asks for too much at once"),
            "{many_searches}"
        );
        assert_eq!(error_code(&many_marc), Some("TOO_LARGE"), "{many_marc}");
        assert!(refused_in < Duration::from_secs(2), "refused before running: {refused_in:?}");
        assert!(data(&one_search)["search"]["totalRecords"].is_number(), "{one_search}");
        assert!(data(&one_marc_page)["records"]["nodes"].is_array(), "{one_marc_page}");
        assert!(data(&wide_page)["search"]["hits"].is_array(), "a page of 100 hits' usual fields is allowed: {wide_page}");
    }

    async fn operations_that_fail_validation_do_not_grow_the_metrics(backend) {
        let deployment = start(backend, &[]).await;
        let metrics_size = || async {
            let response = deployment.http().get(format!("{}/metrics", deployment.url())).send().await.unwrap();
            response.text().await.unwrap()
        };
        // One of each first, so that `before` already shows the series they fall into.
        deployment.graphql("{ unknownField }", json!({}), None).await;
        deployment.graphql("{ a: __typename b: __typename }", json!({}), None).await;
        let before = metrics_size().await;

        for number in 0..300 {
            deployment.graphql(&format!("{{ unknownField{number} }}"), json!({}), None).await;
            deployment
                .graphql(&format!("query Named{number} {{ a{number}: __typename b{number}: __typename }}"), json!({}), None)
                .await;
        }
        let after = metrics_size().await;

        assert!(!after.contains("unknownField"), "labels are not made from refused documents");
        assert!(!after.contains("Named"), "nor from operation names or aliases");
        assert!(
            after.len() < before.len() + 4096,
            "/metrics grew from {} to {} bytes",
            before.len(),
            after.len()
        );
        assert!(after.contains("operation=\"invalid\""), "refused operations are counted: {after}");
    }
}
