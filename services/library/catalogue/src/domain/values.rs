//! Small checked values: codes, names, prices, and the status changes staff may make.

use athenaeum_kernel::ApiError;

use crate::api::ItemStatus;

/// A short code (branch, location, material or loan type): 1 to 32 letters, digits,
/// `-`, `_` or `.`, kept as given.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Code(String);

impl Code {
    /// Checks a code given in `field`.
    pub fn parse(field: &str, text: &str) -> Result<Code, ApiError> {
        let code = text.trim();
        if code.is_empty() {
            return Err(ApiError::validation(field, format!("{field} must not be empty")));
        }
        if code.chars().count() > 32 {
            return Err(ApiError::validation(
                field,
                format!("{field} {code:?} is longer than 32 characters"),
            ));
        }
        if let Some(bad) =
            code.chars().find(|c| !(c.is_alphanumeric() || matches!(c, '-' | '_' | '.')))
        {
            return Err(ApiError::validation(
                field,
                format!("{field} {code:?} holds {bad:?}; use letters, digits, '-', '_' or '.'"),
            ));
        }
        Ok(Code(code.to_string()))
    }

    /// Returns the code.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A name shown to people: 1 to 200 characters, trimmed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Name(String);

impl Name {
    /// Checks a name given in `field`.
    pub fn parse(field: &str, text: &str) -> Result<Name, ApiError> {
        let name = text.trim();
        if name.is_empty() {
            return Err(ApiError::validation(field, format!("{field} must not be empty")));
        }
        if name.chars().count() > 200 {
            return Err(ApiError::validation(
                field,
                format!("{field} is longer than 200 characters"),
            ));
        }
        if name.chars().any(char::is_control) {
            return Err(ApiError::validation(field, format!("{field} holds control characters")));
        }
        Ok(Name(name.to_string()))
    }

    /// Returns the name.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Parses a price such as `12.99`, `£12.99`, `12,99 EUR` or `12` into minor units (1299).
/// Returns `None` for text with no usable amount; a negative amount, an amount with more
/// than two decimals or one above 1,000,000 is refused too (a replacement price is never
/// below nothing, and the others are surely typing errors).
pub fn parse_price(text: &str) -> Option<i64> {
    let before_digits: String = text.trim().chars().take_while(|c| !c.is_ascii_digit()).collect();
    if before_digits.contains(['-', '\u{2212}', '(']) {
        return None;
    }
    let digits: String = text
        .trim()
        .chars()
        .skip_while(|c| !c.is_ascii_digit())
        .take_while(|c| c.is_ascii_digit() || *c == '.' || *c == ',')
        .collect();
    if digits.is_empty() {
        return None;
    }
    let normalised = digits.replace(',', ".");
    let (whole, fraction) = match normalised.split_once('.') {
        Some((whole, fraction)) => (whole, fraction),
        None => (normalised.as_str(), ""),
    };
    if fraction.contains('.') || fraction.len() > 2 || whole.is_empty() {
        return None;
    }
    let whole: i64 = whole.parse().ok()?;
    if whole > 1_000_000 {
        return None;
    }
    let cents: i64 = match fraction.len() {
        0 => 0,
        1 => fraction.parse::<i64>().ok()? * 10,
        _ => fraction.parse().ok()?,
    };
    Some(whole * 100 + cents)
}

/// Formats minor units as a decimal amount, e.g. 1299 → `12.99`.
pub fn format_price(minor: i64) -> String {
    let sign = if minor < 0 { "-" } else { "" };
    let minor = minor.unsigned_abs();
    format!("{sign}{}.{:02}", minor / 100, minor % 100)
}

/// Checks a status change made by hand at the desk or in the catalogue. Loans, holds and
/// transits belong to circulation: staff cannot put an item on loan or on the holds shelf
/// here, nor make an item on loan available without checking it in.
pub fn check_manual_status(from: ItemStatus, to: ItemStatus) -> Result<(), ApiError> {
    if matches!(to, ItemStatus::OnLoan | ItemStatus::OnHoldShelf | ItemStatus::InTransit) {
        return Err(ApiError::validation(
            "status",
            format!(
                "an item becomes {} through circulation (checkout, holds, transfers), not by hand",
                to.as_str().replace('_', " ")
            ),
        ));
    }
    if matches!(from, ItemStatus::OnLoan | ItemStatus::OnHoldShelf)
        && matches!(to, ItemStatus::Available | ItemStatus::InProcessing)
    {
        return Err(ApiError::validation(
            "status",
            format!(
                "the item is {}; check it in at the desk instead",
                from.as_str().replace('_', " ")
            ),
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prices_in_common_spellings_become_minor_units() {
        assert_eq!(parse_price("12.99"), Some(1299));
        assert_eq!(parse_price("£12.99"), Some(1299));
        assert_eq!(parse_price("12,5 EUR"), Some(1250));
        assert_eq!(parse_price("USD 7"), Some(700));
        assert_eq!(parse_price("free"), None);
        assert_eq!(parse_price("1.999"), None);
        assert_eq!(format_price(1299), "12.99");
        assert_eq!(format_price(5), "0.05");
    }

    #[test]
    fn a_negative_price_is_refused_not_stored_without_its_sign() {
        assert_eq!(parse_price("-12.99"), None);
        assert_eq!(parse_price("£-5"), None);
        assert_eq!(parse_price("(3.00)"), None);
        assert_eq!(parse_price("\u{2212}1"), None);
    }

    #[test]
    fn codes_refuse_spaces_and_length() {
        assert!(Code::parse("code", "CPL").is_ok());
        assert_eq!(Code::parse("code", "  CPL ").unwrap().as_str(), "CPL");
        assert!(Code::parse("code", "two words").is_err());
        assert!(Code::parse("code", "").is_err());
        assert!(Code::parse("code", &"x".repeat(33)).is_err());
    }

    #[test]
    fn staff_cannot_put_an_item_on_loan_by_hand_or_free_a_loaned_one() {
        assert!(check_manual_status(ItemStatus::Available, ItemStatus::Missing).is_ok());
        assert!(check_manual_status(ItemStatus::Available, ItemStatus::OnLoan).is_err());
        assert!(check_manual_status(ItemStatus::OnLoan, ItemStatus::Available).is_err());
        assert!(check_manual_status(ItemStatus::OnLoan, ItemStatus::Lost).is_ok());
    }
}
