//! The search box's syntax and the tantivy query made of it.
//!
//! Syntax: words (all must match, each in any field), "quoted phrases", `-excluded`
//! words or phrases, `OR` (upper case) between alternatives, and the field prefixes
//! `title:`, `author:`, `subject:`, `isbn:`, `series:` before a word or a phrase.
//! Anything malformed (an unclosed quote, a dangling `OR`, an empty prefix) makes the
//! whole query plain words, which is never an error.
//!
//! Stop words: in a query that also has other words, stop words are optional (they add
//! to the score without being required), so "the lord of the rings" is not held to
//! every "the". A query of stop words only ("To be or not to be", "The The") requires
//! them all. Every query also scores an exact title match and the whole query as a
//! phrase in the title highly, so known items come first.

use athenaeum_marc::describe::isbn::{parse_isbn, parse_issn};
use tantivy::query::{
    AllScorer, BooleanQuery, BoostQuery, DisjunctionMaxQuery, EmptyQuery, EmptyScorer,
    EnableScoring, Explanation, Occur, PhraseQuery, Query, Scorer, TermQuery, Weight,
};
use tantivy::schema::{Field, IndexRecordOption};
use tantivy::tokenizer::TextAnalyzer;
use tantivy::{DocId, DocSet, Score, SegmentReader, Term};

use crate::analysis::{self, is_stop_word};
use crate::document::Fields;

/// A field prefix.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Prefix {
    /// `title:`
    Title,
    /// `author:`
    Author,
    /// `subject:`
    Subject,
    /// `isbn:` (also ISSN)
    Isbn,
    /// `series:`
    Series,
}

impl Prefix {
    fn parse(name: &str) -> Option<Prefix> {
        match name.to_ascii_lowercase().as_str() {
            "title" | "ti" => Some(Prefix::Title),
            "author" | "au" | "by" => Some(Prefix::Author),
            "subject" | "su" => Some(Prefix::Subject),
            "isbn" | "issn" => Some(Prefix::Isbn),
            "series" => Some(Prefix::Series),
            _ => None,
        }
    }
}

/// A word or phrase, perhaps with a field prefix.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Atom {
    /// The field prefix.
    pub prefix: Option<Prefix>,
    /// The text as typed (without quotes).
    pub text: String,
    /// Whether it was quoted.
    pub phrase: bool,
}

/// Alternatives joined by OR, required or excluded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Clause {
    /// Whether it was excluded with `-`.
    pub exclude: bool,
    /// The alternatives (one unless OR joined them).
    pub alternatives: Vec<Atom>,
}

/// A parsed query.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Parsed {
    /// The clauses.
    pub clauses: Vec<Clause>,
    /// Whether malformed syntax made it plain words.
    pub read_as_words: bool,
}

impl Parsed {
    /// Returns the words of the positive, unprefixed clauses, in order: what exact-title
    /// and phrase boosts compare with, and what spelling suggestions replace.
    pub fn plain_text(&self) -> String {
        self.clauses
            .iter()
            .filter(|clause| !clause.exclude && clause.alternatives.len() == 1)
            .filter_map(|clause| clause.alternatives.first())
            .filter(|atom| atom.prefix.is_none() || atom.prefix == Some(Prefix::Title))
            .map(|atom| atom.text.as_str())
            .collect::<Vec<_>>()
            .join(" ")
    }

    /// Whether there is anything to match (not only exclusions).
    pub fn has_positive(&self) -> bool {
        self.clauses.iter().any(|clause| !clause.exclude)
    }
}

/// Parses what was typed; never fails.
pub fn parse(input: &str) -> Parsed {
    match parse_strict(input) {
        Some(clauses) => Parsed { clauses, read_as_words: false },
        None => Parsed { clauses: plain_words(input), read_as_words: true },
    }
}

fn plain_words(input: &str) -> Vec<Clause> {
    input
        .split(|c: char| c.is_whitespace() || c == '"')
        .map(|word| word.trim_start_matches('-'))
        .filter(|word| !word.is_empty() && *word != "OR" && *word != "AND")
        .map(|word| Clause {
            exclude: false,
            alternatives: vec![Atom { prefix: None, text: word.to_string(), phrase: false }],
        })
        .collect()
}

