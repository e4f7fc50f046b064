//! The import's matching rule: which record already in the catalogue (or earlier in the
//! same batch) an incoming record is, and what to do about it. A pure decision over the
//! keys the batch's records carry and what the store found for them; the import looks
//! up, then asks this room, then writes.

use std::collections::HashMap;

use crate::api::{MatchRule, OnMatch};
use crate::domain::keys::is_local_key_of;
use crate::domain::{FieldRef, KeyKind, MatchKey};

/// One record of a batch, as the matching rule sees it.
#[derive(Debug, Clone, Copy)]
pub struct Incoming<'a> {
    /// The id it would be stored under if new.
    pub id: &'a str,
    /// Its keys.
    pub keys: &'a [MatchKey],
}

/// What the catalogue already holds for the batch's keys.
#[derive(Debug, Clone, Default)]
pub struct Stored {
    /// The records that carry each key, oldest first.
    pub holders: HashMap<(KeyKind, String), Vec<String>>,
    /// The control-number keys (`kind|003|001`) of those records.
    pub controls: HashMap<String, Vec<String>>,
}

/// The record an incoming one matched.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Match {
    /// The matched record's id.
    pub record_id: String,
    /// When the match is a record earlier in the same batch: its index.
    pub earlier: Option<usize>,
    /// The rule that matched.
    pub rule: MatchRule,
}

/// What to do with one incoming record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decision {
    /// No record matched: store it as a new one.
    New,
    /// It replaces the matched record's content.
    Overlay(Match),
    /// The matched record is kept as it is.
    Skip(Match),
}

/// How a batch is matched: the enabled rules in the order they are tried, the field the
/// local number rule reads, and what a match does.
#[derive(Debug, Clone)]
pub struct MatchSettings {
    /// The enabled rules, in order.
    pub rules: Vec<MatchRule>,
    /// The field holding the sending system's own number, for the local number rule.
    pub local_field: Option<FieldRef>,
    /// What a match does.
    pub on_match: OnMatch,
}

impl MatchSettings {
    /// Settings for the rules `match_on` enables, tried in the order control number,
    /// system number, local number, ISBN, content.
    pub fn new(match_on: &[MatchRule], local_field: Option<FieldRef>, on_match: OnMatch) -> Self {
        let rules = MatchRule::ALL.iter().copied().filter(|rule| match_on.contains(rule)).collect();
        MatchSettings { rules, local_field, on_match }
    }

    /// Returns the keys of `keys` that `rule` compares.
    pub fn keys_for<'k>(
        &'k self,
        rule: MatchRule,
        keys: &'k [MatchKey],
    ) -> impl Iterator<Item = &'k MatchKey> + 'k {
        let kind = rule_kind(rule);
        keys.iter().filter(move |key| {
            key.kind == kind
                && (rule != MatchRule::LocalNumber
                    || self
                        .local_field
                        .as_ref()
                        .is_some_and(|field| is_local_key_of(&key.value, field)))
        })
    }
}

/// Returns the key kind a match rule looks up.
pub fn rule_kind(rule: MatchRule) -> KeyKind {
    match rule {
        MatchRule::ControlNumber => KeyKind::Control,
        MatchRule::SystemNumber => KeyKind::System,
        MatchRule::LocalNumber => KeyKind::Local,
        MatchRule::Isbn => KeyKind::Isbn,
        MatchRule::Content => KeyKind::Content,
    }
}

