//! Fixtures shared by identity's integration tests: the service on a fresh database, the
//! operator's call, libraries whose administrator has accepted the invitation, members
//! of a library, and the mail outbox read back as a recipient would see it (the link in
//! each message).
//!
//! Fixtures act through `IdentityApi` as a person would; they touch the database directly
//! only to read what was mailed and to let time pass for a link.

use std::sync::Arc;

use athenaeum_auth::{AuthConfig, RevocationList, SigningKey};
use athenaeum_db::DbError;
use athenaeum_identity::api::{
    Account, AccountRole, CreateAccount, OnboardTenant, Onboarded, PageRequest, Session,
    SetPasswordWithToken, SignIn, Tenant,
};
use athenaeum_identity::domain::Argon2Settings;
use athenaeum_identity::mail::IdentityMail;
use athenaeum_identity::{IdentityApi, IdentityConfig, IdentityService, MIGRATIONS};
use athenaeum_kernel::ApiError;
use athenaeum_mail::schema::mail_outbox;
use athenaeum_mail::{MailConfig, MailTransport, MailWorker};
use athenaeum_testkit::{Backend, TestDatabase};
use athenaeum_transport::Call;
use diesel::prelude::*;

/// Where emailed links point.
pub const PUBLIC_URL: &str = "http://library.test";
/// The password every fixture person chooses.
pub const PASSWORD: &str = "correct horse battery staple";

/// Identity's settings for tests: the defaults, with argon2 made cheap because every
/// fixture person hashes a password and the suite runs on two cores. The cost is not
/// what these tests are about.
pub fn test_config() -> IdentityConfig {
    IdentityConfig {
        argon2: Argon2Settings { memory_kib: 1_024, iterations: 1, parallelism: 1 },
        ..IdentityConfig::default()
    }
}

/// A running identity service on its own fresh database.
pub struct World {
    /// The service under test.
    pub service: Arc<IdentityService>,
    /// A call carrying a platform operator's token.
    pub operator: Call,
    /// The key the service signs access tokens with, for forging tokens in tests.
    pub signing_key: SigningKey,
    /// The revocation list the service keeps and its verifier consults, as the other
    /// verifiers of its process would.
    pub revocations: RevocationList,
    /// The database; dropped after the service.
    pub db: TestDatabase,
}

/// A message in the outbox as its recipient would read it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueuedMail {
    /// The address it goes to.
    pub recipient: String,
    /// Which message it is.
    pub template: String,
    /// The link it carries (empty for a message without one).
    pub link: String,
}

impl QueuedMail {
    /// Returns the one-time token in the mail's link.
    pub fn token(&self) -> String {
        let link = url::Url::parse(&self.link)
            .unwrap_or_else(|error| panic!("mailed link {:?} is not a URL: {error}", self.link));
        link.query_pairs()
            .find(|(name, _)| name == "token")
            .map(|(_, value)| value.into_owned())
            .unwrap_or_else(|| panic!("mailed link {:?} carries no token", self.link))
    }
}

/// An onboarded library whose administrator has accepted the invitation.
pub struct Library {
    /// The tenant.
    pub tenant: Tenant,
    /// The administrator's session.
    pub admin: Session,
}

impl Library {
    /// Returns a call made by the library's administrator.
    pub fn admin_call(&self) -> Call {
        call_with(&self.admin.access_token)
    }

    /// Returns the administrator's email address.
    pub fn admin_email(&self) -> String {
        self.admin.account.email.clone()
    }
}

/// Returns a call carrying an access token.
pub fn call_with(access_token: &str) -> Call {
    Call::anonymous().with_token(access_token)
}

/// Returns a call from a client address, for the per-address limits.
pub fn call_from(address: &str) -> Call {
    Call::anonymous().with_client_address(address)
}

/// Returns the request that onboards a library with slug `slug`, whose first
/// administrator is `admin@<slug>.example`.
pub fn onboarding(slug: &str) -> OnboardTenant {
    OnboardTenant {
        slug: slug.to_string(),
        name: format!("{slug} libraries"),
        time_zone: "Europe/London".to_string(),
        contact_email: format!("libraries@{slug}.example"),
        admin_email: format!("admin@{slug}.example"),
        admin_display_name: format!("{slug} administrator"),
    }
}

/// Asserts that `outcome` was refused with `code` and returns the refusal.
pub use athenaeum_testkit::refused;

impl World {
    /// Starts the service with the test settings on a fresh database of `backend`.
    pub async fn start(backend: Backend) -> World {
        World::start_with(backend, test_config()).await
    }

    /// Starts the service with `config` on a fresh database of `backend`.
    pub async fn start_with(backend: Backend, config: IdentityConfig) -> World {
        let db = athenaeum_testkit::test_database(backend, &MIGRATIONS).await;
        // The worker is never run: tests read the outbox instead of a mailbox.
        let transport = MailTransport::file(&db.databases.data_path().join("mail")).unwrap();
        let worker = MailWorker::new(
            db.database.clone(),
            Arc::new(IdentityMail),
            transport,
            MailConfig::default(),
        )
        .unwrap();
        let signing_key = SigningKey::generate().unwrap();
        let revocations = RevocationList::new();
        let service = IdentityService::new(
            db.database.clone(),
            signing_key.clone(),
            &AuthConfig::default(),
            config,
            PUBLIC_URL,
            worker.waker(),
            revocations.clone(),
        )
        .unwrap();
        let operator = service.command_line_call().unwrap();
        World { service: Arc::new(service), operator, signing_key, revocations, db }
    }

