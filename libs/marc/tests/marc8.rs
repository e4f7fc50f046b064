//! MARC-8 decoding: byte sequences whose Unicode the Library of Congress code tables fix,
//! and every field of real MARC-8 files against an independent converter's reading of them.
//! The text is as the tables give it, never normalised: a letter then its combining marks
//! in the order MARC-8 wrote them.

#![expect(clippy::unwrap_used, reason = "a test fails loudly at the first thing that goes wrong")]

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use athenaeum_marc::Normalization;
use athenaeum_marc::marc8::{Decoded, decode};
use quick_xml::Reader;
use quick_xml::events::{BytesStart, Event};
use unicode_normalization::UnicodeNormalization;

fn clean(text: &str) -> Decoded {
    Decoded { text: text.to_owned(), problems: Vec::new() }
}

#[test]
fn an_ansel_acute_before_e_becomes_e_then_a_combining_acute() {
    assert_eq!(decode(b"Soci\xE2et\xE2e"), clean("Socie\u{301}te\u{301}"));
    // Composed, it is the precomposed e-acute other systems compare with.
    assert_eq!(Normalization::Nfc.text("Socie\u{301}te\u{301}"), "Soci\u{E9}t\u{E9}");
}

#[test]
fn diacritics_follow_their_letter_in_the_order_marc8_wrote_them() {
    // Circumflex (0xE3) and dot below (0xF2) before "a": the marks follow the letter in
    // the same order, not reordered by combining class as NFD would.
    assert_eq!(decode(b"\xE3\xF2a"), clean("a\u{302}\u{323}"));
    // Canonically the same letter: in NFC U+1EAD, LATIN SMALL LETTER A WITH CIRCUMFLEX AND
    // DOT BELOW.
    assert_eq!(Normalization::Nfc.text(&decode(b"\xE3\xF2a").text), "\u{1EAD}");
}

#[test]
fn a_diacritic_before_a_space_stays_on_the_space() {
    assert_eq!(decode(b"\xE2 x"), clean(" \u{301}x"));
}

#[test]
fn ansel_letters_and_symbols_decode() {
    // Polish l, Scandinavian o, eszett, copyright, sound recording copyright, flat.
    assert_eq!(
        decode(b"\xB1\xB2\xC7\xC3\xC2\xA9"),
        clean("\u{142}\u{F8}\u{DF}\u{A9}\u{2117}\u{266D}")
    );
}

#[test]
fn a_hebrew_escape_sequence_switches_to_hebrew_until_ascii_returns() {
    assert_eq!(decode(b"\x1B(2ylem\x1B(B 5"), clean("\u{5E9}\u{5DC}\u{5D5}\u{5DD} 5"));
}

#[test]
fn basic_cyrillic_designated_as_g0_decodes() {
    assert_eq!(decode(b"\x1B(NmIR\x1B(B."), clean("\u{41C}\u{438}\u{440}."));
}

#[test]
fn a_cyrillic_set_designated_as_g1_is_read_from_the_high_half() {
    assert_eq!(decode(b"\x1B)N\xED\xC9\xD2"), clean("\u{41C}\u{438}\u{440}"));
}

#[test]
fn extended_cyrillic_in_g1_beside_basic_cyrillic_in_g0_decodes() {
    // 0xC0 is ghe with upturn (U+0491), 0xE7 capital yi (U+0407).
    assert_eq!(decode(b"\x1B(N\x1B)Q\xC0A \xE7"), clean("\u{491}\u{430} \u{407}"));
}

#[test]
fn arabic_sets_decode_with_their_marks_after_the_letter() {
    // Basic Arabic: 0x47 alef, 0x6B fathatan (a mark, so it belongs to the lam after it),
    // 0x64 lam; Extended Arabic in G1: 0xA9 peh.
    assert_eq!(decode(b"\x1B(3\x1B)4\x47\x6B\x64\xA9"), clean("\u{627}\u{644}\u{64B}\u{67E}"));
}

#[test]
fn an_east_asian_character_is_three_bytes() {
    // EACC 0x213064 is U+4EBA, the ideograph for "person".
    assert_eq!(decode(b"\x1B$1\x21\x30\x64\x1B(B."), clean("\u{4EBA}."));
}

