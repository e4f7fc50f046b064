//! Circulation, the second wing of the library service: patrons and their groups, cards
//! and blocks; loan rules and branch calendars; checkout, checkin, renewal, holds,
//! transits, fines and fees; and the decisions behind them, each with its reasons in
//! words a librarian can repeat to a patron.
//!
//! It shares the library database with the catalogue, so a desk action is one
//! transaction: a checkout writes the loan, fills a hold and moves the item's status
//! (through [`athenaeum_catalogue::desk`], which also records the change for the search
//! index) together or not at all. It writes only circulation's tables.

pub mod api;
pub mod domain;
mod error;
pub mod graphql;
pub mod mail;
mod service;
pub mod store;

pub use api::{CirculationApi, CirculationClient, circulation_routes};
pub use error::CirculationError;
pub use service::{CirculationService, Clock, NoticeRound};
