//! The lab's simulated database (an SSM parameter of salted digests of the logins it
//! accepts): it must accept the login in the store's current value.

use std::fmt;

use futures_util::future::LocalBoxFuture;

use crate::aws::observed::Observed;
use crate::aws::simulated_db::{self, SimulatedDbInfo};
use crate::domain::names::ResourceKind;
use crate::domain::simulated_db::{Login, ENV, LABEL};
use crate::error::Result;
use crate::iac::LabModel;
use crate::lab::deploy::apply::Runner;
use crate::lab::deploy::plan::change::{Change, PlanContext};
use crate::lab::deploy::plan::step::Phase;
use crate::lab::deploy::plan::Action;
use crate::lab::teardown::{FinalState, Removals};

use super::{present, Check, Found, LabResource, Step};

#[derive(Debug, Clone, PartialEq)]
pub enum SimulatedDbStep {
    /// Make it accept the login in the store's current value (created when missing; written
    /// only when it does not accept it already).
    AcceptCurrentLogin,
}

impl SimulatedDbStep {
    /// After the store's preparation: the value it must accept is final only then.
    pub fn phase(&self) -> Phase {
        match self {
            SimulatedDbStep::AcceptCurrentLogin => Phase::Login,
        }
    }
}

impl fmt::Display for SimulatedDbStep {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SimulatedDbStep::AcceptCurrentLogin => {
                f.write_str("make it accept the store's current login (if different)")
            }
        }
    }
}

pub struct SimulatedDb;

impl LabResource for SimulatedDb {
    fn kind(&self) -> ResourceKind {
        ResourceKind::SimulatedDatabase
    }

    fn found(&self, found: &Found) -> Observed<String> {
        super::arn_of(&found.simulated_db, |d| &d.arn)
    }

    fn plan(&self, lab: &PlanContext<'_>) -> Option<Change> {
        let value_changes = lab.store_change().steps.iter().any(Step::writes_value);
        let login = lab.observation.logins.of(lab.desired.store);
        let found = &lab.observation.found.simulated_db;
        Some(change(found, login, value_changes))
    }

    fn removal_rank(&self) -> u8 {
        6
    }

    fn remove<'a>(&'a self, removals: &'a mut Removals<'_>) -> LocalBoxFuture<'a, ()> {
        Box::pin(async move {
            let (aws, names) = (removals.aws, removals.names);
            removals.progress.step(format!(
                "deleting the lab's simulated database {}",
                names.simulated_db
            ));
            let deleted = simulated_db::delete(&aws.ssm, names).await;
            removals.note(ResourceKind::SimulatedDatabase, deleted);
        })
    }

    fn final_state<'a>(&'a self, check: &'a Check<'a>) -> LocalBoxFuture<'a, Result<FinalState>> {
        Box::pin(async move {
            let found = simulated_db::get(&check.aws.ssm, check.names).await?;
            Ok(present(!found.is_missing()))
        })
    }

    /// When the function logs in to one: always the lab's own name (the export creates it),
    /// never what the function's variable might say otherwise.
    fn export(&self, found: &Found, model: &mut LabModel, _: &mut Vec<String>) -> Result<()> {
        let named = (found.function.owned()).is_some_and(|f| f.env.contains_key(ENV));
        model.simulated_db = named.then(|| model.names.simulated_db.clone());
        if let Some(name) = &model.simulated_db {
            model.function.env.insert(ENV.to_string(), name.clone());
        }
        Ok(())
    }
}

/// The simulated database accepts the login in the store's current value. `login` is that
/// login when it is known (the store is live and its value holds a password);
/// `value_changes` when the plan may give the store a new value, which it must then accept.
pub fn change(
    observed: &Observed<SimulatedDbInfo>,
    login: Option<&Login>,
    value_changes: bool,
) -> Change {
    let step = || vec![Step::SimulatedDb(SimulatedDbStep::AcceptCurrentLogin)];
    let info = match observed {
        Observed::Foreign => return Change::foreign(),
        Observed::Missing => {
            let detail = "simulated, salted digests";
            return Change::create(detail, step());
        }
        Observed::Owned(info) => info,
    };
    let reason = match (&info.document, login) {
        (None, _) => "does not hold the lab's document of digests",
        _ if value_changes => "the store's value may change: accept its login (if different)",
        (Some(document), Some(login)) if !document.accepts(login) => {
            "does not accept the login in the store's current value"
        }
        _ => return Change::of(Action::Update, Vec::new()),
    };
    Change::of(Action::Update, vec![(reason.to_string(), step())])
}

pub async fn apply(run: &Runner<'_>, step: &SimulatedDbStep) -> Result<()> {
    match step {
        SimulatedDbStep::AcceptCurrentLogin => accept_current_login(run).await,
    }
}

/// The simulated database accepts the login in the store's value as it is now (it is left
/// alone when it does already: a rotation decides what else it accepts).
async fn accept_current_login(run: &Runner<'_>) -> Result<()> {
    let (aws, names) = (run.aws, run.names);
    let login = simulated_db::current_login(aws, names, run.desired.store).await?;
    let found = simulated_db::get(&aws.ssm, names).await?;
    let document = found.owned().and_then(|d| d.document.as_ref());
    let accepted = match (document, &login) {
        (Some(document), Some(login)) => document.accepts(login),
        // Credentials with no password: nothing to accept, so any document will do.
        (Some(_), None) => true,
        (None, _) => false,
    };
    if !accepted {
        run.progress.step(format!("writing {LABEL}"));
        simulated_db::write(&aws.ssm, names, &login.iter().collect::<Vec<_>>()).await?;
        run.done(format!(
            "{LABEL} {} accepts the current login",
            names.simulated_db
        ));
    }
    Ok(())
}
