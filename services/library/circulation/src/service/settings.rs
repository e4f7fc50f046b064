//! Settings, patron groups, loan rules (with "what would happen if") and calendars.

use async_graphql::ID;
use athenaeum_kernel::new_id;
use athenaeum_transport::Call;

use super::context::{self, DEFAULT_RULE_ID, Library, Settings, terms_of};
use super::views::{due_note, rule_view, utc};
use super::{CirculationService, Outcome, conflict, not_found, refusal};
use crate::api::*;
use crate::domain::calendar::due_date;
use crate::domain::rules::{self, RuleScope, Situation, matching_rule};
use crate::domain::values;
use crate::store::{self, ClosedDateRow, LoanRuleRow, PatronGroupRow, SettingsRow};

fn settings_view(settings: &Settings) -> CirculationSettings {
    CirculationSettings {
        time_zone: settings.zone.name().to_string(),
        currency: settings.currency.clone(),
        courtesy_notice_days: settings.courtesy_notice_days,
        refund_lost_fee_on_return: settings.refund_lost_fee_on_return,
        confirm_registrations: settings.confirm_registrations,
        registration_group_id: settings.registration_group_id.clone().map(ID::from),
        library_name: settings.library_name.clone(),
    }
}

fn group_view(row: PatronGroupRow) -> PatronGroup {
    PatronGroup { id: ID::from(row.id), code: row.code, name: row.name }
}

fn code_of(field: &str, text: &str) -> Outcome<String> {
    let code = text.trim();
    if code.is_empty()
        || code.len() > 32
        || !code.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
    {
        return Err(refusal(
            field,
            format!("code {code:?} must be 1 to 32 letters, digits, - or _"),
        ));
    }
    Ok(code.to_string())
}

fn name_of(field: &str, text: &str) -> Outcome<String> {
    let name = text.trim();
    if name.is_empty() || name.chars().count() > 200 {
        return Err(refusal(field, "a name is 1 to 200 characters"));
    }
    Ok(name.to_string())
}

fn scope_key(scope: &RuleScope) -> String {
    [&scope.branch_id, &scope.patron_group_id, &scope.material_type_id, &scope.loan_type_id]
        .iter()
        .map(|part| part.as_deref().unwrap_or(""))
        .collect::<Vec<_>>()
        .join("|")
}

/// Checks that each dimension a rule names exists in the library.
fn check_rule_scope(library: &Library, rule: &SaveLoanRule) -> Outcome<RuleScope> {
    let id = |value: &Option<ID>| value.as_ref().map(|id| id.0.clone());
    let scope = RuleScope {
        branch_id: id(&rule.branch_id),
        patron_group_id: id(&rule.patron_group_id),
        material_type_id: id(&rule.material_type_id),
        loan_type_id: id(&rule.loan_type_id),
    };
    if let Some(branch) = &scope.branch_id {
        library.require_branch("branchId", branch)?;
    }
    if let Some(group) = &scope.patron_group_id
        && !library.groups.iter().any(|known| &known.id == group)
    {
        return Err(refusal(
            "patronGroupId",
            format!("the library has no patron group with id {group}"),
        ));
    }
    for (field, wanted, material) in [
        ("materialTypeId", &scope.material_type_id, true),
        ("loanTypeId", &scope.loan_type_id, false),
    ] {
        if let Some(term) = wanted
            && !library
                .terms
                .iter()
                .any(|known| &known.id == term && known.is_material_type == material)
        {
            let kind = if material { "material type" } else { "loan type" };
            return Err(refusal(field, format!("the library has no {kind} with id {term}")));
        }
    }
    Ok(scope)
}

impl CirculationService {
    pub(super) async fn get_settings_as(
        &self,
        call: &Call,
        _: Nothing,
    ) -> Outcome<CirculationSettings> {
        let (_, scope) = self.staff(call)?;
        self.library
            .read(move |connection| Ok(settings_view(&Settings::read(connection, &scope)?)))
            .await
    }

