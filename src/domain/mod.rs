//! The ground floor: domain types every other part shares — lab and resource names, the
//! function's architecture and runtime, the defaults, policy documents, the function package,
//! and the state files. Nothing here imports from the floors above (aws, local, workflows, UI).

pub mod arn;
pub mod defaults;
pub mod environment;
pub mod extension;
pub mod handler;
pub mod kinds;
pub mod migration;
pub mod names;
pub mod owner;
pub mod package;
pub mod policy;
pub mod rotation;
pub mod runtime;
pub mod simulated_db;
pub mod state;
