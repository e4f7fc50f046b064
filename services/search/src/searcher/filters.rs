//! The filters a search's scope and request impose: the library searched (and the
//! libraries hidden from every search), branches, facet values and years. It builds
//! queries and runs none.

use std::ops::Bound;

use athenaeum_kernel::ApiError;
use tantivy::Term;
use tantivy::query::{
    AllQuery, BooleanQuery, ConstScoreQuery, Occur, Query, RangeQuery, TermQuery,
};
use tantivy::schema::IndexRecordOption;

use super::Scope;
use crate::api::{FacetName, SearchRequest};
use crate::document::{self, Fields};
use crate::error::SearchError;

/// Returns a query matching the documents that hold `term` (its frequencies unread).
pub(super) fn term_filter(term: Term) -> Box<dyn Query> {
    Box::new(TermQuery::new(term, IndexRecordOption::Basic))
}

/// Returns the term of a facet value in the `facets` field.
pub(super) fn facet_term(fields: &Fields, parts: &[&str]) -> Term {
    Term::from_facet(fields.facets, &document::facet(parts))
}

/// Returns a query matching every document but those of the libraries `tenant_ids`, or
/// `None` when there are none to leave out.
pub(super) fn hiding(fields: &Fields, tenant_ids: &[String]) -> Option<Box<dyn Query>> {
    if tenant_ids.is_empty() {
        return None;
    }
    let hidden = tenant_ids
        .iter()
        .map(|tenant_id| term_filter(Term::from_field_text(fields.tenant, tenant_id)))
        .collect();
    Some(Box::new(BooleanQuery::new(vec![
        (Occur::Must, Box::new(AllQuery) as Box<dyn Query>),
        (Occur::MustNot, Box::new(BooleanQuery::union(hidden))),
    ])))
}

/// The filters a request and its scope impose, each a query every result must match;
/// no result belongs to a library of `hidden_tenants`.
///
/// Fails with `VALIDATION` for branches chosen in a union search and for an availability
/// filter other than "available".
pub(super) fn filters(
    fields: &Fields,
    request: &SearchRequest,
    scope: &Scope,
    hidden_tenants: &[String],
) -> Result<Vec<Box<dyn Query>>, SearchError> {
    let mut filters: Vec<Box<dyn Query>> = Vec::new();
    if let Some(tenant_id) = &scope.tenant_id {
        filters.push(term_filter(Term::from_field_text(fields.tenant, tenant_id)));
    }
    filters.extend(hiding(fields, hidden_tenants));
    if !request.branches.is_empty() {
        let Some(tenant_id) = &scope.tenant_id else {
            return Err(ApiError::validation(
                "branches",
                "branches can be chosen only when searching one library",
            )
            .into());
        };
        filters.push(Box::new(BooleanQuery::union(
            request
                .branches
                .iter()
                .map(|code| term_filter(facet_term(fields, &["branch", tenant_id, code])))
                .collect(),
        )));
    }
    let mut by_facet: Vec<(FacetName, Vec<Box<dyn Query>>)> = Vec::new();
    for filter in &request.filters {
        let term = match filter.facet {
            FacetName::Format => facet_term(fields, &["format", &filter.value]),
            FacetName::Language => facet_term(fields, &["language", &filter.value]),
            FacetName::Subject => facet_term(fields, &["subject", &filter.value]),
            FacetName::Author => facet_term(fields, &["author", &filter.value]),
            FacetName::Year => facet_term(fields, &["year", &filter.value]),
            FacetName::Branch => match &scope.tenant_id {
                Some(tenant_id) => facet_term(fields, &["branch", tenant_id, &filter.value]),
                None => facet_term(fields, &["branch", &filter.value]),
            },
            FacetName::Availability => {
                if filter.value != "available" {
                    return Err(ApiError::validation(
                        "filters",
                        "the availability filter's only value is \"available\"",
                    )
                    .into());
                }
                match (&scope.tenant_id, request.branches.is_empty()) {
                    (Some(tenant_id), false) => {
                        let any: Vec<Box<dyn Query>> = request
                            .branches
                            .iter()
                            .map(|code| {
                                term_filter(facet_term(fields, &["available", tenant_id, code]))
                            })
                            .collect();
                        push_filter(
                            &mut by_facet,
                            filter.facet,
                            Box::new(BooleanQuery::union(any)),
                        );
                        continue;
                    }
                    _ => facet_term(fields, &["availability", "available"]),
                }
            }
        };
        push_filter(&mut by_facet, filter.facet, term_filter(term));
    }
    for (_, alternatives) in by_facet {
        filters.push(Box::new(BooleanQuery::union(alternatives)));
    }
    if request.year_from.is_some() || request.year_to.is_some() {
        let from = request
            .year_from
            .map_or(Bound::Included(Term::from_field_i64(fields.year, 1)), |year| {
                Bound::Included(Term::from_field_i64(fields.year, i64::from(year)))
            });
        let to = request.year_to.map_or(Bound::Unbounded, |year| {
            Bound::Included(Term::from_field_i64(fields.year, i64::from(year)))
        });
        filters.push(Box::new(RangeQuery::new(from, to)));
    }
    Ok(filters)
}

fn push_filter(
    by_facet: &mut Vec<(FacetName, Vec<Box<dyn Query>>)>,
    facet: FacetName,
    query: Box<dyn Query>,
) {
    match by_facet.iter_mut().find(|(name, _)| *name == facet) {
        Some((_, alternatives)) => alternatives.push(query),
        None => by_facet.push((facet, vec![query])),
    }
}

/// Returns `main` restricted to what every filter matches; the filters add nothing to the
/// score.
pub(super) fn with_filters(main: Box<dyn Query>, filters: &[Box<dyn Query>]) -> BooleanQuery {
    let mut clauses: Vec<(Occur, Box<dyn Query>)> = vec![(Occur::Must, main)];
    for filter in filters {
        clauses.push((Occur::Must, Box::new(ConstScoreQuery::new(filter.box_clone(), 0.0))));
    }
    BooleanQuery::new(clauses)
}
