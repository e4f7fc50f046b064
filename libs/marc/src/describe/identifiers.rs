//! The numbers a record is found and matched by: ISBN, ISSN, LCCN, OCLC and other
//! system numbers, and the record's own control number. Numbers are checked and
//! normalised here; invalid ones are kept apart, never dropped silently.

use serde::{Deserialize, Serialize};

use super::control_value;
use super::isbn::{Isbn, compact_isbn, parse_isbn, parse_issn};
use super::text::push_unique;
use crate::Record;

/// The identifiers of a record.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Identifiers {
    /// Valid ISBNs (020 `$a`), each in its 13- and (where one exists) 10-digit form,
    /// without repeats.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub isbns: Vec<Isbn>,
    /// ISBNs that are not valid: cancelled or invalid ones (020 `$z`) and `$a` values
    /// whose check digit is wrong, compacted (no hyphens, no qualifier) but otherwise as
    /// given, e.g. "978184533213X".
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub invalid_isbns: Vec<String>,
    /// Valid ISSNs (022 `$a`) as `NNNN-NNNC`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub issns: Vec<String>,
    /// Valid linking ISSNs (022 `$l`), which tie together the media versions of a serial.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub linking_issns: Vec<String>,
    /// ISSNs that are not valid: incorrect or cancelled ones (022 `$y`, `$z`, `$m`) and
    /// `$a` values whose check digit is wrong, as given.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub invalid_issns: Vec<String>,
    /// The Library of Congress control number (010 `$a`), normalised as LC prescribes:
    /// blanks removed, a revision suffix after "/" dropped, and after a hyphen the serial
    /// part zero-padded to six digits, e.g. "sc83003257", "2001000002".
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lccn: Option<String>,
    /// OCLC numbers without prefix or leading zeros, from 035 `$a` "(OCoLC)…" (with or
    /// without the ocm/ocn/on prefixes) and from an 001 that carries an ocm/ocn/on prefix
    /// or whose 003 is "OCoLC".
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub oclc_numbers: Vec<String>,
    /// Other system numbers (035 `$a` not from OCLC) exactly as given, e.g.
    /// "(PkLaDAR)".
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub system_numbers: Vec<String>,
    /// The record's control number (001), trimmed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub control_number: Option<String>,
    /// The organisation whose control number it is (003), e.g. "DLC".
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub control_number_source: Option<String>,
}

/// Reads every identifier of `record`.
pub(crate) fn identifiers(record: &Record) -> Identifiers {
    let mut identifiers = Identifiers {
        control_number: control_number(record).map(String::from),
        control_number_source: control_value(record, b"003")
            .map(str::trim)
            .filter(|value| !value.is_empty())
            .map(String::from),
        ..Identifiers::default()
    };
    for field in record.all_data_fields() {
        match &field.tag.as_bytes() {
            b"010" if identifiers.lccn.is_none() => {
                identifiers.lccn = field.first('a').and_then(normalise_lccn);
            }
            b"020" => {
                for subfield in &field.subfields {
                    match subfield.code {
                        'a' => match parse_isbn(&subfield.value) {
                            Some(isbn) => {
                                if !identifiers
                                    .isbns
                                    .iter()
                                    .any(|known| known.isbn13 == isbn.isbn13)
                                {
                                    identifiers.isbns.push(isbn);
                                }
                            }
                            None => push_unique(
                                &mut identifiers.invalid_isbns,
                                invalid_isbn(&subfield.value),
                            ),
                        },
                        'z' => push_unique(
                            &mut identifiers.invalid_isbns,
                            invalid_isbn(&subfield.value),
                        ),
                        _ => {}
                    }
                }
            }
            b"022" => {
                for subfield in &field.subfields {
                    let value = subfield.value.trim();
                    match subfield.code {
                        'a' => match parse_issn(value) {
                            Some(issn) => push_unique(&mut identifiers.issns, issn),
                            None => push_unique(&mut identifiers.invalid_issns, value.to_string()),
                        },
                        'l' => match parse_issn(value) {
                            Some(issn) => push_unique(&mut identifiers.linking_issns, issn),
                            None => push_unique(&mut identifiers.invalid_issns, value.to_string()),
                        },
                        'm' | 'y' | 'z' => {
                            push_unique(&mut identifiers.invalid_issns, value.to_string());
                        }
                        _ => {}
                    }
                }
            }
            b"035" => {
                for value in field.all('a') {
                    match oclc_number(value) {
                        Some(number) => push_unique(&mut identifiers.oclc_numbers, number),
                        None => {
                            push_unique(&mut identifiers.system_numbers, value.trim().to_string());
                        }
                    }
                }
            }
            _ => {}
        }
    }
    if let Some(control_number) = control_number(record) {
        let from_oclc =
            control_value(record, b"003").is_some_and(|source| source.trim() == "OCoLC");
        let number = strip_oclc_prefix(control_number)
            .or_else(|| from_oclc.then(|| digits_without_leading_zeros(control_number)).flatten());
        if let Some(number) = number {
            push_unique(&mut identifiers.oclc_numbers, number);
        }
    }
    identifiers
}

