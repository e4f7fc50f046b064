//! The identity service: `IdentityApi` implemented with the domain rules and the store,
//! each change in one transaction together with the mail it causes.

use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use athenaeum_auth::{
    Anonymous, AuthConfig, Caller, Role, SigningKey, TenantScope, TokenIssuer, TokenVerifier,
};
use athenaeum_db::{Database, DbConnection};
use athenaeum_kernel::{ApiError, ErrorCode, Timestamp, new_id, now};
use athenaeum_mail::{MailWaker, OutboxStatus};
use athenaeum_transport::Call;
use chrono::TimeDelta;
use serde_json::json;

use crate::api::*;
use crate::domain::{
    DisplayName, EmailAddress, PasswordHasher, Secret, TenantName, TenantSlug, TimeZoneName,
    hash_secret,
};
use crate::error::IdentityError;
use crate::rate_limit::RateLimiter;
use crate::store::{self, AccountRow, OneTimeTokenRow, RefreshTokenRow, TenantRow};
use crate::{IdentityConfig, mail};

/// The id of the built-in tenant that holds operators' accounts.
pub const PLATFORM_TENANT_ID: &str = "00000000-0000-7000-8000-000000000000";
/// Its slug, used to sign in as an operator.
pub const PLATFORM_TENANT_SLUG: &str = "platform";

const INVITATION: &str = "invitation";
const PASSWORD_RESET: &str = "password_reset";
const EMAIL_VERIFICATION: &str = "email_verification";
const SIGN_IN_REFUSED: &str = "the email address or the password is not right";
const LINK_REFUSED: &str = "this link has already been used or has expired; ask for a new one";

type Outcome<T> = Result<T, IdentityError>;

/// Identity running in this process.
pub struct IdentityService {
    database: Database,
    issuer: TokenIssuer,
    verifier: TokenVerifier,
    hasher: Arc<PasswordHasher>,
    config: IdentityConfig,
    rules: Arc<Rules>,
    account_failures: RateLimiter,
    address_attempts: RateLimiter,
    mail: MailWaker,
}

impl std::fmt::Debug for IdentityService {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter
            .debug_struct("IdentityService")
            .field("database", &self.database)
            .finish_non_exhaustive()
    }
}

impl IdentityService {
    /// Builds the service on its (migrated) database. `public_url` is where people reach
    /// the platform; emailed links point there. `mail` wakes the outbox worker after a
    /// transaction queued mail.
    ///
    /// Fails when the argon2 settings are out of range.
    pub fn new(
        database: Database,
        signing_key: SigningKey,
        auth: &AuthConfig,
        config: IdentityConfig,
        public_url: &str,
        mail: MailWaker,
    ) -> Result<IdentityService, String> {
        let verifier = TokenVerifier::new(signing_key.verification_key(), auth);
        let issuer = TokenIssuer::new(signing_key, auth);
        let hasher = Arc::new(PasswordHasher::new(&config.argon2)?);
        let days = i64::try_from(auth.refresh_token_ttl_days).unwrap_or(30).max(1);
        Ok(IdentityService {
            database,
            issuer,
            verifier,
            hasher,
            account_failures: RateLimiter::new(
                config.sign_in_failures_per_account,
                Duration::from_secs(config.failure_window_seconds),
            ),
            address_attempts: RateLimiter::new(
                config.attempts_per_address,
                Duration::from_secs(config.address_window_seconds),
            ),
            rules: Arc::new(Rules {
                config: config.clone(),
                refresh_ttl: TimeDelta::days(days),
                public_url: public_url.trim_end_matches('/').to_string(),
            }),
            config,
            mail,
        })
    }

    /// Returns the database, for readiness checks and metrics.
    pub fn database(&self) -> &Database {
        &self.database
    }

    /// Returns a call with a short-lived operator token, for the local command line, which
    /// acts with the platform's authority because it holds the signing key.
    pub fn command_line_call(&self) -> Result<Call, ApiError> {
        let issued = self
            .issuer
            .issue("command-line", PLATFORM_TENANT_ID, PLATFORM_TENANT_SLUG, &[Role::Operator])
            .map_err(ApiError::from)?;
        Ok(Call::anonymous().with_token(issued.token))
    }

    /// Returns the tenant with this slug, if any.
    pub async fn find_tenant_by_slug(&self, slug: &str) -> Result<Option<Tenant>, ApiError> {
        let slug = slug.trim().to_lowercase();
        let request_id = athenaeum_kernel::new_id();
        self.database
            .read(move |connection| {
                store::find_tenant_by_slug(connection, &slug).map_err(IdentityError::from)
            })
            .await
            .map(|row| row.as_ref().map(tenant_view))
            .map_err(|error| error.into_api(&request_id))
    }

    fn caller(&self, call: &Call) -> Outcome<Caller> {
        let token = call
            .token
            .as_deref()
            .ok_or(athenaeum_auth::AuthError::MissingToken)
            .map_err(ApiError::from)?;
        Ok(self.verifier.verify(token).map_err(ApiError::from)?)
    }

    async fn hash_password(&self, password: String) -> Outcome<String> {
        let hasher = Arc::clone(&self.hasher);
        tokio::task::spawn_blocking(move || hasher.hash(&password))
            .await
            .map_err(|error| IdentityError::Internal(error.to_string()))?
            .map_err(IdentityError::Internal)
    }

