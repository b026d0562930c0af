//! `plan_expand` over observed states: a first run, re-runs after a crash at each point,
//! a second variable, a rolled-back document, and every refusal.

use crate::domain::extension::env::HTTP_PORT;
use crate::domain::kinds::Store;
use crate::domain::migration::{document_arn, read_policy, TAG_ADDED_ENV, TAG_ADDED_LAYER};

use super::super::fixtures::*;
use super::*;

/// Before any migration: the password in plaintext, nothing of migrate anywhere.
fn fresh() -> Observed {
    Observed {
        function: function(&[("DB_PASSWORD", PASSWORD), ("DB_USER", "app")], &[]),
        document: secret(),
        found: None,
        stored: None,
        layer_arn: LAYER.into(),
        grant: None,
        served: 0,
        local: false,
        free_port: None,
        code_signing: CodeSigning::None,
    }
}

fn the_grant(key: Option<&str>) -> serde_json::Value {
    let arn = document_arn(Store::SecretsManager, ARN, SECRET);
    read_policy(Store::SecretsManager, &arn, key)
}

/// After a complete expand of DB_PASSWORD.
fn expanded() -> Observed {
    let env = [
        ("DB_PASSWORD", PASSWORD),
        ("DB_PASSWORD_SECRET_ID", SECRET),
        ("DB_USER", "app"),
    ];
    Observed {
        function: function(&env, &[LAYER]),
        found: Some(ours()),
        stored: Some(values(&[("DB_PASSWORD", PASSWORD)])),
        grant: Some(the_grant(None)),
        ..fresh()
    }
}

#[test]
fn a_first_run_grants_then_writes_the_document_then_changes_the_function() {
    let plan = plan_expand(&fresh(), &settings(&["DB_PASSWORD"])).unwrap();
    assert_eq!(
        kinds(&plan),
        ["put grant", "create document", "update function"]
    );
    assert_eq!(written(&plan), pairs(&[("DB_PASSWORD", PASSWORD)]));
    let env = updated_env(&plan);
    assert_eq!(env["DB_PASSWORD"], PASSWORD, "the plaintext stays");
    assert_eq!(env["DB_PASSWORD_SECRET_ID"], SECRET);
    assert_eq!(env["DB_USER"], "app");
    let Some(Action::CreateDocument { tags, .. }) = plan.actions().get(1).copied() else {
        panic!("{plan:?}");
    };
    assert!(tags.contains(&(TAG_ADDED_LAYER.to_string(), LAYER.to_string())));
    let Some(Action::UpdateFunction {
        layers,
        revision_id,
        ..
    }) = plan.actions().last().copied()
    else {
        panic!("{plan:?}");
    };
    assert_eq!(
        (layers.as_slice(), revision_id.as_deref()),
        (&[LAYER.to_string()][..], Some("rev-1"))
    );
    assert_eq!(plan.variables, ["DB_PASSWORD"]);
    assert_no_value(&plan);
}

#[test]
fn a_re_run_after_a_complete_expand_changes_nothing() {
    let plan = plan_expand(&expanded(), &settings(&["DB_PASSWORD"])).unwrap();
    assert!(!plan.changes(), "{:?}", kinds(&plan));
    assert_eq!(plan.steps.len(), 3, "grant, document, function rows");
}

#[test]
fn a_crash_after_the_document_leaves_only_the_function_to_change() {
    let observed = Observed {
        function: fresh().function,
        ..expanded()
    };
    let plan = plan_expand(&observed, &settings(&["DB_PASSWORD"])).unwrap();
    // The evidence baseline moves to now, before the references appear.
    assert_eq!(kinds(&plan), ["tag document", "update function"]);
    assert_no_value(&plan);
}

#[test]
fn a_crash_after_the_grant_creates_the_document() {
    let observed = Observed {
        grant: Some(the_grant(None)),
        ..fresh()
    };
    let plan = plan_expand(&observed, &settings(&["DB_PASSWORD"])).unwrap();
    assert_eq!(kinds(&plan), ["create document", "update function"]);
}

#[test]
fn a_value_changed_since_the_document_was_written_is_written_again() {
    let observed = Observed {
        stored: Some(values(&[("DB_PASSWORD", "an-older-value")])),
        ..expanded()
    };
    let plan = plan_expand(&observed, &settings(&["DB_PASSWORD"])).unwrap();
    assert_eq!(kinds(&plan), ["write document"]);
    assert_eq!(written(&plan), pairs(&[("DB_PASSWORD", PASSWORD)]));
}

#[test]
fn a_second_variable_joins_the_document_and_keeps_the_first() {
    // DB_PASSWORD moved and finished: only its reference is left in the environment.
    let env = [("DB_PASSWORD_SECRET_ID", SECRET), ("DB_USER", "app")];
    let observed = Observed {
        function: function(&env, &[LAYER]),
        ..expanded()
    };
    let plan = plan_expand(&observed, &settings(&["DB_USER"])).unwrap();
    assert_eq!(
        kinds(&plan),
        ["write document", "tag document", "update function"]
    );
    let both = pairs(&[("DB_PASSWORD", PASSWORD), ("DB_USER", "app")]);
    assert_eq!(written(&plan), both);
    let env = updated_env(&plan);
    assert_eq!(env["DB_USER_SECRET_ID"], SECRET);
    assert!(!env.contains_key("DB_PASSWORD"));
}

