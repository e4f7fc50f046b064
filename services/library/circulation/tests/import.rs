//! Importing patrons from a CSV file: bad rows reported by row while the rest are
//! imported, re-running updates by card barcode, a library's import never reaching
//! another library, and only staff may import.
#![allow(clippy::unwrap_used, clippy::expect_used, reason = "tests fail loudly")]

mod support;

use athenaeum_auth::Role;
use athenaeum_circulation::api::*;
use athenaeum_kernel::ErrorCode;
use athenaeum_testkit::both_backends;
use chrono::NaiveDate;
use support::*;

const KOHA_HEADER: &str = "cardnumber,surname,firstname,email,phone,address,address2,city,zipcode,branchcode,categorycode,dateexpiry,borrowernotes";

/// A Koha borrowers export of ten patrons, as Koha writes it (a byte order mark, CRLF),
/// with `email_of_p102` as Samira Khan's email. Row 7 names a branch the library does
/// not have and row 9 has no card; Ann O'Neill's note spans lines 4 and 5.
fn koha_export(email_of_p102: &str) -> String {
    let rows = [
        KOHA_HEADER.to_string(),
        "P101,Patel,Sam,sam@example.org,0161 496 0001,1 Mill Lane,,Leeds,LS1 1AA,CEN,ADULT,2028-01-31,".into(),
        format!("P102,Khan,Samira,{email_of_p102},,,,,,CEN,ADULT,2028-01-31,"),
        "P103,O'Neill,Ann,,,\"4 High Street, Flat 2\",,York,YO1 7HH,EAS,CHILD,,\"prefers large print\r\nask at the desk\"".into(),
        "P104,Reid,Dana,dana@example.org,,,,,,CEN,ADULT,,".into(),
        "P105,Wood,Alex,,,,,,,WES,ADULT,,".into(),
        "P106,Chen,Lee,lee@example.org,,,,,,EAS,CHILD,2027-12-31,".into(),
        ",Moss,Jo,,,,,,,CEN,ADULT,,".into(),
        "P107,\"Smith \"\"Smithy\"\"\",Pat,,,,,,,cen,adult,,".into(),
        "P108,Ng,Kim,,,,,,,CEN,ADULT,,".into(),
        "P109,Okafor,Chi,,,,,,,EAS,ADULT,,".into(),
    ];
    format!("\u{feff}{}\r\n", rows.join("\r\n"))
}

fn import(csv: String) -> ImportPatrons {
    ImportPatrons { csv, mapping: None, dry_run: false }
}

fn problem_rows(report: &PatronImportReport) -> Vec<u32> {
    report.problems.iter().map(|problem| problem.row).collect()
}

async fn by_card(world: &World, library: &Library, card: &str) -> Patron {
    let page = world
        .api()
        .find_patrons(&library.staff, FindPatrons { query: card.into(), after: None, first: 10 })
        .await
        .unwrap();
    assert_eq!(page.patrons.len(), 1, "one patron has card {card}");
    page.patrons.into_iter().next().unwrap()
}

async fn count_named(world: &World, library: &Library, name: &str) -> usize {
    world
        .api()
        .find_patrons(&library.staff, FindPatrons { query: name.into(), after: None, first: 100 })
        .await
        .unwrap()
        .patrons
        .len()
}

