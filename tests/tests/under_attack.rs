//! An ordinary search keeps its usual latency while the attacks the request limits bound
//! run at once against the same server: oversized multipart parts, uploads by people who
//! may not upload, queries that ask for as much as one request may, and bodies sent a
//! byte at a time. The figures are printed; the search must stay within twice its usual
//! median.
#![allow(clippy::unwrap_used, clippy::expect_used, reason = "tests fail loudly")]
#![allow(clippy::print_stdout, reason = "the test prints what it measured")]

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use athenaeum_e2e::{
    Deployment, MULTIPART_BOUNDARY, RawRequest, Topology, both_backends, data,
    multipart_upload_start,
};
use serde_json::json;

/// Records catalogued for the search to find.
const RECORDS: usize = 30;
/// Rounds of measurement: each times searches without the attacks, then with them, so
/// that a change in the machine's other load falls on both figures alike.
const ROUNDS: usize = 4;
/// Searches timed in each half of a round.
const SAMPLES: usize = 10;
/// How long the attacks run before searches are timed among them.
const RAMP: Duration = Duration::from_millis(1500);
/// Connections held open sending a byte at a time.
const SLOW_CONNECTIONS: usize = 100;

const ORDINARY_SEARCH: &str = "{ search(query: \"collection\", tenant: \"northshire\", first: 10) { totalRecords hits { title authors } } }";

/// Asks for about as much as one request may (4,002 of the 5,000): a search of every
/// library with a page of 100, and a page of 100 records written as MARC.
const LARGEST_ALLOWED: &str = "{ search(query: \"collection\", first: 100, options: {scope: EVERYWHERE}) { totalRecords works { title } } records(tenant: \"northshire\", first: 100) { nodes { title marc } } }";

/// Times `SAMPLES` ordinary searches, one after another.
async fn time_searches(http: &reqwest::Client, url: &str) -> Vec<Duration> {
    let mut times = Vec::with_capacity(SAMPLES);
    for _ in 0..SAMPLES {
        let started = Instant::now();
        let answer: serde_json::Value = http
            .post(url)
            .json(&json!({ "query": ORDINARY_SEARCH }))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        times.push(started.elapsed());
        assert_eq!(data(&answer)["search"]["totalRecords"], RECORDS, "{answer}");
    }
    times
}

fn percentile(sorted: &[Duration], percent: usize) -> Duration {
    sorted[(sorted.len() - 1) * percent / 100]
}

fn milliseconds(duration: Duration) -> f64 {
    duration.as_secs_f64() * 1000.0
}

/// What the attacks did, counted.
#[derive(Default)]
struct Counts {
    oversized_parts: AtomicUsize,
    refused_uploads: AtomicUsize,
    costly_queries: AtomicUsize,
    slow_bodies_cut: AtomicUsize,
}

/// How long an attacking client waits between one answer and its next request.
const PAUSE: Duration = Duration::from_millis(100);

/// Runs `attack` again and again until `stop`, pausing [`PAUSE`] between.
fn repeat<F, Fut>(stop: &Arc<AtomicBool>, mut attack: F) -> tokio::task::JoinHandle<()>
where
    F: FnMut() -> Fut + Send + 'static,
    Fut: std::future::Future<Output = ()> + Send,
{
    let stop = Arc::clone(stop);
    tokio::spawn(async move {
        while !stop.load(Ordering::Relaxed) {
            attack().await;
            tokio::time::sleep(PAUSE).await;
        }
    })
}

