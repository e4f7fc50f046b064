//! The catalogue's operations and their request and response types: the one definition
//! from which the trait, its HTTP client and its internal routes are derived.
//!
//! Types the GraphQL schema shows as they are derive its traits here, so a field is
//! declared once. Read requests carry `public_tenant_id`: the tenant an anonymous caller
//! named (the public catalogue); a signed-in caller always reads their own tenant.

mod feed;
mod imports;
mod items;
mod records;
mod vocabularies;

pub use feed::*;
pub use imports::*;
pub use items::*;
pub use records::*;
pub use vocabularies::*;

use serde::{Deserialize, Serialize};

/// Names one thing by id; for deletions.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ById {
    /// Its id.
    pub id: String,
}

// ---- pages --------------------------------------------------------------------------

/// One page of a list, by opaque cursor.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PageRequest {
    /// Return items after this cursor.
    pub after: Option<String>,
    /// How many, 1 to 100 (1 to 1,000 for exports).
    pub first: u32,
}

/// The answer of an operation that has nothing else to say.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Done {}

athenaeum_transport::service_api! {
    /// Branches, records, items, MARC import and export, and the change feed. Every
    /// operation verifies the caller's token itself.
    pub trait CatalogueApi, client CatalogueClient, routes catalogue_routes, path "/internal/catalogue" {
        /// Creates or renames a branch. Admins. `CONFLICT` if the code is taken.
        fn save_branch(SaveBranch) -> Branch;
        /// Creates or renames a shelving location. Admins.
        fn save_location(SaveLocation) -> ShelvingLocation;
        /// Creates or renames a material type or loan type. Admins.
        fn save_term(SaveTerm) -> Term;
        /// Lists branches with their locations, by code. Anyone who can read the tenant.
        fn list_branches(ListBranches) -> BranchPage;
        /// Lists a vocabulary's terms, by code. Anyone who can read the tenant.
        fn list_terms(ListTerms) -> TermPage;
        /// Returns a record. `NOT_FOUND` if the tenant has no such record.
        fn get_record(GetRecord) -> CatalogueRecord;
        /// Returns the records with these ids that exist.
        fn get_records(GetRecords) -> RecordPage;
        /// Lists records, oldest first.
        fn list_records(ListRecords) -> RecordPage;
        /// Creates a record from MARC or the simple form. Staff.
        fn create_record(CreateRecord) -> CatalogueRecord;
        /// Replaces a record's content. Staff.
        fn update_record(UpdateRecord) -> CatalogueRecord;
        /// Deletes a record that has no items. Staff. `CONFLICT` while items remain.
        fn delete_record(ById) -> Done;
        /// Returns an item by id or barcode.
        fn get_item(GetItem) -> Item;
        /// Lists items, by barcode.
        fn list_items(ListItems) -> ItemPage;
        /// Returns per-branch availability of records.
        fn get_availability(GetAvailability) -> Availability;
        /// Adds an item. Staff. `CONFLICT` if the barcode is taken.
        fn create_item(CreateItem) -> Item;
        /// Changes an item. Staff.
        fn update_item(UpdateItem) -> Item;
        /// Changes an item's status by hand. Staff.
        fn set_item_status(SetItemStatus) -> Item;
        /// Deletes an item that is not on loan or on the holds shelf. Staff.
        fn delete_item(ById) -> Done;
        /// Returns the tenant's catalogue settings. Staff.
        fn get_settings(GetSettings) -> CatalogueSettings;
        /// Replaces the tenant's item mappings. Admins.
        fn set_item_mappings(SetItemMappings) -> CatalogueSettings;
        /// Starts an import whose file is then sent with `append_import_data`. Staff.
        fn create_import(CreateImport) -> ImportJob;
        /// Appends a chunk of the file. Staff.
        fn append_import_data(ImportData) -> ImportJob;
        /// Ends the upload and queues the import. Staff.
        fn start_import(ById) -> ImportJob;
        /// Returns an import's progress. Staff.
        fn get_import(ById) -> ImportJob;
        /// Lists the tenant's imports, newest first. Staff.
        fn list_imports(PageRequest) -> ImportJobPage;
        /// Lists an import's problems in file order. Staff.
        fn list_import_problems(ListImportProblems) -> ImportProblemPage;
        /// Lists a preview's decisions in file order. Staff.
        fn list_import_decisions(ListImportDecisions) -> ImportDecisionPage;
        /// Imports the file of a finished preview with the settings it was previewed
        /// with. Staff. `CONFLICT` unless the job is a finished preview.
        fn commit_import(ById) -> ImportJob;
        /// Previews a finished preview's file again with other settings. Staff.
        /// `CONFLICT` unless the job is a finished preview.
        fn preview_again(PreviewAgain) -> ImportJob;
        /// Returns records' stored MARC in id order, for exports. Staff.
        fn export_records(ExportRecords) -> MarcPage;
        /// Reads the change feed. Operators.
        fn read_changes(ReadChanges) -> ChangePage;
        /// Reads the records touched by the change feed after a position, for indexing.
        /// The search service or operators.
        fn read_index_feed(ReadIndexFeed) -> IndexFeed;
        /// Lists records for (re)building an index. The search service or operators.
        fn scan_index_records(ScanIndexRecords) -> IndexScan;
    }
}
