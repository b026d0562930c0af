//! `status`: the plan `up` would make, shown as each lab resource's health (present, missing,
//! drifted from what `up` would make it, or not the lab's).

use std::fmt;

use serde::Serialize;

use crate::aws::AwsContext;
use crate::domain::handler;
use crate::domain::names::{ResourceKind, ResourceNames};
use crate::domain::runtime::LambdaRuntime;
use crate::error::Result;
use crate::lab::deploy::observe;
use crate::lab::deploy::plan::{self, Action, Plan, Settings};
use crate::ui::style;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Health {
    Present,
    Missing,
    Drifted,
    NotOwned,
}

#[derive(Debug, Clone, Serialize)]
pub struct ResourceStatus {
    pub kind: ResourceKind,
    pub name: String,
    pub state: Health,
    /// Set when the resource is the lab's.
    pub arn: Option<String>,
    /// How it differs from what `up` would make it, one note each.
    pub drift: Vec<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct StatusReport {
    pub lab: String,
    pub account: String,
    pub region: String,
    /// The function's runtime (`python3.13`, `nodejs22.x`), when it exists.
    pub runtime: Option<LambdaRuntime>,
    pub resources: Vec<ResourceStatus>,
}

impl StatusReport {
    pub fn all_present(&self) -> bool {
        self.resources.iter().all(|r| r.state == Health::Present)
    }
}

impl fmt::Display for StatusReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let heading = style::lab_heading("status of lab", &self.lab, &self.account, &self.region);
        writeln!(f, "{heading}")?;
        for r in &self.resources {
            let (state, width) = match r.state {
                Health::Present => (style::ok("present"), 7),
                Health::Missing => (style::dim("missing"), 7),
                Health::Drifted => (style::pending("drifted"), 7),
                Health::NotOwned => (style::failed("not owned"), 9),
            };
            write!(
                f,
                "  {state}{}{:<11}{}",
                " ".repeat(11 - width),
                r.kind.key(),
                r.name
            )?;
            writeln!(f)?;
            if let Some(arn) = &r.arn {
                writeln!(f, "             {}", style::dim(arn))?;
            }
            if let (ResourceKind::Function, Some(runtime)) = (r.kind, &self.runtime) {
                let file = runtime.handler().file;
                let shown = format!("{runtime}, function/{file}");
                writeln!(f, "             {}", style::dim(&shown))?;
            }
            for d in &r.drift {
                writeln!(f, "             {}", style::pending(&format!("- {d}")))?;
            }
        }
        Ok(())
    }
}

impl StatusReport {
    /// The plan, as each resource's health: unchanged is present, create is missing, any
    /// other change is drift with exactly the plan's reasons, and someone else's is not owned.
    pub fn of_plan(lab: &str, region: &str, plan: &Plan) -> Self {
        let resources = plan
            .rows
            .iter()
            .map(|row| {
                let state = match row.action {
                    Action::Unchanged => Health::Present,
                    Action::Create => Health::Missing,
                    Action::Update | Action::Restore | Action::Remove => Health::Drifted,
                    Action::NotOwned => Health::NotOwned,
                };
                ResourceStatus {
                    kind: row.kind,
                    name: row.name.clone(),
                    state,
                    arn: plan.observation.arn_of(row.kind),
                    drift: row.reasons.clone(),
                }
            })
            .collect();
        Self {
            lab: lab.to_string(),
            account: plan.observation.identity.account.clone(),
            region: region.to_string(),
            runtime: plan
                .observation
                .found
                .function
                .owned()
                .and_then(|f| f.runtime.clone()),
            resources,
        }
    }
}

/// Plan as `up` without flags would (in the store the lab uses), and report that plan.
pub async fn status(aws: &AwsContext, names: &ResourceNames) -> Result<StatusReport> {
    let defaults = Settings::defaults(false);
    let observation =
        observe::observe(aws, names, defaults.arch, defaults.layer_arn.as_deref()).await?;
    let settings = plan::status_settings(&observation);
    let package = handler::package(settings.runtime)?;
    let plan = plan::draft(observation, names, &settings, &aws.region, &package)?;
    Ok(StatusReport::of_plan(&names.lab, &aws.region, &plan))
}
