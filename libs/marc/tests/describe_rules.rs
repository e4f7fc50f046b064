//! The rules of `describe`, each shown on a record built in code.

use athenaeum_marc::describe::{
    AlternateTitleKind, ContributorKind, Description, MaterialFormat, RecordKind, SubjectKind,
    describe, fold, isbn_cluster,
};
use athenaeum_marc::{ControlField, DataField, Field, Record, Subfield, Tag};

/// A record under construction: a UTF-8 book record with a plain 008 unless told
/// otherwise.
struct Marc {
    record: Record,
}

/// Returns a 40-character book 008 with `date_type` and `dates` (8 characters) at
/// 06-14, country "nyu", language "eng", and the given (position, text) overrides.
fn fixed(date_type: char, dates: &str, overrides: &[(usize, &str)]) -> String {
    let mut fixed: Vec<char> = "800108                                  ".chars().collect();
    fixed[6] = date_type;
    for (index, character) in dates.chars().enumerate() {
        fixed[7 + index] = character;
    }
    for (index, character) in "nyu".chars().enumerate() {
        fixed[15 + index] = character;
    }
    for (index, character) in "eng".chars().enumerate() {
        fixed[35 + index] = character;
    }
    for (position, text) in overrides {
        for (index, character) in text.chars().enumerate() {
            fixed[position + index] = character;
        }
    }
    fixed.into_iter().collect()
}

fn book() -> Marc {
    Marc { record: Record { leader: "00000nam a2200000 i 4500".to_string(), fields: Vec::new() } }
        .control("001", "rec-1")
        .control("008", &fixed('s', "1999    ", &[]))
}

impl Marc {
    fn leader(mut self, leader: &str) -> Marc {
        self.record.leader = leader.to_string();
        self
    }

    /// Sets control field `tag`, replacing an earlier one with the same tag.
    #[expect(
        clippy::unwrap_used,
        reason = "fixtures are written by the test; a malformed one should fail loudly"
    )]
    fn control(mut self, tag: &str, value: &str) -> Marc {
        self.record.fields.retain(|field| field.tag().as_str() != tag || tag == "007");
        self.record.fields.push(Field::Control(ControlField {
            tag: Tag::parse(tag).unwrap(),
            value: value.to_string(),
        }));
        self
    }

    /// Adds a data field; `indicators` is two characters, `subfields` is "$aText$bMore".
    #[expect(
        clippy::unwrap_used,
        reason = "fixtures are written by the test; a malformed one should fail loudly"
    )]
    fn field(mut self, tag: &str, indicators: &str, subfields: &str) -> Marc {
        let mut indicator = indicators.chars();
        let subfields = subfields
            .split('$')
            .filter(|part| !part.is_empty())
            .map(|part| {
                let mut characters = part.chars();
                let code = characters.next().unwrap();
                Subfield { code, value: characters.as_str().to_string() }
            })
            .collect();
        self.record.fields.push(Field::Data(DataField {
            tag: Tag::parse(tag).unwrap(),
            ind1: indicator.next().unwrap(),
            ind2: indicator.next().unwrap(),
            subfields,
        }));
        self
    }

    fn describe(self) -> Description {
        describe(&self.record)
    }
}

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

// --- contributors ----------------------------------------------------------------------

#[test]
fn main_entry_is_the_primary_contributor_with_name_parts_and_dates() {
    let description = book()
        .field("100", "1 ", "$aKing, Martin Luther,$cJr.,$d1929-1968,$eauthor.")
        .field("700", "1 ", "$aChadman, Charles E.$q(Charles Erehart),$d1873-$eeditor.")
        .describe();
    let [king, chadman] = description.contributors.as_slice() else { panic!("two contributors") };
    assert_eq!(king.name, "King, Martin Luther, Jr.");
    assert_eq!(king.dates.as_deref(), Some("1929-1968"));
    assert_eq!(king.heading, "King, Martin Luther, Jr., 1929-1968");
    assert_eq!(king.kind, ContributorKind::Person);
    assert!(king.primary);
    assert_eq!(king.roles, ["author"]);
    assert_eq!(chadman.name, "Chadman, Charles E. (Charles Erehart)");
    assert_eq!(chadman.dates.as_deref(), Some("1873-"));
    assert!(!chadman.primary);
    assert_eq!(chadman.roles, ["editor"]);
}

