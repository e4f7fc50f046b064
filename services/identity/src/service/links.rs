//! The emailed one-time links: invitations, email verification and password resets, from
//! queuing the mail that carries one to using it. A link works once, within its
//! lifetime, in its own tenant only; a refused link is never used up, and asking for a
//! reset answers the same whether or not the account exists.

use athenaeum_auth::TenantScope;
use athenaeum_db::DbConnection;
use athenaeum_kernel::{ApiError, Timestamp, new_id, now};
use athenaeum_transport::Call;
use chrono::TimeDelta;
use serde_json::json;

use super::sessions::NewSession;
use super::{
    IdentityService, Outcome, Rules, account_disabled, account_not_found, account_view, new_secret,
    out_of_service, tenant_not_found,
};
use crate::api::*;
use crate::domain::{AccountState, EmailAddress, LinkPurpose, Secret, hash_secret};
use crate::error::IdentityError;
use crate::mail;
use crate::store::{self, AccountRow, NewOneTimeToken, TenantRow};

const LINK_REFUSED: &str = "this link has already been used or has expired; ask for a new one";

fn link_refused() -> IdentityError {
    ApiError::validation("token", LINK_REFUSED).into()
}

/// How long a link works, in the unit its mail states it in.
#[derive(Debug, Clone, Copy)]
enum LinkLifetime {
    Hours(u64),
    Minutes(u64),
}

impl LinkLifetime {
    fn duration(self) -> TimeDelta {
        match self {
            LinkLifetime::Hours(hours) => TimeDelta::hours(i64::try_from(hours).unwrap_or(72)),
            LinkLifetime::Minutes(minutes) => {
                TimeDelta::minutes(i64::try_from(minutes).unwrap_or(60))
            }
        }
    }

    /// Returns the template parameter that tells the person how long the link works.
    fn mail_parameter(self) -> (&'static str, String) {
        match self {
            LinkLifetime::Hours(hours) => ("expires_in_hours", hours.to_string()),
            LinkLifetime::Minutes(minutes) => ("expires_in_minutes", minutes.to_string()),
        }
    }
}

/// Returns the mail template that carries a link of `purpose`.
fn template(purpose: LinkPurpose) -> &'static str {
    match purpose {
        LinkPurpose::Invitation => mail::INVITATION,
        LinkPurpose::PasswordReset => mail::PASSWORD_RESET,
        LinkPurpose::EmailVerification => mail::EMAIL_VERIFICATION,
    }
}

/// A new password chosen with a one-time link that checked out, before the link is
/// used up.
struct PasswordByLink {
    purpose: LinkPurpose,
    scope: TenantScope,
    account: AccountRow,
    token_hash: String,
    password_hash: String,
}

impl PasswordByLink {
    /// Uses up the link inside the caller's transaction; refused when it was used (or
    /// replaced) since it was checked, so of two concurrent uses exactly one goes on.
    fn use_link_in(&self, connection: &mut DbConnection, at: Timestamp) -> Outcome<()> {
        let (scope, token_hash) = (&self.scope, &self.token_hash);
        let used = store::consume_one_time_token(connection, scope, token_hash, self.purpose, at)?;
        if used.as_deref() != Some(self.account.id.as_str()) {
            return Err(link_refused());
        }
        Ok(())
    }

    /// Stores the password inside the caller's transaction, for `account` as it is now:
    /// an invited account becomes active, and its address counts as confirmed, since the
    /// link reached it.
    fn store_password_in(
        &self,
        connection: &mut DbConnection,
        account: &AccountRow,
        at: Timestamp,
    ) -> Outcome<()> {
        let scope = &self.scope;
        store::update_password(connection, scope, &account.id, &self.password_hash, at)?;
        if account.status == AccountState::Invited {
            store::update_account_status(connection, scope, &account.id, AccountState::Active, at)?;
        }
        store::mark_email_verified(connection, scope, &account.id, at)?;
        Ok(())
    }
}

