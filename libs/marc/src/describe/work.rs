//! Grouping: the work key that gathers editions and copies of one work across records
//! and tenants, and the ISBN cluster that gathers records of one manifestation.
//!
//! The work key is `title/author`, both parts reduced by [`normalise_words`]
//! (case and diacritics folded, apostrophes dropped, other punctuation and runs of
//! spaces made one space):
//!
//! - title: the uniform title (240 or 130: `$a $d $k $m $n $p $r`, without the
//!   language `$l`, version `$s`, date `$f` and arrangement `$o`, so a translation joins
//!   its original) when there is one, because it is the cataloguer's statement of which
//!   work this is; else the title proper with its part number and name (245 `$a $n $p`),
//!   without the remainder of title (`$b`): "Pride and prejudice : a novel" and "Pride
//!   and prejudice" share a key, "Pride and prejudice and zombies" does not. The leading
//!   non-filing characters the indicator names ("The ") are dropped first.
//! - author: the main entry (100 `$a $b`, 110 `$a $b`, 111 `$a`) without dates, e.g.
//!   "austen jane"; empty when the record has no main entry (works entered under title).
//!   Added entries are not used: an editor is not the work's author.
//!
//! In a record whose first language is English (or unstated), "&" is read as "and".
//! "Pride and prejudice" by Jane Austen is `pride and prejudice/austen jane`. A record
//! with no title at all has no key.

use super::Description;
use super::first_tagged;
use super::text::normalise_words;
use super::title::{non_filing_count, skip_non_filing, uniform_title_field};
use crate::{DataField, Record};

/// Returns the title part of the work key, unnormalised.
fn key_title(record: &Record) -> Option<String> {
    if let Some((field, indicator)) = uniform_title_field(record) {
        let text = phrase(field, "adkmnpr");
        if !text.trim().is_empty() {
            return Some(without_non_filing(&text, indicator));
        }
    }
    let field = first_tagged(record, b"245")?;
    let codes = if field.first('a').is_some() { "anp" } else { "knp" };
    let text = phrase(field, codes);
    Some(without_non_filing(&text, field.ind2))
}

fn phrase(field: &DataField, codes: &str) -> String {
    let mut text = String::new();
    for value in field.values_of(codes) {
        text.push_str(value);
        text.push(' ');
    }
    text
}

fn without_non_filing(text: &str, indicator: char) -> String {
    let trimmed = text.trim_start();
    skip_non_filing(trimmed, non_filing_count(indicator, trimmed)).to_string()
}

/// Returns the author part of the work key, unnormalised.
fn key_author(record: &Record) -> String {
    let main_entry = record
        .all_data_fields()
        .find(|field| matches!(&field.tag.as_bytes(), b"100" | b"110" | b"111"));
    match main_entry {
        Some(field) if field.tag.as_bytes() == *b"111" => phrase(field, "a"),
        Some(field) => {
            let end = field
                .subfields
                .iter()
                .position(|subfield| subfield.code == 't')
                .unwrap_or(field.subfields.len());
            let mut text = String::new();
            for subfield in
                field.subfields[..end].iter().filter(|subfield| matches!(subfield.code, 'a' | 'b'))
            {
                text.push_str(&subfield.value);
                text.push(' ');
            }
            text
        }
        None => String::new(),
    }
}

/// Returns the work key of `record` (see the module documentation), or `None` when it
/// has no title.
pub(crate) fn work_key(record: &Record, english: bool) -> Option<String> {
    let title = key_words(&key_title(record)?, english);
    if title.is_empty() {
        return None;
    }
    let author = key_words(&key_author(record), english);
    let mut key = String::with_capacity(title.len() + author.len() + 1);
    key.push_str(&title);
    key.push('/');
    key.push_str(&author);
    Some(key)
}

/// Returns the words of a key part; in an English-language record "&" is read as "and",
/// so "Pride & prejudice" joins "Pride and prejudice".
fn key_words(text: &str, english: bool) -> String {
    if english && text.contains('&') {
        return normalise_words(&text.replace('&', " and "));
    }
    normalise_words(text)
}

/// Returns every ISBN-13 of a description, in order and without repeats: the key for
/// grouping records of the same manifestation (an ISBN-10 and its ISBN-13 fall
/// together). Invalid ISBNs are not included.
pub fn isbn_cluster(description: &Description) -> Vec<String> {
    let mut cluster: Vec<String> = Vec::with_capacity(description.identifiers.isbns.len());
    for isbn in &description.identifiers.isbns {
        if !cluster.contains(&isbn.isbn13) {
            cluster.push(isbn.isbn13.clone());
        }
    }
    cluster
}
