//! What happens when things go wrong around the platform: it is told to stop, it is
//! killed outright, the mail relay goes away. Nothing committed may be lost, nothing
//! half-written may show, and no mail may be lost or sent twice.
#![allow(clippy::unwrap_used, clippy::expect_used, reason = "tests fail loudly")]

use std::time::{Duration, Instant};

use athenaeum_e2e::{
    Deployment, DeploymentBuilder, MAIL_TIMEOUT, Session, SmtpServer, Topology, admin_email,
    both_backends, data, error_code, free_port, read_mail_folder,
};
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::net::TcpStream;

/// The longest the server may take to stop after SIGTERM in these tests.
const SHUTDOWN_TIMEOUT_SECONDS: u64 = 10;

/// A deployment that sends mail through the SMTP relay at `port` on 127.0.0.1 and
/// retries failures after one, then two seconds.
fn mailing_through(port: u16, backend: athenaeum_e2e::Backend) -> DeploymentBuilder {
    Deployment::builder(Topology::AllInOne, backend)
        .setting("ATHENAEUM__MAIL__TRANSPORT", "smtp")
        .setting("ATHENAEUM__MAIL__SMTP__HOST", "127.0.0.1")
        .setting("ATHENAEUM__MAIL__SMTP__PORT", &port.to_string())
        .setting("ATHENAEUM__MAIL__SMTP__SECURITY", "none")
        .setting("ATHENAEUM__MAIL__SMTP__TIMEOUT_SECONDS", "5")
        .setting("ATHENAEUM__MAIL__RETRY_BASE_SECONDS", "1")
        .setting("ATHENAEUM__MAIL__RETRY_MAX_SECONDS", "2")
        .setting("ATHENAEUM__MAIL__POLL_INTERVAL_MS", "200")
}

/// An outgoing mail as the operator sees it in `mailOutbox`.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Outgoing {
    recipient: String,
    template: String,
    status: String,
    attempts: i64,
    last_error: Option<String>,
}

/// Returns the operator's view of the outbox: every message with `status`, or every
/// message when `None`.
async fn outbox(
    deployment: &Deployment,
    operator: &Session,
    status: Option<&str>,
) -> Vec<Outgoing> {
    let answer = deployment
        .graphql(
            "query($status: MailStatus) {
               mailOutbox(status: $status, first: 100) { nodes { recipient template status attempts lastError } }
             }",
            json!({ "status": status }),
            operator.token(),
        )
        .await;
    data(&answer)["mailOutbox"]["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|mail| Outgoing {
            recipient: mail["recipient"].as_str().unwrap().to_lowercase(),
            template: mail["template"].as_str().unwrap().to_string(),
            status: mail["status"].as_str().unwrap().to_string(),
            attempts: mail["attempts"].as_i64().unwrap(),
            last_error: mail["lastError"].as_str().map(str::to_string),
        })
        .collect()
}

