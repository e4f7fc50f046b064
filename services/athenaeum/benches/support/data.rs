//! The source file from the shared test data, and the larger MARC corpora the benchmarks
//! build from it: copies with varied 001 and title, one 952 item each.

use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use athenaeum_marc::{DataField, Field, RecordReader, Subfield, Tag};
use athenaeum_testkit::SHARED_DATA_VARIABLE;

/// Branch codes the built items are spread over, in turn.
const BRANCHES: [&str; 5] = ["CPL", "MPL", "FPL", "IPT", "LPL"];

/// Returns the Library of Congress file of 10,000 book records from the shared test
/// data; stops when it is missing.
pub fn loc_file() -> PathBuf {
    let source = athenaeum_testkit::loc_books_10000();
    assert!(source.is_file(), "{} is missing; set {SHARED_DATA_VARIABLE}", source.display());
    source
}

/// Creates a scratch folder for built files, removed when dropped.
pub fn scratch_folder() -> tempfile::TempDir {
    tempfile::Builder::new().prefix("athenaeum-bench-").tempdir().expect("scratch folder")
}

/// How a corpus is made from its source file.
#[derive(Debug, Clone, Copy)]
pub struct CorpusPlan {
    /// How many times every source record is written.
    pub copies: usize,
    /// Whether the first copy keeps the source's 001 and title; later copies always get
    /// "-c<n>" and " [copy <n>]".
    pub first_copy_as_is: bool,
    /// Whether to say on standard error, every 10 s, how many records are written.
    pub progress: bool,
}

/// A corpus file, built.
#[derive(Debug)]
pub struct Corpus {
    pub path: PathBuf,
    /// Records written.
    pub records: usize,
    /// Time taken to build it.
    pub elapsed: Duration,
}

impl Corpus {
    /// Writes every record of `source` as `plan` says, each with one embedded Koha 952
    /// item, to `target`. Stops when a file cannot be read or written.
    pub fn build(source: &Path, plan: CorpusPlan, target: PathBuf) -> Corpus {
        let started = Instant::now();
        let mut out = BufWriter::with_capacity(
            1 << 20,
            std::fs::File::create(&target).expect("create the corpus file"),
        );
        let mut written = 0;
        let mut buffer = Vec::new();
        let mut last_report = Instant::now();
        for copy in 0..plan.copies {
            for outcome in RecordReader::open(source).expect("open the source file") {
                let Ok(mut record) = outcome.record else { continue };
                if copy > 0 || !plan.first_copy_as_is {
                    vary(&mut record.fields, copy);
                }
                let item = item_field(&record, written);
                record.fields.push(item);
                buffer.clear();
                if athenaeum_marc::iso2709::write_record(&record, &mut buffer).is_ok() {
                    out.write_all(&buffer).expect("write the corpus file");
                    written += 1;
                }
            }
            if plan.progress && last_report.elapsed() >= Duration::from_secs(10) {
                eprintln!("  building the corpus: {written} records written");
                last_report = Instant::now();
            }
        }
        out.flush().expect("flush the corpus file");
        Corpus { path: target, records: written, elapsed: started.elapsed() }
    }

    /// Returns the line that says what was built, how large it is and how long it took.
    pub fn summary(&self) -> String {
        format!(
            "built {} ({} records with one 952 item each, {:.0} MB) in {:.1} s",
            self.path.display(),
            self.records,
            std::fs::metadata(&self.path).map(|meta| meta.len()).unwrap_or(0) as f64 / 1e6,
            self.elapsed.as_secs_f64()
        )
    }
}

/// Makes a record copy `copy` of its source: 001 gets "-c<copy>", 245 $a " [copy <copy>]".
fn vary(fields: &mut [Field], copy: usize) {
    for field in fields {
        match field {
            Field::Control(control) if control.tag.as_str() == "001" => {
                control.value = format!("{}-c{copy}", control.value.trim());
            }
            Field::Data(data) if data.tag.as_str() == "245" => {
                if let Some(title) = data.subfields.iter_mut().find(|subfield| subfield.code == 'a')
                {
                    title.value = format!("{} [copy {copy}]", title.value);
                }
            }
            _ => {}
        }
    }
}

/// Returns the 952 item of the `written`-th record: its branch in turn, the record's 050
/// as call number, and a barcode from its position.
fn item_field(record: &athenaeum_marc::Record, written: usize) -> Field {
    let call_number = record
        .data_field("050")
        .map(|field| field.joined("ab"))
        .filter(|text| !text.is_empty())
        .unwrap_or_else(|| "000".to_string());
    let subfields = [
        ('a', BRANCHES[written % BRANCHES.len()].to_string()),
        ('c', "GEN".to_string()),
        ('o', call_number),
        ('p', format!("39{written:011}")),
        ('y', "BK".to_string()),
        ('v', "12.99".to_string()),
    ];
    Field::Data(DataField {
        tag: Tag::of(b"952"),
        ind1: ' ',
        ind2: ' ',
        subfields: subfields.into_iter().map(|(code, value)| Subfield { code, value }).collect(),
    })
}
