//! `plan_finish` over observed states: the evidence it needs, the newest value kept, a re-run
//! after a crash, the alias, and every refusal.

use crate::domain::migration::TAG_CODE_SHA256;

use super::super::fixtures::*;
use super::*;

/// After a complete expand of DB_PASSWORD; the code changed since (the evidence).
fn expanded() -> Observed {
    let env = [
        ("DB_PASSWORD", PASSWORD),
        ("DB_PASSWORD_SECRET_ID", SECRET),
        ("DB_USER", "app"),
    ];
    let mut function = function(&env, &[LAYER]);
    function.code_sha256 = "new-code".into();
    Observed {
        function,
        document: Some(Seen {
            doc: secret(),
            found: ours(),
            stored: Some(values(&[("DB_PASSWORD", PASSWORD)])),
        }),
        served: 0,
        versions_holding_values: vec!["1".into()],
        aliases_routing: vec![crate::aws::target_function::AliasRoute {
            alias: "live".into(),
            versions: vec!["1".into()],
        }],
        local: false,
    }
}

fn without_evidence() -> Observed {
    let mut observed = expanded();
    observed.function.code_sha256 = CODE.into();
    observed
}

#[test]
fn with_evidence_the_plaintext_leaves_and_nothing_else_changes() {
    let plan = plan_finish(&expanded(), &settings(&[])).unwrap();
    assert_eq!(kinds(&plan), ["update function"]);
    let env = updated_env(&plan);
    assert!(!env.contains_key("DB_PASSWORD"));
    assert_eq!(env["DB_PASSWORD_SECRET_ID"], SECRET);
    assert_eq!(env["DB_USER"], "app", "other variables stay");
    assert!(plan.steps[0].reason.contains("code changed since expand"));
    assert_eq!(plan.versions_holding_values, ["1"]);
    assert_no_value(&plan);
}

#[test]
fn a_value_changed_since_expand_reaches_the_document_first() {
    let mut observed = expanded();
    let newer = "a-newer-password-value";
    (observed.function.env).insert("DB_PASSWORD".into(), newer.into());
    let plan = plan_finish(&observed, &settings(&[])).unwrap();
    assert_eq!(kinds(&plan), ["write document", "update function"]);
    assert_eq!(written(&plan), pairs(&[("DB_PASSWORD", newer)]));
}

#[test]
fn a_re_run_after_the_plaintext_left_changes_nothing() {
    let mut observed = expanded();
    observed.function.env.remove("DB_PASSWORD");
    let plan = plan_finish(&observed, &settings(&[])).unwrap();
    assert!(!plan.changes(), "{:?}", kinds(&plan));
    // Evidence is not needed any more: a function without it is not refused.
    observed.function.code_sha256 = CODE.into();
    assert!(plan_finish(&observed, &settings(&[])).is_ok());
}

#[test]
fn an_alias_gets_a_version_published_after_the_plaintext_left() {
    let settings = Settings {
        alias: Some("live".into()),
        ..settings(&[])
    };
    let plan = plan_finish(&expanded(), &settings).unwrap();
    assert_eq!(
        kinds(&plan),
        ["update function", "publish version", "move alias"]
    );
}

#[test]
fn locally_more_requests_served_since_expand_is_evidence() {
    let mut observed = without_evidence();
    observed.served = 3;
    observed.local = true;
    let plan = plan_finish(&observed, &settings(&[])).unwrap();
    assert!(plan.steps[0].reason.contains("served 3 request(s)"));
    assert_eq!(kinds(&plan), ["update function", "start local extension"]);
}

#[test]
fn without_evidence_it_is_refused_unless_forced() {
    let err = plan_finish(&without_evidence(), &settings(&[])).unwrap_err();
    assert!(
        err.to_string().contains("nothing shows that the code"),
        "{err}"
    );
    let forced = Settings {
        force: true,
        ..settings(&[])
    };
    let plan = plan_finish(&without_evidence(), &forced).unwrap();
    assert_eq!(kinds(&plan), ["update function"]);
    assert!(plan.warnings[0].starts_with("--force"));
    // The tag holds the code at expand: the same code is no evidence.
    assert_eq!(ours().tags[TAG_CODE_SHA256], CODE);
}

#[test]
fn refused_before_expand_after_a_rollback_and_before_expand_finished() {
    let none = Observed {
        document: None,
        ..expanded()
    };
    let err = plan_finish(&none, &settings(&[])).unwrap_err();
    assert!(err.to_string().contains("nothing to finish"), "{err}");
    let rolled_back = Observed {
        document: Some(Seen {
            doc: secret(),
            found: scheduled(),
            stored: None,
        }),
        ..expanded()
    };
    let err = plan_finish(&rolled_back, &settings(&[])).unwrap_err();
    assert!(err.to_string().contains("scheduled for deletion"), "{err}");
    let mut half = expanded();
    half.function.env.remove("DB_PASSWORD_SECRET_ID");
    let err = plan_finish(&half, &settings(&[])).unwrap_err();
    assert!(err.to_string().contains("expand did not finish"), "{err}");
}

#[test]
fn finish_names_where_the_old_value_still_lives() {
    let plan = plan_finish(&expanded(), &settings(&[])).unwrap();
    let report = super::super::MigrationReport::new(&plan, &[], false);
    let text = report
        .to_string()
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    assert!(text.contains("version(s) 1"), "{text}");
    assert!(text.contains("alias `live` routes to 1"), "{text}");
    assert!(report.next.iter().any(|n| n.contains("--purge-versions")));
}
