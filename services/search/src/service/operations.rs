//! The search service's operations, as `SearchApi` serves them: who may search what
//! (never a suspended library: the revocation list the verifier consults names them, and
//! their records are left out of every search), the searches themselves (off the async
//! threads, a few at a time) and the index's status and rebuilds for operators.

use athenaeum_auth::{AuthError, ReadScope, Reader};
use athenaeum_kernel::ApiError;
use athenaeum_transport::Call;
use tokio::sync::SemaphorePermit;

use super::{Outcome, SearchService, blocking};
use crate::api::*;
use crate::error::SearchError;
use crate::searcher::{self, Scope};

impl SearchService {
    /// Decides what a caller may search: every library, or one library (a signed-in
    /// caller's own, as staff when they are staff; for a reader who is not signed in, the
    /// library the request names).
    ///
    /// Fails with `UNAUTHENTICATED` for a token that does not verify, and with
    /// `VALIDATION` for a library search that names no library.
    fn scope(
        &self,
        call: &Call,
        scope: SearchScope,
        public_tenant_id: Option<&str>,
    ) -> Outcome<Scope> {
        if scope == SearchScope::Everywhere {
            // A token that comes along must still be a valid one.
            if call.token.is_some() {
                call.caller(&self.verifier)?;
            }
            return Ok(Scope { tenant_id: None, staff: false });
        }
        let reader = match call.reader(&self.verifier, public_tenant_id) {
            Err(AuthError::MissingToken) => {
                return Err(ApiError::validation(
                    "tenant",
                    "name the library to search (its slug), or search EVERYWHERE",
                )
                .into());
            }
            reader => reader?,
        };
        match reader {
            Reader::Member(caller) if caller.tenant_id().is_empty() => Err(ApiError::validation(
                "scope",
                "a service token belongs to no library; search EVERYWHERE",
            )
            .into()),
            Reader::Member(caller) => Ok(Scope {
                tenant_id: Some(caller.tenant_id().to_string()),
                staff: caller.is_staff(),
            }),
            Reader::Public(public) => {
                Ok(Scope { tenant_id: Some(public.tenant_id().to_string()), staff: false })
            }
        }
    }

    /// Returns the libraries no search shows: those suspended now.
    fn hidden_tenants(&self) -> Vec<String> {
        self.verifier.revocations().map(|list| list.suspended_tenant_ids()).unwrap_or_default()
    }

    async fn search_as(&self, call: &Call, request: SearchRequest) -> Outcome<SearchResults> {
        let scope = self.scope(call, request.scope, request.public_tenant_id.as_deref())?;
        let hidden = self.hidden_tenants();
        if request.query.len() > 1_000 {
            return Err(
                ApiError::validation("query", "a search can be at most 1,000 characters").into()
            );
        }
        let _turn = self.turn_to_search().await?;
        let live = self.current();
        blocking(move || searcher::search_hiding(&live, &request, &scope, &hidden)).await
    }

    async fn autocomplete_as(
        &self,
        call: &Call,
        request: AutocompleteRequest,
    ) -> Outcome<Suggestions> {
        let scope = self.scope(call, request.scope, request.public_tenant_id.as_deref())?;
        let hidden = self.hidden_tenants();
        if request.prefix.len() > 200 {
            return Err(ApiError::validation("prefix", "at most 200 characters").into());
        }
        let _turn = self.turn_to_search().await?;
        let live = self.current();
        blocking(move || searcher::autocomplete_hiding(&live, &request, &scope, &hidden)).await
    }

    /// Waits until fewer searches run than the cores can serve, and returns the turn,
    /// which lets the next search in when dropped.
    async fn turn_to_search(&self) -> Outcome<SemaphorePermit<'_>> {
        self.searching
            .acquire()
            .await
            .map_err(|_| SearchError::Index("the search service is stopping".into()))
    }

    /// Fails with `UNAUTHENTICATED` without a valid token, and with `FORBIDDEN` unless the
    /// caller is a platform operator or the search service itself.
    fn require_operator_or_service(&self, call: &Call) -> Outcome<()> {
        call.caller(&self.verifier)?.require_service("search")?;
        Ok(())
    }

    async fn index_status_as(&self, call: &Call, _request: GetIndexStatus) -> Outcome<IndexStatus> {
        self.require_operator_or_service(call)?;
        self.status()
    }

    async fn rebuild_as(&self, call: &Call, request: Rebuild) -> Outcome<IndexStatus> {
        self.require_operator_or_service(call)?;
        if self.rebuilding() {
            return Err(ApiError::conflict("a rebuild is already running").into());
        }
        self.rebuild_requests
            .send(request.tenant_id)
            .map_err(|_| SearchError::Index("the search service is stopping".into()))?;
        let mut status = self.status()?;
        status.rebuilding = true;
        Ok(status)
    }
}

athenaeum_transport::implement_api! {
    SearchApi for SearchService {
        fn search(SearchRequest) -> SearchResults => search_as;
        fn autocomplete(AutocompleteRequest) -> Suggestions => autocomplete_as;
        fn index_status(GetIndexStatus) -> IndexStatus => index_status_as;
        fn rebuild(Rebuild) -> IndexStatus => rebuild_as;
    }
}
