//! The catalogue's part of the public GraphQL schema. Resolvers only translate: every
//! rule lives behind `CatalogueApi`, which verifies the caller's token itself.
//!
//! Readers who are not signed in name the library with `tenant: "slug"`; signed-in
//! callers always read their own library.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use async_graphql::dataloader::{DataLoader, Loader};
use async_graphql::{Context, ID, Object, Result, SimpleObject, Upload};
use athenaeum_kernel::ApiError;
use athenaeum_marc::describe::Description;
use athenaeum_transport::Call;
use athenaeum_transport::graphql::{
    Page, page, page_size, public_tenant, request_call, to_graphql_error,
};

use crate::api::*;
use crate::domain::format_price;

/// Bytes per chunk when an uploaded file is handed to the catalogue.
const UPLOAD_CHUNK: usize = 4 << 20;

fn parts<'ctx>(context: &Context<'ctx>) -> Result<(&'ctx Arc<dyn CatalogueApi>, &'ctx Call)> {
    let api = context.data::<Arc<dyn CatalogueApi>>()?;
    Ok((api, request_call(context)?))
}

/// Look-ups one request makes many of, batched: a page of records asks for their
/// availability in one call, items for their records in one call, and the branch names
/// once. Made per request by the gateway (they carry the caller's call), so nothing is
/// cached across requests or tenants.
pub struct CatalogueLoaders {
    availability: DataLoader<AvailabilityLoader>,
    records: DataLoader<RecordLoader>,
    branches: DataLoader<BranchLoader>,
}

impl CatalogueLoaders {
    /// Creates the loaders of one request.
    pub fn new(api: Arc<dyn CatalogueApi>, call: Call) -> CatalogueLoaders {
        CatalogueLoaders {
            availability: DataLoader::new(
                AvailabilityLoader { api: Arc::clone(&api), call: call.clone() },
                tokio::spawn,
            ),
            records: DataLoader::new(
                RecordLoader { api: Arc::clone(&api), call: call.clone() },
                tokio::spawn,
            ),
            branches: DataLoader::new(BranchLoader { api, call }, tokio::spawn),
        }
    }
}

fn loaders<'ctx>(context: &Context<'ctx>) -> Result<&'ctx CatalogueLoaders> {
    context.data::<CatalogueLoaders>().map_err(|_| {
        to_graphql_error(ApiError::new(
            athenaeum_kernel::ErrorCode::Internal,
            "catalogue loaders missing from the request",
        ))
    })
}

/// A look-up key: the tenant an anonymous reader named (none for a signed-in caller), and
/// an id.
type Scoped = (Option<String>, String);

/// Groups keys by the tenant they are read in.
fn by_tenant(keys: &[Scoped]) -> BTreeMap<Option<String>, Vec<String>> {
    let mut grouped: BTreeMap<Option<String>, Vec<String>> = BTreeMap::new();
    for (tenant, id) in keys {
        grouped.entry(tenant.clone()).or_default().push(id.clone());
    }
    grouped
}

struct AvailabilityLoader {
    api: Arc<dyn CatalogueApi>,
    call: Call,
}

impl Loader<Scoped> for AvailabilityLoader {
    type Value = Vec<BranchAvailability>;
    type Error = ApiError;

    async fn load(&self, keys: &[Scoped]) -> Result<HashMap<Scoped, Self::Value>, ApiError> {
        let mut found = HashMap::new();
        for (tenant, ids) in by_tenant(keys) {
            for chunk in ids.chunks(500) {
                let request = GetAvailability {
                    public_tenant_id: tenant.clone(),
                    record_ids: chunk.to_vec(),
                };
                for record in self.api.get_availability(&self.call, request).await?.records {
                    found.insert((tenant.clone(), record.record_id), record.branches);
                }
            }
        }
        Ok(found)
    }
}

struct RecordLoader {
    api: Arc<dyn CatalogueApi>,
    call: Call,
}

impl Loader<Scoped> for RecordLoader {
    type Value = CatalogueRecord;
    type Error = ApiError;

