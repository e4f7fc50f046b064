//! The keys an incoming record is matched on, and the authority numbers its headings
//! link by. Keys are normalised so that the spellings real files use for the same number
//! meet: `(OCoLC)ocm00012345` and `(OCoLC)12345`, ISBN-10 and ISBN-13, `(DLC)n  79021164`
//! and `http://id.loc.gov/authorities/names/n79021164`.

use athenaeum_marc::describe::isbn;
use athenaeum_marc::{Field, Record};
use unicode_normalization::UnicodeNormalization;

use crate::api::RecordKind;
use crate::domain::items::FieldRef;

/// The fields in which other library systems keep their own record number. Every record
/// keeps these as keys, so that an import may later name one of them for the local
/// number rule.
pub const KNOWN_LOCAL_NUMBER_FIELDS: [(&str, char); 2] = [("999", 'c'), ("901", 'c')];

/// Fields left out of a record's content fingerprint: the `005` timestamp, which a system
/// renews on every export, and embedded holdings, which become items.
const OUTSIDE_FINGERPRINT: [&str; 5] = ["005", "852", "876", "877", "952"];

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
        /// The sending system's own record number (`kind|tag+code|number`), from the
        /// fields such systems use (Koha's 999 $c, Evergreen's 901 $c) or one an import
        /// names.
        Local = "local",
        /// A fingerprint of the record's content.
        Content = "content",
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

/// Returns a record's keys, without duplicates: its control number, system numbers,
/// local numbers (in the known fields and in `local_field`, when an import names one),
/// ISBNs, ISSNs, authority numbers, and its content fingerprint.
pub fn match_keys(
    record: &Record,
    kind: RecordKind,
    local_field: Option<&FieldRef>,
) -> Vec<MatchKey> {
    let mut keys = Vec::new();
    let named = local_field
        .into_iter()
        .flat_map(|field| field.codes.iter().map(move |code| (field.tag.as_str(), *code)));
    for (tag, code) in KNOWN_LOCAL_NUMBER_FIELDS.into_iter().chain(named) {
        for field in record.data_fields(tag) {
            for number in field.all(code) {
                let number = number.trim();
                if !number.is_empty() {
                    keys.push(MatchKey {
                        kind: KeyKind::Local,
                        value: local_key(kind, tag, code, number),
                    });
                }
            }
        }
    }
    keys.push(content_key(record, kind));
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

/// Returns the value of a local number key.
fn local_key(kind: RecordKind, tag: &str, code: char, number: &str) -> String {
    format!("{}|{tag}{code}|{number}", kind.as_str())
}

/// Returns true when a local number key comes from `field` (`999$c`).
pub fn is_local_key_of(value: &str, field: &FieldRef) -> bool {
    let mut parts = value.splitn(3, '|');
    let (Some(_), Some(source)) = (parts.next(), parts.next()) else { return false };
    field.codes.iter().any(|code| {
        source.len() == field.tag.len() + code.len_utf8()
            && source.starts_with(field.tag.as_str())
            && source.ends_with(*code)
    })
}

/// Returns a record's content fingerprint: SHA-256 over its kind, the leader positions
/// that describe it (05–08, 17–19; not the lengths and addresses a writer computes, nor
/// 09, which a MARC-8 record loses when converted), and every field but those outside
/// the fingerprint, with values in Unicode NFC and runs of white space as one space.
pub fn content_key(record: &Record, kind: RecordKind) -> MatchKey {
    let mut context = ring::digest::Context::new(&ring::digest::SHA256);
    let mut feed = |text: &str| {
        let folded: String = text.split_whitespace().collect::<Vec<_>>().join(" ");
        context.update(folded.nfc().collect::<String>().as_bytes());
        context.update(&[0x1F]);
    };
    feed(kind.as_str());
    let leader = record.leader.as_bytes();
    for range in [5..9, 17..20] {
        feed(&String::from_utf8_lossy(leader.get(range).unwrap_or_default()));
    }
    for field in &record.fields {
        if OUTSIDE_FINGERPRINT.contains(&field.tag().as_str()) {
            continue;
        }
        feed(field.tag().as_str());
        match field {
            Field::Control(control) => feed(&control.value),
            Field::Data(data) => {
                feed(&format!("{}{}", data.ind1, data.ind2));
                for subfield in &data.subfields {
                    feed(&subfield.code.to_string());
                    feed(&subfield.value);
                }
            }
        }
    }
    let digest = context.finish();
    let hex: String = digest.as_ref()[..16].iter().map(|byte| format!("{byte:02x}")).collect();
    MatchKey { kind: KeyKind::Content, value: hex }
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
    use athenaeum_marc::{ControlField, DataField, Subfield, Tag};

    use super::*;
    use crate::domain::parse_field_ref;

    fn book(title: &str, extra: Vec<Field>) -> Record {
        let mut record = Record { leader: "00000nam a2200000 a 4500".into(), fields: Vec::new() };
        record.fields.push(Field::Control(ControlField {
            tag: Tag::parse("005").unwrap(),
            value: "20261203120000.0".into(),
        }));
        record.fields.push(Field::Data(DataField {
            tag: Tag::parse("245").unwrap(),
            ind1: '1',
            ind2: '0',
            subfields: vec![Subfield { code: 'a', value: title.into() }],
        }));
        record.fields.extend(extra);
        record
    }

    fn data(tag: &str, code: char, value: &str) -> Field {
        Field::Data(DataField {
            tag: Tag::parse(tag).unwrap(),
            ind1: ' ',
            ind2: ' ',
            subfields: vec![Subfield { code, value: value.into() }],
        })
    }

    fn content(record: &Record) -> String {
        content_key(record, RecordKind::Bibliographic).value
    }

    #[test]
    fn the_content_fingerprint_ignores_the_timestamp_the_holdings_and_the_unicode_form() {
        let original = book("Bront\u{eb}", vec![data("952", 'p', "39999000000001")]);
        let mut renewed = book("Bronte\u{308}", vec![data("952", 'p', "39999000000002")]);
        if let Field::Control(stamp) = &mut renewed.fields[0] {
            stamp.value = "20270101000000.0".into();
        }
        assert_eq!(content(&original), content(&renewed));
        assert_ne!(
            content(&original),
            content(&book("Bronte", Vec::new())),
            "a changed title is another record"
        );
        assert_eq!(content(&original).len(), 32);
    }

    #[test]
    fn local_numbers_are_kept_for_known_systems_and_for_a_named_field() {
        let record = book("A", vec![data("999", 'c', "86"), data("907", 'a', ".b1234")]);
        let keys = match_keys(&record, RecordKind::Bibliographic, None);
        let locals: Vec<&str> = keys
            .iter()
            .filter(|key| key.kind == KeyKind::Local)
            .map(|key| key.value.as_str())
            .collect();
        assert_eq!(locals, vec!["bibliographic|999c|86"]);
        let named = parse_field_ref("907$a").unwrap();
        let keys = match_keys(&record, RecordKind::Bibliographic, Some(&named));
        let from_907: Vec<&MatchKey> = keys
            .iter()
            .filter(|key| key.kind == KeyKind::Local && is_local_key_of(&key.value, &named))
            .collect();
        assert_eq!(from_907.len(), 1);
        assert!(!is_local_key_of("bibliographic|999c|86", &named));
        assert!(keys.iter().any(|key| key.kind == KeyKind::Content));
    }

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
