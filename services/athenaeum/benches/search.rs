//! The search service's benchmark: index build, then search latency and throughput at
//! the tantivy level and end to end through GraphQL, beside PostgreSQL full-text search
//! on the same records.
//!
//! It runs on 10,000 records (the Library of Congress file `loc-books-2016/BooksAll.2016.
//! part01.first10000.mrc` from `../shared/data/marc/`, each record given one embedded Koha
//! 952 item) and on 1,000,000 records built from it the way the import benchmark builds
//! its large file: every record copied 100 times with its 001 and title varied (copies
//! after the first get "-c<n>" and " [copy <n>]"), each copy with one 952 item. For each
//! size, on SQLite (the embedded default) it:
//!
//! 1. onboards a library and imports the file through the catalogue service, as
//!    `athenaeum import-marc` does (every record new: no match rules);
//! 2. builds the search index with `SearchService::rebuild_exclusive(None)`, as
//!    `athenaeum reindex` does, and reports its time and documents per second;
//! 3. runs a deterministic query mix derived from the file's own titles (one word, two
//!    words, a quoted phrase, one word with a FORMAT or LANGUAGE filter and facet counts,
//!    and union search over every library grouped by work), each kind and then all kinds
//!    round robin, at 1 and at 16 concurrent clients: (a) `searcher::search` on the index
//!    in use, on plain threads; (b) GraphQL over loopback HTTP against the whole
//!    application, as an anonymous reader naming the library by its slug. Each
//!    measurement runs for the measured time and, when searches are slow, on until it has
//!    run as many searches as its workload has queries. Two diagnostics at the tantivy
//!    level, outside the mix, show what facet counts and grouping by work cost;
//! 4. when `ATHENAEUM_TEST_POSTGRES_URL` names a server, loads the same descriptions into
//!    a PostgreSQL table with a weighted `tsvector` column and a GIN index, and runs the
//!    same queries as `websearch_to_tsquery('english', …)` ranked by `ts_rank`.
//!
//! It prints the goals beside the figures: p95 under 50 ms end to end at 1,000,000
//! records, at least 200 searches/s, and end-to-end p95 within 1.5 times the tantivy
//! level's.
//!
//! A benchmark, not a test: it never judges the figures, and fails only when it cannot be
//! set up. Run it with `cargo bench -p athenaeum --bench search [-- --quick | --seconds N]`
//! (`--quick`: 10,000 records only, 1 s per measurement).
#![expect(
    clippy::expect_used,
    clippy::print_stdout,
    reason = "a benchmark program: it reports on standard output and stops loudly when it \
              cannot be set up"
)]

use std::collections::{BTreeMap, HashSet};
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use athenaeum::{Application, Config};
use athenaeum_auth::{Role, SigningKey, TokenIssuer};
use athenaeum_catalogue::api::{ImportOptions, IndexRecord, ScanIndexRecords};
use athenaeum_catalogue::{CatalogueApi, CatalogueService};
use athenaeum_identity::IdentityApi;
use athenaeum_identity::api::OnboardTenant;
use athenaeum_marc::describe::{Description, RecordKind, describe};
use athenaeum_marc::{DataField, Field, RecordReader, Subfield, Tag};
use athenaeum_search::api::{FacetFilter, FacetName, SearchRequest, SearchScope};
use athenaeum_search::document::format_value;
use athenaeum_search::index::LiveIndex;
use athenaeum_search::searcher::{self, Scope};
use athenaeum_testkit::{Backend, TestDatabases, prepare_databases};
use athenaeum_transport::Call;
use serde_json::{Value, json};

const POSTGRES_URL_VARIABLE: &str = "ATHENAEUM_TEST_POSTGRES_URL";
const SOURCE: &str = "loc-books-2016/BooksAll.2016.part01.first10000.mrc";
const USAGE: &str = "usage: cargo bench -p athenaeum --bench search [-- --quick | --seconds N]";
/// Copies of the source file in the large corpus: 100 × 10,000 records.
const LARGE_COPIES: usize = 100;
/// Measured seconds per workload by default, and with `--quick`.
const DEFAULT_SECONDS: f64 = 3.0;
const QUICK_SECONDS: f64 = 1.0;
/// Concurrent clients of each run.
const CLIENT_COUNTS: [usize; 2] = [1, 16];
/// Distinct queries of each kind.
const QUERIES_PER_KIND: usize = 40;
/// Results asked for per search, as a results page would.
const PAGE: u32 = 20;
/// The seed of the query sampler: the same queries every run.
const SEED: u64 = 0x5EA5_C4B1_2026;

const TENANT_SLUG: &str = "northshire";

/// The goals the figures are read against.
const GOAL_P95_MS: f64 = 50.0;
const GOAL_THROUGHPUT: f64 = 200.0;
const GOAL_OVERHEAD: f64 = 1.5;

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

fn shared_data() -> PathBuf {
    std::env::var_os("ATHENAEUM_SHARED_DATA")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data"))
}

// ---- options ----------------------------------------------------------------------------

/// What the command line asked for.
#[derive(Debug, Clone, Copy)]
struct Options {
    /// 10,000 records only.
    quick: bool,
    /// Measured time of every workload.
    seconds: f64,
}

impl Options {
    fn parse(mut arguments: impl Iterator<Item = String>) -> Result<Options, String> {
        let mut options = Options { quick: false, seconds: DEFAULT_SECONDS };
        let mut seconds = None;
        while let Some(argument) = arguments.next() {
            match argument.as_str() {
                "--quick" => options.quick = true,
                "--seconds" => {
                    let value =
                        arguments.next().ok_or(format!("--seconds needs a number; {USAGE}"))?;
                    seconds = Some(
                        value
                            .parse::<f64>()
                            .ok()
                            .filter(|number| number.is_finite() && *number > 0.0)
                            .ok_or(format!(
                                "--seconds {value:?} is not a positive number; {USAGE}"
                            ))?,
                    );
                }
                // `cargo bench` hands every benchmark program `--bench`.
                "--bench" => {}
                other => return Err(format!("unknown argument {other:?}; {USAGE}")),
            }
        }
        options.seconds =
            seconds.unwrap_or(if options.quick { QUICK_SECONDS } else { DEFAULT_SECONDS });
        Ok(options)
    }

    fn measured(self) -> Duration {
        Duration::from_secs_f64(self.seconds)
    }

    /// The unrecorded warm-up before each measurement.
    fn warm_up(self) -> Duration {
        Duration::from_secs_f64((self.seconds / 5.0).clamp(0.2, 1.0))
    }
}

// ---- the query mix ----------------------------------------------------------------------

