//! How embedded holdings fields become items. A tenant's item mappings say which field is
//! one item and where each property is found; the defaults understand Koha's 952 and the
//! MARC holdings convention of an 852 location with 876 item fields.

use athenaeum_marc::{DataField, Record};

use crate::api::{ItemMapping, ItemStatus};
use crate::domain::values::parse_price;

/// Where a property is found: a tag and the subfield codes whose values are joined.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldRef {
    /// The field's tag, e.g. `952`.
    pub tag: String,
    /// The subfield codes, e.g. `['h', 'i']`.
    pub codes: Vec<char>,
}

/// Parses `TAG$codes`, e.g. `952$p` or `852$hi`.
pub fn parse_field_ref(text: &str) -> Result<FieldRef, String> {
    let text = text.trim();
    let Some((tag, codes)) = text.split_once('$') else {
        return Err(format!("{text:?} is not of the form TAG$codes, e.g. 952$p"));
    };
    if tag.len() != 3 || !tag.bytes().all(|byte| byte.is_ascii_alphanumeric()) {
        return Err(format!("{text:?} does not start with a three-character tag"));
    }
    if tag.starts_with("00") {
        return Err(format!("{text:?} names a control field, which has no subfields"));
    }
    let codes: Vec<char> = codes.chars().collect();
    if codes.is_empty() || !codes.iter().all(char::is_ascii_alphanumeric) {
        return Err(format!("{text:?} names no subfield codes (letters or digits after '$')"));
    }
    Ok(FieldRef { tag: tag.to_string(), codes })
}

/// The item mappings a tenant starts with: Koha's 952, then 852 + 876.
pub fn default_item_mappings() -> Vec<ItemMapping> {
    let koha = ItemMapping {
        item_tag: "952".into(),
        barcode: "952$p".into(),
        branch: "952$a".into(),
        location: Some("952$c".into()),
        call_number: Some("952$o".into()),
        material_type: Some("952$y".into()),
        loan_type: None,
        copy_number: Some("952$t".into()),
        volume: Some("952$h".into()),
        price: Some("952$v".into()),
        public_note: Some("952$z".into()),
        staff_note: Some("952$x".into()),
        not_for_loan: Some("952$7".into()),
        lost: Some("952$1".into()),
        withdrawn: Some("952$0".into()),
        status: None,
    };
    let holdings = ItemMapping {
        item_tag: "876".into(),
        barcode: "876$p".into(),
        branch: "852$b".into(),
        location: Some("852$c".into()),
        call_number: Some("852$khim".into()),
        material_type: None,
        loan_type: None,
        copy_number: Some("876$t".into()),
        volume: Some("876$3".into()),
        price: Some("876$c".into()),
        public_note: Some("852$z".into()),
        staff_note: Some("852$x".into()),
        not_for_loan: None,
        lost: None,
        withdrawn: None,
        status: Some("876$j".into()),
    };
    vec![koha, holdings]
}

/// Checks every reference of a mapping; returns the first problem in plain words.
pub fn check_mapping(mapping: &ItemMapping) -> Result<(), String> {
    if mapping.item_tag.len() != 3 || mapping.item_tag.starts_with("00") {
        return Err(format!("itemTag {:?} must be a data field tag such as 952", mapping.item_tag));
    }
    for (name, reference) in mapping_refs(mapping) {
        if let Some(reference) = reference {
            parse_field_ref(reference).map_err(|problem| format!("{name}: {problem}"))?;
        }
    }
    Ok(())
}

fn mapping_refs(mapping: &ItemMapping) -> [(&'static str, Option<&String>); 15] {
    [
        ("barcode", Some(&mapping.barcode)),
        ("branch", Some(&mapping.branch)),
        ("location", mapping.location.as_ref()),
        ("callNumber", mapping.call_number.as_ref()),
        ("materialType", mapping.material_type.as_ref()),
        ("loanType", mapping.loan_type.as_ref()),
        ("copyNumber", mapping.copy_number.as_ref()),
        ("volume", mapping.volume.as_ref()),
        ("price", mapping.price.as_ref()),
        ("publicNote", mapping.public_note.as_ref()),
        ("staffNote", mapping.staff_note.as_ref()),
        ("notForLoan", mapping.not_for_loan.as_ref()),
        ("lost", mapping.lost.as_ref()),
        ("withdrawn", mapping.withdrawn.as_ref()),
        ("status", mapping.status.as_ref()),
    ]
}

/// An item found in a record's holdings fields, before codes are resolved to ids.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EmbeddedItem {
    /// Barcode.
    pub barcode: String,
    /// Owning branch code.
    pub branch: String,
    /// Shelving location code.
    pub location: Option<String>,
    /// Call number.
    pub call_number: Option<String>,
    /// Material type code.
    pub material_type: Option<String>,
    /// Loan type code.
    pub loan_type: Option<String>,
    /// Copy number.
    pub copy_number: Option<String>,
    /// Volume.
    pub volume: Option<String>,
    /// Price in minor units.
    pub price_minor: Option<i64>,
    /// Public note.
    pub public_note: Option<String>,
    /// Staff note.
    pub staff_note: Option<String>,
    /// Status.
    pub status: ItemStatus,
    /// Problems repaired (the item is kept), in plain words.
    pub warnings: Vec<String>,
}

