//! The tour's event loop: render a step, wait for a key, run its action, verify, remember.

use std::collections::BTreeMap;
use std::io::{IsTerminal, Write};

use termimad::crossterm::event::{self, Event, KeyCode, KeyEvent, KeyEventKind, KeyModifiers};
use termimad::crossterm::terminal;
use termimad::MadSkin;

use crate::aws::function::get_function;
use crate::aws::identity::{resolve_identity, Identity};
use crate::aws::observed::Observed;
use crate::aws::secret::{get_secret, Recovery};
use crate::cli::TourArgs;
use crate::domain::names::ResourceKind;
use crate::domain::package::HANDLER_SOURCE;
use crate::domain::policy::{read_secret_policy, trust_policy};
use crate::error::{Error, Result};
use crate::lab::deploy::{self, planned_secret_arn, Settings};
use crate::lab::exercise::{self, TestOptions};
use crate::lab::inspect::{self, Health};
use crate::lab::teardown;
use crate::local::{emulator, extension};
use crate::session::{Connection, Session};
use crate::tour::progress::{ProgressStore, TutorialState};
use crate::tour::steps::{fill, load_steps, Step, StepAction, StepCheck};
use crate::ui::style;

/// What the learner pressed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Key {
    Enter,
    Hint,
    Skip,
    Quit,
}

/// How a step's action and check ended.
pub(super) enum StepOutcome {
    Passed,
    Failed(String),
}

