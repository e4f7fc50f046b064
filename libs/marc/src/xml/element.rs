//! Parsing one MARCXML `<record>` element with quick-xml into a record: fields with their
//! tags, indicators and subfield codes, the text of every value cleaned, the leader
//! repaired, and a warning for each repair.
//!
//! It sees one element at a time and never the stream around it: cutting the input into
//! elements is for `read`.

use quick_xml::events::{BytesRef, BytesStart, Event};

use crate::reading::{
    Place, ReadError, TextCleaner, is_allowed_char, leader_text, non_ascii_code,
    plausible_control_number, repair_leader,
};
use crate::record::DEFAULT_LEADER;
use crate::{ControlField, DataField, Field, Record, Subfield, Tag};

/// Parses one MARCXML `<record>` element (any namespace prefix) and returns the record
/// with the repairs made, as the streaming reader does.
///
/// # Errors
/// Returns a [`ReadError`] when the text is not a well-formed record element, holds
/// characters XML 1.0 does not allow, or a field or subfield lacks its tag or code.
pub fn read_record(text: &str) -> Result<(Record, Vec<String>), ReadError> {
    parse_record_element(text.as_bytes(), None)
}

/// The text element being read.
enum Open {
    Nothing,
    Leader,
    Control(Tag),
    Subfield(char),
}

pub(super) fn parse_record_element(
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
    // Leader/09 is kept as it came: MARCXML text is Unicode whatever it says, and the
    // ISO 2709 writer sets it from the text.
    let leader = leader.unwrap_or_else(|| {
        warnings.push("the record has no leader; a default leader was given".to_string());
        let mut default = [b' '; 24];
        default.copy_from_slice(DEFAULT_LEADER.as_bytes());
        default
    });
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
pub(super) fn guess_control_number(chunk: &[u8]) -> Option<String> {
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
            return plausible_control_number(value);
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::super::fixtures::RECORD;
    use super::*;

    #[test]
    fn a_prefixed_record_is_read_with_its_entities_resolved() {
        let (record, warnings) = read_record(RECORD).unwrap();
        assert!(warnings.is_empty(), "{warnings:?}");
        assert_eq!(record.control_number(), Some("12883376"));
        let title = record.data_field("245").unwrap();
        assert_eq!(title.first('a'), Some("Summerland & more \u{2014} /"));
    }

    #[test]
    fn a_missing_code_attribute_is_a_record_error() {
        let text = RECORD.replace("code=\"c\"", "");
        let error = read_record(&text).unwrap_err();
        assert!(error.message.contains("has no code attribute"), "{error}");
        assert_eq!(error.control_number.as_deref(), Some("12883376"));
    }
}
