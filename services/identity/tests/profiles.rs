//! Libraries' public profiles, on SQLite and PostgreSQL: an administrator sets their own
//! library's colour and contact details, anyone reads them in the directory of libraries
//! in service, a refused value names its field, and no administrator can change another
//! library's profile.

#![allow(clippy::unwrap_used, clippy::expect_used, reason = "tests fail loudly")]

#[allow(dead_code, reason = "each test file uses its own part of the shared fixtures")]
mod support;

use athenaeum_identity::IdentityApi;
use athenaeum_identity::api::{
    AccountRole, FindTenant, Library, PageRequest, SetTenantStatus, TenantStatus,
    UpdateLibraryProfile, WhoAmI,
};
use athenaeum_kernel::{ApiError, ErrorCode};
use athenaeum_testkit::both_backends;
use athenaeum_transport::Call;
use support::{World, call_with, refused};

fn york_profile() -> UpdateLibraryProfile {
    UpdateLibraryProfile {
        name: Some("York Explore Libraries".to_string()),
        colour: Some("#1D4F91".to_string()),
        phone: Some("+44 1904 552828".to_string()),
        postal_address: Some("Museum Street\r\nYork\r\nYO1 7DS".to_string()),
        website: Some("https://www.exploreyork.org.uk/".to_string()),
        ..UpdateLibraryProfile::default()
    }
}

async fn directory(world: &World, after: Option<String>, first: u32) -> (Vec<Library>, bool) {
    let page = world
        .service
        .list_libraries(&Call::anonymous(), PageRequest { after, first })
        .await
        .unwrap();
    (page.libraries, page.has_next_page)
}

async fn public_library(world: &World, slug: &str) -> Result<Library, ApiError> {
    world.service.find_library(&Call::anonymous(), FindTenant { slug: slug.to_string() }).await
}

