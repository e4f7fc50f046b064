//! Loan rules: what a loan may be and what it costs (loan period, renewals, limits on loans
//! and holds, fines and fees, when a patron is blocked), and how the rule that applies to a
//! loan is chosen. Pure functions with no I/O: the rules are read by the store, and the
//! service asks here which one applies.
//!
//! A rule's scope names a branch, a patron group, a material type and a loan type, or
//! leaves any of them open. Of the rules whose scope fits the situation, the most specific
//! one applies: a rule naming the branch beats any rule that does not; between rules that
//! agree on that, one naming the patron group beats one that does not; then one naming the
//! material type; then one naming the loan type. Two rules with the same scope are settled
//! by their order, the first winning. The default rule names nothing and fits everything.

use serde::{Deserialize, Serialize};

use super::calendar::LoanPeriod;

/// The order in which loan rules take precedence, in words, for the documentation and the API.
pub const PRECEDENCE: &str = "The most specific matching rule applies: a rule naming the \
    branch beats any rule that does not, then one naming the patron group, then one naming \
    the material type, then one naming the loan type; the default rule applies when no other \
    rule matches.";

/// What a rule is for: each dimension either names one id or is `None` (any).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RuleScope {
    /// The branch the rule is for; `None` for any branch.
    pub branch_id: Option<String>,
    /// The patron group the rule is for; `None` for any patron group.
    pub patron_group_id: Option<String>,
    /// The material type the rule is for; `None` for any material type.
    pub material_type_id: Option<String>,
    /// The loan type the rule is for; `None` for any loan type.
    pub loan_type_id: Option<String>,
}

/// The concrete situation a rule is looked up for. Each part may be unknown (`None`); an
/// unknown part only matches rules that leave that dimension open (an item with no material
/// type only matches rules for any material type).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Situation {
    /// The branch the loan is made at.
    pub branch_id: Option<String>,
    /// The patron's group.
    pub patron_group_id: Option<String>,
    /// The item's material type.
    pub material_type_id: Option<String>,
    /// The item's loan type.
    pub loan_type_id: Option<String>,
}

/// What a rule allows and charges. Money is in minor units (pence).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RuleTerms {
    /// How long a loan lasts.
    pub loan_period: LoanPeriod,
    /// How many times a loan may be renewed.
    pub renewals_allowed: u32,
    /// Whether a loan may be renewed while other patrons wait for the title; when false,
    /// renewal is refused while others wait.
    pub renew_when_others_wait: bool,
    /// How many loans in all a patron may have out; `None` for no limit.
    pub max_loans: Option<u32>,
    /// How many loans of this item's material type a patron may have out; `None` for no
    /// limit.
    pub max_loans_of_material_type: Option<u32>,
    /// Whether patrons may place holds.
    pub holds_allowed: bool,
    /// How many holds a patron may have; `None` for no limit.
    pub max_holds: Option<u32>,
    /// The fine for each day an item is overdue.
    pub fine_per_day: i64,
    /// Days an item may be overdue without a fine.
    pub fine_grace_days: u32,
    /// The most one loan can be fined; `None` for no cap.
    pub max_fine: Option<i64>,
    /// The fee for a lost item; `None` to charge the item's price.
    pub lost_item_fee: Option<i64>,
    /// The fee for processing a lost item's replacement.
    pub processing_fee: i64,
    /// Days a hold waits on the shelf for its patron to collect it.
    pub hold_pickup_days: u32,
    /// How many overdue items block a patron (blocked at or over this many); `None` for no
    /// limit.
    pub max_overdue_items: Option<u32>,
    /// How much a patron may owe before being blocked (blocked when owing more); `None`
    /// for no limit.
    pub max_balance: Option<i64>,
    /// Whether staff may override this rule's refusals.
    pub overridable: bool,
}

impl RuleTerms {
    /// Returns the terms a new library starts with: 21-day loans, two renewals (refused
    /// while others wait), 30 loans, 10 holds collected within 7 days, fines of 20p a day
    /// after one day's grace up to £5 a loan, the item's price plus £5 processing for a lost
    /// item, and a block at 10 overdue items or more than £10 owed, which staff may
    /// override.
    pub fn standard() -> RuleTerms {
        RuleTerms {
            loan_period: LoanPeriod::Days(21),
            renewals_allowed: 2,
            renew_when_others_wait: false,
            max_loans: Some(30),
            max_loans_of_material_type: None,
            holds_allowed: true,
            max_holds: Some(10),
            fine_per_day: 20,
            fine_grace_days: 1,
            max_fine: Some(500),
            lost_item_fee: None,
            processing_fee: 500,
            hold_pickup_days: 7,
            max_overdue_items: Some(10),
            max_balance: Some(1000),
            overridable: true,
        }
    }
}