    async fn load(&self, keys: &[Scoped]) -> Result<HashMap<Scoped, Self::Value>, ApiError> {
        let mut found = HashMap::new();
        for (tenant, ids) in by_tenant(keys) {
            for chunk in ids.chunks(500) {
                let request = GetRecords { public_tenant_id: tenant.clone(), ids: chunk.to_vec() };
                for record in self.api.get_records(&self.call, request).await?.records {
                    found.insert((tenant.clone(), record.id.clone()), record);
                }
            }
        }
        Ok(found)
    }
}

struct BranchLoader {
    api: Arc<dyn CatalogueApi>,
    call: Call,
}

impl Loader<Option<String>> for BranchLoader {
    type Value = Vec<Branch>;
    type Error = ApiError;

    async fn load(
        &self,
        keys: &[Option<String>],
    ) -> Result<HashMap<Option<String>, Self::Value>, ApiError> {
        let mut found = HashMap::new();
        for tenant in keys {
            let mut branches = Vec::new();
            let mut after = None;
            loop {
                let request = ListBranches {
                    public_tenant_id: tenant.clone(),
                    page: PageRequest { after, first: 100 },
                };
                let page = self.api.list_branches(&self.call, request).await?;
                after = page.branches.last().map(|branch| branch.code.clone());
                branches.extend(page.branches);
                if !page.has_next_page {
                    break;
                }
            }
            found.insert(tenant.clone(), branches);
        }
        Ok(found)
    }
}

fn not_found_as_none<T>(outcome: Result<T, ApiError>) -> Result<Option<T>> {
    match outcome {
        Ok(value) => Ok(Some(value)),
        Err(error) if error.code == athenaeum_kernel::ErrorCode::NotFound => Ok(None),
        Err(error) => Err(to_graphql_error(error)),
    }
}

/// The catalogue's queries.
#[derive(Debug, Default)]
pub struct CatalogueQuery;

#[Object]
impl CatalogueQuery {
    /// The library's branches with their shelving locations, by code. `tenant` (a slug)
    /// names the library for readers who are not signed in.
    async fn branches(
        &self,
        context: &Context<'_>,
        tenant: Option<String>,
        first: Option<i32>,
        after: Option<String>,
    ) -> Result<Page<Branch>> {
        let (api, call) = parts(context)?;
        let public_tenant_id = public_tenant(context, tenant.as_deref()).await?;
        let answer = api
            .list_branches(
                call,
                ListBranches {
                    public_tenant_id,
                    page: PageRequest { after, first: page_size(first)? },
                },
            )
            .await
            .map_err(to_graphql_error)?;
        Ok(page(answer.branches, answer.has_next_page, |branch| branch.code.clone()))
    }

    /// The terms of a list (material types or loan types), by code.
    async fn terms(
        &self,
        context: &Context<'_>,
        vocabulary: Vocabulary,
        tenant: Option<String>,
        first: Option<i32>,
        after: Option<String>,
    ) -> Result<Page<Term>> {
        let (api, call) = parts(context)?;
        let public_tenant_id = public_tenant(context, tenant.as_deref()).await?;
        let answer = api
            .list_terms(
                call,
                ListTerms {
                    public_tenant_id,
                    vocabulary,
                    page: PageRequest { after, first: page_size(first)? },
                },
            )
            .await
            .map_err(to_graphql_error)?;
        Ok(page(answer.terms, answer.has_next_page, |term| term.code.clone()))
    }

    /// A catalogue record by id; null when the library has none with that id.
    async fn record(
        &self,
        context: &Context<'_>,
        id: ID,
        tenant: Option<String>,
    ) -> Result<Option<RecordNode>> {
        let (api, call) = parts(context)?;
        let public_tenant_id = public_tenant(context, tenant.as_deref()).await?;
        let found = not_found_as_none(
            api.get_record(
                call,
                GetRecord { public_tenant_id: public_tenant_id.clone(), id: id.0 },
            )
            .await,
        )?;
        Ok(found.map(|record| RecordNode { record, public_tenant_id }))
    }

    /// Catalogue records, oldest first.
    async fn records(
        &self,
        context: &Context<'_>,
        filter: Option<RecordFilter>,
        tenant: Option<String>,
        first: Option<i32>,
        after: Option<String>,
    ) -> Result<Page<RecordNode>> {
        let (api, call) = parts(context)?;
        let public_tenant_id = public_tenant(context, tenant.as_deref()).await?;
        let answer = api
            .list_records(
                call,
                ListRecords {
                    public_tenant_id: public_tenant_id.clone(),
                    filter: filter.unwrap_or_default(),
                    page: PageRequest { after, first: page_size(first)? },
                },
            )
            .await
            .map_err(to_graphql_error)?;
        let nodes = answer
            .records
            .into_iter()
            .map(|record| RecordNode { record, public_tenant_id: public_tenant_id.clone() })
            .collect();
        Ok(page(nodes, answer.has_next_page, |node| node.record.id.clone()))
    }

