//! The readers on files other systems' test suites keep because they are broken: every
//! file is read to its end without a panic, and for the known-bad ones the errors a
//! person would notice are reported where they are, and the good records are kept.

mod corpus;

use std::path::PathBuf;

use athenaeum_marc::{Normalization, Record, RecordReader, iso2709};
use corpus::{data_file, errors, files_in, marc_data, read_all, read_records, subfield};

/// Every file of the malformed corpora, whatever its extension (JSON and MARCMaker files
/// included: the reader must say it cannot read them, not fail).
fn malformed_corpus() -> Vec<PathBuf> {
    let data = marc_data();
    let mut files = files_in(&data.join("marc4j"), &["mrc", "xml", "json", "mrk", "mrk8"]);
    files.extend(files_in(&data.join("pymarc"), &["mrc", "dat", "xml", "json", "txt"]));
    files.extend(files_in(&data.join("openlibrary"), &["mrc", "xml"]));
    files.push(data_file("folio/test1_err.mrc"));
    assert!(files.len() > 150, "expected the whole corpus, found {}", files.len());
    files
}

#[test]
fn every_malformed_file_is_read_to_its_end_with_positions_in_order() {
    for path in malformed_corpus() {
        let size = std::fs::metadata(&path).expect("metadata").len();
        let mut reader = RecordReader::open(&path).expect("open");
        let mut expected_position = 1;
        let mut last_offset = 0;
        for outcome in reader.by_ref() {
            assert_eq!(outcome.position, expected_position, "{}", path.display());
            assert!(outcome.byte_offset >= last_offset, "{}", path.display());
            assert!(outcome.byte_offset <= size, "{}", path.display());
            if let Err(error) = &outcome.record {
                assert!(!error.message.is_empty(), "{}", path.display());
            }
            expected_position += 1;
            last_offset = outcome.byte_offset;
        }
        assert!(expected_position > 1, "{}: no outcome at all", path.display());
        if reader.format().is_some() {
            assert!(reader.bytes_read() <= size, "{}", path.display());
        }
    }
}

#[test]
fn files_in_neither_format_yield_one_error_that_says_so() {
    let outcomes = read_all(&data_file("marc4j/summerland-marc-in-json.json"));
    assert_eq!(outcomes.len(), 1);
    let message = &outcomes[0].record.as_ref().unwrap_err().message;
    assert!(message.contains("JSON"), "{message}");

    let outcomes = read_all(&data_file("marc4j/brkrtest.mrk"));
    assert_eq!(outcomes.len(), 1);
    let message = &outcomes[0].record.as_ref().unwrap_err().message;
    assert!(message.contains("neither ISO 2709") && message.contains("=LDR"), "{message}");
}

/// Returns the 1-based positions of the records (cut at each record terminator) whose
/// directory is not a whole number of 12-byte entries.
fn records_with_a_broken_directory(bytes: &[u8]) -> Vec<u64> {
    let mut positions = Vec::new();
    for (index, record) in bytes.split(|byte| *byte == 0x1D).enumerate() {
        if let Some(end) = record.iter().skip(24).position(|byte| *byte == 0x1E)
            && end % 12 != 0
        {
            positions.push(index as u64 + 1);
        }
    }
    positions
}

