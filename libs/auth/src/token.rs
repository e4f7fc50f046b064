//! Access tokens: short-lived JWTs signed with Ed25519 (`EdDSA`), the algorithm pinned.

use std::time::{SystemTime, UNIX_EPOCH};

use jsonwebtoken::{Algorithm, Header, Validation};
use serde::{Deserialize, Serialize};

use crate::{
    AuthConfig, AuthError, Caller, RevocationList, Role, SigningKey, TenantScope, VerificationKey,
};

/// The claims of an access token.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccessClaims {
    /// Issuer.
    pub iss: String,
    /// Audience.
    pub aud: String,
    /// The account id.
    pub sub: String,
    /// The tenant id.
    pub tid: String,
    /// The tenant slug.
    pub tsl: String,
    /// Roles within the tenant.
    pub roles: Vec<Role>,
    /// Issued at (seconds since the epoch).
    pub iat: u64,
    /// Not before.
    pub nbf: u64,
    /// Expires at.
    pub exp: u64,
    /// Unique token id.
    pub jti: String,
    /// The service this token speaks for, in tokens that services sign for their own
    /// background work (the search indexer reading the change feed); never set in a
    /// person's token.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub svc: Option<String>,
    /// The session (refresh-token family) the token was issued in, so that signing the
    /// session out ends it; absent in tokens issued outside a session.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sid: Option<String>,
    /// The account's token generation when the token was issued: signing the account out
    /// everywhere raises it, ending every token of an earlier one. Absent means 0.
    #[serde(rename = "gen", default, skip_serializing_if = "Option::is_none")]
    pub generation: Option<u32>,
}

/// The session a person's token is issued in, and the account's token generation then;
/// see [`AccessClaims::sid`] and [`AccessClaims::generation`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenSession {
    /// The session's id (its refresh-token family).
    pub session_id: String,
    /// The account's token generation.
    pub generation: u32,
}

/// A freshly signed access token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IssuedToken {
    /// The compact JWT.
    pub token: String,
    /// When it expires, in seconds since the epoch.
    pub expires_at: u64,
}

/// Signs access tokens. Only the identity service holds one.
#[derive(Debug, Clone)]
pub struct TokenIssuer {
    key: SigningKey,
    issuer: String,
    audience: String,
    ttl_seconds: u64,
}

impl TokenIssuer {
    /// Creates an issuer from a signing key and the token settings.
    pub fn new(key: SigningKey, config: &AuthConfig) -> TokenIssuer {
        TokenIssuer {
            key,
            issuer: config.issuer.clone(),
            audience: config.audience.clone(),
            ttl_seconds: config.access_token_ttl_seconds.max(1),
        }
    }

    /// Signs a token for an account in a tenant, valid from now for the configured time,
    /// outside any session (the command line's, tests'): only its expiry, its account's
    /// generation rising above 0 and its library's suspension end it.
    pub fn issue(
        &self,
        account_id: &str,
        tenant_id: &str,
        tenant_slug: &str,
        roles: &[Role],
    ) -> Result<IssuedToken, AuthError> {
        self.issue_claims(account_id, tenant_id, tenant_slug, roles, None)
    }

    /// Signs a person's token issued in a session, valid from now for the configured time;
    /// signing the session or the account out ends it (see [`crate::RevocationList`]).
    pub fn issue_in_session(
        &self,
        account_id: &str,
        tenant_id: &str,
        tenant_slug: &str,
        roles: &[Role],
        session: &TokenSession,
    ) -> Result<IssuedToken, AuthError> {
        self.issue_claims(account_id, tenant_id, tenant_slug, roles, Some(session))
    }

    fn issue_claims(
        &self,
        account_id: &str,
        tenant_id: &str,
        tenant_slug: &str,
        roles: &[Role],
        session: Option<&TokenSession>,
    ) -> Result<IssuedToken, AuthError> {
        let now = seconds_since_epoch();
        let claims = AccessClaims {
            iss: self.issuer.clone(),
            aud: self.audience.clone(),
            sub: account_id.to_string(),
            tid: tenant_id.to_string(),
            tsl: tenant_slug.to_string(),
            roles: roles.to_vec(),
            iat: now,
            nbf: now,
            exp: now + self.ttl_seconds,
            jti: athenaeum_kernel::new_id(),
            svc: None,
            sid: session.map(|session| session.session_id.clone()),
            generation: session.map(|session| session.generation),
        };
        self.sign(&claims).map(|token| IssuedToken { token, expires_at: claims.exp })
    }

    /// Signs a token for a service's own work: no account, no tenant and no role, only
    /// the service's name, which the operations meant for it check with
    /// [`Caller::require_service`].
    pub fn issue_service(&self, service: &str) -> Result<IssuedToken, AuthError> {
        let now = seconds_since_epoch();
        let claims = AccessClaims {
            iss: self.issuer.clone(),
            aud: self.audience.clone(),
            sub: format!("service:{service}"),
            tid: String::new(),
            tsl: String::new(),
            roles: Vec::new(),
            iat: now,
            nbf: now,
            exp: now + self.ttl_seconds,
            jti: athenaeum_kernel::new_id(),
            svc: Some(service.to_string()),
            sid: None,
            generation: None,
        };
        self.sign(&claims).map(|token| IssuedToken { token, expires_at: claims.exp })
    }

