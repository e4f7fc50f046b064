//! Reading ISO 2709: the streaming reader, which cuts the input into records (trusting the
//! record terminator where the leader's length is wrong, and reporting bytes that are no
//! record), and the parsing of one record's leader, directory and fields.
//!
//! It writes nothing; finding fields through the directory is in `directory`, decoding
//! them in `fields`.

use std::io::Read;

use super::directory::{locate_fields, parse_digits, read_directory, read_guided_directory};
use super::fields::decode_fields;
use super::{FIELD_TERMINATOR, MAX_RECORD_LENGTH, RECORD_TERMINATOR};
use crate::Record;
use crate::reading::{
    ByteSource, Outcomes, Place, ReadError, ReadOutcome, leader_text, plausible_control_number,
    repair_leader,
};

/// How far the reader looks for a record terminator when a record's length is wrong,
/// before it gives the bytes up as not being a record. Generous: records longer than
/// ISO 2709 allows do exist, written with a wrong length.
const MAX_TERMINATOR_SEARCH: usize = 4 * 1024 * 1024;

/// Reads ISO 2709 records one at a time from any [`Read`]er.
///
/// Each call to `next` reads one record's bytes (resynchronising on the record
/// terminator when the leader's length is wrong, and reporting bytes between records that
/// are no record), parses them with the same rules as [`read_record`], and returns the
/// outcome. The iterator ends at the end of the input; a read error ends it after one
/// outcome saying so.
pub struct Iso2709Reader<R> {
    source: ByteSource<R>,
    outcomes: Outcomes,
}

impl<R: Read> Iso2709Reader<R> {
    /// Returns a reader of the records in `reader`.
    pub fn new(reader: R) -> Iso2709Reader<R> {
        Iso2709Reader::from_source(ByteSource::new(reader))
    }

    pub(crate) fn from_source(source: ByteSource<R>) -> Iso2709Reader<R> {
        Iso2709Reader { source, outcomes: Outcomes::default() }
    }

    /// Returns how many bytes of the input have been read through so far.
    pub fn bytes_read(&self) -> u64 {
        self.source.offset()
    }

    /// Skips the padding some writers put between records (line ends, blanks, NULs, the
    /// DOS end-of-file mark). Returns false at the end of the input.
    fn skip_padding(&mut self) -> bool {
        loop {
            let padding = self.source.available().iter().take_while(|b| is_padding(**b)).count();
            self.source.consume(padding);
            if !self.source.available().is_empty() {
                return true;
            }
            if !self.source.read_more() {
                return false;
            }
        }
    }

    /// Works out how many of the available bytes make up the next record (or the next
    /// stretch of bytes that is none), reading more as needed.
    fn next_extent(&mut self) -> Extent {
        let declared = {
            self.source.fill_to(5);
            parse_digits(self.source.available().get(..5).unwrap_or(&[]))
        };
        // The common case: the leader's length is right and ends on the terminator.
        if let Some(length) = declared
            && length >= 25
            && self.source.fill_to(length)
            && self.source.available()[length - 1] == RECORD_TERMINATOR
        {
            return Extent::Record { length, length_note: None };
        }
        // Otherwise the first record terminator after the leader ends the record.
        let mut searched_to = 24.min(self.source.available().len());
        let terminator = loop {
            let available = self.source.available();
            if let Some(found) = memchr::memchr(RECORD_TERMINATOR, &available[searched_to..]) {
                break Some(searched_to + found);
            }
            searched_to = available.len();
            if searched_to > MAX_TERMINATOR_SEARCH || !self.source.read_more() {
                break None;
            }
        };
        let available = self.source.available();
        let Some(terminator) = terminator else {
            let length = available.len().min(MAX_TERMINATOR_SEARCH);
            return if self.source.available().len() > MAX_TERMINATOR_SEARCH {
                Extent::Garbage { length }
            } else {
                Extent::Truncated { length, declared }
            };
        };
        let segment = &available[..=terminator];
        let starts_like_record =
            parse_digits(&segment[..5.min(segment.len())]).is_some() || is_record_start(segment, 0);
        // A record start inside the segment ends what comes before it: garbage, or a
        // record that lost its terminator.
        if let Some(start) = (1..segment.len()).find(|at| is_record_start(segment, *at)) {
            return if starts_like_record {
                Extent::Record {
                    length: start,
                    length_note: Some(format!(
                        "the record has no record terminator; the next record starts after \
                         {start} bytes"
                    )),
                }
            } else {
                Extent::Garbage { length: start }
            };
        }
        if !starts_like_record {
            return Extent::Garbage { length: terminator + 1 };
        }
        let length = terminator + 1;
        let length_note = match declared {
            Some(declared) if declared == length => None,
            Some(declared) => Some(format!(
                "the leader gives the record length as {declared} bytes, but its record \
                 terminator comes after {length}; the terminator was trusted"
            )),
            None => {
                let shown = String::from_utf8_lossy(&segment[..5.min(segment.len())]).into_owned();
                Some(format!(
                    "the leader's record length \"{}\" is not a number; the record \
                     terminator after {length} bytes was trusted",
                    shown.escape_debug()
                ))
            }
        };
        Extent::Record { length, length_note }
    }
}

