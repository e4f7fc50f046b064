//! Writing ISO 2709: one record at a time, always in UTF-8, with its lengths, base
//! address and directory computed.
//!
//! It refuses a record it cannot write faithfully (too long, a delimiter in a value, a
//! field that would read back as another kind) rather than write one that reads back
//! differently; it reads nothing.

use super::{
    FIELD_TERMINATOR, MAX_RECORD_LENGTH, RECORD_TERMINATOR, SUBFIELD_DELIMITER, is_indicator_char,
};
use crate::record::coding_scheme;
use crate::{Field, Record};

/// Why a record could not be written.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct WriteError {
    /// What is wrong, naming the field, e.g. "field 245 $a holds a subfield delimiter".
    pub message: String,
    /// The record's `001`, if it has one.
    pub control_number: Option<String>,
}

/// Appends `record` to `out` as one ISO 2709 record in UTF-8.
///
/// The record length (leader/00-04), base address (12-16) and directory (in field order,
/// each field right after the one before) are computed; leader/09 is written as `a`
/// unless the record is all ASCII and its leader says MARC-8 (blank), which ASCII also
/// is (see [`Record::character_coding_scheme`]). Everything else, the rest of the
/// leader, indicators, codes and every value, is written as the record holds it, so a
/// record read from a well-formed UTF-8 (or ASCII) file comes back byte for byte.
/// Nothing is appended when an error is returned.
///
/// # Errors
/// Returns a [`WriteError`] when the record cannot be written faithfully: it would be
/// longer than 99,999 bytes or hold a field longer than 9,999 bytes, its leader is not
/// 24 ASCII characters, a value holds one of ISO 2709's delimiter characters (0x1D, 0x1E,
/// 0x1F), or a field could not be told apart on reading (a control field with a numeric
/// tag outside 001-009, or a data field with no subfields whose tag reads as a control
/// field's).
pub fn write_record(record: &Record, out: &mut Vec<u8>) -> Result<(), WriteError> {
    let fail = |message: String| WriteError {
        message,
        control_number: record.control_number().map(str::to_string),
    };
    let leader = record.leader.as_bytes();
    if leader.len() != 24 || !leader.iter().all(|byte| byte.is_ascii_graphic() || *byte == b' ') {
        return Err(fail(format!(
            "the leader \"{}\" is not 24 printable ASCII characters",
            record.leader.escape_debug()
        )));
    }
    // First pass: check every field and measure it.
    let mut data_length = 0usize;
    for field in &record.fields {
        let length = field_length(field).map_err(&fail)?;
        if length > 9_999 {
            return Err(fail(format!(
                "field {} is {length} bytes long; ISO 2709 allows at most 9,999",
                field.tag()
            )));
        }
        data_length += length;
    }
    let base = 24 + 12 * record.fields.len() + 1;
    let total = base + data_length + 1;
    if total > MAX_RECORD_LENGTH {
        return Err(fail(format!(
            "the record would be {total} bytes long; ISO 2709 allows at most 99,999"
        )));
    }
    out.reserve(total);
    let record_start = out.len();
    push_digits(total, 5, out);
    out.extend_from_slice(&leader[5..9]);
    // Blank only for a record all in ASCII whose leader says MARC-8: its bytes are MARC-8.
    out.push(coding_scheme(Some(leader[9]), &record.fields));
    out.extend_from_slice(&leader[10..12]);
    push_digits(base, 5, out);
    out.extend_from_slice(&leader[17..24]);
    let mut position = 0usize;
    for field in &record.fields {
        // Measured and checked above.
        let length = field_length(field).unwrap_or_default();
        out.extend_from_slice(&field.tag().as_bytes());
        push_digits(length, 4, out);
        push_digits(position, 5, out);
        position += length;
    }
    out.push(FIELD_TERMINATOR);
    for field in &record.fields {
        match field {
            Field::Control(control) => out.extend_from_slice(control.value.as_bytes()),
            Field::Data(data) => {
                let mut buffer = [0u8; 4];
                out.extend_from_slice(data.ind1.encode_utf8(&mut buffer).as_bytes());
                out.extend_from_slice(data.ind2.encode_utf8(&mut buffer).as_bytes());
                for subfield in &data.subfields {
                    out.push(SUBFIELD_DELIMITER);
                    out.extend_from_slice(subfield.code.encode_utf8(&mut buffer).as_bytes());
                    out.extend_from_slice(subfield.value.as_bytes());
                }
            }
        }
        out.push(FIELD_TERMINATOR);
    }
    out.push(RECORD_TERMINATOR);
    debug_assert_eq!(out.len() - record_start, total);
    Ok(())
}

