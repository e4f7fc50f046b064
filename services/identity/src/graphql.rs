//! Identity's part of the public GraphQL schema. Resolvers only translate: every rule
//! lives behind `IdentityApi`, which verifies the caller's token itself.

use std::sync::Arc;

use async_graphql::{Context, ID, Object, Result};
use athenaeum_kernel::ErrorCode;
use athenaeum_transport::Call;
use athenaeum_transport::graphql::{Page, cost, page, page_size, request_call, to_graphql_error};

use crate::api::*;

fn parts<'ctx>(context: &Context<'ctx>) -> Result<(&'ctx Arc<dyn IdentityApi>, &'ctx Call)> {
    let api = context.data::<Arc<dyn IdentityApi>>()?;
    Ok((api, request_call(context)?))
}

/// Identity's queries.
#[derive(Debug, Default)]
pub struct IdentityQuery;

#[Object]
impl IdentityQuery {
    /// The signed-in caller's account and tenant.
    async fn me(&self, context: &Context<'_>) -> Result<Me> {
        let (api, call) = parts(context)?;
        api.me(call, WhoAmI {}).await.map_err(to_graphql_error)
    }

    /// The libraries on the platform that are in service, by name: the public directory.
    /// Anyone, signed in or not.
    #[graphql(complexity = "cost::page(first, 20, child_complexity)")]
    async fn libraries(
        &self,
        context: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
    ) -> Result<Page<Library>> {
        let (api, call) = parts(context)?;
        let answer = api
            .list_libraries(call, PageRequest { after, first: page_size(first)? })
            .await
            .map_err(to_graphql_error)?;
        Ok(page(answer.libraries, answer.has_next_page, |library| library.slug.clone()))
    }

    /// The library with this slug, or null when there is none or it is not in service.
    /// Anyone, signed in or not.
    async fn library(&self, context: &Context<'_>, slug: String) -> Result<Option<Library>> {
        let (api, call) = parts(context)?;
        match api.find_library(call, FindTenant { slug }).await {
            Ok(library) => Ok(Some(library)),
            Err(error) if error.code == ErrorCode::NotFound => Ok(None),
            Err(error) => Err(to_graphql_error(error)),
        }
    }

    /// Every tenant, oldest first. Operators only.
    #[graphql(complexity = "cost::page(first, 20, child_complexity)")]
    async fn tenants(
        &self,
        context: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
    ) -> Result<Page<Tenant>> {
        let (api, call) = parts(context)?;
        let answer = api
            .list_tenants(call, PageRequest { after, first: page_size(first)? })
            .await
            .map_err(to_graphql_error)?;
        Ok(page(answer.tenants, answer.has_next_page, |tenant| tenant.id.clone()))
    }

    /// The accounts of the caller's library, oldest first. Staff and admins.
    #[graphql(complexity = "cost::page(first, 20, child_complexity)")]
    async fn accounts(
        &self,
        context: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
    ) -> Result<Page<Account>> {
        let (api, call) = parts(context)?;
        let answer = api
            .list_accounts(call, PageRequest { after, first: page_size(first)? })
            .await
            .map_err(to_graphql_error)?;
        Ok(page(answer.accounts, answer.has_next_page, |account| account.id.clone()))
    }

    /// Outgoing mail of the account service, oldest first; `PARKED` shows what failed
    /// too often and waits for an operator. Operators only.
    #[graphql(complexity = "cost::page(first, 20, child_complexity)")]
    async fn mail_outbox(
        &self,
        context: &Context<'_>,
        status: Option<MailStatus>,
        first: Option<i32>,
        after: Option<String>,
    ) -> Result<Page<OutgoingMail>> {
        let (api, call) = parts(context)?;
        let answer = api
            .list_mail(
                call,
                ListMail { status, page: PageRequest { after, first: page_size(first)? } },
            )
            .await
            .map_err(to_graphql_error)?;
        Ok(page(answer.mail, answer.has_next_page, |mail| mail.id.clone()))
    }

    /// One outgoing mail with its subject and text, one-time links withheld; null when no
    /// mail has the id. Operators only.
    async fn mail(&self, context: &Context<'_>, id: ID) -> Result<Option<OutgoingMail>> {
        let (api, call) = parts(context)?;
        match api.get_mail(call, MailId { mail_id: id.0 }).await {
            Ok(mail) => Ok(Some(mail)),
            Err(error) if error.code == ErrorCode::NotFound => Ok(None),
            Err(error) => Err(to_graphql_error(error)),
        }
    }
}

/// Identity's mutations.
#[derive(Debug, Default)]
pub struct IdentityMutation;

#[Object]
impl IdentityMutation {
    /// Onboards a library authority: creates the tenant and its first administrator and
    /// emails them an invitation. Operators only.
    async fn onboard_tenant(
        &self,
        context: &Context<'_>,
        input: OnboardTenant,
    ) -> Result<Onboarded> {
        let (api, call) = parts(context)?;
        api.onboard_tenant(call, input).await.map_err(to_graphql_error)
    }

