//! A phase's plan as data: the ordered steps the executor runs (each with the reason a person
//! reads), and what the report says besides. Planning decides everything, refusals included;
//! `--dry-run` prints the same plan unexecuted. Values ride in [`Values`], whose `Debug` shows
//! names only.

use crate::aws::migration::{DocumentRef, Values};
use crate::aws::target_function::AliasRoute;
use crate::domain::extension::ExtensionSettings;
use crate::domain::kinds::Store;
use crate::domain::owner::Owner;
use crate::domain::runtime::LambdaRuntime;

use super::Phase;

/// One change, with what the executor needs to make it. The document acted on is the plan's.
#[derive(Debug, Clone, PartialEq)]
pub enum Action {
    /// Nothing to run: already as it should be (a re-run converging), or a check that passed.
    Keep,
    /// Put the inline role policy that lets the function read the document.
    PutGrant {
        role: String,
        policy: String,
        document: serde_json::Value,
    },
    /// Create the document; someone creating it meanwhile is a refusal to re-run.
    CreateDocument {
        values: Values,
        kms_key: Option<String>,
        tags: Vec<(String, String)>,
    },
    /// Cancel the document's scheduled deletion.
    RestoreDocument,
    WriteDocument {
        values: Values,
        kms_key: Option<String>,
    },
    /// Add or overwrite tags on the document (what a later phase compares against).
    TagDocument {
        tags: Vec<(String, String)>,
    },
    /// Replace the function's environment and layers, unless it changed since it was read
    /// at `revision_id`.
    UpdateFunction {
        env: Values,
        layers: Vec<String>,
        revision_id: Option<String>,
    },
    /// Publish `$LATEST` as a version.
    PublishVersion {
        description: String,
    },
    /// Point an alias at the version the step before published.
    MoveAlias {
        alias: String,
    },
    RemoveGrant {
        role: String,
        policy: String,
    },
    /// Schedule a secret for deletion, or delete a parameter.
    RetireDocument,
    /// Locally: run the function's own extension stand-in with these settings.
    StartLocalExtension {
        extension: ExtensionSettings,
        store: Store,
    },
    /// Locally: stop the function's stand-in and drop its files.
    ForgetLocalExtension,
    /// Delete a published version (one that holds a moved value and no alias routes to).
    DeleteVersion {
        version: String,
    },
}

#[derive(Debug, Clone, PartialEq)]
pub struct Step {
    pub action: Action,
    /// What the step makes true, as the report and the progress line say it (names only).
    pub reason: String,
}

impl Step {
    pub fn new(action: Action, reason: impl Into<String>) -> Self {
        Self {
            action,
            reason: reason.into(),
        }
    }

    pub fn keep(reason: impl Into<String>) -> Self {
        Self::new(Action::Keep, reason)
    }

    pub fn changes(&self) -> bool {
        self.action != Action::Keep
    }
}

/// Everything one phase will do, decided before the first change.
#[derive(Debug, Clone, PartialEq)]
pub struct Plan {
    pub phase: Phase,
    pub function: String,
    pub runtime: Option<LambdaRuntime>,
    /// Who deploys the function (its next deploy may undo the change).
    pub owner: Owner,
    pub document: DocumentRef,
    /// The variables the document holds (or will hold).
    pub variables: Vec<String>,
    pub steps: Vec<Step>,
    pub warnings: Vec<String>,
    /// Published versions whose environment still holds a moved variable in plaintext.
    pub versions_holding_values: Vec<String>,
    /// The aliases routing to those versions (each with the versions among them).
    pub aliases_routing: Vec<AliasRoute>,
    /// The steps only begin the phase: observe and plan again once they ran (a rollback
    /// whose document must be restored before its values can be read).
    pub plan_again: bool,
}

impl Plan {
    pub fn new(phase: Phase, function: &str, document: DocumentRef) -> Self {
        Self {
            phase,
            function: function.to_string(),
            runtime: None,
            owner: Owner::None,
            document,
            variables: Vec::new(),
            steps: Vec::new(),
            warnings: Vec::new(),
            versions_holding_values: Vec::new(),
            aliases_routing: Vec::new(),
            plan_again: false,
        }
    }

    pub fn push(&mut self, action: Action, reason: impl Into<String>) {
        self.steps.push(Step::new(action, reason));
    }

    pub fn keep(&mut self, reason: impl Into<String>) {
        self.steps.push(Step::keep(reason));
    }

    /// Whether any step changes something (a converged re-run changes nothing).
    pub fn changes(&self) -> bool {
        self.steps.iter().any(Step::changes)
    }

    /// The actions that change something, in order (what tests compare).
    pub fn actions(&self) -> Vec<&Action> {
        self.steps
            .iter()
            .filter(|s| s.changes())
            .map(|s| &s.action)
            .collect()
    }
}
