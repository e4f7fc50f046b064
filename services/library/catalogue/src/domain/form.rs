//! The simple record form: the common fields of a bibliographic record for people who do
//! not write MARC, turned into MARC21 with ISBD punctuation. Editing with the form
//! replaces the fields it covers and keeps every other field as it was.

use athenaeum_kernel::ApiError;
use athenaeum_marc::describe::isbn;
use athenaeum_marc::{ControlField, DataField, Field, Record, Subfield, Tag};

use crate::api::RecordForm;

/// Builds a new bibliographic record from the form. `today` is `yymmdd` for 008/00-05.
///
/// Fails with `VALIDATION` naming the field: an empty title, an ISBN with a bad check
/// digit, a language that is not a three-letter code, an implausible year.
pub fn record_from_form(form: &RecordForm, today: &str) -> Result<Record, ApiError> {
    apply_form(&Record::default(), form, today)
}

/// Returns `existing` with the fields the form covers replaced. A form value left out
/// (`None`) keeps what the record has; an empty one removes it.
pub fn apply_form(existing: &Record, form: &RecordForm, today: &str) -> Result<Record, ApiError> {
    let title = form.title.trim();
    if title.is_empty() {
        return Err(ApiError::validation("title", "a record needs a title"));
    }
    let year = match form.year {
        Some(year) if !(1000..=2999).contains(&year) => {
            return Err(ApiError::validation(
                "year",
                format!("year {year} is not a four-digit year of publication"),
            ));
        }
        other => other,
    };
    let language = match form.language.as_deref().map(str::trim) {
        Some(code) if !code.is_empty() => {
            if code.len() != 3 || !code.chars().all(|c| c.is_ascii_lowercase()) {
                return Err(ApiError::validation(
                    "language",
                    format!("language {code:?} is not a three-letter code such as \"eng\""),
                ));
            }
            Some(code.to_string())
        }
        _ => None,
    };
    let isbns = match &form.isbns {
        Some(list) => {
            let mut checked = Vec::new();
            for (index, text) in list.iter().enumerate() {
                if text.trim().is_empty() {
                    continue;
                }
                if isbn::parse_isbn(text).is_none() {
                    return Err(ApiError::validation(
                        format!("isbns[{index}]"),
                        format!(
                            "{text:?} is not a valid ISBN (check the digits and the check digit)"
                        ),
                    ));
                }
                checked.push(text.trim().to_string());
            }
            Some(checked)
        }
        None => None,
    };

    let mut record = existing.clone();
    let author = given(&form.author);
    let has_author = match author {
        Some(Some(_)) => true,
        Some(None) => false,
        None => record.data_field("100").is_some() || record.data_field("110").is_some(),
    };

    // 245, built with ISBD punctuation.
    let subtitle = form.subtitle.as_deref().map(str::trim).filter(|text| !text.is_empty());
    let responsibility =
        form.statement_of_responsibility.as_deref().map(str::trim).filter(|text| !text.is_empty());
    let mut title_subfields = Vec::new();
    let mut main = title.to_string();
    if subtitle.is_some() {
        main.push_str(" :");
    } else if responsibility.is_some() {
        main.push_str(" /");
    } else if !main.ends_with(['.', '?', '!']) {
        main.push('.');
    }
    title_subfields.push(('a', main));
    if let Some(subtitle) = subtitle {
        let mut text = subtitle.to_string();
        if responsibility.is_some() {
            text.push_str(" /");
        } else if !text.ends_with(['.', '?', '!']) {
            text.push('.');
        }
        title_subfields.push(('b', text));
    }
    if let Some(responsibility) = responsibility {
        let mut text = responsibility.to_string();
        if !text.ends_with('.') {
            text.push('.');
        }
        title_subfields.push(('c', text));
    }
    let nonfiling = nonfiling_characters(title);
    replace(
        &mut record,
        "245",
        vec![data("245", if has_author { '1' } else { '0' }, nonfiling, title_subfields)],
    );

    if let Some(author) = author {
        replace(
            &mut record,
            "100",
            author
                .map(|name| vec![data("100", '1', ' ', vec![('a', name.to_string())])])
                .unwrap_or_default(),
        );
    }
    if let Some(list) = &form.other_contributors {
        let fields = list
            .iter()
            .map(|name| name.trim())
            .filter(|name| !name.is_empty())
            .map(|name| data("700", '1', ' ', vec![('a', name.to_string())]))
            .collect();
        replace(&mut record, "700", fields);
    }
    if let Some(isbns) = isbns {
        let fields =
            isbns.into_iter().map(|text| data("020", ' ', ' ', vec![('a', text)])).collect();
        replace(&mut record, "020", fields);
    }
    set_single(&mut record, "250", ' ', ' ', given(&form.edition));
    if form.place.is_some() || form.publisher.is_some() || year.is_some() {
        let mut subfields = Vec::new();
        let place = form.place.as_deref().map(str::trim).filter(|text| !text.is_empty());
        let publisher = form.publisher.as_deref().map(str::trim).filter(|text| !text.is_empty());
        if let Some(place) = place {
            let separator = if publisher.is_some() {
                " :"
            } else if year.is_some() {
                ","
            } else {
                ""
            };
            subfields.push(('a', format!("{place}{separator}")));
        }
        if let Some(publisher) = publisher {
            let separator = if year.is_some() { "," } else { "" };
            subfields.push(('b', format!("{publisher}{separator}")));
        }
        if let Some(year) = year {
            subfields.push(('c', format!("{year}.")));
        }
        replace(&mut record, "260", Vec::new());
        replace(
            &mut record,
            "264",
            if subfields.is_empty() { Vec::new() } else { vec![data("264", ' ', '1', subfields)] },
        );
    }
    set_single(&mut record, "300", ' ', ' ', given(&form.extent));
    set_single(&mut record, "490", '0', ' ', given(&form.series));
    set_single(&mut record, "500", ' ', ' ', given(&form.note));
    set_single(&mut record, "520", ' ', ' ', given(&form.summary));
    if let Some(list) = &form.subjects {
        let fields = list
            .iter()
            .map(|subject| subject.trim())
            .filter(|subject| !subject.is_empty())
            .map(|subject| data("650", ' ', '4', vec![('a', subject.to_string())]))
            .collect();
        replace(&mut record, "650", fields);
    }
    update_008(&mut record, today, year, language.as_deref());
    Ok(record)
}

