//! `describe` against Open Library's own MARC parser: the `openlibrary/` corpus holds
//! single records with what that parser extracts from each (`*_expect/*.json`). For
//! every concept the two share, the test prints per file whether they agree, and
//! asserts agreement. Where Open Library's conventions legitimately differ from ours,
//! the comparison normalises the difference away and says why.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use athenaeum_marc::describe::{Description, describe, fold, isbn, normalise_lccn};
use athenaeum_marc::{Record, RecordReader};
use serde_json::Value;

fn data_dir() -> PathBuf {
    let dir = std::env::var_os("ATHENAEUM_SHARED_DATA")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data"));
    assert!(
        dir.join("marc").is_dir(),
        "the shared test data is not at {}: set ATHENAEUM_SHARED_DATA to the shared data directory",
        dir.display()
    );
    dir
}

fn openlibrary() -> PathBuf {
    data_dir().join("marc/openlibrary")
}

/// Reads the one record of a single-record file, or says why it cannot be read.
fn only_record(path: &Path) -> Result<Record, String> {
    let mut reader = RecordReader::open(path).map_err(|error| error.to_string())?;
    let outcome = reader.next().ok_or_else(|| "no record".to_string())?;
    outcome.record.map_err(|error| error.to_string())
}

/// Words of `text` for comparing: folded, punctuation and brackets gone.
fn words(text: &str) -> String {
    let folded = fold(text);
    let mut words = String::new();
    for word in
        folded.split(|character: char| !character.is_alphanumeric()).filter(|word| !word.is_empty())
    {
        if !words.is_empty() {
            words.push(' ');
        }
        words.push_str(word);
    }
    words
}

/// The same words in sorted order, for headings whose parts Open Library reorders.
fn word_bag(text: &str) -> String {
    let mut bag: Vec<String> = words(text).split(' ').map(String::from).collect();
    bag.sort();
    bag.join(" ")
}

fn strings(expected: &Value, key: &str) -> Vec<String> {
    match expected.get(key) {
        Some(Value::Array(values)) => {
            values.iter().filter_map(Value::as_str).map(String::from).collect()
        }
        Some(Value::String(value)) => vec![value.clone()],
        _ => Vec::new(),
    }
}

fn string(expected: &Value, key: &str) -> Option<String> {
    expected.get(key).and_then(Value::as_str).map(String::from)
}

/// How one concept compares.
enum Verdict {
    Agree,
    Differ(String),
    /// Open Library extracts nothing for it from this record.
    NotInExpectation,
}

fn verdict(agree: bool, explain: impl FnOnce() -> String) -> Verdict {
    if agree { Verdict::Agree } else { Verdict::Differ(explain()) }
}

fn word_set<'a>(values: impl IntoIterator<Item = &'a String>) -> BTreeSet<String> {
    values.into_iter().map(|value| words(value)).filter(|value| !value.is_empty()).collect()
}

