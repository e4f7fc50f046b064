//! Re-imports that never duplicate, and imports previewed before they change anything:
//! a record imported again with no number to match on is found by its content, a file
//! from another library system is matched by that system's own record number, and a
//! preview shows per record what an import would do, writing nothing, until it is
//! committed as previewed or previewed again with other settings. On both databases,
//! with real files from `../shared/data/marc/`.

#![allow(clippy::unwrap_used, clippy::expect_used, reason = "tests fail loudly")]

mod support;

use std::path::{Path, PathBuf};

use athenaeum_catalogue::CatalogueConfig;
use athenaeum_catalogue::api::*;
use athenaeum_marc::{Field, Record, RecordReader};
use athenaeum_testkit::both_backends;
use support::{World, marc_file};

const KOHA: &str = "koha/koha_sample_bibs.clean.marcxml";

/// Reads every record of a file.
fn records_of(path: &Path) -> Vec<Record> {
    RecordReader::open(path).unwrap().filter_map(|outcome| outcome.record.ok()).collect()
}

/// Writes records as a MARCXML file in a temporary folder and returns its path.
fn marcxml_file(folder: &tempfile::TempDir, name: &str, records: &[Record]) -> PathBuf {
    let path = folder.path().join(name);
    let mut text = String::from("<collection xmlns=\"http://www.loc.gov/MARC21/slim\">\n");
    for record in records {
        let xml = athenaeum_marc::xml::to_string(record).unwrap();
        let start = xml.find("<record").unwrap();
        let end = xml.rfind("</record>").unwrap() + "</record>".len();
        text.push_str(&xml[start..end]);
        text.push('\n');
    }
    text.push_str("</collection>\n");
    std::fs::write(&path, text).unwrap();
    path
}

/// Uploads a file as an import or a preview and waits until it finishes.
async fn upload(
    world: &World,
    library: &support::Library,
    path: &Path,
    options: ImportOptions,
    mode: ImportMode,
) -> ImportJob {
    let api = world.api();
    let name = path.file_name().unwrap().to_string_lossy().into_owned();
    let job = api
        .create_import(&library.staff, CreateImport { file_name: name, options, mode })
        .await
        .unwrap();
    let bytes = std::fs::read(path).unwrap();
    api.append_import_data(
        &library.staff,
        ImportData { job_id: job.id.0.clone(), offset: 0, data: bytes },
    )
    .await
    .unwrap();
    api.start_import(&library.staff, ById { id: job.id.0.clone() }).await.unwrap();
    world.wait_for(library, &job.id.0).await
}

/// Every decision of a preview, in file order.
async fn decisions(world: &World, library: &support::Library, job_id: &str) -> Vec<ImportDecision> {
    let mut all = Vec::new();
    let mut after = None;
    loop {
        let page = world
            .api()
            .list_import_decisions(
                &library.staff,
                ListImportDecisions {
                    job_id: job_id.to_string(),
                    outcome: None,
                    page: PageRequest { after, first: 100 },
                },
            )
            .await
            .unwrap();
        after = page.decisions.last().map(|decision| decision.cursor.clone());
        all.extend(page.decisions);
        if !page.has_next_page {
            return all;
        }
    }
}

/// Record ids with their versions: what a preview must leave as it found it.
async fn versions(world: &World, library: &support::Library) -> Vec<(String, i32)> {
    world.all_records(library).await.into_iter().map(|record| (record.id, record.version)).collect()
}

fn without_fields(record: &Record, tags: &[&str]) -> Record {
    let mut copy = record.clone();
    copy.fields.retain(|field| !tags.contains(&field.tag().as_str()));
    copy
}

