//! A SIGKILL after every API call of every phase: nothing is lost and a re-run converges.

use super::*;

/// The phase of `migrate` a run is killed in.
#[derive(Debug, Clone, Copy)]
enum Phase {
    Expand,
    Finish,
    Rollback,
}

#[test]
fn migrate_killed_after_any_call_loses_nothing_and_converges() {
    let home = TestHome::new();
    let endpoint = home.start_emulator();
    // One lab per phase on one emulator, the three phases side by side: most of each run
    // is waiting for a function update, so they share the machine well.
    let results: Vec<(Phase, usize, String)> = std::thread::scope(|scope| {
        let handles: Vec<_> = [Phase::Expand, Phase::Finish, Phase::Rollback]
            .into_iter()
            .map(|phase| {
                let (home, endpoint) = (&home, endpoint.as_str());
                scope.spawn(move || {
                    let runtime = tokio::runtime::Builder::new_current_thread()
                        .enable_all()
                        .build()
                        .unwrap();
                    runtime.block_on(crash_phase(home, endpoint, phase))
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    let files = home.state_files_text();
    for (phase, kills, password) in results {
        eprintln!("{phase:?}: killed after each of its {kills} calls");
        assert!(kills >= 6, "{phase:?}: only {kills} kill points");
        assert!(
            !files.contains(&password),
            "a password reached a state file"
        );
    }
    home.stop_local();
}

/// Kill one phase after each of its API calls in turn, on a lab of its own. Returns the
/// number of kill points and the lab's password (for the leak check).
async fn crash_phase(home: &TestHome, endpoint: &str, phase: Phase) -> (Phase, usize, String) {
    let sdk = home.sdk(endpoint).await;
    let lab = match phase {
        Phase::Expand => "migke",
        Phase::Finish => "migkf",
        Phase::Rollback => "migkr",
    };
    let function = format!("{lab}-legacy");
    let secret = format!("{lab}-legacy/env");
    let (function, secret) = (function.as_str(), secret.as_str());
    home.ok(&["--local", "--name", lab, "up", "--with-legacy"]);
    let password = config(&sdk, function).await.0["DB_PASSWORD"].clone();
    let args = |phase: Phase| -> Vec<&str> {
        let phase_args = match phase {
            Phase::Expand => &["--var", "DB_PASSWORD"][..],
            Phase::Finish => &["--finish", "--force"][..],
            Phase::Rollback => &["--rollback"][..],
        };
        migrate_args(lab, Some("--quiet"), function, phase_args)
    };
    let run = |phase: Phase| succeeded(&home.run(&args(phase)), &format!("{phase:?}"));
    let mut kills = 0;
    for call in 1.. {
        // The state the phase starts from: fresh, expanded, or finished.
        match phase {
            Phase::Expand if call > 1 => {
                run(Phase::Rollback);
                // Every other kill goes through creating the secret afresh, the others
                // through restoring the one rollback scheduled for deletion.
                if call % 2 == 0 {
                    force_delete(&sdk, secret).await;
                }
            }
            Phase::Expand => {}
            Phase::Finish => {
                run(Phase::Rollback);
                run(Phase::Expand);
            }
            Phase::Rollback => {
                run(Phase::Expand);
                run(Phase::Finish);
            }
        }
        if !common::killed_after_call(home, &args(phase), call) {
            break;
        }
        kills += 1;
        // At the kill point the value is in the environment or in the secret.
        let (env, _) = config(&sdk, function).await;
        let in_env = env.get("DB_PASSWORD") == Some(&password);
        let in_secret = secret_document(&sdk, secret)
            .await
            .is_some_and(|d| d["DB_PASSWORD"] == password.as_str());
        assert!(
            in_env || in_secret,
            "{phase:?} killed after call {call}: value lost"
        );
        // The same command again converges, and nothing is doubled.
        run(phase);
        converged(&sdk, phase, call, lab, &password).await;
    }
    home.force_teardown(lab);
    (phase, kills, password)
}

/// After the re-run of `phase` (killed after `call`): exactly one of each thing migrate makes,
/// the value where the phase puts it.
async fn converged(sdk: &AwsContext, phase: Phase, call: usize, lab: &str, password: &str) {
    let function = format!("{lab}-legacy");
    let secret = format!("{lab}-legacy/env");
    let role = format!("{lab}-role");
    let (function, secret) = (function.as_str(), secret.as_str());
    let password = password.to_string();
    let (env, layers) = config(sdk, function).await;
    let policies = inline_policies(sdk, &role).await;
    assert!(documents_for(sdk, function).await <= 1, "a second document");
    match phase {
        Phase::Expand | Phase::Finish => {
            assert_eq!(env["DB_PASSWORD_SECRET_ID"], secret);
            assert_eq!(extension_layers(&layers), 1, "{phase:?} {call}: {layers:?}");
            assert_eq!(policies.len(), 1, "{phase:?} {call}: {policies:?}");
            let stored = secret_document(sdk, secret).await.expect("secret");
            assert_eq!(stored["DB_PASSWORD"], password.as_str());
            let plaintext = env.get("DB_PASSWORD");
            match phase {
                Phase::Expand => assert_eq!(plaintext, Some(&password)),
                _ => assert_eq!(plaintext, None),
            }
        }
        Phase::Rollback => {
            assert_eq!(env.get("DB_PASSWORD"), Some(&password));
            assert!(!env.contains_key("DB_PASSWORD_SECRET_ID"));
            assert_eq!(extension_layers(&layers), 0);
            assert!(policies.is_empty());
            assert!(secret_scheduled(sdk, secret).await);
        }
    }
}