#[test]
fn pride_and_prejudice_with_many_errors_reports_its_broken_records_and_keeps_the_rest() {
    let path = data_file("marc4j/pride-and-prejudice-with-many-errors.mrc");
    let outcomes = read_all(&path);
    assert_eq!(outcomes.len(), 383);
    let failed = errors(&outcomes);

    // The 16 broken records lost a byte from their directory (its length is no multiple
    // of 12, which the bytes show), so the tags after it cannot be known: each is
    // reported, naming the directory.
    let broken = records_with_a_broken_directory(&std::fs::read(&path).expect("read"));
    assert_eq!(broken.len(), 16);
    for position in &broken {
        let (_, message) = failed
            .iter()
            .find(|(failed_at, _)| failed_at == position)
            .unwrap_or_else(|| panic!("record {position} was not reported: {failed:?}"));
        assert!(message.contains("directory") && message.contains("byte offset"), "{message}");
    }
    // One more is garbled text: a Latin-1 byte (Ø) in a record that says UTF-8, which
    // the fixed twin replaces too.
    assert_eq!(failed.len(), 17, "{failed:#?}");
    let garbled = outcomes[373].record.as_ref().unwrap_err();
    assert!(garbled.message.contains("field 852 is not valid UTF-8"), "{}", garbled.message);
    assert_eq!(garbled.control_number.as_deref(), Some("042024412"));

    // Every other record is kept, in its place: its control number is its fixed twin's.
    let fixed = read_records(&data_file("marc4j/pride-and-prejudice-fixed.mrc"));
    assert_eq!(fixed.len(), 383);
    for (outcome, twin) in outcomes.iter().zip(&fixed) {
        if let Ok(record) = &outcome.record {
            assert_eq!(record.control_number(), twin.control_number(), "{}", outcome.position);
            let has_title = |record: &Record| record.data_field("245").is_some();
            assert_eq!(has_title(record), has_title(twin), "{}", outcome.position);
        }
    }
    let first = outcomes[0].record.as_ref().expect("read");
    assert_eq!(subfield(first, "245", 'a'), Some("Complete novels of Jane Austen"));
}

#[test]
fn leaders_with_blank_positions_10_and_11_are_repaired() {
    let outcomes = read_all(&data_file("marc4j/bad_leaders_10_11.mrc"));
    assert_eq!(outcomes.len(), 1);
    let record = outcomes[0].record.as_ref().expect("read");
    assert_eq!(&record.leader[10..12], "22");
    assert_eq!(record.control_number(), Some("2600772"));
    assert_eq!(subfield(record, "245", 'a'), Some("Sammlung :"));
    for position in ["position 10", "position 11"] {
        assert!(
            outcomes[0].warnings.iter().any(|warning| warning.contains(position)),
            "{:?}",
            outcomes[0].warnings
        );
    }
}

#[test]
fn a_field_longer_than_iso2709_allows_is_read_whole_and_refused_by_the_writer() {
    // Record 2 of bad_oversize_field_bad_directory.mrc has a 520 of 11,242 bytes: its
    // directory entry was written with a five-digit length, one byte too many.
    let outcomes = read_all(&data_file("marc4j/bad_oversize_field_bad_directory.mrc"));
    assert_eq!(outcomes.len(), 5);
    assert!(errors(&outcomes).is_empty());
    let second = &outcomes[1];
    assert!(
        second.warnings.iter().any(|warning| warning.contains("not a multiple of 12")),
        "{:?}",
        second.warnings
    );
    let record = second.record.as_ref().expect("read");
    let summary = subfield(record, "520", 'a').expect("520");
    assert!(summary.len() > 9_999, "{}", summary.len());
    let last_tag = record.fields.last().map(|field| field.tag().to_string());
    assert_eq!(last_tag.as_deref(), Some("935"), "the entry after the long one is read right");
    let error = iso2709::write_record(record, &mut Vec::new()).unwrap_err();
    assert!(error.message.contains("field 520") && error.message.contains("9,999"), "{error}");
}

#[test]
fn a_record_longer_than_its_leader_says_is_resynchronised_on_its_terminator() {
    // The first record of bad_too_long_plus_2.mrc is 123,375 bytes; its leader says
    // 23375 (the length lost its first digit). The two records after it are intact.
    let outcomes = read_all(&data_file("marc4j/bad_too_long_plus_2.mrc"));
    assert_eq!(outcomes.len(), 3);
    assert!(errors(&outcomes).is_empty());
    assert!(
        outcomes[0].warnings[0].contains("23375") && outcomes[0].warnings[0].contains("123375"),
        "{:?}",
        outcomes[0].warnings
    );
    assert_eq!(outcomes[1].byte_offset, 123_375);
    let second = outcomes[1].record.as_ref().expect("read");
    assert!(second.data_field("245").is_some());
    let first = outcomes[0].record.as_ref().expect("read");
    let error = iso2709::write_record(first, &mut Vec::new()).unwrap_err();
    assert!(error.message.contains("99,999"), "{error}");
}

