//! Suggestions: "did you mean" for searches that find little, autocomplete of titles
//! and authors, and the edit distance both rest on. Nothing here changes the index.

use std::collections::{HashMap, HashSet};

use tantivy::collector::{Count, TopDocs};
use tantivy::query::{BooleanQuery, ConstScoreQuery, Occur, Query, TermQuery};
use tantivy::schema::IndexRecordOption;
use tantivy::{TantivyDocument, Term};

use super::Scope;
use super::filters::{hiding, term_filter, with_filters};
use super::hits::read_display;
use crate::analysis;
use crate::api::{AutocompleteRequest, Suggestion, SuggestionKind, Suggestions};
use crate::document::Fields;
use crate::error::SearchError;
use crate::index::LiveIndex;
use crate::query::{self, Parsed, QueryBuilder};

/// Suggests the query with misspelt words replaced by the commonest index word within
/// one or two edits, when that finds more than the query did.
pub(super) fn did_you_mean(
    searcher: &tantivy::Searcher,
    fields: &Fields,
    parsed: &Parsed,
    filters: &[Box<dyn Query>],
    found: u64,
    one_library: bool,
) -> Result<Option<String>, SearchError> {
    let mut exact = analysis::exact_analyzer();
    let words: Vec<String> = analysis::terms(&mut exact, &parsed.plain_text());
    if words.is_empty() || words.len() > 8 {
        return Ok(None);
    }
    let mut changed = false;
    let mut corrected = Vec::with_capacity(words.len());
    for word in &words {
        let frequency = doc_freq(searcher, fields, word)?;
        if frequency > 0 || word.chars().any(|c| c.is_ascii_digit()) || word.chars().count() < 3 {
            corrected.push(word.clone());
            continue;
        }
        match nearest_word(searcher, fields, word)? {
            Some(replacement) => {
                changed = true;
                corrected.push(replacement);
            }
            None => corrected.push(word.clone()),
        }
    }
    if !changed {
        return Ok(None);
    }
    let suggestion = corrected.join(" ");
    let query = QueryBuilder::new(fields, one_library).build(&query::parse(&suggestion));
    let total = searcher.search(&with_filters(query, filters), &Count)? as u64;
    Ok((total > found).then_some(suggestion))
}

fn doc_freq(searcher: &tantivy::Searcher, fields: &Fields, word: &str) -> Result<u64, SearchError> {
    Ok(searcher.doc_freq(&Term::from_field_text(fields.words, word))?)
}

/// The commonest word in the index within the allowed edits of `word` (one edit up to
/// five letters, two beyond) that starts with the same letter.
fn nearest_word(
    searcher: &tantivy::Searcher,
    fields: &Fields,
    word: &str,
) -> Result<Option<String>, SearchError> {
    let Some(first) = word.chars().next() else { return Ok(None) };
    let limit = if word.chars().count() <= 5 { 1 } else { 2 };
    let mut start = String::new();
    start.push(first);
    let mut end = String::new();
    end.push(char::from_u32(u32::from(first) + 1).unwrap_or(char::MAX));
    let mut candidates: HashMap<String, u64> = HashMap::new();
    for segment in searcher.segment_readers() {
        let inverted = segment.inverted_index(fields.words)?;
        let mut stream =
            inverted.terms().range().ge(start.as_bytes()).lt(end.as_bytes()).into_stream()?;
        while stream.advance() {
            let Ok(term) = std::str::from_utf8(stream.key()) else { continue };
            let length = term.chars().count();
            if length.abs_diff(word.chars().count()) > limit {
                continue;
            }
            if edit_distance(word, term, limit) <= limit {
                *candidates.entry(term.to_string()).or_default() +=
                    u64::from(stream.value().doc_freq);
            }
        }
    }
    Ok(candidates
        .into_iter()
        .max_by(|a, b| a.1.cmp(&b.1).then_with(|| b.0.cmp(&a.0)))
        .map(|(term, _)| term))
}

/// Levenshtein distance with transpositions, giving up above `limit`.
fn edit_distance(a: &str, b: &str, limit: usize) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    let mut previous2: Vec<usize> = vec![0; b.len() + 1];
    let mut previous: Vec<usize> = (0..=b.len()).collect();
    let mut current = vec![0; b.len() + 1];
    for i in 1..=a.len() {
        current[0] = i;
        let mut row_min = current[0];
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut value = (previous[j] + 1).min(current[j - 1] + 1).min(previous[j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                value = value.min(previous2[j - 2] + 1);
            }
            current[j] = value;
            row_min = row_min.min(value);
        }
        if row_min > limit {
            return limit + 1;
        }
        std::mem::swap(&mut previous2, &mut previous);
        std::mem::swap(&mut previous, &mut current);
    }
    previous[b.len()]
}

// ---- autocomplete ---------------------------------------------------------------------

