//! Planning without an emulator: create, update, unchanged, restore, a foreign resource, one
//! reason per difference, and the steps `apply` runs for each.

use super::*;
use crate::aws::function::{FunctionInfo, MEMORY_MB, TIMEOUT_SECONDS};
use crate::aws::lambda::{Layer, State, UpdateStatus};
use crate::aws::layer::{LayerSource, ResolvedLayer};
use crate::aws::logs::LogGroupInfo;
use crate::aws::logs::RETENTION_DAYS;
use crate::aws::observed::Observed;
use crate::aws::parameter::ParameterInfo;
use crate::aws::policy::PolicyInfo;
use crate::aws::role::RoleInfo;
use crate::aws::secret::SecretInfo;
use crate::aws::simulated_db::SimulatedDbInfo;
use crate::domain::kinds::{Arch, Runtime, Store};
use crate::domain::names::LabName;
use crate::domain::package::{self, HANDLER_ENTRY};
use crate::domain::simulated_db::{Document, Login};

const SECRET_ARN: &str =
    "arn:aws:secretsmanager:us-east-1:123456789012:secret:demo/credentials-AbCdEf";

fn names() -> ResourceNames {
    LabName::new("demo").unwrap().resources()
}

fn nothing_yet() -> Observation {
    Observation {
        identity: Identity {
            account: "123456789012".into(),
            partition: "aws".into(),
            arn: "arn:aws:iam::123456789012:user/learner".into(),
        },
        layer: ResolvedLayer {
            arn: "arn:aws:lambda:us-east-1:177933569100:layer:AWS-Parameters-and-Secrets-Lambda-Extension:24".into(),
            source: LayerSource::BuiltInTable,
        },
        secret: Observed::Missing,
        parameter: Observed::Missing,
        role: Observed::Missing,
        policy: Observed::Missing,
        log_group: Observed::Missing,
        function: Observed::Missing,
        simulated_db: Observed::Missing,
        logins: Default::default(),
    }
}

fn settings() -> Settings {
    Settings::defaults(false)
}

/// A lab exactly as `settings()` wants it.
fn converged() -> Observation {
    let first = plan(
        nothing_yet(),
        &names(),
        &settings(),
        "us-east-1",
        &package::build().unwrap(),
    )
    .unwrap();
    let want = &first.desired;
    let mut observation = nothing_yet();
    observation.secret = Observed::Owned(SecretInfo {
        arn: SECRET_ARN.into(),
        deleted_date: None,
        kms_key_id: None,
    });
    observation.role = Observed::Owned(RoleInfo {
        arn: want.function.role_arn.clone(),
        trust_matches: true,
        attached: want.role_policies.to_vec(),
    });
    observation.policy = Observed::Owned(PolicyInfo {
        arn: want.policy_arn.clone(),
        document: Some(want.policy_document(SECRET_ARN)),
    });
    observation.log_group = Observed::Owned(LogGroupInfo {
        arn: "arn:aws:logs:us-east-1:123456789012:log-group:/aws/lambda/demo".into(),
        retention_days: Some(RETENTION_DAYS),
    });
    observation.function = Observed::Owned(FunctionInfo {
        arn: "arn:aws:lambda:us-east-1:123456789012:function:demo".into(),
        code_sha256: want.function.package.sha256.clone(),
        role: want.function.role_arn.clone(),
        runtime: Some(Runtime::Python313.into()),
        handler: HANDLER_ENTRY.into(),
        architecture: Arch::X86_64,
        layers: want.function.layer_arn.iter().map(Layer::new).collect(),
        env: want.function.env.clone().into(),
        timeout: Some(TIMEOUT_SECONDS),
        memory: Some(MEMORY_MB),
        state: Some(State::Active),
        last_update_status: Some(UpdateStatus::Successful),
        ..FunctionInfo::default()
    });
    observation.logins.secret = Some(lab_login("old-password"));
    observation.simulated_db = Observed::Owned(SimulatedDbInfo {
        arn: "arn:aws:ssm:us-east-1:123456789012:parameter/demo/simulated-db".into(),
        document: Some(Document::accepting(&[&lab_login("old-password")])),
    });
    observation
}

fn lab_login(password: &str) -> Login {
    let text = serde_json::json!({"username": "lab-user", "password": password});
    Login::from_credentials(&text.to_string()).unwrap()
}

