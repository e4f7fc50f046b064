//! Signing in and staying signed in: invitations, passwords, refresh-token rotation and
//! reuse detection, signing out, disabled accounts and suspended libraries, and access
//! tokens that must be refused, on SQLite and PostgreSQL. The limits on failed sign-ins
//! are in `limits.rs`, tokens ended before they expire in `revocation.rs`.
#![expect(clippy::unwrap_used, reason = "a test fails loudly at the first thing that goes wrong")]

#[allow(dead_code, reason = "each test file uses its own part of the shared fixtures")]
mod support;

use athenaeum_auth::{AccessClaims, AuthConfig, Role, SigningKey, TokenIssuer};
use athenaeum_identity::api::{
    AccountRole, AccountStatus, ChangePassword, CreateAccount, ListMail, MailId, PageRequest,
    RefreshToken, Session, SetAccountDisabled, SetAccountRoles, SetPasswordWithToken,
    SetTenantStatus, TenantStatus, WhoAmI,
};
use athenaeum_identity::{IdentityApi, PLATFORM_TENANT_ID, PLATFORM_TENANT_SLUG};
use athenaeum_kernel::{ApiError, ErrorCode};
use athenaeum_testkit::both_backends;
use athenaeum_transport::Call;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use support::{Library, PASSWORD, World, call_with, onboarding, refused};

const READER: &str = "reader@example.org";
const WRONG_PASSWORD: &str = "a wrong guess!";

/// Presents a refresh token.
async fn refresh(world: &World, refresh_token: &str) -> Result<Session, ApiError> {
    let request = RefreshToken { refresh_token: refresh_token.to_string() };
    world.service.refresh_session(&Call::anonymous(), request).await
}

/// A library with a patron who has accepted their invitation.
async fn library_with_reader(world: &World) -> Library {
    let library = world.library("northshire").await;
    world.member(&library, READER, &[AccountRole::Patron]).await;
    library
}

/// Suspends or reactivates a library as the operator.
async fn set_library_status(world: &World, library: &Library, status: TenantStatus) {
    let request = SetTenantStatus { tenant_id: library.tenant.id.clone(), status };
    world.service.set_tenant_status(&world.operator, request).await.unwrap();
}

/// Has the library's administrator disable an account.
async fn disable(world: &World, library: &Library, account_id: &str) {
    let request = SetAccountDisabled { account_id: account_id.to_string(), disabled: true };
    world.service.set_account_disabled(&library.admin_call(), request).await.unwrap();
}

/// Returns the claims inside a genuine access token.
fn claims_of(access_token: &str) -> AccessClaims {
    let payload = access_token.split('.').nth(1).unwrap();
    serde_json::from_slice(&URL_SAFE_NO_PAD.decode(payload).unwrap()).unwrap()
}

/// Signs claims with `key` as the service would.
fn signed(key: &SigningKey, claims: &AccessClaims) -> String {
    TokenIssuer::new(key.clone(), &AuthConfig::default()).sign(claims).unwrap()
}

fn seconds_since_epoch() -> u64 {
    u64::try_from(chrono::Utc::now().timestamp()).unwrap()
}

/// Asserts that the claims, signed with the service's own key, are accepted: the forged
/// variants of a test then fail for the one thing changed in them.
async fn assert_accepted_when_signed_genuinely(world: &World, claims: &AccessClaims) {
    let genuine = call_with(&signed(&world.signing_key, claims));
    world.service.me(&genuine, WhoAmI {}).await.unwrap();
}

