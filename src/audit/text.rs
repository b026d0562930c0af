//! The audit report for people: findings grouped by function, then what could not be read,
//! then the totals (from the report's summary) and one verdict line.

use std::fmt;

use super::hygiene::HygieneFinding;
use super::ignore::Ignored;
use super::report::{AuditReport, Finding, Outcome};
use super::summary::Summary;
use crate::classify::Class;
use crate::ui::style;

fn class_label(class: Class) -> String {
    match class {
        Class::Secret => style::failed("secret "),
        Class::Suspect => style::pending("suspect"),
        Class::Reference => style::ok("ref    "),
        Class::Config => style::dim("config "),
    }
}

fn plural(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

fn write_variable(f: &mut fmt::Formatter<'_>, finding: &Finding) -> fmt::Result {
    let aliases = if finding.aliases.is_empty() {
        String::new()
    } else {
        format!(", aliases {}", finding.aliases.join(", "))
    };
    writeln!(
        f,
        "  {} {}  {}",
        class_label(finding.class),
        finding.variable,
        style::dim(&format!(
            "version {}{aliases}  [{}]",
            finding.version, finding.rule
        )),
    )?;
    // Within 80 columns: the reason wrapped under the variable, then shape and fingerprint.
    writeln!(f, "          {}", style::wrap(finding.reason, 80, 10, 10))?;
    writeln!(
        f,
        "          {}",
        style::dim(&format!(
            "({}; fingerprint {})",
            finding.shape, finding.fingerprint
        ))
    )
}

/// Rows grouped by function, in report order (account, region, function).
fn write_grouped(f: &mut fmt::Formatter<'_>, rows: &[Finding]) -> fmt::Result {
    let mut current: Option<(&str, &str, &str)> = None;
    for row in rows {
        let group = (
            row.account.as_str(),
            row.region.as_str(),
            row.function.as_str(),
        );
        if current != Some(group) {
            writeln!(
                f,
                "{}  {}",
                style::heading(&row.function),
                style::dim(&format!("account {} · {}", row.account, row.region))
            )?;
            writeln!(f, "  {}", style::dim(&format!("owner: {}", row.owner)))?;
            current = Some(group);
        }
        write_variable(f, row)?;
    }
    Ok(())
}

/// Entries shown per line of totals; the rest are counted in one "more".
const TOTALS_SHOWN: usize = 6;

/// `name count, …` most first, the tail as "and N more".
fn totals_line(ranked: &[(&str, usize)]) -> String {
    let mut parts: Vec<String> = ranked
        .iter()
        .take(TOTALS_SHOWN)
        .map(|(name, n)| format!("{name} {n}"))
        .collect();
    if ranked.len() > TOTALS_SHOWN {
        parts.push(format!("and {} more", ranked.len() - TOTALS_SHOWN));
    }
    parts.join(", ")
}

/// The findings per rule, service, account and region, when there are any.
fn write_totals(f: &mut fmt::Formatter<'_>, summary: &Summary) -> fmt::Result {
    if summary.findings == 0 {
        return Ok(());
    }
    let lines = [
        ("by rule", Summary::ranked(&summary.rules)),
        ("by service", Summary::ranked(&summary.services)),
        ("by account", Summary::ranked(&summary.accounts)),
        ("by region", Summary::ranked(&summary.regions)),
    ];
    for (label, ranked) in lines {
        writeln!(
            f,
            "{}  {}",
            style::dim(&format!("{label:<10}")),
            style::wrap(&totals_line(&ranked), 80, 12, 12)
        )?;
    }
    Ok(())
}

/// `--show-ignored`: each ignored finding with the rule that silenced it.
fn write_ignored(f: &mut fmt::Formatter<'_>, ignored: &[Ignored]) -> fmt::Result {
    writeln!(f)?;
    writeln!(f, "{}", style::dim("ignored:"))?;
    for entry in ignored {
        let finding = &entry.finding;
        let by = &entry.ignored_by;
        writeln!(
            f,
            "  {} {} {}  {}",
            class_label(finding.class),
            finding.function,
            finding.variable,
            style::dim(&format!("[{}]", finding.rule)),
        )?;
        let place = format!(
            "version {} · account {} · {}",
            finding.version, finding.account, finding.region
        );
        writeln!(f, "          {}", style::dim(&place))?;
        let until = by
            .expires
            .as_deref()
            .map(|last| format!(" (until {last})"))
            .unwrap_or_default();
        let why = format!("{}:{}: {}{until}", by.file, by.line, by.reason);
        writeln!(f, "          {}", style::wrap(&why, 80, 10, 10))?;
    }
    Ok(())
}

/// The extension's hygiene, grouped by function: each reason with its one-line fix.
fn write_hygiene(f: &mut fmt::Formatter<'_>, hygiene: &[HygieneFinding]) -> fmt::Result {
    writeln!(f)?;
    writeln!(
        f,
        "{}",
        style::pending("extension hygiene (not secrets; --fail-on hygiene fails on it):")
    )?;
    let mut current: Option<(&str, &str, &str)> = None;
    for h in hygiene {
        let group = (h.account.as_str(), h.region.as_str(), h.function.as_str());
        if current != Some(group) {
            let place = format!("account {} · {} · $LATEST", h.account, h.region);
            writeln!(
                f,
                "  {}  {}",
                style::heading(&h.function),
                style::dim(&place)
            )?;
            current = Some(group);
        }
        let rule = format!("[{}]", h.issue.rule);
        let start = 4 + rule.len() + 1;
        let reason = style::wrap(&h.issue.reason, 80, start, 6);
        writeln!(f, "    {} {reason}", style::dim(&rule))?;
        writeln!(f, "      fix: {}", style::wrap(&h.issue.fix, 80, 11, 11))?;
    }
    Ok(())
}

/// What the ignore rules want fixed: expired rules, and globs held back by a vendor format.
fn write_ignore_warnings(f: &mut fmt::Formatter<'_>, warnings: &[String]) -> fmt::Result {
    writeln!(f)?;
    writeln!(f, "{}", style::pending("ignore rules:"))?;
    for warning in warnings {
        writeln!(f, "  {}", style::wrap(warning, 80, 2, 4))?;
    }
    Ok(())
}

impl fmt::Display for AuditReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let s = &self.scanned;
        writeln!(
            f,
            "scanned {} × {}: {}, {}, {}",
            plural(s.accounts, "account", "accounts"),
            plural(s.regions, "region", "regions"),
            plural(s.functions, "function", "functions"),
            plural(s.versions, "version", "versions"),
            plural(s.variables, "variable", "variables"),
        )?;
        writeln!(f)?;
        match &self.variables {
            Some(all) => write_grouped(f, all)?,
            None => write_grouped(f, &self.findings)?,
        }
        let ignoring = &self.ignoring;
        if ignoring.show_ignored && !ignoring.ignored.is_empty() {
            write_ignored(f, &ignoring.ignored)?;
        }
        if !ignoring.ignore_warnings.is_empty() {
            write_ignore_warnings(f, &ignoring.ignore_warnings)?;
        }
        if !self.hygiene.is_empty() {
            write_hygiene(f, &self.hygiene)?;
        }
        if !self.incomplete.is_empty() {
            writeln!(f)?;
            writeln!(f, "{}", style::failed("not read completely:"))?;
            for gap in &self.incomplete {
                writeln!(
                    f,
                    "  account {} · {}: {}",
                    gap.account, gap.region, gap.error
                )?;
            }
        }
        writeln!(f)?;
        if self.outcome == Outcome::NothingScanned {
            return writeln!(
                f,
                "{}: the scope held no function, so nothing was checked (check --function, --regions and --accounts)",
                style::failed("nothing scanned")
            );
        }
        write_totals(f, &self.summary)?;
        if self.outcome == Outcome::Clean && self.summary.findings == 0 {
            write!(f, "{}: ", style::ok("clean"))?;
        }
        let references = s.classes.get(&Class::Reference).copied().unwrap_or(0);
        write!(
            f,
            "{}, {}; {} to a store",
            plural(self.count(Class::Secret), "secret", "secrets"),
            plural(self.count(Class::Suspect), "suspect", "suspects"),
            plural(references, "reference", "references"),
        )?;
        if !self.hygiene.is_empty() {
            write!(f, "; {} of extension hygiene", self.hygiene.len())?;
        }
        if self.suppressed > 0 {
            write!(f, "; {} suppressed by the baseline", self.suppressed)?;
        }
        if !ignoring.ignored.is_empty() {
            let listed = if ignoring.show_ignored {
                ""
            } else {
                " (--show-ignored lists them)"
            };
            write!(f, "; {} ignored by rule{listed}", ignoring.ignored.len())?;
        }
        if !self.incomplete.is_empty() {
            write!(
                f,
                "; {} incomplete",
                plural(self.incomplete.len(), "scope", "scopes")
            )?;
        }
        writeln!(f, " ({:.1} s)", self.elapsed_ms as f64 / 1000.0)
    }
}

#[cfg(test)]
mod tests {
    use crate::audit::fingerprint::FingerprintKey;
    use crate::audit::report::{build, Coverage};
    use crate::audit::scan::fixtures::latest_of_orders;

    #[test]
    fn the_last_lines_are_the_summary_then_the_verdict() {
        let planted = "postgres://app:Zx81kQ9aLm@db.example.com:5432/app";
        let scan = latest_of_orders(&[("DATABASE_URL", planted)]);
        let coverage = Coverage {
            accounts: 1,
            regions: 1,
        };
        let report = build(&[scan], &coverage, &FingerprintKey::generate(), false);
        let text = report.to_string();
        assert!(!text.contains(planted));
        let last: Vec<&str> = text.lines().rev().take(5).collect();
        assert!(last[0].starts_with("1 secret, 0 suspects"), "{text}");
        assert!(last[1].ends_with("us-east-1 1"), "{text}");
        assert!(last[2].ends_with("111111111111 1"), "{text}");
        assert!(last[3].ends_with("lambda 1"), "{text}");
        assert!(last[4].ends_with("url-credentials 1"), "{text}");
    }
}
