//! The outbox table's queries: queueing a message inside the caller's transaction, the
//! worker's claim and bookkeeping, and what operators see.
//!
//! Every query is written once with diesel's DSL and runs on SQLite and PostgreSQL alike;
//! nothing here talks to a mail server.

use athenaeum_auth::TenantScope;
use athenaeum_db::DbConnection;
use athenaeum_db::DbError;
use athenaeum_kernel::Timestamp;
use diesel::prelude::*;
use serde::{Deserialize, Serialize};

use crate::error::{MailError, describe_address_error};
use crate::schema::mail_outbox;

/// The most rows one page of [`list_outbox`] returns, whatever the caller asks for.
pub const MAX_PAGE_SIZE: i64 = 500;

/// How many due rows one claim looks at; more than one so that a worker losing the race
/// for the first row still finds work.
const CLAIM_CANDIDATES: i64 = 8;

/// A message to queue: who gets it, which template, and the template's parameters.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OutgoingMail {
    /// The recipient's bare email address (`name@example.org`, no display name).
    pub recipient: String,
    /// The template's name, as the worker's renderer knows it.
    pub template: String,
    /// The template's parameters. Stored until the message is sent, then erased, so they
    /// may carry one-time secrets such as a password-reset link.
    pub params: serde_json::Value,
}

/// Where a message is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum OutboxStatus {
    /// Waiting for its first or next attempt.
    Pending,
    /// Accepted by the relay (or written to a file); never sent again.
    Sent,
    /// Failed `max_attempts` times; waits for an operator to retry it.
    Parked,
}

impl OutboxStatus {
    /// Returns the status as stored in the `status` column.
    pub fn as_str(self) -> &'static str {
        match self {
            OutboxStatus::Pending => "pending",
            OutboxStatus::Sent => "sent",
            OutboxStatus::Parked => "parked",
        }
    }

    /// Returns the status stored as `text`, or `None` for an unknown value.
    pub fn parse(text: &str) -> Option<OutboxStatus> {
        match text {
            "pending" => Some(OutboxStatus::Pending),
            "sent" => Some(OutboxStatus::Sent),
            "parked" => Some(OutboxStatus::Parked),
            _ => None,
        }
    }
}

impl std::fmt::Display for OutboxStatus {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter.write_str(self.as_str())
    }
}

/// One outbox row as operators see it. The template parameters are left out: they may
/// hold one-time secrets, which the kept subject and text body show withheld.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OutboxEntry {
    /// The message's id, as returned by [`enqueue`].
    pub id: String,
    /// The tenant the message is about, if any.
    pub tenant_id: Option<String>,
    /// The recipient's address.
    pub recipient: String,
    /// The template's name.
    pub template: String,
    /// Where the message is in its life.
    pub status: OutboxStatus,
    /// Failed attempts so far.
    pub attempts: i32,
    /// When the next attempt may be made (UTC).
    pub next_attempt_at: Timestamp,
    /// Until when a worker holds the message (UTC), if one does.
    pub locked_until: Option<Timestamp>,
    /// Why the last attempt failed.
    pub last_error: Option<String>,
    /// When the message was queued (UTC).
    pub created_at: Timestamp,
    /// When the relay accepted it (UTC).
    pub sent_at: Option<Timestamp>,
    /// The subject, once an attempt rendered the message.
    pub subject: Option<String>,
    /// The text body as the recipient reads it but with its secrets (one-time links)
    /// withheld, once an attempt rendered the message.
    pub text_body: Option<String>,
}

/// The copy of a rendered message kept for operators: its secrets withheld.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct KeptCopy {
    pub(crate) subject: String,
    pub(crate) text_body: String,
}

/// How many messages are in each status, for metrics.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct OutboxCounts {
    /// Messages waiting to be sent.
    pub pending: i64,
    /// Messages sent.
    pub sent: i64,
    /// Messages parked for an operator.
    pub parked: i64,
}

