//! The website's session against the real binary, in both topologies: a person signs in
//! through the sign-in form, their session is refreshed without their noticing while they
//! work, and signing out ends it on the server too, so a copy of the cookie taken before
//! (from a shared library PC, say) no longer opens the staff pages.
#![allow(clippy::unwrap_used, clippy::expect_used, reason = "tests fail loudly")]

use std::time::Duration;

use athenaeum_e2e::{Backend, Deployment, PASSWORD, Topology, admin_email};
use reqwest::redirect::Policy;

/// How long a sign-out may take to reach every process (the followers re-read identity's
/// revocation facts every second).
const REVOCATION_LIMIT: Duration = Duration::from_secs(5);

/// A browser without a cookie jar: the test carries the cookies itself.
fn browser() -> reqwest::Client {
    reqwest::Client::builder().redirect(Policy::none()).build().unwrap()
}

/// The value of the cookie `name` a response set (`Some("")` when it cleared it).
fn set_cookie(response: &reqwest::Response, name: &str) -> Option<String> {
    response
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|value| value.to_str().ok())
        .find_map(|value| {
            let pair = value.split(';').next()?;
            let (key, cookie) = pair.split_once('=')?;
            (key == name).then(|| cookie.to_string())
        })
}

async fn staff_page(
    http: &reqwest::Client,
    base: &str,
    form: &str,
    session: &str,
) -> reqwest::Response {
    http.get(format!("{base}/northshire/staff/"))
        .header("Cookie", format!("{form}; athenaeum_session={session}"))
        .send()
        .await
        .unwrap()
}

