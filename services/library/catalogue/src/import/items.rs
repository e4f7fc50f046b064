//! The items of an import batch: embedded holdings fields become item rows, their
//! branch, location and list codes resolved against the tenant's (and created when the
//! import allows it), each barcode used once. A preview resolves and checks them the
//! same way and writes nothing: codes it would create exist only for the batch, and the
//! barcodes it would claim are remembered for the batches after.

use std::collections::{HashMap, HashSet};

use athenaeum_auth::TenantScope;
use athenaeum_db::{DbConnection, DbError};
use athenaeum_kernel::{Timestamp, new_id};
use athenaeum_library_db::LibraryTransaction;
use athenaeum_library_db::feed::{Change, FeedChange};

use super::Entry;
use super::entries::BatchWrite;
use super::preview::PreviewMemory;
use crate::api::{ImportOptions, ItemStatus, ProblemSeverity, Vocabulary};
use crate::domain::EmbeddedItem;
use crate::store::{self, BranchRow, ItemRow, LocationRow, ProblemRow, TermRow};

/// What writing a batch's items came to.
#[derive(Debug, Default)]
pub(super) struct ItemOutcome {
    /// Items created.
    pub created: i64,
    /// Items that could not be created.
    pub failed: i64,
    /// Warnings about items that were created.
    pub warnings: i64,
    /// The problems to report.
    pub problems: Vec<ProblemRow>,
    /// Items created (or, in a preview, that would be) per entry of the batch.
    pub per_entry: HashMap<usize, i64>,
    /// The barcodes the batch's items claim.
    pub claimed: Vec<String>,
}

/// Item codes of the tenant, loaded at the start of each batch transaction, and
/// whether missing ones may be created.
pub(super) struct ItemWriter<'a> {
    scope: &'a TenantScope,
    create_missing: bool,
    /// In a preview, what earlier batches would have claimed; nothing is written.
    seen: Option<&'a PreviewMemory>,
    branches: HashMap<String, String>,
    locations: HashMap<(String, String), String>,
    material_types: HashMap<String, String>,
    loan_types: HashMap<String, String>,
}

