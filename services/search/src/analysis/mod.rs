//! How catalogue text becomes index terms, the same way for records and for queries.
//!
//! Three steps, each in its own room:
//! - the `tokenizer` splits text into words: runs of letters and digits with their
//!   combining marks (so decomposed text is not split at its accents), running on through
//!   an apostrophe or romanisation mark inside a word ("yŏnʼgu", "don't") but not after an
//!   elided article ("l'histoire" gives `l histoire`); a letter run directly followed by
//!   `#` or `+` keeps them ("C#", "C++"). Everything else splits: "T.S. Eliot" and
//!   "T. S. Eliot" both give `t s eliot`, and "9/11" gives `9 11`, which a query matches
//!   as a phrase;
//! - `folding` makes each word its term as the NACO normalisation rules do: case,
//!   diacritics, the halves of romanised Cyrillic's ligatures and romanisation marks
//!   (ʻ ʼ ʹ ʺ) fold away, letters a plain keyboard lacks are spelt as it spells them
//!   ("Brontë" = "bronte", "Æsop" = "aesop", "Łódź" = "lodz"), and Cyrillic, Greek and
//!   Armenian are romanised (the `scripts` room: "История" = "Istorii︠a︡" = "istoriia");
//! - English words are stemmed in the `text` analyzer ("libraries" = "library"); the
//!   `exact` analyzer does not stem, for exact title matches, spelling suggestions and
//!   autocomplete.
//!
//! Stop words are indexed like any other word: a title such as "To be or not to be" or
//! "The The" is all stop words, and must still be found. The query side decides how much
//! they count (see the `query` module).

mod folding;
mod scripts;
mod tokenizer;

pub use folding::{CatalogueFolding, fold_word};
pub use scripts::romanise;
pub use tokenizer::CatalogueTokenizer;

use tantivy::tokenizer::{
    AsciiFoldingFilter, Language, RemoveLongFilter, Stemmer, TextAnalyzer, TokenStream,
};

/// The analyzer of stemmed text fields.
pub const TEXT: &str = "athenaeum_text";
/// The analyzer of unstemmed text fields.
pub const EXACT: &str = "athenaeum_exact";

/// Words that carry little meaning on their own in English titles and queries.
pub const STOP_WORDS: &[&str] = &[
    "a", "an", "and", "are", "as", "at", "be", "but", "by", "for", "from", "if", "in", "into",
    "is", "it", "no", "not", "of", "on", "or", "such", "that", "the", "their", "then", "there",
    "these", "they", "this", "to", "was", "will", "with",
];

/// Returns true for a folded stop word.
pub fn is_stop_word(word: &str) -> bool {
    STOP_WORDS.contains(&word)
}

/// Registers both analyzers on an index.
pub fn register(index: &tantivy::Index) {
    index.tokenizers().register(TEXT, text_analyzer());
    index.tokenizers().register(EXACT, exact_analyzer());
}

/// The stemming analyzer.
pub fn text_analyzer() -> TextAnalyzer {
    TextAnalyzer::builder(CatalogueTokenizer::default())
        .filter(CatalogueFolding)
        .filter(AsciiFoldingFilter)
        .filter(RemoveLongFilter::limit(80))
        .filter(Stemmer::new(Language::English))
        .build()
}

/// The folding analyzer without stemming.
pub fn exact_analyzer() -> TextAnalyzer {
    TextAnalyzer::builder(CatalogueTokenizer::default())
        .filter(CatalogueFolding)
        .filter(AsciiFoldingFilter)
        .filter(RemoveLongFilter::limit(80))
        .build()
}

/// Returns the terms `analyzer` makes of `text`.
pub fn terms(analyzer: &mut TextAnalyzer, text: &str) -> Vec<String> {
    let mut stream = analyzer.token_stream(text);
    let mut terms = Vec::new();
    while stream.advance() {
        terms.push(stream.token().text.clone());
    }
    terms
}

/// Folds text for keys and comparisons: the exact analyzer's terms joined by spaces.
pub fn fold_words(text: &str) -> String {
    terms(&mut exact_analyzer(), text).join(" ")
}