pub async fn run(session: &Session, args: TourArgs) -> Result<u8> {
    if session.json() {
        // The tour is prose for a person; its JSON twins are `up`, `test` and `teardown --json`.
        return Err(Error::invalid(
            "the tour is an interactive tutorial and prints no JSON",
            "drop `--json`, or script the lab with `secretslab up --json`, `test --json` and `teardown --json`",
        ));
    }
    let steps = load_steps().map_err(|e| {
        Error::local(
            format!("the tour's steps are broken: {e}"),
            "this is a bug in secretslab; please report it",
        )
    })?;
    let interactive = !args.yes;
    if interactive && !(std::io::stdin().is_terminal() && std::io::stdout().is_terminal()) {
        return Err(Error::invalid(
            "the tour waits for keys, but this is not a terminal",
            "run `secretslab tour --yes` to go straight through every step",
        ));
    }
    let store = ProgressStore::new(&session.dirs.tour_progress());
    if args.restart {
        store.clear()?;
    }
    let first_time = !store.exists();
    let lab = session.names().lab;
    let mut state = store
        .load()
        .filter(|s| s.lab == lab)
        .unwrap_or_else(|| TutorialState {
            lab: lab.clone(),
            ..Default::default()
        });
    let ids: Vec<String> = steps.iter().map(|s| s.id.clone()).collect();
    let mut index = match &args.step {
        Some(id) => ids.iter().position(|i| i == id).ok_or_else(|| {
            Error::invalid(
                format!("there is no step `{id}`"),
                format!("choose one of: {}", ids.join(", ")),
            )
        })?,
        None => state.resume_index(&ids),
    };
    let mut out = std::io::stdout();
    session.progress.finish();
    if first_time {
        let _ = writeln!(out, "{}", style::heading("Welcome to the secretslab tour."));
        let _ = writeln!(
            out,
            "Nine steps: why, the IAM pieces, the handler, deploy, test, find a plaintext\nsecret, fix it, take it home as code, clean up.\n"
        );
    } else if index > 0 {
        let resuming = format!("resuming at step {}", step_of(index, &steps));
        let _ = writeln!(out, "{}", style::hint(&resuming));
    }
    let connection = session.connect().await?;
    let identity = resolve_identity(&connection.aws.sts).await?;
    session.progress.finish();
    let skin = if style::enabled() {
        MadSkin::default()
    } else {
        MadSkin::no_style()
    };
    let width = render_width();
    let mut failed = false;
    while index < steps.len() {
        let step = &steps[index];
        state.current = Some(step.id.clone());
        store.save(&state)?;
        let values = placeholders(session, &connection, &identity, &step.body).await?;
        session.progress.finish();
        let body = fill(&step.body, &values).map_err(|e| {
            Error::local(
                format!("{}: {e}", step.file),
                "this is a bug in secretslab; please report it",
            )
        })?;
        let title = format!("── Step {}: {} ──", step_of(index, &steps), step.title);
        let _ = writeln!(out, "\n{}", style::heading(&title));
        let _ = write!(out, "{}", render_markdown(&skin, &body, width));
        let _ = out.flush();
        let skip_action = step.action == StepAction::Teardown && args.keep;
        session.progress.finish();
        if interactive {
            match wait_for_go(step, skip_action)? {
                Key::Quit => {
                    let _ = writeln!(
                        out,
                        "{}",
                        style::hint("progress saved: run `secretslab tour` to continue here")
                    );
                    return Ok(0);
                }
                Key::Skip => {
                    index += 1;
                    continue;
                }
                _ => {}
            }
        }
        let outcome = if skip_action {
            let _ = writeln!(
                out,
                "{}",
                style::hint(
                    "--keep: the lab stays up; run `secretslab teardown` when you are done"
                )
            );
            StepOutcome::Passed
        } else {
            run_step(session, &connection, step).await
        };
        match outcome {
            StepOutcome::Passed => {
                if step.check != StepCheck::None || step.action != StepAction::None {
                    let _ = writeln!(out, "{} {}", style::ok("✓"), check_name(step.check));
                }
                state.done.insert(step.id.clone());
                index += 1;
            }
            StepOutcome::Failed(why) => {
                let _ = writeln!(out, "{} {why}", style::failed("✗"));
                let _ = writeln!(out, "{} {}", style::hint("hint:"), step.hint);
                if !interactive {
                    failed = true;
                    break;
                }
                // Interactive: stay on this step; Enter tries again, s skips.
            }
        }
    }
    if failed && !args.keep {
        // Leave nothing behind even when a step failed half-way.
        let _ = writeln!(out, "{}", style::hint("cleaning up after the failed step"));
        if let Some(teardown_step) = steps.iter().find(|s| s.action == StepAction::Teardown) {
            if let StepOutcome::Failed(why) = run_step(session, &connection, teardown_step).await {
                let _ = writeln!(out, "{} {why}", style::failed("✗"));
            }
        }
    }
    if !failed {
        store.clear()?;
        let _ = writeln!(
            out,
            "\n{}",
            style::ok("tour complete: you deployed, tested and removed the lab.")
        );
    }
    if connection.emulator.is_some() && !args.keep {
        extension::stop_all(&session.dirs)?;
        emulator::stop(&session.dirs)?;
        let _ = writeln!(out, "{}", style::dim("stopped the local emulator"));
    }
    Ok(if failed { 1 } else { 0 })
}

/// "3 of 8": where the learner is.
fn step_of(index: usize, steps: &[Step]) -> String {
    format!("{} of {}", index + 1, steps.len())
}

/// Prose through termimad (wrapped to the width); fenced code blocks verbatim, indented and
/// unpadded, so code is never re-wrapped and copies cleanly.
pub fn render_markdown(skin: &MadSkin, markdown: &str, width: usize) -> String {
    let mut rendered = String::new();
    let mut prose = String::new();
    let mut in_code = false;
    for line in markdown.lines() {
        if line.trim_start().starts_with("```") {
            if in_code {
                rendered.push('\n');
            } else {
                rendered.push_str(&skin.text(&prose, Some(width)).to_string());
                rendered.push('\n');
                prose.clear();
            }
            in_code = !in_code;
            continue;
        }
        if in_code {
            rendered.push_str(&style::hint(&format!("  {}", line.trim_end())));
            rendered.push('\n');
        } else {
            prose.push_str(line);
            prose.push('\n');
        }
    }
    rendered.push_str(&skin.text(&prose, Some(width)).to_string());
    // termimad pads wrapped lines to the full width; trailing blanks only get in the way.
    rendered
        .lines()
        .map(str::trim_end)
        .collect::<Vec<_>>()
        .join("\n")
        + "\n"
}

