//! The rules of `describe` for how a record is identified and published and which work it
//! is: identifiers, publication, languages, edition, series and notes, the work key, and
//! the description's storage, each shown on a record built in code.

mod builder;

use athenaeum_marc::describe::{Description, MaterialFormat, describe, fold, isbn_cluster};
use athenaeum_marc::{ControlField, Field, Tag};

use builder::{Marc, book, fixed};

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