/// Returns the keys an exact title match compares: the folded words, and the folded words
/// without stop words when that differs and leaves something ("A sunny day" gives "a
/// sunny day" and "sunny day"), so a search that leaves out the articles still counts
/// as the exact title.
pub fn title_keys(text: &str) -> Vec<String> {
    let words = terms(&mut exact_analyzer(), text);
    let mut keys = vec![words.join(" ")];
    let content: Vec<&str> =
        words.iter().map(String::as_str).filter(|word| !is_stop_word(word)).collect();
    if !content.is_empty() && content.len() < words.len() {
        keys.push(content.join(" "));
    }
    keys.retain(|key| !key.is_empty());
    keys
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(input: &str) -> Vec<String> {
        terms(&mut text_analyzer(), input)
    }

    #[test]
    fn punctuation_that_means_something_is_kept() {
        assert_eq!(text("Programming C# 8.0"), ["program", "c#", "8", "0"]);
        assert_eq!(text("The C++ language"), ["the", "c++", "languag"]);
        assert_eq!(text("a+b"), ["a", "b"]);
        assert_eq!(text("T.S. Eliot"), text("T. S. Eliot"));
        assert_eq!(text("9/11 Commission"), ["9", "11", "commiss"]);
    }

    #[test]
    fn case_and_diacritics_fold_and_english_stems() {
        assert_eq!(text("Brontë"), text("bronte"));
        assert_eq!(text("Libraries"), text("library"));
        assert_eq!(fold_words("Ænéid, LIBRARIES!"), "aeneid libraries");
    }

    #[test]
    fn a_plain_keyboard_finds_every_script_and_romanisation() {
        // The examples: as catalogued (ALA-LC romanisation, decomposed as the
        // Library of Congress distributes it) and as typed at a UK keyboard.
        for (catalogued, typed) in [
            (
                "Koguryo\u{306} taeoe cho\u{306}ngbok yo\u{306}n\u{2BC}gu",
                "Koguryo taeoe chongbok yon'gu",
            ),
            ("Koguryŏ taeoe chŏngbok yŏnʼgu", "koguryo taeoe chongbok yongu"),
            ("Sheʼelot u-teshuvot Ḥakham Tsevi", "She'elot u-teshuvot Hakham Tsevi"),
            ("İktisat siyasası", "Iktisat siyasasi"),
            ("Jadāwil al-ḥubb", "Jadawil al-hubb"),
            ("ʻAl ha-ḥayim", "'al ha-hayim"),
            ("Istorii\u{FE20}a\u{FE21} russkoi\u{306} literatury", "istoriia russkoi literatury"),
            ("История русской литературы", "istoriia russkoi literatury"),
            ("Ἱστορία", "historia"),
            (
                "Łódź, Þórr, Ørsted, Ænéid, Straße, Ɔkɔmfo",
                "lodz thorr orsted aeneid strasse okomfo",
            ),
            ("Dvořák ḣ ě ŭ", "dvorak h e u"),
        ] {
            assert_eq!(fold_words(catalogued), fold_words(typed), "{catalogued}");
            assert_eq!(text(catalogued), text(typed), "{catalogued}");
        }
    }

    #[test]
    fn composed_and_decomposed_text_fold_alike() {
        assert_eq!(fold_words("Cre\u{301}tineau-Joly"), fold_words("Crétineau-Joly"));
        assert_eq!(fold_words("Cre\u{301}tineau-Joly"), "cretineau joly");
    }

    #[test]
    fn other_scripts_keep_their_letters() {
        assert_eq!(fold_words("שְׁאֵלוֹת"), fold_words("שאלות"));
        assert_eq!(fold_words("جَدَاوِل"), fold_words("جداول"));
        assert_ne!(fold_words("बिहानी"), fold_words("बहन"));
        assert_eq!(fold_words("L'histoire d'Autriche"), "l histoire d autriche");
    }

    #[test]
    fn title_keys_also_leave_out_stop_words() {
        assert_eq!(title_keys("A sunny day"), ["a sunny day", "sunny day"]);
        assert_eq!(
            title_keys("The presidency of George Washington"),
            ["the presidency of george washington", "presidency george washington"]
        );
        assert_eq!(title_keys("The The"), ["the the"]);
        assert_eq!(title_keys("Emma"), ["emma"]);
    }

    #[test]
    fn stop_words_are_indexed() {
        assert_eq!(text("To be or not to be"), ["to", "be", "or", "not", "to", "be"]);
        assert!(is_stop_word("the") && !is_stop_word("eliot"));
    }
}
