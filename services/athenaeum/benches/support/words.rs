//! Searches a reader might type, taken deterministically from the source file's own
//! titles and subject headings: the same questions every run, and every one a word the
//! catalogue holds. Nothing here measures.

use std::collections::HashSet;
use std::path::Path;

use athenaeum_marc::RecordReader;
use athenaeum_marc::describe::{RecordKind, describe};

/// The words of one record a search can be made of.
struct RecordWords {
    title: Vec<String>,
    subjects: Vec<Vec<String>>,
}

/// SplitMix64: a small deterministic generator, so every run asks the same questions.
struct Sampler(u64);

impl Sampler {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, bound: usize) -> usize {
        usize::try_from(self.next() % (bound.max(1) as u64)).unwrap_or(0)
    }
}

/// The query words of `text`, in order, lower case: letters only, three or more, and not
/// a stop word of the search index.
fn query_words(text: &str) -> Vec<String> {
    text.split_whitespace()
        .map(|token| token.trim_matches(|c: char| !c.is_alphanumeric()).to_lowercase())
        .filter(|word| {
            word.chars().count() >= 3
                && word.chars().all(char::is_alphabetic)
                && !athenaeum_search::analysis::is_stop_word(word)
        })
        .collect()
}

/// Reads the words of the bibliographic records of `source`.
fn read_words(source: &Path) -> Vec<RecordWords> {
    let mut records = Vec::new();
    for outcome in RecordReader::open(source).expect("open the source file") {
        let Ok(record) = outcome.record else { continue };
        let description = describe(&record);
        if description.kind != RecordKind::Bibliographic {
            continue;
        }
        let title = description.title.map(|title| query_words(&title.display)).unwrap_or_default();
        let subjects: Vec<Vec<String>> = description
            .subjects
            .iter()
            .map(|subject| query_words(&subject.main))
            .filter(|words| !words.is_empty())
            .collect();
        if !title.is_empty() || !subjects.is_empty() {
            records.push(RecordWords { title, subjects });
        }
    }
    records
}

/// One or two consecutive words of `words`, chosen by `sampler`.
fn one_or_two(words: &[String], two: bool, sampler: &mut Sampler) -> Option<String> {
    if words.is_empty() {
        return None;
    }
    if two && words.len() >= 2 {
        let first = sampler.below(words.len() - 1);
        return Some(format!("{} {}", words[first], words[first + 1]));
    }
    Some(words[sampler.below(words.len())].clone())
}

/// Returns `count` distinct searches from the records of `source`, seeded by `seed`: in
/// turn one title word, two consecutive title words, and one or two words of a subject
/// heading (without its subdivisions). The same every run with the same seed.
pub fn sample_searches(source: &Path, count: usize, seed: u64) -> Vec<String> {
    let records = read_words(source);
    assert!(!records.is_empty(), "{} has no titles or subjects to search for", source.display());
    let mut sampler = Sampler(seed);
    let mut seen = HashSet::new();
    let mut searches = Vec::with_capacity(count);
    for _ in 0..count * 1_000 {
        if searches.len() == count {
            break;
        }
        let record = &records[sampler.below(records.len())];
        let search = match searches.len() % 3 {
            0 => one_or_two(&record.title, false, &mut sampler),
            1 => one_or_two(&record.title, true, &mut sampler),
            _ if record.subjects.is_empty() => None,
            _ => {
                let heading = &record.subjects[sampler.below(record.subjects.len())];
                let two = sampler.below(2) == 0;
                one_or_two(heading, two, &mut sampler)
            }
        };
        if let Some(search) = search
            && seen.insert(search.clone())
        {
            searches.push(search);
        }
    }
    searches
}
