//! Entry point: parse arguments, set up logging and colours, run, map the outcome to an exit code.

use std::process::ExitCode;

use clap::Parser;
use secretslab::cli::Cli;
use secretslab::{commands, ui};
use tracing_subscriber::EnvFilter;

fn init_logging(verbose: u8, quiet: bool) {
    // By default only secretslab's own messages: the SDK's warnings (IMDS probes, credential
    // chain attempts) are raw debug dumps, and every failure already gets its own error line.
    let default = match (quiet, verbose) {
        (true, _) => "off,secretslab=error",
        (false, 0) => "off,secretslab=info",
        (false, 1) => "warn,secretslab=debug",
        (false, _) => "trace",
    };
    let filter = if verbose == 0 && !quiet {
        EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(default))
    } else {
        EnvFilter::new(default)
    };
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .without_time()
        .with_target(false)
        .with_ansi(ui::style::enabled())
        .try_init();
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let color = if cli.global.no_color {
        ui::style::ColorChoice::Never
    } else {
        cli.global.color
    };
    ui::style::init(color, cli.global.json);
    init_logging(cli.global.verbose, cli.global.quiet);
    let json = cli.global.json;
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(runtime) => runtime,
        Err(e) => {
            eprintln!("error: could not start the async runtime: {e}");
            return ExitCode::from(1);
        }
    };
    match runtime.block_on(commands::run(cli)) {
        Ok(code) => ExitCode::from(code),
        Err(err) => {
            if json {
                ui::output::emit_error_json(&err);
            }
            ui::output::print_error(&err);
            ExitCode::from(err.exit_code())
        }
    }
}
