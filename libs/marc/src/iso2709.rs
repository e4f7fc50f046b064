//! ISO 2709 ("binary MARC"): a lenient streaming reader that reports each bad record and
//! goes on with the next, a one-record parser, and a writer that always produces UTF-8.
//!
//! The reader trusts the bytes over the leader: a record's end is its 0x1D terminator
//! when the length is wrong, a field's end its 0x1E terminator when the directory is off,
//! and the character set is sniffed (valid UTF-8 is read as UTF-8 whatever leader/09
//! says; anything else goes through [`crate::marc8`]). It never panics on any input.

use std::io::Read;

use crate::marc8;
use crate::read::{
    ByteSource, ReadError, ReadOutcome, TextCleaner, is_allowed_char, leader_text, non_ascii_code,
    repair_leader,
};
use crate::{ControlField, DataField, Field, Record, Subfield, Tag};

/// The record terminator.
pub const RECORD_TERMINATOR: u8 = 0x1D;
/// The field terminator.
pub const FIELD_TERMINATOR: u8 = 0x1E;
/// The subfield delimiter.
pub const SUBFIELD_DELIMITER: u8 = 0x1F;

/// The largest record ISO 2709 can describe: its length has five digits.
pub const MAX_RECORD_LENGTH: usize = 99_999;

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
    position: u64,
    finished: bool,
}

impl<R: Read> Iso2709Reader<R> {
    /// Returns a reader of the records in `reader`.
    pub fn new(reader: R) -> Iso2709Reader<R> {
        Iso2709Reader::from_source(ByteSource::new(reader))
    }

    pub(crate) fn from_source(source: ByteSource<R>) -> Iso2709Reader<R> {
        Iso2709Reader { source, position: 0, finished: false }
    }

    /// Returns how many bytes of the input have been read through so far.
    pub fn bytes_read(&self) -> u64 {
        self.source.offset()
    }

    fn outcome(
        &mut self,
        byte_offset: u64,
        record: Result<Record, ReadError>,
        warnings: Vec<String>,
    ) -> ReadOutcome {
        self.position += 1;
        ReadOutcome { position: self.position, byte_offset, record, warnings }
    }

