//! Sessions: signing in with a password, renewing and ending a session with its refresh
//! token, and changing one's password. A session is only ever started for an enabled
//! account of a library in service; refresh tokens rotate on every use, and a replayed
//! one ends its whole family. Access tokens name their session and their account's token
//! generation, so that ending either ends them too (see `revocations`).

use athenaeum_auth::{TenantScope, TokenSession};
use athenaeum_db::DbConnection;
use athenaeum_kernel::{ApiError, Timestamp, new_id, now};
use athenaeum_transport::Call;

use super::{
    IdentityService, Outcome, Rules, account_disabled, account_not_found, account_view, new_secret,
    out_of_service, tenant_view,
};
use crate::api::*;
use crate::domain::{AccountState, Secret, hash_secret, stored_roles};
use crate::error::IdentityError;
use crate::store::{self, AccountRow, NewRefreshToken, TenantRow};

const SIGN_IN_REFUSED: &str = "the email address or the password is not right";

/// A refresh token just stored: the secret the person holds, when it expires unless
/// used, and the session (family) it belongs to.
pub(super) struct IssuedRefresh {
    secret: Secret,
    expires_at: Timestamp,
    family_id: String,
}

/// A session decided in a transaction, to be signed once the transaction committed.
pub(super) struct NewSession {
    pub(super) account: AccountRow,
    pub(super) tenant: TenantRow,
    pub(super) refresh: IssuedRefresh,
}

impl Rules {
    /// Stores a new refresh token of `family_id` for the account, inside the caller's
    /// transaction.
    fn issue_refresh_in(
        &self,
        connection: &mut DbConnection,
        scope: &TenantScope,
        account: &AccountRow,
        family_id: &str,
        at: Timestamp,
    ) -> Outcome<IssuedRefresh> {
        let secret = new_secret(&account.tenant_id)?;
        let row = NewRefreshToken {
            id: new_id(),
            account_id: account.id.clone(),
            family_id: family_id.to_string(),
            token_hash: secret.hash.clone(),
            created_at: at,
            expires_at: at + self.refresh_ttl,
        };
        store::insert_refresh_token(connection, scope, &row)?;
        Ok(IssuedRefresh { secret, expires_at: row.expires_at, family_id: row.family_id })
    }

    /// Starts a new session family for an account inside the caller's transaction.
    pub(super) fn start_session_in(
        &self,
        connection: &mut DbConnection,
        scope: &TenantScope,
        account: &AccountRow,
        at: Timestamp,
    ) -> Outcome<IssuedRefresh> {
        self.issue_refresh_in(connection, scope, account, &new_id(), at)
    }
}

impl IdentityService {
    /// Signs the access token of a session that was stored.
    pub(super) fn session(&self, started: NewSession) -> Outcome<Session> {
        let NewSession { account, tenant, refresh } = started;
        let roles = stored_roles(&account.roles);
        let session = TokenSession {
            session_id: refresh.family_id.clone(),
            generation: u32::try_from(account.token_generation).unwrap_or(0),
        };
        let issued = self
            .issuer
            .issue_in_session(&account.id, &tenant.id, &tenant.slug, &roles, &session)
            .map_err(|error| IdentityError::Internal(error.to_string()))?;
        let access_expires = i64::try_from(issued.expires_at).unwrap_or(i64::MAX);
        Ok(Session {
            access_token: issued.token,
            access_token_expires_at: chrono::DateTime::from_timestamp(access_expires, 0)
                .unwrap_or_default(),
            refresh_token: refresh.secret.text,
            refresh_token_expires_at: refresh.expires_at.and_utc(),
            account: account_view(&account),
            tenant: tenant_view(&tenant),
        })
    }

    pub(super) async fn sign_in_as(&self, call: &Call, request: SignIn) -> Outcome<Session> {
        let slug = request.tenant.trim().to_lowercase();
        let email_key = request.email.trim().to_lowercase();
        let account_key = format!("{slug}\u{0}{email_key}");
        // Refused before the password is checked, so guesses made while waiting cost
        // nothing and tell nothing; a client that has not failed always gets this far.
        self.limits.check_sign_in(call, &account_key)?;
        let issuer = std::sync::Arc::clone(&self.issuer);
        let found = self
            .database
            .read(move |connection| {
                let Some(tenant) = store::find_tenant_by_slug(connection, &slug)? else {
                    return Ok::<_, IdentityError>(None);
                };
                let scope = issuer.credential_scope(&tenant.id);
                let account = store::find_account_by_email(connection, &scope, &email_key)?;
                Ok(account.map(|account| (tenant, account)))
            })
            .await?;
        let stored_hash = found.as_ref().and_then(|(_, account)| account.password_hash.clone());
        // Always verify, against a decoy when there is no account, so the answer takes
        // as long whether or not the email exists.
        let matches = self.verify_password(request.password, stored_hash).await?;
        let Some((tenant, account)) = found.as_ref().filter(|_| matches).cloned() else {
            let counted = self.limits.sign_in_failed(call, &account_key);
            if let (Some(failures), Some((tenant, account))) = (counted.warn_after, found) {
                self.warn_of_guessing(tenant, account, failures).await;
            }
            return Err(ApiError::unauthenticated(SIGN_IN_REFUSED).into());
        };
        if account.status == AccountState::Disabled {
            return Err(account_disabled());
        }
        if !tenant.status.is_in_service() {
            return Err(out_of_service(&tenant));
        }
        self.limits.sign_in_succeeded(call, &account_key);
        let scope = self.issuer.credential_scope(&tenant.id);
        let session_account = account.clone();
        let refresh = self
            .write(move |rules, connection| {
                rules.start_session_in(connection, &scope, &session_account, now())
            })
            .await?;
        self.session(NewSession { account, tenant, refresh })
    }

