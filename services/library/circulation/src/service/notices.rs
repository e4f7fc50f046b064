//! The notice job: finds the events patrons are told about — a loan due soon, overdue,
//! still overdue a week later; a hold ready or ended; a block — and queues one mail per
//! event in the library service's outbox. Each library's round is one transaction that
//! writes the notice rows (unique per event) with their mail, so a round that runs twice,
//! or restarts after a crash, queues each event's mail once.

use athenaeum_auth::TenantScope;
use athenaeum_catalogue::desk;
use athenaeum_kernel::{Timestamp, new_id};
use athenaeum_library_db::LibraryTransaction;
use athenaeum_mail::OutgoingMail;
use chrono::TimeDelta;
use serde_json::{Map, Value, json};

use super::context::Library;
use super::views::{loan_situation, utc};
use super::{CirculationService, Outcome};
use crate::api::HoldStatus;
use crate::domain::fines::{money, overdue_fine};
use crate::mail;
use crate::store::{self, NoticeKind, NoticeRow};

/// The first overdue notice goes out a day after the due time.
const FIRST_OVERDUE_AFTER: TimeDelta = TimeDelta::days(1);
/// The second, a week after the first.
const SECOND_OVERDUE_AFTER: TimeDelta = TimeDelta::days(8);
/// Loans overdue for longer than this are not looked at again (they had their notices).
const OVERDUE_LOOKBACK: TimeDelta = TimeDelta::days(60);
/// Holds and blocks are told about within this long of happening.
const RECENT: TimeDelta = TimeDelta::days(7);
/// Events looked at per kind per round.
const BATCH: i64 = 1_000;

/// How many notices a round queued.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct NoticeRound {
    /// Mails queued.
    pub queued: usize,
    /// Events passed over because the patron has no email address.
    pub without_address: usize,
}

/// One event a patron may be told about.
struct Event {
    key: String,
    kind: NoticeKind,
    template: &'static str,
    patron_id: String,
    branch_id: String,
    params: Map<String, Value>,
}

impl CirculationService {
    /// Queues the notices now due in one library, in one transaction. Safe to run again
    /// at any time: an event already noticed is passed over.
    pub async fn send_notices(&self, scope: TenantScope) -> Outcome<NoticeRound> {
        let now = self.now();
        self.library.write(move |transaction| send_in(transaction, &scope, now)).await
    }
}

fn day(library: &Library, at: Timestamp) -> String {
    utc(at).with_timezone(&library.settings.zone).format("%A %-d %B %Y").to_string()
}

fn loan_events(
    transaction: &mut LibraryTransaction<'_>,
    scope: &TenantScope,
    library: &Library,
    now: Timestamp,
) -> Outcome<Vec<Event>> {
    let mut events = Vec::new();
    let mut candidates = Vec::new();
    if library.settings.courtesy_notice_days > 0 {
        let ahead = TimeDelta::days(i64::from(library.settings.courtesy_notice_days));
        for loan in store::loans_due_between(transaction, scope, now, now + ahead, BATCH)? {
            candidates.push((NoticeKind::Courtesy, mail::COURTESY, "courtesy", loan));
        }
    }
    for loan in store::loans_due_between(
        transaction,
        scope,
        now - OVERDUE_LOOKBACK,
        now - FIRST_OVERDUE_AFTER,
        BATCH,
    )? {
        if loan.due_at <= now - SECOND_OVERDUE_AFTER {
            candidates.push((
                NoticeKind::OverdueSecond,
                mail::OVERDUE_SECOND,
                "overdue2",
                loan.clone(),
            ));
        }
        candidates.push((NoticeKind::OverdueFirst, mail::OVERDUE_FIRST, "overdue1", loan));
    }
    for (kind, template, prefix, loan) in candidates {
        let Some(patron_id) = loan.patron_id.clone() else { continue };
        let item = desk::find_item(transaction, scope, &loan.item_id)?;
        let title = item
            .as_ref()
            .and_then(|item| item.record.title.clone())
            .unwrap_or_else(|| "an item".into());
        let barcode = item.as_ref().map(|item| item.barcode.clone()).unwrap_or_default();
        let rule =
            library.rule_for(&loan_situation(&loan, item.and_then(|item| item.loan_type_id)));
        let fine = overdue_fine(&rule.terms, library.settings.zone, utc(loan.due_at), utc(now));
        let fine_text = if fine > 0 {
            format!(
                "Overdue fines of {} have built up so far, and stop when it is back.",
                money(fine, &library.settings.currency)
            )
        } else {
            String::new()
        };
        let mut params = Map::new();
        params.insert("title".into(), json!(title));
        params.insert("barcode".into(), json!(barcode));
        params.insert("due".into(), json!(day(library, loan.due_at)));
        params.insert("fine".into(), json!(fine_text));
        events.push(Event {
            key: format!("{prefix}:{}:{}", loan.id, loan.due_at.and_utc().timestamp()),
            kind,
            template,
            patron_id,
            branch_id: loan.branch_id.clone(),
            params,
        });
    }
    Ok(events)
}

