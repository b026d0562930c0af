//! `audit --explain FUNCTION:VARIABLE`: how the classifier decided one variable, in each
//! version that holds it: every rule that looked at it, in order, fired or not and why, and
//! the facts those rules read. Never the value: lengths and shapes only.

use std::fmt;

use serde::Serialize;

use super::fingerprint::{fingerprint, FingerprintKey};
use super::ignore::{self, IgnoreRules};
use super::scan::ScopeScan;
use crate::classify::{self, Explanation};
use crate::error::{Code, Error, Result};
use crate::ui::style;

/// `FUNCTION:VARIABLE`, split at the last colon (a function ARN has colons, a name has none).
pub fn parse_target(target: &str) -> Result<(String, String)> {
    match target.rsplit_once(':') {
        Some((function, variable)) if !function.is_empty() && !variable.is_empty() => {
            Ok((function.to_string(), variable.to_string()))
        }
        _ => Err(Error::invalid(
            Code::BadExplainTarget,
            format!("`{target}` does not name a function and a variable"),
            "pass FUNCTION:VARIABLE, e.g. `--explain orders:DB_PASSWORD`",
        )),
    }
}

/// One variable's classification in the versions where it reads the same.
#[derive(Debug, Clone, Serialize)]
pub struct Explained {
    pub account: String,
    pub region: String,
    pub function: String,
    pub versions: Vec<String>,
    pub variable: String,
    /// The value's keyed fingerprint, as an ignore rule's `fingerprint` takes it.
    pub fingerprint: String,
    #[serde(flatten)]
    pub explanation: Explanation,
    /// What `.secretslab.toml`'s ignore rules do to it (empty without a file).
    pub ignore: Vec<String>,
}

/// Every explanation of `--explain` (JSON: `{"explain": [...]}`).
#[derive(Debug, Clone, Serialize)]
pub struct Explanations {
    pub explain: Vec<Explained>,
}

/// How `--explain` names the value and applies the ignore rules.
pub struct Context<'a> {
    pub key: &'a FingerprintKey,
    pub rules: Option<&'a IgnoreRules>,
    pub today: &'a str,
}

/// Explain `variable` in every version of every function scanned; versions in a row whose
/// value and explanation are the same are one entry. No version holding it is an error.
pub fn explain(
    scans: &[ScopeScan],
    function: &str,
    variable: &str,
    context: &Context<'_>,
) -> Result<Explanations> {
    let mut explain: Vec<Explained> = Vec::new();
    for scan in scans {
        for record in &scan.functions {
            for version in &record.versions {
                let Some(found) = version.variables.iter().find(|v| v.name == variable) else {
                    continue;
                };
                let explanation = classify::explain(&found.name, found.value.expose());
                let fingerprint = fingerprint(context.key, found.value.expose());
                if let Some(last) = explain.last_mut().filter(|last| {
                    (
                        &last.account,
                        &last.region,
                        &last.function,
                        &last.fingerprint,
                    ) == (&scan.account, &scan.region, &record.name, &fingerprint)
                        && last.explanation == explanation
                }) {
                    last.versions.push(version.version.clone());
                    continue;
                }
                let ignore = context.rules.map_or_else(Vec::new, |rules| {
                    let rule = explanation.verdict.rule;
                    let names = (record.name.as_str(), variable);
                    ignore::judge(rules, names, (rule, &fingerprint), context.today)
                });
                explain.push(Explained {
                    account: scan.account.clone(),
                    region: scan.region.clone(),
                    function: record.name.clone(),
                    versions: vec![version.version.clone()],
                    variable: variable.to_string(),
                    fingerprint,
                    explanation,
                    ignore,
                });
            }
        }
    }
    if explain.is_empty() {
        let unread = scans
            .iter()
            .find_map(|scan| scan.errors.first())
            .map(|e| format!(" (part of the scope could not be read: {e})"))
            .unwrap_or_default();
        return Err(Error::invalid(
            Code::ExplainNotFound,
            format!("no version of function `{function}` in the scope has a variable `{variable}`{unread}"),
            format!("list its variables with `secretslab audit --function {function} --show-all`, and check --regions and --accounts"),
        ));
    }
    Ok(Explanations { explain })
}

impl fmt::Display for Explanations {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (index, entry) in self.explain.iter().enumerate() {
            if index > 0 {
                writeln!(f)?;
            }
            write_one(f, entry)?;
        }
        Ok(())
    }
}

