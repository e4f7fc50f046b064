//! The command line of the programs that measure for a set time: `--quick` and
//! `--seconds N`, and the warm-up that goes with a measured time.

use std::time::Duration;

/// What the command line asked for.
#[derive(Debug, Clone, Copy, Default)]
pub struct Arguments {
    /// `--quick`: a shorter run, as each program defines it.
    pub quick: bool,
    /// `--seconds N`: the measured time of every workload, when given.
    pub seconds: Option<f64>,
}

impl Arguments {
    /// Reads `arguments` (without the program's name); says what is wrong, with `usage`,
    /// when one is not understood.
    pub fn parse(
        mut arguments: impl Iterator<Item = String>,
        usage: &str,
    ) -> Result<Arguments, String> {
        let mut parsed = Arguments::default();
        while let Some(argument) = arguments.next() {
            match argument.as_str() {
                "--quick" => parsed.quick = true,
                "--seconds" => {
                    let value =
                        arguments.next().ok_or(format!("--seconds needs a number; {usage}"))?;
                    let seconds = value
                        .parse::<f64>()
                        .ok()
                        .filter(|number| number.is_finite() && *number > 0.0)
                        .ok_or(format!("--seconds {value:?} is not a positive number; {usage}"))?;
                    parsed.seconds = Some(seconds);
                }
                // `cargo bench` hands every benchmark program `--bench`.
                "--bench" => {}
                other => return Err(format!("unknown argument {other:?}; {usage}")),
            }
        }
        Ok(parsed)
    }

    /// Reads the process's arguments; when one is not understood, says so on standard
    /// error and exits with status 2.
    pub fn from_command_line(usage: &str) -> Arguments {
        let mut arguments = std::env::args();
        // The first is the program's own path, not an argument.
        let _program = arguments.next();
        match Arguments::parse(arguments, usage) {
            Ok(arguments) => arguments,
            Err(problem) => {
                eprintln!("{problem}");
                std::process::exit(2);
            }
        }
    }

    /// Returns the measured seconds: those given with `--seconds`, else `quick` with
    /// `--quick`, else `default`.
    pub fn seconds_or(self, default: f64, quick: f64) -> f64 {
        self.seconds.unwrap_or(if self.quick { quick } else { default })
    }
}

/// Returns the unrecorded warm-up before a measurement of `seconds`: connections open,
/// caches and pools fill.
pub fn warm_up(seconds: f64) -> Duration {
    Duration::from_secs_f64((seconds / 5.0).clamp(0.2, 1.0))
}