/// Returns the control number (001), trimmed, when it is not empty.
fn control_number(record: &Record) -> Option<&str> {
    control_value(record, b"001").map(str::trim).filter(|value| !value.is_empty())
}

/// Returns an invalid ISBN compacted for keeping: the ten or thirteen characters of the
/// number it starts with when there are that many ("0440487331pbk." → "0440487331"),
/// else its first word without hyphens ("HL00361126 :" → "HL00361126").
fn invalid_isbn(value: &str) -> String {
    let unbracketed = value.trim().trim_start_matches('(');
    if let Some(compact) =
        compact_isbn(unbracketed).filter(|compact| matches!(compact.len(), 10 | 13))
    {
        return compact;
    }
    let word = unbracketed
        .split_whitespace()
        .next()
        .unwrap_or_default()
        .trim_matches(|character: char| matches!(character, '(' | ')' | ':' | ';' | ','));
    word.chars().filter(|character| *character != '-').collect()
}

/// Returns the OCLC number in a 035 `$a`, or `None` when it is not one: "(OCoLC)"
/// followed by digits after an optional letter prefix ("ocm", "ocn", "on", and stray
/// ones such as "cis"), or a bare "ocm…"/"ocn…"/"on…" number.
fn oclc_number(value: &str) -> Option<String> {
    let value = value.trim();
    match value.strip_prefix("(OCoLC)") {
        Some(rest) => digits_without_leading_zeros(
            rest.trim().trim_start_matches(|character: char| character.is_ascii_alphabetic()),
        ),
        None => strip_oclc_prefix(value),
    }
}

/// Returns the number after an ocm/ocn/on prefix.
fn strip_oclc_prefix(value: &str) -> Option<String> {
    let value = value.trim();
    let digits = ["ocm", "ocn", "on"].iter().find_map(|prefix| value.strip_prefix(prefix))?;
    digits_without_leading_zeros(digits.trim())
}

/// Returns `value` without leading zeros when it is all digits.
fn digits_without_leading_zeros(value: &str) -> Option<String> {
    let value = value.trim();
    if value.is_empty() || !value.bytes().all(|byte| byte.is_ascii_digit()) {
        return None;
    }
    let trimmed = value.trim_start_matches('0');
    Some(if trimmed.is_empty() { "0".to_string() } else { trimmed.to_string() })
}

/// Returns an LCCN normalised as the Library of Congress prescribes, or `None` when
/// nothing is left.
pub fn normalise_lccn(value: &str) -> Option<String> {
    // An LCCN is ASCII letters, digits and the separators LC allows; anything else
    // (blanks, stray marks left by character-set conversion) is noise.
    let without_blanks: String = value
        .chars()
        .filter(|character| character.is_ascii_alphanumeric() || matches!(character, '-' | '/'))
        .collect();
    let before_revision = without_blanks.split('/').next().unwrap_or_default();
    let normalised = match before_revision.split_once('-') {
        Some((prefix, serial))
            if serial.bytes().all(|byte| byte.is_ascii_digit()) && serial.len() <= 6 =>
        {
            format!("{prefix}{serial:0>6}")
        }
        _ => before_revision.replace('-', ""),
    };
    (!normalised.is_empty()).then(|| normalised.to_lowercase())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lccn_is_normalised_as_lc_prescribes() {
        assert_eq!(normalise_lccn("   00000002 ").as_deref(), Some("00000002"));
        assert_eq!(normalise_lccn("sc 83003257 ").as_deref(), Some("sc83003257"));
        assert_eq!(normalise_lccn("2001-1114").as_deref(), Some("2001001114"));
        assert_eq!(normalise_lccn("n78-89035").as_deref(), Some("n78089035"));
        assert_eq!(normalise_lccn("   85000002 /AC/r86").as_deref(), Some("85000002"));
        assert_eq!(normalise_lccn("ʹ  75002321 ").as_deref(), Some("75002321"));
        assert_eq!(normalise_lccn("  "), None);
    }

    #[test]
    fn oclc_numbers_lose_prefixes_and_leading_zeros() {
        assert_eq!(oclc_number("(OCoLC)ocm00400866").as_deref(), Some("400866"));
        assert_eq!(oclc_number("(OCoLC)ocn656308391").as_deref(), Some("656308391"));
        assert_eq!(oclc_number("(OCoLC)on1234567890").as_deref(), Some("1234567890"));
        assert_eq!(oclc_number("(OCoLC)5853149").as_deref(), Some("5853149"));
        assert_eq!(oclc_number("(OCoLC)cis10504687").as_deref(), Some("10504687"));
        assert_eq!(oclc_number("ocm71247531").as_deref(), Some("71247531"));
        assert_eq!(oclc_number("(DLC)5853149"), None);
        assert_eq!(oclc_number("(OCoLC)"), None);
    }
}
