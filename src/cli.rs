//! Command-line interface: every flag and subcommand, parsed with clap derive.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::domain::defaults;
use crate::domain::kinds::{Arch, ExtensionKind, Runtime, Store};
use crate::domain::names::LabName;
use crate::iac::IacFormat;
use crate::ui::style::ColorChoice;

const EXIT_CODES: &str = "\
Exit codes:
  0  success
  1  failure (the message says what happened and what to do next)
  2  usage error (bad flag or value)
  3  partial teardown (something is still there; see the receipt)
  4  audit: findings at or above --fail-on
  5  audit: no such findings, but part of the scope could not be read
  6  audit: the scope held no function (nothing was checked)";

#[derive(Debug, Parser)]
#[command(
    name = "secretslab",
    version = env!("SECRETSLAB_VERSION"),
    about = "Keep Lambda secrets in Secrets Manager, read them through the Parameters and Secrets extension: the whole lab as one command line",
    after_help = EXIT_CODES,
    propagate_version = true
)]
pub struct Cli {
    #[command(flatten)]
    pub global: GlobalArgs,

    #[command(subcommand)]
    pub command: Command,
}

/// Flags every command takes; listed under their own heading in each command's help.
#[derive(Debug, Clone, Args)]
#[command(next_help_heading = "Global options")]
pub struct GlobalArgs {
    /// Run against the embedded local emulator (no AWS account needed)
    #[arg(long, global = true, conflicts_with = "endpoint_url")]
    pub local: bool,

    /// Send every AWS call to this endpoint (any AWS-compatible emulator)
    #[arg(
        long,
        global = true,
        value_name = "URL",
        env = "SECRETSLAB_ENDPOINT_URL",
        hide_env_values = true
    )]
    pub endpoint_url: Option<String>,

    /// AWS region (default: from the profile or environment; us-east-1 with --local)
    #[arg(long, global = true)]
    pub region: Option<String>,

    /// Named AWS profile (SSO profiles work too)
    #[arg(long, global = true)]
    pub profile: Option<String>,

    /// Lab name; every resource name derives from it
    #[arg(long, global = true, default_value = "secrets-lab", value_parser = LabName::parse_arg)]
    pub name: LabName,

    /// Print exactly one JSON document on stdout
    #[arg(long, global = true)]
    pub json: bool,

    /// More logging on stderr (-v debug, -vv trace)
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    pub verbose: u8,

    /// Only errors on stderr
    #[arg(short, long, global = true, conflicts_with = "verbose")]
    pub quiet: bool,

    /// When to use colours
    #[arg(long, global = true, value_enum, default_value_t = ColorChoice::Auto)]
    pub color: ColorChoice,

    /// Never use colours (same as --color never; NO_COLOR is honoured too)
    #[arg(long, global = true, conflicts_with = "color")]
    pub no_color: bool,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Create or converge the lab: role and policy, secret, log group, function with the extension layer
    Up(UpArgs),
    /// Invoke the function and show that the secret was read and what the cache saved
    Test(TestArgs),
    /// Rotate the lab's credentials (staging labels) and change its simulated database to match
    Rotate(RotateArgs),
    /// Remove every lab resource and print a receipt checked against AWS
    Teardown(TeardownArgs),
    /// Show each lab resource: present, missing or drifted
    Status,
    /// The lab as an interactive tutorial, step by step
    Tour(TourArgs),
    /// Manage the embedded local emulator and extension stand-in
    #[command(subcommand)]
    Local(LocalCommand),
    /// Check what the lab needs and say how to fix each problem
    Doctor,
    /// Find plaintext secrets in Lambda environment variables, in every account and region
    Audit(AuditArgs),
    /// Move a function's plaintext variables into a secret read through the extension (expand, --finish, --rollback)
    Migrate(MigrateArgs),
    /// Write the deployed lab as infrastructure code to keep: Terraform, CloudFormation, SAM or CDK
    Export(ExportArgs),
    /// Print a shell completion script (see the README)
    Completions {
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// Serve the local extension stand-in for one lab (started by `up --local`)
    #[command(name = "__extension", hide = true)]
    ServeExtension,
}

#[derive(Debug, Clone, Args)]
pub struct UpArgs {
    /// Print the plan (create / update / unchanged per resource) and change nothing
    #[arg(long)]
    pub dry_run: bool,

