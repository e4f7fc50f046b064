//! People, organisations and meetings responsible for the resource (100/110/111 and
//! 700/710/711), with their roles in plain words. It reads names as the cataloguer wrote
//! them; it does not look anything up in authority files.

use serde::{Deserialize, Serialize};

use super::text::{clean, join_subfields, non_empty, normalise_words, push_unique};
use super::title::is_latin;
use crate::{DataField, Record};

/// What kind of agent a [`Contributor`] is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ContributorKind {
    /// A person or a family (X00).
    Person,
    /// A corporate body: a government, an institution, a firm (X10).
    Organisation,
    /// A meeting or conference (X11).
    Meeting,
}

/// A person, organisation or meeting named as responsible for the resource.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Contributor {
    /// The name without dates: for a person `$a $b $c $q` ("King, Martin Luther, Jr."),
    /// for an organisation the body and its subordinate units ("Great Britain. Central
    /// Office of Information"), for a meeting its name with number, date and place.
    pub name: String,
    /// A person's dates (`$d`), e.g. "1775-1817".
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dates: Option<String>,
    /// The whole heading in the cataloguer's order, dates included, e.g. "Austen, Jane,
    /// 1775-1817".
    pub heading: String,
    /// Person, organisation or meeting.
    pub kind: ContributorKind,
    /// The roles in plain lowercase words ("author", "editor", "translator"), from the
    /// relator terms (`$e`, `$j` for meetings) and the known relator codes (`$4`).
    /// Empty when the record states none.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub roles: Vec<String>,
    /// The relator codes as given (`$4`), lowercased, e.g. "trl".
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub relator_codes: Vec<String>,
    /// True for the main entry (1XX): the agent chiefly responsible for the work.
    pub primary: bool,
    /// Authority record identifiers or URIs (`$0`), e.g. "(DLC)n81047233".
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub authority_ids: Vec<String>,
    /// A local authority record number (Koha's `$9`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub local_authority_id: Option<String>,
    /// The name in the other script: from the linked 880, or from a second 1XX in
    /// another script.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name_alternate: Option<String>,
    /// The field it came from, e.g. `700`.
    pub tag: String,
}

/// MARC relator codes and the word a reader expects for each.
const RELATORS: &[(&str, &str)] = &[
    ("abr", "abridger"),
    ("act", "actor"),
    ("adp", "adapter"),
    ("aft", "author of afterword"),
    ("anm", "animator"),
    ("ann", "annotator"),
    ("arr", "arranger"),
    ("art", "artist"),
    ("aud", "author of dialog"),
    ("aui", "author of introduction"),
    ("aus", "screenwriter"),
    ("aut", "author"),
    ("bkd", "book designer"),
    ("chr", "choreographer"),
    ("cli", "client"),
    ("cmm", "commentator"),
    ("cmp", "composer"),
    ("cnd", "conductor"),
    ("cng", "cinematographer"),
    ("com", "compiler"),
    ("cov", "cover designer"),
    ("cre", "creator"),
    ("ctb", "contributor"),
    ("ctg", "cartographer"),
    ("cur", "curator"),
    ("cwt", "commentator for written text"),
    ("dgg", "degree granting institution"),
    ("dnc", "dancer"),
    ("dnr", "donor"),
    ("drt", "director"),
    ("dsr", "designer"),
    ("dte", "dedicatee"),
    ("edc", "editor of compilation"),
    ("edt", "editor"),
    ("egr", "engraver"),
    ("fmo", "former owner"),
    ("his", "host institution"),
    ("hst", "host"),
    ("ill", "illustrator"),
    ("ilu", "illuminator"),
    ("ins", "inscriber"),
    ("isb", "issuing body"),
    ("itr", "instrumentalist"),
    ("ive", "interviewee"),
    ("ivr", "interviewer"),
    ("lbt", "librettist"),
    ("ltg", "lithographer"),
    ("lyr", "lyricist"),
    ("mus", "musician"),
    ("nrt", "narrator"),
    ("orm", "organizer"),
    ("oth", "other"),
    ("own", "owner"),
    ("pbl", "publisher"),
    ("pht", "photographer"),
    ("pmn", "production manager"),
    ("ppm", "papermaker"),
    ("prf", "performer"),
    ("prg", "programmer"),
    ("pro", "producer"),
    ("prt", "printer"),
    ("pup", "puppeteer"),
    ("rcp", "addressee"),
    ("red", "redaktor"),
    ("res", "researcher"),
    ("rev", "reviewer"),
    ("sce", "scenarist"),
    ("scl", "sculptor"),
    ("sng", "singer"),
    ("spk", "speaker"),
    ("spn", "sponsor"),
    ("stl", "storyteller"),
    ("ths", "thesis advisor"),
    ("trc", "transcriber"),
    ("trl", "translator"),
    ("vdg", "videographer"),
    ("voc", "vocalist"),
    ("wam", "writer of accompanying material"),
    ("wdc", "woodcutter"),
    ("wst", "writer of supplementary textual content"),
];

