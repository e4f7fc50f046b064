//! Tenants: onboarding a library authority with its first administrator, listing,
//! suspending and reactivating them, and finding one by slug. Only operators change
//! tenants; the platform tenant is never suspended. A suspension refuses every token of
//! the library's people and hides its catalogue from everyone for as long as it lasts.

use athenaeum_kernel::{ApiError, ServiceError, new_id, now};
use athenaeum_transport::Call;

use super::accounts::new_account;
use super::{
    IdentityService, Outcome, PLATFORM_TENANT_ID, account_view, conflict_on, page_size, split_page,
    tenant_not_found, tenant_view,
};
use crate::api::*;
use crate::domain::{DisplayName, EmailAddress, TenantName, TenantSlug, TenantState, TimeZoneName};
use crate::error::IdentityError;
use crate::store::{self, TenantRow};

impl IdentityService {
    /// Returns the tenant with this slug, if any.
    pub async fn find_tenant_by_slug(&self, slug: &str) -> Result<Option<Tenant>, ApiError> {
        self.find_tenant_row(slug)
            .await
            .map(|row| row.as_ref().map(tenant_view))
            .map_err(|error| error.into_api(&new_id()))
    }

    async fn find_tenant_row(&self, slug: &str) -> Outcome<Option<TenantRow>> {
        let slug = slug.trim().to_lowercase();
        self.database
            .read(move |connection| {
                store::find_tenant_by_slug(connection, &slug).map_err(IdentityError::from)
            })
            .await
    }

    pub(super) async fn find_tenant_as(
        &self,
        _call: &Call,
        request: FindTenant,
    ) -> Outcome<PublicTenant> {
        let slug = request.slug.trim().to_lowercase();
        match self.find_tenant_row(&slug).await? {
            Some(tenant) if tenant.status.is_in_service() => {
                Ok(PublicTenant { id: tenant.id, slug: tenant.slug, name: tenant.name })
            }
            _ => Err(ApiError::not_found(format!("no library has the slug {slug:?}")).into()),
        }
    }

    pub(super) async fn onboard_tenant_as(
        &self,
        call: &Call,
        request: OnboardTenant,
    ) -> Outcome<Onboarded> {
        let caller = self.caller(call)?;
        caller.require_operator()?;
        let slug = TenantSlug::parse_new("slug", &request.slug)?;
        let name = TenantName::parse("name", &request.name)?;
        let time_zone = TimeZoneName::parse("timeZone", &request.time_zone)?;
        let contact = EmailAddress::parse("contactEmail", &request.contact_email)?;
        let admin_email = EmailAddress::parse("adminEmail", &request.admin_email)?;
        let admin_name = DisplayName::parse("adminDisplayName", &request.admin_display_name)?;
        let at = now();
        let tenant = TenantRow {
            id: new_id(),
            slug: slug.as_str().to_string(),
            name: name.as_str().to_string(),
            time_zone: time_zone.as_str().to_string(),
            contact_email: contact.as_str().to_string(),
            status: TenantState::Active,
            created_at: at,
            updated_at: at,
            colour: None,
            phone: None,
            postal_address: None,
            website: None,
            accessibility_email: None,
        };
        let admin = new_account(&admin_email, &admin_name, "admin", None, at);
        let scope = caller.operator_scope(&tenant.id)?;
        let onboarded = self
            .write(move |rules, connection| {
                store::insert_tenant(connection, &tenant).map_err(|error| {
                    let message =
                        format!("the slug {:?} is already taken by another library", tenant.slug);
                    conflict_on(error, "slug", message)
                })?;
                let admin = store::insert_account(connection, &scope, admin)?;
                rules.queue_welcome_in(connection, &scope, &admin, &tenant, at)?;
                Ok(Onboarded { tenant: tenant_view(&tenant), admin: account_view(&admin) })
            })
            .await?;
        self.mail.wake();
        tracing::info!(tenant = %onboarded.tenant.slug, "tenant onboarded");
        Ok(onboarded)
    }

    pub(super) async fn list_tenants_as(
        &self,
        call: &Call,
        request: PageRequest,
    ) -> Outcome<TenantPage> {
        self.caller(call)?.require_operator()?;
        let first = page_size(request.first)?;
        let rows = self
            .database
            .read(move |connection| {
                store::list_tenants(connection, request.after.as_deref(), first + 1)
            })
            .await?;
        let (rows, has_next_page) = split_page(rows, first);
        Ok(TenantPage { tenants: rows.iter().map(tenant_view).collect(), has_next_page })
    }

    pub(super) async fn set_tenant_status_as(
        &self,
        call: &Call,
        request: SetTenantStatus,
    ) -> Outcome<Tenant> {
        self.caller(call)?.require_operator()?;
        if request.tenant_id == PLATFORM_TENANT_ID {
            return Err(ApiError::validation(
                "tenantId",
                "the platform tenant cannot be suspended",
            )
            .into());
        }
        let state = TenantState::from(request.status);
        let tenant = self
            .database
            .write(move |connection| {
                if store::update_tenant_status(connection, &request.tenant_id, state, now())? == 0 {
                    return Err(tenant_not_found(&request.tenant_id));
                }
                store::find_tenant(connection, &request.tenant_id)?
                    .ok_or_else(|| tenant_not_found(&request.tenant_id))
            })
            .await?;
        self.revocations_changed().await;
        tracing::info!(tenant = %tenant.slug, status = %tenant.status.as_str(), "tenant status set");
        Ok(tenant_view(&tenant))
    }
}
