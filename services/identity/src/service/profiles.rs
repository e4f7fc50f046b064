//! Libraries' public profiles: the directory of libraries in service that anyone may
//! read, one library found by slug, and an administrator changing their own library's
//! profile (an operator any library's). Only what a library would print on a leaflet is
//! shown to the public: never its status, time zone or the platform's ids, and never the
//! platform's own tenant.

use athenaeum_auth::Role;
use athenaeum_kernel::{ApiError, now};
use athenaeum_transport::Call;

use super::{
    IdentityService, Outcome, PLATFORM_TENANT_ID, page_size, split_page, tenant_not_found,
    tenant_view,
};
use crate::api::*;
use crate::domain::{
    EmailAddress, LibraryColour, PhoneNumber, PostalAddress, TenantName, WebsiteUrl,
};
use crate::store::{self, ProfileChange, TenantRow};

/// Returns what the public sees of a tenant.
fn library_view(row: TenantRow) -> Library {
    Library {
        accessibility_email: row.accessibility_email.unwrap_or_else(|| row.contact_email.clone()),
        id: async_graphql::ID(row.id),
        slug: row.slug,
        name: row.name,
        colour: row.colour,
        phone: row.phone,
        postal_address: row.postal_address,
        website: row.website,
        contact_email: row.contact_email,
    }
}

/// Checks an optional profile value: `None` when the request left it out, `Some(None)`
/// when it gave an empty text (remove it), `Some(Some(value))` otherwise.
fn optional_value(
    text: Option<&str>,
    parse: impl FnOnce(&str) -> Result<String, ApiError>,
) -> Result<Option<Option<String>>, ApiError> {
    match text {
        None => Ok(None),
        Some(text) if text.trim().is_empty() => Ok(Some(None)),
        Some(text) => parse(text).map(|value| Some(Some(value))),
    }
}

/// Checks a whole profile change; fails at the first field that is wrong, naming it.
fn profile_change(request: &UpdateLibraryProfile) -> Result<ProfileChange, ApiError> {
    let name = match request.name.as_deref() {
        None => None,
        Some(text) => Some(TenantName::parse("name", text)?.as_str().to_string()),
    };
    let contact_email = match request.contact_email.as_deref() {
        None => None,
        Some(text) if text.trim().is_empty() => {
            return Err(ApiError::validation(
                "contactEmail",
                "contactEmail must not be empty: the platform writes to the library there",
            ));
        }
        Some(text) => Some(EmailAddress::parse("contactEmail", text)?.as_str().to_string()),
    };
    let colour = optional_value(request.colour.as_deref(), |text| {
        LibraryColour::parse("colour", text).map(|colour| colour.as_str().to_string())
    })?;
    let phone = optional_value(request.phone.as_deref(), |text| {
        PhoneNumber::parse("phone", text).map(|phone| phone.as_str().to_string())
    })?;
    let postal_address = match request.postal_address.as_deref() {
        None => None,
        Some(text) => Some(
            PostalAddress::parse("postalAddress", text)?
                .map(|address| address.as_str().to_string()),
        ),
    };
    let website = optional_value(request.website.as_deref(), |text| {
        WebsiteUrl::parse("website", text).map(|website| website.as_str().to_string())
    })?;
    let accessibility_email = optional_value(request.accessibility_email.as_deref(), |text| {
        EmailAddress::parse("accessibilityEmail", text).map(|email| email.as_str().to_string())
    })?;
    Ok(ProfileChange {
        name,
        contact_email,
        colour,
        phone,
        postal_address,
        website,
        accessibility_email,
        updated_at: now(),
    })
}

impl IdentityService {
    pub(super) async fn list_libraries_as(
        &self,
        _call: &Call,
        request: PageRequest,
    ) -> Outcome<LibraryPage> {
        let first = page_size(request.first)?;
        let rows = self
            .database
            .read(move |connection| {
                let after = match request.after.as_deref() {
                    None => None,
                    Some(slug) => match store::find_tenant_by_slug(connection, slug)? {
                        Some(tenant) => Some(tenant),
                        None => {
                            return Err(ApiError::validation(
                                "after",
                                format!("the cursor {slug:?} names no library"),
                            )
                            .into());
                        }
                    },
                };
                let after =
                    after.as_ref().map(|tenant| (tenant.name.as_str(), tenant.slug.as_str()));
                store::list_tenants_in_service(connection, PLATFORM_TENANT_ID, after, first + 1)
                    .map_err(crate::error::IdentityError::from)
            })
            .await?;
        let (rows, has_next_page) = split_page(rows, first);
        Ok(LibraryPage { libraries: rows.into_iter().map(library_view).collect(), has_next_page })
    }

    pub(super) async fn find_library_as(
        &self,
        _call: &Call,
        request: FindTenant,
    ) -> Outcome<Library> {
        let slug = request.slug.trim().to_lowercase();
        let row = self
            .database
            .read({
                let slug = slug.clone();
                move |connection| store::find_tenant_by_slug(connection, &slug)
            })
            .await?;
        match row {
            Some(tenant) if tenant.status.is_in_service() && tenant.id != PLATFORM_TENANT_ID => {
                Ok(library_view(tenant))
            }
            _ => Err(ApiError::not_found(format!("no library has the slug {slug:?}")).into()),
        }
    }

    pub(super) async fn update_library_profile_as(
        &self,
        call: &Call,
        request: UpdateLibraryProfile,
    ) -> Outcome<Tenant> {
        let caller = self.caller(call)?;
        let scope = match request.tenant_id.as_deref() {
            Some(tenant_id) if tenant_id != caller.tenant_id() => {
                caller.operator_scope(tenant_id)?
            }
            _ => {
                if !caller.has_role(Role::Operator) {
                    caller.require_admin()?;
                }
                caller.tenant_scope()
            }
        };
        let change = profile_change(&request)?;
        let tenant_id = scope.tenant_id().to_string();
        let tenant = self
            .database
            .write(move |connection| {
                if store::update_tenant_profile(connection, &tenant_id, &change)? == 0 {
                    return Err(tenant_not_found(&tenant_id));
                }
                store::find_tenant(connection, &tenant_id)?
                    .ok_or_else(|| tenant_not_found(&tenant_id))
            })
            .await?;
        tracing::info!(tenant = %tenant.slug, "library profile changed");
        Ok(tenant_view(&tenant))
    }
}
