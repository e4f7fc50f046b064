//! The free-text parts of a description: edition (250), physical description (300),
//! notes (5XX), summary (520) and contents (505).

use serde::{Deserialize, Serialize};

use super::text::{clean, join_subfields, non_empty};
use super::{fields_tagged, first_tagged};
use crate::{DataField, Record};

/// A note.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Note {
    /// The note field, e.g. `500` (general), `504` (bibliography), `546` (language).
    pub tag: String,
    /// The note's text: its lettered subfields joined, e.g. "Includes index.".
    pub text: String,
}

/// A physical description (300).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PhysicalDescription {
    /// The extent (`$a`), e.g. "xi, 274 p." or "1 videodisc (93 min.)".
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub extent: Option<String>,
    /// Other physical details (`$b`), e.g. "ill. (some col.)".
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub details: Option<String>,
    /// Dimensions (`$c`), e.g. "24 cm".
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dimensions: Option<String>,
    /// Accompanying material (`$e`), e.g. "1 computer disc (4 3/4 in.)".
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub accompanying_material: Option<String>,
    /// The whole description for display, e.g. "xi, 274 p. : ill. ; 24 cm".
    pub display: String,
}

/// Returns the lettered subfields of `field` joined by spaces.
fn lettered_text(field: &DataField) -> String {
    let mut text = String::new();
    for subfield in &field.subfields {
        if !subfield.code.is_ascii_alphabetic() {
            continue;
        }
        let value = subfield.value.trim();
        if value.is_empty() {
            continue;
        }
        if !text.is_empty() {
            text.push(' ');
        }
        text.push_str(value);
    }
    text
}

/// Reads the edition statement (first 250, `$a $b`).
pub(crate) fn edition(record: &Record) -> Option<String> {
    first_tagged(record, b"250").and_then(|field| non_empty(&field.joined("ab")))
}

/// Reads the physical descriptions (300).
pub(crate) fn physical_descriptions(record: &Record) -> Vec<PhysicalDescription> {
    fields_tagged(record, b"300")
        .filter_map(|field| {
            let display = join_subfields(
                field
                    .subfields
                    .iter()
                    .filter(|subfield| "abcef".contains(subfield.code))
                    .map(|subfield| (subfield.code, subfield.value.as_str())),
                |_, code| match code {
                    'b' => " : ",
                    'c' => " ; ",
                    'e' => " + ",
                    _ => " ",
                },
            );
            if display.is_empty() {
                return None;
            }
            Some(PhysicalDescription {
                extent: non_empty(&field.joined("af")),
                details: field.first('b').and_then(non_empty),
                dimensions: field
                    .first('c')
                    .and_then(|value| non_empty(value.trim().trim_end_matches('+'))),
                accompanying_material: field
                    .first('e')
                    .and_then(non_empty)
                    .map(|text| text.trim_start_matches('+').trim().to_string()),
                display,
            })
        })
        .collect()
}

/// Reads the notes: every 5XX except contents (505) and summary (520), in record order.
pub(crate) fn notes(record: &Record) -> Vec<Note> {
    record
        .all_data_fields()
        .filter(|field| {
            let tag = field.tag.as_bytes();
            tag[0] == b'5' && tag != *b"505" && tag != *b"520"
        })
        .filter_map(|field| {
            let text = lettered_text(field);
            (!text.is_empty()).then(|| Note { tag: field.tag.as_str().to_string(), text })
        })
        .collect()
}

/// Reads the summaries (520 `$a $b`).
pub(crate) fn summaries(record: &Record) -> Vec<String> {
    fields_tagged(record, b"520")
        .map(|field| field.joined("ab"))
        .filter(|text| !text.is_empty())
        .collect()
}

/// Reads the contents notes (505) as a list of entries: a basic note's `$a` and an
/// enhanced note's titles (`$t`), responsibilities (`$r`) and numbering (`$g`), split at
/// the " -- " that separates entries.
pub(crate) fn contents(record: &Record) -> Vec<String> {
    let mut entries = Vec::new();
    for field in fields_tagged(record, b"505") {
        let text = field.joined("agrt");
        for entry in split_entries(&text) {
            let entry = clean(entry);
            if !entry.is_empty() {
                entries.push(entry.to_string());
            }
        }
    }
    entries
}

/// Splits a contents note at each "--" that is not a range between digits
/// ("1861--1865").
fn split_entries(text: &str) -> Vec<&str> {
    let bytes = text.as_bytes();
    let mut entries = Vec::new();
    let mut start = 0;
    let mut index = 0;
    while index + 1 < bytes.len() {
        if bytes[index] == b'-' && bytes[index + 1] == b'-' {
            let digit_before = index > 0 && bytes[index - 1].is_ascii_digit();
            let digit_after = bytes.get(index + 2).is_some_and(u8::is_ascii_digit);
            if !(digit_before && digit_after) {
                entries.push(&text[start..index]);
                index += 2;
                start = index;
                continue;
            }
        }
        index += 1;
    }
    entries.push(&text[start..]);
    entries
}
