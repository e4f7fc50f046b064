//! `describe` on real records: spot checks against what a reading of the raw records
//! shows, every RDA media record's format, dual-script and bad-ISBN files, and every
//! readable record of the shared corpus described without a panic. Also the speed of
//! `describe` on the Library of Congress sample.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use athenaeum_marc::describe::{ContributorKind, Description, MaterialFormat, describe};
use athenaeum_marc::{Record, RecordReader};

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

fn marc(path: &str) -> PathBuf {
    data_dir().join("marc").join(path)
}

/// Reads every record of a file; a record the reader refuses fails the test.
fn records(path: &Path) -> Vec<Record> {
    RecordReader::open(path)
        .unwrap_or_else(|error| panic!("{}: {error}", path.display()))
        .map(|outcome| {
            outcome.record.unwrap_or_else(|error| {
                panic!("{} record {}: {error}", path.display(), outcome.position)
            })
        })
        .collect()
}

fn describe_file(path: &str) -> Vec<Description> {
    records(&marc(path)).iter().map(describe).collect()
}

fn isbn13s(description: &Description) -> Vec<&str> {
    description.identifiers.isbns.iter().map(|isbn| isbn.isbn13.as_str()).collect()
}

// --- Library of Congress ---------------------------------------------------------------

const LOC_1000: &str = "loc-books-2016/BooksAll.2016.part01.first1000.mrc";
const LOC_10000: &str = "loc-books-2016/BooksAll.2016.part01.first10000.mrc";

#[test]
fn loc_record_00000002_is_an_1899_english_book_by_aurand() {
    let descriptions = describe_file(LOC_1000);
    let description = &descriptions[0];
    assert_eq!(description.identifiers.control_number.as_deref(), Some("00000002"));
    let title = description.title.as_ref().unwrap();
    assert_eq!(title.main, "Botanical materia medica and pharmacology");
    assert_eq!(
        title.subtitle.as_deref(),
        Some(
            "drugs considered from a botanical, pharmaceutical, physiological, therapeutical and toxicological standpoint"
        )
    );
    assert_eq!(title.responsibility.as_deref(), Some("By S. H. Aurand"));
    assert_eq!(description.publication.year, Some(1899));
    assert_eq!(description.publication.places, ["Chicago"]);
    assert_eq!(description.publication.publishers, ["P. H. Mallen Company"]);
    assert_eq!(description.languages, ["eng"]);
    assert_eq!(description.format, MaterialFormat::Book);
    assert_eq!(description.identifiers.lccn.as_deref(), Some("00000002"));
    assert_eq!(description.identifiers.oclc_numbers, ["5853149"]);
    let author = &description.contributors[0];
    assert_eq!(
        (author.name.as_str(), author.dates.as_deref()),
        ("Aurand, Samuel Herbert", Some("1854-"))
    );
    assert!(author.primary);
    let headings: Vec<&str> =
        description.subjects.iter().map(|subject| subject.heading.as_str()).collect();
    assert_eq!(headings, ["Botany, Medical", "Homeopathy -- Materia medica and therapeutics"]);
    assert_eq!(
        description.work_key.as_deref(),
        Some("botanical materia medica and pharmacology/aurand samuel herbert")
    );
}

#[test]
fn loc_record_00000006_sorts_the_sky_pilot_without_its_article() {
    let descriptions = describe_file(LOC_1000);
    let title = descriptions[2].title.as_ref().unwrap();
    assert_eq!(title.display, "The sky pilot; a tale of the foothills");
    assert_eq!(title.sort, "sky pilot; a tale of the foothills");
    assert_eq!(descriptions[2].publication.places, ["Chicago", "New York [etc]"]);
}

#[test]
fn loc_record_00001688_is_german() {
    let descriptions = describe_file(LOC_1000);
    let description = &descriptions[415];
    assert_eq!(description.title.as_ref().unwrap().main, "Schluck und Jau");
    assert_eq!(description.languages, ["ger"]);
    assert_eq!(description.publication.country.as_deref(), Some("gw"));
    assert_eq!(description.publication.year, Some(1900));
}

#[test]
fn loc_print_record_linking_a_digitised_copy_stays_a_book_and_microfilm_is_microform() {
    let descriptions = describe_file(LOC_1000);
    assert_eq!(descriptions[249].identifiers.control_number.as_deref(), Some("00001082"));
    assert_eq!(descriptions[249].format, MaterialFormat::Book);
    assert_eq!(descriptions[35].identifiers.control_number.as_deref(), Some("00000119"));
    assert_eq!(descriptions[35].format, MaterialFormat::Microform);
}

