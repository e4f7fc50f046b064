//! Access tokens ended before they expire: disabling an account, changing its roles or
//! its password, signing a session out (or replaying its refresh token) and suspending a
//! library end the tokens already issued at once in identity's own process, and within
//! the refresh period in a process that follows identity's revocation facts. On SQLite
//! and PostgreSQL.
#![expect(clippy::unwrap_used, reason = "a test fails loudly at the first thing that goes wrong")]

#[allow(dead_code, reason = "each test file uses its own part of the shared fixtures")]
mod support;

use std::sync::Arc;
use std::time::{Duration, Instant};

use athenaeum_auth::{AuthConfig, AuthError, RevocationList, TokenVerifier};
use athenaeum_db::DatabaseConfig;
use athenaeum_identity::api::{
    AccountRole, ChangePassword, ListRevocations, PageRequest, RefreshToken, Session,
    SetAccountDisabled, SetAccountRoles, SetTenantStatus, TenantStatus, WhoAmI,
};
use athenaeum_identity::{IdentityApi, follow_revocations};
use athenaeum_kernel::{ApiError, ErrorCode};
use athenaeum_testkit::both_backends;
use athenaeum_transport::{Call, ProcessContext};
use support::{Library, PASSWORD, World, call_with, refused};

const READER: &str = "reader@example.org";
const STAFF: &str = "staff@example.org";

/// Asks who the token's holder is: the simplest operation a token must pass.
async fn me(world: &World, session: &Session) -> Result<(), ApiError> {
    world.service.me(&call_with(&session.access_token), WhoAmI {}).await.map(|_| ())
}

/// Presents a refresh token.
async fn refresh(world: &World, refresh_token: &str) -> Result<Session, ApiError> {
    let request = RefreshToken { refresh_token: refresh_token.to_string() };
    world.service.refresh_session(&Call::anonymous(), request).await
}

/// Lists the library's accounts, which only staff and administrators may.
async fn list_accounts(world: &World, session: &Session) -> Result<(), ApiError> {
    let request = PageRequest { after: None, first: 10 };
    world.service.list_accounts(&call_with(&session.access_token), request).await.map(|_| ())
}

/// Suspends or reactivates a library as the operator.
async fn set_library_status(world: &World, library: &Library, status: TenantStatus) {
    let request = SetTenantStatus { tenant_id: library.tenant.id.clone(), status };
    world.service.set_tenant_status(&world.operator, request).await.unwrap();
}

/// A library with a patron who has accepted their invitation.
async fn library_with_reader(world: &World) -> (Library, Session) {
    let library = world.library("northshire").await;
    let reader = world.member(&library, READER, &[AccountRole::Patron]).await;
    (library, reader)
}

