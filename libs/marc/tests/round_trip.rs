//! Every record read from the real files survives being written and read again, as ISO
//! 2709, as MARCXML and as MARC-in-JSON; and what the writers produce for a whole file is
//! read by pymarc, an independent reader, record for record.

mod corpus;

use std::io::{BufWriter, Write};
use std::path::PathBuf;

use athenaeum_marc::{Record, RecordReader, iso2709, json, xml};
use corpus::{as_iso2709_gives_back, data_file, files_in, marc_data, pymarc_counts, read_records};

/// Every ISO 2709 and MARCXML file of the test data, well-formed or not.
fn every_record_file() -> Vec<PathBuf> {
    let mut files = files_in(&marc_data(), &["mrc", "marc", "dat", "xml", "marcxml"]);
    // The reference conversions are another program's output of the same records.
    files.retain(|path| !path.components().any(|part| part.as_os_str() == "reference-conversions"));
    assert!(files.len() > 150, "expected the whole corpus, found {}", files.len());
    files
}

/// Returns the records of `path` that were read (errors are other tests' business).
fn records_read(path: &PathBuf) -> Vec<Record> {
    RecordReader::open(path)
        .unwrap_or_else(|error| panic!("cannot open {}: {error}", path.display()))
        .filter_map(|outcome| outcome.record.ok())
        .collect()
}

#[test]
fn every_record_read_survives_iso2709_unless_too_long_for_it() {
    let mut checked = 0;
    let mut refused = Vec::new();
    for path in every_record_file() {
        for (index, record) in records_read(&path).iter().enumerate() {
            let mut bytes = Vec::new();
            if let Err(error) = iso2709::write_record(record, &mut bytes) {
                // Only length can stop a record this reader produced.
                assert!(
                    error.message.contains("99,999") || error.message.contains("9,999"),
                    "{} record {}: {error}",
                    path.display(),
                    index + 1
                );
                refused.push(format!("{} record {}", path.display(), index + 1));
                continue;
            }
            let (again, warnings) = iso2709::read_record(&bytes)
                .unwrap_or_else(|error| panic!("{} record {}: {error}", path.display(), index + 1));
            assert_eq!(
                as_iso2709_gives_back(&again),
                as_iso2709_gives_back(record),
                "{} record {}",
                path.display(),
                index + 1
            );
            // Nothing needs repairing in what the writer wrote: the only warnings left are
            // those about the values themselves (a replacement character, a subfield code
            // that is not ASCII).
            assert!(
                warnings.iter().all(|warning| warning.contains("U+FFFD")
                    || warning.contains("not an ASCII character")),
                "{} record {}: {warnings:?}",
                path.display(),
                index + 1
            );
            checked += 1;
        }
    }
    assert!(checked > 18_000, "only {checked} records checked");
    // The four records over ISO 2709's limits (datos, HathiTrust, too_long_plus_2, the
    // 11,242-byte 520) and no other.
    assert_eq!(refused.len(), 4, "{refused:#?}");
}

#[test]
fn every_record_read_survives_marcxml() {
    let mut checked = 0;
    for path in every_record_file() {
        for (index, record) in records_read(&path).iter().enumerate() {
            let text = xml::to_string(record)
                .unwrap_or_else(|error| panic!("{} record {}: {error}", path.display(), index + 1));
            let (again, _) = xml::read_record(&text)
                .unwrap_or_else(|error| panic!("{} record {}: {error}", path.display(), index + 1));
            assert_eq!(&again, record, "{} record {}", path.display(), index + 1);
            checked += 1;
        }
    }
    assert!(checked > 18_000, "only {checked} records checked");
}

#[test]
fn every_record_read_survives_marc_in_json_exactly() {
    let mut checked = 0;
    for path in every_record_file() {
        for (index, record) in records_read(&path).iter().enumerate() {
            let text = json::to_string(record);
            let again = json::from_str(&text)
                .unwrap_or_else(|error| panic!("{} record {}: {error}", path.display(), index + 1));
            assert_eq!(&again, record, "{} record {}", path.display(), index + 1);
            checked += 1;
        }
    }
    assert!(checked > 18_000, "only {checked} records checked");
}

#[test]
fn marc_in_json_from_other_systems_is_read() {
    // marc4j's MARC-in-JSON of Summerland, and the same record as MARCXML.
    let text =
        std::fs::read_to_string(data_file("marc4j/summerland-marc-in-json.json")).expect("read");
    let record = json::from_str(&text).expect("summerland reads");
    let from_xml = read_records(&data_file("marc4j/summerland.xml"));
    assert_eq!(record.fields, from_xml[0].fields);
    // pymarc's one.json: one record in MARC-in-JSON.
    let text = std::fs::read_to_string(data_file("pymarc/one.json")).expect("read");
    let value: serde_json::Value = serde_json::from_str(&text).expect("json");
    let first = if value.is_array() { value[0].to_string() } else { value.to_string() };
    let record = json::from_str(&first).expect("one.json reads");
    assert!(record.data_field("245").is_some());
}

#[test]
fn whole_files_written_as_iso2709_and_marcxml_are_read_record_for_record_by_pymarc() {
    let sources = [
        "loc-books-2016/BooksAll.2016.part01.first1000.mrc",
        "evergreen/jazz_1k.mrc",
        "evergreen/hebrew.marc",
        "koha/koha_sample_bibs.clean.marcxml",
        "marc4j/pride-and-prejudice-with-many-errors.mrc",
    ];
    let folder = tempfile::tempdir().expect("temporary folder");
    let mut written = Vec::new();
    let mut expected = Vec::new();
    for (index, source) in sources.iter().enumerate() {
        let records = records_read(&data_file(source));

        let iso_path = folder.path().join(format!("{index}.mrc"));
        let mut bytes = Vec::new();
        for record in &records {
            iso2709::write_record(record, &mut bytes).expect("written");
        }
        std::fs::write(&iso_path, &bytes).expect("write");

        let xml_path = folder.path().join(format!("{index}.xml"));
        let file = std::fs::File::create(&xml_path).expect("create");
        let mut writer = xml::MarcXmlWriter::new(BufWriter::new(file)).expect("header");
        for record in &records {
            writer.write_record(record).expect("written");
        }
        writer.finish().expect("footer").flush().expect("flush");

        // Read back here: the same records.
        let from_iso: Vec<Record> = read_records(&iso_path);
        let from_xml: Vec<Record> = read_records(&xml_path);
        assert_eq!(from_xml, records, "{source} via MARCXML");
        let masked: Vec<Record> = records.iter().map(as_iso2709_gives_back).collect();
        assert_eq!(
            from_iso.iter().map(as_iso2709_gives_back).collect::<Vec<_>>(),
            masked,
            "{source}"
        );

        written.push(iso_path);
        written.push(xml_path);
        expected.push(records.len());
        expected.push(records.len());
    }
    // And pymarc reads every record of both outputs, none unreadable.
    for ((path, count), expected) in written.iter().zip(pymarc_counts(&written)).zip(expected) {
        assert_eq!(count.records, expected, "{}", path.display());
        assert_eq!(count.unreadable, 0, "{}", path.display());
    }
}
