//! MARC-8, the character set of older MARC records, decoded to Unicode as the Library of
//! Congress's MARC-8 to Unicode mappings give it: each combining mark after its base
//! letter (decomposed), and nothing composed or reordered afterwards.
//!
//! It only decodes, and it trusts its caller that the bytes are MARC-8: telling MARC-8
//! from UTF-8 or a Windows code page is the reader's business, not this room's.

mod tables;

/// Text decoded from MARC-8, and what could not be decoded.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Decoded {
    /// The text, as the mappings give it: not normalised (see [`decode`]).
    pub text: String,
    /// Each problem met, in plain words with its byte offset (an unknown character, an
    /// incomplete escape sequence). Empty when the decoding was clean.
    pub problems: Vec<String>,
}

/// Decodes MARC-8 bytes (one field's or subfield's worth) to UTF-8.
///
/// Every set of the Library of Congress code tables is read: Basic and Extended Latin,
/// Greek symbols, subscripts and superscripts, Hebrew, Basic and Extended Cyrillic, Basic
/// and Extended Arabic, Greek, and the East Asian Character Code (EACC). Combining marks,
/// which MARC-8 writes before their base character, follow it in the text. Control
/// characters (the subfield delimiter 0x1F, the field and record terminators 0x1E and
/// 0x1D among them) pass through unchanged.
///
/// The text is not normalised: a letter and its diacritics come out decomposed (`e` then
/// U+0301, never `é`), several marks on one letter in the order MARC-8 wrote them, and a
/// character the tables map to a precomposed one (Cyrillic `Й`, Vietnamese `ơ`) as that
/// character. This is what other converters that follow the same tables give, and what
/// the Library of Congress distributes as UTF-8; callers that compare text normalise it.
///
/// The sets in use start as MARC-8's defaults, Basic Latin (ASCII) as G0 and Extended
/// Latin (ANSEL) as G1. An escape sequence changes them until the next one, or until the
/// next subfield delimiter or terminator, where the defaults return: so a field decodes
/// as its subfields decode one by one, which is how other MARC-8 converters read it.
///
/// It never fails: an unknown character, an incomplete or unknown escape sequence, or a
/// cut-off East Asian character becomes U+FFFD in the text and one entry in `problems`,
/// which names the bytes and their offset from the start of `bytes`; decoding goes on
/// with the next byte. A few other faults are reported without a U+FFFD: a combining mark
/// with no character after it (kept after the text before it), the second half of a
/// double diacritic without its first half (kept as its half mark), and the delete
/// character 0x7F (dropped, as ISO 2022 drops it).
///
/// Cost: one pass over `bytes`, a table look-up per character (a binary search for East
/// Asian ones); it allocates the text.
pub fn decode(bytes: &[u8]) -> Decoded {
    if bytes.iter().all(|&byte| byte < DELETE && byte != ESCAPE) {
        // Pure ASCII, the bulk of most records, is already UTF-8.
        if let Ok(text) = String::from_utf8(bytes.to_vec()) {
            return Decoded { text, problems: Vec::new() };
        }
    }
    Decoder::new(bytes).run()
}

const ESCAPE: u8 = 0x1B;
const DELETE: u8 = 0x7F;
const SUBFIELD_DELIMITER: u8 = 0x1F;
const FIELD_TERMINATOR: u8 = 0x1E;
const RECORD_TERMINATOR: u8 = 0x1D;
const REPLACEMENT: char = '\u{FFFD}';

/// What one code of a single-byte set stands for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mapping {
    /// No character has this code in this set.
    Unassigned,
    /// A spacing character.
    Base(char),
    /// A combining mark: written before its base character in MARC-8, after it in Unicode.
    Combining(char),
    /// The first half of a diacritic that spans two letters (ligature, double tilde): the
    /// whole double diacritic, which Unicode writes after the first of the two letters.
    FirstHalf(char),
    /// The second half of a double diacritic, which the Library of Congress maps to
    /// nothing since its first half already stands for the whole. Met without that first
    /// half, it becomes the half mark `alone` so that nothing is lost.
    SecondHalf { of: char, alone: char },
}

