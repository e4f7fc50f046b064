//! The PostgreSQL baseline: the same descriptions in a table with a weighted tsvector
//! and a GIN index, searched with `websearch_to_tsquery` ranked by `ts_rank`.

use std::sync::Arc;
use std::time::{Duration, Instant};

use athenaeum_auth::TokenIssuer;
use athenaeum_catalogue::api::{IndexRecord, ScanIndexRecords};
use athenaeum_catalogue::{CatalogueApi, CatalogueService};
use athenaeum_marc::describe::{Description, RecordKind};
use athenaeum_search::api::FacetName;
use athenaeum_transport::Call;
use diesel::connection::SimpleConnection;
use diesel::sql_types::{Array, BigInt, Float4, Integer, Nullable, Text};
use diesel::{Connection, PgConnection, QueryableByName, RunQueryDsl};

use crate::Options;
use crate::level::{Level, LevelFigures, measure_threads, measurement_window, print_level_header};
use crate::mix::{Case, Kind, Mix, Workload};
use crate::support::figures::Measurement;

/// A database of its own on the server, dropped at the end.
pub struct Server {
    admin_url: String,
    name: String,
    pub url: String,
}

impl Server {
    /// Creates the benchmark's database on the server `admin_url` names.
    pub fn create(admin_url: &str) -> Server {
        let mut admin = PgConnection::establish(admin_url).expect("the PostgreSQL server answers");
        let name = format!("athenaeum_search_bench_{}", std::process::id());
        admin
            .batch_execute(&format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"))
            .expect("drop a leftover benchmark database");
        admin
            .batch_execute(&format!("CREATE DATABASE \"{name}\""))
            .expect("create the benchmark database");
        let (without_query, query) = match admin_url.split_once('?') {
            Some((head, query)) => (head, format!("?{query}")),
            None => (admin_url, String::new()),
        };
        let base = without_query.rsplit_once('/').map_or(without_query, |(base, _)| base);
        let url = format!("{base}/{name}{query}");
        Server { admin_url: admin_url.to_string(), name, url }
    }

    pub fn connect(&self) -> PgConnection {
        PgConnection::establish(&self.url).expect("the benchmark database answers")
    }

    /// The server's version and the settings its figures depend on.
    pub fn settings(&self) -> String {
        #[derive(QueryableByName)]
        struct Settings {
            #[diesel(sql_type = Text)]
            settings: String,
        }
        let found: Settings = diesel::sql_query(
            "SELECT current_setting('server_version') || ': shared_buffers=' \
             || current_setting('shared_buffers') || ', work_mem=' \
             || current_setting('work_mem') || ', maintenance_work_mem=' \
             || current_setting('maintenance_work_mem') || ', fsync=' \
             || current_setting('fsync') || ', jit=' || current_setting('jit') AS settings",
        )
        .get_result(&mut self.connect())
        .expect("PostgreSQL shows its settings");
        found.settings
    }

    /// The table's size with its indexes, in bytes.
    pub fn size(&self) -> i64 {
        #[derive(QueryableByName)]
        struct Size {
            #[diesel(sql_type = BigInt)]
            bytes: i64,
        }
        diesel::sql_query("SELECT pg_total_relation_size('search_docs') AS bytes")
            .get_result::<Size>(&mut self.connect())
            .map_or(0, |size| size.bytes)
    }

    pub fn drop_database(self) {
        if let Ok(mut admin) = PgConnection::establish(&self.admin_url) {
            let _ = admin
                .batch_execute(&format!("DROP DATABASE IF EXISTS \"{}\" WITH (FORCE)", self.name));
        }
    }
}

const CREATE_TABLE: &str = "CREATE TABLE search_docs (
    id text PRIMARY KEY,
    title text NOT NULL,
    other_titles text NOT NULL,
    authors text NOT NULL,
    subjects text NOT NULL,
    series text NOT NULL,
    publishers text NOT NULL,
    notes text NOT NULL,
    format text NOT NULL,
    languages text[] NOT NULL,
    year integer,
    work_key text NOT NULL,
    tsv tsvector GENERATED ALWAYS AS (
        setweight(to_tsvector('english', title), 'A')
        || setweight(
            to_tsvector('english', other_titles || ' ' || authors || ' ' || subjects), 'B')
        || setweight(to_tsvector('english', series || ' ' || publishers || ' ' || notes), 'C')
    ) STORED
)";

