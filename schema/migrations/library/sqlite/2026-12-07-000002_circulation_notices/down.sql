DROP TABLE mail_outbox;
DROP TABLE notices;
ALTER TABLE circulation_settings DROP COLUMN library_name;