    pub(super) async fn save_settings_as(
        &self,
        call: &Call,
        request: SaveCirculationSettings,
    ) -> Outcome<CirculationSettings> {
        let now = self.now();
        let (_, scope) = self.admin(call)?;
        let zone = values::time_zone(&request.time_zone)
            .map_err(|message| refusal("timeZone", message))?;
        let currency =
            values::currency(&request.currency).map_err(|message| refusal("currency", message))?;
        let library_name = match request.library_name.as_deref().map(str::trim) {
            Some("") | None => None,
            Some(name) => Some(name_of("libraryName", name)?),
        };
        if !(0..=14).contains(&request.courtesy_notice_days) {
            return Err(refusal(
                "courtesyNoticeDays",
                "courtesyNoticeDays must be between 0 and 14",
            ));
        }
        self.library
            .write(move |transaction| {
                let group = request.registration_group_id.map(|id| id.0);
                if let Some(group) = &group
                    && !store::patron_groups(transaction, &scope)?
                        .iter()
                        .any(|known| &known.id == group)
                {
                    return Err(refusal(
                        "registrationGroupId",
                        format!("the library has no patron group with id {group}"),
                    ));
                }
                let row = SettingsRow {
                    time_zone: zone.name().to_string(),
                    currency,
                    courtesy_notice_days: request.courtesy_notice_days,
                    refund_lost_fee_on_return: request.refund_lost_fee_on_return,
                    confirm_registrations: request.confirm_registrations,
                    registration_group_id: group,
                    updated_at: now,
                    library_name,
                };
                store::save_settings(transaction, &scope, &row)?;
                Ok(settings_view(&Settings::read(transaction, &scope)?))
            })
            .await
    }

    pub(super) async fn save_patron_group_as(
        &self,
        call: &Call,
        request: SavePatronGroup,
    ) -> Outcome<PatronGroup> {
        let now = self.now();
        let (_, scope) = self.admin(call)?;
        let code = code_of("code", &request.code)?;
        let name = name_of("name", &request.name)?;
        self.library
            .write(move |transaction| {
                let at = now;
                let row = PatronGroupRow {
                    id: request.id.as_ref().map_or_else(new_id, |id| id.0.clone()),
                    code: code.clone(),
                    name,
                    created_at: at,
                    updated_at: at,
                };
                let unique = |error: athenaeum_db::DbError| {
                    if error.is_unique_violation() {
                        conflict("code", format!("another patron group already has code {code}"))
                    } else {
                        error.into()
                    }
                };
                match &request.id {
                    Some(id) => {
                        if store::update_patron_group(transaction, &scope, &row).map_err(unique)?
                            == 0
                        {
                            return Err(not_found(format!(
                                "no patron group has id {} in this library",
                                id.0
                            )));
                        }
                    }
                    None => {
                        store::insert_patron_group(transaction, &scope, &row).map_err(unique)?;
                    }
                }
                Ok(group_view(row))
            })
            .await
    }

    pub(super) async fn list_patron_groups_as(
        &self,
        call: &Call,
        _: Nothing,
    ) -> Outcome<PatronGroupList> {
        let acting = self.acting(call)?;
        let scope = acting.scope().clone();
        self.library
            .read(move |connection| {
                let groups =
                    store::patron_groups(connection, &scope)?.into_iter().map(group_view).collect();
                Ok(PatronGroupList { groups })
            })
            .await
    }

    pub(super) async fn list_loan_rules_as(
        &self,
        call: &Call,
        _: Nothing,
    ) -> Outcome<LoanRuleList> {
        let (_, scope) = self.staff(call)?;
        self.library
            .read(move |connection| {
                let mut rules = context::rules(connection, &scope)?;
                rules.sort_by_key(|rule| std::cmp::Reverse(rule.scope.specificity()));
                Ok(LoanRuleList {
                    rules: rules.iter().map(rule_view).collect(),
                    precedence: rules::PRECEDENCE.to_string(),
                })
            })
            .await
    }