    async fn verify_password(&self, password: String, stored: Option<String>) -> Outcome<bool> {
        let hasher = Arc::clone(&self.hasher);
        tokio::task::spawn_blocking(move || hasher.verify(&password, stored.as_deref()))
            .await
            .map_err(|error| IdentityError::Internal(error.to_string()))
    }

    fn check_address(&self, call: &Call) -> Outcome<()> {
        let Some(address) = call.client_address.as_deref() else { return Ok(()) };
        if let Some(wait) = self.address_attempts.wait_time(address) {
            return Err(rate_limited(wait).into());
        }
        self.address_attempts.record(address);
        Ok(())
    }

    fn new_secret(tenant_id: &str) -> Outcome<Secret> {
        Secret::generate(tenant_id)
            .map_err(|_| IdentityError::Internal("random source failed".into()))
    }

    fn session(
        &self,
        account: &AccountRow,
        tenant: &TenantRow,
        refresh: &Secret,
        refresh_expires_at: Timestamp,
    ) -> Outcome<Session> {
        let roles = parse_roles(&account.roles);
        let issued = self
            .issuer
            .issue(&account.id, &tenant.id, &tenant.slug, &roles)
            .map_err(|error| IdentityError::Internal(error.to_string()))?;
        let access_expires = i64::try_from(issued.expires_at).unwrap_or(i64::MAX);
        Ok(Session {
            access_token: issued.token,
            access_token_expires_at: chrono::DateTime::from_timestamp(access_expires, 0)
                .unwrap_or_default(),
            refresh_token: refresh.text.clone(),
            refresh_token_expires_at: refresh_expires_at.and_utc(),
            account: account_view(account),
            tenant: tenant_view(tenant),
        })
    }

    // ---- operations -----------------------------------------------------------------

    async fn onboard_tenant_as(&self, call: &Call, request: OnboardTenant) -> Outcome<Onboarded> {
        let caller = self.caller(call)?;
        caller.require_operator().map_err(ApiError::from)?;
        let slug = TenantSlug::parse_new("slug", &request.slug)?;
        let name = TenantName::parse("name", &request.name)?;
        let time_zone = TimeZoneName::parse("timeZone", &request.time_zone)?;
        let contact = EmailAddress::parse("contactEmail", &request.contact_email)?;
        let admin_email = EmailAddress::parse("adminEmail", &request.admin_email)?;
        let admin_name = DisplayName::parse("adminDisplayName", &request.admin_display_name)?;
        let at = now();
        let tenant = TenantRow {
            id: new_id(),
            slug: slug.as_str().to_string(),
            name: name.as_str().to_string(),
            time_zone: time_zone.as_str().to_string(),
            contact_email: contact.as_str().to_string(),
            status: "active".into(),
            created_at: at,
            updated_at: at,
        };
        let admin = new_account_row(&tenant.id, &admin_email, &admin_name, "admin", None, at);
        let scope = caller.operator_scope(&tenant.id).map_err(ApiError::from)?;
        let onboarded = self
            .write(move |rules, connection| {
                store::insert_tenant(connection, &tenant).map_err(|error| {
                    if error.is_unique_violation() {
                        IdentityError::from(
                            ApiError::validation(
                                "slug",
                                format!(
                                    "the slug {:?} is already taken by another library",
                                    tenant.slug
                                ),
                            )
                            .with_code(ErrorCode::Conflict),
                        )
                    } else {
                        error.into()
                    }
                })?;
                let admin = store::insert_account(connection, &scope, admin)?;
                rules.queue_welcome_in(connection, &scope, &admin, &tenant, at)?;
                Ok(Onboarded { tenant: tenant_view(&tenant), admin: account_view(&admin) })
            })
            .await?;
        self.mail.wake();
        tracing::info!(tenant = %onboarded.tenant.slug, "tenant onboarded");
        Ok(onboarded)
    }

    async fn list_tenants_as(&self, call: &Call, request: PageRequest) -> Outcome<TenantPage> {
        self.caller(call)?.require_operator().map_err(ApiError::from)?;
        let first = page_size(request.first)?;
        let rows = self
            .database
            .read(move |connection| {
                store::list_tenants(connection, request.after.as_deref(), first + 1)
            })
            .await?;
        let (rows, has_next_page) = split_page(rows, first);
        Ok(TenantPage { tenants: rows.iter().map(tenant_view).collect(), has_next_page })
    }

    async fn set_tenant_status_as(&self, call: &Call, request: SetTenantStatus) -> Outcome<Tenant> {
        self.caller(call)?.require_operator().map_err(ApiError::from)?;
        if request.tenant_id == PLATFORM_TENANT_ID {
            return Err(ApiError::validation(
                "tenantId",
                "the platform tenant cannot be suspended",
            )
            .into());
        }
        let status = match request.status {
            TenantStatus::Active => "active",
            TenantStatus::Suspended => "suspended",
        };
        let tenant = self
            .database
            .write(move |connection| {
                if store::update_tenant_status(connection, &request.tenant_id, status, now())? == 0
                {
                    return Err(tenant_not_found(&request.tenant_id));
                }
                store::find_tenant(connection, &request.tenant_id)?
                    .ok_or_else(|| tenant_not_found(&request.tenant_id))
            })
            .await?;
        Ok(tenant_view(&tenant))
    }

