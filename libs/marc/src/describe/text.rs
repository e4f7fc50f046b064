//! Text helpers shared by the describing rules: folding for matching, and trimming the
//! ISBD punctuation cataloguers put at the ends of subfields. Nothing here knows MARC
//! tags.

use unicode_normalization::UnicodeNormalization;
use unicode_normalization::char::is_combining_mark;

/// Returns `text` folded for matching: lowercased, compatibility-decomposed (NFKD, so
/// "ﬁ" is "fi" and full-width letters are ASCII), with diacritics removed, then
/// recomposed (NFC).
///
/// Removed marks are the Latin, Greek and Cyrillic combining diacritics (U+0300–U+036F,
/// U+1AB0–U+1AFF, U+1DC0–U+1DFF, U+20D0–U+20FF and the combining half marks
/// U+FE20–U+FE2F that romanised Cyrillic uses, as in "Istorii︠a︡"), Hebrew points and
/// Arabic harakat, and the modifier letters romanisation uses for soft signs, alif and
/// ayn (ʹ ʺ ʻ ʼ ʾ ʿ). Vowel signs of Indic scripts and the Japanese voicing marks are
/// kept, because removing them changes the word. A few letters with no decomposition are
/// mapped as search engines do: ß→ss, æ→ae, œ→oe, ø→o, đ/ð→d, ł→l, þ→th, ı→i.
/// Punctuation and spacing are left as they are.
///
/// Cost: one pass for ASCII text, three for the rest.
pub fn fold(text: &str) -> String {
    if text.is_ascii() {
        return text.to_ascii_lowercase();
    }
    let mut folded = String::with_capacity(text.len());
    for character in text.nfkd() {
        if is_removable_mark(character) {
            continue;
        }
        match character {
            'ß' | 'ẞ' => folded.push_str("ss"),
            'æ' | 'Æ' => folded.push_str("ae"),
            'œ' | 'Œ' => folded.push_str("oe"),
            'ø' | 'Ø' => folded.push('o'),
            'đ' | 'Đ' | 'ð' | 'Ð' => folded.push('d'),
            'ł' | 'Ł' => folded.push('l'),
            'þ' | 'Þ' => folded.push_str("th"),
            'ı' => folded.push('i'),
            _ => folded.extend(character.to_lowercase()),
        }
    }
    folded.nfc().collect()
}

/// Returns true for the marks [`fold`] drops.
fn is_removable_mark(character: char) -> bool {
    matches!(
        character,
        '\u{0300}'..='\u{036F}'
            | '\u{1AB0}'..='\u{1AFF}'
            | '\u{1DC0}'..='\u{1DFF}'
            | '\u{20D0}'..='\u{20FF}'
            | '\u{FE20}'..='\u{FE2F}'
            | '\u{0591}'..='\u{05BD}'
            | '\u{05BF}'
            | '\u{05C1}'..='\u{05C2}'
            | '\u{05C4}'..='\u{05C5}'
            | '\u{05C7}'
            | '\u{064B}'..='\u{065F}'
            | '\u{0670}'
            | '\u{02B9}'..='\u{02BC}'
            | '\u{02BE}'..='\u{02BF}'
    )
}

/// Returns `text` reduced to the words that identify it: [`fold`]ed, apostrophes
/// removed ("don't" → "dont"), every other run of characters that are not letters or
/// digits turned into one space, trimmed.
pub(crate) fn normalise_words(text: &str) -> String {
    let folded = fold(text);
    let mut words = String::with_capacity(folded.len());
    let mut pending_space = false;
    for character in folded.chars() {
        if is_apostrophe(character) {
            continue;
        }
        // Marks are part of their word: Indic vowel signs and viramas, and whatever
        // combining marks `fold` keeps.
        if character.is_alphanumeric() || is_combining_mark(character) {
            if pending_space && !words.is_empty() {
                words.push(' ');
            }
            pending_space = false;
            words.push(character);
        } else {
            pending_space = true;
        }
    }
    words
}

fn is_apostrophe(character: char) -> bool {
    matches!(character, '\'' | '’' | '‘' | 'ʼ' | '`' | '´')
}

/// Abbreviations whose final full stop belongs to the word ("Jr.", "Inc.", "etc."), so
/// it is kept when a subfield's terminal punctuation is trimmed.
const ABBREVIATIONS: &[&str] = &[
    "jr", "sr", "inc", "co", "ltd", "bros", "corp", "dept", "mr", "mrs", "dr", "etc", "ed", "eds",
    "vol", "vols", "pt", "pts", "ca", "cm", "mm", "pp", "ill", "illus", "tr", "trans", "comp",
    "rev", "enl", "esq", "jun", "sen", "bd", "hrsg", "aufl", "éd",
];

/// Returns `value` without surrounding whitespace and without the ISBD punctuation that
/// closes a subfield (" /", " :", " ;", " =", ",", a lone "." and a final full stop),
/// repeatedly: "Pride and prejudice /" → "Pride and prejudice". A final full stop is kept
/// after an initial ("Smith, J."), an abbreviation ("Inc.", "D.C."), and in an ellipsis.
pub(crate) fn clean(value: &str) -> &str {
    let mut text = value.trim();
    loop {
        let Some(last) = text.chars().next_back() else {
            return text;
        };
        match last {
            '/' | ':' | ';' | '=' | ',' => {
                text = text[..text.len() - 1].trim_end();
            }
            '.' => {
                if keeps_full_stop(text) {
                    return text;
                }
                text = text[..text.len() - 1].trim_end();
            }
            _ => return text,
        }
    }
}

