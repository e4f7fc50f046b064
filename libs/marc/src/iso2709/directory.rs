//! Finding a record's fields through its directory: reading the 12-byte entries (and the
//! longer ones some writers produce), and placing each field in the data area, trusting
//! the field terminators where the directory is off.
//!
//! It only locates bytes: decoding them into text and fields is for `fields`.

use super::FIELD_TERMINATOR;
use crate::Tag;
use crate::reading::Place;

/// Returns the number written in ASCII digits, or `None` if any byte is not a digit.
pub(super) fn parse_digits(bytes: &[u8]) -> Option<usize> {
    if bytes.is_empty() {
        return None;
    }
    bytes.iter().try_fold(0usize, |number, byte| {
        byte.is_ascii_digit().then(|| number * 10 + usize::from(byte - b'0'))
    })
}

/// A field found through the directory: its tag, bytes (without terminator), and where
/// they start in the record.
pub(super) struct RawField<'a> {
    pub(super) tag: Tag,
    pub(super) bytes: &'a [u8],
    pub(super) start: usize,
}

/// One directory entry as written.
pub(super) struct DirectoryEntry {
    tag: Tag,
    length: usize,
    start: usize,
}

/// Reads the directory's 12-byte entries.
pub(super) fn read_directory(
    directory: &[u8],
    place: Place,
) -> Result<Vec<DirectoryEntry>, String> {
    let mut entries = Vec::with_capacity(directory.len() / 12);
    for (index, entry) in directory.chunks_exact(12).enumerate() {
        let entry_at = || place.at((24 + index * 12) as u64);
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
pub(super) fn read_guided_directory(directory: &[u8], data: &[u8]) -> Option<Vec<DirectoryEntry>> {
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
pub(super) fn locate_fields<'a>(
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
        if repairs.is_empty() {
            repairs.extend(layout_note(&fields, data.len(), base));
        }
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

/// Returns a note when the fields, each where its directory entry places it, do not lie
/// one after another in directory order and fill the data area: a writer lays them out
/// so, and the record would not come back as the same bytes. The fields are kept in the
/// directory's order.
fn layout_note(fields: &[RawField<'_>], data_length: usize, base: usize) -> Option<String> {
    let mut expected_start = 0;
    for (index, field) in fields.iter().enumerate() {
        let start = field.start - base;
        if start != expected_start {
            let what = if start > expected_start {
                format!("{} bytes that no directory entry points to", start - expected_start)
            } else {
                "the field before it in the directory".to_string()
            };
            return Some(format!(
                "the directory's entry {} (field {}) starts its field at {start}, after {what} in the data area; the fields were kept in the directory's order",
                index + 1,
                field.tag
            ));
        }
        // The field's bytes and its terminator.
        expected_start = start + field.bytes.len() + 1;
    }
    (expected_start < data_length).then(|| {
        format!(
            "the data area holds {} bytes after its last field that no directory entry points to; they were left out",
            data_length - expected_start
        )
    })
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
