//! A deployed function's runtime, typed once where Lambda's answer is read: one the lab
//! offers, or any other identifier kept as AWS spells it (so `java21` or a runtime newer
//! than this tool survives a read and is written back unchanged).

use serde::{Deserialize, Serialize};

use crate::domain::handler::{Handler, NODEJS, PYTHON};
use crate::domain::kinds::Runtime;

/// Lambda's runtime of a function; serialized as Lambda's identifier (`python3.13`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(from = "String", into = "String")]
pub enum LambdaRuntime {
    /// One the lab deploys.
    Lab(Runtime),
    /// Any other (`python3.9`, `java21`, `provided.al2023`).
    Other(String),
}

/// The language a runtime runs, as far as this tool tells them apart.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Language {
    Python,
    Nodejs,
    Java,
    Dotnet,
    Ruby,
    /// `provided.*`: a custom runtime or a compiled binary (Go, Rust).
    Custom,
    Unknown,
}

/// Lambda's identifier prefixes, one per language.
const PREFIXES: [(&str, Language); 6] = [
    ("python", Language::Python),
    ("nodejs", Language::Nodejs),
    ("java", Language::Java),
    ("dotnet", Language::Dotnet),
    ("ruby", Language::Ruby),
    ("provided", Language::Custom),
];

impl Language {
    /// The language as people name it.
    pub fn name(self) -> &'static str {
        match self {
            Self::Python => "Python",
            Self::Nodejs => "Node.js",
            Self::Java => "Java",
            Self::Dotnet => ".NET",
            Self::Ruby => "Ruby",
            Self::Custom => "a custom runtime",
            Self::Unknown => "an unknown language",
        }
    }
}

impl LambdaRuntime {
    /// The runtime Lambda names `id`.
    pub fn from_id(id: &str) -> Self {
        Runtime::from_id(id).map_or_else(|| Self::Other(id.to_string()), Self::Lab)
    }

    /// Lambda's identifier (`python3.13`, `nodejs22.x`).
    pub fn id(&self) -> &str {
        match self {
            Self::Lab(runtime) => runtime.id(),
            Self::Other(id) => id,
        }
    }

    /// The lab's runtime, when the lab offers this one.
    pub fn lab(&self) -> Option<Runtime> {
        match self {
            Self::Lab(runtime) => Some(*runtime),
            Self::Other(_) => None,
        }
    }

    pub fn language(&self) -> Language {
        let id = self.id();
        PREFIXES
            .iter()
            .find(|(prefix, _)| id.starts_with(prefix))
            .map_or(Language::Unknown, |(_, language)| *language)
    }

    pub fn is_python(&self) -> bool {
        self.language() == Language::Python
    }

    pub fn is_nodejs(&self) -> bool {
        self.language() == Language::Nodejs
    }

    /// The lab's handler closest to this runtime: Node.js for any Node.js, else Python (the
    /// lab's default).
    pub fn handler(&self) -> &'static Handler {
        match self.is_nodejs() {
            true => &NODEJS,
            false => &PYTHON,
        }
    }
}

impl From<Runtime> for LambdaRuntime {
    fn from(runtime: Runtime) -> Self {
        Self::Lab(runtime)
    }
}

impl From<String> for LambdaRuntime {
    fn from(id: String) -> Self {
        Self::from_id(&id)
    }
}

impl From<LambdaRuntime> for String {
    fn from(runtime: LambdaRuntime) -> Self {
        runtime.id().to_string()
    }
}

impl std::fmt::Display for LambdaRuntime {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.id())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::ValueEnum;

    #[test]
    fn every_lab_runtime_reads_back_as_itself_and_others_survive() {
        for runtime in Runtime::value_variants() {
            let read = LambdaRuntime::from_id(runtime.id());
            assert_eq!(read, LambdaRuntime::Lab(*runtime));
            assert_eq!(read.handler(), runtime.handler());
        }
        let java = LambdaRuntime::from_id("java21");
        assert_eq!(java, LambdaRuntime::Other("java21".into()));
        assert_eq!((java.id(), java.language()), ("java21", Language::Java));
        assert_eq!(java.lab(), None);
    }

    #[test]
    fn languages_follow_lambdas_identifiers() {
        for (id, language) in [
            ("python3.9", Language::Python),
            ("nodejs16.x", Language::Nodejs),
            ("nodejs22.x", Language::Nodejs),
            ("dotnet8", Language::Dotnet),
            ("ruby3.3", Language::Ruby),
            ("provided.al2023", Language::Custom),
            ("cobol1", Language::Unknown),
        ] {
            assert_eq!(LambdaRuntime::from_id(id).language(), language, "{id}");
        }
        assert!(LambdaRuntime::from_id("nodejs16.x").is_nodejs());
        assert!(LambdaRuntime::from_id("python3.9").is_python());
        assert_eq!(LambdaRuntime::from_id("java21").handler(), &PYTHON);
    }

    #[test]
    fn serialized_as_lambda_spells_it() {
        let runtimes = [
            LambdaRuntime::Lab(Runtime::Nodejs22),
            LambdaRuntime::Other("java21".into()),
        ];
        let json = serde_json::to_string(&runtimes).unwrap();
        assert_eq!(json, r#"["nodejs22.x","java21"]"#);
        let back: Vec<LambdaRuntime> = serde_json::from_str(&json).unwrap();
        assert_eq!(back, runtimes);
    }
}
