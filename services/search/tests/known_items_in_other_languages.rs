//! Known items in other languages and scripts, searched for as catalogued and as a
//! patron at a plain (UK) keyboard types them. On both databases.
//!
//! The records: every titled record of the Evergreen Hebrew, Cyrillic and Armenian, French
//! and Nepali files, and every record of the Library of Congress's 10,000 whose language
//! is not English or whose title or author is not plain ASCII. Each is searched for with
//! the known-item test's title-and-author query (the title's words without stop words, at
//! most six, and the main author's surname), spelt two ways:
//! - as catalogued: the words with their original characters;
//! - typed plainly: the record's Latin-script form (its title, or the romanisation
//!   catalogued beside a title in another script; for a record in Cyrillic, Greek or
//!   Armenian script with none, the ALA-LC romanisation) in lower case, without
//!   diacritics, with romanisation marks (ʻ ʼ ʹ ʺ) left out for half the records and typed
//!   as `'` for the other half, and letters a keyboard lacks spelt out (æ ae, ø o, ł l,
//!   þ th, ß ss, ı i, ɔ o …).
//!
//! A search succeeds when the first hit is the record, or one that the query cannot tell
//! apart from it (the same folded title and main author). Run with `--nocapture` to see
//! the figures per file and the misses.

#![allow(clippy::unwrap_used, clippy::expect_used, reason = "tests fail loudly")]

mod support;

use std::collections::{HashMap, HashSet};
use std::time::{Duration, Instant};

use athenaeum_catalogue::api::*;
use athenaeum_search::analysis::{STOP_WORDS, fold_words, romanise};
use athenaeum_search::api::*;
use athenaeum_testkit::{both_backends, marc_file};
use support::{World, request};
use unicode_normalization::UnicodeNormalization;
use unicode_normalization::char::is_combining_mark;

/// The files searched, with the names the figures show. The Library of Congress's file
/// comes last: only its records in other languages, or with other letters, are searched.
const FILES: &[(&str, &str)] = &[
    ("Hebrew (romanised, Hebrew script in 880)", "evergreen/hebrew.marc"),
    ("Cyrillic and Armenian script (FSL)", "evergreen/FSL.marc"),
    ("French, pre-1923 (500)", "evergreen/lul_fre_500.mrc"),
    ("French, pre-1923 (100)", "evergreen/lul_fre_100.mrc"),
    ("Nepali (Devanagari and romanised)", "evergreen/nepali.marc"),
    ("Library of Congress 10,000", "loc-books-2016/BooksAll.2016.part01.first10000.mrc"),
];

/// Typed plainly, at least this share of all the records must come first.
const REQUIRED_TYPED_PLAINLY: f64 = 0.97;

/// Returns true for an apostrophe as catalogued.
fn is_apostrophe(character: char) -> bool {
    matches!(character, '\'' | '’' | '‘')
}

/// Returns true for the romanisation marks: ayn and alif (also Korean's apostrophe), the
/// soft and hard signs.
fn is_romanisation_mark(character: char) -> bool {
    matches!(character, 'ʻ' | 'ʼ' | 'ʾ' | 'ʿ' | 'ʹ' | 'ʺ')
}

/// Splits text into the words a person copies from it: letters, digits and their marks,
/// joined by apostrophes, marks and hyphens; everything else separates.
fn words(text: &str) -> Vec<String> {
    text.split(|character: char| {
        !(character.is_alphanumeric()
            || is_combining_mark(character)
            || is_apostrophe(character)
            || is_romanisation_mark(character)
            || character == '-')
    })
    .map(|word| word.trim_matches(|character: char| character == '-' || is_apostrophe(character)))
    .filter(|word| word.chars().any(char::is_alphanumeric))
    .map(str::to_string)
    .collect()
}

