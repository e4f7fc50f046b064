//! Reading a patron import file, with no I/O: CSV text (RFC 4180) into records, a
//! mapping from the file's column headers to patron fields, and each record into the
//! patron it describes or the problem with it, named by row. Looking codes up in the
//! library and writing patrons is the service's part.

use std::collections::HashMap;

use chrono::NaiveDate;

use super::values;
use crate::api::{ColumnMap, PatronImportField};

/// The longest email address, phone number, address and staff note a patron keeps;
/// the same limits a patron saved at the desk is held to.
const MOST_EMAIL: usize = 254;
const MOST_PHONE: usize = 40;
const MOST_ADDRESS: usize = 500;
const MOST_STAFF_NOTE: usize = 2_000;

/// One record of a CSV file: its fields, and the line of the file it starts on (the
/// header is row 1; a quoted field with line breaks makes its record span lines).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CsvRecord {
    /// The line it starts on, from 1.
    pub row: u32,
    /// Its fields, unquoted.
    pub fields: Vec<String>,
}

/// Why a row cannot be imported; the message starts with the row ("row 7: …").
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RowProblem {
    /// The line the row starts on.
    pub row: u32,
    /// What is wrong, row first.
    pub message: String,
}

impl RowProblem {
    /// A problem with row `row`, the message prefixed with it.
    pub fn new(row: u32, message: impl std::fmt::Display) -> RowProblem {
        RowProblem { row, message: format!("row {row}: {message}") }
    }
}

/// Splits CSV text into records: fields separated by commas, records by CRLF or LF;
/// a field in double quotes may hold commas, line breaks and doubled quotes (`""` is
/// one `"`). A UTF-8 byte order mark at the start is skipped, and so are lines with
/// nothing but commas and spaces. Lenient where RFC 4180 is silent: a quote inside an
/// unquoted field is kept as it is, and text after a closing quote joins the field. A
/// quoted field still open at the end of the text is the last item, a problem: nothing
/// after its opening quote can be read. Linear in the text's length.
pub fn parse_csv(text: &str) -> Vec<Result<CsvRecord, RowProblem>> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut records = Vec::new();
    let mut characters = text.chars().peekable();
    let mut line: u32 = 1;
    while characters.peek().is_some() {
        let row = line;
        let mut fields = Vec::new();
        let mut field = String::new();
        let mut quoted = false;
        let mut at_field_start = true;
        let mut record_done = false;
        while let Some(character) = characters.next() {
            if quoted {
                match character {
                    '"' if characters.peek() == Some(&'"') => {
                        characters.next();
                        field.push('"');
                    }
                    '"' => quoted = false,
                    '\n' => {
                        line += 1;
                        field.push('\n');
                    }
                    '\r' if characters.peek() == Some(&'\n') => {
                        characters.next();
                        line += 1;
                        field.push('\n');
                    }
                    other => field.push(other),
                }
                continue;
            }
            match character {
                '"' if at_field_start => {
                    quoted = true;
                    at_field_start = false;
                }
                ',' => {
                    fields.push(std::mem::take(&mut field));
                    at_field_start = true;
                }
                '\n' | '\r' => {
                    if character == '\r' && characters.peek() == Some(&'\n') {
                        characters.next();
                    }
                    line += 1;
                    record_done = true;
                    break;
                }
                other => {
                    field.push(other);
                    at_field_start = false;
                }
            }
        }
        if quoted {
            records.push(Err(RowProblem::new(
                row,
                "a quoted field is not closed: the rest of the file cannot be read",
            )));
            break;
        }
        fields.push(field);
        let blank = fields.iter().all(|field| field.trim().is_empty());
        if !blank {
            records.push(Ok(CsvRecord { row, fields }));
        }
        if !record_done {
            break;
        }
    }
    records
}

/// Says a field in words, for problems: "card barcode", "home branch code".
pub fn field_words(field: PatronImportField) -> &'static str {
    match field {
        PatronImportField::CardBarcode => "card barcode",
        PatronImportField::Name => "name",
        PatronImportField::Surname => "surname",
        PatronImportField::Firstname => "first name",
        PatronImportField::Email => "email",
        PatronImportField::Phone => "phone",
        PatronImportField::Address => "address",
        PatronImportField::Address2 => "second address line",
        PatronImportField::City => "city",
        PatronImportField::Zipcode => "postcode",
        PatronImportField::HomeBranchCode => "home branch code",
        PatronImportField::PatronGroupCode => "patron group code",
        PatronImportField::ExpiresOn => "expiry date",
        PatronImportField::StaffNote => "staff note",
    }
}

