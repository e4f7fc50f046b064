//! The website's forms as a test sees them: the form cookie a page sets and the form
//! token (CSRF) in its HTML, which a posted form must carry back.

/// Returns `(cookie, token)` from a form page's `Set-Cookie` values and HTML: the
/// `athenaeum_form=…` pair to send as `Cookie`, and the hidden `csrf` field's value.
///
/// Panics when the page set no form cookie or has no form token: the test then cannot
/// post as a visitor would.
pub fn form_cookie_and_token<'a>(
    set_cookies: impl IntoIterator<Item = &'a str>,
    html: &str,
) -> (String, String) {
    let cookie = set_cookies
        .into_iter()
        .find(|value| value.starts_with("athenaeum_form="))
        .and_then(|value| value.split(';').next())
        .expect("the page sets the form cookie")
        .to_string();
    let token = html
        .split("name=\"csrf\" value=\"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .expect("the page's form carries a form token")
        .to_string();
    (cookie, token)
}
