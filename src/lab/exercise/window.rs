//! The stale window after a rotation: which invocations were served the old version (from
//! the extension's cache), how long after the rotation the last one was, and whether that
//! stayed within the TTL, as the cache promises.

use std::fmt;

use serde::Serialize;

use crate::domain::rotation::{RotationRecord, Strategy};
use crate::ui::style;

use super::{InvocationReport, TestReport};

#[derive(Debug, Clone, Serialize)]
pub struct StaleWindow {
    /// The version the last rotation made current.
    pub rotated_version: String,
    pub strategy: Strategy,
    pub ttl_seconds: u64,
    /// Invocations after the rotation that were served another (older) version.
    pub stale_invocations: u32,
    /// Logins the lab's simulated database refused (after any retry).
    pub refused_logins: u32,
    /// Refused logins a retry past the cache turned into accepted ones.
    pub retried_logins: u32,
    /// Seconds from the rotation to the last invocation served an old version: the window
    /// measured (at least this long); `None` when no invocation was served one.
    pub stale_window_seconds: Option<f64>,
    /// Seconds from the rotation to the first invocation, after the last stale one, served
    /// the new version (the window ended by then).
    pub fresh_from_seconds: Option<f64>,
    /// The window ended inside this test (the new version was served after it).
    pub ended: bool,
    /// No old version was served later than the TTL after the rotation.
    pub within_ttl: bool,
}

/// Mark each invocation stale or not against `record`, and measure the window.
pub fn apply(report: &mut TestReport, record: &RotationRecord) {
    let mut window = StaleWindow {
        rotated_version: record.version_id.clone(),
        strategy: record.strategy,
        ttl_seconds: report.cache.ttl_seconds,
        stale_invocations: 0,
        refused_logins: 0,
        retried_logins: 0,
        stale_window_seconds: None,
        fresh_from_seconds: None,
        ended: false,
        within_ttl: true,
    };
    for r in &mut report.invocations {
        let after = (r.at_ms as f64 - record.rotated_at_ms as f64) / 1000.0;
        r.seconds_after_rotation = Some(after);
        r.stale = r
            .served_version_id
            .as_ref()
            .filter(|_| r.ok)
            .map(|v| *v != record.version_id);
        window.refused_logins += u32::from(r.login.as_deref() == Some("refused"));
        window.retried_logins += u32::from(r.retried && r.login.as_deref() == Some("ok"));
        if r.stale == Some(true) && after >= 0.0 {
            window.stale_invocations += 1;
            window.stale_window_seconds = Some(after);
            window.fresh_from_seconds = None;
        } else if r.stale == Some(false) && window.fresh_from_seconds.is_none() {
            window.fresh_from_seconds = Some(after.max(0.0));
        }
    }
    window.ended = window.fresh_from_seconds.is_some();
    window.within_ttl = window
        .stale_window_seconds
        .is_none_or(|s| s <= window.ttl_seconds as f64);
    report.rotation = Some(window);
}

/// The version column of an invocation's row: the served version's start (`old` when it
/// is not the rotated one), and its login (`retry ok`: accepted after a retry past the cache).
pub fn version_cell(r: &InvocationReport) -> String {
    let version: String = r
        .served_version_id
        .as_deref()
        .unwrap_or("-")
        .chars()
        .take(6)
        .collect();
    let old = if r.stale == Some(true) {
        " old"
    } else {
        "    "
    };
    let login = match (r.login.as_deref(), r.retried) {
        (Some("ok"), true) => style::ok("retry ok"),
        (Some("ok"), false) => style::ok("ok"),
        (Some("refused"), _) => style::failed("refused"),
        (Some(other), _) => other.to_string(),
        (None, _) => "-".to_string(),
    };
    format!("{version:<6}{old}  {login}")
}

impl fmt::Display for StaleWindow {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let short: String = self.rotated_version.chars().take(8).collect();
        writeln!(
            f,
            "after the last rotation (to {short}, TTL {} s):",
            self.ttl_seconds
        )?;
        writeln!(
            f,
            "  {} invocation(s) served the old version; {} login(s) refused by",
            self.stale_invocations, self.refused_logins
        )?;
        writeln!(f, "  the lab's simulated database")?;
        if self.retried_logins > 0 {
            writeln!(
                f,
                "  {} login(s) succeeded after one retry past the cache",
                self.retried_logins
            )?;
        }
        match (self.stale_window_seconds, self.fresh_from_seconds) {
            (Some(stale), Some(fresh)) => writeln!(
                f,
                "  stale window: old version until {stale:.1} s after the rotation, new\n  from {fresh:.1} s ({})",
                if self.within_ttl { style::ok("within the TTL") } else { style::failed("longer than the TTL") }
            ),
            (Some(stale), None) => writeln!(
                f,
                "  stale window: still open {stale:.1} s after the rotation (ends by the TTL)"
            ),
            (None, _) => writeln!(f, "  no invocation was served the old version"),
        }
    }
}
