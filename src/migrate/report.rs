//! What a migrate run did (or, with `--dry-run`, would do): one row per step, the warnings,
//! the handler change and what to do next. Names only: no value ever reaches a report.

use std::fmt;

use serde::Serialize;

use crate::ui::style;

use crate::aws::migration::DocumentRef;

/// Columns a report keeps within (the tour's terminal width).
const WIDTH: usize = 80;
use super::Phase;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// `--dry-run`: would be done.
    Planned,
    Done,
    /// Already as it should be (a re-run converging).
    Unchanged,
}

#[derive(Debug, Clone, Serialize)]
pub struct StepRow {
    pub step: String,
    pub outcome: Outcome,
}

#[derive(Debug, Clone, Serialize)]
pub struct MigrationReport {
    pub function: String,
    pub phase: Phase,
    pub dry_run: bool,
    pub document: DocumentRef,
    pub variables: Vec<String>,
    pub steps: Vec<StepRow>,
    pub warnings: Vec<String>,
    /// The code change the handler needs (expand).
    pub handler_change: Option<String>,
    /// Published versions whose environment still holds a moved variable in plaintext.
    pub versions_holding_values: Vec<String>,
    pub next: Vec<String>,
}

impl MigrationReport {
    pub fn new(function: &str, phase: Phase, dry_run: bool, document: DocumentRef) -> Self {
        Self {
            function: function.to_string(),
            phase,
            dry_run,
            document,
            variables: Vec::new(),
            steps: Vec::new(),
            warnings: Vec::new(),
            handler_change: None,
            versions_holding_values: Vec::new(),
            next: Vec::new(),
        }
    }

    /// Record a step that needs doing: planned on a dry run, done otherwise (the caller
    /// does it right after, and an error ends the run before the report is printed).
    pub fn will(&mut self, step: impl Into<String>) {
        let outcome = if self.dry_run {
            Outcome::Planned
        } else {
            Outcome::Done
        };
        self.steps.push(StepRow {
            step: step.into(),
            outcome,
        });
    }

    pub fn unchanged(&mut self, step: impl Into<String>) {
        self.steps.push(StepRow {
            step: step.into(),
            outcome: Outcome::Unchanged,
        });
    }

    pub fn changed_anything(&self) -> bool {
        self.steps.iter().any(|s| s.outcome != Outcome::Unchanged)
    }
}

impl fmt::Display for MigrationReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mode = if self.dry_run {
            " (dry run: nothing was changed)"
        } else {
            ""
        };
        writeln!(
            f,
            "{} `{}`: {}{mode}",
            style::heading("migrate"),
            self.function,
            self.phase
        )?;
        write!(
            f,
            "  {} {}",
            style::dim("document"),
            self.document.describe()
        )?;
        if !self.variables.is_empty() {
            write!(f, " ({})", self.variables.join(", "))?;
        }
        writeln!(f)?;
        for row in &self.steps {
            let mark = match row.outcome {
                Outcome::Planned => style::pending("would "),
                Outcome::Done => style::ok("done  "),
                Outcome::Unchanged => style::dim("as is "),
            };
            writeln!(f, "  {mark} {}", style::wrap(&row.step, WIDTH, 9, 9))?;
        }
        for warning in &self.warnings {
            let text = style::wrap(warning, WIDTH, 9, 2);
            writeln!(f, "{} {text}", style::pending("warning:"))?;
        }
        if !self.versions_holding_values.is_empty() {
            let text = format!(
                "published version(s) {} still hold the plaintext; `secretslab audit` keeps reporting them until they are deleted",
                self.versions_holding_values.join(", ")
            );
            writeln!(
                f,
                "{} {}",
                style::pending("note:"),
                style::wrap(&text, WIDTH, 6, 2)
            )?;
        }
        if let Some(snippet) = &self.handler_change {
            writeln!(f, "\n{}", style::heading("the handler change"))?;
            for line in snippet.lines() {
                writeln!(f, "    {line}")?;
            }
        }
        if !self.next.is_empty() {
            writeln!(f)?;
            for line in &self.next {
                writeln!(
                    f,
                    "{} {}",
                    style::hint("next:"),
                    style::wrap(line, WIDTH, 6, 6)
                )?;
            }
        }
        Ok(())
    }
}
