//! The tour's event loop: render a step, wait for a key, run its action, verify, remember.

use std::collections::BTreeMap;
use std::io::{IsTerminal, Write};

use termimad::crossterm::event::{self, Event, KeyCode, KeyEvent, KeyEventKind, KeyModifiers};
use termimad::crossterm::terminal;
use termimad::MadSkin;

use crate::aws::identity::{resolve_identity, Identity};
use crate::cli::TourArgs;
use crate::domain::kinds::Runtime;
use crate::error::{Code, Error, Result};
use crate::session::{Connection, Session};
use crate::tour::progress::{ProgressStore, TutorialState};
use crate::tour::steps::{fill, load_steps, Step, StepAction, StepCheck};

use super::actions::{placeholders, run_step};
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

/// Where the learner is: the steps, the saved progress and the step shown now.
struct Walk {
    steps: Vec<Step>,
    store: ProgressStore,
    state: TutorialState,
    index: usize,
    interactive: bool,
}

/// What the walk through the steps ended with.
enum Ending {
    /// Every step passed.
    Complete,
    /// The learner quit; progress is saved.
    Quit,
    /// A step failed with no one to retry it (`--yes`).
    Failed,
}

pub async fn run(session: &Session, args: TourArgs) -> Result<u8> {
    let mut walk = Walk::start(session, &args)?;
    let mut out = std::io::stdout();
    session.progress.finish();
    walk.greet(&mut out);
    let connection = session.connect().await?;
    let identity = resolve_identity(&connection.aws.sts).await?;
    // The lab's runtime: asked for, else the deployed function's, so the tour keeps it.
    let runtime = match args.runtime {
        Some(runtime) => runtime,
        None => crate::lab::runtime::lab_runtime(&connection.aws, &session.names()).await?,
    };
    session.progress.finish();
    let ending = walk
        .through_steps(session, &connection, &identity, &args, runtime, &mut out)
        .await?;
    if matches!(ending, Ending::Quit) {
        return Ok(0);
    }
    let failed = matches!(ending, Ending::Failed);
    if failed && !args.keep {
        // Leave nothing behind even when a step failed half-way.
        let _ = writeln!(out, "{}", style::hint("cleaning up after the failed step"));
        let steps = &walk.steps;
        if let Some(teardown_step) = steps.iter().find(|s| s.action == StepAction::Teardown) {
            if let StepOutcome::Failed(why) =
                run_step(session, &connection, teardown_step, runtime).await
            {
                let _ = writeln!(out, "{} {why}", style::failed("✗"));
            }
        }
    }
    if !failed {
        walk.store.clear()?;
        let _ = writeln!(
            out,
            "\n{}",
            style::ok("tour complete: you deployed, tested and removed the lab.")
        );
    }
    if connection.emulator.is_some() && !args.keep {
        session.stop_local().await?;
        let _ = writeln!(out, "{}", style::dim("stopped the local emulator"));
    }
    Ok(if failed { 1 } else { 0 })
}

impl Walk {
    /// Load the steps and the saved progress; refuse what cannot work (JSON, no terminal).
    fn start(session: &Session, args: &TourArgs) -> Result<Self> {
        if session.json() {
            // The tour is prose for a person; its JSON twins are `up`, `test` and `teardown --json`.
            return Err(Error::invalid(
                Code::NoJson,
                "the tour is an interactive tutorial and prints no JSON",
                "drop `--json`, or script the lab with `secretslab up --json`, `test --json` and `teardown --json`",
            ));
        }
        let steps =
            load_steps().map_err(|e| Error::bug(format!("the tour's steps are broken: {e}")))?;
        let interactive = !args.yes;
        if interactive && !(std::io::stdin().is_terminal() && std::io::stdout().is_terminal()) {
            return Err(Error::invalid(
                Code::NeedsTerminal,
                "the tour waits for keys, but this is not a terminal",
                "run `secretslab tour --yes` to go straight through every step",
            ));
        }
        let store = ProgressStore::new(&session.dirs.tour_progress());
        if args.restart {
            store.clear()?;
        }
        let lab = session.names().lab;
        let state = store
            .load()
            .filter(|s| s.lab == lab)
            .unwrap_or_else(|| TutorialState {
                lab: lab.clone(),
                ..Default::default()
            });
        let ids: Vec<String> = steps.iter().map(|s| s.id.clone()).collect();
        let index = match &args.step {
            Some(id) => ids.iter().position(|i| i == id).ok_or_else(|| {
                Error::invalid(
                    Code::UnknownTourStep,
                    format!("there is no step `{id}`"),
                    format!("choose one of: {}", ids.join(", ")),
                )
            })?,
            None => state.resume_index(&ids),
        };
        Ok(Self {
            steps,
            store,
            state,
            index,
            interactive,
        })
    }

