//! Identity's operations and their request and response types: the one definition from
//! which the trait, its HTTP client and its internal routes are derived.
//!
//! Types that the GraphQL schema shows as they are derive its traits here, so a field is
//! declared once. No behaviour lives here: the service implements the operations.

use async_graphql::{ComplexObject, Enum, ID, InputObject, SimpleObject};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// Whether a tenant may be used.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Enum)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum TenantStatus {
    /// In service.
    Active,
    /// Nobody can sign in; data is kept.
    Suspended,
}

/// A library authority using the platform.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, SimpleObject)]
#[graphql(complex)]
pub struct Tenant {
    /// Opaque id.
    #[graphql(skip)]
    pub id: String,
    /// Short name used at sign-in and in addresses, e.g. `north-yorkshire`.
    pub slug: String,
    /// Full name, e.g. "North Yorkshire Libraries".
    pub name: String,
    /// IANA time zone in which due dates and opening hours are reckoned.
    pub time_zone: String,
    /// Where the platform writes to the authority.
    pub contact_email: String,
    /// Whether it is in service.
    pub status: TenantStatus,
    /// When it was onboarded.
    pub created_at: DateTime<Utc>,
    /// Its header's background colour as `#rrggbb`, dark enough for white text; none
    /// chosen yet when null.
    pub colour: Option<String>,
    /// Its public phone number.
    pub phone: Option<String>,
    /// Its postal address, a line of text per line of the address.
    pub postal_address: Option<String>,
    /// Its own website, an `http` or `https` address.
    pub website: Option<String>,
    /// Where to write about accessibility: the one the library gave, or else its contact
    /// email.
    pub accessibility_email: String,
}

/// A library as anyone may see it in the platform's directory: how to name it, show it
/// and reach it. Never its status or its time zone. Its id is the one public search
/// results name libraries by (`tenantId`), so a page of union search can name them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, SimpleObject)]
pub struct Library {
    /// Its id, as search results' `tenantId` gives it.
    pub id: ID,
    /// Short name used in addresses and as `tenant:` in public queries, e.g.
    /// `north-yorkshire`.
    pub slug: String,
    /// Full name, e.g. "North Yorkshire Libraries".
    pub name: String,
    /// Its header's background colour as `#rrggbb`, to be shown with white text (its
    /// contrast ratio with white is at least 4.5:1); null when none was chosen.
    pub colour: Option<String>,
    /// Its public phone number.
    pub phone: Option<String>,
    /// Its postal address, a line of text per line of the address.
    pub postal_address: Option<String>,
    /// Its own website, an `http` or `https` address.
    pub website: Option<String>,
    /// Its contact email.
    pub contact_email: String,
    /// Where to write about accessibility: the one the library gave, or else its contact
    /// email.
    pub accessibility_email: String,
}

/// Changes a library's public profile. Each field left out (or null) stays as it is; an
/// empty string removes an optional one.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, InputObject)]
pub struct UpdateLibraryProfile {
    /// Operators only: the library to change. Defaults to the caller's own.
    #[graphql(default)]
    #[serde(default)]
    pub tenant_id: Option<String>,
    /// Full name, 1 to 200 characters.
    #[graphql(default)]
    #[serde(default)]
    pub name: Option<String>,
    /// Header colour as `#rrggbb`; refused when its contrast ratio with white text is
    /// below 4.5:1.
    #[graphql(default)]
    #[serde(default)]
    pub colour: Option<String>,
    /// Public phone number, at most 40 characters.
    #[graphql(default)]
    #[serde(default)]
    pub phone: Option<String>,
    /// Postal address, a few lines, at most 500 characters.
    #[graphql(default)]
    #[serde(default)]
    pub postal_address: Option<String>,
    /// Website, an `http` or `https` address.
    #[graphql(default)]
    #[serde(default)]
    pub website: Option<String>,
    /// Contact email; it may not be removed. Shown publicly in the directory.
    #[graphql(default)]
    #[serde(default)]
    pub contact_email: Option<String>,
    /// Accessibility contact email; removing it makes it the contact email again.
    #[graphql(default)]
    #[serde(default)]
    pub accessibility_email: Option<String>,
}

/// A page of the libraries in service.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LibraryPage {
    /// The libraries, by name.
    pub libraries: Vec<Library>,
    /// Whether more follow.
    pub has_next_page: bool,
}

/// What a person may do within a tenant.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, Enum)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum AccountRole {
    /// Borrows, holds, manages their own account.
    Patron,
    /// Works the desk and the catalogue.
    Staff,
    /// Configures the library and manages its accounts.
    Admin,
    /// Runs the platform (accounts of the `platform` tenant only).
    Operator,
}

