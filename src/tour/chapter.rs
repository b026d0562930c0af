//! The tour's "find it, fix it" chapter: a legacy function with its password in plaintext,
//! found by `audit` and moved behind the extension by `migrate`, each checked against the API.

use std::io::Write;

use crate::audit::scope::{AccountSelection, RegionSelection};
use crate::audit::{self, key, scan, AuditPlan};
use crate::aws::function;
use crate::aws::target_function;
use crate::classify::Class;
use crate::domain::kinds::Store;
use crate::domain::migration::{default_document_name, reference_var};
use crate::error::Result;
use crate::lab::legacy::{self, PASSWORD_VAR};
use crate::migrate::{self, Phase, Settings};
use crate::session::{Connection, Session};

use super::runner::StepOutcome;

/// Deploy the legacy function (if needed) and audit it.
pub async fn find(session: &Session, connection: &Connection) -> Result<StepOutcome> {
    let mut out = std::io::stdout();
    let deployed = legacy::ensure_legacy(session, connection).await?;
    session.progress.finish();
    let _ = writeln!(
        out,
        "`{}` keeps DB_USER and {PASSWORD_VAR} in plaintext{}",
        deployed.function,
        if deployed.created {
            " (deployed now)"
        } else {
            ""
        }
    );
    let plan = AuditPlan {
        accounts: AccountSelection::Caller,
        regions: RegionSelection::Current,
        assume_role: None,
        function: Some(deployed.function.clone()),
        show_all: false,
        rate: scan::CONTROL_PLANE_RATE,
    };
    let key = key::load_or_create(&session.dirs)?;
    let base = connection.sdk_config().await;
    let report = audit::run(&base, &connection.aws, &plan, &key, &session.progress).await?;
    session.progress.finish();
    let _ = write!(out, "{report}");
    let found = report
        .findings
        .iter()
        .any(|f| f.variable == PASSWORD_VAR && f.class == Class::Secret);
    Ok(if found {
        StepOutcome::Passed
    } else {
        StepOutcome::Failed(format!("audit did not flag {PASSWORD_VAR}"))
    })
}

/// Expand, invoke, finish, invoke: the function answers at every stage. The invocation after
/// expand is what shows the code reads the reference, so finish needs no other evidence.
pub async fn fix(session: &Session, connection: &Connection) -> Result<StepOutcome> {
    let mut out = std::io::stdout();
    let names = legacy::legacy_names(&session.names());
    let mut settings = Settings::new(&names.function);
    settings.vars = vec![PASSWORD_VAR.to_string()];
    for phase in [Phase::Expand, Phase::Finish] {
        settings.phase = phase;
        let report = migrate::migrate(session, connection, &settings).await?;
        session.progress.finish();
        let _ = write!(out, "{report}");
        let answer = match invoke_until_read(session, connection, &names).await? {
            Ok(answer) => answer,
            Err(why) => {
                return Ok(StepOutcome::Failed(format!(
                    "after {phase:?}, the function did not read its credentials: {why}"
                )))
            }
        };
        let through_extension = answer["source"] != "environment";
        let _ = writeln!(
            out,
            "invoked `{}`: credentials read {} in {:.1} ms\n",
            names.function,
            if through_extension {
                "through the extension"
            } else {
                "from the environment"
            },
            answer["fetch_ms"].as_f64().unwrap_or_default()
        );
        // The tour saw the function read through the extension: that is finish's evidence.
        settings.force = through_extension;
    }
    Ok(StepOutcome::Passed)
}

/// Invoke until the function reads its credentials: on AWS a new grant takes a few seconds
/// to reach Lambda. The last error after 30 s otherwise.
async fn invoke_until_read(
    session: &Session,
    connection: &Connection,
    names: &crate::domain::names::ResourceNames,
) -> Result<std::result::Result<serde_json::Value, String>> {
    let started = std::time::Instant::now();
    loop {
        let payload = serde_json::json!({});
        let invocation = function::invoke(&connection.aws.lambda, names, &payload).await?;
        let answer: serde_json::Value =
            serde_json::from_slice(&invocation.payload).unwrap_or_default();
        if answer["ok"] == true {
            return Ok(Ok(answer));
        }
        let why = answer["error"]["message"]
            .as_str()
            .unwrap_or("no answer")
            .to_string();
        if started.elapsed() > std::time::Duration::from_secs(30) {
            return Ok(Err(why));
        }
        session
            .progress
            .step(format!("waiting for the grant to take effect ({why})"));
        tokio::time::sleep(std::time::Duration::from_secs(2)).await;
    }
}

/// Checked through the API: `$LATEST` still holds the plaintext password.
pub async fn plaintext_present(session: &Session, connection: &Connection) -> Result<StepOutcome> {
    let names = legacy::legacy_names(&session.names());
    let function = target_function::read(&connection.aws.lambda, &names.function).await?;
    Ok(match function {
        Some(f) if f.env.contains_key(PASSWORD_VAR) => StepOutcome::Passed,
        _ => StepOutcome::Failed(format!("`{}` holds no plaintext password", names.function)),
    })
}

/// Checked through the API: the plaintext is gone, the reference names a secret that exists.
pub async fn plaintext_moved(session: &Session, connection: &Connection) -> Result<StepOutcome> {
    let names = legacy::legacy_names(&session.names());
    let Some(function) = target_function::read(&connection.aws.lambda, &names.function).await?
    else {
        return Ok(StepOutcome::Failed(format!("`{}` is gone", names.function)));
    };
    let document = default_document_name(&names.function, Store::SecretsManager);
    let reference = function
        .env
        .get(&reference_var(PASSWORD_VAR, Store::SecretsManager));
    let secret = crate::aws::secret::describe_named(&connection.aws.secrets, &document).await?;
    Ok(
        if !function.env.contains_key(PASSWORD_VAR)
            && reference == Some(&document)
            && secret.is_some_and(|s| !s.scheduled_for_deletion)
        {
            StepOutcome::Passed
        } else {
            StepOutcome::Failed(format!(
                "`{}` still holds the plaintext, or its secret is missing",
                names.function
            ))
        },
    )
}

/// The legacy function, if teardown left it (its secret goes with it, checked by teardown).
pub async fn legacy_left(session: &Session, connection: &Connection) -> Result<Option<String>> {
    let names = legacy::legacy_names(&session.names());
    let found = target_function::read(&connection.aws.lambda, &names.function).await?;
    Ok(found.map(|f| f.name))
}
