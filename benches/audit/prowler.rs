//! Prowler's way of scanning, re-created, and the real `prowler` CLI when it installs.

use std::path::Path;
use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use serde_json::Value;
use tokio::sync::Semaphore;
use tokio::task::JoinSet;

use crate::estate::config;
use crate::{support, PROWLER_THREADS, PROWLER_VERSION, REGIONS};

/// What Prowler's `awslambda_function_no_secrets_in_variables` costs, done the way Prowler
/// does it: accounts one after another (one `prowler aws` run each); within an account, the
/// Lambda service lists functions per region (`ListFunctions`, `$LATEST` only, environment
/// included), then runs each per-function call over all functions in a pool of 10 threads:
/// `ListTags`, `GetPolicy`, `GetFunctionUrlConfig`. botocore's standard retry mode, 3 attempts;
/// a call that still fails is logged and its result left out, as Prowler does.
pub struct ProwlerWay {
    pub elapsed: Duration,
    pub functions: usize,
    pub failed_calls: usize,
}

pub async fn prowler_way(via: &str, accounts: &[String]) -> ProwlerWay {
    let started = Instant::now();
    let failed = Arc::new(AtomicUsize::new(0));
    let mut functions_seen = 0;
    for account in accounts {
        let mut functions: Vec<(aws_sdk_lambda::Client, String)> = Vec::new();
        let mut listers = JoinSet::new();
        for region in REGIONS {
            let lambda = aws_sdk_lambda::Client::new(&config(via, account, region, 3).await);
            let failed = failed.clone();
            listers.spawn(async move {
                let mut names = Vec::new();
                let mut pages = lambda.list_functions().into_paginator().send();
                while let Some(page) = pages.next().await {
                    match page {
                        Ok(page) => names.extend(
                            page.functions()
                                .iter()
                                .filter_map(|f| f.function_arn().map(str::to_string)),
                        ),
                        Err(_) => {
                            failed.fetch_add(1, Ordering::Relaxed);
                            break;
                        }
                    }
                }
                (lambda, names)
            });
        }
        while let Some(listed) = listers.join_next().await {
            let (lambda, names) = listed.unwrap();
            functions.extend(names.into_iter().map(|n| (lambda.clone(), n)));
        }
        functions_seen += functions.len();
        for call in ["ListTags", "GetPolicy", "GetFunctionUrlConfig"] {
            let pool = Arc::new(Semaphore::new(PROWLER_THREADS));
            let mut tasks = JoinSet::new();
            for (lambda, arn) in functions.clone() {
                let (pool, failed) = (pool.clone(), failed.clone());
                tasks.spawn(async move {
                    let _thread = pool.acquire_owned().await.unwrap();
                    let ok = match call {
                        "ListTags" => lambda.list_tags().resource(&arn).send().await.is_ok(),
                        "GetPolicy" => {
                            // No policy is an answer (ResourceNotFound), not a failure.
                            match lambda.get_policy().function_name(&arn).send().await {
                                Ok(_) => true,
                                Err(e) => e
                                    .as_service_error()
                                    .is_some_and(|s| s.is_resource_not_found_exception()),
                            }
                        }
                        _ => match lambda
                            .get_function_url_config()
                            .function_name(&arn)
                            .send()
                            .await
                        {
                            Ok(_) => true,
                            Err(e) => e
                                .as_service_error()
                                .is_some_and(|s| s.is_resource_not_found_exception()),
                        },
                    };
                    if !ok {
                        failed.fetch_add(1, Ordering::Relaxed);
                    }
                });
            }
            while tasks.join_next().await.is_some() {}
        }
    }
    ProwlerWay {
        elapsed: started.elapsed(),
        functions: functions_seen,
        failed_calls: failed.load(Ordering::Relaxed),
    }
}

/// The real `prowler` CLI (pinned, installed into `target/prowler-venv` on first use): one
/// `prowler aws` run per account, one after another, through the proxy. `None` when it cannot
/// be installed or fails. Returns the time and how many functions its output reports.
pub fn prowler_cli(
    root: &Path,
    via: &str,
    accounts: &[String],
    work: &Path,
) -> Option<(Duration, usize)> {
    let venv = root.join("target/prowler-venv");
    let prowler = venv.join("bin/prowler");
    if !prowler.exists() {
        eprintln!(
            "installing prowler {PROWLER_VERSION} into {} (first run only)",
            venv.display()
        );
        let ok = support::python_venv(&venv, &[&format!("prowler=={PROWLER_VERSION}")]);
        if !ok {
            eprintln!("could not install prowler; only the re-creation is measured");
            return None;
        }
    }
    let started = Instant::now();
    let mut reported = 0;
    for account in accounts {
        let out_dir = work.join(format!("prowler-{account}"));
        let status = Command::new(&prowler)
            .args([
                "aws",
                "--checks",
                "awslambda_function_no_secrets_in_variables",
                "--output-formats",
                "json-ocsf",
                "--no-banner",
                "--region",
            ])
            .args(REGIONS)
            .arg("--output-directory")
            .arg(&out_dir)
            .env("AWS_ENDPOINT_URL", via)
            .env("AWS_ACCESS_KEY_ID", account)
            .env("AWS_SECRET_ACCESS_KEY", "test")
            .env("AWS_DEFAULT_REGION", REGIONS[0])
            .env_remove("AWS_PROFILE")
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .status()
            .ok()?;
        // Prowler exits 3 when a check fails (it found something); both are a complete run.
        if !matches!(status.code(), Some(0 | 3)) {
            eprintln!("prowler exited with {status} for account {account}");
            return None;
        }
        for entry in std::fs::read_dir(&out_dir).ok()?.flatten() {
            if entry.path().to_string_lossy().ends_with(".ocsf.json") {
                let doc: Value = serde_json::from_slice(&std::fs::read(entry.path()).ok()?).ok()?;
                reported += doc.as_array().map_or(0, Vec::len);
            }
        }
    }
    Some((started.elapsed(), reported))
}
