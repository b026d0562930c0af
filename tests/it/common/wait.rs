//! Waiting for something to become true: asked again and again until a deadline, never a
//! fixed sleep, and a failure that says what never happened and what was last seen.

use std::time::{Duration, Instant};

/// How often a wait asks again.
const EVERY: Duration = Duration::from_millis(100);

/// Ask `probe` until it answers `Ok`, and return that answer. Past `limit`, the test fails
/// naming `what` and the last `Err` (what was seen instead).
pub fn wait_for<T>(what: &str, limit: Duration, mut probe: impl FnMut() -> Result<T, String>) -> T {
    let started = Instant::now();
    loop {
        match probe() {
            Ok(found) => return found,
            Err(seen) if started.elapsed() >= limit => give_up(what, limit, &seen),
            Err(_) => std::thread::sleep(EVERY),
        }
    }
}

/// Ask `ready` until it answers true; past `limit`, the test fails naming `what`.
pub fn wait_until(what: &str, limit: Duration, mut ready: impl FnMut() -> bool) {
    wait_for(what, limit, || {
        if ready() {
            Ok(())
        } else {
            Err("not yet".to_string())
        }
    })
}

/// [`wait_for`] for probes that await (SDK calls): the runtime keeps running meanwhile.
pub async fn wait_for_async<T>(
    what: &str,
    limit: Duration,
    mut probe: impl AsyncFnMut() -> Result<T, String>,
) -> T {
    let started = Instant::now();
    loop {
        match probe().await {
            Ok(found) => return found,
            Err(seen) if started.elapsed() >= limit => give_up(what, limit, &seen),
            Err(_) => tokio::time::sleep(EVERY).await,
        }
    }
}

fn give_up(what: &str, limit: Duration, seen: &str) -> ! {
    panic!(
        "waited {:.1} s for {what}, in vain; last seen: {seen}",
        limit.as_secs_f64()
    )
}

#[test]
fn a_wait_returns_what_it_waited_for_and_gives_up_at_its_deadline() {
    let mut asked = 0;
    let found = wait_for("the third answer", Duration::from_secs(5), || {
        asked += 1;
        if asked == 3 {
            Ok(asked)
        } else {
            Err(format!("answer {asked}"))
        }
    });
    assert_eq!(found, 3);
    let started = Instant::now();
    let failed = std::panic::catch_unwind(|| {
        wait_until("what never happens", Duration::from_millis(300), || false)
    });
    let message = *failed
        .expect_err("a wait that never succeeds fails")
        .downcast::<String>()
        .unwrap();
    assert!(started.elapsed() >= Duration::from_millis(300));
    assert_eq!(
        message,
        "waited 0.3 s for what never happens, in vain; last seen: not yet"
    );
}
