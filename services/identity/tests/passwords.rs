//! Passwords and emailed links: asking for a reset, using the link once, links that
//! expire or are replaced, changing a password, and confirming an email address, on
//! SQLite and PostgreSQL.
#![expect(clippy::unwrap_used, reason = "a test fails loudly at the first thing that goes wrong")]

#[allow(dead_code, reason = "each test file uses its own part of the shared fixtures")]
mod support;

use athenaeum_identity::IdentityApi;
use athenaeum_identity::api::{
    AccountRole, AccountStatus, ChangePassword, CreateAccount, Done, OneTimeToken, RefreshToken,
    RequestPasswordReset, SetPasswordWithToken, WhoAmI,
};
use athenaeum_kernel::{ApiError, ErrorCode};
use athenaeum_testkit::both_backends;
use athenaeum_transport::Call;
use support::{Library, PASSWORD, PUBLIC_URL, World, call_with, refused};

const READER: &str = "reader@example.org";
const NEW_PASSWORD: &str = "a brand new passphrase";

/// A library with a patron who has accepted their invitation.
async fn library_with_reader(world: &World) -> Library {
    let library = world.library("northshire").await;
    world.member(&library, READER, &[AccountRole::Patron]).await;
    library
}

/// Asks for a password-reset link for `email` at Northshire.
async fn ask_for_reset(world: &World, email: &str) -> Result<Done, ApiError> {
    let request = RequestPasswordReset { tenant: "northshire".into(), email: email.into() };
    world.service.request_password_reset(&Call::anonymous(), request).await
}

/// Follows a reset link, choosing `password`.
async fn reset(world: &World, token: &str, password: &str) -> Result<Done, ApiError> {
    let request = SetPasswordWithToken { token: token.into(), password: password.into() };
    world.service.reset_password(&Call::anonymous(), request).await
}

/// Returns the token of the newest reset link mailed to `email`.
async fn newest_reset_token(world: &World, email: &str) -> String {
    world.newest_mail(email, "password_reset").await.token()
}

/// Asserts that the link was refused as used up or expired, and says so on `token`.
#[track_caller]
fn assert_link_refused<T: std::fmt::Debug>(outcome: Result<T, ApiError>) {
    let error = refused(outcome, ErrorCode::Validation);
    assert_eq!(error.field.as_deref(), Some("token"), "{error:?}");
}

