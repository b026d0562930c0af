//! `secretslab migrate`: move plaintext variables of one function into a secret (or a
//! `SecureString` parameter) read through the extension, as an expand → contract change, so
//! the running function never breaks and no value is ever lost (DESIGN §9).
//!
//! - *expand* (`--var`/`--flagged`): grant the role read on the document, write the document,
//!   then add the extension layer and a reference variable beside each plaintext one;
//! - *finish*: once something shows the code reads the references, remove the plaintext;
//! - *rollback*: put the variables back from the document, remove what migrate added, retire
//!   the document.
//!
//! Each phase observes once (`observe`), decides everything in a pure planning function
//! (`plan_expand`, `plan_finish`, `plan_rollback`: an ordered list of steps, refusals
//! first), and one executor (`apply`) runs the steps; the report is built from the plan and
//! what the executor did. The steps do only what is missing, in an order that keeps every
//! value in the function's environment or in the document at every instant: a run killed at
//! any point loses nothing, and the same command run again finishes the job.

mod apply;
mod emit;
mod expand;
mod finish;
#[cfg(test)]
mod fixtures;
mod governance;
mod owner;
mod plan;
mod purge;
mod report;
mod rollback;
mod snippets;
mod target;

use std::fmt;

use serde::Serialize;

use crate::domain::kinds::Store;
use crate::error::{Code, Error, Result};
use crate::session::{Connection, Session};

use plan::Plan;

pub use crate::aws::migration::DocumentRef;
pub use emit::{emit, Emit, EmitReport};
pub use owner::OwnerFlag;
pub use report::{MigrationReport, Outcome, StepRow};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Phase {
    #[default]
    Expand,
    Finish,
    Rollback,
    /// Delete the published versions that still hold a moved value (none behind an alias).
    Purge,
}

impl fmt::Display for Phase {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Phase::Expand => "expand (add the references beside the plaintext)",
            Phase::Finish => "finish (remove the plaintext)",
            Phase::Rollback => "rollback (put the plaintext back)",
            Phase::Purge => "purge (delete the versions that still hold a moved value)",
        })
    }
}

/// What the user asked for.
#[derive(Debug, Clone)]
pub struct Settings {
    pub function: String,
    pub phase: Phase,
    pub vars: Vec<String>,
    /// Move the variables the audit classifies as secrets.
    pub flagged: bool,
    pub store: Store,
    /// `--secret-name`: the document's name instead of `FUNCTION/env`.
    pub document_name: Option<String>,
    /// A customer managed key (ARN) for the document, with `kms:Decrypt` granted on it.
    pub kms_key: Option<String>,
    /// `--finish`: publish a version and point this alias at it.
    pub alias: Option<String>,
    pub layer_arn: Option<String>,
    pub dry_run: bool,
    /// `--finish` without evidence that the code reads the references.
    pub force: bool,
    /// `--owner`: what AWS cannot tell.
    pub owner: Option<OwnerFlag>,
    /// `--owner-updated`: the owner's source carries the change (skip the stack's check).
    pub owner_updated: bool,
}

impl Settings {
    pub fn new(function: &str) -> Self {
        Self {
            function: function.to_string(),
            phase: Phase::Expand,
            vars: Vec::new(),
            flagged: false,
            store: Store::default(),
            document_name: None,
            kms_key: None,
            alias: None,
            layer_arn: None,
            dry_run: false,
            force: false,
            owner: None,
            owner_updated: false,
        }
    }
}

/// Run one phase: observe, plan, apply the plan (or, with `--dry-run`, only render it).
/// A plan that only begins the phase (a rollback restoring its document) is followed by a
/// second observation and plan.
pub async fn migrate(
    session: &Session,
    connection: &Connection,
    settings: &Settings,
) -> Result<MigrationReport> {
    let (plan, report) = pass(session, connection, settings).await?;
    if !plan.plan_again || settings.dry_run {
        return Ok(report);
    }
    let (again, later) = pass(session, connection, settings).await?;
    if again.plan_again {
        return Err(Error::refused(
            Code::StillScheduled,
            format!(
                "{} still reads as scheduled for deletion after it was restored",
                again.document.describe()
            ),
            "nothing was lost: re-run the same command once the store shows it restored",
        ));
    }
    Ok(report.then(later))
}

/// One observation, one plan, one application of it.
async fn pass(
    session: &Session,
    connection: &Connection,
    settings: &Settings,
) -> Result<(Plan, MigrationReport)> {
    let function = target::load(session, &connection.aws, &settings.function).await?;
    let owned = owner::observe(&connection.aws, &function, settings).await;
    if settings.phase == Phase::Expand {
        refuse_image(session, connection, settings, &function, &owned.owner).await?;
    }
    let reviewed = function.clone();
    let mut plan = match settings.phase {
        Phase::Expand => {
            let observed = expand::observe(session, connection, settings, function).await?;
            expand::plan_expand(&observed, settings)?
        }
        Phase::Finish => {
            let observed = finish::observe(session, connection, settings, function).await?;
            finish::plan_finish(&observed, settings)?
        }
        Phase::Rollback => {
            let observed = rollback::observe(connection, settings, function).await?;
            rollback::plan_rollback(&observed, settings)?
        }
        Phase::Purge => {
            let observed = purge::observe(connection, settings, function).await?;
            purge::plan_purge(&observed)?
        }
    };
    owner::review(&mut plan, &reviewed, &owned, settings)?;
    let outcomes = apply::apply(session, connection, &plan, settings.dry_run).await?;
    let report = MigrationReport::new(&plan, &outcomes, settings.dry_run);
    Ok((plan, report))
}

/// An image function: the Dockerfile lines that bake the extension in (printed in text mode,
/// in the error's `dockerfile` with `--json`), then the refusal, before anything changes.
async fn refuse_image(
    session: &Session,
    connection: &Connection,
    settings: &Settings,
    function: &crate::aws::target_function::TargetFunction,
    found: &crate::domain::owner::Owner,
) -> Result<()> {
    if !function.image {
        return Ok(());
    }
    let aws = &connection.aws;
    let layer_arn = owner::layer_arn(aws, function, settings).await?;
    let doc = target::new_document(function, settings);
    let vars = target::variables(function, settings).unwrap_or_default();
    let change = emit::function_change(
        function,
        found,
        &layer_arn,
        &doc,
        &vars,
        &aws.region,
        settings,
    );
    let lines = crate::iac::change::dockerfile(&change);
    if !session.json() {
        session.progress.finish();
        print!("{lines}");
    }
    Err(owner::image_refusal(&function.name, lines))
}
