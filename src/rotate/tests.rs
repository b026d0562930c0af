use super::*;
use crate::aws::rotation::SecretVersion;

fn version(id: &str, stages: &[&str]) -> SecretVersion {
    SecretVersion {
        version_id: id.into(),
        stages: stages.iter().map(|s| s.to_string()).collect(),
    }
}

#[test]
fn a_fresh_rotation_runs_every_step() {
    let plan = plan_secret(&[version("v1", &[CURRENT])]).unwrap();
    assert_eq!(
        plan.steps,
        [
            Step::CreatePending,
            Step::SetDatabase,
            Step::MoveCurrent,
            Step::ClearPending
        ]
    );
    assert_eq!(plan.old_version.as_deref(), Some("v1"));
    assert!(plan.new_version.is_none() && plan.resumed.is_none());
}

#[test]
fn a_pending_version_left_behind_is_finished_not_duplicated() {
    let versions = [
        version("v1", &[PREVIOUS]),
        version("v2", &[CURRENT]),
        version("v3", &[PENDING]),
    ];
    let plan = plan_secret(&versions).unwrap();
    assert_eq!(
        plan.steps,
        [Step::SetDatabase, Step::MoveCurrent, Step::ClearPending]
    );
    assert_eq!(plan.old_version.as_deref(), Some("v2"));
    assert_eq!(plan.new_version.as_deref(), Some("v3"));
    assert!(plan.resumed.is_some());
}

#[test]
fn a_run_killed_after_the_move_only_tidies() {
    let versions = [
        version("v1", &[PREVIOUS]),
        version("v2", &[CURRENT, PENDING]),
    ];
    let plan = plan_secret(&versions).unwrap();
    assert_eq!(plan.steps, [Step::SetDatabase, Step::ClearPending]);
    assert_eq!(plan.old_version.as_deref(), Some("v1"));
    assert_eq!(plan.new_version.as_deref(), Some("v2"));
}

#[test]
fn no_current_version_is_refused() {
    assert!(plan_secret(&[version("v1", &[PENDING])]).is_err());
}

#[test]
fn users_alternate() {
    assert_eq!(other_user("lab-user"), "lab-user_b");
    assert_eq!(other_user("lab-user_b"), "lab-user_a");
    assert_eq!(other_user("lab-user_a"), "lab-user_b");
}

#[test]
fn next_value_changes_the_password_and_keeps_the_rest() {
    let old = SecretValue::from_stored(r#"{"username":"app","password":"old","host":"db"}"#);
    let single = next_value(&old, "new-pw", Strategy::SingleUser).unwrap();
    let parsed: serde_json::Value = serde_json::from_str(single.expose()).unwrap();
    assert_eq!(parsed["password"], "new-pw");
    assert_eq!(parsed["username"], "app");
    assert_eq!(parsed["host"], "db");
    let alternating = next_value(&old, "new-pw", Strategy::AlternatingUsers).unwrap();
    let parsed: serde_json::Value = serde_json::from_str(alternating.expose()).unwrap();
    assert_eq!(parsed["username"], "app_b");
    assert!(next_value(
        &SecretValue::from_stored("plain"),
        "x",
        Strategy::SingleUser
    )
    .is_err());
}
