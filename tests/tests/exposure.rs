//! What the platform shows the outside world, in every deployment (all-in-one and split,
//! on both databases): no internal route on a public address, the security headers on
//! every response, and forms, uploads and WebSockets refused when a page of another site
//! sends them.
#![allow(clippy::unwrap_used, clippy::expect_used, reason = "tests fail loudly")]

use athenaeum_e2e::{
    Deployment, MAIL_TIMEOUT, Topology, admin_email, data, every_deployment, read_mail_folder,
    wait_for_mail,
};
use reqwest::header::HeaderValue;
use serde_json::json;
use tokio_tungstenite::tungstenite::client::IntoClientRequest as _;

/// Internal operations an attacker would most like to call: creating an active account
/// with a password, and signing in with a client address of their choosing.
const INTERNAL_PATHS: [&str; 3] = [
    "/internal/identity/create_account",
    "/internal/identity/sign_in",
    "/internal/catalogue/save_branch",
];

const EVIL: &str = "https://evil.example";

/// The service processes of a split deployment (none when all-in-one): each one's name,
/// public address and internal address.
fn service_processes(deployment: &mut Deployment) -> Vec<(String, String, String)> {
    if deployment.topology() != Topology::Split {
        return Vec::new();
    }
    let mut found = Vec::new();
    for which in 0..3 {
        let process = match which {
            0 => deployment.identity(),
            1 => deployment.library(),
            _ => deployment.search(),
        };
        found.push((
            process.name().to_string(),
            process.url().to_string(),
            process.service_url().to_string(),
        ));
    }
    found
}