impl<R: Read> Iterator for Iso2709Reader<R> {
    type Item = ReadOutcome;

    fn next(&mut self) -> Option<ReadOutcome> {
        if self.outcomes.is_finished() {
            return None;
        }
        if !self.skip_padding() {
            return self.outcomes.finish(&mut self.source);
        }
        let byte_offset = self.source.offset();
        match self.next_extent() {
            Extent::Record { length, length_note } => {
                let bytes = &self.source.available()[..length];
                let parsed = parse_record(bytes, Some(byte_offset));
                self.source.consume(length);
                let (record, warnings) = match parsed {
                    Ok((record, mut warnings)) => {
                        if let Some(note) = length_note {
                            warnings.insert(0, note);
                        }
                        (Ok(record), warnings)
                    }
                    Err(mut error) => {
                        if let Some(note) = length_note {
                            error.message = format!("{}; {note}", error.message);
                        }
                        (Err(error), Vec::new())
                    }
                };
                Some(self.outcomes.give(byte_offset, record, warnings))
            }
            Extent::Garbage { length } => {
                let control_number = guess_control_number(&self.source.available()[..length]);
                self.source.consume(length);
                let message = format!(
                    "{length} bytes at byte offset {byte_offset} are not a MARC record \
                     (no leader and directory were found there); skipped to the next record"
                );
                let error = ReadError::new(message).with_control_number(control_number);
                Some(self.outcomes.give(byte_offset, Err(error), Vec::new()))
            }
            Extent::Truncated { length, declared } => {
                let control_number = guess_control_number(&self.source.available()[..length]);
                self.source.consume(length);
                let expected = declared
                    .map(|declared| format!(" (its leader gives {declared})"))
                    .unwrap_or_default();
                let message = format!(
                    "the input ends inside a record: {length} bytes from byte offset \
                     {byte_offset}{expected} and no record terminator"
                );
                let error = ReadError::new(message).with_control_number(control_number);
                // A read error that cut the record short is reported next time.
                Some(self.outcomes.give(byte_offset, Err(error), Vec::new()))
            }
        }
    }
}

/// What the next bytes of the input are.
enum Extent {
    /// A record of `length` bytes (to be parsed), with a note if its length was wrong.
    Record { length: usize, length_note: Option<String> },
    /// Bytes that are no record, up to where one seems to start.
    Garbage { length: usize },
    /// The rest of the input: a record cut short.
    Truncated { length: usize, declared: Option<usize> },
}

fn is_padding(byte: u8) -> bool {
    matches!(byte, b'\n' | b'\r' | b' ' | b'\t' | 0x00 | 0x1A)
}

/// Returns true when a record very probably starts at `at` in `bytes`: a five-digit
/// length, a letter for the type of record, a five-digit base address that a whole number
/// of directory entries leads to, the directory terminator just before that address, and
/// a first directory entry of digits. Strict, so that digits inside a directory or a
/// field are not taken for a record.
fn is_record_start(bytes: &[u8], at: usize) -> bool {
    let Some(leader) = bytes.get(at..at + 24) else {
        return false;
    };
    if parse_digits(&leader[..5]).is_none() || !leader[6].is_ascii_alphabetic() {
        return false;
    }
    let Some(base) = parse_digits(&leader[12..17]) else {
        return false;
    };
    if base < 25 || (base - 25) % 12 != 0 || bytes.get(at + base - 1) != Some(&FIELD_TERMINATOR) {
        return false;
    }
    base == 25 || bytes.get(at + 27..at + 36).is_some_and(|entry| parse_digits(entry).is_some())
}

/// Parses one ISO 2709 record (with or without its final record terminator) and
/// returns it with the repairs made, as the streaming reader does.
///
/// # Errors
/// Returns a [`ReadError`] saying what is wrong and where when the bytes cannot be
/// trusted to be the record: no leader, an unreadable directory, a field outside the
/// record that its terminator cannot place, or text that is neither UTF-8 nor MARC-8 when
/// the leader says UTF-8.
pub fn read_record(bytes: &[u8]) -> Result<(Record, Vec<String>), ReadError> {
    parse_record(bytes, None)
}

