//! Which roles an account may be given, and how an account's roles are stored (the
//! distinct role names, sorted, separated by spaces). No I/O.

use athenaeum_auth::Role;
use athenaeum_kernel::ApiError;

use crate::api::AccountRole;

/// Checks the roles an account is to be given and returns them as stored. Operators
/// exist only in the platform tenant and only an operator makes one; accounts of the
/// platform tenant are operators only.
///
/// Fails with `VALIDATION` on `roles` when there is none or one may not be given.
pub fn grantable_roles(
    roles: &[AccountRole],
    in_platform_tenant: bool,
    granted_by_operator: bool,
) -> Result<String, ApiError> {
    if roles.is_empty() {
        return Err(ApiError::validation("roles", "give the account at least one role"));
    }
    for role in roles {
        let allowed = match role {
            AccountRole::Operator => in_platform_tenant && granted_by_operator,
            _ => !in_platform_tenant,
        };
        if !allowed {
            let message = if in_platform_tenant {
                "accounts of the platform tenant can only be operators, made by an operator"
                    .to_string()
            } else {
                format!("the role {role:?} cannot be given in a library tenant")
            };
            return Err(ApiError::validation("roles", message));
        }
    }
    let mut names: Vec<&str> = roles.iter().map(|role| Role::from(*role).as_str()).collect();
    names.sort_unstable();
    names.dedup();
    Ok(names.join(" "))
}

/// Checks the roles an administrator gives their own account: they keep the
/// administrator's (or operator's) role, so a library is never left without anyone who
/// can manage it by accident.
///
/// Fails with `VALIDATION` on `roles` otherwise.
pub fn check_own_roles(roles: &[AccountRole]) -> Result<(), ApiError> {
    if roles.contains(&AccountRole::Admin) || roles.contains(&AccountRole::Operator) {
        return Ok(());
    }
    Err(ApiError::validation(
        "roles",
        "you cannot remove your own administrator role; ask another administrator",
    ))
}

/// Returns the roles of an account as stored; names this version does not know are left
/// out.
pub fn stored_roles(text: &str) -> Vec<Role> {
    text.split_whitespace().filter_map(Role::parse).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roles_are_stored_once_each_in_order() {
        let roles = [AccountRole::Staff, AccountRole::Admin, AccountRole::Staff];
        let stored = grantable_roles(&roles, false, false).unwrap();
        assert_eq!(stored, "admin staff");
        assert_eq!(stored_roles(&stored), vec![Role::Admin, Role::Staff]);
    }

    #[test]
    fn operators_are_made_only_by_operators_in_the_platform_tenant() {
        assert!(grantable_roles(&[AccountRole::Operator], true, true).is_ok());
        assert!(grantable_roles(&[AccountRole::Operator], true, false).is_err());
        assert!(grantable_roles(&[AccountRole::Operator], false, true).is_err());
        assert!(grantable_roles(&[AccountRole::Patron], true, true).is_err());
        let none = grantable_roles(&[], false, false).unwrap_err();
        assert_eq!(none.field.as_deref(), Some("roles"));
    }

    #[test]
    fn an_administrator_keeps_their_own_administrator_role() {
        assert!(check_own_roles(&[AccountRole::Admin, AccountRole::Staff]).is_ok());
        assert!(check_own_roles(&[AccountRole::Staff]).is_err());
    }
}
