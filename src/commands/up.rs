//! `secretslab up`

use std::io::Read;

use crate::aws::function::{env, get_function};
use crate::aws::observed::Observed;
use crate::aws::secret::SecretValue;
use crate::cli::UpArgs;
use crate::commands::session::{Connection, Session};
use crate::error::{Error, Result};
use crate::lab::deploy::{self, Settings};
use crate::local::emulator::EmulatorState;
use crate::local::extension::{self, ExtensionConfig};

pub async fn run(session: &Session, args: UpArgs) -> Result<u8> {
    let secret_value = read_secret_input(&args)?;
    let connection = session.connect().await?;
    let settings = Settings {
        arch: args.arch,
        runtime: args.runtime,
        layer_arn: args.layer_arn,
        kms_key: args.kms_key,
        ttl: args.ttl,
        cache_size: args.cache_size,
        extension_port: args.extension_port,
        secret_value,
        pick_free_port: connection.emulator.is_some(),
    };
    let names = session.names();
    let report = deploy::up(
        &connection.aws,
        &names,
        &settings,
        args.dry_run,
        &session.progress,
    )
    .await?;
    if let (false, Some(emulator)) = (args.dry_run, &connection.emulator) {
        // The function's extension settings are the ones just applied: no need to read them back.
        run_local_extension(
            session,
            &connection,
            emulator,
            report.extension_port,
            u64::from(settings.ttl),
            usize::from(settings.cache_size),
        )?;
    }
    super::print(session, &report)?;
    Ok(0)
}

/// With the embedded emulator, run the lab's extension stand-in configured from the
/// function's own environment (port, TTL, cache size), exactly what the layer would read.
pub(crate) async fn start_local_extension(
    session: &Session,
    connection: &Connection,
) -> Result<()> {
    let Some(emulator) = &connection.emulator else {
        return Ok(());
    };
    let names = session.names();
    let Observed::Owned(function) = get_function(&connection.aws.lambda, &names).await? else {
        return Ok(());
    };
    let number = |key: &str, default: u64| {
        function
            .env
            .get(key)
            .and_then(|v| v.parse().ok())
            .unwrap_or(default)
    };
    run_local_extension(
        session,
        connection,
        emulator,
        function.extension_port(),
        number(env::TTL, 300),
        number(env::CACHE_SIZE, 1000) as usize,
    )
}

/// Start (or keep) the lab's stand-in with these extension settings.
fn run_local_extension(
    session: &Session,
    connection: &Connection,
    emulator: &EmulatorState,
    port: u16,
    ttl_seconds: u64,
    cache_size: usize,
) -> Result<()> {
    let config = ExtensionConfig {
        lab: session.names().lab.clone(),
        port,
        ttl_seconds,
        cache_size,
        endpoint: emulator.endpoint(),
        region: connection.aws.region.clone(),
    };
    session
        .progress
        .step(format!("starting the local extension on 127.0.0.1:{port}"));
    extension::ensure_running(&session.dirs, emulator, config)?;
    Ok(())
}

/// The user's secret value, from a file or stdin (never from an argument: it would show in `ps`).
fn read_secret_input(args: &UpArgs) -> Result<Option<SecretValue>> {
    if let Some(path) = &args.secret_file {
        let origin = format!("--secret-file {}", path.display());
        let meta = std::fs::metadata(path).map_err(|e| {
            Error::invalid(
                format!("cannot read {origin}: {e}"),
                "pass the path of an existing file",
            )
        })?;
        if meta.len() > 4 * crate::aws::secret::MAX_SECRET_BYTES as u64 {
            return Err(Error::invalid(
                format!(
                    "{origin} is {} bytes; Secrets Manager accepts at most {}",
                    meta.len(),
                    crate::aws::secret::MAX_SECRET_BYTES
                ),
                "use a smaller value",
            ));
        }
        let bytes = std::fs::read(path).map_err(|e| {
            Error::invalid(
                format!("cannot read {origin}: {e}"),
                "check the file's permissions",
            )
        })?;
        return SecretValue::from_user_input(&bytes, &origin).map(Some);
    }
    if args.secret_stdin {
        let mut bytes = Vec::new();
        std::io::stdin()
            .take(4 * crate::aws::secret::MAX_SECRET_BYTES as u64)
            .read_to_end(&mut bytes)
            .map_err(|e| {
                Error::invalid(
                    format!("cannot read the secret from standard input: {e}"),
                    "pipe the value in, e.g. `secretslab up --secret-stdin < file`",
                )
            })?;
        return SecretValue::from_user_input(&bytes, "standard input").map(Some);
    }
    Ok(None)
}
