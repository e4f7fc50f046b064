//! The whole application built in process on port 0, with fresh databases per test on
//! both backends, exercised over real HTTP.
#![allow(clippy::unwrap_used, clippy::expect_used, reason = "tests fail loudly")]

use std::collections::BTreeMap;

use athenaeum::{Application, Config};
use athenaeum_testkit::{Backend, TestDatabases, both_backends, prepare_databases};
use serde_json::{Value, json};

/// A running application and the databases it owns for this test.
struct TestApp {
    base: String,
    http: reqwest::Client,
    config: Config,
    databases: TestDatabases,
    stop: tokio::sync::oneshot::Sender<()>,
    running: tokio::task::JoinHandle<anyhow::Result<()>>,
}

impl TestApp {
    async fn spawn(backend: Backend) -> TestApp {
        let databases = prepare_databases(backend, &athenaeum::app::all_migrations()).await;
        let mut environment = BTreeMap::new();
        environment.insert("ATHENAEUM__SERVER__LISTEN".to_string(), "127.0.0.1:0".to_string());
        environment.insert("ATHENAEUM__SERVER__WORKERS".to_string(), "1".to_string());
        environment.insert(
            "ATHENAEUM__DATA__DIR".to_string(),
            databases.data_path().display().to_string(),
        );
        environment.insert("ATHENAEUM__DATABASE__URL".to_string(), databases.config.url.clone());
        environment.insert("ATHENAEUM__MAIL__POLL_INTERVAL_MS".to_string(), "50".to_string());
        let config = Config::load(None, &environment).unwrap();
        let application = Application::build(config.clone(), &[]).await.unwrap();
        let base = format!("http://127.0.0.1:{}", application.port());
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let running = tokio::spawn(application.run_until_stopped(async move {
            let _ = stopped.await;
        }));
        TestApp { base, http: reqwest::Client::new(), config, databases, stop, running }
    }

    /// Stops the application gracefully, then drops its databases. Without it a test
    /// still ends, but waits for workers whose database has gone to time out.
    async fn stop(self) {
        let _ = self.stop.send(());
        self.running.await.unwrap().unwrap();
        drop(self.databases);
    }

    async fn graphql(&self, query: &str, variables: Value, token: Option<&str>) -> Value {
        let mut request = self
            .http
            .post(format!("{}/graphql", self.base))
            .json(&json!({ "query": query, "variables": variables }));
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        request.send().await.unwrap().json().await.unwrap()
    }

    /// Creates an operator through the command-line path and signs in.
    async fn operator_token(&self) -> String {
        let (identity, _worker) = athenaeum_identity::build(
            &self.config.process_context(),
            &self.config.identity,
            &self.config.mail,
            &self.base,
        )
        .await
        .unwrap();
        let call = identity.command_line_call().unwrap();
        use athenaeum_identity::IdentityApi;
        identity
            .create_account(
                &call,
                athenaeum_identity::api::CreateAccount {
                    email: "operator@platform.test".into(),
                    display_name: "Olive Operator".into(),
                    roles: vec![athenaeum_identity::api::AccountRole::Operator],
                    tenant_id: Some(athenaeum_identity::PLATFORM_TENANT_ID.into()),
                    password: Some("operator passphrase".into()),
                },
            )
            .await
            .unwrap();
        let signed_in = self
            .graphql(
                "mutation { signIn(input: {tenant: \"platform\", email: \"operator@platform.test\", password: \"operator passphrase\"}) { accessToken } }",
                json!({}),
                None,
            )
            .await;
        signed_in["data"]["signIn"]["accessToken"].as_str().unwrap().to_string()
    }