/// Appends `number` as `width` ASCII digits, with leading zeros (it fits: checked by the
/// caller).
fn push_digits(number: usize, width: u32, out: &mut Vec<u8>) {
    for power in (0..width).rev() {
        let digit = (number / 10usize.pow(power)) % 10;
        out.push(b'0' + digit as u8);
    }
}

/// Returns the length of `field` as written (terminator included), or why it cannot be
/// written.
fn field_length(field: &Field) -> Result<usize, String> {
    let tag = field.tag();
    match field {
        Field::Control(control) => {
            if !tag.is_control() && tag.number().is_some() {
                return Err(format!(
                    "field {tag} is a control field, but in ISO 2709 a numeric tag outside \
                     001-009 is read as a data field"
                ));
            }
            check_value(&control.value).map_err(|what| format!("field {tag} holds {what}"))?;
            Ok(control.value.len() + 1)
        }
        Field::Data(data) => {
            if data.subfields.is_empty() && (tag.is_control() || tag.number().is_none()) {
                return Err(format!(
                    "field {tag} is a data field without subfields, which in ISO 2709 would \
                     be read back as a control field"
                ));
            }
            for (which, indicator) in [("first", data.ind1), ("second", data.ind2)] {
                if !is_indicator_char(indicator) {
                    return Err(format!(
                        "field {tag}: the {which} indicator is U+{:04X}, a control character",
                        u32::from(indicator)
                    ));
                }
            }
            let mut length = data.ind1.len_utf8() + data.ind2.len_utf8() + 1;
            for subfield in &data.subfields {
                if !is_indicator_char(subfield.code) {
                    return Err(format!(
                        "field {tag}: a subfield code is U+{:04X}, a control character",
                        u32::from(subfield.code)
                    ));
                }
                check_value(&subfield.value)
                    .map_err(|what| format!("field {tag} ${} holds {what}", subfield.code))?;
                length += 1 + subfield.code.len_utf8() + subfield.value.len();
            }
            Ok(length)
        }
    }
}

/// Checks that a value holds none of the delimiter characters.
fn check_value(value: &str) -> Result<(), &'static str> {
    match value.bytes().find(|byte| matches!(byte, 0x1D..=0x1F)) {
        Some(RECORD_TERMINATOR) => Err("a record terminator (0x1D)"),
        Some(FIELD_TERMINATOR) => Err("a field terminator (0x1E)"),
        Some(_) => Err("a subfield delimiter (0x1F)"),
        None => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::super::fixtures::summerland;
    use super::super::read_record;
    use super::*;
    use crate::{DataField, Subfield, Tag};
    #[test]
    fn a_written_record_reads_back_the_same() {
        let record = summerland();
        let mut bytes = Vec::new();
        write_record(&record, &mut bytes).unwrap();
        let (read, warnings) = read_record(&bytes).unwrap();
        assert!(warnings.is_empty(), "{warnings:?}");
        assert_eq!(read.fields, record.fields);
        assert_eq!(&read.leader[5..12], &record.leader[5..12]);
    }

    #[test]
    fn a_value_holding_a_delimiter_is_refused_by_the_writer() {
        let mut record = summerland();
        if let Field::Data(field) = &mut record.fields[1] {
            field.subfields[0].value.push('\u{1F}');
        }
        let error = write_record(&record, &mut Vec::new()).unwrap_err();
        assert!(error.message.contains("field 245 $a"), "{error}");
    }

    #[test]
    fn a_record_too_long_for_iso2709_is_refused() {
        let mut record = summerland();
        for _ in 0..20 {
            record.fields.push(Field::Data(DataField {
                tag: Tag::parse("500").unwrap(),
                ind1: ' ',
                ind2: ' ',
                subfields: vec![Subfield { code: 'a', value: "x".repeat(9_000) }],
            }));
        }
        let mut out = Vec::new();
        let error = write_record(&record, &mut out).unwrap_err();
        assert!(error.message.contains("99,999"), "{error}");
        assert!(out.is_empty());
    }
}