#[derive(Queryable, Selectable)]
#[diesel(table_name = mail_outbox)]
struct OutboxRow {
    id: String,
    tenant_id: Option<String>,
    recipient: String,
    template: String,
    status: String,
    attempts: i32,
    next_attempt_at: Timestamp,
    locked_until: Option<Timestamp>,
    last_error: Option<String>,
    created_at: Timestamp,
    sent_at: Option<Timestamp>,
    subject: Option<String>,
    text_body: Option<String>,
}

impl OutboxRow {
    fn into_entry(self) -> Result<OutboxEntry, DbError> {
        let status = parse_status(&self.status)?;
        Ok(OutboxEntry {
            id: self.id,
            tenant_id: self.tenant_id,
            recipient: self.recipient,
            template: self.template,
            status,
            attempts: self.attempts,
            next_attempt_at: self.next_attempt_at,
            locked_until: self.locked_until,
            last_error: self.last_error,
            created_at: self.created_at,
            sent_at: self.sent_at,
            subject: self.subject,
            text_body: self.text_body,
        })
    }
}

/// A message a worker has claimed and now holds until its lease runs out.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = mail_outbox)]
pub(crate) struct ClaimedMail {
    pub(crate) id: String,
    pub(crate) tenant_id: Option<String>,
    pub(crate) recipient: String,
    pub(crate) template: String,
    pub(crate) params: String,
    pub(crate) attempts: i32,
}

/// Checks that `recipient` is a bare email address the outbox can send to.
///
/// Call it at the edge to report a bad address before opening a transaction; [`enqueue`]
/// checks again. Fails with `InvalidRecipient`, naming the address and what is wrong.
pub fn check_recipient(recipient: &str) -> Result<(), MailError> {
    match recipient.parse::<lettre::Address>() {
        Ok(_) => Ok(()),
        Err(error) => Err(MailError::InvalidRecipient {
            recipient: recipient.to_string(),
            reason: describe_address_error(&error),
        }),
    }
}

/// Queues `mail`, about the scope's tenant (`None` for platform mail), and returns its
/// new id.
///
/// Call it inside the write transaction of the change that causes the mail: the message
/// is sent only if that transaction commits, and is lost with it if it rolls back. Wake
/// the worker (`MailWaker::wake`) after the commit to send it without waiting for the
/// next poll. Fails with `InvalidRecipient` (nothing written) or `Database`.
pub fn enqueue(
    connection: &mut DbConnection,
    tenant: Option<&TenantScope>,
    mail: &OutgoingMail,
) -> Result<String, MailError> {
    check_recipient(&mail.recipient)?;
    let id = athenaeum_kernel::new_id();
    let now = athenaeum_kernel::now();
    diesel::insert_into(mail_outbox::table)
        .values((
            mail_outbox::id.eq(&id),
            mail_outbox::tenant_id.eq(tenant.map(TenantScope::tenant_id)),
            mail_outbox::recipient.eq(&mail.recipient),
            mail_outbox::template.eq(&mail.template),
            mail_outbox::params.eq(mail.params.to_string()),
            mail_outbox::status.eq(OutboxStatus::Pending.as_str()),
            mail_outbox::attempts.eq(0),
            mail_outbox::next_attempt_at.eq(now),
            mail_outbox::locked_until.eq(None::<Timestamp>),
            mail_outbox::last_error.eq(None::<String>),
            mail_outbox::created_at.eq(now),
            mail_outbox::sent_at.eq(None::<Timestamp>),
            mail_outbox::subject.eq(None::<String>),
            mail_outbox::text_body.eq(None::<String>),
        ))
        .execute(connection)
        .map_err(DbError::Query)?;
    Ok(id)
}

