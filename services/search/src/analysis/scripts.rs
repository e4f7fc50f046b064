//! Letters of other scripts brought to the spelling a patron can type: Cyrillic, Greek
//! and Armenian romanised as the Library of Congress romanises them (ALA-LC), and the
//! Arabic letters that keyboards and cataloguers write either way made one.
//!
//! Romanising makes "История", "Istorii︠a︡" (LC's romanisation) and "istoriia" (the same
//! typed plainly) one word, so a record in either script, or in its romanisation, is
//! found from either. Only letters are mapped: the romanisation's own diacritics and
//! marks (ĭ, ė, the ligature over "ts" and "ia", ʹ for the soft sign) are what folding
//! removes anyway, so they are never produced. Hebrew and Arabic are written without most
//! vowels, so no table can romanise them; they keep their script. Nothing here splits
//! text into words.

use std::borrow::Cow;

use unicode_normalization::UnicodeNormalization;

/// Returns `text` with its Cyrillic, Greek and Armenian letters romanised (ALA-LC, without
/// its diacritics) and Arabic letter variants made one, lowercased and canonically
/// decomposed (NFD); borrowed when there is nothing to change.
///
/// Cost: one pass for text without such letters; otherwise lowercasing, a canonical
/// decomposition and one pass.
pub fn romanise(text: &str) -> Cow<'_, str> {
    if !text.chars().any(needs_romanising) {
        return Cow::Borrowed(text);
    }
    let decomposed: String = text.chars().flat_map(char::to_lowercase).nfd().collect();
    let mut romanised = String::with_capacity(decomposed.len());
    romanise_decomposed(&decomposed, &mut romanised);
    Cow::Owned(romanised)
}

/// Returns true for the letters [`romanise`] changes.
pub(super) fn needs_romanising(character: char) -> bool {
    matches!(
        character,
        '\u{0370}'..='\u{03FF}'
            | '\u{1F00}'..='\u{1FFF}'
            | '\u{0400}'..='\u{052F}'
            | '\u{0531}'..='\u{0587}'
            | 'ى'
            | 'ة'
            | 'ی'
            | 'ک'
    )
}

/// Appends `word`, lowercase and canonically decomposed (NFD, so "й" is "и" and a breve),
/// to `romanised` with its letters romanised. The marks of romanised letters are left
/// out; other characters' marks are copied.
pub(super) fn romanise_decomposed(word: &str, romanised: &mut String) {
    let characters: Vec<char> = word.chars().collect();
    // A rough breathing on a word's first vowel is an "h" before it ("ἱστορία" is
    // "historia"); ALA-LC writes it first even over the second letter of a diphthong.
    if starts_with_rough_breathing(&characters) {
        romanised.push('h');
    }
    // Whether the last letter was romanised: its marks (the breve of "й", the tonos of
    // "ά") are then left out, as the romanisation's own would be.
    let mut romanised_letter = false;
    for (index, &character) in characters.iter().enumerate() {
        if is_mark(character) {
            if !romanised_letter {
                romanised.push(character);
            }
            continue;
        }
        romanised_letter = true;
        let next = characters[index + 1..].iter().copied().find(|next| !is_mark(*next));
        let previous = characters[..index].iter().rev().copied().find(|before| !is_mark(*before));
        match character {
            'γ' if matches!(next, Some('γ' | 'κ' | 'ξ' | 'χ')) => romanised.push('n'),
            'υ' if matches!(previous, Some('α' | 'ε' | 'η' | 'ο'))
                && !followed_by_diaeresis(&characters[index + 1..]) =>
            {
                romanised.push('u');
            }
            'ρ' if characters.get(index + 1) == Some(&'\u{0314}') => romanised.push_str("rh"),
            'ւ' if previous == Some('ո') => {}
            'ո' if next == Some('ւ') => romanised.push('u'),
            _ => match letter(character) {
                Some(latin) => romanised.push_str(latin),
                None => {
                    romanised_letter = false;
                    romanised.push(character);
                }
            },
        }
    }
}

/// Returns true when the first vowel of a Greek word carries a rough breathing (U+0314),
/// on it or on the second letter of a diphthong ("αἱ", "οὑ").
fn starts_with_rough_breathing(word: &[char]) -> bool {
    let letters: Vec<(usize, char)> =
        word.iter().copied().enumerate().filter(|(_, character)| !is_mark(*character)).collect();
    let Some(&(first_at, first)) = letters.first() else { return false };
    if !is_greek_vowel(first) {
        return false;
    }
    let end = match letters.get(1) {
        Some(&(_, 'ι' | 'υ')) => letters.get(2).map_or(word.len(), |&(at, _)| at),
        Some(&(second_at, _)) => second_at,
        None => word.len(),
    };
    word[first_at..end].contains(&'\u{0314}')
}

fn is_greek_vowel(character: char) -> bool {
    matches!(character, 'α' | 'ε' | 'η' | 'ι' | 'ο' | 'υ' | 'ω')
}

fn followed_by_diaeresis(rest: &[char]) -> bool {
    rest.iter().take_while(|character| is_mark(**character)).any(|mark| *mark == '\u{0308}')
}

/// Combining marks that decomposed Greek, Cyrillic and Armenian letters carry.
fn is_mark(character: char) -> bool {
    matches!(character, '\u{0300}'..='\u{036F}' | '\u{0483}'..='\u{0489}')
}

