//! The outbox worker: claims due messages, renders them, hands them to the transport,
//! and records the outcome, retrying with backoff and parking what keeps failing.
//!
//! It never drops a message: each one ends sent or parked, and a crash at any moment
//! leaves it pending (and claimable again once its lease runs out).

use std::sync::Arc;
use std::time::Duration;

use athenaeum_db::{Database, DbError};
use chrono::TimeDelta;
use lettre::Message;
use lettre::message::header::{ContentTransferEncoding, ContentType};
use lettre::message::{Body, Mailbox, MultiPart, SinglePart};
use tokio::sync::{Notify, watch};
use tokio::task::JoinHandle;

use crate::config::MailConfig;
use crate::error::{MailError, describe_address_error};
use crate::outbox::{self, AfterFailure, ClaimedMail, KeptCopy};
use crate::render::{MailRenderer, RenderedMail, withhold_secrets};
use crate::transport::MailTransport;

/// The longest `last_error` kept on a row, in characters.
const MAX_ERROR_CHARS: usize = 2_000;

/// The longest line a message may carry, line break excluded (RFC 5322, section 2.1.1).
const MAX_LINE_OCTETS: usize = 998;

/// What one pass of the worker did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct DeliveryRound {
    /// Messages the transport accepted.
    pub sent: u32,
    /// Messages that failed and will be tried again later.
    pub retrying: u32,
    /// Messages that failed for the last allowed time and are now parked.
    pub parked: u32,
}

impl DeliveryRound {
    /// Returns how many messages the pass tried to send.
    pub fn attempted(&self) -> u32 {
        self.sent + self.retrying + self.parked
    }
}

/// Wakes a running worker so it looks for due messages now instead of at its next poll.
///
/// Cloning is cheap; every clone wakes the same worker.
#[derive(Debug, Clone)]
pub struct MailWaker {
    notify: Arc<Notify>,
}

impl MailWaker {
    fn new() -> MailWaker {
        MailWaker { notify: Arc::new(Notify::new()) }
    }

    /// Asks the worker to start a pass now; call it after committing a transaction that
    /// queued mail. Wakes made while a pass runs start one more pass after it.
    pub fn wake(&self) {
        self.notify.notify_one();
    }
}

/// Sends the mail queued in one service's outbox.
///
/// Any number of workers, in one process or many, may serve the same database: each
/// message is held by one worker at a time.
pub struct MailWorker {
    database: Database,
    renderer: Arc<dyn MailRenderer>,
    transport: MailTransport,
    config: MailConfig,
    from: Mailbox,
    waker: MailWaker,
}

impl std::fmt::Debug for MailWorker {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter
            .debug_struct("MailWorker")
            .field("database", &self.database)
            .field("transport", &self.transport)
            .field("config", &self.config.masked())
            .finish_non_exhaustive()
    }
}

impl MailWorker {
    /// Builds a worker for the outbox in `database`.
    ///
    /// Fails with `Config` when `config.from` is not a mailbox such as
    /// `Athenaeum <no-reply@library.example>`.
    pub fn new(
        database: Database,
        renderer: Arc<dyn MailRenderer>,
        transport: MailTransport,
        config: MailConfig,
    ) -> Result<MailWorker, MailError> {
        let from = config.from.parse::<Mailbox>().map_err(|error| {
            MailError::Config(format!(
                "sender {:?} is not a valid mailbox: {}",
                config.from,
                describe_address_error(&error)
            ))
        })?;
        Ok(MailWorker { database, renderer, transport, config, from, waker: MailWaker::new() })
    }

    /// Returns a waker for this worker, to hand to the code that queues mail.
    pub fn waker(&self) -> MailWaker {
        self.waker.clone()
    }

    /// Runs one pass: sends up to `batch_size` due messages, one at a time, and records
    /// each outcome.
    ///
    /// A message is marked sent only after the transport accepted it; a failure (render,
    /// address, relay, time-out) is recorded on its row and retried after a backoff, or
    /// parked after `max_attempts`. Fails only when the outbox cannot be read or written;
    /// a message already accepted by the relay but not yet marked is then sent again
    /// once its lease runs out (at-least-once).
    pub async fn deliver_due(&self) -> Result<DeliveryRound, DbError> {
        self.deliver_round(None).await
    }

    /// Starts the worker on the current runtime: a pass every `poll_interval_ms`, or at
    /// once when the returned waker is woken.
    ///
    /// When `shutdown` turns true (or its sender is dropped) the worker finishes the
    /// message in hand and the task ends; await the handle to know it has. Panics when
    /// called outside a tokio runtime.
    pub fn spawn(self, shutdown: watch::Receiver<bool>) -> (JoinHandle<()>, MailWaker) {
        let waker = self.waker();
        let handle = tokio::spawn(self.run(shutdown));
        (handle, waker)
    }

