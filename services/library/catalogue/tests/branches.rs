//! A branch's address and opening hours, on both databases: its library's administrator
//! writes them, anyone reads them with the branch, and another library's administrator
//! can neither change them nor see them through their own library.

#![allow(clippy::unwrap_used, clippy::expect_used, reason = "tests fail loudly")]

mod support;

use athenaeum_catalogue::api::*;
use athenaeum_kernel::ErrorCode;
use athenaeum_testkit::both_backends;
use athenaeum_transport::Call;
use support::{World, refused};

const ADDRESS: &str = "1 Museum Street\nYork\nYO1 7DS";
const HOURS: &str = "Mon–Fri 9:00–17:00\nSat 10:00–13:00";

fn central(id: Option<&Branch>) -> SaveBranch {
    SaveBranch {
        id: id.map(|branch| branch.id.clone()),
        code: "CEN".into(),
        name: "Central Library".into(),
        address: Some(ADDRESS.into()),
        opening_hours: Some(HOURS.into()),
    }
}

async fn public_branches(world: &World, tenant_id: &str) -> Vec<Branch> {
    world
        .api()
        .list_branches(
            &Call::anonymous(),
            ListBranches {
                public_tenant_id: Some(tenant_id.to_string()),
                page: PageRequest { after: None, first: 100 },
            },
        )
        .await
        .unwrap()
        .branches
}

both_backends! {
    async fn anyone_reads_the_address_and_opening_hours_an_admin_gave_a_branch(backend) {
        let world = World::start(backend).await;
        let saved = world.api().save_branch(&world.north.admin, central(None)).await.unwrap();
        assert_eq!(saved.address.as_deref(), Some(ADDRESS));
        assert_eq!(saved.opening_hours.as_deref(), Some(HOURS));

        let listed = public_branches(&world, &world.north.tenant_id).await;
        assert_eq!(listed.len(), 1);
        assert_eq!(listed[0].address.as_deref(), Some(ADDRESS));
        assert_eq!(listed[0].opening_hours.as_deref(), Some(HOURS));
        assert!(public_branches(&world, &world.south.tenant_id).await.is_empty());
    }

    async fn lines_typed_in_a_web_form_are_kept_as_lines(backend) {
        let world = World::start(backend).await;
        let input = SaveBranch {
            address: Some(" 1 Museum Street \r\nYork\r\nYO1 7DS\r\n".into()),
            ..central(None)
        };
        let saved = world.api().save_branch(&world.north.admin, input).await.unwrap();
        assert_eq!(saved.address.as_deref(), Some(ADDRESS));
    }

    async fn renaming_a_branch_keeps_what_the_request_leaves_out_and_an_empty_text_removes_it(backend) {
        let world = World::start(backend).await;
        let api = world.api();
        let saved = api.save_branch(&world.north.admin, central(None)).await.unwrap();
        let renamed = SaveBranch {
            name: "Central".into(),
            address: None,
            opening_hours: None,
            ..central(Some(&saved))
        };
        let renamed = api.save_branch(&world.north.admin, renamed).await.unwrap();
        assert_eq!(renamed.name, "Central");
        assert_eq!(renamed.address.as_deref(), Some(ADDRESS));
        assert_eq!(renamed.opening_hours.as_deref(), Some(HOURS));

        let cleared = SaveBranch { opening_hours: Some(String::new()), ..central(Some(&saved)) };
        let cleared = api.save_branch(&world.north.admin, cleared).await.unwrap();
        assert_eq!(cleared.opening_hours, None);
        assert_eq!(cleared.address.as_deref(), Some(ADDRESS));
    }

    async fn text_too_long_is_refused_naming_the_field_and_nothing_is_saved(backend) {
        let world = World::start(backend).await;
        let api = world.api();
        let long_hours = SaveBranch { opening_hours: Some("h".repeat(1_001)), ..central(None) };
        let error = refused(api.save_branch(&world.north.admin, long_hours).await, ErrorCode::Validation);
        assert_eq!(error.field.as_deref(), Some("openingHours"));
        assert_eq!(error.message, "openingHours is 1001 characters long; at most 1000 fit");
        let long_address = SaveBranch { address: Some("a".repeat(501)), ..central(None) };
        let error = refused(api.save_branch(&world.north.admin, long_address).await, ErrorCode::Validation);
        assert_eq!(error.field.as_deref(), Some("address"));
        assert!(public_branches(&world, &world.north.tenant_id).await.is_empty());
    }

    async fn another_librarys_admin_cannot_change_a_branch_and_staff_cannot_either(backend) {
        let world = World::start(backend).await;
        let api = world.api();
        let saved = api.save_branch(&world.north.admin, central(None)).await.unwrap();
        let takeover = SaveBranch {
            address: Some("Somewhere else".into()),
            opening_hours: Some(String::new()),
            ..central(Some(&saved))
        };
        refused(api.save_branch(&world.south.admin, takeover.clone()).await, ErrorCode::NotFound);
        refused(api.save_branch(&world.north.staff, takeover).await, ErrorCode::Forbidden);

        let listed = public_branches(&world, &world.north.tenant_id).await;
        assert_eq!(listed[0].address.as_deref(), Some(ADDRESS));
        assert_eq!(listed[0].opening_hours.as_deref(), Some(HOURS));
        let south_sees = api
            .list_branches(
                &world.south.admin,
                ListBranches { public_tenant_id: None, page: PageRequest { after: None, first: 100 } },
            )
            .await
            .unwrap();
        assert!(south_sees.branches.is_empty());
    }
}
