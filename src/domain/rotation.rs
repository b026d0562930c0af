//! What a rotation is, shared by `rotate` (which writes the record) and `test` (which measures
//! the stale window from it): the strategy, and the record of the last rotation (a version id
//! and a time, never a value).

use std::path::PathBuf;
use std::time::{SystemTime, UNIX_EPOCH};

use serde::{Deserialize, Serialize};

use crate::domain::state::{read_json, write_json, Dirs};
use crate::error::Result;

/// How the database's users change, as in Secrets Manager's rotation strategies.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Strategy {
    /// One user whose password changes: the old password stops working at once
    SingleUser,
    /// Two users taking turns: the new one and the previous one both work
    AlternatingUsers,
}

/// When the lab's last rotation moved `AWSCURRENT` (or wrote the parameter).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct RotationRecord {
    pub version_id: String,
    pub rotated_at_ms: u128,
    pub strategy: Strategy,
}

pub fn record_path(dirs: &Dirs, lab: &str) -> PathBuf {
    dirs.state.join("rotations").join(format!("{lab}.json"))
}

pub fn read_record(dirs: &Dirs, lab: &str) -> Option<RotationRecord> {
    read_json(&record_path(dirs, lab))
}

pub fn write_record(dirs: &Dirs, lab: &str, record: &RotationRecord) -> Result<()> {
    write_json(&record_path(dirs, lab), record)
}

/// Milliseconds since the Unix epoch.
pub fn now_ms() -> u128 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis())
        .unwrap_or_default()
}
