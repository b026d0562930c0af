//! Progress on stderr: an indicatif spinner on a terminal, plain lines otherwise (a pipe, a
//! CI log, `--json`), so a log file shows each phase without terminal control codes.

use std::io::IsTerminal;
use std::sync::Mutex;
use std::time::Duration;

use indicatif::{ProgressBar, ProgressStyle};

pub struct Progress {
    /// Whether a spinner may be drawn at all (stderr is a terminal, human output).
    animated: bool,
    quiet: bool,
    /// The current spinner; created on the first step after a `finish`.
    spinner: Mutex<Option<ProgressBar>>,
}

impl Progress {
    /// A spinner when stderr is a terminal and output is for humans; plain lines otherwise.
    pub fn new(json: bool, quiet: bool) -> Self {
        Self {
            animated: !json && !quiet && std::io::stderr().is_terminal(),
            quiet,
            spinner: Mutex::new(None),
        }
    }

    fn with_spinner(&self, f: impl FnOnce(&ProgressBar)) -> bool {
        if !self.animated {
            return false;
        }
        let Ok(mut slot) = self.spinner.lock() else {
            return false;
        };
        let bar = slot.get_or_insert_with(|| {
            let bar = ProgressBar::new_spinner();
            bar.set_style(
                ProgressStyle::with_template("{spinner} {msg} {elapsed:.dim}")
                    .unwrap_or_else(|_| ProgressStyle::default_spinner()),
            );
            bar.enable_steady_tick(Duration::from_millis(100));
            bar
        });
        f(bar);
        true
    }

    /// The phase now under way.
    pub fn step(&self, message: impl Into<String>) {
        let message = message.into();
        if !self.with_spinner(|bar| bar.set_message(message.clone())) && !self.quiet {
            eprintln!("{} {message}", crate::ui::style::dim("·"));
        }
    }

    /// A finished phase worth keeping on screen.
    pub fn done(&self, message: impl AsRef<str>) {
        let line = format!("{} {}", crate::ui::style::ok("✓"), message.as_ref());
        if !self.with_spinner(|bar| bar.println(&line)) && !self.quiet {
            eprintln!("{line}");
        }
    }

    /// Remove the spinner (before printing results or prompting); a later step starts a new one.
    pub fn finish(&self) {
        if let Ok(mut slot) = self.spinner.lock() {
            if let Some(bar) = slot.take() {
                bar.finish_and_clear();
            }
        }
    }
}

impl Drop for Progress {
    fn drop(&mut self) {
        self.finish();
    }
}
