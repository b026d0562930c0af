//! Results go to stdout: the `Display` form for people, one JSON document with `--json`.

use std::fmt::Display;
use std::io::Write;

use serde::Serialize;

use crate::error::{Code, Error};

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
    let _ = writeln!(
        std::io::stdout(),
        "{}",
        serde_json::to_string_pretty(&error_document(err)).unwrap_or_default()
    );
}

/// `{"error": {"code", "message", "help"}}`, and what a refusal hands over under its key.
pub fn error_document(err: &Error) -> serde_json::Value {
    let mut doc = serde_json::json!({
        "error": {
            "code": err.code(),
            "message": err.to_string(),
            "help": err.help_text(),
        }
    });
    if let Some((field, text)) = err.handed_over() {
        doc["error"][field] = serde_json::Value::from(text);
    }
    doc
}

/// The error for people, on stderr: one line saying what happened (`error[code]: …`), one
/// saying what to do.
pub fn print_error(err: &Error) {
    print_problem(err.code(), &err.to_string(), err.help_text().as_deref());
}

/// A failure that is not an `Error` (a test run that completed but did not read the secret).
pub fn print_problem(code: Code, message: &str, help: Option<&str>) {
    let label = format!("error[{code}]:");
    eprintln!("{} {message}", crate::ui::style::failed(&label));
    if let Some(help) = help {
        eprintln!("  {} {help}", crate::ui::style::hint("help:"));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_refusal_hands_over_its_text_in_the_json_error() {
        let err = Error::RefusedWith {
            code: Code::ImageFunction,
            message: "no".into(),
            help: "do this".into(),
            field: "dockerfile",
            text: "COPY --from=x /opt /opt\n".into(),
        };
        let doc = error_document(&err);
        assert_eq!(doc["error"]["code"], "secretslab::migrate::image_function");
        assert_eq!(doc["error"]["dockerfile"], "COPY --from=x /opt /opt\n");
        let plain = error_document(&Error::refused(Code::AwsRefused, "no", "do this"));
        assert_eq!(plain["error"].as_object().map(|o| o.len()), Some(3));
    }
}
