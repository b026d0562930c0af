//! Integration tests of the lab through the real binary, against a real MiniStack started by
//! each test on a random port with its own SECRETSLAB_HOME. Run serially (`--test-threads=1`).

use crate::common;

use std::time::Duration;

use common::{existing, stderr, stdout, TestHome};
use secretslab::aws::AwsContext;
use serde_json::Value;

/// Both ownership tags, judged by the same rule the CLI uses before touching anything.
fn lab_tag_ok(tags: &[(String, String)], lab: &str) -> bool {
    secretslab::domain::names::LabName::new(lab)
        .expect("lab name")
        .resources()
        .is_owned(tags.iter().map(|(k, v)| (k.as_str(), v.as_str())))
}

/// Every resource of `lab` carries both ownership tags, read through the SDK.
async fn every_resource_carries_both_tags(sdk: &AwsContext, lab: &str, account: &str) {
    let secret = sdk
        .secrets
        .describe_secret()
        .secret_id(format!("{lab}/credentials"))
        .send()
        .await
        .unwrap();
    let tags: Vec<_> = secret
        .tags()
        .iter()
        .map(|t| (t.key().unwrap().to_string(), t.value().unwrap().to_string()))
        .collect();
    assert!(lab_tag_ok(&tags, lab), "secret tags {tags:?}");
    let role_tags = sdk
        .iam
        .list_role_tags()
        .role_name(format!("{lab}-role"))
        .send()
        .await
        .unwrap();
    let tags: Vec<_> = role_tags
        .tags()
        .iter()
        .map(|t| (t.key().to_string(), t.value().to_string()))
        .collect();
    assert!(lab_tag_ok(&tags, lab), "role tags {tags:?}");
    let function = sdk
        .lambda
        .get_function()
        .function_name(lab)
        .send()
        .await
        .unwrap();
    let tags: Vec<_> = function
        .tags()
        .unwrap()
        .iter()
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    assert!(lab_tag_ok(&tags, lab), "function tags {tags:?}");
    let policy_arn = format!("arn:aws:iam::{account}:policy/{lab}-read-secret");
    let policy_tags = sdk
        .iam
        .list_policy_tags()
        .policy_arn(&policy_arn)
        .send()
        .await
        .unwrap();
    let tags: Vec<_> = policy_tags
        .tags()
        .iter()
        .map(|t| (t.key().to_string(), t.value().to_string()))
        .collect();
    assert!(lab_tag_ok(&tags, lab), "policy tags {tags:?}");
    let group_arn = format!("arn:aws:logs:us-east-1:{account}:log-group:/aws/lambda/{lab}");
    let group_tags = sdk
        .logs
        .list_tags_for_resource()
        .resource_arn(group_arn)
        .send()
        .await
        .unwrap();
    let tags: Vec<_> = group_tags
        .tags()
        .unwrap()
        .iter()
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    assert!(lab_tag_ok(&tags, lab), "log group tags {tags:?}");
}

/// `test -n 5`: the function reads the secret through the local extension, 1 miss and 4
/// hits, the value masked. Returns the report.
fn test_reads_through_the_extension(home: &TestHome, lab: &str) -> Value {
    let (out, test) = home.json(&["--local", "--name", lab, "test", "-n", "5"]);
    assert!(out.status.success(), "{}\n{test}", stderr(&out));
    assert!(common::every_invocation_read(&test, 5), "{test}");
    assert_eq!(test["invocations"][0]["cold_start"], true);
    assert_eq!(test["cache"]["method"], "exact");
    assert_eq!(test["cache"]["misses"], 1, "{test}");
    assert_eq!(test["cache"]["hits"], 4, "{test}");
    assert_eq!(test["cache"]["upstream_calls"], 1, "{test}");
    assert_eq!(
        test["secret"]["keys"],
        serde_json::json!(["password", "username"])
    );
    assert_eq!(test["secret"]["values"]["password"], "********");
    test
}

