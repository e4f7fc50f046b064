//! Exports give back what was imported: an unedited record byte for byte, in the
//! Unicode form it came in (the Library of Congress's decomposed text stays decomposed),
//! unless the export asks for NFC or NFD; a record an export cannot write is named in its
//! result. An import lists its problems up to a limit and counts the rest. On both
//! databases.

#![allow(clippy::unwrap_used, clippy::expect_used, reason = "tests fail loudly")]

mod support;

use std::collections::HashMap;

use athenaeum_catalogue::api::*;
use athenaeum_catalogue::export::MarcExport;
use athenaeum_kernel::ErrorCode;
use athenaeum_marc::{Normalization, iso2709};
use athenaeum_testkit::both_backends;
use support::{World, refused};

/// The raw records of an ISO 2709 file, each with its terminator.
fn raw_records(bytes: &[u8]) -> Vec<Vec<u8>> {
    bytes.split_inclusive(|&byte| byte == 0x1D).map(<[u8]>::to_vec).collect()
}

/// Exports every record of `library` as ISO 2709 in `normalization`.
async fn export(
    world: &World,
    library: &support::Library,
    normalization: Normalization,
) -> Vec<u8> {
    let export = MarcExport::new(MarcSyntax::Iso2709).with_normalization(normalization);
    let (bytes, export) = world.export_all(library, export).await;
    assert!(export.left_out().is_empty());
    bytes
}

/// Counts each distinct record.
fn tally(records: Vec<Vec<u8>>) -> HashMap<Vec<u8>, usize> {
    let mut counts = HashMap::new();
    for record in records {
        *counts.entry(record).or_default() += 1;
    }
    counts
}

both_backends! {
    async fn an_imported_file_exports_byte_for_byte_and_in_either_unicode_form(backend) {
        let world = World::start(backend).await;
        let path = support::marc_file("loc-books-2016/BooksAll.2016.part01.first1000.mrc");
        let job = world
            .import_file(&world.north, &path, ImportOptions { match_on: Vec::new(), ..ImportOptions::default() })
            .await;
        assert_eq!(job.records_new, 1000, "{job:?}");
        let source = raw_records(&std::fs::read(&path).unwrap());

        let as_received = export(&world, &world.north, Normalization::AsReceived).await;
        assert_eq!(as_received.len(), std::fs::read(&path).unwrap().len());
        assert!(tally(raw_records(&as_received)) == tally(source.clone()), "an export changed a record's bytes");

        // Composed: the records whose text was decomposed change, and only in form.
        let composed = raw_records(&export(&world, &world.north, Normalization::Nfc).await);
        let expected: Vec<Vec<u8>> = source
            .iter()
            .map(|raw| {
                let (record, _) = iso2709::read_record(raw).unwrap();
                let mut bytes = Vec::new();
                iso2709::write_record(&Normalization::Nfc.record(&record), &mut bytes).unwrap();
                bytes
            })
            .collect();
        let changed = expected.iter().zip(&source).filter(|(nfc, raw)| nfc != raw).count();
        assert!(changed > 50, "only {changed} records had decomposed text");
        assert!(tally(composed) == tally(expected), "the NFC export is not the records composed");

        // Exports are for staff.
        refused(
            world.api().export_records(&world.north.patron, ExportRecords { filter: RecordFilter::default(), page: PageRequest { after: None, first: 10 } }).await,
            ErrorCode::Forbidden,
        );

        // Decomposed: the Library of Congress's records are already NFD.
        let decomposed = export(&world, &world.north, Normalization::Nfd).await;
        assert!(tally(raw_records(&decomposed)) == tally(source), "the NFD export changed records");
    }
}

