//! Requests over loopback to the application a benchmark runs: an HTTP client that goes
//! to the server directly, and GraphQL requests through it.

use std::time::Duration;

use serde_json::{Value, json};

/// Returns an HTTP client that ignores proxy settings and gives up on a request after
/// `timeout`. Each client keeps its own keep-alive connections.
pub fn http_client(timeout: Duration) -> reqwest::Client {
    reqwest::Client::builder().no_proxy().timeout(timeout).build().expect("an HTTP client builds")
}

/// Posts a GraphQL request to `<base>/graphql`, with `token` as bearer when given, and
/// returns its `data`, or the first error's message.
pub async fn graphql(
    http: &reqwest::Client,
    base: &str,
    query: &str,
    variables: Value,
    token: Option<&str>,
) -> Result<Value, String> {
    let mut request = http
        .post(format!("{base}/graphql"))
        .json(&json!({ "query": query, "variables": variables }));
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    let response = request.send().await.map_err(|error| error.to_string())?;
    let status = response.status();
    let mut body: Value = response.json().await.map_err(|error| error.to_string())?;
    if let Some(error) = body["errors"].get(0) {
        return Err(format!("{status}: {}", error["message"]));
    }
    if !status.is_success() {
        return Err(format!("{status}: {body}"));
    }
    Ok(body["data"].take())
}
