//! The outbox end to end: mail queued in a service's transaction, sent by the worker
//! through a real SMTP server process (aiosmtpd) or into files, on SQLite and PostgreSQL.
#![expect(clippy::unwrap_used, reason = "a test fails loudly at the first thing that goes wrong")]

use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use athenaeum_auth::TenantScope;
use athenaeum_db::diesel_migrations::embed_migrations;
use athenaeum_db::{DbError, ServiceMigrations};
use athenaeum_mail::schema::mail_outbox;
use athenaeum_mail::{
    MailConfig, MailError, MailRenderer, MailTransport, MailWorker, OutboxEntry, OutboxStatus,
    OutgoingMail, RenderError, RenderedMail, SmtpConfig, SmtpSecurity, TransportKind,
};
use athenaeum_testkit::{SmtpServer, TestDatabase, TestIssuer};
use diesel::prelude::*;
use serde_json::json;

static TEST_MIGRATIONS: ServiceMigrations = ServiceMigrations {
    service: "mailtest",
    postgres: embed_migrations!("tests/migrations/postgres"),
    sqlite: embed_migrations!("tests/migrations/sqlite"),
};

const ARRIVAL_TIMEOUT: Duration = Duration::from_secs(20);

/// Renders `welcome`; renders `notice` only once it has been fixed, as an operator would
/// after seeing the parked mail.
#[derive(Default)]
struct TestRenderer {
    notice_fixed: AtomicBool,
}

impl TestRenderer {
    fn fix_notice(&self) {
        self.notice_fixed.store(true, Ordering::SeqCst);
    }
}

impl MailRenderer for TestRenderer {
    fn render(
        &self,
        template: &str,
        params: &serde_json::Value,
    ) -> Result<RenderedMail, RenderError> {
        let param = |name: &str| {
            params.get(name).and_then(serde_json::Value::as_str).map(str::to_string).ok_or_else(
                || RenderError::MissingParameter {
                    template: template.to_string(),
                    parameter: name.to_string(),
                },
            )
        };
        match template {
            "welcome" => Ok(RenderedMail {
                subject: format!("Welcome to {}", param("library")?),
                text_body: format!(
                    "Hello {},\n\nyour library card is ready.\n\n{}",
                    param("name")?,
                    param("library")?
                ),
                html_body: None,
            }),
            "reset" => Ok(RenderedMail {
                subject: "Choose a new password".to_string(),
                text_body: format!(
                    "Hello {},\n\nchoose a new password here:\n\n{}\n\nThe link works once.\n",
                    param("name")?,
                    param("link")?
                ),
                html_body: None,
            }),
            "notice" if self.notice_fixed.load(Ordering::SeqCst) => Ok(RenderedMail {
                subject: "A notice".to_string(),
                text_body: "The library is closed on Monday.".to_string(),
                html_body: None,
            }),
            "notice" => Err(RenderError::Failed {
                template: template.to_string(),
                message: "unclosed tag in line 3".to_string(),
            }),
            other => Err(RenderError::UnknownTemplate(other.to_string())),
        }
    }

    fn secret_parameters(&self, template: &str) -> &'static [&'static str] {
        if template == "reset" { &["link"] } else { &[] }
    }
}

/// A one-time link longer than a quoted-printable line, as identity's links are.
const LONG_LINK: &str = "http://library.test/reset-password?token=0193a7c2-5b8e-7f41-9d3a-2c6e8f1b4a90.\
                         Q2hvb3NlIGEgbmV3IHBhc3N3b3JkIGZvciB5b3VyIGxpYnJhcnkgYWNjb3VudA";

/// A password-reset link for a reader whose name is not ASCII.
fn reset(recipient: &str) -> Queued {
    let mail = OutgoingMail {
        recipient: recipient.to_string(),
        template: "reset".to_string(),
        params: json!({ "name": "Zoë", "link": LONG_LINK }),
    };
    (None, mail)
}

/// Returns the text of every `.eml` file in `dir`.
fn eml_files(dir: &Path) -> Vec<String> {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.extension().is_some_and(|extension| extension == "eml"))
        .map(|path| std::fs::read_to_string(path).unwrap())
        .collect()
}

