-- Revocation: signing an account out everywhere raises its token generation, ending every
-- access token of an earlier one; tokens_revoked_at says when, so that only accounts
-- whose tokens may still be unexpired are listed for the verifiers. Signed-out sessions
-- are listed from refresh_tokens.revoked_at.
ALTER TABLE accounts ADD COLUMN token_generation INTEGER NOT NULL DEFAULT 0;
ALTER TABLE accounts ADD COLUMN tokens_revoked_at TIMESTAMP;
CREATE INDEX accounts_tokens_revoked ON accounts (tokens_revoked_at);
CREATE INDEX refresh_tokens_revoked ON refresh_tokens (revoked_at);
