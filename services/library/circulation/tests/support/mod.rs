//! Fixtures shared by circulation's integration tests: both wings of the library service
//! on a fresh library database, with a clock the test moves; two libraries with their
//! people; and small builders for a library's branches, vocabularies, groups, records,
//! copies and patrons, each made through the services' own APIs.
#![allow(
    dead_code,
    unused_imports,
    reason = "each test file uses a different part of the fixtures"
)]
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "test fixtures fail loudly at the first thing that goes wrong"
)]

use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};

use async_graphql::ID;
use athenaeum_auth::Role;
use athenaeum_catalogue::api::{
    CreateItem, CreateRecord, ItemInput, RecordContent, RecordForm, SaveBranch, SaveTerm,
    Vocabulary,
};
use athenaeum_catalogue::{CatalogueApi, CatalogueConfig, CatalogueService};
use athenaeum_circulation::api::*;
use athenaeum_circulation::{CirculationApi, CirculationService};
use athenaeum_kernel::Timestamp;
use athenaeum_library_db::{LibraryDatabase, MIGRATIONS};
use athenaeum_testkit::{Backend, TestDatabase, TestIssuer};
use athenaeum_transport::Call;
use chrono::{DateTime, NaiveDateTime, TimeDelta, Utc};

pub use athenaeum_testkit::{TestLibrary as Library, refused};

/// Both wings on a fresh database, two libraries, and the clock circulation reads.
pub struct World {
    pub catalogue: Arc<CatalogueService>,
    pub circulation: Arc<CirculationService>,
    pub north: Library,
    pub south: Library,
    pub people: TestIssuer,
    clock: Arc<AtomicI64>,
    pub db: TestDatabase,
}

/// What `World::furnish` made in a library.
#[derive(Debug, Clone)]
pub struct Furnished {
    pub central: ID,
    pub east: ID,
    pub book: ID,
    pub dvd: ID,
    pub normal: ID,
    pub adult: ID,
    pub child: ID,
}

/// Returns an instant from `2027-03-10 10:00` (UTC) notation.
pub fn at(text: &str) -> NaiveDateTime {
    NaiveDateTime::parse_from_str(text, "%Y-%m-%d %H:%M").unwrap()
}

impl World {
    /// Starts both wings on a fresh database of `backend`, the clock at
    /// Wednesday 10 March 2027, 10:00 UTC.
    pub async fn start(backend: Backend) -> World {
        let db = athenaeum_testkit::test_database(backend, &MIGRATIONS).await;
        let people = TestIssuer::new();
        let library = LibraryDatabase::new(db.database.clone());
        let catalogue = Arc::new(CatalogueService::new(
            library.clone(),
            people.verifier(),
            CatalogueConfig::default(),
            &db.databases.data_path(),
        ));
        let clock = Arc::new(AtomicI64::new(at("2027-03-10 10:00").and_utc().timestamp_micros()));
        let reading = Arc::clone(&clock);
        let circulation = Arc::new(CirculationService::new(library, people.verifier()).with_clock(
            Arc::new(move || {
                DateTime::from_timestamp_micros(reading.load(Ordering::SeqCst)).unwrap().naive_utc()
            }),
        ));
        let north = people.library("north");
        let south = people.library("south");
        World { catalogue, circulation, north, south, people, clock, db }
    }

    pub fn api(&self) -> &dyn CirculationApi {
        self.circulation.as_ref()
    }

    pub fn books(&self) -> &dyn CatalogueApi {
        self.catalogue.as_ref()
    }

    /// Sets the clock.
    pub fn set_time(&self, to: NaiveDateTime) {
        self.clock.store(to.and_utc().timestamp_micros(), Ordering::SeqCst);
    }

    /// Moves the clock on.
    pub fn advance(&self, by: TimeDelta) {
        self.clock.fetch_add(by.num_microseconds().unwrap(), Ordering::SeqCst);
    }

    pub fn now(&self) -> NaiveDateTime {
        DateTime::from_timestamp_micros(self.clock.load(Ordering::SeqCst)).unwrap().naive_utc()
    }

    /// Gives a library two branches (Central Library, East Library), material types Book
    /// and DVD, loan type Normal, patron groups Adult and Child.
    pub async fn furnish(&self, library: &Library) -> Furnished {
        let branch = |code: &str, name: &str| SaveBranch {
            id: None,
            code: code.into(),
            name: name.into(),
            address: None,
            opening_hours: None,
        };
        let central = self
            .books()
            .save_branch(&library.admin, branch("CEN", "Central Library"))
            .await
            .unwrap()
            .id;
        let east = self
            .books()
            .save_branch(&library.admin, branch("EAS", "East Library"))
            .await
            .unwrap()
            .id;
        let term = |vocabulary, code: &str, name: &str| SaveTerm {
            id: None,
            vocabulary,
            code: code.into(),
            name: name.into(),
        };
        let book = self
            .books()
            .save_term(&library.admin, term(Vocabulary::MaterialType, "BK", "Book"))
            .await
            .unwrap()
            .id;
        let dvd = self
            .books()
            .save_term(&library.admin, term(Vocabulary::MaterialType, "DVD", "DVD"))
            .await
            .unwrap()
            .id;
        let normal = self
            .books()
            .save_term(&library.admin, term(Vocabulary::LoanType, "NORMAL", "Normal"))
            .await
            .unwrap()
            .id;
        let group = |code: &str, name: &str| SavePatronGroup {
            id: None,
            code: code.into(),
            name: name.into(),
        };
        let adult =
            self.api().save_patron_group(&library.admin, group("ADULT", "Adult")).await.unwrap().id;
        let child =
            self.api().save_patron_group(&library.admin, group("CHILD", "Child")).await.unwrap().id;
        Furnished { central, east, book, dvd, normal, adult, child }
    }

