//! MARCXML: a lenient streaming reader and a streaming writer.
//!
//! The reader cuts the input into `<record>` elements itself (any namespace prefix, with
//! or without `<collection>`, bare records one after another) and parses each with
//! quick-xml on its own, so a record that is not well-formed XML is reported and the
//! reader goes on with the next one. Elements missing their `tag` or `code` attribute
//! make their record an error: a field without its tag cannot be trusted. Unknown
//! elements inside a record are skipped with a warning.
//!
//! The writer produces UTF-8 MARCXML in the `http://www.loc.gov/MARC21/slim` namespace
//! and refuses a record holding characters XML 1.0 cannot carry rather than write a file
//! no parser would read.

use std::io::{self, Read, Write};

use quick_xml::events::{BytesRef, BytesStart, Event};

use crate::read::{
    ByteSource, ReadError, ReadOutcome, TextCleaner, is_allowed_char, leader_text, non_ascii_code,
    repair_leader,
};
use crate::record::DEFAULT_LEADER;
use crate::{ControlField, DataField, Field, Record, Subfield, Tag};

/// The MARCXML namespace.
pub const NAMESPACE: &str = "http://www.loc.gov/MARC21/slim";

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
    position: u64,
    finished: bool,
}

impl<R: Read> MarcXmlReader<R> {
    /// Returns a reader of the records in `reader`.
    pub fn new(reader: R) -> MarcXmlReader<R> {
        MarcXmlReader::from_source(ByteSource::new(reader))
    }

