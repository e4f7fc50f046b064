//! Patrons: saving and finding them, blocks, online registration and the history setting.

use async_graphql::ID;
use athenaeum_auth::TenantScope;
use athenaeum_db::DbConnection;
use athenaeum_kernel::{ApiError, new_id};
use athenaeum_transport::Call;

use super::context::{Library, Settings};
use super::views::load_patron;
use super::{
    Acting, CirculationService, Outcome, conflict, not_found, page_size, reason_text, refusal,
    split_page,
};
use crate::api::*;
use crate::domain::values;
use crate::store::{self, BlockRow, PatronRow};

/// The most cards one patron may carry.
const MOST_CARDS: usize = 10;

fn optional_text(field: &str, text: Option<String>, most: usize) -> Outcome<Option<String>> {
    let Some(text) = text else { return Ok(None) };
    let trimmed = text.trim();
    if trimmed.is_empty() {
        return Ok(None);
    }
    if trimmed.chars().count() > most {
        return Err(refusal(field, format!("{field} is at most {most} characters")));
    }
    Ok(Some(trimmed.to_string()))
}

fn email_of(text: Option<String>) -> Outcome<Option<String>> {
    let email = optional_text("email", text, 254)?;
    if let Some(email) = &email {
        let parts: Vec<&str> = email.split('@').collect();
        if parts.len() != 2
            || parts[0].is_empty()
            || !parts[1].contains('.')
            || email.contains(char::is_whitespace)
        {
            return Err(refusal("email", format!("{email} is not an email address")));
        }
    }
    Ok(email.map(|email| email.to_lowercase()))
}

/// Reads the patron an acting caller names: staff name any patron of their library (by
/// id), a person is their own linked patron. `NOT_FOUND` otherwise, also when staff name
/// another library's patron.
pub(super) fn patron_for(
    connection: &mut DbConnection,
    acting: &Acting,
    patron_id: Option<&ID>,
) -> Outcome<PatronRow> {
    let scope = acting.scope();
    match (acting, patron_id) {
        (Acting::Staff { .. }, Some(id)) => store::find_patron(connection, scope, id)?
            .ok_or_else(|| not_found(format!("no patron has id {} in this library", id.0))),
        (Acting::Staff { caller, .. } | Acting::Person { caller, .. }, None) => {
            store::find_patron_by_account(connection, scope, caller.account_id())?.ok_or_else(|| {
                not_found("you are not registered as a patron of this library yet; register, or ask at the desk")
            })
        }
        (Acting::Person { caller, .. }, Some(id)) => {
            match store::find_patron_by_account(connection, scope, caller.account_id())? {
                Some(patron) if patron.id == id.0 => Ok(patron),
                _ => Err(not_found(format!("no patron has id {} in this library", id.0))),
            }
        }
    }
}

impl CirculationService {
    pub(super) async fn save_patron_as(&self, call: &Call, request: SavePatron) -> Outcome<Patron> {
        let now = self.now();
        let (_, scope) = self.staff(call)?;
        let name =
            values::person_name(&request.name).map_err(|message| refusal("name", message))?;
        let email = email_of(request.email.clone())?;
        let phone = optional_text("phone", request.phone.clone(), 40)?;
        let address = optional_text("address", request.address.clone(), 500)?;
        let staff_note = optional_text("staffNote", request.staff_note.clone(), 2_000)?;
        if request.cards.is_empty() {
            return Err(refusal("cards", "a patron needs at least one card barcode"));
        }
        if request.cards.len() > MOST_CARDS {
            return Err(refusal("cards", format!("a patron has at most {MOST_CARDS} cards")));
        }
        let mut cards = Vec::with_capacity(request.cards.len());
        for (index, card) in request.cards.iter().enumerate() {
            let barcode = values::card_barcode(card)
                .map_err(|message| refusal(format!("cards.{index}"), message))?;
            if !cards.contains(&barcode) {
                cards.push(barcode);
            }
        }
        self.library
            .write(move |transaction| {
                let library = Library::read(transaction, &scope)?;
                library.require_branch("homeBranchId", &request.home_branch_id)?;
                if !library.groups.iter().any(|group| group.id == request.patron_group_id.0) {
                    return Err(refusal(
                        "patronGroupId",
                        format!("the library has no patron group with id {}", request.patron_group_id.0),
                    ));
                }
                let at = now;
                let existing = match &request.id {
                    Some(id) => Some(
                        store::find_patron(transaction, &scope, id)?
                            .ok_or_else(|| not_found(format!("no patron has id {} in this library", id.0)))?,
                    ),
                    None => None,
                };
                let row = PatronRow {
                    id: existing.as_ref().map_or_else(new_id, |patron| patron.id.clone()),
                    name_key: values::name_key(&name),
                    name: name.clone(),
                    email,
                    phone,
                    address,
                    home_branch_id: request.home_branch_id.0.clone(),
                    patron_group_id: request.patron_group_id.0.clone(),
                    expires_on: request.expires_on,
                    staff_note,
                    status: request
                        .status
                        .or(existing.as_ref().map(|patron| patron.status))
                        .unwrap_or(PatronStatus::Active),
                    account_id: existing.as_ref().and_then(|patron| patron.account_id.clone()),
                    keep_history: existing.as_ref().is_some_and(|patron| patron.keep_history),
                    version: existing.as_ref().map_or(1, |patron| patron.version + 1),
                    created_at: existing.as_ref().map_or(at, |patron| patron.created_at),
                    updated_at: at,
                };
                match &existing {
                    Some(patron) => {
                        let version = request.version.ok_or_else(|| {
                            refusal("version", "give the version of the patron you changed")
                        })?;
                        if store::update_patron(transaction, &scope, &row, version)? == 0 {
                            return Err(conflict(
                                "version",
                                format!(
                                    "patron {} is at version {}, not {version}: someone changed it since you loaded it; reload and edit again",
                                    patron.name, patron.version
                                ),
                            ));
                        }
                    }
                    None => store::insert_patron(transaction, &scope, &row)?,
                }
                store::replace_cards(transaction, &scope, &row.id, &cards, at).map_err(|error| {
                    if error.is_unique_violation() {
                        conflict("cards", "one of these card barcodes belongs to another patron of the library")
                    } else {
                        error.into()
                    }
                })?;
                let saved = store::find_patron(transaction, &scope, &row.id)?
                    .ok_or_else(|| not_found("the patron was removed meanwhile"))?;
                load_patron(transaction, &scope, saved, true)
            })
            .await
    }

