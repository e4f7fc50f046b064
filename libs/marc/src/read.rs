//! Reading a file of records whatever its serialisation: the format is detected from the
//! first bytes, and each record comes out as a [`ReadOutcome`] — the record, or what was
//! wrong with it and where — so one bad record never stops the rest.
//!
//! Also the pieces both readers share: a buffered byte source that keeps memory flat
//! whatever the file size, and the text clean-up every value goes through (NFC, no
//! characters a record cannot carry). Nothing here knows a serialisation's syntax.

use std::borrow::Cow;
use std::fs::File;
use std::io::{self, BufRead, BufReader, Read};
use std::path::Path;

use unicode_normalization::{IsNormalized, UnicodeNormalization, is_nfc_quick};

use crate::Record;
use crate::iso2709::Iso2709Reader;
use crate::xml::MarcXmlReader;

/// A serialisation of MARC records.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// ISO 2709 ("binary MARC", `.mrc`).
    Iso2709,
    /// MARCXML, with or without `<collection>` and the namespace.
    MarcXml,
}

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

/// Returns the format the first bytes of a file announce, or `None` when they look like
/// neither ISO 2709 nor XML.
///
/// A UTF-8 byte order mark and leading whitespace are skipped. ISO 2709 is recognised by
/// the five digits of a record length; XML by its first `<`.
pub fn detect_format(head: &[u8]) -> Option<Format> {
    let head = head.strip_prefix(UTF8_BOM).unwrap_or(head);
    let start = head.iter().position(|byte| !byte.is_ascii_whitespace())?;
    let head = &head[start..];
    if head.first() == Some(&b'<') {
        return Some(Format::MarcXml);
    }
    if head.len() >= 5 && head[..5].iter().all(u8::is_ascii_digit) {
        return Some(Format::Iso2709);
    }
    None
}

const UTF8_BOM: &[u8] = b"\xEF\xBB\xBF";

/// Reads records from a byte stream, one [`ReadOutcome`] per record.
///
/// The format is detected from the first bytes ([`detect_format`]); an empty or
/// unrecognisable input yields a single outcome whose error says so. Memory stays flat
/// whatever the input's size: one record (and one read buffer) is held at a time.
pub struct RecordReader {
    format: Option<Format>,
    records: Records,
}

enum Records {
    Iso2709(Iso2709Reader<Box<dyn BufRead + Send>>),
    MarcXml(MarcXmlReader<Box<dyn BufRead + Send>>),
    /// Nothing to read: the single outcome to give, if not given yet.
    Unreadable(Option<ReadOutcome>),
}

impl RecordReader {
    /// Returns a reader for `reader`, whose format is detected from its first bytes.
    ///
    /// Blocks while the first bytes are read. A read error, an empty input or an
    /// unrecognised format is not returned here: the reader then yields one outcome whose
    /// error says what happened.
    pub fn new(reader: impl BufRead + Send + 'static) -> RecordReader {
        let boxed: Box<dyn BufRead + Send> = Box::new(reader);
        let mut source = ByteSource::new(boxed);
        // Skip the byte order mark and leading whitespace, then look at what follows.
        source.fill_to(UTF8_BOM.len());
        if source.available().starts_with(UTF8_BOM) {
            source.consume(UTF8_BOM.len());
        }
        loop {
            let blank = source.available().iter().take_while(|b| b.is_ascii_whitespace()).count();
            source.consume(blank);
            if !source.available().is_empty() || !source.read_more() {
                break;
            }
        }
        source.fill_to(5);
        let format = detect_format(source.available());
        let records = match format {
            Some(Format::Iso2709) => Records::Iso2709(Iso2709Reader::from_source(source)),
            Some(Format::MarcXml) => Records::MarcXml(MarcXmlReader::from_source(source)),
            None => Records::Unreadable(Some(unreadable_outcome(&mut source))),
        };
        RecordReader { format, records }
    }

    /// Opens the file at `path` and returns a reader for it.
    ///
    /// Returns the error of opening the file; later read errors come out as outcomes.
    pub fn open(path: impl AsRef<Path>) -> io::Result<RecordReader> {
        let file = File::open(path)?;
        Ok(RecordReader::new(BufReader::with_capacity(CHUNK, file)))
    }

