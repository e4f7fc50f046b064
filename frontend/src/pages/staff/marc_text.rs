//! MARC as text to edit in a text area, one field a line, in the manner of MARCMaker:
//!
//! ```text
//! =LDR  00000nam\a2200000\a\4500
//! =001  ocm123
//! =008  850101s1984\\\\nyu\\\\\\\\\\\\000\1\eng\d
//! =245  10$aTitle :$bsubtitle /$cby X.
//! ```
//!
//! A line is `=`, the tag, two spaces, then the value: for the leader and control fields
//! (`00X`) the value as it is, a blank written `\`; for data fields two indicators (a
//! blank written `\`) and subfields, each `$` and its code. A `$` in a value is written
//! `{dollar}`, a `{` is `{lcub}`, a `\` in a control field `{bsol}`, and a control
//! character `{U+001F}`. Converted to and from MARC-in-JSON, the syntax the API takes and
//! gives, without loss.

use serde_json::{Map, Value, json};

/// A problem with the text, naming its line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct TextError {
    /// The line, counting from 1 (0: the whole text).
    pub line: usize,
    /// What is wrong, as a sentence that starts with the line.
    pub message: String,
}

fn error(line: usize, message: impl Into<String>) -> TextError {
    let message = message.into();
    TextError { line, message: if line == 0 { message } else { format!("Line {line}: {message}") } }
}

/// Writes a MARC-in-JSON record as text.
///
/// # Errors
/// Fails when `json` is not a MARC-in-JSON record.
pub(crate) fn to_text(json: &str) -> Result<String, String> {
    let record: Value =
        serde_json::from_str(json).map_err(|problem| format!("not JSON: {problem}"))?;
    let leader = record.get("leader").and_then(Value::as_str).ok_or("the record has no leader")?;
    let mut out = format!("=LDR  {}\n", escape(leader, true));
    let fields =
        record.get("fields").and_then(Value::as_array).ok_or("the record has no fields")?;
    for field in fields {
        let object = field.as_object().ok_or("a field is not an object")?;
        let Some((tag, value)) = object.iter().next() else { continue };
        out.push('=');
        out.push_str(tag);
        out.push_str("  ");
        match value {
            Value::String(text) => out.push_str(&escape(text, true)),
            Value::Object(data) => {
                for name in ["ind1", "ind2"] {
                    let indicator = data.get(name).and_then(Value::as_str).unwrap_or(" ");
                    out.push_str(&indicator_text(indicator));
                }
                for subfield in
                    data.get("subfields").and_then(Value::as_array).into_iter().flatten()
                {
                    let Some((code, value)) = subfield.as_object().and_then(|s| s.iter().next())
                    else {
                        continue;
                    };
                    out.push('$');
                    out.push_str(&escape(code, false));
                    out.push_str(&escape(value.as_str().unwrap_or(""), false));
                }
            }
            _ => return Err(format!("field {tag} is neither text nor a data field")),
        }
        out.push('\n');
    }
    Ok(out)
}

fn indicator_text(indicator: &str) -> String {
    match indicator {
        " " | "" => "\\".to_string(),
        "\\" => "{bsol}".to_string(),
        other => escape(other, false),
    }
}

fn escape(text: &str, control: bool) -> String {
    let mut out = String::with_capacity(text.len());
    for character in text.chars() {
        match character {
            '$' => out.push_str("{dollar}"),
            '{' => out.push_str("{lcub}"),
            ' ' if control => out.push('\\'),
            '\\' if control => out.push_str("{bsol}"),
            c if c.is_control() => out.push_str(&format!("{{U+{:04X}}}", u32::from(c))),
            c => out.push(c),
        }
    }
    out
}