both_backends! {
    async fn a_koha_export_imports_every_good_row_and_names_the_bad_ones(backend) {
        let world = World::start(backend).await;
        let lib = world.furnish(&world.north).await;
        let api = world.api();

        let trial = api.import_patrons(&world.north.staff, ImportPatrons { dry_run: true, ..import(koha_export("samira@example.org")) }).await.unwrap();
        assert_eq!((trial.rows_read, trial.created, trial.failed), (10, 8, 2));
        assert_eq!(count_named(&world, &world.north, "p").await, 0, "a dry run changes nothing");

        let report = api.import_patrons(&world.north.staff, import(koha_export("samira@example.org"))).await.unwrap();

        assert_eq!((report.rows_read, report.created, report.updated, report.failed), (10, 8, 0, 2));
        assert!(!report.dry_run);
        assert_eq!(problem_rows(&report), vec![7, 9]);
        assert_eq!(report.problems[0].message, "row 7: branchcode WES is not a branch code of this library");
        assert_eq!(report.problems[1].message, "row 9: card barcode is empty");
        let ann = by_card(&world, &world.north, "P103").await;
        assert_eq!(ann.name, "Ann O'Neill");
        assert_eq!(ann.address.as_deref(), Some("4 High Street, Flat 2\nYork\nYO1 7HH"));
        assert_eq!(ann.staff_note.as_deref(), Some("prefers large print\nask at the desk"));
        assert_eq!(ann.home_branch_id, lib.east);
        assert_eq!(ann.patron_group_id, lib.child);
        assert_eq!(ann.status, PatronStatus::Active);
        let sam = by_card(&world, &world.north, "P101").await;
        assert_eq!(sam.name, "Sam Patel");
        assert_eq!(sam.expires_on, NaiveDate::from_ymd_opt(2028, 1, 31));
        assert_eq!(sam.cards, vec!["P101"]);
        assert_eq!(by_card(&world, &world.north, "P107").await.name, "Pat Smith \"Smithy\"", "codes match in any case");
        // An imported patron borrows like any other.
        let record = world.record(&world.north, "Emma", "Austen, Jane").await;
        world.copy(&world.north, &record, "B1", &lib.central, &lib.book).await;
        world.lend(&world.north, "P101", "B1", &lib.central).await;
    }

    async fn importing_again_updates_patrons_by_card_without_duplicating_them(backend) {
        let world = World::start(backend).await;
        world.furnish(&world.north).await;
        let api = world.api();
        api.import_patrons(&world.north.staff, import(koha_export("samira@example.org"))).await.unwrap();
        let samira = by_card(&world, &world.north, "P102").await;
        // Staff keep her history setting and a second card; the import leaves both alone.
        let with_second_card = api.save_patron(&world.north.staff, SavePatron {
            id: Some(samira.id.clone()), version: Some(samira.version), name: samira.name.clone(), email: samira.email.clone(),
            phone: None, address: None, home_branch_id: samira.home_branch_id.clone(), patron_group_id: samira.patron_group_id.clone(),
            expires_on: samira.expires_on, staff_note: None, status: Some(PatronStatus::Inactive), cards: vec!["P102".into(), "P102B".into()],
        }).await.unwrap();

        let again = api.import_patrons(&world.north.staff, import(koha_export("samira.khan@example.org"))).await.unwrap();

        assert_eq!((again.rows_read, again.created, again.updated, again.unchanged, again.failed), (10, 0, 1, 7, 2));
        assert_eq!(problem_rows(&again), vec![7, 9]);
        let updated = by_card(&world, &world.north, "P102B").await;
        assert_eq!(updated.id, samira.id, "the same patron, matched by card");
        assert_eq!(updated.email.as_deref(), Some("samira.khan@example.org"));
        assert_eq!(updated.version, with_second_card.version + 1);
        assert_eq!(updated.status, PatronStatus::Inactive, "the import keeps the status");
        assert_eq!(updated.cards, vec!["P102", "P102B"]);
        assert_eq!(count_named(&world, &world.north, "sam").await, 2, "Sam Patel and Samira Khan, once each");
        assert_eq!(by_card(&world, &world.north, "P101").await.version, 1, "an unchanged patron is not rewritten");
    }

    async fn another_librarys_import_of_the_same_file_makes_its_own_patrons(backend) {
        let world = World::start(backend).await;
        world.furnish(&world.north).await;
        let south = world.furnish(&world.south).await;
        let api = world.api();
        api.import_patrons(&world.north.staff, import(koha_export("samira@example.org"))).await.unwrap();
        let north_sam = by_card(&world, &world.north, "P101").await;

        let report = api.import_patrons(&world.south.staff, import(koha_export("south@example.org"))).await.unwrap();

        assert_eq!((report.created, report.updated, report.failed), (8, 0, 2));
        let south_sam = by_card(&world, &world.south, "P101").await;
        assert_ne!(south_sam.id, north_sam.id);
        assert_eq!(south_sam.home_branch_id, south.central, "codes resolve in the importing library");
        assert_eq!(by_card(&world, &world.north, "P101").await, north_sam, "the first library's patron is untouched");
        assert_eq!(by_card(&world, &world.north, "P102").await.email.as_deref(), Some("samira@example.org"));
        assert_eq!(count_named(&world, &world.north, "sam").await, 2);
    }

    async fn only_staff_may_import_and_an_unreadable_file_is_refused(backend) {
        let world = World::start(backend).await;
        world.furnish(&world.north).await;
        let api = world.api();
        let patron = world.north.person(&[Role::Patron]);

        refused(api.import_patrons(&patron, import(koha_export("samira@example.org"))).await, ErrorCode::Forbidden);
        let no_card = refused(api.import_patrons(&world.north.staff, import("surname,branchcode,categorycode\r\nPatel,CEN,ADULT\r\n".into())).await, ErrorCode::Validation);
        assert_eq!(no_card.message, "the file has no column cardnumber for the card barcode");
        refused(api.import_patrons(&world.north.staff, import(String::new())).await, ErrorCode::Validation);
        refused(api.import_patrons(&world.north.staff, import("x".repeat(MOST_IMPORT_BYTES + 1))).await, ErrorCode::Validation);
        assert_eq!(count_named(&world, &world.north, "patel").await, 0);
    }

    async fn a_mapping_in_the_request_reads_another_systems_columns(backend) {
        let world = World::start(backend).await;
        let lib = world.furnish(&world.north).await;
        let map = |column: &str, field| ColumnMap { column: column.into(), field };
        let mapping = vec![
            map("Card", PatronImportField::CardBarcode),
            map("Full name", PatronImportField::Name),
            map("Branch", PatronImportField::HomeBranchCode),
            map("Type", PatronImportField::PatronGroupCode),
            map("Expires", PatronImportField::ExpiresOn),
        ];
        let csv = "Card,Full name,Branch,Type,Expires\nC1,Ann Reid,EAS,CHILD,2027-09-01\nC2,Bo Lind,CEN,STAFF,\nC3,Cy Moe,CEN,ADULT,2027-13-01\n";

        let report = world.api().import_patrons(&world.north.staff, ImportPatrons { csv: csv.into(), mapping: Some(mapping), dry_run: false }).await.unwrap();

        assert_eq!((report.rows_read, report.created, report.failed), (3, 1, 2));
        let messages: Vec<&str> = report.problems.iter().map(|problem| problem.message.as_str()).collect();
        assert_eq!(messages, vec!["row 3: Type STAFF is not a patron group code of this library", "row 4: Expires 2027-13-01 is not a date"]);
        let ann = by_card(&world, &world.north, "C1").await;
        assert_eq!((ann.name.as_str(), &ann.home_branch_id), ("Ann Reid", &lib.east));
    }

    async fn a_large_file_is_imported_in_chunks_and_a_repeated_card_fails_only_its_row(backend) {
        let world = World::start(backend).await;
        world.furnish(&world.north).await;
        let mut rows = vec![KOHA_HEADER.to_string()];
        for number in 0..1_200 {
            rows.push(format!("L{number:04},Reader,Number {number},,,,,,,CEN,ADULT,,"));
        }
        rows.push("L0700,Reader,Again,,,,,,,CEN,ADULT,,".into());

        let report = world.api().import_patrons(&world.north.staff, import(rows.join("\n"))).await.unwrap();

        assert_eq!((report.rows_read, report.created, report.failed), (1_201, 1_200, 1));
        assert_eq!(report.problems[0].message, "row 1202: card barcode L0700 is on row 702 already");
        assert_eq!(by_card(&world, &world.north, "L1199").await.name, "Number 1199 Reader");
    }
}