#[test]
fn known_relator_codes_become_plain_words() {
    let mut marc = book();
    let codes = ["aut", "ill", "edt", "trl", "cmp", "prf", "nrt", "ctb", "com", "drt", "pro"];
    for (index, code) in codes.iter().enumerate() {
        marc = marc.field("700", "1 ", &format!("$aPerson {index}$4{code}"));
    }
    let description = marc.describe();
    let roles: Vec<&str> =
        description.contributors.iter().map(|contributor| contributor.roles[0].as_str()).collect();
    assert_eq!(
        roles,
        [
            "author",
            "illustrator",
            "editor",
            "translator",
            "composer",
            "performer",
            "narrator",
            "contributor",
            "compiler",
            "director",
            "producer"
        ]
    );
}

#[test]
fn relator_uris_and_unknown_codes_are_kept_as_codes() {
    let contributor = book()
        .field("700", "1 ", "$aRaynaud, Vincent$4http://id.loc.gov/vocabulary/relators/trl$4xyz")
        .describe()
        .contributors
        .remove(0);
    assert_eq!(contributor.roles, ["translator"]);
    assert_eq!(contributor.relator_codes, ["trl", "xyz"]);
}

#[test]
fn abbreviated_relator_terms_are_spelled_out() {
    let contributor =
        book().field("700", "1 ", "$aLinzig, Susan,$eill.$etr.").describe().contributors.remove(0);
    assert_eq!(contributor.roles, ["illustrator", "translator"]);
}

#[test]
fn organisation_name_joins_its_subordinate_units() {
    let contributor = book()
        .field("110", "1 ", "$aGreat Britain.$bCentral Office of Information.")
        .describe()
        .contributors
        .remove(0);
    assert_eq!(contributor.kind, ContributorKind::Organisation);
    assert_eq!(contributor.name, "Great Britain. Central Office of Information");
    assert_eq!(contributor.dates, None);
}

#[test]
fn meeting_roles_come_from_j_because_e_is_a_subordinate_unit() {
    let contributor = book()
        .field("111", "2 ", "$aConference on Civil Engineering Problems Overseas$n(3rd :$d1964 :$cLondon)$eSteering Committee,$jhost.")
        .describe()
        .contributors
        .remove(0);
    assert_eq!(contributor.kind, ContributorKind::Meeting);
    assert_eq!(
        contributor.name,
        "Conference on Civil Engineering Problems Overseas (3rd : 1964 : London) Steering Committee"
    );
    assert_eq!(contributor.roles, ["host"]);
}

#[test]
fn added_entry_for_the_main_author_adds_its_roles_instead_of_a_second_entry() {
    let description = book()
        .field("100", "1 ", "$aCongreve, William,$d1670-1729.")
        .field("700", "12", "$aCongreve, William,$d1670-1729.$tOld batchelour.")
        .field("700", "1 ", "$aCongreve, William,$eeditor.")
        .describe();
    assert_eq!(description.contributors.len(), 1);
    assert_eq!(description.contributors[0].roles, ["editor"]);
    assert_eq!(description.alternate_titles[0].title, "Old batchelour");
    assert_eq!(description.alternate_titles[0].kind, AlternateTitleKind::Analytical);
}

#[test]
fn authority_links_come_from_0_and_koha_9() {
    let contributor = book()
        .field("100", "1 ", "$aHayashiya, Tatsusaburō,$d1914-1998.$0(DLC)n81047233$0http://id.loc.gov/authorities/names/n81047233$94211")
        .describe()
        .contributors
        .remove(0);
    assert_eq!(
        contributor.authority_ids,
        ["(DLC)n81047233", "http://id.loc.gov/authorities/names/n81047233"]
    );
    assert_eq!(contributor.local_authority_id.as_deref(), Some("4211"));
}

#[test]
fn contributor_name_in_another_script_comes_from_the_linked_880() {
    let contributor = book()
        .field("700", "1 ", "$6880-02$aLiu, Ning.")
        .field("880", "1 ", "$6700-02/$1$a刘宁.")
        .describe()
        .contributors
        .remove(0);
    assert_eq!(contributor.name, "Liu, Ning");
    assert_eq!(contributor.name_alternate.as_deref(), Some("刘宁"));
}

