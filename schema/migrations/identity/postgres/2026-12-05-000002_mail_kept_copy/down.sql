ALTER TABLE mail_outbox DROP COLUMN text_body, DROP COLUMN subject;