/// A MARC-8 graphic character set, as an escape sequence names it by its final byte.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum CharacterSet {
    BasicLatin,
    ExtendedLatin,
    GreekSymbols,
    Subscripts,
    Superscripts,
    BasicHebrew,
    BasicCyrillic,
    ExtendedCyrillic,
    BasicArabic,
    ExtendedArabic,
    BasicGreek,
    EastAsian,
}

impl CharacterSet {
    /// Returns the set whose escape sequences end in `final_byte`.
    fn from_final_byte(final_byte: u8) -> Option<Self> {
        Some(match final_byte {
            b'B' | b's' => Self::BasicLatin,
            b'E' => Self::ExtendedLatin,
            b'g' => Self::GreekSymbols,
            b'b' => Self::Subscripts,
            b'p' => Self::Superscripts,
            b'2' => Self::BasicHebrew,
            b'N' => Self::BasicCyrillic,
            b'Q' => Self::ExtendedCyrillic,
            b'3' => Self::BasicArabic,
            b'4' => Self::ExtendedArabic,
            b'S' => Self::BasicGreek,
            b'1' => Self::EastAsian,
            _ => return None,
        })
    }

    fn name(self) -> &'static str {
        match self {
            Self::BasicLatin => "Basic Latin (ASCII)",
            Self::ExtendedLatin => "Extended Latin (ANSEL)",
            Self::GreekSymbols => "Greek symbols",
            Self::Subscripts => "subscripts",
            Self::Superscripts => "superscripts",
            Self::BasicHebrew => "Basic Hebrew",
            Self::BasicCyrillic => "Basic Cyrillic",
            Self::ExtendedCyrillic => "Extended Cyrillic",
            Self::BasicArabic => "Basic Arabic",
            Self::ExtendedArabic => "Extended Arabic",
            Self::BasicGreek => "Basic Greek",
            Self::EastAsian => "East Asian (EACC)",
        }
    }

    /// Returns the table of a single-byte set, indexed by a code's low seven bits less
    /// 0x21 (a set reads the same whether it is designated as G0 or as G1); `None` for
    /// the three-byte East Asian set.
    fn single_byte_table(self) -> Option<&'static [Mapping; 94]> {
        Some(match self {
            Self::BasicLatin => &tables::BASIC_LATIN,
            Self::ExtendedLatin => &tables::EXTENDED_LATIN,
            Self::GreekSymbols => &tables::GREEK_SYMBOLS,
            Self::Subscripts => &tables::SUBSCRIPTS,
            Self::Superscripts => &tables::SUPERSCRIPTS,
            Self::BasicHebrew => &tables::BASIC_HEBREW,
            Self::BasicCyrillic => &tables::BASIC_CYRILLIC,
            Self::ExtendedCyrillic => &tables::EXTENDED_CYRILLIC,
            Self::BasicArabic => &tables::BASIC_ARABIC,
            Self::ExtendedArabic => &tables::EXTENDED_ARABIC,
            Self::BasicGreek => &tables::BASIC_GREEK,
            Self::EastAsian => return None,
        })
    }
}

/// The state of one call to [`decode`].
struct Decoder<'a> {
    bytes: &'a [u8],
    position: usize,
    g0: CharacterSet,
    g1: CharacterSet,
    text: String,
    problems: Vec<String>,
    /// Combining marks read and waiting for their base character.
    pending_marks: String,
    /// Where the first of `pending_marks` was read.
    pending_marks_at: usize,
    /// The double diacritic whose first half was read and whose second half was not yet.
    open_double_diacritic: Option<char>,
}

impl<'a> Decoder<'a> {
    fn new(bytes: &'a [u8]) -> Self {
        Decoder {
            bytes,
            position: 0,
            g0: CharacterSet::BasicLatin,
            g1: CharacterSet::ExtendedLatin,
            // Latin text grows little; Hebrew, Cyrillic and East Asian text grow more,
            // and the string grows with them.
            text: String::with_capacity(bytes.len() + bytes.len() / 4),
            problems: Vec::new(),
            pending_marks: String::new(),
            pending_marks_at: 0,
            open_double_diacritic: None,
        }
    }

