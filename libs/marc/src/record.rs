//! The MARC record as every other room sees it: a leader and an ordered list of fields,
//! all text already in UTF-8, in the Unicode form it came in (see [`crate::normalization`]
//! for comparing). Readers build it, writers serialise it; it keeps field order, repeated
//! fields and subfields, indicators and the bytes of every value exactly as they came, so
//! a record read and written again is the same record, byte for byte where the syntax
//! allows.

use serde::{Deserialize, Serialize};

/// A three-character field tag, e.g. `245`. Real files hold letters in tags too
/// (`alphatag.dat`), so any three ASCII graphic characters are accepted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Tag([u8; 3]);

impl Tag {
    /// Returns the tag for three ASCII graphic characters, or `None`.
    pub fn parse(text: &str) -> Option<Tag> {
        let bytes = text.as_bytes();
        if bytes.len() != 3 || !bytes.iter().all(u8::is_ascii_graphic) {
            return None;
        }
        Some(Tag([bytes[0], bytes[1], bytes[2]]))
    }

    /// Returns the tag for three ASCII graphic bytes known when the program is written,
    /// e.g. `Tag::of(b"245")`; in a `const` a bad literal fails to compile.
    pub const fn of(bytes: &[u8; 3]) -> Tag {
        assert!(
            bytes[0].is_ascii_graphic()
                && bytes[1].is_ascii_graphic()
                && bytes[2].is_ascii_graphic(),
            "a MARC tag is three ASCII graphic characters"
        );
        Tag(*bytes)
    }

    /// Returns the tag for three bytes when they are ASCII graphic characters.
    pub fn from_bytes(bytes: [u8; 3]) -> Option<Tag> {
        bytes.iter().all(u8::is_ascii_graphic).then_some(Tag(bytes))
    }

    /// Returns the tag as text.
    pub fn as_str(&self) -> &str {
        // Only ASCII graphic bytes are ever stored.
        std::str::from_utf8(&self.0).unwrap_or("???")
    }

    /// Returns the tag's bytes.
    pub fn as_bytes(&self) -> [u8; 3] {
        self.0
    }

    /// Returns true for control fields: tags `001` to `009` (and `00X` in general).
    pub fn is_control(&self) -> bool {
        self.0[0] == b'0' && self.0[1] == b'0'
    }

    /// Returns the tag as a number when it is all digits (`245` → 245).
    pub fn number(&self) -> Option<u16> {
        self.as_str().parse().ok()
    }
}

impl std::fmt::Display for Tag {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter.write_str(self.as_str())
    }
}

impl Serialize for Tag {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for Tag {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Tag, D::Error> {
        let text = String::deserialize(deserializer)?;
        Tag::parse(&text)
            .ok_or_else(|| serde::de::Error::custom(format!("{text:?} is not a MARC tag")))
    }
}

/// A control field (`00X`): a tag and an unstructured value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ControlField {
    /// The tag, e.g. `001`.
    pub tag: Tag,
    /// The value, e.g. the control number.
    pub value: String,
}

/// One subfield: a code and its value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Subfield {
    /// The code, e.g. `a`. Usually a lowercase letter or digit.
    pub code: char,
    /// The value.
    pub value: String,
}

/// A data field: a tag, two indicators and ordered subfields.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DataField {
    /// The tag, e.g. `245`.
    pub tag: Tag,
    /// The first indicator (`' '` when blank).
    pub ind1: char,
    /// The second indicator.
    pub ind2: char,
    /// The subfields in the order they came.
    pub subfields: Vec<Subfield>,
}

impl DataField {
    /// Returns the value of the first subfield with `code`.
    pub fn first(&self, code: char) -> Option<&str> {
        self.subfields.iter().find(|subfield| subfield.code == code).map(|s| s.value.as_str())
    }

    /// Returns the values of every subfield with `code`, in order.
    pub fn all(&self, code: char) -> impl Iterator<Item = &str> {
        self.subfields
            .iter()
            .filter(move |subfield| subfield.code == code)
            .map(|subfield| subfield.value.as_str())
    }

    /// Returns the values of the subfields whose codes are in `codes`, in field order.
    pub fn values_of<'a>(&'a self, codes: &'a str) -> impl Iterator<Item = &'a str> + 'a {
        self.subfields
            .iter()
            .filter(move |subfield| codes.contains(subfield.code))
            .map(|subfield| subfield.value.as_str())
    }

    /// Returns the values of the subfields whose codes are in `codes`, joined by spaces.
    pub fn joined(&self, codes: &str) -> String {
        let mut text = String::new();
        for value in self.values_of(codes) {
            let value = value.trim();
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

    /// Returns the occurrence number of the linked 880 (or the field an 880 links to)
    /// from `$6`, e.g. `245-01` → `("245", "01")`.
    pub fn linkage(&self) -> Option<(&str, &str)> {
        let link = self.first('6')?;
        let (tag, rest) = link.split_once('-')?;
        let occurrence = rest.get(..2).unwrap_or(rest);
        Some((tag, occurrence))
    }
}

/// A field: control or data.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Field {
    /// A control field (`00X`).
    Control(ControlField),
    /// A data field (`010` to `999`, and letter tags).
    Data(DataField),
}

