//! What a record, an item and a branch may hold. A record must be writable as ISO 2709 and as
//! MARCXML, so that every record taken in can be exported again: no field longer than
//! ISO 2709's four-digit directory lengths allow, no record longer than its five-digit
//! leader length, and no character that neither syntax can carry. Refused at the edge
//! (record creation and editing) and reported per record at import; never found out
//! later by an export that cannot write it.

use athenaeum_marc::{Field, Record};

/// The most bytes a field may take, terminator included: ISO 2709 gives a field's
/// length in four digits.
pub const MAX_FIELD_BYTES: usize = 9_999;

/// The most bytes a record may take: ISO 2709's leader gives its length in five digits.
pub const MAX_RECORD_BYTES: usize = 99_999;

/// Returns true for a character a MARC value cannot carry: a C0 control character other
/// than tab, line feed and carriage return (among them ISO 2709's own delimiters), and
/// the non-characters U+FFFE and U+FFFF, which XML 1.0 forbids.
pub fn is_forbidden_char(character: char) -> bool {
    (character < ' ' && !matches!(character, '\t' | '\n' | '\r'))
        || matches!(character, '\u{FFFE}' | '\u{FFFF}')
}

/// Checks that a record can be written in both syntaxes.
///
/// Fails, in plain words naming the field, for a forbidden character or a field or
/// record too long.
pub fn check_writable(record: &Record) -> Result<(), String> {
    // Leader, directory terminator and record terminator.
    let mut record_bytes = 24 + 1 + 1;
    for field in &record.fields {
        let tag = field.tag();
        let field_bytes = match field {
            Field::Control(control) => {
                check_text(&control.value, &format!("field {tag}"))?;
                control.value.len() + 1
            }
            Field::Data(data) => {
                let mut bytes = data.ind1.len_utf8() + data.ind2.len_utf8() + 1;
                for subfield in &data.subfields {
                    check_text(&subfield.value, &format!("field {tag} ${}", subfield.code))?;
                    bytes += 1 + subfield.code.len_utf8() + subfield.value.len();
                }
                bytes
            }
        };
        if field_bytes > MAX_FIELD_BYTES {
            return Err(format!(
                "field {tag} is {field_bytes} bytes long; a MARC field holds at most \
                 {MAX_FIELD_BYTES} (split it, or move text to a note)"
            ));
        }
        record_bytes += 12 + field_bytes;
    }
    if record_bytes > MAX_RECORD_BYTES {
        return Err(format!(
            "the record is {record_bytes} bytes long; a MARC record holds at most \
             {MAX_RECORD_BYTES}"
        ));
    }
    Ok(())
}

fn check_text(value: &str, place: &str) -> Result<(), String> {
    match value.chars().find(|character| is_forbidden_char(*character)) {
        None => Ok(()),
        Some(character) => Err(format!(
            "{place} holds the {} U+{:04X}, which a MARC record cannot carry",
            if character < ' ' { "control character" } else { "non-character" },
            u32::from(character)
        )),
    }
}

/// The longest values an item's text fields may hold, in characters.
pub const ITEM_FIELD_LIMITS: [(&str, usize); 5] = [
    ("callNumber", 255),
    ("copyNumber", 64),
    ("volume", 255),
    ("publicNote", 1_000),
    ("staffNote", 4_000),
];

/// Checks one of an item's text fields: at most its limit, no control characters.
///
/// Fails naming the field.
pub fn check_item_text(field: &str, value: &str) -> Result<(), String> {
    let limit =
        ITEM_FIELD_LIMITS.iter().find(|(name, _)| *name == field).map_or(255, |(_, limit)| *limit);
    let length = value.chars().count();
    if length > limit {
        return Err(format!("{field} is {length} characters long; at most {limit} fit"));
    }
    if value
        .chars()
        .any(|character| is_forbidden_char(character) || matches!(character, '\t' | '\r'))
    {
        return Err(format!("{field} holds control characters"));
    }
    Ok(())
}

/// The longest values a branch's visitor information may hold, in characters: a postal
/// address of a few lines, and opening hours of a week with its exceptions.
pub const BRANCH_FIELD_LIMITS: [(&str, usize); 2] = [("address", 500), ("openingHours", 1_000)];