    fn run(mut self) -> Decoded {
        while let Some(&byte) = self.bytes.get(self.position) {
            match byte {
                ESCAPE => self.read_escape_sequence(),
                0x00..=0x1F => {
                    self.release_marks_without_base();
                    self.text.push(char::from(byte));
                    self.position += 1;
                    if matches!(byte, SUBFIELD_DELIMITER | FIELD_TERMINATOR | RECORD_TERMINATOR) {
                        self.restore_default_sets();
                    }
                }
                b' ' => {
                    self.push_base(' ');
                    self.position += 1;
                }
                0x21..=0x7E => self.read_graphic(self.g0),
                0xA1..=0xFE => self.read_graphic(self.g1),
                DELETE => {
                    if !(self.g0 == CharacterSet::EastAsian && self.read_innovative_code()) {
                        self.problems.push(format!(
                            "delete character 0x7F at byte {} is not MARC-8 text; dropped",
                            self.position
                        ));
                        self.position += 1;
                    }
                }
                _ => {
                    if let Some(control) = tables::c1_control(byte) {
                        self.push_base(control);
                    } else {
                        self.problems.push(format!(
                            "unknown MARC-8 character 0x{byte:02X} at byte {}",
                            self.position
                        ));
                        self.push_base(REPLACEMENT);
                    }
                    self.position += 1;
                }
            }
        }
        self.release_marks_without_base();

        Decoded { text: self.text, problems: self.problems }
    }

    /// Reads the graphic character at the current position in `set`.
    fn read_graphic(&mut self, set: CharacterSet) {
        let at = self.position;
        let byte = self.bytes[at];
        let Some(table) = set.single_byte_table() else {
            self.read_east_asian(byte & 0x80);
            return;
        };
        self.position += 1;
        match table[usize::from(byte & 0x7F) - 0x21] {
            Mapping::Base(character) => self.push_base(character),
            Mapping::Combining(mark) => self.push_mark(mark, at),
            Mapping::FirstHalf(double) => {
                self.open_double_diacritic = Some(double);
                self.push_mark(double, at);
            }
            Mapping::SecondHalf { of, alone } => {
                if self.open_double_diacritic == Some(of) {
                    self.open_double_diacritic = None;
                } else {
                    self.problems.push(format!(
                        "second half 0x{byte:02X} of a double diacritic at byte {at} has no \
                         first half before it"
                    ));
                    self.push_mark(alone, at);
                }
            }
            Mapping::Unassigned => {
                self.problems.push(format!(
                    "unknown MARC-8 character 0x{byte:02X} in the {} set at byte {at}",
                    set.name()
                ));
                self.push_base(REPLACEMENT);
            }
        }
    }

    /// Reads a three-byte East Asian character whose bytes have their high bit as
    /// `high_bit` (set when EACC is designated as G1).
    fn read_east_asian(&mut self, high_bit: u8) {
        let at = self.position;
        let mut code: u32 = 0;
        let mut length = 0;
        while length < 3 {
            // The first byte is a graphic one (a space is read on its own); the others
            // may also be 0x20, as in the ideographic space 0x212320.
            match self.bytes.get(at + length) {
                Some(&byte) if byte & 0x80 == high_bit && (byte & 0x7F) >= 0x20 => {
                    code = code << 8 | u32::from(byte & 0x7F);
                    length += 1;
                }
                _ => break,
            }
        }
        let read = &self.bytes[at..at + length];
        self.position += length;
        if length < 3 {
            if read.iter().all(|&byte| (0x20..DELETE).contains(&byte)) {
                // Cut off by a delimiter, an escape or the end: in practice ASCII
                // punctuation after a lost return to ASCII, as in "!0d!0d, " + ESC.
                self.problems.push(format!(
                    "incomplete East Asian (EACC) character {} at byte {at}; read as ASCII",
                    hex_bytes(read)
                ));
                for &byte in read {
                    self.push_base(char::from(byte));
                }
            } else {
                self.problems.push(format!(
                    "incomplete East Asian (EACC) character {} at byte {at}",
                    hex_bytes(read)
                ));
                self.push_base(REPLACEMENT);
            }
            return;
        }
        match look_up(&tables::EAST_ASIAN, code)
            .or_else(|| look_up(&tables::INNOVATIVE_EAST_ASIAN, code))
        {
            Some(character) => self.push_base(character),
            None => {
                self.problems.push(format!(
                    "unknown MARC-8 character {} in the East Asian (EACC) set at byte {at}",
                    hex_bytes(read)
                ));
                self.push_base(REPLACEMENT);
            }
        }
    }