both_backends! {
    async fn anyone_reads_the_profile_an_administrator_gave_their_library(backend) {
        let world = World::start(backend).await;
        let york = world.library("york").await;

        let tenant = world.service.update_library_profile(&york.admin_call(), york_profile()).await.unwrap();
        assert_eq!(tenant.colour.as_deref(), Some("#1d4f91"));
        assert_eq!(tenant.accessibility_email, "libraries@york.example");

        let expected = Library {
            id: async_graphql::ID(york.tenant.id.clone()),
            slug: "york".to_string(),
            name: "York Explore Libraries".to_string(),
            colour: Some("#1d4f91".to_string()),
            phone: Some("+44 1904 552828".to_string()),
            postal_address: Some("Museum Street\nYork\nYO1 7DS".to_string()),
            website: Some("https://www.exploreyork.org.uk/".to_string()),
            contact_email: "libraries@york.example".to_string(),
            accessibility_email: "libraries@york.example".to_string(),
        };
        assert_eq!(public_library(&world, "york").await.unwrap(), expected);
        assert_eq!(directory(&world, None, 20).await.0, vec![expected]);
        let me = world.service.me(&york.admin_call(), WhoAmI {}).await.unwrap();
        assert_eq!(me.tenant.website.as_deref(), Some("https://www.exploreyork.org.uk/"));
    }

    async fn the_directory_lists_libraries_in_service_by_name_without_the_platform(backend) {
        let world = World::start(backend).await;
        for (slug, name) in [("york", "York Explore"), ("leeds", "Leeds Libraries"), ("bath", "Bath Libraries"), ("hull", "Hull Libraries")] {
            let library = world.library(slug).await;
            let profile = UpdateLibraryProfile { name: Some(name.to_string()), ..UpdateLibraryProfile::default() };
            world.service.update_library_profile(&library.admin_call(), profile).await.unwrap();
        }
        let hull = world.service.find_tenant(&Call::anonymous(), FindTenant { slug: "hull".into() }).await.unwrap();
        let suspend = SetTenantStatus { tenant_id: hull.id, status: TenantStatus::Suspended };
        world.service.set_tenant_status(&world.operator, suspend).await.unwrap();

        let (first_page, more) = directory(&world, None, 2).await;
        let names: Vec<&str> = first_page.iter().map(|library| library.name.as_str()).collect();
        assert_eq!(names, ["Bath Libraries", "Leeds Libraries"]);
        assert!(more);
        let (second_page, more) = directory(&world, Some("leeds".to_string()), 2).await;
        let names: Vec<&str> = second_page.iter().map(|library| library.name.as_str()).collect();
        assert_eq!(names, ["York Explore"]);
        assert!(!more);

        assert_eq!(refused(public_library(&world, "hull").await, ErrorCode::NotFound).code, ErrorCode::NotFound);
        refused(public_library(&world, "platform").await, ErrorCode::NotFound);
        refused(public_library(&world, "nowhere").await, ErrorCode::NotFound);
    }

    async fn a_colour_white_text_is_hard_to_read_on_is_refused_saying_the_ratio_and_the_minimum(backend) {
        let world = World::start(backend).await;
        let york = world.library("york").await;
        world.service.update_library_profile(&york.admin_call(), york_profile()).await.unwrap();

        let yellow = UpdateLibraryProfile { colour: Some("#ffcc00".to_string()), ..UpdateLibraryProfile::default() };
        let error = refused(world.service.update_library_profile(&york.admin_call(), yellow).await, ErrorCode::Validation);
        assert_eq!(error.field.as_deref(), Some("colour"));
        assert!(error.message.contains("contrast ratio of 1.51:1 with white text"), "{}", error.message);
        assert!(error.message.contains("at least 4.5:1"), "{}", error.message);
        assert_eq!(public_library(&world, "york").await.unwrap().colour.as_deref(), Some("#1d4f91"));
    }

    async fn each_refused_value_names_its_field_and_changes_nothing(backend) {
        let world = World::start(backend).await;
        let york = world.library("york").await;
        let cases = [
            ("name", UpdateLibraryProfile { name: Some(" ".into()), ..UpdateLibraryProfile::default() }),
            ("colour", UpdateLibraryProfile { colour: Some("navy".into()), ..UpdateLibraryProfile::default() }),
            ("phone", UpdateLibraryProfile { phone: Some("ring us".into()), ..UpdateLibraryProfile::default() }),
            ("postalAddress", UpdateLibraryProfile { postal_address: Some("a".repeat(501)), ..UpdateLibraryProfile::default() }),
            ("website", UpdateLibraryProfile { website: Some("javascript:alert(1)".into()), ..UpdateLibraryProfile::default() }),
            ("website", UpdateLibraryProfile { website: Some("ftp://files.york.example".into()), ..UpdateLibraryProfile::default() }),
            ("contactEmail", UpdateLibraryProfile { contact_email: Some(String::new()), ..UpdateLibraryProfile::default() }),
            ("accessibilityEmail", UpdateLibraryProfile { accessibility_email: Some("not an address".into()), ..UpdateLibraryProfile::default() }),
        ];
        for (field, mut input) in cases {
            input.name = input.name.or(Some("Renamed".into()));
            let error = refused(world.service.update_library_profile(&york.admin_call(), input).await, ErrorCode::Validation);
            assert_eq!(error.field.as_deref(), Some(field), "{}", error.message);
        }
        assert_eq!(public_library(&world, "york").await.unwrap().name, "york libraries");
    }

    async fn fields_left_out_stay_and_an_empty_one_is_removed(backend) {
        let world = World::start(backend).await;
        let york = world.library("york").await;
        let with_contact = UpdateLibraryProfile {
            accessibility_email: Some("access@york.example".into()),
            ..york_profile()
        };
        world.service.update_library_profile(&york.admin_call(), with_contact).await.unwrap();
        assert_eq!(public_library(&world, "york").await.unwrap().accessibility_email, "access@york.example");

        let only_phone = UpdateLibraryProfile { phone: Some("01904 552828".into()), ..UpdateLibraryProfile::default() };
        world.service.update_library_profile(&york.admin_call(), only_phone).await.unwrap();
        let library = public_library(&world, "york").await.unwrap();
        assert_eq!(library.phone.as_deref(), Some("01904 552828"));
        assert_eq!(library.colour.as_deref(), Some("#1d4f91"));
        assert_eq!(library.website.as_deref(), Some("https://www.exploreyork.org.uk/"));

        let emptied = UpdateLibraryProfile {
            website: Some(String::new()),
            colour: Some(String::new()),
            accessibility_email: Some(String::new()),
            contact_email: Some("enquiries@york.example".into()),
            ..UpdateLibraryProfile::default()
        };
        world.service.update_library_profile(&york.admin_call(), emptied).await.unwrap();
        let library = public_library(&world, "york").await.unwrap();
        assert_eq!(library.website, None);
        assert_eq!(library.colour, None);
        assert_eq!(library.contact_email, "enquiries@york.example");
        assert_eq!(library.accessibility_email, "enquiries@york.example");
        assert_eq!(library.postal_address.as_deref(), Some("Museum Street\nYork\nYO1 7DS"));
    }

    async fn no_one_but_its_administrators_and_operators_changes_a_librarys_profile(backend) {
        let world = World::start(backend).await;
        let york = world.library("york").await;
        let leeds = world.library("leeds").await;
        world.service.update_library_profile(&york.admin_call(), york_profile()).await.unwrap();
        let staff = world.member(&york, "desk@york.example", &[AccountRole::Staff]).await;

        let takeover = UpdateLibraryProfile {
            tenant_id: Some(york.tenant.id.clone()),
            name: Some("Leeds took over".into()),
            website: Some("https://evil.example".into()),
            ..UpdateLibraryProfile::default()
        };
        refused(world.service.update_library_profile(&leeds.admin_call(), takeover.clone()).await, ErrorCode::Forbidden);
        let own_staff = UpdateLibraryProfile { tenant_id: None, ..takeover.clone() };
        refused(world.service.update_library_profile(&call_with(&staff.access_token), own_staff.clone()).await, ErrorCode::Forbidden);
        refused(world.service.update_library_profile(&Call::anonymous(), own_staff).await, ErrorCode::Unauthenticated);
        let library = public_library(&world, "york").await.unwrap();
        assert_eq!(library.name, "York Explore Libraries");
        assert_eq!(library.website.as_deref(), Some("https://www.exploreyork.org.uk/"));
        assert_eq!(public_library(&world, "leeds").await.unwrap().name, "leeds libraries");

        let by_operator = UpdateLibraryProfile { name: Some("York Libraries".into()), ..takeover };
        let tenant = world.service.update_library_profile(&world.operator, by_operator).await.unwrap();
        assert_eq!(tenant.id, york.tenant.id);
        assert_eq!(public_library(&world, "york").await.unwrap().name, "York Libraries");
    }
}