/// Abbreviated relator terms of older cataloguing and their words.
const RELATOR_ABBREVIATIONS: &[(&str, &str)] = &[
    ("arr", "arranger"),
    ("comp", "compiler"),
    ("ed", "editor"),
    ("eds", "editor"),
    ("edt", "editor"),
    ("hrsg", "editor"),
    ("éd", "editor"),
    ("ill", "illustrator"),
    ("illus", "illustrator"),
    ("joint ed", "joint editor"),
    ("joint comp", "joint compiler"),
    ("narr", "narrator"),
    ("photo", "photographer"),
    ("red", "editor"),
    ("tr", "translator"),
    ("trad", "translator"),
    ("trans", "translator"),
    ("tł", "translator"),
    ("übers", "translator"),
];

/// Returns the plain word for a MARC relator code (`"trl"` → `"translator"`), or `None`
/// for a code this module does not know.
pub fn relator_word(code: &str) -> Option<&'static str> {
    RELATORS.iter().find(|(known, _)| *known == code).map(|(_, word)| *word)
}

/// Returns a relator term in plain lowercase words: "Editor." → "editor", "tr." →
/// "translator".
fn relator_term(term: &str) -> Option<String> {
    let lowered = clean(term)
        .trim_matches(|character: char| matches!(character, '(' | ')' | '[' | ']'))
        .trim_end_matches('.')
        .to_lowercase();
    let lowered = lowered.trim();
    if lowered.is_empty() {
        return None;
    }
    let word = RELATOR_ABBREVIATIONS
        .iter()
        .find(|(abbreviation, _)| *abbreviation == lowered)
        .map_or(lowered, |(_, word)| *word);
    Some(word.to_string())
}

/// Returns a relator code from `$4`: lowercased, and the last path segment of a URI
/// ("http://id.loc.gov/vocabulary/relators/aut" → "aut").
fn relator_code(value: &str) -> Option<String> {
    let value = clean(value);
    let code = value.rsplit('/').next().unwrap_or(value).trim().to_lowercase();
    (!code.is_empty()).then_some(code)
}

fn kind_of(tag: [u8; 3]) -> Option<ContributorKind> {
    match &tag[1..] {
        b"00" => Some(ContributorKind::Person),
        b"10" => Some(ContributorKind::Organisation),
        b"11" => Some(ContributorKind::Meeting),
        _ => None,
    }
}

/// The subfields of a name field that come before a title (`$t`).
fn name_part(field: &DataField) -> &[crate::Subfield] {
    let end = field
        .subfields
        .iter()
        .position(|subfield| subfield.code == 't')
        .unwrap_or(field.subfields.len());
    &field.subfields[..end]
}

/// Returns the name and heading of a name field of `kind`.
fn name_and_heading(field: &DataField, kind: ContributorKind) -> (String, String) {
    let subfields = name_part(field);
    let (name_codes, heading_codes) = match kind {
        ContributorKind::Person => ("abcq", "abcqd"),
        ContributorKind::Organisation => ("abcdgn", "abcdgn"),
        ContributorKind::Meeting => ("acdegnq", "acdegnq"),
    };
    let separator = move |_previous: char, code: char| match (kind, code) {
        (ContributorKind::Person, 'c' | 'd') => ", ",
        (ContributorKind::Organisation, 'b') => ". ",
        _ => " ",
    };
    let pick = |codes: &'static str| {
        subfields
            .iter()
            .filter(move |subfield| codes.contains(subfield.code))
            .map(|subfield| (subfield.code, subfield.value.as_str()))
    };
    let name = join_subfields(pick(name_codes), separator);
    let heading = join_subfields(pick(heading_codes), separator);
    (name, heading)
}

