//! Figures of measured runs: what the clients saw (a tally), the window in which they
//! record, nearest-rank percentiles, a workload at one concurrency summed up, the lines
//! the tables share, and the process's peak memory.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

/// Returns the nearest-rank percentile of `sorted`: the smallest value that at least
/// `percent` per cent of the values do not exceed; `None` when there are none.
pub fn percentile(sorted: &[Duration], percent: usize) -> Option<Duration> {
    let count = sorted.len();
    let rank = (percent * count).div_ceil(100).clamp(1, count.max(1));
    sorted.get(rank - 1).copied()
}

/// Returns `latency` in milliseconds with `decimals` places, or "-" when there is none.
pub fn milliseconds(latency: Option<Duration>, decimals: usize) -> String {
    latency.map_or_else(
        || "-".to_string(),
        |latency| format!("{:.decimals$}", latency.as_secs_f64() * 1e3),
    )
}

/// What the clients of one run saw.
#[derive(Debug, Default)]
pub struct Tally {
    pub latencies: Vec<Duration>,
    pub requests: usize,
    pub errors: usize,
    pub first_error: Option<String>,
    /// When the last recorded request ended.
    pub finished: Option<Instant>,
}

impl Tally {
    /// Counts a request: its latency when it succeeded, its error when not.
    pub fn record<T>(&mut self, latency: Duration, outcome: Result<T, String>) {
        self.finished = Some(Instant::now());
        self.requests += 1;
        match outcome {
            Ok(_) => self.latencies.push(latency),
            Err(problem) => {
                self.errors += 1;
                self.first_error.get_or_insert(problem);
            }
        }
    }

    /// Adds another client's tally to this one.
    pub fn absorb(&mut self, other: Tally) {
        self.latencies.extend(other.latencies);
        self.requests += other.requests;
        self.errors += other.errors;
        if self.first_error.is_none() {
            self.first_error = other.first_error;
        }
        self.finished = self.finished.max(other.finished);
    }
}

/// When a measurement records: after the warm-up, for the measured time and, beyond it,
/// until the clients together have recorded at least `least` requests, so that every
/// query of a workload counts even when requests are slow.
#[derive(Debug)]
pub struct Window {
    pub start: Instant,
    pub end: Instant,
    least: usize,
    recorded: AtomicUsize,
}

impl Window {
    /// Opens a window that starts after `warm_up` from now and records for `measured`,
    /// or until `least` requests are recorded.
    pub fn new(warm_up: Duration, measured: Duration, least: usize) -> Window {
        let start = Instant::now() + warm_up;
        Window { start, end: start + measured, least, recorded: AtomicUsize::new(0) }
    }

    /// Returns when a client's next request starts, now, or `None` when the window has
    /// closed and the client stops.
    pub fn next_start(&self) -> Option<Instant> {
        let now = Instant::now();
        (now < self.end || self.recorded.load(Ordering::Relaxed) < self.least).then_some(now)
    }

    /// Records a request that started at `started` and has just ended, unless it was part
    /// of the warm-up.
    pub fn record<T>(&self, tally: &mut Tally, started: Instant, outcome: Result<T, String>) {
        let latency = started.elapsed();
        if started >= self.start {
            self.recorded.fetch_add(1, Ordering::Relaxed);
            tally.record(latency, outcome);
        }
    }

    /// Returns the time measured: from the window's start to the end of the last request
    /// `tally` recorded, or the window's length when it recorded none.
    pub fn measured(&self, tally: &Tally) -> Duration {
        tally.finished.map_or(self.end - self.start, |finished| finished - self.start)
    }
}

/// One client's loop on its thread: a request at a time while `window` is open.
pub fn drive<T>(window: &Window, mut send: impl FnMut() -> Result<T, String>) -> Tally {
    let mut tally = Tally::default();
    while let Some(started) = window.next_start() {
        let outcome = send();
        window.record(&mut tally, started, outcome);
    }
    tally
}

/// A client a measurement drives from a task of its own, one request at a time.
pub trait Client: Send + 'static {
    /// Sends one request and checks its answer; `Err` says what was wrong.
    fn request(&mut self) -> impl Future<Output = Result<(), String>> + Send;
}

/// Runs each of `clients` on a task of its own while `window` is open, a request at a
/// time; returns what they saw together.
pub async fn drive_clients<C: Client>(clients: Vec<C>, window: &Arc<Window>) -> Tally {
    let running: Vec<_> = clients
        .into_iter()
        .map(|mut client| {
            let window = Arc::clone(window);
            tokio::spawn(async move {
                let mut tally = Tally::default();
                while let Some(started) = window.next_start() {
                    let outcome = client.request().await;
                    window.record(&mut tally, started, outcome);
                }
                tally
            })
        })
        .collect();
    let mut tally = Tally::default();
    for client in running {
        tally.absorb(client.await.expect("a client ran to the end"));
    }
    tally
}

/// A workload as the tables name it.
pub trait Labelled: Copy + PartialEq {
    fn label(self) -> &'static str;
}

/// One workload at one concurrency, measured.
#[derive(Debug)]
pub struct Measurement<W> {
    pub workload: W,
    pub clients: usize,
    pub measured: Duration,
    /// Successful requests' latencies, sorted.
    pub latencies: Vec<Duration>,
    pub requests: usize,
    pub errors: usize,
    pub first_error: Option<String>,
}

