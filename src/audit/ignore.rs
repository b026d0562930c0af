//! Ignore rules from `.secretslab.toml`: a finding the team has judged harmless, silenced by
//! function, variable, rule or fingerprint with a reason, kept beside the code and reviewed
//! like it. Ignored findings leave `findings` (so they never fail the audit) for `ignored`,
//! where every report still lists them; nothing is dropped silently.
//!
//! A name or function glob never silences a value in a vendor's token format: such a value
//! is a credential whatever it is called, so only its fingerprint names it precisely enough.

pub mod file;

use std::path::PathBuf;

use globset::{GlobBuilder, GlobMatcher};
use serde::Serialize;

use super::report::{AuditReport, Finding};
use crate::classify::is_vendor_format;

/// The rules of one file, in file order (the first that applies to a finding is named).
#[derive(Debug, Clone)]
pub struct IgnoreRules {
    pub path: PathBuf,
    pub rules: Vec<IgnoreRule>,
}

/// One `[[ignore]]` table, checked: every matcher given must match.
#[derive(Debug, Clone)]
pub struct IgnoreRule {
    /// Where its `[[ignore]]` header is, for every message about it.
    pub line: usize,
    pub function: Option<Pattern>,
    pub variable: Option<Pattern>,
    pub rule: Option<String>,
    pub fingerprint: Option<String>,
    pub reason: String,
    /// `YYYY-MM-DD`, the last day the rule applies.
    pub expires: Option<String>,
}

/// A glob on a name (or a code finding's path: `*` stays within one path segment, `**`
/// crosses them).
#[derive(Debug, Clone)]
pub struct Pattern {
    matcher: GlobMatcher,
}

impl Pattern {
    pub fn new(glob: String) -> Result<Self, String> {
        GlobBuilder::new(&glob)
            .literal_separator(true)
            .build()
            .map(|glob| Pattern {
                matcher: glob.compile_matcher(),
            })
            .map_err(|e| format!("`{glob}` is not a glob: {}", e.kind()))
    }

    fn matches(&self, text: &str) -> bool {
        self.matcher.is_match(text)
    }
}

impl IgnoreRule {
    /// Every matcher the rule has matches `finding`.
    fn names(&self, finding: &Finding) -> bool {
        self.names_parts(
            &finding.function,
            &finding.variable,
            finding.rule,
            &finding.fingerprint,
        )
    }

    fn names_parts(&self, function: &str, variable: &str, rule: &str, fingerprint: &str) -> bool {
        self.function.as_ref().is_none_or(|p| p.matches(function))
            && self.variable.as_ref().is_none_or(|p| p.matches(variable))
            && self.rule.as_ref().is_none_or(|r| r == rule)
            && self.fingerprint.as_ref().is_none_or(|f| f == fingerprint)
    }

    fn expired(&self, today: &str) -> bool {
        self.expires.as_deref().is_some_and(|last| last < today)
    }
}

/// What the ignore rules did to a report (JSON: `ignored` and `ignore_warnings`).
#[derive(Debug, Clone, Default, Serialize)]
pub struct Ignoring {
    /// Findings an ignore rule silenced, each with the rule.
    pub ignored: Vec<Ignored>,
    /// Rules that expired, and rules that named a vendor-format value without its fingerprint.
    pub ignore_warnings: Vec<String>,
    /// `--show-ignored`: the text report lists `ignored` too (other formats always do).
    #[serde(skip)]
    pub show_ignored: bool,
}

#[derive(Debug, Clone, Serialize)]
pub struct Ignored {
    #[serde(flatten)]
    pub finding: Finding,
    pub ignored_by: IgnoredBy,
}

/// The rule that silenced a finding, as its file says it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct IgnoredBy {
    pub file: String,
    pub line: usize,
    pub reason: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expires: Option<String>,
}

/// Move the findings a live rule names from `findings` to `ignored`, and say which rules
/// expired or were held back by a vendor format. `today` is `YYYY-MM-DD` (UTC).
pub fn apply(report: &mut AuditReport, rules: &IgnoreRules, today: &str) {
    let file = rules.path.display().to_string();
    let mut warnings = Vec::new();
    for rule in rules.rules.iter().filter(|r| r.expired(today)) {
        warnings.push(format!(
            "{file}:{}: this ignore rule expired on {} and no longer applies; renew `expires` or remove the rule",
            rule.line,
            rule.expires.as_deref().unwrap_or_default()
        ));
    }
    let live: Vec<&IgnoreRule> = rules.rules.iter().filter(|r| !r.expired(today)).collect();
    let mut held_back = vec![0usize; live.len()];
    let mut kept = Vec::new();
    for finding in std::mem::take(&mut report.findings) {
        let vendor = is_vendor_format(finding.rule);
        let mut silencing = None;
        for (index, rule) in live.iter().enumerate() {
            if !rule.names(&finding) {
                continue;
            }
            if vendor && rule.fingerprint.is_none() {
                held_back[index] += 1;
                continue;
            }
            silencing = Some(rule);
            break;
        }
        match silencing {
            Some(rule) => report.ignoring.ignored.push(Ignored {
                finding,
                ignored_by: IgnoredBy {
                    file: file.clone(),
                    line: rule.line,
                    reason: rule.reason.clone(),
                    expires: rule.expires.clone(),
                },
            }),
            None => kept.push(finding),
        }
    }
    report.findings = kept;
    for (rule, count) in live.iter().zip(held_back).filter(|(_, n)| *n > 0) {
        warnings.push(format!(
            "{file}:{}: this ignore rule names {count} finding(s) whose value has a vendor's token format; a name or function glob never silences one, only its `fingerprint` does",
            rule.line
        ));
    }
    report.ignoring.ignore_warnings.extend(warnings);
}

/// What each rule naming one variable does to it (`--explain`): silences it, is held back by
/// a vendor format, or has expired; in file order, the first that silences ends the list.
pub fn judge(
    rules: &IgnoreRules,
    (function, variable): (&str, &str),
    (rule, fingerprint): (&str, &str),
    today: &str,
) -> Vec<String> {
    let file = rules.path.display();
    let vendor = is_vendor_format(rule);
    let mut said = Vec::new();
    for ignore in &rules.rules {
        if !ignore.names_parts(function, variable, rule, fingerprint) {
            continue;
        }
        let at = format!("{file}:{}", ignore.line);
        if ignore.expired(today) {
            let last = ignore.expires.as_deref().unwrap_or_default();
            said.push(format!("{at} names it but expired on {last}"));
        } else if vendor && ignore.fingerprint.is_none() {
            said.push(format!("{at} names it, but its value has a vendor's token format: only its fingerprint silences it"));
        } else {
            said.push(format!("{at} silences it: {}", ignore.reason));
            break;
        }
    }
    if said.is_empty() {
        said.push(format!("no ignore rule of {file} names it"));
    }
    said
}

/// Today's date in UTC as `YYYY-MM-DD`, what `expires` is compared with.
pub fn today() -> String {
    let now = aws_smithy_types::DateTime::from(std::time::SystemTime::now());
    now.fmt(aws_smithy_types::date_time::Format::DateTime)
        .map(|text| text.chars().take(10).collect())
        // A clock out of range expires every dated rule rather than none.
        .unwrap_or_else(|_| "9999-12-31".to_string())
}

#[cfg(test)]
mod tests;
