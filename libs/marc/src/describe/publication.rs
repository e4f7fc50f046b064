//! Who published the resource, where and when (260/264 and 008), and in which languages
//! it is written (008 and 041). Years are read, never invented: a date that says only
//! the century gives no year.

use serde::{Deserialize, Serialize};

use super::fields_tagged;
use super::text::{clean_transcribed, push_unique};
use crate::{DataField, Record};

/// The publication statement and the dates drawn from it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Publication {
    /// Places of publication as transcribed, e.g. "London", "[S.l.]".
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub places: Vec<String>,
    /// Publishers as transcribed, e.g. "Penguin Books".
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub publishers: Vec<String>,
    /// Dates as transcribed, e.g. "c1998", "[1998?]", "2010".
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub dates: Vec<String>,
    /// The copyright date (264 ind2 4), e.g. "©2012".
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub copyright_date: Option<String>,
    /// The year of publication: 008/07-10 when it is four digits between 1000 and 2099
    /// (for a reprint, 008/06 `r`, the later of the two 008 dates); else the first such
    /// year in the statement's dates ("c1998", "[1998?]"), then the copyright date; else
    /// the first year of a decade ("199-", 008 "199u"). "9999", "uuuu", "19--" and "[s.d.]"
    /// give none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub year: Option<u16>,
    /// The MARC country code of publication (008/15-17), e.g. "nyu", "enk", "xx".
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub country: Option<String>,
}

/// Returns the publication statements to read: 260s and 264s of publication (ind2 1);
/// when there are none, the first kind present of production (0), distribution (2) and
/// manufacture (3); failing those, an 880 holding a 260 or 264 of publication.
fn statements(record: &Record) -> Vec<&DataField> {
    let published: Vec<&DataField> = record
        .all_data_fields()
        .filter(|field| match &field.tag.as_bytes() {
            b"260" => true,
            b"264" => field.ind2 == '1',
            _ => false,
        })
        .collect();
    if !published.is_empty() {
        return published;
    }
    for function in ['0', '2', '3'] {
        let others: Vec<&DataField> =
            fields_tagged(record, b"264").filter(|field| field.ind2 == function).collect();
        if !others.is_empty() {
            return others;
        }
    }
    // Some records give the statement only in the vernacular, in an 880 that links to
    // no romanised 260 ("260-00").
    fields_tagged(record, b"880")
        .filter(|field| match field.linkage() {
            Some(("260", _)) => true,
            Some(("264", _)) => field.ind2 == '1',
            _ => false,
        })
        .collect()
}

/// Reads the publication; `fixed` is the bibliographic 008, when the record has one.
pub(crate) fn publication(record: &Record, fixed: Option<&str>) -> Publication {
    let mut publication = Publication::default();
    for field in statements(record) {
        for subfield in &field.subfields {
            let list = match subfield.code {
                'a' => &mut publication.places,
                'b' => &mut publication.publishers,
                'c' => &mut publication.dates,
                _ => continue,
            };
            push_unique(list, clean_transcribed(&subfield.value).to_string());
        }
    }
    publication.copyright_date = fields_tagged(record, b"264")
        .filter(|field| field.ind2 == '4')
        .find_map(|field| field.first('c'))
        .map(|value| clean_transcribed(value).to_string())
        .filter(|value| !value.is_empty());

    let from_fixed = fixed.and_then(year_from_fixed_field);
    let from_statement = || {
        publication
            .dates
            .iter()
            .chain(publication.copyright_date.iter())
            .find_map(|date| scan_year(date).exact)
    };
    let decade = || {
        fixed
            .and_then(|value| value.get(7..11))
            .and_then(decade_of_fixed)
            .or_else(|| publication.dates.iter().find_map(|date| scan_year(date).decade))
    };
    publication.year = from_fixed.or_else(from_statement).or_else(decade);
    publication.country = fixed
        .and_then(|value| value.get(15..18))
        .map(|code| code.trim_matches([' ', '|']).to_lowercase())
        .filter(|code| !code.is_empty() && code.bytes().all(|byte| byte.is_ascii_alphabetic()));
    publication
}

fn plausible(year: u16) -> bool {
    (1000..=2099).contains(&year)
}

/// Returns the four-digit number in `text` when it is a plausible year.
fn four_digit_year(text: &str) -> Option<u16> {
    if text.len() != 4 || !text.bytes().all(|byte| byte.is_ascii_digit()) {
        return None;
    }
    text.parse().ok().filter(|year| plausible(*year))
}