    /// An item by id; null when there is none.
    async fn item(
        &self,
        context: &Context<'_>,
        id: ID,
        tenant: Option<String>,
    ) -> Result<Option<ItemNode>> {
        let (api, call) = parts(context)?;
        let public_tenant_id = public_tenant(context, tenant.as_deref()).await?;
        let found = not_found_as_none(
            api.get_item(
                call,
                GetItem {
                    public_tenant_id: public_tenant_id.clone(),
                    id: Some(id.0),
                    barcode: None,
                },
            )
            .await,
        )?;
        Ok(found.map(|item| ItemNode { item, public_tenant_id }))
    }

    /// An item by barcode (as scanned at the desk); null when there is none.
    async fn item_by_barcode(
        &self,
        context: &Context<'_>,
        barcode: String,
        tenant: Option<String>,
    ) -> Result<Option<ItemNode>> {
        let (api, call) = parts(context)?;
        let public_tenant_id = public_tenant(context, tenant.as_deref()).await?;
        let found = not_found_as_none(
            api.get_item(
                call,
                GetItem {
                    public_tenant_id: public_tenant_id.clone(),
                    id: None,
                    barcode: Some(barcode),
                },
            )
            .await,
        )?;
        Ok(found.map(|item| ItemNode { item, public_tenant_id }))
    }

    /// The library's MARC imports, newest first. Staff.
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

    /// The library's catalogue settings. Staff.
    async fn catalogue_settings(&self, context: &Context<'_>) -> Result<CatalogueSettings> {
        let (api, call) = parts(context)?;
        api.get_settings(call, GetSettings {}).await.map_err(to_graphql_error)
    }
}

/// The catalogue's mutations.
#[derive(Debug, Default)]
pub struct CatalogueMutation;

#[Object]
impl CatalogueMutation {
    /// Creates a branch, or renames one when `input.id` is given. Admins.
    async fn save_branch(&self, context: &Context<'_>, input: SaveBranch) -> Result<Branch> {
        let (api, call) = parts(context)?;
        api.save_branch(call, input).await.map_err(to_graphql_error)
    }

    /// Creates a shelving location, or renames one. Admins.
    async fn save_shelving_location(
        &self,
        context: &Context<'_>,
        input: SaveLocation,
    ) -> Result<ShelvingLocation> {
        let (api, call) = parts(context)?;
        api.save_location(call, input).await.map_err(to_graphql_error)
    }

    /// Creates a material type or loan type, or renames one. Admins.
    async fn save_term(&self, context: &Context<'_>, input: SaveTerm) -> Result<Term> {
        let (api, call) = parts(context)?;
        api.save_term(call, input).await.map_err(to_graphql_error)
    }

    /// Creates a record from MARC (`marc` in `syntax`) or from the simple `form`; give
    /// exactly one. Staff.
    async fn create_record(
        &self,
        context: &Context<'_>,
        marc: Option<String>,
        #[graphql(default_with = "MarcSyntax::MarcXml")] syntax: MarcSyntax,
        form: Option<RecordForm>,
    ) -> Result<RecordNode> {
        let (api, call) = parts(context)?;
        let content = content(marc, syntax, form)?;
        let record =
            api.create_record(call, CreateRecord { content }).await.map_err(to_graphql_error)?;
        Ok(RecordNode { record, public_tenant_id: None })
    }

    /// Replaces a record's content with MARC or with the simple form (which keeps the
    /// fields it does not cover). `version` is the one the editor loaded. Staff.
    async fn update_record(
        &self,
        context: &Context<'_>,
        id: ID,
        version: i32,
        marc: Option<String>,
        #[graphql(default_with = "MarcSyntax::MarcXml")] syntax: MarcSyntax,
        form: Option<RecordForm>,
    ) -> Result<RecordNode> {
        let (api, call) = parts(context)?;
        let content = content(marc, syntax, form)?;
        let record = api
            .update_record(call, UpdateRecord { id: id.0, version, content })
            .await
            .map_err(to_graphql_error)?;
        Ok(RecordNode { record, public_tenant_id: None })
    }

