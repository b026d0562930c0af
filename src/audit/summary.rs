//! The report's totals: findings per class, rule, service, account, region and account ×
//! region, counted once from the findings so that every format (the JSON `summary`, the text
//! report's last lines, the HTML page, the CSV's rows) says the same numbers.

use std::collections::BTreeMap;

use serde::Serialize;

use super::hygiene::HygieneFinding;
use super::report::{Finding, ScopeCount, Service};
use crate::classify::Class;

/// The services an audit reads today; each is a key of `services`, also when it found nothing.
pub const SCANNED_SERVICES: [Service; 1] = [Service::Lambda];

/// Findings counted per dimension (after a baseline has suppressed what it knows).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Summary {
    pub findings: usize,
    /// `secret` and `suspect`, both always present.
    pub classes: BTreeMap<Class, usize>,
    /// Only rules that matched.
    pub rules: BTreeMap<&'static str, usize>,
    /// Every service scanned.
    pub services: BTreeMap<Service, usize>,
    /// Every account and region scanned, also those without a finding.
    pub accounts: BTreeMap<String, usize>,
    pub regions: BTreeMap<String, usize>,
    /// Every account × region scanned, in the report's order.
    pub scopes: Vec<ScopeFindings>,
    /// Hygiene findings (not counted in `findings` or `classes`).
    pub hygiene: usize,
    /// Hygiene findings per rule (only rules that matched).
    pub hygiene_rules: BTreeMap<&'static str, usize>,
}

/// The findings of one account and region.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ScopeFindings {
    pub account: String,
    pub region: String,
    pub findings: usize,
}

impl Summary {
    /// Count `findings`; `scopes` name what was scanned, so a scope without findings shows as 0.
    pub fn of(findings: &[Finding], scopes: &[ScopeCount]) -> Self {
        let mut summary = Summary {
            findings: findings.len(),
            classes: [(Class::Secret, 0), (Class::Suspect, 0)].into(),
            services: SCANNED_SERVICES.iter().map(|s| (*s, 0)).collect(),
            ..Summary::default()
        };
        for scope in scopes {
            summary.accounts.entry(scope.account.clone()).or_default();
            summary.regions.entry(scope.region.clone()).or_default();
        }
        let mut per_scope: BTreeMap<(&str, &str), usize> = BTreeMap::new();
        for f in findings {
            *summary.classes.entry(f.class).or_default() += 1;
            *summary.rules.entry(f.rule).or_default() += 1;
            *summary.services.entry(f.service).or_default() += 1;
            *summary.accounts.entry(f.account.clone()).or_default() += 1;
            *summary.regions.entry(f.region.clone()).or_default() += 1;
            *per_scope.entry((&f.account, &f.region)).or_default() += 1;
        }
        for scope in scopes {
            let found = per_scope.remove(&(scope.account.as_str(), scope.region.as_str()));
            summary.scopes.push(ScopeFindings {
                account: scope.account.clone(),
                region: scope.region.clone(),
                findings: found.unwrap_or(0),
            });
        }
        // Findings of a scope the report does not list (not produced by `build`) still count.
        for ((account, region), findings) in per_scope {
            summary.scopes.push(ScopeFindings {
                account: account.to_string(),
                region: region.to_string(),
                findings,
            });
        }
        summary
    }

    /// Count the hygiene findings beside the findings.
    pub fn with_hygiene(mut self, hygiene: &[HygieneFinding]) -> Self {
        self.hygiene = hygiene.len();
        for h in hygiene {
            *self.hygiene_rules.entry(h.issue.rule.as_str()).or_default() += 1;
        }
        self
    }

    pub fn class(&self, class: Class) -> usize {
        self.classes.get(&class).copied().unwrap_or(0)
    }

    /// `(name, count)` of a map, most first (then by name), without zeros.
    pub fn ranked<K: AsRef<str> + Ord>(map: &BTreeMap<K, usize>) -> Vec<(&str, usize)> {
        let mut ranked: Vec<(&str, usize)> = map
            .iter()
            .filter(|(_, n)| **n > 0)
            .map(|(k, n)| (k.as_ref(), *n))
            .collect();
        ranked.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
        ranked
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::audit::fingerprint::FingerprintKey;
    use crate::audit::report::{build, Coverage};
    use crate::audit::scan::fixtures::{one_function_in, version};
    use crate::audit::scan::ScopeScan;

    fn scan(account: &str, region: &str, variables: &[(&str, &str)]) -> ScopeScan {
        one_function_in(
            account,
            region,
            "orders",
            vec![version("$LATEST", variables)],
        )
    }

    #[test]
    fn counts_every_dimension_and_keeps_scopes_without_findings() {
        let scans = [
            scan(
                "111111111111",
                "us-east-1",
                &[
                    ("STRIPE_KEY", "sk_live_4eC39HqLyjWDarjtT1zdp7dc"),
                    ("DB_PASSWORD", "q8Vt2LmZ9xRw4KpN7bYc"),
                    ("LOG_LEVEL", "info"),
                ],
            ),
            scan("111111111111", "eu-west-1", &[("LOG_LEVEL", "info")]),
        ];
        let coverage = Coverage {
            accounts: 1,
            regions: 2,
        };
        let report = build(&scans, &coverage, &FingerprintKey::generate(), false);
        let summary = &report.summary;
        assert_eq!(summary.findings, 2);
        assert_eq!(summary.class(Class::Secret), 2);
        assert_eq!(summary.class(Class::Suspect), 0);
        assert_eq!(summary.rules.values().sum::<usize>(), 2);
        assert_eq!(summary.services[&Service::Lambda], 2);
        assert_eq!(summary.accounts["111111111111"], 2);
        assert_eq!(summary.regions["eu-west-1"], 0);
        assert_eq!(summary.scopes.len(), 2);
        assert_eq!(summary.scopes[0].findings, 2, "{:?}", summary.scopes);
        let json = serde_json::to_value(summary).unwrap();
        assert_eq!(json["classes"]["suspect"], 0);
        assert_eq!(json["services"]["lambda"], 2);
    }

    #[test]
    fn ranked_puts_the_most_first_and_drops_zeros() {
        let map: BTreeMap<String, usize> =
            [("a".into(), 1), ("b".into(), 3), ("c".into(), 0)].into();
        assert_eq!(Summary::ranked(&map), vec![("b", 3), ("a", 1)]);
    }
}
