//! Queries that trip search engines up, among 1,000 real Library of Congress records:
//! titles of stop words only, programming languages named by punctuation, diacritics,
//! initials, numbers with slashes, ISBNs in every form, malformed syntax; and the query
//! syntax, sorting, paging, facets, spelling suggestions, autocomplete and highlights,
//! each checked against what the catalogue holds. On both databases.

#![allow(clippy::unwrap_used, clippy::expect_used, reason = "tests fail loudly")]

mod support;

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::time::Duration;

use athenaeum_catalogue::api::*;
use athenaeum_search::analysis::{fold_words, terms, text_analyzer};
use athenaeum_search::api::*;
use athenaeum_testkit::{both_backends, loc_books_1000};
use support::{World, ids, request};

/// The records made for these tests.
struct Made {
    to_be: CatalogueRecord,
    the_the: CatalogueRecord,
    csharp: CatalogueRecord,
    c: CatalogueRecord,
    cpp: CatalogueRecord,
    wuthering: CatalogueRecord,
    waste_land: CatalogueRecord,
    middlemarch: CatalogueRecord,
    nine_eleven: CatalogueRecord,
    chapter_11: CatalogueRecord,
    numbers: CatalogueRecord,
    green_river: CatalogueRecord,
    river_green: CatalogueRecord,
    garden: CatalogueRecord,
    pride: CatalogueRecord,
    miserables: CatalogueRecord,
    lanterns: CatalogueRecord,
}

fn form(title: &str, author: Option<&str>, year: i32) -> RecordForm {
    RecordForm {
        title: title.into(),
        author: author.map(str::to_string),
        year: Some(year),
        language: Some("eng".into()),
        ..RecordForm::default()
    }
}

/// Which records a filter should keep.
type Keep<'a> = Box<dyn Fn(&CatalogueRecord) -> bool + 'a>;

/// The LC records in the north library, and the made records among them.
async fn setup(world: &World) -> Made {
    world.import_file(&world.north, &loc_books_1000()).await;
    let north = &world.north;
    let make = |form: RecordForm| world.create_form(north, form);
    let made = Made {
        to_be: make(RecordForm {
            subtitle: Some("a chooseable-path adventure".into()),
            ..form("To be or not to be", Some("North, Ryan"), 2013)
        })
        .await,
        the_the: make(form("The The", Some("Johnson, Matt"), 1983)).await,
        csharp: make(form("Programming C#", Some("Liberty, Jesse"), 2005)).await,
        c: make(form("The C programming language", Some("Kernighan, Brian W."), 1988)).await,
        cpp: make(form("The C++ programming language", Some("Stroustrup, Bjarne"), 2013)).await,
        wuthering: make(form("Wuthering Heights", Some("Brontë, Emily"), 1847)).await,
        waste_land: make(RecordForm {
            statement_of_responsibility: Some("T.S. Eliot".into()),
            ..form("The waste land", Some("Eliot, T. S."), 1922)
        })
        .await,
        middlemarch: make(form("Middlemarch", Some("Eliot, George"), 1871)).await,
        nine_eleven: make(RecordForm {
            subtitle: Some(
                "final report of the National Commission on Terrorist Attacks upon the United States"
                    .into(),
            ),
            ..form("The 9/11 Commission report", None, 2004)
        })
        .await,
        chapter_11: make(form("Chapter 11 for small firms in 9 steps", Some("Ruiz, Ana"), 2001))
            .await,
        numbers: make(RecordForm {
            isbns: Some(vec!["978-0-306-40615-7".into()]),
            ..form("Numbers in the dark", Some("Calvino, Italo"), 1995)
        })
        .await,
        green_river: make(form("Green river stories", Some("Hollis, Amy"), 1999)).await,
        river_green: make(form("River of green stones", Some("Marsh, Tom"), 2005)).await,
        garden: make(form("Garden diaries", Some("Featherstonehaugh, Mary"), 1960)).await,
        pride: make(form("Pride and prejudice", Some("Austen, Jane"), 1813)).await,
        miserables: make(RecordForm {
            language: Some("fre".into()),
            ..form("Les misérables", Some("Hugo, Victor"), 1862)
        })
        .await,
        lanterns: make(RecordForm {
            summary: Some("A tale of lighthouse keepers on a remote northern island.".into()),
            ..form("Lanterns at dusk", Some("Quill, Harriet"), 2010)
        })
        .await,
    };
    make(form("Pride and prejudice and zombies", Some("Grahame-Smith, Seth"), 2009)).await;
    make(RecordForm { year: None, ..form("An undated pamphlet on bridges", None, 0) }).await;
    world.wait_until_indexed_within(Duration::from_secs(60)).await;
    made
}

