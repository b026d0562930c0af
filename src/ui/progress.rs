//! Progress on stderr: an indicatif spinner on a terminal, `info` log lines otherwise.

use std::io::IsTerminal;
use std::time::Duration;

use indicatif::{ProgressBar, ProgressStyle};

pub struct Progress {
    spinner: Option<ProgressBar>,
    quiet: bool,
}

impl Progress {
    /// A spinner when stderr is a terminal and output is for humans; log lines otherwise.
    pub fn new(json: bool, quiet: bool) -> Self {
        let spinner = (!json && !quiet && std::io::stderr().is_terminal()).then(|| {
            let bar = ProgressBar::new_spinner();
            bar.set_style(
                ProgressStyle::with_template("{spinner} {msg} {elapsed:.dim}")
                    .unwrap_or_else(|_| ProgressStyle::default_spinner()),
            );
            bar.enable_steady_tick(Duration::from_millis(100));
            bar
        });
        Self { spinner, quiet }
    }

    /// No output at all (for library callers and tests).
    pub fn hidden() -> Self {
        Self {
            spinner: None,
            quiet: true,
        }
    }

    /// The phase now under way.
    pub fn step(&self, message: impl Into<String>) {
        let message = message.into();
        match &self.spinner {
            Some(bar) => bar.set_message(message),
            None if !self.quiet => tracing::info!("{message}"),
            None => {}
        }
    }

    /// A finished phase worth keeping on screen.
    pub fn done(&self, message: impl AsRef<str>) {
        match &self.spinner {
            Some(bar) => bar.println(format!("{} {}", crate::ui::style::ok("✓"), message.as_ref())),
            None if !self.quiet => tracing::info!("{}", message.as_ref()),
            None => {}
        }
    }

    pub fn finish(&self) {
        if let Some(bar) = &self.spinner {
            bar.finish_and_clear();
        }
    }
}

impl Drop for Progress {
    fn drop(&mut self) {
        self.finish();
    }
}
