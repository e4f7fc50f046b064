//! Records: reading, listing, creating (from MARC or the simple form), replacing and
//! deleting them, with their match keys and heading links.

use std::collections::BTreeMap;

use athenaeum_auth::TenantScope;
use athenaeum_db::DbConnection;
use athenaeum_kernel::{ApiError, Timestamp, new_id, now};
use athenaeum_library_db::feed::{Change, FeedChange};
use athenaeum_marc::Record;
use athenaeum_transport::Call;

use super::{
    CatalogueService, Outcome, check_filter, not_found, page_size, refusal, split_page, stale,
};
use crate::api::*;
use crate::domain::{
    HeadingLink, KeyKind, MatchKey, apply_form, heading_links, match_keys, record_from_form,
};
use crate::error::CatalogueError;
use crate::records::{record_row, record_view, stored_record};
use crate::store::{self, HeadingLinkRow, KeyRow};

impl CatalogueService {
    pub(super) async fn get_record_as(
        &self,
        call: &Call,
        request: GetRecord,
    ) -> Outcome<CatalogueRecord> {
        let reader = self.reader(call, request.public_tenant_id.as_deref())?;
        let row = self
            .library
            .read(move |connection| {
                store::find_record(connection, &reader.scope(), &request.id)?
                    .ok_or_else(|| not_found("record", &request.id))
            })
            .await?;
        record_view(row)
    }

    pub(super) async fn get_records_as(
        &self,
        call: &Call,
        request: GetRecords,
    ) -> Outcome<RecordPage> {
        let reader = self.reader(call, request.public_tenant_id.as_deref())?;
        if request.ids.len() > super::MOST_IDS {
            return Err(refusal(
                "ids",
                format!("ask for at most 500 records at once, not {}", request.ids.len()),
            ));
        }
        let rows = self
            .library
            .read(move |connection| {
                Ok::<_, CatalogueError>(store::find_records(
                    connection,
                    &reader.scope(),
                    &request.ids,
                )?)
            })
            .await?;
        let records = rows.into_iter().map(record_view).collect::<Outcome<Vec<_>>>()?;
        Ok(RecordPage { records, has_next_page: false })
    }

    pub(super) async fn list_records_as(
        &self,
        call: &Call,
        request: ListRecords,
    ) -> Outcome<RecordPage> {
        let reader = self.reader(call, request.public_tenant_id.as_deref())?;
        let first = page_size(request.page.first, 100)?;
        check_filter(&request.filter)?;
        let rows = self
            .library
            .read(move |connection| {
                Ok::<_, CatalogueError>(store::list_records(
                    connection,
                    &reader.scope(),
                    &request.filter,
                    request.page.after.as_deref(),
                    first + 1,
                )?)
            })
            .await?;
        let (rows, has_next_page) = split_page(rows, first);
        let records = rows.into_iter().map(record_view).collect::<Outcome<Vec<_>>>()?;
        Ok(RecordPage { records, has_next_page })
    }

    pub(super) async fn create_record_as(
        &self,
        call: &Call,
        request: CreateRecord,
    ) -> Outcome<CatalogueRecord> {
        let (_, scope) = self.staff(call)?;
        let at = now();
        let record = match request.content {
            RecordContent::Marc { syntax, text } => parse_marc(syntax, &text)?,
            RecordContent::Form(form) => record_from_form(&form, &today(at))?,
        };
        let content = record_row(&record).map_err(|message| refusal("marc", message))?;
        let kind = content.kind;
        let row = content.into_row(new_id(), 1, None, at, at);
        let keys = match_keys(&record, kind, None);
        let links = heading_links(&record);
        let stored = row.clone();
        self.library
            .write(move |transaction| {
                store::insert_records(transaction, &scope, std::slice::from_ref(&row))?;
                write_keys_and_links(transaction, &scope, &row.id, &keys, &links)?;
                transaction.record_change(&scope, Change::record(&row.id, FeedChange::Created, at));
                Ok::<_, CatalogueError>(())
            })
            .await?;
        record_view(stored)
    }