    /// Ends the iteration: `None`, or one outcome for a read error.
    fn finish(&mut self) -> Option<ReadOutcome> {
        self.finished = true;
        let error = self.source.take_error()?;
        let offset = self.source.offset();
        let message = format!("could not read the input after byte offset {offset}: {error}");
        Some(self.outcome(offset, Err(ReadError::new(message)), Vec::new()))
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
        if self.finished {
            return None;
        }
        if !self.skip_padding() {
            return self.finish();
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
                Some(self.outcome(byte_offset, record, warnings))
            }
            Extent::Garbage { length } => {
                let control_number = guess_control_number(&self.source.available()[..length]);
                self.source.consume(length);
                let message = format!(
                    "{length} bytes at byte offset {byte_offset} are not a MARC record \
                     (no leader and directory were found there); skipped to the next record"
                );
                let error = ReadError::new(message).with_control_number(control_number);
                Some(self.outcome(byte_offset, Err(error), Vec::new()))
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
                Some(self.outcome(byte_offset, Err(error), Vec::new()))
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

/// Returns the number written in ASCII digits, or `None` if any byte is not a digit.
fn parse_digits(bytes: &[u8]) -> Option<usize> {
    if bytes.is_empty() {
        return None;
    }
    bytes.iter().try_fold(0usize, |number, byte| {
        byte.is_ascii_digit().then(|| number * 10 + usize::from(byte - b'0'))
    })
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

/// Where in the input a record starts, for messages.
#[derive(Clone, Copy)]
struct Place {
    record_offset: Option<u64>,
}

impl Place {
    /// Returns "byte offset N" (in the input) or "byte N of the record".
    fn at(self, position_in_record: usize) -> String {
        match self.record_offset {
            Some(offset) => format!("byte offset {}", offset + position_in_record as u64),
            None => format!("byte {position_in_record} of the record"),
        }
    }
}

/// A field found through the directory: its tag, bytes (without terminator), and where
/// they start in the record.
struct RawField<'a> {
    tag: Tag,
    bytes: &'a [u8],
    start: usize,
}

/// One directory entry as written.
struct DirectoryEntry {
    tag: Tag,
    length: usize,
    start: usize,
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
    leader[9] = b'a';
    Ok((Record { leader: leader_text(&leader), fields }, warnings))
}

/// Reads the directory's 12-byte entries.
fn read_directory(directory: &[u8], place: Place) -> Result<Vec<DirectoryEntry>, String> {
    let mut entries = Vec::with_capacity(directory.len() / 12);
    for (index, entry) in directory.chunks_exact(12).enumerate() {
        let entry_at = || place.at(24 + index * 12);
        let tag = Tag::from_bytes([entry[0], entry[1], entry[2]]).ok_or_else(|| {
            format!(
                "directory entry {} at {} has a tag \"{}\" that is not three \
                 printable characters",
                index + 1,
                entry_at(),
                String::from_utf8_lossy(&entry[..3]).escape_debug()
            )
        })?;
        let (Some(length), Some(start)) = (parse_digits(&entry[3..7]), parse_digits(&entry[7..]))
        else {
            return Err(format!(
                "the directory entry for field {tag} at {} is not readable: \"{}\"",
                entry_at(),
                String::from_utf8_lossy(entry).escape_debug()
            ));
        };
        entries.push(DirectoryEntry { tag, length, start });
    }
    Ok(entries)
}

/// Reads a directory some writers produce for records longer than ISO 2709 allows: an
/// entry whose field is longer than 9,999 bytes carries a five-digit length, and one whose
/// field starts past byte 99,999 a six-digit starting position. Each entry is read with
/// the widths that agree with the fields' terminators; returns `None` unless every entry
/// agrees.
fn read_guided_directory(directory: &[u8], data: &[u8]) -> Option<Vec<DirectoryEntry>> {
    let mut entries = Vec::new();
    let mut at = 0;
    let mut expected_start = 0;
    while at < directory.len() {
        let tag = Tag::from_bytes(directory.get(at..at + 3)?.try_into().ok()?)?;
        let actual_length = memchr::memchr(FIELD_TERMINATOR, data.get(expected_start..)?)? + 1;
        let (length, start, width) =
            [(4, 5), (5, 5), (4, 6), (5, 6)].iter().find_map(|(length_width, start_width)| {
                let length_at = at + 3;
                let start_at = length_at + length_width;
                let length = parse_digits(directory.get(length_at..start_at)?)?;
                let start = parse_digits(directory.get(start_at..start_at + start_width)?)?;
                (length == actual_length && start == expected_start).then_some((
                    length,
                    start,
                    3 + length_width + start_width,
                ))
            })?;
        entries.push(DirectoryEntry { tag, length, start });
        expected_start = start + length;
        at += width;
    }
    Some(entries)
}

/// Finds each directory entry's field in the data area. A field whose length or start is
/// off but whose terminator places it is repaired with a warning; when the directory
/// cannot place the fields at all but holds as many entries as the data area holds
/// terminated fields, the fields are taken in order of their starting positions.
fn locate_fields<'a>(
    entries: &[DirectoryEntry],
    data: &'a [u8],
    base: usize,
    place: Place,
    warnings: &mut Vec<String>,
) -> Result<Vec<RawField<'a>>, String> {
    let mut fields = Vec::with_capacity(entries.len());
    let mut repairs = Vec::new();
    let mut failure = None;
    for entry in entries {
        match locate_field(entry, data) {
            Located::Exact(range) => fields.push(raw_field(entry.tag, data, range, base)),
            Located::Repaired(range, note) => {
                repairs.push(note);
                fields.push(raw_field(entry.tag, data, range, base));
            }
            Located::Lost => {
                failure = Some(entry);
                break;
            }
        }
    }
    let Some(lost) = failure else {
        warnings.extend(repairs);
        return Ok(fields);
    };
    // The directory does not fit the data. If the counts agree, trust the terminators.
    let mut pieces: Vec<(usize, usize)> = Vec::new();
    let mut piece_start = 0;
    for terminator in memchr::memchr_iter(FIELD_TERMINATOR, data) {
        pieces.push((piece_start, terminator));
        piece_start = terminator + 1;
    }
    if pieces.len() == entries.len() && !entries.is_empty() {
        // Directory order, or the order of the starting positions (for an unordered
        // directory): whichever agrees with more of the fields' lengths. (Lengths often
        // all disagree by a little: some writers count characters, not bytes.)
        let agreement = |order: &[usize]| {
            order
                .iter()
                .zip(&pieces)
                .filter(|(entry, (start, end))| entries[**entry].length == end - start + 1)
                .count()
        };
        let in_directory_order: Vec<usize> = (0..entries.len()).collect();
        let mut by_start = in_directory_order.clone();
        by_start.sort_by_key(|index| entries[*index].start);
        let (order, agreeing) = [in_directory_order, by_start]
            .into_iter()
            .map(|order| {
                let agreeing = agreement(&order);
                (order, agreeing)
            })
            .max_by_key(|(_, agreeing)| *agreeing)
            .unwrap_or_default();
        let mut by_entry = vec![(0, 0); entries.len()];
        for (piece, entry_index) in pieces.iter().zip(order) {
            by_entry[entry_index] = *piece;
        }
        warnings.push(format!(
            "the directory's lengths and starting positions do not match the fields (field \
             {} is placed at {} but no field is there); its {} entries were matched in order \
             to the {} fields the field terminators mark ({agreeing} of their lengths agree)",
            lost.tag,
            describe_span(lost),
            entries.len(),
            pieces.len(),
        ));
        let fields = entries
            .iter()
            .zip(by_entry)
            .map(|(entry, (start, end))| raw_field(entry.tag, data, start..end, base))
            .collect();
        return Ok(fields);
    }
    let what_is_wrong = if lost.start + lost.length > data.len() {
        format!("the data area ends at byte {}", data.len())
    } else {
        "no field terminator ends it there".to_string()
    };
    Err(format!(
        "the directory entry for field {} places it at {} but {what_is_wrong}; the directory's \
         {} entries and the {} fields of the data area cannot be matched (record at {})",
        lost.tag,
        describe_span(lost),
        entries.len(),
        pieces.len(),
        place.at(0)
    ))
}

fn describe_span(entry: &DirectoryEntry) -> String {
    format!("bytes {}-{} of the data area", entry.start, entry.start + entry.length)
}

fn raw_field(tag: Tag, data: &[u8], range: std::ops::Range<usize>, base: usize) -> RawField<'_> {
    let start = range.start;
    RawField { tag, bytes: &data[range], start: base + start }
}