    /// Deletes a record that has no items. Staff. Always true.
    async fn delete_record(&self, context: &Context<'_>, id: ID) -> Result<bool> {
        let (api, call) = parts(context)?;
        api.delete_record(call, ById { id: id.0 }).await.map_err(to_graphql_error).map(|_| true)
    }

    /// Adds an item to a record. Staff.
    async fn create_item(
        &self,
        context: &Context<'_>,
        record_id: ID,
        input: ItemInput,
    ) -> Result<ItemNode> {
        let (api, call) = parts(context)?;
        let item = api
            .create_item(call, CreateItem { record_id: record_id.0, item: input })
            .await
            .map_err(to_graphql_error)?;
        Ok(ItemNode { item, public_tenant_id: None })
    }

    /// Changes an item's fields. `version` is the one the editor loaded. Staff.
    async fn update_item(
        &self,
        context: &Context<'_>,
        id: ID,
        version: i32,
        input: ItemInput,
    ) -> Result<ItemNode> {
        let (api, call) = parts(context)?;
        let item = api
            .update_item(call, UpdateItem { id: id.0, version, item: input })
            .await
            .map_err(to_graphql_error)?;
        Ok(ItemNode { item, public_tenant_id: None })
    }

    /// Marks an item missing, lost, withdrawn, in processing, or available again. Staff.
    async fn set_item_status(
        &self,
        context: &Context<'_>,
        id: ID,
        status: ItemStatus,
        reason: Option<String>,
    ) -> Result<ItemNode> {
        let (api, call) = parts(context)?;
        let item = api
            .set_item_status(call, SetItemStatus { id: id.0, status, reason })
            .await
            .map_err(to_graphql_error)?;
        Ok(ItemNode { item, public_tenant_id: None })
    }

