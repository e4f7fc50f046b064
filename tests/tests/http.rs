//! The HTTP face of the platform as the GraphQL-over-HTTP specification and operators'
//! tooling see it: status codes and media types, limits, GraphiQL, metrics, readiness,
//! request ids, and graphql-ws subscriptions.
#![allow(clippy::unwrap_used, clippy::expect_used, reason = "tests fail loudly")]

use std::time::{Duration, Instant};

use athenaeum_e2e::{Deployment, Session, Topology, both_backends, data, error_code};
use futures_util::{SinkExt as _, StreamExt as _};
use reqwest::header::{HeaderMap, HeaderValue};
use serde_json::{Value, json};
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest as _;

const GRAPHQL_RESPONSE_JSON: &str = "application/graphql-response+json";

/// An HTTP answer as a client sees it.
struct Answer {
    status: u16,
    headers: HeaderMap,
    text: String,
}

impl Answer {
    async fn from(response: reqwest::Response) -> Answer {
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        let text = response.text().await.unwrap();
        Answer { status, headers, text }
    }

    fn json(&self) -> Value {
        serde_json::from_str(&self.text).unwrap_or_else(|error| {
            panic!("not JSON ({error}), status {}: {}", self.status, self.text)
        })
    }

    fn header(&self, name: &str) -> &str {
        self.headers.get(name).and_then(|value| value.to_str().ok()).unwrap_or("")
    }
}

/// POSTs `body` to `/graphql` with the given `Accept` and `Content-Type`.
async fn post(deployment: &Deployment, accept: &str, content_type: &str, body: String) -> Answer {
    let response = deployment
        .http()
        .post(deployment.graphql_url())
        .header("Accept", accept)
        .header("Content-Type", content_type)
        .body(body)
        .send()
        .await
        .unwrap();
    Answer::from(response).await
}

/// POSTs a GraphQL query as `application/json`, accepting `accept`.
async fn post_query(deployment: &Deployment, accept: &str, query: &str) -> Answer {
    post(deployment, accept, "application/json", json!({ "query": query }).to_string()).await
}

/// GETs `/graphql` with `query` in the query string.
async fn get_query(deployment: &Deployment, query: &str) -> Answer {
    let url = url::Url::parse_with_params(&deployment.graphql_url(), [("query", query)]).unwrap();
    let response =
        deployment.http().get(url).header("Accept", GRAPHQL_RESPONSE_JSON).send().await.unwrap();
    Answer::from(response).await
}

async fn get(deployment: &Deployment, url: &str) -> Answer {
    Answer::from(deployment.http().get(url).send().await.unwrap()).await
}