enum Located {
    Exact(std::ops::Range<usize>),
    Repaired(std::ops::Range<usize>, String),
    Lost,
}

/// Places one directory entry's field in the data area: exactly where the entry says
/// when a field terminator ends it there, else (with a note) where the terminators show a
/// start a byte or two off, or the entry's start right but its length wrong.
fn locate_field(entry: &DirectoryEntry, data: &[u8]) -> Located {
    let DirectoryEntry { tag, length, start } = *entry;
    let end = start + length;
    if length >= 1
        && end <= data.len()
        && memchr::memchr(FIELD_TERMINATOR, &data[start..end]) == Some(length - 1)
    {
        return Located::Exact(start..end - 1);
    }
    for shifted in [start, start.wrapping_sub(1), start + 1, start.wrapping_sub(2), start + 2] {
        if shifted >= data.len() {
            continue;
        }
        let starts_a_field = shifted == 0 || data[shifted - 1] == FIELD_TERMINATOR;
        if !starts_a_field {
            continue;
        }
        let Some(found) = memchr::memchr(FIELD_TERMINATOR, &data[shifted..]) else {
            continue;
        };
        let actual_end = shifted + found + 1;
        if shifted == start {
            let note = format!(
                "the directory gives field {tag} a length of {length}, but its field \
                 terminator comes after {}; the terminator was trusted",
                actual_end - shifted
            );
            return Located::Repaired(shifted..actual_end - 1, note);
        }
        // A shifted start is only believed when the stated length then fits too.
        if actual_end.abs_diff(shifted + length) <= 1 {
            let note = format!(
                "the directory gives field {tag} the starting position {start}, but the \
                 field starts at {shifted}; repaired"
            );
            return Located::Repaired(shifted..actual_end - 1, note);
        }
    }
    Located::Lost
}

