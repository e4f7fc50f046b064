-- Notices circulation mails patrons (courtesy reminders, overdue notices, hold ready,
-- hold expired, account blocked), and the library service's own mail outbox.
--
-- A notice row is written in the same transaction as the mail it queues, under a key
-- naming its event (a loan's due date, a hold's time on the shelf, a block), unique per
-- library: a notice job that runs again, or restarts after a crash mid-run, queues each
-- event's mail once.
ALTER TABLE circulation_settings ADD COLUMN library_name TEXT;

CREATE TABLE notices (
    id TEXT PRIMARY KEY NOT NULL,
    tenant_id TEXT NOT NULL,
    event_key TEXT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('courtesy', 'overdue_first', 'overdue_second',
        'hold_ready', 'hold_expired', 'account_blocked')),
    patron_id TEXT NOT NULL,
    mail_id TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    UNIQUE (tenant_id, event_key)
);
CREATE INDEX notices_patron ON notices (tenant_id, patron_id, created_at);

CREATE TABLE mail_outbox (
    id TEXT PRIMARY KEY NOT NULL,
    tenant_id TEXT,
    recipient TEXT NOT NULL,
    template TEXT NOT NULL,
    params TEXT NOT NULL,
    status TEXT NOT NULL,
    attempts INTEGER NOT NULL,
    next_attempt_at TIMESTAMP NOT NULL,
    locked_until TIMESTAMP,
    last_error TEXT,
    created_at TIMESTAMP NOT NULL,
    sent_at TIMESTAMP,
    subject TEXT,
    text_body TEXT
);
CREATE INDEX mail_outbox_due ON mail_outbox (status, next_attempt_at);
