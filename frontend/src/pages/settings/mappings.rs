//! How embedded holdings fields of imported records become items: the mappings shown
//! as one group of fields each, edited, removed and added (a few empty groups stand
//! for new ones, so no script is needed), saved whole through `setItemMappings`.

use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use serde::Deserialize;
use serde_json::{Map, Value, json};

use super::{Admin, Posted};
use crate::Web;
use crate::frame::{Field, Frame, Problem};

pub(super) fn routes(config: &mut web::ServiceConfig) {
    config
        .route("/{library}/staff/settings/item-mappings", web::get().to(mappings_form))
        .route("/{library}/staff/settings/item-mappings", web::post().to(save_mappings));
}

const MAPPINGS: &str = include_str!("../../../templates/settings/item-mappings.graphql");
const SET_MAPPINGS: &str = include_str!("../../../templates/settings/set-item-mappings.graphql");

/// Empty groups offered for new mappings.
const NEW_ROWS: usize = 2;

/// At most this many groups are read from a posted form.
const MOST_ROWS: usize = 60;

/// Each detail of a mapping: its API name, its label, and whether it must be given.
const DETAILS: &[(&str, &str, bool)] = &[
    ("itemTag", "Item field tag", true),
    ("barcode", "Barcode", true),
    ("branch", "Branch code", true),
    ("location", "Shelving location code", false),
    ("callNumber", "Call number", false),
    ("materialType", "Material type code", false),
    ("loanType", "Loan type code", false),
    ("copyNumber", "Copy number", false),
    ("volume", "Volume or part", false),
    ("price", "Replacement price", false),
    ("publicNote", "Public note", false),
    ("staffNote", "Staff note", false),
    ("notForLoan", "Not-for-loan flag", false),
    ("lost", "Lost flag", false),
    ("withdrawn", "Withdrawn flag", false),
    ("status", "Status word", false),
];

/// A form field's id: the group's number and the detail's name.
fn field_id(row: usize, detail: &str) -> String {
    format!("m{row}-{detail}")
}

/// One group of fields on the page.
struct MappingRow {
    index: usize,
    legend: String,
    existing: bool,
    remove: bool,
    fields: Vec<Field>,
}

#[derive(Template)]
#[template(path = "settings/item-mappings.html")]
struct MappingsPage {
    frame: Frame,
    rows: Vec<MappingRow>,
}

/// The page: `existing` groups (filled from `frame.values`), then the empty ones.
fn mappings_page(frame: Frame, existing: usize, removed: &[usize]) -> MappingsPage {
    let rows = (0..existing + NEW_ROWS)
        .map(|index| MappingRow {
            index,
            legend: if index < existing {
                format!("Mapping {}", index + 1)
            } else {
                format!("Mapping {} (new)", index + 1)
            },
            existing: index < existing,
            remove: removed.contains(&index),
            fields: DETAILS
                .iter()
                .map(|(name, label, _)| frame.field(&field_id(index, name), label))
                .collect(),
        })
        .collect();
    MappingsPage { frame, rows }
}

async fn mappings_form(
    request: HttpRequest,
    web: web::Data<Web>,
    slug: web::Path<String>,
) -> HttpResponse {
    #[derive(Deserialize)]
    #[serde(rename_all = "camelCase")]
    struct Settings {
        item_mappings: Vec<Map<String, Value>>,
    }
    #[derive(Deserialize)]
    #[serde(rename_all = "camelCase")]
    struct Data {
        catalogue_settings: Settings,
    }
    let admin = match Admin::enter(request, web, &slug).await {
        Ok(admin) => admin,
        Err(response) => return response,
    };
    let data = match admin.ctx.run::<Data>(MAPPINGS, json!({})).await {
        Ok(data) => data,
        Err(error) => return admin.failed(&error),
    };
    let mut frame = admin.frame("Item mappings for imports");
    let mappings = data.catalogue_settings.item_mappings;
    for (index, mapping) in mappings.iter().enumerate() {
        for (name, _, _) in DETAILS {
            if let Some(Value::String(value)) = mapping.get(*name) {
                frame.values.insert(field_id(index, name), value.clone());
            }
        }
    }
    admin.ctx.page(&mappings_page(frame, mappings.len(), &[]))
}

/// The mappings a posted form gives, each with the group it came from; removed and
/// empty groups are left out. Problems name the field to put right.
fn read_mappings(posted: &Posted) -> (Vec<(usize, Value)>, Vec<Problem>) {
    let rows = posted.get("rows").parse::<usize>().unwrap_or(0).min(MOST_ROWS);
    let mut mappings = Vec::new();
    let mut problems = Vec::new();
    for index in 0..rows {
        if posted.checked("remove", &index.to_string()) {
            continue;
        }
        let values: Vec<(&str, &str, bool)> = DETAILS
            .iter()
            .map(|(name, _, required)| (*name, posted.get(&field_id(index, name)), *required))
            .collect();
        if values.iter().all(|(_, value, _)| value.is_empty()) {
            continue;
        }
        let mut mapping = Map::new();
        for (name, value, required) in values {
            if value.is_empty() {
                if required {
                    problems.push(Problem {
                        field: Some(field_id(index, name)),
                        message: format!(
                            "Enter the {} of mapping {}.",
                            required_name(name),
                            index + 1
                        ),
                    });
                }
            } else {
                mapping.insert(name.to_string(), Value::String(value.to_string()));
            }
        }
        mappings.push((index, Value::Object(mapping)));
    }
    (mappings, problems)
}

