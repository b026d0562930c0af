//! Every failure's stable name: what `--json` callers match on, and what the text form shows
//! as `error[secretslab::…]`. A code never changes meaning; a new failure gets a new code.
//! The README lists them all (a test compares its table with [`Code::ALL`]).

use serde::{Serialize, Serializer};

macro_rules! codes {
    ($($variant:ident = $id:literal: $meaning:literal,)*) => {
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum Code {
            $(#[doc = $meaning] $variant,)*
        }

        impl Code {
            /// Every code, in the README's order.
            pub const ALL: &'static [Code] = &[$(Code::$variant,)*];

            /// `secretslab::area::what`.
            pub fn id(self) -> &'static str {
                match self {
                    $(Code::$variant => concat!("secretslab::", $id),)*
                }
            }

            /// What the failure means, in one line (the README's wording).
            pub fn meaning(self) -> &'static str {
                match self {
                    $(Code::$variant => $meaning,)*
                }
            }
        }
    };
}

codes! {
    // The command line and this machine.
    InvalidName = "invalid_name": "the lab name breaks the naming rule",
    BadEndpointUrl = "cli::bad_endpoint_url": "`--endpoint-url` is not a URL",
    NeedsTerminal = "cli::needs_terminal": "the command waits for a key or an answer, and there is no terminal",
    NoJson = "cli::no_json": "the command prints no JSON (the tour)",
    Cancelled = "cli::cancelled": "the user declined; nothing was changed",
    ReadTerminal = "cli::read_terminal": "reading a key or an answer from the terminal failed",
    WriteOutput = "output::write": "writing the result, a report or a file failed",
    NotAFile = "output::not_a_file": "`--output` names a directory or nothing",
    StateNoHome = "state::no_home": "no home directory for secretslab's state (set SECRETSLAB_HOME)",
    StateWrite = "state::write": "writing or removing a state file under SECRETSLAB_HOME failed",
    Bug = "bug": "secretslab broke one of its own rules; please report it",
    // AWS as a whole.
    NoCredentials = "aws::no_credentials": "no AWS credentials were found",
    ExpiredCredentials = "aws::expired_credentials": "the AWS credentials are expired or not valid",
    AccessDenied = "aws::access_denied": "the identity in use may not make a request the command needs",
    Unreachable = "aws::unreachable": "the AWS endpoint did not answer",
    Throttled = "aws::throttled": "AWS kept throttling after the SDK's retries",
    AwsRefused = "aws::refused": "AWS answered a request with an error no other code names",
    UnexpectedAnswer = "aws::unexpected_answer": "an answer lacks a field AWS always sends (the endpoint is not AWS-like)",
    // The extension layer and the lab's function.
    UnknownLayerRegion = "layer::unknown_region": "no extension layer ARN is known for the region",
    BadLayerArn = "layer::bad_arn": "`--layer-arn` is not a layer version ARN",
    LayerWrongRegion = "layer::wrong_region": "the layer is in another region than the function",
    LayerRejected = "lambda::layer_rejected": "Lambda refused the extension layer",
    RoleNotAssumable = "lambda::role_not_assumable": "Lambda still could not assume the role after 60 s",
    FunctionNotReady = "lambda::not_ready": "the function did not become Active",
    // The lab: up, status, test, teardown, rotate, export.
    NotOwned = "lab::not_owned": "a resource under the lab's names was not created by secretslab",
    NotDeployed = "lab::not_deployed": "the lab, or one of its resources, is not deployed",
    SecretTooLarge = "up::secret_too_large": "the secret given is over Secrets Manager's limit",
    SecretNotUtf8 = "up::secret_not_utf8": "the secret given is not UTF-8 text",
    SecretEmpty = "up::secret_empty": "the secret given is empty",
    SecretUnreadable = "up::secret_unreadable": "the secret file or standard input cannot be read",
    BinarySecret = "up::binary_secret": "the lab's secret is binary, which a parameter cannot carry over",
    SecretNamePending = "up::secret_name_pending": "the secret's name is taken by a secret that cannot be read yet",
    NoPasswordMember = "up::no_password_member": "the lab's JSON credentials have no string `password`",
    AgentSecretsOnly = "up::agent_secrets_only": "the local Agent serves Secrets Manager only, not Parameter Store",
    NoCurrentVersion = "rotate::no_current_version": "the lab's secret has no AWSCURRENT version",
    TeardownUnconfirmed = "teardown::unconfirmed": "teardown needs `--yes` when there is no terminal to confirm on",
    PartialTeardown = "teardown::partial": "teardown left resources in place (see the receipt)",
    ExportNoLayer = "export::no_layer": "the lab's function carries no extension layer to export",
    ExportWrite = "export::write": "the exported files cannot be written",
    SecretNotRead = "test::secret_not_read": "the function ran but did not read the secret through the extension",
    UnknownTourStep = "tour::unknown_step": "`--step` names no step of the tour",
    // Running on this machine (--local).
    NoPython = "local::no_python": "Python 3, which runs the emulator, is not on PATH",
    NoNpm = "local::no_npm": "npm, which installs the Node.js lab's SDK, is not on PATH",
    NoAgent = "local::no_agent": "AWS's Secrets Manager Agent is not installed",
    InstallFailed = "local::install_failed": "installing the emulator or the Node.js SDK into the cache failed",
    StartFailed = "local::start_failed": "a local process could not start, or exited while starting",
    NotReady = "local::not_ready": "a local process did not become ready in time",
    NoFreePort = "local::no_free_port": "no free local port could be found",
    LocalLock = "local::lock": "a lock under SECRETSLAB_HOME or the cache could not be taken",
    OtherExtensionRunning = "local::other_extension_running": "the emulator already runs with the other extension",
    EmulatorNotRunning = "local::emulator_not_running": "the local emulator is not running",
    ExtensionByHand = "local::extension_by_hand": "the extension stand-in was started by hand",
    ExtensionConfig = "local::extension_config": "the extension stand-in's configuration is not valid",
    PortInUse = "local::port_in_use": "the extension's port is taken",
    ExtensionFailed = "local::extension_failed": "the extension stand-in failed",
    WorkerStopped = "local::worker_stopped": "a background step stopped unexpectedly",
    // audit.
    BadAccountId = "audit::bad_account_id": "`--accounts` holds something other than 12-digit ids",
    BadRegion = "audit::bad_region": "`--regions` holds something that is not a region name",
    UnknownRegion = "audit::unknown_region": "a region secretslab does not know (see `--allow-unknown-regions`)",
    NoRoleForAccounts = "audit::no_role_for_accounts": "other accounts are in scope, and no role is named to enter them",
    BadRoleName = "audit::bad_role_name": "`--assume-role` is not an IAM role name",
    OrganizationUnreadable = "audit::organization_unreadable": "the organization's accounts cannot be listed",
    KeyUnreadable = "audit::key_unreadable": "the fingerprint key cannot be read",
    KeyDamaged = "audit::key_damaged": "the fingerprint key is damaged",
    BaselineUnreadable = "audit::baseline_unreadable": "the baseline file cannot be read",
    BaselineInvalid = "audit::baseline_invalid": "the file is not a secretslab baseline",
    ConfigUnreadable = "audit::config_unreadable": "the `--config` file cannot be read",
    ConfigInvalid = "audit::config_invalid": "`.secretslab.toml` (or the `--config` file) has a mistake, on the line the error names",
    BadExplainTarget = "audit::bad_explain_target": "`--explain` is not FUNCTION:VARIABLE",
    ExplainNotFound = "audit::explain_not_found": "no version of the `--explain` function in scope has the variable",
    // migrate: what it is asked.
    NoVariablesNamed = "migrate::no_variables_named": "no `--var` or `--flagged` says what to move",
    BadVariableName = "migrate::bad_variable_name": "a `--var` is not an environment variable name",
    FunctionNotFound = "migrate::function_not_found": "the function does not exist in the region",
    NothingFlagged = "migrate::nothing_flagged": "`--flagged`, and the audit finds no plaintext secret",
    VariableNotFound = "migrate::variable_not_found": "a `--var` is not in the function's environment",
    BadDocumentName = "migrate::bad_document_name": "the secret or parameter name is not valid for its store",
    BadKmsKey = "migrate::bad_kms_key": "`--kms-key` is not a KMS key ARN",
    TemplateNeedsCloudFormation = "migrate::template_needs_cloudformation": "`--template` is given without `--emit cloudformation` or `sam`",
    TemplateUnreadable = "migrate::template_unreadable": "the `--template` file cannot be read",
    TemplateInvalid = "migrate::template_invalid": "the `--template` file is not a CloudFormation or SAM template",
    TemplateUnpatchable = "migrate::template_unpatchable": "the template does not declare the function as migrate can change it",
    // migrate: what it finds.
    DocumentNotOurs = "migrate::document_not_ours": "the document exists but is not tagged as this function's",
    DocumentNotObject = "migrate::document_not_object": "the document no longer holds a JSON object of variables",
    DocumentBinary = "migrate::document_binary": "the document holds a binary value",
    RoleAccessDenied = "migrate::role_access_denied": "the identity may not read or change the function's role policy",
    EnvTooLarge = "migrate::env_too_large": "with the references, the environment would exceed Lambda's 4 KB",
    EnvRefused = "migrate::env_refused": "Lambda refused the new environment as over its limit",
    TooManyLayers = "migrate::too_many_layers": "the function already has Lambda's limit of layers",
    CodeSigningEnforced = "migrate::code_signing_enforced": "the function's code signing enforces signatures, and would reject the extension layer",
    ImageFunction = "migrate::image_function": "the function is a container image: the extension goes into the image",
    AlreadyMigrated = "migrate::already_migrated": "the function reads those variables through references already",
    StackUnreadable = "migrate::stack_unreadable": "the owning stack's template cannot be read",
    StackWouldUndo = "migrate::stack_would_undo": "the owning stack's next deploy would undo the migration",
    ChangedWhileReading = "migrate::changed_while_reading": "the function changed while migrate read it",
    ChangedWhileWriting = "migrate::changed_while_writing": "the document appeared while migrate created it",
    NoVersionPublished = "migrate::no_version_published": "no version was published for the alias to point at",
    // migrate: finish, rollback, purge.
    NothingToFinish = "migrate::nothing_to_finish": "migrate has not moved any variable of the function",
    RolledBack = "migrate::rolled_back": "the migration was rolled back; there is nothing to finish",
    ExpandUnfinished = "migrate::expand_unfinished": "the function lacks references expand should have added",
    CodeNotUpdated = "migrate::code_not_updated": "nothing shows that the function's code reads the document yet",
    DanglingReferences = "migrate::dangling_references": "the function's references name a document that is gone",
    StillScheduled = "migrate::still_scheduled": "the document still reads as scheduled for deletion after restore",
    NoLiveCopy = "migrate::no_live_copy": "no live document holds the moved values; old versions may be the only copy",
}