#[test]
fn an_east_asian_character_may_come_from_g1() {
    assert_eq!(decode(b"\x1B$)1\xA1\xB0\xE4"), clean("\u{4EBA}"));
}

#[test]
fn a_space_between_east_asian_characters_is_one_byte() {
    assert_eq!(decode(b"\x1B$1\x21\x30\x64 \x21\x30\x64"), clean("\u{4EBA} \u{4EBA}"));
}

#[test]
fn superscripts_and_subscripts_use_the_locking_short_escapes() {
    assert_eq!(decode(b"x\x1Bp2\x1Bs + H\x1Bb2\x1BsO"), clean("x\u{B2} + H\u{2082}O"));
}

#[test]
fn greek_symbols_and_basic_greek_decode() {
    assert_eq!(decode(b"\x1Bga\x1Bs-rays"), clean("\u{3B1}-rays"));
    // Basic Greek 0x41 is capital alpha, 0x21 a combining grave that goes after it.
    assert_eq!(decode(b"\x1B(S\x21A\x1B(B"), clean("\u{391}\u{300}"));
}

#[test]
fn ansel_designated_as_g0_uses_the_exclamation_mark_intermediate() {
    // 0x32 and 0x62 in G0 are ANSEL's 0xB2 (o with stroke) and 0xE2 (acute), and the
    // acute waits across the escape sequence for its letter.
    assert_eq!(decode(b"\x1B(!E2b\x1B(Be"), clean("\u{F8}e\u{301}"));
}

#[test]
fn the_ligature_halves_become_one_double_inverted_breve_between_the_two_letters() {
    // 0xEB ligature first half, 0xEC second half: LC's primary mapping puts U+0361 after
    // the first letter and maps the second half to nothing.
    assert_eq!(decode(b"\xEBt\xECs"), clean("t\u{361}s"));
    assert_eq!(decode(b"\xFAn\xFBg"), clean("n\u{360}g"));
}

#[test]
fn a_second_half_without_its_first_half_keeps_the_half_mark_and_is_reported() {
    let result = decode(b"t\xECs");
    assert_eq!(result.text, "ts\u{FE21}");
    assert_eq!(
        result.problems,
        ["second half 0xEC of a double diacritic at byte 1 has no first half before it"]
    );
}

#[test]
fn a_delete_character_is_dropped_and_reported() {
    let result = decode(b"\x1B(2ye\x7Fz");
    assert_eq!(result.text, "\u{5E9}\u{5D5}\u{5EA}");
    assert_eq!(result.problems, ["delete character 0x7F at byte 5 is not MARC-8 text; dropped"]);
}

#[test]
fn subfield_delimiters_and_terminators_pass_through_and_restore_the_default_sets() {
    assert_eq!(
        decode(b"10\x1Fa\x1B(NmIR\x1FbmIR\xE2e\x1B)Q\x1E\xE2e"),
        clean("10\x1Fa\u{41C}\u{438}\u{440}\x1FbmIRe\u{301}\x1Ee\u{301}")
    );
}

#[test]
fn a_field_decodes_as_its_subfields_decode_one_by_one() {
    let field: &[u8] = b"10\x1Fa\x1B(NmOSKWA :\x1Fb\x1B$1\x21\x30\x64\x1Fc\xE2e";
    let whole = decode(field).text;
    let pieces: Vec<String> =
        field.split(|&byte| byte == 0x1F).map(|subfield| decode(subfield).text).collect();
    assert_eq!(whole, pieces.join("\x1F"));
}

#[test]
fn each_call_starts_from_the_default_sets() {
    let _ = decode(b"\x1B(N\x1B)Q");
    assert_eq!(decode(b"mIR \xE2e"), clean("mIR e\u{301}"));
}

#[test]
fn the_non_sort_controls_decode_to_their_unicode_controls() {
    assert_eq!(decode(b"\x88The \x89end"), clean("\u{98}The \u{9C}end"));
}