/// The romanisation of one lowercase letter, without diacritics; `None` for a character
/// this table leaves alone.
fn letter(character: char) -> Option<&'static str> {
    let latin = match character {
        // Russian, and the letters other Cyrillic alphabets add.
        'а' => "a",
        'б' => "b",
        'в' => "v",
        'г' | 'ґ' => "g",
        'д' => "d",
        'е' | 'ѣ' | 'э' | 'ѧ' => "e",
        'ж' | 'җ' => "zh",
        'з' => "z",
        'и' | 'і' => "i",
        'й' => "i",
        'к' => "k",
        'л' => "l",
        'м' => "m",
        'н' => "n",
        'о' | 'ѫ' | 'ѡ' | 'ө' => "o",
        'п' => "p",
        'р' => "r",
        'с' => "s",
        'т' => "t",
        'у' | 'ұ' | 'ү' => "u",
        'ф' | 'ѳ' => "f",
        'х' | 'ҳ' => "kh",
        'ц' => "ts",
        'ч' | 'ҷ' => "ch",
        'ш' => "sh",
        'щ' => "shch",
        'ъ' | 'ь' => "",
        'ы' | 'ѵ' => "y",
        'ю' => "iu",
        'я' => "ia",
        'є' => "ie",
        'ђ' => "d",
        'ј' => "j",
        'љ' => "lj",
        'њ' => "nj",
        'ћ' => "c",
        'џ' | 'ѕ' => "dz",
        'ѯ' => "ks",
        'ѱ' => "ps",
        'ә' => "a",
        'ғ' => "gh",
        'қ' => "q",
        'ң' => "ng",
        'һ' => "h",
        // Greek (modern values where ancient and modern differ: β is v).
        'α' => "a",
        'β' | 'ϐ' => "v",
        'γ' => "g",
        'δ' => "d",
        'ε' | 'η' => "e",
        'ζ' => "z",
        'θ' | 'ϑ' => "th",
        'ι' => "i",
        'κ' | 'ϰ' => "k",
        'λ' => "l",
        'μ' => "m",
        'ν' => "n",
        'ξ' => "x",
        'ο' | 'ω' => "o",
        'π' => "p",
        'ρ' => "r",
        'σ' | 'ς' | 'ϲ' => "s",
        'τ' => "t",
        'υ' => "y",
        'φ' | 'ϕ' => "ph",
        'χ' => "ch",
        'ψ' => "ps",
        // Armenian.
        'ա' => "a",
        'բ' => "b",
        'գ' => "g",
        'դ' => "d",
        'ե' | 'է' | 'ը' => "e",
        'զ' => "z",
        'թ' | 'տ' => "t",
        'ժ' => "zh",
        'ի' => "i",
        'լ' => "l",
        'խ' => "kh",
        'ծ' | 'ց' => "ts",
        'կ' | 'ք' => "k",
        'հ' => "h",
        'ձ' => "dz",
        'ղ' => "gh",
        'ճ' | 'չ' => "ch",
        'մ' => "m",
        'յ' => "y",
        'ն' => "n",
        'շ' => "sh",
        'ո' | 'օ' => "o",
        'պ' | 'փ' => "p",
        'ջ' => "j",
        'ռ' | 'ր' => "r",
        'ս' => "s",
        'վ' => "v",
        'ւ' => "w",
        'ֆ' => "f",
        'և' => "ew",
        // Arabic letters written either way: alif maqsura and yeh, teh marbuta and heh,
        // and the Persian forms of yeh and kaf.
        'ى' | 'ی' => "ي",
        'ة' => "ه",
        'ک' => "ك",
        _ => return None,
    };
    Some(latin)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn russian_is_romanised_as_the_library_of_congress_romanises_it() {
        // LC's romanisations with their marks left out.
        assert_eq!(romanise("История русской литературы"), "istoriia russkoi literatury");
        assert_eq!(romanise("Жизнь"), "zhizn");
        assert_eq!(romanise("Щедрин. Объявление"), "shchedrin. obiavlenie");
        assert_eq!(romanise("Ёлка, Чайка, Цех, Эхо, Юг"), "elka, chaika, tsekh, ekho, iug");
    }

    #[test]
    fn other_cyrillic_alphabets_use_the_same_table() {
        assert_eq!(romanise("Україна"), "ukraina");
        assert_eq!(romanise("Љубав и њива"), "ljubav i njiva");
        assert_eq!(romanise("Қазақ"), "qazaq");
    }

    #[test]
    fn greek_follows_alalc_digraphs_and_breathings() {
        assert_eq!(romanise("Ἱστορία"), "historia");
        assert_eq!(romanise("Ελλάδα"), "ellada");
        assert_eq!(romanise("Ἑλλάς"), "hellas");
        assert_eq!(romanise("Ἄγγελος"), "angelos");
        assert_eq!(romanise("αὐτοῦ"), "autou");
        assert_eq!(romanise("ῥήτωρ"), "rhetor");
        assert_eq!(romanise("Φιλοσοφία"), "philosophia");
    }

    #[test]
    fn armenian_is_romanised_with_its_digraph_for_u() {
        assert_eq!(romanise("Բանաստեղծություններ"), "banasteghtsutyunner");
        assert_eq!(romanise("Հայաստան"), "hayastan");
    }

    #[test]
    fn arabic_letter_variants_become_one() {
        assert_eq!(romanise("مدرسة"), "مدرسه");
        assert_eq!(romanise("مصطفى"), "مصطفي");
        assert_eq!(romanise("کتاب"), "كتاب");
    }

    #[test]
    fn latin_and_other_scripts_are_left_alone() {
        assert!(matches!(romanise("Brontë"), Cow::Borrowed("Brontë")));
        assert!(matches!(romanise("שבועות"), Cow::Borrowed(_)));
        assert!(matches!(romanise("बिहानी"), Cow::Borrowed(_)));
    }
}
