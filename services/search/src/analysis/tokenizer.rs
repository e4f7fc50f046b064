//! Splitting catalogue text and queries into words; folding them is the next step's.
//!
//! A word is a run of letters and digits with the combining marks that belong to them, so
//! text in decomposed form (NFD: "e" and U+0301 for "é", as the Library of Congress
//! distributes records) is not split at its accents, nor romanised Cyrillic at the halves
//! of its ligatures ("Istorii︠a︡"). A word runs on through an apostrophe between two
//! letters ("yŏn'gu", "don't", "he'arot" typed for "heʻarot"), because romanisation marks
//! and apostrophes are left out of words, not made into spaces, by the NACO normalisation
//! rules. The one exception is an elided French or Italian article or preposition
//! ("l'histoire", "d'Autriche", "dell'arte"): the word after it stands alone, so
//! "histoire" finds "L'histoire".
//!
//! A short letter run directly followed by `#` or `+` keeps them ("C#", "C++", "F#"), so
//! those languages are not the letter "c". Everything else splits: "T.S. Eliot" and
//! "T. S. Eliot" both give `t s eliot`, and "9/11" gives `9 11`.

use tantivy::tokenizer::{Token, TokenStream, Tokenizer};
use unicode_normalization::char::is_combining_mark;

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
        // A word starts at a letter or digit; "ʼ" is a letter to Unicode, but as an
        // apostrophe it starts nothing ("dʼAutriche" gives "d" and "Autriche").
        let Some((start, _)) =
            rest.char_indices().find(|(_, c)| c.is_alphanumeric() && !is_apostrophe(*c))
        else {
            self.offset = self.text.len();
            return false;
        };
        let start = self.offset + start;
        let mut end = word_end(self.text, start);
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

/// Returns the end of the word that starts at `start` (a letter or digit).
fn word_end(text: &str, start: usize) -> usize {
    let mut end = start;
    let mut characters = text[start..].char_indices().peekable();
    while let Some((index, character)) = characters.next() {
        let next_is_letter = characters.peek().is_some_and(|(_, next)| next.is_alphanumeric());
        if is_apostrophe(character) && next_is_letter {
            if is_elided(&text[start..start + index]) {
                break;
            }
        } else if !(character.is_alphanumeric() || is_combining_mark(character)) {
            break;
        }
        end = start + index + character.len_utf8();
    }
    end
}

/// Returns true for the characters typed or catalogued as an apostrophe, and the
/// romanisation marks that stand where one is typed: ' ’ ‘ ` ´ ʼ, the primes some
/// romanisations write for the soft and hard signs, and Hebrew's geresh and gershayim.
/// Folding leaves them out of words.
pub(super) fn is_apostrophe(character: char) -> bool {
    matches!(character, '\'' | '’' | '‘' | '`' | '´' | 'ʼ' | '′' | '″' | '＇' | '׳' | '״')
}

/// Articles and prepositions that French, Italian and Catalan elide before a vowel
/// ("l'", "qu'", "dell'"), lowercase.
const ELIDED: &[&str] = &[
    "l", "d", "j", "m", "n", "s", "t", "c", "qu", "jusqu", "lorsqu", "puisqu", "quoiqu", "presqu",
    "quelqu", "dell", "nell", "all", "dall", "sull", "coll", "quell", "bell", "sant", "un",
];

/// Returns true when `word`, the letters before an apostrophe, is an elided article or
/// preposition.
fn is_elided(word: &str) -> bool {
    word.len() <= 6
        && word.is_ascii()
        && ELIDED.iter().any(|elided| elided.eq_ignore_ascii_case(word))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(text: &str) -> Vec<String> {
        let mut tokenizer = CatalogueTokenizer::default();
        let mut stream = tokenizer.token_stream(text);
        let mut words = Vec::new();
        while stream.advance() {
            words.push(stream.token().text.clone());
        }
        words
    }

    #[test]
    fn combining_marks_stay_in_their_word() {
        assert_eq!(words("Cre\u{301}tineau-Joly"), ["Cre\u{301}tineau", "Joly"]);
        assert_eq!(
            words("Istorii\u{FE20}a\u{FE21} russkoi\u{306}"),
            ["Istorii\u{FE20}a\u{FE21}", "russkoi\u{306}"]
        );
    }

    #[test]
    fn apostrophes_and_romanisation_marks_join_their_word() {
        assert_eq!(
            words("Koguryŏ taeoe chŏngbok yŏn'gu"),
            ["Koguryŏ", "taeoe", "chŏngbok", "yŏn'gu"]
        );
        assert_eq!(words("heʻarot ṿe-ḥidushim ʻal"), ["heʻarot", "ṿe", "ḥidushim", "ʻal"]);
        assert_eq!(words("don’t stop"), ["don’t", "stop"]);
        assert_eq!(words("'Hamlet' and Jesus' words"), ["Hamlet", "and", "Jesus", "words"]);
    }

    #[test]
    fn elided_articles_stand_apart() {
        assert_eq!(words("L'histoire d'Autriche"), ["L", "histoire", "d", "Autriche"]);
        assert_eq!(
            words("qu’il dell'arte dʼAutriche"),
            ["qu", "il", "dell", "arte", "d", "Autriche"]
        );
        assert_eq!(words("aujourd'hui O'Neill"), ["aujourd'hui", "O'Neill"]);
    }

    #[test]
    fn languages_keep_their_signs() {
        assert_eq!(words("C# and C++, a+b"), ["C#", "and", "C++", "a", "b"]);
    }
}
