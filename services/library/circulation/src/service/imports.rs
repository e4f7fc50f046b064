//! Importing patrons from a CSV file: the domain reads the rows, this room looks their
//! branch and group codes up in the library and creates or updates patrons, one
//! transaction per chunk of rows so a bad row never costs the others. It holds no
//! parsing rules and never touches another library's patrons.

use athenaeum_auth::TenantScope;
use athenaeum_catalogue::desk::{self, DeskBranch};
use athenaeum_db::DbConnection;
use athenaeum_kernel::{Timestamp, new_id};
use athenaeum_transport::Call;

use super::{CirculationService, Outcome, refusal};
use crate::api::*;
use crate::domain::patron_import::{
    ColumnMapping, ImportedPatron, RowProblem, first_row_of_each_card, parse_csv,
};
use crate::domain::values;
use crate::error::CirculationError;
use crate::store::{self, PatronGroupRow, PatronRow};

/// Rows written per transaction: small enough that a chunk holds SQLite's write lock
/// only briefly, large enough that a big file is not thousands of commits.
const CHUNK_ROWS: usize = 500;

/// The headers of the code columns, for problems that name them.
#[derive(Debug, Clone)]
struct CodeHeadings {
    branch: String,
    group: String,
}

/// What importing some rows came to.
#[derive(Debug, Default)]
struct Tally {
    created: u32,
    updated: u32,
    unchanged: u32,
    problems: Vec<RowProblem>,
}

impl Tally {
    fn add(&mut self, other: Tally) {
        self.created += other.created;
        self.updated += other.updated;
        self.unchanged += other.unchanged;
        self.problems.extend(other.problems);
    }
}

/// What one row does to the library.
enum Change {
    Create(PatronRow),
    Update { row: PatronRow, version: i32 },
    Unchanged,
}

impl CirculationService {
    pub(super) async fn import_patrons_as(
        &self,
        call: &Call,
        request: ImportPatrons,
    ) -> Outcome<PatronImportReport> {
        let now = self.now();
        let (_, scope) = self.staff(call)?;
        if request.csv.len() > MOST_IMPORT_BYTES {
            return Err(refusal(
                "csv",
                format!(
                    "the file is {} bytes; an import takes at most 20 MB: split it and import the parts",
                    request.csv.len()
                ),
            ));
        }
        let mapping = match request.mapping {
            Some(columns) => {
                ColumnMapping::new(columns).map_err(|message| refusal("mapping", message))?
            }
            None => ColumnMapping::koha(),
        };
        let mut records = parse_csv(&request.csv).into_iter();
        let header = match records.next() {
            None => {
                return Err(refusal(
                    "csv",
                    "the file is empty: it needs a header row and then a row per patron",
                ));
            }
            Some(Err(problem)) => return Err(refusal("csv", problem.message)),
            Some(Ok(header)) => header,
        };
        let layout = mapping.locate(&header.fields).map_err(|message| refusal("csv", message))?;
        let headings = CodeHeadings {
            branch: layout.heading(PatronImportField::HomeBranchCode).unwrap_or_default().into(),
            group: layout.heading(PatronImportField::PatronGroupCode).unwrap_or_default().into(),
        };

        let mut rows_read: u32 = 0;
        let mut tally = Tally::default();
        let mut patrons = Vec::new();
        for record in records {
            rows_read = rows_read.saturating_add(1);
            match record.and_then(|record| layout.read(&record)) {
                Ok(patron) => patrons.push(patron),
                Err(problem) => tally.problems.push(problem),
            }
        }
        let (patrons, repeated) = first_row_of_each_card(patrons);
        tally.problems.extend(repeated);

        let mut rest = patrons.into_iter().peekable();
        while rest.peek().is_some() {
            let chunk: Vec<ImportedPatron> = rest.by_ref().take(CHUNK_ROWS).collect();
            let done = if request.dry_run {
                self.plan_chunk(&scope, chunk, &headings, now).await?
            } else {
                self.import_chunk(&scope, chunk, &headings, now).await?
            };
            tally.add(done);
        }

        let failed = u32::try_from(tally.problems.len()).unwrap_or(u32::MAX);
        let mut problems = tally.problems;
        problems.sort_by_key(|problem| problem.row);
        problems.truncate(MOST_IMPORT_PROBLEMS);
        tracing::info!(
            tenant = scope.tenant_id(),
            rows_read,
            created = tally.created,
            updated = tally.updated,
            unchanged = tally.unchanged,
            failed,
            dry_run = request.dry_run,
            "patron import done"
        );
        Ok(PatronImportReport {
            rows_read,
            created: tally.created,
            updated: tally.updated,
            unchanged: tally.unchanged,
            failed,
            problems: problems
                .into_iter()
                .map(|problem| PatronImportProblem { row: problem.row, message: problem.message })
                .collect(),
            dry_run: request.dry_run,
        })
    }

    /// Says what a chunk of rows would do, changing nothing.
    async fn plan_chunk(
        &self,
        scope: &TenantScope,
        chunk: Vec<ImportedPatron>,
        headings: &CodeHeadings,
        now: Timestamp,
    ) -> Outcome<Tally> {
        let scope = scope.clone();
        let headings = headings.clone();
        self.library
            .read(move |connection| apply_rows(connection, &scope, &chunk, &headings, now, false))
            .await
    }

