//! The title proper (245), the uniform title (130/240) and the other titles a record is
//! known by (246, 740, and the titles of name/title added entries). It reads titles; it
//! does not decide how works are grouped (that is `work`).

use serde::{Deserialize, Serialize};

use super::text::{clean, join_subfields, non_empty};
use super::{fields_tagged, first_tagged};
use crate::{DataField, Record};

/// The title of the resource as it appears on it (245).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Title {
    /// The title proper (245 `$a`) without closing ISBD punctuation, e.g. "Pride and
    /// prejudice".
    pub main: String,
    /// The remainder of the title (`$b`), e.g. "a novel".
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subtitle: Option<String>,
    /// Numbers of parts or sections (`$n`), e.g. "Volume 2".
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub part_numbers: Vec<String>,
    /// Names of parts or sections (`$p`), e.g. "The two towers".
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub part_names: Vec<String>,
    /// The statement of responsibility (`$c`), e.g. "by Jane Austen".
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub responsibility: Option<String>,
    /// The general material designation (`$h`) without its brackets, e.g.
    /// "videorecording".
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub medium: Option<String>,
    /// How many leading characters a sort ignores (second indicator), e.g. 4 for "The ".
    /// 0 when the indicator is blank, not a digit, or would cut a word in two.
    pub non_filing: u8,
    /// The title for display: title proper, remainder and parts with the cataloguer's
    /// punctuation, e.g. "The sky pilot; a tale of the foothills".
    pub display: String,
    /// `display` without the non-filing characters, e.g. "sky pilot; a tale of the
    /// foothills".
    pub sort: String,
    /// The display title in the other script: from the linked 880, or from a second 245
    /// in another script (records that give the title twice, vernacular and romanised).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub display_alternate: Option<String>,
}

/// The uniform title (130 or 240): the title under which a cataloguer collects every
/// edition and translation of the work.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UniformTitle {
    /// The uniform title for display, e.g. "Candide. English".
    pub title: String,
    /// The language of this expression (`$l`), e.g. "English".
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub language: Option<String>,
    /// The field it came from: `130` or `240`.
    pub tag: String,
}

/// What kind of other title an [`AlternateTitle`] is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AlternateTitleKind {
    /// A portion of the title proper (246 ind2 0).
    Portion,
    /// A parallel title in another language (246 ind2 1).
    Parallel,
    /// A distinctive title (246 ind2 2).
    Distinctive,
    /// Another title (246 ind2 3).
    Other,
    /// The cover title (246 ind2 4).
    Cover,
    /// The added title page title (246 ind2 5).
    AddedTitlePage,
    /// The caption title (246 ind2 6).
    Caption,
    /// The running title (246 ind2 7).
    Running,
    /// The spine title (246 ind2 8).
    Spine,
    /// A variant title of unstated type (246 ind2 blank).
    Variant,
    /// A related title (740, or the title of a 7XX name/title entry, ind2 not 2).
    Related,
    /// The title of a work contained in the resource (740 or 7XX `$t` with ind2 2).
    Analytical,
}

/// A title the resource is also known by.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AlternateTitle {
    /// The title, e.g. "Around the world in 80 days".
    pub title: String,
    /// What kind of title it is.
    pub kind: AlternateTitleKind,
    /// The field it came from, e.g. `246`.
    pub tag: String,
}

/// Separators for 245/246 parts where the cataloguer wrote none.
fn title_separator(_previous: char, code: char) -> &'static str {
    match code {
        'b' => " : ",
        'f' | 'g' | 'k' => ", ",
        _ => ". ",
    }
}

/// Returns the title phrase of a 245-like field from the subfields in `codes`.
fn title_phrase(field: &DataField, codes: &str) -> String {
    join_subfields(
        field
            .subfields
            .iter()
            .filter(|subfield| codes.contains(subfield.code))
            .map(|subfield| (subfield.code, subfield.value.as_str())),
        title_separator,
    )
}

/// Returns the number of non-filing characters in `indicator` that can be skipped in
/// `text` without cutting a word.
pub(crate) fn non_filing_count(indicator: char, text: &str) -> u8 {
    let Some(count) = indicator.to_digit(10) else {
        return 0;
    };
    if count == 0 {
        return 0;
    }
    let mut characters = text.chars().skip(count as usize - 1);
    let (Some(last_skipped), next) = (characters.next(), characters.next()) else {
        return 0;
    };
    let cuts_word = last_skipped.is_alphanumeric() && next.is_some_and(char::is_alphanumeric);
    if cuts_word { 0 } else { count as u8 }
}

/// Returns `text` without its first `count` characters and the spaces and punctuation
/// that follow them.
pub(crate) fn skip_non_filing(text: &str, count: u8) -> &str {
    if count == 0 {
        return text;
    }
    let start = text.char_indices().nth(count as usize).map_or(text.len(), |(index, _)| index);
    text[start..].trim_start_matches(|character: char| !character.is_alphanumeric())
}

/// Returns true when every letter of `text` is Latin (or there are none).
pub(crate) fn is_latin(text: &str) -> bool {
    text.chars().filter(|character| character.is_alphabetic()).all(|character| {
        (character as u32) < 0x0250 || ('\u{1E00}'..='\u{1EFF}').contains(&character)
    })
}