const INSERT: &str = "INSERT INTO search_docs
    (id, title, other_titles, authors, subjects, series, publishers, notes, format,
     languages, year, work_key)
    SELECT id, title, other_titles, authors, subjects, series, publishers, notes, format,
           string_to_array(languages, ' '), year, work_key
    FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[],
                $7::text[], $8::text[], $9::text[], $10::text[], $11::integer[],
                $12::text[])
         AS t(id, title, other_titles, authors, subjects, series, publishers, notes,
              format, languages, year, work_key)";

const CREATE_INDEX: &str = "CREATE INDEX search_docs_tsv ON search_docs USING gin (tsv)";

/// A batch of rows, by column.
#[derive(Default)]
struct Batch {
    id: Vec<String>,
    title: Vec<String>,
    other_titles: Vec<String>,
    authors: Vec<String>,
    subjects: Vec<String>,
    series: Vec<String>,
    publishers: Vec<String>,
    notes: Vec<String>,
    format: Vec<String>,
    languages: Vec<String>,
    year: Vec<Option<i32>>,
    work_key: Vec<String>,
}

impl Batch {
    pub fn len(&self) -> usize {
        self.id.len()
    }

    /// Adds a record's row from its stored description, as the index takes it.
    pub fn push(&mut self, record_id: &str, description: &Description) {
        let join = |parts: Vec<&str>| parts.join(" ");
        let title = description.title.as_ref();
        self.id.push(record_id.to_string());
        self.title.push(title.map(|title| title.display.clone()).unwrap_or_default());
        let mut others: Vec<&str> =
            description.alternate_titles.iter().map(|alternate| alternate.title.as_str()).collect();
        if let Some(uniform) = &description.uniform_title {
            others.push(&uniform.title);
        }
        if let Some(alternate) = title.and_then(|title| title.display_alternate.as_deref()) {
            others.push(alternate);
        }
        self.other_titles.push(join(others));
        self.authors
            .push(join(description.contributors.iter().map(|name| name.name.as_str()).collect()));
        self.subjects.push(join(
            description.subjects.iter().map(|subject| subject.heading.as_str()).collect(),
        ));
        self.series
            .push(join(description.series.iter().map(|series| series.title.as_str()).collect()));
        let publication = &description.publication;
        self.publishers.push(join(
            publication.publishers.iter().chain(&publication.places).map(String::as_str).collect(),
        ));
        self.notes.push(join(
            description
                .notes
                .iter()
                .map(|note| note.text.as_str())
                .chain(description.summaries.iter().map(String::as_str))
                .chain(description.contents.iter().map(String::as_str))
                .chain(description.edition.as_deref())
                .collect(),
        ));
        self.format.push(athenaeum_search::document::format_value(description.format));
        self.languages.push(description.languages.join(" "));
        self.year.push(publication.year.map(i32::from));
        // Records without a work key are works of their own, as in union search.
        self.work_key
            .push(description.work_key.clone().unwrap_or_else(|| format!("\u{0}{record_id}")));
    }

    pub fn insert(self, connection: &mut PgConnection) {
        diesel::sql_query(INSERT)
            .bind::<Array<Text>, _>(self.id)
            .bind::<Array<Text>, _>(self.title)
            .bind::<Array<Text>, _>(self.other_titles)
            .bind::<Array<Text>, _>(self.authors)
            .bind::<Array<Text>, _>(self.subjects)
            .bind::<Array<Text>, _>(self.series)
            .bind::<Array<Text>, _>(self.publishers)
            .bind::<Array<Text>, _>(self.notes)
            .bind::<Array<Text>, _>(self.format)
            .bind::<Array<Text>, _>(self.languages)
            .bind::<Array<Nullable<Integer>>, _>(self.year)
            .bind::<Array<Text>, _>(self.work_key)
            .execute(connection)
            .expect("insert a batch of rows");
    }
}