    /// Returns the format detected, or `None` when the input was empty or unrecognised.
    pub fn format(&self) -> Option<Format> {
        self.format
    }

    /// Returns how many bytes of the input have been read through so far (up to the end
    /// of the last record given out), for a progress bar.
    pub fn bytes_read(&self) -> u64 {
        match &self.records {
            Records::Iso2709(reader) => reader.bytes_read(),
            Records::MarcXml(reader) => reader.bytes_read(),
            Records::Unreadable(_) => 0,
        }
    }
}

impl Iterator for RecordReader {
    type Item = ReadOutcome;

    fn next(&mut self) -> Option<ReadOutcome> {
        match &mut self.records {
            Records::Iso2709(reader) => reader.next(),
            Records::MarcXml(reader) => reader.next(),
            Records::Unreadable(outcome) => outcome.take(),
        }
    }
}

impl std::fmt::Debug for RecordReader {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter
            .debug_struct("RecordReader")
            .field("format", &self.format)
            .field("bytes_read", &self.bytes_read())
            .finish()
    }
}

/// Returns the single outcome for an input that holds no recognisable records.
fn unreadable_outcome<R: Read>(source: &mut ByteSource<R>) -> ReadOutcome {
    let byte_offset = source.offset();
    let error = source.take_error();
    let head = source.available();
    let message = if let Some(error) = error {
        format!("could not read the input: {error}")
    } else if head.is_empty() {
        "the input holds no records: it is empty".to_string()
    } else if head.starts_with(b"\xFF\xFE") || head.starts_with(b"\xFE\xFF") {
        "the input is UTF-16 text; only UTF-8 MARCXML and ISO 2709 can be read".to_string()
    } else if matches!(head.first(), Some(b'{' | b'[')) {
        "the input looks like JSON; only ISO 2709 and MARCXML files can be read this way"
            .to_string()
    } else {
        let shown: String =
            String::from_utf8_lossy(&head[..head.len().min(24)]).escape_debug().collect();
        format!(
            "the input is neither ISO 2709 (which starts with a five-digit record length) \
             nor MARCXML (which starts with '<'); it starts with \"{shown}\""
        )
    };
    ReadOutcome { position: 1, byte_offset, record: Err(ReadError::new(message)), warnings: vec![] }
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
    /// Returns the text as a record holds it: in NFC, without the C0 control characters
    /// (other than tab, line feed and carriage return) and the non-characters
    /// U+FFFE/U+FFFF that neither ISO 2709 values nor XML 1.0 can carry.
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
        let kept: Cow<'_, str> = if needs_removal {
            Cow::Owned(
                raw.chars()
                    .filter(|character| {
                        let keep = is_allowed_char(*character);
                        if !keep {
                            self.removed.push(*character);
                        }
                        keep
                    })
                    .collect(),
            )
        } else {
            Cow::Borrowed(raw)
        };
        if kept.is_ascii() || is_nfc_quick(kept.chars()) == IsNormalized::Yes {
            kept.into_owned()
        } else {
            kept.nfc().collect()
        }
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
    fn detects_iso2709_after_a_byte_order_mark_and_whitespace() {
        assert_eq!(detect_format(b"\xEF\xBB\xBF \n00714cam"), Some(Format::Iso2709));
    }

    #[test]
    fn detects_xml_from_its_first_angle_bracket() {
        assert_eq!(detect_format(b"  <?xml version"), Some(Format::MarcXml));
    }

    #[test]
    fn recognises_nothing_in_an_empty_or_foreign_head() {
        assert_eq!(detect_format(b""), None);
        assert_eq!(detect_format(b"{\"leader\""), None);
        assert_eq!(detect_format(b"0071"), None);
    }

    #[test]
    fn clean_text_composes_to_nfc_and_drops_control_characters() {
        let mut cleaner = TextCleaner::default();
        let text = cleaner.clean("Cafe\u{301}\u{1B}!", Some('a'));
        assert_eq!(text, "Caf\u{E9}!");
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
