//! Imports and the catalogue's settings in GraphQL: uploading a MARC file to import or to
//! preview, following a job and reading its problems and (for a preview) its decisions,
//! committing or previewing again, and the item mappings.

use async_graphql::{Context, ID, Object, Result, Upload};
use athenaeum_kernel::ApiError;
use athenaeum_transport::graphql::{Page, cost, page, page_size, to_graphql_error};

use super::{UPLOAD_CHUNK, not_found_as_none, parts};
use crate::api::*;

/// Queries about imports and settings.
#[derive(Debug, Default)]
pub struct ImportQuery;

#[Object]
impl ImportQuery {
    /// The library's MARC imports, newest first. Staff.
    #[graphql(complexity = "cost::page(first, 20, child_complexity)")]
    async fn import_jobs(
        &self,
        context: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
    ) -> Result<Page<ImportJob>> {
        let (api, call) = parts(context)?;
        let answer = api
            .list_imports(call, PageRequest { after, first: page_size(first)? })
            .await
            .map_err(to_graphql_error)?;
        Ok(page(answer.jobs, answer.has_next_page, |job| job.id.0.clone()))
    }

    /// One MARC import and its progress; null when there is none. Staff.
    async fn import_job(&self, context: &Context<'_>, id: ID) -> Result<Option<ImportJob>> {
        let (api, call) = parts(context)?;
        not_found_as_none(api.get_import(call, ById { id: id.0 }).await)
    }

    /// The problems an import met, in file order. Staff.
    #[graphql(complexity = "cost::page(first, 20, child_complexity)")]
    async fn import_problems(
        &self,
        context: &Context<'_>,
        job_id: ID,
        severity: Option<ProblemSeverity>,
        first: Option<i32>,
        after: Option<String>,
    ) -> Result<Page<ImportProblem>> {
        let (api, call) = parts(context)?;
        let answer = api
            .list_import_problems(
                call,
                ListImportProblems {
                    job_id: job_id.0,
                    severity,
                    page: PageRequest { after, first: page_size(first)? },
                },
            )
            .await
            .map_err(to_graphql_error)?;
        Ok(page(answer.problems, answer.has_next_page, |problem| problem.cursor.clone()))
    }

    /// What a preview found each record of its file would become, in file order;
    /// `outcome` narrows it to new, overlaying, skipped or failed records. Staff.
    #[graphql(complexity = "cost::page(first, 20, child_complexity)")]
    async fn import_decisions(
        &self,
        context: &Context<'_>,
        job_id: ID,
        outcome: Option<DecisionOutcome>,
        first: Option<i32>,
        after: Option<String>,
    ) -> Result<Page<ImportDecision>> {
        let (api, call) = parts(context)?;
        let answer = api
            .list_import_decisions(
                call,
                ListImportDecisions {
                    job_id: job_id.0,
                    outcome,
                    page: PageRequest { after, first: page_size(first)? },
                },
            )
            .await
            .map_err(to_graphql_error)?;
        Ok(page(answer.decisions, answer.has_next_page, |decision| decision.cursor.clone()))
    }

    /// The library's catalogue settings. Staff.
    async fn catalogue_settings(&self, context: &Context<'_>) -> Result<CatalogueSettings> {
        let (api, call) = parts(context)?;
        api.get_settings(call, GetSettings {}).await.map_err(to_graphql_error)
    }
}

/// Mutations of imports and settings.
#[derive(Debug, Default)]
pub struct ImportMutation;

#[Object]
impl ImportMutation {
    /// Replaces how embedded holdings fields become items. Admins.
    async fn set_item_mappings(
        &self,
        context: &Context<'_>,
        mappings: Vec<ItemMapping>,
    ) -> Result<CatalogueSettings> {
        let (api, call) = parts(context)?;
        api.set_item_mappings(call, SetItemMappings { item_mappings: mappings })
            .await
            .map_err(to_graphql_error)
    }

    /// Imports a MARC file (ISO 2709 or MARCXML, detected) sent as a multipart upload.
    /// Returns at once with the job; its progress and problems can be read while it runs.
    /// With `preview: true` nothing is written: the job records what each record would
    /// become (`importDecisions`), to be committed (`commitImport`) or previewed again
    /// with other settings (`previewImportAgain`). Staff.
    async fn import_marc(
        &self,
        context: &Context<'_>,
        file: Upload,
        options: Option<ImportOptions>,
        #[graphql(default = false)] preview: bool,
    ) -> Result<ImportJob> {
        let (api, call) = parts(context)?;
        let upload = file.value(context).map_err(|error| {
            to_graphql_error(ApiError::validation(
                "file",
                format!("the uploaded file cannot be read: {error}"),
            ))
        })?;
        let file_name = if upload.filename.trim().is_empty() {
            "upload.marc".to_string()
        } else {
            upload.filename.clone()
        };
        let job = api
            .create_import(
                call,
                CreateImport {
                    file_name,
                    options: options.unwrap_or_default(),
                    mode: if preview { ImportMode::Preview } else { ImportMode::Import },
                },
            )
            .await
            .map_err(to_graphql_error)?;
        let mut reader = upload.into_read();
        let mut offset: i64 = 0;
        loop {
            let (chunk, rest) = tokio::task::spawn_blocking(move || {
                let mut buffer = vec![0; UPLOAD_CHUNK];
                let mut filled = 0;
                while filled < buffer.len() {
                    match std::io::Read::read(&mut reader, &mut buffer[filled..]) {
                        Ok(0) => break,
                        Ok(read) => filled += read,
                        Err(error) if error.kind() == std::io::ErrorKind::Interrupted => {}
                        Err(error) => return Err(error),
                    }
                }
                buffer.truncate(filled);
                Ok((buffer, reader))
            })
            .await
            .map_err(|error| {
                to_graphql_error(ApiError::internal(&format!("upload reader: {error}")))
            })?
            .map_err(|error| {
                to_graphql_error(ApiError::validation(
                    "file",
                    format!("the uploaded file cannot be read: {error}"),
                ))
            })?;
            reader = rest;
            if chunk.is_empty() {
                break;
            }
            let length = i64::try_from(chunk.len()).unwrap_or(i64::MAX);
            api.append_import_data(
                call,
                ImportData { job_id: job.id.0.clone(), offset, data: chunk },
            )
            .await
            .map_err(to_graphql_error)?;
            offset += length;
        }
        api.start_import(call, ById { id: job.id.0 }).await.map_err(to_graphql_error)
    }

    /// Imports the file of a finished preview with the settings it was previewed with.
    /// Records that changed in the catalogue since the preview are matched as they are
    /// now. Staff. `CONFLICT` unless the job is a finished preview.
    async fn commit_import(&self, context: &Context<'_>, id: ID) -> Result<ImportJob> {
        let (api, call) = parts(context)?;
        api.commit_import(call, ById { id: id.0 }).await.map_err(to_graphql_error)
    }

    /// Previews a finished preview's file again with other settings. Staff. `CONFLICT`
    /// unless the job is a finished preview.
    async fn preview_import_again(
        &self,
        context: &Context<'_>,
        id: ID,
        options: ImportOptions,
    ) -> Result<ImportJob> {
        let (api, call) = parts(context)?;
        api.preview_again(call, PreviewAgain { job_id: id.0, options })
            .await
            .map_err(to_graphql_error)
    }
}