/// The secret value never shows up: not in output (`documents`, and a human-readable `test`),
/// logs or state files; `--reveal` shows it.
async fn no_value_leaks(home: &TestHome, sdk: &AwsContext, lab: &str, documents: &[&Value]) {
    let password = common::lab_password(sdk, lab).await;
    let human = home.run(&["--local", "--name", lab, "test"]);
    // Without a terminal, progress is plain lines on stderr: no log levels, no control codes.
    let progress = stderr(&human);
    assert!(
        progress.lines().count() >= 1
            && progress
                .lines()
                .all(|l| l.starts_with("· ") || l.starts_with("✓ ")),
        "{progress}"
    );
    let mut texts = vec![stdout(&human), stderr(&human), home.state_files_text()];
    texts.extend(documents.iter().map(|d| d.to_string()));
    for text in texts {
        assert!(!text.contains(&password), "the secret value leaked");
    }
    let revealed = home.ok(&["--local", "--name", lab, "test", "-n", "1", "--reveal"]);
    assert_eq!(
        revealed["secret"]["values"]["password"],
        password.as_str(),
        "--reveal shows the value"
    );
}

#[tokio::test]
async fn lab_lifecycle_up_test_status_teardown() {
    let home = TestHome::new();
    let endpoint = home.start_emulator();
    let sdk = home.sdk(&endpoint).await;
    let lab = "life";

    let up = home.ok(&["--local", "--name", lab, "up"]);
    let actions: Vec<&str> = up["resources"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["action"].as_str().unwrap())
        .collect();
    assert_eq!(actions, vec!["create"; 6], "{up}");
    assert_eq!(existing(&sdk, lab).await.len(), 6);

    every_resource_carries_both_tags(&sdk, lab, up["account"].as_str().unwrap()).await;

    // In words, `up` says what it did, past tense, with counts; a second `up` changed nothing.
    let said = home.run(&["--local", "--name", lab, "up"]);
    let said = stdout(&said);
    assert!(said.contains("applied: 6 unchanged"), "{said}");
    assert!(!said.contains("create "), "{said}");
    // A second `up` reads only and changes nothing.
    let again = home.ok(&["--local", "--name", lab, "up"]);
    assert_eq!(again["api_calls"]["writes"], 0, "{again}");
    assert!(again["api_calls"]["reads"].as_u64().unwrap() > 0);
    assert!(
        again["resources"]
            .as_array()
            .unwrap()
            .iter()
            .all(|r| r["action"] == "unchanged"),
        "{again}"
    );

    let test = test_reads_through_the_extension(&home, lab);
    let status = home.ok(&["--local", "--name", lab, "status"]);
    assert!(common::all_resources(&status, "present"), "{status}");

    no_value_leaks(&home, &sdk, lab, &[&up, &test]).await;

    // Teardown leaves nothing, checked through the SDK; a second teardown succeeds.
    let down = home.force_teardown(lab);
    assert_eq!(down["remaining"], 0, "{down}");
    assert!(
        existing(&sdk, lab).await.is_empty(),
        "left behind: {:?}",
        existing(&sdk, lab).await
    );
    let twice = home.force_teardown(lab);
    assert!(
        twice["receipt"]
            .as_array()
            .unwrap()
            .iter()
            .all(|l| l["state"] == "gone"),
        "{twice}"
    );
    home.stop_local();
}

/// The lab's secret ARN as Secrets Manager holds it, if the secret exists.
async fn secret_arn(sdk: &secretslab::aws::AwsContext, lab: &str) -> Option<String> {
    let described = sdk
        .secrets
        .describe_secret()
        .secret_id(format!("{lab}/credentials"))
        .send()
        .await;
    common::found(described, "the lab's secret").and_then(|d| d.arn().map(str::to_string))
}