    /// Onboards a library as the operator; its administrator is invited, not yet active.
    pub async fn onboard(&self, slug: &str) -> Onboarded {
        self.service
            .onboard_tenant(&self.operator, onboarding(slug))
            .await
            .unwrap_or_else(|error| panic!("onboarding {slug} failed: {error:?}"))
    }

    /// Onboards a library and has its administrator accept the invitation.
    pub async fn library(&self, slug: &str) -> Library {
        let onboarded = self.onboard(slug).await;
        let admin = self.accept_invitation(&onboarded.admin.email, PASSWORD).await;
        Library { tenant: onboarded.tenant, admin }
    }

    /// Has the library's administrator create an account with `roles` for `email`, and
    /// the person accept the invitation with [`PASSWORD`]; returns their session.
    pub async fn member(&self, library: &Library, email: &str, roles: &[AccountRole]) -> Session {
        self.invite(library, email, roles).await;
        self.accept_invitation(email, PASSWORD).await
    }

    /// Has the library's administrator create an (invited) account for `email`.
    pub async fn invite(&self, library: &Library, email: &str, roles: &[AccountRole]) -> Account {
        let request = CreateAccount {
            email: email.to_string(),
            display_name: format!("Reader {email}"),
            roles: roles.to_vec(),
            tenant_id: None,
            password: None,
        };
        self.service
            .create_account(&library.admin_call(), request)
            .await
            .unwrap_or_else(|error| panic!("creating the account of {email} failed: {error:?}"))
    }

    /// Follows the newest invitation mailed to `email`, choosing `password`.
    pub async fn accept_invitation(&self, email: &str, password: &str) -> Session {
        let token = self.newest_mail(email, "invitation").await.token();
        let request = SetPasswordWithToken { token, password: password.to_string() };
        self.service
            .accept_invitation(&Call::anonymous(), request)
            .await
            .unwrap_or_else(|error| panic!("{email} could not accept the invitation: {error:?}"))
    }

    /// Signs in to the library with slug `tenant`.
    pub async fn sign_in(
        &self,
        tenant: &str,
        email: &str,
        password: &str,
    ) -> Result<Session, ApiError> {
        self.sign_in_from(&Call::anonymous(), tenant, email, password).await
    }

    /// Signs in with the given call (for instance from a client address).
    pub async fn sign_in_from(
        &self,
        call: &Call,
        tenant: &str,
        email: &str,
        password: &str,
    ) -> Result<Session, ApiError> {
        let request = SignIn {
            tenant: tenant.to_string(),
            email: email.to_string(),
            password: password.to_string(),
        };
        self.service.sign_in(call, request).await
    }

    /// Returns the accounts the caller sees in their own library.
    pub async fn accounts_seen_by(&self, call: &Call) -> Result<Vec<Account>, ApiError> {
        let page =
            self.service.list_accounts(call, PageRequest { after: None, first: 100 }).await?;
        Ok(page.accounts)
    }

    /// Returns every message in the outbox, oldest first.
    pub async fn outbox(&self) -> Vec<QueuedMail> {
        let rows: Vec<(String, String, String)> = self
            .db
            .database
            .read(|connection| {
                mail_outbox::table
                    .order(mail_outbox::id.asc())
                    .select((mail_outbox::recipient, mail_outbox::template, mail_outbox::params))
                    .load(connection)
                    .map_err(DbError::Query)
            })
            .await
            .unwrap();
        rows.into_iter()
            .map(|(recipient, template, params)| {
                let params: serde_json::Value = serde_json::from_str(&params).unwrap();
                let link = params
                    .get("link")
                    .and_then(serde_json::Value::as_str)
                    .unwrap_or_default()
                    .to_string();
                QueuedMail { recipient, template, link }
            })
            .collect()
    }

    /// Returns the messages of `template` queued for `recipient`, oldest first.
    pub async fn mail_to(&self, recipient: &str, template: &str) -> Vec<QueuedMail> {
        self.outbox()
            .await
            .into_iter()
            .filter(|mail| mail.recipient == recipient && mail.template == template)
            .collect()
    }

    /// Returns the newest message of `template` queued for `recipient`.
    pub async fn newest_mail(&self, recipient: &str, template: &str) -> QueuedMail {
        self.mail_to(recipient, template)
            .await
            .pop()
            .unwrap_or_else(|| panic!("no {template} mail was queued for {recipient}"))
    }

    /// Moves the expiry of every unused one-time link into the past, as if the person
    /// had waited longer than the link lives.
    pub async fn let_links_expire(&self) {
        use athenaeum_identity::schema::one_time_tokens;
        let past = athenaeum_kernel::now() - chrono::TimeDelta::minutes(1);
        self.db
            .database
            .write(move |connection| {
                diesel::update(one_time_tokens::table.filter(one_time_tokens::used_at.is_null()))
                    .set(one_time_tokens::expires_at.eq(past))
                    .execute(connection)
                    .map_err(DbError::Query)
            })
            .await
            .unwrap();
    }
}
