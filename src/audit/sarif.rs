//! The audit report as SARIF 2.1.0: one rule per rule id (its reason as the short
//! description), one result per finding, the version's function ARN as the location.

use std::collections::BTreeMap;

use serde_json::{json, Value};

use super::report::AuditReport;
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
    // Rule ids in first-seen order of a sorted map, so `ruleIndex` is stable across runs.
    let mut rules: BTreeMap<&str, (&str, Class)> = BTreeMap::new();
    for finding in &report.findings {
        let entry = rules
            .entry(finding.rule)
            .or_insert((finding.reason, finding.class));
        entry.1 = entry.1.max(finding.class);
    }
    let index: BTreeMap<&str, usize> = rules.keys().enumerate().map(|(i, r)| (*r, i)).collect();
    let rule_objects: Vec<Value> = rules
        .iter()
        .map(|(id, (reason, class))| {
            json!({
                "id": id,
                "shortDescription": { "text": reason },
                "defaultConfiguration": { "level": level(*class) },
            })
        })
        .collect();
    let results: Vec<Value> = report
        .findings
        .iter()
        .map(|f| {
            let aliases = if f.aliases.is_empty() {
                String::new()
            } else {
                format!(" (aliases {})", f.aliases.join(", "))
            };
            json!({
                "ruleId": f.rule,
                "ruleIndex": index.get(f.rule).copied().unwrap_or(0),
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
                },
            })
        })
        .collect();
    let notifications: Vec<Value> = report
        .incomplete
        .iter()
        .map(|gap| {
            json!({
                "level": "error",
                "message": { "text": format!("account {} in {} was not read completely: {}", gap.account, gap.region, gap.error) },
            })
        })
        .collect();
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
                "suppressed": report.suppressed,
            },
        }]
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