/// How a record's text is encoded.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Encoding {
    Utf8,
    Marc8,
}

/// Decodes every field to text and builds the record's fields. Decides the record's
/// encoding by sniffing the bytes, and sets leader/09 accordingly.
fn decode_fields(
    raw_fields: &[RawField<'_>],
    leader: &mut [u8; 24],
    place: Place,
) -> Result<(Vec<Field>, Vec<String>), String> {
    let mut warnings = Vec::new();
    let leader_says = leader[9];
    let mut texts: Vec<&str> = Vec::with_capacity(raw_fields.len());
    let mut first_invalid = None;
    for field in raw_fields {
        match std::str::from_utf8(field.bytes) {
            Ok(text) => texts.push(text),
            Err(error) => {
                first_invalid = Some((field, error.valid_up_to()));
                break;
            }
        }
    }
    let has_escape = || raw_fields.iter().any(|field| field.bytes.contains(&0x1B));
    let encoding = match first_invalid {
        None if leader_says != b'a' && has_escape() => Encoding::Marc8,
        None => {
            if leader_says != b'a' && texts.iter().any(|text| !text.is_ascii()) {
                let says = if leader_says == b' ' {
                    "MARC-8".to_string()
                } else {
                    format!("'{}'", char::from(leader_says))
                };
                warnings.push(format!(
                    "leader position 09 says {says}, but the record's text is valid UTF-8; \
                     read as UTF-8"
                ));
            }
            Encoding::Utf8
        }
        Some((field, valid_up_to)) => {
            if leader_says == b'a' {
                // Said UTF-8 but is not: MARC-8 if it holds no UTF-8 at all and decodes
                // cleanly as MARC-8, else garbled.
                let has_utf8_sequences = raw_fields
                    .iter()
                    .any(|field| field.bytes.utf8_chunks().any(|chunk| !chunk.valid().is_ascii()));
                let marc8_clean = !has_utf8_sequences
                    && raw_fields
                        .iter()
                        .all(|field| marc8::decode(field.bytes).problems.is_empty());
                if !marc8_clean {
                    return Err(format!(
                        "field {} is not valid UTF-8 at {} although the leader says UTF-8",
                        field.tag,
                        place.at(field.start + valid_up_to)
                    ));
                }
                warnings.push(
                    "leader position 09 says UTF-8, but the record's text is MARC-8; read as \
                     MARC-8"
                        .to_string(),
                );
            }
            Encoding::Marc8
        }
    };

    let mut fields = Vec::with_capacity(raw_fields.len());
    let mut cleaner = TextCleaner::default();
    for (index, raw) in raw_fields.iter().enumerate() {
        let decoded;
        let text: &str = match encoding {
            Encoding::Utf8 => texts.get(index).copied().unwrap_or_default(),
            Encoding::Marc8 => {
                decoded = marc8::decode(raw.bytes);
                for problem in &decoded.problems {
                    warnings.push(format!(
                        "field {} (at {}): {problem}",
                        raw.tag,
                        place.at(raw.start)
                    ));
                }
                &decoded.text
            }
        };
        fields.push(field_from_text(raw.tag, text, &mut cleaner, &mut warnings));
        cleaner.finish_field(raw.tag.as_str(), &mut warnings);
    }
    leader[9] = b'a';
    Ok((fields, warnings))
}

/// Returns true when a field with `tag` whose text is `text` is a control field: tags
/// `00X` unless the text is laid out as indicators and subfields, and letter tags (such
/// as `FMT`) whose text holds no subfield.
fn is_control_field(tag: Tag, text: &str) -> bool {
    let has_subfield = || {
        let bytes = text.as_bytes();
        memchr::memchr_iter(SUBFIELD_DELIMITER, bytes)
            .any(|at| bytes.get(at + 1).is_some_and(|next| *next != SUBFIELD_DELIMITER))
    };
    if tag.is_control() {
        let mut chars = text.chars();
        let delimiter_third = chars.next().is_some()
            && chars.next().is_some()
            && chars.next() == Some(char::from(SUBFIELD_DELIMITER));
        return !(delimiter_third && has_subfield());
    }
    if !tag.as_bytes().iter().all(u8::is_ascii_digit) {
        return !has_subfield();
    }
    false
}

/// Builds a field from its decoded text (indicators, delimiters and all).
fn field_from_text(
    tag: Tag,
    text: &str,
    cleaner: &mut TextCleaner,
    warnings: &mut Vec<String>,
) -> Field {
    if is_control_field(tag, text) {
        let value = cleaner.clean(text, None);
        return Field::Control(ControlField { tag, value });
    }
    // The delimiter is ASCII, so every split below falls on a character boundary.
    let first_delimiter = memchr::memchr(SUBFIELD_DELIMITER, text.as_bytes());
    let (head, subfield_text) = text.split_at(first_delimiter.unwrap_or(text.len()));
    let mut head_chars = head.chars();
    let mut indicator = |which: &str| -> char {
        match head_chars.next() {
            Some(character) if is_indicator_char(character) => character,
            Some(character) => {
                warnings.push(format!(
                    "field {tag}: the {which} indicator was U+{:04X}, a control character; set \
                     to blank",
                    u32::from(character)
                ));
                ' '
            }
            None => {
                warnings
                    .push(format!("field {tag}: the {which} indicator was missing; set to blank"));
                ' '
            }
        }
    };
    let ind1 = indicator("first");
    let ind2 = indicator("second");
    let stray = head_chars.as_str();
    if !stray.is_empty() {
        warnings.push(format!(
            "field {tag}: text before its first subfield was dropped: \"{}\"",
            stray.chars().take(40).collect::<String>().escape_debug()
        ));
    }
    let mut subfields = Vec::new();
    let mut empty = 0;
    let bytes = subfield_text.as_bytes();
    let mut starts = memchr::memchr_iter(SUBFIELD_DELIMITER, bytes).peekable();
    while let Some(delimiter) = starts.next() {
        let end = starts.peek().copied().unwrap_or(bytes.len());
        let piece = &subfield_text[delimiter + 1..end];
        let mut chars = piece.chars();
        let Some(code) = chars.next() else {
            empty += 1;
            continue;
        };
        let code = if is_indicator_char(code) {
            if !code.is_ascii() {
                warnings.push(non_ascii_code(tag.as_str(), code));
            }
            code
        } else {
            warnings.push(format!(
                "field {tag}: a subfield code was U+{:04X}, a control character; set to blank",
                u32::from(code)
            ));
            ' '
        };
        let value = cleaner.clean(chars.as_str(), Some(code));
        subfields.push(Subfield { code, value });
    }
    if empty > 0 {
        warnings.push(format!(
            "field {tag}: {empty} subfield delimiter(s) without a code were dropped"
        ));
    }
    Field::Data(DataField { tag, ind1, ind2, subfields })
}

/// Returns true for characters an indicator or subfield code may be: anything but a
/// control character or a character XML cannot carry.
fn is_indicator_char(character: char) -> bool {
    !character.is_control() && is_allowed_char(character)
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
        let text = String::from_utf8_lossy(field);
        let text = text.trim();
        return (!text.is_empty() && text.len() <= 64 && !text.contains(char::is_control))
            .then(|| text.to_string());
    }
    None
}