/// Polls `check` every 100 ms until it returns `Some`, panicking with `what` after
/// `timeout`.
async fn eventually<T, F: std::future::Future<Output = Option<T>>>(
    what: &str,
    timeout: Duration,
    mut check: impl FnMut() -> F,
) -> T {
    let deadline = Instant::now() + timeout;
    loop {
        if let Some(found) = check().await {
            return found;
        }
        assert!(Instant::now() < deadline, "{what} did not happen within {timeout:?}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

both_backends! {
    async fn sigterm_lets_the_request_in_flight_finish_and_the_server_exits_cleanly(backend) {
        let mut deployment = Deployment::builder(Topology::AllInOne, backend)
            .setting(
                "ATHENAEUM__SERVER__SHUTDOWN_TIMEOUT_SECONDS",
                &SHUTDOWN_TIMEOUT_SECONDS.to_string(),
            )
            .start()
            .await;
        let port = deployment.gateway().port();
        // A first request on the connection shows that the server has taken it in; the
        // second is left half-sent, so it is in flight when the signal comes.
        let mut connection = TcpStream::connect(("127.0.0.1", port)).await.unwrap();
        connection
            .write_all(
                format!("GET /healthz HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n\r\n").as_bytes(),
            )
            .await
            .unwrap();
        let mut first = Vec::new();
        while !first.ends_with(b"\r\n\r\nok\n") {
            let mut chunk = [0; 1024];
            let read = connection.read(&mut chunk).await.unwrap();
            assert!(read > 0, "the connection closed: {}", String::from_utf8_lossy(&first));
            first.extend_from_slice(&chunk[..read]);
        }
        assert!(first.starts_with(b"HTTP/1.1 200"), "{}", String::from_utf8_lossy(&first));
        let body = json!({ "query": "{ version }" }).to_string();
        let (begun, rest) = body.split_at(body.len() / 2);
        connection
            .write_all(
                format!(
                    "POST /graphql HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nContent-Type: application/json\r\n\
                     Accept: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{begun}",
                    body.len()
                )
                .as_bytes(),
            )
            .await
            .unwrap();

        let signalled = Instant::now();
        deployment.gateway().send_terminate();
        eventually("refusing new connections after SIGTERM", Duration::from_secs(5), || async {
            TcpStream::connect(("127.0.0.1", port)).await.is_err().then_some(())
        })
        .await;
        connection.write_all(rest.as_bytes()).await.unwrap();
        let mut answer = String::new();
        connection.read_to_string(&mut answer).await.unwrap();
        let status = deployment
            .gateway()
            .wait_for_exit(Duration::from_secs(SHUTDOWN_TIMEOUT_SECONDS + 5))
            .await;

        assert!(
            answer.starts_with("HTTP/1.1 200"),
            "the request in flight must be answered: {answer:?}"
        );
        assert!(answer.contains("\"version\""), "{answer}");
        assert!(
            status.success(),
            "the server exited with {status}: {}",
            deployment.gateway().log()
        );
        assert!(
            signalled.elapsed() < Duration::from_secs(SHUTDOWN_TIMEOUT_SECONDS),
            "stopping took {:?}",
            signalled.elapsed()
        );
    }

    async fn a_library_onboarded_just_before_the_server_is_killed_is_whole_after_the_restart(backend) {
        let mut deployment = Deployment::all_in_one(backend).await;
        let operator = deployment.create_operator().await;
        data(&deployment.onboard(&operator, "northshire").await);

        deployment.kill();
        deployment.restart(&[]).await;

        let tenants = deployment
            .graphql("{ tenants { nodes { id slug } } }", json!({}), operator.token())
            .await;
        let slugs: Vec<&Value> = data(&tenants)["tenants"]["nodes"]
            .as_array()
            .unwrap()
            .iter()
            .map(|tenant| &tenant["slug"])
            .collect();
        assert_eq!(slugs, [&json!("platform"), &json!("northshire")]);
        let northshire = data(&tenants)["tenants"]["nodes"][1]["id"].clone();
        let second_admin = deployment
            .graphql(
                "mutation($input: CreateAccount!) { createAccount(input: $input) { id } }",
                json!({ "input": {
                    "email": admin_email("northshire"),
                    "displayName": "Another",
                    "roles": ["ADMIN"],
                    "tenantId": northshire
                }}),
                operator.token(),
            )
            .await;
        assert_eq!(
            error_code(&second_admin),
            Some("CONFLICT"),
            "the administrator's account is there: {second_admin}"
        );
        let invitations: Vec<Outgoing> = outbox(&deployment, &operator, None)
            .await
            .into_iter()
            .filter(|mail| mail.recipient == admin_email("northshire"))
            .collect();
        assert_eq!(invitations.len(), 1, "{invitations:?}");
        assert_eq!(invitations[0].template, "invitation");
        let mailed = read_mail_folder(&deployment.mail_folder())
            .into_iter()
            .filter(|mail| mail.is_to(&admin_email("northshire")))
            .count();
        assert!(mailed <= 1, "the invitation was mailed {mailed} times");
    }

    async fn an_invitation_that_failed_before_the_server_was_killed_is_delivered_once_after_the_restart(backend) {
        // Nothing listens on this port: while the first process lives, no mail can leave.
        let mut deployment = mailing_through(free_port(), backend).start().await;
        let operator = deployment.create_operator().await;
        data(&deployment.onboard(&operator, "northshire").await);
        // Kill it between two attempts, not while it holds the mail (a message in hand
        // at a crash waits for its lease to lapse, minutes later).
        eventually("a failed attempt to send the invitation", MAIL_TIMEOUT, || async {
            outbox(&deployment, &operator, Some("PENDING"))
                .await
                .iter()
                .any(|mail| mail.recipient == admin_email("northshire") && mail.attempts > 0)
                .then_some(())
        })
        .await;

        deployment.kill();
        deployment.restart(&[("ATHENAEUM__MAIL__TRANSPORT", "file")]).await;

        let admin = deployment.accept_invitation_mailed_to(&admin_email("northshire")).await;
        let me = deployment.graphql("{ me { tenant { slug } } }", json!({}), admin.token()).await;
        assert_eq!(data(&me)["me"]["tenant"]["slug"], "northshire");
        let mailed = read_mail_folder(&deployment.mail_folder())
            .into_iter()
            .filter(|mail| mail.is_to(&admin_email("northshire")))
            .count();
        assert_eq!(mailed, 1, "exactly one invitation");
        let to_admin: Vec<(String, String)> = outbox(&deployment, &operator, None)
            .await
            .into_iter()
            .filter(|mail| mail.recipient == admin_email("northshire"))
            .map(|mail| (mail.template, mail.status))
            .collect();
        assert_eq!(to_admin, vec![("invitation".to_string(), "SENT".to_string())]);
    }

    async fn while_the_identity_process_is_down_the_gateway_answers_unavailable_and_recovers_when_it_returns(backend) {
        let mut deployment = Deployment::split(backend).await;
        let operator = deployment.create_operator().await;

        deployment.identity().kill();
        let during = deployment
            .sign_in("platform", athenaeum_e2e::OPERATOR_EMAIL, athenaeum_e2e::PASSWORD)
            .await;
        deployment.identity().restart(&[]).await;
        let after =
            deployment.graphql("{ me { account { email } } }", json!({}), operator.token()).await;

        assert_eq!(error_code(&during), Some("UNAVAILABLE"), "{during}");
        assert!(
            !during.to_string().contains("127.0.0.1"),
            "the answer must not reveal internal addresses: {during}"
        );
        assert_eq!(data(&after)["me"]["account"]["email"], athenaeum_e2e::OPERATOR_EMAIL);
    }

    async fn invitations_written_while_the_mail_relay_is_down_arrive_once_when_it_returns(backend) {
        let mut relay = SmtpServer::start().await;
        let deployment = mailing_through(relay.port(), backend).start().await;
        let operator = deployment.create_operator().await;
        let admins = [admin_email("northshire"), admin_email("southmoor")];

        relay.stop().await;
        data(&deployment.onboard(&operator, "northshire").await);
        data(&deployment.onboard(&operator, "southmoor").await);

        let waiting =
            eventually("both invitations failing at least once", MAIL_TIMEOUT, || async {
                let failed: Vec<Outgoing> = outbox(&deployment, &operator, Some("PENDING"))
                    .await
                    .into_iter()
                    .filter(|mail| admins.contains(&mail.recipient) && mail.attempts > 0)
                    .collect();
                (failed.len() == 2).then_some(failed)
            })
            .await;
        for mail in &waiting {
            assert_eq!(mail.template, "invitation");
            assert!(mail.last_error.as_deref().is_some_and(|error| !error.is_empty()), "{mail:?}");
        }
        assert_eq!(
            relay.message_count(),
            1,
            "only the operator's own mail got through before the outage"
        );

        relay.start_again().await;
        eventually("both invitations sent", MAIL_TIMEOUT, || async {
            let sent = outbox(&deployment, &operator, Some("SENT")).await;
            let invitations = sent.iter().filter(|mail| admins.contains(&mail.recipient)).count();
            (invitations == 2).then_some(())
        })
        .await;

        let received = relay.messages().await;
        for admin in &admins {
            let to_admin: Vec<_> =
                received.iter().filter(|mail| mail.to.to_lowercase().contains(admin)).collect();
            assert_eq!(to_admin.len(), 1, "{admin} must get exactly one mail: {to_admin:?}");
            assert!(to_admin[0].subject.starts_with("You are invited to"), "{:?}", to_admin[0]);
            assert!(to_admin[0].body.contains("/accept-invitation?token="), "{}", to_admin[0].body);
        }
    }
}
