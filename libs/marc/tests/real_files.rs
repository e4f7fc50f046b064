//! The readers on real libraries' files: as many records as pymarc finds, every one
//! readable, and what a cataloguer would check by eye in a few of them.

mod corpus;

use std::path::PathBuf;

use athenaeum_marc::{Format, Normalization, RecordReader};
use corpus::{
    data_file, errors, files_in, marc_data, pymarc_counts, read_all, read_records, subfield,
};

/// The folders of well-formed files, and the one file among them that is not well-formed
/// XML (tested on its own below).
fn well_formed_files() -> Vec<PathBuf> {
    let data = marc_data();
    let mut files = Vec::new();
    for folder in
        ["loc-books-2016", "evergreen", "koha", "folio", "loc-marcxml-idzebra", "rust-marc"]
    {
        files.extend(files_in(&data.join(folder), &["mrc", "marc", "xml", "marcxml"]));
    }
    files.retain(|path| !path.ends_with("koha/koha_sample_bibs.marcxml"));
    assert!(files.len() >= 40, "expected the whole corpus, found {files:?}");
    files
}

#[test]
fn every_well_formed_file_yields_as_many_records_as_pymarc_finds_and_all_are_read() {
    let files = well_formed_files();
    let counts = pymarc_counts(&files);
    let mut mismatches = Vec::new();
    for (path, count) in files.iter().zip(counts) {
        let outcomes = read_all(path);
        // pymarc reads records this reader repairs (leader/22 in oss.marc) as unreadable,
        // but it still meets them: both count the same records.
        if outcomes.len() != count.records + count.unreadable {
            mismatches.push(format!(
                "{}: {} records here, pymarc {count:?}",
                path.display(),
                outcomes.len()
            ));
        }
        let failed = errors(&outcomes);
        if !failed.is_empty() {
            mismatches.push(format!("{}: errors {failed:?}", path.display()));
        }
    }
    assert!(mismatches.is_empty(), "{mismatches:#?}");
}

#[test]
fn the_library_of_congress_file_reads_ten_thousand_records_with_their_titles() {
    // Titles checked by hand (and against pymarc) for the first and last record.
    let records = read_records(&data_file("loc-books-2016/BooksAll.2016.part01.first10000.mrc"));
    assert_eq!(records.len(), 10_000);
    assert_eq!(records[0].control_number(), Some("00000002"));
    assert_eq!(
        subfield(&records[0], "245", 'a'),
        Some("Botanical materia medica and pharmacology;")
    );
    assert_eq!(subfield(&records[0], "100", 'a'), Some("Aurand, Samuel Herbert,"));
    assert_eq!(records[9_999].control_number(), Some("00023608"));
    assert_eq!(subfield(&records[9_999], "245", 'a'), Some("Making social science matter :"));
    assert!(records.iter().all(|record| record.leader_at(9) == 'a'));
}

#[test]
fn a_utf8_file_whose_leaders_claim_marc8_is_read_as_utf8_with_a_warning() {
    let outcomes = read_all(&data_file("evergreen/FSL.marc"));
    let first = &outcomes[0];
    let record = first.record.as_ref().expect("the first record reads");
    assert_eq!(record.control_number(), Some("000538819"));
    assert_eq!(subfield(record, "245", 'a'), Some("Люди с чистой совестью :"));
    assert_eq!(subfield(record, "100", 'a'), Some("Вершигора, Петр Петрович"));
    assert!(
        first
            .warnings
            .iter()
            .any(|warning| warning.contains("says MARC-8") && warning.contains("read as UTF-8")),
        "{:?}",
        first.warnings
    );
    assert_eq!(record.leader_at(9), 'a');
}

#[test]
fn authority_records_missing_the_zero_at_leader_22_are_repaired_and_kept() {
    let outcomes = read_all(&data_file("evergreen/auth-1066.mrc"));
    assert_eq!(outcomes.len(), 1066);
    for outcome in &outcomes {
        let record = outcome.record.as_ref().expect("every authority record reads");
        assert_eq!(&record.leader[20..24], "4500");
        assert!(
            outcome.warnings.iter().any(|warning| warning.contains("leader position 22")),
            "record {}: {:?}",
            outcome.position,
            outcome.warnings
        );
    }
    let first = outcomes[0].record.as_ref().expect("read");
    assert_eq!(first.control_number(), Some("IISGa10610156"));
}

#[test]
fn cyrillic_titles_in_a_small_utf8_file_come_out_intact() {
    let records = read_records(&data_file("rust-marc/3records.mrc"));
    assert_eq!(records.len(), 3);
    assert_eq!(records[2].control_number(), Some("000000009"));
    assert_eq!(subfield(&records[2], "100", 'a'), Some("Авдовский, Александр Александрович"));
}

#[test]
fn marc8_records_are_decoded_to_unicode_as_the_mappings_give_it_decomposed() {
    // The French pre-1923 set is MARC-8 (leader/09 blank), its diacritics combining bytes
    // before the letter; once read, every value is Unicode with each mark after its
    // letter (NFD, as the Library of Congress's mappings give it), never composed.
    let outcomes = read_all(&data_file("evergreen/lul_fre_100.mrc"));
    assert_eq!(outcomes.len(), 100);
    let mut accented = 0;
    for outcome in &outcomes {
        let record = outcome.record.as_ref().expect("every record reads");
        let mut all_ascii = true;
        for field in record.all_data_fields() {
            for subfield in &field.subfields {
                assert!(unicode_normalization::is_nfd(&subfield.value), "{:?}", subfield.value);
                all_ascii &= subfield.value.is_ascii();
                let composed = Normalization::Nfc.text(&subfield.value);
                accented += usize::from(composed.contains(['é', 'è', 'à', 'ç']));
            }
        }
        // Unicode once converted; a record all in ASCII is MARC-8 as it stands and keeps
        // its blank.
        assert_eq!(record.leader_at(9), if all_ascii { ' ' } else { 'a' });
    }
    assert!(accented > 0, "French records with no accented letter: MARC-8 was not decoded");
}