impl From<AccountRole> for athenaeum_auth::Role {
    fn from(role: AccountRole) -> Self {
        match role {
            AccountRole::Patron => athenaeum_auth::Role::Patron,
            AccountRole::Staff => athenaeum_auth::Role::Staff,
            AccountRole::Admin => athenaeum_auth::Role::Admin,
            AccountRole::Operator => athenaeum_auth::Role::Operator,
        }
    }
}

impl From<athenaeum_auth::Role> for AccountRole {
    fn from(role: athenaeum_auth::Role) -> Self {
        match role {
            athenaeum_auth::Role::Patron => AccountRole::Patron,
            athenaeum_auth::Role::Staff => AccountRole::Staff,
            athenaeum_auth::Role::Admin => AccountRole::Admin,
            athenaeum_auth::Role::Operator => AccountRole::Operator,
        }
    }
}

/// Where an account is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Enum)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum AccountStatus {
    /// Created; the person has not yet accepted the invitation and set a password.
    Invited,
    /// Can sign in.
    Active,
    /// Switched off by an administrator; cannot sign in.
    Disabled,
}

/// A person's account within one tenant.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, SimpleObject)]
#[graphql(complex)]
pub struct Account {
    /// Opaque id.
    #[graphql(skip)]
    pub id: String,
    /// The tenant the account belongs to.
    #[graphql(skip)]
    pub tenant_id: String,
    /// Email address as the person gave it.
    pub email: String,
    /// Name shown to others.
    pub display_name: String,
    /// Roles in the tenant.
    pub roles: Vec<AccountRole>,
    /// Life-cycle state.
    pub status: AccountStatus,
    /// Whether the person has shown they receive mail at the address.
    pub email_verified: bool,
    /// When it was created.
    pub created_at: DateTime<Utc>,
}

#[ComplexObject]
impl Tenant {
    /// Opaque id.
    async fn id(&self) -> ID {
        ID(self.id.clone())
    }
}

#[ComplexObject]
impl Account {
    /// Opaque id.
    async fn id(&self) -> ID {
        ID(self.id.clone())
    }

    /// The tenant the account belongs to.
    async fn tenant_id(&self) -> ID {
        ID(self.tenant_id.clone())
    }
}

#[ComplexObject]
impl OutgoingMail {
    /// Opaque id.
    async fn id(&self) -> ID {
        ID(self.id.clone())
    }

    /// The tenant it concerns, if any.
    async fn tenant_id(&self) -> Option<ID> {
        self.tenant_id.clone().map(ID)
    }
}

/// A signed-in session: a short-lived access token and the refresh token that renews it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, SimpleObject)]
pub struct Session {
    /// Bearer token for `Authorization: Bearer …`.
    pub access_token: String,
    /// When the access token stops working.
    pub access_token_expires_at: DateTime<Utc>,
    /// Opaque token for `refreshSession`; each use returns a new one and retires it.
    pub refresh_token: String,
    /// When the refresh token stops working if unused.
    pub refresh_token_expires_at: DateTime<Utc>,
    /// The signed-in account.
    pub account: Account,
    /// Its tenant.
    pub tenant: Tenant,
}

/// What anyone may know about a tenant: enough to name it and read its public
/// catalogue.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PublicTenant {
    /// Opaque id.
    pub id: String,
    /// Short name.
    pub slug: String,
    /// Full name.
    pub name: String,
}

/// Finds an active tenant by slug. Anyone may ask.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FindTenant {
    /// The slug.
    pub slug: String,
}

/// The caller's own account and tenant.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, SimpleObject)]
pub struct Me {
    /// The account.
    pub account: Account,
    /// Its tenant.
    pub tenant: Tenant,
}

/// The answer of an operation that has nothing else to say.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Done {}

/// Request of [`IdentityApi::me`](crate::IdentityApi::me).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct WhoAmI {}

/// Onboards a library authority: the tenant and its first administrator, who is sent
/// an invitation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, InputObject)]
pub struct OnboardTenant {
    /// Short name, e.g. `north-yorkshire`.
    pub slug: String,
    /// Full name.
    pub name: String,
    /// IANA time zone, e.g. `Europe/London`.
    pub time_zone: String,
    /// The authority's contact address.
    pub contact_email: String,
    /// The first administrator's email; the invitation goes there.
    pub admin_email: String,
    /// The first administrator's name.
    pub admin_display_name: String,
}

