//! Items: reading, listing and availability, adding and changing copies, and status
//! changes by hand.

use std::collections::BTreeMap;

use athenaeum_auth::TenantScope;
use athenaeum_db::DbConnection;
use athenaeum_kernel::{ApiError, new_id, now};
use athenaeum_library_db::feed::{Change, FeedChange};
use athenaeum_transport::Call;

use super::{
    CatalogueService, Outcome, conflict_on_code, not_found, page_size, refusal, split_page, stale,
};
use crate::api::*;
use crate::domain::limits::check_item_text;
use crate::domain::{check_manual_status, parse_price};
use crate::error::CatalogueError;
use crate::records::item_view;
use crate::store::{self, ItemRow};

impl CatalogueService {
    pub(super) async fn get_item_as(&self, call: &Call, request: GetItem) -> Outcome<Item> {
        let reader = self.reader(call, request.public_tenant_id.as_deref())?;
        let staff = reader.is_staff();
        let row =
            self.library
                .read(move |connection| match (&request.id, &request.barcode) {
                    (Some(id), None) => store::find_item(connection, &reader.scope(), id)?
                        .ok_or_else(|| not_found("item", id)),
                    (None, Some(barcode)) => {
                        let barcode = barcode.trim();
                        store::find_item_by_barcode(connection, &reader.scope(), barcode)?
                            .ok_or_else(|| {
                                ApiError::not_found(format!(
                                    "no item has barcode {barcode} in this library"
                                ))
                                .into()
                            })
                    }
                    _ => Err(refusal("id", "give either the item's id or its barcode")),
                })
                .await?;
        Ok(item_view(row, staff))
    }

    pub(super) async fn list_items_as(&self, call: &Call, request: ListItems) -> Outcome<ItemPage> {
        let reader = self.reader(call, request.public_tenant_id.as_deref())?;
        let first = page_size(request.page.first, 100)?;
        let staff = reader.is_staff();
        let rows = self
            .library
            .read(move |connection| {
                Ok::<_, CatalogueError>(store::list_items(
                    connection,
                    &reader.scope(),
                    request.record_id.as_deref(),
                    request.page.after.as_deref(),
                    first + 1,
                )?)
            })
            .await?;
        let (rows, has_next_page) = split_page(rows, first);
        Ok(ItemPage {
            items: rows.into_iter().map(|row| item_view(row, staff)).collect(),
            has_next_page,
        })
    }

    pub(super) async fn get_availability_as(
        &self,
        call: &Call,
        request: GetAvailability,
    ) -> Outcome<Availability> {
        let reader = self.reader(call, request.public_tenant_id.as_deref())?;
        if request.record_ids.len() > 500 {
            return Err(refusal("recordIds", "ask for at most 500 records at once"));
        }
        let counts = self
            .library
            .read(move |connection| {
                Ok::<_, CatalogueError>(store::item_counts(
                    connection,
                    &reader.scope(),
                    &request.record_ids,
                )?)
            })
            .await?;
        let mut by_record: BTreeMap<String, BTreeMap<String, BranchAvailability>> = BTreeMap::new();
        for store::ItemCount { record_id, branch_id, status, count } in counts {
            if status == ItemStatus::Withdrawn {
                continue;
            }
            let entry = by_record
                .entry(record_id)
                .or_default()
                .entry(branch_id.clone())
                .or_insert(BranchAvailability { branch_id, total: 0, available: 0 });
            entry.total += count;
            if status == ItemStatus::Available {
                entry.available += count;
            }
        }
        Ok(Availability {
            records: by_record
                .into_iter()
                .map(|(record_id, branches)| RecordAvailability {
                    record_id,
                    branches: branches.into_values().collect(),
                })
                .collect(),
        })
    }