    /// Imports a chunk of rows in one transaction. Should a card be taken by someone
    /// else between the check and the insert (a desk saving a patron meanwhile), the
    /// chunk is rolled back and its rows are imported one transaction each, so only
    /// that row fails.
    async fn import_chunk(
        &self,
        scope: &TenantScope,
        chunk: Vec<ImportedPatron>,
        headings: &CodeHeadings,
        now: Timestamp,
    ) -> Outcome<Tally> {
        match self.write_rows(scope, chunk.clone(), headings, now).await {
            Err(CirculationError::Database(error)) if error.is_unique_violation() => {}
            outcome => return outcome,
        }
        let mut tally = Tally::default();
        for patron in chunk {
            let row = patron.row;
            let card = patron.card.clone();
            match self.write_rows(scope, vec![patron], headings, now).await {
                Ok(done) => tally.add(done),
                Err(CirculationError::Database(error)) if error.is_unique_violation() => {
                    tally.problems.push(RowProblem::new(
                        row,
                        format!("card barcode {card} belongs to another patron of the library"),
                    ));
                }
                Err(error) => return Err(error),
            }
        }
        Ok(tally)
    }

    async fn write_rows(
        &self,
        scope: &TenantScope,
        rows: Vec<ImportedPatron>,
        headings: &CodeHeadings,
        now: Timestamp,
    ) -> Outcome<Tally> {
        let scope = scope.clone();
        let headings = headings.clone();
        self.library
            .write(move |transaction| apply_rows(transaction, &scope, &rows, &headings, now, true))
            .await
    }
}

/// Works out, and when `write` makes, each row's change: rows whose codes the library
/// does not know, or whose patron changed meanwhile, become problems.
fn apply_rows(
    connection: &mut DbConnection,
    scope: &TenantScope,
    rows: &[ImportedPatron],
    headings: &CodeHeadings,
    now: Timestamp,
    write: bool,
) -> Outcome<Tally> {
    let branches = desk::branches(connection, scope)?;
    let groups = store::patron_groups(connection, scope)?;
    let mut tally = Tally::default();
    for patron in rows {
        let change = match change_for(connection, scope, patron, &branches, &groups, headings, now)?
        {
            Ok(change) => change,
            Err(problem) => {
                tally.problems.push(problem);
                continue;
            }
        };
        match change {
            Change::Unchanged => tally.unchanged += 1,
            Change::Create(row) => {
                if write {
                    store::insert_patron(connection, scope, &row)?;
                    store::replace_cards(
                        connection,
                        scope,
                        &row.id,
                        std::slice::from_ref(&patron.card),
                        now,
                    )?;
                }
                tally.created += 1;
            }
            Change::Update { row, version } => {
                if write && store::update_patron(connection, scope, &row, version)? == 0 {
                    tally.problems.push(RowProblem::new(
                        patron.row,
                        format!(
                            "patron {} (card barcode {}) was changed while the import ran; import the file again",
                            row.name, patron.card
                        ),
                    ));
                    continue;
                }
                tally.updated += 1;
            }
        }
    }
    Ok(tally)
}

/// Returns what a row does: update the patron its card names (keeping their id,
/// status, cards, online account and history setting), create one, or nothing when
/// the patron is already as the row says. A problem when a code is unknown; an error
/// only when the database fails.
fn change_for(
    connection: &mut DbConnection,
    scope: &TenantScope,
    patron: &ImportedPatron,
    branches: &[DeskBranch],
    groups: &[PatronGroupRow],
    headings: &CodeHeadings,
    now: Timestamp,
) -> Outcome<Result<Change, RowProblem>> {
    let Some(branch) =
        branches.iter().find(|branch| branch.code.eq_ignore_ascii_case(&patron.branch_code))
    else {
        return Ok(Err(RowProblem::new(
            patron.row,
            format!(
                "{} {} is not a branch code of this library",
                headings.branch, patron.branch_code
            ),
        )));
    };
    let Some(group) =
        groups.iter().find(|group| group.code.eq_ignore_ascii_case(&patron.group_code))
    else {
        return Ok(Err(RowProblem::new(
            patron.row,
            format!(
                "{} {} is not a patron group code of this library",
                headings.group, patron.group_code
            ),
        )));
    };
    let existing = match store::find_patron_id_by_card(connection, scope, &patron.card)? {
        Some(id) => store::find_patron(connection, scope, &id)?,
        None => None,
    };
    let Some(existing) = existing else {
        return Ok(Ok(Change::Create(PatronRow {
            id: new_id(),
            name_key: values::name_key(&patron.name),
            name: patron.name.clone(),
            email: patron.email.clone().or_keep(None),
            phone: patron.phone.clone().or_keep(None),
            address: patron.address.clone().or_keep(None),
            home_branch_id: branch.id.clone(),
            patron_group_id: group.id.clone(),
            expires_on: patron.expires_on.clone().or_keep(None),
            staff_note: patron.staff_note.clone().or_keep(None),
            status: PatronStatus::Active,
            account_id: None,
            keep_history: false,
            version: 1,
            created_at: now,
            updated_at: now,
        })));
    };
    let row = PatronRow {
        name_key: values::name_key(&patron.name),
        name: patron.name.clone(),
        email: patron.email.clone().or_keep(existing.email.clone()),
        phone: patron.phone.clone().or_keep(existing.phone.clone()),
        address: patron.address.clone().or_keep(existing.address.clone()),
        home_branch_id: branch.id.clone(),
        patron_group_id: group.id.clone(),
        expires_on: patron.expires_on.clone().or_keep(existing.expires_on),
        staff_note: patron.staff_note.clone().or_keep(existing.staff_note.clone()),
        version: existing.version + 1,
        updated_at: now,
        ..existing.clone()
    };
    let same =
        PatronRow { version: existing.version, updated_at: existing.updated_at, ..row.clone() };
    if same == existing {
        return Ok(Ok(Change::Unchanged));
    }
    Ok(Ok(Change::Update { row, version: existing.version }))
}
