//! The rules of `describe` for what a record is and what it is called: the kind of record
//! and material format, and the title in all its parts, each shown on a record built in
//! code.

mod builder;

use athenaeum_marc::describe::{AlternateTitleKind, MaterialFormat, RecordKind};

use builder::{book, fixed};

// --- kind and format -------------------------------------------------------------------

#[test]
fn kind_comes_from_leader_position_06() {
    for (leader, kind) in [
        ("00000nam a2200000 i 4500", RecordKind::Bibliographic),
        ("00000nz  a2200000n  4500", RecordKind::Authority),
        ("00000nx  a2200000   4500", RecordKind::Holdings),
        ("00000nw  a2200000n  4500", RecordKind::Classification),
        ("00000nq  a2200000n  4500", RecordKind::CommunityInformation),
        ("00000n#  a2200000n  4500", RecordKind::Unknown),
    ] {
        assert_eq!(book().leader(leader).describe().kind, kind, "{leader}");
    }
}

#[test]
fn authority_records_have_no_format_and_their_008_is_not_read_as_a_book() {
    let description = book()
        .leader("00000nz  a2200000n  4500")
        .control("008", "860211n| acannaabn          |a aaa      ")
        .describe();
    assert_eq!(description.format, MaterialFormat::Other);
    assert_eq!(description.languages, Vec::<String>::new());
    assert_eq!(description.publication.country, None);
}

#[test]
fn record_with_a_blank_leader_06_and_a_title_has_its_008_read() {
    let description =
        book().leader("00234    a2200109   4500").field("245", "10", "$aCats.").describe();
    assert_eq!(description.kind, RecordKind::Unknown);
    assert_eq!(description.format, MaterialFormat::Other);
    assert_eq!(description.publication.year, Some(1999));
    assert_eq!(description.languages, ["eng"]);
}

#[test]
fn language_material_monograph_is_a_book() {
    assert_eq!(book().describe().format, MaterialFormat::Book);
}

#[test]
fn form_of_item_d_is_a_large_print_book() {
    let description = book().control("008", &fixed('s', "1999    ", &[(23, "d")])).describe();
    assert_eq!(description.format, MaterialFormat::LargePrintBook);
}

#[test]
fn form_of_item_f_is_braille() {
    let description = book().control("008", &fixed('s', "1999    ", &[(23, "f")])).describe();
    assert_eq!(description.format, MaterialFormat::Braille);
}

#[test]
fn online_form_of_item_or_a_computer_007_on_text_is_an_ebook() {
    let online = book().control("008", &fixed('s', "1999    ", &[(23, "o")])).describe();
    assert_eq!(online.format, MaterialFormat::EBook);
    let with_007 = book().control("007", "cr |||||||||||").describe();
    assert_eq!(with_007.format, MaterialFormat::EBook);
}

#[test]
fn print_record_announcing_a_digitised_copy_in_a_530_stays_a_book() {
    let description = book()
        .control("007", "cr |||||||||||")
        .field("530", "  ", "$aAlso available in digital form on the Internet Archive Web site.")
        .describe();
    assert_eq!(description.format, MaterialFormat::Book);
}

#[test]
fn microfilm_is_microform() {
    let description = book().control("008", &fixed('s', "1999    ", &[(23, "a")])).describe();
    assert_eq!(description.format, MaterialFormat::Microform);
}

#[test]
fn manuscript_text_is_a_manuscript() {
    assert_eq!(
        book().leader("00000ntm a2200000 i 4500").describe().format,
        MaterialFormat::Manuscript
    );
}

#[test]
fn serials_are_journals_newspapers_or_other_serials_by_008_21() {
    let serial = |kind: &str| {
        book()
            .leader("00000nas a2200000 i 4500")
            .control("008", &fixed('c', "19769999", &[(21, kind)]))
            .describe()
            .format
    };
    assert_eq!(serial("p"), MaterialFormat::Journal);
    assert_eq!(serial("n"), MaterialFormat::Newspaper);
    assert_eq!(serial("m"), MaterialFormat::Serial);
    assert_eq!(book().leader("00000nab a2200000 i 4500").describe().format, MaterialFormat::Serial);
}

#[test]
fn sound_recordings_are_audiobooks_or_music_by_leader_06() {
    assert_eq!(
        book().leader("00000nim a2200000 i 4500").describe().format,
        MaterialFormat::Audiobook
    );
    assert_eq!(
        book().leader("00000njm a2200000 i 4500").describe().format,
        MaterialFormat::MusicRecording
    );
}

#[test]
fn printed_and_manuscript_music_are_scores() {
    assert_eq!(
        book().leader("00000ncm a2200000 i 4500").describe().format,
        MaterialFormat::MusicScore
    );
    assert_eq!(
        book().leader("00000ndm a2200000 i 4500").describe().format,
        MaterialFormat::MusicScore
    );
}

#[test]
fn video_format_comes_from_007_position_04() {
    let video = |physical: &str| {
        book().leader("00000ngm a2200000 i 4500").control("007", physical).describe().format
    };
    assert_eq!(video("vd cvaizq"), MaterialFormat::Dvd);
    assert_eq!(video("vd msaiz|"), MaterialFormat::BluRay);
    assert_eq!(video("vf cbahou"), MaterialFormat::VideoCassette);
    assert_eq!(video("vd cgaizq"), MaterialFormat::Video);
    assert_eq!(book().leader("00000ngm a2200000 i 4500").describe().format, MaterialFormat::Video);
}

#[test]
fn slides_are_still_images() {
    let description = book()
        .leader("00000ngm a2200000 i 4500")
        .control("008", &fixed('s', "1999    ", &[(33, "s")]))
        .describe();
    assert_eq!(description.format, MaterialFormat::StillImage);
}

