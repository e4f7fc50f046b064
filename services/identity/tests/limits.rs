//! Limits an attacker cannot turn on the account's holder: failed sign-ins slow down the
//! client that made them (waits that double, per account and per address) while a right
//! password from a client that has not failed always signs in; the holder is warned by
//! mail; wrong current passwords given to change a password make it wait; reset mail is
//! limited per account and per address. On SQLite and PostgreSQL.
#![expect(clippy::unwrap_used, reason = "a test fails loudly at the first thing that goes wrong")]

#[allow(dead_code, reason = "each test file uses its own part of the shared fixtures")]
mod support;

use std::time::Duration;

use athenaeum_identity::api::{AccountRole, ChangePassword, Done, RequestPasswordReset};
use athenaeum_identity::{IdentityApi, IdentityConfig};
use athenaeum_kernel::{ApiError, ErrorCode};
use athenaeum_testkit::both_backends;
use support::{Library, PASSWORD, World, call_from, call_with, refused, test_config};

const READER: &str = "reader@example.org";
const WRONG_PASSWORD: &str = "a wrong guess!";
const ATTACKER: &str = "203.0.113.7";
const HOLDER: &str = "198.51.100.2";

/// A library with a patron who has accepted their invitation.
async fn library_with_reader(world: &World) -> Library {
    let library = world.library("northshire").await;
    world.member(&library, READER, &[AccountRole::Patron]).await;
    library
}

/// Has the client at `address` fail to sign in as the reader `times` times, each failure
/// answered as a wrong password.
async fn fail_from(world: &World, address: &str, times: u32) {
    for attempt in 1..=times {
        let client = call_from(address);
        let failure = world.sign_in_from(&client, "northshire", READER, WRONG_PASSWORD).await;
        let error = refused(failure, ErrorCode::Unauthenticated);
        assert!(error.retry_after_seconds.is_none(), "attempt {attempt}: {error:?}");
    }
}

/// Asks for a password-reset link for `email` at Northshire from `address`.
async fn ask_for_reset(world: &World, address: &str, email: &str) -> Result<Done, ApiError> {
    let request = RequestPasswordReset { tenant: "northshire".into(), email: email.into() };
    world.service.request_password_reset(&call_from(address), request).await
}

/// The settings of these tests: the defaults, waits starting at one second, with
/// `change` made.
fn limits(change: impl FnOnce(&mut IdentityConfig)) -> IdentityConfig {
    let mut config = IdentityConfig { sign_in_first_wait_seconds: 1, ..test_config() };
    change(&mut config);
    config
}

/// Settings whose first wait is a minute, so that no test outruns it on a slow machine.
fn long_waits() -> IdentityConfig {
    limits(|config| config.sign_in_first_wait_seconds = 60)
}

