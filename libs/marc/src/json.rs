//! MARC-in-JSON, the shape the catalogue stores records in: `{"leader": "…", "fields":
//! [{"001": "…"}, {"245": {"ind1": "1", "ind2": "0", "subfields": [{"a": "…"}]}}]}`.
//!
//! Lossless both ways (field order, repeated fields and subfields, indicators, empty
//! values), and fast: the writer is hand-written and the reader deserialises straight
//! into the record with serde visitors, with no intermediate `serde_json::Value`.

use std::fmt;

use serde::de::{self, DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};

use crate::{ControlField, DataField, Field, ReadError, Record, Subfield, Tag};

/// Returns `record` as MARC-in-JSON, on one line.
///
/// Never fails: every record has a MARC-in-JSON form, and [`from_str`] reads it back
/// equal.
pub fn to_string(record: &Record) -> String {
    let mut out = String::with_capacity(64 + record.fields.len() * 48);
    out.push_str("{\"leader\":");
    push_json_string(&record.leader, &mut out);
    out.push_str(",\"fields\":[");
    for (index, field) in record.fields.iter().enumerate() {
        if index > 0 {
            out.push(',');
        }
        out.push('{');
        push_json_string(field.tag().as_str(), &mut out);
        out.push(':');
        match field {
            Field::Control(control) => push_json_string(&control.value, &mut out),
            Field::Data(data) => {
                let mut buffer = [0u8; 4];
                out.push_str("{\"ind1\":");
                push_json_string(data.ind1.encode_utf8(&mut buffer), &mut out);
                out.push_str(",\"ind2\":");
                push_json_string(data.ind2.encode_utf8(&mut buffer), &mut out);
                out.push_str(",\"subfields\":[");
                for (index, subfield) in data.subfields.iter().enumerate() {
                    if index > 0 {
                        out.push(',');
                    }
                    out.push('{');
                    push_json_string(subfield.code.encode_utf8(&mut buffer), &mut out);
                    out.push(':');
                    push_json_string(&subfield.value, &mut out);
                    out.push('}');
                }
                out.push_str("]}");
            }
        }
        out.push('}');
    }
    out.push_str("]}");
    out
}

/// Appends `text` as a JSON string literal.
fn push_json_string(text: &str, out: &mut String) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    out.push('"');
    let bytes = text.as_bytes();
    let mut plain_from = 0;
    for (at, byte) in bytes.iter().enumerate() {
        let escape: &str = match byte {
            b'"' => "\\\"",
            b'\\' => "\\\\",
            b'\n' => "\\n",
            b'\r' => "\\r",
            b'\t' => "\\t",
            0x00..=0x1F => "",
            _ => continue,
        };
        out.push_str(&text[plain_from..at]);
        if escape.is_empty() {
            out.push_str("\\u00");
            out.push(char::from(HEX[usize::from(byte >> 4)]));
            out.push(char::from(HEX[usize::from(byte & 0xF)]));
        } else {
            out.push_str(escape);
        }
        plain_from = at + 1;
    }
    out.push_str(&text[plain_from..]);
    out.push('"');
}

/// Reads a record from MARC-in-JSON.
///
/// Accepts what [`to_string`] writes and the same shape from other systems (keys in any
/// order, unknown keys ignored, missing indicators read as blanks).
///
/// # Errors
/// Returns a [`ReadError`] naming the problem when the text is not JSON, not in the
/// MARC-in-JSON shape, has no leader or one that is not 24 printable ASCII characters, or
/// holds a tag that is not three printable ASCII characters, an indicator or subfield code
/// that is not one character, or a field object without exactly one tag.
pub fn from_str(text: &str) -> Result<Record, ReadError> {
    let record = serde_json::from_str::<JsonRecord>(text)
        .map_err(|error| {
            ReadError::new(format!("the MARC-in-JSON record is not readable: {error}"))
        })?
        .0;
    let leader = record.leader.as_bytes();
    if leader.len() != 24 || !leader.iter().all(|byte| byte.is_ascii_graphic() || *byte == b' ') {
        return Err(ReadError::new(format!(
            "the MARC-in-JSON record's leader \"{}\" is not 24 printable ASCII characters",
            record.leader.escape_debug()
        ))
        .with_control_number(record.control_number().map(str::to_string)));
    }
    Ok(record)
}

/// A record being deserialised.
struct JsonRecord(Record);

impl<'de> de::Deserialize<'de> for JsonRecord {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<JsonRecord, D::Error> {
        deserializer.deserialize_map(RecordVisitor)
    }
}

struct RecordVisitor;

impl<'de> Visitor<'de> for RecordVisitor {
    type Value = JsonRecord;

