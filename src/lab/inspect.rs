//! `status`: each lab resource as present, missing or drifted from what `up` would make.

use std::fmt;

use serde::Serialize;

use crate::aws::identity::resolve_identity;
use crate::aws::observed::Observed;
use crate::aws::policy::policy_arn;
use crate::aws::AwsContext;
use crate::domain::extension::env;
use crate::domain::handler;
use crate::domain::kinds::Store;
use crate::domain::names::{ResourceKind, ResourceNames};
use crate::domain::policy::basic_execution_policy_arn;
use crate::error::Result;
use crate::lab::deploy::observe::observe_resources;
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
    pub runtime: Option<String>,
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
                let file = handler::of_deployed(runtime).file;
                writeln!(
                    f,
                    "             {}",
                    style::dim(&format!("{runtime}, function/{file}"))
                )?;
            }
            for d in &r.drift {
                writeln!(f, "             {}", style::pending(&format!("- {d}")))?;
            }
        }
        Ok(())
    }
}

/// One drift note when `drifted`.
fn drift_if(drifted: bool, note: &str) -> Vec<String> {
    drift_notes([(drifted, note.to_string())])
}

/// The notes whose condition holds.
fn drift_notes<const N: usize>(checks: [(bool, String); N]) -> Vec<String> {
    checks
        .into_iter()
        .filter_map(|(drifted, note)| drifted.then_some(note))
        .collect()
}

fn line<T>(
    kind: ResourceKind,
    names: &ResourceNames,
    observed: &Observed<T>,
    arn: impl Fn(&T) -> String,
    drift: impl Fn(&T) -> Vec<String>,
) -> ResourceStatus {
    let (state, arn, drift) = match observed {
        Observed::Missing => (Health::Missing, None, vec![]),
        Observed::Foreign => (
            Health::NotOwned,
            None,
            vec!["exists without secretslab's tags: choose another --name".into()],
        ),
        Observed::Owned(v) => {
            let drift = drift(v);
            (
                if drift.is_empty() {
                    Health::Present
                } else {
                    Health::Drifted
                },
                Some(arn(v)),
                drift,
            )
        }
    };
    ResourceStatus {
        kind,
        name: names.name_of(kind).to_string(),
        state,
        arn,
        drift,
    }
}

pub async fn status(aws: &AwsContext, names: &ResourceNames) -> Result<StatusReport> {
    let identity = resolve_identity(&aws.sts).await?;
    let pol_arn = policy_arn(&identity.partition, &identity.account, names);
    let basic = basic_execution_policy_arn(&identity.partition);
    let (sec, par, rol, pol, log, fun) = observe_resources(aws, names, &identity).await?;
    // The function says which store the lab uses: the variable it reads the reference from.
    let store = match fun.owned() {
        Some(f) if f.env.contains_key(env::PARAMETER_NAME) => Store::ParameterStore,
        _ => Store::SecretsManager,
    };
    let (reference_var, reference) = match store {
        Store::SecretsManager => (env::SECRET_ID, &names.secret),
        Store::ParameterStore => (env::PARAMETER_NAME, &names.parameter),
    };
    let store_arn = match store {
        Store::SecretsManager => sec.owned().map(|s| s.arn.clone()),
        Store::ParameterStore => par.owned().map(|p| p.arn.clone()),
    };
    let secret_line = line(
        ResourceKind::Secret,
        names,
        &sec,
        |s| s.arn.clone(),
        |s| {
            let scheduled = s.deleted_date.is_some() && store == Store::SecretsManager;
            drift_if(
                scheduled,
                "scheduled for deletion (`secretslab up` restores it)",
            )
        },
    );
    let parameter_line = line(
        ResourceKind::Parameter,
        names,
        &par,
        |p| p.arn.clone(),
        |p| {
            drift_if(
                !p.secure,
                "not a SecureString (`secretslab up` rewrites it)",
            )
        },
    );
    // The store in use first; the other only when something of it is left.
    let mut stores = match store {
        Store::SecretsManager => vec![secret_line, parameter_line],
        Store::ParameterStore => vec![parameter_line, secret_line],
    };
    if stores[1].state == Health::Missing {
        stores.pop();
    }
    let mut resources = stores;
    resources.extend([
        line(
            ResourceKind::Role,
            names,
            &rol,
            |r| r.arn.clone(),
            |r| {
                drift_notes([
                    (
                        !r.trust_matches,
                        "trust policy does not allow lambda.amazonaws.com as expected".into(),
                    ),
                    (
                        !r.attached.contains(&basic),
                        "AWSLambdaBasicExecutionRole not attached".into(),
                    ),
                    (
                        !r.attached.contains(&pol_arn),
                        format!("{} not attached", names.policy),
                    ),
                ])
            },
        ),
        line(
            ResourceKind::Policy,
            names,
            &pol,
            |p| p.arn.clone(),
            |p| {
                let scoped = match (&p.document, &store_arn) {
                    (Some(doc), Some(arn)) => doc.to_string().contains(arn.as_str()),
                    _ => true,
                };
                drift_if(!scoped, "does not name the ARN of the lab's store")
            },
        ),
        line(
            ResourceKind::LogGroup,
            names,
            &log,
            |l| l.arn.clone(),
            |l| drift_if(l.retention_days.is_none(), "no retention set"),
        ),
        line(
            ResourceKind::Function,
            names,
            &fun,
            |f| f.arn.clone(),
            |f| {
                let layer = f
                    .layers
                    .iter()
                    .any(|l| l.contains("AWS-Parameters-and-Secrets-Lambda-Extension"));
                let state = f.state.as_deref().filter(|s| *s != "Active");
                drift_notes([
                    code_drift(&f.runtime, &f.handler, &f.code_sha256),
                    (!layer, "extension layer missing".into()),
                    (
                        f.env.get(reference_var) != Some(reference),
                        format!("{reference_var} does not name `{reference}`"),
                    ),
                    (
                        state.is_some(),
                        format!("state {}", state.unwrap_or_default()),
                    ),
                ])
            },
        ),
    ]);
    Ok(StatusReport {
        lab: names.lab.clone(),
        account: identity.account,
        region: aws.region.clone(),
        runtime: fun.owned().map(|f| f.runtime.clone()),
        resources,
    })
}

/// The code (or entry point) differs from the lab's handler for the function's runtime.
fn code_drift(runtime: &str, entry: &str, code_sha256: &str) -> (bool, String) {
    let handler = handler::of_deployed(runtime);
    let package = crate::domain::kinds::Runtime::from_id(runtime).map(handler::package);
    let same_code = matches!(package, Some(Ok(p)) if p.sha256 == code_sha256);
    if !same_code {
        return (true, format!("code differs from function/{}", handler.file));
    }
    let note = format!("handler is `{entry}`, not `{}`", handler.entry);
    (entry != handler.entry, note)
}
