//! Colours named by meaning. Off unless stdout and stderr are terminals (or `--color always`),
//! and always off with `NO_COLOR`, `TERM=dumb` or `--json`.

use std::io::IsTerminal;
use std::sync::atomic::{AtomicBool, Ordering};

use termimad::crossterm::style::Stylize;

/// When to use colours (`--color`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ColorChoice {
    Auto,
    Always,
    Never,
}

static ENABLED: AtomicBool = AtomicBool::new(false);

/// Decide once, at start-up, whether to colour; `--json` never does.
pub fn init(choice: ColorChoice, json: bool) {
    let enabled = match choice {
        ColorChoice::Never => false,
        ColorChoice::Always => !json,
        ColorChoice::Auto => {
            !json
                && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
                && std::env::var("TERM").map_or(true, |t| t != "dumb")
                && std::io::stdout().is_terminal()
                && std::io::stderr().is_terminal()
        }
    };
    ENABLED.store(enabled, Ordering::Relaxed);
}

pub fn enabled() -> bool {
    ENABLED.load(Ordering::Relaxed)
}

fn paint(text: &str, f: impl Fn(&str) -> String) -> String {
    if enabled() {
        f(text)
    } else {
        text.to_string()
    }
}

pub fn ok(text: &str) -> String {
    paint(text, |t| t.green().to_string())
}

pub fn pending(text: &str) -> String {
    paint(text, |t| t.yellow().to_string())
}

pub fn failed(text: &str) -> String {
    paint(text, |t| t.red().bold().to_string())
}

pub fn hint(text: &str) -> String {
    paint(text, |t| t.cyan().to_string())
}

pub fn heading(text: &str) -> String {
    paint(text, |t| t.bold().to_string())
}

pub fn dim(text: &str) -> String {
    paint(text, |t| t.dim().to_string())
}

/// Plain `text` broken at spaces into lines of at most `width` columns, for a first line that
/// already has `start` columns used and later lines indented by `indent` spaces (a word longer
/// than a line stays whole).
pub fn wrap(text: &str, width: usize, start: usize, indent: usize) -> String {
    let mut out = String::new();
    let mut line = start;
    let mut first_word = true;
    for word in text.split(' ').filter(|w| !w.is_empty()) {
        let len = word.chars().count();
        if !first_word && line + 1 + len > width {
            out.push('\n');
            out.push_str(&" ".repeat(indent));
            line = indent;
        } else if !first_word {
            out.push(' ');
            line += 1;
        }
        out.push_str(word);
        line += len;
        first_word = false;
    }
    out
}

/// "status of lab `demo` in account 123456789012 (us-east-1)": the first line of a report.
pub fn lab_heading(title: &str, lab: &str, account: &str, region: &str) -> String {
    format!("{} `{lab}` in account {account} ({region})", heading(title))
}

#[cfg(test)]
mod wrap_tests {
    use super::wrap;

    #[test]
    fn wraps_within_the_width_with_a_hanging_indent() {
        let text = "one two three four five six seven";
        let wrapped = wrap(text, 12, 2, 4);
        assert_eq!(
            wrapped,
            "one two\n    three\n    four\n    five six\n    seven"
        );
        assert!(wrapped.lines().all(|l| l.len() <= 12));
        assert_eq!(
            wrap("averyveryverylongword x", 5, 0, 1),
            "averyveryverylongword\n x"
        );
    }
}