/// Which column of a file fills which patron field.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ColumnMapping {
    columns: Vec<ColumnMap>,
}

impl ColumnMapping {
    /// The columns of Koha's borrowers export.
    pub fn koha() -> ColumnMapping {
        let map = |column: &str, field| ColumnMap { column: column.into(), field };
        ColumnMapping {
            columns: vec![
                map("cardnumber", PatronImportField::CardBarcode),
                map("surname", PatronImportField::Surname),
                map("firstname", PatronImportField::Firstname),
                map("email", PatronImportField::Email),
                map("phone", PatronImportField::Phone),
                map("address", PatronImportField::Address),
                map("address2", PatronImportField::Address2),
                map("city", PatronImportField::City),
                map("zipcode", PatronImportField::Zipcode),
                map("branchcode", PatronImportField::HomeBranchCode),
                map("categorycode", PatronImportField::PatronGroupCode),
                map("dateexpiry", PatronImportField::ExpiresOn),
                map("borrowernotes", PatronImportField::StaffNote),
            ],
        }
    }

    /// Returns a mapping a request gave, or why it cannot be used: a column with no
    /// name, or a field or column mapped twice.
    pub fn new(columns: Vec<ColumnMap>) -> Result<ColumnMapping, String> {
        let mut seen_fields: HashMap<PatronImportField, String> = HashMap::new();
        let mut seen_columns: HashMap<String, PatronImportField> = HashMap::new();
        let mut cleaned = Vec::with_capacity(columns.len());
        for map in columns {
            let column = map.column.trim().to_string();
            if column.is_empty() {
                return Err(format!("the column for {} has no name", field_words(map.field)));
            }
            if let Some(earlier) = seen_fields.insert(map.field, column.clone()) {
                return Err(format!(
                    "{} is mapped twice, from columns {earlier} and {column}",
                    field_words(map.field)
                ));
            }
            if seen_columns.insert(header_key(&column), map.field).is_some() {
                return Err(format!("column {column} is mapped twice"));
            }
            cleaned.push(ColumnMap { column, field: map.field });
        }
        Ok(ColumnMapping { columns: cleaned })
    }

    /// Finds the mapped columns in a file's header, or says why the file cannot be
    /// imported: a column for the card barcode, the name (full, or surname and first
    /// name), the home branch code or the patron group code is missing, or a mapped
    /// column appears twice. Mapped columns the file does not have are left alone: an
    /// update keeps what the patron had.
    pub fn locate(&self, header: &[String]) -> Result<Layout, String> {
        let mut columns = Vec::new();
        for map in &self.columns {
            let key = header_key(&map.column);
            let mut found = header
                .iter()
                .enumerate()
                .filter(|(_, heading)| header_key(heading) == key)
                .map(|(index, _)| index);
            let Some(index) = found.next() else { continue };
            if found.next().is_some() {
                return Err(format!("column {} appears twice in the header", map.column));
            }
            columns.push(Located { field: map.field, index, heading: header[index].trim().into() });
        }
        let layout = Layout { columns, width: header.len() };
        for required in [
            PatronImportField::CardBarcode,
            PatronImportField::HomeBranchCode,
            PatronImportField::PatronGroupCode,
        ] {
            if layout.index(required).is_none() {
                return Err(self.missing(required));
            }
        }
        let names =
            [PatronImportField::Name, PatronImportField::Surname, PatronImportField::Firstname];
        if names.iter().all(|field| layout.index(*field).is_none()) {
            let expected: Vec<&str> = self
                .columns
                .iter()
                .filter(|map| names.contains(&map.field))
                .map(|map| map.column.as_str())
                .collect();
            return Err(if expected.is_empty() {
                "the mapping has no column for the name (full name, or surname and first name)"
                    .to_string()
            } else {
                format!("the file has none of the name columns ({})", expected.join(", "))
            });
        }
        Ok(layout)
    }

