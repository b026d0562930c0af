use super::*;
use crate::audit::fingerprint::FingerprintKey;
use crate::audit::report::{build, Coverage};
use crate::audit::scan::fixtures::{one_function, version};
use crate::audit::scan::{ScopeScan, VersionRecord};

const PLANTED: &str = "sk_live_4eC39HqLyjWDarjtT1zdp7dc";

fn scan(function: &str) -> ScopeScan {
    let variables = [("STRIPE_KEY", PLANTED), ("LOG_LEVEL", "info")];
    one_function(function, vec![version("$LATEST", &variables)])
}

#[test]
fn names_are_escaped_and_values_never_written() {
    let report = build(
        &[scan("<script>alert(1)</script>")],
        &Coverage {
            accounts: 1,
            regions: 1,
        },
        &FingerprintKey::generate(),
        false,
    );
    let page = to_html(&report);
    assert!(!page.contains("<script>alert"), "{page}");
    assert!(page.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
    assert!(!page.contains(PLANTED));
    assert!(page.contains(r#"data-functions="1""#));
    assert!(page.contains(r#"data-secrets="1""#));
    assert!(page.contains(r#"data-outcome="findings""#));
    // Self-contained: nothing fetched; one inline script, after the table it sorts.
    for needle in [
        "http://", "https://", "<link", "<script ", "@import", "url(",
    ] {
        assert!(!page.contains(needle), "{needle}");
    }
    assert_eq!(page.matches("<script>").count(), 1);
    assert!(page.find("<script>") > page.find("id=\"findings-table\""));
}

#[test]
fn a_value_in_several_versions_is_one_row_listing_them() {
    let mut scan = scan("orders");
    let latest = scan.functions[0].versions[0].clone();
    scan.functions[0].versions.push(VersionRecord {
        version: "3".into(),
        ..latest
    });
    scan.functions[0]
        .aliases
        .insert("3".into(), vec!["live".into()]);
    let report = build(
        &[scan],
        &Coverage {
            accounts: 1,
            regions: 1,
        },
        &FingerprintKey::generate(),
        false,
    );
    assert_eq!(report.findings.len(), 2);
    let page = to_html(&report);
    assert!(
        page.contains(r#"data-rows="1" data-findings="2""#),
        "{page}"
    );
    assert!(page.contains("$LATEST, 3 (live)"), "{page}");
    // The totals, the charts and the coverage come before the table.
    let table = page.find("id=\"findings-table\"").unwrap();
    for before in [
        "secret findings",
        "Findings by rule",
        "Findings by account × region",
        "Coverage",
    ] {
        assert!(page.find(before).unwrap() < table, "{before}");
    }
    // Controls only the script shows.
    assert!(page.contains(r#"id="findings-controls" class="controls" hidden"#));
}

#[test]
fn an_empty_scope_is_not_called_clean() {
    let report = build(
        &[ScopeScan {
            account: "111111111111".into(),
            region: "us-east-1".into(),
            ..ScopeScan::default()
        }],
        &Coverage {
            accounts: 1,
            regions: 1,
        },
        &FingerprintKey::generate(),
        false,
    );
    let page = to_html(&report);
    assert!(page.contains("Nothing scanned"));
    assert!(!page.contains("Clean:"));
    let scanned = page
        .find("Scanned 1 account × 1 region: 0 functions")
        .unwrap();
    assert!(scanned < page.rfind("Nothing scanned").unwrap());
}

#[test]
fn many_unread_scopes_keep_the_glance_short() {
    let scans: Vec<ScopeScan> = (0..12)
        .map(|i| ScopeScan {
            account: format!("{:012}", 100 + i),
            region: "us-east-1".into(),
            errors: vec!["assuming the audit role: AccessDenied".into()],
            ..ScopeScan::default()
        })
        .collect();
    let report = build(
        &scans,
        &Coverage {
            accounts: 12,
            regions: 1,
        },
        &FingerprintKey::generate(),
        false,
    );
    let page = to_html(&report);
    assert_eq!(page.matches("not read completely: account").count(), 12);
    assert!(
        page.contains("and 7 more scopes not read completely"),
        "{page}"
    );
}
