//! `export`: the converged lab as infrastructure code to keep. Observe the lab through the API
//! (never from flags), turn what was read into a model (pure: the function's part first, then
//! each lab resource's, in `lab/resources/`), build the format's files (pure, `crate::iac`),
//! write them. No value is read, so none can be written.

pub mod report;

use std::path::{Path, PathBuf};

use crate::aws::identity::resolve_identity;
use crate::domain::handler;
use crate::domain::names::ResourceNames;
use crate::error::{Code, Error, Result};
use crate::iac::{bundle, Artifact, IacFormat, LabModel};
use crate::lab::resources::{self, function, Found, LAB_RESOURCES};
use crate::session::{Connection, Session};

pub use report::{ExportReport, WrittenFile};

#[derive(Debug, Clone)]
pub struct Settings {
    pub format: IacFormat,
    /// Where to write; default `NAME-FORMAT` in the working directory.
    pub output: Option<PathBuf>,
}

/// What the export reads: the lab's resources (their descriptions, never a value).
#[derive(Debug, Clone)]
pub struct Observation {
    pub region: String,
    pub found: Found,
}

pub async fn observe(connection: &Connection, names: &ResourceNames) -> Result<Observation> {
    let aws = &connection.aws;
    let identity = resolve_identity(&aws.sts).await?;
    let found = resources::observe(aws, names, &identity).await?;
    Ok(Observation {
        region: aws.region.clone(),
        found,
    })
}

/// The lab to export, from what was read; notes say what had to be assumed.
pub fn model(names: &ResourceNames, observed: &Observation) -> Result<(LabModel, Vec<String>)> {
    let found = &observed.found;
    let mut model = function::export_model(names, &observed.region, &found.function)?;
    let mut notes = Vec::new();
    for resource in LAB_RESOURCES {
        resource.export(found, &mut model, &mut notes)?;
    }
    Ok((model, notes))
}

/// Write every file under `dir` (creating folders), each through a temporary file renamed
/// into place so a crash never leaves half a file.
pub fn write(dir: &Path, files: &[Artifact]) -> Result<()> {
    for file in files {
        let path = dir.join(&file.path);
        let parent = path.parent().unwrap_or(dir);
        std::fs::create_dir_all(parent).map_err(|e| write_error(parent, &e))?;
        let partial = path.with_extension("partial");
        std::fs::write(&partial, &file.contents)
            .and_then(|()| std::fs::rename(&partial, &path))
            .map_err(|e| write_error(&path, &e))?;
    }
    Ok(())
}

fn write_error(path: &Path, err: &std::io::Error) -> Error {
    Error::io_msg(
        Code::ExportWrite,
        format!("cannot write {}: {err}", path.display()),
        "pass `--output DIR` naming a directory you can write to",
    )
}

/// The export directory: `--output`, or `NAME-FORMAT` here.
pub fn directory(settings: &Settings, names: &ResourceNames) -> PathBuf {
    settings
        .output
        .clone()
        .unwrap_or_else(|| PathBuf::from(format!("{}-{}", names.lab, settings.format.id())))
}

pub async fn export(
    session: &Session,
    connection: &Connection,
    settings: &Settings,
) -> Result<ExportReport> {
    let names = session.names();
    session
        .progress
        .step(format!("reading lab `{}`", names.lab));
    let observed = observe(connection, &names).await?;
    let (model, notes) = model(&names, &observed)?;
    let package = handler::package_of(model.handler())?;
    let files = bundle::bundle(settings.format, &model, &package);
    let dir = directory(settings, &names);
    session.progress.step(format!("writing {}", dir.display()));
    write(&dir, &files)?;
    Ok(ExportReport::new(
        settings.format,
        &model,
        &dir,
        &files,
        notes,
    ))
}

#[cfg(test)]
mod tests;
