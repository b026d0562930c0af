//! What a tour step does and shows: the values of its `{{placeholders}}` (read from the live
//! account and lab), its action (the same workflows the commands run) and the check after it.

use std::collections::BTreeMap;
use std::io::Write;

use serde_json::Value;

use crate::aws::function::get_function;
use crate::aws::identity::Identity;
use crate::aws::lambda::State;
use crate::aws::observed::Observed;
use crate::aws::secret::{get_secret, Recovery};
use crate::domain::handler::Handler;
use crate::domain::kinds::Runtime;
use crate::domain::names::{ResourceKind, ResourceNames};
use crate::domain::policy::{lab_read_policy, trust_policy};
use crate::error::Result;
use crate::lab::deploy::{self, planned_secret_arn, Settings};
use crate::lab::exercise::{self, TestOptions};
use crate::lab::inspect::{self, Health};
use crate::lab::teardown;
use crate::session::{Connection, Session};
use crate::tour::steps::{Step, StepAction, StepCheck};

use super::runner::StepOutcome;

/// Values for the steps' `{{placeholders}}`, from the live account and lab.
pub(super) async fn placeholders(
    session: &Session,
    connection: &Connection,
    identity: &Identity,
    body: &str,
    runtime: Runtime,
) -> Result<BTreeMap<&'static str, String>> {
    let names = session.names();
    let region = &connection.aws.region;
    // Only a step that shows the permission policy needs the secret's real ARN.
    let mut secret_arn = planned_secret_arn(identity, region, &names);
    if body.contains("{{policy_json}}") {
        if let Observed::Owned(info) = get_secret(&connection.aws.secrets, &names).await? {
            secret_arn = info.arn;
        }
    }
    let pretty = |v: &serde_json::Value| serde_json::to_string_pretty(v).unwrap_or_default();
    Ok([
        ("account", identity.account.clone()),
        ("region", region.clone()),
        ("partition", identity.partition.clone()),
        ("name", names.lab.clone()),
        ("secret_name", names.secret.clone()),
        ("role_name", names.role.clone()),
        ("policy_name", names.policy.clone()),
        ("trust_policy_json", pretty(&trust_policy())),
        (
            "policy_json",
            pretty(&lab_policy(identity, region, &names, &secret_arn)),
        ),
    ]
    .into_iter()
    .chain(handler_values(runtime.handler()))
    .collect())
}

/// The read policy `up` attaches with the tour's settings (the default store, no KMS key).
pub(super) fn lab_policy(
    identity: &Identity,
    region: &str,
    names: &ResourceNames,
    secret_arn: &str,
) -> Value {
    let database_arn = identity.scope(region).parameter(&names.simulated_db);
    let store = Settings::defaults(false).store;
    lab_read_policy(store, secret_arn, None, &database_arn.to_string())
}

