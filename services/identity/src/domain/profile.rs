//! What a library's public profile may say: a header colour that white text can be read
//! on, a phone number, a postal address of a few lines and a website. Each `parse`
//! returns the tidied value or a `VALIDATION` error naming the field; none of them
//! looks anything up.

use athenaeum_kernel::ApiError;

/// The least contrast white text must have on a library's colour: WCAG 2.2's 4.5:1 for
/// normal text (success criterion 1.4.3).
pub const MIN_CONTRAST_WITH_WHITE: f64 = 4.5;

/// The longest postal address, in characters.
const MAX_ADDRESS_CHARS: usize = 500;

/// The longest phone number, in characters.
const MAX_PHONE_CHARS: usize = 40;

/// The longest website address, in characters.
const MAX_WEBSITE_CHARS: usize = 2_000;

/// A library's colour as `#rrggbb` in lowercase, dark enough for white text on it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LibraryColour(String);

impl LibraryColour {
    /// Parses a colour given in `field` as `#rrggbb` (either case).
    ///
    /// Fails when it is not six hexadecimal digits after `#`, or when its contrast ratio
    /// with white is below [`MIN_CONTRAST_WITH_WHITE`], saying the ratio.
    pub fn parse(field: &str, text: &str) -> Result<LibraryColour, ApiError> {
        let colour = text.trim().to_ascii_lowercase();
        let digits = colour.strip_prefix('#').unwrap_or("");
        let Some([red, green, blue]) = rgb(digits) else {
            return Err(ApiError::validation(
                field,
                format!("colour {:?} must be written as #rrggbb, e.g. #1d4f91", text.trim()),
            ));
        };
        let ratio = contrast_with_white(red, green, blue);
        if ratio < MIN_CONTRAST_WITH_WHITE {
            return Err(ApiError::validation(
                field,
                format!(
                    "colour {colour} has a contrast ratio of {}:1 with white text; at least \
                     {MIN_CONTRAST_WITH_WHITE}:1 is needed so that everyone can read the header \
                     (choose a darker colour)",
                    two_decimals_down(ratio)
                ),
            ));
        }
        Ok(LibraryColour(colour))
    }

    /// Returns the colour as `#rrggbb`.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

fn rgb(digits: &str) -> Option<[u8; 3]> {
    if digits.len() != 6 || !digits.bytes().all(|byte| byte.is_ascii_hexdigit()) {
        return None;
    }
    let channel = |at: usize| u8::from_str_radix(digits.get(at..at + 2)?, 16).ok();
    Some([channel(0)?, channel(2)?, channel(4)?])
}

/// Returns the contrast ratio of white with the colour, as WCAG 2.2 defines it:
/// `(1.05) / (L + 0.05)` where `L` is the colour's relative luminance.
pub fn contrast_with_white(red: u8, green: u8, blue: u8) -> f64 {
    let linear = |channel: u8| {
        let value = f64::from(channel) / 255.0;
        if value <= 0.040_45 { value / 12.92 } else { ((value + 0.055) / 1.055).powf(2.4) }
    };
    let luminance = 0.2126 * linear(red) + 0.7152 * linear(green) + 0.0722 * linear(blue);
    1.05 / (luminance + 0.05)
}

/// Shows a ratio rounded down to two decimals, so that a refused 4.499 never reads 4.50.
fn two_decimals_down(ratio: f64) -> String {
    format!("{:.2}", (ratio * 100.0).floor() / 100.0)
}

/// A phone number as the library writes it, e.g. `+44 1904 552828`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PhoneNumber(String);

impl PhoneNumber {
    /// Parses a number given in `field`: at most 40 characters with at least one digit,
    /// one line.
    pub fn parse(field: &str, text: &str) -> Result<PhoneNumber, ApiError> {
        let number = text.trim();
        if number.chars().count() > MAX_PHONE_CHARS {
            return Err(ApiError::validation(
                field,
                format!("{field} must be at most {MAX_PHONE_CHARS} characters"),
            ));
        }
        if number.chars().any(char::is_control) || !number.chars().any(|c| c.is_ascii_digit()) {
            return Err(ApiError::validation(
                field,
                format!("{number:?} is not a phone number; write it as people dial it"),
            ));
        }
        Ok(PhoneNumber(number.to_string()))
    }

    /// Returns the number.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A postal address: a few lines of text, each trimmed, joined by `\n`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PostalAddress(String);

impl PostalAddress {
    /// Parses an address given in `field`: line endings of any kind become `\n`, and it
    /// may hold at most 500 characters and no other control character. `None` when it
    /// has no text.
    pub fn parse(field: &str, text: &str) -> Result<Option<PostalAddress>, ApiError> {
        let tidied = text.replace("\r\n", "\n").replace('\r', "\n");
        let lines: Vec<&str> = tidied.lines().map(str::trim).collect();
        let address = lines.join("\n").trim_matches('\n').to_string();
        if address.is_empty() {
            return Ok(None);
        }
        let length = address.chars().count();
        if length > MAX_ADDRESS_CHARS {
            return Err(ApiError::validation(
                field,
                format!("{field} is {length} characters long; at most {MAX_ADDRESS_CHARS} fit"),
            ));
        }
        if address.chars().any(|character| character.is_control() && character != '\n') {
            return Err(ApiError::validation(
                field,
                format!("{field} must not contain control characters"),
            ));
        }
        Ok(Some(PostalAddress(address)))
    }