    pub(super) async fn get_patron_as(&self, call: &Call, request: PatronRef) -> Outcome<Patron> {
        let acting = self.acting(call)?;
        self.library
            .read(move |connection| {
                let patron = patron_for(connection, &acting, request.patron_id.as_ref())?;
                load_patron(connection, acting.scope(), patron, acting.is_staff())
            })
            .await
    }

    pub(super) async fn find_patrons_as(
        &self,
        call: &Call,
        request: FindPatrons,
    ) -> Outcome<PatronPage> {
        let (_, scope) = self.staff(call)?;
        let first = page_size(request.first, 100)?;
        let query = request.query.trim().to_string();
        if query.is_empty() {
            return Err(refusal(
                "query",
                "say what to look for: a card barcode, an email address or a name",
            ));
        }
        let after = match &request.after {
            Some(cursor) => Some(
                cursor
                    .split_once('\u{1f}')
                    .map(|(key, id)| (key.to_string(), id.to_string()))
                    .ok_or_else(|| {
                        refusal("after", "this cursor is not one a patron search returned")
                    })?,
            ),
            None => None,
        };
        self.library
            .read(move |connection| {
                let name_prefix = values::name_key(&query);
                let rows = store::search_patrons(
                    connection,
                    &scope,
                    &query,
                    &name_prefix,
                    after.as_ref().map(|(key, id)| (key.as_str(), id.as_str())),
                    first + 1,
                )?;
                let (rows, has_next_page) = split_page(rows, first);
                let end_cursor = rows.last().map(|row| format!("{}\u{1f}{}", row.name_key, row.id));
                let ids: Vec<String> = rows.iter().map(|row| row.id.clone()).collect();
                let cards = store::cards_of(connection, &scope, &ids)?;
                let blocks = store::blocks_of(connection, &scope, &ids)?;
                let patrons = rows
                    .into_iter()
                    .map(|row| {
                        let own_cards = cards
                            .iter()
                            .filter(|(id, _)| *id == row.id)
                            .map(|(_, card)| card.clone())
                            .collect();
                        let own_blocks = blocks
                            .iter()
                            .filter(|block| block.patron_id == row.id)
                            .cloned()
                            .collect();
                        super::views::patron_view(row, own_cards, own_blocks, true)
                    })
                    .collect();
                Ok(PatronPage { patrons, has_next_page, end_cursor })
            })
            .await
    }

    pub(super) async fn add_block_as(&self, call: &Call, request: AddBlock) -> Outcome<Patron> {
        let now = self.now();
        let (caller, scope) = self.staff(call)?;
        let reason = reason_text("reason", &request.reason)?;
        let by = caller.account_id().to_string();
        self.library
            .write(move |transaction| {
                let patron = store::find_patron(transaction, &scope, &request.patron_id)?
                    .ok_or_else(|| {
                        not_found(format!(
                            "no patron has id {} in this library",
                            request.patron_id.0
                        ))
                    })?;
                store::insert_block(
                    transaction,
                    &scope,
                    &BlockRow {
                        id: new_id(),
                        patron_id: patron.id.clone(),
                        reason,
                        created_by: by,
                        created_at: now,
                        lifted_by: None,
                        lifted_at: None,
                    },
                )?;
                load_patron(transaction, &scope, patron, true)
            })
            .await
    }

