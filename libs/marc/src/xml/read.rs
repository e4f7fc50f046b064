//! Reading MARCXML as a stream: the input is cut into `<record>` elements without an XML
//! parser (so a broken record cannot stop the ones after it), each handed to `element`,
//! and each outcome numbered.
//!
//! It looks at no more of a record than its element's tags; what a record says is for
//! `element`, and it writes nothing.

use std::io::Read;

use super::element::{guess_control_number, parse_record_element};
use crate::reading::{ByteSource, Outcomes, ReadError, ReadOutcome};

/// The largest record element the reader accepts, so that an input missing its
/// `</record>` cannot make it hold the whole file.
const MAX_RECORD_ELEMENT: usize = 16 * 1024 * 1024;

/// Reads MARCXML records one at a time from any [`Read`]er.
///
/// Everything outside `<record>` elements (the XML declaration, `<collection>`,
/// comments, other wrappers) is passed over. Each record element is parsed on its own;
/// the outcome's `byte_offset` is where its start tag begins.
pub struct MarcXmlReader<R> {
    source: ByteSource<R>,
    outcomes: Outcomes,
}

impl<R: Read> MarcXmlReader<R> {
    /// Returns a reader of the records in `reader`.
    pub fn new(reader: R) -> MarcXmlReader<R> {
        MarcXmlReader::from_source(ByteSource::new(reader))
    }

    pub(crate) fn from_source(source: ByteSource<R>) -> MarcXmlReader<R> {
        MarcXmlReader { source, outcomes: Outcomes::default() }
    }

    /// Returns how many bytes of the input have been read through so far.
    pub fn bytes_read(&self) -> u64 {
        self.source.offset()
    }

    /// Reads until `at + count` bytes are available or the input ends.
    fn look_ahead(&mut self, at: usize, count: usize) {
        self.source.fill_to(at + count);
    }

    /// Returns the index (in the available bytes) just past the end of the markup that
    /// starts at `at` with '<', reading more as needed, with its kind; `None` when the
    /// input ends inside it.
    fn markup_at(&mut self, at: usize) -> Option<Markup> {
        self.look_ahead(at, 16);
        let head = &self.source.available()[at..];
        let (terminator, kind): (&[u8], MarkupKind) = if head.starts_with(b"<!--") {
            (b"-->", MarkupKind::Other)
        } else if head.starts_with(b"<![CDATA[") {
            (b"]]>", MarkupKind::Other)
        } else if head.starts_with(b"<?") {
            (b"?>", MarkupKind::Other)
        } else {
            (b">", MarkupKind::Tag)
        };
        let end = match kind {
            MarkupKind::Other => self.find_from(at + 2, terminator)?,
            MarkupKind::Tag => self.find_tag_end(at + 1)?,
        };
        let markup = &self.source.available()[at..end];
        Some(Markup { end, tag: (kind == MarkupKind::Tag).then(|| TagInfo::parse(markup)) })
    }

    /// Finds `needle` at or after `from`, reading more as needed; returns the index just
    /// past it.
    fn find_from(&mut self, from: usize, needle: &[u8]) -> Option<usize> {
        let mut searched = from;
        loop {
            let available = self.source.available();
            if searched < available.len()
                && let Some(found) = memchr::memmem::find(&available[searched..], needle)
            {
                return Some(searched + found + needle.len());
            }
            searched = available.len().saturating_sub(needle.len() - 1).max(from);
            if available.len() > MAX_RECORD_ELEMENT || !self.source.read_more() {
                return None;
            }
        }
    }

