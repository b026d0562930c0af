//! The audit's result: what was scanned, what could not be read, and every finding, built
//! from the scans by classifying each variable. Values are dropped here: a report holds
//! names, classes, shapes and keyed fingerprints only. JSON keys are a public contract.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::fingerprint::{fingerprint, FingerprintKey};
use super::hygiene::HygieneFinding;
use super::ignore::Ignoring;
use super::scan::ScopeScan;
use super::summary::Summary;
use crate::classify::{classify, Class, Shape};
use crate::domain::owner::Owner;

/// The result of one audit (DESIGN §8).
#[derive(Debug, Clone, Serialize)]
pub struct AuditReport {
    pub scanned: Scanned,
    /// What the scan amounts to, said after what was scanned: `clean` only when something was.
    pub outcome: Outcome,
    /// The findings counted per class, rule, service, account and region.
    pub summary: Summary,
    /// Each account × region scanned, with its counts.
    pub scopes: Vec<ScopeCount>,
    pub incomplete: Vec<Incomplete>,
    /// `secret` and `suspect` variables only.
    pub findings: Vec<Finding>,
    /// The extension's hygiene on each `$LATEST` (DESIGN §19): its own list, never counted
    /// as secrets; it fails the audit only under `--fail-on hygiene`.
    pub hygiene: Vec<HygieneFinding>,
    /// Findings left out because the baseline lists them.
    pub suppressed: usize,
    /// Findings `.secretslab.toml` ignores, listed (JSON `ignored`, `ignore_warnings`).
    #[serde(flatten)]
    pub ignoring: Ignoring,
    pub elapsed_ms: u64,
    /// Every classified variable (`--show-all`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub variables: Option<Vec<Finding>>,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct Scanned {
    pub accounts: usize,
    pub regions: usize,
    pub functions: usize,
    pub versions: usize,
    pub variables: usize,
    /// Variables per class, over every version scanned.
    pub classes: BTreeMap<Class, usize>,
}

/// What one account and region held (findings are counted from `findings`, after a baseline).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ScopeCount {
    pub account: String,
    pub region: String,
    pub functions: usize,
    pub versions: usize,
    pub variables: usize,
    /// Every call of the scope succeeded.
    pub complete: bool,
}

/// An account and region that could not be read, or not completely.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Incomplete {
    pub account: String,
    pub region: String,
    pub error: String,
}

/// One classified variable of one version.
#[derive(Debug, Clone, Serialize)]
pub struct Finding {
    pub account: String,
    pub region: String,
    /// What holds the variable (today always `lambda`).
    pub service: Service,
    pub function: String,
    /// The version's qualified ARN (`…:function:NAME:$LATEST`, `…:function:NAME:3`).
    pub function_arn: String,
    pub version: String,
    pub aliases: Vec<String>,
    pub variable: String,
    pub class: Class,
    pub rule: &'static str,
    pub reason: &'static str,
    pub shape: Shape,
    pub fingerprint: String,
    /// Who deploys the function (DESIGN §12): a fix made through the API alone may be undone.
    pub owner: Owner,
}

/// The AWS service whose configuration holds a finding.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Service {
    Lambda,
}

impl Service {
    pub fn as_str(self) -> &'static str {
        match self {
            Service::Lambda => "lambda",
        }
    }
}

impl AsRef<str> for Service {
    fn as_ref(&self) -> &str {
        self.as_str()
    }
}

impl std::fmt::Display for Service {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What identifies a finding across runs (and in a baseline): where it is and the value's
/// fingerprint, not the version, so a value republished in a new version stays known.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct FindingKey {
    pub account: String,
    pub region: String,
    pub function: String,
    pub variable: String,
    pub fingerprint: String,
}

impl Finding {
    pub fn key(&self) -> FindingKey {
        FindingKey {
            account: self.account.clone(),
            region: self.region.clone(),
            function: self.function.clone(),
            variable: self.variable.clone(),
            fingerprint: self.fingerprint.clone(),
        }
    }
}

/// The scope as planned, to count accounts and regions (also those that yielded nothing).
#[derive(Debug, Clone, Default)]
pub struct Coverage {
    pub accounts: usize,
    pub regions: usize,
}

