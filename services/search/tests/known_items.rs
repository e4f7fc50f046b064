//! Known-item searches on 10,000 real Library of Congress records: someone who knows a
//! book's title (and perhaps its author) types its distinctive words and expects the book
//! first. On both databases.
//!
//! For a deterministic sample of 500 titled records, two queries are made from what the
//! catalogue extracted: A, the title's words without stop words (at most the first six),
//! and B, those words and the main author's surname. A search succeeds when the first hit
//! is the record, or one that the query cannot tell apart from it (the same folded title,
//! and for B the same main author as well). Run with `--nocapture` to see the rates.

#![allow(clippy::unwrap_used, clippy::expect_used, reason = "tests fail loudly")]

mod support;

use std::collections::HashMap;
use std::time::{Duration, Instant};

use athenaeum_catalogue::api::*;
use athenaeum_search::analysis::{STOP_WORDS, fold_words};
use athenaeum_search::api::*;
use athenaeum_testkit::{both_backends, loc_books_10000};
use support::{World, request};

/// How many records are searched for.
const SAMPLE: usize = 500;
/// The tie-aware success rate of title-and-author searches must reach this.
const REQUIRED_B: f64 = 0.95;

/// The words of query A: the title's folded words without stop words, at most six; all
/// of them when only stop words remain.
fn title_words(title: &str) -> Vec<String> {
    let words: Vec<String> = fold_words(title).split(' ').map(str::to_string).collect();
    let distinctive: Vec<String> = words
        .iter()
        .filter(|word| !word.is_empty() && !STOP_WORDS.contains(&word.as_str()))
        .take(6)
        .cloned()
        .collect();
    if distinctive.is_empty() { words } else { distinctive }
}

/// The main author's surname: the first word of the name before its comma.
fn surname(author: &str) -> Option<String> {
    let before_comma = author.split(',').next().unwrap_or_default();
    before_comma.split_whitespace().next().map(str::to_string)
}

fn folded(text: Option<&String>) -> String {
    text.map(|text| fold_words(text)).unwrap_or_default()
}

/// Successes of one kind of query: strict (the record itself first) and tie-aware.
#[derive(Default)]
struct Tally {
    strict: usize,
    tie_aware: usize,
    misses: Vec<String>,
}

impl Tally {
    fn rate(count: usize) -> f64 {
        count as f64 / SAMPLE as f64
    }
}

both_backends! {
    async fn known_titles_and_authors_come_first(backend) {
        let mut world = World::start(backend).await;
        // Import with the search service stopped, then start it on an empty folder: it
        // builds the index by scanning the catalogue, as a first start on an existing
        // catalogue does.
        world.stop_search().await;
        world.empty_search_dir();
        let started = Instant::now();
        let job = world.import_file(&world.north, &loc_books_10000()).await;
        eprintln!("imported {} records in {:.1} s", job.records_new, started.elapsed().as_secs_f64());
        world.start_search();
        let took = world.wait_until_indexed_within(Duration::from_secs(300)).await;
        eprintln!("indexed in {:.1} s", took.as_secs_f64());

        let records = world.all_records(&world.north).await;
        assert_eq!(records.len(), job.records_new as usize);
        let by_id: HashMap<&str, &CatalogueRecord> =
            records.iter().map(|record| (record.id.as_str(), record)).collect();
        let titled: Vec<&CatalogueRecord> = records
            .iter()
            .filter(|record| record.kind == RecordKind::Bibliographic)
            .filter(|record| record.title.as_deref().is_some_and(|title| !fold_words(title).is_empty()))
            .collect();
        let step = titled.len() / SAMPLE;
        assert!(step >= 1, "only {} titled records", titled.len());
        let sample: Vec<&CatalogueRecord> = titled.iter().step_by(step).take(SAMPLE).copied().collect();
        assert_eq!(sample.len(), SAMPLE);

        let mut tallies = [Tally::default(), Tally::default()];
        let started = Instant::now();
        for record in &sample {
            let words = title_words(record.title.as_ref().unwrap());
            let author = record.primary_author.as_deref().and_then(surname);
            let query_a = words.join(" ");
            let query_b = match &author {
                Some(surname) => format!("{query_a} {surname}"),
                None => query_a.clone(),
            };
            for (kind, query) in [query_a, query_b].into_iter().enumerate() {
                let results = world
                    .search_with(&world.north.patron, SearchRequest { query: query.clone(), first: 1, ..request() })
                    .await;
                let tally = &mut tallies[kind];
                let Some(first) = results.hits.first() else {
                    tally.misses.push(format!("{query:?}: nothing found for {:?}", record.title));
                    continue;
                };
                if first.record_id == record.id {
                    tally.strict += 1;
                    tally.tie_aware += 1;
                    continue;
                }
                let found = by_id[first.record_id.as_str()];
                let same_title = folded(found.title.as_ref()) == folded(record.title.as_ref());
                let same_author =
                    folded(found.primary_author.as_ref()) == folded(record.primary_author.as_ref());
                if same_title && (kind == 0 || same_author) {
                    tally.tie_aware += 1;
                } else {
                    tally.misses.push(format!(
                        "{query:?}: wanted {:?} / {:?}, first was {:?} / {:?} of {}",
                        record.title, record.primary_author, found.title, found.primary_author, results.total_records
                    ));
                }
            }
        }
        eprintln!("{} searches in {:.1} s", 2 * SAMPLE, started.elapsed().as_secs_f64());
        for (name, tally) in ["A (title words)", "B (title words and surname)"].iter().zip(&tallies) {
            eprintln!(
                "known items, query {name}: strict {:.1}%, tie-aware {:.1}% of {SAMPLE}",
                100.0 * Tally::rate(tally.strict),
                100.0 * Tally::rate(tally.tie_aware),
            );
            for miss in &tally.misses {
                eprintln!("  miss {miss}");
            }
        }
        let [a, b] = &tallies;
        assert!(a.strict <= a.tie_aware && b.strict <= b.tie_aware);
        assert!(
            Tally::rate(b.tie_aware) >= REQUIRED_B,
            "title-and-author searches found the book first in only {:.1}% of {SAMPLE} (need {:.0}%)",
            100.0 * Tally::rate(b.tie_aware),
            100.0 * REQUIRED_B
        );
    }
}