    async fn create_account_as(&self, call: &Call, request: CreateAccount) -> Outcome<Account> {
        let caller = self.caller(call)?;
        let scope = match request.tenant_id.as_deref() {
            Some(tenant_id) if tenant_id != caller.tenant_id => {
                caller.operator_scope(tenant_id).map_err(ApiError::from)?
            }
            _ => {
                if !caller.has_role(Role::Operator) {
                    caller.require_admin().map_err(ApiError::from)?;
                }
                caller.tenant_scope()
            }
        };
        let email = EmailAddress::parse("email", &request.email)?;
        let name = DisplayName::parse("displayName", &request.display_name)?;
        let roles = check_roles(&caller, scope.tenant_id(), &request.roles)?;
        let password_hash = match request.password {
            Some(password) => {
                self.config.password.check("password", &password, email.as_str())?;
                Some(self.hash_password(password).await?)
            }
            None => None,
        };
        let at = now();
        let row = new_account_row(scope.tenant_id(), &email, &name, &roles, password_hash, at);
        let account = self
            .write(move |rules, connection| {
                let tenant = store::find_tenant(connection, scope.tenant_id())?
                    .ok_or_else(|| tenant_not_found(scope.tenant_id()))?;
                let account = store::insert_account(connection, &scope, row).map_err(|error| {
                    if error.is_unique_violation() {
                        IdentityError::from(
                            ApiError::validation(
                                "email",
                                format!(
                                    "{} already has an account at {}",
                                    email.as_str(),
                                    tenant.name
                                ),
                            )
                            .with_code(ErrorCode::Conflict),
                        )
                    } else {
                        error.into()
                    }
                })?;
                rules.queue_welcome_in(connection, &scope, &account, &tenant, at)?;
                Ok(account)
            })
            .await?;
        self.mail.wake();
        Ok(account_view(&account))
    }

    async fn list_accounts_as(&self, call: &Call, request: PageRequest) -> Outcome<AccountPage> {
        let caller = self.caller(call)?;
        if !caller.has_role(Role::Operator) {
            caller.require_staff().map_err(ApiError::from)?;
        }
        let first = page_size(request.first)?;
        let scope = caller.tenant_scope();
        let rows = self
            .database
            .read(move |connection| {
                store::list_accounts(connection, &scope, request.after.as_deref(), first + 1)
            })
            .await?;
        let (rows, has_next_page) = split_page(rows, first);
        Ok(AccountPage { accounts: rows.iter().map(account_view).collect(), has_next_page })
    }

    async fn set_account_roles_as(
        &self,
        call: &Call,
        request: SetAccountRoles,
    ) -> Outcome<Account> {
        let caller = self.caller(call)?;
        if !caller.has_role(Role::Operator) {
            caller.require_admin().map_err(ApiError::from)?;
        }
        let roles = check_roles(&caller, &caller.tenant_id, &request.roles)?;
        if request.account_id == caller.account_id
            && !request.roles.contains(&AccountRole::Admin)
            && !request.roles.contains(&AccountRole::Operator)
        {
            return Err(ApiError::validation(
                "roles",
                "you cannot remove your own administrator role; ask another administrator",
            )
            .into());
        }
        let scope = caller.tenant_scope();
        let account = self
            .database
            .write(move |connection| {
                if store::update_account_roles(
                    connection,
                    &scope,
                    &request.account_id,
                    &roles,
                    now(),
                )? == 0
                {
                    return Err(account_not_found(&request.account_id));
                }
                store::find_account(connection, &scope, &request.account_id)?
                    .ok_or_else(|| account_not_found(&request.account_id))
            })
            .await?;
        Ok(account_view(&account))
    }

    async fn set_account_disabled_as(
        &self,
        call: &Call,
        request: SetAccountDisabled,
    ) -> Outcome<Account> {
        let caller = self.caller(call)?;
        if !caller.has_role(Role::Operator) {
            caller.require_admin().map_err(ApiError::from)?;
        }
        if request.account_id == caller.account_id && request.disabled {
            return Err(
                ApiError::validation("accountId", "you cannot disable your own account").into()
            );
        }
        let scope = caller.tenant_scope();
        let account = self
            .database
            .write(move |connection| {
                let at = now();
                let account = store::find_account(connection, &scope, &request.account_id)?
                    .ok_or_else(|| account_not_found(&request.account_id))?;
                let status = if request.disabled {
                    "disabled"
                } else if account.password_hash.is_some() {
                    "active"
                } else {
                    "invited"
                };
                store::update_account_status(connection, &scope, &account.id, status, at)?;
                if request.disabled {
                    store::revoke_account_sessions(connection, &scope, &account.id, at)?;
                }
                Ok::<_, IdentityError>(AccountRow {
                    status: status.to_string(),
                    updated_at: at,
                    ..account
                })
            })
            .await?;
        Ok(account_view(&account))
    }

    async fn me_as(&self, call: &Call) -> Outcome<Me> {
        let caller = self.caller(call)?;
        let scope = caller.tenant_scope();
        let (account, tenant) = self
            .database
            .read(move |connection| {
                let account = store::find_account(connection, &scope, &caller.account_id)?
                    .ok_or_else(|| account_not_found(&caller.account_id))?;
                let tenant = store::find_tenant(connection, scope.tenant_id())?
                    .ok_or_else(|| tenant_not_found(scope.tenant_id()))?;
                Ok::<_, IdentityError>((account, tenant))
            })
            .await?;
        Ok(Me { account: account_view(&account), tenant: tenant_view(&tenant) })
    }