    /// Adds a record by the simple form and returns its id.
    pub async fn record(&self, library: &Library, title: &str, author: &str) -> String {
        let form = RecordForm {
            title: title.into(),
            author: Some(author.into()),
            ..RecordForm::default()
        };
        self.books()
            .create_record(
                &library.staff,
                CreateRecord { content: RecordContent::Form(Box::new(form)) },
            )
            .await
            .unwrap()
            .id
    }

    /// Adds a copy of a record and returns its barcode.
    pub async fn copy(
        &self,
        library: &Library,
        record_id: &str,
        barcode: &str,
        branch: &ID,
        material: &ID,
    ) -> String {
        let mut item = ItemInput::new(barcode, branch.clone());
        item.material_type_id = Some(material.clone());
        item.call_number = Some(format!("F {barcode}"));
        self.books()
            .create_item(&library.staff, CreateItem { record_id: record_id.into(), item })
            .await
            .unwrap()
            .barcode
    }

    /// Adds a patron with one card and returns them.
    pub async fn patron(
        &self,
        library: &Library,
        name: &str,
        card: &str,
        group: &ID,
        home: &ID,
    ) -> Patron {
        self.api()
            .save_patron(
                &library.staff,
                SavePatron {
                    id: None,
                    version: None,
                    name: name.into(),
                    email: Some(format!("{}@example.org", card)),
                    phone: None,
                    address: None,
                    home_branch_id: home.clone(),
                    patron_group_id: group.clone(),
                    expires_on: None,
                    staff_note: None,
                    status: None,
                    cards: vec![card.into()],
                },
            )
            .await
            .unwrap()
    }

    /// A signed-in person of `library` who is linked to a new patron: registers them
    /// online (the library confirms at once) and returns the call and the patron.
    pub async fn online_patron(
        &self,
        library: &Library,
        furnished: &Furnished,
        name: &str,
    ) -> (Call, Patron) {
        self.api()
            .save_settings(
                &library.admin,
                SaveCirculationSettings {
                    time_zone: "Europe/London".into(),
                    currency: "GBP".into(),
                    courtesy_notice_days: 3,
                    refund_lost_fee_on_return: true,
                    confirm_registrations: true,
                    registration_group_id: Some(furnished.adult.clone()),
                    library_name: Some("Northshire Libraries".into()),
                },
            )
            .await
            .unwrap();
        let person = library.person(&[Role::Patron]);
        let patron = self
            .api()
            .register_patron(
                &person,
                RegisterPatron {
                    name: name.into(),
                    email: None,
                    phone: None,
                    address: None,
                    home_branch_id: furnished.central.clone(),
                },
            )
            .await
            .unwrap();
        // Staff give them a card at the desk.
        let card = format!("C{}", &patron.id.0[patron.id.0.len() - 8..]);
        let patron = self
            .api()
            .save_patron(
                &library.staff,
                SavePatron {
                    id: Some(patron.id.clone()),
                    version: Some(patron.version),
                    name: patron.name.clone(),
                    email: patron.email.clone(),
                    phone: None,
                    address: None,
                    home_branch_id: patron.home_branch_id.clone(),
                    patron_group_id: patron.patron_group_id.clone(),
                    expires_on: None,
                    staff_note: None,
                    status: None,
                    cards: vec![card],
                },
            )
            .await
            .unwrap();
        (person, patron)
    }

    /// Lends a copy to a patron at a branch; panics when refused.
    pub async fn lend(&self, library: &Library, card: &str, barcode: &str, branch: &ID) -> Loan {
        let result =
            self.api().checkout(&library.staff, checkout(card, barcode, branch)).await.unwrap();
        match result.loan {
            Some(loan) => loan,
            None => panic!("checkout of {barcode} was refused: {:?}", result.decision.reasons),
        }
    }

    /// Takes a copy back at a branch.
    pub async fn take_back(&self, library: &Library, barcode: &str, branch: &ID) -> CheckinResult {
        self.api()
            .checkin(
                &library.staff,
                Checkin { item_barcode: barcode.into(), branch_id: branch.clone() },
            )
            .await
            .unwrap()
    }

    /// Saves the library's default rule with `terms`.
    pub async fn default_terms(&self, library: &Library, terms: LoanTerms) {
        self.api()
            .save_loan_rule(
                &library.admin,
                SaveLoanRule {
                    id: None,
                    name: "Default rule".into(),
                    branch_id: None,
                    patron_group_id: None,
                    material_type_id: None,
                    loan_type_id: None,
                    terms,
                },
            )
            .await
            .unwrap();
    }
}

/// A checkout request by card.
pub fn checkout(card: &str, barcode: &str, branch: &ID) -> Checkout {
    Checkout {
        patron_card: Some(card.into()),
        patron_id: None,
        item_barcode: barcode.into(),
        branch_id: branch.clone(),
        override_reason: None,
    }
}

/// The standard terms as the API shows them: 21 days, 2 renewals, …
pub fn standard_terms() -> LoanTerms {
    LoanTerms {
        loan_days: Some(21),
        loan_hours: None,
        renewals_allowed: 2,
        renew_when_others_wait: false,
        max_loans: Some(30),
        max_loans_of_material_type: None,
        holds_allowed: true,
        max_holds: Some(10),
        fine_per_day: 20,
        fine_grace_days: 1,
        max_fine: Some(500),
        lost_item_fee: None,
        processing_fee: 500,
        hold_pickup_days: 7,
        max_overdue_items: Some(10),
        max_balance: Some(1_000),
        overridable: true,
    }
}

/// Returns the reasons' messages.
pub fn messages(decision: &Decision) -> Vec<String> {
    decision.reasons.iter().map(|reason| reason.message.clone()).collect()
}
