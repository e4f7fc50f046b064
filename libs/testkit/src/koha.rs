//! The Koha sample catalogue as one library would hold it: `koha/koha_sample_bibs.clean.marcxml`
//! with the copies of `koha/items.tsv` embedded as 952 fields, as Koha's own export writes
//! them. Catalogue and circulation tests use it as a fixture library.

use std::collections::BTreeMap;

use crate::marc_file;

/// A row of `koha/items.tsv`.
pub struct KohaItem {
    /// The Koha biblionumber of its record (`999 $c`).
    pub biblionumber: String,
    /// Its home branch code, e.g. `CPL`.
    pub home_branch: String,
    /// Its call number, if it has one.
    pub call_number: Option<String>,
}

/// Writes the Koha sample bibs with their items from `items.tsv` embedded as 952 fields
/// (as Koha's own export does), and returns the file, its folder, and the items whose
/// biblionumber is in the file, by barcode.
pub fn koha_bibs_with_items() -> (std::path::PathBuf, tempfile::TempDir, BTreeMap<String, KohaItem>)
{
    let bibs = std::fs::read_to_string(marc_file("koha/koha_sample_bibs.clean.marcxml")).unwrap();
    let tsv = std::fs::read_to_string(marc_file("koha/items.tsv")).unwrap();
    let mut by_bib: BTreeMap<String, Vec<Vec<String>>> = BTreeMap::new();
    for line in tsv.lines().skip(1) {
        let columns: Vec<String> = line.split('\t').map(str::to_string).collect();
        by_bib.entry(columns[1].clone()).or_default().push(columns);
    }
    let reader = athenaeum_marc::RecordReader::new(std::io::Cursor::new(bibs.into_bytes()));
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("koha-with-items.mrc");
    let mut out = Vec::new();
    let mut expected = BTreeMap::new();
    for outcome in reader {
        let mut record = outcome.record.unwrap();
        let number =
            record.data_field("999").and_then(|field| field.first('c')).unwrap_or("").to_string();
        if record.control_number().is_none() {
            // As Koha's export does: the biblionumber as control number.
            record.fields.insert(
                0,
                athenaeum_marc::Field::Control(athenaeum_marc::ControlField {
                    tag: athenaeum_marc::Tag::parse("001").unwrap(),
                    value: format!("koha-{number}"),
                }),
            );
        }
        for columns in by_bib.get(&number).into_iter().flatten() {
            let mut subfields = vec![
                ('a', &columns[2]),
                ('b', &columns[3]),
                ('c', &columns[4]),
                ('y', &columns[5]),
                ('p', &columns[0]),
            ];
            if !columns[6].is_empty() {
                subfields.push(('8', &columns[6]));
            }
            if !columns[7].is_empty() {
                subfields.push(('o', &columns[7]));
            }
            record.fields.push(athenaeum_marc::Field::Data(athenaeum_marc::DataField {
                tag: athenaeum_marc::Tag::parse("952").unwrap(),
                ind1: ' ',
                ind2: ' ',
                subfields: subfields
                    .into_iter()
                    .filter(|(_, value)| !value.is_empty())
                    .map(|(code, value)| athenaeum_marc::Subfield { code, value: value.clone() })
                    .collect(),
            }));
            expected.insert(
                columns[0].clone(),
                KohaItem {
                    biblionumber: number.clone(),
                    home_branch: columns[2].clone(),
                    call_number: Some(columns[7].clone()).filter(|text| !text.is_empty()),
                },
            );
        }
        athenaeum_marc::iso2709::write_record(&record, &mut out).unwrap();
    }
    std::fs::write(&path, out).unwrap();
    (path, dir, expected)
}
