//! Revocation: facts that end a token before it expires. An access token is signed for
//! fifteen minutes, but an account can be signed out everywhere (disabled, given other
//! roles, its password changed), one session signed out, or a whole library suspended
//! before then. Identity keeps these facts; every process that verifies tokens holds one
//! [`RevocationList`], shared by all its verifiers, which identity's facts replace whole:
//! within identity's own process right after the change commits, elsewhere by fetching
//! them from identity every second. This room only holds and consults the facts: where
//! they come from and how often is the assembly's business.

use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, PoisonError, RwLock};
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};

use crate::{AccessClaims, AuthError};

/// Identity's revocation facts at one moment: what a verifier needs to refuse a token
/// that is validly signed and unexpired but no longer speaks for its holder. Facts older
/// than an access token's lifetime are left out, since every token they concern has
/// expired, so the list stays small.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Revocations {
    /// Accounts signed out everywhere recently: their tokens of an earlier generation
    /// are refused.
    pub accounts: Vec<RevokedAccount>,
    /// Sessions (refresh-token families) signed out recently: every access token issued
    /// in them is refused.
    pub sessions: Vec<String>,
    /// Libraries suspended now: every token of their people is refused, and their
    /// catalogue is shown to nobody.
    pub suspended_tenants: Vec<SuspendedTenant>,
}

/// An account signed out everywhere: tokens issued before it was are refused.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RevokedAccount {
    /// The account.
    pub account_id: String,
    /// Its token generation now; tokens carrying an earlier one are refused.
    pub generation: u32,
}

/// A library that is suspended.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SuspendedTenant {
    /// The tenant.
    pub tenant_id: String,
    /// Its name, for the message its people see.
    pub name: String,
}

/// The facts a process holds, shared by every verifier of the process and replaced whole
/// by whoever follows identity. Cloning it shares it.
///
/// A list made with [`RevocationList::new`] holds no facts and refuses nothing, as for the
/// command line, whose tokens it signs itself. Once [`RevocationList::follow`] is called,
/// it refuses people's tokens with `UNAVAILABLE` until the first facts arrive, so a
/// process that has just started never lets through a token signed out before it started.
///
/// Consulting it costs a read lock and up to three hash look-ups (well under a
/// microsecond); replacing it builds the look-up tables once.
#[derive(Clone, Default)]
pub struct RevocationList {
    shared: Arc<Shared>,
}

#[derive(Default)]
struct Shared {
    facts: RwLock<Facts>,
    followed: AtomicBool,
}

/// The facts in the shape a verifier consults them.
#[derive(Default)]
struct Facts {
    accounts: HashMap<String, u32>,
    sessions: HashSet<String>,
    suspended_tenants: HashMap<String, String>,
    loaded_at: Option<Instant>,
}

impl std::fmt::Debug for RevocationList {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let facts = self.read();
        formatter
            .debug_struct("RevocationList")
            .field("accounts", &facts.accounts.len())
            .field("sessions", &facts.sessions.len())
            .field("suspended_tenants", &facts.suspended_tenants.len())
            .field("loaded_at", &facts.loaded_at)
            .finish()
    }
}

impl RevocationList {
    /// Returns an empty list that refuses nothing until facts are put in it.
    pub fn new() -> RevocationList {
        RevocationList::default()
    }

    /// Marks the list as followed from identity: until the first
    /// [`RevocationList::replace`], people's tokens are refused with `UNAVAILABLE` and
    /// [`RevocationList::readiness`] says the process is not ready.
    pub fn follow(&self) {
        self.shared.followed.store(true, Ordering::Release);
    }

    /// Replaces every fact with `revocations`, identity's facts now.
    pub fn replace(&self, revocations: Revocations) {
        let facts = Facts {
            accounts: revocations
                .accounts
                .into_iter()
                .map(|account| (account.account_id, account.generation))
                .collect(),
            sessions: revocations.sessions.into_iter().collect(),
            suspended_tenants: revocations
                .suspended_tenants
                .into_iter()
                .map(|tenant| (tenant.tenant_id, tenant.name))
                .collect(),
            loaded_at: Some(Instant::now()),
        };
        *self.shared.facts.write().unwrap_or_else(PoisonError::into_inner) = facts;
    }

