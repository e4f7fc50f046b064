//! `RecordReader` as a caller who does not know the format sees it: detection, empty and
//! foreign input, input arriving a byte at a time, and the odd shapes of real exports.

#![expect(clippy::expect_used, reason = "a test fails loudly at the first thing that goes wrong")]

mod corpus;

use std::io::{BufReader, Cursor, Read};

use athenaeum_marc::{
    ControlField, DataField, Field, Format, Record, RecordReader, Subfield, Tag, iso2709, xml,
};
use corpus::{data_file, read_records};

/// A reader that hands out one byte per call, as a slow pipe might.
struct OneByteAtATime(Cursor<Vec<u8>>);

impl Read for OneByteAtATime {
    fn read(&mut self, buffer: &mut [u8]) -> std::io::Result<usize> {
        let end = buffer.len().min(1);
        self.0.read(&mut buffer[..end])
    }
}

/// A reader that gives its bytes, then fails as a broken network share would.
struct FailsAfter(Cursor<Vec<u8>>);

impl Read for FailsAfter {
    fn read(&mut self, buffer: &mut [u8]) -> std::io::Result<usize> {
        match self.0.read(buffer)? {
            0 => Err(std::io::Error::other("connection reset")),
            count => Ok(count),
        }
    }
}

fn reader_of(bytes: Vec<u8>) -> RecordReader {
    RecordReader::new(Cursor::new(bytes))
}

fn trickle(bytes: Vec<u8>) -> RecordReader {
    RecordReader::new(BufReader::with_capacity(1, OneByteAtATime(Cursor::new(bytes))))
}

fn a_record(control_number: &str, title: &str) -> Record {
    Record {
        leader: "00000nam a2200000 i 4500".to_string(),
        fields: vec![
            Field::Control(ControlField {
                tag: Tag::parse("001").expect("tag"),
                value: control_number.to_string(),
            }),
            Field::Data(DataField {
                tag: Tag::parse("245").expect("tag"),
                ind1: '1',
                ind2: '0',
                subfields: vec![Subfield { code: 'a', value: title.to_string() }],
            }),
        ],
    }
}

#[test]
fn an_empty_input_yields_one_error_saying_it_is_empty() {
    let outcomes: Vec<_> = reader_of(Vec::new()).collect();
    assert_eq!(outcomes.len(), 1);
    assert!(outcomes[0].record.as_ref().unwrap_err().message.contains("empty"));
    let outcomes: Vec<_> = reader_of(b"  \n\t ".to_vec()).collect();
    assert_eq!(outcomes.len(), 1);
}

#[test]
fn an_unrecognisable_input_yields_one_error_quoting_its_start() {
    let mut reader = reader_of(b"Title: Summerland\nAuthor: Chabon".to_vec());
    assert_eq!(reader.format(), None);
    let outcome = reader.next().expect("one outcome");
    let message = outcome.record.unwrap_err().message;
    assert!(message.contains("Title: Summerland"), "{message}");
    assert!(reader.next().is_none());
}

#[test]
fn a_byte_order_mark_and_leading_blank_lines_are_skipped_before_detection() {
    let mut bytes = b"\xEF\xBB\xBF\n\n".to_vec();
    iso2709::write_record(&a_record("1", "One"), &mut bytes).expect("write");
    let mut reader = reader_of(bytes);
    assert_eq!(reader.format(), Some(Format::Iso2709));
    let outcome = reader.next().expect("one record");
    assert_eq!(outcome.byte_offset, 5);
    assert_eq!(outcome.record.expect("read").control_number(), Some("1"));
}

#[test]
fn iso2709_arriving_one_byte_at_a_time_reads_the_same_records() {
    let path = data_file("marc4j/pride-and-prejudice-with-many-errors.mrc");
    let whole: Vec<_> = RecordReader::open(&path).expect("open").collect();
    let trickled: Vec<_> = trickle(std::fs::read(&path).expect("read")).collect();
    assert_eq!(trickled, whole);
}

