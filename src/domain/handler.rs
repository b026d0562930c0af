//! Which handler each runtime runs: its source and the lab's instruments beside it
//! (embedded), their files in the zip, the entry point Lambda calls, and the package `up`
//! deploys. Python and Node.js answer alike.

use crate::domain::kinds::Runtime;
use crate::domain::package::{
    self, Package, HANDLER_ENTRY, HANDLER_FILE, HANDLER_INSTRUMENTS, HANDLER_SOURCE,
};
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
    /// The lab's measuring instruments the handler imports (timing, the direct fetch, legacy
    /// mode), as (file, source): deployed beside it in the same zip.
    pub instruments: &'static [(&'static str, &'static str)],
}

impl Handler {
    /// Every file of the function's code, the handler first, as (file, source).
    pub fn files(&self) -> Vec<(&'static str, &'static str)> {
        std::iter::once((self.file, self.source))
            .chain(self.instruments.iter().copied())
            .collect()
    }
}

pub const PYTHON: Handler = Handler {
    language: "Python",
    file: HANDLER_FILE,
    entry: HANDLER_ENTRY,
    source: HANDLER_SOURCE,
    fence: "python",
    instruments: HANDLER_INSTRUMENTS,
};

/// Node.js: ES modules on Node's built-in modules and the AWS SDK for JavaScript v3, which
/// the runtime provides (locally, see `local::node_sdk`), so the zip holds only our files.
pub const NODEJS: Handler = Handler {
    language: "Node.js",
    file: "index.mjs",
    entry: "index.handler",
    source: include_str!("../../function/index.mjs"),
    fence: "javascript",
    instruments: &[
        (
            "instruments.mjs",
            include_str!("../../function/instruments.mjs"),
        ),
        ("legacy.mjs", include_str!("../../function/legacy.mjs")),
        ("stores.mjs", include_str!("../../function/stores.mjs")),
    ],
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

/// Lambda's `Handler` setting for `runtime`.
pub fn entry(runtime: Runtime) -> &'static str {
    runtime.handler().entry
}

/// The package `up` deploys for `runtime`: its handler and instruments, deterministically
/// zipped.
pub fn package(runtime: Runtime) -> Result<Package> {
    package_of(runtime.handler())
}

/// `handler` and its instruments, deterministically zipped.
pub fn package_of(handler: &Handler) -> Result<Package> {
    let files: Vec<(&str, &[u8])> = handler
        .files()
        .into_iter()
        .map(|(file, source)| (file, source.as_bytes()))
        .collect();
    package::build_from(&files)
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
        }
        assert_eq!(Runtime::from_id("java21"), None);
    }

    #[test]
    fn node_runtimes_package_the_node_handler_and_python_the_python_one() {
        let node = package(Runtime::Nodejs22).unwrap();
        let files = files_of(&node);
        let names: Vec<&str> = files.iter().map(|(name, _)| name.as_str()).collect();
        assert_eq!(
            names,
            ["index.mjs", "instruments.mjs", "legacy.mjs", "stores.mjs"]
        );
        assert!(files[0].1.contains("export async function handler"));
        // Not the SDK: on AWS the runtime provides it.
        assert!(files.iter().all(|(name, _)| !name.contains("node_modules")));
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

    /// Issue 27: the handler a learner keeps is short; the lab's instruments are beside it,
    /// every file the handler's sources import is in its zip, and none is left out.
    #[test]
    fn issue_27_handlers_are_short_and_their_imports_are_packaged() {
        for handler in [&PYTHON, &NODEJS] {
            let lines = handler.source.lines().count();
            assert!(lines <= 150, "{}: {lines} lines", handler.file);
            let files = handler.files();
            for (file, source) in &files {
                for imported in local_imports(source) {
                    assert!(
                        files.iter().any(|(f, _)| *f == imported),
                        "{file} imports {imported}, which is not packaged"
                    );
                }
            }
            assert!(
                !handler.source.contains("AWS4-HMAC-SHA256"),
                "{}",
                handler.file
            );
        }
    }

    /// The sibling files a source imports: `import lab_x` / `from lab_x import` in Python,
    /// `from "./x.mjs"` in JavaScript.
    fn local_imports(source: &str) -> Vec<String> {
        source
            .lines()
            .filter_map(|line| {
                let line = line.trim();
                if let Some(rest) = line.split_once("from \"./").map(|(_, r)| r) {
                    return rest.split_once('"').map(|(file, _)| file.to_string());
                }
                let module = line
                    .strip_prefix("import lab_")
                    .or_else(|| line.strip_prefix("from lab_"))?;
                let name = module.split([' ', ',']).next()?;
                Some(format!("lab_{name}.py"))
            })
            .collect()
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
