//! Speaking GraphQL over HTTP as any client does, and reading the answers: sessions out
//! of `signIn`, stable error codes out of `errors[].extensions.code`.

use serde_json::{Value, json};

/// The fields every session-returning mutation is asked for (selection depth 3, within
/// the smallest limit the tests configure).
pub const SESSION_FIELDS: &str =
    "accessToken refreshToken account { id tenantId email roles status }";

/// Posts a GraphQL request to `url` (the `/graphql` endpoint) as `application/json` with
/// `Authorization: Bearer <token>` when a token is given, and returns the JSON answer.
///
/// Panics when the answer is not JSON; any HTTP status is accepted.
pub async fn graphql(url: &str, query: &str, variables: Value, token: Option<&str>) -> Value {
    graphql_with(&reqwest::Client::new(), url, query, variables, token).await
}

/// Like [`graphql`], on a given client (which keeps its connections).
pub async fn graphql_with(
    http: &reqwest::Client,
    url: &str,
    query: &str,
    variables: Value,
    token: Option<&str>,
) -> Value {
    let mut request = http
        .post(url)
        .header("Accept", "application/graphql-response+json")
        .json(&json!({ "query": query, "variables": variables }));
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    let response = request.send().await.unwrap_or_else(|error| panic!("POST {url}: {error}"));
    let status = response.status();
    let text = response.text().await.unwrap();
    serde_json::from_str(&text).unwrap_or_else(|error| {
        panic!("POST {url} answered {status} with non-JSON ({error}): {text}")
    })
}

/// Returns the `code` extension of the answer's first error, if it has errors.
pub fn error_code(answer: &Value) -> Option<&str> {
    answer["errors"][0]["extensions"]["code"].as_str()
}

/// Returns the answer's `data`, panicking with the whole answer when it carries errors.
pub fn data(answer: &Value) -> &Value {
    assert!(answer.get("errors").is_none(), "the request failed: {answer:#}");
    &answer["data"]
}

/// A signed-in session, as `signIn`, `acceptInvitation` and `refreshSession` return it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Session {
    /// The bearer token.
    pub access_token: String,
    /// The token for `refreshSession`.
    pub refresh_token: String,
    /// The signed-in account's id.
    pub account_id: String,
    /// Its tenant's id.
    pub tenant_id: String,
    /// Its email address.
    pub email: String,
}

impl Session {
    /// Reads a session from `answer["data"][field]`, panicking with the answer when the
    /// mutation failed.
    pub fn from_answer(answer: &Value, field: &str) -> Session {
        let session = &data(answer)[field];
        let text = |value: &Value| {
            value
                .as_str()
                .unwrap_or_else(|| panic!("{field} lacks a field: {answer:#}"))
                .to_string()
        };
        Session {
            access_token: text(&session["accessToken"]),
            refresh_token: text(&session["refreshToken"]),
            account_id: text(&session["account"]["id"]),
            tenant_id: text(&session["account"]["tenantId"]),
            email: text(&session["account"]["email"]),
        }
    }

    /// Returns the bearer token, for the `token` argument of the helpers.
    pub fn token(&self) -> Option<&str> {
        Some(&self.access_token)
    }
}
