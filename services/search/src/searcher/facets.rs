//! Facets: counting the results by format, language, subject, author, decade, branch
//! and availability, and the counts as readers see them (labels, values chosen).

use std::collections::HashMap;

use tantivy::collector::{
    Collector, FacetCollector, FacetCounts as TantivyFacetCounts, SegmentCollector, TopDocs,
};
use tantivy::columnar::StrColumn;
use tantivy::query::TermQuery;
use tantivy::schema::{Facet, IndexRecordOption};
use tantivy::{DocId, Score, SegmentOrdinal, SegmentReader, TantivyDocument};

use super::Scope;
use super::filters::facet_term;
use super::hits::read_display;
use crate::api::{FacetCounts, FacetName, FacetValue, SearchRequest};
use crate::document;
use crate::error::SearchError;
use crate::index::LiveIndex;

/// Facet counts: the low-cardinality facets by path, subjects and authors by value.
pub(super) type FacetCollectors = (FacetCollector, ValueCounts, ValueCounts);
/// What [`FacetCollectors`] count.
pub(super) type FacetFruit = (TantivyFacetCounts, Vec<(String, u64)>, Vec<(String, u64)>);

/// Returns the facet collectors for a search's scope, or `None` when the request wants
/// no facets.
pub(super) fn collectors(want: bool, scope: &Scope) -> Option<FacetCollectors> {
    if !want {
        return None;
    }
    let mut paths = FacetCollector::for_field("facets");
    for root in FacetName::ALL.into_iter().filter_map(|facet| facet_root(facet, scope)) {
        paths.add_facet(root);
    }
    Some((paths, ValueCounts("subject_value"), ValueCounts("author_value")))
}

/// Counts the values of a multi-valued fast text field over the matches: work in
/// proportion to the matches, not to how many values the index holds.
pub(super) struct ValueCounts(&'static str);

pub(super) struct SegmentValueCounts {
    column: Option<StrColumn>,
    counts: HashMap<u64, u64>,
}

impl Collector for ValueCounts {
    type Fruit = Vec<(String, u64)>;
    type Child = SegmentValueCounts;

    fn for_segment(
        &self,
        _segment: SegmentOrdinal,
        reader: &SegmentReader,
    ) -> tantivy::Result<SegmentValueCounts> {
        Ok(SegmentValueCounts { column: reader.fast_fields().str(self.0)?, counts: HashMap::new() })
    }

    fn requires_scoring(&self) -> bool {
        false
    }

    fn merge_fruits(&self, fruits: Vec<Vec<(String, u64)>>) -> tantivy::Result<Vec<(String, u64)>> {
        let mut merged: HashMap<String, u64> = HashMap::new();
        for (value, count) in fruits.into_iter().flatten() {
            *merged.entry(value).or_default() += count;
        }
        let mut values: Vec<(String, u64)> = merged.into_iter().collect();
        values.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
        values.truncate(20);
        Ok(values)
    }
}

impl SegmentCollector for SegmentValueCounts {
    type Fruit = Vec<(String, u64)>;

    fn collect(&mut self, doc: DocId, _score: Score) {
        if let Some(column) = &self.column {
            for ord in column.term_ords(doc) {
                *self.counts.entry(ord).or_default() += 1;
            }
        }
    }

    fn harvest(self) -> Vec<(String, u64)> {
        let Some(column) = self.column else { return Vec::new() };
        let mut counted: Vec<(u64, u64)> = self.counts.into_iter().collect();
        counted.sort_unstable();
        let ords: Vec<u64> = counted.iter().map(|(ord, _)| *ord).collect();
        let mut values = Vec::with_capacity(counted.len());
        let mut counts = counted.into_iter().map(|(_, count)| count);
        let _ = column.dictionary().sorted_ords_to_term_cb(&ords, |bytes| {
            if let Some(count) = counts.next() {
                values.push((String::from_utf8_lossy(bytes).into_owned(), count));
            }
        });
        values
    }
}

/// The facet path a facet is counted under, or `None` for subjects and authors: they
/// have too many values for facet paths to count quickly (the facet collector walks every
/// value under a root), so they are counted from fast values.
fn facet_root(facet: FacetName, scope: &Scope) -> Option<Facet> {
    let path: Vec<&str> = match facet {
        FacetName::Format => vec!["format"],
        FacetName::Language => vec!["language"],
        FacetName::Year => vec!["year"],
        FacetName::Availability => vec!["availability"],
        FacetName::Branch => match &scope.tenant_id {
            Some(tenant_id) => vec!["branch", tenant_id.as_str()],
            None => vec!["branch"],
        },
        FacetName::Subject | FacetName::Author => return None,
    };
    Some(Facet::from_path(path))
}

/// Returns the counts of every facet, values ordered as readers scan them (decades newest
/// first, the rest commonest first), each labelled and marked when a filter chose it.
pub(super) fn facet_results(
    live: &LiveIndex,
    (counts, subjects, authors): &FacetFruit,
    scope: &Scope,
    request: &SearchRequest,
) -> Result<Vec<FacetCounts>, SearchError> {
    let selected = |facet: FacetName, value: &str| {
        request.filters.iter().any(|filter| filter.facet == facet && filter.value == value)
    };
    let last =
        |facet: &Facet| facet.to_path().last().map(|part| (*part).to_string()).unwrap_or_default();
    let mut results = Vec::new();
    for facet in FacetName::ALL {
        let mut values: Vec<(String, u64)> = match (facet, facet_root(facet, scope)) {
            (_, Some(root)) => {
                counts.get(root).map(|(value, count)| (last(value), count)).collect()
            }
            (FacetName::Subject, None) => subjects.clone(),
            (_, None) => authors.clone(),
        };
        match facet {
            FacetName::Year => values.sort_by(|a, b| b.0.cmp(&a.0)),
            _ => values.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0))),
        }
        let mut out = Vec::with_capacity(values.len());
        for (value, count) in values {
            let label = match facet {
                FacetName::Format => document::format_label(&value),
                FacetName::Language => document::language_label(&value),
                FacetName::Availability => "Available now".to_string(),
                FacetName::Branch => branch_label(live, scope.tenant_id.as_deref(), &value)?,
                _ => value.clone(),
            };
            out.push(FacetValue { selected: selected(facet, &value), value, label, count });
        }
        results.push(FacetCounts { facet, values: out });
    }
    Ok(results)
}

/// The name of a branch (or, in union search, the library id), read from a document
/// that holds a copy there.
fn branch_label(
    live: &LiveIndex,
    tenant_id: Option<&str>,
    value: &str,
) -> Result<String, SearchError> {
    let Some(tenant_id) = tenant_id else { return Ok(value.to_string()) };
    if let Some(name) = live.branch_name(tenant_id, value) {
        return Ok(name);
    }
    let fields = &live.fields;
    let searcher = live.reader.searcher();
    let query =
        TermQuery::new(facet_term(fields, &["branch", tenant_id, value]), IndexRecordOption::Basic);
    let found = searcher.search(&query, &TopDocs::with_limit(1).order_by_score())?;
    for (_, address) in found {
        let doc: TantivyDocument = searcher.doc(address)?;
        if let Some(holding) = read_display(fields, &doc)
            .holdings
            .into_iter()
            .find(|holding| holding.branch_code == value)
        {
            live.remember_branch_name(tenant_id, value, &holding.branch_name);
            return Ok(holding.branch_name);
        }
    }
    Ok(value.to_string())
}