    async fn run(self, mut shutdown: watch::Receiver<bool>) {
        tracing::info!(transport = %self.transport.describe(), "mail worker started");
        let poll_interval = Duration::from_millis(self.config.poll_interval_ms.max(1));
        loop {
            if *shutdown.borrow() {
                break;
            }
            let more_waiting = match self.deliver_round(Some(&shutdown)).await {
                // A full batch that sent something suggests more are due: go on at once.
                // One that only failed waits, so a dead relay is not hammered.
                Ok(round) => round.attempted() >= self.batch_size() && round.sent > 0,
                Err(error) => {
                    tracing::warn!(%error, "mail outbox pass failed");
                    false
                }
            };
            if more_waiting {
                continue;
            }
            tokio::select! {
                () = tokio::time::sleep(poll_interval) => {}
                () = self.waker.notify.notified() => {}
                changed = shutdown.changed() => {
                    if changed.is_err() {
                        break;
                    }
                }
            }
        }
        tracing::info!("mail worker stopped");
    }

    async fn deliver_round(
        &self,
        shutdown: Option<&watch::Receiver<bool>>,
    ) -> Result<DeliveryRound, DbError> {
        let mut round = DeliveryRound::default();
        // Only what was due when the pass began: a message that fails in this pass waits
        // for the next one, however short its backoff.
        let pass_started_at = athenaeum_kernel::now();
        while round.attempted() < self.batch_size() {
            if shutdown.is_some_and(|receiver| *receiver.borrow()) {
                break;
            }
            let now = athenaeum_kernel::now();
            let lease_until = now + self.lease();
            let claimed = self
                .database
                .write(move |connection| {
                    outbox::claim_next(connection, pass_started_at, now, lease_until)
                })
                .await?;
            let Some(claimed) = claimed else {
                break;
            };
            let mut kept = None;
            match self.attempt_within_deadline(&claimed, &mut kept).await {
                Ok(()) => {
                    self.record_sent(&claimed, kept).await?;
                    round.sent += 1;
                }
                Err(reason) => match self.record_failure(&claimed, &reason, kept).await? {
                    AfterFailure::RetryAt(_) => round.retrying += 1,
                    AfterFailure::Park => round.parked += 1,
                },
            }
        }
        Ok(round)
    }

    /// Renders and sends a claimed message within the send deadline; `kept` receives the
    /// copy operators may read as soon as the message is rendered.
    async fn attempt_within_deadline(
        &self,
        claimed: &ClaimedMail,
        kept: &mut Option<KeptCopy>,
    ) -> Result<(), String> {
        let deadline = self.send_deadline();
        match tokio::time::timeout(deadline, self.attempt(claimed, kept)).await {
            Ok(outcome) => outcome,
            Err(_elapsed) => Err(format!("sending did not finish within {}s", deadline.as_secs())),
        }
    }

    async fn attempt(
        &self,
        claimed: &ClaimedMail,
        kept: &mut Option<KeptCopy>,
    ) -> Result<(), String> {
        let params = serde_json::from_str::<serde_json::Value>(&claimed.params)
            .map_err(|error| format!("stored params are not valid json: {error}"))?;
        let renderer = Arc::clone(&self.renderer);
        let template = claimed.template.clone();
        let (rendered, copy) = tokio::task::spawn_blocking(move || {
            let rendered = renderer.render(&template, &params)?;
            let withheld = withhold_secrets(&params, renderer.secret_parameters(&template));
            let copy = renderer.render(&template, &withheld)?;
            Ok::<_, crate::error::RenderError>((rendered, copy))
        })
        .await
        .map_err(|_join_error| {
            format!("the renderer panicked while rendering template {}", claimed.template)
        })?
        .map_err(|error| error.to_string())?;
        *kept = Some(KeptCopy { subject: copy.subject, text_body: copy.text_body });
        let message = build_message(&self.from, claimed, rendered, self.transport.carries_8bit())?;
        self.transport.send(message).await
    }

    async fn record_sent(
        &self,
        claimed: &ClaimedMail,
        kept: Option<KeptCopy>,
    ) -> Result<(), DbError> {
        let id = claimed.id.clone();
        let now = athenaeum_kernel::now();
        let marked = self
            .database
            .write(move |connection| outbox::mark_sent(connection, &id, now, kept.as_ref()))
            .await;
        match marked {
            Ok(()) => {
                tracing::info!(
                    mail_id = %claimed.id,
                    template = %claimed.template,
                    tenant_id = claimed.tenant_id.as_deref(),
                    "mail sent"
                );
                Ok(())
            }
            Err(error) => {
                tracing::error!(
                    mail_id = %claimed.id,
                    %error,
                    "mail sent but not marked as sent; it will be sent again"
                );
                Err(error)
            }
        }
    }

