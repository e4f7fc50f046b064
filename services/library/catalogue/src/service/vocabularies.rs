//! Branches with their shelving locations, and the lists of material and loan types.

use std::collections::BTreeMap;

use async_graphql::ID;
use athenaeum_auth::TenantScope;
use athenaeum_db::DbConnection;
use athenaeum_kernel::{new_id, now};
use athenaeum_transport::Call;

use super::{
    CatalogueService, Outcome, conflict_on_code, not_found, page_size, refusal, split_page,
};
use crate::api::*;
use crate::domain::limits::check_branch_text;
use crate::domain::{Code, Name};
use crate::store::{self, BranchChange, BranchRow, LocationRow, TermRow};

impl CatalogueService {
    pub(super) async fn save_branch_as(&self, call: &Call, request: SaveBranch) -> Outcome<Branch> {
        let scope = self.admin(call)?;
        let code = Code::parse("code", &request.code)?;
        let name = Name::parse("name", &request.name)?;
        let address = branch_text("address", request.address.as_deref())?;
        let opening_hours = branch_text("openingHours", request.opening_hours.as_deref())?;
        let at = now();
        let branch = self
            .library
            .write(move |transaction| {
                let id = match request.id {
                    Some(id) => {
                        let change = BranchChange {
                            code: code.as_str(),
                            name: name.as_str(),
                            address: address.as_ref().map(Option::as_deref),
                            opening_hours: opening_hours.as_ref().map(Option::as_deref),
                        };
                        let changed = store::update_branch(transaction, &scope, &id, &change, at)
                            .map_err(|error| {
                            conflict_on_code(error, "code", "branch", code.as_str())
                        })?;
                        if changed == 0 {
                            return Err(not_found("branch", &id));
                        }
                        id.0
                    }
                    None => {
                        let row = BranchRow {
                            id: new_id(),
                            code: code.as_str().to_string(),
                            name: name.as_str().to_string(),
                            created_at: at,
                            updated_at: at,
                            address: address.clone().flatten(),
                            opening_hours: opening_hours.clone().flatten(),
                        };
                        store::insert_branch(transaction, &scope, &row).map_err(|error| {
                            conflict_on_code(error, "code", "branch", code.as_str())
                        })?;
                        row.id
                    }
                };
                branch_view(transaction, &scope, &id)
            })
            .await?;
        Ok(branch)
    }

    pub(super) async fn save_location_as(
        &self,
        call: &Call,
        request: SaveLocation,
    ) -> Outcome<ShelvingLocation> {
        let scope = self.admin(call)?;
        let code = Code::parse("code", &request.code)?;
        let name = Name::parse("name", &request.name)?;
        let at = now();
        let location = self
            .library
            .write(move |transaction| {
                let branch_id = request.branch_id.0.clone();
                if store::find_branch(transaction, &scope, &branch_id)?.is_none() {
                    return Err(refusal(
                        "branchId",
                        format!("no branch has id {branch_id} in this library"),
                    ));
                }
                let id = match request.id {
                    Some(id) => {
                        let existing = store::find_location(transaction, &scope, &id)?
                            .ok_or_else(|| not_found("shelving location", &id))?;
                        if existing.branch_id != branch_id {
                            return Err(refusal(
                                "branchId",
                                "a shelving location cannot move to another branch",
                            ));
                        }
                        store::update_location(
                            transaction,
                            &scope,
                            &id,
                            code.as_str(),
                            name.as_str(),
                            at,
                        )
                        .map_err(|error| {
                            conflict_on_code(error, "code", "shelving location", code.as_str())
                        })?;
                        id.0
                    }
                    None => {
                        let row = LocationRow {
                            id: new_id(),
                            branch_id,
                            code: code.as_str().to_string(),
                            name: name.as_str().to_string(),
                            created_at: at,
                            updated_at: at,
                        };
                        store::insert_location(transaction, &scope, &row).map_err(|error| {
                            conflict_on_code(error, "code", "shelving location", code.as_str())
                        })?;
                        row.id
                    }
                };
                let row = store::find_location(transaction, &scope, &id)?
                    .ok_or_else(|| not_found("shelving location", &id))?;
                Ok(location_view(row))
            })
            .await?;
        Ok(location)
    }