#[test]
fn second_main_entry_in_another_script_is_the_first_ones_alternate_name() {
    let description = book()
        .field("100", "1 ", "$aशाह, वीरेन्द्रविक्रम.")
        .field("100", "1 ", "$aŚāha, Vīrendravikram.")
        .describe();
    assert_eq!(description.contributors.len(), 1);
    assert_eq!(description.contributors[0].name, "शाह, वीरेन्द्रविक्रम");
    assert_eq!(description.contributors[0].name_alternate.as_deref(), Some("Śāha, Vīrendravikram"));
}

// --- subjects --------------------------------------------------------------------------

#[test]
fn subject_heading_joins_its_subdivisions_with_double_dashes() {
    let subject = book()
        .field("650", " 0", "$aPersons (Law)$zUnited States$xHistory$y19th century$vSources.")
        .describe()
        .subjects
        .remove(0);
    assert_eq!(
        subject.heading,
        "Persons (Law) -- United States -- History -- 19th century -- Sources"
    );
    assert_eq!(subject.main, "Persons (Law)");
    assert_eq!(subject.subdivisions, ["United States", "History", "19th century", "Sources"]);
    assert_eq!(subject.kind, SubjectKind::Topic);
    assert_eq!(subject.thesaurus.as_deref(), Some("lcsh"));
}

#[test]
fn person_subject_keeps_dates_and_title_in_its_main_part() {
    let subject = book()
        .field("600", "10", "$aShakespeare, William,$d1564-1616.$tHamlet$xCriticism.")
        .describe()
        .subjects
        .remove(0);
    assert_eq!(subject.kind, SubjectKind::Person);
    assert_eq!(subject.heading, "Shakespeare, William, 1564-1616. Hamlet -- Criticism");
}

#[test]
fn subject_kind_follows_the_tag() {
    let description = book()
        .field("600", "30", "$aMedici, House of.")
        .field("610", "20", "$aApple Computer, Inc.")
        .field("611", "20", "$aOlympic Games$d(1936 :$cBerlin, Germany)")
        .field("630", "00", "$aBible.$pGenesis")
        .field("648", " 7", "$a1900-1999$2fast")
        .field("651", " 0", "$aSanta Clara Valley (Santa Clara County, Calif.)")
        .field("655", " 7", "$aDetective and mystery fiction.$2lcgft")
        .describe();
    let kinds: Vec<(SubjectKind, &str)> = description
        .subjects
        .iter()
        .map(|subject| (subject.kind, subject.heading.as_str()))
        .collect();
    assert_eq!(
        kinds,
        [
            (SubjectKind::Family, "Medici, House of"),
            (SubjectKind::Organisation, "Apple Computer, Inc."),
            (SubjectKind::Meeting, "Olympic Games (1936 : Berlin, Germany)"),
            (SubjectKind::Title, "Bible. Genesis"),
            (SubjectKind::Period, "1900-1999"),
            (SubjectKind::Place, "Santa Clara Valley (Santa Clara County, Calif.)"),
            (SubjectKind::Genre, "Detective and mystery fiction"),
        ]
    );
    assert_eq!(description.subjects[4].thesaurus.as_deref(), Some("fast"));
    assert_eq!(description.subjects[6].thesaurus.as_deref(), Some("lcgft"));
}

#[test]
fn thesaurus_comes_from_the_second_indicator() {
    let thesaurus = |indicators: &str| {
        book().field("650", indicators, "$aCats.").describe().subjects.remove(0).thesaurus
    };
    assert_eq!(thesaurus(" 0").as_deref(), Some("lcsh"));
    assert_eq!(thesaurus(" 1").as_deref(), Some("lcshac"));
    assert_eq!(thesaurus(" 2").as_deref(), Some("mesh"));
    assert_eq!(thesaurus(" 4"), None);
}

#[test]
fn each_uncontrolled_keyword_is_a_subject_of_its_own() {
    let description = book().field("653", "  ", "$aCats$aDogs.").describe();
    let keywords: Vec<(&str, SubjectKind)> = description
        .subjects
        .iter()
        .map(|subject| (subject.heading.as_str(), subject.kind))
        .collect();
    assert_eq!(keywords, [("Cats", SubjectKind::Keyword), ("Dogs", SubjectKind::Keyword)]);
}

