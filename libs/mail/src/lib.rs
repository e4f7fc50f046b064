//! Outgoing mail through a transactional outbox: a service queues a message in the same
//! transaction as the change that causes it, and a worker renders and sends it with
//! retries, so a mail outage loses nothing and a rolled-back change sends nothing.
//!
//! The crate owns the outbox's queries and the worker, not the table (each sending
//! service creates `mail_outbox` in its own migrations) and not the templates (each
//! service brings a [`MailRenderer`]).
//!
//! ```ignore
//! // In the service's write transaction:
//! database.write(move |connection| {
//!     create_account(connection, &account)?;
//!     athenaeum_mail::enqueue(connection, Some(&scope), &OutgoingMail { .. })?;
//!     Ok(())
//! }).await?;
//! waker.wake();
//! ```

mod config;
mod error;
mod outbox;
mod render;
pub mod schema;
mod transport;
mod worker;

pub use config::{MailConfig, SmtpConfig, SmtpSecurity, TransportKind};
pub use error::{MailError, RenderError, Result};
pub use outbox::{
    MAX_PAGE_SIZE, OutboxCounts, OutboxEntry, OutboxStatus, OutgoingMail, check_recipient,
    count_by_status, enqueue, find_outbox_entry, list_outbox, retry_parked,
};
pub use render::{MailRenderer, RenderedMail, WITHHELD};
pub use transport::MailTransport;
pub use worker::{DeliveryRound, MailWaker, MailWorker};