#[test]
fn an_incomplete_escape_is_reported_and_the_rest_of_the_field_is_kept() {
    let result = decode(b"\x1Fa\x1B$\x1E");
    assert_eq!(result.text, "\x1Fa\u{FFFD}$\x1E");
    assert_eq!(result.problems, ["incomplete escape sequence 0x1B 0x24 at byte 2"]);

    let result = decode(b"Title\x1B(\x1FbRest");
    assert_eq!(result.text, "Title\u{FFFD}(\x1FbRest");
    assert_eq!(result.problems, ["incomplete escape sequence 0x1B 0x28 at byte 5"]);

    let result = decode(b"end\x1B");
    assert_eq!(result.text, "end\u{FFFD}");
    assert_eq!(result.problems, ["incomplete escape sequence 0x1B at byte 3"]);
}

#[test]
fn a_stray_escape_character_is_reported_and_the_letters_after_it_are_kept() {
    // As in pymarc's bad_marc8_escape.dat, where an escape stands for a lost e-acute.
    let result = decode(b"Soci\x1Bt\xE2e linn\x1Benne");
    assert_eq!(result.text, "Soci\u{FFFD}te\u{301} linn\u{FFFD}enne");
    assert_eq!(
        result.problems,
        [
            "unknown escape sequence 0x1B 0x74 at byte 4",
            "unknown escape sequence 0x1B 0x65 at byte 13"
        ]
    );
}

#[test]
fn a_designation_of_an_unknown_set_is_reported_and_the_previous_set_stays() {
    let result = decode(b"\x1B(NmI\x1B(ZR");
    assert_eq!(result.text, "\u{41C}\u{438}\u{FFFD}\u{440}");
    assert_eq!(
        result.problems,
        ["escape sequence 0x1B 0x28 0x5A at byte 5 names an unknown character set; \
             the set in use before it stays in use"]
    );
}

#[test]
fn an_unknown_east_asian_character_is_reported_with_its_bytes_and_offset() {
    let result = decode(b"ab\x1B$1\x7E\x7E\x7E\x21\x30\x64");
    assert_eq!(result.text, "ab\u{FFFD}\u{4EBA}");
    assert_eq!(
        result.problems,
        ["unknown MARC-8 character 0x7E 0x7E 0x7E in the East Asian (EACC) set at byte 5"]
    );
}

#[test]
fn a_cut_off_east_asian_character_is_reported_and_read_as_ascii() {
    // As in marc4j's chinese_mangled_multibyte.mrc: punctuation after a lost ESC ( B.
    let result = decode(b"\x1B$1\x21\x30\x64, \x1Fb\x1B$1\x21\x30\x64.");
    assert_eq!(result.text, "\u{4EBA}, \x1Fb\u{4EBA}.");
    assert_eq!(
        result.problems,
        [
            "incomplete East Asian (EACC) character 0x2C 0x20 at byte 6; read as ASCII",
            "incomplete East Asian (EACC) character 0x2E at byte 16; read as ASCII",
        ]
    );
}

#[test]
fn a_cut_off_east_asian_character_from_g1_becomes_a_replacement_character() {
    let result = decode(b"\x1B$)1\xA1\xB0\x1Fb");
    assert_eq!(result.text, "\u{FFFD}\x1Fb");
    assert_eq!(result.problems, ["incomplete East Asian (EACC) character 0xA1 0xB0 at byte 4"]);
}

#[test]
fn innovative_interfaces_punctuation_in_east_asian_text_decodes() {
    // pymarc reads these codes too; the last test line of its test_marc8.txt holds them.
    assert_eq!(
        decode(b"\x1B$1\x21\x20\x3D\x7F\x20\x14\x21\x30\x64\x1B(B"),
        clean("\u{2026}\u{2014}\u{4EBA}")
    );
}

#[test]
fn an_unassigned_code_is_reported_with_its_set() {
    let result = decode(b"a\xAFb\x81c");
    assert_eq!(result.text, "a\u{FFFD}b\u{FFFD}c");
    assert_eq!(
        result.problems,
        [
            "unknown MARC-8 character 0xAF in the Extended Latin (ANSEL) set at byte 1",
            "unknown MARC-8 character 0x81 at byte 3",
        ]
    );
}