/// Reads one name field into a contributor; `None` when it names no one.
fn contributor(record: &Record, field: &DataField, primary: bool) -> Option<Contributor> {
    let kind = kind_of(field.tag.as_bytes())?;
    let (name, heading) = name_and_heading(field, kind);
    if name.is_empty() {
        return None;
    }
    let dates = match kind {
        ContributorKind::Person => name_part(field)
            .iter()
            .find(|subfield| subfield.code == 'd')
            .and_then(|subfield| non_empty(&subfield.value)),
        ContributorKind::Organisation | ContributorKind::Meeting => None,
    };
    let term_code = if kind == ContributorKind::Meeting { 'j' } else { 'e' };
    let mut roles = Vec::new();
    let mut relator_codes = Vec::new();
    for subfield in &field.subfields {
        if subfield.code == term_code {
            if let Some(term) = relator_term(&subfield.value) {
                push_unique(&mut roles, term);
            }
        } else if subfield.code == '4'
            && let Some(code) = relator_code(&subfield.value)
        {
            if let Some(word) = relator_word(&code) {
                push_unique(&mut roles, word.to_string());
            }
            push_unique(&mut relator_codes, code);
        }
    }
    let authority_ids = field.all('0').filter_map(|value| non_empty(value.trim())).collect();
    let local_authority_id =
        field.first('9').map(str::trim).filter(|value| !value.is_empty()).map(String::from);
    let name_alternate = record
        .alternate_script(field)
        .map(|linked| name_and_heading(linked, kind).0)
        .filter(|alternate| !alternate.is_empty());
    Some(Contributor {
        name,
        dates,
        heading,
        kind,
        roles,
        relator_codes,
        primary,
        authority_ids,
        local_authority_id,
        name_alternate,
        tag: field.tag.as_str().to_string(),
    })
}

/// What identifies an agent for merging repeated entries: kind, name words, date words.
#[derive(PartialEq)]
struct AgentKey {
    kind: ContributorKind,
    name: String,
    dates: Option<String>,
}

impl AgentKey {
    fn of(contributor: &Contributor) -> AgentKey {
        AgentKey {
            kind: contributor.kind,
            name: normalise_words(&contributor.name),
            dates: contributor.dates.as_deref().map(normalise_words),
        }
    }

    /// Returns true when both name the same agent: same kind and name, and the same
    /// dates unless one of them gives none.
    fn same_agent(&self, other: &AgentKey) -> bool {
        self.kind == other.kind
            && self.name == other.name
            && match (&self.dates, &other.dates) {
                (Some(first), Some(second)) => first == second,
                _ => true,
            }
    }
}

/// Reads the main entry (1XX, `primary`) and the added entries (7XX) in record order.
/// An added entry naming an agent already listed adds its roles to that entry instead;
/// a second 1XX in another script becomes the first one's `name_alternate`.
pub(crate) fn contributors(record: &Record) -> Vec<Contributor> {
    let mut contributors: Vec<Contributor> = Vec::new();
    let mut keys: Vec<AgentKey> = Vec::new();
    let main_entries = record
        .all_data_fields()
        .filter(|field| matches!(&field.tag.as_bytes(), b"100" | b"110" | b"111"));
    for field in main_entries {
        let Some(candidate) = contributor(record, field, true) else {
            continue;
        };
        if let Some(first) = contributors.first_mut()
            && first.name_alternate.is_none()
            && is_latin(&first.name) != is_latin(&candidate.name)
        {
            first.name_alternate = Some(candidate.name);
            continue;
        }
        add(&mut contributors, &mut keys, candidate);
    }
    let added_entries = record
        .all_data_fields()
        .filter(|field| matches!(&field.tag.as_bytes(), b"700" | b"710" | b"711"));
    for field in added_entries {
        if let Some(candidate) = contributor(record, field, false) {
            add(&mut contributors, &mut keys, candidate);
        }
    }
    contributors
}

/// Adds `candidate`, or merges it into the entry for the same agent; `keys` holds the
/// [`AgentKey`] of each entry of `contributors`, in the same order.
fn add(contributors: &mut Vec<Contributor>, keys: &mut Vec<AgentKey>, candidate: Contributor) {
    let key = AgentKey::of(&candidate);
    let Some(index) = keys.iter().position(|existing| existing.same_agent(&key)) else {
        keys.push(key);
        contributors.push(candidate);
        return;
    };
    let existing = &mut contributors[index];
    for role in candidate.roles {
        push_unique(&mut existing.roles, role);
    }
    for code in candidate.relator_codes {
        push_unique(&mut existing.relator_codes, code);
    }
    for id in candidate.authority_ids {
        push_unique(&mut existing.authority_ids, id);
    }
    if existing.dates.is_none() && candidate.dates.is_some() {
        existing.dates = candidate.dates;
        existing.heading = candidate.heading;
        keys[index] = AgentKey::of(existing);
    }
}
