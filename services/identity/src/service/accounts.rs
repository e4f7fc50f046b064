//! Accounts: creating one (with its invitation or verification mail), listing a
//! library's accounts, changing roles, disabling and enabling, and the caller's own
//! account. Every change stays within the caller's tenant, or the tenant an operator
//! names; which roles may be given is decided in `domain`. Changing an account's roles
//! or disabling it signs it out everywhere, so no token keeps the old roles.

use athenaeum_auth::{Caller, Role};
use athenaeum_kernel::{ApiError, Timestamp, new_id, now};
use athenaeum_transport::Call;

use super::{
    IdentityService, Outcome, PLATFORM_TENANT_ID, account_not_found, account_view, conflict_on,
    page_size, split_page, tenant_not_found, tenant_view,
};
use crate::api::*;
use crate::domain::{AccountState, DisplayName, EmailAddress, check_own_roles, grantable_roles};
use crate::error::IdentityError;
use crate::store::{self, AccountRow, NewAccount};

/// Returns a new account with `roles` (as stored): active when it has a password,
/// invited otherwise.
pub(super) fn new_account(
    email: &EmailAddress,
    name: &DisplayName,
    roles: &str,
    password_hash: Option<String>,
    at: Timestamp,
) -> NewAccount {
    NewAccount {
        id: new_id(),
        email: email.as_str().to_string(),
        email_normalized: email.normalized().to_string(),
        display_name: name.as_str().to_string(),
        status: AccountState::enabled(password_hash.is_some()),
        password_hash,
        roles: roles.to_string(),
        created_at: at,
        updated_at: at,
    }
}

impl IdentityService {
    /// Returns the caller when they may manage the accounts of their own tenant: an
    /// administrator of it, or an operator.
    fn account_manager(&self, call: &Call) -> Outcome<Caller> {
        let caller = self.caller(call)?;
        if !caller.has_role(Role::Operator) {
            caller.require_admin()?;
        }
        Ok(caller)
    }

    pub(super) async fn create_account_as(
        &self,
        call: &Call,
        request: CreateAccount,
    ) -> Outcome<Account> {
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
        let email = EmailAddress::parse("email", &request.email)?;
        let name = DisplayName::parse("displayName", &request.display_name)?;
        let roles = grantable_roles(
            &request.roles,
            scope.tenant_id() == PLATFORM_TENANT_ID,
            caller.has_role(Role::Operator),
        )?;
        let password_hash = match request.password {
            Some(password) => {
                self.config.password.check("password", &password, email.as_str())?;
                Some(self.hash_password(password).await?)
            }
            None => None,
        };
        let at = now();
        let row = new_account(&email, &name, &roles, password_hash, at);
        let account = self
            .write(move |rules, connection| {
                let tenant = store::find_tenant(connection, scope.tenant_id())?
                    .ok_or_else(|| tenant_not_found(scope.tenant_id()))?;
                let account = store::insert_account(connection, &scope, row).map_err(|error| {
                    let message =
                        format!("{} already has an account at {}", email.as_str(), tenant.name);
                    conflict_on(error, "email", message)
                })?;
                rules.queue_welcome_in(connection, &scope, &account, &tenant, at)?;
                Ok(account)
            })
            .await?;
        self.mail.wake();
        Ok(account_view(&account))
    }

    pub(super) async fn list_accounts_as(
        &self,
        call: &Call,
        request: PageRequest,
    ) -> Outcome<AccountPage> {
        let caller = self.caller(call)?;
        if !caller.has_role(Role::Operator) {
            caller.require_staff()?;
        }
        let first = page_size(request.first)?;
        let scope = caller.tenant_scope();
        let rows = self
            .database
            .read(move |connection| {
                store::list_accounts(connection, &scope, request.after.as_deref(), first + 1)
            })
            .await?;
        let (rows, has_next_page) = split_page(rows, first);
        Ok(AccountPage { accounts: rows.iter().map(account_view).collect(), has_next_page })
    }

    pub(super) async fn set_account_roles_as(
        &self,
        call: &Call,
        request: SetAccountRoles,
    ) -> Outcome<Account> {
        let caller = self.account_manager(call)?;
        let roles = grantable_roles(
            &request.roles,
            caller.tenant_id() == PLATFORM_TENANT_ID,
            caller.has_role(Role::Operator),
        )?;
        if request.account_id == caller.account_id() {
            check_own_roles(&request.roles)?;
        }
        let scope = caller.tenant_scope();
        let account = self
            .database
            .write(move |connection| {
                let at = now();
                let id = &request.account_id;
                if store::update_account_roles(connection, &scope, id, &roles, at)? == 0 {
                    return Err(account_not_found(id));
                }
                // Tokens name roles: those issued before must not keep the old ones. The
                // person's next refresh brings a token with the new roles.
                store::revoke_account_tokens(connection, &scope, id, at)?;
                store::find_account(connection, &scope, id)?.ok_or_else(|| account_not_found(id))
            })
            .await?;
        self.revocations_changed().await;
        Ok(account_view(&account))
    }

    pub(super) async fn set_account_disabled_as(
        &self,
        call: &Call,
        request: SetAccountDisabled,
    ) -> Outcome<Account> {
        let caller = self.account_manager(call)?;
        if request.account_id == caller.account_id() && request.disabled {
            return Err(
                ApiError::validation("accountId", "you cannot disable your own account").into()
            );
        }
        let scope = caller.tenant_scope();
        let account = self
            .database
            .write(move |connection| {
                let at = now();
                let account = store::find_account(connection, &scope, &request.account_id)?
                    .ok_or_else(|| account_not_found(&request.account_id))?;
                let status = if request.disabled {
                    AccountState::Disabled
                } else {
                    AccountState::enabled(account.password_hash.is_some())
                };
                store::update_account_status(connection, &scope, &account.id, status, at)?;
                if request.disabled {
                    store::revoke_account_sessions(connection, &scope, &account.id, at)?;
                    store::revoke_account_tokens(connection, &scope, &account.id, at)?;
                }
                Ok::<_, IdentityError>(AccountRow { status, updated_at: at, ..account })
            })
            .await?;
        if request.disabled {
            self.revocations_changed().await;
        }
        Ok(account_view(&account))
    }

    pub(super) async fn me_as(&self, call: &Call, _request: WhoAmI) -> Outcome<Me> {
        let caller = self.caller(call)?;
        let scope = caller.tenant_scope();
        let (account, tenant) = self
            .database
            .read(move |connection| {
                let account = store::find_account(connection, &scope, caller.account_id())?
                    .ok_or_else(|| account_not_found(caller.account_id()))?;
                let tenant = store::find_tenant(connection, scope.tenant_id())?
                    .ok_or_else(|| tenant_not_found(scope.tenant_id()))?;
                Ok::<_, IdentityError>((account, tenant))
            })
            .await?;
        Ok(Me { account: account_view(&account), tenant: tenant_view(&tenant) })
    }
}
