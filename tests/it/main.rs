//! The integration tests, one binary with a module per subject (the SDK is linked once).
//! `scripts/test` runs the modules in lanes by name: a module listed here is run by a lane.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

mod agent;
mod audit;
mod audit_corpus;
mod chaos;
mod cli;
mod drift;
mod emulator;
mod export;
mod layering;
mod migrate;
mod owners;
mod parameter_store;
mod parameters;
mod purge;
mod regression;
mod rotate;
mod runtimes;
mod tour;