both_backends! {
    async fn asking_for_a_reset_mails_one_link_to_the_account(backend) {
        let world = World::start(backend).await;
        library_with_reader(&world).await;
        let before = world.outbox().await.len();

        let answer = ask_for_reset(&world, "Reader@Example.org").await;

        assert_eq!(answer.unwrap(), Done {});
        let outbox = world.outbox().await;
        assert_eq!(outbox.len(), before + 1, "{outbox:?}");
        let mail = outbox.last().unwrap();
        assert_eq!(mail.recipient, READER);
        assert_eq!(mail.template, "password_reset");
        let expected_start = format!("{PUBLIC_URL}/reset-password?token=");
        assert!(mail.link.starts_with(&expected_start), "{}", mail.link);
    }

    async fn asking_for_a_reset_of_an_unknown_email_answers_the_same_and_mails_nothing(backend) {
        let world = World::start(backend).await;
        library_with_reader(&world).await;
        let before = world.outbox().await;
        let known = ask_for_reset(&world, READER).await.unwrap();
        let after_known = world.outbox().await;

        let unknown = ask_for_reset(&world, "nobody@example.org").await;

        assert_eq!(unknown.unwrap(), known);
        assert_eq!(after_known.len(), before.len() + 1);
        assert_eq!(world.outbox().await, after_known);
    }

    async fn a_reset_link_sets_a_new_password_once(backend) {
        let world = World::start(backend).await;
        library_with_reader(&world).await;
        ask_for_reset(&world, READER).await.unwrap();
        let token = newest_reset_token(&world, READER).await;

        let first = reset(&world, &token, NEW_PASSWORD).await;
        let second = reset(&world, &token, "yet another passphrase").await;

        first.unwrap();
        assert_link_refused(second);
        world.sign_in("northshire", READER, NEW_PASSWORD).await.unwrap();
        refused(world.sign_in("northshire", READER, PASSWORD).await, ErrorCode::Unauthenticated);
        refused(
            world.sign_in("northshire", READER, "yet another passphrase").await,
            ErrorCode::Unauthenticated,
        );
    }

    async fn a_reset_that_activates_an_invited_account_retires_its_invitation(backend) {
        let world = World::start(backend).await;
        let library = world.library("northshire").await;
        world.invite(&library, READER, &[AccountRole::Patron]).await;
        let invitation = world.newest_mail(READER, "invitation").await.token();
        ask_for_reset(&world, READER).await.unwrap();

        reset(&world, &newest_reset_token(&world, READER).await, NEW_PASSWORD).await.unwrap();

        let accept = SetPasswordWithToken { token: invitation, password: "somebody else's passphrase".into() };
        assert_link_refused(world.service.accept_invitation(&Call::anonymous(), accept).await);
        world.sign_in("northshire", READER, NEW_PASSWORD).await.unwrap();
    }

    async fn an_expired_reset_link_is_refused(backend) {
        let world = World::start(backend).await;
        library_with_reader(&world).await;
        ask_for_reset(&world, READER).await.unwrap();
        let token = newest_reset_token(&world, READER).await;
        world.let_links_expire().await;

        let outcome = reset(&world, &token, NEW_PASSWORD).await;

        assert_link_refused(outcome);
        world.sign_in("northshire", READER, PASSWORD).await.unwrap();
    }

    async fn asking_again_retires_the_previous_reset_link(backend) {
        let world = World::start(backend).await;
        library_with_reader(&world).await;
        ask_for_reset(&world, READER).await.unwrap();
        let first_token = newest_reset_token(&world, READER).await;
        ask_for_reset(&world, READER).await.unwrap();
        let second_token = newest_reset_token(&world, READER).await;

        let with_first = reset(&world, &first_token, NEW_PASSWORD).await;
        let with_second = reset(&world, &second_token, NEW_PASSWORD).await;

        assert_ne!(first_token, second_token);
        assert_link_refused(with_first);
        with_second.unwrap();
        world.sign_in("northshire", READER, NEW_PASSWORD).await.unwrap();
    }

    async fn resetting_the_password_signs_out_every_session(backend) {
        let world = World::start(backend).await;
        library_with_reader(&world).await;
        let phone = world.sign_in("northshire", READER, PASSWORD).await.unwrap();
        let laptop = world.sign_in("northshire", READER, PASSWORD).await.unwrap();
        ask_for_reset(&world, READER).await.unwrap();
        let token = newest_reset_token(&world, READER).await;

        reset(&world, &token, NEW_PASSWORD).await.unwrap();

        for session in [phone, laptop] {
            let request = RefreshToken { refresh_token: session.refresh_token };
            let outcome = world.service.refresh_session(&Call::anonymous(), request).await;
            refused(outcome, ErrorCode::Unauthenticated);
        }
    }

    async fn a_too_short_new_password_is_refused_without_using_up_the_link(backend) {
        let world = World::start(backend).await;
        library_with_reader(&world).await;
        ask_for_reset(&world, READER).await.unwrap();
        let token = newest_reset_token(&world, READER).await;

        let too_short = reset(&world, &token, "short").await;

        let error = refused(too_short, ErrorCode::Validation);
        assert_eq!(error.field.as_deref(), Some("password"), "{error:?}");
        world.sign_in("northshire", READER, PASSWORD).await.unwrap();
        reset(&world, &token, NEW_PASSWORD).await.unwrap();
        world.sign_in("northshire", READER, NEW_PASSWORD).await.unwrap();
    }

    async fn changing_the_password_requires_the_current_one(backend) {
        let world = World::start(backend).await;
        let library = world.library("northshire").await;
        let reader = world.member(&library, READER, &[AccountRole::Patron]).await;
        let change = |current: &str| ChangePassword {
            current_password: current.into(),
            new_password: NEW_PASSWORD.into(),
        };
        let call = call_with(&reader.access_token);

        let with_wrong_current =
            world.service.change_password(&call, change("not my password")).await;

        let error = refused(with_wrong_current, ErrorCode::Validation);
        assert_eq!(error.field.as_deref(), Some("currentPassword"), "{error:?}");
        world.sign_in("northshire", READER, PASSWORD).await.unwrap();
        refused(
            world.sign_in("northshire", READER, NEW_PASSWORD).await,
            ErrorCode::Unauthenticated,
        );
        world.service.change_password(&call, change(PASSWORD)).await.unwrap();
        world.sign_in("northshire", READER, NEW_PASSWORD).await.unwrap();
        refused(world.sign_in("northshire", READER, PASSWORD).await, ErrorCode::Unauthenticated);
    }

    async fn the_email_verification_link_confirms_the_address_once(backend) {
        let world = World::start(backend).await;
        let library = world.library("northshire").await;
        let request = CreateAccount {
            email: READER.into(),
            display_name: "Reader".into(),
            roles: vec![AccountRole::Patron],
            tenant_id: Some(library.tenant.id.clone()),
            password: Some(PASSWORD.into()),
        };
        let created = world.service.create_account(&world.operator, request).await.unwrap();
        assert_eq!(created.status, AccountStatus::Active);
        assert!(!created.email_verified);
        let mail = world.newest_mail(READER, "email_verification").await;
        let expected_start = format!("{PUBLIC_URL}/verify-email?token=");
        assert!(mail.link.starts_with(&expected_start), "{}", mail.link);
        let verify = || OneTimeToken { token: mail.token() };

        let first = world.service.verify_email(&Call::anonymous(), verify()).await;
        let second = world.service.verify_email(&Call::anonymous(), verify()).await;

        let verified = first.unwrap();
        assert_eq!(verified.id, created.id);
        assert!(verified.email_verified);
        assert_link_refused(second);
        let signed_in = world.sign_in("northshire", READER, PASSWORD).await.unwrap();
        let me = world.service.me(&call_with(&signed_in.access_token), WhoAmI {}).await.unwrap();
        assert!(me.account.email_verified);
    }
}
