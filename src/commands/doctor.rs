//! `secretslab doctor`: check what the lab needs and say how to fix each problem.

use std::fmt;
use std::process::Command;

use serde::Serialize;

use crate::aws::identity::resolve_identity;
use crate::aws::layer::table_arn;
use crate::domain::kinds::Arch;
use crate::error::Result;
use crate::session::Session;
use crate::ui::style;

#[derive(Debug, Serialize)]
pub struct Check {
    pub name: &'static str,
    pub ok: bool,
    pub detail: String,
    pub fix: Option<String>,
}

#[derive(Debug, Serialize)]
pub struct DoctorReport {
    pub checks: Vec<Check>,
}

impl fmt::Display for DoctorReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for c in &self.checks {
            let mark = if c.ok {
                style::ok("ok  ")
            } else {
                style::failed("fail")
            };
            writeln!(f, "{mark} {:<12} {}", c.name, c.detail)?;
            if let Some(fix) = &c.fix {
                writeln!(f, "     {:<12} {}", "", style::hint(&format!("fix: {fix}")))?;
            }
        }
        Ok(())
    }
}

pub async fn run(session: &Session) -> Result<u8> {
    let mut checks = Vec::new();
    let python = Command::new("python3")
        .args(["-c", "import venv, sys; print(sys.version.split()[0])"])
        .output();
    checks.push(match python {
        Ok(out) if out.status.success() => Check {
            name: "python",
            ok: true,
            detail: format!("Python {} with venv", String::from_utf8_lossy(&out.stdout).trim()),
            fix: None,
        },
        _ => Check {
            name: "python",
            ok: false,
            detail: "python3 with the venv module is needed for --local".into(),
            fix: Some("install Python 3 and its venv module (Debian/Ubuntu: `apt install python3 python3-venv`)".into()),
        },
    });
    let (running, _) = session.local_status().await?;
    checks.push(Check {
        name: "emulator",
        ok: true,
        detail: match &running {
            Some(state) => format!("MiniStack running at {}", state.endpoint()),
            None => "not running (commands with --local start it)".into(),
        },
        fix: None,
    });
    if session.options.endpoint != crate::session::Endpoint::Embedded {
        let connection = session.connect().await;
        match connection {
            Ok(connection) => {
                let region = connection.aws.region.clone();
                match resolve_identity(&connection.aws.sts).await {
                    Ok(identity) => checks.push(Check {
                        name: "credentials",
                        ok: true,
                        detail: format!("account {} as {}", identity.account, identity.arn),
                        fix: None,
                    }),
                    Err(e) => checks.push(Check {
                        name: "credentials",
                        ok: false,
                        detail: e.to_string(),
                        fix: e.help_text(),
                    }),
                }
                let layer = table_arn(&region, Arch::X86_64);
                checks.push(Check {
                    name: "layer",
                    ok: layer.is_some(),
                    detail: match &layer {
                        Some(arn) => format!(
                            "{region}: {arn} (built-in; `up` also asks SSM for a newer one)"
                        ),
                        None => format!("{region} has no known extension layer"),
                    },
                    fix: layer.is_none().then(|| {
                        "pass `--layer-arn` to `up`, or choose another `--region`".to_string()
                    }),
                });
            }
            Err(e) => checks.push(Check {
                name: "endpoint",
                ok: false,
                detail: e.to_string(),
                fix: e.help_text(),
            }),
        }
    }
    let report = DoctorReport { checks };
    super::print(session, &report)?;
    Ok(if report.checks.iter().all(|c| c.ok) {
        0
    } else {
        1
    })
}