    /// Returns the address, lines separated by `\n`.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A website's address: an absolute `http` or `https` URL with a host.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WebsiteUrl(String);

impl WebsiteUrl {
    /// Parses an address given in `field`, keeping it as typed (trimmed).
    ///
    /// Fails for anything but an `http` or `https` URL with a host, or one longer than
    /// 2,000 characters.
    pub fn parse(field: &str, text: &str) -> Result<WebsiteUrl, ApiError> {
        let address = text.trim();
        let refused = || {
            ApiError::validation(
                field,
                format!(
                    "{address:?} is not a website address; write it whole, starting with \
                     https:// or http://"
                ),
            )
        };
        if address.chars().count() > MAX_WEBSITE_CHARS {
            return Err(ApiError::validation(
                field,
                format!("{field} must be at most {MAX_WEBSITE_CHARS} characters"),
            ));
        }
        if address.chars().any(|character| character.is_whitespace() || character.is_control()) {
            return Err(refused());
        }
        let url = url::Url::parse(address).map_err(|_| refused())?;
        let has_host = url.host_str().is_some_and(|host| !host.is_empty());
        if !matches!(url.scheme(), "http" | "https") || !has_host {
            return Err(refused());
        }
        Ok(WebsiteUrl(address.to_string()))
    }

    /// Returns the address.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn contrast_with_white_follows_wcag() {
        assert!((contrast_with_white(0, 0, 0) - 21.0).abs() < 1e-9);
        assert!((contrast_with_white(255, 255, 255) - 1.0).abs() < 1e-9);
        // #767676 is the lightest grey that passes 4.5:1.
        assert!(contrast_with_white(0x76, 0x76, 0x76) >= 4.5);
        assert!(contrast_with_white(0x77, 0x77, 0x77) < 4.5);
    }

    #[test]
    fn a_dark_colour_is_kept_in_lowercase() {
        let colour = LibraryColour::parse("colour", " #1D4F91 ").unwrap();
        assert_eq!(colour.as_str(), "#1d4f91");
    }

    #[test]
    fn a_light_colour_is_refused_saying_its_ratio_and_the_minimum() {
        let error = LibraryColour::parse("colour", "#ffcc00").unwrap_err();
        assert_eq!(error.field.as_deref(), Some("colour"));
        assert_eq!(
            error.message,
            "colour #ffcc00 has a contrast ratio of 1.51:1 with white text; at least 4.5:1 is \
             needed so that everyone can read the header (choose a darker colour)"
        );
        let just_short = LibraryColour::parse("colour", "#777777").unwrap_err();
        assert!(just_short.message.contains("4.47:1"), "{}", just_short.message);
    }

    #[test]
    fn a_colour_not_written_as_six_hex_digits_is_refused() {
        for text in ["1d4f91", "#1d4f9", "#1d4f911", "#gggggg", "navy", "#1d4f9é"] {
            let error = LibraryColour::parse("colour", text).unwrap_err();
            assert!(error.message.contains("#rrggbb"), "{text}: {}", error.message);
        }
    }

    #[test]
    fn websites_are_http_or_https_with_a_host() {
        assert!(WebsiteUrl::parse("website", "https://www.york.gov.uk/libraries").is_ok());
        assert!(WebsiteUrl::parse("website", "http://library.example").is_ok());
        for text in [
            "javascript:alert(1)",
            "ftp://library.example",
            "www.york.gov.uk",
            "https://",
            "https://a b",
        ] {
            let error = WebsiteUrl::parse("website", text).unwrap_err();
            assert_eq!(error.field.as_deref(), Some("website"), "{text}");
        }
    }

    #[test]
    fn a_postal_address_keeps_its_lines() {
        let address =
            PostalAddress::parse("postalAddress", "Museum Street\r\n York \r\nYO1 7DS\r\n")
                .unwrap()
                .unwrap();
        assert_eq!(address.as_str(), "Museum Street\nYork\nYO1 7DS");
        assert_eq!(PostalAddress::parse("postalAddress", " \n ").unwrap(), None);
        assert!(PostalAddress::parse("postalAddress", &"a".repeat(501)).is_err());
        assert!(PostalAddress::parse("postalAddress", "a\u{7}b").is_err());
    }

    #[test]
    fn a_phone_number_needs_a_digit() {
        assert_eq!(
            PhoneNumber::parse("phone", " +44 1904 552828 ").unwrap().as_str(),
            "+44 1904 552828"
        );
        assert!(PhoneNumber::parse("phone", "call us").is_err());
        assert!(PhoneNumber::parse("phone", &"1".repeat(41)).is_err());
    }
}