/// A new tenant and its invited administrator.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, SimpleObject)]
pub struct Onboarded {
    /// The tenant.
    pub tenant: Tenant,
    /// Its first administrator, status `INVITED`.
    pub admin: Account,
}

/// One page of a list, by opaque cursor.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PageRequest {
    /// Return items after this cursor.
    pub after: Option<String>,
    /// How many, 1 to 100.
    pub first: u32,
}

/// A page of tenants.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TenantPage {
    /// The tenants, oldest first.
    pub tenants: Vec<Tenant>,
    /// Whether more follow.
    pub has_next_page: bool,
}

/// Suspends or reactivates a tenant.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SetTenantStatus {
    /// The tenant.
    pub tenant_id: String,
    /// The new status.
    pub status: TenantStatus,
}

/// Creates an account in the caller's tenant (or, for an operator, in `tenant_id`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, InputObject)]
pub struct CreateAccount {
    /// Email address.
    pub email: String,
    /// Name shown to others.
    pub display_name: String,
    /// Roles in the tenant.
    pub roles: Vec<AccountRole>,
    /// Operators only: the tenant to create it in. Defaults to the caller's.
    #[graphql(default)]
    pub tenant_id: Option<String>,
    /// Set a password now instead of sending an invitation (the command line uses this);
    /// the account is then active and is sent an email verification link.
    #[graphql(skip)]
    #[serde(default)]
    pub password: Option<String>,
}

/// A page of accounts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccountPage {
    /// The accounts, oldest first.
    pub accounts: Vec<Account>,
    /// Whether more follow.
    pub has_next_page: bool,
}

/// Replaces an account's roles.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SetAccountRoles {
    /// The account.
    pub account_id: String,
    /// Its new roles.
    pub roles: Vec<AccountRole>,
}

/// Disables or re-enables an account.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SetAccountDisabled {
    /// The account.
    pub account_id: String,
    /// True to disable (and sign it out everywhere), false to enable.
    pub disabled: bool,
}

/// Signs in with email and password.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, InputObject)]
pub struct SignIn {
    /// The tenant's slug.
    pub tenant: String,
    /// Email address.
    pub email: String,
    /// Password.
    pub password: String,
}

/// Presents a refresh token.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RefreshToken {
    /// The opaque refresh token.
    pub refresh_token: String,
}

/// Uses an emailed one-time link and sets a password with it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SetPasswordWithToken {
    /// The token from the link.
    pub token: String,
    /// The new password.
    pub password: String,
}

/// Uses an emailed one-time link that needs nothing else.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OneTimeToken {
    /// The token from the link.
    pub token: String,
}

/// Asks for a password-reset link.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RequestPasswordReset {
    /// The tenant's slug.
    pub tenant: String,
    /// The account's email.
    pub email: String,
}

/// Changes the caller's own password.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChangePassword {
    /// The password now.
    pub current_password: String,
    /// The new one.
    pub new_password: String,
}

/// Request of [`IdentityApi::revocations`](crate::IdentityApi::revocations).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct ListRevocations {}

pub use athenaeum_auth::Revocations;

/// Where an outgoing mail is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Enum)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum MailStatus {
    /// Waiting to be sent or retried.
    Pending,
    /// Accepted by the mail server.
    Sent,
    /// Failed too often; waits for an operator.
    Parked,
}

/// Lists the outgoing mail.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ListMail {
    /// Only this status.
    pub status: Option<MailStatus>,
    /// The page.
    pub page: PageRequest,
}

/// An outgoing mail as operators see it (never its secret contents: one-time links are
/// withheld from the text operators read).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, SimpleObject)]
#[graphql(complex)]
pub struct OutgoingMail {
    /// Opaque id.
    #[graphql(skip)]
    pub id: String,
    /// The tenant it concerns, if any.
    #[graphql(skip)]
    pub tenant_id: Option<String>,
    /// The address.
    pub recipient: String,
    /// Which message it is (invitation, password_reset, …).
    pub template: String,
    /// Where it is.
    pub status: MailStatus,
    /// Delivery attempts so far.
    pub attempts: i32,
    /// The last delivery error.
    pub last_error: Option<String>,
    /// When it was written.
    pub created_at: DateTime<Utc>,
    /// When the next attempt is due.
    pub next_attempt_at: DateTime<Utc>,
    /// When the server accepted it.
    pub sent_at: Option<DateTime<Utc>>,
    /// The subject line; null until an attempt to send it rendered the message.
    pub subject: Option<String>,
    /// The plain-text body as the recipient reads it, except that one-time links are
    /// shown as `[withheld: only the recipient may see this]`; null until an attempt to
    /// send it rendered the message.
    pub text_body: Option<String>,
}