/// Returns the display form of a 245 (or its 880), or `None` when it holds no title.
fn display_of(field: &DataField) -> Option<String> {
    let display = title_phrase(field, "abfgknps");
    (!display.is_empty()).then_some(display)
}

/// Reads the title from the first 245; `None` when there is none or it is empty.
pub(crate) fn title(record: &Record) -> Option<Title> {
    let mut fields = fields_tagged(record, b"245");
    let field = fields.next()?;
    let main_codes = if field.first('a').is_some() { "a" } else { "k" };
    let main = title_phrase(field, main_codes);
    if main.is_empty() {
        return None;
    }
    let display = display_of(field)?;
    let non_filing = non_filing_count(field.ind2, &display);
    let sort = skip_non_filing(&display, non_filing).to_string();
    let subtitle = non_empty(&field.joined("b"));
    let part_numbers = field.all('n').filter_map(non_empty).collect();
    let part_names = field.all('p').filter_map(non_empty).collect();
    let responsibility = non_empty(&field.joined("c"));
    let medium = field.first('h').and_then(|value| {
        let cleaned = clean(value).trim_start_matches('[').trim_end_matches(']');
        non_empty(cleaned)
    });
    let display_alternate = record.alternate_script(field).and_then(display_of).or_else(|| {
        fields
            .find_map(display_of)
            .filter(|second| is_latin(second) != is_latin(&display) && *second != display)
    });
    Some(Title {
        main,
        subtitle,
        part_numbers,
        part_names,
        responsibility,
        medium,
        non_filing,
        display,
        sort,
        display_alternate,
    })
}

/// Returns the uniform title field and its non-filing indicator: the 240 when the
/// record has a main entry under a name (a 240 belongs to that name), else the 130, and
/// whichever there is when only one is.
pub(crate) fn uniform_title_field(record: &Record) -> Option<(&DataField, char)> {
    let under_name = record
        .all_data_fields()
        .any(|field| matches!(&field.tag.as_bytes(), b"100" | b"110" | b"111"));
    let with_name = first_tagged(record, b"240").map(|field| (field, field.ind2));
    let under_title = first_tagged(record, b"130").map(|field| (field, field.ind1));
    if under_name { with_name.or(under_title) } else { under_title.or(with_name) }
}

/// Reads the uniform title (see [`uniform_title_field`]).
pub(crate) fn uniform_title(record: &Record) -> Option<UniformTitle> {
    let (field, _) = uniform_title_field(record)?;
    let title = join_subfields(
        field
            .subfields
            .iter()
            .filter(|subfield| "adfgklmnoprst".contains(subfield.code))
            .map(|subfield| (subfield.code, subfield.value.as_str())),
        |_, _| ". ",
    );
    if title.is_empty() {
        return None;
    }
    Some(UniformTitle {
        title,
        language: field.first('l').and_then(non_empty),
        tag: field.tag.as_str().to_string(),
    })
}

/// Reads the variant titles (246), the uncontrolled related and analytical titles (740),
/// and the titles of name/title added entries (700/710/711 `$t`).
pub(crate) fn alternate_titles(record: &Record) -> Vec<AlternateTitle> {
    let mut titles: Vec<AlternateTitle> = Vec::new();
    let mut push = |title: String, kind: AlternateTitleKind, field: &DataField| {
        if title.is_empty() || titles.iter().any(|existing| existing.title == title) {
            return;
        }
        titles.push(AlternateTitle { title, kind, tag: field.tag.as_str().to_string() });
    };
    for field in record.all_data_fields() {
        match &field.tag.as_bytes() {
            b"246" => {
                let kind = match field.ind2 {
                    '0' => AlternateTitleKind::Portion,
                    '1' => AlternateTitleKind::Parallel,
                    '2' => AlternateTitleKind::Distinctive,
                    '3' => AlternateTitleKind::Other,
                    '4' => AlternateTitleKind::Cover,
                    '5' => AlternateTitleKind::AddedTitlePage,
                    '6' => AlternateTitleKind::Caption,
                    '7' => AlternateTitleKind::Running,
                    '8' => AlternateTitleKind::Spine,
                    _ => AlternateTitleKind::Variant,
                };
                push(title_phrase(field, "abfgnp"), kind, field);
            }
            b"740" => {
                push(title_phrase(field, "anp"), analytical_or_related(field), field);
            }
            b"700" | b"710" | b"711" => {
                let Some(position) =
                    field.subfields.iter().position(|subfield| subfield.code == 't')
                else {
                    continue;
                };
                let title = join_subfields(
                    field.subfields[position..]
                        .iter()
                        .filter(|subfield| "tfklmnoprs".contains(subfield.code))
                        .map(|subfield| (subfield.code, subfield.value.as_str())),
                    |_, _| ". ",
                );
                push(title, analytical_or_related(field), field);
            }
            _ => {}
        }
    }
    titles
}

fn analytical_or_related(field: &DataField) -> AlternateTitleKind {
    if field.ind2 == '2' { AlternateTitleKind::Analytical } else { AlternateTitleKind::Related }
}