/// Why a record could not be written.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct WriteError {
    /// What is wrong, naming the field, e.g. "field 245 $a holds a subfield delimiter".
    pub message: String,
    /// The record's `001`, if it has one.
    pub control_number: Option<String>,
}

/// Appends `record` to `out` as one ISO 2709 record in UTF-8.
///
/// The record length (leader/00-04), base address (12-16) and directory are computed;
/// leader/09 is written as `a`. Nothing is appended when an error is returned.
///
/// # Errors
/// Returns a [`WriteError`] when the record cannot be written faithfully: it would be
/// longer than 99,999 bytes or hold a field longer than 9,999 bytes, its leader is not
/// 24 ASCII characters, a value holds one of ISO 2709's delimiter characters (0x1D, 0x1E,
/// 0x1F), or a field could not be told apart on reading (a control field with a numeric
/// tag outside 001-009, or a data field with no subfields whose tag reads as a control
/// field's).
pub fn write_record(record: &Record, out: &mut Vec<u8>) -> Result<(), WriteError> {
    let fail = |message: String| WriteError {
        message,
        control_number: record.control_number().map(str::to_string),
    };
    let leader = record.leader.as_bytes();
    if leader.len() != 24 || !leader.iter().all(|byte| byte.is_ascii_graphic() || *byte == b' ') {
        return Err(fail(format!(
            "the leader \"{}\" is not 24 printable ASCII characters",
            record.leader.escape_debug()
        )));
    }
    // First pass: check every field and measure it.
    let mut data_length = 0usize;
    for field in &record.fields {
        let length = field_length(field).map_err(&fail)?;
        if length > 9_999 {
            return Err(fail(format!(
                "field {} is {length} bytes long; ISO 2709 allows at most 9,999",
                field.tag()
            )));
        }
        data_length += length;
    }
    let base = 24 + 12 * record.fields.len() + 1;
    let total = base + data_length + 1;
    if total > MAX_RECORD_LENGTH {
        return Err(fail(format!(
            "the record would be {total} bytes long; ISO 2709 allows at most 99,999"
        )));
    }
    out.reserve(total);
    let record_start = out.len();
    push_digits(total, 5, out);
    out.extend_from_slice(&leader[5..9]);
    out.push(b'a');
    out.extend_from_slice(&leader[10..12]);
    push_digits(base, 5, out);
    out.extend_from_slice(&leader[17..24]);
    let mut position = 0usize;
    for field in &record.fields {
        // Measured and checked above.
        let length = field_length(field).unwrap_or_default();
        out.extend_from_slice(&field.tag().as_bytes());
        push_digits(length, 4, out);
        push_digits(position, 5, out);
        position += length;
    }
    out.push(FIELD_TERMINATOR);
    for field in &record.fields {
        match field {
            Field::Control(control) => out.extend_from_slice(control.value.as_bytes()),
            Field::Data(data) => {
                let mut buffer = [0u8; 4];
                out.extend_from_slice(data.ind1.encode_utf8(&mut buffer).as_bytes());
                out.extend_from_slice(data.ind2.encode_utf8(&mut buffer).as_bytes());
                for subfield in &data.subfields {
                    out.push(SUBFIELD_DELIMITER);
                    out.extend_from_slice(subfield.code.encode_utf8(&mut buffer).as_bytes());
                    out.extend_from_slice(subfield.value.as_bytes());
                }
            }
        }
        out.push(FIELD_TERMINATOR);
    }
    out.push(RECORD_TERMINATOR);
    debug_assert_eq!(out.len() - record_start, total);
    Ok(())
}

