//! The verified caller, roles, and the tenant scope that store queries take.

use serde::{Deserialize, Serialize};

use crate::AuthError;

/// What a person may do within a tenant; `Operator` is platform-wide.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// Borrows, holds, manages their own account.
    Patron,
    /// Works the desk and the catalogue of the tenant.
    Staff,
    /// Configures the tenant and manages its accounts.
    Admin,
    /// Runs the platform: onboards and suspends tenants.
    Operator,
}

impl Role {
    /// Every role, in order of increasing reach.
    pub const ALL: [Role; 4] = [Role::Patron, Role::Staff, Role::Admin, Role::Operator];

    /// Returns the role's lowercase name.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Patron => "patron",
            Role::Staff => "staff",
            Role::Admin => "admin",
            Role::Operator => "operator",
        }
    }

    /// Parses a lowercase role name.
    pub fn parse(name: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|role| role.as_str() == name)
    }
}

impl std::fmt::Display for Role {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter.write_str(self.as_str())
    }
}

/// A caller whose access token was verified.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Caller {
    /// The account's id.
    pub account_id: String,
    /// The tenant the token was issued for.
    pub tenant_id: String,
    /// That tenant's slug.
    pub tenant_slug: String,
    /// The account's roles in that tenant.
    pub roles: Vec<Role>,
    /// For a service's own token, the service's name (no account, tenant or role).
    pub service: Option<String>,
}

impl Caller {
    /// Returns the scope of the caller's own tenant.
    pub fn tenant_scope(&self) -> TenantScope {
        TenantScope { tenant_id: self.tenant_id.clone() }
    }

    /// Returns true when the caller holds `role` exactly.
    pub fn has_role(&self, role: Role) -> bool {
        self.roles.contains(&role)
    }

    /// Returns true when the caller is staff or admin of their tenant.
    pub fn is_staff(&self) -> bool {
        self.has_role(Role::Staff) || self.has_role(Role::Admin)
    }

    /// Fails with `Forbidden` unless the caller is staff or admin.
    pub fn require_staff(&self) -> Result<(), AuthError> {
        if self.is_staff() {
            return Ok(());
        }
        Err(AuthError::Forbidden("only library staff may do this".into()))
    }

    /// Fails with `Forbidden` unless the caller is an admin of their tenant.
    pub fn require_admin(&self) -> Result<(), AuthError> {
        if self.has_role(Role::Admin) {
            return Ok(());
        }
        Err(AuthError::Forbidden("only an administrator of this library may do this".into()))
    }

    /// Fails with `Forbidden` unless the caller is a platform operator.
    pub fn require_operator(&self) -> Result<(), AuthError> {
        if self.has_role(Role::Operator) {
            return Ok(());
        }
        Err(AuthError::Forbidden("only a platform operator may do this".into()))
    }

    /// Fails with `Forbidden` unless the caller is the named service (with its own
    /// token) or a platform operator.
    pub fn require_service(&self, service: &str) -> Result<(), AuthError> {
        if self.service.as_deref() == Some(service) || self.has_role(Role::Operator) {
            return Ok(());
        }
        Err(AuthError::Forbidden(format!(
            "only the {service} service or a platform operator may do this"
        )))
    }

    /// Returns the scope of another tenant, for a platform operator acting on it (for
    /// example creating its first administrator while onboarding it).
    pub fn operator_scope(&self, tenant_id: &str) -> Result<TenantScope, AuthError> {
        self.require_operator()?;
        Ok(TenantScope { tenant_id: tenant_id.to_string() })
    }
}

/// The tenant a query runs within. Store functions for tenant-owned tables take one, and
/// only this crate can make one, so no query can forget its tenant.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct TenantScope {
    tenant_id: String,
}

impl TenantScope {
    /// Returns the tenant's id, for the `tenant_id = ?` of every query.
    pub fn tenant_id(&self) -> &str {
        &self.tenant_id
    }
}

/// An unauthenticated request acting within a tenant it named itself (signing in, asking
/// for a password reset, reading the public catalogue). It may see only what that tenant
/// shows the public.
#[derive(Debug, Clone, Copy)]
pub struct Anonymous;

impl Anonymous {
    /// Returns the scope of the tenant the request named.
    pub fn tenant_scope(self, tenant_id: &str) -> TenantScope {
        TenantScope { tenant_id: tenant_id.to_string() }
    }
}

/// Work a service recorded earlier under a verified scope and now carries on by itself
/// (an import job resumed after a restart, a background step of a job). The tenant comes
/// from the stored row, which was written under the scope of the person who started it.
#[derive(Debug, Clone, Copy)]
pub struct ResumedWork;

impl ResumedWork {
    /// Returns the scope of the tenant the stored work belongs to.
    pub fn tenant_scope(self, tenant_id: &str) -> TenantScope {
        TenantScope { tenant_id: tenant_id.to_string() }
    }
}
