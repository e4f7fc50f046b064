//! Writing one batch of an import in its transaction: look up what the catalogue holds
//! for the batch's keys, decide each record with the matching rule, build the rows, and
//! write them with their keys, heading links, items, problems and the job's counters. A
//! preview looks up and decides the same way, then writes only its decisions, problems
//! and counters. The rules live in `domain`; this room only looks up, composes and writes.

use std::collections::HashMap;

use athenaeum_auth::TenantScope;
use athenaeum_db::DbError;
use athenaeum_kernel::{Timestamp, new_id, now};
use athenaeum_library_db::LibraryTransaction;
use athenaeum_library_db::feed::{Change, FeedChange};

use super::Entry;
use super::items::ItemWriter;
use super::preview::{Decided, Learned, PreviewMemory, stand_in};
use crate::api::{ImportOptions, MatchRule, ProblemSeverity};
use crate::domain::KeyKind;
use crate::domain::matching::{self, Decision, Incoming, MatchSettings, Stored};
use crate::store::{self, HeadingLinkRow, ImportProgress, KeyRow, ProblemRow, RecordRow};

/// What every batch of one import shares.
pub(super) struct BatchWrite<'a> {
    /// The tenant.
    pub scope: &'a TenantScope,
    /// The job.
    pub job_id: &'a str,
    /// How it runs.
    pub options: &'a ImportOptions,
    /// How records are matched.
    pub settings: &'a MatchSettings,
    /// For a preview, what earlier batches of the file would have written; `None` for an
    /// import, which writes them.
    pub seen: Option<&'a PreviewMemory>,
    /// Problems listed for the job; more are counted only.
    pub problems_listed: u64,
}

/// The rows an import batch writes, built from its decisions.
#[derive(Default)]
struct Plan {
    /// Records that are new.
    new_rows: Vec<RecordRow>,
    /// Stored records overlaid, with the version each must still be at.
    updates: Vec<(RecordRow, i32)>,
    /// Each written entry, with the id of the record it was written as.
    written: Vec<(usize, String)>,
}

