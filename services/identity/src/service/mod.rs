//! The identity service: `IdentityApi` implemented with the domain rules and the store,
//! each change in one transaction together with the mail it causes. One room per area:
//! tenants, libraries' public profiles, accounts, sessions, the emailed one-time links,
//! the limits on guessing and mail, revocation facts, and the mail outbox; this one holds
//! the service itself, what the areas share, and the list of operations. Rules without I/O belong in `domain`,
//! queries in `store`, not here.

mod accounts;
mod limits;
mod links;
mod mail;
mod profiles;
mod revocations;
mod sessions;
mod tenants;

use std::sync::Arc;
use std::time::Duration;

use athenaeum_auth::{
    AuthConfig, Caller, RevocationList, Role, SigningKey, TokenIssuer, TokenVerifier,
};
use athenaeum_db::{Database, DbConnection, DbError};
use athenaeum_kernel::{ApiError, ErrorCode};
use athenaeum_mail::MailWaker;
use athenaeum_transport::Call;
use chrono::TimeDelta;

use crate::IdentityConfig;
use crate::api::*;
use crate::domain::{PasswordHasher, Secret, stored_roles};
use crate::error::IdentityError;
use crate::store::{AccountRow, TenantRow};
use limits::AttemptLimits;

/// The id of the built-in tenant that holds operators' accounts.
pub const PLATFORM_TENANT_ID: &str = "00000000-0000-7000-8000-000000000000";
/// Its slug, used to sign in as an operator.
pub const PLATFORM_TENANT_SLUG: &str = "platform";

type Outcome<T> = Result<T, IdentityError>;

