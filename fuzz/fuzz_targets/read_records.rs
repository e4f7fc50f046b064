//! Feeds arbitrary bytes to the MARC readers (format detection, ISO 2709 and MARCXML
//! each on every input) and checks that they never panic and that every record they
//! return survives being written and read again.

#![no_main]

use athenaeum_marc::iso2709::{self, Iso2709Reader};
use athenaeum_marc::xml::{self, MarcXmlReader};
use athenaeum_marc::{Format, Record, RecordReader, json};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let mut reader = RecordReader::new(std::io::Cursor::new(data.to_vec()));
    let from_iso2709 = reader.format() == Some(Format::Iso2709);
    for outcome in reader.by_ref() {
        if let Ok(record) = outcome.record {
            survives_writing(&record, from_iso2709);
        }
    }
    for outcome in Iso2709Reader::new(data) {
        if let Ok(record) = outcome.record {
            survives_writing(&record, true);
        }
    }
    for outcome in MarcXmlReader::new(data) {
        if let Ok(record) = outcome.record {
            survives_writing(&record, false);
        }
    }
    if let Ok((record, _)) = iso2709::read_record(data) {
        survives_writing(&record, true);
    }
});

/// Returns the record as ISO 2709 gives it back: the positions the writer recomputes
/// (lengths) blanked, and leader/09 as the writer writes it (`a`, or blank for an ASCII
/// record that said MARC-8; a MARCXML record keeps whatever its leader said).
fn without_lengths(record: &Record) -> Record {
    let mut record = record.clone();
    let scheme = record.character_coding_scheme().to_string();
    record.leader.replace_range(0..5, "00000");
    record.leader.replace_range(9..10, &scheme);
    record.leader.replace_range(12..17, "00000");
    record
}

/// Checks the three round trips. A record read from ISO 2709 must be writable as ISO
/// 2709 unless it is too long for it; one read from MARCXML may hold what ISO 2709
/// cannot tell apart (a control field tagged 245), but if written it must read back.
fn survives_writing(record: &Record, from_iso2709: bool) {
    assert_eq!(record.leader.len(), 24, "{record:?}");
    assert!(record.leader.is_ascii(), "{record:?}");

    let mut bytes = Vec::new();
    match iso2709::write_record(record, &mut bytes) {
        Ok(()) => {
            let (again, _) = iso2709::read_record(&bytes)
                .unwrap_or_else(|error| panic!("re-reading failed: {error}\n{record:?}"));
            assert_eq!(without_lengths(&again), without_lengths(record));
        }
        Err(error) => {
            let too_long = error.message.contains("9,999") || error.message.contains("99,999");
            assert!(too_long || !from_iso2709, "ISO 2709 refused: {error}\n{record:?}");
        }
    }

    let text = xml::to_string(record)
        .unwrap_or_else(|error| panic!("MARCXML refused: {error}\n{record:?}"));
    let (again, _) = xml::read_record(&text)
        .unwrap_or_else(|error| panic!("MARCXML re-reading failed: {error}\n{text}"));
    assert_eq!(&again, record, "{text}");

    let again = json::from_str(&json::to_string(record))
        .unwrap_or_else(|error| panic!("MARC-in-JSON re-reading failed: {error}\n{record:?}"));
    assert_eq!(&again, record);
}