/// Reads an escaped value; `control` turns `\` into a blank.
fn unescape(text: &str, control: bool, line: usize) -> Result<String, TextError> {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(character) = rest.chars().next() {
        if character == '{'
            && let Some(end) = rest.find('}')
        {
            let name = &rest[1..end];
            let decoded = match name {
                "dollar" => Some('$'),
                "lcub" => Some('{'),
                "rcub" => Some('}'),
                "bsol" => Some('\\'),
                _ => name
                    .strip_prefix("U+")
                    .and_then(|hex| u32::from_str_radix(hex, 16).ok())
                    .and_then(char::from_u32),
            };
            if let Some(decoded) = decoded {
                out.push(decoded);
                rest = &rest[end + 1..];
                continue;
            }
            if name.chars().all(|c| c.is_ascii_alphanumeric() || c == '+') && !name.is_empty() {
                return Err(error(
                    line,
                    format!(
                        "\"{{{name}}}\" is not a character name: write {{dollar}} for $ and {{lcub}} for {{"
                    ),
                ));
            }
        }
        out.push(if control && character == '\\' { ' ' } else { character });
        rest = &rest[character.len_utf8()..];
    }
    Ok(out)
}

/// Reads the text back into a MARC-in-JSON record.
///
/// # Errors
/// Fails on the first line that is not a field, naming the line and what is wrong.
pub(crate) fn from_text(text: &str) -> Result<String, TextError> {
    let mut leader: Option<String> = None;
    let mut fields = Vec::new();
    for (index, raw) in text.lines().enumerate() {
        let line = index + 1;
        let content = raw.trim_end_matches('\r');
        if content.trim().is_empty() {
            continue;
        }
        let Some(after) = content.strip_prefix('=') else {
            return Err(error(
                line,
                format!(
                    "\"{}\" does not start with = and a tag: write each field on its own line, like =245  10$aTitle",
                    shorten(content)
                ),
            ));
        };
        let tag: String = after.chars().take(3).collect();
        let tag_ok = tag.chars().count() == 3 && tag.chars().all(|c| c.is_ascii_graphic());
        if !tag_ok {
            return Err(error(
                line,
                format!(
                    "\"={}\" is not a field tag: a tag is three digits or letters",
                    tag.chars().take(3).collect::<String>()
                ),
            ));
        }
        let rest = &after[tag.len()..];
        let Some(value) = rest.strip_prefix("  ") else {
            return Err(error(line, format!("put two spaces between the tag {tag} and its value")));
        };
        if tag == "LDR" {
            if leader.is_some() {
                return Err(error(line, "the record has a second leader: keep one =LDR line"));
            }
            let text = unescape(value, true, line)?;
            if text.chars().count() != 24 {
                return Err(error(
                    line,
                    format!(
                        "the leader has {} characters; it must have 24 (write a blank as \\)",
                        text.chars().count()
                    ),
                ));
            }
            leader = Some(text);
            continue;
        }
        if tag.starts_with("00") {
            fields.push(json!({ tag: unescape(value, true, line)? }));
            continue;
        }
        let mut characters = value.chars();
        let mut indicators = Vec::new();
        for _ in 0..2 {
            match characters.next() {
                Some('\\') => indicators.push(" ".to_string()),
                Some('{') => {
                    let after_brace = &value[value.len() - characters.as_str().len() - 1..];
                    let end = after_brace.find('}').map_or(after_brace.len(), |end| end + 1);
                    indicators.push(unescape(&after_brace[..end], false, line)?);
                    characters = after_brace[end..].chars();
                }
                Some('$') | None => {
                    return Err(error(
                        line,
                        format!(
                            "field {tag} needs two indicators before its first $ (write a blank as \\)"
                        ),
                    ));
                }
                Some(indicator) => indicators.push(indicator.to_string()),
            }
        }
        // Each subfield is `$` and its code, then its text: the text after the
        // indicators is nothing (no subfields) or starts with the first `$`.
        let subfield_text = match characters.as_str() {
            "" => None,
            text => Some(text.strip_prefix('$').ok_or_else(|| {
                error(
                    line,
                    format!(
                        "after the indicators of field {tag} comes $ and a subfield code, like $a, not \"{}\"",
                        shorten(text)
                    ),
                )
            })?),
        };
        let mut subfields = Vec::new();
        for part in subfield_text.into_iter().flat_map(|text| text.split('$')) {
            let mut chars = part.chars();
            let Some(code) = chars.next() else {
                return Err(error(
                    line,
                    format!(
                        "a $ in field {tag} has no subfield code after it (write a $ in text as {{dollar}})"
                    ),
                ));
            };
            let mut subfield = Map::new();
            subfield
                .insert(code.to_string(), Value::String(unescape(chars.as_str(), false, line)?));
            subfields.push(Value::Object(subfield));
        }
        fields.push(json!({ tag: { "ind1": indicators[0], "ind2": indicators[1], "subfields": subfields } }));
    }
    let Some(leader) = leader else {
        return Err(error(
            0,
            "The record has no leader: add a line =LDR and its 24 characters, like =LDR  00000nam\\a2200000\\a\\4500",
        ));
    };
    Ok(json!({ "leader": leader, "fields": fields }).to_string())
}

