//! Every page's GraphQL document validates against the gateway's schema, and every
//! document in `templates/` is one a page uses: a field renamed or removed in the API
//! fails here, before any page would fail for a visitor.
#![allow(clippy::unwrap_used, clippy::expect_used, reason = "tests fail loudly")]

use std::path::{Path, PathBuf};

fn documents(folder: &Path, found: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(folder).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            documents(&path, found);
        } else if path.extension().is_some_and(|extension| extension == "graphql") {
            found.push(path);
        }
    }
}

fn sources(folder: &Path, text: &mut String) {
    for entry in std::fs::read_dir(folder).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            sources(&path, text);
        } else if path.extension().is_some_and(|extension| extension == "rs") {
            text.push_str(&std::fs::read_to_string(&path).unwrap());
        }
    }
}

#[tokio::test]
async fn every_pages_document_validates_against_the_schema() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut found = Vec::new();
    documents(&root.join("templates"), &mut found);
    assert!(found.len() >= 10, "only {} documents found under templates/", found.len());
    let mut failures = Vec::new();
    for path in &found {
        let document = std::fs::read_to_string(path).unwrap();
        if let Err(errors) = athenaeum_gateway::validate_document(&document).await {
            failures.push(format!("{}:\n  {}", path.display(), errors.join("\n  ")));
        }
    }
    assert!(
        failures.is_empty(),
        "documents that no longer match the schema:\n{}",
        failures.join("\n")
    );
}

#[tokio::test]
async fn a_document_that_names_a_missing_field_is_refused() {
    let errors = athenaeum_gateway::validate_document(
        "query { library(slug: \"x\") { slug nameInKlingon } }",
    )
    .await
    .unwrap_err();
    assert!(errors.iter().any(|error| error.contains("nameInKlingon")), "{errors:?}");
    let errors = athenaeum_gateway::validate_document(
        "query($q: String!) { search(query: $q, first: \"twenty\") { totalRecords } }",
    )
    .await
    .unwrap_err();
    assert!(!errors.is_empty());
}

#[test]
fn every_document_is_used_by_a_page() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut found = Vec::new();
    documents(&root.join("templates"), &mut found);
    let mut code = String::new();
    sources(&root.join("src"), &mut code);
    let unused: Vec<String> = found
        .iter()
        .map(|path| path.strip_prefix(root.join("templates")).unwrap().display().to_string())
        .filter(|name| !code.contains(&format!("templates/{name}\"")))
        .collect();
    assert!(unused.is_empty(), "documents no page includes: {unused:?}");
}
