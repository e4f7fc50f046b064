//! Where the shared test data lives: MARC files from other systems, kiosk (SIP2)
//! sessions, hostile inputs. The files are read-only and stay beside the workspace;
//! tests read them in place and never copy them into the project.

use std::path::{Path, PathBuf};

/// The environment variable naming the shared test data folder when it is not
/// `shared/data` beside the workspace folder.
pub const SHARED_DATA_VARIABLE: &str = "ATHENAEUM_SHARED_DATA";

/// Returns the shared test data folder: `ATHENAEUM_SHARED_DATA` when set, else
/// `shared/data` beside the workspace folder (wherever the calling crate sits in it).
///
/// Panics, naming where it looked, when that folder holds no `marc/` folder.
pub fn shared_data() -> PathBuf {
    let folder = std::env::var_os(SHARED_DATA_VARIABLE).map(PathBuf::from).unwrap_or_else(|| {
        // This crate is `libs/testkit` in the workspace.
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data")
    });
    assert!(
        folder.join("marc").is_dir(),
        "the shared test data is missing at {}; set {SHARED_DATA_VARIABLE}",
        folder.display()
    );
    folder
}

/// Returns a file under the shared data's `marc/` folder, for example
/// `marc_file("koha/koha_sample_bibs.clean.marcxml")`. Does not check that it exists.
pub fn marc_file(relative: &str) -> PathBuf {
    shared_data().join("marc").join(relative)
}

/// Returns the first 1,000 records of the Library of Congress's 2016 books file
/// (ISO 2709, MARC-8 and UTF-8 records mixed).
pub fn loc_books_1000() -> PathBuf {
    marc_file("loc-books-2016/BooksAll.2016.part01.first1000.mrc")
}

/// Returns the first 10,000 records of the Library of Congress's 2016 books file.
pub fn loc_books_10000() -> PathBuf {
    marc_file("loc-books-2016/BooksAll.2016.part01.first10000.mrc")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_library_of_congress_samples_are_found_in_the_shared_data() {
        assert!(loc_books_1000().is_file(), "{}", loc_books_1000().display());
        assert!(loc_books_10000().is_file(), "{}", loc_books_10000().display());
    }
}
