//! Everything the user sees: results on stdout, progress and prompts on stderr, colours by meaning.

pub mod output;
pub mod progress;
pub mod style;