const HITS: &str = "SELECT id, title, authors, year, ts_rank(tsv, query) AS rank
    FROM search_docs, websearch_to_tsquery('english', $1) AS query
    WHERE tsv @@ query";
const WORKS: &str = "SELECT work_key, max(ts_rank(tsv, query)) AS rank, count(*) AS records
    FROM search_docs, websearch_to_tsquery('english', $1) AS query
    WHERE tsv @@ query
    GROUP BY work_key ORDER BY rank DESC LIMIT 20";
const COUNT: &str = "SELECT count(*) AS count
    FROM search_docs, websearch_to_tsquery('english', $1) AS query
    WHERE tsv @@ query";
const FORMAT_FILTER: &str = " AND format = $2";
const LANGUAGE_FILTER: &str = " AND $2 = ANY(languages)";
const TOP: &str = " ORDER BY rank DESC LIMIT 20";

#[derive(QueryableByName)]
struct Hit {
    #[diesel(sql_type = Text)]
    id: String,
    #[diesel(sql_type = Text)]
    title: String,
    #[diesel(sql_type = Text)]
    authors: String,
    #[diesel(sql_type = Nullable<Integer>)]
    year: Option<i32>,
    #[diesel(sql_type = Float4)]
    rank: f32,
}

#[derive(QueryableByName)]
struct Work {
    #[diesel(sql_type = Text)]
    work_key: String,
    #[diesel(sql_type = Float4)]
    rank: f32,
    #[diesel(sql_type = BigInt)]
    records: i64,
}

#[derive(QueryableByName)]
struct Count {
    #[diesel(sql_type = BigInt)]
    count: i64,
}

fn filter_sql(case: &Case) -> Option<(&'static str, &str)> {
    case.filter.as_ref().map(|filter| match filter.facet {
        FacetName::Language => (LANGUAGE_FILTER, filter.value.as_str()),
        _ => (FORMAT_FILTER, filter.value.as_str()),
    })
}

fn count(connection: &mut PgConnection, case: &Case) -> Result<u64, String> {
    let found = match filter_sql(case) {
        Some((filter, value)) => diesel::sql_query(format!("{COUNT}{filter}"))
            .bind::<Text, _>(&case.text)
            .bind::<Text, _>(value)
            .get_result::<Count>(connection),
        None => diesel::sql_query(COUNT).bind::<Text, _>(&case.text).get_result(connection),
    };
    found.map(|found| u64::try_from(found.count).unwrap_or(0)).map_err(|error| error.to_string())
}

/// Counts every record the case matches (the pre-pass; not timed).
fn matches(connection: &mut PgConnection, case: &Case) -> Result<u64, String> {
    count(connection, case)
}

/// Runs one search as a results page would: the top 20 by rank; with a filter, also
/// the count of matching records; for union search, the top 20 works.
fn search(connection: &mut PgConnection, case: &Case) -> Result<u64, String> {
    let error = |error: diesel::result::Error| error.to_string();
    match case.kind {
        Kind::Union => {
            let works: Vec<Work> = diesel::sql_query(WORKS)
                .bind::<Text, _>(&case.text)
                .load(connection)
                .map_err(error)?;
            let shown = works
                .iter()
                .filter(|work| !work.work_key.is_empty() && work.rank >= 0.0 && work.records > 0)
                .count();
            Ok(shown as u64)
        }
        _ => {
            let hits: Vec<Hit> = match filter_sql(case) {
                Some((filter, value)) => diesel::sql_query(format!("{HITS}{filter}{TOP}"))
                    .bind::<Text, _>(&case.text)
                    .bind::<Text, _>(value)
                    .load(connection),
                None => diesel::sql_query(format!("{HITS}{TOP}"))
                    .bind::<Text, _>(&case.text)
                    .load(connection),
            }
            .map_err(error)?;
            let shown = hits
                .iter()
                .filter(|hit| {
                    !hit.id.is_empty()
                        && hit.title.len() + hit.authors.len() > 0
                        && hit.year.is_none_or(|year| year > 0)
                        && hit.rank >= 0.0
                })
                .count();
            if case.filter.is_some() {
                return count(connection, case);
            }
            Ok(shown as u64)
        }
    }
}