impl<'a> ItemWriter<'a> {
    /// Loads the tenant's branch, location and term codes.
    pub(super) fn load(
        connection: &mut DbConnection,
        scope: &'a TenantScope,
        options: &ImportOptions,
        seen: Option<&'a PreviewMemory>,
    ) -> Result<ItemWriter<'a>, DbError> {
        let branches = store::all_branches(connection, scope)?
            .into_iter()
            .map(|row| (row.code, row.id))
            .collect();
        let locations = store::all_locations(connection, scope)?
            .into_iter()
            .map(|row| ((row.branch_id, row.code), row.id))
            .collect();
        let mut material_types = HashMap::new();
        let mut loan_types = HashMap::new();
        for term in store::all_terms(connection, scope)? {
            match term.vocabulary {
                Vocabulary::MaterialType => material_types.insert(term.code, term.id),
                Vocabulary::LoanType => loan_types.insert(term.code, term.id),
            };
        }
        Ok(ItemWriter {
            scope,
            create_missing: options.create_missing_codes,
            seen,
            branches,
            locations,
            material_types,
            loan_types,
        })
    }

    /// Creates the items of every written entry (also of an entry a later one in the
    /// batch overlaid: overlaying replaces a record's MARC, never drops its items).
    /// Items whose barcode is already on the record are kept as they are.
    pub(super) fn write(
        &mut self,
        transaction: &mut LibraryTransaction<'_>,
        batch: &BatchWrite<'_>,
        entries: &[&Entry],
        written: &[(usize, String)],
        at: Timestamp,
    ) -> Result<ItemOutcome, DbError> {
        let mut outcome = ItemOutcome::default();
        let mut barcodes: Vec<String> = written
            .iter()
            .filter_map(|(index, _)| match entries[*index] {
                Entry::Record(prepared) => Some(prepared),
                Entry::Failed { .. } => None,
            })
            .flat_map(|prepared| prepared.items.iter().filter_map(|item| item.as_ref().ok()))
            .map(|item| item.barcode.clone())
            .collect();
        barcodes.sort();
        barcodes.dedup();
        let taken: HashMap<String, String> =
            store::existing_barcodes(transaction, self.scope, &barcodes)?
                .into_iter()
                .map(|holder| (holder.barcode, holder.record_id))
                .collect();
        let mut claimed: HashSet<String> = HashSet::new();
        let mut rows: Vec<ItemRow> = Vec::new();
        for (index, record_id) in written {
            let Entry::Record(prepared) = entries[*index] else { continue };
            let report = |outcome: &mut ItemOutcome, severity, message: String| {
                outcome.problems.push(batch.problem(
                    prepared.position,
                    prepared.byte_offset,
                    prepared.row.control_number.clone(),
                    severity,
                    message,
                ));
            };
            for item in &prepared.items {
                let item = match item {
                    Ok(item) => item,
                    Err(message) => {
                        outcome.failed += 1;
                        report(&mut outcome, ProblemSeverity::Error, message.clone());
                        continue;
                    }
                };
                if let Some(owner) = taken.get(&item.barcode) {
                    if owner != record_id {
                        outcome.failed += 1;
                        let message = format!(
                            "item barcode {} is already used by an item of another record",
                            item.barcode
                        );
                        report(&mut outcome, ProblemSeverity::Error, message);
                    }
                    // Already on this record (the file was imported before): kept.
                    continue;
                }
                let claimed_earlier = self.seen.is_some_and(|seen| seen.claims(&item.barcode));
                if claimed_earlier || !claimed.insert(item.barcode.clone()) {
                    outcome.failed += 1;
                    let message =
                        format!("item barcode {} appears twice in the file", item.barcode);
                    report(&mut outcome, ProblemSeverity::Error, message);
                    continue;
                }
                match self.item_row(transaction, record_id, item, at)? {
                    Ok(row) => {
                        for warning in &item.warnings {
                            outcome.warnings += 1;
                            report(&mut outcome, ProblemSeverity::Warning, warning.clone());
                        }
                        if self.seen.is_none() {
                            let change = Change::item(&row.id, record_id, FeedChange::Created, at);
                            transaction.record_change(self.scope, change);
                        }
                        outcome.claimed.push(row.barcode.clone());
                        rows.push(row);
                        outcome.created += 1;
                        *outcome.per_entry.entry(*index).or_default() += 1;
                    }
                    Err(message) => {
                        outcome.failed += 1;
                        report(&mut outcome, ProblemSeverity::Error, message);
                    }
                }
            }
        }
        if self.seen.is_none() {
            store::insert_items(transaction, self.scope, &rows)?;
        }
        Ok(outcome)
    }

    /// Resolves an embedded item's codes (creating missing ones when allowed) into a
    /// row, or says in plain words why it cannot be one.
    fn item_row(
        &mut self,
        connection: &mut DbConnection,
        record_id: &str,
        item: &EmbeddedItem,
        at: Timestamp,
    ) -> Result<Result<ItemRow, String>, DbError> {
        // The limits an item entered at the desk has.
        for (field, value) in [
            ("callNumber", &item.call_number),
            ("copyNumber", &item.copy_number),
            ("volume", &item.volume),
            ("publicNote", &item.public_note),
            ("staffNote", &item.staff_note),
        ] {
            if let Some(value) = value
                && let Err(problem) = crate::domain::limits::check_item_text(field, value)
            {
                return Ok(Err(format!("item {}: {problem}", item.barcode)));
            }
        }
        let branch_id = match self.branches.get(&item.branch) {
            Some(id) => id.clone(),
            None if self.create_missing => {
                let row = BranchRow {
                    id: new_id(),
                    code: item.branch.clone(),
                    name: item.branch.clone(),
                    created_at: at,
                    updated_at: at,
                    address: None,
                    opening_hours: None,
                };
                if self.seen.is_none() {
                    store::insert_branch(connection, self.scope, &row)?;
                }
                self.branches.insert(row.code.clone(), row.id.clone());
                row.id
            }
            None => {
                return Ok(Err(format!(
                    "item {}: the library has no branch with code {:?}",
                    item.barcode, item.branch
                )));
            }
        };
        let location_id = match &item.location {
            None => None,
            Some(code) => match self.locations.get(&(branch_id.clone(), code.clone())) {
                Some(id) => Some(id.clone()),
                None if self.create_missing => {
                    let row = LocationRow {
                        id: new_id(),
                        branch_id: branch_id.clone(),
                        code: code.clone(),
                        name: code.clone(),
                        created_at: at,
                        updated_at: at,
                    };
                    if self.seen.is_none() {
                        store::insert_location(connection, self.scope, &row)?;
                    }
                    self.locations.insert((branch_id.clone(), code.clone()), row.id.clone());
                    Some(row.id)
                }
                None => {
                    return Ok(Err(format!(
                        "item {}: branch {} has no shelving location with code {code:?}",
                        item.barcode, item.branch
                    )));
                }
            },
        };
        let material_type_id =
            match self.term(connection, Vocabulary::MaterialType, item, &item.material_type, at)? {
                Ok(id) => id,
                Err(message) => return Ok(Err(message)),
            };
        let loan_type_id =
            match self.term(connection, Vocabulary::LoanType, item, &item.loan_type, at)? {
                Ok(id) => id,
                Err(message) => return Ok(Err(message)),
            };
        Ok(Ok(ItemRow {
            id: new_id(),
            record_id: record_id.to_string(),
            barcode: item.barcode.clone(),
            branch_id,
            location_id,
            call_number: item.call_number.clone(),
            material_type_id,
            loan_type_id,
            copy_number: item.copy_number.clone(),
            volume: item.volume.clone(),
            price_minor: item.price_minor,
            status: item.status,
            status_changed_at: at,
            status_reason: (item.status != ItemStatus::Available).then(|| "imported".to_string()),
            public_note: item.public_note.clone(),
            staff_note: item.staff_note.clone(),
            version: 1,
            created_at: at,
            updated_at: at,
        }))
    }

    /// Resolves a term code of a list (creating it when allowed).
    fn term(
        &mut self,
        connection: &mut DbConnection,
        vocabulary: Vocabulary,
        item: &EmbeddedItem,
        code: &Option<String>,
        at: Timestamp,
    ) -> Result<Result<Option<String>, String>, DbError> {
        let Some(code) = code else { return Ok(Ok(None)) };
        let list = match vocabulary {
            Vocabulary::MaterialType => &mut self.material_types,
            Vocabulary::LoanType => &mut self.loan_types,
        };
        if let Some(id) = list.get(code) {
            return Ok(Ok(Some(id.clone())));
        }
        if !self.create_missing {
            return Ok(Err(format!(
                "item {}: the library has no {} with code {code:?}",
                item.barcode,
                vocabulary.as_str().replace('_', " ")
            )));
        }
        let row = TermRow {
            id: new_id(),
            vocabulary,
            code: code.clone(),
            name: code.clone(),
            created_at: at,
            updated_at: at,
        };
        if self.seen.is_none() {
            store::insert_term(connection, self.scope, &row)?;
        }
        list.insert(code.clone(), row.id.clone());
        Ok(Ok(Some(row.id)))
    }
}
