use super::*;
use crate::aws::lambda::PackageType;
use crate::aws::layer::table_arn;

const OLD: &str =
    "arn:aws:lambda:us-east-1:177933569100:layer:AWS-Parameters-and-Secrets-Lambda-Extension:20";

fn latest() -> ResolvedLayer {
    ResolvedLayer {
        arn: table_arn("us-east-1", Arch::X86_64).unwrap(),
        source: LayerSource::BuiltInTable,
    }
}

fn function(layers: &[&str], vars: &[(&str, &str)]) -> FunctionConfig {
    let mut config = FunctionConfig {
        name: "orders".into(),
        arn: "arn:aws:lambda:us-east-1:111111111111:function:orders".into(),
        version: "$LATEST".into(),
        layers: layers.iter().map(|arn| Layer::new(*arn)).collect(),
        ..FunctionConfig::default()
    };
    for (name, value) in vars {
        config.env.insert((*name).into(), (*value).into());
    }
    config
}

fn rules(config: &FunctionConfig) -> Vec<(Rule, Option<String>)> {
    check(config, Some(&latest()))
        .into_iter()
        .map(|i| (i.rule, i.variable))
        .collect()
}

fn healthy() -> FunctionConfig {
    let arn = latest().arn;
    function(
        &[&arn],
        &[
            ("SECRET_ID", "orders/db"),
            ("SECRETS_MANAGER_TTL", "300"),
            ("SSM_PARAMETER_STORE_TTL", "0"),
            ("PARAMETERS_SECRETS_EXTENSION_HTTP_PORT", "2773"),
            ("PARAMETERS_SECRETS_EXTENSION_CACHE_ENABLED", "true"),
            ("DB_PORT", "5432"),
        ],
    )
}

#[test]
fn a_healthy_function_has_no_issue() {
    assert!(rules(&healthy()).is_empty(), "{:?}", rules(&healthy()));
    let plain = function(&[], &[("LOG_LEVEL", "info"), ("TABLE", "orders")]);
    assert!(rules(&plain).is_empty());
    let parameter = function(&[&latest().arn], &[("PARAMETER_NAME", "/orders/db")]);
    assert!(rules(&parameter).is_empty());
}

#[test]
fn an_old_layer_says_how_far_behind_and_where_the_latest_came_from() {
    let config = function(&[OLD], &[("SECRET_ID", "orders/db")]);
    let issues = check(&config, Some(&latest()));
    assert_eq!(issues.len(), 1, "{issues:?}");
    let lag = issues[0].layer.as_ref().unwrap();
    assert_eq!(issues[0].rule, Rule::LayerBehind);
    assert_eq!(lag.behind, 4);
    assert_eq!(lag.latest_arn, latest().arn);
    assert_eq!(lag.latest_source, LayerSource::BuiltInTable);
    assert!(issues[0].reason.contains("built-in table"));
    assert!(issues[0].fix.contains(&latest().arn));
    // Unknown latest (region not in the table, SSM unreadable): nothing to compare with.
    assert!(check(&config, None).is_empty());
}

#[test]
fn ttls_above_300_or_not_numbers_are_named() {
    let mut config = healthy();
    config.env.insert(env::TTL.into(), "900".into());
    config.env.insert(env::SSM_TTL.into(), "5m".into());
    assert_eq!(
        rules(&config),
        vec![
            (Rule::TtlTooLong, Some(env::TTL.to_string())),
            (Rule::TtlNotANumber, Some(env::SSM_TTL.to_string())),
        ]
    );
    let text = format!("{:?}", check(&config, Some(&latest())));
    assert!(!text.contains("900") && !text.contains("5m"), "{text}");
}

#[test]
fn a_disabled_cache_is_named() {
    let mut config = healthy();
    config.env.insert(CACHE_ENABLED.into(), "FALSE".into());
    assert_eq!(
        rules(&config),
        vec![(Rule::CacheDisabled, Some(CACHE_ENABLED.to_string()))]
    );
}

#[test]
fn a_port_claimed_twice_is_a_clash() {
    let mut config = healthy();
    config.env.insert("METRICS_PORT".into(), "2773".into());
    assert_eq!(rules(&config)[0].0, Rule::PortClash);
    let appconfig = "arn:aws:lambda:us-east-1:027255383542:layer:AWS-AppConfig-Extension:1";
    let mut config = healthy();
    config.layers.push(Layer::new(appconfig));
    config.env.insert(env::HTTP_PORT.into(), "2772".into());
    let issues = check(&config, Some(&latest()));
    assert_eq!(issues.len(), 1);
    assert!(issues[0].reason.contains("AWS-AppConfig-Extension"));
}

