DROP TABLE mail_outbox;
DROP TABLE one_time_tokens;
DROP TABLE refresh_tokens;
DROP TABLE accounts;
DROP TABLE tenants;
