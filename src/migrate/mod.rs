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
//! Each phase reads what exists and does only what is missing, in an order that keeps every
//! value in the function's environment or in the document at every instant: a run killed at
//! any point loses nothing, and the same command run again finishes the job.

mod expand;
mod finish;
mod report;
mod rollback;
mod snippets;
mod target;

use std::fmt;

use serde::Serialize;

use crate::aws;
use crate::domain::kinds::Store;
use crate::error::Result;
use crate::session::{Connection, Session};

pub use crate::aws::migration::DocumentRef;
pub use report::{MigrationReport, Outcome, StepRow};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Phase {
    #[default]
    Expand,
    Finish,
    Rollback,
}

impl fmt::Display for Phase {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Phase::Expand => "expand (add the references beside the plaintext)",
            Phase::Finish => "finish (remove the plaintext)",
            Phase::Rollback => "rollback (put the plaintext back)",
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
        }
    }
}

/// One phase's inputs: the session, the connection, what was asked, the function as read.
pub(crate) struct Job<'a> {
    session: &'a Session,
    connection: &'a Connection,
    settings: &'a Settings,
    function: aws::target_function::TargetFunction,
}

impl<'a> Job<'a> {
    fn parts(
        self,
    ) -> (
        &'a Session,
        &'a Connection,
        &'a Settings,
        aws::target_function::TargetFunction,
    ) {
        (self.session, self.connection, self.settings, self.function)
    }
}

pub async fn migrate(
    session: &Session,
    connection: &Connection,
    settings: &Settings,
) -> Result<MigrationReport> {
    let function = target::load(session, &connection.aws, &settings.function).await?;
    let job = Job {
        session,
        connection,
        settings,
        function,
    };
    match settings.phase {
        Phase::Expand => expand::run(job).await,
        Phase::Finish => finish::run(job).await,
        Phase::Rollback => rollback::run(job).await,
    }
}
