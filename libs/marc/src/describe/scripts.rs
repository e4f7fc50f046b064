//! Alternate graphic representations (880): the same field written in another script,
//! so a Hebrew, Cyrillic or CJK title or name is findable in its own script.

use serde::{Deserialize, Serialize};

use super::fields_tagged;
use crate::Record;

/// A field given in another script (880).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AlternateScript {
    /// The tag of the field it is another form of, e.g. `245`.
    pub tag: String,
    /// The occurrence number linking it to that field, e.g. "01"; "00" when the 880 has
    /// no counterpart.
    pub occurrence: String,
    /// The script, from the code in `$6`: "arabic", "cjk", "cyrillic", "greek",
    /// "hebrew", "latin", or the code as given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub script: Option<String>,
    /// True when `$6` marks the text as written right to left.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub right_to_left: bool,
    /// The field's lettered subfields joined by spaces.
    pub text: String,
}

fn script_name(code: &str) -> String {
    match code {
        "(3" => "arabic",
        "(B" => "latin",
        "$1" => "cjk",
        "(N" => "cyrillic",
        "(S" => "greek",
        "(2" => "hebrew",
        other => other,
    }
    .to_string()
}

/// Reads every 880 that says which field it belongs to.
pub(crate) fn alternate_scripts(record: &Record) -> Vec<AlternateScript> {
    fields_tagged(record, b"880")
        .filter_map(|field| {
            let (tag, occurrence) = field.linkage()?;
            let link = field.first('6').unwrap_or_default();
            let mut parts = link.split('/').skip(1);
            let script =
                parts.next().map(str::trim).filter(|code| !code.is_empty()).map(script_name);
            let right_to_left = parts.any(|part| part.trim() == "r");
            let mut text = String::new();
            for value in field
                .subfields
                .iter()
                .filter(|subfield| subfield.code.is_ascii_alphabetic())
                .map(|subfield| subfield.value.trim())
                .filter(|value| !value.is_empty())
            {
                if !text.is_empty() {
                    text.push(' ');
                }
                text.push_str(value);
            }
            if text.is_empty() {
                return None;
            }
            Some(AlternateScript {
                tag: tag.to_string(),
                occurrence: occurrence.to_string(),
                script,
                right_to_left,
                text,
            })
        })
        .collect()
}