/// Returns up to `limit` outbox entries (at most [`MAX_PAGE_SIZE`]) whose id is after
/// `after_id`, oldest first, optionally only those in `status`.
///
/// Pass the last id of one page as `after_id` to get the next; an empty page is the end.
pub fn list_outbox(
    connection: &mut DbConnection,
    status: Option<OutboxStatus>,
    after_id: Option<&str>,
    limit: i64,
) -> Result<Vec<OutboxEntry>, DbError> {
    let statuses: Vec<&str> = match status {
        Some(wanted) => vec![wanted.as_str()],
        None => [OutboxStatus::Pending, OutboxStatus::Sent, OutboxStatus::Parked]
            .iter()
            .map(|each| each.as_str())
            .collect(),
    };
    // Every id sorts after the empty string, so no cursor means "from the start".
    let after = after_id.unwrap_or("");
    let rows: Vec<OutboxRow> = mail_outbox::table
        .filter(mail_outbox::status.eq_any(statuses))
        .filter(mail_outbox::id.gt(after))
        .order(mail_outbox::id.asc())
        .limit(limit.clamp(0, MAX_PAGE_SIZE))
        .select(OutboxRow::as_select())
        .load(connection)?;
    rows.into_iter().map(OutboxRow::into_entry).collect()
}

/// Returns the outbox entry with this id, if any.
pub fn find_outbox_entry(
    connection: &mut DbConnection,
    id: &str,
) -> Result<Option<OutboxEntry>, DbError> {
    let row: Option<OutboxRow> = mail_outbox::table
        .filter(mail_outbox::id.eq(id))
        .select(OutboxRow::as_select())
        .get_result(connection)
        .optional()?;
    row.map(OutboxRow::into_entry).transpose()
}

/// Puts a parked message back in the queue: pending, no failed attempts, due now.
///
/// Returns `false` when no parked message has this id (unknown, pending or sent). The
/// last error is kept until the next attempt replaces it.
pub fn retry_parked(connection: &mut DbConnection, id: &str) -> Result<bool, DbError> {
    let now = athenaeum_kernel::now();
    let updated = diesel::update(
        mail_outbox::table
            .filter(mail_outbox::id.eq(id))
            .filter(mail_outbox::status.eq(OutboxStatus::Parked.as_str())),
    )
    .set((
        mail_outbox::status.eq(OutboxStatus::Pending.as_str()),
        mail_outbox::attempts.eq(0),
        mail_outbox::next_attempt_at.eq(now),
        mail_outbox::locked_until.eq(None::<Timestamp>),
    ))
    .execute(connection)?;
    Ok(updated == 1)
}

/// Returns how many messages are pending, sent and parked.
///
/// Cost: one grouped count over the whole table.
pub fn count_by_status(connection: &mut DbConnection) -> Result<OutboxCounts, DbError> {
    let groups: Vec<(String, i64)> = mail_outbox::table
        .group_by(mail_outbox::status)
        .select((mail_outbox::status, diesel::dsl::count_star()))
        .load(connection)?;
    let mut counts = OutboxCounts::default();
    for (status, count) in groups {
        match parse_status(&status)? {
            OutboxStatus::Pending => counts.pending = count,
            OutboxStatus::Sent => counts.sent = count,
            OutboxStatus::Parked => counts.parked = count,
        }
    }
    Ok(counts)
}

/// Claims the most overdue pending message that was due by `due_by` and that nobody holds
/// at `now`, holding it until `lease_until`.
///
/// The claim is a conditional update that only succeeds while the row is still pending,
/// due, unheld and unchanged since it was read, so two workers (in one process or many)
/// never hold the same message at once. Returns `None` when nothing is due.
pub(crate) fn claim_next(
    connection: &mut DbConnection,
    due_by: Timestamp,
    now: Timestamp,
    lease_until: Timestamp,
) -> Result<Option<ClaimedMail>, DbError> {
    let candidates: Vec<ClaimedMail> = mail_outbox::table
        .filter(mail_outbox::status.eq(OutboxStatus::Pending.as_str()))
        .filter(mail_outbox::next_attempt_at.le(due_by))
        .filter(mail_outbox::locked_until.is_null().or(mail_outbox::locked_until.lt(now)))
        .order((mail_outbox::next_attempt_at.asc(), mail_outbox::id.asc()))
        .limit(CLAIM_CANDIDATES)
        .select(ClaimedMail::as_select())
        .load(connection)?;
    for candidate in candidates {
        let claimed = diesel::update(
            mail_outbox::table
                .filter(mail_outbox::id.eq(&candidate.id))
                .filter(mail_outbox::status.eq(OutboxStatus::Pending.as_str()))
                .filter(mail_outbox::attempts.eq(candidate.attempts))
                .filter(mail_outbox::next_attempt_at.le(due_by))
                .filter(mail_outbox::locked_until.is_null().or(mail_outbox::locked_until.lt(now))),
        )
        .set(mail_outbox::locked_until.eq(Some(lease_until)))
        .execute(connection)?;
        if claimed == 1 {
            return Ok(Some(candidate));
        }
    }
    Ok(None)
}

