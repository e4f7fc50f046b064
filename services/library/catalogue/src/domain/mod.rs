//! The catalogue's rules, with no I/O: codes and names, prices, how embedded holdings
//! fields become items, which keys an incoming record is matched on and how an import
//! decides what a record matches, the simple record form, and which status changes staff
//! may make by hand.

mod form;
mod items;
mod keys;
pub mod limits;
pub mod matching;
mod values;

pub use form::{apply_form, record_from_form};
pub use items::{
    EmbeddedItem, FieldRef, check_mapping, default_item_mappings, embedded_items, parse_field_ref,
};
pub use keys::{HeadingLink, KeyKind, MatchKey, authority_key, heading_links, match_keys};
pub use values::{Code, Name, check_manual_status, format_price, parse_price};
