//! `athenaeum reindex`: rebuilds the search index from the catalogue.
//!
//! When no server holds the index, the command rebuilds it itself and exits. When a
//! running server holds it, the command asks that server's search service to rebuild
//! (it keeps answering from the old index meanwhile, then swaps) and follows its
//! progress.

use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::Context;
use athenaeum_catalogue::{CatalogueApi, CatalogueClient};
use athenaeum_search::api::{GetIndexStatus, Rebuild};
use athenaeum_search::{OpenError, SearchApi, SearchClient};
use athenaeum_transport::RemoteService;
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
            let url = if config.services.search_url.is_empty() {
                format!("http://{}", config.server.listen)
            } else {
                config.services.search_url.clone()
            };
            let remote = RemoteService::new(
                "search",
                &url,
                Duration::from_secs(config.services.timeout_seconds.max(1)),
            )
            .map_err(api_failure)?;
            let search: Arc<dyn SearchApi> = Arc::new(SearchClient::new(remote));
            let call = identity.command_line_call().map_err(api_failure)?;
            search.rebuild(&call, Rebuild { tenant_id }).await.map_err(api_failure).with_context(
                || format!("asking the running search service at {url} to rebuild"),
            )?;
            write_out(&format!(
                "The search service at {url} is rebuilding; it keeps answering meanwhile."
            ))?;
            loop {
                tokio::time::sleep(Duration::from_millis(500)).await;
                let status =
                    search.index_status(&call, GetIndexStatus {}).await.map_err(api_failure)?;
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