    /// Suspends or reactivates a tenant. Operators only.
    async fn set_tenant_status(
        &self,
        context: &Context<'_>,
        tenant_id: ID,
        status: TenantStatus,
    ) -> Result<Tenant> {
        let (api, call) = parts(context)?;
        api.set_tenant_status(call, SetTenantStatus { tenant_id: tenant_id.0, status })
            .await
            .map_err(to_graphql_error)
    }

    /// Changes a library's public profile: the caller's own (admins), or the one
    /// `input.tenantId` names (operators). Fields left out stay as they are; an empty
    /// string removes an optional one. A refused value is a `VALIDATION` error whose
    /// `field` extension names the input field.
    async fn update_library_profile(
        &self,
        context: &Context<'_>,
        input: UpdateLibraryProfile,
    ) -> Result<Tenant> {
        let (api, call) = parts(context)?;
        api.update_library_profile(call, input).await.map_err(to_graphql_error)
    }

    /// Creates an account and emails the person an invitation. Admins.
    async fn create_account(&self, context: &Context<'_>, input: CreateAccount) -> Result<Account> {
        let (api, call) = parts(context)?;
        api.create_account(call, input).await.map_err(to_graphql_error)
    }

    /// Replaces an account's roles. Admins.
    async fn set_account_roles(
        &self,
        context: &Context<'_>,
        account_id: ID,
        roles: Vec<AccountRole>,
    ) -> Result<Account> {
        let (api, call) = parts(context)?;
        api.set_account_roles(call, SetAccountRoles { account_id: account_id.0, roles })
            .await
            .map_err(to_graphql_error)
    }

    /// Disables an account (signing it out everywhere) or enables it again. Admins.
    async fn set_account_disabled(
        &self,
        context: &Context<'_>,
        account_id: ID,
        disabled: bool,
    ) -> Result<Account> {
        let (api, call) = parts(context)?;
        api.set_account_disabled(call, SetAccountDisabled { account_id: account_id.0, disabled })
            .await
            .map_err(to_graphql_error)
    }

    /// Signs in with a library's slug, an email and a password.
    async fn sign_in(&self, context: &Context<'_>, input: SignIn) -> Result<Session> {
        let (api, call) = parts(context)?;
        api.sign_in(call, input).await.map_err(to_graphql_error)
    }

    /// Exchanges a refresh token for a new session; the old refresh token stops working.
    async fn refresh_session(
        &self,
        context: &Context<'_>,
        refresh_token: String,
    ) -> Result<Session> {
        let (api, call) = parts(context)?;
        api.refresh_session(call, RefreshToken { refresh_token }).await.map_err(to_graphql_error)
    }

    /// Signs out the session of this refresh token. Always true.
    async fn sign_out(&self, context: &Context<'_>, refresh_token: String) -> Result<bool> {
        let (api, call) = parts(context)?;
        api.sign_out(call, RefreshToken { refresh_token })
            .await
            .map_err(to_graphql_error)
            .map(|_| true)
    }

    /// Accepts an emailed invitation by choosing a password; signs in.
    async fn accept_invitation(
        &self,
        context: &Context<'_>,
        token: String,
        password: String,
    ) -> Result<Session> {
        let (api, call) = parts(context)?;
        api.accept_invitation(call, SetPasswordWithToken { token, password })
            .await
            .map_err(to_graphql_error)
    }

    /// Confirms an email address with the emailed link's token.
    async fn verify_email(&self, context: &Context<'_>, token: String) -> Result<Account> {
        let (api, call) = parts(context)?;
        api.verify_email(call, OneTimeToken { token }).await.map_err(to_graphql_error)
    }

    /// Emails a password-reset link if the account exists. Always true, so the answer
    /// does not tell whether an email has an account.
    async fn request_password_reset(
        &self,
        context: &Context<'_>,
        tenant: String,
        email: String,
    ) -> Result<bool> {
        let (api, call) = parts(context)?;
        api.request_password_reset(call, RequestPasswordReset { tenant, email })
            .await
            .map_err(to_graphql_error)
            .map(|_| true)
    }

    /// Chooses a new password with an emailed reset link; signs out every session.
    async fn reset_password(
        &self,
        context: &Context<'_>,
        token: String,
        password: String,
    ) -> Result<bool> {
        let (api, call) = parts(context)?;
        api.reset_password(call, SetPasswordWithToken { token, password })
            .await
            .map_err(to_graphql_error)
            .map(|_| true)
    }

    /// Changes the caller's password; signs out their other sessions.
    async fn change_password(
        &self,
        context: &Context<'_>,
        current_password: String,
        new_password: String,
    ) -> Result<bool> {
        let (api, call) = parts(context)?;
        api.change_password(call, ChangePassword { current_password, new_password })
            .await
            .map_err(to_graphql_error)
            .map(|_| true)
    }

    /// Puts a parked mail back in the queue. Operators only.
    async fn retry_mail(&self, context: &Context<'_>, mail_id: ID) -> Result<bool> {
        let (api, call) = parts(context)?;
        api.retry_mail(call, MailId { mail_id: mail_id.0 })
            .await
            .map_err(to_graphql_error)
            .map(|_| true)
    }
}
