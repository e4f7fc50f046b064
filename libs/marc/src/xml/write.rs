//! Writing MARCXML: one `<record>` element at a time into a `<collection>`, or one
//! standalone element, in UTF-8 and the MARC21 slim namespace.
//!
//! It refuses a record holding a character XML 1.0 cannot carry rather than write what no
//! parser would read back; it reads nothing.

use std::io::{self, Write};

use super::NAMESPACE;
use crate::reading::is_allowed_char;
use crate::{Field, Record};

/// Why a record could not be written as MARCXML.
#[derive(Debug, thiserror::Error)]
pub enum WriteError {
    /// The output could not be written to.
    #[error("could not write the MARCXML output: {0}")]
    Io(#[from] io::Error),
    /// The record holds something XML 1.0 cannot carry; nothing of it was written.
    #[error("{message}")]
    Unwritable {
        /// What is wrong, naming the field, e.g. "field 245 $a holds U+0001, which XML
        /// 1.0 does not allow".
        message: String,
        /// The record's `001`, if it has one.
        control_number: Option<String>,
    },
}

/// Writes MARCXML one record at a time: the XML declaration and `<collection>` when
/// created, each record as it is given, `</collection>` on [`MarcXmlWriter::finish`].
///
/// Each record is built in memory first, so one refused record leaves the output
/// well-formed. Wrap a file in a `BufWriter`: every record is one `write_all`.
pub struct MarcXmlWriter<W: Write> {
    out: W,
    buffer: String,
}

impl<W: Write> MarcXmlWriter<W> {
    /// Writes the XML declaration and the `<collection>` start tag to `out`.
    ///
    /// # Errors
    /// Returns the error of writing to `out`.
    pub fn new(mut out: W) -> io::Result<MarcXmlWriter<W>> {
        out.write_all(b"<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n")?;
        out.write_all(format!("<collection xmlns=\"{NAMESPACE}\">\n").as_bytes())?;
        Ok(MarcXmlWriter { out, buffer: String::new() })
    }

    /// Writes one `<record>` element.
    ///
    /// # Errors
    /// Returns [`WriteError::Unwritable`] (and writes nothing) when the record holds a
    /// character XML 1.0 does not allow, and [`WriteError::Io`] when writing fails.
    pub fn write_record(&mut self, record: &Record) -> Result<(), WriteError> {
        self.buffer.clear();
        record_element(record, "  ", "", &mut self.buffer)?;
        self.out.write_all(self.buffer.as_bytes())?;
        Ok(())
    }