/// Appends `number` as `width` ASCII digits, with leading zeros (it fits: checked by the
/// caller).
fn push_digits(number: usize, width: u32, out: &mut Vec<u8>) {
    for power in (0..width).rev() {
        let digit = (number / 10usize.pow(power)) % 10;
        out.push(b'0' + digit as u8);
    }
}

/// Returns the length of `field` as written (terminator included), or why it cannot be
/// written.
fn field_length(field: &Field) -> Result<usize, String> {
    let tag = field.tag();
    match field {
        Field::Control(control) => {
            if !tag.is_control() && tag.number().is_some() {
                return Err(format!(
                    "field {tag} is a control field, but in ISO 2709 a numeric tag outside \
                     001-009 is read as a data field"
                ));
            }
            check_value(&control.value).map_err(|what| format!("field {tag} holds {what}"))?;
            Ok(control.value.len() + 1)
        }
        Field::Data(data) => {
            if data.subfields.is_empty() && (tag.is_control() || tag.number().is_none()) {
                return Err(format!(
                    "field {tag} is a data field without subfields, which in ISO 2709 would \
                     be read back as a control field"
                ));
            }
            for (which, indicator) in [("first", data.ind1), ("second", data.ind2)] {
                if !is_indicator_char(indicator) {
                    return Err(format!(
                        "field {tag}: the {which} indicator is U+{:04X}, a control character",
                        u32::from(indicator)
                    ));
                }
            }
            let mut length = data.ind1.len_utf8() + data.ind2.len_utf8() + 1;
            for subfield in &data.subfields {
                if !is_indicator_char(subfield.code) {
                    return Err(format!(
                        "field {tag}: a subfield code is U+{:04X}, a control character",
                        u32::from(subfield.code)
                    ));
                }
                check_value(&subfield.value)
                    .map_err(|what| format!("field {tag} ${} holds {what}", subfield.code))?;
                length += 1 + subfield.code.len_utf8() + subfield.value.len();
            }
            Ok(length)
        }
    }
}