/// Checks and tidies a branch's multi-line text given in `field` (`address` or
/// `openingHours`): line endings become `\n`, each line and the whole are trimmed, and
/// an empty value becomes `None`.
///
/// Fails naming the field when the text is longer than its limit or holds a control
/// character other than a line break.
pub fn check_branch_text(field: &str, value: &str) -> Result<Option<String>, String> {
    let limit = BRANCH_FIELD_LIMITS
        .iter()
        .find(|(name, _)| *name == field)
        .map_or(500, |(_, limit)| *limit);
    // A web form's text area sends CRLF; people see lines either way.
    let tidied = value.replace("\r\n", "\n").replace('\r', "\n");
    let lines: Vec<&str> = tidied.lines().map(str::trim).collect();
    let text = lines.join("\n").trim_matches('\n').to_string();
    if text.is_empty() {
        return Ok(None);
    }
    let length = text.chars().count();
    if length > limit {
        return Err(format!("{field} is {length} characters long; at most {limit} fit"));
    }
    if text.chars().any(|character| character.is_control() && character != '\n') {
        return Err(format!("{field} holds control characters"));
    }
    Ok(Some(text))
}

#[cfg(test)]
mod tests {
    use athenaeum_marc::{ControlField, DataField, Subfield, Tag};

    use super::*;

    fn record(value: &str) -> Record {
        Record {
            leader: "00000nam a2200000 a 4500".into(),
            fields: vec![
                Field::Control(ControlField { tag: Tag::parse("001").unwrap(), value: "1".into() }),
                Field::Data(DataField {
                    tag: Tag::parse("500").unwrap(),
                    ind1: ' ',
                    ind2: ' ',
                    subfields: vec![Subfield { code: 'a', value: value.into() }],
                }),
            ],
        }
    }

    #[test]
    fn a_record_iso_2709_and_marcxml_can_write_passes() {
        assert_eq!(check_writable(&record("A note.\nOn two lines.")), Ok(()));
        assert_eq!(check_writable(&record(&"x".repeat(9_994))), Ok(()));
    }

    #[test]
    fn a_field_too_long_for_a_directory_entry_is_refused_naming_it() {
        let problem = check_writable(&record(&"x".repeat(9_995))).unwrap_err();
        assert!(problem.starts_with("field 500 is 10000 bytes long"), "{problem}");
    }

    #[test]
    fn control_characters_and_non_characters_are_refused_naming_the_subfield() {
        let problem = check_writable(&record("a\u{0}b")).unwrap_err();
        assert_eq!(
            problem,
            "field 500 $a holds the control character U+0000, which a MARC record cannot carry"
        );
        assert!(check_writable(&record("\u{1e}")).is_err(), "ISO 2709's field terminator");
        assert!(check_writable(&record("\u{ffff}")).is_err());
    }

    #[test]
    fn a_record_too_long_for_the_leader_is_refused() {
        let mut long = record("x");
        for _ in 0..12 {
            long.fields.push(record(&"x".repeat(9_000)).fields.pop().unwrap());
        }
        assert!(check_writable(&long).unwrap_err().starts_with("the record is"));
    }

    #[test]
    fn item_text_has_limits_that_name_the_field() {
        assert_eq!(check_item_text("callNumber", "823.8 AUS"), Ok(()));
        assert!(
            check_item_text("callNumber", &"9".repeat(100_000))
                .unwrap_err()
                .starts_with("callNumber is 100000")
        );
        assert!(check_item_text("staffNote", &"n".repeat(4_001)).is_err());
        assert!(check_item_text("publicNote", "tab\there").is_err());
    }

    #[test]
    fn branch_text_keeps_its_lines_and_has_limits_that_name_the_field() {
        assert_eq!(
            check_branch_text("address", " 1 High Street\r\nYork\r\nYO1 7HH \r\n"),
            Ok(Some("1 High Street\nYork\nYO1 7HH".to_string()))
        );
        assert_eq!(check_branch_text("openingHours", " \n "), Ok(None));
        assert!(
            check_branch_text("openingHours", &"h".repeat(1_001))
                .unwrap_err()
                .starts_with("openingHours is 1001 characters long")
        );
        assert!(check_branch_text("address", &"a".repeat(501)).is_err());
        assert_eq!(
            check_branch_text("address", "tab\there"),
            Err("address holds control characters".to_string())
        );
    }
}
