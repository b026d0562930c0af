//! `secretslab test`

use std::time::Duration;

use crate::cli::TestArgs;
use crate::error::Result;
use crate::lab::exercise::{self, TestOptions};
use crate::session::Session;

pub async fn run(session: &Session, args: TestArgs) -> Result<u8> {
    let connection = session.connect().await?;
    let options = TestOptions {
        invocations: args.invocations,
        reveal: args.reveal,
        interval: Duration::from_millis(args.interval_ms),
        per_month: args.per_month,
        retry_on_refused: args.retry_on_refused,
    };
    let report = exercise::test_lab(session, &connection, &options).await?;
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
    if !session.json() {
        crate::ui::output::print_problem(
            crate::error::Code::SecretNotRead,
            report.problem.as_deref().unwrap_or_default(),
            Some(help),
        );
    }
    Ok(1)
}
