//! What kind of record this is (leader/06) and what form of material it describes, the
//! way discovery layers decide it: from leader/06-07, the 007 physical description and
//! the 008 form of item. It never reads free text (300, 538).

use std::borrow::Cow;

use serde::{Deserialize, Serialize};

use super::first_tagged;
use crate::{Field, Record};

/// What a MARC record is about, from leader/06.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RecordKind {
    /// A bibliographic record: a book, score, film, map… (leader/06 a c d e f g i j k m
    /// o p r t).
    Bibliographic,
    /// An authority record: a name, subject or title heading (z).
    Authority,
    /// A holdings record (MFHD): what a library holds of a resource (u v x y).
    Holdings,
    /// A classification record (w).
    Classification,
    /// A community information record: an event, a service, an organisation (q).
    CommunityInformation,
    /// Leader/06 holds no known type.
    Unknown,
}

impl RecordKind {
    /// Returns the kind for a leader/06 type of record.
    pub fn from_leader(type_of_record: char) -> RecordKind {
        match type_of_record {
            'a' | 'c' | 'd' | 'e' | 'f' | 'g' | 'i' | 'j' | 'k' | 'm' | 'o' | 'p' | 'r' | 't' => {
                RecordKind::Bibliographic
            }
            'z' => RecordKind::Authority,
            'u' | 'v' | 'x' | 'y' => RecordKind::Holdings,
            'w' => RecordKind::Classification,
            'q' => RecordKind::CommunityInformation,
            _ => RecordKind::Unknown,
        }
    }
}

/// The form of material a bibliographic record describes, as a catalogue's format facet
/// shows it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MaterialFormat {
    /// A printed book (language material, monograph).
    Book,
    /// A large-print book (008/23 `d`, or 007 `tb`).
    LargePrintBook,
    /// A braille book (008/23 `f`, or 007 `f` tactile / `tc`).
    Braille,
    /// An electronic book (008/23 `o`, `q` or `s`, or a 007 `c` on a text record that
    /// does not announce its electronic form as another version in a 530 note).
    EBook,
    /// Text on microfilm, microfiche or microopaque (008/23 `a`, `b`, `c`, or 007 `h`).
    Microform,
    /// A manuscript text (leader/06 `t`).
    Manuscript,
    /// A serial or other continuing resource that is neither a periodical nor a newspaper
    /// (leader/07 `s`, `b` or `i`), e.g. a monographic series or conference proceedings.
    Serial,
    /// A periodical: a journal or magazine (serial with 008/21 `p`).
    Journal,
    /// A newspaper (serial with 008/21 `n`).
    Newspaper,
    /// A nonmusical sound recording, mostly spoken word (leader/06 `i`).
    Audiobook,
    /// A musical sound recording (leader/06 `j`).
    MusicRecording,
    /// Printed or manuscript music (leader/06 `c`, `d`).
    MusicScore,
    /// A DVD video (leader/06 `g`, 007 `v` with 007/04 `v`).
    Dvd,
    /// A Blu-ray video (007/04 `s`).
    BluRay,
    /// A videocassette: VHS, Beta, U-matic, 8 mm and the like (007/04 `a`, `b`, `c`, `i`,
    /// `j`, `k`, `m`, `o`, `p`, `q`).
    VideoCassette,
    /// Any other moving image: film, an unidentified video format (leader/06 `g`).
    Video,
    /// A map, atlas or globe, printed or manuscript (leader/06 `e`, `f`).
    Map,
    /// A computer file: software, data, a game (leader/06 `m`).
    ComputerFile,
    /// A kit of mixed components (leader/06 `o`).
    Kit,
    /// A two-dimensional still image: photograph, print, poster, drawing, and projected
    /// images such as slides (leader/06 `k`; `g` with 008/33 `f`, `s`, `t`).
    StillImage,
    /// A three-dimensional artefact or naturally occurring object (leader/06 `r`).
    Object,
    /// Archival mixed materials (leader/06 `p`).
    MixedMaterials,
    /// Anything else, and records that are not bibliographic.
    Other,
}

