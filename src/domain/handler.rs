//! Which handler each runtime runs: its source (embedded), its file in the zip, the entry
//! point Lambda calls, and the package `up` deploys. Python and Node.js answer alike.

use crate::domain::kinds::Runtime;
use crate::domain::package::{self, Package, HANDLER_ENTRY, HANDLER_FILE, HANDLER_SOURCE};
use crate::error::Result;

/// One handler of the lab, in one language.
#[derive(Debug, PartialEq, Eq)]
pub struct Handler {
    /// The language, as people name it.
    pub language: &'static str,
    /// Its file in `function/` and in the zip.
    pub file: &'static str,
    /// Lambda's `Handler` setting: the module and the function it exports.
    pub entry: &'static str,
    pub source: &'static str,
    /// The info string of a Markdown code fence around it.
    pub fence: &'static str,
}

pub const PYTHON: Handler = Handler {
    language: "Python",
    file: HANDLER_FILE,
    entry: HANDLER_ENTRY,
    source: HANDLER_SOURCE,
    fence: "python",
};

/// Node.js: an ES module; only Node's built-in modules, so the zip is this one file.
pub const NODEJS: Handler = Handler {
    language: "Node.js",
    file: "index.mjs",
    entry: "index.handler",
    source: include_str!("../../function/index.mjs"),
    fence: "javascript",
};

impl Runtime {
    /// Lambda's identifier of the runtime (`python3.13`, `nodejs22.x`).
    pub fn id(self) -> &'static str {
        match self {
            Self::Python312 => "python3.12",
            Self::Python313 => "python3.13",
            Self::Python314 => "python3.14",
            Self::Nodejs20 => "nodejs20.x",
            Self::Nodejs22 => "nodejs22.x",
        }
    }

    /// The runtime Lambda names `id`, when the lab offers it.
    pub fn from_id(id: &str) -> Option<Self> {
        [
            Self::Python312,
            Self::Python313,
            Self::Python314,
            Self::Nodejs20,
            Self::Nodejs22,
        ]
        .into_iter()
        .find(|r| r.id() == id)
    }

    /// The handler this runtime runs.
    pub fn handler(self) -> &'static Handler {
        match self {
            Self::Python312 | Self::Python313 | Self::Python314 => &PYTHON,
            Self::Nodejs20 | Self::Nodejs22 => &NODEJS,
        }
    }
}

impl std::fmt::Display for Runtime {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.id())
    }
}

/// The handler a deployed function runs, from its runtime identifier: Node.js for any
/// `nodejs*`, else Python (the lab's default).
pub fn of_deployed(runtime_id: &str) -> &'static Handler {
    if runtime_id.starts_with("nodejs") {
        &NODEJS
    } else {
        &PYTHON
    }
}

/// Lambda's `Handler` setting for `runtime`.
pub fn entry(runtime: Runtime) -> &'static str {
    runtime.handler().entry
}

/// The package `up` deploys for `runtime`: its handler alone, deterministically zipped.
pub fn package(runtime: Runtime) -> Result<Package> {
    package_of(runtime.handler())
}

/// `handler` alone, deterministically zipped.
pub fn package_of(handler: &Handler) -> Result<Package> {
    package::build_from(&[(handler.file, handler.source.as_bytes())])
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::ValueEnum;
    use std::io::{Cursor, Read};

    fn files_of(package: &Package) -> Vec<(String, String)> {
        let mut archive = zip::ZipArchive::new(Cursor::new(package.zip.clone())).unwrap();
        (0..archive.len())
            .map(|i| {
                let mut file = archive.by_index(i).unwrap();
                let mut text = String::new();
                file.read_to_string(&mut text).unwrap();
                (file.name().to_string(), text)
            })
            .collect()
    }

    #[test]
    fn every_runtime_is_named_as_lambda_names_it_on_the_command_line() {
        for runtime in Runtime::value_variants() {
            let value = runtime.to_possible_value().unwrap();
            assert_eq!(value.get_name(), runtime.id());
            assert_eq!(Runtime::from_id(runtime.id()), Some(*runtime));
            assert_eq!(of_deployed(runtime.id()), runtime.handler());
        }
        assert_eq!(Runtime::from_id("java21"), None);
    }

    #[test]
    fn node_runtimes_package_the_node_handler_and_python_the_python_one() {
        let node = package(Runtime::Nodejs22).unwrap();
        let files = files_of(&node);
        assert_eq!(files.len(), 1);
        assert_eq!(files[0].0, "index.mjs");
        assert!(files[0].1.contains("export async function handler"));
        assert_eq!(entry(Runtime::Nodejs20), "index.handler");
        // The module and export the entry names are the file's.
        let (module, export) = NODEJS.entry.split_once('.').unwrap();
        assert!(NODEJS.file.starts_with(&format!("{module}.")));
        assert!(NODEJS.source.contains(&format!("function {export}(")));

        let python = package(Runtime::Python313).unwrap();
        assert_eq!(python.sha256, package::build().unwrap().sha256);
        assert_eq!(entry(Runtime::Python312), "lambda_function.lambda_handler");
        assert_ne!(python.sha256, node.sha256);
        // Both Node runtimes run the same bytes, so switching between them changes no code.
        assert_eq!(package(Runtime::Nodejs20).unwrap().sha256, node.sha256);
    }

    #[test]
    fn both_handlers_mark_the_lines_the_tour_shows() {
        for handler in [&PYTHON, &NODEJS] {
            let marks = ["tour:start", "tour:end"];
            for mark in marks {
                assert_eq!(handler.source.matches(mark).count(), 1, "{}", handler.file);
            }
            assert!(handler.source.contains("X-Aws-Parameters-Secrets-Token"));
        }
    }
}
