//! A patron's account (fines, fees, payments, waivers) and the library's loan statistics.

use async_graphql::ID;
use athenaeum_db::DbConnection;
use athenaeum_kernel::new_id;
use athenaeum_transport::Call;

use super::context::{Library, money_i32};
use super::patrons::patron_for;
use super::views::{line_view, loan_view_with};
use super::{Acting, CirculationService, Outcome, conflict, not_found, reason_text, refusal};
use crate::api::*;
use crate::domain::fines::money;
use crate::store::{self, AccountLineRow, PatronRow};

/// Account lines shown at once.
const LINES_SHOWN: i64 = 200;

fn account_view(
    connection: &mut DbConnection,
    acting_scope: &athenaeum_auth::TenantScope,
    library: &Library,
    patron: &PatronRow,
    now: athenaeum_kernel::Timestamp,
) -> Outcome<PatronAccount> {
    let currency = library.settings.currency.clone();
    let balance = store::balance(connection, acting_scope, &patron.id)?;
    let mut accruing = 0_i64;
    for loan in store::open_loans(connection, acting_scope, &patron.id, None, 1_000)? {
        accruing += i64::from(loan_view_with(library, loan, None, now).fine);
    }
    let lines = store::lines(connection, acting_scope, &patron.id, LINES_SHOWN)?
        .into_iter()
        .map(|line| line_view(line, &currency))
        .collect();
    Ok(PatronAccount {
        patron_id: ID::from(patron.id.clone()),
        balance: money_i32(balance),
        balance_text: money(balance, &currency),
        accruing: money_i32(accruing),
        lines,
    })
}

impl CirculationService {
    pub(super) async fn get_account_as(
        &self,
        call: &Call,
        request: PatronRef,
    ) -> Outcome<PatronAccount> {
        let now = self.now();
        let acting: Acting = self.acting(call)?;
        self.library
            .read(move |connection| {
                let library = Library::read(connection, acting.scope())?;
                let patron = patron_for(connection, &acting, request.patron_id.as_ref())?;
                account_view(connection, acting.scope(), &library, &patron, now)
            })
            .await
    }

    pub(super) async fn credit_account_as(
        &self,
        call: &Call,
        request: Credit,
    ) -> Outcome<PatronAccount> {
        let now = self.now();
        let (caller, scope) = self.staff(call)?;
        if request.amount < 1 {
            return Err(refusal("amount", "the amount must be at least 1"));
        }
        let reason = match (&request.kind, &request.reason) {
            (CreditKind::Waiver, None) => {
                return Err(refusal("reason", "say why the charge is waived"));
            }
            (_, Some(text)) => Some(reason_text("reason", text)?),
            (CreditKind::Payment, None) => None,
        };
        let by = caller.account_id().to_string();
        self.library
            .write(move |transaction| {
                let library = Library::read(transaction, &scope)?;
                let patron = store::find_patron(transaction, &scope, &request.patron_id)?
                    .ok_or_else(|| {
                        not_found(format!(
                            "no patron has id {} in this library",
                            request.patron_id.0
                        ))
                    })?;
                let balance = store::balance(transaction, &scope, &patron.id)?;
                let amount = i64::from(request.amount);
                if amount > balance {
                    return Err(conflict(
                        "amount",
                        format!(
                            "{} owes {}; take at most that",
                            patron.name,
                            money(balance.max(0), &library.settings.currency)
                        ),
                    ));
                }
                let (kind, description) = match request.kind {
                    CreditKind::Payment => (AccountLineKind::Payment, "Payment"),
                    CreditKind::Waiver => (AccountLineKind::Waiver, "Waived"),
                };
                store::insert_line(
                    transaction,
                    &scope,
                    &AccountLineRow {
                        id: new_id(),
                        patron_id: patron.id.clone(),
                        kind,
                        amount: -amount,
                        description: description.to_string(),
                        loan_id: None,
                        item_id: None,
                        created_by: Some(by),
                        reason,
                        created_at: now,
                    },
                )?;
                account_view(transaction, &scope, &library, &patron, now)
            })
            .await
    }

    pub(super) async fn loan_statistics_as(
        &self,
        call: &Call,
        request: LoanStatisticsRequest,
    ) -> Outcome<LoanStatistics> {
        let (_, scope) = self.staff(call)?;
        if request.to < request.from {
            return Err(refusal("to", "the period ends before it starts"));
        }
        if (request.to - request.from).num_days() > 366 {
            return Err(refusal("to", "count at most a year at a time"));
        }
        self.library
            .read(move |connection| {
                let by_day: Vec<LoanCount> =
                    store::loans_by_day(connection, &scope, request.from, request.to)?
                        .into_iter()
                        .map(|count| LoanCount {
                            day: count.day,
                            branch_id: ID::from(count.branch_id),
                            patron_group_id: ID::from(count.patron_group_id),
                            loans: money_i32(count.loans),
                            renewals: money_i32(count.renewals.unwrap_or(0)),
                        })
                        .collect();
                let total = by_day.iter().map(|count| count.loans).sum();
                let by_item =
                    store::loans_by_item(connection, &scope, request.from, request.to, 100)?
                        .into_iter()
                        .map(|(item_id, loans)| ItemLoanCount {
                            item_id: ID::from(item_id),
                            loans: money_i32(loans),
                        })
                        .collect();
                Ok(LoanStatistics { by_day, by_item, total })
            })
            .await
    }
}