impl Rules {
    fn lifetime(&self, purpose: LinkPurpose) -> LinkLifetime {
        match purpose {
            LinkPurpose::Invitation => LinkLifetime::Hours(self.config.invitation_ttl_hours),
            LinkPurpose::EmailVerification => {
                LinkLifetime::Hours(self.config.email_verification_ttl_hours)
            }
            LinkPurpose::PasswordReset => {
                LinkLifetime::Minutes(self.config.password_reset_ttl_minutes)
            }
        }
    }

    /// Stores a new link of `purpose` for the account and queues the mail that carries
    /// it, inside the caller's transaction.
    fn queue_link_in(
        &self,
        connection: &mut DbConnection,
        scope: &TenantScope,
        account: &AccountRow,
        tenant: &TenantRow,
        purpose: LinkPurpose,
        at: Timestamp,
    ) -> Outcome<()> {
        let secret = new_secret(&account.tenant_id)?;
        let lifetime = self.lifetime(purpose);
        let token = NewOneTimeToken {
            id: new_id(),
            account_id: account.id.clone(),
            purpose,
            token_hash: secret.hash.clone(),
            created_at: at,
            expires_at: at + lifetime.duration(),
        };
        store::insert_one_time_token(connection, scope, token)?;
        let (expiry_name, expiry) = lifetime.mail_parameter();
        let mut params = json!({
            "tenant_name": tenant.name,
            "display_name": account.display_name,
            "link": format!("{}/{}?token={}", self.public_url, purpose.page(), secret.text),
        });
        params[expiry_name] = expiry.into();
        athenaeum_mail::enqueue(
            connection,
            Some(scope),
            &athenaeum_mail::OutgoingMail {
                recipient: account.email.clone(),
                template: template(purpose).to_string(),
                params,
            },
        )?;
        Ok(())
    }

    /// Queues the mail that goes with a new account (an invitation, or a verification
    /// link when a password was set), inside the caller's transaction.
    pub(super) fn queue_welcome_in(
        &self,
        connection: &mut DbConnection,
        scope: &TenantScope,
        account: &AccountRow,
        tenant: &TenantRow,
        at: Timestamp,
    ) -> Outcome<()> {
        let purpose = match account.status {
            AccountState::Invited => LinkPurpose::Invitation,
            _ => LinkPurpose::EmailVerification,
        };
        self.queue_link_in(connection, scope, account, tenant, purpose, at)
    }
}

impl IdentityService {
    /// Returns the scope of the tenant a presented link names.
    fn link_scope(&self, token: &str) -> Outcome<TenantScope> {
        let tenant_id = Secret::tenant_of(token).ok_or_else(link_refused)?;
        Ok(self.issuer.credential_scope(tenant_id))
    }

    /// Checks a one-time link without using it up, and the new password chosen with it,
    /// so neither a bad password nor a refused link burns the link.
    async fn choose_password_by_link(
        &self,
        request: SetPasswordWithToken,
        purpose: LinkPurpose,
    ) -> Outcome<PasswordByLink> {
        let scope = self.link_scope(&request.token)?;
        let token_hash = hash_secret(&request.token);
        let lookup_scope = scope.clone();
        let lookup_hash = token_hash.clone();
        let account = self
            .database
            .read(move |connection| {
                let Some(row) = store::find_live_one_time_token(
                    connection,
                    &lookup_scope,
                    &lookup_hash,
                    purpose,
                    now(),
                )?
                else {
                    return Ok::<_, IdentityError>(None);
                };
                store::find_account(connection, &lookup_scope, &row.account_id)
                    .map_err(IdentityError::from)
            })
            .await?
            .ok_or_else(link_refused)?;
        self.config.password.check("password", &request.password, &account.email)?;
        let password_hash = self.hash_password(request.password).await?;
        Ok(PasswordByLink { purpose, scope, account, token_hash, password_hash })
    }