async fn assert_first(world: &World, query: &str, expected: &CatalogueRecord) {
    let results = world.search_as(&world.north.patron, query).await;
    let titles: Vec<&str> = results.hits.iter().map(|hit| hit.title.as_str()).collect();
    assert_eq!(
        results.hits.first().map(|hit| hit.record_id.as_str()),
        Some(expected.id.as_str()),
        "{query:?} should find {:?} first; found {titles:?}",
        expected.title
    );
}

/// Every record id a library search finds.
async fn found(world: &World, query: &str) -> BTreeSet<String> {
    let request = SearchRequest { query: query.into(), ..request() };
    world
        .all_hits(&world.north.patron, request)
        .await
        .into_iter()
        .map(|hit| hit.record_id)
        .collect()
}

/// The facet values a record contributes: format, languages and decade, as the
/// catalogue extracted them.
fn record_facets(record: &CatalogueRecord) -> Vec<(FacetName, String)> {
    let description = &record.description;
    let format = serde_json::to_value(description.format).unwrap().as_str().unwrap().to_string();
    let mut out = vec![(FacetName::Format, format)];
    for language in &description.languages {
        out.push((FacetName::Language, language.clone()));
    }
    if let Some(year) = description.publication.year {
        let year = i32::from(year);
        let start = year - year.rem_euclid(10);
        out.push((FacetName::Year, format!("{start}-{}", start + 9)));
    }
    for subject in &description.subjects {
        out.push((FacetName::Subject, subject.main.clone()));
    }
    for contributor in &description.contributors {
        out.push((FacetName::Author, contributor.name.clone()));
    }
    out
}

fn counts_of(records: &[&CatalogueRecord], facet: FacetName) -> BTreeMap<String, u64> {
    let mut counts = BTreeMap::new();
    for record in records {
        let values: BTreeSet<String> = record_facets(record)
            .into_iter()
            .filter(|(name, _)| *name == facet)
            .map(|(_, value)| value)
            .collect();
        for value in values {
            *counts.entry(value).or_default() += 1;
        }
    }
    counts
}

fn shown_counts(results: &SearchResults, facet: FacetName) -> BTreeMap<String, u64> {
    results
        .facets
        .iter()
        .find(|counts| counts.facet == facet)
        .unwrap_or_else(|| panic!("no {facet:?} facet in the results"))
        .values
        .iter()
        .map(|value| (value.value.clone(), value.count))
        .collect()
}

/// Checks that every highlighted range of a hit lies on a word of `query` (compared as
/// the index compares words: folded and stemmed), and returns the highlighted words.
fn highlighted_words(hit: &SearchHit, query: &str) -> Vec<String> {
    let wanted: BTreeSet<String> = terms(&mut text_analyzer(), query).into_iter().collect();
    let mut words = Vec::new();
    for highlight in &hit.highlights {
        assert!(["title", "summary"].contains(&highlight.field.as_str()), "{highlight:?}");
        assert!(!highlight.ranges.is_empty());
        for range in &highlight.ranges {
            let word = highlight
                .text
                .get(range.start as usize..range.end as usize)
                .unwrap_or_else(|| panic!("range {range:?} is not within {:?}", highlight.text));
            let stems = terms(&mut text_analyzer(), word);
            assert!(
                stems.len() == 1 && wanted.contains(&stems[0]),
                "highlighted {word:?} in {:?} is not a word of {query:?}",
                highlight.text
            );
            words.push(word.to_string());
        }
    }
    words
}