    fn missing(&self, field: PatronImportField) -> String {
        match self.columns.iter().find(|map| map.field == field) {
            Some(map) => {
                format!("the file has no column {} for the {}", map.column, field_words(field))
            }
            None => format!("the mapping has no column for the {}", field_words(field)),
        }
    }
}

fn header_key(heading: &str) -> String {
    heading.trim().to_lowercase()
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct Located {
    field: PatronImportField,
    index: usize,
    heading: String,
}

/// Where a file's mapped columns are.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Layout {
    columns: Vec<Located>,
    width: usize,
}

/// A value a file may give: its column is not in the file (keep what the patron has),
/// or it is, empty or not.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Supplied<T> {
    /// The file has no column for it.
    NotInFile,
    /// The file's value; `None` when the cell is empty.
    Given(Option<T>),
}

impl<T> Supplied<T> {
    /// Returns the file's value, or `current` when the file has no column for it.
    pub fn or_keep(self, current: Option<T>) -> Option<T> {
        match self {
            Supplied::NotInFile => current,
            Supplied::Given(value) => value,
        }
    }
}

/// A patron as a row of the file describes them, its values checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportedPatron {
    /// The line the row starts on.
    pub row: u32,
    /// The card barcode that names them.
    pub card: String,
    /// The full name.
    pub name: String,
    /// Email address, lower case.
    pub email: Supplied<String>,
    /// Phone number.
    pub phone: Supplied<String>,
    /// Address, a line per line.
    pub address: Supplied<String>,
    /// The home branch's code, as the file has it.
    pub branch_code: String,
    /// The patron group's code, as the file has it.
    pub group_code: String,
    /// The card's expiry date.
    pub expires_on: Supplied<NaiveDate>,
    /// A note for staff.
    pub staff_note: Supplied<String>,
}

impl Layout {
    /// Returns the header of the column that fills `field`, if the file has one.
    pub fn heading(&self, field: PatronImportField) -> Option<&str> {
        self.columns
            .iter()
            .find(|column| column.field == field)
            .map(|column| column.heading.as_str())
    }

    fn index(&self, field: PatronImportField) -> Option<usize> {
        self.columns.iter().find(|column| column.field == field).map(|column| column.index)
    }

    /// Reads one record into the patron it describes, or one problem naming every
    /// thing wrong with it.
    pub fn read(&self, record: &CsvRecord) -> Result<ImportedPatron, RowProblem> {
        if record.fields.len() != self.width {
            return Err(RowProblem::new(
                record.row,
                format!(
                    "it has {} fields where the header has {}; check for an unquoted comma",
                    record.fields.len(),
                    self.width
                ),
            ));
        }
        let cell = |field| self.index(field).map(|index| record.fields[index].trim());
        let mut wrong: Vec<String> = Vec::new();

        let card = match cell(PatronImportField::CardBarcode).unwrap_or_default() {
            "" => {
                wrong.push("card barcode is empty".into());
                String::new()
            }
            text => values::card_barcode(text).unwrap_or_else(|message| {
                wrong.push(message);
                String::new()
            }),
        };
        let full_name = cell(PatronImportField::Name).unwrap_or_default();
        let name_text = if full_name.is_empty() {
            [PatronImportField::Firstname, PatronImportField::Surname]
                .into_iter()
                .filter_map(cell)
                .collect::<Vec<_>>()
                .join(" ")
        } else {
            full_name.to_string()
        };
        let name = if name_text.trim().is_empty() {
            wrong.push("name is empty".into());
            String::new()
        } else {
            values::person_name(&name_text).unwrap_or_else(|message| {
                wrong.push(message);
                String::new()
            })
        };
        let mut required_code = |field| match cell(field).unwrap_or_default() {
            "" => {
                wrong.push(format!("{} is empty", field_words(field)));
                String::new()
            }
            code => code.to_string(),
        };
        let branch_code = required_code(PatronImportField::HomeBranchCode);
        let group_code = required_code(PatronImportField::PatronGroupCode);

        let mut text = |field, most: usize| -> Supplied<String> {
            let Some(value) = cell(field) else { return Supplied::NotInFile };
            if value.chars().count() > most {
                wrong.push(format!("{} is longer than {most} characters", field_words(field)));
            }
            Supplied::Given((!value.is_empty()).then(|| value.to_string()))
        };
        let email = text(PatronImportField::Email, MOST_EMAIL);
        let phone = text(PatronImportField::Phone, MOST_PHONE);
        let staff_note = text(PatronImportField::StaffNote, MOST_STAFF_NOTE);
        let email = match email {
            Supplied::Given(Some(address)) => match email_address(&address) {
                Ok(address) => Supplied::Given(Some(address)),
                Err(message) => {
                    wrong.push(message);
                    Supplied::Given(None)
                }
            },
            other => other,
        };

        let address_fields = [
            PatronImportField::Address,
            PatronImportField::Address2,
            PatronImportField::City,
            PatronImportField::Zipcode,
        ];
        let address = if address_fields.iter().all(|field| self.index(*field).is_none()) {
            Supplied::NotInFile
        } else {
            let lines: Vec<&str> = address_fields
                .into_iter()
                .filter_map(cell)
                .flat_map(str::lines)
                .map(str::trim)
                .filter(|line| !line.is_empty())
                .collect();
            let joined = lines.join("\n");
            if joined.chars().count() > MOST_ADDRESS {
                wrong.push(format!("address is longer than {MOST_ADDRESS} characters"));
            }
            Supplied::Given((!joined.is_empty()).then_some(joined))
        };

        let expires_on = match cell(PatronImportField::ExpiresOn) {
            None => Supplied::NotInFile,
            Some("") => Supplied::Given(None),
            Some(text) => match date(text) {
                Some(day) => Supplied::Given(Some(day)),
                None => {
                    let heading =
                        self.heading(PatronImportField::ExpiresOn).unwrap_or("expiry date");
                    wrong.push(format!("{heading} {text} is not a date"));
                    Supplied::Given(None)
                }
            },
        };

        if !wrong.is_empty() {
            return Err(RowProblem::new(record.row, wrong.join("; ")));
        }
        Ok(ImportedPatron {
            row: record.row,
            card,
            name,
            email,
            phone,
            address,
            branch_code,
            group_code,
            expires_on,
            staff_note,
        })
    }
}

