//! Where a search is measured (the tantivy level, end to end, PostgreSQL), each level's
//! figures, clients on plain threads, and the rows of each level's table.

use crate::mix::{Case, Mix, Workload};
use crate::support::figures::{self, Measurement, Tally, Window};
use crate::{CLIENT_COUNTS, Options};

/// Where a search is measured.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Level {
    /// `searcher::search` on the index in use.
    Tantivy,
    /// GraphQL over HTTP against the running application.
    EndToEnd,
    /// PostgreSQL full-text search.
    Postgres,
}

impl Level {
    fn title(self) -> &'static str {
        match self {
            Level::Tantivy => "tantivy level: searcher::search on the LiveIndex, plain threads",
            Level::EndToEnd => {
                "end to end: GraphQL over loopback HTTP, anonymous reader (tenant slug or \
                 EVERYWHERE), one keep-alive connection per client"
            }
            Level::Postgres => {
                "PostgreSQL baseline: websearch_to_tsquery('english', $1), ts_rank order, \
                 LIMIT 20, one connection per client"
            }
        }
    }
}

/// One level's measurements at one size.
pub struct LevelFigures {
    pub level: Level,
    pub measurements: Vec<Measurement<Workload>>,
}

impl LevelFigures {
    /// Measures every workload of the mix at each number of clients with `run`, which
    /// is given the workload, its cases and the number of clients; prints a row of each.
    pub async fn measure(
        level: Level,
        mix: &Mix,
        totals: &[(Case, u64)],
        mut run: impl AsyncFnMut(Workload, &[Case], usize) -> Measurement<Workload>,
    ) -> LevelFigures {
        let mut measurements = Vec::new();
        for workload in Workload::all() {
            let cases = mix.cases(workload);
            for clients in CLIENT_COUNTS {
                let measurement = run(workload, &cases, clients).await;
                print_row(&measurement, mean_matches(mix, totals, workload));
                measurements.push(measurement);
            }
        }
        LevelFigures { level, measurements }
    }

    pub fn find(&self, workload: Workload, clients: usize) -> Option<&Measurement<Workload>> {
        figures::find(&self.measurements, workload, clients)
    }

    /// Prints the first error of every measurement that had one.
    pub fn print_errors(&self) {
        figures::print_errors(&self.measurements, "  ");
    }
}

/// Opens the window of a measurement of `cases` (see [`Window`]).
pub fn measurement_window(options: Options, cases: &[Case]) -> Window {
    Window::new(options.warm_up(), options.measured(), cases.len())
}

/// Runs `cases` from `clients` threads, each with its own client state, through the
/// warm-up and the measured window (see [`Window`]); every search that starts within the
/// window counts. Each client starts at its own place in `cases`.
pub fn measure_threads<C: Send>(
    cases: &[Case],
    clients: Vec<C>,
    window: &Window,
    search: &(dyn Fn(&mut C, &Case) -> Result<u64, String> + Sync),
) -> Tally {
    let count = clients.len();
    let mut tally = Tally::default();
    std::thread::scope(|scope| {
        let running: Vec<_> = clients
            .into_iter()
            .enumerate()
            .map(|(index, mut client)| {
                scope.spawn(move || {
                    let mut next = index * cases.len() / count.max(1);
                    figures::drive(window, || {
                        let case = &cases[next % cases.len()];
                        next += 1;
                        search(&mut client, case)
                    })
                })
            })
            .collect();
        for client in running {
            tally.absorb(client.join().expect("a client thread ran to the end"));
        }
    });
    tally
}

/// The table of each level's figures.
const TABLE: figures::Table = figures::Table {
    indent: "  ",
    workload_width: 24,
    requests: "searches",
    rate: ("searches/s", 11),
    latency_width: 9,
    decimals: 2,
    extra: Some(("matches", 10)),
};

pub fn print_level_header(level: Level) {
    println!("\n{}", level.title());
    println!("{}", TABLE.header());
}

/// Prints a row; `matches` is the mean number of records the workload's queries match.
pub fn print_row(measurement: &Measurement<Workload>, matches: Option<f64>) {
    println!("{}", TABLE.row(measurement, matches.map(|mean| format!("{mean:.0}"))));
}

/// Mean matches of the workload's cases, from a pre-pass's per-case totals.
pub fn mean_matches(mix: &Mix, totals: &[(Case, u64)], workload: Workload) -> Option<f64> {
    let cases = mix.cases(workload);
    let found: Vec<u64> = cases
        .iter()
        .filter_map(|case| totals.iter().find(|(known, _)| known == case).map(|(_, total)| *total))
        .collect();
    (!found.is_empty()).then(|| found.iter().sum::<u64>() as f64 / found.len() as f64)
}
