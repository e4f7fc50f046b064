//! Values circulation checks at its edge: card barcodes, names and how they are searched
//! and shown on a holds shelf, time zones and currencies. Pure functions.

/// Returns a card barcode trimmed, or why it cannot be one: 1 to 64 characters of
/// letters, digits, `-` and `_`.
pub fn card_barcode(text: &str) -> Result<String, String> {
    let barcode = text.trim();
    if barcode.is_empty() {
        return Err("a card barcode cannot be empty".into());
    }
    if barcode.chars().count() > 64 {
        return Err(format!("card barcode {barcode} is longer than 64 characters"));
    }
    if let Some(bad) =
        barcode.chars().find(|c| !(c.is_ascii_alphanumeric() || *c == '-' || *c == '_'))
    {
        return Err(format!(
            "card barcode {barcode} has {bad:?} in it; use letters, digits, - and _ only"
        ));
    }
    Ok(barcode.to_string())
}

/// Returns a person's name trimmed with inner spaces collapsed, or why it cannot be one.
pub fn person_name(text: &str) -> Result<String, String> {
    let name = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if name.is_empty() {
        return Err("a patron needs a name".into());
    }
    if name.chars().count() > 200 {
        return Err("a name is at most 200 characters".into());
    }
    Ok(name)
}

/// Returns the form of a name (or a search for one) that name searches compare: lower
/// case, single spaces.
pub fn name_key(text: &str) -> String {
    text.split_whitespace().map(str::to_lowercase).collect::<Vec<_>>().join(" ")
}

/// Returns how a holds shelf names a patron without spelling out their whole name:
/// "Sam Patel" → "S. Patel"; a one-word name stays as it is.
pub fn shelf_name(name: &str) -> String {
    let words: Vec<&str> = name.split_whitespace().collect();
    match words.as_slice() {
        [] => String::new(),
        [only] => (*only).to_string(),
        [first, .., last] => {
            let initial: String = first.chars().take(1).collect();
            format!("{initial}. {last}")
        }
    }
}

/// Returns the IANA time zone a name gives, or why it does not.
pub fn time_zone(name: &str) -> Result<chrono_tz::Tz, String> {
    name.trim()
        .parse::<chrono_tz::Tz>()
        .map_err(|_| format!("{name} is not a time zone; use a name such as Europe/London"))
}

/// Returns a currency code upper-cased, or why it is not one: three letters (ISO 4217).
pub fn currency(code: &str) -> Result<String, String> {
    let code = code.trim().to_ascii_uppercase();
    if code.len() == 3 && code.chars().all(|c| c.is_ascii_alphabetic()) {
        Ok(code)
    } else {
        Err(format!("{code} is not a currency code; use three letters such as GBP"))
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, reason = "tests fail loudly")]
mod tests {
    use super::*;

    #[test]
    fn card_barcodes_are_trimmed_and_checked() {
        assert_eq!(card_barcode(" 2999900001 ").unwrap(), "2999900001");
        assert!(card_barcode("").is_err());
        assert!(card_barcode("29 99").unwrap_err().contains("' '"));
    }

    #[test]
    fn names_are_searched_without_case_or_extra_spaces() {
        assert_eq!(name_key("  Sam   PATEL "), "sam patel");
        assert_eq!(person_name("  Sam   Patel ").unwrap(), "Sam Patel");
        assert!(person_name("   ").is_err());
    }

    #[test]
    fn the_holds_shelf_shows_an_initial_and_the_last_name() {
        assert_eq!(shelf_name("Sam Kumar Patel"), "S. Patel");
        assert_eq!(shelf_name("Cher"), "Cher");
    }

    #[test]
    fn time_zones_and_currencies_are_checked() {
        assert!(time_zone("Europe/London").is_ok());
        assert!(time_zone("Mars/Olympus").is_err());
        assert_eq!(currency("gbp").unwrap(), "GBP");
        assert!(currency("pounds").is_err());
    }
}