/// Records that the relay accepted a claimed message, keeps the copy operators may read,
/// and erases its parameters.
pub(crate) fn mark_sent(
    connection: &mut DbConnection,
    id: &str,
    now: Timestamp,
    kept: Option<&KeptCopy>,
) -> Result<(), DbError> {
    let target = || {
        mail_outbox::table
            .filter(mail_outbox::id.eq(id))
            .filter(mail_outbox::status.eq(OutboxStatus::Pending.as_str()))
    };
    if let Some(kept) = kept {
        keep_copy(connection, id, kept)?;
    }
    diesel::update(target())
        .set((
            mail_outbox::status.eq(OutboxStatus::Sent.as_str()),
            mail_outbox::sent_at.eq(Some(now)),
            mail_outbox::params.eq("{}"),
            mail_outbox::locked_until.eq(None::<Timestamp>),
        ))
        .execute(connection)?;
    Ok(())
}

/// Keeps the copy of a message operators may read (its secrets withheld).
fn keep_copy(connection: &mut DbConnection, id: &str, kept: &KeptCopy) -> Result<(), DbError> {
    diesel::update(mail_outbox::table.filter(mail_outbox::id.eq(id)))
        .set((
            mail_outbox::subject.eq(Some(&kept.subject)),
            mail_outbox::text_body.eq(Some(&kept.text_body)),
        ))
        .execute(connection)?;
    Ok(())
}

/// What happens to a message after a failed attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum AfterFailure {
    /// Try again at this time.
    RetryAt(Timestamp),
    /// Stop trying; wait for an operator.
    Park,
}

/// Records a failed attempt on a claimed message and releases it.
pub(crate) fn record_failure(
    connection: &mut DbConnection,
    id: &str,
    attempts: i32,
    error: &str,
    after: AfterFailure,
    kept: Option<&KeptCopy>,
) -> Result<(), DbError> {
    if let Some(kept) = kept {
        keep_copy(connection, id, kept)?;
    }
    let (status, next_attempt_at) = match after {
        AfterFailure::RetryAt(at) => (OutboxStatus::Pending, Some(at)),
        AfterFailure::Park => (OutboxStatus::Parked, None),
    };
    let target = mail_outbox::table
        .filter(mail_outbox::id.eq(id))
        .filter(mail_outbox::status.eq(OutboxStatus::Pending.as_str()));
    let changes = (
        mail_outbox::status.eq(status.as_str()),
        mail_outbox::attempts.eq(attempts),
        mail_outbox::last_error.eq(Some(error)),
        mail_outbox::locked_until.eq(None::<Timestamp>),
    );
    match next_attempt_at {
        Some(at) => diesel::update(target)
            .set((changes, mail_outbox::next_attempt_at.eq(at)))
            .execute(connection)?,
        None => diesel::update(target).set(changes).execute(connection)?,
    };
    Ok(())
}

fn parse_status(text: &str) -> Result<OutboxStatus, DbError> {
    OutboxStatus::parse(text).ok_or_else(|| {
        DbError::Query(diesel::result::Error::DeserializationError(
            format!("unknown mail outbox status {text:?}").into(),
        ))
    })
}