/// Finds the items a record's holdings fields describe, with the first mapping whose item
/// tag the record has. Each entry is an item, or why that field could not be one.
pub fn embedded_items(
    record: &Record,
    mappings: &[ItemMapping],
) -> Vec<Result<EmbeddedItem, String>> {
    let Some(mapping) =
        mappings.iter().find(|mapping| record.data_fields(&mapping.item_tag).next().is_some())
    else {
        return Vec::new();
    };
    let fields: Vec<&DataField> = record.all_data_fields().collect();
    let mut found = Vec::new();
    let mut ordinal = 0;
    for (index, field) in fields.iter().enumerate() {
        if field.tag.as_str() != mapping.item_tag {
            continue;
        }
        ordinal += 1;
        found.push(item_from_field(mapping, &fields, index, ordinal));
    }
    found
}

fn item_from_field(
    mapping: &ItemMapping,
    fields: &[&DataField],
    index: usize,
    ordinal: usize,
) -> Result<EmbeddedItem, String> {
    let value = |reference: Option<&String>| -> Option<String> {
        let reference = parse_field_ref(reference?).ok()?;
        let field = source_field(&reference.tag, mapping, fields, index)?;
        let text = field
            .subfields
            .iter()
            .filter(|subfield| reference.codes.contains(&subfield.code))
            .map(|subfield| subfield.value.trim())
            .filter(|value| !value.is_empty())
            .collect::<Vec<_>>()
            .join(" ");
        (!text.is_empty()).then_some(text)
    };
    let which = format!("{} #{ordinal}", mapping.item_tag);
    let barcode = value(Some(&mapping.barcode))
        .ok_or_else(|| format!("item field {which} has no barcode ({})", mapping.barcode))?;
    if barcode.chars().count() > 64 || barcode.chars().any(char::is_control) {
        return Err(format!("item field {which} has an unusable barcode {barcode:?}"));
    }
    let branch = value(Some(&mapping.branch)).ok_or_else(|| {
        format!("item {barcode} ({which}) names no owning branch ({})", mapping.branch)
    })?;
    let mut warnings = Vec::new();
    let price_minor = match value(mapping.price.as_ref()) {
        Some(text) => {
            let parsed = parse_price(&text);
            if parsed.is_none() {
                warnings
                    .push(format!("item {barcode}: price {text:?} is not an amount; left empty"));
            }
            parsed
        }
        None => None,
    };
    let flag = |reference: Option<&String>| -> i64 {
        value(reference).and_then(|text| text.trim().parse::<i64>().ok()).unwrap_or(0)
    };
    let not_for_loan = flag(mapping.not_for_loan.as_ref());
    let mut status = ItemStatus::Available;
    if let Some(word) = value(mapping.status.as_ref()) {
        match status_from_word(&word) {
            Some(found) => status = found,
            None => warnings.push(format!(
                "item {barcode}: status {word:?} is not one Athenaeum knows; imported as available"
            )),
        }
    }
    if not_for_loan < 0 {
        status = ItemStatus::InProcessing;
    }
    if flag(mapping.lost.as_ref()) != 0 {
        status = ItemStatus::Lost;
    }
    if flag(mapping.withdrawn.as_ref()) != 0 {
        status = ItemStatus::Withdrawn;
    }
    let mut loan_type = value(mapping.loan_type.as_ref());
    if loan_type.is_none() && not_for_loan > 0 {
        loan_type = Some("not-for-loan".to_string());
    }
    Ok(EmbeddedItem {
        barcode,
        branch,
        location: value(mapping.location.as_ref()),
        call_number: value(mapping.call_number.as_ref()),
        material_type: value(mapping.material_type.as_ref()),
        loan_type,
        copy_number: value(mapping.copy_number.as_ref()),
        volume: value(mapping.volume.as_ref()),
        price_minor,
        public_note: value(mapping.public_note.as_ref()),
        staff_note: value(mapping.staff_note.as_ref()),
        status,
        warnings,
    })
}

