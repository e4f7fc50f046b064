//! Revocation facts: which accounts and sessions were signed out within an access token's
//! lifetime, and which libraries are suspended. They live in identity's tables (an
//! account's token generation and when it last rose, refresh tokens' `revoked_at`,
//! tenants' status); this room reads them for the `revocations` operation that other
//! processes follow, and into this process's own list right after a change commits, so
//! that a token is refused here at once and elsewhere within the followers' period.

use athenaeum_auth::{Revocations, RevokedAccount, SuspendedTenant};
use athenaeum_kernel::{ApiError, ServiceError, now};
use athenaeum_transport::Call;

use super::{IdentityService, Outcome};
use crate::api::ListRevocations;
use crate::error::IdentityError;
use crate::store;

impl IdentityService {
    /// Returns the revocation facts now, read from the database: the accounts and
    /// sessions signed out within an access token's lifetime (older ones can only concern
    /// expired tokens) and every suspended library. Three indexed queries.
    pub async fn revocation_facts(&self) -> Result<Revocations, ApiError> {
        self.read_revocation_facts()
            .await
            .map_err(|error| error.into_api(&athenaeum_kernel::new_id()))
    }

    async fn read_revocation_facts(&self) -> Outcome<Revocations> {
        let since = now() - self.revocation_window;
        self.database
            .read(move |connection| {
                let accounts = store::accounts_revoked_since(connection, since)?
                    .into_iter()
                    .map(|row| RevokedAccount {
                        account_id: row.id,
                        generation: u32::try_from(row.token_generation).unwrap_or(u32::MAX),
                    })
                    .collect();
                let sessions = store::sessions_revoked_since(connection, since)?;
                let suspended_tenants = store::suspended_tenants(connection)?
                    .into_iter()
                    .map(|row| SuspendedTenant { tenant_id: row.id, name: row.name })
                    .collect();
                Ok::<_, IdentityError>(Revocations { accounts, sessions, suspended_tenants })
            })
            .await
    }

    /// Reads the revocation facts into this process's list, which every verifier of the
    /// process consults. The process runs it every `auth.revocation_refresh_ms` (for
    /// changes made by another identity process, and so that old facts fall away), and
    /// the service right after each change of its own.
    ///
    /// Fails with `UNAVAILABLE` when the database cannot be read; the list keeps its
    /// facts.
    pub async fn refresh_revocations(&self) -> Result<(), ApiError> {
        let facts = self.revocation_facts().await?;
        self.revocations.replace(facts);
        Ok(())
    }

    /// Brings this process's list up to date after a change that revokes or restores
    /// tokens committed. A failure is logged, not returned: the change is made, and the
    /// periodic refresh picks it up within a second.
    pub(super) async fn revocations_changed(&self) {
        if let Err(error) = self.refresh_revocations().await {
            tracing::warn!(%error, "revocation list not refreshed after a change; the next periodic refresh will");
        }
    }

    pub(super) async fn revocations_as(
        &self,
        _call: &Call,
        _request: ListRevocations,
    ) -> Outcome<Revocations> {
        self.read_revocation_facts().await
    }
}