    async fn record_failure(
        &self,
        claimed: &ClaimedMail,
        reason: &str,
        kept: Option<KeptCopy>,
    ) -> Result<AfterFailure, DbError> {
        let attempts = claimed.attempts.saturating_add(1);
        let max_attempts = i32::try_from(self.config.max_attempts.max(1)).unwrap_or(i32::MAX);
        let after = if attempts >= max_attempts {
            AfterFailure::Park
        } else {
            let failures = u32::try_from(attempts).unwrap_or(u32::MAX);
            let delay = retry_delay(
                failures,
                self.config.retry_base_seconds,
                self.config.retry_max_seconds,
                rand::random::<f64>(),
            );
            AfterFailure::RetryAt(athenaeum_kernel::now() + delay)
        };
        let id = claimed.id.clone();
        let error: String = reason.chars().take(MAX_ERROR_CHARS).collect();
        self.database
            .write(move |connection| {
                outbox::record_failure(connection, &id, attempts, &error, after, kept.as_ref())
            })
            .await?;
        match after {
            AfterFailure::RetryAt(next_attempt_at) => tracing::warn!(
                mail_id = %claimed.id,
                template = %claimed.template,
                attempts,
                %next_attempt_at,
                error = %reason,
                "mail not sent, will retry"
            ),
            AfterFailure::Park => tracing::error!(
                mail_id = %claimed.id,
                template = %claimed.template,
                attempts,
                error = %reason,
                "mail parked after repeated failures"
            ),
        }
        Ok(after)
    }

    fn batch_size(&self) -> u32 {
        self.config.batch_size.max(1)
    }

    /// How long one attempt (render and send) may take.
    fn send_deadline(&self) -> Duration {
        match self.transport {
            // Writing one small file.
            MailTransport::File { .. } => Duration::from_secs(10),
            // lettre's timeout applies to each step of the SMTP conversation; a few fit.
            MailTransport::Smtp { .. } => {
                Duration::from_secs(self.config.smtp.timeout_seconds.clamp(1, 3_600) * 4)
            }
        }
    }

    /// How long a claim holds a message: longer than any attempt (which is cut off at
    /// the send deadline), so no other worker takes it while it is in hand, and short, so
    /// a message held by a process that died is retried soon after a restart.
    fn lease(&self) -> TimeDelta {
        let seconds = i64::try_from(self.send_deadline().as_secs()).unwrap_or(i64::MAX / 2);
        TimeDelta::seconds(seconds + 15)
    }
}

/// Builds the message; `eight_bit` says whether the way out carries 8-bit text (a file
/// does; an SMTP relay need not).
fn build_message(
    from: &Mailbox,
    claimed: &ClaimedMail,
    rendered: RenderedMail,
    eight_bit: bool,
) -> Result<Message, String> {
    let recipient = claimed.recipient.parse::<lettre::Address>().map_err(|error| {
        format!(
            "recipient address {:?} is invalid: {}",
            claimed.recipient,
            describe_address_error(&error)
        )
    })?;
    // A Message-ID derived from the outbox id lets a receiver recognise a resend.
    let message_id = format!("<{}@{}>", claimed.id, from.email.domain());
    let builder = Message::builder()
        .from(from.clone())
        .to(Mailbox::new(None, recipient))
        .subject(rendered.subject)
        .message_id(Some(message_id));
    let text = text_part(ContentType::TEXT_PLAIN, rendered.text_body, eight_bit);
    let built = match rendered.html_body {
        Some(html_body) => {
            builder.multipart(MultiPart::alternative().singlepart(text).singlepart(text_part(
                ContentType::TEXT_HTML,
                html_body,
                eight_bit,
            )))
        }
        None => builder.singlepart(text),
    };
    built.map_err(|error| format!("cannot build the message: {error}"))
}

/// Returns a text part in which every line stays whole, so that a link a person copies
/// from the message (or from its `.eml` file) works: `7bit` when the text is ASCII,
/// `8bit` when it is not and `eight_bit` allows it, as long as no line is longer than
/// 998 octets. Otherwise lettre chooses (quoted-printable or base64), which is always
/// safe to send and wraps long lines with soft breaks that mail programs undo.
///
/// `7bit` with lines of up to 998 octets is valid over any SMTP relay; `8bit` is only
/// offered where `eight_bit` says so, because lettre refuses to send it to a relay that
/// does not announce 8BITMIME.
fn text_part(content_type: ContentType, text: String, eight_bit: bool) -> SinglePart {
    let lines = text.replace("\r\n", "\n").replace('\r', "\n");
    let fits = !lines.contains('\0') && lines.split('\n').all(|line| line.len() <= MAX_LINE_OCTETS);
    let encoding = if lines.is_ascii() {
        ContentTransferEncoding::SevenBit
    } else {
        ContentTransferEncoding::EightBit
    };
    let body = if fits && (lines.is_ascii() || eight_bit) {
        Body::dangerous_pre_encoded(lines.replace('\n', "\r\n").into_bytes(), encoding)
    } else {
        Body::new(text)
    };
    SinglePart::builder().header(content_type).body(body)
}