/// The field a property comes from: the item field itself, or the location field linked
/// to it by `$8` (same link number), else the nearest one before it, else the first.
fn source_field<'a>(
    tag: &str,
    mapping: &ItemMapping,
    fields: &[&'a DataField],
    index: usize,
) -> Option<&'a DataField> {
    let item = fields[index];
    if tag == mapping.item_tag {
        return Some(item);
    }
    let link = |field: &DataField| -> Option<String> {
        field.first('8').map(|value| value.split('.').next().unwrap_or(value).trim().to_string())
    };
    if let Some(item_link) = link(item)
        && let Some(linked) = fields
            .iter()
            .find(|field| field.tag.as_str() == tag && link(field).as_ref() == Some(&item_link))
    {
        return Some(linked);
    }
    fields[..index]
        .iter()
        .rev()
        .find(|field| field.tag.as_str() == tag)
        .or_else(|| fields.iter().find(|field| field.tag.as_str() == tag))
        .copied()
}

fn status_from_word(word: &str) -> Option<ItemStatus> {
    let word = word.trim().to_lowercase();
    let status = match word.as_str() {
        "available" | "on shelf" | "in" | "checked in" | "0" => ItemStatus::Available,
        "missing" => ItemStatus::Missing,
        "lost" | "long overdue" => ItemStatus::Lost,
        "withdrawn" | "discarded" | "deleted" => ItemStatus::Withdrawn,
        "on order" | "in process" | "in processing" | "processing" | "cataloguing"
        | "cataloging" | "damaged" | "in repair" | "mending" => ItemStatus::InProcessing,
        "in transit" => ItemStatus::InTransit,
        _ => return None,
    };
    Some(status)
}

#[cfg(test)]
mod tests {
    use athenaeum_marc::{Field, Subfield, Tag};

    use super::*;

    fn field(tag: &str, subfields: &[(char, &str)]) -> Field {
        Field::Data(DataField {
            tag: Tag::parse(tag).unwrap(),
            ind1: ' ',
            ind2: ' ',
            subfields: subfields
                .iter()
                .map(|(code, value)| Subfield { code: *code, value: value.to_string() })
                .collect(),
        })
    }

    #[test]
    fn koha_952_fields_become_items_with_their_flags() {
        let record = Record {
            fields: vec![
                field("245", &[('a', "Title")]),
                field(
                    "952",
                    &[
                        ('a', "CPL"),
                        ('p', "3999900000001"),
                        ('y', "BK"),
                        ('o', "823 AUS"),
                        ('v', "12.99"),
                    ],
                ),
                field("952", &[('a', "MPL"), ('p', "3999900000002"), ('1', "1")]),
                field("952", &[('a', "MPL"), ('7', "1"), ('p', "3999900000003")]),
                field("952", &[('a', "MPL")]),
            ],
            ..Record::default()
        };
        let items = embedded_items(&record, &default_item_mappings());
        assert_eq!(items.len(), 4);
        let first = items[0].as_ref().unwrap();
        assert_eq!(first.barcode, "3999900000001");
        assert_eq!(first.branch, "CPL");
        assert_eq!(first.material_type.as_deref(), Some("BK"));
        assert_eq!(first.call_number.as_deref(), Some("823 AUS"));
        assert_eq!(first.price_minor, Some(1299));
        assert_eq!(first.status, ItemStatus::Available);
        assert_eq!(items[1].as_ref().unwrap().status, ItemStatus::Lost);
        assert_eq!(items[2].as_ref().unwrap().loan_type.as_deref(), Some("not-for-loan"));
        assert!(items[3].as_ref().unwrap_err().contains("no barcode"));
    }

    #[test]
    fn items_in_876_take_branch_and_call_number_from_the_linked_852() {
        let record = Record {
            fields: vec![
                field("852", &[('8', "1"), ('b', "MAIN"), ('h', "QA76"), ('i', ".K5")]),
                field("852", &[('8', "2"), ('b', "EAST"), ('h', "PR4034")]),
                field("876", &[('8', "2.1"), ('p', "B2"), ('j', "missing")]),
                field("876", &[('8', "1.1"), ('p', "B1")]),
            ],
            ..Record::default()
        };
        let items = embedded_items(&record, &default_item_mappings());
        let items: Vec<EmbeddedItem> = items.into_iter().map(Result::unwrap).collect();
        assert_eq!(items[0].branch, "EAST");
        assert_eq!(items[0].status, ItemStatus::Missing);
        assert_eq!(items[1].branch, "MAIN");
        assert_eq!(items[1].call_number.as_deref(), Some("QA76 .K5"));
    }

    #[test]
    fn field_references_are_checked() {
        assert_eq!(parse_field_ref("852$hi").unwrap().codes, vec!['h', 'i']);
        assert!(parse_field_ref("952p").is_err());
        assert!(parse_field_ref("001$a").is_err());
        assert!(parse_field_ref("95$a").is_err());
    }
}