/// Reads a `YYYY-MM-DD` date: four-digit year, two-digit month and day.
fn date(text: &str) -> Option<NaiveDate> {
    let bytes = text.as_bytes();
    let shaped = bytes.len() == 10
        && bytes[4] == b'-'
        && bytes[7] == b'-'
        && bytes.iter().enumerate().all(|(at, byte)| at == 4 || at == 7 || byte.is_ascii_digit());
    if !shaped {
        return None;
    }
    NaiveDate::parse_from_str(text, "%Y-%m-%d").ok()
}

/// Returns an email address lower-cased, or why it is not one.
pub fn email_address(text: &str) -> Result<String, String> {
    let parts: Vec<&str> = text.split('@').collect();
    if parts.len() != 2
        || parts[0].is_empty()
        || !parts[1].contains('.')
        || text.contains(char::is_whitespace)
    {
        return Err(format!("email {text} is not an email address"));
    }
    Ok(text.to_lowercase())
}

/// Keeps the first row of each card barcode and turns every later one into a problem:
/// one file cannot say two things about one patron.
pub fn first_row_of_each_card(
    patrons: Vec<ImportedPatron>,
) -> (Vec<ImportedPatron>, Vec<RowProblem>) {
    let mut first_rows: HashMap<String, u32> = HashMap::new();
    let mut kept = Vec::with_capacity(patrons.len());
    let mut problems = Vec::new();
    for patron in patrons {
        match first_rows.get(&patron.card) {
            Some(first) => problems.push(RowProblem::new(
                patron.row,
                format!("card barcode {} is on row {first} already", patron.card),
            )),
            None => {
                first_rows.insert(patron.card.clone(), patron.row);
                kept.push(patron);
            }
        }
    }
    (kept, problems)
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, reason = "tests fail loudly")]
mod tests {
    use super::*;

    fn records(text: &str) -> Vec<CsvRecord> {
        parse_csv(text).into_iter().map(Result::unwrap).collect()
    }

    fn fields(text: &str) -> Vec<Vec<String>> {
        records(text).into_iter().map(|record| record.fields).collect()
    }

    const KOHA_HEADER: &str = "cardnumber,surname,firstname,email,phone,address,address2,city,zipcode,branchcode,categorycode,dateexpiry,borrowernotes";

