//! Bad input is refused at the edge with a VALIDATION error that says what and where,
//! instead of being stored and lost later: control characters and fields too long for
//! MARC in records, item text with no limit, negative prices, id lists beyond the cap,
//! page sizes beyond an `Int`. Against the real binary, on both databases.
#![allow(clippy::unwrap_used, clippy::expect_used, reason = "tests fail loudly")]

use athenaeum_e2e::{Deployment, both_backends, data, error_code};
use serde_json::{Value, json};

/// A MARC-in-JSON record whose 245 $a is `title` and which has a 500 $a `note`.
fn marc_json(title: &str, note: &str) -> String {
    json!({
        "leader": "00000nam a2200000 a 4500",
        "fields": [
            { "001": "edge-1" },
            { "245": { "ind1": "1", "ind2": "0", "subfields": [{ "a": title }] } },
            { "500": { "ind1": " ", "ind2": " ", "subfields": [{ "a": note }] } }
        ]
    })
    .to_string()
}

const CREATE_RECORD: &str =
    "mutation($marc: String!) { createRecord(marc: $marc, syntax: MARC_JSON) { id title } }";

/// Returns the first error's message.
fn message(answer: &Value) -> String {
    answer["errors"][0]["message"].as_str().unwrap_or_default().to_string()
}

both_backends! {
    async fn records_and_items_that_marc_or_the_limits_cannot_hold_are_refused_saying_where(backend) {
        let deployment = Deployment::all_in_one(backend).await;
        let operator = deployment.create_operator().await;
        let north = deployment.onboard_library(&operator, "northshire").await;
        let staff = north.admin.token();

        // A record MARC can hold is taken.
        let taken = deployment
            .graphql(CREATE_RECORD, json!({ "marc": marc_json("Moby Dick", "A note.") }), staff)
            .await;
        let record_id = data(&taken)["createRecord"]["id"].as_str().unwrap().to_string();

        // A control character, and a field over ISO 2709's 9,999 bytes, are refused.
        let control = deployment
            .graphql(CREATE_RECORD, json!({ "marc": marc_json("Moby\u{0}Dick", "A note.") }), staff)
            .await;
        assert_eq!(error_code(&control), Some("VALIDATION"), "{control}");
        assert!(message(&control).contains("field 245 $a"), "{control}");
        assert!(message(&control).contains("U+0000"), "{control}");
        let long = deployment
            .graphql(CREATE_RECORD, json!({ "marc": marc_json("Moby Dick", &"x".repeat(12_000)) }), staff)
            .await;
        assert_eq!(error_code(&long), Some("VALIDATION"), "{long}");
        assert!(message(&long).contains("field 500"), "{long}");

        // Item text has limits, and a negative price is refused rather than losing its sign.
        let branch = deployment
            .graphql("mutation { saveBranch(input: {code: \"MAIN\", name: \"Central\"}) { id } }", json!({}), staff)
            .await;
        let branch_id = data(&branch)["saveBranch"]["id"].as_str().unwrap().to_string();
        let create_item = "mutation($record: ID!, $input: ItemInput!) { createItem(recordId: $record, input: $input) { id price staffNote } }";
        let item = |extra: Value| {
            let mut input = json!({ "barcode": "3999001", "branchId": branch_id });
            input.as_object_mut().unwrap().extend(extra.as_object().unwrap().clone());
            json!({ "record": record_id, "input": input })
        };
        for (field, extra) in [
            ("staffNote", json!({ "staffNote": "n".repeat(500_000) })),
            ("callNumber", json!({ "callNumber": "9".repeat(100_000) })),
            ("price", json!({ "price": "-12.50" })),
        ] {
            let refused = deployment.graphql(create_item, item(extra), staff).await;
            assert_eq!(error_code(&refused), Some("VALIDATION"), "{field}: {refused}");
            assert!(message(&refused).contains(field), "{field}: {refused}");
        }
        let kept = deployment.graphql(create_item, item(json!({ "price": "12.50", "staffNote": "rebound" })), staff).await;
        assert_eq!(data(&kept)["createItem"]["price"], "12.50", "{kept}");

        // Too many ids, or a page size beyond an Int, is the caller's mistake.
        let ids: Vec<String> = (0..40_000).map(|number| format!("id-{number}")).collect();
        let many = deployment
            .graphql("query($ids: [ID!]) { records(first: 10, filter: {ids: $ids}) { nodes { id } } }", json!({ "ids": ids }), staff)
            .await;
        assert_eq!(error_code(&many), Some("VALIDATION"), "{}", message(&many));
        let huge = deployment.graphql("{ records(first: 2147483648) { nodes { id } } }", json!({}), staff).await;
        assert_eq!(error_code(&huge), Some("VALIDATION"), "{huge}");

        // An export asked for a Unicode form it does not know is refused before it starts.
        let export = |query: &'static str| {
            deployment
                .http()
                .get(format!("{}/export/marc?{query}", deployment.url()))
                .bearer_auth(staff.unwrap())
                .send()
        };
        let unknown = export("syntax=iso2709&normalization=nfkc").await.unwrap();
        assert_eq!(unknown.status(), 400);
        assert!(unknown.text().await.unwrap().contains("normalization"));
        let composed = export("syntax=marcxml&normalization=nfc").await.unwrap();
        assert_eq!(composed.status(), 200);
        assert!(composed.text().await.unwrap().contains("Moby Dick"));

        // Nothing refused was stored: the catalogue holds the one good record.
        let all = deployment.graphql("{ records(first: 10) { nodes { id title } } }", json!({}), staff).await;
        let nodes = data(&all)["records"]["nodes"].as_array().unwrap().clone();
        assert_eq!(nodes.len(), 1, "{all}");
        assert_eq!(nodes[0]["title"], "Moby Dick");
    }
}