#[test]
fn loc_isbns_large_print_and_series_are_read() {
    let descriptions = describe_file(LOC_10000);
    let petspeak = &descriptions[2999];
    assert_eq!(petspeak.title.as_ref().unwrap().main, "Petspeak");
    assert_eq!(isbn13s(petspeak), ["9781579540777", "9781579543372"]);
    assert_eq!(petspeak.identifiers.isbns[0].isbn10.as_deref(), Some("1579540775"));
    assert_eq!(petspeak.publication.year, Some(2000));
    assert_eq!(
        petspeak.publication.publishers,
        ["Rodale", "Distributed to the book trade by St. Martin's Press"]
    );
    assert_eq!(petspeak.contributors[0].kind, ContributorKind::Organisation);
    assert!(!petspeak.contributors[0].primary);

    let scarlet_letter = &descriptions[2671];
    assert_eq!(scarlet_letter.title.as_ref().unwrap().display, "The scarlet letter");
    assert_eq!(scarlet_letter.format, MaterialFormat::LargePrintBook);
    assert_eq!(isbn13s(scarlet_letter), ["9781581180657"]);
    assert_eq!(scarlet_letter.series[0].title, "LRS large print heritage series");
    assert_eq!(scarlet_letter.work_key.as_deref(), Some("scarlet letter/hawthorne nathaniel"));
}

#[test]
fn loc_sample_is_mostly_english_books_with_years() {
    let descriptions = describe_file(LOC_10000);
    assert_eq!(descriptions.len(), 10_000);
    let with_year =
        descriptions.iter().filter(|description| description.publication.year.is_some()).count();
    let with_title = descriptions.iter().filter(|description| description.title.is_some()).count();
    let books = descriptions
        .iter()
        .filter(|description| description.format == MaterialFormat::Book)
        .count();
    assert!(with_year >= 9_990, "{with_year} records with a year");
    assert_eq!(with_title, 10_000);
    assert!(books >= 9_500, "{books} books");
}

// --- Evergreen RDA media ---------------------------------------------------------------

#[test]
fn each_rda_media_record_has_its_format() {
    for (file, format) in [
        ("RDA_record_CD_Claudia.mrc", MaterialFormat::MusicRecording),
        ("RDA_record_DVD-BLUE-RAY-MOVIE_Pineapple_express.mrc", MaterialFormat::BluRay),
        ("RDA_record_DVD_Jorge_Mautner.mrc", MaterialFormat::Dvd),
        ("RDA_record_MAP_2012_Enchanted_Circle.mrc", MaterialFormat::Map),
        ("RDA_record_PHOTO_Srid_pa_ho.mrc", MaterialFormat::StillImage),
        ("RDA_record_SCORE-CD_Arias_for_soprano.mrc", MaterialFormat::MusicScore),
        ("RDA_record_SCORE_Arias_for_bass.mrc", MaterialFormat::MusicScore),
        ("RDA_record_SCORE_Intermediate_studies.mrc", MaterialFormat::MusicScore),
        ("RDA_record_SCORE_Wiegenlied.mrc", MaterialFormat::MusicScore),
        ("RDA_record_SERIAL_IEEE_International_conference.mrc", MaterialFormat::Serial),
    ] {
        let descriptions = describe_file(&format!("evergreen/RDA/{file}"));
        assert_eq!(descriptions.len(), 1, "{file}");
        assert_eq!(descriptions[0].format, format, "{file}");
    }
}

#[test]
fn rda_blu_ray_record_reads_264_roles_and_both_isbn_forms() {
    let description =
        &describe_file("evergreen/RDA/RDA_record_DVD-BLUE-RAY-MOVIE_Pineapple_express.mrc")[0];
    assert_eq!(description.title.as_ref().unwrap().main, "Pineapple express");
    assert_eq!(description.publication.publishers, ["Sony Pictures Home Entertainment"]);
    assert_eq!(description.publication.year, Some(2008));
    assert_eq!(isbn13s(description), ["9781435921252"]);
    let rogen = description
        .contributors
        .iter()
        .find(|contributor| contributor.name == "Rogen, Seth")
        .unwrap();
    assert_eq!(rogen.roles, ["screenwriter", "film producer", "actor"]);
    assert_eq!(description.languages, ["eng", "fre", "spa", "por", "tha"]);
}