impl BatchWrite<'_> {
    /// Writes `entries` and returns the job's counters after them, and for a preview what
    /// its memory learns once the batch has committed.
    pub(super) fn write(
        &self,
        transaction: &mut LibraryTransaction<'_>,
        entries: &[&Entry],
        mut progress: ImportProgress,
        bytes_read: u64,
    ) -> Result<(ImportProgress, Option<Learned>), DbError> {
        let at = now();
        let batch: Vec<Option<Incoming<'_>>> = entries
            .iter()
            .map(|entry| match entry {
                Entry::Record(prepared) => {
                    Some(Incoming { id: &prepared.row.id, keys: &prepared.keys })
                }
                Entry::Failed { .. } => None,
            })
            .collect();
        let stored = self.look_up(transaction, &batch)?;
        let decisions = matching::decide_batch(&batch, &stored, self.settings);
        let mut problems = self.tally(entries, &decisions, &mut progress);
        let learned = match self.seen {
            None => {
                self.write_import(
                    transaction,
                    entries,
                    &decisions,
                    &mut problems,
                    &mut progress,
                    at,
                )?;
                None
            }
            Some(seen) => Some(self.write_preview(
                transaction,
                entries,
                &decisions,
                seen,
                &mut problems,
                &mut progress,
            )?),
        };
        store::insert_problems_within(
            transaction,
            self.scope,
            self.job_id,
            problems,
            self.problems_listed,
        )?;
        progress.bytes_read =
            i64::try_from(bytes_read).unwrap_or(i64::MAX).max(progress.bytes_read);
        store::save_progress(transaction, self.scope, self.job_id, &progress, at)?;
        Ok((progress, learned))
    }

    /// A problem of this job's, at an entry's place in the file.
    pub(super) fn problem(
        &self,
        position: u64,
        byte_offset: u64,
        control_number: Option<String>,
        severity: ProblemSeverity,
        message: String,
    ) -> ProblemRow {
        ProblemRow {
            id: new_id(),
            job_id: self.job_id.to_string(),
            position: i64::try_from(position).unwrap_or(i64::MAX),
            byte_offset: i64::try_from(byte_offset).unwrap_or(i64::MAX),
            control_number,
            severity,
            message,
        }
    }

    /// Looks up, in one query per rule, every record that holds a key the enabled rules
    /// compare, and the control numbers of the records found by the other rules; in a
    /// preview, with the records earlier batches of the file would have written.
    fn look_up(
        &self,
        transaction: &mut LibraryTransaction<'_>,
        batch: &[Option<Incoming<'_>>],
    ) -> Result<Stored, DbError> {
        let mut stored = Stored::default();
        let wanted: Vec<(MatchRule, Vec<String>)> = self
            .settings
            .rules
            .iter()
            .map(|rule| (*rule, matching::wanted_values(batch, self.settings, *rule)))
            .collect();
        for (rule, values) in &wanted {
            let kind = matching::rule_kind(*rule);
            for holder in store::find_keys(transaction, self.scope, kind, values)? {
                stored.holders.entry((kind, holder.value)).or_default().push(holder.record_id);
            }
        }
        let mut candidates: Vec<String> = stored
            .holders
            .iter()
            .filter(|((kind, _), _)| *kind != KeyKind::Control)
            .flat_map(|(_, ids)| ids.iter().cloned())
            .collect();
        candidates.sort();
        candidates.dedup();
        for key in store::keys_of(transaction, self.scope, KeyKind::Control, &candidates)? {
            stored.controls.entry(key.record_id).or_default().push(key.value);
        }
        if let Some(seen) = self.seen {
            seen.add_to(&mut stored, &wanted);
        }
        Ok(stored)
    }

    /// Counts the batch's records by what was decided for them and returns the problems
    /// every run reports: records that could not be read, and warnings.
    fn tally(
        &self,
        entries: &[&Entry],
        decisions: &[Option<Decision>],
        progress: &mut ImportProgress,
    ) -> Vec<ProblemRow> {
        let mut problems = Vec::new();
        for (entry, decision) in entries.iter().zip(decisions) {
            progress.records_read += 1;
            progress.next_position =
                progress.next_position.max(i64::try_from(entry.position()).unwrap_or(i64::MAX));
            let prepared = match entry {
                Entry::Failed { position, byte_offset, control_number, message } => {
                    progress.records_failed += 1;
                    problems.push(self.problem(
                        *position,
                        *byte_offset,
                        control_number.clone(),
                        ProblemSeverity::Error,
                        message.clone(),
                    ));
                    continue;
                }
                Entry::Record(prepared) => prepared,
            };
            for warning in &prepared.warnings {
                progress.warnings += 1;
                problems.push(self.problem(
                    prepared.position,
                    prepared.byte_offset,
                    prepared.row.control_number.clone(),
                    ProblemSeverity::Warning,
                    warning.clone(),
                ));
            }
            match decision {
                None => {}
                Some(Decision::New) => progress.records_new += 1,
                Some(Decision::Skip(found)) => {
                    progress.records_skipped += 1;
                    progress.count_match(found.rule);
                }
                Some(Decision::Overlay(found)) => {
                    progress.records_overlaid += 1;
                    progress.count_match(found.rule);
                }
            }
        }
        problems
    }

    /// Writes what an import decided: the records, their keys and links, their items
    /// and the feed events.
    fn write_import(
        &self,
        transaction: &mut LibraryTransaction<'_>,
        entries: &[&Entry],
        decisions: &[Option<Decision>],
        problems: &mut Vec<ProblemRow>,
        progress: &mut ImportProgress,
        at: Timestamp,
    ) -> Result<(), DbError> {
        let versions = self.stored_versions(transaction, decisions)?;
        let plan = plan(entries, decisions, &versions);
        self.write_records(transaction, &plan, at)?;
        self.write_keys_and_links(transaction, entries, &plan)?;
        let mut items = ItemWriter::load(transaction, self.scope, self.options, None)?;
        let outcome = items.write(transaction, self, entries, &plan.written, at)?;
        progress.items_created += outcome.created;
        progress.items_failed += outcome.failed;
        progress.warnings += outcome.warnings;
        problems.extend(outcome.problems);
        Ok(())
    }

    /// Writes what a preview decided, one row per record, with the items each would add
    /// (and the problems they would meet), and returns what the preview's memory learns.
    fn write_preview(
        &self,
        transaction: &mut LibraryTransaction<'_>,
        entries: &[&Entry],
        decisions: &[Option<Decision>],
        seen: &PreviewMemory,
        problems: &mut Vec<ProblemRow>,
        progress: &mut ImportProgress,
    ) -> Result<Learned, DbError> {
        let mut learned = Learned::default();
        let mut written = Vec::new();
        for (index, (entry, decision)) in entries.iter().zip(decisions).enumerate() {
            let Entry::Record(prepared) = entry else { continue };
            let written_as = match decision {
                Some(Decision::New) => stand_in(prepared.position),
                Some(Decision::Overlay(found)) => found.record_id.clone(),
                Some(Decision::Skip(_)) | None => continue,
            };
            learned.records.push((written_as.clone(), prepared.keys.clone()));
            written.push((index, written_as));
        }
        let mut items = ItemWriter::load(transaction, self.scope, self.options, Some(seen))?;
        let outcome = items.write(transaction, self, entries, &written, now())?;
        progress.items_created += outcome.created;
        progress.items_failed += outcome.failed;
        progress.warnings += outcome.warnings;
        problems.extend(outcome.problems);
        learned.barcodes = outcome.claimed;
        let rows: Vec<_> = entries
            .iter()
            .zip(decisions)
            .enumerate()
            .map(|(index, (entry, decision))| {
                let earlier_position = match decision {
                    Some(Decision::Overlay(found) | Decision::Skip(found)) => {
                        found.earlier.and_then(|earlier| match entries.get(earlier) {
                            Some(Entry::Record(prepared)) if prepared.row.id == found.record_id => {
                                Some(prepared.position)
                            }
                            _ => None,
                        })
                    }
                    _ => None,
                };
                let (control_number, title) = match entry {
                    Entry::Record(prepared) => {
                        (prepared.row.control_number.clone(), prepared.row.title.clone())
                    }
                    Entry::Failed { control_number, .. } => (control_number.clone(), None),
                };
                Decided {
                    position: entry.position(),
                    byte_offset: entry.byte_offset(),
                    control_number,
                    title,
                    decision: decision.as_ref(),
                    earlier_position,
                    items: outcome.per_entry.get(&index).copied().unwrap_or(0),
                }
                .row(self.job_id)
            })
            .collect();
        store::insert_decisions(transaction, self.scope, &rows)?;
        Ok(learned)
    }

    /// Returns the version and creation time of each stored record the batch overlays.
    fn stored_versions(
        &self,
        transaction: &mut LibraryTransaction<'_>,
        decisions: &[Option<Decision>],
    ) -> Result<HashMap<String, (i32, Timestamp)>, DbError> {
        let overlaid: Vec<String> = decisions
            .iter()
            .filter_map(|decision| match decision {
                Some(Decision::Overlay(found)) if found.earlier.is_none() => {
                    Some(found.record_id.clone())
                }
                _ => None,
            })
            .collect();
        Ok(store::record_versions(transaction, self.scope, &overlaid)?
            .into_iter()
            .map(|stored| (stored.id, (stored.version, stored.created_at)))
            .collect())
    }

    /// Inserts the new records and updates the overlaid ones, recording each change.
    fn write_records(
        &self,
        transaction: &mut LibraryTransaction<'_>,
        plan: &Plan,
        at: Timestamp,
    ) -> Result<(), DbError> {
        store::insert_records(transaction, self.scope, &plan.new_rows)?;
        for row in &plan.new_rows {
            transaction.record_change(self.scope, Change::record(&row.id, FeedChange::Created, at));
        }
        for (row, version) in &plan.updates {
            if store::update_record(transaction, self.scope, row, *version)? == 0 {
                // Edited by someone while the batch ran; the batch is redone record by
                // record and this record reported.
                return Err(DbError::Query(diesel::result::Error::RollbackTransaction));
            }
            transaction.record_change(self.scope, Change::record(&row.id, FeedChange::Updated, at));
        }
        Ok(())
    }

    /// Replaces the keys and heading links of every record written, and links headings
    /// to the authority records they name.
    fn write_keys_and_links(
        &self,
        transaction: &mut LibraryTransaction<'_>,
        entries: &[&Entry],
        plan: &Plan,
    ) -> Result<(), DbError> {
        let touched: Vec<String> = plan.updates.iter().map(|(row, _)| row.id.clone()).collect();
        store::delete_keys(transaction, self.scope, &touched)?;
        store::delete_heading_links(transaction, self.scope, &touched)?;
        // The last content written for each record id wins (a record overlaid twice in
        // one batch keeps the second's keys).
        let mut final_entry: HashMap<&str, usize> = HashMap::new();
        for (index, record_id) in &plan.written {
            final_entry.insert(record_id.as_str(), *index);
        }
        let mut key_rows = Vec::new();
        let mut authority_keys: Vec<(String, String)> = Vec::new();
        let mut wanted_authorities: Vec<String> = Vec::new();
        for (record_id, index) in &final_entry {
            let Entry::Record(prepared) = entries[*index] else { continue };
            for key in &prepared.keys {
                key_rows.push(KeyRow {
                    kind: key.kind,
                    value: key.value.clone(),
                    record_id: (*record_id).to_string(),
                });
                if key.kind == KeyKind::Authority {
                    authority_keys.push((key.value.clone(), (*record_id).to_string()));
                }
            }
            wanted_authorities.extend(prepared.links.iter().map(|link| link.authority_key.clone()));
        }
        wanted_authorities.sort();
        wanted_authorities.dedup();
        let known_authorities: HashMap<String, String> =
            store::find_keys(transaction, self.scope, KeyKind::Authority, &wanted_authorities)?
                .into_iter()
                .map(|holder| (holder.value, holder.record_id))
                .collect();
        let mut link_rows = Vec::new();
        for (record_id, index) in &final_entry {
            let Entry::Record(prepared) = entries[*index] else { continue };
            link_rows.extend(prepared.links.iter().map(|link| HeadingLinkRow {
                id: new_id(),
                record_id: (*record_id).to_string(),
                tag: link.tag.clone(),
                heading: link.heading.clone(),
                authority_key: link.authority_key.clone(),
                authority_id: known_authorities.get(&link.authority_key).cloned(),
            }));
        }
        key_rows.sort();
        key_rows.dedup();
        store::insert_keys(transaction, self.scope, &key_rows)?;
        store::insert_heading_links(transaction, self.scope, &link_rows)?;
        for (key, authority_id) in &authority_keys {
            store::link_headings(transaction, self.scope, key, authority_id)?;
        }
        Ok(())
    }
}

