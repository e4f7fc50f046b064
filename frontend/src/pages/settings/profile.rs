//! The library's public profile: name, header colour, phone, postal address, website
//! and contact emails, changed through `updateLibraryProfile`.

use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use serde::Deserialize;
use serde_json::json;

use super::Admin;
use crate::Web;
use crate::frame::{Field, Frame};

pub(super) fn routes(config: &mut web::ServiceConfig) {
    config
        .route("/{library}/staff/settings/profile", web::get().to(profile_form))
        .route("/{library}/staff/settings/profile", web::post().to(save_profile));
}

const PROFILE: &str = include_str!("../../../templates/settings/profile.graphql");
const UPDATE_PROFILE: &str = include_str!("../../../templates/settings/update-profile.graphql");

/// The colour the picker shows when the library has none: the site's own header colour.
const STANDARD_COLOUR: &str = "#1d4f6e";

/// The API's field names, which are also the form's.
const FIELDS: &[(&str, &str)] = &[
    ("name", "name"),
    ("colour", "colour"),
    ("phone", "phone"),
    ("postalAddress", "postalAddress"),
    ("website", "website"),
    ("contactEmail", "contactEmail"),
    ("accessibilityEmail", "accessibilityEmail"),
];

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Profile {
    name: String,
    colour: Option<String>,
    phone: Option<String>,
    postal_address: Option<String>,
    website: Option<String>,
    contact_email: String,
    accessibility_email: String,
}

#[derive(Template)]
#[template(path = "settings/profile.html")]
struct ProfilePage {
    frame: Frame,
    name: Field,
    colour: Field,
    colour_was: String,
    picker: String,
    picker_was: String,
    phone: Field,
    postal_address: Field,
    website: Field,
    contact_email: Field,
    accessibility_email: Field,
}

/// The form, filled with the stored profile (`stored`) or with what was typed.
fn profile_page(frame: Frame, stored: Option<&Profile>) -> ProfilePage {
    let stored_value = |value: Option<&String>| value.map_or("", String::as_str).to_string();
    let (colour_was, picker) = match stored {
        Some(profile) => {
            let colour = stored_value(profile.colour.as_ref());
            let picker =
                if colour.is_empty() { STANDARD_COLOUR.to_string() } else { colour.clone() };
            (colour, picker)
        }
        None => (frame.value("colourWas").to_string(), frame.value("colourPicker").to_string()),
    };
    let picker_was = match stored {
        Some(_) => picker.clone(),
        None => frame.value("pickerWas").to_string(),
    };
    let fill = |field: Field, value: &str| match stored {
        Some(_) => field.or_value(value),
        None => field,
    };
    let profile = stored.map_or_else(Profile::default, |profile| Profile {
        name: profile.name.clone(),
        colour: profile.colour.clone(),
        phone: profile.phone.clone(),
        postal_address: profile.postal_address.clone(),
        website: profile.website.clone(),
        contact_email: profile.contact_email.clone(),
        // Shown only when it is not the contact email it falls back to.
        accessibility_email: if profile.accessibility_email == profile.contact_email {
            String::new()
        } else {
            profile.accessibility_email.clone()
        },
    });
    ProfilePage {
        name: fill(frame.field("name", "Library name").autocomplete("organization"), &profile.name)
            .required(),
        colour: fill(
            frame.field("colour", "Header colour").hint(
                "As # and six hexadecimal digits, for example #1d4f6e. The header's text is white, so the colour must be dark enough: a contrast ratio of at least 4.5 to 1. Leave empty for the standard colour.",
            ),
            &colour_was,
        ),
        colour_was,
        picker: if is_hex_colour(&picker) { picker } else { STANDARD_COLOUR.to_string() },
        picker_was,
        phone: fill(frame.field("phone", "Phone number").kind("tel"), &stored_value(profile.phone.as_ref())),
        postal_address: fill(
            frame.field("postalAddress", "Postal address").hint("One line of the address to a line.").rows(5),
            &stored_value(profile.postal_address.as_ref()),
        ),
        website: fill(
            frame.field("website", "Website").kind("url").hint("Starting with https:// or http://."),
            &stored_value(profile.website.as_ref()),
        ),
        contact_email: fill(
            frame
                .field("contactEmail", "Contact email address")
                .kind("email")
                .hint("Shown to the public. The platform also writes to the library here."),
            &profile.contact_email,
        )
        .required(),
        accessibility_email: fill(
            frame
                .field("accessibilityEmail", "Accessibility contact email address")
                .kind("email")
                .hint("Where people write about the accessibility of this site. Leave empty to use the contact email."),
            &profile.accessibility_email,
        ),
        frame,
    }
}

