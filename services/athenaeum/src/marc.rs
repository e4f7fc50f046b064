//! `athenaeum import-marc` and `athenaeum export-marc`: MARC files in and out of a
//! tenant's catalogue from the command line, on the same data folder or database the
//! server uses. Imports show a progress bar on a terminal and resume where they stopped
//! when run again on the same file; exports write to a temporary file renamed into place
//! at the end, so a stopped export never leaves a truncated file behind.

use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use athenaeum_auth::TenantScope;
use athenaeum_catalogue::CatalogueService;
use athenaeum_catalogue::api::{
    DecisionOutcome, ExportRecords, ImportMode, ImportOptions, MarcSyntax, MatchRule, OnMatch,
    PageRequest, RecordFilter, RecordKind,
};
use athenaeum_catalogue::export::MarcExport;
use athenaeum_catalogue::import::Ending;
use athenaeum_catalogue::store::ImportProgress;
use athenaeum_kernel::ServiceError;
use athenaeum_marc::Normalization;
use clap::{Args, ValueEnum};
use tokio::sync::watch;

use crate::Config;
use crate::app;
use crate::output::{api_failure, write_out};

/// What an import does with a record that matches one already in the catalogue.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum OnMatchArg {
    /// Replace the existing record's MARC (its items stay).
    Overlay,
    /// Keep the existing record.
    Skip,
}

/// A match rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum MatchArg {
    /// 001 with 003.
    Control,
    /// 035 system numbers.
    System,
    /// The sending system's own number, in the field --local-number-field names.
    Local,
    /// ISBNs.
    Isbn,
    /// The same content (a record imported again that has no number to match on).
    Content,
}

/// Flags of `import-marc`.
#[derive(Debug, Args)]
pub struct ImportArgs {
    /// The tenant's slug.
    #[arg(long)]
    pub tenant: String,
    /// MARC files: ISO 2709 or MARCXML, detected from their content.
    #[arg(required = true, value_name = "FILE")]
    pub files: Vec<PathBuf>,
    /// What to do with a record that matches one already there.
    #[arg(long, value_enum, default_value = "overlay")]
    pub on_match: OnMatchArg,
    /// Match rules to use, tried in the order control, system, local, isbn, content
    /// (repeat the flag; default: all of them).
    #[arg(long = "match", value_enum, value_name = "RULE")]
    pub match_on: Vec<MatchArg>,
    /// The field holding the sending system's own record number, for the local rule:
    /// `999$c` for a file from Koha, `901$c` from Evergreen.
    #[arg(long, value_name = "TAG$CODE")]
    pub local_number_field: Option<String>,
    /// Show what the import would do (new, overlaid and skipped records, by which rule,
    /// and the problems) without changing the catalogue.
    #[arg(long)]
    pub dry_run: bool,
    /// Treat every record as new (no matching).
    #[arg(long, conflicts_with = "match_on")]
    pub no_match: bool,
    /// Do not create items from embedded holdings fields (952, 852/876).
    #[arg(long)]
    pub no_items: bool,
    /// Refuse items whose branch, location or type codes the tenant does not have,
    /// instead of creating those codes.
    #[arg(long)]
    pub no_new_codes: bool,
    /// Print every problem, not just the first 20 of each file.
    #[arg(long)]
    pub all_problems: bool,
}

/// Export syntaxes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum SyntaxArg {
    /// A MARCXML collection.
    Marcxml,
    /// ISO 2709 ("binary MARC").
    Iso2709,
    /// A MARC-in-JSON array.
    Json,
}

/// Record kinds for filters.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum KindArg {
    /// Bibliographic records.
    Bibliographic,
    /// Authority records.
    Authority,
    /// Holdings records.
    Holdings,
}

