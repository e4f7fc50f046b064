//! MARC21 without I/O beyond a reader and a writer: the record model, lenient streaming
//! readers for ISO 2709 and MARCXML that report each bad record and go on, writers for
//! both, MARC-in-JSON for storage, the MARC-8 character set, and `describe`: what a
//! bibliographic record's fields say (title, contributors, identifiers, format, …).
//!
//! It knows nothing of tenants, databases or the catalogue's rules.

pub mod describe;
pub mod iso2709;
pub mod json;
pub mod marc8;
pub mod normalization;
mod read;
mod reading;
mod record;
pub mod xml;

pub use normalization::Normalization;
pub use read::{Format, RecordReader, detect_format};
pub use reading::{ReadError, ReadOutcome};
pub use record::{ControlField, DataField, Field, Record, Subfield, Tag};
