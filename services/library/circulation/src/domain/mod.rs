//! Circulation's rules, with no I/O: calendars and due dates, loan rules and which one
//! applies, fines, and the decisions (with their reasons in words) a desk acts on. The
//! service reads the facts in a transaction and hands them here; nothing here reads a
//! clock or a database.

pub mod calendar;
pub mod decisions;
pub mod fines;
pub mod patron_import;
pub mod rules;
pub mod values;
