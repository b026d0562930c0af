//! Baselines: the findings a team has already seen, recorded by location and fingerprint
//! (never a value), so later audits report only what is new.

use std::collections::BTreeSet;
use std::path::Path;

use super::report::{AuditReport, FindingKey};
use crate::error::{Code, Error, Result};

/// The findings of `report` as a baseline: a JSON list of
/// `{account, region, function, variable, fingerprint}`, sorted, without duplicates.
pub fn from_report(report: &AuditReport) -> Vec<FindingKey> {
    let keys: BTreeSet<FindingKey> = report.findings.iter().map(|f| f.key()).collect();
    keys.into_iter().collect()
}

/// Write the baseline file (atomically; a crash never leaves half a baseline).
pub fn write(path: &Path, keys: &[FindingKey]) -> Result<()> {
    super::files::write_atomically(path, &to_json(keys)?)
}

fn to_json(keys: &[FindingKey]) -> Result<Vec<u8>> {
    let mut body = serde_json::to_vec_pretty(keys)
        .map_err(|e| Error::bug(format!("could not encode the baseline: {e}")))?;
    body.push(b'\n');
    Ok(body)
}

/// Read a baseline written by `--write-baseline`.
pub fn read(path: &Path) -> Result<Vec<FindingKey>> {
    let bytes = std::fs::read(path).map_err(|e| {
        Error::invalid(
            Code::BaselineUnreadable,
            format!("could not read the baseline {}: {e}", path.display()),
            "write one first with `secretslab audit --write-baseline FILE`",
        )
    })?;
    serde_json::from_slice(&bytes).map_err(|e| {
        Error::invalid(
            Code::BaselineInvalid,
            format!("{} is not a secretslab baseline: {e}", path.display()),
            "pass a file written by `secretslab audit --write-baseline FILE`",
        )
    })
}

/// Drop the findings the baseline lists and count them in `suppressed`. With `--show-all`,
/// `variables` keeps every variable: it is the inventory, not the findings.
pub fn suppress(report: &mut AuditReport, baseline: &[FindingKey]) {
    let known: BTreeSet<&FindingKey> = baseline.iter().collect();
    let before = report.findings.len();
    report.findings.retain(|f| !known.contains(&f.key()));
    report.suppressed += before - report.findings.len();
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::audit::report::{Finding, Scanned};
    use crate::classify::{Class, Shape};

    fn finding(function: &str, version: &str, fingerprint: &str) -> Finding {
        Finding {
            account: "111111111111".into(),
            region: "us-east-1".into(),
            service: crate::audit::report::Service::Lambda,
            function: function.into(),
            function_arn: crate::domain::arn::Scope::new("aws", "us-east-1", "111111111111")
                .function(&format!("{function}:{version}"))
                .to_string(),
            version: version.into(),
            aliases: vec![],
            variable: "API_TOKEN".into(),
            class: Class::Secret,
            rule: "r",
            reason: "r",
            shape: Shape {
                length: 40,
                prefix: None,
            },
            fingerprint: fingerprint.into(),
            owner: crate::domain::owner::Owner::None,
        }
    }

    fn report(findings: Vec<Finding>) -> AuditReport {
        AuditReport {
            scanned: Scanned::default(),
            outcome: crate::audit::report::Outcome::Clean,
            summary: Default::default(),
            scopes: vec![],
            incomplete: vec![],
            findings,
            hygiene: vec![],
            suppressed: 0,
            ignoring: Default::default(),
            elapsed_ms: 0,
            variables: None,
        }
    }

    #[test]
    fn round_trip_suppresses_exactly_the_known_findings() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("baseline.json");
        // The same value in $LATEST and version 1 is one baseline entry.
        let known = report(vec![
            finding("a", "$LATEST", "f1"),
            finding("a", "1", "f1"),
            finding("b", "$LATEST", "f2"),
        ]);
        let keys = from_report(&known);
        assert_eq!(keys.len(), 2);
        write(&path, &keys).unwrap();
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(text.contains("\"fingerprint\": \"f1\""), "{text}");
        assert!(!text.contains("function_arn"), "{text}");

        let mut later = report(vec![
            finding("a", "$LATEST", "f1"),
            finding("a", "2", "f1"),
            finding("b", "$LATEST", "f3"),
        ]);
        suppress(&mut later, &read(&path).unwrap());
        assert_eq!(later.suppressed, 2);
        assert_eq!(later.findings.len(), 1);
        assert_eq!(later.findings[0].fingerprint, "f3");
    }

    #[test]
    fn a_file_that_is_not_a_baseline_is_a_usage_error() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("x.json");
        std::fs::write(&path, b"{\"not\": \"a list\"}").unwrap();
        let err = read(&path).unwrap_err();
        assert_eq!(err.exit_code(), 2);
        assert!(err.help_text().unwrap().contains("--write-baseline"));
        assert!(read(&dir.path().join("missing.json")).is_err());
    }
}
