//! What the command line prints: its answers on standard output, and service refusals as
//! errors a person can act on.

use std::io::Write;

/// Writes `text` to standard output, ending it with a newline.
pub fn write_out(text: &str) -> anyhow::Result<()> {
    let mut stdout = std::io::stdout().lock();
    stdout.write_all(text.as_bytes())?;
    if !text.ends_with('\n') {
        stdout.write_all(b"\n")?;
    }
    Ok(())
}

/// Turns a service's refusal into an error that names its code and field.
pub fn api_failure(error: athenaeum_kernel::ApiError) -> anyhow::Error {
    let athenaeum_kernel::ApiError { code, message, field, .. } = error;
    match field {
        Some(field) => anyhow::anyhow!("{code} ({field}): {message}"),
        None => anyhow::anyhow!("{code}: {message}"),
    }
}