#[test]
fn a_diacritic_with_no_letter_after_it_is_kept_and_reported() {
    let result = decode(b"e\xE2\x1Fbx\xE8");
    assert_eq!(result.text, "e\u{301}\x1Fbx\u{308}");
    assert_eq!(
        result.problems,
        [
            "combining mark at byte 1 has no base character after it",
            "combining mark at byte 5 has no base character after it",
        ]
    );
}

#[test]
fn arbitrary_bytes_never_panic_and_every_replacement_is_explained() {
    // A fixed pseudo-random stream, rich in escapes and set switches.
    let mut state: u64 = 0x9E37_79B9_7F4A_7C15;
    let alphabet = b"\x1B\x1B$()-,!1NQ23S4Egbps \x1F\x1E\xE2\xEB\xEC!0d~\xA1\xB0\x88\x81";
    for _ in 0..2_000 {
        let mut bytes = Vec::new();
        for _ in 0..(state % 40) {
            state = state.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1);
            let pick = (state >> 33) as usize;
            bytes.push(if pick.is_multiple_of(3) {
                (pick >> 8) as u8
            } else {
                alphabet[pick % alphabet.len()]
            });
        }
        state = state.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1);
        let result = decode(&bytes);
        if result.text.contains('\u{FFFD}') {
            assert!(!result.problems.is_empty(), "no problem reported for {bytes:02X?}");
        }
        let terminators = |text: &[u8]| text.iter().filter(|&&byte| byte == 0x1E).count();
        assert_eq!(terminators(result.text.as_bytes()), terminators(&bytes), "{bytes:02X?}");
    }
}

#[test]
fn every_line_of_pymarcs_marc8_test_text_decodes_to_its_utf8_twin() {
    // pymarc's own line-by-line pair: Latin, Hebrew, Arabic and East Asian text. Its
    // expected text comes from the same tables this decoder's are generated from, so it
    // checks the reading (escapes, three-byte codes, mark order), not the tables. pymarc
    // composes its text (NFC), so the two are compared composed; the reference
    // conversions below are compared exactly.
    let data = shared_data().join("marc/pymarc");
    let marc8 = std::fs::read(data.join("test_marc8.txt")).unwrap();
    let utf8 = std::fs::read_to_string(data.join("test_utf8.txt")).unwrap();
    let marc8_lines: Vec<&[u8]> = marc8.split(|&byte| byte == b'\n').collect();
    let utf8_lines: Vec<&str> = utf8.split('\n').collect();
    assert_eq!(marc8_lines.len(), utf8_lines.len());
    assert!(marc8_lines.len() > 1_500);
    for (number, (line, expected)) in marc8_lines.iter().zip(&utf8_lines).enumerate() {
        let result = decode(line);
        assert_eq!(nfc(&result.text), nfc(expected), "line {}", number + 1);
        assert_eq!(result.problems, Vec::<String>::new(), "line {}", number + 1);
    }
}

#[test]
fn malformed_marc8_files_decode_every_field_and_report_each_fault() {
    let (mut counted, mut expected) = (Vec::new(), Vec::new());
    for (file, expected_problems) in [
        ("marc4j/incomplete_esc_seq.mrc", 149),
        ("marc4j/chinese_mangled_multibyte.mrc", 158),
        ("pymarc/bad_marc8_escape.dat", 16),
        ("pymarc/bad_eacc_encoding.dat", 3),
    ] {
        let bytes = std::fs::read(shared_data().join("marc").join(file)).unwrap();
        let mut problems = 0;
        for (tag, field) in iso2709_fields(&bytes).iter().flatten() {
            let result = decode(field);
            problems += result.problems.len();
            let delimiters = |text: &[u8]| text.iter().filter(|&&byte| byte == 0x1F).count();
            assert_eq!(delimiters(result.text.as_bytes()), delimiters(field), "{file} {tag}");
            if result.text.contains('\u{FFFD}') {
                assert!(!result.problems.is_empty(), "{file} {tag}: U+FFFD with no problem");
            }
        }
        counted.push((file, problems));
        expected.push((file, expected_problems));
    }
    assert_eq!(counted, expected);
}