fn check_name(check: StepCheck) -> &'static str {
    match check {
        StepCheck::None => "done",
        StepCheck::FunctionReady => "the function is Active with the extension layer attached",
        StepCheck::SecretRead => "the function read the secret through the extension",
        StepCheck::PlaintextFound => "audit found the plaintext password the API shows",
        StepCheck::PlaintextMoved => {
            "the plaintext is gone from $LATEST and the function reads the secret"
        }
        StepCheck::ExportWritten => "every exported file is written, and its Terraform parses",
        StepCheck::LabRemoved => "every lab resource is gone",
    }
}

fn render_width() -> usize {
    let terminal = std::io::stdout()
        .is_terminal()
        .then(|| terminal::size().ok().map(|(w, _)| w as usize))
        .flatten()
        .unwrap_or(80);
    terminal.clamp(40, 100)
}

fn wait_for_go(step: &Step, skip_action: bool) -> Result<Key> {
    let what = match (step.action, skip_action) {
        (StepAction::None, _) | (_, true) => "continue".to_string(),
        (StepAction::Up, _) => "deploy (`secretslab up`)".to_string(),
        (StepAction::Test, _) => "test (`secretslab test`)".to_string(),
        (StepAction::Find, _) => "find it (`secretslab audit`)".to_string(),
        (StepAction::Fix, _) => "fix it (`secretslab migrate`)".to_string(),
        (StepAction::Export, _) => "export it (`secretslab export`)".to_string(),
        (StepAction::Teardown, _) => "tear down (`secretslab teardown`)".to_string(),
    };
    loop {
        eprint!(
            "\n{}",
            style::hint(&format!("[Enter] {what}   [h] hint   [s] skip   [q] quit "))
        );
        let _ = std::io::stderr().flush();
        let key = read_key()?;
        eprintln!();
        match key {
            Key::Hint => eprintln!("{} {}", style::hint("hint:"), step.hint),
            other => return Ok(other),
        }
    }
}

fn read_key() -> Result<Key> {
    terminal::enable_raw_mode().map_err(|e| Error::io("reading a key", e))?;
    let key = loop {
        match event::read() {
            Ok(Event::Key(KeyEvent {
                code,
                modifiers,
                kind: KeyEventKind::Press,
                ..
            })) => match code {
                KeyCode::Enter | KeyCode::Char('n') | KeyCode::Char(' ') => break Ok(Key::Enter),
                KeyCode::Char('h') => break Ok(Key::Hint),
                KeyCode::Char('s') => break Ok(Key::Skip),
                KeyCode::Char('q') | KeyCode::Esc => break Ok(Key::Quit),
                KeyCode::Char('c') if modifiers.contains(KeyModifiers::CONTROL) => {
                    break Ok(Key::Quit)
                }
                _ => {}
            },
            Ok(_) => {}
            Err(e) => break Err(Error::io("reading a key", e)),
        }
    };
    let _ = terminal::disable_raw_mode();
    key
}

