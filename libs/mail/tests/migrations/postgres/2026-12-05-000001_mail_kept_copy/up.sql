-- The copy of each message operators may read: its subject and text body as rendered at
-- the last attempt, with one-time links withheld. Null until an attempt rendered it.
ALTER TABLE mail_outbox ADD COLUMN subject TEXT;
ALTER TABLE mail_outbox ADD COLUMN text_body TEXT;