fn write_one(f: &mut fmt::Formatter<'_>, entry: &Explained) -> fmt::Result {
    let verdict = &entry.explanation.verdict;
    let versions = if entry.versions.len() == 1 {
        "version"
    } else {
        "versions"
    };
    writeln!(
        f,
        "{} {}  {}",
        style::heading(&entry.function),
        entry.variable,
        style::dim(&format!(
            "{versions} {} · account {} · {}",
            entry.versions.join(", "),
            entry.account,
            entry.region
        ))
    )?;
    writeln!(
        f,
        "  {} by {} ({}; fingerprint {})",
        verdict.class, verdict.rule, verdict.shape, entry.fingerprint
    )?;
    for said in &entry.ignore {
        writeln!(f, "  {}", style::wrap(&format!("ignore: {said}"), 80, 2, 4))?;
    }
    for fact in &entry.explanation.facts {
        writeln!(f, "  {}", style::dim(&style::wrap(fact, 80, 2, 4)))?;
    }
    writeln!(f, "  rules, in the order they looked:")?;
    for step in &entry.explanation.steps {
        let mark = if step.fired {
            style::ok("yes")
        } else {
            style::dim("no ")
        };
        writeln!(f, "    {mark} {}", style::wrap(&step.rules, 80, 8, 8))?;
        writeln!(f, "        {}", style::wrap(&step.why, 80, 8, 8))?;
    }
    writeln!(
        f,
        "  {}",
        style::dim("the first rule that fires decides; the rules after it did not look")
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::audit::scan::fixtures::{self, one_function};
    use crate::audit::scan::VersionRecord;

    fn version(version: &str, value: &str) -> VersionRecord {
        fixtures::version(version, &[("DB_PASSWORD", value)])
    }

    fn scan(versions: Vec<VersionRecord>) -> ScopeScan {
        one_function("orders", versions)
    }

    #[test]
    fn versions_that_read_the_same_are_one_entry_and_no_value_is_shown() {
        let planted = "Xq7Lm2Rt9Kd8Wz1N";
        let scans = [scan(vec![
            version("$LATEST", "changeme"),
            version("1", planted),
            version("2", planted),
        ])];
        let key = FingerprintKey::generate();
        let text = "[[ignore]]\nvariable = \"DB_*\"\nrule = \"config-placeholder\"\nreason = \"a placeholder\"\n";
        let rules = ignore::file::parse(std::path::Path::new(".secretslab.toml"), text)
            .unwrap_or_else(|e| panic!("{e}"));
        let context = Context {
            key: &key,
            rules: Some(&rules),
            today: "2026-12-07",
        };
        let explained =
            explain(&scans, "orders", "DB_PASSWORD", &context).unwrap_or_else(|e| panic!("{e}"));
        let ignore: Vec<&str> = explained
            .explain
            .iter()
            .map(|e| e.ignore[0].as_str())
            .collect();
        assert_eq!(
            ignore,
            [
                ".secretslab.toml:1 silences it: a placeholder",
                "no ignore rule of .secretslab.toml names it"
            ]
        );
        let versions: Vec<&[String]> = explained
            .explain
            .iter()
            .map(|e| e.versions.as_slice())
            .collect();
        assert_eq!(
            versions,
            [
                &["$LATEST".to_string()][..],
                &["1".to_string(), "2".to_string()][..]
            ]
        );
        let text = explained.to_string();
        assert!(text.contains("orders DB_PASSWORD  versions 1, 2"), "{text}");
        assert!(
            text.contains("secret by password-name (16 chars; fingerprint hmac-sha256:"),
            "{text}"
        );
        assert!(
            text.contains("yes password-name") && text.contains("no  config-empty"),
            "{text}"
        );
        let json = serde_json::to_string(&explained).unwrap_or_default();
        assert!(!text.contains(planted) && !json.contains(planted), "{json}");
    }

    #[test]
    fn a_missing_variable_and_a_target_without_colon_are_usage_errors() {
        let scans = [scan(vec![version("$LATEST", "x")])];
        let key = FingerprintKey::generate();
        let context = Context {
            key: &key,
            rules: None,
            today: "2026-12-07",
        };
        let err = explain(&scans, "orders", "NOPE", &context).expect_err("no such variable");
        assert_eq!(err.exit_code(), 2);
        assert!(err.to_string().contains("`NOPE`"));
        assert!(parse_target("orders").is_err() && parse_target(":X").is_err());
        let arn = "arn:aws:lambda:us-east-1:111111111111:function:orders:DB_PASSWORD";
        let (function, variable) = parse_target(arn).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            (function.as_str(), variable.as_str()),
            (
                "arn:aws:lambda:us-east-1:111111111111:function:orders",
                "DB_PASSWORD"
            )
        );
    }
}
