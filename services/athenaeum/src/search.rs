//! `athenaeum reindex`: rebuilds the search index from the catalogue.
//!
//! When no server holds the index, the command rebuilds it itself and exits. When a
//! running server holds it, the command asks that server's search service to rebuild
//! (it keeps answering from the old index meanwhile, then swaps) and follows its
//! progress: in a split deployment on the search process's internal address
//! (`services.search_url`), otherwise through the public GraphQL API as an operator.

use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::Context;
use athenaeum_catalogue::{CatalogueApi, CatalogueClient};
use athenaeum_search::api::{GetIndexStatus, IndexStatus, Rebuild};
use athenaeum_search::{OpenError, SearchApi, SearchClient};
use athenaeum_transport::{Call, RemoteService};
use clap::Args;

use crate::Config;
use crate::app::{self, ServiceName};
use crate::output::{api_failure, write_out};

/// Flags of `reindex`.
#[derive(Debug, Clone, Args)]
pub struct ReindexArgs {
    /// Rebuild only this tenant's records (its slug); default: the whole index.
    #[arg(long)]
    pub tenant: Option<String>,
}

/// Runs `reindex`.
pub async fn reindex(config: &Config, args: ReindexArgs) -> anyhow::Result<()> {
    std::fs::create_dir_all(&config.data.dir)?;
    let (identity, _worker) = app::command_line_identity(config).await?;
    let tenant_id = match &args.tenant {
        Some(slug) => Some(
            identity
                .find_tenant_by_slug(slug)
                .await
                .map_err(api_failure)?
                .with_context(|| format!("no tenant has slug {slug:?}"))?
                .id,
        ),
        None => None,
    };
    let started = Instant::now();
    let catalogue: Arc<dyn CatalogueApi> = if config.services.library_url.is_empty() {
        app::command_line_catalogue(config).await?
    } else {
        let mut parts = athenaeum_transport::ServiceParts::default();
        Arc::new(CatalogueClient::new(app::remote(config, ServiceName::Library, &mut parts)?))
    };
    match athenaeum_search::build(&config.process_context(), &config.search, catalogue).await {
        Ok(search) => {
            let documents = search
                .rebuild_exclusive(tenant_id.as_deref())
                .await
                .map_err(|error| anyhow::anyhow!("{error}"))?;
            let status = search.status().map_err(|error| anyhow::anyhow!("{error}"))?;
            write_out(&format!(
                "Rebuilt {}: {documents} records indexed in {:.1} s; the index holds {} records at change {}.",
                args.tenant.as_deref().map_or_else(
                    || "the search index".to_string(),
                    |slug| format!("library {slug}")
                ),
                started.elapsed().as_secs_f64(),
                status.documents,
                status.position
            ))
        }
        Err(error) if matches!(error.downcast_ref::<OpenError>(), Some(OpenError::Busy(_))) => {
            // A running server holds the index: ask it.
            let call = identity.command_line_call().map_err(api_failure)?;
            let running = RunningSearch::of(config)?;
            running.rebuild(&call, tenant_id).await.with_context(|| {
                format!("asking the running search service at {} to rebuild", running.url())
            })?;
            write_out(&format!(
                "The search service at {} is rebuilding; it keeps answering meanwhile.",
                running.url()
            ))?;
            loop {
                tokio::time::sleep(Duration::from_millis(500)).await;
                let status = running.status(&call).await?;
                if !status.rebuilding {
                    let outcome = status.last_rebuild.unwrap_or_default();
                    write_out(&format!(
                        "{outcome}; the index holds {} records at change {}.",
                        status.documents, status.position
                    ))?;
                    if outcome.starts_with("rebuild failed") {
                        anyhow::bail!("{outcome}");
                    }
                    return Ok(());
                }
            }
        }
        Err(error) => Err(error),
    }
}

/// The running server that holds the index, as the command reaches it: the search
/// process of a split deployment on its internal address (`services.search_url`), or
/// else the all-in-one process, which serves no internal routes, through its public
/// GraphQL API as an operator.
enum RunningSearch {
    /// A search process's internal routes.
    Internal { search: SearchClient, url: String },
    /// The public GraphQL endpoint.
    Public { http: reqwest::Client, url: String },
}

impl RunningSearch {
    fn of(config: &Config) -> anyhow::Result<RunningSearch> {
        let timeout = Duration::from_secs(config.services.timeout_seconds.max(1));
        if !config.services.search_url.is_empty() {
            let url = config.services.search_url.clone();
            let remote = RemoteService::new("search", &url, timeout).map_err(api_failure)?;
            return Ok(RunningSearch::Internal { search: SearchClient::new(remote), url });
        }
        let http = reqwest::Client::builder().timeout(timeout).build()?;
        Ok(RunningSearch::Public { http, url: format!("http://{}/graphql", config.server.listen) })
    }

    fn url(&self) -> &str {
        match self {
            RunningSearch::Internal { url, .. } | RunningSearch::Public { url, .. } => url,
        }
    }

    async fn rebuild(&self, call: &Call, tenant_id: Option<String>) -> anyhow::Result<()> {
        match self {
            RunningSearch::Internal { search, .. } => {
                search.rebuild(call, Rebuild { tenant_id }).await.map_err(api_failure)?;
            }
            RunningSearch::Public { .. } => {
                self.graphql(
                    call,
                    "mutation($tenantId: ID) { rebuildSearchIndex(tenantId: $tenantId) { rebuilding } }",
                    serde_json::json!({ "tenantId": tenant_id }),
                )
                .await?;
            }
        }
        Ok(())
    }

    async fn status(&self, call: &Call) -> anyhow::Result<IndexStatus> {
        match self {
            RunningSearch::Internal { search, .. } => {
                search.index_status(call, GetIndexStatus {}).await.map_err(api_failure)
            }
            RunningSearch::Public { .. } => {
                let data = self
                    .graphql(
                        call,
                        "{ searchIndexStatus { position documents rebuilding last_rebuild: lastRebuild } }",
                        serde_json::json!({}),
                    )
                    .await?;
                Ok(serde_json::from_value(data["searchIndexStatus"].clone())?)
            }
        }
    }

    /// Runs a GraphQL document on the public endpoint with the call's token and returns
    /// its data; fails with the first error's message.
    async fn graphql(
        &self,
        call: &Call,
        query: &str,
        variables: serde_json::Value,
    ) -> anyhow::Result<serde_json::Value> {
        let RunningSearch::Public { http, url } = self else {
            anyhow::bail!("the search service is reached on its internal address");
        };
        let mut request =
            http.post(url).json(&serde_json::json!({ "query": query, "variables": variables }));
        if let Some(token) = &call.token {
            request = request.bearer_auth(token);
        }
        let answer: serde_json::Value = request.send().await?.json().await?;
        if let Some(message) = answer["errors"][0]["message"].as_str() {
            anyhow::bail!("{message}");
        }
        Ok(answer["data"].clone())
    }
}