/// Flags of `export-marc`.
#[derive(Debug, Args)]
pub struct ExportArgs {
    /// The tenant's slug.
    #[arg(long)]
    pub tenant: String,
    /// The output syntax.
    #[arg(long, value_enum, default_value = "marcxml")]
    pub syntax: SyntaxArg,
    /// Write here instead of standard output.
    #[arg(long, short)]
    pub output: Option<PathBuf>,
    /// Only records of this kind.
    #[arg(long, value_enum)]
    pub kind: Option<KindArg>,
    /// Only records of this format code (book, dvd, music_score, …).
    #[arg(long)]
    pub format: Option<String>,
    /// Only records changed at or after this time (RFC 3339, e.g. 2026-11-01T00:00:00Z).
    #[arg(long)]
    pub updated_since: Option<String>,
    /// Only these records (repeat the flag).
    #[arg(long = "id", value_name = "ID")]
    pub ids: Vec<String>,
    /// The Unicode form of the text: as each record was received (an unedited record
    /// comes back byte for byte), or every value composed (NFC) or decomposed (NFD).
    #[arg(long, value_enum, default_value = "as-received")]
    pub normalization: NormalizationArg,
}

/// Unicode forms for exports.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum NormalizationArg {
    /// As each record was received.
    AsReceived,
    /// Composed (NFC).
    Nfc,
    /// Decomposed (NFD).
    Nfd,
}

/// Resolves the tenant's slug to a scope through an operator token signed locally.
async fn tenant_scope(
    config: &Config,
    catalogue: &CatalogueService,
    slug: &str,
) -> anyhow::Result<TenantScope> {
    let (identity, _worker) = app::command_line_identity(config).await?;
    let tenant =
        identity.find_tenant_by_slug(slug).await.map_err(api_failure)?.with_context(|| {
            format!("no tenant has slug {slug:?}; create it with `athenaeum tenant create`")
        })?;
    let call = identity.command_line_call().map_err(api_failure)?;
    let token = call.token.unwrap_or_default();
    let caller = catalogue.verify(&token).map_err(api_failure)?;
    caller.operator_scope(&tenant.id).map_err(|error| anyhow::anyhow!(error.to_string()))
}

/// Resolves on the first Ctrl-C or SIGTERM by turning `stop` true.
fn stop_on_signal() -> watch::Receiver<bool> {
    let (sender, receiver) = watch::channel(false);
    tokio::spawn(async move {
        app::shutdown_signal().await;
        let _ = sender.send(true);
    });
    receiver
}

/// Runs `import-marc`.
pub async fn import(config: &Config, args: ImportArgs) -> anyhow::Result<()> {
    std::fs::create_dir_all(&config.data.dir)?;
    let catalogue = app::command_line_catalogue(config).await?;
    let scope = tenant_scope(config, &catalogue, &args.tenant).await?;
    let options = ImportOptions {
        on_match: match args.on_match {
            OnMatchArg::Overlay => OnMatch::Overlay,
            OnMatchArg::Skip => OnMatch::Skip,
        },
        match_on: if args.no_match {
            Vec::new()
        } else if args.match_on.is_empty() {
            MatchRule::ALL.to_vec()
        } else {
            let mut rules = Vec::new();
            for rule in &args.match_on {
                let rule = match rule {
                    MatchArg::Control => MatchRule::ControlNumber,
                    MatchArg::System => MatchRule::SystemNumber,
                    MatchArg::Local => MatchRule::LocalNumber,
                    MatchArg::Isbn => MatchRule::Isbn,
                    MatchArg::Content => MatchRule::Content,
                };
                if !rules.contains(&rule) {
                    rules.push(rule);
                }
            }
            rules
        },
        local_number_field: args.local_number_field.clone(),
        create_items: !args.no_items,
        create_missing_codes: !args.no_new_codes,
    };
    let stop = stop_on_signal();
    let mut totals = ImportProgress::default();
    let started = Instant::now();
    for path in &args.files {
        if *stop.borrow() {
            break;
        }
        let mode = if args.dry_run { ImportMode::Preview } else { ImportMode::Import };
        let file = ImportFile { path, options: &options, mode, all_problems: args.all_problems };
        let progress = import_file(&catalogue, &scope, file, stop.clone()).await?;
        add(&mut totals, &progress);
    }
    if args.files.len() > 1 {
        eprintln!("all files: {} in {}", summary(&totals), duration(started.elapsed()));
    }
    if *stop.borrow() {
        bail!("stopped; run the same command again to resume where it stopped");
    }
    Ok(())
}