/// Parses the syntax, or `None` when it is malformed.
fn parse_strict(input: &str) -> Option<Vec<Clause>> {
    let chars: Vec<char> = input.chars().collect();
    let mut clauses: Vec<Clause> = Vec::new();
    let mut pending_or = false;
    let mut index = 0;
    while index < chars.len() {
        if chars[index].is_whitespace() {
            index += 1;
            continue;
        }
        let mut exclude = false;
        if chars[index] == '-' {
            exclude = true;
            index += 1;
            if index >= chars.len() || chars[index].is_whitespace() {
                // A lone dash is punctuation ("Wallace - Grommit"), not an operator.
                continue;
            }
        }
        // A quoted phrase.
        if chars[index] == '"' {
            let (text, next) = quoted(&chars, index)?;
            index = next;
            push(
                &mut clauses,
                &mut pending_or,
                exclude,
                Atom { prefix: None, text, phrase: true },
            )?;
            continue;
        }
        let start = index;
        while index < chars.len() && !chars[index].is_whitespace() && chars[index] != '"' {
            index += 1;
        }
        let word: String = chars[start..index].iter().collect();
        if word == "OR" && !exclude {
            if clauses.is_empty() || pending_or {
                return None;
            }
            pending_or = true;
            continue;
        }
        if word == "AND" && !exclude {
            continue;
        }
        if let Some((name, rest)) = word.split_once(':')
            && let Some(prefix) = Prefix::parse(name)
        {
            if rest.is_empty() {
                // `title:"a phrase"` or a dangling prefix.
                if index < chars.len() && chars[index] == '"' {
                    let (text, next) = quoted(&chars, index)?;
                    index = next;
                    push(
                        &mut clauses,
                        &mut pending_or,
                        exclude,
                        Atom { prefix: Some(prefix), text, phrase: true },
                    )?;
                    continue;
                }
                return None;
            }
            push(
                &mut clauses,
                &mut pending_or,
                exclude,
                Atom { prefix: Some(prefix), text: rest.to_string(), phrase: false },
            )?;
            continue;
        }
        if index < chars.len() && chars[index] == '"' {
            // A quote glued to a word (`abc"def`): malformed.
            return None;
        }
        push(
            &mut clauses,
            &mut pending_or,
            exclude,
            Atom { prefix: None, text: word, phrase: false },
        )?;
    }
    if pending_or {
        return None;
    }
    Some(clauses)
}

/// Reads the quoted text starting at the quote at `start`; returns it and where reading
/// goes on, or `None` when the quote is never closed.
fn quoted(chars: &[char], start: usize) -> Option<(String, usize)> {
    let end = chars[start + 1..].iter().position(|&c| c == '"')? + start + 1;
    Some((chars[start + 1..end].iter().collect(), end + 1))
}

fn push(clauses: &mut Vec<Clause>, pending_or: &mut bool, exclude: bool, atom: Atom) -> Option<()> {
    if *pending_or {
        *pending_or = false;
        let last = clauses.last_mut()?;
        if exclude || last.exclude {
            return None;
        }
        last.alternatives.push(atom);
        return Some(());
    }
    clauses.push(Clause { exclude, alternatives: vec![atom] });
    Some(())
}

/// Makes tantivy queries of parsed queries.
pub struct QueryBuilder<'a> {
    fields: &'a Fields,
    text: TextAnalyzer,
    exact: TextAnalyzer,
    one_library: bool,
}

/// Field weights for unprefixed words.
fn weighted_fields(fields: &Fields) -> [(Field, f32); 7] {
    [
        (fields.title, 4.0),
        (fields.other_titles, 2.0),
        (fields.author, 2.5),
        (fields.subject, 1.5),
        (fields.series, 1.0),
        (fields.publisher, 0.3),
        (fields.notes, 0.3),
    ]
}

