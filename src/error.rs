//! The one error type of the CLI: every failure a user can meet, as a sentence, the next step,
//! and a stable [`Code`] that `--json` callers can match on.

use thiserror::Error;

use crate::domain::names::{ResourceKind, ResourceNames};

mod code;
pub use code::Code;

/// Result alias used across the crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;

#[derive(Debug, Error)]
pub enum Error {
    #[error("invalid lab name `{name}`: {reason}")]
    InvalidName { name: String, reason: String },

    #[error("{message}")]
    InvalidInput {
        code: Code,
        message: String,
        help: String,
    },

    #[error("no AWS credentials were found")]
    NoCredentials,

    #[error("the AWS credentials have expired or are not valid: {detail}")]
    BadCredentials { detail: String },

    #[error("the extension layer for region `{region}` is not known")]
    UnknownLayerRegion { region: String },

    /// `resource` names one resource or several (`count`), joined as a sentence.
    #[error("{resource} already {} not created by secretslab for lab `{lab}`", if *.count == 1 { "exists but was" } else { "exist but were" })]
    NotOwned {
        resource: String,
        lab: String,
        count: usize,
    },

    #[error("access denied while {action}: {detail}")]
    AccessDenied { action: String, detail: String },

    #[error("could not reach AWS while {action}: {detail}")]
    Unreachable { action: String, detail: String },

    #[error("AWS refused {action}: {detail}")]
    Aws {
        code: Code,
        action: String,
        detail: String,
        help: String,
    },

    #[error("the lab `{lab}` is not deployed: {what} is missing")]
    NotDeployed { lab: String, what: String },

    #[error("{message}")]
    Local {
        code: Code,
        message: String,
        help: String,
    },

    #[error("{message}")]
    Io {
        code: Code,
        message: String,
        help: String,
    },

    #[error("teardown left {remaining} resource(s) in place")]
    PartialTeardown { remaining: usize },

    /// A command declined to act: nothing was changed.
    #[error("{message}")]
    Refused {
        code: Code,
        message: String,
        help: String,
    },

    /// A refusal that hands over what to do instead (`field` of the `--json` error document;
    /// text mode prints `text` before the error): nothing was changed.
    #[error("{message}")]
    RefusedWith {
        code: Code,
        message: String,
        help: String,
        field: &'static str,
        text: String,
    },

    #[error("cancelled")]
    Cancelled,
}

impl Error {
    /// Process exit code for this error (documented in `--help` and the README).
    pub fn exit_code(&self) -> u8 {
        match self {
            Error::InvalidName { .. } | Error::InvalidInput { .. } => 2,
            Error::PartialTeardown { .. } => 3,
            _ => 1,
        }
    }

    /// The failure's stable name, shown as `error[code]` and in `--json` error documents.
    pub fn code(&self) -> Code {
        match self {
            Error::InvalidName { .. } => Code::InvalidName,
            Error::NoCredentials => Code::NoCredentials,
            Error::BadCredentials { .. } => Code::ExpiredCredentials,
            Error::UnknownLayerRegion { .. } => Code::UnknownLayerRegion,
            Error::NotOwned { .. } => Code::NotOwned,
            Error::AccessDenied { .. } => Code::AccessDenied,
            Error::Unreachable { .. } => Code::Unreachable,
            Error::NotDeployed { .. } => Code::NotDeployed,
            Error::PartialTeardown { .. } => Code::PartialTeardown,
            Error::Cancelled => Code::Cancelled,
            Error::InvalidInput { code, .. }
            | Error::Aws { code, .. }
            | Error::Local { code, .. }
            | Error::Io { code, .. }
            | Error::Refused { code, .. }
            | Error::RefusedWith { code, .. } => *code,
        }
    }

