//! Validated values: each `parse` returns the value or a `VALIDATION` error naming the
//! field, so an invalid value cannot reach the store. They check form only, never
//! whether a value is already taken.

use athenaeum_kernel::ApiError;

/// A tenant's slug: lowercase letters, digits and inner hyphens, 2 to 40 characters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TenantSlug(String);

/// Slugs that name parts of the platform rather than a library authority.
const RESERVED_SLUGS: [&str; 6] = ["platform", "admin", "api", "graphql", "internal", "www"];

impl TenantSlug {
    /// Parses a slug given in `field`.
    pub fn parse(field: &str, text: &str) -> Result<TenantSlug, ApiError> {
        let slug = text.trim();
        let well_formed = (2..=40).contains(&slug.len())
            && slug
                .bytes()
                .all(|byte| byte.is_ascii_lowercase() || byte.is_ascii_digit() || byte == b'-')
            && !slug.starts_with('-')
            && !slug.ends_with('-');
        if !well_formed {
            return Err(ApiError::validation(
                field,
                format!(
                    "slug {slug:?} must be 2 to 40 lowercase letters, digits or hyphens, \
                     not starting or ending with a hyphen"
                ),
            ));
        }
        Ok(TenantSlug(slug.to_string()))
    }

    /// Parses a slug for a new tenant, refusing the reserved ones.
    pub fn parse_new(field: &str, text: &str) -> Result<TenantSlug, ApiError> {
        let slug = TenantSlug::parse(field, text)?;
        if RESERVED_SLUGS.contains(&slug.0.as_str()) {
            return Err(ApiError::validation(field, format!("slug {:?} is reserved", slug.0)));
        }
        Ok(slug)
    }

    /// Returns the slug.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// An email address as typed, with its normalised (trimmed, lowercase) form used for
/// uniqueness and look-ups.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EmailAddress {
    original: String,
    normalized: String,
}

impl EmailAddress {
    /// Parses an address given in `field`.
    pub fn parse(field: &str, text: &str) -> Result<EmailAddress, ApiError> {
        let original = text.trim();
        let invalid =
            || ApiError::validation(field, format!("{original:?} is not an email address"));
        if original.len() > 254 || original.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return Err(invalid());
        }
        let (local, domain) = original.split_once('@').ok_or_else(invalid)?;
        let domain_ok = !domain.is_empty()
            && !domain.starts_with('.')
            && !domain.ends_with('.')
            && !domain.contains("..")
            && !domain.contains('@');
        if local.is_empty() || local.len() > 64 || !domain_ok {
            return Err(invalid());
        }
        // Refused here, against the field it came in, rather than later by the outbox.
        athenaeum_mail::check_recipient(original).map_err(|_| invalid())?;
        Ok(EmailAddress { original: original.to_string(), normalized: original.to_lowercase() })
    }

    /// Returns the address as given.
    pub fn as_str(&self) -> &str {
        &self.original
    }

    /// Returns the lowercase form used to find the account.
    pub fn normalized(&self) -> &str {
        &self.normalized
    }
}

/// A person's name as shown to others: 1 to 100 characters, no control characters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DisplayName(String);

impl DisplayName {
    /// Parses a name given in `field`.
    pub fn parse(field: &str, text: &str) -> Result<DisplayName, ApiError> {
        bounded_text(field, text, 100).map(DisplayName)
    }

    /// Returns the name.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A library authority's name: 1 to 200 characters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TenantName(String);

impl TenantName {
    /// Parses a name given in `field`.
    pub fn parse(field: &str, text: &str) -> Result<TenantName, ApiError> {
        bounded_text(field, text, 200).map(TenantName)
    }

    /// Returns the name.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

fn bounded_text(field: &str, text: &str, most: usize) -> Result<String, ApiError> {
    let trimmed = text.trim();
    if trimmed.is_empty() {
        return Err(ApiError::validation(field, format!("{field} must not be empty")));
    }
    if trimmed.chars().count() > most {
        return Err(ApiError::validation(
            field,
            format!("{field} must be at most {most} characters"),
        ));
    }
    if trimmed.chars().any(char::is_control) {
        return Err(ApiError::validation(
            field,
            format!("{field} must not contain control characters"),
        ));
    }
    Ok(trimmed.to_string())
}

/// An IANA time zone name such as `Europe/London`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TimeZoneName(String);

impl TimeZoneName {
    /// Parses a zone name given in `field`.
    pub fn parse(field: &str, text: &str) -> Result<TimeZoneName, ApiError> {
        let name = text.trim();
        name.parse::<chrono_tz::Tz>().map_err(|_| {
            ApiError::validation(
                field,
                format!("{name:?} is not a time zone; use an IANA name such as Europe/London"),
            )
        })?;
        Ok(TimeZoneName(name.to_string()))
    }

    /// Returns the name.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs_are_lowercase_words_joined_by_hyphens() {
        assert!(TenantSlug::parse_new("slug", "north-yorkshire").is_ok());
        assert!(TenantSlug::parse_new("slug", "North").is_err());
        assert!(TenantSlug::parse_new("slug", "-north").is_err());
        assert!(TenantSlug::parse_new("slug", "platform").is_err());
        assert_eq!(TenantSlug::parse("slug", "a b").unwrap_err().field.as_deref(), Some("slug"));
    }

    #[test]
    fn email_addresses_are_found_case_insensitively() {
        let email = EmailAddress::parse("email", " Ada.Lovelace@Example.org ").unwrap();
        assert_eq!(email.as_str(), "Ada.Lovelace@Example.org");
        assert_eq!(email.normalized(), "ada.lovelace@example.org");
        assert!(EmailAddress::parse("email", "not-an-address").is_err());
        assert!(EmailAddress::parse("email", "a@b@c").is_err());
        assert!(EmailAddress::parse("email", "a@.org").is_err());
    }

    #[test]
    fn time_zones_must_be_iana_names() {
        assert!(TimeZoneName::parse("timeZone", "Europe/London").is_ok());
        let error = TimeZoneName::parse("timeZone", "GMT+1 please").unwrap_err();
        assert!(error.message.contains("Europe/London"), "{}", error.message);
    }
}
