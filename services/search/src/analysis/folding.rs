//! Folding a word to its index term, the same for catalogue text and for queries, so a
//! word is found however it is typed: with its exact characters, composed or decomposed,
//! with diacritics or without, with `'` or nothing where the record has a romanisation
//! mark, and from a plain keyboard in another script's romanisation.
//!
//! The model is the NACO normalisation rules (PCC, "Authority File Comparison Rules",
//! Appendix A, as revised in 2009), which libraries use to match headings:
//! - compatibility decomposition (NFKD), then combining marks are deleted: diacritics
//!   ("Brontë", "yŏn'gu", "Dvořák"), the ligature halves of romanised Cyrillic
//!   (U+FE20–FE23, U+0361), Hebrew points and Arabic vowel signs;
//! - modifier letters are deleted: the romanisation marks ʻ ʼ (ayn, alif, and Korean's
//!   apostrophe, U+02BB, U+02BC) and the soft and hard signs ʹ ʺ (U+02B9, U+02BA); so are
//!   apostrophes within a word (the tokenizer keeps the word whole around them);
//! - letters that are not a base letter and a mark are spelt as a plain keyboard spells
//!   them: æ ae, œ oe, ø o, ł l, đ ð d, þ th, ß ss, ı i, ɔ o;
//! - other scripts' decimal digits are ASCII digits; case is folded.
//!
//! All of that is `athenaeum_marc::describe::fold`, which also makes the catalogue's work
//! keys, so the index and the catalogue fold alike. Search adds what NACO leaves to each
//! system: Cyrillic, Greek and Armenian are romanised (the `scripts` module), and
//! letters neither rule names (ƒ, ɖ, ʋ …) go through tantivy's ASCII folding afterwards.
//!
//! Where the rules would delete a letter of a word, search keeps it: NACO deletes every
//! combining mark, but the vowel signs and viramas of Indic scripts and the voicing marks
//! of Japanese kana are letters of the word ("बिहानी" is not "बहन"), so folding keeps them.

use std::mem;

use athenaeum_marc::describe::fold;
use tantivy::tokenizer::{Token, TokenFilter, TokenStream, Tokenizer};
use unicode_normalization::UnicodeNormalization;

use super::scripts;
use super::tokenizer::is_apostrophe;

/// Appends the index term of `word` (one word from the tokenizer) to `term`; nothing
/// when the word is only marks.
///
/// Cost: one pass for an ASCII word; for others, lowercasing, decomposition and
/// recomposition (three passes, four with romanisation).
pub fn fold_word(word: &str, term: &mut String) {
    if word.is_ascii() {
        term.extend(
            word.chars()
                .filter(|character| !is_apostrophe(*character))
                .map(|character| character.to_ascii_lowercase()),
        );
        return;
    }
    let without_apostrophes = word.chars().filter(|character| !is_apostrophe(*character));
    if word.chars().any(scripts::needs_romanising) {
        let decomposed: String = without_apostrophes.flat_map(char::to_lowercase).nfd().collect();
        let mut romanised = String::with_capacity(decomposed.len());
        scripts::romanise_decomposed(&decomposed, &mut romanised);
        term.push_str(&fold(&romanised));
    } else {
        let text: String = without_apostrophes.collect();
        term.push_str(&fold(&text));
    }
}

/// The token filter that replaces each word with its term ([`fold_word`]) and drops
/// words that fold to nothing.
#[derive(Clone, Copy, Debug, Default)]
pub struct CatalogueFolding;

impl TokenFilter for CatalogueFolding {
    type Tokenizer<T: Tokenizer> = CatalogueFoldingFilter<T>;

    fn transform<T: Tokenizer>(self, tokenizer: T) -> CatalogueFoldingFilter<T> {
        CatalogueFoldingFilter { tokenizer, buffer: String::new() }
    }
}

/// A tokenizer whose words are folded.
#[derive(Clone)]
pub struct CatalogueFoldingFilter<T> {
    tokenizer: T,
    buffer: String,
}

impl<T: Tokenizer> Tokenizer for CatalogueFoldingFilter<T> {
    type TokenStream<'a> = CatalogueFoldingStream<'a, T::TokenStream<'a>>;

    fn token_stream<'a>(&'a mut self, text: &'a str) -> Self::TokenStream<'a> {
        self.buffer.clear();
        CatalogueFoldingStream { tail: self.tokenizer.token_stream(text), buffer: &mut self.buffer }
    }
}

/// The folded words of one text.
pub struct CatalogueFoldingStream<'a, T> {
    tail: T,
    buffer: &'a mut String,
}

impl<T: TokenStream> TokenStream for CatalogueFoldingStream<'_, T> {
    fn advance(&mut self) -> bool {
        while self.tail.advance() {
            self.buffer.clear();
            fold_word(&self.tail.token().text, self.buffer);
            if !self.buffer.is_empty() {
                mem::swap(&mut self.tail.token_mut().text, self.buffer);
                return true;
            }
        }
        false
    }

    fn token(&self) -> &Token {
        self.tail.token()
    }

    fn token_mut(&mut self) -> &mut Token {
        self.tail.token_mut()
    }
}