    /// Function architecture; the extension layer follows it
    #[arg(long, value_enum, default_value_t = defaults::ARCH)]
    pub arch: Arch,

    /// Runtime of the function: the handler in Python or in Node.js
    #[arg(long, value_enum, default_value_t = defaults::RUNTIME)]
    pub runtime: Runtime,

    /// Use this extension layer ARN instead of resolving it
    #[arg(long, value_name = "ARN")]
    pub layer_arn: Option<String>,

    /// Read the secret's value from this file (a JSON object, or a password)
    #[arg(long, value_name = "PATH", conflicts_with = "secret_stdin")]
    pub secret_file: Option<PathBuf>,

    /// Also deploy `NAME-legacy`: a function that keeps its credentials in plaintext
    /// variables (the "before" state `audit` finds and `migrate` fixes)
    #[arg(long)]
    pub with_legacy: bool,

    /// Read the secret's value from standard input
    #[arg(long)]
    pub secret_stdin: bool,

    /// Where the credentials live: a Secrets Manager secret, or a SecureString parameter
    #[arg(long, value_enum, default_value_t = Store::default())]
    pub store: Store,

    /// Customer managed KMS key (ARN) to encrypt the secret; grants kms:Decrypt on it
    #[arg(long, value_name = "ARN")]
    pub kms_key: Option<String>,

    /// Extension cache TTL in seconds (SECRETS_MANAGER_TTL, 0 bypasses the cache)
    #[arg(long, default_value_t = defaults::TTL_SECONDS, value_parser = clap::value_parser!(u16).range(0..=300))]
    pub ttl: u16,

    /// Parameter cache TTL in seconds (SSM_PARAMETER_STORE_TTL, 0 bypasses the cache)
    #[arg(long, default_value_t = defaults::SSM_TTL_SECONDS, value_parser = clap::value_parser!(u16).range(0..=300))]
    pub ssm_ttl: u16,

    /// Extension cache size in secrets and parameters (PARAMETERS_SECRETS_EXTENSION_CACHE_SIZE)
    #[arg(long, default_value_t = defaults::CACHE_SIZE, value_parser = clap::value_parser!(u16).range(0..=1000))]
    pub cache_size: u16,

    /// Port the extension listens on inside the function (default 2773; a free port with --local)
    #[arg(long, value_parser = clap::value_parser!(u16).range(1024..))]
    pub extension_port: Option<u16>,
}

#[derive(Debug, Clone, Args)]
#[command(after_help = concat!(
    "The lab is read back from AWS (run `secretslab up` first): the same names, the same policy, ",
    "the region's extension layer and its settings, the log group and the handler. ",
    "No secret value is written: the IaC tool generates the password, or you pass it in."
))]
pub struct ExportArgs {
    /// Which infrastructure code to write
    #[arg(long, value_enum)]
    pub format: IacFormat,

    /// Directory to write into [default: NAME-FORMAT]
    #[arg(long, short = 'o', value_name = "DIR")]
    pub output: Option<PathBuf>,
}

#[derive(Debug, Clone, Args)]
pub struct TestArgs {
    /// Number of invocations
    #[arg(short = 'n', long = "invocations", default_value_t = defaults::INVOCATIONS, value_parser = clap::value_parser!(u32).range(1..=1000))]
    pub invocations: u32,

    /// Show the secret's values instead of masking them
    #[arg(long)]
    pub reveal: bool,

    /// Pause between invocations, in milliseconds
    #[arg(long, default_value_t = defaults::INTERVAL_MS, value_name = "MS")]
    pub interval_ms: u64,

    /// Invocations per month for the cost estimate
    #[arg(long, default_value_t = defaults::INVOCATIONS_PER_MONTH, value_name = "N")]
    pub per_month: u64,

    /// Have the function retry a refused login once with a value fetched past the cache
    #[arg(long)]
    pub retry_on_refused: bool,
}

#[derive(Debug, Clone, Args)]
pub struct RotateArgs {
    /// How the simulated database's users change: one password, or two users taking turns
    #[arg(long, value_enum, default_value_t = crate::domain::rotation::Strategy::SingleUser)]
    pub strategy: crate::domain::rotation::Strategy,
}

