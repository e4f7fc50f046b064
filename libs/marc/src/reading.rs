//! What every record reader shares: the outcome of reading one record and the error that
//! says what was wrong with it, the buffered byte source that keeps memory flat whatever
//! the file size, the numbering of outcomes, and the clean-up every value and leader goes
//! through (no characters a record cannot carry, MARC 21's fixed leader positions). Values
//! are otherwise kept as they came: never normalised to NFC or NFD.
//!
//! It knows no serialisation's syntax and must not import a reader: the readers build on
//! it, and `read` (which picks a reader for a file) builds on them.

use std::io::{self, Read};

use crate::Record;

/// What was wrong with one record, in plain words.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct ReadError {
    /// What is wrong, e.g. "the directory entry for field 245 points past the end of the
    /// record".
    pub message: String,
    /// The record's `001`, when it could be read.
    pub control_number: Option<String>,
}

impl ReadError {
    /// Returns an error with `message` and no control number.
    pub fn new(message: impl Into<String>) -> ReadError {
        ReadError { message: message.into(), control_number: None }
    }

    /// Returns the error with the record's control number attached.
    pub fn with_control_number(mut self, control_number: Option<String>) -> ReadError {
        self.control_number = control_number;
        self
    }
}

/// One record read from a file, or the reason it could not be.
#[derive(Debug, Clone, PartialEq)]
pub struct ReadOutcome {
    /// The record's position in the file, counting from 1.
    pub position: u64,
    /// The byte offset at which the record starts in the file.
    pub byte_offset: u64,
    /// The record, or why it was refused.
    pub record: Result<Record, ReadError>,
    /// Problems repaired on the way (the record is kept), e.g. "leader position 22 was
    /// blank; set to 0".
    pub warnings: Vec<String>,
}

/// Numbers the outcomes a streaming reader gives, and ends its iteration once.
#[derive(Debug, Default)]
pub(crate) struct Outcomes {
    /// The position of the last outcome given, counting from 1.
    position: u64,
    finished: bool,
}

impl Outcomes {
    /// Returns the next outcome, numbered after the last one given.
    pub(crate) fn give(
        &mut self,
        byte_offset: u64,
        record: Result<Record, ReadError>,
        warnings: Vec<String>,
    ) -> ReadOutcome {
        self.position += 1;
        ReadOutcome { position: self.position, byte_offset, record, warnings }
    }

    /// Returns true once [`Outcomes::finish`] has been called.
    pub(crate) fn is_finished(&self) -> bool {
        self.finished
    }

    /// Ends the iteration: `None`, or one outcome for the read error that ended `source`.
    pub(crate) fn finish<R: Read>(&mut self, source: &mut ByteSource<R>) -> Option<ReadOutcome> {
        self.finished = true;
        let error = source.take_error()?;
        let offset = source.offset();
        let message = format!("could not read the input after byte offset {offset}: {error}");
        Some(self.give(offset, Err(ReadError::new(message)), Vec::new()))
    }
}

/// Where in the input a record starts, for messages; `None` for a record given on its
/// own rather than read from a file.
#[derive(Clone, Copy)]
pub(crate) struct Place {
    pub(crate) record_offset: Option<u64>,
}

impl Place {
    /// Returns "byte offset N" (in the input) or "byte N of the record".
    pub(crate) fn at(self, position_in_record: u64) -> String {
        match self.record_offset {
            Some(offset) => format!("byte offset {}", offset + position_in_record),
            None => format!("byte {position_in_record} of the record"),
        }
    }
}

/// How much is read from the underlying reader at a time.
pub(crate) const CHUNK: usize = 64 * 1024;

/// A read buffer over any [`Read`]er that lets a parser look ahead as far as it needs,
/// then consume what it used. Only unconsumed bytes are kept, so memory stays at about
/// one record plus one chunk.
pub(crate) struct ByteSource<R> {
    inner: R,
    /// Bytes `start..end` are read and not yet consumed; the rest is room to read into.
    buffer: Vec<u8>,
    start: usize,
    end: usize,
    /// Offset in the input of `buffer[start]`.
    offset: u64,
    at_end: bool,
    error: Option<io::Error>,
}

impl<R: Read> ByteSource<R> {
    pub(crate) fn new(inner: R) -> ByteSource<R> {
        ByteSource {
            inner,
            buffer: Vec::new(),
            start: 0,
            end: 0,
            offset: 0,
            at_end: false,
            error: None,
        }
    }

