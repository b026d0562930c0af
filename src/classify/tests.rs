//! Every rule decides its cases in `cases.tsv` (vendor formats are covered by
//! `vendors::tests`), plus the shape.

use super::rules::ALL;
use super::{classify, explain, is_vendor_format, Class, Shape};

/// `(rule id, variable name, value)` for each case line of `cases.tsv`.
fn cases() -> Vec<(&'static str, &'static str, String)> {
    include_str!("cases.tsv")
        .lines()
        .filter(|line| !line.is_empty() && !line.starts_with('#'))
        .map(|line| {
            let mut fields = line.splitn(3, '\t');
            let mut next = || fields.next().unwrap_or_default();
            (next(), next(), unescape(next()))
        })
        .collect()
}

/// `\n` is a newline and `\\` a backslash; nothing else is escaped.
fn unescape(field: &str) -> String {
    let mut value = String::with_capacity(field.len());
    let mut chars = field.chars();
    while let Some(c) = chars.next() {
        match (c, c == '\\') {
            (_, true) => match chars.next() {
                Some('n') => value.push('\n'),
                Some(other) => value.push(other),
                None => value.push('\\'),
            },
            (c, false) => value.push(c),
        }
    }
    value
}

#[test]
fn every_case_is_decided_by_its_rule() {
    for (id, name, value) in cases() {
        let verdict = classify(name, &value);
        assert_eq!(verdict.rule, id, "{name} (case of {id})");
        let rule = ALL.iter().find(|rule| rule.id == id);
        assert_eq!(
            rule.map(|rule| (rule.class, rule.reason)),
            Some((verdict.class, verdict.reason)),
            "{id}"
        );
    }
}

#[test]
fn every_rule_has_a_case() {
    let cases = cases();
    for rule in ALL {
        let covered = cases.iter().any(|(id, _, _)| *id == rule.id);
        assert!(
            covered || rule.id == "vendor-checksum-mismatch",
            "no case decides {}",
            rule.id
        );
    }
}

#[test]
fn vendor_rules_carry_their_prefix() {
    let verdict = classify("STRIPE_KEY", "sk_live_aB3dE5fG7hJ9kL1mN3pQ5rS7");
    assert_eq!((verdict.class, verdict.rule), (Class::Secret, "stripe-key"));
    assert_eq!(verdict.shape.to_string(), "sk_live_… 32 chars");
    let bad = classify("GITHUB_TOKEN", "ghp_Xy7Qm2Rt9Lp4Kd8Wz1Nc6Vb3Hs5Jf0000000");
    assert_eq!(
        (bad.class, bad.rule),
        (Class::Suspect, "vendor-checksum-mismatch")
    );
}

#[test]
fn shape_never_shows_the_value() {
    let verdict = classify("DB_PASSWORD", "Winter2025!x");
    assert_eq!(
        verdict.shape,
        Shape {
            length: 12,
            prefix: None
        }
    );
    assert_eq!(verdict.shape.to_string(), "12 chars");
    let json = serde_json::to_string(&verdict).unwrap_or_default();
    assert!(!json.contains("Winter"), "{json}");
}

#[test]
fn classes_order_by_severity() {
    assert!(
        Class::Secret > Class::Suspect
            && Class::Suspect > Class::Reference
            && Class::Reference > Class::Config
    );
    assert_eq!(
        serde_json::to_string(&Class::Suspect).unwrap_or_default(),
        "\"suspect\""
    );
}

/// `--explain` decides as `classify` does: its one fired step is the verdict's rule, every
/// step before it did not fire, and nothing it says holds the value.
#[test]
fn every_explanation_agrees_with_its_verdict_and_holds_no_value() {
    for (id, name, value) in cases() {
        let explained = explain(name, &value);
        assert_eq!(explained.verdict, classify(name, &value), "{name} ({id})");
        let fired: Vec<_> = explained.steps.iter().filter(|s| s.fired).collect();
        assert_eq!(fired.len(), 1, "{name} ({id}): {:#?}", explained.steps);
        let last = explained.steps.last().map(|s| s.rules.as_str());
        assert_eq!(last, Some(id), "{name}: the deciding step comes last");
        let said = serde_json::to_string(&explained).unwrap_or_default();
        let trimmed = value.trim();
        if trimmed.chars().count() >= 8 && !name.contains(trimmed) {
            assert!(!said.contains(trimmed), "{name} ({id}): {said}");
        }
    }
}

#[test]
fn an_explanation_says_why_a_rule_did_not_fire() {
    let explained = explain("DB_PASSWORD", "hunter2");
    let ids: Vec<&str> = explained.steps.iter().map(|s| s.rules.as_str()).collect();
    assert!(
        ids.contains(&"config-empty") && ids.contains(&"password-name"),
        "{ids:?}"
    );
    let password = explained.steps.iter().find(|s| s.rules == "password-name");
    assert!(password.is_some_and(|s| !s.fired && s.why.starts_with("does not hold")));
    assert_eq!(explained.verdict.rule, "secret-name-weak-value");
    assert!(
        explained
            .facts
            .iter()
            .any(|f| f.starts_with("value: 7 chars")),
        "{:?}",
        explained.facts
    );
    assert!(explained
        .facts
        .iter()
        .any(|f| f.contains("announces a password")));
}

#[test]
fn vendor_formats_are_told_from_name_rules() {
    assert!(is_vendor_format("stripe-key") && is_vendor_format("github-token"));
    assert!(is_vendor_format("vendor-checksum-mismatch"));
    assert!(!is_vendor_format("password-name") && !is_vendor_format("secret-name-high-entropy"));
}