    /// A welcome the first time; where the learner resumes after that.
    fn greet(&self, out: &mut impl Write) {
        if !self.store.exists() {
            let _ = writeln!(out, "{}", style::heading("Welcome to the secretslab tour."));
            let _ = writeln!(
                out,
                "Ten steps: why, the IAM pieces, the handler, deploy, test, find a plaintext\nsecret, fix it, rotate it, take it home as code, clean up.\n"
            );
        } else if self.index > 0 {
            let resuming = format!("resuming at step {}", step_of(self.index, &self.steps));
            let _ = writeln!(out, "{}", style::hint(&resuming));
        }
    }

    async fn through_steps(
        &mut self,
        session: &Session,
        connection: &Connection,
        identity: &Identity,
        args: &TourArgs,
        runtime: Runtime,
        out: &mut impl Write,
    ) -> Result<Ending> {
        let skin = if style::enabled() {
            MadSkin::default()
        } else {
            MadSkin::no_style()
        };
        while self.index < self.steps.len() {
            let step = self.steps[self.index].clone();
            self.state.current = Some(step.id.clone());
            self.store.save(&self.state)?;
            let values = placeholders(session, connection, identity, &step.body, runtime).await?;
            session.progress.finish();
            self.show(&step, &values, &skin, out)?;
            let skip_action = step.action == StepAction::Teardown && args.keep;
            session.progress.finish();
            if self.interactive {
                match wait_for_go(&step, skip_action)? {
                    Key::Quit => {
                        let saved = "progress saved: run `secretslab tour` to continue here";
                        let _ = writeln!(out, "{}", style::hint(saved));
                        return Ok(Ending::Quit);
                    }
                    Key::Skip => {
                        self.index += 1;
                        continue;
                    }
                    _ => {}
                }
            }
            let outcome = if skip_action {
                let kept = "--keep: the lab stays up; run `secretslab teardown` when you are done";
                let _ = writeln!(out, "{}", style::hint(kept));
                StepOutcome::Passed
            } else {
                run_step(session, connection, &step, runtime).await
            };
            if !self.after(&step, outcome, out) {
                return Ok(Ending::Failed);
            }
        }
        Ok(Ending::Complete)
    }

    /// Render a step's title and body.
    fn show(
        &self,
        step: &Step,
        values: &BTreeMap<&'static str, String>,
        skin: &MadSkin,
        out: &mut impl Write,
    ) -> Result<()> {
        let body =
            fill(&step.body, values).map_err(|e| Error::bug(format!("{}: {e}", step.file)))?;
        let title = format!(
            "── Step {}: {} ──",
            step_of(self.index, &self.steps),
            step.title
        );
        let _ = writeln!(out, "\n{}", style::heading(&title));
        let _ = write!(out, "{}", render_markdown(skin, &body, render_width()));
        let _ = out.flush();
        Ok(())
    }