#[test]
fn marcxml_arriving_one_byte_at_a_time_reads_the_same_records() {
    let path = data_file("koha/koha_sample_bibs.marcxml");
    let whole: Vec<_> = RecordReader::open(&path).expect("open").collect();
    let trickled: Vec<_> = trickle(std::fs::read(&path).expect("read")).collect();
    assert_eq!(trickled, whole);
}

#[test]
fn the_reader_works_behind_a_box_for_callers_that_do_not_know_the_format() {
    let sources: Vec<Box<dyn Iterator<Item = athenaeum_marc::ReadOutcome> + Send>> = vec![
        Box::new(RecordReader::open(data_file("marc4j/summerland.mrc")).expect("open")),
        Box::new(RecordReader::open(data_file("marc4j/summerland.xml")).expect("open")),
    ];
    let titles: Vec<String> = sources
        .into_iter()
        .flatten()
        .map(|outcome| {
            let record = outcome.record.expect("read");
            record.data_field("245").and_then(|field| field.first('a')).unwrap_or("").to_string()
        })
        .collect();
    assert_eq!(titles.len(), 2);
    assert_eq!(titles[0], titles[1]);
}

#[test]
fn a_read_error_ends_the_records_with_one_outcome_saying_so() {
    let mut bytes = Vec::new();
    iso2709::write_record(&a_record("1", "One"), &mut bytes).expect("write");
    iso2709::write_record(&a_record("2", "Two"), &mut bytes).expect("write");
    bytes.truncate(bytes.len() - 10);
    let outcomes: Vec<_> =
        RecordReader::new(BufReader::new(FailsAfter(Cursor::new(bytes)))).collect();
    assert_eq!(outcomes.len(), 3, "{outcomes:#?}");
    assert!(outcomes[0].record.is_ok());
    let cut = outcomes[1].record.as_ref().unwrap_err();
    assert!(cut.message.contains("ends inside a record"), "{cut}");
    let failed = outcomes[2].record.as_ref().unwrap_err();
    assert!(
        failed.message.contains("could not read the input")
            && failed.message.contains("connection reset"),
        "{failed}"
    );

    let xml = xml::to_string(&a_record("1", "One")).expect("xml");
    let outcomes: Vec<_> =
        RecordReader::new(BufReader::new(FailsAfter(Cursor::new(xml.into_bytes())))).collect();
    assert_eq!(outcomes.len(), 2, "{outcomes:#?}");
    assert!(outcomes[0].record.is_ok());
    assert!(outcomes[1].record.as_ref().unwrap_err().message.contains("connection reset"));
}

#[test]
fn garbage_before_and_between_iso2709_records_is_reported_once_each() {
    let mut bytes = Vec::new();
    iso2709::write_record(&a_record("1", "One"), &mut bytes).expect("write");
    bytes.extend_from_slice(b"<<some garbage>>");
    iso2709::write_record(&a_record("2", "Two"), &mut bytes).expect("write");
    bytes.extend_from_slice(b"\r\n");
    iso2709::write_record(&a_record("3", "Three"), &mut bytes).expect("write");
    let outcomes: Vec<_> = reader_of(bytes).collect();
    assert_eq!(outcomes.len(), 4);
    let garbage = outcomes[1].record.as_ref().unwrap_err();
    assert!(garbage.message.contains("16 bytes at byte offset"), "{garbage}");
    let numbers: Vec<_> = outcomes
        .iter()
        .filter_map(|outcome| outcome.record.as_ref().ok())
        .map(|record| record.control_number().unwrap_or_default().to_string())
        .collect();
    assert_eq!(numbers, ["1", "2", "3"]);
}