/// A MARCXML collection of `broken` records that lack a field's tag, then one good one.
fn mostly_broken_file(broken: usize) -> Vec<u8> {
    let mut xml = String::from("<collection xmlns=\"http://www.loc.gov/MARC21/slim\">\n");
    for number in 0..broken {
        xml.push_str(&format!(
            "<record><leader>00000nam a2200000 a 4500</leader><datafield ind1=\" \" ind2=\" \"><subfield code=\"a\">broken {number}</subfield></datafield></record>\n"
        ));
    }
    xml.push_str("<record><leader>00000nam a2200000 a 4500</leader><controlfield tag=\"001\">good-1</controlfield><datafield tag=\"245\" ind1=\"1\" ind2=\"0\"><subfield code=\"a\">The one good record</subfield></datafield></record>\n</collection>\n");
    xml.into_bytes()
}

both_backends! {
    async fn an_import_lists_its_first_problems_and_counts_the_rest(backend) {
        let config = athenaeum_catalogue::CatalogueConfig { import_problems_listed: 10, import_batch_size: 7, ..Default::default() };
        let world = World::start_with(backend, config).await;
        let job = world
            .upload(&world.north, "broken.xml", &mostly_broken_file(30), 1 << 20, ImportOptions::default())
            .await;
        assert_eq!((job.records_failed, job.records_new), (30, 1), "every failure is counted: {job:?}");
        let problems = world.problems(&world.north, &job.id.0).await;
        assert_eq!(problems.len(), 11, "the first ten and a summary: {problems:#?}");
        assert!(problems[..10].iter().all(|problem| problem.message.contains("tag")), "{problems:#?}");
        let summary = &problems[10];
        assert!(summary.message.starts_with("20 more problems, up to record 30, are not listed"), "{}", summary.message);
        assert_eq!(summary.severity, ProblemSeverity::Error);

        // Within the limit, every problem is listed and there is no summary.
        let listed_in_full = world
            .upload(&world.south, "broken.xml", &mostly_broken_file(9), 1 << 20, ImportOptions::default())
            .await;
        assert_eq!(world.problems(&world.south, &listed_in_full.id.0).await.len(), 9);
    }
}

#[test]
fn a_record_an_export_cannot_write_is_named_in_its_result_and_the_rest_are_written() {
    let good = athenaeum_marc::json::to_string(
        &athenaeum_marc::json::from_str(&marc_in_json("A good record")).unwrap(),
    );
    let stored = |id: &str, marc_json: String| StoredMarc { id: id.to_string(), marc_json };
    for syntax in [MarcSyntax::Iso2709, MarcSyntax::MarcXml] {
        let mut export = MarcExport::new(syntax);
        let mut bytes = export.header().to_vec();
        export.write(&stored("good-1", good.clone()), &mut bytes).unwrap();
        // Stored before records were checked at the edge: a field longer than ISO 2709
        // allows, or a character XML cannot carry.
        let unwritable = match syntax {
            MarcSyntax::Iso2709 => marc_in_json(&"x".repeat(12_000)),
            _ => marc_in_json(r"bell \u0007"),
        };
        let reason = export.write(&stored("bad-2", unwritable), &mut bytes).unwrap_err();
        assert!(reason.starts_with("record bad-2"), "{reason}");
        export.write(&stored("good-3", good.clone()), &mut bytes).unwrap();
        bytes.extend_from_slice(&export.footer());
        assert_eq!(export.written(), 2);
        assert_eq!(export.left_out(), std::slice::from_ref(&reason));
        let read: Vec<_> = athenaeum_marc::RecordReader::new(std::io::Cursor::new(bytes.clone()))
            .map(|outcome| outcome.record.unwrap())
            .collect();
        assert_eq!(read.len(), 2, "{syntax:?}: the records either side are whole");
        if syntax == MarcSyntax::MarcXml {
            let text = String::from_utf8(bytes).unwrap();
            assert!(
                text.contains("1 records could not be written as MARCXML and were left out"),
                "{text}"
            );
            assert!(text.contains("record bad-2"), "{text}");
        }
    }
}

/// A MARC-in-JSON record titled `title`.
fn marc_in_json(title: &str) -> String {
    format!(
        r#"{{"leader":"00000nam a2200000 a 4500","fields":[{{"001":"x"}},{{"245":{{"ind1":"1","ind2":"0","subfields":[{{"a":"{title}"}}]}}}}]}}"#
    )
}
