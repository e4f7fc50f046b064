//! Union search: matching records grouped into works (one result per work, its best
//! record first), the page of works chosen, and each work's editions and holdings in
//! every library.

use std::collections::HashMap;

use tantivy::collector::{Collector, SegmentCollector, TopDocs};
use tantivy::columnar::{Column, StrColumn};
use tantivy::query::Query;
use tantivy::{DocAddress, DocId, Score, SegmentOrdinal, SegmentReader, TantivyDocument, Term};

use super::filters::{term_filter, with_filters};
use super::hits::read_display;
use crate::api::{BranchHolding, SearchSort, WorkEdition, WorkHit};
use crate::document::Fields;
use crate::error::SearchError;

/// A work among the results: its best-scoring record.
#[derive(Debug, Clone)]
pub(super) struct Group {
    key: String,
    has_key: bool,
    score: Score,
    year: i64,
    address: DocAddress,
}

/// Groups matching records by work key, keeping each work's best record.
pub(super) struct WorkGroups;

pub(super) struct SegmentGroups {
    segment: SegmentOrdinal,
    keys: Option<StrColumn>,
    years: Column<i64>,
    best: HashMap<u64, (Score, i64, DocId)>,
    unkeyed: Vec<(Score, i64, DocId)>,
}

impl Collector for WorkGroups {
    type Fruit = HashMap<String, Group>;
    type Child = SegmentGroups;

    fn for_segment(
        &self,
        segment: SegmentOrdinal,
        reader: &SegmentReader,
    ) -> tantivy::Result<SegmentGroups> {
        Ok(SegmentGroups {
            segment,
            keys: reader.fast_fields().str("work_key")?,
            years: reader.fast_fields().i64("year")?,
            best: HashMap::new(),
            unkeyed: Vec::new(),
        })
    }

    fn requires_scoring(&self) -> bool {
        true
    }

    fn merge_fruits(&self, fruits: Vec<Vec<Group>>) -> tantivy::Result<HashMap<String, Group>> {
        let mut merged: HashMap<String, Group> = HashMap::new();
        for group in fruits.into_iter().flatten() {
            match merged.get(&group.key) {
                Some(existing) if existing.score >= group.score => {}
                _ => {
                    merged.insert(group.key.clone(), group);
                }
            }
        }
        Ok(merged)
    }
}

impl SegmentCollector for SegmentGroups {
    type Fruit = Vec<Group>;

    fn collect(&mut self, doc: DocId, score: Score) {
        let year = self.years.first(doc).unwrap_or(0);
        let ord = self.keys.as_ref().and_then(|keys| keys.term_ords(doc).next());
        match ord {
            Some(ord) => {
                let entry = self.best.entry(ord).or_insert((score, year, doc));
                if score > entry.0 {
                    *entry = (score, year, doc);
                }
            }
            None => self.unkeyed.push((score, year, doc)),
        }
    }

    fn harvest(self) -> Vec<Group> {
        let mut groups = Vec::with_capacity(self.best.len() + self.unkeyed.len());
        // Work keys resolved in ordinal order: one pass over the dictionary, where one
        // look-up per key would decode a block each time.
        let mut best: Vec<(u64, (Score, i64, DocId))> = self.best.into_iter().collect();
        best.sort_unstable_by_key(|(ord, _)| *ord);
        if let Some(keys) = &self.keys {
            let ords: Vec<u64> = best.iter().map(|(ord, _)| *ord).collect();
            let mut entries = best.iter();
            let segment = self.segment;
            let _ = keys.dictionary().sorted_ords_to_term_cb(&ords, |bytes| {
                if let Some((_, (score, year, doc))) = entries.next() {
                    groups.push(Group {
                        key: String::from_utf8_lossy(bytes).into_owned(),
                        has_key: true,
                        score: *score,
                        year: *year,
                        address: DocAddress::new(segment, *doc),
                    });
                }
            });
        }
        for (score, year, doc) in self.unkeyed {
            groups.push(Group {
                key: format!("\u{0}{}/{doc}", self.segment),
                has_key: false,
                score,
                year,
                address: DocAddress::new(self.segment, doc),
            });
        }
        groups
    }
}

