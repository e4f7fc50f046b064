//! What people do with the platform, over GraphQL as any client does it, against every
//! deployment: all-in-one and split (gateway and identity as separate processes), each on
//! SQLite and on PostgreSQL.
#![allow(clippy::unwrap_used, clippy::expect_used, reason = "tests fail loudly")]

use athenaeum_e2e::{
    Deployment, Library, PASSWORD, SESSION_FIELDS, Session, admin_email, data, error_code,
    every_deployment,
};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::{Value, json};

const ACCOUNTS: &str = "{ accounts(first: 50) { nodes { id email roles status } } }";

/// Returns the email addresses of the accounts `session` can list, oldest first.
async fn account_emails(deployment: &Deployment, session: &Session) -> Vec<String> {
    let answer = deployment.graphql(ACCOUNTS, json!({}), session.token()).await;
    data(&answer)["accounts"]["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|account| account["email"].as_str().unwrap().to_string())
        .collect()
}

async fn refresh(deployment: &Deployment, refresh_token: &str) -> Value {
    deployment
        .graphql(
            &format!(
                "mutation($token: String!) {{ refreshSession(refreshToken: $token) {{ {SESSION_FIELDS} }} }}"
            ),
            json!({ "token": refresh_token }),
            None,
        )
        .await
}

/// Onboards the library `slug`, its administrator signed in.
async fn library(deployment: &Deployment, slug: &str) -> Library {
    let operator = deployment.create_operator().await;
    deployment.onboard_library(&operator, slug).await
}

every_deployment! {
    async fn an_onboarded_librarys_administrator_accepts_the_mailed_invitation_and_signs_in(deployment) {
        let operator = deployment.create_operator().await;

        let onboarded = deployment.onboard(&operator, "northshire").await;
        assert_eq!(data(&onboarded)["onboardTenant"]["tenant"]["slug"], "northshire");
        assert_eq!(data(&onboarded)["onboardTenant"]["admin"]["status"], "INVITED");

        let invitation = deployment.invitation_to(&admin_email("northshire")).await;
        assert!(invitation.subject.contains("northshire libraries"), "{invitation:?}");
        let link = invitation.link("/accept-invitation?token=").unwrap();
        assert!(
            link.starts_with(&format!("{}/accept-invitation?token=", deployment.url())),
            "the link must lead to the public address {}: {link}",
            deployment.url()
        );
        let page = deployment.http().get(&link).send().await.unwrap();
        assert_eq!(page.status(), 200, "the mailed link must open the invitation page");
        assert!(page.text().await.unwrap().contains("<label for=\"password\">"));
        let accepted = deployment.accept_invitation(&athenaeum_e2e::token_of(&link)).await;
        assert_eq!(data(&accepted)["acceptInvitation"]["account"]["status"], "ACTIVE");

        let signed_in =
            deployment.sign_in("northshire", &admin_email("northshire"), PASSWORD).await;
        let admin = Session::from_answer(&signed_in, "signIn");
        assert_eq!(data(&signed_in)["signIn"]["account"]["roles"], json!(["ADMIN"]));
        let me = deployment
            .graphql("{ me { tenant { slug } account { email } } }", json!({}), admin.token())
            .await;
        assert_eq!(data(&me)["me"]["tenant"]["slug"], "northshire");
    }

    async fn a_staff_member_invited_by_the_administrator_lists_the_librarys_accounts(deployment) {
        let operator = deployment.create_operator().await;
        let library = deployment.onboard_library(&operator, "northshire").await;

        let invited = deployment.invite(&library.admin, "sam@northshire.test", &["STAFF"]).await;
        assert_eq!(data(&invited)["createAccount"]["status"], "INVITED");
        let staff = deployment.accept_invitation_mailed_to("sam@northshire.test").await;

        assert_eq!(
            account_emails(&deployment, &staff).await,
            vec![admin_email("northshire"), "sam@northshire.test".to_string()]
        );
    }

    async fn an_administrator_cannot_see_or_change_another_librarys_accounts(deployment) {
        let operator = deployment.create_operator().await;
        let south = deployment.onboard_library(&operator, "southmoor").await;
        let south_staff =
            deployment.add_member(&south.admin, "sam@southmoor.test", &["STAFF"]).await;
        let north = deployment.onboard_library(&operator, "northshire").await;

        let promoted = deployment
            .graphql(
                "mutation($id: ID!) { setAccountRoles(accountId: $id, roles: [ADMIN]) { id roles } }",
                json!({ "id": south_staff.account_id }),
                north.admin.token(),
            )
            .await;
        assert_eq!(error_code(&promoted), Some("NOT_FOUND"), "{promoted}");
        let disabled = deployment
            .graphql(
                "mutation($id: ID!) { setAccountDisabled(accountId: $id, disabled: true) { id status } }",
                json!({ "id": south_staff.account_id }),
                north.admin.token(),
            )
            .await;
        assert_eq!(error_code(&disabled), Some("NOT_FOUND"), "{disabled}");
        let planted = deployment
            .graphql(
                "mutation($input: CreateAccount!) { createAccount(input: $input) { id } }",
                json!({ "input": {
                    "email": "mole@northshire.test", "displayName": "Mole",
                    "roles": ["ADMIN"], "tenantId": south.tenant_id
                }}),
                north.admin.token(),
            )
            .await;
        assert_eq!(error_code(&planted), Some("FORBIDDEN"), "{planted}");

        assert_eq!(
            account_emails(&deployment, &north.admin).await,
            vec![admin_email("northshire")]
        );
        let south_accounts = deployment.graphql(ACCOUNTS, json!({}), south.admin.token()).await;
        assert_eq!(
            data(&south_accounts)["accounts"]["nodes"][1],
            json!({
                "id": south_staff.account_id,
                "email": "sam@southmoor.test",
                "roles": ["STAFF"],
                "status": "ACTIVE"
            }),
            "the other library's staff account must be untouched"
        );
    }

    async fn a_patron_cannot_list_the_librarys_accounts(deployment) {
        let library = library(&deployment, "northshire").await;
        let patron =
            deployment.add_member(&library.admin, "pat@northshire.test", &["PATRON"]).await;

        let listed = deployment.graphql(ACCOUNTS, json!({}), patron.token()).await;

        assert_eq!(error_code(&listed), Some("FORBIDDEN"), "{listed}");
        assert_eq!(listed["data"], Value::Null, "{listed}");
    }

    async fn a_refresh_token_works_once_and_its_replay_signs_out_every_session_renewed_from_it(deployment) {
        let first = library(&deployment, "northshire").await.admin;
        let elsewhere = Session::from_answer(
            &deployment.sign_in("northshire", &admin_email("northshire"), PASSWORD).await,
            "signIn",
        );

        let renewed = Session::from_answer(
            &refresh(&deployment, &first.refresh_token).await,
            "refreshSession",
        );
        assert_ne!(renewed.refresh_token, first.refresh_token);
        assert_eq!(renewed.account_id, first.account_id);

        let replayed = refresh(&deployment, &first.refresh_token).await;
        assert_eq!(error_code(&replayed), Some("UNAUTHENTICATED"), "{replayed}");
        let after_replay = refresh(&deployment, &renewed.refresh_token).await;
        assert_eq!(
            error_code(&after_replay),
            Some("UNAUTHENTICATED"),
            "the renewed session must be signed out too: {after_replay}"
        );
        let other_session = refresh(&deployment, &elsewhere.refresh_token).await;
        assert_eq!(
            Session::from_answer(&other_session, "refreshSession").account_id,
            first.account_id,
            "a session signed in separately is not part of the replayed family"
        );
    }

    async fn an_access_token_edited_to_claim_the_operator_role_is_refused_with_401(deployment) {
        let admin = library(&deployment, "northshire").await.admin;
        let tampered = with_claims_edited(&admin.access_token, |claims| {
            let roles = claims["roles"].as_array_mut().unwrap();
            let operator = if roles[0].as_str().unwrap().chars().all(|c| c.is_ascii_uppercase()) {
                "OPERATOR"
            } else {
                "operator"
            };
            roles.push(json!(operator));
        });

        let response = deployment
            .http()
            .post(deployment.graphql_url())
            .header("Accept", "application/graphql-response+json")
            .bearer_auth(&tampered)
            .json(&json!({ "query": "{ tenants { nodes { slug } } }" }))
            .send()
            .await
            .unwrap();

        assert_eq!(response.status(), 401);
        let answer: Value = response.json().await.unwrap();
        assert_eq!(error_code(&answer), Some("UNAUTHENTICATED"), "{answer}");
        assert!(answer.get("data").is_none(), "{answer}");
        let honest =
            deployment.graphql("{ me { account { email } } }", json!({}), admin.token()).await;
        assert_eq!(data(&honest)["me"]["account"]["email"], admin_email("northshire"));
    }
}

/// Returns `token` with its claims changed by `edit` and its signature left as it was.
fn with_claims_edited(token: &str, edit: impl FnOnce(&mut Value)) -> String {
    let parts: Vec<&str> = token.split('.').collect();
    assert_eq!(parts.len(), 3, "not a JWT: {token}");
    let mut claims: Value =
        serde_json::from_slice(&URL_SAFE_NO_PAD.decode(parts[1]).unwrap()).unwrap();
    edit(&mut claims);
    let payload = URL_SAFE_NO_PAD.encode(serde_json::to_vec(&claims).unwrap());
    format!("{}.{payload}.{}", parts[0], parts[2])
}