    /// Reads one of the Innovative Interfaces codes that begin with 0x7F and may hold a
    /// control byte, if one is at the current position; returns whether one was.
    fn read_innovative_code(&mut self) -> bool {
        let Some(read) = self.bytes.get(self.position..self.position + 3) else {
            return false;
        };
        let code = read.iter().fold(0, |code, &byte| code << 8 | u32::from(byte));
        let Some(character) = look_up(&tables::INNOVATIVE_EAST_ASIAN, code) else {
            return false;
        };
        self.position += 3;
        self.push_base(character);
        true
    }

    /// Reads the escape sequence at the current position: a locking shift to ASCII,
    /// Greek symbols, subscripts or superscripts (`ESC s`, `ESC g`, `ESC b`, `ESC p`) or a
    /// designation of a set as G0 (`ESC (`, `ESC ,`, `ESC $`, `ESC $ (`, `ESC $ ,`) or as
    /// G1 (`ESC )`, `ESC -`, `ESC $ )`, `ESC $ -`), with `!` before ANSEL's final byte.
    ///
    /// A designation of a set MARC-8 does not have is reported and skipped whole. Anything
    /// else is reported and only the escape character itself is skipped: a stray escape
    /// character often stands in for a lost letter, and the bytes after it are text.
    fn read_escape_sequence(&mut self) {
        let at = self.position;
        let mut next = at + 1;
        match self.bytes.get(next) {
            Some(&shift @ (b's' | b'g' | b'b' | b'p')) => {
                if let Some(set) = CharacterSet::from_final_byte(shift) {
                    self.g0 = set;
                }
                self.position = next + 1;
                return;
            }
            Some(b'(' | b',' | b')' | b'-' | b'$') => {}
            Some(_) => {
                self.report_escape("unknown escape sequence", at, next + 1);
                return;
            }
            None => {
                self.report_escape("incomplete escape sequence", at, next);
                return;
            }
        }

        if self.bytes.get(next) == Some(&b'$') {
            next += 1;
        }
        let mut designates_g1 = false;
        match self.bytes.get(next) {
            Some(b'(' | b',') => next += 1,
            Some(b')' | b'-') => {
                designates_g1 = true;
                next += 1;
            }
            // `ESC $ 1`: the short form for G0.
            _ => {}
        }
        if self.bytes.get(next) == Some(&b'!') {
            next += 1;
        }
        let final_byte = match self.bytes.get(next) {
            Some(&byte @ 0x30..=0x7E) => byte,
            _ => {
                self.report_escape("incomplete escape sequence", at, next);
                return;
            }
        };
        self.position = next + 1;
        match CharacterSet::from_final_byte(final_byte) {
            Some(set) if designates_g1 => self.g1 = set,
            Some(set) => self.g0 = set,
            None => {
                self.problems.push(format!(
                    "escape sequence {} at byte {at} names an unknown character set; \
                     the set in use before it stays in use",
                    hex_bytes(&self.bytes[at..=next])
                ));
                self.text.push(REPLACEMENT);
            }
        }
    }

