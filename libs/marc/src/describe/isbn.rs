//! ISBNs and ISSNs as people and catalogues write them, reduced to their checked
//! compact forms. Other services normalise user-typed numbers with these functions, so
//! they accept hyphens, spaces, an "ISBN" label and trailing qualifiers ("(pbk.)"), and
//! never guess: a number with a wrong check digit is refused.

use serde::{Deserialize, Serialize};

/// An ISBN with a correct check digit, in its compact forms (digits and a final `X`, no
/// hyphens).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Isbn {
    /// The 13-digit form, e.g. `9780141439518`. Always present: an ISBN-10 is converted.
    pub isbn13: String,
    /// The 10-digit form, e.g. `0141439513`; `None` for 979-prefixed ISBNs, which have
    /// no 10-digit form.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub isbn10: Option<String>,
}

/// Returns the ISBN at the start of `text` when its check digit is right, in both forms
/// where both exist.
///
/// Accepts an optional "ISBN", "ISBN-10:" or "ISBN-13:" label, hyphens and spaces
/// between digit groups, a lowercase `x`, and anything after the number ("0486266893
/// (pbk.) :"). Returns `None` for an ISBN-10 or ISBN-13 whose check digit is wrong, for a
/// 13-digit number not starting with 978 or 979, and for anything else.
pub fn parse_isbn(text: &str) -> Option<Isbn> {
    let compact = compact_isbn(text)?;
    match compact.len() {
        10 if is_valid_isbn10(&compact) => {
            let isbn13 = isbn10_to_13(&compact)?;
            Some(Isbn { isbn13, isbn10: Some(compact) })
        }
        13 if is_valid_isbn13(&compact) => {
            let isbn10 = isbn13_to_10(&compact);
            Some(Isbn { isbn13: compact, isbn10 })
        }
        _ => None,
    }
}

/// Returns the 13-digit form of a valid ISBN-10 (compact or hyphenated), or `None` when
/// it is not one.
pub fn isbn10_to_13(isbn10: &str) -> Option<String> {
    let compact = compact_isbn(isbn10)?;
    if compact.len() != 10 || !is_valid_isbn10(&compact) {
        return None;
    }
    let mut isbn13 = String::with_capacity(13);
    isbn13.push_str("978");
    isbn13.push_str(&compact[..9]);
    let check = isbn13_check_digit(isbn13.as_bytes())?;
    isbn13.push(check);
    Some(isbn13)
}

/// Returns the 10-digit form of a valid 978-prefixed ISBN-13 (compact or hyphenated), or
/// `None` when it is not one (a 979 ISBN has no 10-digit form).
pub fn isbn13_to_10(isbn13: &str) -> Option<String> {
    let compact = compact_isbn(isbn13)?;
    if compact.len() != 13 || !is_valid_isbn13(&compact) || !compact.starts_with("978") {
        return None;
    }
    let mut isbn10 = String::with_capacity(10);
    isbn10.push_str(&compact[3..12]);
    let check = isbn10_check_digit(isbn10.as_bytes())?;
    isbn10.push(check);
    Some(isbn10)
}

/// Returns true when `compact` is ten characters, nine digits and a digit or `X`, with
/// the right check digit.
pub fn is_valid_isbn10(compact: &str) -> bool {
    let bytes = compact.as_bytes();
    if bytes.len() != 10 || !bytes[..9].iter().all(u8::is_ascii_digit) {
        return false;
    }
    isbn10_check_digit(&bytes[..9]).is_some_and(|check| check as u8 == bytes[9])
}

/// Returns true when `compact` is thirteen digits starting 978 or 979, with the right
/// check digit.
pub fn is_valid_isbn13(compact: &str) -> bool {
    let bytes = compact.as_bytes();
    if bytes.len() != 13 || !bytes.iter().all(u8::is_ascii_digit) {
        return false;
    }
    if !(compact.starts_with("978") || compact.starts_with("979")) {
        return false;
    }
    isbn13_check_digit(&bytes[..12]).is_some_and(|check| check as u8 == bytes[12])
}

/// Returns the characters of the number at the start of `text`: digits and an uppercase
/// `X`, without hyphens and inner spaces, or `None` when it does not start with one.
///
/// The scan stops at the first character that cannot belong to an ISBN, and at a space
/// once ten or thirteen characters are read ("1435921259 9781435921254" is two ISBNs).
pub fn compact_isbn(text: &str) -> Option<String> {
    let rest = strip_label(text.trim());
    let mut compact = String::with_capacity(13);
    for character in rest.chars() {
        match character {
            '0'..='9' => compact.push(character),
            'X' | 'x' => compact.push('X'),
            '-' | '\u{2010}' | '\u{2011}' | '\u{2013}' if !compact.is_empty() => {}
            ' ' | '\u{a0}' => {
                if compact.len() == 10 || compact.len() == 13 {
                    break;
                }
            }
            _ => break,
        }
        if compact.len() > 13 {
            break;
        }
    }
    (!compact.is_empty()).then_some(compact)
}

/// Returns `text` without a leading "ISBN", "ISBN-10", "ISBN 13:" and the like.
fn strip_label(text: &str) -> &str {
    let Some(prefix) = text.get(..4) else {
        return text;
    };
    if !prefix.eq_ignore_ascii_case("isbn") {
        return text;
    }
    let mut rest = text[4..].trim_start_matches(['-', ' ', ':']);
    for qualifier in ["10", "13"] {
        if let Some(after) = rest.strip_prefix(qualifier)
            && after.starts_with([':', ' '])
        {
            rest = after;
        }
    }
    rest.trim_start_matches([' ', ':'])
}

