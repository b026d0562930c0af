//! The function's desired-state rule: each difference from the desired function as a reason,
//! and whether the code or the configuration update removes it. Environment values are never
//! named (a drifted variable may hold anything), only the variables.

use std::collections::BTreeSet;

use crate::aws::function::{
    architecture, DesiredFunction, FunctionInfo, MEMORY_MB, TIMEOUT_SECONDS,
};
use crate::aws::observed::Observed;

use super::resources::Change;
use super::step::Step;
use super::Action;

/// Which update removes a difference.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Part {
    Code,
    /// The configuration field, as progress names it.
    Config(&'static str),
}

fn differences(current: &FunctionInfo, desired: &DesiredFunction) -> Vec<(Part, String)> {
    let mut found = Vec::new();
    if current.code_sha256 != desired.package.sha256 {
        found.push((
            Part::Code,
            "code differs from the lab's handler".to_string(),
        ));
    }
    if current.architecture != desired.arch {
        let (now, want) = (
            architecture(current.architecture),
            architecture(desired.arch),
        );
        let reason = format!("architecture {}, want {}", now.as_str(), want.as_str());
        found.push((Part::Code, reason));
    }
    if current.role != desired.role_arn {
        let reason = format!("role `{}`, want `{}`", current.role, desired.role_arn);
        found.push((Part::Config("role"), reason));
    }
    if current.runtime != Some(desired.runtime.into()) {
        let now = current.runtime.as_ref().map_or("unset", |r| r.id());
        let reason = format!("runtime {now}, want {}", desired.runtime.id());
        found.push((Part::Config("runtime"), reason));
    }
    let entry = crate::domain::handler::entry(desired.runtime);
    if current.handler != entry {
        let reason = format!("handler `{}`, want `{entry}`", current.handler);
        found.push((Part::Config("handler"), reason));
    }
    let layers: Vec<String> = desired.layer_arn.iter().cloned().collect();
    if current.layer_arns() != layers {
        let reason = match (current.layers.is_empty(), &desired.layer_arn) {
            (true, Some(_)) => "extension layer missing".to_string(),
            (_, Some(layer)) => format!("layers are not exactly `{layer}`"),
            (_, None) => "has layers, want none".to_string(),
        };
        found.push((Part::Config("extension layer"), reason));
    }
    found.extend(
        environment(current, desired)
            .into_iter()
            .map(|reason| (Part::Config("environment"), reason)),
    );
    for (what, now, want, unit) in [
        ("timeout", current.timeout, TIMEOUT_SECONDS, "s"),
        ("memory", current.memory, MEMORY_MB, "MB"),
    ] {
        if now != Some(want) {
            let now = now.map_or_else(|| "unset".to_string(), |n| format!("{n} {unit}"));
            let reason = format!("{what} {now}, want {want} {unit}");
            found.push((Part::Config("timeout/memory"), reason));
        }
    }
    found
}

/// One note per variable that is missing, unexpected or different.
fn environment(current: &FunctionInfo, desired: &DesiredFunction) -> Vec<String> {
    let keys: BTreeSet<&String> = current.env.keys().chain(desired.env.keys()).collect();
    keys.into_iter()
        .filter_map(|key| match (current.env.get(key), desired.env.get(key)) {
            (None, Some(_)) => Some(format!("environment variable {key} missing")),
            (Some(_), None) => Some(format!("environment variable {key} not expected")),
            (Some(now), Some(want)) if now != want => {
                Some(format!("environment variable {key} differs"))
            }
            _ => None,
        })
        .collect()
}

/// The steps that bring an existing function to `desired`, after the reasons for them.
pub fn updates(current: &FunctionInfo, desired: &DesiredFunction) -> (Vec<String>, Vec<Step>) {
    let found = differences(current, desired);
    let mut fields: Vec<&'static str> = Vec::new();
    for part in found.iter().map(|(part, _)| *part) {
        if let Part::Config(field) = part {
            if !fields.contains(&field) {
                fields.push(field);
            }
        }
    }
    let mut steps = Vec::new();
    if !found.is_empty() && !current.is_settled() {
        steps.push(Step::WaitForFunction);
    }
    if found.iter().any(|(part, _)| *part == Part::Code) {
        steps.push(Step::UpdateFunctionCode);
    }
    if !fields.is_empty() {
        steps.push(Step::UpdateFunctionConfiguration { fields });
    }
    (found.into_iter().map(|(_, reason)| reason).collect(), steps)
}

pub fn function(observed: &Observed<FunctionInfo>, desired: &DesiredFunction) -> Change {
    match observed {
        Observed::Foreign => Change::foreign(),
        Observed::Missing => Change {
            action: Action::Create,
            detail: "with the extension layer".to_string(),
            reasons: Vec::new(),
            steps: vec![Step::CreateFunction],
        },
        Observed::Owned(current) => {
            let (reasons, steps) = updates(current, desired);
            let action = if reasons.is_empty() {
                Action::Unchanged
            } else {
                Action::Update
            };
            Change {
                action,
                detail: reasons.join(", "),
                reasons,
                steps,
            }
        }
    }
}