/// One file of an `import-marc` run and how it runs.
struct ImportFile<'a> {
    path: &'a Path,
    options: &'a ImportOptions,
    mode: ImportMode,
    all_problems: bool,
}

async fn import_file(
    catalogue: &Arc<CatalogueService>,
    scope: &TenantScope,
    file: ImportFile<'_>,
    stop: watch::Receiver<bool>,
) -> anyhow::Result<ImportProgress> {
    let ImportFile { path, options, mode, all_problems } = file;
    let (job, resumed) =
        catalogue.local_import_job(scope, path, options, mode).await.map_err(|error| {
            anyhow::anyhow!("{}: {}", path.display(), error.into_api("command-line").message)
        })?;
    if resumed {
        eprintln!(
            "{}: resuming import {} after record {} (records up to there are already in the catalogue)",
            path.display(),
            job.id,
            job.next_position
        );
    }
    let reader = athenaeum_marc::RecordReader::open(path)
        .with_context(|| format!("opening {}", path.display()))?;
    let file_size = u64::try_from(job.file_size).unwrap_or(0).max(1);
    let show_bar = std::io::stderr().is_terminal();
    let started = Instant::now();
    let records_at_start = job.records_read;
    let label = path
        .file_name()
        .map_or_else(|| path.display().to_string(), |name| name.to_string_lossy().into_owned());
    let mut last_draw = Instant::now() - Duration::from_secs(1);
    let draw = move |progress: &ImportProgress| {
        if !show_bar || last_draw.elapsed() < Duration::from_millis(200) {
            return;
        }
        last_draw = Instant::now();
        let elapsed = started.elapsed().as_secs_f64().max(0.001);
        let rate = (progress.records_read - records_at_start) as f64 / elapsed;
        let done =
            (u64::try_from(progress.bytes_read).unwrap_or(0) as f64 / file_size as f64).min(1.0);
        let eta = if done > 0.0 { elapsed * (1.0 - done) / done } else { 0.0 };
        let width: u32 = 30;
        let filled = (done * f64::from(width)).round() as usize;
        let bar: String =
            "#".repeat(filled) + &"-".repeat(width as usize - filled.min(width as usize));
        eprint!(
            "\r{label}: [{bar}] {:>3.0}% {} records, {:.0}/s, ETA {}   ",
            done * 100.0,
            progress.records_read,
            rate,
            duration(Duration::from_secs_f64(eta))
        );
        let _ = std::io::stderr().flush();
    };
    let job_id = job.id.clone();
    let (ending, finished) =
        catalogue.run_job(scope, job, reader, stop, draw).await.map_err(|error| {
            anyhow::anyhow!("{}: {}", path.display(), error.into_api("command-line").message)
        })?;
    if show_bar {
        eprintln!();
    }
    let progress = ImportProgress::from(&finished);
    let elapsed = started.elapsed();
    let rate = (progress.records_read - records_at_start) as f64 / elapsed.as_secs_f64().max(0.001);
    let state = match (ending, mode) {
        (Ending::Completed, ImportMode::Import) => "imported",
        (Ending::Completed, ImportMode::Preview) => "previewed, nothing written; it would import",
        (Ending::Stopped, _) => "stopped",
    };
    write_out(&format!(
        "{}: {state}: {}; {} in {} ({rate:.0} records/s); import {job_id}",
        path.display(),
        summary(&progress),
        matches(&progress),
        duration(elapsed),
    ))?;
    if mode == ImportMode::Preview {
        print_matches(catalogue, scope, &job_id, all_problems).await?;
    }
    print_problems(catalogue, scope, &job_id, all_problems).await?;
    Ok(progress)
}

