//! `secretslab up`

use std::io::Read;

use crate::aws::secret::{SecretValue, MAX_SECRET_BYTES};
use crate::cli::UpArgs;
use crate::error::{Error, Result};
use crate::lab::deploy::{self, Settings};
use crate::lab::session::Session;

pub async fn run(session: &Session, args: UpArgs) -> Result<u8> {
    let secret_value = read_secret_input(&args)?;
    let connection = session.connect().await?;
    let settings = Settings {
        arch: args.arch,
        runtime: args.runtime,
        layer_arn: args.layer_arn,
        kms_key: args.kms_key,
        ttl_seconds: args.ttl,
        cache_size: args.cache_size,
        extension_port: args.extension_port,
        secret_value,
        pick_free_port: connection.emulator.is_some(),
    };
    let report = deploy::up(session, &connection, &settings, args.dry_run).await?;
    super::print(session, &report)?;
    Ok(0)
}

/// The user's secret value, from a file or stdin (never from an argument: it would show in `ps`).
fn read_secret_input(args: &UpArgs) -> Result<Option<SecretValue>> {
    // Read a little past the limit, so an oversized value is reported with its size.
    let read_limit = 4 * MAX_SECRET_BYTES as u64;
    if let Some(path) = &args.secret_file {
        let origin = format!("--secret-file {}", path.display());
        let meta = std::fs::metadata(path).map_err(|e| {
            Error::invalid(
                format!("cannot read {origin}: {e}"),
                "pass the path of an existing file",
            )
        })?;
        if meta.len() > read_limit {
            return Err(Error::invalid(
                format!(
                    "{origin} is {} bytes; Secrets Manager accepts at most {MAX_SECRET_BYTES}",
                    meta.len()
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
            .take(read_limit)
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