/// `None` when the form left the value out; `Some(None)` when it was given empty.
fn given(value: &Option<String>) -> Option<Option<&str>> {
    value.as_deref().map(|text| Some(text.trim()).filter(|text| !text.is_empty()))
}

fn data(tag: &str, ind1: char, ind2: char, subfields: Vec<(char, String)>) -> Field {
    let bytes = tag.as_bytes();
    Field::Data(DataField {
        tag: Tag::of(&[bytes[0], bytes[1], bytes[2]]),
        ind1,
        ind2,
        subfields: subfields.into_iter().map(|(code, value)| Subfield { code, value }).collect(),
    })
}

fn set_single(record: &mut Record, tag: &str, ind1: char, ind2: char, value: Option<Option<&str>>) {
    let Some(value) = value else { return };
    let fields = value.map(|text| vec![data(tag, ind1, ind2, vec![('a', text.to_string())])]);
    replace(record, tag, fields.unwrap_or_default());
}

/// Replaces every field with `tag` by `fields`, put where the first old one was (or in
/// tag order when there was none).
fn replace(record: &mut Record, tag: &str, fields: Vec<Field>) {
    let position =
        record.fields.iter().position(|field| field.tag().as_str() == tag).unwrap_or_else(|| {
            record
                .fields
                .iter()
                .position(|field| field.tag().as_str() > tag)
                .unwrap_or(record.fields.len())
        });
    record.fields.retain(|field| field.tag().as_str() != tag);
    let position = position.min(record.fields.len());
    for (offset, field) in fields.into_iter().enumerate() {
        record.fields.insert(position + offset, field);
    }
}