#[test]
fn rda_score_with_qualified_isbns_and_serial_without_a_year() {
    let score = &describe_file("evergreen/RDA/RDA_record_SCORE_Wiegenlied.mrc")[0];
    assert_eq!(isbn13s(score), ["9783890077772"]);
    assert_eq!(score.identifiers.isbns[0].isbn10.as_deref(), Some("3890077773"));
    assert_eq!(score.languages, ["ger"]);
    let serial =
        &describe_file("evergreen/RDA/RDA_record_SERIAL_IEEE_International_conference.mrc")[0];
    // 008 dates "uuuu9999" and no date in a publication statement: no year.
    assert_eq!(serial.publication.year, None);
}

// --- dual scripts, bad ISBNs -----------------------------------------------------------

#[test]
fn nepali_records_give_title_and_author_in_both_scripts() {
    let descriptions = describe_file("evergreen/nepali.marc");
    assert_eq!(descriptions.len(), 96);
    let first = &descriptions[0];
    let title = first.title.as_ref().unwrap();
    assert_eq!(title.main, "बिहानी टुसा");
    assert_eq!(title.responsibility.as_deref(), Some("लेखक वीरेन्द्रविक्रम शाह"));
    assert_eq!(title.display_alternate.as_deref(), Some("Bihānī Ṭusā"));
    assert_eq!(first.contributors.len(), 1);
    assert_eq!(first.contributors[0].name, "शाह, वीरेन्द्रविक्रम");
    assert_eq!(first.contributors[0].name_alternate.as_deref(), Some("Śāha, Vīrendravikram"));
    // 2021 in the Bikram Sambat calendar; the 008 gives the Gregorian year.
    assert_eq!(first.publication.year, Some(1964));
    assert_eq!(first.languages, ["nep"]);
    assert_eq!(first.work_key.as_deref(), Some("बिहानी टुसा/शाह वीरेन्द्रविक्रम"));
    let with_alternate = descriptions
        .iter()
        .filter(|description| {
            description.title.as_ref().is_some_and(|title| title.display_alternate.is_some())
        })
        .count();
    assert!(with_alternate >= 90, "{with_alternate} of 96 records with both scripts");
}

#[test]
fn hebrew_marc8_records_give_the_hebrew_title_from_the_880() {
    let descriptions = describe_file("evergreen/hebrew.marc");
    let title = descriptions[1].title.as_ref().unwrap();
    assert_eq!(title.display, "Har Tsevi : heʻarot ṿe-ḥidushim ʻal parashiyot ha-Torah");
    assert_eq!(title.display_alternate.as_deref(), Some("הר צבי : הערות וחדושים על פרשייות התורה"));
    let hebrew_title =
        descriptions[1].alternate_scripts.iter().find(|script| script.tag == "245").unwrap();
    assert!(hebrew_title.right_to_left);
}

#[test]
fn koha_records_carry_their_local_authority_numbers() {
    let descriptions = describe_file("koha/koha_sample_bibs.clean.marcxml");
    let heylin = descriptions
        .iter()
        .flat_map(|description| &description.contributors)
        .find(|contributor| contributor.name == "Heylin, Clinton")
        .unwrap();
    assert_eq!(heylin.local_authority_id.as_deref(), Some("1702"));
}

#[test]
fn evergreen_bad_isbns_are_kept_apart_from_good_ones() {
    let descriptions = describe_file("evergreen/badisbns.xml");
    let summary: Vec<(Vec<&str>, Vec<&str>)> = descriptions
        .iter()
        .map(|description| {
            (
                isbn13s(description),
                description.identifiers.invalid_isbns.iter().map(String::as_str).collect(),
            )
        })
        .collect();
    assert_eq!(
        summary,
        [
            (vec![], vec!["HL00361126"]),
            (vec![], vec!["089542262X295"]),
            (vec!["9780553204308", "9780553268478"], vec!["0553101315175"]),
            (vec![], vec!["4980858214"]),
            (vec![], vec!["0440487331"]),
            (vec![], vec!["JL03022802"]),
            (vec!["9781845332136"], vec!["978184533213X"]),
            (vec![], vec!["0373197527"]),
            (vec![], vec!["978788430094X"]),
            (vec![], vec!["8901452100503"]),
        ]
    );
}