/// Starts the attacks of findings 1 to 4, each as a client that sends its next request
/// [`PAUSE`] after the last was answered (the slow bodies all at once, a byte each a
/// second).
fn attack(
    base: &str,
    http: &reqwest::Client,
    staff_token: &str,
    stop: &Arc<AtomicBool>,
    counts: &Arc<Counts>,
) -> Vec<tokio::task::JoinHandle<()>> {
    let graphql = format!("{base}/graphql");
    let mut attacks = Vec::new();

    // 1: staff send `operations` parts of 2 MiB, over the 1 MiB allowed. Bodies are made
    // once, so that the attacking client spends its time sending, not building.
    let operations = json!({
        "query": "mutation($file: Upload!) { importMarc(file: $file) { id } }",
        "variables": { "file": null, "padding": "x".repeat(2 << 20) }
    });
    let mut oversized = Vec::new();
    for (name, value) in [
        ("operations", operations.to_string()),
        ("map", json!({ "0": ["variables.file"] }).to_string()),
    ] {
        oversized.extend_from_slice(
            format!("--{MULTIPART_BOUNDARY}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n").as_bytes(),
        );
    }
    oversized.extend_from_slice(
        format!("--{MULTIPART_BOUNDARY}\r\nContent-Disposition: form-data; name=\"0\"; filename=\"a.mrc\"\r\n\r\nx\r\n--{MULTIPART_BOUNDARY}--\r\n").as_bytes(),
    );
    let (client, url, token, seen) =
        (http.clone(), graphql.clone(), staff_token.to_string(), Arc::clone(counts));
    attacks.push(repeat(stop, move || {
        let (client, url, token, seen, body) =
            (client.clone(), url.clone(), token.clone(), Arc::clone(&seen), oversized.clone());
        async move {
            let sent = client
                .post(&url)
                .bearer_auth(&token)
                .header(
                    "Content-Type",
                    format!("multipart/form-data; boundary={MULTIPART_BOUNDARY}"),
                )
                .body(body)
                .send()
                .await;
            if sent.is_ok_and(|response| response.status() == 413) {
                seen.oversized_parts.fetch_add(1, Ordering::Relaxed);
            }
        }
    }));

    // 2: anonymous uploads announcing 150 MiB.
    let (address, seen) = (base.to_string(), Arc::clone(counts));
    attacks.push(repeat(stop, move || {
        let (address, seen) = (address.clone(), Arc::clone(&seen));
        async move {
            let headers = [
                ("Content-Type", format!("multipart/form-data; boundary={MULTIPART_BOUNDARY}")),
                ("Content-Length", (150_u64 << 20).to_string()),
            ];
            let mut upload = RawRequest::start(
                &address,
                "POST",
                "/graphql",
                &headers,
                &multipart_upload_start(),
            )
            .await;
            for _ in 0..16 {
                if !upload.send(&[b'x'; 64 * 1024]).await {
                    break;
                }
            }
            if upload.status_within(Duration::from_secs(5)).await == Some(401) {
                seen.refused_uploads.fetch_add(1, Ordering::Relaxed);
            }
        }
    }));

    // 3: sixty searches of every library in one request and 200 pages of records as MARC
    // in another (both refused), and the most one request may ask for (answered), in
    // turn.
    let (client, url, seen) = (http.clone(), graphql, Arc::clone(counts));
    let too_costly: String = (0..60)
        .map(|n| format!("s{n}: search(query: \"collection\", first: 100, options: {{scope: EVERYWHERE}}) {{ totalRecords works {{ title }} }} "))
        .collect();
    let too_costly = format!("{{ {too_costly} }}");
    let marc: String = (0..200)
        .map(|n| {
            format!("r{n}: records(tenant: \"northshire\", first: 100) {{ nodes {{ marc }} }} ")
        })
        .collect();
    let marc = format!("{{ {marc} }}");
    let bodies: Vec<Vec<u8>> = [too_costly.as_str(), marc.as_str(), LARGEST_ALLOWED]
        .into_iter()
        .map(|query| json!({ "query": query }).to_string().into_bytes())
        .collect();
    attacks.push(repeat(stop, move || {
        let (client, url, seen, bodies) =
            (client.clone(), url.clone(), Arc::clone(&seen), bodies.clone());
        async move {
            for body in bodies {
                let request =
                    client.post(&url).header("Content-Type", "application/json").body(body);
                if request.send().await.is_ok() {
                    seen.costly_queries.fetch_add(1, Ordering::Relaxed);
                }
            }
        }
    }));

    // 4: slow bodies, a byte each second, replaced as they are cut.
    let (address, stop_slow, seen) = (base.to_string(), Arc::clone(stop), Arc::clone(counts));
    attacks.push(tokio::spawn(async move {
        let headers = [
            ("Content-Type", "application/json".to_string()),
            ("Content-Length", "100000".to_string()),
        ];
        let mut connections = Vec::new();
        while !stop_slow.load(Ordering::Relaxed) {
            while connections.len() < SLOW_CONNECTIONS {
                connections
                    .push(RawRequest::start(&address, "POST", "/graphql", &headers, b"{").await);
            }
            let mut open = Vec::with_capacity(connections.len());
            for mut connection in connections {
                if connection.send(b" ").await
                    && connection.status_within(Duration::from_millis(1)).await.is_none()
                {
                    open.push(connection);
                } else {
                    seen.slow_bodies_cut.fetch_add(1, Ordering::Relaxed);
                }
            }
            connections = open;
            tokio::time::sleep(Duration::from_secs(1)).await;
        }
    }));
    attacks
}