    async fn sign_in_as(&self, call: &Call, request: SignIn) -> Outcome<Session> {
        self.check_address(call)?;
        let slug = request.tenant.trim().to_lowercase();
        let email_key = request.email.trim().to_lowercase();
        let failure_key = format!("{slug}\u{0}{email_key}");
        if let Some(wait) = self.account_failures.wait_time(&failure_key) {
            return Err(rate_limited(wait).into());
        }
        let found = self
            .database
            .read(move |connection| {
                let Some(tenant) = store::find_tenant_by_slug(connection, &slug)? else {
                    return Ok::<_, IdentityError>(None);
                };
                let scope = Anonymous.tenant_scope(&tenant.id);
                let account = store::find_account_by_email(connection, &scope, &email_key)?;
                Ok(account.map(|account| (tenant, account)))
            })
            .await?;
        let stored_hash = found.as_ref().and_then(|(_, account)| account.password_hash.clone());
        // Always verify, against a decoy when there is no account, so the answer takes
        // as long whether or not the email exists.
        let matches = self.verify_password(request.password, stored_hash).await?;
        let Some((tenant, account)) = found.filter(|_| matches) else {
            self.account_failures.record(&failure_key);
            return Err(ApiError::unauthenticated(SIGN_IN_REFUSED).into());
        };
        if account.status == "disabled" {
            return Err(
                ApiError::forbidden("this account is disabled; contact your library").into()
            );
        }
        if tenant.status != "active" {
            return Err(ApiError::forbidden(format!(
                "{} is not in service at the moment",
                tenant.name
            ))
            .into());
        }
        self.account_failures.clear(&failure_key);
        let scope = Anonymous.tenant_scope(&tenant.id);
        let session_account = account.clone();
        let (secret, expires_at) = self
            .write(move |rules, connection| {
                rules.start_session_in(connection, &scope, &session_account, now())
            })
            .await?;
        self.session(&account, &tenant, &secret, expires_at)
    }