    /// Writes `</collection>`, flushes, and returns the output.
    ///
    /// # Errors
    /// Returns the error of writing to or flushing the output.
    pub fn finish(mut self) -> io::Result<W> {
        self.out.write_all(b"</collection>\n")?;
        self.out.flush()?;
        Ok(self.out)
    }
}

/// Returns `record` as a standalone `<record>` element in the MARCXML namespace.
///
/// # Errors
/// Returns [`WriteError::Unwritable`] when the record holds a character XML 1.0 does not
/// allow.
pub fn to_string(record: &Record) -> Result<String, WriteError> {
    let mut text = String::new();
    record_element(record, "", &format!(" xmlns=\"{NAMESPACE}\""), &mut text)?;
    Ok(text)
}

/// Appends the `<record>` element for `record`, indented by `indent`.
fn record_element(
    record: &Record,
    indent: &str,
    attributes: &str,
    out: &mut String,
) -> Result<(), WriteError> {
    let unwritable = |message: String| WriteError::Unwritable {
        message,
        control_number: record.control_number().map(str::to_string),
    };
    out.push_str(indent);
    out.push_str("<record");
    out.push_str(attributes);
    out.push_str(">\n");
    out.push_str(indent);
    out.push_str("  <leader>");
    escape_into(&record.leader, false, out)
        .map_err(|bad| unwritable(format!("the leader holds {bad}")))?;
    out.push_str("</leader>\n");
    for field in &record.fields {
        match field {
            Field::Control(control) => {
                out.push_str(indent);
                out.push_str("  <controlfield tag=\"");
                escape_into(control.tag.as_str(), true, out).ok();
                out.push_str("\">");
                escape_into(&control.value, false, out)
                    .map_err(|bad| unwritable(format!("field {} holds {bad}", control.tag)))?;
                out.push_str("</controlfield>\n");
            }
            Field::Data(data) => {
                let tag = data.tag;
                out.push_str(indent);
                out.push_str("  <datafield tag=\"");
                escape_into(tag.as_str(), true, out).ok();
                out.push_str("\" ind1=\"");
                escape_char_into(data.ind1, out).map_err(|bad| {
                    unwritable(format!("field {tag}: the first indicator is {bad}"))
                })?;
                out.push_str("\" ind2=\"");
                escape_char_into(data.ind2, out).map_err(|bad| {
                    unwritable(format!("field {tag}: the second indicator is {bad}"))
                })?;
                out.push_str("\">\n");
                for subfield in &data.subfields {
                    out.push_str(indent);
                    out.push_str("    <subfield code=\"");
                    escape_char_into(subfield.code, out).map_err(|bad| {
                        unwritable(format!("field {tag}: a subfield code is {bad}"))
                    })?;
                    out.push_str("\">");
                    escape_into(&subfield.value, false, out).map_err(|bad| {
                        unwritable(format!("field {tag} ${} holds {bad}", subfield.code))
                    })?;
                    out.push_str("</subfield>\n");
                }
                out.push_str(indent);
                out.push_str("  </datafield>\n");
            }
        }
    }
    out.push_str(indent);
    out.push_str("</record>\n");
    Ok(())
}

fn escape_char_into(character: char, out: &mut String) -> Result<(), String> {
    let mut buffer = [0u8; 4];
    escape_into(character.encode_utf8(&mut buffer), true, out)
}

/// Appends `text` escaped for element content (or an attribute value), so that an XML
/// parser reads back exactly `text`. Returns a description of the first character XML
/// 1.0 cannot carry, if any.
fn escape_into(text: &str, in_attribute: bool, out: &mut String) -> Result<(), String> {
    let mut plain_from = 0;
    for (at, character) in text.char_indices() {
        let replacement = match character {
            '&' => "&amp;",
            '<' => "&lt;",
            '>' => "&gt;",
            '"' if in_attribute => "&quot;",
            // Parsers turn a raw carriage return into a line feed, and whitespace in
            // attributes into spaces: character references keep them.
            '\r' => "&#13;",
            '\n' if in_attribute => "&#10;",
            '\t' if in_attribute => "&#9;",
            _ if is_allowed_char(character) => continue,
            _ => {
                return Err(format!(
                    "U+{:04X}, which XML 1.0 does not allow",
                    u32::from(character)
                ));
            }
        };
        out.push_str(&text[plain_from..at]);
        out.push_str(replacement);
        plain_from = at + character.len_utf8();
    }
    out.push_str(&text[plain_from..]);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::super::fixtures::RECORD;
    use super::super::read_record;
    use super::*;

    #[test]
    fn a_written_record_reads_back_the_same() {
        let (record, _) = read_record(RECORD).unwrap();
        let text = to_string(&record).unwrap();
        let (again, warnings) = read_record(&text).unwrap();
        assert!(warnings.is_empty(), "{warnings:?}");
        assert_eq!(again, record);
    }

    #[test]
    fn a_value_xml_cannot_carry_is_refused() {
        let (mut record, _) = read_record(RECORD).unwrap();
        if let Field::Data(field) = &mut record.fields[1] {
            field.subfields[0].value.push('\u{1}');
        }
        let error = to_string(&record).unwrap_err();
        assert!(error.to_string().contains("field 245 $a holds U+0001"), "{error}");
    }
}