/// Returns the year from 008/06-14.
fn year_from_fixed_field(fixed: &str) -> Option<u16> {
    let date_type = fixed.get(6..7)?;
    let first = fixed.get(7..11).and_then(four_digit_year);
    if date_type == "r" {
        // A reprint's 008 gives the reproduction and the original date; some
        // cataloguers swap them, and a reproduction is never older than its original.
        let second = fixed.get(11..15).and_then(four_digit_year);
        return match (first, second) {
            (Some(first), Some(second)) => Some(first.max(second)),
            (first, second) => first.or(second),
        };
    }
    if matches!(date_type, "b" | "n") {
        return None;
    }
    first
}

/// Returns the first year of a decade written "199u" in the 008.
fn decade_of_fixed(date: &str) -> Option<u16> {
    let digits = date.get(..3)?;
    if !date.ends_with('u') || !digits.bytes().all(|byte| byte.is_ascii_digit()) {
        return None;
    }
    digits.parse::<u16>().ok().map(|decade| decade * 10).filter(|year| plausible(*year))
}

/// What [`scan_year`] found in a transcribed date.
struct ScannedYear {
    exact: Option<u16>,
    decade: Option<u16>,
}

/// Finds the first plausible four-digit year in a transcribed date, and the first decade
/// written "199-" or "199?".
fn scan_year(text: &str) -> ScannedYear {
    let bytes = text.as_bytes();
    let mut scanned = ScannedYear { exact: None, decade: None };
    let mut index = 0;
    while index < bytes.len() {
        if !bytes[index].is_ascii_digit() {
            index += 1;
            continue;
        }
        let start = index;
        while index < bytes.len() && bytes[index].is_ascii_digit() {
            index += 1;
        }
        let run = &text[start..index];
        match run.len() {
            4 => {
                if let Some(year) = four_digit_year(run) {
                    scanned.exact = Some(year);
                    return scanned;
                }
            }
            3 if scanned.decade.is_none()
                && matches!(bytes.get(index), Some(b'-' | b'?' | b'u')) =>
            {
                let next_is_digit = bytes.get(index + 1).is_some_and(u8::is_ascii_digit);
                if !next_is_digit {
                    scanned.decade = run
                        .parse::<u16>()
                        .ok()
                        .map(|decade| decade * 10)
                        .filter(|year| plausible(*year));
                }
            }
            _ => {}
        }
    }
    scanned
}

/// Codes that name no language for searching: blank, fill, "no linguistic content" and
/// "undetermined".
const NOT_LANGUAGES: &[&str] = &["zxx", "und", "   ", "|||", "xxx", "n/a"];

/// Reads the languages: 008/35-37 first, then 041 `$a` (text) and `$d` (sung or spoken),
/// lowercased three-letter codes without repeats. "zxx" (no linguistic content), "und"
/// (undetermined) and blanks are left out; "mul" (multiple) is kept only when no single
/// language is named. Old 041s that run codes together ("engfre") are split.
pub(crate) fn languages(record: &Record, fixed: Option<&str>) -> Vec<String> {
    let mut languages: Vec<String> = Vec::new();
    let mut add = |code: &str| {
        let code = code.trim().to_lowercase();
        if code.len() == 3
            && code.bytes().all(|byte| byte.is_ascii_lowercase())
            && !NOT_LANGUAGES.contains(&code.as_str())
        {
            push_unique(&mut languages, code);
        }
    };
    if let Some(code) = fixed.and_then(|fixed| fixed.get(35..38)) {
        add(code);
    }
    for field in fields_tagged(record, b"041") {
        for value in field.values_of("ad") {
            let value = value.trim();
            if value.len() > 3 && value.len() % 3 == 0 && value.is_ascii() {
                for start in (0..value.len()).step_by(3) {
                    add(&value[start..start + 3]);
                }
            } else {
                add(value);
            }
        }
    }
    if languages.len() > 1 {
        languages.retain(|code| code != "mul");
    }
    languages
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn transcribed_dates_give_their_year() {
        for (text, year) in [
            ("c1998.", Some(1998)),
            ("[1998?]", Some(1998)),
            ("1975, c1972.", Some(1975)),
            ("2021 [1964]", Some(2021)),
            ("[s.d.]", None),
            ("19--", None),
            ("12345", None),
        ] {
            assert_eq!(scan_year(text).exact, year, "{text}");
        }
    }

    #[test]
    fn a_decade_gives_its_first_year() {
        assert_eq!(scan_year("[199-?]").decade, Some(1990));
        assert_eq!(scan_year("[199-?]").exact, None);
        assert_eq!(decade_of_fixed("199u"), Some(1990));
        assert_eq!(decade_of_fixed("19uu"), None);
    }
}