/// Waits up to five seconds for `verify` to refuse, and returns the refusal and how long
/// it took.
async fn refused_within(verify: impl Fn() -> Result<(), AuthError>) -> (AuthError, Duration) {
    let start = Instant::now();
    loop {
        if let Err(error) = verify() {
            return (error, start.elapsed());
        }
        assert!(start.elapsed() < Duration::from_secs(5), "still accepted after five seconds");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

both_backends! {
    async fn disabling_an_account_ends_its_access_tokens_at_once(backend) {
        let world = World::start(backend).await;
        let (library, reader) = library_with_reader(&world).await;
        me(&world, &reader).await.unwrap();

        let request = SetAccountDisabled { account_id: reader.account.id.clone(), disabled: true };
        world.service.set_account_disabled(&library.admin_call(), request).await.unwrap();

        let error = refused(me(&world, &reader).await, ErrorCode::Unauthenticated);
        assert!(error.message.contains("sign in again"), "{error:?}");
        me(&world, &library.admin).await.unwrap();
    }

    async fn signing_out_ends_that_sessions_access_token_and_no_other(backend) {
        let world = World::start(backend).await;
        library_with_reader(&world).await;
        let phone = world.sign_in("northshire", READER, PASSWORD).await.unwrap();
        let laptop = world.sign_in("northshire", READER, PASSWORD).await.unwrap();

        let request = RefreshToken { refresh_token: phone.refresh_token.clone() };
        world.service.sign_out(&Call::anonymous(), request).await.unwrap();

        let error = refused(me(&world, &phone).await, ErrorCode::Unauthenticated);
        assert!(error.message.contains("session was signed out"), "{error:?}");
        me(&world, &laptop).await.unwrap();
    }

    async fn a_demoted_member_of_staff_loses_staff_rights_at_once_and_refreshes_as_a_patron(backend) {
        let world = World::start(backend).await;
        let library = world.library("northshire").await;
        let staff = world.member(&library, STAFF, &[AccountRole::Staff]).await;
        list_accounts(&world, &staff).await.unwrap();

        let demotion = SetAccountRoles { account_id: staff.account.id.clone(), roles: vec![AccountRole::Patron] };
        world.service.set_account_roles(&library.admin_call(), demotion).await.unwrap();

        refused(list_accounts(&world, &staff).await, ErrorCode::Unauthenticated);
        let renewed = refresh(&world, &staff.refresh_token).await.unwrap();
        assert_eq!(renewed.account.roles, [AccountRole::Patron]);
        me(&world, &renewed).await.unwrap();
        refused(list_accounts(&world, &renewed).await, ErrorCode::Forbidden);
    }

    async fn suspending_a_library_forbids_its_peoples_tokens_until_it_is_reactivated(backend) {
        let world = World::start(backend).await;
        let (library, reader) = library_with_reader(&world).await;
        let elsewhere = world.library("southvale").await;

        set_library_status(&world, &library, TenantStatus::Suspended).await;

        let error = refused(me(&world, &reader).await, ErrorCode::Forbidden);
        assert!(error.message.contains("northshire libraries is not in service"), "{error:?}");
        refused(me(&world, &library.admin).await, ErrorCode::Forbidden);
        me(&world, &elsewhere.admin).await.unwrap();
        set_library_status(&world, &library, TenantStatus::Active).await;
        me(&world, &reader).await.unwrap();
    }

    async fn changing_ones_password_signs_the_account_out_everywhere(backend) {
        let world = World::start(backend).await;
        let (_, reader) = library_with_reader(&world).await;
        let laptop = world.sign_in("northshire", READER, PASSWORD).await.unwrap();

        let change = ChangePassword {
            current_password: PASSWORD.into(),
            new_password: "a brand new passphrase".into(),
        };
        world.service.change_password(&call_with(&reader.access_token), change).await.unwrap();

        refused(me(&world, &laptop).await, ErrorCode::Unauthenticated);
        refused(me(&world, &reader).await, ErrorCode::Unauthenticated);
        let again = world.sign_in("northshire", READER, "a brand new passphrase").await.unwrap();
        me(&world, &again).await.unwrap();
    }

    async fn replaying_a_rotated_refresh_token_ends_the_access_tokens_of_its_session(backend) {
        let world = World::start(backend).await;
        library_with_reader(&world).await;
        let stolen = world.sign_in("northshire", READER, PASSWORD).await.unwrap();
        let renewed = refresh(&world, &stolen.refresh_token).await.unwrap();
        let other = world.sign_in("northshire", READER, PASSWORD).await.unwrap();

        refused(refresh(&world, &stolen.refresh_token).await, ErrorCode::Unauthenticated);

        refused(me(&world, &renewed).await, ErrorCode::Unauthenticated);
        me(&world, &other).await.unwrap();
    }

    async fn the_revocation_facts_name_what_was_signed_out_and_suspended_and_nothing_else(backend) {
        let world = World::start(backend).await;
        let (library, reader) = library_with_reader(&world).await;
        let staff = world.member(&library, STAFF, &[AccountRole::Staff]).await;
        let southvale = world.library("southvale").await;
        let facts = world.service.revocations(&Call::anonymous(), ListRevocations {}).await.unwrap();
        assert!(facts.accounts.is_empty() && facts.sessions.is_empty(), "{facts:?}");

        let disabling = SetAccountDisabled { account_id: reader.account.id.clone(), disabled: true };
        world.service.set_account_disabled(&library.admin_call(), disabling).await.unwrap();
        let signing_out = RefreshToken { refresh_token: staff.refresh_token.clone() };
        world.service.sign_out(&Call::anonymous(), signing_out).await.unwrap();
        set_library_status(&world, &southvale, TenantStatus::Suspended).await;

        let facts = world.service.revocations(&Call::anonymous(), ListRevocations {}).await.unwrap();
        let accounts: Vec<(&str, u32)> =
            facts.accounts.iter().map(|account| (account.account_id.as_str(), account.generation)).collect();
        assert_eq!(accounts, [(reader.account.id.as_str(), 1)]);
        assert_eq!(facts.sessions.len(), 2, "the reader's session and the staff member's: {facts:?}");
        let suspended: Vec<&str> = facts.suspended_tenants.iter().map(|tenant| tenant.name.as_str()).collect();
        assert_eq!(suspended, ["southvale libraries"]);
    }

    async fn a_process_following_identity_refuses_a_revoked_token_within_its_refresh_period(backend) {
        let world = World::start(backend).await;
        let (library, reader) = library_with_reader(&world).await;
        let auth = AuthConfig { revocation_refresh_ms: 100, ..AuthConfig::default() };
        let context = ProcessContext {
            database: DatabaseConfig::default(),
            data_dir: std::env::temp_dir(),
            auth: auth.clone(),
            revocations: RevocationList::new(),
        };
        let identity = Arc::clone(&world.service) as Arc<dyn IdentityApi>;
        let parts = follow_revocations(identity, &context).into_parts();
        let (workers, dependencies) = (parts.workers, parts.dependencies);
        let verifier = TokenVerifier::new(world.signing_key.verification_key(), &auth)
            .with_revocations(context.revocations.clone());
        let verify = || verifier.verify(&reader.access_token).map(|_| ());
        assert_eq!(verify(), Err(AuthError::RevocationsUnknown), "nothing is accepted unchecked");
        assert!(dependencies[0].check().await.is_err(), "not ready before the first facts");
        let (stop, stopped) = tokio::sync::watch::channel(false);
        let running: Vec<_> = workers.into_iter().map(|start| start(stopped.clone())).collect();
        let start = Instant::now();
        while dependencies[0].check().await.is_err() {
            assert!(start.elapsed() < Duration::from_secs(5), "the first facts never came");
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        verify().unwrap();

        let request = SetAccountDisabled { account_id: reader.account.id.clone(), disabled: true };
        world.service.set_account_disabled(&library.admin_call(), request).await.unwrap();

        let (error, took) = refused_within(verify).await;
        assert!(matches!(error, AuthError::Revoked(_)), "{error:?}");
        assert!(took < Duration::from_secs(2), "refused only after {took:?}");
        stop.send(true).unwrap();
        for worker in running {
            worker.await.unwrap();
        }
    }
}