    pub(super) async fn lift_block_as(&self, call: &Call, request: LiftBlock) -> Outcome<Patron> {
        let now = self.now();
        let (caller, scope) = self.staff(call)?;
        let by = caller.account_id().to_string();
        self.library
            .write(move |transaction| {
                let patron_id =
                    store::lift_block(transaction, &scope, &request.block_id, &by, now)?
                        .ok_or_else(|| {
                            not_found(format!(
                                "no block in force has id {} in this library",
                                request.block_id.0
                            ))
                        })?;
                let patron = store::find_patron(transaction, &scope, &patron_id)?
                    .ok_or_else(|| not_found("the patron was removed meanwhile"))?;
                load_patron(transaction, &scope, patron, true)
            })
            .await
    }

    pub(super) async fn confirm_patron_as(
        &self,
        call: &Call,
        request: PatronRef,
    ) -> Outcome<Patron> {
        let now = self.now();
        let (_, scope) = self.staff(call)?;
        let id =
            request.patron_id.ok_or_else(|| refusal("patronId", "name the patron to confirm"))?;
        self.library
            .write(move |transaction| {
                let patron = store::find_patron(transaction, &scope, &id)?.ok_or_else(|| {
                    not_found(format!("no patron has id {} in this library", id.0))
                })?;
                if patron.status != PatronStatus::Provisional {
                    return Err(conflict(
                        "patronId",
                        format!(
                            "{} is {}, not waiting to be confirmed",
                            patron.name, patron.status
                        ),
                    ));
                }
                store::set_patron_status(
                    transaction,
                    &scope,
                    &patron.id,
                    PatronStatus::Active,
                    now,
                )?;
                let patron = store::find_patron(transaction, &scope, &patron.id)?
                    .ok_or_else(|| not_found("the patron was removed meanwhile"))?;
                load_patron(transaction, &scope, patron, true)
            })
            .await
    }

    pub(super) async fn register_patron_as(
        &self,
        call: &Call,
        request: RegisterPatron,
    ) -> Outcome<Patron> {
        let now = self.now();
        let acting = self.acting(call)?;
        let name =
            values::person_name(&request.name).map_err(|message| refusal("name", message))?;
        let email = email_of(request.email.clone())?;
        let phone = optional_text("phone", request.phone.clone(), 40)?;
        let address = optional_text("address", request.address.clone(), 500)?;
        let account_id = acting.caller().account_id().to_string();
        let scope: TenantScope = acting.scope().clone();
        self.library
            .write(move |transaction| {
                let library = Library::read(transaction, &scope)?;
                library.require_branch("homeBranchId", &request.home_branch_id)?;
                let settings: &Settings = &library.settings;
                let group = settings.registration_group_id.clone().ok_or_else(|| {
                    ApiError::forbidden("this library does not take registrations online yet; please register at a branch")
                })?;
                if store::find_patron_by_account(transaction, &scope, &account_id)?.is_some() {
                    return Err(conflict("account", "you are registered as a patron of this library already"));
                }
                let at = now;
                let row = PatronRow {
                    id: new_id(),
                    name_key: values::name_key(&name),
                    name,
                    email,
                    phone,
                    address,
                    home_branch_id: request.home_branch_id.0.clone(),
                    patron_group_id: group,
                    expires_on: None,
                    staff_note: None,
                    status: if settings.confirm_registrations { PatronStatus::Active } else { PatronStatus::Provisional },
                    account_id: Some(account_id),
                    keep_history: false,
                    version: 1,
                    created_at: at,
                    updated_at: at,
                };
                store::insert_patron(transaction, &scope, &row).map_err(|error| {
                    if error.is_unique_violation() {
                        conflict("account", "you are registered as a patron of this library already")
                    } else {
                        error.into()
                    }
                })?;
                load_patron(transaction, &scope, row, false)
            })
            .await
    }

    pub(super) async fn set_keep_history_as(
        &self,
        call: &Call,
        request: SetKeepHistory,
    ) -> Outcome<Patron> {
        let now = self.now();
        let acting = self.acting(call)?;
        self.library
            .write(move |transaction| {
                let patron = patron_for(transaction, &acting, None)?;
                let scope = acting.scope();
                store::set_keep_history(transaction, scope, &patron.id, request.keep, now)?;
                if !request.keep {
                    store::anonymise_history(transaction, scope, &patron.id)?;
                }
                let patron = store::find_patron(transaction, scope, &patron.id)?
                    .ok_or_else(|| not_found("the patron was removed meanwhile"))?;
                load_patron(transaction, scope, patron, acting.is_staff())
            })
            .await
    }

    pub(super) async fn delete_history_as(&self, call: &Call, _: Nothing) -> Outcome<Done> {
        let acting = self.acting(call)?;
        self.library
            .write(move |transaction| {
                let patron = patron_for(transaction, &acting, None)?;
                store::anonymise_history(transaction, acting.scope(), &patron.id)?;
                Ok(Done {})
            })
            .await
    }
}