#[tokio::test]
async fn killed_up_converges_on_rerun_and_teardown_leaves_nothing() {
    let home = TestHome::new();
    let endpoint = home.start_emulator();
    let sdk = home.sdk(&endpoint).await;
    let lab = "crash";
    let up = ["--local", "--name", lab, "up"];
    // Each round kills `up` after an exact API call of a run from nothing (the pause hook; the
    // kill is asserted to land mid-run) and converges; then kills a teardown of the complete
    // lab part-way and converges `up` from the half-removed lab; then tears down for good.
    for (up_call, teardown_call) in [(3, 4), (8, 12), (13, 20), (18, 28)] {
        assert!(
            common::killed_after_call(&home, &up, up_call),
            "`up` finished before its call {up_call}: the kill did not land mid-run"
        );
        let before = secret_arn(&sdk, lab).await;
        let converged = home.ok(&up);
        assert_eq!(
            existing(&sdk, lab).await.len(),
            6,
            "after a kill at call {up_call}"
        );
        if let Some(before) = before {
            assert_eq!(
                converged["secret_arn"],
                before.as_str(),
                "the re-run made a second secret after a kill at call {up_call}"
            );
        }
        let status = home.ok(&["--local", "--name", lab, "status"]);
        assert!(
            common::all_resources(&status, "present"),
            "kill at call {up_call}: {status}"
        );
        let test = home.ok(&["--local", "--name", lab, "test", "-n", "1"]);
        assert_eq!(test["ok"], true);
        assert!(
            common::killed_after_call(&home, &common::force_teardown_args(lab), teardown_call),
            "teardown finished before its call {teardown_call}"
        );
        home.ok(&up);
        assert_eq!(
            existing(&sdk, lab).await.len(),
            6,
            "after a teardown killed at call {teardown_call}"
        );
        let status = home.ok(&["--local", "--name", lab, "status"]);
        assert!(
            common::all_resources(&status, "present"),
            "teardown killed at call {teardown_call}: {status}"
        );
        home.force_teardown(lab);
        assert!(existing(&sdk, lab).await.is_empty());
    }
    home.force_teardown(lab);
    assert!(
        existing(&sdk, lab).await.is_empty(),
        "left behind: {:?}",
        existing(&sdk, lab).await
    );
    home.stop_local();
}

#[tokio::test]
async fn one_second_ttl_reaches_secrets_manager_in_every_window() {
    let home = TestHome::new();
    home.start_emulator();
    let lab = "ttl";
    home.ok(&["--local", "--name", lab, "up", "--ttl", "1"]);
    let test = home.ok(&[
        "--local",
        "--name",
        lab,
        "test",
        "-n",
        "3",
        "--interval-ms",
        "1500",
    ]);
    // First call fetches; each later call finds the 1 s entry expired and asks Secrets
    // Manager again (DescribeSecret shows the version is unchanged, so no new GetSecretValue).
    assert_eq!(test["cache"]["upstream_calls"], 3, "{test}");
    assert_eq!(test["cache"]["ttl_seconds"], 1);
    // Back-to-back calls within one window hit the cache.
    let burst = home.ok(&["--local", "--name", lab, "test", "-n", "3"]);
    assert!(
        burst["cache"]["upstream_calls"].as_u64().unwrap() <= 1,
        "{burst}"
    );
    home.force_teardown(lab);
    home.stop_local();
}

fn get(port: u16, path: &str, headers: &str) -> (u16, String) {
    common::http_get(port, path, headers)
}

#[tokio::test]
async fn stand_in_speaks_the_extension_api_and_refuses_bad_callers() {
    let home = TestHome::new();
    home.start_emulator();
    let lab = "standin";
    home.ok(&["--local", "--name", lab, "up"]);
    let (port, token_header) = home.extension(lab);
    let path = format!("/secretsmanager/get?secretId={lab}%2Fcredentials");

    let (status, body) = get(port, &path, &token_header);
    assert_eq!(status, 200, "{body}");
    let doc: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(doc["Name"], format!("{lab}/credentials"));
    assert!(
        doc["SecretString"].is_string() && doc["VersionId"].is_string() && doc["ARN"].is_string()
    );

    assert_eq!(get(port, &path, "").0, 403, "missing token");
    assert_eq!(
        get(port, &path, "X-Aws-Parameters-Secrets-Token: wrong\r\n").0,
        403,
        "wrong token"
    );
    let forwarded = format!("{token_header}X-Forwarded-For: 10.0.0.1\r\n");
    assert_eq!(get(port, &path, &forwarded).0, 400, "forwarded request");
    let (status, body) = get(
        port,
        "/secretsmanager/get?secretId=no-such-secret",
        &token_header,
    );
    assert_eq!(status, 400, "unknown secret: {body}");
    assert!(body.contains("ResourceNotFoundException"), "{body}");
    assert_eq!(get(port, "/elsewhere", &token_header).0, 404);
    let (status, _) = get(
        port,
        &format!("{path}&versionStage=AWSCURRENT"),
        &token_header,
    );
    assert_eq!(status, 200);

    // Listening on loopback only: the kernel's socket table shows 127.0.0.1 for the port.
    let table = std::fs::read_to_string("/proc/net/tcp").unwrap();
    let listening: Vec<&str> = table
        .lines()
        .filter(|l| l.split_whitespace().nth(3) == Some("0A"))
        .filter_map(|l| l.split_whitespace().nth(1))
        .filter(|addr| addr.ends_with(&format!(":{port:04X}")))
        .collect();
    assert_eq!(listening, vec![format!("0100007F:{port:04X}")]);

    // Its counters: token checked like the extension's API, served live, not counted
    // themselves, and on disk once the stand-in stops.
    let stats = "/secretslab/stats";
    assert_eq!(get(port, stats, "").0, 403, "counters without the token");
    assert_eq!(get(port, stats, &forwarded).0, 400, "counters, forwarded");
    let live = common::extension_stats(port, &token_header);
    // Two served (both misses: the versionStage request is its own cache entry), three
    // refused, one unknown secret; three upstream calls (the two misses and the unknown one).
    let expected = serde_json::json!({"requests": 6, "served": 2, "hits": 0, "misses": 2,
        "refused": 3, "errors": 1, "upstream_get_secret_value": 3});
    for (key, value) in expected.as_object().unwrap() {
        assert_eq!(&live[key], value, "{key}: {live}");
    }
    home.ok(&["local", "stop"]);
    let kept = std::fs::read(
        home.path()
            .join(format!("state/extensions/{lab}.stats.json")),
    )
    .expect("counters kept on disk");
    assert_eq!(serde_json::from_slice::<Value>(&kept).unwrap(), live);
}

