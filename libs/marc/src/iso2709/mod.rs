//! ISO 2709 ("binary MARC"): a lenient streaming reader that reports each bad record and
//! goes on with the next, a one-record parser, and a writer that always produces UTF-8.
//!
//! The reader trusts the bytes over the leader: a record's end is its 0x1D terminator
//! when the length is wrong, a field's end its 0x1E terminator when the directory is off,
//! and the character set is sniffed (valid UTF-8 is read as UTF-8 whatever leader/09
//! says; anything else goes through [`crate::marc8`]). It never panics on any input.
//!
//! This is the module's face: the syntax's constants and what reader and writer both
//! need. The reader is in `read` (with `directory` and `fields`), the writer in `write`;
//! neither reaches into the other.

mod directory;
mod fields;
mod read;
mod write;

pub use read::{Iso2709Reader, read_record};
pub use write::{WriteError, write_record};

use crate::reading::is_allowed_char;

/// The record terminator.
pub const RECORD_TERMINATOR: u8 = 0x1D;
/// The field terminator.
pub const FIELD_TERMINATOR: u8 = 0x1E;
/// The subfield delimiter.
pub const SUBFIELD_DELIMITER: u8 = 0x1F;

/// The largest record ISO 2709 can describe: its length has five digits.
pub const MAX_RECORD_LENGTH: usize = 99_999;

/// Returns true for characters an indicator or subfield code may be: anything but a
/// control character or a character XML cannot carry.
fn is_indicator_char(character: char) -> bool {
    !character.is_control() && is_allowed_char(character)
}

#[cfg(test)]
mod fixtures {
    use crate::{ControlField, DataField, Field, Record, Subfield, Tag};

    /// Returns a small book record: a control number and a title with its statement of
    /// responsibility.
    pub(super) fn summerland() -> Record {
        Record {
            leader: "00714cam a2200205 a 4500".to_string(),
            fields: vec![
                Field::Control(ControlField {
                    tag: Tag::parse("001").unwrap(),
                    value: "12883376".to_string(),
                }),
                Field::Data(DataField {
                    tag: Tag::parse("245").unwrap(),
                    ind1: '1',
                    ind2: '0',
                    subfields: vec![
                        Subfield { code: 'a', value: "Summerland /".to_string() },
                        Subfield { code: 'c', value: "Michael Chabon.".to_string() },
                    ],
                }),
            ],
        }
    }
}