/// Builds an import batch's rows from its decisions. A record that overlays one new
/// earlier in this batch replaces that one's row; one that overlays a stored record
/// updates it (the last overlay of a record in a batch wins).
fn plan(
    entries: &[&Entry],
    decisions: &[Option<Decision>],
    versions: &HashMap<String, (i32, Timestamp)>,
) -> Plan {
    let mut plan = Plan::default();
    let mut new_slot: HashMap<usize, usize> = HashMap::new();
    for (index, (entry, decision)) in entries.iter().zip(decisions).enumerate() {
        let (Entry::Record(prepared), Some(decision)) = (entry, decision) else { continue };
        match decision {
            Decision::New => {
                new_slot.insert(index, plan.new_rows.len());
                plan.new_rows.push(prepared.row.clone());
                plan.written.push((index, prepared.row.id.clone()));
            }
            Decision::Skip(_) => {}
            Decision::Overlay(found) => {
                let earlier_new = found.earlier.and_then(|earlier| new_slot.get(&earlier));
                if let Some(&slot) = earlier_new {
                    // Replaces a record created earlier in this same batch.
                    let earlier = &plan.new_rows[slot];
                    let mut row = prepared.row.clone();
                    row.id = earlier.id.clone();
                    row.created_at = earlier.created_at;
                    plan.new_rows[slot] = row;
                    plan.written.push((index, found.record_id.clone()));
                    continue;
                }
                let pending = plan.updates.iter().find(|(row, _)| row.id == found.record_id);
                let (version, created_at) = match versions.get(&found.record_id) {
                    Some(stored) => *stored,
                    None => match pending {
                        Some((row, version)) => (*version, row.created_at),
                        None => continue,
                    },
                };
                let mut row = prepared.row.clone();
                row.id = found.record_id.clone();
                row.created_at = created_at;
                row.version = version + 1;
                plan.updates.retain(|(pending, _)| pending.id != found.record_id);
                plan.updates.push((row, version));
                plan.written.push((index, found.record_id.clone()));
            }
        }
    }
    plan
}