/// The known-item query: the title's words without stop words (at most six; all of them
/// when only stop words remain) and the surname, the first word of the name before its
/// comma.
fn known_item_query(title: &str, author: Option<&str>) -> String {
    let all = words(title);
    let distinctive: Vec<String> = all
        .iter()
        .filter(|word| !STOP_WORDS.contains(&word.to_lowercase().as_str()))
        .take(6)
        .cloned()
        .collect();
    let mut query = if distinctive.is_empty() { all } else { distinctive };
    if let Some(surname) = author
        .and_then(|author| author.split(',').next())
        .and_then(|before_comma| words(before_comma).into_iter().next())
    {
        query.push(surname);
    }
    query.join(" ")
}

/// Returns true when every letter of `text` is Latin (IPA and modifier letters included).
fn is_latin(text: &str) -> bool {
    text.chars().filter(|character| character.is_alphabetic()).all(|character| {
        (character as u32) < 0x0300 || ('\u{1E00}'..='\u{1EFF}').contains(&character)
    })
}

/// The record's title and main author in Latin script, as a patron at a plain keyboard
/// reads them off a citation: the catalogued form when it is Latin, else the romanised
/// form catalogued beside it, else the ALA-LC romanisation.
fn latin_forms(record: &CatalogueRecord) -> (String, Option<String>) {
    let description = &record.description;
    let title = record.title.clone().unwrap_or_default();
    let title = if is_latin(&title) {
        title
    } else {
        description
            .title
            .as_ref()
            .and_then(|title| title.display_alternate.clone())
            .filter(|alternate| is_latin(alternate))
            .unwrap_or_else(|| romanise(&title).into_owned())
    };
    let author = record.primary_author.clone().map(|author| {
        if is_latin(&author) {
            return author;
        }
        description
            .contributors
            .first()
            .and_then(|first| first.name_alternate.clone())
            .filter(|alternate| is_latin(alternate))
            .unwrap_or_else(|| romanise(&author).into_owned())
    });
    (title, author)
}