#[derive(Debug, Clone, Args)]
pub struct TeardownArgs {
    /// Days Secrets Manager keeps the secret restorable (7-30)
    #[arg(long, default_value_t = defaults::RECOVERY_DAYS, value_parser = clap::value_parser!(u16).range(7..=30))]
    pub recovery_days: u16,

    /// Delete the secret at once, without a recovery window
    #[arg(long, conflicts_with = "recovery_days")]
    pub force_delete_secret: bool,

    /// Delete without asking (required where there is no terminal to ask on)
    #[arg(long, short = 'y')]
    pub yes: bool,
}

#[derive(Debug, Clone, Args)]
pub struct TourArgs {
    /// Run every step without prompts
    #[arg(long, short = 'y')]
    pub yes: bool,

    /// Forget progress and start from the first step
    #[arg(long)]
    pub restart: bool,

    /// Jump to the step with this id
    #[arg(long, value_name = "ID")]
    pub step: Option<String>,

    /// Runtime of the lab's function [default: the deployed function's, else python3.13]
    #[arg(long, value_enum)]
    pub runtime: Option<Runtime>,

    /// Leave the lab up at the end (skip the teardown action)
    #[arg(long)]
    pub keep: bool,
}

#[derive(Debug, Clone, Args)]
#[command(after_help = concat!(
    "Three steps, each safe to re-run after a crash:\n",
    "  --var NAME   expand: a secret, a grant, the layer, NAME_SECRET_ID beside NAME\n",
    "  --finish     contract: remove NAME once the code reads NAME_SECRET_ID\n",
    "  --rollback   put NAME back from the secret; remove what migrate added\n\n",
    "Values are never shown, only variable names."
))]
pub struct MigrateArgs {
    /// The function's name
    pub function: String,

    /// A variable to move (repeat for several)
    #[arg(long = "var", value_name = "NAME", conflicts_with_all = ["finish", "rollback"])]
    pub vars: Vec<String>,

    /// Move the variables `secretslab audit` classifies as secrets
    #[arg(long, conflicts_with_all = ["finish", "rollback"])]
    pub flagged: bool,

    /// Contract: remove the plaintext variables (once the code reads the references)
    #[arg(long, conflicts_with = "rollback")]
    pub finish: bool,

    /// Put the variables back from the secret and remove what migrate added
    #[arg(long)]
    pub rollback: bool,

    /// Delete the published versions that still hold a moved value (none an alias routes to)
    #[arg(long, conflicts_with_all = ["vars", "flagged", "finish", "rollback"])]
    pub purge_versions: bool,

    /// Print the plan and change nothing
    #[arg(long)]
    pub dry_run: bool,

    /// Where the variables go: one secret, or one SecureString parameter
    #[arg(long, value_enum, default_value_t = Store::SecretsManager)]
    pub store: Store,

    /// Name of the secret (or parameter) [default: FUNCTION/env, or /FUNCTION/env]
    #[arg(long, value_name = "NAME")]
    pub secret_name: Option<String>,

    /// Customer managed KMS key (ARN) for the secret; grants kms:Decrypt on it
    #[arg(long, value_name = "ARN")]
    pub kms_key: Option<String>,

    /// With --finish: publish a version and point this alias at it
    #[arg(long, value_name = "NAME", requires = "finish")]
    pub alias: Option<String>,

    /// Use this extension layer ARN instead of resolving it
    #[arg(long, value_name = "ARN")]
    pub layer_arn: Option<String>,

    /// With --finish: go ahead although nothing shows the code reads the references
    #[arg(long, requires = "finish")]
    pub force: bool,

    /// Who deploys the function, where AWS records nothing
    #[arg(long, value_enum, value_name = "OWNER")]
    pub owner: Option<crate::migrate::OwnerFlag>,

    /// With --finish: the owner's source carries the change (skip the stack's template check)
    #[arg(long, requires = "finish")]
    pub owner_updated: bool,

    /// Print (or write) the change for the owner's source; changes nothing
    #[arg(long, value_enum, value_name = "FORMAT", conflicts_with_all = ["finish", "rollback", "dry_run"])]
    pub emit: Option<crate::iac::change::EmitFormat>,

