//! `secretslab teardown`

use std::io::{BufRead, IsTerminal, Write};

use crate::aws::secret::Recovery;
use crate::cli::TeardownArgs;
use crate::error::{Code, Error, Result};
use crate::lab::teardown;
use crate::session::Session;

pub async fn run(session: &Session, args: TeardownArgs) -> Result<u8> {
    let names = session.names();
    if !args.yes {
        // A destructive command nobody confirmed does nothing: with no terminal to ask on
        // (a script, a pipe, CI) it refuses, as `terraform destroy` does.
        if !(std::io::stdin().is_terminal() && std::io::stderr().is_terminal()) {
            return Err(Error::invalid(
                Code::TeardownUnconfirmed,
                format!(
                    "teardown deletes every resource of lab `{}` and there is no terminal to confirm it on; nothing was deleted",
                    names.lab
                ),
                "pass `--yes` to delete without asking: `secretslab teardown --yes`",
            ));
        }
        if !confirm(&names.lab)? {
            return Err(Error::Cancelled);
        }
    }
    let connection = session.connect().await?;
    let recovery = if args.force_delete_secret {
        Recovery::Immediate
    } else {
        Recovery::Days(args.recovery_days)
    };
    let report = teardown::remove_lab(session, &connection, recovery).await?;
    super::print(session, &report)?;
    match report.leftover_error() {
        None => Ok(0),
        Some(err) => {
            if !session.json() {
                crate::ui::output::print_error(&err);
            }
            Ok(err.exit_code())
        }
    }
}

fn confirm(lab: &str) -> Result<bool> {
    let mut err = std::io::stderr();
    let _ = write!(err, "delete every resource of lab `{lab}`? [y/N] ");
    let _ = err.flush();
    let mut answer = String::new();
    std::io::stdin()
        .lock()
        .read_line(&mut answer)
        .map_err(|e| Error::io(Code::ReadTerminal, "reading the answer", e))?;
    Ok(matches!(answer.trim(), "y" | "Y" | "yes"))
}
