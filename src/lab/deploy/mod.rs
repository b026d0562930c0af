//! `up`: observe what exists, plan, apply, report — each its own module. Commands and the tour
//! both come through [`plan_lab`] and [`apply_plan`] (or [`up`], which chains them).

pub mod apply;
pub mod observe;
pub mod plan;
pub mod report;

use std::time::Instant;

use crate::domain::handler;
use crate::error::Result;
use crate::session::{Connection, Session};

pub use plan::{planned_secret_arn, Action, Plan, ResourcePlan, Settings};
pub use report::UpReport;

/// A plan, and when its observation started (the report's elapsed time counts from there).
pub struct Planned {
    pub plan: Plan,
    started: Instant,
}

/// Observe the account once and plan: what `up --dry-run` prints and what applying consumes.
pub async fn plan_lab(
    session: &Session,
    connection: &Connection,
    settings: &Settings,
) -> Result<Planned> {
    let started = Instant::now();
    let names = session.names();
    connection.refuse_unserved_store(settings.store)?;
    session
        .progress
        .step("reading the account and the lab's resources");
    let package = handler::package(settings.runtime)?;
    let observation = observe::observe(
        &connection.aws,
        &names,
        settings.arch,
        settings.layer_arn.as_deref(),
    )
    .await?;
    let plan = plan::plan(
        observation,
        &names,
        settings,
        &connection.aws.region,
        &package,
    )?;
    Ok(Planned { plan, started })
}

/// The report of a plan that is not applied (a dry run).
pub fn plan_report(session: &Session, connection: &Connection, planned: &Planned) -> UpReport {
    let elapsed = planned.started.elapsed().as_millis();
    UpReport::new(
        &connection.aws,
        &session.names().lab,
        &planned.plan,
        None,
        elapsed,
    )
}

/// Converge to the plan, then (locally) run the lab's extension with the applied settings.
pub async fn apply_plan(
    session: &Session,
    connection: &Connection,
    planned: Planned,
) -> Result<UpReport> {
    let names = session.names();
    connection
        .ensure_local_runtime(session, planned.plan.desired.function.runtime)
        .await?;
    let applied = apply::apply(&connection.aws, &names, &planned.plan, &session.progress).await?;
    connection
        .ensure_local_extension(
            session,
            &planned.plan.desired.extension,
            planned.plan.desired.store,
        )
        .await?;
    let elapsed = planned.started.elapsed().as_millis();
    Ok(UpReport::new(
        &connection.aws,
        &names.lab,
        &planned.plan,
        Some(applied),
        elapsed,
    ))
}

/// Plan and, unless `dry_run`, apply.
pub async fn up(
    session: &Session,
    connection: &Connection,
    settings: &Settings,
    dry_run: bool,
) -> Result<UpReport> {
    let planned = plan_lab(session, connection, settings).await?;
    if dry_run {
        Ok(plan_report(session, connection, &planned))
    } else {
        apply_plan(session, connection, planned).await
    }
}
