//! MARCXML: a lenient streaming reader and a streaming writer.
//!
//! The reader cuts the input into `<record>` elements itself (any namespace prefix, with
//! or without `<collection>`, bare records one after another) and parses each with
//! quick-xml on its own, so a record that is not well-formed XML is reported and the
//! reader goes on with the next one. Elements missing their `tag` or `code` attribute
//! make their record an error: a field without its tag cannot be trusted. Unknown
//! elements inside a record are skipped with a warning.
//!
//! The writer produces UTF-8 MARCXML in the `http://www.loc.gov/MARC21/slim` namespace
//! and refuses a record holding characters XML 1.0 cannot carry rather than write a file
//! no parser would read.
//!
//! This is the module's face: the reader is in `read` (cutting the input into record
//! elements) and `element` (parsing one), the writer in `write`; neither reaches into
//! the other.

mod element;
mod read;
mod write;

pub use element::read_record;
pub use read::MarcXmlReader;
pub use write::{MarcXmlWriter, WriteError, to_string};

/// The MARCXML namespace.
pub const NAMESPACE: &str = "http://www.loc.gov/MARC21/slim";

#[cfg(test)]
mod fixtures {
    /// A prefixed record with an entity and a character reference in its title.
    pub(super) const RECORD: &str = r#"<marc:record xmlns:marc="http://www.loc.gov/MARC21/slim">
      <marc:leader>00714cam a2200205 a 4500</marc:leader>
      <marc:controlfield tag="001">12883376</marc:controlfield>
      <marc:datafield tag="245" ind1="1" ind2="0">
        <marc:subfield code="a">Summerland &amp; more &#x2014; /</marc:subfield>
        <marc:subfield code="c">Michael Chabon.</marc:subfield>
      </marc:datafield>
    </marc:record>"#;
}
