//! Scopes refused or empty: an unknown region named with its nearest known one, and a scope
//! without functions that is never reported clean.

use crate::common::{stderr, stdout, TestHome};

use super::{audit, json};

/// A typo in a region is refused before anything is called, naming the nearest known region;
/// `--allow-unknown-regions` lets it through.
#[test]
fn an_unknown_region_is_refused_with_the_nearest_known_one() {
    let home = TestHome::new();
    let out = home.run(&["audit", "--regions", "eu-west-1,us-est-1"]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    let err = stderr(&out);
    let starting = |prefix: &str| {
        err.lines()
            .filter(|l| l.trim_start().starts_with(prefix))
            .count()
    };
    assert_eq!(
        (
            starting("error[secretslab::audit::unknown_region]:"),
            starting("help:")
        ),
        (1, 1),
        "{err}"
    );
    assert!(
        err.contains("us-est-1") && err.contains("`us-east-1`"),
        "{err}"
    );
    assert!(err.contains("--allow-unknown-regions"), "{err}");
}

/// A scope that holds no function is never reported clean: every report says what was scanned
/// and that it was nothing, and the audit exits 6.
#[tokio::test(flavor = "multi_thread")]
async fn a_scope_without_functions_is_not_clean() {
    let home = TestHome::new();
    home.start_emulator();
    let mut outputs = Vec::new();
    let out = audit(&home, &mut outputs, &["--json", "--function", "nope"]);
    assert_eq!(out.status.code(), Some(6), "{}", stderr(&out));
    let doc = json(&out);
    assert_eq!(doc["outcome"], "nothing_scanned", "{doc:#}");
    assert_eq!(doc["scanned"]["accounts"], 1);
    assert_eq!(doc["scanned"]["regions"], 1);
    assert_eq!(doc["scanned"]["functions"], 0);

    let out = audit(&home, &mut outputs, &["--function", "nope"]);
    assert_eq!(out.status.code(), Some(6), "{}", stderr(&out));
    let text = stdout(&out);
    let scanned = text
        .find("scanned 1 account × 1 region: 0 functions")
        .expect(&text);
    let verdict = text.find("nothing scanned").expect(&text);
    assert!(scanned < verdict, "{text}");
    assert!(!text.contains("clean"), "{text}");

    // A region newer than the built-in list, insisted on: scanned, and empty, so exit 6 too.
    let out = audit(
        &home,
        &mut outputs,
        &["--json", "--regions", "us-est-1", "--allow-unknown-regions"],
    );
    assert_eq!(out.status.code(), Some(6), "{}", stderr(&out));
    assert_eq!(json(&out)["scanned"]["regions"], 1);
    home.stop_local();
}