#[test]
fn pymarcs_bad_records_are_repaired_where_the_bytes_allow_and_reported_where_not() {
    // Nine copies of one 127-byte record, each damaged differently (read by hand):
    //  1 intact; 2 base address 99937; 3 base address 00000; 4 a directory of 13 bytes;
    //  5 a directory entry holding "ù" where its length should be; 6 base address
    //  "f0037"; 7 a record with no fields; 8 intact; 9 cut short by the end of the file.
    let outcomes = read_all(&data_file("pymarc/bad_records.mrc"));
    assert_eq!(outcomes.len(), 9);
    let failed = errors(&outcomes);
    assert_eq!(failed.iter().map(|(position, _)| *position).collect::<Vec<_>>(), [5, 9]);
    assert!(failed[0].1.contains("directory entry for field 245"), "{}", failed[0].1);
    assert!(failed[1].1.contains("ends inside a record"), "{}", failed[1].1);
    for position in [2, 3, 6] {
        let warnings = &outcomes[position - 1].warnings;
        assert!(warnings.iter().any(|warning| warning.contains("base address")), "{warnings:?}");
    }
    let title = "The pragmatic programmer : ";
    for position in [1, 2, 3, 4, 6, 8] {
        let record = outcomes[position - 1].record.as_ref().expect("read");
        assert_eq!(subfield(record, "245", 'a'), Some(title), "record {position}");
    }
    assert!(outcomes[6].record.as_ref().expect("read").fields.is_empty());
}

#[test]
fn a_subfield_code_lost_to_a_replacement_character_is_kept_with_a_warning() {
    // utf8_invalid.mrc is valid UTF-8, but one subfield code of its 260 is U+FFFD.
    let outcomes = read_all(&data_file("pymarc/utf8_invalid.mrc"));
    assert_eq!(outcomes.len(), 1);
    assert!(
        outcomes[0]
            .warnings
            .iter()
            .any(|warning| warning.contains("field 260") && warning.contains("U+FFFD")),
        "{:?}",
        outcomes[0].warnings
    );
}

#[test]
fn invalid_utf8_in_a_record_that_says_utf8_is_a_record_error_naming_the_field() {
    // Each of the three records holds a raw byte (0xB9) as a subfield code, after text
    // in valid UTF-8.
    let outcomes = read_all(&data_file("marc4j/not_unimarc_errors_3.mrc"));
    assert_eq!(outcomes.len(), 3);
    let first = outcomes[0].record.as_ref().unwrap_err();
    assert!(first.message.contains("field 776 is not valid UTF-8 at byte offset 1091"), "{first}");
    assert_eq!(first.control_number.as_deref(), Some("u5183203"));
}

#[test]
fn folio_test1_err_has_no_structural_error_and_all_fifty_records_are_read() {
    // The errors FOLIO's tests find in this file are in what the fields mean (e.g. empty
    // 945 subfields in record 2), not in the record structure: pymarc reads all 50 too.
    let outcomes = read_all(&data_file("folio/test1_err.mrc"));
    assert_eq!(outcomes.len(), 50);
    assert!(errors(&outcomes).is_empty());
    let second = outcomes[1].record.as_ref().expect("read");
    assert_eq!(second.control_number(), Some("1028287"));
    assert_eq!(subfield(second, "245", 'a'), Some("American reference books annual."));
}

#[test]
fn marcxml_elements_missing_their_tag_or_code_make_their_record_an_error() {
    for (file, element) in [
        ("marc4j/chabon-missing-controlfield-tag.xml", "a <controlfield> element"),
        ("marc4j/chabon-missing-datafield-tag.xml", "a <datafield> element"),
        ("marc4j/chabon-missing-subfield-code.xml", "a <subfield> element in field 020"),
    ] {
        let outcomes = read_all(&data_file(file));
        assert_eq!(outcomes.len(), 1, "{file}");
        let error = outcomes[0].record.as_ref().unwrap_err();
        assert!(error.message.starts_with(element), "{file}: {error}");
        assert!(error.message.contains("byte offset"), "{file}: {error}");
        assert_eq!(error.control_number.as_deref(), Some("11939876"), "{file}");
    }
}