fn compare(description: &Description, expected: &Value) -> Vec<(&'static str, Verdict)> {
    let mut verdicts = Vec::new();

    // Title and subtitle: Open Library takes the 880 form of the title proper when there
    // is one (sometimes with the romanised subtitle), moves $p or $n into the subtitle
    // when there is no $b, and drops a bracketed subtitle. So its title must begin, and
    // its subtitle end, our display title (245 $a $b $n $p) or its alternate-script form.
    // A record without a 245 has no title with us, where Open Library falls back to the
    // uniform title or a 740; then its title must begin our uniform or an alternate title.
    verdicts.push((
        "title",
        match string(expected, "title") {
            None => Verdict::NotInExpectation,
            Some(title) => {
                let title = words(&title);
                let subtitle = words(&string(expected, "subtitle").unwrap_or_default());
                let ours: Vec<String> = description
                    .title
                    .iter()
                    .flat_map(|title| [Some(&title.display), title.display_alternate.as_ref()])
                    .flatten()
                    .map(|display| words(display))
                    .collect();
                let display_agrees = ours.iter().any(|display| display.starts_with(&title))
                    && ours.iter().any(|display| display.ends_with(&subtitle));
                let fallback_agrees = description.title.is_none()
                    && description
                        .uniform_title
                        .iter()
                        .map(|uniform| &uniform.title)
                        .chain(description.alternate_titles.iter().map(|other| &other.title))
                        .any(|other| words(other).starts_with(&title));
                verdict(display_agrees || fallback_agrees, || {
                    format!("{title:?} / {subtitle:?} vs {ours:?}")
                })
            }
        },
    ));

    verdicts.push((
        "by_statement",
        match string(expected, "by_statement") {
            None => Verdict::NotInExpectation,
            Some(statement) => {
                let ours = description
                    .title
                    .as_ref()
                    .and_then(|title| title.responsibility.as_deref())
                    .map(words);
                verdict(ours.as_deref() == Some(words(&statement).as_str()), || {
                    format!("{statement:?} vs {ours:?}")
                })
            }
        },
    ));

    for (concept, key, ours) in [
        ("publishers", "publishers", &description.publication.publishers),
        ("publish_places", "publish_places", &description.publication.places),
    ] {
        let theirs = strings(expected, key);
        verdicts.push((
            concept,
            if theirs.is_empty() {
                Verdict::NotInExpectation
            } else {
                let ours_set = word_set(ours.iter());
                let theirs_set = word_set(theirs.iter());
                verdict(ours_set == theirs_set, || format!("{theirs_set:?} vs {ours_set:?}"))
            },
        ));
    }

    // Open Library gives the 008 date as written ("190u", "[n.d.]"); we give a year
    // only when it is a plausible four-digit one, so only four-digit dates compare.
    verdicts.push((
        "publish_date",
        match string(expected, "publish_date")
            .filter(|date| date.len() == 4 && date.bytes().all(|b| b.is_ascii_digit()))
        {
            None => Verdict::NotInExpectation,
            Some(date) => {
                let ours = description.publication.year.map(|year| year.to_string());
                verdict(ours.as_deref() == Some(date.as_str()), || format!("{date} vs {ours:?}"))
            }
        },
    ));

    verdicts.push((
        "publish_country",
        match string(expected, "publish_country") {
            None => Verdict::NotInExpectation,
            Some(country) => {
                let ours = description.publication.country.clone();
                verdict(ours.as_deref() == Some(country.as_str()), || {
                    format!("{country} vs {ours:?}")
                })
            }
        },
    ));

    verdicts.push((
        "languages",
        match strings(expected, "languages") {
            theirs if theirs.is_empty() => Verdict::NotInExpectation,
            theirs => {
                let theirs: BTreeSet<String> = theirs.into_iter().collect();
                let ours: BTreeSet<String> = description.languages.iter().cloned().collect();
                verdict(theirs == ours, || format!("{theirs:?} vs {ours:?}"))
            }
        },
    ));

    // Open Library lists each 020 $a in the form given, valid or not; we give both forms
    // of valid ISBNs and keep invalid ones apart. So their valid ISBNs, as ISBN-13, must
    // be exactly ours, and their invalid ones must be among our invalid ones.
    verdicts.push((
        "isbn",
        match [strings(expected, "isbn_10"), strings(expected, "isbn_13")].concat() {
            theirs if theirs.is_empty() => Verdict::NotInExpectation,
            theirs => {
                let valid: BTreeSet<String> = theirs
                    .iter()
                    .filter_map(|text| isbn::parse_isbn(text))
                    .map(|isbn| isbn.isbn13)
                    .collect();
                let invalid: Vec<&String> =
                    theirs.iter().filter(|text| isbn::parse_isbn(text).is_none()).collect();
                let ours: BTreeSet<String> =
                    description.identifiers.isbns.iter().map(|isbn| isbn.isbn13.clone()).collect();
                let invalid_kept =
                    invalid.iter().all(|text| description.identifiers.invalid_isbns.contains(text));
                verdict(valid == ours && invalid_kept, || {
                    format!(
                        "{valid:?} vs {ours:?}, invalid {invalid:?} vs {:?}",
                        description.identifiers.invalid_isbns
                    )
                })
            }
        },
    ));

    // Open Library keeps the LCCN's inner blank ("sc 83003257"); LC's normalisation,
    // which we apply, removes it.
    verdicts.push((
        "lccn",
        match strings(expected, "lccn").first() {
            None => Verdict::NotInExpectation,
            Some(lccn) => {
                let theirs = normalise_lccn(lccn);
                verdict(theirs == description.identifiers.lccn, || {
                    format!("{theirs:?} vs {:?}", description.identifiers.lccn)
                })
            }
        },
    ));

    // We also read OCLC numbers from an 001 with an ocm/ocn prefix, which Open Library
    // does not, so theirs must be among ours.
    verdicts.push((
        "oclc_numbers",
        match strings(expected, "oclc_numbers") {
            theirs if theirs.is_empty() => Verdict::NotInExpectation,
            theirs => verdict(
                theirs.iter().all(|number| description.identifiers.oclc_numbers.contains(number)),
                || format!("{theirs:?} vs {:?}", description.identifiers.oclc_numbers),
            ),
        },
    ));

    verdicts.push((
        "edition_name",
        match string(expected, "edition_name") {
            None => Verdict::NotInExpectation,
            Some(edition) => {
                let ours = description.edition.as_deref().map(words);
                verdict(ours.as_deref() == Some(words(&edition).as_str()), || {
                    format!("{edition:?} vs {ours:?}")
                })
            }
        },
    ));

    verdicts.push((
        "pagination",
        match string(expected, "pagination") {
            None => Verdict::NotInExpectation,
            Some(pagination) => {
                let ours: Vec<String> = description
                    .physical_description
                    .iter()
                    .filter_map(|physical| physical.extent.as_deref())
                    .map(words)
                    .collect();
                verdict(ours.contains(&words(&pagination)), || {
                    format!("{pagination:?} vs {ours:?}")
                })
            }
        },
    ));

    // Open Library's author name is $a, with a title ($c) folded in for people and the
    // 880 form in place of the romanised one; ours starts with $a and gives the 880 form
    // as the alternate. Each of their authors must be one of our contributors whose name
    // or alternate name begins with the same words.
    verdicts.push((
        "authors",
        match expected.get("authors").and_then(Value::as_array) {
            None => Verdict::NotInExpectation,
            Some(authors) => {
                let names: Vec<String> = authors
                    .iter()
                    .filter_map(|author| author.get("name").and_then(Value::as_str))
                    .map(words)
                    .collect();
                let ours: Vec<String> = description
                    .contributors
                    .iter()
                    .flat_map(|contributor| {
                        [Some(&contributor.name), contributor.name_alternate.as_ref()]
                    })
                    .flatten()
                    .map(|name| words(name))
                    .collect();
                let missing: Vec<&String> = names
                    .iter()
                    .filter(|name| {
                        !ours.iter().any(|our| {
                            our.starts_with(name.as_str()) || word_bag(our) == word_bag(name)
                        })
                    })
                    .collect();
                verdict(missing.is_empty(), || format!("{missing:?} not in {ours:?}"))
            }
        },
    ));

    // Open Library splits headings into their parts, files them under subjects, places,
    // times and people, and rewrites names in direct order ("Steve Jobs (1955-2011)",
    // "Inc Apple Computer"). Each of their terms must be a part of one of our headings
    // (main part or subdivision) with the same words in any order.
    verdicts.push(("subjects", {
        let theirs: Vec<String> = ["subjects", "subject_places", "subject_times", "subject_people"]
            .iter()
            .flat_map(|key| strings(expected, key))
            .collect();
        if theirs.is_empty() {
            Verdict::NotInExpectation
        } else {
            let ours: BTreeSet<String> = description
                .subjects
                .iter()
                .flat_map(|subject| {
                    std::iter::once(&subject.main).chain(subject.subdivisions.iter())
                })
                .map(|part| word_bag(part))
                .collect();
            let missing: Vec<&String> =
                theirs.iter().filter(|term| !ours.contains(&word_bag(term))).collect();
            verdict(missing.is_empty(), || format!("{missing:?} not in {ours:?}"))
        }
    }));

    // Open Library writes a series as "title -- volume", and leaves out an 830's part
    // number and name ($n $p), which we keep: its title must begin one of ours and its
    // volume be that series' volume.
    verdicts.push((
        "series",
        match strings(expected, "series") {
            theirs if theirs.is_empty() => Verdict::NotInExpectation,
            theirs => {
                let missing: Vec<&String> = theirs
                    .iter()
                    .filter(|series| {
                        let (title, volume) =
                            series.split_once(" -- ").unwrap_or((series.as_str(), ""));
                        !description.series.iter().any(|ours| {
                            words(&ours.title).starts_with(&words(title))
                                && (volume.is_empty()
                                    || ours.volume.as_deref().map(words) == Some(words(volume)))
                        })
                    })
                    .collect();
                verdict(missing.is_empty(), || {
                    format!("{missing:?} not in {:?}", description.series)
                })
            }
        },
    ));

    verdicts
}