/// Returns the values `rule` compares that the batch's records carry, sorted, without
/// repeats: what the store must look up for it.
pub fn wanted_values(
    batch: &[Option<Incoming<'_>>],
    settings: &MatchSettings,
    rule: MatchRule,
) -> Vec<String> {
    let mut values: Vec<String> = batch
        .iter()
        .flatten()
        .flat_map(|incoming| settings.keys_for(rule, incoming.keys))
        .map(|key| key.value.clone())
        .collect();
    values.sort();
    values.dedup();
    values
}

/// Decides each record of a batch (`None` for an entry that could not be read), in
/// order: the first enabled rule that finds a record decides, a record earlier in the
/// batch before one already stored. A match by system number or ISBN is not taken when
/// both records carry control numbers from the same source that differ: they are
/// different records that share a number (volumes of a set under one ISBN, a reprint).
/// A skipped record does not stand in for later ones; a new or overlaying one does.
pub fn decide_batch(
    batch: &[Option<Incoming<'_>>],
    stored: &Stored,
    settings: &MatchSettings,
) -> Vec<Option<Decision>> {
    // Each key the batch has stored so far, with the entry that stands for it and the
    // record id that entry is written as (its own when new, the matched one's when it
    // overlays), so a later copy of an overlaying record reaches the record it replaced.
    let mut in_batch: HashMap<(KeyKind, &str), (usize, String)> = HashMap::new();
    let mut decisions = Vec::with_capacity(batch.len());
    for (index, incoming) in batch.iter().enumerate() {
        let Some(incoming) = incoming else {
            decisions.push(None);
            continue;
        };
        let found = find_match(batch, incoming, &in_batch, stored, settings);
        let decision = match found {
            None => Decision::New,
            Some(found) => match settings.on_match {
                OnMatch::Overlay => Decision::Overlay(found),
                OnMatch::Skip => Decision::Skip(found),
            },
        };
        let stands_for = match &decision {
            Decision::New => Some((index, incoming.id.to_string())),
            Decision::Overlay(found) => {
                Some((found.earlier.unwrap_or(index), found.record_id.clone()))
            }
            Decision::Skip(_) => None,
        };
        if let Some(target) = stands_for {
            for key in incoming.keys {
                in_batch.entry((key.kind, key.value.as_str())).or_insert_with(|| target.clone());
            }
        }
        decisions.push(Some(decision));
    }
    decisions
}

fn find_match(
    batch: &[Option<Incoming<'_>>],
    incoming: &Incoming<'_>,
    in_batch: &HashMap<(KeyKind, &str), (usize, String)>,
    stored: &Stored,
    settings: &MatchSettings,
) -> Option<Match> {
    let own_control = control_of(incoming.keys.iter());
    for rule in &settings.rules {
        let kind = rule_kind(*rule);
        for key in settings.keys_for(*rule, incoming.keys) {
            if let Some((earlier, written_as)) = in_batch.get(&(kind, key.value.as_str()))
                && let Some(Some(earlier_record)) = batch.get(*earlier)
            {
                let controls = earlier_record
                    .keys
                    .iter()
                    .filter(|key| key.kind == KeyKind::Control)
                    .map(|key| key.value.as_str());
                if kind == KeyKind::Control || !controls_conflict(own_control, controls) {
                    let record_id = written_as.clone();
                    return Some(Match { record_id, earlier: Some(*earlier), rule: *rule });
                }
            }
            let holders = stored.holders.get(&(kind, key.value.clone()));
            for record_id in holders.into_iter().flatten() {
                let controls =
                    stored.controls.get(record_id).into_iter().flatten().map(String::as_str);
                if kind == KeyKind::Control || !controls_conflict(own_control, controls) {
                    return Some(Match {
                        record_id: record_id.clone(),
                        earlier: None,
                        rule: *rule,
                    });
                }
            }
        }
    }
    None
}

fn control_of<'a>(mut keys: impl Iterator<Item = &'a MatchKey>) -> Option<&'a str> {
    keys.find(|key| key.kind == KeyKind::Control).map(|key| key.value.as_str())
}

/// The source part of a control-number key (`kind|003|001` → `kind|003`).
fn control_source(control: &str) -> &str {
    control.rsplit_once('|').map_or("", |(source, _)| source)
}

/// Returns true when `own` and one of `others` come from the same source and differ.
fn controls_conflict<'a>(own: Option<&str>, others: impl Iterator<Item = &'a str>) -> bool {
    let Some(own) = own else { return false };
    let source = control_source(own);
    others.into_iter().any(|other| control_source(other) == source && other != own)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(kind: KeyKind, value: &str) -> MatchKey {
        MatchKey { kind, value: value.to_string() }
    }

    fn stored(entries: &[(KeyKind, &str, &str)], controls: &[(&str, &str)]) -> Stored {
        let mut found = Stored::default();
        for (kind, value, record_id) in entries {
            found
                .holders
                .entry((*kind, (*value).to_string()))
                .or_default()
                .push((*record_id).to_string());
        }
        for (record_id, control) in controls {
            found.controls.entry((*record_id).to_string()).or_default().push((*control).into());
        }
        found
    }

    fn settings(rules: &[MatchRule], on_match: OnMatch) -> MatchSettings {
        MatchSettings::new(rules, None, on_match)
    }

    const ALL_RULES: [MatchRule; 3] =
        [MatchRule::ControlNumber, MatchRule::SystemNumber, MatchRule::Isbn];

    #[test]
    fn a_record_without_a_matching_key_is_new() {
        let keys = [key(KeyKind::Isbn, "9780141439518")];
        let batch = [Some(Incoming { id: "new-1", keys: &keys })];
        let decisions =
            decide_batch(&batch, &Stored::default(), &settings(&ALL_RULES, OnMatch::Overlay));
        assert_eq!(decisions, vec![Some(Decision::New)]);
    }

    #[test]
    fn the_first_enabled_rule_that_finds_a_record_decides() {
        let keys = [key(KeyKind::Control, "b|DLC|1"), key(KeyKind::Isbn, "978")];
        let batch = [Some(Incoming { id: "new-1", keys: &keys })];
        let found = stored(
            &[(KeyKind::Control, "b|DLC|1", "by-control"), (KeyKind::Isbn, "978", "by-isbn")],
            &[],
        );
        let decisions = decide_batch(&batch, &found, &settings(&ALL_RULES, OnMatch::Overlay));
        assert_eq!(
            decisions,
            vec![Some(Decision::Overlay(Match {
                record_id: "by-control".into(),
                earlier: None,
                rule: MatchRule::ControlNumber
            }))]
        );
        let isbn_only = decide_batch(&batch, &found, &settings(&[MatchRule::Isbn], OnMatch::Skip));
        assert_eq!(
            isbn_only,
            vec![Some(Decision::Skip(Match {
                record_id: "by-isbn".into(),
                earlier: None,
                rule: MatchRule::Isbn
            }))]
        );
    }

    #[test]
    fn an_isbn_shared_by_records_with_different_control_numbers_from_one_source_is_no_match() {
        let keys = [key(KeyKind::Control, "b|DLC|2"), key(KeyKind::Isbn, "978")];
        let batch = [Some(Incoming { id: "new-1", keys: &keys })];
        let found = stored(&[(KeyKind::Isbn, "978", "volume-1")], &[("volume-1", "b|DLC|1")]);
        let decisions = decide_batch(&batch, &found, &settings(&ALL_RULES, OnMatch::Overlay));
        assert_eq!(decisions, vec![Some(Decision::New)]);
    }

    #[test]
    fn an_isbn_shared_with_a_record_from_another_source_matches() {
        let keys = [key(KeyKind::Control, "b|DLC|2"), key(KeyKind::Isbn, "978")];
        let batch = [Some(Incoming { id: "new-1", keys: &keys })];
        let found = stored(&[(KeyKind::Isbn, "978", "local")], &[("local", "b|KOHA|77")]);
        let decisions = decide_batch(&batch, &found, &settings(&ALL_RULES, OnMatch::Overlay));
        assert!(
            matches!(&decisions[0], Some(Decision::Overlay(found)) if found.record_id == "local")
        );
    }

    #[test]
    fn a_record_repeated_in_one_batch_matches_its_earlier_copy() {
        let keys = [key(KeyKind::Control, "b|DLC|1")];
        let batch = [
            Some(Incoming { id: "first", keys: &keys }),
            None,
            Some(Incoming { id: "second", keys: &keys }),
        ];
        let decisions =
            decide_batch(&batch, &Stored::default(), &settings(&ALL_RULES, OnMatch::Overlay));
        assert_eq!(decisions[0], Some(Decision::New));
        assert_eq!(decisions[1], None);
        assert_eq!(
            decisions[2],
            Some(Decision::Overlay(Match {
                record_id: "first".into(),
                earlier: Some(0),
                rule: MatchRule::ControlNumber
            }))
        );
    }

    #[test]
    fn a_later_copy_of_a_record_that_overlays_a_stored_one_overlays_the_stored_one() {
        let keys = [key(KeyKind::Control, "b|DLC|1")];
        let batch = [
            Some(Incoming { id: "first", keys: &keys }),
            Some(Incoming { id: "again", keys: &keys }),
        ];
        let found = stored(&[(KeyKind::Control, "b|DLC|1", "stored")], &[]);
        let decisions = decide_batch(&batch, &found, &settings(&ALL_RULES, OnMatch::Overlay));
        assert_eq!(
            decisions[1],
            Some(Decision::Overlay(Match {
                record_id: "stored".into(),
                earlier: Some(0),
                rule: MatchRule::ControlNumber
            }))
        );
    }

    #[test]
    fn a_skipped_record_does_not_stand_in_for_later_ones() {
        let keys = [key(KeyKind::Control, "b|DLC|1")];
        let batch = [
            Some(Incoming { id: "first", keys: &keys }),
            Some(Incoming { id: "again", keys: &keys }),
        ];
        let found = stored(&[(KeyKind::Control, "b|DLC|1", "stored")], &[]);
        let decisions = decide_batch(&batch, &found, &settings(&ALL_RULES, OnMatch::Skip));
        for decision in &decisions {
            assert!(matches!(decision, Some(Decision::Skip(found)) if found.record_id == "stored"));
        }
    }

    #[test]
    fn the_local_number_rule_compares_only_the_field_the_import_names() {
        let keys = [
            key(KeyKind::Local, "bibliographic|999c|86"),
            key(KeyKind::Local, "bibliographic|901c|7"),
        ];
        let batch = [Some(Incoming { id: "new-1", keys: &keys })];
        let found = stored(&[(KeyKind::Local, "bibliographic|901c|7", "evergreen-7")], &[]);
        let rules = [MatchRule::LocalNumber];
        let koha = MatchSettings::new(
            &rules,
            Some(crate::domain::parse_field_ref("999$c").unwrap()),
            OnMatch::Skip,
        );
        assert_eq!(decide_batch(&batch, &found, &koha), vec![Some(Decision::New)]);
        let evergreen = MatchSettings::new(
            &rules,
            Some(crate::domain::parse_field_ref("901$c").unwrap()),
            OnMatch::Skip,
        );
        assert!(
            matches!(&decide_batch(&batch, &found, &evergreen)[0], Some(Decision::Skip(found)) if found.record_id == "evergreen-7")
        );
        let unnamed = MatchSettings::new(&rules, None, OnMatch::Skip);
        assert_eq!(
            decide_batch(&batch, &found, &unnamed),
            vec![Some(Decision::New)],
            "no field named, no match"
        );
    }

    #[test]
    fn wanted_values_are_each_value_of_a_kind_once() {
        let first = [key(KeyKind::Isbn, "2"), key(KeyKind::Isbn, "1")];
        let second = [key(KeyKind::Isbn, "2"), key(KeyKind::System, "x")];
        let batch = [
            Some(Incoming { id: "a", keys: &first }),
            None,
            Some(Incoming { id: "b", keys: &second }),
        ];
        let all = settings(&ALL_RULES, OnMatch::Overlay);
        assert_eq!(wanted_values(&batch, &all, MatchRule::Isbn), vec!["1", "2"]);
        assert_eq!(wanted_values(&batch, &all, MatchRule::SystemNumber), vec!["x"]);
    }
}
