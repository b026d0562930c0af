//! `secretslab audit` end to end on the emulator: an organization of a management account and
//! three members over two regions, functions with published versions and aliases, one member
//! the audit role cannot enter. The emulator runs with IAM enforcement (`AUTH=true`) so that
//! `AssumeRole` into a missing role is refused as AWS refuses it.

mod estate;
mod faults;
mod hygiene;
mod ignore;
mod organization;
mod overview;
mod ownership;
mod reports;
mod scope;

use std::collections::BTreeSet;
use std::process::Output;

use crate::common::{stderr, stdout, TestHome};
use serde_json::Value;

use estate::key;

/// Run `secretslab --local ARGS`, keeping the output for the leak check.
pub(super) fn audit(home: &TestHome, outputs: &mut Vec<Output>, args: &[&str]) -> Output {
    let mut all = vec!["--local", "audit"];
    all.extend_from_slice(args);
    let out = home.run(&all);
    assert!(!stderr(&out).contains("panicked"), "{}", stderr(&out));
    outputs.push(out.clone());
    out
}

pub(super) fn json(out: &Output) -> Value {
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "not one JSON document ({e}):\n{}\n{}",
            stdout(out),
            stderr(out)
        )
    })
}

/// What makes `sarif` invalid against the vendored official SARIF 2.1.0 schema (nothing when valid).
pub(super) fn sarif_errors(sarif: &Value) -> Vec<String> {
    let schema: Value = serde_json::from_str(include_str!(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/data/sarif-schema-2.1.0.json"
    )))
    .unwrap();
    let validator = jsonschema::validator_for(&schema).unwrap();
    validator
        .iter_errors(sarif)
        .map(|e| format!("{e} at {}", e.instance_path()))
        .collect()
}

pub(super) fn found(doc: &Value) -> BTreeSet<(String, String, String, String, String)> {
    doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            key(
                f["account"].as_str().unwrap(),
                f["region"].as_str().unwrap(),
                f["function"].as_str().unwrap(),
                f["version"].as_str().unwrap(),
                f["variable"].as_str().unwrap(),
            )
        })
        .collect()
}
