//! The `athenaeum` binary's library: configuration, the command line, and the assembly of
//! a running process from enabled services. The binary itself only parses arguments and
//! calls into here; tests build the same [`Application`] in process.

pub mod app;
pub mod cli;
pub mod config;
pub mod marc;
pub mod output;
pub mod search;

pub use app::{Application, ServiceName};
pub use config::Config;