fn assert_all(plan: &Plan, action: Action) {
    let actions: Vec<_> = plan.rows.iter().map(|r| (r.kind, r.action)).collect();
    assert!(actions.iter().all(|(_, a)| *a == action), "{actions:?}");
}

fn run(observation: Observation, settings: &Settings) -> Result<Plan> {
    plan(
        observation,
        &names(),
        settings,
        "us-east-1",
        &package::build().unwrap(),
    )
}

#[test]
fn an_empty_account_plans_every_resource_and_the_desired_lab() {
    let plan = run(nothing_yet(), &settings()).unwrap();
    assert_all(&plan, Action::Create);
    let desired = &plan.desired;
    assert_eq!(
        desired.secret_arn,
        "arn:aws:secretsmanager:us-east-1:123456789012:secret:demo/credentials-??????"
    );
    assert_eq!(
        desired.function.role_arn,
        "arn:aws:iam::123456789012:role/demo-role"
    );
    assert_eq!(desired.extension, ExtensionSettings::default());
    assert_eq!(desired.function.env["SECRET_ID"], "demo/credentials");
    assert_eq!(desired.function.env["SECRETS_MANAGER_TTL"], "300");
    assert_eq!(
        desired.role_policies[1],
        "arn:aws:iam::123456789012:policy/demo-read-secret"
    );
}

#[test]
fn a_converged_lab_is_unchanged_and_keeps_its_port() {
    let mut observation = converged();
    let Observed::Owned(function) = &mut observation.function else {
        unreachable!()
    };
    function.env.insert(
        "PARAMETERS_SECRETS_EXTENSION_HTTP_PORT".into(),
        "40111".into(),
    );
    // Locally a new lab gets a free port; one already deployed keeps the port it has.
    let plan = run(observation, &Settings::defaults(true)).unwrap();
    assert_all(&plan, Action::Unchanged);
    assert_eq!(plan.desired.extension.port, 40111);
    assert_eq!(plan.desired.secret_arn, SECRET_ARN);
}

#[test]
fn changed_settings_update_only_the_function() {
    let mut wanted = settings();
    wanted.ttl_seconds = 1;
    let plan = run(converged(), &wanted).unwrap();
    let function = plan
        .rows
        .iter()
        .find(|r| r.kind == ResourceKind::Function)
        .unwrap();
    assert_eq!(
        (function.action, function.reasons.clone()),
        (
            Action::Update,
            vec!["environment variable SECRETS_MANAGER_TTL differs".to_string()]
        )
    );
    assert_eq!(
        function.steps,
        vec![Step::UpdateFunctionConfiguration {
            fields: vec!["environment"]
        }]
    );
    assert_eq!(
        plan.rows
            .iter()
            .filter(|r| r.action == Action::Unchanged)
            .count(),
        plan.rows.len() - 1
    );
    assert_eq!(plan.desired.function.env["SECRETS_MANAGER_TTL"], "1");
}

#[test]
fn a_secret_scheduled_for_deletion_is_restored() {
    let mut observation = converged();
    observation.secret = Observed::Owned(SecretInfo {
        arn: SECRET_ARN.into(),
        deleted_date: Some(aws_smithy_types::DateTime::from_secs(1_900_000_000)),
        kms_key_id: None,
    });
    let plan = run(observation, &settings()).unwrap();
    assert_eq!(plan.rows[0].action, Action::Restore);
    assert_eq!(
        plan.desired.secret_arn, SECRET_ARN,
        "a restore keeps the ARN"
    );
}

#[test]
fn a_foreign_same_named_resource_stops_the_plan() {
    let mut observation = converged();
    observation.role = Observed::Foreign;
    let err = run(observation, &settings()).unwrap_err();
    assert!(
        matches!(err, Error::NotOwned { ref resource, .. } if resource == "IAM role `demo-role`"),
        "{err:?}"
    );
}

fn in_parameter_store(observation: Observation) -> Result<Plan> {
    let settings = Settings {
        store: Store::ParameterStore,
        ..settings()
    };
    let package = package::build().unwrap();
    plan(observation, &names(), &settings, "us-east-1", &package)
}