both_backends! {
    async fn hard_titles_names_and_identifiers_are_found(backend) {
        let world = World::start(backend).await;
        let made = Box::pin(setup(&world)).await;

        // Titles of stop words only.
        assert_first(&world, "To be or not to be", &made.to_be).await;
        assert_first(&world, "to be or not to be", &made.to_be).await;
        assert_first(&world, "The The", &made.the_the).await;

        // Programming languages are not the letter C.
        let csharp = found(&world, "programming C#").await;
        assert!(csharp.contains(&made.csharp.id));
        assert!(!csharp.contains(&made.c.id) && !csharp.contains(&made.cpp.id), "C# is neither C nor C++");
        assert_first(&world, "programming C#", &made.csharp).await;
        let cpp = found(&world, "c++ programming").await;
        assert!(cpp.contains(&made.cpp.id));
        assert!(!cpp.contains(&made.c.id) && !cpp.contains(&made.csharp.id), "C++ is neither C nor C#");
        assert_first(&world, "C++ programming language", &made.cpp).await;
        let c = found(&world, "c programming").await;
        assert!(c.contains(&made.c.id));
        assert!(!c.contains(&made.cpp.id) && !c.contains(&made.csharp.id), "C is neither C++ nor C#");
        assert_first(&world, "C programming language", &made.c).await;

        // Diacritics and initials.
        assert_first(&world, "bronte wuthering", &made.wuthering).await;
        assert_first(&world, "Brontë wuthering heights", &made.wuthering).await;
        assert_first(&world, "T.S. Eliot waste land", &made.waste_land).await;
        assert_first(&world, "T. S. Eliot", &made.waste_land).await;
        assert_first(&world, "t s eliot", &made.waste_land).await;
        assert!(found(&world, "George Eliot").await.contains(&made.middlemarch.id));
        assert!(!found(&world, "T. S. Eliot").await.contains(&made.middlemarch.id), "George Eliot is not T. S. Eliot");

        // Numbers with a slash are one phrase, not two numbers anywhere.
        assert_first(&world, "9/11", &made.nine_eleven).await;
        assert_first(&world, "9/11 commission report", &made.nine_eleven).await;
        assert!(!found(&world, "9/11").await.contains(&made.chapter_11.id), "9 and 11 apart are not 9/11");
        assert!(found(&world, "chapter 11 firms").await.contains(&made.chapter_11.id));

        // An ISBN in any form, with or without the prefix, finds its record and only it.
        let isbn = &made.numbers.description.identifiers.isbns[0];
        assert_eq!(isbn.isbn13, "9780306406157");
        assert_eq!(isbn.isbn10.as_deref(), Some("0306406152"));
        for query in [
            "978-0-306-40615-7",
            "9780306406157",
            "0-306-40615-2",
            "0306406152",
            "isbn:978-0-306-40615-7",
            "isbn:9780306406157",
            "isbn:0-306-40615-2",
            "isbn:0306406152",
        ] {
            let results = world.search_as(&world.north.patron, query).await;
            assert_eq!(ids(&results), vec![made.numbers.id.clone()], "ISBN query {query:?}");
            assert!(!results.read_as_words);
        }
        // ISBNs of the LC records find theirs too.
        let records = world.all_records(&world.north).await;
        let with_isbn: Vec<&CatalogueRecord> =
            records.iter().filter(|record| !record.description.identifiers.isbns.is_empty()).take(20).collect();
        assert!(with_isbn.len() >= 3, "the LC file has records with ISBNs");
        for record in with_isbn {
            let isbn = &record.description.identifiers.isbns[0];
            for query in [isbn.isbn13.clone(), format!("isbn:{}", isbn.isbn13)].into_iter().chain(isbn.isbn10.clone()) {
                let results = world.search_as(&world.north.patron, &query).await;
                assert!(ids(&results).contains(&record.id), "{query:?} does not find {:?}", record.title);
                assert!(
                    results.hits.iter().all(|hit| hit.isbns.contains(&isbn.isbn13)),
                    "{query:?} finds records without that ISBN"
                );
            }
        }

        // Malformed syntax is read as words, never refused.
        for query in [r#""unclosed quote"#, "OR", "title:", "austen OR", r#"wuthering "heights"#] {
            let results = world
                .search_api()
                .search(&world.north.patron, SearchRequest { query: query.into(), ..request() })
                .await
                .unwrap_or_else(|error| panic!("{query:?} was refused: {error:?}"));
            assert!(results.read_as_words, "{query:?} should be read as words");
        }
        assert_first(&world, r#""wuthering heights"#, &made.wuthering).await;
        let everything = world.search_as(&world.north.patron, "OR").await;
        assert_eq!(everything.total_records as usize, records.len(), "a lone OR is no words: everything");
        assert!(!world.search_as(&world.north.patron, "wuthering heights").await.read_as_words);
    }

    async fn phrases_exclusions_alternatives_prefixes_sorts_and_pages(backend) {
        let world = World::start(backend).await;
        let made = Box::pin(setup(&world)).await;

        // Words match anywhere in any order; a phrase only as written.
        let words = found(&world, "green river").await;
        assert!(words.contains(&made.green_river.id) && words.contains(&made.river_green.id));
        let phrase = found(&world, r#""green river""#).await;
        assert!(phrase.contains(&made.green_river.id));
        assert!(!phrase.contains(&made.river_green.id), "\"green river\" is not \"river of green\"");
        assert!(phrase.is_subset(&words));

        // Exclusion removes exactly what the excluded word finds.
        let stones = found(&world, "stones").await;
        assert!(stones.contains(&made.river_green.id));
        let without = found(&world, "green river -stones").await;
        assert_eq!(without, words.difference(&stones).cloned().collect::<BTreeSet<_>>());
        assert!(without.contains(&made.green_river.id) && !without.contains(&made.river_green.id));
        let without_phrase = found(&world, r#"green -"green river""#).await;
        assert!(!without_phrase.contains(&made.green_river.id));
        assert!(without_phrase.contains(&made.river_green.id));

        // OR finds what either alternative finds.
        for (left, right) in [("stories", "stones"), ("diaries", "prejudice"), ("wuthering", "middlemarch")] {
            let either = found(&world, &format!("{left} OR {right}")).await;
            let union: BTreeSet<String> = found(&world, left).await.union(&found(&world, right).await).cloned().collect();
            assert!(!union.is_empty());
            assert_eq!(either, union, "{left} OR {right}");
        }

        // Field prefixes: a word of the author only is found by author: and not by title:.
        assert_eq!(found(&world, "featherstonehaugh").await, BTreeSet::from([made.garden.id.clone()]));
        assert_eq!(found(&world, "author:featherstonehaugh").await, BTreeSet::from([made.garden.id.clone()]));
        assert!(found(&world, "title:featherstonehaugh").await.is_empty());
        assert_eq!(found(&world, "title:garden author:featherstonehaugh").await, BTreeSet::from([made.garden.id.clone()]));
        assert!(found(&world, "title:diaries").await.contains(&made.garden.id));
        assert!(!found(&world, "author:diaries").await.contains(&made.garden.id));

        // Sorts, over every record: years and titles in order, undated records last.
        let records = world.all_records(&world.north).await;
        let by_id: HashMap<&str, &CatalogueRecord> = records.iter().map(|record| (record.id.as_str(), record)).collect();
        let undated = records.iter().filter(|record| record.publication_year.is_none()).count();
        assert!(undated > 0, "a record without a year");
        for sort in [SearchSort::Newest, SearchSort::Oldest] {
            let hits = world.all_hits(&world.north.patron, SearchRequest { sort, ..request() }).await;
            assert_eq!(hits.len(), records.len());
            let years: Vec<Option<i32>> = hits.iter().map(|hit| hit.year).collect();
            let dated: Vec<i32> = years.iter().map_while(|year| *year).collect();
            assert_eq!(dated.len(), records.len() - undated, "{sort:?}: records without a year come last: {years:?}");
            let ordered = dated.windows(2).all(|pair| match sort {
                SearchSort::Newest => pair[0] >= pair[1],
                _ => pair[0] <= pair[1],
            });
            assert!(ordered, "{sort:?}: years out of order");
            for hit in &hits {
                assert_eq!(hit.year, by_id[hit.record_id.as_str()].publication_year);
            }
        }
        let hits = world.all_hits(&world.north.patron, SearchRequest { sort: SearchSort::Title, ..request() }).await;
        assert_eq!(hits.len(), records.len());
        let keys: Vec<String> = hits
            .iter()
            .map(|hit| {
                let title = by_id[hit.record_id.as_str()].description.title.as_ref();
                title.map(|title| fold_words(&title.sort)).unwrap_or_default()
            })
            .collect();
        let disorder: Vec<&[String]> = keys.windows(2).filter(|pair| pair[0] > pair[1]).take(5).collect();
        assert!(disorder.is_empty(), "titles out of order (ignoring case, accents and articles): {disorder:?}");
        let sorted = world.search_with(&world.north.patron, SearchRequest { query: "pride".into(), sort: SearchSort::Title, ..request() }).await;
        assert!(sorted.hits.iter().all(|hit| hit.score == 0.0), "scores only in relevance order");

        // Pages of any size neither overlap nor leave anything out, in every order.
        for (query, sort) in [("history", SearchSort::Relevance), ("history", SearchSort::Newest), ("", SearchSort::Title)] {
            let whole = world.search_with(&world.north.patron, SearchRequest { query: query.into(), sort, first: 100, ..request() }).await;
            let total = whole.total_records as usize;
            assert!(total > 20, "{query:?} finds enough to page through");
            let mut paged = Vec::new();
            let mut after = None;
            loop {
                let page = world.search_with(&world.north.patron, SearchRequest { query: query.into(), sort, first: 7, after, ..request() }).await;
                assert_eq!(page.total_records as usize, total);
                assert!(page.hits.len() <= 7);
                paged.extend(ids(&page));
                if !page.has_next_page {
                    break;
                }
                assert_eq!(page.hits.len(), 7, "only the last page is short");
                after = page.end_cursor;
                assert!(paged.len() <= total, "pages run past the total");
            }
            assert_eq!(paged.len(), total, "{query:?} {sort:?}: pages cover the total");
            assert_eq!(paged.iter().collect::<BTreeSet<_>>().len(), total, "{query:?} {sort:?}: pages overlap");
            if total <= 100 {
                assert_eq!(paged, ids(&whole), "{query:?} {sort:?}: pages keep the order");
            } else {
                assert_eq!(paged[..100], ids(&whole)[..], "{query:?} {sort:?}: pages keep the order");
            }
        }
        // A name is found as a phrase in either order, as people write it and as
        // catalogues do.
        for query in [r#"author:"Jane Austen""#, r#"author:"Austen, Jane""#, r#""jane austen""#] {
            assert!(found(&world, query).await.contains(&made.pride.id), "{query}");
        }
        // A cursor that no search returned is refused, not misread.
        athenaeum_testkit::refused(
            world.search_api().search(&world.north.patron, SearchRequest { after: Some("not-a-cursor".into()), ..request() }).await,
            athenaeum_kernel::ErrorCode::Validation,
        );
    }

    async fn facets_suggestions_and_highlights_agree_with_the_records(backend) {
        let world = World::start(backend).await;
        let made = Box::pin(setup(&world)).await;
        let records = world.all_records(&world.north).await;
        let by_id: HashMap<&str, &CatalogueRecord> = records.iter().map(|record| (record.id.as_str(), record)).collect();

        // Facet counts are the counts of the records found, for everything and for a query.
        for query in ["", "history", "united states"] {
            let results = world.search_with(&world.north.patron, SearchRequest { query: query.into(), facets: true, ..request() }).await;
            let hits = world.all_hits(&world.north.patron, SearchRequest { query: query.into(), ..request() }).await;
            let matching: Vec<&CatalogueRecord> = hits.iter().map(|hit| by_id[hit.record_id.as_str()]).collect();
            assert!(matching.len() > 10, "{query:?} finds enough to count");
            for facet in [FacetName::Format, FacetName::Language, FacetName::Year] {
                assert_eq!(shown_counts(&results, facet), counts_of(&matching, facet), "{facet:?} counts of {query:?}");
            }
            // Subjects and authors: the twenty commonest, each with its count.
            for facet in [FacetName::Subject, FacetName::Author] {
                let shown = shown_counts(&results, facet);
                let expected = counts_of(&matching, facet);
                assert_eq!(shown.len(), expected.len().min(20), "{facet:?} values of {query:?}");
                for (value, count) in &shown {
                    assert_eq!(expected.get(value), Some(count), "{facet:?} {value:?} of {query:?}");
                }
                let least_shown = shown.values().min().copied().unwrap_or(0);
                assert!(
                    expected.iter().all(|(value, count)| shown.contains_key(value) || *count <= least_shown),
                    "{facet:?} of {query:?}: a commoner value is missing"
                );
            }
            assert!(results.facets.iter().flat_map(|counts| &counts.values).all(|value| !value.selected));
        }

        // Filters narrow to exactly the records with those values: one facet's values are
        // alternatives, different facets all hold.
        let all: Vec<&CatalogueRecord> = records.iter().collect();
        let languages = counts_of(&all, FacetName::Language);
        let mut common: Vec<(&String, &u64)> = languages.iter().collect();
        common.sort_by(|a, b| b.1.cmp(a.1));
        assert!(common.len() >= 3, "the LC file has several languages: {common:?}");
        let (second, third) = (common[1].0.clone(), common[2].0.clone());
        let decades = counts_of(&all, FacetName::Year);
        let decade = decades.iter().max_by_key(|(_, count)| **count).unwrap().0.clone();
        let has = |record: &CatalogueRecord, facet: FacetName, value: &str| {
            record_facets(record).iter().any(|(name, known)| *name == facet && known == value)
        };
        let cases: Vec<(Vec<FacetFilter>, Keep<'_>)> = vec![
            (
                vec![FacetFilter { facet: FacetName::Language, value: second.clone() }],
                Box::new(|record| has(record, FacetName::Language, &second)),
            ),
            (
                vec![
                    FacetFilter { facet: FacetName::Language, value: second.clone() },
                    FacetFilter { facet: FacetName::Language, value: third.clone() },
                ],
                Box::new(|record| has(record, FacetName::Language, &second) || has(record, FacetName::Language, &third)),
            ),
            (
                vec![
                    FacetFilter { facet: FacetName::Year, value: decade.clone() },
                    FacetFilter { facet: FacetName::Language, value: "eng".into() },
                ],
                Box::new(|record| has(record, FacetName::Year, &decade) && has(record, FacetName::Language, "eng")),
            ),
        ];
        for (filters, keep) in cases {
            let expected: BTreeSet<String> = records.iter().filter(|record| keep(record)).map(|record| record.id.clone()).collect();
            assert!(!expected.is_empty());
            assert!(expected.len() < records.len(), "a filter that keeps everything proves nothing");
            let hits = world.all_hits(&world.north.patron, SearchRequest { filters: filters.clone(), ..request() }).await;
            let shown: BTreeSet<String> = hits.into_iter().map(|hit| hit.record_id).collect();
            assert_eq!(shown, expected, "filters {filters:?}");
            let results = world.search_with(&world.north.patron, SearchRequest { filters: filters.clone(), facets: true, ..request() }).await;
            for filter in &filters {
                let values = &results.facets.iter().find(|counts| counts.facet == filter.facet).unwrap().values;
                assert!(values.iter().any(|value| value.value == filter.value && value.selected), "{filter:?} shown as selected");
            }
        }
        // A year range keeps the records published in it.
        let expected = records.iter().filter(|record| record.publication_year.is_some_and(|year| (1990..=1999).contains(&year))).count();
        let ranged = world.search_with(&world.north.patron, SearchRequest { year_from: Some(1990), year_to: Some(1999), ..request() }).await;
        assert_eq!(ranged.total_records as usize, expected);

        // Did you mean: a misspelt title word suggests the word the title has.
        for (typed, meant, record) in [
            ("wutherng heights", "wuthering heights", &made.wuthering),
            ("pride and prejduice", "pride and prejudice", &made.pride),
            ("featherstonhaugh", "featherstonehaugh", &made.garden),
        ] {
            let results = world.search_as(&world.north.patron, typed).await;
            assert_eq!(results.did_you_mean.as_deref(), Some(meant), "{typed:?}");
            assert!(ids(&world.search_as(&world.north.patron, meant).await).contains(&record.id));
        }
        assert_eq!(world.search_as(&world.north.patron, "wuthering heights").await.did_you_mean, None, "nothing to correct");

        // Autocomplete: titles and authors that complete what was typed.
        let suggest = |prefix: &str| {
            let prefix = prefix.to_string();
            let world = &world;
            async move {
                world
                    .search_api()
                    .autocomplete(&world.north.patron, AutocompleteRequest { prefix, limit: 8, ..AutocompleteRequest::default() })
                    .await
                    .unwrap()
                    .suggestions
            }
        };
        let titles = suggest("pride and prej").await;
        assert!(
            titles.iter().any(|suggestion| suggestion.kind == SuggestionKind::Title && suggestion.text == "Pride and prejudice"),
            "{titles:?}"
        );
        for suggestion in &titles {
            let words = fold_words(&suggestion.text);
            assert!(
                words.split(' ').any(|word| word.starts_with("prej")) && words.contains("pride"),
                "{suggestion:?} does not complete \"pride and prej\""
            );
        }
        for prefix in ["austen ja", "aust", "Featherst"] {
            let authors = suggest(prefix).await;
            let expected = if prefix == "Featherst" { "Featherstonehaugh, Mary" } else { "Austen, Jane" };
            assert!(
                authors.iter().any(|suggestion| suggestion.kind == SuggestionKind::Author && suggestion.text == expected),
                "{prefix:?}: {authors:?}"
            );
        }
        assert!(suggest("zzqx").await.is_empty());
        // Another library's titles are not suggested.
        let south = world
            .search_api()
            .autocomplete(&world.south.patron, AutocompleteRequest { prefix: "pride and prej".into(), limit: 8, ..AutocompleteRequest::default() })
            .await
            .unwrap();
        assert!(south.suggestions.is_empty(), "{south:?}");

        // Highlights mark the matched words in the text returned.
        let results = world.search_as(&world.north.patron, "wuthering heights").await;
        let hit = results.hits.iter().find(|hit| hit.record_id == made.wuthering.id).unwrap();
        let words = highlighted_words(hit, "wuthering heights");
        assert_eq!(words, ["Wuthering", "Heights"]);
        let results = world.search_as(&world.north.patron, "miserables").await;
        let hit = results.hits.iter().find(|hit| hit.record_id == made.miserables.id).unwrap();
        assert_eq!(highlighted_words(hit, "miserables"), ["misérables"], "the range covers the accented word");
        let results = world.search_as(&world.north.patron, "lighthouse keepers").await;
        let hit = results.hits.iter().find(|hit| hit.record_id == made.lanterns.id).unwrap();
        let summary = hit.highlights.iter().find(|highlight| highlight.field == "summary").expect("a summary highlight");
        assert!(summary.text.contains("lighthouse keepers"));
        assert_eq!(highlighted_words(hit, "lighthouse keepers"), ["lighthouse", "keepers"]);
        // And on the LC records: every highlight lies on a query word, and a hit whose
        // title has a query word has it highlighted.
        let mut checked = 0;
        for record in records.iter().step_by(10) {
            let Some(title) = &record.title else { continue };
            let query: Vec<String> = fold_words(title).split(' ').filter(|word| word.len() > 3).take(3).map(str::to_string).collect();
            if query.is_empty() {
                continue;
            }
            let query = query.join(" ");
            let results = world.search_as(&world.north.patron, &query).await;
            let wanted: BTreeSet<String> = terms(&mut text_analyzer(), &query).into_iter().collect();
            for hit in &results.hits {
                let words = highlighted_words(hit, &query);
                let in_title = terms(&mut text_analyzer(), &hit.title).iter().any(|word| wanted.contains(word));
                if in_title {
                    assert!(
                        hit.highlights.iter().any(|highlight| highlight.field == "title") && !words.is_empty(),
                        "{query:?}: no title highlight in {:?}",
                        hit.title
                    );
                }
                checked += 1;
            }
        }
        assert!(checked >= 100, "only {checked} hits checked");
    }
}