#[test]
fn marc8_files_read_exactly_as_the_independent_converter_wrote_them_in_utf8() {
    // yaz's UTF-8 MARCXML of the same files: every field, indicator and value the same
    // code points (the leader differs only where a converter writes its own lengths and
    // leader/09).
    for (original, reference) in [
        ("evergreen/lul_fre_500.mrc", "evergreen_lul_fre_500.mrc"),
        ("evergreen/jazz_1k.mrc", "evergreen_jazz_1k.mrc"),
        ("evergreen/hebrew.marc", "evergreen_hebrew.marc"),
        ("marc4j/brkrtest.mrc", "marc4j_brkrtest.mrc"),
        ("marc4j/cyrillic_capital_e.mrc", "marc4j_cyrillic_capital_e.mrc"),
        ("marc4j/selectedRecs.mrc", "marc4j_selectedRecs.mrc"),
    ] {
        let ours = read_records(&data_file(original));
        let theirs = read_records(&data_file(&format!(
            "reference-conversions/{reference}.yaz-utf8.marcxml"
        )));
        assert_eq!(ours.len(), theirs.len(), "{original}");
        for (index, (our, their)) in ours.iter().zip(&theirs).enumerate() {
            assert_eq!(our.fields, their.fields, "{original} record {}", index + 1);
            assert_eq!(our.leader[5..9], their.leader[5..9], "{original} record {}", index + 1);
            assert_eq!(our.leader[17..], their.leader[17..], "{original} record {}", index + 1);
        }
    }
}

#[test]
fn marcxml_with_a_prefix_bare_records_or_a_namespace_reads_the_same_fields() {
    // Prefixed: <marc:collection>/<marc:record>.
    let opera = read_records(&data_file("loc-marcxml-idzebra/collection-opera-43.xml"));
    assert_eq!(opera.len(), 43);
    assert_eq!(opera[0].control_number(), Some("4055693"));
    assert_eq!(subfield(&opera[0], "245", 'a'), Some("10 operatic masterpieces;"));
    // Bare <record> elements one after another, no collection, no namespace.
    let serials = read_all(&data_file("evergreen/serials_marc21.xml"));
    assert_eq!(serials.len(), 7);
    let first = serials[0].record.as_ref().expect("read");
    assert_eq!(first.control_number(), Some("21061"));
    assert_eq!(subfield(first, "022", 'a'), Some("0009-7330"));
    // Default namespace on <collection>.
    let koha = read_records(&data_file("koha/koha_sample_bibs.clean.marcxml"));
    assert_eq!(subfield(&koha[0], "245", 'a'), Some("E Street shuffle :"));
    assert_eq!(koha[0].control_number(), Some("17446121"));
}

#[test]
fn the_koha_file_that_is_not_well_formed_reports_its_one_bad_record_and_reads_the_rest() {
    // koha_sample_bibs.marcxml holds raw control characters (U+001F) in one record; the
    // .clean twin is the same file without that record, and pymarc reads the twin.
    let outcomes = read_all(&data_file("koha/koha_sample_bibs.marcxml"));
    let clean = pymarc_counts(&[data_file("koha/koha_sample_bibs.clean.marcxml")])[0];
    let failed = errors(&outcomes);
    assert_eq!(failed.len(), 1, "{failed:?}");
    let (position, message) = &failed[0];
    assert!(message.contains("not well-formed XML") && message.contains("U+001F"), "{message}");
    assert!(message.contains("byte offset"), "{message}");
    assert_eq!(outcomes.len(), clean.records + 1);
    // Records after the bad one are read: the file does not stop there.
    assert!(*position < outcomes.len() as u64);
    let after = &outcomes[*position as usize];
    assert!(after.record.is_ok());
    // The good records are exactly those of the clean twin.
    let kept: Vec<_> = outcomes.into_iter().filter_map(|outcome| outcome.record.ok()).collect();
    assert_eq!(kept, read_records(&data_file("koha/koha_sample_bibs.clean.marcxml")));
}

#[test]
fn folio_exemplars_read_with_their_titles() {
    let records = read_records(&data_file("folio/CornellFOLIOExemplars_Bibs.mrc"));
    assert_eq!(records[0].control_number(), Some("366832"));
    assert_eq!(subfield(&records[0], "245", 'a'), Some("The Journal of ecclesiastical history."));
}

#[test]
fn the_reader_reports_the_format_and_reaches_the_end_of_the_file_in_bytes_read() {
    let path = data_file("evergreen/concerto_bibs.marcxml");
    let mut reader = RecordReader::open(&path).expect("open");
    assert_eq!(reader.format(), Some(Format::MarcXml));
    assert!(reader.by_ref().count() > 0);
    // Everything after the last </record> is only the collection's end tag.
    let size = std::fs::metadata(&path).expect("metadata").len();
    assert!(size - reader.bytes_read() < 32, "{} of {size}", reader.bytes_read());

    let path = data_file("loc-books-2016/BooksAll.2016.part01.first1000.mrc");
    let mut reader = RecordReader::open(&path).expect("open");
    assert_eq!(reader.format(), Some(Format::Iso2709));
    let mut last = 0;
    for outcome in reader.by_ref() {
        assert!(outcome.byte_offset >= last);
        last = outcome.byte_offset;
    }
    assert_eq!(reader.bytes_read(), std::fs::metadata(&path).expect("metadata").len());
}