/// Suggests titles and authors that complete what was typed.
pub fn autocomplete(
    live: &LiveIndex,
    request: &AutocompleteRequest,
    scope: &Scope,
) -> Result<Suggestions, SearchError> {
    autocomplete_hiding(live, request, scope, &[])
}

/// Suggests as [`autocomplete`] does, from no record of the libraries `hidden_tenants`
/// (those suspended).
pub fn autocomplete_hiding(
    live: &LiveIndex,
    request: &AutocompleteRequest,
    scope: &Scope,
    hidden_tenants: &[String],
) -> Result<Suggestions, SearchError> {
    let fields = &live.fields;
    let searcher = live.reader.searcher();
    let limit = usize::try_from(request.limit.clamp(1, 20)).unwrap_or(8);
    let mut exact = analysis::exact_analyzer();
    let words = analysis::terms(&mut exact, &request.prefix);
    let Some((last, complete)) = words.split_last() else {
        return Ok(Suggestions { suggestions: Vec::new() });
    };
    // The last word may be unfinished: the commonest index words it begins.
    let mut expansions: HashMap<String, u64> = HashMap::new();
    let mut end = last.clone();
    end.push(char::MAX);
    for segment in searcher.segment_readers() {
        let inverted = segment.inverted_index(fields.words)?;
        let mut stream =
            inverted.terms().range().ge(last.as_bytes()).lt(end.as_bytes()).into_stream()?;
        while stream.advance() {
            if let Ok(term) = std::str::from_utf8(stream.key()) {
                *expansions.entry(term.to_string()).or_default() +=
                    u64::from(stream.value().doc_freq);
            }
        }
    }
    let mut expansions: Vec<(String, u64)> = expansions.into_iter().collect();
    expansions.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    expansions.truncate(24);
    if expansions.is_empty() {
        return Ok(Suggestions { suggestions: Vec::new() });
    }
    let mut clauses: Vec<(Occur, Box<dyn Query>)> = complete
        .iter()
        .map(|word| {
            (Occur::Must, term_filter(Term::from_field_text(fields.words, word)) as Box<dyn Query>)
        })
        .collect();
    let alternatives: Vec<Box<dyn Query>> = expansions
        .iter()
        .map(|(term, _)| {
            Box::new(TermQuery::new(
                Term::from_field_text(fields.words, term),
                IndexRecordOption::WithFreqs,
            )) as Box<dyn Query>
        })
        .collect();
    clauses.push((Occur::Must, Box::new(BooleanQuery::union(alternatives))));
    if let Some(tenant_id) = &scope.tenant_id {
        clauses.push((
            Occur::Must,
            Box::new(ConstScoreQuery::new(
                term_filter(Term::from_field_text(fields.tenant, tenant_id)),
                0.0,
            )),
        ));
    }
    if let Some(visible) = hiding(fields, hidden_tenants) {
        clauses.push((Occur::Must, Box::new(ConstScoreQuery::new(visible, 0.0))));
    }
    let found = searcher
        .search(&BooleanQuery::new(clauses), &TopDocs::with_limit(limit * 4).order_by_score())?;
    let matches = |text: &str| {
        let folded = analysis::terms(&mut analysis::exact_analyzer(), text);
        complete.iter().all(|word| folded.contains(word))
            && folded.iter().any(|word| word.starts_with(last.as_str()))
    };
    let mut seen = HashSet::new();
    let mut titles = Vec::new();
    let mut authors = Vec::new();
    for (_, address) in found {
        let doc: TantivyDocument = searcher.doc(address)?;
        let display = read_display(fields, &doc);
        if matches(&display.title) && seen.insert(analysis::fold_words(&display.title)) {
            titles.push(Suggestion { text: display.title.clone(), kind: SuggestionKind::Title });
        }
        for author in &display.authors {
            if matches(author) && seen.insert(analysis::fold_words(author)) {
                authors.push(Suggestion { text: author.clone(), kind: SuggestionKind::Author });
            }
        }
    }
    // Authors first when the words typed are an author's, then titles.
    let mut suggestions = Vec::with_capacity(limit);
    let mut titles = titles.into_iter();
    let mut authors = authors.into_iter();
    while suggestions.len() < limit {
        let title = titles.next();
        let author = authors.next();
        if title.is_none() && author.is_none() {
            break;
        }
        suggestions.extend(title);
        if suggestions.len() < limit {
            suggestions.extend(author);
        }
    }
    Ok(Suggestions { suggestions })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn edit_distance_counts_transpositions_as_one() {
        assert_eq!(edit_distance("austen", "austen", 2), 0);
        assert_eq!(edit_distance("austin", "austen", 2), 1);
        assert_eq!(edit_distance("pirde", "pride", 2), 1);
        assert_eq!(edit_distance("prejduice", "prejudice", 2), 1);
        assert!(edit_distance("cat", "dogs", 1) > 1);
    }
}