#[test]
fn a_stray_escape_in_a_title_costs_one_letter() {
    let bytes = std::fs::read(shared_data().join("marc/pymarc/bad_marc8_escape.dat")).unwrap();
    let records = iso2709_fields(&bytes);
    let (_, title) = records[0].iter().find(|(tag, _)| tag == "245").unwrap();
    let result = decode(title);
    assert_eq!(
        result.text,
        "00\x1FaBulletin de la Socie\u{301}te\u{301} linn\u{FFFD}enne de Bordeaux."
    );
    assert_eq!(result.problems, ["unknown escape sequence 0x1B 0x65 at byte 33"]);
}

#[test]
fn the_ideographs_before_a_bad_east_asian_code_and_the_subfields_after_it_survive() {
    let bytes = std::fs::read(shared_data().join("marc/pymarc/bad_eacc_encoding.dat")).unwrap();
    let records = iso2709_fields(&bytes);
    let (_, title) = records[0].iter().find(|(tag, _)| tag == "880").unwrap();
    let result = decode(title);
    assert_eq!(
        result.text,
        "00\x1F6245-01/$1\x1Fa\u{7C73}\u{56FD}\u{306E}\u{7D71}\u{6CBB}\u{306E}\u{4ED5}\u{7D44}\
         \u{FFFD}\u{FFFD}6}\x1Fh[electronic resource]."
    );
    assert_eq!(
        result.problems,
        [
            "unknown MARC-8 character 0x7B 0x36 0x39 in the East Asian (EACC) set at byte 42",
            "unknown MARC-8 character 0x32 0x34 0x66 in the East Asian (EACC) set at byte 45",
            "incomplete East Asian (EACC) character 0x36 0x7D at byte 48; read as ASCII",
        ]
    );
}

// ---------------------------------------------------------------------------------------
// Against the independent reference conversions (yaz's UTF-8 MARCXML of MARC-8 files).

/// How a reference file's fields are expected to compare with this decoder's reading.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Expectation {
    /// MARC-8 (or plain ASCII): every field decodes to exactly the reference's text, and
    /// the file holds this many faults that the decoder reports.
    Identical { problems: usize },
    /// Not MARC-8 although leader/09 says so: the reference is the other converter's
    /// MARC-8 reading of foreign bytes. A field may differ from it only where this decoder
    /// reports a problem (the other converter drops bytes it cannot map, this one puts
    /// U+FFFD and says so); a clean field must still be identical.
    ForeignBytes,
}

const REFERENCE_FILES: &[(&str, &str, Expectation)] = &[
    // Record 17's field 880 has a delete character (0x7F) inside Hebrew text; both
    // decoders drop it, this one says so.
    ("evergreen/hebrew.marc", "evergreen_hebrew.marc", Expectation::Identical { problems: 1 }),
    ("evergreen/jazz_1k.mrc", "evergreen_jazz_1k.mrc", Expectation::Identical { problems: 0 }),
    (
        "evergreen/lul_fre_500.mrc",
        "evergreen_lul_fre_500.mrc",
        Expectation::Identical { problems: 0 },
    ),
    ("evergreen/oss.marc", "evergreen_oss.marc", Expectation::Identical { problems: 0 }),
    ("marc4j/brkrtest.mrc", "marc4j_brkrtest.mrc", Expectation::Identical { problems: 0 }),
    // The record has Cyrillic with the ligature halves 0xEB/0xEC (I͡U for Ю). Decoders
    // that use the Library of Congress's alternative mapping give the half marks U+FE20
    // and U+FE21 around the pair; the reference, like this decoder, uses LC's primary
    // mapping: U+0361 after the first letter and nothing for the second half. It is the
    // one place two independent decoders disagree on these files, and here it must match.
    (
        "marc4j/cyrillic_capital_e.mrc",
        "marc4j_cyrillic_capital_e.mrc",
        Expectation::Identical { problems: 0 },
    ),
    ("marc4j/selectedRecs.mrc", "marc4j_selectedRecs.mrc", Expectation::Identical { problems: 0 }),
    ("pymarc/marc.dat", "pymarc_marc.dat", Expectation::Identical { problems: 0 }),
    ("pymarc/test.dat", "pymarc_test.dat", Expectation::Identical { problems: 0 }),
    // Its bytes are UTF-8 (the superscript zero as 0xE2 0x81 0xB0, ç as 0xC3 0xA7).
    ("evergreen/map_data.mrc", "evergreen_map_data.mrc", Expectation::ForeignBytes),
    // Its bytes are Windows-1251 Cyrillic.
    ("pymarc/1251.dat", "pymarc_1251.dat", Expectation::ForeignBytes),
];