    pub(super) async fn refresh_session_as(
        &self,
        _call: &Call,
        request: RefreshToken,
    ) -> Outcome<Session> {
        let invalid = || {
            IdentityError::from(ApiError::unauthenticated(
                "the refresh token is not valid; sign in again",
            ))
        };
        let tenant_id = Secret::tenant_of(&request.refresh_token).ok_or_else(invalid)?;
        let scope = self.issuer.credential_scope(tenant_id);
        let token_hash = hash_secret(&request.refresh_token);
        let renewal = self
            .write(move |rules, connection| {
                let at = now();
                let Some(token) = store::find_refresh_token(connection, &scope, &token_hash)? else { return Err(invalid()) };
                if token.revoked_at.is_some() {
                    return Err(ApiError::unauthenticated("this session has been signed out; sign in again").into());
                }
                if token.used_at.is_some() || store::mark_refresh_token_used(connection, &scope, &token.id, at)? == 0 {
                    // A rotated token came back: someone holds a copy. End the family.
                    store::revoke_family(connection, &scope, &token.family_id, at)?;
                    tracing::warn!(family = %token.family_id, "refresh token replayed; session family revoked");
                    // Ok, so the revocation commits; the caller is refused after it.
                    return Ok(Err(ApiError::unauthenticated(
                        "this refresh token was already used, so every session started from it has been signed out for safety; sign in again",
                    )));
                }
                if token.expires_at <= at {
                    return Err(ApiError::unauthenticated("this session has expired; sign in again").into());
                }
                let account = store::find_account(connection, &scope, &token.account_id)?.ok_or_else(invalid)?;
                let tenant = store::find_tenant(connection, scope.tenant_id())?.ok_or_else(invalid)?;
                if account.status != AccountState::Active || !tenant.status.is_in_service() {
                    store::revoke_family(connection, &scope, &token.family_id, at)?;
                    return Ok(Err(ApiError::forbidden("this account can no longer sign in; contact your library")));
                }
                let refresh = rules.issue_refresh_in(connection, &scope, &account, &token.family_id, at)?;
                Ok(Ok(NewSession { account, tenant, refresh }))
            })
            .await?;
        if renewal.is_err() {
            // The session was just ended: its access tokens stop working now.
            self.revocations_changed().await;
        }
        self.session(renewal?)
    }

    pub(super) async fn sign_out_as(&self, _call: &Call, request: RefreshToken) -> Outcome<Done> {
        let Some(tenant_id) = Secret::tenant_of(&request.refresh_token) else {
            return Ok(Done {});
        };
        let scope = self.issuer.credential_scope(tenant_id);
        let token_hash = hash_secret(&request.refresh_token);
        self.database
            .write(move |connection| {
                if let Some(token) = store::find_refresh_token(connection, &scope, &token_hash)? {
                    store::revoke_family(connection, &scope, &token.family_id, now())?;
                }
                Ok::<_, IdentityError>(())
            })
            .await?;
        self.revocations_changed().await;
        Ok(Done {})
    }

    pub(super) async fn change_password_as(
        &self,
        call: &Call,
        request: ChangePassword,
    ) -> Outcome<Done> {
        let caller = self.caller(call)?;
        self.limits.check_password_change(caller.account_id())?;
        let scope = caller.tenant_scope();
        let read_scope = scope.clone();
        let account_id = caller.account_id().to_string();
        let account = self
            .database
            .read(move |connection| store::find_account(connection, &read_scope, &account_id))
            .await?
            .ok_or_else(|| account_not_found(caller.account_id()))?;
        if !self.verify_password(request.current_password, account.password_hash.clone()).await? {
            self.limits.password_change_failed(&account.id);
            return Err(ApiError::validation(
                "currentPassword",
                "the current password is not right",
            )
            .into());
        }
        self.config.password.check("newPassword", &request.new_password, &account.email)?;
        let password_hash = self.hash_password(request.new_password).await?;
        let changed_id = account.id.clone();
        self.database
            .write(move |connection| {
                let at = now();
                store::update_password(connection, &scope, &account.id, &password_hash, at)?;
                store::revoke_account_sessions(connection, &scope, &account.id, at)?;
                store::revoke_account_tokens(connection, &scope, &account.id, at)?;
                Ok::<_, IdentityError>(())
            })
            .await?;
        self.limits.password_change_succeeded(&changed_id);
        self.revocations_changed().await;
        Ok(Done {})
    }
}