/// Sets 008's date entered (when new), type of date and date 1, and language.
fn update_008(record: &mut Record, today: &str, year: Option<i32>, language: Option<&str>) {
    let existing = record.control("008").map(str::to_string);
    let mut value: Vec<char> = match existing {
        Some(text) if text.chars().count() == 40 => text.chars().collect(),
        _ => format!("{today:<6.6}s        xx            000 0 und d").chars().collect(),
    };
    if let Some(year) = year {
        let text = format!("{year:04}");
        value[6] = 's';
        for (offset, digit) in text.chars().enumerate() {
            value[7 + offset] = digit;
        }
    }
    if let Some(language) = language {
        for (offset, letter) in language.chars().enumerate() {
            value[35 + offset] = letter;
        }
    }
    let text: String = value.into_iter().collect();
    let field = Field::Control(ControlField { tag: Tag::of(b"008"), value: text });
    replace(record, "008", vec![field]);
}

/// Returns 245's second indicator for a title starting with an English article.
fn nonfiling_characters(title: &str) -> char {
    let lower = title.to_lowercase();
    for (article, count) in [("the ", '4'), ("an ", '3'), ("a ", '2')] {
        if lower.starts_with(article) {
            return count;
        }
    }
    '0'
}

#[cfg(test)]
mod tests {
    use super::*;

    fn form() -> RecordForm {
        RecordForm {
            title: "The road".into(),
            subtitle: Some("a novel".into()),
            statement_of_responsibility: Some("Cormac McCarthy".into()),
            author: Some("McCarthy, Cormac".into()),
            isbns: Some(vec!["978-0-307-38789-9".into()]),
            year: Some(2006),
            language: Some("eng".into()),
            publisher: Some("Knopf".into()),
            place: Some("New York".into()),
            ..RecordForm::default()
        }
    }

    #[test]
    fn a_form_becomes_marc_with_isbd_punctuation_and_nonfiling_article() {
        let record = record_from_form(&form(), "261129").unwrap();
        let title = record.data_field("245").unwrap();
        assert_eq!(title.ind1, '1');
        assert_eq!(title.ind2, '4');
        assert_eq!(title.first('a'), Some("The road :"));
        assert_eq!(title.first('b'), Some("a novel /"));
        assert_eq!(title.first('c'), Some("Cormac McCarthy."));
        let imprint = record.data_field("264").unwrap();
        assert_eq!(imprint.joined("abc"), "New York : Knopf, 2006.");
        let fixed = record.control("008").unwrap();
        assert_eq!(fixed.chars().count(), 40);
        assert_eq!(&fixed[7..11], "2006");
        assert_eq!(&fixed[35..38], "eng");
    }

    #[test]
    fn form_edits_keep_the_fields_the_form_does_not_cover() {
        let mut record = record_from_form(&form(), "261129").unwrap();
        record.fields.push(data("856", '4', '0', vec![('u', "http://example.org".into())]));
        let edit = RecordForm {
            title: "The road".into(),
            edition: Some("2nd ed.".into()),
            ..RecordForm::default()
        };
        let edited = apply_form(&record, &edit, "261130").unwrap();
        assert!(edited.data_field("856").is_some());
        assert_eq!(edited.data_field("100").unwrap().first('a'), Some("McCarthy, Cormac"));
        assert_eq!(edited.data_field("250").unwrap().first('a'), Some("2nd ed."));
        assert_eq!(edited.data_field("245").unwrap().first('a'), Some("The road."));
    }

    #[test]
    fn bad_values_are_refused_naming_the_field() {
        let bad_isbn = RecordForm { isbns: Some(vec!["0-306-40615-3".into()]), ..form() };
        assert_eq!(
            record_from_form(&bad_isbn, "261129").unwrap_err().field.as_deref(),
            Some("isbns[0]")
        );
        let bad_language = RecordForm { language: Some("English".into()), ..form() };
        assert_eq!(
            record_from_form(&bad_language, "261129").unwrap_err().field.as_deref(),
            Some("language")
        );
        let no_title = RecordForm { title: "  ".into(), ..form() };
        assert_eq!(
            record_from_form(&no_title, "261129").unwrap_err().field.as_deref(),
            Some("title")
        );
    }
}