/// The PostgreSQL baseline's load.
pub struct PostgresLoad {
    pub server: Server,
    pub rows: usize,
    pub load: Duration,
    pub index: Duration,
}

/// Loads every description the catalogue holds into PostgreSQL, read through the
/// catalogue API as the search service's rebuild reads them, then builds the GIN index.
pub fn load_postgres(
    admin_url: &str,
    catalogue: &Arc<CatalogueService>,
    issuer: &TokenIssuer,
    runtime: &tokio::runtime::Handle,
) -> PostgresLoad {
    let server = Server::create(admin_url);
    let mut connection = server.connect();
    connection.batch_execute(CREATE_TABLE).expect("create the table");
    let started = Instant::now();
    let mut last_report = Instant::now();
    let mut after_id = None;
    let mut rows = 0;
    loop {
        let call = Call::anonymous()
            .with_token(issuer.issue_service("search").expect("a service token").token);
        let page = runtime
            .block_on(catalogue.scan_index_records(
                &call,
                ScanIndexRecords { tenant_id: None, after_id: after_id.clone(), limit: 1_000 },
            ))
            .expect("the catalogue scans its records");
        after_id = page.records.last().map(|record: &IndexRecord| record.record_id.clone());
        let mut batch = Batch::default();
        for record in &page.records {
            let Ok(description) = serde_json::from_str::<Description>(&record.description) else {
                continue;
            };
            if description.kind == RecordKind::Bibliographic {
                batch.push(&record.record_id, &description);
            }
        }
        rows += batch.len();
        batch.insert(&mut connection);
        if last_report.elapsed() >= Duration::from_secs(10) {
            eprintln!("  PostgreSQL load: {rows} rows in {:.0} s", started.elapsed().as_secs_f64());
            last_report = Instant::now();
        }
        if !page.has_next_page || after_id.is_none() {
            break;
        }
    }
    let load = started.elapsed();
    let started = Instant::now();
    connection.batch_execute(CREATE_INDEX).expect("build the GIN index");
    connection.batch_execute("VACUUM ANALYZE search_docs").expect("vacuum and analyse");
    PostgresLoad { server, rows, load, index: started.elapsed() }
}

/// Measures every workload of the mix on `server`, one connection per client.
pub async fn measure_postgres(server: &Server, mix: &Mix, options: Options) -> LevelFigures {
    let mut connection = server.connect();
    let mut totals = Vec::new();
    let mut problems = Vec::new();
    for case in mix.cases(Workload::Mix) {
        match matches(&mut connection, &case) {
            Ok(total) => totals.push((case, total)),
            Err(problem) => problems.push(format!("{:?}: {problem}", case.text)),
        }
    }
    print_level_header(Level::Postgres);
    println!(
        "  (faceted: the top 20 and the count of matching records; union: the top 20 work \
         keys by best rank, with their record counts; matches: count(*) in a pre-pass)"
    );
    if !problems.is_empty() {
        println!(
            "  NOTE: {} queries failed in the pre-pass: {}",
            problems.len(),
            problems.join("; ")
        );
    }
    let run = |connection: &mut PgConnection, case: &Case| search(connection, case);
    let figures =
        LevelFigures::measure(Level::Postgres, mix, &totals, async |workload, cases, clients| {
            let connections: Vec<_> = (0..clients).map(|_| server.connect()).collect();
            let window = measurement_window(options, cases);
            let tally =
                tokio::task::block_in_place(|| measure_threads(cases, connections, &window, &run));
            Measurement::new(workload, clients, window.measured(&tally), tally)
        })
        .await;
    figures.print_errors();
    figures
}