    pub(super) async fn update_record_as(
        &self,
        call: &Call,
        request: UpdateRecord,
    ) -> Outcome<CatalogueRecord> {
        let (_, scope) = self.staff(call)?;
        let at = now();
        let existing = {
            let scope = scope.clone();
            let id = request.id.clone();
            self.library
                .read(move |connection| {
                    store::find_record(connection, &scope, &id)?
                        .ok_or_else(|| not_found("record", &id))
                })
                .await?
        };
        if existing.version != request.version {
            return Err(stale("record", &request.id, existing.version, request.version));
        }
        let record = match request.content {
            RecordContent::Marc { syntax, text } => parse_marc(syntax, &text)?,
            RecordContent::Form(form) => {
                let current = stored_record(&existing.marc)?;
                apply_form(&current, &form, &today(at))?
            }
        };
        let content = record_row(&record).map_err(|message| refusal("marc", message))?;
        let kind = content.kind;
        let row = content.into_row(
            existing.id.clone(),
            existing.version + 1,
            existing.import_job_id.clone(),
            existing.created_at,
            at,
        );
        let keys = match_keys(&record, kind, None);
        let links = heading_links(&record);
        let stored = row.clone();
        let version = request.version;
        self.library
            .write(move |transaction| {
                if store::update_record(transaction, &scope, &row, version)? == 0 {
                    return Err(ApiError::conflict(format!(
                        "record {} was changed by someone else while you edited it; reload it and edit again",
                        row.id
                    ))
                    .into());
                }
                let ids = [row.id.clone()];
                store::delete_keys(transaction, &scope, &ids)?;
                store::delete_heading_links(transaction, &scope, &ids)?;
                write_keys_and_links(transaction, &scope, &row.id, &keys, &links)?;
                transaction.record_change(&scope, Change::record(&row.id, FeedChange::Updated, at));
                Ok::<_, CatalogueError>(())
            })
            .await?;
        record_view(stored)
    }

    pub(super) async fn delete_record_as(&self, call: &Call, request: ById) -> Outcome<Done> {
        let (_, scope) = self.staff(call)?;
        let at = now();
        self.library
            .write(move |transaction| {
                if store::find_record(transaction, &scope, &request.id)?.is_none() {
                    return Err(not_found("record", &request.id));
                }
                let count = store::count_items(transaction, &scope, &request.id)?;
                if count > 0 {
                    return Err(ApiError::conflict(format!(
                        "record {} still has {count} item(s); delete or move them first",
                        request.id
                    ))
                    .into());
                }
                store::delete_record(transaction, &scope, &request.id)?;
                transaction
                    .record_change(&scope, Change::record(&request.id, FeedChange::Deleted, at));
                Ok(Done {})
            })
            .await
    }
}

/// Parses one MARC record given through the API.
fn parse_marc(syntax: MarcSyntax, text: &str) -> Outcome<Record> {
    let parsed = match syntax {
        MarcSyntax::MarcXml => athenaeum_marc::xml::read_record(text).map(|(record, _)| record),
        MarcSyntax::MarcJson => athenaeum_marc::json::from_str(text),
        MarcSyntax::Iso2709 => {
            use base64::Engine;
            let bytes =
                base64::engine::general_purpose::STANDARD.decode(text.trim()).map_err(|error| {
                    refusal("marc", format!("the ISO 2709 record is not valid base64: {error}"))
                })?;
            athenaeum_marc::iso2709::read_record(&bytes).map(|(record, _)| record)
        }
    };
    parsed.map_err(|error| {
        refusal("marc", format!("the MARC record cannot be read: {}", error.message))
    })
}

/// Today as `yymmdd`, for 008/00-05.
fn today(at: Timestamp) -> String {
    at.format("%y%m%d").to_string()
}

/// Writes a record's match keys and heading links, and links headings anywhere in the
/// catalogue to it when it is an authority record they name.
fn write_keys_and_links(
    connection: &mut DbConnection,
    scope: &TenantScope,
    record_id: &str,
    keys: &[MatchKey],
    links: &[HeadingLink],
) -> Outcome<()> {
    let key_rows: Vec<KeyRow> = keys
        .iter()
        .map(|key| KeyRow {
            kind: key.kind,
            value: key.value.clone(),
            record_id: record_id.to_string(),
        })
        .collect();
    store::insert_keys(connection, scope, &key_rows)?;
    let wanted: Vec<String> = links.iter().map(|link| link.authority_key.clone()).collect();
    let known: BTreeMap<String, String> =
        store::find_keys(connection, scope, KeyKind::Authority, &wanted)?
            .into_iter()
            .map(|holder| (holder.value, holder.record_id))
            .collect();
    let link_rows: Vec<HeadingLinkRow> = links
        .iter()
        .map(|link| HeadingLinkRow {
            id: new_id(),
            record_id: record_id.to_string(),
            tag: link.tag.clone(),
            heading: link.heading.clone(),
            authority_key: link.authority_key.clone(),
            authority_id: known.get(&link.authority_key).cloned(),
        })
        .collect();
    store::insert_heading_links(connection, scope, &link_rows)?;
    for key in keys.iter().filter(|key| key.kind == KeyKind::Authority) {
        store::link_headings(connection, scope, &key.value, record_id)?;
    }
    Ok(())
}
