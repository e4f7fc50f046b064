//! Revocation end to end, against the real binary in both topologies: access tokens
//! already issued stop working within seconds when their session is signed out, their
//! account disabled or given other roles, or their library suspended (in the split
//! topology the gateway, library and search processes learn of it from identity); and a
//! suspended library disappears from union search, autocomplete and its public catalogue
//! until it is reactivated.
#![allow(clippy::unwrap_used, clippy::expect_used, reason = "tests fail loudly")]

use std::collections::BTreeSet;
use std::time::Duration;

use athenaeum_e2e::{
    Deployment, Library, PASSWORD, Session, data, error_code, every_deployment, within,
};
use serde_json::{Value, json};

/// How long a revocation may take to reach every process: the followers re-read the facts
/// every second by default; the rest is slack for a loaded machine.
const REVOCATION_LIMIT: Duration = Duration::from_secs(5);

/// Lists the library's accounts as `session`, which only staff and administrators may;
/// returns the answer.
async fn list_accounts(deployment: &Deployment, session: &Session) -> Value {
    deployment
        .graphql("{ accounts(first: 5) { nodes { email } } }", json!({}), session.token())
        .await
}

/// Asks who `session` is; returns the answer.
async fn me(deployment: &Deployment, session: &Session) -> Value {
    deployment.graphql("{ me { account { email roles } } }", json!({}), session.token()).await
}

/// Waits until `ask` is answered with the error `code`, and says how long it took.
async fn refused_within<F, Fut>(what: &str, code: &str, ask: F) -> Duration
where
    F: Fn() -> Fut,
    Fut: std::future::Future<Output = Value>,
{
    let took =
        within(REVOCATION_LIMIT, what, || async { error_code(&ask().await) == Some(code) }).await;
    eprintln!("{what}: refused ({code}) after {took:?}");
    took
}

/// Runs a mutation as `session`, panicking with the answer when it fails.
async fn change(deployment: &Deployment, session: &Session, mutation: &str, variables: Value) {
    data(&deployment.graphql(mutation, variables, session.token()).await);
}

/// Suspends or reactivates a library as the operator.
async fn set_status(deployment: &Deployment, operator: &Session, library: &Library, status: &str) {
    let mutation = "mutation($id: ID!, $status: TenantStatus!) { setTenantStatus(tenantId: $id, status: $status) { status } }";
    change(deployment, operator, mutation, json!({ "id": library.tenant_id, "status": status }))
        .await;
}

/// Catalogues a record with the simple form as the library's administrator.
async fn catalogue(deployment: &Deployment, library: &Library, title: &str, author: &str) {
    let mutation = "mutation($title: String!, $author: String!) { createRecord(form: {title: $title, author: $author}) { id } }";
    change(deployment, &library.admin, mutation, json!({ "title": title, "author": author })).await;
}

/// The tenants of the works a search of every library finds for `query`.
async fn tenants_found_everywhere(deployment: &Deployment, query: &str) -> BTreeSet<String> {
    let answer = deployment
        .graphql(
            "query($q: String!) { search(query: $q, options: {scope: EVERYWHERE}) { works { tenantIds } } }",
            json!({ "q": query }),
            None,
        )
        .await;
    data(&answer)["search"]["works"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|work| work["tenantIds"].as_array().unwrap().iter())
        .map(|id| id.as_str().unwrap().to_string())
        .collect()
}

/// The suggestions autocomplete makes for `prefix` from every library.
async fn suggested_everywhere(deployment: &Deployment, prefix: &str) -> BTreeSet<String> {
    let answer = deployment
        .graphql(
            "query($p: String!) { autocomplete(prefix: $p, scope: EVERYWHERE) { text } }",
            json!({ "p": prefix }),
            None,
        )
        .await;
    data(&answer)["autocomplete"]
        .as_array()
        .unwrap()
        .iter()
        .map(|suggestion| suggestion["text"].as_str().unwrap().to_lowercase())
        .collect()
}

/// Reads the first records of the public catalogue of the library `slug`; returns the
/// answer.
async fn public_records(deployment: &Deployment, slug: &str) -> Value {
    deployment
        .graphql(
            "query($tenant: String!) { records(tenant: $tenant, first: 5) { nodes { title } } }",
            json!({ "tenant": slug }),
            None,
        )
        .await
}