/// Overlapping requests, some of them finding their entry expired: each is counted by what it
/// did itself, so the outcomes add up to the requests and to the upstream calls exactly.
#[tokio::test]
async fn overlapping_requests_each_get_their_own_outcome() {
    const WAVES: usize = 4;
    const PER_BURST: usize = 25;
    let home = TestHome::new();
    let endpoint = home.start_emulator();
    let lab = "overlap";
    home.ok(&["--local", "--name", lab, "up", "--ttl", "2"]);
    let sdk = home.sdk(&endpoint).await;
    let mut ids = vec![format!("{lab}%2Fcredentials")];
    for i in 0..3 {
        let name = format!("{lab}/extra-{i}");
        sdk.secrets
            .create_secret()
            .name(&name)
            .secret_string("{\"n\": 1}")
            .send()
            .await
            .expect("create secret");
        ids.push(name.replace('/', "%2F"));
    }
    let (port, token_header) = home.extension(lab);
    let before = common::extension_stats(port, &token_header);
    for wave in 0..WAVES {
        // A wave starts once the entries of the last one expired; its first burst overlaps
        // misses or revalidations, its second (within the TTL) hits with whatever is left.
        if wave > 0 {
            std::thread::sleep(Duration::from_millis(2200));
        }
        for _burst in 0..2 {
            burst(port, &token_header, &ids, PER_BURST);
        }
    }
    let after = common::extension_stats(port, &token_header);
    let counted = |key: &str| after[key].as_u64().unwrap() - before[key].as_u64().unwrap_or(0);
    let (hits, misses, revalidations) =
        (counted("hits"), counted("misses"), counted("revalidations"));
    let served = (WAVES * 2 * PER_BURST) as u64;
    assert_eq!(
        (counted("requests"), counted("served")),
        (served, served),
        "{after}"
    );
    assert_eq!(hits + misses + revalidations, served, "{after}");
    assert_eq!(misses, counted("upstream_get_secret_value"), "{after}");
    assert_eq!(
        revalidations,
        counted("upstream_describe_secret"),
        "{after}"
    );
    // The run had all three kinds: each secret was fetched once at least, later waves found
    // their entries expired, second bursts found them fresh.
    assert!(misses >= ids.len() as u64, "{after}");
    assert!(revalidations >= 1, "{after}");
    assert!(hits >= 1, "{after}");
    home.force_teardown(lab);
    home.stop_local();
}

/// `count` requests at once (released together), for `ids` in turn; each must be served.
fn burst(port: u16, token_header: &str, ids: &[String], count: usize) {
    let start = std::sync::Arc::new(std::sync::Barrier::new(count));
    let requests: Vec<_> = (0..count)
        .map(|i| {
            let path = format!("/secretsmanager/get?secretId={}", ids[i % ids.len()]);
            let (start, headers) = (start.clone(), token_header.to_string());
            std::thread::spawn(move || {
                start.wait();
                common::http_get(port, &path, &headers)
            })
        })
        .collect();
    for request in requests {
        let (status, body) = request.join().unwrap();
        assert_eq!(status, 200, "{body}");
    }
}

