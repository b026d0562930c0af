//! The tour's "rotate it" step: a single-user rotation with the retry past the cache, then an
//! alternating-users one, each followed by `test`; checked against the API.

use std::io::Write;

use crate::domain::rotation::Strategy;
use crate::error::Result;
use crate::lab::exercise::{self, TestOptions};
use crate::rotate;
use crate::session::{Connection, Session};

use super::runner::StepOutcome;

/// Rotate each way and test after each: no login may stay refused.
pub async fn rotate(session: &Session, connection: &Connection) -> Result<StepOutcome> {
    let mut out = std::io::stdout();
    for (strategy, retry) in [
        (Strategy::SingleUser, true),
        (Strategy::AlternatingUsers, false),
    ] {
        let report = rotate::rotate(session, connection, strategy).await?;
        session.progress.finish();
        let _ = write!(out, "{report}");
        if let Some(problem) = report.problem {
            return Ok(StepOutcome::Failed(problem));
        }
        let options = TestOptions {
            invocations: 2,
            retry_on_refused: retry,
            ..TestOptions::default()
        };
        let tested = exercise::test_lab(session, connection, &options).await?;
        session.progress.finish();
        let _ = write!(out, "{tested}");
        if !tested.ok {
            return Ok(StepOutcome::Failed(
                tested.problem.unwrap_or_else(|| "the test failed".into()),
            ));
        }
    }
    Ok(StepOutcome::Passed)
}

/// The labels and the simulated database, read back through the API.
pub async fn rotated(session: &Session, connection: &Connection) -> Result<StepOutcome> {
    Ok(
        match rotate::check_rotated(&connection.aws, &session.names()).await? {
            None => StepOutcome::Passed,
            Some(problem) => StepOutcome::Failed(problem),
        },
    )
}
