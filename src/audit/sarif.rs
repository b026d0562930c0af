//! The audit report as SARIF 2.1.0: one rule per rule id (its reason as the short
//! description), one result per finding, the version's function ARN as the location.

use std::collections::BTreeMap;

use serde_json::{json, Value};

use super::hygiene::{HygieneFinding, Rule};
use super::ignore::IgnoredBy;
use super::report::{AuditReport, Finding};
use crate::classify::Class;

pub const SCHEMA: &str =
    "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json";

fn level(class: Class) -> &'static str {
    match class {
        Class::Secret => "error",
        Class::Suspect => "warning",
        Class::Reference | Class::Config => "note",
    }
}

/// One SARIF log with one run.
pub fn to_sarif(report: &AuditReport) -> Value {
    let (mut rule_objects, index) = rules(report);
    let rule_index = |f: &Finding| index.get(f.rule).copied().unwrap_or(0);
    let mut results: Vec<Value> = report
        .findings
        .iter()
        .map(|f| result(f, rule_index(f)))
        .collect();
    let hygiene_index = hygiene_rules(&report.hygiene, rule_objects.len());
    rule_objects.extend(hygiene_index.iter().map(|(rule, (_, reason))| {
        json!({
            "id": hygiene_rule_id(*rule),
            "shortDescription": { "text": reason },
            "defaultConfiguration": { "level": "note" },
        })
    }));
    results.extend(report.hygiene.iter().map(|h| {
        let index = hygiene_index.get(&h.issue.rule).map_or(0, |(i, _)| *i);
        hygiene_result(h, index)
    }));
    // Ignored findings stay results, suppressed by the rule's file and line (SARIF §3.35).
    results.extend(report.ignoring.ignored.iter().map(|ignored| {
        let mut found = result(&ignored.finding, rule_index(&ignored.finding));
        found["suppressions"] = json!([suppression(&ignored.ignored_by)]);
        found
    }));
    let mut notifications: Vec<Value> = report
        .incomplete
        .iter()
        .map(|gap| {
            json!({
                "level": "error",
                "message": { "text": format!("account {} in {} was not read completely: {}", gap.account, gap.region, gap.error) },
            })
        })
        .collect();
    notifications.extend(
        report
            .ignoring
            .ignore_warnings
            .iter()
            .map(|warning| json!({ "level": "warning", "message": { "text": warning } })),
    );
    json!({
        "$schema": SCHEMA,
        "version": "2.1.0",
        "runs": [{
            "tool": {
                "driver": {
                    "name": "secretslab",
                    "version": env!("CARGO_PKG_VERSION"),
                    "rules": rule_objects,
                }
            },
            "invocations": [{
                "executionSuccessful": report.incomplete.is_empty(),
                "toolExecutionNotifications": notifications,
            }],
            "results": results,
            "properties": {
                "scanned": report.scanned,
                "outcome": report.outcome,
                "suppressed": report.suppressed,
                "ignored": report.ignoring.ignored.len(),
            },
        }]
    })
}

/// One rule object per rule id, and each id's index among them.
fn rules(report: &AuditReport) -> (Vec<Value>, BTreeMap<&'static str, usize>) {
    // Rule ids in the order of a sorted map, so `ruleIndex` is stable across runs.
    let mut rules: BTreeMap<&'static str, (&'static str, Class)> = BTreeMap::new();
    let ignored = report.ignoring.ignored.iter().map(|i| &i.finding);
    for finding in report.findings.iter().chain(ignored) {
        let entry = rules
            .entry(finding.rule)
            .or_insert((finding.reason, finding.class));
        entry.1 = entry.1.max(finding.class);
    }
    let index = rules.keys().enumerate().map(|(i, r)| (*r, i)).collect();
    let objects = rules
        .iter()
        .map(|(id, (reason, class))| {
            json!({
                "id": id,
                "shortDescription": { "text": reason },
                "defaultConfiguration": { "level": level(*class) },
            })
        })
        .collect();
    (objects, index)
}

/// `hygiene/layer_behind`: apart from the secret rules' ids.
fn hygiene_rule_id(rule: Rule) -> String {
    format!("hygiene/{rule}")
}

/// Each hygiene rule found, with its index (after the first `offset` rules) and a reason.
fn hygiene_rules(hygiene: &[HygieneFinding], offset: usize) -> BTreeMap<Rule, (usize, String)> {
    let mut rules: BTreeMap<Rule, String> = BTreeMap::new();
    for h in hygiene {
        rules
            .entry(h.issue.rule)
            .or_insert_with(|| h.issue.reason.clone());
    }
    (rules.into_iter().enumerate())
        .map(|(i, (rule, reason))| (rule, (offset + i, reason)))
        .collect()
}

/// One hygiene result: the `$LATEST` ARN as the location, the fix in the message.
fn hygiene_result(h: &HygieneFinding, rule_index: usize) -> Value {
    json!({
        "ruleId": hygiene_rule_id(h.issue.rule),
        "ruleIndex": rule_index,
        "level": "note",
        "message": {
            "text": format!("{} ($LATEST): {}; fix: {}", h.function, h.issue.reason, h.issue.fix)
        },
        "locations": [{
            "physicalLocation": { "artifactLocation": { "uri": h.function_arn } },
        }],
        "properties": {
            "account": h.account,
            "region": h.region,
            "function": h.function,
            "class": "hygiene",
            "hygiene": h.issue,
        },
    })
}

/// An ignore rule as a SARIF suppression: kept outside the scanned function, accepted.
fn suppression(by: &IgnoredBy) -> Value {
    let mut suppression = json!({
        "kind": "external",
        "status": "accepted",
        "justification": by.reason,
        "location": {
            "physicalLocation": {
                "artifactLocation": { "uri": by.file },
                "region": { "startLine": by.line },
            }
        },
    });
    if let Some(last) = &by.expires {
        suppression["properties"] = json!({ "expires": last });
    }
    suppression
}

/// One result: the finding at the version's function ARN, its variable as the logical location.
fn result(f: &Finding, rule_index: usize) -> Value {
    let aliases = if f.aliases.is_empty() {
        String::new()
    } else {
        format!(" (aliases {})", f.aliases.join(", "))
    };
    json!({
        "ruleId": f.rule,
        "ruleIndex": rule_index,
        "level": level(f.class),
        "message": {
            "text": format!(
                "{} in {} version {}{aliases} is a {}: {}",
                f.variable, f.function, f.version, class_word(f.class), f.reason
            )
        },
        "locations": [{
            "physicalLocation": { "artifactLocation": { "uri": f.function_arn } },
            "logicalLocations": [{
                "name": f.variable,
                "fullyQualifiedName": format!("{}#{}", f.function_arn, f.variable),
                "kind": "variable",
            }],
        }],
        "partialFingerprints": { "secretslabValue/v1": f.fingerprint },
        "properties": {
            "account": f.account,
            "region": f.region,
            "function": f.function,
            "version": f.version,
            "aliases": f.aliases,
            "variable": f.variable,
            "class": f.class,
            "shape": f.shape,
            "owner": f.owner,
        },
    })
}

fn class_word(class: Class) -> &'static str {
    match class {
        Class::Secret => "secret",
        Class::Suspect => "suspect value",
        Class::Reference => "reference",
        Class::Config => "setting",
    }
}
