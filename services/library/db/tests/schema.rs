//! The library database's shape: the diesel `table!` definitions both wings compile
//! against match what its migrations create, column by column, on SQLite and PostgreSQL.

use std::collections::BTreeMap;

use athenaeum_library_db::MIGRATIONS;
use athenaeum_library_db::schema::{
    account_lines, branch_calendars, branches, catalogue_settings, change_events,
    circulation_settings, closed_dates, heading_links, holds, import_decisions, import_jobs,
    import_problem_counts, import_problems, items, loan_rules, loans, notices, patron_blocks,
    patron_cards, patron_groups, patrons, record_keys, records, shelving_locations, transits,
    vocabulary_terms,
};
use athenaeum_mail::schema::mail_outbox;
use athenaeum_testkit::schema::{TableShape, differences, introspect};
use athenaeum_testkit::{both_backends, diesel_shape};

/// Every table `schema.rs` describes.
fn diesel_tables() -> BTreeMap<String, TableShape> {
    BTreeMap::from([
        diesel_shape!(branches),
        diesel_shape!(shelving_locations),
        diesel_shape!(vocabulary_terms),
        diesel_shape!(records),
        diesel_shape!(record_keys),
        diesel_shape!(heading_links),
        diesel_shape!(items),
        diesel_shape!(catalogue_settings),
        diesel_shape!(import_jobs),
        diesel_shape!(import_problems),
        diesel_shape!(import_problem_counts),
        diesel_shape!(import_decisions),
        diesel_shape!(change_events),
        diesel_shape!(circulation_settings),
        diesel_shape!(patron_groups),
        diesel_shape!(patrons),
        diesel_shape!(patron_cards),
        diesel_shape!(patron_blocks),
        diesel_shape!(loan_rules),
        diesel_shape!(branch_calendars),
        diesel_shape!(closed_dates),
        diesel_shape!(loans),
        diesel_shape!(holds),
        diesel_shape!(transits),
        diesel_shape!(account_lines),
        diesel_shape!(notices),
        diesel_shape!(mail_outbox),
    ])
}

both_backends! {
    async fn schema_rs_matches_the_freshly_migrated_library_database(backend) {
        let db = athenaeum_testkit::test_database(backend, &MIGRATIONS).await;

        let database = db.database.read(introspect).await.unwrap();

        let found = differences(&diesel_tables(), &database, backend.name());
        assert!(found.is_empty(), "schema.rs and the {backend} migrations disagree:\n{}", found.join("\n"));
        assert!(database.get("change_events").is_some_and(|columns| columns.contains_key("position")));
    }
}