    pub(crate) fn from_source(source: ByteSource<R>) -> MarcXmlReader<R> {
        MarcXmlReader { source, position: 0, finished: false }
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

    fn finish(&mut self) -> Option<ReadOutcome> {
        self.finished = true;
        let error = self.source.take_error()?;
        let offset = self.source.offset();
        let message = format!("could not read the input after byte offset {offset}: {error}");
        Some(self.outcome(offset, Err(ReadError::new(message)), Vec::new()))
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
        if self.finished {
            return None;
        }
        // Find the next record start tag, consuming everything before it.
        let mut cursor = 0;
        loop {
            let Some(angle) = self.next_angle(&mut cursor, false) else {
                return self.finish();
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
                    return Some(self.outcome(byte_offset, Err(error), Vec::new()));
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
            Ok((record, warnings)) => self.outcome(byte_offset, Ok(record), warnings),
            Err(error) => self.outcome(byte_offset, Err(error), Vec::new()),
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
        self.outcome(byte_offset, Err(error), Vec::new())
    }
}

/// Parses one MARCXML `<record>` element (any namespace prefix) and returns the record
/// with the repairs made, as the streaming reader does.
///
/// # Errors
/// Returns a [`ReadError`] when the text is not a well-formed record element, holds
/// characters XML 1.0 does not allow, or a field or subfield lacks its tag or code.
pub fn read_record(text: &str) -> Result<(Record, Vec<String>), ReadError> {
    parse_record_element(text.as_bytes(), None)
}

/// Where in the input a record element starts, for messages.
#[derive(Clone, Copy)]
struct Place {
    record_offset: Option<u64>,
}

impl Place {
    fn at(self, position_in_record: u64) -> String {
        match self.record_offset {
            Some(offset) => format!("byte offset {}", offset + position_in_record),
            None => format!("byte {position_in_record} of the record"),
        }
    }
}

/// The text element being read.
enum Open {
    Nothing,
    Leader,
    Control(Tag),
    Subfield(char),
}

fn parse_record_element(
    chunk: &[u8],
    record_offset: Option<u64>,
) -> Result<(Record, Vec<String>), ReadError> {
    let place = Place { record_offset };
    let fail =
        |message: String| ReadError::new(message).with_control_number(guess_control_number(chunk));
    if let Some(at) =
        chunk.iter().position(|byte| *byte < 0x20 && !matches!(byte, b'\t' | b'\n' | b'\r'))
    {
        return Err(fail(format!(
            "the record is not well-formed XML: it holds the control character U+{:04X} at {}, \
             which XML does not allow",
            chunk[at],
            place.at(at as u64)
        )));
    }
    let text = std::str::from_utf8(chunk).map_err(|error| {
        fail(format!("the record is not valid UTF-8 at {}", place.at(error.valid_up_to() as u64)))
    })?;
    let mut reader = quick_xml::Reader::from_str(text);
    let mut warnings = Vec::new();
    let mut leader: Option<[u8; 24]> = None;
    let mut fields: Vec<Field> = Vec::new();
    let mut data_field: Option<DataField> = None;
    let mut open = Open::Nothing;
    let mut value = String::new();
    // Depth inside an unknown element being skipped.
    let mut skipping = 0usize;
    let mut cleaner = TextCleaner::default();
    loop {
        let event_start = reader.buffer_position();
        let event = reader.read_event().map_err(|error| {
            fail(format!(
                "the record is not well-formed XML: {error} (at {})",
                place.at(reader.error_position())
            ))
        })?;
        let element_at = || place.at(event_start);
        match event {
            Event::Start(_) | Event::Empty(_) if skipping > 0 => {
                if matches!(event, Event::Start(_)) {
                    skipping += 1;
                }
            }
            Event::End(_) if skipping > 0 => skipping -= 1,
            Event::Start(ref element) | Event::Empty(ref element) => {
                let is_empty = matches!(event, Event::Empty(_));
                match element.local_name().as_ref() {
                    b"record" => {}
                    b"leader" => {
                        open = Open::Leader;
                        value.clear();
                        if is_empty {
                            leader = Some(repair_leader(b"", &mut warnings));
                            open = Open::Nothing;
                        }
                    }
                    b"controlfield" => {
                        let tag =
                            required_tag(element, "controlfield", &element_at).map_err(&fail)?;
                        value.clear();
                        open = Open::Control(tag);
                        if is_empty {
                            fields.push(Field::Control(ControlField { tag, value: String::new() }));
                            open = Open::Nothing;
                        }
                    }
                    b"datafield" => {
                        let tag = required_tag(element, "datafield", &element_at).map_err(&fail)?;
                        if let Some(unclosed) = data_field.take() {
                            cleaner.finish_field(unclosed.tag.as_str(), &mut warnings);
                            fields.push(Field::Data(unclosed));
                        }
                        let ind1 =
                            indicator(element, b"ind1", tag, &mut warnings).map_err(&fail)?;
                        let ind2 =
                            indicator(element, b"ind2", tag, &mut warnings).map_err(&fail)?;
                        let field = DataField { tag, ind1, ind2, subfields: Vec::new() };
                        if is_empty {
                            fields.push(Field::Data(field));
                        } else {
                            data_field = Some(field);
                        }
                    }
                    b"subfield" => {
                        let Some(field) = data_field.as_ref() else {
                            warnings.push(format!(
                                "a <subfield> outside any <datafield> at {} was ignored",
                                element_at()
                            ));
                            if !is_empty {
                                skipping = 1;
                            }
                            continue;
                        };
                        let code = subfield_code(element, field.tag, &element_at, &mut warnings)
                            .map_err(&fail)?;
                        value.clear();
                        open = Open::Subfield(code);
                        if is_empty {
                            if let Some(field) = data_field.as_mut() {
                                field.subfields.push(Subfield { code, value: String::new() });
                            }
                            open = Open::Nothing;
                        }
                    }
                    other => {
                        let within = data_field
                            .as_ref()
                            .map(|field| format!(" in field {}", field.tag))
                            .unwrap_or_default();
                        warnings.push(format!(
                            "an unknown element <{}>{within} at {} was ignored with its content",
                            String::from_utf8_lossy(other),
                            element_at()
                        ));
                        if !is_empty {
                            skipping = 1;
                        }
                    }
                }
            }
            Event::End(ref element) => match element.local_name().as_ref() {
                b"leader" => {
                    leader = Some(repair_leader(value.as_bytes(), &mut warnings));
                    open = Open::Nothing;
                }
                b"controlfield" => {
                    if let Open::Control(tag) = open {
                        let cleaned = cleaner.clean(&value, None);
                        cleaner.finish_field(tag.as_str(), &mut warnings);
                        fields.push(Field::Control(ControlField { tag, value: cleaned }));
                    }
                    open = Open::Nothing;
                }
                b"subfield" => {
                    if let (Open::Subfield(code), Some(field)) = (&open, data_field.as_mut()) {
                        let cleaned = cleaner.clean(&value, Some(*code));
                        field.subfields.push(Subfield { code: *code, value: cleaned });
                    }
                    open = Open::Nothing;
                }
                b"datafield" => {
                    if let Some(field) = data_field.take() {
                        cleaner.finish_field(field.tag.as_str(), &mut warnings);
                        fields.push(Field::Data(field));
                    }
                }
                b"record" => break,
                _ => {}
            },
            Event::Text(ref content) => {
                if !matches!(open, Open::Nothing) {
                    let decoded = content.xml10_content().map_err(|error| {
                        fail(format!(
                            "the record's text is not readable: {error} (at {})",
                            element_at()
                        ))
                    })?;
                    value.push_str(&decoded);
                }
            }
            Event::CData(ref content) => {
                if !matches!(open, Open::Nothing) {
                    let decoded = content.decode().map_err(|error| {
                        fail(format!(
                            "the record's text is not readable: {error} (at {})",
                            element_at()
                        ))
                    })?;
                    value.push_str(&decoded);
                }
            }
            Event::GeneralRef(ref reference) => {
                let resolved = resolve_reference(reference).map_err(|problem| {
                    fail(format!(
                        "the record is not well-formed XML: {problem} (at {})",
                        element_at()
                    ))
                })?;
                if !matches!(open, Open::Nothing) {
                    value.push_str(&resolved);
                }
            }
            Event::Eof => break,
            Event::Comment(_) | Event::Decl(_) | Event::PI(_) | Event::DocType(_) => {}
        }
    }
    if let Some(unclosed) = data_field.take() {
        cleaner.finish_field(unclosed.tag.as_str(), &mut warnings);
        fields.push(Field::Data(unclosed));
    }
    let mut leader = leader.unwrap_or_else(|| {
        warnings.push("the record has no leader; a default leader was given".to_string());
        let mut default = [b' '; 24];
        default.copy_from_slice(DEFAULT_LEADER.as_bytes());
        default
    });
    leader[9] = b'a';
    Ok((Record { leader: leader_text(&leader), fields }, warnings))
}

/// Resolves a character or predefined entity reference.
fn resolve_reference(reference: &BytesRef<'_>) -> Result<String, String> {
    let name = reference.decode().map_err(|error| error.to_string())?;
    if let Some(character) = reference.resolve_char_ref().map_err(|error| error.to_string())? {
        if !is_allowed_char(character) {
            return Err(format!(
                "the character reference &{name}; stands for U+{:04X}, which XML 1.0 does not allow",
                u32::from(character)
            ));
        }
        return Ok(character.to_string());
    }
    quick_xml::escape::resolve_predefined_entity(&name)
        .map(str::to_string)
        .ok_or_else(|| format!("the entity &{name}; is not defined"))
}

/// Returns the value of the attribute with local name `name`, unescaped.
fn attribute(element: &BytesStart<'_>, name: &[u8]) -> Result<Option<String>, String> {
    for attribute in element.attributes() {
        let attribute =
            attribute.map_err(|error| format!("an attribute is not well-formed: {error}"))?;
        if attribute.key.local_name().as_ref() == name {
            let value = attribute
                .unescape_value()
                .map_err(|error| format!("an attribute value is not readable: {error}"))?;
            if let Some(bad) = value.chars().find(|character| !is_allowed_char(*character)) {
                return Err(format!(
                    "an attribute holds U+{:04X}, which XML 1.0 does not allow",
                    u32::from(bad)
                ));
            }
            return Ok(Some(value.into_owned()));
        }
    }
    Ok(None)
}

fn required_tag(
    element: &BytesStart<'_>,
    element_name: &str,
    element_at: &dyn Fn() -> String,
) -> Result<Tag, String> {
    let value = attribute(element, b"tag")
        .map_err(|problem| format!("a <{element_name}> at {}: {problem}", element_at()))?;
    let Some(value) = value else {
        return Err(format!("a <{element_name}> element at {} has no tag attribute", element_at()));
    };
    Tag::parse(&value).ok_or_else(|| {
        format!(
            "a <{element_name}> element at {} has the tag \"{}\", which is not three printable \
             ASCII characters",
            element_at(),
            value.escape_debug()
        )
    })
}

fn indicator(
    element: &BytesStart<'_>,
    name: &[u8],
    tag: Tag,
    warnings: &mut Vec<String>,
) -> Result<char, String> {
    let which = String::from_utf8_lossy(name);
    let value = attribute(element, name).map_err(|problem| format!("field {tag}: {problem}"))?;
    let Some(value) = value else {
        warnings
            .push(format!("field {tag} has no {which} attribute; the indicator was set to blank"));
        return Ok(' ');
    };
    let mut chars = value.chars();
    let indicator = match (chars.next(), chars.next()) {
        (None, _) => ' ',
        (Some(first), None) => first,
        (Some(first), Some(_)) => {
            warnings.push(format!(
                "field {tag}: {which} is \"{}\", not one character; its first character was kept",
                value.escape_debug()
            ));
            first
        }
    };
    if indicator.is_control() {
        warnings.push(format!("field {tag}: {which} is a control character; set to blank"));
        return Ok(' ');
    }
    Ok(indicator)
}

fn subfield_code(
    element: &BytesStart<'_>,
    tag: Tag,
    element_at: &dyn Fn() -> String,
    warnings: &mut Vec<String>,
) -> Result<char, String> {
    let value = attribute(element, b"code")
        .map_err(|problem| format!("a <subfield> in field {tag} at {}: {problem}", element_at()))?;
    let Some(value) = value else {
        return Err(format!(
            "a <subfield> element in field {tag} at {} has no code attribute",
            element_at()
        ));
    };
    let mut chars = value.chars();
    match (chars.next(), chars.next()) {
        (None, _) => Err(format!(
            "a <subfield> element in field {tag} at {} has an empty code",
            element_at()
        )),
        (Some(code), _) if code.is_control() => Err(format!(
            "a <subfield> element in field {tag} at {} has a control character as its code",
            element_at()
        )),
        (Some(code), None) => {
            if !code.is_ascii() {
                warnings.push(non_ascii_code(tag.as_str(), code));
            }
            Ok(code)
        }
        (Some(code), Some(_)) => {
            warnings.push(format!(
                "field {tag}: the subfield code \"{}\" is not one character; its first \
                 character was kept",
                value.escape_debug()
            ));
            Ok(code)
        }
    }
}

/// Returns the `001` of a record element that could not be read, if it can be found.
fn guess_control_number(chunk: &[u8]) -> Option<String> {
    let mut rest = chunk;
    while let Some(at) = memchr::memmem::find(rest, b"tag=") {
        rest = &rest[at + 4..];
        let quote = *rest.first()?;
        if (quote == b'"' || quote == b'\'')
            && rest.get(1..4) == Some(b"001")
            && rest.get(4) == Some(&quote)
        {
            let after = &rest[5..];
            let open_end = memchr::memchr(b'>', after)? + 1;
            let value = &after[open_end..];
            let value = &value[..memchr::memchr(b'<', value)?];
            let text = String::from_utf8_lossy(value);
            let text = text.trim();
            return (!text.is_empty() && text.len() <= 64 && !text.contains(char::is_control))
                .then(|| text.to_string());
        }
    }
    None
}

/// Why a record could not be written as MARCXML.
#[derive(Debug, thiserror::Error)]
pub enum WriteError {
    /// The output could not be written to.
    #[error("could not write the MARCXML output: {0}")]
    Io(#[from] io::Error),
    /// The record holds something XML 1.0 cannot carry; nothing of it was written.
    #[error("{message}")]
    Unwritable {
        /// What is wrong, naming the field, e.g. "field 245 $a holds U+0001, which XML
        /// 1.0 does not allow".
        message: String,
        /// The record's `001`, if it has one.
        control_number: Option<String>,
    },
}

/// Writes MARCXML one record at a time: the XML declaration and `<collection>` when
/// created, each record as it is given, `</collection>` on [`MarcXmlWriter::finish`].
///
/// Each record is built in memory first, so one refused record leaves the output
/// well-formed. Wrap a file in a `BufWriter`: every record is one `write_all`.
pub struct MarcXmlWriter<W: Write> {
    out: W,
    buffer: String,
}

impl<W: Write> MarcXmlWriter<W> {
    /// Writes the XML declaration and the `<collection>` start tag to `out`.
    ///
    /// # Errors
    /// Returns the error of writing to `out`.
    pub fn new(mut out: W) -> io::Result<MarcXmlWriter<W>> {
        out.write_all(b"<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n")?;
        out.write_all(format!("<collection xmlns=\"{NAMESPACE}\">\n").as_bytes())?;
        Ok(MarcXmlWriter { out, buffer: String::new() })
    }

    /// Writes one `<record>` element.
    ///
    /// # Errors
    /// Returns [`WriteError::Unwritable`] (and writes nothing) when the record holds a
    /// character XML 1.0 does not allow, and [`WriteError::Io`] when writing fails.
    pub fn write_record(&mut self, record: &Record) -> Result<(), WriteError> {
        self.buffer.clear();
        record_element(record, "  ", "", &mut self.buffer)?;
        self.out.write_all(self.buffer.as_bytes())?;
        Ok(())
    }

    /// Writes `</collection>`, flushes, and returns the output.
    ///
    /// # Errors
    /// Returns the error of writing to or flushing the output.
    pub fn finish(mut self) -> io::Result<W> {
        self.out.write_all(b"</collection>\n")?;
        self.out.flush()?;
        Ok(self.out)
    }
}

/// Returns `record` as a standalone `<record>` element in the MARCXML namespace.
///
/// # Errors
/// Returns [`WriteError::Unwritable`] when the record holds a character XML 1.0 does not
/// allow.
pub fn to_string(record: &Record) -> Result<String, WriteError> {
    let mut text = String::new();
    record_element(record, "", &format!(" xmlns=\"{NAMESPACE}\""), &mut text)?;
    Ok(text)
}

/// Appends the `<record>` element for `record`, indented by `indent`.
fn record_element(
    record: &Record,
    indent: &str,
    attributes: &str,
    out: &mut String,
) -> Result<(), WriteError> {
    let unwritable = |message: String| WriteError::Unwritable {
        message,
        control_number: record.control_number().map(str::to_string),
    };
    let mut leader: String = record.leader.clone();
    if leader.len() == 24 && leader.is_ascii() {
        leader.replace_range(9..10, "a");
    }
    out.push_str(indent);
    out.push_str("<record");
    out.push_str(attributes);
    out.push_str(">\n");
    out.push_str(indent);
    out.push_str("  <leader>");
    escape_into(&leader, false, out)
        .map_err(|bad| unwritable(format!("the leader holds {bad}")))?;
    out.push_str("</leader>\n");
    for field in &record.fields {
        match field {
            Field::Control(control) => {
                out.push_str(indent);
                out.push_str("  <controlfield tag=\"");
                escape_into(control.tag.as_str(), true, out).ok();
                out.push_str("\">");
                escape_into(&control.value, false, out)
                    .map_err(|bad| unwritable(format!("field {} holds {bad}", control.tag)))?;
                out.push_str("</controlfield>\n");
            }
            Field::Data(data) => {
                let tag = data.tag;
                out.push_str(indent);
                out.push_str("  <datafield tag=\"");
                escape_into(tag.as_str(), true, out).ok();
                out.push_str("\" ind1=\"");
                escape_char_into(data.ind1, out).map_err(|bad| {
                    unwritable(format!("field {tag}: the first indicator is {bad}"))
                })?;
                out.push_str("\" ind2=\"");
                escape_char_into(data.ind2, out).map_err(|bad| {
                    unwritable(format!("field {tag}: the second indicator is {bad}"))
                })?;
                out.push_str("\">\n");
                for subfield in &data.subfields {
                    out.push_str(indent);
                    out.push_str("    <subfield code=\"");
                    escape_char_into(subfield.code, out).map_err(|bad| {
                        unwritable(format!("field {tag}: a subfield code is {bad}"))
                    })?;
                    out.push_str("\">");
                    escape_into(&subfield.value, false, out).map_err(|bad| {
                        unwritable(format!("field {tag} ${} holds {bad}", subfield.code))
                    })?;
                    out.push_str("</subfield>\n");
                }
                out.push_str(indent);
                out.push_str("  </datafield>\n");
            }
        }
    }
    out.push_str(indent);
    out.push_str("</record>\n");
    Ok(())
}

fn escape_char_into(character: char, out: &mut String) -> Result<(), String> {
    let mut buffer = [0u8; 4];
    escape_into(character.encode_utf8(&mut buffer), true, out)
}

/// Appends `text` escaped for element content (or an attribute value), so that an XML
/// parser reads back exactly `text`. Returns a description of the first character XML
/// 1.0 cannot carry, if any.
fn escape_into(text: &str, in_attribute: bool, out: &mut String) -> Result<(), String> {
    let mut plain_from = 0;
    for (at, character) in text.char_indices() {
        let replacement = match character {
            '&' => "&amp;",
            '<' => "&lt;",
            '>' => "&gt;",
            '"' if in_attribute => "&quot;",
            // Parsers turn a raw carriage return into a line feed, and whitespace in
            // attributes into spaces: character references keep them.
            '\r' => "&#13;",
            '\n' if in_attribute => "&#10;",
            '\t' if in_attribute => "&#9;",
            _ if is_allowed_char(character) => continue,
            _ => {
                return Err(format!(
                    "U+{:04X}, which XML 1.0 does not allow",
                    u32::from(character)
                ));
            }
        };
        out.push_str(&text[plain_from..at]);
        out.push_str(replacement);
        plain_from = at + character.len_utf8();
    }
    out.push_str(&text[plain_from..]);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    const RECORD: &str = r#"<marc:record xmlns:marc="http://www.loc.gov/MARC21/slim">
      <marc:leader>00714cam a2200205 a 4500</marc:leader>
      <marc:controlfield tag="001">12883376</marc:controlfield>
      <marc:datafield tag="245" ind1="1" ind2="0">
        <marc:subfield code="a">Summerland &amp; more &#x2014; /</marc:subfield>
        <marc:subfield code="c">Michael Chabon.</marc:subfield>
      </marc:datafield>
    </marc:record>"#;

    #[test]
    fn a_prefixed_record_is_read_with_its_entities_resolved() {
        let (record, warnings) = read_record(RECORD).unwrap();
        assert!(warnings.is_empty(), "{warnings:?}");
        assert_eq!(record.control_number(), Some("12883376"));
        let title = record.data_field("245").unwrap();
        assert_eq!(title.first('a'), Some("Summerland & more \u{2014} /"));
    }

    #[test]
    fn a_written_record_reads_back_the_same() {
        let (record, _) = read_record(RECORD).unwrap();
        let text = to_string(&record).unwrap();
        let (again, warnings) = read_record(&text).unwrap();
        assert!(warnings.is_empty(), "{warnings:?}");
        assert_eq!(again, record);
    }

    #[test]
    fn a_value_xml_cannot_carry_is_refused() {
        let (mut record, _) = read_record(RECORD).unwrap();
        if let Field::Data(field) = &mut record.fields[1] {
            field.subfields[0].value.push('\u{1}');
        }
        let error = to_string(&record).unwrap_err();
        assert!(error.to_string().contains("field 245 $a holds U+0001"), "{error}");
    }

    #[test]
    fn a_missing_code_attribute_is_a_record_error() {
        let text = RECORD.replace("code=\"c\"", "");
        let error = read_record(&text).unwrap_err();
        assert!(error.message.contains("has no code attribute"), "{error}");
        assert_eq!(error.control_number.as_deref(), Some("12883376"));
    }

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