fn is_hex_colour(text: &str) -> bool {
    text.len() == 7 && text.starts_with('#') && text[1..].chars().all(|c| c.is_ascii_hexdigit())
}

/// The colour the admin chose: the text when they changed it (an empty text removes the
/// colour), else the picker's when they changed that, else the text as it was.
fn chosen_colour<'a>(text: &'a str, text_was: &str, picker: &'a str, picker_was: &str) -> &'a str {
    if text != text_was {
        return text;
    }
    if !picker.is_empty() && !picker.eq_ignore_ascii_case(picker_was) {
        return picker;
    }
    text
}

async fn profile_form(
    request: HttpRequest,
    web: web::Data<Web>,
    slug: web::Path<String>,
) -> HttpResponse {
    #[derive(Deserialize)]
    struct Me {
        tenant: Profile,
    }
    #[derive(Deserialize)]
    struct Data {
        me: Me,
    }
    let admin = match Admin::enter(request, web, &slug).await {
        Ok(admin) => admin,
        Err(response) => return response,
    };
    let data = match admin.ctx.run::<Data>(PROFILE, json!({})).await {
        Ok(data) => data,
        Err(error) => return admin.failed(&error),
    };
    let frame = admin.frame("Library profile");
    admin.ctx.page(&profile_page(frame, Some(&data.me.tenant)))
}

async fn save_profile(
    request: HttpRequest,
    web: web::Data<Web>,
    slug: web::Path<String>,
    body: web::Bytes,
) -> HttpResponse {
    let (admin, posted) = match Admin::post(request, web, &slug, &body).await {
        Ok(entered) => entered,
        Err(response) => return response,
    };
    let mut frame = admin.frame("Library profile");
    frame.values = posted.kept();
    if posted.get("name").is_empty() {
        frame.problem("name", "Enter the library's name.");
    }
    if posted.get("contactEmail").is_empty() {
        frame.problem("contactEmail", "Enter the library's contact email address.");
    }
    if frame.problems.is_empty() {
        let colour = chosen_colour(
            posted.get("colour"),
            posted.get("colourWas"),
            posted.get("colourPicker"),
            posted.get("pickerWas"),
        );
        let input = json!({
            "name": posted.get("name"),
            "colour": colour,
            "phone": posted.get("phone"),
            "postalAddress": posted.raw("postalAddress").trim(),
            "website": posted.get("website"),
            "contactEmail": posted.get("contactEmail"),
            "accessibilityEmail": posted.get("accessibilityEmail"),
        });
        match admin.ctx.run::<serde_json::Value>(UPDATE_PROFILE, json!({ "input": input })).await {
            Ok(_) => return admin.ctx.redirect(&admin.address("?notice=saved")),
            Err(error) if error.is_about_input() => frame.api_problems(&error, FIELDS),
            Err(error) => return admin.failed(&error),
        }
    }
    admin.ctx.page(&profile_page(frame, None))
}

#[cfg(test)]
mod tests {
    use super::chosen_colour;

    #[test]
    fn a_changed_text_wins_then_a_changed_picker_then_the_text_as_it_was() {
        assert_eq!(chosen_colour("#222222", "#111111", "#111111", "#111111"), "#222222");
        assert_eq!(chosen_colour("#111111", "#111111", "#333333", "#111111"), "#333333");
        assert_eq!(chosen_colour("#111111", "#111111", "#111111", "#111111"), "#111111");
        assert_eq!(chosen_colour("", "#111111", "#333333", "#111111"), "");
        assert_eq!(chosen_colour("", "", "#1d4f6e", "#1d4f6e"), "");
        assert_eq!(chosen_colour("", "", "#5a1d6e", "#1d4f6e"), "#5a1d6e");
    }
}