both_backends! {
    async fn a_right_password_from_a_client_that_has_not_failed_signs_in_while_another_guesses(backend) {
        let world = World::start_with(backend, long_waits()).await;
        library_with_reader(&world).await;
        fail_from(&world, ATTACKER, test_config().sign_in_failures_per_client + 1).await;
        let attacker = call_from(ATTACKER);
        let guessed = world.sign_in_from(&attacker, "northshire", READER, PASSWORD).await;
        refused(guessed, ErrorCode::RateLimited);

        let holder = world.sign_in_from(&call_from(HOLDER), "northshire", READER, PASSWORD).await;

        assert_eq!(holder.unwrap().account.email, READER);
    }

    async fn a_client_that_keeps_failing_waits_longer_after_each_failure_even_with_the_right_password(backend) {
        let config = limits(|config| config.sign_in_failures_per_client = 2);
        let world = World::start_with(backend, config).await;
        library_with_reader(&world).await;
        let attacker = call_from(ATTACKER);
        fail_from(&world, ATTACKER, 3).await;

        let first = world.sign_in_from(&attacker, "northshire", READER, PASSWORD).await;
        tokio::time::sleep(Duration::from_millis(1_100)).await;
        fail_from(&world, ATTACKER, 1).await;
        let second = world.sign_in_from(&attacker, "northshire", READER, PASSWORD).await;

        let first = refused(first, ErrorCode::RateLimited);
        assert_eq!(first.retry_after_seconds, Some(1), "{first:?}");
        assert!(first.message.contains("try again in 1 second"), "{first:?}");
        let second = refused(second, ErrorCode::RateLimited);
        assert_eq!(second.retry_after_seconds, Some(2), "{second:?}");
    }

    async fn a_client_that_failed_signs_in_with_the_right_password_once_it_has_waited(backend) {
        let config = limits(|config| config.sign_in_failures_per_client = 1);
        let world = World::start_with(backend, config).await;
        library_with_reader(&world).await;
        fail_from(&world, ATTACKER, 2).await;
        let attacker = call_from(ATTACKER);
        refused(world.sign_in_from(&attacker, "northshire", READER, PASSWORD).await, ErrorCode::RateLimited);

        tokio::time::sleep(Duration::from_millis(1_100)).await;

        world.sign_in_from(&attacker, "northshire", READER, PASSWORD).await.unwrap();
    }

    async fn failures_on_one_account_leave_the_same_client_able_to_sign_in_to_others(backend) {
        let world = World::start_with(backend, long_waits()).await;
        let library = library_with_reader(&world).await;
        fail_from(&world, ATTACKER, test_config().sign_in_failures_per_client + 1).await;
        let attacker = call_from(ATTACKER);
        refused(world.sign_in_from(&attacker, "northshire", READER, PASSWORD).await, ErrorCode::RateLimited);

        let other = world.sign_in_from(&attacker, "northshire", &library.admin_email(), PASSWORD).await;

        assert_eq!(other.unwrap().account.id, library.admin.account.id);
    }

    async fn guessing_at_one_account_from_many_addresses_makes_each_wait_after_its_first_failure(backend) {
        let config = limits(|config| config.sign_in_failures_per_account = 4);
        let world = World::start_with(backend, config).await;
        library_with_reader(&world).await;
        let botnet: Vec<String> = (1..=9).map(|host| format!("192.0.2.{host}")).collect();
        for address in &botnet {
            fail_from(&world, address, 1).await;
        }

        let again = world.sign_in_from(&call_from(&botnet[0]), "northshire", READER, PASSWORD).await;
        let holder = world.sign_in_from(&call_from(HOLDER), "northshire", READER, PASSWORD).await;

        let again = refused(again, ErrorCode::RateLimited);
        let wait = again.retry_after_seconds.unwrap();
        assert!((10..=16).contains(&wait), "nine failures, four free: 16 s less the time since: {again:?}");
        assert_eq!(holder.unwrap().account.email, READER);
    }

    async fn the_holder_is_warned_by_mail_once_when_their_account_is_guessed_at(backend) {
        let config = limits(|config| config.sign_in_warning_failures = 3);
        let world = World::start_with(backend, config).await;
        library_with_reader(&world).await;
        for host in 1..=5 {
            fail_from(&world, &format!("192.0.2.{host}"), 1).await;
        }
        let attacker = call_from(ATTACKER);
        let nobody =
            world.sign_in_from(&attacker, "northshire", "nobody@example.org", WRONG_PASSWORD).await;
        refused(nobody, ErrorCode::Unauthenticated);

        let warnings: Vec<String> = world
            .outbox()
            .await
            .into_iter()
            .filter(|mail| mail.template == "sign_in_warning")
            .map(|mail| mail.recipient)
            .collect();

        assert_eq!(warnings, [READER]);
    }

    async fn successful_sign_ins_never_count_against_an_address_but_failures_across_accounts_do(backend) {
        let config = limits(|config| config.attempts_per_address = 3);
        let world = World::start_with(backend, config).await;
        library_with_reader(&world).await;
        let shared = call_from(ATTACKER);
        for _ in 0..10 {
            world.sign_in_from(&shared, "northshire", READER, PASSWORD).await.unwrap();
        }
        for guess in ["ann@example.org", "bob@example.org", "cat@example.org"] {
            let failure = world.sign_in_from(&shared, "northshire", guess, WRONG_PASSWORD).await;
            refused(failure, ErrorCode::Unauthenticated);
        }

        let from_sprayer = world.sign_in_from(&shared, "northshire", READER, PASSWORD).await;
        let from_elsewhere = world.sign_in_from(&call_from(HOLDER), "northshire", READER, PASSWORD).await;

        let error = refused(from_sprayer, ErrorCode::RateLimited);
        assert!(error.retry_after_seconds.is_some_and(|wait| wait >= 1), "{error:?}");
        from_elsewhere.unwrap();
    }

    async fn wrong_current_passwords_make_changing_the_password_wait_even_with_the_right_one(backend) {
        let world = World::start_with(backend, long_waits()).await;
        let library = world.library("northshire").await;
        let reader = world.member(&library, READER, &[AccountRole::Patron]).await;
        let stolen = call_with(&reader.access_token);
        let change = |current: &str| ChangePassword {
            current_password: current.to_string(),
            new_password: "a brand new passphrase".to_string(),
        };
        let mut checked = 0;
        for guess in 0..40 {
            match world.service.change_password(&stolen, change(&format!("guess number {guess}"))).await {
                Err(error) if error.code == ErrorCode::Validation => checked += 1,
                Err(error) if error.code == ErrorCode::RateLimited => {}
                other => panic!("guess {guess} was answered {other:?}"),
            }
        }

        let right = world.service.change_password(&stolen, change(PASSWORD)).await;

        assert_eq!(checked, test_config().password_change_failures + 1, "guesses heard of 40");
        let error = refused(right, ErrorCode::RateLimited);
        assert!(error.message.contains("current password"), "{error:?}");
        world.sign_in("northshire", READER, PASSWORD).await.unwrap();
    }

    async fn reset_mail_for_one_account_is_limited_whichever_address_asks(backend) {
        let world = World::start(backend).await;
        library_with_reader(&world).await;
        let mut refusals = Vec::new();
        for host in 1..=50 {
            if let Err(error) = ask_for_reset(&world, &format!("192.0.2.{host}"), READER).await {
                refusals.push(error);
            }
        }

        let mailed = world.mail_to(READER, "password_reset").await.len();

        let allowed = test_config().password_resets_per_account;
        assert_eq!(mailed, allowed as usize);
        assert_eq!(refusals.len(), 50 - allowed as usize);
        let refusal = &refusals[0];
        assert_eq!(refusal.code, ErrorCode::RateLimited, "{refusal:?}");
        assert!(refusal.message.contains("minutes"), "{refusal:?}");
    }

    async fn reset_requests_from_one_address_are_limited_whatever_the_accounts(backend) {
        let world = World::start(backend).await;
        library_with_reader(&world).await;
        let allowed = test_config().password_resets_per_address;
        for person in 0..allowed {
            ask_for_reset(&world, ATTACKER, &format!("person{person}@example.org")).await.unwrap();
        }

        let from_busy = ask_for_reset(&world, ATTACKER, READER).await;
        let from_elsewhere = ask_for_reset(&world, HOLDER, READER).await;

        refused(from_busy, ErrorCode::RateLimited);
        from_elsewhere.unwrap();
        assert_eq!(world.mail_to(READER, "password_reset").await.len(), 1);
    }

    async fn a_reset_for_an_unknown_email_is_limited_exactly_like_one_for_a_known_email(backend) {
        let world = World::start(backend).await;
        library_with_reader(&world).await;
        let allowed = test_config().password_resets_per_account;
        let mut answers = Vec::new();
        for email in [READER, "nobody@example.org"] {
            let mut codes = Vec::new();
            for host in 0..=allowed {
                let answer = ask_for_reset(&world, &format!("192.0.2.{host}"), email).await;
                codes.push(answer.err().map(|error| error.code));
            }
            answers.push(codes);
        }

        assert_eq!(answers[0], answers[1], "the answers must not tell which email has an account");
    }
}
