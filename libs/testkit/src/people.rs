//! People for tests: access tokens signed with a key of the test's own, as the identity
//! service signs them, for the staff, administrators and patrons of test libraries and
//! for a platform operator. No identity service or database is involved: the service
//! under test is handed [`TestIssuer::verifier`] and verifies the tokens itself.

use athenaeum_auth::{
    AuthConfig, Caller, Role, SigningKey, TenantScope, TokenIssuer, TokenVerifier,
};
use athenaeum_transport::Call;

/// The id of the built-in tenant that platform operators belong to, as identity creates
/// it.
pub const PLATFORM_TENANT_ID: &str = "00000000-0000-7000-8000-000000000000";

/// The slug of the platform operators' tenant.
pub const PLATFORM_TENANT_SLUG: &str = "platform";

/// Signs access tokens for test people with a freshly generated key.
///
/// ```ignore
/// let people = TestIssuer::new();
/// let north = people.library("north");
/// let south = people.library("south"); // for trying to reach across libraries
/// let service = CatalogueService::new(database, people.verifier(), config, &data_dir);
/// service.list_records(&north.staff, request).await?;
/// let second_patron = north.person(&[Role::Patron]);
/// let account_id = people.caller(&second_patron).account_id().to_string();
/// ```
#[derive(Debug, Clone)]
pub struct TestIssuer {
    issuer: TokenIssuer,
    key: SigningKey,
    auth: AuthConfig,
    operator_account_id: String,
}

impl TestIssuer {
    /// Creates an issuer with a new Ed25519 key and the default token settings.
    ///
    /// Panics if no key can be generated.
    pub fn new() -> TestIssuer {
        let key = SigningKey::generate().expect("an Ed25519 key is generated");
        let auth = AuthConfig::default();
        TestIssuer {
            issuer: TokenIssuer::new(key.clone(), &auth),
            key,
            auth,
            operator_account_id: athenaeum_kernel::new_id(),
        }
    }

    /// Returns the signing key, for a service that signs its own tokens with the
    /// platform's key (the search service signs its requests to the catalogue).
    pub fn signing_key(&self) -> &SigningKey {
        &self.key
    }

    /// Returns the token settings the tokens are signed with.
    pub fn auth_config(&self) -> &AuthConfig {
        &self.auth
    }

    /// Returns the token issuer itself, for signing claims of a test's own (an expired
    /// token, one for another audience) with [`TokenIssuer::sign`].
    pub fn token_issuer(&self) -> &TokenIssuer {
        &self.issuer
    }

    /// Returns a verifier that accepts these tokens (with no leeway), to hand to the
    /// service under test.
    pub fn verifier(&self) -> TokenVerifier {
        self.issuer.verifier(0)
    }

    /// Returns a call carrying a token for a new account with `roles` in a tenant.
    pub fn call(&self, tenant_id: &str, tenant_slug: &str, roles: &[Role]) -> Call {
        self.call_for_account(&athenaeum_kernel::new_id(), tenant_id, tenant_slug, roles)
    }

    /// Returns a call carrying a token for the account `account_id` with `roles` in a
    /// tenant: the same person again, or one a test has already recorded elsewhere.
    ///
    /// Panics if the token cannot be signed.
    pub fn call_for_account(
        &self,
        account_id: &str,
        tenant_id: &str,
        tenant_slug: &str,
        roles: &[Role],
    ) -> Call {
        let issued = self
            .issuer
            .issue(account_id, tenant_id, tenant_slug, roles)
            .expect("a test token is signed");
        Call::anonymous().with_token(issued.token)
    }

    /// Returns a call carrying a platform operator's token; every call it returns is the
    /// same operator's.
    pub fn operator(&self) -> Call {
        self.call_for_account(
            &self.operator_account_id,
            PLATFORM_TENANT_ID,
            PLATFORM_TENANT_SLUG,
            &[Role::Operator],
        )
    }

    /// Returns the scope a platform operator acts in on `tenant_id`, for a service's
    /// in-process functions that take a scope (running an import to the end).
    pub fn operator_scope(&self, tenant_id: &str) -> TenantScope {
        self.caller(&self.operator())
            .operator_scope(tenant_id)
            .expect("an operator may act on any tenant")
    }

    /// Returns the caller a call's token names: its account id, tenant and roles.
    ///
    /// Panics unless the call carries a token this issuer signed.
    pub fn caller(&self, call: &Call) -> Caller {
        call.caller(&self.verifier()).expect("the call carries a token this issuer signed")
    }

    /// Returns a new library: a tenant with a fresh id and the given slug, a member of
    /// staff, an administrator and a patron, each a new account.
    pub fn library(&self, slug: &str) -> TestLibrary {
        let tenant_id = athenaeum_kernel::new_id();
        TestLibrary {
            staff: self.call(&tenant_id, slug, &[Role::Staff]),
            admin: self.call(&tenant_id, slug, &[Role::Admin]),
            patron: self.call(&tenant_id, slug, &[Role::Patron]),
            tenant_id,
            slug: slug.to_string(),
            issuer: self.clone(),
        }
    }
}

impl Default for TestIssuer {
    fn default() -> TestIssuer {
        TestIssuer::new()
    }
}

/// A test library (a tenant) and its people, each a call carrying their own token.
#[derive(Debug, Clone)]
pub struct TestLibrary {
    /// The tenant's id.
    pub tenant_id: String,
    /// The tenant's slug.
    pub slug: String,
    /// A member of staff.
    pub staff: Call,
    /// An administrator.
    pub admin: Call,
    /// A patron.
    pub patron: Call,
    issuer: TestIssuer,
}

impl TestLibrary {
    /// Returns a call for another new account of this library with `roles` (a second
    /// patron, a member of staff who is also an administrator).
    pub fn person(&self, roles: &[Role]) -> Call {
        self.issuer.call(&self.tenant_id, &self.slug, roles)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_person_of_a_library_holds_their_role_in_that_library() {
        let people = TestIssuer::new();
        let north = people.library("north");
        let south = people.library("south");
        assert_ne!(north.tenant_id, south.tenant_id);
        for (call, role) in [
            (&north.staff, Role::Staff),
            (&north.admin, Role::Admin),
            (&north.patron, Role::Patron),
        ] {
            let caller = people.caller(call);
            assert_eq!(caller.tenant_id(), north.tenant_id);
            assert_eq!(caller.tenant_slug(), "north");
            assert_eq!(caller.roles(), [role]);
        }
        let second = north.person(&[Role::Patron]);
        assert_ne!(people.caller(&second).account_id(), people.caller(&north.patron).account_id());
        let operator = people.caller(&people.operator());
        assert_eq!(operator.tenant_id(), PLATFORM_TENANT_ID);
        assert_eq!(operator.account_id(), people.caller(&people.operator()).account_id());
        assert_eq!(people.operator_scope(&south.tenant_id).tenant_id(), south.tenant_id);
    }

    #[test]
    fn tokens_of_another_issuer_are_refused() {
        let people = TestIssuer::new();
        let stranger = TestIssuer::new().call("tenant-1", "north", &[Role::Staff]);
        assert!(stranger.caller(&people.verifier()).is_err());
    }
}