#[test]
fn subject_authority_link_and_alternate_script_are_read() {
    let subject = book()
        .field("650", " 0", "$6880-03$aTea ceremony$zJapan.$0(DLC)sh85133138")
        .field("880", " 0", "$6650-03/$1$a茶道$z日本.")
        .describe()
        .subjects
        .remove(0);
    assert_eq!(subject.authority_ids, ["(DLC)sh85133138"]);
    assert_eq!(subject.heading_alternate.as_deref(), Some("茶道 -- 日本"));
}

// --- identifiers -----------------------------------------------------------------------

#[test]
fn isbns_are_normalised_paired_and_repeats_dropped() {
    let description = book()
        .field("020", "  ", "$a9781845332136 (hbk.)")
        .field("020", "  ", "$a1-84533-213-X (hbk.) :$c£12.99")
        .field("020", "  ", "$a979-10-90636-07-1")
        .describe();
    let isbns = &description.identifiers.isbns;
    assert_eq!(isbns.len(), 2);
    assert_eq!(isbns[0].isbn13, "9781845332136");
    assert_eq!(isbns[0].isbn10.as_deref(), Some("184533213X"));
    assert_eq!(isbns[1].isbn10, None);
    assert_eq!(isbn_cluster(&description), ["9781845332136", "9791090636071"]);
}

#[test]
fn cancelled_isbns_and_bad_check_digits_are_kept_as_invalid() {
    let description = book()
        .field("020", "  ", "$z978184533213X (hbk.)")
        .field("020", "  ", "$a0486266894")
        .field("020", "  ", "$zHL00361126 :$c$14.95")
        .describe();
    assert!(description.identifiers.isbns.is_empty());
    assert_eq!(
        description.identifiers.invalid_isbns,
        ["978184533213X", "0486266894", "HL00361126"]
    );
}

#[test]
fn issns_are_checked_and_linking_issns_kept_apart() {
    let identifiers = book()
        .field("022", "0 ", "$a0068-1075$l0068-1075$z0068-1076")
        .field("022", "  ", "$a1234-5678")
        .describe()
        .identifiers;
    assert_eq!(identifiers.issns, ["0068-1075"]);
    assert_eq!(identifiers.linking_issns, ["0068-1075"]);
    assert_eq!(identifiers.invalid_issns, ["0068-1076", "1234-5678"]);
}

#[test]
fn lccn_oclc_and_system_numbers_are_read() {
    let identifiers = book()
        .control("001", "ocm00400866")
        .control("003", "OCoLC")
        .field("010", "  ", "$a   2001-1114 ")
        .field("035", "  ", "$a(OCoLC)ocn656308391")
        .field("035", "  ", "$a(PkLaDAR)1234 ")
        .field("035", "0 ", "$aocm71247531")
        .describe()
        .identifiers;
    assert_eq!(identifiers.lccn.as_deref(), Some("2001001114"));
    assert_eq!(identifiers.oclc_numbers, ["656308391", "71247531", "400866"]);
    assert_eq!(identifiers.system_numbers, ["(PkLaDAR)1234"]);
    assert_eq!(identifiers.control_number.as_deref(), Some("ocm00400866"));
    assert_eq!(identifiers.control_number_source.as_deref(), Some("OCoLC"));
}

#[test]
fn control_number_from_oclc_without_prefix_is_an_oclc_number() {
    let identifiers =
        book().control("001", "656308391").control("003", "OCoLC").describe().identifiers;
    assert_eq!(identifiers.oclc_numbers, ["656308391"]);
}

// --- publication -----------------------------------------------------------------------

#[test]
fn publication_statement_is_read_without_isbd_punctuation() {
    let publication = book()
        .field("260", "  ", "$aToronto [Ont.] ;$aNew York, N.Y. :$bBantam Books,$c1975, c1972.")
        .describe()
        .publication;
    assert_eq!(publication.places, ["Toronto [Ont.]", "New York, N.Y."]);
    assert_eq!(publication.publishers, ["Bantam Books"]);
    assert_eq!(publication.dates, ["1975, c1972"]);
    assert_eq!(publication.country.as_deref(), Some("nyu"));
}

#[test]
fn publication_264_is_preferred_over_distribution_and_copyright() {
    let publication = book()
        .field("264", " 2", "$aNew York :$bDistributed by Norton")
        .field("264", " 1", "$aLondon :$bFaber,$c2012.")
        .field("264", " 4", "$c©2011")
        .describe()
        .publication;
    assert_eq!(publication.places, ["London"]);
    assert_eq!(publication.publishers, ["Faber"]);
    assert_eq!(publication.copyright_date.as_deref(), Some("©2011"));
}