    /// Returns the bytes read but not yet consumed.
    pub(crate) fn available(&self) -> &[u8] {
        &self.buffer[self.start..self.end]
    }

    /// Returns the input offset of the first unconsumed byte.
    pub(crate) fn offset(&self) -> u64 {
        self.offset
    }

    /// Marks `count` available bytes as used.
    pub(crate) fn consume(&mut self, count: usize) {
        let count = count.min(self.end - self.start);
        self.start += count;
        self.offset += count as u64;
    }

    /// Reads more of the input (as much as one read gives). Returns false at the end of
    /// the input, or after a read error (kept for [`ByteSource::take_error`]).
    pub(crate) fn read_more(&mut self) -> bool {
        if self.at_end {
            return false;
        }
        if self.end == self.buffer.len() {
            // Full: move the unconsumed bytes to the front, and grow if that frees
            // too little.
            self.buffer.copy_within(self.start..self.end, 0);
            self.end -= self.start;
            self.start = 0;
            if self.buffer.len() - self.end < CHUNK / 2 {
                let grown = (self.buffer.len() * 2).max(CHUNK);
                self.buffer.resize(grown, 0);
            }
        }
        loop {
            match self.inner.read(&mut self.buffer[self.end..]) {
                Ok(0) => {
                    self.at_end = true;
                    return false;
                }
                Ok(count) => {
                    self.end += count;
                    return true;
                }
                Err(error) if error.kind() == io::ErrorKind::Interrupted => {}
                Err(error) => {
                    self.error = Some(error);
                    self.at_end = true;
                    return false;
                }
            }
        }
    }

    /// Reads until at least `count` bytes are available; returns false if the input
    /// ends first.
    pub(crate) fn fill_to(&mut self, count: usize) -> bool {
        while self.available().len() < count {
            if !self.read_more() {
                return false;
            }
        }
        true
    }

    /// Returns the read error that ended the input, once.
    pub(crate) fn take_error(&mut self) -> Option<io::Error> {
        self.error.take()
    }
}

/// Cleans a field's values into the text a record holds, and keeps what it had to
/// change or noticed for the field's warnings.
#[derive(Debug, Default)]
pub(crate) struct TextCleaner {
    removed: Vec<char>,
    /// The subfield codes (`None` for a control field's value) whose values hold U+FFFD.
    lost_in: Vec<Option<char>>,
}

impl TextCleaner {
    /// Returns the text as a record holds it: as it came, in whatever Unicode form it came
    /// (never normalised: composing or decomposing would change the bytes an export gives
    /// back), without the C0 control characters (other than tab, line feed and carriage
    /// return) and the non-characters U+FFFE/U+FFFF that neither ISO 2709 values nor XML
    /// 1.0 can carry.
    pub(crate) fn clean(&mut self, raw: &str, code: Option<char>) -> String {
        // The common case, printable ASCII, needs nothing but a copy.
        if raw.bytes().all(|byte| (0x20..0x80).contains(&byte)) {
            return raw.to_string();
        }
        let needs_removal =
            raw.bytes().any(|byte| byte < 0x20 && !matches!(byte, b'\t' | b'\n' | b'\r'))
                || raw.contains(['\u{FFFE}', '\u{FFFF}']);
        if raw.contains('\u{FFFD}') && !self.lost_in.contains(&code) {
            self.lost_in.push(code);
        }
        if !needs_removal {
            return raw.to_string();
        }
        raw.chars()
            .filter(|character| {
                let keep = is_allowed_char(*character);
                if !keep {
                    self.removed.push(*character);
                }
                keep
            })
            .collect()
    }

    /// Adds the warnings for the field just cleaned, tagged `tag`, and starts over.
    pub(crate) fn finish_field(&mut self, tag: &str, warnings: &mut Vec<String>) {
        if !self.removed.is_empty() {
            warnings.push(describe_removed(tag, &self.removed));
            self.removed.clear();
        }
        for code in self.lost_in.drain(..) {
            let code = code.map(|code| format!(" ${code}")).unwrap_or_default();
            warnings.push(format!(
                "field {tag}{code} holds U+FFFD, the mark of a character lost before this \
                 record was written"
            ));
        }
    }
}

/// Returns the text a reader found where a record it could not read keeps its `001`,
/// trimmed, when it can be a control number: not empty, at most 64 bytes, and free of
/// control characters. Invalid UTF-8 is replaced, not refused.
pub(crate) fn plausible_control_number(bytes: &[u8]) -> Option<String> {
    let text = String::from_utf8_lossy(bytes);
    let text = text.trim();
    (!text.is_empty() && text.len() <= 64 && !text.contains(char::is_control))
        .then(|| text.to_string())
}