impl<'a> QueryBuilder<'a> {
    /// A builder for the index's fields. A search of one library (`one_library`) also
    /// looks at its copies' barcodes and call numbers and its records' control numbers,
    /// whoever searches: they are public (printed on the copy, on the spine, in the
    /// record), and a patron holding a copy finds its record by them. A search of every
    /// library does not: barcodes and control numbers are unique only within a library.
    pub fn new(fields: &'a Fields, one_library: bool) -> QueryBuilder<'a> {
        QueryBuilder {
            fields,
            text: analysis::text_analyzer(),
            exact: analysis::exact_analyzer(),
            one_library,
        }
    }

    /// Builds the query; `None` when nothing positive remains (match everything,
    /// minus exclusions, is then the caller's choice).
    pub fn build(&mut self, parsed: &Parsed) -> Box<dyn Query> {
        let mut subqueries: Vec<(Occur, Box<dyn Query>)> = Vec::new();
        let positive: Vec<&Clause> =
            parsed.clauses.iter().filter(|clause| !clause.exclude).collect();
        let is_stop_clause = |builder: &mut QueryBuilder<'_>, clause: &Clause| {
            clause.alternatives.len() == 1
                && clause.alternatives.iter().all(|atom| {
                    atom.prefix.is_none()
                        && !atom.phrase
                        && matches!(analysis::terms(&mut builder.exact, &atom.text).as_slice(), [word] if is_stop_word(word))
                })
        };
        let stop_flags: Vec<bool> =
            positive.iter().map(|clause| is_stop_clause(self, clause)).collect();
        let all_stop = stop_flags.iter().all(|flag| *flag);
        let mut required = 0;
        for (clause, stop) in positive.iter().zip(&stop_flags) {
            let Some(query) = self.clause(clause) else { continue };
            if *stop && !all_stop {
                subqueries.push((Occur::Should, query));
            } else {
                subqueries.push((Occur::Must, query));
                required += 1;
            }
        }
        for clause in parsed.clauses.iter().filter(|clause| clause.exclude) {
            if let Some(query) = self.clause(clause) {
                subqueries.push((Occur::MustNot, Box::new(Excluded(query))));
            }
        }
        if required == 0 {
            // Nothing positive to match: every record, minus exclusions.
            subqueries.push((Occur::Must, Box::new(tantivy::query::AllQuery)));
        } else {
            let text = parsed.plain_text();
            let keys = analysis::title_keys(&text);
            if !keys.is_empty() {
                // The best of the keys counts, once.
                let exact_title = DisjunctionMaxQuery::new(
                    keys.iter()
                        .map(|key| {
                            Box::new(TermQuery::new(
                                Term::from_field_text(self.fields.title_key, key),
                                IndexRecordOption::Basic,
                            )) as Box<dyn Query>
                        })
                        .collect(),
                );
                subqueries
                    .push((Occur::Should, Box::new(BoostQuery::new(Box::new(exact_title), 12.0))));
                let terms = analysis::terms(&mut self.text, &text);
                if terms.len() > 1 {
                    let phrase = PhraseQuery::new(
                        terms
                            .iter()
                            .map(|term| Term::from_field_text(self.fields.title, term))
                            .collect(),
                    );
                    subqueries
                        .push((Occur::Should, Box::new(BoostQuery::new(Box::new(phrase), 4.0))));
                }
            }
        }
        Box::new(BooleanQuery::new(subqueries))
    }

    fn clause(&mut self, clause: &Clause) -> Option<Box<dyn Query>> {
        let mut alternatives: Vec<Box<dyn Query>> =
            clause.alternatives.iter().filter_map(|atom| self.atom(atom)).collect();
        match alternatives.len() {
            0 => None,
            1 => alternatives.pop(),
            _ => Some(Box::new(BooleanQuery::union(alternatives))),
        }
    }

