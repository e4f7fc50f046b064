//! The query mix: searches taken deterministically from the source file's own titles,
//! of five kinds, the same every run.

use std::collections::HashSet;
use std::path::Path;

use athenaeum_marc::RecordReader;
use athenaeum_marc::describe::{RecordKind, describe};
use athenaeum_search::api::{FacetFilter, FacetName};
use athenaeum_search::document::format_value;

use crate::support::figures::Labelled;

/// Distinct queries of each kind.
pub const QUERIES_PER_KIND: usize = 40;
/// The seed of the query sampler: the same queries every run.
pub const SEED: u64 = 0x5EA5_C4B1_2026;

/// PostgreSQL's English stop words (`tsearch_data/english.stop`): a query word PostgreSQL
/// drops would make the baseline answer a different question, so none is sampled.
const POSTGRES_STOP_WORDS: &str = "\
    i me my myself we our ours ourselves you your yours yourself yourselves he him his himself \
    she her hers herself it its itself they them their theirs themselves what which who whom \
    this that these those am is are was were be been being have has had having do does did \
    doing a an the and but if or because as until while of at by for with about against \
    between into through during before after above below to from up down in out on off over \
    under again further then once here there when where why how all any both each few more \
    most other some such no nor not only own same so than too very s t can will just don \
    should now";

/// A kind of search in the mix.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// One title word.
    OneWord,
    /// Two words of one title, both required.
    TwoWords,
    /// Two or three consecutive title words, quoted.
    Phrase,
    /// One title word, a FORMAT or LANGUAGE filter, facet counts on.
    Faceted,
    /// One or two title words over every library, one result per work.
    Union,
}

impl Kind {
    pub const ALL: [Kind; 5] =
        [Kind::OneWord, Kind::TwoWords, Kind::Phrase, Kind::Faceted, Kind::Union];

    pub fn label(self) -> &'static str {
        match self {
            Kind::OneWord => "one word",
            Kind::TwoWords => "two words",
            Kind::Phrase => "phrase",
            Kind::Faceted => "faceted",
            Kind::Union => "union (EVERYWHERE)",
        }
    }
}

/// What the clients of one measurement ask.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Workload {
    /// The queries of one kind.
    Only(Kind),
    /// Every kind in turn.
    Mix,
    /// A diagnostic at the tantivy level, not in the mix: the queries of one kind with
    /// one thing changed.
    Changed(Kind, Change),
}

/// What a diagnostic changes in a kind's searches.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Change {
    /// Facet counts off: what the filter costs without the counting.
    NoFacetCounts,
    /// One library instead of every one: what grouping by work costs.
    OneLibrary,
}

impl Workload {
    /// The kinds one by one, then the mix.
    pub fn all() -> Vec<Workload> {
        Kind::ALL.into_iter().map(Workload::Only).chain([Workload::Mix]).collect()
    }
}

impl Labelled for Workload {
    fn label(self) -> &'static str {
        match self {
            Workload::Only(kind) => kind.label(),
            Workload::Mix => "mix (all kinds in turn)",
            Workload::Changed(_, Change::NoFacetCounts) => "faceted, no facet counts",
            Workload::Changed(_, Change::OneLibrary) => "union words, one library",
        }
    }
}

/// One search of the mix.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Case {
    pub kind: Kind,
    /// What the reader typed.
    pub text: String,
    /// The facet filter of a faceted search.
    pub filter: Option<FacetFilter>,
}

/// The query mix, grouped by kind.
pub struct Mix {
    cases: Vec<Case>,
}

impl Mix {
    /// Returns the cases of `workload`: one kind's, or every kind's interleaved.
    pub fn cases(&self, workload: Workload) -> Vec<Case> {
        match workload {
            Workload::Only(kind) | Workload::Changed(kind, _) => {
                self.cases.iter().filter(|case| case.kind == kind).cloned().collect()
            }
            Workload::Mix => {
                let by_kind: Vec<Vec<Case>> =
                    Kind::ALL.iter().map(|&kind| self.cases(Workload::Only(kind))).collect();
                let longest = by_kind.iter().map(Vec::len).max().unwrap_or(0);
                (0..longest)
                    .flat_map(|index| by_kind.iter().filter_map(move |cases| cases.get(index)))
                    .cloned()
                    .collect()
            }
        }
    }
}