/// Checks that a value holds none of the delimiter characters.
fn check_value(value: &str) -> Result<(), &'static str> {
    match value.bytes().find(|byte| matches!(byte, 0x1D..=0x1F)) {
        Some(RECORD_TERMINATOR) => Err("a record terminator (0x1D)"),
        Some(FIELD_TERMINATOR) => Err("a field terminator (0x1E)"),
        Some(_) => Err("a subfield delimiter (0x1F)"),
        None => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn summerland() -> Record {
        Record {
            leader: "00714cam a2200205 a 4500".to_string(),
            fields: vec![
                Field::Control(ControlField {
                    tag: Tag::parse("001").unwrap(),
                    value: "12883376".to_string(),
                }),
                Field::Data(DataField {
                    tag: Tag::parse("245").unwrap(),
                    ind1: '1',
                    ind2: '0',
                    subfields: vec![
                        Subfield { code: 'a', value: "Summerland /".to_string() },
                        Subfield { code: 'c', value: "Michael Chabon.".to_string() },
                    ],
                }),
            ],
        }
    }

    #[test]
    fn a_written_record_reads_back_the_same() {
        let record = summerland();
        let mut bytes = Vec::new();
        write_record(&record, &mut bytes).unwrap();
        let (read, warnings) = read_record(&bytes).unwrap();
        assert!(warnings.is_empty(), "{warnings:?}");
        assert_eq!(read.fields, record.fields);
        assert_eq!(&read.leader[5..12], &record.leader[5..12]);
    }

    #[test]
    fn a_value_holding_a_delimiter_is_refused_by_the_writer() {
        let mut record = summerland();
        if let Field::Data(field) = &mut record.fields[1] {
            field.subfields[0].value.push('\u{1F}');
        }
        let error = write_record(&record, &mut Vec::new()).unwrap_err();
        assert!(error.message.contains("field 245 $a"), "{error}");
    }

    #[test]
    fn a_record_too_long_for_iso2709_is_refused() {
        let mut record = summerland();
        for _ in 0..20 {
            record.fields.push(Field::Data(DataField {
                tag: Tag::parse("500").unwrap(),
                ind1: ' ',
                ind2: ' ',
                subfields: vec![Subfield { code: 'a', value: "x".repeat(9_000) }],
            }));
        }
        let mut out = Vec::new();
        let error = write_record(&record, &mut out).unwrap_err();
        assert!(error.message.contains("99,999"), "{error}");
        assert!(out.is_empty());
    }

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