#[test]
fn a_record_cut_short_inside_its_data_is_an_error_and_the_next_record_is_read() {
    let mut record = a_record("1", "One");
    record.fields.push(Field::Data(DataField {
        tag: Tag::parse("500").expect("tag"),
        ind1: ' ',
        ind2: ' ',
        subfields: vec![Subfield { code: 'a', value: "A note.".to_string() }],
    }));
    let mut first = Vec::new();
    iso2709::write_record(&record, &mut first).expect("write");
    // Cut the 500 (its 12 bytes before the record terminator) out of the data area: its
    // directory entry now points past the end of the record.
    let terminator = first.len() - 1;
    first.drain(terminator - 12..terminator);
    let mut bytes = first;
    iso2709::write_record(&a_record("2", "Two"), &mut bytes).expect("write");
    let outcomes: Vec<_> = reader_of(bytes).collect();
    assert_eq!(outcomes.len(), 2);
    let error = outcomes[0].record.as_ref().unwrap_err();
    assert!(error.message.contains("field 500"), "{error}");
    assert!(error.message.contains("data area ends"), "{error}");
    assert!(error.message.contains("byte offset 0"), "{error}");
    assert_eq!(error.control_number.as_deref(), Some("1"));
    assert_eq!(outcomes[1].record.as_ref().expect("read").control_number(), Some("2"));
}

#[test]
fn a_directory_entry_a_byte_off_is_repaired_by_the_field_terminator() {
    let mut bytes = Vec::new();
    iso2709::write_record(&a_record("1", "One"), &mut bytes).expect("write");
    // The 245's length, one byte too long.
    let length: usize = std::str::from_utf8(&bytes[39..43]).expect("digits").parse().expect("n");
    bytes[39..43].copy_from_slice(format!("{:04}", length + 1).as_bytes());
    let (record, warnings) = iso2709::read_record(&bytes).expect("repaired");
    assert_eq!(record.data_field("245").and_then(|field| field.first('a')), Some("One"));
    assert!(warnings.iter().any(|warning| warning.contains("field 245")), "{warnings:?}");
}

#[test]
fn marcxml_records_without_a_collection_with_an_unclosed_last_record_are_read_and_reported() {
    let one = xml::to_string(&a_record("1", "One")).expect("xml");
    let two = xml::to_string(&a_record("2", "Two")).expect("xml");
    let cut = &two[..two.len() - 20];
    let input = format!("<?xml version=\"1.0\"?>\n{one}\n<record/>\n{two}\n{cut}");
    let outcomes: Vec<_> = reader_of(input.into_bytes()).collect();
    assert_eq!(outcomes.len(), 4);
    assert_eq!(outcomes[0].record.as_ref().expect("read").control_number(), Some("1"));
    // An empty record element: a record with no fields and a default leader, said so.
    assert!(outcomes[1].record.as_ref().expect("read").fields.is_empty());
    assert!(outcomes[1].warnings.iter().any(|warning| warning.contains("no leader")));
    assert_eq!(outcomes[2].record.as_ref().expect("read").control_number(), Some("2"));
    let error = outcomes[3].record.as_ref().unwrap_err();
    assert!(error.message.contains("ends inside the record"), "{error}");
    assert_eq!(error.control_number.as_deref(), Some("2"));
}

#[test]
fn characters_xml_cannot_carry_are_refused_by_the_writer_and_nothing_is_written() {
    let mut writer = xml::MarcXmlWriter::new(Vec::new()).expect("header");
    let error = writer.write_record(&a_record("1", "Bell \u{7} rings")).unwrap_err();
    assert!(error.to_string().contains("field 245 $a holds U+0007"), "{error}");
    writer.write_record(&a_record("2", "Carriage\r\nreturn & <tags>")).expect("written");
    let output = String::from_utf8(writer.finish().expect("footer")).expect("utf-8");
    assert!(!output.contains('\u{7}'));
    let records: Vec<_> = reader_of(output.into_bytes()).collect();
    assert_eq!(records.len(), 1);
    let record = records[0].record.as_ref().expect("read");
    assert_eq!(
        record.data_field("245").and_then(|field| field.first('a')),
        Some("Carriage\r\nreturn & <tags>")
    );
}

#[test]
fn summerland_reads_alike_from_iso2709_and_marcxml() {
    let from_iso = read_records(&data_file("marc4j/summerland.mrc"));
    let from_xml = read_records(&data_file("marc4j/summerland.xml"));
    assert_eq!(from_iso[0].fields, from_xml[0].fields);
}