#[test]
fn parameter_store_lab_reads_a_secure_string_parameter() {
    let plan = in_parameter_store(nothing_yet()).unwrap();
    assert_eq!(plan.rows[0].kind, ResourceKind::Parameter);
    assert_eq!(plan.rows[0].action, Action::Create);
    assert!(plan.rows.iter().all(|r| r.kind != ResourceKind::Secret));
    let env = &plan.desired.function.env;
    assert_eq!(env["PARAMETER_NAME"], "/demo/credentials");
    assert!(!env.contains_key("SECRET_ID"));
    let document = plan.desired.policy_document(plan.desired.store_arn());
    assert_eq!(document["Statement"][0]["Action"], "ssm:GetParameter");
    assert_eq!(
        document["Statement"][0]["Resource"],
        "arn:aws:ssm:us-east-1:123456789012:parameter/demo/credentials"
    );
}

#[test]
fn switching_stores_carries_the_value_then_removes_the_old_one() {
    let plan = in_parameter_store(converged()).unwrap();
    let action = |kind: ResourceKind| {
        plan.rows
            .iter()
            .find(|r| r.kind == kind)
            .map(|r| (r.action, r.detail.clone()))
    };
    let (create, detail) = action(ResourceKind::Parameter).unwrap();
    assert_eq!(create, Action::Create);
    assert!(detail.contains("value from the secret"), "{detail}");
    assert_eq!(action(ResourceKind::Secret).unwrap().0, Action::Remove);
    assert_eq!(action(ResourceKind::Policy).unwrap().0, Action::Update);
    let (update, detail) = action(ResourceKind::Function).unwrap();
    assert_eq!(update, Action::Update);
    assert!(detail.contains("environment"), "{detail}");
    assert!(plan.observation.left_behind(Store::ParameterStore));
}

#[test]
fn a_foreign_parameter_is_left_alone_unless_the_lab_uses_it() {
    let mut observation = nothing_yet();
    observation.parameter = Observed::Foreign;
    let package = package::build().unwrap();
    assert!(plan(
        observation.clone(),
        &names(),
        &settings(),
        "us-east-1",
        &package
    )
    .is_ok());
    let parameter_store = Settings {
        store: Store::ParameterStore,
        ..settings()
    };
    let refused = plan(
        observation,
        &names(),
        &parameter_store,
        "us-east-1",
        &package,
    );
    assert!(
        matches!(refused, Err(Error::NotOwned { .. })),
        "{refused:?}"
    );
}

fn row(plan: &Plan, kind: ResourceKind) -> &ResourcePlan {
    plan.rows.iter().find(|r| r.kind == kind).unwrap()
}

fn owned<T>(observed: &mut Observed<T>) -> &mut T {
    match observed {
        Observed::Owned(value) => value,
        _ => unreachable!("a converged lab owns every resource"),
    }
}

#[test]
fn a_converged_lab_has_no_steps() {
    let plan = run(converged(), &settings()).unwrap();
    assert_eq!(plan.steps().count(), 0, "{:?}", plan.rows);
    assert!(plan.rows.iter().all(|r| r.reasons.is_empty()));
}

#[test]
fn an_empty_account_creates_in_dependency_phases() {
    let plan = run(nothing_yet(), &settings()).unwrap();
    assert_eq!(
        row(&plan, ResourceKind::Secret).steps,
        vec![Step::CreateSecret {
            value: NewValue::Generated,
            kms_key: None
        }]
    );
    let role = &row(&plan, ResourceKind::Role).steps;
    assert_eq!(role[0], Step::CreateRole);
    let attached: Vec<_> = role[1..].iter().map(Step::phase).collect();
    assert_eq!(attached, vec![step::Phase::Attach; 2]);
    assert_eq!(
        row(&plan, ResourceKind::Policy).steps,
        vec![Step::CreatePolicy {
            grant: Grant::Store
        }]
    );
    assert_eq!(
        row(&plan, ResourceKind::Function).steps,
        vec![Step::CreateFunction]
    );
    assert!(plan.rows.iter().all(|r| r.reasons.is_empty()));
}