async fn a_session_is_refreshed_as_the_person_works_and_ends_everywhere_at_sign_out(
    topology: Topology,
    backend: Backend,
) {
    // Access tokens this short are always within the website's refresh margin, so every
    // page refreshes the session.
    let deployment = Deployment::builder(topology, backend)
        .setting("ATHENAEUM__AUTH__ACCESS_TOKEN_TTL_SECONDS", "20")
        .start()
        .await;
    let operator = deployment.create_operator().await;
    deployment.onboard_library(&operator, "northshire").await;
    let base = deployment.url().to_string();
    let http = browser();

    // Signing in through the form.
    let page = http.get(format!("{base}/northshire/sign-in")).send().await.unwrap();
    let cookies: Vec<String> = page
        .headers()
        .get_all("set-cookie")
        .iter()
        .map(|value| value.to_str().unwrap().to_string())
        .collect();
    let (form_cookie, token) = athenaeum_testkit::form_cookie_and_token(
        cookies.iter().map(String::as_str),
        &page.text().await.unwrap(),
    );
    let email = admin_email("northshire");
    let signed_in = http
        .post(format!("{base}/northshire/sign-in"))
        .header("Cookie", &form_cookie)
        .form(&[("csrf", token.as_str()), ("email", email.as_str()), ("password", PASSWORD)])
        .send()
        .await
        .unwrap();
    assert_eq!(signed_in.status(), 303);
    assert_eq!(signed_in.headers()["location"], "/northshire/staff/?notice=signed-in");
    let first = set_cookie(&signed_in, "athenaeum_session").unwrap();
    // Signing in renews the form secret, so a form token learnt before is worthless.
    let form_cookie_after =
        format!("athenaeum_form={}", set_cookie(&signed_in, "athenaeum_form").unwrap());
    assert_ne!(form_cookie_after, form_cookie);
    let form_cookie = form_cookie_after;

    // Working: each page refreshes the session and hands the browser the new cookie.
    let working = staff_page(&http, &base, &form_cookie, &first).await;
    assert_eq!(working.status(), 200, "the staff page opens for the administrator");
    let second = set_cookie(&working, "athenaeum_session").expect("the session was refreshed");
    assert_ne!(second, first);
    let html = working.text().await.unwrap();
    assert!(html.contains("Sign out"), "the header offers signing out");
    let sign_out_token = html
        .split("name=\"csrf\" value=\"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .unwrap()
        .to_string();

    // Signing out.
    let signed_out = http
        .post(format!("{base}/northshire/sign-out"))
        .header("Cookie", format!("{form_cookie}; athenaeum_session={second}"))
        .form(&[("csrf", sign_out_token.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(signed_out.status(), 303);
    assert_eq!(
        set_cookie(&signed_out, "athenaeum_session").as_deref(),
        Some(""),
        "the browser forgets the session"
    );

    // A copy of either cookie no longer opens the staff pages: the session ended on the
    // server, not only in the browser.
    for copy in [&second, &first] {
        let deadline = tokio::time::Instant::now() + REVOCATION_LIMIT;
        loop {
            let replayed = staff_page(&http, &base, &form_cookie, copy).await;
            if replayed.status() == 303 {
                let location = replayed.headers()["location"].to_str().unwrap().to_string();
                assert!(location.starts_with("/northshire/sign-in?return="), "{location}");
                break;
            }
            assert!(
                tokio::time::Instant::now() < deadline,
                "a cookie copied before signing out still opens the staff pages ({})",
                replayed.status()
            );
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_session_ends_everywhere_at_sign_out_all_in_one_sqlite() {
    a_session_is_refreshed_as_the_person_works_and_ends_everywhere_at_sign_out(
        Topology::AllInOne,
        Backend::Sqlite,
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_session_ends_everywhere_at_sign_out_all_in_one_postgres() {
    a_session_is_refreshed_as_the_person_works_and_ends_everywhere_at_sign_out(
        Topology::AllInOne,
        Backend::Postgres,
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_session_ends_everywhere_at_sign_out_split_sqlite() {
    a_session_is_refreshed_as_the_person_works_and_ends_everywhere_at_sign_out(
        Topology::Split,
        Backend::Sqlite,
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_session_ends_everywhere_at_sign_out_split_postgres() {
    a_session_is_refreshed_as_the_person_works_and_ends_everywhere_at_sign_out(
        Topology::Split,
        Backend::Postgres,
    )
    .await;
}

/// A page's HTML, stylesheet and scripts, as compressed as the server sends them.
const PAGE_BUDGET_BYTES: usize = 100 * 1024;

/// Fetches `path` as a browser that accepts gzip; returns the bytes sent and the body
/// (still compressed).
async fn compressed(http: &reqwest::Client, base: &str, path: &str) -> (usize, Vec<u8>) {
    let response =
        http.get(format!("{base}{path}")).header("Accept-Encoding", "gzip").send().await.unwrap();
    assert_eq!(response.status(), 200, "{path}");
    assert_eq!(
        response.headers().get("content-encoding").map(|value| value.to_str().unwrap()),
        Some("gzip"),
        "{path} is sent compressed"
    );
    let body = response.bytes().await.unwrap().to_vec();
    (body.len(), body)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_public_page_with_its_stylesheet_and_scripts_is_under_100_kb_compressed() {
    let deployment = Deployment::all_in_one(Backend::Sqlite).await;
    let operator = deployment.create_operator().await;
    deployment.onboard_library(&operator, "northshire").await;
    let file = athenaeum_testkit::loc_books_1000().display().to_string();
    deployment.cli(&["import-marc", "--tenant", "northshire", &file], None).await;
    let base = deployment.url().to_string();
    let http = reqwest::Client::new();
    // The pages' own HTML is read uncompressed to find a record and what each page loads.
    let page_html = |path: String| {
        let http = http.clone();
        let base = base.clone();
        async move { http.get(format!("{base}{path}")).send().await.unwrap().text().await.unwrap() }
    };
    let deadline = tokio::time::Instant::now() + Duration::from_secs(60);
    let results = loop {
        let html = page_html("/northshire/search?q=history".to_string()).await;
        if html.contains("/northshire/records/") {
            break html;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "the imported records never became searchable"
        );
        tokio::time::sleep(Duration::from_millis(250)).await;
    };
    let record = results
        .split("href=\"/northshire/records/")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .unwrap();

    let pages = [
        "/".to_string(),
        "/search?q=history".to_string(),
        "/northshire/".to_string(),
        "/northshire/search?q=history".to_string(),
        "/northshire/search?q=history&f=format:book".to_string(),
        format!("/northshire/records/{record}"),
        "/northshire/sign-in".to_string(),
        "/northshire/accessibility".to_string(),
    ];
    for path in pages {
        let html = page_html(path.clone()).await;
        let (mut total, _) = compressed(&http, &base, &path).await;
        let assets: Vec<String> = html
            .split(['"', '\''])
            .filter(|part| {
                part.starts_with("/assets/") && (part.contains(".css") || part.contains(".js"))
            })
            .map(str::to_string)
            .collect();
        assert!(
            assets.iter().any(|asset| asset.contains("site.css")),
            "{path} loads the stylesheet"
        );
        for asset in &assets {
            total += compressed(&http, &base, asset).await.0;
        }
        assert!(total < PAGE_BUDGET_BYTES, "{path} with {assets:?} is {total} bytes compressed");
    }
}

/// Signs in through `slug`'s sign-in form as its administrator; returns the cookies a
/// browser would then send.
async fn signed_in_cookies(http: &reqwest::Client, base: &str, slug: &str) -> String {
    let page = http.get(format!("{base}/{slug}/sign-in")).send().await.unwrap();
    let cookies: Vec<String> = page
        .headers()
        .get_all("set-cookie")
        .iter()
        .map(|value| value.to_str().unwrap().to_string())
        .collect();
    let (form_cookie, token) = athenaeum_testkit::form_cookie_and_token(
        cookies.iter().map(String::as_str),
        &page.text().await.unwrap(),
    );
    let email = admin_email(slug);
    let signed_in = http
        .post(format!("{base}/{slug}/sign-in"))
        .header("Cookie", &form_cookie)
        .form(&[("csrf", token.as_str()), ("email", email.as_str()), ("password", PASSWORD)])
        .send()
        .await
        .unwrap();
    assert_eq!(signed_in.status(), 303);
    let session = set_cookie(&signed_in, "athenaeum_session").unwrap();
    let form = set_cookie(&signed_in, "athenaeum_form").unwrap();
    format!("athenaeum_form={form}; athenaeum_session={session}")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn staff_of_one_library_are_refused_at_another_librarys_desk() {
    let deployment = Deployment::all_in_one(Backend::Sqlite).await;
    let operator = deployment.create_operator().await;
    deployment.onboard_library(&operator, "northshire").await;
    deployment.onboard_library(&operator, "southmoor").await;
    let base = deployment.url().to_string();
    let http = browser();
    let cookies = signed_in_cookies(&http, &base, "northshire").await;

    let own = http
        .get(format!("{base}/northshire/staff/desk"))
        .header("Cookie", &cookies)
        .send()
        .await
        .unwrap();
    assert_eq!(own.status(), 200, "their own library's desk opens");
    let html = own.text().await.unwrap();
    let token = html
        .split("name=\"csrf\" value=\"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .unwrap()
        .to_string();

    let other = http
        .get(format!("{base}/southmoor/staff/desk"))
        .header("Cookie", &cookies)
        .send()
        .await
        .unwrap();
    assert_eq!(other.status(), 403, "another library's desk is refused");
    assert!(other.text().await.unwrap().contains("You cannot see this page"));

    // A scan posted to the other library's desk, with a good form token, is refused too.
    let posted = http
        .post(format!("{base}/southmoor/staff/desk/checkin"))
        .header("Cookie", &cookies)
        .header("Origin", base.trim_end_matches('/'))
        .form(&[("csrf", token.as_str()), ("itemBarcode", "39990000000017"), ("branch", "x")])
        .send()
        .await
        .unwrap();
    assert_eq!(posted.status(), 403, "a checkin at another library's desk is refused");
}
