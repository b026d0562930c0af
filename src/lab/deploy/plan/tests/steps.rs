//! The steps of stores and keys: a customer key and a given value, a plain parameter, a store
//! switch, a draft's foreign rows, status's defaults, and the simulated database's login.

use super::*;

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
            Step::Secret(SecretStep::SetKey {
                kms_key: "arn:aws:kms:us-east-1:123456789012:key/k".into()
            }),
            Step::Secret(SecretStep::PutValue {
                value: NewValue::Given(SecretValue::from_password("pw"))
            })
        ]
    );
    let json = serde_json::to_string(&plan.rows).unwrap();
    assert!(!json.contains("\"pw\""), "{json}");
}

#[test]
fn a_plain_parameter_is_rewritten_in_one_step() {
    let mut observation = converged();
    observation.found.secret = Observed::Missing;
    observation.found.parameter = Observed::Owned(ParameterInfo {
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
        vec![Step::Parameter(ParameterStep::Rewrite {
            value: None,
            kms_key: None
        })]
    );
}

#[test]
fn a_switch_expands_the_policy_moves_the_function_then_contracts() {
    let plan = in_parameter_store(converged()).unwrap();
    assert_eq!(
        row(&plan, ResourceKind::Parameter).steps,
        vec![Step::Parameter(ParameterStep::Create {
            value: NewValue::CarriedFrom(Store::SecretsManager),
            kms_key: None
        })]
    );
    assert_eq!(
        row(&plan, ResourceKind::Policy).steps,
        vec![
            Step::Policy(PolicyStep::Update {
                grant: Grant::Both {
                    left_behind_arn: SECRET_ARN.into()
                }
            }),
            Step::Policy(PolicyStep::Narrow)
        ]
    );
    let secret = row(&plan, ResourceKind::Secret);
    assert_eq!(
        secret.steps,
        vec![Step::Secret(SecretStep::Remove {
            recovery_days: defaults::RECOVERY_DAYS
        })]
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
    observation.found.log_group = Observed::Foreign;
    observation.found.role = Observed::Foreign;
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
    let env = &mut owned(&mut observation.found.function).env;
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
    let accept = Step::SimulatedDb(SimulatedDbStep::AcceptCurrentLogin);
    // Missing: created, after the store's value (its own phase).
    let created = db(&run(nothing_yet(), &settings()).unwrap());
    assert_eq!(created.action, Action::Create);
    assert_eq!(created.steps, vec![accept.clone()]);
    assert_eq!(accept.phase(), step::Phase::Login);
    // A login it does not accept (a rotation killed half-way, or a value changed behind
    // the lab's back) is drift with one reason and one step.
    let mut observation = converged();
    observation.logins.secret = Some(lab_login("new-password"));
    let drifted = db(&run(observation, &settings()).unwrap());
    assert_eq!(drifted.action, Action::Update);
    assert_eq!(drifted.reasons.len(), 1, "{drifted:?}");
    assert!(drifted.reasons[0].contains("does not accept"));
    assert_eq!(drifted.steps, vec![accept.clone()]);
    // A value given to `up` may change the login: checked again after it is stored.
    let given = Settings {
        secret_value: Some(SecretValue::from_stored(r#"{"password":"given"}"#)),
        ..settings()
    };
    let again = db(&run(converged(), &given).unwrap());
    assert_eq!(again.steps, vec![accept]);
    // Someone else's parameter under its name stops the plan.
    let mut foreign = converged();
    foreign.found.simulated_db = Observed::Foreign;
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