impl std::fmt::Display for Code {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.id())
    }
}

impl Serialize for Code {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.id())
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use super::*;

    #[test]
    fn codes_are_unique_and_well_formed() {
        let mut seen = HashSet::new();
        for code in Code::ALL {
            let id = code.id();
            assert!(seen.insert(id), "{id} is used twice");
            let rest = id.strip_prefix("secretslab::").unwrap();
            assert!(
                rest.split("::").all(|part| !part.is_empty()
                    && part
                        .chars()
                        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')),
                "{id}"
            );
            assert!(!code.meaning().is_empty());
        }
    }

    /// The README's table of codes is this list, in this order.
    #[test]
    fn the_readme_lists_every_code() {
        let readme = include_str!("../../README.md");
        let listed: Vec<&str> = readme
            .lines()
            .filter_map(|line| line.strip_prefix("| `secretslab::"))
            .filter_map(|rest| rest.split('`').next())
            .collect();
        let expected: Vec<String> = Code::ALL
            .iter()
            .map(|code| code.id().trim_start_matches("secretslab::").to_string())
            .collect();
        let table: String = Code::ALL
            .iter()
            .map(|code| format!("| `{}` | {} |\n", code.id(), code.meaning()))
            .collect();
        assert_eq!(listed, expected, "the README's table should be:\n{table}");
        for code in Code::ALL {
            let row = format!("| `{}` | {} |", code.id(), code.meaning());
            assert!(
                readme.contains(&row),
                "README lacks the row\n{row}\nthe table should be:\n{table}"
            );
        }
    }
}