#[test]
fn distribution_264_is_read_when_there_is_no_publication() {
    let publication =
        book().field("264", " 2", "$aNew York :$bDistributed by Norton").describe().publication;
    assert_eq!(publication.publishers, ["Distributed by Norton"]);
}

#[test]
fn statement_given_only_in_an_unlinked_880_is_read() {
    let publication =
        book().field("880", "  ", "$6260-00$aאור יהודה :$bכנרת,$c2011.").describe().publication;
    assert_eq!(publication.places, ["אור יהודה"]);
    assert_eq!(publication.publishers, ["כנרת"]);
}

#[test]
fn a_broken_first_008_gives_way_to_a_later_well_formed_one() {
    let mut record = book().record;
    record.fields.retain(|field| field.tag().as_str() != "008");
    for value in
        ["00                                 eng  ", "750810d18281828enkar         0   a0eng d"]
    {
        record.fields.push(Field::Control(ControlField {
            tag: Tag::parse("008").unwrap(),
            value: value.to_string(),
        }));
    }
    let description = describe(&record);
    assert_eq!(description.publication.country.as_deref(), Some("enk"));
    assert_eq!(description.publication.year, Some(1828));
}

#[test]
fn positions_of_an_008_with_non_breaking_spaces_are_counted_in_characters() {
    let fixed = "830301s1898\u{a0}\u{a0}\u{a0}\u{a0}oncabc\u{a0}\u{a0}\u{a0}\u{a0}\u{a0}\u{a0}\u{a0}\u{a0}000\u{a0}0\u{a0}eng\u{a0}\u{a0}";
    let description = book().control("008", fixed).describe();
    assert_eq!(description.publication.country.as_deref(), Some("onc"));
    assert_eq!(description.languages, ["eng"]);
    assert_eq!(description.format, MaterialFormat::Book);
}

#[test]
fn year_comes_from_the_008_when_it_is_plausible() {
    let description = book()
        .control("008", &fixed('s', "1998    ", &[]))
        .field("260", "  ", "$c2003.")
        .describe();
    assert_eq!(description.publication.year, Some(1998));
}

#[test]
fn year_9999_in_the_008_falls_back_to_the_statement() {
    let with_date = book().control("008", &fixed('s', "9999    ", &[])).field(
        "260",
        "  ",
        "$aHyderabad :$c2003.",
    );
    assert_eq!(with_date.describe().publication.year, Some(2003));
    let without_date =
        book().control("008", &fixed('s', "9999    ", &[])).field("260", "  ", "$c[s.d.]");
    assert_eq!(without_date.describe().publication.year, None);
}

#[test]
fn transcribed_dates_give_the_year_when_the_008_has_none() {
    for (date, year) in
        [("c1998.", Some(1998)), ("[1998?]", Some(1998)), ("[199-?]", Some(1990)), ("[19--]", None)]
    {
        let description = book()
            .control("008", &fixed('n', "uuuuuuuu", &[]))
            .field("260", "  ", &format!("$c{date}"))
            .describe();
        assert_eq!(description.publication.year, year, "{date}");
    }
}

#[test]
fn copyright_date_gives_the_year_when_nothing_else_does() {
    let description = book()
        .control("008", &fixed('n', "uuuuuuuu", &[]))
        .field("264", " 4", "$c©2011")
        .describe();
    assert_eq!(description.publication.year, Some(2011));
}

#[test]
fn decade_in_the_008_gives_its_first_year_as_a_last_resort() {
    let description = book().control("008", &fixed('s', "199u    ", &[])).describe();
    assert_eq!(description.publication.year, Some(1990));
}

#[test]
fn reprint_takes_the_later_of_its_two_dates_whatever_their_order() {
    let description = book().control("008", &fixed('r', "18732010", &[])).describe();
    assert_eq!(description.publication.year, Some(2010));
}

// --- languages -------------------------------------------------------------------------

#[test]
fn languages_come_from_008_and_041_without_repeats_or_non_languages() {
    let description =
        book().field("041", "1 ", "$aENG$afre$dzxx$hger").field("041", "0 ", "$aspaita").describe();
    assert_eq!(description.languages, ["eng", "fre", "spa", "ita"]);
}