/// Identity running in this process.
pub struct IdentityService {
    database: Database,
    issuer: Arc<TokenIssuer>,
    verifier: TokenVerifier,
    hasher: Arc<PasswordHasher>,
    config: IdentityConfig,
    rules: Arc<Rules>,
    limits: AttemptLimits,
    revocations: RevocationList,
    /// How far back revocation facts matter: an access token's lifetime, its leeway and a
    /// margin for clocks and for a token signed just as its account was signed out.
    revocation_window: TimeDelta,
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

/// The settings a write transaction needs, shared so they can cross to the blocking
/// thread that runs it. Sessions and links add the row building they do with them.
struct Rules {
    config: IdentityConfig,
    refresh_ttl: TimeDelta,
    public_url: String,
}

impl IdentityService {
    /// Builds the service on its (migrated) database. `public_url` is where people reach
    /// the platform; emailed links point there. `mail` wakes the outbox worker after a
    /// transaction queued mail. The service keeps `revocations`, which its own verifier
    /// consults, up to date with the facts it stores (see
    /// [`IdentityService::refresh_revocations`]); the process's other verifiers share it.
    ///
    /// Fails when the argon2 settings are out of range.
    pub fn new(
        database: Database,
        signing_key: SigningKey,
        auth: &AuthConfig,
        config: IdentityConfig,
        public_url: &str,
        mail: MailWaker,
        revocations: RevocationList,
    ) -> Result<IdentityService, String> {
        let verifier = TokenVerifier::new(signing_key.verification_key(), auth)
            .with_revocations(revocations.clone());
        let issuer = Arc::new(TokenIssuer::new(signing_key, auth));
        let hasher = Arc::new(PasswordHasher::new(&config.argon2)?);
        let days = i64::try_from(auth.refresh_token_ttl_days).unwrap_or(30).max(1);
        let token_seconds = auth.access_token_ttl_seconds.saturating_add(auth.leeway_seconds);
        let token_seconds = i64::try_from(token_seconds).unwrap_or(i64::MAX).min(366 * 86_400);
        let revocation_window = TimeDelta::seconds(token_seconds + 60);
        Ok(IdentityService {
            database,
            issuer,
            verifier,
            hasher,
            limits: AttemptLimits::new(&config),
            revocations,
            revocation_window,
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

    /// Returns the caller the call's token names, verified once per request.
    fn caller(&self, call: &Call) -> Outcome<Caller> {
        Ok(call.caller(&self.verifier)?)
    }

    /// Hashes a new password off the async threads (tens of milliseconds of argon2).
    async fn hash_password(&self, password: String) -> Outcome<String> {
        let hasher = Arc::clone(&self.hasher);
        tokio::task::spawn_blocking(move || hasher.hash(&password))
            .await
            .map_err(|error| IdentityError::Internal(error.to_string()))?
            .map_err(IdentityError::Internal)
    }

    /// Checks a password against the stored hash off the async threads; without a stored
    /// hash it checks against a decoy, so the answer takes as long either way.
    async fn verify_password(&self, password: String, stored: Option<String>) -> Outcome<bool> {
        let hasher = Arc::clone(&self.hasher);
        tokio::task::spawn_blocking(move || hasher.verify(&password, stored.as_deref()))
            .await
            .map_err(|error| IdentityError::Internal(error.to_string()))
    }

    /// Runs `work` in one write transaction with access to the service's settings.
    async fn write<T, F>(&self, work: F) -> Outcome<T>
    where
        T: Send + 'static,
        F: FnOnce(&Rules, &mut DbConnection) -> Outcome<T> + Send + 'static,
    {
        let rules = Arc::clone(&self.rules);
        self.database.write(move |connection| work(&rules, connection)).await
    }
}

/// Makes a one-time secret bound to a tenant.
fn new_secret(tenant_id: &str) -> Outcome<Secret> {
    Secret::generate(tenant_id).map_err(|_| IdentityError::Internal("random source failed".into()))
}

/// Refuses with `RATE_LIMITED`, saying how long to wait (in whole seconds, rounded up so
/// that coming back then is never too early) in the message and in
/// `retry_after_seconds`.
fn rate_limited(wait: Duration) -> ApiError {
    rate_limited_with(wait, format!("too many attempts; try again in {}", in_seconds(wait)))
}

/// Returns a wait as people read it: "1 second", "90 seconds".
fn in_seconds(wait: Duration) -> String {
    match wait_seconds(wait) {
        1 => "1 second".to_string(),
        seconds => format!("{seconds} seconds"),
    }
}

/// Refuses with `RATE_LIMITED` with `message`, the wait in `retry_after_seconds`.
fn rate_limited_with(wait: Duration, message: String) -> ApiError {
    ApiError {
        retry_after_seconds: Some(wait_seconds(wait)),
        ..ApiError::new(ErrorCode::RateLimited, message)
    }
}

fn wait_seconds(wait: Duration) -> u64 {
    let whole = wait.as_secs();
    let seconds = if wait.subsec_nanos() > 0 { whole.saturating_add(1) } else { whole };
    seconds.max(1)
}

/// Reports a duplicate as a `CONFLICT` about `field`, and any other failure as it is.
fn conflict_on(error: DbError, field: &str, message: String) -> IdentityError {
    if error.is_unique_violation() {
        return ApiError::validation(field, message).with_code(ErrorCode::Conflict).into();
    }
    error.into()
}

fn tenant_not_found(id: &str) -> IdentityError {
    ApiError::not_found(format!("no tenant has id {id}")).into()
}

fn account_not_found(id: &str) -> IdentityError {
    ApiError::not_found(format!("no account has id {id} in this library")).into()
}

/// The refusal of a disabled account that tries to sign in.
fn account_disabled() -> IdentityError {
    ApiError::forbidden("this account is disabled; contact your library").into()
}

/// The refusal of signing in to a suspended library.
fn out_of_service(tenant: &TenantRow) -> IdentityError {
    ApiError::forbidden(format!("{} is not in service at the moment", tenant.name)).into()
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

/// Returns the API view of an account row.
fn account_view(row: &AccountRow) -> Account {
    Account {
        id: row.id.clone(),
        tenant_id: row.tenant_id.clone(),
        email: row.email.clone(),
        display_name: row.display_name.clone(),
        roles: stored_roles(&row.roles).into_iter().map(AccountRole::from).collect(),
        status: row.status.into(),
        email_verified: row.email_verified_at.is_some(),
        created_at: row.created_at.and_utc(),
    }
}

/// Returns the API view of a tenant row.
fn tenant_view(row: &TenantRow) -> Tenant {
    Tenant {
        id: row.id.clone(),
        slug: row.slug.clone(),
        name: row.name.clone(),
        time_zone: row.time_zone.clone(),
        contact_email: row.contact_email.clone(),
        status: row.status.into(),
        created_at: row.created_at.and_utc(),
        colour: row.colour.clone(),
        phone: row.phone.clone(),
        postal_address: row.postal_address.clone(),
        website: row.website.clone(),
        accessibility_email: row
            .accessibility_email
            .clone()
            .unwrap_or_else(|| row.contact_email.clone()),
    }
}

athenaeum_transport::implement_api! {
    IdentityApi for IdentityService {
        fn onboard_tenant(OnboardTenant) -> Onboarded => onboard_tenant_as;
        fn list_tenants(PageRequest) -> TenantPage => list_tenants_as;
        fn set_tenant_status(SetTenantStatus) -> Tenant => set_tenant_status_as;
        fn create_account(CreateAccount) -> Account => create_account_as;
        fn list_accounts(PageRequest) -> AccountPage => list_accounts_as;
        fn set_account_roles(SetAccountRoles) -> Account => set_account_roles_as;
        fn set_account_disabled(SetAccountDisabled) -> Account => set_account_disabled_as;
        fn me(WhoAmI) -> Me => me_as;
        fn list_libraries(PageRequest) -> LibraryPage => list_libraries_as;
        fn find_library(FindTenant) -> Library => find_library_as;
        fn update_library_profile(UpdateLibraryProfile) -> Tenant => update_library_profile_as;
        fn find_tenant(FindTenant) -> PublicTenant => find_tenant_as;
        fn sign_in(SignIn) -> Session => sign_in_as;
        fn refresh_session(RefreshToken) -> Session => refresh_session_as;
        fn sign_out(RefreshToken) -> Done => sign_out_as;
        fn accept_invitation(SetPasswordWithToken) -> Session => accept_invitation_as;
        fn verify_email(OneTimeToken) -> Account => verify_email_as;
        fn request_password_reset(RequestPasswordReset) -> Done => request_password_reset_as;
        fn reset_password(SetPasswordWithToken) -> Done => reset_password_as;
        fn change_password(ChangePassword) -> Done => change_password_as;
        fn revocations(ListRevocations) -> Revocations => revocations_as;
        fn list_mail(ListMail) -> MailPage => list_mail_as;
        fn get_mail(MailId) -> OutgoingMail => get_mail_as;
        fn retry_mail(MailId) -> Done => retry_mail_as;
    }
}