#[test]
fn an_unknown_element_inside_a_field_is_skipped_with_a_warning() {
    // chabon-bad-subfields-element.xml spells one <subfield> as <subfields>.
    let outcomes = read_all(&data_file("marc4j/chabon-bad-subfields-element.xml"));
    assert_eq!(outcomes.len(), 1);
    assert!(
        outcomes[0].warnings.iter().any(|warning| warning.contains("<subfields> in field 020")),
        "{:?}",
        outcomes[0].warnings
    );
}

#[test]
fn one_of_the_42_oss_records_has_a_stray_byte_at_leader_22_which_is_repaired() {
    // pymarc cannot read record 28 (byte 0x92 at leader/22); position 22 is always 0 in
    // MARC 21, so it is set and the record kept, with a warning.
    let outcomes = read_all(&data_file("evergreen/oss.marc"));
    assert_eq!(outcomes.len(), 42);
    assert!(errors(&outcomes).is_empty());
    let stray = &outcomes[27];
    assert!(
        stray
            .warnings
            .iter()
            .any(|warning| warning.contains("position 22") && warning.contains("0x92")),
        "{:?}",
        stray.warnings
    );
    assert_eq!(&stray.record.as_ref().expect("read").leader[20..24], "4500");
}

#[test]
fn a_directory_whose_lengths_omit_the_terminator_is_read_from_the_terminators() {
    // upei_short_008.mrc: every directory length is one short; Open Library expects the
    // title "Charlottetown area profile".
    let outcomes = read_all(&data_file("openlibrary/bin_input/upei_short_008.mrc"));
    let record = outcomes[0].record.as_ref().expect("read");
    assert_eq!(subfield(record, "245", 'a'), Some("Charlottetown area profile."));
    assert_eq!(subfield(record, "260", 'b'), Some("Capital Commission of Prince Edward Island,"));
}

/// Returns the letters and digits of `text`, composed (NFC: records keep the decomposed
/// text they came with, Open Library's expectations are composed) and lowercased.
fn letters(text: &str) -> String {
    Normalization::Nfc
        .text(text)
        .chars()
        .filter(|c| c.is_alphanumeric())
        .flat_map(char::to_lowercase)
        .collect()
}

/// Returns the letters of every title-like subfield of `record`.
fn title_letters(record: &Record) -> String {
    record
        .all_data_fields()
        .filter(|field| ["245", "880", "740", "246", "240", "130"].contains(&field.tag.as_str()))
        .map(|field| letters(&field.joined("abnp")))
        .collect()
}

#[test]
fn open_library_records_carry_the_titles_its_parser_expects() {
    let data = marc_data().join("openlibrary");
    let mut checked = 0;
    for (inputs, expectations, suffix) in
        [("bin_input", "bin_expect", ".mrc"), ("xml_input", "xml_expect", "_marc.xml")]
    {
        for input in files_in(&data.join(inputs), &["mrc", "xml"]) {
            let name = input.file_name().and_then(|name| name.to_str()).expect("name");
            let expected = data
                .join(expectations)
                .join(format!("{}.json", name.strip_suffix(suffix).unwrap_or(name)));
            let Ok(expected) = std::fs::read_to_string(&expected) else {
                continue;
            };
            let expected: serde_json::Value = serde_json::from_str(&expected).expect("json");
            let Some(title) = expected["title"].as_str() else {
                continue;
            };
            let outcomes = read_all(&input);
            let record = outcomes[0]
                .record
                .as_ref()
                .unwrap_or_else(|error| panic!("{}: {error}", input.display()));
            assert!(
                title_letters(record).contains(&letters(title)),
                "{}: title {title:?} not in {:?}",
                input.display(),
                record.data_field("245")
            );
            checked += 1;
        }
    }
    assert!(checked > 50, "only {checked} Open Library records checked");
}