/// Says how many matches each rule found.
fn matches(progress: &ImportProgress) -> String {
    let rules = [
        ("001+003", progress.matched_by_control),
        ("035", progress.matched_by_system),
        ("local number", progress.matched_by_local),
        ("ISBN", progress.matched_by_isbn),
        ("content", progress.matched_by_content),
    ];
    let found: Vec<String> = rules
        .iter()
        .filter(|(_, count)| *count > 0)
        .map(|(rule, count)| format!("by {rule} {count}"))
        .collect();
    if found.is_empty() {
        "no matches".to_string()
    } else {
        format!("matched {}", found.join(", "))
    }
}

/// Lists the records a preview found already in the catalogue (overlaid or skipped), and
/// which rule found each.
async fn print_matches(
    catalogue: &CatalogueService,
    scope: &TenantScope,
    job_id: &str,
    all: bool,
) -> anyhow::Result<()> {
    let limit = if all { usize::MAX } else { 20 };
    let mut shown = 0;
    for outcome in [DecisionOutcome::Overlay, DecisionOutcome::Skip] {
        let mut after = None;
        loop {
            let page = catalogue
                .decisions_page(scope, job_id, Some(outcome), PageRequest { after, first: 100 })
                .await
                .map_err(|error| anyhow::anyhow!(error.into_api("command-line").message))?;
            for decision in &page.decisions {
                if shown >= limit {
                    eprintln!(
                        "  … more matches: run with --all-problems, or query importDecisions(jobId: \"{job_id}\")"
                    );
                    return Ok(());
                }
                let rule = decision.rule.map_or("?", MatchRule::as_str);
                let matched = match (&decision.matched_record_id, decision.matched_position) {
                    (_, Some(position)) => format!("record {position} of the file"),
                    (Some(id), None) => format!(
                        "{} ({})",
                        decision.matched_title.as_deref().unwrap_or("untitled"),
                        id.0
                    ),
                    (None, None) => "?".to_string(),
                };
                eprintln!(
                    "  record {} {:?} would {} {matched}, matched by {rule}",
                    decision.position,
                    decision.title.as_deref().unwrap_or("untitled"),
                    if outcome == DecisionOutcome::Overlay { "overlay" } else { "skip, keeping" },
                );
                shown += 1;
            }
            match page.decisions.last() {
                Some(last) if page.has_next_page => after = Some(last.cursor.clone()),
                _ => break,
            }
        }
    }
    Ok(())
}

async fn print_problems(
    catalogue: &CatalogueService,
    scope: &TenantScope,
    job_id: &str,
    all: bool,
) -> anyhow::Result<()> {
    let limit = if all { usize::MAX } else { 20 };
    let mut shown = 0;
    let mut after = None;
    loop {
        let page = catalogue
            .problems_page(scope, job_id, after.clone(), 100)
            .await
            .map_err(|error| anyhow::anyhow!(error.into_api("command-line").message))?;
        for problem in &page.problems {
            if shown >= limit {
                eprintln!(
                    "  … more problems: run with --all-problems, or query importProblems(jobId: \"{job_id}\")"
                );
                return Ok(());
            }
            let control = problem
                .control_number
                .as_deref()
                .map(|number| format!(" (001 {number})"))
                .unwrap_or_default();
            eprintln!(
                "  {:?} at record {}{control}, byte {}: {}",
                problem.severity, problem.position, problem.byte_offset, problem.message
            );
            shown += 1;
        }
        match page.problems.last() {
            Some(last) if page.has_next_page => after = Some(last.cursor.clone()),
            _ => return Ok(()),
        }
    }
}

fn add(totals: &mut ImportProgress, progress: &ImportProgress) {
    totals.records_read += progress.records_read;
    totals.records_new += progress.records_new;
    totals.records_overlaid += progress.records_overlaid;
    totals.records_skipped += progress.records_skipped;
    totals.records_failed += progress.records_failed;
    totals.items_created += progress.items_created;
    totals.items_failed += progress.items_failed;
    totals.warnings += progress.warnings;
}

