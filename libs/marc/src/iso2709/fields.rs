//! Turning the bytes of a record's fields into fields: the character set sniffed (UTF-8
//! or MARC-8, whatever leader/09 says), control fields told from data fields, indicators
//! and subfields split, and every value cleaned.
//!
//! It takes fields already located by `directory` and never looks at the directory.

use super::directory::RawField;
use super::{SUBFIELD_DELIMITER, is_indicator_char};
use crate::marc8;
use crate::reading::{Place, TextCleaner, non_ascii_code};
use crate::record::coding_scheme;
use crate::{ControlField, DataField, Field, Subfield, Tag};

/// How a record's text is encoded.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Encoding {
    Utf8,
    Marc8,
}

/// Decodes every field to text and builds the record's fields. Decides the record's
/// encoding by sniffing the bytes, and sets leader/09 accordingly: `a` for Unicode text,
/// or blank kept for a record all in ASCII (see [`crate::Record::character_coding_scheme`]).
pub(super) fn decode_fields(
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
                        place.at((field.start + valid_up_to) as u64)
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
                        place.at(raw.start as u64)
                    ));
                }
                &decoded.text
            }
        };
        fields.push(field_from_text(raw.tag, text, &mut cleaner, &mut warnings));
        cleaner.finish_field(raw.tag.as_str(), &mut warnings);
    }
    leader[9] = coding_scheme(Some(leader_says), &fields);
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
