//! The states tenants, accounts and one-time links are in, as they are stored, and the
//! one conversion between them and the API's enums. No I/O, and no comparing of state
//! text anywhere else.

use crate::api::{AccountStatus, TenantStatus};

athenaeum_db::stored_enum! {
    /// Whether a tenant is in service, as stored in `tenants.status`.
    pub enum TenantState: "tenant status" {
        /// In service.
        Active = "active",
        /// Nobody can sign in; data is kept.
        Suspended = "suspended",
    }
}

impl TenantState {
    /// Returns true when people may sign in to the tenant and its public catalogue is
    /// shown.
    pub fn is_in_service(self) -> bool {
        self == TenantState::Active
    }
}

athenaeum_db::stored_enum! {
    /// Where an account is in its life, as stored in `accounts.status`.
    pub enum AccountState: "account status" {
        /// Created; the person has not yet chosen a password.
        Invited = "invited",
        /// Can sign in.
        Active = "active",
        /// Switched off by an administrator; cannot sign in.
        Disabled = "disabled",
    }
}

impl AccountState {
    /// Returns the state of an account that is not disabled: active once it has a
    /// password, invited until then. New accounts start here, and enabled accounts
    /// return here.
    pub fn enabled(has_password: bool) -> AccountState {
        if has_password { AccountState::Active } else { AccountState::Invited }
    }
}

athenaeum_db::stored_enum! {
    /// What an emailed one-time link is for, as stored in `one_time_tokens.purpose`.
    pub enum LinkPurpose: "one-time link purpose" {
        /// Accepting an invitation by choosing a password.
        Invitation = "invitation",
        /// Choosing a new password.
        PasswordReset = "password_reset",
        /// Confirming an email address.
        EmailVerification = "email_verification",
    }
}

impl LinkPurpose {
    /// Returns the path of the page the link opens, below the platform's public address.
    pub fn page(self) -> &'static str {
        match self {
            LinkPurpose::Invitation => "accept-invitation",
            LinkPurpose::PasswordReset => "reset-password",
            LinkPurpose::EmailVerification => "verify-email",
        }
    }
}

impl From<TenantState> for TenantStatus {
    fn from(state: TenantState) -> Self {
        match state {
            TenantState::Active => TenantStatus::Active,
            TenantState::Suspended => TenantStatus::Suspended,
        }
    }
}

impl From<TenantStatus> for TenantState {
    fn from(status: TenantStatus) -> Self {
        match status {
            TenantStatus::Active => TenantState::Active,
            TenantStatus::Suspended => TenantState::Suspended,
        }
    }
}

impl From<AccountState> for AccountStatus {
    fn from(state: AccountState) -> Self {
        match state {
            AccountState::Invited => AccountStatus::Invited,
            AccountState::Active => AccountStatus::Active,
            AccountState::Disabled => AccountStatus::Disabled,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_account_is_invited_until_it_has_a_password() {
        assert_eq!(AccountState::enabled(false), AccountState::Invited);
        assert_eq!(AccountState::enabled(true), AccountState::Active);
    }

    #[test]
    fn states_keep_the_names_already_stored() {
        assert_eq!(TenantState::parse("suspended"), Some(TenantState::Suspended));
        assert_eq!(AccountState::parse("disabled"), Some(AccountState::Disabled));
        assert_eq!(LinkPurpose::parse("password_reset"), Some(LinkPurpose::PasswordReset));
        assert!(AccountState::try_from("closed".to_string()).is_err());
        for state in TenantState::ALL {
            assert_eq!(TenantState::from(TenantStatus::from(*state)), *state);
        }
    }
}