    fn expecting(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str("a MARC-in-JSON record: an object with \"leader\" and \"fields\"")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<JsonRecord, A::Error> {
        let mut leader: Option<String> = None;
        let mut fields: Option<Vec<Field>> = None;
        while let Some(key) = map.next_key::<Key<'de>>()? {
            match key.as_str() {
                "leader" => leader = Some(map.next_value()?),
                "fields" => fields = Some(map.next_value_seed(FieldsSeed)?),
                _ => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        let leader = leader.ok_or_else(|| de::Error::missing_field("leader"))?;
        Ok(JsonRecord(Record { leader, fields: fields.unwrap_or_default() }))
    }
}

/// An object key, borrowed from the input when it holds no escapes.
enum Key<'de> {
    Borrowed(&'de str),
    Owned(String),
}

impl Key<'_> {
    fn as_str(&self) -> &str {
        match self {
            Key::Borrowed(text) => text,
            Key::Owned(text) => text,
        }
    }
}

impl<'de> de::Deserialize<'de> for Key<'de> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Key<'de>, D::Error> {
        struct KeyVisitor;
        impl<'de> Visitor<'de> for KeyVisitor {
            type Value = Key<'de>;
            fn expecting(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
                formatter.write_str("a string")
            }
            fn visit_borrowed_str<E: de::Error>(self, text: &'de str) -> Result<Key<'de>, E> {
                Ok(Key::Borrowed(text))
            }
            fn visit_str<E: de::Error>(self, text: &str) -> Result<Key<'de>, E> {
                Ok(Key::Owned(text.to_string()))
            }
            fn visit_string<E: de::Error>(self, text: String) -> Result<Key<'de>, E> {
                Ok(Key::Owned(text))
            }
        }
        deserializer.deserialize_str(KeyVisitor)
    }
}

/// Returns the single character of `text`, for an indicator or subfield code.
fn single_char<E: de::Error>(text: &str, what: &str) -> Result<char, E> {
    let mut chars = text.chars();
    match (chars.next(), chars.next()) {
        (Some(character), None) => Ok(character),
        _ => Err(E::custom(format!("{what} \"{}\" is not one character", text.escape_debug()))),
    }
}

fn parse_tag<E: de::Error>(text: &str) -> Result<Tag, E> {
    Tag::parse(text).ok_or_else(|| {
        E::custom(format!(
            "the tag \"{}\" is not three printable ASCII characters",
            text.escape_debug()
        ))
    })
}

struct FieldsSeed;

impl<'de> DeserializeSeed<'de> for FieldsSeed {
    type Value = Vec<Field>;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Vec<Field>, D::Error> {
        deserializer.deserialize_seq(self)
    }
}

impl<'de> Visitor<'de> for FieldsSeed {
    type Value = Vec<Field>;

