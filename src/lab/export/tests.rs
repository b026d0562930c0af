use std::collections::BTreeMap;

use serde_json::json;

use super::*;
use crate::aws::function::FunctionInfo;
use crate::aws::logs::LogGroupInfo;
use crate::aws::observed::Observed;
use crate::aws::policy::PolicyInfo;
use crate::domain::extension::ExtensionSettings;
use crate::domain::kinds::{Arch, Store};
use crate::domain::names::LabName;
use crate::domain::package;

fn names() -> ResourceNames {
    LabName::new("demo").unwrap().resources()
}

fn deployed(store: Store, extra_env: &[(&str, &str)]) -> Observation {
    let names = names();
    let reference = match store {
        Store::SecretsManager => names.secret.clone(),
        Store::ParameterStore => names.parameter.clone(),
    };
    let mut env: BTreeMap<String, String> =
        ExtensionSettings::default().function_env(store, &reference);
    env.extend(
        extra_env
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string())),
    );
    let found = Found {
        function: Observed::Owned(FunctionInfo {
            arn: "arn:aws:lambda:eu-west-1:1:function:demo".into(),
            code_sha256: package::build().unwrap().sha256,
            runtime: Some(crate::domain::kinds::Runtime::Python313.into()),
            handler: "lambda_function.lambda_handler".into(),
            architecture: Arch::Arm64,
            layers: vec![crate::aws::lambda::Layer::new("arn:aws:lambda:eu-west-1:015030872274:layer:AWS-Parameters-and-Secrets-Lambda-Extension-Arm64:24")],
            env: env.into(),
            timeout: Some(15),
            memory: Some(128),
            ..FunctionInfo::default()
        }),
        log_group: Observed::Owned(LogGroupInfo { arn: "arn".into(), retention_days: Some(5) }),
        policy: Observed::Owned(PolicyInfo {
            arn: "arn".into(),
            document: Some(crate::domain::policy::read_secret_policy("arn:secret", Some("arn:aws:kms:eu-west-1:1:key/k"))),
        }),
        ..Found::nothing()
    };
    Observation {
        region: "eu-west-1".into(),
        found,
    }
}

#[test]
fn the_model_is_what_was_read() {
    let (model, notes) = model(&names(), &deployed(Store::SecretsManager, &[])).unwrap();
    assert!(notes.is_empty(), "{notes:?}");
    assert_eq!(model.region, "eu-west-1");
    assert_eq!(model.function.arch, Arch::Arm64);
    assert_eq!(model.log_retention_days, 5);
    assert_eq!(
        model.kms_key_arn.as_deref(),
        Some("arn:aws:kms:eu-west-1:1:key/k")
    );
    assert!(model.function.layer_arn.ends_with("Arm64:24"));
}

#[test]
fn only_the_labs_own_variables_are_exported() {
    let observed = deployed(
        Store::ParameterStore,
        &[("DB_PASSWORD", "hunter2-not-exported")],
    );
    let (model, _) = model(&names(), &observed).unwrap();
    assert_eq!(model.store, Store::ParameterStore);
    assert!(!model.function.env.contains_key("DB_PASSWORD"));
    let package = package::build().unwrap();
    for format in [
        IacFormat::Terraform,
        IacFormat::Cloudformation,
        IacFormat::Sam,
        IacFormat::CdkTs,
    ] {
        for file in bundle::bundle(format, &model, &package) {
            let text = String::from_utf8_lossy(&file.contents);
            assert!(!text.contains("hunter2"), "{format:?} {}", file.path);
        }
    }
}

#[test]
fn a_missing_function_says_to_deploy_first() {
    let mut observed = deployed(Store::SecretsManager, &[]);
    observed.found.function = Observed::Missing;
    let err = model(&names(), &observed).unwrap_err();
    assert!(matches!(err, Error::NotDeployed { .. }), "{err:?}");
}

#[test]
fn no_key_no_decrypt() {
    let mut observed = deployed(Store::SecretsManager, &[]);
    observed.found.policy = Observed::Owned(PolicyInfo {
        arn: "arn".into(),
        document: Some(json!({"Statement": []})),
    });
    let (model, _) = model(&names(), &observed).unwrap();
    assert_eq!(model.kms_key_arn, None);
}

#[test]
fn files_are_written_under_the_directory() {
    let dir = tempfile::tempdir().unwrap();
    let files = vec![Artifact::text("function/a.py", "a", "print(1)\n".into())];
    write(dir.path(), &files).unwrap();
    assert_eq!(
        std::fs::read_to_string(dir.path().join("function/a.py")).unwrap(),
        "print(1)\n"
    );
    assert!(!dir.path().join("function/a.partial").exists());
}