    /// What to do next, when there is something to do.
    pub fn help_text(&self) -> Option<String> {
        let fixed: &str = match self {
            Error::InvalidName { .. } => "use 1-32 characters of a-z, 0-9 and `-`, starting with a letter, e.g. `--name secrets-lab`",
            Error::NoCredentials => "configure credentials (`aws configure`, `aws sso login`, or AWS_PROFILE), or run the whole lab on this machine with `--local`",
            Error::BadCredentials { .. } => "refresh them (`aws sso login` for SSO profiles, or new keys), or run the lab on this machine with `--local`",
            Error::UnknownLayerRegion { region } => return Some(format!("pass `--layer-arn` with the AWS Parameters and Secrets Lambda Extension ARN for {region} (see the Systems Manager user guide), or choose a listed region")),
            Error::NotOwned { resource, .. } => return Some(format!("secretslab never changes resources it does not own: choose another `--name`, or remove {resource} yourself")),
            Error::AccessDenied { .. } => "the identity in use needs IAM, Lambda, Secrets Manager and CloudWatch Logs permissions for the lab; run `secretslab doctor`, or use `--local`",
            Error::Unreachable { .. } => "check the network and `--endpoint-url`; for the local emulator run `secretslab local start` or drop `--endpoint-url`",
            Error::NotDeployed { .. } => "run `secretslab up` first",
            Error::PartialTeardown { .. } => "see the receipt above; re-run `secretslab teardown` once the cause is fixed",
            Error::Cancelled => return None,
            Error::InvalidInput { help, .. }
            | Error::Aws { help, .. }
            | Error::Local { help, .. }
            | Error::Io { help, .. }
            | Error::Refused { help, .. }
            | Error::RefusedWith { help, .. } => help,
        };
        Some(fixed.to_string())
    }

    pub fn invalid(code: Code, message: impl Into<String>, help: impl Into<String>) -> Self {
        Error::InvalidInput {
            code,
            message: message.into(),
            help: help.into(),
        }
    }

    /// A same-named resource exists without this lab's tags: never touched.
    pub fn not_owned(names: &ResourceNames, kind: ResourceKind) -> Self {
        Self::not_owned_all(names, &[kind])
    }

    /// Every lab resource of `kinds` is someone else's (named all at once, so one run tells
    /// the user everything in the way).
    pub fn not_owned_all(names: &ResourceNames, kinds: &[ResourceKind]) -> Self {
        let described: Vec<String> = kinds.iter().map(|kind| names.describe(*kind)).collect();
        let resource = match described.split_last() {
            Some((last, [])) => last.clone(),
            Some((last, rest)) => format!("{} and {last}", rest.join(", ")),
            None => String::new(),
        };
        Error::NotOwned {
            resource,
            lab: names.lab.clone(),
            count: kinds.len(),
        }
    }

    /// An answer lacks a field AWS always sends: the endpoint does not behave like AWS.
    pub fn missing_field(operation: &str, field: &str) -> Self {
        Error::Aws {
            code: Code::UnexpectedAnswer,
            action: format!("reading the {operation} answer"),
            detail: format!("the answer has no {field}"),
            help: "check `--endpoint-url`: the endpoint does not behave like AWS".into(),
        }
    }

    /// A field AWS always sends, or [`Error::missing_field`].
    pub fn required(value: Option<&str>, operation: &str, field: &str) -> Result<String> {
        value
            .map(str::to_string)
            .ok_or_else(|| Error::missing_field(operation, field))
    }

    pub fn refused(code: Code, message: impl Into<String>, help: impl Into<String>) -> Self {
        Error::Refused {
            code,
            message: message.into(),
            help: help.into(),
        }
    }

    /// What a [`Error::RefusedWith`] hands over: its `--json` key and text.
    pub fn handed_over(&self) -> Option<(&'static str, &str)> {
        match self {
            Error::RefusedWith { field, text, .. } => Some((field, text.as_str())),
            _ => None,
        }
    }

    /// secretslab broke one of its own rules (an encoder failed, a built-in file is bad).
    pub fn bug(message: impl Into<String>) -> Self {
        Error::Local {
            code: Code::Bug,
            message: message.into(),
            help: "this is a bug in secretslab; please report it".into(),
        }
    }

    pub fn local(code: Code, message: impl Into<String>, help: impl Into<String>) -> Self {
        Error::Local {
            code,
            message: message.into(),
            help: help.into(),
        }
    }

    pub fn io_msg(code: Code, message: impl Into<String>, help: impl Into<String>) -> Self {
        Error::Io {
            code,
            message: message.into(),
            help: help.into(),
        }
    }

    pub fn io(code: Code, message: impl Into<String>, err: std::io::Error) -> Self {
        Error::Io {
            code,
            message: format!("{}: {err}", message.into()),
            help: "check the path and its permissions (SECRETSLAB_HOME moves all state)".into(),
        }
    }
}
