//! `secretslab audit`: turn the flags into a plan, run the audit, print or write the report,
//! and map the result to the exit code (0 clean, 4 findings, 5 incomplete, 6 nothing scanned).

use crate::audit::ignore::IgnoreRules;
use crate::audit::report::{AuditReport, FailOn};
use crate::audit::scope::{self, AccountSelection, RegionSelection};
use crate::audit::{
    self, baseline, csv, explain, files, html, ignore, key, sarif, scan, AuditPlan,
};
use crate::classify::Class;
use crate::cli::{AuditArgs, AuditFormat, FailOnArg};
use crate::error::{Code, Error, Result};
use crate::session::Session;

pub async fn run(session: &Session, args: AuditArgs) -> Result<u8> {
    // Read the ignore rules and the baseline before scanning: a mistake in either should not
    // cost a whole scan. A working directory that is gone has no configuration above it.
    let cwd = std::env::current_dir().unwrap_or_default();
    let rules = ignore::file::load(args.config.as_deref(), &cwd)?;
    if let Some(target) = &args.explain {
        return run_explain(session, &args, target, rules.as_ref()).await;
    }
    let plan = plan(&args)?;
    let format = match (args.format, session.json()) {
        (Some(format), _) => format,
        (None, true) => AuditFormat::Json,
        (None, false) => AuditFormat::Text,
    };
    let known = args.baseline.as_deref().map(baseline::read).transpose()?;
    let key = key::load_or_create(&session.dirs)?;
    let connection = session.connect().await?;
    let base = connection.sdk_config().await;
    let mut report = audit::run(&base, &connection.aws, &plan, &key, &session.progress).await?;
    // Before the baseline is written: what the rules ignore is not a finding to record.
    if let Some(rules) = &rules {
        ignore::apply(&mut report, rules, &ignore::today());
    }
    report.ignoring.show_ignored = args.show_ignored;
    if let Some(path) = &args.write_baseline {
        baseline::write(path, &baseline::from_report(&report))?;
        session.progress.done(format!(
            "baseline of {} finding(s) written to {}",
            report.findings.len(),
            path.display()
        ));
    }
    if let Some(known) = &known {
        baseline::suppress(&mut report, known);
    }
    let fail_on = match args.fail_on {
        FailOnArg::Secret => FailOn::AtLeast(Class::Secret),
        FailOnArg::Suspect => FailOn::AtLeast(Class::Suspect),
        FailOnArg::Hygiene => FailOn::Hygiene,
        FailOnArg::None => FailOn::Never,
    };
    report.decide(fail_on);
    show(session, &args, &report, format)?;
    Ok(report.outcome.exit_code())
}

/// Print the report, or write it to `--output` and print the text or JSON one.
fn show(
    session: &Session,
    args: &AuditArgs,
    report: &AuditReport,
    format: AuditFormat,
) -> Result<()> {
    match &args.output {
        Some(path) => {
            files::write_atomically(path, &render(report, format)?)?;
            session
                .progress
                .done(format!("report written to {}", path.display()));
            super::print(session, report)
        }
        None if format == AuditFormat::Text => super::print(session, report),
        None => {
            session.progress.finish();
            write_stdout(&render(report, format)?)
        }
    }
}

/// `--explain FUNCTION:VARIABLE`: scan that function only and show how the variable was
/// decided in each version; 0 when some version has it.
async fn run_explain(
    session: &Session,
    args: &AuditArgs,
    target: &str,
    rules: Option<&IgnoreRules>,
) -> Result<u8> {
    let (function, variable) = explain::parse_target(target)?;
    let mut plan = plan(args)?;
    plan.function = Some(function);
    let key = key::load_or_create(&session.dirs)?;
    let today = ignore::today();
    let context = explain::Context {
        key: &key,
        rules,
        today: &today,
    };
    let connection = session.connect().await?;
    let base = connection.sdk_config().await;
    let aws = &connection.aws;
    let explained =
        audit::explain_variable(&base, aws, &plan, &session.progress, &variable, &context).await?;
    super::print(session, &explained)?;
    Ok(0)
}

/// The flags as a plan; contradictions are usage errors before anything is called.
fn plan(args: &AuditArgs) -> Result<AuditPlan> {
    let accounts = if args.organization {
        AccountSelection::Organization
    } else if !args.accounts.is_empty() {
        AccountSelection::Listed(scope::parse_accounts(&args.accounts)?)
    } else {
        AccountSelection::Caller
    };
    let regions = if args.all_regions {
        RegionSelection::All
    } else if !args.regions.is_empty() {
        let regions = scope::parse_regions(&args.regions)?;
        scope::check_known_regions(&regions, args.allow_unknown_regions)?;
        RegionSelection::Listed(regions)
    } else {
        RegionSelection::Current
    };
    if let Some(role) = &args.assume_role {
        let valid = (1..=64).contains(&role.len())
            && role
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "+=,.@_-".contains(c));
        if !valid {
            return Err(Error::invalid(
                Code::BadRoleName,
                format!("`{role}` is not an IAM role name"),
                "pass the role's name (not its ARN), e.g. `--assume-role OrganizationAccountAccessRole`",
            ));
        }
    }
    Ok(AuditPlan {
        accounts,
        regions,
        assume_role: args.assume_role.clone(),
        function: args.function.clone(),
        show_all: args.show_all,
        rate: scan::CONTROL_PLANE_RATE,
    })
}

fn render(report: &AuditReport, format: AuditFormat) -> Result<Vec<u8>> {
    let encode = |value: serde_json::Result<Vec<u8>>| {
        value
            .map(|mut body| {
                body.push(b'\n');
                body
            })
            .map_err(|e| Error::bug(format!("could not encode the report: {e}")))
    };
    match format {
        AuditFormat::Text => Ok(report.to_string().into_bytes()),
        AuditFormat::Json => encode(serde_json::to_vec_pretty(report)),
        AuditFormat::Sarif => encode(serde_json::to_vec_pretty(&sarif::to_sarif(report))),
        AuditFormat::Html => Ok(html::to_html(report).into_bytes()),
        AuditFormat::Csv => csv::to_csv(report)
            .map_err(|e| Error::bug(format!("could not encode the report as CSV: {e}"))),
    }
}

/// Write a rendered report to stdout; a closed pipe (`| head`) is not an error.
fn write_stdout(body: &[u8]) -> Result<()> {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    match out.write_all(body).and_then(|()| out.flush()) {
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => {
            Err(Error::io(Code::WriteOutput, "writing the report", e))
        }
        _ => Ok(()),
    }
}