fn required_name(detail: &str) -> &'static str {
    match detail {
        "itemTag" => "item field",
        "barcode" => "barcode subfield",
        _ => "branch code subfield",
    }
}

/// The form field an API refusal is about: `itemMappings[k]` names the k-th mapping
/// sent, and its message starts with the detail's name when it is about one.
fn refused_field(api_field: &str, message: &str, sent: &[usize]) -> Option<String> {
    let position =
        api_field.strip_prefix("itemMappings[")?.strip_suffix(']')?.parse::<usize>().ok()?;
    let row = *sent.get(position)?;
    let detail = DETAILS
        .iter()
        .map(|(name, _, _)| *name)
        .find(|name| {
            message.starts_with(&format!("{name}:")) || message.starts_with(&format!("{name} "))
        })
        .unwrap_or("itemTag");
    Some(field_id(row, detail))
}

async fn save_mappings(
    request: HttpRequest,
    web: web::Data<Web>,
    slug: web::Path<String>,
    body: web::Bytes,
) -> HttpResponse {
    let (admin, posted) = match Admin::post(request, web, &slug, &body).await {
        Ok(entered) => entered,
        Err(response) => return response,
    };
    let mut frame = admin.frame("Item mappings for imports");
    frame.values = posted.kept();
    let (mappings, problems) = read_mappings(&posted);
    frame.problems = problems;
    if frame.problems.is_empty() {
        let sent: Vec<usize> = mappings.iter().map(|(row, _)| *row).collect();
        let list: Vec<&Value> = mappings.iter().map(|(_, mapping)| mapping).collect();
        match admin.ctx.run::<Value>(SET_MAPPINGS, json!({ "mappings": list })).await {
            Ok(_) => return admin.ctx.redirect(&admin.address("?notice=saved")),
            Err(error) if error.is_about_input() => {
                for problem in &error.problems {
                    frame.problems.push(Problem {
                        field: problem
                            .field
                            .as_deref()
                            .and_then(|field| refused_field(field, &problem.message, &sent)),
                        message: crate::frame::sentence(&problem.message),
                    });
                }
            }
            Err(error) => return admin.failed(&error),
        }
    }
    // The groups come back as they were posted, the empty ones for new mappings after.
    let rows = posted.get("rows").parse::<usize>().unwrap_or(0).min(MOST_ROWS);
    let existing = rows.saturating_sub(NEW_ROWS).max(last_filled(&posted, rows));
    let removed: Vec<usize> =
        (0..rows).filter(|index| posted.checked("remove", &index.to_string())).collect();
    admin.ctx.page(&mappings_page(frame, existing, &removed))
}

/// One past the last group that has something typed in it.
fn last_filled(posted: &Posted, rows: usize) -> usize {
    (0..rows)
        .rev()
        .find(|index| {
            DETAILS.iter().any(|(name, _, _)| !posted.get(&field_id(*index, name)).is_empty())
        })
        .map_or(0, |index| index + 1)
}

#[cfg(test)]
mod tests {
    use super::{Posted, read_mappings, refused_field};

    fn posted(body: &str) -> Posted {
        Posted::parse(body.as_bytes())
    }

    #[test]
    fn filled_groups_become_mappings_and_removed_or_empty_ones_are_left_out() {
        let form = posted(
            "rows=4&m0-itemTag=952&m0-barcode=952%24p&m0-branch=952%24a&m0-callNumber=952%24o\
             &m1-itemTag=876&m1-barcode=876%24p&m1-branch=852%24b&remove=1\
             &m2-itemTag=&m3-itemTag=949&m3-barcode=949%24i&m3-branch=949%24a",
        );
        let (mappings, problems) = read_mappings(&form);
        assert!(problems.is_empty(), "{problems:?}");
        let rows: Vec<usize> = mappings.iter().map(|(row, _)| *row).collect();
        assert_eq!(rows, [0, 3]);
        assert_eq!(mappings[0].1["callNumber"], "952$o");
        assert!(mappings[0].1.get("location").is_none());
    }

    #[test]
    fn a_group_without_its_field_barcode_or_branch_names_what_is_missing() {
        let (_, problems) = read_mappings(&posted("rows=1&m0-itemTag=952&m0-location=952%24c"));
        let fields: Vec<_> = problems.iter().filter_map(|problem| problem.field.clone()).collect();
        assert_eq!(fields, ["m0-barcode", "m0-branch"]);
    }

    #[test]
    fn a_refusal_of_the_kth_mapping_sent_points_at_its_group_and_detail() {
        let sent = [0, 3];
        assert_eq!(
            refused_field("itemMappings[1]", "barcode: \"9\" is not a subfield", &sent).as_deref(),
            Some("m3-barcode")
        );
        assert_eq!(
            refused_field("itemMappings[0]", "itemTag \"9\" must be a data field tag", &sent)
                .as_deref(),
            Some("m0-itemTag")
        );
        assert_eq!(refused_field("itemMappings[5]", "x", &sent), None);
    }
}