fn summary(progress: &ImportProgress) -> String {
    format!(
        "read {}, new {}, overlaid {}, skipped {}, failed {}; items created {}, items failed {}; warnings {}",
        progress.records_read,
        progress.records_new,
        progress.records_overlaid,
        progress.records_skipped,
        progress.records_failed,
        progress.items_created,
        progress.items_failed,
        progress.warnings
    )
}

fn duration(elapsed: Duration) -> String {
    let seconds = elapsed.as_secs();
    if seconds >= 3600 {
        format!("{}:{:02}:{:02}", seconds / 3600, (seconds / 60) % 60, seconds % 60)
    } else if seconds >= 60 {
        format!("{}:{:02}", seconds / 60, seconds % 60)
    } else {
        format!("{:.1}s", elapsed.as_secs_f64())
    }
}

/// Runs `export-marc`.
pub async fn export(config: &Config, args: ExportArgs) -> anyhow::Result<()> {
    let catalogue = app::command_line_catalogue(config).await?;
    let scope = tenant_scope(config, &catalogue, &args.tenant).await?;
    let updated_since = match &args.updated_since {
        None => None,
        Some(text) => Some(
            chrono::DateTime::parse_from_rfc3339(text)
                .with_context(|| format!("--updated-since {text:?} is not an RFC 3339 time"))?
                .with_timezone(&chrono::Utc),
        ),
    };
    let filter = RecordFilter {
        ids: (!args.ids.is_empty())
            .then(|| args.ids.iter().cloned().map(async_graphql::ID).collect()),
        kind: args.kind.map(|kind| match kind {
            KindArg::Bibliographic => RecordKind::Bibliographic,
            KindArg::Authority => RecordKind::Authority,
            KindArg::Holdings => RecordKind::Holdings,
        }),
        format: args.format.clone(),
        control_number: None,
        updated_since,
        import_job_id: None,
    };
    let syntax = match args.syntax {
        SyntaxArg::Marcxml => MarcSyntax::MarcXml,
        SyntaxArg::Iso2709 => MarcSyntax::Iso2709,
        SyntaxArg::Json => MarcSyntax::MarcJson,
    };
    let (mut out, partial): (Box<dyn Write + Send>, Option<PathBuf>) = match &args.output {
        Some(path) => {
            let partial = path.with_extension("partial");
            let file = std::fs::File::create(&partial)
                .with_context(|| format!("creating {}", partial.display()))?;
            (Box::new(std::io::BufWriter::with_capacity(1 << 20, file)), Some(partial))
        }
        None => (Box::new(std::io::BufWriter::new(std::io::stdout())), None),
    };
    let mut export = MarcExport::new(syntax).with_normalization(match args.normalization {
        NormalizationArg::AsReceived => Normalization::AsReceived,
        NormalizationArg::Nfc => Normalization::Nfc,
        NormalizationArg::Nfd => Normalization::Nfd,
    });
    out.write_all(export.header())?;
    let mut after = None;
    loop {
        let page = catalogue
            .export_page(
                &scope,
                ExportRecords {
                    filter: filter.clone(),
                    page: PageRequest { after: after.clone(), first: 1_000 },
                },
            )
            .await
            .map_err(|error| anyhow::anyhow!(error.into_api("command-line").message))?;
        let mut bytes = Vec::new();
        for stored in &page.records {
            if let Err(reason) = export.write(stored, &mut bytes) {
                eprintln!("left out: {reason}");
            }
        }
        out.write_all(&bytes)?;
        match page.records.last() {
            Some(last) if page.has_next_page => after = Some(last.id.clone()),
            _ => break,
        }
    }
    out.write_all(&export.footer())?;
    out.flush()?;
    drop(out);
    if let (Some(partial), Some(path)) = (partial, &args.output) {
        std::fs::File::open(&partial)?.sync_all()?;
        std::fs::rename(&partial, path)
            .with_context(|| format!("renaming {} to {}", partial.display(), path.display()))?;
    }
    eprintln!(
        "exported {} records{}",
        export.written(),
        match export.left_out().len() {
            0 => String::new(),
            skipped => format!(", left out {skipped} (named above)"),
        }
    );
    Ok(())
}
