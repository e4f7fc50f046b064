//! A catalogue record as GraphQL shows it: what `describe` extracted, its MARC in any
//! syntax, its items and live availability by branch.

use async_graphql::{Context, ID, Object, Result, SimpleObject};
use athenaeum_kernel::ApiError;
use athenaeum_marc::describe::Description;
use athenaeum_transport::graphql::{Page, cost, page, page_size, to_graphql_error};

use super::item_node::ItemNode;
use super::loaders::loaders;
use super::parts;
use crate::api::*;

/// A catalogue record.
pub struct RecordNode {
    pub(super) record: CatalogueRecord,
    pub(super) public_tenant_id: Option<String>,
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
    #[graphql(complexity = "cost::MARC_RECORD")]
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
    #[graphql(complexity = "cost::page(first, 20, child_complexity)")]
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