/// A loan rule: its scope and its terms.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LoanRule {
    /// The rule's id.
    pub id: String,
    /// The rule's name, as staff see it.
    pub name: String,
    /// The situations the rule is for.
    pub scope: RuleScope,
    /// What the rule allows and charges.
    pub terms: RuleTerms,
}

impl RuleScope {
    /// Returns whether the scope fits `situation`: every dimension the scope names is known
    /// in the situation and equal to it.
    pub fn matches(&self, situation: &Situation) -> bool {
        fits(self.branch_id.as_ref(), situation.branch_id.as_ref())
            && fits(self.patron_group_id.as_ref(), situation.patron_group_id.as_ref())
            && fits(self.material_type_id.as_ref(), situation.material_type_id.as_ref())
            && fits(self.loan_type_id.as_ref(), situation.loan_type_id.as_ref())
    }

    /// Returns how specific the scope is: 8 for naming the branch, 4 for the patron group,
    /// 2 for the material type and 1 for the loan type, added up. A higher number wins.
    pub fn specificity(&self) -> u8 {
        [
            (self.branch_id.is_some(), 8),
            (self.patron_group_id.is_some(), 4),
            (self.material_type_id.is_some(), 2),
            (self.loan_type_id.is_some(), 1),
        ]
        .into_iter()
        .filter_map(|(named, weight)| named.then_some(weight))
        .sum()
    }

    /// Returns whether the scope names nothing, so the rule is the default that fits
    /// everything.
    pub fn is_default(&self) -> bool {
        self.branch_id.is_none()
            && self.patron_group_id.is_none()
            && self.material_type_id.is_none()
            && self.loan_type_id.is_none()
    }
}

/// Returns whether one dimension of a scope fits the situation's.
fn fits(scope: Option<&String>, situation: Option<&String>) -> bool {
    match scope {
        None => true,
        Some(wanted) => situation == Some(wanted),
    }
}

/// Returns the rule that applies: among rules whose scope matches, the one with the highest
/// specificity; ties (two rules with the same scope) go to the first in the slice. Returns
/// `None` only when no rule matches (the caller always includes a default rule).
pub fn matching_rule<'a>(rules: &'a [LoanRule], situation: &Situation) -> Option<&'a LoanRule> {
    rules.iter().filter(|rule| rule.scope.matches(situation)).fold(None, |best, rule| match best {
        Some(best) if best.scope.specificity() >= rule.scope.specificity() => Some(best),
        _ => Some(rule),
    })
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, reason = "tests fail loudly")]
mod tests {
    use super::*;

    fn id(text: &str) -> Option<String> {
        Some(text.to_string())
    }

    fn rule(id: &str, scope: RuleScope) -> LoanRule {
        LoanRule { id: id.to_string(), name: id.to_string(), scope, terms: RuleTerms::standard() }
    }

    /// A child borrowing a DVD on a short loan at the central branch.
    fn child_borrowing_a_dvd_at_central() -> Situation {
        Situation {
            branch_id: id("central"),
            patron_group_id: id("children"),
            material_type_id: id("dvd"),
            loan_type_id: id("short"),
        }
    }

