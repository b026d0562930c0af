//! The tour's "take it home" step: the running lab exported as Terraform (the original lab's
//! own format), each file shown with what it holds, then checked on disk.

use std::io::Write;
use std::path::{Path, PathBuf};

use crate::error::Result;
use crate::iac::bundle::README;
use crate::iac::IacFormat;
use crate::lab::export::{self, Settings};
use crate::session::{Connection, Session};

use super::runner::StepOutcome;

/// Where the tour writes the export: beside the tour's own state, so a tour leaves the
/// working directory as it found it.
pub fn directory(session: &Session) -> PathBuf {
    session
        .dirs
        .state
        .join("exports")
        .join(format!("{}-terraform", session.names().lab))
}

pub async fn export(session: &Session, connection: &Connection) -> Result<StepOutcome> {
    let settings = Settings {
        format: IacFormat::Terraform,
        output: Some(directory(session)),
    };
    let report = export::export(session, connection, &settings).await?;
    session.progress.finish();
    let _ = write!(std::io::stdout(), "{report}");
    Ok(StepOutcome::Passed)
}

/// Every file on disk is one the README lists (and the other way round), and `main.tf`
/// parses back as HCL with the lab's function in it.
pub fn written(session: &Session) -> Result<StepOutcome> {
    let dir = directory(session);
    let Ok(readme) = std::fs::read_to_string(dir.join(README)) else {
        return Ok(StepOutcome::Failed(format!(
            "no {README} in {}",
            dir.display()
        )));
    };
    let mut on_disk = Vec::new();
    files_under(&dir, &dir, &mut on_disk);
    if let Some(missing) = on_disk
        .iter()
        .find(|f| *f != README && !readme.contains(&format!("`{f}`")))
    {
        return Ok(StepOutcome::Failed(format!(
            "{missing} is written but {README} does not say what it is"
        )));
    }
    // The files section: from its heading to the next one.
    let section = readme.split("## Files").nth(1).unwrap_or_default();
    let section = section.split("\n## ").next().unwrap_or_default();
    let listed = section
        .lines()
        .filter_map(|l| l.strip_prefix("- `")?.split('`').next());
    if let Some(absent) = listed.into_iter().find(|f| !on_disk.iter().any(|d| d == f)) {
        return Ok(StepOutcome::Failed(format!(
            "{README} lists {absent}, which is not written"
        )));
    }
    let text = std::fs::read_to_string(dir.join("main.tf")).unwrap_or_default();
    let parsed: std::result::Result<hcl::Body, _> = hcl::from_str(&text);
    let has_function = parsed.is_ok_and(|body| {
        body.blocks().any(|b| {
            b.identifier() == "resource"
                && b.labels()
                    .first()
                    .is_some_and(|l| l.as_str() == "aws_lambda_function")
        })
    });
    Ok(if has_function {
        StepOutcome::Passed
    } else {
        StepOutcome::Failed("main.tf does not parse as Terraform with the lab's function".into())
    })
}

fn files_under(root: &Path, dir: &Path, out: &mut Vec<String>) {
    for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let path = entry.path();
        if path.is_dir() {
            files_under(root, &path, out);
        } else if let Ok(relative) = path.strip_prefix(root) {
            out.push(relative.to_string_lossy().replace('\\', "/"));
        }
    }
}