every_deployment! {
    async fn signing_out_disabling_and_demoting_end_issued_access_tokens_within_seconds(deployment) {
        let operator = deployment.create_operator().await;
        let north = deployment.onboard_library(&operator, "northshire").await;
        let staff = deployment.add_member(&north.admin, "sam.staff@northshire.test", &["STAFF"]).await;
        let patron = deployment.add_member(&north.admin, "pat.patron@northshire.test", &["PATRON"]).await;
        data(&list_accounts(&deployment, &staff).await);

        // Demoted to patron: the staff token issued before stops listing accounts.
        change(
            &deployment,
            &north.admin,
            "mutation($id: ID!) { setAccountRoles(accountId: $id, roles: [PATRON]) { roles } }",
            json!({ "id": staff.account_id }),
        )
        .await;
        refused_within("the demoted staff token at identity", "UNAUTHENTICATED", || list_accounts(&deployment, &staff)).await;
        // A staff write to the catalogue, which in the split topology the gateway and the
        // library process check against the facts they follow from identity.
        refused_within("the demoted staff token at the catalogue", "UNAUTHENTICATED", || {
            deployment.graphql(
                "mutation { createRecord(form: {title: \"Written after the demotion\", author: \"Nobody\"}) { id } }",
                json!({}),
                staff.token(),
            )
        })
        .await;

        // One session signed out: its token ends, the same person's other session does not.
        let phone = Session::from_answer(
            &deployment.sign_in("northshire", "pat.patron@northshire.test", PASSWORD).await,
            "signIn",
        );
        change(
            &deployment,
            &phone,
            "mutation($token: String!) { signOut(refreshToken: $token) }",
            json!({ "token": phone.refresh_token }),
        )
        .await;
        refused_within("the signed-out session's token", "UNAUTHENTICATED", || me(&deployment, &phone)).await;
        data(&me(&deployment, &patron).await);

        // Disabled: every token of the account ends.
        change(
            &deployment,
            &north.admin,
            "mutation($id: ID!) { setAccountDisabled(accountId: $id, disabled: true) { status } }",
            json!({ "id": patron.account_id }),
        )
        .await;
        refused_within("the disabled patron's token at identity", "UNAUTHENTICATED", || me(&deployment, &patron)).await;
        refused_within("the disabled patron's token at the catalogue", "UNAUTHENTICATED", || {
            deployment.graphql("{ records(first: 5) { nodes { title } } }", json!({}), patron.token())
        })
        .await;
        data(&me(&deployment, &north.admin).await);
    }

    async fn a_suspended_library_disappears_from_union_search_autocomplete_and_public_reads_until_reactivated(deployment) {
        let operator = deployment.create_operator().await;
        let north = deployment.onboard_library(&operator, "northshire").await;
        let south = deployment.onboard_library(&operator, "southmoor").await;
        catalogue(&deployment, &north, "Lighthouse keeping for beginners", "Stevenson, Alan").await;
        catalogue(&deployment, &south, "Lighthouses of the southern coast", "Marsh, Ada").await;
        let both = BTreeSet::from([north.tenant_id.clone(), south.tenant_id.clone()]);
        within(Duration::from_secs(10), "both libraries searchable", || async {
            tenants_found_everywhere(&deployment, "lighthouse").await == both
        })
        .await;
        within(Duration::from_secs(10), "both libraries suggested", || async {
            suggested_everywhere(&deployment, "lighth").await.len() == 2
        })
        .await;
        data(&public_records(&deployment, "northshire").await);

        set_status(&deployment, &operator, &north, "SUSPENDED").await;

        let only_south = BTreeSet::from([south.tenant_id.clone()]);
        let took = within(REVOCATION_LIMIT, "north gone from union search", || async {
            tenants_found_everywhere(&deployment, "lighthouse").await == only_south
        })
        .await;
        eprintln!("the suspended library left union search after {took:?}");
        let suggested = suggested_everywhere(&deployment, "lighth").await;
        assert_eq!(
            suggested,
            BTreeSet::from(["lighthouses of the southern coast".to_string()]),
            "autocomplete still suggests the suspended library's records"
        );
        assert_eq!(error_code(&public_records(&deployment, "northshire").await), Some("NOT_FOUND"));
        let public_search = deployment
            .graphql("{ search(query: \"lighthouse\", tenant: \"northshire\") { totalRecords } }", json!({}), None)
            .await;
        assert_eq!(error_code(&public_search), Some("NOT_FOUND"), "{public_search}");
        refused_within("the suspended library's administrator", "FORBIDDEN", || {
            deployment.graphql("{ records(first: 5) { nodes { title } } }", json!({}), north.admin.token())
        })
        .await;
        data(&public_records(&deployment, "southmoor").await);

        set_status(&deployment, &operator, &north, "ACTIVE").await;

        within(REVOCATION_LIMIT, "north back in union search", || async {
            tenants_found_everywhere(&deployment, "lighthouse").await == both
        })
        .await;
        assert_eq!(suggested_everywhere(&deployment, "lighth").await.len(), 2);
        data(&public_records(&deployment, "northshire").await);
        within(REVOCATION_LIMIT, "the administrator's token working again", || async {
            error_code(&me(&deployment, &north.admin).await).is_none()
        })
        .await;
    }
}