fn shorten(text: &str) -> String {
    let short: String = text.chars().take(20).collect();
    if short.len() < text.len() { format!("{short}…") } else { short }
}

/// A new record's text to start from.
pub(crate) const NEW_RECORD: &str = "=LDR  00000nam\\a2200000\\i\\4500\n=245  00$a\n";

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, reason = "tests fail loudly")]

    use super::*;

    #[test]
    fn a_record_reads_as_text_and_back() {
        let json = r#"{"leader":"00000nam a2200000 a 4500","fields":[{"001":"ocm123"},{"008":"850101s1984    nyu"},{"245":{"ind1":"1","ind2":"0","subfields":[{"a":"Title :"},{"b":"costs $5 {sic} /"},{"c":"by X."}]}},{"650":{"ind1":" ","ind2":"0","subfields":[{"a":"Cats"}]}}]}"#;
        let text = to_text(json).unwrap();
        assert_eq!(
            text,
            "=LDR  00000nam\\a2200000\\a\\4500\n=001  ocm123\n=008  850101s1984\\\\\\\\nyu\n=245  10$aTitle :$bcosts {dollar}5 {lcub}sic} /$cby X.\n=650  \\0$aCats\n"
        );
        let back: Value = serde_json::from_str(&from_text(&text).unwrap()).unwrap();
        assert_eq!(back, serde_json::from_str::<Value>(json).unwrap());
    }

    #[test]
    fn mistakes_name_their_line() {
        let text = "=LDR  00000nam\\a2200000\\a\\4500\n=001  x\n\n=24 \n";
        assert_eq!(
            from_text(text).unwrap_err().message,
            "Line 4: \"=24 \" is not a field tag: a tag is three digits or letters"
        );
        let missing = from_text("=LDR  00000nam\\a2200000\\a\\4500\n245  10$aX\n").unwrap_err();
        assert_eq!(missing.line, 2);
        let short = from_text("=LDR  00000nam\n").unwrap_err();
        assert!(short.message.contains("the leader has 8 characters"), "{}", short.message);
        let code = from_text("=LDR  00000nam\\a2200000\\a\\4500\n=245  10$aX$\n").unwrap_err();
        assert!(code.message.starts_with("Line 2: a $ in field 245"), "{}", code.message);
        let text = from_text("=LDR  00000nam\\a2200000\\a\\4500\n=245  10Title\n").unwrap_err();
        assert!(text.message.contains("$ and a subfield code"), "{}", text.message);
        assert_eq!(from_text("=001  x\n").unwrap_err().line, 0);
    }

    #[test]
    fn real_records_go_through_text_and_back_unchanged() {
        let folder = std::path::Path::new("/work/shared/data/marc");
        if !folder.exists() {
            return;
        }
        let mut files = Vec::new();
        let mut stack = vec![folder.to_path_buf()];
        while let Some(dir) = stack.pop() {
            for entry in std::fs::read_dir(&dir).unwrap() {
                let path = entry.unwrap().path();
                if path.is_dir() {
                    stack.push(path);
                } else if path.extension().is_some_and(|e| e == "mrc" || e == "xml") {
                    files.push(path);
                }
            }
        }
        files.sort();
        let mut checked = 0;
        for path in files.iter().take(40) {
            let Ok(reader) = athenaeum_marc::RecordReader::open(path) else { continue };
            for outcome in reader.take(50) {
                let Ok(record) = outcome.record else { continue };
                let json = athenaeum_marc::json::to_string(&record);
                let text = to_text(&json).unwrap();
                let back = from_text(&text)
                    .unwrap_or_else(|e| panic!("{}: {}\n{text}", path.display(), e.message));
                let again = athenaeum_marc::json::from_str(&back).unwrap();
                assert_eq!(again, record, "{}:\n{text}", path.display());
                checked += 1;
            }
        }
        assert!(checked > 100, "only {checked} records checked");
    }
}
