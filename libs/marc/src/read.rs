//! Reading a file of records whatever its serialisation: the format is detected from the
//! first bytes, and each record comes out as a [`ReadOutcome`] — the record, or what was
//! wrong with it and where — so one bad record never stops the rest.
//!
//! It only picks a reader and hands records on: the syntax of each serialisation is in its
//! reader, and what the readers share is in `reading`, which must never depend on this.

use std::fs::File;
use std::io::{self, BufRead, BufReader, Read};
use std::path::Path;

use crate::iso2709::Iso2709Reader;
use crate::reading::{ByteSource, CHUNK, ReadError, ReadOutcome};
use crate::xml::MarcXmlReader;

/// A serialisation of MARC records.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// ISO 2709 ("binary MARC", `.mrc`).
    Iso2709,
    /// MARCXML, with or without `<collection>` and the namespace.
    MarcXml,
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
}