/// Returns how long to wait after the `failures`-th failed attempt: `base_seconds`
/// doubled for every failure after the first, at most `max_seconds`, less up to a quarter
/// chosen by `jitter` (in `0.0..1.0`) so that messages failed together spread out.
fn retry_delay(failures: u32, base_seconds: u64, max_seconds: u64, jitter: f64) -> TimeDelta {
    let doublings = failures.saturating_sub(1).min(40);
    let full_seconds = base_seconds.saturating_mul(1_u64 << doublings).min(max_seconds);
    let full_ms = full_seconds.saturating_mul(1_000).min(i64::MAX as u64 / 2);
    #[expect(
        clippy::cast_possible_truncation,
        clippy::cast_sign_loss,
        clippy::cast_precision_loss,
        reason = "a quarter of a delay of at most i64::MAX / 2 milliseconds, rounded down"
    )]
    let taken_ms = (full_ms as f64 * 0.25 * jitter.clamp(0.0, 1.0)) as u64;
    let delay_ms = full_ms.saturating_sub(taken_ms);
    TimeDelta::milliseconds(i64::try_from(delay_ms).unwrap_or(i64::MAX / 2))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retry_delay_doubles_from_the_base_up_to_the_maximum() {
        let seconds = |failures| retry_delay(failures, 30, 3_600, 0.0).num_seconds();
        assert_eq!(seconds(1), 30);
        assert_eq!(seconds(2), 60);
        assert_eq!(seconds(3), 120);
        assert_eq!(seconds(7), 1_920);
        assert_eq!(seconds(8), 3_600);
        assert_eq!(seconds(1_000), 3_600);
    }

    #[test]
    fn retry_delay_jitter_takes_at_most_a_quarter_off() {
        assert_eq!(retry_delay(1, 40, 3_600, 1.0).num_seconds(), 30);
        assert_eq!(retry_delay(1, 40, 3_600, 0.5).num_seconds(), 35);
        assert_eq!(retry_delay(3, 0, 3_600, 0.7).num_milliseconds(), 0);
    }

    fn encoded(part: &SinglePart) -> String {
        String::from_utf8(part.formatted()).unwrap()
    }

    #[test]
    fn text_whose_lines_fit_keeps_each_line_whole() {
        let link = format!("https://library.example/accept-invitation?token={}", "t".repeat(120));
        let ascii = text_part(ContentType::TEXT_PLAIN, format!("Open:\n{link}\n"), false);
        let text = encoded(&ascii);
        assert!(text.contains("Content-Transfer-Encoding: 7bit"), "{text}");
        assert!(text.contains(&format!("\r\n{link}\r\n")), "{text}");

        let accented = text_part(ContentType::TEXT_PLAIN, format!("Zoë:\r\n{link}"), true);
        let text = encoded(&accented);
        assert!(text.contains("Content-Transfer-Encoding: 8bit"), "{text}");
        assert!(text.contains(&format!("Zoë:\r\n{link}")), "{text}");
    }

    #[test]
    fn text_that_cannot_go_as_it_is_is_left_to_lettre() {
        let accented = encoded(&text_part(
            ContentType::TEXT_PLAIN,
            "Hello Zoë, your card is ready.".to_string(),
            false,
        ));
        assert!(accented.contains("Content-Transfer-Encoding: quoted-printable"), "{accented}");
        let endless = encoded(&text_part(ContentType::TEXT_PLAIN, "x".repeat(999), true));
        assert!(!endless.contains("Content-Transfer-Encoding: 7bit"), "{endless}");
    }

    #[test]
    fn a_message_carries_the_outbox_id_as_its_message_id() {
        let from: Mailbox = "Athenaeum <no-reply@library.example>".parse().unwrap();
        let claimed = ClaimedMail {
            id: "0190-abc".to_string(),
            tenant_id: None,
            recipient: "reader@example.org".to_string(),
            template: "welcome".to_string(),
            params: "{}".to_string(),
            attempts: 0,
        };
        let rendered = RenderedMail {
            subject: "Welcome".to_string(),
            text_body: "Hello".to_string(),
            html_body: Some("<p>Hello</p>".to_string()),
        };
        let message = build_message(&from, &claimed, rendered, true).unwrap();
        let text = String::from_utf8(message.formatted()).unwrap();
        assert!(text.contains("Message-ID: <0190-abc@library.example>"), "{text}");
        assert!(text.contains("To: reader@example.org"), "{text}");
        assert!(text.contains("text/html"), "{text}");
    }
}