    /// Finds the '>' that ends a tag whose name starts at `from`, skipping quoted
    /// attribute values; returns the index just past it. A '<' (which XML allows in
    /// neither) ends a broken tag just before it, so one stray '<' in text cannot swallow
    /// the records after it.
    fn find_tag_end(&mut self, from: usize) -> Option<usize> {
        let mut index = from;
        let mut quote: Option<u8> = None;
        loop {
            let available = self.source.available();
            while index < available.len() {
                let byte = available[index];
                match quote {
                    _ if byte == b'<' => return Some(index),
                    Some(open) if byte == open => quote = None,
                    Some(_) => {}
                    None if byte == b'"' || byte == b'\'' => quote = Some(byte),
                    None if byte == b'>' => return Some(index + 1),
                    None => {}
                }
                index += 1;
            }
            if available.len() > MAX_RECORD_ELEMENT || !self.source.read_more() {
                return None;
            }
        }
    }

    /// Finds the next '<' at or after `from`, consuming what lies before it when no
    /// record is open (`keep_from` is `None`). Returns its index, or `None` at the end.
    fn next_angle(&mut self, from: &mut usize, in_record: bool) -> Option<usize> {
        loop {
            let available = self.source.available();
            if let Some(found) = memchr::memchr(b'<', &available[*from..]) {
                return Some(*from + found);
            }
            if in_record {
                *from = available.len();
                if available.len() > MAX_RECORD_ELEMENT {
                    return None;
                }
            } else {
                let length = available.len();
                self.source.consume(length);
                *from = 0;
            }
            if !self.source.read_more() {
                return None;
            }
        }
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum MarkupKind {
    Tag,
    Other,
}

struct Markup {
    /// Index just past the markup.
    end: usize,
    /// For a start or end tag, what it is.
    tag: Option<TagInfo>,
}

/// What the chunker needs to know of a tag.
struct TagInfo {
    closing: bool,
    self_closing: bool,
    local_name: LocalName,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum LocalName {
    Record,
    Field,
    Other,
}

impl TagInfo {
    /// Reads a tag's markup, from '<' to '>'.
    fn parse(markup: &[u8]) -> TagInfo {
        let Some(inner) = markup.strip_suffix(b">").and_then(|tag| tag.get(1..)) else {
            // Broken off by a '<': no tag the reader acts on.
            return TagInfo { closing: false, self_closing: false, local_name: LocalName::Other };
        };
        let closing = inner.first() == Some(&b'/');
        let name_start = usize::from(closing);
        let name_end = inner[name_start..]
            .iter()
            .position(|byte| byte.is_ascii_whitespace() || *byte == b'/' || *byte == b'>')
            .map_or(inner.len(), |end| name_start + end);
        let name = &inner[name_start..name_end];
        let local = name.iter().rposition(|byte| *byte == b':').map_or(name, |at| &name[at + 1..]);
        let local_name = match local {
            b"record" => LocalName::Record,
            b"leader" | b"controlfield" | b"datafield" => LocalName::Field,
            _ => LocalName::Other,
        };
        TagInfo { closing, self_closing: inner.last() == Some(&b'/'), local_name }
    }
}

impl<R: Read> Iterator for MarcXmlReader<R> {
    type Item = ReadOutcome;

    fn next(&mut self) -> Option<ReadOutcome> {
        if self.outcomes.is_finished() {
            return None;
        }
        // Find the next record start tag, consuming everything before it.
        let mut cursor = 0;
        loop {
            let Some(angle) = self.next_angle(&mut cursor, false) else {
                return self.outcomes.finish(&mut self.source);
            };
            let Some(markup) = self.markup_at(angle) else {
                // Markup left open to the end of the input (or absurdly long): nothing in
                // it is a record; go on after it.
                let length = self.source.available().len();
                self.source.consume(length);
                cursor = 0;
                continue;
            };
            match markup.tag {
                Some(tag) if tag.local_name == LocalName::Record && !tag.closing => {
                    self.source.consume(angle);
                    if tag.self_closing {
                        return Some(self.record_outcome(markup.end - angle));
                    }
                    cursor = markup.end - angle;
                    break;
                }
                _ => {
                    self.source.consume(markup.end);
                    cursor = 0;
                }
            }
        }
        // Find its end tag. A record start tag before any field restarts the record (a
        // wrapper such as OAI-PMH's own <record>); one after fields means this record
        // was never closed.
        let mut seen_field = false;
        loop {
            let Some(angle) = self.next_angle(&mut cursor, true) else {
                return Some(self.unterminated_record());
            };
            let Some(markup) = self.markup_at(angle) else {
                return Some(self.unterminated_record());
            };
            let Some(tag) = markup.tag else {
                cursor = markup.end;
                continue;
            };
            match tag.local_name {
                LocalName::Record if tag.closing => return Some(self.record_outcome(markup.end)),
                LocalName::Record if seen_field => {
                    let byte_offset = self.source.offset();
                    let chunk = &self.source.available()[..angle];
                    let control_number = guess_control_number(chunk);
                    self.source.consume(angle);
                    let message = format!(
                        "the record that starts at byte offset {byte_offset} has no </record> \
                         before the next record starts"
                    );
                    let error = ReadError::new(message).with_control_number(control_number);
                    return Some(self.outcomes.give(byte_offset, Err(error), Vec::new()));
                }
                LocalName::Record if tag.self_closing => {
                    self.source.consume(angle);
                    return Some(self.record_outcome(markup.end - angle));
                }
                LocalName::Record => {
                    self.source.consume(angle);
                    cursor = markup.end - angle;
                }
                LocalName::Field => {
                    seen_field = true;
                    cursor = markup.end;
                }
                LocalName::Other => cursor = markup.end,
            }
        }
    }
}

impl<R: Read> MarcXmlReader<R> {
    /// Parses the record element held in the first `length` available bytes.
    fn record_outcome(&mut self, length: usize) -> ReadOutcome {
        let byte_offset = self.source.offset();
        let parsed = parse_record_element(&self.source.available()[..length], Some(byte_offset));
        self.source.consume(length);
        match parsed {
            Ok((record, warnings)) => self.outcomes.give(byte_offset, Ok(record), warnings),
            Err(error) => self.outcomes.give(byte_offset, Err(error), Vec::new()),
        }
    }

    /// Reports the record open at the end of the input (or too long to hold).
    fn unterminated_record(&mut self) -> ReadOutcome {
        let byte_offset = self.source.offset();
        let available = self.source.available();
        let length = available.len().min(MAX_RECORD_ELEMENT);
        let control_number = guess_control_number(&available[..length]);
        self.source.consume(length);
        let message = if length >= MAX_RECORD_ELEMENT {
            format!(
                "the record that starts at byte offset {byte_offset} has no </record> within \
                 {MAX_RECORD_ELEMENT} bytes; skipped"
            )
        } else {
            format!(
                "the input ends inside the record that starts at byte offset {byte_offset} \
                 (no </record>)"
            )
        };
        let error = ReadError::new(message).with_control_number(control_number);
        self.outcomes.give(byte_offset, Err(error), Vec::new())
    }
}

#[cfg(test)]
mod tests {
    use super::super::fixtures::RECORD;
    use super::*;

    #[test]
    fn a_malformed_record_is_reported_and_the_next_one_read() {
        let bad = RECORD.replace("Michael", "Mich\u{1}ael");
        let input = format!("<collection>{RECORD}{bad}{RECORD}</collection>");
        let outcomes: Vec<_> = MarcXmlReader::new(input.as_bytes()).collect();
        assert_eq!(outcomes.len(), 3);
        assert!(outcomes[0].record.is_ok());
        let error = outcomes[1].record.as_ref().unwrap_err();
        assert!(error.message.contains("U+0001"), "{error}");
        assert!(outcomes[2].record.is_ok());
    }

    #[test]
    fn an_oai_style_wrapper_record_is_passed_over() {
        let input = format!("<OAI><record><header/><metadata>{RECORD}</metadata></record></OAI>");
        let outcomes: Vec<_> = MarcXmlReader::new(input.as_bytes()).collect();
        assert_eq!(outcomes.len(), 1);
        assert!(outcomes[0].record.is_ok(), "{:?}", outcomes[0].record);
    }
}