fn shared_data() -> PathBuf {
    let path = match std::env::var_os("ATHENAEUM_SHARED_DATA") {
        Some(path) => PathBuf::from(path),
        None => Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data"),
    };
    assert!(
        path.join("marc/reference-conversions").is_dir(),
        "the shared test data is missing: no marc/reference-conversions under {}; set \
         ATHENAEUM_SHARED_DATA to the shared data folder",
        path.display()
    );
    path
}

/// One field: its tag and its bytes (a control field's data; a data field's indicators,
/// then each subfield as 0x1F, code, data), without the field terminator.
type Field = (String, Vec<u8>);

/// Splits ISO 2709 records into raw fields, by leader, directory and base address.
fn iso2709_fields(data: &[u8]) -> Vec<Vec<Field>> {
    let mut records = Vec::new();
    for record in data.split(|&byte| byte == 0x1D) {
        if record.iter().all(u8::is_ascii_whitespace) {
            continue;
        }
        let number = |range: std::ops::Range<usize>| -> usize {
            std::str::from_utf8(&record[range]).unwrap().trim().parse().unwrap()
        };
        let base_address = number(12..17);
        let directory = &record[24..base_address - 1];
        let fields = directory
            .chunks_exact(12)
            .map(|entry| {
                let tag = String::from_utf8(entry[..3].to_vec()).unwrap();
                let length: usize = std::str::from_utf8(&entry[3..7]).unwrap().parse().unwrap();
                let start: usize = std::str::from_utf8(&entry[7..12]).unwrap().parse().unwrap();
                let field = &record[base_address + start..base_address + start + length];
                (tag, field.strip_suffix(b"\x1E").unwrap_or(field).to_vec())
            })
            .collect();
        records.push(fields);
    }
    records
}

/// Reads MARCXML into fields shaped as [`iso2709_fields`] shapes them, text in UTF-8.
fn marcxml_fields(xml: &str) -> Vec<Vec<(String, String)>> {
    fn attribute(element: &BytesStart<'_>, name: &str) -> String {
        element
            .try_get_attribute(name)
            .unwrap()
            .map(|value| value.unescape_value().unwrap().into_owned())
            .unwrap_or_default()
    }

    let mut reader = Reader::from_str(xml);
    let mut records: Vec<Vec<(String, String)>> = Vec::new();
    let mut field: Option<(String, String)> = None;
    let mut in_text = false;
    loop {
        match reader.read_event().unwrap() {
            Event::Start(element) => match element.local_name().as_ref() {
                b"record" => records.push(Vec::new()),
                b"controlfield" => {
                    field = Some((attribute(&element, "tag"), String::new()));
                    in_text = true;
                }
                b"datafield" => {
                    let indicators = attribute(&element, "ind1") + &attribute(&element, "ind2");
                    field = Some((attribute(&element, "tag"), indicators));
                }
                b"subfield" => {
                    let text = &mut field.as_mut().unwrap().1;
                    text.push('\x1F');
                    text.push_str(&attribute(&element, "code"));
                    in_text = true;
                }
                _ => {}
            },
            Event::Empty(element) if element.local_name().as_ref() == b"subfield" => {
                let text = &mut field.as_mut().unwrap().1;
                text.push('\x1F');
                text.push_str(&attribute(&element, "code"));
            }
            Event::Text(text) if in_text => {
                field.as_mut().unwrap().1.push_str(&text.decode().unwrap());
            }
            Event::GeneralRef(reference) if in_text => {
                let resolved = match reference.resolve_char_ref().unwrap() {
                    Some(character) => character.to_string(),
                    None => {
                        let name = reference.decode().unwrap();
                        quick_xml::escape::resolve_predefined_entity(&name).unwrap().to_owned()
                    }
                };
                field.as_mut().unwrap().1.push_str(&resolved);
            }
            Event::End(element) => match element.local_name().as_ref() {
                b"controlfield" | b"datafield" => {
                    records.last_mut().unwrap().push(field.take().unwrap());
                    in_text = false;
                }
                b"subfield" => in_text = false,
                _ => {}
            },
            Event::Eof => break,
            _ => {}
        }
    }
    records
}