/// Asserts that every operation that needs a signed-in caller refuses `call` as
/// `UNAUTHENTICATED`.
async fn assert_refused_by_every_signed_in_operation(world: &World, call: &Call) {
    let service = &world.service;
    let page = || PageRequest { after: None, first: 10 };
    let some_id = || PLATFORM_TENANT_ID.to_string();
    let new_account = CreateAccount {
        email: "forged@example.org".into(),
        display_name: "Forged".into(),
        roles: vec![AccountRole::Admin],
        tenant_id: None,
        password: None,
    };
    let suspension = SetTenantStatus { tenant_id: some_id(), status: TenantStatus::Suspended };
    let promotion = SetAccountRoles { account_id: some_id(), roles: vec![AccountRole::Admin] };
    let disabling = SetAccountDisabled { account_id: some_id(), disabled: true };
    let change = ChangePassword {
        current_password: PASSWORD.into(),
        new_password: "a brand new passphrase".into(),
    };
    let answers: Vec<(&str, Result<(), ApiError>)> = vec![
        ("me", service.me(call, WhoAmI {}).await.map(|_| ())),
        ("onboard_tenant", service.onboard_tenant(call, onboarding("forged")).await.map(|_| ())),
        ("list_tenants", service.list_tenants(call, page()).await.map(|_| ())),
        ("set_tenant_status", service.set_tenant_status(call, suspension).await.map(|_| ())),
        ("create_account", service.create_account(call, new_account).await.map(|_| ())),
        ("list_accounts", service.list_accounts(call, page()).await.map(|_| ())),
        ("set_account_roles", service.set_account_roles(call, promotion).await.map(|_| ())),
        ("set_account_disabled", service.set_account_disabled(call, disabling).await.map(|_| ())),
        ("change_password", service.change_password(call, change).await.map(|_| ())),
        (
            "list_mail",
            service.list_mail(call, ListMail { status: None, page: page() }).await.map(|_| ()),
        ),
        ("retry_mail", service.retry_mail(call, MailId { mail_id: some_id() }).await.map(|_| ())),
    ];
    for (operation, answer) in answers {
        match answer {
            Err(error) if error.code == ErrorCode::Unauthenticated => {}
            other => panic!("{operation} did not refuse the token as UNAUTHENTICATED: {other:?}"),
        }
    }
}