    /// Returns to MARC-8's default sets, as at the start of a subfield.
    fn restore_default_sets(&mut self) {
        self.g0 = CharacterSet::BasicLatin;
        self.g1 = CharacterSet::ExtendedLatin;
        self.open_double_diacritic = None;
    }

    /// Reports the escape sequence `bytes[at..end]` as `problem`, marks its place, and
    /// goes on after the escape character alone.
    fn report_escape(&mut self, problem: &str, at: usize, end: usize) {
        let shown = &self.bytes[at..end.min(self.bytes.len())];
        self.problems.push(format!("{problem} {} at byte {at}", hex_bytes(shown)));
        self.text.push(REPLACEMENT);
        self.position = at + 1;
    }

    /// Writes a base character, then the combining marks that preceded it.
    fn push_base(&mut self, character: char) {
        self.text.push(character);
        if !self.pending_marks.is_empty() {
            self.text.push_str(&self.pending_marks);
            self.pending_marks.clear();
        }
    }

    fn push_mark(&mut self, mark: char, at: usize) {
        if self.pending_marks.is_empty() {
            self.pending_marks_at = at;
        }
        self.pending_marks.push(mark);
    }

    /// Writes combining marks that met a control character or the end of the bytes
    /// before any base character: after the text so far, since dropping them would lose
    /// them, and reported.
    fn release_marks_without_base(&mut self) {
        if self.pending_marks.is_empty() {
            return;
        }
        self.problems.push(format!(
            "combining mark at byte {} has no base character after it",
            self.pending_marks_at
        ));
        self.text.push_str(&self.pending_marks);
        self.pending_marks.clear();
    }
}

/// Returns the character of `code` in a table sorted by code.
fn look_up(table: &[(u32, char)], code: u32) -> Option<char> {
    table.binary_search_by_key(&code, |&(key, _)| key).ok().map(|index| table[index].1)
}

/// Returns bytes as `0x1B 0x24 0x31`.
fn hex_bytes(bytes: &[u8]) -> String {
    bytes.iter().map(|byte| format!("0x{byte:02X}")).collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_east_asian_tables_are_sorted_without_duplicates_for_binary_search() {
        for table in [&tables::EAST_ASIAN[..], &tables::INNOVATIVE_EAST_ASIAN[..]] {
            assert!(table.windows(2).all(|pair| pair[0].0 < pair[1].0));
        }
        assert_eq!(tables::EAST_ASIAN.len(), 15_739);
    }

    #[test]
    fn every_east_asian_code_is_three_graphic_bytes_so_the_reader_can_reach_it() {
        for &(code, _) in &tables::EAST_ASIAN {
            let bytes = code.to_be_bytes();
            assert_eq!(bytes[0], 0, "{code:06X}");
            assert!(bytes[1..].iter().all(|byte| (0x20..0x7F).contains(byte)), "{code:06X}");
            assert!((0x21..0x7F).contains(&bytes[1]), "{code:06X}");
        }
    }

    #[test]
    fn every_final_byte_names_a_set_with_a_table_or_the_east_asian_set() {
        for final_byte in 0..=u8::MAX {
            if let Some(set) = CharacterSet::from_final_byte(final_byte) {
                assert_eq!(set.single_byte_table().is_none(), set == CharacterSet::EastAsian);
            }
        }
    }

    #[test]
    fn combining_marks_in_the_tables_are_combining_in_unicode() {
        // A mark that Unicode does not treat as combining would be moved after its
        // letter for nothing, and normalising the text later relies on the classes.
        let all = [
            &tables::BASIC_LATIN,
            &tables::EXTENDED_LATIN,
            &tables::BASIC_HEBREW,
            &tables::BASIC_ARABIC,
            &tables::EXTENDED_ARABIC,
            &tables::BASIC_GREEK,
        ];
        for table in all {
            for mapping in table.iter() {
                if let Mapping::Combining(mark) | Mapping::FirstHalf(mark) = *mapping {
                    assert!(
                        unicode_normalization::char::is_combining_mark(mark),
                        "U+{:04X}",
                        u32::from(mark)
                    );
                }
            }
        }
    }
}