fn hold_and_block_events(
    transaction: &mut LibraryTransaction<'_>,
    scope: &TenantScope,
    library: &Library,
    now: Timestamp,
) -> Outcome<Vec<Event>> {
    let mut events = Vec::new();
    for (status, kind, template) in [
        (HoldStatus::Ready, NoticeKind::HoldReady, mail::HOLD_READY),
        (HoldStatus::Expired, NoticeKind::HoldExpired, mail::HOLD_EXPIRED),
    ] {
        for hold in store::holds_since(transaction, scope, status, now - RECENT, BATCH)? {
            let title = desk::find_record(transaction, scope, &hold.record_id)?
                .and_then(|record| record.title)
                .unwrap_or_else(|| "the item you asked for".into());
            let mut params = Map::new();
            params.insert("title".into(), json!(title));
            params.insert(
                "pickup_by".into(),
                json!(hold.pickup_by.map(|at| day(library, at)).unwrap_or_default()),
            );
            params.insert(
                "reason".into(),
                json!(hold.closed_reason.clone().unwrap_or_else(|| "not filled in time".into())),
            );
            let moment = hold.ready_at.or(hold.closed_at).map_or(0, |at| at.and_utc().timestamp());
            events.push(Event {
                key: format!("{}:{}:{moment}", kind.as_str(), hold.id),
                kind,
                template,
                patron_id: hold.patron_id.clone(),
                branch_id: hold.pickup_branch_id.clone(),
                params,
            });
        }
    }
    for block in store::blocks_since(transaction, scope, now - RECENT, BATCH)? {
        let Some(patron) = store::find_patron(transaction, scope, &block.patron_id)? else {
            continue;
        };
        let mut params = Map::new();
        params.insert("reason".into(), json!(block.reason));
        events.push(Event {
            key: format!("blocked:{}", block.id),
            kind: NoticeKind::AccountBlocked,
            template: mail::ACCOUNT_BLOCKED,
            patron_id: block.patron_id.clone(),
            branch_id: patron.home_branch_id,
            params,
        });
    }
    Ok(events)
}

fn send_in(
    transaction: &mut LibraryTransaction<'_>,
    scope: &TenantScope,
    now: Timestamp,
) -> Outcome<NoticeRound> {
    let library = Library::read(transaction, scope)?;
    let mut events = loan_events(transaction, scope, &library, now)?;
    events.extend(hold_and_block_events(transaction, scope, &library, now)?);
    let keys: Vec<String> = events.iter().map(|event| event.key.clone()).collect();
    let done = store::noticed(transaction, scope, &keys)?;
    let library_name =
        library.settings.library_name.clone().unwrap_or_else(|| "Your library".into());
    let mut round = NoticeRound::default();
    for mut event in events.into_iter().filter(|event| !done.contains(&event.key)) {
        let Some(patron) = store::find_patron(transaction, scope, &event.patron_id)? else {
            continue;
        };
        let Some(email) = patron.email.clone() else {
            round.without_address += 1;
            continue;
        };
        event.params.insert("patron_name".into(), json!(patron.name));
        event.params.insert("library_name".into(), json!(library_name));
        event.params.insert("branch_name".into(), json!(library.branch_name(&event.branch_id)));
        let mail = OutgoingMail {
            recipient: email,
            template: event.template.to_string(),
            params: Value::Object(event.params),
        };
        let mail_id = match athenaeum_mail::enqueue(transaction, Some(scope), &mail) {
            Ok(id) => id,
            Err(athenaeum_mail::MailError::InvalidRecipient { .. }) => {
                round.without_address += 1;
                continue;
            }
            Err(athenaeum_mail::MailError::Database(error)) => return Err(error.into()),
            Err(error) => {
                return Err(crate::CirculationError::Internal(format!(
                    "queueing a notice: {error}"
                )));
            }
        };
        store::insert_notice(
            transaction,
            scope,
            &NoticeRow {
                id: new_id(),
                event_key: event.key,
                kind: event.kind,
                patron_id: patron.id,
                mail_id,
                created_at: now,
            },
        )?;
        round.queued += 1;
    }
    Ok(round)
}