/// Classify every variable of every scan. The scans' values are read here and nowhere else.
pub fn build(
    scans: &[ScopeScan],
    coverage: &Coverage,
    key: &FingerprintKey,
    show_all: bool,
) -> AuditReport {
    let mut scanned = Scanned {
        accounts: coverage.accounts,
        regions: coverage.regions,
        ..Scanned::default()
    };
    let mut incomplete = Vec::new();
    let mut scopes = Vec::new();
    let mut all = Vec::new();
    for scan in scans {
        if let Some(first) = scan.errors.first() {
            let more = scan.errors.len() - 1;
            incomplete.push(Incomplete {
                account: scan.account.clone(),
                region: scan.region.clone(),
                error: if more == 0 {
                    first.clone()
                } else {
                    format!("{first} (and {more} more failed call(s))")
                },
            });
        }
        let scope = classify_scan(scan, key, &mut all);
        scanned.functions += scope.functions;
        scanned.versions += scope.versions;
        scanned.variables += scope.variables;
        scopes.push(scope);
    }
    for finding in &all {
        *scanned.classes.entry(finding.class).or_default() += 1;
    }
    let findings = all
        .iter()
        .filter(|f| f.class >= Class::Suspect)
        .cloned()
        .collect();
    let mut report = AuditReport {
        scanned,
        outcome: Outcome::Clean,
        summary: Summary::default(),
        scopes,
        incomplete,
        findings,
        hygiene: scans.iter().flat_map(|s| s.hygiene.clone()).collect(),
        suppressed: 0,
        ignoring: Ignoring::default(),
        elapsed_ms: 0,
        variables: show_all.then_some(all),
    };
    report.decide(FailOn::AtLeast(Class::Secret));
    report
}

/// Classify every variable of one scan into `all`; the scan's counts.
fn classify_scan(scan: &ScopeScan, key: &FingerprintKey, all: &mut Vec<Finding>) -> ScopeCount {
    let mut count = ScopeCount {
        account: scan.account.clone(),
        region: scan.region.clone(),
        complete: scan.errors.is_empty(),
        ..ScopeCount::default()
    };
    for function in &scan.functions {
        count.functions += 1;
        let owner = scan.owners.owner(&function.name, function.image);
        for version in &function.versions {
            count.versions += 1;
            let aliases = function
                .aliases
                .get(&version.version)
                .cloned()
                .unwrap_or_default();
            for variable in &version.variables {
                count.variables += 1;
                let verdict = classify(&variable.name, variable.value.expose());
                all.push(Finding {
                    account: scan.account.clone(),
                    region: scan.region.clone(),
                    service: Service::Lambda,
                    function: function.name.clone(),
                    function_arn: function.qualified_arn(&version.version),
                    version: version.version.clone(),
                    aliases: aliases.clone(),
                    variable: variable.name.clone(),
                    class: verdict.class,
                    rule: verdict.rule,
                    reason: verdict.reason,
                    shape: verdict.shape,
                    fingerprint: fingerprint(key, variable.value.expose()),
                    owner: owner.clone(),
                });
            }
        }
    }
    count
}

/// Which findings fail the audit (`--fail-on`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FailOn {
    /// Findings of this class or more severe.
    AtLeast(Class),
    /// Any finding fails the audit: a secret, a suspect, or a hygiene finding.
    Hygiene,
    /// Findings never fail the audit (incomplete scopes still do).
    Never,
}

/// Exit codes of `audit` (README and `--help`).
pub const EXIT_FINDINGS: u8 = 4;
pub const EXIT_INCOMPLETE: u8 = 5;
pub const EXIT_NOTHING_SCANNED: u8 = 6;

/// The audit's verdict, in the order that decides it: findings, then an incomplete scope,
/// then a scope that held no function (nothing was checked, so nothing is clean), then clean.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    Findings,
    Incomplete,
    NothingScanned,
    Clean,
}

impl Outcome {
    pub fn exit_code(self) -> u8 {
        match self {
            Outcome::Findings => EXIT_FINDINGS,
            Outcome::Incomplete => EXIT_INCOMPLETE,
            Outcome::NothingScanned => EXIT_NOTHING_SCANNED,
            Outcome::Clean => 0,
        }
    }
}

impl AuditReport {
    /// Findings of `class`, from the summary.
    pub fn count(&self, class: Class) -> usize {
        self.summary.class(class)
    }

    /// Findings at or above `fail_on`; else an incomplete scope; else no function at all;
    /// else clean.
    pub fn outcome(&self, fail_on: FailOn) -> Outcome {
        let failing = match fail_on {
            FailOn::AtLeast(threshold) => self.findings.iter().any(|f| f.class >= threshold),
            FailOn::Hygiene => !self.findings.is_empty() || !self.hygiene.is_empty(),
            FailOn::Never => false,
        };
        if failing {
            Outcome::Findings
        } else if !self.incomplete.is_empty() {
            Outcome::Incomplete
        } else if self.scanned.functions == 0 {
            Outcome::NothingScanned
        } else {
            Outcome::Clean
        }
    }

