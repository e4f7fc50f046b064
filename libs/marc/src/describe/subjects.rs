//! What the resource is about (6XX): subject headings joined with " -- " across their
//! subdivisions, with what kind of heading each is and which thesaurus it comes from.
//! Local subject fields (69X) are not read.

use serde::{Deserialize, Serialize};

use super::text::{clean, join_subfields, non_empty};
use crate::{DataField, Record};

/// What a [`Subject`] heading names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SubjectKind {
    /// A person (600 ind1 0, 1).
    Person,
    /// A family (600 ind1 3).
    Family,
    /// An organisation (610).
    Organisation,
    /// A meeting (611).
    Meeting,
    /// A work, by its uniform title (630).
    Title,
    /// A period of time (648).
    Period,
    /// A topic (650).
    Topic,
    /// A place (651).
    Place,
    /// A keyword not drawn from any thesaurus (653).
    Keyword,
    /// A genre or form, e.g. "Detective and mystery fiction" (655).
    Genre,
}

/// A subject heading.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Subject {
    /// The whole heading, subdivisions joined with " -- ", e.g. "Persons (Law) -- United
    /// States".
    pub heading: String,
    /// The heading without its subdivisions, e.g. "Shakespeare, William, 1564-1616.
    /// Hamlet".
    pub main: String,
    /// The form, general, chronological and geographic subdivisions (`$v $x $y $z`) in
    /// the order given.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub subdivisions: Vec<String>,
    /// What the heading names.
    pub kind: SubjectKind,
    /// The thesaurus: "lcsh", "lcshac" (children's), "mesh", "nal", "cash", "rvm" from
    /// the second indicator, or the `$2` code (e.g. "fast", "lcgft") when it is 7.
    /// `None` when unstated and for keywords.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub thesaurus: Option<String>,
    /// Authority record identifiers or URIs (`$0`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub authority_ids: Vec<String>,
    /// A local authority record number (Koha's `$9`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub local_authority_id: Option<String>,
    /// The heading in the other script, from the linked 880.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub heading_alternate: Option<String>,
    /// The field it came from, e.g. `650`.
    pub tag: String,
}

/// Returns the kind of heading and the subfield codes forming its main part.
fn kind_and_codes(field: &DataField) -> Option<(SubjectKind, &'static str)> {
    let kind = match &field.tag.as_bytes() {
        b"600" if field.ind1 == '3' => (SubjectKind::Family, "abcdfgklmnopqrst"),
        b"600" => (SubjectKind::Person, "abcdfgklmnopqrst"),
        b"610" => (SubjectKind::Organisation, "abcdfgklmnoprst"),
        b"611" => (SubjectKind::Meeting, "acdefgklnpqst"),
        b"630" => (SubjectKind::Title, "adfghklmnoprst"),
        b"648" => (SubjectKind::Period, "a"),
        b"650" => (SubjectKind::Topic, "abcdg"),
        b"651" => (SubjectKind::Place, "ag"),
        b"655" => (SubjectKind::Genre, "abc"),
        _ => return None,
    };
    Some(kind)
}

fn main_separator(kind: SubjectKind) -> impl Fn(char, char) -> &'static str {
    move |_previous, code| match (kind, code) {
        (_, 't') => ". ",
        (SubjectKind::Person | SubjectKind::Family, 'c' | 'd') => ", ",
        (SubjectKind::Organisation, 'b') => ". ",
        _ => " ",
    }
}

/// Returns the main part, the subdivisions and the joined heading of a subject field.
fn heading_of(field: &DataField, kind: SubjectKind, codes: &str) -> (String, Vec<String>, String) {
    let main = join_subfields(
        field
            .subfields
            .iter()
            .filter(|subfield| codes.contains(subfield.code))
            .map(|subfield| (subfield.code, subfield.value.as_str())),
        main_separator(kind),
    );
    let subdivisions: Vec<String> = field.values_of("vxyz").filter_map(non_empty).collect();
    let mut heading = main.clone();
    for subdivision in &subdivisions {
        if !heading.is_empty() {
            heading.push_str(" -- ");
        }
        heading.push_str(subdivision);
    }
    (main, subdivisions, heading)
}

fn thesaurus(field: &DataField) -> Option<String> {
    let code = match field.ind2 {
        '0' => "lcsh",
        '1' => "lcshac",
        '2' => "mesh",
        '3' => "nal",
        '5' => "cash",
        '6' => "rvm",
        '7' => return field.first('2').and_then(non_empty).map(|value| value.to_lowercase()),
        _ => return None,
    };
    Some(code.to_string())
}

/// Reads the subject headings (600, 610, 611, 630, 648, 650, 651, 653, 655) in record
/// order; a heading repeated with the same thesaurus is listed once. Each `$a` of a 653
/// is a keyword of its own.
pub(crate) fn subjects(record: &Record) -> Vec<Subject> {
    let mut subjects: Vec<Subject> = Vec::new();
    for field in record.all_data_fields() {
        if field.tag.as_bytes() == *b"653" {
            for keyword in field.all('a').filter_map(non_empty) {
                push(
                    &mut subjects,
                    Subject {
                        heading: keyword.clone(),
                        main: keyword,
                        subdivisions: Vec::new(),
                        kind: SubjectKind::Keyword,
                        thesaurus: None,
                        authority_ids: Vec::new(),
                        local_authority_id: None,
                        heading_alternate: None,
                        tag: field.tag.as_str().to_string(),
                    },
                );
            }
            continue;
        }
        let Some((kind, codes)) = kind_and_codes(field) else {
            continue;
        };
        let (main, subdivisions, heading) = heading_of(field, kind, codes);
        if heading.is_empty() {
            continue;
        }
        let heading_alternate = record
            .alternate_script(field)
            .map(|linked| heading_of(linked, kind, codes).2)
            .filter(|alternate| !alternate.is_empty());
        push(
            &mut subjects,
            Subject {
                heading,
                main,
                subdivisions,
                kind,
                thesaurus: thesaurus(field),
                authority_ids: field
                    .all('0')
                    .map(|value| clean(value).to_string())
                    .filter(|value| !value.is_empty())
                    .collect(),
                local_authority_id: field
                    .first('9')
                    .map(str::trim)
                    .filter(|value| !value.is_empty())
                    .map(String::from),
                heading_alternate,
                tag: field.tag.as_str().to_string(),
            },
        );
    }
    subjects
}

fn push(subjects: &mut Vec<Subject>, subject: Subject) {
    let repeated = subjects.iter().any(|existing| {
        existing.heading == subject.heading
            && existing.thesaurus == subject.thesaurus
            && existing.kind == subject.kind
    });
    if !repeated {
        subjects.push(subject);
    }
}
