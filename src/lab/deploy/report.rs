//! The result of `up`: the plan's rows, and after applying, the ARNs and the applied policy.

use std::fmt;

use serde::Serialize;
use serde_json::Value;

use crate::aws::layer::ResolvedLayer;
use crate::aws::{AwsContext, CallSummary};
use crate::domain::kinds::Store;
use crate::ui::style;

use super::apply::Applied;
use super::plan::{Action, Plan, ResourcePlan};

#[derive(Debug, Clone, Serialize)]
pub struct UpReport {
    pub lab: String,
    pub dry_run: bool,
    pub target: String,
    pub region: String,
    pub account: String,
    pub layer: ResolvedLayer,
    pub resources: Vec<ResourcePlan>,
    /// Where the credentials live; the ARN of that store's resource is set, the other null.
    pub store: Store,
    pub secret_arn: Option<String>,
    pub parameter_arn: Option<String>,
    pub function_arn: Option<String>,
    pub policy_document: Value,
    pub extension_port: u16,
    pub api_calls: CallSummary,
    pub elapsed_ms: u128,
    /// `--with-legacy`: the function that keeps its credentials in plaintext.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub legacy_function: Option<String>,
}

impl UpReport {
    /// The report of a plan, applied (`Some`) or only planned (`None`, a dry run).
    pub fn new(
        aws: &AwsContext,
        lab: &str,
        plan: &Plan,
        applied: Option<Applied>,
        elapsed_ms: u128,
    ) -> Self {
        let observed = &plan.observation;
        let dry_run = applied.is_none();
        let (store_arn, function_arn, policy_document) = match applied {
            Some(applied) => (
                Some(applied.store_arn),
                Some(applied.function_arn),
                applied.policy_document,
            ),
            None => (
                match plan.desired.store {
                    Store::SecretsManager => observed.found.secret.owned().map(|s| s.arn.clone()),
                    Store::ParameterStore => {
                        observed.found.parameter.owned().map(|p| p.arn.clone())
                    }
                },
                observed.found.function.owned().map(|f| f.arn.clone()),
                plan.desired.policy_document(plan.desired.store_arn()),
            ),
        };
        let store = plan.desired.store;
        let in_store = |wanted: Store| store_arn.clone().filter(|_| store == wanted);
        Self {
            lab: lab.to_string(),
            dry_run,
            target: aws.target.to_string(),
            region: aws.region.clone(),
            account: observed.identity.account.clone(),
            layer: observed.layer.clone(),
            resources: plan.rows.clone(),
            store,
            secret_arn: in_store(Store::SecretsManager),
            parameter_arn: in_store(Store::ParameterStore),
            function_arn,
            policy_document,
            extension_port: plan.desired.extension.port,
            api_calls: aws.calls.summary(),
            elapsed_ms,
            legacy_function: None,
        }
    }
}

impl UpReport {
    /// The plan alone, as the tour shows it before applying it (no dry-run footer).
    pub fn planned(&self) -> PlannedRows<'_> {
        PlannedRows(self)
    }

    /// How many resources each action touched, in the plan's order of actions.
    fn counts(&self) -> Vec<(Action, usize)> {
        let mut counts: Vec<(Action, usize)> = Vec::new();
        for row in &self.resources {
            match counts.iter_mut().find(|(action, _)| *action == row.action) {
                Some((_, n)) => *n += 1,
                None => counts.push((row.action, 1)),
            }
        }
        counts
    }

    fn fmt_heading(&self, f: &mut fmt::Formatter<'_>, title: &str) -> fmt::Result {
        let heading = style::lab_heading(title, &self.lab, &self.account, &self.region);
        writeln!(f, "{heading}")?;
        writeln!(f, "target: {}", self.target)?;
        writeln!(
            f,
            "extension layer (from {}):\n  {}",
            self.layer.source, self.layer.arn
        )
    }

    /// One line per resource: the planned action, or (applied) what was done.
    fn fmt_rows(&self, f: &mut fmt::Formatter<'_>, applied: bool) -> fmt::Result {
        for r in &self.resources {
            if applied {
                let done = format!("{:<10}", r.action.past());
                let done = match r.action {
                    Action::Unchanged => style::dim(&done),
                    _ => style::ok(&done),
                };
                write!(f, "  {done}{:<11}{}", r.kind.key(), r.name)?;
            } else {
                write!(f, "  {}{:<11}{}", r.action, r.kind.key(), r.name)?;
            }
            if !r.detail.is_empty() {
                write!(f, "  {}", style::dim(&format!("({})", r.detail)))?;
            }
            writeln!(f)?;
        }
        Ok(())
    }
}

/// [`UpReport::planned`]: the heading and the planned rows.
pub struct PlannedRows<'a>(&'a UpReport);

impl fmt::Display for PlannedRows<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt_heading(f, "plan for lab")?;
        self.0.fmt_rows(f, false)
    }
}

impl fmt::Display for UpReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.dry_run {
            write!(f, "{}", self.planned())?;
            return writeln!(
                f,
                "{}",
                style::hint("dry run: nothing was changed; run `secretslab up` to apply")
            );
        }
        self.fmt_heading(f, "lab")?;
        self.fmt_rows(f, true)?;
        let counts: Vec<String> = self
            .counts()
            .into_iter()
            .map(|(action, n)| format!("{n} {}", action.past()))
            .collect();
        writeln!(f, "applied: {}", counts.join(", "))?;
        if let Some(arn) = &self.function_arn {
            writeln!(f, "function: {arn}")?;
        }
        if let Some(arn) = &self.secret_arn {
            writeln!(f, "secret:   {arn}")?;
        }
        if let Some(arn) = &self.parameter_arn {
            writeln!(f, "parameter: {arn}")?;
        }
        if let Some(name) = &self.legacy_function {
            writeln!(
                f,
                "legacy:   {name} (credentials in plaintext; `secretslab audit --function {name}` finds them, `secretslab migrate {name} --flagged` moves them)"
            )?;
        }
        writeln!(
            f,
            "{} in {:.1} s ({} API calls, {} writes); next: `secretslab test`",
            style::ok("ready"),
            self.elapsed_ms as f64 / 1000.0,
            self.api_calls.total,
            self.api_calls.writes
        )
    }
}
