//! What `audit --explain` shows of one classification: each rule the classifier looked at,
//! in order, whether it fired and why, and the facts the rules read (the value's length and
//! character mix, what the name announces). Never the value.

use serde::Serialize;

use super::names::{NameInfo, SecretWord};
use super::randomness;
use super::rules::Rule;
use super::Verdict;

/// One rule (or a group of rules checked together) and what it made of the variable.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Step {
    /// A rule id, or the ids of a group checked as one (`reference-arn, …`).
    pub rules: String,
    pub fired: bool,
    /// The rule's reason when it fired; what did not hold when it did not.
    pub why: String,
}

/// A classification with its steps and the facts they read.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Explanation {
    pub verdict: Verdict,
    /// What the value's shape and the name said, as the rules read them.
    pub facts: Vec<String>,
    pub steps: Vec<Step>,
}

/// Records steps when on; when off (every ordinary classification) it only passes results on.
pub(super) struct Trace {
    steps: Option<Vec<Step>>,
}

impl Trace {
    pub(super) fn off() -> Self {
        Trace { steps: None }
    }

    pub(super) fn on() -> Self {
        Trace {
            steps: Some(Vec::new()),
        }
    }

    pub(super) fn into_steps(self) -> Vec<Step> {
        self.steps.unwrap_or_default()
    }

    fn push(&mut self, rules: &str, fired: bool, why: impl FnOnce() -> String) {
        if let Some(steps) = &mut self.steps {
            steps.push(Step {
                rules: rules.to_string(),
                fired,
                why: why(),
            });
        }
    }

    /// `rule` was checked: `held` says whether it fired. Returns `held`.
    pub(super) fn look(&mut self, rule: Rule, held: bool) -> bool {
        self.push(rule.id, held, || {
            if held {
                rule.reason.to_string()
            } else {
                format!("does not hold ({})", rule.reason)
            }
        });
        held
    }

    /// A group of rules checked at once: the rule it decided, or none because `absent`.
    pub(super) fn group(
        &mut self,
        rules: &'static str,
        absent: &'static str,
        found: Option<Rule>,
    ) -> Option<Rule> {
        match found {
            Some(rule) => {
                self.look(rule, true);
            }
            None => self.push(rules, false, || absent.to_string()),
        }
        found
    }
}

/// What the rules read of the value and the name, without the value.
pub(super) fn facts(name: &str, value: &str, info: &NameInfo) -> Vec<String> {
    let announces = match info.secret {
        Some(SecretWord::Password) => "a password",
        Some(SecretWord::Key) => "a key, token or secret",
        Some(SecretWord::Pin) => "a PIN",
        None => "no secret",
    };
    let mut said: Vec<&str> = Vec::new();
    for (holds, what) in [
        (info.mentions_secret, "mentions a secret word"),
        (
            info.refers_to_secret,
            "refers to a secret (…_ID, …_ARN, …_NAME)",
        ),
        (info.mentions_secrets_manager, "mentions SECRET"),
        (info.mentions_parameter, "mentions a parameter"),
        (info.mentions_kms, "mentions KMS"),
        (info.mentions_aws_or_access, "mentions AWS or an access key"),
        (info.is_identifier, "ends in an identifier word"),
        (info.is_digest, "is about a digest"),
        (info.is_version, "is about a version or build"),
    ] {
        if holds {
            said.push(what);
        }
    }
    let mut facts = vec![
        format!(
            "value: {} chars, {} of 4 character classes (lower, upper, digit, other), {:.1} bits of entropy per char{}{}",
            value.chars().count(),
            randomness::character_classes(value),
            randomness::entropy(value),
            if randomness::looks_random(value) { ", looks random" } else { "" },
            if randomness::is_name_like(value) { ", reads as a name made of words" } else { "" },
        ),
        format!("name {name} announces {announces}"),
    ];
    if !said.is_empty() {
        facts.push(format!("name {name} {}", said.join(", ")));
    }
    facts
}
