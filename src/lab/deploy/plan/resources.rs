//! The desired-state rules, one function per resource: from what was observed and what is
//! wanted, the action, one reason per difference, and the steps that remove the differences.

use crate::aws::logs::{LogGroupInfo, RETENTION_DAYS};
use crate::aws::observed::Observed;
use crate::aws::parameter::ParameterInfo;
use crate::aws::policy::PolicyInfo;
use crate::aws::role::RoleInfo;
use crate::aws::secret::SecretInfo;
use crate::aws::simulated_db::SimulatedDbInfo;
use crate::domain::defaults;
use crate::domain::kinds::Store;
use crate::domain::policy::same_policy;
use crate::domain::simulated_db::Login;

use super::step::{Grant, NewValue, Step};
use super::{Action, DesiredLab};

/// What the plan does to one resource.
#[derive(Debug, Clone, PartialEq)]
pub struct Change {
    pub action: Action,
    /// What a create makes, or the reasons joined.
    pub detail: String,
    /// One note per difference from the desired state.
    pub reasons: Vec<String>,
    pub steps: Vec<Step>,
}

impl Change {
    fn create(detail: impl Into<String>, steps: Vec<Step>) -> Self {
        Self {
            action: Action::Create,
            detail: detail.into(),
            reasons: Vec::new(),
            steps,
        }
    }

    /// `action` when there is a difference, else unchanged.
    fn of(action: Action, differences: Vec<(String, Vec<Step>)>) -> Self {
        if differences.is_empty() {
            return Self::of_reasons(Action::Unchanged, Vec::new(), Vec::new());
        }
        let (reasons, steps): (Vec<String>, Vec<Vec<Step>>) = differences.into_iter().unzip();
        Self::of_reasons(action, reasons, steps.concat())
    }

    fn of_reasons(action: Action, reasons: Vec<String>, steps: Vec<Step>) -> Self {
        Self {
            action,
            detail: reasons.join(", "),
            reasons,
            steps,
        }
    }

    pub fn foreign() -> Self {
        let reason = "exists without secretslab's tags: choose another --name".to_string();
        Self::of_reasons(Action::NotOwned, vec![reason], Vec::new())
    }

    /// The resource in the store the lab left: removed once its value is carried over.
    pub fn left_behind(store: Store) -> Self {
        let reason =
            format!("the lab moved to {store}: its value is carried over, then this is removed");
        let step = match store.other() {
            Store::SecretsManager => Step::RemoveSecret {
                recovery_days: defaults::RECOVERY_DAYS,
            },
            Store::ParameterStore => Step::DeleteParameter,
        };
        Self::of_reasons(Action::Remove, vec![reason], vec![step])
    }
}

/// Both stores write `value` only when it may differ from what is stored.
fn value_difference(
    value: Option<&NewValue>,
    put: impl Fn(NewValue) -> Step,
) -> Option<(String, Vec<Step>)> {
    value.map(|v| {
        (
            format!("{} (if different)", v.source()),
            vec![put(v.clone())],
        )
    })
}

pub fn secret(
    observed: &Observed<SecretInfo>,
    desired: &DesiredLab,
    value: Option<&NewValue>,
) -> Change {
    let info = match observed {
        Observed::Foreign => return Change::foreign(),
        Observed::Missing => {
            let value = value.cloned().unwrap_or(NewValue::Generated);
            let detail = value.source();
            let kms_key = desired.kms_key.clone();
            return Change::create(detail, vec![Step::CreateSecret { value, kms_key }]);
        }
        Observed::Owned(info) => info,
    };
    let mut differences = Vec::new();
    if info.deleted_date.is_some() {
        differences.push((
            "scheduled for deletion".to_string(),
            vec![Step::RestoreSecret],
        ));
    }
    if let Some(key) = desired
        .kms_key
        .as_ref()
        .filter(|k| info.kms_key_id.as_ref() != Some(k))
    {
        let step = Step::SetSecretKey {
            kms_key: key.clone(),
        };
        differences.push(("encrypted with another KMS key".to_string(), vec![step]));
    }
    differences.extend(value_difference(value, |value| Step::PutSecretValue {
        value,
    }));
    let action = if info.deleted_date.is_some() {
        Action::Restore
    } else {
        Action::Update
    };
    Change::of(action, differences)
}

