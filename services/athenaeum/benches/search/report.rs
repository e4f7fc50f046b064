//! The report: the preamble that says what is measured and how, and the goals beside
//! the figures of the largest size measured.

use crate::level::{Level, LevelFigures};
use crate::mix::{Kind, Mix, QUERIES_PER_KIND, SEED, Workload};
use crate::support::POSTGRES_URL_VARIABLE;
use crate::support::figures::{self, Labelled, Measurement};
use crate::{CLIENT_COUNTS, Options, PAGE};

/// The goals the figures are read against.
const GOAL_P95_MS: f64 = 50.0;
const GOAL_THROUGHPUT: f64 = 200.0;
const GOAL_OVERHEAD: f64 = 1.5;

/// Prints what the run measures and how, with examples of each kind of query.
pub fn print_preamble(options: Options, mix: &Mix, postgres: bool) {
    println!("Athenaeum search benchmark: index build, tantivy level, end to end, PostgreSQL FTS");
    figures::print_machine("the clients share");
    println!(
        "each workload: {:.1} s warm-up (not recorded), then {} s measured (longer when it \
         takes longer to run each of its queries once), at {} concurrent clients; latency: \
         nearest-rank percentiles of successful searches; searches/s counts successful \
         searches only, over the time measured; matches: mean records a query matches",
        options.warm_up().as_secs_f64(),
        options.seconds,
        CLIENT_COUNTS.map(|count| count.to_string()).join(" and ")
    );
    println!(
        "query mix: {} queries per kind from the titles of the source file (seed {SEED:#x}), \
         first {PAGE} results; faceted and union as described in the module documentation; e.g.",
        QUERIES_PER_KIND
    );
    for kind in Kind::ALL {
        let examples: Vec<String> = mix
            .cases(Workload::Only(kind))
            .iter()
            .take(3)
            .map(|case| match &case.filter {
                Some(filter) => format!("{} [{:?}={}]", case.text, filter.facet, filter.value),
                None => case.text.clone(),
            })
            .collect();
        println!("  {:<20} {}", kind.label(), examples.join(" | "));
    }
    if !postgres {
        println!(
            "PostgreSQL baseline: skipped, {POSTGRES_URL_VARIABLE} is not set (point it at a \
             server's maintenance database, as ./scripts/test does)"
        );
    }
}

/// What one size's run found, for the goals.
pub struct SizeReport {
    pub records: u64,
    pub levels: Vec<LevelFigures>,
}

impl SizeReport {
    fn level(&self, level: Level) -> Option<&LevelFigures> {
        self.levels.iter().find(|figures| figures.level == level)
    }
}

fn verdict(met: bool) -> &'static str {
    if met { "met" } else { "NOT met" }
}

/// Prints a table line without the padding its last column leaves.
fn print_trimmed(line: &str) {
    println!("{}", line.trim_end());
}

/// Prints the goals beside the figures of the largest size measured: end to end is
/// GraphQL over HTTP, on the mix of every kind.
pub fn print_goals(report: &SizeReport, full_size: bool) {
    println!("\n=== goals, at {} records ===", report.records);
    if !full_size {
        println!(
            "(the goals are for 1,000,000 records; this run measured {} only, so these lines \
             are for orientation)",
            report.records
        );
    }
    let (Some(tantivy), Some(end_to_end)) =
        (report.level(Level::Tantivy), report.level(Level::EndToEnd))
    else {
        println!("(no figures)");
        return;
    };
    let p95 = |figures: &LevelFigures, workload, clients| {
        figures.find(workload, clients).and_then(Measurement::p95_ms)
    };
    let cell = |value: Option<f64>, unit: &str, met: &dyn Fn(f64) -> bool| {
        value.map_or_else(
            || "-".to_string(),
            |value| format!("{value:>8.2} {unit:<4} {:<7}", verdict(met(value))),
        )
    };
    print_trimmed(&format!(
        "  {:<46} {:<22} {:<22}",
        "goal (mix of all kinds)", "1 client", "16 clients"
    ));
    let latency: Vec<String> = CLIENT_COUNTS
        .iter()
        .map(|&clients| {
            cell(p95(end_to_end, Workload::Mix, clients), "ms", &|value| value < GOAL_P95_MS)
        })
        .collect();
    print_trimmed(&format!(
        "  {:<46} {:<22} {:<22}",
        format!("end-to-end p95 < {GOAL_P95_MS:.0} ms"),
        latency[0],
        latency[1]
    ));
    let throughput: Vec<String> = CLIENT_COUNTS
        .iter()
        .map(|&clients| {
            let rate = end_to_end.find(Workload::Mix, clients).map(Measurement::throughput);
            cell(rate, "/s", &|value| value >= GOAL_THROUGHPUT)
        })
        .collect();
    print_trimmed(&format!(
        "  {:<46} {:<22} {:<22}",
        format!("end-to-end >= {GOAL_THROUGHPUT:.0} searches/s"),
        throughput[0],
        throughput[1]
    ));
    println!(
        "  end-to-end p95 <= {GOAL_OVERHEAD}x the tantivy level's p95, by kind \
         (end to end / tantivy level = ratio):"
    );
    for workload in Workload::all() {
        let ratios: Vec<String> = CLIENT_COUNTS
            .iter()
            .map(|&clients| {
                match (p95(end_to_end, workload, clients), p95(tantivy, workload, clients)) {
                    (Some(outer), Some(inner)) if inner > 0.0 => {
                        let ratio = outer / inner;
                        format!(
                            "{outer:>8.2} / {inner:>8.2} ms = {ratio:>5.2}x {:<7}",
                            verdict(ratio <= GOAL_OVERHEAD)
                        )
                    }
                    _ => "-".to_string(),
                }
            })
            .collect();
        print_trimmed(&format!("    {:<24} {:<40} {:<40}", workload.label(), ratios[0], ratios[1]));
    }
    if let Some(postgres) = report.level(Level::Postgres) {
        println!("  beside PostgreSQL: mix p95 at 1 / 16 clients, throughput at 1 / 16 clients");
        let levels =
            [("tantivy level", tantivy), ("end to end", end_to_end), ("PostgreSQL", postgres)];
        for (name, figures) in levels {
            let nan = f64::NAN;
            let rate =
                |clients| figures.find(Workload::Mix, clients).map_or(nan, Measurement::throughput);
            println!(
                "    {name:<14} {:>8.2} / {:>8.2} ms   {:>8.1} / {:>8.1} searches/s",
                p95(figures, Workload::Mix, 1).unwrap_or(nan),
                p95(figures, Workload::Mix, 16).unwrap_or(nan),
                rate(1),
                rate(16)
            );
        }
    }
}
