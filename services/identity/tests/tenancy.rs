//! Onboarding a library authority as a tenant, and the walls between tenants: what an
//! administrator, a patron and an operator can see and change, on SQLite and PostgreSQL.
#![expect(clippy::unwrap_used, reason = "a test fails loudly at the first thing that goes wrong")]

#[allow(dead_code, reason = "each test file uses its own part of the shared fixtures")]
mod support;

use athenaeum_identity::IdentityApi;
use athenaeum_identity::api::{
    AccountRole, AccountStatus, CreateAccount, OnboardTenant, PageRequest, SetAccountDisabled,
    SetAccountRoles, SetPasswordWithToken, TenantStatus, WhoAmI,
};
use athenaeum_kernel::ErrorCode;
use athenaeum_testkit::both_backends;
use athenaeum_transport::Call;
use support::{PASSWORD, PUBLIC_URL, World, call_with, onboarding, refused};

both_backends! {
    async fn onboarding_creates_an_active_library_with_an_invited_administrator(backend) {
        let world = World::start(backend).await;

        let onboarded =
            world.service.onboard_tenant(&world.operator, onboarding("northshire")).await.unwrap();

        assert_eq!(onboarded.tenant.slug, "northshire");
        assert_eq!(onboarded.tenant.status, TenantStatus::Active);
        assert_eq!(onboarded.admin.email, "admin@northshire.example");
        assert_eq!(onboarded.admin.tenant_id, onboarded.tenant.id);
        assert_eq!(onboarded.admin.roles, vec![AccountRole::Admin]);
        assert_eq!(onboarded.admin.status, AccountStatus::Invited);
        let tenants = world
            .service
            .list_tenants(&world.operator, PageRequest { after: None, first: 100 })
            .await
            .unwrap();
        assert!(tenants.tenants.contains(&onboarded.tenant), "{tenants:?}");
    }

    async fn onboarding_mails_exactly_one_invitation_to_the_administrator(backend) {
        let world = World::start(backend).await;

        let onboarded =
            world.service.onboard_tenant(&world.operator, onboarding("northshire")).await.unwrap();

        let outbox = world.outbox().await;
        assert_eq!(outbox.len(), 1, "{outbox:?}");
        assert_eq!(outbox[0].recipient, onboarded.admin.email);
        assert_eq!(outbox[0].template, "invitation");
        let expected_start = format!("{PUBLIC_URL}/accept-invitation?token=");
        assert!(outbox[0].link.starts_with(&expected_start), "{}", outbox[0].link);
    }

    async fn the_onboarding_invitation_signs_the_administrator_in_once(backend) {
        let world = World::start(backend).await;
        let onboarded = world.onboard("northshire").await;
        let token = world.newest_mail(&onboarded.admin.email, "invitation").await.token();
        let accept = |password: &str| SetPasswordWithToken {
            token: token.clone(),
            password: password.to_string(),
        };

        let session = world.service.accept_invitation(&Call::anonymous(), accept(PASSWORD)).await;
        let again = world
            .service
            .accept_invitation(&Call::anonymous(), accept("another long passphrase"))
            .await;

        let session = session.unwrap();
        assert_eq!(session.account.id, onboarded.admin.id);
        assert_eq!(session.account.status, AccountStatus::Active);
        assert_eq!(session.tenant.id, onboarded.tenant.id);
        let me = world.service.me(&call_with(&session.access_token), WhoAmI {}).await.unwrap();
        assert_eq!(me.account.id, onboarded.admin.id);
        let error = refused(again, ErrorCode::Validation);
        assert_eq!(error.field.as_deref(), Some("token"));
        // The refused second use did not set its password.
        refused(
            world.sign_in("northshire", &onboarded.admin.email, "another long passphrase").await,
            ErrorCode::Unauthenticated,
        );
        world.sign_in("northshire", &onboarded.admin.email, PASSWORD).await.unwrap();
    }

    async fn only_an_operator_can_onboard_a_library(backend) {
        let world = World::start(backend).await;
        let library = world.library("northshire").await;
        let patron = world.member(&library, "reader@example.org", &[AccountRole::Patron]).await;

        let by_admin =
            world.service.onboard_tenant(&library.admin_call(), onboarding("southshire")).await;
        let by_patron = world
            .service
            .onboard_tenant(&call_with(&patron.access_token), onboarding("southshire"))
            .await;

        refused(by_admin, ErrorCode::Forbidden);
        refused(by_patron, ErrorCode::Forbidden);
        let tenants = world
            .service
            .list_tenants(&world.operator, PageRequest { after: None, first: 100 })
            .await
            .unwrap();
        assert!(tenants.tenants.iter().all(|tenant| tenant.slug != "southshire"), "{tenants:?}");
        assert!(world.mail_to("admin@southshire.example", "invitation").await.is_empty());
    }

    async fn onboarding_a_taken_slug_is_a_conflict_on_the_slug(backend) {
        let world = World::start(backend).await;
        let first = world.onboard("northshire").await;
        let clash = OnboardTenant {
            name: "Another Northshire".into(),
            admin_email: "someone@else.example".into(),
            ..onboarding("northshire")
        };

        let outcome = world.service.onboard_tenant(&world.operator, clash).await;

        let error = refused(outcome, ErrorCode::Conflict);
        assert_eq!(error.field.as_deref(), Some("slug"));
        assert!(error.message.contains("northshire"), "{}", error.message);
        // Nothing of the refused library was kept or mailed.
        assert!(world.mail_to("someone@else.example", "invitation").await.is_empty());
        let tenants = world
            .service
            .list_tenants(&world.operator, PageRequest { after: None, first: 100 })
            .await
            .unwrap();
        let northshires: Vec<_> =
            tenants.tenants.iter().filter(|tenant| tenant.slug == "northshire").collect();
        assert_eq!(northshires, vec![&first.tenant]);
    }

    async fn onboarding_refuses_a_bad_time_zone_slug_or_email_naming_the_field(backend) {
        let world = World::start(backend).await;
        let cases = [
            ("timeZone", OnboardTenant { time_zone: "GMT+1 please".into(), ..onboarding("aa") }),
            ("slug", OnboardTenant { slug: "North Shire".into(), ..onboarding("bb") }),
            ("slug", OnboardTenant { slug: "-north".into(), ..onboarding("cc") }),
            ("slug", OnboardTenant { slug: "platform".into(), ..onboarding("dd") }),
            (
                "contactEmail",
                OnboardTenant { contact_email: "not-an-address".into(), ..onboarding("ee") },
            ),
            (
                "contactEmail",
                OnboardTenant {
                    contact_email: "desk@north@shire.example".into(),
                    ..onboarding("ef")
                },
            ),
            ("adminEmail", OnboardTenant { admin_email: "nobody@".into(), ..onboarding("ff") }),
            (
                "adminEmail",
                OnboardTenant { admin_email: "a@b@c.example".into(), ..onboarding("fg") },
            ),
            (
                "adminEmail",
                OnboardTenant { admin_email: "ad..min@example.org".into(), ..onboarding("fh") },
            ),
            (
                "contactEmail",
                OnboardTenant { contact_email: "desk@-north.example".into(), ..onboarding("fi") },
            ),
        ];

        for (field, request) in cases {
            let shown = format!("{request:?}");
            let outcome = world.service.onboard_tenant(&world.operator, request).await;

            let error = refused(outcome, ErrorCode::Validation);
            assert_eq!(error.field.as_deref(), Some(field), "{shown}: {error:?}");
        }
        assert!(world.outbox().await.is_empty());
    }

    async fn an_administrator_lists_only_the_accounts_of_their_own_library(backend) {
        let world = World::start(backend).await;
        let north = world.library("northshire").await;
        let south = world.library("southshire").await;
        let north_reader =
            world.invite(&north, "reader@north.example", &[AccountRole::Patron]).await;
        let south_reader =
            world.invite(&south, "reader@south.example", &[AccountRole::Patron]).await;

        let seen = world.accounts_seen_by(&north.admin_call()).await.unwrap();

        let mut seen_ids: Vec<&str> = seen.iter().map(|account| account.id.as_str()).collect();
        seen_ids.sort_unstable();
        let mut expected = vec![north.admin.account.id.as_str(), north_reader.id.as_str()];
        expected.sort_unstable();
        assert_eq!(seen_ids, expected);
        assert!(!seen_ids.contains(&south_reader.id.as_str()));
        assert!(!seen_ids.contains(&south.admin.account.id.as_str()));
    }

    async fn an_administrator_cannot_change_the_roles_of_another_librarys_account(backend) {
        let world = World::start(backend).await;
        let north = world.library("northshire").await;
        let south = world.library("southshire").await;
        let south_reader =
            world.invite(&south, "reader@south.example", &[AccountRole::Patron]).await;
        let before = world.accounts_seen_by(&south.admin_call()).await.unwrap();

        let outcome = world
            .service
            .set_account_roles(
                &north.admin_call(),
                SetAccountRoles {
                    account_id: south_reader.id.clone(),
                    roles: vec![AccountRole::Admin],
                },
            )
            .await;

        refused(outcome, ErrorCode::NotFound);
        assert_eq!(world.accounts_seen_by(&south.admin_call()).await.unwrap(), before);
    }

    async fn an_administrator_cannot_disable_another_librarys_account(backend) {
        let world = World::start(backend).await;
        let north = world.library("northshire").await;
        let south = world.library("southshire").await;
        let before = world.accounts_seen_by(&south.admin_call()).await.unwrap();

        let outcome = world
            .service
            .set_account_disabled(
                &north.admin_call(),
                SetAccountDisabled { account_id: south.admin.account.id.clone(), disabled: true },
            )
            .await;

        refused(outcome, ErrorCode::NotFound);
        assert_eq!(world.accounts_seen_by(&south.admin_call()).await.unwrap(), before);
        world.sign_in("southshire", &south.admin_email(), PASSWORD).await.unwrap();
    }

    async fn an_administrator_cannot_create_an_account_in_another_library(backend) {
        let world = World::start(backend).await;
        let north = world.library("northshire").await;
        let south = world.library("southshire").await;
        let before = world.accounts_seen_by(&south.admin_call()).await.unwrap();
        let request = CreateAccount {
            email: "planted@north.example".into(),
            display_name: "Planted".into(),
            roles: vec![AccountRole::Admin],
            tenant_id: Some(south.tenant.id.clone()),
            password: None,
        };

        let outcome = world.service.create_account(&north.admin_call(), request).await;

        refused(outcome, ErrorCode::Forbidden);
        assert_eq!(world.accounts_seen_by(&south.admin_call()).await.unwrap(), before);
        assert!(world.mail_to("planted@north.example", "invitation").await.is_empty());
    }

    async fn a_patron_cannot_list_accounts(backend) {
        let world = World::start(backend).await;
        let library = world.library("northshire").await;
        let patron = world.member(&library, "reader@example.org", &[AccountRole::Patron]).await;

        let outcome = world.accounts_seen_by(&call_with(&patron.access_token)).await;

        refused(outcome, ErrorCode::Forbidden);
    }

    async fn me_returns_the_callers_own_account_and_library(backend) {
        let world = World::start(backend).await;
        let north = world.library("northshire").await;
        let south = world.library("southshire").await;
        let reader = world.member(&north, "reader@example.org", &[AccountRole::Patron]).await;

        let reader_me =
            world.service.me(&call_with(&reader.access_token), WhoAmI {}).await.unwrap();
        let admin_me = world.service.me(&south.admin_call(), WhoAmI {}).await.unwrap();

        assert_eq!(reader_me.account, reader.account);
        assert_eq!(reader_me.tenant, north.tenant);
        assert_eq!(admin_me.account, south.admin.account);
        assert_eq!(admin_me.tenant, south.tenant);
    }

    async fn one_email_holds_independent_accounts_in_two_libraries(backend) {
        let world = World::start(backend).await;
        let north = world.library("northshire").await;
        let south = world.library("southshire").await;
        let email = "reader@example.org";
        world.invite(&north, email, &[AccountRole::Patron]).await;
        let north_reader = world.accept_invitation(email, "northern passphrase").await;
        world.invite(&south, email, &[AccountRole::Staff]).await;
        let south_reader = world.accept_invitation(email, "southern passphrase").await;

        let north_sign_in = world.sign_in("northshire", email, "northern passphrase").await;
        let south_sign_in = world.sign_in("southshire", email, "southern passphrase").await;
        let crossed = world.sign_in("northshire", email, "southern passphrase").await;

        assert_ne!(north_reader.account.id, south_reader.account.id);
        let north_sign_in = north_sign_in.unwrap();
        assert_eq!(north_sign_in.account.id, north_reader.account.id);
        assert_eq!(north_sign_in.tenant.id, north.tenant.id);
        assert_eq!(north_sign_in.account.roles, vec![AccountRole::Patron]);
        let south_sign_in = south_sign_in.unwrap();
        assert_eq!(south_sign_in.account.id, south_reader.account.id);
        assert_eq!(south_sign_in.tenant.id, south.tenant.id);
        assert_eq!(south_sign_in.account.roles, vec![AccountRole::Staff]);
        refused(crossed, ErrorCode::Unauthenticated);
    }
}