/// Returns the record's 008 with one byte per character position, so positions can be
/// read by index: the first 008 that starts with a six-digit date entered (some records
/// carry a broken one first), else the first 008. Non-breaking spaces become spaces and
/// any other non-ASCII character becomes `?`, so a stray multi-byte character does not
/// shift the positions after it.
pub(crate) fn fixed_field(record: &Record) -> Option<Cow<'_, str>> {
    let mut candidates = record.fields.iter().filter_map(|field| match field {
        Field::Control(control) if control.tag.as_bytes() == *b"008" => {
            Some(control.value.as_str())
        }
        _ => None,
    });
    let first = candidates.next()?;
    let starts_with_date =
        |value: &str| value.len() >= 6 && value.as_bytes()[..6].iter().all(u8::is_ascii_digit);
    let chosen = if starts_with_date(first) {
        first
    } else {
        candidates.find(|value| starts_with_date(value)).unwrap_or(first)
    };
    if chosen.is_ascii() {
        return Some(Cow::Borrowed(chosen));
    }
    let positional = chosen
        .chars()
        .map(|character| match character {
            '\u{a0}' => ' ',
            character if character.is_ascii() => character,
            _ => '?',
        })
        .collect();
    Some(Cow::Owned(positional))
}

/// Returns the format of a bibliographic record whose 008 (see [`fixed_field`]) is
/// `fixed`.
pub(crate) fn material_format(record: &Record, fixed: Option<&str>) -> MaterialFormat {
    let type_of_record = record.leader_at(6);
    let fixed = fixed.unwrap_or_default().as_bytes();
    let fixed_at = |position: usize| fixed.get(position).map_or(' ', |byte| char::from(*byte));
    let physical: Vec<&[u8]> = record
        .fields
        .iter()
        .filter_map(|field| match field {
            Field::Control(control) if control.tag.as_bytes() == *b"007" => {
                Some(control.value.as_bytes())
            }
            _ => None,
        })
        .collect();
    let has_physical = |category: u8| physical.iter().any(|value| value.first() == Some(&category));
    match type_of_record {
        'a' | 't' => text_format(record, type_of_record, fixed_at(21), fixed_at(23), &physical),
        'c' | 'd' => MaterialFormat::MusicScore,
        'e' | 'f' => MaterialFormat::Map,
        'g' => {
            if let Some(video) = physical.iter().find(|value| value.first() == Some(&b'v')) {
                return match video.get(4) {
                    Some(b'v') => MaterialFormat::Dvd,
                    Some(b's') => MaterialFormat::BluRay,
                    Some(b'a' | b'b' | b'c' | b'i' | b'j' | b'k' | b'm' | b'o' | b'p' | b'q') => {
                        MaterialFormat::VideoCassette
                    }
                    _ => MaterialFormat::Video,
                };
            }
            if has_physical(b'm') {
                return MaterialFormat::Video;
            }
            match fixed_at(33) {
                'f' | 's' | 't' => MaterialFormat::StillImage,
                _ => MaterialFormat::Video,
            }
        }
        'i' => MaterialFormat::Audiobook,
        'j' => MaterialFormat::MusicRecording,
        'k' => MaterialFormat::StillImage,
        'm' => MaterialFormat::ComputerFile,
        'o' => MaterialFormat::Kit,
        'p' => MaterialFormat::MixedMaterials,
        'r' => MaterialFormat::Object,
        _ => MaterialFormat::Other,
    }
}

/// Returns the format of language material (leader/06 `a` or `t`).
fn text_format(
    record: &Record,
    type_of_record: char,
    frequency_kind: char,
    form_of_item: char,
    physical: &[&[u8]],
) -> MaterialFormat {
    if type_of_record == 't' {
        return MaterialFormat::Manuscript;
    }
    if matches!(record.leader_at(7), 's' | 'b' | 'i') {
        return match frequency_kind {
            'n' => MaterialFormat::Newspaper,
            'p' => MaterialFormat::Journal,
            _ => MaterialFormat::Serial,
        };
    }
    match form_of_item {
        'd' => return MaterialFormat::LargePrintBook,
        'f' => return MaterialFormat::Braille,
        'o' | 'q' | 's' => return MaterialFormat::EBook,
        'a' | 'b' | 'c' => return MaterialFormat::Microform,
        _ => {}
    }
    // Print records often carry a 007 for a digitised copy that they announce in a 530
    // ("Also available in digital form"): the record itself still describes print.
    let electronic_copy_elsewhere = first_tagged(record, b"530").is_some();
    for value in physical {
        match (value.first(), value.get(1)) {
            (Some(b'c'), _) if !electronic_copy_elsewhere => return MaterialFormat::EBook,
            (Some(b'f'), _) | (Some(b't'), Some(b'c')) => return MaterialFormat::Braille,
            (Some(b't'), Some(b'b')) => return MaterialFormat::LargePrintBook,
            (Some(b'h'), _) => return MaterialFormat::Microform,
            _ => {}
        }
    }
    MaterialFormat::Book
}
