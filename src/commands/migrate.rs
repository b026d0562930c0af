//! `secretslab migrate`

use crate::cli::MigrateArgs;
use crate::error::{Error, Result};
use crate::migrate::{self, Phase, Settings};
use crate::session::Session;

pub async fn run(session: &Session, args: MigrateArgs) -> Result<u8> {
    let settings = settings(args)?;
    let connection = session.connect().await?;
    let report = migrate::migrate(session, &connection, &settings).await?;
    super::print(session, &report)?;
    Ok(0)
}

fn settings(args: MigrateArgs) -> Result<Settings> {
    let phase = match (args.finish, args.rollback, args.purge_versions) {
        (true, _, _) => Phase::Finish,
        (_, true, _) => Phase::Rollback,
        (_, _, true) => Phase::Purge,
        _ => Phase::Expand,
    };
    if phase == Phase::Expand && args.vars.is_empty() && !args.flagged {
        return Err(Error::invalid(
            "say which variables to move",
            "pass `--var NAME` (repeatable) or `--flagged`; `--finish`, `--rollback` and `--purge-versions` take none",
        ));
    }
    if let Some(bad) = args
        .vars
        .iter()
        .find(|v| !crate::domain::migration::is_valid_var_name(v))
    {
        return Err(Error::invalid(
            format!("`{bad}` is not an environment variable name"),
            "Lambda variable names start with a letter and hold only letters, digits and `_`",
        ));
    }
    Ok(Settings {
        function: args.function,
        phase,
        vars: args.vars,
        flagged: args.flagged,
        store: args.store,
        document_name: args.secret_name,
        kms_key: args.kms_key,
        alias: args.alias,
        layer_arn: args.layer_arn,
        dry_run: args.dry_run,
        force: args.force,
    })
}