/// Values for the steps' `{{placeholders}}`, from the live account and lab.
async fn placeholders(
    session: &Session,
    connection: &Connection,
    identity: &Identity,
    body: &str,
) -> Result<BTreeMap<&'static str, String>> {
    let names = session.names();
    let region = &connection.aws.region;
    // Only a step that shows the permission policy needs the secret's real ARN.
    let mut secret_arn = planned_secret_arn(identity, region, &names);
    if body.contains("{{policy_json}}") {
        if let Observed::Owned(info) = get_secret(&connection.aws.secrets, &names).await? {
            secret_arn = info.arn;
        }
    }
    let pretty = |v: &serde_json::Value| serde_json::to_string_pretty(v).unwrap_or_default();
    Ok(BTreeMap::from([
        ("account", identity.account.clone()),
        ("region", region.clone()),
        ("partition", identity.partition.clone()),
        ("name", names.lab.clone()),
        ("secret_name", names.secret.clone()),
        ("role_name", names.role.clone()),
        ("policy_name", names.policy.clone()),
        ("trust_policy_json", pretty(&trust_policy())),
        (
            "policy_json",
            pretty(&read_secret_policy(&secret_arn, None)),
        ),
        ("handler_code", handler_excerpt()),
    ]))
}

/// The part of the handler that talks to the extension, with those lines marked `»`.
pub fn handler_excerpt() -> String {
    let lines: Vec<&str> = HANDLER_SOURCE.lines().collect();
    let start = lines
        .iter()
        .position(|l| l.trim() == "# tour:start")
        .map(|i| i + 1)
        .unwrap_or(0);
    let end = lines
        .iter()
        .position(|l| l.trim() == "# tour:end")
        .unwrap_or(lines.len());
    let talks_to_extension = |line: &str| {
        [
            "TOKEN_HEADER",
            "secretsmanager/get",
            "urlopen",
            "EXTENSION_HOST",
            "HTTP_PORT",
        ]
        .iter()
        .any(|needle| line.contains(needle))
    };
    lines[start..end.max(start)]
        .iter()
        .map(|line| {
            if talks_to_extension(line) {
                format!("» {line}")
            } else {
                format!("  {line}")
            }
        })
        .collect::<Vec<_>>()
        .join("\n")
}

async fn run_step(session: &Session, connection: &Connection, step: &Step) -> StepOutcome {
    match run_step_inner(session, connection, step).await {
        Ok(outcome) => outcome,
        Err(e) => StepOutcome::Failed(match e.help_text() {
            Some(help) => format!("{e} ({help})"),
            None => e.to_string(),
        }),
    }
}

async fn run_step_inner(
    session: &Session,
    connection: &Connection,
    step: &Step,
) -> Result<StepOutcome> {
    let mut out = std::io::stdout();
    let outcome = match step.action {
        StepAction::None => StepOutcome::Passed,
        StepAction::Up => {
            // One observation: the plan is shown, then applied as planned.
            let settings = Settings::defaults(connection.emulator.is_some());
            let planned = deploy::plan_lab(session, connection, &settings).await?;
            session.progress.finish();
            let _ = write!(
                out,
                "{}",
                deploy::plan_report(session, connection, &planned)
            );
            let report = deploy::apply_plan(session, connection, planned).await?;
            session.progress.finish();
            let _ = write!(out, "{report}");
            let _ = writeln!(
                out,
                "policy applied to the role:\n{}",
                serde_json::to_string_pretty(&report.policy_document).unwrap_or_default()
            );
            StepOutcome::Passed
        }
        StepAction::Test => {
            let report = exercise::test_lab(session, connection, &TestOptions::default()).await?;
            session.progress.finish();
            let _ = write!(out, "{report}");
            if report.ok {
                StepOutcome::Passed
            } else {
                StepOutcome::Failed(
                    report
                        .problem
                        .unwrap_or_else(|| "the secret was not read".into()),
                )
            }
        }
        StepAction::Find => super::chapter::find(session, connection).await?,
        StepAction::Fix => super::chapter::fix(session, connection).await?,
        StepAction::Export => super::take_home::export(session, connection).await?,
        StepAction::Teardown => {
            let report = teardown::remove_lab(session, connection, Recovery::Immediate).await?;
            session.progress.finish();
            let _ = write!(out, "{report}");
            if report.remaining == 0 {
                StepOutcome::Passed
            } else {
                StepOutcome::Failed(format!("{} resource(s) are still there", report.remaining))
            }
        }
    };
    if let StepOutcome::Failed(_) = outcome {
        return Ok(outcome);
    }
    verify(session, connection, step.check).await
}

