//! Unicode normalisation of a whole record, for the places that compare text (`describe`,
//! match keys) and for exports to systems that want one form.
//!
//! Records are kept in the form they came in; nothing here changes a record in place, and
//! readers and writers never call it.

use std::borrow::Cow;

use serde::{Deserialize, Serialize};
use unicode_normalization::{IsNormalized, UnicodeNormalization, is_nfc_quick, is_nfd_quick};

use crate::{Field, Record};

/// The Unicode form a record's values are given in. Serialised as `as-received`, `nfc`,
/// `nfd`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Normalization {
    /// Every value's bytes as they were received (after MARC-8 conversion, when the
    /// record was MARC-8).
    #[default]
    AsReceived,
    /// Canonical composition (NFC): `é` as one character, U+00E9.
    Nfc,
    /// Canonical decomposition (NFD): `é` as `e` and U+0301, as the Library of Congress
    /// distributes UTF-8 records.
    Nfd,
}

impl Normalization {
    /// Returns the form's name as options spell it: `as-received`, `nfc`, `nfd`.
    pub fn as_str(self) -> &'static str {
        match self {
            Normalization::AsReceived => "as-received",
            Normalization::Nfc => "nfc",
            Normalization::Nfd => "nfd",
        }
    }

    /// Returns the form named `text` (`as-received`, `nfc` or `nfd`, any case), or
    /// `None`.
    pub fn parse(text: &str) -> Option<Normalization> {
        match text.to_ascii_lowercase().as_str() {
            "as-received" | "as_received" | "asreceived" => Some(Normalization::AsReceived),
            "nfc" => Some(Normalization::Nfc),
            "nfd" => Some(Normalization::Nfd),
            _ => None,
        }
    }

    /// Returns `text` in this form: borrowed when it already is (always, for
    /// `AsReceived`).
    ///
    /// Cost: one quick check for ASCII text and for text already in the form; a full
    /// normalisation pass otherwise.
    pub fn text(self, text: &str) -> Cow<'_, str> {
        if text.is_ascii() {
            return Cow::Borrowed(text);
        }
        match self {
            Normalization::AsReceived => Cow::Borrowed(text),
            Normalization::Nfc if is_nfc_quick(text.chars()) == IsNormalized::Yes => {
                Cow::Borrowed(text)
            }
            Normalization::Nfc => Cow::Owned(text.nfc().collect()),
            Normalization::Nfd if is_nfd_quick(text.chars()) == IsNormalized::Yes => {
                Cow::Borrowed(text)
            }
            Normalization::Nfd => Cow::Owned(text.nfd().collect()),
        }
    }

    /// Returns `record` with every value (control fields and subfields) in this form:
    /// borrowed when nothing needs changing, so a record already in the form is not
    /// copied. The leader, tags, indicators and subfield codes are left as they are.
    ///
    /// Cost: a quick check of every value; a copy of the record only when a value changes.
    pub fn record(self, record: &Record) -> Cow<'_, Record> {
        if self == Normalization::AsReceived || !self.changes(record) {
            return Cow::Borrowed(record);
        }
        let mut normalised = record.clone();
        for field in &mut normalised.fields {
            match field {
                Field::Control(control) => self.in_place(&mut control.value),
                Field::Data(data) => {
                    for subfield in &mut data.subfields {
                        self.in_place(&mut subfield.value);
                    }
                }
            }
        }
        Cow::Owned(normalised)
    }

    /// Returns true when some value of `record` is not in this form.
    fn changes(self, record: &Record) -> bool {
        let changes = |value: &str| matches!(self.text(value), Cow::Owned(_));
        record.fields.iter().any(|field| match field {
            Field::Control(control) => changes(&control.value),
            Field::Data(data) => data.subfields.iter().any(|subfield| changes(&subfield.value)),
        })
    }

    fn in_place(self, value: &mut String) {
        if let Cow::Owned(normalised) = self.text(value) {
            *value = normalised;
        }
    }
}

impl std::fmt::Display for Normalization {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{ControlField, DataField, Subfield, Tag};

    fn record(title: &str) -> Record {
        Record {
            leader: "00000nam a2200000 a 4500".to_string(),
            fields: vec![
                Field::Control(ControlField {
                    tag: Tag::of(b"001"),
                    value: "12883376".to_string(),
                }),
                Field::Data(DataField {
                    tag: Tag::of(b"245"),
                    ind1: '1',
                    ind2: '0',
                    subfields: vec![Subfield { code: 'a', value: title.to_string() }],
                }),
            ],
        }
    }

    #[test]
    fn a_decomposed_record_is_composed_for_nfc_and_left_alone_for_nfd() {
        let decomposed = record("Bronte\u{308}");
        let composed = Normalization::Nfc.record(&decomposed);
        assert_eq!(composed.as_ref(), &record("Bront\u{EB}"));
        assert!(matches!(Normalization::Nfd.record(&decomposed), Cow::Borrowed(_)));
        assert!(matches!(Normalization::AsReceived.record(&decomposed), Cow::Borrowed(_)));
    }

    #[test]
    fn a_composed_record_is_decomposed_for_nfd_and_left_alone_for_nfc() {
        let composed = record("Bront\u{EB}");
        assert_eq!(Normalization::Nfd.record(&composed).as_ref(), &record("Bronte\u{308}"));
        assert!(matches!(Normalization::Nfc.record(&composed), Cow::Borrowed(_)));
    }

    #[test]
    fn marks_in_marc8_order_are_put_in_canonical_order_by_either_form() {
        // MARC-8 writes the circumflex before the dot below; canonical order puts the dot
        // below (class 220) before the circumflex (class 230).
        let as_converted = record("a\u{302}\u{323}");
        assert_eq!(Normalization::Nfd.record(&as_converted).as_ref(), &record("a\u{323}\u{302}"));
        assert_eq!(Normalization::Nfc.record(&as_converted).as_ref(), &record("\u{1EAD}"));
    }

    #[test]
    fn names_parse_as_options_spell_them() {
        for form in [Normalization::AsReceived, Normalization::Nfc, Normalization::Nfd] {
            assert_eq!(Normalization::parse(form.as_str()), Some(form));
        }
        assert_eq!(Normalization::parse("NFC"), Some(Normalization::Nfc));
        assert_eq!(Normalization::parse("nfkc"), None);
    }
}
