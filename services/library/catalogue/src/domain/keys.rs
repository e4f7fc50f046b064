//! The keys an incoming record is matched on, and the authority numbers its headings
//! link by. Keys are normalised so that the spellings real files use for the same number
//! meet: `(OCoLC)ocm00012345` and `(OCoLC)12345`, ISBN-10 and ISBN-13, `(DLC)n  79021164`
//! and `http://id.loc.gov/authorities/names/n79021164`.

use athenaeum_marc::Record;
use athenaeum_marc::describe::isbn;

use crate::api::RecordKind;

athenaeum_db::stored_enum! {
    /// What a key identifies a record by.
    #[derive(PartialOrd, Ord)]
    pub enum KeyKind: "match key kind" {
        /// `kind|003|001`.
        Control = "control",
        /// A `035 $a` system number (`kind|number`).
        System = "system",
        /// An ISBN, as ISBN-13.
        Isbn = "isbn",
        /// An ISSN.
        Issn = "issn",
        /// A number headings link an authority record by (its 001 or LCCN).
        Authority = "authority",
    }
}

/// One key of a record.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct MatchKey {
    /// What it identifies the record by.
    pub kind: KeyKind,
    /// The normalised value.
    pub value: String,
}

/// Returns a record's keys, without duplicates.
pub fn match_keys(record: &Record, kind: RecordKind) -> Vec<MatchKey> {
    let mut keys = Vec::new();
    if let Some(control) = record.control_number() {
        let source = record.control("003").map(str::trim).unwrap_or("");
        // The record kind is part of the key: a Koha authority and a bibliographic record
        // can share a bare 001 without being the same record.
        keys.push(MatchKey {
            kind: KeyKind::Control,
            value: format!("{}|{source}|{control}", kind.as_str()),
        });
        if kind == RecordKind::Authority {
            keys.push(MatchKey { kind: KeyKind::Authority, value: authority_key(control) });
        }
    }
    for field in record.data_fields("035") {
        for number in field.all('a') {
            if let Some(value) = system_number(number) {
                keys.push(MatchKey {
                    kind: KeyKind::System,
                    value: format!("{}|{value}", kind.as_str()),
                });
            }
        }
    }
    for field in record.data_fields("020") {
        for text in field.all('a') {
            if let Some(parsed) = isbn::parse_isbn(text) {
                keys.push(MatchKey { kind: KeyKind::Isbn, value: parsed.isbn13 });
            }
        }
    }
    for field in record.data_fields("022") {
        for text in field.all('a') {
            if let Some(issn) = isbn::parse_issn(text) {
                keys.push(MatchKey { kind: KeyKind::Issn, value: issn });
            }
        }
    }
    if kind == RecordKind::Authority {
        for field in record.data_fields("010") {
            for lccn in field.all('a') {
                let value = authority_key(lccn);
                if !value.is_empty() {
                    keys.push(MatchKey { kind: KeyKind::Authority, value });
                }
            }
        }
    }
    keys.sort();
    keys.dedup();
    keys
}

/// Normalises a `035 $a`: spaces removed, and OCLC numbers without their `ocm`/`ocn`/`on`
/// prefix and leading zeros. Returns `None` for an empty value.
fn system_number(text: &str) -> Option<String> {
    let compact: String = text.chars().filter(|c| !c.is_whitespace()).collect();
    if compact.is_empty() {
        return None;
    }
    let Some(rest) = compact.strip_prefix("(OCoLC)") else { return Some(compact) };
    let digits = rest
        .trim_start_matches("ocm")
        .trim_start_matches("ocn")
        .trim_start_matches("on")
        .trim_start_matches('0');
    Some(format!("(OCoLC){digits}"))
}

/// Normalises an authority number as headings (`$0`, `$9`) and authority records (`001`,
/// `010`) spell it: a `(XXX)` prefix dropped, a URI reduced to its last segment, spaces
/// removed, lowercased.
pub fn authority_key(text: &str) -> String {
    let mut value = text.trim();
    if value.starts_with('(')
        && let Some(end) = value.find(')')
    {
        value = &value[end + 1..];
    }
    if value.contains("://") {
        value = value.trim_end_matches('/').rsplit('/').next().unwrap_or(value);
    }
    value.chars().filter(|c| !c.is_whitespace()).flat_map(char::to_lowercase).collect()
}

/// A heading that names an authority record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HeadingLink {
    /// The heading's tag, e.g. `100` or `650`.
    pub tag: String,
    /// The heading as written.
    pub heading: String,
    /// The normalised authority number it names.
    pub authority_key: String,
}

/// Returns the headings (1XX, 6XX, 7XX, 8XX) that name an authority record by `$0` or
/// Koha's `$9`.
pub fn heading_links(record: &Record) -> Vec<HeadingLink> {
    let mut links = Vec::new();
    for field in record.all_data_fields() {
        let tag = field.tag.as_str();
        if !matches!(tag.as_bytes().first(), Some(b'1' | b'6' | b'7' | b'8')) {
            continue;
        }
        let numbers: Vec<String> = field
            .subfields
            .iter()
            .filter(|subfield| subfield.code == '0' || subfield.code == '9')
            .map(|subfield| authority_key(&subfield.value))
            .filter(|key| !key.is_empty())
            .collect();
        if numbers.is_empty() {
            continue;
        }
        let heading: String = field
            .subfields
            .iter()
            .filter(|subfield| subfield.code.is_ascii_alphabetic())
            .map(|subfield| subfield.value.trim())
            .collect::<Vec<_>>()
            .join(" ");
        for authority_key in numbers {
            if links
                .iter()
                .any(|link: &HeadingLink| link.tag == tag && link.authority_key == authority_key)
            {
                continue;
            }
            links.push(HeadingLink {
                tag: tag.to_string(),
                heading: heading.clone(),
                authority_key,
            });
        }
    }
    links
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn authority_numbers_in_their_usual_spellings_meet() {
        assert_eq!(authority_key("(DLC)n  79021164"), "n79021164");
        assert_eq!(authority_key("http://id.loc.gov/authorities/names/n79021164"), "n79021164");
        assert_eq!(authority_key(" n 79021164 "), "n79021164");
        assert_eq!(authority_key("1234"), "1234");
    }

    #[test]
    fn oclc_numbers_lose_their_prefixes_and_leading_zeros() {
        assert_eq!(system_number("(OCoLC)ocm00012345").as_deref(), Some("(OCoLC)12345"));
        assert_eq!(system_number("(OCoLC) 12345").as_deref(), Some("(OCoLC)12345"));
        assert_eq!(system_number("(Sirsi) a123").as_deref(), Some("(Sirsi)a123"));
        assert_eq!(system_number("  "), None);
    }
}
