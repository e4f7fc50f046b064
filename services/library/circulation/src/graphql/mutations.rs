//! Circulation's mutations. Desk refusals are answers (a decision with reasons), not
//! errors; errors are for bad input, missing things and permission.

use async_graphql::{Context, ID, Object, Result};
use athenaeum_transport::graphql::to_graphql_error;

use super::parts;
use crate::api::*;

/// Mutations of patrons, rules, loans, holds and accounts.
#[derive(Debug, Default)]
pub struct CirculationMutation;

#[Object]
impl CirculationMutation {
    /// Replaces the library's circulation settings. Admins.
    async fn save_circulation_settings(
        &self,
        context: &Context<'_>,
        input: SaveCirculationSettings,
    ) -> Result<CirculationSettings> {
        let (api, call) = parts(context)?;
        api.save_settings(call, input).await.map_err(to_graphql_error)
    }

    /// Creates or renames a patron group. Admins. `CONFLICT` if the code is taken.
    async fn save_patron_group(
        &self,
        context: &Context<'_>,
        input: SavePatronGroup,
    ) -> Result<PatronGroup> {
        let (api, call) = parts(context)?;
        api.save_patron_group(call, input).await.map_err(to_graphql_error)
    }

    /// Creates or changes a loan rule. Admins. `CONFLICT` when another rule has the same
    /// branch, patron group, material type and loan type.
    async fn save_loan_rule(&self, context: &Context<'_>, input: SaveLoanRule) -> Result<LoanRule> {
        let (api, call) = parts(context)?;
        api.save_loan_rule(call, input).await.map_err(to_graphql_error)
    }

    /// Deletes a loan rule. Admins. `CONFLICT` for the default rule.
    async fn delete_loan_rule(&self, context: &Context<'_>, rule_id: ID) -> Result<bool> {
        let (api, call) = parts(context)?;
        api.delete_loan_rule(call, ByLoanRule { rule_id }).await.map_err(to_graphql_error)?;
        Ok(true)
    }

    /// Replaces a branch's opening calendar. Admins.
    async fn save_branch_calendar(
        &self,
        context: &Context<'_>,
        input: SaveCalendar,
    ) -> Result<BranchCalendar> {
        let (api, call) = parts(context)?;
        api.save_calendar(call, input).await.map_err(to_graphql_error)
    }

    /// Creates or changes a patron. Staff.
    async fn save_patron(&self, context: &Context<'_>, input: SavePatron) -> Result<Patron> {
        let (api, call) = parts(context)?;
        api.save_patron(call, input).await.map_err(to_graphql_error)
    }

    /// Blocks a patron, with the reason. Staff.
    async fn add_patron_block(&self, context: &Context<'_>, input: AddBlock) -> Result<Patron> {
        let (api, call) = parts(context)?;
        api.add_block(call, input).await.map_err(to_graphql_error)
    }

    /// Lifts a block. Staff.
    async fn lift_patron_block(&self, context: &Context<'_>, block_id: ID) -> Result<Patron> {
        let (api, call) = parts(context)?;
        api.lift_block(call, LiftBlock { block_id }).await.map_err(to_graphql_error)
    }

    /// Confirms a patron who registered online. Staff.
    async fn confirm_patron(&self, context: &Context<'_>, patron_id: ID) -> Result<Patron> {
        let (api, call) = parts(context)?;
        api.confirm_patron(call, PatronRef { patron_id: Some(patron_id) })
            .await
            .map_err(to_graphql_error)
    }

    /// Registers the signed-in person as a patron of their library.
    async fn register_as_patron(
        &self,
        context: &Context<'_>,
        input: RegisterPatron,
    ) -> Result<Patron> {
        let (api, call) = parts(context)?;
        api.register_patron(call, input).await.map_err(to_graphql_error)
    }

    /// Turns keeping your own loan history on or off; off also anonymises what was kept.
    async fn set_keep_loan_history(&self, context: &Context<'_>, keep: bool) -> Result<Patron> {
        let (api, call) = parts(context)?;
        api.set_keep_history(call, SetKeepHistory { keep }).await.map_err(to_graphql_error)
    }