    fn atom(&mut self, atom: &Atom) -> Option<Box<dyn Query>> {
        if atom.prefix == Some(Prefix::Isbn) {
            return Some(self.identifier(&atom.text).unwrap_or_else(|| Box::new(EmptyQuery)));
        }
        let targets: Vec<(Field, f32)> = match atom.prefix {
            Some(Prefix::Title) => vec![(self.fields.title, 2.0), (self.fields.other_titles, 1.0)],
            Some(Prefix::Author) => vec![(self.fields.author, 1.0)],
            Some(Prefix::Subject) => vec![(self.fields.subject, 1.0)],
            Some(Prefix::Series) => vec![(self.fields.series, 1.0)],
            Some(Prefix::Isbn) | None => weighted_fields(self.fields).to_vec(),
        };
        let terms = analysis::terms(&mut self.text, &atom.text);
        if terms.is_empty() {
            return None;
        }
        let mut should: Vec<(Occur, Box<dyn Query>)> = Vec::new();
        for (field, weight) in targets {
            let query: Box<dyn Query> = if terms.len() == 1 {
                Box::new(TermQuery::new(
                    Term::from_field_text(field, &terms[0]),
                    IndexRecordOption::WithFreqs,
                ))
            } else if field == self.fields.publisher {
                // No positions there: every word.
                Box::new(BooleanQuery::intersection(
                    terms
                        .iter()
                        .map(|term| {
                            Box::new(TermQuery::new(
                                Term::from_field_text(field, term),
                                IndexRecordOption::WithFreqs,
                            )) as Box<dyn Query>
                        })
                        .collect(),
                ))
            } else {
                Box::new(PhraseQuery::new(
                    terms.iter().map(|term| Term::from_field_text(field, term)).collect(),
                ))
            };
            should.push((Occur::Should, Box::new(BoostQuery::new(query, weight))));
        }
        if atom.prefix.is_none() {
            if let Some(identifier) = self.identifier(&atom.text) {
                should.push((Occur::Should, Box::new(BoostQuery::new(identifier, 20.0))));
            }
            if self.one_library {
                let raw = atom.text.trim();
                for field in [self.fields.barcode, self.fields.control] {
                    let query =
                        TermQuery::new(Term::from_field_text(field, raw), IndexRecordOption::Basic);
                    should.push((Occur::Should, Box::new(BoostQuery::new(Box::new(query), 20.0))));
                }
                let exact = analysis::terms(&mut self.exact, &atom.text);
                let call_number: Box<dyn Query> = if exact.len() == 1 {
                    Box::new(TermQuery::new(
                        Term::from_field_text(self.fields.call_number, &exact[0]),
                        IndexRecordOption::WithFreqs,
                    ))
                } else {
                    Box::new(PhraseQuery::new(
                        exact
                            .iter()
                            .map(|term| Term::from_field_text(self.fields.call_number, term))
                            .collect(),
                    ))
                };
                should.push((Occur::Should, Box::new(BoostQuery::new(call_number, 2.0))));
            }
        }
        Some(Box::new(BooleanQuery::new(should)))
    }

    /// An ISBN (either form, any hyphenation), ISSN or LCCN as an exact identifier query.
    fn identifier(&self, text: &str) -> Option<Box<dyn Query>> {
        let text = text.trim();
        let value = if let Some(isbn) = parse_isbn(text) {
            isbn.isbn13
        } else if let Some(issn) = parse_issn(text) {
            issn
        } else {
            let compact: String = text.chars().filter(|c| !matches!(c, '-' | ' ')).collect();
            if compact.len() < 8 || !compact.chars().all(|c| c.is_ascii_alphanumeric()) {
                return None;
            }
            compact
        };
        Some(Box::new(TermQuery::new(
            Term::from_field_text(self.fields.identifier, &value),
            IndexRecordOption::Basic,
        )))
    }
}

/// An excluded clause, whose scorer is only ever moved forwards.
///
/// tantivy 0.27 tests each candidate against an exclusion with `seek_danger`, whose
/// targets may lie behind the document a phrase scorer already stands on; its phrase
/// scorer rejects that with a debug assertion (quickwit-oss/tantivy#2811), so a query
/// excluding a phrase (`green -"green river"`) failed in debug builds. The answers are the
/// same: a scorer past the target does not hold it.
#[derive(Debug)]
struct Excluded(Box<dyn Query>);

impl Clone for Excluded {
    fn clone(&self) -> Self {
        Excluded(self.0.box_clone())
    }
}

impl Query for Excluded {
    fn weight(&self, enable_scoring: EnableScoring<'_>) -> tantivy::Result<Box<dyn Weight>> {
        Ok(Box::new(ExcludedWeight(self.0.weight(enable_scoring)?)))
    }