    pub(super) async fn create_item_as(&self, call: &Call, request: CreateItem) -> Outcome<Item> {
        let (_, scope) = self.staff(call)?;
        let at = now();
        let row = self
            .library
            .write(move |transaction| {
                if store::find_record(transaction, &scope, &request.record_id)?.is_none() {
                    return Err(refusal(
                        "recordId",
                        format!("no record has id {} in this library", request.record_id),
                    ));
                }
                let fields = checked_item(transaction, &scope, &request.item)?;
                let row = ItemRow {
                    id: new_id(),
                    record_id: request.record_id.clone(),
                    status: ItemStatus::Available,
                    status_changed_at: at,
                    status_reason: None,
                    version: 1,
                    created_at: at,
                    updated_at: at,
                    ..fields
                };
                store::insert_items(transaction, &scope, std::slice::from_ref(&row))
                    .map_err(|error| conflict_on_code(error, "barcode", "item", &row.barcode))?;
                transaction.record_change(
                    &scope,
                    Change::item(&row.id, &row.record_id, FeedChange::Created, at),
                );
                Ok(row)
            })
            .await?;
        Ok(item_view(row, true))
    }

    pub(super) async fn update_item_as(&self, call: &Call, request: UpdateItem) -> Outcome<Item> {
        let (_, scope) = self.staff(call)?;
        let at = now();
        let row = self
            .library
            .write(move |transaction| {
                let existing = store::find_item(transaction, &scope, &request.id)?
                    .ok_or_else(|| not_found("item", &request.id))?;
                if existing.version != request.version {
                    return Err(stale("item", &request.id, existing.version, request.version));
                }
                let fields = checked_item(transaction, &scope, &request.item)?;
                let row = ItemRow {
                    id: existing.id.clone(),
                    record_id: existing.record_id.clone(),
                    status: existing.status,
                    status_changed_at: existing.status_changed_at,
                    status_reason: existing.status_reason.clone(),
                    version: existing.version + 1,
                    created_at: existing.created_at,
                    updated_at: at,
                    ..fields
                };
                let changed = store::update_item(transaction, &scope, &row, request.version)
                    .map_err(|error| conflict_on_code(error, "barcode", "item", &row.barcode))?;
                if changed == 0 {
                    return Err(stale("item", &request.id, existing.version + 1, request.version));
                }
                transaction.record_change(
                    &scope,
                    Change::item(&row.id, &row.record_id, FeedChange::Updated, at),
                );
                Ok(row)
            })
            .await?;
        Ok(item_view(row, true))
    }

    pub(super) async fn set_item_status_as(
        &self,
        call: &Call,
        request: SetItemStatus,
    ) -> Outcome<Item> {
        let (_, scope) = self.staff(call)?;
        let at = now();
        let reason = request
            .reason
            .as_deref()
            .map(str::trim)
            .filter(|text| !text.is_empty())
            .map(str::to_string);
        let row = self
            .library
            .write(move |transaction| {
                let existing = store::find_item(transaction, &scope, &request.id)?
                    .ok_or_else(|| not_found("item", &request.id))?;
                let from = existing.status;
                check_manual_status(from, request.status)?;
                let row = ItemRow {
                    status: request.status,
                    status_changed_at: at,
                    status_reason: reason,
                    version: existing.version + 1,
                    updated_at: at,
                    ..existing.clone()
                };
                if store::update_item(transaction, &scope, &row, existing.version)? == 0 {
                    return Err(stale("item", &request.id, existing.version + 1, existing.version));
                }
                transaction.record_change(
                    &scope,
                    Change::item(&row.id, &row.record_id, FeedChange::StatusChanged, at),
                );
                Ok(row)
            })
            .await?;
        Ok(item_view(row, true))
    }