/// The handler step's values: the handler `runtime` runs, excerpted.
pub(super) fn handler_values(handler: &Handler) -> [(&'static str, String); 4] {
    [
        ("handler_code", handler_excerpt(handler)),
        ("handler_language", handler.language.to_string()),
        ("handler_file", handler.file.to_string()),
        ("handler_fence", handler.fence.to_string()),
    ]
}

/// The part of the handler that talks to the extension, with those lines marked `»`.
pub fn handler_excerpt(handler: &Handler) -> String {
    let lines: Vec<&str> = handler.source.lines().collect();
    // `# tour:start` in Python, `// tour:start` in JavaScript.
    let marked = |l: &str, mark: &str| {
        [format!("# {mark}"), format!("// {mark}")].contains(&l.trim().to_string())
    };
    let start = lines
        .iter()
        .position(|l| marked(l, "tour:start"))
        .map(|i| i + 1)
        .unwrap_or(0);
    let end = lines
        .iter()
        .position(|l| marked(l, "tour:end"))
        .unwrap_or(lines.len());
    let talks_to_extension = |line: &str| {
        [
            "TOKEN_HEADER",
            "secretsmanager/get",
            "urlopen",
            "EXTENSION_HOST",
            "HTTP_PORT",
        ]
        .iter()
        .any(|needle| line.contains(needle))
    };
    lines[start..end.max(start)]
        .iter()
        .map(|line| {
            if talks_to_extension(line) {
                format!("» {line}")
            } else {
                format!("  {line}")
            }
        })
        .collect::<Vec<_>>()
        .join("\n")
}

pub(super) async fn run_step(
    session: &Session,
    connection: &Connection,
    step: &Step,
    runtime: Runtime,
) -> StepOutcome {
    match run_step_inner(session, connection, step, runtime).await {
        Ok(outcome) => outcome,
        Err(e) => StepOutcome::Failed(match e.help_text() {
            Some(help) => format!("{e} ({help})"),
            None => e.to_string(),
        }),
    }
}

async fn run_step_inner(
    session: &Session,
    connection: &Connection,
    step: &Step,
    runtime: Runtime,
) -> Result<StepOutcome> {
    let mut out = std::io::stdout();
    let outcome = match step.action {
        StepAction::None => StepOutcome::Passed,
        StepAction::Up => {
            // One observation: the plan is shown, then applied as planned.
            let settings = Settings {
                runtime,
                ..Settings::defaults(connection.emulator.is_some())
            };
            let planned = deploy::plan_lab(session, connection, &settings).await?;
            session.progress.finish();
            let plan = deploy::plan_report(session, connection, &planned);
            let _ = write!(out, "{}", plan.planned());
            let report = deploy::apply_plan(session, connection, planned).await?;
            session.progress.finish();
            let _ = write!(out, "{report}");
            let _ = writeln!(
                out,
                "policy applied to the role:\n{}",
                serde_json::to_string_pretty(&report.policy_document).unwrap_or_default()
            );
            StepOutcome::Passed
        }
        StepAction::Test => {
            let report = exercise::test_lab(session, connection, &TestOptions::default()).await?;
            session.progress.finish();
            let _ = write!(out, "{report}");
            if report.ok {
                StepOutcome::Passed
            } else {
                StepOutcome::Failed(
                    report
                        .problem
                        .unwrap_or_else(|| "the secret was not read".into()),
                )
            }
        }
        StepAction::Find => super::chapter::find(session, connection).await?,
        StepAction::Fix => super::chapter::fix(session, connection).await?,
        StepAction::Rotate => super::rotation::rotate(session, connection).await?,
        StepAction::Export => super::take_home::export(session, connection).await?,
        StepAction::Teardown => {
            let report = teardown::remove_lab(session, connection, Recovery::Immediate).await?;
            session.progress.finish();
            let _ = write!(out, "{report}");
            if report.remaining == 0 {
                StepOutcome::Passed
            } else {
                StepOutcome::Failed(format!("{} resource(s) are still there", report.remaining))
            }
        }
    };
    if let StepOutcome::Failed(_) = outcome {
        return Ok(outcome);
    }
    verify(session, connection, step.check).await
}

/// Check the step's result against the API, not against what the action reported.
async fn verify(
    session: &Session,
    connection: &Connection,
    check: StepCheck,
) -> Result<StepOutcome> {
    let names = session.names();
    Ok(match check {
        StepCheck::None | StepCheck::SecretRead => StepOutcome::Passed,
        StepCheck::PlaintextFound => super::chapter::plaintext_present(session, connection).await?,
        StepCheck::PlaintextMoved => super::chapter::plaintext_moved(session, connection).await?,
        StepCheck::Rotated => super::rotation::rotated(session, connection).await?,
        StepCheck::ExportWritten => super::take_home::written(session)?,
        StepCheck::FunctionReady => match get_function(&connection.aws.lambda, &names).await? {
            Observed::Owned(f)
                if f.state.as_ref().is_none_or(|s| *s == State::Active)
                    && f.extension_layer().is_some() =>
            {
                StepOutcome::Passed
            }
            Observed::Owned(_) => {
                StepOutcome::Failed("the function is not Active with the extension layer".into())
            }
            _ => StepOutcome::Failed("the function does not exist".into()),
        },
        StepCheck::LabRemoved => {
            let status = inspect::status(&connection.aws, &names).await?;
            let left: Vec<_> = status
                .resources
                .iter()
                .filter(|r| {
                    // A secret scheduled for deletion shows as drifted: it counts as removed.
                    r.state != Health::Missing
                        && (r.kind != ResourceKind::Secret || r.drift.is_empty())
                })
                .map(|r| r.name.clone())
                .chain(super::chapter::legacy_left(session, connection).await?)
                .collect();
            if left.is_empty() {
                StepOutcome::Passed
            } else {
                StepOutcome::Failed(format!("still there: {}", left.join(", ")))
            }
        }
    })
}