    fn query_terms<'a>(&'a self, visitor: &mut dyn FnMut(&'a Term, bool)) {
        self.0.query_terms(visitor);
    }
}

struct ExcludedWeight(Box<dyn Weight>);

impl Weight for ExcludedWeight {
    fn scorer(&self, reader: &SegmentReader, boost: Score) -> tantivy::Result<Box<dyn Scorer>> {
        let scorer = self.0.scorer(reader, boost)?;
        // tantivy recognises these and short-cuts them; they seek safely.
        if scorer.is::<EmptyScorer>() || scorer.is::<AllScorer>() {
            return Ok(scorer);
        }
        Ok(Box::new(ForwardOnly(scorer)))
    }

    fn explain(&self, reader: &SegmentReader, doc: DocId) -> tantivy::Result<Explanation> {
        self.0.explain(reader, doc)
    }
}

/// A scorer answering `seek_danger` with plain forward seeks (the trait's default).
struct ForwardOnly(Box<dyn Scorer>);

impl DocSet for ForwardOnly {
    fn advance(&mut self) -> DocId {
        self.0.advance()
    }

    fn seek(&mut self, target: DocId) -> DocId {
        let doc = self.0.doc();
        if doc >= target { doc } else { self.0.seek(target) }
    }

    fn doc(&self) -> DocId {
        self.0.doc()
    }

    fn size_hint(&self) -> u32 {
        self.0.size_hint()
    }

    fn cost(&self) -> u64 {
        self.0.cost()
    }
}

impl Scorer for ForwardOnly {
    fn score(&mut self) -> Score {
        self.0.score()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    type Shape<'a> = Vec<(bool, Vec<(Option<Prefix>, &'a str, bool)>)>;

    fn words(parsed: &Parsed) -> Shape<'_> {
        parsed
            .clauses
            .iter()
            .map(|clause| {
                (
                    clause.exclude,
                    clause
                        .alternatives
                        .iter()
                        .map(|atom| (atom.prefix, atom.text.as_str(), atom.phrase))
                        .collect(),
                )
            })
            .collect()
    }

    #[test]
    fn the_syntax_people_know() {
        let parsed = parse(
            r#"austen "pride and prejudice" -zombies title:emma OR author:"Jane Austen" isbn:0-14-143951-3"#,
        );
        assert!(!parsed.read_as_words);
        assert_eq!(
            words(&parsed),
            vec![
                (false, vec![(None, "austen", false)]),
                (false, vec![(None, "pride and prejudice", true)]),
                (true, vec![(None, "zombies", false)]),
                (
                    false,
                    vec![
                        (Some(Prefix::Title), "emma", false),
                        (Some(Prefix::Author), "Jane Austen", true)
                    ]
                ),
                (false, vec![(Some(Prefix::Isbn), "0-14-143951-3", false)]),
            ]
        );
    }

    #[test]
    fn malformed_syntax_falls_back_to_plain_words() {
        for input in [
            r#"pride "and prejudice"#,
            "OR austen",
            "austen OR",
            "austen OR OR emma",
            "title: emma",
            r#"ab"cd""#,
        ] {
            let parsed = parse(input);
            assert!(parsed.read_as_words, "{input}");
            assert!(
                parsed
                    .clauses
                    .iter()
                    .all(|clause| !clause.exclude && clause.alternatives.len() == 1),
                "{input}"
            );
        }
        assert_eq!(words(&parse(r#"pride "and prejudice"#)).len(), 3);
    }

    #[test]
    fn ordinary_punctuation_is_not_syntax() {
        // An unknown prefix is a word; a lone dash is punctuation; lower-case "or" is a word.
        let parsed = parse("Star Wars: a new hope - to be or not to be");
        assert!(!parsed.read_as_words);
        assert!(
            parsed.clauses.iter().all(|clause| !clause.exclude && clause.alternatives.len() == 1)
        );
        assert_eq!(parsed.clauses.len(), 11);
        assert_eq!(parsed.plain_text(), "Star Wars: a new hope to be or not to be");
    }
}
