//! What the MARC tests share: where the real test data is, reading a whole file, an
//! independent count of its records by pymarc, and comparing records across a round trip.

#![allow(dead_code, reason = "each test binary uses its own part of these helpers")]
#![expect(
    clippy::expect_used,
    reason = "a test helper fails loudly at the first thing that goes wrong"
)]

use std::path::{Path, PathBuf};
use std::process::Command;

use athenaeum_marc::{ReadOutcome, Record, RecordReader};

/// Returns the folder of MARC test files: `$ATHENAEUM_SHARED_DATA/marc`, or the shared
/// data beside the repository. Panics when it is missing: these tests never skip.
pub fn marc_data() -> PathBuf {
    let shared = std::env::var_os("ATHENAEUM_SHARED_DATA").map_or_else(
        || Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data"),
        PathBuf::from,
    );
    let marc = shared.join("marc");
    assert!(
        marc.is_dir(),
        "the MARC test data is missing: expected the folder {} (set ATHENAEUM_SHARED_DATA to \
         the shared data folder that holds marc/)",
        marc.display()
    );
    marc
}

/// Returns the path of a test file, relative to the MARC data folder.
pub fn data_file(relative: &str) -> PathBuf {
    let path = marc_data().join(relative);
    assert!(path.is_file(), "the test file {} is missing", path.display());
    path
}

/// Reads every outcome of the file at `path`.
pub fn read_all(path: &Path) -> Vec<ReadOutcome> {
    RecordReader::open(path)
        .unwrap_or_else(|error| panic!("cannot open {}: {error}", path.display()))
        .collect()
}

/// Returns the records read from `path`, panicking with the message of any error.
pub fn read_records(path: &Path) -> Vec<Record> {
    read_all(path)
        .into_iter()
        .map(|outcome| {
            outcome.record.unwrap_or_else(|error| {
                panic!("{} record {}: {error}", path.display(), outcome.position)
            })
        })
        .collect()
}

/// Returns the files under `folder` (recursively) whose names end with one of
/// `extensions`, sorted.
pub fn files_in(folder: &Path, extensions: &[&str]) -> Vec<PathBuf> {
    let mut found = Vec::new();
    let mut pending = vec![folder.to_path_buf()];
    while let Some(directory) = pending.pop() {
        let entries = std::fs::read_dir(&directory)
            .unwrap_or_else(|error| panic!("cannot list {}: {error}", directory.display()));
        for entry in entries {
            let path = entry.expect("directory entry").path();
            if path.is_dir() {
                pending.push(path);
            } else if extensions.iter().any(|extension| {
                path.extension().is_some_and(|found| found.eq_ignore_ascii_case(extension))
            }) {
                found.push(path);
            }
        }
    }
    found.sort();
    found
}

/// What pymarc finds in one file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PymarcCount {
    /// Records pymarc read.
    pub records: usize,
    /// Records pymarc met but could not read (ISO 2709 only).
    pub unreadable: usize,
}

/// Counts the records of each file with pymarc, an independent reader, in one Python
/// process. ISO 2709 files are read as pymarc's `MARCReader` does (every record it
/// meets, readable or not, counts); MARCXML files with `parse_xml_to_array`, wrapped in
/// a `<collection>` when they hold bare records one after another.
pub fn pymarc_counts(paths: &[PathBuf]) -> Vec<PymarcCount> {
    const SCRIPT: &str = r#"
import sys, os, io, warnings, contextlib
warnings.simplefilter("ignore")
try:
    import pymarc
except ImportError:
    print("NO-PYMARC")
    sys.exit(0)
for path in sys.argv[1:]:
    if path.endswith((".xml", ".marcxml")):
        try:
            records = pymarc.parse_xml_to_array(path)
        except Exception:
            text = open(path, "rb").read()
            if text.startswith(b"<?xml"):
                text = text[text.index(b"?>") + 2:]
            wrapped = b'<collection xmlns="http://www.loc.gov/MARC21/slim">' + text + b"</collection>"
            records = pymarc.parse_xml_to_array(io.BytesIO(wrapped))
        print(len(records), 0)
    else:
        read = unreadable = 0
        with open(path, "rb") as handle, contextlib.redirect_stderr(io.StringIO()):
            reader = pymarc.MARCReader(handle, to_unicode=True, force_utf8=False, utf8_handling="replace")
            for record in reader:
                if record is None:
                    unreadable += 1
                else:
                    read += 1
        print(read, unreadable)
"#;
    let output = Command::new("python3")
        .arg("-c")
        .arg(SCRIPT)
        .args(paths)
        .output()
        .expect("python3 must be installed to count records with pymarc");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "pymarc failed: {}\n{stdout}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(
        !stdout.starts_with("NO-PYMARC"),
        "pymarc is not installed; run ./scripts/test, or: python3 -m pip install 'pymarc>=5,<6'"
    );
    let counts: Vec<PymarcCount> = stdout
        .lines()
        .map(|line| {
            let mut numbers = line.split_whitespace().map(|number| number.parse::<usize>());
            match (numbers.next(), numbers.next()) {
                (Some(Ok(records)), Some(Ok(unreadable))) => PymarcCount { records, unreadable },
                _ => panic!("unexpected pymarc output line {line:?}"),
            }
        })
        .collect();
    assert_eq!(counts.len(), paths.len(), "pymarc output: {stdout}");
    counts
}

/// Returns the record as ISO 2709 gives it back, for comparing records across it: the
/// leader positions the writer recomputes (record length 00-04 and base address 12-16)
/// zeroed, and leader/09 as the writer writes it (`a` unless the record is all ASCII and
/// says MARC-8; a MARCXML record may say blank beside Unicode text).
pub fn as_iso2709_gives_back(record: &Record) -> Record {
    let mut record = record.clone();
    if record.leader.len() == 24 && record.leader.is_ascii() {
        let scheme = record.character_coding_scheme().to_string();
        record.leader.replace_range(0..5, "00000");
        record.leader.replace_range(9..10, &scheme);
        record.leader.replace_range(12..17, "00000");
    }
    record
}

/// Returns the first `$code` of the first `tag` field of `record`.
pub fn subfield<'a>(record: &'a Record, tag: &'a str, code: char) -> Option<&'a str> {
    record.data_field(tag).and_then(|field| field.first(code))
}

/// Returns the errors among `outcomes`, as (position, message).
pub fn errors(outcomes: &[ReadOutcome]) -> Vec<(u64, String)> {
    outcomes
        .iter()
        .filter_map(|outcome| match &outcome.record {
            Err(error) => Some((outcome.position, error.message.clone())),
            Ok(_) => None,
        })
        .collect()
}