both_backends! {
    async fn a_syntax_error_is_a_bad_request_with_errors_and_no_data(backend) {
        let deployment = Deployment::all_in_one(backend).await;

        let answer = post_query(&deployment, GRAPHQL_RESPONSE_JSON, "{ version").await;

        assert_eq!(answer.status, 400, "{}", answer.text);
        assert!(answer.header("content-type").starts_with(GRAPHQL_RESPONSE_JSON));
        let body = answer.json();
        assert!(body.get("data").is_none(), "{body}");
        assert_eq!(error_code(&body), Some("VALIDATION"), "{body}");
        assert!(!body["errors"][0]["message"].as_str().unwrap().is_empty(), "{body}");
    }

    async fn a_query_for_a_field_the_schema_lacks_is_a_bad_request(backend) {
        let deployment = Deployment::all_in_one(backend).await;

        let answer =
            post_query(&deployment, GRAPHQL_RESPONSE_JSON, "{ overdueLoans { id } }").await;

        assert_eq!(answer.status, 400, "{}", answer.text);
        let body = answer.json();
        assert!(body.get("data").is_none(), "{body}");
        assert_eq!(error_code(&body), Some("VALIDATION"), "{body}");
        assert!(body["errors"][0]["message"].as_str().unwrap().contains("overdueLoans"), "{body}");
    }

    async fn a_resolver_error_is_answered_200_with_a_stable_error_code(backend) {
        let deployment = Deployment::all_in_one(backend).await;

        let answer =
            post_query(&deployment, GRAPHQL_RESPONSE_JSON, "{ me { account { id } } }").await;

        assert_eq!(answer.status, 200, "{}", answer.text);
        let body = answer.json();
        assert_eq!(error_code(&body), Some("UNAUTHENTICATED"), "{body}");
        assert_eq!(body["errors"][0]["path"], json!(["me"]), "{body}");
    }

    async fn a_plain_json_client_gets_a_syntax_error_with_status_200(backend) {
        let deployment = Deployment::all_in_one(backend).await;

        let answer = post_query(&deployment, "application/json", "{ version").await;

        assert_eq!(answer.status, 200, "{}", answer.text);
        assert!(answer.header("content-type").starts_with("application/json"));
        assert!(answer.json()["errors"][0]["message"].is_string(), "{}", answer.text);
    }

    async fn a_query_can_be_sent_with_get(backend) {
        let deployment = Deployment::all_in_one(backend).await;

        let answer = get_query(&deployment, "{ version }").await;

        assert_eq!(answer.status, 200, "{}", answer.text);
        assert!(!data(&answer.json())["version"].as_str().unwrap().is_empty());
    }

    async fn a_mutation_sent_with_get_is_refused_with_405_and_allow_post(backend) {
        let deployment = Deployment::all_in_one(backend).await;

        let answer = get_query(&deployment, "mutation { signOut(refreshToken: \"x\") }").await;

        assert_eq!(answer.status, 405, "{}", answer.text);
        assert_eq!(answer.header("allow"), "POST");
        assert!(answer.json()["errors"][0]["message"].as_str().unwrap().contains("POST"));
    }

    async fn a_body_that_is_not_json_is_refused_with_415(backend) {
        let deployment = Deployment::all_in_one(backend).await;

        let answer =
            post(&deployment, GRAPHQL_RESPONSE_JSON, "text/plain", "{ version }".into()).await;

        assert_eq!(answer.status, 415, "{}", answer.text);
        assert_eq!(error_code(&answer.json()), Some("VALIDATION"), "{}", answer.text);
    }

    async fn a_body_over_the_configured_size_is_refused_with_413(backend) {
        let deployment = Deployment::builder(Topology::AllInOne, backend)
            .setting("ATHENAEUM__GRAPHQL__BODY_BYTES", "1024")
            .start()
            .await;
        let padding = " ".repeat(1024);

        let within = post_query(
            &deployment,
            GRAPHQL_RESPONSE_JSON,
            &format!("{{ version }}{}", &padding[..900]),
        )
        .await;
        let over =
            post_query(&deployment, GRAPHQL_RESPONSE_JSON, &format!("{{ version }}{padding}"))
                .await;

        assert_eq!(within.status, 200, "{}", within.text);
        assert_eq!(over.status, 413, "{}", over.text);
        assert_eq!(error_code(&over.json()), Some("TOO_LARGE"), "{}", over.text);
    }

    async fn a_query_nested_deeper_than_the_configured_limit_is_refused(backend) {
        let deployment = Deployment::builder(Topology::AllInOne, backend)
            .setting("ATHENAEUM__GRAPHQL__DEPTH", "3")
            .start()
            .await;

        let at_the_limit =
            post_query(&deployment, GRAPHQL_RESPONSE_JSON, "{ me { account { id } } }").await;
        let too_deep = post_query(
            &deployment,
            GRAPHQL_RESPONSE_JSON,
            "{ accounts { edges { node { id } } } }",
        )
        .await;

        assert_eq!(
            error_code(&at_the_limit.json()),
            Some("UNAUTHENTICATED"),
            "{}",
            at_the_limit.text
        );
        assert_eq!(too_deep.status, 400, "{}", too_deep.text);
        let body = too_deep.json();
        assert!(body.get("data").is_none(), "{body}");
        assert_eq!(error_code(&body), Some("TOO_LARGE"), "{body}");
        assert!(
            body["errors"][0]["message"].as_str().unwrap().to_lowercase().contains("deep"),
            "{body}"
        );
    }

    async fn a_browser_gets_graphiql_served_entirely_by_the_platform(backend) {
        let deployment = Deployment::all_in_one(backend).await;

        let page = Answer::from(
            deployment
                .http()
                .get(deployment.graphql_url())
                .header("Accept", "text/html")
                .send()
                .await
                .unwrap(),
        )
        .await;

        assert_eq!(page.status, 200);
        assert!(page.header("content-type").starts_with("text/html"));
        assert!(page.text.contains("GraphQL explorer"), "{}", page.text);
        assert!(
            !page.text.contains("https://") && !page.text.contains("src=\"//"),
            "{}",
            page.text
        );
        for asset in
            ["/graphiql/graphiql.min.js", "/graphiql/graphiql.min.css", "/graphiql/start.js"]
        {
            assert!(page.text.contains(asset), "the page should load {asset}");
            let answer = get(&deployment, &format!("{}{asset}", deployment.url())).await;
            assert_eq!(answer.status, 200, "{asset}");
        }
    }

    async fn metrics_count_each_graphql_operation_and_show_the_database_pool(backend) {
        let deployment = Deployment::all_in_one(backend).await;
        deployment.create_operator().await;

        let metrics = get(&deployment, &format!("{}/metrics", deployment.url())).await;

        assert_eq!(metrics.status, 200);
        assert!(
            metrics.text.contains(
                "athenaeum_graphql_operation_duration_seconds_count{operation=\"mutation signIn\",outcome=\"ok\"} 1\n"
            ),
            "{}",
            metrics.text
        );
        assert!(
            metrics
                .text
                .contains("athenaeum_db_pool_connections{service=\"identity\",state=\"max\"}"),
            "{}",
            metrics.text
        );
        assert!(
            metrics.text.contains(
                "athenaeum_http_request_duration_seconds_count{route=\"/graphql\",status=\"200\"}"
            ),
            "{}",
            metrics.text
        );
    }

    async fn the_gateways_readiness_follows_the_identity_process(backend) {
        let mut deployment = Deployment::split(backend).await;
        let readyz = format!("{}/readyz", deployment.url());

        let ready = get(&deployment, &readyz).await;
        deployment.identity().kill();
        let without_identity = get(&deployment, &readyz).await;

        assert_eq!(ready.status, 200, "{}", ready.text);
        assert!(ready.text.contains("ok   service identity"), "{}", ready.text);
        assert_eq!(without_identity.status, 503, "{}", without_identity.text);
        assert!(
            without_identity.text.contains("FAIL service identity"),
            "{}",
            without_identity.text
        );
        let health = get(&deployment, &format!("{}/healthz", deployment.url())).await;
        assert_eq!(health.status, 200, "the gateway itself is alive");
    }

    async fn every_response_carries_a_request_id(backend) {
        let deployment = Deployment::builder(Topology::AllInOne, backend)
            .setting("ATHENAEUM__GRAPHQL__BODY_BYTES", "1024")
            .start()
            .await;
        let base = deployment.url().to_string();

        let answers = vec![
            ("healthz", get(&deployment, &format!("{base}/healthz")).await),
            ("readyz", get(&deployment, &format!("{base}/readyz")).await),
            ("metrics", get(&deployment, &format!("{base}/metrics")).await),
            ("unknown path", get(&deployment, &format!("{base}/no-such-page")).await),
            ("query", post_query(&deployment, GRAPHQL_RESPONSE_JSON, "{ version }").await),
            ("syntax error", post_query(&deployment, GRAPHQL_RESPONSE_JSON, "{").await),
            (
                "GET mutation",
                get_query(&deployment, "mutation { signOut(refreshToken: \"x\") }").await,
            ),
            (
                "wrong content type",
                post(&deployment, GRAPHQL_RESPONSE_JSON, "text/plain", "{}".into()).await,
            ),
            ("too large", post_query(&deployment, GRAPHQL_RESPONSE_JSON, &" ".repeat(2048)).await),
        ];

        for (what, answer) in &answers {
            assert!(
                !answer.header("x-request-id").is_empty(),
                "{what} ({}) has no x-request-id",
                answer.status
            );
        }
        let ids: std::collections::BTreeSet<&str> =
            answers.iter().map(|(_, answer)| answer.header("x-request-id")).collect();
        assert_eq!(ids.len(), answers.len(), "each request gets its own id");
        let traced = deployment
            .http()
            .get(format!("{base}/healthz"))
            .header("x-request-id", "e2e-trace-4711")
            .send()
            .await
            .unwrap();
        assert_eq!(traced.headers()["x-request-id"], "e2e-trace-4711", "a caller's id is kept");
    }

    async fn a_database_failure_is_reported_by_request_id_without_revealing_the_database(backend) {
        let mut deployment = Deployment::all_in_one(backend).await;
        let operator = deployment.create_operator().await;
        deployment.run_sql_on_identity_database("ALTER TABLE accounts RENAME TO accounts_gone");

        let response = deployment
            .http()
            .post(deployment.graphql_url())
            .bearer_auth(&operator.access_token)
            .json(&json!({ "query": "{ me { account { email } } }" }))
            .send()
            .await
            .unwrap();

        let answer = Answer::from(response).await;
        let body = answer.json();
        assert_eq!(error_code(&body), Some("INTERNAL"), "{body}");
        let request_id = answer.header("x-request-id").to_string();
        let message = body["errors"][0]["message"].as_str().unwrap();
        assert!(message.contains(&request_id), "the message must quote {request_id}: {message}");
        let told = answer.text.to_lowercase();
        for secret in
            ["accounts", "relation", "no such table", "select", "sqlite", "postgres", "diesel"]
        {
            assert!(!told.contains(secret), "the client was told {secret:?}: {body}");
        }
        let log = deployment.gateway().log();
        assert!(
            log.lines().any(|line| line.contains(&request_id) && line.contains("accounts")),
            "the operator's log must name the cause under {request_id}:\n{log}"
        );
    }

    async fn the_readiness_subscription_streams_to_an_operator(backend) {
        let deployment = Deployment::all_in_one(backend).await;
        let operator = deployment.create_operator().await;
        let mut socket = subscribe_to_readiness(&deployment, Some(&operator)).await;

        let first = next_payload(&mut socket).await;

        assert_eq!(first["data"]["readiness"]["ready"], true, "{first}");
        assert_eq!(
            first["data"]["readiness"]["checks"],
            json!([
                { "name": "database identity", "ok": true },
                { "name": "database library", "ok": true }
            ]),
            "{first}"
        );
    }

    async fn the_readiness_subscription_is_refused_without_a_token(backend) {
        let deployment = Deployment::all_in_one(backend).await;
        let mut socket = subscribe_to_readiness(&deployment, None).await;

        let refused = next_payload(&mut socket).await;

        assert_eq!(error_code(&refused), Some("UNAUTHENTICATED"), "{refused}");
        assert!(refused["data"].is_null(), "{refused}");
    }

    async fn the_readiness_subscription_is_refused_to_a_library_administrator(backend) {
        let deployment = Deployment::all_in_one(backend).await;
        let operator = deployment.create_operator().await;
        let library = deployment.onboard_library(&operator, "northshire").await;
        let mut socket = subscribe_to_readiness(&deployment, Some(&library.admin)).await;

        let refused = next_payload(&mut socket).await;

        assert_eq!(error_code(&refused), Some("FORBIDDEN"), "{refused}");
        assert!(refused["data"].is_null(), "{refused}");
    }
}