/// A title of the source file, and what a facet filter can name of its record.
pub struct Sample {
    title: String,
    format: String,
    language: Option<String>,
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

/// Reads the titles of the source file's bibliographic records.
pub fn sample_titles(source: &Path) -> Vec<Sample> {
    let mut samples = Vec::new();
    for outcome in RecordReader::open(source).expect("open the source file") {
        let Ok(record) = outcome.record else { continue };
        let description = describe(&record);
        if description.kind != RecordKind::Bibliographic {
            continue;
        }
        let Some(title) = description.title else { continue };
        samples.push(Sample {
            title: title.display,
            format: format_value(description.format),
            language: description.languages.first().cloned(),
        });
    }
    samples
}

/// Whether `word` (lower case) makes a query word: letters only, three or more, a stop
/// word of neither engine, and not the word every copy's title was given.
fn is_query_word(word: &str) -> bool {
    word.chars().count() >= 3
        && word.chars().all(char::is_alphabetic)
        && !athenaeum_search::analysis::is_stop_word(word)
        && !POSTGRES_STOP_WORDS.split_whitespace().any(|stop| stop == word)
        && word != "copy"
}

/// The title's query words, in order, as written (punctuation around them trimmed).
fn title_words(title: &str) -> Vec<String> {
    title
        .split_whitespace()
        .map(|token| token.trim_matches(|c: char| !c.is_alphanumeric()).to_lowercase())
        .filter(|word| is_query_word(word))
        .collect()
}

/// Runs of consecutive title tokens that are query words with no punctuation at all, so
/// a phrase of them means the same to both engines' tokenizers.
fn phrase_runs(title: &str) -> Vec<Vec<String>> {
    let mut runs = Vec::new();
    let mut run: Vec<String> = Vec::new();
    for token in title.split_whitespace() {
        let word = token.to_lowercase();
        if token.chars().all(char::is_alphabetic) && is_query_word(&word) {
            run.push(word);
        } else {
            if run.len() >= 2 {
                runs.push(std::mem::take(&mut run));
            }
            run.clear();
        }
    }
    if run.len() >= 2 {
        runs.push(run);
    }
    runs
}

/// Builds the query mix from the source file's titles: `per_kind` distinct searches of
/// each kind, the same every run.
pub fn build_mix(samples: &[Sample], per_kind: usize) -> Mix {
    let mut sampler = Sampler(SEED);
    let mut cases = Vec::new();
    for kind in Kind::ALL {
        let mut seen = HashSet::new();
        let mut made = 0;
        for _ in 0..per_kind * 1_000 {
            if made == per_kind {
                break;
            }
            let sample = &samples[sampler.below(samples.len())];
            let words = title_words(&sample.title);
            let case = match kind {
                Kind::OneWord => {
                    (!words.is_empty()).then(|| words[sampler.below(words.len())].clone())
                }
                Kind::TwoWords => (words.len() >= 2).then(|| {
                    let first = sampler.below(words.len() - 1);
                    format!("{} {}", words[first], words[first + 1])
                }),
                Kind::Phrase => {
                    let runs = phrase_runs(&sample.title);
                    (!runs.is_empty()).then(|| {
                        let run = &runs[sampler.below(runs.len())];
                        let length = if run.len() >= 3 && sampler.below(2) == 0 { 3 } else { 2 };
                        let start = sampler.below(run.len() - length + 1);
                        format!("\"{}\"", run[start..start + length].join(" "))
                    })
                }
                Kind::Faceted => {
                    (!words.is_empty()).then(|| words[sampler.below(words.len())].clone())
                }
                Kind::Union => {
                    if made % 2 == 1 && words.len() >= 2 {
                        let first = sampler.below(words.len() - 1);
                        Some(format!("{} {}", words[first], words[first + 1]))
                    } else {
                        (!words.is_empty()).then(|| words[sampler.below(words.len())].clone())
                    }
                }
            };
            let Some(text) = case else { continue };
            let filter = (kind == Kind::Faceted).then(|| match (&sample.language, made % 2) {
                (Some(language), 1) => {
                    FacetFilter { facet: FacetName::Language, value: language.clone() }
                }
                _ => FacetFilter { facet: FacetName::Format, value: sample.format.clone() },
            });
            let key = format!("{text}|{filter:?}");
            if seen.insert(key) {
                cases.push(Case { kind, text, filter });
                made += 1;
            }
        }
    }
    Mix { cases }
}
