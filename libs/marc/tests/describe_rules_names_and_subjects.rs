//! The rules of `describe` for who made a work and what it is about: contributors with
//! their roles, and subject headings, each shown on a record built in code.

mod builder;

use athenaeum_marc::describe::{AlternateTitleKind, ContributorKind, SubjectKind};

use builder::book;

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