both_backends! {
    async fn an_ordinary_search_keeps_its_latency_under_the_bounded_attacks(backend) {
        let deployment = Deployment::builder(Topology::AllInOne, backend)
            .setting("ATHENAEUM__SERVER__WORKERS", "2")
            .setting("ATHENAEUM__SERVER__BODY_TIMEOUT_SECONDS", "1")
            .setting("ATHENAEUM__SERVER__BODY_IDLE_TIMEOUT_SECONDS", "2")
            .start()
            .await;
        let operator = deployment.create_operator().await;
        let north = deployment.onboard_library(&operator, "northshire").await;
        for number in 0..RECORDS {
            let answer = deployment
                .graphql(
                    "mutation($title: String!) { createRecord(form: {title: $title, author: \"Ada Lovelace\"}) { id } }",
                    json!({ "title": format!("Volume {number} of the northshire collection") }),
                    north.admin.token(),
                )
                .await;
            data(&answer);
        }
        let started = Instant::now();
        loop {
            let answer = deployment.graphql(ORDINARY_SEARCH, json!({}), None).await;
            if data(&answer)["search"]["totalRecords"] == RECORDS {
                break;
            }
            assert!(started.elapsed() < Duration::from_secs(30), "not indexed: {answer}");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        let http = reqwest::Client::new();
        let url = deployment.graphql_url();
        time_searches(&http, &url).await;

        let (mut usual, mut attacked) = (Vec::new(), Vec::new());
        let counts = Arc::new(Counts::default());
        for _ in 0..ROUNDS {
            usual.extend(time_searches(&http, &url).await);
            let stop = Arc::new(AtomicBool::new(false));
            let attacks = attack(deployment.url(), deployment.http(), north.admin.token().unwrap(), &stop, &counts);
            tokio::time::sleep(RAMP).await;
            attacked.extend(time_searches(&http, &url).await);
            stop.store(true, Ordering::Relaxed);
            for attack in attacks {
                attack.await.unwrap();
            }
        }
        usual.sort();
        attacked.sort();

        let (usual_median, attacked_median) = (percentile(&usual, 50), percentile(&attacked, 50));
        println!(
            "ordinary search, {} each: usual median {:.1} ms (p90 {:.1} ms); under attack median {:.1} ms (p90 {:.1} ms), {:.2}x",
            usual.len(),
            milliseconds(usual_median),
            milliseconds(percentile(&usual, 90)),
            milliseconds(attacked_median),
            milliseconds(percentile(&attacked, 90)),
            attacked_median.as_secs_f64() / usual_median.as_secs_f64(),
        );
        println!(
            "attacks answered meanwhile: {} oversized parts refused (413), {} uploads refused before their body (401), {} costly queries, {} slow bodies cut",
            counts.oversized_parts.load(Ordering::Relaxed),
            counts.refused_uploads.load(Ordering::Relaxed),
            counts.costly_queries.load(Ordering::Relaxed),
            counts.slow_bodies_cut.load(Ordering::Relaxed),
        );
        assert!(counts.oversized_parts.load(Ordering::Relaxed) > 0);
        assert!(counts.refused_uploads.load(Ordering::Relaxed) > 0);
        assert!(counts.costly_queries.load(Ordering::Relaxed) > 0);
        assert!(counts.slow_bodies_cut.load(Ordering::Relaxed) > 0, "slow bodies are cut");
        assert!(
            attacked_median <= usual_median * 2,
            "an ordinary search took {attacked_median:?} under attack against {usual_median:?} usually"
        );
    }
}