#[tokio::test]
async fn two_labs_at_once_and_local_stop_leaves_no_process() {
    let home = TestHome::new();
    home.start_emulator();
    home.ok(&["--local", "--name", "lab-a", "up"]);
    home.ok(&["--local", "--name", "lab-b", "up"]);
    for lab in ["lab-a", "lab-b"] {
        let test = home.ok(&["--local", "--name", lab, "test", "-n", "2"]);
        assert_eq!(test["ok"], true, "{lab}: {test}");
        assert_eq!(test["secret"]["name"], format!("{lab}/credentials"));
    }
    let status = home.ok(&["local", "status"]);
    let ports = status["extension_ports"].as_object().unwrap();
    assert_eq!(ports.len(), 2);
    assert_ne!(ports["lab-a"], ports["lab-b"]);
    assert!(!home.processes().is_empty());

    let stopped = home.ok(&["local", "stop"]);
    let pids: Vec<u64> = stopped["stopped_pids"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p.as_u64().unwrap())
        .collect();
    assert_eq!(pids.len(), 3, "two stand-ins and the emulator: {stopped}");
    home.wait_until_no_process();
    assert_eq!(home.ok(&["local", "status"])["running"], false);

    // The next command starts it again (the emulator keeps no state across restarts).
    let status = home.ok(&["--local", "--name", "lab-a", "status"]);
    assert!(status["resources"]
        .as_array()
        .unwrap()
        .iter()
        .all(|r| r["state"] == "missing"));
    assert_eq!(home.ok(&["local", "status"])["running"], true);
    home.stop_local();
}

#[tokio::test]
async fn bad_region_gets_a_clear_error() {
    let home = TestHome::new();
    home.start_emulator();
    let out = home.run(&["--local", "--region", "xx-nowhere-1", "up"]);
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(
        err.contains("xx-nowhere-1") && err.contains("--layer-arn"),
        "{err}"
    );
    assert!(!err.contains("panicked"));
    home.stop_local();
}

/// The ownership rule: a role, a secret and a log group under the lab's names but without
/// secretslab's tags are someone else's. `up` refuses naming every one of them and changes
/// nothing; `teardown` leaves them where they are.
#[tokio::test]
async fn foreign_resources_under_the_lab_names_are_named_and_left_alone() {
    let home = TestHome::new();
    let endpoint = home.start_emulator();
    let sdk = home.sdk(&endpoint).await;
    let lab = "someone-elses";
    let trust = secretslab::domain::policy::trust_policy().to_string();
    sdk.iam
        .create_role()
        .role_name(format!("{lab}-role"))
        .assume_role_policy_document(trust)
        .send()
        .await
        .expect("create the foreign role");
    sdk.secrets
        .create_secret()
        .name(format!("{lab}/credentials"))
        .secret_string("{\"username\":\"theirs\",\"password\":\"not-ours-0\"}")
        .send()
        .await
        .expect("create the foreign secret");
    sdk.logs
        .create_log_group()
        .log_group_name(format!("/aws/lambda/{lab}"))
        .send()
        .await
        .expect("create the foreign log group");
    let before = existing(&sdk, lab).await;

    let up = home.run(&["--local", "--name", lab, "up"]);
    let said = stderr(&up);
    assert!(!up.status.success(), "up must refuse: {said}");
    for named in [
        format!("IAM role `{lab}-role`"),
        format!("secret `{lab}/credentials`"),
        format!("log group `/aws/lambda/{lab}`"),
    ] {
        assert!(said.contains(&named), "{named} not named: {said}");
    }
    assert_eq!(existing(&sdk, lab).await, before, "up changed something");

    let down = home.run(&["--local", "--name", lab, "teardown", "--yes"]);
    assert_eq!(existing(&sdk, lab).await, before, "{}", stderr(&down));
    let role = sdk.iam.get_role().role_name(format!("{lab}-role")).send();
    assert!(role.await.is_ok(), "teardown removed the foreign role");
    home.stop_local();
}