    fn koha_layout() -> Layout {
        let header = &records(KOHA_HEADER)[0].fields;
        ColumnMapping::koha().locate(header).unwrap()
    }

    fn koha_row(row: u32, line: &str) -> Result<ImportedPatron, RowProblem> {
        let record = CsvRecord { row, fields: records(line).remove(0).fields };
        koha_layout().read(&record)
    }

    #[test]
    fn plain_fields_split_on_commas_and_line_ends() {
        assert_eq!(fields("a,b,c\n1,2,3\n"), vec![vec!["a", "b", "c"], vec!["1", "2", "3"]]);
        assert_eq!(fields("a,,c"), vec![vec!["a", "", "c"]]);
        assert_eq!(fields("a,b,"), vec![vec!["a", "b", ""]]);
    }

    #[test]
    fn quoted_fields_hold_commas_line_breaks_and_doubled_quotes() {
        let parsed =
            records("name,note\r\n\"Patel, Sam\",\"said \"\"hi\"\"\r\nthen left\"\r\nnext,row\r\n");
        assert_eq!(parsed[1].fields, vec!["Patel, Sam", "said \"hi\"\nthen left"]);
        assert_eq!(parsed[1].row, 2);
        assert_eq!(parsed[2].row, 4, "the line break inside quotes moves the next row's line on");
        assert_eq!(fields("\"\",x"), vec![vec!["", "x"]]);
    }

    #[test]
    fn crlf_a_byte_order_mark_and_blank_lines_are_taken_in_stride() {
        let parsed = records("\u{feff}cardnumber,surname\r\n\r\nP1,Patel\r\n,\r\nP2,Khan");
        assert_eq!(parsed[0].fields, vec!["cardnumber", "surname"]);
        assert_eq!(parsed[1].row, 3);
        assert_eq!(parsed[2].fields, vec!["P2", "Khan"]);
        assert_eq!(parsed[2].row, 5);
        assert!(parse_csv("").is_empty());
    }

    #[test]
    fn an_unclosed_quote_is_a_problem_of_its_row_and_ends_the_file() {
        let parsed = parse_csv("a,b\n1,2\n\"3,4\n5,6\n");
        assert_eq!(parsed.len(), 3);
        let problem = parsed[2].clone().unwrap_err();
        assert_eq!(problem.row, 3);
        assert!(
            problem.message.starts_with("row 3: a quoted field is not closed"),
            "{}",
            problem.message
        );
    }

    #[test]
    fn stray_quotes_are_kept_as_text() {
        assert_eq!(fields("O\"Neill,\"x\"y"), vec![vec!["O\"Neill", "xy"]]);
    }

    #[test]
    fn a_koha_row_becomes_a_patron_with_its_address_joined_by_lines() {
        let patron = koha_row(
            2,
            "P001,Patel,Sam,Sam@Example.org,0161 496 0000,1 High St,Flat 2,Leeds,LS1 1AA,CEN,ADULT,2028-01-31,likes maps",
        )
        .unwrap();
        assert_eq!(patron.card, "P001");
        assert_eq!(patron.name, "Sam Patel");
        assert_eq!(patron.email, Supplied::Given(Some("sam@example.org".into())));
        assert_eq!(
            patron.address,
            Supplied::Given(Some("1 High St\nFlat 2\nLeeds\nLS1 1AA".into()))
        );
        assert_eq!(patron.branch_code, "CEN");
        assert_eq!(patron.group_code, "ADULT");
        assert_eq!(patron.expires_on, Supplied::Given(NaiveDate::from_ymd_opt(2028, 1, 31)));
        assert_eq!(patron.staff_note, Supplied::Given(Some("likes maps".into())));
        let sparse = koha_row(3, "P002,Khan,,,,,,,,CEN,ADULT,,").unwrap();
        assert_eq!(sparse.name, "Khan");
        assert_eq!(sparse.address, Supplied::Given(None));
        assert_eq!(sparse.expires_on, Supplied::Given(None));
    }

