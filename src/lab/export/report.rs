//! What `export` wrote: the directory, each file and what it is, the next commands, and any
//! note on what had to be assumed. Paths and names only: no value.

use std::fmt;
use std::path::Path;

use serde::Serialize;

use crate::iac::bundle::next_commands;
use crate::iac::{Artifact, IacFormat, LabModel};
use crate::ui::style;

#[derive(Debug, Clone, Serialize)]
pub struct WrittenFile {
    pub path: String,
    pub what: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct ExportReport {
    pub lab: String,
    pub format: IacFormat,
    pub directory: String,
    pub files: Vec<WrittenFile>,
    pub next: Vec<String>,
    pub notes: Vec<String>,
}

impl ExportReport {
    pub fn new(
        format: IacFormat,
        model: &LabModel,
        dir: &Path,
        files: &[Artifact],
        notes: Vec<String>,
    ) -> Self {
        Self {
            lab: model.names.lab.clone(),
            format,
            directory: dir.display().to_string(),
            files: files
                .iter()
                .map(|f| WrittenFile {
                    path: f.path.clone(),
                    what: f.what.clone(),
                })
                .collect(),
            next: next_commands(format, model),
            notes,
        }
    }
}

/// Reports fit an 80-column terminal (the tour shows this one).
const WIDTH: usize = 80;

impl fmt::Display for ExportReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let title = format!("lab `{}` as {}", self.lab, self.format.label());
        writeln!(f, "{} {title}", style::ok("exported"))?;
        writeln!(f, "  into {}", self.directory)?;
        for file in &self.files {
            writeln!(f, "  {}", file.path)?;
            writeln!(
                f,
                "      {}",
                style::dim(&style::wrap(&file.what, WIDTH, 6, 6))
            )?;
        }
        writeln!(f, "next, in that directory:")?;
        for command in &self.next {
            writeln!(f, "  {command}")?;
        }
        for note in &self.notes {
            let text = style::wrap(&format!("note: {note}"), WIDTH, 0, 2);
            writeln!(f, "{}", style::pending(&text))?;
        }
        Ok(())
    }
}