    /// Signs arbitrary claims; tests use it to forge tokens that must be refused.
    pub fn sign(&self, claims: &AccessClaims) -> Result<String, AuthError> {
        jsonwebtoken::encode(&Header::new(Algorithm::EdDSA), claims, &self.key.encoding)
            .map_err(|error| AuthError::Key(error.to_string()))
    }

    /// Returns the scope of the tenant whose credentials an unauthenticated request
    /// presents (a sign-in by library and email, a refresh token, a one-time link), for
    /// checking them and, once they check out, acting for their account. Only the holder
    /// of the signing key, who could sign a token for any tenant anyway, may act within
    /// a tenant before its caller is known.
    pub fn credential_scope(&self, tenant_id: &str) -> TenantScope {
        TenantScope::new(tenant_id)
    }

    /// Returns the verifier matching this issuer.
    pub fn verifier(&self, leeway_seconds: u64) -> TokenVerifier {
        TokenVerifier::with(
            self.key.verification_key(),
            &self.issuer,
            &self.audience,
            leeway_seconds,
        )
    }
}

/// Verifies access tokens with the public key; cannot sign. With a [`RevocationList`]
/// it also refuses tokens that identity has since revoked.
#[derive(Clone)]
pub struct TokenVerifier {
    key: VerificationKey,
    validation: Validation,
    revocations: Option<RevocationList>,
}

impl std::fmt::Debug for TokenVerifier {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter.debug_struct("TokenVerifier").field("key", &self.key).finish_non_exhaustive()
    }
}

impl TokenVerifier {
    /// Creates a verifier from the public key and the token settings.
    pub fn new(key: VerificationKey, config: &AuthConfig) -> TokenVerifier {
        TokenVerifier::with(key, &config.issuer, &config.audience, config.leeway_seconds)
    }

    fn with(key: VerificationKey, issuer: &str, audience: &str, leeway: u64) -> TokenVerifier {
        // Only EdDSA is accepted: a token claiming `none`, HS256 or anything else fails.
        let mut validation = Validation::new(Algorithm::EdDSA);
        validation.set_issuer(&[issuer]);
        validation.set_audience(&[audience]);
        validation.set_required_spec_claims(&["exp", "nbf", "iss", "aud", "sub"]);
        validation.validate_exp = true;
        validation.validate_nbf = true;
        validation.leeway = leeway;
        TokenVerifier { key, validation, revocations: None }
    }

    /// Returns this verifier consulting `revocations` after each signature check, so that
    /// a token of an account or session signed out, or of a suspended library, is refused
    /// as soon as the list knows it. Every verifier of a process shares one list.
    pub fn with_revocations(mut self, revocations: RevocationList) -> TokenVerifier {
        self.revocations = Some(revocations);
        self
    }

    /// Returns the revocation list this verifier consults, if any.
    pub fn revocations(&self) -> Option<&RevocationList> {
        self.revocations.as_ref()
    }

    /// Fails with `OutOfService` when the revocation list says the library `tenant_id` is
    /// suspended, for readers who name a library rather than sign in to one.
    pub fn check_tenant(&self, tenant_id: &str) -> Result<(), AuthError> {
        match &self.revocations {
            Some(revocations) => revocations.check_tenant(tenant_id),
            None => Ok(()),
        }
    }

    /// Checks a token's signature, algorithm, issuer, audience and validity period, then
    /// the revocation list, and returns the caller it names.
    ///
    /// Fails with `InvalidToken` saying which check failed, and as
    /// [`RevocationList`]'s checks do. Costs one Ed25519 signature check (tens of
    /// microseconds) and, with a revocation list, a few hash look-ups.
    pub fn verify(&self, token: &str) -> Result<Caller, AuthError> {
        use jsonwebtoken::errors::ErrorKind;
        let data =
            jsonwebtoken::decode::<AccessClaims>(token, &self.key.decoding, &self.validation)
                .map_err(|error| {
                    let reason = match error.kind() {
                        ErrorKind::ExpiredSignature => "expired",
                        ErrorKind::ImmatureSignature => "not valid yet",
                        ErrorKind::InvalidAudience => "meant for another audience",
                        ErrorKind::InvalidIssuer => "from another issuer",
                        ErrorKind::InvalidSignature => "bad signature",
                        ErrorKind::InvalidAlgorithm | ErrorKind::InvalidAlgorithmName => {
                            "algorithm not accepted"
                        }
                        ErrorKind::MissingRequiredClaim(_) => "a required claim is missing",
                        _ => "malformed",
                    };
                    AuthError::InvalidToken(reason.into())
                })?;
        let claims = data.claims;
        if let Some(revocations) = &self.revocations {
            revocations.check(&claims)?;
        }
        Ok(Caller::from_verified_claims(
            claims.sub,
            claims.tid,
            claims.tsl,
            claims.roles,
            claims.svc,
        ))
    }