/// A page of outgoing mail.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MailPage {
    /// The mail, oldest first.
    pub mail: Vec<OutgoingMail>,
    /// Whether more follow.
    pub has_next_page: bool,
}

/// Names one outgoing mail.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MailId {
    /// Its id.
    pub mail_id: String,
}

athenaeum_transport::service_api! {
    /// Tenants, accounts, sessions and the mail they cause. Every signed-in operation
    /// checks its caller itself: the one the gateway verified in this process, or the
    /// call's token, verified by the service.
    pub trait IdentityApi, client IdentityClient, routes identity_routes, path "/internal/identity" {
        /// Onboards a tenant with its first administrator and emails the invitation.
        /// Operators only. `CONFLICT` if the slug is taken.
        fn onboard_tenant(OnboardTenant) -> Onboarded;
        /// Lists tenants. Operators only.
        fn list_tenants(PageRequest) -> TenantPage;
        /// Suspends or reactivates a tenant. Operators only.
        fn set_tenant_status(SetTenantStatus) -> Tenant;
        /// Creates an account and emails an invitation (or, with a password, a
        /// verification link). Admins of the tenant, or operators.
        fn create_account(CreateAccount) -> Account;
        /// Lists the accounts of the caller's tenant. Staff and admins.
        fn list_accounts(PageRequest) -> AccountPage;
        /// Replaces an account's roles. Admins of the tenant.
        fn set_account_roles(SetAccountRoles) -> Account;
        /// Disables (signing out every session) or enables an account. Admins.
        fn set_account_disabled(SetAccountDisabled) -> Account;
        /// Returns the caller's own account and tenant.
        fn me(WhoAmI) -> Me;
        /// Lists the libraries in service, by name, without the platform's own tenant.
        /// Anyone. The cursor is a library's slug.
        fn list_libraries(PageRequest) -> LibraryPage;
        /// Finds a library in service by slug, for its public pages. Anyone. `NOT_FOUND`
        /// when there is none (or it is suspended).
        fn find_library(FindTenant) -> Library;
        /// Changes a library's public profile. Admins of the library, or operators for
        /// any library. `VALIDATION` naming the field (`colour` when white text would be
        /// hard to read on it), `FORBIDDEN` for another library's admin.
        fn update_library_profile(UpdateLibraryProfile) -> Tenant;
        /// Finds an active tenant by slug, for readers of its public catalogue. Anyone.
        /// `NOT_FOUND` when there is none (or it is suspended).
        fn find_tenant(FindTenant) -> PublicTenant;
        /// Signs in. Fails with one message whether the email or the password was wrong;
        /// `RATE_LIMITED` for a client that keeps failing (never for a right password
        /// from a client that has not failed).
        fn sign_in(SignIn) -> Session;
        /// Exchanges a refresh token for a new session. Presenting a token that was
        /// already exchanged signs out its whole family.
        fn refresh_session(RefreshToken) -> Session;
        /// Signs out the session the refresh token belongs to.
        fn sign_out(RefreshToken) -> Done;
        /// Accepts an invitation by setting a password, and signs in.
        fn accept_invitation(SetPasswordWithToken) -> Session;
        /// Confirms an email address.
        fn verify_email(OneTimeToken) -> Account;
        /// Emails a password-reset link if the account exists; answers the same either way.
        /// `RATE_LIMITED` after a few requests for one account or from one address.
        fn request_password_reset(RequestPasswordReset) -> Done;
        /// Sets a new password with a reset link and signs out every session.
        fn reset_password(SetPasswordWithToken) -> Done;
        /// Changes the caller's password and signs the account out everywhere, this
        /// session too. `VALIDATION` when the current password is wrong, `RATE_LIMITED`
        /// after repeated wrong ones.
        fn change_password(ChangePassword) -> Done;
        /// Returns the revocation facts that every process verifying tokens follows:
        /// accounts and sessions signed out within an access token's lifetime, and the
        /// libraries suspended now. Anyone who reaches the internal routes (it names only
        /// ids and library names); not in the public schema.
        fn revocations(ListRevocations) -> Revocations;
        /// Lists outgoing mail. Operators only.
        fn list_mail(ListMail) -> MailPage;
        /// Returns one outgoing mail with its subject and text (one-time links withheld).
        /// Operators only. `NOT_FOUND` when no mail has the id.
        fn get_mail(MailId) -> OutgoingMail;
        /// Puts a parked mail back in the queue. Operators only.
        fn retry_mail(MailId) -> Done;
    }
}