/// Returns true when the full stop ending `text` belongs to its last word.
fn keeps_full_stop(text: &str) -> bool {
    let before = &text[..text.len() - 1];
    if before.ends_with('.') {
        // An ellipsis, or "etc.." where the second stop is the field's.
        return before.ends_with("..");
    }
    let Some(last_char) = before.chars().next_back() else {
        return false;
    };
    if last_char.is_whitespace() {
        return false;
    }
    let word_start = before
        .char_indices()
        .rev()
        .find(|(_, character)| character.is_whitespace() || matches!(character, '(' | '[' | '-'))
        .map_or(0, |(index, character)| index + character.len_utf8());
    let word = &before[word_start..];
    let letters = word.chars().filter(|character| character.is_alphabetic()).count();
    if letters == 1 && word.chars().count() == 1 {
        return true;
    }
    if word.contains('.') {
        return true;
    }
    let lowered = word.to_lowercase();
    ABBREVIATIONS.contains(&lowered.as_str())
}

/// Returns `value` cleaned with [`clean`] and with an unbalanced opening or closing
/// square bracket removed ("[London" → "London", "1899]" → "1899"), as transcriptions
/// split across subfields leave them.
pub(crate) fn clean_transcribed(value: &str) -> &str {
    let mut text = clean(value);
    if text.starts_with('[') && !text.contains(']') {
        text = text[1..].trim_start();
    }
    if text.ends_with(']') && !text.contains('[') {
        text = text[..text.len() - 1].trim_end();
    }
    clean(text)
}

/// Returns the cleaned value, or `None` when nothing is left.
pub(crate) fn non_empty(value: &str) -> Option<String> {
    let cleaned = clean(value);
    (!cleaned.is_empty()).then(|| cleaned.to_string())
}

/// Appends `value` to `list` unless it is empty or already there.
pub(crate) fn push_unique(list: &mut Vec<String>, value: String) {
    if !value.is_empty() && !list.contains(&value) {
        list.push(value);
    }
}

/// Joins subfield values into one phrase, keeping the punctuation the cataloguer
/// wrote between them and supplying `separator(previous code, code)` where the previous
/// value ends without any. The result is [`clean`]ed.
pub(crate) fn join_subfields<'a>(
    parts: impl Iterator<Item = (char, &'a str)>,
    separator: impl Fn(char, char) -> &'static str,
) -> String {
    let mut joined = String::new();
    let mut previous: Option<char> = None;
    for (code, value) in parts {
        let value = value.trim();
        if value.is_empty() {
            continue;
        }
        if let Some(previous_code) = previous {
            let ends_with_punctuation = joined.chars().next_back().is_some_and(|character| {
                matches!(character, '.' | ',' | ':' | ';' | '/' | '=' | '+')
            });
            if ends_with_punctuation {
                joined.push(' ');
            } else {
                joined.push_str(separator(previous_code, code));
            }
        }
        joined.push_str(value);
        previous = Some(code);
    }
    clean(&joined).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fold_lowercases_and_removes_latin_diacritics() {
        assert_eq!(fold("Crétineau-Joly, Ærø Łódź"), "cretineau-joly, aero lodz");
    }

    #[test]
    fn fold_removes_romanisation_ligature_halves_and_soft_signs() {
        assert_eq!(fold("Istorii︠a︡ ėstetiki Zhiznʹ"), "istoriia estetiki zhizn");
    }

    #[test]
    fn fold_keeps_japanese_voicing_marks_and_devanagari_vowel_signs() {
        assert_eq!(fold("がくしゅう"), "がくしゅう");
        assert_eq!(fold("बिहानी टुसा"), "बिहानी टुसा");
    }

    #[test]
    fn fold_maps_compatibility_forms_and_sharp_s() {
        assert_eq!(fold("ﬁne Straße ＡＢＣ"), "fine strasse abc");
    }

    #[test]
    fn normalise_words_drops_punctuation_and_apostrophes() {
        assert_eq!(normalise_words("  Don't  stop -- the music!  "), "dont stop the music");
    }

    #[test]
    fn normalise_words_keeps_indic_vowel_signs_and_viramas_inside_words() {
        assert_eq!(normalise_words("हिमाली साहित्य : भाग"), "हिमाली साहित्य भाग");
    }

    #[test]
    fn clean_trims_isbd_punctuation_but_keeps_initials_and_abbreviations() {
        assert_eq!(clean("Pride and prejudice /"), "Pride and prejudice");
        assert_eq!(clean("Botanical materia medica;"), "Botanical materia medica");
        assert_eq!(clean("Cláudia."), "Cláudia");
        assert_eq!(clean("Smith, J."), "Smith, J.");
        assert_eq!(clean("King, Martin Luther, Jr.,"), "King, Martin Luther, Jr.");
        assert_eq!(clean("Washington, D.C."), "Washington, D.C.");
        assert_eq!(clean("And so on..."), "And so on...");
        assert_eq!(clean("1564-1616."), "1564-1616");
        assert_eq!(clean(" . "), "");
    }

    #[test]
    fn clean_transcribed_drops_unbalanced_brackets() {
        assert_eq!(clean_transcribed("[London :"), "London");
        assert_eq!(clean_transcribed("s.n.]"), "s.n.");
        assert_eq!(clean_transcribed("[S.l.] :"), "[S.l.]");
    }
}
