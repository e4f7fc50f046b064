DROP INDEX refresh_tokens_revoked;
DROP INDEX accounts_tokens_revoked;
ALTER TABLE accounts DROP COLUMN tokens_revoked_at;
ALTER TABLE accounts DROP COLUMN token_generation;
