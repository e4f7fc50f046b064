//! MARC export framing: stored records (MARC-in-JSON) written out one at a time as ISO
//! 2709, a MARCXML collection or a MARC-in-JSON array, so a whole tenant streams
//! through a constant amount of memory. The command line and the gateway's download both
//! write through this.

use crate::api::{MarcSyntax, StoredMarc};

/// Writes records in one syntax, one at a time.
#[derive(Debug)]
pub struct MarcExport {
    syntax: MarcSyntax,
    written: u64,
}

impl MarcExport {
    /// Starts an export in `syntax`.
    pub fn new(syntax: MarcSyntax) -> MarcExport {
        MarcExport { syntax, written: 0 }
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

    /// Returns the bytes that close the file.
    pub fn footer(&self) -> &'static [u8] {
        match self.syntax {
            MarcSyntax::Iso2709 => b"",
            MarcSyntax::MarcXml => b"</collection>\n",
            MarcSyntax::MarcJson => b"\n]\n",
        }
    }

    /// Returns how many records were written.
    pub fn written(&self) -> u64 {
        self.written
    }

    /// Appends one stored record to `out`. A record the syntax cannot carry (over ISO
    /// 2709's 99,999 bytes, or holding characters XML 1.0 forbids) is not written, and
    /// the reason is returned naming the record.
    pub fn write(&mut self, stored: &StoredMarc, out: &mut Vec<u8>) -> Result<(), String> {
        let unreadable = |error: athenaeum_marc::ReadError| {
            format!("record {}: the stored record cannot be read: {}", stored.id, error.message)
        };
        match self.syntax {
            MarcSyntax::MarcJson => {
                if self.written > 0 {
                    out.extend_from_slice(b",\n");
                }
                out.extend_from_slice(stored.marc_json.as_bytes());
            }
            MarcSyntax::MarcXml => {
                let record =
                    athenaeum_marc::json::from_str(&stored.marc_json).map_err(unreadable)?;
                let element = athenaeum_marc::xml::to_string(&record)
                    .map_err(|error| format!("record {}: {error}", stored.id))?;
                out.extend_from_slice(element.as_bytes());
                out.push(b'\n');
            }
            MarcSyntax::Iso2709 => {
                let record =
                    athenaeum_marc::json::from_str(&stored.marc_json).map_err(unreadable)?;
                athenaeum_marc::iso2709::write_record(&record, out)
                    .map_err(|error| format!("record {}: {error}", stored.id))?;
            }
        }
        self.written += 1;
        Ok(())
    }
}
