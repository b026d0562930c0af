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
use crate::lab::resources::{Found, FunctionStep, LogGroupStep, ParameterStep, PolicyStep};
use crate::lab::resources::{RoleStep, SecretStep, SimulatedDbStep};

mod steps;

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
        found: Found::nothing(),
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
    observation.found.secret = Observed::Owned(SecretInfo {
        arn: SECRET_ARN.into(),
        deleted_date: None,
        kms_key_id: None,
    });
    observation.found.role = Observed::Owned(RoleInfo {
        arn: want.function.role_arn.clone(),
        trust_matches: true,
        attached: want.role_policies.to_vec(),
    });
    observation.found.policy = Observed::Owned(PolicyInfo {
        arn: want.policy_arn.clone(),
        document: Some(want.policy_document(SECRET_ARN)),
    });
    observation.found.log_group = Observed::Owned(LogGroupInfo {
        arn: "arn:aws:logs:us-east-1:123456789012:log-group:/aws/lambda/demo".into(),
        retention_days: Some(RETENTION_DAYS),
    });
    observation.found.function = Observed::Owned(FunctionInfo {
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
    observation.found.simulated_db = Observed::Owned(SimulatedDbInfo {
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
    assert_eq!(
        kinds(&plan),
        "secret iam_role iam_policy log_group function database"
    );
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
    let Observed::Owned(function) = &mut observation.found.function else {
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
        vec![Step::Function(FunctionStep::UpdateConfiguration {
            fields: vec!["environment"]
        })]
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
    observation.found.secret = Observed::Owned(SecretInfo {
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
    observation.found.role = Observed::Foreign;
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
    let action = |kind| (row(&plan, kind).action, row(&plan, kind).detail.clone());
    let (create, detail) = action(ResourceKind::Parameter);
    assert_eq!(create, Action::Create);
    assert!(detail.contains("value from the secret"), "{detail}");
    assert_eq!(action(ResourceKind::Secret).0, Action::Remove);
    assert_eq!(action(ResourceKind::Policy).0, Action::Update);
    let (update, detail) = action(ResourceKind::Function);
    assert_eq!(update, Action::Update);
    assert!(detail.contains("environment"), "{detail}");
    assert!(plan.observation.left_behind(Store::ParameterStore));
    // The store in use first, the one left behind last (the order `up` and `status` show).
    let order = "parameter iam_role iam_policy log_group function database secret";
    assert_eq!(kinds(&plan), order);
}

fn kinds(plan: &Plan) -> String {
    let keys: Vec<&str> = plan.rows.iter().map(|r| r.kind.key()).collect();
    keys.join(" ")
}

#[test]
fn a_foreign_parameter_is_left_alone_unless_the_lab_uses_it() {
    let mut observation = nothing_yet();
    observation.found.parameter = Observed::Foreign;
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
        vec![Step::Secret(SecretStep::Create {
            value: NewValue::Generated,
            kms_key: None
        })]
    );
    let role = &row(&plan, ResourceKind::Role).steps;
    assert_eq!(role[0], Step::Role(RoleStep::Create));
    let attached: Vec<_> = role[1..].iter().map(Step::phase).collect();
    assert_eq!(attached, vec![step::Phase::Attach; 2]);
    assert_eq!(
        row(&plan, ResourceKind::Policy).steps,
        vec![Step::Policy(PolicyStep::Create {
            grant: Grant::Store
        })]
    );
    assert_eq!(
        row(&plan, ResourceKind::Function).steps,
        vec![Step::Function(FunctionStep::Create)]
    );
    assert!(plan.rows.iter().all(|r| r.reasons.is_empty()));
}

#[test]
fn each_difference_is_one_reason_and_its_step() {
    let mut observation = converged();
    owned(&mut observation.found.secret).deleted_date =
        Some(aws_smithy_types::DateTime::from_secs(1));
    let role = owned(&mut observation.found.role);
    role.trust_matches = false;
    role.attached.remove(0);
    owned(&mut observation.found.policy).document = Some(serde_json::json!({"Statement": []}));
    owned(&mut observation.found.log_group).retention_days = Some(7);
    let plan = run(observation, &settings()).unwrap();
    let secret = row(&plan, ResourceKind::Secret);
    assert_eq!(secret.action, Action::Restore);
    assert_eq!(secret.reasons, vec!["scheduled for deletion"]);
    assert_eq!(secret.steps, vec![Step::Secret(SecretStep::Restore)]);
    let role = row(&plan, ResourceKind::Role);
    assert_eq!(
        role.reasons,
        vec![
            "trust policy is not lambda.amazonaws.com's",
            "AWSLambdaBasicExecutionRole not attached"
        ]
    );
    assert_eq!(role.steps[0], Step::Role(RoleStep::UpdateTrustPolicy));
    assert_eq!(
        role.steps[1],
        Step::Role(RoleStep::AttachPolicy {
            arn: "arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole".into()
        })
    );
    let policy = row(&plan, ResourceKind::Policy);
    assert_eq!(policy.action, Action::Update);
    assert_eq!(policy.reasons.len(), 1, "{:?}", policy.reasons);
    assert_eq!(
        policy.steps,
        vec![Step::Policy(PolicyStep::Update {
            grant: Grant::Store
        })]
    );
    let logs = row(&plan, ResourceKind::LogGroup);
    assert_eq!(logs.reasons, vec!["retention 7 days, want 3"]);
    assert_eq!(logs.steps, vec![Step::LogGroup(LogGroupStep::SetRetention)]);
    assert_eq!(row(&plan, ResourceKind::Function).action, Action::Unchanged);
}

#[test]
fn function_drift_names_each_field_and_never_a_value() {
    let mut observation = converged();
    let function = owned(&mut observation.found.function);
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
            Step::Function(FunctionStep::Wait),
            Step::Function(FunctionStep::UpdateCode),
            Step::Function(FunctionStep::UpdateConfiguration {
                fields: vec![
                    "runtime",
                    "extension layer",
                    "environment",
                    "timeout/memory"
                ]
            })
        ]
    );
}