/// Returns the ISBN-10 check character for nine digits.
fn isbn10_check_digit(digits: &[u8]) -> Option<char> {
    let mut sum = 0u32;
    for (index, byte) in digits.iter().enumerate() {
        let digit = u32::from(byte.checked_sub(b'0').filter(|digit| *digit <= 9)?);
        sum += digit * (10 - index as u32);
    }
    let check = (11 - sum % 11) % 11;
    Some(if check == 10 { 'X' } else { char::from_digit(check, 10)? })
}

/// Returns the ISBN-13 (EAN-13) check digit for twelve digits.
fn isbn13_check_digit(digits: &[u8]) -> Option<char> {
    let mut sum = 0u32;
    for (index, byte) in digits.iter().enumerate() {
        let digit = u32::from(byte.checked_sub(b'0').filter(|digit| *digit <= 9)?);
        sum += if index % 2 == 0 { digit } else { digit * 3 };
    }
    char::from_digit((10 - sum % 10) % 10, 10)
}

/// Returns the ISSN at the start of `text` in its standard form `NNNN-NNNC` when its
/// check digit is right, or `None`.
///
/// Accepts "0028-0836", "00280836", "ISSN 0028-0836", a lowercase `x` and anything after
/// the number.
pub fn parse_issn(text: &str) -> Option<String> {
    let mut rest = text.trim();
    if rest.get(..4).is_some_and(|prefix| prefix.eq_ignore_ascii_case("issn")) {
        rest = rest[4..].trim_start_matches([' ', ':']);
    }
    let mut compact = String::with_capacity(8);
    for character in rest.chars() {
        match character {
            '0'..='9' => compact.push(character),
            'X' | 'x' => compact.push('X'),
            '-' | '\u{2010}' | '\u{2011}' if compact.len() == 4 => {}
            _ => break,
        }
        if compact.len() > 8 {
            return None;
        }
    }
    let bytes = compact.as_bytes();
    if bytes.len() != 8 || !bytes[..7].iter().all(u8::is_ascii_digit) {
        return None;
    }
    let sum: u32 = bytes[..7]
        .iter()
        .enumerate()
        .map(|(index, byte)| u32::from(byte - b'0') * (8 - index as u32))
        .sum();
    let check = (11 - sum % 11) % 11;
    let expected = if check == 10 { b'X' } else { b'0' + check as u8 };
    if bytes[7] != expected {
        return None;
    }
    Some(format!("{}-{}", &compact[..4], &compact[4..]))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn isbn10_with_x_check_digit_converts_to_isbn13() {
        let isbn = parse_isbn("750861772X").unwrap();
        assert_eq!(isbn.isbn13, "9787508617725");
        assert_eq!(isbn.isbn10.as_deref(), Some("750861772X"));
    }

    #[test]
    fn isbn13_with_978_prefix_converts_to_isbn10() {
        let isbn = parse_isbn("9780061764547").unwrap();
        assert_eq!(isbn.isbn10.as_deref(), Some("006176454X"));
    }

    #[test]
    fn isbn13_with_979_prefix_has_no_isbn10() {
        let isbn = parse_isbn("979-10-90636-07-1").unwrap();
        assert_eq!(isbn.isbn13, "9791090636071");
        assert_eq!(isbn.isbn10, None);
        assert_eq!(isbn13_to_10("9791090636071"), None);
    }

    #[test]
    fn hyphens_spaces_labels_and_qualifiers_are_ignored() {
        for text in [
            "0-486-26689-3",
            "0 486 26689 3",
            "0486266893 (pbk.) :",
            "ISBN 0-486-26689-3",
            "ISBN-10: 0486266893",
            "isbn0486266893",
        ] {
            assert_eq!(parse_isbn(text).unwrap().isbn13, "9780486266893", "{text}");
        }
        assert_eq!(parse_isbn("ISBN-13: 978-0-486-26689-3").unwrap().isbn10.unwrap(), "0486266893");
    }

    #[test]
    fn lowercase_x_check_digit_is_accepted() {
        assert_eq!(parse_isbn("184533213x").unwrap().isbn10.unwrap(), "184533213X");
    }

    #[test]
    fn wrong_check_digit_is_refused() {
        assert_eq!(parse_isbn("0486266894"), None);
        assert_eq!(parse_isbn("9780486266892"), None);
        assert_eq!(parse_isbn("978184533213X"), None);
        assert_eq!(isbn10_to_13("0486266894"), None);
    }

    #[test]
    fn thirteen_digits_without_bookland_prefix_are_not_an_isbn() {
        assert_eq!(parse_isbn("8901452100503"), None);
    }

    #[test]
    fn two_isbns_separated_by_a_space_yield_the_first() {
        assert_eq!(parse_isbn("1435921259 9781435921254").unwrap().isbn10.unwrap(), "1435921259");
    }

    #[test]
    fn text_that_is_not_a_number_is_refused() {
        assert_eq!(parse_isbn(""), None);
        assert_eq!(parse_isbn("HL00361126 :"), None);
        assert_eq!(parse_isbn("089542262X295"), None);
    }

    #[test]
    fn issn_is_validated_and_formatted() {
        assert_eq!(parse_issn("0068-1075").as_deref(), Some("0068-1075"));
        assert_eq!(parse_issn("00681075").as_deref(), Some("0068-1075"));
        assert_eq!(parse_issn("ISSN 0378-5955").as_deref(), Some("0378-5955"));
        assert_eq!(parse_issn("2434-561x").as_deref(), Some("2434-561X"));
        assert_eq!(parse_issn("0068-1076"), None);
        assert_eq!(parse_issn("0068-10755"), None);
    }
}
