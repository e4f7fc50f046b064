//! The verified caller, roles, and the scopes that store queries take.

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

/// A caller whose access token was verified. Only [`crate::TokenVerifier`] makes one, so
/// holding a `Caller` is proof that a valid token named it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Caller {
    account_id: String,
    tenant_id: String,
    tenant_slug: String,
    roles: Vec<Role>,
    service: Option<String>,
}

impl Caller {
    /// Makes the caller a verified token's claims name.
    pub(crate) fn from_verified_claims(
        account_id: String,
        tenant_id: String,
        tenant_slug: String,
        roles: Vec<Role>,
        service: Option<String>,
    ) -> Caller {
        Caller { account_id, tenant_id, tenant_slug, roles, service }
    }

    /// Returns the account's id.
    pub fn account_id(&self) -> &str {
        &self.account_id
    }

    /// Returns the id of the tenant the token was issued for.
    pub fn tenant_id(&self) -> &str {
        &self.tenant_id
    }

    /// Returns that tenant's slug.
    pub fn tenant_slug(&self) -> &str {
        &self.tenant_slug
    }

    /// Returns the account's roles in that tenant.
    pub fn roles(&self) -> &[Role] {
        &self.roles
    }

    /// Returns, for a service's own token, the service's name (such a token names no
    /// account, tenant or role).
    pub fn service(&self) -> Option<&str> {
        self.service.as_deref()
    }

    /// Returns the scope of the caller's own tenant.
    pub fn tenant_scope(&self) -> TenantScope {
        TenantScope::new(&self.tenant_id)
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
    ///
    /// Fails with `Forbidden` unless the caller is an operator.
    pub fn operator_scope(&self, tenant_id: &str) -> Result<TenantScope, AuthError> {
        self.require_operator()?;
        Ok(TenantScope::new(tenant_id))
    }
}

/// Who reads a tenant's data: a signed-in caller, within their own tenant, or an
/// anonymous reader, within the tenant the request named, seeing only what that tenant
/// shows the public.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reader {
    /// A verified caller; reads within their own tenant.
    Member(Caller),
    /// A reader without a token; reads what the named tenant shows the public.
    Public(PublicScope),
}

impl Reader {
    /// Decides who reads: the verified `caller` when there is one, otherwise the tenant
    /// an anonymous request named.
    ///
    /// Fails with `MissingToken` when there is neither.
    pub fn resolve(
        caller: Option<Caller>,
        named_tenant_id: Option<&str>,
    ) -> Result<Reader, AuthError> {
        if let Some(caller) = caller {
            return Ok(Reader::Member(caller));
        }
        match named_tenant_id.map(str::trim).filter(|tenant_id| !tenant_id.is_empty()) {
            Some(tenant_id) => Ok(Reader::Public(PublicScope { tenant_id: tenant_id.to_string() })),
            None => Err(AuthError::MissingToken),
        }
    }

    /// Returns the caller, when the reader signed in.
    pub fn caller(&self) -> Option<&Caller> {
        match self {
            Reader::Member(caller) => Some(caller),
            Reader::Public(_) => None,
        }
    }

    /// Returns true when the reader is staff or admin of the tenant read.
    pub fn is_staff(&self) -> bool {
        self.caller().is_some_and(Caller::is_staff)
    }

    /// Returns the scope the reader's queries run within.
    pub fn scope(&self) -> ReaderScope {
        match self {
            Reader::Member(caller) => ReaderScope::Member(caller.tenant_scope()),
            Reader::Public(scope) => ReaderScope::Public(scope.clone()),
        }
    }
}

/// The scope of a [`Reader`]'s queries: a member's full scope or the public one.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum ReaderScope {
    /// A signed-in caller's own tenant.
    Member(TenantScope),
    /// The tenant an anonymous reader named.
    Public(PublicScope),
}

/// The tenant a query runs within, with the right to change its rows. Store functions
/// that write tenant-owned tables take one and stamp `tenant_id` from it; only this
/// crate makes one, from a verified caller, so no query can forget its tenant or pick
/// another.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct TenantScope {
    tenant_id: String,
}

impl TenantScope {
    pub(crate) fn new(tenant_id: &str) -> TenantScope {
        TenantScope { tenant_id: tenant_id.to_string() }
    }

    /// Returns the tenant's id, for the `tenant_id = ?` of every query.
    pub fn tenant_id(&self) -> &str {
        &self.tenant_id
    }
}

/// The tenant an anonymous request named: its queries may read only what that tenant
/// shows the public, and no store function that writes takes it.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct PublicScope {
    tenant_id: String,
}

mod sealed {
    pub trait Sealed {}
    impl Sealed for super::TenantScope {}
    impl Sealed for super::PublicScope {}
    impl Sealed for super::ReaderScope {}
}

/// What a query that only reads takes: any scope. Sealed: only this crate's scopes
/// implement it.
pub trait ReadScope: sealed::Sealed + std::fmt::Debug + Send + Sync {
    /// Returns the tenant's id, for the `tenant_id = ?` of every query.
    fn tenant_id(&self) -> &str;

    /// Returns true when the reader is anonymous and sees only what the tenant shows
    /// the public.
    fn is_public(&self) -> bool;
}

impl ReadScope for TenantScope {
    fn tenant_id(&self) -> &str {
        &self.tenant_id
    }

    fn is_public(&self) -> bool {
        false
    }
}

impl ReadScope for PublicScope {
    fn tenant_id(&self) -> &str {
        &self.tenant_id
    }

    fn is_public(&self) -> bool {
        true
    }
}

impl ReadScope for ReaderScope {
    fn tenant_id(&self) -> &str {
        match self {
            ReaderScope::Member(scope) => &scope.tenant_id,
            ReaderScope::Public(scope) => &scope.tenant_id,
        }
    }

    fn is_public(&self) -> bool {
        matches!(self, ReaderScope::Public(_))
    }
}
