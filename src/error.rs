//! The one error type of the CLI: every failure a user can meet, as a sentence plus the next step.

use miette::Diagnostic;
use thiserror::Error;

use crate::domain::names::{ResourceKind, ResourceNames};

/// Result alias used across the crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;

#[derive(Debug, Error, Diagnostic)]
pub enum Error {
    #[error("invalid lab name `{name}`: {reason}")]
    #[diagnostic(
        code(secretslab::invalid_name),
        help("use 1-32 characters of a-z, 0-9 and `-`, starting with a letter, e.g. `--name secrets-lab`")
    )]
    InvalidName { name: String, reason: String },

    #[error("{message}")]
    #[diagnostic(code(secretslab::invalid_input), help("{help}"))]
    InvalidInput { message: String, help: String },

    #[error("no AWS credentials were found")]
    #[diagnostic(
        code(secretslab::no_credentials),
        help("configure credentials (`aws configure`, `aws sso login`, or AWS_PROFILE), or run the whole lab on this machine with `--local`")
    )]
    NoCredentials,

    #[error("the AWS credentials have expired or are not valid: {detail}")]
    #[diagnostic(
        code(secretslab::expired_credentials),
        help("refresh them (`aws sso login` for SSO profiles, or new keys), or run the lab on this machine with `--local`")
    )]
    BadCredentials { detail: String },

    #[error("the extension layer for region `{region}` is not known")]
    #[diagnostic(
        code(secretslab::unknown_layer_region),
        help("pass `--layer-arn` with the AWS Parameters and Secrets Lambda Extension ARN for {region} (see the Systems Manager user guide), or choose a listed region")
    )]
    UnknownLayerRegion { region: String },

    /// `resource` names one resource or several (`count`), joined as a sentence.
    #[error("{resource} already {} not created by secretslab for lab `{lab}`", if *.count == 1 { "exists but was" } else { "exist but were" })]
    #[diagnostic(
        code(secretslab::not_owned),
        help("secretslab never changes resources it does not own: choose another `--name`, or remove {resource} yourself")
    )]
    NotOwned {
        resource: String,
        lab: String,
        count: usize,
    },

    #[error("access denied while {action}: {detail}")]
    #[diagnostic(
        code(secretslab::access_denied),
        help("the identity in use needs IAM, Lambda, Secrets Manager and CloudWatch Logs permissions for the lab; run `secretslab doctor`, or use `--local`")
    )]
    AccessDenied { action: String, detail: String },

    #[error("could not reach AWS while {action}: {detail}")]
    #[diagnostic(
        code(secretslab::unreachable),
        help("check the network and `--endpoint-url`; for the local emulator run `secretslab local start` or drop `--endpoint-url`")
    )]
    Unreachable { action: String, detail: String },

    #[error("AWS refused {action}: {detail}")]
    #[diagnostic(code(secretslab::aws), help("{help}"))]
    Aws {
        action: String,
        detail: String,
        help: String,
    },

    #[error("the lab `{lab}` is not deployed: {what} is missing")]
    #[diagnostic(code(secretslab::not_deployed), help("run `secretslab up` first"))]
    NotDeployed { lab: String, what: String },

    #[error("{message}")]
    #[diagnostic(code(secretslab::local), help("{help}"))]
    Local { message: String, help: String },

    #[error("{message}")]
    #[diagnostic(code(secretslab::io), help("{help}"))]
    Io { message: String, help: String },

    #[error("teardown left {remaining} resource(s) in place")]
    #[diagnostic(
        code(secretslab::partial_teardown),
        help("see the receipt above; re-run `secretslab teardown` once the cause is fixed")
    )]
    PartialTeardown { remaining: usize },

    /// A command declined to act: nothing was changed.
    #[error("{message}")]
    #[diagnostic(code(secretslab::refused), help("{help}"))]
    Refused { message: String, help: String },

    /// A refusal that hands over what to do instead (`field` of the `--json` error document;
    /// text mode prints `text` before the error): nothing was changed.
    #[error("{message}")]
    #[diagnostic(code(secretslab::refused), help("{help}"))]
    RefusedWith {
        message: String,
        help: String,
        field: &'static str,
        text: String,
    },

    #[error("cancelled")]
    #[diagnostic(code(secretslab::cancelled))]
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

    /// Short, stable machine code used in `--json` error documents.
    pub fn code(&self) -> String {
        Diagnostic::code(self)
            .map(|c| c.to_string())
            .unwrap_or_else(|| "secretslab::error".to_string())
    }

    pub fn help_text(&self) -> Option<String> {
        Diagnostic::help(self).map(|h| h.to_string())
    }

    pub fn invalid(message: impl Into<String>, help: impl Into<String>) -> Self {
        Error::InvalidInput {
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

    pub fn refused(message: impl Into<String>, help: impl Into<String>) -> Self {
        Error::Refused {
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

    pub fn local(message: impl Into<String>, help: impl Into<String>) -> Self {
        Error::Local {
            message: message.into(),
            help: help.into(),
        }
    }

    pub fn io_msg(message: impl Into<String>, help: impl Into<String>) -> Self {
        Error::Io {
            message: message.into(),
            help: help.into(),
        }
    }

    pub fn io(message: impl Into<String>, err: std::io::Error) -> Self {
        Error::Io {
            message: format!("{}: {err}", message.into()),
            help: "check the path and its permissions (SECRETSLAB_HOME moves all state)".into(),
        }
    }
}
