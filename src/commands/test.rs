//! `secretslab test`

use std::time::Duration;

use crate::aws::function::get_function;
use crate::aws::observed::Observed;
use crate::cli::TestArgs;
use crate::commands::session::{Connection, Session};
use crate::error::{Error, Result};
use crate::lab::exercise::{self, TestOptions, TestReport};
use crate::local::extension;

pub async fn run(session: &Session, args: TestArgs) -> Result<u8> {
    let connection = session.connect().await?;
    let report = exercise(session, &connection, &options_from(&args)).await?;
    super::print(session, &report)?;
    if report.ok {
        return Ok(0);
    }
    let help = if connection.emulator.is_none() && connection.aws.target.endpoint().is_some() {
        "nothing runs the extension on this emulator: use `--local` for the built-in stand-in"
    } else if connection.emulator.is_some() {
        "run `secretslab up --local` again (it restarts the local extension), then `secretslab test --local`"
    } else {
        "check that the function has the extension layer (`secretslab status`), then re-run `secretslab test`"
    };
    if !session.global.json {
        crate::ui::output::print_problem(report.problem.as_deref().unwrap_or_default(), Some(help));
    }
    Ok(1)
}

fn options_from(args: &TestArgs) -> TestOptions {
    TestOptions {
        invocations: args.invocations,
        reveal: args.reveal,
        interval: Duration::from_millis(args.interval_ms),
        per_month: args.per_month,
    }
}

/// Invoke the lab's function and account for the cache (shared with the tour).
pub(crate) async fn exercise(
    session: &Session,
    connection: &Connection,
    options: &TestOptions,
) -> Result<TestReport> {
    let names = session.names();
    let info = match get_function(&connection.aws.lambda, &names).await? {
        Observed::Owned(info) => info,
        Observed::Missing => {
            return Err(Error::NotDeployed {
                lab: names.lab.clone(),
                what: format!("function `{}`", names.function),
            })
        }
        Observed::Foreign => {
            return Err(Error::NotOwned {
                resource: format!("function `{}`", names.function),
                lab: names.lab.clone(),
            })
        }
    };
    super::up::start_local_extension(session, connection).await?;
    let dirs = session.dirs.clone();
    let lab = names.lab.clone();
    let embedded = connection
        .emulator
        .as_ref()
        .is_some_and(|e| e.extension == crate::cli::ExtensionKind::Standin);
    // Only the built-in stand-in keeps counters; elsewhere (AWS, the Agent) hits are inferred from timing.
    let counters = move || {
        if embedded {
            Some(extension::read_stats(&dirs, &lab).unwrap_or_default())
        } else {
            None
        }
    };
    let total = options.invocations;
    let progress = |n: u32| session.progress.step(format!("invocation {n} of {total}"));
    exercise::run(
        &connection.aws,
        &names,
        &info,
        options,
        &counters,
        &progress,
    )
    .await
}
