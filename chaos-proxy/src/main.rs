//! `chaos-proxy CONFIG.json [--upstream URL]`
//!
//! Starts the proxy described by the JSON config file (a [`chaos_proxy::ProxyConfig`];
//! `--upstream` overrides its `upstream`), prints `endpoint=http://127.0.0.1:PORT`
//! on stdout and runs until interrupted, terminated, or `max_lifetime_ms` elapses.

use std::process::ExitCode;
use std::time::Duration;

use chaos_proxy::{Proxy, ProxyConfig};
use std::io::Write;

const USAGE: &str = "usage: chaos-proxy CONFIG.json [--upstream URL]";

fn parse_args(args: &[String]) -> Result<(String, Option<String>), String> {
    let mut config = None;
    let mut upstream = None;
    let mut iter = args.iter();
    while let Some(arg) = iter.next() {
        match arg.as_str() {
            "--upstream" => {
                upstream = Some(iter.next().ok_or("--upstream needs a URL")?.clone());
            }
            a if a.starts_with("--upstream=") => {
                upstream = Some(a["--upstream=".len()..].to_string());
            }
            "-h" | "--help" => return Err(String::new()),
            a if a.starts_with('-') => return Err(format!("unknown option {a}")),
            a => {
                if config.replace(a.to_string()).is_some() {
                    return Err("only one config file may be given".into());
                }
            }
        }
    }
    Ok((config.ok_or("missing config file")?, upstream))
}

async fn run(args: &[String]) -> Result<(), String> {
    let (config_path, upstream) = parse_args(args)?;
    let text = std::fs::read_to_string(&config_path)
        .map_err(|e| format!("cannot read {config_path}: {e}"))?;
    let mut config: ProxyConfig =
        serde_json::from_str(&text).map_err(|e| format!("bad config {config_path}: {e}"))?;
    if let Some(upstream) = upstream {
        config.upstream = upstream;
    }
    let lifetime = match config.max_lifetime_ms {
        0 => Duration::from_secs(600),
        ms => Duration::from_millis(ms),
    };
    let proxy = Proxy::start(config)
        .await
        .map_err(|e| format!("cannot start proxy: {e}"))?;
    {
        let mut out = std::io::stdout().lock();
        writeln!(out, "endpoint={}", proxy.endpoint()).map_err(|e| e.to_string())?;
        out.flush().map_err(|e| e.to_string())?;
    }

    let terminate = async {
        #[cfg(unix)]
        {
            use tokio::signal::unix::{signal, SignalKind};
            match signal(SignalKind::terminate()) {
                Ok(mut term) => {
                    term.recv().await;
                }
                Err(_) => std::future::pending::<()>().await,
            }
        }
        #[cfg(not(unix))]
        std::future::pending::<()>().await;
    };
    tokio::select! {
        _ = tokio::time::sleep(lifetime) => {}
        _ = tokio::signal::ctrl_c() => {}
        _ = terminate => {}
    }
    proxy.shutdown().await;
    Ok(())
}

#[tokio::main]
async fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match run(&args).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            if !message.is_empty() {
                eprintln!("chaos-proxy: {message}");
            }
            eprintln!("{USAGE}");
            if message.is_empty() {
                ExitCode::SUCCESS
            } else {
                ExitCode::from(2)
            }
        }
    }
}