#[test]
fn a_rolled_back_document_is_restored_then_written() {
    let observed = Observed {
        found: Some(scheduled()),
        ..fresh()
    };
    let plan = plan_expand(&observed, &settings(&["DB_PASSWORD"])).unwrap();
    assert_eq!(
        kinds(&plan),
        [
            "put grant",
            "restore document",
            "write document",
            "tag document",
            "update function"
        ]
    );
    assert_eq!(written(&plan), pairs(&[("DB_PASSWORD", PASSWORD)]));
}

#[test]
fn a_key_granted_earlier_stays_granted_and_encrypts_the_writes() {
    let key = "arn:aws:kms:us-east-1:123456789012:key/k";
    let observed = Observed {
        grant: Some(the_grant(Some(key))),
        stored: Some(values(&[("DB_PASSWORD", "older")])),
        ..expanded()
    };
    let plan = plan_expand(&observed, &settings(&["DB_PASSWORD"])).unwrap();
    assert_eq!(kinds(&plan), ["write document"], "the grant is as it was");
    let Some(Action::WriteDocument { kms_key, .. }) = plan.actions().first().copied() else {
        panic!("{plan:?}");
    };
    assert_eq!(kms_key.as_deref(), Some(key));
}

#[test]
fn locally_the_function_gets_a_port_for_its_own_extension() {
    let observed = Observed {
        local: true,
        free_port: Some(40123),
        ..fresh()
    };
    let plan = plan_expand(&observed, &settings(&["DB_PASSWORD"])).unwrap();
    assert_eq!(
        kinds(&plan),
        [
            "put grant",
            "create document",
            "update function",
            "start local extension"
        ]
    );
    assert_eq!(updated_env(&plan)[HTTP_PORT], "40123");
    let Some(Action::CreateDocument { tags, .. }) = plan.actions().get(1).copied() else {
        panic!("{plan:?}");
    };
    assert!(tags.contains(&(TAG_ADDED_ENV.to_string(), HTTP_PORT.to_string())));
    let Some(Action::StartLocalExtension { extension, .. }) = plan.actions().last().copied() else {
        panic!("{plan:?}");
    };
    assert_eq!(extension.port, 40123);
}

fn refusal(observed: &Observed, settings: &Settings) -> String {
    let err = plan_expand(observed, settings).unwrap_err();
    assert!(
        matches!(err, Error::Refused { .. } | Error::InvalidInput { .. }),
        "{err:?}"
    );
    assert!(!format!("{err:?}").contains(PASSWORD));
    err.to_string()
}

#[test]
fn refusals_are_decided_before_any_step() {
    let vars = settings(&["DB_PASSWORD"]);
    assert!(refusal(&fresh(), &settings(&["API_KEY"])).contains("`API_KEY`"));
    let mut other_store = fresh();
    (other_store.function.env).insert("DB_USER_PARAMETER_NAME".into(), "/billing/env".into());
    assert!(refusal(&other_store, &vars).contains("already reads parameter `/billing/env`"));
    let stranger = Found {
        tags: pairs(&[("owner", "someone else")]),
        ..ours()
    };
    let foreign = Observed {
        found: Some(stranger),
        ..fresh()
    };
    assert!(refusal(&foreign, &vars).contains("is not tagged"));
    let five: Vec<String> = (0..5).map(|i| format!("layer-{i}")).collect();
    let mut full = fresh();
    full.function.layers = five;
    assert!(refusal(&full, &vars).contains("5 layers"));
    let mut big = fresh();
    big.function.env.insert("BLOB".into(), "x".repeat(4090));
    assert!(refusal(&big, &vars).contains("bytes"));
    let bad_key = Settings {
        kms_key: Some("alias/mine".into()),
        ..settings(&["DB_PASSWORD"])
    };
    assert!(refusal(&fresh(), &bad_key).contains("not a KMS key ARN"));
}

/// Governance is decided with the rest of the plan: an enforcing code-signing configuration
/// refuses before any step (unless the layer is attached already), and on Managed Instances
/// the extension's connections are sized to the requests an environment serves at once.
#[test]
fn code_signing_and_managed_instances_are_decided_in_the_plan() {
    use crate::aws::lambda::ManagedInstances;
    use crate::domain::extension::env::MAX_CONNECTIONS;
    let vars = settings(&["DB_PASSWORD"]);
    let enforce = CodeSigning::Enforce {
        config_arn: "arn:aws:lambda:us-east-1:123456789012:code-signing-config:csc-1".into(),
    };
    let enforced = Observed {
        code_signing: enforce.clone(),
        ..fresh()
    };
    let err = plan_expand(&enforced, &vars).unwrap_err();
    assert_eq!(err.code(), Code::CodeSigningEnforced);
    let attached = Observed {
        code_signing: enforce,
        ..expanded()
    };
    assert!(plan_expand(&attached, &vars).is_ok());
    let mut managed = fresh();
    managed.function.managed_instances = Some(ManagedInstances {
        capacity_provider_arn: "arn:aws:lambda:us-east-1:123456789012:capacity-provider:cp-1"
            .into(),
        max_concurrency: Some(32),
    });
    let plan = plan_expand(&managed, &vars).unwrap();
    assert_eq!(updated_env(&plan)[MAX_CONNECTIONS], "32");
    assert!(plan
        .warnings
        .iter()
        .any(|w| w.contains("Managed Instances")));
    let Some(Action::CreateDocument { tags, .. }) = plan.actions().get(1).copied() else {
        panic!("{plan:?}");
    };
    assert!(
        tags.iter()
            .any(|(key, value)| key == TAG_ADDED_ENV && value.contains(MAX_CONNECTIONS)),
        "rollback must know it added {MAX_CONNECTIONS}: {tags:?}"
    );
}
