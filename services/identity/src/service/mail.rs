//! Identity's mail outbox as operators see it: listing what was written, reading one
//! message, and requeuing what was parked. Operators only; a message is shown as the
//! copy the worker kept, whose one-time links are withheld.

use athenaeum_kernel::ApiError;
use athenaeum_mail::{OutboxEntry, OutboxStatus};
use athenaeum_transport::Call;

use super::{IdentityService, Outcome, page_size, split_page};
use crate::api::*;

impl From<MailStatus> for OutboxStatus {
    fn from(status: MailStatus) -> Self {
        match status {
            MailStatus::Pending => OutboxStatus::Pending,
            MailStatus::Sent => OutboxStatus::Sent,
            MailStatus::Parked => OutboxStatus::Parked,
        }
    }
}

impl From<OutboxStatus> for MailStatus {
    fn from(status: OutboxStatus) -> Self {
        match status {
            OutboxStatus::Pending => MailStatus::Pending,
            OutboxStatus::Sent => MailStatus::Sent,
            OutboxStatus::Parked => MailStatus::Parked,
        }
    }
}

fn outgoing_mail(entry: OutboxEntry) -> OutgoingMail {
    OutgoingMail {
        id: entry.id,
        tenant_id: entry.tenant_id,
        recipient: entry.recipient,
        template: entry.template,
        status: entry.status.into(),
        attempts: entry.attempts,
        last_error: entry.last_error,
        created_at: entry.created_at.and_utc(),
        next_attempt_at: entry.next_attempt_at.and_utc(),
        sent_at: entry.sent_at.map(|at| at.and_utc()),
        subject: entry.subject,
        text_body: entry.text_body,
    }
}

impl IdentityService {
    pub(super) async fn list_mail_as(&self, call: &Call, request: ListMail) -> Outcome<MailPage> {
        self.caller(call)?.require_operator()?;
        let first = page_size(request.page.first)?;
        let status = request.status.map(OutboxStatus::from);
        let entries = self
            .database
            .read(move |connection| {
                athenaeum_mail::list_outbox(
                    connection,
                    status,
                    request.page.after.as_deref(),
                    first + 1,
                )
            })
            .await?;
        let (entries, has_next_page) = split_page(entries, first);
        Ok(MailPage { mail: entries.into_iter().map(outgoing_mail).collect(), has_next_page })
    }

    pub(super) async fn get_mail_as(&self, call: &Call, request: MailId) -> Outcome<OutgoingMail> {
        self.caller(call)?.require_operator()?;
        let mail_id = request.mail_id.clone();
        let entry = self
            .database
            .read(move |connection| athenaeum_mail::find_outbox_entry(connection, &mail_id))
            .await?;
        match entry {
            Some(entry) => Ok(outgoing_mail(entry)),
            None => Err(ApiError::not_found(format!("no mail has id {}", request.mail_id)).into()),
        }
    }

    pub(super) async fn retry_mail_as(&self, call: &Call, request: MailId) -> Outcome<Done> {
        self.caller(call)?.require_operator()?;
        let mail_id = request.mail_id.clone();
        let retried = self
            .database
            .write(move |connection| athenaeum_mail::retry_parked(connection, &mail_id))
            .await?;
        if !retried {
            return Err(
                ApiError::not_found(format!("no parked mail has id {}", request.mail_id)).into()
            );
        }
        self.mail.wake();
        Ok(Done {})
    }
}