/// Check the step's result against the API, not against what the action reported.
async fn verify(
    session: &Session,
    connection: &Connection,
    check: StepCheck,
) -> Result<StepOutcome> {
    let names = session.names();
    Ok(match check {
        StepCheck::None | StepCheck::SecretRead => StepOutcome::Passed,
        StepCheck::PlaintextFound => super::chapter::plaintext_present(session, connection).await?,
        StepCheck::PlaintextMoved => super::chapter::plaintext_moved(session, connection).await?,
        StepCheck::ExportWritten => super::take_home::written(session)?,
        StepCheck::FunctionReady => match get_function(&connection.aws.lambda, &names).await? {
            Observed::Owned(f)
                if f.state.as_deref().is_none_or(|s| s == "Active")
                    && f.layers
                        .iter()
                        .any(|l| l.contains("Parameters-and-Secrets")) =>
            {
                StepOutcome::Passed
            }
            Observed::Owned(_) => {
                StepOutcome::Failed("the function is not Active with the extension layer".into())
            }
            _ => StepOutcome::Failed("the function does not exist".into()),
        },
        StepCheck::LabRemoved => {
            let status = inspect::status(&connection.aws, &names).await?;
            let left: Vec<_> = status
                .resources
                .iter()
                .filter(|r| {
                    // A secret scheduled for deletion shows as drifted: it counts as removed.
                    r.state != Health::Missing
                        && (r.kind != ResourceKind::Secret || r.drift.is_empty())
                })
                .map(|r| r.name.clone())
                .chain(super::chapter::legacy_left(session, connection).await?)
                .collect();
            if left.is_empty() {
                StepOutcome::Passed
            } else {
                StepOutcome::Failed(format!("still there: {}", left.join(", ")))
            }
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tour::steps::PLACEHOLDERS;

    /// Every step as a learner sees it on an 80-column terminal with NO_COLOR: snapshots
    /// (src/tour/snapshots/) catch rendering changes; the checks catch broken layout.
    #[test]
    fn steps_render_within_80_columns_without_escape_codes() {
        let values: BTreeMap<&str, String> = PLACEHOLDERS
            .iter()
            .map(|k| {
                let value = match *k {
                    "policy_json" => serde_json::to_string_pretty(&read_secret_policy(
                        "arn:aws:secretsmanager:us-east-1:123456789012:secret:lab/credentials-AbCdEf",
                        None,
                    ))
                    .unwrap(),
                    "trust_policy_json" => serde_json::to_string_pretty(&trust_policy()).unwrap(),
                    "handler_code" => handler_excerpt(),
                    "account" => "123456789012".into(),
                    "region" => "us-east-1".into(),
                    "partition" => "aws".into(),
                    _ => "lab".into(),
                };
                (*k, value)
            })
            .collect();
        let skin = MadSkin::no_style();
        for step in load_steps().unwrap() {
            let body = fill(&step.body, &values).unwrap();
            let text = render_markdown(&skin, &body, 80);
            assert!(!text.contains('\u{1b}'), "{}: escape codes", step.file);
            for line in text
                .lines()
                .filter(|l| !l.contains("arn:aws:secretsmanager"))
            {
                assert!(
                    line.chars().count() <= 80,
                    "{}: too wide: {line}",
                    step.file
                );
            }
            insta::assert_snapshot!(step.id.clone(), text);
        }
    }

    #[test]
    fn handler_excerpt_marks_the_extension_call() {
        let excerpt = handler_excerpt();
        assert!(excerpt
            .lines()
            .any(|l| l.starts_with("» ") && l.contains("secretsmanager/get")));
        assert!(excerpt
            .lines()
            .any(|l| l.starts_with("» ") && l.contains("TOKEN_HEADER")));
        assert!(excerpt.lines().count() < 80);
    }
}