#[test]
fn settings_and_references_without_the_layer() {
    let config = function(
        &[],
        &[
            (env::TTL, "300"),
            (
                "DB_SECRET_ARN",
                "arn:aws:secretsmanager:us-east-1:1:secret:db",
            ),
        ],
    );
    assert_eq!(
        rules(&config),
        vec![
            (Rule::TtlWithoutLayer, Some(env::TTL.to_string())),
            (
                Rule::ReferenceWithoutLayer,
                Some("DB_SECRET_ARN".to_string())
            ),
        ]
    );
}

#[test]
fn a_layer_without_a_reference() {
    let config = function(&[&latest().arn], &[("LOG_LEVEL", "info")]);
    assert_eq!(rules(&config), vec![(Rule::LayerWithoutReference, None)]);
}

#[test]
fn an_image_is_checked_for_its_settings_only() {
    let mut config = function(&[], &[("DB_SECRET_ID", "db"), (env::TTL, "900")]);
    config.package_type = PackageType::Image;
    assert_eq!(
        rules(&config),
        vec![(Rule::TtlTooLong, Some(env::TTL.to_string()))]
    );
}

#[test]
fn the_report_lists_hygiene_apart_and_fails_only_when_asked() {
    use crate::audit::fingerprint::FingerprintKey;
    use crate::audit::report::{build, Coverage, FailOn};
    use crate::audit::scan::ScopeScan;
    use crate::classify::Class;
    let config = function(&[OLD], &[("SECRET_ID", "orders/db")]);
    let scan = ScopeScan {
        account: "111111111111".into(),
        region: "us-east-1".into(),
        hygiene: check(&config, Some(&latest()))
            .into_iter()
            .map(|issue| HygieneFinding {
                account: "111111111111".into(),
                region: "us-east-1".into(),
                function: "orders".into(),
                function_arn: format!("{}:$LATEST", config.arn),
                issue,
            })
            .collect(),
        ..ScopeScan::default()
    };
    let mut report = build(
        &[scan],
        &Coverage::default(),
        &FingerprintKey::generate(),
        false,
    );
    assert!(report.findings.is_empty());
    assert_eq!(report.summary.hygiene, 1);
    assert_eq!(report.summary.hygiene_rules["layer_behind"], 1);
    assert_eq!(report.exit_code(FailOn::AtLeast(Class::Suspect)), 6);
    assert_eq!(report.exit_code(FailOn::Hygiene), 4);
    report.decide(FailOn::Hygiene);
    let json = serde_json::to_value(&report).unwrap();
    assert_eq!(json["hygiene"][0]["rule"], "layer_behind");
    assert_eq!(json["hygiene"][0]["layer"]["behind"], 4);
    assert_eq!(json["summary"]["findings"], 0);
    let text = report.to_string();
    assert!(
        text.contains("[layer_behind]") && text.contains("fix: attach"),
        "{text}"
    );
    let html = crate::audit::html::to_html(&report);
    assert!(html.contains("Extension hygiene") && html.contains(r#"data-rule="layer_behind""#));
    let sarif = crate::audit::sarif::to_sarif(&report);
    assert_eq!(
        sarif["runs"][0]["results"][0]["ruleId"],
        "hygiene/layer_behind"
    );
    assert_eq!(
        sarif["runs"][0]["tool"]["driver"]["rules"][0]["id"],
        "hygiene/layer_behind"
    );
}

#[test]
fn the_text_report_keeps_hygiene_within_80_columns() {
    use crate::audit::fingerprint::FingerprintKey;
    use crate::audit::report::{build, Coverage};
    use crate::audit::scan::ScopeScan;
    let config = function(&[OLD], &[(env::TTL, "900"), (CACHE_ENABLED, "false")]);
    let scan = ScopeScan {
        account: "111111111111".into(),
        region: "us-east-1".into(),
        hygiene: check(&config, Some(&latest()))
            .into_iter()
            .map(|issue| HygieneFinding {
                account: "111111111111".into(),
                region: "us-east-1".into(),
                function: "orders".into(),
                function_arn: format!("{}:$LATEST", config.arn),
                issue,
            })
            .collect(),
        ..ScopeScan::default()
    };
    let report = build(
        &[scan],
        &Coverage::default(),
        &FingerprintKey::generate(),
        false,
    );
    let text = report.to_string();
    let start = text.find("extension hygiene").unwrap();
    for line in text[start..].lines().take_while(|l| !l.is_empty()) {
        // An ARN is one word: it may run past the width on its own line.
        if !line.contains("arn:") {
            assert!(line.chars().count() <= 80, "{line}");
        }
    }
}