every_deployment! {
    async fn internal_routes_are_served_on_no_public_address(deployment) {
        let mut deployment = deployment;
        let http = deployment.http().clone();
        let services = service_processes(&mut deployment);
        let mut public = vec![deployment.url().to_string()];
        public.extend(services.iter().map(|(_, url, _)| url.clone()));
        let internal: Vec<(String, String)> =
            services.iter().map(|(name, _, url)| (name.clone(), url.clone())).collect();
        assert_eq!(deployment.gateway().internal_url(), None, "the gateway serves no internal routes");

        for base in &public {
            for path in INTERNAL_PATHS {
                let response = http
                    .post(format!("{base}{path}"))
                    .header("x-athenaeum-client-address", "203.0.113.9")
                    .json(&json!({}))
                    .send()
                    .await
                    .unwrap();
                assert_eq!(response.status(), 404, "{base}{path} is served publicly");
            }
            let health = http.get(format!("{base}/healthz")).send().await.unwrap();
            assert_eq!(health.status(), 200, "{base} keeps its health endpoint");
        }
        // Each service process serves its own operations on its internal address (refusing
        // a call without a token), as the other processes need.
        for (name, base) in internal {
            let path = match name.as_str() {
                "identity" => "/internal/identity/sign_in",
                "library" => "/internal/catalogue/save_branch",
                _ => "/internal/search/search",
            };
            let response = http.post(format!("{base}{path}")).json(&json!({})).send().await.unwrap();
            assert_ne!(response.status(), 404, "{name} serves {path} on {base}");
        }
        let answer = deployment.graphql("{ __typename }", json!({}), None).await;
        assert_eq!(data(&answer)["__typename"], "Query");
    }

    async fn every_response_carries_the_security_headers(deployment) {
        let mut deployment = deployment;
        let http = deployment.http().clone();
        let base = deployment.url().to_string();
        let mut requests = vec![
            http.get(format!("{base}/healthz")),
            http.get(format!("{base}/metrics")),
            http.get(format!("{base}/nowhere")),
            http.get(format!("{base}/graphql")).header("Accept", "text/html"),
            http.post(format!("{base}/graphql")).json(&json!({ "query": "{ __typename }" })),
            http.post(format!("{base}/graphql")).header("Content-Type", "text/plain").body("{"),
            http.get(format!("{base}/accept-invitation?token=x")),
            http.get(format!("{base}/export/marc")),
        ];
        for (_, public, internal) in service_processes(&mut deployment) {
            requests.push(http.get(format!("{public}/healthz")));
            requests.push(http.post(format!("{internal}/internal/identity/sign_in")).json(&json!({})));
        }

        for request in requests {
            let response = request.send().await.unwrap();
            let url = response.url().to_string();
            let header = |name: &str| {
                response.headers().get(name).and_then(|value| value.to_str().ok()).unwrap_or("").to_string()
            };
            assert_eq!(header("x-content-type-options"), "nosniff", "{url}");
            assert_eq!(header("x-frame-options"), "DENY", "{url}");
            assert!(header("content-security-policy").contains("frame-ancestors 'none'"), "{url}: {}", header("content-security-policy"));
            assert!(!header("referrer-policy").is_empty(), "{url}");
        }
    }

    async fn forms_uploads_and_sockets_sent_from_another_sites_page_are_refused(deployment) {
        let operator = deployment.create_operator().await;
        let north = deployment.onboard_library(&operator, "northshire").await;
        let http = deployment.http().clone();
        let base = deployment.url().to_string();
        // The browser's form cookie and the page's form token, as a visitor has them.
        let (cookie, token) = form_token(&http, &format!("{base}/forgot-password")).await;
        let form = url::form_urlencoded::Serializer::new(String::new())
            .append_pair("csrf", &token)
            .append_pair("tenant", "northshire")
            .append_pair("email", &admin_email("northshire"))
            .finish();
        let post_form = |origin: &str| {
            http.post(format!("{base}/forgot-password"))
                .header("Origin", origin)
                .header("Cookie", cookie.clone())
                .header("Content-Type", "application/x-www-form-urlencoded")
                .body(form.clone())
                .send()
        };
        let resets = || {
            read_mail_folder(&deployment.mail_folder())
                .into_iter()
                .filter(|mail| mail.is_to(&admin_email("northshire")) && mail.link("/reset-password?token=").is_some())
                .count()
        };

        // A form posted from another site's page.
        let cross_site = post_form(EVIL).await.unwrap();
        assert_eq!(cross_site.status(), 403);
        // A form from our own origin without the page's token (a stale or forged form).
        let tokenless = http
            .post(format!("{base}/forgot-password"))
            .header("Origin", &base)
            .header("Cookie", cookie.clone())
            .header("Content-Type", "application/x-www-form-urlencoded")
            .body(form.replace(&format!("csrf={}", url::form_urlencoded::byte_serialize(token.as_bytes()).collect::<String>()), "csrf="))
            .send()
            .await
            .unwrap();
        assert_eq!(tokenless.status(), 403);
        // The same form from our own page.
        let own = post_form(&base).await.unwrap();
        assert_eq!(own.status(), 200);
        wait_for_mail(&deployment.mail_folder(), MAIL_TIMEOUT, |mail| {
            mail.is_to(&admin_email("northshire")) && mail.link("/reset-password?token=").is_some()
        })
        .await;
        assert_eq!(resets(), 1, "only the form from our own page sent mail");

        // A multipart request from another site's page, even with a token the page holds.
        let operations = json!({ "query": "mutation($file: Upload!) { importMarc(file: $file) { id } }", "variables": { "file": null } });
        let multipart = || {
            reqwest::multipart::Form::new()
                .text("operations", operations.to_string())
                .text("map", json!({ "0": ["variables.file"] }).to_string())
                .part("0", reqwest::multipart::Part::bytes(b"x".to_vec()).file_name("a.mrc"))
        };
        let upload = http
            .post(format!("{base}/graphql"))
            .header("Origin", EVIL)
            .bearer_auth(north.admin.token().unwrap())
            .multipart(multipart())
            .send()
            .await
            .unwrap();
        assert_eq!(upload.status(), 403);
        let upload: serde_json::Value = upload.json().await.unwrap();
        assert_eq!(upload["errors"][0]["extensions"]["code"], "FORBIDDEN", "{upload}");
        let own_upload = http
            .post(format!("{base}/graphql"))
            .header("Origin", &base)
            .bearer_auth(north.admin.token().unwrap())
            .multipart(multipart())
            .send()
            .await
            .unwrap();
        assert_eq!(own_upload.status(), 200);

        // A WebSocket opened from another site's page, and from ours.
        let socket = |origin: &str| {
            let mut request = deployment.graphql_url().replacen("http://", "ws://", 1).into_client_request().unwrap();
            request.headers_mut().insert("Sec-WebSocket-Protocol", HeaderValue::from_static("graphql-transport-ws"));
            request.headers_mut().insert("Origin", HeaderValue::from_str(origin).unwrap());
            tokio_tungstenite::connect_async(request)
        };
        let refused = socket(EVIL).await;
        match refused {
            Err(tokio_tungstenite::tungstenite::Error::Http(response)) => assert_eq!(response.status(), 403),
            other => panic!("a cross-site WebSocket was not refused: {:?}", other.map(|(_, response)| response.status())),
        }
        assert!(socket(&base).await.is_ok(), "a WebSocket from our own page opens");
    }
}

/// Opens a form page as a browser would: returns the form cookie it set and the form
/// token in its page.
async fn form_token(http: &reqwest::Client, url: &str) -> (String, String) {
    let page = http.get(url).send().await.unwrap();
    let cookies: Vec<String> = page
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|value| value.to_str().ok().map(str::to_string))
        .collect();
    let html = page.text().await.unwrap();
    athenaeum_testkit::form_cookie_and_token(cookies.iter().map(String::as_str), &html)
}
