//! Reading out of the catalogue: MARC exports, the change feed, and what the search
//! index reads of the records the feed touches.

use std::collections::{HashMap, HashSet};

use athenaeum_auth::TenantScope;
use athenaeum_db::DbConnection;
use athenaeum_library_db::feed;
use athenaeum_transport::Call;

use super::{CatalogueService, Outcome, page_size, refusal, split_page};
use crate::api::*;
use crate::error::CatalogueError;
use crate::store::{self, IndexRecordRow};

impl CatalogueService {
    pub(super) async fn export_records_as(
        &self,
        call: &Call,
        request: ExportRecords,
    ) -> Outcome<MarcPage> {
        let (_, scope) = self.staff(call)?;
        self.export_page(&scope, request).await
    }

    /// Returns a page of stored MARC, for exports.
    pub async fn export_page(
        &self,
        scope: &TenantScope,
        request: ExportRecords,
    ) -> Outcome<MarcPage> {
        let first = page_size(request.page.first, 1_000)?;
        super::check_filter(&request.filter)?;
        let scope = scope.clone();
        let rows = self
            .library
            .read(move |connection| {
                Ok::<_, CatalogueError>(store::list_marc(
                    connection,
                    &scope,
                    &request.filter,
                    request.page.after.as_deref(),
                    first + 1,
                )?)
            })
            .await?;
        let (rows, has_next_page) = split_page(rows, first);
        Ok(MarcPage {
            records: rows
                .into_iter()
                .map(|row| StoredMarc { id: row.id, marc_json: row.marc })
                .collect(),
            has_next_page,
        })
    }

    pub(super) async fn read_index_feed_as(
        &self,
        call: &Call,
        request: ReadIndexFeed,
    ) -> Outcome<IndexFeed> {
        self.caller(call)?.require_service("search")?;
        check_feed_limit(request.limit, 10_000)?;
        self.library
            .read(move |connection| {
                let events =
                    feed::read_changes(connection, request.after, i64::from(request.limit))?;
                let last_position = events.last().map_or(request.after, |event| event.position);
                let mut touched: Vec<String> =
                    events.iter().map(|event| event.record_id.clone()).collect();
                touched.sort_unstable();
                touched.dedup();
                let rows = store::index_records(connection, &touched)?;
                let (records, other_kinds) = index_records(connection, rows)?;
                // Each touched record once: indexed, or named for removal.
                let mut seen: HashSet<String> = records
                    .iter()
                    .map(|record| record.record_id.clone())
                    .chain(other_kinds.iter().map(|gone| gone.record_id.clone()))
                    .collect();
                let mut removed: Vec<RecordRef> = other_kinds;
                for event in &events {
                    if seen.insert(event.record_id.clone()) {
                        removed.push(RecordRef {
                            tenant_id: event.tenant_id.clone(),
                            record_id: event.record_id.clone(),
                        });
                    }
                }
                Ok::<_, CatalogueError>(IndexFeed {
                    last_position,
                    events: u32::try_from(events.len()).unwrap_or(u32::MAX),
                    records,
                    removed,
                })
            })
            .await
    }

    pub(super) async fn scan_index_records_as(
        &self,
        call: &Call,
        request: ScanIndexRecords,
    ) -> Outcome<IndexScan> {
        self.caller(call)?.require_service("search")?;
        check_feed_limit(request.limit, 2_000)?;
        self.library
            .read(move |connection| {
                // Read the head first: every change up to it is committed, so the page read
                // after it reflects at least that much.
                let head_position = feed::feed_head(connection)?;
                let rows = store::scan_index_records(
                    connection,
                    request.tenant_id.as_deref(),
                    request.after_id.as_deref(),
                    i64::from(request.limit) + 1,
                )?;
                let (rows, has_next_page) = split_page(rows, i64::from(request.limit));
                let (records, _) = index_records(connection, rows)?;
                Ok::<_, CatalogueError>(IndexScan { head_position, records, has_next_page })
            })
            .await
    }

    pub(super) async fn read_changes_as(
        &self,
        call: &Call,
        request: ReadChanges,
    ) -> Outcome<ChangePage> {
        self.caller(call)?.require_service("search")?;
        check_feed_limit(request.limit, 10_000)?;
        let rows = self
            .library
            .read(move |connection| {
                Ok::<_, CatalogueError>(feed::read_changes(
                    connection,
                    request.after,
                    i64::from(request.limit),
                )?)
            })
            .await?;
        Ok(ChangePage {
            events: rows
                .into_iter()
                .map(|row| ChangeEvent {
                    position: row.position,
                    tenant_id: row.tenant_id,
                    entity: row.entity,
                    entity_id: row.entity_id,
                    record_id: row.record_id,
                    change: row.change,
                    occurred_at: row.occurred_at.and_utc(),
                })
                .collect(),
        })
    }
}

fn check_feed_limit(limit: u32, most: u32) -> Outcome<()> {
    if (1..=most).contains(&limit) {
        return Ok(());
    }
    Err(refusal("limit", format!("limit must be between 1 and {most}, not {limit}")))
}

/// Turns stored rows into what the index needs, with their items; rows that are not
/// bibliographic come back as references to drop from the index.
fn index_records(
    connection: &mut DbConnection,
    rows: Vec<IndexRecordRow>,
) -> Result<(Vec<IndexRecord>, Vec<RecordRef>), CatalogueError> {
    let (bibliographic, others): (Vec<_>, Vec<_>) =
        rows.into_iter().partition(|row| row.kind == RecordKind::Bibliographic);
    let ids: Vec<String> = bibliographic.iter().map(|row| row.id.clone()).collect();
    let mut items: HashMap<String, Vec<IndexItem>> = HashMap::new();
    for item in store::index_items(connection, &ids)? {
        items.entry(item.record_id).or_default().push(IndexItem {
            item_id: item.id,
            barcode: item.barcode,
            branch_code: item.branch_code,
            branch_name: item.branch_name,
            location_name: item.location_name,
            call_number: item.call_number,
            status: item.status,
        });
    }
    let records = bibliographic
        .into_iter()
        .map(|row| IndexRecord {
            items: items.remove(&row.id).unwrap_or_default(),
            tenant_id: row.tenant_id,
            record_id: row.id,
            version: row.version,
            created_at: row.created_at.and_utc(),
            updated_at: row.updated_at.and_utc(),
            description: row.description,
        })
        .collect();
    let others = others
        .into_iter()
        .map(|row| RecordRef { tenant_id: row.tenant_id, record_id: row.id })
        .collect();
    Ok((records, others))
}