    /// Waits for the newest mail to `recipient` in the mail folder and returns the link
    /// it carries.
    async fn link_mailed_to(&self, recipient: &str) -> String {
        let folder = self.config.data.dir.join("mail");
        for _ in 0..100 {
            for entry in std::fs::read_dir(&folder).into_iter().flatten().flatten() {
                let raw = std::fs::read_to_string(entry.path()).unwrap_or_default();
                let unfolded = raw.replace("=\r\n", "").replace("=\n", "").replace("=3D", "=");
                if let Some(start) = unfolded
                    .find("http://")
                    .filter(|_| unfolded.contains(&format!("To: {recipient}")))
                {
                    return unfolded[start..].split_whitespace().next().unwrap().to_string();
                }
            }
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
        panic!("no mail reached {recipient} in {}", folder.display());
    }
}

both_backends! {
    async fn a_fresh_application_is_healthy_ready_and_migrated(backend) {
        let app = TestApp::spawn(backend).await;
        let health = app.http.get(format!("{}/healthz", app.base)).send().await.unwrap();
        assert_eq!(health.status(), 200);
        let ready = app.http.get(format!("{}/readyz", app.base)).send().await.unwrap();
        assert_eq!(ready.status(), 200);
        assert!(ready.text().await.unwrap().contains("ok   database identity"));
        app.stop().await;
    }

    async fn an_invited_administrator_sets_a_password_through_the_emailed_page_and_signs_in(backend) {
        let app = TestApp::spawn(backend).await;
        let operator = app.operator_token().await;
        let onboarded = app
            .graphql(
                "mutation($input: OnboardTenant!) { onboardTenant(input: $input) { tenant { slug } admin { status } } }",
                json!({ "input": {
                    "slug": "northshire", "name": "Northshire Libraries", "timeZone": "Europe/London",
                    "contactEmail": "libraries@northshire.test",
                    "adminEmail": "Ada@Northshire.test", "adminDisplayName": "Ada Lovelace"
                }}),
                Some(&operator),
            )
            .await;
        assert_eq!(onboarded["data"]["onboardTenant"]["admin"]["status"], "INVITED", "{onboarded}");

        let link = app.link_mailed_to("Ada@Northshire.test").await;
        assert!(link.starts_with(&format!("{}/accept-invitation?token=", app.base)), "{link}");
        let page = app.http.get(&link).send().await.unwrap();
        let cookies: Vec<String> = page.headers().get_all("set-cookie").iter().map(|value| value.to_str().unwrap().to_string()).collect();
        let page = page.text().await.unwrap();
        assert!(page.contains("<label for=\"password\">"), "{page}");
        let (cookie, csrf) = athenaeum_testkit::form_cookie_and_token(cookies.iter().map(String::as_str), &page);
        let token = link.split("token=").nth(1).unwrap();
        let form = [("csrf", csrf.as_str()), ("token", token), ("password", "a long new passphrase"), ("confirm", "a long new passphrase")];
        let browser = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
        let post = || browser.post(format!("{}/accept-invitation", app.base)).header("Cookie", cookie.clone()).form(&form).send();
        let done = post().await.unwrap();
        assert_eq!(done.status(), 303, "a form that worked answers with a redirect");
        assert_eq!(done.headers()["location"], "/northshire/staff/?notice=welcome");
        let session = done.headers().get_all("set-cookie").iter().map(|value| value.to_str().unwrap()).find(|value| value.starts_with("athenaeum_session=")).unwrap();
        assert!(session.contains("HttpOnly") && session.contains("SameSite=Lax"), "{session}");
        let again = post().await.unwrap().text().await.unwrap();
        assert!(again.contains("already been used"), "the link must work once: {again}");

        let signed_in = app
            .graphql(
                "mutation { signIn(input: {tenant: \"northshire\", email: \"ada@northshire.test\", password: \"a long new passphrase\"}) { accessToken account { roles status emailVerified } } }",
                json!({}),
                None,
            )
            .await;
        let account = &signed_in["data"]["signIn"]["account"];
        assert_eq!(account["roles"], json!(["ADMIN"]), "{signed_in}");
        assert_eq!(account["status"], "ACTIVE");
        assert_eq!(account["emailVerified"], true);
        app.stop().await;
    }

    async fn metrics_count_graphql_operations_and_show_the_pool(backend) {
        let app = TestApp::spawn(backend).await;
        let _ = app.graphql("{ version }", json!({}), None).await;
        let text = app.http.get(format!("{}/metrics", app.base)).send().await.unwrap().text().await.unwrap();
        assert!(text.contains("athenaeum_graphql_operation_duration_seconds_count{operation=\"query version\",outcome=\"ok\"} 1"), "{text}");
        assert!(text.contains("athenaeum_db_pool_connections{service=\"identity\",state=\"max\"}"), "{text}");
        assert!(text.contains("athenaeum_http_request_duration_seconds_count{route=\"/graphql\",status=\"200\"}"), "{text}");
        app.stop().await;
    }
}