    #[test]
    fn a_bad_row_names_its_row_and_everything_wrong_with_it() {
        let empty_card = koha_row(7, ",Patel,Sam,,,,,,,CEN,ADULT,,").unwrap_err();
        assert_eq!(empty_card.message, "row 7: card barcode is empty");
        let bad_date = koha_row(9, "P009,Patel,Sam,,,,,,,CEN,ADULT,2027-13-01,").unwrap_err();
        assert_eq!(bad_date.message, "row 9: dateexpiry 2027-13-01 is not a date");
        let several = koha_row(4, "P 4,,,nobody,,,,,,,ADULT,31/01/2028,").unwrap_err();
        assert_eq!(
            several.message,
            "row 4: card barcode P 4 has ' ' in it; use letters, digits, - and _ only; name is empty; home branch code is empty; email nobody is not an email address; dateexpiry 31/01/2028 is not a date"
        );
        let short = koha_row(5, "P005,Patel").unwrap_err();
        assert_eq!(
            short.message,
            "row 5: it has 2 fields where the header has 13; check for an unquoted comma"
        );
    }

    #[test]
    fn a_mapping_needs_the_card_name_branch_and_group_columns() {
        let header = |text: &str| records(text).remove(0).fields;
        let missing_card =
            ColumnMapping::koha().locate(&header("surname,branchcode,categorycode")).unwrap_err();
        assert_eq!(missing_card, "the file has no column cardnumber for the card barcode");
        let missing_name = ColumnMapping::koha()
            .locate(&header("cardnumber,branchcode,categorycode"))
            .unwrap_err();
        assert_eq!(missing_name, "the file has none of the name columns (surname, firstname)");
        // Headers match without case or spaces; absent optional columns are left alone.
        let layout = ColumnMapping::koha()
            .locate(&header(" CardNumber ,Surname,BranchCode,CategoryCode"))
            .unwrap();
        let patron =
            layout.read(&CsvRecord { row: 2, fields: header("P1,Patel,CEN,ADULT") }).unwrap();
        assert_eq!(patron.email, Supplied::NotInFile);
        assert_eq!(patron.address, Supplied::NotInFile);
        assert_eq!(Supplied::NotInFile.or_keep(Some("kept")), Some("kept"));
        assert_eq!(Supplied::Given(None).or_keep(Some("kept")), None);
    }

    #[test]
    fn a_mapping_from_the_request_replaces_koha_and_is_checked() {
        let map = |column: &str, field| ColumnMap { column: column.into(), field };
        let mapping = ColumnMapping::new(vec![
            map("Card", PatronImportField::CardBarcode),
            map("Full name", PatronImportField::Name),
            map("Branch", PatronImportField::HomeBranchCode),
            map("Type", PatronImportField::PatronGroupCode),
            map("Expires", PatronImportField::ExpiresOn),
        ])
        .unwrap();
        let layout = mapping
            .locate(&records("Card,Full name,Branch,Type,Expires").remove(0).fields)
            .unwrap();
        let patron = layout.read(&CsvRecord {
            row: 2,
            fields: records("C1,  Ann   Reid ,EAS,CHILD,2027-13-40").remove(0).fields,
        });
        assert_eq!(patron.unwrap_err().message, "row 2: Expires 2027-13-40 is not a date");
        let twice = ColumnMapping::new(vec![
            map("a", PatronImportField::Email),
            map("b", PatronImportField::Email),
        ]);
        assert_eq!(twice.unwrap_err(), "email is mapped twice, from columns a and b");
        let same_column = ColumnMapping::new(vec![
            map("a", PatronImportField::Email),
            map(" A ", PatronImportField::Phone),
        ]);
        assert_eq!(same_column.unwrap_err(), "column A is mapped twice");
        let unnamed = ColumnMapping::new(vec![map(" ", PatronImportField::Email)]);
        assert_eq!(unnamed.unwrap_err(), "the column for email has no name");
    }

    #[test]
    fn a_card_repeated_in_the_file_is_a_problem_of_the_later_row() {
        let first = koha_row(2, "P1,Patel,Sam,,,,,,,CEN,ADULT,,").unwrap();
        let other = koha_row(3, "P2,Khan,Samira,,,,,,,CEN,ADULT,,").unwrap();
        let again = koha_row(4, "P1,Patel,Samuel,,,,,,,CEN,ADULT,,").unwrap();
        let (kept, problems) = first_row_of_each_card(vec![first, other, again]);
        assert_eq!(kept.iter().map(|patron| patron.row).collect::<Vec<_>>(), vec![2, 3]);
        assert_eq!(problems, vec![RowProblem::new(4, "card barcode P1 is on row 2 already")]);
    }
}