    pub(super) async fn save_term_as(&self, call: &Call, request: SaveTerm) -> Outcome<Term> {
        let scope = self.admin(call)?;
        let code = Code::parse("code", &request.code)?;
        let name = Name::parse("name", &request.name)?;
        let vocabulary = request.vocabulary;
        let at = now();
        self.library
            .write(move |transaction| {
                let id = match request.id {
                    Some(id) => {
                        let existing = store::find_term(transaction, &scope, &id)?
                            .ok_or_else(|| not_found("term", &id))?;
                        if existing.vocabulary != vocabulary {
                            return Err(refusal(
                                "vocabulary",
                                "a term cannot move to another list",
                            ));
                        }
                        store::update_term(
                            transaction,
                            &scope,
                            &id,
                            code.as_str(),
                            name.as_str(),
                            at,
                        )
                        .map_err(|error| conflict_on_code(error, "code", "term", code.as_str()))?;
                        id.0
                    }
                    None => {
                        let row = TermRow {
                            id: new_id(),
                            vocabulary,
                            code: code.as_str().to_string(),
                            name: name.as_str().to_string(),
                            created_at: at,
                            updated_at: at,
                        };
                        store::insert_term(transaction, &scope, &row).map_err(|error| {
                            conflict_on_code(error, "code", "term", code.as_str())
                        })?;
                        row.id
                    }
                };
                let row = store::find_term(transaction, &scope, &id)?
                    .ok_or_else(|| not_found("term", &id))?;
                Ok(term_view(row))
            })
            .await
    }

    pub(super) async fn list_branches_as(
        &self,
        call: &Call,
        request: ListBranches,
    ) -> Outcome<BranchPage> {
        let reader = self.reader(call, request.public_tenant_id.as_deref())?;
        let first = page_size(request.page.first, 100)?;
        self.library
            .read(move |connection| {
                let rows = store::list_branches(
                    connection,
                    &reader.scope(),
                    request.page.after.as_deref(),
                    first + 1,
                )?;
                let (rows, has_next_page) = split_page(rows, first);
                let ids: Vec<String> = rows.iter().map(|row| row.id.clone()).collect();
                let mut locations: BTreeMap<String, Vec<ShelvingLocation>> = BTreeMap::new();
                for location in store::locations_of(connection, &reader.scope(), &ids)? {
                    locations
                        .entry(location.branch_id.clone())
                        .or_default()
                        .push(location_view(location));
                }
                let branches = rows
                    .into_iter()
                    .map(|row| {
                        let branch_locations = locations.remove(&row.id).unwrap_or_default();
                        branch_from_row(row, branch_locations)
                    })
                    .collect();
                Ok(BranchPage { branches, has_next_page })
            })
            .await
    }

    pub(super) async fn list_terms_as(&self, call: &Call, request: ListTerms) -> Outcome<TermPage> {
        let reader = self.reader(call, request.public_tenant_id.as_deref())?;
        let first = page_size(request.page.first, 100)?;
        self.library
            .read(move |connection| {
                let rows = store::list_terms(
                    connection,
                    &reader.scope(),
                    request.vocabulary,
                    request.page.after.as_deref(),
                    first + 1,
                )?;
                let (rows, has_next_page) = split_page(rows, first);
                Ok(TermPage { terms: rows.into_iter().map(term_view).collect(), has_next_page })
            })
            .await
    }
}

fn branch_view(connection: &mut DbConnection, scope: &TenantScope, id: &str) -> Outcome<Branch> {
    let row = store::find_branch(connection, scope, id)?.ok_or_else(|| not_found("branch", id))?;
    let locations = store::locations_of(connection, scope, std::slice::from_ref(&row.id))?
        .into_iter()
        .map(location_view)
        .collect();
    Ok(branch_from_row(row, locations))
}

fn branch_from_row(row: BranchRow, locations: Vec<ShelvingLocation>) -> Branch {
    Branch {
        id: ID(row.id),
        code: row.code,
        name: row.name,
        address: row.address,
        opening_hours: row.opening_hours,
        locations,
    }
}

/// Checks a branch's visitor text given in `field`: `None` when the request left it out
/// (keep it), `Some(None)` when it was empty (remove it).
fn branch_text(field: &str, text: Option<&str>) -> Outcome<Option<Option<String>>> {
    match text {
        None => Ok(None),
        Some(text) => {
            check_branch_text(field, text).map(Some).map_err(|problem| refusal(field, problem))
        }
    }
}

fn location_view(row: LocationRow) -> ShelvingLocation {
    ShelvingLocation {
        id: ID(row.id),
        branch_id: ID(row.branch_id),
        code: row.code,
        name: row.name,
    }
}

fn term_view(row: TermRow) -> Term {
    Term { id: ID(row.id), vocabulary: row.vocabulary, code: row.code, name: row.name }
}