    pub(super) async fn accept_invitation_as(
        &self,
        _call: &Call,
        request: SetPasswordWithToken,
    ) -> Outcome<Session> {
        let chosen = self.choose_password_by_link(request, LinkPurpose::Invitation).await?;
        let started = self
            .write(move |rules, connection| {
                let at = now();
                chosen.use_link_in(connection, at)?;
                let PasswordByLink { scope, account, .. } = &chosen;
                // Accepting signs in, so it is refused where signing in is; returning the
                // error rolls back the use of the link, which works again once allowed.
                let tenant = store::find_tenant(connection, scope.tenant_id())?
                    .ok_or_else(|| tenant_not_found(scope.tenant_id()))?;
                if !tenant.status.is_in_service() {
                    return Err(out_of_service(&tenant));
                }
                let current = store::find_account(connection, scope, &account.id)?
                    .ok_or_else(|| account_not_found(&account.id))?;
                if current.status == AccountState::Disabled {
                    return Err(account_disabled());
                }
                chosen.store_password_in(connection, &current, at)?;
                let activated = store::find_account(connection, scope, &account.id)?
                    .ok_or_else(|| account_not_found(&account.id))?;
                let refresh = rules.start_session_in(connection, scope, &activated, at)?;
                Ok(NewSession { account: activated, tenant, refresh })
            })
            .await?;
        self.session(started)
    }

    pub(super) async fn verify_email_as(
        &self,
        _call: &Call,
        request: OneTimeToken,
    ) -> Outcome<Account> {
        let scope = self.link_scope(&request.token)?;
        let token_hash = hash_secret(&request.token);
        let account = self
            .database
            .write(move |connection| {
                let at = now();
                let Some(account_id) = store::consume_one_time_token(
                    connection,
                    &scope,
                    &token_hash,
                    LinkPurpose::EmailVerification,
                    at,
                )?
                else {
                    return Err(link_refused());
                };
                store::mark_email_verified(connection, &scope, &account_id, at)?;
                store::find_account(connection, &scope, &account_id)?
                    .ok_or_else(|| account_not_found(&account_id))
            })
            .await?;
        Ok(account_view(&account))
    }

    pub(super) async fn request_password_reset_as(
        &self,
        call: &Call,
        request: RequestPasswordReset,
    ) -> Outcome<Done> {
        let slug = request.tenant.trim().to_lowercase();
        let account_key = format!("{slug}\u{0}{}", request.email.trim().to_lowercase());
        self.limits.check_password_reset(call, &account_key)?;
        let Ok(email) = EmailAddress::parse("email", &request.email) else { return Ok(Done {}) };
        let issuer = std::sync::Arc::clone(&self.issuer);
        let queued = self
            .write(move |rules, connection| {
                let Some(tenant) = store::find_tenant_by_slug(connection, &slug)? else {
                    return Ok(false);
                };
                let scope = issuer.credential_scope(&tenant.id);
                let Some(account) =
                    store::find_account_by_email(connection, &scope, email.normalized())?
                else {
                    return Ok(false);
                };
                if account.status == AccountState::Disabled || !tenant.status.is_in_service() {
                    return Ok(false);
                }
                let at = now();
                let purpose = LinkPurpose::PasswordReset;
                store::retire_one_time_tokens(connection, &scope, &account.id, purpose, at)?;
                rules.queue_link_in(connection, &scope, &account, &tenant, purpose, at)?;
                Ok(true)
            })
            .await?;
        if queued {
            self.mail.wake();
        }
        // The same answer whether or not the account exists.
        Ok(Done {})
    }

    pub(super) async fn reset_password_as(
        &self,
        _call: &Call,
        request: SetPasswordWithToken,
    ) -> Outcome<Done> {
        let chosen = self.choose_password_by_link(request, LinkPurpose::PasswordReset).await?;
        self.database
            .write(move |connection| {
                let at = now();
                chosen.use_link_in(connection, at)?;
                let PasswordByLink { scope, account, .. } = &chosen;
                chosen.store_password_in(connection, account, at)?;
                if account.status == AccountState::Invited {
                    // The password is chosen: the invitation has served its purpose.
                    let invitation = LinkPurpose::Invitation;
                    store::retire_one_time_tokens(connection, scope, &account.id, invitation, at)?;
                }
                store::revoke_account_sessions(connection, scope, &account.id, at)?;
                store::revoke_account_tokens(connection, scope, &account.id, at)?;
                Ok::<_, IdentityError>(())
            })
            .await?;
        self.revocations_changed().await;
        Ok(Done {})
    }
}