both_backends! {
    async fn an_invited_person_signs_in_with_their_email_in_any_letter_case(backend) {
        let world = World::start(backend).await;
        let library = world.library("northshire").await;
        let reader = world.member(&library, "Ada.Reader@Example.org", &[AccountRole::Patron]).await;

        let session = world.sign_in("northshire", "  ADA.READER@example.ORG ", PASSWORD).await;

        let session = session.unwrap();
        assert_eq!(session.account.id, reader.account.id);
        assert_eq!(session.account.email, "Ada.Reader@Example.org");
        assert_eq!(session.tenant.id, library.tenant.id);
        let me = world.service.me(&call_with(&session.access_token), WhoAmI {}).await.unwrap();
        assert_eq!(me.account.id, reader.account.id);
    }

    async fn a_wrong_password_and_an_unknown_email_are_refused_alike(backend) {
        let world = World::start(backend).await;
        library_with_reader(&world).await;

        let wrong_password = world.sign_in("northshire", READER, WRONG_PASSWORD).await;
        let unknown_email = world.sign_in("northshire", "nobody@example.org", PASSWORD).await;
        let unknown_library = world.sign_in("nowhere", READER, PASSWORD).await;

        let wrong_password = refused(wrong_password, ErrorCode::Unauthenticated);
        assert_eq!(refused(unknown_email, ErrorCode::Unauthenticated), wrong_password);
        assert_eq!(refused(unknown_library, ErrorCode::Unauthenticated), wrong_password);
    }

    async fn refreshing_a_session_retires_its_refresh_token(backend) {
        let world = World::start(backend).await;
        library_with_reader(&world).await;
        let signed_in = world.sign_in("northshire", READER, PASSWORD).await.unwrap();

        let renewed = refresh(&world, &signed_in.refresh_token).await.unwrap();
        world.service.me(&call_with(&renewed.access_token), WhoAmI {}).await.unwrap();
        let old_again = refresh(&world, &signed_in.refresh_token).await;

        assert_ne!(renewed.refresh_token, signed_in.refresh_token);
        assert_eq!(renewed.account.id, signed_in.account.id);
        refused(old_again, ErrorCode::Unauthenticated);
    }

    async fn reusing_a_rotated_refresh_token_signs_out_its_whole_family(backend) {
        let world = World::start(backend).await;
        library_with_reader(&world).await;
        let signed_in = world.sign_in("northshire", READER, PASSWORD).await.unwrap();
        let renewed = refresh(&world, &signed_in.refresh_token).await.unwrap();
        let newest = refresh(&world, &renewed.refresh_token).await.unwrap();

        let replay = refresh(&world, &signed_in.refresh_token).await;

        refused(replay, ErrorCode::Unauthenticated);
        refused(refresh(&world, &newest.refresh_token).await, ErrorCode::Unauthenticated);
    }

    async fn reusing_a_rotated_refresh_token_leaves_other_sessions_signed_in(backend) {
        let world = World::start(backend).await;
        library_with_reader(&world).await;
        let stolen = world.sign_in("northshire", READER, PASSWORD).await.unwrap();
        let laptop = world.sign_in("northshire", READER, PASSWORD).await.unwrap();
        refresh(&world, &stolen.refresh_token).await.unwrap();

        refused(refresh(&world, &stolen.refresh_token).await, ErrorCode::Unauthenticated);

        let laptop_renewed = refresh(&world, &laptop.refresh_token).await.unwrap();
        assert_eq!(laptop_renewed.account.id, laptop.account.id);
    }

    async fn signing_out_ends_the_session(backend) {
        let world = World::start(backend).await;
        library_with_reader(&world).await;
        let signed_in = world.sign_in("northshire", READER, PASSWORD).await.unwrap();
        let other = world.sign_in("northshire", READER, PASSWORD).await.unwrap();
        let request = RefreshToken { refresh_token: signed_in.refresh_token.clone() };

        world.service.sign_out(&Call::anonymous(), request).await.unwrap();

        refused(refresh(&world, &signed_in.refresh_token).await, ErrorCode::Unauthenticated);
        refresh(&world, &other.refresh_token).await.unwrap();
    }

    async fn a_disabled_account_can_neither_sign_in_nor_refresh(backend) {
        let world = World::start(backend).await;
        let library = world.library("northshire").await;
        let reader = world.member(&library, READER, &[AccountRole::Patron]).await;

        disable(&world, &library, &reader.account.id).await;

        refused(world.sign_in("northshire", READER, PASSWORD).await, ErrorCode::Forbidden);
        refused(refresh(&world, &reader.refresh_token).await, ErrorCode::Unauthenticated);
    }

    async fn an_invitation_to_an_account_disabled_before_acceptance_no_longer_works(backend) {
        let world = World::start(backend).await;
        let library = world.library("northshire").await;
        let invited = world.invite(&library, READER, &[AccountRole::Patron]).await;
        disable(&world, &library, &invited.id).await;
        let token = world.newest_mail(READER, "invitation").await.token();
        let request = SetPasswordWithToken { token, password: PASSWORD.into() };

        let outcome = world.service.accept_invitation(&Call::anonymous(), request).await;

        refused(outcome, ErrorCode::Forbidden);
        refused(world.sign_in("northshire", READER, PASSWORD).await, ErrorCode::Unauthenticated);
        let accounts = world.accounts_seen_by(&library.admin_call()).await.unwrap();
        let account = accounts.iter().find(|account| account.id == invited.id).unwrap();
        assert_eq!(account.status, AccountStatus::Disabled);
    }

    async fn nobody_can_sign_in_to_a_suspended_library(backend) {
        let world = World::start(backend).await;
        let library = library_with_reader(&world).await;
        let reader = world.sign_in("northshire", READER, PASSWORD).await.unwrap();

        set_library_status(&world, &library, TenantStatus::Suspended).await;

        refused(world.sign_in("northshire", READER, PASSWORD).await, ErrorCode::Forbidden);
        let admin = world.sign_in("northshire", &library.admin_email(), PASSWORD).await;
        refused(admin, ErrorCode::Forbidden);
        refused(refresh(&world, &reader.refresh_token).await, ErrorCode::Forbidden);
    }

    async fn sessions_ended_by_a_suspension_stay_ended_after_reactivation(backend) {
        let world = World::start(backend).await;
        let library = library_with_reader(&world).await;
        let reader = world.sign_in("northshire", READER, PASSWORD).await.unwrap();
        set_library_status(&world, &library, TenantStatus::Suspended).await;
        refused(refresh(&world, &reader.refresh_token).await, ErrorCode::Forbidden);

        set_library_status(&world, &library, TenantStatus::Active).await;

        refused(refresh(&world, &reader.refresh_token).await, ErrorCode::Unauthenticated);
        world.sign_in("northshire", READER, PASSWORD).await.unwrap();
    }

    async fn an_invitation_cannot_be_accepted_while_the_library_is_suspended(backend) {
        let world = World::start(backend).await;
        let library = world.library("northshire").await;
        world.invite(&library, READER, &[AccountRole::Patron]).await;
        set_library_status(&world, &library, TenantStatus::Suspended).await;
        let token = world.newest_mail(READER, "invitation").await.token();
        let accept = || SetPasswordWithToken { token: token.clone(), password: PASSWORD.into() };

        let while_suspended = world.service.accept_invitation(&Call::anonymous(), accept()).await;

        refused(while_suspended, ErrorCode::Forbidden);
        // The link was not used up: it works once the library is back in service.
        set_library_status(&world, &library, TenantStatus::Active).await;
        world.service.accept_invitation(&Call::anonymous(), accept()).await.unwrap();
    }

    async fn a_call_without_an_access_token_is_refused_by_every_signed_in_operation(backend) {
        let world = World::start(backend).await;

        assert_refused_by_every_signed_in_operation(&world, &Call::anonymous()).await;
    }

    async fn a_tampered_access_token_is_refused_by_every_signed_in_operation(backend) {
        let world = World::start(backend).await;
        let library = world.library("northshire").await;
        let mut parts: Vec<String> =
            library.admin.access_token.split('.').map(str::to_string).collect();
        let mut promoted = claims_of(&library.admin.access_token);
        assert_accepted_when_signed_genuinely(&world, &promoted).await;
        promoted.roles = vec![Role::Operator];
        promoted.tid = PLATFORM_TENANT_ID.to_string();
        promoted.tsl = PLATFORM_TENANT_SLUG.to_string();
        parts[1] = URL_SAFE_NO_PAD.encode(serde_json::to_vec(&promoted).unwrap());

        assert_refused_by_every_signed_in_operation(&world, &call_with(&parts.join("."))).await;
    }

    async fn an_expired_access_token_is_refused_by_every_signed_in_operation(backend) {
        let world = World::start(backend).await;
        let library = world.library("northshire").await;
        let mut claims = claims_of(&library.admin.access_token);
        assert_accepted_when_signed_genuinely(&world, &claims).await;
        let hour_ago = seconds_since_epoch() - 3_600;
        claims.iat = hour_ago - 900;
        claims.nbf = hour_ago - 900;
        claims.exp = hour_ago;

        let expired = call_with(&signed(&world.signing_key, &claims));

        assert_refused_by_every_signed_in_operation(&world, &expired).await;
    }

    async fn a_token_for_another_audience_is_refused_by_every_signed_in_operation(backend) {
        let world = World::start(backend).await;
        let library = world.library("northshire").await;
        let mut claims = claims_of(&library.admin.access_token);
        assert_accepted_when_signed_genuinely(&world, &claims).await;
        claims.aud = "another-platform".to_string();

        let elsewhere = call_with(&signed(&world.signing_key, &claims));

        assert_refused_by_every_signed_in_operation(&world, &elsewhere).await;
    }

    async fn a_token_from_another_issuer_is_refused_by_every_signed_in_operation(backend) {
        let world = World::start(backend).await;
        let library = world.library("northshire").await;
        let mut claims = claims_of(&library.admin.access_token);
        assert_accepted_when_signed_genuinely(&world, &claims).await;
        claims.iss = "another-platform".to_string();

        let elsewhere = call_with(&signed(&world.signing_key, &claims));

        assert_refused_by_every_signed_in_operation(&world, &elsewhere).await;
    }

    async fn a_token_signed_by_another_key_is_refused_by_every_signed_in_operation(backend) {
        let world = World::start(backend).await;
        let library = world.library("northshire").await;
        let claims = claims_of(&library.admin.access_token);
        assert_accepted_when_signed_genuinely(&world, &claims).await;
        let stranger = SigningKey::generate().unwrap();

        let forged = call_with(&signed(&stranger, &claims));

        assert_refused_by_every_signed_in_operation(&world, &forged).await;
    }

    async fn an_unsigned_alg_none_token_is_refused_by_every_signed_in_operation(backend) {
        let world = World::start(backend).await;
        let library = world.library("northshire").await;
        let claims = claims_of(&library.admin.access_token);
        assert_accepted_when_signed_genuinely(&world, &claims).await;
        let header = URL_SAFE_NO_PAD.encode(br#"{"alg":"none","typ":"JWT"}"#);
        let payload = URL_SAFE_NO_PAD.encode(serde_json::to_vec(&claims).unwrap());

        let unsigned = call_with(&format!("{header}.{payload}."));

        assert_refused_by_every_signed_in_operation(&world, &unsigned).await;
    }
}
