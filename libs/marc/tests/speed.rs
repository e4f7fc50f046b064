//! How fast the ISO 2709 reader goes on the Library of Congress file. Prints the rate;
//! asserts only the count (timings depend on the machine). Measure in release:
//!     cargo test --release -p athenaeum-marc --test speed -- --nocapture

mod corpus;

use std::time::Instant;

use athenaeum_marc::RecordReader;
use corpus::data_file;

#[test]
fn reading_ten_thousand_library_of_congress_records_reports_its_rate() {
    let path = data_file("loc-books-2016/BooksAll.2016.part01.first10000.mrc");
    let size = std::fs::metadata(&path).expect("metadata").len();
    let mut best = f64::MAX;
    for _ in 0..5 {
        let started = Instant::now();
        let read = RecordReader::open(&path)
            .expect("open")
            .filter(|outcome| outcome.record.is_ok())
            .count();
        best = best.min(started.elapsed().as_secs_f64());
        assert_eq!(read, 10_000);
    }
    println!(
        "ISO 2709: 10,000 records in {:.1} ms: {:.0} records/s, {:.0} MB/s (best of 5)",
        best * 1e3,
        10_000.0 / best,
        size as f64 / best / 1e6
    );
}
