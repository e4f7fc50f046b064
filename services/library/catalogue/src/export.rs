//! MARC export framing: stored records (MARC-in-JSON) written out one at a time as ISO
//! 2709, a MARCXML collection or a MARC-in-JSON array, so a whole tenant streams
//! through a constant amount of memory. The command line and the gateway's download both
//! write through this.
//!
//! Records are written as they were stored, which is as they were received: a record
//! imported and not edited comes back byte for byte. An export may ask for every value in
//! Unicode NFC or NFD instead, for systems that want one form. A record the syntax cannot
//! carry is left out and named: in the export's result (`left_out`), and in a MARCXML
//! file's closing comment.

use athenaeum_marc::Normalization;

use crate::api::{MarcSyntax, StoredMarc};

/// Writes records in one syntax, one at a time.
#[derive(Debug)]
pub struct MarcExport {
    syntax: MarcSyntax,
    normalization: Normalization,
    written: u64,
    left_out: Vec<String>,
}

impl MarcExport {
    /// Starts an export in `syntax`, each record as it was received.
    pub fn new(syntax: MarcSyntax) -> MarcExport {
        MarcExport {
            syntax,
            normalization: Normalization::AsReceived,
            written: 0,
            left_out: Vec::new(),
        }
    }

    /// Writes every value in `normalization`'s Unicode form.
    pub fn with_normalization(mut self, normalization: Normalization) -> MarcExport {
        self.normalization = normalization;
        self
    }

    /// Returns the bytes that open the file.
    pub fn header(&self) -> &'static [u8] {
        match self.syntax {
            MarcSyntax::Iso2709 => b"",
            MarcSyntax::MarcXml => {
                b"<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<collection xmlns=\"http://www.loc.gov/MARC21/slim\">\n"
            }
            MarcSyntax::MarcJson => b"[\n",
        }
    }

    /// Returns the bytes that close the file: for MARCXML, a comment naming each record
    /// left out before the closing tag.
    pub fn footer(&self) -> Vec<u8> {
        match self.syntax {
            MarcSyntax::Iso2709 => Vec::new(),
            MarcSyntax::MarcXml => {
                let mut footer = String::new();
                if !self.left_out.is_empty() {
                    footer.push_str(&format!(
                        "<!-- {} records could not be written as MARCXML and were left out:\n",
                        self.left_out.len()
                    ));
                    for reason in &self.left_out {
                        // A comment may not hold "--".
                        footer.push_str(&format!("  {}\n", reason.replace("--", "- -")));
                    }
                    footer.push_str("-->\n");
                }
                footer.push_str("</collection>\n");
                footer.into_bytes()
            }
            MarcSyntax::MarcJson => b"\n]\n".to_vec(),
        }
    }

    /// Returns how many records were written.
    pub fn written(&self) -> u64 {
        self.written
    }

    /// Returns each record left out so far, named with the reason.
    pub fn left_out(&self) -> &[String] {
        &self.left_out
    }

    /// Appends one stored record to `out`. A record the syntax cannot carry (over ISO
    /// 2709's 99,999 bytes, or holding characters XML 1.0 forbids) is not written: the
    /// reason, naming the record, is kept in [`MarcExport::left_out`] and returned.
    pub fn write(&mut self, stored: &StoredMarc, out: &mut Vec<u8>) -> Result<(), String> {
        let start = out.len();
        let written = self.write_record(stored, out);
        if let Err(reason) = &written {
            out.truncate(start);
            self.left_out.push(reason.clone());
        } else {
            self.written += 1;
        }
        written
    }

    fn write_record(&self, stored: &StoredMarc, out: &mut Vec<u8>) -> Result<(), String> {
        let unreadable = |error: athenaeum_marc::ReadError| {
            format!("record {}: the stored record cannot be read: {}", stored.id, error.message)
        };
        if self.syntax == MarcSyntax::MarcJson && self.normalization == Normalization::AsReceived {
            if self.written > 0 {
                out.extend_from_slice(b",\n");
            }
            out.extend_from_slice(stored.marc_json.as_bytes());
            return Ok(());
        }
        let record = athenaeum_marc::json::from_str(&stored.marc_json).map_err(unreadable)?;
        let record = self.normalization.record(&record);
        match self.syntax {
            MarcSyntax::MarcJson => {
                if self.written > 0 {
                    out.extend_from_slice(b",\n");
                }
                out.extend_from_slice(athenaeum_marc::json::to_string(&record).as_bytes());
            }
            MarcSyntax::MarcXml => {
                let element = athenaeum_marc::xml::to_string(&record)
                    .map_err(|error| format!("record {}: {error}", stored.id))?;
                out.extend_from_slice(element.as_bytes());
                out.push(b'\n');
            }
            MarcSyntax::Iso2709 => {
                athenaeum_marc::iso2709::write_record(&record, out)
                    .map_err(|error| format!("record {}: {error}", stored.id))?;
            }
        }
        Ok(())
    }
}