/// Returns the warning for a subfield code that is not ASCII.
pub(crate) fn non_ascii_code(tag: &str, code: char) -> String {
    format!("field {tag}: the subfield code U+{:04X} is not an ASCII character", u32::from(code))
}

/// Returns true for the characters a record value may hold: those XML 1.0 allows.
pub(crate) fn is_allowed_char(character: char) -> bool {
    match character {
        '\t' | '\n' | '\r' => true,
        '\u{0}'..='\u{1F}' | '\u{FFFE}' | '\u{FFFF}' => false,
        _ => true,
    }
}

/// Describes the characters removed from one field, for a warning.
fn describe_removed(tag: &str, removed: &[char]) -> String {
    let mut codes: Vec<String> = Vec::new();
    for character in removed {
        let code = format!("U+{:04X}", u32::from(*character));
        if !codes.contains(&code) {
            codes.push(code);
        }
    }
    let count = removed.len();
    let noun = if count == 1 { "character" } else { "characters" };
    format!(
        "field {tag}: removed {count} control {noun} ({}) that a record cannot carry",
        codes.join(", ")
    )
}

/// Returns the leader a record keeps for `raw`: 24 ASCII characters, with anything else
/// blanked and the positions MARC 21 fixes (10-11 `22`, 20-23 `4500`) set, and a warning
/// for each repair. Short leaders are padded with blanks and long ones cut.
pub(crate) fn repair_leader(raw: &[u8], warnings: &mut Vec<String>) -> [u8; 24] {
    let mut leader = [b' '; 24];
    if raw.len() != 24 {
        warnings.push(format!("the leader was {} characters long, not 24; repaired", raw.len()));
    }
    const FIXED: [(usize, u8, &str); 6] = [
        (10, b'2', "indicator count"),
        (11, b'2', "subfield code length"),
        (20, b'4', "length-of-field length"),
        (21, b'5', "starting-position length"),
        (22, b'0', "implementation-defined length"),
        (23, b'0', "undefined entry map position"),
    ];
    let mut blanked = Vec::new();
    for (position, byte) in raw.iter().take(24).enumerate() {
        if byte.is_ascii_graphic() || *byte == b' ' {
            leader[position] = *byte;
        } else if let Some((_, expected, meaning)) =
            FIXED.iter().find(|(fixed, _, _)| *fixed == position)
        {
            warnings.push(format!(
                "leader position {position} ({meaning}) held the byte 0x{byte:02X}; set to {}",
                char::from(*expected)
            ));
            leader[position] = *expected;
        } else {
            blanked.push(format!("{position} (0x{byte:02X})"));
        }
    }
    if !blanked.is_empty() {
        warnings.push(format!(
            "leader positions {} held bytes that are not printable ASCII; set to blank",
            blanked.join(", ")
        ));
    }
    for (position, expected, meaning) in FIXED {
        if leader[position] != expected {
            let found = char::from(leader[position]);
            let found = if found == ' ' { "blank".to_string() } else { format!("'{found}'") };
            warnings.push(format!(
                "leader position {position} ({meaning}) was {found}; set to {}",
                char::from(expected)
            ));
            leader[position] = expected;
        }
    }
    leader
}

/// Returns the leader bytes as text (they are ASCII by construction).
pub(crate) fn leader_text(leader: &[u8; 24]) -> String {
    leader.iter().map(|byte| char::from(*byte)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clean_text_keeps_the_unicode_form_it_was_given_and_drops_control_characters() {
        let mut cleaner = TextCleaner::default();
        let text = cleaner.clean("Cafe\u{301}\u{1B}!", Some('a'));
        assert_eq!(text, "Cafe\u{301}!");
        assert_eq!(cleaner.clean("Caf\u{E9}", Some('b')), "Caf\u{E9}");
        let mut warnings = Vec::new();
        cleaner.finish_field("245", &mut warnings);
        assert_eq!(warnings.len(), 1);
        assert!(warnings[0].contains("U+001B"), "{warnings:?}");
    }

    #[test]
    fn repair_leader_sets_the_fixed_positions_and_says_so() {
        let mut warnings = Vec::new();
        let leader = repair_leader(b"00217nz  a2200097o  45 ", &mut warnings);
        assert_eq!(&leader, b"00217nz  a2200097o  4500");
        assert_eq!(warnings.len(), 3, "{warnings:?}");
    }
}