pub fn parameter(
    observed: &Observed<ParameterInfo>,
    desired: &DesiredLab,
    value: Option<&NewValue>,
) -> Change {
    let kms_key = desired.kms_key.clone();
    let info = match observed {
        Observed::Foreign => return Change::foreign(),
        Observed::Missing => {
            let value = value.cloned().unwrap_or(NewValue::Generated);
            let detail = format!("SecureString, {}", value.source());
            return Change::create(detail, vec![Step::CreateParameter { value, kms_key }]);
        }
        Observed::Owned(info) => info,
    };
    let mut differences = Vec::new();
    if !info.secure {
        differences.push(("not a SecureString".to_string(), vec![]));
    }
    if kms_key.is_some() && info.key_id != kms_key {
        differences.push(("encrypted with another KMS key".to_string(), vec![]));
    }
    if differences.is_empty() {
        let put = |value| Step::PutParameterValue {
            value,
            kms_key: kms_key.clone(),
        };
        differences.extend(value_difference(value, put));
    } else {
        // One write makes it a SecureString under the key, with the value wanted.
        if let Some(source) = value {
            differences.push((format!("{} (if different)", source.source()), vec![]));
        }
        let value = value.cloned();
        differences[0]
            .1
            .push(Step::RewriteParameter { value, kms_key });
    }
    Change::of(Action::Update, differences)
}

pub fn role(observed: &Observed<RoleInfo>, desired: &DesiredLab) -> Change {
    let attach = |arn: &String| Step::AttachPolicy { arn: arn.clone() };
    let info = match observed {
        Observed::Foreign => return Change::foreign(),
        Observed::Missing => {
            let mut steps = vec![Step::CreateRole];
            steps.extend(desired.role_policies.iter().map(attach));
            return Change::create("trust: lambda.amazonaws.com", steps);
        }
        Observed::Owned(info) => info,
    };
    let mut differences = Vec::new();
    if !info.trust_matches {
        let reason = "trust policy is not lambda.amazonaws.com's".to_string();
        differences.push((reason, vec![Step::UpdateTrustPolicy]));
    }
    for policy in desired
        .role_policies
        .iter()
        .filter(|p| !info.attached.contains(p))
    {
        let name = policy.rsplit('/').next().unwrap_or(policy);
        differences.push((format!("{name} not attached"), vec![attach(policy)]));
    }
    Change::of(Action::Update, differences)
}

/// `left_behind_arn`: the resource of the store the lab leaves, which the policy also grants
/// until the function has moved.
pub fn policy(
    observed: &Observed<PolicyInfo>,
    desired: &DesiredLab,
    creates_store: bool,
    left_behind_arn: Option<&str>,
) -> Change {
    let grant = match left_behind_arn {
        Some(arn) => Grant::Both {
            left_behind_arn: arn.to_string(),
        },
        None => Grant::Store,
    };
    let narrow = left_behind_arn.map(|_| Step::NarrowPolicy);
    let label = desired.store.kind().label();
    let info = match observed {
        Observed::Foreign => return Change::foreign(),
        Observed::Missing => {
            let mut steps = vec![Step::CreatePolicy { grant }];
            steps.extend(narrow);
            return Change::create(format!("read this {label} only"), steps);
        }
        Observed::Owned(info) => info,
    };
    let wanted = desired.policy_document(desired.store_arn());
    if info
        .document
        .as_ref()
        .is_some_and(|d| same_policy(d, &wanted))
    {
        return Change::of(Action::Update, Vec::new());
    }
    let reason = if creates_store {
        format!("must name the new {label}'s ARN")
    } else {
        format!("document differs from reading this {label} only")
    };
    let mut steps = vec![Step::UpdatePolicy { grant }];
    steps.extend(narrow);
    Change::of(Action::Update, vec![(reason, steps)])
}

pub fn log_group(observed: &Observed<LogGroupInfo>) -> Change {
    let info = match observed {
        Observed::Foreign => return Change::foreign(),
        Observed::Missing => {
            let detail = format!("retention {RETENTION_DAYS} days");
            return Change::create(detail, vec![Step::CreateLogGroup]);
        }
        Observed::Owned(info) => info,
    };
    let reason = match info.retention_days {
        Some(RETENTION_DAYS) => return Change::of(Action::Update, Vec::new()),
        Some(days) => format!("retention {days} days, want {RETENTION_DAYS}"),
        None => format!("no retention set, want {RETENTION_DAYS} days"),
    };
    Change::of(Action::Update, vec![(reason, vec![Step::SetRetention])])
}

/// The lab's simulated database accepts the login in the store's current value. `login` is
/// that login when it is known (the store is live and its value holds a password);
/// `value_changes` when the plan may give the store a new value, which it must then accept.
pub fn simulated_db(
    observed: &Observed<SimulatedDbInfo>,
    login: Option<&Login>,
    value_changes: bool,
) -> Change {
    let step = || vec![Step::AcceptCurrentLogin];
    let info = match observed {
        Observed::Foreign => return Change::foreign(),
        Observed::Missing => {
            let detail = "simulated, salted digests";
            return Change::create(detail, step());
        }
        Observed::Owned(info) => info,
    };
    let reason = match (&info.document, login) {
        (None, _) => "does not hold the lab's document of digests",
        _ if value_changes => "the store's value may change: accept its login (if different)",
        (Some(document), Some(login)) if !document.accepts(login) => {
            "does not accept the login in the store's current value"
        }
        _ => return Change::of(Action::Update, Vec::new()),
    };
    Change::of(Action::Update, vec![(reason.to_string(), step())])
}
