//! How catalogue text becomes index terms, the same way for records and for queries.
//!
//! Words are runs of letters and digits; a letter run directly followed by `#` or `+`
//! keeps them ("C#", "C++", "F#"), so those languages are not the letter "c". Everything
//! else splits: "T.S. Eliot" and "T. S. Eliot" both give `t s eliot`, and "9/11" gives
//! `9 11`, which a query matches as a phrase. Then case and diacritics are folded
//! ("Brontë" = "bronte", "Æsop" = "aesop"), and English words are stemmed in the `text`
//! analyzer ("libraries" = "library"); the `exact` analyzer does not stem, for exact
//! title matches, spelling suggestions and autocomplete.
//!
//! Stop words are indexed like any other word: a title such as "To be or not to be" or
//! "The The" is all stop words, and must still be found. The query side decides how much
//! they count (see the `query` module).

use tantivy::tokenizer::{
    AsciiFoldingFilter, Language, LowerCaser, RemoveLongFilter, Stemmer, TextAnalyzer, Token,
    TokenStream, Tokenizer,
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
        .filter(RemoveLongFilter::limit(80))
        .filter(LowerCaser)
        .filter(AsciiFoldingFilter)
        .filter(Stemmer::new(Language::English))
        .build()
}

/// The folding analyzer without stemming.
pub fn exact_analyzer() -> TextAnalyzer {
    TextAnalyzer::builder(CatalogueTokenizer::default())
        .filter(RemoveLongFilter::limit(80))
        .filter(LowerCaser)
        .filter(AsciiFoldingFilter)
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

/// Splits text into words as described in the module documentation.
#[derive(Clone, Default)]
pub struct CatalogueTokenizer {
    token: Token,
}

/// The words of one text.
pub struct CatalogueTokenStream<'a> {
    text: &'a str,
    offset: usize,
    token: &'a mut Token,
}

impl Tokenizer for CatalogueTokenizer {
    type TokenStream<'a> = CatalogueTokenStream<'a>;

    fn token_stream<'a>(&'a mut self, text: &'a str) -> CatalogueTokenStream<'a> {
        self.token.reset();
        CatalogueTokenStream { text, offset: 0, token: &mut self.token }
    }
}

impl TokenStream for CatalogueTokenStream<'_> {
    fn advance(&mut self) -> bool {
        self.token.text.clear();
        let rest = &self.text[self.offset..];
        let Some((start, _)) = rest.char_indices().find(|(_, c)| c.is_alphanumeric()) else {
            self.offset = self.text.len();
            return false;
        };
        let start = self.offset + start;
        let mut end = self.text[start..]
            .char_indices()
            .find(|(_, c)| !c.is_alphanumeric())
            .map_or(self.text.len(), |(index, _)| start + index);
        // "C#", "C++", "F#": a short letter run glued to # or + keeps them.
        let word = &self.text[start..end];
        if word.chars().count() <= 2 && word.chars().all(char::is_alphabetic) {
            let suffix =
                self.text[end..].bytes().take_while(|byte| matches!(byte, b'#' | b'+')).count();
            let followed_by_word =
                self.text[end + suffix..].chars().next().is_some_and(char::is_alphanumeric);
            if suffix > 0 && suffix <= 2 && !followed_by_word {
                end += suffix;
            }
        }
        self.token.position = self.token.position.wrapping_add(1);
        self.token.offset_from = start;
        self.token.offset_to = end;
        self.token.text.push_str(&self.text[start..end]);
        self.offset = end;
        true
    }

    fn token(&self) -> &Token {
        self.token
    }

    fn token_mut(&mut self) -> &mut Token {
        self.token
    }
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