impl Field {
    /// Returns the field's tag.
    pub fn tag(&self) -> Tag {
        match self {
            Field::Control(field) => field.tag,
            Field::Data(field) => field.tag,
        }
    }
}

/// A MARC record: the 24-character leader and the fields in order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Record {
    /// The leader, always 24 ASCII characters (readers repair short or broken leaders
    /// and say so). Positions 00-04 (length) and 12-16 (base address) are recomputed by
    /// the ISO 2709 writer. Position 09 is as it came from MARCXML (whose text is
    /// Unicode whatever it says); from ISO 2709 it is `a`, or blank for a record all in
    /// ASCII whose leader said MARC-8 (see [`Record::character_coding_scheme`]).
    pub leader: String,
    /// The fields, in the order they came.
    pub fields: Vec<Field>,
}

/// The leader a record gets when none is given: a new, UTF-8 language-material record.
pub const DEFAULT_LEADER: &str = "00000nam a2200000 i 4500";

impl Default for Record {
    fn default() -> Self {
        Record { leader: DEFAULT_LEADER.to_string(), fields: Vec::new() }
    }
}

impl Record {
    /// Returns the leader's character at `position` (0-based), or `' '`.
    pub fn leader_at(&self, position: usize) -> char {
        self.leader.as_bytes().get(position).map_or(' ', |byte| char::from(*byte))
    }

    /// Returns the value of the first control field with `tag` (e.g. `"001"`).
    pub fn control(&self, tag: &str) -> Option<&str> {
        self.fields.iter().find_map(|field| match field {
            Field::Control(control) if control.tag.as_str() == tag => Some(control.value.as_str()),
            _ => None,
        })
    }

    /// Returns the data fields with `tag`, in order.
    pub fn data_fields<'a>(&'a self, tag: &'a str) -> impl Iterator<Item = &'a DataField> + 'a {
        self.fields.iter().filter_map(move |field| match field {
            Field::Data(data) if data.tag.as_str() == tag => Some(data),
            _ => None,
        })
    }

    /// Returns every data field, in order.
    pub fn all_data_fields(&self) -> impl Iterator<Item = &DataField> {
        self.fields.iter().filter_map(|field| match field {
            Field::Data(data) => Some(data),
            Field::Control(_) => None,
        })
    }

    /// Returns the first data field with `tag`.
    pub fn data_field<'a>(&'a self, tag: &'a str) -> Option<&'a DataField> {
        self.data_fields(tag).next()
    }

    /// Returns the 880 field that holds the alternate-script form of `field` (linked by
    /// `$6`), if any.
    pub fn alternate_script(&self, field: &DataField) -> Option<&DataField> {
        let (_, occurrence) = field.linkage()?;
        if occurrence == "00" {
            return None;
        }
        let tag = field.tag.as_str();
        self.data_fields("880").find(|candidate| {
            candidate.linkage().is_some_and(|(linked_tag, linked_occurrence)| {
                linked_tag == tag && linked_occurrence == occurrence
            })
        })
    }

    /// Returns leader/09 as the ISO 2709 reader keeps it and writer writes it: blank
    /// (MARC-8) when the leader says blank and every indicator, subfield code and value is
    /// ASCII, whose bytes are the same in MARC-8 and in UTF-8, so such a record keeps the
    /// leader it came with; `a` (Unicode, written as UTF-8) otherwise.
    ///
    /// Cost: one pass over the record's text when the leader says blank.
    pub fn character_coding_scheme(&self) -> char {
        char::from(coding_scheme(self.leader.as_bytes().get(9).copied(), &self.fields))
    }

    /// Returns the control number (`001`), trimmed, if present and not empty.
    pub fn control_number(&self) -> Option<&str> {
        self.control("001").map(str::trim).filter(|value| !value.is_empty())
    }
}

/// Returns leader/09 for a record whose leader says `leader_says` and which holds
/// `fields`: see [`Record::character_coding_scheme`].
pub(crate) fn coding_scheme(leader_says: Option<u8>, fields: &[Field]) -> u8 {
    let all_ascii = || {
        fields.iter().all(|field| match field {
            Field::Control(control) => control.value.is_ascii(),
            Field::Data(data) => {
                data.ind1.is_ascii()
                    && data.ind2.is_ascii()
                    && data
                        .subfields
                        .iter()
                        .all(|subfield| subfield.code.is_ascii() && subfield.value.is_ascii())
            }
        })
    };
    if leader_says == Some(b' ') && all_ascii() { b' ' } else { b'a' }
}
