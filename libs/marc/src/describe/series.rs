//! The series a resource belongs to: as transcribed (490, and the obsolete 440) and as
//! controlled by series added entries (800, 810, 811, 830).

use serde::{Deserialize, Serialize};

use super::text::{join_subfields, non_empty, normalise_words};
use crate::{DataField, Record};

/// A series statement or series added entry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Series {
    /// The series title; for 800/810/811 the name and title, e.g. "Dickens, Charles,
    /// 1812-1870. Works".
    pub title: String,
    /// The volume or number within the series (`$v`), e.g. "no. 46".
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub volume: Option<String>,
    /// The series ISSN (`$x`) as given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub issn: Option<String>,
    /// The field it came from, e.g. `490` or `830`.
    pub tag: String,
}

fn title_codes(tag: [u8; 3]) -> Option<&'static str> {
    match &tag {
        b"490" => Some("a"),
        b"440" | b"830" => Some("anpst"),
        b"800" => Some("abcdqtnpkls"),
        b"810" => Some("abcdgntpkls"),
        b"811" => Some("acdegnqtpkls"),
        _ => None,
    }
}

fn series_of(field: &DataField, codes: &str) -> Option<Series> {
    let title = join_subfields(
        field
            .subfields
            .iter()
            .filter(|subfield| codes.contains(subfield.code))
            .map(|subfield| (subfield.code, subfield.value.as_str())),
        |_, code| if code == 't' || code == 'n' || code == 'p' { ". " } else { " " },
    );
    if title.is_empty() {
        return None;
    }
    Some(Series {
        title,
        volume: non_empty(&field.joined("v")),
        issn: field.first('x').and_then(non_empty),
        tag: field.tag.as_str().to_string(),
    })
}

/// Reads series statements and series added entries in record order; a series whose
/// title and volume repeat an earlier one (a 440 and its 830) is listed once.
pub(crate) fn series(record: &Record) -> Vec<Series> {
    let mut series: Vec<Series> = Vec::new();
    for field in record.all_data_fields() {
        let Some(codes) = title_codes(field.tag.as_bytes()) else {
            continue;
        };
        let Some(candidate) = series_of(field, codes) else {
            continue;
        };
        let key =
            (normalise_words(&candidate.title), candidate.volume.as_deref().map(normalise_words));
        let repeated = series.iter().any(|existing| {
            (normalise_words(&existing.title), existing.volume.as_deref().map(normalise_words))
                == key
        });
        if !repeated {
            series.push(candidate);
        }
    }
    series
}