    /// Returns how long ago the facts were last replaced, or `None` if they never were.
    pub fn age(&self) -> Option<Duration> {
        self.read().loaded_at.map(|loaded_at| loaded_at.elapsed())
    }

    /// Says whether the process may serve signed-in requests: not while a followed list
    /// has not received its first facts.
    pub fn readiness(&self) -> Result<(), String> {
        if self.waits_for_first_facts(&self.read()) {
            return Err("waiting for the first revocation list from the identity service".into());
        }
        Ok(())
    }

    /// Returns the ids of the libraries suspended now.
    pub fn suspended_tenant_ids(&self) -> Vec<String> {
        self.read().suspended_tenants.keys().cloned().collect()
    }

    /// Fails with `OutOfService` when the library `tenant_id` is suspended.
    pub fn check_tenant(&self, tenant_id: &str) -> Result<(), AuthError> {
        match self.read().suspended_tenants.get(tenant_id) {
            Some(name) => Err(AuthError::OutOfService(name.clone())),
            None => Ok(()),
        }
    }

    /// Checks a verified token's claims against the facts. A service's own token names
    /// no account, session or library, so nothing revokes it but its expiry.
    ///
    /// Fails with `OutOfService` for a suspended library's token, `Revoked` for a token of
    /// an account or session signed out since it was issued, and `RevocationsUnknown`
    /// while a followed list waits for its first facts.
    pub(crate) fn check(&self, claims: &AccessClaims) -> Result<(), AuthError> {
        if claims.svc.is_some() {
            return Ok(());
        }
        let facts = self.read();
        if self.waits_for_first_facts(&facts) {
            return Err(AuthError::RevocationsUnknown);
        }
        if let Some(name) = facts.suspended_tenants.get(&claims.tid) {
            return Err(AuthError::OutOfService(name.clone()));
        }
        if let Some(generation) = facts.accounts.get(&claims.sub)
            && claims.generation.unwrap_or(0) < *generation
        {
            return Err(AuthError::Revoked(
                "this sign-in has ended: the account was signed out everywhere, disabled or \
                 given other roles since; sign in again"
                    .into(),
            ));
        }
        if let Some(session) = &claims.sid
            && facts.sessions.contains(session)
        {
            return Err(AuthError::Revoked("this session was signed out; sign in again".into()));
        }
        Ok(())
    }

    fn waits_for_first_facts(&self, facts: &Facts) -> bool {
        facts.loaded_at.is_none() && self.shared.followed.load(Ordering::Acquire)
    }

    fn read(&self) -> std::sync::RwLockReadGuard<'_, Facts> {
        self.shared.facts.read().unwrap_or_else(PoisonError::into_inner)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{AuthConfig, Role, SigningKey, TokenIssuer, TokenSession};

    fn issuer() -> TokenIssuer {
        TokenIssuer::new(SigningKey::generate().unwrap(), &AuthConfig::default())
    }

    fn facts(
        accounts: &[(&str, u32)],
        sessions: &[&str],
        suspended: &[(&str, &str)],
    ) -> Revocations {
        Revocations {
            accounts: accounts
                .iter()
                .map(|(id, generation)| RevokedAccount {
                    account_id: (*id).into(),
                    generation: *generation,
                })
                .collect(),
            sessions: sessions.iter().map(|id| (*id).to_string()).collect(),
            suspended_tenants: suspended
                .iter()
                .map(|(id, name)| SuspendedTenant { tenant_id: (*id).into(), name: (*name).into() })
                .collect(),
        }
    }

    fn session(id: &str, generation: u32) -> TokenSession {
        TokenSession { session_id: id.to_string(), generation }
    }