#[test]
fn each_difference_is_one_reason_and_its_step() {
    let mut observation = converged();
    owned(&mut observation.secret).deleted_date = Some(aws_smithy_types::DateTime::from_secs(1));
    let role = owned(&mut observation.role);
    role.trust_matches = false;
    role.attached.remove(0);
    owned(&mut observation.policy).document = Some(serde_json::json!({"Statement": []}));
    owned(&mut observation.log_group).retention_days = Some(7);
    let plan = run(observation, &settings()).unwrap();
    let secret = row(&plan, ResourceKind::Secret);
    assert_eq!(secret.action, Action::Restore);
    assert_eq!(secret.reasons, vec!["scheduled for deletion"]);
    assert_eq!(secret.steps, vec![Step::RestoreSecret]);
    let role = row(&plan, ResourceKind::Role);
    assert_eq!(
        role.reasons,
        vec![
            "trust policy is not lambda.amazonaws.com's",
            "AWSLambdaBasicExecutionRole not attached"
        ]
    );
    assert_eq!(role.steps[0], Step::UpdateTrustPolicy);
    assert_eq!(
        role.steps[1],
        Step::AttachPolicy {
            arn: "arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole".into()
        }
    );
    let policy = row(&plan, ResourceKind::Policy);
    assert_eq!(policy.action, Action::Update);
    assert_eq!(policy.reasons.len(), 1, "{:?}", policy.reasons);
    assert_eq!(
        policy.steps,
        vec![Step::UpdatePolicy {
            grant: Grant::Store
        }]
    );
    let logs = row(&plan, ResourceKind::LogGroup);
    assert_eq!(logs.reasons, vec!["retention 7 days, want 3"]);
    assert_eq!(logs.steps, vec![Step::SetRetention]);
    assert_eq!(row(&plan, ResourceKind::Function).action, Action::Unchanged);
}

#[test]
fn function_drift_names_each_field_and_never_a_value() {
    let mut observation = converged();
    let function = owned(&mut observation.function);
    function.layers.clear();
    function.runtime = Some(Runtime::Python312.into());
    function.timeout = Some(30);
    function.code_sha256 = "other".into();
    function
        .env
        .insert("SECRETS_MANAGER_TTL".into(), "hunter2".into());
    function.env.insert("EXTRA".into(), "hunter2".into());
    function.state = Some(State::Pending);
    let plan = run(observation, &settings()).unwrap();
    let function = row(&plan, ResourceKind::Function);
    assert_eq!(
        function.reasons,
        vec![
            "code differs from the lab's handler",
            "runtime python3.12, want python3.13",
            "extension layer missing",
            "environment variable EXTRA not expected",
            "environment variable SECRETS_MANAGER_TTL differs",
            "timeout 30 s, want 15 s",
        ]
    );
    assert_eq!(function.detail, function.reasons.join(", "));
    assert!(!format!("{function:?}").contains("hunter2"));
    assert_eq!(
        function.steps,
        vec![
            Step::WaitForFunction,
            Step::UpdateFunctionCode,
            Step::UpdateFunctionConfiguration {
                fields: vec![
                    "runtime",
                    "extension layer",
                    "environment",
                    "timeout/memory"
                ]
            }
        ]
    );
}

#[test]
fn a_kms_key_and_a_given_value_are_steps_of_the_secret() {
    let mut wanted = settings();
    wanted.kms_key = Some("arn:aws:kms:us-east-1:123456789012:key/k".into());
    wanted.secret_value = Some(SecretValue::from_password("pw"));
    let plan = run(converged(), &wanted).unwrap();
    let secret = row(&plan, ResourceKind::Secret);
    assert_eq!(secret.action, Action::Update);
    assert_eq!(
        secret.reasons,
        vec![
            "encrypted with another KMS key",
            "value from your input (if different)"
        ]
    );
    assert_eq!(
        secret.steps,
        vec![
            Step::SetSecretKey {
                kms_key: "arn:aws:kms:us-east-1:123456789012:key/k".into()
            },
            Step::PutSecretValue {
                value: NewValue::Given(SecretValue::from_password("pw"))
            }
        ]
    );
    let json = serde_json::to_string(&plan.rows).unwrap();
    assert!(!json.contains("\"pw\""), "{json}");
}

#[test]
fn a_plain_parameter_is_rewritten_in_one_step() {
    let mut observation = converged();
    observation.secret = Observed::Missing;
    observation.parameter = Observed::Owned(ParameterInfo {
        arn: "arn:aws:ssm:us-east-1:123456789012:parameter/demo/credentials".into(),
        version: 1,
        secure: false,
        key_id: None,
    });
    let plan = in_parameter_store(observation).unwrap();
    let parameter = row(&plan, ResourceKind::Parameter);
    assert_eq!(parameter.reasons, vec!["not a SecureString"]);
    assert_eq!(
        parameter.steps,
        vec![Step::RewriteParameter {
            value: None,
            kms_key: None
        }]
    );
}