    /// Record the verdict under `fail_on` and count the totals, after a baseline has
    /// suppressed what it knows: every change to `findings` is followed by this.
    pub fn decide(&mut self, fail_on: FailOn) {
        self.summary = Summary::of(&self.findings, &self.scopes).with_hygiene(&self.hygiene);
        self.outcome = self.outcome(fail_on);
    }

    /// 4 findings, 5 incomplete, 6 nothing scanned, 0 clean (see [`Outcome`]).
    pub fn exit_code(&self, fail_on: FailOn) -> u8 {
        self.outcome(fail_on).exit_code()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::audit::scan::fixtures::{one_function, version};

    fn scan_with(versions: Vec<(&str, Vec<(&str, &str)>)>, aliases: &[(&str, &str)]) -> ScopeScan {
        let mut alias_map: BTreeMap<String, Vec<String>> = BTreeMap::new();
        for (version, alias) in aliases {
            alias_map
                .entry(version.to_string())
                .or_default()
                .push(alias.to_string());
        }
        let versions = versions
            .into_iter()
            .map(|(name, vars)| version(name, &vars))
            .collect();
        let mut scan = one_function("orders", versions);
        scan.functions[0].aliases = alias_map;
        scan
    }

    #[test]
    fn an_old_version_keeps_its_finding_with_its_aliases() {
        let planted = "sk_live_4eC39HqLyjWDarjtT1zdp7dc";
        let scan = scan_with(
            vec![
                (
                    "$LATEST",
                    vec![
                        (
                            "STRIPE_KEY",
                            "arn:aws:secretsmanager:us-east-1:111111111111:secret:stripe-AbCdEf",
                        ),
                        ("LOG_LEVEL", "info"),
                    ],
                ),
                ("1", vec![("STRIPE_KEY", planted), ("LOG_LEVEL", "info")]),
            ],
            &[("1", "prod")],
        );
        let key = FingerprintKey::generate();
        let report = build(
            &[scan],
            &Coverage {
                accounts: 1,
                regions: 1,
            },
            &key,
            false,
        );
        assert_eq!(report.findings.len(), 1);
        let finding = &report.findings[0];
        assert_eq!(finding.version, "1");
        assert_eq!(finding.aliases, vec!["prod"]);
        assert_eq!(
            finding.function_arn,
            "arn:aws:lambda:us-east-1:111111111111:function:orders:1"
        );
        assert_eq!(finding.class, Class::Secret);
        assert_eq!(report.scanned.versions, 2);
        assert_eq!(report.scanned.variables, 4);
        let json = serde_json::to_string(&report).unwrap();
        assert!(!json.contains(planted));
        assert!(report.variables.is_none());
    }

    #[test]
    fn show_all_lists_every_variable_without_values() {
        let scan = scan_with(
            vec![("$LATEST", vec![("LOG_LEVEL", "info"), ("TABLE", "orders")])],
            &[],
        );
        let report = build(
            &[scan],
            &Coverage::default(),
            &FingerprintKey::generate(),
            true,
        );
        let all = report.variables.as_ref().unwrap();
        assert_eq!(all.len(), 2);
        assert!(all.iter().all(|f| f.class == Class::Config));
        assert!(report.findings.is_empty());
    }

    #[test]
    fn exit_codes_follow_fail_on_then_incomplete() {
        let planted = "sk_live_4eC39HqLyjWDarjtT1zdp7dc";
        let mut scan = scan_with(vec![("$LATEST", vec![("STRIPE_KEY", planted)])], &[]);
        let key = FingerprintKey::generate();
        let report = build(
            std::slice::from_ref(&scan),
            &Coverage::default(),
            &key,
            false,
        );
        assert_eq!(report.exit_code(FailOn::AtLeast(Class::Secret)), 4);
        assert_eq!(report.exit_code(FailOn::AtLeast(Class::Suspect)), 4);
        assert_eq!(report.exit_code(FailOn::Never), 0);
        scan.errors
            .push("listing functions: AccessDeniedException: no".into());
        let report = build(&[scan], &Coverage::default(), &key, false);
        assert_eq!(report.exit_code(FailOn::Never), 5);
        assert_eq!(report.exit_code(FailOn::AtLeast(Class::Secret)), 4);
        assert_eq!(report.incomplete.len(), 1);
        let nothing = build(&[], &Coverage::default(), &key, false);
        assert_eq!(nothing.exit_code(FailOn::AtLeast(Class::Secret)), 6);
        assert_eq!(nothing.outcome, Outcome::NothingScanned);
        let config_only = scan_with(vec![("$LATEST", vec![("LOG_LEVEL", "info")])], &[]);
        let clean = build(&[config_only], &Coverage::default(), &key, false);
        assert_eq!(clean.exit_code(FailOn::AtLeast(Class::Secret)), 0);
        assert_eq!(clean.outcome, Outcome::Clean);
    }
}
