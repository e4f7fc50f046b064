//! Records built in code for the tests of `describe`: a book record to start from, and
//! a builder that sets control fields and adds data fields written as "$aText$bMore".
//!
//! It builds records and nothing else: what a record should describe is for each test.

#![allow(dead_code, reason = "each test binary uses its own part of these helpers")]

use athenaeum_marc::describe::{Description, describe};
use athenaeum_marc::{ControlField, DataField, Field, Record, Subfield, Tag};

/// A record under construction: a UTF-8 book record with a plain 008 unless told
/// otherwise.
pub struct Marc {
    pub record: Record,
}

/// Returns a 40-character book 008 with `date_type` and `dates` (8 characters) at
/// 06-14, country "nyu", language "eng", and the given (position, text) overrides.
pub fn fixed(date_type: char, dates: &str, overrides: &[(usize, &str)]) -> String {
    let mut fixed: Vec<char> = "800108                                  ".chars().collect();
    fixed[6] = date_type;
    for (index, character) in dates.chars().enumerate() {
        fixed[7 + index] = character;
    }
    for (index, character) in "nyu".chars().enumerate() {
        fixed[15 + index] = character;
    }
    for (index, character) in "eng".chars().enumerate() {
        fixed[35 + index] = character;
    }
    for (position, text) in overrides {
        for (index, character) in text.chars().enumerate() {
            fixed[position + index] = character;
        }
    }
    fixed.into_iter().collect()
}

/// Returns a book record: leader "nam", control number "rec-1" and a plain 008 for
/// 1999.
pub fn book() -> Marc {
    Marc { record: Record { leader: "00000nam a2200000 i 4500".to_string(), fields: Vec::new() } }
        .control("001", "rec-1")
        .control("008", &fixed('s', "1999    ", &[]))
}

impl Marc {
    /// Replaces the leader.
    pub fn leader(mut self, leader: &str) -> Marc {
        self.record.leader = leader.to_string();
        self
    }

    /// Sets control field `tag`, replacing an earlier one with the same tag.
    #[expect(
        clippy::unwrap_used,
        reason = "fixtures are written by the test; a malformed one should fail loudly"
    )]
    pub fn control(mut self, tag: &str, value: &str) -> Marc {
        self.record.fields.retain(|field| field.tag().as_str() != tag || tag == "007");
        self.record.fields.push(Field::Control(ControlField {
            tag: Tag::parse(tag).unwrap(),
            value: value.to_string(),
        }));
        self
    }

    /// Adds a data field; `indicators` is two characters, `subfields` is "$aText$bMore".
    #[expect(
        clippy::unwrap_used,
        reason = "fixtures are written by the test; a malformed one should fail loudly"
    )]
    pub fn field(mut self, tag: &str, indicators: &str, subfields: &str) -> Marc {
        let mut indicator = indicators.chars();
        let subfields = subfields
            .split('$')
            .filter(|part| !part.is_empty())
            .map(|part| {
                let mut characters = part.chars();
                let code = characters.next().unwrap();
                Subfield { code, value: characters.as_str().to_string() }
            })
            .collect();
        self.record.fields.push(Field::Data(DataField {
            tag: Tag::parse(tag).unwrap(),
            ind1: indicator.next().unwrap(),
            ind2: indicator.next().unwrap(),
            subfields,
        }));
        self
    }

    /// Returns what `describe` makes of the record.
    pub fn describe(self) -> Description {
        describe(&self.record)
    }
}