fn nfc(text: &str) -> String {
    text.nfc().collect()
}

#[derive(Default)]
struct Comparison {
    fields: usize,
    identical: usize,
    differing_with_problems: usize,
    problems: usize,
    unexplained: Vec<String>,
}

fn compare_with_reference(original: &str, reference: &str, expectation: Expectation) -> Comparison {
    let data = shared_data().join("marc");
    let bytes = std::fs::read(data.join(original)).unwrap();
    let xml_path = data.join(format!("reference-conversions/{reference}.yaz-utf8.marcxml"));
    let xml = std::fs::read_to_string(xml_path).unwrap();
    let ours = iso2709_fields(&bytes);
    let theirs = marcxml_fields(&xml);

    let mut comparison = Comparison::default();
    if ours.len() != theirs.len() {
        comparison.unexplained.push(format!(
            "{original}: {} records here, {} in the reference",
            ours.len(),
            theirs.len()
        ));
        return comparison;
    }
    for (index, (our_fields, their_fields)) in ours.iter().zip(&theirs).enumerate() {
        let our_tags: Vec<&str> = our_fields.iter().map(|(tag, _)| tag.as_str()).collect();
        let their_tags: Vec<&str> = their_fields.iter().map(|(tag, _)| tag.as_str()).collect();
        if our_tags != their_tags {
            comparison.unexplained.push(format!(
                "{original} record {index}: tags {our_tags:?} here, {their_tags:?} in the reference"
            ));
            continue;
        }
        for ((tag, field_bytes), (_, expected)) in our_fields.iter().zip(their_fields) {
            comparison.fields += 1;
            let result = decode(field_bytes);
            comparison.problems += result.problems.len();
            let mut expected = expected.clone();
            if field_bytes.ends_with(b"\x1F") {
                // A delimiter with no subfield code after it (a few jazz_1k records end
                // their field 100 so): MARCXML has no way to write it.
                expected.push('\x1F');
            }
            // Exactly: the same code points in the same order, not merely canonically
            // equal. Both follow the Library of Congress's tables and neither normalises.
            if result.text == expected {
                comparison.identical += 1;
            } else if expectation == Expectation::ForeignBytes && !result.problems.is_empty() {
                comparison.differing_with_problems += 1;
            } else {
                comparison.unexplained.push(format!(
                    "{original} record {index} field {tag}:\n  bytes     {:?}\n  decoded   \
                     {:?}\n  reference {:?}\n  problems  {:?}",
                    String::from_utf8_lossy(field_bytes),
                    result.text,
                    expected,
                    result.problems
                ));
            }
        }
    }
    comparison
}

#[test]
fn every_field_of_the_reference_files_decodes_as_the_independent_converter_reads_it() {
    let mut unexplained = Vec::new();
    let mut summary = BTreeMap::new();
    for &(original, reference, expectation) in REFERENCE_FILES {
        let comparison = compare_with_reference(original, reference, expectation);
        summary.insert(
            original,
            format!(
                "{:>6} fields, {:>6} identical, {:>4} differing where a problem is reported \
                 ({} problems), {} unexplained mismatches",
                comparison.fields,
                comparison.identical,
                comparison.differing_with_problems,
                comparison.problems,
                comparison.unexplained.len()
            ),
        );
        match expectation {
            Expectation::Identical { problems } if comparison.problems != problems => {
                unexplained.push(format!(
                    "{original}: {} problems reported, {problems} expected",
                    comparison.problems
                ));
            }
            // The decoder must notice that these bytes are not MARC-8.
            Expectation::ForeignBytes if comparison.problems == 0 => {
                unexplained.push(format!("{original}: foreign bytes decoded without a problem"));
            }
            _ => {}
        }
        unexplained.extend(comparison.unexplained);
    }
    for (file, line) in &summary {
        println!("{file:<32} {line}");
    }
    assert!(
        unexplained.is_empty(),
        "{} unexplained mismatches:\n{}",
        unexplained.len(),
        unexplained.join("\n")
    );
}
