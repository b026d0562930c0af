//! The audit classifier against its labelled corpus (tests/data/audit-corpus.jsonl, fake values).
//!
//! Scoring, for the `secret` class:
//! - recall: of the variables labelled `secret`, the share classified `secret`. A true secret
//!   classified `suspect` counts as missed: audit fails on `secret` by default.
//! - precision: of the variables classified `secret`, the share labelled `secret`. A variable
//!   labelled `suspect` but classified `secret` counts against precision.
//! - false alarms on clean variables: of the variables labelled `reference` or `config`, the
//!   share classified `secret`.
//!
//!
//! And for every finding (`secret` and `suspect` together, what a reviewer is asked to read):
//! - recall: of the variables labelled `secret` or `suspect`, the share classified either;
//! - precision: of the variables classified `secret` or `suspect`, the share labelled either.
//!
//! The test fails when, on the whole corpus, `secret` precision or recall drops below 0.95,
//! false alarms exceed 5%, or finding precision or recall drops below 0.97; it then prints the
//! figures for the original and the extended part (`"set"`), the confusion matrix and the
//! misclassified variables (names and rules, no values).

use std::collections::BTreeMap;

use secretslab::classify::{classify, Class};

const MIN_PRECISION: f64 = 0.95;
const MIN_RECALL: f64 = 0.95;
const MAX_CLEAN_AS_SECRET: f64 = 0.05;
const MIN_FINDING_PRECISION: f64 = 0.97;
const MIN_FINDING_RECALL: f64 = 0.97;
/// The extended part holds kinds the original does not; it must stay large enough to mean something.
const MIN_EXTENDED_ROWS: usize = 200;

struct Row {
    name: String,
    value: String,
    class: Class,
    kind: String,
    set: String,
}

fn load_corpus() -> Vec<Row> {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/audit-corpus.jsonl");
    let text = std::fs::read_to_string(path)
        .expect("the corpus is committed; regenerate it with bench/audit_corpus.py");
    text.lines()
        .filter(|line| !line.trim().is_empty())
        .map(|line| {
            let row: serde_json::Value =
                serde_json::from_str(line).expect("one JSON object per line");
            let field = |key: &str| {
                row[key]
                    .as_str()
                    .unwrap_or_else(|| panic!("missing {key} in {line}"))
                    .to_string()
            };
            Row {
                name: field("name"),
                value: field("value"),
                class: serde_json::from_value(row["class"].clone())
                    .expect("class is secret|suspect|reference|config"),
                kind: field("kind"),
                set: field("set"),
            }
        })
        .collect()
}

/// Precision and recall of a yes/no guess against a yes/no truth.
fn precision_recall(pairs: impl Iterator<Item = (bool, bool)>) -> (f64, f64) {
    let (mut hits, mut guessed, mut actual) = (0usize, 0usize, 0usize);
    for (truth, guess) in pairs {
        hits += usize::from(truth && guess);
        guessed += usize::from(guess);
        actual += usize::from(truth);
    }
    (
        hits as f64 / guessed.max(1) as f64,
        hits as f64 / actual.max(1) as f64,
    )
}

fn is_finding(class: Class) -> bool {
    matches!(class, Class::Secret | Class::Suspect)
}

/// `secret` and finding precision and recall for each part of the corpus, one line each.
fn by_part(rows: &[Row], verdicts: &[Class]) -> (String, (f64, f64)) {
    let mut text = String::new();
    let mut whole = (0.0, 0.0);
    for part in ["original", "extended", "all"] {
        let pairs = || {
            rows.iter()
                .zip(verdicts)
                .filter(move |(row, _)| part == "all" || row.set == part)
        };
        let secret =
            precision_recall(pairs().map(|(r, &v)| (r.class == Class::Secret, v == Class::Secret)));
        let finding = precision_recall(pairs().map(|(r, &v)| (is_finding(r.class), is_finding(v))));
        text.push_str(&format!(
            "  {part:<9} {:>4} rows: secret precision {:.3} recall {:.3}; finding precision {:.3} recall {:.3}\n",
            pairs().count(),
            secret.0,
            secret.1,
            finding.0,
            finding.1
        ));
        whole = finding;
    }
    (text, whole)
}

const CLASSES: [Class; 4] = [
    Class::Secret,
    Class::Suspect,
    Class::Reference,
    Class::Config,
];