    pub(super) async fn save_loan_rule_as(
        &self,
        call: &Call,
        request: SaveLoanRule,
    ) -> Outcome<LoanRule> {
        let now = self.now();
        let (_, scope) = self.admin(call)?;
        let name = name_of("name", &request.name)?;
        let terms = terms_of(&request.terms)?;
        self.library
            .write(move |transaction| {
                let library = Library::read(transaction, &scope)?;
                let rule_scope = check_rule_scope(&library, &request)?;
                let key = scope_key(&rule_scope);
                let at = now;
                let stored_terms = serde_json::to_string(&terms)
                    .map_err(|error| crate::CirculationError::Internal(error.to_string()))?;
                let existing = store::loan_rules(transaction, &scope)?;
                let id = match &request.id {
                    Some(id) if id.0 == DEFAULT_RULE_ID => None,
                    Some(id) => {
                        if !existing.iter().any(|row| row.id == id.0) {
                            return Err(not_found(format!("no loan rule has id {} in this library", id.0)));
                        }
                        Some(id.0.clone())
                    }
                    None => None,
                };
                // Saving the built-in default names it by scope, not by id.
                let id = id.or_else(|| {
                    request
                        .id
                        .as_ref()
                        .filter(|id| id.0 == DEFAULT_RULE_ID)
                        .and_then(|_| existing.iter().find(|row| row.scope_key == "|||").map(|row| row.id.clone()))
                });
                let row = LoanRuleRow {
                    id: id.clone().unwrap_or_else(new_id),
                    name,
                    branch_id: rule_scope.branch_id.clone(),
                    patron_group_id: rule_scope.patron_group_id.clone(),
                    material_type_id: rule_scope.material_type_id.clone(),
                    loan_type_id: rule_scope.loan_type_id.clone(),
                    scope_key: key,
                    terms: stored_terms,
                    created_at: at,
                    updated_at: at,
                };
                let saved = match id {
                    Some(_) => store::update_loan_rule(transaction, &scope, &row).map(|_| ()),
                    None => store::insert_loan_rule(transaction, &scope, &row),
                };
                saved.map_err(|error| {
                    if error.is_unique_violation() {
                        conflict("branchId", "another rule is for the same branch, patron group, material type and loan type; change that rule instead")
                    } else {
                        error.into()
                    }
                })?;
                Ok(rule_view(&rules::LoanRule {
                    id: row.id,
                    name: row.name,
                    scope: rule_scope,
                    terms,
                }))
            })
            .await
    }

    pub(super) async fn delete_loan_rule_as(
        &self,
        call: &Call,
        request: ByLoanRule,
    ) -> Outcome<Done> {
        let (_, scope) = self.admin(call)?;
        self.library
            .write(move |transaction| {
                let rule = store::loan_rules(transaction, &scope)?
                    .into_iter()
                    .find(|row| row.id == request.rule_id.0)
                    .ok_or_else(|| {
                        not_found(format!(
                            "no loan rule has id {} in this library",
                            request.rule_id.0
                        ))
                    })?;
                if rule.scope_key == "|||" {
                    return Err(conflict(
                        "ruleId",
                        "the default rule cannot be deleted; change its terms instead",
                    ));
                }
                store::delete_loan_rule(transaction, &scope, &rule.id)?;
                Ok(Done {})
            })
            .await
    }

    pub(super) async fn what_if_as(&self, call: &Call, request: WhatIf) -> Outcome<RuleMatch> {
        let now = self.now();
        let (_, scope) = self.admin(call)?;
        self.library
            .read(move |connection| {
                let mut library = Library::read(connection, &scope)?;
                let branch = library.require_branch("branchId", &request.branch_id)?.clone();
                if let Some(proposed) = &request.rules {
                    let mut rules = Vec::with_capacity(proposed.len() + 1);
                    for (index, rule) in proposed.iter().enumerate() {
                        let rule_scope = check_rule_scope(&library, rule)?;
                        let terms = terms_of(&rule.terms).map_err(|error| {
                            crate::CirculationError::from(athenaeum_kernel::ApiError::validation(
                                format!("rules.{index}"),
                                error.to_string(),
                            ))
                        })?;
                        rules.push(rules::LoanRule {
                            id: rule.id.as_ref().map_or_else(
                                || format!("proposed-{}", index + 1),
                                |id| id.0.clone(),
                            ),
                            name: rule.name.clone(),
                            scope: rule_scope,
                            terms,
                        });
                    }
                    if !rules.iter().any(|rule| rule.scope.is_default())
                        && let Some(saved_default) =
                            library.rules.iter().find(|rule| rule.scope.is_default())
                    {
                        rules.push(saved_default.clone());
                    }
                    library.rules = rules;
                }
                let situation = Situation {
                    branch_id: Some(branch.id.clone()),
                    patron_group_id: Some(request.patron_group_id.0.clone()),
                    material_type_id: request.material_type_id.map(|id| id.0),
                    loan_type_id: request.loan_type_id.map(|id| id.0),
                };
                let rule = matching_rule(&library.rules, &situation)
                    .cloned()
                    .unwrap_or_else(context::default_rule);
                let explanation = explain(&library, &rule);
                let at = utc(now);
                let today = at.with_timezone(&library.settings.zone).date_naive();
                let (calendar, _) = context::calendar(connection, &scope, &branch.id, today)?;
                let due = due_date(&calendar, library.settings.zone, at, rule.terms.loan_period);
                Ok(RuleMatch {
                    rule: rule_view(&rule),
                    explanation,
                    due_at: due.due_at,
                    due_note: due_note(&due, &branch.name),
                })
            })
            .await
    }

