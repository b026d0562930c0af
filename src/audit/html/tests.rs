use super::*;
use crate::audit::fingerprint::FingerprintKey;
use crate::audit::report::{build, Coverage};
use crate::audit::scan::{FunctionRecord, Plaintext, ScopeScan, Variable, VersionRecord};

const PLANTED: &str = "sk_live_4eC39HqLyjWDarjtT1zdp7dc";

fn scan(function: &str) -> ScopeScan {
    ScopeScan {
        account: "111111111111".into(),
        region: "us-east-1".into(),
        functions: vec![FunctionRecord {
            name: function.into(),
            arn: crate::domain::arn::Scope::new("aws", "us-east-1", "111111111111")
                .function(function)
                .to_string(),
            versions: vec![VersionRecord {
                version: "$LATEST".into(),
                variables: vec![
                    Variable {
                        name: "STRIPE_KEY".into(),
                        value: Plaintext::new(PLANTED),
                    },
                    Variable {
                        name: "LOG_LEVEL".into(),
                        value: Plaintext::new("info"),
                    },
                ],
            }],
            aliases: Default::default(),
            image: false,
        }],
        ..ScopeScan::default()
    }
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
    assert!(!page.contains("<script>"), "{page}");
    assert!(page.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
    assert!(!page.contains(PLANTED));
    assert!(page.contains(r#"data-functions="1""#));
    assert!(page.contains(r#"data-secrets="1""#));
    assert!(page.contains(r#"data-outcome="findings""#));
    // Self-contained: nothing fetched.
    for needle in ["http://", "https://", "<link", "<script", "@import", "url("] {
        assert!(!page.contains(needle), "{needle}");
    }
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