    fn chosen<'a>(rules: &'a [LoanRule], situation: &Situation) -> &'a str {
        matching_rule(rules, situation).unwrap().id.as_str()
    }

    #[test]
    fn the_default_rule_is_chosen_when_nothing_more_specific_matches() {
        let rules = [
            rule("default", RuleScope::default()),
            rule("adults", RuleScope { patron_group_id: id("adults"), ..RuleScope::default() }),
            rule("north", RuleScope { branch_id: id("north"), ..RuleScope::default() }),
        ];
        assert_eq!(chosen(&rules, &child_borrowing_a_dvd_at_central()), "default");
        assert!(rules[0].scope.is_default());
        assert!(!rules[1].scope.is_default());
    }

    #[test]
    fn a_rule_naming_the_branch_beats_one_naming_group_material_type_and_loan_type() {
        let rules = [
            rule(
                "children-dvd-short",
                RuleScope {
                    branch_id: None,
                    patron_group_id: id("children"),
                    material_type_id: id("dvd"),
                    loan_type_id: id("short"),
                },
            ),
            rule("central", RuleScope { branch_id: id("central"), ..RuleScope::default() }),
            rule("default", RuleScope::default()),
        ];
        assert_eq!(chosen(&rules, &child_borrowing_a_dvd_at_central()), "central");
    }

    #[test]
    fn a_rule_naming_a_different_branch_never_matches() {
        let north = RuleScope {
            branch_id: id("north"),
            patron_group_id: id("children"),
            material_type_id: id("dvd"),
            loan_type_id: id("short"),
        };
        assert!(!north.matches(&child_borrowing_a_dvd_at_central()));
        let rules = [rule("north", north), rule("default", RuleScope::default())];
        assert_eq!(chosen(&rules, &child_borrowing_a_dvd_at_central()), "default");
    }

    #[test]
    fn group_and_material_type_beat_the_group_alone() {
        let rules = [
            rule("children", RuleScope { patron_group_id: id("children"), ..RuleScope::default() }),
            rule(
                "children-dvd",
                RuleScope {
                    patron_group_id: id("children"),
                    material_type_id: id("dvd"),
                    ..RuleScope::default()
                },
            ),
            rule("default", RuleScope::default()),
        ];
        assert_eq!(chosen(&rules, &child_borrowing_a_dvd_at_central()), "children-dvd");
    }

    #[test]
    fn the_patron_group_beats_material_type_and_loan_type_together() {
        let rules = [
            rule(
                "dvd-short",
                RuleScope {
                    material_type_id: id("dvd"),
                    loan_type_id: id("short"),
                    ..RuleScope::default()
                },
            ),
            rule("children", RuleScope { patron_group_id: id("children"), ..RuleScope::default() }),
        ];
        assert_eq!(chosen(&rules, &child_borrowing_a_dvd_at_central()), "children");
    }

    #[test]
    fn the_material_type_beats_the_loan_type() {
        let rules = [
            rule("short", RuleScope { loan_type_id: id("short"), ..RuleScope::default() }),
            rule("dvd", RuleScope { material_type_id: id("dvd"), ..RuleScope::default() }),
        ];
        assert_eq!(chosen(&rules, &child_borrowing_a_dvd_at_central()), "dvd");
    }

    #[test]
    fn the_first_of_two_rules_with_the_same_scope_wins() {
        let scope = RuleScope { patron_group_id: id("children"), ..RuleScope::default() };
        let rules = [rule("first", scope.clone()), rule("second", scope)];
        assert_eq!(chosen(&rules, &child_borrowing_a_dvd_at_central()), "first");
    }

    #[test]
    fn an_item_with_no_material_type_only_matches_rules_for_any_material_type() {
        let situation = Situation { material_type_id: None, ..child_borrowing_a_dvd_at_central() };
        let dvd = RuleScope { material_type_id: id("dvd"), ..RuleScope::default() };
        assert!(!dvd.matches(&situation));
        let rules = [rule("dvd", dvd), rule("default", RuleScope::default())];
        assert_eq!(chosen(&rules, &situation), "default");
    }

    #[test]
    fn no_rule_is_chosen_when_none_matches() {
        let rules = [rule("north", RuleScope { branch_id: id("north"), ..RuleScope::default() })];
        assert_eq!(matching_rule(&rules, &child_borrowing_a_dvd_at_central()), None);
        assert_eq!(matching_rule(&[], &Situation::default()), None);
    }

    #[test]
    fn specificity_weighs_branch_then_group_then_material_type_then_loan_type() {
        assert_eq!(RuleScope::default().specificity(), 0);
        let everything = RuleScope {
            branch_id: id("central"),
            patron_group_id: id("children"),
            material_type_id: id("dvd"),
            loan_type_id: id("short"),
        };
        assert_eq!(everything.specificity(), 15);
        let branch = RuleScope { branch_id: id("central"), ..RuleScope::default() };
        let the_rest = RuleScope { branch_id: None, ..everything };
        assert_eq!(branch.specificity(), 8);
        assert_eq!(the_rest.specificity(), 7);
    }

    #[test]
    fn the_standard_terms_lend_for_three_weeks_with_two_renewals() {
        let terms = RuleTerms::standard();
        assert_eq!(terms.loan_period, LoanPeriod::Days(21));
        assert_eq!(terms.renewals_allowed, 2);
        assert_eq!(terms.max_fine, Some(500));
    }
}