type Socket =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

/// Opens a graphql-transport-ws connection to `/graphql` (with `session`'s token in the
/// `connection_init` payload when given), waits for the acknowledgement and subscribes to
/// `readiness` every second.
async fn subscribe_to_readiness(deployment: &Deployment, session: Option<&Session>) -> Socket {
    let url = deployment.graphql_url().replacen("http://", "ws://", 1);
    let mut request = url.into_client_request().unwrap();
    request
        .headers_mut()
        .insert("Sec-WebSocket-Protocol", HeaderValue::from_static("graphql-transport-ws"));
    let (mut socket, _) = tokio_tungstenite::connect_async(request).await.unwrap();
    let payload = match session {
        Some(session) => json!({ "Authorization": format!("Bearer {}", session.access_token) }),
        None => json!({}),
    };
    send(&mut socket, json!({ "type": "connection_init", "payload": payload })).await;
    let acknowledgement = receive(&mut socket).await;
    assert_eq!(acknowledgement["type"], "connection_ack", "{acknowledgement}");
    send(
        &mut socket,
        json!({ "id": "1", "type": "subscribe", "payload": {
            "query": "subscription { readiness(intervalSeconds: 1) { ready checks { name ok } } }"
        }}),
    )
    .await;
    socket
}

async fn send(socket: &mut Socket, message: Value) {
    socket.send(Message::Text(message.to_string().into())).await.unwrap();
}

/// Returns the next JSON message, skipping pings; panics after 10 seconds.
async fn receive(socket: &mut Socket) -> Value {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        let message = tokio::time::timeout(left, socket.next())
            .await
            .expect("no websocket message within 10 seconds")
            .expect("the server closed the websocket")
            .unwrap();
        match message {
            Message::Text(text) => return serde_json::from_str(&text).unwrap(),
            Message::Close(frame) => panic!("the server closed the websocket: {frame:?}"),
            _ => continue,
        }
    }
}

/// Returns the payload of the next `next` message of subscription 1 (or of an `error`
/// message, as `{"errors": …}`).
async fn next_payload(socket: &mut Socket) -> Value {
    loop {
        let message = receive(socket).await;
        match message["type"].as_str() {
            Some("next") => return message["payload"].clone(),
            Some("error") => return json!({ "errors": message["payload"] }),
            Some("ping") => send(socket, json!({ "type": "pong" })).await,
            _ => panic!("unexpected message before the first result: {message}"),
        }
    }
}
