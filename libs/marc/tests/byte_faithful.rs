//! A record read and written again, unedited, is the record that came in: byte for byte
//! from ISO 2709 in UTF-8 (or ASCII), and in the same Unicode form through MARCXML.
//! Decomposed text (as the Library of Congress distributes it) stays decomposed, composed
//! text stays composed; only an export that asks for NFC or NFD changes either.

mod corpus;

use std::path::Path;

use athenaeum_marc::{Normalization, Record, iso2709, xml};
use corpus::{data_file, files_in, marc_data};

/// The raw records of an ISO 2709 file: its bytes split after each record terminator.
fn raw_records(path: &Path) -> Vec<Vec<u8>> {
    let bytes = std::fs::read(path)
        .unwrap_or_else(|error| panic!("cannot read {}: {error}", path.display()));
    bytes.split_inclusive(|&byte| byte == 0x1D).map(<[u8]>::to_vec).collect()
}

/// Returns true when `raw` is a record the writer should give back unchanged: UTF-8 (or
/// ASCII without MARC-8's escapes) text and a leader that says so, read without a repair or a dropped character.
fn is_faithful_candidate(raw: &[u8], warnings: &[String]) -> bool {
    let says_unicode = raw.get(9) == Some(&b'a')
        || (raw.get(9) == Some(&b' ') && raw.iter().all(|&byte| byte.is_ascii() && byte != 0x1B));
    says_unicode && warnings.is_empty() && std::str::from_utf8(raw).is_ok()
}

#[test]
fn unedited_utf8_records_come_back_byte_for_byte_from_iso2709() {
    let mut files = files_in(&marc_data(), &["mrc", "marc", "dat"]);
    files.retain(|path| !path.components().any(|part| part.as_os_str() == "reference-conversions"));
    let mut compared = 0;
    let mut decomposed = 0;
    let mut differing = Vec::new();
    for path in &files {
        let raws = raw_records(path);
        let mut in_file = 0;
        let mut identical = 0;
        for (index, raw) in raws.iter().enumerate() {
            let Ok((record, warnings)) = iso2709::read_record(raw) else { continue };
            if !is_faithful_candidate(raw, &warnings) {
                continue;
            }
            compared += 1;
            in_file += 1;
            decomposed += usize::from(is_decomposed_beyond_ascii(&record));
            let mut written = Vec::new();
            iso2709::write_record(&record, &mut written)
                .unwrap_or_else(|error| panic!("{} record {}: {error}", path.display(), index + 1));
            if &written == raw {
                identical += 1;
            } else {
                differing.push(format!("{} record {}", path.display(), index + 1));
            }
        }
        if in_file > 0 {
            let name = path.strip_prefix(marc_data()).unwrap_or(path);
            println!(
                "{:<60} {identical:>6} of {in_file:>6} well-formed UTF-8 records byte for byte \
                 ({} records in the file)",
                name.display(),
                raws.len()
            );
        }
    }
    println!(
        "{compared} well-formed UTF-8 records in {} files, {decomposed} of them in decomposed \
         Unicode; {} came back different",
        files.len(),
        differing.len()
    );
    // The Library of Congress's 10,000 alone are well-formed UTF-8.
    assert!(compared > 10_000, "only {compared} records compared: the corpus is missing");
    assert!(decomposed > 500, "only {decomposed} decomposed records: NFD is not being tested");
    assert!(differing.is_empty(), "records changed by a read and a write: {differing:#?}");
}

/// Returns true when some value of `record` is beyond ASCII and in NFD, not NFC.
fn is_decomposed_beyond_ascii(record: &Record) -> bool {
    record.all_data_fields().flat_map(|field| &field.subfields).any(|subfield| {
        !subfield.value.is_ascii()
            && Normalization::Nfc.text(&subfield.value) != subfield.value.as_str()
    })
}

#[test]
fn marcxml_keeps_the_unicode_form_each_value_came_in() {
    let path = data_file("loc-books-2016/BooksAll.2016.part01.first1000.mrc");
    let mut decomposed = 0;
    for raw in raw_records(&path) {
        let (record, _) =
            iso2709::read_record(&raw).expect("the Library of Congress's records read");
        decomposed += usize::from(is_decomposed_beyond_ascii(&record));
        let element = xml::to_string(&record).expect("every record writes as MARCXML");
        let (again, _) = xml::read_record(&element).expect("what was written reads");
        assert_eq!(again.fields, record.fields, "{}", record.control_number().unwrap_or("?"));
        // Written twice, the same bytes.
        assert_eq!(xml::to_string(&again).expect("writes again"), element);
    }
    assert!(decomposed > 50, "only {decomposed} decomposed records in the file");
}

#[test]
fn an_export_in_nfc_or_nfd_changes_only_the_form_of_the_text() {
    let path = data_file("loc-books-2016/BooksAll.2016.part01.first1000.mrc");
    let mut changed = 0;
    for raw in raw_records(&path) {
        let (record, _) =
            iso2709::read_record(&raw).expect("the Library of Congress's records read");
        let composed = Normalization::Nfc.record(&record);
        let decomposed = Normalization::Nfd.record(&composed);
        changed += usize::from(composed.as_ref() != &record);
        // Decomposing the composed record gives the record's own text back: the records
        // came decomposed (in canonical order).
        assert_eq!(decomposed.as_ref(), &record, "{}", record.control_number().unwrap_or("?"));
        let mut bytes = Vec::new();
        iso2709::write_record(&composed, &mut bytes).expect("writes");
        let (again, _) = iso2709::read_record(&bytes).expect("reads");
        assert_eq!(again.fields, composed.fields);
    }
    assert!(changed > 50, "only {changed} records had text to compose");
}