/// A message about a library, queued under that library's scope.
fn welcome(recipient: &str) -> Queued {
    let north = TestIssuer::new().operator_scope("tenant-north");
    let mail = OutgoingMail {
        recipient: recipient.to_string(),
        template: "welcome".to_string(),
        params: json!({ "name": "Ada", "library": "Bücherei Nord" }),
    };
    (Some(north), mail)
}

/// A platform message, about no library.
fn notice(recipient: &str) -> Queued {
    let mail = OutgoingMail {
        recipient: recipient.to_string(),
        template: "notice".to_string(),
        params: json!({}),
    };
    (None, mail)
}

/// A message with the scope of the library it is about.
type Queued = (Option<TenantScope>, OutgoingMail);

/// A configuration for the test SMTP server that retries on the very next pass.
fn smtp_config(server: &SmtpServer) -> MailConfig {
    MailConfig {
        transport: TransportKind::Smtp,
        from: "Athenaeum <no-reply@library.example>".to_string(),
        smtp: SmtpConfig {
            host: server.host().to_string(),
            port: server.port(),
            security: SmtpSecurity::None,
            timeout_seconds: 5,
            ..SmtpConfig::default()
        },
        retry_base_seconds: 0,
        poll_interval_ms: 50,
        ..MailConfig::default()
    }
}

fn worker(
    db: &TestDatabase,
    renderer: Arc<TestRenderer>,
    config: MailConfig,
    default_dir: &Path,
) -> MailWorker {
    let transport = MailTransport::from_config(&config, default_dir).unwrap();
    MailWorker::new(db.database.clone(), renderer, transport, config).unwrap()
}

async fn queue(db: &TestDatabase, mails: Vec<Queued>) -> Vec<String> {
    db.database
        .write(move |connection| {
            mails
                .iter()
                .map(|(tenant, mail)| athenaeum_mail::enqueue(connection, tenant.as_ref(), mail))
                .collect()
        })
        .await
        .unwrap()
}

async fn outbox(db: &TestDatabase, status: Option<OutboxStatus>) -> Vec<OutboxEntry> {
    db.database
        .read(move |connection| athenaeum_mail::list_outbox(connection, status, None, 500))
        .await
        .unwrap()
}

async fn stored_params(db: &TestDatabase) -> Vec<String> {
    db.database
        .read(|connection| {
            mail_outbox::table
                .select(mail_outbox::params)
                .load::<String>(connection)
                .map_err(DbError::Query)
        })
        .await
        .unwrap()
}

