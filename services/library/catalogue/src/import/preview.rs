//! What a preview remembers of the file as it goes, and what it records per record. A
//! preview writes nothing to the catalogue, so a record that would be new in one batch is
//! not there for the next batch to match: the memory holds its keys (under a stand-in id
//! naming its position in the file) and the barcodes its items would claim, so later
//! records are decided as the import would decide them.

use std::collections::{HashMap, HashSet};

use crate::api::{DecisionOutcome, MatchRule};
use crate::domain::matching::{Decision, Stored, rule_kind};
use crate::domain::{KeyKind, MatchKey};
use crate::store::DecisionRow;

const STAND_IN: &str = "preview:";

/// Returns the stand-in id of the record at `position` of the file.
pub(super) fn stand_in(position: u64) -> String {
    format!("{STAND_IN}{position}")
}

/// Returns the file position a stand-in id names.
fn stand_in_position(id: &str) -> Option<u64> {
    id.strip_prefix(STAND_IN).and_then(|position| position.parse().ok())
}

/// The keys and barcodes of the records a preview has decided so far.
#[derive(Debug, Default)]
pub(super) struct PreviewMemory {
    holders: HashMap<(KeyKind, String), Vec<String>>,
    controls: HashMap<String, Vec<String>>,
    barcodes: HashSet<String>,
}

/// What one committed batch of a preview adds to the memory.
#[derive(Debug, Default)]
pub(super) struct Learned {
    /// Each record as it would be written (its stand-in or the id it overlays), with its keys.
    pub records: Vec<(String, Vec<MatchKey>)>,
    /// Barcodes its items would claim.
    pub barcodes: Vec<String>,
}

impl PreviewMemory {
    /// Adds what the memory holds for the values each rule looks up to what the
    /// catalogue holds, after it (the catalogue's records are older).
    pub(super) fn add_to(&self, stored: &mut Stored, wanted: &[(MatchRule, Vec<String>)]) {
        for (rule, values) in wanted {
            let kind = rule_kind(*rule);
            for value in values {
                let Some(ids) = self.holders.get(&(kind, value.clone())) else { continue };
                let holders = stored.holders.entry((kind, value.clone())).or_default();
                for id in ids {
                    if !holders.contains(id) {
                        holders.push(id.clone());
                    }
                    if let Some(controls) = self.controls.get(id) {
                        stored.controls.entry(id.clone()).or_default().extend(controls.clone());
                    }
                }
            }
        }
    }

    /// Returns true when an earlier batch's item would already claim `barcode`.
    pub(super) fn claims(&self, barcode: &str) -> bool {
        self.barcodes.contains(barcode)
    }

    /// Learns what a committed batch would write.
    pub(super) fn learn(&mut self, learned: Learned) {
        for (id, keys) in learned.records {
            for key in keys {
                if key.kind == KeyKind::Control {
                    self.controls.entry(id.clone()).or_default().push(key.value.clone());
                }
                let holders = self.holders.entry((key.kind, key.value)).or_default();
                if !holders.contains(&id) {
                    holders.push(id.clone());
                }
            }
        }
        self.barcodes.extend(learned.barcodes);
    }
}

/// The facts of one record a preview decided, for its decision row.
pub(super) struct Decided<'a> {
    /// The record's place in the file.
    pub position: u64,
    /// Where it starts, in bytes.
    pub byte_offset: u64,
    /// Its `001`.
    pub control_number: Option<String>,
    /// Its title.
    pub title: Option<String>,
    /// What was decided (`None` for a record that could not be read).
    pub decision: Option<&'a Decision>,
    /// The position in the file of the record it matched, when it matched one of the file.
    pub earlier_position: Option<u64>,
    /// Items it would add.
    pub items: i64,
}

impl Decided<'_> {
    /// Returns the decision row of this record in the preview `job_id`.
    pub(super) fn row(&self, job_id: &str) -> DecisionRow {
        let (outcome, found) = match self.decision {
            None => (DecisionOutcome::Failed, None),
            Some(Decision::New) => (DecisionOutcome::New, None),
            Some(Decision::Overlay(found)) => (DecisionOutcome::Overlay, Some(found)),
            Some(Decision::Skip(found)) => (DecisionOutcome::Skip, Some(found)),
        };
        let stand_in = found.and_then(|found| stand_in_position(&found.record_id));
        let matched_position = stand_in.or(self.earlier_position);
        let matched_record_id =
            found.filter(|_| matched_position.is_none()).map(|found| found.record_id.clone());
        DecisionRow {
            job_id: job_id.to_string(),
            position: i64::try_from(self.position).unwrap_or(i64::MAX),
            byte_offset: i64::try_from(self.byte_offset).unwrap_or(i64::MAX),
            control_number: self.control_number.clone(),
            title: self.title.clone(),
            outcome,
            rule: found.map(|found| found.rule.as_str().to_string()),
            matched_record_id,
            matched_position: matched_position
                .map(|position| i64::try_from(position).unwrap_or(i64::MAX)),
            items: self.items,
        }
    }
}