fn parse_record(
    bytes: &[u8],
    record_offset: Option<u64>,
) -> Result<(Record, Vec<String>), ReadError> {
    let place = Place { record_offset };
    let control_number = || guess_control_number(bytes);
    let fail = |message: String| ReadError::new(message).with_control_number(control_number());
    let mut warnings = Vec::new();

    let body = bytes.strip_suffix(&[RECORD_TERMINATOR]).unwrap_or(bytes);
    if body.len() < 24 {
        return Err(fail(format!(
            "the record at {} is only {} bytes long, shorter than a leader",
            place.at(0),
            bytes.len()
        )));
    }
    let mut leader = repair_leader(&body[..24], &mut warnings);

    // The directory runs from the leader to the first field terminator.
    let Some(directory_end) = memchr::memchr(FIELD_TERMINATOR, &body[24..]).map(|found| found + 24)
    else {
        return Err(fail(format!(
            "the record at {} has no directory terminator (0x1E)",
            place.at(0)
        )));
    };
    let base = directory_end + 1;
    match parse_digits(&body[12..17]) {
        Some(declared) if declared == base => {}
        declared => {
            let declared = declared.map_or_else(
                || format!("\"{}\"", String::from_utf8_lossy(&body[12..17]).escape_debug()),
                |number| number.to_string(),
            );
            warnings.push(format!(
                "the leader gives the base address of data as {declared}, but the directory \
                 ends at byte {directory_end}; the directory terminator was trusted"
            ));
        }
    }
    let directory = &body[24..directory_end];
    let data = &body[base..];
    let entries = if directory.len().is_multiple_of(12) {
        read_directory(directory, place).map_err(&fail)?
    } else if let Some(entries) = read_guided_directory(directory, data) {
        warnings.push(format!(
            "the directory is {} bytes long, not a multiple of 12: some entries give lengths \
             or starting positions past ISO 2709's limits in more digits; read as the field \
             terminators confirm",
            directory.len()
        ));
        entries
    } else {
        warnings.push(format!(
            "the directory is {} bytes long, not a multiple of 12; its last {} bytes were ignored",
            directory.len(),
            directory.len() % 12
        ));
        read_directory(directory, place).map_err(&fail)?
    };

    let raw_fields = locate_fields(&entries, data, base, place, &mut warnings).map_err(&fail)?;

    let (fields, encoding_warnings) =
        decode_fields(&raw_fields, &mut leader, place).map_err(&fail)?;
    warnings.extend(encoding_warnings);
    Ok((Record { leader: leader_text(&leader), fields }, warnings))
}

/// Returns the `001` of a record that could not be read, if its directory leads to it.
fn guess_control_number(bytes: &[u8]) -> Option<String> {
    let body = bytes.get(..bytes.len().min(MAX_RECORD_LENGTH * 4))?;
    let directory_end = memchr::memchr(FIELD_TERMINATOR, body.get(24..)?)? + 24;
    let base = directory_end + 1;
    for entry in body[24..directory_end].chunks_exact(12) {
        if &entry[..3] != b"001" {
            continue;
        }
        let length = parse_digits(&entry[3..7])?;
        let start = parse_digits(&entry[7..])?;
        let field = body.get(base + start..base + start + length)?;
        let field = field.split(|byte| *byte == FIELD_TERMINATOR).next()?;
        return plausible_control_number(field);
    }
    None
}

#[cfg(test)]
mod tests {
    use super::super::fixtures::summerland;
    use super::super::write_record;
    use super::*;

    #[test]
    fn garbage_between_records_is_reported_and_the_next_record_kept() {
        let mut bytes = Vec::new();
        write_record(&summerland(), &mut bytes).unwrap();
        bytes.extend_from_slice(b"#garbage#");
        write_record(&summerland(), &mut bytes).unwrap();
        let outcomes: Vec<_> = Iso2709Reader::new(&bytes[..]).collect();
        assert_eq!(outcomes.len(), 3);
        assert!(outcomes[0].record.is_ok());
        assert!(outcomes[1].record.as_ref().unwrap_err().message.contains("9 bytes"));
        assert!(outcomes[2].record.is_ok());
    }

    #[test]
    fn a_wrong_record_length_is_repaired_from_the_terminator() {
        let mut bytes = Vec::new();
        write_record(&summerland(), &mut bytes).unwrap();
        bytes[..5].copy_from_slice(b"00099");
        write_record(&summerland(), &mut bytes).unwrap();
        let outcomes: Vec<_> = Iso2709Reader::new(&bytes[..]).collect();
        assert_eq!(outcomes.len(), 2);
        assert!(outcomes[0].record.is_ok());
        assert!(outcomes[0].warnings[0].contains("record length"), "{:?}", outcomes[0].warnings);
    }

    #[test]
    fn a_truncated_final_record_is_reported() {
        let mut bytes = Vec::new();
        write_record(&summerland(), &mut bytes).unwrap();
        write_record(&summerland(), &mut bytes).unwrap();
        bytes.truncate(bytes.len() - 10);
        let outcomes: Vec<_> = Iso2709Reader::new(&bytes[..]).collect();
        assert_eq!(outcomes.len(), 2);
        let error = outcomes[1].record.as_ref().unwrap_err();
        assert!(error.message.contains("ends inside a record"), "{error}");
        assert_eq!(error.control_number.as_deref(), Some("12883376"));
    }
}
