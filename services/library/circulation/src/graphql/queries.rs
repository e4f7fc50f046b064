//! Circulation's queries.

use async_graphql::{Context, ID, Object, Result};
use athenaeum_kernel::{ApiError, ErrorCode};
use athenaeum_transport::graphql::to_graphql_error;
use chrono::NaiveDate;

use super::parts;
use crate::api::*;

/// Queries about patrons, loan rules, loans, holds and fines.
#[derive(Debug, Default)]
pub struct CirculationQuery;

fn none_when_not_found<T>(outcome: Result<T, ApiError>) -> Result<Option<T>> {
    match outcome {
        Ok(value) => Ok(Some(value)),
        Err(error) if error.code == ErrorCode::NotFound => Ok(None),
        Err(error) => Err(to_graphql_error(error)),
    }
}

#[Object]
impl CirculationQuery {
    /// The library's circulation settings. Staff.
    async fn circulation_settings(&self, context: &Context<'_>) -> Result<CirculationSettings> {
        let (api, call) = parts(context)?;
        api.get_settings(call, Nothing {}).await.map_err(to_graphql_error)
    }

    /// The library's patron groups, by code. Staff, or a patron.
    async fn patron_groups(&self, context: &Context<'_>) -> Result<Vec<PatronGroup>> {
        let (api, call) = parts(context)?;
        Ok(api.list_patron_groups(call, Nothing {}).await.map_err(to_graphql_error)?.groups)
    }

    /// The library's loan rules, most specific first, and how the one that applies is
    /// chosen. Staff.
    async fn loan_rules(&self, context: &Context<'_>) -> Result<LoanRuleList> {
        let (api, call) = parts(context)?;
        api.list_loan_rules(call, Nothing {}).await.map_err(to_graphql_error)
    }

    /// Which rule would apply, and when a loan made now would be due: with `input.rules`,
    /// under a proposed rule set, without saving it. Admins.
    async fn what_if(&self, context: &Context<'_>, input: WhatIf) -> Result<RuleMatch> {
        let (api, call) = parts(context)?;
        api.what_if(call, input).await.map_err(to_graphql_error)
    }

    /// A branch's opening calendar. Staff.
    async fn branch_calendar(
        &self,
        context: &Context<'_>,
        branch_id: ID,
    ) -> Result<BranchCalendar> {
        let (api, call) = parts(context)?;
        api.get_calendar(call, ByBranch { branch_id }).await.map_err(to_graphql_error)
    }

    /// A patron: staff name any of the library's; signed-in people get their own patron
    /// record (omit `id`). Null when there is no such patron.
    async fn patron(&self, context: &Context<'_>, id: Option<ID>) -> Result<Option<Patron>> {
        let (api, call) = parts(context)?;
        none_when_not_found(api.get_patron(call, PatronRef { patron_id: id }).await)
    }

    /// Finds patrons by card barcode, email or name. Staff.
    async fn patrons(&self, context: &Context<'_>, input: FindPatrons) -> Result<PatronPage> {
        let (api, call) = parts(context)?;
        api.find_patrons(call, input).await.map_err(to_graphql_error)
    }

    /// Whether an action would be allowed, with the rule that applied and every reason,
    /// without doing it. Staff.
    async fn circulation_check(
        &self,
        context: &Context<'_>,
        input: CirculationCheck,
    ) -> Result<Decision> {
        let (api, call) = parts(context)?;
        api.check(call, input).await.map_err(to_graphql_error)
    }

    /// A patron's loans out, by due date, or (`history: true`) their kept history,
    /// newest first. The patron (omit `patronId`), or staff.
    async fn loans(&self, context: &Context<'_>, input: ListLoans) -> Result<LoanPage> {
        let (api, call) = parts(context)?;
        api.list_loans(call, input).await.map_err(to_graphql_error)
    }

    /// A patron's holds that are not over, oldest first. The patron, or staff.
    async fn holds(&self, context: &Context<'_>, patron_id: Option<ID>) -> Result<Vec<Hold>> {
        let (api, call) = parts(context)?;
        Ok(api.list_holds(call, ListHolds { patron_id }).await.map_err(to_graphql_error)?.holds)
    }

    /// Holds waiting on a branch's holds shelf, soonest deadline first. Staff.
    async fn holds_shelf(&self, context: &Context<'_>, branch_id: ID) -> Result<Vec<Hold>> {
        let (api, call) = parts(context)?;
        Ok(api.holds_shelf(call, ByBranch { branch_id }).await.map_err(to_graphql_error)?.holds)
    }

    /// Copies on a branch's shelves that can fill waiting holds, in shelf order. Staff.
    async fn pull_list(&self, context: &Context<'_>, branch_id: ID) -> Result<Vec<PullEntry>> {
        let (api, call) = parts(context)?;
        Ok(api.pull_list(call, ByBranch { branch_id }).await.map_err(to_graphql_error)?.entries)
    }

    /// Copies in transit to and from a branch. Staff.
    async fn transits(&self, context: &Context<'_>, branch_id: ID) -> Result<TransitList> {
        let (api, call) = parts(context)?;
        api.transits(call, ByBranch { branch_id }).await.map_err(to_graphql_error)
    }

    /// A patron's account: balance, fines accruing, and the latest lines. The patron, or
    /// staff.
    async fn patron_account(
        &self,
        context: &Context<'_>,
        patron_id: Option<ID>,
    ) -> Result<PatronAccount> {
        let (api, call) = parts(context)?;
        api.get_account(call, PatronRef { patron_id }).await.map_err(to_graphql_error)
    }

    /// Loans counted by day, branch and patron group, and by copy. Staff.
    async fn loan_statistics(
        &self,
        context: &Context<'_>,
        from: NaiveDate,
        to: NaiveDate,
    ) -> Result<LoanStatistics> {
        let (api, call) = parts(context)?;
        api.loan_statistics(call, LoanStatisticsRequest { from, to })
            .await
            .map_err(to_graphql_error)
    }
}