    async fn refresh_session_as(&self, request: RefreshToken) -> Outcome<Session> {
        let invalid = || {
            IdentityError::from(ApiError::unauthenticated(
                "the refresh token is not valid; sign in again",
            ))
        };
        let tenant_id = Secret::tenant_of(&request.refresh_token).ok_or_else(invalid)?.to_string();
        let scope = Anonymous.tenant_scope(&tenant_id);
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
                if account.status != "active" || tenant.status != "active" {
                    store::revoke_family(connection, &scope, &token.family_id, at)?;
                    return Ok(Err(ApiError::forbidden("this account can no longer sign in; contact your library")));
                }
                let secret = Self::new_secret(&tenant.id)?;
                let row = rules.new_refresh_row(&account, &token.family_id, &secret, at);
                let expires_at = row.expires_at;
                store::insert_refresh_token(connection, &scope, row)?;
                Ok(Ok((account, tenant, secret, expires_at)))
            })
            .await?;
        let (account, tenant, secret, expires_at) = renewal?;
        self.session(&account, &tenant, &secret, expires_at)
    }

    async fn sign_out_as(&self, request: RefreshToken) -> Outcome<Done> {
        let Some(tenant_id) = Secret::tenant_of(&request.refresh_token).map(str::to_string) else {
            return Ok(Done {});
        };
        let scope = Anonymous.tenant_scope(&tenant_id);
        let token_hash = hash_secret(&request.refresh_token);
        self.database
            .write(move |connection| {
                if let Some(token) = store::find_refresh_token(connection, &scope, &token_hash)? {
                    store::revoke_family(connection, &scope, &token.family_id, now())?;
                }
                Ok::<_, IdentityError>(())
            })
            .await?;
        Ok(Done {})
    }

    /// Checks a one-time link without using it up and returns its account, so a bad new
    /// password does not burn the link.
    async fn peek_link(
        &self,
        token: &str,
        purpose: &'static str,
    ) -> Outcome<(TenantScope, AccountRow)> {
        let tenant_id = Secret::tenant_of(token)
            .ok_or_else(|| ApiError::validation("token", LINK_REFUSED))?
            .to_string();
        let scope = Anonymous.tenant_scope(&tenant_id);
        let token_hash = hash_secret(token);
        let lookup_scope = scope.clone();
        let account = self
            .database
            .read(move |connection| {
                let Some(row) = store::find_live_one_time_token(
                    connection,
                    &lookup_scope,
                    &token_hash,
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
            .ok_or_else(|| ApiError::validation("token", LINK_REFUSED))?;
        Ok((scope, account))
    }

    async fn accept_invitation_as(&self, request: SetPasswordWithToken) -> Outcome<Session> {
        let (scope, account) = self.peek_link(&request.token, INVITATION).await?;
        self.config.password.check("password", &request.password, &account.email)?;
        let password_hash = self.hash_password(request.password).await?;
        let token_hash = hash_secret(&request.token);
        let (account, tenant, secret, expires_at) = self
            .write(move |rules, connection| {
                let at = now();
                if store::consume_one_time_token(connection, &scope, &token_hash, INVITATION, at)?
                    .as_deref()
                    != Some(account.id.as_str())
                {
                    return Err(ApiError::validation("token", LINK_REFUSED).into());
                }
                // Accepting signs in, so it is refused where signing in is; returning the
                // error rolls back the use of the link, which works again once allowed.
                let tenant = store::find_tenant(connection, scope.tenant_id())?
                    .ok_or_else(|| tenant_not_found(scope.tenant_id()))?;
                if tenant.status != "active" {
                    return Err(ApiError::forbidden(format!(
                        "{} is not in service at the moment",
                        tenant.name
                    ))
                    .into());
                }
                let current = store::find_account(connection, &scope, &account.id)?
                    .ok_or_else(|| account_not_found(&account.id))?;
                if current.status == "disabled" {
                    return Err(ApiError::forbidden(
                        "this account is disabled; contact your library",
                    )
                    .into());
                }
                store::update_password(connection, &scope, &account.id, &password_hash, at)?;
                store::update_account_status(connection, &scope, &account.id, "active", at)?;
                store::mark_email_verified(connection, &scope, &account.id, at)?;
                let account = store::find_account(connection, &scope, &account.id)?
                    .ok_or_else(|| account_not_found(&account.id))?;
                let (secret, expires_at) =
                    rules.start_session_in(connection, &scope, &account, at)?;
                Ok((account, tenant, secret, expires_at))
            })
            .await?;
        self.session(&account, &tenant, &secret, expires_at)
    }

    async fn verify_email_as(&self, request: OneTimeToken) -> Outcome<Account> {
        let tenant_id = Secret::tenant_of(&request.token)
            .ok_or_else(|| ApiError::validation("token", LINK_REFUSED))?
            .to_string();
        let scope = Anonymous.tenant_scope(&tenant_id);
        let token_hash = hash_secret(&request.token);
        let account = self
            .database
            .write(move |connection| {
                let at = now();
                let Some(account_id) = store::consume_one_time_token(
                    connection,
                    &scope,
                    &token_hash,
                    EMAIL_VERIFICATION,
                    at,
                )?
                else {
                    return Err(IdentityError::from(ApiError::validation("token", LINK_REFUSED)));
                };
                store::mark_email_verified(connection, &scope, &account_id, at)?;
                store::find_account(connection, &scope, &account_id)?
                    .ok_or_else(|| account_not_found(&account_id))
            })
            .await?;
        Ok(account_view(&account))
    }

    async fn request_password_reset_as(
        &self,
        call: &Call,
        request: RequestPasswordReset,
    ) -> Outcome<Done> {
        self.check_address(call)?;
        let slug = request.tenant.trim().to_lowercase();
        let Ok(email) = EmailAddress::parse("email", &request.email) else { return Ok(Done {}) };
        let queued = self
            .write(move |rules, connection| {
                let Some(tenant) = store::find_tenant_by_slug(connection, &slug)? else { return Ok(false) };
                let scope = Anonymous.tenant_scope(&tenant.id);
                let Some(account) = store::find_account_by_email(connection, &scope, email.normalized())? else { return Ok(false) };
                if account.status == "disabled" || tenant.status != "active" {
                    return Ok(false);
                }
                let at = now();
                store::retire_one_time_tokens(connection, &scope, &account.id, PASSWORD_RESET, at)?;
                let secret = Self::new_secret(&tenant.id)?;
                store::insert_one_time_token(connection, &scope, Rules::one_time_row(&account, PASSWORD_RESET, &secret, at, rules.reset_ttl()))?;
                athenaeum_mail::enqueue(
                    connection,
                    &athenaeum_mail::OutgoingMail {
                        tenant_id: Some(tenant.id.clone()),
                        recipient: account.email.clone(),
                        template: mail::PASSWORD_RESET.to_string(),
                        params: json!({
                            "tenant_name": tenant.name,
                            "display_name": account.display_name,
                            "link": rules.link("reset-password", &secret),
                            "expires_in_minutes": rules.config.password_reset_ttl_minutes.to_string(),
                        }),
                    },
                )?;
                Ok(true)
            })
            .await?;
        if queued {
            self.mail.wake();
        }
        // The same answer whether or not the account exists.
        Ok(Done {})
    }

    async fn reset_password_as(&self, request: SetPasswordWithToken) -> Outcome<Done> {
        let (scope, account) = self.peek_link(&request.token, PASSWORD_RESET).await?;
        self.config.password.check("password", &request.password, &account.email)?;
        let password_hash = self.hash_password(request.password).await?;
        let token_hash = hash_secret(&request.token);
        self.database
            .write(move |connection| {
                let at = now();
                if store::consume_one_time_token(
                    connection,
                    &scope,
                    &token_hash,
                    PASSWORD_RESET,
                    at,
                )?
                .as_deref()
                    != Some(account.id.as_str())
                {
                    return Err(IdentityError::from(ApiError::validation("token", LINK_REFUSED)));
                }
                store::update_password(connection, &scope, &account.id, &password_hash, at)?;
                if account.status == "invited" {
                    store::update_account_status(connection, &scope, &account.id, "active", at)?;
                    // The password is chosen: the invitation has served its purpose.
                    store::retire_one_time_tokens(connection, &scope, &account.id, INVITATION, at)?;
                }
                // Receiving the link proves the address.
                store::mark_email_verified(connection, &scope, &account.id, at)?;
                store::revoke_account_sessions(connection, &scope, &account.id, at)?;
                Ok(())
            })
            .await?;
        Ok(Done {})
    }

    async fn change_password_as(&self, call: &Call, request: ChangePassword) -> Outcome<Done> {
        let caller = self.caller(call)?;
        let scope = caller.tenant_scope();
        let read_scope = scope.clone();
        let account_id = caller.account_id.clone();
        let account = self
            .database
            .read(move |connection| store::find_account(connection, &read_scope, &account_id))
            .await?
            .ok_or_else(|| account_not_found(&caller.account_id))?;
        if !self.verify_password(request.current_password, account.password_hash.clone()).await? {
            return Err(ApiError::validation(
                "currentPassword",
                "the current password is not right",
            )
            .into());
        }
        self.config.password.check("newPassword", &request.new_password, &account.email)?;
        let password_hash = self.hash_password(request.new_password).await?;
        self.database
            .write(move |connection| {
                let at = now();
                store::update_password(connection, &scope, &account.id, &password_hash, at)?;
                store::revoke_account_sessions(connection, &scope, &account.id, at)?;
                Ok::<_, IdentityError>(())
            })
            .await?;
        Ok(Done {})
    }

    async fn list_mail_as(&self, call: &Call, request: ListMail) -> Outcome<MailPage> {
        self.caller(call)?.require_operator().map_err(ApiError::from)?;
        let first = page_size(request.page.first)?;
        let status = request.status.map(|status| match status {
            MailStatus::Pending => OutboxStatus::Pending,
            MailStatus::Sent => OutboxStatus::Sent,
            MailStatus::Parked => OutboxStatus::Parked,
        });
        let entries = self
            .database
            .read(move |connection| {
                athenaeum_mail::list_outbox(
                    connection,
                    status,
                    request.page.after.as_deref(),
                    first + 1,
                )
            })
            .await?;
        let (entries, has_next_page) = split_page(entries, first);
        let mail = entries
            .into_iter()
            .map(|entry| OutgoingMail {
                id: entry.id,
                tenant_id: entry.tenant_id,
                recipient: entry.recipient,
                template: entry.template,
                status: match entry.status {
                    OutboxStatus::Pending => MailStatus::Pending,
                    OutboxStatus::Sent => MailStatus::Sent,
                    OutboxStatus::Parked => MailStatus::Parked,
                },
                attempts: entry.attempts,
                last_error: entry.last_error,
                created_at: entry.created_at.and_utc(),
                next_attempt_at: entry.next_attempt_at.and_utc(),
                sent_at: entry.sent_at.map(|at| at.and_utc()),
            })
            .collect();
        Ok(MailPage { mail, has_next_page })
    }

    async fn retry_mail_as(&self, call: &Call, request: MailId) -> Outcome<Done> {
        self.caller(call)?.require_operator().map_err(ApiError::from)?;
        let mail_id = request.mail_id.clone();
        let retried = self
            .database
            .write(move |connection| athenaeum_mail::retry_parked(connection, &mail_id))
            .await?;
        if !retried {
            return Err(
                ApiError::not_found(format!("no parked mail has id {}", request.mail_id)).into()
            );
        }
        self.mail.wake();
        Ok(Done {})
    }

    /// Runs `work` in one write transaction with access to the service.
    async fn write<T, F>(&self, work: F) -> Outcome<T>
    where
        T: Send + 'static,
        F: FnOnce(&Rules, &mut DbConnection) -> Outcome<T> + Send + 'static,
    {
        let rules = Arc::clone(&self.rules);
        self.database.write(move |connection| work(&rules, connection)).await
    }
}

/// The settings a write transaction needs, shared so they can cross to the blocking
/// thread that runs it.
pub(crate) struct Rules {
    config: IdentityConfig,
    refresh_ttl: TimeDelta,
    public_url: String,
}

impl Rules {
    fn link(&self, path: &str, secret: &Secret) -> String {
        format!("{}/{path}?token={}", self.public_url, secret.text)
    }

    fn new_refresh_row(
        &self,
        account: &AccountRow,
        family_id: &str,
        secret: &Secret,
        at: Timestamp,
    ) -> RefreshTokenRow {
        RefreshTokenRow {
            id: new_id(),
            tenant_id: account.tenant_id.clone(),
            account_id: account.id.clone(),
            family_id: family_id.to_string(),
            token_hash: secret.hash.clone(),
            created_at: at,
            expires_at: at + self.refresh_ttl,
            used_at: None,
            revoked_at: None,
        }
    }

    /// Starts a new session family for an account inside the caller's transaction.
    fn start_session_in(
        &self,
        connection: &mut DbConnection,
        scope: &TenantScope,
        account: &AccountRow,
        at: Timestamp,
    ) -> Outcome<(Secret, Timestamp)> {
        let secret = IdentityService::new_secret(&account.tenant_id)?;
        let row = self.new_refresh_row(account, &new_id(), &secret, at);
        let expires_at = row.expires_at;
        store::insert_refresh_token(connection, scope, row)?;
        Ok((secret, expires_at))
    }

    fn one_time_row(
        account: &AccountRow,
        purpose: &str,
        secret: &Secret,
        at: Timestamp,
        ttl: TimeDelta,
    ) -> OneTimeTokenRow {
        OneTimeTokenRow {
            id: new_id(),
            tenant_id: account.tenant_id.clone(),
            account_id: account.id.clone(),
            purpose: purpose.to_string(),
            token_hash: secret.hash.clone(),
            created_at: at,
            expires_at: at + ttl,
            used_at: None,
        }
    }

    fn invitation_ttl(&self) -> TimeDelta {
        TimeDelta::hours(i64::try_from(self.config.invitation_ttl_hours).unwrap_or(72))
    }

    fn verification_ttl(&self) -> TimeDelta {
        TimeDelta::hours(i64::try_from(self.config.email_verification_ttl_hours).unwrap_or(72))
    }

    fn reset_ttl(&self) -> TimeDelta {
        TimeDelta::minutes(i64::try_from(self.config.password_reset_ttl_minutes).unwrap_or(60))
    }

    /// Queues the mail that goes with a new account (an invitation, or a verification
    /// link when a password was set), inside the caller's transaction.
    fn queue_welcome_in(
        &self,
        connection: &mut DbConnection,
        scope: &TenantScope,
        account: &AccountRow,
        tenant: &TenantRow,
        at: Timestamp,
    ) -> Outcome<()> {
        let secret = IdentityService::new_secret(&account.tenant_id)?;
        let (purpose, ttl, template, path, hours) = if account.status == "invited" {
            (
                INVITATION,
                self.invitation_ttl(),
                mail::INVITATION,
                "accept-invitation",
                self.config.invitation_ttl_hours,
            )
        } else {
            (
                EMAIL_VERIFICATION,
                self.verification_ttl(),
                mail::EMAIL_VERIFICATION,
                "verify-email",
                self.config.email_verification_ttl_hours,
            )
        };
        store::insert_one_time_token(
            connection,
            scope,
            Rules::one_time_row(account, purpose, &secret, at, ttl),
        )?;
        athenaeum_mail::enqueue(
            connection,
            &athenaeum_mail::OutgoingMail {
                tenant_id: Some(account.tenant_id.clone()),
                recipient: account.email.clone(),
                template: template.to_string(),
                params: json!({
                    "tenant_name": tenant.name,
                    "display_name": account.display_name,
                    "link": self.link(path, &secret),
                    "expires_in_hours": hours.to_string(),
                }),
            },
        )?;
        Ok(())
    }
}

fn rate_limited(wait: Duration) -> ApiError {
    let seconds = wait.as_secs().max(1);
    ApiError {
        retry_after_seconds: Some(seconds),
        ..ApiError::new(
            ErrorCode::RateLimited,
            format!("too many attempts; try again in {seconds} seconds"),
        )
    }
}

fn tenant_not_found(id: &str) -> IdentityError {
    ApiError::not_found(format!("no tenant has id {id}")).into()
}

fn account_not_found(id: &str) -> IdentityError {
    ApiError::not_found(format!("no account has id {id} in this library")).into()
}

fn page_size(first: u32) -> Outcome<i64> {
    if !(1..=100).contains(&first) {
        return Err(ApiError::validation(
            "first",
            format!("first must be between 1 and 100, not {first}"),
        )
        .into());
    }
    Ok(i64::from(first))
}

fn split_page<T>(mut rows: Vec<T>, first: i64) -> (Vec<T>, bool) {
    let first = usize::try_from(first).unwrap_or(usize::MAX);
    let has_next_page = rows.len() > first;
    rows.truncate(first);
    (rows, has_next_page)
}

fn check_roles(caller: &Caller, tenant_id: &str, roles: &[AccountRole]) -> Outcome<String> {
    if roles.is_empty() {
        return Err(ApiError::validation("roles", "give the account at least one role").into());
    }
    let in_platform = tenant_id == PLATFORM_TENANT_ID;
    for role in roles {
        let allowed = match role {
            AccountRole::Operator => in_platform && caller.has_role(Role::Operator),
            _ => !in_platform,
        };
        if !allowed {
            let message = if in_platform {
                "accounts of the platform tenant can only be operators, made by an operator"
                    .to_string()
            } else {
                format!("the role {role:?} cannot be given in a library tenant")
            };
            return Err(ApiError::validation("roles", message).into());
        }
    }
    let mut names: Vec<&str> = roles.iter().map(|role| Role::from(*role).as_str()).collect();
    names.sort_unstable();
    names.dedup();
    Ok(names.join(" "))
}

fn new_account_row(
    tenant_id: &str,
    email: &EmailAddress,
    name: &DisplayName,
    roles: &str,
    password_hash: Option<String>,
    at: Timestamp,
) -> AccountRow {
    AccountRow {
        id: new_id(),
        tenant_id: tenant_id.to_string(),
        email: email.as_str().to_string(),
        email_normalized: email.normalized().to_string(),
        display_name: name.as_str().to_string(),
        status: if password_hash.is_some() { "active" } else { "invited" }.to_string(),
        password_hash,
        roles: roles.to_string(),
        email_verified_at: None,
        created_at: at,
        updated_at: at,
    }
}

fn parse_roles(text: &str) -> Vec<Role> {
    text.split_whitespace().filter_map(Role::parse).collect()
}

/// Returns the API view of an account row.
pub(crate) fn account_view(row: &AccountRow) -> Account {
    Account {
        id: row.id.clone(),
        tenant_id: row.tenant_id.clone(),
        email: row.email.clone(),
        display_name: row.display_name.clone(),
        roles: parse_roles(&row.roles).into_iter().map(AccountRole::from).collect(),
        status: match row.status.as_str() {
            "active" => AccountStatus::Active,
            "disabled" => AccountStatus::Disabled,
            _ => AccountStatus::Invited,
        },
        email_verified: row.email_verified_at.is_some(),
        created_at: row.created_at.and_utc(),
    }
}

/// Returns the API view of a tenant row.
pub(crate) fn tenant_view(row: &TenantRow) -> Tenant {
    Tenant {
        id: row.id.clone(),
        slug: row.slug.clone(),
        name: row.name.clone(),
        time_zone: row.time_zone.clone(),
        contact_email: row.contact_email.clone(),
        status: if row.status == "active" { TenantStatus::Active } else { TenantStatus::Suspended },
        created_at: row.created_at.and_utc(),
    }
}

#[async_trait]
impl IdentityApi for IdentityService {
    async fn onboard_tenant(
        &self,
        call: &Call,
        request: OnboardTenant,
    ) -> Result<Onboarded, ApiError> {
        self.onboard_tenant_as(call, request)
            .await
            .map_err(|error| error.into_api(&call.request_id))
    }

    async fn list_tenants(
        &self,
        call: &Call,
        request: PageRequest,
    ) -> Result<TenantPage, ApiError> {
        self.list_tenants_as(call, request).await.map_err(|error| error.into_api(&call.request_id))
    }

    async fn set_tenant_status(
        &self,
        call: &Call,
        request: SetTenantStatus,
    ) -> Result<Tenant, ApiError> {
        self.set_tenant_status_as(call, request)
            .await
            .map_err(|error| error.into_api(&call.request_id))
    }

    async fn create_account(
        &self,
        call: &Call,
        request: CreateAccount,
    ) -> Result<Account, ApiError> {
        self.create_account_as(call, request)
            .await
            .map_err(|error| error.into_api(&call.request_id))
    }

    async fn list_accounts(
        &self,
        call: &Call,
        request: PageRequest,
    ) -> Result<AccountPage, ApiError> {
        self.list_accounts_as(call, request).await.map_err(|error| error.into_api(&call.request_id))
    }

    async fn set_account_roles(
        &self,
        call: &Call,
        request: SetAccountRoles,
    ) -> Result<Account, ApiError> {
        self.set_account_roles_as(call, request)
            .await
            .map_err(|error| error.into_api(&call.request_id))
    }

    async fn set_account_disabled(
        &self,
        call: &Call,
        request: SetAccountDisabled,
    ) -> Result<Account, ApiError> {
        self.set_account_disabled_as(call, request)
            .await
            .map_err(|error| error.into_api(&call.request_id))
    }

    async fn find_tenant(
        &self,
        call: &Call,
        request: FindTenant,
    ) -> Result<PublicTenant, ApiError> {
        let slug = request.slug.trim().to_lowercase();
        let found = self.find_tenant_by_slug(&slug).await;
        match found {
            Ok(Some(tenant)) if tenant.status == TenantStatus::Active => {
                Ok(PublicTenant { id: tenant.id, slug: tenant.slug, name: tenant.name })
            }
            Ok(_) => Err(ApiError::not_found(format!("no library has the slug {slug:?}"))),
            Err(error) => {
                tracing::debug!(request_id = %call.request_id, "tenant look-up failed");
                Err(error)
            }
        }
    }

    async fn me(&self, call: &Call, _request: WhoAmI) -> Result<Me, ApiError> {
        self.me_as(call).await.map_err(|error| error.into_api(&call.request_id))
    }

    async fn sign_in(&self, call: &Call, request: SignIn) -> Result<Session, ApiError> {
        self.sign_in_as(call, request).await.map_err(|error| error.into_api(&call.request_id))
    }

    async fn refresh_session(
        &self,
        call: &Call,
        request: RefreshToken,
    ) -> Result<Session, ApiError> {
        self.refresh_session_as(request).await.map_err(|error| error.into_api(&call.request_id))
    }

    async fn sign_out(&self, call: &Call, request: RefreshToken) -> Result<Done, ApiError> {
        self.sign_out_as(request).await.map_err(|error| error.into_api(&call.request_id))
    }

    async fn accept_invitation(
        &self,
        call: &Call,
        request: SetPasswordWithToken,
    ) -> Result<Session, ApiError> {
        self.accept_invitation_as(request).await.map_err(|error| error.into_api(&call.request_id))
    }

    async fn verify_email(&self, call: &Call, request: OneTimeToken) -> Result<Account, ApiError> {
        self.verify_email_as(request).await.map_err(|error| error.into_api(&call.request_id))
    }

    async fn request_password_reset(
        &self,
        call: &Call,
        request: RequestPasswordReset,
    ) -> Result<Done, ApiError> {
        self.request_password_reset_as(call, request)
            .await
            .map_err(|error| error.into_api(&call.request_id))
    }

    async fn reset_password(
        &self,
        call: &Call,
        request: SetPasswordWithToken,
    ) -> Result<Done, ApiError> {
        self.reset_password_as(request).await.map_err(|error| error.into_api(&call.request_id))
    }

    async fn change_password(
        &self,
        call: &Call,
        request: ChangePassword,
    ) -> Result<Done, ApiError> {
        self.change_password_as(call, request)
            .await
            .map_err(|error| error.into_api(&call.request_id))
    }

    async fn list_mail(&self, call: &Call, request: ListMail) -> Result<MailPage, ApiError> {
        self.list_mail_as(call, request).await.map_err(|error| error.into_api(&call.request_id))
    }

    async fn retry_mail(&self, call: &Call, request: MailId) -> Result<Done, ApiError> {
        self.retry_mail_as(call, request).await.map_err(|error| error.into_api(&call.request_id))
    }
}
