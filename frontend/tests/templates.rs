//! Guards that keep every page accessible and safe by construction: each page template
//! extends the frame (`base.html`, which gives it the language, title, skip link,
//! landmarks, one heading and the error summary), and no template carries inline script,
//! inline style or event-handler attributes (which the Content-Security-Policy would
//! block, silently breaking the page) or raw, unescaped output.
#![allow(clippy::unwrap_used, clippy::expect_used, reason = "tests fail loudly")]

use std::path::{Path, PathBuf};

fn templates(folder: &Path, found: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(folder).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            templates(&path, found);
        } else if path.extension().is_some_and(|extension| extension == "html") {
            found.push(path);
        }
    }
}

fn all_templates() -> Vec<(String, String)> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("templates");
    let mut found = Vec::new();
    templates(&root, &mut found);
    found
        .into_iter()
        .map(|path| {
            let name = path.strip_prefix(&root).unwrap().display().to_string();
            (name, std::fs::read_to_string(&path).unwrap())
        })
        .collect()
}

/// A template that is included in or imported by others, not a page of its own.
fn is_partial(text: &str) -> bool {
    !text.contains("{% block content %}") && !text.contains("<!doctype html>")
}

#[test]
fn every_page_is_drawn_in_the_frame() {
    let mut pages = 0;
    for (name, text) in all_templates() {
        if name == "base.html" || is_partial(&text) {
            continue;
        }
        pages += 1;
        assert!(
            text.trim_start().starts_with("{% extends \"base.html\" %}"),
            "{name} is a page that does not extend base.html"
        );
        assert!(
            !text.contains("<h1"),
            "{name} has its own <h1>: the frame gives each page exactly one, from its title"
        );
    }
    assert!(pages >= 10, "only {pages} page templates found");
}

#[test]
fn no_template_has_inline_script_style_or_unescaped_output() {
    for (name, text) in all_templates() {
        let lower = text.to_ascii_lowercase();
        for forbidden in
            ["<script>", "<script ", "style=\"", "<style", "javascript:", "|safe", "| safe"]
        {
            if forbidden == "<script "
                && name == "base.html"
                && lower.matches("<script ").count() == 1
                && lower.contains("<script type=\"module\" src=")
            {
                continue;
            }
            assert!(!lower.contains(forbidden), "{name} contains {forbidden:?}");
        }
        let attributes = lower.split(|character: char| character.is_whitespace()).filter(|word| {
            word.starts_with("on")
                && word.contains('=')
                && word[2..].split('=').next().is_some_and(|event| {
                    !event.is_empty() && event.chars().all(|c| c.is_ascii_lowercase())
                })
        });
        assert_eq!(attributes.count(), 0, "{name} has an event-handler attribute");
    }
}

#[test]
fn every_text_input_in_a_page_comes_with_a_label() {
    for (name, text) in all_templates() {
        let inputs = text.matches("<input ").count()
            + text.matches("<select ").count()
            + text.matches("<textarea ").count();
        let hidden = text.matches("type=\"hidden\"").count();
        let buttons = text.matches("type=\"submit\"").count();
        let labels = text.matches("<label ").count()
            + text.matches("aria-label=").count()
            + text.matches("aria-labelledby=").count();
        assert!(
            inputs.saturating_sub(hidden + buttons) <= labels,
            "{name}: {inputs} inputs ({hidden} hidden) but only {labels} labels"
        );
    }
}