/// Types `text` as a patron at a UK keyboard does: lower case, no diacritics (nor the
/// ligature marks of romanised Cyrillic), apostrophes as `'`, romanisation marks left out
/// or typed as `'`, letters the keyboard lacks spelt out, superscripts as digits.
fn typed_plainly(text: &str, marks_as_apostrophes: bool) -> String {
    let mut typed = String::with_capacity(text.len());
    for character in text.to_lowercase().nfkd() {
        match character {
            character if is_apostrophe(character) => typed.push('\''),
            character if is_romanisation_mark(character) => {
                if marks_as_apostrophes {
                    typed.push('\'');
                }
            }
            'æ' => typed.push_str("ae"),
            'œ' => typed.push_str("oe"),
            'ø' => typed.push('o'),
            'ł' => typed.push('l'),
            'đ' | 'ð' => typed.push('d'),
            'þ' => typed.push_str("th"),
            'ß' => typed.push_str("ss"),
            'ı' => typed.push('i'),
            'ɔ' => typed.push('o'),
            'ɛ' | 'ə' => typed.push('e'),
            character if is_combining_mark(character) => {}
            character if character.is_ascii() || character.is_alphanumeric() => {
                typed.push(character);
            }
            _ => typed.push(' '),
        }
    }
    typed.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn folded(text: Option<&String>) -> String {
    text.map(|text| fold_words(text)).unwrap_or_default()
}

/// Successes of one spelling of the queries.
#[derive(Default)]
struct Tally {
    searched: usize,
    first: usize,
    misses: Vec<String>,
}

impl Tally {
    fn rate(&self) -> f64 {
        if self.searched == 0 { 1.0 } else { self.first as f64 / self.searched as f64 }
    }

    fn percent(&self) -> String {
        format!("{:5.1}% ({}/{})", 100.0 * self.rate(), self.first, self.searched)
    }

    fn add(&mut self, other: &Tally) {
        self.searched += other.searched;
        self.first += other.first;
    }
}

/// The records of one file that are searched for.
struct FileRecords {
    name: &'static str,
    records: Vec<CatalogueRecord>,
}

both_backends! {
    async fn non_english_titles_come_first_as_catalogued_and_typed_plainly(backend) {
        let mut world = World::start(backend).await;
        world.stop_search().await;
        world.empty_search_dir();
        let started = Instant::now();
        let mut known: HashSet<String> = HashSet::new();
        let mut files: Vec<FileRecords> = Vec::new();
        for (name, path) in FILES {
            let job = world.import_file(&world.north, &marc_file(path)).await;
            let all = world.all_records(&world.north).await;
            let new: Vec<CatalogueRecord> =
                all.into_iter().filter(|record| known.insert(record.id.clone())).collect();
            eprintln!("{name}: {} new records of {} read", new.len(), job.records_read);
            let library_of_congress = path.starts_with("loc-");
            let records = new
                .into_iter()
                .filter(|record| record.kind == RecordKind::Bibliographic)
                .filter(|record| record.title.as_deref().is_some_and(|title| !fold_words(title).is_empty()))
                .filter(|record| {
                    !library_of_congress
                        || record.language.as_deref() != Some("eng")
                        || !known_item_query(record.title.as_deref().unwrap_or_default(), record.primary_author.as_deref()).is_ascii()
                })
                .collect();
            files.push(FileRecords { name, records });
        }
        eprintln!("imported in {:.1} s", started.elapsed().as_secs_f64());
        world.start_search();
        let took = world.wait_until_indexed_within(Duration::from_secs(300)).await;
        eprintln!("indexed in {:.1} s", took.as_secs_f64());

        let all = world.all_records(&world.north).await;
        let by_id: HashMap<&str, &CatalogueRecord> =
            all.iter().map(|record| (record.id.as_str(), record)).collect();
        let mut rows: Vec<(&str, Tally, Tally)> = Vec::new();
        let mut suggested = Tally::default();
        let mut not_ascii = Vec::new();
        let mut position = 0usize;
        for file in &files {
            let mut as_catalogued = Tally::default();
            let mut plainly = Tally::default();
            for record in &file.records {
                position += 1;
                let original = known_item_query(
                    record.title.as_deref().unwrap_or_default(),
                    record.primary_author.as_deref(),
                );
                let (latin_title, latin_author) = latin_forms(record);
                let plain = typed_plainly(
                    &known_item_query(&latin_title, latin_author.as_deref()),
                    position.is_multiple_of(2),
                );
                if !plain.is_ascii() {
                    not_ascii.push(plain.clone());
                }
                let title = record.title.clone().unwrap_or_default();
                if is_latin(&title) && !title.is_ascii() {
                    suggested.searched += 1;
                    match suggestions_differ(&world, &title, position.is_multiple_of(2)).await {
                        None => suggested.first += 1,
                        Some(difference) => suggested.misses.push(difference),
                    }
                }
                for (query, tally) in [(original, &mut as_catalogued), (plain, &mut plainly)] {
                    tally.searched += 1;
                    let results = world
                        .search_with(&world.north.patron, SearchRequest { query: query.clone(), first: 1, ..request() })
                        .await;
                    let Some(hit) = results.hits.first() else {
                        tally.misses.push(format!("{query:?}: nothing found for {:?}", record.title));
                        continue;
                    };
                    let found = by_id[hit.record_id.as_str()];
                    let same_title = folded(found.title.as_ref()) == folded(record.title.as_ref());
                    let same_author =
                        folded(found.primary_author.as_ref()) == folded(record.primary_author.as_ref());
                    if hit.record_id == record.id || (same_title && same_author) {
                        tally.first += 1;
                    } else {
                        tally.misses.push(format!(
                            "{query:?}: wanted {:?} / {:?}, first was {:?} / {:?} of {}",
                            record.title, record.primary_author, found.title, found.primary_author, results.total_records
                        ));
                    }
                }
            }
            rows.push((file.name, as_catalogued, plainly));
        }

        let mut overall = (Tally::default(), Tally::default());
        eprintln!("known items in other languages and scripts, title words and surname, first (tie-aware):");
        eprintln!("  {:<44} {:>22}   {:>22}", "file", "as catalogued", "typed plainly");
        for (name, as_catalogued, plainly) in &rows {
            eprintln!("  {name:<44} {:>22}   {:>22}", as_catalogued.percent(), plainly.percent());
            overall.0.add(as_catalogued);
            overall.1.add(plainly);
        }
        eprintln!("  {:<44} {:>22}   {:>22}", "overall", overall.0.percent(), overall.1.percent());
        for (name, as_catalogued, plainly) in &rows {
            for miss in &as_catalogued.misses {
                eprintln!("  miss as catalogued, {name}: {miss}");
            }
            for miss in &plainly.misses {
                eprintln!("  miss typed plainly, {name}: {miss}");
            }
        }
        for query in &not_ascii {
            eprintln!("  typed plainly but not ASCII: {query:?}");
        }
        eprintln!(
            "  autocomplete and did-you-mean the same typed plainly as catalogued (Latin titles \
             beyond ASCII): {}",
            suggested.percent()
        );
        for miss in &suggested.misses {
            eprintln!("  suggestions differ: {miss}");
        }
        assert!(suggested.searched > 300, "only {} titles beyond ASCII", suggested.searched);
        assert!(suggested.misses.is_empty(), "{} titles suggest differently typed plainly", suggested.misses.len());
        assert!(
            overall.1.rate() >= REQUIRED_TYPED_PLAINLY,
            "typed plainly, the record came first for only {} (need {:.0}%)",
            overall.1.percent(),
            100.0 * REQUIRED_TYPED_PLAINLY
        );
    }
}

/// Compares what a patron is offered while typing a title, and when misspelling it, as
/// catalogued and typed plainly: autocomplete on its first words and the start of the
/// next, and did-you-mean for its words with one letter left out of the longest. Returns
/// how they differ, or `None` when they are the same.
async fn suggestions_differ(
    world: &World,
    title: &str,
    marks_as_apostrophes: bool,
) -> Option<String> {
    let words = words(title);
    let typed: Vec<String> = words.iter().take(3).cloned().collect();
    let mut prefix = typed.join(" ");
    if let Some(last) = typed.last().filter(|last| last.chars().count() > 3) {
        let keep: String = last.chars().take(3).collect();
        prefix = format!("{} {keep}", typed[..typed.len() - 1].join(" ")).trim().to_string();
    }
    let offered = |prefix: String| async move {
        let request = AutocompleteRequest {
            prefix,
            scope: SearchScope::Library,
            public_tenant_id: None,
            limit: 8,
        };
        let suggestions =
            world.search_api().autocomplete(&world.north.patron, request).await.unwrap();
        suggestions.suggestions.into_iter().map(|suggestion| suggestion.text).collect::<Vec<_>>()
    };
    let as_catalogued = offered(prefix.clone()).await;
    let plain_prefix = typed_plainly(&prefix, marks_as_apostrophes);
    let plainly = offered(plain_prefix.clone()).await;
    if as_catalogued != plainly {
        return Some(format!(
            "autocomplete {prefix:?} offers {as_catalogued:?}, {plain_prefix:?} offers {plainly:?}"
        ));
    }
    let longest = words.iter().take(6).max_by_key(|word| word.chars().count())?;
    if longest.chars().count() < 6 {
        return None;
    }
    let misspelt: String = longest
        .chars()
        .enumerate()
        .filter(|(index, _)| *index != 2)
        .map(|(_, character)| character)
        .collect();
    let query = words
        .iter()
        .take(6)
        .map(|word| if word == longest { misspelt.clone() } else { word.clone() })
        .collect::<Vec<_>>()
        .join(" ");
    let meant = |query: String| async move {
        world
            .search_with(&world.north.patron, SearchRequest { query, first: 1, ..request() })
            .await
            .did_you_mean
    };
    let catalogued_meant = meant(query.clone()).await;
    let plain_query = typed_plainly(&query, marks_as_apostrophes);
    let plainly_meant = meant(plain_query.clone()).await;
    (catalogued_meant != plainly_meant).then(|| {
        format!("did you mean {query:?}: {catalogued_meant:?}; {plain_query:?}: {plainly_meant:?}")
    })
}
