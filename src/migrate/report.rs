//! What a migrate run did (or, with `--dry-run`, would do), built from the plan and the
//! executor's outcomes: one row per step, the warnings, the handler change and what to do
//! next. Names only: no value ever reaches a report.

use std::fmt;

use serde::Serialize;

use crate::ui::style;

use crate::aws::migration::DocumentRef;
use crate::aws::target_function::AliasRoute;
use crate::domain::owner::Owner;

use super::plan::Plan;
use super::{snippets, Phase};

/// Columns a report keeps within (the tour's terminal width).
const WIDTH: usize = 80;

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
    /// Who deploys the function.
    pub owner: Owner,
    pub document: DocumentRef,
    pub variables: Vec<String>,
    pub steps: Vec<StepRow>,
    pub warnings: Vec<String>,
    /// The code change the handler needs (expand).
    pub handler_change: Option<String>,
    /// Published versions whose environment still holds a moved variable in plaintext.
    pub versions_holding_values: Vec<String>,
    /// The aliases routing to those versions (a version behind one is kept by a purge).
    pub aliases_routing: Vec<AliasRoute>,
    pub next: Vec<String>,
}

impl MigrationReport {
    /// The report of a plan, with what the executor did of each of its steps.
    pub fn new(plan: &Plan, outcomes: &[Outcome], dry_run: bool) -> Self {
        let steps = (plan.steps.iter().zip(outcomes)).map(|(step, outcome)| StepRow {
            step: step.reason.clone(),
            outcome: *outcome,
        });
        let handler_change = (plan.phase == Phase::Expand).then(|| {
            let runtime = plan.runtime.as_ref();
            snippets::handler_change(runtime, plan.document.store, &plan.variables)
        });
        Self {
            function: plan.function.clone(),
            phase: plan.phase,
            dry_run,
            owner: plan.owner.clone(),
            document: plan.document.clone(),
            variables: plan.variables.clone(),
            steps: steps.collect(),
            warnings: plan.warnings.clone(),
            handler_change,
            versions_holding_values: plan.versions_holding_values.clone(),
            aliases_routing: plan.aliases_routing.clone(),
            next: next(plan),
        }
    }

    /// One phase run in two passes: this report's steps and warnings, then `later`'s.
    pub fn then(mut self, mut later: Self) -> Self {
        self.steps.append(&mut later.steps);
        self.warnings.append(&mut later.warnings);
        later.steps = self.steps;
        later.warnings = self.warnings;
        later
    }

    pub fn changed_anything(&self) -> bool {
        self.steps.iter().any(|s| s.outcome != Outcome::Unchanged)
    }
}

/// What to do after this phase.
fn next(plan: &Plan) -> Vec<String> {
    let name = &plan.function;
    match plan.phase {
        Phase::Expand => vec![
            "change the handler as shown, deploy it, and invoke the function: it reads the references now".into(),
            format!("then `secretslab migrate {name} --finish` removes the plaintext (`--alias NAME` also publishes a version and moves the alias)"),
            format!("or `secretslab migrate {name} --rollback` undoes all of this"),
        ],
        Phase::Finish => {
            let mut next = Vec::new();
            if !plan.versions_holding_values.is_empty() {
                next.push(format!("`secretslab migrate {name} --purge-versions` deletes the published versions that hold the value and no alias routes to (`--dry-run` lists them first)"));
            }
            next.push(format!(
                "rotate {}: the value was readable by everyone allowed lambda:GetFunctionConfiguration (`secretslab rotate` shows it for the lab)",
                plan.variables.join(", ")
            ));
            next
        }
        Phase::Purge => vec![format!(
            "rotate {}: a deleted version no longer holds the value, but it was readable while it did",
            plan.variables.join(", ")
        )],
        Phase::Rollback => vec![format!(
            "`secretslab migrate {name} --var NAME` starts again whenever you are ready"
        )],
    }
}

impl MigrationReport {
    /// Where the old value still lives: the versions, and the aliases routing to them.
    fn where_values_live(&self) -> String {
        let routed: Vec<String> = (self.aliases_routing.iter())
            .map(|a| format!("alias `{}` routes to {}", a.alias, a.versions.join(", ")))
            .collect();
        let routed = match routed.is_empty() {
            true => "no alias routes to them".to_string(),
            false => routed.join("; "),
        };
        format!(
            "the old value still lives in published version(s) {} ({routed}); `secretslab audit` keeps reporting them until they are deleted",
            self.versions_holding_values.join(", ")
        )
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
        writeln!(f, "  {} {}", style::dim("owner   "), self.owner)?;
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
        if !self.versions_holding_values.is_empty() && self.phase != Phase::Purge {
            let text = self.where_values_live();
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

#[cfg(test)]
mod tests {
    use super::super::fixtures::*;
    use super::super::plan::Action;
    use super::*;

    fn plan() -> Plan {
        let mut plan = Plan::new(Phase::Expand, "billing", secret());
        plan.runtime = Some(crate::domain::kinds::Runtime::Python313.into());
        plan.variables = vec!["DB_PASSWORD".into()];
        plan.keep("role `billing-role` may read secret `billing/env`");
        let values = values(&[("DB_PASSWORD", PASSWORD)]);
        let create = Action::CreateDocument {
            values,
            kms_key: None,
            tags: Vec::new(),
        };
        plan.push(create, "secret `billing/env` created with 1 variable(s)");
        plan
    }

    #[test]
    fn a_dry_run_renders_the_same_plan_as_would() {
        let plan = plan();
        let outcomes = [Outcome::Unchanged, Outcome::Planned];
        let report = MigrationReport::new(&plan, &outcomes, true);
        let text = report.to_string();
        assert!(text.contains("dry run: nothing was changed"), "{text}");
        assert!(text.contains("as is  role `billing-role`"), "{text}");
        assert!(
            text.contains("would  secret `billing/env` created"),
            "{text}"
        );
        assert!(text.contains("read_moved(\"DB_PASSWORD\")"), "{text}");
        let json = serde_json::to_string(&report).unwrap_or_default();
        assert!(!text.contains(PASSWORD) && !json.contains(PASSWORD));
    }

    #[test]
    fn two_passes_make_one_report_in_order() {
        let mut first = Plan::new(Phase::Rollback, "billing", secret());
        first.push(Action::RestoreDocument, "secret `billing/env` restored");
        let mut second = Plan::new(Phase::Rollback, "billing", secret());
        second.variables = vec!["DB_PASSWORD".into()];
        second.push(Action::RetireDocument, "secret `billing/env` scheduled");
        let report = MigrationReport::new(&first, &[Outcome::Done], false)
            .then(MigrationReport::new(&second, &[Outcome::Done], false));
        let rows: Vec<&str> = report.steps.iter().map(|s| s.step.as_str()).collect();
        assert_eq!(
            rows,
            [
                "secret `billing/env` restored",
                "secret `billing/env` scheduled"
            ]
        );
        assert_eq!(report.variables, ["DB_PASSWORD"]);
        assert!(report.handler_change.is_none() && report.changed_anything());
    }
}
