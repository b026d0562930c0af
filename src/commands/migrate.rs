//! `secretslab migrate`

use crate::cli::MigrateArgs;
use crate::error::{Code, Error, Result};
use crate::migrate::{self, Phase, Settings};
use crate::session::Session;

pub async fn run(session: &Session, args: MigrateArgs) -> Result<u8> {
    let emit = args.emit.map(|format| migrate::Emit {
        format,
        output: args.output.clone(),
        template: args.template.clone(),
    });
    let settings = settings(args, emit.is_some())?;
    let connection = session.connect().await?;
    if let Some(emit) = emit {
        let report = migrate::emit(session, &connection, &settings, &emit).await?;
        super::print(session, &report)?;
        return Ok(0);
    }
    let report = migrate::migrate(session, &connection, &settings).await?;
    super::print(session, &report)?;
    Ok(0)
}

fn settings(args: MigrateArgs, emit: bool) -> Result<Settings> {
    let phase = match (args.finish, args.rollback, args.purge_versions) {
        (true, _, _) => Phase::Finish,
        (_, true, _) => Phase::Rollback,
        (_, _, true) => Phase::Purge,
        _ => Phase::Expand,
    };
    if phase == Phase::Expand && args.vars.is_empty() && !args.flagged && !emit {
        return Err(Error::invalid(
            Code::NoVariablesNamed,
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
            Code::BadVariableName,
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
        owner: args.owner,
        owner_updated: args.owner_updated,
    })
}