    /// Deletes an item that is not on loan. Staff. Always true.
    async fn delete_item(&self, context: &Context<'_>, id: ID) -> Result<bool> {
        let (api, call) = parts(context)?;
        api.delete_item(call, ById { id: id.0 }).await.map_err(to_graphql_error).map(|_| true)
    }

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
    /// Staff.
    async fn import_marc(
        &self,
        context: &Context<'_>,
        file: Upload,
        options: Option<ImportOptions>,
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
            .create_import(call, CreateImport { file_name, options: options.unwrap_or_default() })
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
}

fn content(
    marc: Option<String>,
    syntax: MarcSyntax,
    form: Option<RecordForm>,
) -> Result<RecordContent> {
    match (marc, form) {
        (Some(text), None) => Ok(RecordContent::Marc { syntax, text }),
        (None, Some(form)) => Ok(RecordContent::Form(Box::new(form))),
        _ => Err(to_graphql_error(ApiError::validation(
            "marc",
            "give either `marc` or `form`, not both or neither",
        ))),
    }
}

/// A catalogue record.
pub struct RecordNode {
    record: CatalogueRecord,
    public_tenant_id: Option<String>,
}

impl RecordNode {
    fn description(&self) -> &Description {
        &self.record.description
    }
}

/// A contributor to a work, as the record names them.
#[derive(Debug, Clone, SimpleObject)]
pub struct ContributorView {
    /// Name as catalogued, e.g. "Austen, Jane".
    pub name: String,
    /// Dates, e.g. "1775-1817".
    pub dates: Option<String>,
    /// Roles in plain words, e.g. "author", "illustrator".
    pub roles: Vec<String>,
    /// Person, organisation or meeting.
    pub kind: String,
    /// Whether this is the main entry.
    pub primary: bool,
    /// The name in its original script, when the record gives one.
    pub name_in_original_script: Option<String>,
}

/// A subject heading.
#[derive(Debug, Clone, SimpleObject)]
pub struct SubjectView {
    /// The heading with its subdivisions, e.g. "Whaling -- Fiction".
    pub heading: String,
    /// Topic, person, place, genre, …
    pub kind: String,
    /// The thesaurus it comes from, e.g. `lcsh`.
    pub thesaurus: Option<String>,
}

/// An ISBN in both forms.
#[derive(Debug, Clone, SimpleObject)]
pub struct IsbnView {
    /// ISBN-13.
    pub isbn13: String,
    /// ISBN-10, when the ISBN has one.
    pub isbn10: Option<String>,
}

/// Text in another script, from an 880 field.
#[derive(Debug, Clone, SimpleObject)]
pub struct AlternateScriptView {
    /// The field it belongs to, e.g. `245`.
    pub tag: String,
    /// The text.
    pub text: String,
}

/// How many copies a branch holds and how many are on the shelf now.
#[derive(Debug, Clone, SimpleObject)]
pub struct BranchAvailabilityView {
    /// The branch.
    pub branch_id: ID,
    /// Its code.
    pub branch_code: String,
    /// Its name.
    pub branch_name: String,
    /// Copies it holds (withdrawn ones not counted).
    pub total: i64,
    /// Of those, available now.
    pub available: i64,
}

fn snake_name<T: serde::Serialize>(value: &T) -> String {
    match serde_json::to_value(value) {
        Ok(serde_json::Value::String(text)) => text,
        _ => String::new(),
    }
}

#[Object(name = "CatalogueRecord")]
impl RecordNode {
    /// Opaque id.
    async fn id(&self) -> ID {
        ID(self.record.id.clone())
    }
    /// What kind of record.
    async fn kind(&self) -> RecordKind {
        self.record.kind
    }
    /// Control number (001).
    async fn control_number(&self) -> Option<&str> {
        self.record.control_number.as_deref()
    }
    /// Control number's source (003).
    async fn control_source(&self) -> Option<&str> {
        self.record.control_source.as_deref()
    }
    /// Title as shown in lists (title proper with its remainder).
    async fn title(&self) -> Option<&str> {
        self.record.title.as_deref()
    }
    /// Remainder of the title (245 $b).
    async fn subtitle(&self) -> Option<&str> {
        self.description().title.as_ref().and_then(|title| title.subtitle.as_deref())
    }
    /// Statement of responsibility (245 $c).
    async fn statement_of_responsibility(&self) -> Option<&str> {
        self.description().title.as_ref().and_then(|title| title.responsibility.as_deref())
    }
    /// The title in its original script, when the record gives one.
    async fn title_in_original_script(&self) -> Option<&str> {
        self.description().title.as_ref().and_then(|title| title.display_alternate.as_deref())
    }
    /// Uniform title (130/240).
    async fn uniform_title(&self) -> Option<&str> {
        self.description().uniform_title.as_ref().map(|title| title.title.as_str())
    }
    /// The main entry's name.
    async fn primary_author(&self) -> Option<&str> {
        self.record.primary_author.as_deref()
    }
    /// Everyone the record names as a contributor, main entry first.
    async fn contributors(&self) -> Vec<ContributorView> {
        self.description()
            .contributors
            .iter()
            .map(|contributor| ContributorView {
                name: contributor.name.clone(),
                dates: contributor.dates.clone(),
                roles: contributor.roles.clone(),
                kind: snake_name(&contributor.kind),
                primary: contributor.primary,
                name_in_original_script: contributor.name_alternate.clone(),
            })
            .collect()
    }
    /// Subject headings.
    async fn subjects(&self) -> Vec<SubjectView> {
        self.description()
            .subjects
            .iter()
            .map(|subject| SubjectView {
                heading: subject.heading.clone(),
                kind: snake_name(&subject.kind),
                thesaurus: subject.thesaurus.clone(),
            })
            .collect()
    }
    /// Format code: `book`, `large_print_book`, `e_book`, `audiobook`, `music_score`,
    /// `music_recording`, `dvd`, `blu_ray`, `map`, `serial`, `journal`, `newspaper`, …
    async fn format(&self) -> &str {
        &self.record.format
    }
    /// Year of publication.
    async fn publication_year(&self) -> Option<i32> {
        self.record.publication_year
    }
    /// Publishers.
    async fn publishers(&self) -> &[String] {
        &self.description().publication.publishers
    }
    /// Places of publication.
    async fn places_of_publication(&self) -> &[String] {
        &self.description().publication.places
    }
    /// Edition statement.
    async fn edition(&self) -> Option<&str> {
        self.description().edition.as_deref()
    }
    /// Series statements.
    async fn series(&self) -> Vec<String> {
        self.description().series.iter().map(|series| series.title.clone()).collect()
    }
    /// Languages (MARC codes), the main one first.
    async fn languages(&self) -> &[String] {
        &self.description().languages
    }
    /// Valid ISBNs.
    async fn isbns(&self) -> Vec<IsbnView> {
        self.description()
            .identifiers
            .isbns
            .iter()
            .map(|isbn| IsbnView { isbn13: isbn.isbn13.clone(), isbn10: isbn.isbn10.clone() })
            .collect()
    }
    /// ISBNs the record gives that are not valid (cancelled or mistyped).
    async fn invalid_isbns(&self) -> &[String] {
        &self.description().identifiers.invalid_isbns
    }
    /// ISSNs.
    async fn issns(&self) -> &[String] {
        &self.description().identifiers.issns
    }
    /// Library of Congress control number.
    async fn lccn(&self) -> Option<&str> {
        self.description().identifiers.lccn.as_deref()
    }
    /// OCLC numbers.
    async fn oclc_numbers(&self) -> &[String] {
        &self.description().identifiers.oclc_numbers
    }
    /// Physical description (300), e.g. "xi, 274 p. ; 24 cm".
    async fn physical_description(&self) -> Vec<String> {
        self.description()
            .physical_description
            .iter()
            .map(|physical| physical.display.clone())
            .collect()
    }
    /// Notes.
    async fn notes(&self) -> Vec<String> {
        self.description().notes.iter().map(|note| note.text.clone()).collect()
    }
    /// Summaries.
    async fn summaries(&self) -> &[String] {
        &self.description().summaries
    }
    /// Contents.
    async fn contents(&self) -> &[String] {
        &self.description().contents
    }
    /// Text in other scripts (880 fields).
    async fn alternate_scripts(&self) -> Vec<AlternateScriptView> {
        self.description()
            .alternate_scripts
            .iter()
            .map(|script| AlternateScriptView {
                tag: script.tag.clone(),
                text: script.text.clone(),
            })
            .collect()
    }
    /// The key shared by editions and copies of the same work.
    async fn work_key(&self) -> Option<&str> {
        self.record.work_key.as_deref()
    }
    /// The MARC record in `syntax` (ISO 2709 as base64).
    async fn marc(
        &self,
        #[graphql(default_with = "MarcSyntax::MarcXml")] syntax: MarcSyntax,
    ) -> Result<String> {
        let record = athenaeum_marc::json::from_str(&self.record.marc_json).map_err(|error| {
            tracing::error!(record = %self.record.id, %error, "stored record does not parse");
            to_graphql_error(ApiError::new(
                athenaeum_kernel::ErrorCode::Internal,
                "the stored record cannot be read",
            ))
        })?;
        match syntax {
            MarcSyntax::MarcJson => Ok(self.record.marc_json.clone()),
            MarcSyntax::MarcXml => athenaeum_marc::xml::to_string(&record).map_err(|error| {
                to_graphql_error(ApiError::validation("syntax", error.to_string()))
            }),
            MarcSyntax::Iso2709 => {
                use base64::Engine;
                let mut bytes = Vec::new();
                athenaeum_marc::iso2709::write_record(&record, &mut bytes).map_err(|error| {
                    to_graphql_error(ApiError::validation("syntax", error.to_string()))
                })?;
                Ok(base64::engine::general_purpose::STANDARD.encode(bytes))
            }
        }
    }
    /// Increases with every change; pass it back when editing.
    async fn version(&self) -> i32 {
        self.record.version
    }
    /// When it was created.
    async fn created_at(&self) -> chrono::DateTime<chrono::Utc> {
        self.record.created_at
    }
    /// When it last changed.
    async fn updated_at(&self) -> chrono::DateTime<chrono::Utc> {
        self.record.updated_at
    }
    /// The record's items, by barcode.
    async fn items(
        &self,
        context: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
    ) -> Result<Page<ItemNode>> {
        let (api, call) = parts(context)?;
        let answer = api
            .list_items(
                call,
                ListItems {
                    public_tenant_id: self.public_tenant_id.clone(),
                    record_id: Some(self.record.id.clone()),
                    page: PageRequest { after, first: page_size(first)? },
                },
            )
            .await
            .map_err(to_graphql_error)?;
        let nodes = answer
            .items
            .into_iter()
            .map(|item| ItemNode { item, public_tenant_id: self.public_tenant_id.clone() })
            .collect();
        Ok(page(nodes, answer.has_next_page, |node| node.item.barcode.clone()))
    }
    /// Copies per branch and how many are on the shelf now.
    async fn availability(&self, context: &Context<'_>) -> Result<Vec<BranchAvailabilityView>> {
        let loaders = loaders(context)?;
        let key = (self.public_tenant_id.clone(), self.record.id.clone());
        let Some(entries) = loaders.availability.load_one(key).await.map_err(to_graphql_error)?
        else {
            return Ok(Vec::new());
        };
        let branches = loaders
            .branches
            .load_one(self.public_tenant_id.clone())
            .await
            .map_err(to_graphql_error)?
            .unwrap_or_default();
        Ok(entries
            .into_iter()
            .map(|entry| {
                let branch = branches.iter().find(|branch| branch.id.0 == entry.branch_id);
                BranchAvailabilityView {
                    branch_code: branch.map(|branch| branch.code.clone()).unwrap_or_default(),
                    branch_name: branch.map(|branch| branch.name.clone()).unwrap_or_default(),
                    branch_id: ID(entry.branch_id),
                    total: entry.total,
                    available: entry.available,
                }
            })
            .collect())
    }
}

/// An item: a copy of a record's resource.
pub struct ItemNode {
    item: Item,
    public_tenant_id: Option<String>,
}

#[Object(name = "Item")]
impl ItemNode {
    /// Opaque id.
    async fn id(&self) -> ID {
        ID(self.item.id.clone())
    }
    /// Barcode.
    async fn barcode(&self) -> &str {
        &self.item.barcode
    }
    /// The record it is a copy of.
    async fn record(&self, context: &Context<'_>) -> Result<Option<RecordNode>> {
        let key = (self.public_tenant_id.clone(), self.item.record_id.clone());
        let found = loaders(context)?.records.load_one(key).await.map_err(to_graphql_error)?;
        Ok(found
            .map(|record| RecordNode { record, public_tenant_id: self.public_tenant_id.clone() }))
    }
    /// The record's id.
    async fn record_id(&self) -> ID {
        ID(self.item.record_id.clone())
    }
    /// The owning branch.
    async fn branch_id(&self) -> ID {
        ID(self.item.branch_id.clone())
    }
    /// Its shelving location.
    async fn location_id(&self) -> Option<ID> {
        self.item.location_id.clone().map(ID)
    }
    /// Call number.
    async fn call_number(&self) -> Option<&str> {
        self.item.call_number.as_deref()
    }
    /// Material type.
    async fn material_type_id(&self) -> Option<ID> {
        self.item.material_type_id.clone().map(ID)
    }
    /// Loan type.
    async fn loan_type_id(&self) -> Option<ID> {
        self.item.loan_type_id.clone().map(ID)
    }
    /// Copy number.
    async fn copy_number(&self) -> Option<&str> {
        self.item.copy_number.as_deref()
    }
    /// Volume or part.
    async fn volume(&self) -> Option<&str> {
        self.item.volume.as_deref()
    }
    /// Replacement price, e.g. "12.99".
    async fn price(&self) -> Option<String> {
        self.item.price_minor.map(format_price)
    }
    /// Where it is in its life.
    async fn status(&self) -> ItemStatus {
        self.item.status
    }
    /// When the status last changed.
    async fn status_changed_at(&self) -> chrono::DateTime<chrono::Utc> {
        self.item.status_changed_at
    }
    /// Why the status last changed (staff only).
    async fn status_reason(&self) -> Option<&str> {
        self.item.status_reason.as_deref()
    }
    /// Note for everyone.
    async fn public_note(&self) -> Option<&str> {
        self.item.public_note.as_deref()
    }
    /// Note for staff (null for everyone else).
    async fn staff_note(&self) -> Option<&str> {
        self.item.staff_note.as_deref()
    }
    /// Increases with every change; pass it back when editing.
    async fn version(&self) -> i32 {
        self.item.version
    }
    /// When it was added.
    async fn created_at(&self) -> chrono::DateTime<chrono::Utc> {
        self.item.created_at
    }
}