    pub(super) async fn get_calendar_as(
        &self,
        call: &Call,
        request: ByBranch,
    ) -> Outcome<BranchCalendar> {
        let now = self.now();
        let (_, scope) = self.staff(call)?;
        self.library
            .read(move |connection| calendar_view(connection, &scope, &request.branch_id, now))
            .await
    }

    pub(super) async fn save_calendar_as(
        &self,
        call: &Call,
        request: SaveCalendar,
    ) -> Outcome<BranchCalendar> {
        let now = self.now();
        let (_, scope) = self.admin(call)?;
        if let Some(days) = &request.weekly_hours {
            context::week_of(days)
                .map_err(|(index, message)| refusal(format!("weeklyHours.{index}"), message))?;
        }
        if request.closed_dates.len() > 1_000 {
            return Err(refusal("closedDates", "give at most 1,000 closed dates"));
        }
        let mut dates = Vec::with_capacity(request.closed_dates.len());
        for (index, date) in request.closed_dates.iter().enumerate() {
            let name = name_of(&format!("closedDates.{index}.name"), &date.name)?;
            if dates.iter().any(|known: &ClosedDateRow| known.closed_on == date.date) {
                return Err(refusal(
                    format!("closedDates.{index}.date"),
                    format!("{} is given twice", date.date),
                ));
            }
            dates.push(ClosedDateRow {
                branch_id: request.branch_id.0.clone(),
                closed_on: date.date,
                name,
            });
        }
        let weekly = match &request.weekly_hours {
            Some(days) => Some(
                serde_json::to_string(days)
                    .map_err(|error| crate::CirculationError::Internal(error.to_string()))?,
            ),
            None => None,
        };
        self.library
            .write(move |transaction| {
                let library = Library::read(transaction, &scope)?;
                library.require_branch("branchId", &request.branch_id)?;
                store::save_calendar(
                    transaction,
                    &scope,
                    &request.branch_id,
                    weekly.as_deref(),
                    &dates,
                    now,
                )?;
                calendar_view(transaction, &scope, &request.branch_id, now)
            })
            .await
    }
}

fn explain(library: &Library, rule: &rules::LoanRule) -> String {
    if rule.scope.is_default() {
        return format!(
            "“{}” applies: no more specific rule matches. {}",
            rule.name,
            rules::PRECEDENCE
        );
    }
    let mut named = Vec::new();
    if let Some(branch) = &rule.scope.branch_id {
        named.push(format!("branch {}", library.branch_name(branch)));
    }
    if let Some(group) = &rule.scope.patron_group_id {
        named.push(format!("patron group {}", library.group_name(group)));
    }
    if let Some(name) = library.term_name(rule.scope.material_type_id.as_deref()) {
        named.push(format!("material type {name}"));
    }
    if let Some(name) = library.term_name(rule.scope.loan_type_id.as_deref()) {
        named.push(format!("loan type {name}"));
    }
    format!(
        "“{}” applies: it is the most specific rule that matches, naming {}. {}",
        rule.name,
        named.join(", "),
        rules::PRECEDENCE
    )
}

fn calendar_view(
    connection: &mut athenaeum_db::DbConnection,
    scope: &athenaeum_auth::TenantScope,
    branch_id: &str,
    now: athenaeum_kernel::Timestamp,
) -> Outcome<BranchCalendar> {
    let library = Library::read(connection, scope)?;
    let branch = library.require_branch("branchId", branch_id)?.clone();
    let today = utc(now).with_timezone(&library.settings.zone).date_naive();
    let weekly = store::weekly_hours(connection, scope, branch_id)?.flatten();
    let weekly_hours: Option<Vec<OpeningDay>> = match weekly {
        Some(json) => Some(
            serde_json::from_str(&json)
                .map_err(|error| crate::CirculationError::Internal(error.to_string()))?,
        ),
        None => None,
    };
    let closed_dates = store::closed_dates(connection, scope, branch_id, today)?
        .into_iter()
        .map(|date| ClosedDate { date: date.closed_on, name: date.name })
        .collect();
    let mut warnings = Vec::new();
    if weekly_hours.is_none() {
        warnings.push(format!(
            "{} has no weekly opening hours, so due dates treat it as open every day except its closed dates; set its hours so loans never fall due when it is closed",
            branch.name
        ));
    }
    Ok(BranchCalendar { branch_id: ID::from(branch.id), weekly_hours, closed_dates, warnings })
}