/// A kind of search in the mix.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
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
    const ALL: [Kind; 5] =
        [Kind::OneWord, Kind::TwoWords, Kind::Phrase, Kind::Faceted, Kind::Union];

    fn label(self) -> &'static str {
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
enum Workload {
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
enum Change {
    /// Facet counts off: what the filter costs without the counting.
    NoFacetCounts,
    /// One library instead of every one: what grouping by work costs.
    OneLibrary,
}

impl Workload {
    fn all() -> Vec<Workload> {
        Kind::ALL.into_iter().map(Workload::Only).chain([Workload::Mix]).collect()
    }

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
struct Case {
    kind: Kind,
    /// What the reader typed.
    text: String,
    /// The facet filter of a faceted search.
    filter: Option<FacetFilter>,
}

/// The query mix, grouped by kind.
struct Mix {
    cases: Vec<Case>,
}

impl Mix {
    /// Returns the cases of `workload`: one kind's, or every kind's interleaved.
    fn cases(&self, workload: Workload) -> Vec<Case> {
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
struct Sample {
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
fn sample_titles(source: &Path) -> Vec<Sample> {
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
fn build_mix(samples: &[Sample], per_kind: usize) -> Mix {
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

// ---- the corpus -------------------------------------------------------------------------

/// Writes every source record `copies` times, each with one 952 item; copies after the
/// first have their 001 and 245 $a varied. Returns how many records it wrote.
fn build_corpus(source: &Path, copies: usize, target: &Path) -> usize {
    let mut out = BufWriter::with_capacity(
        1 << 20,
        std::fs::File::create(target).expect("create the corpus file"),
    );
    let branches = ["CPL", "MPL", "FPL", "IPT", "LPL"];
    let mut written = 0;
    let mut buffer = Vec::new();
    let mut last_report = Instant::now();
    for copy in 0..copies {
        for outcome in RecordReader::open(source).expect("open the source file") {
            let Ok(mut record) = outcome.record else { continue };
            if copy > 0 {
                for field in &mut record.fields {
                    match field {
                        Field::Control(control) if control.tag.as_str() == "001" => {
                            control.value = format!("{}-c{copy}", control.value.trim());
                        }
                        Field::Data(data) if data.tag.as_str() == "245" => {
                            if let Some(title) =
                                data.subfields.iter_mut().find(|subfield| subfield.code == 'a')
                            {
                                title.value = format!("{} [copy {copy}]", title.value);
                            }
                        }
                        _ => {}
                    }
                }
            }
            let call_number = record
                .data_field("050")
                .map(|field| field.joined("ab"))
                .filter(|text| !text.is_empty())
                .unwrap_or_else(|| "000".to_string());
            let subfields = [
                ('a', branches[written % branches.len()].to_string()),
                ('c', "GEN".to_string()),
                ('o', call_number),
                ('p', format!("39{written:011}")),
                ('y', "BK".to_string()),
                ('v', "12.99".to_string()),
            ];
            record.fields.push(Field::Data(DataField {
                tag: Tag::of(b"952"),
                ind1: ' ',
                ind2: ' ',
                subfields: subfields
                    .into_iter()
                    .map(|(code, value)| Subfield { code, value })
                    .collect(),
            }));
            buffer.clear();
            if athenaeum_marc::iso2709::write_record(&record, &mut buffer).is_ok() {
                out.write_all(&buffer).expect("write the corpus file");
                written += 1;
            }
        }
        if last_report.elapsed() >= Duration::from_secs(10) {
            eprintln!("  building the corpus: {written} records written");
            last_report = Instant::now();
        }
    }
    out.flush().expect("flush the corpus file");
    written
}

// ---- measuring --------------------------------------------------------------------------

/// Where a search is measured.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Level {
    /// `searcher::search` on the index in use.
    Tantivy,
    /// GraphQL over HTTP against the running application.
    EndToEnd,
    /// PostgreSQL full-text search.
    Postgres,
}

impl Level {
    fn title(self) -> &'static str {
        match self {
            Level::Tantivy => "tantivy level: searcher::search on the LiveIndex, plain threads",
            Level::EndToEnd => {
                "end to end: GraphQL over loopback HTTP, anonymous reader (tenant slug or \
                 EVERYWHERE), one keep-alive connection per client"
            }
            Level::Postgres => {
                "PostgreSQL baseline: websearch_to_tsquery('english', $1), ts_rank order, \
                 LIMIT 20, one connection per client"
            }
        }
    }
}

/// What the clients of one run saw.
#[derive(Debug, Default)]
struct Tally {
    latencies: Vec<Duration>,
    requests: usize,
    errors: usize,
    first_error: Option<String>,
    /// When the last recorded search ended.
    finished: Option<Instant>,
}

impl Tally {
    fn record(&mut self, latency: Duration, outcome: Result<u64, String>) {
        self.finished = Some(Instant::now());
        self.requests += 1;
        match outcome {
            Ok(_) => self.latencies.push(latency),
            Err(problem) => {
                self.errors += 1;
                self.first_error.get_or_insert(problem);
            }
        }
    }

    fn absorb(&mut self, other: Tally) {
        self.latencies.extend(other.latencies);
        self.requests += other.requests;
        self.errors += other.errors;
        if self.first_error.is_none() {
            self.first_error = other.first_error;
        }
        self.finished = self.finished.max(other.finished);
    }
}

/// When a measurement records: after the warm-up, for the measured time and, beyond it,
/// until the clients together have recorded as many searches as the workload has
/// queries, so that every query counts even when searches are slow.
struct Window {
    start: Instant,
    end: Instant,
    least: usize,
    recorded: AtomicUsize,
}

impl Window {
    fn new(options: Options, queries: usize) -> Window {
        let start = Instant::now() + options.warm_up();
        Window {
            start,
            end: start + options.measured(),
            least: queries,
            recorded: AtomicUsize::new(0),
        }
    }

    /// Whether a client starts another search at `now`.
    fn open(&self, now: Instant) -> bool {
        now < self.end || self.recorded.load(Ordering::Relaxed) < self.least
    }

    /// Records a search that started at `started`, unless it was part of the warm-up.
    fn record(
        &self,
        tally: &mut Tally,
        started: Instant,
        latency: Duration,
        outcome: Result<u64, String>,
    ) {
        if started >= self.start {
            self.recorded.fetch_add(1, Ordering::Relaxed);
            tally.record(latency, outcome);
        }
    }
}

/// One workload at one concurrency, measured.
#[derive(Debug)]
struct Measurement {
    workload: Workload,
    clients: usize,
    measured: Duration,
    /// Successful searches' latencies, sorted.
    latencies: Vec<Duration>,
    requests: usize,
    errors: usize,
    first_error: Option<String>,
}

impl Measurement {
    /// Sums up a run; its measured time runs from the window's start to the end of the
    /// last recorded search.
    fn new(workload: Workload, clients: usize, window: &Window, mut tally: Tally) -> Self {
        tally.latencies.sort_unstable();
        let measured =
            tally.finished.map_or(window.end - window.start, |finished| finished - window.start);
        Measurement {
            workload,
            clients,
            measured,
            latencies: tally.latencies,
            requests: tally.requests,
            errors: tally.errors,
            first_error: tally.first_error,
        }
    }

    fn throughput(&self) -> f64 {
        self.latencies.len() as f64 / self.measured.as_secs_f64()
    }

    /// The nearest-rank percentile: the smallest latency that at least `percent` per cent
    /// of the searches did not exceed.
    fn percentile(&self, percent: usize) -> Option<Duration> {
        let count = self.latencies.len();
        let rank = (percent * count).div_ceil(100).clamp(1, count.max(1));
        self.latencies.get(rank - 1).copied()
    }

    fn p95_ms(&self) -> Option<f64> {
        self.percentile(95).map(|latency| latency.as_secs_f64() * 1e3)
    }
}

/// One level's measurements at one size.
struct LevelFigures {
    level: Level,
    measurements: Vec<Measurement>,
}

impl LevelFigures {
    fn find(&self, workload: Workload, clients: usize) -> Option<&Measurement> {
        self.measurements
            .iter()
            .find(|measurement| measurement.workload == workload && measurement.clients == clients)
    }
}

/// Runs `cases` from `clients` threads, each with its own client state, through the
/// warm-up and the measured window (see [`Window`]); every search that starts within the
/// window counts. Each client starts at its own place in `cases`.
fn measure_threads<C: Send>(
    cases: &[Case],
    clients: Vec<C>,
    window: &Window,
    search: &(dyn Fn(&mut C, &Case) -> Result<u64, String> + Sync),
) -> Tally {
    let count = clients.len();
    let mut tally = Tally::default();
    std::thread::scope(|scope| {
        let running: Vec<_> = clients
            .into_iter()
            .enumerate()
            .map(|(index, mut client)| {
                scope.spawn(move || {
                    let mut tally = Tally::default();
                    let mut next = index * cases.len() / count.max(1);
                    loop {
                        let started = Instant::now();
                        if !window.open(started) {
                            return tally;
                        }
                        let case = &cases[next % cases.len()];
                        next += 1;
                        let outcome = search(&mut client, case);
                        window.record(&mut tally, started, started.elapsed(), outcome);
                    }
                })
            })
            .collect();
        for client in running {
            tally.absorb(client.join().expect("a client thread ran to the end"));
        }
    });
    tally
}

fn print_level_header(level: Level) {
    println!("\n{}", level.title());
    println!(
        "  {:<24} {:>7} {:>9} {:>11} {:>9} {:>9} {:>9} {:>6} {:>10}",
        "workload",
        "clients",
        "searches",
        "searches/s",
        "p50 ms",
        "p95 ms",
        "p99 ms",
        "errors",
        "matches"
    );
}

/// Prints a row; `matches` is the mean number of records the workload's queries match.
fn print_row(measurement: &Measurement, matches: Option<f64>) {
    let milliseconds = |percent| {
        measurement.percentile(percent).map_or_else(
            || "-".to_string(),
            |latency| format!("{:.2}", latency.as_secs_f64() * 1e3),
        )
    };
    println!(
        "  {:<24} {:>7} {:>9} {:>11.1} {:>9} {:>9} {:>9} {:>6} {:>10}",
        measurement.workload.label(),
        measurement.clients,
        measurement.requests,
        measurement.throughput(),
        milliseconds(50),
        milliseconds(95),
        milliseconds(99),
        measurement.errors,
        matches.map_or_else(|| "-".to_string(), |mean| format!("{mean:.0}")),
    );
}

fn print_errors(figures: &LevelFigures) {
    for measurement in &figures.measurements {
        if let Some(problem) = &measurement.first_error {
            println!(
                "  first error of {} at {} clients: {problem}",
                measurement.workload.label(),
                measurement.clients
            );
        }
    }
}

/// Mean matches of the workload's cases, from a pre-pass's per-case totals.
fn mean_matches(mix: &Mix, totals: &[(Case, u64)], workload: Workload) -> Option<f64> {
    let cases = mix.cases(workload);
    let found: Vec<u64> = cases
        .iter()
        .filter_map(|case| totals.iter().find(|(known, _)| known == case).map(|(_, total)| *total))
        .collect();
    (!found.is_empty()).then(|| found.iter().sum::<u64>() as f64 / found.len() as f64)
}

// ---- the tantivy level ------------------------------------------------------------------

/// The request and scope a case makes at the tantivy level, as the service would make
/// them for an anonymous reader of `tenant_id`.
fn tantivy_request(case: &Case, tenant_id: &str, change: Option<Change>) -> (SearchRequest, Scope) {
    let union = case.kind == Kind::Union && change != Some(Change::OneLibrary);
    let request = SearchRequest {
        query: case.text.clone(),
        scope: if union { SearchScope::Everywhere } else { SearchScope::Library },
        public_tenant_id: (!union).then(|| tenant_id.to_string()),
        filters: case.filter.iter().cloned().collect(),
        first: PAGE,
        facets: case.kind == Kind::Faceted && change != Some(Change::NoFacetCounts),
        ..SearchRequest::default()
    };
    let scope = Scope { tenant_id: (!union).then(|| tenant_id.to_string()), staff: false };
    (request, scope)
}

fn tantivy_search(
    live: &LiveIndex,
    case: &Case,
    tenant_id: &str,
    change: Option<Change>,
) -> Result<u64, String> {
    let (request, scope) = tantivy_request(case, tenant_id, change);
    let results = searcher::search(live, &request, &scope).map_err(|error| error.to_string())?;
    let shown = results.hits.len() + results.works.len();
    if results.total_records > 0 && shown == 0 {
        return Err(format!("{:?} matched {} but showed none", case.text, results.total_records));
    }
    Ok(results.total_records)
}

fn measure_tantivy_workload(
    live: &Arc<LiveIndex>,
    cases: &[Case],
    tenant_id: &str,
    workload: Workload,
    clients: usize,
    options: Options,
) -> Measurement {
    let change = match workload {
        Workload::Changed(_, change) => Some(change),
        Workload::Only(_) | Workload::Mix => None,
    };
    let search =
        |live: &mut Arc<LiveIndex>, case: &Case| tantivy_search(live, case, tenant_id, change);
    let handles = vec![Arc::clone(live); clients];
    let window = Window::new(options, cases.len());
    let tally = tokio::task::block_in_place(|| measure_threads(cases, handles, &window, &search));
    Measurement::new(workload, clients, &window, tally)
}

fn measure_tantivy(
    live: &Arc<LiveIndex>,
    mix: &Mix,
    tenant_id: &str,
    options: Options,
) -> (LevelFigures, Vec<(Case, u64)>) {
    // A pre-pass: every query once, for the matches column and as a first warm-up.
    let mut totals = Vec::new();
    let mut nothing = Vec::new();
    for case in mix.cases(Workload::Mix) {
        let total = tantivy_search(live, &case, tenant_id, None).expect("a search runs");
        if total == 0 {
            nothing.push(case.text.clone());
        }
        totals.push((case, total));
    }
    print_level_header(Level::Tantivy);
    if !nothing.is_empty() {
        println!(
            "  NOTE: {} queries taken from titles found nothing: {}",
            nothing.len(),
            nothing.join(", ")
        );
    }
    let mut measurements = Vec::new();
    for workload in Workload::all() {
        let cases = mix.cases(workload);
        for clients in CLIENT_COUNTS {
            let measurement =
                measure_tantivy_workload(live, &cases, tenant_id, workload, clients, options);
            print_row(&measurement, mean_matches(mix, &totals, workload));
            measurements.push(measurement);
        }
    }
    println!("  diagnostics, 1 client, not in the mix or the goals:");
    for workload in [
        Workload::Changed(Kind::Faceted, Change::NoFacetCounts),
        Workload::Changed(Kind::Union, Change::OneLibrary),
    ] {
        let cases = mix.cases(workload);
        let measurement = measure_tantivy_workload(live, &cases, tenant_id, workload, 1, options);
        print_row(&measurement, mean_matches(mix, &totals, workload));
    }
    let figures = LevelFigures { level: Level::Tantivy, measurements };
    print_errors(&figures);
    (figures, totals)
}

// ---- end to end -------------------------------------------------------------------------

const SEARCH_QUERY: &str = "query Search($q: String!, $tenant: String, $options: SearchOptions) {
  search(query: $q, tenant: $tenant, options: $options, first: 20) {
    totalRecords totalWorks hasNextPage endCursor didYouMean readAsWords
    hits {
      recordId tenantId score title authors year format languages publishers edition isbns
      workKey availableNow
      holdings { branchCode branchName copies available callNumbers }
      highlights { field text ranges { start end } }
    }
    works {
      workKey title authors score tenantIds availableNow
      editions { tenantId recordId format year }
      holdings { tenantId branchCode branchName copies available }
    }
    facets { facet values { value label count selected } }
  }
}";

fn graphql_variables(case: &Case) -> Value {
    let union = case.kind == Kind::Union;
    let filters: Vec<Value> = case
        .filter
        .iter()
        .map(|filter| {
            let facet = match filter.facet {
                FacetName::Format => "FORMAT",
                FacetName::Language => "LANGUAGE",
                FacetName::Subject => "SUBJECT",
                FacetName::Author => "AUTHOR",
                FacetName::Year => "YEAR",
                FacetName::Branch => "BRANCH",
                FacetName::Availability => "AVAILABILITY",
            };
            json!({ "facet": facet, "value": filter.value })
        })
        .collect();
    json!({
        "q": case.text,
        "tenant": if union { Value::Null } else { json!(TENANT_SLUG) },
        "options": {
            "scope": if union { "EVERYWHERE" } else { "LIBRARY" },
            "facets": case.kind == Kind::Faceted,
            "filters": filters,
        },
    })
}

fn new_http_client() -> reqwest::Client {
    reqwest::Client::builder()
        .no_proxy()
        .timeout(Duration::from_secs(120))
        .build()
        .expect("an HTTP client builds")
}

/// Posts a GraphQL request and returns its `data`, or the first error's message.
async fn graphql(
    http: &reqwest::Client,
    base: &str,
    query: &str,
    variables: Value,
) -> Result<Value, String> {
    let response = http
        .post(format!("{base}/graphql"))
        .json(&json!({ "query": query, "variables": variables }))
        .send()
        .await
        .map_err(|error| error.to_string())?;
    let status = response.status();
    let mut body: Value = response.json().await.map_err(|error| error.to_string())?;
    if let Some(error) = body["errors"].get(0) {
        return Err(format!("{status}: {}", error["message"]));
    }
    if !status.is_success() {
        return Err(format!("{status}: {body}"));
    }
    Ok(body["data"].take())
}

async fn graphql_search(http: &reqwest::Client, base: &str, case: &Case) -> Result<u64, String> {
    let data = graphql(http, base, SEARCH_QUERY, graphql_variables(case)).await?;
    data["search"]["totalRecords"]
        .as_u64()
        .ok_or_else(|| format!("no search.totalRecords in {data}"))
}

/// Runs `cases` from `clients` tasks, each on its own connection, as [`measure_threads`]
/// does with threads.
async fn measure_http(
    base: &Arc<str>,
    cases: &Arc<[Case]>,
    clients: usize,
    window: &Arc<Window>,
) -> Tally {
    let running: Vec<_> = (0..clients)
        .map(|index| {
            let base = Arc::clone(base);
            let cases = Arc::clone(cases);
            let window = Arc::clone(window);
            tokio::spawn(async move {
                let http = new_http_client();
                let mut tally = Tally::default();
                let mut next = index * cases.len() / clients.max(1);
                loop {
                    let started = Instant::now();
                    if !window.open(started) {
                        return tally;
                    }
                    let case = &cases[next % cases.len()];
                    next += 1;
                    let outcome = graphql_search(&http, &base, case).await;
                    window.record(&mut tally, started, started.elapsed(), outcome);
                }
            })
        })
        .collect();
    let mut tally = Tally::default();
    for client in running {
        tally.absorb(client.await.expect("a client ran to the end"));
    }
    tally
}

/// The application running in this process.
struct RunningApp {
    base: String,
    stop: tokio::sync::oneshot::Sender<()>,
    running: tokio::task::JoinHandle<anyhow::Result<()>>,
}

async fn start_application(config: &Config) -> RunningApp {
    let application =
        Application::build(config.clone(), &[]).await.expect("the application starts");
    let base = format!("http://127.0.0.1:{}", application.port());
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let running = tokio::spawn(application.run_until_stopped(async move {
        let _ = stopped.await;
    }));
    RunningApp { base, stop, running }
}

async fn stop_application(app: RunningApp) {
    let _ = app.stop.send(());
    app.running.await.expect("the server task ends").expect("the server stops cleanly");
}

async fn measure_end_to_end(
    config: &Config,
    mix: &Mix,
    tantivy_totals: &[(Case, u64)],
    options: Options,
) -> LevelFigures {
    let app = start_application(config).await;
    let http = new_http_client();
    // A pre-pass: every query once, its total compared with the tantivy level's.
    let mut differing = Vec::new();
    for (case, expected) in tantivy_totals {
        match graphql_search(&http, &app.base, case).await {
            Ok(total) if total == *expected => {}
            Ok(total) => differing.push(format!("{:?}: {total} (tantivy {expected})", case.text)),
            Err(problem) => differing.push(format!("{:?}: {problem}", case.text)),
        }
    }
    print_level_header(Level::EndToEnd);
    if differing.is_empty() {
        println!(
            "  (all {} queries' totals equal the tantivy level's in a pre-pass)",
            tantivy_totals.len()
        );
    } else {
        println!(
            "  NOTE: {} of {} queries differ from the tantivy level: {}",
            differing.len(),
            tantivy_totals.len(),
            differing.iter().take(5).cloned().collect::<Vec<_>>().join("; ")
        );
    }
    let base: Arc<str> = Arc::from(app.base.as_str());
    let mut measurements = Vec::new();
    for workload in Workload::all() {
        let cases: Arc<[Case]> = Arc::from(mix.cases(workload));
        for clients in CLIENT_COUNTS {
            let window = Arc::new(Window::new(options, cases.len()));
            let tally = measure_http(&base, &cases, clients, &window).await;
            let measurement = Measurement::new(workload, clients, &window, tally);
            print_row(&measurement, mean_matches(mix, tantivy_totals, workload));
            measurements.push(measurement);
        }
    }
    stop_application(app).await;
    let figures = LevelFigures { level: Level::EndToEnd, measurements };
    print_errors(&figures);
    figures
}

// ---- the PostgreSQL baseline ------------------------------------------------------------

mod postgres {
    //! The same descriptions in a PostgreSQL table with a weighted tsvector and a GIN
    //! index, searched with `websearch_to_tsquery`.

    use diesel::connection::SimpleConnection;
    use diesel::sql_types::{Array, BigInt, Float4, Integer, Nullable, Text};
    use diesel::{Connection, PgConnection, QueryableByName, RunQueryDsl};

    use super::{Case, Kind};
    use athenaeum_marc::describe::Description;
    use athenaeum_search::api::FacetName;

    /// A database of its own on the server, dropped at the end.
    pub struct Server {
        admin_url: String,
        name: String,
        pub url: String,
    }

    impl Server {
        /// Creates the benchmark's database on the server `admin_url` names.
        pub fn create(admin_url: &str) -> Server {
            let mut admin =
                PgConnection::establish(admin_url).expect("the PostgreSQL server answers");
            let name = format!("athenaeum_search_bench_{}", std::process::id());
            admin
                .batch_execute(&format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"))
                .expect("drop a leftover benchmark database");
            admin
                .batch_execute(&format!("CREATE DATABASE \"{name}\""))
                .expect("create the benchmark database");
            let (without_query, query) = match admin_url.split_once('?') {
                Some((head, query)) => (head, format!("?{query}")),
                None => (admin_url, String::new()),
            };
            let base = without_query.rsplit_once('/').map_or(without_query, |(base, _)| base);
            let url = format!("{base}/{name}{query}");
            Server { admin_url: admin_url.to_string(), name, url }
        }

        pub fn connect(&self) -> PgConnection {
            PgConnection::establish(&self.url).expect("the benchmark database answers")
        }

        /// The server's version and the settings its figures depend on.
        pub fn settings(&self) -> String {
            #[derive(QueryableByName)]
            struct Settings {
                #[diesel(sql_type = Text)]
                settings: String,
            }
            let found: Settings = diesel::sql_query(
                "SELECT current_setting('server_version') || ': shared_buffers=' \
                 || current_setting('shared_buffers') || ', work_mem=' \
                 || current_setting('work_mem') || ', maintenance_work_mem=' \
                 || current_setting('maintenance_work_mem') || ', fsync=' \
                 || current_setting('fsync') || ', jit=' || current_setting('jit') AS settings",
            )
            .get_result(&mut self.connect())
            .expect("PostgreSQL shows its settings");
            found.settings
        }

        /// The table's size with its indexes, in bytes.
        pub fn size(&self) -> i64 {
            #[derive(QueryableByName)]
            struct Size {
                #[diesel(sql_type = BigInt)]
                bytes: i64,
            }
            diesel::sql_query("SELECT pg_total_relation_size('search_docs') AS bytes")
                .get_result::<Size>(&mut self.connect())
                .map_or(0, |size| size.bytes)
        }

        pub fn drop_database(self) {
            if let Ok(mut admin) = PgConnection::establish(&self.admin_url) {
                let _ = admin.batch_execute(&format!(
                    "DROP DATABASE IF EXISTS \"{}\" WITH (FORCE)",
                    self.name
                ));
            }
        }
    }

    pub const CREATE_TABLE: &str = "CREATE TABLE search_docs (
        id text PRIMARY KEY,
        title text NOT NULL,
        other_titles text NOT NULL,
        authors text NOT NULL,
        subjects text NOT NULL,
        series text NOT NULL,
        publishers text NOT NULL,
        notes text NOT NULL,
        format text NOT NULL,
        languages text[] NOT NULL,
        year integer,
        work_key text NOT NULL,
        tsv tsvector GENERATED ALWAYS AS (
            setweight(to_tsvector('english', title), 'A')
            || setweight(
                to_tsvector('english', other_titles || ' ' || authors || ' ' || subjects), 'B')
            || setweight(to_tsvector('english', series || ' ' || publishers || ' ' || notes), 'C')
        ) STORED
    )";

    const INSERT: &str = "INSERT INTO search_docs
        (id, title, other_titles, authors, subjects, series, publishers, notes, format,
         languages, year, work_key)
        SELECT id, title, other_titles, authors, subjects, series, publishers, notes, format,
               string_to_array(languages, ' '), year, work_key
        FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[],
                    $7::text[], $8::text[], $9::text[], $10::text[], $11::integer[],
                    $12::text[])
             AS t(id, title, other_titles, authors, subjects, series, publishers, notes,
                  format, languages, year, work_key)";

    pub const CREATE_INDEX: &str = "CREATE INDEX search_docs_tsv ON search_docs USING gin (tsv)";

    /// A batch of rows, by column.
    #[derive(Default)]
    pub struct Batch {
        id: Vec<String>,
        title: Vec<String>,
        other_titles: Vec<String>,
        authors: Vec<String>,
        subjects: Vec<String>,
        series: Vec<String>,
        publishers: Vec<String>,
        notes: Vec<String>,
        format: Vec<String>,
        languages: Vec<String>,
        year: Vec<Option<i32>>,
        work_key: Vec<String>,
    }

    impl Batch {
        pub fn len(&self) -> usize {
            self.id.len()
        }

        /// Adds a record's row from its stored description, as the index takes it.
        pub fn push(&mut self, record_id: &str, description: &Description) {
            let join = |parts: Vec<&str>| parts.join(" ");
            let title = description.title.as_ref();
            self.id.push(record_id.to_string());
            self.title.push(title.map(|title| title.display.clone()).unwrap_or_default());
            let mut others: Vec<&str> = description
                .alternate_titles
                .iter()
                .map(|alternate| alternate.title.as_str())
                .collect();
            if let Some(uniform) = &description.uniform_title {
                others.push(&uniform.title);
            }
            if let Some(alternate) = title.and_then(|title| title.display_alternate.as_deref()) {
                others.push(alternate);
            }
            self.other_titles.push(join(others));
            self.authors.push(join(
                description.contributors.iter().map(|name| name.name.as_str()).collect(),
            ));
            self.subjects.push(join(
                description.subjects.iter().map(|subject| subject.heading.as_str()).collect(),
            ));
            self.series.push(join(
                description.series.iter().map(|series| series.title.as_str()).collect(),
            ));
            let publication = &description.publication;
            self.publishers.push(join(
                publication
                    .publishers
                    .iter()
                    .chain(&publication.places)
                    .map(String::as_str)
                    .collect(),
            ));
            self.notes.push(join(
                description
                    .notes
                    .iter()
                    .map(|note| note.text.as_str())
                    .chain(description.summaries.iter().map(String::as_str))
                    .chain(description.contents.iter().map(String::as_str))
                    .chain(description.edition.as_deref())
                    .collect(),
            ));
            self.format.push(athenaeum_search::document::format_value(description.format));
            self.languages.push(description.languages.join(" "));
            self.year.push(publication.year.map(i32::from));
            // Records without a work key are works of their own, as in union search.
            self.work_key
                .push(description.work_key.clone().unwrap_or_else(|| format!("\u{0}{record_id}")));
        }

        pub fn insert(self, connection: &mut PgConnection) {
            diesel::sql_query(INSERT)
                .bind::<Array<Text>, _>(self.id)
                .bind::<Array<Text>, _>(self.title)
                .bind::<Array<Text>, _>(self.other_titles)
                .bind::<Array<Text>, _>(self.authors)
                .bind::<Array<Text>, _>(self.subjects)
                .bind::<Array<Text>, _>(self.series)
                .bind::<Array<Text>, _>(self.publishers)
                .bind::<Array<Text>, _>(self.notes)
                .bind::<Array<Text>, _>(self.format)
                .bind::<Array<Text>, _>(self.languages)
                .bind::<Array<Nullable<Integer>>, _>(self.year)
                .bind::<Array<Text>, _>(self.work_key)
                .execute(connection)
                .expect("insert a batch of rows");
        }
    }

    const HITS: &str = "SELECT id, title, authors, year, ts_rank(tsv, query) AS rank
        FROM search_docs, websearch_to_tsquery('english', $1) AS query
        WHERE tsv @@ query";
    const WORKS: &str = "SELECT work_key, max(ts_rank(tsv, query)) AS rank, count(*) AS records
        FROM search_docs, websearch_to_tsquery('english', $1) AS query
        WHERE tsv @@ query
        GROUP BY work_key ORDER BY rank DESC LIMIT 20";
    const COUNT: &str = "SELECT count(*) AS count
        FROM search_docs, websearch_to_tsquery('english', $1) AS query
        WHERE tsv @@ query";
    const FORMAT_FILTER: &str = " AND format = $2";
    const LANGUAGE_FILTER: &str = " AND $2 = ANY(languages)";
    const TOP: &str = " ORDER BY rank DESC LIMIT 20";

    #[derive(QueryableByName)]
    struct Hit {
        #[diesel(sql_type = Text)]
        id: String,
        #[diesel(sql_type = Text)]
        title: String,
        #[diesel(sql_type = Text)]
        authors: String,
        #[diesel(sql_type = Nullable<Integer>)]
        year: Option<i32>,
        #[diesel(sql_type = Float4)]
        rank: f32,
    }

    #[derive(QueryableByName)]
    struct Work {
        #[diesel(sql_type = Text)]
        work_key: String,
        #[diesel(sql_type = Float4)]
        rank: f32,
        #[diesel(sql_type = BigInt)]
        records: i64,
    }

    #[derive(QueryableByName)]
    struct Count {
        #[diesel(sql_type = BigInt)]
        count: i64,
    }

    fn filter_sql(case: &Case) -> Option<(&'static str, &str)> {
        case.filter.as_ref().map(|filter| match filter.facet {
            FacetName::Language => (LANGUAGE_FILTER, filter.value.as_str()),
            _ => (FORMAT_FILTER, filter.value.as_str()),
        })
    }

    fn count(connection: &mut PgConnection, case: &Case) -> Result<u64, String> {
        let found = match filter_sql(case) {
            Some((filter, value)) => diesel::sql_query(format!("{COUNT}{filter}"))
                .bind::<Text, _>(&case.text)
                .bind::<Text, _>(value)
                .get_result::<Count>(connection),
            None => diesel::sql_query(COUNT).bind::<Text, _>(&case.text).get_result(connection),
        };
        found
            .map(|found| u64::try_from(found.count).unwrap_or(0))
            .map_err(|error| error.to_string())
    }

    /// Counts every record the case matches (the pre-pass; not timed).
    pub fn matches(connection: &mut PgConnection, case: &Case) -> Result<u64, String> {
        count(connection, case)
    }

    /// Runs one search as a results page would: the top 20 by rank; with a filter, also
    /// the count of matching records; for union search, the top 20 works.
    pub fn search(connection: &mut PgConnection, case: &Case) -> Result<u64, String> {
        let error = |error: diesel::result::Error| error.to_string();
        match case.kind {
            Kind::Union => {
                let works: Vec<Work> = diesel::sql_query(WORKS)
                    .bind::<Text, _>(&case.text)
                    .load(connection)
                    .map_err(error)?;
                let shown = works
                    .iter()
                    .filter(|work| {
                        !work.work_key.is_empty() && work.rank >= 0.0 && work.records > 0
                    })
                    .count();
                Ok(shown as u64)
            }
            _ => {
                let hits: Vec<Hit> = match filter_sql(case) {
                    Some((filter, value)) => diesel::sql_query(format!("{HITS}{filter}{TOP}"))
                        .bind::<Text, _>(&case.text)
                        .bind::<Text, _>(value)
                        .load(connection),
                    None => diesel::sql_query(format!("{HITS}{TOP}"))
                        .bind::<Text, _>(&case.text)
                        .load(connection),
                }
                .map_err(error)?;
                let shown = hits
                    .iter()
                    .filter(|hit| {
                        !hit.id.is_empty()
                            && hit.title.len() + hit.authors.len() > 0
                            && hit.year.is_none_or(|year| year > 0)
                            && hit.rank >= 0.0
                    })
                    .count();
                if case.filter.is_some() {
                    return count(connection, case);
                }
                Ok(shown as u64)
            }
        }
    }
}

/// The PostgreSQL baseline's load.
struct PostgresLoad {
    server: postgres::Server,
    rows: usize,
    load: Duration,
    index: Duration,
}

/// Loads every description the catalogue holds into PostgreSQL, read through the
/// catalogue API as the search service's rebuild reads them, then builds the GIN index.
fn load_postgres(
    admin_url: &str,
    catalogue: &Arc<CatalogueService>,
    issuer: &TokenIssuer,
    runtime: &tokio::runtime::Handle,
) -> PostgresLoad {
    use diesel::connection::SimpleConnection;

    let server = postgres::Server::create(admin_url);
    let mut connection = server.connect();
    connection.batch_execute(postgres::CREATE_TABLE).expect("create the table");
    let started = Instant::now();
    let mut last_report = Instant::now();
    let mut after_id = None;
    let mut rows = 0;
    loop {
        let call = Call::anonymous()
            .with_token(issuer.issue_service("search").expect("a service token").token);
        let page = runtime
            .block_on(catalogue.scan_index_records(
                &call,
                ScanIndexRecords { tenant_id: None, after_id: after_id.clone(), limit: 1_000 },
            ))
            .expect("the catalogue scans its records");
        after_id = page.records.last().map(|record: &IndexRecord| record.record_id.clone());
        let mut batch = postgres::Batch::default();
        for record in &page.records {
            let Ok(description) = serde_json::from_str::<Description>(&record.description) else {
                continue;
            };
            if description.kind == RecordKind::Bibliographic {
                batch.push(&record.record_id, &description);
            }
        }
        rows += batch.len();
        batch.insert(&mut connection);
        if last_report.elapsed() >= Duration::from_secs(10) {
            eprintln!("  PostgreSQL load: {rows} rows in {:.0} s", started.elapsed().as_secs_f64());
            last_report = Instant::now();
        }
        if !page.has_next_page || after_id.is_none() {
            break;
        }
    }
    let load = started.elapsed();
    let started = Instant::now();
    connection.batch_execute(postgres::CREATE_INDEX).expect("build the GIN index");
    connection.batch_execute("VACUUM ANALYZE search_docs").expect("vacuum and analyse");
    PostgresLoad { server, rows, load, index: started.elapsed() }
}

fn measure_postgres(server: &postgres::Server, mix: &Mix, options: Options) -> LevelFigures {
    let mut connection = server.connect();
    let mut totals = Vec::new();
    let mut problems = Vec::new();
    for case in mix.cases(Workload::Mix) {
        match postgres::matches(&mut connection, &case) {
            Ok(total) => totals.push((case, total)),
            Err(problem) => problems.push(format!("{:?}: {problem}", case.text)),
        }
    }
    print_level_header(Level::Postgres);
    println!(
        "  (faceted: the top 20 and the count of matching records; union: the top 20 work \
         keys by best rank, with their record counts; matches: count(*) in a pre-pass)"
    );
    if !problems.is_empty() {
        println!(
            "  NOTE: {} queries failed in the pre-pass: {}",
            problems.len(),
            problems.join("; ")
        );
    }
    let search =
        |connection: &mut diesel::PgConnection, case: &Case| postgres::search(connection, case);
    let mut measurements = Vec::new();
    for workload in Workload::all() {
        let cases = mix.cases(workload);
        for clients in CLIENT_COUNTS {
            let connections: Vec<_> = (0..clients).map(|_| server.connect()).collect();
            let window = Window::new(options, cases.len());
            let tally = tokio::task::block_in_place(|| {
                measure_threads(&cases, connections, &window, &search)
            });
            let measurement = Measurement::new(workload, clients, &window, tally);
            print_row(&measurement, mean_matches(mix, &totals, workload));
            measurements.push(measurement);
        }
    }
    let figures = LevelFigures { level: Level::Postgres, measurements };
    print_errors(&figures);
    figures
}

// ---- one size ---------------------------------------------------------------------------

/// What one size's run found, for the goals.
struct SizeReport {
    records: u64,
    levels: Vec<LevelFigures>,
}

impl SizeReport {
    fn level(&self, level: Level) -> Option<&LevelFigures> {
        self.levels.iter().find(|figures| figures.level == level)
    }
}

/// The configuration of every service of one run, on `databases`.
fn bench_config(databases: &TestDatabases) -> Config {
    let environment: BTreeMap<String, String> = [
        ("ATHENAEUM__SERVER__LISTEN", "127.0.0.1:0".to_string()),
        ("ATHENAEUM__DATA__DIR", databases.data_path().display().to_string()),
        ("ATHENAEUM__DATABASE__URL", databases.config.url.clone()),
    ]
    .into_iter()
    .map(|(name, value)| (name.to_string(), value))
    .collect();
    Config::load(None, &environment).expect("the benchmark's configuration loads")
}

/// Onboards the library and returns its tenant id.
async fn onboard_library(config: &Config) -> String {
    let (identity, _worker) = athenaeum::app::identity_service(config, "http://127.0.0.1")
        .await
        .expect("the identity service opens");
    let call = identity.command_line_call().expect("the command line gets a token");
    let onboarded = identity
        .onboard_tenant(
            &call,
            OnboardTenant {
                slug: TENANT_SLUG.into(),
                name: "Northshire Libraries".into(),
                time_zone: "Europe/London".into(),
                contact_email: "libraries@northshire.example".into(),
                admin_email: "admin@northshire.example".into(),
                admin_display_name: "Ada Administrator".into(),
            },
        )
        .await
        .expect("the library is onboarded");
    onboarded.tenant.id
}

/// Imports `path` into the library through the catalogue service; returns the records
/// and items created and the time taken.
async fn import(
    catalogue: &CatalogueService,
    issuer: &TokenIssuer,
    tenant_id: &str,
    path: &Path,
) -> (i64, i64, Duration) {
    let token = issuer
        .issue("benchmark", "00000000-0000-7000-8000-000000000000", "platform", &[Role::Operator])
        .expect("token")
        .token;
    let scope = catalogue.verify(&token).expect("verify").operator_scope(tenant_id).expect("scope");
    // Every record is new: the copies share ISBNs and system numbers on purpose.
    let options = ImportOptions { match_on: Vec::new(), ..ImportOptions::default() };
    let (job, _) = catalogue.local_import_job(&scope, path, &options).await.expect("job");
    let reader = RecordReader::open(path).expect("open");
    let (_stop_sender, stop) = tokio::sync::watch::channel(false);
    let started = Instant::now();
    let mut last_report = Instant::now();
    let (_, finished) = catalogue
        .run_job(&scope, job, reader, stop, |progress| {
            if last_report.elapsed() >= Duration::from_secs(10) {
                eprintln!(
                    "  importing: {} records in {:.0} s",
                    progress.records_read,
                    started.elapsed().as_secs_f64()
                );
                last_report = Instant::now();
            }
        })
        .await
        .expect("import");
    (finished.records_new, finished.items_created, started.elapsed())
}

/// Returns the bytes of the files under `path`.
fn folder_size(path: &Path) -> u64 {
    let Ok(entries) = std::fs::read_dir(path) else { return 0 };
    entries
        .flatten()
        .map(|entry| {
            let path = entry.path();
            if path.is_dir() {
                folder_size(&path)
            } else {
                entry.metadata().map_or(0, |meta| meta.len())
            }
        })
        .sum()
}

async fn run_size(
    label: &str,
    corpus: &Path,
    mix: &Mix,
    options: Options,
    postgres_url: Option<&str>,
) -> SizeReport {
    println!("\n=== {label} ===");
    let databases = prepare_databases(Backend::Sqlite, &athenaeum::app::all_migrations()).await;
    let config = bench_config(&databases);
    let tenant_id = onboard_library(&config).await;
    let key = SigningKey::load(&config.auth, &config.data.dir).expect("the signing key");
    let issuer = TokenIssuer::new(key, &config.auth);
    let catalogue = athenaeum::app::catalogue_service(&config).await.expect("catalogue");

    eprintln!("{label}: importing {}", corpus.display());
    let (records, items, elapsed) = import(&catalogue, &issuer, &tenant_id, corpus).await;
    println!(
        "catalogue (SQLite): imported {records} records with {items} items in {:.1} s \
         ({:.0} records/s; for context, see the marc_import benchmark)",
        elapsed.as_secs_f64(),
        records as f64 / elapsed.as_secs_f64()
    );

    eprintln!("{label}: building the search index");
    let search =
        athenaeum::app::search_service(&config, Arc::clone(&catalogue) as Arc<dyn CatalogueApi>)
            .await
            .expect("the search service opens");
    let started = Instant::now();
    let ticker = tokio::spawn(async move {
        loop {
            tokio::time::sleep(Duration::from_secs(15)).await;
            eprintln!("  building the search index: {:.0} s", started.elapsed().as_secs_f64());
        }
    });
    let documents = search.rebuild_exclusive(None).await.expect("the index builds");
    let build = started.elapsed();
    ticker.abort();
    println!(
        "search index: rebuild_exclusive(None) indexed {documents} documents in {:.1} s \
         ({:.0} docs/s; {} indexing threads); {:.0} MB on disk in {} segments",
        build.as_secs_f64(),
        documents as f64 / build.as_secs_f64(),
        config.search.rebuild_threads,
        folder_size(&config.data.dir.join("search")) as f64 / 1e6,
        search.current().reader.searcher().segment_readers().len()
    );

    let postgres = postgres_url.map(|admin_url| {
        eprintln!("{label}: loading PostgreSQL");
        let runtime = tokio::runtime::Handle::current();
        let loaded =
            tokio::task::block_in_place(|| load_postgres(admin_url, &catalogue, &issuer, &runtime));
        let total = loaded.load + loaded.index;
        println!(
            "PostgreSQL baseline: loaded {} rows (read through the catalogue API, tsvector \
             computed on insert) in {:.1} s, GIN index + VACUUM ANALYZE in {:.1} s: {:.1} s in \
             all ({:.0} rows/s); {:.0} MB with indexes",
            loaded.rows,
            loaded.load.as_secs_f64(),
            loaded.index.as_secs_f64(),
            total.as_secs_f64(),
            loaded.rows as f64 / total.as_secs_f64(),
            loaded.server.size() as f64 / 1e6
        );
        loaded.server
    });

    let mut levels = Vec::new();
    eprintln!("{label}: measuring the tantivy level");
    let live = search.current();
    let (tantivy, totals) = measure_tantivy(&live, mix, &tenant_id, options);
    levels.push(tantivy);
    // Let go of the index so that the application can open it.
    drop(live);
    drop(search);
    drop(catalogue);

    if let Some(server) = &postgres {
        eprintln!("{label}: measuring PostgreSQL");
        levels.push(measure_postgres(server, mix, options));
    }

    eprintln!("{label}: measuring end to end");
    levels.push(measure_end_to_end(&config, mix, &totals, options).await);
    if let Some(server) = postgres {
        server.drop_database();
    }
    drop(databases);
    SizeReport { records: documents, levels }
}

// ---- the goals --------------------------------------------------------------------------

fn verdict(met: bool) -> &'static str {
    if met { "met" } else { "NOT met" }
}

/// Prints the goals beside the figures of the largest size measured: end to end is
/// GraphQL over HTTP, on the mix of every kind.
/// Prints a table line without the padding its last column leaves.
fn print_trimmed(line: &str) {
    println!("{}", line.trim_end());
}

fn print_goals(report: &SizeReport, full_size: bool) {
    println!("\n=== goals, at {} records ===", report.records);
    if !full_size {
        println!(
            "(the goals are for 1,000,000 records; this run measured {} only, so these lines \
             are for orientation)",
            report.records
        );
    }
    let (Some(tantivy), Some(end_to_end)) =
        (report.level(Level::Tantivy), report.level(Level::EndToEnd))
    else {
        println!("(no figures)");
        return;
    };
    let p95 = |figures: &LevelFigures, workload, clients| {
        figures.find(workload, clients).and_then(Measurement::p95_ms)
    };
    let cell = |value: Option<f64>, unit: &str, met: &dyn Fn(f64) -> bool| {
        value.map_or_else(
            || "-".to_string(),
            |value| format!("{value:>8.2} {unit:<4} {:<7}", verdict(met(value))),
        )
    };
    print_trimmed(&format!(
        "  {:<46} {:<22} {:<22}",
        "goal (mix of all kinds)", "1 client", "16 clients"
    ));
    let latency: Vec<String> = CLIENT_COUNTS
        .iter()
        .map(|&clients| {
            cell(p95(end_to_end, Workload::Mix, clients), "ms", &|value| value < GOAL_P95_MS)
        })
        .collect();
    print_trimmed(&format!(
        "  {:<46} {:<22} {:<22}",
        format!("end-to-end p95 < {GOAL_P95_MS:.0} ms"),
        latency[0],
        latency[1]
    ));
    let throughput: Vec<String> = CLIENT_COUNTS
        .iter()
        .map(|&clients| {
            let rate = end_to_end.find(Workload::Mix, clients).map(Measurement::throughput);
            cell(rate, "/s", &|value| value >= GOAL_THROUGHPUT)
        })
        .collect();
    print_trimmed(&format!(
        "  {:<46} {:<22} {:<22}",
        format!("end-to-end >= {GOAL_THROUGHPUT:.0} searches/s"),
        throughput[0],
        throughput[1]
    ));
    println!(
        "  end-to-end p95 <= {GOAL_OVERHEAD}x the tantivy level's p95, by kind \
         (end to end / tantivy level = ratio):"
    );
    for workload in Workload::all() {
        let ratios: Vec<String> = CLIENT_COUNTS
            .iter()
            .map(|&clients| {
                match (p95(end_to_end, workload, clients), p95(tantivy, workload, clients)) {
                    (Some(outer), Some(inner)) if inner > 0.0 => {
                        let ratio = outer / inner;
                        format!(
                            "{outer:>8.2} / {inner:>8.2} ms = {ratio:>5.2}x {:<7}",
                            verdict(ratio <= GOAL_OVERHEAD)
                        )
                    }
                    _ => "-".to_string(),
                }
            })
            .collect();
        print_trimmed(&format!("    {:<24} {:<40} {:<40}", workload.label(), ratios[0], ratios[1]));
    }
    if let Some(postgres) = report.level(Level::Postgres) {
        println!("  beside PostgreSQL: mix p95 at 1 / 16 clients, throughput at 1 / 16 clients");
        let levels =
            [("tantivy level", tantivy), ("end to end", end_to_end), ("PostgreSQL", postgres)];
        for (name, figures) in levels {
            let nan = f64::NAN;
            let rate =
                |clients| figures.find(Workload::Mix, clients).map_or(nan, Measurement::throughput);
            println!(
                "    {name:<14} {:>8.2} / {:>8.2} ms   {:>8.1} / {:>8.1} searches/s",
                p95(figures, Workload::Mix, 1).unwrap_or(nan),
                p95(figures, Workload::Mix, 16).unwrap_or(nan),
                rate(1),
                rate(16)
            );
        }
    }
}

// ---- main -------------------------------------------------------------------------------

fn print_preamble(options: Options, mix: &Mix, postgres: bool) {
    let cores = std::thread::available_parallelism().map_or(1, std::num::NonZero::get);
    println!("Athenaeum search benchmark: index build, tantivy level, end to end, PostgreSQL FTS");
    println!(
        "machine: {cores} cores (std::thread::available_parallelism), {} {}; the clients share \
         them with the server",
        std::env::consts::OS,
        std::env::consts::ARCH
    );
    if cfg!(debug_assertions) {
        println!(
            "WARNING: a debug build; run it with `cargo bench` for figures that mean something"
        );
    }
    println!(
        "each workload: {:.1} s warm-up (not recorded), then {} s measured (longer when it \
         takes longer to run each of its queries once), at {} concurrent clients; latency: \
         nearest-rank percentiles of successful searches; searches/s counts successful \
         searches only, over the time measured; matches: mean records a query matches",
        options.warm_up().as_secs_f64(),
        options.seconds,
        CLIENT_COUNTS.map(|count| count.to_string()).join(" and ")
    );
    println!(
        "query mix: {} queries per kind from the titles of the source file (seed {SEED:#x}), \
         first {PAGE} results; faceted and union as described in the module documentation; e.g.",
        QUERIES_PER_KIND
    );
    for kind in Kind::ALL {
        let examples: Vec<String> = mix
            .cases(Workload::Only(kind))
            .iter()
            .take(3)
            .map(|case| match &case.filter {
                Some(filter) => format!("{} [{:?}={}]", case.text, filter.facet, filter.value),
                None => case.text.clone(),
            })
            .collect();
        println!("  {:<20} {}", kind.label(), examples.join(" | "));
    }
    if !postgres {
        println!(
            "PostgreSQL baseline: skipped, {POSTGRES_URL_VARIABLE} is not set (point it at a \
             server's maintenance database, as ./scripts/test does)"
        );
    }
}

#[tokio::main(flavor = "multi_thread")]
async fn main() {
    let options = match Options::parse(std::env::args().skip(1)) {
        Ok(options) => options,
        Err(problem) => {
            eprintln!("{problem}");
            std::process::exit(2);
        }
    };
    let source = shared_data().join("marc").join(SOURCE);
    assert!(source.is_file(), "{} is missing; set ATHENAEUM_SHARED_DATA", source.display());
    let postgres_url = std::env::var(POSTGRES_URL_VARIABLE).ok().filter(|url| !url.is_empty());
    let mix = build_mix(&sample_titles(&source), QUERIES_PER_KIND);
    print_preamble(options, &mix, postgres_url.is_some());
    if let Some(url) = &postgres_url {
        let server = postgres::Server::create(url);
        println!("PostgreSQL {}", server.settings());
        server.drop_database();
    }

    let scratch =
        tempfile::Builder::new().prefix("athenaeum-bench-").tempdir().expect("scratch folder");
    let mut sizes = vec![(1, "10k: the LoC file")];
    if !options.quick {
        sizes.push((LARGE_COPIES, "1M: the LoC file 100 times"));
        println!(
            "(in the 1M corpus each copy's title differs, so its work key does too: union \
             search there groups as many works as records match)"
        );
    }
    let mut last = None;
    for (copies, label) in sizes {
        let corpus = scratch.path().join(format!("corpus-{copies}.mrc"));
        let started = Instant::now();
        let written = build_corpus(&source, copies, &corpus);
        println!(
            "\nbuilt {} ({written} records with one 952 item each, {:.0} MB) in {:.1} s",
            corpus.display(),
            std::fs::metadata(&corpus).map(|meta| meta.len()).unwrap_or(0) as f64 / 1e6,
            started.elapsed().as_secs_f64()
        );
        let report = run_size(label, &corpus, &mix, options, postgres_url.as_deref()).await;
        let _ = std::fs::remove_file(&corpus);
        last = Some(report);
    }
    if let Some(report) = last {
        print_goals(&report, !options.quick);
    }
}