// --- Open Library edge cases without expectations --------------------------------------

#[test]
fn open_library_9999_dates_fall_back_to_the_statement_or_give_no_year() {
    let no_date = &describe_file("openlibrary/bin_input/9999_sd_dates.mrc")[0];
    assert_eq!(no_date.publication.year, None);
    assert_eq!(no_date.publication.dates, ["[s.d.]"]);
    let with_date = &describe_file("openlibrary/bin_input/9999_with_correct_date_in_260.mrc")[0];
    assert_eq!(with_date.publication.year, Some(2003));
}

#[test]
fn open_library_reprint_with_dates_in_the_wrong_order_gets_the_reprint_year() {
    let description = &describe_file("openlibrary/bin_input/reprint_date_wrong_order.mrc")[0];
    assert_eq!(description.publication.year, Some(2010));
    assert_eq!(description.identifiers.oclc_numbers, ["656308391"]);
    assert_eq!(isbn13s(description), ["9781403793966"]);
}

#[test]
fn open_library_records_without_a_title_have_none() {
    for file in ["talis_no_title.mrc", "talis_no_title2.mrc", "talis_empty_245.mrc"] {
        let description = &describe_file(&format!("openlibrary/bin_input/{file}"))[0];
        assert_eq!(description.title, None, "{file}");
    }
    let plays = &describe_file("openlibrary/bin_input/talis_no_title.mrc")[0];
    assert_eq!(plays.uniform_title.as_ref().unwrap().title, "Plays. selections");
    assert_eq!(plays.work_key.as_deref(), Some("plays selections/congreve william"));
}

// --- the whole corpus ------------------------------------------------------------------

#[expect(
    clippy::unwrap_used,
    reason = "a corpus that cannot be listed should fail the test loudly"
)]
fn marc_files(dir: &Path, files: &mut Vec<PathBuf>) {
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap_or_else(|error| panic!("{}: {error}", dir.display()))
        .map(|entry| entry.unwrap().path())
        .collect();
    entries.sort();
    for path in entries {
        if path.is_dir() {
            marc_files(&path, files);
        } else if path.extension().is_some_and(|extension| {
            ["mrc", "marc", "xml", "marcxml", "dat", "clean", "bin", "utf8", "mrc8"]
                .iter()
                .any(|known| extension.eq_ignore_ascii_case(known))
        }) {
            files.push(path);
        }
    }
}

#[test]
fn every_readable_record_of_the_corpus_is_described_and_survives_json() {
    let mut files = Vec::new();
    marc_files(&data_dir().join("marc"), &mut files);
    let mut described = 0;
    for path in &files {
        let Ok(reader) = RecordReader::open(path) else {
            continue;
        };
        for outcome in reader {
            let Ok(record) = outcome.record else {
                continue;
            };
            let description = describe(&record);
            let json = serde_json::to_string(&description).unwrap();
            let read_back: Description = serde_json::from_str(&json).unwrap();
            assert_eq!(read_back, description, "{} record {}", path.display(), outcome.position);
            described += 1;
        }
    }
    println!("{described} records in {} files described", files.len());
    assert!(described > 15_000, "only {described} records described");
}

// --- speed -----------------------------------------------------------------------------

/// Prints the time `describe` takes per record on the 10,000 LoC records. Run in release
/// for the figure that matters:
/// `cargo test --release -p athenaeum-marc --test describe_real_data -- --nocapture describe_speed`.
#[test]
fn describe_speed_on_the_loc_sample() {
    let records = records(&marc(LOC_10000));
    // The fastest of three passes: the first also pays for warming caches and the
    // allocator.
    let mut fastest = Duration::MAX;
    let mut work_keys = 0;
    for _ in 0..3 {
        let started = Instant::now();
        work_keys = records.iter().filter(|record| describe(record).work_key.is_some()).count();
        fastest = fastest.min(started.elapsed());
    }
    let per_record = fastest / records.len() as u32;
    println!(
        "describe: {} records in {fastest:?}, {per_record:?} per record, {:.0} records/s",
        records.len(),
        records.len() as f64 / fastest.as_secs_f64()
    );
    assert_eq!(work_keys, records.len());
    // Generous enough for an unoptimised build; the release figure is far lower.
    assert!(per_record.as_micros() < 1_000, "{per_record:?} per record");
}
