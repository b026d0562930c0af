//! `secretslab up`

use std::io::Read;

use crate::aws::secret::{SecretValue, MAX_SECRET_BYTES};
use crate::cli::UpArgs;
use crate::error::{Code, Error, Result};
use crate::lab::deploy::{self, Settings};
use crate::session::Session;

pub async fn run(session: &Session, args: UpArgs) -> Result<u8> {
    let secret_value = read_secret_input(&args)?;
    let connection = session.connect().await?;
    let settings = settings(&args, secret_value, connection.emulator.is_some());
    let mut report = deploy::up(session, &connection, &settings, args.dry_run).await?;
    if args.with_legacy && !args.dry_run {
        let legacy = crate::lab::legacy::ensure_legacy(session, &connection, args.runtime).await?;
        report.legacy_function = Some(legacy.function);
    }
    super::print(session, &report)?;
    Ok(0)
}

/// What the flags ask for. Without flags this is [`Settings::defaults`], which `status` plans
/// with too.
fn settings(args: &UpArgs, secret_value: Option<SecretValue>, pick_free_port: bool) -> Settings {
    Settings {
        arch: args.arch,
        runtime: args.runtime,
        store: args.store,
        layer_arn: args.layer_arn.clone(),
        kms_key: args.kms_key.clone(),
        ttl_seconds: args.ttl,
        ssm_ttl_seconds: args.ssm_ttl,
        cache_size: args.cache_size,
        extension_port: args.extension_port,
        secret_value,
        pick_free_port,
    }
}

/// The user's secret value, from a file or stdin (never from an argument: it would show in `ps`).
fn read_secret_input(args: &UpArgs) -> Result<Option<SecretValue>> {
    let (origin, input): (String, Box<dyn Read>) = match &args.secret_file {
        Some(path) => {
            let origin = format!("--secret-file {}", path.display());
            let file = std::fs::File::open(path).map_err(|e| {
                Error::invalid(
                    Code::SecretUnreadable,
                    format!("cannot read {origin}: {e}"),
                    "pass the path of an existing, readable file",
                )
            })?;
            (origin, Box::new(file))
        }
        None if args.secret_stdin => ("standard input".into(), Box::new(std::io::stdin())),
        None => return Ok(None),
    };
    // Read a little past the limit, so an oversized value is refused with its size.
    let mut bytes = Vec::new();
    input
        .take(2 * MAX_SECRET_BYTES as u64)
        .read_to_end(&mut bytes)
        .map_err(|e| {
            Error::invalid(
                Code::SecretUnreadable,
                format!("cannot read the secret from {origin}: {e}"),
                "pass a readable file, or pipe the value in: `secretslab up --secret-stdin < file`",
            )
        })?;
    SecretValue::from_user_input(&bytes, &origin).map(Some)
}

#[cfg(test)]
mod tests {
    use clap::Parser;

    use super::*;
    use crate::cli::{Cli, Command};

    #[test]
    fn up_without_flags_wants_the_defaults_status_plans_with() {
        let Cli {
            command: Command::Up(args),
            ..
        } = Cli::try_parse_from(["secretslab", "up"]).unwrap()
        else {
            panic!("`up` parses as the up command");
        };
        for local in [false, true] {
            assert_eq!(settings(&args, None, local), Settings::defaults(local));
        }
    }
}