#[test]
fn classifier_meets_precision_and_recall_on_the_corpus() {
    let rows = load_corpus();
    assert!(
        rows.len() >= 400,
        "the corpus has only {} variables",
        rows.len()
    );

    let extended = rows.iter().filter(|r| r.set == "extended").count();
    assert!(
        extended >= MIN_EXTENDED_ROWS,
        "the extended part has only {extended} variables"
    );

    let mut matrix: BTreeMap<(Class, Class), usize> = BTreeMap::new();
    let mut misses = Vec::new();
    let mut verdicts = Vec::new();
    for row in &rows {
        let verdict = classify(&row.name, &row.value);
        verdicts.push(verdict.class);
        *matrix.entry((row.class, verdict.class)).or_default() += 1;
        if verdict.class != row.class {
            misses.push(format!(
                "  {:<8} {:<44} labelled {:<9} ({:<30}) classified {:<9} by {}",
                row.set, row.name, row.class, row.kind, verdict.class, verdict.rule
            ));
        }
    }
    let count =
        |truth: Class, predicted: Class| matrix.get(&(truth, predicted)).copied().unwrap_or(0);
    let labelled = |truth: Class| CLASSES.iter().map(|&p| count(truth, p)).sum::<usize>();
    let predicted = |p: Class| CLASSES.iter().map(|&t| count(t, p)).sum::<usize>();

    let true_secrets = count(Class::Secret, Class::Secret) as f64;
    let precision = true_secrets / predicted(Class::Secret).max(1) as f64;
    let recall = true_secrets / labelled(Class::Secret).max(1) as f64;
    let clean = labelled(Class::Reference) + labelled(Class::Config);
    let clean_as_secret = (count(Class::Reference, Class::Secret)
        + count(Class::Config, Class::Secret)) as f64
        / clean.max(1) as f64;

    let (parts, finding) = by_part(&rows, &verdicts);
    let mut report = format!(
        "{} variables: secret precision {precision:.3}, recall {recall:.3}; clean variables classified secret {:.1}%\n\
         {parts}confusion matrix (rows: label, columns: classification)\n{:>12}",
        rows.len(),
        100.0 * clean_as_secret,
        ""
    );
    for p in CLASSES {
        report.push_str(&format!("{:>11}", p.to_string()));
    }
    for t in CLASSES {
        report.push_str(&format!("\n{:>12}", t.to_string()));
        for p in CLASSES {
            report.push_str(&format!("{:>11}", count(t, p)));
        }
    }
    report.push_str(&format!(
        "\nmisclassified ({}):\n{}",
        misses.len(),
        misses.join("\n")
    ));
    println!("{report}");

    assert!(
        precision >= MIN_PRECISION
            && recall >= MIN_RECALL
            && clean_as_secret <= MAX_CLEAN_AS_SECRET
            && finding.0 >= MIN_FINDING_PRECISION
            && finding.1 >= MIN_FINDING_RECALL,
        "the classifier is below its bar (secret precision ≥ {MIN_PRECISION}, recall ≥ {MIN_RECALL}, \
         clean as secret ≤ {MAX_CLEAN_AS_SECRET}; finding precision ≥ {MIN_FINDING_PRECISION}, \
         recall ≥ {MIN_FINDING_RECALL}):\n{report}"
    );
}

#[test]
fn corpus_covers_every_kind_the_issue_names() {
    let rows = load_corpus();
    let kinds: std::collections::BTreeSet<&str> = rows.iter().map(|r| r.kind.as_str()).collect();
    for kind in [
        "aws-access-key-id",
        "aws-secret-access-key",
        "github-token",
        "gitlab-token",
        "slack-token",
        "slack-webhook",
        "stripe-key",
        "sendgrid-key",
        "twilio-auth-token",
        "google-api-key",
        "azure-storage-key",
        "azure-connection-string",
        "npm-token",
        "pypi-token",
        "openai-key",
        "anthropic-key",
        "jwt",
        "private-key",
        "private-key-escaped",
        "generic-password",
        "generic-api-key",
        "url-credentials",
        "postgres-url",
        "mysql-url",
        "mongodb-url",
        "redis-url",
        "amqp-url",
        "jdbc-url",
        "base64-blob",
        "secretsmanager-arn",
        "secret-name",
        "ssm-path",
        "ssm-name",
        "cfn-dynamic-reference",
        "kms-key-id",
        "kms-alias",
        "cfn-generated-name",
        "uuid",
        "git-sha",
        "hash",
        "url",
        "hostname",
        "boolean",
        "number",
        "log-level",
        "placeholder",
        "empty",
        "flag",
        "documented-example-key",
        // The extended part.
        "encoded-config-json",
        "encoded-config-yaml",
        "encoded-config-gzip",
        "encoded-credentials",
        "public-key-pem",
        "public-key-der",
        "certificate-pem",
        "certificate-der",
        "ssh-public-key",
        "jwk-public",
        "jwk-private",
        "private-key-der",
        "version-or-build-id",
        "image-digest",
        "generated-resource-name",
        "credential-in-arguments",
        "credential-in-dsn",
        "arguments-without-credential",
        "webhook-url",
        "webhook-lookalike",
        "short-pin",
        "short-password",
        "short-secret",
        "vendor-token",
        "publishable-key",
    ] {
        assert!(kinds.contains(kind), "the corpus has no {kind} variable");
    }
}

#[test]
fn every_rule_that_fires_has_one_reason_and_never_shows_the_value() {
    let mut reasons: BTreeMap<&str, &str> = BTreeMap::new();
    for row in load_corpus() {
        let verdict = classify(&row.name, &row.value);
        let first = *reasons.entry(verdict.rule).or_insert(verdict.reason);
        assert_eq!(
            first, verdict.reason,
            "rule {} has two reasons",
            verdict.rule
        );
        let shown = format!("{} {} {}", verdict.reason, verdict.shape, verdict.rule);
        assert!(
            row.class != Class::Secret || !shown.contains(&row.value),
            "{} shows its value",
            row.name
        );
    }
}
