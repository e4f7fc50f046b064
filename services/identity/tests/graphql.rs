//! Identity's GraphQL part as a web page uses it, on SQLite and PostgreSQL: the library
//! directory and a library's profile read without signing in, a refused profile value
//! reported with the input field it concerns in the error's `field` extension, and the
//! mail sent read by operators only.

#![allow(clippy::unwrap_used, clippy::expect_used, reason = "tests fail loudly")]

#[allow(
    dead_code,
    unused_imports,
    reason = "each test file uses its own part of the shared fixtures"
)]
mod support;

use std::sync::Arc;

use async_graphql::{EmptySubscription, Request, Schema, Variables};
use athenaeum_identity::IdentityApi;
use athenaeum_identity::graphql::{IdentityMutation, IdentityQuery};
use athenaeum_testkit::both_backends;
use athenaeum_transport::Call;
use serde_json::{Value, json};
use support::World;

type IdentitySchema = Schema<IdentityQuery, IdentityMutation, EmptySubscription>;

fn schema(world: &World) -> IdentitySchema {
    let api: Arc<dyn IdentityApi> = world.service.clone();
    Schema::build(IdentityQuery, IdentityMutation, EmptySubscription).data(api).finish()
}

/// Executes `query` as `call` and returns the whole answer as JSON.
async fn execute(schema: &IdentitySchema, call: Call, query: &str, variables: Value) -> Value {
    let request = Request::new(query).variables(Variables::from_json(variables)).data(call);
    serde_json::to_value(schema.execute(request).await).unwrap()
}

const DIRECTORY: &str = "query { libraries(first: 10) { nodes { slug name colour phone postalAddress website contactEmail accessibilityEmail } pageInfo { hasNextPage } } }";

const UPDATE: &str = "mutation($input: UpdateLibraryProfile!) { updateLibraryProfile(input: $input) { slug colour accessibilityEmail } }";

both_backends! {
    async fn anyone_reads_the_directory_and_a_library_without_signing_in(backend) {
        let world = World::start(backend).await;
        let york = world.library("york").await;
        let schema = schema(&world);
        let input = json!({ "input": { "colour": "#1d4f91", "postalAddress": "Museum Street\nYork" } });
        let updated = execute(&schema, york.admin_call(), UPDATE, input).await;
        assert_eq!(updated["data"]["updateLibraryProfile"]["colour"], "#1d4f91", "{updated}");

        let directory = execute(&schema, Call::anonymous(), DIRECTORY, json!({})).await;
        assert_eq!(directory["errors"], Value::Null, "{directory}");
        assert_eq!(
            directory["data"]["libraries"]["nodes"],
            json!([{
                "slug": "york",
                "name": "york libraries",
                "colour": "#1d4f91",
                "phone": null,
                "postalAddress": "Museum Street\nYork",
                "website": null,
                "contactEmail": "libraries@york.example",
                "accessibilityEmail": "libraries@york.example",
            }])
        );
        let one = execute(&schema, Call::anonymous(), "query($slug: String!) { library(slug: $slug) { name } }", json!({ "slug": "york" })).await;
        assert_eq!(one["data"]["library"]["name"], "york libraries", "{one}");
        let none = execute(&schema, Call::anonymous(), "query { library(slug: \"nowhere\") { name } }", json!({})).await;
        assert_eq!(none, json!({ "data": { "library": null } }));
    }

    async fn a_refused_profile_value_names_its_input_field_in_the_error_extensions(backend) {
        let world = World::start(backend).await;
        let york = world.library("york").await;
        let schema = schema(&world);

        let answer = execute(&schema, york.admin_call(), UPDATE, json!({ "input": { "colour": "#ffcc00" } })).await;
        assert_eq!(answer["data"], Value::Null, "{answer}");
        let error = &answer["errors"][0];
        assert_eq!(error["extensions"]["code"], "VALIDATION", "{answer}");
        assert_eq!(error["extensions"]["field"], "colour", "{answer}");
        assert!(error["message"].as_str().unwrap().contains("1.51:1"), "{answer}");

        let answer = execute(&schema, york.admin_call(), UPDATE, json!({ "input": { "website": "javascript:alert(1)" } })).await;
        assert_eq!(answer["errors"][0]["extensions"]["field"], "website", "{answer}");
    }

    async fn only_operators_read_the_subject_and_text_of_the_mail_sent(backend) {
        let world = World::start(backend).await;
        let york = world.library("york").await;
        let schema = schema(&world);
        let query = "query { mailOutbox(first: 10) { nodes { id recipient subject textBody } } }";

        let as_operator = execute(&schema, world.operator.clone(), query, json!({})).await;
        assert_eq!(as_operator["errors"], Value::Null, "{as_operator}");
        let id = as_operator["data"]["mailOutbox"]["nodes"][0]["id"].as_str().unwrap().to_string();
        let read = execute(&schema, world.operator.clone(), "query($id: ID!) { mail(id: $id) { id recipient } }", json!({ "id": id })).await;
        assert_eq!(read["data"]["mail"]["id"], id.as_str(), "{read}");

        for call in [york.admin_call(), Call::anonymous()] {
            let listed = execute(&schema, call.clone(), query, json!({})).await;
            assert_eq!(listed["data"], Value::Null, "{listed}");
            let read = execute(&schema, call, "query($id: ID!) { mail(id: $id) { subject textBody } }", json!({ "id": id })).await;
            assert_eq!(read["data"], Value::Null, "{read}");
            let code = read["errors"][0]["extensions"]["code"].as_str().unwrap();
            assert!(code == "FORBIDDEN" || code == "UNAUTHENTICATED", "{read}");
        }
    }
}