/// Puts the first `keep` works in `sort` order at the front (and leaves the rest
/// unordered behind them): choosing a page needs no full sort of every work found.
pub(super) fn top_groups(groups: &mut [Group], sort: SearchSort, keep: usize) {
    // A work key is "title/author", folded: its parts sort as titles and authors do.
    fn author(group: &Group) -> &str {
        group.key.split_once('/').map_or("", |(_, author)| author)
    }
    let order = |a: &Group, b: &Group| match sort {
        SearchSort::Relevance => b.score.total_cmp(&a.score).then_with(|| a.key.cmp(&b.key)),
        SearchSort::Newest => b.year.cmp(&a.year).then_with(|| a.key.cmp(&b.key)),
        SearchSort::Oldest => (a.year == 0)
            .cmp(&(b.year == 0))
            .then(a.year.cmp(&b.year))
            .then_with(|| a.key.cmp(&b.key)),
        SearchSort::Title => a.key.cmp(&b.key),
        SearchSort::Author => author(a).cmp(author(b)).then_with(|| a.key.cmp(&b.key)),
    };
    let keep = keep.min(groups.len());
    if keep == 0 {
        return;
    }
    if keep < groups.len() {
        groups.select_nth_unstable_by(keep - 1, order);
    }
    groups[..keep].sort_by(order);
}

/// Every library's records of a work that pass the search's filters (a search for DVDs
/// lists the libraries holding the work on DVD), with their copies.
pub(super) fn work(
    searcher: &tantivy::Searcher,
    fields: &Fields,
    group: &Group,
    filters: &[Box<dyn Query>],
) -> Result<WorkHit, SearchError> {
    let best: TantivyDocument = searcher.doc(group.address)?;
    let best = read_display(fields, &best);
    let mut members = vec![best.clone()];
    if group.has_key {
        let query =
            with_filters(term_filter(Term::from_field_text(fields.work_key, &group.key)), filters);
        let found = searcher.search(&query, &TopDocs::with_limit(500).order_by_score())?;
        members.clear();
        for (_, address) in found {
            let doc: TantivyDocument = searcher.doc(address)?;
            members.push(read_display(fields, &doc));
        }
        members.sort_by(|a, b| {
            (a.tenant_id.as_str(), a.record_id.as_str())
                .cmp(&(b.tenant_id.as_str(), b.record_id.as_str()))
        });
    }
    let mut tenant_ids: Vec<String> = Vec::new();
    let mut holdings: Vec<BranchHolding> = Vec::new();
    let mut editions = Vec::new();
    for member in &members {
        if !tenant_ids.contains(&member.tenant_id) {
            tenant_ids.push(member.tenant_id.clone());
        }
        editions.push(WorkEdition {
            tenant_id: member.tenant_id.clone(),
            record_id: member.record_id.clone(),
            format: member.format.clone(),
            year: member.year,
        });
        for holding in &member.holdings {
            match holdings.iter_mut().find(|known| {
                known.tenant_id == holding.tenant_id && known.branch_code == holding.branch_code
            }) {
                Some(known) => {
                    known.copies += holding.copies;
                    known.available += holding.available;
                    for call_number in &holding.call_numbers {
                        if !known.call_numbers.contains(call_number) {
                            known.call_numbers.push(call_number.clone());
                        }
                    }
                }
                None => holdings.push(holding.clone()),
            }
        }
    }
    Ok(WorkHit {
        work_key: if group.has_key {
            group.key.clone()
        } else {
            best.work_key.clone().unwrap_or_default()
        },
        title: best.title,
        authors: best.authors,
        score: group.score,
        available_now: holdings.iter().any(|holding| holding.available > 0),
        tenant_ids,
        editions,
        holdings,
    })
}
