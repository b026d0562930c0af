//! Results go to stdout: the `Display` form for people, one JSON document with `--json`.

use std::fmt::Display;
use std::io::Write;

use serde::Serialize;

use crate::error::Error;

/// Print a command's result. A closed pipe (`| head`) is not an error.
pub fn emit<T: Serialize + Display>(json: bool, result: &T) -> std::io::Result<()> {
    let mut out = std::io::stdout().lock();
    let written = if json {
        serde_json::to_writer_pretty(&mut out, result)
            .map_err(std::io::Error::other)
            .and_then(|()| writeln!(out))
    } else {
        write!(out, "{result}")
    };
    match written.and_then(|()| out.flush()) {
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        other => other,
    }
}

/// With `--json`, errors are a JSON document on stdout too.
pub fn emit_error_json(err: &Error) {
    let doc = serde_json::json!({
        "error": {
            "code": err.code(),
            "message": err.to_string(),
            "help": err.help_text(),
        }
    });
    let _ = writeln!(
        std::io::stdout(),
        "{}",
        serde_json::to_string_pretty(&doc).unwrap_or_default()
    );
}

/// The error for people, on stderr: one line saying what happened, one saying what to do.
pub fn print_error(err: &Error) {
    print_problem(&err.to_string(), err.help_text().as_deref());
}

/// A failure that is not an `Error` (a test run that completed but did not read the secret).
pub fn print_problem(message: &str, help: Option<&str>) {
    eprintln!("{} {message}", crate::ui::style::failed("error:"));
    if let Some(help) = help {
        eprintln!("  {} {help}", crate::ui::style::hint("help:"));
    }
}