impl<W: Labelled> Measurement<W> {
    /// Sums up the tally of a run of `workload` at `clients` over `measured`.
    pub fn new(workload: W, clients: usize, measured: Duration, mut tally: Tally) -> Self {
        tally.latencies.sort_unstable();
        Measurement {
            workload,
            clients,
            measured,
            latencies: tally.latencies,
            requests: tally.requests,
            errors: tally.errors,
            first_error: tally.first_error,
        }
    }

    /// Successful requests per second.
    pub fn throughput(&self) -> f64 {
        self.latencies.len() as f64 / self.measured.as_secs_f64()
    }

    /// The nearest-rank percentile of the successful requests' latencies.
    pub fn percentile(&self, percent: usize) -> Option<Duration> {
        percentile(&self.latencies, percent)
    }

    /// The 95th percentile in milliseconds.
    pub fn p95_ms(&self) -> Option<f64> {
        self.percentile(95).map(|latency| latency.as_secs_f64() * 1e3)
    }
}

/// Returns the measurement of `workload` at `clients`, if there is one.
pub fn find<W: Labelled>(
    measurements: &[Measurement<W>],
    workload: W,
    clients: usize,
) -> Option<&Measurement<W>> {
    measurements
        .iter()
        .find(|measurement| measurement.workload == workload && measurement.clients == clients)
}

/// The layout of a table of measurements: a row a workload at one concurrency, with
/// its requests, throughput, latency percentiles and errors, and perhaps a last column of
/// the program's own.
#[derive(Debug, Clone, Copy)]
pub struct Table {
    /// What starts each line.
    pub indent: &'static str,
    pub workload_width: usize,
    /// The requests column's title.
    pub requests: &'static str,
    /// The throughput column's title and width.
    pub rate: (&'static str, usize),
    pub latency_width: usize,
    /// Decimal places of the latencies in milliseconds.
    pub decimals: usize,
    /// The last column's title and width, when the program adds one.
    pub extra: Option<(&'static str, usize)>,
}

impl Table {
    /// Returns the line of column titles.
    pub fn header(&self) -> String {
        let (rate, rate_width) = self.rate;
        let latency = self.latency_width;
        let mut line = format!(
            "{}{:<workload$} {:>7} {:>9} {rate:>rate_width$} {:>latency$} {:>latency$} \
             {:>latency$} {:>6}",
            self.indent,
            "workload",
            "clients",
            self.requests,
            "p50 ms",
            "p95 ms",
            "p99 ms",
            "errors",
            workload = self.workload_width,
        );
        if let Some((title, width)) = self.extra {
            line.push_str(&format!(" {title:>width$}"));
        }
        line
    }

    /// Returns the row of `measurement`, with `extra` in the last column when the table
    /// has one ("-" when `None`).
    pub fn row<W: Labelled>(&self, measurement: &Measurement<W>, extra: Option<String>) -> String {
        let (_, rate_width) = self.rate;
        let latency = self.latency_width;
        let milliseconds = |percent| milliseconds(measurement.percentile(percent), self.decimals);
        let mut line = format!(
            "{}{:<workload$} {:>7} {:>9} {:>rate_width$.1} {:>latency$} {:>latency$} \
             {:>latency$} {:>6}",
            self.indent,
            measurement.workload.label(),
            measurement.clients,
            measurement.requests,
            measurement.throughput(),
            milliseconds(50),
            milliseconds(95),
            milliseconds(99),
            measurement.errors,
            workload = self.workload_width,
        );
        if let Some((_, width)) = self.extra {
            let extra = extra.unwrap_or_else(|| "-".to_string());
            line.push_str(&format!(" {extra:>width$}"));
        }
        line
    }
}

/// Prints the first error of every measurement that had one, each line after `indent`.
pub fn print_errors<W: Labelled>(measurements: &[Measurement<W>], indent: &str) {
    for measurement in measurements {
        if let Some(problem) = &measurement.first_error {
            println!(
                "{indent}first error of {} at {} clients: {problem}",
                measurement.workload.label(),
                measurement.clients
            );
        }
    }
}

/// Prints the machine the figures come from, and a warning when the build is not
/// optimised; `sharing` says who shares the cores with the server.
pub fn print_machine(sharing: &str) {
    let cores = std::thread::available_parallelism().map_or(1, std::num::NonZero::get);
    println!(
        "machine: {cores} cores (std::thread::available_parallelism), {} {}; {sharing} them \
         with the server",
        std::env::consts::OS,
        std::env::consts::ARCH
    );
    if cfg!(debug_assertions) {
        println!(
            "WARNING: a debug build; run it with `cargo bench` for figures that mean something"
        );
    }
}

/// Returns the process's peak resident memory in KiB since it was last reset, from /proc.
pub fn peak_memory_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    status
        .lines()
        .find_map(|line| line.strip_prefix("VmHWM:"))
        .and_then(|rest| rest.split_whitespace().next())
        .and_then(|number| number.parse().ok())
}

/// Resets the process's peak resident memory to its current resident size.
pub fn reset_peak_memory() {
    // Writing 5 to clear_refs resets VmHWM to the current resident size (Linux 4.0+).
    let _ = std::fs::write("/proc/self/clear_refs", "5");
}