#[test]
fn other_types_of_record_have_their_own_formats() {
    for (type_of_record, format) in [
        ('e', MaterialFormat::Map),
        ('f', MaterialFormat::Map),
        ('k', MaterialFormat::StillImage),
        ('m', MaterialFormat::ComputerFile),
        ('o', MaterialFormat::Kit),
        ('p', MaterialFormat::MixedMaterials),
        ('r', MaterialFormat::Object),
    ] {
        let leader = format!("00000n{type_of_record}m a2200000 i 4500");
        assert_eq!(book().leader(&leader).describe().format, format, "{type_of_record}");
    }
}

// --- title -----------------------------------------------------------------------------

#[test]
fn title_parts_lose_their_isbd_punctuation() {
    let description =
        book().field("245", "10", "$aPride and prejudice :$ba novel /$cby Jane Austen.").describe();
    let title = description.title.unwrap();
    assert_eq!(title.main, "Pride and prejudice");
    assert_eq!(title.subtitle.as_deref(), Some("a novel"));
    assert_eq!(title.responsibility.as_deref(), Some("by Jane Austen"));
    assert_eq!(title.display, "Pride and prejudice : a novel");
}

#[test]
fn parallel_title_keeps_its_equals_sign_in_the_display() {
    let title = book()
        .field("245", "10", "$aCyllidebau ysgolion =$bSchool budgets.")
        .describe()
        .title
        .unwrap();
    assert_eq!(title.main, "Cyllidebau ysgolion");
    assert_eq!(title.display, "Cyllidebau ysgolion = School budgets");
}

#[test]
fn sort_title_drops_the_non_filing_article() {
    let title = book()
        .field("245", "14", "$aThe sky pilot;$ba tale of the foothills,")
        .describe()
        .title
        .unwrap();
    assert_eq!(title.non_filing, 4);
    assert_eq!(title.display, "The sky pilot; a tale of the foothills");
    assert_eq!(title.sort, "sky pilot; a tale of the foothills");
}

#[test]
fn non_filing_count_that_would_cut_a_word_is_ignored() {
    let title = book().field("245", "13", "$aTheodora.").describe().title.unwrap();
    assert_eq!(title.non_filing, 0);
    assert_eq!(title.sort, "Theodora");
}

#[test]
fn part_number_part_name_and_medium_are_read() {
    let title = book()
        .field(
            "245",
            "04",
            "$aThe lord of the rings.$nPart 2,$pThe two towers$h[sound recording] /$cTolkien.",
        )
        .describe()
        .title
        .unwrap();
    assert_eq!(title.part_numbers, ["Part 2"]);
    assert_eq!(title.part_names, ["The two towers"]);
    assert_eq!(title.medium.as_deref(), Some("sound recording"));
    assert_eq!(title.display, "The lord of the rings. Part 2, The two towers");
}

#[test]
fn record_without_a_245_has_no_title() {
    let description = book().field("100", "1 ", "$aCongreve, William,$d1670-1729.").describe();
    assert_eq!(description.title, None);
}

#[test]
fn empty_245_has_no_title_and_no_work_key() {
    let description = book().field("245", "01", "$.").describe();
    assert_eq!(description.title, None);
    assert_eq!(description.work_key, None);
}

#[test]
fn title_in_another_script_comes_from_the_linked_880() {
    let description = book()
        .field("245", "10", "$6880-01$aZeh gadol? /$cBen Hailman.")
        .field("880", "10", "$6245-01/(2/r$aזה גדול! /$cבן הילמן.")
        .describe();
    let title = description.title.unwrap();
    assert_eq!(title.display, "Zeh gadol?");
    assert_eq!(title.display_alternate.as_deref(), Some("זה גדול!"));
    let script = &description.alternate_scripts[0];
    assert_eq!((script.tag.as_str(), script.occurrence.as_str()), ("245", "01"));
    assert_eq!(script.script.as_deref(), Some("hebrew"));
    assert!(script.right_to_left);
    assert_eq!(script.text, "זה גדול! / בן הילמן.");
}

#[test]
fn second_245_in_another_script_is_the_alternate_title() {
    let title = book()
        .field("245", "10", "$aबिहानी टुसा /$cलेखक वीरेन्द्रविक्रम शाह.")
        .field("245", "10", "$aBihānī Ṭusā /$cLekhaka Vīrendravikram Śāha.")
        .describe()
        .title
        .unwrap();
    assert_eq!(title.main, "बिहानी टुसा");
    assert_eq!(title.display_alternate.as_deref(), Some("Bihānī Ṭusā"));
}

#[test]
fn uniform_and_variant_titles_are_read() {
    let description = book()
        .field("240", "10", "$aCandide.$lEnglish")
        .field("245", "10", "$aCandide, or, Optimism /$cVoltaire.")
        .field("246", "33", "$aOptimism")
        .field("246", "18", "$aCandide")
        .field("740", "02", "$aZadig.")
        .describe();
    let uniform = description.uniform_title.unwrap();
    assert_eq!(uniform.title, "Candide. English");
    assert_eq!(uniform.language.as_deref(), Some("English"));
    assert_eq!(uniform.tag, "240");
    let kinds: Vec<(&str, AlternateTitleKind)> = description
        .alternate_titles
        .iter()
        .map(|title| (title.title.as_str(), title.kind))
        .collect();
    assert_eq!(
        kinds,
        [
            ("Optimism", AlternateTitleKind::Other),
            ("Candide", AlternateTitleKind::Spine),
            ("Zadig", AlternateTitleKind::Analytical)
        ]
    );
}
