//! The interactive tutorial: steps from `lab-steps/`, the learner's progress, the runner.

mod actions;
mod chapter;
pub mod progress;
mod rotation;
pub mod runner;
pub mod steps;
mod take_home;