    fn expecting(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str("an array of fields")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Vec<Field>, A::Error> {
        let mut fields = Vec::with_capacity(seq.size_hint().unwrap_or(32));
        while let Some(field) = seq.next_element_seed(FieldSeed)? {
            fields.push(field);
        }
        Ok(fields)
    }
}

/// One field object: `{"tag": value}`.
struct FieldSeed;

impl<'de> DeserializeSeed<'de> for FieldSeed {
    type Value = Field;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Field, D::Error> {
        deserializer.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for FieldSeed {
    type Value = Field;

    fn expecting(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str("a field: an object with one tag")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Field, A::Error> {
        let Some(key) = map.next_key::<Key<'de>>()? else {
            return Err(de::Error::custom("a field object has no tag"));
        };
        let tag = parse_tag(key.as_str())?;
        let field = map.next_value_seed(FieldValueSeed { tag })?;
        if map.next_key::<IgnoredAny>()?.is_some() {
            return Err(de::Error::custom(format!(
                "the object of field {tag} has more than one tag"
            )));
        }
        Ok(field)
    }
}

/// A field's value: a string for a control field, an object for a data field.
struct FieldValueSeed {
    tag: Tag,
}

impl<'de> DeserializeSeed<'de> for FieldValueSeed {
    type Value = Field;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Field, D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for FieldValueSeed {
    type Value = Field;

    fn expecting(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(formatter, "the value of field {}: a string or an object", self.tag)
    }

    fn visit_str<E: de::Error>(self, value: &str) -> Result<Field, E> {
        Ok(Field::Control(ControlField { tag: self.tag, value: value.to_string() }))
    }

    fn visit_string<E: de::Error>(self, value: String) -> Result<Field, E> {
        Ok(Field::Control(ControlField { tag: self.tag, value }))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Field, A::Error> {
        let tag = self.tag;
        let mut ind1 = ' ';
        let mut ind2 = ' ';
        let mut subfields = Vec::new();
        while let Some(key) = map.next_key::<Key<'de>>()? {
            match key.as_str() {
                "ind1" => ind1 = indicator(&map.next_value::<Key<'de>>()?, tag, "ind1")?,
                "ind2" => ind2 = indicator(&map.next_value::<Key<'de>>()?, tag, "ind2")?,
                "subfields" => subfields = map.next_value_seed(SubfieldsSeed { tag })?,
                _ => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        Ok(Field::Data(DataField { tag, ind1, ind2, subfields }))
    }
}

/// Reads an indicator: one character, or blank when empty.
fn indicator<E: de::Error>(value: &Key<'_>, tag: Tag, which: &str) -> Result<char, E> {
    if value.as_str().is_empty() {
        return Ok(' ');
    }
    single_char(value.as_str(), &format!("field {tag}: {which}"))
}

struct SubfieldsSeed {
    tag: Tag,
}

impl<'de> DeserializeSeed<'de> for SubfieldsSeed {
    type Value = Vec<Subfield>;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Vec<Subfield>, D::Error> {
        deserializer.deserialize_seq(self)
    }
}

impl<'de> Visitor<'de> for SubfieldsSeed {
    type Value = Vec<Subfield>;

    fn expecting(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(formatter, "the subfields of field {}: an array", self.tag)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Vec<Subfield>, A::Error> {
        let mut subfields = Vec::with_capacity(seq.size_hint().unwrap_or(4));
        while let Some(subfield) = seq.next_element_seed(SubfieldSeed { tag: self.tag })? {
            subfields.push(subfield);
        }
        Ok(subfields)
    }
}

/// One subfield object: `{"code": "value"}`.
struct SubfieldSeed {
    tag: Tag,
}

impl<'de> DeserializeSeed<'de> for SubfieldSeed {
    type Value = Subfield;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Subfield, D::Error> {
        deserializer.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for SubfieldSeed {
    type Value = Subfield;

    fn expecting(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(formatter, "a subfield of field {}: an object with one code", self.tag)
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Subfield, A::Error> {
        let tag = self.tag;
        let Some(key) = map.next_key::<Key<'de>>()? else {
            return Err(de::Error::custom(format!("a subfield of field {tag} has no code")));
        };
        let code = single_char(key.as_str(), &format!("field {tag}: the subfield code"))?;
        let value: String = map.next_value()?;
        if map.next_key::<IgnoredAny>()?.is_some() {
            return Err(de::Error::custom(format!(
                "a subfield object of field {tag} has more than one code"
            )));
        }
        Ok(Subfield { code, value })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record() -> Record {
        Record {
            leader: "00714cam a2200205 a 4500".to_string(),
            fields: vec![
                Field::Control(ControlField {
                    tag: Tag::parse("001").unwrap(),
                    value: String::new(),
                }),
                Field::Data(DataField {
                    tag: Tag::parse("245").unwrap(),
                    ind1: '1',
                    ind2: ' ',
                    subfields: vec![
                        Subfield { code: 'a', value: "Quoted \"title\" \\ tab\t\u{1}".to_string() },
                        Subfield { code: 'a', value: String::new() },
                    ],
                }),
                Field::Data(DataField {
                    tag: Tag::parse("500").unwrap(),
                    ind1: ' ',
                    ind2: ' ',
                    subfields: vec![],
                }),
            ],
        }
    }

    #[test]
    fn a_record_round_trips_exactly() {
        let text = to_string(&record());
        assert_eq!(from_str(&text).unwrap(), record());
    }

    #[test]
    fn the_standard_shape_is_written() {
        let text = to_string(&record());
        let value: serde_json::Value = serde_json::from_str(&text).unwrap();
        assert_eq!(value["fields"][0]["001"], "");
        assert_eq!(value["fields"][1]["245"]["ind1"], "1");
        assert_eq!(
            value["fields"][1]["245"]["subfields"][0]["a"],
            "Quoted \"title\" \\ tab\t\u{1}"
        );
    }

    #[test]
    fn a_two_letter_subfield_code_is_refused() {
        let text = r#"{"leader":"00714cam a2200205 a 4500","fields":[{"245":{"subfields":[{"ab":"x"}]}}]}"#;
        let error = from_str(text).unwrap_err();
        assert!(error.message.contains("subfield code \"ab\""), "{error}");
    }

    #[test]
    fn a_record_without_a_leader_is_refused() {
        let error = from_str(r#"{"fields":[]}"#).unwrap_err();
        assert!(error.message.contains("leader"), "{error}");
    }
}
