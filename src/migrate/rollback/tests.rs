//! `plan_rollback` over observed states: after finish, re-runs after a crash at each point,
//! a document that must be restored first, a newer value kept, and the refusal.

use super::super::fixtures::*;
use super::*;

/// After a complete expand and finish of DB_PASSWORD.
fn finished() -> Observed {
    let env = [("DB_PASSWORD_SECRET_ID", SECRET), ("DB_USER", "app")];
    Observed {
        function: function(&env, &["arn:their-own-layer", LAYER]),
        document: Some(Seen {
            doc: secret(),
            found: ours(),
            stored: Some(values(&[("DB_PASSWORD", PASSWORD)])),
        }),
        grant: true,
        local: false,
    }
}

#[test]
fn the_variables_go_back_first_and_the_document_is_retired_last() {
    let plan = plan_rollback(&finished(), &settings(&[])).unwrap();
    assert_eq!(
        kinds(&plan),
        ["update function", "remove grant", "retire document"]
    );
    let env = updated_env(&plan);
    assert_eq!(env, pairs(&[("DB_PASSWORD", PASSWORD), ("DB_USER", "app")]));
    let Some(Action::UpdateFunction { layers, .. }) = plan.actions().first().copied() else {
        panic!("{plan:?}");
    };
    assert_eq!(
        layers,
        &["arn:their-own-layer"],
        "only the layer migrate added goes"
    );
    assert_eq!(plan.variables, ["DB_PASSWORD"]);
    assert_no_value(&plan);
}

#[test]
fn a_crash_after_the_function_leaves_the_grant_and_the_document() {
    let mut observed = finished();
    observed.function = function(
        &[("DB_PASSWORD", PASSWORD), ("DB_USER", "app")],
        &["arn:their-own-layer"],
    );
    let plan = plan_rollback(&observed, &settings(&[])).unwrap();
    assert_eq!(kinds(&plan), ["remove grant", "retire document"]);
    observed.grant = false;
    let plan = plan_rollback(&observed, &settings(&[])).unwrap();
    assert_eq!(kinds(&plan), ["retire document"]);
}

#[test]
fn a_re_run_after_a_complete_rollback_changes_nothing() {
    let observed = Observed {
        function: function(&[("DB_PASSWORD", PASSWORD), ("DB_USER", "app")], &[]),
        document: Some(Seen {
            doc: secret(),
            found: scheduled(),
            stored: None,
        }),
        grant: false,
        local: false,
    };
    let plan = plan_rollback(&observed, &settings(&[])).unwrap();
    assert!(!plan.changes(), "{:?}", kinds(&plan));
    assert!(!plan.plan_again);
}

#[test]
fn a_retired_document_the_function_still_reads_is_restored_before_anything_else() {
    let mut observed = finished();
    observed.document = Some(Seen {
        doc: secret(),
        found: scheduled(),
        stored: None,
    });
    let plan = plan_rollback(&observed, &settings(&[])).unwrap();
    assert_eq!(kinds(&plan), ["restore document"]);
    assert!(plan.plan_again, "its values are read once it is back");
}

#[test]
fn a_plaintext_changed_after_expand_is_the_value_kept() {
    let mut observed = finished();
    let env = &mut observed.function.env;
    env.insert("DB_PASSWORD".into(), "a-newer-value".into());
    env.insert(
        "PARAMETERS_SECRETS_EXTENSION_HTTP_PORT".into(),
        "40123".into(),
    );
    if let Some(seen) = &mut observed.document {
        let added = "PARAMETERS_SECRETS_EXTENSION_HTTP_PORT";
        let tag = crate::domain::migration::TAG_ADDED_ENV;
        seen.found.tags.insert(tag.into(), added.into());
    }
    observed.local = true;
    let plan = plan_rollback(&observed, &settings(&[])).unwrap();
    let env = updated_env(&plan);
    assert_eq!(
        env,
        pairs(&[("DB_PASSWORD", "a-newer-value"), ("DB_USER", "app")])
    );
    assert_eq!(kinds(&plan).last(), Some(&"forget local extension"));
}

#[test]
fn without_a_document_only_the_grant_goes_unless_references_dangle() {
    let observed = Observed {
        function: function(&[("DB_PASSWORD", PASSWORD)], &[]),
        document: None,
        grant: true,
        local: false,
    };
    let plan = plan_rollback(&observed, &settings(&[])).unwrap();
    assert_eq!(kinds(&plan), ["remove grant"]);
    assert_eq!(plan.document, secret(), "the default name, for the report");
    let dangling = Observed {
        document: None,
        ..finished()
    };
    let err = plan_rollback(&dangling, &settings(&[])).unwrap_err();
    assert!(
        err.to_string().contains("the document they name is gone"),
        "{err}"
    );
}
