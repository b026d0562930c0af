//! What `rotate` reports: the versions and labels read back through the API, and what the
//! lab's simulated database accepts now. Never a value.

use std::fmt;

use serde::Serialize;

use crate::aws::rotation::{labelled, SecretVersion, CURRENT, PENDING, PREVIOUS};
use crate::aws::simulated_db;
use crate::aws::AwsContext;
use crate::domain::kinds::Store;
use crate::domain::names::ResourceNames;
use crate::domain::rotation::Strategy;
use crate::domain::simulated_db::LABEL;
use crate::error::Result;
use crate::ui::style;

use super::RotationPlan;

/// The simulated database as the report shows it: never a digest, only how many logins.
#[derive(Debug, Clone, Serialize)]
pub struct DatabaseState {
    pub name: String,
    pub present: bool,
    /// How many logins it accepts now (two after an alternating-users rotation).
    pub accepted_logins: usize,
}

/// Read it back through the API.
async fn database_state(aws: &AwsContext, names: &ResourceNames) -> Result<DatabaseState> {
    let found = simulated_db::get(&aws.ssm, names).await?;
    let document = found.owned().and_then(|d| d.document.as_ref());
    Ok(DatabaseState {
        name: names.simulated_db.clone(),
        present: !found.is_missing(),
        accepted_logins: document.map_or(0, |d| d.accepted.len()),
    })
}

#[derive(Debug, Clone, Serialize)]
pub struct RotateReport {
    pub lab: String,
    pub store: Store,
    pub strategy: Strategy,
    /// The version now current (Parameter Store: its version number).
    pub current_version: String,
    /// The version it replaced (now `AWSPREVIOUS`).
    pub previous_version: Option<String>,
    /// Every labelled version, as the API lists it after the rotation (Secrets Manager).
    pub versions: Vec<SecretVersion>,
    /// Why this run finished an earlier, interrupted one.
    pub resumed: Option<String>,
    pub simulated_database: DatabaseState,
    /// When `AWSCURRENT` moved (milliseconds since the Unix epoch).
    pub rotated_at_ms: u128,
    /// How long warm environments may keep serving the old value from the extension's cache.
    pub ttl_seconds: u64,
    /// The labels read back are as a finished rotation leaves them.
    pub verified: bool,
    pub problem: Option<String>,
}

pub(super) async fn verified_secret(
    names: &ResourceNames,
    strategy: Strategy,
    plan: RotationPlan,
    versions: Vec<SecretVersion>,
    rotated_at_ms: u128,
    aws: &AwsContext,
    new_id: Option<String>,
) -> Result<RotateReport> {
    let current = labelled(&versions, CURRENT).map(|v| v.version_id.clone());
    let previous = labelled(&versions, PREVIOUS).map(|v| v.version_id.clone());
    let problem = if current.is_none() || current != new_id {
        Some("AWSCURRENT is not on the new version".to_string())
    } else if labelled(&versions, PENDING).is_some() {
        Some("AWSPENDING is still on a version".to_string())
    } else if plan.old_version.is_some() && previous != plan.old_version {
        Some("AWSPREVIOUS is not on the replaced version".to_string())
    } else {
        None
    };
    Ok(RotateReport {
        lab: names.lab.clone(),
        store: Store::SecretsManager,
        strategy,
        current_version: current.unwrap_or_default(),
        previous_version: previous,
        versions,
        resumed: plan.resumed,
        simulated_database: database_state(aws, names).await?,
        rotated_at_ms,
        ttl_seconds: 0,
        verified: problem.is_none(),
        problem,
    })
}

pub(super) async fn verified_parameter(
    names: &ResourceNames,
    strategy: Strategy,
    old_version: i64,
    version: i64,
    rotated_at_ms: u128,
    aws: &AwsContext,
) -> Result<RotateReport> {
    let problem = (version <= old_version).then(|| "the parameter has no new version".to_string());
    Ok(RotateReport {
        lab: names.lab.clone(),
        store: Store::ParameterStore,
        strategy,
        current_version: version.to_string(),
        previous_version: Some(old_version.to_string()),
        versions: Vec::new(),
        resumed: None,
        simulated_database: database_state(aws, names).await?,
        rotated_at_ms,
        ttl_seconds: 0,
        verified: problem.is_none(),
        problem,
    })
}

impl fmt::Display for RotateReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let strategy = match self.strategy {
            Strategy::SingleUser => "single user",
            Strategy::AlternatingUsers => "alternating users",
        };
        writeln!(
            f,
            "{} `{}` ({strategy}, {})",
            style::heading("rotated lab"),
            self.lab,
            self.store
        )?;
        if let Some(resumed) = &self.resumed {
            writeln!(f, "  {}", style::pending(resumed))?;
        }
        for v in &self.versions {
            writeln!(f, "  version {}  {}", v.version_id, v.stages.join(", "))?;
        }
        if self.versions.is_empty() {
            writeln!(
                f,
                "  parameter version {} (was {})",
                self.current_version,
                self.previous_version.as_deref().unwrap_or("-")
            )?;
        }
        let db = &self.simulated_database;
        writeln!(f, "{LABEL} `{}`:", db.name)?;
        writeln!(
            f,
            "  accepts {} login(s) now: {}",
            db.accepted_logins,
            match self.strategy {
                Strategy::SingleUser => "the new password only",
                Strategy::AlternatingUsers => "the new user's and the previous one's",
            }
        )?;
        writeln!(
            f,
            "  warm environments may serve the old value from the extension's cache"
        )?;
        writeln!(
            f,
            "  for up to the TTL ({} s){}",
            self.ttl_seconds,
            match self.strategy {
                Strategy::SingleUser => ": their logins are refused until then",
                Strategy::AlternatingUsers => ": the previous login still works",
            }
        )?;
        match &self.problem {
            Some(p) => writeln!(f, "{} {p}", style::failed("not verified:")),
            None => writeln!(f, "{}", style::ok("labels verified through the API")),
        }
    }
}