/// Returns the expectation file and the input file of each expected parse.
#[expect(
    clippy::unwrap_used,
    reason = "a corpus that cannot be listed should fail the test loudly"
)]
fn cases() -> Vec<(PathBuf, PathBuf)> {
    let root = openlibrary();
    let mut cases = Vec::new();
    for (expect_dir, input_dir, input_suffix) in
        [("bin_expect", "bin_input", ".mrc"), ("xml_expect", "xml_input", "_marc.xml")]
    {
        let mut names: Vec<PathBuf> = std::fs::read_dir(root.join(expect_dir))
            .unwrap_or_else(|error| panic!("{expect_dir}: {error}"))
            .map(|entry| entry.unwrap().path())
            .filter(|path| path.extension().is_some_and(|extension| extension == "json"))
            .collect();
        names.sort();
        for expectation in names {
            let stem = expectation.file_stem().unwrap().to_string_lossy().into_owned();
            let input = root.join(input_dir).join(format!("{stem}{input_suffix}"));
            assert!(input.is_file(), "no input {} for {}", input.display(), expectation.display());
            cases.push((expectation, input));
        }
    }
    cases
}

#[test]
fn describe_agrees_with_open_library_on_the_concepts_both_extract() {
    let mut disagreements = Vec::new();
    let mut agreed = 0;
    for (expectation, input) in cases() {
        let expected: Value =
            serde_json::from_str(&std::fs::read_to_string(&expectation).unwrap()).unwrap();
        let name = input.file_name().unwrap().to_string_lossy().into_owned();
        let record = match only_record(&input) {
            Ok(record) => record,
            Err(error) => {
                println!("{name}: UNREADABLE {error}");
                disagreements.push(format!("{name} unreadable: {error}"));
                continue;
            }
        };
        let description = describe(&record);
        let mut line = Vec::new();
        for (concept, verdict) in compare(&description, &expected) {
            match verdict {
                Verdict::Agree => {
                    agreed += 1;
                    line.push(format!("{concept}=ok"));
                }
                Verdict::Differ(explanation) => {
                    line.push(format!("{concept}=DIFFERS"));
                    disagreements.push(format!("{name} {concept}: {explanation}"));
                }
                Verdict::NotInExpectation => {}
            }
        }
        println!("{name}: {}", line.join(" "));
    }
    println!("{agreed} concept comparisons agree, {} differ", disagreements.len());
    assert!(disagreements.is_empty(), "disagreements:\n{}", disagreements.join("\n"));
}