    pub(super) async fn delete_item_as(&self, call: &Call, request: ById) -> Outcome<Done> {
        let (_, scope) = self.staff(call)?;
        let at = now();
        self.library
            .write(move |transaction| {
                let existing = store::find_item(transaction, &scope, &request.id)?
                    .ok_or_else(|| not_found("item", &request.id))?;
                let status = existing.status;
                if matches!(
                    status,
                    ItemStatus::OnLoan | ItemStatus::OnHoldShelf | ItemStatus::InTransit
                ) {
                    return Err(ApiError::conflict(format!(
                        "item {} is {}; check it in before deleting it",
                        existing.barcode,
                        status.as_str().replace('_', " ")
                    ))
                    .into());
                }
                store::delete_item(transaction, &scope, &request.id)?;
                transaction.record_change(
                    &scope,
                    Change::item(&existing.id, &existing.record_id, FeedChange::Deleted, at),
                );
                Ok(Done {})
            })
            .await
    }
}

/// Checks an item's fields against the tenant's branches, locations and lists, and
/// returns them as a row missing only its id, record, status, version and times.
fn checked_item(
    connection: &mut DbConnection,
    scope: &TenantScope,
    input: &ItemInput,
) -> Outcome<ItemRow> {
    let barcode = input.barcode.trim();
    if barcode.is_empty()
        || barcode.chars().count() > 64
        || barcode.chars().any(|c| c.is_control() || c.is_whitespace())
    {
        return Err(refusal(
            "barcode",
            format!("barcode {barcode:?} must be 1 to 64 characters without spaces"),
        ));
    }
    let branch_id = input.branch_id.0.clone();
    if store::find_branch(connection, scope, &branch_id)?.is_none() {
        return Err(refusal("branchId", format!("no branch has id {branch_id} in this library")));
    }
    if let Some(location_id) = &input.location_id {
        let location = store::find_location(connection, scope, location_id)?.ok_or_else(|| {
            refusal("locationId", format!("no shelving location has id {}", location_id.0))
        })?;
        if location.branch_id != branch_id {
            return Err(refusal("locationId", "the shelving location belongs to another branch"));
        }
    }
    for (field, id, vocabulary) in [
        ("materialTypeId", &input.material_type_id, Vocabulary::MaterialType),
        ("loanTypeId", &input.loan_type_id, Vocabulary::LoanType),
    ] {
        if let Some(id) = id {
            let term = store::find_term(connection, scope, id)?
                .ok_or_else(|| refusal(field, format!("no term has id {}", id.0)))?;
            if term.vocabulary != vocabulary {
                return Err(refusal(
                    field,
                    format!("term {} is not a {}", id.0, vocabulary.as_str().replace('_', " ")),
                ));
            }
        }
    }
    let price_minor = match input.price.as_deref().map(str::trim).filter(|text| !text.is_empty()) {
        None => None,
        Some(text) => Some(parse_price(text).ok_or_else(|| {
            refusal(
                "price",
                format!("price {text:?} is not an amount such as 12.99 (nor below zero)"),
            )
        })?),
    };
    for (field, value) in [
        ("callNumber", &input.call_number),
        ("copyNumber", &input.copy_number),
        ("volume", &input.volume),
        ("publicNote", &input.public_note),
        ("staffNote", &input.staff_note),
    ] {
        if let Some(value) = value {
            check_item_text(field, value.trim()).map_err(|problem| refusal(field, problem))?;
        }
    }
    let text = |value: &Option<String>| {
        value.as_deref().map(str::trim).filter(|text| !text.is_empty()).map(str::to_string)
    };
    let at = now();
    Ok(ItemRow {
        id: String::new(),
        record_id: String::new(),
        barcode: barcode.to_string(),
        branch_id,
        location_id: input.location_id.as_ref().map(|id| id.0.clone()),
        call_number: text(&input.call_number),
        material_type_id: input.material_type_id.as_ref().map(|id| id.0.clone()),
        loan_type_id: input.loan_type_id.as_ref().map(|id| id.0.clone()),
        copy_number: text(&input.copy_number),
        volume: text(&input.volume),
        price_minor,
        status: ItemStatus::Available,
        status_changed_at: at,
        status_reason: None,
        public_note: text(&input.public_note),
        staff_note: text(&input.staff_note),
        version: 0,
        created_at: at,
        updated_at: at,
    })
}