    /// Record a step's outcome; false when the walk must stop (a failure under `--yes`).
    fn after(&mut self, step: &Step, outcome: StepOutcome, out: &mut impl Write) -> bool {
        match outcome {
            StepOutcome::Passed => {
                if step.check != StepCheck::None || step.action != StepAction::None {
                    let _ = writeln!(out, "{} {}", style::ok("✓"), check_name(step.check));
                }
                self.state.done.insert(step.id.clone());
                self.index += 1;
                true
            }
            StepOutcome::Failed(why) => {
                let _ = writeln!(out, "{} {why}", style::failed("✗"));
                let _ = writeln!(out, "{} {}", style::hint("hint:"), step.hint);
                // Interactive: stay on this step; Enter tries again, s skips.
                self.interactive
            }
        }
    }
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
        StepCheck::Rotated => "the labels and the simulated database show a finished rotation",
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
        (StepAction::Rotate, _) => {
            "rotate it (`secretslab rotate`, then `secretslab test`)".to_string()
        }
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
    terminal::enable_raw_mode().map_err(|e| Error::io(Code::ReadTerminal, "reading a key", e))?;
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
            Err(e) => break Err(Error::io(Code::ReadTerminal, "reading a key", e)),
        }
    };
    let _ = terminal::disable_raw_mode();
    key
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::aws::identity::Identity;
    use crate::domain::handler::{NODEJS, PYTHON};
    use crate::domain::names::LabName;
    use crate::domain::policy::trust_policy;
    use crate::tour::actions::{handler_excerpt, handler_values, lab_policy};
    use crate::tour::steps::PLACEHOLDERS;

    /// Every step as a learner sees it on an 80-column terminal with NO_COLOR: snapshots
    /// (src/tour/snapshots/) catch rendering changes; the checks catch broken layout.
    #[test]
    fn steps_render_within_80_columns_without_escape_codes() {
        let python_values = BTreeMap::from(handler_values(&PYTHON));
        let values: BTreeMap<&str, String> = PLACEHOLDERS
            .iter()
            .map(|k| {
                let value = match *k {
                    "policy_json" => {
                        let identity = Identity {
                            account: "123456789012".into(),
                            partition: "aws".into(),
                            arn: "arn:aws:iam::123456789012:user/learner".into(),
                        };
                        let names = LabName::new("lab").unwrap().resources();
                        let secret = "arn:aws:secretsmanager:us-east-1:123456789012:secret:lab/credentials-AbCdEf";
                        let policy = lab_policy(&identity, "us-east-1", &names, secret);
                        serde_json::to_string_pretty(&policy).unwrap()
                    }
                    "trust_policy_json" => serde_json::to_string_pretty(&trust_policy()).unwrap(),
                    "handler_code" | "handler_language" | "handler_file" | "handler_fence" => {
                        python_values[*k].clone()
                    }
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
                // An ARN in a policy cannot be wrapped: the terminal folds that line.
                .filter(|l| {
                    !l.contains("arn:aws:secretsmanager") && !l.contains("\"Resource\": \"arn:")
                })
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
        for handler in [&PYTHON, &NODEJS] {
            let excerpt = handler_excerpt(handler);
            assert!(excerpt
                .lines()
                .any(|l| l.starts_with("» ") && l.contains("secretsmanager/get")));
            assert!(excerpt
                .lines()
                .any(|l| l.starts_with("» ") && l.contains("TOKEN_HEADER")));
            assert!(
                !excerpt.contains("tour:"),
                "{}: markers shown",
                handler.file
            );
            assert!(excerpt.lines().count() < 80);
        }
    }

    /// A lab on Node.js shows its own handler, as JavaScript, within 80 columns.
    #[test]
    fn the_handler_step_shows_the_node_handler_for_a_node_lab() {
        let step = load_steps()
            .unwrap()
            .into_iter()
            .find(|s| s.id == "handler")
            .unwrap();
        let values = BTreeMap::from(handler_values(Runtime::Nodejs22.handler()));
        let body = fill(&step.body, &values).unwrap();
        assert!(body.contains("This is the Node.js the lab deploys, `function/index.mjs`:"));
        assert!(body.contains("```javascript\n"));
        assert!(body.contains("fetchViaExtension") && !body.contains("def "));
        let text = render_markdown(&MadSkin::no_style(), &body, 80);
        assert!(text.lines().all(|l| l.chars().count() <= 80), "{text}");
    }
}