    #[test]
    fn a_token_of_an_earlier_generation_of_a_signed_out_account_is_refused() {
        let issuer = issuer();
        let list = RevocationList::new();
        let verifier = issuer.verifier(0).with_revocations(list.clone());
        let before = issuer.issue_in_session("a", "t", "north", &[Role::Staff], &session("s1", 0));
        let after = issuer.issue_in_session("a", "t", "north", &[Role::Patron], &session("s1", 1));

        list.replace(facts(&[("a", 1)], &[], &[]));

        let refused = verifier.verify(&before.unwrap().token).unwrap_err();
        assert!(matches!(refused, AuthError::Revoked(_)), "{refused:?}");
        assert_eq!(refused.code(), athenaeum_kernel::ErrorCode::Unauthenticated);
        assert!(verifier.verify(&after.unwrap().token).is_ok());
    }

    #[test]
    fn a_token_of_a_signed_out_session_is_refused_and_other_sessions_are_not() {
        let issuer = issuer();
        let list = RevocationList::new();
        let verifier = issuer.verifier(0).with_revocations(list.clone());
        let phone = issuer.issue_in_session("a", "t", "north", &[], &session("phone", 0)).unwrap();
        let laptop =
            issuer.issue_in_session("a", "t", "north", &[], &session("laptop", 0)).unwrap();

        list.replace(facts(&[], &["phone"], &[]));

        assert!(matches!(verifier.verify(&phone.token), Err(AuthError::Revoked(_))));
        assert!(verifier.verify(&laptop.token).is_ok());
    }

    #[test]
    fn a_token_of_a_suspended_library_is_forbidden_with_its_name_and_service_tokens_pass() {
        let issuer = issuer();
        let list = RevocationList::new();
        let verifier = issuer.verifier(0).with_revocations(list.clone());
        let staff = issuer.issue("a", "t", "north", &[Role::Staff]).unwrap();
        let service = issuer.issue_service("search").unwrap();

        list.replace(facts(&[], &[], &[("t", "Northshire Libraries")]));

        let refused = verifier.verify(&staff.token).unwrap_err();
        assert_eq!(refused.code(), athenaeum_kernel::ErrorCode::Forbidden);
        assert!(refused.to_string().contains("Northshire Libraries"), "{refused}");
        assert!(verifier.verify(&service.token).is_ok());
        assert!(list.check_tenant("t").is_err() && list.check_tenant("other").is_ok());
        assert_eq!(list.suspended_tenant_ids(), vec!["t".to_string()]);
    }

    #[test]
    fn a_followed_list_refuses_people_until_its_first_facts_arrive() {
        let issuer = issuer();
        let list = RevocationList::new();
        let verifier = issuer.verifier(0).with_revocations(list.clone());
        let token = issuer.issue("a", "t", "north", &[Role::Patron]).unwrap().token;
        assert!(verifier.verify(&token).is_ok(), "a list nobody follows refuses nothing");

        list.follow();

        let refused = verifier.verify(&token).unwrap_err();
        assert_eq!(refused.code(), athenaeum_kernel::ErrorCode::Unavailable);
        assert!(list.readiness().is_err());
        list.replace(Revocations::default());
        assert!(verifier.verify(&token).is_ok());
        assert!(list.readiness().is_ok());
        assert!(list.age().is_some_and(|age| age < Duration::from_secs(60)));
    }

    #[test]
    fn new_facts_replace_the_old_ones_whole() {
        let issuer = issuer();
        let list = RevocationList::new();
        let verifier = issuer.verifier(0).with_revocations(list.clone());
        let token = issuer.issue("a", "t", "north", &[Role::Patron]).unwrap().token;
        list.replace(facts(&[], &[], &[("t", "Northshire Libraries")]));
        assert!(verifier.verify(&token).is_err());

        list.replace(Revocations::default());

        assert!(verifier.verify(&token).is_ok());
    }
}