#[test]
fn multiple_languages_code_is_kept_only_when_nothing_more_precise_is_given() {
    let only_mul = book().control("008", &fixed('s', "1999    ", &[(35, "mul")])).describe();
    assert_eq!(only_mul.languages, ["mul"]);
    let with_codes = book().control("008", &fixed('s', "1999    ", &[(35, "mul")])).field(
        "041",
        "0 ",
        "$aita$ager",
    );
    assert_eq!(with_codes.describe().languages, ["ita", "ger"]);
    let blank = book().control("008", &fixed('s', "1999    ", &[(35, "|||")])).describe();
    assert!(blank.languages.is_empty());
}

// --- edition, series, notes ------------------------------------------------------------

#[test]
fn edition_and_physical_description_are_read() {
    let description = book()
        .field("250", "  ", "$a2nd ed. /$brevised by J. Smith.")
        .field("300", "  ", "$axi, 274 p. :$bill. ;$c24 cm +$e1 CD-ROM.")
        .describe();
    assert_eq!(description.edition.as_deref(), Some("2nd ed. / revised by J. Smith"));
    let physical = &description.physical_description[0];
    assert_eq!(physical.extent.as_deref(), Some("xi, 274 p."));
    assert_eq!(physical.details.as_deref(), Some("ill."));
    assert_eq!(physical.dimensions.as_deref(), Some("24 cm"));
    assert_eq!(physical.accompanying_material.as_deref(), Some("1 CD-ROM"));
    assert_eq!(physical.display, "xi, 274 p. : ill. ; 24 cm + 1 CD-ROM");
}

#[test]
fn series_statement_and_its_added_entry_are_listed_once() {
    let description = book()
        .field("440", " 0", "$aSilhouette romance$v1752")
        .field("830", " 0", "$aSilhouette romance$v1752.")
        .field("490", "1 ", "$aA Bantam book ;$v10131-5")
        .field("800", "1 ", "$aDickens, Charles,$d1812-1870.$tWorks.$f1900.")
        .describe();
    let series: Vec<(&str, Option<&str>, &str)> = description
        .series
        .iter()
        .map(|series| (series.title.as_str(), series.volume.as_deref(), series.tag.as_str()))
        .collect();
    assert_eq!(
        series,
        [
            ("Silhouette romance", Some("1752"), "440"),
            ("A Bantam book", Some("10131-5"), "490"),
            ("Dickens, Charles, 1812-1870. Works", None, "800"),
        ]
    );
}

#[test]
fn notes_summary_and_contents_are_kept_apart() {
    let description = book()
        .field("500", "  ", "$aHomeopathic formulae.")
        .field("504", "  ", "$aIncludes bibliographical references (p. 284) and index.")
        .field("505", "0 ", "$aRasskazy -- Vremi︠a︡ nochʹ : roman -- Battles, 1861--1865.")
        .field("505", "00", "$tIntroduction /$rJ. Smith --$tChapter one.")
        .field("520", "  ", "$aA lazy stoner is the sole witness to a murder.")
        .describe();
    let tags: Vec<&str> = description.notes.iter().map(|note| note.tag.as_str()).collect();
    assert_eq!(tags, ["500", "504"]);
    assert_eq!(description.notes[0].text, "Homeopathic formulae.");
    assert_eq!(description.summaries, ["A lazy stoner is the sole witness to a murder."]);
    assert_eq!(
        description.contents,
        [
            "Rasskazy",
            "Vremi︠a︡ nochʹ : roman",
            "Battles, 1861--1865",
            "Introduction / J. Smith",
            "Chapter one"
        ]
    );
}

// --- work key --------------------------------------------------------------------------

fn austen(title: &str, publisher: &str) -> Marc {
    book().field("100", "1 ", "$aAusten, Jane,$d1775-1817.").field("245", "14", title).field(
        "260",
        "  ",
        &format!("$aLondon :$b{publisher},$c1990."),
    )
}

#[test]
fn editions_of_the_same_work_share_a_work_key() {
    let penguin = austen("$aPride and prejudice /$cJane Austen.", "Penguin").describe();
    let oxford = austen(
        "$aPride and Prejudice :$ba novel /$cby Jane Austen ; edited by J. Kinsley.",
        "Oxford",
    )
    .describe();
    assert_eq!(penguin.work_key.as_deref(), Some("pride and prejudice/austen jane"));
    assert_eq!(penguin.work_key, oxford.work_key);
}

