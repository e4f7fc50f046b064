//! Circulation end to end, against the real binary in every topology: an administrator
//! sets up a library over GraphQL, staff lend and take back a copy at the desk, and the
//! patron's loans, the refusal reasons and the routing come back as a client sees them
//! (in split mode, through the library service's internal routes).
#![allow(clippy::unwrap_used, clippy::expect_used, reason = "tests fail loudly")]

use athenaeum_e2e::{Deployment, data, error_code, every_deployment};
use serde_json::{Value, json};

async fn call(
    deployment: &Deployment,
    token: Option<&str>,
    query: &str,
    variables: Value,
) -> Value {
    let answer = deployment.graphql(query, variables, token).await;
    assert!(answer.get("errors").is_none(), "{query}: {answer}");
    answer["data"].clone()
}

every_deployment! {
    async fn staff_lend_and_take_back_a_copy_over_graphql(deployment) {
        let operator = deployment.create_operator().await;
        let north = deployment.onboard_library(&operator, "northshire").await;
        let south = deployment.onboard_library(&operator, "southmoor").await;
        let admin = north.admin.token();
        let branch = call(&deployment, admin, "mutation { saveBranch(input: {code: \"CEN\", name: \"Central Library\"}) { id } }", json!({})).await["saveBranch"]["id"].clone();
        let group = call(&deployment, admin, "mutation { savePatronGroup(input: {code: \"ADULT\", name: \"Adult\"}) { id } }", json!({})).await["savePatronGroup"]["id"].clone();
        let record = call(&deployment, admin, "mutation { createRecord(form: {title: \"Small Island\", author: \"Levy, Andrea\"}) { id } }", json!({})).await["createRecord"]["id"].clone();
        call(&deployment, admin, "mutation($record: ID!, $branch: ID!) { createItem(recordId: $record, input: {barcode: \"B1\", branchId: $branch, callNumber: \"F LEV\"}) { id } }", json!({ "record": record, "branch": branch })).await;
        let patron = call(
            &deployment,
            admin,
            "mutation($input: SavePatron!) { savePatron(input: $input) { id name cards status } }",
            json!({ "input": { "name": "Sam Patel", "email": "sam@example.org", "homeBranchId": branch, "patronGroupId": group, "cards": ["P001"] } }),
        )
        .await["savePatron"]
            .clone();
        assert_eq!(patron["status"], "ACTIVE");

        let lent = call(
            &deployment,
            admin,
            "mutation($branch: ID!) { checkout(input: {patronCard: \"P001\", itemBarcode: \"B1\", branchId: $branch}) {
               loan { id itemBarcode title dueAt renewalsLeft } decision { allowed rule { name isDefault } } } }",
            json!({ "branch": branch }),
        )
        .await;
        let again = call(
            &deployment,
            admin,
            "mutation($branch: ID!) { checkout(input: {patronCard: \"P001\", itemBarcode: \"B1\", branchId: $branch}) {
               loan { id } decision { allowed overridable reasons { code message } } } }",
            json!({ "branch": branch }),
        )
        .await;
        let loans = call(&deployment, admin, "query($patron: ID!) { loans(input: {patronId: $patron}) { loans { itemBarcode title } } }", json!({ "patron": patron["id"] })).await;
        let stranger = deployment.graphql("query($patron: ID!) { patron(id: $patron) { name } }", json!({ "patron": patron["id"] }), south.admin.token()).await;
        let back = call(
            &deployment,
            admin,
            "mutation($branch: ID!) { checkin(input: {itemBarcode: \"B1\", branchId: $branch}) { fine routing { kind instruction } loan { returnedAt } } }",
            json!({ "branch": branch }),
        )
        .await;

        assert_eq!(lent["checkout"]["loan"]["title"], "Small Island");
        assert_eq!(lent["checkout"]["loan"]["renewalsLeft"], 2);
        assert_eq!(lent["checkout"]["decision"]["rule"]["isDefault"], true);
        assert_eq!(again["checkout"]["loan"], Value::Null);
        assert_eq!(again["checkout"]["decision"]["reasons"][0]["message"], "Sam Patel already has item B1 on loan; renew it instead");
        assert_eq!(loans["loans"]["loans"][0]["itemBarcode"], "B1");
        assert_eq!(data(&stranger)["patron"], Value::Null, "another library's administrator finds no such patron");
        assert_eq!(back["checkin"]["routing"]["kind"], "SHELF");
        assert_eq!(back["checkin"]["routing"]["instruction"], "Back to the shelf at F LEV");
        assert!(back["checkin"]["loan"]["returnedAt"].is_string());
        // Circulation is never public.
        let anonymous = deployment.graphql("query { circulationSettings { timeZone } }", json!({}), None).await;
        assert_eq!(error_code(&anonymous), Some("UNAUTHENTICATED"), "{anonymous}");
    }
}