#[test]
fn a_switch_expands_the_policy_moves_the_function_then_contracts() {
    let plan = in_parameter_store(converged()).unwrap();
    assert_eq!(
        row(&plan, ResourceKind::Parameter).steps,
        vec![Step::CreateParameter {
            value: NewValue::CarriedFrom(Store::SecretsManager),
            kms_key: None
        }]
    );
    assert_eq!(
        row(&plan, ResourceKind::Policy).steps,
        vec![
            Step::UpdatePolicy {
                grant: Grant::Both {
                    left_behind_arn: SECRET_ARN.into()
                }
            },
            Step::NarrowPolicy
        ]
    );
    let secret = row(&plan, ResourceKind::Secret);
    assert_eq!(
        secret.steps,
        vec![Step::RemoveSecret {
            recovery_days: defaults::RECOVERY_DAYS
        }]
    );
    let both = plan.desired.grant_document(
        &Grant::Both {
            left_behind_arn: SECRET_ARN.into(),
        },
        plan.desired.store_arn(),
    );
    let text = both.to_string();
    assert!(text.contains(SECRET_ARN) && text.contains(plan.desired.store_arn()));
}

#[test]
fn a_draft_shows_foreign_resources_that_a_plan_refuses() {
    let mut observation = converged();
    observation.log_group = Observed::Foreign;
    observation.role = Observed::Foreign;
    let package = package::build().unwrap();
    let draft = draft(observation, &names(), &settings(), "us-east-1", &package).unwrap();
    let logs = row(&draft, ResourceKind::LogGroup);
    assert_eq!(logs.action, Action::NotOwned);
    assert!(logs.steps.is_empty());
    let refused = draft.refuse_foreign(&names()).unwrap_err();
    assert_eq!(
        refused.to_string(),
        "IAM role `demo-role` and log group `/aws/lambda/demo` already exist but were not created by secretslab for lab `demo`"
    );
}

#[test]
fn status_plans_with_the_defaults_in_the_store_the_function_reads() {
    assert_eq!(status_settings(&nothing_yet()), Settings::defaults(false));
    assert_eq!(status_settings(&converged()).store, Store::SecretsManager);
    let mut observation = converged();
    let env = &mut owned(&mut observation.function).env;
    env.remove("SECRET_ID");
    env.insert("PARAMETER_NAME".into(), "/demo/credentials".into());
    let wanted = status_settings(&observation);
    assert_eq!(
        wanted,
        Settings {
            store: Store::ParameterStore,
            ..Settings::defaults(false)
        }
    );
}

#[test]
fn the_simulated_database_accepts_the_stores_current_login() {
    let db = |plan: &Plan| row(plan, ResourceKind::SimulatedDatabase).clone();
    // Missing: created, after the store's value (its own phase).
    let created = db(&run(nothing_yet(), &settings()).unwrap());
    assert_eq!(created.action, Action::Create);
    assert_eq!(created.steps, vec![Step::AcceptCurrentLogin]);
    assert_eq!(Step::AcceptCurrentLogin.phase(), step::Phase::Login);
    // A login it does not accept (a rotation killed half-way, or a value changed behind
    // the lab's back) is drift with one reason and one step.
    let mut observation = converged();
    observation.logins.secret = Some(lab_login("new-password"));
    let drifted = db(&run(observation, &settings()).unwrap());
    assert_eq!(drifted.action, Action::Update);
    assert_eq!(drifted.reasons.len(), 1, "{drifted:?}");
    assert!(drifted.reasons[0].contains("does not accept"));
    assert_eq!(drifted.steps, vec![Step::AcceptCurrentLogin]);
    // A value given to `up` may change the login: checked again after it is stored.
    let given = Settings {
        secret_value: Some(SecretValue::from_stored(r#"{"password":"given"}"#)),
        ..settings()
    };
    let again = db(&run(converged(), &given).unwrap());
    assert_eq!(again.steps, vec![Step::AcceptCurrentLogin]);
    // Someone else's parameter under its name stops the plan.
    let mut foreign = converged();
    foreign.simulated_db = Observed::Foreign;
    assert!(run(foreign, &settings()).is_err());
    // The function is told where it is, and the policy lets it read it (directly).
    let plan = run(converged(), &settings()).unwrap();
    assert_eq!(
        plan.desired.function.env["SIMULATED_DB_PARAMETER"],
        "/demo/simulated-db"
    );
    let policy = plan.desired.policy_document(SECRET_ARN).to_string();
    assert!(policy.contains("parameter/demo/simulated-db"), "{policy}");
}