    /// Returns the scope of work a service recorded earlier under a verified scope and
    /// now carries on by itself (an import job resumed after a restart): the tenant comes
    /// from the stored row, which was written under the scope of the person who started
    /// the work. Only a service the process handed a verifier can resume work.
    pub fn resumed_work_scope(&self, stored_tenant_id: &str) -> TenantScope {
        TenantScope::new(stored_tenant_id)
    }
}

fn seconds_since_epoch() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map(|elapsed| elapsed.as_secs()).unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use base64::Engine;
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;

    use super::*;

    fn issuer() -> TokenIssuer {
        TokenIssuer::new(SigningKey::generate().unwrap(), &AuthConfig::default())
    }

    fn claims(issuer: &TokenIssuer) -> AccessClaims {
        let token = issuer.issue("account-1", "tenant-1", "north", &[Role::Staff]).unwrap();
        let payload = token.token.split('.').nth(1).unwrap();
        serde_json::from_slice(&URL_SAFE_NO_PAD.decode(payload).unwrap()).unwrap()
    }

    #[test]
    fn a_service_token_names_its_service_and_nothing_else() {
        let issuer = issuer();
        let token = issuer.issue_service("search").unwrap();
        let caller = issuer.verifier(0).verify(&token.token).unwrap();
        assert_eq!(caller.service(), Some("search"));
        assert!(caller.require_service("search").is_ok());
        assert!(caller.require_service("mail").is_err());
        assert!(caller.tenant_id().is_empty() && caller.roles().is_empty());
        assert!(caller.require_staff().is_err());
        assert!(caller.require_operator().is_err());
        // A person's token is not a service's, whatever its roles short of operator.
        let admin = issuer.issue("account-1", "tenant-1", "north", &[Role::Admin]).unwrap();
        let admin = issuer.verifier(0).verify(&admin.token).unwrap();
        assert_eq!(admin.service(), None);
        assert!(admin.require_service("search").is_err());
    }

    #[test]
    fn a_signed_token_verifies_to_its_caller() {
        let issuer = issuer();
        let token = issuer.issue("account-1", "tenant-1", "north", &[Role::Staff]).unwrap();
        let caller = issuer.verifier(0).verify(&token.token).unwrap();
        assert_eq!(caller.account_id(), "account-1");
        assert_eq!(caller.tenant_id(), "tenant-1");
        assert!(caller.is_staff());
        assert!(caller.require_admin().is_err());
    }

    #[test]
    fn expired_token_is_refused() {
        let issuer = issuer();
        let mut expired = claims(&issuer);
        expired.nbf -= 7_200;
        expired.exp = expired.iat - 3_600;
        let token = issuer.sign(&expired).unwrap();
        assert_eq!(
            issuer.verifier(30).verify(&token),
            Err(AuthError::InvalidToken("expired".into()))
        );
    }

    #[test]
    fn token_for_another_audience_is_refused() {
        let issuer = issuer();
        let mut other = claims(&issuer);
        other.aud = "someone-else".into();
        let token = issuer.sign(&other).unwrap();
        assert_eq!(
            issuer.verifier(0).verify(&token),
            Err(AuthError::InvalidToken("meant for another audience".into()))
        );
    }

    #[test]
    fn tampered_token_is_refused() {
        let issuer = issuer();
        let token = issuer.issue("account-1", "tenant-1", "north", &[Role::Patron]).unwrap().token;
        let mut parts: Vec<String> = token.split('.').map(String::from).collect();
        let mut promoted = claims(&issuer);
        promoted.roles = vec![Role::Admin];
        parts[1] = URL_SAFE_NO_PAD.encode(serde_json::to_vec(&promoted).unwrap());
        assert_eq!(
            issuer.verifier(0).verify(&parts.join(".")),
            Err(AuthError::InvalidToken("bad signature".into()))
        );
    }

    #[test]
    fn unsigned_alg_none_token_is_refused() {
        let issuer = issuer();
        let header = URL_SAFE_NO_PAD.encode(br#"{"alg":"none","typ":"JWT"}"#);
        let payload = URL_SAFE_NO_PAD.encode(serde_json::to_vec(&claims(&issuer)).unwrap());
        let outcome = issuer.verifier(0).verify(&format!("{header}.{payload}."));
        assert!(matches!(outcome, Err(AuthError::InvalidToken(_))), "{outcome:?}");
    }

    #[test]
    fn token_signed_by_another_key_is_refused() {
        let stranger = issuer();
        let token = stranger.issue("account-1", "tenant-1", "north", &[Role::Admin]).unwrap();
        assert_eq!(
            issuer().verifier(0).verify(&token.token),
            Err(AuthError::InvalidToken("bad signature".into()))
        );
    }

    #[test]
    fn keys_round_trip_through_pem() {
        let key = SigningKey::generate().unwrap();
        let again = SigningKey::from_pem(&key.to_pem()).unwrap();
        let public = VerificationKey::from_pem(&key.verification_key().to_pem()).unwrap();
        let config = AuthConfig::default();
        let token = TokenIssuer::new(again, &config).issue("a", "t", "s", &[]).unwrap();
        assert!(TokenVerifier::new(public, &config).verify(&token.token).is_ok());
    }
}
