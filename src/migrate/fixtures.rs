//! Observed states for the planning tests, built directly (no AWS): a function `billing`, the
//! secret expand writes for it, the tags that say it is this function's.

use crate::domain::arn::{Arn, Scope};
use std::collections::BTreeMap;

use crate::aws::migration::{DocumentRef, Found, Values};
use crate::aws::target_function::TargetFunction;
use crate::domain::kinds::Store;
use crate::domain::migration::{document_tags, evidence_baseline};

use super::plan::{Action, Plan};
use super::Settings;

pub const ARN: &str = "arn:aws:lambda:us-east-1:123456789012:function:billing";
pub const ROLE: &str = "billing-role";
pub const SECRET: &str = "billing/env";
pub const LAYER: &str =
    "arn:aws:lambda:us-east-1:177933569100:layer:AWS-Parameters-and-Secrets-Lambda-Extension:24";
/// The value being moved: no reason, warning or `Debug` of a plan may show it.
pub const PASSWORD: &str = "Zq8#pL2!vX9@mK4$";
pub const CODE: &str = "code-at-expand";

pub fn function(env: &[(&str, &str)], layers: &[&str]) -> TargetFunction {
    TargetFunction {
        name: "billing".into(),
        arn: ARN.into(),
        role_arn: Scope::new("aws", "", "123456789012").role(ROLE).to_string(),
        runtime: Some(crate::domain::kinds::Runtime::Python313.into()),
        architecture: crate::domain::kinds::Arch::X86_64,
        layers: layers.iter().map(|l| l.to_string()).collect(),
        env: pairs(env).into(),
        code_sha256: CODE.into(),
        revision_id: Some("rev-1".into()),
        ..Default::default()
    }
}

pub fn settings(vars: &[&str]) -> Settings {
    Settings {
        vars: vars.iter().map(|v| v.to_string()).collect(),
        ..Settings::new("billing")
    }
}

pub fn secret() -> DocumentRef {
    DocumentRef {
        store: Store::SecretsManager,
        name: SECRET.into(),
    }
}

/// The secret as an expand that attached the layer left it.
pub fn ours() -> Found {
    let baseline = evidence_baseline(CODE, 0);
    let tags = document_tags(ARN, Some(LAYER), &[], &baseline);
    Found {
        arn: Arn::new(
            "aws",
            "secretsmanager",
            "us-east-1",
            "123456789012",
            &format!("secret:{SECRET}-AbCdEf"),
        )
        .to_string(),
        tags: tags.into_iter().collect(),
        scheduled_for_deletion: false,
        key_id: None,
    }
}

pub fn scheduled() -> Found {
    Found {
        scheduled_for_deletion: true,
        ..ours()
    }
}

pub fn pairs(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
    (pairs.iter())
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

pub fn values(pairs_: &[(&str, &str)]) -> Values {
    Values(pairs(pairs_))
}

/// The kinds of the plan's changing steps, in order.
pub fn kinds(plan: &Plan) -> Vec<&'static str> {
    let kind = |action: &Action| match action {
        Action::Keep => "keep",
        Action::PutGrant { .. } => "put grant",
        Action::CreateDocument { .. } => "create document",
        Action::RestoreDocument => "restore document",
        Action::WriteDocument { .. } => "write document",
        Action::TagDocument { .. } => "tag document",
        Action::UpdateFunction { .. } => "update function",
        Action::PublishVersion { .. } => "publish version",
        Action::MoveAlias { .. } => "move alias",
        Action::RemoveGrant { .. } => "remove grant",
        Action::RetireDocument => "retire document",
        Action::StartLocalExtension { .. } => "start local extension",
        Action::ForgetLocalExtension => "forget local extension",
        Action::DeleteVersion { .. } => "delete version",
    };
    plan.actions().into_iter().map(kind).collect()
}

/// The environment an `UpdateFunction` step sets (the first one).
pub fn updated_env(plan: &Plan) -> BTreeMap<String, String> {
    plan.actions()
        .into_iter()
        .find_map(|a| match a {
            Action::UpdateFunction { env, .. } => Some(env.0.clone()),
            _ => None,
        })
        .expect("an UpdateFunction step")
}

/// The values a `CreateDocument` or `WriteDocument` step stores.
pub fn written(plan: &Plan) -> BTreeMap<String, String> {
    plan.actions()
        .into_iter()
        .find_map(|a| match a {
            Action::CreateDocument { values, .. } | Action::WriteDocument { values, .. } => {
                Some(values.0.clone())
            }
            _ => None,
        })
        .expect("a step that writes the document")
}

/// Nothing a person reads (reasons, warnings, `Debug`) holds the value.
pub fn assert_no_value(plan: &Plan) {
    let shown = format!("{plan:?}");
    assert!(!shown.contains(PASSWORD), "{shown}");
    for step in &plan.steps {
        assert!(!step.reason.contains(PASSWORD), "{}", step.reason);
    }
    assert!(plan.warnings.iter().all(|w| !w.contains(PASSWORD)));
}