/// Waits until every queued message has failed at least `attempts` times.
async fn wait_for_failed_attempts(db: &TestDatabase, attempts: i32) -> Vec<OutboxEntry> {
    let deadline = tokio::time::Instant::now() + ARRIVAL_TIMEOUT;
    loop {
        let entries = outbox(db, None).await;
        if entries.iter().all(|entry| entry.attempts >= attempts) {
            return entries;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "messages did not fail {attempts} times in time: {entries:#?}"
        );
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
}

athenaeum_testkit::both_backends! {
    async fn mail_queued_in_a_rolled_back_transaction_is_never_sent(backend) {
        let db = athenaeum_testkit::test_database(backend, &TEST_MIGRATIONS).await;
        let server = SmtpServer::start().await;
        let renderer = Arc::new(TestRenderer::default());
        let worker = worker(&db, renderer, smtp_config(&server), db.databases.data_dir.path());

        let outcome: Result<(), MailError> = db
            .database
            .write(|connection| {
                let (tenant, mail) = welcome("ada@example.org");
                athenaeum_mail::enqueue(connection, tenant.as_ref(), &mail)?;
                // The change that caused the mail fails after the mail was queued.
                Err(MailError::Config("the account could not be created".to_string()))
            })
            .await;
        assert!(outcome.is_err());

        let round = worker.deliver_due().await.unwrap();
        assert_eq!(round.attempted(), 0);
        assert!(outbox(&db, None).await.is_empty());
        assert_eq!(server.message_count(), 0);
    }

    async fn committed_mail_arrives_at_the_smtp_server_with_its_recipient_subject_and_body(backend) {
        let db = athenaeum_testkit::test_database(backend, &TEST_MIGRATIONS).await;
        let server = SmtpServer::start().await;
        let renderer = Arc::new(TestRenderer::default());
        // A long poll interval: the mail goes out because the worker is woken.
        let config = MailConfig { poll_interval_ms: 60_000, ..smtp_config(&server) };
        let worker = worker(&db, renderer, config, db.databases.data_dir.path());
        let (shutdown_sender, shutdown) = tokio::sync::watch::channel(false);
        let (handle, waker) = worker.spawn(shutdown);

        let ids = queue(&db, vec![welcome("ada@example.org")]).await;
        waker.wake();
        let received = server.wait_for_messages(1, ARRIVAL_TIMEOUT).await;

        assert_eq!(received.len(), 1);
        let mail = &received[0];
        assert_eq!(mail.to, "ada@example.org");
        assert_eq!(mail.from, "no-reply@library.example");
        assert_eq!(mail.subject, "Welcome to Bücherei Nord");
        assert_eq!(mail.body, "Hello Ada,\n\nyour library card is ready.\n\nBücherei Nord");
        assert_eq!(mail.message_id, format!("<{}@library.example>", ids[0]));

        shutdown_sender.send(true).unwrap();
        tokio::time::timeout(Duration::from_secs(10), handle).await.unwrap().unwrap();
        let entries = outbox(&db, Some(OutboxStatus::Sent)).await;
        assert_eq!(entries.len(), 1);
        assert_eq!(entries[0].id, ids[0]);
        assert_eq!(entries[0].attempts, 0);
        assert!(entries[0].sent_at.is_some());
        assert_eq!(entries[0].tenant_id.as_deref(), Some("tenant-north"));
        // The parameters may hold one-time secrets: gone once sent.
        assert_eq!(stored_params(&db).await, vec!["{}".to_string()]);
    }

    async fn mail_queued_while_the_smtp_server_is_down_all_arrives_once_when_it_is_back(backend) {
        let db = athenaeum_testkit::test_database(backend, &TEST_MIGRATIONS).await;
        let mut server = SmtpServer::start().await;
        server.stop().await;
        let renderer = Arc::new(TestRenderer::default());
        let config = MailConfig { max_attempts: 1_000, ..smtp_config(&server) };
        let worker = worker(&db, renderer, config, db.databases.data_dir.path());
        let (shutdown_sender, shutdown) = tokio::sync::watch::channel(false);
        let (handle, _waker) = worker.spawn(shutdown);
        let recipients: Vec<String> =
            (1..=5).map(|number| format!("reader{number}@example.org")).collect();
        queue(&db, recipients.iter().map(|recipient| welcome(recipient)).collect()).await;

        let during_outage = wait_for_failed_attempts(&db, 2).await;
        for entry in &during_outage {
            assert_eq!(entry.status, OutboxStatus::Pending);
            assert!(entry.sent_at.is_none());
            let error = entry.last_error.as_deref().unwrap_or_default();
            assert!(error.contains(&format!("127.0.0.1:{}", server.port())), "{error}");
        }
        assert_eq!(server.message_count(), 0);

        server.start_again().await;
        server.wait_for_messages(recipients.len(), ARRIVAL_TIMEOUT).await;
        // Give the worker several more passes to send anything twice.
        tokio::time::sleep(Duration::from_millis(500)).await;
        shutdown_sender.send(true).unwrap();
        tokio::time::timeout(Duration::from_secs(10), handle).await.unwrap().unwrap();

        let received = server.messages().await;
        let mut arrived: Vec<String> = received.iter().map(|mail| mail.to.clone()).collect();
        arrived.sort();
        assert_eq!(arrived, recipients);
        let sent = outbox(&db, Some(OutboxStatus::Sent)).await;
        assert_eq!(sent.len(), recipients.len());
    }

    async fn mail_that_keeps_failing_is_parked_listed_for_operators_and_sent_after_a_retry(backend) {
        let db = athenaeum_testkit::test_database(backend, &TEST_MIGRATIONS).await;
        let server = SmtpServer::start().await;
        let renderer = Arc::new(TestRenderer::default());
        let config = MailConfig { max_attempts: 3, ..smtp_config(&server) };
        let worker = worker(&db, Arc::clone(&renderer), config, db.databases.data_dir.path());
        let ids = queue(&db, vec![notice("ada@example.org")]).await;

        let rounds = [
            worker.deliver_due().await.unwrap(),
            worker.deliver_due().await.unwrap(),
            worker.deliver_due().await.unwrap(),
        ];
        assert_eq!((rounds[0].retrying, rounds[1].retrying, rounds[2].parked), (1, 1, 1));
        // Parked mail is left alone by the worker.
        assert_eq!(worker.deliver_due().await.unwrap().attempted(), 0);

        let parked = outbox(&db, Some(OutboxStatus::Parked)).await;
        assert_eq!(parked.len(), 1);
        assert_eq!(parked[0].id, ids[0]);
        assert_eq!(parked[0].attempts, 3);
        assert_eq!(
            parked[0].last_error.as_deref(),
            Some("template notice cannot be rendered: unclosed tag in line 3")
        );
        let counts = db.database.read(athenaeum_mail::count_by_status).await.unwrap();
        assert_eq!((counts.pending, counts.sent, counts.parked), (0, 0, 1));
        assert_eq!(server.message_count(), 0);

        renderer.fix_notice();
        let id = ids[0].clone();
        let retried = db
            .database
            .write(move |connection| athenaeum_mail::retry_parked(connection, &id))
            .await
            .unwrap();
        assert!(retried);
        let id = ids[0].clone();
        let retried_again = db
            .database
            .write(move |connection| athenaeum_mail::retry_parked(connection, &id))
            .await
            .unwrap();
        assert!(!retried_again, "a message that is no longer parked cannot be retried");

        assert_eq!(worker.deliver_due().await.unwrap().sent, 1);
        let received = server.messages().await;
        assert_eq!(received.len(), 1);
        assert_eq!(received[0].subject, "A notice");
        let counts = db.database.read(athenaeum_mail::count_by_status).await.unwrap();
        assert_eq!((counts.pending, counts.sent, counts.parked), (0, 1, 0));
    }

    async fn mail_the_relay_keeps_refusing_is_parked_and_arrives_after_a_retry(backend) {
        let db = athenaeum_testkit::test_database(backend, &TEST_MIGRATIONS).await;
        let mut server = SmtpServer::start().await;
        server.stop().await;
        let renderer = Arc::new(TestRenderer::default());
        let config = MailConfig { max_attempts: 2, ..smtp_config(&server) };
        let worker = worker(&db, renderer, config, db.databases.data_dir.path());
        let ids = queue(&db, vec![welcome("ada@example.org")]).await;

        assert_eq!(worker.deliver_due().await.unwrap().retrying, 1);
        assert_eq!(worker.deliver_due().await.unwrap().parked, 1);
        let parked = outbox(&db, Some(OutboxStatus::Parked)).await;
        assert_eq!(parked.len(), 1);
        assert!(parked[0].last_error.as_deref().unwrap_or_default().contains("smtp relay"));

        server.start_again().await;
        let id = ids[0].clone();
        let retried = db
            .database
            .write(move |connection| athenaeum_mail::retry_parked(connection, &id))
            .await
            .unwrap();
        assert!(retried);
        assert_eq!(worker.deliver_due().await.unwrap().sent, 1);
        let received = server.messages().await;
        assert_eq!(received.len(), 1);
        assert_eq!(received[0].to, "ada@example.org");
    }

    async fn the_file_transport_writes_one_eml_file_per_message(backend) {
        let db = athenaeum_testkit::test_database(backend, &TEST_MIGRATIONS).await;
        let data_dir = db.databases.data_dir.path().to_path_buf();
        let renderer = Arc::new(TestRenderer::default());
        // The embedded default: files, in the directory the caller passes.
        let config = MailConfig::default();
        let worker = worker(&db, renderer, config, &data_dir.join("mail"));
        queue(
            &db,
            vec![welcome("ada@example.org"), welcome("grace@example.org"), welcome("alan@example.org")],
        )
        .await;

        assert_eq!(worker.deliver_due().await.unwrap().sent, 3);

        let files: Vec<String> = std::fs::read_dir(data_dir.join("mail"))
            .unwrap()
            .map(|entry| entry.unwrap().path())
            .filter(|path| path.extension().is_some_and(|extension| extension == "eml"))
            .map(|path| std::fs::read_to_string(path).unwrap())
            .collect();
        assert_eq!(files.len(), 3);
        for recipient in ["ada@example.org", "grace@example.org", "alan@example.org"] {
            let addressed: Vec<&String> =
                files.iter().filter(|file| file.contains(&format!("To: {recipient}"))).collect();
            assert_eq!(addressed.len(), 1, "one file for {recipient}");
            assert!(addressed[0].contains("From: Athenaeum <no-reply@localhost>"));
            assert!(addressed[0].contains("Hello Ada,"));
        }
        assert_eq!(outbox(&db, Some(OutboxStatus::Sent)).await.len(), 3);
    }

    async fn a_long_link_written_to_a_file_stays_whole_on_one_line(backend) {
        let db = athenaeum_testkit::test_database(backend, &TEST_MIGRATIONS).await;
        let mail_dir = db.databases.data_dir.path().join("mail");
        let worker = worker(&db, Arc::new(TestRenderer::default()), MailConfig::default(), &mail_dir);
        queue(&db, vec![reset("zoe@example.org")]).await;

        assert_eq!(worker.deliver_due().await.unwrap().sent, 1);

        let files = eml_files(&mail_dir);
        assert_eq!(files.len(), 1);
        assert!(LONG_LINK.len() > 76, "the link is longer than a quoted-printable line");
        let lines: Vec<&str> = files[0].split("\r\n").collect();
        assert!(lines.contains(&LONG_LINK), "no line is the whole link:\n{}", files[0]);
        assert!(lines.contains(&"Hello Zoë,"), "{}", files[0]);
        assert!(files[0].contains("Content-Transfer-Encoding: 8bit"), "{}", files[0]);
    }

    async fn a_long_link_sent_over_smtp_arrives_whole(backend) {
        let db = athenaeum_testkit::test_database(backend, &TEST_MIGRATIONS).await;
        let server = SmtpServer::start().await;
        let worker = worker(&db, Arc::new(TestRenderer::default()), smtp_config(&server), db.databases.data_dir.path());
        let (_, ascii) = reset("ada@example.org");
        let ascii = OutgoingMail { params: json!({ "name": "Ada", "link": LONG_LINK }), ..ascii };
        queue(&db, vec![(None, ascii), reset("zoe@example.org")]).await;

        assert_eq!(worker.deliver_due().await.unwrap().sent, 2);

        let mut received = server.wait_for_messages(2, ARRIVAL_TIMEOUT).await;
        received.sort_by(|one, other| one.to.cmp(&other.to));
        for (mail, name) in received.iter().zip(["Ada", "Zoë"]) {
            // The server's reader drops the last line end.
            let expected = format!("Hello {name},\n\nchoose a new password here:\n\n{LONG_LINK}\n\nThe link works once.");
            assert_eq!(mail.body, expected, "to {}", mail.to);
        }
        // ASCII text goes as 7bit, its long line whole, which every relay takes.
        let to_ada = &received[0].raw;
        assert!(to_ada.contains("Content-Transfer-Encoding: 7bit"), "{to_ada}");
        assert!(to_ada.lines().any(|line| line.trim_end() == LONG_LINK), "{to_ada}");
    }

    async fn operators_read_each_message_with_its_one_time_link_withheld(backend) {
        let db = athenaeum_testkit::test_database(backend, &TEST_MIGRATIONS).await;
        let mail_dir = db.databases.data_dir.path().join("mail");
        let worker = worker(&db, Arc::new(TestRenderer::default()), MailConfig::default(), &mail_dir);
        let ids = queue(&db, vec![reset("zoe@example.org"), welcome("ada@example.org")]).await;
        let unsent = outbox(&db, None).await;
        assert_eq!(unsent[0].subject, None, "nothing is rendered before an attempt");

        assert_eq!(worker.deliver_due().await.unwrap().sent, 2);

        let entries = outbox(&db, Some(OutboxStatus::Sent)).await;
        assert_eq!(entries[0].subject.as_deref(), Some("Choose a new password"));
        let text = entries[0].text_body.as_deref().unwrap();
        assert_eq!(
            text,
            format!("Hello Zoë,\n\nchoose a new password here:\n\n{}\n\nThe link works once.\n", athenaeum_mail::WITHHELD)
        );
        assert!(!text.contains("token="), "{text}");
        let welcome_entry = db
            .database
            .read({
                let id = ids[1].clone();
                move |connection| athenaeum_mail::find_outbox_entry(connection, &id)
            })
            .await
            .unwrap()
            .unwrap();
        assert_eq!(welcome_entry.subject.as_deref(), Some("Welcome to Bücherei Nord"));
        assert_eq!(
            welcome_entry.text_body.as_deref(),
            Some("Hello Ada,\n\nyour library card is ready.\n\nBücherei Nord")
        );
    }

    async fn two_workers_on_one_database_never_send_the_same_message_twice(backend) {
        let db = athenaeum_testkit::test_database(backend, &TEST_MIGRATIONS).await;
        let server = SmtpServer::start().await;
        let renderer = Arc::new(TestRenderer::default());
        let config = MailConfig { batch_size: 4, ..smtp_config(&server) };
        let data_dir = db.databases.data_dir.path().to_path_buf();
        let first = worker(&db, Arc::clone(&renderer), config.clone(), &data_dir);
        let second = worker(&db, renderer, config, &data_dir);
        let recipients: Vec<String> =
            (1..=24).map(|number| format!("reader{number:02}@example.org")).collect();
        queue(&db, recipients.iter().map(|recipient| welcome(recipient)).collect()).await;

        let mut sent = 0;
        loop {
            let (by_first, by_second) = tokio::join!(first.deliver_due(), second.deliver_due());
            let (by_first, by_second) = (by_first.unwrap(), by_second.unwrap());
            assert_eq!(by_first.retrying + by_second.retrying, 0);
            if by_first.attempted() + by_second.attempted() == 0 {
                break;
            }
            sent += by_first.sent + by_second.sent;
        }

        assert_eq!(sent, 24);
        let received = server.messages().await;
        let mut arrived: Vec<String> = received.iter().map(|mail| mail.to.clone()).collect();
        arrived.sort();
        assert_eq!(arrived, recipients, "every message arrives exactly once");
    }

    async fn an_invalid_recipient_is_refused_when_queued_and_nothing_is_stored(backend) {
        let db = athenaeum_testkit::test_database(backend, &TEST_MIGRATIONS).await;

        let outcome = db
            .database
            .write(|connection| {
                let (tenant, mail) = welcome("ada.example.org");
                athenaeum_mail::enqueue(connection, tenant.as_ref(), &mail)
            })
            .await;

        let error = outcome.unwrap_err();
        assert!(matches!(error, MailError::InvalidRecipient { .. }));
        assert_eq!(error.code(), athenaeum_kernel::ErrorCode::Validation);
        assert_eq!(
            error.to_string(),
            "recipient address \"ada.example.org\" is invalid: \
             it needs a user and a domain, as in name@example.org"
        );
        assert!(outbox(&db, None).await.is_empty());
    }

    async fn operators_page_through_the_outbox_oldest_first(backend) {
        let db = athenaeum_testkit::test_database(backend, &TEST_MIGRATIONS).await;
        let ids = queue(
            &db,
            (1..=5).map(|number| welcome(&format!("reader{number}@example.org"))).collect(),
        )
        .await;

        let mut seen = Vec::new();
        let mut cursor: Option<String> = None;
        loop {
            let after = cursor.clone();
            let page = db
                .database
                .read(move |connection| {
                    athenaeum_mail::list_outbox(
                        connection,
                        Some(OutboxStatus::Pending),
                        after.as_deref(),
                        2,
                    )
                })
                .await
                .unwrap();
            assert!(page.len() <= 2);
            let Some(last) = page.last() else { break };
            cursor = Some(last.id.clone());
            seen.extend(page.into_iter().map(|entry| entry.id));
        }

        assert_eq!(seen, ids);
        assert!(outbox(&db, Some(OutboxStatus::Parked)).await.is_empty());
        let counts = db.database.read(athenaeum_mail::count_by_status).await.unwrap();
        assert_eq!((counts.pending, counts.sent, counts.parked), (5, 0, 0));
    }
}