both_backends! {
    async fn importing_the_same_file_again_creates_no_duplicate_even_of_records_without_numbers(backend) {
        let world = World::start(backend).await;
        let path = marc_file(KOHA);
        let first = world.import_file(&world.north, &path, ImportOptions::default()).await;
        let held = world.all_records(&world.north).await.len();
        let without_numbers = records_of(&path)
            .iter()
            .filter(|record| {
                record.control_number().is_none()
                    && record.data_fields("035").next().is_none()
                    && record.data_fields("020").next().is_none()
            })
            .count();
        assert!(without_numbers > 0, "the Koha sample has records with nothing to match on");

        let again = world.import_file(&world.north, &path, ImportOptions::default()).await;

        assert_eq!(again.records_new, 0, "nothing imported twice: {again:?}");
        assert_eq!(again.records_overlaid, again.records_read - again.records_failed, "every record found");
        assert_eq!(again.records_read, first.records_read);
        assert!(again.matched_by_content >= i64::try_from(without_numbers).unwrap(), "{again:?}");
        assert_eq!(world.all_records(&world.north).await.len(), held);
    }

    async fn a_file_from_koha_is_matched_by_the_biblionumber_when_the_library_names_999_c(backend) {
        let world = World::start(backend).await;
        let path = marc_file(KOHA);
        world.import_file(&world.north, &path, ImportOptions::default()).await;
        let held = world.all_records(&world.north).await.len();
        // The same records as Koha exports them later: edited (a note added), and with
        // no 001, 035 or ISBN to match on; only Koha's own 999 $c stays.
        let edited: Vec<Record> = records_of(&path)
            .iter()
            .filter(|record| record.data_fields("999").next().is_some())
            .map(|record| {
                let mut copy = without_fields(record, &["001", "003", "035", "020"]);
                copy.fields.push(Field::Data(athenaeum_marc::DataField {
                    tag: athenaeum_marc::Tag::parse("500").unwrap(),
                    ind1: ' ',
                    ind2: ' ',
                    subfields: vec![athenaeum_marc::Subfield { code: 'a', value: "Re-exported.".into() }],
                }));
                copy
            })
            .collect();
        let folder = tempfile::tempdir().unwrap();
        let file = marcxml_file(&folder, "koha-again.xml", &edited);

        let unnamed = ImportOptions { on_match: OnMatch::Skip, ..ImportOptions::default() };
        let preview = upload(&world, &world.north, &file, unnamed, ImportMode::Preview).await;
        assert_eq!(preview.records_new, i64::try_from(edited.len()).unwrap(), "without the field, nothing matches");

        let named = ImportOptions {
            local_number_field: Some("999$c".into()),
            ..ImportOptions::default()
        };
        let job = world.import_file(&world.north, &file, named).await;

        // Every record the catalogue holds is found by its biblionumber. The first import
        // merged two records that share an ISBN (biblionumbers 155 and 252), so the
        // catalogue holds one record fewer than the file, and that one comes in new.
        assert_eq!(job.matched_by_local_number, i64::try_from(held).unwrap(), "{job:?}");
        assert_eq!(job.records_new, i64::try_from(edited.len() - held).unwrap(), "{job:?}");
        assert_eq!(world.all_records(&world.north).await.len(), edited.len());
    }

    async fn a_preview_says_what_each_record_would_become_and_changes_nothing(backend) {
        let world = World::start(backend).await;
        let koha = marc_file(KOHA);
        world.import_file(&world.north, &koha, ImportOptions::default()).await;
        let before = versions(&world, &world.north).await;
        let changes = world.changes().await.len();
        let items = world.all_items(&world.north).await.len();

        let preview = upload(&world, &world.north, &koha, ImportOptions::default(), ImportMode::Preview).await;

        assert_eq!(preview.mode, ImportMode::Preview);
        assert_eq!(preview.status, ImportStatus::Completed);
        assert_eq!(preview.records_new, 0);
        assert_eq!(preview.records_overlaid, preview.records_read, "every record of the file is there");
        assert_eq!(versions(&world, &world.north).await, before, "no record was touched");
        assert_eq!(world.changes().await.len(), changes, "no change reached the feed");
        assert_eq!(world.all_items(&world.north).await.len(), items);
        let found = decisions(&world, &world.north, &preview.id.0).await;
        assert_eq!(found.len(), usize::try_from(preview.records_read).unwrap());
        let overlays: Vec<&ImportDecision> =
            found.iter().filter(|decision| decision.outcome == DecisionOutcome::Overlay).collect();
        assert_eq!(overlays.len(), found.len());
        assert!(overlays.iter().all(|decision| decision.rule.is_some() && decision.matched_title.is_some()));
        let matched: std::collections::BTreeSet<&str> = overlays
            .iter()
            .filter_map(|decision| decision.matched_record_id.as_ref().map(|id| id.0.as_str()))
            .collect();
        assert_eq!(matched.len(), before.len(), "each held record is matched");
        assert!(overlays.iter().any(|decision| decision.rule == Some(MatchRule::Content)));

        // Other settings: keep what is there.
        let skip = ImportOptions { on_match: OnMatch::Skip, ..ImportOptions::default() };
        world.api().preview_again(&world.north.staff, PreviewAgain { job_id: preview.id.0.clone(), options: skip }).await.unwrap();
        let again = world.wait_for(&world.north, &preview.id.0).await;
        assert_eq!(again.records_skipped, again.records_read);
        let found = decisions(&world, &world.north, &preview.id.0).await;
        assert!(found.iter().all(|decision| decision.outcome == DecisionOutcome::Skip), "the first preview's decisions are gone");

        // Committed as it stands: the import does what the preview said.
        world.api().commit_import(&world.north.staff, ById { id: preview.id.0.clone() }).await.unwrap();
        let committed = world.wait_for(&world.north, &preview.id.0).await;
        assert_eq!(committed.mode, ImportMode::Import);
        assert_eq!(committed.records_skipped, again.records_skipped);
        assert_eq!(committed.records_new, 0);
        assert_eq!(versions(&world, &world.north).await, before);
        support::refused(
            world.api().commit_import(&world.north.staff, ById { id: preview.id.0.clone() }).await,
            athenaeum_kernel::ErrorCode::Conflict,
        );
    }

    async fn a_preview_decides_a_record_repeated_across_batches_as_the_import_then_does(backend) {
        let config = CatalogueConfig { import_batch_size: 7, ..CatalogueConfig::default() };
        let world = World::start_with(backend, config).await;
        let first_ten: Vec<Record> = records_of(&marc_file("loc-books-2016/BooksAll.2016.part01.first1000.mrc")).into_iter().take(10).collect();
        let twice: Vec<Record> = first_ten.iter().chain(first_ten.iter()).cloned().collect();
        let folder = tempfile::tempdir().unwrap();
        let file = marcxml_file(&folder, "twice.xml", &twice);

        let preview = upload(&world, &world.south, &file, ImportOptions::default(), ImportMode::Preview).await;

        assert_eq!((preview.records_new, preview.records_overlaid), (10, 10), "{preview:?}");
        let found = decisions(&world, &world.south, &preview.id.0).await;
        for decision in &found[10..] {
            assert_eq!(decision.outcome, DecisionOutcome::Overlay);
            assert_eq!(decision.matched_position, Some(decision.position - 10), "{decision:?}");
        }
        assert!(world.all_records(&world.south).await.is_empty());

        world.api().commit_import(&world.south.staff, ById { id: preview.id.0.clone() }).await.unwrap();
        let committed = world.wait_for(&world.south, &preview.id.0).await;
        assert_eq!((committed.records_new, committed.records_overlaid), (10, 10));
        assert_eq!(world.all_records(&world.south).await.len(), 10);
    }

    async fn previews_belong_to_their_library_and_to_staff(backend) {
        let world = World::start(backend).await;
        let preview = upload(&world, &world.north, &marc_file(KOHA), ImportOptions::default(), ImportMode::Preview).await;
        let list = |call| {
            world.api().list_import_decisions(
                call,
                ListImportDecisions { job_id: preview.id.0.clone(), outcome: None, page: PageRequest { after: None, first: 10 } },
            )
        };
        support::refused(list(&world.south.staff).await, athenaeum_kernel::ErrorCode::NotFound);
        support::refused(list(&world.north.patron).await, athenaeum_kernel::ErrorCode::Forbidden);
        support::refused(
            world.api().commit_import(&world.south.staff, ById { id: preview.id.0.clone() }).await,
            athenaeum_kernel::ErrorCode::NotFound,
        );
        assert!(world.all_records(&world.north).await.is_empty(), "the preview wrote nothing");
        // In an empty library, the only matches are records the file holds twice.
        let found = decisions(&world, &world.north, &preview.id.0).await;
        assert!(found.iter().all(|decision| decision.matched_record_id.is_none()));
        assert!(found
            .iter()
            .filter(|decision| decision.outcome == DecisionOutcome::Overlay)
            .all(|decision| decision.matched_position.is_some_and(|position| position < decision.position)));
    }

    async fn records_stored_before_the_content_rule_get_its_keys_and_are_found_again(backend) {
        let world = World::start(backend).await;
        let path = marc_file(KOHA);
        world.import_file(&world.north, &path, ImportOptions::default()).await;
        let held = world.all_records(&world.north).await.len();
        // As a catalogue upgraded from a version that kept neither key.
        world
            .db
            .database
            .write(|connection| {
                use diesel::connection::SimpleConnection;
                connection.batch_execute("DELETE FROM record_keys WHERE kind IN ('content', 'local')")?;
                Ok::<_, athenaeum_db::DbError>(())
            })
            .await
            .unwrap();

        let (_, stop) = tokio::sync::watch::channel(false);
        let given = world.service.backfill_match_keys(stop.clone()).await.unwrap();
        let again = world.import_file(&world.north, &path, ImportOptions::default()).await;

        assert_eq!(given, u64::try_from(held).unwrap());
        assert_eq!(world.service.backfill_match_keys(stop).await.unwrap(), 0, "nothing left to do");
        assert_eq!(again.records_new, 0, "{again:?}");
        assert_eq!(world.all_records(&world.north).await.len(), held);
    }
}