    /// With --emit: write the change to this file
    #[arg(long, value_name = "PATH", requires = "emit")]
    pub output: Option<std::path::PathBuf>,

    /// With --emit cloudformation|sam: your template (JSON or YAML), patched
    #[arg(long, value_name = "FILE", requires = "emit")]
    pub template: Option<std::path::PathBuf>,
}

#[derive(Debug, Clone, Args)]
#[command(after_help = concat!(
    "Classes: secret (a credential value), suspect (needs a human look), reference (names where a secret is kept), config (everything else). ",
    "Findings are secret and suspect variables; values are never shown, only their shape and a keyed fingerprint.\n\n",
    "Exit codes: 0 clean and complete; 4 findings at or above --fail-on; 5 no such findings, but part of the scope could not be read; 6 the scope held no function, so nothing was checked; 1 failure; 2 usage error."
))]
pub struct AuditArgs {
    /// Regions to scan, comma-separated [default: the session's region]
    #[arg(
        long,
        value_delimiter = ',',
        value_name = "REGION,...",
        conflicts_with = "all_regions"
    )]
    pub regions: Vec<String>,

    /// Scan every region of the partition
    #[arg(long)]
    pub all_regions: bool,

    /// Accept --regions names missing from secretslab's list (regions newer than it)
    #[arg(long, requires = "regions")]
    pub allow_unknown_regions: bool,

    /// Accounts to scan, comma-separated 12-digit ids [default: the caller's account]
    #[arg(
        long,
        value_delimiter = ',',
        value_name = "ID,...",
        conflicts_with = "organization"
    )]
    pub accounts: Vec<String>,

    /// Scan every account of the organization (Organizations ListAccounts)
    #[arg(long)]
    pub organization: bool,

    /// Role to assume in each account other than the caller's
    #[arg(long, value_name = "NAME")]
    pub assume_role: Option<String>,

    /// Scan only this function (name or ARN)
    #[arg(long, value_name = "NAME")]
    pub function: Option<String>,

    /// Report format [default: text, or json with --json]
    #[arg(long, value_enum)]
    pub format: Option<AuditFormat>,

    /// Write the report (in --format) to FILE; stdout still shows the text or --json report
    #[arg(long, short = 'o', value_name = "FILE")]
    pub output: Option<PathBuf>,

    /// Record the current findings (locations and fingerprints, no values) in FILE
    #[arg(long, value_name = "FILE")]
    pub write_baseline: Option<PathBuf>,

    /// Report only findings that FILE (from --write-baseline) does not list
    #[arg(long, value_name = "FILE")]
    pub baseline: Option<PathBuf>,

    /// Lowest class that makes the audit fail (exit 4); `hygiene` adds the extension's
    /// hygiene findings
    #[arg(long, value_enum, default_value_t = FailOnArg::Secret)]
    pub fail_on: FailOnArg,

    /// List every classified variable (still without values)
    #[arg(long)]
    pub show_all: bool,

    /// Read ignore rules from FILE [default: the nearest .secretslab.toml from the working directory upward]
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,

    /// List the findings the ignore rules silence (JSON and SARIF always list them)
    #[arg(long)]
    pub show_ignored: bool,

    /// Show every rule that looked at variable VAR of function FN, and why each fired or not (no value)
    #[arg(
        long,
        value_name = "FN:VAR",
        conflicts_with_all = ["function", "format", "output", "write_baseline", "baseline", "show_all"]
    )]
    pub explain: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum AuditFormat {
    Text,
    Json,
    Sarif,
    // One self-contained page (no network), printable.
    Html,
    // One row per finding, for spreadsheets.
    Csv,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum FailOnArg {
    Secret,
    Suspect,
    // Secrets, suspects and the extension's hygiene findings.
    Hygiene,
    None,
}

#[derive(Debug, Subcommand)]
pub enum LocalCommand {
    /// Install (first time) and start the emulator
    Start {
        /// Which local extension serves the functions [default: standin]
        #[arg(long, value_enum)]
        extension: Option<ExtensionKind>,
    },
    /// Stop the emulator and every local extension
    Stop,
    /// Show whether the emulator runs, and where
    Status,
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn cli_definition_is_consistent() {
        Cli::command().debug_assert();
    }
}