    /// Anonymises your kept loan history. The library's statistics are kept.
    async fn delete_loan_history(&self, context: &Context<'_>) -> Result<bool> {
        let (api, call) = parts(context)?;
        api.delete_history(call, Nothing {}).await.map_err(to_graphql_error)?;
        Ok(true)
    }

    /// Lends a copy. Staff. A refusal comes back as `loan: null` with every reason.
    async fn checkout(&self, context: &Context<'_>, input: Checkout) -> Result<CheckoutResult> {
        let (api, call) = parts(context)?;
        api.checkout(call, input).await.map_err(to_graphql_error)
    }

    /// Takes a copy back and says what to do with it. Staff.
    async fn checkin(&self, context: &Context<'_>, input: Checkin) -> Result<CheckinResult> {
        let (api, call) = parts(context)?;
        api.checkin(call, input).await.map_err(to_graphql_error)
    }

    /// Renews a loan. The patron, or staff. A refusal comes back with every reason.
    async fn renew_loan(&self, context: &Context<'_>, input: Renew) -> Result<RenewResult> {
        let (api, call) = parts(context)?;
        api.renew(call, input).await.map_err(to_graphql_error)
    }

    /// Renews every loan of a patron that may be renewed. The patron (omit `patronId`),
    /// or staff.
    async fn renew_all_loans(
        &self,
        context: &Context<'_>,
        patron_id: Option<ID>,
    ) -> Result<RenewAllResult> {
        let (api, call) = parts(context)?;
        api.renew_all(call, PatronRef { patron_id }).await.map_err(to_graphql_error)
    }

    /// Declares a loan's copy lost and charges its fees. Staff.
    async fn declare_lost(&self, context: &Context<'_>, loan_id: ID) -> Result<Loan> {
        let (api, call) = parts(context)?;
        api.declare_lost(call, ByLoan { loan_id }).await.map_err(to_graphql_error)
    }

    /// Places a hold. The patron, or staff for a patron. A refusal comes back as `hold:
    /// null` with every reason.
    async fn place_hold(&self, context: &Context<'_>, input: PlaceHold) -> Result<PlaceHoldResult> {
        let (api, call) = parts(context)?;
        api.place_hold(call, input).await.map_err(to_graphql_error)
    }

    /// Cancels a hold. The patron, or staff.
    async fn cancel_hold(&self, context: &Context<'_>, hold_id: ID) -> Result<Hold> {
        let (api, call) = parts(context)?;
        api.cancel_hold(call, ByHold { hold_id }).await.map_err(to_graphql_error)
    }

    /// Changes where a waiting hold is collected. The patron, or staff.
    async fn change_hold_pickup(&self, context: &Context<'_>, input: ChangePickup) -> Result<Hold> {
        let (api, call) = parts(context)?;
        api.change_pickup(call, input).await.map_err(to_graphql_error)
    }

    /// Expires the library's unfilled and uncollected holds now (the library process
    /// does this every minute). Staff.
    async fn expire_holds(&self, context: &Context<'_>) -> Result<ExpiryRound> {
        let (api, call) = parts(context)?;
        api.expire_holds(call, Nothing {}).await.map_err(to_graphql_error)
    }

    /// Records a payment or a waiver on a patron's account. Staff.
    async fn credit_account(&self, context: &Context<'_>, input: Credit) -> Result<PatronAccount> {
        let (api, call) = parts(context)?;
        api.credit_account(call, input).await.map_err(to_graphql_error)
    }

    /// Imports patrons from CSV text: a row whose card barcode is a patron's updates
    /// them, any other creates one; bad rows are problems in the report, named by row,
    /// and the rest are imported. `dryRun` counts without changing anything. Staff.
    async fn import_patrons(
        &self,
        context: &Context<'_>,
        input: ImportPatrons,
    ) -> Result<PatronImportReport> {
        let (api, call) = parts(context)?;
        api.import_patrons(call, input).await.map_err(to_graphql_error)
    }
}