#[test]
fn ampersand_in_an_english_title_counts_as_and() {
    let ampersand = austen("$aPride & prejudice.", "Penguin").describe();
    assert_eq!(ampersand.work_key.as_deref(), Some("pride and prejudice/austen jane"));
    let french = book()
        .control("008", &fixed('s', "1999    ", &[(35, "fre")]))
        .field("245", "10", "$aCorps & âme.")
        .describe();
    assert_eq!(french.work_key.as_deref(), Some("corps ame/"));
}

#[test]
fn a_different_work_whose_title_begins_the_same_way_has_another_key() {
    let zombies = book()
        .field("100", "1 ", "$aAusten, Jane,$d1775-1817.")
        .field(
            "245",
            "10",
            "$aPride and prejudice and zombies /$cby Jane Austen and Seth Grahame-Smith.",
        )
        .describe();
    assert_eq!(zombies.work_key.as_deref(), Some("pride and prejudice and zombies/austen jane"));
}

#[test]
fn work_key_drops_the_article_and_folds_case_diacritics_and_punctuation() {
    let first = book()
        .field("100", "1 ", "$aCrétineau-Joly, J.")
        .field("245", "14", "$aThe  Histoire religieuse, politique!")
        .describe();
    let second = book()
        .field("100", "1 ", "$aCRETINEAU JOLY, J.,")
        .field("245", "00", "$aHistoire religieuse -- politique.")
        .describe();
    assert_eq!(first.work_key.as_deref(), Some("histoire religieuse politique/cretineau joly j"));
    assert_eq!(first.work_key, second.work_key);
}

#[test]
fn uniform_title_groups_a_translation_with_its_original() {
    let original = book()
        .field("100", "0 ", "$aVoltaire,$d1694-1778.")
        .field("245", "10", "$aCandide /$cVoltaire.")
        .describe();
    let translation = book()
        .field("100", "0 ", "$aVoltaire,$d1694-1778.")
        .field("240", "10", "$aCandide.$lEnglish")
        .field("245", "10", "$aCandide, or, Optimism /$ctranslated by John Butt.")
        .describe();
    assert_eq!(original.work_key.as_deref(), Some("candide/voltaire"));
    assert_eq!(original.work_key, translation.work_key);
}

#[test]
fn work_entered_under_title_has_an_empty_author_part() {
    let description = book()
        .field("130", "0 ", "$aBible.$pGenesis.$lEnglish.")
        .field("245", "10", "$aThe book of Genesis.")
        .describe();
    assert_eq!(description.work_key.as_deref(), Some("bible genesis/"));
}

#[test]
fn uniform_title_under_a_name_is_the_240_even_beside_a_stray_130() {
    let description = book()
        .field("100", "1 ", "$aDay, Thomas,$d1748-1789.")
        .field("130", "4 ", "$aThe history of Little Jack,$nby Mary Wollstonecraft")
        .field("240", "14", "$aThe history of Little Jack.$f1788")
        .describe();
    assert_eq!(description.uniform_title.unwrap().tag, "240");
    assert_eq!(description.work_key.as_deref(), Some("history of little jack/day thomas"));
}

#[test]
fn work_key_keeps_indic_words_whole() {
    let description = book()
        .field("100", "1 ", "$aपोखरेल, बालकृष्ण,$eed.")
        .field("245", "10", "$aहिमाली साहित्य :$bभाग ४ देखि ८ सम्म /")
        .describe();
    assert_eq!(description.work_key.as_deref(), Some("हिमाली साहित्य/पोखरेल बालकृष्ण"));
}

#[test]
fn fold_is_case_and_diacritic_folding_for_search() {
    assert_eq!(fold("Śāha, Vīrendravikram"), "saha, virendravikram");
}

// --- storage ---------------------------------------------------------------------------

#[test]
fn description_round_trips_through_json() {
    let description = austen("$aPride and prejudice /$cJane Austen.", "Penguin")
        .field("020", "  ", "$a0141439513")
        .field("650", " 0", "$aSisters$zEngland$vFiction.")
        .describe();
    let json = serde_json::to_string(&description).unwrap();
    let read_back: Description = serde_json::from_str(&json).unwrap();
    assert_eq!(read_back, description);
    assert!(!json.contains("null"), "empty parts are left out: {json}");
}
